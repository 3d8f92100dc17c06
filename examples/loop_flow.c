/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loop_flow.c - recursion: `count` adds one and then decides, through a
 * switch, whether to run itself again or to leave for `end`. Each pass is a
 * new task of `count` with its own artifacts, carrying forward what the
 * previous pass set. It counts to 10, then leaves.
 */
#include <metaflow.h>
#include <stdio.h>

static void start(mf_task *t) { mf_set_int(t, "counter", 0); }

static void count(mf_task *t)
{
    int64_t n = mf_get_int(t, "counter") + 1;
    printf("pass %lld\n", (long long)n);
    mf_set_int(t, "counter", n);
    mf_set_str(t, "next_move", n < mf_get_int(t, "target") ? "again" : "done");
}

static void end(mf_task *t) { printf("counted to %lld\n", (long long)mf_get_int(t, "counter")); }

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "Start counting from zero.", .next = { "count" } },
    { .name = "count", .fn = count, .doc = "Add one; go round again until the target is reached.",
      .switch_on = "next_move", .cases = { { "again", "count" }, { "done", "end" } } },
    { .name = "end", .fn = end, .doc = "Say how far it counted." },
};

static const mf_param params[] = {
    { .name = "target", .type = MF_PARAM_INT, .default_value = "10", .help = "Where to stop counting" },
};

int main(int argc, char **argv)
{
    static const mf_flow flow = {
        .name = "LoopFlow",
        .doc = "A loop: a step runs again and again until a condition says stop.",
        .steps = steps,
        .nsteps = sizeof(steps) / sizeof(steps[0]),
        .params = params,
        .nparams = sizeof(params) / sizeof(params[0]),
    };
    return mf_main(&flow, argc, argv);
}
