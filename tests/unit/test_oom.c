/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_oom.c - the allocation-failure sweep (oom.h, docs/internals/oom.md)
 * over values (building, copying, encoding, decoding, JSON), buffers, the
 * content-addressed store (small, zstd, streamed and mapped objects) and the
 * datastore (inline and object artifacts, task indexes, run ids).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "datastore.h"
#include "json.h"
#include "oom.h"
#include "util/fsutil.h"
#include "util/strmap.h"

/* ------------------------------------------------------------------ */
/* Values                                                             */
/* ------------------------------------------------------------------ */

/* Puts `val` (NULL when its constructor ran out of memory) unless rc is
 * already an error, in which case `val` is freed. */
static int put(int rc, mf_value *map, const char *key, mf_value *val)
{
    if (rc) {
        mf_value_free(val);
        return rc;
    }
    return mf_value_map_put(map, key, val);
}

static int push(int rc, mf_value *list, mf_value *item)
{
    if (rc) {
        mf_value_free(item);
        return rc;
    }
    return mf_value_list_push(list, item);
}

/* A nested map with lists, strings, bytes and every typed array, built the
 * way a caller writes it: constructors nested in push and put. */
static int build_tree(mf_value **out)
{
    static const double f64[] = { 1.5, -2.25, 1e300 };
    static const float f32[] = { 0.5f, -1.0f };
    static const int64_t i64[] = { INT64_MIN, 0, INT64_MAX };
    static const int32_t i32[] = { -7, 7 };
    static const uint8_t u8[] = { 0, 255, 9 };
    unsigned char bytes[300];
    for (size_t i = 0; i < sizeof(bytes); i++)
        bytes[i] = (unsigned char)(i * 7);
    *out = NULL;
    mf_value *root = mf_value_map();
    if (!root)
        return MF_ENOMEM;
    mf_value *list = mf_value_list(), *inner = mf_value_map(), *arrays = mf_value_list();
    int rc = list && inner && arrays ? 0 : MF_ENOMEM;
    rc = push(rc, list, mf_value_int(-3));
    rc = push(rc, list, mf_value_str("h\xc3\xa9llo"));
    rc = push(rc, list, mf_value_null());
    rc = push(rc, list, mf_value_bool(true));
    rc = push(rc, list, mf_value_double(0.1));
    rc = put(rc, inner, "bytes", mf_value_bytes(bytes, sizeof(bytes)));
    rc = put(rc, inner, "empty", mf_value_strn("", 0));
    rc = push(rc, arrays, mf_value_array(MF_F64S, f64, 3));
    rc = push(rc, arrays, mf_value_array(MF_F32S, f32, 2));
    rc = push(rc, arrays, mf_value_array(MF_I64S, i64, 3));
    rc = push(rc, arrays, mf_value_array(MF_I32S, i32, 2));
    rc = push(rc, arrays, mf_value_array(MF_U8S, u8, 3));
    rc = put(rc, inner, "arrays", arrays);
    rc = push(rc, list, inner);
    rc = put(rc, root, "list", list);
    /* more entries than a container starts with: its arrays grow */
    for (int i = 0; i < 20; i++) {
        char key[16];
        snprintf(key, sizeof(key), "k%02d", 19 - i);
        rc = put(rc, inner, key, mf_value_int(i));
        rc = push(rc, list, mf_value_double(i / 4.0));
    }
    rc = put(rc, root, "name", mf_value_str("tree"));
    rc = put(rc, root, "copy", mf_value_copy(root));
    if (rc) {
        mf_value_free(root);
        return rc;
    }
    *out = root;
    return 0;
}

static mf_value *tree_ref;   /* built before the sweep */
static struct mf_buf enc_ref; /* its encoding */

static void values_setup(void)
{
    route_libraries();
    CHECK_EQ_INT(build_tree(&tree_ref), 0);
    CHECK_EQ_INT(mf__value_encode_buf(tree_ref, &enc_ref, NULL), 0);
}

static void values_teardown(void)
{
    mf_value_free(tree_ref);
    mf__buf_release(&enc_ref);
}

static int op_build(void *ctx)
{
    (void)ctx;
    mf_value *v = NULL;
    int rc = build_tree(&v);
    if (!rc && !mf_value_equal(v, tree_ref))
        rc = MF_ECORRUPT;
    mf_value_free(v);
    return rc;
}

static int op_copy(void *ctx)
{
    (void)ctx;
    mf_value *v = mf_value_copy(tree_ref);
    int rc = !v ? MF_ENOMEM : mf_value_equal(v, tree_ref) ? 0 : MF_ECORRUPT;
    mf_value_free(v);
    return rc;
}

