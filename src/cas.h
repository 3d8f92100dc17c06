/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cas.h - the content-addressed object store.
 *
 * An object is one encoded value (codec.h), named by the SHA-256 of that
 * encoding in lower-case hex, compressed with zstd and stored as
 * ROOT/objects/<first 2 hex>/<remaining 62 hex>. It is written to a
 * temporary file and renamed into place, so no partial object is ever
 * visible; an object already present is not written again. Every read
 * verifies the hash of what it decoded: a corrupt object is an error that
 * names it, never a wrong value. docs/format.md gives the file layout.
 */
#ifndef MF_CAS_H
#define MF_CAS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metaflow.h"
#include "util/buf.h"
#include "util/err.h"

struct mf_cas;

enum mf_cas_flags {
    MF_CAS_SYNC = 1 << 0 /* fdatasync each new object before its rename */
};

#define MF_HASH_HEX_LEN 64

/* The advice given with a missing or corrupt object. It works as printed:
 * resume clones no task whose objects are missing or corrupt (it runs it
 * again), and a put replaces a corrupt object (mf__cas_put). */
#define MF_CAS_FIX                                                                                                    \
    "resume the run (the 'verify' command names the runs and tasks that use it): resume runs those tasks again, " \
    "which stores the object anew"

/* Opens the store under `root` (objects/ is created on first write).
 * `*out` is freed with mf__cas_close(). */
int mf__cas_open(const char *root, unsigned flags, struct mf_cas **out, struct mf_err *err);
void mf__cas_close(struct mf_cas *cas);

/* Stores `v`; writes its hash to hex[65] and its encoded size. */
int mf__cas_put(struct mf_cas *cas, const mf_value *v, char hex[MF_HASH_HEX_LEN + 1], uint64_t *encoded_size,
                struct mf_err *err);
/* As mf__cas_put, but the object is stored raw (compression kind 0) however
 * well zstd would shrink it: for small objects that many processes each read
 * once, where a reader's zstd context (~160 KB of fresh memory to fault in)
 * costs more than the bytes saved (a chunked list's chunks: chunk.c). An
 * object already stored under the name, compressed or not, is kept. */
int mf__cas_put_raw(struct mf_cas *cas, const mf_value *v, char hex[MF_HASH_HEX_LEN + 1], uint64_t *encoded_size,
                    struct mf_err *err);
/* Loads and verifies object `hex`. MF_ENOENT if absent, MF_ECORRUPT if its
 * content does not match its name or does not decode. `*out` is the caller's. */
int mf__cas_get(struct mf_cas *cas, const char *hex, mf_value **out, struct mf_err *err);
/* Item `index` of the list object `hex` holds, after verifying the whole
 * object, without building its other items (mf__value_decode_item);
 * MF_ETYPE when it is not a list, MF_ERANGE when it is shorter. */
int mf__cas_get_item(struct mf_cas *cas, const char *hex, size_t index, mf_value **out, struct mf_err *err);
bool mf__cas_has(struct mf_cas *cas, const char *hex);
/* Checks object `hex` without decoding it: its header, and that its content
 * hashes to its name. 0 (and the encoding's length in *raw_len, if given),
 * MF_ENOENT if absent, MF_ECORRUPT naming what is wrong, MF_EIO. This is
 * what `verify` and a put that finds the name taken (mf__cas_put) run. */
int mf__cas_verify(struct mf_cas *cas, const char *hex, uint64_t *raw_len, struct mf_err *err);
/* Appends the object's path to `out`. */
int mf__cas_path(struct mf_cas *cas, const char *hex, struct mf_buf *out);

/* SHA-256 of data as lower-case hex. */
void mf__sha256_hex(const void *data, size_t len, char hex[MF_HASH_HEX_LEN + 1]);
/* true for exactly 64 lower-case hex digits. */
bool mf__is_hash_hex(const char *s);

/* SHA-256 in the store's own context (incremental: begin, update..., end).
 * Always 0 today (the int is kept for a digest backend that can fail).
 * One hash at a time per store. */
#define MF_HASH_LEN 32
int mf__cas_hash(struct mf_cas *cas, const void *data, size_t len, char hex[MF_HASH_HEX_LEN + 1]);
int mf__cas_hash_begin(struct mf_cas *cas);
int mf__cas_hash_update(struct mf_cas *cas, const void *data, size_t len);
int mf__cas_hash_end(struct mf_cas *cas, char hex[MF_HASH_HEX_LEN + 1]);
#endif
