/* SPDX-License-Identifier: Apache-2.0 */
/* test_value.c - the value model: constructors, accessors, sorted maps,
 * ownership on failure, copy/equal/free and blob references. */
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "metaflow.h"
#include "util/alloc.h"
#include "value.h"

TEST(scalars)
{
    mf_value *n = mf_value_null(), *b = mf_value_bool(true), *i = mf_value_int(INT64_MIN);
    mf_value *d = mf_value_double(2.5);
    bool bv = false;
    int64_t iv = 0;
    double dv = 0;
    CHECK_EQ_INT(mf_value_type(n), MF_NULL);
    CHECK_EQ_INT(mf_value_get_bool(b, &bv), 0);
    CHECK(bv);
    CHECK_EQ_INT(mf_value_get_int(i, &iv), 0);
    CHECK(iv == INT64_MIN);
    CHECK_EQ_INT(mf_value_get_double(d, &dv), 0);
    CHECK(dv == 2.5);
    /* an int reads as a double too, not the other way round */
    mf_value *seven = mf_value_int(7);
    CHECK_EQ_INT(mf_value_get_double(seven, &dv), 0);
    CHECK(dv == 7.0);
    CHECK_EQ_INT(mf_value_get_int(d, &iv), MF_ETYPE);
    CHECK_EQ_INT(mf_value_get_bool(i, &bv), MF_ETYPE);
    CHECK_EQ_INT(mf_value_len(i), 0);
    mf_value_free(n);
    mf_value_free(b);
    mf_value_free(i);
    mf_value_free(d);
    mf_value_free(seven);
}

TEST(strings_and_bytes)
{
    mf_value *s = mf_value_str("héllo"), *sn = mf_value_strn("abcdef", 3), *empty = mf_value_strn(NULL, 0);
    const char *str = NULL;
    CHECK_EQ_INT(mf_value_get_str(s, &str), 0);
    CHECK_EQ_STR(str, "héllo");
    CHECK_EQ_INT(mf_value_len(s), 6);
    CHECK_EQ_INT(mf_value_get_str(sn, &str), 0);
    CHECK_EQ_STR(str, "abc");
    CHECK_EQ_INT(mf_value_get_str(empty, &str), 0);
    CHECK_EQ_STR(str, "");
    CHECK(mf_value_str(NULL) == NULL);

    const unsigned char raw[] = { 0, 1, 2, 0xff };
    mf_value *by = mf_value_bytes(raw, sizeof(raw));
    const void *data = NULL;
    size_t len = 0;
    CHECK_EQ_INT(mf_value_get_bytes(by, &data, &len), 0);
    CHECK_EQ_INT(len, 4);
    CHECK(memcmp(data, raw, 4) == 0);
    CHECK(data != (const void *)raw); /* copied */
    CHECK_EQ_INT(mf_value_get_str(by, &str), MF_ETYPE);
    CHECK_EQ_INT(mf_value_get_bytes(s, &data, &len), MF_ETYPE);
    mf_value_free(s);
    mf_value_free(sn);
    mf_value_free(empty);
    mf_value_free(by);
}

