/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verify.c - `verify` (verify.h): decode every index, re-hash every object
 * once however many tasks name it, then compare the metadata with the run
 * directories. Objects are checked by mf__cas_verify, which streams them
 * through SHA-256 without decoding: verification runs at hashing speed.
 */
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cas.h"
#include "meta.h"
#include "store_scan.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fsutil.h"

struct ref {
    char hex[MF_HASH_HEX_LEN + 1];
    char *where; /* "RUN/STEP/TASK (artifact 'x')", FLOW/ first for another flow */
    char *run;   /* "RUN", or "RUN of flow 'F'" */
    char *step;
    unsigned long long run_num, task_num;
};

struct runkey {
    char *flow, *run;
};

struct vctx {
    const char *root, *flow, *run;
    struct mf_cas *cas;
    struct ref *refs;
    size_t nrefs, cap;
    struct runkey *seen; /* runs with at least one index */
    size_t nseen, seen_cap;
    mf_verify_fn fn;
    void *ctx;
    struct mf_verify_stats *st;
    struct mf_err *err;
};

static int oom(struct vctx *v) { return mf__err(v->err, MF_ENOMEM, "out of memory"); }

static int report(struct vctx *v, const char *kind, const char *path, const char *what, const char *fix,
                  const char *const *tasks, size_t ntasks, const char *const *runs, size_t nruns)
{
    struct mf_verify_problem p = { kind, path, what, fix, tasks, ntasks, runs, nruns };
    v->st->problems++;
    return v->fn ? v->fn(v->ctx, &p) : 0;
}

/* "RUN/STEP/TASK" of the verified flow, "FLOW/RUN/STEP/TASK" of another. */
static int task_name(struct vctx *v, const char *flow, const char *run, const char *step, const char *task,
                     struct mf_buf *out)
{
    bool home = v->flow && !strcmp(flow, v->flow);
    return mf__buf_addf(out, "%s%s%s/%s/%s", home ? "" : flow, home ? "" : "/", run, step, task);
}

static int run_name(struct vctx *v, const char *flow, const char *run, struct mf_buf *out)
{
    bool home = v->flow && !strcmp(flow, v->flow);
    return home ? mf__buf_addf(out, "%s", run) : mf__buf_addf(out, "%s of flow '%s'", run, flow);
}

static int note_run(struct vctx *v, const char *flow, const char *run)
{
    if (v->nseen && !strcmp(v->seen[v->nseen - 1].flow, flow) && !strcmp(v->seen[v->nseen - 1].run, run))
        return 0;
    for (size_t i = 0; i < v->nseen; i++)
        if (!strcmp(v->seen[i].flow, flow) && !strcmp(v->seen[i].run, run))
            return 0;
    if (MF_GROW(v->seen, v->seen_cap, v->nseen + 1))
        return oom(v);
    v->seen[v->nseen].flow = mf__strdup(flow);
    v->seen[v->nseen].run = mf__strdup(run);
    if (!v->seen[v->nseen].flow || !v->seen[v->nseen].run) {
        mf__free(v->seen[v->nseen].flow);
        mf__free(v->seen[v->nseen].run);
        return oom(v);
    }
    v->nseen++;
    return 0;
}

static int add_ref(struct vctx *v, const struct mf_scan_task *t, const struct mf_artifact *a)
{
    struct mf_buf where = MF_BUF_INIT, run = MF_BUF_INIT;
    if (MF_GROW(v->refs, v->cap, v->nrefs + 1) || task_name(v, t->flow, t->run, t->step, t->task, &where) ||
        mf__buf_addf(&where, " (artifact '%s')", a->name) || run_name(v, t->flow, t->run, &run)) {
        mf__buf_release(&where);
        mf__buf_release(&run);
        return oom(v);
    }
    struct ref *r = &v->refs[v->nrefs++];
    memcpy(r->hex, a->hash, sizeof(r->hex));
    r->where = mf__buf_detach(&where, NULL);
    r->run = mf__buf_detach(&run, NULL);
    r->step = mf__strdup(t->step);
    r->run_num = strtoull(t->run, NULL, 10);
    r->task_num = strtoull(t->task, NULL, 10);
    return r->step ? 0 : oom(v);
}

