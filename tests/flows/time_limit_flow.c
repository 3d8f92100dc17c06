/* SPDX-License-Identifier: Apache-2.0 */
/*
 * time_limit_flow.c - for tests/cli/t43_time_limit.sh: start -> slow -> end,
 * where `slow` declares only a Slurm-style time limit (.time_limit = 1 s, no
 * .timeout) and sleeps for a minute: run locally, the limit must stop it as a
 * timeout would.
 */
#include <metaflow.h>
#include <stdio.h>
#include <unistd.h>

static void start(mf_task *t) { mf_set_int(t, "x", 1); }

static void slow(mf_task *t)
{
    fprintf(stderr, "slow: going to sleep\n");
    fflush(stderr);
    sleep(60);
    mf_set_int(t, "x", 2);
}

static void end(mf_task *t) { (void)t; }

static const mf_step steps[] = {
    { .name = "start", .fn = start, .next = { "slow" } },
    { .name = "slow", .fn = slow, .next = { "end" }, .time_limit = 1 },
    { .name = "end", .fn = end },
};

int main(int argc, char **argv)
{
    static const mf_flow flow = { .name = "TimeLimitFlow", .steps = steps, .nsteps = 3 };
    return mf_main(&flow, argc, argv);
}
