/* SPDX-License-Identifier: Apache-2.0 */
/*
 * err.h - error detail carried through internal calls. A function that can
 * fail returns a negative MF_E* code and, when handed a non-NULL struct
 * mf_err, leaves one message there: lowercase, no trailing period, the
 * subject in quotes, and the fix where there is one, e.g.
 *   object 'ab12…' is corrupt: its content hashes to 'cd34…'; delete it and re-run
 * The library never prints; the CLI and the task process print err->msg.
 */
#ifndef MF_UTIL_ERR_H
#define MF_UTIL_ERR_H

struct mf_err {
    int code;
    char msg[1024];
};

#define MF_ERR_INIT { 0, { 0 } }

/* Records code and message (when err is non-NULL) and returns `code`, so
 * that `return mf__err(err, MF_EIO, "...")` reads naturally. */
int mf__err(struct mf_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Like mf__err with ": strerror(errno_value)" appended. */
int mf__err_errno(struct mf_err *err, int code, int errno_value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prefixes the message already recorded in err with formatted context. */
void mf__err_prefix(struct mf_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
