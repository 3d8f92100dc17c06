/* SPDX-License-Identifier: Apache-2.0 */
/* test_codec.c - the canonical CBOR encoding: exact bytes, round trips,
 * determinism, every class of malformed input, zero-copy decoding. */
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "codec.h"
#include "metaflow.h"
#include "util/alloc.h"
#include "value.h"

/* Encodes `v` (which it frees) and returns the bytes as lowercase hex. */
static char *hex_of(mf_value *v)
{
    struct mf_buf out = MF_BUF_INIT;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__value_encode_buf(v, &out, &err), 0);
    char *hex = mf__malloc(out.len * 2 + 1);
    for (size_t i = 0; i < out.len; i++)
        snprintf(hex + 2 * i, 3, "%02x", (unsigned char)out.buf[i]);
    hex[out.len * 2] = '\0';
    mf__buf_release(&out);
    mf_value_free(v);
    return hex;
}

#define CHECK_HEX(value, expected)          \
    do {                                    \
        char *h_ = hex_of(value);           \
        CHECK_EQ_STR(h_, expected);         \
        mf__free(h_);                       \
    } while (0)

static size_t unhex(const char *hex, unsigned char *out)
{
    size_t n = 0;
    for (; hex[0] && hex[1]; hex += 2) {
        unsigned int byte;
        while (*hex == ' ')
            hex++;
        sscanf(hex, "%2x", &byte);
        out[n++] = (unsigned char)byte;
    }
    return n;
}

/* Decodes hex that must be rejected with MF_EPARSE and a message holding `what`. */
static void check_rejects(const char *hex, const char *what)
{
    unsigned char bytes[512];
    size_t n = unhex(hex, bytes);
    struct mf_err err = MF_ERR_INIT;
    mf_value *v = (mf_value *)1;
    int rc = mf__value_decode(bytes, n, NULL, &v, &err);
    if (rc != MF_EPARSE)
        fprintf(stderr, "input %s: rc %d\n", hex, rc);
    CHECK_EQ_INT(rc, MF_EPARSE);
    CHECK(v == NULL);
    CHECK_CONTAINS(err.msg, what);
}

static mf_value *roundtrip(const mf_value *v, struct mf_blob *blob_for_input)
{
    struct mf_buf out = MF_BUF_INIT;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__value_encode_buf(v, &out, &err), 0);
    mf_value *back = NULL;
    CHECK_EQ_INT(mf__value_decode(out.buf, out.len, blob_for_input, &back, &err), 0);
    CHECK(mf_value_equal(v, back));
    mf__buf_release(&out);
    return back;
}

TEST(exact_bytes_scalars)
{
    CHECK_HEX(mf_value_null(), "f6");
    CHECK_HEX(mf_value_bool(false), "f4");
    CHECK_HEX(mf_value_bool(true), "f5");
    CHECK_HEX(mf_value_int(0), "00");
    CHECK_HEX(mf_value_int(1), "01");
    CHECK_HEX(mf_value_int(23), "17");
    CHECK_HEX(mf_value_int(24), "1818");
    CHECK_HEX(mf_value_int(-1), "20");
    CHECK_HEX(mf_value_int(-24), "37");
    CHECK_HEX(mf_value_int(-25), "3818");
    CHECK_HEX(mf_value_int(1000), "1903e8");
    CHECK_HEX(mf_value_int(1000000), "1a000f4240");
    CHECK_HEX(mf_value_int(INT64_MAX), "1b7fffffffffffffff");
    CHECK_HEX(mf_value_int(INT64_MIN), "3b7fffffffffffffff");
    CHECK_HEX(mf_value_double(1.0), "fb3ff0000000000000");
    CHECK_HEX(mf_value_double(-0.0), "fb8000000000000000");
    CHECK_HEX(mf_value_double(INFINITY), "fb7ff0000000000000");
    CHECK_HEX(mf_value_str("a"), "6161");
    CHECK_HEX(mf_value_str(""), "60");
    CHECK_HEX(mf_value_bytes("\x01\x02", 2), "420102");
}

