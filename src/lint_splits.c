/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lint_splits.c - split/join balance (a walk in show order with the stack of
 * open splits each step runs under) and the rules that follow from it for
 * switches and loops: where a switch's paths meet, where a case may jump,
 * and which splits a loop may open or close. docs/graph.md has the rules.
 */
#include <stdio.h>
#include <string.h>

#include "lint_impl.h"
#include "util/alloc.h"

/*
 * The stack of open splits a step runs under, kept as its top frame: the
 * split (or foreach) that opened it and the branch taken. The frame below is
 * the split's own stack, so two stacks are equal when their top frames are
 * (on a sound graph every step has one stack). `lost`: a problem upstream
 * was reported and this stack is unknown; nothing downstream is reported.
 */
struct stack {
    size_t split, branch, depth;
    bool lost;
};

struct walk {
    struct lint *L;
    const struct mf_graph *g;
    struct stack *at; /* each step's stack */
    bool *reported;   /* a split already named in a problem */
    size_t *matching;
    size_t *preds;
    bool has_switch; /* else several inputs to a non-join were reported before the walk */
};

/* The stack a step hands to one of its next steps. A split or a foreach
 * opens a frame per branch; every other kind passes its own on: a switch
 * too, like a linear step, since only one of its cases runs (Metaflow's
 * split-switch goes down each case with the same split stack). */
static struct stack carried(const struct walk *w, size_t from, size_t to)
{
    const struct mf_node *node = &w->g->nodes[from];
    struct stack s = w->at[from];
    if (s.lost || (node->kind != MF_NODE_SPLIT && node->kind != MF_NODE_FOREACH))
        return s;
    size_t branch = 0;
    while (branch < node->nout && node->out[branch] != to)
        branch++;
    return (struct stack){ from, branch, s.depth + 1, false };
}

/* A switch the walk can follow: every case goes to a declared step. */
static bool switch_sound(const struct mf_node *node)
{
    for (size_t k = 0; k < node->ncases; k++)
        if (node->case_out[k] == MF_NO_NODE)
            return false;
    return node->ncases > 0;
}

/* Transitions sound enough for the walk: both ends, unique names, every
 * reachable step going on to existing steps, no edge back into start, and
 * no cycle but loops (a non-case edge against show order closes a cycle:
 * show order is a topological order of the graph without its back edges). */
bool mf__lint_sound(const struct mf_graph *g)
{
    if (g->start == MF_NO_NODE || g->end == MF_NO_NODE || g->nodes[g->end].nout)
        return false;
    for (size_t i = 0; i < g->n; i++)
        if (mf__lint_is_duplicate(g, i))
            return false;
    for (size_t k = 0; k < g->norder; k++) {
        size_t v = g->order[k];
        const struct mf_node *node = &g->nodes[v];
        size_t nnext = mf__step_nnext(node->step);
        if (node->kind == MF_NODE_SWITCH ? !switch_sound(node)
                                         : (node->nout != nnext || (nnext == 0 && v != g->end) ||
                                            (node->kind == MF_NODE_FOREACH && nnext != 1)))
            return false;
        for (size_t j = 0; j < node->nout; j++)
            if (node->out[j] == g->start ||
                (g->nodes[node->out[j]].order <= k && !mf__graph_is_case_edge(g, v, node->out[j])))
                return false;
    }
    return true;
}

static const char *where(struct lint *L, struct stack s, char *buf, size_t size)
{
    if (s.split == MF_NO_NODE)
        snprintf(buf, size, "outside any split");
    else
        snprintf(buf, size, "in %s %s", L->g->nodes[s.split].kind == MF_NODE_FOREACH ? "the foreach" : "a branch of",
                 mf__lint_step(L, s.split));
    return buf;
}

/* A join whose inputs run under different splits: Metaflow's "joins steps
 * from unrelated splits". The deeper split is the one left open. */
