/* SPDX-License-Identifier: Apache-2.0 */
/*
 * meta_read.c - the readers of run metadata (flows, runs newest first, one
 * run, a run's task attempts) and the "run does not exist" message. Each
 * reader that runs several statements reads one consistent snapshot.
 */
#include "meta_impl.h"

#include <string.h>

#include "liveness.h"
#include "metaflow.h"
#include "util/alloc.h"
#include "util/buf.h"

/* How many run ids the "does not exist" message lists. */
#define MISSING_RUN_LIST 10

/* A run's jobs still in flight are counted only while the run is recorded as
 * running (a finished run has none): the count reads that run's task rows. */
#define RUN_COLUMNS                                                                                      \
    "SELECT flow, run_id, status, user, params_json, origin_run_id, build_id, start, \"end\", host, pid, " \
    "pid_start, jobs, CASE WHEN status = 'running' AND jobs > 0 THEN (SELECT count(*) FROM tasks t "     \
    "WHERE t.flow = runs.flow AND t.run_id = runs.run_id AND t.status = 'running' AND t.job_id IS NOT NULL) " \
    "ELSE 0 END, memo_hits FROM runs"
#define RUNS_NEWEST_FIRST " ORDER BY start DESC, run_num DESC, run_id DESC"
#define TASK_COLUMNS                                                                                            \
    "SELECT step, task_id, attempt, status, pid, start, \"end\", exit_code, signal, timed_out, stack, input_paths, " \
    "origin, job_id, job_state, memo_hit, memo_key FROM tasks"
#define TASKS_IN_ORDER " ORDER BY task_num, task_id, attempt, step"

int mf__meta_col_dup(sqlite3_stmt *st, int col, char **out)
{
    *out = NULL;
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return 0;
    const unsigned char *text = sqlite3_column_text(st, col);
    if (!text)
        return MF_ENOMEM; /* a non-NULL value SQLite could not convert */
    *out = mf__strndup((const char *)text, (size_t)sqlite3_column_bytes(st, col));
    return *out ? 0 : MF_ENOMEM;
}

static int oom(struct mf_err *err) { return mf__err(err, MF_ENOMEM, "out of memory"); }

void mf__meta_run_release(struct mf_meta_run *r)
{
    if (!r)
        return;
    mf__free(r->flow);
    mf__free(r->run_id);
    mf__free(r->status);
    mf__free(r->user);
    mf__free(r->params_json);
    mf__free(r->origin_run_id);
    mf__free(r->build_id);
    mf__free(r->host);
    for (size_t i = 0; i < r->ntags; i++)
        mf__free(r->tags[i]);
    mf__free(r->tags);
    for (size_t i = 0; i < r->nsys_tags; i++)
        mf__free(r->sys_tags[i]);
    mf__free(r->sys_tags);
    memset(r, 0, sizeof(*r));
}

void mf__meta_task_release(struct mf_meta_task *t)
{
    if (!t)
        return;
    mf__free(t->step);
    mf__free(t->task_id);
    mf__free(t->status);
    mf__free(t->stack);
    mf__free(t->input_paths);
    mf__free(t->origin);
    mf__free(t->job_id);
    mf__free(t->job_state);
    mf__free(t->memo_key);
    memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------------ */
/* Runs                                                               */
/* ------------------------------------------------------------------ */

/* User tags (sys false) or system tags of `r`, sorted, into *tags. */
static int load_tag_list(struct mf_meta *m, struct mf_meta_run *r, bool sys, char ***tags, size_t *n,
                         struct mf_err *err)
{
    sqlite3_stmt *st =
        sys ? mf__meta_stmt(m, MST_RUN_SYSTAGS,
                            "SELECT tag FROM system_tags WHERE flow = ?1 AND run_id = ?2 ORDER BY tag", err)
            : mf__meta_stmt(m, MST_RUN_TAGS, "SELECT tag FROM tags WHERE flow = ?1 AND run_id = ?2 ORDER BY tag",
                            err);
    if (!st)
        return err ? err->code : MF_EDB;
    sqlite3_bind_text(st, 1, r->flow, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->run_id, -1, SQLITE_STATIC);
    size_t cap = *n;
    int ret = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (MF_GROW(*tags, cap, *n + 1) < 0 || mf__meta_col_dup(st, 0, &(*tags)[*n]) < 0 || !(*tags)[*n]) {
            ret = oom(err);
            goto out;
        }
        (*n)++;
    }
    if (rc != SQLITE_DONE)
        ret = mf__meta_db_err(m, rc, err);
out:
    mf__meta_stmt_reset(st);
    return ret;
}

