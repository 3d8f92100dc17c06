/* SPDX-License-Identifier: Apache-2.0 */
/*
 * card.c - a task's card: the mf_card_*() calls a step makes (each appends
 * one item), the card stored as the task's reserved artifact "_card" when
 * the task commits its index, and the strict reading of that value back
 * (it comes from the store, so it is treated as untrusted).
 *
 * The stored value (docs/cards.md):
 *   {"version": 1, "items": [item, ...]}
 *   item: {"kind": "heading"|"text", "text": str}
 *       | {"kind": "table", "title": str, "columns": [str...], "rows": [[cell...]...]}
 *       | {"kind": "image", "title": str, "png": bytes}
 *       | {"kind": "chart", "title": str, "style": "line"|"bar", "y": f64 array}
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "card.h"
#include "codec.h"
#include "task_impl.h"
#include "util/alloc.h"

static const unsigned char png_magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

/* ---- the step's side ---------------------------------------------------- */

/* The running task a card call may add to; misuse ends the process as the
 * setters do (task_api.c). */
static mf_task *card_owner(mf_task *t, const char *fn)
{
    if (!t)
        mf__task_die(t, "%s() was given a NULL task", fn);
    if (t->root->rs->client)
        mf__task_die(t, "%s(): a client handle cannot add to a card: past tasks are read-only", fn);
    if (t->readonly)
        mf__task_die(t, "%s(): join input '%s' is read-only: add to the card of the join task", fn, t->pathspec);
    return t->root;
}

static void check_text(mf_task *t, const char *fn, const char *what, const char *s)
{
    size_t bad = 0;
    if (!s)
        mf__task_die(t, "%s(): %s is NULL", fn, what);
    if (mf__utf8_check(s, strlen(s), &bad))
        mf__task_die(t, "%s(): %s is not UTF-8 text (byte %zu): convert it to UTF-8", fn, what, bad);
}

/* Counts `bytes` against the card's cap, then appends `item` (owned). */
static void add_item(mf_task *root, const char *fn, mf_value *item, size_t bytes)
{
    if (!item)
        mf__task_die(root, "%s(): out of memory", fn);
    if (!root->rs->card && !(root->rs->card = mf_value_list())) {
        mf_value_free(item);
        mf__task_die(root, "%s(): out of memory", fn);
    }
    if (mf_value_len(root->rs->card) >= MF_CARD_MAX_ITEMS || bytes > MF_CARD_MAX_BYTES - root->rs->card_bytes) {
        mf_value_free(item);
        mf__task_die(root, "%s(): the card is full (at most %d items and %u MiB): add fewer or smaller items", fn,
                     MF_CARD_MAX_ITEMS, MF_CARD_MAX_BYTES >> 20);
    }
    root->rs->card_bytes += bytes;
    if (mf_value_list_push(root->rs->card, item))
        mf__task_die(root, "%s(): out of memory", fn);
}

/* A new item map {"kind": kind, key: str}; NULL when out of memory. */
static mf_value *item_new(const char *kind, const char *key, const char *text)
{
    mf_value *m = mf_value_map();
    if (m && (mf_value_map_put(m, "kind", mf_value_str(kind)) || mf_value_map_put(m, key, mf_value_str(text)))) {
        mf_value_free(m);
        return NULL;
    }
    return m;
}

static void add_text(mf_task *t, const char *fn, const char *kind, const char *text)
{
    mf_task *root = card_owner(t, fn);
    check_text(root, fn, "the text", text);
    add_item(root, fn, item_new(kind, "text", text), strlen(text));
}

void mf_card_heading(mf_task *t, const char *text) { add_text(t, "mf_card_heading", "heading", text); }
void mf_card_text(mf_task *t, const char *markdown) { add_text(t, "mf_card_text", "text", markdown); }

/* The payload bytes of a cell, or (size_t)-1 when it is not a cell. */
static size_t cell_bytes(const mf_value *c)
{
    switch (mf_value_type(c)) {
    case MF_STR: return mf_value_len(c);
    case MF_INT: case MF_DOUBLE: case MF_BOOL: case MF_NULL: return 8;
    default: return (size_t)-1;
    }
}

