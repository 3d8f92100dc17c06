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

bool mf__client_is_id(const char *s) { return s && all_digits(s, strlen(s)); }

int mf__client_check_flow(mf_client *c, const char *flow)
{
    if (flow && identifier(flow, strlen(flow)))
        return 0;
    snprintf(c->err, sizeof(c->err),
             "invalid flow name '%s': a flow name is letters, digits and '_', not starting with a digit",
             flow ? flow : "(null)");
    return MF_EINVAL;
}

/* Every attempt of the run's (or step's) tasks, after checking the names
 * that go into paths: the flow, the run id and the step; and, when
 * `check_ns`, that the run is in the client's namespace (a clone's origin
 * is read wherever it is). */
static int meta_tasks(mf_client *c, const char *flow, const char *run, const char *step, bool check_ns,
                      struct mf_meta_task **list, size_t *n)
{
    struct mf_err err = MF_ERR_INIT;
    *list = NULL;
    *n = 0;
    int rc = mf__client_check_flow(c, flow);
    if (rc)
        return rc;
    if (!mf__client_is_id(run))
        return snprintf(c->err, sizeof(c->err), "invalid run id '%s': a run id is a number", run ? run : "(null)"),
               MF_EINVAL;
    if (step && !identifier(step, strlen(step)))
        return snprintf(c->err, sizeof(c->err), "invalid step name '%s': a step name is letters, digits and '_', "
                                                "not starting with a digit", step), MF_EINVAL;
    if (check_ns && (rc = mf__client_ns_check(c, flow, run)) != 0)
        return rc;
    if ((rc = mf__meta_tasks(c->meta, flow, run, step, list, n, &err)) != 0) {
        snprintf(c->err, sizeof(c->err), "%s", err.msg);
        return rc;
    }
    return 0;
}

static void free_meta_tasks(struct mf_meta_task *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mf__meta_task_release(&list[i]);
    mf__free(list);
}

/* Distinct steps of the rows, ordered by when their first task started
 * (stable: ties keep the order of the rows). */
static char **steps_by_start(const struct mf_meta_task *list, size_t n)
{
    char **v = mf__calloc(n + 1, sizeof(*v));
    double *first = mf__calloc(n + 1, sizeof(*first));
    size_t k = 0;
    for (size_t i = 0; v && first && i < n; i++) {
        size_t j = 0;
        while (j < k && strcmp(v[j], list[i].step) != 0)
            j++;
        if (j < k) {
            first[j] = list[i].start < first[j] ? list[i].start : first[j];
        } else if ((v[k] = mf__strdup(list[i].step)) != NULL) {
            first[k++] = list[i].start;
        } else {
            mf_strv_free(v);
            v = NULL;
        }
    }
    for (size_t i = 1; v && first && i < k; i++)
        for (size_t j = i; j > 0 && first[j] < first[j - 1]; j--) {
            double ft = first[j];
            char *st = v[j];
            first[j] = first[j - 1], v[j] = v[j - 1];
            first[j - 1] = ft, v[j - 1] = st;
        }
    if (!first) {
        mf_strv_free(v);
        v = NULL;
    }
    mf__free(first);
    return v;
}

int mf_client_steps(mf_client *c, const char *flow, const char *run_id, char ***steps)
{
    struct mf_meta_task *list = NULL;
    size_t n = 0;
    *steps = NULL;
    int rc = meta_tasks(c, flow, run_id, NULL, true, &list, &n);
    if (rc)
        return rc;
    char **v = steps_by_start(list, n);
    free_meta_tasks(list, n);
    if (!v)
        return snprintf(c->err, sizeof(c->err), "out of memory"), MF_ENOMEM;
    *steps = v;
    return 0;
}

/* MF_ENOENT for a step of an existing run without tasks: lists its steps. */
static int step_missing(mf_client *c, const char *flow, const char *run, const char *step)
{
    char **steps = NULL;
    struct mf_buf have = MF_BUF_INIT;
    int rc = mf_client_steps(c, flow, run, &steps);
    if (rc)
        return rc;
    for (size_t i = 0; !rc && steps[i]; i++)
        rc = mf__buf_addf(&have, "%s'%s'", i ? ", " : "", steps[i]);
    /* a list with steps missing would mislead: out of memory is the error */
    if (rc)
        snprintf(c->err, sizeof(c->err), "out of memory");
    else if (have.len)
        snprintf(c->err, sizeof(c->err), "run '%s' of flow '%s' has no step '%s' (no task of it has started); "
                 "its steps are %s", run, flow, step, have.buf);
    else
        snprintf(c->err, sizeof(c->err), "run '%s' of flow '%s' has no step '%s': no task of the run has started",
                 run, flow, step);
    mf__buf_release(&have);
    mf_strv_free(steps);
    return rc ? MF_ENOMEM : MF_ENOENT;
}

