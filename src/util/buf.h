/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buf.h - the one growable byte/string buffer of the library (git's strbuf).
 * Invariants: `buf` is never NULL (an empty buffer points at a static ""),
 * and buf[len] == '\0' so the contents are always a C string.
 * A failed append leaves the buffer as it was and returns MF_ENOMEM.
 */
#ifndef MF_UTIL_BUF_H
#define MF_UTIL_BUF_H
#include <stdarg.h>
#include <stddef.h>

struct mf_buf {
    char *buf;
    size_t len;
    size_t cap; /* 0 while buf points at the static "" */
};

#define MF_BUF_INIT { mf__buf_empty, 0, 0 }
extern char mf__buf_empty[];

void mf__buf_init(struct mf_buf *b);
/* Frees the storage and re-initialises. */
void mf__buf_release(struct mf_buf *b);
/* Empties without freeing. */
void mf__buf_reset(struct mf_buf *b);
int mf__buf_grow(struct mf_buf *b, size_t extra);
int mf__buf_add(struct mf_buf *b, const void *data, size_t len);
int mf__buf_adds(struct mf_buf *b, const char *s);
int mf__buf_addch(struct mf_buf *b, char c);
int mf__buf_addf(struct mf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int mf__buf_vaddf(struct mf_buf *b, const char *fmt, va_list ap);
/* Hands the storage to the caller (free with mf__free) and re-initialises.
 * Returns a heap copy of "" for an empty buffer, or NULL when out of memory. */
char *mf__buf_detach(struct mf_buf *b, size_t *len);
/* printf into a new string (free with mf__free); NULL when out of memory. */
char *mf__strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
