# SPDX-License-Identifier: Apache-2.0
"""test_verify.py - what metaflow_c refuses: corrupt objects and indexes (an error naming the file,
never a wrong value), newer formats (a message, never a misread); and how it reads: a store it
cannot write, and arrays without numpy."""

import glob
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

import cbor2
import pytest

from metaflow_c import CorruptDataError, Flow, FormatVersionError, Task, __version__
from metaflow_c import _store

PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _object_of(root, pathspec, name):
    rec = Task(pathspec, datastore_root=root)[name]
    return _store.object_path(root, rec.sha)


def _flip(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0x40]))


@pytest.mark.parametrize("name, where", [
    ("f64_random_big", -3),          # raw, mapped: a flipped element
    ("f64_compressible_big", -10),   # zstd: a flipped byte of the frame
    ("i32_object", 200),             # raw, read: a flipped element
    ("u8_object", 7),                # the header's reserved byte
])
def test_a_flipped_byte_in_an_object_raises_naming_it(copy_of, name, where):
    root = copy_of()
    path = _object_of(root, "PyTypesFlow/1/start/1", name)
    _flip(path, where if where >= 0 else os.path.getsize(path) + where)
    task = Task("PyTypesFlow/1/start/1", datastore_root=root)
    with pytest.raises(CorruptDataError) as e:
        task.data.__getattr__(name)
    assert path in str(e.value) and e.value.path == path
    assert "resume the run (the 'verify' command names the runs and tasks that use it)" in str(e.value)
    assert task.data.third == 1 / 3, "other artifacts stay readable"


def test_a_truncated_or_missing_object_raises(copy_of):
    root = copy_of()
    path = _object_of(root, "PyTypesFlow/1/start/1", "i32_object")
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) - 1)
    with pytest.raises(CorruptDataError, match="truncated"):
        Task("PyTypesFlow/1/start/1", datastore_root=root).data.i32_object
    os.unlink(path)
    with pytest.raises(CorruptDataError, match="missing"):
        Task("PyTypesFlow/1/start/1", datastore_root=root).data.i32_object


def test_a_flipped_inline_value_in_an_index_raises_naming_it(copy_of):
    root = copy_of()
    index = os.path.join(root, "PyTypesFlow", "1", "start", "1", "index")
    data = open(index, "rb").read()
    at = data.index(b"caf\xc3\xa9")  # the inline encoding of 'unicode'
    _flip(index, at)
    with pytest.raises(CorruptDataError) as e:
        Task("PyTypesFlow/1/start/1", datastore_root=root).data.unicode
    assert index in str(e.value) and "artifact 'unicode'" in str(e.value)


def test_a_damaged_index_raises(copy_of):
    root = copy_of()
    index = os.path.join(root, "BranchFlow", "1", "a", "2", "index")
    with open(index, "ab") as f:
        f.write(b"\0")
    with pytest.raises(CorruptDataError, match="trailing bytes"):
        Task("BranchFlow/1/a/2", datastore_root=root).data.x


def test_newer_formats_are_refused(copy_of):
    root = copy_of()
    assert __version__.startswith("3.5.")
    path = _object_of(root, "PyTypesFlow/1/start/1", "u8_object")
    with open(path, "r+b") as f:
        f.seek(4)
        f.write(b"\x02")
    with pytest.raises(FormatVersionError, match="object '%s' has format version 2, newer" % path):
        Task("PyTypesFlow/1/start/1", datastore_root=root).data.u8_object
    path = _object_of(root, "PyTypesFlow/1/start/1", "i32_object")
    with open(path, "r+b") as f:
        f.seek(5)
        f.write(b"\x09")
    with pytest.raises(FormatVersionError, match="payload kind 9"):
        Task("PyTypesFlow/1/start/1", datastore_root=root).data.i32_object
    index = os.path.join(root, "BranchFlow", "1", "a", "2", "index")
    top = cbor2.loads(open(index, "rb").read())
    top["version"] = 4
    with open(index, "wb") as f:
        f.write(cbor2.dumps(top))
    with pytest.raises(FormatVersionError, match="task index .* has version 4, newer"):
        Task("BranchFlow/1/a/2", datastore_root=root).data.x
    db = sqlite3.connect(os.path.join(root, "metadata.db"))
    db.execute("PRAGMA user_version = 6")
    db.close()
    with pytest.raises(FormatVersionError, match="schema version 6, newer than the 5"):
        Flow("BranchFlow", datastore_root=root)


def _python(code, root, user=None, pkg=PKG):
    """Runs `code` in a fresh interpreter that imports metaflow_c from `pkg` (the source tree)."""
    cmd = [sys.executable, "-c", code, root]
    if user is not None:
        cmd = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups"] + cmd
    # Another user reads the runs of this one: in the global namespace.
    env = dict(os.environ, PYTHONPATH=pkg, PYTHONDONTWRITEBYTECODE="1", MF_NAMESPACE="")
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, cwd=os.path.dirname(root))


