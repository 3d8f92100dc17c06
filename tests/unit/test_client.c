/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_client.c - the client API and the runs/dump/logs/tag commands on a
 * datastore and run metadata built by hand: runs running, failed and
 * succeeded, a retried task, an unfinished one, every error and its message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli/cli.h"
#include "datastore.h"
#include "meta.h"
#include "metaflow.h"
#include "util/alloc.h"
#include "util/fsutil.h"

#define FLOW "TestFlow"

static const char *fresh_root(void) { return mf_test_fresh_dir("client"); }

#define OK(call)                                                                   \
    do {                                                                           \
        struct mf_err *e_ = &err;                                                  \
        int rc_ = (call);                                                          \
        if (rc_ != 0)                                                              \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, e_->msg); \
        CHECK_EQ_INT(rc_, 0);                                                      \
    } while (0)

static void run_create(struct mf_meta *m, const char *flow, const char *id, double start, const char *params)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_run r = { 0 };
    r.flow = (char *)flow;
    r.run_id = (char *)id;
    r.status = (char *)"running";
    r.user = (char *)"alice";
    r.params_json = (char *)params;
    r.start = start;
    OK(mf__meta_run_create(m, &r, &err));
}

/* One attempt of a task: started at `start`, finished with `status` unless NULL. */
static void attempt(struct mf_meta *m, const char *run, const char *step, const char *task, int n, double start,
                    const char *status, int exit_code)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_task t = { 0 };
    t.step = (char *)step;
    t.task_id = (char *)task;
    t.attempt = n;
    t.pid = 100;
    t.start = start;
    t.exit_code = -1;
    OK(mf__meta_task_start(m, FLOW, run, &t, &err));
    if (!status)
        return;
    t.status = (char *)status;
    t.end = start + 0.5;
    t.exit_code = exit_code;
    OK(mf__meta_task_finish(m, FLOW, run, &t, &err));
}

static void put(struct mf_ds *ds, struct mf_index *ix, const char *name, mf_value *v)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_artifact a;
    memset(&a, 0, sizeof(a));
    OK(mf__ds_store(ds, name, v, &a, &err));
    CHECK_EQ_INT(mf__index_put(ix, &a), 0);
    mf__artifact_release(&a);
    mf_value_free(v);
}

static void write_log(struct mf_ds *ds, const char *run, const char *step, const char *task, int n,
                      const char *stream, const char *text)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_buf path = MF_BUF_INIT;
    CHECK_EQ_INT(mf__ds_log_path(ds, run, step, task, n, stream, &path), 0);
    OK(mf__mkdirs_for(path.buf, &err));
    OK(mf__write_atomic(path.buf, text, strlen(text), 0, &err));
    mf__buf_release(&path);
}

/* TestFlow run 1 (running): start/1 with values of every size, a/2 failed
 * once then succeeded (logs of both attempts), a/3 still running. Run 2
 * (newest) failed; run 3 (oldest) succeeded. OtherFlow has one run. */
static const char *build_store(void)
{
    const char *root = fresh_root();
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta *m = NULL;
    struct mf_ds *ds = NULL;
    struct mf_index ix;
    double big[100];
    unsigned char blob[40];
    char longstr[301];
    for (int i = 0; i < 100; i++)
        big[i] = i;
    for (int i = 0; i < 40; i++)
        blob[i] = (unsigned char)i;
    memset(longstr, 'z', 300);
    longstr[300] = '\0';

    /* Runs made by hand have no system tags, so no user's namespace holds
     * them: these tests read in the global one (test_client_ns.c tests
     * namespaces). */
    setenv("MF_NAMESPACE", "", 1);
    OK(mf__meta_open(root, false, &m, &err));
    run_create(m, FLOW, "1", 1000, "{\"alpha\":0.5}");
    run_create(m, FLOW, "2", 2000, "{}");
    run_create(m, FLOW, "3", 500, "{}");
    run_create(m, "OtherFlow", "1", 10, "{}");
    OK(mf__meta_run_finish(m, FLOW, "2", "failed", 2001.5, &err));
    OK(mf__meta_run_finish(m, FLOW, "3", "succeeded", 700, &err));
    OK(mf__meta_tag_add(m, FLOW, "1", "nightly", &err));
    OK(mf__meta_tag_add(m, FLOW, "1", "v1", &err));
    attempt(m, "1", "start", "1", 0, 1001, "succeeded", 0);
    attempt(m, "1", "a", "2", 0, 1002, "failed", 1);
    attempt(m, "1", "a", "2", 1, 1004, "succeeded", 0);
    attempt(m, "1", "a", "3", 0, 1003, NULL, 0);
    attempt(m, "3", "start", "1", 0, 501, "succeeded", 0);
    mf__meta_close(m);

    OK(mf__ds_open(root, FLOW, 0, &ds, &err));
    mf__index_init(&ix);
    put(ds, &ix, "alpha", mf_value_double(0.5));
    OK(mf__ds_write_index(ds, "1", "_parameters", "0", &ix, &err));
    mf__index_release(&ix);

    mf__index_init(&ix);
    put(ds, &ix, "x", mf_value_int(1));
    put(ds, &ix, "s", mf_value_str("hi"));
    put(ds, &ix, "big", mf_value_array(MF_F64S, big, 100));
    put(ds, &ix, "blob", mf_value_bytes(blob, sizeof(blob)));
    put(ds, &ix, "long", mf_value_str(longstr));
    OK(mf__ds_write_index(ds, "1", "start", "1", &ix, &err));
    mf__index_release(&ix);

    mf__index_init(&ix);
    ix.attempt = 1;
    put(ds, &ix, "x", mf_value_int(1));
    put(ds, &ix, "y", mf_value_int(2));
    OK(mf__ds_write_index(ds, "1", "a", "2", &ix, &err));
    mf__index_release(&ix);
    write_log(ds, "1", "a", "2", 0, "stdout", "first\n");
    write_log(ds, "1", "a", "2", 0, "stderr", "boom\n");
    write_log(ds, "1", "a", "2", 1, "stdout", "second\n");
    write_log(ds, "1", "a", "3", 0, "stdout", "still going\n");

    mf__index_init(&ix);
    put(ds, &ix, "z", mf_value_int(3));
    OK(mf__ds_write_index(ds, "3", "start", "1", &ix, &err));
    mf__index_release(&ix);
    mf__ds_close(ds);
    return root;
}

