/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime_resume.c - resume: a task is cloned (its index copied, its code
 * not run) when the same task - same step, same position in every split
 * around it - succeeded in the origin run and every task it depends on was
 * cloned too. Everything else runs again. The origin's successful tasks are
 * found by their indexes, the datastore's own record of success: a step's
 * are read when its first task is ready to be cloned, not all up front, so
 * cloning starts at once and the steps resume runs again are never read.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_impl.h"
#include "util/alloc.h"
#include "util/buf.h"

static int cmp_origin(const void *a, const void *b)
{
    return strcmp(((const struct origin_task *)a)->key, ((const struct origin_task *)b)->key);
}

static int add_origin(struct sched *s, struct origin_step *os, size_t *cap, const char *step, const char *task_id,
                      struct mf_err *err)
{
    struct mf_index ix;
    struct mf_err why = MF_ERR_INIT;
    int rc = mf__ds_read_index(s->ds, s->o->origin_run_id, step, task_id, &ix, &why);
    if (rc == MF_ECORRUPT) /* said, because the user may wonder why it runs again */
        mf__console_say(s->con, MF_CON_ERROR, "warning: not reusing task '%s/%s/%s': %s", s->o->origin_run_id, step,
                        task_id, why.msg);
    if (rc) /* no index: that task did not succeed; a corrupt one is not reused */
        return 0;
    char *pos = mf__position_key(step, ix.stack ? ix.stack : "");
    char *key = pos ? mf__strf("%s#%" PRId64, pos, ix.pass) : NULL;
    mf__free(pos);
    char *id = mf__strdup(task_id);
    mf__index_release(&ix);
    if (!key || !id || MF_GROW(os->tasks, *cap, os->n + 1)) {
        mf__free(key);
        mf__free(id);
        return mf__err(err, MF_ENOMEM, "out of memory");
    }
    os->tasks[os->n].key = key;
    os->tasks[os->n++].task_id = id;
    return 0;
}

/* Reads the origin's successful tasks of node `node`'s step, once. */
static int scan_origin_step(struct sched *s, size_t node, struct mf_err *err)
{
    struct origin_step *os = &s->origin[node];
    const char *step = s->g->nodes[node].name;
    struct mf_buf dir = MF_BUF_INIT;
    size_t cap = 0;
    if (os->scanned)
        return 0;
    os->scanned = true;
    int rc = mf__buf_addf(&dir, "%s/%s/%s/%s", mf__ds_root(s->ds), mf__ds_flow(s->ds), s->o->origin_run_id, step);
    DIR *d = rc ? NULL : opendir(dir.buf);
    struct dirent *e;
    while (d && !rc && (e = readdir(d)) != NULL)
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
            rc = add_origin(s, os, &cap, step, e->d_name, err);
    if (d)
        closedir(d);
    mf__buf_release(&dir);
    /* A step with no successful task has no array: qsort/bsearch must not
     * be given a null one. */
    if (!rc && os->n > 1)
        qsort(os->tasks, os->n, sizeof(*os->tasks), cmp_origin);
    return rc;
}

/* Nodes from `from` onward, following every edge. */
static void mark_rerun(struct sched *s, size_t from)
{
    if (s->rerun[from])
        return;
    s->rerun[from] = true;
    for (size_t i = 0; i < s->g->nodes[from].nout; i++)
        mark_rerun(s, s->g->nodes[from].out[i]);
}

int mf__resume_prepare(struct sched *s, struct mf_err *err)
{
    if (!s->o->origin_run_id)
        return 0;
    s->rerun = mf__calloc(s->g->n, sizeof(*s->rerun));
    s->origin = mf__calloc(s->g->n, sizeof(*s->origin));
    if (!s->rerun || !s->origin)
        return mf__err(err, MF_ENOMEM, "out of memory");
    if (s->o->resume_step) {
        size_t node = mf__graph_find(s->g, s->o->resume_step);
        if (node == MF_NO_NODE)
            return mf__err(err, MF_EINVAL, "'%s' is not a step of flow '%s'", s->o->resume_step, s->flow->name);
        mark_rerun(s, node);
    }
    return mf__ds_open(mf__ds_root(s->ds), s->flow->name, 0, &s->clone_ds, err);
}

void mf__resume_release(struct sched *s)
{
    for (size_t n = 0; s->origin && n < s->g->n; n++) {
        for (size_t i = 0; i < s->origin[n].n; i++) {
            mf__free(s->origin[n].tasks[i].key);
            mf__free(s->origin[n].tasks[i].task_id);
        }
        mf__free(s->origin[n].tasks);
    }
    mf__free(s->origin);
    mf__free(s->rerun);
    mf__ds_close(s->clone_ds);
}

/* Copies the origin's index under the new task's id and stack. Written
 * without fdatasync: it is a copy of a durable index, and after a power loss
 * the worst case is that resume clones it again. */