TEST(arrays)
{
    const double f64[] = { 1.5, -2, 1e300 };
    const int32_t i32[] = { -1, 2, 3, 4, 5 };
    mf_value *a = mf_value_array(MF_F64S, f64, 3), *b = mf_value_array(MF_I32S, i32, 5);
    const void *data = NULL;
    size_t n = 0;
    CHECK_EQ_INT(mf_value_get_array(a, MF_F64S, &data, &n), 0);
    CHECK_EQ_INT(n, 3);
    CHECK(((uintptr_t)data & 7) == 0);
    CHECK(((const double *)data)[2] == 1e300);
    CHECK_EQ_INT(mf_value_get_array(a, MF_F32S, &data, &n), MF_ETYPE);
    CHECK_EQ_INT(mf_value_get_array(b, MF_I32S, &data, &n), 0);
    CHECK_EQ_INT(mf_value_len(b), 5);
    CHECK(((uintptr_t)data & 7) == 0);
    CHECK(mf_value_array(MF_INT, i32, 1) == NULL);
    CHECK(mf_value_array(MF_LIST, i32, 1) == NULL);
    CHECK(mf_value_array(MF_F64S, NULL, 2) == NULL);
    mf_value *empty = mf_value_array(MF_U8S, NULL, 0);
    CHECK(empty != NULL);
    CHECK_EQ_INT(mf_value_len(empty), 0);
    CHECK_EQ_INT(mf__array_elem_size(MF_F32S), 4);
    CHECK_EQ_INT(mf__array_elem_size(MF_MAP), 0);
    CHECK(mf__type_is_array(MF_U8S));
    CHECK(!mf__type_is_array(MF_BYTES));
    mf_value_free(a);
    mf_value_free(b);
    mf_value_free(empty);
}

TEST(list_ops)
{
    mf_value *l = mf_value_list();
    for (int i = 0; i < 100; i++)
        CHECK_EQ_INT(mf_value_list_push(l, mf_value_int(i)), 0);
    CHECK_EQ_INT(mf_value_len(l), 100);
    int64_t iv = -1;
    CHECK_EQ_INT(mf_value_get_int(mf_value_at(l, 42), &iv), 0);
    CHECK_EQ_INT(iv, 42);
    CHECK(mf_value_at(l, 100) == NULL);
    CHECK(mf_value_key(l, "x") == NULL);
    mf_value_free(l);
}

TEST(map_sorted_and_replace)
{
    mf_value *m = mf_value_map();
    const char *keys[] = { "delta", "alpha", "Zulu", "charlie", "bravo", "alphabet", "" };
    for (size_t i = 0; i < 7; i++)
        CHECK_EQ_INT(mf_value_map_put(m, keys[i], mf_value_int((int64_t)i)), 0);
    CHECK_EQ_INT(mf_value_len(m), 7);
    const char *sorted[] = { "", "Zulu", "alpha", "alphabet", "bravo", "charlie", "delta" };
    for (size_t i = 0; i < 7; i++)
        CHECK_EQ_STR(mf_value_key_at(m, i), sorted[i]);
    CHECK(mf_value_key_at(m, 7) == NULL);
    /* put replaces: same count, new value */
    CHECK_EQ_INT(mf_value_map_put(m, "bravo", mf_value_str("new")), 0);
    CHECK_EQ_INT(mf_value_len(m), 7);
    const char *s = NULL;
    CHECK_EQ_INT(mf_value_get_str(mf_value_key(m, "bravo"), &s), 0);
    CHECK_EQ_STR(s, "new");
    int64_t iv = -1;
    for (size_t i = 0; i < 7; i++) {
        if (strcmp(keys[i], "bravo") == 0)
            continue;
        CHECK_EQ_INT(mf_value_get_int(mf_value_key(m, keys[i]), &iv), 0);
        CHECK_EQ_INT(iv, (int64_t)i);
    }
    CHECK(mf_value_key(m, "alph") == NULL);
    CHECK(mf_value_key(m, "zzz") == NULL);
    CHECK(mf_value_key(m, NULL) == NULL);
    CHECK(mf_value_at(m, 0) == NULL);
    mf_value_free(m);
}

TEST(map_many_keys)
{
    mf_value *m = mf_value_map();
    char key[32];
    for (int i = 999; i >= 0; i--) {
        snprintf(key, sizeof(key), "k%05d", (i * 7919) % 1000);
        CHECK_EQ_INT(mf_value_map_put(m, key, mf_value_int(i)), 0);
    }
    CHECK_EQ_INT(mf_value_len(m), 1000);
    for (size_t i = 1; i < 1000; i++)
        CHECK(strcmp(mf_value_key_at(m, i - 1), mf_value_key_at(m, i)) < 0);
    CHECK(mf_value_key(m, "k00500") != NULL);
    mf_value_free(m);
}

