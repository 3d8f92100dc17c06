/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_lint.c - the graph linter: every valid shape passes with no problem,
 * every invalid one gets exactly the expected lines, in a fixed order.
 */
#include "check.h"
#include "lint_check.h"

/* ------------------------------------------------------------------ */
/* Valid shapes                                                       */
/* ------------------------------------------------------------------ */

TEST(valid_start_to_end)
{
    static const mf_step steps[] = { { .name = "start", .next = { "end" } }, { .name = "end" } };
    EXPECT_VALID(steps);
}

TEST(valid_linear)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" } }, { .name = "a", .next = { "b" } },
        { .name = "b", .next = { "end" } },   { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_branch)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "b" } },
        { .name = "a", .next = { "join" } },
        { .name = "b", .next = { "join" } },
        { .name = "join", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_branch_of_chains)
{
    static const mf_step steps[] = {
        { .name = "end" },
        { .name = "join", .next = { "end" }, .join = true },
        { .name = "c", .next = { "join" } },
        { .name = "b2", .next = { "join" } },
        { .name = "b1", .next = { "b2" } },
        { .name = "a", .next = { "join" } },
        { .name = "start", .next = { "a", "b1", "c" } },
    };
    EXPECT_VALID(steps);
}

TEST(valid_nested_branch)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "b" } },
        { .name = "a", .next = { "a1", "a2" } },
        { .name = "a1", .next = { "a_join" } },
        { .name = "a2", .next = { "a_join" } },
        { .name = "a_join", .next = { "join" }, .join = true },
        { .name = "b", .next = { "join" } },
        { .name = "join", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_foreach)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" }, .foreach = "titles" },
        { .name = "a", .next = { "join" } },
        { .name = "join", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_nested_foreach)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "outer" }, .foreach = "xs" },
        { .name = "outer", .next = { "inner" }, .foreach = "ys" },
        { .name = "inner", .next = { "inner_join" } },
        { .name = "inner_join", .next = { "outer_join" }, .join = true },
        { .name = "outer_join", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_branch_inside_foreach)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "item" }, .foreach = "items" },
        { .name = "item", .next = { "left", "right" } },
        { .name = "left", .next = { "branch_join" } },
        { .name = "right", .next = { "branch_join" } },
        { .name = "branch_join", .next = { "foreach_join" }, .join = true },
        { .name = "foreach_join", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_foreach_inside_branch)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "p", "q" } },
        { .name = "p", .next = { "p_item" }, .foreach = "items" },
        { .name = "p_item", .next = { "p_join" } },
        { .name = "p_join", .next = { "join" }, .join = true },
        { .name = "q", .next = { "join" } },
        { .name = "join", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

/* tests/flows/shapes_flow.c: foreach in foreach, branch in foreach, then a
 * branch with a foreach inside. */
TEST(valid_shapes_flow)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "outer" }, .foreach = "outer" },
        { .name = "outer", .next = { "inner" }, .foreach = "inner" },
        { .name = "inner", .next = { "inner_join" } },
        { .name = "inner_join", .next = { "fork" }, .join = true },
        { .name = "fork", .next = { "left", "right" } },
        { .name = "left", .next = { "branch_join" } },
        { .name = "right", .next = { "branch_join" } },
        { .name = "branch_join", .next = { "outer_join" }, .join = true },
        { .name = "outer_join", .next = { "split" }, .join = true },
        { .name = "split", .next = { "p", "q" } },
        { .name = "p", .next = { "p_item" }, .foreach = "items" },
        { .name = "p_item", .next = { "p_join" } },
        { .name = "p_join", .next = { "final" }, .join = true },
        { .name = "q", .next = { "final" } },
        { .name = "final", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_one_name_branch_is_linear)
{
    /* a "branch" of one next step is a linear transition, no join needed */
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" } },
        { .name = "a", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

/* ------------------------------------------------------------------ */
/* The flow and the names                                             */
/* ------------------------------------------------------------------ */

TEST(missing_start_and_end)
{
    static const mf_step steps[] = { { .name = "a", .next = { "b" } }, { .name = "b", .next = { "a" } } };
    EXPECT_LINT(steps, 3,
                "the flow has no step 'start': declare the step the flow begins with and name it 'start'\n"
                "the flow has no step 'end': declare the step the flow finishes with and name it 'end'\n"
                "steps 'a' -> 'b' -> 'a' form a cycle: a flow cannot go back to an earlier step; fix 'b'.next\n");
}

TEST(missing_end_only)
{
    static const mf_step steps[] = { { .name = "start", .next = { "fin" } }, { .name = "fin" } };
    EXPECT_LINT(steps, 2,
                "the flow has no step 'end': declare the step the flow finishes with and name it 'end'\n"
                "step 'fin' has no next step: set 'fin'.next to the step that follows it (only 'end' has none)\n");
}

TEST(flow_name)
{
    static const mf_step steps[] = { { .name = "start", .next = { "end" } }, { .name = "end" } };
    int count = -1;
    char *text = lint_named("my flow", steps, COUNT(steps), &count);
    CHECK_EQ_STR(text, "flow name 'my flow' is not a valid identifier: use letters, digits and '_', not starting "
                       "with a digit\n");
    CHECK_EQ_INT(count, 1);
    mf__free(text);
    text = lint_named(NULL, steps, COUNT(steps), &count);
    CHECK_EQ_STR(text, "the flow has no name: set mf_flow.name to an identifier such as 'HelloFlow'\n");
    mf__free(text);
}

TEST(invalid_step_names)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "Upper", "_private", "index", "has space" } },
        { .name = "Upper", .next = { "join" } },
        { .name = "_private", .next = { "join" } },
        { .name = "index", .next = { "join" } },
        { .name = "has space", .next = { "join" } },
        { .name = "join", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 4,
                "step 'Upper' has an invalid name: use lowercase letters, digits and '_', starting with a letter\n"
                "step '_private' starts with '_', which metaflow-c keeps for itself: rename it\n"
                "step 'index' uses a reserved word: 'name', 'next', 'input', 'index' and 'cmd' cannot name a "
                "step; rename it\n"
                "step 'has space' has an invalid name: use lowercase letters, digits and '_', starting with a "
                "letter\n");
}

