/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_read.c - one artifact in one call: mf_client_get() through an open
 * client and mf_read*() without one, by a Metaflow-style artifact path
 * "FLOW/RUN/STEP[/TASK]/NAME". Built on the client calls (runs, tasks, task
 * handles) so it gives their messages; the value is loaded straight from the
 * datastore for the caller to own, never copied from the handle's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "value.h"
#include "client_impl.h"
#include "task_impl.h"
#include "util/alloc.h"
#include "util/buf.h"

#define FORMS "FLOW/RUN/STEP/TASK/NAME or FLOW/RUN/STEP/NAME (RUN may be 'latest' or 'latest_successful')"
#define PART_MAX MF_ART_PART_MAX


int mf__art_path_parse(const char *path, struct mf_art_path *p, char *errbuf, size_t errsize)
{
    char *dst[5] = { p->flow, p->run, p->step, p->task, p->name };
    const char *parts[5];
    size_t lens[5], n = 0;
    memset(p, 0, sizeof(*p));
    if (!path)
        return snprintf(errbuf, errsize, "no artifact path given: use " FORMS), MF_EINVAL;
    for (const char *s = path;; s++) {
        const char *slash = strchr(s, '/');
        size_t len = slash ? (size_t)(slash - s) : strlen(s);
        if (n == 5 || len == 0 || len >= PART_MAX)
            return snprintf(errbuf, errsize, "malformed artifact path '%.400s': use " FORMS, path), MF_EINVAL;
        parts[n] = s;
        lens[n++] = len;
        if (!slash)
            break;
        s = slash;
    }
    if (n < 4)
        return snprintf(errbuf, errsize, "malformed artifact path '%.400s': use " FORMS, path), MF_EINVAL;
    for (size_t i = 0; i < n; i++) /* 4 parts: the last one is the name, the task is left "" */
        memcpy(dst[n == 4 && i == 3 ? 4 : i], parts[i], lens[i]);
    return 0;
}

/* The task id: the path's, or the step's only task. */
static int pick_task(mf_client *c, const struct mf_art_path *p, const char *run_id, char *task, size_t size)
{
    mf_task_info *tasks = NULL;
    size_t n = 0;
    if (*p->task) {
        snprintf(task, size, "%s", p->task);
        return 0;
    }
    int rc = mf_client_tasks(c, p->flow, run_id, p->step, &tasks, &n);
    if (!rc && n == 1) {
        snprintf(task, size, "%s", tasks[0].task_id);
    } else if (!rc) {
        struct mf_buf ids = MF_BUF_INIT;
        for (size_t i = 0; i < n && i < 10; i++)
            mf__buf_addf(&ids, "%s%s", i ? ", " : "", tasks[i].task_id);
        rc = mf__client_fail(c, MF_EINVAL, "step '%s' of run '%s' of flow '%s' has %zu tasks (%s%s): name one, as %s/%s/%s/TASK/%s",
                  p->step, run_id, p->flow, n, ids.buf ? ids.buf : "", n > 10 ? ", ..." : "", p->flow, run_id,
                  p->step, p->name);
        mf__buf_release(&ids);
    }
    mf_task_info_free(tasks, n);
    return rc;
}

/* "'a', 'b'" of the task's own artifacts, for the not-found message. */
static void list_names(const mf_task *t, struct mf_buf *out)
{
    for (size_t i = 0; i < t->own.n && i < 20; i++)
        mf__buf_addf(out, "%s'%s'", i ? ", " : "", t->own.arts[i].name);
    if (t->own.n > 20)
        mf__buf_adds(out, ", ...");
    if (!out->len)
        mf__buf_adds(out, "(none)");
}

static int load(mf_client *c, mf_task *t, const char *flow, const char *name, mf_value **out)
{
    struct mf_err err = MF_ERR_INIT;
    const struct mf_artifact *a = mf__index_find(&t->own, name);
    if (!a)
        a = mf__index_find(&t->rs->params, name);
    if (!a) {
        struct mf_buf names = MF_BUF_INIT;
        list_names(t, &names);
        int rc = mf__client_fail(c, MF_ENOENT, "task '%s/%s' has no artifact '%s'; its artifacts are %s", flow, t->pathspec,
                      name, names.buf ? names.buf : "(out of memory)");
        mf__buf_release(&names);
        return rc;
    }
    int rc = mf__ds_load(t->rs->ds, a, out, &err);
    if (rc)
        mf__client_fail(c, rc, "cannot load artifact '%s' of task '%s/%s': %s", name, flow, t->pathspec, err.msg);
    return rc;
}