static int op_encode(void *ctx)
{
    (void)ctx;
    struct mf_err err = MF_ERR_INIT;
    struct mf_buf out = MF_BUF_INIT;
    int rc = mf__buf_adds(&out, "prefix") ? MF_ENOMEM : mf__value_encode_buf(tree_ref, &out, &err);
    set_msg(rc == MF_ENOMEM && !err.msg[0] ? "out of memory (before encoding)" : err.msg);
    /* a failed encoding leaves what the buffer held before */
    if (rc && (out.len != (out.cap ? 6u : 0u) || out.buf[out.len] != '\0'))
        rc = MF_ECORRUPT;
    if (!rc && (out.len != enc_ref.len + 6 || memcmp(out.buf + 6, enc_ref.buf, enc_ref.len) != 0))
        rc = MF_ECORRUPT;
    mf__buf_release(&out);
    return rc;
}

/* Formatted appends that must grow the buffer; a failed one leaves it as it
 * was (buf.h), terminator included. */
static int op_buf_addf(void *ctx)
{
    (void)ctx;
    struct mf_buf out = MF_BUF_INIT;
    int rc = mf__buf_adds(&out, "prefix");
    for (int i = 0; !rc && i < 4; i++)
        rc = mf__buf_addf(&out, "%s-%d-%0*d", i ? "," : "", i, 60 << i, i);
    if (rc && (out.buf[out.len] != '\0' || strlen(out.buf) != out.len))
        rc = MF_ECORRUPT;
    if (!rc && out.len != 6 + 15 + (60 + 120 + 240 + 480))
        rc = MF_ECORRUPT;
    mf__buf_release(&out);
    return rc;
}

/* Counters keyed by text, as the scheduler keeps passes per position. */
static int op_strmap(void *ctx)
{
    (void)ctx;
    struct mf_strmap m = MF_STRMAP_INIT;
    int rc = 0;
    for (int round = 0; !rc && round < 2; round++)
        for (int i = 0; !rc && i < 40; i++) {
            char key[16];
            snprintf(key, sizeof(key), "start:%d", i);
            int64_t *slot = mf__strmap_slot(&m, key);
            if (!slot)
                rc = MF_ENOMEM;
            else if (*slot != round)
                rc = MF_ECORRUPT;
            else
                ++*slot;
        }
    if (!rc && m.n != 40)
        rc = MF_ECORRUPT;
    mf__strmap_release(&m);
    return rc;
}

static int op_decode(void *ctx)
{
    struct mf_err err = MF_ERR_INIT;
    mf_value *v = NULL;
    struct mf_blob *blob = NULL;
    void *base = NULL;
    int rc = 0;
    if (ctx) { /* zero-copy: arrays point into a blob */
        CHECK((base = malloc(enc_ref.len)) != NULL);
        memcpy(base, enc_ref.buf, enc_ref.len);
        if (!(blob = mf__blob_new(base, enc_ref.len, NULL)))
            rc = mf__err(&err, MF_ENOMEM, "out of memory (blob)");
    }
    if (!rc)
        rc = mf__value_decode(base ? base : enc_ref.buf, enc_ref.len, blob, &v, &err);
    set_msg(err.msg);
    if (!rc && !mf_value_equal(v, tree_ref))
        rc = MF_ECORRUPT;
    if (rc && v)
        rc = MF_ECORRUPT; /* *out must be NULL on failure */
    mf_value_free(v);
    mf__blob_unref(blob);
    free(base);
    return rc;
}

static int op_to_json(void *ctx)
{
    const char *want = ctx;
    char *text = mf_value_to_json(tree_ref);
    int rc = !text ? MF_ENOMEM : strcmp(text, want) == 0 ? 0 : MF_ECORRUPT;
    mf_free(text);
    return rc;
}

static int op_json_round_trip(void *ctx)
{
    const char *text = ctx;
    struct mf_err err = MF_ERR_INIT;
    struct mf_buf out = MF_BUF_INIT;
    mf_value *v = NULL;
    int rc = mf__json_parse(text, &v, &err);
    set_msg(err.msg);
    if (!rc && (rc = mf__json_dump(v, &out)) == MF_ENOMEM)
        set_msg("out of memory (dump)");
    if (!rc && strcmp(out.buf, text) != 0)
        rc = MF_ECORRUPT;
    mf_value_free(v);
    mf__buf_release(&out);
    return rc;
}

