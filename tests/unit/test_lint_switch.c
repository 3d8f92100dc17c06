/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_lint_switch.c - the linter on switches and loops: every valid shape
 * (Metaflow's switch_* and recursive_switch* graphs among them) passes with
 * no problem; every refused one gets exactly the expected lines.
 */
#include "check.h"
#include "lint_check.h"

/* ------------------------------------------------------------------ */
/* Valid shapes (the same as tests/flows/switch_shapes.c)             */
/* ------------------------------------------------------------------ */

TEST(valid_plain_switch)
{
    static const mf_step steps[] = {
        { .name = "start", .switch_on = "choice", .cases = { { "a", "a" }, { "b", "b" } } },
        { .name = "a", .next = { "c" } },
        { .name = "b", .next = { "c" } },
        { .name = "c", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_cases_meet_at_end)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "pick" } },
        { .name = "pick", .switch_on = "c", .cases = { { "x", "a" }, { "y", "b" }, { "z", "end" } } },
        { .name = "a", .next = { "end" } },
        { .name = "b", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_loop)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "body" } },
        { .name = "body", .next = { "check" } },
        { .name = "check", .switch_on = "go", .cases = { { "again", "body" }, { "done", "end" } } },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_self_loop)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "count" } },
        { .name = "count", .switch_on = "go", .cases = { { "more", "count" }, { "stop", "end" } } },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_switch_in_branch)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "b" } },
        { .name = "a", .switch_on = "which", .cases = { { "x", "ax" }, { "y", "ay" } } },
        { .name = "ax", .next = { "join" } },
        { .name = "ay", .next = { "join" } },
        { .name = "b", .next = { "join" } },
        { .name = "join", .join = true, .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_switch_in_foreach)
{
    static const mf_step steps[] = {
        { .name = "start", .foreach = "items", .next = { "classify" } },
        { .name = "classify", .switch_on = "parity", .cases = { { "even", "even" }, { "odd", "odd" } } },
        { .name = "even", .next = { "collect" } },
        { .name = "odd", .next = { "collect" } },
        { .name = "collect", .join = true, .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_branch_in_case)
{
    static const mf_step steps[] = {
        { .name = "start", .switch_on = "mode", .cases = { { "fan", "fan" }, { "solo", "solo" } } },
        { .name = "fan", .next = { "p", "q" } },
        { .name = "p", .next = { "fj" } },
        { .name = "q", .next = { "fj" } },
        { .name = "fj", .join = true, .next = { "done" } },
        { .name = "solo", .next = { "done" } },
        { .name = "done", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_foreach_in_case)
{
    static const mf_step steps[] = {
        { .name = "start", .switch_on = "mode", .cases = { { "many", "spread" }, { "none", "none" } } },
        { .name = "spread", .foreach = "items", .next = { "w" } },
        { .name = "w", .next = { "wj" } },
        { .name = "wj", .join = true, .next = { "done" } },
        { .name = "none", .next = { "done" } },
        { .name = "done", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_nested_switch)
{
    static const mf_step steps[] = {
        { .name = "start", .switch_on = "first", .cases = { { "a", "s2" }, { "b", "leaf_b" } } },
        { .name = "s2", .switch_on = "second", .cases = { { "c", "leaf_c" }, { "d", "leaf_d" } } },
        { .name = "leaf_b", .next = { "end" } },
        { .name = "leaf_c", .next = { "end" } },
        { .name = "leaf_d", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_loop_in_foreach)
{
    static const mf_step steps[] = {
        { .name = "start", .foreach = "items", .next = { "prep" } },
        { .name = "prep", .next = { "count" } },
        { .name = "count", .switch_on = "go", .cases = { { "again", "count" }, { "done", "gather" } } },
        { .name = "gather", .join = true, .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_foreach_in_loop)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "body" } },
        { .name = "body", .foreach = "items", .next = { "w" } },
        { .name = "w", .next = { "j" } },
        { .name = "j", .join = true, .next = { "chk" } },
        { .name = "chk", .switch_on = "go", .cases = { { "again", "body" }, { "done", "end" } } },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_loop_in_branch)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "b" } },
        { .name = "a", .next = { "a2" } },
        { .name = "a2", .switch_on = "go", .cases = { { "again", "a" }, { "done", "join" } } },
        { .name = "b", .next = { "join" } },
        { .name = "join", .join = true, .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_loop_around_branch)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "top" } },
        { .name = "top", .next = { "a", "b" } },
        { .name = "a", .next = { "j" } },
        { .name = "b", .next = { "j" } },
        { .name = "j", .join = true, .next = { "chk" } },
        { .name = "chk", .switch_on = "go", .cases = { { "again", "top" }, { "done", "end" } } },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_nested_loops)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "outer" } },
        { .name = "outer", .next = { "inner" } },
        { .name = "inner", .switch_on = "i", .cases = { { "again", "inner" }, { "next", "tail" } } },
        { .name = "tail", .switch_on = "o", .cases = { { "again", "outer" }, { "done", "end" } } },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

