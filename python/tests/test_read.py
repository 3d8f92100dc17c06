# SPDX-License-Identifier: Apache-2.0
"""test_read.py - every artifact of every task of every run, read through metaflow_c, equals what
the C CLI's `dump --json` prints for it; and the client API's shape (runs, steps, tasks, tags,
parameters, logs, times, clones of a resumed run)."""

import array
import base64
import math

import numpy
import pytest

from metaflow_c import ArtifactNotFound, DataArtifact, Flow, Metaflow, MetaflowNotFound, Run, Step, Task

ARRAY_SHOWN, HEAD, TAIL, BYTES_SHOWN, STR_SHOWN = 20, 5, 2, 16, 200
TYPED = ("f64 array", "f32 array", "i64 array", "i32 array", "u8 array")


class F32(float):
    """An f32 element: C prints the shortest text that reads back as that float."""


def _elem(type_, x):
    if type_ == "f32 array":
        return F32(x) if math.isfinite(x) else None
    if type_ == "f64 array":
        return float(x) if math.isfinite(x) else None
    return int(x)


def _array_type(v):
    if isinstance(v, numpy.ndarray):
        return {"<f8": "f64 array", "<f4": "f32 array", "<i8": "i64 array", "<i4": "i32 array",
                "|u1": "u8 array"}[v.dtype.str]
    if isinstance(v, array.array):
        return {"d": "f64 array", "f": "f32 array", "q": "i64 array", "i": "i32 array", "B": "u8 array"}[v.typecode]
    return None


def as_json(v):
    """The value as mf__json_dump writes it (no summaries)."""
    t = _array_type(v)
    if t:
        return [_elem(t, x) for x in v]
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    if isinstance(v, list):
        return [as_json(x) for x in v]
    if isinstance(v, dict):
        return {k: as_json(x) for k, x in v.items()}
    return v


def as_dump(v, type_):
    """The value as `dump --json` shows an artifact: large ones summarised (cmd_dump.c)."""
    if (type_ in TYPED or type_ == "list") and len(v) > ARRAY_SHOWN:
        conv = (lambda x: _elem(type_, x)) if type_ in TYPED else as_json
        return {"type": type_, "length": len(v), "head": [conv(x) for x in v[:HEAD]],
                "tail": [conv(x) for x in v[len(v) - TAIL:]]}
    if type_ == "bytes" and len(v) > BYTES_SHOWN:
        return {"type": "bytes", "length": len(v), "head": v[:BYTES_SHOWN].hex()}
    if type_ == "str" and len(v) > STR_SHOWN:
        return {"type": "str", "length": len(v), "head": v[:STR_SHOWN]}
    return as_json(v)


def same(py, c, where):
    """py (from as_dump) equals c (parsed JSON), numbers by value, f32 at float precision."""
    if isinstance(py, F32):
        assert numpy.float32(c) == numpy.float32(py), where
    elif isinstance(py, float) and not isinstance(py, bool):
        assert isinstance(c, (int, float)) and float(c) == py and math.copysign(1, float(c)) == math.copysign(1, py), \
            "%s: %r != %r" % (where, py, c)
    elif isinstance(py, list):
        assert isinstance(c, list) and len(c) == len(py), "%s: %r != %r" % (where, py, c)
        for i, (a, b) in enumerate(zip(py, c)):
            same(a, b, "%s[%d]" % (where, i))
    elif isinstance(py, dict):
        assert isinstance(c, dict) and list(c) == list(py), "%s: keys %r != %r" % (where, list(py), list(c))
        for k in py:
            same(py[k], c[k], "%s.%s" % (where, k))
    else:
        assert type(py) is type(c) and py == c, "%s: %r != %r" % (where, py, c)


def test_every_artifact_matches_dump(store):
    flows = {f.id: f for f in Metaflow(store.root)}
    assert set(store.programs) <= set(flows), "flows missing from Metaflow(): %s" % (set(store.programs) - set(flows))
    checked = 0
    for name, prog in sorted(store.programs.items()):
        for run in flows[name]:
            dumped = {t["pathspec"]: t for t in store.dump_json(name, run.id)}
            seen = set()
            for step in run:
                for task in step:
                    spec = "%s/%s/%s" % (run.id, step.id, task.id)
                    seen.add(spec)
                    c = dumped[spec]
                    assert task.finished == c["finished"], spec
                    if not task.finished:
                        continue
                    arts = {a.id: a for a in task}
                    assert list(arts) == list(c["artifacts"]), spec
                    for a_name, art in arts.items():
                        v = art.data
                        same(as_dump(v, art.type), c["artifacts"][a_name], "%s/%s/%s" % (name, spec, a_name))
                        checked += 1
            assert seen == set(dumped), "tasks of %s/%s: python %s, dump %s" % (name, run.id, seen, set(dumped))
    assert checked > 80, "only %d artifacts compared" % checked


