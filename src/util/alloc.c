/* SPDX-License-Identifier: Apache-2.0 */
/* alloc.c - thin wrappers over the C allocator (see alloc.h for why). */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metaflow.h"

void *mf__malloc(size_t n) { return malloc(n ? n : 1); }

void *mf__calloc(size_t count, size_t n) { return calloc(count ? count : 1, n ? n : 1); }

void *mf__realloc(void *p, size_t n) { return realloc(p, n ? n : 1); }

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
