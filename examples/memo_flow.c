/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memo_flow.c - memoised steps (docs/memoisation.md): run it twice and the
 * second run starts no task of `start`, `square` or `total`; each is cloned
 * from the first run. Change --n, MEMO_FLOW_OFFSET (which `square` declares
 * it reads) or the code of a step, and only what depends on the change runs.
 */
#include <metaflow.h>
#include <stdio.h>
#include <stdlib.h>

static const mf_param params[] = {
    { .name = "n", .type = MF_PARAM_INT, .default_value = "8", .help = "how many numbers to square" },
};

static void start(mf_task *t)
{
    int64_t n = mf_get_int(t, "n");
    if (n < 1 || n > 100000)
        mf_fail(t, "--n must be 1 to 100000, got %lld", (long long)n);
    mf_value *numbers = mf_value_list();
    for (int64_t i = 0; i < n; i++)
        mf_value_list_push(numbers, mf_value_int(i + 1));
    mf_set(t, "numbers", numbers);
}

/* The expensive part, in a real flow: one task per number. */
static void square(mf_task *t)
{
    const char *offset = getenv("MEMO_FLOW_OFFSET");
    int64_t x = 0;
    mf_value_get_int(mf_input(t), &x);
    mf_set_int(t, "square", x * x + (offset ? atoll(offset) : 0));
}

static void total(mf_task *t)
{
    int64_t sum = 0;
    for (size_t i = 0; i < mf_join_count(t); i++)
        sum += mf_get_int(mf_join_input(t, i), "square");
    mf_set_int(t, "total", sum);
}

static void end(mf_task *t)
{
    printf("sum of squares: %lld\n", (long long)mf_get_int(t, "total"));
}

/* bench/memo.sh builds this file again as bench/memo_flow_all, with every
 * step memoised (end too), so that a re-run starts no process at all. */
#ifndef MEMO_FLOW_ALL
#define MEMO_FLOW_ALL false
#endif

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "The numbers 1..n.", .next = { "square" }, .foreach = "numbers",
      .memoize = true },
    { .name = "square", .fn = square, .doc = "Square one number (one task each).", .next = { "total" },
      .memoize = true, .memo_env = "MEMO_FLOW_OFFSET" },
    { .name = "total", .fn = total, .doc = "Add the squares up.", .next = { "end" }, .join = true,
      .memoize = true },
    { .name = "end", .fn = end, .doc = "Print the total (not memoised: it always runs).", .memoize = MEMO_FLOW_ALL },
};

static const mf_flow flow = {
    .name = "MemoFlow",
    .doc = "Memoised steps: a second run with nothing changed reuses every task of start, square and total.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