/* Metaflow's test/core graphs recursive_switch_inside_foreach and
 * branch_in_switch, transcribed. */
TEST(valid_metaflow_graphs)
{
    static const mf_step recursive_in_foreach[] = {
        { .name = "start", .foreach = "items", .next = { "start_loop_for_item" } },
        { .name = "start_loop_for_item", .next = { "loop_body" } },
        { .name = "loop_body", .switch_on = "should_continue",
          .cases = { { "True", "loop_body" }, { "False", "exit_item_loop" } } },
        { .name = "exit_item_loop", .next = { "join" } },
        { .name = "join", .join = true, .next = { "end" } },
        { .name = "end" },
    };
    static const mf_step branch_in_switch[] = {
        { .name = "start", .switch_on = "mode", .cases = { { "process", "process_branch" }, { "skip", "skip_path" } } },
        { .name = "process_branch", .next = { "p1", "p2" } },
        { .name = "p1", .next = { "process_join" } },
        { .name = "p2", .next = { "process_join" } },
        { .name = "process_join", .join = true, .next = { "end" } },
        { .name = "skip_path", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_VALID(recursive_in_foreach);
    EXPECT_VALID(branch_in_switch);
}

/* ------------------------------------------------------------------ */
/* A switch on its own                                                */
/* ------------------------------------------------------------------ */

TEST(switch_declarations)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "s1" } },
        { .name = "s1", .cases = { { "a", "s2" }, { "b", "s2" } } },
        { .name = "s2", .switch_on = "x", .next = { "s3" } },
        { .name = "s3", .switch_on = "x", .cases = { { "only", "s4" } } },
        { .name = "s4", .switch_on = "x", .foreach = "items", .join = true,
          .cases = { { "a", "end" }, { "b", "end" } } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 6,
                "switch step 's1' has cases but no condition: set .switch_on to the str artifact whose value picks "
                "the case\n"
                "switch step 's2' switches on 'x' but has no cases: add {value, step} pairs to .cases\n"
                "switch step 's2' also has a next step 's3': a switch goes where its cases say; remove .next or the "
                "switch\n"
                "switch step 's3' has only one case: add a case for each other value of 'x', or use .next\n"
                "switch step 's4' also fans out over 'items': a step cannot do both; add a step after the switch "
                "that fans out\n"
                "switch step 's4' is also a join: a step cannot do both; add a join step before the switch\n");
}

TEST(switch_at_the_ends)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "sw" } },
        { .name = "sw", .switch_on = "x", .cases = { { "back", "start" }, { "on", "end" } } },
        { .name = "end", .switch_on = "y", .cases = { { "a", "sw" }, { "b", "sw" } } },
    };
    EXPECT_LINT(steps, 2,
                "step 'sw' goes to 'start': nothing may go back to the start step; fix 'sw'.cases\n"
                "step 'end' is a switch: the end step has no next step; switch in a step before 'end' and remove "
                ".switch_on and .cases from 'end'\n");
}

