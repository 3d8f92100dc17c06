/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_oom_client.c - the allocation-failure sweep (oom.h,
 * docs/internals/oom.md) over the client API on a small store written here
 * (runs, tasks, task handles, logs, followed clones) and the metadata
 * writers.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "datastore.h"
#include "meta.h"
#include "oom.h"
#include "util/fsutil.h"

/* ------------------------------------------------------------------ */
/* Client API                                                         */
/* ------------------------------------------------------------------ */

#define FLOW "OomFlow"

/* SQLite's allocations through mf__malloc, so that they join the count
 * (MF_OOM_SQLITE=0 leaves them out, for a quicker sweep): each block keeps
 * its size in a 16-byte header (SQLite wants 8-byte alignment and asks for
 * sizes back). Before any other SQLite call. Failures SQLite recovers from
 * on its own are counted in foreign_failed (oom.h). */
#define SQ_HEAD 16
static void *sq_malloc(int n)
{
    size_t *p = n < 0 ? NULL : mf__malloc((size_t)n + SQ_HEAD);
    if (!p)
        return foreign_failed++, NULL;
    *p = (size_t)n;
    return (char *)p + SQ_HEAD;
}
static void sq_free(void *p) { mf__free(p ? (char *)p - SQ_HEAD : NULL); }
static void *sq_realloc(void *p, int n)
{
    size_t *q = n < 0 ? NULL : mf__realloc((char *)p - SQ_HEAD, (size_t)n + SQ_HEAD);
    if (!q)
        return foreign_failed++, NULL;
    *q = (size_t)n;
    return (char *)q + SQ_HEAD;
}
static int sq_size(void *p) { return p ? (int)*(size_t *)((char *)p - SQ_HEAD) : 0; }
static int sq_roundup(int n) { return (n + 7) & ~7; }
static int sq_init(void *ctx) { return (void)ctx, SQLITE_OK; }
static void sq_shutdown(void *ctx) { (void)ctx; }

static void route_sqlite(void)
{
    static const sqlite3_mem_methods methods = { sq_malloc, sq_free,   sq_realloc, sq_size,
                                                 sq_roundup, sq_init, sq_shutdown, NULL };
    const char *env = getenv("MF_OOM_SQLITE");
    if (!env || strcmp(env, "0") != 0)
        CHECK_EQ_INT(sqlite3_config(SQLITE_CONFIG_MALLOC, &methods), SQLITE_OK);
}

static void meta_attempt(struct mf_meta *m, const char *run, const char *step, const char *task, int n,
                         const char *status, const char *origin)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_task t = { 0 };
    t.step = (char *)step;
    t.task_id = (char *)task;
    t.attempt = n;
    t.start = 1000 + n;
    t.exit_code = -1;
    t.origin = (char *)origin;
    CHECK_EQ_INT(mf__meta_task_start(m, FLOW, run, &t, &err), 0);
    if (!status)
        return;
    t.status = (char *)status;
    t.exit_code = strcmp(status, "failed") == 0;
    CHECK_EQ_INT(mf__meta_task_finish(m, FLOW, run, &t, &err), 0);
}

static void task_index(struct mf_ds *ds, const char *run, const char *step, const char *task, mf_value *v)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_index ix;
    struct mf_artifact a;
    mf__index_init(&ix);
    CHECK_EQ_INT(mf__ds_store(ds, "x", v, &a, &err), 0);
    CHECK_EQ_INT(mf__index_put(&ix, &a), 0);
    mf__artifact_release(&a);
    CHECK_EQ_INT(mf__ds_store(ds, "y", v, &a, &err), 0);
    CHECK_EQ_INT(mf__index_put(&ix, &a), 0);
    mf__artifact_release(&a);
    CHECK_EQ_INT(mf__ds_write_index(ds, run, step, task, &ix, &err), 0);
    mf__index_release(&ix);
    mf_value_free(v);
}

/* Run 1 (running, tagged): start/1, a/2 failed once then succeeded (logs of
 * both attempts), a/3 running. Run 2 (succeeded, a resume): a/5 cloned
 * from 1/a/2. */
