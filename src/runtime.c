/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime.c - the run loop (see runtime.h for the rules it follows): start
 * ready tasks up to the worker limit, learn each one's outcome, retry or
 * catch failures as the step declares, record everything in the metadata.
 * Keeps a record per task queued or running (a foreach's items get theirs
 * as workers free up: runtime_plan.c) and one per join being gathered.
 */
#include "runtime.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run_clones.h"
#include "runtime_impl.h"
#include "task.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fsutil.h"

/* Set by SIGINT/SIGTERM: the first signal's number, plus AGAIN once a second
 * one came. The only global, as signals demand. */
static volatile sig_atomic_t interrupted;
#define AGAIN 0x100
#define STOP_SIGNAL (interrupted & 0xff)

/* SIGINT and SIGTERM are blocked while it runs (sa_mask), so no update is lost. */
static void on_signal(int sig) { interrupted = interrupted ? interrupted | AGAIN : sig; }

double mf__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double mf__epoch_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A metadata write that failed (a full disk, an I/O error) fails the run:
 * what it would have recorded is lost, so nothing more is started and the
 * run ends failed with this message, not "succeeded" with warnings. */
static void meta_write_failed(struct sched *s, const char *msg)
{
    if (s->meta_failed)
        return;
    s->meta_failed = true;
    snprintf(s->meta_why, sizeof(s->meta_why), "%s", msg);
    mf__console_say(s->con, MF_CON_ERROR, "error: %s; starting no more tasks", msg);
}

static void meta_task_start(struct sched *s, const struct stask *t, const char *id, pid_t pid)
{
    struct mf_meta_task mt = { .step = (char *)s->g->nodes[t->node].name, .task_id = (char *)id,
                               .attempt = t->attempt, .status = (char *)"running", .pid = pid, .start = mf__epoch_now(),
                               .exit_code = -1, .stack = t->stack, .input_paths = t->inputs };
    struct mf_err err = MF_ERR_INIT;
    if (mf__meta_task_start(s->meta, s->flow->name, s->run_id, &mt, &err))
        meta_write_failed(s, err.msg);
}

/* The executor's news that tasks run as cluster jobs (exec.h): recorded at
 * once, in one transaction, so that `slurm-cancel` finds them if this
 * process dies. */
static void on_submitted(void *ctx, void *const *tags, const char *const *job_ids, size_t n)
{
    struct sched *s = ctx;
    struct mf_meta_task *mt = mf__calloc(n, sizeof(*mt));
    char (*ids)[32] = mf__calloc(n, sizeof(*ids));
    struct mf_err err = MF_ERR_INIT;
    if (!mt || !ids) {
        mf__free(mt);
        mf__free(ids);
        meta_write_failed(s, "out of memory recording job ids");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct stask *t = tags[i];
        snprintf(ids[i], sizeof(ids[i]), "%" PRIu64, t->id);
        mt[i] = (struct mf_meta_task){ .step = (char *)s->g->nodes[t->node].name, .task_id = ids[i],
                                       .attempt = t->attempt, .job_id = (char *)job_ids[i] };
        t->job_recorded = true;
    }
    if (mf__meta_task_jobs(s->meta, s->flow->name, s->run_id, mt, n, &err))
        meta_write_failed(s, err.msg);
    mf__free(mt);
    mf__free(ids);
}

void mf__record_job_at_end(struct sched *s, struct stask *t, const struct mf_exit *x)
{
    if (x && x->job_id[0] && !t->job_recorded) { /* a job known only at its end (a job step) */
        const char *jid = x->job_id;
        on_submitted(s, (void *const *)&t, &jid, 1);
    }
}

/* A failed attempt's status, kept beside its logs as "<N>.exit" in the
 * Slurm wrapper's format ("STATUS SIGNAL JOB", STATUS 128+N when killed by
 * signal N, SIGNAL the word TIMEOUT when it ran out of time; slurm.h), so
 * that `metadata rebuild` recovers why an attempt failed when the database
 * is lost. Only failures pay for the file, and a
 * Slurm job has written its own (kept). Not forced to disk, like the
 * database row it copies; a copy that cannot be written is not an error. */
