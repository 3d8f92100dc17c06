/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_graph.c - building the graph from a step table (kinds, edges, lookups,
 * show order, each split's join) and its pictures: `show` text and DOT.
 */
#include "check.h"
#include "graph.h"
#include "report.h"
#include "util/alloc.h"

#define COUNT(arr) (sizeof(arr) / sizeof((arr)[0]))

static struct mf_graph *build_flow(const mf_flow *flow)
{
    struct mf_graph *g = NULL;
    struct mf_err err = MF_ERR_INIT;
    int rc = mf__graph_build(flow, &g, &err);
    if (rc)
        fprintf(stderr, "build: %s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
    CHECK(g);
    return g;
}

#define BUILD(arr) build_flow(&(mf_flow){ .name = "TestFlow", .steps = (arr), .nsteps = COUNT(arr) })

/* The step names in show order, space separated, into `buf`. */
static const char *order_of(const struct mf_graph *g, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < g->n; k++) {
        int n = snprintf(buf + used, size - used, "%s%s", k ? " " : "", g->nodes[g->order[k]].name);
        CHECK(n > 0 && (size_t)n < size - used);
        used += (size_t)n;
        CHECK_EQ_INT(g->nodes[g->order[k]].order, k);
    }
    return buf;
}

static const char *join_of(const struct mf_graph *g, const char *split)
{
    size_t s = mf__graph_find(g, split);
    CHECK(s != MF_NO_NODE);
    return g->nodes[s].matching_join == MF_NO_NODE ? "(none)" : g->nodes[g->nodes[s].matching_join].name;
}

/* What a report function printed, as a heap string. */
static char *capture(int (*fn)(const struct mf_graph *, FILE *), const struct mf_graph *g)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CHECK(f);
    CHECK_EQ_INT(fn(g, f), 0);
    CHECK_EQ_INT(fclose(f), 0);
    return text;
}

static const mf_step branch_steps[] = {
    { .name = "start", .doc = "Split into two parallel branches.", .next = { "a", "b" } },
    { .name = "a", .doc = "Set x in branch a.", .next = { "join" } },
    { .name = "b", .doc = "Set x in branch b.", .next = { "join" } },
    { .name = "join", .doc = "Read x from each branch and sum them.", .next = { "end" }, .join = true },
    { .name = "end", .doc = "Nothing left to do." },
};

static const mf_step foreach_steps[] = {
    { .name = "start", .doc = "Make the list of titles.", .next = { "a" }, .foreach = "titles" },
    { .name = "a", .doc = "Process one title.", .next = { "join" } },
    { .name = "join", .doc = "Collect the titles.", .next = { "end" }, .join = true },
    { .name = "end" },
};

/* ------------------------------------------------------------------ */
/* Building                                                           */
/* ------------------------------------------------------------------ */

TEST(build_refuses_an_empty_table)
{
    struct mf_graph *g = (struct mf_graph *)1;
    struct mf_err err = MF_ERR_INIT;
    mf_flow flow = { .name = "Empty", .steps = NULL, .nsteps = 0 };
    CHECK_EQ_INT(mf__graph_build(&flow, &g, &err), MF_EGRAPH);
    CHECK(g == NULL);
    CHECK_CONTAINS(err.msg, "flow 'Empty' declares no steps");
    CHECK_EQ_INT(mf__graph_build(NULL, &g, &err), MF_EGRAPH);
    mf__graph_free(NULL);
}

TEST(build_kinds_and_edges)
{
    struct mf_graph *g = BUILD(branch_steps);
    CHECK_EQ_INT(g->n, 5);
    CHECK_EQ_INT(g->start, 0);
    CHECK_EQ_INT(g->end, 4);
    CHECK_EQ_INT(g->nodes[0].kind, MF_NODE_SPLIT);
    CHECK_EQ_INT(g->nodes[1].kind, MF_NODE_LINEAR);
    CHECK_EQ_INT(g->nodes[3].kind, MF_NODE_LINEAR);
    CHECK(g->nodes[3].is_join);
    CHECK(!g->nodes[1].is_join);
    CHECK_EQ_INT(g->nodes[4].kind, MF_NODE_END);
    CHECK_EQ_INT(g->nodes[0].nout, 2);
    CHECK_EQ_INT(g->nodes[0].out[0], 1);
    CHECK_EQ_INT(g->nodes[0].out[1], 2);
    CHECK_EQ_INT(g->nodes[3].nin, 2);
    CHECK_EQ_INT(g->nodes[3].in[0], 1);
    CHECK_EQ_INT(g->nodes[3].in[1], 2);
    CHECK_EQ_INT(g->nodes[0].nin, 0);
    CHECK_EQ_STR(g->nodes[2].name, "b");
    CHECK(g->nodes[2].step == &branch_steps[2]);
    mf__graph_free(g);

    g = BUILD(foreach_steps);
    CHECK_EQ_INT(g->nodes[0].kind, MF_NODE_FOREACH);
    CHECK_EQ_INT(g->nodes[0].nout, 1);
    mf__graph_free(g);
}

