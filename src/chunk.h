/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chunk.h - large lists stored as chunk objects under a manifest, so a
 * foreach task reads only its item's chunk (chunk.c; docs/format.md
 * "Chunked lists"). Used by the datastore (datastore.c) only.
 */
#ifndef MF_CHUNK_H
#define MF_CHUNK_H
#include <stdbool.h>
#include <stdint.h>

#include "cas.h"
#include "datastore.h"
#include "metaflow.h"
#include "util/err.h"

/* A chunk closes once its items' encodings reach this many bytes. */
#define MF_CHUNK_TARGET (16 * 1024)

/* true when `v` is stored chunked: a list of 2 or more items whose encoding
 * exceeds MF_CHUNK_TARGET and none of whose items alone does. Depends only
 * on the value, so equal values are stored alike. */
bool mf__chunk_wanted(const mf_value *v);
/* Stores the chunks of `list` as objects; `*manifest` (the caller's) is the
 * value the artifact record then names, `*nchunks` their number. */
int mf__chunk_store(struct mf_cas *cas, const mf_value *list, mf_value **manifest, uint32_t *nchunks,
                    struct mf_err *err);
/* The whole list (the caller's) from a verified manifest of `n` chunks,
 * verifying every chunk; `name` is the artifact's, for messages.
 * MF_ECORRUPT names the bad manifest or chunk object. */
int mf__chunk_load(struct mf_cas *cas, const char *name, const mf_value *manifest, uint32_t n, mf_value **out,
                   struct mf_err *err);
/* Item `index` only, reading and verifying only the chunk that holds it.
 * MF_ERANGE when the list is shorter. */
int mf__chunk_load_item(struct mf_cas *cas, const char *name, const mf_value *manifest, uint32_t n, size_t index,
                        mf_value **out, struct mf_err *err);
/* Calls fn(ctx, hex) with the object name of each chunk of the chunked
 * artifact `a` (a->chunks != 0), after verifying its manifest: what gc and
 * verify must count as named. A non-zero return of fn stops and is returned. */
typedef int (*mf_chunk_name_fn)(void *ctx, const char *hex);
int mf__chunk_names(struct mf_cas *cas, const struct mf_artifact *a, mf_chunk_name_fn fn, void *ctx,
                    struct mf_err *err);
#endif