READ_ALL = """
import sys, json
from metaflow_c import Metaflow
n = 0
for flow in Metaflow(sys.argv[1]):
    for run in flow:
        for step in run:
            for task in step:
                for a in task:
                    a.data
                    n += 1
print(n)
"""


@pytest.mark.parametrize("checkpointed", [False, True])
def test_a_store_it_cannot_write(store, checkpointed):
    """As copied (a write-ahead log and its -shm beside the database: a read-only WAL reader),
    and checkpointed (no -wal, no -shm: a reader that may not create -shm opens it immutable)."""
    # A directory every user can reach (pytest's own are private to their owner).
    top = tempfile.mkdtemp(prefix="mf-readonly-", dir="/tmp" if os.path.isdir("/tmp") else None)
    try:
        _read_only(store, top, checkpointed)
    finally:
        shutil.rmtree(top)


def _read_only(store, top, checkpointed):
    os.chmod(top, 0o755)
    root = os.path.join(top, "ds")
    shutil.copytree(store.root, root)
    if checkpointed:
        db = sqlite3.connect(os.path.join(root, "metadata.db"))
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        assert not os.path.exists(os.path.join(root, "metadata.db-shm"))
    before = sorted(glob.glob(root + "/**", recursive=True))
    if os.geteuid() == 0:  # root writes anywhere: read as 'nobody', who may read but not write
        if shutil.which("setpriv") is None:
            pytest.fail("setpriv (util-linux) is needed to read the store as another user")
        for dirpath, dirs, files in os.walk(root):
            os.chmod(dirpath, 0o755)
            for f in files:
                os.chmod(os.path.join(dirpath, f), 0o644)
        # The source tree may sit where 'nobody' cannot read (a CI clone under /root): use a copy.
        pkg = os.path.join(top, "pkg")
        shutil.copytree(os.path.join(PKG, "metaflow_c"), os.path.join(pkg, "metaflow_c"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        for dirpath, dirs, files in os.walk(pkg):
            os.chmod(dirpath, 0o755)
            for f in files:
                os.chmod(os.path.join(dirpath, f), 0o644)
        p = _python(READ_ALL, root, user=65534, pkg=pkg)
    else:
        for dirpath, dirs, files in os.walk(root):
            os.chmod(dirpath, 0o555)
        try:
            p = _python(READ_ALL, root)
        finally:
            for dirpath, dirs, files in os.walk(root):
                os.chmod(dirpath, 0o755)
    assert p.returncode == 0, p.stderr
    assert int(p.stdout) > 80
    assert sorted(glob.glob(root + "/**", recursive=True)) == before, "reading created or removed files"


NO_NUMPY = """
import sys, json, array
sys.modules['numpy'] = None  # as if numpy were not installed
from metaflow_c import Task
d = Task('PyTypesFlow/1/start/1', datastore_root=sys.argv[1]).data
out = {}
for n in ('f64_small', 'f32_small', 'i64_small', 'i32_small', 'u8_small', 'f64_random_big', 'f64_compressible_big',
          'i32_object', 'u8_object', 'f64_empty'):
    v = getattr(d, n)
    assert isinstance(v, array.array), (n, type(v))
    out[n] = [v.typecode, v.tolist()[:50], len(v)]
inner = d.nested['list'][0]
assert isinstance(inner, array.array)
out['nested'] = inner.tolist()
print(json.dumps(out))
"""


def test_without_numpy_arrays_are_array_array(store):
    p = _python(NO_NUMPY, store.root)
    assert p.returncode == 0, p.stderr
    got = json.loads(p.stdout)
    d = Task("PyTypesFlow/1/start/1", datastore_root=store.root).data
    codes = {"f64_small": "d", "f32_small": "f", "i64_small": "q", "i32_small": "i", "u8_small": "B"}
    for n, v in got.items():
        if n == "nested":
            assert v == d.nested["list"][0].tolist()
            continue
        code, head, length = v
        assert head == getattr(d, n).tolist()[:50] and length == len(getattr(d, n)), n
        if n in codes:
            assert code == codes[n]


def test_the_decoder_fails_only_with_its_own_error(store):
    """Random damage to real encodings and indexes: a value or DecodeError/CorruptDataError, never
    another exception (the Python counterpart of tests/fuzz/fuzz_codec.c, seeded for repeatability)."""
    import random
    from metaflow_c import _values
    rng = random.Random(12)
    t = Task("PyTypesFlow/1/start/1", datastore_root=store.root)
    seeds = [rec.inline for rec in t._read_index().records.values() if rec.inline is not None]
    seeds.append(open(os.path.join(store.root, "PyTypesFlow", "1", "start", "1", "index"), "rb").read())
    for i in range(3000):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            op = rng.randrange(3)
            if op == 0 and data:
                data[rng.randrange(len(data))] = rng.randrange(256)
            elif op == 1 and data:
                del data[rng.randrange(len(data)):]
            else:
                data.insert(rng.randrange(len(data) + 1), rng.randrange(256))
        try:
            _values.decode(bytes(data))
        except _values.DecodeError:
            pass
