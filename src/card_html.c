/* SPDX-License-Identifier: Apache-2.0 */
/*
 * card_html.c - a card drawn as an HTML fragment: headings, Markdown-ish
 * text, tables, PNG images (data: URIs) and charts, which are drawn here as
 * inline SVG (no script, no library, nothing fetched). Every string from the
 * card is escaped.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "card.h"
#include "html.h"
#include "task_impl.h"

/* ---- Markdown-ish text -------------------------------------------------- */

/* Emphasis inside one line: **bold**, *italic*, `code`; an opener without
 * its closer on the line is plain text. */
static int inline_md(struct mf_buf *b, const char *s, size_t len)
{
    size_t i = 0, plain = 0;
    int rc = 0;
    while (i < len && !rc) {
        const char *open = NULL, *tag = NULL;
        if (s[i] == '`')
            open = "`", tag = "code";
        else if (s[i] == '*' && i + 1 < len && s[i + 1] == '*')
            open = "**", tag = "strong";
        else if (s[i] == '*')
            open = "*", tag = "em";
        size_t ol = open ? strlen(open) : 0;
        const char *close = NULL;
        /* as in Markdown: an opener is followed, a closer preceded, by a non-space */
        if (open && i + ol < len && s[i + ol] != ' ') {
            for (size_t j = i + ol; j + ol <= len && !close; j++)
                if (memcmp(s + j, open, ol) == 0 && j > i + ol && s[j - 1] != ' ')
                    close = s + j;
        }
        if (!close) {
            i++;
            continue;
        }
        rc = mf__html_escn(b, s + plain, i - plain);
        if (!rc)
            rc = mf__buf_addf(b, "<%s>", tag);
        if (!rc)
            rc = mf__html_escn(b, s + i + ol, (size_t)(close - (s + i + ol)));
        if (!rc)
            rc = mf__buf_addf(b, "</%s>", tag);
        i = (size_t)(close - s) + ol;
        plain = i;
    }
    return rc ? rc : mf__html_escn(b, s + plain, len - plain);
}

static int markdown(struct mf_buf *b, const char *text)
{
    enum { NONE, PARA, LIST } open = NONE;
    int rc = 0;
    for (const char *line = text; *line && !rc;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        size_t h = 0;
        while (h < len && h < 4 && line[h] == '#')
            h++;
        bool heading = h >= 1 && h <= 3 && h < len && line[h] == ' ';
        bool item = len >= 2 && (line[0] == '-' || line[0] == '*') && line[1] == ' ';
        bool blank = len == 0 || strspn(line, " \t") >= len;
        if (open == PARA && (heading || item || blank))
            rc = mf__buf_adds(b, "</p>\n"), open = NONE;
        if (!rc && open == LIST && !item)
            rc = mf__buf_adds(b, "</ul>\n"), open = NONE;
        if (rc || blank) {
        } else if (heading) {
            rc = mf__buf_addf(b, "<h%zu>", h + 1);
            if (!rc)
                rc = inline_md(b, line + h + 1, len - h - 1);
            if (!rc)
                rc = mf__buf_addf(b, "</h%zu>\n", h + 1);
        } else if (item) {
            if (open != LIST)
                rc = mf__buf_adds(b, "<ul>\n"), open = LIST;
            if (!rc)
                rc = mf__buf_adds(b, "<li>");
            if (!rc)
                rc = inline_md(b, line + 2, len - 2);
            if (!rc)
                rc = mf__buf_adds(b, "</li>\n");
        } else {
            rc = mf__buf_adds(b, open == PARA ? "<br>\n" : "<p>");
            open = PARA;
            if (!rc)
                rc = inline_md(b, line, len);
        }
        line += len + (nl ? 1 : 0);
    }
    if (!rc && open != NONE)
        rc = mf__buf_adds(b, open == PARA ? "</p>\n" : "</ul>\n");
    return rc;
}

/* ---- tables ------------------------------------------------------------- */

static int cell(struct mf_buf *b, const mf_value *c)
{
    const char *s = NULL;
    int64_t i = 0;
    double d = 0;
    bool t = false;
    switch (mf_value_type(c)) {
    case MF_STR:
        mf_value_get_str(c, &s);
        return mf__buf_adds(b, "<td>") || mf__html_escn(b, s, mf_value_len(c)) || mf__buf_adds(b, "</td>");
    case MF_INT: mf_value_get_int(c, &i); return mf__buf_addf(b, "<td class=\"num\">%lld</td>", (long long)i);
    case MF_DOUBLE: mf_value_get_double(c, &d); return mf__buf_addf(b, "<td class=\"num\">%.6g</td>", d);
    case MF_BOOL: mf_value_get_bool(c, &t); return mf__buf_addf(b, "<td>%s</td>", t ? "true" : "false");
    default: return mf__buf_adds(b, "<td></td>");
    }
}

