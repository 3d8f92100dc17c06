/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spin.c - the scratch run of `spin` (spin.h): what the past run recorded
 * for one task (its input paths, split stack and last attempt), a new run
 * recorded like any other but tagged runtime:spin, and copies of the indexes
 * the task reads. Only reads touch the past run.
 */
#include "spin.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "liveness.h"
#include "task.h"
#include "util/alloc.h"
#include "util/buf.h"

/* Task ids listed when the one asked for does not exist. */
#define SPIN_LIST_IDS 10

static double epoch_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool is_number(const char *s, size_t len)
{
    if (len == 0 || len > 20)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* "a, b, c": the flow's step names, for the message about one it lacks. */
static void step_names(const struct mf_graph *g, struct mf_buf *b)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->nodes[i].name)
            mf__buf_addf(b, "%s%s", b->len ? ", " : "", g->nodes[i].name);
}

/* Splits RUN/STEP/TASK (or FLOW/RUN/STEP/TASK) into sp's origin run, step
 * and task id, each checked for its form; the step must be the flow's. */
static int parse_pathspec(const mf_flow *flow, const struct mf_graph *g, const char *pathspec, struct mf_spin *sp,
                          struct mf_err *err)
{
    const char *part[5] = { NULL };
    size_t len[5] = { 0 }, n = 0;
    for (const char *p = pathspec; n < 5;) { /* a fifth part is an error too */
        const char *slash = strchr(p, '/');
        part[n] = p;
        len[n++] = slash ? (size_t)(slash - p) : strlen(p);
        if (!slash)
            break;
        p = slash + 1;
    }
    bool empty = false;
    for (size_t i = 0; i < n; i++)
        empty = empty || len[i] == 0;
    if ((n != 3 && n != 4) || empty)
        return mf__err(err, MF_EINVAL, "'%s' is not a task: spin takes RUN/STEP/TASK (e.g. 3/start/1) or "
                                       "%s/RUN/STEP/TASK", pathspec, flow->name);
    size_t k = n - 3; /* the run's part */
    if (n == 4 && (len[0] != strlen(flow->name) || strncmp(part[0], flow->name, len[0]) != 0))
        return mf__err(err, MF_EINVAL, "'%s' is a task of flow '%.*s', but this program runs flow '%s': spin it with "
                                       "%.*s's program", pathspec, (int)len[0], part[0], flow->name, (int)len[0],
                       part[0]);
    if (!is_number(part[k], len[k]))
        return mf__err(err, MF_EINVAL, "'%.*s' in '%s' is not a run id: run ids are numbers (see 'runs')",
                       (int)len[k], part[k], pathspec);
    if (!is_number(part[k + 2], len[k + 2]))
        return mf__err(err, MF_EINVAL, "'%.*s' in '%s' is not a task id: task ids are numbers (see 'dump %.*s')",
                       (int)len[k + 2], part[k + 2], pathspec, (int)len[k], part[k]);
    sp->origin_run = mf__strndup(part[k], len[k]);
    sp->step = mf__strndup(part[k + 1], len[k + 1]);
    sp->task_id = mf__strndup(part[k + 2], len[k + 2]);
    if (!sp->origin_run || !sp->step || !sp->task_id)
        return mf__err(err, MF_ENOMEM, "out of memory");
    if (mf__graph_find(g, sp->step) != MF_NO_NODE)
        return 0;
    struct mf_buf names = MF_BUF_INIT;
    step_names(g, &names);
    int rc = mf__err(err, MF_EINVAL, "'%s' is not a step of %s; its steps are: %s", sp->step, flow->name,
                     names.buf ? names.buf : "?");
    mf__buf_release(&names);
    return rc;
}

/* The message for a task id the step does not have: the ids it has. */
static int no_such_task(struct mf_spin *sp, const struct mf_meta_task *rows, size_t n, struct mf_err *err)
{
    struct mf_buf ids = MF_BUF_INIT;
    size_t listed = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && !strcmp(rows[i].task_id, rows[i - 1].task_id))
            continue; /* another attempt of the same task */
        if (listed++ < SPIN_LIST_IDS)
            mf__buf_addf(&ids, "%s%s", listed > 1 ? ", " : "", rows[i].task_id);
    }
    if (listed > SPIN_LIST_IDS)
        mf__buf_addf(&ids, ", ... (%zu in all)", listed);
    int rc = listed ? mf__err(err, MF_ENOENT, "run %s of %s has no task %s/%s; the tasks of step '%s' there are: %s",
                              sp->origin_run, sp->flow, sp->step, sp->task_id, sp->step, ids.buf ? ids.buf : "?")
                    : mf__err(err, MF_ENOENT, "run %s of %s has no task %s/%s: step '%s' has no task in that run",
                              sp->origin_run, sp->flow, sp->step, sp->task_id, sp->step);
    mf__buf_release(&ids);
    return rc;
}

