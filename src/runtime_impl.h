/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime_impl.h - the scheduler's state, shared by runtime.c (the loop:
 * launching, outcomes, reports), runtime_plan.c (what runs next: successors,
 * split frames, joins) and runtime_resume.c (cloning from an origin run).
 */
#ifndef MF_RUNTIME_IMPL_H
#define MF_RUNTIME_IMPL_H
#include <stdbool.h>
#include <stdint.h>

#include "console.h"
#include "exec.h"
#include "memo.h"
#include "meta.h"
#include "runtime.h"
#include "task.h"
#include "util/strmap.h"

struct stask {
    size_t node;
    uint64_t id;
    char *stack;  /* split stack */
    char *inputs; /* input paths, "STEP/ID[-LAST],..." */
    int attempt;
    double started;
    double not_before;  /* a retry waits until then (monotonic seconds) */
    bool inputs_cloned; /* every input was cloned by resume (start: true) */
    bool cloned;        /* this task was cloned, not run */
    bool memo_hit;      /* cloned from a memo entry (else, when cloned, by resume) */
    char *caught;       /* set for the catch attempt: why the last one failed */
    int64_t pass;       /* earlier tasks of this step at this split position (loops) */
    mf_value *memo_parts; /* a memoised step's key parts (memo.h), or NULL */
    char memo_key[65];
    bool job_recorded;  /* this attempt's cluster job id is in the metadata */
    struct gang *gang;  /* the gang it is one task of (it owns this record), or NULL */
    size_t rank;        /* its rank in the gang */
};

/* The N tasks of a gang (mf_step.num_parallel, runtime_gang.c): queued
 * together with consecutive ids, started together, and done together: a
 * task that succeeds is held until every rank has ended; one that fails
 * stops the others, and the gang as a whole is retried, or fails the run. */
enum gang_state { GANG_WAITING, GANG_RUNNING, GANG_OK, GANG_FAILED };
struct gang {
    size_t n;
    struct stask **members;   /* by rank; a record handed on (success, the run's failure) is NULL */
    enum gang_state *state;   /* by rank, this attempt */
    size_t ended;             /* ranks ended this attempt */
    bool failed;              /* a rank failed this attempt */
    size_t failed_rank;
    struct mf_exit failed_exit;
    char why[1100];
};

struct join_wait {
    size_t node;         /* the join step */
    char *stack;         /* the join task's stack (top frame popped) */
    char split_step[128];
    uint64_t split_task; /* the split whose frame the join closes */
    int64_t count, arrived;
    size_t *in_node; /* per frame index: the step the input comes from */
    uint64_t *in_id; /* per frame index: its task id (0: not yet) */
    bool all_cloned;
};

/* The items of a foreach not started yet: a cursor that makes each item's
 * task record only when a worker slot is free for it, so a foreach of N
 * items holds one of these and a record per running task, not N records.
 * The ids are reserved at once (item i is task first_id + i), as when every
 * record was made up front: a join's inputs stay one range of ids. */
struct fanout {
    size_t node;       /* the step each item runs */
    size_t from;       /* the foreach step... */
    uint64_t from_id;  /* ...and its task: the frame's split task, every item's input */
    uint64_t first_id; /* the task id of item 0 */
    int64_t next, count;
    char *stack;       /* the foreach task's split stack */
    bool inputs_cloned;
};

/* A successful task of the origin run, found by step and split position. */
struct origin_task {
    char *key; /* "STEP|POSITION": the split stack without task ids */
    char *task_id;
};

/* The origin's tasks of one step (resume). */
struct origin_step {
    struct origin_task *tasks;
    size_t n;
    bool scanned;
};

/* Tasks that failed after the first one and get a line of their own in the
 * failure report; the others are counted. */
#define MF_ALSO_FAILED_MAX 5

