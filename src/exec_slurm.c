/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec_slurm.c - the Slurm backend of the executor interface (exec.h): each
 * task runs as a Slurm batch job (or a task of a job array, for the tasks of
 * one foreach), wrapped by the script of slurm_script.c so that its exit
 * status reaches the shared datastore as a file. Completion is learned from
 * those files: a task is looked at (its exit file, its logs' growth) when the
 * inotify watch on its folder fires, and, where a watch cannot see every
 * change (a network filesystem), after each nap (slurm_watch.c); the
 * controller is asked at most once per poll interval for the whole run
 * (`squeue --name=RUN'S JOB NAME`), only to notice jobs that left the queue
 * without an exit file, which then fail with Slurm's state and reason.
 * Inside an allocation (SLURM_JOB_ID set) exec_slurm_alloc.c runs tasks as
 * job steps instead. docs/slurm.md has the whole design.
 */
#include "exec.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exec_slurm_impl.h"
#include "metaflow.h"
#include "util/alloc.h"
#include "util/fsutil.h"

#define SUBMIT_TIMEOUT_S 120.0 /* one sbatch call */
#define QUERY_TIMEOUT_S 60.0   /* one squeue/scontrol/sacct/scancel call */
#define CANCEL_BATCH 200       /* job ids per scancel call */
#define CANCELLED_WAIT_S 3.0   /* after our own scancel: how long to wait for an exit file */
#define BACKOFF_MAX_S 60.0
#define SWEEP_S 5.0            /* even tasks whose watch sees every change are looked at this often */

static int64_t max_i64(int64_t a, int64_t b) { return a > b ? a : b; }
static double min_d(double a, double b) { return a < b ? a : b; }

static void copy_res(struct stask *t, const struct mf_task_resources *r)
{
    if (!r)
        return;
    t->res = *r;
    t->res.partition = NULL;
    t->partition = r->partition ? mf__strdup(r->partition) : NULL;
}

/* The exit file sits beside the stdout log: "<attempt>.stdout" -> "<attempt>.exit". */
static char *exit_path_for(const char *out_log)
{
    size_t n = strlen(out_log);
    const char *suffix = ".stdout";
    size_t sl = strlen(suffix);
    if (n > sl && !strcmp(out_log + n - sl, suffix))
        n -= sl;
    return mf__strf("%.*s.exit", (int)n, out_log);
}

/* Asks to be woken when the task's folder changes (its exit file appears,
 * its logs grow); on a local filesystem, that is when it is looked at. */
static void watch_task(struct slurm_exec *ex, struct stask *t)
{
    char *dir = mf__strdup(t->exit_path);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash && slash != dir) {
        *slash = '\0';
        t->wd = mf__slurm_watch_add(ex->watch_fd, dir);
        t->trusted = t->wd >= 0 && mf__slurm_watch_local(dir);
    }
    mf__free(dir);
}

/* Creates (truncates) a log, so the job appends to a file that exists on the
 * shared filesystem before it starts, and the console tail can open it. */
static int create_log(const char *path, struct mf_err *err)
{
    int rc = mf__mkdirs_for(path, err);
    if (rc)
        return rc;
    FILE *f = fopen(path, "w");
    if (!f)
        return mf__err_errno(err, MF_EIO, errno, "cannot create log '%s'", path);
    fclose(f);
    return 0;
}