TEST(every_reserved_name)
{
    static const char *const reserved[] = { "name", "next", "input", "index", "cmd" };
    for (size_t i = 0; i < COUNT(reserved); i++) {
        mf_step steps[] = {
            { .name = "start", .next = { reserved[i] } },
            { .name = reserved[i], .next = { "end" } },
            { .name = "end" },
        };
        int count = -1;
        char *text = lint_of(steps, COUNT(steps), &count);
        CHECK_CONTAINS(text, "uses a reserved word");
        CHECK_EQ_INT(count, 1);
        mf__free(text);
    }
}

TEST(nameless_and_control_characters)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a\nb" } },
        { .name = "a\nb", .next = { "end" } },
        { .name = NULL, .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 2,
                "step 'a?b' has an invalid name: use lowercase letters, digits and '_', starting with a letter\n"
                "step #3 of the table has no name: set its .name\n");
}

TEST(long_names_are_cut_in_messages)
{
    static const char long_name[] = "a123456789a123456789a123456789a123456789a123456789a123456789a123456789"
                                    "a123456789a123456789a123456789a123456789a123456789a123456789a123456789";
    static const mf_step steps[] = {
        { .name = "start", .next = { long_name } },
        { .name = long_name, .next = { "end" } },
        { .name = "end" },
    };
    int count = -1;
    char *text = lint_of(steps, COUNT(steps), &count);
    CHECK_EQ_INT(count, 1);
    CHECK_CONTAINS(text, "has a name of 140 characters: keep step names to 128 at most");
    CHECK_CONTAINS(text, "a123456789a123456789a123456789a123456789a123456789a123456789a123456789a123456789...'");
    mf__free(text);
}

TEST(duplicate_names)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" } },
        { .name = "a", .next = { "end" } },
        { .name = "a", .next = { "end" } },
        { .name = "end" },
        { .name = "a", .next = { "end" } },
    };
    EXPECT_LINT(steps, 1,
                "step 'a' is declared 3 times (entries 2, 3 and 5 of the table): give each step its own name\n");
}

/* ------------------------------------------------------------------ */
/* Transitions                                                        */
/* ------------------------------------------------------------------ */

