/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spin.h - re-running one task of a past run (the `spin` command, after
 * Metaflow's): a new scratch run, recorded like any run but with the system
 * tag runtime:spin and the past run as its origin, receives copies of the
 * indexes the task reads (its inputs, the split tasks of its stack, the
 * parameters), and the task runs there again with the input paths, split
 * stack and attempt the past run recorded for it. The past run is only
 * read: its directory and its metadata rows stay byte for byte what they
 * were. resume and every "latest run" skip spin runs (mf__run_is_spin).
 *
 * Calling sequence: mf__spin_prepare; run the task (cmd_spin.c runs it in
 * its own process, so that gdb and valgrind see the step's code); then
 * mf__spin_finish with the task's exit status (also from the task's on_exit
 * hook when the task ends the process); then mf__spin_release, which is
 * called whatever mf__spin_prepare returned.
 */
#ifndef MF_SPIN_H
#define MF_SPIN_H
#include <stdbool.h>

#include "datastore.h"
#include "graph.h"
#include "meta.h"
#include "metaflow.h"
#include "util/err.h"

struct mf_spin {
    const char *flow;
    struct mf_meta *meta; /* open for writing from the scratch run's record on */
    struct mf_ds *ds;     /* without fdatasync: copies into a scratch run */
    char *origin_run;     /* the past run */
    char *run_id;         /* the scratch run, once recorded */
    char *step, *task_id;
    char *inputs;         /* the input paths the past run recorded */
    char *stack;          /* the split stack the past run recorded */
    int attempt;          /* the last attempt the past run recorded */
    double start;
    bool finished;        /* the scratch run's end is recorded */
};

/* Makes the scratch run for `pathspec` (RUN/STEP/TASK, or FLOW/RUN/STEP/TASK
 * with this flow's name) of `flow` under `root`. MF_EINVAL for a malformed
 * pathspec, another flow's name or a step the flow does not have;
 * MF_ENOENT for a run or task that does not exist, or an input that has no
 * index (each message names it and what exists); another MF_E* from the
 * store. A scratch run recorded before a failure is recorded as failed. */
int mf__spin_prepare(const mf_flow *flow, const struct mf_graph *g, const char *root, const char *pathspec,
                     struct mf_spin *sp, struct mf_err *err);
/* Records the task's outcome (its exit status, as `step` exits) and the
 * scratch run's end, once; later calls do nothing. 0 or the metadata's
 * error. */
int mf__spin_finish(struct mf_spin *sp, int status, struct mf_err *err);
/* Frees what sp holds; sp may be zeroed or half prepared. */
void mf__spin_release(struct mf_spin *sp);
#endif
