/* SPDX-License-Identifier: Apache-2.0 */
/*
 * graph.c - the flow graph read from the static mf_step table: nodes, edges
 * both ways, each node's kind, the show order and each split's join.
 */
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "util/alloc.h"

size_t mf__step_ncases(const mf_step *step)
{
    size_t n = 0;
    while (n < MF_MAX_CASES && (step->cases[n].value || step->cases[n].step))
        n++;
    return n;
}

size_t mf__step_nnext(const mf_step *step)
{
    size_t n = 0;
    while (n < MF_MAX_NEXT && step->next[n])
        n++;
    return n;
}

/* The kind follows the declaration alone, so that a step keeps its kind
 * whatever is wrong elsewhere; the linter says what does not fit. */
static enum mf_node_kind kind_of(const mf_step *step)
{
    size_t nnext = mf__step_nnext(step);
    if (step->switch_on || step->cases[0].value || step->cases[0].step)
        return MF_NODE_SWITCH;
    if (step->foreach || step->num_parallel > 0) /* a gang is a foreach of a declared width */
        return MF_NODE_FOREACH;
    if (nnext == 0)
        return MF_NODE_END;
    return nnext > 1 ? MF_NODE_SPLIT : MF_NODE_LINEAR;
}

struct named {
    const char *name;
    size_t index;
};

static int cmp_named(const void *pa, const void *pb)
{
    const struct named *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);
    if (c)
        return c;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Sorted (name, index) index of the named steps, for O(log n) lookups. */
static int index_names(struct mf_graph *g)
{
    struct named *tmp = mf__calloc(g->n, sizeof(*tmp));
    g->by_name = mf__calloc(g->n, sizeof(*g->by_name));
    if (!tmp || !g->by_name) {
        mf__free(tmp);
        return MF_ENOMEM;
    }
    for (size_t i = 0; i < g->n; i++)
        if (g->flow->steps[i].name)
            tmp[g->nnamed++] = (struct named){ g->flow->steps[i].name, i };
    qsort(tmp, g->nnamed, sizeof(*tmp), cmp_named);
    for (size_t k = 0; k < g->nnamed; k++)
        g->by_name[k] = tmp[k].index;
    mf__free(tmp);
    return 0;
}

size_t mf__graph_find(const struct mf_graph *g, const char *name)
{
    if (!g || !name)
        return MF_NO_NODE;
    size_t lo = 0, hi = g->nnamed; /* first entry whose name is >= name */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(g->nodes[g->by_name[mid]].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < g->nnamed && strcmp(g->nodes[g->by_name[lo]].name, name) == 0)
        return g->by_name[lo];
    return MF_NO_NODE;
}

static bool contains(const size_t *arr, size_t n, size_t x)
{
    for (size_t i = 0; i < n; i++)
        if (arr[i] == x)
            return true;
    return false;
}

/* out[]: the declared next steps that exist, each once; then in[], filled
 * in table order of the source so that both lists are deterministic. */
static void add_out(struct mf_graph *g, struct mf_node *node, size_t to)
{
    if (to != MF_NO_NODE && !contains(node->out, node->nout, to)) {
        node->out[node->nout++] = to;
        g->nodes[to].nin++;
    }
}

static int link_edges(struct mf_graph *g)
{
    for (size_t i = 0; i < g->n; i++) {
        struct mf_node *node = &g->nodes[i];
        size_t nnext = mf__step_nnext(node->step), ncases = mf__step_ncases(node->step);
        if (nnext + ncases && !(node->out = mf__calloc(nnext + ncases, sizeof(*node->out))))
            return MF_ENOMEM;
        if (ncases && !(node->case_out = mf__calloc(ncases, sizeof(*node->case_out))))
            return MF_ENOMEM;
        for (size_t k = 0; k < nnext; k++)
            add_out(g, node, mf__graph_find(g, node->step->next[k]));
        /* A switch's edges are its cases' steps: out[] holds every step that
         * may come next, case_out[] which case goes where. */
        node->ncases = ncases;
        for (size_t k = 0; k < ncases; k++) {
            node->case_out[k] = mf__graph_find(g, node->step->cases[k].step);
            add_out(g, node, node->case_out[k]);
        }
    }
    for (size_t i = 0; i < g->n; i++) {
        struct mf_node *node = &g->nodes[i];
        if (node->nin && !(node->in = mf__calloc(node->nin, sizeof(*node->in))))
            return MF_ENOMEM;
        node->nin = 0;
    }
    for (size_t i = 0; i < g->n; i++)
        for (size_t k = 0; k < g->nodes[i].nout; k++) {
            struct mf_node *to = &g->nodes[g->nodes[i].out[k]];
            to->in[to->nin++] = i;
        }
    return 0;
}

