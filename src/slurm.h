/* SPDX-License-Identifier: Apache-2.0 */
/*
 * slurm.h - what the Slurm executor (exec_slurm.c) needs besides the executor
 * interface: running Slurm's commands (argv, PATH search, never a shell) and
 * reading what they print (slurm_cmd.c, fuzzed by tests/fuzz/fuzz_slurm.c),
 * the batch script that wraps each task's command line (slurm_script.c), and
 * the wait for exit files (slurm_watch.c). docs/slurm.md describes the design; these are its pieces.
 */
#ifndef MF_SLURM_H
#define MF_SLURM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

/* ---- running a command (slurm_cmd.c) ---- */

/* What a command printed and how it ended. Release with mf__slurm_out_release. */
struct mf_slurm_out {
    struct mf_buf out, err;
    int status; /* exit code; -1 when killed by a signal or past the time limit */
};

/*
 * Runs argv[0] found on PATH with stdin from /dev/null, collecting stdout and
 * stderr (each capped at 1 MiB), killing it after timeout_s. Returns 0 when it
 * ran (whatever its exit status: see r->status), MF_ENOENT when the command is
 * not installed, MF_EIO when it could not be started; `r` must be released in
 * every case. Blocks SIGCHLD-free: reaps only its own child.
 */
int mf__slurm_cmd(char *const argv[], double timeout_s, struct mf_slurm_out *r, struct mf_err *err);
void mf__slurm_out_release(struct mf_slurm_out *r);

/* ---- parsers (slurm_cmd.c); text need not be NUL-terminated ---- */

/* `sbatch --parsable` output: "ID" or "ID;CLUSTER", then a newline. MF_EPARSE otherwise. */
int mf__slurm_parse_jobid(const char *text, size_t len, uint64_t *id);

/* The integer value of `key` in `scontrol show config` output ("Key = 1001");
 * MF_ENOENT when absent, MF_EPARSE when not a non-negative integer. */
int mf__slurm_config_int(const char *text, size_t len, const char *key, int64_t *val);

/* One line of `squeue -h -o %i|%T|%r`: a job ("12"), an array task ("12_3")
 * or an array's pending remainder ("12_[4-199%16]", "12_[1,5-7]"). */
struct mf_slurm_qrow {
    uint64_t job;        /* the job id, or the array's job id */
    bool array;          /* an array task or range */
    int64_t lo[8], hi[8]; /* array index ranges (inclusive), nranges of them */
    size_t nranges;
    bool more;           /* more than 8 ranges: treat every index from lo[0] up as listed */
    char state[32];      /* PENDING, RUNNING, COMPLETING, ... */
    char reason[64];     /* None, Priority, JobArrayTaskLimit, ... */
};
/* MF_EPARSE for a line that is not of that form. */
int mf__slurm_parse_squeue_line(const char *line, size_t len, struct mf_slurm_qrow *row);
/* Whether array index `idx` (or, for a plain job, -1) is what `row` lists. */
bool mf__slurm_qrow_has(const struct mf_slurm_qrow *row, uint64_t job, int64_t idx);

/* A job's end as Slurm records it (`scontrol -o show job ID`, or `sacct -P -n
 * -o State,Reason,ExitCode`): state and reason words, exit code and signal. */
struct mf_slurm_jobinfo {
    char state[32];  /* "" when unknown */
    char reason[64];
    int exit_code, exit_signal;
};
/* From `scontrol -o show job` (key=value words). For an array, the record
 * whose ArrayTaskId is `idx` (-1: the first record). MF_ENOENT when none. */
int mf__slurm_parse_job_record(const char *text, size_t len, int64_t idx, struct mf_slurm_jobinfo *ji);
/* From `sacct -n -P -o JobID,State,Reason,ExitCode`: the line of `jobid`
 * ("12" or "12_3"); "CANCELLED by 0" keeps only the first word. MF_ENOENT when none. */
int mf__slurm_parse_sacct(const char *text, size_t len, const char *jobid, struct mf_slurm_jobinfo *ji);

/* Whether an sbatch failure (its stderr) is worth retrying: the controller
 * busy or unreachable, or a job-count limit reached. Everything else (a bad
 * partition, account, QOS or option) is permanent. */
bool mf__slurm_transient(const char *stderr_text);
/* For a PENDING job's squeue reason that no wait ends (the partition's limits
 * forbid the job as asked, and sbatch accepted it because the cluster does not
 * set EnforcePartLimits): what it means, for the message; NULL for any other
 * reason. The string is static. */
const char *mf__slurm_never_runs(const char *reason);

/* The exit file the wrapper writes: "STATUS[ SIGNAL[ JOB]]\n", STATUS as the
 * shell's $? of the step (128+N: killed by signal N), SIGNAL the name of the
 * signal Slurm sent the wrapper (TERM, USR2) if any (may be empty; TIMEOUT in
 * the copy the scheduler keeps of a failed local attempt: runtime.c), JOB the
 * id of the job that ran it ("12", "12_3", "12.4"; `job` may be NULL).
 * MF_EPARSE otherwise. */