static int slurm_start(struct mf_exec *base, const struct mf_exec_task *task, struct mf_err *err)
{
    struct slurm_exec *ex = (struct slurm_exec *)base;
    if (!task->argv || !task->argv[0] || !task->label || !task->stdout_log || !task->stderr_log)
        return mf__err(err, MF_EINVAL, "the slurm executor needs a command line, a label and both log paths");
    if (!ex->job_name)
        return mf__err(err, MF_EINVAL, "the slurm executor was not told its run (bind_run)");
    if (access(task->argv[0], X_OK))
        return mf__err_errno(err, MF_ENOENT, errno, "cannot run '%s'", task->argv[0]);
    if (MF_GROW(ex->tasks, ex->cap, ex->n + 1))
        return mf__err(err, MF_ENOMEM, "out of memory");
    struct stask *t = mf__calloc(1, sizeof(*t));
    if (!t)
        return mf__err(err, MF_ENOMEM, "out of memory");
    int rc = MF_ENOMEM;
    size_t argc = 0;
    while (task->argv[argc])
        argc++;
    t->argv = mf__calloc(argc + 1, sizeof(char *));
    t->label = mf__strdup(task->label);
    t->out_log = mf__strdup(task->stdout_log);
    t->err_log = mf__strdup(task->stderr_log);
    t->exit_path = exit_path_for(task->stdout_log);
    t->group = task->group ? mf__strdup(task->group) : NULL;
    if (!t->argv || !t->label || !t->out_log || !t->err_log || !t->exit_path || (task->group && !t->group))
        goto fail;
    for (size_t i = 0; i < argc; i++)
        if (!(t->argv[i] = mf__strdup(task->argv[i])))
            goto fail;
    copy_res(t, task->res);
    if (task->res && task->res->partition && !t->partition)
        goto fail;
    t->timeout_s = task->timeout_s;
    t->gang_size = task->gang_size;
    t->gang_rank = task->gang_rank;
    t->tag = task->tag;
    t->idx = -1;
    t->wd = -1;
    t->x.tag = task->tag;
    if ((rc = create_log(t->out_log, err)) || (rc = create_log(t->err_log, err)))
        goto fail_msg;
    if (unlink(t->exit_path) && errno != ENOENT) {
        rc = mf__err_errno(err, MF_EIO, errno, "cannot remove the stale exit file '%s'", t->exit_path);
        goto fail_msg;
    }
    if (task->pid_out)
        *task->pid_out = 0;
    watch_task(ex, t);
    ex->tasks[ex->n++] = t;
    return 0; /* submitted (or started, inside an allocation) by flush() */
fail:
    rc = mf__err(err, MF_ENOMEM, "out of memory");
fail_msg:
    mf__slurm_stask_free(t);
    return rc;
}

/* ---- submission ---- */

/* The sbatch options every job of this run gets, then the task's resources. */
static int add_job_opts(struct slurm_exec *ex, struct mf_slurm_argv *a, const struct stask *t)
{
    const struct mf_slurm_opts *so = &ex->so;
    int rc = mf__slurm_argv_add(a, "--parsable") || mf__slurm_argv_add(a, "--no-requeue") ||
             mf__slurm_argv_addf(a, "--job-name=%s", ex->job_name);
    rc = rc || mf__slurm_res_args(ex, a, t);
    if (!ex->alloc) {
        double limit = t->res.time_limit_s > 0 ? t->res.time_limit_s : t->timeout_s;
        /* Slurm may send the warning up to a minute early: only for limits long enough. */
        if (limit >= 300)
            rc = rc || mf__slurm_argv_add(a, "--signal=B:USR2@60");
    }
    if (so->account)
        rc = rc || mf__slurm_argv_addf(a, "--account=%s", so->account);
    if (so->qos)
        rc = rc || mf__slurm_argv_addf(a, "--qos=%s", so->qos);
    for (const char *const *e = so->extra; !rc && e && *e; e++)
        rc = mf__slurm_argv_add(a, *e);
    return rc ? MF_ENOMEM : 0;
}

/* A gang's job: the ranks' script (already written at `path`) started by one
 * srun of n tasks; `path` becomes that of the batch script that runs it. */
static int write_gang_script(struct slurm_exec *ex, size_t n, struct mf_buf *path, struct mf_err *err)
{
    struct mf_buf script = MF_BUF_INIT;
    int rc = mf__slurm_gang_script(&script, path->buf, n, err);
    mf__buf_reset(path);
    if (!rc && mf__buf_addf(path, "%s/job-%" PRIu64 "-gang.sh", ex->state_dir, ex->seq))
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    if (!rc)
        rc = mf__write_atomic(path->buf, script.buf, script.len, 0, err);
    mf__buf_release(&script);
    return rc;
}

/* sbatch's options for a gang of n: n tasks (one per node when asked). */
static int gang_opts(struct slurm_exec *ex, struct mf_slurm_argv *a, size_t n)
{
    if (mf__slurm_argv_addf(a, "--ntasks=%zu", n))
        return MF_ENOMEM;
    if (ex->so.gang_per_node &&
        (mf__slurm_argv_addf(a, "--nodes=%zu", n) || mf__slurm_argv_add(a, "--ntasks-per-node=1")))
        return MF_ENOMEM;
    return 0;
}

/* An array's tasks, one file each (DIR/0 .. DIR/n-1), and the batch script
 * that reads them into `script`: an element parses its own task only. */
