/* SPDX-License-Identifier: Apache-2.0 */
/* test_meta_schema.c - metadata databases written by older programs are
 * migrated on a read-write open: each older schema is written here as its
 * program wrote it (literal SQL, not by opening with this program and
 * undoing, so a later migration cannot leak into the "old" database), with a
 * run in it, then opened and checked. Version 3 is what the program of the
 * system tags wrote (main before the cluster job columns); version 2 must
 * pass through 3 (system tags) and 4 (cluster jobs) to 5 (memo hits). */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "meta.h"
#include "meta_check.h"
#include "metaflow.h"
#include "util/alloc.h"

/* Schema 1 (tables), 2 (the scheduler columns), 3 (system tags) and 4
 * (cluster jobs), as the programs of those versions created them. */
static const char V1[] =
    "CREATE TABLE flows(name TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE runs(flow TEXT NOT NULL REFERENCES flows(name), run_id TEXT NOT NULL, run_num INTEGER NOT NULL, "
    "status TEXT NOT NULL, user TEXT, params_json TEXT, origin_run_id TEXT, build_id TEXT, start REAL NOT NULL, "
    "\"end\" REAL NOT NULL DEFAULT 0, PRIMARY KEY(flow, run_id));"
    "CREATE INDEX runs_newest ON runs(flow, start DESC, run_num DESC, run_id DESC);"
    "CREATE TABLE tasks(flow TEXT NOT NULL, run_id TEXT NOT NULL, step TEXT NOT NULL, task_id TEXT NOT NULL, "
    "task_num INTEGER NOT NULL, attempt INTEGER NOT NULL, status TEXT NOT NULL, pid INTEGER NOT NULL DEFAULT 0, "
    "start REAL NOT NULL DEFAULT 0, \"end\" REAL NOT NULL DEFAULT 0, exit_code INTEGER NOT NULL DEFAULT -1, "
    "signal INTEGER NOT NULL DEFAULT 0, timed_out INTEGER NOT NULL DEFAULT 0, stack TEXT, input_paths TEXT, "
    "origin TEXT, PRIMARY KEY(flow, run_id, step, task_id, attempt), FOREIGN KEY(flow, run_id) REFERENCES "
    "runs(flow, run_id) ON DELETE CASCADE) WITHOUT ROWID;"
    "CREATE TABLE tags(flow TEXT NOT NULL, run_id TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY(flow, run_id, "
    "tag), FOREIGN KEY(flow, run_id) REFERENCES runs(flow, run_id) ON DELETE CASCADE) WITHOUT ROWID;";
static const char V2[] = "ALTER TABLE runs ADD COLUMN host TEXT;"
                         "ALTER TABLE runs ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;"
                         "ALTER TABLE runs ADD COLUMN pid_start INTEGER NOT NULL DEFAULT 0;";
static const char V3[] =
    "CREATE TABLE system_tags(flow TEXT NOT NULL, run_id TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY(flow, "
    "run_id, tag), FOREIGN KEY(flow, run_id) REFERENCES runs(flow, run_id) ON DELETE CASCADE) WITHOUT ROWID;"
    "CREATE TRIGGER system_tags_no_update BEFORE UPDATE ON system_tags "
    "  BEGIN SELECT RAISE(ABORT, 'system tags cannot be changed'); END;"
    "CREATE TRIGGER system_tags_no_delete BEFORE DELETE ON system_tags "
    "  WHEN EXISTS(SELECT 1 FROM runs WHERE flow = OLD.flow AND run_id = OLD.run_id) "
    "  BEGIN SELECT RAISE(ABORT, 'system tags cannot be removed'); END;";
static const char V4[] = "ALTER TABLE tasks ADD COLUMN job_id TEXT;"
                         "ALTER TABLE tasks ADD COLUMN job_state TEXT;"
                         "ALTER TABLE runs ADD COLUMN jobs INTEGER NOT NULL DEFAULT 0;";

/* One run of OldFlow started at 86400 (1970-01-02) by bob, with one task
 * attempt, and the user tag "mine". */
