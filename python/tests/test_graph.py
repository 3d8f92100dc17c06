# SPDX-License-Identifier: Apache-2.0
"""test_graph.py - the runtime graph through metaflow_c, on real runs: a join task's inputs (by
position, by branch), parents and children of every task agreeing with each other and with the C
CLI's `dump --json`, a foreach task's item, the exception of a caught and of a failed task, and a
store written before format version 3 (the graph fields removed from its indexes)."""

import json
import os

import pytest

from metaflow_c import Flow, MetaflowCError, MetaflowNotFound, Task
from metaflow_c import _store, _values

from conftest import _program


def test_branch_join_inputs(store):
    run = Flow("BranchFlow", datastore_root=store.root).latest_successful_run
    join = run["join"].task
    inputs = join.inputs
    assert [t.parent.id for t in inputs] == ["a", "b"]  # the split's order
    assert len(inputs) == 2
    assert inputs.a.data.x == 1 and inputs["b"].data.x == 2 and inputs[1].data.x == 2
    assert sum(t.data.x for t in inputs) == join.data.total
    with pytest.raises(AttributeError, match="no input of join .* comes from step 'c'; its inputs come from a, b"):
        inputs.c
    with pytest.raises(MetaflowCError, match="is not a join: its one input is"):
        run["a"].task.inputs
    with pytest.raises(MetaflowCError, match="start step's"):
        run["start"].task.inputs


def test_foreach_join_inputs_and_items(store):
    run = Flow("ForeachFlow", datastore_root=store.root).latest_successful_run
    join = run["join"].task
    titles = run["start"].task.data.titles
    assert [t.input for t in join.inputs] == titles  # each input's item, in list order
    assert [t.index for t in join.inputs] == list(range(len(titles)))
    assert [t.data.title for t in join.inputs] == [t.data.title for t in run["a"]]
    assert run["start"].task.input is None and join.input is None


def test_parents_and_children_agree(store):
    """For every task of every run: each parent lists it as a child, each child as a parent, and
    the lists are those `dump --json` prints."""
    for flow in ("BranchFlow", "ForeachFlow", "MergeArtifactsFlow", "ResumeFlow"):
        for run in Flow(flow, datastore_root=store.root):
            dumped = {d["pathspec"]: d for d in store.dump_json(flow, run.id)}
            for step in run:
                for task in step:
                    parents = list(task.parent_task_pathspecs)
                    children = list(task.child_task_pathspecs)
                    if step.id == "start":
                        assert parents == []
                    else:
                        assert parents, task
                    if step.id == "end":
                        assert children == []
                    for p in task.parent_tasks:
                        assert task.pathspec in list(p.child_task_pathspecs)
                    for c in task.child_tasks:
                        assert task.pathspec in list(c.parent_task_pathspecs)
                    short = task.pathspec.split("/", 1)[1]
                    if short in dumped:
                        d = dumped[short]
                        assert d["parents"] == [p.split("/", 1)[1] for p in parents]
                        assert d["children"] == [c.split("/", 1)[1] for c in children]
                        assert d["index"] == task.index


def test_resumed_run_graph(store):
    """Cloned tasks name their parents in the new run."""
    flow = Flow("ResumeFlow", datastore_root=store.root)
    resumed = flow.latest_successful_run
    assert resumed.origin_pathspec
    for step in resumed:
        for task in step:
            for p in task.parent_task_pathspecs:
                assert p.startswith("ResumeFlow/%s/" % resumed.id)


@pytest.fixture(scope="module")
def failures(store):
    """CatchFlow (every kind of caught failure) and FailFlow failing at 'fails' and at 'segv'."""
    catch = _program("tests/flows/catch_flow")
    store.run(catch, "run", "--quiet")
    store.programs["CatchFlow"] = catch
    fail = _program("tests/flows/fail_flow")
    for step in ("fails", "segv"):
        p = store.run(fail, "run", "--quiet", env={"MF_TEST_FAIL": step}, ok=False)
        assert p.returncode != 0
    store.programs["FailFlow"] = fail
    return store


def test_exception_of_caught_tasks(failures):
    run = Flow("CatchFlow", datastore_root=failures.root).latest_run
    keeps = run["keeps"].task
    assert keeps.exception == keeps.data.keeps_failure
    assert keeps.exception["type"] == "mf_fail" and "keeps fails on attempt 2" in keeps.exception["reason"]
    assert run["crash"].task.exception["type"] == "signal"
    assert run["slow"].task.exception["type"] == "timeout"
    assert run["start"].task.exception is None and run["end"].task.exception is None


def test_exception_of_failed_tasks(failures):
    runs = list(Flow("FailFlow", datastore_root=failures.root))
    segv = next(r for r in runs if "segv" in r._steps())["segv"].task
    e = segv.exception
    assert not segv.finished
    assert e["type"] == "signal" and e["signal"] == 11 and e["exit_code"] == -1
    fails = next(r for r in runs if "fails" in r._steps() and "missing" not in r._steps())["fails"].task
    e = fails.exception
    assert e["type"] == "exit" and e["exit_code"] == 1
    assert "the test asked step 'fails' to fail" in e["reason"]
    assert "the test asked step 'fails' to fail" in e["stderr"]
    # a failed task's parents come from the run metadata
    assert [p.split("/")[2] for p in fails.parent_task_pathspecs] == ["exits"]


def _strip_graph(root):
    """Rewrites every task index under root as format version 1/2 would have: no graph fields."""
    import cbor2
    for dirpath, _dirs, files in os.walk(root):
        if "index" not in files or "objects" in dirpath:
            continue
        path = os.path.join(dirpath, "index")
        with open(path, "rb") as f:
            top = cbor2.loads(f.read())
        if top.get("version") != 3:
            continue
        for k in ("inputs", "foreach", "caught"):
            top.pop(k, None)
        chunked = any("chunks" in a for a in top["artifacts"].values())
        top["version"] = 2 if chunked else 1
        with open(path, "wb") as f:
            f.write(cbor2.dumps(top, canonical=True))


def test_store_before_version_3(store, copy_of):
    root = copy_of()
    _strip_graph(root)
    run = Flow("ForeachFlow", datastore_root=root).latest_successful_run
    join = run["join"].task
    assert _store.read_index(os.path.join(join._dir(), "index")).inputs is None
    # the run metadata still has the inputs: the graph reads as before
    assert [t.data.title for t in join.inputs] == [t.data.title for t in run["a"]]
    # the foreach list's name is recorded nowhere else
    with pytest.raises(MetaflowCError, match="written before format version 3"):
        run["a"].task.input
    assert run["a"].task.index == 0


def test_index_version_fields_refused(store, copy_of):
    """A version 1 index with a graph field, a version 3 one without any: corrupt, named."""
    import cbor2
    from metaflow_c import CorruptDataError
    root = copy_of()
    task = Flow("BranchFlow", datastore_root=root).latest_successful_run["join"].task
    path = os.path.join(task._dir(), "index")
    with open(path, "rb") as f:
        top = cbor2.loads(f.read())
    assert top["version"] == 3 and top["inputs"] == "a/2,b/3"
    top["version"] = 1
    with open(path, "wb") as f:
        f.write(cbor2.dumps(top, canonical=True))
    with pytest.raises(CorruptDataError, match="field 'inputs', which a version 1 index cannot have"):
        _store.read_index(path)
