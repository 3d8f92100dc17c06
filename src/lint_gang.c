/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lint_gang.c - the linter's rules for gangs (mf_step.num_parallel,
 * Metaflow's @parallel): the width is 1 or more; the step that starts a gang
 * has exactly one next step, the gang step, and is not also a foreach, a
 * switch or a join; the gang step goes straight to a join (which sees the N
 * tasks), is reached from nothing else, does not catch failures (a gang
 * succeeds or fails as a whole) and is not memoised. A gang split is a foreach of a declared
 * width to the graph, so where its join is and that it has one is checked by
 * the split walk (lint_splits.c) with every other split.
 */
#include <string.h>

#include "lint_impl.h"

/* What the step that starts the gang declares besides .num_parallel. */
static void lint_gang_split(struct lint *L, size_t i)
{
    const mf_step *s = L->g->nodes[i].step;
    size_t nnext = mf__step_nnext(s);
    if (s->name && !strcmp(s->name, "end")) {
        mf__lintf(L, "step 'end' has .num_parallel = %d: the end step cannot start a gang; remove it",
                  s->num_parallel);
        return;
    }
    if (s->foreach)
        mf__lintf(L, "step %s sets both .foreach and .num_parallel: a step fans out over a list or starts a gang, "
                     "not both; keep one", mf__lint_step(L, i));
    if (L->g->nodes[i].kind == MF_NODE_SWITCH)
        mf__lintf(L, "switch step %s has .num_parallel = %d: a switch cannot start a gang; start it from a step "
                     "the switch goes to", mf__lint_step(L, i), s->num_parallel);
    else if (nnext > 1)
        mf__lintf(L, "step %s starts a gang (.num_parallel = %d) but has %zu next steps: it has exactly one, the "
                     "gang step run as %d tasks; keep one", mf__lint_step(L, i), s->num_parallel, nnext,
                  s->num_parallel);
    if (s->join && i != L->g->start)
        mf__lintf(L, "step %s is a join and also starts a gang: a step cannot do both; add a step after %s that "
                     "starts it", mf__lint_step(L, i), mf__lint_step(L, i));
}

/* The gang step `v`, started by `from`: one join after it, no other way in, no catch. */
static void lint_gang_step(struct lint *L, size_t from, size_t v)
{
    const struct mf_graph *g = L->g;
    const struct mf_node *node = &g->nodes[v];
    int n = g->nodes[from].step->num_parallel;
    if (node->is_join || v == g->end)
        return; /* "fans out straight into the join" (lint.c) */
    if (node->kind != MF_NODE_LINEAR)
        mf__lintf(L, "the gang step %s (started by %s with .num_parallel = %d) %s: a gang step goes to one join "
                     "step, which sees its tasks; move the %s to the join or after it", mf__lint_step(L, v),
                  mf__lint_step(L, from), n,
                  node->kind == MF_NODE_SWITCH ? "is a switch" : node->kind == MF_NODE_SPLIT ? "splits" : "fans out",
                  node->kind == MF_NODE_SWITCH ? "switch" : "split");
    else if (node->nout == 1 && !g->nodes[node->out[0]].is_join && node->out[0] != g->end) /* 'end': never joined */
        mf__lintf(L, "the gang step %s (started by %s with .num_parallel = %d) goes to %s, which is not a join: "
                     "the step after a gang step is a join that sees its %d tasks; set %s.join = true, or add a "
                     "join step after %s", mf__lint_step(L, v), mf__lint_step(L, from), n,
                  mf__lint_step(L, node->out[0]), n, mf__lint_step(L, node->out[0]),
                  mf__lint_step(L, v));
    if (node->step->catch_var)
        mf__lintf(L, "the gang step %s catches failures in %s: a gang succeeds or fails as a whole, so one task's "
                     "failure cannot be caught; remove .catch_var (.retries run the whole gang again)",
                  mf__lint_step(L, v), mf__lint_q(L, node->step->catch_var));
    if (node->step->memoize) /* its ranks talk to each other: reusing one without the others means nothing */
        mf__lintf(L, "the gang step %s (started by %s with .num_parallel = %d) sets .memoize: a gang's tasks run "
                     "together and are never memoised; remove .memoize (memoise the step before or after it)",
                  mf__lint_step(L, v), mf__lint_step(L, from), n);
    for (size_t k = 0; k < node->nin; k++)
        if (node->in[k] != from)
            mf__lintf(L, "step %s goes to %s, the gang step of %s: a gang step is run only by the step that starts "
                         "the gang; go to another step", mf__lint_step(L, node->in[k]), mf__lint_step(L, v),
                      mf__lint_step(L, from));
}

int mf__lint_gangs(const struct mf_graph *g, struct mf_buf *report)
{
    struct lint L;
    mf__lint_init(&L, g, report);
    for (size_t i = 0; i < g->n; i++) {
        const mf_step *s = g->nodes[i].step;
        if (s->num_parallel < 0)
            mf__lintf(&L, "step %s has .num_parallel = %d: a gang has 1 task or more; set how many, or 0 (the "
                          "default) for no gang", mf__lint_step(&L, i), s->num_parallel);
        if (s->num_parallel <= 0)
            continue;
        lint_gang_split(&L, i);
        if (mf__gang_width(s) && g->nodes[i].kind == MF_NODE_FOREACH && g->nodes[i].nout == 1)
            lint_gang_step(&L, i, g->nodes[i].out[0]);
    }
    mf__lint_release(&L);
    return L.rc ? L.rc : L.problems;
}
