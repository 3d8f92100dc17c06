/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wide_foreach.c - for tests/cli/t13_foreach_wide.sh and the benchmarks: a
 * foreach over `--width` integers whose join checks it got every item, in
 * index order (it fails the run otherwise). MF_HOLD_DIR holds item 0 (t17);
 * MF_JOIN_ANY_ORDER makes the join only read every input (bench/join_rss.sh).
 */
#include <inttypes.h>
#include <metaflow.h>
#include <stdlib.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static void start(mf_task *t)
{
    int64_t width = mf_get_int(t, "width");
    if (width < 0)
        mf_fail(t, "width must not be negative, got %" PRId64, width);
    mf_value *items = mf_value_list();
    for (int64_t i = 0; i < width; i++)
        if (mf_value_list_push(items, mf_value_int(i)) != 0)
            mf_fail(t, "cannot build the list of %" PRId64 " items", width);
    mf_set(t, "items", items);
}

/* With MF_HOLD_DIR (t17): item 0 says it started (DIR/started), waits for
 * DIR/go (at most 10 minutes), then fails, ending the run without the rest. */
static void hold_and_fail(mf_task *t, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/started", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        mf_fail(t, "cannot create '%s'", path);
    fclose(f);
    snprintf(path, sizeof(path), "%s/go", dir);
    struct timespec tenth = { 0, 100000000L };
    for (int i = 0; i < 6000 && access(path, F_OK) != 0; i++)
        nanosleep(&tenth, NULL);
    mf_fail(t, "item 0 was held and fails as MF_HOLD_DIR asks");
}

/* Each task records its item and index; the join compares them. */
static void work(mf_task *t)
{
    const char *hold = getenv("MF_HOLD_DIR");
    if (hold && mf_index(t) == 0)
        hold_and_fail(t, hold);
    mf_set_int(t, "item", mf_input_int(t));
    mf_set_int(t, "pos", mf_index(t));
}

static void join(mf_task *t)
{
    int64_t width = mf_get_int(t, "width");
    size_t n = mf_join_count(t);
    if (getenv("MF_JOIN_ANY_ORDER")) { /* bench/join_rss.sh: its inputs are copies of one */
        int64_t sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += mf_get_int(mf_join_input(t, i), "item");
        printf("join: %zu items read (sum %" PRId64 ")\n", n, sum);
        return;
    }
    if ((int64_t)n != width)
        mf_fail(t, "expected %" PRId64 " inputs, got %zu", width, n);
    for (size_t i = 0; i < n; i++) {
        mf_task *in = mf_join_input(t, i);
        int64_t item = mf_get_int(in, "item"), pos = mf_get_int(in, "pos");
        if (item != (int64_t)i || pos != (int64_t)i)
            mf_fail(t, "input %zu holds item %" PRId64 " at index %" PRId64 ": not in index order", i, item, pos);
    }
    mf_set_int(t, "count", (int64_t)n);
    printf("join: %zu items in index order\n", n);
}

static void end(mf_task *t)
{
    /* bench/run.sh fails the last step once to time a resume that clones 1,002 tasks. */
    if (getenv("MF_FAIL_END"))
        mf_fail(t, "MF_FAIL_END is set");
    printf("end: count is %" PRId64 "\n", mf_get_int(t, "count"));
}

static const mf_param params[] = {
    { .name = "width", .type = MF_PARAM_INT, .default_value = "10", .help = "How many items to fan out over" },
};

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "Make the list 0 .. width-1.", .next = { "work" }, .foreach = "items" },
    { .name = "work", .fn = work, .doc = "One task per item.", .next = { "join" } },
    { .name = "join", .fn = join, .doc = "Check every item arrived, in index order.", .next = { "end" },
      .join = true },
    { .name = "end", .fn = end, .doc = "Print the count." },
};

static const mf_flow flow = {
    .name = "WideForeachFlow",
    .doc = "A foreach as wide as --width, checked by its join.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
