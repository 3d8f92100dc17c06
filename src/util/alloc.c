/* SPDX-License-Identifier: Apache-2.0 */
/* alloc.c - thin wrappers over the C allocator (see alloc.h for why). */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metaflow.h"

#ifdef MF_FAULT_INJECTION
/* Test builds only (alloc_fault.h): the one place allocations can be made to
 * fail on purpose. Normal builds compile none of this. */
#include <execinfo.h>
#include <stdbool.h>
#include <stdio.h>

#include "alloc_fault.h"

static struct {
    bool armed, sticky;
    unsigned long nth, seen, failed;
} fault;

void mf__fault_arm(unsigned long n, bool sticky)
{
    fault.armed = n > 0;
    fault.sticky = sticky;
    fault.nth = n;
    fault.seen = 0;
    fault.failed = 0;
}

void mf__fault_disarm(void) { fault.armed = false; }
unsigned long mf__fault_failed(void) { return fault.failed; }
unsigned long mf__fault_seen(void) { return fault.seen; }

/* Counts one allocation; true when it is to fail. With MF_FAULT_TRACE set
 * in the environment, each failure prints the stack that asked for memory
 * (resolve the addresses with addr2line -e on the test program). */
static bool fault_now(void)
{
    if (!fault.armed)
        return false;
    fault.seen++;
    if (fault.seen < fault.nth || (fault.seen > fault.nth && !fault.sticky))
        return false;
    fault.failed++;
    if (getenv("MF_FAULT_TRACE")) {
        void *frames[32];
        fprintf(stderr, "injected allocation failure %lu:\n", fault.seen);
        backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
    }
    return true;
}
#define FAULT_NOW() fault_now()
#else
#define FAULT_NOW() 0
#endif

void *mf__malloc(size_t n) { return FAULT_NOW() ? NULL : malloc(n ? n : 1); }

void *mf__calloc(size_t count, size_t n) { return FAULT_NOW() ? NULL : calloc(count ? count : 1, n ? n : 1); }

void *mf__realloc(void *p, size_t n) { return FAULT_NOW() ? NULL : realloc(p, n ? n : 1); }

void *mf__reallocarray(void *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    return mf__realloc(p, count * size);
}

char *mf__strndup(const char *s, size_t n)
{
    char *d = mf__malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *mf__strdup(const char *s) { return mf__strndup(s, strlen(s)); }

void mf__free(void *p) { free(p); }

void mf_free(void *p) { mf__free(p); }

int mf__grow(void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return MF_ENOMEM;
        ncap *= 2;
    }
    void *p = mf__reallocarray(*arr, ncap, size);
    if (!p)
        return MF_ENOMEM;
    *arr = p;
    *cap = ncap;
    return 0;
}