static int clone_index(struct sched *s, const struct stask *t, const char *origin_id, struct mf_outcome *o,
                       struct mf_err *err)
{
    struct mf_index ix;
    int rc = mf__ds_read_index(s->ds, s->o->origin_run_id, s->g->nodes[t->node].name, origin_id, &ix, err);
    if (rc)
        return rc;
    /* a clone of a task whose object is missing or corrupt would fail its
     * successors; running it again stores the object anew */
    rc = mf__ds_objects_ok(s->clone_ds, &ix, err);
    if (!rc)
        rc = mf__clone_write(s, t, s->clone_ds, &ix, o, err);
    mf__index_release(&ix);
    return rc;
}

int mf__clone_write(struct sched *s, const struct stask *t, struct mf_ds *ds, struct mf_index *ix,
                    struct mf_outcome *o, struct mf_err *err)
{
    char id[32];
    snprintf(id, sizeof(id), "%" PRIu64, t->id);
    int rc = mf__outcome_of(s, t, ix, o, err);
    mf__free(ix->stack);
    ix->stack = mf__strdup(t->stack);
    ix->attempt = 0;
    ix->pass = t->pass;
    /* its parents are this run's tasks; what it ran over and caught is the origin's */
    if (!rc && mf__index_set_graph(ix, t->inputs, ix->foreach, ix->caught))
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    if (!rc)
        rc = ix->stack ? mf__ds_write_index(ds, s->run_id, s->g->nodes[t->node].name, id, ix, err)
                       : mf__err(err, MF_ENOMEM, "out of memory");
    return rc;
}

/* The origin run's task at t's place into *hit, NULL if none (or `t` must
 * run); reads the origin's indexes of t's step the first time one is asked. */
static int origin_of(struct sched *s, const struct stask *t, struct origin_task **hit, struct mf_err *err)
{
    *hit = NULL;
    if (!s->origin || !t->inputs_cloned || s->rerun[t->node] || t->attempt > 0)
        return 0;
    int rc = scan_origin_step(s, t->node, err);
    const struct origin_step *os = &s->origin[t->node];
    if (rc || os->n == 0)
        return rc;
    char *pos = mf__position_key(s->g->nodes[t->node].name, t->stack);
    struct origin_task probe = { pos ? mf__strf("%s#%" PRId64, pos, t->pass) : NULL, NULL };
    mf__free(pos);
    if (!probe.key)
        return mf__err(err, MF_ENOMEM, "out of memory");
    *hit = bsearch(&probe, os->tasks, os->n, sizeof(*os->tasks), cmp_origin);
    mf__free(probe.key);
    return 0;
}

bool mf__resume_gang_clonable(struct sched *s, const struct gang *g)
{
    struct origin_task *hit;
    for (size_t r = 0; r < g->n; r++)
        if (origin_of(s, g->members[r], &hit, NULL) != 0 || !hit)
            return false;
    return true;
}

int mf__resume_try_clone(struct sched *s, struct stask *t, struct mf_err *err)
{
    struct origin_task *hit;
    if (t->gang && !mf__resume_gang_clonable(s, t->gang))
        return 0;
    int rc = origin_of(s, t, &hit, err);
    if (rc)
        return rc;
    if (!hit)
        return 0;
    const char *step = s->g->nodes[t->node].name;
    struct mf_outcome outcome;
    char origin[256];
    snprintf(origin, sizeof(origin), "%s/%s/%s", s->o->origin_run_id, step, hit->task_id);
    rc = clone_index(s, t, hit->task_id, &outcome, err);
    if (rc == MF_ECORRUPT) { /* run it instead, saying why (stderr: even with --quiet) */
        mf__console_say(s->con, MF_CON_ERROR, "[%s/%s/%" PRIu64 "] not cloned from %s, running it again: %s", s->run_id,
                        step, t->id, origin, err ? err->msg : "an object it names is missing or corrupt");
        return 0;
    }
    if (rc)
        return rc;
    t->cloned = true;
    s->cloned++;
    mf__meta_task_done(s, t, NULL, "succeeded", origin);
    mf__console_task_cloned(s->con, t->node);
    mf__console_say(s->con, MF_CON_TASK, "[%s/%s/%" PRIu64 "] cloned from %s", s->run_id, step, t->id, origin);
    rc = mf__schedule_successors(s, t, &outcome, err);
    if (!t->gang) /* a gang's records are its own */
        mf__stask_free(t);
    return rc ? rc : 1;
}

int mf__resume_copy_params(struct sched *s, struct mf_err *err)
{
    struct mf_index ix;
    int rc = mf__ds_read_index(s->ds, s->o->origin_run_id, "_parameters", "0", &ix, err);
    if (rc)
        return rc;
    rc = mf__ds_write_index(s->ds, s->run_id, "_parameters", "0", &ix, err);
    mf__index_release(&ix);
    return rc;
}
