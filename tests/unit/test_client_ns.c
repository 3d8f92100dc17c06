/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_client_ns.c - namespaces (Metaflow's namespace()): a client sees the
 * runs having the tag of its namespace, by default user:NAME of who reads;
 * a run named outside it is refused by every read; $MF_NAMESPACE and
 * mf_client_set_namespace() change it, NULL/"" is the global one; and the
 * runs/dump/logs commands with --namespace, on a store built by hand.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli/cli.h"
#include "datastore.h"
#include "meta.h"
#include "metaflow.h"
#include "util/fsutil.h"

#define FLOW "NsFlow"

#define OK(call)                                                                   \
    do {                                                                           \
        int rc_ = (call);                                                          \
        if (rc_ != 0)                                                              \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, err.msg); \
        CHECK_EQ_INT(rc_, 0);                                                      \
    } while (0)

/* A finished run by `user` (its user: system tag), with user tag `tag`. */
static void run_by(struct mf_meta *m, const char *flow, const char *id, const char *user, const char *tag,
                   const char *origin, double start)
{
    struct mf_err err = MF_ERR_INIT;
    char sys_tag[64];
    snprintf(sys_tag, sizeof(sys_tag), "user:%s", user);
    char *sys[] = { sys_tag, (char *)"runtime:dev" }, *tags[] = { (char *)tag };
    struct mf_meta_run r = { .flow = (char *)flow, .run_id = (char *)id, .status = (char *)"running",
                             .user = (char *)user, .params_json = (char *)"{}", .origin_run_id = (char *)origin,
                             .start = start, .sys_tags = sys, .nsys_tags = 2, .tags = tags, .ntags = tag ? 1 : 0 };
    OK(mf__meta_run_create(m, &r, &err));
    OK(mf__meta_run_finish(m, flow, id, "succeeded", start + 1, &err));
}

static void task_row(struct mf_meta *m, const char *run, const char *step, const char *task, const char *origin,
                     double start)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_task t = { .step = (char *)step, .task_id = (char *)task, .pid = 1, .start = start,
                              .exit_code = -1, .origin = (char *)origin };
    OK(mf__meta_task_start(m, FLOW, run, &t, &err));
    t.status = (char *)"succeeded";
    t.end = start + 0.5;
    t.exit_code = 0;
    OK(mf__meta_task_finish(m, FLOW, run, &t, &err));
}

/* start/TASK of `run` with artifact who = `who`, and a stdout log when it ran
 * (a clone has none: its log is its origin's). */
static void task_data(struct mf_ds *ds, const char *run, const char *task, const char *who, bool ran)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_index ix;
    struct mf_artifact a;
    struct mf_buf path = MF_BUF_INIT;
    char text[64];
    mf__index_init(&ix);
    memset(&a, 0, sizeof(a));
    mf_value *v = mf_value_str(who);
    OK(mf__ds_store(ds, "who", v, &a, &err));
    CHECK_EQ_INT(mf__index_put(&ix, &a), 0);
    mf__artifact_release(&a);
    mf_value_free(v);
    OK(mf__ds_write_index(ds, run, "start", task, &ix, &err));
    mf__index_release(&ix);
    if (!ran)
        return;
    snprintf(text, sizeof(text), "%s says hi\n", who);
    CHECK_EQ_INT(mf__ds_log_path(ds, run, "start", task, 0, "stdout", &path), 0);
    OK(mf__mkdirs_for(path.buf, &err));
    OK(mf__write_atomic(path.buf, text, strlen(text), 0, &err));
    mf__buf_release(&path);
}

/* NsFlow run 1 by alice (tag project:x), run 2 by bob (tag project:x), run
 * 3 by bob resuming run 1 (its start/2 cloned from alice's 1/start/1);
 * OtherFlow run 1 by alice. The reader is bob unless a test says otherwise. */