static void report_mixed(struct walk *w, size_t v, size_t pa, struct stack a, size_t pb, struct stack b)
{
    struct lint *L = w->L;
    if ((a.split != MF_NO_NODE && w->reported[a.split]) || (b.split != MF_NO_NODE && w->reported[b.split]))
        return; /* the split that went wrong is named already */
    char wa[MF_LINT_NAME_SHOWN + 32], wb[MF_LINT_NAME_SHOWN + 32], fix[2 * MF_LINT_NAME_SHOWN + 64];
    where(L, a, wa, sizeof(wa));
    where(L, b, wb, sizeof(wb));
    if (a.depth != b.depth) {
        size_t open = a.depth > b.depth ? a.split : b.split;
        snprintf(fix, sizeof(fix), "close %s with its own join before %s", mf__lint_step(L, open), mf__lint_step(L, v));
    } else
        snprintf(fix, sizeof(fix), "give %s and %s each their own join", mf__lint_step(L, a.split),
                 mf__lint_step(L, b.split));
    mf__lintf(L, "join %s mixes steps of different splits: %s is %s and %s is %s; a join closes exactly one split, "
               "so %s", mf__lint_step(L, v), mf__lint_step(L, pa), wa, mf__lint_step(L, pb), wb, fix);
    if (a.split != MF_NO_NODE)
        w->reported[a.split] = true;
    if (b.split != MF_NO_NODE)
        w->reported[b.split] = true;
}

/* Branches of split `s` that none of the join's inputs comes from. */
static size_t missing_branches(const struct walk *w, size_t s, size_t v, size_t npreds, size_t *missing)
{
    const struct mf_node *split = &w->g->nodes[s];
    size_t nbranches = split->kind == MF_NODE_FOREACH ? 1 : split->nout, nmissing = 0;
    for (size_t b = 0; b < nbranches; b++) {
        bool found = false;
        for (size_t k = 0; k < npreds && !found; k++)
            found = carried(w, w->preds[k], v).branch == b;
        if (!found)
            missing[nmissing++] = split->out[b];
    }
    return nmissing;
}

static int walk_join(struct walk *w, size_t v, size_t npreds)
{
    struct lint *L = w->L;
    struct stack first = carried(w, w->preds[0], v);
    for (size_t k = 0; k < npreds; k++) {
        struct stack s = carried(w, w->preds[k], v);
        if (s.lost) {
            w->at[v].lost = true;
            return 0;
        }
        if (s.split != first.split) {
            report_mixed(w, v, w->preds[0], first, w->preds[k], s);
            w->at[v].lost = true;
            return 0;
        }
    }
    if (first.split == MF_NO_NODE) {
        mf__lintf(L, "step %s is declared a join but closes no split or foreach: nothing before it splits; remove "
                   ".join from %s", mf__lint_step(L, v), mf__lint_step(L, v));
        w->at[v] = first;
        return 0;
    }
    size_t s = first.split, nmissing;
    size_t *missing = mf__calloc(w->g->nodes[s].nout + 1, sizeof(*missing));
    if (!missing)
        return MF_ENOMEM;
    nmissing = missing_branches(w, s, v, npreds, missing);
    if (nmissing && !w->reported[s]) {
        w->reported[s] = true;
        mf__lintf(L, "join %s closes the split %s but not every branch leads to it: %s %s not; make every branch of %s "
                   "end at %s", mf__lint_step(L, v), mf__lint_step(L, s), mf__lint_list(L, missing, nmissing),
                nmissing == 1 ? "does" : "do", mf__lint_step(L, s), mf__lint_step(L, v));
    }
    mf__free(missing);
    if (w->matching[s] == MF_NO_NODE)
        w->matching[s] = v;
    w->at[v] = w->at[s];
    return 0;
}

/* The step that most likely meant to join foreach (or gang) `s` but lacks
 * .join = true: the last step in show order, not a join, still running in
 * its one branch, when that is not the branch's first step (a body going
 * straight to 'end' needs a join added, not marked). MF_NO_NODE if none. */
static size_t unmarked_join(const struct walk *w, size_t s)
{
    const struct mf_graph *g = w->g;
    for (size_t k = g->norder; k-- > 0;) {
        size_t u = g->order[k];
        if (u != g->end && !g->nodes[u].is_join && !w->at[u].lost && w->at[u].split == s &&
            w->at[u].depth == w->at[s].depth + 1)
            return u == g->nodes[s].out[0] ? MF_NO_NODE : u;
    }
    return MF_NO_NODE;
}