void mf_card_table(mf_task *t, const char *title, const char *const *columns, const mf_value *rows)
{
    static const char fn[] = "mf_card_table";
    mf_task *root = card_owner(t, fn);
    size_t bytes = 0;
    check_text(root, fn, "the title", title ? title : "");
    if (mf_value_type(rows) != MF_LIST)
        mf__task_die(root, "%s(): rows must be a list of rows (mf_value_list), not a %s", fn,
                     rows ? mf_type_name(mf_value_type(rows)) : "NULL");
    for (size_t r = 0; r < mf_value_len(rows); r++) {
        const mf_value *row = mf_value_at(rows, r);
        if (mf_value_type(row) != MF_LIST)
            mf__task_die(root, "%s(): row %zu is a %s, not a list of cells", fn, r, mf_type_name(mf_value_type(row)));
        for (size_t i = 0; i < mf_value_len(row); i++) {
            size_t b = cell_bytes(mf_value_at(row, i));
            if (b == (size_t)-1)
                mf__task_die(root, "%s(): row %zu cell %zu is a %s: a cell is a string, a number, a bool or null",
                             fn, r, i, mf_type_name(mf_value_type(mf_value_at(row, i))));
            bytes += b;
        }
    }
    mf_value *item = item_new("table", "title", title ? title : "");
    mf_value *cols = mf_value_list();
    bool oom = !cols;
    for (size_t i = 0; columns && columns[i] && !oom; i++) {
        check_text(root, fn, "a column name", columns[i]);
        bytes += strlen(columns[i]);
        oom = mf_value_list_push(cols, mf_value_str(columns[i])) != 0;
    }
    if (oom || !item) {
        mf_value_free(cols);
        cols = NULL;
    }
    if (!item || !cols || mf_value_map_put(item, "columns", cols) ||
        mf_value_map_put(item, "rows", mf_value_copy(rows))) {
        mf_value_free(item);
        mf__task_die(root, "%s(): out of memory", fn);
    }
    add_item(root, fn, item, bytes);
}

void mf_card_image(mf_task *t, const char *title, const void *png, size_t len)
{
    static const char fn[] = "mf_card_image";
    mf_task *root = card_owner(t, fn);
    check_text(root, fn, "the title", title ? title : "");
    if (!png || len < sizeof(png_magic) || memcmp(png, png_magic, sizeof(png_magic)) != 0)
        mf__task_die(root, "%s(): the %zu bytes given are not a PNG image (no PNG signature): give the bytes of a "
                           ".png file", fn, png ? len : 0);
    mf_value *item = item_new("image", "title", title ? title : "");
    if (item && mf_value_map_put(item, "png", mf_value_bytes(png, len))) {
        mf_value_free(item);
        item = NULL;
    }
    add_item(root, fn, item, len);
}

void mf_card_chart(mf_task *t, const char *title, mf_chart_style style, const double *y, size_t n)
{
    static const char fn[] = "mf_card_chart";
    mf_task *root = card_owner(t, fn);
    check_text(root, fn, "the title", title ? title : "");
    if (style != MF_CHART_LINE && style != MF_CHART_BAR)
        mf__task_die(root, "%s(): style %d is neither MF_CHART_LINE nor MF_CHART_BAR", fn, (int)style);
    if (!y || n == 0 || n > MF_CARD_MAX_POINTS)
        mf__task_die(root, "%s(): a chart needs 1 to %d values, not %zu", fn, MF_CARD_MAX_POINTS, y ? n : 0);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(y[i]))
            mf__task_die(root, "%s(): value %zu is not finite (%g): a chart draws finite numbers only", fn, i, y[i]);
    mf_value *item = item_new("chart", "title", title ? title : "");
    if (item && (mf_value_map_put(item, "style", mf_value_str(style == MF_CHART_BAR ? "bar" : "line")) ||
                 mf_value_map_put(item, "y", mf_value_array(MF_F64S, y, n)))) {
        mf_value_free(item);
        item = NULL;
    }
    add_item(root, fn, item, n * sizeof(double));
}