TEST(missing_step)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" } },
        { .name = "a", .next = { "c" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 2,
                "step 'a' goes to 'c', which is not a step of the flow: declare a step 'c' or fix the name in "
                "'a'.next\n"
                "step 'end' is not reachable from 'start': add 'end' to the next of the step before it, or "
                "remove it\n");
}

TEST(missing_branch_and_empty_name)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "bb", "" } },
        { .name = "a", .next = { "join" } },
        { .name = "join", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 2,
                "step 'start' goes to 'bb', which is not a step of the flow: declare a step 'bb' or fix the name "
                "in 'start'.next\n"
                "step 'start' goes to '', which is not a step of the flow: declare a step '' or fix the name in "
                "'start'.next\n");
}

TEST(no_next_step)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "b" } },
        { .name = "a" },
        { .name = "b", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "step 'a' has no next step: set 'a'.next to the step that follows it (only 'end' has none)\n");
}

TEST(end_rules)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" } },
        { .name = "a", .next = { "end" } },
        { .name = "end", .next = { "z" }, .foreach = "xs", .join = true },
        { .name = "z" },
    };
    EXPECT_LINT(steps, 4,
                "step 'end' goes to 'z': the end step has no next step; remove 'end'.next\n"
                "step 'end' has .foreach = 'xs': the end step cannot fan out; remove its .foreach\n"
                "step 'end' is declared a join: the end step cannot be one; add a join step before 'end' and "
                "remove .join from 'end'\n"
                "step 'z' has no next step: set 'z'.next to the step that follows it (only 'end' has none)\n");
}

TEST(repeated_next)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "a", "a" } },
        { .name = "a", .next = { "join" } },
        { .name = "join", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1, "step 'start' lists 'a' twice in its next: list each next step once\n");
}

TEST(back_to_start)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" } },
        { .name = "a", .next = { "start" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 3,
                "step 'a' goes to 'start': nothing may go back to the start step; fix 'a'.next\n"
                "step 'end' is not reachable from 'start': add 'end' to the next of the step before it, or "
                "remove it\n"
                "steps 'start' and 'a' never lead to 'end': give one of them a next step that leaves their "
                "cycle\n");
}

TEST(cycle)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" } },
        { .name = "a", .next = { "b" } },
        { .name = "b", .next = { "c" } },
        { .name = "c", .next = { "a", "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "steps 'a' -> 'b' -> 'c' -> 'a' form a cycle: a flow cannot go back to an earlier step; fix "
                "'c'.next\n");
}

TEST(cycles_each_reported_once)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "x", "a" } },
        { .name = "a", .next = { "a" } },
        { .name = "x", .next = { "y" } },
        { .name = "y", .next = { "x", "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 3,
                "step 'a' goes to itself: a flow cannot go back to an earlier step; fix 'a'.next\n"
                "steps 'x' -> 'y' -> 'x' form a cycle: a flow cannot go back to an earlier step; fix 'y'.next\n"
                "step 'a' never leads to 'end': give it a next step that leaves its cycle\n");
}

TEST(unreachable)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "end" } },
        { .name = "orphan", .next = { "end" } },
        { .name = "end" },
        { .name = "island", .next = { "orphan" } },
    };
    EXPECT_LINT(steps, 2,
                "step 'orphan' is not reachable from 'start': add 'orphan' to the next of the step before it, "
                "or remove it\n"
                "step 'island' is not reachable from 'start': add 'island' to the next of the step before it, "
                "or remove it\n");
}

TEST(foreach_rules)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "b" }, .foreach = "xs" },
        { .name = "a", .next = { "join" }, .foreach = "" },
        { .name = "b", .next = { "join" }, .foreach = "_hidden" },
        { .name = "join", .next = { "end" }, .join = true },
        { .name = "c", .foreach = "ys" },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 7,
                "step 'start' fans out over 'xs' but has 2 next steps: a foreach has exactly one, the step run "
                "for each item; keep one, or remove .foreach to make a branch\n"
                "step 'a' has an empty .foreach: name the list artifact it fans out over\n"
                "step 'b' fans out over '_hidden', which is not a valid artifact name: use an identifier that "
                "does not start with '_'\n"
                "step 'c' fans out over 'ys' but has no next step: set 'c'.next to the step run for each item\n"
                "step 'c' is not reachable from 'start': add 'c' to the next of the step before it, or remove it\n"
                "step 'a' fans out straight into the join 'join': add the step run for each item between them\n"
                "step 'b' fans out straight into the join 'join': add the step run for each item between them\n");
}