/* What the past run recorded for the last attempt of the task. */
static int find_task(struct mf_spin *sp, struct mf_err *err)
{
    struct mf_meta_task *rows = NULL;
    size_t n = 0;
    const struct mf_meta_task *last = NULL;
    int rc = mf__meta_tasks(sp->meta, sp->flow, sp->origin_run, sp->step, &rows, &n, err);
    for (size_t i = 0; !rc && i < n; i++)
        if (!strcmp(rows[i].task_id, sp->task_id))
            last = &rows[i]; /* attempts in order: the last one wins */
    if (!rc && !last)
        rc = no_such_task(sp, rows, n, err);
    if (rc)
        goto out;
    sp->inputs = mf__strdup(last->input_paths ? last->input_paths : "");
    sp->stack = mf__strdup(last->stack ? last->stack : "");
    sp->attempt = last->attempt;
    if (!sp->inputs || !sp->stack)
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    else
        rc = mf__stack_validate(sp->stack, err);
out:
    for (size_t i = 0; i < n; i++)
        mf__meta_task_release(&rows[i]);
    mf__free(rows);
    return rc;
}

/* Copies the index of STEP/ID from the past run into the scratch run; an
 * index that is not there is an error when `must`. */
static int copy_index(struct mf_spin *sp, const char *step, const char *id, bool must, struct mf_err *err)
{
    struct mf_index ix;
    int rc = mf__ds_read_index(sp->ds, sp->origin_run, step, id, &ix, err);
    if (rc == MF_ENOENT && !must)
        rc = 0;
    else if (rc == MF_ENOENT)
        rc = mf__err(err, rc, "input task %s/%s/%s has no artifact index: it did not succeed, so task %s/%s/%s "
                              "cannot be run again from it (resume the run instead)",
                     sp->origin_run, step, id, sp->origin_run, sp->step, sp->task_id);
    else if (!rc)
        rc = mf__ds_write_index(sp->ds, sp->run_id, step, id, &ix, err);
    mf__index_release(&ix);
    return rc;
}

struct copy_ctx {
    struct mf_spin *sp;
    struct mf_err *err;
};

static int copy_input(void *arg, const char *step, size_t step_len, uint64_t id)
{
    struct copy_ctx *c = arg;
    char idbuf[32];
    char *name = mf__strndup(step, step_len);
    snprintf(idbuf, sizeof(idbuf), "%" PRIu64, id);
    int rc = name ? copy_index(c->sp, name, idbuf, true, c->err) : mf__err(c->err, MF_ENOMEM, "out of memory");
    mf__free(name);
    return rc;
}

/* The task's inputs (a join's every one), then the split tasks of its stack,
 * where mf_input() finds a foreach's list when the split is not the task's
 * parent. A split task that is an input too is copied twice, harmlessly. */
static int copy_inputs(struct mf_spin *sp, struct mf_err *err)
{
    struct copy_ctx c = { sp, err };
    int rc = mf__input_paths_each(sp->inputs, copy_input, &c, err);
    char *stack = rc ? NULL : mf__strdup(sp->stack);
    size_t len = stack ? strlen(stack) : 0;
    if (!rc && !stack)
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    while (!rc && len) {
        struct mf_frame f;
        char id[32];
        stack[len] = '\0';
        rc = mf__stack_top(stack, &f, &len, err);
        if (!rc) {
            snprintf(id, sizeof(id), "%" PRIu64, f.task);
            rc = copy_index(sp, f.step, id, true, err);
        }
    }
    mf__free(stack);
    return rc;
}

/* Makes the scratch run's directory and its parameters (the past run's)
 * while the metadata's write lock is held (mf__meta_run_allocate). */
static int claim(void *arg, const char *run_id, struct mf_err *err)
{
    struct mf_spin *sp = arg;
    struct mf_index ix;
    int rc = mf__ds_claim_run(sp->ds, run_id, err);
    if (rc)
        return rc; /* MF_EEXIST: a directory no run record names; next id */
    rc = mf__ds_read_index(sp->ds, sp->origin_run, "_parameters", "0", &ix, err);
    if (rc == MF_ENOENT)
        rc = mf__err(err, MF_ENOENT, "run %s of %s has no parameters record: it never started", sp->origin_run,
                     sp->flow);
    if (!rc)
        rc = mf__ds_write_index(sp->ds, run_id, "_parameters", "0", &ix, err);
    mf__index_release(&ix);
    return rc == MF_EEXIST ? MF_EIO : rc; /* EEXIST means "next id" to the caller */
}

