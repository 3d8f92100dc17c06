/* SPDX-License-Identifier: Apache-2.0 */
/* test_verify.c - verify.c and store_scan.c: a clean store has no problem;
 * a flipped byte, a deleted object, a truncated index, an unrecorded run
 * and a lost index are each found, naming the task and the fix. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "datastore.h"
#include "meta.h"
#include "util/alloc.h"
#include "value.h"
#include "verify.h"

static const char *root;

/* Run RUN of flow F with one task start/1 holding a big (object) and a
 * small (inline) artifact; recorded in the metadata when `record`. */
static void make_run(const char *run, bool record, char hex[MF_HASH_HEX_LEN + 1])
{
    struct mf_ds *ds = NULL;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__ds_open(root, "F", MF_DS_SYNC, &ds, &err), 0);
    double big[2000];
    for (size_t i = 0; i < 2000; i++)
        big[i] = (double)i * 1.25 + 0.1;
    mf_value *vb = mf_value_array(MF_F64S, big, 2000), *vs = mf_value_int(7);
    struct mf_index ix;
    struct mf_artifact a, b;
    mf__index_init(&ix);
    CHECK_EQ_INT(mf__ds_store(ds, "big", vb, &a, &err), 0);
    CHECK_EQ_INT(mf__ds_store(ds, "small", vs, &b, &err), 0);
    CHECK(a.inline_data == NULL && b.inline_data != NULL);
    memcpy(hex, a.hash, MF_HASH_HEX_LEN + 1);
    CHECK_EQ_INT(mf__index_put(&ix, &a), 0);
    CHECK_EQ_INT(mf__index_put(&ix, &b), 0);
    ix.stack = mf__strdup("");
    CHECK_EQ_INT(mf__ds_write_index(ds, run, "start", "1", &ix, &err), 0);
    mf__index_release(&ix);
    mf__artifact_release(&a);
    mf__artifact_release(&b);
    mf_value_free(vb);
    mf_value_free(vs);
    mf__ds_close(ds);
    if (!record)
        return;
    struct mf_meta *m = NULL;
    CHECK_EQ_INT(mf__meta_open(root, false, &m, &err), 0);
    struct mf_meta_run r = { 0 };
    r.flow = (char *)"F";
    r.run_id = (char *)run;
    r.user = (char *)"u";
    r.status = (char *)"succeeded";
    r.start = 1.0;
    CHECK_EQ_INT(mf__meta_run_create(m, &r, &err), 0);
    struct mf_meta_task t = { 0 };
    t.step = (char *)"start";
    t.task_id = (char *)"1";
    t.status = (char *)"succeeded";
    t.stack = (char *)"";
    t.input_paths = (char *)"";
    CHECK_EQ_INT(mf__meta_task_finish(m, "F", run, &t, &err), 0);
    mf__meta_close(m);
}

struct seen {
    int n;
    char kinds[512], tasks[2048], fixes[2048];
};

static int collect(void *ctx, const struct mf_verify_problem *p)
{
    struct seen *s = ctx;
    s->n++;
    snprintf(s->kinds + strlen(s->kinds), sizeof(s->kinds) - strlen(s->kinds), "%s;", p->kind);
    for (size_t i = 0; i < p->ntasks; i++)
        snprintf(s->tasks + strlen(s->tasks), sizeof(s->tasks) - strlen(s->tasks), "%s;", p->tasks[i]);
    snprintf(s->fixes + strlen(s->fixes), sizeof(s->fixes) - strlen(s->fixes), "%s;", p->fix);
    return 0;
}