static mf_client *open_client(const char *root)
{
    mf_client *c = NULL;
    char msg[1024] = "";
    int rc = mf_client_open_err(root, &c, msg, sizeof(msg));
    if (rc)
        fprintf(stderr, "open: %s\n", msg);
    CHECK_EQ_INT(rc, 0);
    return c;
}

TEST(open_errors)
{
    const char *root = fresh_root();
    mf_client *c = (mf_client *)1;
    char msg[1024] = "";
    CHECK_EQ_INT(mf_client_open_err(root, &c, msg, sizeof(msg)), MF_ENOENT);
    CHECK(c == NULL);
    CHECK_CONTAINS(msg, "nothing was run under '");
    CHECK_CONTAINS(msg, root);
    CHECK_EQ_INT(mf_client_open(root, &c), MF_ENOENT);
    CHECK_EQ_INT(mf_client_close(NULL), 0);
    mf_strv_free(NULL);
    mf_run_info_free(NULL, 0);
    mf_task_info_free(NULL, 0);
    mf_client_task_close(NULL);
}

TEST(open_from_environment)
{
    const char *root = build_store();
    mf_client *c = NULL;
    setenv("MF_DATASTORE_ROOT", root, 1);
    CHECK_EQ_INT(mf_client_open(NULL, &c), 0);
    mf_run_info *runs = NULL;
    size_t n = 0;
    CHECK_EQ_INT(mf_client_runs(c, FLOW, &runs, &n), 0);
    CHECK_EQ_INT(n, 3);
    mf_run_info_free(runs, n);
    CHECK_EQ_INT(mf_client_close(c), 0);
}

TEST(flows_and_runs)
{
    mf_client *c = open_client(build_store());
    char **flows = NULL;
    CHECK_EQ_INT(mf_client_flows(c, &flows), 0);
    CHECK_EQ_STR(flows[0], "OtherFlow");
    CHECK_EQ_STR(flows[1], FLOW);
    CHECK(flows[2] == NULL);
    mf_strv_free(flows);

    mf_run_info *runs = NULL;
    size_t n = 0;
    CHECK_EQ_INT(mf_client_runs(c, FLOW, &runs, &n), 0);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_STR(runs[0].run_id, "2"); /* newest first */
    CHECK_EQ_STR(runs[0].status, "failed");
    CHECK(runs[0].end == 2001.5);
    CHECK_EQ_STR(runs[1].run_id, "1");
    CHECK_EQ_STR(runs[1].status, "running");
    CHECK(runs[1].end == 0);
    CHECK_EQ_STR(runs[1].flow, FLOW);
    CHECK_EQ_STR(runs[1].user, "alice");
    CHECK_EQ_STR(runs[1].params_json, "{\"alpha\":0.5}");
    CHECK(runs[1].origin_run_id == NULL);
    CHECK_EQ_INT(runs[1].ntags, 2);
    CHECK_EQ_STR(runs[1].tags[0], "nightly");
    CHECK_EQ_STR(runs[1].tags[1], "v1");
    CHECK(runs[1].tags[2] == NULL);
    CHECK_EQ_STR(runs[2].run_id, "3");
    mf_run_info_free(runs, n);

    CHECK_EQ_INT(mf_client_runs(c, "NoSuchFlow", &runs, &n), 0); /* an unknown flow has no runs */
    CHECK_EQ_INT(n, 0);
    mf_run_info_free(runs, n);
    CHECK_EQ_INT(mf_client_runs(c, "../etc", &runs, &n), MF_EINVAL);
    CHECK_CONTAINS(mf_client_errmsg(c), "invalid flow name '../etc'");
    CHECK_EQ_INT(mf_client_close(c), 0);
}

