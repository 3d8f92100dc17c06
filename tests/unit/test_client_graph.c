/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_client_graph.c - the runtime graph through the client, on stores
 * built by hand: the version 3 index fields (inputs, foreach, caught) and
 * their refusals; a client handle's foreach item and join inputs (by input,
 * by branch); parents and children; and a store written before version 3,
 * read through the run metadata where it has the inputs and refused with a
 * message where nothing has them; the exception of a failed and of a caught
 * task.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "codec.h"
#include "datastore.h"
#include "meta.h"
#include "metaflow.h"
#include "util/fsutil.h"
#include "value.h"

#define FLOW "GraphFlow"

#define OK(call)                                                                   \
    do {                                                                           \
        struct mf_err *e_ = &err;                                                  \
        int rc_ = (call);                                                          \
        if (rc_ != 0)                                                              \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, e_->msg); \
        CHECK_EQ_INT(rc_, 0);                                                      \
    } while (0)

/* One finished task: its metadata row (with `meta_inputs`) and, unless
 * `no_index`, an index holding `name` = `v` with the graph fields given
 * (version 3 when any is set). */
struct spec {
    const char *run, *step, *task, *stack, *meta_inputs, *ix_inputs, *foreach;
    int64_t num_splits;
};

static void task(struct mf_meta *m, struct mf_ds *ds, const struct spec *s, const char *name, mf_value *v)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_task t = { 0 };
    struct mf_index ix;
    struct mf_artifact a;
    t.step = (char *)s->step;
    t.task_id = (char *)s->task;
    t.status = (char *)"succeeded";
    t.start = 1000 + atof(s->task);
    t.end = t.start + 0.5;
    t.exit_code = 0;
    t.stack = (char *)s->stack;
    t.input_paths = (char *)s->meta_inputs;
    OK(mf__meta_task_finish(m, FLOW, s->run, &t, &err));
    mf__index_init(&ix);
    memset(&a, 0, sizeof(a));
    OK(mf__ds_store(ds, name, v, &a, &err));
    CHECK_EQ_INT(mf__index_put(&ix, &a), 0);
    mf__artifact_release(&a);
    mf_value_free(v);
    ix.stack = strdup(s->stack);
    ix.num_splits = s->num_splits;
    CHECK_EQ_INT(mf__index_set_graph(&ix, s->ix_inputs, s->foreach, NULL), 0);
    OK(mf__ds_write_index(ds, s->run, s->step, s->task, &ix, &err));
    mf__index_release(&ix);
}

static mf_value *strings3(void)
{
    mf_value *l = mf_value_list();
    mf_value_list_push(l, mf_value_str("x"));
    mf_value_list_push(l, mf_value_str("y"));
    mf_value_list_push(l, mf_value_str("z"));
    return l;
}

static void run(struct mf_meta *m, const char *id)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_run r = { 0 };
    r.flow = (char *)FLOW;
    r.run_id = (char *)id;
    r.status = (char *)"succeeded";
    r.user = (char *)"alice";
    r.params_json = (char *)"{}";
    r.start = 1000;
    OK(mf__meta_run_create(m, &r, &err));
}

/* Run 1: start/1 fans out over items = [x, y, z] to a/2..4, joined by
 * join/5, then end/6 (version 3 indexes). Run 2: start/1 branches to b/2
 * and c/3, joined by j/4. Run 3: run 1's shape written before version 3
 * (no graph fields), the metadata holding the inputs. Run 4: the same with
 * the metadata rebuilt (no inputs anywhere). */
