/* SPDX-License-Identifier: Apache-2.0 */
/*
 * graph.h - the flow's graph, built from the static mf_step table without
 * running any step, and its linter (Metaflow's lint rules).
 *
 * Nodes are indexes into flow->steps (node i is flow->steps[i]); edges are
 * kept in declaration order. The graph is built even for an invalid table
 * (unknown names are kept aside as dangling edges) so that the linter can
 * report every problem at once. The scheduler relies only on a graph that
 * passed mf__graph_lint(): it is designed so that later transition kinds
 * (switch, recursion) add edge kinds, not new node bookkeeping.
 */
#ifndef MF_GRAPH_H
#define MF_GRAPH_H
#include <stdbool.h>
#include <stddef.h>

#include "metaflow.h"
#include "util/buf.h"
#include "util/err.h"

#define MF_NO_NODE ((size_t)-1)

enum mf_node_kind {
    MF_NODE_LINEAR,  /* one next step */
    MF_NODE_SPLIT,   /* several next steps: a branch */
    MF_NODE_FOREACH, /* one next step, run once per item of step->foreach, or as a gang of
                      * step->num_parallel tasks (mf__gang_width) */
    MF_NODE_SWITCH,  /* out[] are the cases' steps; one is chosen at run time */
    MF_NODE_END      /* no next step */
};

struct mf_node {
    const mf_step *step;
    const char *name;
    enum mf_node_kind kind; /* from the declaration's next/foreach */
    bool is_join;           /* step->join */
    size_t *out;            /* next steps that exist, in declaration order */
    size_t nout;
    size_t *in; /* steps whose next names this one, in declaration order */
    size_t nin;
    /* For SPLIT and FOREACH nodes of a valid graph: the join that closes
     * them; MF_NO_NODE otherwise. */
    size_t matching_join;
    /* Depth-first graph order position used by show (start first). */
    size_t order;
    /* For a SWITCH node: ncases entries of step->cases that name a step;
     * case_out[i] is the node case i goes to (MF_NO_NODE if unknown). */
    size_t ncases;
    size_t *case_out;
    /* The step lies on a cycle (through a switch case going back): its
     * tasks may run once per pass of the loop. */
    bool in_loop;
};

struct mf_graph {
    const mf_flow *flow;
    struct mf_node *nodes; /* n entries: flow->nsteps, or the table up to its { 0 } end */
    size_t n;
    size_t start, end; /* MF_NO_NODE when missing */
    size_t *order;     /* node indexes in show order: start, then depth-first */
    size_t norder;     /* reachable nodes only; unreachable ones follow in table order */
    size_t *by_name;   /* indexes of the named nodes sorted by (name, index), for lookups */
    size_t nnamed;
};

/* The width of the gang that `step` starts (its .num_parallel when that is
 * set and it is not also a foreach, which lint refuses), else 0. */
static inline int mf__gang_width(const mf_step *step)
{
    return step->num_parallel > 0 && !step->foreach ? step->num_parallel : 0;
}

/* lint_gang.c: the gang rules (same contract as mf__graph_lint). */
int mf__lint_gangs(const struct mf_graph *g, struct mf_buf *report);

/* Builds the graph. Fails only for MF_ENOMEM or a NULL/empty table (MF_EGRAPH).
 * `*out` is freed with mf__graph_free(). */
int mf__graph_build(const mf_flow *flow, struct mf_graph **out, struct mf_err *err);
void mf__graph_free(struct mf_graph *g);
/* Node index of step `name` (the first one declared, if the name is
 * declared twice), or MF_NO_NODE. */
size_t mf__graph_find(const struct mf_graph *g, const char *name);
/* How many cases step->cases holds (up to {NULL, NULL}, at most MF_MAX_CASES). */
size_t mf__step_ncases(const mf_step *step);
/* How many names step->next holds (up to its NULL, at most MF_MAX_NEXT). */
size_t mf__step_nnext(const mf_step *step);

/*
 * Lints the graph. Appends one line per problem to `report`, each naming the
 * steps involved and the fix, of the form
 *   "step 'a' goes to 'c', which is not a step of the flow: declare a step 'c' or fix the name in 'a'.next"
 * (no "error:" prefix, no trailing newline inside a message). Returns the
 * number of problems (0 for a valid graph) or a negative MF_E* on ENOMEM.
 * The rules and their order are in docs/graph.md.
 */
int mf__graph_lint(const struct mf_graph *g, struct mf_buf *report);

/* true when `to` is where one of the cases of switch step `from` goes. */
bool mf__graph_is_case_edge(const struct mf_graph *g, size_t from, size_t to);

/* Edges mf__graph_components() leaves out (flags, or-ed). */
#define MF_SCC_NO_CASES 1u /* switch case edges: what remains must be acyclic */
#define MF_SCC_NO_START 2u /* edges into start, which lint reports on their own */
/* Strongly connected components over the edges `skip` keeps: comp[v] (g->n
 * entries) is the component of v, named by one of its members. Linear time.
 * Returns 0 or MF_ENOMEM. */
int mf__graph_components(const struct mf_graph *g, unsigned skip, size_t *comp);

/* lint_switch.c: the switch rules (same contract as mf__graph_lint). */
int mf__lint_switches(const struct mf_graph *g, struct mf_buf *report);
/* true when a path leads from `from` to `to` (one step or more). */
bool mf__graph_reaches(const struct mf_graph *g, size_t from, size_t to);
/* true when some switch step reaches every one of `preds` (or is one):
 * they are then alternatives of that switch rather than parallel paths. */
bool mf__switch_reaches_all(const struct mf_graph *g, const size_t *preds, size_t npreds);
/* A split and its join (matching[] from mf__graph_splits) in different
 * loops: one line per problem; returns their count or MF_ENOMEM. */
int mf__lint_loop_joins(const struct mf_graph *g, const size_t *matching, struct mf_buf *report);

/*
 * Split tracking (lint.c): walks the graph from start in show order with a
 * stack of open splits per step, sets matching_join[s] (g->n entries) for
 * every split or foreach `s` closed by a join, and appends to `report` (when
 * non-NULL) one line per split/join imbalance. Does nothing and returns 0
 * unless the transitions are sound (start and end exist, unique names, no
 * missing step, no cycle): those problems are reported by mf__graph_lint()
 * first. Returns the number of problems, or MF_ENOMEM.
 */
int mf__graph_splits(const struct mf_graph *g, size_t *matching_join, struct mf_buf *report);
#endif
