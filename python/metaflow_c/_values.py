# SPDX-License-Identifier: Apache-2.0
"""_values.py - an artifact's encoding (docs/encoding.md) to a Python value.

The encoding is canonical CBOR with RFC 8746 typed arrays. cbor2 decodes the structure; the five
typed-array tags become numpy arrays (when numpy is importable) that view the decoded bytes without
copying them, or array.array otherwise. A top-level typed array (the usual big artifact) skips
cbor2 altogether: its head is parsed here and the array views the object's buffer in place, so a
1 GiB array costs one hash and no copy.

The caller has already checked the SHA-256 of the encoding, so these bytes are the ones the C
writer produced; the checks here refuse anything the C decoder would not accept in the places that
matter for the value (tags, key types), and `type_of` must agree with the type in the index.
"""

import array
import io
import sys

import cbor2

try:  # numpy is optional: without it arrays are array.array
    import numpy
except ImportError:  # pragma: no cover - exercised by the no-numpy test in a subprocess
    numpy = None

# RFC 8746 little-endian tags -> (type name as mf_type_name spells it, numpy dtype, array typecode, size)
ARRAY_TAGS = {
    64: ("u8 array", "u1", "B", 1),
    78: ("i32 array", "<i4", "i", 4),
    79: ("i64 array", "<i8", "q", 8),
    85: ("f32 array", "<f4", "f", 4),
    86: ("f64 array", "<f8", "d", 8),
}

# Major type of a CBOR initial byte -> type name, for the heads that decide alone.
_MAJOR_TYPES = {0: "int", 1: "int", 2: "bytes", 3: "str", 4: "list", 5: "map"}
_SIMPLE_TYPES = {0xF4: "bool", 0xF5: "bool", 0xF6: "null", 0xFB: "double"}


class DecodeError(ValueError):
    """The bytes are not a value encoding this package reads; the message says why."""


def type_of(head):
    """The type name (as in an index record) of the value whose encoding starts with `head`."""
    if not head:
        raise DecodeError("empty encoding")
    b = head[0]
    if b in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[b]
    if b == 0xD8 and len(head) > 1 and head[1] in ARRAY_TAGS:
        return ARRAY_TAGS[head[1]][0]
    major = b >> 5
    if major in _MAJOR_TYPES:
        return _MAJOR_TYPES[major]
    raise DecodeError("initial byte 0x%02x starts no value" % b)


def _use_numpy(want):
    """numpy when it is importable and the caller did not ask for array.array (want False)."""
    return numpy is not None and want is not False


def make_array(tag, buf, offset=0, count=None, use_numpy=None):
    """The typed array of RFC 8746 tag `tag` over `buf[offset:]`: a numpy view (no copy) or an
    array.array (one copy). `count` is the number of elements (default: all of buf after offset)."""
    _, dtype, code, size = ARRAY_TAGS[tag]
    nbytes = len(buf) - offset if count is None else count * size
    if nbytes % size:
        raise DecodeError("a %s payload of %d bytes is not a whole number of elements" % (ARRAY_TAGS[tag][0], nbytes))
    if _use_numpy(use_numpy):
        return numpy.frombuffer(buf, dtype=dtype, count=nbytes // size, offset=offset)
    out = array.array(code)
    if out.itemsize != size:  # pragma: no cover - no mainstream platform has another size
        raise DecodeError("array typecode '%s' is %d bytes here, not %d" % (code, out.itemsize, size))
    out.frombytes(memoryview(buf)[offset:offset + nbytes])
    if sys.byteorder == "big":  # pragma: no cover - the encoding is little-endian
        out.byteswap()
    return out


def top_array_payload(enc):
    """(tag, payload offset, payload length) when `enc` is exactly one top-level typed array,
    else None. Mirrors mf__value_payload_offset, and checks that the payload ends the encoding."""
    if len(enc) < 3 or enc[0] != 0xD8 or enc[1] not in ARRAY_TAGS or enc[2] >> 5 != 2:
        return None
    info = enc[2] & 0x1F
    if info < 24:
        n, off = info, 3
    elif info in (24, 25, 26, 27):
        width = {24: 1, 25: 2, 26: 4, 27: 8}[info]
        off = 3 + width
        if len(enc) < off:
            raise DecodeError("the encoding ends inside the head of its byte string")
        n = int.from_bytes(bytes(enc[3:off]), "big")
    else:
        raise DecodeError("a typed array's byte string has additional info %d (indefinite or reserved)" % info)
    if off + n != len(enc):
        raise DecodeError("a typed array's byte string of %d bytes does not end the %d-byte encoding" % (n, len(enc)))
    return enc[1], off, n


class _Hook:
    """cbor2's tag hook: typed arrays become arrays, any other tag is refused."""

    def __init__(self, use_numpy):
        self.use_numpy = use_numpy

    def __call__(self, decoder, tag):
        if tag.tag not in ARRAY_TAGS:
            raise DecodeError("tag %d is not a typed array (64, 78, 79, 85 or 86)" % tag.tag)
        if not isinstance(tag.value, bytes):
            raise DecodeError("tag %d is not followed by a byte string" % tag.tag)
        return make_array(tag.tag, tag.value, use_numpy=self.use_numpy)


def _check_keys(value, depth=0):
    """Map keys are text, as in every encoding C writes (cbor2 accepts any key type)."""
    if depth > 130:
        raise DecodeError("lists and maps nest deeper than 128")
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise DecodeError("a map key is a %s, not a text string" % type(k).__name__)
            if isinstance(v, (dict, list)):
                _check_keys(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, (dict, list)):
                _check_keys(v, depth + 1)


def decode(enc, use_numpy=None):
    """The value of one encoding (bytes, bytearray, memoryview or mmap). Raises DecodeError."""
    top = top_array_payload(enc)
    if top is not None:
        tag, off, n = top
        return make_array(tag, enc, off, use_numpy=use_numpy)  # the payload ends the encoding
    data = enc if isinstance(enc, bytes) else bytes(enc)
    stream = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(stream, tag_hook=_Hook(use_numpy)).decode()
    except DecodeError:
        raise
    except Exception as e:  # cbor2 raises its own decode errors, and ValueError/struct.error on junk
        raise DecodeError(str(e) or type(e).__name__) from e
    if stream.tell() != len(data):
        raise DecodeError("%d trailing bytes after the value" % (len(data) - stream.tell()))
    if isinstance(value, (dict, list)):
        _check_keys(value)
    elif isinstance(value, (cbor2.CBORSimpleValue, cbor2.CBORTag)) or value is cbor2.undefined:
        raise DecodeError("a simple value other than false, true or null")
    return value


__all__ = ["ARRAY_TAGS", "DecodeError", "decode", "make_array", "top_array_payload", "type_of"]