int mf__slurm_parse_exit_file(const char *text, size_t len, int *status, char sig[8], char job[32]);
/* An exit file's STATUS as an exit code and a signal: true (exited) with
 * *exit_code = STATUS below 128; false with *signal = STATUS - 128 and
 * *exit_code = -1 above. A STATUS of -1 (none known) is exit code -1. */
bool mf__slurm_status_split(int status, int *exit_code, int *signal);

/* ---- the backend's options (exec_slurm.c; docs/slurm.md has the defaults) ---- */

struct mf_slurm_opts {
    const char *partition, *account, *qos; /* NULL: the cluster's defaults */
    const char *const *extra; /* NULL-terminated words added verbatim to every sbatch/srun; may be NULL */
    double poll_s;            /* at most one squeue per this many seconds (0: 30) */
    double grace_s;           /* a job gone from the queue without an exit file is failed this much
                               * later (0: 10): the shared filesystem's attribute cache */
    bool gres_gpus;           /* GPUs as --gres=gpu:N instead of --gpus=N */
    bool gang_per_node;       /* a gang of N: --nodes=N --ntasks-per-node=1, one rank per node */
};

/* ---- the batch script (slurm_script.c) ---- */

struct mf_slurm_script_task {
    char *const *argv;    /* the step command line, NULL-terminated */
    const char *out, *err; /* its stdout/stderr logs (appended to) */
    const char *exit_path; /* where its status goes */
};

/*
 * Appends to `b` a POSIX sh script that runs task number $SLURM_ARRAY_TASK_ID
 * (0 for a plain job) of `t[0..n)`: its argv, every word single-quoted, with
 * its streams appended to its logs; traps TERM and USR2 (forwarding TERM to
 * the step), and writes the step's status to its exit file atomically (a
 * temporary name, then mv). MF_EINVAL for a NUL-free requirement broken (a
 * newline is fine); MF_ENOMEM.
 */
int mf__slurm_script(struct mf_buf *b, const struct mf_slurm_script_task *t, size_t n, struct mf_err *err);
/*
 * Appends to `b` the batch script of a job array whose element i runs the
 * task of the file `dir`/i (written by mf__slurm_task_file before the array
 * is submitted; `dir` on the filesystem the jobs share). The element parses
 * only its own task, whatever the array's size. Otherwise as
 * mf__slurm_script. MF_ENOMEM.
 */
int mf__slurm_array_script(struct mf_buf *b, const char *dir, struct mf_err *err);
/* Appends to `b` the file of one array task `t` (its paths and argv, every word
 * single-quoted) that mf__slurm_array_script's script reads. MF_EINVAL, MF_ENOMEM. */
int mf__slurm_task_file(struct mf_buf *b, const struct mf_slurm_script_task *t, struct mf_err *err);
/*
 * Appends to `b` the batch script of a gang of `n` ranks: one srun that starts
 * `inner` (an mf__slurm_script of the n ranks, in rank order) as n tasks with
 * --gang, each running the rank $SLURM_PROCID; a rank that exits non-zero
 * ends the others (--kill-on-bad-exit). MF_ENOMEM.
 */
int mf__slurm_gang_script(struct mf_buf *b, const char *inner, size_t n, struct mf_err *err);
/* ---- waiting for tasks' files to change (slurm_watch.c) ----
 *
 * Calling sequence: fd = mf__slurm_watch_open() (-1: no watching here, and
 * every call below still works: waiting is sleeping); wd =
 * mf__slurm_watch_add(fd, task's folder) while a task runs (-1 when refused:
 * that task is found by looking only), mf__slurm_watch_rm(fd, wd) when it
 * ended; mf__slurm_watch_wait between rounds; mf__slurm_watch_close(fd).
 * A watch sees what this host writes: a file written from another host of
 * a network filesystem raises no event, so only a watch on a folder of a
 * local filesystem (mf__slurm_watch_local) may spare looking at its task.
 */
int mf__slurm_watch_open(void);
void mf__slurm_watch_close(int fd);
/* Watches `dir` for files renamed into it (exit files) and written (logs). */
int mf__slurm_watch_add(int fd, const char *dir);
void mf__slurm_watch_rm(int fd, int wd);
/* True when `dir` is on a filesystem of this host's own (ext4, xfs, btrfs,
 * tmpfs, ...): every change to it raises its watch's events. False for
 * network and cluster filesystems, and when it cannot be told. */
bool mf__slurm_watch_local(const char *dir);
/* Told the watch (wd) of each folder that changed; wd -1: events were lost
 * (the queue overflowed), so every task must be looked at. */
typedef void (*mf_slurm_changed_fn)(void *ctx, int wd);
/* Waits up to timeout_s: 1 as soon as a file was renamed into or written in
 * a watched folder (`changed`, when not NULL, is told each one's watch), 0 at
 * the time-out, MF_ECANCELED when a signal came. */
int mf__slurm_watch_wait(int fd, double timeout_s, mf_slurm_changed_fn changed, void *ctx);

/* Appends `s` to `b` as one single-quoted sh word. */
int mf__slurm_quote(struct mf_buf *b, const char *s);
#endif
