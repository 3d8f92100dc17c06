/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec_slurm_impl.h - the Slurm backend's state, shared by exec_slurm.c (the
 * executor operations: submit, watch, cancel), exec_slurm_util.c (argv
 * building, console tails, failure accounts, cancelling) and
 * exec_slurm_alloc.c (tasks as job steps inside an allocation).
 */
#ifndef MF_EXEC_SLURM_IMPL_H
#define MF_EXEC_SLURM_IMPL_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "exec.h"
#include "slurm.h"

enum stask_state {
    T_QUEUED,        /* started by the scheduler, not submitted yet */
    T_SUBMITTED,     /* a batch job (or array task) exists */
    T_RUNNING_LOCAL, /* inside an allocation: a local srun process runs it */
    T_DONE,          /* ended; x holds how; returned by the next wait() */
};

struct stask {
    enum stask_state state;
    void *tag;
    char *label, **argv, *out_log, *err_log, *exit_path, *group, *partition;
    struct mf_task_resources res; /* partition: see `partition` */
    double timeout_s;
    uint64_t job;       /* the job (or array) id */
    int64_t idx;        /* the array index, -1 for a plain job (and a gang's tasks) */
    size_t gang_size, gang_rank; /* mf_exec_task's: a gang's N tasks are one job */
    double submitted;   /* when sbatch returned */
    double gone_since;  /* first poll that did not list the job; 0: listed (or not polled yet) */
    double cancelled_at; /* when we cancelled it; 0: not */
    bool waits;         /* PENDING at the last squeue (for the console's "queued") */
    pid_t srun;         /* inside an allocation: the srun process (a gang's ranks share one) */
    uint64_t seq;       /* inside an allocation: its script's number (step-SEQ.sh, srun-SEQ.log) */
    int wd;             /* its folder's watch (slurm_watch.c), -1: none */
    bool trusted;       /* that watch sees every change (a local filesystem): looked at when it fires */
    bool changed;       /* its watch fired since it was last looked at */
    long long off[2];   /* console tail: bytes of stdout/stderr already shown */
    char *pending[2];   /* the partial last line of each stream */
    struct mf_exit x;
};

struct mf_slurm_argv {
    char **v;
    size_t n, cap;
};

struct slurm_exec {
    struct mf_exec base; /* first: the interface's handle */
    struct mf_slurm_opts so;
    FILE *cout, *cerr;
    /* The run's console (exec.h console_fn): every line goes through it when
     * set, so that the status line under them is never torn. */
    void (*console_fn)(void *ctx, int fd, const char *text, size_t len);
    void *console_ctx;
    char *job_name, *state_dir;
    int max_workers;
    int64_t max_array;
    bool alloc; /* inside an allocation: srun job steps */
    struct stask **tasks;
    size_t n, cap;
    uint64_t seq; /* batch scripts written */
    double next_submit, backoff, last_poll, nap_s;
    double last_sweep;  /* when every task was last looked at, watched or not */
    bool stats;         /* MF_SLURM_STATS set: the counts below are printed at the end */
    uint64_t looks, sbatches, squeues; /* task looks (exit file, logs), sbatch and squeue calls */
    int watch_fd; /* exit-file events (slurm_watch.c), -1: none, naps only */
    uint64_t rng;
    uint64_t *jobs; /* every job id submitted, for cancelling */
    size_t njobs, jobs_cap;
    mf_exec_submitted_fn on_submitted; /* the scheduler records the job ids in the metadata */
    void *on_submitted_ctx;
};

/* exec_slurm_util.c */
double mf__slurm_now(void);
/* Copies `s` into x->why, cut to fit. */
void mf__slurm_set_why(struct mf_exit *x, const char *s);
uint64_t mf__slurm_rand(struct slurm_exec *ex);
/* Cuts a command's output `b` to its first line and returns it, for messages. */
const char *mf__slurm_first_line(struct mf_buf *b);
/* One line (no newline in fmt) on the console's stdout (fd 1) or stderr
 * (fd 2): through the run's console when there is one, else to the FILE;
 * nothing when that stream is not shown. */
void mf__slurm_line(struct slurm_exec *ex, int fd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A scheduler-side remark on the console's stderr ("slurm: ..."). */
void mf__slurm_note(struct slurm_exec *ex, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int mf__slurm_argv_add(struct mf_slurm_argv *a, const char *s);
int mf__slurm_argv_addf(struct mf_slurm_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mf__slurm_argv_release(struct mf_slurm_argv *a);
/* --partition, --cpus-per-task, --mem, --gpus/--gres, --time for a task. */
int mf__slurm_res_args(struct slurm_exec *ex, struct mf_slurm_argv *a, const struct stask *t);
/* Remembers a submitted job id (for cancelling). */
int mf__slurm_record_job(struct slurm_exec *ex, uint64_t job, struct mf_err *err);
/* "12" or, for an array task, "12_3". */
void mf__slurm_job_str(const struct stask *t, char *buf, size_t size);
/* Hands the job ids of tasks[0..n) to the scheduler (opts.on_submitted). */
int mf__slurm_tell_submitted(struct slurm_exec *ex, struct stask **tasks, size_t n, struct mf_err *err);
/* Sets t->x.state to Slurm's word for how the job failed, and writes "JOB STATE"
 * to the attempt's "<attempt>.slurm" beside its exit file, where `metadata
 * rebuild` finds it (best effort: the metadata is the record). */
void mf__slurm_set_state(struct slurm_exec *ex, struct stask *t, const char *state);
/* scancel of the jobs of submitted tasks (only those not cancelled before
 * `since`, when since > 0), CANCEL_BATCH ids per call. */
void mf__slurm_cancel_all(struct slurm_exec *ex, double since);
/* scancel of one job (or array) by id. */
void mf__slurm_cancel_job(struct slurm_exec *ex, uint64_t job);
/* Prints the new complete lines of the task's logs with its prefix; `final`
 * also prints a last line without a newline. */
void mf__slurm_tail(struct slurm_exec *ex, struct stask *t, bool final);
/* Fills t->x.why with Slurm's state and reason for the job (scontrol while the
 * record lives, else sacct), and prints the tail of the job's Slurm log.
 * `had_exit_file`: the wrapper wrote a status, Slurm's state only names it. */
void mf__slurm_explain(struct slurm_exec *ex, struct stask *t, bool had_exit_file);
void mf__slurm_stask_free(struct stask *t);
/* The gang whose rank 0 is ex->tasks[i]: its gang_size ranks, queued in order
 * from there, into g. MF_EINVAL when they are not. */
int mf__slurm_gang_of(struct slurm_exec *ex, size_t i, struct stask **g);
/* Fails tasks[0..n) with `why` (returned by wait like any ending). */
void mf__slurm_fail_tasks(struct stask **tasks, size_t n, const char *why);

/* exec_slurm_alloc.c */
int mf__slurm_alloc_launch(struct slurm_exec *ex, struct mf_err *err);
/* Reaps srun processes that ended; true when a task ended (without an exit file). */
bool mf__slurm_alloc_check(struct slurm_exec *ex);
/* After t's exit file appeared: waits for its srun, unless other ranks of its gang still share it. */
void mf__slurm_alloc_reap(struct slurm_exec *ex, struct stask *t);
void mf__slurm_alloc_signal(struct slurm_exec *ex, int sig);
#endif
