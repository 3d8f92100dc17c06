/* SPDX-License-Identifier: Apache-2.0 */
/* test_meta_rebuild.c - meta_rebuild.c: runs and tasks come back from the
 * run directories when metadata.db is lost or corrupt; a healthy database
 * is kept and only gets the runs it lacks. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "datastore.h"
#include "meta.h"
#include "meta_rebuild.h"
#include "run_record.h"
#include "util/alloc.h"
#include "util/fsutil.h"
#include "value.h"

static const char *root;

static void write_task(struct mf_ds *ds, const char *run, const char *step, const char *task, int attempt)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_index ix;
    struct mf_artifact a;
    mf_value *v = mf_value_int(attempt);
    mf__index_init(&ix);
    CHECK_EQ_INT(mf__ds_store(ds, "alpha", v, &a, &err), 0);
    CHECK_EQ_INT(mf__index_put(&ix, &a), 0);
    ix.stack = mf__strdup("");
    ix.attempt = attempt;
    CHECK_EQ_INT(mf__ds_write_index(ds, run, step, task, &ix, &err), 0);
    mf__index_release(&ix);
    mf__artifact_release(&a);
    mf_value_free(v);
}

static void touch_log(const char *run, const char *step, const char *task, int attempt)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/F/%s/%s/%s", root, run, step, task);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
    CHECK(system(cmd) == 0);
    snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%d.stderr", attempt);
    FILE *f = fopen(path, "w");
    CHECK(f);
    fputs("boom\n", f);
    fclose(f);
}

static void write_exit(const char *run, const char *step, const char *task, int attempt, const char *text)
{
    char path[512];
    struct mf_err err = MF_ERR_INIT;
    snprintf(path, sizeof(path), "%s/F/%s/%s/%s/%d.exit", root, run, step, task, attempt);
    CHECK_EQ_INT(mf__write_atomic(path, text, strlen(text), 0, &err), 0);
}

/* Run 1 succeeded (start, end; end on its second attempt, after its first
 * was killed by signal 9 when it ran out of time); run 2 failed in `end`
 * (a log and exit status 3, no index). */
static void make_runs(void)
{
    struct mf_ds *ds = NULL;
    struct mf_err err = MF_ERR_INIT;
    root = mf_test_fresh_dir("rebuild");
    CHECK_EQ_INT(mf__ds_open(root, "F", 0, &ds, &err), 0);
    write_task(ds, "1", "_parameters", "0", 0);
    write_task(ds, "1", "start", "1", 0);
    touch_log("1", "end", "2", 0);
    write_exit("1", "end", "2", 0, "137 TIMEOUT \n");
    write_task(ds, "1", "end", "2", 1);
    write_task(ds, "2", "_parameters", "0", 0);
    write_task(ds, "2", "start", "1", 0);
    touch_log("2", "end", "2", 0);
    write_exit("2", "end", "2", 0, "3  \n");
    mf__ds_close(ds);
}

static struct mf_meta *open_meta(void)
{
    struct mf_meta *m = NULL;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__meta_open(root, true, &m, &err), 0);
    return m;
}

static void check_rebuilt(void)
{
    struct mf_meta *m = open_meta();
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_run r;
    CHECK_EQ_INT(mf__meta_run(m, "F", "1", &r, &err), 0);
    CHECK_EQ_STR(r.status, "succeeded");
    CHECK_CONTAINS(r.params_json, "\"alpha\":0");
    CHECK(r.start > 0 && r.end >= r.start);
    mf__meta_run_release(&r);
    CHECK_EQ_INT(mf__meta_run(m, "F", "2", &r, &err), 0);
    CHECK_EQ_STR(r.status, "failed");
    mf__meta_run_release(&r);
    struct mf_meta_task *t = NULL;
    size_t n = 0;
    CHECK_EQ_INT(mf__meta_tasks(m, "F", "1", NULL, &t, &n, &err), 0);
    CHECK_EQ_INT((int)n, 3); /* start/1 attempt 0, end/2 attempts 0 and 1 */
    CHECK_EQ_STR(t[0].step, "start");
    CHECK_EQ_STR(t[0].status, "succeeded");
    CHECK_EQ_INT(t[0].exit_code, 0);
    CHECK_EQ_STR(t[1].status, "failed");
    CHECK_EQ_INT(t[1].exit_code, -1); /* killed by signal 9, out of time: from its exit file */
    CHECK_EQ_INT(t[1].signal, 9);
    CHECK(t[1].timed_out);
    CHECK_EQ_STR(t[2].status, "succeeded");
    CHECK_EQ_INT(t[2].attempt, 1);
    CHECK_EQ_INT(t[2].exit_code, 0);
    CHECK(!t[2].timed_out);
    for (size_t i = 0; i < n; i++)
        mf__meta_task_release(&t[i]);
    mf__free(t);
    CHECK_EQ_INT(mf__meta_tasks(m, "F", "2", "end", &t, &n, &err), 0);
    CHECK_EQ_INT((int)n, 1);
    CHECK_EQ_STR(t[0].status, "failed");
    CHECK_EQ_INT(t[0].exit_code, 3);
    CHECK_EQ_INT(t[0].signal, 0);
    mf__meta_task_release(&t[0]);
    mf__free(t);
    mf__meta_close(m);
}