static int array_script(struct slurm_exec *ex, const struct mf_slurm_script_task *st, size_t n,
                        struct mf_buf *script, struct mf_err *err)
{
    struct mf_buf dir = MF_BUF_INIT, path = MF_BUF_INIT, text = MF_BUF_INIT;
    int rc = mf__buf_addf(&dir, "%s/job-%" PRIu64 ".d", ex->state_dir, ex->seq) ? MF_ENOMEM : 0;
    for (size_t i = 0; !rc && i < n; i++) {
        mf__buf_reset(&path);
        mf__buf_reset(&text);
        if (mf__buf_addf(&path, "%s/%zu", dir.buf, i))
            rc = MF_ENOMEM;
        else if (!(rc = mf__slurm_task_file(&text, &st[i], err)))
            rc = mf__write_atomic(path.buf, text.buf, text.len, 0, err);
    }
    if (!rc)
        rc = mf__slurm_array_script(script, dir.buf, err);
    if (rc == MF_ENOMEM)
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    mf__buf_release(&dir);
    mf__buf_release(&path);
    mf__buf_release(&text);
    return rc;
}

/* Writes the batch script of tasks[0..n) and submits it, as an array when
 * n > 1, or as one job of n tasks for a gang. 0: submitted; 1: a transient
 * failure (try later); < 0: permanent, with Slurm's message in err. */
static int submit(struct slurm_exec *ex, struct stask **tasks, size_t n, struct mf_err *err)
{
    struct mf_buf script = MF_BUF_INIT, path = MF_BUF_INIT, log = MF_BUF_INIT;
    bool gang = tasks[0]->gang_size > 0, array = n > 1 && !gang;
    struct mf_slurm_argv a = { 0 };
    struct mf_slurm_script_task *st = mf__calloc(n, sizeof(*st));
    struct mf_slurm_out r = { MF_BUF_INIT, MF_BUF_INIT, -1 };
    int rc = st ? 0 : MF_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++)
        st[i] = (struct mf_slurm_script_task){ tasks[i]->argv, tasks[i]->out_log, tasks[i]->err_log,
                                               tasks[i]->exit_path };
    if (rc)
        goto out;
    ex->seq++;
    if ((rc = array ? array_script(ex, st, n, &script, err) : mf__slurm_script(&script, st, n, err)))
        goto out;
    if (mf__buf_addf(&path, "%s/job-%" PRIu64 ".sh", ex->state_dir, ex->seq) ||
        mf__buf_addf(&log, "%s/slurm-%s.log", ex->state_dir, array ? "%A_%a" : "%j")) {
        rc = MF_ENOMEM;
        goto out;
    }
    if ((rc = mf__write_atomic(path.buf, script.buf, script.len, 0, err)))
        goto out;
    if (gang && (rc = write_gang_script(ex, n, &path, err)))
        goto out;
    rc = mf__slurm_argv_add(&a, "sbatch") || add_job_opts(ex, &a, tasks[0]) ||
                 mf__slurm_argv_addf(&a, "--output=%s", log.buf) || (gang && gang_opts(ex, &a, n)) ||
                 (array && mf__slurm_argv_addf(&a, "--array=0-%zu%%%d", n - 1, ex->max_workers)) ||
                 mf__slurm_argv_add(&a, path.buf)
             ? MF_ENOMEM
             : 0;
    if (rc)
        goto out;
    ex->sbatches++;
    rc = mf__slurm_cmd(a.v, SUBMIT_TIMEOUT_S, &r, err);
    uint64_t job = 0;
    if (rc == MF_ETIMEDOUT) {
        /* It may have been accepted: a second submission could run the tasks twice, but the exit
         * files make the first one's outcome count; the other job is cancelled when found. */
        rc = 1;
    } else if (!rc && r.status == 0 && !mf__slurm_parse_jobid(r.out.buf, r.out.len, &job)) {
        rc = mf__slurm_record_job(ex, job, err);
        for (size_t i = 0; !rc && i < n; i++) {
            tasks[i]->job = job;
            tasks[i]->idx = array ? (int64_t)i : -1;
            tasks[i]->submitted = mf__slurm_now();
            tasks[i]->state = T_SUBMITTED;
            mf__slurm_job_str(tasks[i], tasks[i]->x.job_id, sizeof(tasks[i]->x.job_id));
        }
        if (!rc)
            rc = mf__slurm_tell_submitted(ex, tasks, n, err);
    } else if (!rc && r.status != 0 && mf__slurm_transient(r.err.buf)) {
        mf__slurm_note(ex, "sbatch failed, will retry: %s", mf__slurm_first_line(&r.err));
        rc = 1;
    } else if (!rc) {
        rc = mf__err(err, MF_EIO, "Slurm refused the job for '%s'%s: %s", tasks[0]->label,
                     gang ? " and the rest of its gang" : n > 1 ? " and the rest of its foreach" : "",
                     r.status == 0 ? "sbatch printed no job id" : mf__slurm_first_line(&r.err));
    }
