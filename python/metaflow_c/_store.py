# SPDX-License-Identifier: Apache-2.0
"""_store.py - the datastore's files (docs/format.md): content-addressed objects and task indexes.

Everything read is verified as the C reader (src/cas_get.c, src/index.c) verifies it: an object's
header, its length, and the SHA-256 of its encoding against its name; an index's fields, and each
inline value's hash. A failure raises CorruptDataError naming the file; a file written by a newer
format raises FormatVersionError. Nothing here writes.

An object's payload kind (byte 5 of its header) selects one small reader function in PAYLOADS;
a new kind of object is one more function registered there.
"""

import bisect
import hashlib
import mmap
import os
import re

from . import _values
from .errors import CorruptDataError, FormatVersionError

OBJECT_MAGIC = b"MFOB"
OBJECT_VERSION = 1  # byte 4 of an object's header
INDEX_VERSION = 3  # the newest `version` of a task index read (2: chunked lists; 3: the runtime graph)
INDEX_VERSION_CHUNKED = 2
INDEX_VERSION_GRAPH = 3
GRAPH_FIELDS = ("inputs", "foreach", "caught")
HEADER_LEN = 16
PAD_MAX = 7
INLINE_MAX = 4096
MAP_MIN = 1 << 20  # raw objects this big are mapped, not read (as cas_get.c does)
MAX_EXPANSION = 65536  # a zstd header claiming more than this ratio is corrupt
CHUNK = 256 << 10

TYPE_NAMES = ("null", "bool", "int", "double", "str", "bytes", "f64 array", "f32 array", "i64 array",
              "i32 array", "u8 array", "list", "map")
_HASH_RE = re.compile(r"[0-9a-f]{64}\Z")

INDEX_FIX = "delete the task directory and re-run the task (or resume the run)"


class _Object:
    """An open object file and its parsed header, handed to a payload reader."""

    def __init__(self, path, f, size, kind, pad, raw_len):
        self.path, self.f, self.size = path, f, size
        self.kind, self.pad, self.raw_len = kind, pad, raw_len
        self.offset = HEADER_LEN + pad  # where the payload starts in the file

    def corrupt(self, what):
        return CorruptDataError(self.path, what)


def _read_raw(obj):
    """Kind 0: the payload is the encoding itself. Big ones are mapped copy-on-write (an array
    handed out may be written to without reaching the store) and used in place."""
    if obj.raw_len != obj.size - obj.offset:
        raise obj.corrupt("its header gives %d bytes of content but the file holds %d (truncated?)"
                          % (obj.raw_len, obj.size - obj.offset))
    if obj.raw_len >= MAP_MIN:
        m = mmap.mmap(obj.f.fileno(), obj.size, access=mmap.ACCESS_COPY)
        return memoryview(m)[obj.offset:]
    obj.f.seek(obj.offset)
    data = bytearray(obj.raw_len)
    if obj.f.readinto(data) != obj.raw_len:
        raise obj.corrupt("it is shorter than its header says (was it truncated?)")
    return data


def _read_zstd(obj):
    """Kind 1: the payload is one zstd frame that decompresses to exactly raw_len bytes and ends
    the file."""
    import zstandard  # imported here so that a store without zstd objects needs no zstandard

    if obj.pad:
        raise obj.corrupt("its header has padding, which a zstd object never has")
    payload = obj.size - obj.offset
    if payload == 0 or obj.raw_len // MAX_EXPANSION > payload:
        raise obj.corrupt("its header gives %d bytes of content, impossible from %d compressed bytes"
                          % (obj.raw_len, payload))
    out = bytearray(obj.raw_len)
    view = memoryview(out)
    done = 0
    d = zstandard.ZstdDecompressor().decompressobj()
    obj.f.seek(obj.offset)
    try:
        while not d.eof:
            chunk = obj.f.read(CHUNK)
            if not chunk:
                raise obj.corrupt("its zstd frame is truncated")
            piece = d.decompress(chunk)
            if done + len(piece) > obj.raw_len:
                raise obj.corrupt("it decompresses to more bytes than its header says")
            view[done:done + len(piece)] = piece
            done += len(piece)
    except zstandard.ZstdError as e:
        raise obj.corrupt("zstd cannot decompress it: %s" % e) from e
    if done != obj.raw_len:
        raise obj.corrupt("it decompresses to fewer bytes than its header says")
    if d.unused_data or obj.f.read(1):
        raise obj.corrupt("it has bytes after its zstd frame")
    return out