TEST(switch_cases)
{
    static const mf_step steps[] = {
        { .name = "start", .switch_on = "x",
          .cases = { { "", "a" }, { NULL, "a" }, { "a", "a" }, { "a", "end" }, { "b", NULL }, { "c", "nowhere" } } },
        { .name = "a", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 5,
                "switch step 'start' has a case with no value (case 1): give every case a non-empty value\n"
                "switch step 'start' has a case with no value (case 2): give every case a non-empty value\n"
                "switch step 'start' has two cases for the value 'a': give each value one case\n"
                "switch step 'start': case 'b' names no step: set the step it goes to\n"
                "switch step 'start': case 'c' goes to 'nowhere', which is not a step of the flow: declare a step "
                "'nowhere' or fix the case\n");
}

/* Unlike Metaflow, a case may go straight to a join: the runtime joins
 * by split, so the switch's task is the input of its branch. */
TEST(valid_case_straight_to_join)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "b" } },
        { .name = "a", .switch_on = "x", .cases = { { "c1", "c" }, { "c2", "join" } } },
        { .name = "b", .next = { "join" } },
        { .name = "c", .next = { "join" } },
        { .name = "join", .join = true, .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

/* ------------------------------------------------------------------ */
/* Cycles and loops                                                   */
/* ------------------------------------------------------------------ */

TEST(cycle_of_next_edges_next_to_a_loop)
{
    /* 'a' -> 'b' -> 'a' is made of next edges only, although the switch
     * 'sw' closes a loop through the same steps. */
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" } },
        { .name = "a", .next = { "b" } },
        { .name = "b", .next = { "a", "sw" } },
        { .name = "sw", .switch_on = "x", .cases = { { "again", "b" }, { "done", "end" } } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "steps 'a' -> 'b' -> 'a' form a cycle: a flow cannot go back to an earlier step; fix 'b'.next\n");
}

TEST(loop_without_exit)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "spin" } },
        { .name = "spin", .switch_on = "x", .cases = { { "again", "spin" }, { "other", "spin2" } } },
        { .name = "spin2", .next = { "spin" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 2,
                "step 'end' is not reachable from 'start': add 'end' to the next of the step before it, or remove "
                "it\n"
                "steps 'start', 'spin' and 'spin2' never lead to 'end': give one of them a next step that leaves "
                "their cycle\n");
}

TEST(join_in_loop_closes_split_before_it)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "p", "q" } },
        { .name = "p", .next = { "j" } },
        { .name = "q", .next = { "j" } },
        { .name = "j", .join = true, .next = { "chk" } },
        { .name = "chk", .switch_on = "x", .cases = { { "again", "j" }, { "done", "end" } } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "join 'j' is inside a loop but closes 'start', which splits before the loop: join the split before "
                "the loop starts, or start the loop before 'start'\n");
}

TEST(foreach_in_loop_joined_after_it)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "body" } },
        { .name = "body", .next = { "w" }, .foreach = "items" },
        { .name = "w", .next = { "chk" } },
        { .name = "chk", .switch_on = "x", .cases = { { "again", "body" }, { "done", "j" } } },
        { .name = "j", .join = true, .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "'body' fans out inside a loop but is joined by 'j' after the loop: join it inside the loop, before "
                "the switch that goes back\n");
}