static const char *build_store(void)
{
    const char *root = mf_test_fresh_dir("client_graph");
    setenv("MF_NAMESPACE", "", 1); /* runs made by hand have no system tags: read in the global namespace */
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta *m = NULL;
    struct mf_ds *ds = NULL;
    OK(mf__meta_open(root, false, &m, &err));
    OK(mf__ds_open(root, FLOW, 0, &ds, &err));
    run(m, "1");
    run(m, "2");
    run(m, "3");
    run(m, "4");
    const struct spec specs[] = {
        { "1", "start", "1", "", "", NULL, "items", 3 },
        { "1", "a", "2", "start:1:0:3", "start/1", "start/1", NULL, -1 },
        { "1", "a", "3", "start:1:1:3", "start/1", "start/1", NULL, -1 },
        { "1", "a", "4", "start:1:2:3", "start/1", "start/1", NULL, -1 },
        { "1", "join", "5", "", "a/2-4", "a/2-4", NULL, -1 },
        { "1", "end", "6", "", "join/5", "join/5", NULL, -1 },
        { "2", "start", "1", "", "", NULL, NULL, -1 },
        { "2", "b", "2", "start:1:0:2", "start/1", "start/1", NULL, -1 },
        { "2", "c", "3", "start:1:1:2", "start/1", "start/1", NULL, -1 },
        { "2", "j", "4", "", "b/2,c/3", "b/2,c/3", NULL, -1 },
        { "3", "start", "1", "", "", NULL, NULL, 3 },
        { "3", "a", "2", "start:1:0:3", "start/1", NULL, NULL, -1 },
        { "3", "a", "3", "start:1:1:3", "start/1", NULL, NULL, -1 },
        { "3", "a", "4", "start:1:2:3", "start/1", NULL, NULL, -1 },
        { "3", "join", "5", "", "a/2-4", NULL, NULL, -1 },
        { "4", "start", "1", "", "", NULL, NULL, 3 },
        { "4", "a", "2", "start:1:0:3", "", NULL, NULL, -1 },
        { "4", "join", "5", "", "", NULL, NULL, -1 },
    };
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        const struct spec *s = &specs[i];
        if (!strcmp(s->step, "start"))
            task(m, ds, s, s->num_splits >= 0 ? "items" : "v", s->num_splits >= 0 ? strings3() : mf_value_int(0));
        else
            task(m, ds, s, "v", mf_value_int(atoi(s->task) * 10));
    }
    mf__ds_close(ds);
    mf__meta_close(m);
    return root;
}

static mf_client *open_client(const char *root)
{
    mf_client *c = NULL;
    CHECK_EQ_INT(mf_client_open(root, &c), 0);
    return c;
}

/* The version 3 fields: written only when set (one encoding per index),
 * refused in an older version, required in version 3. */
TEST(index_version_3)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_index ix, back;
    struct mf_buf buf = MF_BUF_INIT;
    mf__index_init(&ix);
    ix.stack = strdup("");
    ix.num_splits = 2;
    CHECK_EQ_INT(mf__index_set_graph(&ix, "a/2-4,b/7", "items", "oops"), 0);
    OK(mf__index_encode(&ix, &buf, &err));
    OK(mf__index_decode(buf.buf, buf.len, &back, &err));
    CHECK_EQ_STR(back.inputs, "a/2-4,b/7");
    CHECK_EQ_STR(back.foreach, "items");
    CHECK_EQ_STR(back.caught, "oops");
    mf__index_release(&back);
    /* the same index without them is version 1, and reads back without them */
    CHECK_EQ_INT(mf__index_set_graph(&ix, "", NULL, NULL), 0);
    CHECK(ix.inputs == NULL);
    mf__buf_reset(&buf);
    OK(mf__index_encode(&ix, &buf, &err));
    OK(mf__index_decode(buf.buf, buf.len, &back, &err));
    CHECK(back.inputs == NULL && back.foreach == NULL && back.caught == NULL);
    mf__index_release(&back);
    mf__index_release(&ix);

    /* hand-made maps: each a field or version that does not fit */
    static const struct {
        int version;
        const char *key, *val;
        int64_t num_splits;
        const char *msg;
    } bad[] = {
        { 1, "inputs", "a/1", -1, "field 'inputs', which a version 1 index cannot have" },
        { 2, "foreach", "items", 3, "field 'foreach', which a version 2 index cannot have" },
        { 3, NULL, NULL, -1, "version 3 but none of 'inputs', 'foreach', 'caught'" },
        { 3, "caught", "", -1, "an empty 'caught'" },
        { 3, "foreach", "items", -1, "names a foreach list 'items' but has no 'num_splits'" },
        { 4, "inputs", "a/1", -1, "the index has version 4; this metaflow-c reads versions 1 to 3" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mf_value *top = mf_value_map();
        mf_value_map_put(top, "version", mf_value_int(bad[i].version));
        mf_value_map_put(top, "attempt", mf_value_int(0));
        mf_value_map_put(top, "stack", mf_value_str(""));
        mf_value_map_put(top, "num_splits", mf_value_int(bad[i].num_splits));
        mf_value_map_put(top, "artifacts", mf_value_map());
        if (bad[i].key)
            mf_value_map_put(top, bad[i].key, mf_value_str(bad[i].val));
        mf__buf_reset(&buf);
        OK(mf__value_encode_buf(top, &buf, &err));
        mf_value_free(top);
        err = (struct mf_err)MF_ERR_INIT;
        CHECK(mf__index_decode(buf.buf, buf.len, &back, &err) != 0);
        CHECK_CONTAINS(err.msg, bad[i].msg);
    }
    mf__buf_release(&buf);
}

