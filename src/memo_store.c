/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memo_store.c - the memo entries of a flow (memo.h), files under
 * ROOT/FLOW/.memo/v<schema>/ (docs/format.md, "Memo entries"):
 *
 *   keys/ab/<key>        one entry: JSON naming the origin task, its index's
 *                        hash and the key's parts
 *   last/<place hash>    the key most recently published for one place (a
 *                        step at a split position), what a miss is compared with
 *
 * Entries are written like indexes (temporary file, fsync, rename), so a
 * reader sees a whole entry or none, and two runs publishing one key leave
 * one entry. Nothing here is trusted: a file that does not parse, or names
 * another key, is a miss that says so, never an error of the run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "memo.h"
#include "util/alloc.h"
#include "util/fsutil.h"

int mf__memo_dir(struct mf_ds *ds, struct mf_buf *out)
{
    return mf__buf_addf(out, "%s/%s/.memo/v%d", mf__ds_root(ds), mf__ds_flow(ds), MF_MEMO_SCHEMA);
}

static int entry_path(struct mf_ds *ds, const char *key, struct mf_buf *out)
{
    return mf__memo_dir(ds, out) || mf__buf_addf(out, "/keys/%.2s/%s", key, key);
}

/* The file naming the last key published for the place `parts` name. */
static int last_path(struct mf_ds *ds, const mf_value *parts, struct mf_buf *out)
{
    const char *position = NULL;
    int64_t pass = 0;
    char hex[MF_HASH_HEX_LEN + 1];
    struct mf_buf place = MF_BUF_INIT;
    if (mf_value_get_str(mf_value_key(parts, "position"), &position) ||
        mf_value_get_int(mf_value_key(parts, "pass"), &pass))
        return MF_EINVAL;
    int rc = mf__buf_addf(&place, "%s#%" PRId64, position, pass);
    if (!rc)
        mf__sha256_hex(place.buf, place.len, hex);
    mf__buf_release(&place);
    return rc || mf__memo_dir(ds, out) || mf__buf_addf(out, "/last/%s", hex) ? MF_ENOMEM : 0;
}

/* The key the place pointer at `path` holds, into key: 0, or MF_ENOENT when
 * there is none or it holds no key (torn, foreign: as if none). Every hit
 * reads its place's, so: one read of up to 65 bytes, no fstat, and a short
 * read is the end of the file (pointers are replaced whole, never grown). */
static int read_last(const char *path, char key[MF_HASH_HEX_LEN + 1])
{
    char buf[MF_HASH_HEX_LEN + 1];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return MF_ENOENT;
    ssize_t n;
    do
        n = read(fd, buf, sizeof(buf));
    while (n < 0 && errno == EINTR);
    close(fd);
    if (n != MF_HASH_HEX_LEN)
        return MF_ENOENT;
    memcpy(key, buf, MF_HASH_HEX_LEN);
    key[MF_HASH_HEX_LEN] = '\0';
    return mf__is_hash_hex(key) ? 0 : MF_ENOENT;
}

void mf__memo_entry_release(struct mf_memo_entry *e)
{
    mf__free(e->origin);
    mf_value_free(e->parts);
    mf__free(e->previous);
    memset(e, 0, sizeof(*e));
}

static const char *str_of(const mf_value *m, const char *key)
{
    const char *s = NULL;
    return mf_value_get_str(mf_value_key(m, key), &s) ? NULL : s;
}

/* Reads an entry's fields, refusing what this schema never writes. */
static int entry_decode(const mf_value *v, const char *key, struct mf_memo_entry *e)
{
    int64_t schema = 0;
    const char *k = str_of(v, "key"), *origin = str_of(v, "origin"), *ix = str_of(v, "index");
    const char *previous = str_of(v, "previous");
    const mf_value *parts = mf_value_key(v, "parts");
    if (mf_value_get_int(mf_value_key(v, "schema"), &schema) || schema != MF_MEMO_SCHEMA || !k ||
        strcmp(k, key) != 0 || !origin || !strchr(origin, '/') || !ix || !mf__is_hash_hex(ix) ||
        mf_value_type(parts) != MF_MAP || (previous && !mf__is_hash_hex(previous)))
        return MF_ECORRUPT;
    snprintf(e->key, sizeof(e->key), "%s", key);
    snprintf(e->index_hash, sizeof(e->index_hash), "%s", ix);
    mf_value_get_double(mf_value_key(v, "created"), &e->created);
    e->origin = mf__strdup(origin);
    e->parts = mf_value_copy(parts);
    e->previous = previous ? mf__strdup(previous) : NULL;
    return e->origin && e->parts && (!previous || e->previous) ? 0 : MF_ENOMEM;
}

