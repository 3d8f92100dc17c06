/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lint_switch.c - the linter's rules for a switch step on its own: it names
 * its condition and two cases or more; case values are non-empty and
 * distinct; every case names a step that exists; a switch has no next,
 * foreach or join of its own. Cycles and reachability (lint.c), and where
 * a switch's paths meet or loop back (lint_splits.c) are checked with the
 * switch edges taken into account.
 */
#include <string.h>

#include "lint_impl.h"
#include "util/alloc.h"

static const char *value_of(const mf_case *c) { return c->value ? c->value : ""; }

/* A case names a declared step. It may go straight to a join, unlike in Metaflow (its "ambiguous
 * join" rule): the runtime joins by the split a task runs under, not by
 * the step it comes from, so the switch's task is that branch's input. */
static void lint_case_target(struct lint *L, size_t i, size_t k)
{
    const struct mf_node *node = &L->g->nodes[i];
    const mf_case *c = &node->step->cases[k];
    size_t to = node->case_out[k];
    if (!c->step || !*c->step)
        mf__lintf(L, "switch step %s: case %s names no step: set the step it goes to", mf__lint_step(L, i),
                  mf__lint_q(L, value_of(c)));
    else if (to == MF_NO_NODE)
        mf__lintf(L, "switch step %s: case %s goes to %s, which is not a step of the flow: declare a step %s or fix "
                     "the case", mf__lint_step(L, i), mf__lint_q(L, value_of(c)), mf__lint_q(L, c->step),
                  mf__lint_q(L, c->step));
}

static void lint_cases(struct lint *L, size_t i)
{
    const struct mf_node *node = &L->g->nodes[i];
    const mf_step *s = node->step;
    for (size_t k = 0; k < node->ncases; k++) {
        const mf_case *c = &s->cases[k];
        bool dup = false;
        if (!c->value || !*c->value) {
            mf__lintf(L, "switch step %s has a case with no value (case %zu): give every case a non-empty value",
                      mf__lint_step(L, i), k + 1);
            continue;
        }
        for (size_t j = 0; j < k && !dup; j++)
            dup = s->cases[j].value && !strcmp(s->cases[j].value, c->value);
        if (dup)
            mf__lintf(L, "switch step %s has two cases for the value %s: give each value one case",
                      mf__lint_step(L, i), mf__lint_q(L, c->value));
        else
            lint_case_target(L, i, k);
    }
}

/* What the step declares besides its cases. Metaflow asks for two cases at
 * least: a switch of one case would fail on every other value. */
static void lint_one(struct lint *L, size_t i)
{
    const struct mf_node *node = &L->g->nodes[i];
    const mf_step *s = node->step;
    if (!s->switch_on || !*s->switch_on)
        mf__lintf(L, "switch step %s has cases but no condition: set .switch_on to the str artifact whose value "
                     "picks the case", mf__lint_step(L, i));
    else if (node->ncases == 0)
        mf__lintf(L, "switch step %s switches on %s but has no cases: add {value, step} pairs to .cases",
                  mf__lint_step(L, i), mf__lint_q(L, s->switch_on));
    else if (node->ncases == 1)
        mf__lintf(L, "switch step %s has only one case: add a case for each other value of %s, or use .next",
                  mf__lint_step(L, i), mf__lint_q(L, s->switch_on));
    if (mf__step_nnext(s) > 0)
        mf__lintf(L, "switch step %s also has a next step %s: a switch goes where its cases say; remove .next or "
                     "the switch", mf__lint_step(L, i), mf__lint_q(L, s->next[0]));
    if (s->foreach)
        mf__lintf(L, "switch step %s also fans out over %s: a step cannot do both; add a step after the switch that "
                     "fans out", mf__lint_step(L, i), mf__lint_q(L, s->foreach));
    if (s->join)
        mf__lintf(L, "switch step %s is also a join: a step cannot do both; add a join step before the switch",
                  mf__lint_step(L, i));
    lint_cases(L, i);
}

int mf__lint_switches(const struct mf_graph *g, struct mf_buf *report)
{
    struct lint L;
    mf__lint_init(&L, g, report);
    for (size_t i = 0; i < g->n; i++)
        if (g->nodes[i].kind == MF_NODE_SWITCH)
            lint_one(&L, i);
    mf__lint_release(&L);
    return L.rc ? L.rc : L.problems;
}

bool mf__switch_reaches_all(const struct mf_graph *g, const size_t *preds, size_t npreds)
{
    /* Some switch from which every pred is reachable (or is the switch):
     * the preds are then alternatives, not parallel paths - unless a split
     * lies between, which the split walk catches (different stacks). */
    for (size_t s = 0; s < g->n; s++) {
        if (g->nodes[s].kind != MF_NODE_SWITCH)
            continue;
        size_t found = 0;
        for (size_t k = 0; k < npreds; k++)
            found += preds[k] == s || mf__graph_reaches(g, s, preds[k]);
        if (found == npreds)
            return true;
    }
    return false;
}

bool mf__graph_reaches(const struct mf_graph *g, size_t from, size_t to)
{
    bool *seen = mf__calloc(g->n, sizeof(*seen));
    size_t *stack = mf__calloc(g->n, sizeof(*stack));
    size_t sp = 0;
    bool hit = false;
    if (!seen || !stack)
        goto out;
    stack[sp++] = from;
    seen[from] = true;
    while (sp && !hit) {
        size_t u = stack[--sp];
        for (size_t k = 0; k < g->nodes[u].nout; k++) {
            size_t v = g->nodes[u].out[k];
            hit |= v == to;
            if (!seen[v])
                seen[v] = true, stack[sp++] = v;
        }
    }
out:
    mf__free(seen);
    mf__free(stack);
    return hit;
}
