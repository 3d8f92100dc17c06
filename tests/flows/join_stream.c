/* SPDX-License-Identifier: Apache-2.0 */
/*
 * join_stream.c - for tests/cli/t16_join_stream.sh: a foreach whose tasks
 * each carry a 4,000-byte artifact (inherited from start, so in every
 * input's index), and a join that reads every input twice and merges: its
 * memory must not grow with the inputs' indexes (it holds a bounded number
 * of them at once).
 */
#include <inttypes.h>
#include <metaflow.h>
#include <stdio.h>
#include <string.h>

static void start(mf_task *t)
{
    char pad[4001];
    memset(pad, 'p', 4000);
    pad[4000] = '\0';
    mf_set_str(t, "pad", pad);
    mf_value *items = mf_value_list();
    for (int64_t i = 0; i < mf_get_int(t, "width"); i++)
        if (mf_value_list_push(items, mf_value_int(i)) != 0)
            mf_fail(t, "cannot build the list");
    mf_set(t, "items", items);
}

static void work(mf_task *t) { mf_set_int(t, "sq", mf_input_int(t) * mf_input_int(t)); }

static void join(mf_task *t)
{
    size_t n = mf_join_count(t);
    int64_t sum = 0, want = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            sum += mf_get_int(mf_join_input(t, i), "sq");
            want += (int64_t)(i * i);
        }
    if (sum != want)
        mf_fail(t, "sum of squares %" PRId64 ", expected %" PRId64, sum, want);
    const char *const exclude[] = { "sq", NULL };
    mf_merge_artifacts(t, NULL, exclude);
    printf("join: %zu inputs, pad %zu bytes\n", n, strlen(mf_get_str(t, "pad")));
}

static void end(mf_task *t) { printf("end: pad %zu bytes\n", strlen(mf_get_str(t, "pad"))); }

static const mf_param params[] = {
    { .name = "width", .type = MF_PARAM_INT, .default_value = "10", .help = "How many items" },
};

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "Make the list and the pad.", .next = { "work" }, .foreach = "items" },
    { .name = "work", .fn = work, .doc = "Square the item.", .next = { "join" } },
    { .name = "join", .fn = join, .doc = "Sum twice, merge.", .next = { "end" }, .join = true },
    { .name = "end", .fn = end, .doc = "Print the pad's length." },
};

static const mf_flow flow = {
    .name = "JoinStreamFlow",
    .doc = "A join over many inputs with large indexes.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
};

int main(int argc, char **argv) { return mf_main(&flow, argc, argv); }