TEST(join_that_splits)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "b" } },
        { .name = "a", .next = { "join" } },
        { .name = "b", .next = { "join" } },
        { .name = "join", .next = { "c", "d" }, .join = true },
        { .name = "c", .next = { "join2" } },
        { .name = "d", .next = { "join2" } },
        { .name = "join2", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "step 'join' is a join and also splits: a step cannot do both; add a step after 'join' that "
                "splits\n");
}

TEST(start_is_not_a_join)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "step 'start' is declared a join: nothing comes before the start step; remove .join from "
                "'start'\n");
}

TEST(join_that_fans_out)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "b" } },
        { .name = "a", .next = { "join" } },
        { .name = "b", .next = { "join" } },
        { .name = "join", .next = { "c" }, .foreach = "xs", .join = true },
        { .name = "c", .next = { "join2" } },
        { .name = "join2", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "step 'join' is a join and also a foreach: a step cannot do both; add a step after 'join' that "
                "fans out\n");
}

/* ------------------------------------------------------------------ */
/* Incoming edges and split/join balance                              */
/* ------------------------------------------------------------------ */

TEST(branch_never_joined)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "b" } },
        { .name = "a", .next = { "end" } },
        { .name = "b", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "steps 'a' and 'b' go to 'end', which cannot be a join: their branches are never joined; add a "
                "join step between them and 'end'\n");
}

TEST(merge_without_join)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "b" } },
        { .name = "a", .next = { "c" } },
        { .name = "b", .next = { "c" } },
        { .name = "c", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "steps 'a' and 'b' go to 'c', which is not a join: declare 'c' with .join = true to close their "
                "split, or send only one of them there\n");
}

TEST(foreach_never_joined)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" }, .foreach = "xs" },
        { .name = "a", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1, "the foreach 'start' over 'xs' is never joined: add a join step after 'a', before 'end'\n");
}

TEST(nested_foreach_never_joined)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" }, .foreach = "xs" },
        { .name = "a", .next = { "b" }, .foreach = "ys" },
        { .name = "b", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 2,
                "the foreach 'a' over 'ys' is never joined: add a join step after 'b', before 'end'\n"
                "the foreach 'start' over 'xs' is never joined: add a join step after 'a', before 'end'\n");
}

TEST(join_without_split)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" } },
        { .name = "a", .next = { "join" } },
        { .name = "join", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "step 'join' is declared a join but closes no split or foreach: nothing before it splits; "
                "remove .join from 'join'\n");
}

TEST(join_of_unrelated_branches)
{
    /* j1 joins a branch of 'a' with a branch of 'b' */
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "b" } },
        { .name = "a", .next = { "a1", "a2" } },
        { .name = "b", .next = { "b1", "b2" } },
        { .name = "a1", .next = { "j1" } },
        { .name = "b1", .next = { "j1" } },
        { .name = "a2", .next = { "j2" } },
        { .name = "b2", .next = { "j2" } },
        { .name = "j1", .next = { "join" }, .join = true },
        { .name = "j2", .next = { "join" }, .join = true },
        { .name = "join", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "join 'j1' mixes steps of different splits: 'a1' is in a branch of 'a' and 'b1' is in a branch "
                "of 'b'; a join closes exactly one split, so give 'a' and 'b' each their own join\n");
}

TEST(join_skips_a_level)
{
    /* 'join' takes the branches of 'a' and the other branch of 'start' */
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "b" } },
        { .name = "a", .next = { "a1", "a2" } },
        { .name = "a1", .next = { "join" } },
        { .name = "a2", .next = { "join" } },
        { .name = "b", .next = { "join" } },
        { .name = "join", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "join 'join' mixes steps of different splits: 'a1' is in a branch of 'a' and 'b' is in a branch "
                "of 'start'; a join closes exactly one split, so close 'a' with its own join before 'join'\n");
}