TEST(exact_bytes_containers)
{
    const double f64[] = { 1.0 };
    CHECK_HEX(mf_value_array(MF_F64S, f64, 1), "d85648000000000000f03f");
    const uint8_t u8[] = { 7, 8 };
    CHECK_HEX(mf_value_array(MF_U8S, u8, 2), "d840420708");
    const int32_t i32[] = { -2 };
    CHECK_HEX(mf_value_array(MF_I32S, i32, 1), "d84e44feffffff");
    const int64_t i64[] = { 1 };
    CHECK_HEX(mf_value_array(MF_I64S, i64, 1), "d84f480100000000000000");
    const float f32[] = { 1.0f };
    CHECK_HEX(mf_value_array(MF_F32S, f32, 1), "d855440000803f");
    CHECK_HEX(mf_value_array(MF_F64S, NULL, 0), "d85640");
    mf_value *l = mf_value_list();
    mf_value_list_push(l, mf_value_int(1));
    mf_value_list_push(l, mf_value_str("b"));
    CHECK_HEX(l, "82016162");
    mf_value *m = mf_value_map();
    mf_value_map_put(m, "b", mf_value_int(2));
    mf_value_map_put(m, "aa", mf_value_int(1));
    CHECK_HEX(m, "a262616101616202"); /* "aa" before "b": bytewise, not length-first */
    CHECK_HEX(mf_value_list(), "80");
    CHECK_HEX(mf_value_map(), "a0");
}

TEST(deterministic_map_order)
{
    const char *keys[] = { "x", "alpha", "", "beta", "al", "Z", "\xc3\xa9t\xc3\xa9" };
    mf_value *fwd = mf_value_map(), *rev = mf_value_map();
    for (size_t i = 0; i < 7; i++) {
        mf_value_map_put(fwd, keys[i], mf_value_int((int64_t)i));
        mf_value_map_put(rev, keys[6 - i], mf_value_int((int64_t)(6 - i)));
    }
    char *a = hex_of(fwd), *b = hex_of(rev);
    CHECK_EQ_STR(a, b);
    mf__free(a);
    mf__free(b);
}

static mf_value *every_type_tree(void)
{
    const double f64[] = { 0.0, -1.5, NAN, 1e-310 };
    const float f32[] = { 3.25f, -0.0f };
    const int64_t i64[] = { INT64_MIN, -1, INT64_MAX };
    const int32_t i32[] = { INT32_MIN, 0, INT32_MAX };
    const uint8_t u8[] = { 0, 255, 128 };
    mf_value *root = mf_value_map(), *list = mf_value_list(), *inner = mf_value_map();
    mf_value_list_push(list, mf_value_null());
    mf_value_list_push(list, mf_value_bool(true));
    mf_value_list_push(list, mf_value_int(-123456789012LL));
    mf_value_list_push(list, mf_value_double(3.14159));
    mf_value_list_push(list, mf_value_str("unicode \xe2\x9c\x93 \xf0\x9f\x98\x80"));
    mf_value_list_push(list, mf_value_bytes("\0\xff\0", 3));
    mf_value_list_push(list, mf_value_list());
    mf_value_map_put(inner, "deep", mf_value_array(MF_U8S, u8, 3));
    mf_value_list_push(list, inner);
    mf_value_map_put(root, "list", list);
    mf_value_map_put(root, "f64", mf_value_array(MF_F64S, f64, 4));
    mf_value_map_put(root, "f32", mf_value_array(MF_F32S, f32, 2));
    mf_value_map_put(root, "i64", mf_value_array(MF_I64S, i64, 3));
    mf_value_map_put(root, "i32", mf_value_array(MF_I32S, i32, 3));
    mf_value_map_put(root, "empty", mf_value_array(MF_I32S, NULL, 0));
    return root;
}

TEST(roundtrip_every_type)
{
    mf_value *tree = every_type_tree();
    mf_value *back = roundtrip(tree, NULL);
    /* and each top-level entry alone */
    for (size_t i = 0; i < mf_value_len(tree); i++)
        mf_value_free(roundtrip(mf_value_key(tree, mf_value_key_at(tree, i)), NULL));
    const mf_value *list = mf_value_key(tree, "list");
    for (size_t i = 0; i < mf_value_len(list); i++)
        mf_value_free(roundtrip(mf_value_at(list, i), NULL));
    mf_value_free(back);
    mf_value_free(tree);
}

