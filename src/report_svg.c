/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report_svg.c - the run report's pictures, drawn here as inline SVG so the
 * page needs neither Graphviz nor a script: the flow's graph with each step
 * coloured by its outcome (steps in rows by their longest distance from
 * start, a loop's edge back drawn dashed beside them), and the timeline
 * (Gantt): a bar per step, and per step a bar per task attempt.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "html.h"
#include "run_report.h"
#include "util/alloc.h"

const char *mf__outcome_name(enum mf_outcome o)
{
    static const char *const names[] = { "notrun", "succeeded", "failed", "running", "cloned" };
    return names[o];
}

/* Fill, then stroke. */
static const char *const fills[] = { "#f6f8fa", "#dafbe1", "#ffebe9", "#fff8c5", "#fbefff" };
static const char *const strokes[] = { "#8c959f", "#1a7f37", "#cf222e", "#bf8700", "#8250df" };
const char *mf__outcome_colour(enum mf_outcome o) { return strokes[o]; }

/* ---- the graph ---------------------------------------------------------- */

#define NW 168.0 /* node box */
#define NH 44.0
#define GX 36.0 /* gaps */
#define GY 58.0
#define PAD 24.0

/* An edge going back along a loop (a switch case to a step that leads back
 * to the switch): left out of the ranking and drawn apart. */
static bool back_edge(const struct mf_graph *g, size_t u, size_t v)
{
    return mf__graph_is_case_edge(g, u, v) && (u == v || mf__graph_reaches(g, v, u));
}

/* rank[i]: the longest distance from start over forward edges (-1 when
 * unreachable); returns the number of ranks. */
static long ranks(const struct mf_graph *g, long *rank)
{
    long top = 0;
    for (size_t i = 0; i < g->n; i++)
        rank[i] = i == g->start ? 0 : -1;
    for (size_t round = 0; round < g->n; round++) {
        bool changed = false;
        for (size_t u = 0; u < g->n; u++)
            for (size_t k = 0; rank[u] >= 0 && k < g->nodes[u].nout; k++) {
                size_t v = g->nodes[u].out[k];
                if (!back_edge(g, u, v) && rank[v] < rank[u] + 1 && rank[u] + 1 < (long)g->n)
                    rank[v] = rank[u] + 1, changed = true;
            }
        if (!changed)
            break;
    }
    for (size_t i = 0; i < g->n; i++)
        top = rank[i] + 1 > top ? rank[i] + 1 : top;
    return top;
}

/* Box centres: x[i], y[i]; returns the drawing's width in *w, height in *h. */
static void place(const struct mf_graph *g, const long *rank, long nranks, double *x, double *y, double *w, double *h)
{
    size_t widest = 1;
    for (long r = 0; r < nranks; r++) {
        size_t count = 0;
        for (size_t i = 0; i < g->n; i++)
            count += rank[i] == r;
        widest = count > widest ? count : widest;
    }
    *w = 2 * PAD + (double)widest * NW + (double)(widest - 1) * GX + 80; /* room for loop edges */
    *h = 2 * PAD + (double)nranks * NH + (double)(nranks > 0 ? nranks - 1 : 0) * GY;
    for (long r = 0; r < nranks; r++) {
        size_t count = 0, k = 0;
        for (size_t i = 0; i < g->n; i++)
            count += rank[i] == r;
        double row_w = (double)count * NW + (double)(count - 1) * GX, left = (*w - 80 - row_w) / 2;
        for (size_t o = 0; o < g->norder; o++) { /* show order keeps branches in declaration order */
            size_t i = g->order[o];
            if (rank[i] != r)
                continue;
            x[i] = left + (double)k++ * (NW + GX) + NW / 2;
            y[i] = PAD + (double)r * (NH + GY) + NH / 2;
        }
    }
}

/* The label of edge u -> v: the foreach list or the switch case. */
static const char *edge_label(const struct mf_graph *g, size_t u, size_t v)
{
    const struct mf_node *n = &g->nodes[u];
    if (n->kind == MF_NODE_FOREACH)
        return n->step->foreach;
    for (size_t c = 0; n->kind == MF_NODE_SWITCH && c < n->ncases; c++)
        if (n->case_out[c] == v)
            return n->step->cases[c].value;
    return NULL;
}

static int edge(struct mf_buf *b, const struct mf_graph *g, size_t u, size_t v, const double *x, const double *y)
{
    const char *label = edge_label(g, u, v);
    bool back = back_edge(g, u, v);
    int rc;
    if (back) {
        double x0 = x[u] + NW / 2, x1 = x[v] + NW / 2, bulge = fmax(x0, x1) + 50;
        rc = mf__buf_addf(b, "<path class=\"mf-edge back\" d=\"M%.1f %.1f C%.1f %.1f %.1f %.1f %.1f %.1f\" fill=\"none\" "
                             "stroke=\"#8c959f\" stroke-dasharray=\"5 4\" marker-end=\"url(#arrow)\"/>\n",
                          x0, y[u], bulge, y[u], bulge, y[v], x1 + 4, y[v]);
        if (!rc && label)
            rc = mf__buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#59636e\">", bulge - 20,
                              (y[u] + y[v]) / 2) ||
                 mf__html_esc(b, label) || mf__buf_adds(b, "</text>\n");
        return rc;
    }
    double x0 = x[u], y0 = y[u] + NH / 2, x1 = x[v], y1 = y[v] - NH / 2 - 3;
    rc = mf__buf_addf(b, "<path class=\"mf-edge\" d=\"M%.1f %.1f C%.1f %.1f %.1f %.1f %.1f %.1f\" fill=\"none\" "
                         "stroke=\"#8c959f\"%s marker-end=\"url(#arrow)\"/>\n", x0, y0, x0, y0 + GY / 2, x1,
                      y1 - GY / 2, x1, y1, g->nodes[u].kind == MF_NODE_FOREACH ? " stroke-width=\"2.2\"" : "");
    if (!rc && label) {
        rc = mf__buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#59636e\">%s", (x0 + x1) / 2 + 6,
                          (y0 + y1) / 2 + 4, g->nodes[u].kind == MF_NODE_FOREACH ? "foreach " : "case ") ||
             mf__html_esc(b, label) || mf__buf_adds(b, "</text>\n");
    }
    return rc;
}