/* A run recorded as running whose scheduler process is gone will never
 * finish: readers say "died" (the record is left as it is; resume treats
 * the run like a failed one). 0 or MF_ENOMEM. */
static int mark_died(struct mf_meta_run *r)
{
    struct mf_proc_id id = { .pid = r->pid, .start = r->pid_start };
    if (!r->status || strcmp(r->status, "running") || !r->host || strlen(r->host) >= sizeof(id.host))
        return 0;
    memcpy(id.host, r->host, strlen(r->host) + 1);
    if (!mf__proc_id_gone(&id))
        return 0;
    char *died = mf__strdup("died");
    if (!died)
        return MF_ENOMEM;
    mf__free(r->status);
    r->status = died;
    return 0;
}

/* Fills `r` from the current row of a RUN_COLUMNS statement, tags included.
 * On failure `r` holds what was read; the caller releases it. */
static int read_run(struct mf_meta *m, sqlite3_stmt *st, struct mf_meta_run *r, struct mf_err *err)
{
    memset(r, 0, sizeof(*r));
    if (mf__meta_col_dup(st, 0, &r->flow) < 0 || mf__meta_col_dup(st, 1, &r->run_id) < 0 ||
        mf__meta_col_dup(st, 2, &r->status) < 0 || mf__meta_col_dup(st, 3, &r->user) < 0 ||
        mf__meta_col_dup(st, 4, &r->params_json) < 0 || mf__meta_col_dup(st, 5, &r->origin_run_id) < 0 ||
        mf__meta_col_dup(st, 6, &r->build_id) < 0 || mf__meta_col_dup(st, 9, &r->host) < 0)
        return oom(err);
    r->start = sqlite3_column_double(st, 7);
    r->end = sqlite3_column_double(st, 8);
    r->pid = sqlite3_column_int64(st, 10);
    r->pid_start = sqlite3_column_int64(st, 11);
    r->jobs = sqlite3_column_int64(st, 12);
    r->jobs_live = sqlite3_column_int64(st, 13);
    r->memo_hits = sqlite3_column_int64(st, 14);
    if (mark_died(r))
        return oom(err);
    int ret = load_tag_list(m, r, false, &r->tags, &r->ntags, err);
    return ret ? ret : load_tag_list(m, r, true, &r->sys_tags, &r->nsys_tags, err);
}

int mf__meta_run_locked(struct mf_meta *m, const char *flow, const char *run_id, struct mf_meta_run *out,
                        struct mf_err *err)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = mf__meta_stmt(m, MST_RUN_GET, RUN_COLUMNS " WHERE flow = ?1 AND run_id = ?2", err);
    if (!st)
        return err ? err->code : MF_EDB;
    sqlite3_bind_text(st, 1, flow, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), ret = 0;
    if (rc == SQLITE_ROW)
        ret = read_run(m, st, out, err);
    else if (rc != SQLITE_DONE)
        ret = mf__meta_db_err(m, rc, err);
    mf__meta_stmt_reset(st);
    if (!ret && rc == SQLITE_DONE)
        ret = mf__meta_run_missing(m, flow, run_id, err);
    if (ret)
        mf__meta_run_release(out);
    return ret;
}

int mf__meta_run(struct mf_meta *m, const char *flow, const char *run_id, struct mf_meta_run *out,
                 struct mf_err *err)
{
    memset(out, 0, sizeof(*out));
    int ret = mf__meta_begin(m, false, err);
    if (ret < 0)
        return ret;
    ret = mf__meta_run_locked(m, flow, run_id, out, err);
    if (ret) { /* a missing run is said after the read ends */
        mf__meta_rollback(m);
        return ret;
    }
    if ((ret = mf__meta_commit(m, err)) < 0) {
        mf__meta_rollback(m);
        mf__meta_run_release(out);
    }
    return ret;
}

static void release_runs(struct mf_meta_run *runs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mf__meta_run_release(&runs[i]);
    mf__free(runs);
}

