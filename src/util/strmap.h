/* SPDX-License-Identifier: Apache-2.0 */
/*
 * strmap.h - a string -> int64 hash map (open addressing, linear probing),
 * for counters keyed by text, such as the passes of a loop at each split
 * position. Keys are copied. Not for untrusted sizes: it grows without bound.
 */
#ifndef MF_UTIL_STRMAP_H
#define MF_UTIL_STRMAP_H
#include <stddef.h>
#include <stdint.h>

struct mf_strmap {
    char **keys;
    int64_t *vals;
    size_t n, cap; /* cap is 0 or a power of two */
};

#define MF_STRMAP_INIT { NULL, NULL, 0, 0 }

void mf__strmap_release(struct mf_strmap *m);
/* The slot of `key`, inserted with value 0 when absent; NULL when out of
 * memory. The pointer is valid until the next insertion. */
int64_t *mf__strmap_slot(struct mf_strmap *m, const char *key);
#endif
