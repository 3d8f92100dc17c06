/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime.c - the run loop (see runtime.h for the rules it follows). Keeps one
 * small record per task and one per join being gathered, so a 10,000-item
 * foreach costs a few hundred kilobytes of scheduler memory.
 */
#include "runtime.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proc.h"
#include "runrec.h"
#include "task.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fsutil.h"

struct stask {
    size_t node;
    uint64_t id;
    char *stack;  /* split stack */
    char *inputs; /* input paths, "STEP/ID[-LAST],..." */
    int attempt;
    double started;
};

struct join_wait {
    size_t node;         /* the join step */
    char *stack;         /* the join task's stack (top frame popped) */
    char split_step[128];
    uint64_t split_task; /* the split whose frame the join closes */
    int64_t count, arrived;
    size_t *in_node; /* per frame index: the step the input comes from */
    uint64_t *in_id; /* per frame index: its task id (0: not yet) */
};

struct sched {
    const mf_flow *flow;
    const struct mf_graph *g;
    struct mf_ds *ds;
    const struct mf_run_opts *o;
    const char *run_id;
    struct mf_exec *ex;
    uint64_t next_id;
    struct stask **queue; /* FIFO of tasks ready to start */
    size_t qhead, qlen, qcap;
    struct join_wait **joins;
    size_t njoins, joins_cap;
    size_t started, succeeded;
    struct stask *failed; /* the first task that failed */
    struct mf_exit failed_exit;
    char failed_why[1100];
    double t0, last_progress;
};

static volatile sig_atomic_t interrupted; /* set by SIGINT/SIGTERM; the only global, as signals demand */

static void on_signal(int sig) { interrupted = sig; }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void stask_free(struct stask *t)
{
    if (!t)
        return;
    mf__free(t->stack);
    mf__free(t->inputs);
    mf__free(t);
}

static void join_free(struct join_wait *j)
{
    if (!j)
        return;
    mf__free(j->stack);
    mf__free(j->in_node);
    mf__free(j->in_id);
    mf__free(j);
}

/* Takes ownership of `stack` and `inputs` in every case. */
static int enqueue(struct sched *s, size_t node, char *stack, char *inputs, struct mf_err *err)
{
    struct stask *t = mf__calloc(1, sizeof(*t));
    if (!t || !stack || !inputs || MF_GROW(s->queue, s->qcap, s->qhead + s->qlen + 1)) {
        mf__free(stack);
        mf__free(inputs);
        mf__free(t);
        return mf__err(err, MF_ENOMEM, "out of memory");
    }
    t->node = node;
    t->id = s->next_id++;
    t->stack = stack;
    t->inputs = inputs;
    s->queue[s->qhead + s->qlen++] = t;
    return 0;
}

