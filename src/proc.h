/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proc.h - the local executor: runs task processes, streams their output.
 *
 * Calling sequence:
 *   mf__exec_new(&ex, ...)
 *   mf__exec_start(ex, argv, label, logs, tag, ...)    as many as allowed
 *   while (mf__exec_running(ex)) mf__exec_wait(ex, &exit, timeout_ms, ...)
 *   mf__exec_free(ex)                                   kills what still runs
 *
 * Each child is started with posix_spawn in its own process group, with
 * stdin from /dev/null and stdout/stderr on pipes. While waiting, the
 * executor reads every pipe; each complete line is printed to the console
 * as "[LABEL (pid N)] line" (stdout lines to `console_out`, stderr lines to
 * `console_err`) and appended verbatim to that stream's log file. A final
 * line without a newline is flushed when the pipe closes. All fds the
 * executor opens are O_CLOEXEC, so children inherit only their own pipes.
 */
#ifndef MF_PROC_H
#define MF_PROC_H
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "util/err.h"

struct mf_exec;

struct mf_exit {
    void *tag;      /* as given to mf__exec_start */
    pid_t pid;
    bool exited;    /* true: exit_code is valid; false: killed by `signal` */
    int exit_code;
    int signal;
    bool timed_out; /* killed because it ran past its timeout */
    int log_errno;  /* 0, or the errno of the first failed write to (or close
                     * of) a log file: that log is incomplete from there on */
};

/* console_out/console_err may be NULL to print nothing. */
int mf__exec_new(FILE *console_out, FILE *console_err, struct mf_exec **out, struct mf_err *err);
/* Kills (SIGKILL to the group) and reaps whatever still runs, then frees. */
void mf__exec_free(struct mf_exec *ex);

/*
 * Starts argv (argv[0] is a path; no PATH search) as a new process group.
 * `label` is copied (the console prefix uses it). stdout_log/stderr_log
 * get their parent directories now and are created (truncated) when the
 * stream's first byte arrives: a stream that stays silent leaves no file,
 * which readers treat as empty. NULL discards that stream.
 * timeout_s > 0 kills the group (SIGTERM, then SIGKILL 5 s later) once it ran
 * that long. `*pid_out` may be NULL.
 */
int mf__exec_start(struct mf_exec *ex, char *const argv[], const char *label, const char *stdout_log,
                   const char *stderr_log, double timeout_s, void *tag, pid_t *pid_out, struct mf_err *err);

/* Number of children started and not yet returned by mf__exec_wait. */
size_t mf__exec_running(const struct mf_exec *ex);

/*
 * Streams output until one child has exited and its pipes are drained, then
 * reports it in `*out` and returns 0. MF_ETIMEDOUT if none finished within
 * timeout_ms (-1: no limit); MF_ENOENT if nothing is running; MF_ECANCELED
 * if a signal handler interrupted the wait (nothing is lost: check your
 * interrupt flag, then call again). Pipes still held open by a grandchild
 * are closed 100 ms after the child itself exited. A child that someone
 * else reaped (e.g. SIGCHLD set to SIG_IGN) is reported with exited = false
 * and signal = 0.
 */
int mf__exec_wait(struct mf_exec *ex, struct mf_exit *out, int timeout_ms, struct mf_err *err);

/* Sends `sig` to every running child's process group. */
void mf__exec_signal_all(struct mf_exec *ex, int sig);
#endif
