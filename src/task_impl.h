/* SPDX-License-Identifier: Apache-2.0 */
/*
 * task_impl.h - the mf_task handle, shared by task.c (the task's lifecycle)
 * and task_api.c (what a step calls). A join input is an mf_task too, read
 * only, whose failures and memory belong to the running task (`root`).
 */
#ifndef MF_TASK_IMPL_H
#define MF_TASK_IMPL_H
#include <stdbool.h>

#include "datastore.h"
#include "graph.h"
#include "task.h"

/* A decoded value kept alive until the step returns, found again by hash. */
struct mf_loaded {
    char hash[MF_HASH_HEX_LEN + 1];
    mf_value *value;
};

/* What only the running task, or a client's handle, holds (below). */
struct mf_task_root;

/* A task handle: the running task (`root`), a client's handle, or a join
 * input. Only what every handle needs is here, since a join over N inputs
 * holds N of them; the root's own state is in `rs` (issue 14: a
 * 100,000-input join held 600 bytes of handle per input, 440 of them
 * fields only the root uses; now 160). */
struct mf_task {
    struct mf_task *root; /* the running task; itself for the running task */
    const mf_flow *flow;
    const struct mf_graph *g;
    size_t node;
    char *step_name; /* on a join input, one allocation holding all three (task.c) */
    char *task_id;
    char *pathspec;
    struct mf_index own; /* what the task sees and will persist; on a join
                            input, loaded on use (mf__task_index) */
    struct mf_task_root *rs; /* the root's state; NULL on a join input */
    bool readonly;       /* a join input */
    bool own_loaded;     /* a join input's `own` is read */
    bool index_bad;      /* a client's join input whose index did not read (reported) */
};

/* The root's state: what the running task, or a client's handle, holds
 * beyond a handle. */
struct mf_task_root {
    /* A client's read-only handle (client.c): getter failures are recorded
     * in client_err (the client's buffer) and return a zero value instead
     * of ending the process. args is NULL for such a handle. */
    bool client;
    char *client_err;
    size_t client_err_size;
    const char *run_id;
    const struct mf_task_args *args;
    struct mf_ds *ds;
    struct mf_index params;
    struct mf_loaded *loaded;
    size_t nloaded, loaded_cap;
    struct mf_task **inputs; /* join inputs, in input order */
    size_t ninputs, inputs_cap;
    /* A client handle's inputs are made on first use of a join getter
     * (client_join.c); inputs_from is where its input paths came from. */
    bool inputs_made;
    const char *inputs_from;
    /* The join inputs whose index is in memory, oldest first: at most
     * MF_JOIN_RESIDENT, so a join over N inputs holds a bounded number of
     * indexes, not N (issue 14). */
    struct mf_task **resident; /* MF_JOIN_RESIDENT entries, allocated at the first read: not in every input's handle */
    size_t nresident;
    /* A direct child of a foreach step: the split task's record of the
     * list (a copy), kept when that task's index became this task's own
     * set, so that mf_input() need not read the index a second time.
     * split_step NULL: not kept (mf_input reads the index). */
    struct mf_artifact split_list;
    char *split_step, *split_id;
    mf_value *item; /* foreach item, loaded on first mf_input() */
    bool item_loaded;
    /* A gang task's place in its gang (task_parallel.c); is_parallel false
     * otherwise. control_id holds the string control_task_id points to. */
    mf_parallel_info parallel;
    char parallel_control[24];
    bool in_step;    /* the step function is running: a failure may be caught */
    bool catching;   /* recording a caught failure: another one is not caught */
    bool by_mf_fail; /* the failure came from mf_fail(), not an API error */
    bool read_identity; /* the step read its run id, task id, pathspec or attempt (memo.h) */
    mf_value *card;   /* the card's items (a list), NULL until a step adds one (card.c) */
    size_t card_bytes; /* their payload, against MF_CARD_MAX_BYTES */
    struct mf_current *current; /* the run's record, parameter names and
                                   foreach stack, made on first use
                                   (task_current.c) */
};

/* Fails the running task: prints "error: step 'S': message" and exits; on
 * the last attempt of a step with catch_var, inside the step function, it
 * first commits what the step set plus the failure (task.c). On a
 * client handle, the calls that only make sense inside a step end up here
 * too: that misuse ends the process with the message, like an assert. */
void mf__task_die(struct mf_task *t, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
/* A getter's failure: fails a running task (does not return), or records
 * the message on a client handle and returns. */
void mf__task_error(struct mf_task *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A read-only view of task STEP/ID of the root's run (a join input),
 * its index read on use; freed with mf__task_view_free(). MF_ENOMEM. */
int mf__task_view_new(struct mf_task *root, const char *step, size_t step_len, uint64_t id, struct mf_task **out);
void mf__task_view_free(struct mf_task *v);
/* A client handle's join inputs, made on first use (client_join.c): 0, or
 * an error already reported on the handle (not a join, no inputs recorded). */
int mf__client_join_inputs(struct mf_task *t, const char *what);
#define MF_JOIN_RESIDENT 16
/* Frees what task_current.c made for a root handle; NULL is a no-op. */
void mf__current_free(struct mf_current *c);
/* The artifact index of `t`: its own, or a join input's, read (and
 * verified) on first use and dropped again when MF_JOIN_RESIDENT later
 * inputs have been read; a pointer into it is valid until the next call for
 * another input. A read failure fails the task. */
struct mf_index *mf__task_index(struct mf_task *t);
/* Frees what a root handle holds (inputs, loaded values, indexes, the
 * datastore handle, names), not the handle itself. */
void mf__task_release(struct mf_task *t);
/* Keeps `v` alive until the step returns (the handle is closed) and indexes
 * it by `hash`. Out of memory: frees `v`, reports through mf__task_error
 * (which ends a running task) and returns MF_ENOMEM. */
int mf__task_keep(struct mf_task *t, const char *hash, mf_value *v);
/* task_parallel.c: before the step runs, finds whether the task is one of
 * a gang (its top frame was pushed by a gang split) and, if so, fills
 * t->parallel and exports it as MF_PARALLEL_* for what the step starts. */
int mf__task_gang_setup(struct mf_task *t, struct mf_err *err);
#endif
