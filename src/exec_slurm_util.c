/* SPDX-License-Identifier: Apache-2.0 */
/* exec_slurm_util.c - the Slurm backend's helpers: argv lists for sbatch and
 * srun (a task's resources as Slurm options), the console tail of the logs
 * the jobs write, Slurm's account of a failed job (state, reason, the tail of
 * its Slurm log), and batched scancel by job id. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "exec_slurm_impl.h"
#include "metaflow.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fsutil.h"

#define QUERY_TIMEOUT_S 60.0
#define CANCEL_BATCH 200
#define TAIL_CHUNK 65536
#define LOG_TAIL_BYTES 600 /* of the job's Slurm log, shown with a failure */
#define SETTLE_S 30.0      /* for a signalled job's final state (mf__slurm_explain) */

double mf__slurm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mf__slurm_set_why(struct mf_exit *x, const char *s)
{
    size_t n = strlen(s);
    if (n >= sizeof(x->why))
        n = sizeof(x->why) - 1;
    memcpy(x->why, s, n);
    x->why[n] = '\0';
}

uint64_t mf__slurm_rand(struct slurm_exec *ex)
{
    ex->rng ^= ex->rng << 13; /* xorshift64: jitter only */
    ex->rng ^= ex->rng >> 7;
    ex->rng ^= ex->rng << 17;
    return ex->rng;
}

const char *mf__slurm_first_line(struct mf_buf *b)
{
    size_t n = strcspn(b->buf, "\n");
    if (n < b->len) {
        b->buf[n] = '\0';
        b->len = n;
    }
    return n ? b->buf : "(no message)";
}

static void line_v(struct slurm_exec *ex, int fd, const char *head, const char *fmt, va_list ap)
{
    FILE *f = fd == 2 ? ex->cerr : ex->cout;
    if (!f)
        return;
    struct mf_buf b = MF_BUF_INIT;
    if (!mf__buf_adds(&b, head) && !mf__buf_vaddf(&b, fmt, ap) && !mf__buf_addch(&b, '\n')) {
        if (ex->console_fn)
            ex->console_fn(ex->console_ctx, fd, b.buf, b.len);
        else {
            fwrite(b.buf, 1, b.len, f);
            fflush(f);
        }
    }
    mf__buf_release(&b);
}

void mf__slurm_line(struct slurm_exec *ex, int fd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    line_v(ex, fd, "", fmt, ap);
    va_end(ap);
}

void mf__slurm_note(struct slurm_exec *ex, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    line_v(ex, 2, "slurm: ", fmt, ap);
    va_end(ap);
}

int mf__slurm_argv_add(struct mf_slurm_argv *a, const char *s)
{
    if (MF_GROW(a->v, a->cap, a->n + 2))
        return MF_ENOMEM;
    if (!(a->v[a->n] = mf__strdup(s)))
        return MF_ENOMEM;
    a->v[++a->n] = NULL;
    return 0;
}

int mf__slurm_argv_addf(struct mf_slurm_argv *a, const char *fmt, ...)
{
    struct mf_buf b = MF_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    int rc = mf__buf_vaddf(&b, fmt, ap);
    va_end(ap);
    if (!rc)
        rc = mf__slurm_argv_add(a, b.buf);
    mf__buf_release(&b);
    return rc;
}