static void client_store(void)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta *m = NULL;
    struct mf_ds *ds = NULL;
    struct mf_meta_run r = { 0 };
    struct mf_buf path = MF_BUF_INIT;
    CHECK_EQ_INT(mf__meta_open(tmp_root, false, &m, &err), 0);
    r.flow = (char *)FLOW;
    r.run_id = (char *)"1";
    r.status = (char *)"running";
    r.start = 1000;
    /* Both runs in namespace user:oom, the client's: every read also checks
     * the namespace, under each failed allocation. */
    char *sys[] = { (char *)"user:oom" };
    r.sys_tags = sys;
    r.nsys_tags = 1;
    setenv("MF_NAMESPACE", "user:oom", 1);
    CHECK_EQ_INT(mf__meta_run_create(m, &r, &err), 0);
    r.run_id = (char *)"2";
    r.origin_run_id = (char *)"1";
    r.start = 2000;
    CHECK_EQ_INT(mf__meta_run_create(m, &r, &err), 0);
    CHECK_EQ_INT(mf__meta_run_finish(m, FLOW, "2", "succeeded", 2001, &err), 0);
    CHECK_EQ_INT(mf__meta_tag_add(m, FLOW, "1", "nightly", &err), 0);
    CHECK_EQ_INT(mf__meta_tag_add(m, FLOW, "1", "v1", &err), 0);
    meta_attempt(m, "1", "start", "1", 0, "succeeded", NULL);
    meta_attempt(m, "1", "a", "2", 0, "failed", NULL);
    meta_attempt(m, "1", "a", "2", 1, "succeeded", NULL);
    meta_attempt(m, "1", "a", "3", 0, NULL, NULL);
    meta_attempt(m, "2", "a", "5", 0, "succeeded", "1/a/2");
    mf__meta_close(m);

    CHECK_EQ_INT(mf__ds_open(tmp_root, FLOW, 0, &ds, &err), 0);
    task_index(ds, "1", "_parameters", "0", mf_value_double(0.5));
    task_index(ds, "1", "start", "1", doubles(2000, false));
    task_index(ds, "1", "a", "2", mf_value_str("two"));
    task_index(ds, "2", "a", "5", mf_value_str("two"));
    CHECK_EQ_INT(mf__ds_log_path(ds, "1", "a", "2", 1, "stdout", &path), 0);
    CHECK_EQ_INT(mf__write_atomic(path.buf, "second\n", 7, 0, &err), 0);
    mf__buf_release(&path);
    mf__ds_close(ds);
}

/* A client call: the open client and what to ask it. */
struct client_case {
    mf_client *c;
    const char *arg;    /* run id, pathspec or step */
    char refused[1024]; /* the message of a refusal (MF_ENOENT), once known */
};

/* Passes rc on, with the client's message; a refusal must come with the
 * whole message a run without failures gives. */
static int client_rc(struct client_case *cc, int rc)
{
    const char *msg = mf_client_errmsg(cc->c);
    set_msg(msg);
    if (rc == MF_ENOENT && cc->refused[0] && strcmp(msg, cc->refused) != 0)
        return MF_ECORRUPT;
    return rc;
}

static int op_client_open(void *ctx)
{
    (void)ctx;
    mf_client *c = NULL;
    int rc = mf_client_open_err(tmp_root, &c, op_msg, sizeof(op_msg));
    if (rc && c)
        rc = MF_ECORRUPT;
    return rc ? rc : mf_client_close(c);
}

static int op_flows(void *ctx)
{
    struct client_case *cc = ctx;
    char **names = NULL;
    int rc = client_rc(cc, mf_client_flows(cc->c, &names));
    if (!rc && (strcmp(names[0], FLOW) != 0 || names[1]))
        rc = MF_ECORRUPT;
    mf_strv_free(names);
    return rc;
}

static bool run_ok(const mf_run_info *r, const char *id)
{
    bool one = strcmp(id, "1") == 0;
    return strcmp(r->run_id, id) == 0 && strcmp(r->flow, FLOW) == 0 && r->ntags == (one ? 2u : 0u) &&
           (!one || (strcmp(r->tags[0], "nightly") == 0 && strcmp(r->tags[1], "v1") == 0)) && r->tags &&
           !r->tags[r->ntags] && !r->origin_run_id == one;
}

static int op_runs(void *ctx)
{
    struct client_case *cc = ctx;
    mf_run_info *runs = NULL;
    size_t n = 0;
    int rc = client_rc(cc, mf_client_runs(cc->c, FLOW, &runs, &n));
    if (!rc && (n != 2 || !run_ok(&runs[0], "2") || !run_ok(&runs[1], "1")))
        rc = MF_ECORRUPT;
    mf_run_info_free(runs, n);
    return rc;
}