TEST(one_run)
{
    mf_client *c = open_client(build_store());
    mf_run_info *r = NULL;
    CHECK_EQ_INT(mf_client_run(c, FLOW, "1", &r), 0);
    CHECK_EQ_STR(r->run_id, "1");
    CHECK_EQ_INT(r->ntags, 2);
    mf_run_info_free(r, 1);
    CHECK_EQ_INT(mf_client_run(c, FLOW, "latest", &r), 0);
    CHECK_EQ_STR(r->run_id, "2");
    CHECK_EQ_STR(r->status, "failed");
    mf_run_info_free(r, 1);
    CHECK_EQ_INT(mf_client_run(c, FLOW, "latest_successful", &r), 0);
    CHECK_EQ_STR(r->run_id, "3");
    mf_run_info_free(r, 1);

    r = (mf_run_info *)1;
    CHECK_EQ_INT(mf_client_run(c, FLOW, "999", &r), MF_ENOENT);
    CHECK(r == NULL);
    CHECK_CONTAINS(mf_client_errmsg(c), "run '999' of flow 'TestFlow' does not exist; its runs are: ");
    CHECK_EQ_INT(mf_client_run(c, FLOW, "../x", &r), MF_EINVAL);
    CHECK_CONTAINS(mf_client_errmsg(c), "invalid run id '../x'");
    CHECK_EQ_INT(mf_client_run(c, FLOW, "", &r), MF_EINVAL);
    CHECK_EQ_INT(mf_client_run(c, "OtherFlow", "latest_successful", &r), MF_ENOENT);
    CHECK_EQ_STR(mf_client_errmsg(c), "flow 'OtherFlow' has no successful run; its runs are: 1 (running)");
    CHECK_EQ_INT(mf_client_run(c, "NoSuchFlow", "latest", &r), MF_ENOENT);
    CHECK_CONTAINS(mf_client_errmsg(c), "flow 'NoSuchFlow' has no runs under '");
    CHECK_EQ_INT(mf_client_close(c), 0);
}

TEST(steps_and_tasks)
{
    mf_client *c = open_client(build_store());
    char **steps = NULL;
    CHECK_EQ_INT(mf_client_steps(c, FLOW, "1", &steps), 0);
    CHECK_EQ_STR(steps[0], "start");
    CHECK_EQ_STR(steps[1], "a");
    CHECK(steps[2] == NULL);
    mf_strv_free(steps);

    mf_task_info *tasks = NULL;
    size_t n = 0;
    CHECK_EQ_INT(mf_client_tasks(c, FLOW, "1", NULL, &tasks, &n), 0);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_STR(tasks[0].pathspec, "1/start/1");
    CHECK(tasks[0].finished);
    CHECK_EQ_STR(tasks[1].pathspec, "1/a/2");
    CHECK_EQ_STR(tasks[1].step, "a");
    CHECK_EQ_STR(tasks[1].task_id, "2");
    CHECK_EQ_INT(tasks[1].attempts, 2);
    CHECK_EQ_STR(tasks[1].status, "succeeded"); /* of the last attempt */
    CHECK_EQ_INT(tasks[1].exit_code, 0);
    CHECK(tasks[1].start == 1004);
    CHECK(tasks[1].finished);
    CHECK(tasks[1].origin == NULL);
    CHECK_EQ_STR(tasks[2].pathspec, "1/a/3");
    CHECK_EQ_STR(tasks[2].status, "running");
    CHECK(!tasks[2].finished); /* started, no index */
    mf_task_info_free(tasks, n);

    CHECK_EQ_INT(mf_client_tasks(c, FLOW, "1", "a", &tasks, &n), 0);
    CHECK_EQ_INT(n, 2);
    mf_task_info_free(tasks, n);

    CHECK_EQ_INT(mf_client_tasks(c, FLOW, "1", "nosuch", &tasks, &n), MF_ENOENT);
    CHECK_EQ_STR(mf_client_errmsg(c), "run '1' of flow 'TestFlow' has no step 'nosuch' (no task of it has started); "
                                      "its steps are 'start', 'a'");
    CHECK_EQ_INT(mf_client_tasks(c, FLOW, "7", NULL, &tasks, &n), MF_ENOENT);
    CHECK_CONTAINS(mf_client_errmsg(c), "run '7' of flow 'TestFlow' does not exist");
    CHECK_EQ_INT(mf_client_steps(c, FLOW, "x", &steps), MF_EINVAL);
    CHECK_EQ_INT(mf_client_tasks(c, FLOW, "1", "a/b", &tasks, &n), MF_EINVAL);
    CHECK_CONTAINS(mf_client_errmsg(c), "invalid step name 'a/b'");
    CHECK_EQ_INT(mf_client_close(c), 0);
}

