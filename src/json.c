/* SPDX-License-Identifier: Apache-2.0 */
/* json.c - JSON text <-> mf_value. Parsing goes through jansson (the only file
 * that includes it); dumping is our own so that the output is compact,
 * deterministic and reads back to the same value (doubles included). */
#include "json.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

/* Jansson refuses input nested deeper than this (JSON_PARSER_MAX_DEPTH); the
 * dumper keeps to the same bound so that whatever it writes parses back. */
#define JSON_MAX_DEPTH 2048

/* ------------------------------------------------------------------ */
/* Parsing                                                            */
/* ------------------------------------------------------------------ */

static int parse_error(const json_error_t *jerr, struct mf_err *err)
{
    /* Jansson fails without a message only when an allocation failed (it
     * never reports json_error_out_of_memory from its parser). */
    if (!jerr->text[0])
        return mf__err(err, MF_ENOMEM, "out of memory while parsing JSON");
    int line = jerr->line > 0 ? jerr->line : 1;
    int column = jerr->column > 0 ? jerr->column : 1;
    const char *what = jerr->text;
    /* Jansson's own wording names its API flag; say what is wrong instead. */
    if (json_error_code(jerr) == json_error_null_character)
        what = "a string holds a NUL character (\\u0000), which text values cannot carry";
    /* Refused rather than turned into a double, which would silently change
     * large ids; the message says how to keep them. */
    else if (json_error_code(jerr) == json_error_numeric_overflow && strncmp(jerr->text, "too big", 7) == 0)
        what = "integer does not fit in 64 bits; quote it to keep it as text, or add '.0' to read it as a double";
    else if (json_error_code(jerr) == json_error_out_of_memory)
        return mf__err(err, MF_ENOMEM, "out of memory while parsing JSON");
    return mf__err(err, MF_EPARSE, "malformed JSON at line %d, column %d: %s", line, column, what);
}

static int from_jansson(const json_t *j, mf_value **out);

struct member {
    const char *key;
    const json_t *val;
};

static int compare_members(const void *a, const void *b)
{
    return strcmp(((const struct member *)a)->key, ((const struct member *)b)->key);
}

/* Members are put in key order so that each insert into the (sorted) map is
 * an append: a large object costs n log n, not n^2. */
static int object_from_jansson(const json_t *j, mf_value **out)
{
    size_t n = json_object_size(j), k = 0;
    struct member *members = mf__calloc(n, sizeof(*members));
    mf_value *map = mf_value_map();
    const char *key;
    json_t *item;
    int rc = MF_ENOMEM;

    if (!members || !map)
        goto out;
    json_object_foreach((json_t *)j, key, item) {
        members[k].key = key;
        members[k++].val = item;
    }
    qsort(members, n, sizeof(*members), compare_members);
    rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        mf_value *val = NULL;
        rc = from_jansson(members[i].val, &val);
        if (rc == 0)
            rc = mf_value_map_put(map, members[i].key, val);
    }
    if (rc == 0) {
        *out = map;
        map = NULL;
    }
out:
    mf_value_free(map);
    mf__free(members);
    return rc;
}

static int array_from_jansson(const json_t *j, mf_value **out)
{
    mf_value *list = mf_value_list();
    if (!list)
        return MF_ENOMEM;
    for (size_t i = 0; i < json_array_size(j); i++) {
        mf_value *item = NULL;
        int rc = from_jansson(json_array_get(j, i), &item);
        if (rc == 0)
            rc = mf_value_list_push(list, item);
        if (rc < 0) {
            mf_value_free(list);
            return rc;
        }
    }
    *out = list;
    return 0;
}

/* Recursion depth is bounded by jansson's parser limit. */
static int from_jansson(const json_t *j, mf_value **out)
{
    mf_value *v = NULL;
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        return object_from_jansson(j, out);
    case JSON_ARRAY:
        return array_from_jansson(j, out);
    case JSON_STRING:
        v = mf_value_strn(json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        v = mf_value_int((int64_t)json_integer_value(j));
        break;
    case JSON_REAL:
        v = mf_value_double(json_real_value(j));
        break;
    case JSON_TRUE:
        v = mf_value_bool(true);
        break;
    case JSON_FALSE:
        v = mf_value_bool(false);
        break;
    case JSON_NULL:
        v = mf_value_null();
        break;
    }
    *out = v;
    return v ? 0 : MF_ENOMEM;
}

