/* SPDX-License-Identifier: Apache-2.0 */
/* alloc.h - the library's allocation entry points. Every allocation inside
 * src/ goes through these, so that an allocation-failure sweep or a custom
 * allocator can hook one place. They return NULL on failure, never abort. */
#ifndef MF_UTIL_ALLOC_H
#define MF_UTIL_ALLOC_H
#include <stddef.h>

void *mf__malloc(size_t n);
void *mf__calloc(size_t count, size_t n);
/* realloc that refuses count*size overflow; NULL on failure, `p` untouched. */
void *mf__reallocarray(void *p, size_t count, size_t size);
void *mf__realloc(void *p, size_t n);
char *mf__strdup(const char *s);
char *mf__strndup(const char *s, size_t n);
void mf__free(void *p);

/* Grows *arr (of *cap elements of `size` bytes) to hold at least `need`.
 * 0 or MF_ENOMEM. */
int mf__grow(void **arr, size_t *cap, size_t need, size_t size);
#define MF_GROW(arr, cap, need) mf__grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))
#endif
