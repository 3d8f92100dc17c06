/* SPDX-License-Identifier: Apache-2.0 */
/* err.c - error codes' names and the struct mf_err helpers. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "metaflow.h"

const char *mf_strerror(int code)
{
    switch (code) {
    case 0:
        return "success";
#define MF__ERRNO_CASE(name, num, text) \
    case num:                          \
        return text;
        MF_ERRNO_MAP(MF__ERRNO_CASE)
#undef MF__ERRNO_CASE
    default:
        return "unknown error";
    }
}

unsigned mf_version(void) { return MF_VERSION_HEX; }

const char *mf_version_string(void)
{
#define MF__STR2(x) #x
#define MF__STR(x) MF__STR2(x)
    return MF__STR(MF_VERSION_MAJOR) "." MF__STR(MF_VERSION_MINOR) "." MF__STR(MF_VERSION_PATCH);
}

int mf__err(struct mf_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return code;
}

int mf__err_errno(struct mf_err *err, int code, int errno_value, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < sizeof(err->msg))
            snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(errno_value));
    }
    return code;
}

void mf__err_prefix(struct mf_err *err, const char *fmt, ...)
{
    if (!err)
        return;
    char old[sizeof(err->msg)];
    memcpy(old, err->msg, sizeof(old));
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof(err->msg))
        snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, "%s", old);
}
