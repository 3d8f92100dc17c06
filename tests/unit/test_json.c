/* SPDX-License-Identifier: Apache-2.0 */
/* test_json.c - JSON parsing into values (types, error positions) and the
 * dumper (compact, sorted, doubles that round-trip, escapes, arrays, bytes). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "json.h"
#include "metaflow.h"
#include "util/buf.h"

static mf_value *parse_ok(const char *text)
{
    struct mf_err err = MF_ERR_INIT;
    mf_value *v = NULL;
    int rc = mf__json_parse(text, &v, &err);
    if (rc != 0)
        fprintf(stderr, "parse of '%s' failed: %s\n", text, err.msg);
    CHECK_EQ_INT(rc, 0);
    CHECK(v != NULL);
    return v;
}

/* Parses text that must fail and returns the message (static storage). */
static const char *parse_fail(const char *text)
{
    static struct mf_err err;
    mf_value *v = (mf_value *)&err; /* must be reset to NULL */
    err = (struct mf_err)MF_ERR_INIT;
    CHECK_EQ_INT(mf__json_parse(text, &v, &err), MF_EPARSE);
    CHECK_EQ_INT(err.code, MF_EPARSE);
    CHECK(v == NULL);
    return err.msg;
}

/* Dumps v (freeing it) and checks the text. */
static void check_dump(mf_value *v, const char *want)
{
    struct mf_buf out = MF_BUF_INIT;
    CHECK(v != NULL);
    CHECK_EQ_INT(mf__json_dump(v, &out), 0);
    CHECK_EQ_STR(out.buf, want);
    mf__buf_release(&out);
    mf_value_free(v);
}

/* parse -> dump gives back `want` (canonical text). */
static void check_reformat(const char *text, const char *want)
{
    check_dump(parse_ok(text), want);
}

TEST(parse_scalars)
{
    mf_value *v = parse_ok("42");
    int64_t i = 0;
    double d = 0;
    bool b = false;
    const char *s = NULL;
    CHECK_EQ_INT(mf_value_type(v), MF_INT);
    CHECK_EQ_INT(mf_value_get_int(v, &i), 0);
    CHECK_EQ_INT(i, 42);
    mf_value_free(v);

    v = parse_ok("-9223372036854775808");
    CHECK_EQ_INT(mf_value_get_int(v, &i), 0);
    CHECK(i == INT64_MIN);
    mf_value_free(v);

    v = parse_ok(" 2.5 ");
    CHECK_EQ_INT(mf_value_type(v), MF_DOUBLE);
    CHECK_EQ_INT(mf_value_get_double(v, &d), 0);
    CHECK(d == 2.5);
    mf_value_free(v);

    v = parse_ok("1e2");
    CHECK_EQ_INT(mf_value_type(v), MF_DOUBLE);
    mf_value_free(v);

    v = parse_ok("true");
    CHECK_EQ_INT(mf_value_get_bool(v, &b), 0);
    CHECK(b);
    mf_value_free(v);

    v = parse_ok("null");
    CHECK_EQ_INT(mf_value_type(v), MF_NULL);
    mf_value_free(v);

    v = parse_ok("\"h\\u00e9\\n\"");
    CHECK_EQ_INT(mf_value_get_str(v, &s), 0);
    CHECK_EQ_STR(s, "h\xc3\xa9\n");
    CHECK_EQ_INT(mf_value_len(v), 4);
    mf_value_free(v);
}

TEST(parse_containers)
{
    mf_value *v = parse_ok("{\"US\": 1939, \"CA\": [1, 2.5, \"x\", {}], \"z\": null}");
    int64_t i = 0;
    CHECK_EQ_INT(mf_value_type(v), MF_MAP);
    CHECK_EQ_INT(mf_value_len(v), 3);
    CHECK_EQ_STR(mf_value_key_at(v, 0), "CA");
    CHECK_EQ_STR(mf_value_key_at(v, 1), "US");
    CHECK_EQ_INT(mf_value_get_int(mf_value_key(v, "US"), &i), 0);
    CHECK_EQ_INT(i, 1939);
    const mf_value *list = mf_value_key(v, "CA");
    CHECK_EQ_INT(mf_value_type(list), MF_LIST);
    CHECK_EQ_INT(mf_value_len(list), 4);
    CHECK_EQ_INT(mf_value_type(mf_value_at(list, 0)), MF_INT);
    CHECK_EQ_INT(mf_value_type(mf_value_at(list, 1)), MF_DOUBLE);
    CHECK_EQ_INT(mf_value_type(mf_value_at(list, 2)), MF_STR);
    CHECK_EQ_INT(mf_value_type(mf_value_at(list, 3)), MF_MAP);
    CHECK_EQ_INT(mf_value_type(mf_value_key(v, "z")), MF_NULL);
    mf_value_free(v);
}

