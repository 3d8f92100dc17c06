/* SPDX-License-Identifier: Apache-2.0 */
/*
 * task_current.c - the parts of Metaflow's `current` that are not the
 * task's own identity: the run's user, namespace, origin run and tags (read
 * from the run's record in the metadata on first use, so a task that never
 * asks opens no database), the parameter names and the foreach stack (from
 * the task's split stack). Kept on the root handle until the step returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_impl.h"
#include "meta.h"
#include "task_impl.h"
#include "util/alloc.h"

struct mf_current {
    bool run_read;
    char *user, *ns, *origin;
    char **tags; /* user + system, sorted, NULL-terminated */
    bool params_made;
    char **params;
    bool stack_made;
    mf_foreach_frame *frames;
    size_t nframes;
    char **frame_steps; /* owns frames[i].step */
};

void mf__current_free(struct mf_current *c)
{
    if (!c)
        return;
    mf__free(c->user);
    mf__free(c->ns);
    mf__free(c->origin);
    mf_strv_free(c->tags);
    mf_strv_free(c->params);
    mf__free(c->frames);
    mf_strv_free(c->frame_steps);
    mf__free(c);
}

static struct mf_current *current_of(mf_task *t)
{
    struct mf_task *root = t->root;
    if (!root->rs->current && !(root->rs->current = mf__calloc(1, sizeof(*root->rs->current))))
        mf__task_error(t, "out of memory");
    return root->rs->current;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The run's user and system tags as one sorted NULL-terminated array. */
static char **all_tags(const struct mf_meta_run *r)
{
    char **v = mf__calloc(r->ntags + r->nsys_tags + 1, sizeof(*v));
    size_t n = 0;
    for (size_t i = 0; v && i < r->ntags + r->nsys_tags; i++) {
        const char *s = i < r->ntags ? r->tags[i] : r->sys_tags[i - r->ntags];
        if (!(v[n++] = mf__strdup(s))) {
            mf_strv_free(v);
            return NULL;
        }
    }
    if (v)
        qsort(v, n, sizeof(*v), cmp_str);
    return v;
}

static int fill_run(struct mf_current *c, const struct mf_meta_run *r)
{
    const char *user = r->user ? r->user : "unknown";
    c->user = mf__strdup(user);
    c->ns = mf__strf("user:%s", user);
    c->origin = r->origin_run_id ? mf__strdup(r->origin_run_id) : NULL;
    c->tags = all_tags(r);
    if (!c->user || !c->ns || (r->origin_run_id && !c->origin) || !c->tags)
        return MF_ENOMEM;
    return 0;
}

/* Reads the run's record once: through the client's metadata for a client
 * handle, else from ROOT/metadata.db opened read-only for this call. */
static struct mf_current *run_record(mf_task *t)
{
    struct mf_task *root = t->root;
    struct mf_current *c = current_of(t);
    if (!c || c->run_read)
        return c;
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta *own = NULL, *m = NULL;
    struct mf_meta_run r;
    memset(&r, 0, sizeof(r));
    int rc = 0;
    if (root->rs->client)
        m = ((struct client_task *)root)->client->meta;
    else if ((rc = mf__meta_open(root->rs->args->root, true, &own, &err)) == 0)
        m = own;
    if (!rc)
        rc = mf__meta_run(m, root->flow->name, root->rs->run_id, &r, &err);
    if (!rc && fill_run(c, &r))
        rc = mf__err(&err, MF_ENOMEM, "out of memory");
    mf__meta_run_release(&r);
    mf__meta_close(own);
    if (rc) {
        mf__free(c->user);
        mf__free(c->ns);
        mf__free(c->origin);
        mf_strv_free(c->tags);
        c->user = c->ns = c->origin = NULL;
        c->tags = NULL;
        mf__task_error(t, "cannot read the record of run '%s' (its user, origin and tags): %s", root->rs->run_id,
                       err.msg);
        return NULL;
    }
    c->run_read = true;
    return c;
}

const char *mf_username(mf_task *t)
{
    struct mf_current *c = run_record(t);
    return c ? c->user : NULL;
}

const char *mf_namespace(mf_task *t)
{
    struct mf_current *c = run_record(t);
    return c ? c->ns : NULL;
}

const char *mf_origin_run_id(mf_task *t)
{
    struct mf_current *c = run_record(t);
    return c ? c->origin : NULL;
}

const char *const *mf_run_tags(mf_task *t)
{
    struct mf_current *c = run_record(t);
    return c ? (const char *const *)c->tags : NULL;
}

/* The names in the run's parameter record, which holds every parameter
 * (those without a value as null), sorted as the index keeps them. */
const char *const *mf_parameter_names(mf_task *t)
{
    struct mf_current *c = current_of(t);
    if (!c)
        return NULL;
    if (c->params_made)
        return (const char *const *)c->params;
    const struct mf_index *p = &t->root->rs->params;
    char **v = mf__calloc(p->n + 1, sizeof(*v));
    for (size_t i = 0; v && i < p->n; i++)
        if (!(v[i] = mf__strdup(p->arts[i].name))) {
            mf_strv_free(v);
            v = NULL;
        }
    if (!v) {
        mf__task_error(t, "out of memory");
        return NULL;
    }
    c->params = v;
    c->params_made = true;
    return (const char *const *)v;
}

/* Whether the split frame `f` was made by a foreach: from the graph in a
 * step; a client handle has none, so it reads the split task's index. */
static int frame_is_foreach(mf_task *t, const struct mf_frame *f, bool *yes)
{
    struct mf_task *root = t->root;
    if (root->g) {
        size_t node = mf__graph_find(root->g, f->step);
        *yes = node != MF_NO_NODE && root->g->nodes[node].kind == MF_NODE_FOREACH;
        return 0;
    }
    char id[32];
    struct mf_index ix;
    struct mf_err err = MF_ERR_INIT;
    snprintf(id, sizeof(id), "%llu", (unsigned long long)f->task);
    mf__index_init(&ix);
    int rc = mf__ds_read_index(root->rs->ds, root->rs->run_id, f->step, id, &ix, &err);
    *yes = !rc && ix.num_splits >= 0;
    mf__index_release(&ix);
    if (rc)
        mf__task_error(t, "cannot read split task '%s/%s/%s': %s", root->rs->run_id, f->step, id, err.msg);
    return rc;
}

/* Pops frames off a copy of the stack, keeping the foreach ones, and lays
 * them out outermost first. */
static int make_frames(mf_task *t, struct mf_current *c, const char *stack)
{
    struct mf_err err = MF_ERR_INIT;
    size_t len = strlen(stack), n = 0;
    for (const char *p = stack; *p; p++)
        n += *p == ',';
    n += len > 0;
    c->frames = mf__calloc(n + 1, sizeof(*c->frames));
    c->frame_steps = mf__calloc(n + 1, sizeof(*c->frame_steps));
    if (!c->frames || !c->frame_steps) {
        mf__task_error(t, "out of memory");
        return MF_ENOMEM;
    }
    size_t k = n; /* filled from the end: the innermost frame comes off first */
    while (len) {
        char *copy = mf__strndup(stack, len);
        struct mf_frame f;
        bool fe = false;
        int rc = copy ? mf__stack_top(copy, &f, &len, &err) : MF_ENOMEM;
        mf__free(copy);
        if (rc) {
            mf__task_error(t, "its split stack '%s' does not read: %s", stack,
                           rc == MF_ENOMEM ? "out of memory" : err.msg);
            return rc;
        }
        if ((rc = frame_is_foreach(t, &f, &fe)) != 0)
            return rc;
        if (!fe)
            continue;
        k--;
        if (!(c->frame_steps[k] = mf__strdup(f.step))) {
            mf__task_error(t, "out of memory");
            return MF_ENOMEM;
        }
        c->frames[k] = (mf_foreach_frame){ c->frame_steps[k], f.index, f.count };
    }
    /* move the kept frames (at k..n-1) to the front */
    c->nframes = n - k;
    memmove(c->frames, c->frames + k, c->nframes * sizeof(*c->frames));
    memmove(c->frame_steps, c->frame_steps + k, c->nframes * sizeof(*c->frame_steps));
    for (size_t i = c->nframes; i < n; i++)
        c->frame_steps[i] = NULL;
    return 0;
}

size_t mf_foreach_stack(mf_task *t, const mf_foreach_frame **frames)
{
    struct mf_current *c = current_of(t);
    if (frames)
        *frames = NULL;
    if (!c)
        return 0;
    if (!c->stack_made) {
        const char *stack = t->root->rs->client ? mf__task_index(t->root)->stack : t->root->rs->args->stack;
        if (make_frames(t, c, stack ? stack : "")) {
            mf__free(c->frames);
            mf_strv_free(c->frame_steps);
            c->frames = NULL;
            c->frame_steps = NULL;
            c->nframes = 0;
            return 0;
        }
        c->stack_made = true;
    }
    if (frames)
        *frames = c->frames;
    return c->nframes;
}