TEST(build_find)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "zeta" } }, { .name = "zeta", .next = { "end" } },
        { .name = "alpha" },                     { .name = NULL },
        { .name = "zeta" },                      { .name = "end" },
    };
    struct mf_graph *g = BUILD(steps);
    CHECK_EQ_INT(mf__graph_find(g, "start"), 0);
    CHECK_EQ_INT(mf__graph_find(g, "zeta"), 1); /* the first of a duplicate */
    CHECK_EQ_INT(mf__graph_find(g, "alpha"), 2);
    CHECK_EQ_INT(mf__graph_find(g, "end"), 5);
    CHECK_EQ_INT(mf__graph_find(g, "nope"), MF_NO_NODE);
    CHECK_EQ_INT(mf__graph_find(g, ""), MF_NO_NODE);
    CHECK_EQ_INT(mf__graph_find(g, NULL), MF_NO_NODE);
    CHECK_EQ_STR(g->nodes[3].name, "");
    CHECK_EQ_INT(g->nodes[4].nin, 0); /* edges go to the first 'zeta' */
    mf__graph_free(g);
}

TEST(build_keeps_dangling_edges_aside)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "ghost", "a" } },
        { .name = "a", .next = { "end" } },
        { .name = "end" },
    };
    struct mf_graph *g = BUILD(steps);
    CHECK_EQ_INT(g->nodes[0].kind, MF_NODE_SPLIT);
    CHECK_EQ_INT(g->nodes[0].nout, 1); /* the missing one left out, the repeat once */
    CHECK_EQ_INT(g->nodes[1].nin, 1);
    CHECK_EQ_INT(mf__step_nnext(&steps[0]), 3);
    mf__graph_free(g);
}

TEST(nnext_stops_at_the_array_end)
{
    mf_step step = { .name = "wide" };
    for (size_t i = 0; i < MF_MAX_NEXT; i++)
        step.next[i] = "x";
    CHECK_EQ_INT(mf__step_nnext(&step), MF_MAX_NEXT);
    step.next[3] = NULL;
    CHECK_EQ_INT(mf__step_nnext(&step), 3);
}

/* ------------------------------------------------------------------ */
/* Show order and joins                                               */
/* ------------------------------------------------------------------ */

TEST(order_branch)
{
    char buf[256];
    struct mf_graph *g = BUILD(branch_steps);
    CHECK_EQ_STR(order_of(g, buf, sizeof(buf)), "start a b join end");
    CHECK_EQ_INT(g->norder, 5);
    CHECK_EQ_STR(join_of(g, "start"), "join");
    CHECK_EQ_STR(join_of(g, "a"), "(none)");
    mf__graph_free(g);
}

/* Metaflow lists a step after the last path that reaches it: a branch's
 * steps come before the join whatever the table order. */
TEST(order_follows_paths_not_the_table)
{
    static const mf_step steps[] = {
        { .name = "end" },
        { .name = "join", .next = { "end" }, .join = true },
        { .name = "b2", .next = { "join" } },
        { .name = "b", .next = { "b2" } },
        { .name = "a", .next = { "join" } },
        { .name = "start", .next = { "a", "b" } },
    };
    char buf[256];
    struct mf_graph *g = BUILD(steps);
    CHECK_EQ_STR(order_of(g, buf, sizeof(buf)), "start a b b2 join end");
    CHECK_EQ_STR(join_of(g, "start"), "join");
    mf__graph_free(g);
}

