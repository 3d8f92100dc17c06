/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_join.c - the runtime graph of a run as the client reads it: a
 * client task handle's join inputs (mf_join_count/input/branch answer as in
 * the join step), and any task's parents and children
 * (mf_client_task_parents/children). A task's parents are the input paths
 * its index records (format version 3), else those the scheduler recorded
 * in the run metadata (stores written before version 3); its children are
 * the tasks whose recorded input paths name it. Nothing here needs the flow
 * program: a client has no graph.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_impl.h"
#include "util/alloc.h"

int mf__client_meta_inputs(mf_client *c, const char *flow, const char *run, const char *step, const char *task,
                           char **out)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_task *list = NULL;
    size_t n = 0;
    const char *found = "";
    *out = NULL;
    int rc = mf__meta_tasks(c->meta, flow, run, step, &list, &n, &err);
    if (rc)
        return mf__client_fail(c, rc, "%s", err.msg);
    for (size_t i = 0; i < n; i++) /* rows by task then attempt: the last match is the last attempt */
        if (!strcmp(list[i].task_id, task))
            found = list[i].input_paths ? list[i].input_paths : "";
    *out = mf__strdup(found);
    for (size_t i = 0; i < n; i++)
        mf__meta_task_release(&list[i]);
    mf__free(list);
    return *out ? 0 : mf__client_fail(c, MF_ENOMEM, "out of memory");
}

/* Frames of a split stack ("" has none). */
static size_t frames(const char *stack)
{
    size_t n = stack && *stack ? 1 : 0;
    for (const char *p = stack; p && *p; p++)
        n += *p == ',';
    return n;
}

/* The message for a task whose inputs are recorded nowhere: the start step
 * has none; any other task's predate format version 3 and were lost with
 * the metadata (a rebuilt database). */
static int no_inputs(mf_client *c, const char *run, const char *step, const char *task)
{
    if (!strcmp(step, "start"))
        return mf__client_fail(c, MF_ENOENT, "task '%s/%s/%s' is the start step's: it has no inputs", run, step, task);
    return mf__client_fail(c, MF_ENOENT,
                           "the inputs of task '%s/%s/%s' are not recorded: its index was written before format "
                           "version 3 (an older metaflow-c) and the run metadata has none (it was rebuilt)",
                           run, step, task);
}

/* The input paths of a task: its index's, else the run metadata's; "" for
 * none. *from says which. The caller frees *out. */
static int task_inputs(mf_client *c, const char *flow, const char *run, const char *step, const char *task,
                       const struct mf_index *own, char **out, const char **from)
{
    *from = "index";
    if (own && own->inputs)
        return (*out = mf__strdup(own->inputs)) ? 0 : mf__client_fail(c, MF_ENOMEM, "out of memory");
    *from = "run metadata";
    return mf__client_meta_inputs(c, flow, run, step, task, out);
}

static int add_view(void *arg, const char *step, size_t step_len, uint64_t id)
{
    mf_task *root = arg, *v = NULL;
    if (MF_GROW(root->rs->inputs, root->rs->inputs_cap, root->rs->ninputs + 1) ||
        mf__task_view_new(root, step, step_len, id, &v))
        return MF_ENOMEM;
    root->rs->inputs[root->rs->ninputs++] = v;
    return 0;
}

static void drop_views(mf_task *root)
{
    for (size_t i = 0; i < root->rs->ninputs; i++)
        mf__task_view_free(root->rs->inputs[i]);
    root->rs->ninputs = 0;
    root->rs->nresident = 0;
}

/* Whether the handle's task closes a split: its inputs (the first one will
 * do: they share a depth) are one split frame deeper than itself. Several
 * inputs always make a join. 1, 0, or -1 when the input's index does not
 * read (reported). */
static int closes_split(mf_task *root)
{
    if (root->rs->ninputs > 1)
        return 1;
    const struct mf_index *in = mf__task_index(root->rs->inputs[0]);
    if (root->rs->inputs[0]->index_bad)
        return -1;
    return frames(in->stack) > frames(root->own.stack);
}

