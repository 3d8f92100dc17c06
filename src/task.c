/* SPDX-License-Identifier: Apache-2.0 */
/*
 * task.c - one task's process (the `step` command): load parameters and
 * inputs, run the step function, persist the artifact index last. A task
 * without an index did not succeed; that is the whole commit protocol.
 */
#include "value.h"
#include "task.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "card.h"
#include "memo.h"
#include "task_impl.h"
#include "util/alloc.h"
#include "util/fsutil.h"

static _Noreturn void catch_in_step(struct mf_task *t, const char *msg);

/* Ends a running task's process; the hook of mf_task_args first. */
static _Noreturn void task_exit(const struct mf_task *root, int status)
{
    if (root->rs->args && root->rs->args->on_exit)
        root->rs->args->on_exit(root->rs->args->on_exit_ctx, status);
    _exit(status);
}

/* Whether a failure now is the step's last attempt failing inside its code,
 * with a catch_var to take it: then the task itself keeps what it set. */
static bool catches_here(const struct mf_task *root)
{
    if (root->rs->client || !root->rs->args || !root->rs->in_step || root->rs->catching ||
        root->rs->args->caught || root->rs->args->no_catch)
        return false;
    const mf_step *s = root->g->nodes[root->node].step;
    return s->catch_var && root->rs->args->attempt >= s->retries;
}

void mf__task_die(struct mf_task *t, const char *fmt, ...)
{
    struct mf_task *root = t->root;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fflush(stdout);
    fprintf(stderr, "error: step '%s': %s\n", root->step_name, msg);
    fflush(stderr);
    if (catches_here(root))
        catch_in_step(root, msg);
    /* _exit: nothing of the task may be persisted, and its memory is the
     * kernel's to reclaim (leak checkers must not turn a failure into noise). */
    task_exit(root, MF_TASK_EXIT_FAILED);
}

void mf__task_error(struct mf_task *t, const char *fmt, ...)
{
    struct mf_task *root = t->root;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!root->rs->client)
        mf__task_die(t, "%s", msg);
    snprintf(root->rs->client_err, root->rs->client_err_size, "task '%s': %s", t->pathspec, msg);
}

int mf__task_keep(struct mf_task *t, const char *hash, mf_value *v)
{
    struct mf_task *root = t->root;
    if (MF_GROW(root->rs->loaded, root->rs->loaded_cap, root->rs->nloaded + 1)) {
        mf_value_free(v);
        mf__task_error(t, "out of memory");
        return MF_ENOMEM;
    }
    struct mf_loaded *l = &root->rs->loaded[root->rs->nloaded++];
    memcpy(l->hash, hash, sizeof(l->hash));
    l->value = v;
    return 0;
}

int mf__stack_top(const char *stack, struct mf_frame *top, size_t *rest_len, struct mf_err *err)
{
    size_t len = strlen(stack);
    if (len == 0)
        return MF_ENOENT;
    const char *start = strrchr(stack, ',');
    start = start ? start + 1 : stack;
    const char *colon = strchr(start, ':');
    if (!colon || (size_t)(colon - start) >= sizeof(top->step) || colon == start)
        return mf__err(err, MF_EPARSE, "malformed split stack frame '%s': expected STEP:TASK:INDEX:COUNT", start);
    memcpy(top->step, start, (size_t)(colon - start));
    top->step[colon - start] = '\0';
    char *end = NULL;
    errno = 0;
    if (colon[1] < '0' || colon[1] > '9')
        goto bad;
    unsigned long long task = strtoull(colon + 1, &end, 10);
    if (errno || *end != ':')
        goto bad;
    long long index = strtoll(end + 1, &end, 10);
    if (errno || *end != ':' || index < 0)
        goto bad;
    long long count = strtoll(end + 1, &end, 10);
    if (errno || (*end != '\0' && *end != ',') || count <= 0 || index >= count)
        goto bad;
    top->task = task;
    top->index = index;
    top->count = count;
    if (rest_len)
        *rest_len = start == stack ? 0 : (size_t)(start - stack - 1);
    return 0;
bad:
    return mf__err(err, MF_EPARSE, "malformed split stack frame '%s': expected STEP:TASK:INDEX:COUNT", start);
}

