/* SPDX-License-Identifier: Apache-2.0 */
/*
 * meta.h - run metadata in SQLite: ROOT/metadata.db (WAL mode). meta.c is
 * the only file that includes <sqlite3.h>.
 *
 * The scheduler is the only writer during a run; several runs (of one flow
 * or of several) may write at once: every write is one short transaction and
 * the connection waits for a busy database (busy timeout) instead of failing.
 * Readers (client API, commands) see committed state only. The schema is
 * versioned with PRAGMA user_version and migrated by numbered steps;
 * docs/format.md describes it.
 *
 * Times are seconds since the epoch (double). Strings returned in structs
 * are owned by the struct and freed by its _release function.
 */
#ifndef MF_META_H
#define MF_META_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct mf_meta;

/* Opens (creating and migrating as needed) ROOT/metadata.db. `readonly`
 * opens an existing database for reading only (MF_ENOENT if it does not
 * exist). `*out` is freed with mf__meta_close(). */
int mf__meta_open(const char *root, bool readonly, struct mf_meta **out, struct mf_err *err);
void mf__meta_close(struct mf_meta *m);

struct mf_meta_run {
    char *flow;
    char *run_id;
    char *status; /* "running", "succeeded", "failed"; readers also "died" */
    char *user;
    char *params_json;
    char *origin_run_id; /* NULL unless the run is a resume */
    char *build_id;
    double start, end; /* end 0 while running */
    char **tags; /* user tags, sorted */
    size_t ntags;
    /* System tags (user:, runtime:, metaflow_c_version:, date:), recorded
     * with the run and never changed; sorted. */
    char **sys_tags;
    size_t nsys_tags;
    /* The scheduler process (liveness.h); host NULL for runs recorded
     * before schema 2. A reader reports a "running" run whose scheduler is
     * gone as "died": it will never finish. */
    char *host;
    int64_t pid, pid_start;
    /* Cluster jobs (schema 4): attempts that ran as one, and of those the
     * ones still recorded as running (pending or running jobs) - counted for
     * runs recorded as running only, 0 for the others. */
    int64_t jobs, jobs_live;
    /* Tasks of this run that were memo hits (schema 5). */
    int64_t memo_hits;
};
void mf__meta_run_release(struct mf_meta_run *r);

struct mf_meta_task {
    char *step;
    char *task_id;
    int attempt;
    char *status; /* "running", "succeeded", "failed" */
    int64_t pid;
    double start, end;
    int exit_code; /* -1 unless the attempt exited */
    int signal;    /* 0 unless killed by a signal */
    bool timed_out;
    char *stack;       /* split stack */
    char *input_paths;
    char *origin;      /* "RUN/STEP/TASK" it was cloned from, NULL if it ran */
    char *job_id;      /* the cluster job that ran it ("12_3"), NULL if none (schema 4) */
    char *job_state;   /* the cluster's word for a failure of its own ("TIMEOUT", "NODE_FAIL"), or NULL */
    bool memo_hit;     /* a memo hit: cloned from `origin`, an earlier run's memo entry (schema 5) */
    char *memo_key;    /* a memoised step's task: its memo key (64 hex digits), else NULL (schema 5) */
};
void mf__meta_task_release(struct mf_meta_task *t);

/* Writers (the scheduler). */
int mf__meta_run_create(struct mf_meta *m, const struct mf_meta_run *r, struct mf_err *err);

/* Makes the place of a new run `run_id` (its directory, its parameters) for
 * mf__meta_run_allocate: 0 when done, MF_EEXIST when that id is taken by
 * something the metadata does not know (try the next), another MF_E* code
 * (with err set) to give up. */
typedef int (*mf__meta_claim_fn)(void *ctx, const char *run_id, struct mf_err *err);

/* Records a new run of r->flow under a new id (r->run_id is ignored), in one
 * write transaction: the id is one more than the largest run number the
 * metadata holds for the flow - never taken from the run directories, which
 * a user may have deleted - and `claim` (may be NULL) is called for it while
 * the write lock is held, so that concurrent runs never share an id. On
 * success `*run_id` is the id (caller frees with mf__free); on failure
 * nothing is recorded and *run_id is NULL. */
int mf__meta_run_allocate(struct mf_meta *m, const struct mf_meta_run *r, mf__meta_claim_fn claim, void *ctx,
                          char **run_id, struct mf_err *err);
int mf__meta_run_finish(struct mf_meta *m, const char *flow, const char *run_id, const char *status, double end,
                        struct mf_err *err);
/* One row per attempt of a task; (flow, run, step, task, attempt) is unique. */
int mf__meta_task_start(struct mf_meta *m, const char *flow, const char *run_id, const struct mf_meta_task *t,
                        struct mf_err *err);