static void keep_exit_copy(struct sched *s, const struct stask *t, const char *id, const struct mf_exit *x)
{
    struct mf_buf path = MF_BUF_INIT;
    struct mf_err err = MF_ERR_INIT;
    int status = x->exited ? x->exit_code : 128 + x->signal;
    if (status >= 0 && status < 256 &&
        !mf__ds_log_path(s->ds, s->run_id, s->g->nodes[t->node].name, id, t->attempt, "exit", &path) &&
        !mf__path_exists(path.buf)) {
        char line[24];
        int n = snprintf(line, sizeof(line), "%d %s \n", status, x->timed_out ? "TIMEOUT" : "");
        (void)mf__write_atomic(path.buf, line, (size_t)n, 0, &err);
    }
    mf__buf_release(&path);
}

void mf__meta_task_done(struct sched *s, struct stask *t, const struct mf_exit *x, const char *status,
                        const char *origin)
{
    char id[32];
    snprintf(id, sizeof(id), "%" PRIu64, t->id);
    struct mf_meta_task mt = { .step = (char *)s->g->nodes[t->node].name, .task_id = id, .attempt = t->attempt,
                               .status = (char *)status, .end = mf__epoch_now(), .start = mf__epoch_now(),
                               .exit_code = x && x->exited ? x->exit_code : -1,
                               .signal = x && !x->exited ? x->signal : 0, .timed_out = x && x->timed_out,
                               .stack = t->stack, .input_paths = t->inputs, .origin = (char *)origin,
                               .memo_hit = t->memo_hit, .memo_key = t->memo_parts ? (char *)t->memo_key : NULL,
                               .job_state = x && x->state[0] ? (char *)x->state : NULL };
    struct mf_err err = MF_ERR_INIT;
    mf__record_job_at_end(s, t, x);
    t->job_recorded = false; /* the next attempt is another job */
    if (origin && mf__run_clones_line(&s->clone_log, mt.step, id, origin, mt.memo_key))
        meta_write_failed(s, "out of memory recording a clone");
    if (x && !strcmp(status, "failed"))
        keep_exit_copy(s, t, id, x);
    if (mf__meta_task_finish(s->meta, s->flow->name, s->run_id, &mt, &err))
        meta_write_failed(s, err.msg);
}

double mf__step_timeout(const mf_step *decl)
{
    if (decl->timeout > 0 && decl->time_limit > 0)
        return decl->timeout < decl->time_limit ? decl->timeout : decl->time_limit;
    return decl->timeout > 0 ? decl->timeout : decl->time_limit;
}

int mf__interrupted(void) { return STOP_SIGNAL; }

