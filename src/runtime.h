/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime.h - the run loop: starts each task as its own process (the same
 * program, `step` command) once its inputs succeeded, at most max_workers at
 * once, and stops starting tasks at the first failure. It is the only writer
 * of run records; tasks write only objects and their own index.
 *
 * Successors of a finished task follow the graph: linear -> one task with the
 * same split stack; branch -> one task per next step, each pushing a frame;
 * foreach -> one task per item, each pushing a frame; a join waits for every
 * task of the top frame's split (same frame below it) and pops it. Joins are
 * matched by the split task that made the frame, never by step names, so the
 * same rule holds for nested splits and, later, for loops.
 *
 * Signals, while a run goes on: SIGINT or SIGTERM stops it in bounded time
 * (SIGTERM to every task's process group, SIGKILL after the kill grace or at
 * a second signal); the run is then recorded failed and can be resumed, and
 * the temporary files of the tasks a signal ended are removed. SIGPIPE is
 * ignored, so a console that goes away does not end the run. The caller's
 * dispositions are restored when it returns.
 */
#ifndef MF_RUNTIME_H
#define MF_RUNTIME_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "datastore.h"
#include "graph.h"
#include "metaflow.h"
#include "util/err.h"

struct mf_slurm_opts;

/* --max-num-splits when not given (run, resume, step, spin). */
#define MF_MAX_NUM_SPLITS_DEFAULT 100

struct mf_run_opts {
    int max_workers;        /* tasks running at once */
    int64_t max_num_splits; /* widest foreach allowed */
    bool sync;              /* tasks fdatasync what they write */
    bool quiet;             /* no per-task start/finish lines */
    const char *exe;        /* the flow program, re-run for each task */
    const char *prog;       /* how the user called it, for the resume and spin lines */
    const char *root;       /* datastore root, passed on to tasks */
    FILE *out;              /* console for scheduler lines and task stdout */
    FILE *err;              /* console for task stderr */
    struct mf_console *console; /* where every line goes (console.h); NULL: one on out/err, defaults */
    const char *const *tags; /* NULL-terminated tags of the new run, or NULL */
    const char *origin_run_id; /* resume: clone what succeeded in this run */
    const char *resume_step;   /* resume STEP: run it and all after it again */
    int max_passes;            /* passes of a loop allowed at one split position */
    const struct mf_slurm_opts *slurm; /* --with slurm: the --slurm-* options (slurm.h); may be NULL */
    const char *executor;      /* the backend that runs tasks (exec.h); NULL: the default */
    double kill_grace_s;       /* SIGTERM -> SIGKILL when stopping a task; 0: the default */
    int *stopped_by;           /* out, may be NULL: the signal (SIGINT/SIGTERM) that stopped the run, or 0 */
    /* The program's entry for a task's argv (mf_main with this flow), for the
     * fork executor (exec.h); NULL: tasks are spawned. */
    int (*task_entry)(void *ctx, int argc, char **argv);
    void *task_entry_ctx;
    const char *run_id_file; /* NULL, or a file the run id is written to once the run exists */
    bool no_cache;           /* memoised steps neither reuse nor publish (--no-cache) */
    const char *recompute;   /* memoised steps that run anyway, comma-separated (--recompute) */
};

/* Checks a --recompute list (comma-separated step names) against the graph:
 * 0, or MF_EINVAL naming the first name that is not a step, or a step that
 * is not memoised. mf__run_flow checks it too; a CLI calls this first so that
 * a bad list is a usage error before anything is created. */
int mf__memo_check_recompute(const struct mf_graph *g, const char *flow, const char *list, struct mf_err *err);

/*
 * Creates a new run of `flow` with `params` (a map name -> value; for a
 * resume, NULL: the origin run's parameters are used), runs it
 * to the end or to its first failure, and records its outcome. `*run_id`
 * (caller frees with mf__free) is set as soon as the run exists, even on
 * failure. Returns 0 when every task succeeded, MF_ESTEPFAIL when a task
 * failed (already reported on the console), another MF_E* otherwise.
 */
int mf__run_flow(const mf_flow *flow, const struct mf_graph *g, struct mf_ds *ds, const mf_value *params,
                 const struct mf_run_opts *opts, char **run_id, struct mf_err *err);
#endif
