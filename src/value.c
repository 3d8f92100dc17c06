/* SPDX-License-Identifier: Apache-2.0 */
/*
 * value.c - the value model: constructors, lists, sorted maps, accessors,
 * copy/equal/free, and the reference-counted blobs decoded arrays point into.
 */
#include "value.h"

#include <string.h>

#include "util/alloc.h"

/* ------------------------------------------------------------------ */
/* Blobs                                                              */
/* ------------------------------------------------------------------ */

/* On failure returns NULL and `base` still belongs to the caller. A NULL
 * `release` means the blob does not own `base`. */
struct mf_blob *mf__blob_new(void *base, size_t len, void (*release)(void *base, size_t len))
{
    struct mf_blob *b = mf__malloc(sizeof(*b));
    if (!b)
        return NULL;
    b->refs = 1;
    b->base = base;
    b->len = len;
    b->release = release;
    return b;
}

void mf__blob_ref(struct mf_blob *b)
{
    if (b)
        b->refs++;
}

void mf__blob_unref(struct mf_blob *b)
{
    if (!b || --b->refs > 0)
        return;
    if (b->release)
        b->release(b->base, b->len);
    mf__free(b);
}

/* ------------------------------------------------------------------ */
/* Types                                                              */
/* ------------------------------------------------------------------ */

const char *mf_type_name(mf_type type)
{
    switch (type) {
    case MF_NULL: return "null";
    case MF_BOOL: return "bool";
    case MF_INT: return "int";
    case MF_DOUBLE: return "double";
    case MF_STR: return "str";
    case MF_BYTES: return "bytes";
    case MF_F64S: return "f64 array";
    case MF_F32S: return "f32 array";
    case MF_I64S: return "i64 array";
    case MF_I32S: return "i32 array";
    case MF_U8S: return "u8 array";
    case MF_LIST: return "list";
    case MF_MAP: return "map";
    }
    return "unknown";
}

const char *mf__type_a(mf_type type)
{
    switch (type) {
    case MF_NULL: return "null";
    case MF_BYTES: return "bytes";
    case MF_INT: return "an int";
    case MF_F64S: return "an f64 array";
    case MF_F32S: return "an f32 array";
    case MF_I64S: return "an i64 array";
    case MF_I32S: return "an i32 array";
    default: break;
    }
    return type == MF_BOOL ? "a bool" : type == MF_DOUBLE ? "a double" : type == MF_STR ? "a str"
         : type == MF_U8S ? "a u8 array" : type == MF_LIST ? "a list" : type == MF_MAP ? "a map" : "unknown";
}

size_t mf__array_elem_size(mf_type t)
{
    switch (t) {
    case MF_F64S: return sizeof(double);
    case MF_F32S: return sizeof(float);
    case MF_I64S: return sizeof(int64_t);
    case MF_I32S: return sizeof(int32_t);
    case MF_U8S: return sizeof(uint8_t);
    default: return 0;
    }
}

bool mf__type_is_array(mf_type t) { return mf__array_elem_size(t) != 0; }

/* ------------------------------------------------------------------ */
/* Constructors                                                       */
/* ------------------------------------------------------------------ */

static mf_value *value_new(mf_type type)
{
    mf_value *v = mf__calloc(1, sizeof(*v));
    if (v)
        v->type = type;
    return v;
}

mf_value *mf_value_null(void) { return value_new(MF_NULL); }

mf_value *mf_value_bool(bool b)
{
    mf_value *v = value_new(MF_BOOL);
    if (v)
        v->u.b = b;
    return v;
}

mf_value *mf_value_int(int64_t i)
{
    mf_value *v = value_new(MF_INT);
    if (v)
        v->u.i = i;
    return v;
}

mf_value *mf_value_double(double d)
{
    mf_value *v = value_new(MF_DOUBLE);
    if (v)
        v->u.d = d;
    return v;
}

/* Strings and bytes keep a NUL after their content so that a string's
 * pointer is a C string and a zero-length value has a valid pointer (bytes
 * that reference a blob are the exception: their pointer is into it). */
static mf_value *text_new(mf_type type, const void *data, size_t len)
{
    if (!data && len)
        return NULL;
    mf_value *v = value_new(type);
    if (!v)
        return NULL;
    v->u.s.p = mf__strndup(data ? data : "", len);
    if (!v->u.s.p) {
        mf__free(v);
        return NULL;
    }
    v->u.s.len = len;
    return v;
}

mf_value *mf_value_str(const char *s) { return s ? text_new(MF_STR, s, strlen(s)) : NULL; }

mf_value *mf_value_strn(const char *s, size_t len) { return text_new(MF_STR, s, len); }

