/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_task.c - a run's steps and tasks (metadata), a finished task's
 * artifacts through a client-mode mf_task (datastore), and its logs.
 */
#include <stdio.h>
#include <string.h>

#include "client_impl.h"
#include "datastore.h"
#include "task_impl.h"
#include "util/alloc.h"
#include "util/fsutil.h"

static bool all_digits(const char *s, size_t n)
{
    if (n == 0 || n > 20)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool identifier(const char *s, size_t n)
{
    if (n == 0 || n > 128 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '_'))
            return false;
    return true;
}

int mf__pathspec_parse(const char *ps, bool need_task, char *run, char *step, char *task, size_t size,
                       char *errbuf, size_t errsize)
{
    const char *parts[4] = { ps, NULL, NULL, NULL };
    size_t len[3] = { 0, 0, 0 }, n = 1;
    for (const char *p = ps; *p; p++)
        if (*p == '/') {
            if (n == 3) {
                snprintf(errbuf, errsize, "malformed pathspec '%s': too many parts; use RUN/STEP/TASK", ps);
                return MF_EINVAL;
            }
            parts[n++] = p + 1;
        }
    for (size_t i = 0; i < n; i++)
        len[i] = (i + 1 < n ? (size_t)(parts[i + 1] - parts[i]) - 1 : strlen(parts[i]));
    const char *form = need_task ? "RUN/STEP/TASK" : "RUN[/STEP[/TASK]]";
    if (!all_digits(parts[0], len[0])) {
        snprintf(errbuf, errsize, "malformed pathspec '%s': the run id '%.*s' is not a number; use %s", ps,
                 (int)len[0], parts[0], form);
        return MF_EINVAL;
    }
    if (n > 1 && !identifier(parts[1], len[1])) {
        snprintf(errbuf, errsize, "malformed pathspec '%s': the step '%.*s' is not a step name; use %s", ps,
                 (int)len[1], parts[1], form);
        return MF_EINVAL;
    }
    if (n > 2 && !all_digits(parts[2], len[2])) {
        snprintf(errbuf, errsize, "malformed pathspec '%s': the task id '%.*s' is not a number; use %s", ps,
                 (int)len[2], parts[2], form);
        return MF_EINVAL;
    }
    if (need_task && n < 3) {
        snprintf(errbuf, errsize, "pathspec '%s' names no task; use RUN/STEP/TASK", ps);
        return MF_EINVAL;
    }
    snprintf(run, size, "%.*s", (int)len[0], parts[0]);
    snprintf(step, size, "%.*s", (int)len[1], n > 1 ? parts[1] : "");
    snprintf(task, size, "%.*s", (int)len[2], n > 2 ? parts[2] : "");
    return 0;
}

static int meta_tasks(mf_client *c, const char *flow, const char *run, const char *step,
                      struct mf_meta_task **list, size_t *n)
{
    struct mf_err err = MF_ERR_INIT;
    if (mf__meta_tasks(c->meta, flow, run, step, list, n, &err)) {
        snprintf(c->err, sizeof(c->err), "%s", err.msg);
        return err.code ? err.code : MF_EDB;
    }
    return 0;
}

static void free_meta_tasks(struct mf_meta_task *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mf__meta_task_release(&list[i]);
    mf__free(list);
}

int mf_client_steps(mf_client *c, const char *flow, const char *run_id, char ***steps)
{
    struct mf_meta_task *list = NULL;
    size_t n = 0, k = 0;
    *steps = NULL;
    int rc = meta_tasks(c, flow, run_id, NULL, &list, &n);
    if (rc)
        return rc;
    char **v = mf__calloc(n + 1, sizeof(*v));
    for (size_t i = 0; v && i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < k && !seen; j++)
            seen = !strcmp(v[j], list[i].step);
        if (!seen && !(v[k++] = mf__strdup(list[i].step))) {
            mf_strv_free(v);
            v = NULL;
        }
    }
    free_meta_tasks(list, n);
    if (!v)
        return snprintf(c->err, sizeof(c->err), "out of memory"), MF_ENOMEM;
    *steps = v;
    return 0;
}

