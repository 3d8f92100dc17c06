/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verify.c - `verify` (verify.h): decode every index, re-hash every object
 * once however many tasks name it, then compare the metadata with the run
 * directories. Objects are checked by mf__cas_verify, which streams them
 * through SHA-256 without decoding: verification runs at hashing speed.
 * The chunks of a chunked list (chunk.h) count as named by every task that
 * names its manifest; a manifest is read once per check, however many
 * tasks name it, and each chunk hashed once like any object.
 */
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cas.h"
#include "chunk.h"
#include "meta.h"
#include "store_scan.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/strmap.h"

struct ref {
    char hex[MF_HASH_HEX_LEN + 1];
    char *where; /* "RUN/STEP/TASK (artifact 'x')", FLOW/ first for another flow */
    char *run;   /* "RUN", or "RUN of flow 'F'" */
    char *step;
    unsigned long long run_num, task_num;
    bool in_index; /* a chunked list's manifest kept in the index: checked with it, nothing to hash */
};

struct runkey {
    char *flow, *run;
    bool ran; /* it has an index besides its parameters' */
};

/* A chunk of a chunked list, learnt from its manifest (read once). */
struct chunk {
    char hex[MF_HASH_HEX_LEN + 1];
    char manifest[MF_HASH_HEX_LEN + 1];
    size_t index;
};

struct vctx {
    const char *root, *flow, *run;
    struct mf_cas *cas;
    struct ref *refs;
    size_t nrefs, cap;
    struct runkey *seen; /* runs with at least one index */
    size_t nseen, seen_cap;
    struct mf_strmap manifests; /* manifests whose chunks are in `chunks` */
    struct chunk *chunks;
    size_t nchunks, chunks_cap;
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

static int note_run(struct vctx *v, const char *flow, const char *run, const char *step)
{
    bool ran = strcmp(step, "_parameters") != 0;
    if (v->nseen && !strcmp(v->seen[v->nseen - 1].flow, flow) && !strcmp(v->seen[v->nseen - 1].run, run)) {
        v->seen[v->nseen - 1].ran |= ran;
        return 0;
    }
    for (size_t i = 0; i < v->nseen; i++)
        if (!strcmp(v->seen[i].flow, flow) && !strcmp(v->seen[i].run, run)) {
            v->seen[i].ran |= ran;
            return 0;
        }
    if (MF_GROW(v->seen, v->seen_cap, v->nseen + 1))
        return oom(v);
    v->seen[v->nseen].flow = mf__strdup(flow);
    v->seen[v->nseen].run = mf__strdup(run);
    v->seen[v->nseen].ran = ran;
    if (!v->seen[v->nseen].flow || !v->seen[v->nseen].run) {
        mf__free(v->seen[v->nseen].flow);
        mf__free(v->seen[v->nseen].run);
        return oom(v);
    }
    v->nseen++;
    return 0;
}

/* A task names object a->hash through its artifact `a`. */
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
    r->in_index = a->inline_data != NULL;
    return r->step ? 0 : oom(v);
}

struct chunk_ctx {
    struct vctx *v;
    const char *manifest;
    size_t n;
};

static int note_chunk(void *ctx, const char *hex)
{
    struct chunk_ctx *c = ctx;
    struct vctx *v = c->v;
    if (MF_GROW(v->chunks, v->chunks_cap, v->nchunks + 1))
        return MF_ENOMEM;
    struct chunk *k = &v->chunks[v->nchunks++];
    memcpy(k->hex, hex, sizeof(k->hex));
    memcpy(k->manifest, c->manifest, sizeof(k->manifest));
    k->index = c->n++;
    return 0;
}

/* The chunks of chunked artifact `a`, from its manifest the first time an
 * index names it: a wide foreach's tasks all name the same list, and its
 * chunks are then checked once, reported with every task naming the
 * manifest. A manifest that does not read adds nothing: the check of the
 * manifest object (or, inline, of the index) reports it. */
static int add_chunks(struct vctx *v, const struct mf_artifact *a)
{
    int64_t *seen = mf__strmap_slot(&v->manifests, a->hash);
    if (!seen)
        return oom(v);
    if ((*seen)++)
        return 0;
    struct chunk_ctx c = { v, a->hash, 0 };
    struct mf_err why = MF_ERR_INIT;
    int rc = mf__chunk_names(v->cas, a, note_chunk, &c, &why);
    if (rc == MF_ENOMEM)
        return oom(v);
    if (rc && rc != MF_ENOENT && rc != MF_ECORRUPT)
        return (*v->err = why, rc);
    return 0;
}