int mf__stack_validate(const char *stack, struct mf_err *err)
{
    size_t len = strlen(stack);
    while (len) {
        char *copy = mf__strndup(stack, len);
        if (!copy)
            return mf__err(err, MF_ENOMEM, "out of memory");
        struct mf_frame f;
        int rc = mf__stack_top(copy, &f, &len, err);
        mf__free(copy);
        if (rc)
            return rc;
    }
    return 0;
}

int mf__input_paths_each(const char *paths, mf_input_fn fn, void *ctx, struct mf_err *err)
{
    const char *p = paths;
    while (*p) {
        const char *slash = strchr(p, '/');
        const char *comma = strchr(p, ',');
        if (!slash || (comma && comma < slash) || slash == p)
            return mf__err(err, MF_EPARSE, "malformed input path near '%s': expected STEP/TASK or STEP/FIRST-LAST", p);
        char *end = NULL;
        errno = 0;
        if (slash[1] < '0' || slash[1] > '9')
            return mf__err(err, MF_EPARSE, "malformed input path near '%s': the task id is not a number", p);
        unsigned long long first = strtoull(slash + 1, &end, 10), last = first;
        if (errno || end == slash + 1)
            return mf__err(err, MF_EPARSE, "malformed input path near '%s': the task id is not a number", p);
        if (*end == '-') {
            const char *lp = end + 1;
            if (*lp < '0' || *lp > '9')
                return mf__err(err, MF_EPARSE, "malformed input path near '%s': bad task range", p);
            last = strtoull(lp, &end, 10);
            if (errno || end == lp || last < first)
                return mf__err(err, MF_EPARSE, "malformed input path near '%s': bad task range", p);
        }
        if (*end != ',' && *end != '\0')
            return mf__err(err, MF_EPARSE, "malformed input path near '%s'", p);
        for (unsigned long long id = first; id <= last; id++) {
            int rc = fn(ctx, p, (size_t)(slash - p), id);
            if (rc)
                return rc;
        }
        if (*end == ',' && end[1] == '\0')
            return mf__err(err, MF_EPARSE, "malformed input path list '%s': it ends with a comma", paths);
        p = *end ? end + 1 : end;
    }
    return 0;
}

static int task_init_view(struct mf_task *v, struct mf_task *root, const char *step, size_t step_len, uint64_t id)
{
    /* the root's run_id, not args: a client handle (client_join.c) makes views too */
    const char *run = root->rs->run_id;
    char idbuf[32];
    int idlen = snprintf(idbuf, sizeof(idbuf), "%" PRIu64, id);
    memset(v, 0, sizeof(*v));
    v->root = root;
    v->readonly = true;
    v->flow = root->flow;
    v->g = root->g;
    mf__index_init(&v->own);
    /* "STEP\0RUN/STEP/ID": a join holds one of these per input, so one
     * allocation of the exact size, not three (nor a buffer's 64 bytes). */
    size_t ps_len = strlen(run) + 1 + step_len + 1 + (size_t)idlen;
    v->step_name = mf__malloc(step_len + 1 + ps_len + 1);
    if (!v->step_name)
        return MF_ENOMEM;
    memcpy(v->step_name, step, step_len);
    v->step_name[step_len] = '\0';
    v->pathspec = v->step_name + step_len + 1;
    snprintf(v->pathspec, ps_len + 1, "%s/%.*s/%s", run, (int)step_len, step, idbuf);
    v->task_id = v->pathspec + ps_len - (size_t)idlen;
    v->node = root->g ? mf__graph_find(root->g, v->step_name) : MF_NO_NODE;
    return 0;
}

struct load_ctx {
    struct mf_task *root;
    struct mf_err *err;
};

