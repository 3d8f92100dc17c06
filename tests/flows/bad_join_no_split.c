/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bad_join_no_split.c - for tests/cli/t20_check.sh: a step declared a join
 * although nothing before it splits. check and run must refuse
 * it and create nothing.
 */
#include <metaflow.h>

static void noop(mf_task *t)
{
    (void)t;
}

static const mf_step steps[] = {
    { .name = "start", .fn = noop, .next = { "a" } },
    { .name = "a", .fn = noop, .next = { "join" } },
    { .name = "join", .fn = noop, .next = { "end" }, .join = true },
    { .name = "end", .fn = noop },
};

static const mf_flow flow = {
    .name = "BadJoinNoSplitFlow",
    .doc = "A graph the linter refuses.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