int mf__card_persist(struct mf_task *t, struct mf_err *err)
{
    struct mf_artifact a;
    memset(&a, 0, sizeof(a));
    /* A task starts from its parent's artifacts: the parent's card is not
     * this task's. */
    mf__index_remove(&t->own, MF_CARD_ARTIFACT);
    if (!t->rs->card)
        return 0;
    int rc = MF_ENOMEM;
    mf_value *card = mf_value_map();
    if (!card || mf_value_map_put(card, "version", mf_value_int(MF_CARD_VERSION)))
        goto out;
    rc = mf_value_map_put(card, "items", t->rs->card);
    t->rs->card = NULL; /* owned by `card` now, whatever the outcome */
    if (rc)
        goto out;
    rc = mf__ds_store(t->rs->ds, MF_CARD_ARTIFACT, card, &a, err);
    if (!rc && mf__index_put(&t->own, &a))
        rc = MF_ENOMEM;
out:
    if (rc == MF_ENOMEM)
        mf__err(err, rc, "out of memory storing the task's card");
    else if (rc)
        mf__err_prefix(err, "cannot store the task's card: ");
    mf__artifact_release(&a);
    mf_value_free(card);
    return rc;
}

/* ---- reading a stored card (untrusted) ----------------------------------- */

static int bad(struct mf_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct mf_err *err, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return mf__err(err, MF_ECORRUPT, "card: %s", msg);
}

/* Field `key` of item map `m`, of type `type`; NULL after setting err. */
static const mf_value *field(const mf_value *m, size_t i, const char *key, mf_type type, struct mf_err *err)
{
    const mf_value *f = mf_value_key(m, key);
    if (!f)
        bad(err, "item %zu has no field '%s'", i, key);
    else if (mf_value_type(f) != type)
        bad(err, "item %zu field '%s' is a %s, not a %s", i, key, mf_type_name(mf_value_type(f)), mf_type_name(type));
    else
        return f;
    return NULL;
}

static int parse_table(const mf_value *m, size_t i, struct mf_card_item *it, struct mf_err *err)
{
    if (!(it->columns = field(m, i, "columns", MF_LIST, err)) || !(it->rows = field(m, i, "rows", MF_LIST, err)))
        return MF_ECORRUPT;
    for (size_t c = 0; c < mf_value_len(it->columns); c++)
        if (mf_value_type(mf_value_at(it->columns, c)) != MF_STR)
            return bad(err, "item %zu column %zu is not a string", i, c);
    for (size_t r = 0; r < mf_value_len(it->rows); r++) {
        const mf_value *row = mf_value_at(it->rows, r);
        if (mf_value_type(row) != MF_LIST)
            return bad(err, "item %zu row %zu is not a list", i, r);
        for (size_t c = 0; c < mf_value_len(row); c++)
            if (cell_bytes(mf_value_at(row, c)) == (size_t)-1)
                return bad(err, "item %zu row %zu cell %zu is a %s", i, r, c,
                           mf_type_name(mf_value_type(mf_value_at(row, c))));
    }
    return 0;
}

static int parse_chart(const mf_value *m, size_t i, struct mf_card_item *it, struct mf_err *err)
{
    const mf_value *style = field(m, i, "style", MF_STR, err), *y = field(m, i, "y", MF_F64S, err);
    const char *s = NULL;
    const void *data = NULL;
    if (!style || !y)
        return MF_ECORRUPT;
    mf_value_get_str(style, &s);
    if (strcmp(s, "line") != 0 && strcmp(s, "bar") != 0)
        return bad(err, "item %zu chart style is neither 'line' nor 'bar'", i);
    it->bar = s[0] == 'b';
    mf_value_get_array(y, MF_F64S, &data, &it->n);
    it->y = data;
    if (it->n == 0 || it->n > MF_CARD_MAX_POINTS)
        return bad(err, "item %zu chart has %zu values (1 to %d)", i, it->n, MF_CARD_MAX_POINTS);
    for (size_t k = 0; k < it->n; k++)
        if (!isfinite(it->y[k]))
            return bad(err, "item %zu chart value %zu is not finite", i, k);
    return 0;
}

/* The keys each kind holds, besides "kind": exactly these. */
static size_t kind_keys(enum mf_card_kind k)
{
    return k == MF_CARD_TABLE ? 3 : k == MF_CARD_CHART ? 3 : k == MF_CARD_IMAGE ? 2 : 1;
}

