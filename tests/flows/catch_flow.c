/* SPDX-License-Identifier: Apache-2.0 */
/*
 * catch_flow.c - for tests/cli/t42_catch.sh: steps with a catch_var that
 * fail on their last attempt through mf_fail(), through an API error, by a
 * signal and by a timeout; the end step prints what each one kept.
 */
#include <metaflow.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static void start(mf_task *t) { mf_set_int(t, "base", 1); }

/* Three attempts (retries = 2), each fails; each sets its own artifact. */
static void keeps(mf_task *t)
{
    int a = mf_attempt(t);
    printf("keeps attempt %d\n", a);
    if (a == 0)
        mf_set_int(t, "from_attempt0", 1);
    if (a == 2)
        mf_set_int(t, "kept", 7);
    mf_fail(t, "keeps fails on attempt %d", a);
}

static void apierr(mf_task *t)
{
    mf_set_int(t, "before_error", 8);
    mf_get_int(t, "no_such_artifact");
}

static void crash(mf_task *t)
{
    mf_set_int(t, "before_crash", 9);
    fflush(stdout);
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
}

static void slow(mf_task *t)
{
    mf_set_int(t, "before_timeout", 10);
    sleep(60);
}

static void show(mf_task *t, const char *var)
{
    const mf_value *f = mf_get(t, var);
    const char *type = "?", *reason = "?";
    int64_t attempt = -1;
    mf_value_get_str(mf_value_key(f, "type"), &type);
    mf_value_get_str(mf_value_key(f, "reason"), &reason);
    mf_value_get_int(mf_value_key(f, "attempt"), &attempt);
    printf("%s: type=%s attempt=%lld reason=%s\n", var, type, (long long)attempt, reason);
}

static void has(mf_task *t, const char *name) { printf("has %s: %s\n", name, mf_has(t, name) ? "yes" : "no"); }

static void end(mf_task *t)
{
    show(t, "keeps_failure");
    show(t, "api_failure");
    show(t, "crash_failure");
    show(t, "slow_failure");
    has(t, "base");
    has(t, "kept");
    has(t, "from_attempt0");
    has(t, "before_error");
    has(t, "before_crash");
    has(t, "before_timeout");
}

static const mf_step steps[] = {
    { .name = "start", .fn = start, .next = { "keeps" } },
    { .name = "keeps", .fn = keeps, .next = { "apierr" }, .retries = 2, .catch_var = "keeps_failure" },
    { .name = "apierr", .fn = apierr, .next = { "crash" }, .catch_var = "api_failure" },
    { .name = "crash", .fn = crash, .next = { "slow" }, .catch_var = "crash_failure" },
    { .name = "slow", .fn = slow, .next = { "end" }, .timeout = 2, .catch_var = "slow_failure" },
    { .name = "end", .fn = end },
};

int main(int argc, char **argv)
{
    static const mf_flow flow = { .name = "CatchFlow", .steps = steps, .nsteps = sizeof(steps) / sizeof(steps[0]) };
    return mf_main(&flow, argc, argv);
}
