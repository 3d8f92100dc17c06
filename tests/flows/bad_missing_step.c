/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bad_missing_step.c - for tests/cli/t20_check.sh: step 'a' goes to 'edn' (a typo
 * of 'end'), which is not declared. check and run must refuse
 * it and create nothing.
 */
#include <metaflow.h>

static void noop(mf_task *t)
{
    (void)t;
}

static const mf_step steps[] = {
    { .name = "start", .fn = noop, .next = { "a" } },
    { .name = "a", .fn = noop, .next = { "edn" } },
    { .name = "end", .fn = noop },
};

static const mf_flow flow = {
    .name = "BadMissingStepFlow",
    .doc = "A graph the linter refuses.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