def test_types_come_back_as_python_types(store):
    t = Flow("PyTypesFlow", datastore_root=store.root)["1"]["start"].task
    d = t.data
    assert d.nothing is None and d.yes is True and d.no is False
    assert d.int_min == -2 ** 63 and d.int_max == 2 ** 63 - 1 and d.small_int == -24
    assert d.third == 1 / 3 and math.copysign(1, d.neg_zero) == -1
    assert d.unicode == "caf\u00e9 \u20ac \U0001f680" and d.empty_str == ""
    assert d.bytes_small == b"\x00\x01\xfe\xff" and len(d.bytes_object) == 5000
    for n, dtype in (("f64_small", "<f8"), ("f32_small", "<f4"), ("i64_small", "<i8"), ("i32_small", "<i4"),
                     ("u8_small", "|u1"), ("f64_random_big", "<f8"), ("f64_compressible_big", "<f8"),
                     ("i32_object", "<i4"), ("u8_object", "|u1")):
        assert isinstance(getattr(d, n), numpy.ndarray) and getattr(d, n).dtype.str == dtype, n
    assert d.i64_small.tolist() == [-2 ** 63, -1, 0, 2 ** 63 - 1]
    assert len(d.f64_empty) == 0 and d.f64_random_big.shape == (200000,)
    assert d.f64_compressible_big[:4].tolist() == [0.0, 0.5, 1.0, 1.5]
    nested = d.nested
    assert list(nested) == ["empty_list", "empty_map", "flag", "list"]
    assert nested["list"][0].tolist() == [1.5, 2.5, 3.5] and nested["list"][1].dtype.str == "<i8"
    assert nested["list"][2] is None and nested["list"][3] == b"ab"
    assert list(nested["list"][4]) == ["", "aa", "b"]
    assert t["nested"].type == "map" and len(t["nested"].sha) == 64


def test_big_arrays_are_views_not_copies(store):
    t = Task("PyTypesFlow/1/start/1", datastore_root=store.root)
    big = t.data.f64_random_big
    assert not big.flags.owndata, "a raw object's array should view the mapped file"
    big[0] = 1.0  # copy-on-write mapping: writing does not reach the store
    again = Task("PyTypesFlow/1/start/1", datastore_root=store.root).data.f64_random_big
    assert again[0] != 1.0 and t["f64_random_big"].size > 1 << 20
    z = t.data.f64_compressible_big
    assert not z.flags.owndata  # a view of the decompressed buffer


def test_runs_tags_parameters_and_status(store):
    flow = Flow("PyTypesFlow", datastore_root=store.root)
    runs = list(flow)
    assert [r.id for r in runs] == ["2", "1"], "runs are newest first"
    assert flow.latest_run.id == "2" and flow.latest_successful_run.id == "2"
    assert [r.id for r in flow.runs("typed")] == ["1"] and flow.runs("nope") == []
    r1 = flow["1"]
    assert r1.user_tags == frozenset({"typed"}) and r1.successful and r1.finished and r1.status == "succeeded"
    assert r1.tags == r1.user_tags | r1.system_tags, "tags: user and system, as Metaflow's"
    assert {t.split(":")[0] for t in r1.system_tags} == {"user", "runtime", "metaflow_c_version", "date"}
    assert [r.id for r in flow.runs("runtime:dev", "typed")] == ["1"], "runs(*tags) matches system tags too"
    assert r1.created_at <= r1.finished_at
    assert r1.parameters == {"label": "typed", "weight": 0.75}
    assert flow["2"].parameters == {"label": "second", "weight": 2.0}
    c = {r["run_id"]: r for r in store.runs_json("PyTypesFlow")}
    assert r1.parameters_json == c["1"]["parameters"]
    assert r1.system_tags == frozenset(c["1"]["system_tags"]) and r1.user_tags == frozenset(c["1"]["tags"])
    assert r1.user == c["1"]["user"]
    assert flow["2"]["end"].task.data.weight == 2.0, "parameters are visible as artifacts of every task"
    assert "label" in flow["2"]["body"].task.data
    assert [s.id for s in r1] == ["start", "body", "join", "end"]
    assert r1.data.done == "yes" and r1.end_task.pathspec == "PyTypesFlow/1/end/6"
    assert len(list(r1["body"])) == 3 and r1["join"].task.data.positions == [0, 1, 2]
    assert [t.data.item for t in r1["body"]][:2] == ["x", 7]
    assert [t.index for t in r1["body"]] == [t.data.position for t in r1["body"]] == [0, 1, 2]
    assert r1["start"].task.index is None and r1["join"].task.index is None
    branch = Run("BranchFlow/1", datastore_root=store.root)
    assert branch["a"].task.index is None, "a branch is not a foreach"


