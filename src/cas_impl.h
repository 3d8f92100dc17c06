/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cas_impl.h - the object file format, shared by cas.c (writing) and
 * cas_get.c (reading). docs/format.md is its description.
 */
#ifndef MF_CAS_IMPL_H
#define MF_CAS_IMPL_H
#include <zstd.h>

#include "sha256.h"
#include "util/buf.h"

/* The store handle (cas.h): one per process, single-threaded. */
struct mf_cas {
    char *root;
    unsigned flags;
    struct mf__sha256 *sha256; /* the one running hash (mf__cas_hash_*) */
    ZSTD_CCtx *cctx;       /* created on first write */
    ZSTD_DCtx *dctx;       /* created on first compressed read */
    struct mf_buf stage;   /* the whole encoding (small) or the sample */
    struct mf_buf scratch; /* compressed output */
};

/* Header: magic[4] "MFOB", version u8, compression u8, padding u8 (0-7),
 * reserved u8 (0), raw length u64 little-endian (bytes of the encoding);
 * then `padding` zero bytes, then the payload. */
#define MF_OBJ_MAGIC "MFOB"
#define MF_OBJ_VERSION 1
#define MF_OBJ_HEADER_LEN 16
#define MF_OBJ_PAD_MAX 7

enum mf_obj_compression {
    MF_OBJ_RAW = 0, /* the payload is the encoding itself */
    MF_OBJ_ZSTD = 1 /* the payload is one zstd frame of the encoding */
};

/* zstd level for objects: fast, because artifacts are written on the
 * critical path of every task (bench/RESULTS.md has the measurements). */
#ifndef MF_CAS_ZSTD_LEVEL
#define MF_CAS_ZSTD_LEVEL 1
#endif
#endif