static int node(struct mf_buf *b, const struct mf_report *r, size_t i, double cx, double cy)
{
    const struct mf_report_step *s = &r->steps[i];
    const char *name = r->g->nodes[i].name;
    char sub[96];
    if (s->ntasks == 0)
        snprintf(sub, sizeof(sub), "not run");
    else
        snprintf(sub, sizeof(sub), "%zu task%s%s%s", s->ntasks, s->ntasks == 1 ? "" : "s",
                 s->nfailed ? ", failed" : s->nrunning ? ", running" : "", s->ncloned == s->ntasks ? ", cloned" : "");
    int rc = mf__buf_addf(b, "<a href=\"#step-%s\"><g class=\"mf-step\" data-step=\"%s\" data-status=\"%s\">"
                             "<title>", name, name, mf__outcome_name(s->outcome));
    /* step names are identifiers (lint), but escape them like any string */
    if (!rc)
        rc = mf__html_escf(b, "%s: %s", name, mf__outcome_name(s->outcome));
    if (!rc)
        rc = mf__buf_addf(b, "</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"%.0f\" rx=\"8\" fill=\"%s\" "
                             "stroke=\"%s\" stroke-width=\"1.6\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                             "font-size=\"13\" font-weight=\"600\" fill=\"#1f2328\">", cx - NW / 2, cy - NH / 2, NW, NH,
                          fills[s->outcome], strokes[s->outcome], cx, cy - 3);
    if (!rc)
        rc = mf__html_esc(b, name);
    if (!rc)
        rc = mf__buf_addf(b, "</text><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\" "
                             "fill=\"#59636e\">%s</text></g></a>\n", cx, cy + 13, sub);
    return rc;
}

