/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust_flow.c - for tests/faults/ and the store-trust tests: a foreach over
 * `--width` items where every task stores an object (an array too big to be
 * inlined), so that killing, corrupting or deleting things hits real objects.
 * The join checks every part and end prints a total that depends on all of
 * them. MF_FAIL_AT=STEP makes that step fail; MF_SLEEP_MS=N makes each work
 * task sleep N ms (to be caught in the middle of a run); MF_PID_DIR=DIR makes
 * each work task create DIR/work.PID first (to be killed by its pid).
 */
#include <inttypes.h>
#include <metaflow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BIG 4096 /* doubles: 32 KiB, stored as an object */
#define PART 1024

static void maybe_fail(mf_task *t)
{
    const char *at = getenv("MF_FAIL_AT");
    if (at && !strcmp(at, mf_step_name(t)))
        mf_fail(t, "asked to fail at '%s'", at);
}

static void start(mf_task *t)
{
    static double big[BIG];
    int64_t width = mf_get_int(t, "width");
    for (size_t i = 0; i < BIG; i++)
        big[i] = (double)i * 0.5;
    mf_set_f64s(t, "big", big, BIG);
    mf_value *items = mf_value_list();
    for (int64_t i = 0; i < width; i++)
        if (mf_value_list_push(items, mf_value_int(i)) != 0)
            mf_fail(t, "cannot build the list of %" PRId64 " items", width);
    mf_set(t, "items", items);
    maybe_fail(t);
}

static void work(mf_task *t)
{
    static double part[PART];
    const char *ms = getenv("MF_SLEEP_MS"), *pids = getenv("MF_PID_DIR");
    if (pids) { /* so that a test can kill this task by its pid */
        char path[512];
        snprintf(path, sizeof(path), "%s/work.%ld", pids, (long)getpid());
        FILE *f = fopen(path, "w");
        if (f)
            fclose(f);
    }
    if (ms) {
        long n = atol(ms);
        struct timespec ts = { n / 1000, (n % 1000) * 1000000L };
        nanosleep(&ts, NULL);
    }
    int64_t item = mf_input_int(t);
    for (size_t i = 0; i < PART; i++)
        part[i] = (double)item * 1000.0 + (double)i;
    mf_set_f64s(t, "part", part, PART);
    maybe_fail(t);
}

static void join(mf_task *t)
{
    size_t n = mf_join_count(t), len = 0;
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        const double *p = mf_get_f64s(mf_join_input(t, i), "part", &len);
        if (len != PART || p[0] != (double)i * 1000.0)
            mf_fail(t, "input %zu holds a wrong part", i);
        total += p[0] + p[PART - 1];
    }
    const double *big = mf_get_f64s(mf_join_input(t, 0), "big", &len);
    if (len != BIG)
        mf_fail(t, "big has %zu items", len);
    total += big[BIG - 1];
    mf_set_double(t, "total", total);
    maybe_fail(t);
}

static void end(mf_task *t)
{
    maybe_fail(t);
    printf("end: total is %.1f\n", mf_get_double(t, "total"));
}

static const mf_param params[] = {
    { .name = "width", .type = MF_PARAM_INT, .default_value = "3", .help = "How many work tasks" },
};

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "A big array and the items.", .next = { "work" }, .foreach = "items" },
    { .name = "work", .fn = work, .doc = "One part per item.", .next = { "join" } },
    { .name = "join", .fn = join, .doc = "Check the parts, sum them.", .next = { "end" }, .join = true },
    { .name = "end", .fn = end, .doc = "Print the total." },
};

static const mf_flow flow = {
    .name = "TrustFlow",
    .doc = "Every task stores an object.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