static int table(struct mf_buf *b, const struct mf_card_item *it)
{
    size_t ncols = mf_value_len(it->columns), nrows = mf_value_len(it->rows);
    int rc = mf__buf_addf(b, "<table class=\"mf-table\" data-rows=\"%zu\">", nrows);
    if (!rc && ncols) {
        rc = mf__buf_adds(b, "<thead><tr>");
        for (size_t c = 0; c < ncols && !rc; c++) {
            const char *s = NULL;
            mf_value_get_str(mf_value_at(it->columns, c), &s);
            rc = mf__buf_adds(b, "<th>") || mf__html_esc(b, s) || mf__buf_adds(b, "</th>");
        }
        if (!rc)
            rc = mf__buf_adds(b, "</tr></thead>");
    }
    if (!rc)
        rc = mf__buf_adds(b, "<tbody>\n");
    for (size_t r = 0; r < nrows && !rc; r++) {
        const mf_value *row = mf_value_at(it->rows, r);
        rc = mf__buf_adds(b, "<tr>");
        for (size_t c = 0; c < mf_value_len(row) && !rc; c++)
            rc = cell(b, mf_value_at(row, c));
        for (size_t c = mf_value_len(row); c < ncols && !rc; c++)
            rc = mf__buf_adds(b, "<td></td>");
        if (!rc)
            rc = mf__buf_adds(b, "</tr>\n");
    }
    return rc ? rc : mf__buf_adds(b, "</tbody></table>\n");
}

/* ---- charts ------------------------------------------------------------- */

#define CW 640.0 /* drawing size, in SVG units */
#define CH 260.0
#define ML 56.0 /* margins: left holds the y labels */
#define MR 12.0
#define MT 12.0
#define MB 28.0
#define MAX_MARKS 600 /* bars or line points drawn; more values are bucketed */

