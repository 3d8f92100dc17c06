/* SPDX-License-Identifier: Apache-2.0 */
/* test_meta_batch.c - batched task writes (mf__meta_batch_begin): what
 * another connection sees before and after the batch ends, the commit every
 * 256 writes, a failed write that keeps the ones before it, another
 * transaction that commits the batch first, and close as a safety net. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "meta.h"
#include "meta_check.h"
#include "metaflow.h"
#include "util/alloc.h"

/* A writer with run F/1, and a second connection to watch it from. */
static struct mf_meta *writer(const char *root, struct mf_meta **watcher)
{
    struct mf_meta *m = open_rw(root);
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_run r = { .flow = (char *)"F", .run_id = (char *)"1", .user = (char *)"alice", .start = 1 };
    CHECK_EQ_INT(mf__meta_run_create(m, &r, &err), 0);
    *watcher = open_rw(root);
    return m;
}

/* Clone i of step "a", as resume records it (finish only, with an origin). */
static int clone_task(struct mf_meta *m, const char *run_id, int i, struct mf_err *err)
{
    char id[16];
    snprintf(id, sizeof(id), "%d", i);
    struct mf_meta_task t = { .step = (char *)"a", .task_id = id, .status = (char *)"succeeded", .start = 1,
                              .end = 2, .exit_code = -1, .origin = (char *)"7/a/1" };
    return mf__meta_task_finish(m, "F", run_id, &t, err);
}

static size_t tasks_seen(struct mf_meta *m)
{
    struct mf_meta_task *tasks = NULL;
    size_t n = 0;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__meta_tasks(m, "F", "1", NULL, &tasks, &n, &err), 0);
    for (size_t i = 0; i < n; i++)
        mf__meta_task_release(&tasks[i]);
    mf__free(tasks);
    return n;
}

TEST(batch_is_seen_when_it_ends)
{
    struct mf_meta *watch, *m = writer(mf_test_fresh_dir("meta_batch"), &watch);
    struct mf_err err = MF_ERR_INIT;
    mf__meta_batch_begin(m);
    for (int i = 1; i <= 3; i++)
        CHECK_EQ_INT(clone_task(m, "1", i, &err), 0);
    CHECK_EQ_INT((int)tasks_seen(watch), 0);
    CHECK_EQ_INT(mf__meta_batch_end(m, &err), 0);
    CHECK_EQ_INT((int)tasks_seen(watch), 3);
    mf__meta_batch_begin(m); /* a batch with no write commits nothing, and fails nothing */
    CHECK_EQ_INT(mf__meta_batch_end(m, &err), 0);
    CHECK_EQ_INT(clone_task(m, "1", 4, &err), 0); /* after the batch: committed at once */
    CHECK_EQ_INT((int)tasks_seen(watch), 4);
    mf__meta_close(watch);
    mf__meta_close(m);
}

TEST(batch_commits_every_256_writes)
{
    struct mf_meta *watch, *m = writer(mf_test_fresh_dir("meta_batch"), &watch);
    struct mf_err err = MF_ERR_INIT;
    mf__meta_batch_begin(m);
    for (int i = 1; i <= 300; i++)
        CHECK_EQ_INT(clone_task(m, "1", i, &err), 0);
    CHECK_EQ_INT((int)tasks_seen(watch), 256);
    CHECK_EQ_INT(mf__meta_batch_end(m, &err), 0);
    CHECK_EQ_INT((int)tasks_seen(watch), 300);
    mf__meta_close(watch);
    mf__meta_close(m);
}

TEST(failed_write_keeps_the_ones_before)
{
    struct mf_meta *watch, *m = writer(mf_test_fresh_dir("meta_batch"), &watch);
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_task t = { .step = (char *)"a", .task_id = (char *)"9", .start = 1, .exit_code = -1 };
    mf__meta_batch_begin(m);
    CHECK_EQ_INT(clone_task(m, "1", 1, &err), 0);
    CHECK_EQ_INT(mf__meta_task_start(m, "F", "1", &t, &err), 0);
    CHECK_EQ_INT(mf__meta_task_start(m, "F", "1", &t, &err), MF_EEXIST);
    CHECK(strstr(err.msg, "already recorded") != NULL);
    CHECK_EQ_INT((int)tasks_seen(watch), 2);
    CHECK_EQ_INT(clone_task(m, "nope", 2, &err), MF_ENOENT); /* a run not recorded: named */
    CHECK(strstr(err.msg, "nope") != NULL);
    CHECK_EQ_INT(clone_task(m, "1", 3, &err), 0); /* the batch goes on */
    CHECK_EQ_INT(mf__meta_batch_end(m, &err), 0);
    CHECK_EQ_INT((int)tasks_seen(watch), 3);
    mf__meta_close(watch);
    mf__meta_close(m);
}

TEST(other_transaction_commits_the_batch_first)
{
    struct mf_meta *watch, *m = writer(mf_test_fresh_dir("meta_batch"), &watch);
    struct mf_err err = MF_ERR_INIT;
    mf__meta_batch_begin(m);
    CHECK_EQ_INT(clone_task(m, "1", 1, &err), 0);
    CHECK_EQ_INT(mf__meta_run_finish(m, "F", "1", "succeeded", 5.0, &err), 0);
    CHECK_EQ_INT((int)tasks_seen(watch), 1);
    struct mf_meta_run r;
    CHECK_EQ_INT(mf__meta_run(watch, "F", "1", &r, &err), 0);
    CHECK_EQ_STR(r.status, "succeeded");
    mf__meta_run_release(&r);
    CHECK_EQ_INT(clone_task(m, "1", 2, &err), 0); /* still batching */
    CHECK_EQ_INT((int)tasks_seen(watch), 1);
    CHECK_EQ_INT(mf__meta_batch_end(m, &err), 0);
    CHECK_EQ_INT((int)tasks_seen(watch), 2);
    mf__meta_close(watch);
    mf__meta_close(m);
}

TEST(close_commits_an_open_batch)
{
    const char *root = mf_test_fresh_dir("meta_batch");
    struct mf_meta *watch, *m = writer(root, &watch);
    struct mf_err err = MF_ERR_INIT;
    mf__meta_batch_begin(m);
    CHECK_EQ_INT(clone_task(m, "1", 1, &err), 0);
    mf__meta_close(m);
    CHECK_EQ_INT((int)tasks_seen(watch), 1);
    mf__meta_close(watch);
}

TESTS_BEGIN
T(batch_is_seen_when_it_ends)
T(batch_commits_every_256_writes)
T(failed_write_keeps_the_ones_before)
T(other_transaction_commits_the_batch_first)
T(close_commits_an_open_batch)
TESTS_END
