/* SPDX-License-Identifier: Apache-2.0 */
/*
 * meta_schema.c - the metadata database's schema: each version's DDL, the
 * numbered migrations that bring an older database up to date, and the
 * version check a read-only handle makes. Apart from meta.c because the
 * schema grows by appending a version while the writers stay as they are;
 * docs/format.md describes every table and column.
 */
#include "meta_impl.h"

#include <stdio.h>

#include "metaflow.h"

/*
 * Version 1. Run and task ids are decimal strings; run_num and task_num hold
 * CAST(id AS INTEGER) beside them so that "10" sorts after "9" (a
 * non-numeric id gets 0 and falls back to text order). Times are REAL
 * seconds since the epoch; "end" is 0 while running.
 *
 * tasks is clustered on its primary key (WITHOUT ROWID) and has no other
 * index: a task write then touches one b-tree, which halves its cost, and
 * the readers' (flow, run_id[, step]) lookups are prefixes of that key; they
 * sort one run's rows by task_num in memory.
 */
static const char SCHEMA_V1[] =
    "CREATE TABLE flows(name TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;\n"
    "CREATE TABLE runs(\n"
    "  flow TEXT NOT NULL REFERENCES flows(name),\n"
    "  run_id TEXT NOT NULL,\n"
    "  run_num INTEGER NOT NULL,\n"
    "  status TEXT NOT NULL,\n"
    "  user TEXT,\n"
    "  params_json TEXT,\n"
    "  origin_run_id TEXT,\n"
    "  build_id TEXT,\n"
    "  start REAL NOT NULL,\n"
    "  \"end\" REAL NOT NULL DEFAULT 0,\n"
    "  PRIMARY KEY(flow, run_id));\n"
    "CREATE INDEX runs_newest ON runs(flow, start DESC, run_num DESC, run_id DESC);\n"
    "CREATE TABLE tasks(\n"
    "  flow TEXT NOT NULL,\n"
    "  run_id TEXT NOT NULL,\n"
    "  step TEXT NOT NULL,\n"
    "  task_id TEXT NOT NULL,\n"
    "  task_num INTEGER NOT NULL,\n"
    "  attempt INTEGER NOT NULL,\n"
    "  status TEXT NOT NULL,\n"
    "  pid INTEGER NOT NULL DEFAULT 0,\n"
    "  start REAL NOT NULL DEFAULT 0,\n"
    "  \"end\" REAL NOT NULL DEFAULT 0,\n"
    "  exit_code INTEGER NOT NULL DEFAULT -1,\n"
    "  signal INTEGER NOT NULL DEFAULT 0,\n"
    "  timed_out INTEGER NOT NULL DEFAULT 0,\n"
    "  stack TEXT,\n"
    "  input_paths TEXT,\n"
    "  origin TEXT,\n"
    "  PRIMARY KEY(flow, run_id, step, task_id, attempt),\n"
    "  FOREIGN KEY(flow, run_id) REFERENCES runs(flow, run_id) ON DELETE CASCADE) WITHOUT ROWID;\n"
    "CREATE TABLE tags(\n"
    "  flow TEXT NOT NULL,\n"
    "  run_id TEXT NOT NULL,\n"
    "  tag TEXT NOT NULL,\n"
    "  PRIMARY KEY(flow, run_id, tag),\n"
    "  FOREIGN KEY(flow, run_id) REFERENCES runs(flow, run_id) ON DELETE CASCADE) WITHOUT ROWID;\n";

