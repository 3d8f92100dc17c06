/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sha256.h - SHA-256, the one digest the datastore names objects and
 * indexes by. Its own file so that only sha256.c knows which OpenSSL
 * interface computes it (see there for why the low-level one).
 */
#ifndef MF_SHA256_H
#define MF_SHA256_H
#include <stddef.h>

#define MF_SHA256_LEN 32

/* A running hash; one per store handle (cas.c). */
struct mf__sha256;

/* A new context, or NULL when out of memory; freed with mf__sha256_free
 * (NULL is a no-op). */
struct mf__sha256 *mf__sha256_new(void);
void mf__sha256_free(struct mf__sha256 *h);
/* Starts, feeds and finishes one hash; the context can then begin again.
 * None of these can fail with the low-level functions (they only return
 * 0 for a NULL context). */
void mf__sha256_begin(struct mf__sha256 *h);
void mf__sha256_update(struct mf__sha256 *h, const void *data, size_t len);
void mf__sha256_end(struct mf__sha256 *h, unsigned char digest[MF_SHA256_LEN]);
/* One-shot digest of data, no context needed. */
void mf__sha256(const void *data, size_t len, unsigned char digest[MF_SHA256_LEN]);
#endif