out:
    if (rc == MF_ENOMEM)
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    mf__slurm_out_release(&r);
    mf__slurm_argv_release(&a);
    mf__free(st);
    mf__buf_release(&script);
    mf__buf_release(&path);
    mf__buf_release(&log);
    return rc;
}

static size_t in_flight(const struct slurm_exec *ex)
{
    size_t k = 0;
    for (size_t i = 0; i < ex->n; i++)
        k += ex->tasks[i]->state == T_SUBMITTED;
    return k;
}

/* Submits queued tasks while fewer than max_workers are in flight: each run of
 * queued tasks sharing a group key as job arrays of at most MaxArraySize
 * tasks, every other task as a job of its own. A transient failure backs off
 * (doubling, with jitter); a permanent one fails the tasks with Slurm's words. */
static int submit_queued(struct slurm_exec *ex, struct mf_err *err)
{
    double now = mf__slurm_now();
    if (now < ex->next_submit)
        return 0;
    size_t i = 0;
    while (i < ex->n && in_flight(ex) < (size_t)ex->max_workers) {
        if (ex->tasks[i]->state != T_QUEUED) {
            i++;
            continue;
        }
        size_t j = i + 1; /* the group: queued tasks with the same key, taken in order */
        struct stask *batch[1];
        struct stask **g = batch;
        size_t ng = 1;
        bool gang = ex->tasks[i]->gang_size > 0;
        if (gang) { /* its ranks follow in order: one job */
            ng = ex->tasks[i]->gang_size;
            if (ng > 1 && !(g = mf__calloc(ng, sizeof(*g))))
                return mf__err(err, MF_ENOMEM, "out of memory");
            int rc = mf__slurm_gang_of(ex, i, g);
            if (rc && g != batch)
                mf__free(g);
            if (rc)
                return mf__err(err, rc, "the %zu tasks of the gang of '%s' were not started in rank order one "
                               "after the other", ng, ex->tasks[i]->label);
        } else if (ex->tasks[i]->group) {
            while (j < ex->n && ng < (size_t)ex->max_array) {
                struct stask *u = ex->tasks[j];
                if (u->state == T_QUEUED && u->group && !strcmp(u->group, ex->tasks[i]->group))
                    ng++;
                j++;
            }
        }
        if (ng > 1 && !gang) {
            g = mf__calloc(ng, sizeof(*g));
            if (!g)
                return mf__err(err, MF_ENOMEM, "out of memory");
            size_t k = 0;
            for (size_t m = i; m < j && k < ng; m++)
                if (ex->tasks[m]->state == T_QUEUED && ex->tasks[m]->group &&
                    !strcmp(ex->tasks[m]->group, ex->tasks[i]->group))
                    g[k++] = ex->tasks[m];
        } else if (!gang) {
            batch[0] = ex->tasks[i];
        }
        struct mf_err serr = MF_ERR_INIT;
        int rc = submit(ex, g, ng, &serr);
        if (rc == 1) {
            if (ng > 1 && !gang) /* perhaps too big for the controller's job count: smaller next time */
                ex->max_array = max_i64(1, (int64_t)ng / 2);
            ex->backoff = ex->backoff > 0 ? min_d(ex->backoff * 2, BACKOFF_MAX_S) : 1.0;
            ex->next_submit = now + ex->backoff * (0.5 + (double)(mf__slurm_rand(ex) % 1000) / 1000.0);
        } else if (rc == MF_ENOMEM) {
            if (g != batch)
                mf__free(g);
            return mf__err(err, MF_ENOMEM, "%s", serr.msg);
        } else if (rc < 0) {
            mf__slurm_fail_tasks(g, ng, serr.msg);
        } else {
            ex->backoff = 0;
        }
        if (g != batch)
            mf__free(g);
        if (rc == 1)
            return 0;
    }
    return 0;
}

static int slurm_flush(struct mf_exec *base, struct mf_err *err)
{
    struct slurm_exec *ex = (struct slurm_exec *)base;
    return ex->alloc ? mf__slurm_alloc_launch(ex, err) : submit_queued(ex, err);
}

