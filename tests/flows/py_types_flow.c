/* SPDX-License-Identifier: Apache-2.0 */
/*
 * py_types_flow.c - for python/tests: one artifact of every type and size
 * the Python client must decode as C does. Arrays of each numeric type
 * (inline, object, and big: an incompressible f64 array over 1 MiB is stored
 * raw and read in place, a compressible one goes through zstd), nested lists
 * and maps holding arrays, a long string, bytes, special doubles and the int64
 * limits; then a foreach with a join, so fan-out tasks are read too.
 *
 *   start -(foreach items)-> body -> join -> end
 */
#include <math.h>
#include <metaflow.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIG 200000 /* doubles: 1.6 MB, over the 1 MiB mapping threshold */

/* A fixed xorshift sequence: random-looking bits that zstd cannot shrink. */
static uint64_t next_bits(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void set_arrays(mf_task *t)
{
    double small[5] = { 0.5, -0.0, 1e300, -2.25, 3.0 };
    float f32[7] = { 0.1f, -1.5f, 3.4e38f, 1e-45f, 0.0f, 2.0f, -0.25f };
    int64_t i64[4] = { INT64_MIN, -1, 0, INT64_MAX };
    int32_t i32[4] = { INT32_MIN, -7, 0, INT32_MAX };
    uint8_t u8[6] = { 0, 1, 127, 128, 254, 255 };
    mf_set_f64s(t, "f64_small", small, 5);
    mf_set_f32s(t, "f32_small", f32, 7);
    mf_set_i64s(t, "i64_small", i64, 4);
    mf_set_i32s(t, "i32_small", i32, 4);
    mf_set_u8s(t, "u8_small", u8, 6);
    mf_set_f64s(t, "f64_empty", NULL, 0);

    double *big = malloc(BIG * sizeof(double));
    int32_t *mid = malloc(3000 * sizeof(int32_t));
    uint8_t *bytes = malloc(5000);
    if (!big || !mid || !bytes)
        mf_fail(t, "out of memory");
    uint64_t s = 88172645463325252ull;
    for (size_t i = 0; i < BIG; i++) {
        uint64_t bits = next_bits(&s);
        double d;
        memcpy(&d, &bits, sizeof(d));
        big[i] = isfinite(d) ? d : (double)i; /* keep JSON comparable: no NaN/inf */
    }
    mf_set_f64s(t, "f64_random_big", big, BIG);
    for (size_t i = 0; i < BIG; i++)
        big[i] = (double)(i % 100) * 0.5;
    mf_set_f64s(t, "f64_compressible_big", big, BIG);
    for (int32_t i = 0; i < 3000; i++)
        mid[i] = i * i - 5000;
    mf_set_i32s(t, "i32_object", mid, 3000);
    for (size_t i = 0; i < 5000; i++)
        bytes[i] = (uint8_t)(next_bits(&s) & 0xff);
    mf_set_u8s(t, "u8_object", bytes, 5000);
    mf_set_bytes(t, "bytes_object", bytes, 5000);
    free(big);
    free(mid);
    free(bytes);
}

static void set_scalars(mf_task *t)
{
    mf_set_null(t, "nothing");
    mf_set_bool(t, "yes", true);
    mf_set_bool(t, "no", false);
    mf_set_int(t, "int_min", INT64_MIN);
    mf_set_int(t, "int_max", INT64_MAX);
    mf_set_int(t, "small_int", -24);
    mf_set_double(t, "third", 1.0 / 3.0);
    mf_set_double(t, "neg_zero", -0.0);
    mf_set_str(t, "empty_str", "");
    mf_set_str(t, "unicode", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80");
    mf_set_bytes(t, "bytes_small", "\x00\x01\xfe\xff", 4);
    char text[700];
    for (size_t i = 0; i < sizeof(text) - 1; i++)
        text[i] = (char)('a' + i % 26);
    text[sizeof(text) - 1] = '\0';
    mf_set_str(t, "long_str", text);
}

static void set_nested(mf_task *t)
{
    mf_value *m = mf_value_map();
    mf_value *l = mf_value_list();
    double d[3] = { 1.5, 2.5, 3.5 };
    int64_t i[2] = { -3, 4 };
    mf_value_list_push(l, mf_value_array(MF_F64S, d, 3));
    mf_value_list_push(l, mf_value_array(MF_I64S, i, 2));
    mf_value_list_push(l, mf_value_null());
    mf_value_list_push(l, mf_value_bytes("ab", 2));
    mf_value *inner = mf_value_map();
    mf_value_map_put(inner, "b", mf_value_int(2));
    mf_value_map_put(inner, "aa", mf_value_double(0.25));
    mf_value_map_put(inner, "", mf_value_str("empty key"));
    mf_value_list_push(l, inner);
    mf_value_map_put(m, "list", l);
    mf_value_map_put(m, "empty_list", mf_value_list());
    mf_value_map_put(m, "empty_map", mf_value_map());
    mf_value_map_put(m, "flag", mf_value_bool(true));
    mf_set(t, "nested", m);

    mf_value *many = mf_value_list(); /* a list over 20 items: dump summarises it */
    for (int k = 0; k < 30; k++) {
        mf_value *e = mf_value_map();
        mf_value_map_put(e, "k", mf_value_int(k));
        mf_value_list_push(many, e);
    }
    mf_set(t, "many_maps", many);

    mf_value *items = mf_value_list();
    mf_value_list_push(items, mf_value_str("x"));
    mf_value_list_push(items, mf_value_int(7));
    mf_value_list_push(items, mf_value_array(MF_F32S, (float[]){ 1.25f }, 1));
    mf_set(t, "items", items);
}

static void start(mf_task *t)
{
    set_arrays(t);
    set_scalars(t);
    set_nested(t);
    printf("start stored its artifacts\n");
    fprintf(stderr, "a line on stderr\n");
}

static void body(mf_task *t)
{
    mf_set(t, "item", mf_value_copy(mf_input(t)));
    mf_set_int(t, "position", mf_index(t));
}

static void join(mf_task *t)
{
    mf_value *positions = mf_value_list();
    for (size_t i = 0; i < mf_join_count(t); i++)
        mf_value_list_push(positions, mf_value_int(mf_get_int(mf_join_input(t, i), "position")));
    mf_set(t, "positions", positions);
    mf_set_int(t, "total", (int64_t)mf_join_count(t));
}

static void end(mf_task *t)
{
    mf_set_str(t, "done", "yes");
}

static const mf_step steps[] = {
    { .name = "start", .fn = start, .next = { "body" }, .foreach = "items" },
    { .name = "body", .fn = body, .next = { "join" } },
    { .name = "join", .fn = join, .next = { "end" }, .join = true },
    { .name = "end", .fn = end },
};

static const mf_param params[] = {
    { .name = "label", .type = MF_PARAM_STR, .default_value = "typed", .help = "a string parameter" },
    { .name = "weight", .type = MF_PARAM_DOUBLE, .default_value = "0.75", .help = "a double parameter" },
};

int main(int argc, char **argv)
{
    static const mf_flow flow = {
        .name = "PyTypesFlow", .steps = steps, .nsteps = 4, .params = params, .nparams = 2,
    };
    return mf_main(&flow, argc, argv);
}
