/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run_clones.c - the log of a run's cloned tasks (run_clones.h). An
 * append-only text file, not a file rewritten whole: a resume may clone a
 * hundred thousand tasks, and rewriting the log at each batch would cost
 * the square of that. Each append is one write(2) of whole lines on an
 * O_APPEND descriptor, so lines never interleave; what a crash can leave is
 * one short last line, which does not parse and is skipped. Every field is
 * checked on read, since the rebuild puts what it reads into the database.
 */
#include "run_clones.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cas.h"
#include "client_impl.h"
#include "util/fsutil.h"

#define CLONES_FILE "_clones"

int mf__run_clones_line(struct mf_buf *b, const char *step, const char *task_id, const char *origin,
                        const char *memo_key)
{
    return mf__buf_addf(b, "%s/%s %s%s%s\n", step, task_id, origin, memo_key ? " " : "", memo_key ? memo_key : "")
               ? MF_ENOMEM
               : 0;
}

int mf__run_clones_append(const char *root, const char *flow, const char *run_id, const char *text, size_t len,
                          struct mf_err *err)
{
    struct mf_buf path = MF_BUF_INIT;
    int rc = 0, fd = -1;
    if (mf__buf_addf(&path, "%s/%s/%s/" CLONES_FILE, root, flow, run_id)) {
        rc = mf__err(err, MF_ENOMEM, "out of memory");
        goto out;
    }
    fd = open(path.buf, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ENOENT)
        goto out; /* the run's directory was removed: nothing would be rebuilt */
    if (fd < 0)
        rc = mf__err_errno(err, MF_EIO, errno, "cannot open the clone log '%s'", path.buf);
    else
        rc = mf__write_all(fd, text, len, err, path.buf);
out:
    if (fd >= 0 && close(fd) != 0 && !rc)
        rc = mf__err_errno(err, MF_EIO, errno, "cannot write the clone log '%s'", path.buf);
    mf__buf_release(&path);
    return rc;
}

/* Both names are checked by the rule every reader of an origin uses
 * (mf__pathspec_parse, the client's), so that the rebuild records nothing a
 * reader would then refuse: ORIGIN as RUN/STEP/TASK, and STEP/TASK as the
 * task part of a pathspec. */
int mf__run_clones_parse_line(char *line, struct mf_clone_line *out)
{
    char task_ps[320], run[160], step[160], task[160], why[256];
    memset(out, 0, sizeof(*out));
    char *origin = strchr(line, ' ');
    if (!origin)
        return MF_EPARSE;
    *origin++ = '\0';
    char *key = strchr(origin, ' ');
    if (key)
        *key++ = '\0';
    int n = snprintf(task_ps, sizeof(task_ps), "0/%s", line);
    if (n < 0 || (size_t)n >= sizeof(task_ps) ||
        mf__pathspec_parse(task_ps, true, run, step, task, sizeof(run), why, sizeof(why)) ||
        mf__pathspec_parse(origin, true, run, step, task, sizeof(run), why, sizeof(why)) ||
        (key && !mf__is_hash_hex(key)))
        return MF_EPARSE;
    char *slash = strchr(line, '/'); /* there: the parse found a step and a task */
    *slash = '\0';
    out->step = line;
    out->task_id = slash + 1;
    out->origin = origin;
    out->memo_key = key;
    return 0;
}

int mf__run_clones_read(const char *root, const char *flow, const char *run_id, mf_clone_fn fn, void *ctx,
                        size_t *bad, struct mf_err *err)
{
    struct mf_buf path = MF_BUF_INIT, text = MF_BUF_INIT;
    struct mf_err why = MF_ERR_INIT;
    *bad = 0;
    int rc = mf__buf_addf(&path, "%s/%s/%s/" CLONES_FILE, root, flow, run_id) ? MF_ENOMEM : 0;
    if (rc) {
        rc = mf__err(err, MF_ENOMEM, "out of memory");
        goto out;
    }
    rc = mf__read_file(path.buf, &text, &why);
    if (rc == MF_ENOENT) {
        rc = 0;
        goto out;
    }
    if (rc) {
        rc = mf__err(err, rc, "%s", why.msg);
        goto out;
    }
    for (char *line = text.buf, *end = text.buf + text.len; !rc && line < end;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        if (!nl) { /* a last line without its newline: cut short */
            (*bad)++;
            break;
        }
        *nl = '\0';
        struct mf_clone_line c;
        if (memchr(line, '\0', (size_t)(nl - line)) || mf__run_clones_parse_line(line, &c))
            (*bad)++;
        else
            rc = fn(ctx, &c);
        line = nl + 1;
    }
out:
    mf__buf_release(&path);
    mf__buf_release(&text);
    return rc;
}