TEST(join_of_foreach_body_and_outside)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "f", "x" } },
        { .name = "f", .next = { "body" }, .foreach = "xs" },
        { .name = "body", .next = { "join" } },
        { .name = "x", .next = { "join" } },
        { .name = "join", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "join 'join' mixes steps of different splits: 'body' is in the foreach 'f' and 'x' is in a "
                "branch of 'start'; a join closes exactly one split, so close 'f' with its own join before "
                "'join'\n");
}

TEST(join_misses_a_branch)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "b", "c" } },
        { .name = "a", .next = { "join" } },
        { .name = "b", .next = { "join" } },
        { .name = "c", .next = { "late" } },
        { .name = "join", .next = { "late" }, .join = true },
        { .name = "late", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "join 'join' closes the split 'start' but not every branch leads to it: 'c' does not; make "
                "every branch of 'start' end at 'join'\n");
}

TEST(empty_branch_and_empty_foreach)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "join" } },
        { .name = "a", .next = { "join" } },
        { .name = "join", .next = { "f" }, .join = true },
        { .name = "f", .next = { "join2" }, .foreach = "xs" },
        { .name = "join2", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 2,
                "step 'start' goes straight to the join 'join': a branch needs at least one step; add one "
                "between them\n"
                "step 'f' fans out straight into the join 'join2': add the step run for each item between them\n");
}

/* Retries, delays and timeouts out of range; valid ones pass. */
TEST(resilience_numbers)
{
    static const mf_step ok[] = {
        { .name = "start", .next = { "end" }, .retries = 3, .retry_delay = 0.5, .timeout = 60,
          .catch_var = "failure" },
        { .name = "end", .retries = 100 },
    };
    EXPECT_VALID(ok);
    static const mf_step steps[] = {
        { .name = "start", .next = { "end" }, .retries = -1, .retry_delay = -2 },
        { .name = "end", .retries = 101, .timeout = -1 },
    };
    EXPECT_LINT(steps, 4,
                "step 'start' has .retries = -1: use 0 (no retry) to 100\n"
                "step 'start' has .retry_delay = -2: use a number of seconds from 0 to 86400\n"
                "step 'end' has .retries = 101: use 0 (no retry) to 100\n"
                "step 'end' has .timeout = -1: use a number of seconds (0: no timeout)\n");
}

/* Memo settings without .memoize, and memo_env names. */
TEST(memo_settings)
{
    static const mf_step ok[] = {
        { .name = "start", .next = { "end" }, .memoize = true, .memo_salt = "v2", .memo_env = "SEED, MODEL_DIR,_X1" },
        { .name = "end", .memoize = true },
    };
    EXPECT_VALID(ok);
    static const mf_step steps[] = {
        { .name = "start", .next = { "end" }, .memo_salt = "v2" },
        { .name = "end", .memoize = true, .memo_env = "SEED,1BAD" },
    };
    EXPECT_LINT(steps, 2,
                "step 'start' sets .memo_salt but not .memoize = true: it is never memoised; add .memoize = true, "
                "or remove the memo settings\n"
                "step 'end' has .memo_env = 'SEED,1BAD': give environment variable names (letters, digits, '_', "
                "not starting with a digit) separated by commas\n");
}

/* A caught foreach or switch could not go on; the catch name is checked. */
TEST(catch_where_the_flow_cannot_go_on)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "body" }, .foreach = "xs", .catch_var = "oops" },
        { .name = "body", .next = { "join" } },
        { .name = "join", .join = true, .next = { "sw" } },
        { .name = "sw", .switch_on = "mode", .cases = { { "a", "a" }, { "b", "end" } }, .catch_var = "_bad" },
        { .name = "a", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 3,
                "step 'start' fans out over 'xs' and also catches failures: a caught task has no 'xs' to fan out "
                "over; move the work that may fail to a step before 'start' and catch it there\n"
                "step 'sw' catches failures in '_bad', which is not a valid artifact name: use an identifier that "
                "does not start with '_'\n"
                "switch step 'sw' also catches failures: a caught task sets no 'mode' to choose a case by; move the "
                "work that may fail to a step before 'sw' and catch it there\n");
}