int mf__memo_lookup(struct mf_ds *ds, const char *key, struct mf_memo_entry *e, struct mf_err *err)
{
    struct mf_buf path = MF_BUF_INIT, text = MF_BUF_INIT;
    mf_value *v = NULL;
    struct mf_err why = MF_ERR_INIT;
    memset(e, 0, sizeof(*e));
    int rc = entry_path(ds, key, &path) ? mf__err(err, MF_ENOMEM, "out of memory") : 0;
    if (!rc)
        rc = mf__read_file(path.buf, &text, &why);
    if (rc == MF_ENOENT)
        goto out;
    if (!rc && (rc = mf__buf_addch(&text, '\0')) != 0)
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    if (!rc && mf__json_parse(text.buf, &v, &why) == 0)
        rc = entry_decode(v, key, e);
    else if (!rc)
        rc = MF_ECORRUPT;
    if (rc == MF_ECORRUPT || rc == MF_EIO)
        rc = mf__err(err, MF_ECORRUPT, "memo entry '%s' is not a valid entry of key %s%s%s; it is ignored (`cache prune` "
                     "removes it)", path.buf, key, why.msg[0] ? ": " : "", why.msg);
    else if (rc == MF_ENOMEM)
        rc = mf__err(err, MF_ENOMEM, "out of memory");
out:
    if (rc)
        mf__memo_entry_release(e);
    mf_value_free(v);
    mf__buf_release(&path);
    mf__buf_release(&text);
    return rc;
}

int mf__memo_last(struct mf_ds *ds, const mf_value *parts, struct mf_memo_entry *e, struct mf_err *err)
{
    struct mf_buf path = MF_BUF_INIT;
    char key[MF_HASH_HEX_LEN + 1];
    memset(e, 0, sizeof(*e));
    int rc = last_path(ds, parts, &path) ? mf__err(err, MF_ENOMEM, "out of memory") : 0;
    if (!rc && (rc = read_last(path.buf, key)) == 0)
        rc = mf__memo_lookup(ds, key, e, err);
    mf__buf_release(&path);
    return rc;
}

static int entry_text(const char *key, const mf_value *parts, const char *origin, const char *index_hash,
                      const char *previous, struct mf_buf *out)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    mf_value *v = mf_value_map();
    int rc = v ? 0 : MF_ENOMEM;
    if (!rc && (mf_value_map_put(v, "schema", mf_value_int(MF_MEMO_SCHEMA)) ||
                mf_value_map_put(v, "key", mf_value_str(key)) || mf_value_map_put(v, "origin", mf_value_str(origin)) ||
                mf_value_map_put(v, "index", mf_value_str(index_hash)) ||
                mf_value_map_put(v, "parts", mf_value_copy(parts)) ||
                mf_value_map_put(v, "created", mf_value_double((double)now.tv_sec + (double)now.tv_nsec / 1e9)) ||
                (previous && mf_value_map_put(v, "previous", mf_value_str(previous)))))
        rc = MF_ENOMEM;
    if (!rc)
        rc = mf__json_dump(v, out) || mf__buf_addch(out, '\n') ? MF_ENOMEM : 0;
    mf_value_free(v);
    return rc;
}

int mf__memo_publish(struct mf_ds *ds, const char *key, const mf_value *parts, const char *origin,
                     const char *index_hash, struct mf_err *err)
{
    struct mf_buf path = MF_BUF_INIT, lpath = MF_BUF_INIT, text = MF_BUF_INIT;
    char old[MF_HASH_HEX_LEN + 1];
    int rc = entry_path(ds, key, &path) || last_path(ds, parts, &lpath) ? MF_ENOMEM : 0;
    /* the key this one replaces at its place, for `cache explain` */
    bool had_last = !rc && read_last(lpath.buf, old) == 0 && strcmp(old, key) != 0;
    if (!rc)
        rc = entry_text(key, parts, origin, index_hash, had_last ? old : NULL, &text);
    if (rc) {
        rc = mf__err(err, MF_ENOMEM, "out of memory");
        goto out;
    }
    /* Renamed into place, not fsync'd: a crash of a process leaves no part
     * of an entry, and after a power loss an entry lost or torn reads as a
     * miss (its origin's index, which is durable, is checked on every use).
     * Two fsyncs per task cost more than the task's own commit. */
    rc = mf__write_atomic(path.buf, text.buf, text.len, 0, err);
    if (!rc)
        rc = mf__write_atomic(lpath.buf, key, MF_HASH_HEX_LEN, 0, err);
    if (rc)
        mf__err_prefix(err, "cannot publish the memo entry of %s/%s: ", mf__ds_flow(ds), origin);
out:
    mf__buf_release(&path);
    mf__buf_release(&lpath);
    mf__buf_release(&text);
    return rc;
}