TEST(order_nested_and_joins)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "outer" }, .foreach = "xs" },
        { .name = "outer", .next = { "fork" }, .foreach = "ys" },
        { .name = "fork", .next = { "left", "right" } },
        { .name = "left", .next = { "fork_join" } },
        { .name = "right", .next = { "fork_join" } },
        { .name = "fork_join", .next = { "outer_join" }, .join = true },
        { .name = "outer_join", .next = { "split" }, .join = true },
        { .name = "split", .next = { "p", "q" } },
        { .name = "p", .next = { "p_item" }, .foreach = "items" },
        { .name = "p_item", .next = { "p_join" } },
        { .name = "p_join", .next = { "final" }, .join = true },
        { .name = "q", .next = { "final" } },
        { .name = "final", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    char buf[512];
    struct mf_graph *g = BUILD(steps);
    CHECK_EQ_STR(order_of(g, buf, sizeof(buf)),
                 "start outer fork left right fork_join outer_join split p p_item p_join q final end");
    CHECK_EQ_STR(join_of(g, "fork"), "fork_join");
    CHECK_EQ_STR(join_of(g, "outer"), "outer_join");
    CHECK_EQ_STR(join_of(g, "split"), "final");
    CHECK_EQ_STR(join_of(g, "p"), "p_join");
    CHECK_EQ_STR(join_of(g, "start"), "(none)"); /* nothing closes the outer foreach: lint says so */
    mf__graph_free(g);
}

TEST(order_puts_unreachable_steps_last)
{
    static const mf_step steps[] = {
        { .name = "orphan", .next = { "end" } },
        { .name = "start", .next = { "end" } },
        { .name = "loner" },
        { .name = "end" },
    };
    char buf[256];
    struct mf_graph *g = BUILD(steps);
    CHECK_EQ_STR(order_of(g, buf, sizeof(buf)), "start end orphan loner");
    CHECK_EQ_INT(g->norder, 2);
    mf__graph_free(g);
}

TEST(order_without_start)
{
    static const mf_step steps[] = { { .name = "b", .next = { "a" } }, { .name = "a", .next = { "b" } } };
    char buf[256];
    struct mf_graph *g = BUILD(steps);
    CHECK_EQ_INT(g->start, MF_NO_NODE);
    CHECK_EQ_INT(g->end, MF_NO_NODE);
    CHECK_EQ_INT(g->norder, 0);
    CHECK_EQ_STR(order_of(g, buf, sizeof(buf)), "b a");
    mf__graph_free(g);
}

TEST(order_with_a_cycle_terminates)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" } },
        { .name = "a", .next = { "b" } },
        { .name = "b", .next = { "a", "end" } },
        { .name = "end" },
    };
    char buf[256];
    struct mf_graph *g = BUILD(steps);
    CHECK_EQ_STR(order_of(g, buf, sizeof(buf)), "start a b end");
    CHECK_EQ_STR(join_of(g, "b"), "(none)");
    mf__graph_free(g);
}

/* A long linear flow: no recursion depth problem, order is the chain. */
TEST(order_long_chain)
{
    enum { N = 20000 };
    mf_step *steps = mf__calloc(N, sizeof(*steps));
    char(*names)[16] = mf__calloc(N, sizeof(*names));
    CHECK(steps && names);
    for (size_t i = 0; i < N; i++) {
        if (i == 0)
            snprintf(names[i], sizeof(names[i]), "start");
        else if (i == N - 1)
            snprintf(names[i], sizeof(names[i]), "end");
        else
            snprintf(names[i], sizeof(names[i]), "s%zu", i);
        steps[i].name = names[i];
    }
    for (size_t i = 0; i + 1 < N; i++)
        steps[i].next[0] = names[i + 1];
    mf_flow flow = { .name = "Long", .steps = steps, .nsteps = N };
    struct mf_graph *g = build_flow(&flow);
    CHECK_EQ_INT(g->norder, N);
    for (size_t k = 0; k < N; k++)
        CHECK_EQ_INT(g->order[k], k);
    struct mf_buf report = MF_BUF_INIT;
    CHECK_EQ_INT(mf__graph_lint(g, &report), 0);
    mf__buf_release(&report);
    mf__graph_free(g);
    mf__free(steps);
    mf__free(names);
}

/* ------------------------------------------------------------------ */
/* show                                                               */
/* ------------------------------------------------------------------ */

TEST(show_branch)
{
    struct mf_graph *g = build_flow(&(mf_flow){ .name = "BranchFlow", .doc = "A flow with a branch.",
                                                .steps = branch_steps, .nsteps = COUNT(branch_steps) });
    char *text = capture(mf__report_show, g);
    CHECK_EQ_STR(text, "\n"
                       "A flow with a branch.\n"
                       "\n"
                       "Step start\n"
                       "    Split into two parallel branches.\n"
                       "    => a, b\n"
                       "\n"
                       "Step a\n"
                       "    Set x in branch a.\n"
                       "    => join\n"
                       "\n"
                       "Step b\n"
                       "    Set x in branch b.\n"
                       "    => join\n"
                       "\n"
                       "Step join (join)\n"
                       "    Read x from each branch and sum them.\n"
                       "    => end\n"
                       "\n"
                       "Step end\n"
                       "    Nothing left to do.\n"
                       "\n");
    free(text);
    mf__graph_free(g);
}

