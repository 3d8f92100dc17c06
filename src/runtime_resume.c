/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime_resume.c - resume: a task is cloned (its index copied, its code
 * not run) when the same task - same step, same position in every split
 * around it - succeeded in the origin run and every task it depends on was
 * cloned too. Everything else runs again. The origin's successful tasks are
 * found by their indexes, the datastore's own record of success.
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

static int add_origin(struct sched *s, size_t *cap, const char *step, const char *task_id, struct mf_err *err)
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
    if (!key || !id || MF_GROW(s->origin, *cap, s->norigin + 1)) {
        mf__free(key);
        mf__free(id);
        return mf__err(err, MF_ENOMEM, "out of memory");
    }
    s->origin[s->norigin].key = key;
    s->origin[s->norigin++].task_id = id;
    return 0;
}

static int scan_origin_step(struct sched *s, size_t *cap, const char *step, struct mf_err *err)
{
    struct mf_buf dir = MF_BUF_INIT;
    int rc = mf__buf_addf(&dir, "%s/%s/%s/%s", mf__ds_root(s->ds), mf__ds_flow(s->ds), s->o->origin_run_id, step);
    DIR *d = rc ? NULL : opendir(dir.buf);
    struct dirent *e;
    while (d && !rc && (e = readdir(d)) != NULL)
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
            rc = add_origin(s, cap, step, e->d_name, err);
    if (d)
        closedir(d);
    mf__buf_release(&dir);
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
    size_t cap = 0;
    if (!s->o->origin_run_id)
        return 0;
    s->rerun = mf__calloc(s->g->n, sizeof(*s->rerun));
    if (!s->rerun)
        return mf__err(err, MF_ENOMEM, "out of memory");
    if (s->o->resume_step) {
        size_t node = mf__graph_find(s->g, s->o->resume_step);
        if (node == MF_NO_NODE)
            return mf__err(err, MF_EINVAL, "'%s' is not a step of flow '%s'", s->o->resume_step, s->flow->name);
        mark_rerun(s, node);
    }
    for (size_t i = 0; i < s->g->n; i++) {
        int rc = scan_origin_step(s, &cap, s->g->nodes[i].name, err);
        if (rc)
            return rc;
    }
    /* An origin that failed in its first step has no task: s->origin is
     * NULL, and qsort/bsearch must not be given a null array. */
    if (s->norigin > 1)
        qsort(s->origin, s->norigin, sizeof(*s->origin), cmp_origin);
    return mf__ds_open(mf__ds_root(s->ds), s->flow->name, 0, &s->clone_ds, err);
}

void mf__resume_release(struct sched *s)
{
    for (size_t i = 0; i < s->norigin; i++) {
        mf__free(s->origin[i].key);
        mf__free(s->origin[i].task_id);
    }
    mf__free(s->origin);
    mf__free(s->rerun);
    mf__ds_close(s->clone_ds);
}

/* A task is cloned only when every object its index names is there and
 * verifies: a clone of a task whose object is missing or corrupt would fail
 * its successors, and running it again stores the object anew (a put
 * replaces a corrupt object). MF_ECORRUPT (the object's message) when one
 * is not; the check costs one read of each object, at hashing speed. */
static int objects_ok(struct sched *s, const struct mf_index *ix, struct mf_err *err)
{
    for (size_t i = 0; i < ix->n; i++) {
        if (ix->arts[i].inline_data)
            continue; /* checked with the index */
        int rc = mf__cas_verify(mf__ds_cas(s->clone_ds), ix->arts[i].hash, NULL, err);
        if (rc == MF_ENOENT || rc == MF_ECORRUPT) {
            char *advice = err ? strstr(err->msg, "; " MF_CAS_FIX) : NULL;
            if (advice) /* that advice is what is being done */
                *advice = '\0';
            mf__err_prefix(err, "its artifact '%s': ", ix->arts[i].name);
            return MF_ECORRUPT;
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* Copies the origin's index under the new task's id and stack. Written
 * without fdatasync: it is a copy of a durable index, and after a power loss
 * the worst case is that resume clones it again. */
static int clone_index(struct sched *s, const struct stask *t, const char *origin_id, struct mf_outcome *o,
                       struct mf_err *err)
{
    char id[32];
    const char *step = s->g->nodes[t->node].name;
    struct mf_index ix;
    snprintf(id, sizeof(id), "%" PRIu64, t->id);
    int rc = mf__ds_read_index(s->ds, s->o->origin_run_id, step, origin_id, &ix, err);
    if (rc)
        return rc;
    if ((rc = objects_ok(s, &ix, err)) != 0) {
        mf__index_release(&ix);
        return rc;
    }
    rc = mf__outcome_of(s, t, &ix, o, err);
    mf__free(ix.stack);
    ix.stack = mf__strdup(t->stack);
    ix.attempt = 0;
    ix.pass = t->pass;
    /* its parents are this run's tasks; what it ran over and caught is the origin's */
    if (!rc && mf__index_set_graph(&ix, t->inputs, ix.foreach, ix.caught))
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    if (!rc)
        rc = ix.stack ? mf__ds_write_index(s->clone_ds, s->run_id, step, id, &ix, err)
                      : mf__err(err, MF_ENOMEM, "out of memory");
    mf__index_release(&ix);
    return rc;
}

/* The origin run's task at t's place, NULL if none (or `t` must run); *oom on ENOMEM. */
static struct origin_task *origin_of(struct sched *s, const struct stask *t, bool *oom)
{
    *oom = false;
    if (s->norigin == 0 || !t->inputs_cloned || s->rerun[t->node] || t->attempt > 0)
        return NULL;
    char *pos = mf__position_key(s->g->nodes[t->node].name, t->stack);
    struct origin_task probe = { pos ? mf__strf("%s#%" PRId64, pos, t->pass) : NULL, NULL };
    mf__free(pos);
    if (!probe.key) {
        *oom = true;
        return NULL;
    }
    struct origin_task *hit = bsearch(&probe, s->origin, s->norigin, sizeof(*s->origin), cmp_origin);
    mf__free(probe.key);
    return hit;
}

bool mf__resume_gang_clonable(struct sched *s, const struct gang *g)
{
    bool oom;
    for (size_t r = 0; r < g->n; r++)
        if (!origin_of(s, g->members[r], &oom))
            return false;
    return true;
}

int mf__resume_try_clone(struct sched *s, struct stask *t, struct mf_err *err)
{
    bool oom;
    if (t->gang && !mf__resume_gang_clonable(s, t->gang))
        return 0;
    struct origin_task *hit = origin_of(s, t, &oom);
    if (oom)
        return mf__err(err, MF_ENOMEM, "out of memory");
    if (!hit)
        return 0;
    const char *step = s->g->nodes[t->node].name;
    struct mf_outcome outcome;
    char origin[256];
    snprintf(origin, sizeof(origin), "%s/%s/%s", s->o->origin_run_id, step, hit->task_id);
    int rc = clone_index(s, t, hit->task_id, &outcome, err);
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