void mf__slurm_argv_release(struct mf_slurm_argv *a)
{
    for (size_t i = 0; i < a->n; i++)
        mf__free(a->v[i]);
    mf__free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

int mf__slurm_res_args(struct slurm_exec *ex, struct mf_slurm_argv *a, const struct stask *t)
{
    const char *partition = t->partition ? t->partition : ex->so.partition;
    int rc = 0;
    if (partition && !ex->alloc)
        rc = rc || mf__slurm_argv_addf(a, "--partition=%s", partition);
    if (t->res.cpus > 0)
        rc = rc || mf__slurm_argv_addf(a, "--cpus-per-task=%d", t->res.cpus);
    if (t->res.memory_mb > 0)
        rc = rc || mf__slurm_argv_addf(a, "--mem=%" PRId64 "M", t->res.memory_mb);
    if (t->res.gpus > 0)
        rc = rc || (ex->so.gres_gpus ? mf__slurm_argv_addf(a, "--gres=gpu:%d", t->res.gpus)
                                     : mf__slurm_argv_addf(a, "--gpus=%d", t->res.gpus));
    double limit = t->res.time_limit_s > 0 ? t->res.time_limit_s : t->timeout_s;
    if (limit > 0) /* Slurm counts whole minutes: round up, never cut a step short */
        {
        long long minutes = (long long)(limit / 60.0);
        if ((double)minutes * 60.0 < limit)
            minutes++;
        rc = rc || mf__slurm_argv_addf(a, "--time=%lld", minutes);
    }
    return rc ? MF_ENOMEM : 0;
}

int mf__slurm_record_job(struct slurm_exec *ex, uint64_t job, struct mf_err *err)
{
    if (MF_GROW(ex->jobs, ex->jobs_cap, ex->njobs + 1))
        return mf__err(err, MF_ENOMEM, "out of memory");
    ex->jobs[ex->njobs++] = job;
    return 0;
}

int mf__slurm_tell_submitted(struct slurm_exec *ex, struct stask **tasks, size_t n, struct mf_err *err)
{
    if (!ex->on_submitted)
        return 0;
    void **tags = mf__calloc(n, sizeof(*tags));
    const char **ids = mf__calloc(n, sizeof(*ids));
    if (!tags || !ids) {
        mf__free(tags);
        mf__free(ids);
        return mf__err(err, MF_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        tags[i] = tasks[i]->tag;
        ids[i] = tasks[i]->x.job_id;
    }
    ex->on_submitted(ex->on_submitted_ctx, tags, ids, n);
    mf__free(tags);
    mf__free(ids);
    return 0;
}

void mf__slurm_set_state(struct slurm_exec *ex, struct stask *t, const char *state)
{
    (void)ex;
    snprintf(t->x.state, sizeof(t->x.state), "%s", state);
    size_t n = strlen(t->exit_path);
    if (n < 5 || strcmp(t->exit_path + n - 5, ".exit"))
        return;
    char *path = mf__strf("%.*s.slurm", (int)(n - 5), t->exit_path);
    char *text = mf__strf("%s %s\n", t->x.job_id[0] ? t->x.job_id : "-", state);
    if (path && text)
        (void)mf__write_atomic(path, text, strlen(text), 0, NULL);
    mf__free(path);
    mf__free(text);
}

/* scancel ids[0..n) in batches. */
static void cancel_ids(struct slurm_exec *ex, const uint64_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i += CANCEL_BATCH) {
        struct mf_slurm_argv a = { 0 };
        int rc = mf__slurm_argv_add(&a, "scancel");
        for (size_t j = i; !rc && j < n && j < i + CANCEL_BATCH; j++)
            rc = mf__slurm_argv_addf(&a, "%" PRIu64, ids[j]);
        struct mf_slurm_out r;
        struct mf_err err = MF_ERR_INIT;
        if (!rc && (mf__slurm_cmd(a.v, QUERY_TIMEOUT_S, &r, &err) || r.status != 0))
            mf__slurm_note(ex, "scancel failed: %s", err.msg[0] ? err.msg : mf__slurm_first_line(&r.err));
        if (!rc)
            mf__slurm_out_release(&r);
        mf__slurm_argv_release(&a);
    }
}

void mf__slurm_cancel_all(struct slurm_exec *ex, double since)
{
    uint64_t *ids = mf__calloc(ex->n + 1, sizeof(*ids));
    size_t k = 0;
    if (!ids) { /* out of memory: cancel everything ever submitted */
        cancel_ids(ex, ex->jobs, ex->njobs);
        return;
    }
    for (size_t i = 0; i < ex->n; i++) {
        const struct stask *t = ex->tasks[i];
        if (t->state != T_SUBMITTED || (since > 0 && t->cancelled_at > 0 && t->cancelled_at < since))
            continue;
        bool seen = false;
        for (size_t j = 0; j < k && !seen; j++)
            seen = ids[j] == t->job;
        if (!seen)
            ids[k++] = t->job;
    }
    cancel_ids(ex, ids, k);
    mf__free(ids);
}

void mf__slurm_cancel_job(struct slurm_exec *ex, uint64_t job) { cancel_ids(ex, &job, 1); }

void mf__slurm_job_str(const struct stask *t, char *buf, size_t size)
{
    if (t->idx >= 0)
        snprintf(buf, size, "%" PRIu64 "_%" PRId64, t->job, t->idx);
    else
        snprintf(buf, size, "%" PRIu64, t->job);
}

/* Prints complete lines of buf[0..n) (after the stream's pending part). */
static void print_lines(struct slurm_exec *ex, struct stask *t, int s, const char *prefix, const char *buf, size_t n,
                        bool final)
{
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(buf + i, '\n', n - i);
        if (!nl)
            break;
        mf__slurm_line(ex, s + 1, "%s%s%.*s", prefix, t->pending[s] ? t->pending[s] : "", (int)(nl - buf - (long)i),
                       buf + i);
        mf__free(t->pending[s]);
        t->pending[s] = NULL;
        i = (size_t)(nl - buf) + 1;
    }
    if (i < n) {
        char *joined = mf__strf("%s%.*s", t->pending[s] ? t->pending[s] : "", (int)(n - i), buf + i);
        mf__free(t->pending[s]);
        t->pending[s] = joined;
    }
    if (final && t->pending[s]) {
        mf__slurm_line(ex, s + 1, "%s%s", prefix, t->pending[s]);
        mf__free(t->pending[s]);
        t->pending[s] = NULL;
    }
}