int mf__report_graph_svg(struct mf_buf *b, const struct mf_report *r)
{
    const struct mf_graph *g = r->g;
    long *rank = mf__calloc(g->n, sizeof(*rank));
    double *x = mf__calloc(g->n, sizeof(*x)), *y = mf__calloc(g->n, sizeof(*y)), w = 0, h = 0;
    int rc = MF_ENOMEM;
    if (!rank || !x || !y)
        goto out;
    long nranks = ranks(g, rank);
    place(g, rank, nranks, x, y, &w, &h);
    rc = mf__buf_addf(b, "<svg class=\"mf-graph\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
                         "xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" font-family=\"system-ui,sans-serif\">\n"
                         "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
                         "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\" "
                         "fill=\"#8c959f\"/></marker></defs>\n", w, h, w, h);
    for (size_t u = 0; u < g->n && !rc; u++)
        for (size_t k = 0; rank[u] >= 0 && k < g->nodes[u].nout && !rc; k++)
            if (rank[g->nodes[u].out[k]] >= 0)
                rc = edge(b, g, u, g->nodes[u].out[k], x, y);
    for (size_t i = 0; i < g->n && !rc; i++)
        if (rank[i] >= 0)
            rc = node(b, r, i, x[i], y[i]);
    if (!rc)
        rc = mf__buf_adds(b, "</svg>\n");
out:
    mf__free(rank), mf__free(x), mf__free(y);
    return rc ? MF_ENOMEM : 0;
}

/* ---- the timeline ------------------------------------------------------- */

#define TW 1000.0 /* drawing width */
#define TL 150.0  /* label column */
#define TR 16.0

static double tx(const struct mf_report *r, double t)
{
    double span = r->t1 - r->t0 > 1e-6 ? r->t1 - r->t0 : 1e-6;
    double v = TL + (TW - TL - TR) * (t - r->t0) / span;
    return v < TL ? TL : v > TW - TR ? TW - TR : v;
}

/* Ticks along the top: elapsed time since the run started. */
static int time_axis(struct mf_buf *b, const struct mf_report *r, double h)
{
    double span = r->t1 - r->t0 > 1e-3 ? r->t1 - r->t0 : 1e-3, raw = span / 6, p = pow(10, floor(log10(raw)));
    double step = (raw / p < 2 ? 2 : raw / p < 5 ? 5 : 10) * p;
    int rc = 0;
    for (double t = 0; t <= span + step * 1e-6 && !rc; t += step) {
        char d[32];
        mf__html_duration(t, d, sizeof(d));
        double x = tx(r, r->t0 + t);
        rc = mf__buf_addf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"14\" y2=\"%.1f\" stroke=\"#eaeef2\"/><text x=\"%.1f\" "
                             "y=\"11\" font-size=\"10\" fill=\"#59636e\" text-anchor=\"middle\">%s</text>\n",
                          x, x, h, x, t == 0 ? "0" : d);
    }
    return rc;
}

static int bar(struct mf_buf *b, const struct mf_report *r, const struct mf_meta_task *a, double y, double rh)
{
    bool cloned = a->origin != NULL;
    enum mf_outcome o = cloned ? MF_OUT_CLONED
                        : !strcmp(a->status, "succeeded") ? MF_OUT_SUCCEEDED
                        : !strcmp(a->status, "failed") ? MF_OUT_FAILED : MF_OUT_RUNNING;
    double end = a->end > 0 ? a->end : r->t1, x0 = tx(r, a->start), x1 = tx(r, end);
    char d[32];
    mf__html_duration(end - a->start, d, sizeof(d));
    int rc = mf__buf_adds(b, "<rect class=\"mf-bar-task\" data-task=\"") ||
             mf__html_escf(b, "%s/%s/%s", r->run->run_id, a->step, a->task_id) ||
             mf__buf_addf(b, "\" data-attempt=\"%d\" data-status=\"%s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                             "height=\"%.2f\" fill=\"%s\"><title>", a->attempt, mf__outcome_name(o), x0, y,
                          fmax(x1 - x0, 1.5), rh, strokes[o]);
    if (!rc)
        rc = mf__html_escf(b, "%s/%s attempt %d: %s, %s%s%s", a->step, a->task_id, a->attempt, a->status, d,
                           cloned ? ", cloned from " : "", cloned ? a->origin : "");
    return rc ? rc : mf__buf_adds(b, "</title></rect>\n");
}

