/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spin_flow.c - for tests/cli/t91_spin.sh: a foreach whose items fail
 * together (every one, when MF_SPIN_FAIL is set, each naming its index and
 * item), so a failed run has several failed tasks, each with its own line to
 * reproduce it; and a join that a spin re-runs from all its inputs.
 */
#include <metaflow.h>
#include <stdio.h>
#include <stdlib.h>

static void start(mf_task *t)
{
    mf_value *items = mf_value_list();
    for (int64_t i = 1; i <= 3; i++)
        mf_value_list_push(items, mf_value_int(i * 10));
    mf_set(t, "items", items);
}

static void work(mf_task *t)
{
    int64_t item = mf_input_int(t);
    printf("work: item %lld at index %lld, attempt %d\n", (long long)item, (long long)mf_index(t), mf_attempt(t));
    if (getenv("MF_SPIN_FAIL"))
        mf_fail(t, "item %lld at index %lld failed", (long long)item, (long long)mf_index(t));
    mf_set_int(t, "doubled", 2 * item);
}

static void join(mf_task *t)
{
    int64_t total = 0;
    for (size_t i = 0; i < mf_join_count(t); i++)
        total += mf_get_int(mf_join_input(t, i), "doubled");
    printf("join: total %lld of %zu inputs\n", (long long)total, mf_join_count(t));
    mf_set_int(t, "total", total);
}

static void end(mf_task *t) { printf("end: total %lld\n", (long long)mf_get_int(t, "total")); }

static const mf_step steps[] = {
    { .name = "start", .fn = start, .next = { "work" }, .foreach = "items" },
    { .name = "work", .fn = work, .next = { "join" } },
    { .name = "join", .fn = join, .next = { "end" }, .join = true },
    { .name = "end", .fn = end },
};

int main(int argc, char **argv)
{
    static const mf_flow flow = { .name = "SpinFlow", .steps = steps, .nsteps = sizeof(steps) / sizeof(steps[0]) };
    return mf_main(&flow, argc, argv);
}
