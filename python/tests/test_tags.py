# SPDX-License-Identifier: Apache-2.0
"""test_tags.py - a run's user tags changed from Python, as Metaflow's Run.add_tag(s),
remove_tag(s), replace_tag(s): the same rules as the `tag` command (src/meta_tags.c), which reads
back what Python wrote; system tags cannot be removed; a bad tag changes nothing."""

import os

import pytest

from conftest import BUILD, Store
from metaflow_c import SCHEMA_VERSION, FormatVersionError, Run


@pytest.fixture
def tagged(tmp_path):
    """A fresh store with one LinearFlow run tagged 'old'."""
    prog = os.path.join(BUILD, "examples", "linear_flow")
    if not os.access(prog, os.X_OK):
        pytest.fail("flow program '%s' is missing: build first or set MF_BUILD_DIR" % prog)
    s = Store(str(tmp_path / "ds"))
    s.run(prog, "run", "--quiet", "--tag", "old")
    s.programs["LinearFlow"] = prog
    return s


def cli_tags(s):
    return s.run(s.programs["LinearFlow"], "tag", "list", "1").stdout.splitlines()


def test_add_remove_replace(tagged):
    run = Run("LinearFlow/1", datastore_root=tagged.root)
    assert run.user_tags == {"old"}
    run.add_tag("刺身 means sashimi")
    run.add_tags(["a,b", "old"])  # a tag it has: nothing changes for it
    assert run.user_tags == {"old", "a,b", "刺身 means sashimi"}
    assert cli_tags(tagged) == ["a,b", "old", "刺身 means sashimi"]  # the C reader sees what Python wrote
    run.remove_tag("a,b")
    run.remove_tags(["never had it"])
    assert run.user_tags == {"old", "刺身 means sashimi"}
    run.replace_tag("old", "new")
    assert run.user_tags == {"new", "刺身 means sashimi"}
    run.replace_tags(["new", "刺身 means sashimi"], ["x", "y"])
    assert run.user_tags == {"x", "y"} and cli_tags(tagged) == ["x", "y"]
    assert Run("LinearFlow/1", datastore_root=tagged.root).tags >= {"x", "y"}  # a new object reads them too
    assert "x" in run.tags and any(t.startswith("user:") for t in run.tags)


def test_system_tags(tagged):
    run = Run("LinearFlow/1", datastore_root=tagged.root)
    system = sorted(run.system_tags)
    run.add_tag("runtime:dev")  # a system tag of the run: not added as a user tag
    assert run.user_tags == {"old"}
    with pytest.raises(ValueError, match="'runtime:dev' is a system tag of run '1': system tags cannot be removed"):
        run.replace_tags(["old", "runtime:dev"], ["z"])
    assert run.user_tags == {"old"} and cli_tags(tagged) == ["old"]  # one transaction: nothing changed
    assert sorted(Run("LinearFlow/1", datastore_root=tagged.root).system_tags) == system


def test_bad_tags_change_nothing(tagged):
    run = Run("LinearFlow/1", datastore_root=tagged.root)
    for bad in ["", "x" * 501, "tab\there", "\ud800"]:
        with pytest.raises(ValueError, match="invalid tag"):
            run.replace_tags(["old"], ["fine", bad])
    with pytest.raises(ValueError, match="a list of tags, not one str"):
        run.add_tags("abc")
    assert cli_tags(tagged) == ["old"]


def test_a_store_of_another_schema_is_not_written(tagged):
    import sqlite3
    run = Run("LinearFlow/1", datastore_root=tagged.root)
    db = sqlite3.connect(os.path.join(tagged.root, "metadata.db"))
    db.execute("PRAGMA user_version = %d" % (SCHEMA_VERSION - 1))
    db.close()
    with pytest.raises(FormatVersionError, match="schema version %d, not the %d this metaflow_c writes: run any "
                                                 "writing command" % (SCHEMA_VERSION - 1, SCHEMA_VERSION)):
        run.add_tag("z")
