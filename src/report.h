/* SPDX-License-Identifier: Apache-2.0 */
/* report.h - human-facing pictures of a flow: `show` text (report.c),
 * Graphviz DOT (report.c), Mermaid (graph_mermaid.c), SVG by Graphviz
 * (graph_svg.c). Each works on an invalid graph too and returns 0 or MF_EIO
 * (a write to `out` failed). */
#ifndef MF_REPORT_H
#define MF_REPORT_H
#include <stdio.h>

#include "graph.h"
#include "util/err.h"

/* `show`: the flow's doc, then every step in graph order with its doc and
 * where it goes next (Metaflow's layout). */
int mf__report_show(const struct mf_graph *g, FILE *out);
/* `show --dot`: a Graphviz digraph of the flow. */
int mf__report_dot(const struct mf_graph *g, FILE *out);
/* `show --format mermaid`: a Mermaid flowchart (for Markdown pages). */
int mf__report_mermaid(const struct mf_graph *g, FILE *out);
/* `show --format svg`: the DOT picture rendered by Graphviz's `dot -Tsvg`
 * (run from PATH as argv, no shell), written to `out`. MF_ENOENT when `dot`
 * is not installed (the message says how to get it), MF_EIO when it fails. */
int mf__report_svg(const struct mf_graph *g, FILE *out, struct mf_err *err);
/* The kind of step i as the pictures name it: "start", "end", "join",
 * "foreach", "split", "switch" or "linear". Static text. */
const char *mf__report_kind(const struct mf_graph *g, size_t i);
#endif
