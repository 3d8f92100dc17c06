/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_lint_hints.c - reports that name the step to fix, for mistakes a new
 * user makes: a foreach whose join was declared without .join = true (the
 * report names that step, not only "add a join step"), and a step table
 * longer than mf_flow.nsteps says (the missing 'end' is said to be beyond
 * the count); a table ended by { 0 } needs no count at all.
 */
#include "check.h"
#include "lint_check.h"

TEST(foreach_join_without_the_flag)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" }, .foreach = "xs" },
        { .name = "a", .next = { "join" } },
        { .name = "join", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "the foreach 'start' over 'xs' is never joined: if 'join' joins it, declare 'join' with .join = "
                "true; else add a join step after 'join', before 'end'\n");
}

/* Nested foreaches: the inner join is declared, the outer one is not. */
TEST(outer_foreach_join_without_the_flag)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" }, .foreach = "xs" },
        { .name = "a", .next = { "b" }, .foreach = "ys" },
        { .name = "b", .next = { "inner" } },
        { .name = "inner", .next = { "outer" }, .join = true },
        { .name = "outer", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "the foreach 'start' over 'xs' is never joined: if 'outer' joins it, declare 'outer' with .join = "
                "true; else add a join step after 'outer', before 'end'\n");
}

/* A body going straight to end: there is no step to mark, one must be added. */
TEST(foreach_body_into_end)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" }, .foreach = "xs" },
        { .name = "a", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1, "the foreach 'start' over 'xs' is never joined: add a join step after 'a', before 'end'\n");
}

/* 'end' added to the table, .nsteps not bumped: 'a' goes to a step the
 * count leaves out. */
TEST(nsteps_too_small)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" } },
        { .name = "a", .next = { "end" } },
        { .name = "end" },
    };
    int count = -1;
    char *text = lint_of(steps, 2, &count);
    CHECK_EQ_STR(text, "the flow has no step 'end' among the 2 steps mf_flow.nsteps counts, but 'a' goes to it: if "
                       "the table declares 'end' after them, .nsteps is too small; set .nsteps = sizeof(steps) / "
                       "sizeof(steps[0]), or end the table with { 0 } and leave .nsteps 0\n"
                       "step 'a' goes to 'end', which is not a step of the flow: declare a step 'end' or fix the "
                       "name in 'a'.next\n");
    CHECK_EQ_INT(count, 2);
    mf__free(text);
}

/* .nsteps 0: the table ends at its first entry without a name. */
TEST(table_ended_by_zero)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" } },
        { .name = "a", .next = { "end" } },
        { .name = "end" },
        { 0 },
    };
    int count = -1;
    char *text = lint_of(steps, 0, &count);
    CHECK_EQ_STR(text, "");
    CHECK_EQ_INT(count, 0);
    mf__free(text);
    mf_flow flow = { .name = "TestFlow", .steps = steps, .nsteps = 0 };
    struct mf_graph *g = NULL;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__graph_build(&flow, &g, &err), 0);
    CHECK_EQ_INT(g->n, 3);
    mf__graph_free(g);
    static const mf_step none[] = { { 0 } };
    flow.steps = none;
    CHECK_EQ_INT(mf__graph_build(&flow, &g, &err), MF_EGRAPH);
    CHECK_CONTAINS(err.msg, "flow 'TestFlow' declares no steps");
}

TESTS_BEGIN
T(foreach_join_without_the_flag)
T(outer_foreach_join_without_the_flag)
T(foreach_body_into_end)
T(nsteps_too_small)
T(table_ended_by_zero)
TESTS_END
