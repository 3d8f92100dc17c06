/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec.h - the executor interface: how the scheduler runs a task without
 * knowing where. One backend per file (exec_spawn.c: posix_spawn on this
 * machine; exec_fork.c, exec_slurm.c later), each a table of operations on
 * an opaque handle, libuv-style. The scheduler (runtime*.c) includes only
 * this header. The task's `step` command line is the contract: every backend
 * is handed the full argv of `PROG step STEP --run-id ... --task-id ...` and
 * must run exactly that task (in a process it starts, a fork, or a job).
 *
 * Calling sequence (docs/internals/exec.md has each backend's invariants):
 *   mf__exec_new(name, &opts, &ex, &err)          or mf__exec_spawn_new(...)
 *   loop:
 *     mf__exec_start(ex, &task, &err)             per ready task, up to the
 *                                                 caller's worker limit
 *     mf__exec_flush(ex, &err)                    once per round: submit what
 *                                                 start() queued (batching)
 *     mf__exec_wait(ex, &exit, timeout_ms, &err)  one finished task, or
 *                                                 MF_ETIMEDOUT / MF_ECANCELED
 *   mf__exec_signal_all(ex, SIGTERM), later SIGKILL: stopping (the caller
 *                                                 times the grace period)
 *   mf__exec_free(ex)                             kills and reaps what is left
 *
 * Every task started is returned by wait() exactly once (even one that was
 * signalled or could not be run after start() succeeded), unless free() comes
 * first. Backends are single-threaded and keep no global state; all of it
 * hangs off the handle.
 */
#ifndef MF_EXEC_H
#define MF_EXEC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "util/err.h"

struct mf_slurm_opts; /* slurm.h */

#define MF_EXEC_KILL_GRACE_DEFAULT 10.0 /* seconds from SIGTERM to SIGKILL */

/* Resources a step declares; 0 / NULL = not set. A local backend ignores
 * them; a cluster backend asks for them. */
struct mf_task_resources {
    int cpus;
    int64_t memory_mb;
    int gpus;
    double time_limit_s;
    const char *partition;
};

/* What the scheduler asks a backend to run. Everything is borrowed for the
 * duration of start(): a backend copies what it keeps. */
struct mf_exec_task {
    char *const *argv;                   /* the step command line, NULL-terminated; argv[0] is the
                                          * flow program's absolute path (no PATH search) */
    const char *label;                   /* console prefix, e.g. "12/a/5" */
    const char *stdout_log, *stderr_log; /* where the task's streams are stored; NULL discards. A
                                          * stream that stays silent may leave no file (readers treat
                                          * a missing log as empty); its directory is made by start() */
    double timeout_s;                    /* 0 = none; past it: SIGTERM, SIGKILL after the grace */
    const struct mf_task_resources *res; /* may be NULL */
    const char *group;                   /* tasks of one foreach with equal resources share a group
                                          * key; a batching backend may submit a group at once. NULL:
                                          * no group */
    size_t gang_size, gang_rank;         /* a task of a gang (mf_step.num_parallel): its N and rank,
                                          * started in rank order one after the other; a cluster
                                          * backend runs the N as one job. gang_size 0: not a gang */
    bool run_self;                       /* argv[0] is this very program: a local backend runs the
                                          * image this process runs, not what is at that path now
                                          * (a program rebuilt during the run changes nothing for
                                          * it); the command line still names the path */
    void *tag;                           /* returned in mf_exit.tag */
    pid_t *pid_out;                      /* may be NULL; set by start() to the local process id, or 0
                                          * when the task has none on this machine (a cluster job) */
};

/* How a task ended, as wait() reports it. */
struct mf_exit {
    void *tag;      /* as given in mf_exec_task.tag */
    pid_t pid;      /* 0 if the task had no local process */
    bool exited;    /* true: exit_code is valid; false: killed by `signal` (0: unknown) */
    int exit_code;
    int signal;
    bool timed_out; /* stopped because it ran past its timeout (ours or the cluster's) */
    int log_errno;  /* 0, or the errno of the first failed write to (or close of) a log file:
                     * that log is incomplete from there on */
    char why[256];  /* "" or the backend's own words on the failure ("OUT_OF_MEMORY", "NODE_FAIL",
                     * "CANCELLED by uid 0", "cannot fork: ..."): shown in the failure message and
                     * appended to the task's stderr log by the scheduler */
    char job_id[32]; /* "" or the cluster's id of the job that ran it ("12", array task "12_3",
                      * job step "12.4"): recorded in the metadata */
    char state[24];  /* "" or the cluster's one word for how the job ended when it failed for a
                      * reason of the cluster's ("TIMEOUT", "OUT_OF_MEMORY", "CANCELLED",
                      * "PREEMPTED", "NODE_FAIL", "LOST"): recorded in the metadata */
};

/* Called by a cluster backend once jobs exist for tasks it was given: tags[i]
 * (as in mf_exec_task.tag) now runs as job job_ids[i]. The scheduler records
 * the ids at once, so that a command can cancel them if it dies. */
typedef void (*mf_exec_submitted_fn)(void *ctx, void *const *tags, const char *const *job_ids, size_t n);

/* Options every backend understands; zero means the default. A backend with
 * options of its own reads them from its own fields added here (documented
 * with the backend). */
struct mf_exec_opts {
    FILE *console_out;   /* task stdout lines, "[LABEL (pid N)] line"; NULL: not printed */
    FILE *console_err;   /* task stderr lines; NULL: not printed */
    /* When set (and ops->console_fn), the task lines of a stream whose FILE is set above are
     * handed here instead of written to it: whole lines, each with its prefix, fd 1 for stdout
     * lines and 2 for stderr ones (the run's console, console.h, draws a status line under
     * them). A backend without ops->console_fn writes to the FILEs itself. */
    void (*console_fn)(void *ctx, int fd, const char *text, size_t len);
    void *console_ctx;
    double kill_grace_s; /* timeout: SIGTERM, then SIGKILL this much later (0: the default) */
    /* The program's own entry for a task's argv, as main() would run it
     * (mf_main with the flow): the fork backend calls it in a forked child
     * instead of exec'ing argv[0]. NULL: the fork backend is not available. */
    int (*task_entry)(void *ctx, int argc, char **argv);
    void *task_entry_ctx;
    /* For backends that queue tasks themselves (ops->self_limiting) or run them elsewhere: */
    int max_workers;                   /* tasks in flight at once (0: 16) */
    const struct mf_slurm_opts *slurm; /* the slurm backend's options (slurm.h); NULL: defaults */
    mf_exec_submitted_fn on_submitted; /* may be NULL */
    void *on_submitted_ctx;
};

struct mf_exec;

/* The operations of one backend. Return codes as for the wrappers below. */
struct mf_exec_ops {
    const char *name; /* "spawn", "fork", "slurm" */
    bool console_fn;  /* honours mf_exec_opts.console_fn */
    bool self_limiting; /* the backend keeps at most opts.max_workers tasks in flight itself (Slurm:
                         * by array throttles and a queue): the scheduler starts every ready task, so
                         * that one foreach can go out as one job array */
    int (*start)(struct mf_exec *ex, const struct mf_exec_task *task, struct mf_err *err);
    int (*flush)(struct mf_exec *ex, struct mf_err *err);
    /* May be NULL. Called once the run exists, before the first start(): a name that identifies
     * the run on a cluster (squeue --name) and a folder on the shared datastore, beside the run,
     * for batch scripts, job ids and the cluster's own logs. */
    int (*bind_run)(struct mf_exec *ex, const char *job_name, const char *state_dir, struct mf_err *err);
    int (*wait)(struct mf_exec *ex, struct mf_exit *out, int timeout_ms, struct mf_err *err);
    size_t (*running)(const struct mf_exec *ex);
    void (*signal_all)(struct mf_exec *ex, int sig);
    /* May be NULL. Stops the one running task started with `tag`: SIGTERM to its group now,
     * SIGKILL after the kill grace (the others of a failed gang, runtime.c). It is still
     * returned by wait(), as ended by that signal, not as timed out. Unknown tags: no-op. */
    void (*stop)(struct mf_exec *ex, void *tag);
    void (*free)(struct mf_exec *ex);
    size_t (*capacity)(const struct mf_exec *ex); /* may be NULL: no limit */
    /* May be NULL. Of the running() tasks, those known to wait for a place rather than run
     * (Slurm: not submitted yet, or PENDING at the last squeue): for the console, never a query. */
    size_t (*queued)(const struct mf_exec *ex);
};

/* A backend's handle starts with this (its own struct embeds it first). */
struct mf_exec {
    const struct mf_exec_ops *ops;
};

/* Backends. Each returns MF_ENOMEM, or a backend-specific failure to set up
 * (e.g. MF_EIO: cannot start the fork server) with a message. */
int mf__exec_spawn_new(const struct mf_exec_opts *o, struct mf_exec **out, struct mf_err *err);
/* The fork server (exec_fork.c): needs o->task_entry (MF_EINVAL without).
 * Create it before opening anything a task must not inherit (the metadata):
 * the server is forked from this process as it is now. */
int mf__exec_fork_new(const struct mf_exec_opts *o, struct mf_exec **out, struct mf_err *err);
/* Slurm (exec_slurm.c, docs/slurm.md): batch jobs and job arrays, or job steps inside an allocation.
 * Reads the cluster's limits at once (MF_EIO when the controller cannot be reached); needs bind_run
 * before the first start(). */
int mf__exec_slurm_new(const struct mf_exec_opts *o, struct mf_exec **out, struct mf_err *err);

/* The backend called `name` ("fork", "spawn", "slurm"; NULL or "": "fork" when
 * o->task_entry is set, else "spawn").
 * MF_EINVAL with the list of names for an unknown one. */
int mf__exec_new(const char *name, const struct mf_exec_opts *o, struct mf_exec **out, struct mf_err *err);
/* The names mf__exec_new accepts, comma separated, for help texts. */
const char *mf__exec_names(void);
/* true when mf__exec_new knows `name`. */
bool mf__exec_known(const char *name);

/*
 * Starts (or, for a batching backend, queues until flush) one task. Errors:
 * MF_EINVAL (no argv/label), MF_ENOENT (argv[0] missing), MF_EIO, MF_ENOMEM;
 * on error nothing was started and no tag will be returned.
 */
static inline int mf__exec_start(struct mf_exec *ex, const struct mf_exec_task *task, struct mf_err *err)
{
    return ex->ops->start(ex, task, err);
}

/* Tells a cluster backend which run it serves (see ops->bind_run); a no-op for the others. */
static inline int mf__exec_bind_run(struct mf_exec *ex, const char *job_name, const char *state_dir,
                                    struct mf_err *err)
{
    return ex->ops->bind_run ? ex->ops->bind_run(ex, job_name, state_dir, err) : 0;
}

/* Submits what start() queued; a no-op for backends that start at once. */
static inline int mf__exec_flush(struct mf_exec *ex, struct mf_err *err) { return ex->ops->flush(ex, err); }

/*
 * Streams the tasks' output (the console prefix "[LABEL (pid N)] ") until one
 * task has ended and its output is complete, then reports it in `*out` and
 * returns 0. MF_ETIMEDOUT if none ended within timeout_ms (-1: no limit);
 * MF_ENOENT if nothing is running; MF_ECANCELED if a signal handler
 * interrupted the wait (nothing is lost: check your flag, call again).
 * Timers (timeouts, grace periods) run only inside wait(): call it in a loop.
 */
static inline int mf__exec_wait(struct mf_exec *ex, struct mf_exit *out, int timeout_ms, struct mf_err *err)
{
    return ex->ops->wait(ex, out, timeout_ms, err);
}

/* Tasks started and not yet returned by wait(). */
static inline size_t mf__exec_running(const struct mf_exec *ex) { return ex ? ex->ops->running(ex) : 0; }

/* Of the running tasks, those the backend knows are still waiting for a place (0: none, or not known). */
static inline size_t mf__exec_queued(const struct mf_exec *ex) { return ex && ex->ops->queued ? ex->ops->queued(ex) : 0; }

/* How many tasks the backend can run at once here (e.g. what the process's
 * open-file limit allows for their pipes); 0: no limit of its own. The
 * scheduler runs min(this, its worker limit). */
static inline size_t mf__exec_capacity(const struct mf_exec *ex)
{
    return ex && ex->ops->capacity ? ex->ops->capacity(ex) : 0;
}

/* Sends `sig` to every running task: locally to its whole process group, so
 * what the task started gets it too. */
static inline void mf__exec_signal_all(struct mf_exec *ex, int sig)
{
    if (ex)
        ex->ops->signal_all(ex, sig);
}

/* Stops one task (ops->stop); false when the backend cannot (it then runs to its end). */
static inline bool mf__exec_stop(struct mf_exec *ex, void *tag)
{
    if (!ex || !ex->ops->stop)
        return false;
    ex->ops->stop(ex, tag);
    return true;
}

/* Kills (SIGKILL to each group) and reaps or cancels whatever still runs,
 * then frees the handle. NULL is a no-op. */
static inline void mf__exec_free(struct mf_exec *ex)
{
    if (ex)
        ex->ops->free(ex);
}
#endif