TEST(task_getters)
{
    mf_client *c = open_client(build_store());
    mf_task *t = NULL;
    CHECK_EQ_INT(mf_client_task(c, FLOW, "1/start/1", &t), 0);
    CHECK_EQ_STR(mf_flow_name(t), FLOW);
    CHECK_EQ_STR(mf_run_id(t), "1");
    CHECK_EQ_STR(mf_step_name(t), "start");
    CHECK_EQ_STR(mf_task_id(t), "1");
    CHECK_EQ_STR(mf_pathspec(t), "1/start/1");
    CHECK_EQ_INT(mf_attempt(t), 0);
    CHECK(mf_has(t, "x"));
    CHECK(mf_has(t, "alpha")); /* parameters are visible as in a step */
    CHECK(!mf_has(t, "nope"));
    CHECK_EQ_INT(mf_get_int(t, "x"), 1);
    CHECK_EQ_STR(mf_get_str(t, "s"), "hi");
    CHECK(mf_get_double(t, "alpha") == 0.5);
    CHECK(mf_get_double(t, "x") == 1.0); /* an int reads as a double */
    size_t n = 0;
    const double *big = mf_get_f64s(t, "big", &n);
    CHECK_EQ_INT(n, 100);
    CHECK(big[99] == 99.0);
    const unsigned char *blob = mf_get_bytes(t, "blob", &n);
    CHECK_EQ_INT(n, 40);
    CHECK_EQ_INT(blob[39], 39);
    const mf_value *v = mf_get(t, "long");
    CHECK_EQ_INT(mf_value_len(v), 300);
    CHECK(mf_get(t, "long") == v); /* loaded once, owned by the handle */

    char **names = mf_task_artifact_names(t);
    const char *want[] = { "big", "blob", "long", "s", "x" }; /* sorted, no parameters */
    for (size_t i = 0; i < 5; i++)
        CHECK_EQ_STR(names[i], want[i]);
    CHECK(names[5] == NULL);
    mf_strv_free(names);

    /* Failures return a zero value and leave the message on the client. */
    CHECK(mf_get(t, "nope") == NULL);
    CHECK_CONTAINS(mf_client_errmsg(c), "task '1/start/1': artifact 'nope' does not exist");
    CHECK_EQ_INT(mf_get_int(t, "s"), 0);
    CHECK_CONTAINS(mf_client_errmsg(c), "artifact 's'");
    CHECK_CONTAINS(mf_client_errmsg(c), "is a str, not an int");
    CHECK(mf_get_str(t, "x") == NULL);
    CHECK(mf_get_f64s(t, "x", &n) == NULL);
    CHECK_EQ_INT(n, 0);
    CHECK(!mf_get_bool(t, "nope"));
    mf_client_task_close(t);

    CHECK_EQ_INT(mf_client_task(c, FLOW, "1/a/2", &t), 0);
    CHECK_EQ_INT(mf_attempt(t), 1); /* the attempt that succeeded */
    CHECK_EQ_INT(mf_get_int(t, "y"), 2);
    mf_client_task_close(t);
    CHECK_EQ_INT(mf_client_task(c, FLOW, "3/start/1", &t), 0); /* a run without parameters */
    CHECK_EQ_INT(mf_get_int(t, "z"), 3);
    CHECK(!mf_has(t, "alpha"));
    mf_client_task_close(t);
    CHECK_EQ_INT(mf_client_close(c), 0);
}