static struct seen verify(const char *run, struct mf_verify_stats *st)
{
    struct seen s;
    memset(&s, 0, sizeof(s));
    struct mf_err err = MF_ERR_INIT;
    int rc = mf__verify(root, "F", run, collect, &s, st, &err);
    if (rc)
        fprintf(stderr, "verify: %s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT((int)st->problems, s.n);
    return s;
}

static void object_path(const char *hex, char *out, size_t size)
{
    snprintf(out, size, "%s/objects/%.2s/%s", root, hex, hex + 2);
}

TEST(clean_store)
{
    char hex[MF_HASH_HEX_LEN + 1];
    struct mf_verify_stats st;
    root = mf_test_fresh_dir("verify");
    make_run("1", true, hex);
    struct seen s = verify(NULL, &st);
    CHECK_EQ_INT(s.n, 0);
    CHECK_EQ_INT((int)st.indexes, 1);
    CHECK_EQ_INT((int)st.objects, 1);
    CHECK(st.bytes > 16000);
    s = verify("1", &st);
    CHECK_EQ_INT(s.n, 0);
}

TEST(flipped_byte_names_the_task)
{
    char hex[MF_HASH_HEX_LEN + 1], path[512];
    struct mf_verify_stats st;
    root = mf_test_fresh_dir("verify");
    make_run("1", true, hex);
    object_path(hex, path, sizeof(path));
    int fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    unsigned char b;
    CHECK(pread(fd, &b, 1, 40) == 1);
    b ^= 1;
    CHECK(pwrite(fd, &b, 1, 40) == 1);
    close(fd);
    struct seen s = verify("1", &st);
    CHECK_EQ_INT(s.n, 1);
    CHECK_CONTAINS(s.kinds, "object-corrupt");
    CHECK_CONTAINS(s.tasks, "1/start/1 (artifact 'big')");
    CHECK_CONTAINS(s.fixes, "resume start --origin-run-id 1");
}

TEST(deleted_object_and_unnamed_corrupt_object)
{
    char hex[MF_HASH_HEX_LEN + 1], path[512], other[600];
    struct mf_verify_stats st;
    root = mf_test_fresh_dir("verify");
    make_run("1", true, hex);
    object_path(hex, path, sizeof(path));
    /* the object moves to another (wrong) name: missing for the task, and
     * a corrupt object no index names */
    snprintf(other, sizeof(other), "%s/objects/%.2s/%.61s0", root, hex, hex + 2);
    if (!strcmp(other + strlen(other) - 1, hex + MF_HASH_HEX_LEN - 1))
        other[strlen(other) - 1] = '1';
    CHECK(rename(path, other) == 0);
    struct seen s = verify(NULL, &st);
    CHECK_EQ_INT(s.n, 2);
    CHECK_CONTAINS(s.kinds, "object-missing;");
    CHECK_CONTAINS(s.kinds, "object-corrupt;");
    CHECK_CONTAINS(s.tasks, "1/start/1 (artifact 'big')");
    CHECK_CONTAINS(s.fixes, "gc --delete");
}

TEST(truncated_index)
{
    char hex[MF_HASH_HEX_LEN + 1], path[512];
    struct mf_verify_stats st;
    root = mf_test_fresh_dir("verify");
    make_run("1", true, hex);
    snprintf(path, sizeof(path), "%s/F/1/start/1/index", root);
    CHECK(truncate(path, 10) == 0);
    struct seen s = verify("1", &st);
    CHECK_EQ_INT(s.n, 1);
    CHECK_CONTAINS(s.kinds, "index-corrupt");
    CHECK_CONTAINS(s.tasks, "1/start/1;");
}

TEST(metadata_against_disk)
{
    char hex[MF_HASH_HEX_LEN + 1], path[512];
    struct mf_verify_stats st;
    root = mf_test_fresh_dir("verify");
    struct seen s0;
    memset(&s0, 0, sizeof(s0));
    struct mf_err err = MF_ERR_INIT;
    make_run("1", false, hex); /* artifacts, no metadata.db at all */
    CHECK_EQ_INT(mf__verify(root, "F", NULL, collect, &s0, &st, &err), 0);
    CHECK_CONTAINS(s0.kinds, "metadata-unreadable");
    CHECK_CONTAINS(s0.fixes, "metadata rebuild");
    make_run("2", true, hex);
    struct seen s = verify(NULL, &st);
    CHECK_EQ_INT(s.n, 1);
    CHECK_CONTAINS(s.kinds, "run-unrecorded");
    snprintf(path, sizeof(path), "%s/F/2/start/1/index", root);
    CHECK(unlink(path) == 0); /* recorded as succeeded, index gone */
    s = verify("2", &st);
    CHECK_EQ_INT(s.n, 1);
    CHECK_CONTAINS(s.kinds, "task-index-missing");
    CHECK_CONTAINS(s.tasks, "2/start/1;");
}

/* A run killed while it started leaves its directory with only its
 * parameters (written before its record commits): nothing ran, nothing is
 * lost, nothing to report. One with a task besides is reported. */
TEST(run_killed_while_starting)
{
    char hex[MF_HASH_HEX_LEN + 1];
    struct mf_verify_stats st;
    root = mf_test_fresh_dir("verify");
    make_run("1", true, hex);
    struct mf_ds *ds = NULL;
    struct mf_err err = MF_ERR_INIT;
    struct mf_index ix;
    CHECK_EQ_INT(mf__ds_open(root, "F", MF_DS_SYNC, &ds, &err), 0);
    mf__index_init(&ix);
    ix.stack = mf__strdup("");
    CHECK_EQ_INT(mf__ds_write_index(ds, "2", "_parameters", "0", &ix, &err), 0);
    struct seen s = verify(NULL, &st);
    CHECK_EQ_INT(s.n, 0);
    CHECK_EQ_INT(mf__ds_write_index(ds, "2", "start", "1", &ix, &err), 0);
    s = verify(NULL, &st);
    CHECK_EQ_INT(s.n, 1);
    CHECK_CONTAINS(s.kinds, "run-unrecorded");
    mf__index_release(&ix);
    mf__ds_close(ds);
}

TESTS_BEGIN
T(clean_store)
T(flipped_byte_names_the_task)
T(deleted_object_and_unnamed_corrupt_object)
T(truncated_index)
T(metadata_against_disk)
T(run_killed_while_starting)
TESTS_END