static char *fmt_str(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fmt_str(const char *fmt, ...)
{
    struct mf_buf b = MF_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    int rc = mf__buf_vaddf(&b, fmt, ap);
    va_end(ap);
    if (rc) {
        mf__buf_release(&b);
        return NULL;
    }
    return mf__buf_detach(&b, NULL);
}

/* The stack of a child of `t` that pushes frame (t's step, t, index, count). */
static char *push_frame(struct sched *s, const struct stask *t, int64_t index, int64_t count)
{
    return fmt_str("%s%s%s:%" PRIu64 ":%" PRId64 ":%" PRId64, t->stack, *t->stack ? "," : "",
                   s->g->nodes[t->node].name, t->id, index, count);
}

static char *input_of(struct sched *s, const struct stask *t)
{
    return fmt_str("%s/%" PRIu64, s->g->nodes[t->node].name, t->id);
}

/* Input paths of a join, in frame order, runs of consecutive ids of one step
 * written as ranges so that a 10,000-way join stays a short argument. */
static char *join_inputs(struct sched *s, const struct join_wait *j)
{
    struct mf_buf b = MF_BUF_INIT;
    int rc = 0;
    for (int64_t i = 0; i < j->count && !rc;) {
        int64_t k = i;
        while (k + 1 < j->count && j->in_node[k + 1] == j->in_node[i] && j->in_id[k + 1] == j->in_id[k] + 1)
            k++;
        rc = mf__buf_addf(&b, "%s%s/%" PRIu64, i ? "," : "", s->g->nodes[j->in_node[i]].name, j->in_id[i]);
        if (!rc && k > i)
            rc = mf__buf_addf(&b, "-%" PRIu64, j->in_id[k]);
        i = k + 1;
    }
    if (rc) {
        mf__buf_release(&b);
        return NULL;
    }
    return mf__buf_detach(&b, NULL);
}

static struct join_wait *find_join(struct sched *s, size_t node, const struct mf_frame *f, size_t *pos)
{
    for (size_t i = 0; i < s->njoins; i++) {
        struct join_wait *j = s->joins[i];
        if (j->node == node && j->split_task == f->task && strcmp(j->split_step, f->step) == 0) {
            *pos = i;
            return j;
        }
    }
    return NULL;
}

static int new_join(struct sched *s, size_t node, const struct stask *t, const struct mf_frame *f, size_t rest,
                    struct join_wait **out, struct mf_err *err)
{
    struct join_wait *j = mf__calloc(1, sizeof(*j));
    if (!j || MF_GROW(s->joins, s->joins_cap, s->njoins + 1))
        goto oom;
    j->node = node;
    j->stack = mf__strndup(t->stack, rest);
    memcpy(j->split_step, f->step, sizeof(j->split_step));
    j->split_task = f->task;
    j->count = f->count;
    j->in_node = mf__calloc((size_t)f->count, sizeof(*j->in_node));
    j->in_id = mf__calloc((size_t)f->count, sizeof(*j->in_id));
    if (!j->stack || !j->in_node || !j->in_id)
        goto oom;
    s->joins[s->njoins++] = j;
    *out = j;
    return 0;
oom:
    join_free(j);
    return mf__err(err, MF_ENOMEM, "out of memory");
}

/* Task `t` of a step that leads into join `node`: record its arrival; start
 * the join when the last input of its split arrived. */
static int arrive_at_join(struct sched *s, const struct stask *t, size_t node, struct mf_err *err)
{
    struct mf_frame f;
    size_t rest = 0, pos = 0;
    int rc = mf__stack_top(t->stack, &f, &rest, err);
    if (rc)
        return rc == MF_ENOENT ? mf__err(err, MF_EGRAPH, "join '%s' reached outside of any split",
                                         s->g->nodes[node].name)
                               : rc;
    struct join_wait *j = find_join(s, node, &f, &pos);
    if (!j) {
        if ((rc = new_join(s, node, t, &f, rest, &j, err)) != 0)
            return rc;
        pos = s->njoins - 1;
    }
    if (f.count != j->count || j->in_id[f.index])
        return mf__err(err, MF_EGRAPH, "join '%s' got input '%s/%" PRIu64 "' twice or from a different split",
                       s->g->nodes[node].name, s->g->nodes[t->node].name, t->id);
    j->in_node[f.index] = t->node;
    j->in_id[f.index] = t->id;
    if (++j->arrived < j->count)
        return 0;
    s->joins[pos] = s->joins[--s->njoins];
    char *stack = j->stack;
    j->stack = NULL;
    rc = enqueue(s, node, stack, join_inputs(s, j), err);
    join_free(j);
    return rc;
}

/* Queues what follows a task that succeeded. */
static int schedule_successors(struct sched *s, const struct stask *t, int64_t num_splits, struct mf_err *err)
{
    const struct mf_node *n = &s->g->nodes[t->node];
    int rc = 0;
    switch (n->kind) {
    case MF_NODE_END:
        return 0;
    case MF_NODE_FOREACH:
        for (int64_t i = 0; i < num_splits && !rc; i++)
            rc = enqueue(s, n->out[0], push_frame(s, t, i, num_splits), input_of(s, t), err);
        return rc;
    case MF_NODE_SPLIT:
        for (size_t i = 0; i < n->nout && !rc; i++)
            rc = enqueue(s, n->out[i], push_frame(s, t, (int64_t)i, (int64_t)n->nout), input_of(s, t), err);
        return rc;
    case MF_NODE_LINEAR:
        if (s->g->nodes[n->out[0]].is_join)
            return arrive_at_join(s, t, n->out[0], err);
        return enqueue(s, n->out[0], mf__strdup(t->stack), input_of(s, t), err);
    }
    return mf__err(err, MF_EGRAPH, "step '%s' has an unknown transition kind", n->name);
}

static int launch(struct sched *s, struct stask *t, struct mf_err *err)
{
    const char *step = s->g->nodes[t->node].name;
    char id[32], attempt[16], splits[32];
    struct mf_buf label = MF_BUF_INIT, outlog = MF_BUF_INIT, errlog = MF_BUF_INIT;
    snprintf(id, sizeof(id), "%" PRIu64, t->id);
    snprintf(attempt, sizeof(attempt), "%d", t->attempt);
    snprintf(splits, sizeof(splits), "%" PRId64, s->o->max_num_splits);
    const char *argv[] = { s->o->exe, "step", step, "--run-id", s->run_id, "--task-id", id,
                           "--input-paths", t->inputs, "--split-stack", t->stack, "--attempt", attempt,
                           "--max-num-splits", splits, "--datastore-root", s->o->root,
                           s->o->sync ? NULL : "--no-sync", NULL };
    pid_t pid = 0;
    int rc = mf__buf_addf(&label, "%s/%s/%s", s->run_id, step, id);
    if (!rc)
        rc = mf__ds_log_path(s->ds, s->run_id, step, id, t->attempt, "stdout", &outlog);
    if (!rc)
        rc = mf__ds_log_path(s->ds, s->run_id, step, id, t->attempt, "stderr", &errlog);
    if (rc) {
        rc = mf__err(err, rc, "cannot name the logs of task '%s'", label.buf);
        goto out;
    }
    t->started = now_s();
    /* posix_spawn's argv is not const-qualified but is not modified. */
    rc = mf__exec_start(s->ex, (char *const *)argv, label.buf, outlog.buf, errlog.buf, 0, t, &pid, err);
    if (rc)
        goto out;
    s->started++;
    if (!s->o->quiet)
        fprintf(s->o->out, "[%s] task starting, pid %ld\n", label.buf, (long)pid);
out:
    mf__buf_release(&label);
    mf__buf_release(&outlog);
    mf__buf_release(&errlog);
    return rc;
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGPIPE: return "SIGPIPE";
    case SIGHUP: return "SIGHUP";
    default: return NULL;
    }
}

