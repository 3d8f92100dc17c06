/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gc.h - removing what no run needs: temporary files left by processes that
 * died while writing, and objects that no task index names (of any flow
 * under the root), once they are older than a grace age.
 *
 * Why the grace age makes it safe while runs go on: a task stores its
 * objects as it sets its artifacts and writes its index (the commit) when
 * it ends, so an object no index names yet may belong to a task still
 * running; and a put that finds the object already stored reuses it (after
 * refreshing its mtime, cas.c). gc therefore only touches files whose mtime
 * is older than the grace age (longer than any task), and takes an object's
 * name away before deleting it, then looks at its mtime again: a put that
 * refreshed it meanwhile gets it back. Nothing is deleted while any index
 * does not read (it might name objects gc cannot see).
 */
#ifndef MF_GC_H
#define MF_GC_H
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/* The default grace age in seconds: a day (docs/reliability.md). */
#define MF_GC_GRACE_DEFAULT 86400.0

struct mf_gc_item {
    const char *path;
    const char *kind; /* "temporary file" or "unnamed object" */
    uint64_t bytes;
    double age;   /* seconds since its last modification */
    bool deleted; /* with delete: it is gone */
};

struct mf_gc_stats {
    uint64_t found, deleted, bytes; /* bytes: of those found (deleted, with delete) */
    uint64_t young;                 /* skipped because younger than the grace age */
    uint64_t objects_named;         /* objects some index names (kept) */
};

typedef int (*mf_gc_fn)(void *ctx, const struct mf_gc_item *it);

/* Lists (calls fn for each, borrowed for the call) and, when `del`, deletes
 * the temporary files and unnamed objects under `root` older than `grace`
 * seconds. MF_ECORRUPT, deleting nothing, when an index does not read. */
int mf__gc(const char *root, double grace, bool del, mf_gc_fn fn, void *ctx, struct mf_gc_stats *st,
           struct mf_err *err);
#endif
