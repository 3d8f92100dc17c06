/* SPDX-License-Identifier: Apache-2.0 */
/*
 * meta_impl.h - the mf_meta handle and helpers shared by meta.c (open,
 * schema, writers) and meta_read.c (readers). Only these two files include
 * <sqlite3.h>; nothing outside the metadata module sees SQLite.
 */
#ifndef MF_META_IMPL_H
#define MF_META_IMPL_H
#include <sqlite3.h>
#include <stdbool.h>

#include "meta.h"

/* One slot per SQL statement; each is prepared on first use and kept on the
 * handle (SQLITE_PREPARE_PERSISTENT) until mf__meta_close(). */
enum mf_meta_stmt {
    MST_BEGIN_WRITE,
    MST_BEGIN_READ,
    MST_COMMIT,
    MST_ROLLBACK,
    MST_FLOW_ADD,
    MST_RUN_ADD,
    MST_RUN_FINISH,
    MST_RUN_MAX,
    MST_TASK_START,
    MST_TASK_FINISH,
    MST_TASK_JOB,
    MST_RUN_JOBS,
    MST_TAG_ADD,
    MST_TAG_REMOVE,
    MST_SYSTAG_ADD,
    MST_SYSTAG_HAS,
    MST_RUN_SYSTAGS,
    MST_FLOWS,
    MST_RUNS,
    MST_RUN_GET,
    MST_RUN_TAGS,
    MST_RUN_IDS,
    MST_RUN_EXISTS,
    MST_TASKS_ALL,
    MST_TASKS_STEP,
    MST_COUNT
};

struct mf_meta {
    sqlite3 *db;
    char *path; /* ROOT/metadata.db, named in every message */
    char *root;
    bool readonly;
    sqlite3_stmt *stmts[MST_COUNT];
    bool batching; /* task writes join one open transaction (mf__meta_batch_begin) */
    int batched;   /* task writes in that transaction, not yet committed */
};

/* The cached statement in slot `id`, prepared from `sql` on first use. The
 * caller resets it (mf__meta_stmt_reset) before returning. NULL with err set
 * when preparing fails. */
sqlite3_stmt *mf__meta_stmt(struct mf_meta *m, enum mf_meta_stmt id, const char *sql, struct mf_err *err);
/* Resets a statement and clears its bindings, so that it holds no read
 * snapshot or lock and borrows no caller string. */
void mf__meta_stmt_reset(sqlite3_stmt *st);

/* Copies SQLite's message for result `rc` into err right away ("metadata
 * database 'PATH': <msg>") and returns MF_EBUSY, MF_ENOMEM or MF_EDB. */
int mf__meta_db_err(struct mf_meta *m, int rc, struct mf_err *err);

/* mf__meta_run inside the caller's open transaction (it begins none). */
int mf__meta_run_locked(struct mf_meta *m, const char *flow, const char *run_id, struct mf_meta_run *out,
                        struct mf_err *err);

/* Whether run FLOW/RUN_ID is recorded (*exists); 0, or a database error. */
int mf__meta_run_exists(struct mf_meta *m, const char *flow, const char *run_id, bool *exists, struct mf_err *err);

/* Transactions: a write begins IMMEDIATE (takes the write lock up front, so
 * writers queue on the busy timeout instead of failing on upgrade); a read
 * is DEFERRED, a consistent snapshot over several statements. */
int mf__meta_begin(struct mf_meta *m, bool write, struct mf_err *err);
int mf__meta_commit(struct mf_meta *m, struct mf_err *err);
/* Rolls back an open transaction, if any; keeps err untouched. */
void mf__meta_rollback(struct mf_meta *m);

/* Schema (meta_schema.c). mf__meta_migrate brings the database to this
 * program's version in one write transaction (the version is read again
 * under the write lock: another process may have migrated first);
 * mf__meta_check_version, for read-only handles that cannot migrate,
 * accepts the current version only, naming the fix otherwise. */
int mf__meta_migrate(struct mf_meta *m, struct mf_err *err);
int mf__meta_check_version(struct mf_meta *m, struct mf_err *err);

/* MF_ENOENT naming the missing run and listing the flow's newest run ids
 * ("flow 'F' has no runs" when it has none). Reads outside a transaction. */
int mf__meta_run_missing(struct mf_meta *m, const char *flow, const char *run_id, struct mf_err *err);

/* A heap copy of text column `col`, NULL for SQL NULL. Returns MF_ENOMEM when
 * the copy fails, else 0. */
int mf__meta_col_dup(sqlite3_stmt *st, int col, char **out);
#endif