void mf__slurm_tail(struct slurm_exec *ex, struct stask *t, bool final)
{
    if (t->state == T_QUEUED || t->state == T_DONE)
        return;
    char prefix[512], job[64];
    if (ex->alloc)
        snprintf(job, sizeof(job), "srun pid %ld", (long)t->srun);
    else
        mf__slurm_job_str(t, job, sizeof(job));
    snprintf(prefix, sizeof(prefix), "[%s (%s%s)] ", t->label, ex->alloc ? "" : "job ", job);
    const char *paths[2] = { t->out_log, t->err_log };
    FILE *cons[2] = { ex->cout, ex->cerr };
    for (int s = 0; s < 2; s++) {
        struct stat st;
        if (!cons[s] || stat(paths[s], &st) || st.st_size <= t->off[s])
            goto flush_pending;
        FILE *f = fopen(paths[s], "r");
        if (!f || fseeko(f, (off_t)t->off[s], SEEK_SET)) {
            if (f)
                fclose(f);
            goto flush_pending;
        }
        char *buf = mf__malloc(TAIL_CHUNK);
        size_t n;
        while (buf && (n = fread(buf, 1, TAIL_CHUNK, f)) > 0) {
            t->off[s] += (long long)n;
            print_lines(ex, t, s, prefix, buf, n, false);
        }
        mf__free(buf);
        fclose(f);
    flush_pending:
        if (cons[s] && final)
            print_lines(ex, t, s, prefix, "", 0, true);
    }
}

/* Slurm's record of the job: scontrol while the controller keeps it
 * (MinJobAge), else sacct (accounting, or the jobcomp file with -c). */
static void job_info(struct slurm_exec *ex, const struct stask *t, const char *job, struct mf_slurm_jobinfo *ji)
{
    (void)ex;
    memset(ji, 0, sizeof(*ji));
    struct mf_slurm_out r;
    char *sc[] = { (char *)"scontrol", (char *)"-o", (char *)"show", (char *)"job", (char *)job, NULL };
    if (!mf__slurm_cmd(sc, QUERY_TIMEOUT_S, &r, NULL) && r.status == 0 &&
        !mf__slurm_parse_job_record(r.out.buf, r.out.len, t->idx, ji)) {
        mf__slurm_out_release(&r);
        return;
    }
    mf__slurm_out_release(&r);
    char *sa[] = { (char *)"sacct", (char *)"-n", (char *)"-P", (char *)"-X", (char *)"-j", (char *)job,
                   (char *)"-o", (char *)"JobID,State,Reason,ExitCode", NULL };
    char *sac[] = { (char *)"sacct", (char *)"-c", (char *)"-n", (char *)"-P", (char *)"-j", (char *)job,
                    (char *)"-o", (char *)"JobID,State,ExitCode,ExitCode", NULL };
    char **tries[2] = { sa, sac };
    for (int i = 0; i < 2; i++) {
        if (!mf__slurm_cmd(tries[i], QUERY_TIMEOUT_S, &r, NULL) && r.status == 0 &&
            !mf__slurm_parse_sacct(r.out.buf, r.out.len, job, ji)) {
            mf__slurm_out_release(&r);
            return;
        }
        mf__slurm_out_release(&r);
    }
}

static bool state_final(const char *s)
{
    return s[0] && strcmp(s, "RUNNING") && strcmp(s, "COMPLETING") && strcmp(s, "PENDING") &&
           strcmp(s, "CONFIGURING") && strcmp(s, "SUSPENDED") && strcmp(s, "STAGE_OUT");
}