TEST(parse_errors_have_positions)
{
    CHECK_EQ_STR(parse_fail("{\"a\" 1}"), "malformed JSON at line 1, column 6: ':' expected near '1'");
    CHECK_EQ_STR(parse_fail("[1,\n  2,\n  x]"), "malformed JSON at line 3, column 3: invalid token near 'x'");
    CHECK_EQ_STR(parse_fail("{\"a\": 1, \"a\": 2}"),
                 "malformed JSON at line 1, column 12: duplicate object key near '\"a\"'");
    CHECK_EQ_STR(parse_fail(""), "malformed JSON at line 1, column 1: unexpected token near end of file");
    CHECK_EQ_STR(parse_fail("[1, 2"), "malformed JSON at line 1, column 5: ']' expected near end of file");
    CHECK_EQ_STR(parse_fail("1 2"), "malformed JSON at line 1, column 3: end of file expected near '2'");
    CHECK_EQ_STR(parse_fail("99999999999999999999"),
                 "malformed JSON at line 1, column 20: integer does not fit in 64 bits; quote it to keep it as "
                 "text, or add '.0' to read it as a double");
    CHECK_CONTAINS(parse_fail("[-9223372036854775809]"), "column 21: integer does not fit in 64 bits");
    CHECK_EQ_STR(parse_fail("\"a\\u0000b\""), "malformed JSON at line 1, column 10: a string holds a NUL "
                                              "character (\\u0000), which text values cannot carry");
    CHECK_CONTAINS(parse_fail("1e999"), "real number overflow");
    CHECK_CONTAINS(parse_fail("\xff"), "unable to decode byte 0xff");
}

TEST(parse_depth_is_bounded)
{
    size_t depth = 5000;
    char *text = malloc(depth + 1);
    memset(text, '[', depth);
    text[depth] = '\0';
    CHECK_CONTAINS(parse_fail(text), "maximum parsing depth reached");
    free(text);
}

TEST(parse_null_text)
{
    struct mf_err err = MF_ERR_INIT;
    mf_value *v = NULL;
    CHECK_EQ_INT(mf__json_parse(NULL, &v, &err), MF_EINVAL);
    CHECK(v == NULL);
}

TEST(dump_scalars)
{
    check_dump(mf_value_null(), "null");
    check_dump(mf_value_bool(true), "true");
    check_dump(mf_value_bool(false), "false");
    check_dump(mf_value_int(INT64_MIN), "-9223372036854775808");
    check_dump(mf_value_int(7), "7");
}

TEST(dump_doubles_read_back_as_doubles)
{
    check_dump(mf_value_double(1.0), "1.0");
    check_dump(mf_value_double(-0.0), "-0.0");
    check_dump(mf_value_double(0.1), "0.1");
    check_dump(mf_value_double(0.01), "0.01");
    check_dump(mf_value_double(1e300), "1e+300");
    check_dump(mf_value_double(1.0 / 3.0), "0.3333333333333333");
    check_dump(mf_value_double(5e-324), "4.94065645841247e-324");
    check_dump(mf_value_double(NAN), "null");
    check_dump(mf_value_double(INFINITY), "null");
    check_dump(mf_value_double(-INFINITY), "null");
}

