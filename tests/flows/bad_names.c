/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bad_names.c - for tests/cli/t20_check.sh: a step named with a reserved
 * word ('index') and one with an uppercase letter ('Bad'), plus a step that
 * lists no next step. check and run must refuse
 * it and create nothing.
 */
#include <metaflow.h>

static void noop(mf_task *t)
{
    (void)t;
}

static const mf_step steps[] = {
    { .name = "start", .fn = noop, .next = { "index" } },
    { .name = "index", .fn = noop, .next = { "Bad" } },
    { .name = "Bad", .fn = noop, .next = { "dead" } },
    { .name = "dead", .fn = noop },
    { .name = "end", .fn = noop },
};

static const mf_flow flow = {
    .name = "BadNamesFlow",
    .doc = "A graph the linter refuses.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
