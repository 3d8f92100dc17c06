/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bad_unrelated_join.c - for tests/cli/t20_check.sh: a join ('join') that takes the
 * branches of the inner split 'a' together with the other branch of
 * 'start', skipping a level of nested splits. check and run must refuse
 * it and create nothing.
 */
#include <metaflow.h>

static void noop(mf_task *t)
{
    (void)t;
}

static const mf_step steps[] = {
    { .name = "start", .fn = noop, .next = { "a", "b" } },
    { .name = "a", .fn = noop, .next = { "a1", "a2" } },
    { .name = "a1", .fn = noop, .next = { "join" } },
    { .name = "a2", .fn = noop, .next = { "join" } },
    { .name = "b", .fn = noop, .next = { "join" } },
    { .name = "join", .fn = noop, .next = { "end" }, .join = true },
    { .name = "end", .fn = noop },
};

static const mf_flow flow = {
    .name = "BadUnrelatedJoinFlow",
    .doc = "A graph the linter refuses.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
