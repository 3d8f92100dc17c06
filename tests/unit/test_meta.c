/* SPDX-License-Identifier: Apache-2.0 */
/* test_meta.c - run metadata in SQLite: writers, readers, ordering, tags,
 * messages, read-only opening, schema version, and concurrent writers. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "meta.h"
#include "meta_check.h"
#include "metaflow.h"
#include "util/alloc.h"

static const char *fresh_root(void) { return mf_test_fresh_dir("meta"); }

static void create_run(struct mf_meta *m, const char *flow, const char *run_id, double start)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_run r = {0};
    r.flow = (char *)flow;
    r.run_id = (char *)run_id;
    r.user = (char *)"alice";
    r.start = start;
    int rc = mf__meta_run_create(m, &r, &err);
    if (rc != 0)
        fprintf(stderr, "run_create: %s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
}

static struct mf_meta_task task(const char *step, const char *task_id, int attempt)
{
    struct mf_meta_task t = {0};
    t.step = (char *)step;
    t.task_id = (char *)task_id;
    t.attempt = attempt;
    t.pid = 4242;
    t.start = 100.0 + attempt;
    t.exit_code = -1;
    return t;
}

static void start_task(struct mf_meta *m, const char *flow, const char *run_id, const struct mf_meta_task *t)
{
    struct mf_err err = MF_ERR_INIT;
    int rc = mf__meta_task_start(m, flow, run_id, t, &err);
    if (rc != 0)
        fprintf(stderr, "task_start: %s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
}

static void finish_task(struct mf_meta *m, const char *flow, const char *run_id, struct mf_meta_task t,
                        const char *status, int exit_code)
{
    struct mf_err err = MF_ERR_INIT;
    t.status = (char *)status;
    t.exit_code = exit_code;
    t.end = t.start + 1;
    int rc = mf__meta_task_finish(m, flow, run_id, &t, &err);
    if (rc != 0)
        fprintf(stderr, "task_finish: %s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
}

static void free_tasks(struct mf_meta_task *tasks, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mf__meta_task_release(&tasks[i]);
    mf__free(tasks);
}

static void free_runs(struct mf_meta_run *runs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mf__meta_run_release(&runs[i]);
    mf__free(runs);
}

TEST(schema_version_is_set)
{
    const char *root = fresh_root();
    mf__meta_close(open_rw(root));
    mf__meta_close(open_rw(root)); /* a second open finds it migrated */
    char path[300];
    snprintf(path, sizeof(path), "%s/metadata.db", root);
    sqlite3 *db = NULL;
    CHECK_EQ_INT(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    CHECK_EQ_INT(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_EQ_INT(sqlite3_column_int(st, 0), 5);
    sqlite3_finalize(st);
    CHECK_EQ_INT(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_EQ_STR((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* A database written by schema 1 (before runs named their scheduler) is
 * migrated on open; its runs read back with no host, so never "died". */
TEST(schema_1_is_migrated)
{
    static const char v1[] =
        "CREATE TABLE flows(name TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;"
        "CREATE TABLE runs(flow TEXT NOT NULL REFERENCES flows(name), run_id TEXT NOT NULL, run_num INTEGER NOT "
        "NULL, status TEXT NOT NULL, user TEXT, params_json TEXT, origin_run_id TEXT, build_id TEXT, start REAL NOT "
        "NULL, \"end\" REAL NOT NULL DEFAULT 0, PRIMARY KEY(flow, run_id));"
        "CREATE INDEX runs_newest ON runs(flow, start DESC, run_num DESC, run_id DESC);"
        "CREATE TABLE tasks(flow TEXT NOT NULL, run_id TEXT NOT NULL, step TEXT NOT NULL, task_id TEXT NOT NULL, "
        "task_num INTEGER NOT NULL, attempt INTEGER NOT NULL, status TEXT NOT NULL, pid INTEGER NOT NULL DEFAULT 0, "
        "start REAL NOT NULL DEFAULT 0, \"end\" REAL NOT NULL DEFAULT 0, exit_code INTEGER NOT NULL DEFAULT -1, "
        "signal INTEGER NOT NULL DEFAULT 0, timed_out INTEGER NOT NULL DEFAULT 0, stack TEXT, input_paths TEXT, "
        "origin TEXT, PRIMARY KEY(flow, run_id, step, task_id, attempt)) WITHOUT ROWID;"
        "CREATE TABLE tags(flow TEXT NOT NULL, run_id TEXT NOT NULL, tag TEXT NOT NULL, "
        "PRIMARY KEY(flow, run_id, tag)) WITHOUT ROWID;"
        "INSERT INTO flows VALUES('OldFlow');"
        "INSERT INTO runs(flow, run_id, run_num, status, start) VALUES('OldFlow', '1', 1, 'running', 5);"
        "INSERT INTO tasks(flow, run_id, step, task_id, task_num, attempt, status) "
        "VALUES('OldFlow', '1', 'start', '1', 1, 0, 'running');"
        "PRAGMA user_version = 1;";
    const char *root = fresh_root();
    char path[300];
    snprintf(path, sizeof(path), "%s/metadata.db", root);
    sqlite3 *db = NULL;
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    struct mf_meta *m = open_rw(root);
    struct mf_meta_run r;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__meta_run(m, "OldFlow", "1", &r, &err), 0);
    CHECK_EQ_STR(r.status, "running");
    CHECK(r.host == NULL);
    CHECK_EQ_INT(r.pid, 0);
    CHECK_EQ_INT((int)r.jobs, 0); /* schema 4: no cluster jobs recorded before it */
    CHECK_EQ_INT((int)r.jobs_live, 0);
    CHECK_EQ_INT((int)r.memo_hits, 0); /* schema 5: no memo hits before it */
    mf__meta_run_release(&r);
    struct mf_meta_task *tasks = NULL;
    size_t n = 0;
    CHECK_EQ_INT(mf__meta_tasks(m, "OldFlow", "1", NULL, &tasks, &n, &err), 0);
    CHECK_EQ_INT((int)n, 1);
    CHECK(tasks[0].job_id == NULL && tasks[0].job_state == NULL);
    free_tasks(tasks, n);
    create_run(m, "OldFlow", "2", 6); /* and new runs are written in schema 4 */
    mf__meta_close(m);
}

/* Schema 4: each attempt's cluster job, recorded when it is submitted (one
 * transaction for an array), kept when the attempt finishes, with the
 * cluster's word for a failure; the run counts its jobs and its live ones. */
TEST(cluster_jobs_recorded)
{
    struct mf_meta *m = open_rw(fresh_root());
    struct mf_err err = MF_ERR_INIT;
    create_run(m, "F", "1", 1.0);
    struct mf_meta_task t[3] = { task("a", "2", 0), task("a", "3", 0), task("a", "4", 0) };
    for (int i = 0; i < 3; i++)
        start_task(m, "F", "1", &t[i]);
    t[0].job_id = (char *)"12_0";
    t[1].job_id = (char *)"12_1";
    CHECK_EQ_INT(mf__meta_task_jobs(m, "F", "1", t, 2, &err), 0);
    struct mf_meta_run r;
    CHECK_EQ_INT(mf__meta_run(m, "F", "1", &r, &err), 0);
    CHECK_EQ_INT((int)r.jobs, 2);
    CHECK_EQ_INT((int)r.jobs_live, 2);
    mf__meta_run_release(&r);
    struct mf_meta_task done = task("a", "2", 0); /* finished without naming its job: the id stays */
    finish_task(m, "F", "1", done, "succeeded", 0);
    done = task("a", "3", 0);
    done.job_state = (char *)"NODE_FAIL";
    finish_task(m, "F", "1", done, "failed", -1);
    struct mf_meta_task *tasks = NULL;
    size_t n = 0;
    CHECK_EQ_INT(mf__meta_tasks(m, "F", "1", NULL, &tasks, &n, &err), 0);
    CHECK_EQ_INT((int)n, 3);
    CHECK_EQ_STR(tasks[0].job_id, "12_0");
    CHECK(tasks[0].job_state == NULL);
    CHECK_EQ_STR(tasks[1].job_id, "12_1");
    CHECK_EQ_STR(tasks[1].job_state, "NODE_FAIL");
    CHECK(tasks[2].job_id == NULL);
    free_tasks(tasks, n);
    CHECK_EQ_INT(mf__meta_run(m, "F", "1", &r, &err), 0);
    CHECK_EQ_INT((int)r.jobs, 2);
    CHECK_EQ_INT((int)r.jobs_live, 0);
    mf__meta_run_release(&r);
    /* An attempt that was never started is refused, and nothing of the call is kept. */
    struct mf_meta_task ghost[2] = { task("a", "4", 0), task("a", "9", 0) };
    ghost[0].job_id = (char *)"13";
    ghost[1].job_id = (char *)"14";
    CHECK_EQ_INT(mf__meta_task_jobs(m, "F", "1", ghost, 2, &err), MF_ENOENT);
    CHECK_CONTAINS(err.msg, "attempt 0 of task '1/a/9' is not recorded");
    CHECK_EQ_INT(mf__meta_run(m, "F", "1", &r, &err), 0);
    CHECK_EQ_INT((int)r.jobs, 2);
    mf__meta_run_release(&r);
    mf__meta_close(m);
}

/* Schema 5: a memo hit is one finished row, marked, with its origin; the
 * run's count follows its rows (a trigger), and a resume's clone is no hit. */
TEST(memo_hits_recorded)
{
    struct mf_meta *m = open_rw(fresh_root());
    struct mf_err err = MF_ERR_INIT;
    create_run(m, "F", "1", 1.0);
    struct mf_meta_task hit = task("a", "2", 0), clone = task("a", "3", 0), ran = task("a", "4", 0);
    hit.memo_hit = true;
    hit.origin = (char *)"7/a/9";
    clone.origin = (char *)"6/a/3";
    finish_task(m, "F", "1", hit, "succeeded", -1);
    finish_task(m, "F", "1", clone, "succeeded", -1);
    start_task(m, "F", "1", &ran);
    finish_task(m, "F", "1", ran, "succeeded", 0);
    struct mf_meta_run r;
    CHECK_EQ_INT(mf__meta_run(m, "F", "1", &r, &err), 0);
    CHECK_EQ_INT((int)r.memo_hits, 1);
    mf__meta_run_release(&r);
    struct mf_meta_task *tasks = NULL;
    size_t n = 0;
    CHECK_EQ_INT(mf__meta_tasks(m, "F", "1", NULL, &tasks, &n, &err), 0);
    CHECK_EQ_INT((int)n, 3);
    CHECK(tasks[0].memo_hit);
    CHECK_EQ_STR(tasks[0].origin, "7/a/9");
    CHECK(!tasks[1].memo_hit);
    CHECK_EQ_STR(tasks[1].origin, "6/a/3");
    CHECK(!tasks[2].memo_hit && tasks[2].origin == NULL);
    free_tasks(tasks, n);
    create_run(m, "F", "2", 2.0); /* another run's count is its own */
    CHECK_EQ_INT(mf__meta_run(m, "F", "2", &r, &err), 0);
    CHECK_EQ_INT((int)r.memo_hits, 0);
    mf__meta_run_release(&r);
    mf__meta_close(m);
}

/* A run whose scheduler is gone reads as "died"; one whose scheduler lives,
 * or runs on another host, as "running". */
TEST(run_of_a_dead_scheduler_died)
{
    struct mf_meta *m = open_rw(fresh_root());
    struct mf_err err = MF_ERR_INIT;
    char host[256] = "";
    CHECK_EQ_INT(gethostname(host, sizeof(host) - 1), 0);
    pid_t dead = fork();
    CHECK(dead >= 0);
    if (dead == 0)
        _exit(0);
    CHECK_EQ_INT((int)waitpid(dead, NULL, 0), (int)dead);
    struct { const char *id, *host; int64_t pid; const char *status; } cases[] = {
        { "1", host, (int64_t)dead, "died" },
        { "2", host, (int64_t)getpid(), "running" },
        { "3", "elsewhere.example", (int64_t)dead, "running" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mf_meta_run r = { .flow = (char *)"F", .run_id = (char *)cases[i].id, .host = (char *)cases[i].host,
                                 .pid = cases[i].pid, .start = 1.0 + (double)i };
        CHECK_EQ_INT(mf__meta_run_create(m, &r, &err), 0);
    }
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mf_meta_run r;
        CHECK_EQ_INT(mf__meta_run(m, "F", cases[i].id, &r, &err), 0);
        CHECK_EQ_STR(r.status, cases[i].status);
        mf__meta_run_release(&r);
    }
    /* A finished run is what it says, whatever became of its scheduler. */
    CHECK_EQ_INT(mf__meta_run_finish(m, "F", "1", "failed", 9.0, &err), 0);
    struct mf_meta_run r;
    CHECK_EQ_INT(mf__meta_run(m, "F", "1", &r, &err), 0);
    CHECK_EQ_STR(r.status, "failed");
    mf__meta_run_release(&r);
    mf__meta_close(m);
}

TEST(newer_schema_is_refused)
{
    const char *root = fresh_root();
    mf__meta_close(open_rw(root));
    char path[300];
    snprintf(path, sizeof(path), "%s/metadata.db", root);
    sqlite3 *db = NULL;
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    struct mf_meta *m = NULL;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__meta_open(root, false, &m, &err), MF_EDB);
    CHECK_CONTAINS(err.msg, "schema version 99, newer than");
    CHECK(m == NULL);
    CHECK_EQ_INT(mf__meta_open(root, true, &m, &err), MF_EDB);
    CHECK_CONTAINS(err.msg, "schema version 99");
}

TEST(readonly_open_of_missing_db)
{
    const char *root = fresh_root();
    struct mf_meta *m = NULL;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__meta_open(root, true, &m, &err), MF_ENOENT);
    CHECK(m == NULL);
    char expect[300];
    snprintf(expect, sizeof(expect), "no runs recorded under '%s' yet", root);
    CHECK_EQ_STR(err.msg, expect);
    /* nothing was created by the failed read-only open */
    char path[300];
    snprintf(path, sizeof(path), "%s/metadata.db", root);
    CHECK(access(path, F_OK) != 0);
}

TEST(readonly_handle_reads_and_refuses_writes)
{
    const char *root = fresh_root();
    struct mf_meta *w = open_rw(root);
    create_run(w, "F", "1", 10);
    struct mf_meta *m = NULL;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__meta_open(root, true, &m, &err), 0);
    struct mf_meta_run r;
    CHECK_EQ_INT(mf__meta_run(m, "F", "1", &r, &err), 0);
    CHECK_EQ_STR(r.status, "running");
    mf__meta_run_release(&r);
    CHECK_EQ_INT(mf__meta_tag_add(m, "F", "1", "x", &err), MF_EINVAL);
    CHECK_CONTAINS(err.msg, "read-only");
    /* the reader sees what the writer commits later */
    CHECK_EQ_INT(mf__meta_run_finish(w, "F", "1", "succeeded", 20, &err), 0);
    CHECK_EQ_INT(mf__meta_run(m, "F", "1", &r, &err), 0);
    CHECK_EQ_STR(r.status, "succeeded");
    mf__meta_run_release(&r);
    mf__meta_close(m);
    mf__meta_close(w);
}

TEST(create_and_finish_run)
{
    const char *root = fresh_root();
    struct mf_meta *m = open_rw(root);
    struct mf_err err = MF_ERR_INIT;
    char *tags[] = {(char *)"b", (char *)"a"};
    struct mf_meta_run in = {0};
    in.flow = (char *)"HelloFlow";
    in.run_id = (char *)"7";
    in.user = (char *)"bob";
    in.params_json = (char *)"{\"alpha\":0.5}";
    in.origin_run_id = (char *)"3";
    in.build_id = (char *)"abc";
    in.start = 1700000000.25;
    in.tags = tags;
    in.ntags = 2;
    CHECK_EQ_INT(mf__meta_run_create(m, &in, &err), 0);
    CHECK_EQ_INT(mf__meta_run_create(m, &in, &err), MF_EEXIST);
    CHECK_CONTAINS(err.msg, "run '7' of flow 'HelloFlow' is already recorded");

    struct mf_meta_run r;
    CHECK_EQ_INT(mf__meta_run(m, "HelloFlow", "7", &r, &err), 0);
    CHECK_EQ_STR(r.flow, "HelloFlow");
    CHECK_EQ_STR(r.run_id, "7");
    CHECK_EQ_STR(r.status, "running");
    CHECK_EQ_STR(r.user, "bob");
    CHECK_EQ_STR(r.params_json, "{\"alpha\":0.5}");
    CHECK_EQ_STR(r.origin_run_id, "3");
    CHECK_EQ_STR(r.build_id, "abc");
    CHECK(r.start == 1700000000.25);
    CHECK(r.end == 0);
    CHECK_EQ_INT(r.ntags, 2);
    CHECK_EQ_STR(r.tags[0], "a");
    CHECK_EQ_STR(r.tags[1], "b");
    mf__meta_run_release(&r);
    CHECK(r.flow == NULL && r.tags == NULL);

    CHECK_EQ_INT(mf__meta_run_finish(m, "HelloFlow", "7", "failed", 1700000100.5, &err), 0);
    CHECK_EQ_INT(mf__meta_run(m, "HelloFlow", "7", &r, &err), 0);
    CHECK_EQ_STR(r.status, "failed");
    CHECK(r.end == 1700000100.5);
    CHECK(r.origin_run_id != NULL);
    mf__meta_run_release(&r);

    CHECK_EQ_INT(mf__meta_run_finish(m, "HelloFlow", "8", "failed", 1, &err), MF_ENOENT);
    CHECK_CONTAINS(err.msg, "run '8' of flow 'HelloFlow' does not exist; its runs are: 7");
    CHECK_EQ_INT(mf__meta_run_finish(m, "HelloFlow", "7", "done", 1, &err), MF_EINVAL);
    CHECK_CONTAINS(err.msg, "status 'done'");

    /* NULL optional fields stay NULL */
    create_run(m, "HelloFlow", "9", 5);
    CHECK_EQ_INT(mf__meta_run(m, "HelloFlow", "9", &r, &err), 0);
    CHECK(r.origin_run_id == NULL && r.params_json == NULL && r.ntags == 0);
    mf__meta_run_release(&r);
    mf__meta_close(m);
}

TEST(runs_newest_first_numeric)
{
    const char *root = fresh_root();
    struct mf_meta *m = open_rw(root);
    struct mf_err err = MF_ERR_INIT;
    create_run(m, "F", "9", 50);
    create_run(m, "F", "10", 50); /* same start: "10" is newer than "9" */
    create_run(m, "F", "2", 10);
    create_run(m, "F", "100", 60);
    create_run(m, "G", "1", 70);
    struct mf_meta_run *runs = NULL;
    size_t n = 0;
    CHECK_EQ_INT(mf__meta_runs(m, "F", &runs, &n, &err), 0);
    CHECK_EQ_INT(n, 4);
    CHECK_EQ_STR(runs[0].run_id, "100");
    CHECK_EQ_STR(runs[1].run_id, "10");
    CHECK_EQ_STR(runs[2].run_id, "9");
    CHECK_EQ_STR(runs[3].run_id, "2");
    free_runs(runs, n);
    CHECK_EQ_INT(mf__meta_runs(m, "Nope", &runs, &n, &err), 0);
    CHECK_EQ_INT(n, 0);
    CHECK(runs == NULL);

    char **flows = NULL;
    CHECK_EQ_INT(mf__meta_flows(m, &flows, &n, &err), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(flows[0], "F");
    CHECK_EQ_STR(flows[1], "G");
    for (size_t i = 0; i < n; i++)
        mf__free(flows[i]);
    mf__free(flows);
    mf__meta_close(m);
}

TEST(tags_add_remove_list)
{
    const char *root = fresh_root();
    struct mf_meta *m = open_rw(root);
    struct mf_err err = MF_ERR_INIT;
    create_run(m, "F", "1", 1);
    CHECK_EQ_INT(mf__meta_tag_add(m, "F", "1", "zeta", &err), 0);
    CHECK_EQ_INT(mf__meta_tag_add(m, "F", "1", "alpha", &err), 0);
    CHECK_EQ_INT(mf__meta_tag_add(m, "F", "1", "alpha", &err), 0); /* idempotent */
    struct mf_meta_run r;
    CHECK_EQ_INT(mf__meta_run(m, "F", "1", &r, &err), 0);
    CHECK_EQ_INT(r.ntags, 2);
    CHECK_EQ_STR(r.tags[0], "alpha");
    CHECK_EQ_STR(r.tags[1], "zeta");
    mf__meta_run_release(&r);
    CHECK_EQ_INT(mf__meta_tag_remove(m, "F", "1", "alpha", &err), 0);
    CHECK_EQ_INT(mf__meta_tag_remove(m, "F", "1", "alpha", &err), 0); /* idempotent */
    CHECK_EQ_INT(mf__meta_run(m, "F", "1", &r, &err), 0);
    CHECK_EQ_INT(r.ntags, 1);
    CHECK_EQ_STR(r.tags[0], "zeta");
    mf__meta_run_release(&r);
    CHECK_EQ_INT(mf__meta_tag_add(m, "F", "2", "x", &err), MF_ENOENT);
    CHECK_CONTAINS(err.msg, "run '2' of flow 'F' does not exist; its runs are: 1");
    mf__meta_close(m);
}

TEST(task_attempts_in_order)
{
    const char *root = fresh_root();
    struct mf_meta *m = open_rw(root);
    struct mf_err err = MF_ERR_INIT;
    create_run(m, "F", "1", 1);
    /* recorded out of order: numeric task order, then attempt */
    struct mf_meta_task t10 = task("train", "10", 0), t9 = task("train", "9", 0), t9b = task("train", "9", 1);
    struct mf_meta_task t1 = task("start", "1", 0);
    start_task(m, "F", "1", &t10);
    start_task(m, "F", "1", &t9);
    start_task(m, "F", "1", &t1);
    finish_task(m, "F", "1", t9, "failed", 1);
    start_task(m, "F", "1", &t9b);
    finish_task(m, "F", "1", t9b, "succeeded", 0);
    finish_task(m, "F", "1", t1, "succeeded", 0);
    CHECK_EQ_INT(mf__meta_task_start(m, "F", "1", &t9b, &err), MF_EEXIST);
    CHECK_CONTAINS(err.msg, "attempt 1 of task '1/train/9' is already recorded");

    struct mf_meta_task *ts = NULL;
    size_t n = 0;
    CHECK_EQ_INT(mf__meta_tasks(m, "F", "1", NULL, &ts, &n, &err), 0);
    CHECK_EQ_INT(n, 4);
    CHECK_EQ_STR(ts[0].task_id, "1");
    CHECK_EQ_STR(ts[0].step, "start");
    CHECK_EQ_STR(ts[1].task_id, "9");
    CHECK_EQ_INT(ts[1].attempt, 0);
    CHECK_EQ_STR(ts[1].status, "failed");
    CHECK_EQ_INT(ts[1].exit_code, 1);
    CHECK_EQ_STR(ts[2].task_id, "9");
    CHECK_EQ_INT(ts[2].attempt, 1);
    CHECK_EQ_STR(ts[2].status, "succeeded");
    CHECK_EQ_INT(ts[2].exit_code, 0);
    CHECK(ts[2].end == ts[2].start + 1);
    CHECK_EQ_INT(ts[2].pid, 4242);
    CHECK_EQ_STR(ts[3].task_id, "10");
    CHECK_EQ_STR(ts[3].status, "running");
    CHECK_EQ_INT(ts[3].exit_code, -1);
    CHECK(ts[3].end == 0);
    free_tasks(ts, n);

    CHECK_EQ_INT(mf__meta_tasks(m, "F", "1", "train", &ts, &n, &err), 0);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_STR(ts[0].task_id, "9");
    CHECK_EQ_STR(ts[2].task_id, "10");
    free_tasks(ts, n);
    CHECK_EQ_INT(mf__meta_tasks(m, "F", "1", "end", &ts, &n, &err), 0);
    CHECK_EQ_INT(n, 0);
    mf__meta_close(m);
}

TEST(task_fields_and_clone)
{
    const char *root = fresh_root();
    struct mf_meta *m = open_rw(root);
    struct mf_err err = MF_ERR_INIT;
    create_run(m, "F", "2", 1);
    struct mf_meta_task t = task("join", "5", 0);
    t.stack = (char *)"3,4";
    t.input_paths = (char *)"2/a/3,2/b/4";
    start_task(m, "F", "2", &t);
    t.status = (char *)"failed";
    t.signal = 9;
    t.timed_out = true;
    t.end = 200;
    CHECK_EQ_INT(mf__meta_task_finish(m, "F", "2", &t, &err), 0);
    /* a clone is recorded by finish alone */
    struct mf_meta_task c = task("start", "1", 0);
    c.origin = (char *)"1/start/1";
    c.status = (char *)"succeeded";
    c.exit_code = 0;
    CHECK_EQ_INT(mf__meta_task_finish(m, "F", "2", &c, &err), 0);
    struct mf_meta_task *ts = NULL;
    size_t n = 0;
    CHECK_EQ_INT(mf__meta_tasks(m, "F", "2", NULL, &ts, &n, &err), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(ts[0].origin, "1/start/1");
    CHECK_EQ_STR(ts[0].status, "succeeded");
    CHECK(ts[1].origin == NULL);
    CHECK_EQ_STR(ts[1].stack, "3,4");
    CHECK_EQ_STR(ts[1].input_paths, "2/a/3,2/b/4");
    CHECK_EQ_INT(ts[1].signal, 9);
    CHECK(ts[1].timed_out);
    CHECK(ts[1].end == 200);
    free_tasks(ts, n);

    struct mf_meta_task nostatus = task("x", "1", 0);
    CHECK_EQ_INT(mf__meta_task_finish(m, "F", "2", &nostatus, &err), MF_EINVAL);
    mf__meta_close(m);
}

TEST(unknown_run_message)
{
    const char *root = fresh_root();
    struct mf_meta *m = open_rw(root);
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_run r;
    CHECK_EQ_INT(mf__meta_run(m, "F", "1", &r, &err), MF_ENOENT);
    CHECK_EQ_STR(err.msg, "run '1' of flow 'F' does not exist: flow 'F' has no runs");
    CHECK(r.flow == NULL);
    for (int i = 1; i <= 12; i++) {
        char id[16];
        snprintf(id, sizeof(id), "%d", i);
        create_run(m, "F", id, 100 + i);
    }
    CHECK_EQ_INT(mf__meta_run(m, "F", "99", &r, &err), MF_ENOENT);
    CHECK_EQ_STR(err.msg, "run '99' of flow 'F' does not exist; its runs are: 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, ...");
    struct mf_meta_task t = task("start", "1", 0);
    CHECK_EQ_INT(mf__meta_task_start(m, "F", "99", &t, &err), MF_ENOENT);
    CHECK_CONTAINS(err.msg, "run '99' of flow 'F' does not exist");
    struct mf_meta_task *ts = NULL;
    size_t n = 0;
    CHECK_EQ_INT(mf__meta_tasks(m, "F", "99", NULL, &ts, &n, &err), MF_ENOENT);
    CHECK_EQ_INT(mf__meta_tasks(m, "F", "12", NULL, &ts, &n, &err), 0);
    CHECK_EQ_INT(n, 0);
    mf__meta_close(m);
}

enum { WRITERS = 4, TASKS_PER_WRITER = 200 };

/* One writer process: its own connection, its own run, start + finish of
 * every task; exits 0 on success. Opening races the others' first open. */
static int writer_main(const char *root, int w)
{
    struct mf_meta *m = NULL;
    struct mf_err err = MF_ERR_INIT;
    char run_id[16], task_id[16];
    snprintf(run_id, sizeof(run_id), "%d", w + 1);
    if (mf__meta_open(root, false, &m, &err) < 0)
        goto fail;
    struct mf_meta_run r = {0};
    r.flow = (char *)"Conc";
    r.run_id = run_id;
    r.start = w;
    if (mf__meta_run_create(m, &r, &err) < 0)
        goto fail;
    for (int i = 0; i < TASKS_PER_WRITER; i++) {
        snprintf(task_id, sizeof(task_id), "%d", i + 1);
        struct mf_meta_task t = task("step", task_id, 0);
        if (mf__meta_task_start(m, "Conc", run_id, &t, &err) < 0)
            goto fail;
        t.status = (char *)"succeeded";
        t.exit_code = 0;
        if (mf__meta_task_finish(m, "Conc", run_id, &t, &err) < 0)
            goto fail;
    }
    if (mf__meta_run_finish(m, "Conc", run_id, "succeeded", 1000, &err) < 0)
        goto fail;
    mf__meta_close(m);
    return 0;
fail:
    fprintf(stderr, "writer %d: %s\n", w, err.msg);
    mf__meta_close(m);
    return 1;
}

TEST(concurrent_writers)
{
    const char *root = fresh_root();
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        fflush(NULL);
        pids[w] = fork();
        CHECK(pids[w] >= 0);
        if (pids[w] == 0)
            _exit(writer_main(root, w));
    }
    for (int w = 0; w < WRITERS; w++) {
        int st = 0;
        CHECK(waitpid(pids[w], &st, 0) == pids[w]);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    struct mf_meta *m = NULL;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__meta_open(root, true, &m, &err), 0);
    struct mf_meta_run *runs = NULL;
    size_t nruns = 0;
    CHECK_EQ_INT(mf__meta_runs(m, "Conc", &runs, &nruns, &err), 0);
    CHECK_EQ_INT(nruns, WRITERS);
    for (size_t i = 0; i < nruns; i++) {
        CHECK_EQ_STR(runs[i].status, "succeeded");
        struct mf_meta_task *ts = NULL;
        size_t n = 0;
        CHECK_EQ_INT(mf__meta_tasks(m, "Conc", runs[i].run_id, NULL, &ts, &n, &err), 0);
        CHECK_EQ_INT(n, TASKS_PER_WRITER);
        for (size_t k = 0; k < n; k++) {
            char id[32];
            snprintf(id, sizeof(id), "%zu", k + 1);
            CHECK_EQ_STR(ts[k].task_id, id);
            CHECK_EQ_STR(ts[k].status, "succeeded");
        }
        free_tasks(ts, n);
    }
    free_runs(runs, nruns);
    mf__meta_close(m);
}

/* A new database's first open switches it to WAL. Openers racing on a new
 * database each read it (a shared lock) and then want the exclusive lock
 * the switch needs: SQLite answers all but one of them SQLITE_BUSY at once,
 * without calling the busy handler (waiting could deadlock), so the open
 * must wait itself. OPENERS processes released together by closing a pipe,
 * ROUNDS new databases: every open must succeed. */
#define OPENERS 8
#define ROUNDS 12
static int open_after_barrier(const char *root, int barrier)
{
    char c;
    if (read(barrier, &c, 1) != 0)
        return 2;
    struct mf_meta *m = NULL;
    struct mf_err err = MF_ERR_INIT;
    if (mf__meta_open(root, false, &m, &err) < 0) {
        fprintf(stderr, "opener: %s\n", err.msg);
        return 1;
    }
    mf__meta_close(m);
    return 0;
}

TEST(first_opens_race)
{
    for (int round = 0; round < ROUNDS; round++) {
        const char *root = fresh_root();
        int barrier[2];
        pid_t pids[OPENERS];
        CHECK(pipe(barrier) == 0);
        fflush(NULL);
        for (int i = 0; i < OPENERS; i++) {
            pids[i] = fork();
            CHECK(pids[i] >= 0);
            if (pids[i] == 0) {
                close(barrier[1]);
                _exit(open_after_barrier(root, barrier[0]));
            }
        }
        close(barrier[0]);
        close(barrier[1]); /* every opener's read returns 0 now */
        int failed = 0;
        for (int i = 0; i < OPENERS; i++) {
            int st = 0;
            CHECK(waitpid(pids[i], &st, 0) == pids[i]);
            failed += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        CHECK_EQ_INT(failed, 0);
    }
}

/* A claim that refuses ids listed in ctx (a ',' separated list). */
static int claim_unless(void *ctx, const char *run_id, struct mf_err *err)
{
    char probe[40];
    snprintf(probe, sizeof(probe), ",%s,", run_id);
    return strstr(ctx, probe) ? mf__err(err, MF_EEXIST, "taken") : 0;
}

static int claim_fails(void *ctx, const char *run_id, struct mf_err *err)
{
    (void)ctx;
    return mf__err(err, MF_EIO, "cannot claim '%s'", run_id);
}

static char *allocate(struct mf_meta *m, mf__meta_claim_fn claim, void *ctx)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_run r = {0};
    char *id = NULL;
    r.flow = (char *)"Alloc";
    r.start = 1;
    int rc = mf__meta_run_allocate(m, &r, claim, ctx, &id, &err);
    if (rc)
        fprintf(stderr, "allocate: %s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
    return id;
}

/* Ids come from the recorded runs: one more than the largest, skipping what
 * the claim says is taken; a failed claim records nothing. */
TEST(run_ids_allocated_from_metadata)
{
    struct mf_meta *m = open_rw(fresh_root());
    struct mf_err err = MF_ERR_INIT;
    char *id = allocate(m, NULL, NULL);
    CHECK_EQ_STR(id, "1");
    mf__free(id);
    create_run(m, "Alloc", "7", 2);
    id = allocate(m, claim_unless, (void *)",8,9,");
    CHECK_EQ_STR(id, "10");
    mf__free(id);
    struct mf_meta_run r = {0};
    r.flow = (char *)"Alloc";
    CHECK_EQ_INT(mf__meta_run_allocate(m, &r, claim_fails, NULL, &id, &err), MF_EIO);
    CHECK(id == NULL);
    CHECK_CONTAINS(err.msg, "cannot claim '11'");
    id = allocate(m, NULL, NULL);
    CHECK_EQ_STR(id, "11");
    mf__free(id);
    mf__meta_close(m);
}

enum { ALLOC_PROCS = 8, ALLOC_EACH = 10 };

/* Several processes allocating at once never share an id. */
TEST(run_ids_allocated_concurrently)
{
    const char *root = fresh_root();
    mf__meta_close(open_rw(root));
    int fds[2];
    CHECK(pipe(fds) == 0);
    for (int p = 0; p < ALLOC_PROCS; p++) {
        fflush(NULL);
        if (fork() == 0) {
            struct mf_meta *m = NULL;
            struct mf_err err = MF_ERR_INIT;
            struct mf_meta_run r = {0};
            r.flow = (char *)"Alloc";
            if (mf__meta_open(root, false, &m, &err))
                _exit(1);
            for (int i = 0; i < ALLOC_EACH; i++) {
                char *id = NULL;
                if (mf__meta_run_allocate(m, &r, NULL, NULL, &id, &err))
                    _exit(2);
                long n = atol(id);
                if (write(fds[1], &n, sizeof(n)) != (ssize_t)sizeof(n))
                    _exit(3);
                mf__free(id);
            }
            mf__meta_close(m);
            _exit(0);
        }
    }
    close(fds[1]);
    for (int p = 0; p < ALLOC_PROCS; p++) {
        int st;
        CHECK(wait(&st) > 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    char seen[ALLOC_PROCS * ALLOC_EACH + 1] = { 0 };
    long n;
    int count = 0;
    while (read(fds[0], &n, sizeof(n)) == (ssize_t)sizeof(n)) {
        CHECK(n >= 1 && n <= ALLOC_PROCS * ALLOC_EACH);
        CHECK(!seen[n]);
        seen[n] = 1;
        count++;
    }
    CHECK_EQ_INT(count, ALLOC_PROCS * ALLOC_EACH);
    close(fds[0]);
}

TESTS_BEGIN
T(schema_version_is_set)
T(cluster_jobs_recorded)
T(memo_hits_recorded)
T(schema_1_is_migrated)
T(run_of_a_dead_scheduler_died)
T(newer_schema_is_refused)
T(readonly_open_of_missing_db)
T(readonly_handle_reads_and_refuses_writes)
T(create_and_finish_run)
T(runs_newest_first_numeric)
T(tags_add_remove_list)
T(task_attempts_in_order)
T(task_fields_and_clone)
T(unknown_run_message)
T(concurrent_writers)
T(first_opens_race)
T(run_ids_allocated_from_metadata)
T(run_ids_allocated_concurrently)
TESTS_END