TEST(values)
{
    static char json_text[] = "{\"a\":[1,2.5,\"x\u00e9\",null,true,{\"b\":{}}],\"c\":{\"d\":[[],[-9223372036854775808]]}}";
    values_setup();
    char *json = mf_value_to_json(tree_ref);
    CHECK(json != NULL);
    sweep("value build and copy", op_build, NULL, 0, false);
    sweep("value copy", op_copy, NULL, 0, false);
    sweep("buffer formatted appends", op_buf_addf, NULL, 0, false);
    sweep("string map", op_strmap, NULL, 0, false);
    sweep("value encode", op_encode, NULL, 0, true);
    sweep("value decode", op_decode, NULL, 0, true);
    sweep("value decode, zero-copy", op_decode, (void *)1, 0, true);
    sweep("value to JSON", op_to_json, json, 0, false);
    sweep("JSON parse and dump", op_json_round_trip, json_text, 0, true);
    mf_free(json);
    values_teardown();
}

/* ------------------------------------------------------------------ */
/* Content-addressed store and datastore                              */
/* ------------------------------------------------------------------ */

struct cas_case {
    mf_value *v;
    char hex[MF_HASH_HEX_LEN + 1]; /* of an object put beforehand, for get */
    struct mf_cas *cas;             /* the store it is in */
};

static int op_cas_put(void *ctx)
{
    struct cas_case *cc = ctx;
    struct mf_err err = MF_ERR_INIT;
    struct mf_cas *cas = NULL;
    char dir[128], hex[MF_HASH_HEX_LEN + 1];
    mf_value *back = NULL;
    fresh_dir(dir, sizeof(dir));
    int rc = mf__cas_open(dir, MF_CAS_SYNC, &cas, &err);
    if (!rc)
        rc = mf__cas_put(cas, cc->v, hex, NULL, &err);
    set_msg(err.msg);
    if (!rc && strcmp(hex, cc->hex) != 0)
        rc = MF_ECORRUPT;
    mf__cas_close(cas);
    settled();
    if (rc && temp_files(dir, 3))
        rc = MF_ECORRUPT, set_msg("a failed put left a temporary file");
    if (rc == 0) { /* read back what was written */
        struct mf_cas *again = NULL;
        if (mf__cas_open(dir, 0, &again, NULL) || mf__cas_get(again, hex, &back, NULL) ||
            !mf_value_equal(back, cc->v))
            rc = MF_ECORRUPT;
        mf__cas_close(again);
    }
    mf_value_free(back);
    return rc;
}

static int op_cas_get(void *ctx)
{
    struct cas_case *cc = ctx;
    struct mf_err err = MF_ERR_INIT;
    mf_value *v = NULL;
    int rc = mf__cas_get(cc->cas, cc->hex, &v, &err);
    set_msg(err.msg);
    if (!rc && !mf_value_equal(v, cc->v))
        rc = MF_ECORRUPT;
    mf_value_free(v);
    return rc;
}

/* The compression byte of an object's header (cas_impl.h): 0 raw, 1 zstd. */
static int compression_of(struct mf_cas *cas, const char *hex)
{
    struct mf_buf path = MF_BUF_INIT, data = MF_BUF_INIT;
    CHECK_EQ_INT(mf__cas_path(cas, hex, &path), 0);
    CHECK_EQ_INT(mf__read_file(path.buf, &data, NULL), 0);
    CHECK(data.len > 16);
    int kind = data.buf[5];
    mf__buf_release(&path);
    mf__buf_release(&data);
    return kind;
}

/* `compression`: how the object must be stored, so that each case takes
 * the path it is named after (-1: either). */
static void cas_sweeps(const char *what, mf_value *v, int compression)
{
    struct mf_err err = MF_ERR_INIT;
    struct cas_case cc = { .v = v };
    char name[64];
    CHECK_EQ_INT(mf__cas_open(tmp_root, 0, &cc.cas, &err), 0);
    CHECK_EQ_INT(mf__cas_put(cc.cas, v, cc.hex, NULL, &err), 0);
    CHECK(compression < 0 || compression_of(cc.cas, cc.hex) == compression);
    snprintf(name, sizeof(name), "cas put, %s", what);
    sweep(name, op_cas_put, &cc, 0, true);
    snprintf(name, sizeof(name), "cas get, %s", what);
    sweep(name, op_cas_get, &cc, 0, true);
    mf__cas_close(cc.cas);
    mf_value_free(v);
}

