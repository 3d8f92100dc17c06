/* SPDX-License-Identifier: Apache-2.0 */
/*
 * meta.c - run metadata in SQLite: opening ROOT/metadata.db, the versioned
 * schema and its migrations, the statement cache, and the writers the
 * scheduler calls from its run loop (each one short IMMEDIATE transaction).
 */
#include "meta_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "metaflow.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fsutil.h"

#define META_DB_NAME "metadata.db"
/* Ids past the largest recorded run tried by mf__meta_run_allocate when
 * directories the metadata does not know hold them. */
#define RUN_ID_TRIES 10000
/* How long a connection waits for another process's write transaction. */
#define META_BUSY_TIMEOUT_MS 10000

/* ------------------------------------------------------------------ */
/* Errors, statements, transactions                                   */
/* ------------------------------------------------------------------ */

int mf__meta_db_err(struct mf_meta *m, int rc, struct mf_err *err)
{
    /* SQLite may overwrite its message on the next call: copy it now. */
    const char *msg = m->db ? sqlite3_errmsg(m->db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return mf__err(err, MF_EBUSY,
                       "metadata database '%s': %s (another process held it for more than %d s; retry when it is done)",
                       m->path, msg, META_BUSY_TIMEOUT_MS / 1000);
    case SQLITE_NOMEM:
        return mf__err(err, MF_ENOMEM, "metadata database '%s': %s", m->path, msg);
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN: {
        /* SQLite says "disk I/O error" or "database or disk is full": the
         * system's errno says why (no space left on device, ...). */
        int sys = m->db ? sqlite3_system_errno(m->db) : 0;
        if (sys == ENOSPC || (rc & 0xff) == SQLITE_FULL)
            return mf__err(err, MF_EIO, "metadata database '%s': no space left on device (%s)", m->path, msg);
        if (sys)
            return mf__err_errno(err, MF_EDB, sys, "metadata database '%s': %s", m->path, msg);
        return mf__err(err, MF_EDB, "metadata database '%s': %s", m->path, msg);
    }
    default:
        return mf__err(err, MF_EDB, "metadata database '%s': %s", m->path, msg);
    }
}

sqlite3_stmt *mf__meta_stmt(struct mf_meta *m, enum mf_meta_stmt id, const char *sql, struct mf_err *err)
{
    if (m->stmts[id])
        return m->stmts[id];
    int rc = sqlite3_prepare_v3(m->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &m->stmts[id], NULL);
    if (rc != SQLITE_OK) {
        mf__meta_db_err(m, rc, err);
        m->stmts[id] = NULL;
    }
    return m->stmts[id];
}