int mf__launch(struct sched *s, struct stask *t, struct mf_err *err)
{
    const mf_step *decl = s->g->nodes[t->node].step;
    const char *step = decl->name;
    char id[32], attempt[16], splits[32], pass[32];
    struct mf_buf label = MF_BUF_INIT, outlog = MF_BUF_INIT, errlog = MF_BUF_INIT;
    snprintf(id, sizeof(id), "%" PRIu64, t->id);
    snprintf(attempt, sizeof(attempt), "%d", t->attempt);
    snprintf(splits, sizeof(splits), "%" PRId64, s->o->max_num_splits);
    const char *argv[24] = { s->o->exe, "step", step, "--run-id", s->run_id, "--task-id", id,
                             "--input-paths", t->inputs, "--split-stack", t->stack, "--attempt", attempt,
                             "--max-num-splits", splits, "--datastore-root", s->o->root };
    size_t argc = 17;
    if (!s->o->sync)
        argv[argc++] = "--no-sync";
    if (t->pass) {
        snprintf(pass, sizeof(pass), "%" PRId64, t->pass);
        argv[argc++] = "--pass";
        argv[argc++] = pass;
    }
    if (t->caught) {
        argv[argc++] = "--catch-failure";
        argv[argc++] = t->caught;
    }
    pid_t pid = 0;
    int rc = mf__buf_addf(&label, "%s/%s/%s", s->run_id, step, id);
    if (!rc)
        rc = mf__ds_log_path(s->ds, s->run_id, step, id, t->attempt, "stdout", &outlog);
    if (!rc)
        rc = mf__ds_log_path(s->ds, s->run_id, step, id, t->attempt, "stderr", &errlog);
    if (rc) {
        rc = mf__err(err, rc, "cannot name the logs of task '%s'", label.buf);
        goto out;
    }
    t->started = mf__now();
    /* exec's argv is not const-qualified (execv's isn't) but is not modified. */
    /* Every task of a step asks for the same resources, so a batching backend may submit the
     * step's ready tasks (a foreach) together; a catch attempt has no timeout, so not with them. */
    struct mf_task_resources res = { .cpus = decl->cpus, .memory_mb = decl->memory_mb, .gpus = decl->gpus,
                                     .time_limit_s = decl->time_limit, .partition = decl->partition };
    struct mf_exec_task task = { .argv = (char *const *)argv, .label = label.buf, .stdout_log = outlog.buf,
                                 .stderr_log = errlog.buf, .timeout_s = t->caught ? 0 : mf__step_timeout(decl),
                                 .res = &res, .group = t->caught || t->gang ? NULL : step, .tag = t, .pid_out = &pid,
                                 .gang_size = t->gang ? t->gang->n : 0, .gang_rank = t->rank,
                                 .run_self = true };
    rc = mf__exec_start(s->ex, &task, err);
    if (rc)
        goto out;
    s->started++;
    mf__console_task_started(s->con, t->node);
    meta_task_start(s, t, id, pid);
    const char *what = t->caught ? " to record its failure in its catch artifact" : "";
    if (pid)
        mf__console_say(s->con, MF_CON_TASK, "[%s] task starting%s, pid %ld", label.buf, what, (long)pid);
    else /* a cluster job: its id is known once the backend submits it */
        mf__console_say(s->con, MF_CON_TASK, "[%s] task starting%s (%s)", label.buf, what, s->ex->ops->name);
out:
    mf__buf_release(&label);
    mf__buf_release(&outlog);
    mf__buf_release(&errlog);
    return rc;
}

/* Learns what a task that exited 0 left behind: its index must exist (a
 * step that called exit(0) itself did not finish); a foreach's index says how
 * many items it has, a switch's which case it chose. */
static int read_outcome(struct sched *s, const struct stask *t, struct mf_outcome *o, struct mf_err *err)
{
    char id[32];
    const struct mf_node *n = &s->g->nodes[t->node];
    snprintf(id, sizeof(id), "%" PRIu64, t->id);
    o->num_splits = -1;
    o->chosen = MF_NO_NODE;
    if (n->kind != MF_NODE_FOREACH && n->kind != MF_NODE_SWITCH) {
        struct mf_buf path = MF_BUF_INIT;
        int rc = mf__ds_task_dir(s->ds, s->run_id, n->name, id, &path);
        if (!rc)
            rc = mf__buf_adds(&path, "/index");
        bool ok = !rc && mf__path_exists(path.buf);
        mf__buf_release(&path);
        return ok ? 0 : mf__err(err, MF_ESTEPFAIL, "it exited with code 0 but wrote no artifact index "
                                                  "(did the step call exit() itself?)");
    }
    struct mf_index ix;
    int rc = mf__ds_read_index(s->ds, s->run_id, n->name, id, &ix, err);
    if (!rc)
        rc = mf__outcome_of(s, t, &ix, o, err);
    mf__index_release(&ix);
    return rc;
}

