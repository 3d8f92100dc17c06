/* SPDX-License-Identifier: Apache-2.0 */
/* report.h - human-facing pictures of a flow: `show` text and Graphviz DOT. */
#ifndef MF_REPORT_H
#define MF_REPORT_H
#include <stdio.h>

#include "graph.h"

/* `show`: the flow's doc, then every step in graph order with its doc and
 * where it goes next (Metaflow's layout). */
int mf__report_show(const struct mf_graph *g, FILE *out);
/* `show --dot`: a Graphviz digraph of the flow. */
int mf__report_dot(const struct mf_graph *g, FILE *out);
#endif