/* Records the scratch run: the past run's parameters and build, runtime:spin. */
static int record_run(struct mf_spin *sp, struct mf_err *err)
{
    struct mf_meta_run origin;
    char **sys = NULL;
    size_t nsys = 0;
    memset(&origin, 0, sizeof(origin));
    sp->start = epoch_now();
    int rc = mf__meta_run(sp->meta, sp->flow, sp->origin_run, &origin, err);
    if (!rc && mf__meta_system_tags(mf__user_name(), MF_RUNTIME_SPIN, sp->start, &sys, &nsys))
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    if (rc)
        goto out;
    struct mf_proc_id self;
    mf__proc_id_self(&self);
    struct mf_meta_run r = { .flow = (char *)sp->flow, .status = (char *)"running", .user = (char *)mf__user_name(),
                             .params_json = origin.params_json, .origin_run_id = sp->origin_run,
                             .build_id = origin.build_id, .start = sp->start, .sys_tags = sys, .nsys_tags = nsys,
                             .host = self.host, .pid = self.pid, .pid_start = self.start };
    rc = mf__meta_run_allocate(sp->meta, &r, claim, sp, &sp->run_id, err);
out:
    mf_strv_free(sys);
    mf__meta_run_release(&origin);
    return rc;
}

int mf__spin_prepare(const mf_flow *flow, const struct mf_graph *g, const char *root, const char *pathspec,
                     struct mf_spin *sp, struct mf_err *err)
{
    memset(sp, 0, sizeof(*sp));
    sp->flow = flow->name;
    int rc = parse_pathspec(flow, g, pathspec, sp, err);
    /* read-only first: a wrong pathspec creates no metadata.db */
    if (!rc)
        rc = mf__meta_open(root, true, &sp->meta, err);
    if (!rc)
        rc = find_task(sp, err);
    mf__meta_close(sp->meta);
    sp->meta = NULL;
    if (!rc)
        rc = mf__meta_open(root, false, &sp->meta, err);
    if (!rc)
        rc = mf__ds_open(root, flow->name, 0, &sp->ds, err);
    if (!rc)
        rc = record_run(sp, err);
    if (!rc)
        rc = copy_inputs(sp, err);
    if (!rc) {
        struct mf_meta_task mt = { .step = sp->step, .task_id = sp->task_id, .attempt = sp->attempt,
                                   .status = (char *)"running", .pid = (int64_t)getpid(), .start = epoch_now(),
                                   .exit_code = -1, .stack = sp->stack, .input_paths = sp->inputs };
        rc = mf__meta_task_start(sp->meta, sp->flow, sp->run_id, &mt, err);
    }
    if (rc && sp->run_id && !sp->finished) { /* recorded, then given up: not left "running" */
        struct mf_err ignored = MF_ERR_INIT;
        sp->finished = true;
        mf__meta_run_finish(sp->meta, sp->flow, sp->run_id, "failed", epoch_now(), &ignored);
    }
    return rc;
}

int mf__spin_finish(struct mf_spin *sp, int status, struct mf_err *err)
{
    if (sp->finished || !sp->run_id)
        return 0;
    sp->finished = true;
    bool ok = status == 0;
    double now = epoch_now();
    struct mf_meta_task mt = { .step = sp->step, .task_id = sp->task_id, .attempt = sp->attempt,
                               .status = (char *)(ok ? "succeeded" : "failed"), .pid = (int64_t)getpid(),
                               .start = sp->start, .end = now, .exit_code = status, .stack = sp->stack,
                               .input_paths = sp->inputs };
    struct mf_err second = MF_ERR_INIT;
    int rc = mf__meta_task_finish(sp->meta, sp->flow, sp->run_id, &mt, err);
    /* the run's end is recorded even when the task's row could not be */
    int rc2 = mf__meta_run_finish(sp->meta, sp->flow, sp->run_id, ok ? "succeeded" : "failed", now, &second);
    if (!rc && rc2)
        *err = second;
    return rc ? rc : rc2;
}

void mf__spin_release(struct mf_spin *sp)
{
    mf__meta_close(sp->meta);
    mf__ds_close(sp->ds);
    mf__free(sp->origin_run);
    mf__free(sp->run_id);
    mf__free(sp->step);
    mf__free(sp->task_id);
    mf__free(sp->inputs);
    mf__free(sp->stack);
    memset(sp, 0, sizeof(*sp));
}
