/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fail_flow.c - for tests/cli/t14_failure.sh: a linear flow whose step named
 * by the environment variable MF_TEST_FAIL fails, each step in its own way.
 */
#include <metaflow.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* true when MF_TEST_FAIL names this task's step; the step then announces it
 * (flushed, so the line survives a crash) after setting an artifact that
 * must never be persisted. */
static bool told_to_fail(mf_task *t)
{
    const char *which = getenv("MF_TEST_FAIL");
    const char *me = mf_step_name(t);
    printf("%s ran\n", me);
    if (!which || strcmp(which, me) != 0)
        return false;
    mf_set_str(t, "doomed", me);
    printf("%s: failing now\n", me);
    fflush(stdout);
    return true;
}

static void start(mf_task *t)
{
    mf_set_int(t, "present", 1);
    (void)told_to_fail(t);
}

static void exits(mf_task *t)
{
    if (told_to_fail(t))
        exit(3);
}

static void fails(mf_task *t)
{
    if (told_to_fail(t))
        mf_fail(t, "the test asked step '%s' to fail", mf_step_name(t));
}

static void missing(mf_task *t)
{
    if (told_to_fail(t))
        printf("never printed: %s\n", mf_get_str(t, "no_such_artifact"));
}

static void segv(mf_task *t)
{
    if (told_to_fail(t)) {
        /* The default action, even under a sanitizer that would catch it. */
        signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV);
    }
}

static void end(mf_task *t)
{
    printf("end ran with present=%lld\n", (long long)mf_get_int(t, "present"));
}

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "Set an artifact.", .next = { "exits" } },
    { .name = "exits", .fn = exits, .doc = "Fails by exit(3).", .next = { "fails" } },
    { .name = "fails", .fn = fails, .doc = "Fails by mf_fail() with a message.", .next = { "missing" } },
    { .name = "missing", .fn = missing, .doc = "Fails by reading a missing artifact.", .next = { "segv" } },
    { .name = "segv", .fn = segv, .doc = "Fails by SIGSEGV.", .next = { "end" } },
    { .name = "end", .fn = end, .doc = "Must not run when a step failed." },
};

static const mf_flow flow = {
    .name = "FailFlow",
    .doc = "Each step fails when MF_TEST_FAIL names it.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
