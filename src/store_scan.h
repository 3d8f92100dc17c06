/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_scan.h - walking a whole datastore root: every task index of every
 * run (of one flow or of all), every object and every temporary file left
 * by a process that died while writing. `verify`, `gc` and `metadata
 * rebuild` are built on these two walks, so all three agree on what a root
 * holds (docs/format.md describes the layout).
 *
 * Calling sequence: mf__scan_indexes() then (or instead) mf__scan_objects();
 * each calls back once per thing found, in no particular order; a callback
 * that returns non-zero stops the walk and its value is returned.
 */
#ifndef MF_STORE_SCAN_H
#define MF_STORE_SCAN_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "datastore.h"
#include "util/err.h"

/* One task directory. `ix` is its decoded index, or NULL when it has none
 * (ix_rc MF_ENOENT: the task did not succeed) or the index does not read
 * (ix_rc MF_ECORRUPT or MF_EIO, the message in ix_err). Borrowed for the
 * call. `ix_mtime` is the index's modification time (0 without one). */
struct mf_scan_task {
    const char *flow, *run, *step, *task;
    const char *dir; /* ROOT/FLOW/RUN/STEP/TASK */
    const struct mf_index *ix;
    int ix_rc;
    const struct mf_err *ix_err;
    double ix_mtime;
};

/* A file of interest outside the indexes: an object (hex set) or a
 * temporary file (hex NULL) under objects/ or in a task directory. */
struct mf_scan_file {
    const char *path;
    const char *hex; /* the object's name, NULL for a temporary file */
    const struct stat *st;
};

typedef int (*mf_scan_task_fn)(void *ctx, const struct mf_scan_task *t);
typedef int (*mf_scan_file_fn)(void *ctx, const struct mf_scan_file *f);

/* Every task directory of run `run` of `flow`, of every run of `flow` (run
 * NULL) or of every flow (flow NULL). Temporary files found in task
 * directories go to `tmp_fn` when it is not NULL. MF_ENOENT when the flow
 * or run named has no directory. */
int mf__scan_indexes(const char *root, const char *flow, const char *run, mf_scan_task_fn fn,
                     mf_scan_file_fn tmp_fn, void *ctx, struct mf_err *err);
/* Every file under ROOT/objects/: objects (named by their hash) and
 * temporary files (NAME.tmp-PID-NONCE); other files are ignored. */
int mf__scan_objects(const char *root, mf_scan_file_fn fn, void *ctx, struct mf_err *err);
/* true when `name` is a temporary file name made by mf__tmp_open. */
bool mf__scan_is_tmp(const char *name);
/* A file's modification time in seconds (with its fraction). */
double mf__scan_mtime(const struct stat *st);
#endif
