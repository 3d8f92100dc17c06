/* SPDX-License-Identifier: Apache-2.0 */
/*
 * resume_flow.c - for tests/cli/t40_resume.sh: a foreach, its join, a
 * branch and its join. Every task appends "STEP" or "STEP:INDEX" to the file
 * named by MF_COUNTER, so the test sees which tasks ran (cloned ones do not).
 * MF_FAIL_AT=STEP or STEP:INDEX makes that task fail.
 */
#include <metaflow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void count_and_maybe_fail(mf_task *t, long index)
{
    char me[64];
    if (index >= 0)
        snprintf(me, sizeof(me), "%s:%ld", mf_step_name(t), index);
    else
        snprintf(me, sizeof(me), "%s", mf_step_name(t));
    const char *counter = getenv("MF_COUNTER");
    FILE *f = counter ? fopen(counter, "a") : NULL;
    if (f) {
        fprintf(f, "%s\n", me);
        fclose(f);
    }
    const char *fail_at = getenv("MF_FAIL_AT");
    if (fail_at && strcmp(fail_at, me) == 0)
        mf_fail(t, "asked to fail at '%s'", me);
}

static void start(mf_task *t)
{
    count_and_maybe_fail(t, -1);
    int64_t items[] = { 1, 2, 3, 4 };
    mf_set_i64s(t, "items", items, 4);
}

static void work(mf_task *t)
{
    count_and_maybe_fail(t, (long)mf_index(t));
    mf_set_int(t, "square", mf_input_int(t) * mf_input_int(t));
    fprintf(stderr, "work %lld ran in run %s\n", (long long)mf_index(t), mf_run_id(t));
}

static void join(mf_task *t)
{
    count_and_maybe_fail(t, -1);
    int64_t sum = 0;
    for (size_t i = 0; i < mf_join_count(t); i++)
        sum += mf_get_int(mf_join_input(t, i), "square");
    mf_set_int(t, "sum", sum);
}

static void fan(mf_task *t)
{
    count_and_maybe_fail(t, -1);
    fprintf(stderr, "fan ran in run %s\n", mf_run_id(t)); /* for logs of its clones */
}

static void left(mf_task *t)
{
    count_and_maybe_fail(t, -1);
    mf_set_int(t, "l", mf_get_int(t, "sum") + 1);
}

static void right(mf_task *t)
{
    count_and_maybe_fail(t, -1);
    mf_set_int(t, "r", mf_get_int(t, "sum") + 2);
}

static void merge(mf_task *t)
{
    count_and_maybe_fail(t, -1);
    mf_merge_artifacts(t, NULL, NULL);
}

static void end(mf_task *t)
{
    count_and_maybe_fail(t, -1);
    printf("sum=%lld l=%lld r=%lld\n", (long long)mf_get_int(t, "sum"), (long long)mf_get_int(t, "l"),
           (long long)mf_get_int(t, "r"));
}

static const mf_step steps[] = {
    { .name = "start", .fn = start, .next = { "work" }, .foreach = "items" },
    { .name = "work", .fn = work, .next = { "join" } },
    { .name = "join", .fn = join, .next = { "fan" }, .join = true },
    { .name = "fan", .fn = fan, .next = { "left", "right" } },
    { .name = "left", .fn = left, .next = { "merge" } },
    { .name = "right", .fn = right, .next = { "merge" } },
    { .name = "merge", .fn = merge, .next = { "end" }, .join = true },
    { .name = "end", .fn = end },
};

int main(int argc, char **argv)
{
    static const mf_flow flow = { .name = "ResumeFlow", .steps = steps, .nsteps = sizeof(steps) / sizeof(steps[0]) };
    return mf_main(&flow, argc, argv);
}