/* Reads a view's index into v->own. */
static int view_read(struct mf_task *v, struct mf_err *err)
{
    struct mf_task *root = v->root;
    int rc = mf__ds_read_index(root->rs->ds, root->rs->run_id, v->step_name, v->task_id, &v->own, err);
    if (rc == MF_ENOENT)
        mf__err(err, rc, "input task '%s' has no artifact index: it did not succeed", v->pathspec);
    v->own_loaded = !rc;
    return rc;
}

struct mf_index *mf__task_index(struct mf_task *t)
{
    struct mf_task *root = t->root;
    struct mf_err err = MF_ERR_INIT;
    if (t == root || t->own_loaded) /* the task itself, or a client handle */
        return &t->own;
    if (!root->rs->resident && !(root->rs->resident = mf__calloc(MF_JOIN_RESIDENT, sizeof(*root->rs->resident)))) {
        mf__task_error(root, "cannot read join input '%s': out of memory", t->pathspec); /* as below */
        t->index_bad = true;
        return &t->own;
    }
    if (root->rs->nresident == MF_JOIN_RESIDENT) { /* drop the oldest */
        struct mf_task *old = root->rs->resident[0];
        mf__index_release(&old->own);
        old->own_loaded = false;
        memmove(root->rs->resident, root->rs->resident + 1, (MF_JOIN_RESIDENT - 1) * sizeof(root->rs->resident[0]));
        root->rs->nresident--;
    }
    if (view_read(t, &err)) {
        /* ends a running task; a client handle's getter reports it and finds nothing */
        mf__task_error(root, "cannot read join input '%s': %s", t->pathspec, err.msg);
        t->index_bad = true;
        return &t->own;
    }
    t->index_bad = false;
    root->rs->resident[root->rs->nresident++] = t;
    return &t->own;
}

int mf__task_view_new(struct mf_task *root, const char *step, size_t step_len, uint64_t id, struct mf_task **out)
{
    struct mf_task *v = mf__calloc(1, sizeof(*v));
    *out = NULL;
    if (!v)
        return MF_ENOMEM;
    if (task_init_view(v, root, step, step_len, id)) {
        mf__task_view_free(v);
        return MF_ENOMEM;
    }
    *out = v;
    return 0;
}

/* One input of the task: a join keeps it as a view whose index is read
 * when used (checked to exist now, so a missing input fails the task
 * before its step runs); any other task reads its parent's index now and
 * takes its artifacts as its own starting set. */
static int load_input(void *arg, const char *step, size_t step_len, uint64_t id)
{
    struct load_ctx *c = arg;
    struct mf_task *root = c->root;
    struct mf_task *v = mf__calloc(1, sizeof(*v));
    struct mf_buf path = MF_BUF_INIT;
    if (!v)
        return mf__err(c->err, MF_ENOMEM, "out of memory");
    int rc = task_init_view(v, root, step, step_len, id);
    if (!rc && !root->g->nodes[root->node].is_join)
        rc = view_read(v, c->err);
    else if (!rc && (mf__ds_task_dir(root->rs->ds, root->rs->args->run_id, v->step_name, v->task_id, &path) ||
                     mf__buf_adds(&path, "/index")))
        rc = mf__err(c->err, MF_ENOMEM, "out of memory");
    else if (!rc && !mf__path_exists(path.buf))
        rc = mf__err(c->err, MF_ENOENT, "input task '%s' has no artifact index: it did not succeed", v->pathspec);
    mf__buf_release(&path);
    if (!rc && MF_GROW(root->rs->inputs, root->rs->inputs_cap, root->rs->ninputs + 1))
        rc = mf__err(c->err, MF_ENOMEM, "out of memory");
    if (rc) {
        mf__index_release(&v->own);
        mf__free(v->step_name); /* and task_id and pathspec */
        mf__free(v);
        return rc;
    }
    root->rs->inputs[root->rs->ninputs++] = v;
    return 0;
}

void mf__task_view_free(struct mf_task *v)
{
    if (!v)
        return;
    mf__index_release(&v->own);
    mf__free(v->step_name); /* and task_id and pathspec */
    mf__free(v);
}

