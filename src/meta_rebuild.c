/* SPDX-License-Identifier: Apache-2.0 */
/*
 * meta_rebuild.c - `metadata rebuild` (meta_rebuild.h): decide whether the
 * database can be kept, then record each run directory it lacks, with one
 * row per attempt of each task found on disk.
 */
#include "meta_rebuild.h"

#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "datastore.h"
#include "json.h"
#include "meta.h"
#include "run_clones.h"
#include "run_record.h"
#include "slurm.h"
#include "store_scan.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/strmap.h"
#include "value.h"

/* A cluster job of one attempt, from its "<N>.exit" (written by the job) and
 * "<N>.slurm" (written by the scheduler when the cluster ended it). */
struct fjob {
    int attempt;
    char job[32], state[24];
    int status; /* the exit file's STATUS (128+N: signal N); -1 without one */
    bool timed_out; /* the exit file says TIMEOUT (local) or USR2 (Slurm's warning), or Slurm's state does */
};

/* One task directory as found. */
struct found {
    char *step, *task, *stack;
    char *inputs; /* from a version 3 index; "" otherwise */
    int attempts; /* attempts seen (logs, index) */
    bool ok;      /* has an index */
    char *origin, *memo_key; /* cloned, not run: from the run's clone log (run_clones.h) */
    double start, end;
    struct fjob *jobs;
    size_t njobs, jobs_cap;
};

struct rctx {
    struct found *t;
    size_t n, cap;
    double params_time;
    struct mf_err *err;
};

static void found_release(struct rctx *r)
{
    for (size_t i = 0; i < r->n; i++) {
        mf__free(r->t[i].step);
        mf__free(r->t[i].task);
        mf__free(r->t[i].stack);
        mf__free(r->t[i].inputs);
        mf__free(r->t[i].origin);
        mf__free(r->t[i].memo_key);
        mf__free(r->t[i].jobs);
    }
    r->n = 0;
}

static struct fjob *job_of(struct found *f, int attempt)
{
    for (size_t i = 0; i < f->njobs; i++)
        if (f->jobs[i].attempt == attempt)
            return &f->jobs[i];
    if (MF_GROW(f->jobs, f->jobs_cap, f->njobs + 1))
        return NULL;
    memset(&f->jobs[f->njobs], 0, sizeof(f->jobs[0]));
    f->jobs[f->njobs].attempt = attempt;
    f->jobs[f->njobs].status = -1;
    return &f->jobs[f->njobs++];
}

/* Copies the first word of `text` after skipping `skip` words, if it is made
 * of `allowed` characters only (and fits). */
static void word(const char *text, int skip, const char *allowed, char *out, size_t size)
{
    const char *p = text;
    for (int i = 0; i < skip && *p; i++) {
        p += strcspn(p, " \n");
        p += *p == ' ';
    }
    size_t n = strcspn(p, " \n");
    if (n > 0 && n < size && strspn(p, allowed) >= n) {
        memcpy(out, p, n);
        out[n] = '\0';
    }
}

/* "<N>.exit" ("STATUS SIGNAL JOB": written by a Slurm job, or by the
 * scheduler for a failed local attempt) and "<N>.slurm" ("JOB STATE"): the
 * job that ran attempt N, its exit status, and how the cluster ended it. */