/* What a state means for the user, after the state's own word. */
static const char *state_words(const char *s)
{
    static const struct { const char *state, *words; } table[] = {
        { "TIMEOUT", "the job ran past its time limit (--time)" },
        { "OUT_OF_MEMORY", "the job used more memory than it asked for (--mem)" },
        { "CANCELLED", "the job was cancelled by someone else (scancel)" },
        { "PREEMPTED", "the job was preempted by a job of higher priority" },
        { "NODE_FAIL", "the node running the job failed" },
        { "BOOT_FAIL", "the node for the job failed to boot" },
        { "DEADLINE", "the job reached its deadline" },
        { "FAILED", "the job failed" },
        { "COMPLETED", "the job completed" },
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (!strcmp(s, table[i].state))
            return table[i].words;
    return "Slurm ended the job";
}

/* The last lines of the job's Slurm log, printed with the task's prefix. */
static void show_log_tail(struct slurm_exec *ex, const struct stask *t, const char *job)
{
    char *path = t->idx >= 0 ? mf__strf("%s/slurm-%" PRIu64 "_%" PRId64 ".log", ex->state_dir, t->job, t->idx)
                             : mf__strf("%s/slurm-%" PRIu64 ".log", ex->state_dir, t->job);
    struct mf_buf text = MF_BUF_INIT;
    if (path && !mf__read_file(path, &text, NULL) && text.len && ex->cerr) {
        size_t from = text.len > LOG_TAIL_BYTES ? text.len - LOG_TAIL_BYTES : 0;
        while (from > 0 && text.buf[from - 1] != '\n')
            from++;
        const char *p = text.buf + from;
        while (*p) {
            size_t n = strcspn(p, "\n");
            if (n)
                mf__slurm_line(ex, 2, "[%s (job %s)] slurm log: %.*s", t->label, job, (int)n, p);
            p += n + (p[n] == '\n');
        }
        mf__slurm_line(ex, 2, "[%s (job %s)] (Slurm's log of the job: %s)", t->label, job, path);
    }
    mf__buf_release(&text);
    mf__free(path);
}

void mf__slurm_explain(struct slurm_exec *ex, struct stask *t, bool had_exit_file)
{
    char job[64];
    struct mf_slurm_jobinfo ji;
    mf__slurm_job_str(t, job, sizeof(job));
    job_info(ex, t, job, &ji);
    /* The wrapper wrote its status just before the job ended, so Slurm may
     * still show it COMPLETING: ask again, less and less often, for up to
     * SETTLE_S (a loaded node can take seconds to report the job's end; the
     * 5 s this waited before was short). A state still unfinal is shown as is. */
    for (double nap = 0.25, waited = 0; had_exit_file && !state_final(ji.state) && waited < SETTLE_S;
         nap = nap * 2 > 2.0 ? 2.0 : nap * 2) {
        nanosleep(&(struct timespec){ (time_t)nap, (long)((nap - (double)(time_t)nap) * 1e9) }, NULL);
        waited += nap;
        job_info(ex, t, job, &ji);
    }
    if (!ji.state[0]) {
        snprintf(t->x.why, sizeof(t->x.why),
                 had_exit_file ? "job %s was signalled; Slurm no longer knows the job (no accounting)"
                               : "LOST: job %s left the queue without an exit file, and Slurm no longer knows it "
                                 "(MinJobAge passed and no accounting)",
                 job);
        if (!had_exit_file)
            mf__slurm_set_state(ex, t, "LOST");
    } else if (had_exit_file && (!strcmp(ji.state, "COMPLETED") || !strcmp(ji.state, "FAILED"))) {
        t->x.why[0] = '\0'; /* the step's own failure: its status says it all */
    } else {
        snprintf(t->x.why, sizeof(t->x.why), "%s: %s (job %s, reason %s, exit code %d:%d)", ji.state,
                 state_words(ji.state), job, ji.reason[0] ? ji.reason : "none", ji.exit_code, ji.exit_signal);
        t->x.timed_out = !strcmp(ji.state, "TIMEOUT");
        mf__slurm_set_state(ex, t, ji.state);
    }
    if (!had_exit_file || t->x.why[0])
        show_log_tail(ex, t, job);
}

void mf__slurm_stask_free(struct stask *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->argv && t->argv[i]; i++)
        mf__free(t->argv[i]);
    mf__free(t->argv);
    mf__free(t->label);
    mf__free(t->out_log);
    mf__free(t->err_log);
    mf__free(t->exit_path);
    mf__free(t->group);
    mf__free(t->partition);
    mf__free(t->pending[0]);
    mf__free(t->pending[1]);
    mf__free(t);
}

void mf__slurm_fail_tasks(struct stask **tasks, size_t n, const char *why)
{
    for (size_t i = 0; i < n; i++) {
        tasks[i]->state = T_DONE;
        tasks[i]->x.exited = true;
        tasks[i]->x.exit_code = -1;
        mf__slurm_set_why(&tasks[i]->x, why);
    }
}

int mf__slurm_gang_of(struct slurm_exec *ex, size_t i, struct stask **g)
{
    size_t n = ex->tasks[i]->gang_size;
    for (size_t k = 0; k < n; k++) {
        struct stask *u = i + k < ex->n ? ex->tasks[i + k] : NULL;
        if (!u || u->state != T_QUEUED || u->gang_size != n || u->gang_rank != k)
            return MF_EINVAL;
        g[k] = u;
    }
    return 0;
}
