/* SPDX-License-Identifier: Apache-2.0 */
/*
 * index.c - a task's artifact index in memory and its encoding: an MF_MAP
 * value written with the value codec, so one strict decoder (fuzzed) reads
 * both artifacts and indexes. docs/format.md describes the fields.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "datastore.h"
#include "util/alloc.h"
#include "value.h"

/* Version 2 adds the artifact field "chunks" (a chunked list, chunk.h);
 * version 3 the top-level fields "inputs", "foreach" and "caught" (the
 * runtime graph a client reads). An index is written with the lowest version
 * that holds what it has, so stores without those stay readable by older
 * readers, and each index has one encoding. */
#define INDEX_VERSION 1
#define INDEX_VERSION_CHUNKED 2
#define INDEX_VERSION_GRAPH 3

void mf__index_init(struct mf_index *ix)
{
    memset(ix, 0, sizeof(*ix));
    ix->num_splits = -1;
}

void mf__artifact_release(struct mf_artifact *a)
{
    if (!a)
        return;
    mf__free(a->name);
    mf__free(a->inline_data);
    a->name = NULL;
    a->inline_data = NULL;
}

void mf__index_release(struct mf_index *ix)
{
    if (!ix)
        return;
    for (size_t i = 0; i < ix->n; i++)
        mf__artifact_release(&ix->arts[i]);
    mf__free(ix->arts);
    mf__free(ix->stack);
    mf__free(ix->next);
    mf__free(ix->inputs);
    mf__free(ix->foreach);
    mf__free(ix->caught);
    mf__index_init(ix);
}

int mf__artifact_copy(struct mf_artifact *dst, const struct mf_artifact *src)
{
    *dst = *src;
    dst->name = mf__strdup(src->name ? src->name : "");
    dst->inline_data = NULL;
    if (dst->name && src->inline_data) {
        dst->inline_data = mf__malloc(src->size ? (size_t)src->size : 1);
        if (dst->inline_data)
            memcpy(dst->inline_data, src->inline_data, (size_t)src->size);
    }
    if (!dst->name || (src->inline_data && !dst->inline_data)) {
        mf__artifact_release(dst);
        return MF_ENOMEM;
    }
    return 0;
}

static char *dup_set(const char *s, bool *oom)
{
    char *d = s && *s ? mf__strdup(s) : NULL;
    *oom = *oom || (s && *s && !d);
    return d;
}

int mf__index_set_graph(struct mf_index *ix, const char *inputs, const char *foreach, const char *caught)
{
    bool oom = false;
    /* copied before the old ones are freed: an argument may be one of them */
    char *in = dup_set(inputs, &oom), *fe = dup_set(foreach, &oom), *ca = dup_set(caught, &oom);
    mf__free(ix->inputs);
    mf__free(ix->foreach);
    mf__free(ix->caught);
    ix->inputs = ix->foreach = ix->caught = NULL;
    if (oom) {
        mf__free(in);
        mf__free(fe);
        mf__free(ca);
        return MF_ENOMEM;
    }
    ix->inputs = in;
    ix->foreach = fe;
    ix->caught = ca;
    return 0;
}

/* Position of `name` in the sorted array, or where it would go. */
static size_t lower_bound(const struct mf_index *ix, const char *name, bool *found)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ix->arts[mid].name, name);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

const struct mf_artifact *mf__index_find(const struct mf_index *ix, const char *name)
{
    bool found;
    size_t at = lower_bound(ix, name, &found);
    return found ? &ix->arts[at] : NULL;
}

int mf__index_put(struct mf_index *ix, const struct mf_artifact *a)
{
    struct mf_artifact copy;
    if (!a->name)
        return MF_EINVAL;
    bool found;
    size_t at = lower_bound(ix, a->name, &found);
    if (!found && MF_GROW(ix->arts, ix->cap, ix->n + 1))
        return MF_ENOMEM;
    if (mf__artifact_copy(&copy, a))
        return MF_ENOMEM;
    if (found) {
        mf__artifact_release(&ix->arts[at]);
    } else {
        memmove(&ix->arts[at + 1], &ix->arts[at], (ix->n - at) * sizeof(*ix->arts));
        ix->n++;
    }
    ix->arts[at] = copy;
    return 0;
}