TEST(show_foreach_multiline_doc_and_no_doc)
{
    static const mf_step steps[] = {
        { .name = "start", .doc = "First line.\n\nThird line.", .next = { "a" }, .foreach = "titles" },
        { .name = "a", .next = { "join" } },
        { .name = "join", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    struct mf_graph *g = BUILD(steps);
    char *text = capture(mf__report_show, g);
    CHECK_EQ_STR(text, "\n"
                       "\n"
                       "\n"
                       "Step start\n"
                       "    First line.\n"
                       "\n"
                       "    Third line.\n"
                       "    => a (foreach over titles)\n"
                       "\n"
                       "Step a\n"
                       "    ?\n"
                       "    => join\n"
                       "\n"
                       "Step join (join)\n"
                       "    ?\n"
                       "    => end\n"
                       "\n"
                       "Step end\n"
                       "    ?\n"
                       "\n");
    free(text);
    mf__graph_free(g);
}

TEST(show_invalid_graph_as_declared)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "ghost" } },
        { .name = "a" },
        { .name = NULL, .next = { "a" } },
    };
    struct mf_graph *g = BUILD(steps);
    char *text = capture(mf__report_show, g);
    CHECK_EQ_STR(text, "\n\n\nStep start\n    ?\n    => a, ghost\n\nStep a\n    ?\n\nStep #3\n    ?\n    => a\n\n");
    free(text);
    mf__graph_free(g);
}

/* ------------------------------------------------------------------ */
/* show --dot                                                         */
/* ------------------------------------------------------------------ */

TEST(dot_foreach)
{
    struct mf_graph *g = build_flow(&(mf_flow){ .name = "ForeachFlow", .steps = foreach_steps,
                                                .nsteps = COUNT(foreach_steps) });
    char *text = capture(mf__report_dot, g);
    CHECK_EQ_STR(text, "digraph \"ForeachFlow\" {\n"
                       "  label=\"ForeachFlow\";\n"
                       "  labelloc=t;\n"
                       "  fontname=\"Helvetica\";\n"
                       "  node [fontname=\"Helvetica\"];\n"
                       "  edge [fontname=\"Helvetica\"];\n"
                       "  \"start\" [label=\"start\\n(foreach)\", shape=box3d, tooltip=\"Make the list of titles.\"];\n"
                       "  \"a\" [label=\"a\\n(linear)\", shape=box, tooltip=\"Process one title.\"];\n"
                       "  \"join\" [label=\"join\", shape=invhouse, tooltip=\"Collect the titles.\"];\n"
                       "  \"end\" [label=\"end\", shape=doublecircle];\n"
                       "  \"start\" -> \"a\" [label=\"titles\", style=bold];\n"
                       "  \"a\" -> \"join\";\n"
                       "  \"join\" -> \"end\";\n"
                       "}\n");
    free(text);
    mf__graph_free(g);
}

TEST(dot_branch_shapes)
{
    struct mf_graph *g = build_flow(&(mf_flow){ .name = "BranchFlow", .doc = "Two branches.",
                                                .steps = branch_steps, .nsteps = COUNT(branch_steps) });
    char *text = capture(mf__report_dot, g);
    CHECK_CONTAINS(text, "  label=\"BranchFlow\\nTwo branches.\";\n");
    CHECK_CONTAINS(text, "  \"start\" [label=\"start\\n(split)\", shape=house,");
    CHECK_CONTAINS(text, "  \"join\" [label=\"join\", shape=invhouse,");
    CHECK_CONTAINS(text, "  \"start\" -> \"a\";\n  \"start\" -> \"b\";\n");
    free(text);
    mf__graph_free(g);
}

/* Quotes, backslashes and newlines in names and docs are escaped; a
 * missing next step is drawn dashed; a nameless step gets an id. */
