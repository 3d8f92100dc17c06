/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.c - pictures of a flow's graph for people: `show` (Metaflow's text
 * layout) and `show --format dot` (Graphviz). Both work on an invalid graph
 * too. Mermaid is graph_mermaid.c, SVG (by Graphviz) graph_svg.c.
 */
#include <string.h>

#include "report.h"

#define INDENT "    "

/* Nameless steps are shown by their table entry, as the linter names them. */
static void put_name(const struct mf_graph *g, size_t i, FILE *out)
{
    if (g->nodes[i].step->name && *g->nodes[i].step->name)
        fputs(g->nodes[i].step->name, out);
    else
        fprintf(out, "#%zu", i + 1);
}

/* Every line of `text` indented; "?" for no text, as Metaflow prints. */
static void put_indented(const char *text, FILE *out)
{
    if (!text || !*text) {
        fputs(INDENT "?\n", out);
        return;
    }
    while (*text) {
        size_t len = strcspn(text, "\n");
        if (len)
            fprintf(out, INDENT "%.*s", (int)len, text);
        fputc('\n', out);
        text += len + (text[len] == '\n');
    }
}

/* "=> switch on 'choice': 'a' -> a, 'b' -> b", as declared ('?' for a
 * missing condition or step). */
static void show_switch(const struct mf_graph *g, size_t i, FILE *out)
{
    const mf_step *step = g->nodes[i].step;
    if (step->switch_on)
        fprintf(out, INDENT "=> switch on '%s':", step->switch_on);
    else
        fputs(INDENT "=> switch on ?:", out);
    for (size_t k = 0; k < g->nodes[i].ncases; k++)
        fprintf(out, "%s '%s' -> %s", k ? "," : "", step->cases[k].value ? step->cases[k].value : "",
                step->cases[k].step ? step->cases[k].step : "?");
    fputc('\n', out);
}

static void show_step(const struct mf_graph *g, size_t i, FILE *out)
{
    const mf_step *step = g->nodes[i].step;
    size_t nnext = mf__step_nnext(step);
    fputs("\nStep ", out);
    put_name(g, i, out);
    fputs(step->join ? " (join)\n" : "\n", out);
    put_indented(step->doc, out);
    if (g->nodes[i].kind == MF_NODE_SWITCH) {
        show_switch(g, i, out);
        return;
    }
    if (nnext == 0)
        return;
    fputs(INDENT "=> ", out);
    for (size_t k = 0; k < nnext; k++)
        fprintf(out, "%s%s", k ? ", " : "", step->next[k]);
    if (step->foreach)
        fprintf(out, " (foreach over %s)", step->foreach);
    else if (step->num_parallel > 0)
        fprintf(out, " (a gang of %d tasks)", step->num_parallel);
    fputc('\n', out);
}

int mf__report_show(const struct mf_graph *g, FILE *out)
{
    const char *doc = g->flow->doc;
    fprintf(out, "\n%s\n", doc ? doc : "");
    for (size_t k = 0; k < g->n; k++)
        show_step(g, g->order[k], out);
    fputc('\n', out);
    return ferror(out) ? MF_EIO : 0;
}

/* ------------------------------------------------------------------ */
/* Graphviz                                                           */
/* ------------------------------------------------------------------ */

/* `s` inside a DOT double-quoted string: quotes and backslashes escaped,
 * newlines as \n (a line break in labels and tooltips), other control
 * characters as spaces. */
static void put_dot_escaped(const char *s, FILE *out)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", out);
        else
            fputc(c < 0x20 || c == 0x7f ? ' ' : c, out);
    }
}

static void put_dot_string(const char *s, FILE *out)
{
    fputc('"', out);
    put_dot_escaped(s, out);
    fputc('"', out);
}

/* A DOT node id; nameless steps get one that no valid name can take. */
static void put_dot_id(const struct mf_graph *g, size_t i, FILE *out)
{
    if (g->nodes[i].step->name && *g->nodes[i].step->name) {
        put_dot_string(g->nodes[i].step->name, out);
        return;
    }
    fprintf(out, "\"#%zu\"", i + 1);
}

const char *mf__report_kind(const struct mf_graph *g, size_t i)
{
    const struct mf_node *node = &g->nodes[i];
    if (i == g->end)
        return "end";
    if (node->is_join)
        return "join";
    if (node->kind == MF_NODE_FOREACH)
        return "foreach";
    if (node->kind == MF_NODE_SPLIT)
        return "split";
    if (node->kind == MF_NODE_SWITCH)
        return "switch";
    return i == g->start ? "start" : "linear";
}

static const char *kind_shape(const char *kind)
{
    static const char *const shapes[][2] = {
        { "start", "ellipse" },  { "end", "doublecircle" }, { "join", "invhouse" },
        { "foreach", "box3d" }, { "split", "house" },       { "linear", "box" },
        { "switch", "diamond" },
    };
    for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++)
        if (!strcmp(kind, shapes[k][0]))
            return shapes[k][1];
    return "box";
}

