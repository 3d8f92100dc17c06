/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codec.c - values to and from canonical CBOR (docs/encoding.md is the spec).
 * libcbor writes the heads and tokenizes the input; the tree, the canonical
 * form checks and the zero-copy handling of typed arrays are ours.
 */
#include "codec.h"

#include <cbor.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

/* RFC 8746 tags of the typed arrays we use (all little-endian). */
enum {
    TAG_U8 = 64,
    TAG_I32 = 78,
    TAG_I64 = 79,
    TAG_F32 = 85,
    TAG_F64 = 86,
};

/* A CBOR head is at most 1 + 8 bytes. */
#define HEAD_MAX 9

/* Folds to a constant; the byte-swapping paths exist for big-endian hosts. */
static bool host_is_little_endian(void)
{
    const uint16_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    return first == 1;
}

/* Reverses each `es`-byte element of dst[0, n*es) (copied from src). */
static void swap_elements(uint8_t *dst, const uint8_t *src, size_t n, size_t es)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < es; k++)
            dst[i * es + k] = src[i * es + es - 1 - k];
}

static uint64_t tag_of(mf_type t)
{
    switch (t) {
    case MF_F64S: return TAG_F64;
    case MF_F32S: return TAG_F32;
    case MF_I64S: return TAG_I64;
    case MF_I32S: return TAG_I32;
    case MF_U8S: return TAG_U8;
    default: return 0;
    }
}

static mf_type type_of_tag(uint64_t tag)
{
    switch (tag) {
    case TAG_F64: return MF_F64S;
    case TAG_F32: return MF_F32S;
    case TAG_I64: return MF_I64S;
    case TAG_I32: return MF_I32S;
    case TAG_U8: return MF_U8S;
    default: return MF_NULL;
    }
}

/*
 * Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
 * U+10FFFF) without NUL. Returns 0, or 1 for a NUL, 2 for invalid UTF-8,
 * with the offset of the offending byte in *bad_at.
 */
static int text_check(const uint8_t *s, size_t n, size_t *bad_at)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        *bad_at = i;
        if (c < 0x80) {
            if (c == 0)
                return 1;
            i++;
            continue;
        }
        size_t len;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0)
            len = 2, cp = c & 0x1fu, min = 0x80;
        else if ((c & 0xf0) == 0xe0)
            len = 3, cp = c & 0x0fu, min = 0x800;
        else if ((c & 0xf8) == 0xf0)
            len = 4, cp = c & 0x07u, min = 0x10000;
        else
            return 2;
        if (n - i < len)
            return 2;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 2;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 2;
        i += len;
    }
    return 0;
}

int mf__utf8_check(const void *s, size_t n, size_t *bad_at)
{
    return text_check(s, n, bad_at);
}

/* ------------------------------------------------------------------ */
/* Encoding                                                           */
/* ------------------------------------------------------------------ */

/* Small pieces are gathered in `buf`; big payloads go to the sink as is. */
struct encoder {
    mf_sink_fn sink;
    void *ctx;
    struct mf_err *err;
    size_t used;
    uint8_t buf[4096];
};

static int enc_flush(struct encoder *e)
{
    if (!e->used)
        return 0;
    int rc = e->sink(e->ctx, e->buf, e->used);
    e->used = 0;
    return rc;
}

static int enc_put(struct encoder *e, const void *data, size_t len)
{
    if (len > sizeof(e->buf) - e->used) {
        int rc = enc_flush(e);
        if (rc)
            return rc;
        if (len >= sizeof(e->buf))
            return len ? e->sink(e->ctx, data, len) : 0;
    }
    if (len)
        memcpy(e->buf + e->used, data, len);
    e->used += len;
    return 0;
}

/* Writes a head that a libcbor encoder put in `head` (n bytes). */
static int enc_head(struct encoder *e, const unsigned char *head, size_t n)
{
    if (n == 0)
        return mf__err(e->err, MF_EINVAL, "cannot encode value: a CBOR head did not fit in %d bytes", HEAD_MAX);
    return enc_put(e, head, n);
}

/* Always the 8-byte form (fb + big-endian bits), so that the bit pattern,
 * NaN payloads included, survives: cbor_encode_uint64 writes 1b + the same
 * 8 bytes, and only the initial byte differs. */