TEST(cas)
{
    route_libraries();
    tmp_make();
    mf_value *small = NULL;
    CHECK_EQ_INT(build_tree(&small), 0);
    cas_sweeps("small map", small, -1);
    cas_sweeps("16 KB, zstd", doubles(2000, false), 1);
    cas_sweeps("2.4 MB, streamed zstd", doubles(300000, false), 1);
    cas_sweeps("1.6 MB raw, mapped", doubles(200000, true), 0);
    tmp_remove();
}

struct ds_case {
    struct mf_ds *ds;
    mf_value *v;
    struct mf_artifact art; /* stored beforehand, for load */
    struct mf_index ix;     /* an index of a few artifacts */
};

static int op_ds_store(void *ctx)
{
    struct ds_case *dc = ctx;
    struct mf_err err = MF_ERR_INIT;
    struct mf_ds *ds = NULL;
    struct mf_artifact a;
    char dir[128];
    memset(&a, 0, sizeof(a));
    fresh_dir(dir, sizeof(dir));
    int rc = mf__ds_open(dir, "OomFlow", MF_DS_SYNC, &ds, &err);
    if (!rc)
        rc = mf__ds_store(ds, "art", dc->v, &a, &err);
    set_msg(err.msg);
    if (!rc && (strcmp(a.hash, dc->art.hash) != 0 || strcmp(a.name, "art") != 0 ||
                !a.inline_data != !dc->art.inline_data))
        rc = MF_ECORRUPT;
    if (rc && (a.name || a.inline_data))
        rc = MF_ECORRUPT; /* a failed store leaves nothing to release */
    mf__artifact_release(&a);
    mf__ds_close(ds);
    settled();
    if (rc && temp_files(dir, 3))
        rc = MF_ECORRUPT, set_msg("a failed store left a temporary file");
    return rc;
}

static int op_ds_load(void *ctx)
{
    struct ds_case *dc = ctx;
    struct mf_err err = MF_ERR_INIT;
    mf_value *v = NULL;
    int rc = mf__ds_load(dc->ds, &dc->art, &v, &err);
    set_msg(err.msg);
    if (!rc && !mf_value_equal(v, dc->v))
        rc = MF_ECORRUPT;
    mf_value_free(v);
    return rc;
}

static bool index_equal(const struct mf_index *a, const struct mf_index *b)
{
    if (a->n != b->n || a->attempt != b->attempt || a->num_splits != b->num_splits || a->pass != b->pass ||
        strcmp(a->stack ? a->stack : "", b->stack ? b->stack : "") != 0 || !a->next != !b->next ||
        (a->next && strcmp(a->next, b->next) != 0))
        return false;
    for (size_t i = 0; i < a->n; i++) {
        const struct mf_artifact *x = &a->arts[i], *y = &b->arts[i];
        if (strcmp(x->name, y->name) || strcmp(x->hash, y->hash) || x->type != y->type || x->size != y->size ||
            !x->inline_data != !y->inline_data || (x->inline_data && memcmp(x->inline_data, y->inline_data, x->size)))
            return false;
    }
    return true;
}

/* Builds a copy of dc->ix artifact by artifact, then encodes and decodes it. */
static int op_index_codec(void *ctx)
{
    struct ds_case *dc = ctx;
    struct mf_err err = MF_ERR_INIT;
    struct mf_index ix, back;
    struct mf_buf enc = MF_BUF_INIT;
    int rc = 0;
    mf__index_init(&ix);
    mf__index_init(&back);
    for (size_t i = 0; !rc && i < dc->ix.n; i++)
        if ((rc = mf__index_put(&ix, &dc->ix.arts[i])) != 0)
            set_msg("out of memory (index put)");
    ix.attempt = dc->ix.attempt;
    ix.num_splits = dc->ix.num_splits;
    ix.pass = dc->ix.pass;
    if (!rc && (!(ix.stack = mf__strdup(dc->ix.stack)) || !(ix.next = mf__strdup(dc->ix.next))))
        rc = MF_ENOMEM, set_msg("out of memory (strdup)");
    if (!rc)
        rc = mf__index_encode(&ix, &enc, &err);
    if (!rc)
        rc = mf__index_decode(enc.buf, enc.len, &back, &err);
    if (err.msg[0])
        set_msg(err.msg);
    if (!rc && (!index_equal(&ix, &dc->ix) || !index_equal(&back, &dc->ix)))
        rc = MF_ECORRUPT;
    mf__index_release(&ix);
    mf__index_release(&back);
    mf__buf_release(&enc);
    return rc;
}