TEST(dot_escapes_and_broken_flows)
{
    static const mf_step steps[] = {
        { .name = "start", .doc = "say \"hi\"\\\nbye", .next = { "we\"ird", "ghost" } },
        { .name = "we\"ird", .next = { "end" } },
        { .name = NULL, .next = { "end" } },
        { .name = "end" },
    };
    struct mf_graph *g = build_flow(&(mf_flow){ .name = "Odd\"Flow", .steps = steps, .nsteps = COUNT(steps) });
    char *text = capture(mf__report_dot, g);
    CHECK_CONTAINS(text, "digraph \"Odd\\\"Flow\" {\n");
    CHECK_CONTAINS(text, "tooltip=\"say \\\"hi\\\"\\\\\\nbye\"");
    CHECK_CONTAINS(text, "  \"we\\\"ird\" [label=\"we\\\"ird\\n(linear)\", shape=box];\n");
    CHECK_CONTAINS(text, "  \"#3\" [label=\"#3\\n(linear)\", shape=box];\n");
    CHECK_CONTAINS(text, "  \"ghost\" [label=\"ghost\", shape=box, style=dashed, color=red, fontcolor=red];\n");
    CHECK_CONTAINS(text, "  \"start\" -> \"ghost\" [style=dashed, color=red];\n");
    CHECK_CONTAINS(text, "  \"#3\" -> \"end\";\n");
    /* every quote outside an escape pairs up: a simple DOT well-formedness check */
    int open = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '\\' && p[1])
            p++;
        else if (*p == '"')
            open = !open;
        else if (*p == '\n')
            CHECK(!open);
    }
    free(text);
    mf__graph_free(g);
}

/* ------------------------------------------------------------------ */
/* Switches and loops                                                 */
/* ------------------------------------------------------------------ */

static const mf_step switch_steps[] = {
    { .name = "start", .switch_on = "choice", .cases = { { "a", "a" }, { "b", "b" } } },
    { .name = "a", .next = { "c" } },
    { .name = "b", .next = { "c" } },
    { .name = "c", .next = { "end" } },
    { .name = "end" },
};

static const mf_step loop_steps[] = {
    { .name = "start", .next = { "body" } },
    { .name = "body", .next = { "check" } },
    { .name = "check", .switch_on = "go", .cases = { { "again", "body" }, { "done", "end" } } },
    { .name = "end" },
};

TEST(switch_kinds_cases_and_edges)
{
    static const mf_step steps[] = {
        { .name = "start", .switch_on = "x",
          .cases = { { "a", "a" }, { "b", "a" }, { "c", "nowhere" }, { "d", "end" } } },
        { .name = "a", .next = { "end" } },
        { .name = "b", .cases = { { "only", "end" } } },
        { .name = "end" },
    };
    struct mf_graph *g = BUILD(steps);
    const struct mf_node *sw = &g->nodes[0];
    CHECK_EQ_INT(sw->kind, MF_NODE_SWITCH);
    CHECK_EQ_INT(g->nodes[2].kind, MF_NODE_SWITCH); /* cases without switch_on: still a switch */
    CHECK_EQ_INT(sw->ncases, 4);
    CHECK_EQ_INT(sw->case_out[0], 1);
    CHECK_EQ_INT(sw->case_out[1], 1);
    CHECK(sw->case_out[2] == MF_NO_NODE);
    CHECK_EQ_INT(sw->case_out[3], 3);
    CHECK_EQ_INT(sw->nout, 2); /* distinct existing targets, in case order */
    CHECK_EQ_INT(sw->out[0], 1);
    CHECK_EQ_INT(sw->out[1], 3);
    CHECK_EQ_INT(g->nodes[1].nin, 1);
    CHECK_EQ_INT(g->nodes[1].in[0], 0);
    CHECK_EQ_INT(g->nodes[3].nin, 3); /* from cases of 'start' and 'b', and from 'a' */
    CHECK(mf__graph_is_case_edge(g, 0, 3));
    CHECK(!mf__graph_is_case_edge(g, 1, 3));
    for (size_t i = 0; i < g->n; i++)
        CHECK(!g->nodes[i].in_loop);
    mf__graph_free(g);
}

TEST(in_loop_marks_cycles_only)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "count" } },
        { .name = "count", .switch_on = "go", .cases = { { "more", "count" }, { "stop", "body" } } },
        { .name = "body", .next = { "check" } },
        { .name = "check", .switch_on = "go", .cases = { { "again", "body" }, { "done", "end" } } },
        { .name = "end" },
    };
    struct mf_graph *g = BUILD(steps);
    char buf[128];
    CHECK_EQ_STR(order_of(g, buf, sizeof(buf)), "start count body check end");
    CHECK(!g->nodes[0].in_loop);
    CHECK(g->nodes[1].in_loop); /* a self-loop */
    CHECK(g->nodes[2].in_loop);
    CHECK(g->nodes[3].in_loop);
    CHECK(!g->nodes[4].in_loop);
    mf__graph_free(g);
    g = BUILD(switch_steps);
    for (size_t i = 0; i < g->n; i++)
        CHECK(!g->nodes[i].in_loop);
    CHECK_EQ_STR(order_of(g, buf, sizeof(buf)), "start a b c end");
    mf__graph_free(g);
}