# Payload kind (header byte 5) -> reader. Each returns a buffer of exactly raw_len bytes.
PAYLOADS = {0: _read_raw, 1: _read_zstd}


def object_path(root, sha):
    return os.path.join(root, "objects", sha[:2], sha[2:])


def read_object(root, sha):
    """The verified encoding (a bytes-like buffer) of object `sha` under `root`."""
    path = object_path(root, sha)
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise CorruptDataError(path, "the object is missing") from None  # the same fix: resume
    with f:
        size = os.fstat(f.fileno()).st_size
        h = f.read(HEADER_LEN)
        obj = _Object(path, f, size, *_header(path, h))
        if obj.pad and f.read(obj.pad) != b"\0" * obj.pad:
            raise obj.corrupt("its header padding is truncated or not zero")
        enc = PAYLOADS[obj.kind](obj)
    actual = hashlib.sha256(enc).hexdigest()
    if actual != sha:
        raise obj.corrupt("its content hashes to '%s', not to its name" % actual)
    return enc


def _header(path, h):
    """(kind, pad, raw_len) from a 16-byte object header, checked."""
    def corrupt(what):
        return CorruptDataError(path, what)

    if len(h) < HEADER_LEN:
        raise corrupt("it is truncated to %d bytes, shorter than its 16-byte header" % len(h))
    if h[:4] != OBJECT_MAGIC:
        raise corrupt("it does not start with the object magic 'MFOB'")
    if h[4] > OBJECT_VERSION:
        raise FormatVersionError(
            "object '%s' has format version %d, newer than the %d this metaflow_c reads: "
            "upgrade the metaflow_c package to the version of the metaflow-c that wrote it"
            % (path, h[4], OBJECT_VERSION))
    if h[4] != OBJECT_VERSION:
        raise corrupt("its format version is %d, not %d" % (h[4], OBJECT_VERSION))
    kind, pad = h[5], h[6]
    if kind not in PAYLOADS:
        raise FormatVersionError(
            "object '%s' has payload kind %d, which this metaflow_c does not read (it reads %s): "
            "upgrade the metaflow_c package" % (path, kind, ", ".join(map(str, sorted(PAYLOADS)))))
    if pad > PAD_MAX or h[7]:
        raise corrupt("its header has bad padding or non-zero reserved bytes")
    raw_len = int.from_bytes(h[8:16], "little")
    if raw_len == 0:
        raise corrupt("its header gives an empty encoding")
    return kind, pad, raw_len


# --------------------------------------------------------------------------------------------
# Task indexes
# --------------------------------------------------------------------------------------------

class Record:
    """One artifact of an index: name, hash, type name, encoded size, inline encoding or None."""

    __slots__ = ("name", "sha", "type", "size", "inline", "chunks")

    def __init__(self, name, sha, type_, size, inline, chunks=0):
        self.name, self.sha, self.type, self.size, self.inline = name, sha, type_, size, inline
        self.chunks = chunks  # 0, or a chunked list's number of chunks (sha/size/inline: its manifest)


class Index:
    """A task's artifact index: attempt, split stack, num_splits, next, pass, records by name; from
    version 3, inputs (its input paths), foreach (the list a foreach step fanned out over) and caught
    (the artifact holding a caught failure), each None when absent."""

    def __init__(self, path, fields, records):
        self.path = path
        self.version = fields["version"]
        self.inputs = fields.get("inputs")
        self.foreach = fields.get("foreach")
        self.caught = fields.get("caught")
        self.attempt = fields["attempt"]
        self.stack = fields["stack"]
        self.num_splits = fields["num_splits"]
        self.next = fields.get("next")
        self.pass_ = fields.get("pass", 0)
        self.records = records  # name -> Record, in the index's (sorted) order


def _int_field(m, key, lo, hi, what, path):
    v = m.get(key)
    if type(v) is not int:
        raise CorruptDataError(path, "%s field '%s' is missing or not an int" % (what, key), INDEX_FIX)
    if not lo <= v <= hi:
        raise CorruptDataError(path, "%s field '%s' is %d, outside %d..%d" % (what, key, v, lo, hi), INDEX_FIX)
    return v