/* One item of a list, decoded alone, equals that item of the whole; the
 * items before it (strings, maps, typed arrays, nested lists) are stepped
 * over. Not a list, out of range, malformed: each its code. */
TEST(decode_one_item)
{
    mf_value *tree = every_type_tree();
    mf_value *list = mf_value_copy(mf_value_key(tree, "list"));
    mf_value_list_push(list, mf_value_copy(tree)); /* a map holding typed arrays */
    mf_value_list_push(list, mf_value_str("last"));
    struct mf_buf enc = MF_BUF_INIT;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__value_encode_buf(list, &enc, &err), 0);
    size_t n = mf_value_len(list);
    for (size_t i = 0; i < n; i++) {
        mf_value *item = NULL;
        CHECK_EQ_INT(mf__value_decode_item(enc.buf, enc.len, i, &item, &err), 0);
        CHECK(mf_value_equal(item, mf_value_at(list, i)));
        mf_value_free(item);
    }
    mf_value *item = NULL;
    CHECK_EQ_INT(mf__value_decode_item(enc.buf, enc.len, n, &item, &err), MF_ERANGE);
    CHECK_CONTAINS(err.msg, "no item");
    CHECK(item == NULL);
    mf__buf_reset(&enc);
    CHECK_EQ_INT(mf__value_encode_buf(tree, &enc, &err), 0);
    CHECK_EQ_INT(mf__value_decode_item(enc.buf, enc.len, 0, &item, &err), MF_ETYPE);
    unsigned char bad[8];
    size_t len = unhex("83 01 7f", bad); /* the second item is an indefinite string */
    CHECK_EQ_INT(mf__value_decode_item(bad, len, 2, &item, &err), MF_EPARSE);
    CHECK_CONTAINS(err.msg, "indefinite-length");
    len = unhex("82 01 1b00", bad); /* the input ends inside the second item */
    CHECK_EQ_INT(mf__value_decode_item(bad, len, 1, &item, &err), MF_EPARSE);
    CHECK(item == NULL);
    mf__buf_release(&enc);
    mf_value_free(list);
    mf_value_free(tree);
}

TEST(roundtrip_nan_payload_bits)
{
    uint64_t bits = 0x7ff0000000000001ull; /* a signaling NaN */
    double d;
    memcpy(&d, &bits, sizeof(d));
    mf_value *v = mf_value_double(d);
    mf_value *back = roundtrip(v, NULL);
    double out;
    mf_value_get_double(back, &out);
    CHECK(memcmp(&out, &bits, 8) == 0);
    mf_value_free(v);
    mf_value_free(back);
}

TEST(roundtrip_large_lengths)
{
    /* heads of 2, 3 and 5 bytes for strings, lists and arrays */
    size_t sizes[] = { 23, 24, 255, 256, 65535, 65536, 70000 };
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        size_t n = sizes[k];
        char *s = mf__malloc(n + 1);
        memset(s, 'x', n);
        s[n] = '\0';
        mf_value *str = mf_value_str(s), *list = mf_value_list();
        for (size_t i = 0; i < n; i++)
            mf_value_list_push(list, mf_value_int((int64_t)i));
        mf_value *arr = mf_value_array(MF_U8S, s, n);
        mf_value *values[] = { str, list, arr };
        for (int j = 0; j < 3; j++) {
            mf_value_free(roundtrip(values[j], NULL));
            mf_value_free(values[j]);
        }
        mf__free(s);
    }
}

struct chunks {
    size_t calls, bytes, biggest;
    int fail_at; /* fail on this call (1-based); 0 never */
};

static int counting_sink(void *ctx, const void *data, size_t len)
{
    struct chunks *c = ctx;
    (void)data;
    c->calls++;
    c->bytes += len;
    if (len > c->biggest)
        c->biggest = len;
    return c->fail_at && (int)c->calls == c->fail_at ? MF_EIO : 0;
}