/* arg: "1", "latest" (run 2) or a run that does not exist. */
static int op_run(void *ctx)
{
    struct client_case *cc = ctx;
    mf_run_info *r = NULL;
    int rc = client_rc(cc, mf_client_run(cc->c, FLOW, cc->arg, &r));
    if (!rc && !run_ok(r, strcmp(cc->arg, "1") == 0 ? "1" : "2"))
        rc = MF_ECORRUPT;
    mf_run_info_free(r, r ? 1 : 0);
    return rc;
}

static int op_steps(void *ctx)
{
    struct client_case *cc = ctx;
    char **steps = NULL;
    int rc = client_rc(cc, mf_client_steps(cc->c, FLOW, "1", &steps));
    if (!rc && (strcmp(steps[0], "start") != 0 || strcmp(steps[1], "a") != 0 || steps[2]))
        rc = MF_ECORRUPT;
    mf_strv_free(steps);
    return rc;
}

/* arg: a step of run 1, or NULL for all its tasks. */
static int op_tasks(void *ctx)
{
    struct client_case *cc = ctx;
    mf_task_info *tasks = NULL;
    size_t n = 0;
    int rc = client_rc(cc, mf_client_tasks(cc->c, FLOW, "1", cc->arg, &tasks, &n));
    size_t skip = cc->arg ? 0 : 1; /* start/1 comes first */
    if (!rc && (n != 2 + skip || strcmp(tasks[skip].pathspec, "1/a/2") != 0 || !tasks[skip].finished ||
                tasks[skip].attempts != 2 || strcmp(tasks[skip + 1].pathspec, "1/a/3") != 0 ||
                tasks[skip + 1].finished || (skip && !tasks[0].finished)))
        rc = MF_ECORRUPT;
    mf_task_info_free(tasks, n);
    return rc;
}

/* arg: a pathspec; opens the task and lists its artifacts. */
static int op_task(void *ctx)
{
    struct client_case *cc = ctx;
    mf_task *t = NULL;
    char **names = NULL;
    int rc = client_rc(cc, mf_client_task(cc->c, FLOW, cc->arg, &t));
    if (!rc && !(names = mf_task_artifact_names(t)))
        rc = MF_ENOMEM, set_msg("out of memory (names)");
    if (!rc && (strcmp(names[0], "x") != 0 || strcmp(names[1], "y") != 0 || names[2]))
        rc = MF_ECORRUPT;
    mf_strv_free(names);
    mf_client_task_close(t);
    return rc;
}

/* arg: a pathspec whose x and y are doubles(2000); reads both through the
 * getters, as a program reading past runs does. A getter's failure must be
 * NULL with "out of memory" in the client's message, never an exit. */
static int op_task_get(void *ctx)
{
    struct client_case *cc = ctx;
    mf_task *t = NULL;
    int rc = client_rc(cc, mf_client_task(cc->c, FLOW, cc->arg, &t));
    for (const char *name = "x"; !rc && name; name = name[0] == 'x' ? "y" : NULL) {
        size_t n = 0;
        const double *xs = mf_get_f64s(t, name, &n);
        if (!xs) {
            set_msg(mf_client_errmsg(cc->c));
            rc = strstr(op_msg, "out of memory") ? MF_ENOMEM : MF_ECORRUPT;
        } else if (n != 2000) {
            rc = MF_ECORRUPT;
        }
    }
    mf_client_task_close(t);
    return rc;
}

/* arg: a pathspec whose last attempt printed "second\n". */
static int op_logs(void *ctx)
{
    struct client_case *cc = ctx;
    char *text = NULL;
    size_t len = 0;
    int rc = client_rc(cc, mf_client_logs(cc->c, FLOW, cc->arg, "stdout", -1, &text, &len));
    if (!rc && (len != 7 || strcmp(text, "second\n") != 0))
        rc = MF_ECORRUPT;
    mf_free(text);
    return rc;
}

/* Each run asks a client opened for it, with nothing prepared or cached. */
static void client_open(void *ctx)
{
    struct client_case *cc = ctx;
    CHECK_EQ_INT(mf_client_open(tmp_root, &cc->c), 0);
}