/* A foreach task read through the client: its index and its item. */
TEST(foreach_item)
{
    mf_client *c = open_client(build_store());
    mf_task *t = NULL;
    CHECK_EQ_INT(mf_client_task(c, FLOW, "1/a/3", &t), 0);
    CHECK_EQ_INT(mf_index(t), 1);
    CHECK_EQ_STR(mf_input_str(t), "y");
    CHECK_EQ_INT(mf_input_int(t), 0); /* a str: reported, not fatal */
    CHECK_CONTAINS(mf_client_errmsg(c), "the foreach item is a str, not an int");
    mf_client_task_close(t);
    /* before version 3 the list's name is not known */
    CHECK_EQ_INT(mf_client_task(c, FLOW, "3/a/3", &t), 0);
    CHECK_EQ_INT(mf_index(t), 1);
    CHECK(mf_input(t) == NULL);
    CHECK_CONTAINS(mf_client_errmsg(c), "the index of split task 'start/1' was written before format version 3");
    mf_client_task_close(t);
    CHECK_EQ_INT(mf_client_close(c), 0);
}

/* A foreach join's inputs by position and by step; errors are reported. */
TEST(foreach_join_inputs)
{
    mf_client *c = open_client(build_store());
    mf_task *t = NULL;
    CHECK_EQ_INT(mf_client_task(c, FLOW, "1/join/5", &t), 0);
    CHECK_EQ_INT((int64_t)mf_join_count(t), 3);
    for (size_t i = 0; i < 3; i++) {
        mf_task *in = mf_join_input(t, i);
        CHECK(in != NULL);
        CHECK_EQ_INT(mf_get_int(in, "v"), (int64_t)(20 + 10 * i));
    }
    CHECK_EQ_STR(mf_pathspec(mf_join_input(t, 2)), "1/a/4");
    CHECK(mf_join_input(t, 3) == NULL);
    CHECK_CONTAINS(mf_client_errmsg(c), "join input 3 does not exist: the join has 3 inputs");
    CHECK_EQ_STR(mf_pathspec(mf_join_branch(t, "a")), "1/a/2");
    CHECK(mf_join_branch(t, "b") == NULL);
    CHECK_CONTAINS(mf_client_errmsg(c), "no input of join 'join' comes from step 'b'; its inputs come from 'a'");
    /* an input answers getters, not the split getters of its own */
    mf_task *in = mf_join_input(t, 0);
    CHECK(mf_get_str(in, "v") == NULL);
    CHECK_CONTAINS(mf_client_errmsg(c), "artifact 'v' is an int, not a str");
    CHECK(mf_input(in) == NULL);
    CHECK_CONTAINS(mf_client_errmsg(c), "open that task with mf_client_task()");
    CHECK_EQ_INT((int64_t)mf_join_count(in), 0);
    mf_client_task_close(t);

    /* a step that is not a join */
    CHECK_EQ_INT(mf_client_task(c, FLOW, "1/a/2", &t), 0);
    CHECK_EQ_INT((int64_t)mf_join_count(t), 0);
    CHECK_CONTAINS(mf_client_errmsg(c), "mf_join_count() is for a join, and step 'a' is not one: its one input is "
                                        "'1/start/1'");
    mf_client_task_close(t);
    CHECK_EQ_INT(mf_client_task(c, FLOW, "1/start/1", &t), 0);
    CHECK(mf_join_input(t, 0) == NULL);
    CHECK_CONTAINS(mf_client_errmsg(c), "task '1/start/1' is the start step's: it has no inputs");
    mf_client_task_close(t);
    CHECK_EQ_INT(mf_client_close(c), 0);
}

/* A branch join: inputs in the split's order, found by branch. */
TEST(branch_join_inputs)
{
    mf_client *c = open_client(build_store());
    mf_task *t = NULL;
    CHECK_EQ_INT(mf_client_task(c, FLOW, "2/j/4", &t), 0);
    CHECK_EQ_INT((int64_t)mf_join_count(t), 2);
    CHECK_EQ_INT(mf_get_int(mf_join_branch(t, "c"), "v"), 30);
    CHECK_EQ_INT(mf_get_int(mf_join_branch(t, "b"), "v"), 20);
    CHECK_EQ_STR(mf_step_name(mf_join_input(t, 1)), "c");
    mf_client_task_close(t);
    CHECK_EQ_INT(mf_client_close(c), 0);
}