static const char ONE_RUN[] =
    "INSERT INTO flows VALUES('OldFlow');"
    "INSERT INTO runs(flow, run_id, run_num, status, user, start, \"end\") "
    "VALUES('OldFlow', '1', 1, 'succeeded', 'bob', 86400, 86401);"
    "INSERT INTO tasks(flow, run_id, step, task_id, task_num, attempt, status, exit_code) "
    "VALUES('OldFlow', '1', 'start', '1', 1, 0, 'succeeded', 0);"
    "INSERT INTO tags VALUES('OldFlow', '1', 'mine');";

/* ROOT/metadata.db holding `sql`, at `version`. */
static const char *old_db(int version, const char *sql)
{
    const char *root = mf_test_fresh_dir("meta_schema");
    char path[300], pragma[64];
    snprintf(path, sizeof(path), "%s/metadata.db", root);
    snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d;", version);
    sqlite3 *db = NULL;
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, "PRAGMA journal_mode = WAL;", NULL, NULL, NULL), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, V1, NULL, NULL, NULL), SQLITE_OK);
    if (version >= 2)
        CHECK_EQ_INT(sqlite3_exec(db, V2, NULL, NULL, NULL), SQLITE_OK);
    if (version >= 3)
        CHECK_EQ_INT(sqlite3_exec(db, V3, NULL, NULL, NULL), SQLITE_OK);
    if (version >= 4)
        CHECK_EQ_INT(sqlite3_exec(db, V4, NULL, NULL, NULL), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, pragma, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    return root;
}

static int user_version(const char *root)
{
    char path[300];
    snprintf(path, sizeof(path), "%s/metadata.db", root);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    CHECK_EQ_INT(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_step(st), SQLITE_ROW);
    int v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* After migration: the old run reads back with no jobs, its task with no
 * job, and a job can be recorded for a new attempt of a new run. */
static void check_jobs_usable(struct mf_meta *m)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_run r;
    CHECK_EQ_INT(mf__meta_run(m, "OldFlow", "1", &r, &err), 0);
    CHECK_EQ_INT((int)r.jobs, 0);
    CHECK_EQ_INT((int)r.jobs_live, 0);
    CHECK_EQ_INT((int)r.ntags, 1);
    CHECK_EQ_STR(r.tags[0], "mine");
    mf__meta_run_release(&r);
    struct mf_meta_task *tasks = NULL;
    size_t n = 0;
    CHECK_EQ_INT(mf__meta_tasks(m, "OldFlow", "1", NULL, &tasks, &n, &err), 0);
    CHECK_EQ_INT((int)n, 1);
    CHECK(tasks[0].job_id == NULL && tasks[0].job_state == NULL);
    CHECK_EQ_STR(tasks[0].status, "succeeded");
    mf__meta_task_release(&tasks[0]);
    mf__free(tasks);

    struct mf_meta_run nr = {0};
    nr.flow = (char *)"OldFlow";
    nr.run_id = (char *)"2";
    nr.user = (char *)"bob";
    nr.start = 90000;
    CHECK_EQ_INT(mf__meta_run_create(m, &nr, &err), 0);
    struct mf_meta_task t = {0};
    t.step = (char *)"start";
    t.task_id = (char *)"1";
    t.exit_code = -1;
    CHECK_EQ_INT(mf__meta_task_start(m, "OldFlow", "2", &t, &err), 0);
    t.job_id = (char *)"77";
    CHECK_EQ_INT(mf__meta_task_jobs(m, "OldFlow", "2", &t, 1, &err), 0);
    CHECK_EQ_INT(mf__meta_run(m, "OldFlow", "2", &r, &err), 0);
    CHECK_EQ_INT((int)r.jobs, 1);
    CHECK_EQ_INT((int)r.jobs_live, 1);
    mf__meta_run_release(&r);
}

/* A database of schema 3 (system tags, no cluster jobs) as the program
 * before schema 4 wrote it: a read-only open asks for an upgrade, a
 * read-write one migrates it to 5 keeping the system tags (and their
 * triggers); the old run has no jobs. */