int mf__outcome_of(struct sched *s, const struct stask *t, const struct mf_index *ix, struct mf_outcome *o,
                   struct mf_err *err)
{
    const struct mf_node *n = &s->g->nodes[t->node];
    o->num_splits = ix->num_splits;
    o->chosen = MF_NO_NODE;
    if (n->kind == MF_NODE_FOREACH && o->num_splits < 1)
        return mf__err(err, MF_ECORRUPT, "its index records no foreach width");
    if (n->kind == MF_NODE_SWITCH) {
        o->chosen = ix->next ? mf__graph_find(s->g, ix->next) : MF_NO_NODE;
        if (o->chosen == MF_NO_NODE)
            return mf__err(err, MF_ECORRUPT, "its index records no valid chosen case ('%s')", ix->next ? ix->next : "");
    }
    return 0;
}

void mf__fail_run(struct sched *s, struct stask *t, const struct mf_exit *x, const char *why)
{
    if (!s->failed)
        s->failed_while_stopping = interrupted != 0;
    if (!s->failed) {
        s->failed = t;
        s->failed_exit = *x;
        snprintf(s->failed_why, sizeof(s->failed_why), "%s", why);
    } else {
        /* tasks already running when the run failed may fail too: the
         * report gives each of them its own line to reproduce it (not the
         * tasks a signal or a cluster's cancel stopped: the run did that) */
        if (!interrupted && !s->ex->ops->self_limiting && s->nalso_failed++ < MF_ALSO_FAILED_MAX)
            mf__buf_addf(&s->also_failed, "%s/%" PRIu64 "\n", s->g->nodes[t->node].name, t->id);
        mf__stask_free(t);
    }
}

int mf__delay_task(struct sched *s, struct stask *t, double delay, struct mf_err *err)
{
    if (MF_GROW(s->delayed, s->delayed_cap, s->ndelayed + 1))
        return mf__err(err, MF_ENOMEM, "out of memory");
    t->not_before = mf__now() + delay;
    s->delayed[s->ndelayed++] = t;
    return 0;
}

/* A failed attempt: try again if the step allows more attempts, else record
 * the failure in the catch artifact if it has one, else fail the run. */
static int after_failure(struct sched *s, struct stask *t, const struct mf_exit *x, const char *why,
                         struct mf_err *err)
{
    const mf_step *decl = s->g->nodes[t->node].step;
    const char *label_step = decl->name;
    double secs = mf__now() - t->started;
    bool again = !t->caught && !interrupted && (t->attempt < decl->retries || decl->catch_var);
    mf__console_task_ended(s->con, t->node, t->id, again ? MF_CON_RETRIED : MF_CON_FAILED, secs);
    if (!t->caught && !interrupted && t->attempt < decl->retries) {
        mf__console_say(s->con, MF_CON_WARN,
                "[%s/%s/%" PRIu64 "] attempt %d failed: %s; retrying in %g s as attempt %d (%d retries left)", s->run_id, label_step, t->id, t->attempt, why, decl->retry_delay, t->attempt + 1,
                decl->retries - t->attempt - 1);
        t->attempt++;
        return mf__delay_task(s, t, decl->retry_delay, err);
    }
    if (!t->caught && !interrupted && decl->catch_var) {
        mf__console_say(s->con, MF_CON_WARN, "[%s/%s/%" PRIu64 "] task failed: %s; caught in artifact '%s', the flow goes on",
                s->run_id, label_step, t->id, why, decl->catch_var);
        t->attempt++;
        t->caught = mf__strf("%d|%d|%d|%s", x->exited ? x->exit_code : -1, x->exited ? 0 : x->signal,
                                x->timed_out ? 1 : 0, why);
        return t->caught ? mf__delay_task(s, t, 0, err) : mf__err(err, MF_ENOMEM, "out of memory");
    }
    mf__console_say(s->con, MF_CON_FAIL, "[%s/%s/%" PRIu64 "] task failed: %s", s->run_id, label_step, t->id, why);
    mf__fail_run(s, t, x, why);
    return 0;
}

