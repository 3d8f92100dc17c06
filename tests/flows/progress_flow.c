/* SPDX-License-Identifier: Apache-2.0 */
/*
 * progress_flow.c - for tests/cli/t86_console.sh: a foreach over `--width`
 * items whose tasks each print a line on stdout and one on stderr and nap
 * `--nap` seconds, so that the console has a run long enough to redraw its
 * status line and print progress lines; `--fail-item N` fails item N.
 */
#include <inttypes.h>
#include <metaflow.h>
#include <stdio.h>
#include <time.h>

static void nap(double secs)
{
    struct timespec ts = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void start(mf_task *t)
{
    mf_value *items = mf_value_list();
    for (int64_t i = 0; i < mf_get_int(t, "width"); i++)
        mf_value_list_push(items, mf_value_int(i));
    mf_set(t, "items", items);
}

static void work(mf_task *t)
{
    int64_t item = mf_input_int(t);
    printf("item %" PRId64 " on stdout\n", item);
    fprintf(stderr, "item %" PRId64 " on stderr\n", item);
    nap(mf_get_double(t, "nap"));
    if (item == mf_get_int(t, "fail_item"))
        mf_fail(t, "item %" PRId64 " fails, as asked", item);
    mf_set_int(t, "item", item);
}

static void join(mf_task *t) { mf_set_int(t, "n", (int64_t)mf_join_count(t)); }

static void end(mf_task *t) { printf("joined %" PRId64 " items\n", mf_get_int(t, "n")); }

static const mf_step steps[] = {
    { .name = "start", .fn = start, .next = { "work" }, .foreach = "items" },
    { .name = "work", .fn = work, .next = { "join" } },
    { .name = "join", .fn = join, .join = true, .next = { "end" } },
    { .name = "end", .fn = end },
};

static const mf_param params[] = {
    { .name = "width", .type = MF_PARAM_INT, .default_value = "4", .help = "items of the foreach" },
    { .name = "nap", .type = MF_PARAM_DOUBLE, .default_value = "0.2", .help = "seconds each item naps" },
    { .name = "fail_item", .type = MF_PARAM_INT, .default_value = "-1", .help = "the item that fails (-1: none)" },
};

int main(int argc, char **argv)
{
    static const mf_flow flow = { .name = "ProgressFlow", .steps = steps, .nsteps = 4, .params = params,
                                  .nparams = 3 };
    return mf_main(&flow, argc, argv);
}