TEST(dump_strings_escape)
{
    check_dump(mf_value_str("a\"b\\c\n\t\x01\x1f\x7f"), "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\x7f\"");
    check_dump(mf_value_str("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    /* not UTF-8: a lone continuation byte, a truncated sequence, a surrogate */
    check_dump(mf_value_str("a\x80z"), "\"a\\ufffdz\"");
    check_dump(mf_value_str("a\xe2\x82"), "\"a\\ufffd\\ufffd\"");
    check_dump(mf_value_str("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
    check_dump(mf_value_str("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
    check_dump(mf_value_str(""), "\"\"");
}

TEST(dump_containers_compact_sorted)
{
    mf_value *map = mf_value_map();
    mf_value *list = mf_value_list();
    CHECK_EQ_INT(mf_value_list_push(list, mf_value_int(1)), 0);
    CHECK_EQ_INT(mf_value_list_push(list, mf_value_str("two")), 0);
    CHECK_EQ_INT(mf_value_list_push(list, mf_value_list()), 0);
    CHECK_EQ_INT(mf_value_map_put(map, "zeta", mf_value_double(2.5)), 0);
    CHECK_EQ_INT(mf_value_map_put(map, "alpha", list), 0);
    CHECK_EQ_INT(mf_value_map_put(map, "m\"id", mf_value_map()), 0);
    check_dump(map, "{\"alpha\":[1,\"two\",[]],\"m\\\"id\":{},\"zeta\":2.5}");
}

TEST(dump_arrays_and_bytes)
{
    double f64[] = { 1.0, 0.5, NAN };
    float f32[] = { 0.1f, 3.0f, -INFINITY };
    int64_t i64[] = { INT64_MAX, -1 };
    int32_t i32[] = { INT32_MIN, 0 };
    uint8_t u8[] = { 0, 255 };
    check_dump(mf_value_array(MF_F64S, f64, 3), "[1.0,0.5,null]");
    check_dump(mf_value_array(MF_F32S, f32, 3), "[0.1,3.0,null]");
    check_dump(mf_value_array(MF_I64S, i64, 2), "[9223372036854775807,-1]");
    check_dump(mf_value_array(MF_I32S, i32, 2), "[-2147483648,0]");
    check_dump(mf_value_array(MF_U8S, u8, 2), "[0,255]");
    check_dump(mf_value_array(MF_U8S, u8, 0), "[]");
    check_dump(mf_value_bytes("", 0), "\"\"");
    check_dump(mf_value_bytes("f", 1), "\"Zg==\"");
    check_dump(mf_value_bytes("fo", 2), "\"Zm8=\"");
    check_dump(mf_value_bytes("foo", 3), "\"Zm9v\"");
    check_dump(mf_value_bytes("foob", 4), "\"Zm9vYg==\"");
    check_dump(mf_value_bytes("\xff\xfe\x00", 3), "\"//4A\"");
}

TEST(round_trip_text)
{
    check_reformat("{ \"gdp\" : {\"US\": 1939, \"CA\": 1.5e3},\n \"tags\": [\"a\", true, null, -0.0] }",
                   "{\"gdp\":{\"CA\":1500.0,\"US\":1939},\"tags\":[\"a\",true,null,-0.0]}");
    check_reformat("\"\\u00e9\\ud83d\\ude00\\/\"", "\"\xc3\xa9\xf0\x9f\x98\x80/\"");
    check_reformat("[0.1, 1e-7, 123456789012345678]", "[0.1,1e-07,123456789012345678]");
}

TEST(round_trip_value)
{
    const char *texts[] = { "[0.1, 0.2, 0.30000000000000004, 1e308, 2.2250738585072014e-308]",
                            "{\"b\": {\"c\": [1, 2, {\"d\": \"\\u0001\"}]}, \"a\": -1.25}", "\"\"", "[[],{}]" };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        mf_value *first = parse_ok(texts[i]);
        char *json = mf_value_to_json(first);
        CHECK(json != NULL);
        mf_value *second = parse_ok(json);
        CHECK(mf_value_equal(first, second));
        mf_free(json);
        mf_value_free(first);
        mf_value_free(second);
    }
}

TEST(dump_too_deep_leaves_buffer)
{
    mf_value *root = mf_value_list();
    mf_value *inner = root;
    struct mf_buf out = MF_BUF_INIT;
    for (int i = 0; i < 3000; i++) {
        mf_value *child = mf_value_list();
        CHECK_EQ_INT(mf_value_list_push(inner, child), 0);
        inner = child;
    }
    CHECK_EQ_INT(mf__buf_adds(&out, "keep"), 0);
    CHECK_EQ_INT(mf__json_dump(root, &out), MF_ERANGE);
    CHECK_EQ_STR(out.buf, "keep");
    CHECK(mf_value_to_json(root) == NULL);
    mf__buf_release(&out);
    mf_value_free(root);
}

TEST(to_json_public)
{
    mf_value *v = mf_value_map();
    CHECK_EQ_INT(mf_value_map_put(v, "x", mf_value_int(1)), 0);
    char *json = mf_value_to_json(v);
    CHECK_EQ_STR(json, "{\"x\":1}");
    mf_free(json);
    mf_value_free(v);
}

TESTS_BEGIN
T(parse_scalars)
T(parse_containers)
T(parse_errors_have_positions)
T(parse_depth_is_bounded)
T(parse_null_text)
T(dump_scalars)
T(dump_doubles_read_back_as_doubles)
T(dump_strings_escape)
T(dump_containers_compact_sorted)
T(dump_arrays_and_bytes)
T(round_trip_text)
T(round_trip_value)
T(dump_too_deep_leaves_buffer)
T(to_json_public)
TESTS_END
