/* SPDX-License-Identifier: Apache-2.0 */
/*
 * replaced_flow.c - a flow whose start step replaces the flow program's own
 * file on disk (as a rebuild during a run would), for tests/cli/t46_replaced.sh:
 * with $REPLACE_WITH and $REPLACE_TARGET set, start renames the first over
 * the second. Every later task must still run this code, the image the run
 * started with, and say so.
 */
#include <metaflow.h>
#include <stdio.h>
#include <stdlib.h>

static void start(mf_task *t)
{
    const char *with = getenv("REPLACE_WITH"), *target = getenv("REPLACE_TARGET");
    if (with && target && rename(with, target) != 0)
        mf_fail(t, "cannot replace the program");
    mf_set_int(t, "x", 1);
}

static void middle(mf_task *t)
{
    printf("middle ran the original program\n");
    mf_set_int(t, "x", mf_get_int(t, "x") + 1);
}

static void end(mf_task *t)
{
    printf("end ran the original program, x = %lld\n", (long long)mf_get_int(t, "x"));
}

static const mf_step steps[] = {
    { .name = "start", .fn = start, .next = { "middle" }, .memoize = true },
    { .name = "middle", .fn = middle, .next = { "end" }, .memoize = true },
    { .name = "end", .fn = end },
};

static const mf_flow flow = {
    .name = "ReplacedFlow",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