int mf__meta_task_finish(struct mf_meta *m, const char *flow, const char *run_id, const struct mf_meta_task *t,
                         struct mf_err *err);
/*
 * Batched task writes, for runs of clones (resume's and memo hits), where a
 * transaction per task costs more than the clone: from mf__meta_batch_begin
 * on, task_start/task_finish join one write transaction, committed every 256
 * writes, by any other transaction, and by mf__meta_batch_end. Until then
 * other connections do not see them, and a crash of this process loses them
 * (the clones' indexes stay; `resume` redoes such tasks). A batched write
 * that fails is undone alone; the writes before it are committed, or the
 * message says they were lost too. mf__meta_batch_end commits and ends
 * batching: 0, or the commit's error (the batch's records are then lost).
 */
void mf__meta_batch_begin(struct mf_meta *m);
int mf__meta_batch_end(struct mf_meta *m, struct mf_err *err);

/* Tags (meta_tags.c). A tag is 1 to MF_TAG_MAX bytes of UTF-8 text without
 * control characters: 0, or MF_EINVAL saying what is wrong. */
#define MF_TAG_MAX 500
int mf__tag_check(const char *tag, struct mf_err *err);
/* The user a run started now is recorded under: $USER, else the name of
 * the process's account, else "unknown". Borrowed (environment or static). */
const char *mf__user_name(void);
/* The runtime of a run, in its system tag "runtime:NAME": "dev" for runs
 * and resumes, "spin" for the scratch run of `spin` (spin.h), which resume
 * and every "latest run" lookup skip. */
#define MF_RUNTIME_DEV "dev"
#define MF_RUNTIME_SPIN "spin"
/* Whether system tags tags[0..n) are those of a spin scratch run. */
bool mf__run_is_spin(char *const *tags, size_t n);
/* The system tags of a run started now by `user` at `start` with `runtime`
 * (MF_RUNTIME_*): "user:NAME", "runtime:RUNTIME", "metaflow_c_version:X.Y.Z",
 * "date:YYYY-MM-DD" (UTC). `*tags` (NULL-terminated, *n entries) is freed
 * with mf_strv_free. 0 or MF_ENOMEM. */
int mf__meta_system_tags(const char *user, const char *runtime, double start, char ***tags, size_t *n);
/* Removes then adds user tags of a run in one transaction. Every tag is
 * checked first; removing a system tag is MF_EINVAL and changes nothing;
 * adding a system tag of the run, adding a tag it has or removing one it
 * has not is a no-op for that tag. MF_ENOENT naming the run when it does
 * not exist. */
int mf__meta_tags_replace(struct mf_meta *m, const char *flow, const char *run_id, const char *const *remove,
                          size_t nremove, const char *const *add, size_t nadd, struct mf_err *err);
/* Records that attempts tasks[0..n) (step, task_id, attempt, job_id) run as
 * cluster jobs, in one transaction, adding n to the run's job count. An
 * attempt not recorded yet is MF_ENOENT. Finishing an attempt without a
 * job_id keeps the one recorded here. */
int mf__meta_task_jobs(struct mf_meta *m, const char *flow, const char *run_id, const struct mf_meta_task *tasks,
                       size_t n, struct mf_err *err);
int mf__meta_tag_add(struct mf_meta *m, const char *flow, const char *run_id, const char *tag, struct mf_err *err);
int mf__meta_tag_remove(struct mf_meta *m, const char *flow, const char *run_id, const char *tag, struct mf_err *err);
/* Whether the run has every one of `tags` (user or system). */
bool mf__meta_run_has_tags(const struct mf_meta_run *r, const char *const *tags, size_t n);

/* Readers. Arrays are allocated with mf__malloc; free each element with its
 * _release function and the array with mf__free. */
int mf__meta_flows(struct mf_meta *m, char ***names, size_t *n, struct mf_err *err);
/* Runs of a flow, newest first (by start time, then run id). */
int mf__meta_runs(struct mf_meta *m, const char *flow, struct mf_meta_run **runs, size_t *n, struct mf_err *err);
/* MF_ENOENT with a message naming the run when it does not exist. */
int mf__meta_run(struct mf_meta *m, const char *flow, const char *run_id, struct mf_meta_run *out,
                 struct mf_err *err);
/* Every attempt of every task of a run (step NULL) or of one step, ordered
 * by task id (numerically) then attempt. */
int mf__meta_tasks(struct mf_meta *m, const char *flow, const char *run_id, const char *step,
                   struct mf_meta_task **tasks, size_t *n, struct mf_err *err);
#endif