TEST(back_edge_out_of_a_branch)
{
    /* The split and its join are in one loop (through 'again'), but 'b1'
     * also goes back from inside a branch. */
    static const mf_step steps[] = {
        { .name = "start", .next = { "top" } },
        { .name = "top", .next = { "s" } },
        { .name = "s", .next = { "b1", "b2" } },
        { .name = "b1", .switch_on = "x", .cases = { { "back", "top" }, { "on", "b1x" } } },
        { .name = "b1x", .next = { "j" } },
        { .name = "b2", .next = { "j" } },
        { .name = "j", .join = true, .next = { "chk" } },
        { .name = "chk", .switch_on = "y", .cases = { { "again", "top" }, { "done", "end" } } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "switch step 'b1' goes back across a split: it runs in the branch 'b1' of 's', but its case 'back' "
                "goes back to 'top', which runs outside any split; a loop must start and end in the same branch or "
                "foreach: go back to a step of the same one, or join it before the switch\n");
}

/* ------------------------------------------------------------------ */
/* Where the paths of a switch meet                                   */
/* ------------------------------------------------------------------ */

TEST(branch_left_open_in_a_case)
{
    static const mf_step steps[] = {
        { .name = "start", .switch_on = "x", .cases = { { "fan", "fan" }, { "solo", "solo" } } },
        { .name = "fan", .next = { "p", "q" } },
        { .name = "p", .next = { "meet" } },
        { .name = "q", .next = { "meet" } },
        { .name = "solo", .next = { "meet" } },
        { .name = "meet", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "the paths of a switch meet at 'meet' under different splits (from 'p' and 'solo'): join the branch "
                "or foreach opened on one path before they meet\n");
}

TEST(branches_in_a_loop_meet_without_join)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" } },
        { .name = "a", .next = { "b", "c" } },
        { .name = "b", .next = { "d" } },
        { .name = "c", .next = { "d" } },
        { .name = "d", .next = { "chk" } },
        { .name = "chk", .switch_on = "x", .cases = { { "again", "a" }, { "done", "end" } } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "steps 'b' and 'c' go to 'd', which is not a join: declare 'd' with .join = true to close their "
                "split, or send only one of them there\n");
}

TEST(case_jumps_into_another_branch)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a", "c" } },
        { .name = "a", .next = { "sw" } },
        { .name = "sw", .switch_on = "x", .cases = { { "cross", "c2" }, { "stay", "a2" } } },
        { .name = "a2", .next = { "join" } },
        { .name = "c", .next = { "c2" } },
        { .name = "c2", .next = { "join" } },
        { .name = "join", .join = true, .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "switch step 'sw' jumps into another split: it runs in the branch 'a' of 'start', but its case "
                "'cross' goes to 'c2', which runs in the branch 'c' of 'start'; a case must stay in its own branch "
                "or foreach: go to a step of the same one, or join it first\n");
}

TEST(case_jumps_into_a_foreach)
{
    static const mf_step steps[] = {
        { .name = "start", .switch_on = "x", .cases = { { "in", "w" }, { "out", "fan" } } },
        { .name = "fan", .foreach = "items", .next = { "w" } },
        { .name = "w", .next = { "j" } },
        { .name = "j", .join = true, .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "switch step 'start' jumps into another split: it runs outside any split, but its case 'in' goes to "
                "'w', which runs in the foreach 'fan'; a case must stay in its own branch or foreach: go to a step "
                "of the same one, or join it first\n");
}

TESTS_BEGIN
T(valid_plain_switch)
T(valid_cases_meet_at_end)
T(valid_loop)
T(valid_self_loop)
T(valid_switch_in_branch)
T(valid_switch_in_foreach)
T(valid_branch_in_case)
T(valid_foreach_in_case)
T(valid_nested_switch)
T(valid_loop_in_foreach)
T(valid_foreach_in_loop)
T(valid_loop_in_branch)
T(valid_loop_around_branch)
T(valid_nested_loops)
T(valid_metaflow_graphs)
T(switch_declarations)
T(switch_at_the_ends)
T(switch_cases)
T(valid_case_straight_to_join)
T(cycle_of_next_edges_next_to_a_loop)
T(loop_without_exit)
T(join_in_loop_closes_split_before_it)
T(foreach_in_loop_joined_after_it)
T(back_edge_out_of_a_branch)
T(branch_left_open_in_a_case)
T(branches_in_a_loop_meet_without_join)
T(case_jumps_into_another_branch)
T(case_jumps_into_a_foreach)
TESTS_END