static void read_job_file(const char *path, int attempt, bool exit_file, struct found *f)
{
    struct mf_buf text = MF_BUF_INIT;
    struct fjob *j = mf__read_file(path, &text, NULL) || text.len > 200 ? NULL : job_of(f, attempt);
    static const char ids[] = "0123456789_.";
    int status = -1;
    char sig[8], job[32] = "";
    if (j && exit_file && !mf__slurm_parse_exit_file(text.buf, text.len, &status, sig, job)) {
        j->status = status;
        j->timed_out = j->timed_out || !strcmp(sig, "TIMEOUT") || !strcmp(sig, "USR2");
        if (!j->job[0])
            snprintf(j->job, sizeof(j->job), "%s", job);
    }
    if (j && !exit_file) {
        word(text.buf, 0, ids, j->job, sizeof(j->job));
        word(text.buf, 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_", j->state, sizeof(j->state));
        j->timed_out = j->timed_out || !strcmp(j->state, "TIMEOUT");
    }
    mf__buf_release(&text);
}

/* Attempts from the log file names ("<N>.stdout"), and the earliest and
 * latest file times of the directory. */
static void look_inside(const char *dir, struct found *f)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct mf_buf p = MF_BUF_INIT;
    while (d && (e = readdir(d)) != NULL) {
        char *end = NULL;
        long a = strtol(e->d_name, &end, 10);
        bool log = end != e->d_name && (!strcmp(end, ".stdout") || !strcmp(end, ".stderr"));
        bool exit_file = end != e->d_name && !strcmp(end, ".exit"), slurm = end != e->d_name && !strcmp(end, ".slurm");
        if ((exit_file || slurm) && a >= 0 && a < 100000) {
            mf__buf_reset(&p);
            if (!mf__buf_addf(&p, "%s/%s", dir, e->d_name))
                read_job_file(p.buf, (int)a, exit_file, f);
        }
        if (log && a >= 0 && a < 100000 && a + 1 > f->attempts)
            f->attempts = (int)a + 1;
        struct stat st;
        mf__buf_reset(&p);
        if ((log || !strcmp(e->d_name, "index")) && !mf__buf_addf(&p, "%s/%s", dir, e->d_name) &&
            stat(p.buf, &st) == 0) {
            double t = mf__scan_mtime(&st);
            f->start = f->start == 0 || t < f->start ? t : f->start;
            f->end = t > f->end ? t : f->end;
        }
    }
    if (d)
        closedir(d);
    mf__buf_release(&p);
}

static int on_task(void *ctx, const struct mf_scan_task *t)
{
    struct rctx *r = ctx;
    if (!strcmp(t->step, "_parameters")) {
        r->params_time = t->ix_mtime;
        return 0;
    }
    if (MF_GROW(r->t, r->cap, r->n + 1))
        return mf__err(r->err, MF_ENOMEM, "out of memory");
    struct found *f = &r->t[r->n];
    memset(f, 0, sizeof(*f));
    f->step = mf__strdup(t->step);
    f->task = mf__strdup(t->task);
    f->stack = mf__strdup(t->ix && t->ix->stack ? t->ix->stack : "");
    f->inputs = mf__strdup(t->ix && t->ix->inputs ? t->ix->inputs : "");
    r->n++;
    if (!f->step || !f->task || !f->stack || !f->inputs)
        return mf__err(r->err, MF_ENOMEM, "out of memory");
    f->ok = t->ix != NULL;
    look_inside(t->dir, f);
    if (f->ok && t->ix->attempt + 1 > f->attempts)
        f->attempts = t->ix->attempt + 1;
    if (f->attempts == 0)
        f->attempts = 1;
    return 0;
}

/* The run's parameters as JSON, from its _parameters index ("{}" without). */
static char *params_json(const char *root, const char *flow, const char *run)
{
    struct mf_ds *ds = NULL;
    struct mf_index ix;
    struct mf_buf doc = MF_BUF_INIT;
    mf_value *map = mf_value_map();
    mf__index_init(&ix);
    bool ok = map && !mf__ds_open(root, flow, 0, &ds, NULL);
    if (ok && !mf__ds_read_index(ds, run, "_parameters", "0", &ix, NULL))
        for (size_t i = 0; ok && i < ix.n; i++) {
            mf_value *v = NULL;
            ok = !mf__ds_load(ds, &ix.arts[i], &v, NULL) && !mf_value_map_put(map, ix.arts[i].name, v);
        }
    char *out = ok && !mf__json_dump(map, &doc) ? mf__buf_detach(&doc, NULL) : mf__strdup("{}");
    mf__buf_release(&doc);
    mf_value_free(map);
    mf__index_release(&ix);
    mf__ds_close(ds);
    return out;
}

static int record_tasks(struct mf_meta *m, const char *flow, const char *run, struct rctx *r,
                        struct mf_rebuild_stats *st, struct mf_err *err)
{
    int rc = 0;
    for (size_t i = 0; i < r->n && !rc; i++) {
        const struct found *f = &r->t[i];
        for (int a = 0; a < f->attempts && !rc; a++) {
            bool last = a + 1 == f->attempts;
            struct fjob *j = NULL;
            for (size_t k = 0; k < f->njobs && !j; k++)
                j = f->jobs[k].attempt == a ? (struct fjob *)&f->jobs[k] : NULL;
            /* an attempt that committed its index exited 0; a failed one's
             * status is in its exit file, when it has one */
            bool cloned = last && f->ok && f->origin;
            int code, sig;
            mf__slurm_status_split(cloned ? -1 : last && f->ok ? 0 : j ? j->status : -1, &code, &sig);
            struct mf_meta_task t = { .step = f->step, .task_id = f->task, .attempt = a,
                                      .status = (char *)(last && f->ok ? "succeeded" : "failed"),
                                      .start = f->start, .end = f->end, .exit_code = code, .signal = sig,
                                      .timed_out = !(last && f->ok) && j && j->timed_out, .stack = f->stack,
                                      .input_paths = f->inputs, .origin = cloned ? f->origin : NULL,
                                      .memo_hit = cloned && f->memo_key,
                                      .memo_key = cloned ? f->memo_key : NULL,
                                      .job_id = j && j->job[0] ? j->job : NULL,
                                      .job_state = j && j->state[0] ? j->state : NULL };
            rc = mf__meta_task_finish(m, flow, run, &t, err);
            if (!rc && t.job_id) /* counted in the run's jobs */
                rc = mf__meta_task_jobs(m, flow, run, &t, 1, err);
        }
        st->tasks++;
    }
    return rc;
}