/* push/put take the item even when they fail; ASan reports a leak otherwise. */
TEST(ownership_on_failure)
{
    mf_value *not_list = mf_value_int(1), *not_map = mf_value_str("x");
    CHECK_EQ_INT(mf_value_list_push(not_list, mf_value_str("owned")), MF_ETYPE);
    CHECK_EQ_INT(mf_value_list_push(NULL, mf_value_str("owned")), MF_ETYPE);
    CHECK_EQ_INT(mf_value_map_put(not_map, "k", mf_value_str("owned")), MF_ETYPE);
    CHECK_EQ_INT(mf_value_map_put(NULL, "k", mf_value_list()), MF_ETYPE);
    mf_value *m = mf_value_map();
    CHECK_EQ_INT(mf_value_map_put(m, NULL, mf_value_str("owned")), MF_EINVAL);
    /* a NULL item is a constructor that ran out of memory */
    CHECK_EQ_INT(mf_value_list_push(m, NULL), MF_ENOMEM);
    CHECK_EQ_INT(mf_value_map_put(m, "k", NULL), MF_ENOMEM);
    CHECK_EQ_INT(mf_value_len(m), 0);
    /* a container pushed into itself is refused, not freed */
    mf_value *l = mf_value_list();
    CHECK_EQ_INT(mf_value_list_push(l, l), MF_EINVAL);
    CHECK_EQ_INT(mf_value_map_put(m, "self", m), MF_EINVAL);
    mf_value_free(l);
    mf_value_free(m);
    mf_value_free(not_list);
    mf_value_free(not_map);
}

TEST(null_safety)
{
    bool b;
    int64_t i;
    double d;
    const char *s;
    const void *p;
    size_t n;
    CHECK_EQ_INT(mf_value_type(NULL), MF_NULL);
    CHECK_EQ_INT(mf_value_len(NULL), 0);
    CHECK(mf_value_at(NULL, 0) == NULL);
    CHECK(mf_value_key(NULL, "a") == NULL);
    CHECK(mf_value_key_at(NULL, 0) == NULL);
    CHECK_EQ_INT(mf_value_get_bool(NULL, &b), MF_ETYPE);
    CHECK_EQ_INT(mf_value_get_int(NULL, &i), MF_ETYPE);
    CHECK_EQ_INT(mf_value_get_double(NULL, &d), MF_ETYPE);
    CHECK_EQ_INT(mf_value_get_str(NULL, &s), MF_ETYPE);
    CHECK_EQ_INT(mf_value_get_bytes(NULL, &p, &n), MF_ETYPE);
    CHECK_EQ_INT(mf_value_get_array(NULL, MF_F64S, &p, &n), MF_ETYPE);
    CHECK(mf_value_copy(NULL) == NULL);
    CHECK(mf_value_equal(NULL, NULL));
    mf_value *z = mf_value_null();
    CHECK(!mf_value_equal(z, NULL));
    mf_value_free(z);
    mf_value_free(NULL);
}

static mf_value *sample_tree(void)
{
    const float f32[] = { 0.5f, -1.0f };
    const int64_t i64[] = { INT64_MAX, INT64_MIN, 0 };
    mf_value *root = mf_value_map(), *list = mf_value_list();
    mf_value_list_push(list, mf_value_null());
    mf_value_list_push(list, mf_value_bool(false));
    mf_value_list_push(list, mf_value_double(-0.0));
    mf_value_list_push(list, mf_value_bytes("\0\1", 2));
    mf_value_map_put(root, "list", list);
    mf_value_map_put(root, "f32", mf_value_array(MF_F32S, f32, 2));
    mf_value_map_put(root, "i64", mf_value_array(MF_I64S, i64, 3));
    mf_value_map_put(root, "name", mf_value_str("flow"));
    mf_value_map_put(root, "nested", mf_value_map());
    return root;
}

