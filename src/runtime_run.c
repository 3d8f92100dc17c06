/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime_run.c - a run's beginning and end: its id, metadata record and
 * parameters; the console's progress and failure reports.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buildid.h"
#include "cas.h"
#include "json.h"
#include "liveness.h"
#include "run_record.h"
#include "runtime_impl.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fsutil.h"

/* A signal's name and, for the task's log, what it means in words; our own
 * table, not strsignal(), so the log reads the same under any locale. */
static const char *signal_name(int sig, const char **words)
{
    const char *w = NULL, *name = NULL;
    switch (sig) {
    case SIGSEGV: name = "SIGSEGV", w = "segmentation fault"; break;
    case SIGABRT: name = "SIGABRT", w = "aborted"; break;
    case SIGKILL: name = "SIGKILL", w = "killed"; break;
    case SIGTERM: name = "SIGTERM", w = "terminated"; break;
    case SIGINT: name = "SIGINT", w = "interrupted"; break;
    case SIGBUS: name = "SIGBUS", w = "bus error"; break;
    case SIGFPE: name = "SIGFPE", w = "floating-point exception"; break;
    case SIGILL: name = "SIGILL", w = "illegal instruction"; break;
    case SIGPIPE: name = "SIGPIPE", w = "broken pipe"; break;
    case SIGHUP: name = "SIGHUP", w = "hangup"; break;
    default: break;
    }
    if (words)
        *words = w;
    return name;
}

void mf__log_signal_death(struct sched *s, const struct stask *t, int sig)
{
    char line[128];
    const char *words;
    const char *name = signal_name(sig, &words);
    if (name)
        snprintf(line, sizeof(line), "task failed: %s (%s)", words, name);
    else
        snprintf(line, sizeof(line), "task failed: killed by signal %d", sig);
    mf__append_task_log(s, t, "stderr", line);
}

void mf__describe_exit(const struct mf_exit *x, char *buf, size_t size)
{
    const char *name = x->exited ? NULL : signal_name(x->signal, NULL);
    if (x->why[0] && ((x->exited && x->exit_code < 0) || (!x->exited && x->signal == 0))) {
        snprintf(buf, size, "%s", x->why); /* no status of its own: the backend's words say it all */
        return;
    }
    if (x->exited)
        snprintf(buf, size, "exit code %d", x->exit_code);
    else if (name)
        snprintf(buf, size, "signal %s", name);
    else
        snprintf(buf, size, "signal %d", x->signal);
    size_t len = strlen(buf);
    if (x->why[0] && len + 4 < size)
        snprintf(buf + len, size - len, " (%s)", x->why);
}

void mf__append_task_log(struct sched *s, const struct stask *t, const char *stream, const char *line)
{
    char id[32];
    struct mf_buf path = MF_BUF_INIT;
    snprintf(id, sizeof(id), "%" PRIu64, t->id);
    if (!mf__ds_log_path(s->ds, s->run_id, s->g->nodes[t->node].name, id, t->attempt, stream, &path)) {
        FILE *f = fopen(path.buf, "a");
        if (f) {
            fprintf(f, "%s\n", line);
            fclose(f);
        }
    }
    mf__buf_release(&path);
}

/* Tasks known but not started (queued, a foreach's items not yet made, a
 * retry's delay): what the console counts as waiting. */
void mf__progress(struct sched *s)
{
    mf__console_set_queued(s->con, mf__exec_queued(s->ex));
    mf__console_tick(s->con, mf__queued(s) + s->ndelayed);
}

/* Prints the tail of the failed task's stderr. Returns the foreach width the
 * task asked --max-num-splits to be raised to, or 0 (see mf__report_failure). */
static long long print_stderr_tail(struct sched *s, const struct stask *t)
{
    static const char raise[] = "raise it with --max-num-splits ";
    long long width = 0;
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
        mf__console_say(s->con, MF_CON_INFO, "    its last lines of stderr:");
        for (char *line = text.buf + start; *line;) {
            char *nl = strchr(line, '\n');
            size_t len = nl ? (size_t)(nl - line) : strlen(line);
            mf__console_say(s->con, MF_CON_INFO, "      %.*s", (int)len, line);
            line += len + (nl ? 1 : 0);
        }
        const char *hit = strstr(text.buf + start, raise);
        width = hit ? strtoll(hit + strlen(raise), NULL, 10) : 0;
    }
    mf__buf_release(&path);
    mf__buf_release(&text);
    return width;
}

/* Appends `word` as one shell word: bare when no shell gives any of its
 * characters a meaning, else in single quotes (a quote as '\''). */