/* Reading the run's clone log: its tasks found on disk with an index, by
 * "STEP/TASK" (value: position + 1), so that a resume of 100,000 clones is
 * not 100,000 scans of the task list. */
struct clone_ctx {
    struct rctx *r;
    struct mf_strmap by_name;
    struct mf_buf key;
};

static int clone_key(struct clone_ctx *c, const char *step, const char *task, int64_t **slot)
{
    mf__buf_reset(&c->key);
    *slot = mf__buf_addf(&c->key, "%s/%s", step, task) ? NULL : mf__strmap_slot(&c->by_name, c->key.buf);
    return *slot ? 0 : mf__err(c->r->err, MF_ENOMEM, "out of memory");
}

/* A line of the log: the task it names was cloned from its origin. A task
 * named twice keeps the last line; one not found is ignored (its folder or
 * its index is gone: it is recorded as failed, as it was found). */
static int on_clone(void *ctx, const struct mf_clone_line *line)
{
    struct clone_ctx *c = ctx;
    int64_t *slot;
    int rc = clone_key(c, line->step, line->task_id, &slot);
    if (rc || *slot == 0)
        return rc;
    struct found *f = &c->r->t[*slot - 1];
    mf__free(f->origin);
    mf__free(f->memo_key);
    f->memo_key = NULL;
    if (!(f->origin = mf__strdup(line->origin)) || (line->memo_key && !(f->memo_key = mf__strdup(line->memo_key))))
        return mf__err(c->r->err, MF_ENOMEM, "out of memory");
    return 0;
}

/* Marks the tasks of run RUN that its clone log names; `*bad` counts the
 * lines that do not parse. */
static int read_clones(const char *root, const char *flow, const char *run, struct rctx *r, size_t *bad,
                       struct mf_err *err)
{
    struct clone_ctx c = { .r = r, .by_name = MF_STRMAP_INIT, .key = MF_BUF_INIT };
    int rc = 0;
    for (size_t i = 0; i < r->n && !rc; i++) {
        int64_t *slot;
        if (r->t[i].ok && !(rc = clone_key(&c, r->t[i].step, r->t[i].task, &slot)))
            *slot = (int64_t)i + 1;
    }
    if (!rc)
        rc = mf__run_clones_read(root, flow, run, on_clone, &c, bad, err);
    mf__strmap_release(&c.by_name);
    mf__buf_release(&c.key);
    return rc;
}

static const char *owner(const char *dir)
{
    struct stat st;
    struct passwd *pw = stat(dir, &st) == 0 ? getpwuid(st.st_uid) : NULL;
    return pw && pw->pw_name ? pw->pw_name : "unknown";
}

