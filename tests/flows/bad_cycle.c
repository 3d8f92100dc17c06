/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bad_cycle.c - for tests/cli/t20_check.sh: a -> b -> c goes back to a
 * (with a way out to end, so the cycle is the one problem). check and run must refuse
 * it and create nothing.
 */
#include <metaflow.h>

static void noop(mf_task *t)
{
    (void)t;
}

static const mf_step steps[] = {
    { .name = "start", .fn = noop, .next = { "a" } },
    { .name = "a", .fn = noop, .next = { "b" } },
    { .name = "b", .fn = noop, .next = { "c" } },
    { .name = "c", .fn = noop, .next = { "a", "end" } },
    { .name = "end", .fn = noop },
};

static const mf_flow flow = {
    .name = "BadCycleFlow",
    .doc = "A graph the linter refuses.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