/* ---- completion ---- */

/* A task whose exit file appeared: its status; for a failure that came with a
 * signal from Slurm, Slurm's own word for it (TIMEOUT, CANCELLED, ...). */
static void finish_from_exit_file(struct slurm_exec *ex, struct stask *t)
{
    struct mf_buf text = MF_BUF_INIT;
    int st = -1;
    char sig[8] = "", job[32] = "";
    t->state = T_DONE;
    if (mf__read_file(t->exit_path, &text, NULL) || mf__slurm_parse_exit_file(text.buf, text.len, &st, sig, job)) {
        t->x.exited = true;
        t->x.exit_code = -1;
        snprintf(t->x.why, sizeof(t->x.why), "its exit file '%s' is unreadable", t->exit_path);
        mf__buf_release(&text);
        return;
    }
    mf__buf_release(&text);
    if (job[0]) /* the job that ran it says so itself (inside an allocation: the only source) */
        snprintf(t->x.job_id, sizeof(t->x.job_id), "%s", job);
    t->x.exited = mf__slurm_status_split(st, &t->x.exit_code, &t->x.signal);
    if (st == 0)
        return;
    if (t->cancelled_at > 0) {
        mf__slurm_set_why(&t->x, "CANCELLED: the run was stopped, and its jobs cancelled");
        mf__slurm_set_state(ex, t, "CANCELLED");
    } else if (!strcmp(sig, "USR2")) {
        t->x.timed_out = true;
        mf__slurm_set_state(ex, t, "TIMEOUT");
        snprintf(t->x.why, sizeof(t->x.why), "TIMEOUT: Slurm warned (USR2) that the job's time limit was near; "
                                             "the step was stopped");
    } else if (ex->alloc) {
        /* A job step: no job record of its own to ask about (no polling inside an allocation). */
        if (sig[0])
            snprintf(t->x.why, sizeof(t->x.why), "job step %s got SIG%s (%s)", job[0] ? job : "(unknown)", sig,
                     t->gang_size ? "srun stops a gang's ranks when one fails, or the allocation is ending"
                                  : "the allocation is ending, or the step was cancelled");
    } else if (sig[0] || st >= 128) {
        mf__slurm_explain(ex, t, true);
    }
}

/* Shows what the tasks due a look wrote, and reads their exit files; true
 * when one task ended. A task is due when its watch fired, when it has no
 * watch that sees every change, and at a sweep. */
static bool look_at_tasks(struct slurm_exec *ex, bool sweep)
{
    bool any = false;
    for (size_t i = 0; i < ex->n; i++) {
        struct stask *t = ex->tasks[i];
        if (t->state != T_SUBMITTED && t->state != T_RUNNING_LOCAL)
            continue;
        if (!sweep && t->trusted && !t->changed)
            continue;
        t->changed = false;
        ex->looks++;
        mf__slurm_tail(ex, t, false);
        if (access(t->exit_path, F_OK) == 0) {
            mf__slurm_tail(ex, t, true);
            if (t->state == T_RUNNING_LOCAL)
                mf__slurm_alloc_reap(ex, t);
            finish_from_exit_file(ex, t);
            any = true;
        }
    }
    return any;
}

/* mf__slurm_watch_wait's news: the tasks watched by `wd` are due a look; -1
 * (events lost) makes the next round a sweep. */
static void folder_changed(void *ctx, int wd)
{
    struct slurm_exec *ex = ctx;
    if (wd < 0) {
        ex->last_sweep = 0;
        return;
    }
    for (size_t i = 0; i < ex->n; i++)
        if (ex->tasks[i]->wd == wd) /* two attempts of a task share their folder's watch */
            ex->tasks[i]->changed = true;
}

/* A job Slurm keeps PENDING for a reason no wait ends (a gang asking for more
 * nodes than the partition has, with --slurm-gang-per-node): without this the
 * run would wait for ever. The job is cancelled (once: a gang's or an array's
 * tasks share it, and sit one after the other) and its task fails with
 * Slurm's reason; a retry would ask the same, and fail the same way. */
static void never_runs(struct slurm_exec *ex, struct stask *t, const char *reason, uint64_t *cancelled)
{
    char job[64];
    mf__slurm_job_str(t, job, sizeof(job));
    if (*cancelled != t->job)
        mf__slurm_cancel_job(ex, t->job);
    *cancelled = t->job;
    t->state = T_DONE;
    t->x.exited = false;
    t->x.signal = 0;
    snprintf(t->x.why, sizeof(t->x.why), "%s: Slurm cannot run job %s as asked: %s (it would pend for ever, so it "
             "was cancelled; the partition's limits: scontrol show partition)", reason, job,
             mf__slurm_never_runs(reason));
    mf__slurm_set_state(ex, t, "CANCELLED");
}

