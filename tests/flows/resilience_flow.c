/* SPDX-License-Identifier: Apache-2.0 */
/*
 * resilience_flow.c - for tests/cli/t41_resilience.sh: a step that fails
 * on its first attempt and is retried, and a step that runs past its timeout
 * and whose failure is caught in an artifact so the flow goes on.
 */
#include <metaflow.h>
#include <stdio.h>
#include <unistd.h>

static void start(mf_task *t) { mf_set_int(t, "base", 40); }

static void flaky(mf_task *t)
{
    printf("flaky attempt %d\n", mf_attempt(t));
    if (mf_attempt(t) == 0)
        mf_fail(t, "the first attempt always fails");
    mf_set_int(t, "answer", mf_get_int(t, "base") + 2);
}

static void slow(mf_task *t)
{
    (void)t;
    fprintf(stderr, "slow: going to sleep\n");
    sleep(60);
}

static void end(mf_task *t)
{
    const mf_value *failure = mf_get(t, "failure");
    const char *reason = NULL;
    bool timed_out = false;
    mf_value_get_str(mf_value_key(failure, "reason"), &reason);
    mf_value_get_bool(mf_value_key(failure, "timed_out"), &timed_out);
    printf("answer=%lld\n", (long long)mf_get_int(t, "answer"));
    printf("caught: %s (timed_out=%s)\n", reason ? reason : "?", timed_out ? "true" : "false");
    const char *tail = NULL;
    mf_value_get_str(mf_value_key(failure, "stderr"), &tail);
    printf("caught stderr: %s", tail ? tail : "?\n");
}

static const mf_step steps[] = {
    { .name = "start", .fn = start, .next = { "flaky" } },
    { .name = "flaky", .fn = flaky, .next = { "slow" }, .retries = 2, .retry_delay = 0.2 },
    { .name = "slow", .fn = slow, .next = { "end" }, .timeout = 1, .catch_var = "failure" },
    { .name = "end", .fn = end },
};

int main(int argc, char **argv)
{
    static const mf_flow flow = { .name = "ResilienceFlow", .steps = steps,
                                  .nsteps = sizeof(steps) / sizeof(steps[0]) };
    return mf_main(&flow, argc, argv);
}
