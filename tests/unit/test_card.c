/* SPDX-License-Identifier: Apache-2.0 */
/* test_card.c - HTML escaping and data: URIs (html.c), the stored card
 * value: what decodes and what is refused (card.c), and its drawing:
 * Markdown-ish text, tables, charts (card_html.c). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "card.h"
#include "check.h"
#include "codec.h"
#include "html.h"
#include "metaflow.h"
#include "util/buf.h"

static void check_esc(const char *in, size_t len, const char *want)
{
    struct mf_buf b = MF_BUF_INIT;
    CHECK_EQ_INT(mf__html_escn(&b, in, len), 0);
    CHECK_EQ_STR(b.buf, want);
    mf__buf_release(&b);
}

TEST(escape_markup)
{
    check_esc("<script>alert('x')</script>", 27, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    check_esc("a & \"b\"", 7, "a &amp; &quot;b&quot;");
    check_esc("plain text\twith\nlines", 21, "plain text\twith\nlines");
    check_esc("", 0, "");
}

TEST(escape_bad_bytes)
{
    check_esc("caf\xc3\xa9 \xe2\x82\xac", 9, "caf\xc3\xa9 \xe2\x82\xac"); /* UTF-8 kept */
    check_esc("a\xff" "b", 3, "a\xef\xbf\xbd" "b");                        /* not UTF-8 */
    check_esc("\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd");                   /* overlong '/' */
    check_esc("\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");   /* a surrogate */
    check_esc("x\x1b[31m", 6, "x\xef\xbf\xbd[31m");                          /* control character */
    check_esc("a\0b", 3, "a\xef\xbf\xbd" "b");
}

TEST(data_uri)
{
    static const char *const want[] = { "data:x;base64,", "data:x;base64,Zg==", "data:x;base64,Zm8=",
                                        "data:x;base64,Zm9v", "data:x;base64,Zm9vYg==", "data:x;base64,Zm9vYmE=" };
    for (size_t n = 0; n < 6; n++) {
        struct mf_buf b = MF_BUF_INIT;
        CHECK_EQ_INT(mf__html_data_uri(&b, "x", "fooba", n), 0);
        CHECK_EQ_STR(b.buf, want[n]);
        mf__buf_release(&b);
    }
}

/* ---- card values ---- */

static mf_value *item(const char *kind, const char *key, const char *text)
{
    mf_value *m = mf_value_map();
    mf_value_map_put(m, "kind", mf_value_str(kind));
    mf_value_map_put(m, key, mf_value_str(text));
    return m;
}

static mf_value *card_of(mf_value *items)
{
    mf_value *c = mf_value_map();
    mf_value_map_put(c, "version", mf_value_int(1));
    mf_value_map_put(c, "items", items);
    return c;
}

static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0 };

static mf_value *full_card(void)
{
    mf_value *items = mf_value_list();
    mf_value_list_push(items, item("heading", "text", "Title <b>"));
    mf_value_list_push(items, item("text", "text", "# Head\nsome **bold** and *it* and `c<>`\n- one\n- two\n\nnext"));
    mf_value *t = item("table", "title", "T");
    mf_value *cols = mf_value_list(), *rows = mf_value_list(), *row = mf_value_list();
    mf_value_list_push(cols, mf_value_str("name"));
    mf_value_list_push(cols, mf_value_str("n"));
    mf_value_list_push(row, mf_value_str("<i>x</i>"));
    mf_value_list_push(row, mf_value_int(42));
    mf_value_list_push(rows, row);
    mf_value_map_put(t, "columns", cols);
    mf_value_map_put(t, "rows", rows);
    mf_value_list_push(items, t);
    mf_value *im = item("image", "title", "");
    mf_value_map_put(im, "png", mf_value_bytes(png, sizeof(png)));
    mf_value_list_push(items, im);
    double y[4] = { 1, -2, 3.5, 0 };
    mf_value *ch = item("chart", "title", "c");
    mf_value_map_put(ch, "style", mf_value_str("bar"));
    mf_value_map_put(ch, "y", mf_value_array(MF_F64S, y, 4));
    mf_value_list_push(items, ch);
    return card_of(items);
}

/* Encodes `v` (freed) and decodes it as a card: the return code. */
static int decode(mf_value *v, struct mf_card *card, struct mf_err *err)
{
    struct mf_buf enc = MF_BUF_INIT;
    CHECK_EQ_INT(mf__value_encode_buf(v, &enc, NULL), 0);
    mf_value_free(v);
    int rc = mf__card_decode(enc.buf, enc.len, card, err);
    mf__buf_release(&enc);
    return rc;
}