static void describe_exit(const struct mf_exit *x, char *buf, size_t size)
{
    const char *name = x->exited ? NULL : signal_name(x->signal);
    if (x->timed_out)
        snprintf(buf, size, "timed out");
    else if (x->exited)
        snprintf(buf, size, "exit code %d", x->exit_code);
    else if (name)
        snprintf(buf, size, "signal %s", name);
    else
        snprintf(buf, size, "signal %d", x->signal);
}

/* Learns what a task that exited 0 left behind: its index must exist (a
 * step that called exit(0) itself did not finish), and a foreach's index
 * says how many items it has. */
static int read_outcome(struct sched *s, const struct stask *t, int64_t *num_splits, struct mf_err *err)
{
    char id[32];
    snprintf(id, sizeof(id), "%" PRIu64, t->id);
    const char *step = s->g->nodes[t->node].name;
    *num_splits = -1;
    if (s->g->nodes[t->node].kind != MF_NODE_FOREACH) {
        struct mf_buf path = MF_BUF_INIT;
        int rc = mf__ds_task_dir(s->ds, s->run_id, step, id, &path);
        if (!rc)
            rc = mf__buf_adds(&path, "/index");
        bool ok = !rc && mf__path_exists(path.buf);
        mf__buf_release(&path);
        return ok ? 0 : mf__err(err, MF_ESTEPFAIL, "it exited with code 0 but wrote no artifact index "
                                                  "(did the step call exit() itself?)");
    }
    struct mf_index ix;
    mf__index_init(&ix);
    int rc = mf__ds_read_index(s->ds, s->run_id, step, id, &ix, err);
    *num_splits = ix.num_splits;
    mf__index_release(&ix);
    if (!rc && *num_splits < 1)
        rc = mf__err(err, MF_ECORRUPT, "its index records no foreach width");
    return rc;
}