void mf__task_release(struct mf_task *t)
{
    for (size_t i = 0; i < t->rs->ninputs; i++)
        mf__task_view_free(t->rs->inputs[i]);
    mf__free(t->rs->inputs);
    mf__free(t->rs->resident);
    for (size_t i = 0; i < t->rs->nloaded; i++)
        mf_value_free(t->rs->loaded[i].value);
    mf__free(t->rs->loaded);
    mf_value_free(t->rs->item);
    mf_value_free(t->rs->card);
    mf__current_free(t->rs->current);
    mf__artifact_release(&t->rs->split_list);
    mf__free(t->rs->split_step);
    mf__free(t->rs->split_id);
    mf__index_release(&t->own);
    mf__index_release(&t->rs->params);
    mf__ds_close(t->rs->ds);
    mf__free(t->step_name);
    mf__free(t->task_id);
    mf__free(t->pathspec);
}

static int task_identity(struct mf_task *t, struct mf_err *err)
{
    const struct mf_task_args *a = t->rs->args;
    t->node = mf__graph_find(t->g, a->step);
    if (t->node == MF_NO_NODE)
        return mf__err(err, MF_EINVAL, "'%s' is not a step of flow '%s'", a->step, t->flow->name);
    struct mf_buf ps = MF_BUF_INIT;
    t->step_name = mf__strdup(a->step);
    t->task_id = mf__strdup(a->task_id);
    if (!t->step_name || !t->task_id || mf__buf_addf(&ps, "%s/%s/%s", a->run_id, a->step, a->task_id))
        return mf__err(err, MF_ENOMEM, "out of memory");
    t->pathspec = mf__buf_detach(&ps, NULL);
    return t->pathspec ? 0 : mf__err(err, MF_ENOMEM, "out of memory");
}

/* Keeps the foreach list's record of parent `p`, a foreach task, for
 * mf_input() (task_impl.h). Out of memory keeps nothing: mf_input() then
 * reads the index as it would anyway. */
static void keep_split_list(struct mf_task *t, const struct mf_task *p)
{
    size_t node = mf__graph_find(t->g, p->step_name);
    /* a gang's split is a foreach without a list (.num_parallel) */
    if (node == MF_NO_NODE || t->g->nodes[node].kind != MF_NODE_FOREACH || !t->g->nodes[node].step->foreach)
        return;
    const struct mf_artifact *a = mf__index_find(&p->own, t->g->nodes[node].step->foreach);
    if (!a || mf__artifact_copy(&t->rs->split_list, a))
        return;
    t->rs->split_step = mf__strdup(p->step_name);
    t->rs->split_id = mf__strdup(p->task_id);
    if (!t->rs->split_step || !t->rs->split_id) {
        mf__artifact_release(&t->rs->split_list);
        mf__free(t->rs->split_step);
        mf__free(t->rs->split_id);
        t->rs->split_step = t->rs->split_id = NULL;
    }
}

/* A join sees its inputs; any other step starts from its one parent's set. */
static int task_check_inputs(struct mf_task *t, struct mf_err *err)
{
    const struct mf_node *n = &t->g->nodes[t->node];
    if (n->is_join) {
        if (t->rs->ninputs == 0)
            return mf__err(err, MF_EINVAL, "join step '%s' was given no --input-paths", t->step_name);
        return 0;
    }
    size_t want = t->node == t->g->start ? 0 : 1;
    if (t->rs->ninputs != want)
        return mf__err(err, MF_EINVAL, "step '%s' takes %zu input path(s), got %zu", t->step_name, want,
                       t->rs->ninputs);
    if (want) {
        keep_split_list(t, t->rs->inputs[0]);
        struct mf_index tmp = t->own;
        t->own = t->rs->inputs[0]->own;
        t->rs->inputs[0]->own = tmp;
        mf__task_view_free(t->rs->inputs[0]);
        t->rs->ninputs = 0;
    }
    return 0;
}

/* After a foreach step: the list must exist, be a list or an array, have at
 * least one item and no more than --max-num-splits. */