static void shell_word(struct mf_buf *b, const char *word)
{
    static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=/.,:@%";
    if (*word && strspn(word, plain) == strlen(word)) {
        mf__buf_adds(b, word);
        return;
    }
    mf__buf_adds(b, "'");
    for (const char *p = word; *p; p++) {
        if (*p == '\'')
            mf__buf_adds(b, "'\\''");
        else
            mf__buf_add(b, p, 1);
    }
    mf__buf_adds(b, "'");
}

/* The line that re-runs task STEP/ID of this run alone: `spin`, which runs
 * it in its own process (so under gdb or valgrind too) from what this run
 * recorded, into a scratch run. Not the task's `step` line, which would
 * write into this run. Runnable as printed: the root is absolute, words are
 * quoted, and a --max-num-splits other than the default is carried. */
static void say_spin_line(struct sched *s, const char *step, uint64_t id)
{
    struct mf_buf cmd = MF_BUF_INIT, task = MF_BUF_INIT;
    mf__buf_addf(&task, "%s/%s/%" PRIu64, s->run_id, step, id);
    shell_word(&cmd, s->o->prog);
    mf__buf_adds(&cmd, " spin ");
    shell_word(&cmd, task.buf);
    mf__buf_adds(&cmd, " --datastore-root ");
    shell_word(&cmd, s->o->root);
    if (s->o->max_num_splits != MF_MAX_NUM_SPLITS_DEFAULT)
        mf__buf_addf(&cmd, " --max-num-splits %" PRId64, s->o->max_num_splits);
    mf__console_say(s->con, MF_CON_INFO, "To re-run task %s alone (under gdb or valgrind too): %s", task.buf, cmd.buf);
    mf__buf_release(&cmd);
    mf__buf_release(&task);
}

/* Each task that failed after the first, with its line; then how many more. */
static void say_also_failed(struct sched *s)
{
    size_t said = 0;
    for (char *line = s->also_failed.buf; line && *line; said++) {
        char *nl = strchr(line, '\n'), *slash = nl ? memchr(line, '/', (size_t)(nl - line)) : NULL;
        if (!slash)
            break;
        *slash = *nl = '\0';
        mf__console_say(s->con, MF_CON_FAIL, "Task %s/%s/%s failed too", s->run_id, line, slash + 1);
        say_spin_line(s, line, strtoull(slash + 1, NULL, 10));
        line = nl + 1;
    }
    if (s->nalso_failed > said)
        mf__console_say(s->con, MF_CON_FAIL, "... and %zu more task(s) failed too ('report %s' shows every task)",
                        s->nalso_failed - said, s->run_id);
}

void mf__report_failure(struct sched *s, int interrupted_by)
{
    struct mf_console *out = s->con;
    long long width = 0;
    if (interrupted_by)
        mf__console_say(out, MF_CON_FAIL, "Run %s was interrupted by %s: its running tasks were stopped", s->run_id,
                interrupted_by == SIGTERM ? "SIGTERM" : interrupted_by == SIGINT ? "SIGINT" : "a signal");
    if (s->failed && !s->failed_while_stopping) {
        const struct stask *t = s->failed;
        mf__console_say(out, MF_CON_FAIL, "Task %s/%s/%" PRIu64 " failed: %s", s->run_id, s->g->nodes[t->node].name, t->id,
                s->failed_why);
        width = print_stderr_tail(s, t);
        say_spin_line(s, s->g->nodes[t->node].name, t->id);
        say_also_failed(s);
    }
    mf__console_say(out, MF_CON_FAIL, "Run %s of %s failed after %.2f s: %zu task(s) succeeded, %zu cloned; nothing "
                    "after the %s was started.",
            s->run_id, s->flow->name, mf__now() - s->t0, s->succeeded, s->cloned,
            interrupted_by ? "interrupt" : "failure");
    /* A foreach wider than --max-num-splits fails the same way on resume
     * unless the limit is raised: the line carries the width the task named. */
    if (width > 0)
        mf__console_say(out, MF_CON_INFO, "To resume from where it failed: %s resume --origin-run-id %s "
                        "--max-num-splits %lld", s->o->prog, s->run_id, width);
    else
        mf__console_say(out, MF_CON_INFO, "To resume from where it failed: %s resume --origin-run-id %s", s->o->prog,
                        s->run_id);
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
        const char *name = mf_value_key_at(params, i);
        rc = mf__ds_store(s->ds, name, mf_value_key(params, name), &a, err);
        if (!rc && mf__index_put(&ix, &a))
            rc = mf__err(err, MF_ENOMEM, "out of memory");
        mf__artifact_release(&a);
    }
    if (!rc)
        rc = mf__ds_write_index(s->ds, s->run_id, "_parameters", "0", &ix, err);
    mf__index_release(&ix);
    return rc;
}

