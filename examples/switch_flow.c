/* SPDX-License-Identifier: Apache-2.0 */
/*
 * switch_flow.c - a conditional branch: start decides at run time which one
 * of two steps runs next, from the value of the artifact `size`. Only the
 * chosen step runs; both paths meet again at `report`, without a join.
 *
 *   ./switch_flow run --value 3     prints "3 is small"
 *   ./switch_flow run --value 42    prints "42 is big"
 */
#include <metaflow.h>
#include <stdio.h>

static void start(mf_task *t)
{
    int64_t value = mf_get_int(t, "value");
    mf_set_str(t, "size", value > 10 ? "big" : "small");
}

static void big(mf_task *t)
{
    printf("%lld is big\n", (long long)mf_get_int(t, "value"));
    mf_set_str(t, "verdict", "big");
}

static void small(mf_task *t)
{
    printf("%lld is small\n", (long long)mf_get_int(t, "value"));
    mf_set_str(t, "verdict", "small");
}

static void report(mf_task *t) { printf("the verdict is %s\n", mf_get_str(t, "verdict")); }

static void end(mf_task *t) { (void)t; }

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "Decide which way to go from the value.",
      .switch_on = "size", .cases = { { "big", "big" }, { "small", "small" } } },
    { .name = "big", .fn = big, .doc = "Runs only for big values.", .next = { "report" } },
    { .name = "small", .fn = small, .doc = "Runs only for small values.", .next = { "report" } },
    { .name = "report", .fn = report, .doc = "Both paths meet here.", .next = { "end" } },
    { .name = "end", .fn = end, .doc = "Done." },
};

static const mf_param params[] = {
    { .name = "value", .type = MF_PARAM_INT, .default_value = "7", .help = "The number to judge" },
};

int main(int argc, char **argv)
{
    static const mf_flow flow = {
        .name = "SwitchFlow",
        .doc = "A switch: one of two steps runs, picked at run time.",
        .steps = steps,
        .nsteps = sizeof(steps) / sizeof(steps[0]),
        .params = params,
        .nparams = sizeof(params) / sizeof(params[0]),
    };
    return mf_main(&flow, argc, argv);
}
