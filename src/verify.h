/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verify.h - checking a datastore root against itself: every index decodes,
 * every object an index names is there and hashes to its name, the run
 * metadata agrees with the run directories. Each problem is reported with
 * the runs and tasks it touches and the fix; nothing is changed.
 */
#ifndef MF_VERIFY_H
#define MF_VERIFY_H
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* One problem. Every pointer is borrowed for the callback's duration.
 * `kind` is one of "object-corrupt", "object-missing", "index-corrupt",
 * "metadata-unreadable", "run-unrecorded", "run-missing",
 * "task-index-missing"; `tasks` are "RUN/STEP/TASK" (prefixed "FLOW/" for
 * another flow than the one verified), with " (artifact 'x')" where an
 * artifact names the object. */
struct mf_verify_problem {
    const char *kind;
    const char *path; /* the file or directory at fault */
    const char *what; /* the message: what is wrong */
    const char *fix;  /* what to do (commands are named without the program) */
    const char *const *tasks;
    size_t ntasks;
    const char *const *runs;
    size_t nruns;
};

struct mf_verify_stats {
    uint64_t indexes;   /* task indexes decoded */
    uint64_t objects;   /* objects re-hashed */
    uint64_t bytes;     /* bytes of encoding hashed */
    uint64_t tmp_files; /* temporary files left by processes that died (gc removes them) */
    uint64_t problems;
};

typedef int (*mf_verify_fn)(void *ctx, const struct mf_verify_problem *p);

/* Verifies run `run` of `flow`, or (run NULL) the whole root: every
 * index of every flow, every object under objects/ (also those no index
 * names) and the metadata of every flow. Calls fn for each problem (a
 * non-zero return stops and is returned). 0 when the walk completed,
 * whatever it found (stats->problems counts); MF_ENOENT when the run has no
 * directory, MF_ENOMEM, MF_EIO. */
int mf__verify(const char *root, const char *flow, const char *run, mf_verify_fn fn, void *ctx,
               struct mf_verify_stats *stats, struct mf_err *err);
#endif