static void record_failure(struct sched *s, struct stask *t, const struct mf_exit *x, const char *why)
{
    if (!s->failed) {
        s->failed = t;
        s->failed_exit = *x;
        snprintf(s->failed_why, sizeof(s->failed_why), "%s", why);
    } else {
        stask_free(t);
    }
}

static int handle_exit(struct sched *s, const struct mf_exit *x, struct mf_err *err)
{
    struct stask *t = x->tag;
    const char *step = s->g->nodes[t->node].name;
    double secs = now_s() - t->started;
    char why[1100];
    int64_t num_splits = -1;
    struct mf_err oerr = MF_ERR_INIT;
    if (!x->exited || x->exit_code != 0) {
        describe_exit(x, why, sizeof(why));
    } else if (read_outcome(s, t, &num_splits, &oerr) != 0) {
        snprintf(why, sizeof(why), "%s", oerr.msg);
    } else {
        s->succeeded++;
        if (!s->o->quiet)
            fprintf(s->o->out, "[%s/%s/%" PRIu64 "] task succeeded in %.2f s\n", s->run_id, step, t->id, secs);
        int rc = schedule_successors(s, t, num_splits, err);
        stask_free(t);
        return rc;
    }
    fprintf(s->o->out, "[%s/%s/%" PRIu64 "] task failed: %s\n", s->run_id, step, t->id, why);
    record_failure(s, t, x, why);
    return 0;
}

static void progress(struct sched *s)
{
    double t = now_s();
    if (t - s->last_progress < 10.0)
        return;
    s->last_progress = t;
    fprintf(s->o->out, "%s run %s: %zu tasks succeeded, %zu running, %zu queued (%.0f s)\n", s->flow->name,
            s->run_id, s->succeeded, mf__exec_running(s->ex), s->qlen, t - s->t0);
    fflush(s->o->out);
}

static int run_loop(struct sched *s, struct mf_err *err)
{
    bool stopping = false;
    for (;;) {
        while (!s->failed && !interrupted && s->qlen && mf__exec_running(s->ex) < (size_t)s->o->max_workers) {
            struct stask *t = s->queue[s->qhead++];
            s->qlen--;
            int rc = launch(s, t, err);
            if (rc) {
                stask_free(t);
                return rc;
            }
        }
        if (s->qlen == 0)
            s->qhead = 0;
        if (mf__exec_running(s->ex) == 0)
            return 0;
        if (interrupted && !stopping) {
            fprintf(s->o->out, "interrupted: stopping %zu running task(s)\n", mf__exec_running(s->ex));
            mf__exec_signal_all(s->ex, SIGTERM);
            stopping = true;
        }
        struct mf_exit x;
        int rc = mf__exec_wait(s->ex, &x, 1000, err);
        if (rc == MF_ETIMEDOUT || rc == MF_ECANCELED) {
            progress(s);
            continue;
        }
        if (rc)
            return rc;
        if ((rc = handle_exit(s, &x, err)) != 0)
            return rc;
    }
}

/* The run's parameters are the index of the pseudo task _parameters/0, so
 * tasks read them with the same code as any artifact. */
static int write_params(struct sched *s, const mf_value *params, struct mf_err *err)
{
    struct mf_index ix;
    int rc = 0;
    mf__index_init(&ix);
    for (size_t i = 0; i < mf_value_len(params) && !rc; i++) {
        struct mf_artifact a;
        memset(&a, 0, sizeof(a));
        rc = mf__ds_store(s->ds, mf_value_key_at(params, i), mf_value_key(params, mf_value_key_at(params, i)), &a, err);
        if (!rc && mf__index_put(&ix, &a))
            rc = mf__err(err, MF_ENOMEM, "out of memory");
        mf__artifact_release(&a);
    }
    if (!rc)
        rc = mf__ds_write_index(s->ds, s->run_id, "_parameters", "0", &ix, err);
    mf__index_release(&ix);
    return rc;
}