/* A flow without runs (or an unknown flow) gives an empty list. */
int mf__meta_runs(struct mf_meta *m, const char *flow, struct mf_meta_run **runs, size_t *n, struct mf_err *err)
{
    struct mf_meta_run *list = NULL;
    size_t count = 0, cap = 0;
    *runs = NULL;
    *n = 0;
    sqlite3_stmt *st = mf__meta_stmt(m, MST_RUNS, RUN_COLUMNS " WHERE flow = ?1" RUNS_NEWEST_FIRST, err);
    if (!st)
        return err ? err->code : MF_EDB;
    int ret = mf__meta_begin(m, false, err);
    if (ret < 0)
        return ret;
    sqlite3_bind_text(st, 1, flow, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (MF_GROW(list, cap, count + 1) < 0) {
            ret = oom(err);
            break;
        }
        ret = read_run(m, st, &list[count], err);
        count++; /* a half-read run is released with the others */
        if (ret < 0)
            break;
    }
    if (ret == 0 && rc != SQLITE_DONE)
        ret = mf__meta_db_err(m, rc, err);
    mf__meta_stmt_reset(st);
    if (ret == 0)
        ret = mf__meta_commit(m, err);
    if (ret < 0) {
        mf__meta_rollback(m);
        release_runs(list, count);
        return ret;
    }
    *runs = list;
    *n = count;
    return 0;
}

int mf__meta_flows(struct mf_meta *m, char ***names, size_t *n, struct mf_err *err)
{
    char **list = NULL;
    size_t count = 0, cap = 0;
    *names = NULL;
    *n = 0;
    sqlite3_stmt *st = mf__meta_stmt(m, MST_FLOWS, "SELECT name FROM flows ORDER BY name", err);
    if (!st)
        return err ? err->code : MF_EDB;
    int ret = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (MF_GROW(list, cap, count + 1) < 0 || mf__meta_col_dup(st, 0, &list[count]) < 0 || !list[count]) {
            ret = oom(err);
            break;
        }
        count++;
    }
    if (ret == 0 && rc != SQLITE_DONE)
        ret = mf__meta_db_err(m, rc, err);
    mf__meta_stmt_reset(st);
    if (ret < 0) {
        for (size_t i = 0; i < count; i++)
            mf__free(list[i]);
        mf__free(list);
        return ret;
    }
    *names = list;
    *n = count;
    return 0;
}

/* ------------------------------------------------------------------ */
/* The missing-run message                                            */
/* ------------------------------------------------------------------ */

/* Appends the flow's newest run ids (", ..." when there are more) to `b`;
 * `*count` receives how many were listed. */
static int list_run_ids(struct mf_meta *m, const char *flow, struct mf_buf *b, size_t *count, struct mf_err *err)
{
    sqlite3_stmt *st = mf__meta_stmt(m, MST_RUN_IDS,
                                     "SELECT run_id FROM runs WHERE flow = ?1" RUNS_NEWEST_FIRST " LIMIT ?2", err);
    if (!st)
        return err ? err->code : MF_EDB;
    sqlite3_bind_text(st, 1, flow, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, MISSING_RUN_LIST + 1);
    int ret = 0, rc;
    *count = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *sep = *count ? ", " : "";
        if (*count == MISSING_RUN_LIST)
            ret = mf__buf_adds(b, ", ...");
        else
            ret = mf__buf_addf(b, "%s%s", sep, id ? id : "?");
        if (ret < 0) {
            ret = oom(err);
            break;
        }
        (*count)++;
    }
    if (ret == 0 && rc != SQLITE_DONE)
        ret = mf__meta_db_err(m, rc, err);
    mf__meta_stmt_reset(st);
    return ret;
}

int mf__meta_run_missing(struct mf_meta *m, const char *flow, const char *run_id, struct mf_err *err)
{
    struct mf_buf ids = MF_BUF_INIT;
    size_t count = 0;
    int ret = list_run_ids(m, flow, &ids, &count, err);
    if (ret < 0)
        goto out;
    if (count == 0)
        ret = mf__err(err, MF_ENOENT, "run '%s' of flow '%s' does not exist: flow '%s' has no runs", run_id, flow,
                      flow);
    else
        ret = mf__err(err, MF_ENOENT, "run '%s' of flow '%s' does not exist; its runs are: %s", run_id, flow,
                      ids.buf);
out:
    mf__buf_release(&ids);
    return ret;
}

/* ------------------------------------------------------------------ */
/* Tasks                                                              */
/* ------------------------------------------------------------------ */

