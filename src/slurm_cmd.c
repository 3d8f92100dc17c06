/* SPDX-License-Identifier: Apache-2.0 */
/* slurm_cmd.c - runs Slurm's commands (sbatch, squeue, scancel, scontrol,
 * sacct) as argv without a shell, and parses what they print. The parsers
 * take untrusted text (another Slurm version, a site's wrapper scripts) and
 * are fuzzed: they never read past `len` and refuse what they do not know. */
#define _GNU_SOURCE /* pipe2 */
#include "slurm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "metaflow.h"

extern char **environ;

#define OUT_CAP (1024 * 1024)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mf__slurm_out_release(struct mf_slurm_out *r)
{
    mf__buf_release(&r->out);
    mf__buf_release(&r->err);
}

static int spawn(char *const argv[], int out_w, int err_w, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc)
        return rc;
    if (!(rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) &&
        !(rc = posix_spawn_file_actions_adddup2(&fa, out_w, 1)) && !(rc = posix_spawn_file_actions_adddup2(&fa, err_w, 2)))
        rc = posix_spawnp(pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

/* Reads what is ready on fds[0..2) into the buffers; closes a pipe at EOF. */
static int drain(struct pollfd *p, struct mf_buf *bufs[2])
{
    char chunk[8192];
    for (int i = 0; i < 2; i++) {
        if (p[i].fd < 0 || !p[i].revents)
            continue;
        ssize_t n = read(p[i].fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(p[i].fd);
            p[i].fd = -1;
        } else if (bufs[i]->len < OUT_CAP && mf__buf_add(bufs[i], chunk, (size_t)n)) {
            return MF_ENOMEM;
        }
    }
    return 0;
}

int mf__slurm_cmd(char *const argv[], double timeout_s, struct mf_slurm_out *r, struct mf_err *err)
{
    int out_p[2] = { -1, -1 }, err_p[2] = { -1, -1 }, rc = 0;
    pid_t pid = -1;
    mf__buf_init(&r->out);
    mf__buf_init(&r->err);
    r->status = -1;
    if (pipe2(out_p, O_CLOEXEC) || pipe2(err_p, O_CLOEXEC)) {
        rc = mf__err_errno(err, MF_EIO, errno, "cannot run '%s'", argv[0]);
        goto out;
    }
    int src = spawn(argv, out_p[1], err_p[1], &pid);
    close(out_p[1]);
    close(err_p[1]);
    out_p[1] = err_p[1] = -1;
    if (src) {
        pid = -1;
        rc = src == ENOENT ? mf__err(err, MF_ENOENT, "'%s' not found on PATH: is Slurm's client installed here?", argv[0])
                           : mf__err_errno(err, MF_EIO, src, "cannot run '%s'", argv[0]);
        goto out;
    }
    struct pollfd p[2] = { { out_p[0], POLLIN, 0 }, { err_p[0], POLLIN, 0 } };
    struct mf_buf *bufs[2] = { &r->out, &r->err };
    out_p[0] = err_p[0] = -1; /* owned by p[] now */
    double deadline = now_s() + timeout_s;
    bool killed = false;
    while (p[0].fd >= 0 || p[1].fd >= 0) {
        double left = deadline - now_s();
        if (left <= 0 && !killed) {
            kill(pid, SIGKILL);
            killed = true;
        }
        int n = poll(p, 2, left > 0 ? (int)(left * 1000) + 1 : 100);
        if (n < 0 && errno != EINTR)
            break;
        if (n > 0 && (rc = drain(p, bufs)))
            break;
    }
    for (int i = 0; i < 2; i++)
        if (p[i].fd >= 0)
            close(p[i].fd);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    pid = -1;
    if (rc) {
        rc = mf__err(err, rc, "out of memory");
        goto out;
    }
    if (killed)
        rc = mf__err(err, MF_ETIMEDOUT, "'%s' did not finish within %g s", argv[0], timeout_s);
    else
        r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
out:
    for (int i = 0; i < 2; i++) {
        if (out_p[i] >= 0)
            close(out_p[i]);
        if (err_p[i] >= 0)
            close(err_p[i]);
    }
    return rc;
}

/* ---- parsers ---- */

/* Parses a decimal unsigned integer at s[*i..len); 0 digits is an error. */
static int parse_u64(const char *s, size_t len, size_t *i, uint64_t *v)
{
    size_t start = *i;
    uint64_t x = 0;
    while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
        unsigned d = (unsigned)(s[*i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return MF_EPARSE;
        x = x * 10 + d;
        (*i)++;
    }
    *v = x;
    return *i > start ? 0 : MF_EPARSE;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int mf__slurm_parse_jobid(const char *text, size_t len, uint64_t *id)
{
    size_t i = 0;
    while (i < len && is_space(text[i]))
        i++;
    if (parse_u64(text, len, &i, id) || *id == 0)
        return MF_EPARSE;
    if (i < len && text[i] == ';') /* ";CLUSTER" on a federated or multi-cluster site */
        while (i < len && !is_space(text[i]))
            i++;
    while (i < len && is_space(text[i]))
        i++;
    return i == len ? 0 : MF_EPARSE;
}

int mf__slurm_config_int(const char *text, size_t len, const char *key, int64_t *val)
{
    size_t klen = strlen(key), i = 0;
    while (i < len) {
        size_t eol = i;
        while (eol < len && text[eol] != '\n')
            eol++;
        if (eol - i > klen && !memcmp(text + i, key, klen) && (text[i + klen] == ' ' || text[i + klen] == '=')) {
            size_t j = i + klen;
            while (j < eol && text[j] == ' ')
                j++;
            if (j >= eol || text[j] != '=')
                return MF_EPARSE;
            j++;
            while (j < eol && text[j] == ' ')
                j++;
            uint64_t v;
            if (parse_u64(text, eol, &j, &v) || v > INT64_MAX)
                return MF_EPARSE;
            *val = (int64_t)v;
            return 0;
        }
        i = eol + 1;
    }
    return MF_ENOENT;
}

/* Copies the field s[a..b) into dst (truncated, NUL-terminated). */
static void copy_field(char *dst, size_t cap, const char *s, size_t a, size_t b)
{
    size_t n = b - a < cap - 1 ? b - a : cap - 1;
    memcpy(dst, s + a, n);
    dst[n] = '\0';
}

/* "[4-199%16]" or "[1,5-7]" at s[i..end) into row's ranges. */
static int parse_ranges(const char *s, size_t end, size_t i, struct mf_slurm_qrow *row)
{
    if (i >= end || s[i] != '[')
        return MF_EPARSE;
    i++;
    for (;;) {
        uint64_t lo, hi;
        if (parse_u64(s, end, &i, &lo) || lo > INT64_MAX)
            return MF_EPARSE;
        hi = lo;
        if (i < end && s[i] == '-') {
            i++;
            if (parse_u64(s, end, &i, &hi) || hi < lo || hi > INT64_MAX)
                return MF_EPARSE;
        }
        if (row->nranges < 8) {
            row->lo[row->nranges] = (int64_t)lo;
            row->hi[row->nranges++] = (int64_t)hi;
        } else {
            row->more = true;
        }
        if (i < end && s[i] == ',') {
            i++;
            continue;
        }
        break;
    }
    if (i < end && s[i] == '%') { /* the throttle */
        uint64_t w;
        i++;
        if (parse_u64(s, end, &i, &w))
            return MF_EPARSE;
    }
    return i + 1 == end && s[i] == ']' ? 0 : MF_EPARSE;
}

int mf__slurm_parse_squeue_line(const char *line, size_t len, struct mf_slurm_qrow *row)
{
    memset(row, 0, sizeof(*row));
    while (len && is_space(line[len - 1]))
        len--;
    size_t bar1 = 0;
    while (bar1 < len && line[bar1] != '|')
        bar1++;
    size_t bar2 = bar1 + 1;
    while (bar2 < len && line[bar2] != '|')
        bar2++;
    if (bar1 >= len || bar2 >= len)
        return MF_EPARSE;
    size_t i = 0;
    if (parse_u64(line, bar1, &i, &row->job) || row->job == 0)
        return MF_EPARSE;
    if (i < bar1) {
        if (line[i] != '_' || ++i >= bar1)
            return MF_EPARSE;
        row->array = true;
        if (line[i] == '[') {
            if (parse_ranges(line, bar1, i, row))
                return MF_EPARSE;
        } else {
            uint64_t idx;
            if (parse_u64(line, bar1, &i, &idx) || i != bar1 || idx > INT64_MAX)
                return MF_EPARSE;
            row->lo[0] = row->hi[0] = (int64_t)idx;
            row->nranges = 1;
        }
    }
    for (size_t j = bar1 + 1; j < bar2; j++) /* a state is an upper-case word: PENDING, RUNNING, ... */
        if (!((line[j] >= 'A' && line[j] <= 'Z') || line[j] == '_'))
            return MF_EPARSE;
    if (bar2 == bar1 + 1)
        return MF_EPARSE;
    copy_field(row->state, sizeof(row->state), line, bar1 + 1, bar2);
    copy_field(row->reason, sizeof(row->reason), line, bar2 + 1, len);
    return 0;
}

bool mf__slurm_qrow_has(const struct mf_slurm_qrow *row, uint64_t job, int64_t idx)
{
    if (row->job != job)
        return false;
    if (!row->array)
        return true; /* a plain job, or an array not yet split into tasks */
    if (row->more && idx >= row->lo[0])
        return true;
    for (size_t i = 0; i < row->nranges; i++)
        if (idx >= row->lo[i] && idx <= row->hi[i])
            return true;
    return false;
}

/* The value of " KEY=" within s[a..b) (up to the next space), or false. */
static bool kv_find(const char *s, size_t a, size_t b, const char *key, size_t *va, size_t *vb)
{
    size_t klen = strlen(key);
    for (size_t i = a; i + klen < b; i++) {
        if ((i == a || s[i - 1] == ' ') && !memcmp(s + i, key, klen) && s[i + klen] == '=') {
            *va = i + klen + 1;
            *vb = *va;
            while (*vb < b && s[*vb] != ' ')
                (*vb)++;
            return true;
        }
    }
    return false;
}

/* "N:M" exit code and signal. */
static void parse_exitcode(const char *s, size_t a, size_t b, struct mf_slurm_jobinfo *ji)
{
    uint64_t code = 0, sig = 0;
    size_t i = a;
    if (!parse_u64(s, b, &i, &code) && i < b && s[i] == ':') {
        i++;
        if (!parse_u64(s, b, &i, &sig) && code <= 255 && sig <= 255) {
            ji->exit_code = (int)code;
            ji->exit_signal = (int)sig;
        }
    }
}

int mf__slurm_parse_job_record(const char *text, size_t len, int64_t idx, struct mf_slurm_jobinfo *ji)
{
    memset(ji, 0, sizeof(*ji));
    size_t i = 0;
    while (i < len) {
        size_t eol = i, va, vb;
        while (eol < len && text[eol] != '\n')
            eol++;
        bool match = idx < 0;
        if (!match && kv_find(text, i, eol, "ArrayTaskId", &va, &vb)) {
            uint64_t v;
            size_t j = va;
            match = !parse_u64(text, vb, &j, &v) && j == vb && (int64_t)v == idx;
        }
        if (match && kv_find(text, i, eol, "JobState", &va, &vb)) {
            copy_field(ji->state, sizeof(ji->state), text, va, vb);
            if (kv_find(text, i, eol, "Reason", &va, &vb))
                copy_field(ji->reason, sizeof(ji->reason), text, va, vb);
            if (kv_find(text, i, eol, "ExitCode", &va, &vb))
                parse_exitcode(text, va, vb, ji);
            return 0;
        }
        i = eol + 1;
    }
    return MF_ENOENT;
}

int mf__slurm_parse_sacct(const char *text, size_t len, const char *jobid, struct mf_slurm_jobinfo *ji)
{
    memset(ji, 0, sizeof(*ji));
    size_t idlen = strlen(jobid), i = 0;
    while (i < len) {
        size_t eol = i;
        while (eol < len && text[eol] != '\n')
            eol++;
        if (eol - i > idlen && !memcmp(text + i, jobid, idlen) && text[i + idlen] == '|') {
            size_t f[4] = { i + idlen + 1, 0, 0, 0 }, nf = 1;
            for (size_t j = f[0]; j < eol && nf < 4; j++)
                if (text[j] == '|')
                    f[nf++] = j + 1;
            if (nf < 3)
                return MF_EPARSE;
            size_t se = f[0];
            while (se < eol && text[se] != '|' && text[se] != ' ')
                se++;
            copy_field(ji->state, sizeof(ji->state), text, f[0], se);
            size_t re = f[1];
            while (re < eol && text[re] != '|')
                re++;
            copy_field(ji->reason, sizeof(ji->reason), text, f[1], re);
            size_t ee = f[2];
            while (ee < eol && text[ee] != '|' && text[ee] != '\r')
                ee++;
            parse_exitcode(text, f[2], ee, ji);
            return 0;
        }
        i = eol + 1;
    }
    return MF_ENOENT;
}

bool mf__slurm_transient(const char *s)
{
    static const char *const transient[] = {
        "timed out", "Timed out", "temporarily unavailable", "Temporarily unavailable", "MaxJobCount",
        "MaxSubmitJobs", "MaxSubmitJob", "Unable to contact slurm controller", "Connection refused",
        "Zero Bytes were transmitted", "temporarily unable", "try again", "Try again", "Slurmctld is busy", "Socket timed out",
    };
    for (size_t i = 0; i < sizeof(transient) / sizeof(transient[0]); i++)
        if (strstr(s, transient[i]))
            return true;
    return false;
}

const char *mf__slurm_never_runs(const char *reason)
{
    /* Both come from the partition's configured limits (MaxNodes and its node
     * count, MaxTime), which only an administrator changes; a job waiting on
     * resources, priority or a down node gets other reasons. */
    static const struct { const char *reason, *words; } never[] = {
        { "PartitionNodeLimit", "it asks for more nodes than its partition has or allows" },
        { "PartitionTimeLimit", "it asks for more time than its partition allows" },
    };
    for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
        if (!strcmp(reason, never[i].reason))
            return never[i].words;
    return NULL;
}

bool mf__slurm_status_split(int status, int *exit_code, int *signal)
{
    bool exited = status < 128;
    *exit_code = exited ? status : -1;
    *signal = exited ? 0 : status - 128;
    return exited;
}

int mf__slurm_parse_exit_file(const char *text, size_t len, int *status, char sig[8], char job[32])
{
    size_t i = 0;
    uint64_t v;
    sig[0] = '\0';
    if (job)
        job[0] = '\0';
    if (parse_u64(text, len, &i, &v) || v > 255)
        return MF_EPARSE;
    *status = (int)v;
    if (i < len && text[i] == ' ') {
        size_t a = ++i;
        while (i < len && ((text[i] >= 'A' && text[i] <= 'Z') || (text[i] >= '0' && text[i] <= '9')) && i - a < 7)
            i++;
        copy_field(sig, 8, text, a, i);
    }
    if (i < len && text[i] == ' ') { /* the job id: "12", "12_3" (array task), "12.4" (job step) */
        size_t a = ++i;
        while (i < len && ((text[i] >= '0' && text[i] <= '9') || text[i] == '_' || text[i] == '.') && i - a < 31)
            i++;
        if (job)
            copy_field(job, 32, text, a, i);
    }
    return i + 1 == len && text[i] == '\n' ? 0 : MF_EPARSE;
}
