/* SPDX-License-Identifier: Apache-2.0 */
/*
 * datastore.c - the layout of a datastore root (datastore.h): run ids,
 * task directories, where artifacts live (inline in the index or in the
 * CAS) and the atomic write of each task's index.
 */
#include "datastore.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "chunk.h"
#include "codec.h"
#include "util/alloc.h"
#include "util/fsutil.h"
#include "value.h"

/* Longest flow, run, step or task name used as a path component. */
#define PART_MAX 200

struct mf_ds {
    char *root;
    char *flow;
    unsigned flags;
    struct mf_cas *cas;
};

/* ------------------------------------------------------------------ */
/* Names used in paths                                                */
/* ------------------------------------------------------------------ */

/* A flow, run, step or task name: letters, digits and '_' only, so that
 * no name can be empty, "." or "..", or hold a '/'. */
static bool part_ok(const char *s)
{
    size_t n = 0;
    if (!s)
        return false;
    for (; s[n]; n++) {
        char c = s[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok || n >= PART_MAX)
            return false;
    }
    return n > 0;
}

static int part_check(const char *s, const char *what, struct mf_err *err)
{
    if (part_ok(s))
        return 0;
    return mf__err(err, MF_EINVAL, "invalid %s '%s': use 1 to %d letters, digits or '_'", what, s ? s : "", PART_MAX);
}