static void print_stderr_tail(struct sched *s, const struct stask *t)
{
    char id[32];
    struct mf_buf path = MF_BUF_INIT, text = MF_BUF_INIT;
    snprintf(id, sizeof(id), "%" PRIu64, t->id);
    if (!mf__ds_log_path(s->ds, s->run_id, s->g->nodes[t->node].name, id, t->attempt, "stderr", &path) &&
        !mf__read_file(path.buf, &text, NULL) && text.len) {
        size_t start = text.len, lines = 0;
        while (start > 0 && lines < 6)
            if (text.buf[--start] == '\n' && start + 1 < text.len)
                lines++;
        if (text.buf[start] == '\n')
            start++;
        fprintf(s->o->out, "    its last lines of stderr:\n");
        for (char *line = text.buf + start; *line;) {
            char *nl = strchr(line, '\n');
            size_t len = nl ? (size_t)(nl - line) : strlen(line);
            fprintf(s->o->out, "      %.*s\n", (int)len, line);
            line += len + (nl ? 1 : 0);
        }
    }
    mf__buf_release(&path);
    mf__buf_release(&text);
}

static void report_failure(struct sched *s)
{
    FILE *out = s->o->out;
    if (s->failed) {
        const struct stask *t = s->failed;
        fprintf(out, "Task %s/%s/%" PRIu64 " failed: %s\n", s->run_id, s->g->nodes[t->node].name, t->id,
                s->failed_why);
        print_stderr_tail(s, t);
    } else if (interrupted) {
        fprintf(out, "Run %s was interrupted by signal %d\n", s->run_id, (int)interrupted);
    }
    fprintf(out, "Run %s of %s failed after %.2f s: %zu task(s) succeeded; nothing after the failure was started.\n",
            s->run_id, s->flow->name, now_s() - s->t0, s->succeeded);
    fprintf(out, "To resume from where it failed: %s resume --origin-run-id %s\n", s->o->prog, s->run_id);
}

static void sched_release(struct sched *s)
{
    mf__exec_free(s->ex);
    for (size_t i = 0; i < s->qlen; i++)
        stask_free(s->queue[s->qhead + i]);
    mf__free(s->queue);
    for (size_t i = 0; i < s->njoins; i++)
        join_free(s->joins[i]);
    mf__free(s->joins);
    stask_free(s->failed);
}

int mf__run_flow(const mf_flow *flow, const struct mf_graph *g, struct mf_ds *ds, const mf_value *params,
                 const struct mf_run_opts *opts, char **run_id, struct mf_err *err)
{
    struct sched s;
    struct sigaction sa, old_int, old_term;
    memset(&s, 0, sizeof(s));
    s.flow = flow;
    s.g = g;
    s.ds = ds;
    s.o = opts;
    s.next_id = 1;
    s.t0 = s.last_progress = now_s();
    *run_id = NULL;
    int rc = mf__ds_new_run(ds, run_id, err);
    if (rc)
        return rc;
    s.run_id = *run_id;
    struct mf_runrec rec = { .run_id = s.run_id, .status = "running", .params = params, .start = mf__epoch_now() };
    if ((rc = mf__runrec_write(ds, &rec, err)) != 0 || (rc = write_params(&s, params, err)) != 0 ||
        (rc = mf__exec_new(opts->out, opts->err, &s.ex, err)) != 0 ||
        (rc = enqueue(&s, g->start, mf__strdup(""), mf__strdup(""), err)) != 0)
        goto out;
    fprintf(opts->out, "%s: run %s starting (datastore '%s', up to %d tasks at once)\n", flow->name, s.run_id,
            opts->root, opts->max_workers);
    fflush(opts->out);
    interrupted = 0;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    rc = run_loop(&s, err);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (!rc && !s.failed && !interrupted && s.njoins)
        rc = mf__err(err, MF_EGRAPH, "the run ended with join '%s' still waiting for inputs",
                     g->nodes[s.joins[0]->node].name);
    if (!rc && (s.failed || interrupted)) {
        report_failure(&s);
        rc = MF_ESTEPFAIL;
    }
out:
    rec.status = rc ? "failed" : "succeeded";
    rec.end = mf__epoch_now();
    rec.tasks = s.succeeded;
    mf__runrec_write(ds, &rec, NULL);
    if (!rc)
        fprintf(opts->out, "Done! Run %s of %s succeeded: %zu tasks in %.2f s.\n", s.run_id, flow->name, s.succeeded,
                now_s() - s.t0);
    fflush(opts->out);
    sched_release(&s);
    return rc;
}