/* *finished: the task has an index. MF_ENOMEM rather than "not finished"
 * when the path cannot be built. */
static int task_finished(mf_client *c, const char *flow, const char *run, const char *step, const char *task,
                         bool *finished)
{
    struct mf_buf path = MF_BUF_INIT;
    int rc = mf__buf_addf(&path, "%s/%s/%s/%s/%s/index", c->root, flow, run, step, task);
    *finished = !rc && mf__path_exists(path.buf);
    mf__buf_release(&path);
    return rc ? MF_ENOMEM : 0;
}

void mf_task_info_free(mf_task_info *tasks, size_t n)
{
    for (size_t i = 0; tasks && i < n; i++) {
        mf__free(tasks[i].step);
        mf__free(tasks[i].task_id);
        mf__free(tasks[i].pathspec);
        mf__free(tasks[i].status);
        mf__free(tasks[i].origin);
        mf__free(tasks[i].job_id);
        mf__free(tasks[i].job_state);
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
    out->memo_hit = m->memo_hit;
    out->job_id = m->job_id ? mf__strdup(m->job_id) : NULL;
    out->job_state = m->job_state ? mf__strdup(m->job_state) : NULL;
    int rc = task_finished(c, flow, run, m->step, m->task_id, &out->finished);
    if (mf__buf_addf(&ps, "%s/%s/%s", run, m->step, m->task_id) == 0)
        out->pathspec = mf__buf_detach(&ps, NULL);
    mf__buf_release(&ps);
    return !rc && out->step && out->task_id && out->status && out->pathspec && (!m->origin || out->origin) &&
                   (!m->job_id || out->job_id) && (!m->job_state || out->job_state)
               ? 0 : MF_ENOMEM;
}

static int tasks_of(mf_client *c, const char *flow, const char *run_id, const char *step, bool check_ns,
                    mf_task_info **tasks, size_t *n)
{
    struct mf_meta_task *list = NULL;
    size_t count = 0, k = 0;
    *tasks = NULL;
    *n = 0;
    int rc = meta_tasks(c, flow, run_id, step, check_ns, &list, &count);
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
    if (step && k == 0) {
        mf__free(out);
        return step_missing(c, flow, run_id, step);
    }
    *tasks = out;
    *n = k;
    return 0;
}

int mf_client_tasks(mf_client *c, const char *flow, const char *run_id, const char *step, mf_task_info **tasks,
                    size_t *n)
{
    return tasks_of(c, flow, run_id, step, true, tasks, n);
}

/* The tasks of RUN/STEP and, in *found, task `task` among them; MF_ENOENT
 * naming the part that does not exist and what does. */
static int lookup_task(mf_client *c, const char *flow, const char *run, const char *step, const char *task,
                       bool check_ns, mf_task_info **infos, size_t *n, const mf_task_info **found)
{
    struct mf_buf have = MF_BUF_INIT;
    *found = NULL;
    int rc = tasks_of(c, flow, run, step, check_ns, infos, n);
    if (rc)
        return rc;
    for (size_t i = 0; i < *n && !*found; i++)
        if (!strcmp((*infos)[i].task_id, task))
            *found = &(*infos)[i];
    if (*found)
        return 0;
    for (size_t i = 0; !rc && i < *n && i < 20; i++)
        rc = mf__buf_addf(&have, "%s%s", i ? ", " : "", (*infos)[i].task_id);
    if (!rc && *n > 20)
        rc = mf__buf_addf(&have, ", ... (%zu in all)", *n);
    if (rc) /* a list with tasks missing would mislead */
        snprintf(c->err, sizeof(c->err), "out of memory");
    else
        snprintf(c->err, sizeof(c->err), "step '%s' of run '%s' of flow '%s' has no task '%s'; its tasks are %s",
                 step, run, flow, task, have.len ? have.buf : "(none)");
    mf__buf_release(&have);
    return rc ? MF_ENOMEM : MF_ENOENT;
}

/* MF_ENOENT for a task that has no artifact index yet, saying how its last
 * attempt stands. */
static int not_finished(mf_client *c, const char *flow, const mf_task_info *info)
{
    char how[96] = "";
    if (info->timed_out)
        snprintf(how, sizeof(how), " (timed out)");
    else if (info->signal > 0)
        snprintf(how, sizeof(how), " (killed by signal %d)", info->signal);
    else if (info->exit_code > 0)
        snprintf(how, sizeof(how), " (exit code %d)", info->exit_code);
    snprintf(c->err, sizeof(c->err), "task '%s' of flow '%s' has not finished: its attempt %d %s%s; a task's "
             "artifacts are visible once it succeeds", info->pathspec, flow, info->attempts - 1,
             !strcmp(info->status, "running") ? "is running" : !strcmp(info->status, "failed") ? "failed"
             : "left no artifacts", how);
    return MF_ENOENT;
}

static void client_task_free(struct client_task *ct)
{
    if (!ct)
        return;
    mf__task_release(&ct->t);
    mf__free((char *)ct->t.rs->run_id);
    mf__free((char *)ct->flow.name);
    mf__free(ct);
}

static int open_task(mf_client *c, struct client_task *ct, const char *flow, const char *run, const char *step,
                     const char *task, struct mf_err *err)
{
    mf_task *t = &ct->t;
    struct mf_buf ps = MF_BUF_INIT;
    t->root = t;
    t->rs->client = true;
    t->readonly = true;
    t->rs->client_err = c->err;
    t->rs->client_err_size = sizeof(c->err);
    t->flow = &ct->flow;
    t->node = MF_NO_NODE;
    ct->flow.name = mf__strdup(flow);
    t->rs->run_id = mf__strdup(run);
    t->step_name = mf__strdup(step);
    t->task_id = mf__strdup(task);
    if (!ct->flow.name || !t->rs->run_id || !t->step_name || !t->task_id ||
        mf__buf_addf(&ps, "%s/%s/%s", run, step, task))
        return mf__err(err, MF_ENOMEM, "out of memory");
    t->pathspec = mf__buf_detach(&ps, NULL);
    int rc = mf__ds_open(c->root, flow, 0, &t->rs->ds, err);
    if (!rc)
        rc = mf__ds_read_index(t->rs->ds, run, step, task, &t->own, err);
    if (rc == MF_ENOENT)
        return mf__err(err, rc, "task '%s' of flow '%s' has no artifacts: it does not exist or has not finished",
                       t->pathspec, flow);
    if (!rc) /* a run made without parameters may have no parameter index */
        rc = mf__ds_read_index(t->rs->ds, run, "_parameters", "0", &t->rs->params, err);
    return rc == MF_ENOENT ? 0 : rc;
}

int mf_client_task(mf_client *c, const char *flow, const char *pathspec, mf_task **out)
{
    char run[160], step[160], task[160];
    struct mf_err err = MF_ERR_INIT;
    mf_task_info *infos = NULL;
    const mf_task_info *info = NULL;
    struct client_task *ct = NULL;
    size_t n = 0;
    *out = NULL;
    int rc = mf__pathspec_parse(pathspec ? pathspec : "", true, run, step, task, sizeof(run), c->err,
                                sizeof(c->err));
    if (rc || (rc = lookup_task(c, flow, run, step, task, true, &infos, &n, &info)) != 0)
        goto out;
    if (!info->finished) {
        rc = not_finished(c, flow, info);
        goto out;
    }
    if (!(ct = mf__calloc(1, sizeof(*ct)))) {
        rc = MF_ENOMEM;
        snprintf(c->err, sizeof(c->err), "out of memory");
        goto out;
    }
    ct->t.rs = &ct->rs;
    mf__index_init(&ct->t.own);
    mf__index_init(&ct->t.rs->params);
    ct->client = c;
    if ((rc = open_task(c, ct, flow, run, step, task, &err)) != 0) {
        snprintf(c->err, sizeof(c->err), "%s", err.msg);
        goto out;
    }
    c->open_tasks++;
    *out = &ct->t;
    ct = NULL;
out:
    client_task_free(ct);
    mf_task_info_free(infos, n);
    return rc;
}

void mf_client_task_close(mf_task *t)
{
    if (!t || t != t->root || !t->rs->client) /* a join input belongs to its task */
        return;
    struct client_task *ct = (struct client_task *)t; /* t is its first member */
    ct->client->open_tasks--;
    client_task_free(ct);
}

char **mf_task_artifact_names(mf_task *t)
{
    char **v = mf__calloc(t->own.n + 1, sizeof(*v));
    for (size_t i = 0, k = 0; v && i < t->own.n; i++) {
        if (t->own.arts[i].name[0] == '_')
            continue; /* the library's own (a card): never a step's artifact */
        if (!(v[k++] = mf__strdup(t->own.arts[i].name))) {
            mf_strv_free(v);
            return NULL;
        }
    }
    return v;
}

/* A task cloned by resume ran nowhere in its own run: its logs are those of
 * the task it was cloned from, which may itself be a clone. Finds the task
 * that really ran (at most MAX_ORIGIN_HOPS clones deep, which no chain of
 * resumes reaches by accident; a longer one is a loop in damaged metadata)
 * and rewrites run/step/task to it. An attempt asked of a clone means the
 * origin's last, successful one. */
#define MAX_ORIGIN_HOPS 64
static int follow_origin(mf_client *c, const char *flow, char *run, char *step, char *task, size_t cap,
                         int *attempt, mf_task_info **infos, size_t *n, const mf_task_info **info)
{
    for (int hops = 0; (*info)->origin; hops++) {
        char origin[480];
        if (hops == MAX_ORIGIN_HOPS) {
            snprintf(c->err, sizeof(c->err), "task '%s' was cloned from a chain of more than %d tasks: the metadata "
                     "is damaged", (*info)->pathspec, MAX_ORIGIN_HOPS);
            return MF_ECORRUPT;
        }
        snprintf(origin, sizeof(origin), "%s", (*info)->origin);
        mf_task_info_free(*infos, *n);
        *infos = NULL;
        *n = 0;
        int rc = mf__pathspec_parse(origin, true, run, step, task, cap, c->err, sizeof(c->err));
        if (!rc)
            rc = lookup_task(c, flow, run, step, task, false, infos, n, info);
        if (rc)
            return rc;
        *attempt = -1;
    }
    return 0;
}

int mf_client_logs(mf_client *c, const char *flow, const char *pathspec, const char *stream, int attempt,
                   char **text, size_t *len)
{
    char run[160], step[160], task[160];
    struct mf_err err = MF_ERR_INIT;
    struct mf_buf path = MF_BUF_INIT, out = MF_BUF_INIT;
    struct mf_ds *ds = NULL;
    mf_task_info *infos = NULL;
    const mf_task_info *info = NULL;
    size_t n = 0;
    *text = NULL;
    if (len)
        *len = 0;
    int rc = mf__pathspec_parse(pathspec ? pathspec : "", true, run, step, task, sizeof(run), c->err,
                                sizeof(c->err));
    if (rc)
        goto out;
    if (!stream || (strcmp(stream, "stdout") && strcmp(stream, "stderr"))) {
        rc = MF_EINVAL;
        snprintf(c->err, sizeof(c->err), "unknown log stream '%s': use stdout or stderr", stream ? stream : "(null)");
        goto out;
    }
    if (attempt < -1) {
        rc = MF_EINVAL;
        snprintf(c->err, sizeof(c->err), "invalid attempt %d: attempts count from 0, and -1 means the last", attempt);
        goto out;
    }
    if ((rc = lookup_task(c, flow, run, step, task, true, &infos, &n, &info)) != 0)
        goto out;
    if (attempt >= info->attempts) {
        rc = MF_ENOENT;
        snprintf(c->err, sizeof(c->err), "task '%s' has no attempt %d: it has %d (attempts count from 0)", pathspec,
                 attempt, info->attempts);
        goto out;
    }
    if ((rc = follow_origin(c, flow, run, step, task, sizeof(run), &attempt, &infos, &n, &info)) != 0)
        goto out;
    if ((rc = mf__ds_open(c->root, flow, 0, &ds, &err)) != 0 ||
        (rc = mf__ds_log_path(ds, run, step, task, attempt < 0 ? info->attempts - 1 : attempt, stream, &path)) != 0) {
        snprintf(c->err, sizeof(c->err), "%s", err.msg[0] ? err.msg : "out of memory");
        goto out;
    }
    rc = mf__read_file(path.buf, &out, &err);
    if (rc == MF_ENOENT) /* a stream that printed nothing leaves no file */
        rc = 0;
    if (rc) {
        snprintf(c->err, sizeof(c->err), "%s", err.msg);
        goto out;
    }
    size_t size = 0;
    if (!(*text = mf__buf_detach(&out, &size))) {
        rc = MF_ENOMEM;
        snprintf(c->err, sizeof(c->err), "out of memory");
        goto out;
    }
    if (len)
        *len = size;
out:
    mf__buf_release(&path);
    mf__buf_release(&out);
    mf__ds_close(ds);
    mf_task_info_free(infos, n);
    return rc;
}