TEST(task_errors)
{
    mf_client *c = open_client(build_store());
    mf_task *t = (mf_task *)1;
    static const struct {
        const char *pathspec;
        int code;
        const char *msg;
    } cases[] = {
        { "../x", MF_EINVAL, "malformed pathspec '../x': the run id '..' is not a number; use RUN/STEP/TASK" },
        { "1/a/b/c", MF_EINVAL, "malformed pathspec '1/a/b/c': too many parts; use RUN/STEP/TASK" },
        { "", MF_EINVAL, "the run id '' is not a number" },
        { "1/a", MF_EINVAL, "pathspec '1/a' names no task; use RUN/STEP/TASK" },
        { "1/2/3", MF_EINVAL, "the step '2' is not a step name" },
        { "1/a/x", MF_EINVAL, "the task id 'x' is not a number" },
        { "1//2", MF_EINVAL, "the step '' is not a step name" },
        { "9/start/1", MF_ENOENT, "run '9' of flow 'TestFlow' does not exist; its runs are: " },
        { "1/zzz/1", MF_ENOENT, "has no step 'zzz' (no task of it has started); its steps are 'start', 'a'" },
        { "1/a/99", MF_ENOENT, "step 'a' of run '1' of flow 'TestFlow' has no task '99'; its tasks are 2, 3" },
        { "1/a/3", MF_ENOENT, "task '1/a/3' of flow 'TestFlow' has not finished: its attempt 0 is running" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = mf_client_task(c, FLOW, cases[i].pathspec, &t);
        if (rc != cases[i].code)
            fprintf(stderr, "pathspec '%s': %s\n", cases[i].pathspec, mf_client_errmsg(c));
        CHECK_EQ_INT(rc, cases[i].code);
        CHECK(t == NULL);
        CHECK_CONTAINS(mf_client_errmsg(c), cases[i].msg);
    }
    CHECK_EQ_INT(mf_client_task(c, FLOW, NULL, &t), MF_EINVAL);
    CHECK_EQ_INT(mf_client_task(c, "No/Flow", "1/a/2", &t), MF_EINVAL);
    CHECK_CONTAINS(mf_client_errmsg(c), "invalid flow name 'No/Flow'");
    CHECK_EQ_INT(mf_client_close(c), 0);
}

TEST(close_with_open_tasks)
{
    mf_client *c = open_client(build_store());
    mf_task *t1 = NULL, *t2 = NULL;
    CHECK_EQ_INT(mf_client_task(c, FLOW, "1/start/1", &t1), 0);
    CHECK_EQ_INT(mf_client_task(c, FLOW, "1/a/2", &t2), 0);
    CHECK_EQ_INT(mf_client_close(c), MF_EBUSY);
    CHECK_CONTAINS(mf_client_errmsg(c), "2 task handle(s) are still open");
    mf_client_task_close(t1);
    CHECK_EQ_INT(mf_client_close(c), MF_EBUSY);
    CHECK_EQ_INT(mf_get_int(t2, "y"), 2); /* still usable */
    mf_client_task_close(t2);
    CHECK_EQ_INT(mf_client_close(c), 0);
}

static void check_log(mf_client *c, const char *ps, const char *stream, int n, const char *want)
{
    char *text = NULL;
    size_t len = 99;
    int rc = mf_client_logs(c, FLOW, ps, stream, n, &text, &len);
    if (rc)
        fprintf(stderr, "logs %s %s %d: %s\n", ps, stream, n, mf_client_errmsg(c));
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_STR(text, want);
    CHECK_EQ_INT(len, strlen(want));
    mf_free(text);
}

TEST(logs)
{
    mf_client *c = open_client(build_store());
    check_log(c, "1/a/2", "stdout", -1, "second\n");
    check_log(c, "1/a/2", "stdout", 0, "first\n");
    check_log(c, "1/a/2", "stderr", 0, "boom\n");
    check_log(c, "1/a/2", "stderr", 1, ""); /* printed nothing: no file */
    check_log(c, "1/a/3", "stdout", -1, "still going\n"); /* a running task's log so far */
    char *text = (char *)1;
    size_t len = 0;
    CHECK_EQ_INT(mf_client_logs(c, FLOW, "1/a/2", "stdout", 2, &text, &len), MF_ENOENT);
    CHECK(text == NULL);
    CHECK_EQ_STR(mf_client_errmsg(c), "task '1/a/2' has no attempt 2: it has 2 (attempts count from 0)");
    CHECK_EQ_INT(mf_client_logs(c, FLOW, "1/a/2", "stdlog", 0, &text, &len), MF_EINVAL);
    CHECK_CONTAINS(mf_client_errmsg(c), "unknown log stream 'stdlog'");
    CHECK_EQ_INT(mf_client_logs(c, FLOW, "1/a/2", "stdout", -2, &text, &len), MF_EINVAL);
    CHECK_EQ_INT(mf_client_logs(c, FLOW, "1/a", "stdout", 0, &text, &len), MF_EINVAL);
    CHECK_EQ_INT(mf_client_logs(c, FLOW, "1/a/5", "stdout", 0, &text, &len), MF_ENOENT);
    CHECK_CONTAINS(mf_client_errmsg(c), "has no task '5'; its tasks are 2, 3");
    CHECK_EQ_INT(mf_client_close(c), 0);
}

/* Runs a command against the store; returns its exit status and, in
 * out/err (freed by the caller), what it printed. */
static int command(int (*cmd)(struct mf_cli *, int, char **), const char *root, char **out, char **err,
                   const char *const *args)
{
    static const mf_flow flow = { .name = FLOW };
    char *argv[16];
    int argc = 0;
    size_t out_len = 0, err_len = 0;
    for (; args[argc]; argc++)
        argv[argc] = (char *)args[argc];
    argv[argc] = NULL;
    struct mf_cli c = { .flow = &flow, .prog = "testflow", .root = root };
    c.out = open_memstream(out, &out_len);
    c.err = open_memstream(err, &err_len);
    CHECK(c.out && c.err);
    int status = cmd(&c, argc, argv);
    fclose(c.out);
    fclose(c.err);
    return status;
}

#define RUN_CMD(cmd, ...) command(cmd, root, &out, &err, (const char *const[]){ __VA_ARGS__, NULL })
#define RESET() (free(out), free(err), out = err = NULL)

TEST(dump_summaries)
{
    const char *root = build_store();
    char *out = NULL, *err = NULL;
    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "1/start/1"), 0);
    CHECK_CONTAINS(out, "== 1/start/1\n");
    CHECK_CONTAINS(out, "  big (f64 array) = f64 array of 100 elements [0.0, 1.0, 2.0, 3.0, 4.0, ..., 98.0, 99.0]\n");
    CHECK_CONTAINS(out, "  blob (bytes) = 40 bytes: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f ...\n");
    CHECK_CONTAINS(out, "  long (str) = \"zzzzzzzzzz");
    CHECK_CONTAINS(out, "zzzz\" ... (300 chars)\n");
    CHECK_CONTAINS(out, "  s (str) = \"hi\"\n  x (int) = 1\n");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "1/start/1", "--json"), 0);
    CHECK_CONTAINS(out, "\"big\":{\"type\":\"f64 array\",\"length\":100,\"head\":[0.0,1.0,2.0,3.0,4.0],"
                        "\"tail\":[98.0,99.0]}");
    CHECK_CONTAINS(out, "\"blob\":{\"type\":\"bytes\",\"length\":40,\"head\":\"000102030405060708090a0b0c0d0e0f\"}");
    CHECK_CONTAINS(out, "\"long\":{\"type\":\"str\",\"length\":300,\"head\":\"zzz");
    CHECK_CONTAINS(out, "\"s\":\"hi\",\"x\":1},\"summarised\":[\"big\",\"blob\",\"long\"]}]");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "1/start/1", "--artifact", "alpha"), 0);
    CHECK_EQ_STR(out, "== 1/start/1\n  alpha (double) = 0.5\n");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "1/start/1", "--artifact=nope"), 1);
    CHECK_EQ_STR(err, "error: task '1/start/1' has no artifact 'nope'; its artifacts are 'big', 'blob', 'long', "
                      "'s', 'x'\n");
    RESET();
    free(out);
    free(err);
}