static int parse_item(const mf_value *m, size_t i, struct mf_card_item *it, struct mf_err *err)
{
    static const char *const kinds[] = { "heading", "text", "table", "image", "chart" };
    const mf_value *kind = NULL, *text = NULL;
    const char *k = NULL;
    if (mf_value_type(m) != MF_MAP)
        return bad(err, "item %zu is a %s, not a map", i, mf_type_name(mf_value_type(m)));
    if (!(kind = field(m, i, "kind", MF_STR, err)))
        return MF_ECORRUPT;
    mf_value_get_str(kind, &k);
    size_t kk = 0;
    while (kk < 5 && strcmp(kinds[kk], k) != 0)
        kk++;
    if (kk == 5)
        return bad(err, "item %zu has an unknown kind", i);
    it->kind = (enum mf_card_kind)kk;
    if (mf_value_len(m) != 1 + kind_keys(it->kind))
        return bad(err, "item %zu (%s) has %zu fields, not %zu", i, k, mf_value_len(m), 1 + kind_keys(it->kind));
    bool titled = it->kind != MF_CARD_HEADING && it->kind != MF_CARD_TEXT;
    if (!(text = field(m, i, titled ? "title" : "text", MF_STR, err)))
        return MF_ECORRUPT;
    mf_value_get_str(text, &it->text);
    if (it->kind == MF_CARD_TABLE)
        return parse_table(m, i, it, err);
    if (it->kind == MF_CARD_CHART)
        return parse_chart(m, i, it, err);
    if (it->kind == MF_CARD_IMAGE) {
        const mf_value *png = field(m, i, "png", MF_BYTES, err);
        if (!png)
            return MF_ECORRUPT;
        mf_value_get_bytes(png, &it->png, &it->png_len);
        if (it->png_len < sizeof(png_magic) || memcmp(it->png, png_magic, sizeof(png_magic)) != 0)
            return bad(err, "item %zu image is not a PNG", i);
    }
    return 0;
}

int mf__card_parse(const mf_value *v, struct mf_card *out, struct mf_err *err)
{
    memset(out, 0, sizeof(*out));
    const mf_value *version = mf_value_key(v, "version"), *items = mf_value_key(v, "items");
    int64_t ver = 0;
    if (mf_value_type(v) != MF_MAP || mf_value_len(v) != 2 || !items || mf_value_get_int(version, &ver))
        return bad(err, "not a map of exactly 'version' and 'items'");
    if (ver != MF_CARD_VERSION)
        return bad(err, "version %lld is not one this program reads (%d): upgrade metaflow-c", (long long)ver,
                   MF_CARD_VERSION);
    size_t n = mf_value_len(items);
    if (mf_value_type(items) != MF_LIST || n > MF_CARD_MAX_ITEMS)
        return bad(err, "'items' is not a list of at most %d items", MF_CARD_MAX_ITEMS);
    if (n && !(out->items = mf__calloc(n, sizeof(*out->items))))
        return mf__err(err, MF_ENOMEM, "out of memory reading a card");
    for (size_t i = 0; i < n; i++) {
        int rc = parse_item(mf_value_at(items, i), i, &out->items[i], err);
        if (rc) {
            mf__card_release(out);
            return rc;
        }
    }
    out->n = n;
    return 0;
}

int mf__card_decode(const void *data, size_t len, struct mf_card *out, struct mf_err *err)
{
    mf_value *v = NULL;
    memset(out, 0, sizeof(*out));
    int rc = mf__value_decode(data, len, NULL, &v, err);
    if (rc == MF_ENOMEM)
        return rc;
    if (rc) {
        mf__err_prefix(err, "card: ");
        if (err)
            err->code = MF_ECORRUPT;
        return MF_ECORRUPT;
    }
    rc = mf__card_parse(v, out, err);
    if (rc)
        mf_value_free(v);
    else
        out->owned = v;
    return rc;
}

void mf__card_release(struct mf_card *c)
{
    mf__free(c->items);
    mf_value_free(c->owned);
    memset(c, 0, sizeof(*c));
}
