/* SPDX-License-Identifier: Apache-2.0 */
/* fsutil.c - atomic writes and whole-file reads (see fsutil.h). */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "metaflow.h"

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int mf__mkdirs(const char *path, struct mf_err *err)
{
    /* Usually only the last directory is new (a task's, under its step's):
     * one mkdir. Otherwise its parent is made first, the same way, so the
     * calls go up only as far as the first directory that exists, not down
     * from the root (a new step's first task: 2 calls, not 8). */
    if (mkdir(path, 0777) == 0)
        return 0;
    int e = errno;
    if (e == EEXIST) {
        if (is_dir(path))
            return 0;
        return mf__err(err, MF_EIO, "'%s' is a file, not a directory: remove it or choose another path", path);
    }
    const char *slash = strrchr(path, '/');
    if ((e != ENOENT && e != ENOTDIR) || !slash || slash == path)
        return mf__err_errno(err, MF_EIO, e, "cannot create directory '%s'", path);
    char *parent = mf__strndup(path, (size_t)(slash - path));
    if (!parent)
        return mf__err(err, MF_ENOMEM, "out of memory");
    int rc = mf__mkdirs(parent, err);
    mf__free(parent);
    if (rc)
        return rc;
    if (mkdir(path, 0777) != 0 && !(errno == EEXIST && is_dir(path)))
        return mf__err_errno(err, MF_EIO, errno, "cannot create directory '%s'", path);
    return 0;
}

int mf__mkdirs_for(const char *path, struct mf_err *err)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return 0;
    char *dir = mf__strndup(path, (size_t)(slash - path));
    if (!dir)
        return mf__err(err, MF_ENOMEM, "out of memory");
    int rc = mf__mkdirs(dir, err);
    mf__free(dir);
    return rc;
}

/* Creates a new file "FINAL.tmp-PID-NONCE" with O_EXCL. Not mkstemp: its
 * files are mode 0600, and renamed into place they would stay unreadable to
 * the other users of a shared datastore; this one gets 0666 less the umask,
 * as any file the user creates. The nonce comes from the clock and the try
 * count; O_EXCL makes a collision a retry, never a shared file. */
static int create_exclusive(const char *final_path, struct mf_buf *tmp)
{
    struct timespec ts;
    int fd = -1;
    for (unsigned tries = 0; fd < 0 && tries < 64; tries++) {
        clock_gettime(CLOCK_REALTIME, &ts);
        unsigned long nonce = (unsigned long)ts.tv_nsec ^ ((unsigned long)ts.tv_sec << 20) ^ (tries * 0x9e3779b9UL);
        mf__buf_reset(tmp);
        if (mf__buf_addf(tmp, "%s.tmp-%ld-%lx", final_path, (long)getpid(), nonce)) {
            errno = ENOMEM;
            return -1;
        }
        fd = open(tmp->buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            return -1;
    }
    return fd;
}

int mf__tmp_open(const char *final_path, struct mf_buf *tmp, struct mf_err *err)
{
    int fd = create_exclusive(final_path, tmp);
    if (fd < 0 && errno == ENOENT) {
        int rc = mf__mkdirs_for(final_path, err);
        if (rc)
            return rc;
        fd = create_exclusive(final_path, tmp);
    }
    if (fd < 0 && errno == ENOMEM)
        return mf__err(err, MF_ENOMEM, "out of memory");
    if (fd < 0)
        return mf__err_errno(err, MF_EIO, errno, "cannot create a temporary file for '%s'", final_path);
    return fd;
}

int mf__write_all(int fd, const void *data, size_t len, struct mf_err *err, const char *what)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len > (1u << 30) ? (1u << 30) : len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return mf__err_errno(err, MF_EIO, n < 0 ? errno : ENOSPC, "cannot write '%s'", what);
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Makes a rename into `path`'s directory durable: the rename is an update of
 * the directory, which fdatasync of the file does not cover. */
static int sync_parent_dir(const char *path, struct mf_err *err)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? mf__strndup(path, slash == path ? 1 : (size_t)(slash - path)) : mf__strdup(".");
    if (!dir)
        return mf__err(err, MF_ENOMEM, "out of memory");
    int rc = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL))
        rc = mf__err_errno(err, MF_EIO, errno, "cannot sync directory '%s'", dir);
    if (fd >= 0)
        close(fd);
    mf__free(dir);
    return rc;
}

int mf__tmp_commit(int fd, const char *tmp, const char *final_path, unsigned sync, struct mf_err *err)
{
    int rc = 0;
    if ((sync & MF_SYNC_DATA) && fdatasync(fd) != 0)
        rc = mf__err_errno(err, MF_EIO, errno, "cannot sync '%s'", final_path);
    if (close(fd) != 0 && !rc)
        rc = mf__err_errno(err, MF_EIO, errno, "cannot close '%s'", final_path);
    if (!rc && rename(tmp, final_path) != 0)
        rc = mf__err_errno(err, MF_EIO, errno, "cannot rename into '%s'", final_path);
    if (rc) {
        unlink(tmp);
        return rc;
    }
    return (sync & MF_SYNC_NAME) ? sync_parent_dir(final_path, err) : 0;
}

int mf__write_atomic(const char *path, const void *data, size_t len, unsigned sync, struct mf_err *err)
{
    struct mf_buf tmp = MF_BUF_INIT;
    int fd = mf__tmp_open(path, &tmp, err);
    int rc = fd < 0 ? fd : 0;
    if (rc)
        goto out;
    rc = mf__write_all(fd, data, len, err, path);
    if (rc) {
        close(fd);
        unlink(tmp.buf);
        goto out;
    }
    rc = mf__tmp_commit(fd, tmp.buf, path, sync, err);
out:
    mf__buf_release(&tmp);
    return rc;
}

int mf__read_file(const char *path, struct mf_buf *out, struct mf_err *err)
{
    int rc = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return mf__err(err, MF_ENOENT, "'%s' does not exist", path);
        return mf__err_errno(err, MF_EIO, errno, "cannot open '%s'", path);
    }
    /* Room for the size fstat gives plus one byte, so that the read finding
     * EOF needs no more: a small file (an index) costs a small buffer, not
     * 64 KiB of one, which a fresh process (a task) gets from mmap and gives
     * back with munmap. A file of unknown size, or one that grows, is read
     * 64 KiB at a time. */
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size > 0 && (uintmax_t)st.st_size < SIZE_MAX - 1 &&
        mf__buf_grow(out, (size_t)st.st_size + 1)) {
        rc = mf__err(err, MF_ENOMEM, "out of memory reading '%s'", path);
        goto out;
    }
    for (;;) {
        if (out->len + 1 >= out->cap && mf__buf_grow(out, 65536)) {
            rc = mf__err(err, MF_ENOMEM, "out of memory reading '%s'", path);
            goto out;
        }
        ssize_t n = read(fd, out->buf + out->len, out->cap - out->len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = mf__err_errno(err, MF_EIO, errno, "cannot read '%s'", path);
            goto out;
        }
        if (n == 0)
            break;
        out->len += (size_t)n;
        out->buf[out->len] = '\0';
    }
out:
    close(fd);
    return rc;
}

bool mf__path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}