static int read_task(sqlite3_stmt *st, struct mf_meta_task *t, struct mf_err *err)
{
    memset(t, 0, sizeof(*t));
    if (mf__meta_col_dup(st, 0, &t->step) < 0 || mf__meta_col_dup(st, 1, &t->task_id) < 0 ||
        mf__meta_col_dup(st, 3, &t->status) < 0 || mf__meta_col_dup(st, 10, &t->stack) < 0 ||
        mf__meta_col_dup(st, 11, &t->input_paths) < 0 || mf__meta_col_dup(st, 12, &t->origin) < 0 ||
        mf__meta_col_dup(st, 13, &t->job_id) < 0 || mf__meta_col_dup(st, 14, &t->job_state) < 0 ||
        mf__meta_col_dup(st, 16, &t->memo_key) < 0)
        return oom(err);
    t->attempt = sqlite3_column_int(st, 2);
    t->pid = sqlite3_column_int64(st, 4);
    t->start = sqlite3_column_double(st, 5);
    t->end = sqlite3_column_double(st, 6);
    t->exit_code = sqlite3_column_int(st, 7);
    t->signal = sqlite3_column_int(st, 8);
    t->timed_out = sqlite3_column_int(st, 9) != 0;
    t->memo_hit = sqlite3_column_int(st, 15) != 0;
    return 0;
}

int mf__meta_run_exists(struct mf_meta *m, const char *flow, const char *run_id, bool *exists, struct mf_err *err)
{
    sqlite3_stmt *st =
        mf__meta_stmt(m, MST_RUN_EXISTS, "SELECT 1 FROM runs WHERE flow = ?1 AND run_id = ?2", err);
    if (!st)
        return err ? err->code : MF_EDB;
    sqlite3_bind_text(st, 1, flow, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int ret = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : mf__meta_db_err(m, rc, err);
    *exists = rc == SQLITE_ROW;
    mf__meta_stmt_reset(st);
    return ret;
}

static void release_tasks(struct mf_meta_task *tasks, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mf__meta_task_release(&tasks[i]);
    mf__free(tasks);
}

static sqlite3_stmt *tasks_stmt(struct mf_meta *m, const char *flow, const char *run_id, const char *step,
                                struct mf_err *err)
{
    sqlite3_stmt *st;
    if (step)
        st = mf__meta_stmt(m, MST_TASKS_STEP,
                           TASK_COLUMNS " WHERE flow = ?1 AND run_id = ?2 AND step = ?3" TASKS_IN_ORDER, err);
    else
        st = mf__meta_stmt(m, MST_TASKS_ALL, TASK_COLUMNS " WHERE flow = ?1 AND run_id = ?2" TASKS_IN_ORDER, err);
    if (!st)
        return NULL;
    sqlite3_bind_text(st, 1, flow, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
    if (step)
        sqlite3_bind_text(st, 3, step, -1, SQLITE_STATIC);
    return st;
}

/* An empty result is checked against the runs table, so that an unknown run
 * is MF_ENOENT while a run (or step) without tasks yet is an empty list. */
int mf__meta_tasks(struct mf_meta *m, const char *flow, const char *run_id, const char *step,
                   struct mf_meta_task **tasks, size_t *n, struct mf_err *err)
{
    struct mf_meta_task *list = NULL;
    size_t count = 0, cap = 0;
    bool exists = true;
    *tasks = NULL;
    *n = 0;
    sqlite3_stmt *st = tasks_stmt(m, flow, run_id, step, err);
    if (!st)
        return err ? err->code : MF_EDB;
    int ret = mf__meta_begin(m, false, err);
    if (ret < 0) {
        mf__meta_stmt_reset(st);
        return ret;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (MF_GROW(list, cap, count + 1) < 0) {
            ret = oom(err);
            break;
        }
        ret = read_task(st, &list[count], err);
        count++;
        if (ret < 0)
            break;
    }
    if (ret == 0 && rc != SQLITE_DONE)
        ret = mf__meta_db_err(m, rc, err);
    mf__meta_stmt_reset(st);
    if (ret == 0 && count == 0)
        ret = mf__meta_run_exists(m, flow, run_id, &exists, err);
    if (ret == 0)
        ret = mf__meta_commit(m, err);
    if (ret == 0 && !exists)
        ret = mf__meta_run_missing(m, flow, run_id, err);
    if (ret < 0) {
        mf__meta_rollback(m);
        release_tasks(list, count);
        return ret;
    }
    *tasks = list;
    *n = count;
    return 0;
}