void mf__meta_stmt_reset(sqlite3_stmt *st)
{
    /* reset repeats the last step's error, which the caller has handled */
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Steps a statement that returns no rows, then resets it. `*rc` (when not
 * NULL) receives SQLite's extended result code. */
static int stmt_exec_rc(struct mf_meta *m, sqlite3_stmt *st, int *rc, struct mf_err *err)
{
    int step_rc = sqlite3_step(st);
    int ret = step_rc == SQLITE_DONE ? 0 : mf__meta_db_err(m, step_rc, err);
    mf__meta_stmt_reset(st);
    if (rc)
        *rc = step_rc;
    return ret;
}

static int stmt_exec(struct mf_meta *m, sqlite3_stmt *st, struct mf_err *err)
{
    return stmt_exec_rc(m, st, NULL, err);
}

static int exec_cached(struct mf_meta *m, enum mf_meta_stmt id, const char *sql, struct mf_err *err)
{
    sqlite3_stmt *st = mf__meta_stmt(m, id, sql, err);
    if (!st)
        return err ? err->code : MF_EDB;
    return stmt_exec(m, st, err);
}

/* Commits the batch's task writes, if any: a write or read transaction of
 * another kind must not roll them back. */
static int batch_commit(struct mf_meta *m, struct mf_err *err)
{
    int n = m->batched;
    m->batched = 0;
    if (n == 0)
        return 0;
    if (sqlite3_get_autocommit(m->db)) /* rolled back by SQLite itself */
        return mf__err(err, MF_EDB, "metadata database '%s': %d task record(s) were not written (their transaction "
                       "was rolled back)", m->path, n);
    int ret = exec_cached(m, MST_COMMIT, "COMMIT", err);
    if (ret < 0) {
        mf__meta_rollback(m);
        mf__err_prefix(err, "%d task record(s) were not written: ", n);
    }
    return ret;
}

void mf__meta_batch_begin(struct mf_meta *m) { m->batching = true; }

int mf__meta_batch_end(struct mf_meta *m, struct mf_err *err)
{
    m->batching = false;
    return batch_commit(m, err);
}

int mf__meta_begin(struct mf_meta *m, bool write, struct mf_err *err)
{
    int ret = batch_commit(m, err);
    if (ret < 0)
        return ret;
    /* A transaction still open here is one an earlier call could not roll
     * back (out of memory): end it now, or the handle stays unusable and a
     * write transaction keeps the database locked. */
    mf__meta_rollback(m);
    if (write)
        return exec_cached(m, MST_BEGIN_WRITE, "BEGIN IMMEDIATE", err);
    return exec_cached(m, MST_BEGIN_READ, "BEGIN DEFERRED", err);
}

int mf__meta_commit(struct mf_meta *m, struct mf_err *err)
{
    int ret = exec_cached(m, MST_COMMIT, "COMMIT", err);
    if (ret < 0)
        mf__meta_rollback(m);
    return ret;
}

void mf__meta_rollback(struct mf_meta *m)
{
    if (sqlite3_get_autocommit(m->db))
        return; /* SQLite already rolled back (or nothing was begun) */
    sqlite3_stmt *st = mf__meta_stmt(m, MST_ROLLBACK, "ROLLBACK", NULL);
    if (st) {
        sqlite3_step(st);
        mf__meta_stmt_reset(st);
    } else {
        sqlite3_exec(m->db, "ROLLBACK", NULL, NULL, NULL);
    }
}

/* Text binding that borrows the caller's string (SQLITE_STATIC is safe: every
 * statement is stepped and reset before the writer returns); NULL binds NULL. */
static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

/* ------------------------------------------------------------------ */
/* Open / close                                                       */
/* ------------------------------------------------------------------ */

/* Runs the prepared journal-mode change, retrying while it is busy. Only a
 * new database's first openers race here (the mode is persistent: later
 * opens find WAL set and change nothing). The change needs an exclusive
 * lock, and when another opener holds a shared one SQLite returns
 * SQLITE_BUSY at once, without calling the busy handler: four processes
 * opening a new store together lost that race about once in fifteen on a
 * loaded machine (test_meta concurrent_writers). So the wait is ours:
 * naps of 1, 2, 4 .. 64 ms, up to the same timeout as any other lock. */
static int step_until_free(sqlite3_stmt *st)
{
    long waited_ms = 0, nap_ms = 1;
    int rc;
    while (((rc = sqlite3_step(st)) & 0xff) == SQLITE_BUSY && waited_ms < META_BUSY_TIMEOUT_MS) {
        sqlite3_reset(st);
        struct timespec ts = { .tv_sec = 0, .tv_nsec = nap_ms * 1000000L };
        nanosleep(&ts, NULL);
        waited_ms += nap_ms;
        nap_ms = nap_ms < 64 ? nap_ms * 2 : 64;
    }
    return rc;
}

/* WAL lets readers work while the scheduler writes, and commits without
 * fsync under synchronous=NORMAL (see docs/metadata.md for the trade). */
static int set_wal(struct mf_meta *m, struct mf_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(m->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = step_until_free(st);
    int ret = 0;
    if (rc != SQLITE_ROW) {
        ret = mf__meta_db_err(m, rc, err);
    } else {
        const char *mode = (const char *)sqlite3_column_text(st, 0);
        if (!mode || strcmp(mode, "wal") != 0)
            ret = mf__err(err, MF_EDB,
                          "metadata database '%s': cannot switch to WAL mode (journal mode stays '%s'); "
                          "put the datastore root on a local file system",
                          m->path, mode ? mode : "?");
    }
    sqlite3_finalize(st);
    return ret;
}

static int configure(struct mf_meta *m, struct mf_err *err)
{
    sqlite3_extended_result_codes(m->db, 1);
    int rc = sqlite3_busy_timeout(m->db, META_BUSY_TIMEOUT_MS);
    if (rc != SQLITE_OK)
        return mf__meta_db_err(m, rc, err);
    if (m->readonly)
        return 0; /* the journal mode is persistent; a reader finds WAL set */
    int ret = set_wal(m, err);
    if (ret < 0)
        return ret;
    rc = sqlite3_exec(m->db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : mf__meta_db_err(m, rc, err);
}

static int open_db(struct mf_meta *m, struct mf_err *err)
{
    int flags = SQLITE_OPEN_NOMUTEX;
    flags |= m->readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(m->path, &m->db, flags, NULL);
    if (rc != SQLITE_OK)
        return mf__meta_db_err(m, rc, err); /* m->db, if any, is closed by the caller */
    return 0;
}

/* A reader that may not write the root (read-only mount, no permission)
 * cannot create the -shm file WAL mode reads through, and SQLite reports
 * the database read-only or unopenable. */
static bool cannot_share(struct mf_meta *m)
{
    int code = sqlite3_errcode(m->db) & 0xff;
    return code == SQLITE_READONLY || code == SQLITE_CANTOPEN;
}

/* Reopens the database as immutable: SQLite then takes no lock and needs no
 * -shm file. Safe only when no -wal file holds commits (checked by the
 * caller): with nobody able to write the store, nothing can change it. */
static int reopen_immutable(struct mf_meta *m, struct mf_err *err)
{
    struct mf_buf uri = MF_BUF_INIT;
    int ret = mf__buf_adds(&uri, "file:");
    for (const char *p = m->path; !ret && *p; p++)
        ret = (*p == '?' || *p == '#' || *p == '%') ? mf__buf_addf(&uri, "%%%02X", (unsigned char)*p)
                                                    : mf__buf_addch(&uri, *p);
    if (!ret)
        ret = mf__buf_adds(&uri, "?immutable=1");
    if (ret) {
        mf__buf_release(&uri);
        return mf__err(err, MF_ENOMEM, "out of memory");
    }
    sqlite3_close(m->db);
    m->db = NULL;
    int rc = sqlite3_open_v2(uri.buf, &m->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
    mf__buf_release(&uri);
    ret = rc == SQLITE_OK ? configure(m, err) : mf__meta_db_err(m, rc, err);
    return ret < 0 ? ret : mf__meta_check_version(m, err);
}

/* Whether ROOT/metadata.db-wal holds commits not yet in the database. */
static bool wal_has_commits(const struct mf_meta *m)
{
    struct mf_buf wal = MF_BUF_INIT;
    struct stat st;
    bool has = mf__buf_addf(&wal, "%s-wal", m->path) != 0 || (stat(wal.buf, &st) == 0 && st.st_size > 0);
    mf__buf_release(&wal);
    return has;
}

/* Opens for reading only: through the WAL as usual, else (a store this
 * process cannot write) immutable when that loses nothing. */
static int open_readonly(struct mf_meta *m, struct mf_err *err)
{
    int ret = open_db(m, err);
    if (!ret)
        ret = configure(m, err);
    if (!ret)
        ret = mf__meta_check_version(m, err);
    if (ret == 0 || !m->db || !cannot_share(m))
        return ret;
    if (wal_has_commits(m))
        return mf__err(err, MF_EIO,
                       "metadata database '%s' cannot be read by this user: its directory is not writable and "
                       "its write-ahead log '%s-wal' holds recent commits; read it as a user who can write "
                       "'%s', or run any writing command there once",
                       m->path, m->path, m->root);
    return reopen_immutable(m, err);
}

int mf__meta_open(const char *root, bool readonly, struct mf_meta **out, struct mf_err *err)
{
    struct mf_buf path = MF_BUF_INIT;
    struct mf_meta *m = NULL;
    int ret;
    *out = NULL;
    if ((ret = mf__buf_addf(&path, "%s/%s", root, META_DB_NAME)) < 0) {
        mf__err(err, ret, "out of memory");
        goto out;
    }
    if (readonly && !mf__path_exists(path.buf)) {
        ret = mf__err(err, MF_ENOENT, "no runs recorded under '%s' yet", root);
        goto out;
    }
    if (!readonly && (ret = mf__mkdirs(root, err)) < 0)
        goto out;
    m = mf__calloc(1, sizeof(*m));
    if (!m || !(m->root = mf__strdup(root)) || !(m->path = mf__buf_detach(&path, NULL))) {
        ret = mf__err(err, MF_ENOMEM, "out of memory");
        goto out;
    }
    m->readonly = readonly;
    if (readonly)
        ret = open_readonly(m, err);
    else if ((ret = open_db(m, err)) == 0 && (ret = configure(m, err)) == 0)
        ret = mf__meta_migrate(m, err);
    if (ret < 0)
        goto out;
    *out = m;
    m = NULL;
out:
    mf__meta_close(m);
    mf__buf_release(&path);
    return ret;
}

void mf__meta_close(struct mf_meta *m)
{
    if (!m)
        return;
    mf__meta_batch_end(m, NULL); /* the scheduler ends its batches itself: this one is a safety net */
    for (int i = 0; i < MST_COUNT; i++)
        sqlite3_finalize(m->stmts[i]);
    sqlite3_close(m->db);
    mf__free(m->path);
    mf__free(m->root);
    mf__free(m);
}

/* ------------------------------------------------------------------ */
/* Writers                                                            */
/* ------------------------------------------------------------------ */

static bool valid_status(const char *status)
{
    return strcmp(status, "running") == 0 || strcmp(status, "succeeded") == 0 || strcmp(status, "failed") == 0;
}

static int check_writable(struct mf_meta *m, const char *status, struct mf_err *err)
{
    if (m->readonly)
        return mf__err(err, MF_EINVAL, "metadata database '%s' was opened read-only", m->path);
    if (status && !valid_status(status))
        return mf__err(err, MF_EINVAL, "status '%s' is not one of running, succeeded, failed", status);
    return 0;
}

/* Maps a failed write (SQLite result `rc`, our code `ret`): a missing run
 * (foreign key) to MF_ENOENT naming the run, anything else stays as it is.
 * The transaction is rolled back before the run listing is read. */
static int write_failed(struct mf_meta *m, int rc, int ret, const char *flow, const char *run_id,
                        struct mf_err *err)
{
    mf__meta_rollback(m);
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        return mf__meta_run_missing(m, flow, run_id, err);
    return ret;
}

static int insert_tag_list(struct mf_meta *m, bool sys, const char *flow, const char *run_id, char *const *tags,
                           size_t ntags, struct mf_err *err)
{
    for (size_t i = 0; i < ntags; i++) {
        sqlite3_stmt *st =
            sys ? mf__meta_stmt(m, MST_SYSTAG_ADD,
                                "INSERT OR IGNORE INTO system_tags(flow, run_id, tag) VALUES(?1, ?2, ?3)", err)
                : mf__meta_stmt(m, MST_TAG_ADD,
                                "INSERT OR IGNORE INTO tags(flow, run_id, tag) SELECT ?1, ?2, ?3 WHERE NOT "
                                "EXISTS(SELECT 1 FROM system_tags WHERE flow = ?1 AND run_id = ?2 AND tag = ?3)",
                                err);
        if (!st)
            return err ? err->code : MF_EDB;
        bind_text(st, 1, flow);
        bind_text(st, 2, run_id);
        bind_text(st, 3, tags[i]);
        int ret = stmt_exec(m, st, err);
        if (ret < 0)
            return ret;
    }
    return 0;
}

/* System tags first: a user tag equal to one of them is not recorded. */
static int insert_tags(struct mf_meta *m, const struct mf_meta_run *r, const char *run_id, struct mf_err *err)
{
    int ret = insert_tag_list(m, true, r->flow, run_id, r->sys_tags, r->nsys_tags, err);
    return ret < 0 ? ret : insert_tag_list(m, false, r->flow, run_id, r->tags, r->ntags, err);
}

static int insert_run(struct mf_meta *m, const struct mf_meta_run *r, struct mf_err *err)
{
    sqlite3_stmt *st = mf__meta_stmt(m, MST_FLOW_ADD, "INSERT OR IGNORE INTO flows(name) VALUES(?1)", err);
    if (!st)
        return err ? err->code : MF_EDB;
    bind_text(st, 1, r->flow);
    int ret = stmt_exec(m, st, err);
    if (ret < 0)
        return ret;
    st = mf__meta_stmt(m, MST_RUN_ADD,
                       "INSERT INTO runs(flow, run_id, run_num, status, user, params_json, origin_run_id, "
                       "build_id, start, \"end\", host, pid, pid_start) "
                       "VALUES(?1, ?2, CAST(?2 AS INTEGER), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                       err);
    if (!st)
        return err ? err->code : MF_EDB;
    bind_text(st, 1, r->flow);
    bind_text(st, 2, r->run_id);
    bind_text(st, 3, r->status ? r->status : "running");
    bind_text(st, 4, r->user);
    bind_text(st, 5, r->params_json);
    bind_text(st, 6, r->origin_run_id);
    bind_text(st, 7, r->build_id);
    sqlite3_bind_double(st, 8, r->start);
    sqlite3_bind_double(st, 9, r->end);
    bind_text(st, 10, r->host);
    sqlite3_bind_int64(st, 11, r->pid);
    sqlite3_bind_int64(st, 12, r->pid_start);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        ret = mf__err(err, MF_EEXIST, "run '%s' of flow '%s' is already recorded", r->run_id, r->flow);
    else
        ret = rc == SQLITE_DONE ? 0 : mf__meta_db_err(m, rc, err);
    mf__meta_stmt_reset(st);
    return ret;
}

int mf__meta_run_create(struct mf_meta *m, const struct mf_meta_run *r, struct mf_err *err)
{
    int ret = check_writable(m, r->status, err);
    if (ret < 0)
        return ret;
    if (!r->flow || !r->run_id)
        return mf__err(err, MF_EINVAL, "a run needs a flow name and a run id");
    if ((ret = mf__meta_begin(m, true, err)) < 0)
        return ret;
    if ((ret = insert_run(m, r, err)) < 0 || (ret = insert_tags(m, r, r->run_id, err)) < 0)
        goto out;
    ret = mf__meta_commit(m, err);
out:
    if (ret < 0)
        mf__meta_rollback(m);
    return ret;
}

/* The largest run number recorded for `flow`; 0 when it has none. */
static int largest_run_num(struct mf_meta *m, const char *flow, int64_t *out, struct mf_err *err)
{
    sqlite3_stmt *st =
        mf__meta_stmt(m, MST_RUN_MAX, "SELECT coalesce(max(run_num), 0) FROM runs WHERE flow = ?1", err);
    if (!st)
        return err ? err->code : MF_EDB;
    bind_text(st, 1, flow);
    int rc = sqlite3_step(st);
    int ret = 0;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        ret = mf__meta_db_err(m, rc, err);
    mf__meta_stmt_reset(st);
    return ret;
}

/* Finds the next id after the largest recorded one that `claim` accepts. */
static int claim_next_id(struct mf_meta *m, const char *flow, mf__meta_claim_fn claim, void *ctx, char *id,
                         size_t size, struct mf_err *err)
{
    int64_t num = 0;
    int ret = largest_run_num(m, flow, &num, err);
    for (int tries = 0; ret == 0 || ret == MF_EEXIST; tries++) {
        if (tries >= RUN_ID_TRIES)
            return mf__err(err, MF_EIO,
                           "cannot allocate a run id for flow '%s': the %d ids after the last recorded run are "
                           "all taken by run directories that no run record names",
                           flow, RUN_ID_TRIES);
        snprintf(id, size, "%" PRId64, num + 1 + tries);
        ret = claim ? claim(ctx, id, err) : 0;
        if (ret == 0)
            return 0;
    }
    return ret;
}

int mf__meta_run_allocate(struct mf_meta *m, const struct mf_meta_run *r, mf__meta_claim_fn claim, void *ctx,
                          char **run_id, struct mf_err *err)
{
    char id[32];
    *run_id = NULL;
    int ret = check_writable(m, r->status, err);
    if (ret < 0)
        return ret;
    if (!r->flow)
        return mf__err(err, MF_EINVAL, "a run needs a flow name");
    if ((ret = mf__meta_begin(m, true, err)) < 0)
        return ret;
    if ((ret = claim_next_id(m, r->flow, claim, ctx, id, sizeof(id), err)) < 0)
        goto out;
    struct mf_meta_run rec = *r;
    rec.run_id = id;
    if ((ret = insert_run(m, &rec, err)) < 0 || (ret = insert_tags(m, r, id, err)) < 0)
        goto out;
    if (!(*run_id = mf__strdup(id))) {
        ret = mf__err(err, MF_ENOMEM, "out of memory");
        goto out;
    }
    ret = mf__meta_commit(m, err);
out:
    if (ret < 0) {
        mf__meta_rollback(m);
        mf__free(*run_id);
        *run_id = NULL;
    }
    return ret;
}

int mf__meta_run_finish(struct mf_meta *m, const char *flow, const char *run_id, const char *status, double end,
                        struct mf_err *err)
{
    int ret = check_writable(m, status, err);
    if (ret < 0)
        return ret;
    sqlite3_stmt *st = mf__meta_stmt(
        m, MST_RUN_FINISH, "UPDATE runs SET status = ?3, \"end\" = ?4 WHERE flow = ?1 AND run_id = ?2", err);
    if (!st)
        return err ? err->code : MF_EDB;
    if ((ret = mf__meta_begin(m, true, err)) < 0)
        return ret;
    bind_text(st, 1, flow);
    bind_text(st, 2, run_id);
    bind_text(st, 3, status);
    sqlite3_bind_double(st, 4, end);
    if ((ret = stmt_exec(m, st, err)) < 0)
        goto out;
    bool found = sqlite3_changes(m->db) > 0;
    if ((ret = mf__meta_commit(m, err)) < 0)
        goto out;
    if (!found)
        ret = mf__meta_run_missing(m, flow, run_id, err);
out:
    if (ret < 0)
        mf__meta_rollback(m);
    return ret;
}

#define TASK_COLUMNS                                                                                         \
    "INSERT INTO tasks(flow, run_id, step, task_id, task_num, attempt, status, pid, start, \"end\", exit_code, " \
    "signal, timed_out, stack, input_paths, origin, job_id, job_state, memo_hit, memo_key) "                  \
    "VALUES(?1, ?2, ?3, ?4, CAST(?4 AS INTEGER), ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"

static void bind_task(sqlite3_stmt *st, const char *flow, const char *run_id, const struct mf_meta_task *t,
                      const char *status)
{
    bind_text(st, 1, flow);
    bind_text(st, 2, run_id);
    bind_text(st, 3, t->step);
    bind_text(st, 4, t->task_id);
    sqlite3_bind_int(st, 5, t->attempt);
    bind_text(st, 6, status);
    sqlite3_bind_int64(st, 7, t->pid);
    sqlite3_bind_double(st, 8, t->start);
    sqlite3_bind_double(st, 9, t->end);
    sqlite3_bind_int(st, 10, t->exit_code);
    sqlite3_bind_int(st, 11, t->signal);
    sqlite3_bind_int(st, 12, t->timed_out ? 1 : 0);
    bind_text(st, 13, t->stack);
    bind_text(st, 14, t->input_paths);
    bind_text(st, 15, t->origin);
    bind_text(st, 16, t->job_id);
    bind_text(st, 17, t->job_state);
    sqlite3_bind_int(st, 18, t->memo_hit ? 1 : 0);
    bind_text(st, 19, t->memo_key);
}

/* At most this many task writes wait in a batch: its transaction holds the
 * write lock, which another run's scheduler waits for. */
#define META_BATCH_MAX 256

/* The batch's transaction, begun by its first write. Writes counted in a
 * transaction no longer open were rolled back: mf__meta_begin's
 * batch_commit says so instead of starting over silently. */
static int batch_join(struct mf_meta *m, struct mf_err *err)
{
    if (m->batched > 0 && !sqlite3_get_autocommit(m->db))
        return 0;
    return mf__meta_begin(m, true, err);
}

/* A batched write failed: SQLite undid that statement only, so the writes
 * before it are committed, unless SQLite had to roll the whole transaction
 * back (a full disk, an I/O error), which the message says. */
static int batch_failed(struct mf_meta *m, int rc, int ret, const char *flow, const char *run_id,
                        struct mf_err *err)
{
    int before = m->batched;
    if (batch_commit(m, NULL) < 0)
        mf__err_prefix(err, "%d task record(s) before it were not written either: ", before);
    return write_failed(m, rc, ret, flow, run_id, err);
}

/* One task write in its own transaction (or the open batch's, see
 * mf__meta_batch_begin): start inserts, finish upserts. */
static int task_write(struct mf_meta *m, enum mf_meta_stmt id, const char *sql, const char *flow,
                      const char *run_id, const struct mf_meta_task *t, const char *status, struct mf_err *err)
{
    int ret = check_writable(m, status, err);
    if (ret < 0)
        return ret;
    if (!t->step || !t->task_id)
        return mf__err(err, MF_EINVAL, "a task needs a step name and a task id");
    sqlite3_stmt *st = mf__meta_stmt(m, id, sql, err);
    if (!st)
        return err ? err->code : MF_EDB;
    bool batch = m->batching;
    if ((ret = batch ? batch_join(m, err) : mf__meta_begin(m, true, err)) < 0)
        return ret;
    bind_task(st, flow, run_id, t, status);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        ret = mf__err(err, MF_EEXIST, "attempt %d of task '%s/%s/%s' is already recorded", t->attempt, run_id,
                      t->step, t->task_id);
    else if (rc != SQLITE_DONE)
        ret = mf__meta_db_err(m, rc, err);
    mf__meta_stmt_reset(st);
    if (ret < 0)
        return batch ? batch_failed(m, rc, ret, flow, run_id, err) : write_failed(m, rc, ret, flow, run_id, err);
    if (!batch)
        return mf__meta_commit(m, err);
    return ++m->batched < META_BATCH_MAX ? 0 : batch_commit(m, err);
}

int mf__meta_task_start(struct mf_meta *m, const char *flow, const char *run_id, const struct mf_meta_task *t,
                        struct mf_err *err)
{
    return task_write(m, MST_TASK_START, TASK_COLUMNS, flow, run_id, t, t->status ? t->status : "running", err);
}

/* An upsert, so that a task recorded in one step (a clone for resume) needs
 * no start; on an existing attempt it records the outcome only. */
int mf__meta_task_finish(struct mf_meta *m, const char *flow, const char *run_id, const struct mf_meta_task *t,
                         struct mf_err *err)
{
    static const char sql[] = TASK_COLUMNS
        " ON CONFLICT(flow, run_id, step, task_id, attempt) DO UPDATE SET status = excluded.status, "
        "\"end\" = excluded.\"end\", exit_code = excluded.exit_code, signal = excluded.signal, "
        "timed_out = excluded.timed_out, job_id = coalesce(excluded.job_id, job_id), "
        "job_state = excluded.job_state, memo_key = coalesce(excluded.memo_key, memo_key)";
    if (!t->status)
        return mf__err(err, MF_EINVAL, "finishing task '%s/%s/%s' needs a status", run_id, t->step, t->task_id);
    return task_write(m, MST_TASK_FINISH, sql, flow, run_id, t, t->status, err);
}

int mf__meta_task_jobs(struct mf_meta *m, const char *flow, const char *run_id, const struct mf_meta_task *tasks,
                       size_t n, struct mf_err *err)
{
    int ret = check_writable(m, NULL, err);
    if (ret < 0 || n == 0)
        return ret;
    sqlite3_stmt *st = mf__meta_stmt(m, MST_TASK_JOB,
                                     "UPDATE tasks SET job_id = ?6 WHERE flow = ?1 AND run_id = ?2 AND step = ?3 "
                                     "AND task_id = ?4 AND attempt = ?5",
                                     err);
    sqlite3_stmt *runs = mf__meta_stmt(m, MST_RUN_JOBS,
                                       "UPDATE runs SET jobs = jobs + ?3 WHERE flow = ?1 AND run_id = ?2", err);
    if (!st || !runs)
        return err ? err->code : MF_EDB;
    if ((ret = mf__meta_begin(m, true, err)) < 0)
        return ret;
    int rc = SQLITE_OK;
    for (size_t i = 0; i < n && ret == 0; i++) {
        bind_text(st, 1, flow);
        bind_text(st, 2, run_id);
        bind_text(st, 3, tasks[i].step);
        bind_text(st, 4, tasks[i].task_id);
        sqlite3_bind_int(st, 5, tasks[i].attempt);
        bind_text(st, 6, tasks[i].job_id);
        if ((ret = stmt_exec_rc(m, st, &rc, err)) == 0 && sqlite3_changes(m->db) == 0)
            ret = mf__err(err, MF_ENOENT, "attempt %d of task '%s/%s/%s' is not recorded", tasks[i].attempt,
                          run_id, tasks[i].step, tasks[i].task_id);
    }
    if (ret == 0) {
        bind_text(runs, 1, flow);
        bind_text(runs, 2, run_id);
        sqlite3_bind_int64(runs, 3, (sqlite3_int64)n);
        ret = stmt_exec_rc(m, runs, &rc, err);
    }
    if (ret < 0)
        return write_failed(m, rc, ret, flow, run_id, err);
    return mf__meta_commit(m, err);
}
