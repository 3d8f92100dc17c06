/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime_gang.c - gangs (mf_step.num_parallel, Metaflow's @parallel): the N
 * tasks of a gang step run at once, as one unit. They are queued together
 * with consecutive ids (a task finds rank 0's id from its own, task_parallel.c)
 * and started together when the worker limit has room for all N, or alone
 * past the limit when N is wider than it (waiting for room would never end).
 * A rank that succeeds is held, neither recorded as succeeded nor passed to
 * the join, until every rank has ended; a rank that fails stops the others
 * (SIGTERM, SIGKILL after the kill grace). A failed attempt of the gang drops
 * the indexes its successful ranks committed (the join never saw them) and
 * runs the whole gang again while the gang step has retries left; then it
 * fails the run with the first rank that failed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime_impl.h"
#include "util/alloc.h"
#include "util/buf.h"

static void gang_free(struct gang *g)
{
    if (!g)
        return;
    for (size_t r = 0; g->members && r < g->n; r++)
        mf__stask_free(g->members[r]);
    mf__free(g->members);
    mf__free(g->state);
    mf__free(g);
}

static void forget_gang(struct sched *s, struct gang *g)
{
    for (size_t i = 0; i < s->ngangs; i++)
        if (s->gangs[i] == g) {
            s->gangs[i] = s->gangs[--s->ngangs];
            break;
        }
    gang_free(g);
}

void mf__gangs_release(struct sched *s)
{
    for (size_t i = 0; i < s->ngangs; i++)
        gang_free(s->gangs[i]);
    mf__free(s->gangs);
}

int mf__gang_enqueue(struct sched *s, const struct stask *t, int64_t n, struct mf_err *err)
{
    const struct mf_node *split = &s->g->nodes[t->node];
    struct gang *g = mf__calloc(1, sizeof(*g));
    if (!g || MF_GROW(s->gangs, s->gangs_cap, s->ngangs + 1) ||
        !(g->members = mf__calloc((size_t)n, sizeof(*g->members))) ||
        !(g->state = mf__calloc((size_t)n, sizeof(*g->state)))) {
        gang_free(g);
        return mf__err(err, MF_ENOMEM, "out of memory");
    }
    g->n = (size_t)n;
    s->gangs[s->ngangs++] = g;
    /* One after the other, nothing in between: the N records are the queue's
     * last N entries, with consecutive ids. */
    for (int64_t r = 0; r < n; r++) {
        char *stack = mf__push_frame(t->stack, split->name, t->id, r, n);
        char *inputs = mf__strf("%s/%" PRIu64, split->name, t->id);
        int rc = mf__enqueue(s, split->out[0], stack, inputs, t->cloned, err);
        if (rc)
            return rc; /* the records queued so far are the gang's: freed with it */
        struct stask *m = s->queue[s->qhead + s->qlen - 1];
        m->gang = g;
        m->rank = (size_t)r;
        g->members[r] = m;
    }
    return 0;
}

int mf__gang_requeue(struct sched *s, struct stask *t)
{
    struct gang *g = t->gang;
    for (size_t r = 0; r < g->n; r++)
        if (mf__requeue(s, g->members[r]))
            return MF_ENOMEM;
    return 0;
}

/* Every rank cloned from the origin run (resume), or none. */
static int clone_gang(struct sched *s, struct gang *g, struct mf_err *err)
{
    for (size_t r = 0; r < g->n; r++) {
        int rc = mf__resume_try_clone(s, g->members[r], err);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return mf__err(err, MF_ECORRUPT, "rank %zu of the gang of step '%s' cannot be cloned after the others "
                           "were: resume from step '%s' to run the whole gang again", r,
                           s->g->nodes[g->members[r]->node].name, s->g->nodes[g->members[r]->node].name);
    }
    forget_gang(s, g);
    return 1;
}

int mf__gang_launch(struct sched *s, size_t limit, struct mf_err *err)
{
    struct gang *g = s->queue[s->qhead]->gang;
    size_t running = mf__exec_running(s->ex);
    if (running && running + g->n > limit)
        return 0;
    const char *step = s->g->nodes[g->members[0]->node].name;
    if (g->n > limit && !s->said_gang_limit) {
        s->said_gang_limit = true;
        mf__console_say(s->con, MF_CON_WARN, "warning: the gang of step '%s' has %zu tasks, more than the %zu "
                        "tasks at once allowed: its tasks all start together anyway, with nothing else running",
                        step, g->n, limit);
    }
    for (size_t r = 0; r < g->n; r++) { /* its records, in rank order, are at the queue's head */
        struct stask *t;
        int rc = mf__take_ready(s, &t, err);
        if (rc)
            return rc;
        if (t != g->members[r])
            return mf__err(err, MF_EGRAPH, "the tasks of the gang of step '%s' are not queued together", step);
    }
    if (g->members[0]->attempt == 0 && mf__resume_gang_clonable(s, g))
        return clone_gang(s, g, err);
    g->ended = 0;
    g->failed = false;
    for (size_t r = 0; r < g->n; r++) {
        int rc = mf__launch(s, g->members[r], err);
        if (rc)
            return rc;
        g->state[r] = GANG_RUNNING;
    }
    return 1;
}

/* Rank `r`'s gang failed: an index it committed is dropped (no later task
 * read it; a retry or a resume runs it again). A rank stopped by a signal may
 * have committed just before it (the stop races with its end), so every
 * rank's is removed; one that succeeded is also told so and recorded failed. */
static void drop_index(struct sched *s, struct gang *g, size_t r)
{
    struct stask *t = g->members[r];
    const char *step = s->g->nodes[t->node].name;
    char id[32], line[1300];
    struct mf_buf path = MF_BUF_INIT;
    snprintf(id, sizeof(id), "%" PRIu64, t->id);
    if (!mf__ds_task_dir(s->ds, s->run_id, step, id, &path) && !mf__buf_adds(&path, "/index"))
        unlink(path.buf);
    mf__buf_release(&path);
    if (g->state[r] != GANG_OK)
        return;
    snprintf(line, sizeof(line), "this task succeeded but its gang failed (rank %zu: %s): its result is dropped",
             g->failed_rank, g->why);
    mf__append_task_log(s, t, "stderr", line);
    struct mf_exit ok = { .exited = true };
    mf__meta_task_done(s, t, &ok, "failed", NULL);
}

/* Every rank has ended: pass them all on, or retry or fail the gang. */
static int gang_done(struct sched *s, struct gang *g, struct mf_err *err)
{
    struct stask *first = g->members[0];
    const mf_step *decl = s->g->nodes[first->node].step;
    if (!g->failed) {
        struct mf_outcome o = { .num_splits = -1, .chosen = MF_NO_NODE };
        struct mf_exit ok = { .exited = true };
        int rc = 0;
        for (size_t r = 0; r < g->n && !rc; r++) {
            struct stask *t = g->members[r];
            g->members[r] = NULL;
            t->gang = NULL;
            rc = mf__go_on(s, t, &ok, &o, err);
        }
        forget_gang(s, g);
        return rc;
    }
    for (size_t r = 0; r < g->n; r++)
        drop_index(s, g, r);
    if (!mf__interrupted() && first->attempt < decl->retries) {
        mf__console_say(s->con, MF_CON_WARN, "[%s/%s/%" PRIu64 "] gang attempt %d failed (rank %zu: %s); running all "
                        "%zu tasks again in %g s as attempt %d (%d retries left)", s->run_id, decl->name, first->id,
                        first->attempt, g->failed_rank, g->why, g->n, decl->retry_delay, first->attempt + 1,
                        decl->retries - first->attempt - 1);
        for (size_t r = 0; r < g->n; r++) {
            g->members[r]->attempt++;
            g->state[r] = GANG_WAITING;
        }
        return mf__delay_task(s, first, decl->retry_delay, err);
    }
    struct stask *t = g->members[g->failed_rank];
    char why[1200];
    snprintf(why, sizeof(why), "rank %zu of %zu of its gang: %s", g->failed_rank, g->n, g->why);
    mf__console_say(s->con, MF_CON_FAIL, "[%s/%s/%" PRIu64 "] gang failed: %s", s->run_id, decl->name, t->id, why);
    g->members[g->failed_rank] = NULL;
    t->gang = NULL;
    mf__fail_run(s, t, &g->failed_exit, why);
    forget_gang(s, g);
    return 0;
}

int mf__gang_ended(struct sched *s, struct stask *t, const struct mf_exit *x, const char *why, struct mf_err *err)
{
    struct gang *g = t->gang;
    const mf_step *decl = s->g->nodes[t->node].step;
    g->ended++;
    g->state[t->rank] = why ? GANG_FAILED : GANG_OK;
    if (!why) /* a job step's id comes with its end; the rank is recorded when the whole gang has ended */
        mf__record_job_at_end(s, t, x);
    if (why) {
        bool again = !mf__interrupted() && t->attempt < decl->retries;
        mf__console_task_ended(s->con, t->node, t->id, again ? MF_CON_RETRIED : MF_CON_FAILED, mf__now() - t->started);
        mf__meta_task_done(s, t, x, "failed", NULL);
    }
    if (why && !g->failed) {
        g->failed = true;
        g->failed_rank = t->rank;
        g->failed_exit = *x;
        snprintf(g->why, sizeof(g->why), "%s", why);
        size_t others = g->n - g->ended;
        mf__console_say(s->con, MF_CON_FAIL, "[%s/%s/%" PRIu64 "] rank %zu of the gang failed: %s%s", s->run_id,
                        decl->name, t->id, t->rank, why, others ? "; stopping the other ranks" : "");
        for (size_t r = 0; r < g->n; r++)
            if (g->state[r] == GANG_RUNNING)
                mf__exec_stop(s->ex, g->members[r]);
    }
    else if (why && !g->failed_exit.exited && x->exited) {
        /* A rank that exited with a status of its own is the cause rather than one ended by a
         * signal first: under Slurm, srun ends the others as the failing one's exit file appears,
         * and the exit files are seen in any order. */
        g->failed_rank = t->rank;
        g->failed_exit = *x;
        snprintf(g->why, sizeof(g->why), "%s", why);
        mf__console_say(s->con, MF_CON_TASK, "[%s/%s/%" PRIu64 "] rank %zu failed too: %s", s->run_id, decl->name,
                        t->id, t->rank, why);
    } else if (why)
        mf__console_say(s->con, MF_CON_TASK, "[%s/%s/%" PRIu64 "] rank %zu ended after rank %zu failed: %s",
                        s->run_id, decl->name, t->id, t->rank, g->failed_rank, why);
    return g->ended < g->n ? 0 : gang_done(s, g, err);
}
