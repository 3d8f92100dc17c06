/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run_record.c - the copy of a run's tags and origin in its directory
 * (run_record.h). JSON, so that a person or a script reading the datastore
 * can read it too; written through the same atomic path as every other
 * file of the store, parsed by jansson (json.c) and then checked field by
 * field, since the rebuild puts what it reads back into the database.
 * It is renamed into place but not forced to disk: the database it copies
 * commits in WAL mode with synchronous=NORMAL, whose last transactions a
 * power loss may also take; a copy left empty by one is reported as
 * damaged by the rebuild, never read as a wrong value. An fdatasync here
 * cost every run ~0.3 ms of CPU (bench/task_cost.sh's 3-step run).
 */
#include "run_record.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"
#include "meta.h"
#include "metaflow.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "value.h"

#define RECORD_FORMAT 1

static int record_path(const char *root, const char *flow, const char *run_id, struct mf_buf *dir,
                       struct mf_buf *path)
{
    return mf__buf_addf(dir, "%s/%s/%s", root, flow, run_id) || mf__buf_addf(path, "%s/_run.json", dir->buf)
               ? MF_ENOMEM
               : 0;
}

int mf__run_record_write(const char *root, const char *flow, const char *run_id, char *const *sys_tags, size_t nsys,
                         char *const *tags, size_t ntags, const char *origin_run_id, struct mf_err *err)
{
    struct mf_buf dir = MF_BUF_INIT, path = MF_BUF_INIT, text = MF_BUF_INIT;
    mf_value *doc = mf_value_map();
    struct stat st;
    int rc = doc ? record_path(root, flow, run_id, &dir, &path) : MF_ENOMEM;
    if (!rc && stat(dir.buf, &st) != 0 && errno == ENOENT)
        goto out; /* the run's directory was removed: nothing would be rebuilt */
    if (!rc && (mf_value_map_put(doc, "format", mf_value_int(RECORD_FORMAT)) ||
                mf_value_map_put(doc, "system_tags", mf__value_str_list((const char *const *)sys_tags, nsys)) ||
                mf_value_map_put(doc, "tags", mf__value_str_list((const char *const *)tags, ntags)) ||
                mf_value_map_put(doc, "origin_run_id", origin_run_id ? mf_value_str(origin_run_id) : mf_value_null()) ||
                mf__json_dump(doc, &text) || mf__buf_addch(&text, '\n')))
        rc = MF_ENOMEM;
    if (rc == MF_ENOMEM)
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    else if (!rc)
        rc = mf__write_atomic(path.buf, text.buf, text.len, 0, err); /* durable as the database's commits, below */
out:
    mf_value_free(doc);
    mf__buf_release(&dir);
    mf__buf_release(&path);
    mf__buf_release(&text);
    return rc;
}

static int bad(const char *path, struct mf_err *err, const char *why)
{
    return mf__err(err, MF_ECORRUPT, "the run record copy '%s' is damaged (%s); `metadata rebuild` derives what it "
                   "can instead (user and date tags), or restore the file", path, why);
}

/* A list of valid tags under `key` into a NULL-terminated vector. */
static int tag_list(const mf_value *doc, const char *key, const char *path, char ***out, size_t *n,
                    struct mf_err *err)
{
    const mf_value *l = mf_value_key(doc, key);
    if (mf_value_type(l) != MF_LIST)
        return bad(path, err, key);
    size_t len = mf_value_len(l);
    if (!(*out = mf__calloc(len + 1, sizeof(char *))))
        return mf__err(err, MF_ENOMEM, "out of memory");
    for (size_t i = 0; i < len; i++) {
        const char *s;
        if (mf_value_get_str(mf_value_at(l, i), &s) || mf__tag_check(s, NULL))
            return bad(path, err, key);
        if (!((*out)[i] = mf__strdup(s)))
            return mf__err(err, MF_ENOMEM, "out of memory");
        *n = i + 1;
    }
    return 0;
}

int mf__run_record_parse(const char *text, const char *path, struct mf_run_record *r, struct mf_err *err)
{
    memset(r, 0, sizeof(*r));
    mf_value *doc = NULL;
    int64_t format = 0;
    struct mf_err why = MF_ERR_INIT;
    int rc = mf__json_parse(text, &doc, &why);
    if (rc == MF_ENOMEM)
        return mf__err(err, MF_ENOMEM, "out of memory");
    if (rc || mf_value_type(doc) != MF_MAP || mf_value_get_int(mf_value_key(doc, "format"), &format))
        rc = bad(path, err, rc ? why.msg : "no format");
    else if (format != RECORD_FORMAT)
        rc = mf__err(err, MF_ECORRUPT, "the run record copy '%s' has format %lld, which this version of metaflow-c "
                     "does not read (it reads %d): rebuild with the version that wrote it", path, (long long)format,
                     RECORD_FORMAT);
    if (!rc)
        rc = tag_list(doc, "system_tags", path, &r->sys_tags, &r->nsys_tags, err);
    if (!rc)
        rc = tag_list(doc, "tags", path, &r->tags, &r->ntags, err);
    const mf_value *origin = rc ? NULL : mf_value_key(doc, "origin_run_id");
    const char *o = NULL;
    if (!rc && mf_value_type(origin) != MF_NULL &&
        (mf_value_get_str(origin, &o) || !mf__is_run_id(o)))
        rc = bad(path, err, "origin_run_id");
    if (!rc && o && !(r->origin_run_id = mf__strdup(o)))
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    mf_value_free(doc);
    if (rc)
        mf__run_record_release(r);
    return rc;
}

int mf__run_record_read(const char *root, const char *flow, const char *run_id, struct mf_run_record *r,
                        struct mf_err *err)
{
    struct mf_buf dir = MF_BUF_INIT, path = MF_BUF_INIT, text = MF_BUF_INIT;
    memset(r, 0, sizeof(*r));
    int rc = record_path(root, flow, run_id, &dir, &path);
    if (rc) {
        rc = mf__err(err, MF_ENOMEM, "out of memory");
        goto out;
    }
    struct mf_err why = MF_ERR_INIT;
    rc = mf__read_file(path.buf, &text, &why);
    if (rc == MF_ENOENT)
        rc = mf__err(err, MF_ENOENT, "run %s has no record copy '%s'", run_id, path.buf);
    else if (rc)
        rc = mf__err(err, rc, "%s", why.msg);
    else if (memchr(text.buf, '\0', text.len))
        rc = bad(path.buf, err, "a NUL byte");
    else
        rc = mf__run_record_parse(text.buf, path.buf, r, err);
out:
    mf__buf_release(&dir);
    mf__buf_release(&path);
    mf__buf_release(&text);
    return rc;
}

bool mf__is_run_id(const char *s)
{
    size_t n = strspn(s, "0123456789");
    return n > 0 && n <= 18 && !s[n];
}

void mf__run_record_release(struct mf_run_record *r)
{
    mf_strv_free(r->sys_tags);
    mf_strv_free(r->tags);
    mf__free(r->origin_run_id);
    memset(r, 0, sizeof(*r));
}