def _record(path, name, m, version):
    what = "artifact '%s'" % name

    def bad(msg):
        return CorruptDataError(path, "%s %s" % (what, msg), INDEX_FIX)

    if not name:
        raise bad("has an empty name")
    if not isinstance(m, dict):
        raise bad("is a %s, not a map" % type(m).__name__)
    for k in m:
        if k not in ("hash", "type", "size", "inline", "chunks"):
            raise bad("has an unknown field '%s'" % k)
    sha, type_ = m.get("hash"), m.get("type")
    if not isinstance(sha, str) or not _HASH_RE.match(sha):
        raise bad("field 'hash' is not 64 lower-case hex digits")
    if type_ not in TYPE_NAMES:
        raise bad("field 'type' names no type (%r)" % (type_,))
    size = _int_field(m, "size", 1, 2 ** 63 - 1, what, path)
    inline = m.get("inline")
    if inline is not None:
        if not isinstance(inline, bytes):
            raise bad("field 'inline' is not bytes")
        if len(inline) != size or len(inline) > INLINE_MAX:
            raise bad("holds %d inline bytes, but its size is %d (at most %d inline)"
                      % (len(inline), size, INLINE_MAX))
        actual = hashlib.sha256(inline).hexdigest()
        if actual != sha:
            raise bad("has inline bytes that hash to '%s', not '%s'" % (actual, sha))
    chunks = 0
    if "chunks" in m:
        if version < INDEX_VERSION_CHUNKED:
            raise bad("has field 'chunks', which a version %d index cannot have" % version)
        chunks = _int_field(m, "chunks", 1, 2 ** 32 - 1, what, path)
        if type_ != "list":
            raise bad("is chunked but is a %s, not a list" % type_)
    return Record(name, sha, type_, size, inline, chunks)


