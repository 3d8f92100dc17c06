/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bad_unjoined.c - for tests/cli/t20_check.sh: a branch whose two sides both go to end,
 * never joined. check and run must refuse
 * it and create nothing.
 */
#include <metaflow.h>

static void noop(mf_task *t)
{
    (void)t;
}

static const mf_step steps[] = {
    { .name = "start", .fn = noop, .next = { "a", "b" } },
    { .name = "a", .fn = noop, .next = { "end" } },
    { .name = "b", .fn = noop, .next = { "end" } },
    { .name = "end", .fn = noop },
};

static const mf_flow flow = {
    .name = "BadUnjoinedFlow",
    .doc = "A graph the linter refuses.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