TEST(lost_database)
{
    make_runs();
    struct mf_rebuild_stats st;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__meta_rebuild(root, &st, &err), 0);
    CHECK_EQ_INT((int)st.runs, 2);
    CHECK_EQ_INT((int)st.tasks, 4);
    CHECK_EQ_STR(st.aside, "");
    check_rebuilt();
    /* again: everything is there already */
    CHECK_EQ_INT(mf__meta_rebuild(root, &st, &err), 0);
    CHECK_EQ_INT((int)st.runs, 0);
    CHECK_EQ_INT((int)st.runs_kept, 2);
}

/* A run's record copy reads back as written; a run whose directory is gone
 * gets none (nothing to rebuild from), and a run without one says so. */
TEST(record_copy)
{
    const char *dir = mf_test_fresh_dir("run_record");
    struct mf_err err = MF_ERR_INIT;
    char path[512];
    snprintf(path, sizeof(path), "%s/F/7", dir);
    CHECK_EQ_INT(mf__mkdirs(path, &err), 0);
    char *sys[] = { (char *)"user:ann", (char *)"runtime:dev", NULL }, *tags[] = { (char *)"a b", (char *)"é", NULL };
    CHECK_EQ_INT(mf__run_record_write(dir, "F", "7", sys, 2, tags, 2, "6", &err), 0);
    struct mf_run_record r;
    CHECK_EQ_INT(mf__run_record_read(dir, "F", "7", &r, &err), 0);
    CHECK_EQ_INT((int)r.nsys_tags, 2);
    CHECK_EQ_STR(r.sys_tags[1], "runtime:dev");
    CHECK_EQ_INT((int)r.ntags, 2);
    CHECK_EQ_STR(r.tags[1], "é");
    CHECK_EQ_STR(r.origin_run_id, "6");
    mf__run_record_release(&r);
    CHECK_EQ_INT(mf__run_record_write(dir, "F", "8", sys, 2, NULL, 0, NULL, &err), 0); /* no F/8: none */
    CHECK_EQ_INT(mf__run_record_read(dir, "F", "8", &r, &err), MF_ENOENT);
    CHECK_EQ_INT(mf__run_record_parse("{\"format\":1,\"system_tags\":[],\"tags\":[\"\"],\"origin_run_id\":null}",
                                      "x", &r, &err), MF_ECORRUPT); /* an empty tag */
    CHECK_CONTAINS(err.msg, "'x' is damaged");
    CHECK_EQ_INT(mf__run_record_parse("{\"format\":1,\"system_tags\":[],\"tags\":[],\"origin_run_id\":\"1/2\"}",
                                      "x", &r, &err), MF_ECORRUPT);
    CHECK_EQ_INT(mf__run_record_parse("{\"format\":9,\"system_tags\":[],\"tags\":[],\"origin_run_id\":null}",
                                      "x", &r, &err), MF_ECORRUPT);
    CHECK_CONTAINS(err.msg, "format 9");
}

TEST(corrupt_database_moved_aside)
{
    make_runs();
    char path[512];
    snprintf(path, sizeof(path), "%s/metadata.db", root);
    FILE *f = fopen(path, "w");
    CHECK(f);
    for (int i = 0; i < 2000; i++)
        fputs("not a database ", f);
    fclose(f);
    struct mf_rebuild_stats st;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__meta_rebuild(root, &st, &err), 0);
    CHECK_CONTAINS(st.aside, "metadata.db.broken-");
    CHECK(access(st.aside, F_OK) == 0);
    CHECK_EQ_INT((int)st.runs, 2);
    check_rebuilt();
}

TEST(healthy_database_kept)
{
    make_runs();
    struct mf_meta *m = NULL;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__meta_open(root, false, &m, &err), 0);
    struct mf_meta_run r = { 0 };
    r.flow = (char *)"F";
    r.run_id = (char *)"1";
    r.user = (char *)"kept";
    r.status = (char *)"succeeded";
    r.start = 5;
    CHECK_EQ_INT(mf__meta_run_create(m, &r, &err), 0);
    mf__meta_close(m);
    struct mf_rebuild_stats st;
    CHECK_EQ_INT(mf__meta_rebuild(root, &st, &err), 0);
    CHECK_EQ_INT((int)st.runs, 1);
    CHECK_EQ_INT((int)st.runs_kept, 1);
    m = open_meta();
    struct mf_meta_run back;
    CHECK_EQ_INT(mf__meta_run(m, "F", "1", &back, &err), 0);
    CHECK_EQ_STR(back.user, "kept");
    mf__meta_run_release(&back);
    CHECK_EQ_INT(mf__meta_run(m, "F", "2", &back, &err), 0);
    mf__meta_run_release(&back);
    mf__meta_close(m);
}

TESTS_BEGIN
T(lost_database)
T(record_copy)
T(corrupt_database_moved_aside)
T(healthy_database_kept)
TESTS_END