static void dot_node(const struct mf_graph *g, size_t i, FILE *out)
{
    const char *kind = mf__report_kind(g, i);
    fputs("  ", out);
    put_dot_id(g, i, out);
    fputs(" [label=\"", out);
    if (g->nodes[i].step->name && *g->nodes[i].step->name)
        put_dot_escaped(g->nodes[i].step->name, out);
    else
        fprintf(out, "#%zu", i + 1);
    if (!strcmp(kind, "switch") && g->nodes[i].step->switch_on) {
        fputs("\\n(switch on ", out);
        put_dot_escaped(g->nodes[i].step->switch_on, out);
        fputc(')', out);
    } else if (strcmp(kind, g->nodes[i].name) != 0) /* "start" and "end" say it already */
        fprintf(out, "\\n(%s)", kind);
    fprintf(out, "\", shape=%s", kind_shape(kind));
    if (g->nodes[i].step->doc && *g->nodes[i].step->doc) {
        fputs(", tooltip=", out);
        put_dot_string(g->nodes[i].step->doc, out);
    }
    fputs("];\n", out);
}

/* One edge per case, labelled with its value; a case that goes back (a
 * loop) is drawn dashed and does not constrain the top-down layout. */
static void dot_case_edges(const struct mf_graph *g, size_t i, FILE *out)
{
    const struct mf_node *node = &g->nodes[i];
    for (size_t k = 0; k < node->ncases; k++) {
        size_t to = node->case_out[k];
        const char *target = node->step->cases[k].step;
        if (to == MF_NO_NODE && (!target || !*target))
            continue; /* a case with no step: nothing to point at */
        fputs("  ", out);
        put_dot_id(g, i, out);
        fputs(" -> ", out);
        if (to == MF_NO_NODE)
            put_dot_string(target, out);
        else
            put_dot_id(g, to, out);
        fputs(" [label=", out);
        put_dot_string(node->step->cases[k].value ? node->step->cases[k].value : "", out);
        if (to == MF_NO_NODE)
            fputs(", style=dashed, color=red", out);
        else if (g->nodes[to].order <= node->order)
            fputs(", style=dashed, constraint=false", out);
        fputs("];\n", out);
    }
}

static void dot_edges(const struct mf_graph *g, size_t i, FILE *out)
{
    const mf_step *step = g->nodes[i].step;
    dot_case_edges(g, i, out);
    size_t nnext = mf__step_nnext(step);
    for (size_t k = 0; k < nnext; k++) {
        bool missing = mf__graph_find(g, step->next[k]) == MF_NO_NODE;
        fputs("  ", out);
        put_dot_id(g, i, out);
        fputs(" -> ", out);
        put_dot_string(step->next[k], out);
        if (step->foreach) {
            fputs(" [label=", out);
            put_dot_string(step->foreach, out);
            fputs(", style=bold]", out);
        } else if (step->num_parallel > 0) {
            fprintf(out, " [label=\"num_parallel=%d\", style=bold]", step->num_parallel);
        } else if (missing)
            fputs(" [style=dashed, color=red]", out);
        fputs(";\n", out);
    }
}

static void dot_missing_node(const char *name, FILE *out)
{
    fputs("  ", out);
    put_dot_string(name, out);
    fputs(" [label=", out);
    put_dot_string(name, out);
    fputs(", shape=box, style=dashed, color=red, fontcolor=red];\n", out);
}

/* Declared next steps and case steps that do not exist: drawn dashed, so
 * that show --dot pictures a broken flow as declared. */
static void dot_missing(const struct mf_graph *g, FILE *out)
{
    for (size_t i = 0; i < g->n; i++) {
        const struct mf_node *node = &g->nodes[i];
        for (size_t k = 0; k < mf__step_nnext(node->step); k++)
            if (mf__graph_find(g, node->step->next[k]) == MF_NO_NODE)
                dot_missing_node(node->step->next[k], out);
        for (size_t k = 0; k < node->ncases; k++)
            if (node->case_out[k] == MF_NO_NODE && node->step->cases[k].step && *node->step->cases[k].step)
                dot_missing_node(node->step->cases[k].step, out);
    }
}

int mf__report_dot(const struct mf_graph *g, FILE *out)
{
    const char *name = g->flow->name ? g->flow->name : "";
    fputs("digraph ", out);
    put_dot_string(name, out);
    fputs(" {\n  label=\"", out);
    put_dot_escaped(name, out);
    if (g->flow->doc && *g->flow->doc) {
        fputs("\\n", out);
        put_dot_escaped(g->flow->doc, out);
    }
    fputs("\";\n  labelloc=t;\n  fontname=\"Helvetica\";\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\"];\n", out);
    for (size_t k = 0; k < g->n; k++)
        dot_node(g, g->order[k], out);
    dot_missing(g, out);
    for (size_t k = 0; k < g->n; k++)
        dot_edges(g, g->order[k], out);
    fputs("}\n", out);
    return ferror(out) ? MF_EIO : 0;
}