int mf__report_timeline_svg(struct mf_buf *b, const struct mf_report *r)
{
    size_t rows = 0;
    for (size_t i = 0; i < r->g->n; i++)
        rows += r->steps[i].n > 0;
    double rh = 20, h = 20 + rh * (double)rows + 4;
    int rc = mf__buf_addf(b, "<svg class=\"mf-timeline\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
                             "xmlns=\"http://www.w3.org/2000/svg\" font-family=\"system-ui,sans-serif\">\n",
                          TW, h, TW, h);
    if (!rc)
        rc = time_axis(b, r, h);
    double y = 20;
    for (size_t o = 0; o < r->g->n && !rc; o++) {
        const struct mf_report_step *s = &r->steps[r->g->order[o]];
        if (!s->n)
            continue;
        const char *name = r->g->nodes[s->node].name;
        double x0 = tx(r, s->start), x1 = tx(r, s->end > 0 ? s->end : r->t1);
        rc = mf__buf_addf(b, "<a href=\"#step-%s\"><text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\" "
                             "fill=\"#1f2328\">", name, TL - 8, y + rh / 2 + 4) ||
             mf__html_esc(b, name) ||
             mf__buf_addf(b, "</text></a><rect class=\"mf-bar-step\" data-step=\"%s\" x=\"%.2f\" y=\"%.1f\" "
                             "width=\"%.2f\" height=\"%.1f\" rx=\"3\" fill=\"%s\" fill-opacity=\"0.8\"><title>",
                          name, x0, y + 3, fmax(x1 - x0, 3), rh - 6, strokes[s->outcome]) ||
             mf__html_escf(b, "%s: %zu task%s, %s", name, s->ntasks, s->ntasks == 1 ? "" : "s",
                           mf__outcome_name(s->outcome)) ||
             mf__buf_adds(b, "</title></rect>\n");
        y += rh;
    }
    return rc ? MF_ENOMEM : mf__buf_adds(b, "</svg>\n");
}

int mf__report_step_timeline_svg(struct mf_buf *b, const struct mf_report *r, const struct mf_report_step *s)
{
    size_t ntasks = s->ntasks < MF_REPORT_TIMELINE_ROWS ? s->ntasks : MF_REPORT_TIMELINE_ROWS;
    double rh = ntasks <= 60 ? 14 : ntasks <= 300 ? 6 : 3, h = 20 + rh * (double)ntasks + 4;
    int rc = mf__buf_addf(b, "<svg class=\"mf-timeline-step\" data-step=\"%s\" data-rows=\"%zu\" viewBox=\"0 0 %.0f "
                             "%.0f\" width=\"%.0f\" height=\"%.0f\" xmlns=\"http://www.w3.org/2000/svg\" "
                             "font-family=\"system-ui,sans-serif\">\n", r->g->nodes[s->node].name, ntasks, TW, h,
                          TW, h);
    if (!rc)
        rc = time_axis(b, r, h);
    size_t row = 0;
    for (size_t k = s->first; k < s->first + s->n && row < ntasks && !rc; k++) {
        const struct mf_meta_task *a = &r->attempts[k];
        double y = 20 + rh * (double)row;
        if (rh >= 12 && (k == s->first || strcmp(a->task_id, a[-1].task_id) != 0))
            rc = mf__buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\" fill=\"#59636e\">"
                                 "task ", TL - 8, y + rh - 3) ||
                 mf__html_esc(b, a->task_id) || mf__buf_adds(b, "</text>\n");
        if (!rc)
            rc = bar(b, r, a, y + 1, rh - (rh >= 6 ? 2 : 1));
        if (k + 1 < s->first + s->n && strcmp(a->task_id, a[1].task_id) != 0)
            row++;
    }
    if (!rc)
        rc = mf__buf_adds(b, "</svg>\n");
    if (!rc && ntasks < s->ntasks)
        rc = mf__buf_addf(b, "<div class=\"note\">the first %zu of %zu tasks are drawn</div>\n", ntasks, s->ntasks);
    return rc ? MF_ENOMEM : 0;
}