/* The parameters as JSON for the run record: given ones for a new run, the
 * origin's for a resume. */
static int params_json(struct sched *s, const mf_value *params, char **out, struct mf_err *err)
{
    struct mf_buf doc = MF_BUF_INIT;
    if (!s->o->origin_run_id) {
        if (mf__json_dump(params, &doc))
            return mf__err(err, MF_ENOMEM, "out of memory");
        *out = mf__buf_detach(&doc, NULL);
        return *out ? 0 : mf__err(err, MF_ENOMEM, "out of memory");
    }
    struct mf_meta_run origin;
    memset(&origin, 0, sizeof(origin));
    int rc = mf__meta_run(s->meta, s->flow->name, s->o->origin_run_id, &origin, err);
    if (!rc) {
        *out = mf__strdup(origin.params_json ? origin.params_json : "{}");
        rc = *out ? 0 : mf__err(err, MF_ENOMEM, "out of memory");
    }
    mf__meta_run_release(&origin);
    return rc;
}

struct claim_ctx {
    struct sched *s;
    const mf_value *params;
    const struct mf_meta_run *rec;
};

/* Makes the place of the new run `run_id` while the metadata's write lock
 * is held: its directory, then its parameters (a resume's are its
 * origin's), so that a recorded run always has them, and the copy of its
 * tags and origin that `metadata rebuild` reads (run_record.h). */
static int claim_run(void *arg, const char *run_id, struct mf_err *err)
{
    struct claim_ctx *c = arg;
    int rc = mf__ds_claim_run(c->s->ds, run_id, err);
    if (rc)
        return rc; /* MF_EEXIST: a directory no run record names; next id */
    c->s->run_id = run_id;
    rc = c->s->o->origin_run_id ? mf__resume_copy_params(c->s, err) : write_params(c->s, c->params, err);
    if (!rc)
        rc = mf__run_record_write(c->s->o->root, c->s->flow->name, run_id, c->rec->sys_tags, c->rec->nsys_tags,
                                  c->rec->tags, c->rec->ntags, c->rec->origin_run_id, err);
    c->s->run_id = NULL;
    return rc == MF_EEXIST ? MF_EIO : rc;
}

int mf__run_begin(struct sched *s, const mf_value *params, char **run_id, struct mf_err *err)
{
    char build[MF_BUILD_ID_MAX];
    char *pjson = NULL, **sys = NULL;
    size_t ntags = 0, nsys = 0;
    double start = mf__epoch_now();
    while (s->o->tags && s->o->tags[ntags])
        ntags++;
    int rc = mf__meta_open(s->o->root, false, &s->meta, err);
    if (!rc)
        rc = params_json(s, params, &pjson, err);
    if (!rc && mf__meta_system_tags(mf__user_name(), MF_RUNTIME_DEV, start, &sys, &nsys))
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    if (rc)
        goto out;
    mf__build_id(s->o->exe, build);
    struct mf_proc_id self;
    mf__proc_id_self(&self);
    struct mf_meta_run r = { .flow = (char *)s->flow->name, .status = (char *)"running",
                             .user = (char *)mf__user_name(), .params_json = pjson,
                             .origin_run_id = (char *)s->o->origin_run_id, .build_id = build,
                             .start = start, .tags = (char **)s->o->tags, .ntags = ntags,
                             .sys_tags = sys, .nsys_tags = nsys,
                             .host = self.host, .pid = self.pid, .pid_start = self.start };
    struct claim_ctx cc = { s, params, &r };
    /* s->run_id is set only once the run is recorded: a run that fails to
     * start records nothing, and never finishes another run's record. */
    rc = mf__meta_run_allocate(s->meta, &r, claim_run, &cc, run_id, err);
    if (!rc)
        s->run_id = *run_id;
    /* --run-id-file: for a script driving the run, before any task starts. */
    struct mf_err why = MF_ERR_INIT;
    if (!rc && s->o->run_id_file &&
        (rc = mf__write_atomic(s->o->run_id_file, *run_id, strlen(*run_id), MF_SYNC_DATA, &why)) != 0)
        rc = mf__err(err, rc, "cannot write the run id to --run-id-file '%s': %s", s->o->run_id_file, why.msg);
out:
    mf__free(pjson);
    mf_strv_free(sys);
    return rc;
}

void mf__run_end(struct sched *s, bool ok)
{
    struct mf_err err = MF_ERR_INIT;
    if (s->meta && s->run_id &&
        mf__meta_run_finish(s->meta, s->flow->name, s->run_id, ok ? "succeeded" : "failed", mf__epoch_now(), &err))
        mf__console_say(s->con, MF_CON_ERROR, "warning: %s", err.msg);
}
