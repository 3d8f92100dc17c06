/* SPDX-License-Identifier: Apache-2.0 */
/*
 * meta_rebuild.h - rebuilding the run metadata (metadata.db) from the run
 * directories, when it is lost or corrupt or misses runs: the indexes say
 * which tasks succeeded and what they hold, the log files which attempts
 * ran, the run's record copy (run_record.h) its tags and the run it resumed.
 * What only the database knew is approximated or lost (see
 * docs/reliability.md): times come from file times; exit codes are gone; a
 * run made before the record copy existed gets its user from its directory's
 * owner and loses its other tags and its origin.
 * Run it when no run is going on: a broken database is moved aside.
 */
#ifndef MF_META_REBUILD_H
#define MF_META_REBUILD_H
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct mf_rebuild_stats {
    uint64_t runs, tasks; /* records added */
    uint64_t runs_kept;   /* runs the database already had */
    uint64_t copies;      /* runs whose tags and origin came from their record copy */
    char damaged[1024];   /* the first record copy that could not be read, "" if none */
    char aside[1024];     /* where a broken database was moved, "" if it was kept or absent */
};

/* Keeps ROOT/metadata.db when it opens and reads, adding the runs it lacks;
 * otherwise moves it (and its -wal, -shm) aside to metadata.db.broken-TIME
 * and rebuilds it whole. Every flow under the root is covered. */
int mf__meta_rebuild(const char *root, struct mf_rebuild_stats *st, struct mf_err *err);

/* true when ROOT holds at least one run directory (ROOT/FLOW/RUN_ID): a
 * root whose metadata.db is missing then needs a rebuild, not a first run. */
bool mf__meta_has_run_dirs(const char *root);

/* The message for a root without metadata.db: "nothing was run" or, when run
 * directories exist, how to rebuild it. Returns MF_ENOENT. */
int mf__meta_missing_err(const char *root, struct mf_err *err);
#endif