TEST(card_round_trip_and_html)
{
    struct mf_card card;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(decode(full_card(), &card, &err), 0);
    CHECK_EQ_INT(card.n, 5);
    CHECK_EQ_INT(card.items[0].kind, MF_CARD_HEADING);
    CHECK_EQ_STR(card.items[0].text, "Title <b>");
    CHECK_EQ_INT(card.items[2].kind, MF_CARD_TABLE);
    CHECK_EQ_INT(card.items[3].png_len, sizeof(png));
    CHECK(card.items[4].bar && card.items[4].n == 4 && card.items[4].y[2] == 3.5);
    struct mf_buf h = MF_BUF_INIT;
    CHECK_EQ_INT(mf__card_html(&h, &card), 0);
    CHECK_CONTAINS(h.buf, "<h3>Title &lt;b&gt;</h3>");
    CHECK_CONTAINS(h.buf, "<h2>Head</h2>");
    CHECK_CONTAINS(h.buf, "some <strong>bold</strong> and <em>it</em> and <code>c&lt;&gt;</code>");
    CHECK_CONTAINS(h.buf, "<ul>\n<li>one</li>\n<li>two</li>\n</ul>");
    CHECK_CONTAINS(h.buf, "<p>next</p>");
    CHECK_CONTAINS(h.buf, "<td>&lt;i&gt;x&lt;/i&gt;</td><td class=\"num\">42</td>");
    CHECK_CONTAINS(h.buf, "src=\"data:image/png;base64,iVBORw0KGgoAAA==\"");
    CHECK_CONTAINS(h.buf, "class=\"mf-chart\" data-kind=\"bar\" data-points=\"4\"");
    CHECK(strstr(h.buf, "<i>") == NULL && strstr(h.buf, "<b>") == NULL);
    mf__buf_release(&h);
    mf__card_release(&card);
}

TEST(markdown_unclosed_is_text)
{
    struct mf_card card;
    struct mf_err err = MF_ERR_INIT;
    mf_value *items = mf_value_list();
    mf_value_list_push(items, item("text", "text", "2 * 3 = 6, a `tick and **half"));
    CHECK_EQ_INT(decode(card_of(items), &card, &err), 0);
    struct mf_buf h = MF_BUF_INIT;
    CHECK_EQ_INT(mf__card_html(&h, &card), 0);
    CHECK_CONTAINS(h.buf, "<p>2 * 3 = 6, a `tick and **half</p>");
    mf__buf_release(&h);
    mf__card_release(&card);
}

/* A card holding one item `it` must be refused, the message holding `want`. */
static void refused(mf_value *v, const char *want)
{
    struct mf_card card;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(decode(v, &card, &err), MF_ECORRUPT);
    CHECK(card.n == 0 && card.items == NULL && card.owned == NULL);
    CHECK_CONTAINS(err.msg, want);
}

static mf_value *one(mf_value *it)
{
    mf_value *items = mf_value_list();
    mf_value_list_push(items, it);
    return card_of(items);
}

TEST(card_refusals)
{
    mf_value *v = full_card();
    mf_value_map_put(v, "version", mf_value_int(2));
    refused(v, "version 2");
    v = full_card();
    mf_value_map_put(v, "extra", mf_value_int(0));
    refused(v, "exactly 'version' and 'items'");
    refused(one(item("video", "text", "x")), "unknown kind");
    mf_value *it = item("heading", "text", "x");
    mf_value_map_put(it, "more", mf_value_null());
    refused(one(it), "has 3 fields, not 2");
    refused(one(item("heading", "title", "x")), "no field 'text'");
    it = item("image", "title", "x");
    mf_value_map_put(it, "png", mf_value_bytes("GIF89a", 6));
    refused(one(it), "not a PNG");
    double y[2] = { 1, NAN };
    it = item("chart", "title", "");
    mf_value_map_put(it, "style", mf_value_str("line"));
    mf_value_map_put(it, "y", mf_value_array(MF_F64S, y, 2));
    refused(one(it), "value 1 is not finite");
    it = item("chart", "title", "");
    mf_value_map_put(it, "style", mf_value_str("pie"));
    mf_value_map_put(it, "y", mf_value_array(MF_F64S, y, 1));
    refused(one(it), "neither 'line' nor 'bar'");
    it = item("table", "title", "");
    mf_value *rows = mf_value_list(), *row = mf_value_list();
    mf_value_list_push(row, mf_value_list());
    mf_value_list_push(rows, row);
    mf_value_map_put(it, "columns", mf_value_list());
    mf_value_map_put(it, "rows", rows);
    refused(one(it), "row 0 cell 0 is a list");
    refused(mf_value_int(5), "not a map");
}

TEST(card_bad_bytes)
{
    struct mf_card card;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__card_decode("\xff\x00", 2, &card, &err), MF_ECORRUPT);
    CHECK_CONTAINS(err.msg, "card: ");
}

TEST(chart_buckets_many_values)
{
    size_t n = 5000;
    double *y = malloc(n * sizeof(*y));
    for (size_t i = 0; i < n; i++)
        y[i] = sin((double)i / 100);
    struct mf_buf h = MF_BUF_INIT;
    CHECK_EQ_INT(mf__chart_svg(&h, y, n, false), 0);
    CHECK_CONTAINS(h.buf, "data-points=\"5000\"");
    CHECK_CONTAINS(h.buf, "5000 values drawn as 600 points");
    CHECK(h.len < 40000); /* bucketed, not 5000 points */
    mf__buf_reset(&h);
    double one_value = 7;
    CHECK_EQ_INT(mf__chart_svg(&h, &one_value, 1, true), 0);
    CHECK_CONTAINS(h.buf, "class=\"mf-bar\"");
    mf__buf_release(&h);
    free(y);
}

TESTS_BEGIN T(escape_markup) T(escape_bad_bytes) T(data_uri) T(card_round_trip_and_html) T(markdown_unclosed_is_text)
    T(card_refusals) T(card_bad_bytes) T(chart_buckets_many_values) TESTS_END