mf_value *mf_value_bytes(const void *data, size_t len) { return text_new(MF_BYTES, data, len); }

mf_value *mf_value_array(mf_type elem_type, const void *data, size_t n)
{
    size_t es = mf__array_elem_size(elem_type);
    if (!es || (!data && n) || n > SIZE_MAX / es)
        return NULL;
    mf_value *v = value_new(elem_type);
    if (!v)
        return NULL;
    v->u.arr.data = mf__malloc(n * es); /* malloc memory is 8-byte aligned */
    if (!v->u.arr.data) {
        mf__free(v);
        return NULL;
    }
    if (n)
        memcpy(v->u.arr.data, data, n * es);
    v->u.arr.n = n;
    return v;
}

mf_value *mf__value_array_ref(mf_type t, void *data, size_t n, struct mf_blob *blob)
{
    if (!mf__type_is_array(t) || !blob)
        return NULL;
    mf_value *v = value_new(t);
    if (!v)
        return NULL;
    v->u.arr.data = data;
    v->u.arr.n = n;
    v->u.arr.blob = blob;
    mf__blob_ref(blob);
    return v;
}

mf_value *mf__value_bytes_ref(const void *data, size_t len, struct mf_blob *blob)
{
    if (!blob || !data)
        return NULL;
    mf_value *v = value_new(MF_BYTES);
    if (!v)
        return NULL;
    v->u.s.p = (char *)(uintptr_t)data;
    v->u.s.len = len;
    v->u.s.blob = blob;
    mf__blob_ref(blob);
    return v;
}

mf_value *mf__value_borrow(mf_type t, const void *data, size_t len)
{
    size_t es = mf__array_elem_size(t);
    if ((t != MF_BYTES && !es) || !data)
        return NULL;
    struct mf_blob *b = mf__blob_new((void *)(uintptr_t)data, len * (es ? es : 1), NULL);
    if (!b)
        return NULL;
    mf_value *v = t == MF_BYTES ? mf__value_bytes_ref(data, len, b) : mf__value_array_ref(t, (void *)(uintptr_t)data, len, b);
    mf__blob_unref(b); /* the value holds the only reference */
    return v;
}

mf_value *mf_value_list(void) { return value_new(MF_LIST); }

mf_value *mf_value_map(void) { return value_new(MF_MAP); }

mf_value *mf__value_str_list(const char *const *v, size_t n)
{
    mf_value *l = mf_value_list();
    for (size_t i = 0; l && i < n; i++)
        if (mf_value_list_push(l, mf_value_str(v[i]))) {
            mf_value_free(l);
            return NULL;
        }
    return l;
}

/* ------------------------------------------------------------------ */
/* Lists and maps                                                     */
/* ------------------------------------------------------------------ */

int mf_value_list_push(mf_value *list, mf_value *item)
{
    /* A NULL item is a constructor that ran out of memory (metaflow.h). */
    if (!item)
        return MF_ENOMEM;
    if (item == list)
        return MF_EINVAL; /* would make a cycle; freeing it would free `list` */
    if (!list || list->type != MF_LIST) {
        mf_value_free(item);
        return MF_ETYPE;
    }
    if (MF_GROW(list->u.list.items, list->u.list.cap, list->u.list.n + 1)) {
        mf_value_free(item);
        return MF_ENOMEM;
    }
    list->u.list.items[list->u.list.n++] = item;
    return 0;
}

