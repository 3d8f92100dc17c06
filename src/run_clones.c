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
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cas.h"
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

#define IDENT_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"

static bool is_step_name(const char *s, size_t n) { return n > 0 && n < 256 && strspn(s, IDENT_CHARS) >= n; }

static bool is_task_id(const char *s)
{
    size_t n = strspn(s, "0123456789");
    return n > 0 && n <= 20 && !s[n];
}

/* "STEP/TASK", cut at its slash into two checked parts. */
static bool step_task(char *s, const char **step, const char **task)
{
    char *slash = strchr(s, '/');
    if (!slash || !is_step_name(s, (size_t)(slash - s)))
        return false;
    *slash = '\0';
    *step = s;
    *task = slash + 1;
    return is_task_id(*task);
}

/* "RUN/STEP/TASK", checked and left whole. */
static bool is_origin(const char *s)
{
    size_t run = strspn(s, "0123456789");
    if (run == 0 || run > 18 || s[run] != '/')
        return false;
    const char *step = s + run + 1;
    const char *slash = strchr(step, '/');
    return slash && is_step_name(step, (size_t)(slash - step)) && is_task_id(slash + 1);
}

int mf__run_clones_parse_line(char *line, struct mf_clone_line *out)
{
    memset(out, 0, sizeof(*out));
    char *origin = strchr(line, ' ');
    if (!origin)
        return MF_EPARSE;
    *origin++ = '\0';
    char *key = strchr(origin, ' ');
    if (key)
        *key++ = '\0';
    if (!step_task(line, &out->step, &out->task_id) || !is_origin(origin) || (key && !mf__is_hash_hex(key)))
        return MF_EPARSE;
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
