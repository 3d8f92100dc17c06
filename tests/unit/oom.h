/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oom.h - the allocation-failure sweep's harness, shared by the test_oom*
 * programs (docs/internals/oom.md). They link mf_objects_fault, the library
 * built with MF_FAULT_INJECTION (util/alloc_fault.h).
 *
 * sweep() runs an operation with allocation N failing, for N = 1, 2, ...
 * until a run completes without reaching allocation N: once with only
 * allocation N failing, once with every allocation from N on failing (a
 * process really out of memory). A run that reached the failure must return
 * MF_ENOMEM, with a message saying "out of memory" where the call reports
 * one; a run that did not must give the normal result. Nothing may crash or
 * leak: each TEST runs in its own process, and the sanitizer suite runs
 * these programs under ASan's leak checker.
 *
 * MF_OOM_TRACE=1 prints each run; MF_FAULT_TRACE=1 prints the stack of each
 * failed allocation (alloc.c). MF_OOM_JANSSON=1 counts jansson's own
 * allocations too, which jansson 2.14 does not survive (see the doc).
 */
#ifndef MF_TEST_OOM_H
#define MF_TEST_OOM_H
#include <dirent.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "metaflow.h"
#include "util/alloc.h"
#include "util/alloc_fault.h"

/* An operation: 0 or an MF_E* code. It frees everything it made before
 * returning, whatever happened; what it reports goes to op_msg. */
typedef int (*oom_op)(void *ctx);

static char op_msg[2048];
static unsigned long run_no; /* counts every run, for fresh directories */
/* Failed allocations of a library that recovers from some on its own
 * (SQLite's "benign" ones): counted by its allocation hooks. */
static unsigned long foreign_failed;

static inline void set_msg(const char *msg) { snprintf(op_msg, sizeof(op_msg), "%s", msg ? msg : ""); }

/* An operation's own checks after its calls: no more failures injected. */
static inline void settled(void) { mf__fault_disarm(); }

/* Makes or drops what one run works on (such as an open client, whose
 * caches would otherwise fill in early runs and hide their allocations from
 * later ones); called with no failure injected, NULL for nothing. */
typedef void (*oom_fixture)(void *ctx);

/* `want`: what a run without a failure returns. `msg`: the operation
 * reports a message, which must say "out of memory" after MF_ENOMEM. */
static inline void sweep_fresh(const char *what, oom_fixture setup, oom_op op, oom_fixture teardown, void *ctx,
                               int want, bool msg)
{
    unsigned long total = 0;
    for (int sticky = 0; sticky <= 1; sticky++) {
        for (unsigned long n = 1;; n++) {
            CHECK(n < 1000000);
            op_msg[0] = '\0';
            run_no++;
            if (getenv("MF_OOM_TRACE"))
                fprintf(stderr, "%s: failing allocation %lu%s\n", what, n, sticky ? " and later" : "");
            if (setup)
                setup(ctx);
            foreign_failed = 0;
            mf__fault_arm(n, sticky);
            int rc = op(ctx);
            unsigned long failed = mf__fault_failed(), seen = mf__fault_seen();
            mf__fault_disarm();
            if (teardown)
                teardown(ctx);
            if (failed && failed == foreign_failed && rc == want)
                continue; /* the library took it in its stride: that is its business */
            if (!failed) {
                if (rc != want)
                    fprintf(stderr, "%s: without a failure: %d (%s): %s\n", what, rc, mf_strerror(rc), op_msg);
                CHECK_EQ_INT(rc, want);
                total = n - 1;
                break;
            }
            if (rc != MF_ENOMEM || (msg && !strstr(op_msg, "out of memory"))) {
                fprintf(stderr, "%s: allocation %lu of %lu failed%s: returned %d (%s), message '%s'\n", what, n,
                        seen, sticky ? " (and later ones)" : "", rc, mf_strerror(rc), op_msg);
                CHECK(0 && "an allocation failure must give MF_ENOMEM");
            }
        }
    }
    printf("  %-28s %4lu allocations, each failed: ok\n", what, total);
}

static inline void sweep(const char *what, oom_op op, void *ctx, int want, bool msg)
{
    sweep_fresh(what, NULL, op, NULL, ctx, want, msg);
}

/* libcbor is used only through its streaming API, which allocates nothing.
 * Jansson's allocations join the count only with MF_OOM_JANSSON=1: jansson
 * 2.14's parser is not safe when they fail (docs/internals/oom.md). */
static inline void route_libraries(void)
{
    if (getenv("MF_OOM_JANSSON"))
        json_set_alloc_funcs(mf__malloc, mf__free);
}

static char tmp_root[64];

/* Removes the TEST's directory, also when a CHECK ends the TEST early. */
static inline void tmp_cleanup(void)
{
    char cmd[128];
    if (!tmp_root[0])
        return;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp_root);
    tmp_root[0] = '\0';
}

/* A new directory for a TEST's files; in memory (/dev/shm) when `fast` and
 * the system has it, for sweeps that create thousands of databases. */
static inline void tmp_make_in(bool fast)
{
    DIR *shm = fast ? opendir("/dev/shm") : NULL;
    snprintf(tmp_root, sizeof(tmp_root), "%s/mf_oom_XXXXXX", shm ? "/dev/shm" : "/tmp");
    if (shm)
        closedir(shm);
    CHECK(mkdtemp(tmp_root) != NULL);
    atexit(tmp_cleanup);
}

static inline void tmp_make(void) { tmp_make_in(false); }

static inline void tmp_remove(void) { tmp_cleanup(); }

/* A directory under tmp_root no run used before. */
static inline void fresh_dir(char *out, size_t size) { snprintf(out, size, "%s/r%lu", tmp_root, run_no); }

/* n doubles: a repeating pattern (compresses) or a noisy one (does not). */
static inline mf_value *doubles(size_t n, bool noisy)
{
    double *d = malloc(n * sizeof(*d));
    uint64_t x = 88172645463325252u;
    CHECK(d != NULL);
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        d[i] = noisy ? (double)x / 3.0 : (double)(i % 10);
    }
    mf_value *v = mf_value_array(MF_F64S, d, n);
    free(d);
    CHECK(v != NULL);
    return v;
}


/* Files under `dir` (to two levels down) whose name holds ".tmp-": what a
 * failed atomic write must not leave behind. */
static inline int temp_files(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char sub[1024];
        if (e->d_name[0] == '.')
            continue;
        n += strstr(e->d_name, ".tmp-") != NULL;
        if (depth > 0 && (size_t)snprintf(sub, sizeof(sub), "%.500s/%.255s", dir, e->d_name) < sizeof(sub))
            n += temp_files(sub, depth - 1);
    }
    closedir(d);
    return n;
}
#endif