void mf__index_remove(struct mf_index *ix, const char *name)
{
    bool found;
    size_t at = lower_bound(ix, name, &found);
    if (!found)
        return;
    mf__artifact_release(&ix->arts[at]);
    memmove(&ix->arts[at], &ix->arts[at + 1], (ix->n - at - 1) * sizeof(*ix->arts));
    ix->n--;
}

/* ------------------------------------------------------------------ */
/* Encoding                                                           */
/* ------------------------------------------------------------------ */

/* Puts key -> val (NULL meaning out of memory) into map; 0 or MF_ENOMEM. */
static int put(mf_value *map, const char *key, mf_value *val)
{
    return val ? mf_value_map_put(map, key, val) : MF_ENOMEM;
}

static mf_value *artifact_value(const struct mf_artifact *a)
{
    mf_value *m = mf_value_map();
    if (!m)
        return NULL;
    int rc = put(m, "hash", mf_value_str(a->hash));
    if (!rc)
        rc = put(m, "type", mf_value_str(mf_type_name(a->type)));
    if (!rc)
        rc = put(m, "size", mf_value_int((int64_t)a->size));
    if (!rc && a->inline_data)
        rc = put(m, "inline", mf_value_bytes(a->inline_data, (size_t)a->size));
    if (!rc && a->chunks)
        rc = put(m, "chunks", mf_value_int(a->chunks));
    if (rc) {
        mf_value_free(m);
        return NULL;
    }
    return m;
}

static mf_value *index_value(const struct mf_index *ix)
{
    mf_value *top = mf_value_map(), *arts = mf_value_map();
    int rc = top && arts ? 0 : MF_ENOMEM;
    int version = INDEX_VERSION;
    for (size_t i = 0; !rc && i < ix->n; i++) {
        rc = put(arts, ix->arts[i].name, artifact_value(&ix->arts[i]));
        if (ix->arts[i].chunks)
            version = INDEX_VERSION_CHUNKED;
    }
    if (!rc)
        rc = put(top, "artifacts", arts);
    else
        mf_value_free(arts);
    arts = NULL;
    if (!rc)
        rc = put(top, "version", mf_value_int(version));
    if (!rc)
        rc = put(top, "attempt", mf_value_int(ix->attempt));
    if (!rc)
        rc = put(top, "stack", mf_value_str(ix->stack ? ix->stack : ""));
    if (!rc)
        rc = put(top, "num_splits", mf_value_int(ix->num_splits));
    /* Written only when set, so that every index has one encoding. */
    if (!rc && ix->next)
        rc = put(top, "next", mf_value_str(ix->next));
    if (!rc && ix->pass)
        rc = put(top, "pass", mf_value_int(ix->pass));
    if (!rc && ix->inputs && *ix->inputs)
        rc = put(top, "inputs", mf_value_str(ix->inputs));
    if (!rc && ix->foreach)
        rc = put(top, "foreach", mf_value_str(ix->foreach));
    if (!rc && ix->caught)
        rc = put(top, "caught", mf_value_str(ix->caught));
    if (!rc && ((ix->inputs && *ix->inputs) || ix->foreach || ix->caught))
        rc = put(top, "version", mf_value_int(INDEX_VERSION_GRAPH));
    if (rc) {
        mf_value_free(top);
        return NULL;
    }
    return top;
}

