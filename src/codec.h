/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codec.h - the artifact encoding: canonical CBOR (RFC 8949 deterministic
 * encoding) with numeric arrays as RFC 8746 typed arrays, i.e. a tag over a
 * byte string of raw little-endian elements. docs/encoding.md is the spec.
 *
 * Encoding streams to a sink so that a 1 GiB array is hashed, compressed and
 * written without ever being copied into one buffer; decoding can reference
 * big array payloads in the caller's buffer instead of copying them.
 */
#ifndef MF_CODEC_H
#define MF_CODEC_H
#include <stddef.h>
#include <stdint.h>

#include "metaflow.h"
#include "util/buf.h"
#include "util/err.h"
#include "value.h"

/* Receives successive pieces of an encoding; returns 0 or a negative MF_E*
 * which aborts the encoding and is returned by it. */
typedef int (*mf_sink_fn)(void *ctx, const void *data, size_t len);

/* Streams the encoding of `v` to `sink`. Array payloads are handed to the
 * sink directly from the value's memory. */
/* Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
 * U+10FFFF) without NUL: 0, or 1 for a NUL, 2 for bytes that are not UTF-8,
 * with the offset of the offending byte in *bad_at. */
int mf__utf8_check(const void *s, size_t n, size_t *bad_at);

int mf__value_encode(const mf_value *v, mf_sink_fn sink, void *ctx, struct mf_err *err);
/* Appends the encoding of `v` to `out`. */
int mf__value_encode_buf(const mf_value *v, struct mf_buf *out, struct mf_err *err);

/*
 * Decodes the one item that fills data[0, len) exactly (trailing bytes are
 * an error). Input is untrusted: every malformation, nesting deeper than
 * MF_CODEC_MAX_DEPTH, a non-string map key, a duplicate key or an unknown tag
 * yields MF_EPARSE with a message saying what and at which byte offset.
 * With a non-NULL `blob` (which must own `data`), typed-array payloads that
 * are 8-byte aligned in memory, and byte strings of 4 KiB or more, are
 * referenced, taking a blob reference, instead of copied. `*out` is owned by the caller.
 */
#define MF_CODEC_MAX_DEPTH 128
int mf__value_decode(const void *data, size_t len, struct mf_blob *blob, mf_value **out, struct mf_err *err);

/*
 * Item `index` of the list that data[0, len) encodes, decoded on its own: the
 * items before it are stepped over without being built, so a foreach task
 * reading its one item of a 10,000-item list allocates for one item, not for
 * 10,000. MF_ETYPE when the encoding is not a list (a typed array, say: decode
 * it whole), MF_ERANGE when the list is shorter, MF_EPARSE when the item is
 * malformed or the items before it are not well-framed CBOR. Items stepped
 * over are checked for framing only (heads, lengths, nesting), not for the
 * canonical form mf__value_decode demands, and the bytes after the item are
 * not examined: callers decode what they verified by its hash. `*out` is
 * the caller's.
 */
int mf__value_decode_item(const void *data, size_t len, size_t index, mf_value **out, struct mf_err *err);

/* If the encoding that begins with head[0, len) is a top-level typed array,
 * the offset of its payload (so a reader can place it 8-byte aligned);
 * 0 otherwise or when `len` is too short to tell (16 bytes always suffice). */
size_t mf__value_payload_offset(const void *head, size_t len);

/* Encodes and decodes (whole, and as a foreach item) a value holding every
 * kind of item and head width, so that libcbor's lazy bindings are made in
 * this process: the fork server calls it before forking tasks
 * (codec_warm.c says why). 0 when the round trip gave the value back, -1
 * otherwise (out of memory; nothing is left allocated either way). */
int mf__codec_warm(void);
#endif