static int enc_double(struct encoder *e, double d)
{
    unsigned char head[HEAD_MAX];
    uint64_t bits;
    memcpy(&bits, &d, sizeof(bits));
    size_t n = cbor_encode_uint64(bits, head, sizeof(head));
    head[0] = 0xfb;
    return enc_head(e, head, n);
}

static int enc_int(struct encoder *e, int64_t i)
{
    unsigned char head[HEAD_MAX];
    size_t n = i >= 0 ? cbor_encode_uint((uint64_t)i, head, sizeof(head))
                      : cbor_encode_negint((uint64_t)(-(i + 1)), head, sizeof(head));
    return enc_head(e, head, n);
}

static int enc_text(struct encoder *e, const char *what, const char *s, size_t len)
{
    size_t bad_at;
    int bad = text_check((const uint8_t *)s, len, &bad_at);
    if (bad)
        return mf__err(e->err, MF_EINVAL, "cannot encode value: %s '%.40s' %s at byte %zu", what, s,
                       bad == 1 ? "contains a NUL" : "is not valid UTF-8", bad_at);
    unsigned char head[HEAD_MAX];
    int rc = enc_head(e, head, cbor_encode_string_start(len, head, sizeof(head)));
    return rc ? rc : enc_put(e, s, len);
}

static int enc_bytes(struct encoder *e, const void *data, size_t len)
{
    unsigned char head[HEAD_MAX];
    int rc = enc_head(e, head, cbor_encode_bytestring_start(len, head, sizeof(head)));
    return rc ? rc : enc_put(e, data, len);
}

/* On a little-endian host the payload goes to the sink straight from the
 * value's memory; a big-endian host swaps it chunk by chunk through `buf`. */
static int enc_array(struct encoder *e, const mf_value *v)
{
    size_t es = mf__array_elem_size(v->type), n = v->u.arr.n;
    unsigned char head[HEAD_MAX];
    int rc = enc_head(e, head, cbor_encode_tag(tag_of(v->type), head, sizeof(head)));
    if (rc)
        return rc;
    if (host_is_little_endian() || es == 1)
        return enc_bytes(e, v->u.arr.data, n * es);
    rc = enc_head(e, head, cbor_encode_bytestring_start(n * es, head, sizeof(head)));
    const uint8_t *src = v->u.arr.data;
    size_t per_chunk = sizeof(e->buf) / es;
    while (!rc && n > 0) {
        size_t take = n < per_chunk ? n : per_chunk;
        rc = enc_flush(e);
        if (!rc) {
            swap_elements(e->buf, src, take, es);
            e->used = take * es;
        }
        src += take * es;
        n -= take;
    }
    return rc;
}

static int enc_item(struct encoder *e, const mf_value *v, size_t depth);

static int enc_container(struct encoder *e, const mf_value *v, size_t depth)
{
    unsigned char head[HEAD_MAX];
    if (depth >= MF_CODEC_MAX_DEPTH)
        return mf__err(e->err, MF_EINVAL, "cannot encode value: lists and maps nest deeper than %d levels",
                       MF_CODEC_MAX_DEPTH);
    if (v->type == MF_LIST) {
        int rc = enc_head(e, head, cbor_encode_array_start(v->u.list.n, head, sizeof(head)));
        for (size_t i = 0; !rc && i < v->u.list.n; i++)
            rc = enc_item(e, v->u.list.items[i], depth + 1);
        return rc;
    }
    int rc = enc_head(e, head, cbor_encode_map_start(v->u.map.n, head, sizeof(head)));
    for (size_t i = 0; !rc && i < v->u.map.n; i++) {
        const char *key = v->u.map.keys[i];
        rc = enc_text(e, "map key", key, strlen(key));
        if (!rc)
            rc = enc_item(e, v->u.map.vals[i], depth + 1);
    }
    return rc;
}

static int enc_item(struct encoder *e, const mf_value *v, size_t depth)
{
    unsigned char head[HEAD_MAX];
    if (!v)
        return mf__err(e->err, MF_EINVAL, "cannot encode value: it is NULL");
    switch (v->type) {
    case MF_NULL: return enc_head(e, head, cbor_encode_null(head, sizeof(head)));
    case MF_BOOL: return enc_head(e, head, cbor_encode_bool(v->u.b, head, sizeof(head)));
    case MF_INT: return enc_int(e, v->u.i);
    case MF_DOUBLE: return enc_double(e, v->u.d);
    case MF_STR: return enc_text(e, "string", v->u.s.p, v->u.s.len);
    case MF_BYTES: return enc_bytes(e, v->u.s.p, v->u.s.len);
    case MF_F64S:
    case MF_F32S:
    case MF_I64S:
    case MF_I32S:
    case MF_U8S: return enc_array(e, v);
    case MF_LIST:
    case MF_MAP: return enc_container(e, v, depth);
    }
    return mf__err(e->err, MF_EINVAL, "cannot encode value: unknown type %d", (int)v->type);
}