/* A task that committed its index: recorded as succeeded, its successors
 * scheduled. */
int mf__go_on(struct sched *s, struct stask *t, const struct mf_exit *x, const struct mf_outcome *o,
              struct mf_err *err)
{
    s->succeeded++;
    mf__meta_task_done(s, t, x, "succeeded", NULL);
    mf__memo_task_succeeded(s, t);
    int rc = mf__schedule_successors(s, t, o, err);
    mf__stask_free(t);
    return rc;
}

static int handle_exit(struct sched *s, const struct mf_exit *x, struct mf_err *err)
{
    struct stask *t = x->tag;
    const mf_step *decl = s->g->nodes[t->node].step;
    double secs = mf__now() - t->started;
    char why[1100];
    struct mf_outcome outcome;
    struct mf_err oerr = MF_ERR_INIT;
    if (mf__note_ended(s, t, x))
        return mf__err(err, MF_ENOMEM, "out of memory");
    if (x->why[0]) /* the backend's words: the task could not say them itself */
        mf__append_task_log(s, t, "stderr", x->why);
    if (x->timed_out) {
        snprintf(why, sizeof(why), "timed out after %g s%s%s%s", mf__step_timeout(decl), x->why[0] ? " (" : "", x->why,
                 x->why[0] ? ")" : "");
        mf__append_task_log(s, t, "stderr", why);
    } else if (x->exited && x->exit_code == MF_TASK_EXIT_CAUGHT && !t->caught && decl->catch_var &&
               read_outcome(s, t, &outcome, &oerr) == 0) {
        /* The last attempt failed in the step's code, and the task committed
         * what it set plus the failure: the flow goes on from it. */
        mf__console_task_ended(s->con, t->node, t->id, MF_CON_SUCCEEDED, secs);
        mf__console_say(s->con, MF_CON_WARN, "[%s/%s/%" PRIu64 "] task failed on attempt %d; caught in artifact '%s' "
                        "with what the step set, the flow goes on", s->run_id, decl->name, t->id, t->attempt,
                decl->catch_var);
        return mf__go_on(s, t, x, &outcome, err);
    } else if (!x->exited || x->exit_code != 0) {
        mf__describe_exit(x, why, sizeof(why));
        if (!x->exited && x->signal > 0) /* 0: a backend that knows no status */
            mf__log_signal_death(s, t, x->signal);
    } else if (read_outcome(s, t, &outcome, &oerr) != 0) {
        snprintf(why, sizeof(why), "%s", oerr.msg);
    } else {
        mf__console_task_ended(s->con, t->node, t->id, MF_CON_SUCCEEDED, secs);
        mf__console_say(s->con, MF_CON_TASK, "[%s/%s/%" PRIu64 "] task succeeded in %.2f s", s->run_id, decl->name,
                        t->id, secs);
        if (t->gang) /* held until every rank of its gang has ended */
            return mf__gang_ended(s, t, x, NULL, err);
        return mf__go_on(s, t, x, &outcome, err);
    }
    if (t->gang)
        return mf__gang_ended(s, t, x, why, err);
    mf__meta_task_done(s, t, x, "failed", NULL);
    return after_failure(s, t, x, why, err);
}

/* Moves retries whose delay has passed to the ready queue; returns the
 * milliseconds until the next one is due (or `cap`). */
static int release_delayed(struct sched *s, int cap, struct mf_err *err)
{
    double now = mf__now(), next = now + cap / 1000.0;
    for (size_t i = 0; i < s->ndelayed;) {
        struct stask *t = s->delayed[i];
        if (t->not_before > now) {
            next = t->not_before < next ? t->not_before : next;
            i++;
            continue;
        }
        if (t->gang ? mf__gang_requeue(s, t) : mf__requeue(s, t))
            return mf__err(err, MF_ENOMEM, "out of memory");
        s->delayed[i] = s->delayed[--s->ndelayed];
    }
    double ms = (next - now) * 1000.0;
    return ms < 1 ? 1 : (int)ms;
}