def read_index(path):
    """The verified index at `path`; None when the file does not exist (the task did not finish)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    try:
        top = _values.decode(data)
    except _values.DecodeError as e:
        raise CorruptDataError(path, "malformed value encoding: %s" % e, INDEX_FIX) from e
    if not isinstance(top, dict):
        raise CorruptDataError(path, "the index is a %s, not a map" % type(top).__name__, INDEX_FIX)
    version = _int_field(top, "version", 0, 2 ** 63 - 1, "the index", path)
    if version > INDEX_VERSION:
        raise FormatVersionError(
            "task index '%s' has version %d, newer than the %d this metaflow_c reads: upgrade the "
            "metaflow_c package to the version of the metaflow-c that wrote it" % (path, version, INDEX_VERSION))
    if version < 1:
        raise CorruptDataError(path, "the index has version %d; this package reads versions 1 to %d"
                               % (version, INDEX_VERSION), INDEX_FIX)
    for k in top:
        if k not in ("version", "attempt", "stack", "num_splits", "artifacts", "next", "pass") + GRAPH_FIELDS:
            raise CorruptDataError(path, "the index has an unknown field '%s'" % k, INDEX_FIX)
    fields = {
        "version": version,
        "attempt": _int_field(top, "attempt", 0, 2 ** 31 - 1, "the index", path),
        "num_splits": _int_field(top, "num_splits", -1, 2 ** 63 - 1, "the index", path),
        "stack": top.get("stack"),
    }
    if not isinstance(fields["stack"], str):
        raise CorruptDataError(path, "the index field 'stack' is missing or not a str", INDEX_FIX)
    if "pass" in top:
        fields["pass"] = _int_field(top, "pass", 1, 2 ** 63 - 1, "the index", path)
    if "next" in top:
        if not isinstance(top["next"], str) or not top["next"]:
            raise CorruptDataError(path, "the index field 'next' is not a non-empty str", INDEX_FIX)
        fields["next"] = top["next"]
    for k in GRAPH_FIELDS:
        if k in top:
            if version < INDEX_VERSION_GRAPH:
                raise CorruptDataError(path, "the index has field '%s', which a version %d index cannot have"
                                       % (k, version), INDEX_FIX)
            if not isinstance(top[k], str) or not top[k]:
                raise CorruptDataError(path, "the index field '%s' is not a non-empty str" % k, INDEX_FIX)
            fields[k] = top[k]
    if version == INDEX_VERSION_GRAPH and not any(k in top for k in GRAPH_FIELDS):
        raise CorruptDataError(path, "the index has version 3 but none of 'inputs', 'foreach', 'caught' (such an "
                               "index is version 1 or 2)", INDEX_FIX)
    if "foreach" in fields and fields["num_splits"] < 0:
        raise CorruptDataError(path, "the index names a foreach list but has no 'num_splits'", INDEX_FIX)
    arts = top.get("artifacts")
    if not isinstance(arts, dict):
        raise CorruptDataError(path, "the index field 'artifacts' is missing or not a map", INDEX_FIX)
    records = {name: _record(path, name, m, version) for name, m in arts.items()}
    if version == INDEX_VERSION_CHUNKED and not any(r.chunks for r in records.values()):
        raise CorruptDataError(path, "the index has version 2 but no chunked artifact (such an index is "
                               "version 1)", INDEX_FIX)
    return Index(path, fields, records)


def _manifest(root, index, rec):
    """A chunked list's manifest: (ends, digests), verified against the record (docs/format.md,
    "Chunked lists")."""
    enc = rec.inline if rec.inline is not None else read_object(root, rec.sha)
    where = index.path if rec.inline is not None else object_path(root, rec.sha)
    try:
        m = _values.decode(enc, use_numpy=False)
    except _values.DecodeError as e:
        raise CorruptDataError(where, "artifact '%s' has a malformed chunk manifest: %s" % (rec.name, e)) from e
    ends, hashes = (m.get("ends"), m.get("hashes")) if isinstance(m, dict) and len(m) == 2 else (None, None)
    ends = list(ends) if ends is not None and not isinstance(ends, (bytes, str, dict)) else None
    ok = (ends is not None and isinstance(hashes, bytes) and len(ends) == rec.chunks
          and len(hashes) == 32 * rec.chunks and all(type(e) is int for e in ends)
          and all(b > a for a, b in zip([0] + ends, ends)))
    if not ok:
        raise CorruptDataError(where, "artifact '%s' has a chunk manifest that is not one of %d chunks"
                               % (rec.name, rec.chunks))
    return ends, [hashes[i:i + 32].hex() for i in range(0, len(hashes), 32)]


def _chunk(root, rec, ends, shas, c, use_numpy):
    """Chunk `c`: its object read, verified, decoded and checked to hold its items."""
    sha = shas[c]
    try:
        items = _values.decode(read_object(root, sha), use_numpy=use_numpy)
    except _values.DecodeError as e:
        raise CorruptDataError(object_path(root, sha), "chunk %d of artifact '%s' has a malformed value "
                               "encoding: %s" % (c, rec.name, e)) from e
    if not isinstance(items, list) or len(items) != ends[c] - (ends[c - 1] if c else 0):
        raise CorruptDataError(object_path(root, sha), "chunk %d of artifact '%s' is not a list of its %d items"
                               % (c, rec.name, ends[c] - (ends[c - 1] if c else 0)))
    return items


def load_item(root, index, rec, i, use_numpy=None):
    """Item `i` of the list record `rec`, reading only the chunk that holds it when the list is
    chunked; IndexError when the list is shorter."""
    if not rec.chunks:
        return load_value(root, index, rec, use_numpy)[i]
    ends, shas = _manifest(root, index, rec)
    if not 0 <= i < ends[-1]:
        raise IndexError("list artifact '%s' has %d items, so no item %d" % (rec.name, ends[-1], i))
    c = bisect.bisect_right(ends, i)
    return _chunk(root, rec, ends, shas, c, use_numpy)[i - (ends[c - 1] if c else 0)]


def load_value(root, index, rec, use_numpy=None):
    """The value of record `rec` of `index`: from its inline bytes or its object (or, for a chunked
    list, every chunk), verified, and of the type the index states."""
    if rec.chunks:
        ends, shas = _manifest(root, index, rec)
        out = []
        for c in range(len(shas)):
            out.extend(_chunk(root, rec, ends, shas, c, use_numpy))
        return out
    enc = rec.inline if rec.inline is not None else read_object(root, rec.sha)
    where = index.path if rec.inline is not None else object_path(root, rec.sha)
    try:
        actual = _values.type_of(enc[:2])
        if actual != rec.type:
            raise CorruptDataError(where, "artifact '%s' is a %s, but its index says %s" % (rec.name, actual, rec.type))
        return _values.decode(enc, use_numpy=use_numpy)
    except _values.DecodeError as e:
        raise CorruptDataError(where, "artifact '%s' has a malformed value encoding: %s" % (rec.name, e)) from e
