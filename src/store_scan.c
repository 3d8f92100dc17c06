/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_scan.c - the two walks of a datastore root (store_scan.h): task
 * directories with their decoded indexes, and the files under objects/.
 * Names that are not ours (dot files, names with other characters) are
 * stepped over, never followed: a walk cannot leave the root.
 */
#include "store_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cas.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fsutil.h"

/* A flow, run, step or task directory name (datastore.c's rule). */
static bool name_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') || n >= 200)
            return false;
    }
    return n > 0;
}

bool mf__scan_is_tmp(const char *name)
{
    const char *t = strstr(name, ".tmp-");
    return t && t != name;
}

double mf__scan_mtime(const struct stat *st)
{
    return (double)st->st_mtim.tv_sec + (double)st->st_mtim.tv_nsec / 1e9;
}

/* Calls fn(ctx, dir, name) for each subdirectory of `dir` with a valid
 * name (lstat: a symbolic link is not followed). */
typedef int (*each_fn)(void *ctx, struct mf_buf *path, const char *name);

static int each_subdir(struct mf_buf *path, each_fn fn, void *ctx, struct mf_err *err)
{
    DIR *d = opendir(path->buf);
    if (!d)
        return errno == ENOENT ? MF_ENOENT : mf__err_errno(err, MF_EIO, errno, "cannot list '%s'", path->buf);
    size_t base = path->len;
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d)) != NULL) {
        if (!name_ok(e->d_name))
            continue;
        path->len = base;
        if (mf__buf_addf(path, "/%s", e->d_name)) {
            rc = mf__err(err, MF_ENOMEM, "out of memory");
            break;
        }
        struct stat st;
        if (lstat(path->buf, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        rc = fn(ctx, path, e->d_name);
    }
    path->len = base;
    path->buf[base] = '\0';
    closedir(d);
    return rc;
}

struct walk {
    const char *root, *flow, *run, *step;
    struct mf_ds *ds;
    mf_scan_task_fn fn;
    mf_scan_file_fn tmp_fn;
    void *ctx;
    struct mf_err *err;
};

/* Temporary files inside one task directory. */
static int task_tmp_files(struct walk *w, struct mf_buf *path)
{
    DIR *d = opendir(path->buf);
    if (!d)
        return 0; /* gone meanwhile: nothing to report */
    size_t base = path->len;
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d)) != NULL) {
        if (!mf__scan_is_tmp(e->d_name))
            continue;
        struct stat st;
        path->len = base;
        if (mf__buf_addf(path, "/%s", e->d_name)) {
            rc = mf__err(w->err, MF_ENOMEM, "out of memory");
            break;
        }
        if (lstat(path->buf, &st) == 0 && S_ISREG(st.st_mode))
            rc = w->tmp_fn(w->ctx, &(struct mf_scan_file){ .path = path->buf, .st = &st });
    }
    path->len = base;
    path->buf[base] = '\0';
    closedir(d);
    return rc;
}

static int on_task(void *ctx, struct mf_buf *path, const char *task)
{
    struct walk *w = ctx;
    struct mf_index ix;
    struct mf_err ix_err = MF_ERR_INIT;
    if (!w->fn) /* only the temporary files are wanted */
        return task_tmp_files(w, path);
    struct stat st;
    size_t base = path->len;
    int ix_rc = mf__ds_read_index(w->ds, w->run, w->step, task, &ix, &ix_err);
    double mtime = 0;
    if (!mf__buf_addf(path, "/index") && stat(path->buf, &st) == 0)
        mtime = mf__scan_mtime(&st);
    path->len = base;
    path->buf[base] = '\0';
    if (ix_rc == MF_ENOMEM) {
        mf__index_release(&ix);
        return mf__err(w->err, MF_ENOMEM, "out of memory");
    }
    struct mf_scan_task t = { w->flow, w->run, w->step, task, path->buf, ix_rc ? NULL : &ix, ix_rc, &ix_err, mtime };
    int rc = w->fn(w->ctx, &t);
    mf__index_release(&ix);
    if (!rc && w->tmp_fn)
        rc = task_tmp_files(w, path);
    return rc;
}

static int on_step(void *ctx, struct mf_buf *path, const char *step)
{
    struct walk *w = ctx;
    w->step = step;
    int rc = each_subdir(path, on_task, w, w->err);
    return rc == MF_ENOENT ? 0 : rc;
}

