/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run_record.h - what only the metadata database knows about a run, copied
 * into the run's directory (ROOT/FLOW/RUN/_run.json) so that `metadata
 * rebuild` can restore it when the database is lost: the run's system tags
 * (runtime, version, user, date), its user tags and the run it resumed.
 * The database stays the record; this copy is written with it (the run's
 * creation, each tag change, inside the same write transaction) and read
 * only by the rebuild. docs/format.md describes the file.
 */
#ifndef MF_RUN_RECORD_H
#define MF_RUN_RECORD_H
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct mf_run_record {
    char **sys_tags; /* NULL-terminated, owned */
    size_t nsys_tags;
    char **tags; /* user tags, NULL-terminated, owned */
    size_t ntags;
    char *origin_run_id; /* NULL unless the run is a resume */
};

/* Writes the copy of run FLOW/RUN_ID's record atomically (a temporary name,
 * then rename; not forced to disk, like the database's own commits). Tags
 * are not checked here (the metadata checked them). A run whose directory
 * is gone has nothing to rebuild from: 0, nothing written. MF_EIO,
 * MF_ENOMEM otherwise. */
int mf__run_record_write(const char *root, const char *flow, const char *run_id, char *const *sys_tags, size_t nsys,
                         char *const *tags, size_t ntags, const char *origin_run_id, struct mf_err *err);

/* Reads the copy into `r` (released by mf__run_record_release, also on
 * failure). MF_ENOENT when the run has none (runs made before it existed);
 * MF_ECORRUPT, naming the file, when it does not parse or a tag is not a
 * valid tag; MF_ENOMEM. */
int mf__run_record_read(const char *root, const char *flow, const char *run_id, struct mf_run_record *r,
                        struct mf_err *err);

/* Parses the copy's text (what mf__run_record_read reads), for the reader
 * and the fuzz target. `path` names it in messages. MF_ECORRUPT, MF_ENOMEM. */
int mf__run_record_parse(const char *text, const char *path, struct mf_run_record *r, struct mf_err *err);

void mf__run_record_release(struct mf_run_record *r);

/* True for a run id as the metadata allocates them: 1 to 18 decimal digits. */
bool mf__is_run_id(const char *s);
#endif