struct sched {
    const mf_flow *flow;
    const struct mf_graph *g;
    struct mf_ds *ds;
    const struct mf_run_opts *o;
    struct mf_console *con;     /* every console line goes through it */
    struct mf_console *own_con; /* con, when the caller gave none */
    const char *run_id;
    struct mf_exec *ex;
    uint64_t next_id;
    struct stask **queue; /* FIFO of tasks ready to start, taken before any fan-out's next item */
    size_t qhead, qlen, qcap;
    struct fanout **fanouts; /* foreaches with items not started; the newest is drawn from first */
    size_t nfanouts, fanouts_cap;
    struct join_wait **joins;
    size_t njoins, joins_cap;
    struct gang **gangs; /* gangs queued or running; each owns its tasks' records */
    size_t ngangs, gangs_cap;
    bool said_gang_limit; /* a gang wider than the worker limit was started (said once) */
    struct stask **delayed; /* retries waiting for their delay (a gang: its rank 0 only) */
    size_t ndelayed, delayed_cap;
    struct mf_meta *meta;
    /* Per node: the origin run's successful tasks of that step, sorted by
     * key, read from their indexes on the first task of the step that may
     * be cloned (runtime_resume.c); a step run again is never read. */
    struct origin_step *origin;
    bool *rerun; /* per node: resume must run it again */
    struct mf_ds *clone_ds; /* the datastore without fdatasync, for clones */
    size_t cloned;
    struct mf_strmap passes; /* "STEP|POSITION" -> tasks created (steps in loops) */
    size_t started, succeeded;
    struct stask *failed; /* the first task that failed */
    struct mf_buf clone_log;   /* lines for RUN/_clones (run_clones.h) not yet appended */
    struct mf_buf also_failed; /* "STEP/ID\n" of tasks that failed after it (at most MF_ALSO_FAILED_MAX) */
    size_t nalso_failed;       /* how many failed after it, all told */
    struct mf_exit failed_exit;
    char failed_why[1100];
    bool meta_failed; /* a metadata write failed: start nothing more, fail the run */
    char meta_why[1100];
    bool failed_while_stopping; /* the first failure came after the interrupt */
    double t0, last_progress;
    double kill_at; /* stopping: SIGKILL at this time (0: not stopping) */
    bool killed;    /* SIGKILL was sent */
    bool said_capacity;
    bool memo_on;            /* a step is memoised and --no-cache was not given */
    char code[65];           /* the program's code digest (memo keys) */
    struct mf_ds *memo_ds;   /* the datastore without fdatasync, for memo clones */
    struct memo_step {       /* per node */
        size_t hits, misses;
        bool said_miss;      /* why the first miss missed was said */
        char code[72];       /* its keys' code part (memo_code.h): its fingerprint, or s->code */
    } *memo_steps;
    struct mf_memo_digests memo_digests; /* what the run's keys share, read once */
    size_t memo_hits;
    struct dead_task { /* ended by a signal: its temp files are removed at the end */
        pid_t pid;
        char *dir; /* its task directory */
    } *dead;
    size_t ndead, dead_cap;
};


/* What a finished task decided: a foreach's width, a switch's chosen step. */
struct mf_outcome {
    int64_t num_splits; /* foreach: items; else -1 */
    size_t chosen;      /* switch: the node of the chosen case; else MF_NO_NODE */
};

/* runtime.c */
/* The step's timeout: `timeout`, or its time limit, whichever is set and smaller (0: none). */
double mf__step_timeout(const mf_step *decl);
double mf__now(void);       /* monotonic seconds */
double mf__epoch_now(void); /* seconds since the epoch */
/* Records the job id an exit brings (a job step's, known only at its end) unless the task's job was recorded. */
void mf__record_job_at_end(struct sched *s, struct stask *t, const struct mf_exit *x);
/* Records the end of an attempt (or a clone, with `origin`) in the metadata. */
void mf__meta_task_done(struct sched *s, struct stask *t, const struct mf_exit *x, const char *status,
                        const char *origin);

/* The outcome recorded in a finished task's index (foreach width, chosen
 * case); MF_ECORRUPT when the index lacks what the step kind needs. */
int mf__outcome_of(struct sched *s, const struct stask *t, const struct mf_index *ix, struct mf_outcome *o,
                   struct mf_err *err);

/* A task that committed its index: recorded as succeeded, its successors
 * scheduled; frees `t`. */
int mf__go_on(struct sched *s, struct stask *t, const struct mf_exit *x, const struct mf_outcome *o,
              struct mf_err *err);
/* Starts one task (its record stays the caller's until it ends). */
int mf__launch(struct sched *s, struct stask *t, struct mf_err *err);
/* The run fails with task `t` (owned from now on) as its first failure, if none came before. */
void mf__fail_run(struct sched *s, struct stask *t, const struct mf_exit *x, const char *why);
/* Puts `t` on the delay list until `delay` seconds from now. */
int mf__delay_task(struct sched *s, struct stask *t, double delay, struct mf_err *err);
/* The first interrupt's signal number, 0 if none. */
int mf__interrupted(void);

/* runtime_gang.c */
/* Queues the N tasks of the gang that split task `t` starts. */
int mf__gang_enqueue(struct sched *s, const struct stask *t, int64_t n, struct mf_err *err);
/* The queue's head is a gang's rank 0: starts (or clones) its N tasks when
 * the worker limit has room for all (or nothing else runs). 1 started, 0 it
 * must wait, or an MF_E* code. */
int mf__gang_launch(struct sched *s, size_t limit, struct mf_err *err);
/* A gang task ended: `why` NULL when it succeeded (index committed), else
 * the failure. Holds, stops the other ranks, retries or fails the gang. */
int mf__gang_ended(struct sched *s, struct stask *t, const struct mf_exit *x, const char *why, struct mf_err *err);
/* A gang's retry delay is over (`t` its rank 0): queues every rank, in order. */
int mf__gang_requeue(struct sched *s, struct stask *t);
void mf__gangs_release(struct sched *s);