/* Every split still open at the end step, innermost first. */
static void report_unclosed(struct walk *w, size_t v)
{
    struct lint *L = w->L;
    for (size_t s = w->at[v].split; s != MF_NO_NODE; s = w->at[s].split) {
        const struct mf_node *split = &w->g->nodes[s];
        size_t join = MF_NO_NODE;
        if (w->reported[s])
            continue;
        w->reported[s] = true;
        if (split->kind == MF_NODE_FOREACH || mf__gang_width(split->step))
            join = unmarked_join(w, s);
        if (join != MF_NO_NODE && mf__gang_width(split->step))
            mf__lintf(L, "the gang of %s (%d tasks of %s) is never joined: if %s joins it, declare %s with .join = "
                         "true; else add a join step after %s, before 'end'", mf__lint_step(L, s),
                      split->step->num_parallel, mf__lint_step(L, split->out[0]), mf__lint_step(L, join),
                      mf__lint_step(L, join), mf__lint_step(L, join));
        else if (join != MF_NO_NODE)
            mf__lintf(L, "the foreach %s over %s is never joined: if %s joins it, declare %s with .join = true; else "
                         "add a join step after %s, before 'end'", mf__lint_step(L, s),
                      mf__lint_q(L, split->step->foreach), mf__lint_step(L, join), mf__lint_step(L, join),
                      mf__lint_step(L, join));
        else if (mf__gang_width(split->step))
            mf__lintf(L, "the gang of %s (%d tasks of %s) is never joined: add a join step after %s, before 'end'",
                    mf__lint_step(L, s), split->step->num_parallel, mf__lint_step(L, split->out[0]),
                    mf__lint_step(L, split->out[0]));
        else if (split->kind == MF_NODE_FOREACH)
            mf__lintf(L, "the foreach %s over %s is never joined: add a join step after %s, before 'end'",
                    mf__lint_step(L, s), mf__lint_q(L, split->step->foreach), mf__lint_step(L, split->out[0]));
        else
            mf__lintf(L, "the branches of %s (%s) are never joined: add a join step they all lead to, before 'end'",
                    mf__lint_step(L, s), mf__lint_list(L, split->out, split->nout));
    }
}

static bool same_stack(struct stack a, struct stack b)
{
    return a.split == b.split && a.branch == b.branch && a.depth == b.depth;
}

/* Where stack `s` runs, naming the branch: for messages about a switch case
 * that leaves its branch. */
static const char *where_exactly(struct lint *L, struct stack s, char *buf, size_t size)
{
    const struct mf_node *split = s.split == MF_NO_NODE ? NULL : &L->g->nodes[s.split];
    if (!split)
        snprintf(buf, size, "outside any split");
    else if (split->kind == MF_NODE_FOREACH)
        snprintf(buf, size, "in the foreach %s", mf__lint_step(L, s.split));
    else
        snprintf(buf, size, "in the branch %s of %s", mf__lint_step(L, split->out[s.branch]),
                 mf__lint_step(L, s.split));
    return buf;
}

/* The first case of switch `u` that goes to `v`. */
static const char *case_value(struct lint *L, size_t u, size_t v)
{
    const struct mf_node *node = &L->g->nodes[u];
    for (size_t k = 0; k < node->ncases; k++)
        if (node->case_out[k] == v)
            return mf__lint_q(L, node->step->cases[k].value ? node->step->cases[k].value : "");
    return "''";
}

/* Cases that jump to `v` from another split than the one v's other
 * incoming steps (next and foreach edges, all under one stack) share: the
 * task would run in a branch or foreach it was never started in. Returns
 * how many were reported. */
static int report_case_jumps(struct walk *w, size_t v, size_t npreds)
{
    struct lint *L = w->L;
    struct stack home = { MF_NO_NODE, 0, 0, true };
    int reported = 0;
    for (size_t k = 0; k < npreds; k++) {
        struct stack s = carried(w, w->preds[k], v);
        if (mf__graph_is_case_edge(w->g, w->preds[k], v))
            continue;
        if (!home.lost && !same_stack(home, s))
            return 0; /* the other steps disagree already */
        home = s;
    }
    for (size_t k = 0; k < npreds && !home.lost; k++) {
        size_t u = w->preds[k];
        struct stack s = carried(w, u, v);
        char from[2 * MF_LINT_NAME_SHOWN + 32], to[2 * MF_LINT_NAME_SHOWN + 32];
        if (!mf__graph_is_case_edge(w->g, u, v) || same_stack(s, home))
            continue;
        mf__lintf(L, "switch step %s jumps into another split: it runs %s, but its case %s goes to %s, which runs %s; "
                     "a case must stay in its own branch or foreach: go to a step of the same one, or join it first",
                  mf__lint_step(L, u), where_exactly(L, s, from, sizeof(from)), case_value(L, u, v),
                  mf__lint_step(L, v), where_exactly(L, home, to, sizeof(to)));
        reported++;
    }
    return reported;
}