/* A "nice" tick step near range/5 (1, 2 or 5 times a power of ten). */
static double tick_step(double range)
{
    double raw = range / 5, p = pow(10, floor(log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

static int axes(struct mf_buf *b, double lo, double hi, double step, size_t n)
{
    int rc = 0;
    for (double v = ceil(lo / step) * step; v <= hi + step * 1e-9 && !rc; v += step) {
        double y = MT + (CH - MT - MB) * (1 - (v - lo) / (hi - lo));
        rc = mf__buf_addf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eaeef2\"/>"
                             "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\" fill=\"#59636e\">"
                             "%.4g</text>\n", ML, CW - MR, y, y, ML - 6, y + 4, fabs(v) < step * 1e-9 ? 0.0 : v);
    }
    if (!rc)
        rc = mf__buf_addf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#8c959f\"/>"
                             "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#59636e\">0</text>"
                             "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\" fill=\"#59636e\">%zu"
                             "</text>\n", ML, CW - MR, CH - MB, CH - MB, ML, CH - MB + 16, CW - MR, CH - MB + 16,
                          n - 1);
    return rc;
}

/* Bucket k of n values cut into m: [first, last). */
static void bucket(size_t k, size_t n, size_t m, size_t *first, size_t *last)
{
    *first = k * n / m;
    *last = (k + 1) * n / m;
}

int mf__chart_svg(struct mf_buf *b, const double *y, size_t n, bool bar)
{
    double lo = 0, hi = 0; /* the axis always shows 0, so bars stand on it */
    for (size_t i = 0; i < n; i++)
        lo = fmin(lo, y[i]), hi = fmax(hi, y[i]);
    if (hi - lo < 1e-300)
        hi = lo + 1;
    double step = tick_step(hi - lo);
    lo = floor(lo / step) * step, hi = ceil(hi / step) * step;
    size_t m = n > MAX_MARKS ? MAX_MARKS : n;
    double pw = CW - ML - MR, ph = CH - MT - MB;
    int rc = mf__buf_addf(b, "<svg class=\"mf-chart\" data-kind=\"%s\" data-points=\"%zu\" viewBox=\"0 0 %.0f %.0f\" "
                             "width=\"%.0f\" height=\"%.0f\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n",
                          bar ? "bar" : "line", n, CW, CH, CW, CH);
    if (!rc)
        rc = axes(b, lo, hi, step, n);
#define YPOS(v) (MT + ph * (1 - ((v) - lo) / (hi - lo)))
    if (!rc && !bar)
        rc = mf__buf_adds(b, "<polyline fill=\"none\" stroke=\"#0969da\" stroke-width=\"1.6\" points=\"");
    for (size_t k = 0; k < m && !rc; k++) {
        size_t first, last;
        bucket(k, n, m, &first, &last);
        double top = y[first], bot = y[first];
        for (size_t i = first; i < last; i++)
            top = fmax(top, y[i]), bot = fmin(bot, y[i]);
        if (bar) {
            double x = ML + pw * (double)k / (double)m, w = fmax(pw / (double)m * 0.8, 0.5);
            double y0 = YPOS(0), y1 = YPOS(top > 0 || bot >= 0 ? top : bot);
            rc = mf__buf_addf(b, "<rect class=\"mf-bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
                                 "fill=\"#0969da\"/>\n", x, fmin(y0, y1), w, fmax(fabs(y1 - y0), 0.5));
        } else {
            double x = ML + (m == 1 ? pw / 2 : pw * (double)k / (double)(m - 1));
            rc = mf__buf_addf(b, "%.2f,%.2f ", x, YPOS(n > m ? (top + bot) / 2 : top));
        }
    }
#undef YPOS
    if (!rc && !bar)
        rc = mf__buf_adds(b, "\"/>\n");
    if (!rc)
        rc = mf__buf_adds(b, "</svg>\n");
    if (!rc && n > m)
        rc = mf__buf_addf(b, "<div class=\"note\">%zu values drawn as %zu %s (each the %s of its values)</div>\n", n,
                          m, bar ? "bars" : "points", bar ? "largest" : "midpoint of the range");
    return rc;
}

/* ---- the card ----------------------------------------------------------- */

static int titled(struct mf_buf *b, const char *title)
{
    if (!*title)
        return 0;
    return mf__buf_adds(b, "<h4>") || mf__html_esc(b, title) || mf__buf_adds(b, "</h4>\n");
}

static int item_html(struct mf_buf *b, const struct mf_card_item *it)
{
    switch (it->kind) {
    case MF_CARD_HEADING: return mf__buf_adds(b, "<h3>") || mf__html_esc(b, it->text) || mf__buf_adds(b, "</h3>\n");
    case MF_CARD_TEXT: return markdown(b, it->text);
    case MF_CARD_TABLE: return titled(b, it->text) || table(b, it);
    case MF_CARD_IMAGE:
        return titled(b, it->text) || mf__buf_adds(b, "<img class=\"mf-image\" alt=\"") ||
               mf__html_esc(b, *it->text ? it->text : "image") || mf__buf_adds(b, "\" src=\"") ||
               mf__html_data_uri(b, "image/png", it->png, it->png_len) || mf__buf_adds(b, "\">\n");
    case MF_CARD_CHART: return titled(b, it->text) || mf__chart_svg(b, it->y, it->n, it->bar);
    }
    return 0;
}

int mf__card_html(struct mf_buf *out, const struct mf_card *card)
{
    int rc = mf__buf_addf(out, "<div class=\"card\" data-items=\"%zu\">\n", card->n);
    for (size_t i = 0; i < card->n && !rc; i++)
        rc = item_html(out, &card->items[i]);
    return rc ? rc : mf__buf_adds(out, "</div>\n");
}

int mf__card_task_html(mf_task *t, struct mf_buf *out, struct mf_err *err)
{
    struct mf_card card;
    if (!mf_has(t, MF_CARD_ARTIFACT))
        return mf__err(err, MF_ENOENT, "task '%s' has no card", mf_pathspec(t));
    const mf_value *v = mf_get(t, MF_CARD_ARTIFACT);
    if (!v)
        return mf__err(err, MF_ECORRUPT, "%s", t->root->rs->client_err ? t->root->rs->client_err : "card unreadable");
    int rc = mf__card_parse(v, &card, err);
    if (rc) {
        mf__err_prefix(err, "task '%s': ", mf_pathspec(t));
        return rc;
    }
    rc = mf__card_html(out, &card) ? mf__err(err, MF_ENOMEM, "out of memory drawing a card") : 0;
    mf__card_release(&card);
    return rc;
}