static int64_t foreach_width(struct mf_task *t)
{
    const mf_step *s = t->g->nodes[t->node].step;
    const char *var = s->foreach;
    if (!mf_has(t, var))
        mf__task_die(t, "foreach list '%s' was not set: set it in step '%s' before it returns", var, s->name);
    const mf_value *v = mf_get(t, var);
    mf_type ty = mf_value_type(v);
    if (ty != MF_LIST && ty != MF_F64S && ty != MF_F32S && ty != MF_I64S && ty != MF_I32S && ty != MF_U8S)
        mf__task_die(t, "foreach over '%s' needs a list or an array, but it is %s", var, mf__type_a(ty));
    size_t n = mf_value_len(v);
    if (n == 0)
        mf__task_die(t, "foreach over '%s' has no items: a foreach needs at least one", var);
    if ((int64_t)n > t->rs->args->max_num_splits)
        mf__task_die(t,
                     "foreach over '%s' has %zu items, more than --max-num-splits %" PRId64
                     ": raise it with --max-num-splits %zu if that many tasks are intended",
                     var, n, t->rs->args->max_num_splits, n);
    return (int64_t)n;
}

/* The last `max_lines` lines of the failed attempt's stderr log. */
static mf_value *stderr_tail(struct mf_task *t, size_t max_lines)
{
    struct mf_buf path = MF_BUF_INIT, text = MF_BUF_INIT;
    const struct mf_task_args *a = t->rs->args;
    size_t start = 0;
    if (!mf__ds_log_path(t->rs->ds, a->run_id, a->step, a->task_id, a->attempt - 1, "stderr", &path) &&
        !mf__read_file(path.buf, &text, NULL)) {
        size_t lines = 0;
        start = text.len;
        while (start > 0 && lines <= max_lines)
            if (text.buf[--start] == '\n' && start + 1 < text.len)
                lines++;
        if (lines > max_lines)
            start++;
    }
    mf_value *v = mf_value_strn(text.buf + start, text.len - start);
    mf__buf_release(&path);
    mf__buf_release(&text);
    return v;
}

/* The failure as the catch artifact holds it (documented at mf_step). */
static mf_value *failure_map(const char *type, const char *reason, int exit_code, int signal, bool timed_out,
                             int attempt, mf_value *stderr_text)
{
    mf_value *m = mf_value_map();
    mf_value_map_put(m, "type", mf_value_str(type));
    mf_value_map_put(m, "reason", mf_value_str(reason));
    mf_value_map_put(m, "exit_code", mf_value_int(exit_code));
    mf_value_map_put(m, "signal", mf_value_int(signal));
    mf_value_map_put(m, "timed_out", mf_value_bool(timed_out));
    mf_value_map_put(m, "attempt", mf_value_int(attempt));
    mf_value_map_put(m, "stderr", stderr_text);
    if (mf_value_len(m) == 7)
        return m;
    mf_value_free(m);
    return NULL;
}

/* The catch attempt, after the last attempt died by a signal, timed out or
 * exited without a word to the API: the failure in the step's catch artifact. */
static void store_caught(struct mf_task *t)
{
    const mf_step *s = t->g->nodes[t->node].step;
    int exit_code = -1, signal = 0, timed_out = 0, used = 0;
    if (!s->catch_var)
        mf__task_die(t, "--catch-failure was given but step '%s' declares no catch_var", s->name);
    if (sscanf(t->rs->args->caught, "%d|%d|%d|%n", &exit_code, &signal, &timed_out, &used) < 3 || used == 0)
        mf__task_die(t, "malformed --catch-failure '%s': expected EXIT|SIGNAL|TIMEDOUT|reason", t->rs->args->caught);
    const char *type = timed_out ? "timeout" : signal ? "signal" : "exit";
    mf_value *m = failure_map(type, t->rs->args->caught + used, exit_code, signal, timed_out != 0,
                              t->rs->args->attempt - 1, stderr_tail(t, 20));
    if (!m)
        mf__task_die(t, "out of memory recording the failure in '%s'", s->catch_var);
    mf_set(t, s->catch_var, m);
}

static int task_persist(struct mf_task *t, struct mf_err *err);