TEST(schema_3_migrated_to_5)
{
    const char *root = old_db(3, ONE_RUN);
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta *m = NULL;
    CHECK_EQ_INT(mf__meta_open(root, true, &m, &err), MF_EDB);
    CHECK_CONTAINS(err.msg, "schema version 3, older than this program's 5");
    sqlite3 *db = NULL;
    char path[300];
    snprintf(path, sizeof(path), "%s/metadata.db", root);
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, "INSERT INTO system_tags VALUES('OldFlow', '1', 'user:bob');", NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(db);
    m = mf_test_meta_open(root, false);
    CHECK_EQ_INT(user_version(root), 5);
    struct mf_meta_run r;
    CHECK_EQ_INT(mf__meta_run(m, "OldFlow", "1", &r, &err), 0);
    CHECK_EQ_INT((int)r.nsys_tags, 1); /* the migration to 3 did not run again */
    CHECK_EQ_STR(r.sys_tags[0], "user:bob");
    mf__meta_run_release(&r);
    check_jobs_usable(m);
    mf__meta_close(m);
    m = mf_test_meta_open(root, true); /* now the current version */
    mf__meta_close(m);
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK); /* the triggers survived */
    CHECK(sqlite3_exec(db, "DELETE FROM system_tags;", NULL, NULL, NULL) != SQLITE_OK);
    sqlite3_close(db);
}

/* Schema 2 goes through 3 (the run gets user: and date: system tags) and 4
 * to 5 in one open. */
TEST(schema_2_migrated_through_3_to_5)
{
    const char *root = old_db(2, ONE_RUN);
    struct mf_meta *m = mf_test_meta_open(root, false);
    CHECK_EQ_INT(user_version(root), 5);
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_run r;
    CHECK_EQ_INT(mf__meta_run(m, "OldFlow", "1", &r, &err), 0);
    CHECK_EQ_INT((int)r.nsys_tags, 2);
    CHECK_EQ_STR(r.sys_tags[0], "date:1970-01-02");
    CHECK_EQ_STR(r.sys_tags[1], "user:bob");
    mf__meta_run_release(&r);
    check_jobs_usable(m);
    mf__meta_close(m);
}

/* Schema 1 too, through 2 and 3: no scheduler host, so never "died". */
TEST(schema_1_migrated_to_5)
{
    const char *root = old_db(1, ONE_RUN);
    struct mf_meta *m = mf_test_meta_open(root, false);
    CHECK_EQ_INT(user_version(root), 5);
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_run r;
    CHECK_EQ_INT(mf__meta_run(m, "OldFlow", "1", &r, &err), 0);
    CHECK(r.host == NULL);
    CHECK_EQ_INT((int)r.nsys_tags, 2);
    mf__meta_run_release(&r);
    check_jobs_usable(m);
    mf__meta_close(m);
}

/* Schema 4 (cluster jobs, no memo columns): migrated to 5, its job columns
 * kept; its run has no memo hits, its task no key; a hit recorded after the
 * migration is counted by the new trigger. */
TEST(schema_4_migrated_to_5)
{
    const char *root = old_db(4, ONE_RUN);
    struct mf_meta *m = mf_test_meta_open(root, false);
    CHECK_EQ_INT(user_version(root), 5);
    check_jobs_usable(m);
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_run r;
    CHECK_EQ_INT(mf__meta_run(m, "OldFlow", "1", &r, &err), 0);
    CHECK_EQ_INT((int)r.memo_hits, 0);
    mf__meta_run_release(&r);
    struct mf_meta_task hit = {0};
    hit.step = (char *)"start";
    hit.task_id = (char *)"5";
    hit.status = (char *)"succeeded";
    hit.exit_code = -1;
    hit.memo_hit = true;
    hit.origin = (char *)"1/start/1";
    hit.memo_key = (char *)"ab";
    CHECK_EQ_INT(mf__meta_task_finish(m, "OldFlow", "2", &hit, &err), 0);
    CHECK_EQ_INT(mf__meta_run(m, "OldFlow", "2", &r, &err), 0);
    CHECK_EQ_INT((int)r.memo_hits, 1);
    mf__meta_run_release(&r);
    struct mf_meta_task *tasks = NULL;
    size_t n = 0;
    CHECK_EQ_INT(mf__meta_tasks(m, "OldFlow", "1", NULL, &tasks, &n, &err), 0);
    CHECK_EQ_INT((int)n, 1);
    CHECK(!tasks[0].memo_hit && tasks[0].memo_key == NULL);
    mf__meta_task_release(&tasks[0]);
    mf__free(tasks);
    mf__meta_close(m);
}

TESTS_BEGIN
T(schema_3_migrated_to_5)
T(schema_2_migrated_through_3_to_5)
T(schema_1_migrated_to_5)
T(schema_4_migrated_to_5)
TESTS_END
