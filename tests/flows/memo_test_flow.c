/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memo_test_flow.c - memoised steps for tests/cli/t87_memo.sh, one per rule
 * of docs/memoisation.md, "Never cached":
 *   start     stores a large artifact (an object of the store, not inline)
 *   identity  reads its run id: never published
 *   flaky     fails its first attempt while the file "flaky-once" is absent:
 *             published after it succeeds on the retry
 *   caught    fails while $MEMO_CATCH is set, caught: never published
 *   noisy     stores the time: recomputed with the same key, it differs
 */
#include <metaflow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const mf_param params[] = {
    { .name = "size", .type = MF_PARAM_INT, .default_value = "10000", .help = "bytes of the blob" },
};

static void start(mf_task *t)
{
    int64_t size = mf_get_int(t, "size");
    unsigned char *blob = malloc((size_t)size);
    if (!blob)
        mf_fail(t, "out of memory");
    for (int64_t i = 0; i < size; i++)
        blob[i] = (unsigned char)(i * 31 + 7);
    mf_set_bytes(t, "blob", blob, (size_t)size);
    free(blob);
}

static void identity(mf_task *t)
{
    printf("this is run %s\n", mf_run_id(t));
}

static void flaky(mf_task *t)
{
    FILE *f = fopen("flaky-once", "r");
    if (!f) {
        f = fopen("flaky-once", "w");
        if (f)
            fclose(f);
        mf_fail(t, "failing once on purpose");
    }
    fclose(f);
    mf_set_int(t, "flaky_done", 1);
}

static void caught(mf_task *t)
{
    if (getenv("MEMO_CATCH"))
        mf_fail(t, "failing on purpose, caught");
    mf_set_int(t, "caught_done", 1);
}

static void noisy(mf_task *t)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    mf_set_int(t, "now_ns", (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

static void end(mf_task *t) { (void)t; }

static const mf_step steps[] = {
    { .name = "start", .fn = start, .next = { "identity" }, .memoize = true },
    { .name = "identity", .fn = identity, .next = { "flaky" }, .memoize = true },
    { .name = "flaky", .fn = flaky, .next = { "caught" }, .memoize = true, .retries = 1 },
    { .name = "caught", .fn = caught, .next = { "noisy" }, .memoize = true, .catch_var = "failure" },
    { .name = "noisy", .fn = noisy, .next = { "end" }, .memoize = true },
    { .name = "end", .fn = end },
};

static const mf_flow flow = {
    .name = "MemoTestFlow",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