/* Appends the batch's lines to the run's clone log (run_clones.h), then
 * commits the clone records batched so far: a failure of either fails the
 * run, as any lost metadata write does. The log goes first, so the
 * database never holds a clone its copy lacks. */
static void clones_recorded(struct sched *s)
{
    struct mf_err e = MF_ERR_INIT;
    if (s->clone_log.len && !s->meta_failed &&
        mf__run_clones_append(s->o->root, s->flow->name, s->run_id, s->clone_log.buf, s->clone_log.len, &e))
        meta_write_failed(s, e.msg);
    mf__buf_reset(&s->clone_log);
    if (mf__meta_batch_end(s->meta, &e))
        meta_write_failed(s, e.msg);
}

/* Starts (or clones) what is ready, up to the worker limit. Clones' records
 * are batched (mf__meta_batch_begin): a run that reuses a thousand tasks
 * commits a few transactions, not a thousand; the batch is committed before
 * a task process starts, so a started task's record is never held back. */
static int start_or_clone(struct sched *s, struct mf_err *err)
{
    size_t limit = s->ex->ops->self_limiting ? SIZE_MAX : mf__worker_limit(s);
    while (!s->failed && !s->meta_failed && !interrupted && mf__exec_running(s->ex) < limit) {
        struct stask *t;
        int rc;
        if (s->qlen && s->queue[s->qhead]->gang) { /* a gang starts whole, or waits for room */
            clones_recorded(s);
            if ((rc = mf__gang_launch(s, limit, err)) <= 0)
                return rc;
            continue;
        }
        rc = mf__take_ready(s, &t, err);
        if (rc || !t)
            return rc;
        mf__meta_batch_begin(s->meta);
        rc = mf__resume_try_clone(s, t, err);
        if (!rc)
            rc = mf__memo_try_hit(s, t, err);
        if (rc == 1)
            continue;
        clones_recorded(s);
        if (!rc && s->meta_failed) /* the batch was lost: start nothing more */
            rc = mf__requeue(s, t) ? mf__err(err, MF_ENOMEM, "out of memory") : 0;
        else if (!rc)
            rc = mf__launch(s, t, err);
        if (rc) {
            mf__stask_free(t);
            return rc;
        }
    }
    return 0;
}

static int start_ready(struct sched *s, struct mf_err *err)
{
    int rc = start_or_clone(s, err);
    clones_recorded(s);
    return rc;
}

static int run_loop(struct sched *s, struct mf_err *err)
{
    bool stopping = false;
    for (;;) {
        int wait_ms = release_delayed(s, 1000, err);
        if (wait_ms < 0)
            return wait_ms;
        int rc = start_ready(s, err);
        if (rc)
            return rc;
        mf__progress(s);
        if (mf__exec_running(s->ex) == 0) {
            if (s->ndelayed == 0 || s->failed || s->meta_failed || interrupted)
                return 0;
            struct timespec ts = { wait_ms / 1000, (long)(wait_ms % 1000) * 1000000L };
            nanosleep(&ts, NULL);
            continue;
        }
        if (s->failed && !stopping && s->ex->ops->self_limiting) {
            /* A cluster backend holds the whole of a foreach in flight: stop it, not only what follows. */
            mf__console_say(s->con, MF_CON_FAIL, "a task failed: cancelling the %zu task(s) still queued or running",
                            mf__exec_running(s->ex));
            mf__exec_signal_all(s->ex, SIGTERM);
            stopping = true;
        }
        if (interrupted && !stopping) {
            mf__stop_begin(s, STOP_SIGNAL);
            stopping = true;
        }
        if (stopping)
            wait_ms = mf__stop_tick(s, (interrupted & AGAIN) != 0, wait_ms);
        if ((rc = mf__exec_flush(s->ex, err)) != 0)
            return rc;
        struct mf_exit x;
        rc = mf__exec_wait(s->ex, &x, wait_ms, err);
        if (rc == MF_ETIMEDOUT || rc == MF_ECANCELED)
            continue;
        if (rc)
            return rc;
        if ((rc = handle_exit(s, &x, err)) != 0)
            return rc;
    }
}