int mf__value_encode(const mf_value *v, mf_sink_fn sink, void *ctx, struct mf_err *err)
{
    struct encoder e = { .sink = sink, .ctx = ctx, .err = err, .used = 0 };
    int rc = enc_item(&e, v, 0);
    if (!rc)
        rc = enc_flush(&e);
    return rc;
}

static int buf_sink(void *ctx, const void *data, size_t len) { return mf__buf_add(ctx, data, len); }

int mf__value_encode_buf(const mf_value *v, struct mf_buf *out, struct mf_err *err)
{
    size_t old_len = out->len;
    int rc = mf__value_encode(v, buf_sink, out, err);
    if (rc == MF_ENOMEM)
        mf__err(err, MF_ENOMEM, "out of memory encoding a value");
    if (rc) {
        out->len = old_len; /* drop a partial encoding */
        out->buf[old_len] = '\0';
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Tokens: libcbor's streaming decoder fills one `struct token`       */
/* ------------------------------------------------------------------ */

enum token_kind {
    TOK_UINT,
    TOK_NEGINT,
    TOK_BYTES,
    TOK_TEXT,
    TOK_ARRAY,
    TOK_MAP,
    TOK_TAG,
    TOK_FLOAT_SHORT, /* half or single precision */
    TOK_FLOAT8,
    TOK_NULL,
    TOK_UNDEFINED,
    TOK_BOOL,
    TOK_INDEFINITE,
    TOK_BREAK,
};

struct token {
    enum token_kind kind;
    uint64_t arg; /* the head's argument: integer, length, count or tag */
    const uint8_t *p;
    bool b;
};

#define TOK(ctx) ((struct token *)(ctx))
static void on_uint8(void *c, uint8_t v) { *TOK(c) = (struct token){ .kind = TOK_UINT, .arg = v }; }
static void on_uint16(void *c, uint16_t v) { *TOK(c) = (struct token){ .kind = TOK_UINT, .arg = v }; }
static void on_uint32(void *c, uint32_t v) { *TOK(c) = (struct token){ .kind = TOK_UINT, .arg = v }; }
static void on_uint64(void *c, uint64_t v) { *TOK(c) = (struct token){ .kind = TOK_UINT, .arg = v }; }
static void on_negint8(void *c, uint8_t v) { *TOK(c) = (struct token){ .kind = TOK_NEGINT, .arg = v }; }
static void on_negint16(void *c, uint16_t v) { *TOK(c) = (struct token){ .kind = TOK_NEGINT, .arg = v }; }
static void on_negint32(void *c, uint32_t v) { *TOK(c) = (struct token){ .kind = TOK_NEGINT, .arg = v }; }
static void on_negint64(void *c, uint64_t v) { *TOK(c) = (struct token){ .kind = TOK_NEGINT, .arg = v }; }
static void on_bytes(void *c, cbor_data p, size_t n)
{
    *TOK(c) = (struct token){ .kind = TOK_BYTES, .arg = n, .p = p };
}
static void on_text(void *c, cbor_data p, size_t n)
{
    *TOK(c) = (struct token){ .kind = TOK_TEXT, .arg = n, .p = p };
}
static void on_array(void *c, size_t n) { *TOK(c) = (struct token){ .kind = TOK_ARRAY, .arg = n }; }
static void on_map(void *c, size_t n) { *TOK(c) = (struct token){ .kind = TOK_MAP, .arg = n }; }
static void on_tag(void *c, uint64_t v) { *TOK(c) = (struct token){ .kind = TOK_TAG, .arg = v }; }
static void on_float_short(void *c, float f)
{
    (void)f;
    *TOK(c) = (struct token){ .kind = TOK_FLOAT_SHORT };
}
/* The value is re-read from the input bytes to keep its exact bit pattern. */
static void on_float8(void *c, double d)
{
    (void)d;
    *TOK(c) = (struct token){ .kind = TOK_FLOAT8 };
}
static void on_null(void *c) { *TOK(c) = (struct token){ .kind = TOK_NULL }; }
static void on_undefined(void *c) { *TOK(c) = (struct token){ .kind = TOK_UNDEFINED }; }
static void on_bool(void *c, bool b) { *TOK(c) = (struct token){ .kind = TOK_BOOL, .b = b }; }
static void on_indefinite(void *c) { *TOK(c) = (struct token){ .kind = TOK_INDEFINITE }; }
static void on_break(void *c) { *TOK(c) = (struct token){ .kind = TOK_BREAK }; }
#undef TOK

static const struct cbor_callbacks token_callbacks = {
    .uint8 = on_uint8,
    .uint16 = on_uint16,
    .uint32 = on_uint32,
    .uint64 = on_uint64,
    .negint8 = on_negint8,
    .negint16 = on_negint16,
    .negint32 = on_negint32,
    .negint64 = on_negint64,
    .byte_string = on_bytes,
    .byte_string_start = on_indefinite,
    .string = on_text,
    .string_start = on_indefinite,
    .array_start = on_array,
    .indef_array_start = on_indefinite,
    .map_start = on_map,
    .indef_map_start = on_indefinite,
    .tag = on_tag,
    .float2 = on_float_short,
    .float4 = on_float_short,
    .float8 = on_float8,
    .undefined = on_undefined,
    .null = on_null,
    .boolean = on_bool,
    .indef_break = on_break,
};

/* ------------------------------------------------------------------ */
/* Decoding                                                           */
/* ------------------------------------------------------------------ */

struct decoder {
    const uint8_t *data;
    size_t len;
    size_t pos; /* offset of the next token */
    struct mf_blob *blob;
    struct mf_err *err;
};

/* Indexed by the major type (initial byte >> 5). */
static const char *const major_names[8] = {
    "unsigned integer", "negative integer", "byte string", "text string",
    "array",            "map",              "tag",         "simple value or float",
};

static int malformed(struct decoder *d, size_t offset, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int malformed(struct decoder *d, size_t offset, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return mf__err(d->err, MF_EPARSE, "malformed value encoding at byte offset %zu: %s", offset, what);
}

static int no_memory(struct decoder *d)
{
    return mf__err(d->err, MF_ENOMEM, "out of memory decoding a value of %zu bytes", d->len);
}

/* Bytes a head with this argument takes in the shortest form. */
static size_t shortest_head(uint64_t arg)
{
    return arg < 24 ? 1 : arg <= UINT8_MAX ? 2 : arg <= UINT16_MAX ? 3 : arg <= UINT32_MAX ? 5 : 9;
}

/* Reads the token at d->pos into *tok, its offset in *at, and moves past it
 * (past the content, too, for strings). Rejects heads that are not in the
 * shortest form. */
static int next_token(struct decoder *d, struct token *tok, size_t *at)
{
    *at = d->pos;
    if (d->pos >= d->len)
        return malformed(d, d->pos, "the input ends where an item should start");
    uint8_t initial = d->data[d->pos];
    struct cbor_decoder_result r = cbor_stream_decode(d->data + d->pos, d->len - d->pos, &token_callbacks, tok);
    if (r.status == CBOR_DECODER_NEDATA)
        return malformed(d, d->pos, "%s (initial byte 0x%02x) extends past the end of the input",
                         major_names[initial >> 5], initial);
    if (r.status != CBOR_DECODER_FINISHED || r.read == 0 || r.read > d->len - d->pos)
        return malformed(d, d->pos, "reserved or unsupported initial byte 0x%02x", initial);
    d->pos += r.read;
    size_t head_len = r.read;
    switch (tok->kind) {
    case TOK_BYTES:
    case TOK_TEXT: head_len -= (size_t)tok->arg; /* fall through */
    case TOK_UINT:
    case TOK_NEGINT:
    case TOK_ARRAY:
    case TOK_MAP:
    case TOK_TAG:
        if (head_len != shortest_head(tok->arg))
            return malformed(d, *at, "%s head is not in its shortest form", major_names[initial >> 5]);
        break;
    default: break;
    }
    return 0;
}

/* Large bytes point into the blob the encoding was loaded into (a mapped
 * object, or the buffer it was decompressed into) rather than being copied:
 * a loaded 100 MiB artifact is then in memory once. Small ones are copied,
 * keeping the NUL after owned bytes. */
#define BYTES_REF_MIN 4096
static int decode_bytes(struct decoder *d, const struct token *tok, mf_value **out)
{
    size_t len = (size_t)tok->arg;
    if (d->blob && len >= BYTES_REF_MIN)
        *out = mf__value_bytes_ref(tok->p, len, d->blob);
    else
        *out = mf_value_bytes(tok->p, len);
    return *out ? 0 : no_memory(d);
}

static int decode_item(struct decoder *d, size_t depth, mf_value **out);

static int decode_int(struct decoder *d, const struct token *tok, size_t at, mf_value **out)
{
    if (tok->arg > INT64_MAX)
        return malformed(d, at, "integer %s%llu is outside the int64 range", tok->kind == TOK_NEGINT ? "-1-" : "",
                         (unsigned long long)tok->arg);
    int64_t i = tok->kind == TOK_UINT ? (int64_t)tok->arg : -1 - (int64_t)tok->arg;
    return (*out = mf_value_int(i)) ? 0 : no_memory(d);
}

static int decode_double(struct decoder *d, size_t at, mf_value **out)
{
    uint64_t bits = 0;
    for (size_t k = 1; k <= 8; k++)
        bits = (bits << 8) | d->data[at + k];
    double v;
    memcpy(&v, &bits, sizeof(v));
    return (*out = mf_value_double(v)) ? 0 : no_memory(d);
}

/* Checks a text token's content; `what` names it in the message. */
static int check_text(struct decoder *d, const struct token *tok, const char *what)
{
    size_t content = d->pos - (size_t)tok->arg, bad_at;
    int bad = text_check(tok->p, (size_t)tok->arg, &bad_at);
    if (bad == 1)
        return malformed(d, content + bad_at, "%s contains a NUL byte", what);
    if (bad)
        return malformed(d, content + bad_at, "%s is not valid UTF-8", what);
    return 0;
}

static int decode_text(struct decoder *d, const struct token *tok, mf_value **out)
{
    int rc = check_text(d, tok, "text string");
    if (rc)
        return rc;
    *out = mf_value_strn((const char *)tok->p, (size_t)tok->arg);
    return *out ? 0 : no_memory(d);
}

/* A typed array: the tag, then a definite byte string of whole elements.
 * With a blob and an 8-byte aligned payload the value points into the blob. */
static int decode_typed_array(struct decoder *d, const struct token *tag, size_t at, mf_value **out)
{
    mf_type type = type_of_tag(tag->arg);
    if (type == MF_NULL)
        return malformed(d, at, "unknown tag %llu (typed arrays use tags 64, 78, 79, 85 and 86)",
                         (unsigned long long)tag->arg);
    struct token payload;
    size_t payload_at;
    int rc = next_token(d, &payload, &payload_at);
    if (rc)
        return rc;
    if (payload.kind != TOK_BYTES)
        return malformed(d, payload_at, "tag %llu must wrap a definite-length byte string",
                         (unsigned long long)tag->arg);
    size_t es = mf__array_elem_size(type), nbytes = (size_t)payload.arg;
    if (nbytes % es)
        return malformed(d, payload_at, "%s payload of %zu bytes is not a multiple of the element size %zu",
                         mf_type_name(type), nbytes, es);
    bool aligned = ((uintptr_t)payload.p & 7u) == 0;
    bool swap = !host_is_little_endian() && es > 1;
    if (d->blob && aligned && !swap) {
        *out = mf__value_array_ref(type, (void *)(uintptr_t)payload.p, nbytes / es, d->blob);
        return *out ? 0 : no_memory(d);
    }
    *out = mf_value_array(type, payload.p, nbytes / es);
    if (!*out)
        return no_memory(d);
    if (swap)
        swap_elements((*out)->u.arr.data, payload.p, nbytes / es, es);
    return 0;
}

static int decode_list(struct decoder *d, uint64_t count, size_t at, size_t depth, mf_value **out)
{
    /* Every item takes at least one byte: a count beyond the input is a lie. */
    if (count > d->len - d->pos)
        return malformed(d, at, "array of %llu items is longer than the rest of the input (%zu bytes)",
                         (unsigned long long)count, d->len - d->pos);
    mf_value *list = mf_value_list();
    if (!list)
        return no_memory(d);
    int rc = 0;
    for (uint64_t i = 0; !rc && i < count; i++) {
        mf_value *item = NULL;
        rc = decode_item(d, depth + 1, &item);
        if (!rc && mf_value_list_push(list, item))
            rc = no_memory(d);
    }
    if (rc)
        mf_value_free(list);
    else
        *out = list;
    return rc;
}

/* Appends an entry whose key sorts after every key present; takes `key`
 * and `val` in every case. */
static int map_append(mf_value *map, char *key, mf_value *val)
{
    size_t need = map->u.map.n + 1, keys_cap = map->u.map.cap, vals_cap = map->u.map.cap;
    if (MF_GROW(map->u.map.keys, keys_cap, need) || MF_GROW(map->u.map.vals, vals_cap, need)) {
        mf__free(key);
        mf_value_free(val);
        return MF_ENOMEM;
    }
    map->u.map.cap = keys_cap < vals_cap ? keys_cap : vals_cap;
    map->u.map.keys[map->u.map.n] = key;
    map->u.map.vals[map->u.map.n++] = val;
    return 0;
}

/* Reads one key: a text string that sorts strictly after `prev`. */
static int decode_key(struct decoder *d, const char *prev, char **key)
{
    struct token tok;
    size_t at;
    int rc = next_token(d, &tok, &at);
    if (rc)
        return rc;
    if (tok.kind != TOK_TEXT)
        return malformed(d, at, "map key must be a text string, found %s", major_names[d->data[at] >> 5]);
    rc = check_text(d, &tok, "map key");
    if (rc)
        return rc;
    *key = mf__strndup((const char *)tok.p, (size_t)tok.arg);
    if (!*key)
        return no_memory(d);
    int order = prev ? strcmp(prev, *key) : -1;
    if (order < 0)
        return 0;
    rc = order == 0 ? malformed(d, at, "duplicate map key '%.64s'", *key)
                    : malformed(d, at, "map key '%.64s' is out of order (after '%.64s'); keys must be sorted bytewise",
                                *key, prev);
    mf__free(*key);
    *key = NULL;
    return rc;
}

static int decode_map(struct decoder *d, uint64_t count, size_t at, size_t depth, mf_value **out)
{
    if (count > (d->len - d->pos) / 2)
        return malformed(d, at, "map of %llu entries is longer than the rest of the input (%zu bytes)",
                         (unsigned long long)count, d->len - d->pos);
    mf_value *map = mf_value_map();
    if (!map)
        return no_memory(d);
    int rc = 0;
    for (uint64_t i = 0; !rc && i < count; i++) {
        char *key = NULL;
        mf_value *val = NULL;
        const char *prev = i ? map->u.map.keys[i - 1] : NULL;
        rc = decode_key(d, prev, &key);
        if (!rc)
            rc = decode_item(d, depth + 1, &val);
        if (rc)
            mf__free(key);
        else if (map_append(map, key, val))
            rc = no_memory(d);
    }
    if (rc)
        mf_value_free(map);
    else
        *out = map;
    return rc;
}

/* Indefinite lengths and their 'break' are valid CBOR that canonical
 * encodings never hold. */
static int bad_framing(struct decoder *d, enum token_kind kind, size_t at)
{
    if (kind == TOK_BREAK)
        return malformed(d, at, "unexpected 'break' (0xff)");
    return malformed(d, at, "indefinite-length %s is not allowed", major_names[d->data[at] >> 5]);
}

/* `depth` is how many lists and maps enclose the item. */
static int decode_item(struct decoder *d, size_t depth, mf_value **out)
{
    struct token tok;
    size_t at;
    int rc = next_token(d, &tok, &at);
    if (rc)
        return rc;
    switch (tok.kind) {
    case TOK_UINT:
    case TOK_NEGINT: return decode_int(d, &tok, at, out);
    case TOK_FLOAT8: return decode_double(d, at, out);
    case TOK_FLOAT_SHORT:
        return malformed(d, at, "half- or single-precision float; doubles are always 8-byte floats (0xfb)");
    case TOK_NULL: return (*out = mf_value_null()) ? 0 : no_memory(d);
    case TOK_BOOL: return (*out = mf_value_bool(tok.b)) ? 0 : no_memory(d);
    case TOK_UNDEFINED: return malformed(d, at, "'undefined' (0xf7) is not a supported value");
    case TOK_TEXT: return decode_text(d, &tok, out);
    case TOK_BYTES: return decode_bytes(d, &tok, out);
    case TOK_TAG: return decode_typed_array(d, &tok, at, out);
    case TOK_INDEFINITE:
    case TOK_BREAK: return bad_framing(d, tok.kind, at);
    case TOK_ARRAY:
    case TOK_MAP: break;
    }
    if (depth >= MF_CODEC_MAX_DEPTH)
        return malformed(d, at, "arrays and maps nest deeper than %d levels", MF_CODEC_MAX_DEPTH);
    if (tok.kind == TOK_ARRAY)
        return decode_list(d, tok.arg, at, depth, out);
    return decode_map(d, tok.arg, at, depth, out);
}

int mf__value_decode(const void *data, size_t len, struct mf_blob *blob, mf_value **out, struct mf_err *err)
{
    struct decoder d = { .data = data, .len = len, .pos = 0, .blob = blob, .err = err };
    mf_value *v = NULL;
    *out = NULL;
    if (!data && len)
        return mf__err(err, MF_EINVAL, "cannot decode a value: no data");
    int rc = decode_item(&d, 0, &v);
    if (!rc && d.pos != len)
        rc = malformed(&d, d.pos, "%zu trailing bytes after the value", len - d.pos);
    if (rc) {
        mf_value_free(v);
        return rc;
    }
    *out = v;
    return 0;
}

/* Moves past one well-formed item without building it. Tags count as a
 * level, so that no input can recurse without bound. */
static int skip_item(struct decoder *d, size_t depth)
{
    struct token tok;
    size_t at;
    int rc = next_token(d, &tok, &at);
    if (rc)
        return rc;
    switch (tok.kind) {
    case TOK_INDEFINITE:
    case TOK_BREAK: return bad_framing(d, tok.kind, at);
    case TOK_ARRAY:
    case TOK_MAP:
    case TOK_TAG: break;
    default: return 0; /* next_token moved past a string's content too */
    }
    if (depth >= MF_CODEC_MAX_DEPTH)
        return malformed(d, at, "arrays and maps nest deeper than %d levels", MF_CODEC_MAX_DEPTH);
    if (tok.kind == TOK_TAG)
        return skip_item(d, depth + 1);
    if (tok.arg > d->len - d->pos)
        return malformed(d, at, "%s of %llu items is longer than the rest of the input (%zu bytes)",
                         major_names[d->data[at] >> 5], (unsigned long long)tok.arg, d->len - d->pos);
    uint64_t items = tok.kind == TOK_MAP ? 2 * tok.arg : tok.arg;
    for (uint64_t i = 0; i < items && !rc; i++)
        rc = skip_item(d, depth + 1);
    return rc;
}

int mf__value_decode_item(const void *data, size_t len, size_t index, mf_value **out, struct mf_err *err)
{
    struct decoder d = { .data = data, .len = len, .pos = 0, .blob = NULL, .err = err };
    struct token tok;
    size_t at;
    *out = NULL;
    if (!data && len)
        return mf__err(err, MF_EINVAL, "cannot decode a value: no data");
    int rc = next_token(&d, &tok, &at);
    if (rc)
        return rc;
    if (tok.kind != TOK_ARRAY)
        return mf__err(err, MF_ETYPE, "the value is not a list");
    if (index >= tok.arg)
        return mf__err(err, MF_ERANGE, "the list has %llu items, so no item %zu", (unsigned long long)tok.arg, index);
    for (size_t i = 0; i < index && !rc; i++)
        rc = skip_item(&d, 1);
    if (!rc)
        rc = decode_item(&d, 1, out);
    return rc;
}

/* The head of a top-level typed array is the tag (d8 xx) and the byte
 * string's head (1 to 9 bytes): at most 11 bytes. */
size_t mf__value_payload_offset(const void *head, size_t len)
{
    const uint8_t *h = head;
    if (!h || len < 3 || h[0] != 0xd8 || type_of_tag(h[1]) == MF_NULL || (h[2] >> 5) != 2)
        return 0;
    uint8_t info = h[2] & 0x1f;
    size_t string_head = info < 24 ? 1 : info == 24 ? 2 : info == 25 ? 3 : info == 26 ? 5 : info == 27 ? 9 : 0;
    if (!string_head || len < 2 + string_head)
        return 0;
    return 2 + string_head;
}