/*
 * Show order: Metaflow lists a step after the last path from start that
 * reaches it. On a DAG that is the reverse postorder of a depth-first walk
 * that takes each step's next steps last to first, computed here without
 * enumerating paths (and without recursion, for long flows). On a graph
 * with a loop the walk never follows an edge back to a step it has seen,
 * so the edge that closes the loop (a case going back) is the one left out:
 * the steps of a loop are listed in the order a pass runs them.
 */
static int compute_order(struct mf_graph *g)
{
    size_t *stack = mf__calloc(g->n, sizeof(*stack));
    size_t *left = mf__calloc(g->n, sizeof(*left)); /* next steps not yet walked */
    bool *seen = mf__calloc(g->n, sizeof(*seen));
    size_t sp = 0, npost = 0;
    int rc = MF_ENOMEM;
    if (!stack || !left || !seen)
        goto out;
    if (g->start != MF_NO_NODE) {
        stack[sp++] = g->start;
        seen[g->start] = true;
        left[g->start] = g->nodes[g->start].nout;
    }
    while (sp > 0) {
        size_t v = stack[sp - 1];
        if (left[v] == 0) {
            g->order[npost++] = v; /* postorder, reversed below */
            sp--;
            continue;
        }
        size_t c = g->nodes[v].out[--left[v]];
        if (!seen[c]) {
            seen[c] = true;
            left[c] = g->nodes[c].nout;
            stack[sp++] = c;
        }
    }
    for (size_t i = 0; i < npost / 2; i++) {
        size_t t = g->order[i];
        g->order[i] = g->order[npost - 1 - i];
        g->order[npost - 1 - i] = t;
    }
    g->norder = npost;
    for (size_t i = 0; i < g->n; i++)
        if (!seen[i])
            g->order[npost++] = i;
    for (size_t k = 0; k < g->n; k++)
        g->nodes[g->order[k]].order = k;
    rc = 0;
out:
    mf__free(stack);
    mf__free(left);
    mf__free(seen);
    return rc;
}

static int find_joins(struct mf_graph *g)
{
    size_t *matching = mf__calloc(g->n, sizeof(*matching));
    if (!matching)
        return MF_ENOMEM;
    int rc = mf__graph_splits(g, matching, NULL);
    if (rc >= 0)
        for (size_t i = 0; i < g->n; i++)
            g->nodes[i].matching_join = matching[i];
    mf__free(matching);
    return rc < 0 ? rc : 0;
}

bool mf__graph_is_case_edge(const struct mf_graph *g, size_t from, size_t to)
{
    const struct mf_node *node = &g->nodes[from];
    for (size_t k = 0; k < node->ncases; k++)
        if (node->case_out[k] == to)
            return true;
    return false;
}

static bool follows(const struct mf_graph *g, size_t from, size_t to, unsigned skip)
{
    if ((skip & MF_SCC_NO_START) && to == g->start)
        return false;
    return !((skip & MF_SCC_NO_CASES) && mf__graph_is_case_edge(g, from, to));
}

/* Postorder of a depth-first walk over every step (Kosaraju's first pass),
 * iterative so that a long flow does not exhaust the C stack. */
static void postorder_all(const struct mf_graph *g, unsigned skip, size_t *post, size_t *stack, size_t *left,
                          bool *seen)
{
    size_t npost = 0;
    for (size_t r = 0; r < g->n; r++) {
        if (seen[r])
            continue;
        size_t sp = 0;
        stack[sp++] = r;
        seen[r] = true;
        left[r] = g->nodes[r].nout;
        while (sp) {
            size_t v = stack[sp - 1];
            if (!left[v]) {
                post[npost++] = v;
                sp--;
                continue;
            }
            size_t c = g->nodes[v].out[g->nodes[v].nout - left[v]--];
            if (!seen[c] && follows(g, v, c, skip)) {
                seen[c] = true;
                left[c] = g->nodes[c].nout;
                stack[sp++] = c;
            }
        }
    }
}