TEST(copy_and_equal)
{
    mf_value *a = sample_tree(), *b = mf_value_copy(a);
    CHECK(b != NULL && b != a);
    CHECK(mf_value_equal(a, b));
    CHECK(mf_value_key(a, "name") != mf_value_key(b, "name")); /* deep */
    mf_value_map_put(b, "name", mf_value_str("other"));
    CHECK(!mf_value_equal(a, b));
    mf_value_free(b);

    /* doubles compare by bits: 0.0 != -0.0, NaN == the same NaN */
    mf_value *pz = mf_value_double(0.0), *nz = mf_value_double(-0.0);
    mf_value *nan1 = mf_value_double(NAN), *nan2 = mf_value_double(NAN);
    CHECK(!mf_value_equal(pz, nz));
    CHECK(mf_value_equal(nan1, nan2));
    /* type matters: int 1 is not double 1.0; bytes "a" is not str "a" */
    mf_value *one = mf_value_int(1), *onef = mf_value_double(1.0);
    mf_value *sa = mf_value_str("a"), *ba = mf_value_bytes("a", 1);
    CHECK(!mf_value_equal(one, onef));
    CHECK(!mf_value_equal(sa, ba));
    const uint8_t u8a[] = { 1, 2 }, u8b[] = { 1, 3 };
    mf_value *xa = mf_value_array(MF_U8S, u8a, 2), *xb = mf_value_array(MF_U8S, u8b, 2);
    mf_value *xc = mf_value_array(MF_U8S, u8a, 1);
    CHECK(!mf_value_equal(xa, xb));
    CHECK(!mf_value_equal(xa, xc));
    mf_value *values[] = { a, pz, nz, nan1, nan2, one, onef, sa, ba, xa, xb, xc };
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
        mf_value_free(values[i]);
}

static size_t released;
static void count_release(void *base, size_t len)
{
    (void)len;
    released++;
    mf__free(base);
}

TEST(blob_refs)
{
    double *mem = mf__malloc(4 * sizeof(double));
    for (int i = 0; i < 4; i++)
        mem[i] = i;
    struct mf_blob *blob = mf__blob_new(mem, 4 * sizeof(double), count_release);
    CHECK(blob && blob->refs == 1);
    mf_value *a = mf__value_array_ref(MF_F64S, mem + 1, 3, blob);
    CHECK_EQ_INT(blob->refs, 2);
    CHECK(mf__value_array_ref(MF_LIST, mem, 1, blob) == NULL);
    CHECK_EQ_INT(blob->refs, 2);
    mf_value *c = mf_value_copy(a); /* shares the blob */
    CHECK_EQ_INT(blob->refs, 3);
    const void *data;
    size_t n;
    CHECK_EQ_INT(mf_value_get_array(c, MF_F64S, &data, &n), 0);
    CHECK(data == mem + 1 && n == 3);
    CHECK(mf_value_equal(a, c));
    mf__blob_unref(blob);
    mf_value_free(a);
    CHECK_EQ_INT(released, 0);
    mf_value_free(c);
    CHECK_EQ_INT(released, 1);
    mf__blob_unref(NULL);
}

TEST(type_names)
{
    CHECK_EQ_STR(mf_type_name(MF_INT), "int");
    CHECK_EQ_STR(mf_type_name(MF_F64S), "f64 array");
    CHECK_EQ_STR(mf_type_name(MF_U8S), "u8 array");
    CHECK_EQ_STR(mf_type_name(MF_MAP), "map");
    CHECK_EQ_STR(mf_type_name(MF_STR), "str");
    CHECK_EQ_STR(mf_type_name((mf_type)99), "unknown");
}

TESTS_BEGIN
T(scalars)
T(strings_and_bytes)
T(arrays)
T(list_ops)
T(map_sorted_and_replace)
T(map_many_keys)
T(ownership_on_failure)
T(null_safety)
T(copy_and_equal)
T(blob_refs)
T(type_names)
TESTS_END