TEST(dump_scopes_and_errors)
{
    const char *root = build_store();
    char *out = NULL, *err = NULL;
    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "1"), 0);
    CHECK_CONTAINS(out, "== 1/start/1\n");
    CHECK_CONTAINS(out, "== 1/a/2\n  x (int) = 1\n  y (int) = 2\n== 1/a/3 (not finished: running)\n");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "1/a", "--json"), 0);
    /* this store records no inputs: the graph is null (test_client_graph.c has one that does) */
    CHECK_EQ_STR(out, "[{\"pathspec\":\"1/a/2\",\"step\":\"a\",\"task_id\":\"2\",\"status\":\"succeeded\","
                      "\"origin\":null,\"memo_hit\":false,\"parents\":null,\"children\":null,\"index\":null,\"exception\":null,"
                      "\"finished\":true,\"artifacts\":{\"x\":1,\"y\":2},\"summarised\":[]},{\"pathspec\":\"1/a/3\",\"step\":\"a\","
                      "\"task_id\":\"3\",\"status\":\"running\",\"origin\":null,\"memo_hit\":false,"
                      "\"parents\":null,\"children\":null,"
                      "\"index\":null,\"exception\":null,\"finished\":false}]\n");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "1/a", "--artifact", "y"), 0);
    CHECK_EQ_STR(out, "== 1/a/2\n  y (int) = 2\n");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "1/a/3"), 1);
    CHECK_CONTAINS(err, "has not finished: its attempt 0 is running");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "../x"), 2);
    CHECK_CONTAINS(err, "the run id '..' is not a number");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "999"), 1);
    CHECK_CONTAINS(err, "run '999' of flow 'TestFlow' does not exist; its runs are: ");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "1/a/42"), 1);
    CHECK_CONTAINS(err, "has no task '42'; its tasks are 2, 3");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "1", "2"), 2);
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "--help"), 0);
    CHECK_CONTAINS(out, "usage: testflow dump RUN[/STEP[/TASK]]");
    RESET();
    free(out);
    free(err);
}

TEST(runs_command)
{
    const char *root = build_store();
    char *out = NULL, *err = NULL;
    CHECK_EQ_INT(RUN_CMD(mf__cmd_runs, "runs"), 0);
    const char *row2 = strstr(out, "\n2 "), *row1 = strstr(out, "\n1 "), *row3 = strstr(out, "\n3 ");
    CHECK(row2 && row1 && row3 && row2 < row1 && row1 < row3); /* newest first */
    CHECK_CONTAINS(out, "ID     STATUS     STARTED             DURATION  TAGS                 ORIGIN\n");
    CHECK_CONTAINS(row1, "running    ");
    CHECK_CONTAINS(row1, " running   nightly,v1");
    CHECK_CONTAINS(row2, " 1.5s ");
    CHECK_CONTAINS(row3, " 3m20s ");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_runs, "runs", "--json"), 0);
    CHECK_CONTAINS(out, "{\"duration\":null,\"end\":null,\"end_task\":null,\"flow\":\"TestFlow\",\"memo_hits\":0,\"origin_run_id\":null,"
                        "\"parameters\":{\"alpha\":0.5},\"run_id\":\"1\",\"start\":1000.0,\"status\":\"running\","
                        "\"system_tags\":[],\"tags\":[\"nightly\",\"v1\"],\"user\":\"alice\"}");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_runs, "runs", "--what"), 2);
    RESET();
    free(out);
    free(err);
}