static int op_index_write(void *ctx)
{
    struct ds_case *dc = ctx;
    struct mf_err err = MF_ERR_INIT;
    struct mf_ds *ds = NULL;
    struct mf_index back;
    char dir[128];
    fresh_dir(dir, sizeof(dir));
    mf__index_init(&back);
    int rc = mf__ds_open(dir, "OomFlow", MF_DS_SYNC, &ds, &err);
    if (!rc)
        rc = mf__ds_write_index(ds, "1", "start", "1", &dc->ix, &err);
    set_msg(err.msg);
    mf__ds_close(ds);
    settled();
    if (rc && temp_files(dir, 5))
        rc = MF_ECORRUPT, set_msg("a failed write left a temporary file");
    if (!rc) { /* read back what was written */
        struct mf_ds *again = NULL;
        if (mf__ds_open(dir, "OomFlow", 0, &again, NULL) || mf__ds_read_index(again, "1", "start", "1", &back, NULL) ||
            !index_equal(&back, &dc->ix))
            rc = MF_ECORRUPT;
        mf__ds_close(again);
    }
    mf__index_release(&back);
    return rc;
}

static int op_index_read(void *ctx)
{
    struct ds_case *dc = ctx;
    struct mf_err err = MF_ERR_INIT;
    struct mf_index back;
    int rc = mf__ds_read_index(dc->ds, "1", "start", "1", &back, &err);
    set_msg(err.msg);
    if (!rc && !index_equal(&back, &dc->ix))
        rc = MF_ECORRUPT;
    if (rc && (back.n || back.arts || back.stack))
        rc = MF_ECORRUPT; /* a failed read leaves an empty index */
    mf__index_release(&back);
    return rc;
}

static int op_new_run(void *ctx)
{
    (void)ctx;
    struct mf_err err = MF_ERR_INIT;
    struct mf_ds *ds = NULL;
    char dir[128];
    fresh_dir(dir, sizeof(dir));
    int rc = mf__ds_open(dir, "OomFlow", 0, &ds, &err);
    if (!rc)
        rc = mf__ds_claim_run(ds, "1", &err);
    set_msg(err.msg);
    mf__ds_close(ds);
    return rc;
}

static void store_ref(struct ds_case *dc, const char *name, mf_value *v, bool keep)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_artifact a;
    CHECK_EQ_INT(mf__ds_store(dc->ds, name, v, &a, &err), 0);
    CHECK_EQ_INT(mf__index_put(&dc->ix, &a), 0);
    if (keep) {
        mf__artifact_release(&dc->art);
        dc->art = a;
        dc->v = v;
    } else {
        mf__artifact_release(&a);
        mf_value_free(v);
    }
}

TEST(datastore)
{
    struct ds_case dc;
    struct mf_err err = MF_ERR_INIT;
    mf_value *small = NULL;
    route_libraries();
    tmp_make();
    memset(&dc, 0, sizeof(dc));
    mf__index_init(&dc.ix);
    CHECK_EQ_INT(mf__ds_open(tmp_root, "OomFlow", 0, &dc.ds, &err), 0);
    CHECK_EQ_INT(build_tree(&small), 0);

    store_ref(&dc, "small", small, true);
    CHECK(dc.art.inline_data != NULL);
    sweep("datastore store, inline", op_ds_store, &dc, 0, true);
    sweep("datastore load, inline", op_ds_load, &dc, 0, true);
    mf_value_free(dc.v);

    store_ref(&dc, "big", doubles(2000, false), true);
    CHECK(dc.art.inline_data == NULL);
    sweep("datastore store, object", op_ds_store, &dc, 0, true);
    sweep("datastore load, object", op_ds_load, &dc, 0, true);
    mf_value_free(dc.v);

    store_ref(&dc, "n", mf_value_int(7), false);
    dc.ix.attempt = 2;
    dc.ix.num_splits = 3;
    dc.ix.pass = 1;
    CHECK((dc.ix.stack = mf__strdup("start:1:0:3")) != NULL);
    CHECK((dc.ix.next = mf__strdup("end")) != NULL);
    CHECK_EQ_INT(mf__ds_write_index(dc.ds, "1", "start", "1", &dc.ix, &err), 0);
    sweep("index put, encode, decode", op_index_codec, &dc, 0, true);
    sweep("index write", op_index_write, &dc, 0, true);
    sweep("index read", op_index_read, &dc, 0, true);
    sweep("new run id", op_new_run, NULL, 0, true);

    mf__artifact_release(&dc.art);
    mf__index_release(&dc.ix);
    mf__ds_close(dc.ds);
    tmp_remove();
}

TESTS_BEGIN
T(values)
T(cas)
T(datastore)
TESTS_END