static const char *build_store(void)
{
    const char *root = mf_test_fresh_dir("client_ns");
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta *m = NULL;
    struct mf_ds *ds = NULL;
    OK(mf__meta_open(root, false, &m, &err));
    run_by(m, FLOW, "1", "alice", "project:x", NULL, 100);
    run_by(m, FLOW, "2", "bob", "project:x", NULL, 200);
    run_by(m, FLOW, "3", "bob", NULL, "1", 300);
    run_by(m, "OtherFlow", "1", "alice", NULL, NULL, 50);
    task_row(m, "1", "start", "1", NULL, 101);
    task_row(m, "2", "start", "1", NULL, 201);
    task_row(m, "3", "start", "2", "1/start/1", 301);
    mf__meta_close(m);
    OK(mf__ds_open(root, FLOW, 0, &ds, &err));
    task_data(ds, "1", "1", "alice", true);
    task_data(ds, "2", "1", "bob", true);
    task_data(ds, "3", "2", "alice", false);
    mf__ds_close(ds);
    setenv("USER", "bob", 1);
    unsetenv("MF_NAMESPACE");
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

/* "3,2" for the run ids of `flow` the client lists. */
static void check_runs(mf_client *c, const char *flow, const char *want)
{
    mf_run_info *runs = NULL;
    size_t n = 0;
    char have[256] = "";
    CHECK_EQ_INT(mf_client_runs(c, flow, &runs, &n), 0);
    for (size_t i = 0; i < n; i++)
        snprintf(have + strlen(have), sizeof(have) - strlen(have), "%s%s", i ? "," : "", runs[i].run_id);
    mf_run_info_free(runs, n);
    CHECK_EQ_STR(have, want);
}

/* `v` is the string `want`; frees it. */
static void check_str(mf_value *v, const char *want)
{
    const char *s = NULL;
    CHECK_EQ_INT(mf_value_get_str(v, &s), 0);
    CHECK_EQ_STR(s, want);
    mf_value_free(v);
}

#define REFUSED_1 "run 'NsFlow/1' is not in namespace 'user:bob' (it is in 'user:alice')"

/* The reader's own runs by default; the others' refused by every read. */
TEST(default_is_the_readers_user)
{
    const char *root = build_store();
    mf_client *c = open_client(root);
    CHECK_EQ_STR(mf_client_namespace(c), "user:bob");
    check_runs(c, FLOW, "3,2");
    char **flows = NULL;
    CHECK_EQ_INT(mf_client_flows(c, &flows), 0); /* OtherFlow has no run of bob's */
    CHECK_EQ_STR(flows[0], FLOW);
    CHECK(flows[1] == NULL);
    mf_strv_free(flows);

    mf_run_info *r = NULL;
    CHECK_EQ_INT(mf_client_run(c, FLOW, "latest", &r), 0);
    CHECK_EQ_STR(r->run_id, "3");
    mf_run_info_free(r, 1);
    CHECK_EQ_INT(mf_client_run(c, FLOW, "2", &r), 0);
    mf_run_info_free(r, 1);
    r = NULL;
    CHECK_EQ_INT(mf_client_run(c, FLOW, "1", &r), MF_ENAMESPACE);
    CHECK(r == NULL);
    CHECK_CONTAINS(mf_client_errmsg(c), REFUSED_1);
    CHECK_CONTAINS(mf_client_errmsg(c), "mf_client_set_namespace()");
    CHECK_EQ_INT(mf_client_run(c, FLOW, "9", &r), MF_ENOENT); /* not found stays not found */
    CHECK_EQ_INT(mf_client_run(c, "OtherFlow", "latest", &r), MF_ENOENT);
    CHECK_CONTAINS(mf_client_errmsg(c), "flow 'OtherFlow' has no runs in namespace 'user:bob' (1 run(s) in other "
                                        "namespaces");

    /* Every read of run 1 is refused the same way. */
    char **steps = NULL, **paths = NULL, *text = NULL;
    mf_task_info *tasks = NULL;
    size_t n = 0;
    mf_task *t = NULL;
    mf_value *v = NULL;
    CHECK_EQ_INT(mf_client_steps(c, FLOW, "1", &steps), MF_ENAMESPACE);
    CHECK_EQ_INT(mf_client_tasks(c, FLOW, "1", "start", &tasks, &n), MF_ENAMESPACE);
    CHECK_EQ_INT(mf_client_task(c, FLOW, "1/start/1", &t), MF_ENAMESPACE);
    CHECK(t == NULL);
    CHECK_EQ_INT(mf_client_logs(c, FLOW, "1/start/1", "stdout", -1, &text, NULL), MF_ENAMESPACE);
    CHECK_EQ_INT(mf_client_task_parents(c, FLOW, "1/start/1", &paths), MF_ENAMESPACE);
    CHECK_EQ_INT(mf_client_task_children(c, FLOW, "1/start/1", &paths), MF_ENAMESPACE);
    CHECK_EQ_INT(mf_client_task_exception(c, FLOW, "1/start/1", &v), MF_ENAMESPACE);
    CHECK_EQ_INT(mf_client_get(c, FLOW "/1/start/who", &v), MF_ENAMESPACE);
    CHECK_CONTAINS(mf_client_errmsg(c), REFUSED_1);

    /* Bob's resume reads its clone, whose log is alice's task's. */
    CHECK_EQ_INT(mf_client_get(c, FLOW "/3/start/who", &v), 0);
    check_str(v, "alice");
    size_t len = 0;
    CHECK_EQ_INT(mf_client_logs(c, FLOW, "3/start/2", "stdout", -1, &text, &len), 0);
    CHECK_EQ_STR(text, "alice says hi\n");
    mf_free(text);
    CHECK_EQ_INT(mf_client_close(c), 0);

    /* mf_read opens its own client: the same default. */
    char msg[512];
    CHECK_EQ_INT(mf_read(root, FLOW "/1/start/who", &v, msg, sizeof(msg)), MF_ENAMESPACE);
    CHECK_CONTAINS(msg, REFUSED_1);
    CHECK_EQ_INT(mf_read(root, FLOW "/latest/start/who", &v, msg, sizeof(msg)), 0);
    check_str(v, "alice"); /* run 3's clone */
}

/* Any tag is a namespace; NULL and "" are the global one; a bad tag changes
 * nothing; the default comes back. */
TEST(set_namespace)
{
    mf_client *c = open_client(build_store());
    CHECK_EQ_INT(mf_client_set_namespace(c, "project:x"), 0);
    CHECK_EQ_STR(mf_client_namespace(c), "project:x");
    check_runs(c, FLOW, "2,1");
    mf_run_info *r = NULL;
    CHECK_EQ_INT(mf_client_run(c, FLOW, "3", &r), MF_ENAMESPACE);
    CHECK_CONTAINS(mf_client_errmsg(c), "run 'NsFlow/3' is not in namespace 'project:x' (it is in 'user:bob')");
    CHECK_EQ_INT(mf_client_set_namespace(c, "user:alice"), 0);
    check_runs(c, FLOW, "1");
    check_runs(c, "OtherFlow", "1");
    CHECK_EQ_INT(mf_client_set_namespace(c, NULL), 0);
    CHECK(mf_client_namespace(c) == NULL);
    check_runs(c, FLOW, "3,2,1");
    CHECK_EQ_INT(mf_client_set_namespace(c, "runtime:dev"), 0); /* a system tag too */
    check_runs(c, FLOW, "3,2,1");
    CHECK_EQ_INT(mf_client_set_namespace(c, ""), 0);
    CHECK(mf_client_namespace(c) == NULL);
    CHECK_EQ_INT(mf_client_set_namespace(c, "user:carol"), 0);
    check_runs(c, FLOW, "");
    CHECK_EQ_INT(mf_client_run(c, FLOW, "latest_successful", &r), MF_ENOENT);
    CHECK_CONTAINS(mf_client_errmsg(c), "flow 'NsFlow' has no runs in namespace 'user:carol' (3 run(s) in other "
                                        "namespaces: switch to the global namespace to see them)");
    CHECK_EQ_INT(mf_client_set_namespace(c, "tab\there"), MF_EINVAL);
    CHECK_CONTAINS(mf_client_errmsg(c), "invalid namespace: ");
    CHECK_EQ_STR(mf_client_namespace(c), "user:carol");
    CHECK_EQ_INT(mf_client_default_namespace(c), 0);
    CHECK_EQ_STR(mf_client_namespace(c), "user:bob");
    CHECK_EQ_INT(mf_client_close(c), 0);
}

/* $MF_NAMESPACE: a tag, "" for the global one, refused when not a tag. */
TEST(namespace_from_environment)
{
    const char *root = build_store();
    setenv("MF_NAMESPACE", "user:alice", 1);
    mf_client *c = open_client(root);
    CHECK_EQ_STR(mf_client_namespace(c), "user:alice");
    check_runs(c, FLOW, "1");
    CHECK_EQ_INT(mf_client_set_namespace(c, NULL), 0);
    CHECK_EQ_INT(mf_client_default_namespace(c), 0); /* the variable is the default */
    CHECK_EQ_STR(mf_client_namespace(c), "user:alice");
    CHECK_EQ_INT(mf_client_close(c), 0);
    setenv("MF_NAMESPACE", "", 1);
    c = open_client(root);
    CHECK(mf_client_namespace(c) == NULL);
    check_runs(c, FLOW, "3,2,1");
    CHECK_EQ_INT(mf_client_close(c), 0);
    setenv("MF_NAMESPACE", "bad\x01tag", 1);
    char msg[512] = "";
    c = (mf_client *)1;
    CHECK_EQ_INT(mf_client_open_err(root, &c, msg, sizeof(msg)), MF_EINVAL);
    CHECK(c == NULL);
    CHECK_CONTAINS(msg, "MF_NAMESPACE is not a namespace: invalid tag: byte 4 is a control character");
    unsetenv("MF_NAMESPACE");
    setenv("USER", "alice", 1);
    c = open_client(root);
    CHECK_EQ_STR(mf_client_namespace(c), "user:alice");
    CHECK_EQ_INT(mf_client_close(c), 0);
}

/* Runs a command against the store; its exit status, and what it printed
 * in out/err (the caller's). */
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
    struct mf_cli c = { .flow = &flow, .prog = "nsflow", .root = root };
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

TEST(commands)
{
    const char *root = build_store();
    char *out = NULL, *err = NULL;
    CHECK_EQ_INT(RUN_CMD(mf__cmd_runs, "runs"), 0);
    CHECK(strstr(out, "\n3 ") && strstr(out, "\n2 ") && !strstr(out, "\n1 "));
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_runs, "runs", "--namespace", ""), 0);
    CHECK(strstr(out, "\n3 ") && strstr(out, "\n2 ") && strstr(out, "\n1 "));
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_runs, "runs", "--namespace=user:alice", "--json"), 0);
    CHECK_CONTAINS(out, "\"run_id\":\"1\"");
    CHECK(!strstr(out, "\"run_id\":\"2\""));
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_runs, "runs", "--namespace", "user:carol"), 0);
    CHECK_EQ_STR(out, "(no runs of NsFlow in namespace 'user:carol'; 3 in other namespaces: --namespace '' lists "
                      "every run)\n");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_runs, "runs", "--namespace", "a\nb"), 2);
    CHECK_CONTAINS(err, "invalid --namespace: invalid tag: byte 2 is a control character");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_runs, "runs", "--namespace"), 2);
    RESET();

    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "1"), 1);
    CHECK_EQ_STR(err, "error: run 1 of NsFlow is not in namespace 'user:bob' (it is in 'user:alice'): add "
                      "--namespace 'user:alice' to read it, or --namespace '' for every namespace\n");
    CHECK_EQ_STR(out, "");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "1/start/1", "--namespace", "user:alice"), 0);
    CHECK_CONTAINS(out, "who (str) = \"alice\"");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "9"), 1); /* no such run: the dump's own message */
    CHECK(!strstr(err, "namespace"));
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_logs, "logs", "1/start"), 1);
    CHECK_CONTAINS(err, "run 1 of NsFlow is not in namespace 'user:bob'");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_logs, "logs", "1/start/1", "--namespace", ""), 0);
    CHECK_EQ_STR(out, "alice says hi\n");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_logs, "logs", "3/start/2"), 0);
    CHECK_EQ_STR(out, "alice says hi\n");
    RESET();
    setenv("MF_NAMESPACE", "project:x", 1); /* the option wins over the variable */
    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "3"), 1);
    CHECK_CONTAINS(err, "run 3 of NsFlow is not in namespace 'project:x' (it is in 'user:bob')");
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "3", "--namespace", "user:bob"), 0);
    RESET();
    CHECK_EQ_INT(RUN_CMD(mf__cmd_dump, "dump", "--help"), 0);
    CHECK_CONTAINS(out, "--namespace NS");
    RESET();
    free(out);
    free(err);
}

TESTS_BEGIN
T(default_is_the_readers_user)
T(set_namespace)
T(namespace_from_environment)
T(commands)
TESTS_END