TEST(logs_command)
{
    const char *root = build_store();
    char *out = NULL, *err = NULL;
    CHECK_EQ_INT(RUN_CMD(mf__cmd_logs, "logs", "1/a/2"), 0);
    CHECK_EQ_STR(out, "second\n");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_logs, "logs", "1/a/2", "--stderr", "--attempt", "0"), 0);
    CHECK_EQ_STR(out, "boom\n");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_logs, "logs", "1/a"), 0);
    CHECK_EQ_STR(out, "== 1/a/2 ==\nsecond\n== 1/a/3 ==\nstill going\n");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_logs, "logs", "1"), 2);
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_logs, "logs", "1/a/2", "--attempt", "x"), 2);
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_logs, "logs", "1/b"), 1);
    CHECK_CONTAINS(err, "has no step 'b'");
    RESET();
    free(out);
    free(err);
}

TEST(tag_command)
{
    const char *root = build_store();
    char *out = NULL, *err = NULL;
    CHECK_EQ_INT(RUN_CMD(mf__cmd_tag, "tag", "add", "3", "good", "x:y"), 0);
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_tag, "tag", "list", "3"), 0);
    CHECK_EQ_STR(out, "good\nx:y\n");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_tag, "tag", "remove", "3", "good"), 0);
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_tag, "tag", "list", "3"), 0);
    CHECK_EQ_STR(out, "x:y\n");
    RESET();
    /* Metaflow's rule: 1 to 500 bytes of UTF-8 (we refuse control characters too) */
    char long_tag[502];
    memset(long_tag, 'x', 501);
    long_tag[501] = '\0';
    const char *const bad[] = { "", "tab\there", "caf\xe9", "\xc0\xaf", "\xed\xa0\x80", long_tag };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_EQ_INT(RUN_CMD(mf__cmd_tag, "tag", "add", "3", bad[i]), 2);
        CHECK_CONTAINS(err, "invalid tag");
        RESET();
    }
    long_tag[500] = '\0';
    CHECK_EQ_INT(RUN_CMD(mf__cmd_tag, "tag", "add", "3", "two words", "a,b", "\xe5\x88\xba\xe8\xba\xab", long_tag), 0);
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_tag, "tag", "remove", "3", "two words", "a,b", "\xe5\x88\xba\xe8\xba\xab", long_tag), 0);
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_tag, "tag", "add", "8", "x"), 1);
    CHECK_CONTAINS(err, "run '8' of flow 'TestFlow' does not exist");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_tag, "tag", "remove", "8", "x"), 1);
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_tag, "tag", "add", "3"), 2);
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_tag, "tag"), 2);
    RESET();
    free(out);
    free(err);

    /* The client sees the tags written by the command. */
    mf_client *c = open_client(root);
    mf_run_info *r = NULL;
    CHECK_EQ_INT(mf_client_run(c, FLOW, "3", &r), 0);
    CHECK_EQ_INT(r->ntags, 1);
    CHECK_EQ_STR(r->tags[0], "x:y");
    mf_run_info_free(r, 1);
    CHECK_EQ_INT(mf_client_close(c), 0);
}

/* One artifact in one call: by path, with latest/latest_successful and the
 * task left out of a one-task step; a missing or mistyped value is a status
 * and a message, and the out-parameter keeps what it held. */
