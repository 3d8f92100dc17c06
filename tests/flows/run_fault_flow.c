/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run_fault_flow.c - for tests/faults/f1*_*.sh: a linear flow start -> a ->
 * end whose steps misbehave on request, named by environment variables:
 *   MF_FAULT_FAIL=STEP    STEP fails (mf_fail)
 *   MF_FAULT_CHDIR=DIR    every step changes its working directory to DIR first
 *   MF_FAULT_SLEEP=STEP   STEP sleeps for MF_FAULT_SECS seconds (default 3)
 *   MF_FAULT_NULL=STEP    STEP sets an artifact to a NULL value
 * start also stores 'big', a string too large to live inline in the index
 * (an object of the store), which a reads.
 */
#include <metaflow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static bool named(const char *var, mf_task *t)
{
    const char *v = getenv(var);
    return v && strcmp(v, mf_step_name(t)) == 0;
}

static void misbehave(mf_task *t)
{
    const char *dir = getenv("MF_FAULT_CHDIR");
    if (dir && chdir(dir) != 0)
        mf_fail(t, "cannot chdir to '%s'", dir);
    if (named("MF_FAULT_SLEEP", t)) {
        const char *secs = getenv("MF_FAULT_SECS");
        struct timespec ts = { secs ? atoi(secs) : 3, 0 };
        nanosleep(&ts, NULL);
    }
    if (named("MF_FAULT_NULL", t))
        mf_set(t, "nothing", NULL);
    if (named("MF_FAULT_FAIL", t))
        mf_fail(t, "the test asked step '%s' to fail", mf_step_name(t));
}

static void start(mf_task *t)
{
    misbehave(t);
    mf_set_int(t, "x", 1);
    char big[6000];
    memset(big, 'b', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    mf_set_str(t, "big", big);
}

static void a(mf_task *t)
{
    misbehave(t);
    mf_set_int(t, "y", mf_get_int(t, "x") + (strlen(mf_get_str(t, "big")) == 5999 ? 1 : 100));
}

static void end(mf_task *t)
{
    misbehave(t);
    printf("end: x=%lld y=%lld\n", (long long)mf_get_int(t, "x"), (long long)mf_get_int(t, "y"));
}

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "Sets x.", .next = { "a" } },
    { .name = "a", .fn = a, .doc = "Sets y from x.", .next = { "end" } },
    { .name = "end", .fn = end, .doc = "Prints both." },
};

int main(int argc, char **argv)
{
    static const mf_flow flow = {
        .name = "RunFaultFlow",
        .doc = "A linear flow whose steps fail, sleep or chdir when the environment asks.",
        .steps = steps,
        .nsteps = sizeof(steps) / sizeof(steps[0]),
    };
    return mf_main(&flow, argc, argv);
}