/* One squeue for the whole run: jobs still listed are alive; a task whose job
 * is no longer listed starts its grace period; one Slurm will never start fails. */
static void poll_queue(struct slurm_exec *ex, double now)
{
    ex->last_poll = now;
    char name[300];
    snprintf(name, sizeof(name), "--name=%s", ex->job_name);
    char *argv[] = { (char *)"squeue", (char *)"-h", name, (char *)"-o", (char *)"%i|%T|%r", NULL };
    struct mf_slurm_out r;
    struct mf_err err = MF_ERR_INIT;
    uint64_t cancelled = 0;
    ex->squeues++;
    if (mf__slurm_cmd(argv, QUERY_TIMEOUT_S, &r, &err) || r.status != 0) {
        mf__slurm_note(ex, "squeue failed (the queue is asked again in %g s): %s", ex->so.poll_s,
                       err.msg[0] ? err.msg : mf__slurm_first_line(&r.err));
        mf__slurm_out_release(&r);
        return;
    }
    for (size_t i = 0; i < ex->n; i++) {
        struct stask *t = ex->tasks[i];
        if (t->state != T_SUBMITTED || t->submitted > now - 0.001)
            continue;
        bool listed = false;
        const char *p = r.out.buf, *end = r.out.buf + r.out.len;
        while (p < end && !listed) {
            const char *eol = memchr(p, '\n', (size_t)(end - p));
            if (!eol)
                eol = end;
            struct mf_slurm_qrow row;
            if (!mf__slurm_parse_squeue_line(p, (size_t)(eol - p), &row) && mf__slurm_qrow_has(&row, t->job, t->idx)) {
                listed = true;
                t->waits = !strcmp(row.state, "PENDING");
                if (t->waits && mf__slurm_never_runs(row.reason))
                    never_runs(ex, t, row.reason, &cancelled);
            }
            p = eol + 1;
        }
        if (t->state == T_DONE)
            continue;
        t->waits = listed && t->waits;
        if (listed)
            t->gone_since = 0;
        else if (t->gone_since == 0)
            t->gone_since = now;
    }
    mf__slurm_out_release(&r);
}

/* Tasks whose job left the queue more than the grace period ago without an
 * exit file, and tasks we cancelled ourselves: ended, with Slurm's account. */
static bool check_gone(struct slurm_exec *ex, double now)
{
    bool any = false;
    for (size_t i = 0; i < ex->n; i++) {
        struct stask *t = ex->tasks[i];
        if (t->state != T_SUBMITTED)
            continue;
        bool cancelled = t->cancelled_at > 0 && now - t->cancelled_at >= CANCELLED_WAIT_S;
        if (!cancelled && !(t->gone_since > 0 && now - t->gone_since >= ex->so.grace_s))
            continue;
        if (access(t->exit_path, F_OK) == 0) {
            t->changed = true; /* look_at_tasks takes it next round */
            continue;
        }
        mf__slurm_tail(ex, t, true);
        t->state = T_DONE;
        t->x.exited = false;
        t->x.signal = cancelled ? SIGTERM : 0;
        if (cancelled) {
            snprintf(t->x.why, sizeof(t->x.why), "CANCELLED: the run was stopped");
            mf__slurm_set_state(ex, t, "CANCELLED");
        } else
            mf__slurm_explain(ex, t, false);
        any = true;
    }
    return any;
}

/* Hands back one ended task, or false. */
static bool pop_done(struct slurm_exec *ex, struct mf_exit *out)
{
    for (size_t i = 0; i < ex->n; i++) {
        struct stask *t = ex->tasks[i];
        if (t->state != T_DONE)
            continue;
        *out = t->x;
        mf__slurm_watch_rm(ex->watch_fd, t->wd);
        mf__slurm_stask_free(t);
        /* In order: a gang's queued ranks must stay one after the other (submit_queued). */
        memmove(ex->tasks + i, ex->tasks + i + 1, (--ex->n - i) * sizeof(*ex->tasks));
        return true;
    }
    return false;
}