int mf__memo_set_last(struct mf_ds *ds, const mf_value *parts, const char *key, struct mf_err *err)
{
    struct mf_buf path = MF_BUF_INIT;
    char now[MF_HASH_HEX_LEN + 1];
    int rc = last_path(ds, parts, &path) ? mf__err(err, MF_ENOMEM, "out of memory") : 0;
    /* A hit usually finds the pointer already there: reading it is cheaper
     * than replacing it with the same bytes. */
    bool same = !rc && read_last(path.buf, now) == 0 && strcmp(now, key) == 0;
    if (!rc && !same)
        rc = mf__write_atomic(path.buf, key, MF_HASH_HEX_LEN, 0, err);
    mf__buf_release(&path);
    return rc;
}

/* "RUN/STEP/TASK" into its three parts (copied into `buf`). */
static int split_origin(const char *origin, char *buf, size_t size, char **run, char **step, char **task)
{
    if (snprintf(buf, size, "%s", origin) >= (int)size)
        return MF_ECORRUPT;
    *run = buf;
    *step = strchr(buf, '/');
    *task = *step ? strchr(*step + 1, '/') : NULL;
    if (!*task)
        return MF_ECORRUPT;
    *(*step)++ = '\0';
    *(*task)++ = '\0';
    return 0;
}

int mf__memo_check_origin(struct mf_ds *ds, const struct mf_memo_entry *e, struct mf_index *ix, struct mf_err *err)
{
    char buf[512], *run, *step, *task, hex[MF_HASH_HEX_LEN + 1];
    struct mf_buf path = MF_BUF_INIT, bytes = MF_BUF_INIT;
    mf__index_init(ix);
    int rc = split_origin(e->origin, buf, sizeof(buf), &run, &step, &task);
    if (rc)
        return mf__err(err, rc, "the entry names no task ('%s')", e->origin);
    rc = mf__ds_task_dir(ds, run, step, task, &path) || mf__buf_adds(&path, "/index") ? MF_ENOMEM : 0;
    if (!rc)
        rc = mf__read_file(path.buf, &bytes, err);
    if (rc == MF_ENOENT)
        rc = mf__err(err, MF_ENOENT, "its task %s has no index any more", e->origin);
    if (!rc) {
        mf__sha256_hex(bytes.buf ? bytes.buf : "", bytes.len, hex);
        if (strcmp(hex, e->index_hash) != 0)
            rc = mf__err(err, MF_ECORRUPT, "the index of its task %s is not the one it recorded", e->origin);
    }
    if (!rc)
        rc = mf__index_decode(bytes.buf, bytes.len, ix, err);
    if (!rc)
        rc = mf__ds_objects_ok(ds, ix, err);
    if (rc)
        mf__index_release(ix);
    mf__buf_release(&path);
    mf__buf_release(&bytes);
    return rc == MF_ENOMEM ? mf__err(err, rc, "out of memory") : rc;
}

/* One keys/ab directory. */
static int each_in(const char *dir, mf_memo_file_fn fn, void *ctx, struct mf_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : mf__err_errno(err, MF_EIO, errno, "cannot list '%s'", dir);
    struct mf_buf path = MF_BUF_INIT;
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d)) != NULL) {
        bool tmp = strstr(e->d_name, ".tmp-") != NULL;
        if (!tmp && !mf__is_hash_hex(e->d_name))
            continue;
        mf__buf_reset(&path);
        rc = mf__buf_addf(&path, "%s/%s", dir, e->d_name) ? mf__err(err, MF_ENOMEM, "out of memory")
                                                          : fn(ctx, e->d_name, path.buf, tmp);
    }
    closedir(d);
    mf__buf_release(&path);
    return rc;
}

int mf__memo_each(struct mf_ds *ds, mf_memo_file_fn fn, void *ctx, struct mf_err *err)
{
    struct mf_buf dir = MF_BUF_INIT;
    int rc = mf__memo_dir(ds, &dir) || mf__buf_adds(&dir, "/keys") ? mf__err(err, MF_ENOMEM, "out of memory") : 0;
    DIR *d = rc ? NULL : opendir(dir.buf);
    if (!rc && !d && errno != ENOENT)
        rc = mf__err_errno(err, MF_EIO, errno, "cannot list '%s'", dir.buf);
    size_t base = dir.len;
    struct dirent *e;
    while (d && !rc && (e = readdir(d)) != NULL) {
        if (strlen(e->d_name) != 2 || !strchr("0123456789abcdef", e->d_name[0]) ||
            !strchr("0123456789abcdef", e->d_name[1]))
            continue;
        dir.len = base;
        rc = mf__buf_addf(&dir, "/%s", e->d_name) ? mf__err(err, MF_ENOMEM, "out of memory")
                                                  : each_in(dir.buf, fn, ctx, err);
    }
    if (d)
        closedir(d);
    mf__buf_release(&dir);
    return rc;
}