int mf__json_parse(const char *text, mf_value **out, struct mf_err *err)
{
    json_error_t jerr;
    json_t *root = NULL;
    int rc;

    *out = NULL;
    if (!text)
        return mf__err(err, MF_EINVAL, "no JSON text given");
    memset(&jerr, 0, sizeof(jerr)); /* jansson leaves its code byte unset on some failures */
    root = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return parse_error(&jerr, err);
    rc = from_jansson(root, out);
    if (rc < 0)
        mf__err(err, rc, "out of memory while converting JSON");
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Dumping                                                            */
/* ------------------------------------------------------------------ */

/* Writes `d` with the fewest digits that read back to the same double (at
 * most 17, which always does), and keeps a '.' or exponent so that the text
 * reads back as a double, not an int. */
static void format_double(double d, char *text, size_t size)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(text, size, "%.*g", prec, d);
        if (strtod(text, NULL) == d)
            break;
    }
    if (!strpbrk(text, ".eE"))
        strncat(text, ".0", size - strlen(text) - 1);
}

/* The same for a float: shortest text that reads back as that float. */
static void format_float(float f, char *text, size_t size)
{
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(text, size, "%.*g", prec, (double)f);
        if (strtof(text, NULL) == f)
            break;
    }
    if (!strpbrk(text, ".eE"))
        strncat(text, ".0", size - strlen(text) - 1);
}

static int dump_double(double d, struct mf_buf *out)
{
    char text[40];
    if (!isfinite(d))
        return mf__buf_adds(out, "null");
    format_double(d, text, sizeof(text));
    return mf__buf_adds(out, text);
}

/* Length of the valid UTF-8 sequence at s (at most `avail` bytes), or 0 when
 * it is not one: overlong forms, surrogates and code points past U+10FFFF are
 * refused, as a JSON reader would. */
static size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
    size_t len;
    uint32_t cp;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        cp = s[0] & 0x1fu;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        cp = s[0] & 0x0fu;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    if (len > avail)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    if (cp >= 0xd800 && cp <= 0xdfff)
        return 0;
    return len;
}

static int add_escape(unsigned char c, struct mf_buf *out)
{
    switch (c) {
    case '"':
        return mf__buf_adds(out, "\\\"");
    case '\\':
        return mf__buf_adds(out, "\\\\");
    case '\b':
        return mf__buf_adds(out, "\\b");
    case '\f':
        return mf__buf_adds(out, "\\f");
    case '\n':
        return mf__buf_adds(out, "\\n");
    case '\r':
        return mf__buf_adds(out, "\\r");
    case '\t':
        return mf__buf_adds(out, "\\t");
    default:
        return mf__buf_addf(out, "\\u%04x", c);
    }
}

/* A JSON string. Valid UTF-8 passes through; bytes that are not UTF-8 (a
 * value built in C may hold any) become U+FFFD so the output stays JSON. */
static int dump_string(const char *s, size_t len, struct mf_buf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    int rc = mf__buf_addch(out, '"');
    size_t i = 0;
    while (rc == 0 && i < len) {
        size_t run = i;
        /* Copy the longest stretch that needs no escaping in one go. */
        while (run < len && p[run] >= 0x20 && p[run] != '"' && p[run] != '\\') {
            size_t n = utf8_seq_len(p + run, len - run);
            if (n == 0)
                break;
            run += n;
        }
        if (run > i) {
            rc = mf__buf_add(out, p + i, run - i);
            i = run;
        } else if (p[i] < 0x20 || p[i] == '"' || p[i] == '\\') {
            rc = add_escape(p[i++], out);
        } else {
            rc = mf__buf_adds(out, "\\ufffd");
            i++;
        }
    }
    return rc == 0 ? mf__buf_addch(out, '"') : rc;
}

static int dump_base64(const unsigned char *data, size_t len, struct mf_buf *out)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int rc = mf__buf_grow(out, (len + 2) / 3 * 4 + 2);
    if (rc < 0)
        return rc;
    mf__buf_addch(out, '"');
    for (size_t i = 0; i < len; i += 3) {
        uint32_t chunk = (uint32_t)data[i] << 16;
        size_t have = len - i < 3 ? len - i : 3;
        if (have > 1)
            chunk |= (uint32_t)data[i + 1] << 8;
        if (have > 2)
            chunk |= data[i + 2];
        char quad[4] = { alphabet[(chunk >> 18) & 63], alphabet[(chunk >> 12) & 63],
                         have > 1 ? alphabet[(chunk >> 6) & 63] : '=', have > 2 ? alphabet[chunk & 63] : '=' };
        mf__buf_add(out, quad, 4);
    }
    return mf__buf_addch(out, '"');
}