/* A name that tells this run's cluster jobs from every other's: flow, run id
 * and a hash of the datastore root (two roots may each have a run 1). */
static char *job_name(const struct sched *s)
{
    char cwd[4096] = "";
    if (s->o->root[0] != '/' && !getcwd(cwd, sizeof(cwd)))
        cwd[0] = '\0';
    uint32_t h = 2166136261u; /* FNV-1a of the root's absolute path */
    for (const char *parts[] = { cwd, "/", s->o->root }, **q = parts; q < parts + 3; q++)
        for (const char *p = *q; *p; p++)
            h = (h ^ (unsigned char)*p) * 16777619u;
    return mf__strf("mf-%s-%s-%08x", s->flow->name, s->run_id, h);
}

static int bind_run(struct sched *s, struct mf_err *err)
{
    char *name = job_name(s);
    char *dir = mf__strf("%s/%s/%s/_slurm", s->o->root, s->flow->name, s->run_id);
    int rc = name && dir ? 0 : mf__err(err, MF_ENOMEM, "out of memory");
    if (!rc)
        rc = mf__exec_bind_run(s->ex, name, dir, err);
    mf__free(name);
    mf__free(dir);
    return rc;
}

static void sched_release(struct sched *s)
{
    mf__stop_release(s);
    mf__exec_free(s->ex);
    mf__queue_release(s);
    for (size_t i = 0; i < s->ndelayed; i++)
        if (!s->delayed[i]->gang) /* its gang frees it */
            mf__stask_free(s->delayed[i]);
    mf__gangs_release(s);
    mf__free(s->delayed);
    for (size_t i = 0; i < s->njoins; i++)
        mf__join_free(s->joins[i]);
    mf__free(s->joins);
    mf__stask_free(s->failed);
    mf__buf_release(&s->also_failed);
    mf__buf_release(&s->clone_log);
    mf__resume_release(s);
    mf__memo_release(s);
    mf__strmap_release(&s->passes);
    mf__meta_close(s->meta);
}

struct saved_signals {
    struct sigaction intr, term, pipe;
};

/* From before the run is recorded to after its last task was reaped, so an
 * interrupt at any moment is seen and ends the run as interrupted. */
static void watch_signals(struct saved_signals *old)
{
    struct sigaction sa, ign;
    interrupted = 0;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigaction(SIGINT, &sa, &old->intr);
    sigaction(SIGTERM, &sa, &old->term);
    /* A console that goes away (`run | head`) must not kill the scheduler
     * mid-run: writes to it fail with EPIPE instead, and the run goes on. */
    sigaction(SIGPIPE, &ign, &old->pipe);
}

static void unwatch_signals(const struct saved_signals *old)
{
    sigaction(SIGINT, &old->intr, NULL);
    sigaction(SIGTERM, &old->term, NULL);
    sigaction(SIGPIPE, &old->pipe, NULL);
}

static int run_watched(struct sched *s, struct mf_err *err)
{
    int rc = run_loop(s, err);
    mf__sweep_temps(s);
    mf__console_summary(s->con);
    mf__memo_summary(s);
    if (!rc && s->meta_failed && !s->failed && !interrupted)
        return mf__err(err, MF_EIO, "run %s failed: %s", s->run_id, s->meta_why);
    if (!rc && !s->failed && !interrupted && s->njoins)
        rc = mf__err(err, MF_EGRAPH, "the run ended with join '%s' still waiting for inputs",
                     s->g->nodes[s->joins[0]->node].name);
    if (!rc && (s->failed || interrupted)) {
        mf__report_failure(s, STOP_SIGNAL);
        rc = MF_ESTEPFAIL;
    }
    return rc;
}