int mf_client_get(mf_client *c, const char *path, mf_value **out)
{
    struct mf_art_path p;
    mf_run_info *run = NULL;
    mf_task *t = NULL;
    char task[PART_MAX], ps[3 * PART_MAX + 4];
    if (!out)
        return mf__client_fail(c, MF_EINVAL, "mf_client_get() needs somewhere to put the value (out is NULL)");
    *out = NULL;
    int rc = mf__art_path_parse(path, &p, c->err, sizeof(c->err));
    if (!rc)
        rc = mf_client_run(c, p.flow, p.run, &run);
    if (!rc)
        rc = pick_task(c, &p, run->run_id, task, sizeof(task));
    if (!rc) {
        snprintf(ps, sizeof(ps), "%s/%s/%s", run->run_id, p.step, task);
        rc = mf_client_task(c, p.flow, ps, &t);
    }
    if (!rc)
        rc = load(c, t, p.flow, p.name, out);
    mf_client_task_close(t);
    mf_run_info_free(run, run ? 1 : 0);
    return rc;
}

static void copy_err(char *errbuf, size_t errsize, const char *msg)
{
    if (errbuf && errsize)
        snprintf(errbuf, errsize, "%s", msg);
}

int mf_read(const char *root, const char *path, mf_value **out, char *errbuf, size_t errsize)
{
    mf_client *c = NULL;
    if (out)
        *out = NULL;
    copy_err(errbuf, errsize, "");
    int rc = mf_client_open_err(root, &c, errbuf, errsize);
    if (rc)
        return rc;
    if ((rc = mf_client_get(c, path, out)) != 0)
        copy_err(errbuf, errsize, mf_client_errmsg(c));
    mf_client_close(c);
    return rc;
}

/* mf_read() checked to be of type `want` (MF_DOUBLE also takes an int);
 * the caller frees *v. */
static int read_typed(const char *root, const char *path, mf_type want, mf_value **v, char *errbuf, size_t errsize)
{
    int rc = mf_read(root, path, v, errbuf, errsize);
    if (rc)
        return rc;
    mf_type got = mf_value_type(*v);
    if (got == want || (want == MF_DOUBLE && got == MF_INT))
        return 0;
    if (errbuf && errsize)
        snprintf(errbuf, errsize, "artifact '%s' is %s, not %s", path, mf__type_a(got), mf__type_a(want));
    mf_value_free(*v);
    *v = NULL;
    return MF_ETYPE;
}

int mf_read_bool(const char *root, const char *path, bool *out, char *errbuf, size_t errsize)
{
    mf_value *v = NULL;
    int rc = read_typed(root, path, MF_BOOL, &v, errbuf, errsize);
    if (!rc)
        mf_value_get_bool(v, out);
    mf_value_free(v);
    return rc;
}

int mf_read_int(const char *root, const char *path, int64_t *out, char *errbuf, size_t errsize)
{
    mf_value *v = NULL;
    int rc = read_typed(root, path, MF_INT, &v, errbuf, errsize);
    if (!rc)
        mf_value_get_int(v, out);
    mf_value_free(v);
    return rc;
}

int mf_read_double(const char *root, const char *path, double *out, char *errbuf, size_t errsize)
{
    mf_value *v = NULL;
    int rc = read_typed(root, path, MF_DOUBLE, &v, errbuf, errsize);
    if (!rc)
        mf_value_get_double(v, out);
    mf_value_free(v);
    return rc;
}

int mf_read_str(const char *root, const char *path, char **out, char *errbuf, size_t errsize)
{
    mf_value *v = NULL;
    const char *s = NULL;
    int rc = read_typed(root, path, MF_STR, &v, errbuf, errsize);
    if (!rc) {
        mf_value_get_str(v, &s);
        char *copy = mf__strndup(s, mf_value_len(v));
        if (copy)
            *out = copy;
        else
            rc = MF_ENOMEM;
        if (rc)
            copy_err(errbuf, errsize, "out of memory");
    }
    mf_value_free(v);
    return rc;
}
