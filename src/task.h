/* SPDX-License-Identifier: Apache-2.0 */
/*
 * task.h - one task's process: the `step` command. It loads what the task
 * may see (parameters, its parent's artifacts or its join inputs), runs the
 * step function, and persists the artifact index last. The same command line
 * runs a task locally or on any node that sees the datastore root.
 *
 * Split stack: each task carries the frames of the splits it is inside, as
 * text "STEP:TASK:INDEX:COUNT[,...]" innermost last, e.g. "start:1:2:3" for
 * the third of three foreach items started by task start/1. Branch splits push
 * a frame too (INDEX = position in the split's next list), so a join always
 * closes the top frame, whatever kind of split made it.
 */
#ifndef MF_TASK_H
#define MF_TASK_H
#include <stddef.h>
#include <stdint.h>

#include "graph.h"
#include "metaflow.h"
#include "util/buf.h"
#include "util/err.h"

struct mf_task_args {
    const char *root;        /* datastore root */
    const char *run_id;
    const char *step;
    const char *task_id;
    const char *input_paths; /* "STEP/ID[-LAST],..." in input order; "" for start */
    const char *stack;       /* split stack; "" at top level */
    int attempt;
    int64_t max_num_splits;  /* a foreach wider than this fails the task */
    int64_t pass;            /* earlier passes of a loop at this position */
    bool sync;               /* fdatasync what the task writes */
    /* The catch attempt of a step with catch_var: "EXIT|SIGNAL|TIMEDOUT|why"
     * of the attempt that failed last. The step function is not run; the
     * failure is stored in catch_var instead. NULL for a normal attempt. */
    const char *caught;
    /* A failure in the step is a failure even on the last attempt of a step
     * with a catch_var: `spin` reproduces it, the scheduler would catch it. */
    bool no_catch;
    /* NULL, or called with the exit status just before a failing task ends
     * the process (_exit): `spin` runs a task in its own process and records
     * the outcome in its scratch run before the process is gone. */
    void (*on_exit)(void *ctx, int status);
    void *on_exit_ctx;
};

/* Exit status of a task process: 0 success, MF_TASK_EXIT_FAILED when the step
 * failed through the API or mf_fail(), MF_TASK_EXIT_USAGE for bad arguments,
 * MF_TASK_EXIT_CAUGHT when it failed so on its last attempt and committed its
 * index with the failure in its catch_var (the flow goes on). */
#define MF_TASK_EXIT_FAILED 1
#define MF_TASK_EXIT_USAGE 2
#define MF_TASK_EXIT_CAUGHT 3

/* Runs one task in this process and returns its exit status. Prints the
 * failure, if any, to stderr: this is the top of the task's stack. */
int mf__task_main(const mf_flow *flow, const struct mf_graph *g, const struct mf_task_args *args);

struct mf_frame {
    char step[128];
    uint64_t task;
    int64_t index;
    int64_t count;
};
/* Parses the top (innermost) frame of `stack`; MF_EPARSE if malformed,
 * MF_ENOENT if the stack is empty. `rest_len` gets the length of the stack
 * below it (the prefix to keep when the frame is popped). */
int mf__stack_top(const char *stack, struct mf_frame *top, size_t *rest_len, struct mf_err *err);
/* Checks a whole stack is well formed. */
int mf__stack_validate(const char *stack, struct mf_err *err);

/* Expands "STEP/ID[-LAST],..." into callbacks of (step, step_len, id). */
typedef int (*mf_input_fn)(void *ctx, const char *step, size_t step_len, uint64_t id);
int mf__input_paths_each(const char *paths, mf_input_fn fn, void *ctx, struct mf_err *err);
#endif
