/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bad_unreachable.c - for tests/cli/t20_check.sh: a step ('orphan') that no
 * path from start reaches. check and run must refuse
 * it and create nothing.
 */
#include <metaflow.h>

static void noop(mf_task *t)
{
    (void)t;
}

static const mf_step steps[] = {
    { .name = "start", .fn = noop, .next = { "end" } },
    { .name = "orphan", .fn = noop, .next = { "end" } },
    { .name = "end", .fn = noop },
};

static const mf_flow flow = {
    .name = "BadUnreachableFlow",
    .doc = "A graph the linter refuses.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