static int dump_element(mf_type type, const void *data, size_t i, struct mf_buf *out)
{
    char text[40];
    switch (type) {
    case MF_F64S:
        return dump_double(((const double *)data)[i], out);
    case MF_F32S: {
        float f = ((const float *)data)[i];
        if (!isfinite(f))
            return mf__buf_adds(out, "null");
        format_float(f, text, sizeof(text));
        return mf__buf_adds(out, text);
    }
    case MF_I64S:
        return mf__buf_addf(out, "%" PRId64, ((const int64_t *)data)[i]);
    case MF_I32S:
        return mf__buf_addf(out, "%" PRId32, ((const int32_t *)data)[i]);
    default:
        return mf__buf_addf(out, "%u", (unsigned)((const uint8_t *)data)[i]);
    }
}

static int dump_array(const mf_value *v, struct mf_buf *out)
{
    mf_type type = mf_value_type(v);
    const void *data = NULL;
    size_t n = 0;
    int rc = mf_value_get_array(v, type, &data, &n);
    if (rc == 0)
        rc = mf__buf_addch(out, '[');
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (i > 0)
            rc = mf__buf_addch(out, ',');
        if (rc == 0)
            rc = dump_element(type, data, i, out);
    }
    return rc == 0 ? mf__buf_addch(out, ']') : rc;
}

static int dump_value(const mf_value *v, int depth, struct mf_buf *out);

static int dump_list(const mf_value *v, int depth, struct mf_buf *out)
{
    int rc = mf__buf_addch(out, '[');
    for (size_t i = 0; rc == 0 && i < mf_value_len(v); i++) {
        if (i > 0)
            rc = mf__buf_addch(out, ',');
        if (rc == 0)
            rc = dump_value(mf_value_at(v, i), depth + 1, out);
    }
    return rc == 0 ? mf__buf_addch(out, ']') : rc;
}

/* Keys come out in the map's order, which is sorted: the same map always
 * dumps to the same text. */
static int dump_map(const mf_value *v, int depth, struct mf_buf *out)
{
    int rc = mf__buf_addch(out, '{');
    for (size_t i = 0; rc == 0 && i < mf_value_len(v); i++) {
        const char *key = mf_value_key_at(v, i);
        if (i > 0)
            rc = mf__buf_addch(out, ',');
        if (rc == 0)
            rc = dump_string(key, strlen(key), out);
        if (rc == 0)
            rc = mf__buf_addch(out, ':');
        if (rc == 0)
            rc = dump_value(mf_value_key(v, key), depth + 1, out);
    }
    return rc == 0 ? mf__buf_addch(out, '}') : rc;
}

static int dump_value(const mf_value *v, int depth, struct mf_buf *out)
{
    const char *s = NULL;
    const void *data = NULL;
    size_t len = 0;
    bool b = false;
    int64_t i = 0;
    double d = 0;

    if (depth > JSON_MAX_DEPTH)
        return MF_ERANGE;
    switch (mf_value_type(v)) {
    case MF_NULL:
        return mf__buf_adds(out, "null");
    case MF_BOOL:
        mf_value_get_bool(v, &b);
        return mf__buf_adds(out, b ? "true" : "false");
    case MF_INT:
        mf_value_get_int(v, &i);
        return mf__buf_addf(out, "%" PRId64, i);
    case MF_DOUBLE:
        mf_value_get_double(v, &d);
        return dump_double(d, out);
    case MF_STR:
        mf_value_get_str(v, &s);
        return dump_string(s, mf_value_len(v), out);
    case MF_BYTES:
        mf_value_get_bytes(v, &data, &len);
        return dump_base64(data, len, out);
    case MF_F64S:
    case MF_F32S:
    case MF_I64S:
    case MF_I32S:
    case MF_U8S:
        return dump_array(v, out);
    case MF_LIST:
        return dump_list(v, depth, out);
    case MF_MAP:
        return dump_map(v, depth, out);
    }
    return MF_EINVAL;
}

/* On failure (MF_ENOMEM, or MF_ERANGE for nesting deeper than JSON allows
 * here) `out` is left as it was. */
int mf__json_dump(const mf_value *v, struct mf_buf *out)
{
    size_t start = out->len;
    int rc = v ? dump_value(v, 0, out) : MF_EINVAL;
    if (rc < 0 && out->cap > 0) {
        out->len = start;
        out->buf[start] = '\0';
    }
    return rc;
}

char *mf_value_to_json(const mf_value *v)
{
    struct mf_buf out = MF_BUF_INIT;
    if (mf__json_dump(v, &out) < 0) {
        mf__buf_release(&out);
        return NULL;
    }
    return mf__buf_detach(&out, NULL);
}