static int on_task(void *ctx, const struct mf_scan_task *t)
{
    struct vctx *v = ctx;
    if (t->ix_rc == MF_ENOENT)
        return 0; /* no index: the task has not succeeded, nothing to check */
    int rc = note_run(v, t->flow, t->run);
    if (rc)
        return rc;
    if (!t->ix) {
        struct mf_buf name = MF_BUF_INIT, run = MF_BUF_INIT, fix = MF_BUF_INIT;
        if (task_name(v, t->flow, t->run, t->step, t->task, &name) || run_name(v, t->flow, t->run, &run) ||
            mf__buf_addf(&fix, "resume %s --origin-run-id %s: the new run runs this task and those after it "
                               "again (run %s stays without it: an index cannot be rebuilt)", t->step, run.buf, run.buf))
            rc = oom(v);
        const char *tasks[] = { name.buf }, *runs[] = { run.buf };
        if (!rc)
            rc = report(v, "index-corrupt", t->dir, t->ix_err->msg, fix.buf, tasks, 1, runs, 1);
        mf__buf_release(&name);
        mf__buf_release(&run);
        mf__buf_release(&fix);
        return rc;
    }
    v->st->indexes++;
    for (size_t i = 0; i < t->ix->n && !rc; i++)
        if (!t->ix->arts[i].inline_data)
            rc = add_ref(v, t, &t->ix->arts[i]);
    return rc;
}

static int on_tmp(void *ctx, const struct mf_scan_file *f)
{
    struct vctx *v = ctx;
    (void)f;
    v->st->tmp_files++;
    return 0;
}

