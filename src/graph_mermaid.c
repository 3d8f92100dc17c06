/* SPDX-License-Identifier: Apache-2.0 */
/*
 * graph_mermaid.c - `show --format mermaid`: the flow as a Mermaid flowchart,
 * the picture a Markdown page on a code host draws by itself. Each kind of
 * step has its own shape (as in the DOT picture); foreach edges are thick and
 * name their list, switch cases are labelled, a case going back (a loop) is
 * dotted. Works on an invalid graph too: a missing step is drawn in red.
 */
#include <string.h>

#include "report.h"

/* Node ids are n<table index> (m<k> for missing steps): step names may hold
 * anything, ids may not. Class names carry a prefix: "end" is a Mermaid keyword. */
static void put_id(size_t i, FILE *out) { fprintf(out, "n%zu", i); }

/* `s` inside a Mermaid "quoted" label: quotes and the characters Mermaid or
 * the page's HTML would read as markup become entity codes, control
 * characters spaces. */
static void put_text(const char *s, FILE *out)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '#' || c == '<' || c == '>' || c == '&' || c == '`' || c == '|')
            fprintf(out, "#%u;", c);
        else
            fputc(c < 0x20 || c == 0x7f ? ' ' : c, out);
    }
}

static void put_label(const struct mf_graph *g, size_t i, FILE *out)
{
    const mf_step *step = g->nodes[i].step;
    const char *kind = mf__report_kind(g, i);
    fputc('"', out);
    if (step->name && *step->name)
        put_text(step->name, out);
    else
        fprintf(out, "#35;%zu", i + 1);
    if (!strcmp(kind, "switch")) {
        fputs("<br>switch on ", out);
        put_text(step->switch_on ? step->switch_on : "?", out);
    } else if (!strcmp(kind, "foreach") && !step->foreach) {
        fprintf(out, "<br>gang of %d", step->num_parallel);
    } else if (!strcmp(kind, "foreach")) {
        fputs("<br>foreach over ", out);
        put_text(step->foreach, out);
    } else if (strcmp(kind, "linear") && strcmp(kind, g->nodes[i].name ? g->nodes[i].name : "") != 0) {
        fprintf(out, "<br>(%s)", kind);
    }
    fputc('"', out);
}

/* Opening and closing brackets of each kind's shape. */
static void shape_of(const char *kind, const char **open, const char **close)
{
    static const char *const shapes[][3] = {
        { "start", "([", "])" }, { "end", "([", "])" },     { "join", "[/", "\\]" },
        { "foreach", "[[", "]]" }, { "split", "{{", "}}" }, { "switch", "{", "}" },
    };
    *open = "[";
    *close = "]";
    for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++)
        if (!strcmp(kind, shapes[k][0])) {
            *open = shapes[k][1];
            *close = shapes[k][2];
        }
}

static void node_line(const struct mf_graph *g, size_t i, FILE *out)
{
    const char *open, *close, *kind = mf__report_kind(g, i);
    shape_of(kind, &open, &close);
    fputs("    ", out);
    put_id(i, out);
    fputs(open, out);
    put_label(g, i, out);
    fprintf(out, "%s:::mf_%s\n", close, kind);
}

/* A step named by a transition that does not exist; `k` numbers them. */
static void missing_line(size_t k, const char *name, FILE *out)
{
    fprintf(out, "    m%zu[\"", k);
    put_text(name, out);
    fputs("<br>(missing)\"]:::mf_missing\n", out);
}

static void edge(size_t from, const char *arrow, const char *label, FILE *out)
{
    fputs("    ", out);
    put_id(from, out);
    fprintf(out, " %s", arrow);
    if (label) {
        fputs("|\"", out);
        put_text(label, out);
        fputs("\"|", out);
    }
    fputc(' ', out);
}

/* Edges of node i; `nmissing` counts the missing steps drawn so far, in the
 * order missing_nodes() drew them. */
static void edges_of(const struct mf_graph *g, size_t i, size_t *nmissing, FILE *out)
{
    const struct mf_node *node = &g->nodes[i];
    for (size_t k = 0; k < node->ncases; k++) {
        size_t to = node->case_out[k];
        const char *target = node->step->cases[k].step, *value = node->step->cases[k].value;
        if (to == MF_NO_NODE && (!target || !*target))
            continue;
        bool back = to != MF_NO_NODE && g->nodes[to].order <= node->order;
        edge(i, back ? "-.->" : "-->", value ? value : "", out);
        if (to == MF_NO_NODE)
            fprintf(out, "m%zu\n", (*nmissing)++);
        else
            fprintf(out, "n%zu\n", to);
    }
    for (size_t k = 0; k < mf__step_nnext(node->step); k++) {
        size_t to = mf__graph_find(g, node->step->next[k]);
        edge(i, node->step->foreach ? "==>" : "-->", node->step->foreach, out);
        if (to == MF_NO_NODE)
            fprintf(out, "m%zu\n", (*nmissing)++);
        else
            fprintf(out, "n%zu\n", to);
    }
}

/* In graph order, so that edges_of numbers them the same way. */
static void missing_nodes(const struct mf_graph *g, FILE *out)
{
    size_t k = 0;
    for (size_t o = 0; o < g->n; o++) {
        const struct mf_node *node = &g->nodes[g->order[o]];
        for (size_t c = 0; c < node->ncases; c++)
            if (node->case_out[c] == MF_NO_NODE && node->step->cases[c].step && *node->step->cases[c].step)
                missing_line(k++, node->step->cases[c].step, out);
        for (size_t c = 0; c < mf__step_nnext(node->step); c++)
            if (mf__graph_find(g, node->step->next[c]) == MF_NO_NODE)
                missing_line(k++, node->step->next[c], out);
    }
}

int mf__report_mermaid(const struct mf_graph *g, FILE *out)
{
    fputs("---\ntitle: \"", out);
    put_text(g->flow->name ? g->flow->name : "", out);
    fputs("\"\n---\nflowchart TD\n", out);
    for (size_t k = 0; k < g->n; k++)
        node_line(g, g->order[k], out);
    missing_nodes(g, out);
    size_t nmissing = 0;
    for (size_t k = 0; k < g->n; k++)
        edges_of(g, g->order[k], &nmissing, out);
    fputs("    classDef mf_start fill:#e8f5e9,stroke:#2e7d32\n"
          "    classDef mf_end fill:#e8f5e9,stroke:#2e7d32\n"
          "    classDef mf_foreach fill:#e3f2fd,stroke:#1565c0,stroke-width:2px\n"
          "    classDef mf_split fill:#fff8e1,stroke:#f9a825\n"
          "    classDef mf_join fill:#fff8e1,stroke:#f9a825\n"
          "    classDef mf_switch fill:#f3e5f5,stroke:#6a1b9a\n"
          "    classDef mf_linear fill:#fafafa,stroke:#616161\n"
          "    classDef mf_missing fill:#ffebee,stroke:#c62828,stroke-dasharray:4 3\n",
          out);
    return ferror(out) ? MF_EIO : 0;
}