static bool task_finished(mf_client *c, const char *flow, const char *run, const char *step, const char *task)
{
    struct mf_buf path = MF_BUF_INIT;
    bool ok = !mf__buf_addf(&path, "%s/%s/%s/%s/%s/index", c->root, flow, run, step, task) &&
              mf__path_exists(path.buf);
    mf__buf_release(&path);
    return ok;
}

void mf_task_info_free(mf_task_info *tasks, size_t n)
{
    for (size_t i = 0; tasks && i < n; i++) {
        mf__free(tasks[i].step);
        mf__free(tasks[i].task_id);
        mf__free(tasks[i].pathspec);
        mf__free(tasks[i].status);
        mf__free(tasks[i].origin);
    }
    mf__free(tasks);
}

/* Fills one mf_task_info from the last attempt of a task. */
static int fill_info(mf_client *c, const char *flow, const char *run, const struct mf_meta_task *m, int attempts,
                     mf_task_info *out)
{
    struct mf_buf ps = MF_BUF_INIT;
    out->step = mf__strdup(m->step);
    out->task_id = mf__strdup(m->task_id);
    out->status = mf__strdup(m->status);
    out->origin = m->origin ? mf__strdup(m->origin) : NULL;
    out->attempts = attempts;
    out->start = m->start;
    out->end = m->end;
    out->exit_code = m->exit_code;
    out->signal = m->signal;
    out->timed_out = m->timed_out;
    out->finished = task_finished(c, flow, run, m->step, m->task_id);
    if (mf__buf_addf(&ps, "%s/%s/%s", run, m->step, m->task_id) == 0)
        out->pathspec = mf__buf_detach(&ps, NULL);
    mf__buf_release(&ps);
    return out->step && out->task_id && out->status && out->pathspec && (!m->origin || out->origin) ? 0 : MF_ENOMEM;
}

int mf_client_tasks(mf_client *c, const char *flow, const char *run_id, const char *step, mf_task_info **tasks,
                    size_t *n)
{
    struct mf_meta_task *list = NULL;
    size_t count = 0, k = 0;
    *tasks = NULL;
    *n = 0;
    int rc = meta_tasks(c, flow, run_id, step, &list, &count);
    if (rc)
        return rc;
    mf_task_info *out = mf__calloc(count + 1, sizeof(*out));
    rc = out ? 0 : MF_ENOMEM;
    /* Rows come by task id then attempt: a task's last row is its last attempt. */
    for (size_t i = 0; i < count && !rc; i++) {
        bool last = i + 1 == count || strcmp(list[i + 1].task_id, list[i].task_id) != 0 ||
                    strcmp(list[i + 1].step, list[i].step) != 0;
        if (last)
            rc = fill_info(c, flow, run_id, &list[i], list[i].attempt + 1, &out[k++]);
    }
    free_meta_tasks(list, count);
    if (rc) {
        mf_task_info_free(out, k);
        return snprintf(c->err, sizeof(c->err), "out of memory"), MF_ENOMEM;
    }
    *tasks = out;
    *n = k;
    return 0;
}

/* The handle's own flow record: task_api.c reads the flow's name from it. */
struct client_task {
    mf_task t;
    mf_flow flow;
    mf_client *client;
};

static void client_task_free(struct client_task *ct)
{
    if (!ct)
        return;
    mf__task_release(&ct->t);
    mf__free((char *)ct->t.run_id);
    mf__free((char *)ct->flow.name);
    mf__free(ct);
}

static int open_task(mf_client *c, struct client_task *ct, const char *flow, const char *run, const char *step,
                     const char *task, struct mf_err *err)
{
    mf_task *t = &ct->t;
    struct mf_buf ps = MF_BUF_INIT;
    t->root = t;
    t->client = true;
    t->readonly = true;
    t->client_err = c->err;
    t->client_err_size = sizeof(c->err);
    t->flow = &ct->flow;
    t->node = MF_NO_NODE;
    ct->flow.name = mf__strdup(flow);
    t->run_id = mf__strdup(run);
    t->step_name = mf__strdup(step);
    t->task_id = mf__strdup(task);
    if (!ct->flow.name || !t->run_id || !t->step_name || !t->task_id ||
        mf__buf_addf(&ps, "%s/%s/%s", run, step, task))
        return mf__err(err, MF_ENOMEM, "out of memory");
    t->pathspec = mf__buf_detach(&ps, NULL);
    int rc = mf__ds_open(c->root, flow, 0, &t->ds, err);
    if (!rc)
        rc = mf__ds_read_index(t->ds, run, step, task, &t->own, err);
    if (rc == MF_ENOENT)
        return mf__err(err, rc, "task '%s' of flow '%s' has no artifacts: it does not exist or has not finished",
                       t->pathspec, flow);
    if (!rc)
        rc = mf__ds_read_index(t->ds, run, "_parameters", "0", &t->params, err);
    return rc;
}