/* The last attempt failed through the API or mf_fail() with a catch_var: the
 * task keeps what the step set so far, adds the failure, and commits its
 * index like any task; it exits MF_TASK_EXIT_CAUGHT so the scheduler knows.
 * A failure while doing so (`catching`) ends the task as failed. */
static _Noreturn void catch_in_step(struct mf_task *t, const char *msg)
{
    const mf_step *s = t->g->nodes[t->node].step;
    struct mf_err err = MF_ERR_INIT;
    char line[2200];
    t->rs->catching = true;
    snprintf(line, sizeof(line), "error: step '%s': %s\n", t->step_name, msg);
    mf_value *m = failure_map(t->rs->by_mf_fail ? "mf_fail" : "api_error", msg, MF_TASK_EXIT_FAILED, 0, false,
                              t->rs->args->attempt, mf_value_str(line));
    if (!m)
        mf__task_die(t, "out of memory recording the failure in '%s'", s->catch_var);
    mf_set(t, s->catch_var, m);
    if (task_persist(t, &err)) {
        fprintf(stderr, "error: step '%s': %s\n", t->step_name, err.msg);
        fflush(stderr);
        task_exit(t, MF_TASK_EXIT_FAILED);
    }
    fprintf(stderr, "step '%s': the failure is caught in artifact '%s'; what the step set is kept\n", t->step_name,
            s->catch_var);
    fflush(stderr);
    task_exit(t, MF_TASK_EXIT_CAUGHT);
}

/* After a switch step: the condition's value must pick one of the cases. */
static char *chosen_case(struct mf_task *t)
{
    const mf_step *s = t->g->nodes[t->node].step;
    const struct mf_node *n = &t->g->nodes[t->node];
    if (!mf_has(t, s->switch_on))
        mf__task_die(t, "switch condition '%s' was not set: set it to one of the cases before the step returns",
                     s->switch_on);
    const char *value = mf_get_str(t, s->switch_on);
    struct mf_buf cases = MF_BUF_INIT;
    for (size_t i = 0; i < n->ncases; i++)
        if (strcmp(s->cases[i].value, value) == 0)
            return mf__strdup(s->cases[i].step);
    for (size_t i = 0; i < n->ncases; i++)
        mf__buf_addf(&cases, "%s'%s'", i ? ", " : "", s->cases[i].value);
    mf__task_die(t, "switch condition '%s' is '%s', which matches no case: the cases are %s", s->switch_on, value,
                 cases.buf);
}

/* A memoised step that read its identity leaves a marker beside its index,
 * written first, so that the scheduler never publishes it (memo.h). */
static int mark_uncacheable(struct mf_task *t, struct mf_err *err)
{
    static const char why[] = "the step read its run id, task id, pathspec or attempt\n";
    struct mf_buf path = MF_BUF_INIT;
    int rc = mf__ds_task_dir(t->rs->ds, t->rs->args->run_id, t->step_name, t->task_id, &path) ||
                     mf__buf_adds(&path, "/" MF_MEMO_UNCACHEABLE)
                 ? mf__err(err, MF_ENOMEM, "out of memory")
                 : mf__write_atomic(path.buf, why, sizeof(why) - 1, 0, err);
    mf__buf_release(&path);
    return rc;
}