static int cmp_ref(const void *a, const void *b)
{
    return strcmp(((const struct ref *)a)->hex, ((const struct ref *)b)->hex);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Checks the object of refs[from, to) (one hash) and reports it with every
 * task that names it. */
static int check_named(struct vctx *v, size_t from, size_t to)
{
    struct mf_err why = MF_ERR_INIT;
    uint64_t len = 0;
    int rc = mf__cas_verify(v->cas, v->refs[from].hex, &len, &why);
    v->st->objects++;
    v->st->bytes += len;
    if (rc != MF_ENOENT && rc != MF_ECORRUPT)
        return rc == 0 ? 0 : (*v->err = why, rc);
    size_t n = to - from, nruns = 0;
    const char **tasks = mf__calloc(n, sizeof(*tasks));
    const char **runs = mf__calloc(n, sizeof(*runs));
    struct mf_buf path = MF_BUF_INIT, fix = MF_BUF_INIT;
    if (!tasks || !runs || mf__cas_path(v->cas, v->refs[from].hex, &path)) {
        rc = oom(v);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        tasks[i] = v->refs[from + i].where;
        runs[nruns++] = v->refs[from + i].run;
    }
    qsort(runs, nruns, sizeof(*runs), cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < nruns; i++)
        if (!k || strcmp(runs[k - 1], runs[i]))
            runs[k++] = runs[i];
    nruns = k;
    /* The newest run's earliest task naming it is the one that wrote it
     * (task ids grow as tasks start): resuming from its step runs it again. */
    const struct ref *w = &v->refs[from];
    for (size_t i = from + 1; i < to; i++) {
        const struct ref *r = &v->refs[i];
        if (r->run_num > w->run_num || (r->run_num == w->run_num && r->task_num < w->task_num))
            w = r;
    }
    if (mf__buf_addf(&fix, "resume %s --origin-run-id %s: the new run runs step '%s' and the steps after it again, "
                           "and storing the object anew repairs it for every run listed", w->step, w->run, w->step)) {
        rc = oom(v);
        goto out;
    }
    /* the message's own advice is the runtime's; the fix above is sharper */
    char *advice = strstr(why.msg, "; " MF_CAS_FIX);
    if (advice)
        *advice = '\0';
    rc = report(v, rc == MF_ENOENT ? "object-missing" : "object-corrupt", path.buf, why.msg, fix.buf, tasks, n, runs,
                nruns);
out:
    mf__free(tasks);
    mf__free(runs);
    mf__buf_release(&path);
    mf__buf_release(&fix);
    return rc;
}

/* Objects no index names (whole-root verification only). */
static int on_object(void *ctx, const struct mf_scan_file *f)
{
    struct vctx *v = ctx;
    if (!f->hex) {
        v->st->tmp_files++;
        return 0;
    }
    struct ref probe;
    memcpy(probe.hex, f->hex, sizeof(probe.hex));
    if (v->nrefs && bsearch(&probe, v->refs, v->nrefs, sizeof(*v->refs), cmp_ref))
        return 0; /* checked with the tasks that name it */
    struct mf_err why = MF_ERR_INIT;
    uint64_t len = 0;
    int rc = mf__cas_verify(v->cas, f->hex, &len, &why);
    v->st->objects++;
    v->st->bytes += len;
    if (rc == MF_ENOENT)
        return 0; /* removed meanwhile (gc) */
    if (rc == MF_ECORRUPT)
        return report(v, "object-corrupt", f->path, why.msg,
                      "no index names it: delete the file (or let 'gc --delete' remove it)", NULL, 0, NULL, 0);
    return rc ? (*v->err = why, rc) : 0;
}

/* ------------------------------------------------------------------ */
/* Metadata against the run directories                               */
/* ------------------------------------------------------------------ */

#define REBUILD_FIX "run 'metadata rebuild': it rebuilds metadata.db from the run directories"

/* Tasks the metadata records as succeeded whose index is not on disk. */
static int check_meta_tasks(struct vctx *v, struct mf_meta *m, const char *flow, const char *run)
{
    struct mf_meta_task *t = NULL;
    size_t n = 0, nlost = 0;
    struct mf_err why = MF_ERR_INIT;
    struct mf_buf path = MF_BUF_INIT, what = MF_BUF_INIT, fix = MF_BUF_INIT, rname = MF_BUF_INIT;
    char **lost = NULL;
    int rc = mf__meta_tasks(m, flow, run, NULL, &t, &n, &why);
    if (rc) {
        *v->err = why;
        return rc;
    }
    lost = mf__calloc(n + 1, sizeof(*lost));
    if (!lost)
        rc = oom(v);
    const char *first = NULL; /* the step of the earliest lost task: resume from there */
    for (size_t i = 0; i < n && !rc; i++) {
        bool last = i + 1 == n || strcmp(t[i + 1].task_id, t[i].task_id) || strcmp(t[i + 1].step, t[i].step);
        if (!last || strcmp(t[i].status, "succeeded"))
            continue;
        mf__buf_reset(&path);
        if (mf__buf_addf(&path, "%s/%s/%s/%s/%s/index", v->root, flow, run, t[i].step, t[i].task_id))
            rc = oom(v);
        else if (!mf__path_exists(path.buf)) {
            struct mf_buf name = MF_BUF_INIT;
            if (task_name(v, flow, run, t[i].step, t[i].task_id, &name))
                rc = oom(v);
            lost[nlost++] = mf__buf_detach(&name, NULL);
            first = first ? first : t[i].step;
        }
    }
    if (!rc && nlost) {
        mf__buf_reset(&path);
        if (mf__buf_addf(&path, "%s/%s/%s", v->root, flow, run) || run_name(v, flow, run, &rname) ||
            mf__buf_addf(&what, "%zu task(s) of run %s are recorded as succeeded but have no index on disk%s: their "
                                "artifacts are lost", nlost, rname.buf,
                         mf__path_exists(path.buf) ? "" : " (the run directory is gone)") ||
            mf__buf_addf(&fix, "resume %s --origin-run-id %s: the new run runs those tasks and the ones after them "
                               "again", first, rname.buf))
            rc = oom(v);
        const char *runs[] = { rname.buf };
        if (!rc)
            rc = report(v, "task-index-missing", path.buf, what.buf, fix.buf, (const char *const *)lost, nlost, runs, 1);
    }
    for (size_t i = 0; lost && i < nlost; i++)
        mf__free(lost[i]);
    mf__free(lost);
    for (size_t i = 0; i < n; i++)
        mf__meta_task_release(&t[i]);
    mf__free(t);
    mf__buf_release(&path);
    mf__buf_release(&what);
    mf__buf_release(&fix);
    mf__buf_release(&rname);
    return rc;
}

static int check_meta_flow(struct vctx *v, struct mf_meta *m, const char *flow)
{
    struct mf_meta_run *runs = NULL;
    size_t n = 0;
    struct mf_err why = MF_ERR_INIT;
    int rc = mf__meta_runs(m, flow, &runs, &n, &why);
    if (rc) {
        *v->err = why;
        return rc;
    }
    for (size_t i = 0; i < v->nseen && !rc; i++) {
        if (strcmp(v->seen[i].flow, flow))
            continue;
        size_t j = 0;
        while (j < n && strcmp(runs[j].run_id, v->seen[i].run))
            j++;
        if (j < n)
            continue;
        struct mf_buf path = MF_BUF_INIT, rname = MF_BUF_INIT, what = MF_BUF_INIT;
        if (mf__buf_addf(&path, "%s/%s/%s", v->root, flow, v->seen[i].run) || run_name(v, flow, v->seen[i].run, &rname) ||
            mf__buf_addf(&what, "run %s has artifacts on disk but no record in metadata.db: 'runs', 'dump' and "
                                "'logs' do not show it", rname.buf))
            rc = oom(v);
        const char *rr[] = { rname.buf };
        if (!rc)
            rc = report(v, "run-unrecorded", path.buf, what.buf, REBUILD_FIX, NULL, 0, rr, 1);
        mf__buf_release(&path);
        mf__buf_release(&rname);
        mf__buf_release(&what);
    }
    for (size_t i = 0; i < n && !rc; i++)
        if (!v->run || !strcmp(runs[i].run_id, v->run))
            rc = check_meta_tasks(v, m, flow, runs[i].run_id);
    for (size_t i = 0; i < n; i++)
        mf__meta_run_release(&runs[i]);
    mf__free(runs);
    return rc;
}

static int check_meta(struct vctx *v)
{
    struct mf_meta *m = NULL;
    struct mf_err why = MF_ERR_INIT;
    struct mf_buf path = MF_BUF_INIT, what = MF_BUF_INIT;
    int rc = mf__meta_open(v->root, true, &m, &why);
    if (rc == MF_ENOMEM) {
        *v->err = why;
        return rc;
    }
    if (rc) {
        if (rc == MF_ENOENT && !v->nseen)
            return 0; /* an empty root */
        if (mf__buf_addf(&path, "%s/metadata.db", v->root) ||
            (rc == MF_ENOENT ? mf__buf_addf(&what, "there is no '%s' but %zu run(s) have artifacts on disk", path.buf,
                                            v->nseen)
                             : mf__buf_addf(&what, "%s", why.msg)))
            rc = oom(v);
        else
            rc = report(v, "metadata-unreadable", path.buf, what.buf, REBUILD_FIX, NULL, 0, NULL, 0);
        mf__buf_release(&path);
        mf__buf_release(&what);
        return rc;
    }
    char **flows = NULL;
    size_t nflows = 0;
    if (v->run) {
        rc = check_meta_flow(v, m, v->flow);
    } else if ((rc = mf__meta_flows(m, &flows, &nflows, &why)) != 0) {
        *v->err = why;
    } else {
        for (size_t i = 0; i < nflows && !rc; i++)
            rc = check_meta_flow(v, m, flows[i]);
        /* runs of flows the metadata does not know at all */
        for (size_t i = 0; i < v->nseen && !rc; i++) {
            size_t j = 0;
            while (j < nflows && strcmp(flows[j], v->seen[i].flow))
                j++;
            if (j == nflows && (i == 0 || strcmp(v->seen[i - 1].flow, v->seen[i].flow)))
                rc = check_meta_flow(v, m, v->seen[i].flow);
        }
    }
    for (size_t i = 0; i < nflows; i++)
        mf__free(flows[i]);
    mf__free(flows);
    mf__meta_close(m);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The whole check                                                    */
/* ------------------------------------------------------------------ */

int mf__verify(const char *root, const char *flow, const char *run, mf_verify_fn fn, void *ctx,
               struct mf_verify_stats *stats, struct mf_err *err)
{
    struct vctx v = { .root = root, .flow = flow, .run = run, .fn = fn, .ctx = ctx, .st = stats, .err = err };
    memset(stats, 0, sizeof(*stats));
    int rc = mf__cas_open(root, 0, &v.cas, err);
    if (!rc)
        rc = mf__scan_indexes(root, run ? flow : NULL, run, on_task, on_tmp, &v, err);
    if (!rc && v.nrefs) /* qsort and bsearch want a non-NULL array */
        qsort(v.refs, v.nrefs, sizeof(*v.refs), cmp_ref);
    for (size_t i = 0, j; !rc && i < v.nrefs; i = j) {
        for (j = i + 1; j < v.nrefs && !strcmp(v.refs[j].hex, v.refs[i].hex);)
            j++;
        rc = check_named(&v, i, j);
    }
    if (!rc && !run)
        rc = mf__scan_objects(root, on_object, &v, err);
    if (!rc)
        rc = check_meta(&v);
    for (size_t i = 0; i < v.nrefs; i++) {
        mf__free(v.refs[i].where);
        mf__free(v.refs[i].run);
        mf__free(v.refs[i].step);
    }
    mf__free(v.refs);
    for (size_t i = 0; i < v.nseen; i++) {
        mf__free(v.seen[i].flow);
        mf__free(v.seen[i].run);
    }
    mf__free(v.seen);
    mf__cas_close(v.cas);
    return rc;
}