/* Records run `run` of `flow` from its directory. */
static int rebuild_run(struct mf_meta *m, const char *root, const char *flow, const char *run,
                       struct mf_rebuild_stats *st, struct mf_err *err)
{
    struct rctx r = { .err = err };
    struct mf_buf dir = MF_BUF_INIT;
    char *pjson = NULL, **sys = NULL;
    size_t nsys = 0;
    struct mf_run_record copy = { 0 };
    int rc = mf__scan_indexes(root, flow, run, on_task, NULL, &r, err);
    if (rc)
        goto out;
    double start = r.params_time, end = r.params_time;
    bool ok = false;
    for (size_t i = 0; i < r.n; i++) {
        start = start == 0 || (r.t[i].start > 0 && r.t[i].start < start) ? r.t[i].start : start;
        end = r.t[i].end > end ? r.t[i].end : end;
        ok = ok || (r.t[i].ok && !strcmp(r.t[i].step, "end"));
    }
    pjson = params_json(root, flow, run);
    if (!pjson || mf__buf_addf(&dir, "%s/%s/%s", root, flow, run)) {
        rc = mf__err(err, MF_ENOMEM, "out of memory");
        goto out;
    }
    struct stat sb;
    if (start == 0 && stat(dir.buf, &sb) == 0) /* a run that left nothing */
        start = end = mf__scan_mtime(&sb);
    /* The tags and origin the run's directory keeps a copy of (run_record.h);
     * for a run without one (made before the copy existed), the system tags
     * that can be known from the directory: its owner and the date. */
    const char *user = owner(dir.buf);
    if (mf__meta_system_tags(user, MF_RUNTIME_DEV, start, &sys, &nsys)) {
        rc = mf__err(err, MF_ENOMEM, "out of memory");
        goto out;
    }
    char *known[] = { sys[0], sys[3] }; /* user:, date: */
    struct mf_meta_run rec = { .flow = (char *)flow, .run_id = (char *)run, .status = (char *)"running",
                               .user = (char *)user, .params_json = pjson, .start = start,
                               .sys_tags = known, .nsys_tags = 2 };
    struct mf_err why = MF_ERR_INIT;
    int got = mf__run_record_read(root, flow, run, &copy, &why);
    if (got == MF_ENOMEM) {
        rc = mf__err(err, MF_ENOMEM, "out of memory");
        goto out;
    }
    if (got == 0) {
        rec.sys_tags = copy.sys_tags;
        rec.nsys_tags = copy.nsys_tags;
        rec.tags = copy.tags;
        rec.ntags = copy.ntags;
        rec.origin_run_id = copy.origin_run_id;
        st->copies++;
    } else if (got != MF_ENOENT && !st->damaged[0]) {
        snprintf(st->damaged, sizeof(st->damaged), "%s", why.msg);
    }
    size_t bad = 0;
    rc = read_clones(root, flow, run, &r, &bad, err);
    if (!rc && bad && !st->damaged[0])
        snprintf(st->damaged, sizeof(st->damaged), "%zu line(s) of the clone log '%s/_clones' do not parse (a crash "
                 "cuts at most the last one short): those tasks are recorded as run, not cloned", bad, dir.buf);
    if (!rc)
        rc = mf__meta_run_create(m, &rec, err);
    if (!rc)
        rc = record_tasks(m, flow, run, &r, st, err);
    if (!rc)
        rc = mf__meta_run_finish(m, flow, run, ok ? "succeeded" : "failed", end > start ? end : start, err);
    st->runs += !rc;
out:
    found_release(&r);
    mf__free(r.t);
    mf__free(pjson);
    mf_strv_free(sys);
    mf__run_record_release(&copy);
    mf__buf_release(&dir);
    return rc;
}

static bool is_flow_name(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9') ||
              s[n] == '_'))
            return false;
    return n > 0 && n <= 200 && strcmp(s, "objects") != 0;
}

/* Every run directory of `flow` the database does not have. */
static int rebuild_flow(struct mf_meta *m, const char *root, const char *flow, struct mf_rebuild_stats *st,
                        struct mf_err *err)
{
    struct mf_buf dir = MF_BUF_INIT;
    int rc = mf__buf_addf(&dir, "%s/%s", root, flow) ? mf__err(err, MF_ENOMEM, "out of memory") : 0;
    DIR *d = rc ? NULL : opendir(dir.buf);
    struct dirent *e;
    while (d && !rc && (e = readdir(d)) != NULL) {
        if (!mf__is_run_id(e->d_name))
            continue;
        struct mf_meta_run have;
        memset(&have, 0, sizeof(have));
        rc = mf__meta_run(m, flow, e->d_name, &have, err);
        mf__meta_run_release(&have);
        if (rc == MF_ENOENT)
            rc = rebuild_run(m, root, flow, e->d_name, st, err);
        else if (!rc)
            st->runs_kept++;
    }
    if (d)
        closedir(d);
    mf__buf_release(&dir);
    return rc;
}

bool mf__meta_has_run_dirs(const char *root)
{
    bool found = false;
    DIR *d = opendir(root);
    struct mf_buf dir = MF_BUF_INIT;
    for (struct dirent *e; d && !found && (e = readdir(d)) != NULL;) {
        if (!is_flow_name(e->d_name))
            continue;
        mf__buf_reset(&dir);
        DIR *flow = mf__buf_addf(&dir, "%s/%s", root, e->d_name) ? NULL : opendir(dir.buf);
        for (struct dirent *r; flow && !found && (r = readdir(flow)) != NULL;)
            found = mf__is_run_id(r->d_name);
        if (flow)
            closedir(flow);
    }
    if (d)
        closedir(d);
    mf__buf_release(&dir);
    return found;
}