int mf__client_join_inputs(mf_task *t, const char *what)
{
    mf_task *root = t->root;
    struct client_task *ct = (struct client_task *)root;
    mf_client *c = ct->client;
    struct mf_err err = MF_ERR_INIT;
    char *paths = NULL;
    if (t != root) {
        mf__task_error(t, "%s of a join input: open that task with mf_client_task() and ask it", what);
        return MF_EINVAL;
    }
    if (root->rs->inputs_made)
        return 0;
    int rc = task_inputs(c, ct->flow.name, root->rs->run_id, root->step_name, root->task_id, &root->own, &paths,
                         &root->rs->inputs_from);
    if (!rc && !*paths)
        rc = no_inputs(c, root->rs->run_id, root->step_name, root->task_id);
    if (rc) /* c->err is the handle's message buffer: said */
        goto out;
    if ((rc = mf__input_paths_each(paths, add_view, root, &err)) != 0) {
        mf__task_error(t, "%s: its input paths '%s' (from its %s) do not read: %s", what, paths, root->rs->inputs_from,
                       rc == MF_ENOMEM ? "out of memory" : err.msg);
        goto out;
    }
    int join = closes_split(root);
    if (join == 0)
        mf__task_error(t, "%s is for a join, and step '%s' is not one: its one input is '%s'; "
                       "mf_client_task_parents() gives any task's inputs", what, root->step_name,
                       root->rs->inputs[0]->pathspec);
    rc = join == 1 ? 0 : MF_EINVAL;
out:
    if (rc)
        drop_views(root);
    root->rs->inputs_made = !rc;
    mf__free(paths);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Parents and children                                               */
/* ------------------------------------------------------------------ */

struct strv {
    char **v; /* NULL-terminated once started */
    size_t n, cap;
};

/* An empty NULL-terminated array: what a task without parents or children gets. */
static int strv_start(struct strv *s)
{
    s->n = 0;
    s->cap = 1;
    s->v = mf__calloc(1, sizeof(*s->v));
    return s->v ? 0 : MF_ENOMEM;
}

static int strv_push(struct strv *s, char *str)
{
    if (!str || MF_GROW(s->v, s->cap, s->n + 2)) {
        mf__free(str);
        return MF_ENOMEM;
    }
    s->v[s->n++] = str;
    s->v[s->n] = NULL;
    return 0;
}

struct parents_ctx {
    const char *run;
    struct strv out;
};

static int add_parent(void *arg, const char *step, size_t step_len, uint64_t id)
{
    struct parents_ctx *p = arg;
    return strv_push(&p->out, mf__strf("%s/%.*s/%" PRIu64, p->run, (int)step_len, step, id));
}

/* Checks a pathspec and that its task exists (its metadata rows). */
static int known_task(mf_client *c, const char *flow, const char *pathspec, char *run, char *step, char *task,
                      size_t size)
{
    mf_task_info *infos = NULL;
    size_t n = 0;
    bool found = false;
    int rc = mf__pathspec_parse(pathspec ? pathspec : "", true, run, step, task, size, c->err, sizeof(c->err));
    if (rc || (rc = mf_client_tasks(c, flow, run, step, &infos, &n)) != 0)
        return rc;
    for (size_t i = 0; i < n && !found; i++)
        found = !strcmp(infos[i].task_id, task);
    mf_task_info_free(infos, n);
    return found ? 0 : mf__client_fail(c, MF_ENOENT, "step '%s' of run '%s' of flow '%s' has no task '%s'", step, run,
                                       flow, task);
}

int mf_client_task_parents(mf_client *c, const char *flow, const char *pathspec, char ***out)
{
    char run[160], step[160], task[160];
    struct mf_err err = MF_ERR_INIT;
    struct mf_index ix;
    struct mf_ds *ds = NULL;
    struct parents_ctx p = { run, { NULL, 0, 0 } };
    char *paths = NULL;
    const char *from = NULL;
    *out = NULL;
    mf__index_init(&ix);
    int rc = known_task(c, flow, pathspec, run, step, task, sizeof(run));
    if (rc)
        goto out;
    /* a task that did not finish has no index: the metadata has its inputs */
    if ((rc = mf__ds_open(c->root, flow, 0, &ds, &err)) == 0)
        rc = mf__ds_read_index(ds, run, step, task, &ix, &err);
    if (rc && rc != MF_ENOENT) {
        rc = mf__client_fail(c, rc, "%s", err.msg);
        goto out;
    }
    if ((rc = task_inputs(c, flow, run, step, task, &ix, &paths, &from)) != 0)
        goto out;
    if (!*paths && strcmp(step, "start")) {
        rc = no_inputs(c, run, step, task);
        goto out;
    }
    if ((rc = strv_start(&p.out)) != 0)
        goto out;
    if ((rc = mf__input_paths_each(paths, add_parent, &p, &err)) != 0) {
        rc = mf__client_fail(c, rc == MF_ENOMEM ? MF_ENOMEM : MF_ECORRUPT, "the input paths of task '%s' in its %s "
                             "do not read: %s", pathspec, from, rc == MF_ENOMEM ? "out of memory" : err.msg);
        goto out;
    }
    *out = p.out.v;
    p.out.v = NULL;
out:
    mf_strv_free(p.out.v);
    mf__free(paths);
    mf__index_release(&ix);
    mf__ds_close(ds);
    return rc == MF_ENOMEM ? mf__client_fail(c, rc, "out of memory") : rc;
}

/* Whether the input paths `paths` ("STEP/FIRST[-LAST],...") name task
 * STEP/ID, without expanding ranges (a foreach join names its N inputs in
 * one). Malformed entries name nothing. */
static bool names_task(const char *paths, const char *step, uint64_t id)
{
    size_t len = strlen(step);
    for (const char *p = paths; p && *p;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        if ((size_t)(end - p) > len + 1 && !strncmp(p, step, len) && p[len] == '/') {
            char *e = NULL;
            errno = 0;
            unsigned long long first = strtoull(p + len + 1, &e, 10), last = first;
            if (!errno && e && *e == '-')
                last = strtoull(e + 1, &e, 10);
            if (!errno && e == end && first <= id && id <= last)
                return true;
        }
        p = comma ? comma + 1 : end;
    }
    return false;
}

int mf_client_task_children(mf_client *c, const char *flow, const char *pathspec, char ***out)
{
    char run[160], step[160], task[160];
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_task *list = NULL;
    struct strv kids = { NULL, 0, 0 };
    size_t n = 0;
    *out = NULL;
    int rc = known_task(c, flow, pathspec, run, step, task, sizeof(run));
    if (rc)
        return rc;
    if ((rc = mf__meta_tasks(c->meta, flow, run, NULL, &list, &n, &err)) != 0)
        return mf__client_fail(c, rc, "%s", err.msg);
    uint64_t id = strtoull(task, NULL, 10);
    rc = strv_start(&kids);
    for (size_t i = 0; !rc && i < n; i++) {
        const struct mf_meta_task *r = &list[i];
        bool last = i + 1 == n || strcmp(list[i + 1].task_id, r->task_id) || strcmp(list[i + 1].step, r->step);
        if (!last)
            continue;
        if ((!r->input_paths || !*r->input_paths) && strcmp(r->step, "start"))
            rc = no_inputs(c, run, r->step, r->task_id); /* the graph is not recorded: no list would be right */
        else if (names_task(r->input_paths, step, id))
            rc = strv_push(&kids, mf__strf("%s/%s/%s", run, r->step, r->task_id));
    }
    for (size_t i = 0; i < n; i++)
        mf__meta_task_release(&list[i]);
    mf__free(list);
    if (rc) {
        mf_strv_free(kids.v);
        return rc == MF_ENOMEM ? mf__client_fail(c, rc, "out of memory") : rc;
    }
    *out = kids.v;
    return 0;
}
