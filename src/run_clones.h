/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run_clones.h - which tasks of a run were cloned, not run, and from where:
 * a log in the run's directory (ROOT/FLOW/RUN/_clones) that `metadata
 * rebuild` reads, since a cloned task's index is its origin's and says
 * nothing of the copy. One line per cloned task:
 *
 *     STEP/TASK ORIGIN\n            cloned by resume from ORIGIN (RUN/STEP/TASK)
 *     STEP/TASK ORIGIN KEY\n        a memo hit: ORIGIN computed it, KEY its entry
 *
 * The scheduler appends the lines of a batch of clones in one write, before
 * the batch's database transaction commits; a line cut short by a crash is
 * the log's last and is skipped by the reader, like any line that does not
 * parse. docs/format.md describes the file.
 */
#ifndef MF_RUN_CLONES_H
#define MF_RUN_CLONES_H
#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

/* Adds one line to `b`. MF_ENOMEM. memo_key is NULL for a resume clone. */
int mf__run_clones_line(struct mf_buf *b, const char *step, const char *task_id, const char *origin,
                        const char *memo_key);

/* Appends `len` bytes of whole lines to the run's log in one write (the file
 * made if need be; not forced to disk, like the database commits it
 * copies). A run whose directory is gone: 0, nothing written. MF_EIO. */
int mf__run_clones_append(const char *root, const char *flow, const char *run_id, const char *text, size_t len,
                          struct mf_err *err);

/* One parsed line; the strings point into the line (modified in place). */
struct mf_clone_line {
    const char *step, *task_id, *origin, *memo_key; /* memo_key NULL: a resume clone */
};

/* Parses one line without its '\n', in place: 0, or MF_EPARSE when it is
 * not a line the scheduler writes (names checked as the client checks a
 * pathspec: a step name, decimal task and run ids; a 64-hex key). */
int mf__run_clones_parse_line(char *line, struct mf_clone_line *out);

/* Calls fn for each line of the run's log that parses, in order (a task
 * cloned twice, which the scheduler never does, reaches fn twice); `*bad`
 * counts the lines that do not. 0 when the run has no log. MF_EIO,
 * MF_ENOMEM, or what fn returns. */
typedef int (*mf_clone_fn)(void *ctx, const struct mf_clone_line *c);
int mf__run_clones_read(const char *root, const char *flow, const char *run_id, mf_clone_fn fn, void *ctx,
                        size_t *bad, struct mf_err *err);
#endif