static void check_list(char **got, const char *const *want)
{
    size_t i = 0;
    for (; want[i]; i++) {
        CHECK(got[i] != NULL);
        if (got[i])
            CHECK_EQ_STR(got[i], want[i]);
        else
            break;
    }
    CHECK(got[i] == NULL);
    mf_strv_free(got);
}

TEST(parents_and_children)
{
    mf_client *c = open_client(build_store());
    char **v = NULL;
    CHECK_EQ_INT(mf_client_task_parents(c, FLOW, "1/join/5", &v), 0);
    check_list(v, (const char *const[]){ "1/a/2", "1/a/3", "1/a/4", NULL });
    CHECK_EQ_INT(mf_client_task_parents(c, FLOW, "1/start/1", &v), 0);
    check_list(v, (const char *const[]){ NULL });
    CHECK_EQ_INT(mf_client_task_children(c, FLOW, "1/start/1", &v), 0);
    check_list(v, (const char *const[]){ "1/a/2", "1/a/3", "1/a/4", NULL });
    CHECK_EQ_INT(mf_client_task_children(c, FLOW, "1/a/3", &v), 0);
    check_list(v, (const char *const[]){ "1/join/5", NULL });
    CHECK_EQ_INT(mf_client_task_children(c, FLOW, "1/end/6", &v), 0);
    check_list(v, (const char *const[]){ NULL });
    CHECK_EQ_INT(mf_client_task_children(c, FLOW, "2/start/1", &v), 0);
    check_list(v, (const char *const[]){ "2/b/2", "2/c/3", NULL });
    CHECK_EQ_INT(mf_client_task_parents(c, FLOW, "2/j/4", &v), 0);
    check_list(v, (const char *const[]){ "2/b/2", "2/c/3", NULL });
    CHECK_EQ_INT(mf_client_task_parents(c, FLOW, "1/a/9", &v), MF_ENOENT);
    CHECK(v == NULL);
    CHECK_CONTAINS(mf_client_errmsg(c), "has no task '9'");
    CHECK_EQ_INT(mf_client_task_parents(c, FLOW, "1/a", &v), MF_EINVAL);
    CHECK_EQ_INT(mf_client_close(c), 0);
}

/* Written before version 3: the run metadata has the inputs (run 3); after
 * a metadata rebuild nothing has them (run 4), and the client says so. */
TEST(older_stores)
{
    mf_client *c = open_client(build_store());
    mf_task *t = NULL;
    char **v = NULL;
    CHECK_EQ_INT(mf_client_task(c, FLOW, "3/join/5", &t), 0);
    CHECK_EQ_INT((int64_t)mf_join_count(t), 3);
    CHECK_EQ_INT(mf_get_int(mf_join_input(t, 1), "v"), 30);
    mf_client_task_close(t);
    CHECK_EQ_INT(mf_client_task_children(c, FLOW, "3/a/4", &v), 0);
    check_list(v, (const char *const[]){ "3/join/5", NULL });

    CHECK_EQ_INT(mf_client_task(c, FLOW, "4/join/5", &t), 0);
    CHECK_EQ_INT((int64_t)mf_join_count(t), 0);
    CHECK_CONTAINS(mf_client_errmsg(c), "the inputs of task '4/join/5' are not recorded: its index was written "
                                        "before format version 3");
    mf_client_task_close(t);
    CHECK_EQ_INT(mf_client_task_parents(c, FLOW, "4/a/2", &v), MF_ENOENT);
    CHECK_EQ_INT(mf_client_task_children(c, FLOW, "4/start/1", &v), MF_ENOENT);
    CHECK_CONTAINS(mf_client_errmsg(c), "are not recorded");
    CHECK_EQ_INT(mf_client_close(c), 0);
}

/* Run 5: a task that failed (exit 1, its stderr with an "error: " line),
 * one whose failure was caught in artifact 'oops', and one that succeeded. */
