/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lint_switch.c - the linter's rules for switches and the loops they make:
 * a switch names its condition and at least one case; case values are
 * non-empty and distinct; every case names a step that exists; a switch has
 * no next or foreach of its own. Cycles, reachability and the meeting of a
 * switch's paths are checked by lint.c with switch edges taken into account.
 */
#include <stdarg.h>
#include <string.h>

#include "graph.h"
#include "util/alloc.h"

static int add(struct mf_buf *report, int *problems, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int add(struct mf_buf *report, int *problems, const char *fmt, ...)
{
    va_list ap;
    int rc = 0;
    (*problems)++;
    if (!report)
        return 0;
    va_start(ap, fmt);
    rc = mf__buf_vaddf(report, fmt, ap) || mf__buf_addch(report, '\n') ? MF_ENOMEM : 0;
    va_end(ap);
    return rc;
}

static int lint_cases(const struct mf_node *node, struct mf_buf *report, int *problems)
{
    const mf_step *s = node->step;
    const char *name = node->name;
    int rc = 0;
    for (size_t i = 0; i < node->ncases && !rc; i++) {
        const mf_case *c = &s->cases[i];
        if (!c->value || !*c->value) {
            rc = add(report, problems, "switch step '%s' has a case with no value (case %zu): give every case a "
                                       "non-empty value", name, i + 1);
            continue;
        }
        for (size_t j = 0; j < i && !rc; j++)
            if (s->cases[j].value && !strcmp(s->cases[j].value, c->value))
                rc = add(report, problems, "switch step '%s' has two cases for the value '%s': give each value "
                                           "one case", name, c->value);
        if (rc)
            break;
        if (!c->step || !*c->step)
            rc = add(report, problems, "switch step '%s': case '%s' names no step: set the step it goes to", name,
                     c->value);
        else if (node->case_out[i] == MF_NO_NODE)
            rc = add(report, problems, "switch step '%s': case '%s' goes to '%s', which is not a step of the flow: "
                                       "declare a step '%s' or fix the case", name, c->value, c->step, c->step);
    }
    return rc;
}

static int lint_one(const struct mf_node *node, struct mf_buf *report, int *problems)
{
    const mf_step *s = node->step;
    const char *name = node->name;
    int rc = 0;
    if (!s->switch_on || !*s->switch_on)
        rc = add(report, problems, "switch step '%s' has cases but no condition: set .switch_on to the str "
                                   "artifact whose value picks the case", name);
    else if (node->ncases == 0)
        rc = add(report, problems, "switch step '%s' switches on '%s' but has no cases: add {value, step} pairs "
                                   "to .cases", name, s->switch_on);
    if (!rc && mf__step_nnext(s) > 0)
        rc = add(report, problems, "switch step '%s' also has a next step '%s': a switch goes where its cases say; "
                                   "remove .next or the switch", name, s->next[0]);
    if (!rc && s->foreach)
        rc = add(report, problems, "switch step '%s' also fans out over '%s': a step cannot do both; add a step "
                                   "after the switch that fans out", name, s->foreach);
    if (!rc && s->join)
        rc = add(report, problems, "switch step '%s' is also a join: a step cannot do both; add a join step "
                                   "before the switch", name);
    if (!rc)
        rc = lint_cases(node, report, problems);
    return rc;
}

int mf__lint_switches(const struct mf_graph *g, struct mf_buf *report)
{
    int problems = 0;
    for (size_t i = 0; i < g->n; i++)
        if (g->nodes[i].kind == MF_NODE_SWITCH) {
            int rc = lint_one(&g->nodes[i], report, &problems);
            if (rc)
                return rc;
        }
    return problems;
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

/* A split and the join that closes it must lie in the same loop (or both
 * outside loops): a join in a loop closing a split made before the loop
 * would wait for inputs of an earlier pass, and a split made in a loop but
 * joined after it would be joined once for many passes. */
int mf__lint_loop_joins(const struct mf_graph *g, const size_t *matching, struct mf_buf *report)
{
    int problems = 0, rc = 0;
    for (size_t s = 0; s < g->n && !rc; s++) {
        size_t j = matching[s];
        if (j == MF_NO_NODE || (!g->nodes[s].in_loop && !g->nodes[j].in_loop))
            continue;
        if (mf__graph_reaches(g, s, j) && mf__graph_reaches(g, j, s))
            continue; /* the same loop */
        if (g->nodes[j].in_loop && !mf__graph_reaches(g, j, s))
            rc = add(report, &problems, "join '%s' is inside a loop but closes '%s', which splits before the loop: "
                                        "join the split before the loop starts, or start the loop before '%s'",
                     g->nodes[j].name, g->nodes[s].name, g->nodes[s].name);
        else
            rc = add(report, &problems, "'%s' %s inside a loop but is joined by '%s' after the loop: join it "
                                        "inside the loop, before the switch that goes back",
                     g->nodes[s].name, g->nodes[s].kind == MF_NODE_FOREACH ? "fans out" : "splits",
                     g->nodes[j].name);
    }
    return rc ? rc : problems;
}