/* Kosaraju's second pass: the incoming edges, in reverse postorder. */
static void collect_components(const struct mf_graph *g, unsigned skip, const size_t *post, size_t *comp,
                               size_t *stack)
{
    for (size_t i = 0; i < g->n; i++)
        comp[i] = MF_NO_NODE;
    for (size_t k = g->n; k-- > 0;) {
        size_t r = post[k], sp = 0;
        if (comp[r] != MF_NO_NODE)
            continue;
        stack[sp++] = r;
        comp[r] = r;
        while (sp) {
            size_t v = stack[--sp];
            for (size_t j = 0; j < g->nodes[v].nin; j++) {
                size_t u = g->nodes[v].in[j];
                if (comp[u] == MF_NO_NODE && follows(g, u, v, skip)) {
                    comp[u] = r;
                    stack[sp++] = u;
                }
            }
        }
    }
}

int mf__graph_components(const struct mf_graph *g, unsigned skip, size_t *comp)
{
    size_t *post = mf__calloc(g->n, sizeof(*post)), *stack = mf__calloc(g->n, sizeof(*stack));
    size_t *left = mf__calloc(g->n, sizeof(*left));
    bool *seen = mf__calloc(g->n, sizeof(*seen));
    int rc = MF_ENOMEM;
    if (!post || !stack || !left || !seen)
        goto out;
    postorder_all(g, skip, post, stack, left, seen);
    collect_components(g, skip, post, comp, stack);
    rc = 0;
out:
    mf__free(post);
    mf__free(stack);
    mf__free(left);
    mf__free(seen);
    return rc;
}

/* in_loop: the step lies on a cycle, i.e. in a strongly connected component
 * of two steps or more, or it goes to itself. */
static int mark_loops(struct mf_graph *g)
{
    size_t *comp = mf__calloc(g->n, sizeof(*comp)), *size = mf__calloc(g->n, sizeof(*size));
    int rc = MF_ENOMEM;
    if (!comp || !size || mf__graph_components(g, 0, comp) != 0)
        goto out;
    for (size_t i = 0; i < g->n; i++)
        size[comp[i]]++;
    for (size_t i = 0; i < g->n; i++) {
        struct mf_node *node = &g->nodes[i];
        node->in_loop = size[comp[i]] > 1;
        for (size_t k = 0; k < node->nout; k++)
            node->in_loop |= node->out[k] == i;
    }
    rc = 0;
out:
    mf__free(comp);
    mf__free(size);
    return rc;
}

int mf__graph_build(const mf_flow *flow, struct mf_graph **out, struct mf_err *err)
{
    struct mf_graph *g = NULL;
    int rc = MF_ENOMEM;
    *out = NULL;
    size_t n = flow && flow->steps ? flow->nsteps : 0;
    /* .nsteps 0: the table ends with an entry without a name ({ 0 }) */
    while (flow && flow->steps && flow->nsteps == 0 && flow->steps[n].name)
        n++;
    if (n == 0)
        return mf__err(err, MF_EGRAPH, "flow '%s' declares no steps: give mf_flow.steps a table with at least "
                                       "a 'start' and an 'end' step, and set mf_flow.nsteps (or end the table "
                                       "with { 0 })", flow && flow->name ? flow->name : "");
    if (!(g = mf__calloc(1, sizeof(*g))))
        goto out;
    g->flow = flow;
    g->n = n;
    g->nodes = mf__calloc(g->n, sizeof(*g->nodes));
    g->order = mf__calloc(g->n, sizeof(*g->order));
    if (!g->nodes || !g->order)
        goto out;
    for (size_t i = 0; i < g->n; i++) {
        struct mf_node *node = &g->nodes[i];
        node->step = &flow->steps[i];
        node->name = node->step->name ? node->step->name : "";
        node->kind = kind_of(node->step);
        node->is_join = node->step->join;
        node->matching_join = MF_NO_NODE;
    }
    if ((rc = index_names(g)) != 0 || (rc = link_edges(g)) != 0)
        goto out;
    g->start = mf__graph_find(g, "start");
    g->end = mf__graph_find(g, "end");
    if ((rc = compute_order(g)) != 0 || (rc = find_joins(g)) != 0 || (rc = mark_loops(g)) != 0)
        goto out;
    *out = g;
    g = NULL;
out:
    mf__graph_free(g);
    if (rc == MF_ENOMEM)
        mf__err(err, rc, "out of memory while building the graph of flow '%s'", flow->name ? flow->name : "");
    return rc;
}

void mf__graph_free(struct mf_graph *g)
{
    if (!g)
        return;
    for (size_t i = 0; g->nodes && i < g->n; i++) {
        mf__free(g->nodes[i].out);
        mf__free(g->nodes[i].in);
        mf__free(g->nodes[i].case_out);
    }
    mf__free(g->nodes);
    mf__free(g->order);
    mf__free(g->by_name);
    mf__free(g);
}