/* A big array reaches the sink in one piece, straight from the value. */
TEST(encode_streams_payload)
{
    size_t n = 1 << 20;
    mf_value *v = mf_value_array(MF_F64S, NULL, 0);
    mf_value_free(v);
    double *data = mf__calloc(n, sizeof(double));
    v = mf_value_array(MF_F64S, data, n);
    struct chunks c = { 0, 0, 0, 0 };
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__value_encode(v, counting_sink, &c, &err), 0);
    CHECK_EQ_INT(c.bytes, 2 + 5 + n * 8);
    CHECK_EQ_INT(c.biggest, n * 8);
    CHECK_EQ_INT(c.calls, 2);
    /* a failing sink aborts with its code */
    struct chunks f = { 0, 0, 0, 2 };
    CHECK_EQ_INT(mf__value_encode(v, counting_sink, &f, &err), MF_EIO);
    CHECK_EQ_INT(f.calls, 2);
    mf__free(data);
    mf_value_free(v);
}

TEST(encode_rejects_bad_values)
{
    struct mf_buf out = MF_BUF_INIT;
    struct mf_err err = MF_ERR_INIT;
    mf_value *bad_utf8 = mf_value_str("ab\xff"), *with_nul = mf_value_strn("a\0b", 3);
    CHECK_EQ_INT(mf__value_encode_buf(bad_utf8, &out, &err), MF_EINVAL);
    CHECK_CONTAINS(err.msg, "not valid UTF-8");
    CHECK_EQ_INT(mf__value_encode_buf(with_nul, &out, &err), MF_EINVAL);
    CHECK_CONTAINS(err.msg, "contains a NUL");
    mf_value *m = mf_value_map();
    mf_value_map_put(m, "ok", mf_value_int(1));
    mf_value_map_put(m, "\xc0\x80", mf_value_int(1)); /* overlong NUL */
    CHECK_EQ_INT(mf__value_encode_buf(m, &out, &err), MF_EINVAL);
    CHECK_CONTAINS(err.msg, "map key");
    CHECK_EQ_INT(out.len, 0); /* a failed encoding leaves nothing behind */
    CHECK_EQ_INT(mf__value_encode_buf(NULL, &out, &err), MF_EINVAL);
    /* too deep to be decoded: refused when encoding already */
    mf_value *deep = mf_value_list();
    for (int i = 0; i < MF_CODEC_MAX_DEPTH; i++) {
        mf_value *outer = mf_value_list();
        mf_value_list_push(outer, deep);
        deep = outer;
    }
    CHECK_EQ_INT(mf__value_encode_buf(deep, &out, &err), MF_EINVAL);
    CHECK_CONTAINS(err.msg, "deeper than 128");
    mf_value *ok = mf_value_copy(mf_value_at(deep, 0)); /* exactly 128 levels */
    mf_value_free(roundtrip(ok, NULL));
    mf_value_free(ok);
    mf_value_free(deep);
    mf_value_free(m);
    mf_value_free(bad_utf8);
    mf_value_free(with_nul);
    mf__buf_release(&out);
}

TEST(rejects_malformed)
{
    check_rejects("", "byte offset 0: the input ends");
    check_rejects("1c", "byte offset 0: reserved or unsupported initial byte 0x1c");
    check_rejects("1b0000", "offset 0: unsigned integer (initial byte 0x1b) extends past the end");
    check_rejects("82 1818", "byte offset 3: the input ends");
    check_rejects("0101", "byte offset 1: 1 trailing bytes");
    check_rejects("f7", "'undefined'");
    check_rejects("ff", "unexpected 'break'");
    check_rejects("e0", "unsupported initial byte 0xe0");
    check_rejects("f820", "unsupported initial byte 0xf8");
    check_rejects("f93c00", "half- or single-precision");
    check_rejects("fa3f800000", "half- or single-precision");
    check_rejects("1bffffffffffffffff", "outside the int64 range");
    check_rejects("3b8000000000000000", "outside the int64 range");
}

TEST(rejects_non_canonical)
{
    check_rejects("1801", "unsigned integer head is not in its shortest form");
    check_rejects("190017", "shortest form");
    check_rejects("1a0000ffff", "shortest form");
    check_rejects("1b00000000ffffffff", "shortest form");
    check_rejects("3800", "negative integer head is not in its shortest form");
    check_rejects("780161", "text string head is not in its shortest form");
    check_rejects("5800", "byte string head");
    check_rejects("9800", "array head");
    check_rejects("b800", "map head");
    check_rejects("d90056 40", "tag head");
    check_rejects("9f01ff", "byte offset 0: indefinite-length array is not allowed");
    check_rejects("bf6161 01ff", "indefinite-length map");
    check_rejects("5f4101ff", "indefinite-length byte string");
    check_rejects("7f6161ff", "indefinite-length text string");
}