static void client_close(void *ctx)
{
    struct client_case *cc = ctx;
    CHECK_EQ_INT(mf_client_close(cc->c), 0); /* no task handle left open */
    cc->c = NULL;
}

static void client_sweep(const char *what, oom_op op, const char *arg, int want)
{
    struct client_case cc = { NULL, arg, "" };
    client_open(&cc);
    CHECK_EQ_INT(op(&cc), want);
    if (want == MF_ENOENT)
        snprintf(cc.refused, sizeof(cc.refused), "%s", mf_client_errmsg(cc.c));
    client_close(&cc);
    sweep_fresh(what, client_open, op, client_close, &cc, want, true);
}

/* A scheduler's writes to a new metadata database. */
static int op_meta_writes(void *ctx)
{
    (void)ctx;
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta *m = NULL;
    char dir[128], *tags[] = { (char *)"a", (char *)"b" };
    struct mf_meta_run r = { .flow = (char *)FLOW, .run_id = (char *)"1", .status = (char *)"running",
                             .params_json = (char *)"{}", .start = 1, .tags = tags, .ntags = 2 };
    struct mf_meta_task t = { .step = (char *)"start", .task_id = (char *)"1", .stack = (char *)"",
                              .input_paths = (char *)"", .exit_code = -1 };
    fresh_dir(dir, sizeof(dir));
    int rc = mf__meta_open(dir, false, &m, &err);
    if (!rc)
        rc = mf__meta_run_create(m, &r, &err);
    if (!rc)
        rc = mf__meta_task_start(m, FLOW, "1", &t, &err);
    t.status = (char *)"succeeded";
    t.exit_code = 0;
    if (!rc)
        rc = mf__meta_task_finish(m, FLOW, "1", &t, &err);
    if (!rc)
        rc = mf__meta_tag_add(m, FLOW, "1", "c", &err);
    if (!rc)
        rc = mf__meta_tag_remove(m, FLOW, "1", "a", &err);
    if (!rc)
        rc = mf__meta_run_finish(m, FLOW, "1", "succeeded", 2, &err);
    if (!rc)
        rc = mf__meta_run_finish(m, FLOW, "7", "failed", 2, &err); /* no such run: lists the runs */
    set_msg(err.msg);
    mf__meta_close(m);
    return rc;
}

TEST(metadata)
{
    route_sqlite();
    tmp_make_in(true);
    sweep("metadata writes", op_meta_writes, NULL, MF_ENOENT, true);
    tmp_remove();
}

/* Each TEST writes the store anew: it runs in a process of its own. */
static void client_begin(void)
{
    route_libraries();
    route_sqlite();
    tmp_make();
    client_store();
}

TEST(client_runs)
{
    client_begin();
    sweep("client open", op_client_open, NULL, 0, true);
    client_sweep("client flows", op_flows, NULL, 0);
    client_sweep("client runs", op_runs, NULL, 0);
    client_sweep("client run", op_run, "1", 0);
    client_sweep("client run latest", op_run, "latest", 0);
    client_sweep("client run, missing", op_run, "9", MF_ENOENT);
    tmp_remove();
}

TEST(client_tasks)
{
    client_begin();
    client_sweep("client steps", op_steps, NULL, 0);
    client_sweep("client tasks", op_tasks, NULL, 0);
    client_sweep("client tasks of a step", op_tasks, "a", 0);
    client_sweep("client tasks, missing step", op_tasks, "zz", MF_ENOENT);
    tmp_remove();
}

TEST(client_task_handles)
{
    client_begin();
    client_sweep("client task", op_task, "1/a/2", 0);
    client_sweep("client task, big artifact", op_task, "1/start/1", 0);
    client_sweep("client task getters", op_task_get, "1/start/1", 0);
    client_sweep("client task, unfinished", op_task, "1/a/3", MF_ENOENT);
    client_sweep("client task, missing", op_task, "1/a/4", MF_ENOENT);
    tmp_remove();
}

TEST(client_logs)
{
    client_begin();
    client_sweep("client logs", op_logs, "1/a/2", 0);
    client_sweep("client logs of a clone", op_logs, "2/a/5", 0);
    tmp_remove();
}

TESTS_BEGIN
T(metadata)
T(client_runs)
T(client_tasks)
T(client_task_handles)
T(client_logs)
TESTS_END