static void failures(const char *root)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta *m = NULL;
    struct mf_ds *ds = NULL;
    struct mf_buf path = MF_BUF_INIT;
    struct mf_index ix;
    struct mf_artifact a;
    OK(mf__meta_open(root, false, &m, &err));
    OK(mf__ds_open(root, FLOW, 0, &ds, &err));
    run(m, "5");
    const struct spec ok = { "5", "start", "1", "", "", NULL, NULL, -1 };
    task(m, ds, &ok, "v", mf_value_int(1));
    struct mf_meta_task t = { 0 };
    t.step = (char *)"bad";
    t.task_id = (char *)"2";
    t.status = (char *)"failed";
    t.exit_code = 1;
    t.stack = (char *)"";
    t.input_paths = (char *)"start/1";
    OK(mf__meta_task_finish(m, FLOW, "5", &t, &err));
    CHECK_EQ_INT(mf__ds_log_path(ds, "5", "bad", "2", 0, "stderr", &path), 0);
    OK(mf__mkdirs_for(path.buf, &err));
    const char *log = "warming up\nerror: step 'bad': it went wrong\n";
    OK(mf__write_atomic(path.buf, log, strlen(log), 0, &err));
    mf__buf_release(&path);

    const struct spec caught = { "5", "caught", "3", "", "start/1", "start/1", NULL, -1 };
    task(m, ds, &caught, "kept", mf_value_int(7));
    mf__index_init(&ix);
    OK(mf__ds_read_index(ds, "5", "caught", "3", &ix, &err));
    mf_value *fail = mf_value_map();
    mf_value_map_put(fail, "type", mf_value_str("mf_fail"));
    mf_value_map_put(fail, "reason", mf_value_str("caught it"));
    memset(&a, 0, sizeof(a));
    OK(mf__ds_store(ds, "oops", fail, &a, &err));
    CHECK_EQ_INT(mf__index_put(&ix, &a), 0);
    mf__artifact_release(&a);
    mf_value_free(fail);
    CHECK_EQ_INT(mf__index_set_graph(&ix, "start/1", NULL, "oops"), 0);
    struct mf_buf dir = MF_BUF_INIT;
    CHECK_EQ_INT(mf__ds_task_dir(ds, "5", "caught", "3", &dir), 0);
    CHECK_EQ_INT(mf__buf_adds(&dir, "/index"), 0);
    CHECK_EQ_INT(unlink(dir.buf), 0); /* written once: a task index is final */
    mf__buf_release(&dir);
    OK(mf__ds_write_index(ds, "5", "caught", "3", &ix, &err));
    mf__index_release(&ix);
    mf__ds_close(ds);
    mf__meta_close(m);
}

TEST(exceptions)
{
    const char *root = build_store();
    failures(root);
    mf_client *c = open_client(root);
    mf_value *e = NULL;
    const char *s = NULL;
    int64_t i = 0;
    CHECK_EQ_INT(mf_client_task_exception(c, FLOW, "5/bad/2", &e), 0);
    CHECK(e != NULL);
    CHECK_EQ_INT(mf_value_get_str(mf_value_key(e, "type"), &s), 0);
    CHECK_EQ_STR(s, "exit");
    CHECK_EQ_INT(mf_value_get_str(mf_value_key(e, "reason"), &s), 0);
    CHECK_EQ_STR(s, "step 'bad': it went wrong");
    CHECK_EQ_INT(mf_value_get_int(mf_value_key(e, "exit_code"), &i), 0);
    CHECK_EQ_INT(i, 1);
    CHECK_EQ_INT(mf_value_get_str(mf_value_key(e, "stderr"), &s), 0);
    CHECK_EQ_STR(s, "warming up\nerror: step 'bad': it went wrong\n");
    mf_value_free(e);
    CHECK_EQ_INT(mf_client_task_exception(c, FLOW, "5/caught/3", &e), 0);
    CHECK_EQ_INT(mf_value_get_str(mf_value_key(e, "reason"), &s), 0);
    CHECK_EQ_STR(s, "caught it");
    mf_value_free(e);
    CHECK_EQ_INT(mf_client_task_exception(c, FLOW, "5/start/1", &e), 0);
    CHECK(e == NULL);
    CHECK_EQ_INT(mf_client_task_exception(c, FLOW, "5/bad/9", &e), MF_ENOENT);
    CHECK_CONTAINS(mf_client_errmsg(c), "has no task '9'");
    /* a failed task's parents come from the run metadata */
    char **v = NULL;
    CHECK_EQ_INT(mf_client_task_parents(c, FLOW, "5/bad/2", &v), 0);
    check_list(v, (const char *const[]){ "5/start/1", NULL });
    CHECK_EQ_INT(mf_client_close(c), 0);
}

TESTS_BEGIN
T(index_version_3)
T(foreach_item)
T(foreach_join_inputs)
T(branch_join_inputs)
T(parents_and_children)
T(older_stores)
T(exceptions)
TESTS_END