/* Several incoming steps to a step that is not a join arrive under
 * different stacks. Said once, as the most likely mistake: a case jumping
 * across splits; the branches of one split meeting without a join; or the
 * paths of a switch meeting with a split opened on one of them left open. */
static void report_merge(struct walk *w, size_t v, size_t npreds)
{
    struct lint *L = w->L;
    struct stack first = carried(w, w->preds[0], v);
    size_t other = 0; /* an incoming step under another split than the first */
    bool one_split = true;
    if (report_case_jumps(w, v, npreds))
        return;
    for (size_t k = 1; k < npreds; k++) {
        struct stack s = carried(w, w->preds[k], v);
        if (s.split != first.split || s.depth != first.depth) {
            one_split = false;
            other = other ? other : k;
        }
    }
    if (one_split || !mf__switch_reaches_all(w->g, w->preds, npreds))
        mf__lint_not_a_join(L, v, w->preds, npreds);
    else
        mf__lintf(L, "the paths of a switch meet at %s under different splits (from %s and %s): join the branch or "
                     "foreach opened on one path before they meet", mf__lint_step(L, v),
                  mf__lint_step(L, w->preds[0]), mf__lint_step(L, w->preds[other]));
}

/*
 * Several incoming steps to a step that is not a join. They are the
 * alternatives of a switch (its cases, or paths after them, meeting again)
 * exactly when they hand over the same stack: two paths under one stack
 * parted at a switch, since a split would have given them different
 * frames. Otherwise parallel paths meet, which only a join may do. Without
 * a switch in the graph that was reported before the walk.
 */
static void walk_merge(struct walk *w, size_t v, size_t npreds)
{
    struct stack first = carried(w, w->preds[0], v);
    bool same = !first.lost;
    for (size_t k = 1; k < npreds && same; k++) {
        struct stack s = carried(w, w->preds[k], v);
        same = !s.lost && same_stack(s, first);
        if (s.lost)
            first.lost = true;
    }
    if (same) {
        w->at[v] = first;
        return;
    }
    w->at[v].lost = true;
    if (!first.lost && w->has_switch)
        report_merge(w, v, npreds);
}

static int walk_step(struct walk *w, size_t v)
{
    const struct mf_graph *g = w->g;
    size_t npreds = mf__lint_live_preds(g, v, w->preds);
    int rc = 0;
    if (v == g->start) {
        w->at[v] = (struct stack){ MF_NO_NODE, 0, 0, false };
        return 0;
    }
    if (g->nodes[v].is_join && v != g->end)
        rc = walk_join(w, v, npreds);
    else if (npreds == 1)
        w->at[v] = carried(w, w->preds[0], v);
    else
        walk_merge(w, v, npreds);
    if (!rc && v == g->end && !w->at[v].lost)
        report_unclosed(w, v);
    return rc;
}

/* Runs the walk into w->L (which reports or only counts); w->at is then
 * each step's stack. */
static int walk_all(struct walk *w, size_t *matching_join)
{
    const struct mf_graph *g = w->g;
    int rc = 0;
    for (size_t i = 0; i < g->n; i++)
        matching_join[i] = MF_NO_NODE;
    w->matching = matching_join;
    w->has_switch = mf__lint_has_switch(g);
    w->at = mf__calloc(g->n, sizeof(*w->at));
    w->reported = mf__calloc(g->n, sizeof(*w->reported));
    w->preds = mf__calloc(g->n, sizeof(*w->preds));
    if (!w->at || !w->reported || !w->preds)
        return MF_ENOMEM;
    for (size_t k = 0; k < g->norder && !rc; k++)
        rc = walk_step(w, g->order[k]);
    return rc;
}

static void walk_release(struct walk *w)
{
    mf__free(w->at);
    mf__free(w->reported);
    mf__free(w->preds);
}