TEST(catch_into_a_parameter)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "end" }, .catch_var = "alpha" },
        { .name = "end" },
    };
    static const mf_param params[] = { { .name = "alpha", .type = MF_PARAM_DOUBLE, .default_value = "0.1" } };
    mf_flow flow = { .name = "TestFlow", .steps = steps, .nsteps = COUNT(steps), .params = params, .nparams = 1 };
    struct mf_graph *g = NULL;
    struct mf_err err = MF_ERR_INIT;
    struct mf_buf report = MF_BUF_INIT;
    CHECK_EQ_INT(mf__graph_build(&flow, &g, &err), 0);
    CHECK_EQ_INT(mf__graph_lint(g, &report), 1);
    CHECK_EQ_STR(report.buf, "step 'start' catches failures in 'alpha', which is a parameter and read-only: name "
                             "another artifact\n");
    mf__graph_free(g);
    mf__buf_release(&report);
    /* a params table declared but NULL (the params lint reports it) is no crash here */
    flow.params = NULL;
    CHECK_EQ_INT(mf__graph_build(&flow, &g, &err), 0);
    CHECK_EQ_INT(mf__graph_lint(g, &report), 0);
    mf__graph_free(g);
    mf__buf_release(&report);
}

/* Many problems at once, each reported, in the documented order. */
TEST(all_problems_in_order)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "typo" } },
        { .name = "a", .next = { "end" } },
        { .name = "Zed", .next = { "end" } },
        { .name = "loop", .next = { "loop" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 5,
                "step 'Zed' has an invalid name: use lowercase letters, digits and '_', starting with a letter\n"
                "step 'start' goes to 'typo', which is not a step of the flow: declare a step 'typo' or fix the "
                "name in 'start'.next\n"
                "step 'loop' goes to itself: a flow cannot go back to an earlier step; fix 'loop'.next\n"
                "step 'Zed' is not reachable from 'start': add 'Zed' to the next of the step before it, or "
                "remove it\n"
                "step 'loop' is not reachable from 'start': add 'loop' to the next of the step before it, or "
                "remove it\n");
}

TEST(lint_is_deterministic)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "b" } },
        { .name = "a", .next = { "c" } },
        { .name = "b", .next = { "c" } },
        { .name = "c", .next = { "d", "q" } },
        { .name = "d" },
        { .name = "end", .next = { "start" } },
    };
    int c1 = -1, c2 = -1;
    char *t1 = lint_of(steps, COUNT(steps), &c1), *t2 = lint_of(steps, COUNT(steps), &c2);
    CHECK_EQ_STR(t1, t2);
    CHECK_EQ_INT(c1, c2);
    CHECK(c1 > 0);
    /* one line per problem */
    int lines = 0;
    for (const char *p = t1; *p; p++)
        lines += *p == '\n';
    CHECK_EQ_INT(lines, c1);
    mf__free(t1);
    mf__free(t2);
}

TESTS_BEGIN
T(resilience_numbers)
T(catch_where_the_flow_cannot_go_on)
T(catch_into_a_parameter)
T(valid_start_to_end)
T(valid_linear)
T(valid_branch)
T(valid_branch_of_chains)
T(valid_nested_branch)
T(valid_foreach)
T(valid_nested_foreach)
T(valid_branch_inside_foreach)
T(valid_foreach_inside_branch)
T(valid_shapes_flow)
T(valid_one_name_branch_is_linear)
T(missing_start_and_end)
T(missing_end_only)
T(flow_name)
T(invalid_step_names)
T(every_reserved_name)
T(nameless_and_control_characters)
T(long_names_are_cut_in_messages)
T(duplicate_names)
T(missing_step)
T(missing_branch_and_empty_name)
T(no_next_step)
T(end_rules)
T(repeated_next)
T(back_to_start)
T(cycle)
T(cycles_each_reported_once)
T(unreachable)
T(foreach_rules)
T(join_that_splits)
T(start_is_not_a_join)
T(join_that_fans_out)
T(branch_never_joined)
T(merge_without_join)
T(foreach_never_joined)
T(nested_foreach_never_joined)
T(join_without_split)
T(join_of_unrelated_branches)
T(join_skips_a_level)
T(join_of_foreach_body_and_outside)
T(join_misses_a_branch)
T(empty_branch_and_empty_foreach)
T(all_problems_in_order)
T(lint_is_deterministic)
T(memo_settings)
TESTS_END