static int on_task(void *ctx, const struct mf_scan_task *t)
{
    struct vctx *v = ctx;
    if (t->ix_rc == MF_ENOENT)
        return 0; /* no index: the task has not succeeded, nothing to check */
    int rc = note_run(v, t->flow, t->run, t->step);
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
    for (size_t i = 0; i < t->ix->n && !rc; i++) {
        const struct mf_artifact *a = &t->ix->arts[i];
        if (!a->inline_data || a->chunks) /* an inline manifest too: its chunks' problems name the task */
            rc = add_ref(v, t, a);
        if (!rc && a->chunks)
            rc = add_chunks(v, a);
    }
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

/* Chunks by hash; the key may be a bare hash (at the start of struct chunk). */
static int cmp_chunk(const void *a, const void *b)
{
    return strcmp((const char *)a, ((const struct chunk *)b)->hex);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Checks object `hex` and reports it with every task of refs[from, to):
 * those that name it, or the manifest whose chunk it is (`chunk`). */
static int check_named(struct vctx *v, const char *hex, size_t from, size_t to, const struct chunk *chunk)
{
    struct mf_err why = MF_ERR_INIT;
    uint64_t len = 0;
    int rc = mf__cas_verify(v->cas, hex, &len, &why);
    v->st->objects++;
    v->st->bytes += len;
    if (rc != MF_ENOENT && rc != MF_ECORRUPT)
        return rc == 0 ? 0 : (*v->err = why, rc);
    if (chunk)
        mf__err_prefix(&why, "chunk %zu of the list whose manifest is '%s': ", chunk->index, chunk->manifest);
    size_t n = to - from, nruns = 0;
    const char **tasks = mf__calloc(n, sizeof(*tasks));
    const char **runs = mf__calloc(n, sizeof(*runs));
    struct mf_buf path = MF_BUF_INIT, fix = MF_BUF_INIT;
    if (!tasks || !runs || mf__cas_path(v->cas, hex, &path)) {
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

/* Each object the indexes name, once. */
static int check_refs(struct vctx *v)
{
    int rc = 0;
    for (size_t i = 0, j; !rc && i < v->nrefs; i = j) {
        bool object = !v->refs[i].in_index;
        for (j = i + 1; j < v->nrefs && !strcmp(v->refs[j].hex, v->refs[i].hex); j++)
            object = object || !v->refs[j].in_index;
        if (object)
            rc = check_named(v, v->refs[i].hex, i, j, NULL);
    }
    return rc;
}

/* Each chunk of the lists the indexes name, once (unless an index names it
 * itself: check_refs did), reported with the tasks naming its manifest. */
static int check_chunks(struct vctx *v)
{
    if (!v->nchunks)
        return 0;
    qsort(v->chunks, v->nchunks, sizeof(*v->chunks), cmp_chunk);
    int rc = 0;
    for (size_t i = 0; !rc && i < v->nchunks; i++) {
        const struct chunk *c = &v->chunks[i];
        struct ref probe;
        if (i && !strcmp(c->hex, v->chunks[i - 1].hex))
            continue;
        memcpy(probe.hex, c->hex, sizeof(probe.hex));
        if (v->nrefs && bsearch(&probe, v->refs, v->nrefs, sizeof(*v->refs), cmp_ref))
            continue;
        size_t from = 0, to = v->nrefs; /* the first ref of the manifest: refs are sorted by hash */
        while (from < to) {
            size_t mid = from + (to - from) / 2;
            if (strcmp(v->refs[mid].hex, c->manifest) < 0)
                from = mid + 1;
            else
                to = mid;
        }
        for (to = from; to < v->nrefs && !strcmp(v->refs[to].hex, c->manifest);)
            to++;
        rc = check_named(v, c->hex, from, to, c);
    }
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
    if (v->nchunks && bsearch(f->hex, v->chunks, v->nchunks, sizeof(*v->chunks), cmp_chunk))
        return 0; /* checked with the list it belongs to */
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
        /* Only its parameters: a run killed while it started (they are
         * written under the metadata's write lock, before its record
         * commits, so that a recorded run always has them). Nothing of it
         * ran and nothing is lost. */
        if (j < n || !v->seen[i].ran)
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
    if (!rc)
        rc = check_refs(&v);
    if (!rc)
        rc = check_chunks(&v);
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
    mf__free(v.chunks);
    mf__strmap_release(&v.manifests);
    mf__cas_close(v.cas);
    return rc;
}