int mf__index_encode(const struct mf_index *ix, struct mf_buf *out, struct mf_err *err)
{
    mf_value *v = index_value(ix);
    if (!v)
        return mf__err(err, MF_ENOMEM, "out of memory encoding a task index");
    int rc = mf__value_encode_buf(v, out, err);
    mf_value_free(v);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Decoding (untrusted input)                                         */
/* ------------------------------------------------------------------ */

/* `what` names the place in messages ("index", "artifact 'x'"). */
static int only_keys(const mf_value *m, const char *const *allowed, const char *what, struct mf_err *err)
{
    for (size_t i = 0; i < mf_value_len(m); i++) {
        const char *k = mf_value_key_at(m, i);
        const char *const *a = allowed;
        while (*a && strcmp(*a, k) != 0)
            a++;
        if (!*a)
            return mf__err(err, MF_EPARSE, "%s has an unknown field '%s'", what, k);
    }
    return 0;
}

static int field(const mf_value *m, const char *key, mf_type type, const char *what, const mf_value **out,
                 struct mf_err *err)
{
    *out = mf_value_key(m, key);
    if (!*out)
        return mf__err(err, MF_EPARSE, "%s has no field '%s'", what, key);
    if (mf_value_type(*out) != type)
        return mf__err(err, MF_EPARSE, "%s field '%s' is a %s, not a %s", what, key, mf_type_name(mf_value_type(*out)),
                       mf_type_name(type));
    return 0;
}

static int int_field(const mf_value *m, const char *key, int64_t lo, int64_t hi, const char *what, int64_t *out,
                     struct mf_err *err)
{
    const mf_value *f;
    int rc = field(m, key, MF_INT, what, &f, err);
    if (rc)
        return rc;
    mf_value_get_int(f, out);
    if (*out < lo || *out > hi)
        return mf__err(err, MF_EPARSE, "%s field '%s' is %lld, outside %lld..%lld", what, key, (long long)*out,
                       (long long)lo, (long long)hi);
    return 0;
}

static int type_of_name(const char *name, mf_type *out)
{
    for (int t = MF_NULL; t <= MF_MAP; t++) {
        if (strcmp(mf_type_name((mf_type)t), name) == 0) {
            *out = (mf_type)t;
            return 0;
        }
    }
    return MF_EPARSE;
}

static int inline_check(const mf_value *data, struct mf_artifact *a, const char *what, struct mf_err *err)
{
    const void *bytes;
    size_t len;
    char actual[MF_HASH_HEX_LEN + 1];
    mf_value_get_bytes(data, &bytes, &len);
    if (len != a->size || len > MF_INLINE_MAX)
        return mf__err(err, MF_EPARSE, "%s holds %zu inline bytes, but its size is %llu (at most %d inline)", what,
                       len, (unsigned long long)a->size, MF_INLINE_MAX);
    mf__sha256_hex(bytes, len, actual);
    if (strcmp(actual, a->hash) != 0)
        return mf__err(err, MF_ECORRUPT, "%s is corrupt: its inline bytes hash to '%s', not '%s'", what, actual, a->hash);
    a->inline_data = mf__malloc(len);
    if (!a->inline_data)
        return mf__err(err, MF_ENOMEM, "out of memory reading a task index");
    memcpy(a->inline_data, bytes, len);
    return 0;
}

static int artifact_decode(const char *name, const mf_value *m, int64_t version, struct mf_artifact *a,
                           struct mf_err *err)
{
    static const char *const keys[] = { "hash", "type", "size", "inline", "chunks", NULL };
    char what[160];
    snprintf(what, sizeof(what), "artifact '%s'", name);
    const mf_value *f;
    const char *s;
    int64_t size;
    int rc;
    if (!*name)
        return mf__err(err, MF_EPARSE, "an artifact has an empty name");
    if (mf_value_type(m) != MF_MAP)
        return mf__err(err, MF_EPARSE, "%s is a %s, not a map", what, mf_type_name(mf_value_type(m)));
    if ((rc = only_keys(m, keys, what, err)) || (rc = field(m, "hash", MF_STR, what, &f, err)))
        return rc;
    mf_value_get_str(f, &s);
    if (!mf__is_hash_hex(s))
        return mf__err(err, MF_EPARSE, "%s field 'hash' is not 64 lower-case hex digits", what);
    memcpy(a->hash, s, MF_HASH_HEX_LEN + 1);
    if ((rc = field(m, "type", MF_STR, what, &f, err)))
        return rc;
    mf_value_get_str(f, &s);
    if (type_of_name(s, &a->type))
        return mf__err(err, MF_EPARSE, "%s field 'type' names no type ('%s')", what, s);
    if ((rc = int_field(m, "size", 1, INT64_MAX, what, &size, err)))
        return rc;
    a->size = (uint64_t)size;
    f = mf_value_key(m, "inline");
    if (f && mf_value_type(f) != MF_BYTES)
        return mf__err(err, MF_EPARSE, "%s field 'inline' is a %s, not bytes", what, mf_type_name(mf_value_type(f)));
    if (f && (rc = inline_check(f, a, what, err)))
        return rc;
    if (mf_value_key(m, "chunks")) {
        int64_t chunks;
        if (version < INDEX_VERSION_CHUNKED)
            return mf__err(err, MF_EPARSE, "%s has field 'chunks', which a version %lld index cannot have", what,
                           (long long)version);
        if ((rc = int_field(m, "chunks", 1, UINT32_MAX, what, &chunks, err)))
            return rc;
        if (a->type != MF_LIST)
            return mf__err(err, MF_EPARSE, "%s is chunked but is a %s, not a list", what, mf_type_name(a->type));
        a->chunks = (uint32_t)chunks;
    }
    a->name = mf__strdup(name);
    return a->name ? 0 : mf__err(err, MF_ENOMEM, "out of memory reading a task index");
}

static int artifacts_decode(const mf_value *arts, int64_t version, struct mf_index *ix, struct mf_err *err)
{
    bool chunked = false;
    size_t n = mf_value_len(arts);
    if (n && !(ix->arts = mf__calloc(n, sizeof(*ix->arts))))
        return mf__err(err, MF_ENOMEM, "out of memory reading a task index");
    ix->cap = n;
    /* Map keys come sorted by strcmp and unique: the order mf_index keeps. */
    for (size_t i = 0; i < n; i++) {
        const char *name = mf_value_key_at(arts, i);
        int rc = artifact_decode(name, mf_value_key(arts, name), version, &ix->arts[i], err);
        if (rc) {
            mf__artifact_release(&ix->arts[i]);
            return rc;
        }
        chunked = chunked || ix->arts[i].chunks;
        ix->n++;
    }
    if (version == INDEX_VERSION_CHUNKED && !chunked)
        return mf__err(err, MF_EPARSE, "the index has version %d but no chunked artifact (such an index is version %d)",
                       INDEX_VERSION_CHUNKED, INDEX_VERSION);
    return 0;
}

/* An optional non-empty str field of a version 3 index into *out (left
 * NULL when absent). */
static int graph_str(const mf_value *v, const char *key, int64_t version, char **out, struct mf_err *err)
{
    const mf_value *f = mf_value_key(v, key);
    const char *s = NULL;
    int rc;
    if (!f)
        return 0;
    if (version < INDEX_VERSION_GRAPH)
        return mf__err(err, MF_EPARSE, "the index has field '%s', which a version %lld index cannot have", key,
                       (long long)version);
    if ((rc = field(v, key, MF_STR, "the index", &f, err)))
        return rc;
    mf_value_get_str(f, &s);
    if (!*s)
        return mf__err(err, MF_EPARSE, "the index has an empty '%s' (an index without one omits it)", key);
    *out = mf__strdup(s);
    return *out ? 0 : mf__err(err, MF_ENOMEM, "out of memory reading a task index");
}

/* The version 3 fields: what the task ran from and over, and what it
 * caught. A version 3 index has at least one (else it is an older version);
 * "foreach" only on a foreach step's task (num_splits set). */
static int graph_fields(const mf_value *v, int64_t version, struct mf_index *ix, struct mf_err *err)
{
    int rc;
    if ((rc = graph_str(v, "inputs", version, &ix->inputs, err)) ||
        (rc = graph_str(v, "foreach", version, &ix->foreach, err)) ||
        (rc = graph_str(v, "caught", version, &ix->caught, err)))
        return rc;
    if (version == INDEX_VERSION_GRAPH && !ix->inputs && !ix->foreach && !ix->caught)
        return mf__err(err, MF_EPARSE, "the index has version %d but none of 'inputs', 'foreach', 'caught' (such an "
                       "index is version %d or %d)", INDEX_VERSION_GRAPH, INDEX_VERSION, INDEX_VERSION_CHUNKED);
    if (ix->foreach && ix->num_splits < 0)
        return mf__err(err, MF_EPARSE, "the index names a foreach list '%s' but has no 'num_splits'", ix->foreach);
    return 0;
}

static int index_fields(const mf_value *v, struct mf_index *ix, struct mf_err *err)
{
    static const char *const keys[] = { "version", "attempt", "stack", "num_splits", "artifacts", "next", "pass",
                                        "inputs", "foreach", "caught", NULL };
    const mf_value *f;
    const char *stack;
    int64_t num, version;
    int rc;
    if (mf_value_type(v) != MF_MAP)
        return mf__err(err, MF_EPARSE, "the index is a %s, not a map", mf_type_name(mf_value_type(v)));
    if ((rc = int_field(v, "version", 0, INT64_MAX, "the index", &num, err)))
        return rc;
    if (num < INDEX_VERSION || num > INDEX_VERSION_GRAPH)
        return mf__err(err, MF_EPARSE, "the index has version %lld; this metaflow-c reads versions %d to %d",
                       (long long)num, INDEX_VERSION, INDEX_VERSION_GRAPH);
    version = num;
    if ((rc = only_keys(v, keys, "the index", err)) || (rc = int_field(v, "attempt", 0, INT_MAX, "the index", &num, err)))
        return rc;
    ix->attempt = (int)num;
    if ((rc = int_field(v, "num_splits", -1, INT64_MAX, "the index", &ix->num_splits, err)) ||
        (rc = field(v, "stack", MF_STR, "the index", &f, err)))
        return rc;
    mf_value_get_str(f, &stack);
    if (!(ix->stack = mf__strdup(stack)))
        return mf__err(err, MF_ENOMEM, "out of memory reading a task index");
    /* "next" (a switch's chosen step) and "pass" (of a loop) are present
     * only when set: absent means none and 0. */
    if (mf_value_key(v, "pass") && (rc = int_field(v, "pass", 1, INT64_MAX, "the index", &ix->pass, err)))
        return rc;
    if (mf_value_key(v, "next")) {
        const char *next = NULL;
        if ((rc = field(v, "next", MF_STR, "the index", &f, err)))
            return rc;
        mf_value_get_str(f, &next);
        if (!*next)
            return mf__err(err, MF_EPARSE, "the index has an empty 'next' (an index without a chosen step omits it)");
        if (!(ix->next = mf__strdup(next)))
            return mf__err(err, MF_ENOMEM, "out of memory reading a task index");
    }
    if ((rc = graph_fields(v, version, ix, err)) || (rc = field(v, "artifacts", MF_MAP, "the index", &f, err)))
        return rc;
    return artifacts_decode(f, version, ix, err);
}

int mf__index_decode(const void *data, size_t len, struct mf_index *out, struct mf_err *err)
{
    mf_value *v = NULL;
    mf__index_init(out);
    int rc = mf__value_decode(data, len, NULL, &v, err);
    if (!rc)
        rc = index_fields(v, out, err);
    if (rc)
        mf__index_release(out);
    mf_value_free(v);
    return rc;
}