TEST(read_one_call)
{
    const char *root = build_store();
    char msg[1024];
    int64_t i = 0;
    double d = 0;
    bool b = true;
    char *s = NULL;
    CHECK_EQ_INT(mf_read_int(root, FLOW "/latest_successful/start/z", &i, msg, sizeof(msg)), 0);
    CHECK_EQ_INT(i, 3);
    CHECK_EQ_STR(msg, "");
    CHECK_EQ_INT(mf_read_int(root, FLOW "/1/start/1/x", &i, msg, sizeof(msg)), 0);
    CHECK_EQ_INT(i, 1);
    CHECK_EQ_INT(mf_read_double(root, FLOW "/1/start/x", &d, NULL, 0), 0); /* an int reads as a double */
    CHECK(d == 1.0);
    CHECK_EQ_INT(mf_read_double(root, FLOW "/1/start/alpha", &d, msg, sizeof(msg)), 0); /* a parameter */
    CHECK(d == 0.5);
    CHECK_EQ_INT(mf_read_str(root, FLOW "/1/start/s", &s, msg, sizeof(msg)), 0);
    CHECK_EQ_STR(s, "hi");
    mf_free(s);
    mf_value *v = NULL;
    CHECK_EQ_INT(mf_read(root, FLOW "/1/start/1/big", &v, msg, sizeof(msg)), 0);
    CHECK_EQ_INT(mf_value_type(v), MF_F64S);
    CHECK_EQ_INT(mf_value_len(v), 100);
    mf_value_free(v);

    d = 42.0;
    CHECK_EQ_INT(mf_read_double(root, FLOW "/1/start/1/nope", &d, msg, sizeof(msg)), MF_ENOENT);
    CHECK(d == 42.0);
    CHECK_CONTAINS(msg, "task 'TestFlow/1/start/1' has no artifact 'nope'; its artifacts are 'big', 'blob', 'long', 's', 'x'");
    CHECK_EQ_INT(mf_read_bool(root, FLOW "/1/start/1/x", &b, msg, sizeof(msg)), MF_ETYPE);
    CHECK(b);
    CHECK_EQ_STR(msg, "artifact 'TestFlow/1/start/1/x' is an int, not a bool");
    s = (char *)"kept";
    CHECK_EQ_INT(mf_read_str(root, FLOW "/1/start/x", &s, msg, sizeof(msg)), MF_ETYPE);
    CHECK_EQ_STR(s, "kept");
    static const struct {
        const char *path;
        int code;
        const char *msg;
    } cases[] = {
        { FLOW "/1/a/y", MF_EINVAL, "step 'a' of run '1' of flow 'TestFlow' has 2 tasks (2, 3): name one, as TestFlow/1/a/TASK/y" },
        { FLOW "/1", MF_EINVAL, "malformed artifact path 'TestFlow/1': use FLOW/RUN/STEP/TASK/NAME or FLOW/RUN/STEP/NAME" },
        { FLOW "/1/start//x", MF_EINVAL, "malformed artifact path" },
        { FLOW "/1/start/1/x/y", MF_EINVAL, "malformed artifact path" },
        { FLOW "/9/start/x", MF_ENOENT, "run '9' of flow 'TestFlow' does not exist; its runs are: " },
        { FLOW "/1/zzz/x", MF_ENOENT, "its steps are 'start', 'a'" },
        { FLOW "/1/a/3/x", MF_ENOENT, "has not finished: its attempt 0 is running" },
        { FLOW "/oops/start/x", MF_EINVAL, "invalid run id 'oops'" },
        { "No-Flow/1/start/x", MF_EINVAL, "invalid flow name 'No-Flow'" },
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        i = -5;
        int rc = mf_read_int(root, cases[k].path, &i, msg, sizeof(msg));
        if (rc != cases[k].code)
            fprintf(stderr, "path '%s': %s\n", cases[k].path, msg);
        CHECK_EQ_INT(rc, cases[k].code);
        CHECK_EQ_INT(i, -5);
        CHECK_CONTAINS(msg, cases[k].msg);
    }
    CHECK_EQ_INT(mf_read(root, NULL, &v, msg, sizeof(msg)), MF_EINVAL);
    CHECK(v == NULL);
    CHECK_EQ_INT(mf_read_int("/nonexistent/root", FLOW "/1/start/x", &i, msg, sizeof(msg)), MF_ENOENT);
    CHECK_CONTAINS(msg, "nothing was run under '/nonexistent/root' yet");

    /* Through an open client: many reads, one connection; nothing left open. */
    mf_client *c = open_client(root);
    CHECK_EQ_INT(mf_client_get(c, FLOW "/3/start/1/z", &v), 0);
    CHECK_EQ_STR(mf_client_errmsg(c), "");
    mf_value_free(v);
    CHECK_EQ_INT(mf_client_get(c, FLOW "/3/start/1/nope", &v), MF_ENOENT);
    CHECK(v == NULL);
    CHECK_CONTAINS(mf_client_errmsg(c), "has no artifact 'nope'; its artifacts are 'z'");
    CHECK_EQ_INT(mf_client_get(c, FLOW "/3/start/1/z", NULL), MF_EINVAL);
    CHECK_EQ_INT(mf_client_close(c), 0);
}

/* A client handle answers the foreach and join getters without ending the
 * program: a task outside any split has no index (-1), no item, no inputs
 * (test_client_graph.c has the tasks that do). */
TEST(client_handle_split_getters)
{
    mf_client *c = open_client(build_store());
    mf_task *t = NULL;
    CHECK_EQ_INT(mf_client_task(c, FLOW, "1/start/1", &t), 0);
    CHECK_EQ_INT(mf_index(t), -1);
    CHECK_CONTAINS(mf_client_errmsg(c), "mf_index() is only available inside a foreach, and step 'start' is not");
    CHECK(mf_input(t) == NULL);
    CHECK_CONTAINS(mf_client_errmsg(c), "mf_input() is only available inside a foreach, and step 'start' is not");
    CHECK(mf_input_str(t) == NULL);
    CHECK_EQ_INT(mf_input_int(t), 0);
    CHECK_EQ_INT(mf_join_count(t), 0);
    CHECK_CONTAINS(mf_client_errmsg(c), "task '1/start/1' is the start step's: it has no inputs");
    CHECK(mf_join_input(t, 0) == NULL);
    CHECK(mf_join_branch(t, "a") == NULL);
    CHECK_CONTAINS(mf_client_errmsg(c), "it has no inputs");
    mf_client_task_close(t);
    CHECK_EQ_INT(mf_client_close(c), 0);
}

TESTS_BEGIN
T(open_errors)
T(open_from_environment)
T(flows_and_runs)
T(one_run)
T(steps_and_tasks)
T(task_getters)
T(task_errors)
T(close_with_open_tasks)
T(logs)
T(dump_summaries)
T(dump_scopes_and_errors)
T(runs_command)
T(logs_command)
T(tag_command)
T(read_one_call)
T(client_handle_split_getters)
TESTS_END