static int slurm_wait(struct mf_exec *base, struct mf_exit *out, int timeout_ms, struct mf_err *err)
{
    struct slurm_exec *ex = (struct slurm_exec *)base;
    double deadline = timeout_ms < 0 ? 1e300 : mf__slurm_now() + timeout_ms / 1000.0;
    if (ex->n == 0)
        return mf__err(err, MF_ENOENT, "no task is running");
    for (;;) {
        if (pop_done(ex, out))
            return 0;
        double now = mf__slurm_now();
        int rc = ex->alloc ? mf__slurm_alloc_launch(ex, err) : submit_queued(ex, err);
        if (rc)
            return rc;
        bool sweep = now - ex->last_sweep >= SWEEP_S;
        if (sweep)
            ex->last_sweep = now;
        if (look_at_tasks(ex, sweep))
            continue;
        if (ex->alloc && mf__slurm_alloc_check(ex))
            continue;
        if (!ex->alloc && in_flight(ex) && now - ex->last_poll >= ex->so.poll_s)
            poll_queue(ex, now);
        if (check_gone(ex, now))
            continue;
        if (now >= deadline)
            return MF_ETIMEDOUT;
        /* Woken at once by a change in a watched folder (local filesystems); else the
         * nap ends and the unwatched tasks' files are looked at (the only way over NFS). */
        int w = mf__slurm_watch_wait(ex->watch_fd, min_d(ex->nap_s, deadline - now), folder_changed, ex);
        if (w == MF_ECANCELED)
            return MF_ECANCELED;
        /* Back off while nothing happens. */
        if (w == 0)
            ex->nap_s = min_d(ex->nap_s * 1.5, 0.25);
    }
}

static size_t slurm_running(const struct mf_exec *base)
{
    const struct slurm_exec *ex = (const struct slurm_exec *)base;
    return ex->n;
}

/* Not submitted yet (throttled, or backing off), or PENDING at the last
 * squeue: known from what the run already asked, never a query of its own. */
static size_t slurm_queued(const struct mf_exec *base)
{
    const struct slurm_exec *ex = (const struct slurm_exec *)base;
    size_t n = 0;
    for (size_t i = 0; i < ex->n; i++)
        n += ex->tasks[i]->state == T_QUEUED || (ex->tasks[i]->state == T_SUBMITTED && ex->tasks[i]->waits);
    return n;
}

/* Cancels every job this run still has in the queue: batched scancel by job
 * id (an array's id cancels all its tasks), never by name. Queued tasks that
 * were never submitted end now. */
static void slurm_signal_all(struct mf_exec *base, int sig)
{
    struct slurm_exec *ex = (struct slurm_exec *)base;
    (void)sig; /* TERM and KILL alike: scancel sends TERM, then KILL after the cluster's KillWait */
    double now = mf__slurm_now();
    for (size_t i = 0; i < ex->n; i++) {
        struct stask *t = ex->tasks[i];
        if (t->state == T_QUEUED) {
            t->state = T_DONE;
            t->x.exited = false;
            t->x.signal = SIGTERM;
            snprintf(t->x.why, sizeof(t->x.why), "CANCELLED: the run was stopped before the job was submitted");
            snprintf(t->x.state, sizeof(t->x.state), "CANCELLED");
        } else if (t->state == T_SUBMITTED && t->cancelled_at == 0) {
            t->cancelled_at = now;
        }
    }
    if (ex->alloc)
        mf__slurm_alloc_signal(ex, sig);
    else /* TERM and then KILL from the scheduler: a job is cancelled once */
        mf__slurm_cancel_all(ex, now);
}

static void slurm_free(struct mf_exec *base)
{
    struct slurm_exec *ex = (struct slurm_exec *)base;
    if (!ex)
        return;
    bool live = false;
    for (size_t i = 0; i < ex->n; i++)
        live = live || ex->tasks[i]->state == T_SUBMITTED || ex->tasks[i]->state == T_RUNNING_LOCAL;
    if (live) {
        if (ex->alloc)
            mf__slurm_alloc_signal(ex, SIGKILL);
        else
            mf__slurm_cancel_all(ex, 0);
    }
    for (size_t i = 0; i < ex->n; i++) {
        if (ex->tasks[i]->state == T_RUNNING_LOCAL)
            mf__slurm_alloc_reap(ex, ex->tasks[i]);
        mf__slurm_watch_rm(ex->watch_fd, ex->tasks[i]->wd);
        mf__slurm_stask_free(ex->tasks[i]);
    }
    mf__slurm_watch_close(ex->watch_fd);
    if (ex->stats) /* for tests and tuning: what following the run cost */
        fprintf(stderr, "slurm stats: %" PRIu64 " task looks, %" PRIu64 " sbatch, %" PRIu64 " squeue\n", ex->looks,
                ex->sbatches, ex->squeues);
    mf__free(ex->tasks);
    mf__free(ex->jobs);
    mf__free(ex->job_name);
    mf__free(ex->state_dir);
    mf__free(ex);
}