TEST(components_leave_out_case_edges)
{
    struct mf_graph *g = BUILD(loop_steps);
    size_t comp[4];
    CHECK_EQ_INT(mf__graph_components(g, 0, comp), 0);
    CHECK(comp[1] == comp[2] && comp[0] != comp[1] && comp[3] != comp[1]);
    CHECK_EQ_INT(mf__graph_components(g, MF_SCC_NO_CASES, comp), 0);
    CHECK(comp[1] != comp[2]);
    mf__graph_free(g);
}

TEST(show_switch_and_loop)
{
    struct mf_graph *g = BUILD(switch_steps);
    char *text = capture(mf__report_show, g);
    CHECK_EQ_STR(text, "\n\n"
                       "\nStep start\n    ?\n    => switch on 'choice': 'a' -> a, 'b' -> b\n"
                       "\nStep a\n    ?\n    => c\n"
                       "\nStep b\n    ?\n    => c\n"
                       "\nStep c\n    ?\n    => end\n"
                       "\nStep end\n    ?\n\n");
    mf__free(text);
    mf__graph_free(g);
    g = BUILD(loop_steps);
    text = capture(mf__report_show, g);
    CHECK_CONTAINS(text, "\nStep check\n    ?\n    => switch on 'go': 'again' -> body, 'done' -> end\n\nStep end\n");
    mf__free(text);
    mf__graph_free(g);
}

TEST(dot_switch_and_loop)
{
    struct mf_graph *g = BUILD(switch_steps);
    char *text = capture(mf__report_dot, g);
    CHECK_CONTAINS(text, "  \"start\" [label=\"start\\n(switch on choice)\", shape=diamond];\n");
    CHECK_CONTAINS(text, "  \"start\" -> \"a\" [label=\"a\"];\n  \"start\" -> \"b\" [label=\"b\"];\n");
    mf__free(text);
    mf__graph_free(g);
    g = BUILD(loop_steps);
    text = capture(mf__report_dot, g);
    /* the case going back is dashed and does not pull 'check' above 'body' */
    CHECK_CONTAINS(text, "  \"check\" -> \"body\" [label=\"again\", style=dashed, constraint=false];\n"
                         "  \"check\" -> \"end\" [label=\"done\"];\n");
    mf__free(text);
    mf__graph_free(g);
    static const mf_step broken[] = {
        { .name = "start", .switch_on = "x", .cases = { { "a", "nowhere" }, { "b", "end" }, { "c", NULL } } },
        { .name = "end" },
    };
    g = BUILD(broken);
    text = capture(mf__report_dot, g);
    CHECK_CONTAINS(text, "  \"nowhere\" [label=\"nowhere\", shape=box, style=dashed, color=red, fontcolor=red];\n");
    CHECK_CONTAINS(text, "  \"start\" -> \"nowhere\" [label=\"a\", style=dashed, color=red];\n");
    mf__free(text);
    text = capture(mf__report_show, g);
    CHECK_CONTAINS(text, "    => switch on 'x': 'a' -> nowhere, 'b' -> end, 'c' -> ?\n");
    mf__free(text);
    mf__graph_free(g);
}

TESTS_BEGIN
T(build_refuses_an_empty_table)
T(build_kinds_and_edges)
T(build_find)
T(build_keeps_dangling_edges_aside)
T(nnext_stops_at_the_array_end)
T(order_branch)
T(order_follows_paths_not_the_table)
T(order_nested_and_joins)
T(order_puts_unreachable_steps_last)
T(order_without_start)
T(order_with_a_cycle_terminates)
T(order_long_chain)
T(show_branch)
T(show_foreach_multiline_doc_and_no_doc)
T(show_invalid_graph_as_declared)
T(dot_foreach)
T(dot_branch_shapes)
T(dot_escapes_and_broken_flows)
T(switch_kinds_cases_and_edges)
T(in_loop_marks_cycles_only)
T(components_leave_out_case_edges)
T(show_switch_and_loop)
T(dot_switch_and_loop)
TESTS_END
