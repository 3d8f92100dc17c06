/* SPDX-License-Identifier: Apache-2.0 */
/*
 * slurm_retry_flow.c - for tests/slurm/s32_node_fail.sh: start -> work -> end,
 * where `work` has one retry: its first attempt prints "work: attempt 0" and
 * sleeps until Slurm ends its job (the test takes the node down); the retry
 * succeeds.
 */
#include <metaflow.h>
#include <stdio.h>
#include <unistd.h>

static void start(mf_task *t) { mf_set_int(t, "x", 1); }

static void work(mf_task *t)
{
    printf("work: attempt %d\n", mf_attempt(t));
    fflush(stdout);
    while (mf_attempt(t) == 0)
        sleep(1);
    mf_set_int(t, "worked", 1);
}

static void end(mf_task *t) { printf("end: worked %lld\n", (long long)mf_get_int(t, "worked")); }

static const mf_step steps[] = {
    { .name = "start", .fn = start, .next = { "work" } },
    { .name = "work", .fn = work, .next = { "end" }, .retries = 1 },
    { .name = "end", .fn = end },
};

int main(int argc, char **argv)
{
    static const mf_flow flow = { .name = "SlurmRetryFlow", .steps = steps, .nsteps = 3 };
    return mf_main(&flow, argc, argv);
}