static int migrate_to_1(struct mf_meta *m, struct mf_err *err)
{
    int rc = sqlite3_exec(m->db, SCHEMA_V1, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : mf__meta_db_err(m, rc, err);
}

/* Version 2: the scheduler process of each run (liveness.h), so that a
 * reader can tell a run whose scheduler was killed from one still running. */
static const char SCHEMA_V2[] = "ALTER TABLE runs ADD COLUMN host TEXT;\n"
                                "ALTER TABLE runs ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;\n"
                                "ALTER TABLE runs ADD COLUMN pid_start INTEGER NOT NULL DEFAULT 0;\n";

static int migrate_to_2(struct mf_meta *m, struct mf_err *err)
{
    int rc = sqlite3_exec(m->db, SCHEMA_V2, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : mf__meta_db_err(m, rc, err);
}

/* Version 3: system tags, apart from user tags and immutable (a trigger
 * refuses to change or delete one while its run exists; deleting a run still
 * cascades). Runs recorded before get the two that can be known: the user
 * and the date (UTC) they started. */
static const char SCHEMA_V3[] =
    "CREATE TABLE system_tags(\n"
    "  flow TEXT NOT NULL,\n"
    "  run_id TEXT NOT NULL,\n"
    "  tag TEXT NOT NULL,\n"
    "  PRIMARY KEY(flow, run_id, tag),\n"
    "  FOREIGN KEY(flow, run_id) REFERENCES runs(flow, run_id) ON DELETE CASCADE) WITHOUT ROWID;\n"
    "CREATE TRIGGER system_tags_no_update BEFORE UPDATE ON system_tags\n"
    "  BEGIN SELECT RAISE(ABORT, 'system tags cannot be changed'); END;\n"
    "CREATE TRIGGER system_tags_no_delete BEFORE DELETE ON system_tags\n"
    "  WHEN EXISTS(SELECT 1 FROM runs WHERE flow = OLD.flow AND run_id = OLD.run_id)\n"
    "  BEGIN SELECT RAISE(ABORT, 'system tags cannot be removed'); END;\n"
    "INSERT OR IGNORE INTO system_tags SELECT flow, run_id, 'user:' || user FROM runs WHERE user IS NOT NULL;\n"
    "INSERT OR IGNORE INTO system_tags\n"
    "  SELECT flow, run_id, 'date:' || strftime('%Y-%m-%d', start, 'unixepoch') FROM runs WHERE start > 0;\n"
    "DELETE FROM tags WHERE EXISTS(SELECT 1 FROM system_tags s\n"
    "  WHERE s.flow = tags.flow AND s.run_id = tags.run_id AND s.tag = tags.tag);\n";

static int migrate_to_3(struct mf_meta *m, struct mf_err *err)
{
    int rc = sqlite3_exec(m->db, SCHEMA_V3, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : mf__meta_db_err(m, rc, err);
}

/* Version 4: the cluster job of each attempt (its id, and the cluster's
 * word for a failure of its own), and each run's count of them, so that
 * `runs` need not read every task row. */
static const char SCHEMA_V4[] = "ALTER TABLE tasks ADD COLUMN job_id TEXT;\n"
                                "ALTER TABLE tasks ADD COLUMN job_state TEXT;\n"
                                "ALTER TABLE runs ADD COLUMN jobs INTEGER NOT NULL DEFAULT 0;\n";

static int migrate_to_4(struct mf_meta *m, struct mf_err *err)
{
    int rc = sqlite3_exec(m->db, SCHEMA_V4, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : mf__meta_db_err(m, rc, err);
}

/* Version 5: memoisation (memo.h). A memoised task's attempts carry its
 * memo key (for `cache explain`); one that is a memo hit - cloned from an
 * earlier run's entry instead of run - is marked, its origin being the
 * entry's task; each run counts its hits, kept by a trigger in the
 * same transaction as the task's row so that `runs` reads no task rows and
 * the count can never disagree with them. A hit is inserted, never updated
 * (it has no start row). */
static const char SCHEMA_V5[] =
    "ALTER TABLE tasks ADD COLUMN memo_hit INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE tasks ADD COLUMN memo_key TEXT;\n"
    "ALTER TABLE runs ADD COLUMN memo_hits INTEGER NOT NULL DEFAULT 0;\n"
    "CREATE TRIGGER tasks_count_memo_hit AFTER INSERT ON tasks WHEN NEW.memo_hit != 0\n"
    "  BEGIN UPDATE runs SET memo_hits = memo_hits + 1 WHERE flow = NEW.flow AND run_id = NEW.run_id; END;\n";

static int migrate_to_5(struct mf_meta *m, struct mf_err *err)
{
    int rc = sqlite3_exec(m->db, SCHEMA_V5, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : mf__meta_db_err(m, rc, err);
}

/* migrations[i] brings the schema from version i to i + 1. Append only. */
static int (*const migrations[])(struct mf_meta *, struct mf_err *) = {
    migrate_to_1,
    migrate_to_2,
    migrate_to_3,
    migrate_to_4,
    migrate_to_5,
};
#define META_SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

static int read_user_version(struct mf_meta *m, int *version, struct mf_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(m->db, "PRAGMA user_version", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int ret = 0;
    if (rc == SQLITE_ROW)
        *version = sqlite3_column_int(st, 0);
    else
        ret = mf__meta_db_err(m, rc, err);
    sqlite3_finalize(st);
    return ret;
}

static int newer_schema(struct mf_meta *m, int version, struct mf_err *err)
{
    return mf__err(err, MF_EDB,
                   "metadata database '%s' has schema version %d, newer than this program's %d; "
                   "use a newer metaflow-c to read it",
                   m->path, version, META_SCHEMA_VERSION);
}

/* Runs every pending migration in one write transaction. The version is
 * read again under the write lock: another process may have migrated since. */
int mf__meta_migrate(struct mf_meta *m, struct mf_err *err)
{
    int version = 0;
    int ret = read_user_version(m, &version, err);
    if (ret < 0 || version == META_SCHEMA_VERSION)
        return ret;
    if ((ret = mf__meta_begin(m, true, err)) < 0)
        return ret;
    if ((ret = read_user_version(m, &version, err)) < 0)
        goto out;
    if (version > META_SCHEMA_VERSION) {
        ret = newer_schema(m, version, err);
        goto out;
    }
    for (int v = version; v < META_SCHEMA_VERSION; v++)
        if ((ret = migrations[v](m, err)) < 0)
            goto out;
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", META_SCHEMA_VERSION);
    int rc = sqlite3_exec(m->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        ret = mf__meta_db_err(m, rc, err);
        goto out;
    }
    ret = mf__meta_commit(m, err);
out:
    if (ret < 0)
        mf__meta_rollback(m);
    return ret;
}

/* A read-only handle cannot migrate: it accepts the current version only. */
int mf__meta_check_version(struct mf_meta *m, struct mf_err *err)
{
    int version = 0;
    int ret = read_user_version(m, &version, err);
    if (ret < 0)
        return ret;
    if (version == 0)
        return mf__err(err, MF_ENOENT, "no runs recorded under '%s' yet", m->root);
    if (version > META_SCHEMA_VERSION)
        return newer_schema(m, version, err);
    if (version < META_SCHEMA_VERSION)
        return mf__err(err, MF_EDB,
                       "metadata database '%s' has schema version %d, older than this program's %d; "
                       "run a flow (or any command that writes) once to upgrade it",
                       m->path, version, META_SCHEMA_VERSION);
    return 0;
}