int mf_client_task(mf_client *c, const char *flow, const char *pathspec, mf_task **out)
{
    char run[160], step[160], task[160];
    struct mf_err err = MF_ERR_INIT;
    *out = NULL;
    int rc = mf__pathspec_parse(pathspec ? pathspec : "", true, run, step, task, sizeof(run), c->err,
                                sizeof(c->err));
    if (rc)
        return rc;
    struct client_task *ct = mf__calloc(1, sizeof(*ct));
    if (!ct)
        return snprintf(c->err, sizeof(c->err), "out of memory"), MF_ENOMEM;
    mf__index_init(&ct->t.own);
    mf__index_init(&ct->t.params);
    ct->client = c;
    rc = open_task(c, ct, flow, run, step, task, &err);
    if (rc) {
        snprintf(c->err, sizeof(c->err), "%s", err.msg);
        client_task_free(ct);
        return rc;
    }
    c->open_tasks++;
    *out = &ct->t;
    return 0;
}

void mf_client_task_close(mf_task *t)
{
    if (!t || !t->client)
        return;
    struct client_task *ct = (struct client_task *)t; /* t is its first member */
    ct->client->open_tasks--;
    client_task_free(ct);
}

char **mf_task_artifact_names(mf_task *t)
{
    char **v = mf__calloc(t->own.n + 1, sizeof(*v));
    for (size_t i = 0; v && i < t->own.n; i++)
        if (!(v[i] = mf__strdup(t->own.arts[i].name))) {
            mf_strv_free(v);
            return NULL;
        }
    return v;
}

int mf_client_logs(mf_client *c, const char *flow, const char *pathspec, const char *stream, int attempt,
                   char **text, size_t *len)
{
    char run[160], step[160], task[160];
    struct mf_err err = MF_ERR_INIT;
    struct mf_buf path = MF_BUF_INIT, out = MF_BUF_INIT;
    struct mf_ds *ds = NULL;
    mf_task_info *infos = NULL;
    size_t n = 0;
    *text = NULL;
    int rc = mf__pathspec_parse(pathspec ? pathspec : "", true, run, step, task, sizeof(run), c->err,
                                sizeof(c->err));
    if (rc)
        return rc;
    if (!stream || (strcmp(stream, "stdout") && strcmp(stream, "stderr")))
        return snprintf(c->err, sizeof(c->err), "unknown log stream '%s': use stdout or stderr",
                        stream ? stream : ""), MF_EINVAL;
    if ((rc = mf_client_tasks(c, flow, run, step, &infos, &n)) != 0)
        return rc;
    const mf_task_info *info = NULL;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(infos[i].task_id, task))
            info = &infos[i];
    if (!info) {
        rc = MF_ENOENT;
        snprintf(c->err, sizeof(c->err), "task '%s' of flow '%s' does not exist", pathspec, flow);
    } else if (attempt >= info->attempts) {
        rc = MF_ENOENT;
        snprintf(c->err, sizeof(c->err), "task '%s' has no attempt %d: it has %d", pathspec, attempt, info->attempts);
    }
    if (!rc && !(rc = mf__ds_open(c->root, flow, 0, &ds, &err)))
        rc = mf__ds_log_path(ds, run, step, task, attempt < 0 ? info->attempts - 1 : attempt, stream, &path);
    if (!rc) {
        rc = mf__read_file(path.buf, &out, &err);
        if (rc == MF_ENOENT) /* a stream that printed nothing leaves no file */
            rc = 0;
        if (rc)
            snprintf(c->err, sizeof(c->err), "%s", err.msg);
    }
    if (!rc) {
        *text = mf__buf_detach(&out, len);
        rc = *text ? 0 : MF_ENOMEM;
    }
    mf__buf_release(&path);
    mf__buf_release(&out);
    mf__ds_close(ds);
    mf_task_info_free(infos, n);
    return rc;
}
