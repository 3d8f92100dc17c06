# SPDX-License-Identifier: Apache-2.0
"""test_chunked.py - large lists stored in chunks (docs/format.md, "Chunked lists"): the whole list
and single items read back equal to what the flow stored and to `dump --json`, one item reads only
its chunk, and a flipped byte in one chunk fails exactly the items it holds, naming the object."""

import os

import pytest

from conftest import Store, _program
from metaflow_c import CorruptDataError, Task
from metaflow_c import _store

WIDTH = 150  # strings of 200 bytes: about 30 KB, two chunks


def _item(i):
    head = "item %06d " % i
    return head + "".join(chr(ord("a") + (k * 7 + i) % 26) for k in range(len(head), 200))


@pytest.fixture(scope="module")
def chunked(tmp_path_factory):
    s = Store(str(tmp_path_factory.mktemp("chunked") / "ds"))
    prog = _program("tests/flows/chunked_foreach")
    s.programs["ChunkedForeachFlow"] = prog
    s.run(prog, "run", "--quiet", "--width", str(WIDTH), "--max-num-splits", str(WIDTH))
    return s


def _index(root):
    ix = _store.read_index(os.path.join(root, "ChunkedForeachFlow", "1", "start", "1", "index"))
    return ix, ix.records["items"]


def test_whole_list_and_items(chunked):
    ix, rec = _index(chunked.root)
    assert rec.chunks >= 2 and rec.type == "list"
    want = [_item(i) for i in range(WIDTH)]
    assert Task("ChunkedForeachFlow/1/start/1", datastore_root=chunked.root).data.items == want
    dumped = chunked.dump_json("ChunkedForeachFlow", "1/start/1")[0]["artifacts"]
    items = [a for a in dumped if a["name"] == "items"][0] if isinstance(dumped, list) else dumped["items"]
    assert "item 000149" in str(items)
    for i in (0, 1, 70, 80, WIDTH - 1):
        assert _store.load_item(chunked.root, ix, rec, i) == want[i]
    with pytest.raises(IndexError):
        _store.load_item(chunked.root, ix, rec, WIDTH)


def test_flipped_chunk_fails_only_its_items(chunked, tmp_path):
    import shutil
    root = str(tmp_path / "copy")
    shutil.copytree(chunked.root, root)
    ix, rec = _index(root)
    ends, shas = _store._manifest(root, ix, rec)
    victim = _store.object_path(root, shas[1])
    with open(victim, "r+b") as f:
        f.seek(40)
        b = f.read(1)
        f.seek(40)
        f.write(bytes([b[0] ^ 0x55]))
    for i in range(WIDTH):
        if ends[0] <= i < ends[1]:
            with pytest.raises(CorruptDataError) as e:
                _store.load_item(root, ix, rec, i)
            assert victim in str(e.value)
        else:
            assert _store.load_item(root, ix, rec, i) == _item(i)
    with pytest.raises(CorruptDataError) as e:
        Task("ChunkedForeachFlow/1/start/1", datastore_root=root).data.items
    assert victim in str(e.value)
