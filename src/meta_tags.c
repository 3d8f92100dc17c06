/* SPDX-License-Identifier: Apache-2.0 */
/*
 * meta_tags.c - a run's tags: what a tag may be, the system tags every run
 * gets (kept in their own table, never changed), and the one writer that
 * removes then adds user tags in a single transaction (tag add, remove and
 * replace are all that writer; it also rewrites the copy of the run's tags
 * in the run's directory, for `metadata rebuild`). The public mf_tags_*
 * wrappers open the metadata of a root for one change, for the CLI and the
 * client.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "meta_impl.h"
#include "run_record.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fsutil.h"

int mf__tag_check(const char *tag, struct mf_err *err)
{
    size_t len = tag ? strlen(tag) : 0, bad = 0;
    if (len && mf__utf8_check(tag, len, &bad))
        return mf__err(err, MF_EINVAL,
                       "invalid tag: byte %zu (0x%02x) is not UTF-8 text; a tag is 1 to %d bytes of UTF-8 text",
                       bad + 1, (unsigned char)tag[bad], MF_TAG_MAX);
    if (len == 0 || len > MF_TAG_MAX) {
        int shown = len > 60 ? 60 : (int)len;
        while (shown > 0 && ((unsigned char)tag[shown] & 0xC0) == 0x80)
            shown--; /* cut on a character boundary */
        return mf__err(err, MF_EINVAL, "invalid tag '%.*s%s': a tag is 1 to %d bytes of UTF-8 text, this one has %zu",
                       shown, tag ? tag : "", len > 60 ? "..." : "", MF_TAG_MAX, len);
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)tag[i] < 0x20 || tag[i] == 0x7f)
            return mf__err(err, MF_EINVAL,
                           "invalid tag: byte %zu is a control character (0x%02x); a tag is printable UTF-8 text",
                           i + 1, (unsigned char)tag[i]);
    return 0;
}

const char *mf__user_name(void)
{
    const char *u = getenv("USER");
    if (u && *u)
        return u;
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_name && *pw->pw_name ? pw->pw_name : "unknown";
}

/* "date:YYYY-MM-DD" (UTC) of `t`, into buf. */
static void date_tag(double t, char *buf, size_t size)
{
    time_t secs = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&secs, &tm) || !strftime(buf, size, "date:%Y-%m-%d", &tm))
        snprintf(buf, size, "date:unknown");
}

bool mf__run_is_spin(char *const *tags, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (tags[i] && !strcmp(tags[i], "runtime:" MF_RUNTIME_SPIN))
            return true;
    return false;
}

int mf__meta_system_tags(const char *user, const char *runtime, double start, char ***tags, size_t *n)
{
    char date[32];
    date_tag(start, date, sizeof(date));
    char *v[4] = { mf__strf("user:%s", user && *user ? user : "unknown"), mf__strf("runtime:%s", runtime),
                   mf__strf("metaflow_c_version:%s", mf_version_string()), mf__strdup(date) };
    *tags = mf__calloc(5, sizeof(**tags));
    *n = 0;
    bool ok = *tags != NULL;
    for (size_t i = 0; i < 4; i++) {
        ok = ok && v[i];
        if (*tags)
            (*tags)[i] = v[i];
        else
            mf__free(v[i]);
    }
    if (ok) {
        *n = 4;
        return 0;
    }
    for (size_t i = 0; *tags && i < 4; i++)
        mf__free((*tags)[i]);
    mf__free(*tags);
    *tags = NULL;
    return MF_ENOMEM;
}

static bool has(char *const *tags, size_t n, const char *tag)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(tags[i], tag))
            return true;
    return false;
}

bool mf__meta_run_has_tags(const struct mf_meta_run *r, const char *const *tags, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!has(r->tags, r->ntags, tags[i]) && !has(r->sys_tags, r->nsys_tags, tags[i]))
            return false;
    return true;
}

/* Whether `tag` is one of the run's system tags; -1 (err set) on failure. */
static int is_system(struct mf_meta *m, const char *flow, const char *run_id, const char *tag, struct mf_err *err)
{
    sqlite3_stmt *st = mf__meta_stmt(
        m, MST_SYSTAG_HAS, "SELECT 1 FROM system_tags WHERE flow = ?1 AND run_id = ?2 AND tag = ?3", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, flow, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, tag, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), ret = rc == SQLITE_ROW ? 1 : 0;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        mf__meta_db_err(m, rc, err);
        ret = -1;
    }
    mf__meta_stmt_reset(st);
    return ret;
}

