/* SPDX-License-Identifier: Apache-2.0 */
/* buf.c - growable buffer (see buf.h for the invariants). */
#include "buf.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "metaflow.h"

char mf__buf_empty[1];

void mf__buf_init(struct mf_buf *b)
{
    b->buf = mf__buf_empty;
    b->len = 0;
    b->cap = 0;
}

void mf__buf_release(struct mf_buf *b)
{
    if (b->cap)
        mf__free(b->buf);
    mf__buf_init(b);
}

void mf__buf_reset(struct mf_buf *b)
{
    b->len = 0;
    if (b->cap)
        b->buf[0] = '\0';
}

int mf__buf_grow(struct mf_buf *b, size_t extra)
{
    if (extra >= SIZE_MAX - b->len - 1)
        return MF_ENOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    char *p = mf__realloc(b->cap ? b->buf : NULL, ncap);
    if (!p)
        return MF_ENOMEM;
    if (!b->cap)
        p[0] = '\0';
    b->buf = p;
    b->cap = ncap;
    return 0;
}

int mf__buf_add(struct mf_buf *b, const void *data, size_t len)
{
    if (mf__buf_grow(b, len))
        return MF_ENOMEM;
    if (len)
        memcpy(b->buf + b->len, data, len);
    b->len += len;
    b->buf[b->len] = '\0';
    return 0;
}

int mf__buf_adds(struct mf_buf *b, const char *s) { return mf__buf_add(b, s, strlen(s)); }

int mf__buf_addch(struct mf_buf *b, char c) { return mf__buf_add(b, &c, 1); }

int mf__buf_vaddf(struct mf_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    size_t room = b->cap ? b->cap - b->len : 0;
    va_copy(cp, ap);
    int n = vsnprintf(b->buf + b->len, room, fmt, cp);
    va_end(cp);
    bool fits = n >= 0 && (size_t)n < room;
    if (n >= 0 && !fits && mf__buf_grow(b, (size_t)n) == 0) {
        vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
        fits = true;
    }
    if (!fits) {
        /* What did not fit was written in part over the terminator: put it
         * back, so that a failed append leaves the buffer as it was. */
        if (b->cap)
            b->buf[b->len] = '\0';
        return n < 0 ? MF_EINVAL : MF_ENOMEM;
    }
    b->len += (size_t)n;
    return 0;
}

int mf__buf_addf(struct mf_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = mf__buf_vaddf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *mf__buf_detach(struct mf_buf *b, size_t *len)
{
    char *p = b->cap ? b->buf : mf__strdup("");
    if (len)
        *len = b->len;
    mf__buf_init(b);
    return p;
}

char *mf__strf(const char *fmt, ...)
{
    struct mf_buf b = MF_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    int rc = mf__buf_vaddf(&b, fmt, ap);
    va_end(ap);
    if (rc) {
        mf__buf_release(&b);
        return NULL;
    }
    return mf__buf_detach(&b, NULL);
}