int mf__graph_splits(const struct mf_graph *g, size_t *matching_join, struct mf_buf *report)
{
    struct lint L;
    struct walk w = { .L = &L, .g = g };
    int rc = 0;
    for (size_t i = 0; i < g->n; i++)
        matching_join[i] = MF_NO_NODE;
    if (!mf__lint_sound(g))
        return 0;
    mf__lint_init(&L, g, report);
    rc = walk_all(&w, matching_join);
    walk_release(&w);
    mf__lint_release(&L);
    if (!rc)
        rc = L.rc;
    return rc < 0 ? rc : L.problems;
}

/* ------------------------------------------------------------------ */
/* Loops                                                              */
/* ------------------------------------------------------------------ */

/* A split and the join that closes it must lie in the same loop (or both
 * outside loops): a join in a loop closing a split made before the loop
 * would wait for inputs of an earlier pass, and a split made in a loop but
 * joined after it would be joined once for many passes. */
static void lint_loop_joins(struct lint *L, const size_t *matching)
{
    const struct mf_graph *g = L->g;
    for (size_t s = 0; s < g->n && !L->rc; s++) {
        size_t j = matching[s];
        if (j == MF_NO_NODE || (!g->nodes[s].in_loop && !g->nodes[j].in_loop))
            continue;
        if (mf__graph_reaches(g, s, j) && mf__graph_reaches(g, j, s))
            continue; /* the same loop */
        if (g->nodes[j].in_loop && !mf__graph_reaches(g, j, s))
            mf__lintf(L, "join %s is inside a loop but closes %s, which splits before the loop: join the split "
                         "before the loop starts, or start the loop before %s", mf__lint_step(L, j),
                      mf__lint_step(L, s), mf__lint_step(L, s));
        else
            mf__lintf(L, "%s %s inside a loop but is joined by %s after the loop: join it inside the loop, before "
                         "the switch that goes back", mf__lint_step(L, s),
                      g->nodes[s].kind == MF_NODE_FOREACH ? "fans out" : "splits", mf__lint_step(L, j));
    }
}

int mf__lint_loop_joins(const struct mf_graph *g, const size_t *matching, struct mf_buf *report)
{
    struct lint L;
    mf__lint_init(&L, g, report);
    lint_loop_joins(&L, matching);
    mf__lint_release(&L);
    return L.rc ? L.rc : L.problems;
}

/* A case going back (a loop's back edge) hands the step it goes back to
 * the stack of the switch: it must be the stack that step runs under, or
 * each pass would leave a split open, or close one it never opened. This
 * also catches what the split/join pairs do not, e.g. a case going back
 * from one branch while another loop goes round the whole split. */
static void lint_back_edges(struct walk *w)
{
    const struct mf_graph *g = w->g;
    for (size_t k = 0; k < g->norder; k++) {
        size_t u = g->order[k];
        const struct mf_node *node = &g->nodes[u];
        for (size_t c = 0; c < node->ncases && node->kind == MF_NODE_SWITCH; c++) {
            size_t v = node->case_out[c];
            char from[2 * MF_LINT_NAME_SHOWN + 32], to[2 * MF_LINT_NAME_SHOWN + 32];
            if (v == MF_NO_NODE || g->nodes[v].order > k || w->at[u].lost || w->at[v].lost ||
                same_stack(w->at[u], w->at[v]))
                continue;
            mf__lintf(w->L, "switch step %s goes back across a split: it runs %s, but its case %s goes back to %s, "
                            "which runs %s; a loop must start and end in the same branch or foreach: go back to a "
                            "step of the same one, or join it before the switch", mf__lint_step(w->L, u),
                      where_exactly(w->L, w->at[u], from, sizeof(from)),
                      mf__lint_q(w->L, node->step->cases[c].value ? node->step->cases[c].value : ""),
                      mf__lint_step(w->L, v), where_exactly(w->L, w->at[v], to, sizeof(to)));
        }
    }
}

int mf__lint_splits(struct lint *L, size_t *matching_join)
{
    const struct mf_graph *g = L->g;
    struct walk w = { .L = L, .g = g };
    int before = L->problems, rc = 0;
    for (size_t i = 0; i < g->n; i++)
        matching_join[i] = MF_NO_NODE;
    if (!mf__lint_sound(g))
        return 0;
    rc = walk_all(&w, matching_join);
    if (!rc && !L->rc && L->problems == before) { /* balanced: now splits against loops */
        lint_loop_joins(L, matching_join);
        if (L->problems == before)
            lint_back_edges(&w);
    }
    walk_release(&w);
    return rc ? rc : L->rc;
}