int mf__meta_missing_err(const char *root, struct mf_err *err)
{
    if (mf__meta_has_run_dirs(root))
        return mf__err(err, MF_ENOENT,
                       "'%s/metadata.db' is missing, but the root holds run directories: rebuild it by running "
                       "any flow program with 'metadata rebuild --datastore-root %s'", root, root);
    return mf__err(err, MF_ENOENT, "nothing was run under '%s' yet: run a flow there first, or open the root it used",
                   root);
}

/* true when the database opens for writing and its runs read back. */
static bool healthy(const char *root, struct mf_meta **out, struct mf_err *err)
{
    char **flows = NULL;
    size_t n = 0;
    bool ok = !mf__meta_open(root, false, out, err) && !mf__meta_flows(*out, &flows, &n, err);
    for (size_t i = 0; i < n; i++) {
        struct mf_meta_run *runs = NULL;
        size_t nr = 0;
        ok = ok && !mf__meta_runs(*out, flows[i], &runs, &nr, err);
        for (size_t j = 0; j < nr; j++)
            mf__meta_run_release(&runs[j]);
        mf__free(runs);
        mf__free(flows[i]);
    }
    mf__free(flows);
    if (!ok) {
        mf__meta_close(*out);
        *out = NULL;
    }
    return ok;
}

/* Moves metadata.db and its -wal and -shm to metadata.db.broken-TIME*. */
static int move_aside(const char *root, struct mf_rebuild_stats *st, struct mf_err *err)
{
    static const char *const parts[] = { "", "-wal", "-shm" };
    struct mf_buf from = MF_BUF_INIT, to = MF_BUF_INIT;
    int rc = 0;
    long now = (long)time(NULL);
    for (size_t i = 0; i < 3 && !rc; i++) {
        mf__buf_reset(&from);
        mf__buf_reset(&to);
        if (mf__buf_addf(&from, "%s/metadata.db%s", root, parts[i]) ||
            mf__buf_addf(&to, "%s/metadata.db.broken-%ld%s", root, now, parts[i]))
            rc = mf__err(err, MF_ENOMEM, "out of memory");
        else if (rename(from.buf, to.buf) != 0 && errno != ENOENT)
            rc = mf__err_errno(err, MF_EIO, errno, "cannot move '%s' aside to '%s'", from.buf, to.buf);
        else if (i == 0 && mf__path_exists(to.buf))
            snprintf(st->aside, sizeof(st->aside), "%s", to.buf);
    }
    mf__buf_release(&from);
    mf__buf_release(&to);
    return rc;
}

int mf__meta_rebuild(const char *root, struct mf_rebuild_stats *st, struct mf_err *err)
{
    struct mf_meta *m = NULL;
    struct mf_buf db = MF_BUF_INIT;
    struct mf_err why = MF_ERR_INIT;
    memset(st, 0, sizeof(*st));
    int rc = mf__buf_addf(&db, "%s/metadata.db", root) ? mf__err(err, MF_ENOMEM, "out of memory") : 0;
    if (!rc && !mf__path_exists(root))
        rc = mf__err(err, MF_ENOENT, "there is no datastore at '%s'", root);
    if (!rc && mf__path_exists(db.buf) && !healthy(root, &m, &why))
        rc = move_aside(root, st, err);
    if (!rc && !m)
        rc = mf__meta_open(root, false, &m, err);
    DIR *d = rc ? NULL : opendir(root);
    if (!rc && !d)
        rc = mf__err_errno(err, MF_EIO, errno, "cannot list '%s'", root);
    struct dirent *e;
    while (d && !rc && (e = readdir(d)) != NULL) {
        struct stat sb;
        struct mf_buf p = MF_BUF_INIT;
        if (is_flow_name(e->d_name) && !mf__buf_addf(&p, "%s/%s", root, e->d_name) && lstat(p.buf, &sb) == 0 &&
            S_ISDIR(sb.st_mode))
            rc = rebuild_flow(m, root, e->d_name, st, err);
        mf__buf_release(&p);
    }
    if (d)
        closedir(d);
    mf__meta_close(m);
    mf__buf_release(&db);
    return rc;
}
