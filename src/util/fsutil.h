/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fsutil.h - file-system primitives with the durability rules of the
 * datastore: a file appears under its final name complete or not at all
 * (temporary file in the same directory, optional fsync, rename).
 */
#ifndef MF_UTIL_FSUTIL_H
#define MF_UTIL_FSUTIL_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Creates `path` and missing parents (mode 0777 & ~umask). 0 if it exists. */
int mf__mkdirs(const char *path, struct mf_err *err);
/* Creates the parent directories of file `path`. */
int mf__mkdirs_for(const char *path, struct mf_err *err);

/* What an atomic write makes durable before it returns. */
enum {
    MF_SYNC_DATA = 1, /* the file's content */
    MF_SYNC_NAME = 2, /* its name in the directory (the rename) */
};

/*
 * Writes `len` bytes to `path` atomically: a temporary file beside it, then
 * rename(2). `sync` (MF_SYNC_* flags) says what must survive a power loss
 * once this returns: the content (fdatasync before the rename) and the name
 * (fsync of the directory after it); see "Durability" in docs/format.md.
 * Parent directories are created. On failure nothing is left under `path`
 * or as a temporary file.
 */
int mf__write_atomic(const char *path, const void *data, size_t len, unsigned sync, struct mf_err *err);

/* Opens a temporary file beside `final_path` for writing; the temporary name
 * is stored in `tmp` (caller releases). Returns the fd or a negative MF_E*. */
int mf__tmp_open(const char *final_path, struct mf_buf *tmp, struct mf_err *err);
/* Writes all of `data` to fd, retrying short writes and EINTR. */
int mf__write_all(int fd, const void *data, size_t len, struct mf_err *err, const char *what);
/* Closes fd (fdatasync first with MF_SYNC_DATA), renames tmp to final_path
 * (then fsyncs its directory with MF_SYNC_NAME); unlinks tmp if the rename
 * did not happen. Always closes fd. */
int mf__tmp_commit(int fd, const char *tmp, const char *final_path, unsigned sync, struct mf_err *err);

/* Reads the whole file into `out` (appending). MF_ENOENT if it does not exist. */
int mf__read_file(const char *path, struct mf_buf *out, struct mf_err *err);

bool mf__path_exists(const char *path);
#endif
