/* SPDX-License-Identifier: Apache-2.0 */
/*
 * big_artifact.c - one large artifact, set in `start` and read in `end`:
 * --mib MiB of random bytes (--kind bytes) or doubles (--kind f64s). For
 * bench/run.sh (time and peak RSS beside their floor) and
 * tests/cli/t62_big_artifact.sh. With --check-in-start, start also scribbles
 * over its buffer after setting it and reads the artifact back, to show the
 * setter stored the data as it was at the call and the getter does not
 * return the caller's memory.
 */
#include <inttypes.h>
#include <metaflow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "big_random.h"

static size_t size_of(mf_task *t)
{
    int64_t mib = mf_get_int(t, "mib");
    if (mib < 0 || mib > 65536)
        mf_fail(t, "--mib must be between 0 and 65536, got %" PRId64, mib);
    return (size_t)mib << 20;
}

static bool is_f64s(mf_task *t)
{
    const char *kind = mf_get_str(t, "kind");
    if (strcmp(kind, "bytes") != 0 && strcmp(kind, "f64s") != 0)
        mf_fail(t, "--kind must be 'bytes' or 'f64s', not '%s'", kind);
    return strcmp(kind, "f64s") == 0;
}

/* The artifact as bytes, whichever kind it was stored as. */
static const unsigned char *get_blob(mf_task *t, bool f64s, size_t *len)
{
    if (!f64s)
        return mf_get_bytes(t, "blob", len);
    size_t n = 0;
    const double *d = mf_get_f64s(t, "blob", &n);
    *len = n * sizeof(double);
    return (const unsigned char *)d;
}

static void start(mf_task *t)
{
    size_t len = size_of(t);
    bool f64s = is_f64s(t);
    unsigned char *buf = malloc(len ? len : 1);
    if (!buf)
        mf_fail(t, "cannot allocate %zu bytes", len);
    big_random_fill(buf, len, 42);
    uint64_t sample = big_random_sample(buf, len);
    if (f64s)
        mf_set_f64s(t, "blob", (const double *)(void *)buf, len / sizeof(double));
    else
        mf_set_bytes(t, "blob", buf, len);
    mf_set_int(t, "sample", (int64_t)sample);
    if (mf_get_bool(t, "check_in_start")) {
        memset(buf, 0x5a, len);
        size_t got = 0;
        const unsigned char *back = get_blob(t, f64s, &got);
        if (got != len || back == buf || big_random_sample(back, got) != sample)
            mf_fail(t, "the artifact read back in start differs from what was set");
        printf("start: read back what was set\n");
    }
    free(buf);
}

static void end(mf_task *t)
{
    size_t len = 0;
    const unsigned char *blob = get_blob(t, is_f64s(t), &len);
    if (len != size_of(t) || (int64_t)big_random_sample(blob, len) != mf_get_int(t, "sample"))
        mf_fail(t, "the artifact read in end (%zu bytes) is not what start set", len);
    printf("end: %zu MiB verified\n", len >> 20);
}

static const mf_param params[] = {
    { .name = "mib", .type = MF_PARAM_INT, .default_value = "100", .help = "Size of the artifact in MiB" },
    { .name = "kind", .type = MF_PARAM_STR, .default_value = "bytes", .help = "bytes or f64s" },
    { .name = "check_in_start", .type = MF_PARAM_BOOL, .default_value = "false",
      .help = "Scribble over the buffer after setting it and read the artifact back in start" },
};

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "Make the random data and set it.", .next = { "end" } },
    { .name = "end", .fn = end, .doc = "Read it back and check it." },
};

static const mf_flow flow = {
    .name = "BigArtifactFlow",
    .doc = "One large random artifact, written once and read once.",
    .steps = steps,
    .nsteps = 2,
    .params = params,
    .nparams = 3,
};

int main(int argc, char **argv) { return mf_main(&flow, argc, argv); }