def test_pathspecs_and_not_found(store):
    root = store.root
    assert Run("BranchFlow/1", datastore_root=root).pathspec == "BranchFlow/1"
    assert Step("BranchFlow/1/join", datastore_root=root).task.pathspec == "BranchFlow/1/join/4"
    assert DataArtifact("BranchFlow/1/a/2/x", datastore_root=root).data == 1
    assert Flow("BranchFlow", datastore_root=root).latest_successful_run["join"].task.data.total == 3
    task = Task("BranchFlow/1/join/4", datastore_root=root)
    assert task.parent.parent.id == "1" and task.path_components == ["BranchFlow", "1", "join", "4"]
    assert "total" in task and "nope" not in task and "a" in task.parent.parent
    with pytest.raises(MetaflowNotFound, match="flow 'Nope' has no runs.*BranchFlow"):
        Flow("Nope", datastore_root=root)
    with pytest.raises(KeyError, match="run '9' of flow 'BranchFlow' does not exist; its runs are: 1"):
        Flow("BranchFlow", datastore_root=root)["9"]
    with pytest.raises(KeyError, match="no step 'zz'.*start, a, b, join, end"):
        Run("BranchFlow/1", datastore_root=root)["zz"]
    with pytest.raises(AttributeError, match="has no artifact 'nope'; its artifacts are: total"):
        task.data.nope
    with pytest.raises(ArtifactNotFound):
        task["nope"]
    with pytest.raises(ValueError, match="malformed"):
        Run("BranchFlow", datastore_root=root)


def test_datastore_root_from_env_and_default(store, monkeypatch, tmp_path):
    monkeypatch.setenv("MF_DATASTORE_ROOT", store.root)
    assert Flow("LinearFlow").latest_run["end"].task.data.my_var == "hello world"
    monkeypatch.delenv("MF_DATASTORE_ROOT")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MetaflowNotFound, match="nothing was run under '%s' yet" % (tmp_path / ".metaflow")):
        Flow("LinearFlow")


def test_logs(store):
    t = Task("PyTypesFlow/1/start/1", datastore_root=store.root)
    assert t.stdout == "start stored its artifacts\n" and t.stderr == "a line on stderr\n"
    assert Task("BranchFlow/1/a/2", datastore_root=store.root).stdout == ""  # printed nothing: no file
    assert "total is 3" in Task("BranchFlow/1/join/4", datastore_root=store.root).loglines()


def test_resumed_run_clones_read_the_same(store):
    flow = Flow("ResumeFlow", datastore_root=store.root)
    failed, resumed = flow["1"], flow["2"]
    assert failed.status == "failed" and not failed.successful and resumed.successful
    assert flow.latest_successful_run.id == "2" and resumed.origin_pathspec == "ResumeFlow/1"
    assert failed["join"].task.finished is False
    with pytest.raises(MetaflowNotFound, match="has not finished: its attempt 0 failed"):
        failed["join"].task["sum"]
    clones = 0
    for step in resumed:
        for task in step:
            if task.origin_pathspec is None:
                continue
            clones += 1
            origin = Task(task.origin_pathspec, datastore_root=store.root)
            assert origin.parent.parent.id == "1"
            mine, theirs = {a.id: a for a in task}, {a.id: a for a in origin}
            assert list(mine) == list(theirs), task.pathspec
            for name in mine:
                assert mine[name].sha == theirs[name].sha
                assert as_json(mine[name].data) == as_json(theirs[name].data)
            assert task.stdout == origin.stdout, "a clone's log is its origin's"
    assert clones >= 4, "resume cloned only %d tasks" % clones
    assert resumed.memo_hits == 0 and not any(t.memo_hit for s in resumed for t in s), "a resume's clone is no hit"


def test_memo_hits_are_marked(store):
    """A second run of the memoised example reuses its tasks: each is a memo hit naming its origin, the
    run counts them, and a hit reads like the task it came from."""
    first = Flow("MemoFlow", datastore_root=store.root).latest_run
    store.run(store.programs["MemoFlow"], "run", "--quiet")
    second = Flow("MemoFlow", datastore_root=store.root).latest_run
    assert second.id != first.id and first.memo_hits == 0
    hits = [t for s in second for t in s if t.memo_hit]
    assert second.memo_hits == len(hits) == 10
    for t in hits:
        origin = Task(t.origin_pathspec, datastore_root=store.root)
        assert origin.parent.parent.id == first.id and origin.parent.id == t.parent.id
        assert not origin.memo_hit
        assert {a.id: a.sha for a in t} == {a.id: a.sha for a in origin}
    assert not Task("MemoFlow/%s/end/%s" % (second.id, second["end"].task.id), datastore_root=store.root).memo_hit
