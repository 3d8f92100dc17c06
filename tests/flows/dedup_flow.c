/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dedup_flow.c - for tests/cli/t12_dedup.sh: two branches each store the same
 * 10 MiB value, which content addressing must keep as one object on disk.
 */
#include <inttypes.h>
#include <metaflow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOB_LEN ((size_t)10 * 1024 * 1024)

/* Deterministic pseudo-random bytes (xorshift64): a pattern would compress
 * to almost nothing, and the test looks for an object of about 10 MiB. */
static uint8_t *make_blob(mf_task *t)
{
    uint8_t *blob = malloc(BLOB_LEN);
    if (!blob)
        mf_fail(t, "out of memory for a %zu-byte blob", BLOB_LEN);
    uint64_t s = 0x9E3779B97F4A7C15u;
    for (size_t i = 0; i < BLOB_LEN; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        blob[i] = (uint8_t)(s >> 24);
    }
    return blob;
}

static void store_blob(mf_task *t)
{
    uint8_t *blob = make_blob(t);
    mf_set_u8s(t, "blob", blob, BLOB_LEN);
    free(blob);
    mf_set_str(t, "who", mf_step_name(t));
}

static void start(mf_task *t)
{
    (void)t;
}

/* Both inputs must hold the very same bytes; merging takes the one value. */
static void join(mf_task *t)
{
    size_t na = 0, nb = 0;
    const uint8_t *a = mf_get_u8s(mf_join_branch(t, "a"), "blob", &na);
    const uint8_t *b = mf_get_u8s(mf_join_branch(t, "b"), "blob", &nb);
    if (na != BLOB_LEN || nb != BLOB_LEN || memcmp(a, b, BLOB_LEN) != 0)
        mf_fail(t, "the branches' blobs differ (%zu and %zu bytes)", na, nb);
    mf_merge_artifacts(t, (const char *[]){ "blob", NULL }, NULL);
    printf("join: both blobs are %zu bytes and equal\n", na);
}

static void end(mf_task *t)
{
    size_t n = 0;
    const uint8_t *blob = mf_get_u8s(t, "blob", &n);
    uint8_t *want = make_blob(t);
    int same = n == BLOB_LEN && memcmp(blob, want, BLOB_LEN) == 0;
    free(want);
    if (!same)
        mf_fail(t, "the merged blob is not what the branches stored");
    printf("end: merged blob is %zu bytes\n", n);
}

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "Split into two branches.", .next = { "a", "b" } },
    { .name = "a", .fn = store_blob, .doc = "Store the 10 MiB blob.", .next = { "join" } },
    { .name = "b", .fn = store_blob, .doc = "Store the same 10 MiB blob.", .next = { "join" } },
    { .name = "join", .fn = join, .doc = "Check the blobs are equal and merge them.", .next = { "end" }, .join = true },
    { .name = "end", .fn = end, .doc = "Check the merged blob." },
};

static const mf_flow flow = {
    .name = "DedupFlow",
    .doc = "Two branches store one 10 MiB value: one object on disk.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