static int on_run(void *ctx, struct mf_buf *path, const char *run)
{
    struct walk *w = ctx;
    w->run = run;
    int rc = each_subdir(path, on_step, w, w->err);
    return rc == MF_ENOENT ? 0 : rc;
}

static int on_flow(void *ctx, struct mf_buf *path, const char *flow)
{
    struct walk *w = ctx;
    if (!strcmp(flow, "objects"))
        return 0;
    w->flow = flow;
    int rc = mf__ds_open(w->root, flow, 0, &w->ds, w->err);
    if (rc)
        return rc;
    if (w->run) {
        size_t base = path->len;
        rc = mf__buf_addf(path, "/%s", w->run) ? mf__err(w->err, MF_ENOMEM, "out of memory") : 0;
        if (!rc && !mf__path_exists(path->buf))
            rc = mf__err(w->err, MF_ENOENT, "run '%s' of flow '%s' has no directory under '%s'", w->run, flow,
                         w->root);
        if (!rc)
            rc = on_run(w, path, w->run);
        path->len = base;
        path->buf[base] = '\0';
    } else {
        rc = each_subdir(path, on_run, w, w->err);
        if (rc == MF_ENOENT)
            rc = 0;
    }
    mf__ds_close(w->ds);
    w->ds = NULL;
    return rc;
}

int mf__scan_indexes(const char *root, const char *flow, const char *run, mf_scan_task_fn fn,
                     mf_scan_file_fn tmp_fn, void *ctx, struct mf_err *err)
{
    struct walk w = { .root = root, .run = run, .fn = fn, .tmp_fn = tmp_fn, .ctx = ctx, .err = err };
    struct mf_buf path = MF_BUF_INIT;
    int rc = mf__buf_addf(&path, "%s", root) ? mf__err(err, MF_ENOMEM, "out of memory") : 0;
    if (!rc && flow) {
        if (!name_ok(flow))
            rc = mf__err(err, MF_EINVAL, "invalid flow name '%s'", flow);
        else if (mf__buf_addf(&path, "/%s", flow))
            rc = mf__err(err, MF_ENOMEM, "out of memory");
        else if (!mf__path_exists(path.buf))
            rc = run ? mf__err(err, MF_ENOENT, "flow '%s' has no runs under '%s'", flow, root) : 0;
        else
            rc = on_flow(&w, &path, flow);
    } else if (!rc) {
        rc = each_subdir(&path, on_flow, &w, err);
        if (rc == MF_ENOENT)
            rc = 0;
    }
    mf__buf_release(&path);
    return rc;
}

/* One shard directory objects/ab/. */
static int on_shard(void *ctx, struct mf_buf *path, const char *shard)
{
    struct walk *w = ctx;
    if (strlen(shard) != 2)
        return 0;
    DIR *d = opendir(path->buf);
    if (!d)
        return 0;
    size_t base = path->len;
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d)) != NULL) {
        char hex[MF_HASH_HEX_LEN + 1];
        bool tmp = mf__scan_is_tmp(e->d_name);
        if (!tmp && strlen(e->d_name) != MF_HASH_HEX_LEN - 2)
            continue;
        memcpy(hex, shard, 2);
        hex[2] = '\0';
        if (!tmp) /* exactly 62 characters: checked above */
            memcpy(hex + 2, e->d_name, MF_HASH_HEX_LEN - 2 + 1);
        if (!tmp && !mf__is_hash_hex(hex))
            continue;
        struct stat st;
        path->len = base;
        if (mf__buf_addf(path, "/%s", e->d_name)) {
            rc = mf__err(w->err, MF_ENOMEM, "out of memory");
            break;
        }
        if (lstat(path->buf, &st) == 0 && S_ISREG(st.st_mode))
            rc = w->tmp_fn(w->ctx, &(struct mf_scan_file){ .path = path->buf, .hex = tmp ? NULL : hex, .st = &st });
    }
    path->len = base;
    path->buf[base] = '\0';
    closedir(d);
    return rc;
}

int mf__scan_objects(const char *root, mf_scan_file_fn fn, void *ctx, struct mf_err *err)
{
    struct walk w = { .root = root, .tmp_fn = fn, .ctx = ctx, .err = err };
    struct mf_buf path = MF_BUF_INIT;
    int rc = mf__buf_addf(&path, "%s/objects", root) ? mf__err(err, MF_ENOMEM, "out of memory") : 0;
    if (!rc)
        rc = each_subdir(&path, on_shard, &w, err);
    mf__buf_release(&path);
    return rc == MF_ENOENT ? 0 : rc;
}
