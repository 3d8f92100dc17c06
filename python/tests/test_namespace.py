# SPDX-License-Identifier: Apache-2.0
"""test_namespace.py - namespaces as Metaflow's client has them: by default a reader sees the runs
of its own user ('user:NAME'), a run named outside the namespace raises MetaflowNamespaceMismatch
naming the namespace and how to switch, namespace(ns) takes any tag, namespace(None) is the global
view, $MF_NAMESPACE sets the default. Alice and bob run ParameterFlow into one datastore."""

import os

import pytest

from conftest import BUILD, Store
from metaflow_c import (DataArtifact, Flow, Metaflow, MetaflowNamespaceMismatch, Run, Task, client,
                        default_namespace, get_namespace, namespace)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """Run 1 alice (alpha 1), 2 bob (alpha 2, tag project:x), 3 alice (alpha 3, tag project:x),
    4 bob resuming alice's run 1 at end (its start cloned from hers)."""
    prog = os.path.join(BUILD, "examples", "parameter_flow")
    if not os.access(prog, os.X_OK):
        pytest.fail("flow program '%s' is missing: build first or set MF_BUILD_DIR" % prog)
    s = Store(str(tmp_path_factory.mktemp("ns") / "ds"))
    s.run(prog, "run", "--quiet", "--alpha", "1", env={"USER": "alice"})
    s.run(prog, "run", "--quiet", "--alpha", "2", "--tag", "project:x", env={"USER": "bob"})
    s.run(prog, "run", "--quiet", "--alpha", "3", "--tag", "project:x", env={"USER": "alice"})
    s.run(prog, "resume", "end", "--quiet", "--origin-run-id", "1", env={"USER": "bob"})
    return s.root


@pytest.fixture(autouse=True)
def as_bob(monkeypatch):
    """Bob reads, in his default namespace; the module's namespace is restored afterwards."""
    monkeypatch.setenv("USER", "bob")
    monkeypatch.delenv("MF_NAMESPACE", raising=False)
    monkeypatch.setattr(client, "_current_namespace", [False])  # chosen again on first use


def ids(flow):
    return [r.id for r in flow]


def test_default_is_the_readers_user(shared):
    assert get_namespace() == "user:bob"
    flow = Flow("ParameterFlow", datastore_root=shared)
    assert ids(flow) == ["4", "2"]
    assert flow.latest_run.id == "4" and flow.latest_successful_run.id == "4"
    assert [r.id for r in flow.runs("project:x")] == ["2"]
    assert "2" in flow and "1" not in flow


def test_a_run_outside_is_refused(shared):
    refused = r"run 'ParameterFlow/1' is not in namespace 'user:bob' \(it is in 'user:alice'\): " \
              r"namespace\('user:alice'\) or namespace\(None\) reads it"
    with pytest.raises(MetaflowNamespaceMismatch, match=refused):
        Run("ParameterFlow/1", datastore_root=shared)
    with pytest.raises(MetaflowNamespaceMismatch, match=refused):
        Flow("ParameterFlow", datastore_root=shared)["1"]
    with pytest.raises(MetaflowNamespaceMismatch, match=refused):
        Task("ParameterFlow/1/start/1", datastore_root=shared)
    with pytest.raises(MetaflowNamespaceMismatch, match=refused):
        DataArtifact("ParameterFlow/1/start/1/alpha", datastore_root=shared)
    with pytest.raises(KeyError, match="run '9' of flow 'ParameterFlow' does not exist"):
        Run("ParameterFlow/9", datastore_root=shared)  # not found stays not found


def test_a_resume_of_anothers_run_reads_its_origin(shared):
    run = Run("ParameterFlow/4", datastore_root=shared)
    start = run["start"].task
    assert start.origin_pathspec.startswith("ParameterFlow/1/start/")
    assert start.data.alpha == 1.0
    assert "alpha is 1.000000" in start.stdout  # the log of alice's task, which ran


def test_namespace_switches(shared):
    assert namespace("user:alice") == "user:alice"
    assert ids(Flow("ParameterFlow", datastore_root=shared)) == ["3", "1"]
    assert Run("ParameterFlow/1", datastore_root=shared).data.alpha == 1.0
    assert namespace("project:x") == "project:x"  # any tag
    assert ids(Flow("ParameterFlow", datastore_root=shared)) == ["3", "2"]
    assert namespace("runtime:dev") == "runtime:dev"  # a system tag too
    assert ids(Flow("ParameterFlow", datastore_root=shared)) == ["4", "3", "2", "1"]
    assert namespace(None) is None and get_namespace() is None
    assert ids(Flow("ParameterFlow", datastore_root=shared)) == ["4", "3", "2", "1"]
    assert namespace("") is None
    with pytest.raises(ValueError, match="invalid namespace 'a\\\\tb': it holds"):
        namespace("a\tb")
    assert get_namespace() is None  # unchanged
    assert default_namespace() == "user:bob"


def test_objects_keep_the_namespace_they_were_made_in(shared):
    flow = Flow("ParameterFlow", datastore_root=shared)
    namespace(None)
    assert ids(flow) == ["4", "2"]
    assert ids(Flow("ParameterFlow", datastore_root=shared)) == ["4", "3", "2", "1"]


def test_a_namespace_without_runs(shared):
    namespace("user:carol")
    assert Metaflow(shared).flows == []
    with pytest.raises(MetaflowNamespaceMismatch, match="flow 'ParameterFlow' has no runs in namespace "
                                                        "'user:carol' \\(4 in other namespaces\\)"):
        Flow("ParameterFlow", datastore_root=shared)
    namespace(None)
    assert [f.id for f in Metaflow(shared)] == ["ParameterFlow"]


def test_namespace_from_environment(shared, monkeypatch):
    monkeypatch.setenv("MF_NAMESPACE", "user:alice")
    assert default_namespace() == "user:alice"
    assert ids(Flow("ParameterFlow", datastore_root=shared)) == ["3", "1"]
    monkeypatch.setenv("MF_NAMESPACE", "")
    assert default_namespace() is None
    monkeypatch.setenv("MF_NAMESPACE", "x" * 501)
    with pytest.raises(ValueError, match="invalid MF_NAMESPACE 'x+': a tag is 1 to 500 bytes"):
        default_namespace()
    monkeypatch.delenv("MF_NAMESPACE")
    monkeypatch.setenv("USER", "alice")
    assert default_namespace() == "user:alice"