/* Binary search: the index of `key`, or where it would be inserted. */
static size_t map_find(const mf_value *map, const char *key, bool *found)
{
    size_t lo = 0, hi = map->u.map.n;
    *found = false;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(map->u.map.keys[mid], key);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Makes room for one more entry in both parallel arrays. */
static int map_reserve(mf_value *map)
{
    size_t need = map->u.map.n + 1;
    size_t keys_cap = map->u.map.cap, vals_cap = map->u.map.cap;
    if (MF_GROW(map->u.map.keys, keys_cap, need) || MF_GROW(map->u.map.vals, vals_cap, need))
        return MF_ENOMEM;
    /* Both grew along the same sequence; only when both succeed is cap raised. */
    map->u.map.cap = keys_cap < vals_cap ? keys_cap : vals_cap;
    return 0;
}

int mf_value_map_put(mf_value *map, const char *key, mf_value *val)
{
    int rc = 0;
    char *key_copy = NULL;
    if (!val) {
        rc = MF_ENOMEM; /* a constructor that ran out of memory (metaflow.h) */
        goto out;
    }
    if (val == map || !key) {
        rc = MF_EINVAL;
        goto out;
    }
    if (!map || map->type != MF_MAP) {
        rc = MF_ETYPE;
        goto out;
    }
    bool found;
    size_t at = map_find(map, key, &found);
    if (found) {
        mf_value_free(map->u.map.vals[at]);
        map->u.map.vals[at] = val;
        return 0;
    }
    key_copy = mf__strdup(key);
    if (!key_copy || map_reserve(map)) {
        rc = MF_ENOMEM;
        goto out;
    }
    size_t tail = map->u.map.n - at;
    memmove(map->u.map.keys + at + 1, map->u.map.keys + at, tail * sizeof(char *));
    memmove(map->u.map.vals + at + 1, map->u.map.vals + at, tail * sizeof(mf_value *));
    map->u.map.keys[at] = key_copy;
    map->u.map.vals[at] = val;
    map->u.map.n++;
    return 0;
out:
    mf__free(key_copy);
    if (val != map)
        mf_value_free(val);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Copy, free, equal                                                  */
/* ------------------------------------------------------------------ */

static mf_value *copy_list(const mf_value *v)
{
    mf_value *out = mf_value_list();
    if (!out)
        return NULL;
    if (MF_GROW(out->u.list.items, out->u.list.cap, v->u.list.n))
        goto fail;
    for (size_t i = 0; i < v->u.list.n; i++) {
        mf_value *item = mf_value_copy(v->u.list.items[i]);
        if (!item)
            goto fail;
        out->u.list.items[out->u.list.n++] = item;
    }
    return out;
fail:
    mf_value_free(out);
    return NULL;
}

/* Keys are already sorted and unique, so entries are appended in order. */
static mf_value *copy_map(const mf_value *v)
{
    mf_value *out = mf_value_map();
    if (!out)
        return NULL;
    size_t keys_cap = 0, vals_cap = 0;
    if (MF_GROW(out->u.map.keys, keys_cap, v->u.map.n) || MF_GROW(out->u.map.vals, vals_cap, v->u.map.n))
        goto fail;
    out->u.map.cap = v->u.map.n;
    for (size_t i = 0; i < v->u.map.n; i++) {
        char *key = mf__strdup(v->u.map.keys[i]);
        mf_value *val = key ? mf_value_copy(v->u.map.vals[i]) : NULL;
        if (!val) {
            mf__free(key);
            goto fail;
        }
        out->u.map.keys[out->u.map.n] = key;
        out->u.map.vals[out->u.map.n++] = val;
    }
    return out;
fail:
    mf_value_free(out);
    return NULL;
}

mf_value *mf_value_copy(const mf_value *v)
{
    if (!v)
        return NULL;
    switch (v->type) {
    case MF_NULL: return mf_value_null();
    case MF_BOOL: return mf_value_bool(v->u.b);
    case MF_INT: return mf_value_int(v->u.i);
    case MF_DOUBLE: return mf_value_double(v->u.d);
    case MF_STR: return text_new(v->type, v->u.s.p, v->u.s.len);
    case MF_BYTES:
        /* Like arrays: blob-backed bytes are immutable, a copy shares them. */
        if (v->u.s.blob)
            return mf__value_bytes_ref(v->u.s.p, v->u.s.len, v->u.s.blob);
        return text_new(v->type, v->u.s.p, v->u.s.len);
    case MF_F64S:
    case MF_F32S:
    case MF_I64S:
    case MF_I32S:
    case MF_U8S:
        /* Arrays are immutable, so a copy of a blob-backed one shares the blob. */
        if (v->u.arr.blob)
            return mf__value_array_ref(v->type, v->u.arr.data, v->u.arr.n, v->u.arr.blob);
        return mf_value_array(v->type, v->u.arr.data, v->u.arr.n);
    case MF_LIST: return copy_list(v);
    case MF_MAP: return copy_map(v);
    }
    return NULL;
}

void mf_value_free(mf_value *v)
{
    if (!v)
        return;
    switch (v->type) {
    case MF_STR: mf__free(v->u.s.p); break;
    case MF_BYTES:
        if (v->u.s.blob)
            mf__blob_unref(v->u.s.blob);
        else
            mf__free(v->u.s.p);
        break;
    case MF_F64S:
    case MF_F32S:
    case MF_I64S:
    case MF_I32S:
    case MF_U8S:
        if (v->u.arr.blob)
            mf__blob_unref(v->u.arr.blob);
        else
            mf__free(v->u.arr.data);
        break;
    case MF_LIST:
        for (size_t i = 0; i < v->u.list.n; i++)
            mf_value_free(v->u.list.items[i]);
        mf__free(v->u.list.items);
        break;
    case MF_MAP:
        for (size_t i = 0; i < v->u.map.n; i++) {
            mf__free(v->u.map.keys[i]);
            mf_value_free(v->u.map.vals[i]);
        }
        mf__free(v->u.map.keys);
        mf__free(v->u.map.vals);
        break;
    default: break;
    }
    mf__free(v);
}

static bool lists_equal(const mf_value *a, const mf_value *b)
{
    if (a->u.list.n != b->u.list.n)
        return false;
    for (size_t i = 0; i < a->u.list.n; i++)
        if (!mf_value_equal(a->u.list.items[i], b->u.list.items[i]))
            return false;
    return true;
}

static bool maps_equal(const mf_value *a, const mf_value *b)
{
    if (a->u.map.n != b->u.map.n)
        return false;
    for (size_t i = 0; i < a->u.map.n; i++)
        if (strcmp(a->u.map.keys[i], b->u.map.keys[i]) != 0 || !mf_value_equal(a->u.map.vals[i], b->u.map.vals[i]))
            return false;
    return true;
}

/* Doubles compare by bit pattern (NaN equals the same NaN, 0.0 differs from
 * -0.0), so that equal values are exactly the values with equal encodings. */
bool mf_value_equal(const mf_value *a, const mf_value *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->type != b->type)
        return false;
    switch (a->type) {
    case MF_NULL: return true;
    case MF_BOOL: return a->u.b == b->u.b;
    case MF_INT: return a->u.i == b->u.i;
    case MF_DOUBLE: return memcmp(&a->u.d, &b->u.d, sizeof(double)) == 0;
    case MF_STR:
    case MF_BYTES: return a->u.s.len == b->u.s.len && memcmp(a->u.s.p, b->u.s.p, a->u.s.len) == 0;
    case MF_F64S:
    case MF_F32S:
    case MF_I64S:
    case MF_I32S:
    case MF_U8S:
        return a->u.arr.n == b->u.arr.n &&
               (a->u.arr.n == 0 ||
                memcmp(a->u.arr.data, b->u.arr.data, a->u.arr.n * mf__array_elem_size(a->type)) == 0);
    case MF_LIST: return lists_equal(a, b);
    case MF_MAP: return maps_equal(a, b);
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Accessors (all NULL-safe)                                          */
/* ------------------------------------------------------------------ */

mf_type mf_value_type(const mf_value *v) { return v ? v->type : MF_NULL; }

size_t mf_value_len(const mf_value *v)
{
    if (!v)
        return 0;
    switch (v->type) {
    case MF_STR:
    case MF_BYTES: return v->u.s.len;
    case MF_LIST: return v->u.list.n;
    case MF_MAP: return v->u.map.n;
    default: return mf__type_is_array(v->type) ? v->u.arr.n : 0;
    }
}

const mf_value *mf_value_at(const mf_value *v, size_t i)
{
    if (!v || v->type != MF_LIST || i >= v->u.list.n)
        return NULL;
    return v->u.list.items[i];
}

const mf_value *mf_value_key(const mf_value *v, const char *key)
{
    if (!v || v->type != MF_MAP || !key)
        return NULL;
    bool found;
    size_t at = map_find(v, key, &found);
    return found ? v->u.map.vals[at] : NULL;
}

const char *mf_value_key_at(const mf_value *v, size_t i)
{
    if (!v || v->type != MF_MAP || i >= v->u.map.n)
        return NULL;
    return v->u.map.keys[i];
}

int mf_value_get_bool(const mf_value *v, bool *out)
{
    if (!v || v->type != MF_BOOL)
        return MF_ETYPE;
    if (out)
        *out = v->u.b;
    return 0;
}

int mf_value_get_int(const mf_value *v, int64_t *out)
{
    if (!v || v->type != MF_INT)
        return MF_ETYPE;
    if (out)
        *out = v->u.i;
    return 0;
}

int mf_value_get_double(const mf_value *v, double *out)
{
    if (!v || (v->type != MF_DOUBLE && v->type != MF_INT))
        return MF_ETYPE;
    if (out)
        *out = v->type == MF_INT ? (double)v->u.i : v->u.d;
    return 0;
}

int mf_value_get_str(const mf_value *v, const char **out)
{
    if (!v || v->type != MF_STR)
        return MF_ETYPE;
    if (out)
        *out = v->u.s.p;
    return 0;
}

int mf_value_get_bytes(const mf_value *v, const void **data, size_t *len)
{
    if (!v || v->type != MF_BYTES)
        return MF_ETYPE;
    if (data)
        *data = v->u.s.p;
    if (len)
        *len = v->u.s.len;
    return 0;
}

int mf_value_get_array(const mf_value *v, mf_type elem_type, const void **data, size_t *n)
{
    if (!v || v->type != elem_type || !mf__type_is_array(elem_type))
        return MF_ETYPE;
    if (data)
        *data = v->u.arr.data;
    if (n)
        *n = v->u.arr.n;
    return 0;
}
