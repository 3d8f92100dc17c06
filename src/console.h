/* SPDX-License-Identifier: Apache-2.0 */
/*
 * console.h - the one place a run writes to the console: the scheduler's
 * lines, the tasks' output lines (handed over by the executor) and, on a
 * terminal, a status line redrawn in place under them; on a pipe or file a
 * periodic "N of M tasks done" line instead; a per-step summary at the end.
 * Everything goes through here so that no line ever tears the status line.
 *
 * Calling sequence (runtime.c):
 *   mf__console_new(&opts, &con)             the CLI, before the run
 *   mf__console_begin(con, g)                the run's steps, for counts
 *   loop: mf__console_say / _task_text       lines (task text from the executor's callback)
 *         mf__console_task_started / _ended  per task; _cloned for a resume's clones
 *         mf__console_tick(con, waiting)     every round of the run loop
 *   mf__console_summary(con)                 the status line's last state, the per-step table
 *   mf__console_free(con)
 *
 * Not thread-safe (the scheduler is single-threaded); keeps no global state.
 */
#ifndef MF_CONSOLE_H
#define MF_CONSOLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "graph.h"

enum mf_color_mode { MF_COLOR_AUTO, MF_COLOR_ALWAYS, MF_COLOR_NEVER };

#define MF_CONSOLE_PROGRESS_EVERY 10.0 /* seconds between "N of M tasks done" lines on a pipe */

struct mf_console_opts {
    FILE *out, *err;          /* borrowed; must outlive the console */
    enum mf_color_mode color; /* AUTO: on a terminal unless $NO_COLOR is set (non-empty) or TERM=dumb */
    bool timestamps;          /* prefix each line with the local date and time */
    bool quiet;               /* no per-task lines, no status or progress lines, no summary table */
    double progress_every_s;  /* pipe progress period; 0: MF_CONSOLE_PROGRESS_EVERY */
};

/* What a scheduler line says: decides its colour and stream. */
enum mf_con_kind {
    MF_CON_INFO,  /* stdout, plain */
    MF_CON_TASK,  /* stdout, a per-task line: not printed when quiet */
    MF_CON_OK,    /* stdout, green */
    MF_CON_WARN,  /* stdout, yellow */
    MF_CON_FAIL,  /* stdout, red */
    MF_CON_ERROR, /* stderr, red; printed even when quiet */
};

/* How a task attempt ended, for the counts. */
enum mf_con_outcome {
    MF_CON_SUCCEEDED,
    MF_CON_FAILED,  /* the task failed for good */
    MF_CON_RETRIED, /* this attempt failed; another (a retry or the catch attempt) follows */
};

struct mf_console;

/* A console on opts->out/err; decides once whether they are terminals.
 * Returns 0 or MF_ENOMEM. Free with mf__console_free (NULL is a no-op). */
int mf__console_new(const struct mf_console_opts *opts, struct mf_console **out);
void mf__console_free(struct mf_console *con);
/* The run's graph (borrowed until free): per-step counts by node index.
 * Also starts the elapsed-time clock. MF_ENOMEM or 0. */
int mf__console_begin(struct mf_console *con, const struct mf_graph *g);

/* One scheduler line (no newline in fmt). */
void mf__console_say(struct mf_console *con, enum mf_con_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Task output: whole lines, each "[LABEL (pid N)] text\n", from stream `fd`
 * (1 or 2). The executor's console callback (exec.h); `ctx` is the console. */
void mf__console_task_text(void *ctx, int fd, const char *text, size_t len);

void mf__console_task_started(struct mf_console *con, size_t node);
void mf__console_task_ended(struct mf_console *con, size_t node, uint64_t task_id, enum mf_con_outcome outcome,
                            double secs);
void mf__console_task_cloned(struct mf_console *con, size_t node);
/* Of the tasks running, `queued` are known to wait for a place (a cluster's
 * queue: exec.h mf__exec_queued); the counts then say "R running, Q queued"
 * with R the others. Set before each tick. */
void mf__console_set_queued(struct mf_console *con, size_t queued);
/* Once per round of the run loop: `waiting` tasks are known but not
 * started (queued, or a retry's delay). Redraws the status line on a
 * terminal (at most 10 times a second), prints the progress line on a pipe
 * when it is due. */
void mf__console_tick(struct mf_console *con, size_t waiting);
/* The end of the run: the status line's final state, then (unless quiet) a
 * line per step with its tasks, slowest task, task time and wall time. */
void mf__console_summary(struct mf_console *con);
/* Whether the status line is drawn: a terminal and not quiet. The executor
 * must route every line through mf__console_task_text for it. */
bool mf__console_live(const struct mf_console *con);
/* Stops drawing the status line (an executor that writes to the console
 * itself would tear it). */
void mf__console_no_live(struct mf_console *con);
#endif