int mf__run_flow(const mf_flow *flow, const struct mf_graph *g, struct mf_ds *ds, const mf_value *params,
                 const struct mf_run_opts *opts, char **run_id, struct mf_err *err)
{
    struct sched s;
    struct saved_signals old;
    memset(&s, 0, sizeof(s));
    mf__buf_init(&s.also_failed);
    watch_signals(&old);
    s.flow = flow;
    s.g = g;
    s.ds = ds;
    s.o = opts;
    s.next_id = 1;
    s.t0 = s.last_progress = mf__now();
    *run_id = NULL;
    struct mf_console_opts co = { .out = opts->out, .err = opts->err, .color = MF_COLOR_AUTO };
    s.con = opts->console;
    if (!s.con && mf__console_new(&co, &s.own_con)) {
        unwatch_signals(&old);
        return mf__err(err, MF_ENOMEM, "out of memory");
    }
    if (!s.con)
        s.con = s.own_con;
    /* The executor first: a fork server forks this process as it is now, so it
     * must come before the metadata connection opens (docs/design.md). */
    struct mf_exec_opts eo = { .console_out = opts->out, .console_err = opts->err,
                               .console_fn = mf__console_task_text, .console_ctx = s.con,
                               .kill_grace_s = opts->kill_grace_s,
                               .task_entry = opts->task_entry, .task_entry_ctx = opts->task_entry_ctx,
                               .max_workers = opts->max_workers, .slurm = opts->slurm,
                               .on_submitted = on_submitted, .on_submitted_ctx = &s };
    int rc = mf__console_begin(s.con, g) ? mf__err(err, MF_ENOMEM, "out of memory") : 0;
    if (!rc)
        rc = mf__exec_new(opts->executor, &eo, &s.ex, err);
    if (!rc && !s.ex->ops->console_fn) /* it writes task lines itself: no status line to tear */
        mf__console_no_live(s.con);
    if (!rc)
        rc = mf__resume_prepare(&s, err);
    if (!rc)
        rc = mf__memo_prepare(&s, err);
    if (!rc)
        rc = mf__run_begin(&s, params, run_id, err);
    if (!rc)
        rc = bind_run(&s, err);
    if (!rc)
        rc = mf__enqueue(&s, g->start, mf__strdup(""), mf__strdup(""), true, err);
    if (rc)
        goto out;
    size_t workers = mf__worker_limit(&s); /* says so when the executor allows fewer */
    mf__console_say(s.con, MF_CON_INFO, "%s: run %s %s (datastore '%s', up to %zu tasks at once)", flow->name,
                    s.run_id, opts->origin_run_id ? "resuming" : "starting", opts->root, workers);
    if (opts->origin_run_id)
        mf__console_say(s.con, MF_CON_INFO, "%s: cloning what succeeded in run %s%s%s", flow->name,
                        opts->origin_run_id, opts->resume_step ? "; running again from step " : "",
                        opts->resume_step ? opts->resume_step : "");
    rc = run_watched(&s, err);
out:
    mf__run_end(&s, rc == 0);
    if (!rc) {
        char memo[64] = "";
        if (s.memo_hits)
            snprintf(memo, sizeof(memo), " (%zu memoised)", s.memo_hits);
        mf__console_say(s.con, MF_CON_OK, "Done! Run %s of %s succeeded: %zu tasks ran, %zu cloned%s, in %.2f s.",
                        s.run_id, flow->name, s.succeeded, s.cloned + s.memo_hits, memo, mf__now() - s.t0);
    }
    sched_release(&s);
    mf__console_free(s.own_con);
    if (opts->stopped_by)
        *opts->stopped_by = STOP_SIGNAL;
    unwatch_signals(&old);
    return rc;
}