/* runtime_run.c */
/* Allocates the run id, records the run and its parameters. */
int mf__run_begin(struct sched *s, const mf_value *params, char **run_id, struct mf_err *err);
void mf__run_end(struct sched *s, bool ok);
void mf__describe_exit(const struct mf_exit *x, char *buf, size_t size);
void mf__append_task_log(struct sched *s, const struct stask *t, const char *stream, const char *line);
/* Appends "task failed: segmentation fault (SIGSEGV)" (or the like) to the
 * stderr log of a task that died by signal `sig`: the task cannot say it. */
void mf__log_signal_death(struct sched *s, const struct stask *t, int sig);
void mf__progress(struct sched *s);
void mf__report_failure(struct sched *s, int interrupted_by);

/* runtime_plan.c */
void mf__stask_free(struct stask *t);
void mf__join_free(struct join_wait *j);
/* Queues a new task; takes ownership of `stack` and `inputs` in every case. */
int mf__enqueue(struct sched *s, size_t node, char *stack, char *inputs, bool inputs_cloned, struct mf_err *err);
/* The next task to start, or NULL: the oldest ready task, else the next
 * item of the newest fan-out (its record made now). Caller owns it. */
int mf__take_ready(struct sched *s, struct stask **out, struct mf_err *err);
/* Tasks waiting to start, the items of fan-outs not started included. */
size_t mf__queued(const struct sched *s);
/* Appends `t` (a retry whose delay passed) to the ready FIFO; MF_ENOMEM. */
int mf__requeue(struct sched *s, struct stask *t);
void mf__queue_release(struct sched *s);
/* The stack `stack` plus the frame (step, task id, index, count); NULL when out of memory. */
char *mf__push_frame(const char *stack, const char *step, uint64_t id, int64_t index, int64_t count);
/* Queues what follows a task that succeeded (or was cloned). */
int mf__schedule_successors(struct sched *s, const struct stask *t, const struct mf_outcome *o, struct mf_err *err);
/* "STEP|" + the split stack without task ids: where a task stands in the
 * run, the same in a resumed run. NULL when out of memory. */
char *mf__position_key(const char *step, const char *stack);

/* runtime_stop.c */
/* First interrupt: SIGTERM to every task, SIGKILL due after the kill grace. */
void mf__stop_begin(struct sched *s, int sig);
/* While stopping: sends SIGKILL when the grace is over or `again` (a second
 * interrupt); returns `wait_ms` cut to the time left until then. */
int mf__stop_tick(struct sched *s, bool again, int wait_ms);
/* Remembers a task a signal ended, whose temporary files it could not remove. */
int mf__note_ended(struct sched *s, const struct stask *t, const struct mf_exit *x);
/* Removes the temporary files of the tasks mf__note_ended remembered. */
void mf__sweep_temps(struct sched *s);
void mf__stop_release(struct sched *s);
/* max_workers, or fewer when the executor cannot run that many (said once). */
size_t mf__worker_limit(struct sched *s);

/* runtime_resume.c */
/* Loads the origin run's successful tasks and decides which steps must run
 * again; a no-op without opts->origin_run_id. */
int mf__resume_prepare(struct sched *s, struct mf_err *err);
void mf__resume_release(struct sched *s);
/* If `t` can be cloned from the origin run, clones it (index copied, code
 * not run), queues its successors and returns 1; 0 if it must run. */
int mf__resume_try_clone(struct sched *s, struct stask *t, struct mf_err *err);
/* true when every task of gang `g` can be cloned from the origin run: a gang
 * is cloned whole or run whole (mf__resume_try_clone then leaves the records
 * of gang tasks to their gang). */
bool mf__resume_gang_clonable(struct sched *s, const struct gang *g);
/* Writes origin index `ix` as t's (its split stack, pass and inputs; attempt
 * 0) into `ds` under this run, and t's outcome from it: a clone, for resume
 * and for a memo hit. `ix` is changed, still the caller's. */
int mf__clone_write(struct sched *s, const struct stask *t, struct mf_ds *ds, struct mf_index *ix,
                    struct mf_outcome *o, struct mf_err *err);
/* Copies the origin run's parameters into the new run. */
int mf__resume_copy_params(struct sched *s, struct mf_err *err);

/* runtime_memo.c */
/* Checks --recompute; computes the code digest when a step is memoised. */
int mf__memo_prepare(struct sched *s, struct mf_err *err);
void mf__memo_release(struct sched *s);
/* If an earlier task computed t's key, clones it, queues its successors and
 * returns 1; 0 if it must run (its key kept for publishing). */
int mf__memo_try_hit(struct sched *s, struct stask *t, struct mf_err *err);
/* After t succeeded: publishes its key, unless it may not be (memo.h). */
void mf__memo_task_succeeded(struct sched *s, const struct stask *t);
/* One line per step some of whose tasks were reused. */
void mf__memo_summary(struct sched *s);
#endif
