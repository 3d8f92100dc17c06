/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_artifact.c - artifact store throughput: a big f64 array stored and
 * loaded (with verification) through the CAS, and the cost of small puts.
 * Usage: bench_artifact [MiB (default 1024)] [rounds (default 5)] [dir (default /tmp)]
 * The first round pays for fresh memory (page cache, buffers); later ones
 * show the steady state. Both are printed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cas.h"
#include "datastore.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* xorshift64*: fast enough not to dominate the set-up of 1 GiB. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static mf_value *make_array(size_t n, int compressible)
{
    double *d = malloc(n * sizeof(*d));
    uint64_t seed = 88172645463325252ull;
    if (!d)
        return NULL;
    for (size_t i = 0; i < n; i++)
        d[i] = compressible ? (double)(i % 1000) : (double)(next_random(&seed) >> 11) * 0x1.0p-53;
    mf_value *v = mf_value_array(MF_F64S, d, n);
    free(d);
    return v;
}

struct timing {
    double store, load, dedup;
};

/* One round: store (a new object), load with verification, store again
 * (deduplicated), then delete the object so the next round writes anew. */
static int big_round(struct mf_cas *cas, const mf_value *v, struct timing *t, uint64_t *size, long *stored)
{
    char hex[MF_HASH_HEX_LEN + 1];
    struct mf_err err = MF_ERR_INIT;
    mf_value *back = NULL;
    double t0 = now();
    int rc = mf__cas_put(cas, v, hex, size, &err);
    double t1 = now();
    if (!rc)
        rc = mf__cas_get(cas, hex, &back, &err);
    double t2 = now();
    if (!rc)
        rc = mf__cas_put(cas, v, hex, size, &err);
    double t3 = now();
    if (rc) {
        fprintf(stderr, "bench_artifact: %s\n", err.msg);
        return 1;
    }
    if (!mf_value_equal(v, back)) {
        fprintf(stderr, "bench_artifact: the loaded value differs\n");
        return 1;
    }
    mf_value_free(back);
    *t = (struct timing){ t1 - t0, t2 - t1, t3 - t2 };
    struct mf_buf path = MF_BUF_INIT;
    struct stat st;
    *stored = !mf__cas_path(cas, hex, &path) && stat(path.buf, &st) == 0 ? (long)st.st_size : -1;
    if (path.len)
        unlink(path.buf);
    mf__buf_release(&path);
    return 0;
}

static void print_timing(const char *kind, const char *which, size_t mib, const struct timing *t, double mb)
{
    printf("%-20s %-6s %5zu MiB  store %6.3f s %6.0f MB/s   load+verify %6.3f s %6.0f MB/s   dedup put %6.3f s\n",
           kind, which, mib, t->store, mb / t->store, t->load, mb / t->load, t->dedup);
}

static int big_array(struct mf_cas *cas, size_t mib, int compressible, int rounds)
{
    const char *kind = compressible ? "f64 repeating 0..999" : "f64 random";
    mf_value *v = make_array((mib << 20) / sizeof(double), compressible);
    struct timing first = { 0, 0, 0 }, best = { 1e9, 1e9, 1e9 }, t;
    uint64_t size = 0;
    long stored = 0;
    if (!v)
        return 1;
    for (int r = 0; r < rounds; r++) {
        if (big_round(cas, v, &t, &size, &stored)) {
            mf_value_free(v);
            return 1;
        }
        if (r == 0)
            first = t;
        best.store = t.store < best.store ? t.store : best.store;
        best.load = t.load < best.load ? t.load : best.load;
        best.dedup = t.dedup < best.dedup ? t.dedup : best.dedup;
    }
    double mb = (double)size / 1e6;
    print_timing(kind, "first", mib, &first, mb);
    print_timing(kind, "best", mib, &best, mb);
    printf("%-20s object file is %.1f%% of the encoding\n", kind, 100.0 * (double)stored / (double)size);
    mf_value_free(v);
    return 0;
}

/* Distinct small values, each a new object (no dedup), then one repeated. */
static int small_puts(struct mf_cas *cas, int count, const char *label)
{
    char hex[MF_HASH_HEX_LEN + 1];
    struct mf_err err = MF_ERR_INIT;
    uint64_t size;
    mf_value *v = NULL;
    double t0 = now();
    for (int i = 0; i < count; i++) {
        char text[64];
        snprintf(text, sizeof(text), "%s small value %d", label, i);
        v = mf_value_str(text);
        int rc = v ? mf__cas_put(cas, v, hex, &size, &err) : MF_ENOMEM;
        mf_value_free(v);
        if (rc) {
            fprintf(stderr, "bench_artifact: %s\n", err.msg);
            return 1;
        }
    }
    double t1 = now();
    v = mf_value_str("the same value");
    for (int i = 0; i < count; i++)
        mf__cas_put(cas, v, hex, &size, &err);
    double t2 = now();
    mf_value *back = NULL;
    for (int i = 0; i < count; i++) {
        mf__cas_get(cas, hex, &back, &err);
        mf_value_free(back);
    }
    double t3 = now();
    mf_value_free(v);
    printf("small object (%s)   new put %7.1f us   dedup put %5.1f us   get %5.1f us   (%d each)\n", label,
           (t1 - t0) * 1e6 / count, (t2 - t1) * 1e6 / count, (t3 - t2) * 1e6 / count, count);
    return 0;
}

/* An inline artifact of the datastore: encode + hash, no file. */
static int inline_stores(struct mf_ds *ds, int count)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_artifact a;
    mf_value *v = mf_value_int(12345);
    double t0 = now();
    for (int i = 0; i < count; i++) {
        if (mf__ds_store(ds, "x", v, &a, &err))
            return 1;
        mf__artifact_release(&a);
    }
    double t1 = now();
    mf_value_free(v);
    printf("inline artifact store  %5.2f us\n", (t1 - t0) * 1e6 / count);
    return 0;
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 1024;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    const char *base = argc > 3 ? argv[3] : "/tmp";
    char root[512];
    snprintf(root, sizeof(root), "%s/mf_bench_artifact_%ld", base, (long)time(NULL));
    struct mf_cas *cas = NULL, *synced = NULL;
    struct mf_ds *ds = NULL;
    struct mf_err err = MF_ERR_INIT;
    if (mf__cas_open(root, 0, &cas, &err) || mf__cas_open(root, MF_CAS_SYNC, &synced, &err) ||
        mf__ds_open(root, "BenchFlow", 0, &ds, &err)) {
        fprintf(stderr, "bench_artifact: %s\n", err.msg);
        return 1;
    }
    printf("store: %s; loads find the object in the page cache\n", root);
    int rc = big_array(cas, mib, 0, rounds) || big_array(cas, mib, 1, rounds) || small_puts(cas, 20000, "no sync") ||
             small_puts(synced, 300, "fdatasync") || inline_stores(ds, 100000);
    mf__cas_close(cas);
    mf__cas_close(synced);
    mf__ds_close(ds);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_artifact: could not remove '%s'\n", root);
    return rc;
}