static int task_persist(struct mf_task *t, struct mf_err *err)
{
    const struct mf_node *n = &t->g->nodes[t->node];
    /* A gang's width is declared, not read from a list: recorded the same way, so the
     * scheduler and resume learn it from the index as a foreach's. */
    int gang = mf__gang_width(n->step);
    t->own.num_splits = gang ? gang : n->kind == MF_NODE_FOREACH ? foreach_width(t) : -1;
    t->own.attempt = t->rs->args->attempt;
    t->own.pass = t->rs->args->pass;
    mf__free(t->own.next);
    t->own.next = n->kind == MF_NODE_SWITCH ? chosen_case(t) : NULL;
    if (n->kind == MF_NODE_SWITCH && !t->own.next)
        return mf__err(err, MF_ENOMEM, "out of memory");
    mf__free(t->own.stack);
    t->own.stack = mf__strdup(t->rs->args->stack);
    if (!t->own.stack)
        return mf__err(err, MF_ENOMEM, "out of memory");
    /* The runtime graph a client reads (a task starts from its parent's
     * index, so each of these is set anew): its parents, the list it fans
     * out over, the artifact holding the failure it caught. */
    const mf_step *s = n->step;
    bool caught = t->rs->catching || t->rs->args->caught;
    if (mf__index_set_graph(&t->own, t->rs->args->input_paths, n->kind == MF_NODE_FOREACH ? s->foreach : NULL,
                            caught ? s->catch_var : NULL))
        return mf__err(err, MF_ENOMEM, "out of memory");
    if (mf__card_persist(t, err))
        return err->code;
    if (s->memoize && t->rs->read_identity && mark_uncacheable(t, err))
        return err->code;
    return mf__ds_write_index(t->rs->ds, t->rs->args->run_id, t->step_name, t->task_id, &t->own, err);
}

/* A task with a committed index succeeded and is final: running it again
 * would replace artifacts that later tasks (and resumes) already read. */
static int task_not_committed(struct mf_task *t, struct mf_err *err)
{
    struct mf_buf path = MF_BUF_INIT;
    int rc = mf__ds_task_dir(t->rs->ds, t->rs->args->run_id, t->step_name, t->task_id, &path);
    if (rc == MF_EINVAL)
        rc = 0; /* an invalid name: the reads that follow name the part */
    else if (rc || mf__buf_adds(&path, "/index"))
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    else if (mf__path_exists(path.buf))
        rc = mf__err(err, MF_EEXIST,
                     "task '%s' already finished (its artifact index '%s' is committed) and is never run again; "
                     "start a new run, or resume this one",
                     t->pathspec, path.buf);
    mf__buf_release(&path);
    return rc;
}

int mf__task_main(const mf_flow *flow, const struct mf_graph *g, const struct mf_task_args *args)
{
    struct mf_task t;
    struct mf_task_root rs;
    struct mf_err err = MF_ERR_INIT;
    memset(&t, 0, sizeof(t));
    memset(&rs, 0, sizeof(rs));
    t.root = &t;
    t.rs = &rs;
    t.flow = flow;
    t.g = g;
    t.rs->args = args;
    t.rs->run_id = args->run_id;
    mf__index_init(&t.own);
    mf__index_init(&t.rs->params);
    int rc = task_identity(&t, &err);
    if (!rc)
        rc = mf__stack_validate(args->stack, &err);
    if (!rc)
        rc = mf__ds_open(args->root, flow->name, args->sync ? MF_DS_SYNC : 0, &t.rs->ds, &err);
    if (!rc)
        rc = task_not_committed(&t, &err);
    if (!rc)
        rc = mf__ds_read_index(t.rs->ds, args->run_id, "_parameters", "0", &t.rs->params, &err);
    if (rc == MF_ENOENT)
        mf__err(&err, rc, "run '%s' of flow '%s' has no parameters record in '%s': is the run id right?",
                args->run_id, flow->name, args->root);
    struct load_ctx lc = { &t, &err };
    if (!rc)
        rc = mf__input_paths_each(args->input_paths, load_input, &lc, &err);
    if (!rc)
        rc = task_check_inputs(&t, &err);
    if (!rc)
        rc = mf__task_gang_setup(&t, &err);
    if (rc)
        goto out;
    const mf_step *s = g->nodes[t.node].step;
    if (args->caught)
        store_caught(&t);
    else if (s->fn) {
        t.rs->in_step = true;
        s->fn(&t);
        t.rs->in_step = false;
    }
    fflush(stdout);
    rc = task_persist(&t, &err);
out:
    if (rc) {
        fflush(stdout);
        fprintf(stderr, "error: step '%s': %s\n", args->step, err.msg);
    }
    mf__task_release(&t);
    return rc ? (rc == MF_EINVAL || rc == MF_EPARSE ? MF_TASK_EXIT_USAGE : MF_TASK_EXIT_FAILED) : 0;
}