TEST(rejects_bad_maps)
{
    check_rejects("a10101", "byte offset 1: map key must be a text string, found unsigned integer");
    check_rejects("a1410101", "found byte string");
    check_rejects("a2616101616101", "byte offset 4: duplicate map key 'a'");
    check_rejects("a2616201616101", "byte offset 4: map key 'a' is out of order (after 'b')");
    /* length-first (RFC 8949 core) order is not ours */
    check_rejects("a2616201626161 01", "map key 'aa' is out of order");
    check_rejects("a1", "byte offset 0: map of 1 entries is longer than the rest");
}

TEST(rejects_bad_text)
{
    check_rejects("6161ff" , "trailing");
    check_rejects("62c328", "byte offset 1: text string is not valid UTF-8");
    check_rejects("63616200", "byte offset 3: text string contains a NUL byte");
    check_rejects("62c080", "not valid UTF-8");                 /* overlong */
    check_rejects("63eda080", "not valid UTF-8");               /* surrogate */
    check_rejects("64f4900000", "not valid UTF-8");             /* > U+10FFFF */
    check_rejects("a162ff0001", "map key is not valid UTF-8");
    check_rejects("a1620100 01", "map key contains a NUL byte");
}

TEST(rejects_bad_tags_and_lengths)
{
    check_rejects("d8224101", "unknown tag 34");
    check_rejects("c001", "unknown tag 0");
    check_rejects("d85601", "tag 86 must wrap a definite-length byte string");
    check_rejects("d856", "the input ends");
    check_rejects("d8564701020304050607", "f64 array payload of 7 bytes is not a multiple of the element size 8");
    check_rejects("d84e43010203", "not a multiple of the element size 4");
    check_rejects("5bffffffffffffff00", "byte string (initial byte 0x5b) extends past the end");
    check_rejects("7a7fffffff61", "text string (initial byte 0x7a) extends past the end");
    check_rejects("9bffffffffffffff00", "array of 18446744073709551360 items is longer than the rest");
    check_rejects("9a0001000001", "longer than the rest of the input");
    check_rejects("bbffffffffffffffff", "map of");
}

TEST(rejects_deep_nesting)
{
    char hex[2 * (MF_CODEC_MAX_DEPTH + 2) + 1];
    size_t n = 0;
    for (int i = 0; i <= MF_CODEC_MAX_DEPTH; i++, n += 2)
        memcpy(hex + n, "81", 2);
    memcpy(hex + n, "00", 3);
    check_rejects(hex, "byte offset 128: arrays and maps nest deeper than 128 levels");
    /* one level less is fine */
    unsigned char bytes[256];
    size_t len = unhex(hex + 2, bytes);
    mf_value *v = NULL;
    CHECK_EQ_INT(mf__value_decode(bytes, len, NULL, &v, NULL), 0);
    mf_value_free(v);
}

static void release_counted(void *base, size_t len)
{
    (void)len;
    mf__free(base);
}

