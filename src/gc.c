/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gc.c - `gc` (gc.h): one walk of every index to learn which objects are
 * named, then one walk of objects/ and the task directories for what is
 * old and unnamed. gc.h says why this is safe while runs go on.
 */
#include "gc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cas.h"
#include "chunk.h"
#include "store_scan.h"
#include "util/alloc.h"
#include "util/buf.h"

struct gctx {
    struct mf_cas *cas; /* to read chunked lists' manifests */
    char (*named)[MF_HASH_HEX_LEN + 1];
    size_t nnamed, cap;
    double now, grace;
    bool del;
    mf_gc_fn fn;
    void *ctx;
    struct mf_gc_stats *st;
    struct mf_err *err;
};

static int name_one(void *ctx, const char *hex)
{
    struct gctx *g = ctx;
    if (MF_GROW(g->named, g->cap, g->nnamed + 1))
        return MF_ENOMEM;
    memcpy(g->named[g->nnamed++], hex, MF_HASH_HEX_LEN + 1);
    return 0;
}

static int on_index(void *ctx, const struct mf_scan_task *t)
{
    struct gctx *g = ctx;
    if (t->ix_rc == MF_ENOENT)
        return 0;
    if (!t->ix)
        return mf__err(g->err, MF_ECORRUPT, "%s; gc deletes nothing while an index does not read (it may name "
                                             "objects): run 'verify' and fix it first", t->ix_err->msg);
    for (size_t i = 0; i < t->ix->n; i++) {
        const struct mf_artifact *a = &t->ix->arts[i];
        /* a chunked list names its chunks through its manifest */
        int rc = a->chunks ? mf__chunk_names(g->cas, a, name_one, g, g->err) : 0;
        if (rc == MF_ENOMEM)
            return mf__err(g->err, MF_ENOMEM, "out of memory");
        if (rc) {
            char why[sizeof(g->err->msg)];
            snprintf(why, sizeof(why), "%s", g->err->msg);
            return mf__err(g->err, MF_ECORRUPT, "%s: %s; gc deletes nothing while a chunked list does not read "
                           "(it names objects): run 'verify' and fix it first", t->dir, why);
        }
        if (!a->inline_data && name_one(g, a->hash))
            return mf__err(g->err, MF_ENOMEM, "out of memory");
    }
    return 0;
}

static int cmp_hex(const void *a, const void *b) { return strcmp(a, b); }

/* Takes the object's name away, then deletes it unless a put refreshed
 * it meanwhile (then it gets its name back). true when it is gone. The
 * name aside is a temporary file's: if gc dies here, the next gc removes it. */
static bool delete_object(struct gctx *g, const char *path)
{
    struct mf_buf aside = MF_BUF_INIT;
    struct stat st;
    bool gone = false;
    if (mf__buf_addf(&aside, "%s.tmp-gc%ld", path, (long)getpid()) || rename(path, aside.buf) != 0)
        goto out;
    if (lstat(aside.buf, &st) == 0 && g->now - mf__scan_mtime(&st) < g->grace) {
        /* reused meanwhile: put it back, unless a fresh copy took the name */
        if (link(aside.buf, path) != 0 && errno != EEXIST)
            rename(aside.buf, path);
        unlink(aside.buf);
        goto out;
    }
    gone = unlink(aside.buf) == 0;
out:
    mf__buf_release(&aside);
    return gone;
}

static int consider(struct gctx *g, const struct mf_scan_file *f, const char *kind)
{
    double age = g->now - mf__scan_mtime(f->st);
    if (age < g->grace) {
        g->st->young++;
        return 0;
    }
    struct mf_gc_item it = { f->path, kind, (uint64_t)f->st->st_size, age, false };
    if (g->del)
        it.deleted = f->hex ? delete_object(g, f->path) : unlink(f->path) == 0;
    g->st->found++;
    g->st->deleted += it.deleted;
    if (!g->del || it.deleted)
        g->st->bytes += it.bytes;
    return g->fn ? g->fn(g->ctx, &it) : 0;
}

static int on_tmp(void *ctx, const struct mf_scan_file *f)
{
    return consider(ctx, f, "temporary file");
}

static int on_object(void *ctx, const struct mf_scan_file *f)
{
    struct gctx *g = ctx;
    if (!f->hex)
        return consider(g, f, "temporary file");
    if (g->nnamed && bsearch(f->hex, g->named, g->nnamed, sizeof(*g->named), cmp_hex)) {
        g->st->objects_named++;
        return 0;
    }
    return consider(g, f, "unnamed object");
}

int mf__gc(const char *root, double grace, bool del, mf_gc_fn fn, void *ctx, struct mf_gc_stats *st,
           struct mf_err *err)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct gctx g = { .now = (double)now.tv_sec + (double)now.tv_nsec / 1e9, .grace = grace, .del = del, .fn = fn,
                      .ctx = ctx, .st = st, .err = err };
    memset(st, 0, sizeof(*st));
    if (!(grace >= 0))
        return mf__err(err, MF_EINVAL, "the grace age must be 0 or more seconds");
    /* Indexes first (all of them, before any deletion): what they name is kept. */
    int rc = mf__cas_open(root, 0, &g.cas, err);
    if (!rc)
        rc = mf__scan_indexes(root, NULL, NULL, on_index, NULL, &g, err);
    if (!rc) {
        if (g.nnamed) /* qsort and bsearch want a non-NULL array */
            qsort(g.named, g.nnamed, sizeof(*g.named), cmp_hex);
        rc = mf__scan_objects(root, on_object, &g, err);
    }
    if (!rc) /* temporary files in task directories (an index being written) */
        rc = mf__scan_indexes(root, NULL, NULL, NULL, on_tmp, &g, err);
    mf__free(g.named);
    mf__cas_close(g.cas);
    return rc;
}