/* One user-tag insert or delete (slot `id`, `sql`). */
static int tag_exec(struct mf_meta *m, enum mf_meta_stmt id, const char *sql, const char *flow, const char *run_id,
                    const char *tag, struct mf_err *err)
{
    sqlite3_stmt *st = mf__meta_stmt(m, id, sql, err);
    if (!st)
        return err ? err->code : MF_EDB;
    sqlite3_bind_text(st, 1, flow, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, tag, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int ret = rc == SQLITE_DONE ? 0 : mf__meta_db_err(m, rc, err);
    mf__meta_stmt_reset(st);
    return ret;
}

static int check_all(const char *const *tags, size_t n, struct mf_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (mf__tag_check(tags[i], err))
            return MF_EINVAL;
    return 0;
}

/* Removals first: a system tag named there is refused (nothing changes);
 * additions that are system tags of the run are skipped, as Metaflow does. */
static int apply(struct mf_meta *m, const char *flow, const char *run_id, const char *const *remove, size_t nremove,
                 const char *const *add, size_t nadd, struct mf_err *err)
{
    int ret = 0;
    for (size_t i = 0; i < nremove && !ret; i++) {
        int sys = is_system(m, flow, run_id, remove[i], err);
        if (sys < 0)
            return err ? err->code : MF_EDB;
        if (sys)
            return mf__err(err, MF_EINVAL, "'%s' is a system tag of run '%s': system tags cannot be removed",
                           remove[i], run_id);
        ret = tag_exec(m, MST_TAG_REMOVE, "DELETE FROM tags WHERE flow = ?1 AND run_id = ?2 AND tag = ?3", flow,
                       run_id, remove[i], err);
    }
    for (size_t i = 0; i < nadd && !ret; i++) {
        int sys = is_system(m, flow, run_id, add[i], err);
        if (sys < 0)
            return err ? err->code : MF_EDB;
        if (!sys)
            ret = tag_exec(m, MST_TAG_ADD, "INSERT OR IGNORE INTO tags(flow, run_id, tag) VALUES(?1, ?2, ?3)",
                           flow, run_id, add[i], err);
    }
    return ret;
}

/* Rewrites the copy of the run's tags in its directory (run_record.h) from
 * what the open transaction holds, before it commits: written under the
 * write lock, two tag changes cannot leave the copy in the older one's
 * state; a copy that cannot be written refuses the change. */
static int keep_copy(struct mf_meta *m, const char *flow, const char *run_id, struct mf_err *err)
{
    struct mf_meta_run r;
    int ret = mf__meta_run_locked(m, flow, run_id, &r, err);
    if (ret)
        return ret;
    ret = mf__run_record_write(m->root, flow, run_id, r.sys_tags, r.nsys_tags, r.tags, r.ntags, r.origin_run_id, err);
    mf__meta_run_release(&r);
    return ret;
}

int mf__meta_tags_replace(struct mf_meta *m, const char *flow, const char *run_id, const char *const *remove,
                          size_t nremove, const char *const *add, size_t nadd, struct mf_err *err)
{
    if (m->readonly)
        return mf__err(err, MF_EINVAL, "metadata database '%s' was opened read-only", m->path);
    int ret = check_all(remove, nremove, err);
    if (!ret)
        ret = check_all(add, nadd, err);
    if (ret || (ret = mf__meta_begin(m, true, err)) < 0)
        return ret;
    bool exists = false;
    ret = mf__meta_run_exists(m, flow, run_id, &exists, err);
    if (!ret && !exists) {
        mf__meta_rollback(m);
        return mf__meta_run_missing(m, flow, run_id, err);
    }
    if (!ret)
        ret = apply(m, flow, run_id, remove, nremove, add, nadd, err);
    if (!ret)
        ret = keep_copy(m, flow, run_id, err);
    if (!ret)
        ret = mf__meta_commit(m, err);
    if (ret < 0)
        mf__meta_rollback(m);
    return ret;
}

int mf__meta_tag_add(struct mf_meta *m, const char *flow, const char *run_id, const char *tag, struct mf_err *err)
{
    return mf__meta_tags_replace(m, flow, run_id, NULL, 0, &tag, 1, err);
}

int mf__meta_tag_remove(struct mf_meta *m, const char *flow, const char *run_id, const char *tag,
                        struct mf_err *err)
{
    return mf__meta_tags_replace(m, flow, run_id, &tag, 1, NULL, 0, err);
}

/* ------------------------------------------------------------------ */
/* Public API                                                         */
/* ------------------------------------------------------------------ */

static size_t count(const char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

static int report(struct mf_err *err, int rc, char *errbuf, size_t errsize)
{
    if (errbuf && errsize)
        snprintf(errbuf, errsize, "%s", rc ? err->msg : "");
    return rc;
}

int mf_tag_check(const char *tag, char *errbuf, size_t errsize)
{
    struct mf_err err = MF_ERR_INIT;
    return report(&err, mf__tag_check(tag, &err), errbuf, errsize);
}

int mf_tags_replace(const char *root, const char *flow, const char *run_id, const char *const *remove,
                    const char *const *add, char *errbuf, size_t errsize)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta *m = NULL;
    struct mf_buf db = MF_BUF_INIT;
    int rc = 0;
    if (!flow || !run_id)
        rc = mf__err(&err, MF_EINVAL, "changing tags needs a flow name and a run id");
    else if (!root || !*root)
        root = getenv("MF_DATASTORE_ROOT") && *getenv("MF_DATASTORE_ROOT") ? getenv("MF_DATASTORE_ROOT") : ".metaflow";
    if (!rc && mf__buf_addf(&db, "%s/metadata.db", root))
        rc = mf__err(&err, MF_ENOMEM, "out of memory");
    /* A writer would create an empty database: say there is nothing to tag. */
    if (!rc && !mf__path_exists(db.buf))
        rc = mf__err(&err, MF_ENOENT, "nothing was run under '%s' yet: there are no runs to tag", root);
    if (!rc)
        rc = mf__meta_open(root, false, &m, &err);
    if (!rc)
        rc = mf__meta_tags_replace(m, flow, run_id, remove, count(remove), add, count(add), &err);
    mf__meta_close(m);
    mf__buf_release(&db);
    return report(&err, rc, errbuf, errsize);
}

int mf_tags_add(const char *root, const char *flow, const char *run_id, const char *const *tags, char *errbuf,
                size_t errsize)
{
    return mf_tags_replace(root, flow, run_id, NULL, tags, errbuf, errsize);
}

int mf_tags_remove(const char *root, const char *flow, const char *run_id, const char *const *tags, char *errbuf,
                   size_t errsize)
{
    return mf_tags_replace(root, flow, run_id, tags, NULL, errbuf, errsize);
}