/* Aligned payloads inside a blob are referenced, not copied. */
TEST(zero_copy_when_aligned)
{
    mf_value *arr = mf_value_array(MF_F64S, (const double[]){ 1, 2, 3 }, 3);
    struct mf_buf enc = MF_BUF_INIT;
    CHECK_EQ_INT(mf__value_encode_buf(arr, &enc, NULL), 0);
    size_t off = mf__value_payload_offset(enc.buf, enc.len);
    CHECK_EQ_INT(off, 4); /* d8 56 58 18 */
    /* place the payload at an 8-byte boundary: slack in front of the head */
    unsigned char *mem = mf__malloc(enc.len + 8);
    unsigned char *start = mem + (8 - off);
    memcpy(start, enc.buf, enc.len);
    struct mf_blob *blob = mf__blob_new(mem, enc.len + 8, release_counted);
    mf_value *v = NULL;
    CHECK_EQ_INT(mf__value_decode(start, enc.len, blob, &v, NULL), 0);
    CHECK_EQ_INT(blob->refs, 2);
    const void *data;
    size_t n;
    CHECK_EQ_INT(mf_value_get_array(v, MF_F64S, &data, &n), 0);
    CHECK(data == start + off);
    CHECK(mf_value_equal(v, arr));
    mf_value_free(v);
    CHECK_EQ_INT(blob->refs, 1);
    /* misaligned: copied into aligned memory, no reference taken */
    memmove(mem + 1, start, enc.len);
    CHECK_EQ_INT(mf__value_decode(mem + 1, enc.len, blob, &v, NULL), 0);
    CHECK_EQ_INT(blob->refs, 1);
    CHECK_EQ_INT(mf_value_get_array(v, MF_F64S, &data, &n), 0);
    CHECK(((uintptr_t)data & 7) == 0);
    CHECK(data < (const void *)mem || data >= (const void *)(mem + enc.len + 8));
    CHECK(mf_value_equal(v, arr));
    mf_value_free(v);
    mf__blob_unref(blob);
    mf__buf_release(&enc);
    mf_value_free(arr);
}

/* A failed decode drops every blob reference it took. */
TEST(failed_decode_releases_refs)
{
    /* [h'...' as f64 array, then a bad item] with the payload aligned */
    unsigned char *mem = mf__calloc(1, 64);
    const unsigned char prefix[] = { 0x82, 0xd8, 0x56, 0x48 }; /* payload at offset 4 */
    unsigned char *start = mem + 4;
    memcpy(start, prefix, sizeof(prefix));
    start[12] = 0xf7; /* undefined: rejected */
    struct mf_blob *blob = mf__blob_new(mem, 64, release_counted);
    mf_value *v = NULL;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__value_decode(start, 13, blob, &v, &err), MF_EPARSE);
    CHECK_CONTAINS(err.msg, "byte offset 12");
    CHECK_EQ_INT(blob->refs, 1);
    mf__blob_unref(blob);
}

TEST(payload_offset)
{
    const unsigned char small[] = { 0xd8, 0x56, 0x48 };
    const unsigned char big[] = { 0xd8, 0x56, 0x5b, 0, 0, 0, 0x40, 0, 0, 0, 0 };
    const unsigned char u8[] = { 0xd8, 0x40, 0x59, 1, 0 };
    const unsigned char map[] = { 0xa1, 0x61, 0x61, 0x01 };
    const unsigned char tag_other[] = { 0xd8, 0x22, 0x41 };
    CHECK_EQ_INT(mf__value_payload_offset(small, sizeof(small)), 3);
    CHECK_EQ_INT(mf__value_payload_offset(big, sizeof(big)), 11);
    CHECK_EQ_INT(mf__value_payload_offset(big, 10), 0); /* too short to tell */
    CHECK_EQ_INT(mf__value_payload_offset(u8, sizeof(u8)), 5);
    CHECK_EQ_INT(mf__value_payload_offset(map, sizeof(map)), 0);
    CHECK_EQ_INT(mf__value_payload_offset(tag_other, sizeof(tag_other)), 0);
    CHECK_EQ_INT(mf__value_payload_offset(NULL, 0), 0);
}

/* The fork server's warm-up round trip (codec_warm.c) gives its value back:
 * a sample the encoder refused would leave every binding to the tasks. */
TEST(warm_round_trip)
{
    CHECK_EQ_INT(mf__codec_warm(), 0);
}

TESTS_BEGIN
T(decode_one_item)
T(exact_bytes_scalars)
T(exact_bytes_containers)
T(deterministic_map_order)
T(roundtrip_every_type)
T(roundtrip_nan_payload_bits)
T(roundtrip_large_lengths)
T(encode_streams_payload)
T(encode_rejects_bad_values)
T(rejects_malformed)
T(rejects_non_canonical)
T(rejects_bad_maps)
T(rejects_bad_text)
T(rejects_bad_tags_and_lengths)
T(rejects_deep_nesting)
T(zero_copy_when_aligned)
T(failed_decode_releases_refs)
T(payload_offset)
T(warm_round_trip)
TESTS_END
