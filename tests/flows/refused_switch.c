/* SPDX-License-Identifier: Apache-2.0 */
/*
 * refused_switch.c - for tests/cli/t52_switch_refused.sh: switch graphs that
 * check (and run) must refuse before any task runs. MF_BAD picks one:
 *   no_condition    cases but no switch_on
 *   no_cases        switch_on but no cases
 *   dup_value       two cases with one value
 *   missing_step    a case goes to a step that does not exist
 *   no_exit         a loop that can never reach end
 *   plain_cycle     a cycle of next edges only
 *   unjoined_case   a branch opened in one case, never joined before the paths meet
 *   join_in_loop    a join inside a loop closing a split made before the loop
 *   foreach_out     a foreach made inside a loop, joined after it
 *   one_case        a switch with a single case
 *   jump_across     a case jumping into another branch of the split
 *   back_across     a case going back across a split it is inside of
 */
#include <metaflow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void nop(mf_task *t) { (void)t; }

static const mf_step no_condition[] = {
    { .name = "start", .fn = nop, .cases = { { "a", "a" }, { "b", "end" } } },
    { .name = "a", .fn = nop, .next = { "end" } },
    { .name = "end", .fn = nop },
};
static const mf_step no_cases[] = {
    { .name = "start", .fn = nop, .switch_on = "x" },
    { .name = "end", .fn = nop },
};
static const mf_step dup_value[] = {
    { .name = "start", .fn = nop, .switch_on = "x", .cases = { { "a", "a" }, { "a", "end" } } },
    { .name = "a", .fn = nop, .next = { "end" } },
    { .name = "end", .fn = nop },
};
static const mf_step missing_step[] = {
    { .name = "start", .fn = nop, .switch_on = "x", .cases = { { "a", "a" }, { "b", "nowhere" } } },
    { .name = "a", .fn = nop, .next = { "end" } },
    { .name = "end", .fn = nop },
};
static const mf_step no_exit[] = {
    { .name = "start", .fn = nop, .next = { "spin" } },
    { .name = "spin", .fn = nop, .switch_on = "x", .cases = { { "again", "spin" }, { "other", "spin2" } } },
    { .name = "spin2", .fn = nop, .next = { "spin" } },
    { .name = "end", .fn = nop },
};
static const mf_step plain_cycle[] = {
    { .name = "start", .fn = nop, .next = { "a" } },
    { .name = "a", .fn = nop, .next = { "b" } },
    { .name = "b", .fn = nop, .switch_on = "x", .cases = { { "back", "c" }, { "out", "end" } } },
    { .name = "c", .fn = nop, .next = { "d" } },
    { .name = "d", .fn = nop, .next = { "c" } },
    { .name = "end", .fn = nop },
};
static const mf_step unjoined_case[] = {
    { .name = "start", .fn = nop, .switch_on = "x", .cases = { { "fan", "fan" }, { "solo", "solo" } } },
    { .name = "fan", .fn = nop, .next = { "p", "q" } },
    { .name = "p", .fn = nop, .next = { "meet" } },
    { .name = "q", .fn = nop, .next = { "meet" } },
    { .name = "solo", .fn = nop, .next = { "meet" } },
    { .name = "meet", .fn = nop, .next = { "end" } },
    { .name = "end", .fn = nop },
};

static const mf_step join_in_loop[] = {
    { .name = "start", .fn = nop, .next = { "p", "q" } },
    { .name = "p", .fn = nop, .next = { "j" } },
    { .name = "q", .fn = nop, .next = { "j" } },
    { .name = "j", .fn = nop, .join = true, .next = { "chk" } },
    { .name = "chk", .fn = nop, .switch_on = "x", .cases = { { "again", "j" }, { "done", "end" } } },
    { .name = "end", .fn = nop },
};
static const mf_step foreach_out[] = {
    { .name = "start", .fn = nop, .next = { "body" } },
    { .name = "body", .fn = nop, .next = { "w" }, .foreach = "items" },
    { .name = "w", .fn = nop, .next = { "chk" } },
    { .name = "chk", .fn = nop, .switch_on = "x", .cases = { { "again", "body" }, { "done", "j" } } },
    { .name = "j", .fn = nop, .join = true, .next = { "end" } },
    { .name = "end", .fn = nop },
};

static const mf_step one_case[] = {
    { .name = "start", .fn = nop, .switch_on = "x", .cases = { { "only", "end" } } },
    { .name = "end", .fn = nop },
};
static const mf_step jump_across[] = {
    { .name = "start", .fn = nop, .next = { "a", "c" } },
    { .name = "a", .fn = nop, .switch_on = "x", .cases = { { "cross", "c2" }, { "stay", "a2" } } },
    { .name = "a2", .fn = nop, .next = { "j" } },
    { .name = "c", .fn = nop, .next = { "c2" } },
    { .name = "c2", .fn = nop, .next = { "j" } },
    { .name = "j", .fn = nop, .join = true, .next = { "end" } },
    { .name = "end", .fn = nop },
};
static const mf_step back_across[] = {
    { .name = "start", .fn = nop, .next = { "top" } },
    { .name = "top", .fn = nop, .next = { "b1", "b2" } },
    { .name = "b1", .fn = nop, .switch_on = "x", .cases = { { "back", "top" }, { "on", "b1x" } } },
    { .name = "b1x", .fn = nop, .next = { "j" } },
    { .name = "b2", .fn = nop, .next = { "j" } },
    { .name = "j", .fn = nop, .join = true, .next = { "end" } },
    { .name = "end", .fn = nop },
};

#define FLOW(t) { #t, { .name = "BadSwitch", .steps = t, .nsteps = sizeof(t) / sizeof(t[0]) } }

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        mf_flow flow;
    } flows[] = { FLOW(no_condition), FLOW(no_cases), FLOW(dup_value), FLOW(missing_step),
                  FLOW(no_exit), FLOW(plain_cycle), FLOW(unjoined_case), FLOW(join_in_loop),
                  FLOW(foreach_out), FLOW(one_case), FLOW(jump_across), FLOW(back_across) };
    const char *bad = getenv("MF_BAD");
    for (size_t i = 0; bad && i < sizeof(flows) / sizeof(flows[0]); i++)
        if (strcmp(flows[i].name, bad) == 0)
            return mf_main(&flows[i].flow, argc, argv);
    fprintf(stderr, "refused_switch: set MF_BAD to one of the graphs listed in tests/flows/refused_switch.c\n");
    return 2;
}