static int slurm_bind_run(struct mf_exec *base, const char *job_name, const char *state_dir, struct mf_err *err)
{
    struct slurm_exec *ex = (struct slurm_exec *)base;
    mf__free(ex->job_name);
    mf__free(ex->state_dir);
    ex->job_name = mf__strdup(job_name);
    ex->state_dir = mf__strdup(state_dir);
    if (!ex->job_name || !ex->state_dir)
        return mf__err(err, MF_ENOMEM, "out of memory");
    return mf__mkdirs(ex->state_dir, err);
}

static const struct mf_exec_ops slurm_ops = {
    .name = "slurm",
    .console_fn = true,
    .self_limiting = true,
    .start = slurm_start,
    .flush = slurm_flush,
    .bind_run = slurm_bind_run,
    .wait = slurm_wait,
    .running = slurm_running,
    .queued = slurm_queued,
    .signal_all = slurm_signal_all,
    .free = slurm_free,
};

/* The largest array to submit: the cluster's MaxArraySize, and half its MaxJobCount. */
static int read_max_array(struct slurm_exec *ex, struct mf_err *err)
{
    char *argv[] = { (char *)"scontrol", (char *)"show", (char *)"config", NULL };
    struct mf_slurm_out r;
    int rc = mf__slurm_cmd(argv, QUERY_TIMEOUT_S, &r, err);
    int64_t v = 0;
    if (!rc && r.status != 0)
        rc = mf__err(err, MF_EIO, "cannot reach the Slurm controller ('scontrol show config' failed: %s); "
                                  "is SLURM_CONF set and slurmctld up?",
                     mf__slurm_first_line(&r.err));
    else if (!rc && mf__slurm_config_int(r.out.buf, r.out.len, "MaxArraySize", &v))
        rc = mf__err(err, MF_EIO, "'scontrol show config' shows no MaxArraySize");
    /* Every array task counts against MaxJobCount (finished ones too, for MinJobAge): an array
     * larger than the controller's room would be refused for ever, so take half of it at most. */
    int64_t jobs = 0;
    if (!rc && !mf__slurm_config_int(r.out.buf, r.out.len, "MaxJobCount", &jobs) && jobs > 0)
        v = v < jobs / 2 ? v : jobs / 2;
    mf__slurm_out_release(&r);
    if (!rc)
        ex->max_array = max_i64(1, v);
    return rc;
}

int mf__exec_slurm_new(const struct mf_exec_opts *o, struct mf_exec **out, struct mf_err *err)
{
    *out = NULL;
    struct slurm_exec *ex = mf__calloc(1, sizeof(*ex));
    if (!ex)
        return mf__err(err, MF_ENOMEM, "out of memory");
    ex->base.ops = &slurm_ops;
    ex->watch_fd = mf__slurm_watch_open(); /* -1 (no events: naps only) is fine */
    ex->cout = o->console_out;
    ex->cerr = o->console_err;
    ex->console_fn = o->console_fn;
    ex->console_ctx = o->console_ctx;
    if (o->slurm)
        ex->so = *o->slurm;
    if (ex->so.poll_s <= 0)
        ex->so.poll_s = 30;
    if (ex->so.grace_s <= 0)
        ex->so.grace_s = 10;
    ex->max_workers = o->max_workers > 0 ? o->max_workers : 16;
    ex->on_submitted = o->on_submitted;
    ex->on_submitted_ctx = o->on_submitted_ctx;
    ex->nap_s = 0.02;
    ex->rng = (uint64_t)getpid() * 0x9E3779B97F4A7C15u ^ (uint64_t)time(NULL);
    ex->stats = getenv("MF_SLURM_STATS") != NULL;
    const char *jid = getenv("SLURM_JOB_ID");
    ex->alloc = jid && *jid;
    int rc = ex->alloc ? 0 : read_max_array(ex, err); /* before the run exists: no controller, no run */
    if (rc) {
        slurm_free(&ex->base);
        return rc;
    }
    *out = &ex->base;
    return 0;
}