static int parts_check(const char *run, const char *step, const char *task, struct mf_err *err)
{
    int rc = part_check(run, "run id", err);
    if (!rc)
        rc = part_check(step, "step name", err);
    if (!rc)
        rc = part_check(task, "task id", err);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Handle                                                             */
/* ------------------------------------------------------------------ */

int mf__ds_open(const char *root, const char *flow, unsigned flags, struct mf_ds **out, struct mf_err *err)
{
    *out = NULL;
    int rc = part_check(flow, "flow name", err);
    if (rc)
        return rc;
    if (!root || !*root)
        return mf__err(err, MF_EINVAL, "the datastore root is empty; give a directory");
    struct mf_ds *ds = mf__calloc(1, sizeof(*ds));
    if (!ds)
        return mf__err(err, MF_ENOMEM, "out of memory");
    ds->flags = flags;
    ds->root = mf__strdup(root);
    ds->flow = mf__strdup(flow);
    if (!ds->root || !ds->flow) {
        mf__ds_close(ds);
        return mf__err(err, MF_ENOMEM, "out of memory");
    }
    rc = mf__cas_open(root, (flags & MF_DS_SYNC) ? MF_CAS_SYNC : 0, &ds->cas, err);
    if (rc) {
        mf__ds_close(ds);
        return rc;
    }
    *out = ds;
    return 0;
}

void mf__ds_close(struct mf_ds *ds)
{
    if (!ds)
        return;
    mf__cas_close(ds->cas);
    mf__free(ds->root);
    mf__free(ds->flow);
    mf__free(ds);
}

const char *mf__ds_root(const struct mf_ds *ds) { return ds->root; }
const char *mf__ds_flow(const struct mf_ds *ds) { return ds->flow; }
struct mf_cas *mf__ds_cas(struct mf_ds *ds) { return ds->cas; }

/* ------------------------------------------------------------------ */
/* Runs                                                               */
/* ------------------------------------------------------------------ */

int mf__ds_claim_run(struct mf_ds *ds, const char *run_id, struct mf_err *err)
{
    struct mf_buf dir = MF_BUF_INIT;
    int rc = part_check(run_id, "run id", err);
    if (!rc && mf__buf_addf(&dir, "%s/%s", ds->root, ds->flow))
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    if (!rc)
        rc = mf__mkdirs(dir.buf, err);
    if (!rc && mf__buf_addf(&dir, "/%s", run_id))
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    if (!rc && mkdir(dir.buf, 0777) != 0)
        rc = errno == EEXIST ? mf__err(err, MF_EEXIST, "run directory '%s' already exists", dir.buf)
                             : mf__err_errno(err, MF_EIO, errno, "cannot create run directory '%s'", dir.buf);
    mf__buf_release(&dir);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Artifacts                                                          */
/* ------------------------------------------------------------------ */

/* Replaces err's message by fmt, whose last %s receives the old message
 * (the first %s gets `subject`); returns `code`. */
static int recode(struct mf_err *err, int code, const char *fmt, const char *subject)
{
    if (!err)
        return code;
    char old[sizeof(err->msg)];
    memcpy(old, err->msg, sizeof(old));
    old[sizeof(old) - 1] = '\0';
    return mf__err(err, code, fmt, subject, old);
}

/* Collects an encoding while it fits inline; refuses the rest. */
struct inline_sink {
    unsigned char data[MF_INLINE_MAX];
    size_t len;
    bool too_big;
};

static int inline_sink_add(void *ctx, const void *data, size_t len)
{
    struct inline_sink *s = ctx;
    if (len > MF_INLINE_MAX - s->len) {
        s->too_big = true;
        return MF_ERANGE;
    }
    memcpy(s->data + s->len, data, len);
    s->len += len;
    return 0;
}

static int store_inline(struct mf_ds *ds, const struct inline_sink *s, struct mf_artifact *out, struct mf_err *err)
{
    if (mf__cas_hash(ds->cas, s->data, s->len, out->hash))
        return mf__err(err, MF_ENOMEM, "out of memory hashing artifact '%s'", out->name);
    out->inline_data = mf__malloc(s->len);
    if (!out->inline_data)
        return mf__err(err, MF_ENOMEM, "out of memory storing artifact '%s'", out->name);
    memcpy(out->inline_data, s->data, s->len);
    out->size = s->len;
    return 0;
}

/* A large list: its chunks go to the CAS and the record names their
 * manifest, stored like any value (inline when small). */
static int store_chunked(struct mf_ds *ds, const mf_value *v, struct mf_artifact *out, struct mf_err *err)
{
    mf_value *manifest = NULL;
    struct inline_sink sink = { .len = 0, .too_big = false };
    struct mf_err encode_err = MF_ERR_INIT;
    int rc = mf__chunk_store(ds->cas, v, &manifest, &out->chunks, err);
    if (rc)
        goto out;
    rc = mf__value_encode(manifest, inline_sink_add, &sink, &encode_err);
    if (rc && !sink.too_big) {
        rc = mf__err(err, rc, "cannot store artifact '%s': %s", out->name, encode_err.msg);
        goto out;
    }
    rc = sink.too_big ? mf__cas_put(ds->cas, manifest, out->hash, &out->size, err) : store_inline(ds, &sink, out, err);
out:
    mf_value_free(manifest);
    return rc;
}

int mf__ds_store(struct mf_ds *ds, const char *name, const mf_value *v, struct mf_artifact *out, struct mf_err *err)
{
    struct inline_sink sink;
    struct mf_err encode_err = MF_ERR_INIT;
    memset(out, 0, sizeof(*out));
    if (!name || !*name)
        return mf__err(err, MF_EINVAL, "an artifact needs a non-empty name");
    if (!v)
        return mf__err(err, MF_EINVAL, "artifact '%s' has no value", name);
    sink.len = 0;
    sink.too_big = false;
    int rc = mf__value_encode(v, inline_sink_add, &sink, &encode_err);
    if (rc && !sink.too_big) {
        if (err)
            *err = encode_err;
        mf__err_prefix(err, "cannot store artifact '%s': ", name);
        return rc;
    }
    out->type = mf_value_type(v);
    out->name = mf__strdup(name);
    if (!out->name)
        return mf__err(err, MF_ENOMEM, "out of memory");
    if (sink.too_big && mf__chunk_wanted(v))
        rc = store_chunked(ds, v, out, err);
    else
        rc = sink.too_big ? mf__cas_put(ds->cas, v, out->hash, &out->size, err) : store_inline(ds, &sink, out, err);
    if (rc)
        mf__artifact_release(out);
    return rc;
}

/* Decodes an inline artifact (item NULL) or one list item of it, after
 * checking its bytes against its hash. */
static int load_inline(struct mf_ds *ds, const struct mf_artifact *a, const size_t *item, mf_value **out,
                       struct mf_err *err)
{
    char actual[MF_HASH_HEX_LEN + 1];
    if (mf__cas_hash(ds->cas, a->inline_data, (size_t)a->size, actual))
        return mf__err(err, MF_ENOMEM, "out of memory hashing artifact '%s'", a->name);
    if (strcmp(actual, a->hash) != 0)
        return mf__err(err, MF_ECORRUPT,
                       "artifact '%s' is corrupt: its inline bytes hash to '%s', not '%s'; re-run the task that wrote it",
                       a->name, actual, a->hash);
    int rc = item ? mf__value_decode_item(a->inline_data, (size_t)a->size, *item, out, err)
                  : mf__value_decode(a->inline_data, (size_t)a->size, NULL, out, err);
    if (rc == MF_EPARSE)
        rc = recode(err, MF_ECORRUPT, "artifact '%s' is corrupt: its inline bytes do not decode (%s); re-run the task that wrote it",
                    a->name);
    return rc;
}

/* The stored value the record names (a chunked list's manifest), verified. */
static int load_stored(struct mf_ds *ds, const struct mf_artifact *a, mf_value **out, struct mf_err *err)
{
    int rc = a->inline_data ? load_inline(ds, a, NULL, out, err) : mf__cas_get(ds->cas, a->hash, out, err);
    if (rc && !a->inline_data)
        mf__err_prefix(err, "cannot load artifact '%s': ", a->name);
    return rc;
}

/* A chunked list, whole (index NULL) or one item. */
static int load_chunked(struct mf_ds *ds, const struct mf_artifact *a, const size_t *index, mf_value **out,
                        struct mf_err *err)
{
    mf_value *manifest = NULL;
    int rc = load_stored(ds, a, &manifest, err);
    if (!rc)
        rc = index ? mf__chunk_load_item(ds->cas, a->name, manifest, a->chunks, *index, out, err)
                   : mf__chunk_load(ds->cas, a->name, manifest, a->chunks, out, err);
    if (rc && rc != MF_ERANGE && manifest)
        mf__err_prefix(err, "cannot load artifact '%s': ", a->name);
    mf_value_free(manifest);
    return rc;
}

int mf__ds_load(struct mf_ds *ds, const struct mf_artifact *a, mf_value **out, struct mf_err *err)
{
    *out = NULL;
    if (a->chunks && a->type != MF_LIST)
        return mf__err(err, MF_ECORRUPT, "artifact '%s' (%s) is chunked but its index says %s; re-run the task that "
                       "wrote it", a->name, a->hash, mf_type_name(a->type));
    int rc = a->chunks ? load_chunked(ds, a, NULL, out, err) : load_stored(ds, a, out, err);
    if (rc)
        return rc;
    if (mf_value_type(*out) != a->type) {
        rc = mf__err(err, MF_ECORRUPT, "artifact '%s' (%s) holds a %s but its index says %s; re-run the task that wrote it",
                     a->name, a->hash, mf_type_name(mf_value_type(*out)), mf_type_name(a->type));
        mf_value_free(*out);
        *out = NULL;
    }
    return rc;
}

int mf__ds_load_item(struct mf_ds *ds, const struct mf_artifact *a, size_t index, mf_value **out,
                     struct mf_err *err)
{
    *out = NULL;
    if (a->type != MF_LIST)
        return mf__err(err, MF_ETYPE, "artifact '%s' is %s, not a list", a->name, mf__type_a(a->type));
    if (a->chunks)
        return load_chunked(ds, a, &index, out, err);
    int rc = a->inline_data ? load_inline(ds, a, &index, out, err) : mf__cas_get_item(ds->cas, a->hash, index, out, err);
    if (rc == MF_ETYPE) /* verified bytes that are not the list the index says */
        return mf__err(err, MF_ECORRUPT, "artifact '%s' (%s) is not the list its index says; re-run the task that "
                       "wrote it", a->name, a->hash);
    if (rc && !a->inline_data && rc != MF_ERANGE)
        mf__err_prefix(err, "cannot load artifact '%s': ", a->name);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Task directories and indexes                                       */
/* ------------------------------------------------------------------ */

int mf__ds_task_dir(struct mf_ds *ds, const char *run, const char *step, const char *task, struct mf_buf *out)
{
    if (parts_check(run, step, task, NULL))
        return MF_EINVAL;
    return mf__buf_addf(out, "%s/%s/%s/%s/%s", ds->root, ds->flow, run, step, task);
}

int mf__ds_log_path(struct mf_ds *ds, const char *run, const char *step, const char *task, int attempt,
                    const char *stream, struct mf_buf *out)
{
    if (attempt < 0 || !stream ||
        (strcmp(stream, "stdout") != 0 && strcmp(stream, "stderr") != 0 && strcmp(stream, "exit") != 0))
        return MF_EINVAL;
    int rc = mf__ds_task_dir(ds, run, step, task, out);
    return rc ? rc : mf__buf_addf(out, "/%d.%s", attempt, stream);
}

static int index_path(struct mf_ds *ds, const char *run, const char *step, const char *task, struct mf_buf *out,
                      struct mf_err *err)
{
    int rc = parts_check(run, step, task, err);
    if (!rc && mf__buf_addf(out, "%s/%s/%s/%s/%s/index", ds->root, ds->flow, run, step, task))
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    return rc;
}

int mf__ds_write_index(struct mf_ds *ds, const char *run, const char *step, const char *task,
                       const struct mf_index *ix, struct mf_err *err)
{
    struct mf_buf path = MF_BUF_INIT, data = MF_BUF_INIT;
    int rc = index_path(ds, run, step, task, &path, err);
    if (!rc)
        rc = mf__index_encode(ix, &data, err);
    if (!rc)
        /* Content only: losing the rename of the commit point to a power
         * loss means the task did not succeed and resume runs it again; a
         * directory fsync per task would cost more than that (format.md). */
        rc = mf__write_atomic(path.buf, data.buf, data.len, (ds->flags & MF_DS_SYNC) ? MF_SYNC_DATA : 0, err);
    mf__buf_release(&path);
    mf__buf_release(&data);
    return rc;
}

int mf__ds_read_index(struct mf_ds *ds, const char *run, const char *step, const char *task, struct mf_index *out,
                      struct mf_err *err)
{
    struct mf_buf path = MF_BUF_INIT, data = MF_BUF_INIT;
    mf__index_init(out);
    int rc = index_path(ds, run, step, task, &path, err);
    if (rc)
        goto out;
    rc = mf__read_file(path.buf, &data, err);
    if (rc == MF_ENOENT) {
        rc = mf__err(err, MF_ENOENT, "task '%s/%s/%s' of flow '%s' has no index: it has not succeeded", run, step,
                     task, ds->flow);
        goto out;
    }
    if (rc)
        goto out;
    rc = mf__index_decode(data.buf, data.len, out, err);
    if (rc == MF_EPARSE || rc == MF_ECORRUPT)
        rc = recode(err, MF_ECORRUPT,
                    "task index '%s' is corrupt: %s; delete its task directory and re-run the task (or resume the run)",
                    path.buf);
out:
    mf__buf_release(&path);
    mf__buf_release(&data);
    return rc;
}

int mf__ds_objects_ok(struct mf_ds *ds, const struct mf_index *ix, struct mf_err *err)
{
    for (size_t i = 0; i < ix->n; i++) {
        if (ix->arts[i].inline_data)
            continue;
        int rc = mf__cas_verify(mf__ds_cas(ds), ix->arts[i].hash, NULL, err);
        if (rc == MF_ENOENT || rc == MF_ECORRUPT) {
            char *advice = err ? strstr(err->msg, "; " MF_CAS_FIX) : NULL;
            if (advice)
                *advice = '\0';
            mf__err_prefix(err, "its artifact '%s': ", ix->arts[i].name);
            return MF_ECORRUPT;
        }
        if (rc)
            return rc;
    }
    return 0;
}
