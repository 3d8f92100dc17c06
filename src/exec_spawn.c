/* SPDX-License-Identifier: Apache-2.0 */
/* exec_spawn.c - the local executor backends (exec.h): start each task as
 * its own process group (posix_spawn here: "spawn"; or a launcher given by
 * another backend, exec_fork.c's fork server: "fork"), stream its
 * stdout/stderr through one poll() loop, enforce its timeout, reap it. Knows
 * nothing of flows. Invariants: docs/internals/exec.md. */
#define _GNU_SOURCE /* glibc declares pipe2 (POSIX 2024) only here */
#include "exec_local.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "metaflow.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fsutil.h"

extern char **environ;

#define MS_NS ((int64_t)1000000)
#define LINE_MAX_BYTES (64 * 1024)   /* longer console lines are split */
#define READ_CHUNK (64 * 1024)       /* one read() per ready pipe per poll round */
#define PENDING_KEEP 8192            /* a larger partial-line buffer is freed once used */
#define GRACE_NS (100 * MS_NS)       /* pipes stay open this long after the child exits */
#define RECHECK_NS (100 * MS_NS)     /* exit check period while a pipe is still open */
#define DRAIN_READS 16               /* reads allowed when closing a pipe after the grace */
#define EXIT_WAIT_NS (MS_NS)         /* brief wait for the exit right after both EOFs */

struct child;

struct stream {
    struct child *kid;
    int fd;                /* read end of the pipe; -1 once closed */
    int log_fd;            /* -1: not open (yet), or dropped after a write error */
    char *log_path;        /* created on the first byte: a silent stream costs no file */
    FILE *console;         /* NULL: not printed */
    struct mf_buf pending; /* bytes of the current line so far (<= LINE_MAX_BYTES) */
};

struct child {
    pid_t pid;
    struct mf_buf prefix; /* "[LABEL (pid N)] " */
    struct stream out, err;
    int64_t deadline_ns;   /* SIGTERM at this time; 0 = no timeout */
    int64_t kill_ns;       /* SIGKILL at this time; 0 = not scheduled */
    int64_t exited_ns;     /* when the exit was seen; 0 = running */
    int64_t check_ns;      /* next waitid() */
    int64_t check_step_ns; /* back-off between checks once both pipes closed */
    bool lost;             /* ECHILD: reaped by someone else, pid not ours anymore */
    bool clean_exit;       /* it exited with code 0 (seen by waitid before the reap) */
    struct mf_exit status; /* tag, pid, timed_out, log_errno filled as we go */
};

struct spawn_exec {
    struct mf_exec base; /* first: the handle the scheduler holds */
    struct mf_exec_ops ops;
    mf__launch_fn launch; /* starts one child (mf__spawn_child by default) */
    void *launch_state;
    void (*launch_free)(void *state);
    int64_t kill_grace_ns; /* timeout: SIGTERM -> SIGKILL */
    FILE *console_out;
    FILE *console_err;
    bool console_gone; /* a console write failed with EPIPE: nobody reads it */
    void (*console_fn)(void *ctx, int fd, const char *text, size_t len); /* NULL: fwrite */
    void *console_ctx;
    size_t capacity;   /* tasks the open-file limit allows at once; 0: no limit */
    struct child **kids; /* started, not yet returned by wait() */
    size_t nkids, kids_cap;
    struct pollfd *pfds; /* rebuilt each round: every open pipe */
    struct stream **pfd_streams;
    size_t pfds_cap, pfd_streams_cap;
    struct mf_buf batch; /* console text of one read, written with one fwrite */
    char readbuf[READ_CHUNK];
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int errno_code(int e)
{
    return e == ENOENT ? MF_ENOENT : e == ENOMEM ? MF_ENOMEM : MF_EIO;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* The pid is never reaped before the child record is freed, so the group id
 * cannot have been reused. A child that moved to another group still gets
 * the signal itself. */
static void signal_group(struct child *kid, int sig)
{
    if (kid->lost)
        return;
    if (kill(-kid->pid, sig) < 0 && errno == ESRCH)
        kill(kid->pid, sig);
}

/* ---------------------------------------------------------------- */
/* Output: logs verbatim, console line by line                      */
/* ---------------------------------------------------------------- */

static void note_log_error(struct stream *s, int e)
{
    if (!s->kid->status.log_errno)
        s->kid->status.log_errno = e ? e : EIO;
    close_fd(&s->log_fd);
}

static void log_append(struct stream *s, const char *data, size_t n)
{
    if (s->log_fd < 0 && s->log_path && n > 0) {
        /* Files cost more than bytes here: most tasks print nothing on one
         * stream or both, so the log file is made when output arrives. */
        s->log_fd = open(s->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (s->log_fd < 0)
            note_log_error(s, errno);
        mf__free(s->log_path);
        s->log_path = NULL;
    }
    while (n > 0 && s->log_fd >= 0) {
        ssize_t w = write(s->log_fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            note_log_error(s, w < 0 ? errno : EIO);
            return;
        }
        data += w;
        n -= (size_t)w;
    }
}

/* Appends "PREFIX" + pending + data + "\n" to the batch. Console output is
 * best effort: without memory for the batch the line is not printed (the log
 * has it). */
static void emit_line(struct spawn_exec *ex, struct stream *s, const char *data, size_t len)
{
    struct mf_buf *prefix = &s->kid->prefix;
    if (mf__buf_grow(&ex->batch, prefix->len + s->pending.len + len + 1) == 0) {
        mf__buf_add(&ex->batch, prefix->buf, prefix->len);
        mf__buf_add(&ex->batch, s->pending.buf, s->pending.len);
        mf__buf_add(&ex->batch, data, len);
        mf__buf_addch(&ex->batch, '\n');
    }
    if (s->pending.cap > PENDING_KEEP)
        mf__buf_release(&s->pending);
    else
        mf__buf_reset(&s->pending);
}

static void console_write(struct spawn_exec *ex, FILE *console)
{
    if (ex->batch.len && ex->console_fn) {
        ex->console_fn(ex->console_ctx, console == ex->console_err ? 2 : 1, ex->batch.buf, ex->batch.len);
    } else if (ex->batch.len && !ex->console_gone) {
        /* The scheduler's own lines on stdout come first: when both streams
         * go to one file, a task's stderr must not overtake them. */
        if (console != ex->console_out && ex->console_out)
            fflush(ex->console_out);
        errno = 0;
        if (fwrite(ex->batch.buf, 1, ex->batch.len, console) < ex->batch.len || fflush(console) == EOF)
            ex->console_gone = errno == EPIPE; /* (`run | head`): the logs still get everything */
    }
    if (ex->batch.cap > 4 * READ_CHUNK)
        mf__buf_release(&ex->batch);
    else
        mf__buf_reset(&ex->batch);
}

/* Splits `data` into lines; a line reaching LINE_MAX_BYTES without a newline
 * is printed as it is and the rest continues on a new console line. */
static void feed_console(struct spawn_exec *ex, struct stream *s, const char *data, size_t n)
{
    while (n > 0) {
        size_t room = LINE_MAX_BYTES - s->pending.len;
        size_t scan = n < room + 1 ? n : room + 1;
        const char *nl = memchr(data, '\n', scan);
        if (nl) {
            size_t len = (size_t)(nl - data);
            emit_line(ex, s, data, len);
            data += len + 1;
            n -= len + 1;
        } else if (scan > room) {
            emit_line(ex, s, data, room);
            data += room;
            n -= room;
        } else {
            if (mf__buf_add(&s->pending, data, n))
                emit_line(ex, s, data, n); /* no memory to hold it: print it now */
            break;
        }
    }
    console_write(ex, s->console);
}

static void stream_feed(struct spawn_exec *ex, struct stream *s, const char *data, size_t n)
{
    log_append(s, data, n);
    if (s->console)
        feed_console(ex, s, data, n);
}

/* Closes the pipe; a final line without newline is printed now. */
static void stream_close(struct spawn_exec *ex, struct stream *s)
{
    close_fd(&s->fd);
    if (s->console && s->pending.len) {
        emit_line(ex, s, "", 0);
        console_write(ex, s->console);
    }
    mf__buf_release(&s->pending);
    if (s->log_fd >= 0 && close(s->log_fd) < 0)
        note_log_error(s, errno);
    s->log_fd = -1;
}

/* One read. Returns true while the pipe stays open. */
static bool stream_read(struct spawn_exec *ex, struct stream *s)
{
    ssize_t n = read(s->fd, ex->readbuf, sizeof(ex->readbuf));
    if (n > 0) {
        stream_feed(ex, s, ex->readbuf, (size_t)n);
        return true;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return true;
    stream_close(ex, s); /* EOF, or an error that no retry will cure */
    return false;
}

/* After the grace: take what is already buffered, then close, even if a
 * grandchild still holds the write end (it gets EPIPE from then on). */
static void stream_drain_close(struct spawn_exec *ex, struct stream *s)
{
    for (int i = 0; i < DRAIN_READS && s->fd >= 0; i++) {
        ssize_t n = read(s->fd, ex->readbuf, sizeof(ex->readbuf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        stream_feed(ex, s, ex->readbuf, (size_t)n);
    }
    if (s->fd >= 0)
        stream_close(ex, s);
}

/* ---------------------------------------------------------------- */
/* Starting                                                         */
/* ---------------------------------------------------------------- */

static void child_free(struct child *kid)
{
    if (!kid)
        return;
    close_fd(&kid->out.fd);
    close_fd(&kid->err.fd);
    close_fd(&kid->out.log_fd);
    close_fd(&kid->err.log_fd);
    mf__free(kid->out.log_path);
    mf__free(kid->err.log_path);
    mf__buf_release(&kid->out.pending);
    mf__buf_release(&kid->err.pending);
    mf__buf_release(&kid->prefix);
    mf__free(kid);
}

static struct child *child_new(FILE *console_out, FILE *console_err, void *tag)
{
    struct child *kid = mf__calloc(1, sizeof(*kid));
    if (!kid)
        return NULL;
    mf__buf_init(&kid->prefix);
    struct stream *streams[2] = { &kid->out, &kid->err };
    FILE *consoles[2] = { console_out, console_err };
    for (int i = 0; i < 2; i++) {
        streams[i]->kid = kid;
        streams[i]->fd = -1;
        streams[i]->log_fd = -1;
        streams[i]->console = consoles[i];
        mf__buf_init(&streams[i]->pending);
    }
    kid->status.tag = tag;
    return kid;
}

/* Prepares a stream's log: its directory now (so that a bad path fails the
 * start, not the run), the file on the first byte (log_append). */
static int open_log(const char *path, char **path_out, struct mf_err *err)
{
    if (!path)
        return 0;
    int rc = mf__mkdirs_for(path, err);
    if (rc)
        return rc;
    *path_out = mf__strdup(path);
    return *path_out ? 0 : mf__err(err, MF_ENOMEM, "out of memory");
}

/* If the caller's stdin/stdout/stderr are closed, a pipe may land on fd 0-2,
 * and the child's dup2 onto 1 and 2 would then clobber it: move it up. */
static int fd_above_stdio(int *fd)
{
    if (*fd > 2)
        return 0;
    int moved = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
    if (moved < 0)
        return -1;
    close(*fd);
    *fd = moved;
    return 0;
}

/* A close-on-exec pipe whose read end (ours) is non-blocking; the write end
 * stays blocking, as the child expects of its stdout. */
static int open_pipe(int fds[2], struct mf_err *err)
{
    if (pipe2(fds, O_CLOEXEC) < 0)
        return mf__err_errno(err, errno_code(errno), errno, "cannot create a pipe for the task output");
    if (fd_above_stdio(&fds[0]) || fd_above_stdio(&fds[1]))
        return mf__err_errno(err, MF_EIO, errno, "cannot move a pipe above the standard descriptors");
    int flags = fcntl(fds[0], F_GETFL);
    if (flags < 0 || fcntl(fds[0], F_SETFL, flags | O_NONBLOCK) < 0)
        return mf__err_errno(err, MF_EIO, errno, "cannot make a pipe non-blocking");
    return 0;
}

/* posix_spawn in a new process group with stdin from /dev/null, the pipes
 * on 1 and 2, every other fd closed (also those the program was started with
 * without close-on-exec), an empty signal mask and default dispositions (a
 * parent that ignores SIGPIPE or SIGINT must not pass that on). Returns an
 * errno value. */
int mf__spawn_child(void *state, const char *file, char *const argv[], int out_w, int err_w, pid_t *pid)
{
    (void)state;
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    sigset_t no_signals, all_signals;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc)
        return rc;
    rc = posix_spawnattr_init(&attr);
    if (rc) {
        posix_spawn_file_actions_destroy(&actions);
        return rc;
    }
    sigemptyset(&no_signals);
    sigfillset(&all_signals);
    sigdelset(&all_signals, SIGKILL);
    sigdelset(&all_signals, SIGSTOP);
    short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (!(rc = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)) &&
        !(rc = posix_spawn_file_actions_adddup2(&actions, out_w, 1)) &&
        !(rc = posix_spawn_file_actions_adddup2(&actions, err_w, 2)) &&
        !(rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3)) &&
        !(rc = posix_spawnattr_setpgroup(&attr, 0)) && !(rc = posix_spawnattr_setsigmask(&attr, &no_signals)) &&
        !(rc = posix_spawnattr_setsigdefault(&attr, &all_signals)) && !(rc = posix_spawnattr_setflags(&attr, flags)))
        rc = posix_spawn(pid, file ? file : argv[0], &actions, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}

static int64_t timeout_deadline(int64_t start, double timeout_s)
{
    if (!(timeout_s > 0))
        return 0;
    double ns = timeout_s * 1e9;
    if (ns > 1e18) /* ~31 years: no deadline, and no int64 overflow */
        return 0;
    int64_t deadline = start + (int64_t)ns;
    return deadline ? deadline : 1;
}

static int spawn_start(struct mf_exec *base, const struct mf_exec_task *task, struct mf_err *err)
{
    struct spawn_exec *ex = (struct spawn_exec *)base;
    int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
    struct child *kid = NULL;
    int rc;
    if (!task || !task->argv || !task->argv[0] || !task->label)
        return mf__err(err, MF_EINVAL, "starting a task needs a command and a label");
    char *const *argv = task->argv;
    const char *label = task->label;
    if (MF_GROW(ex->kids, ex->kids_cap, ex->nkids + 1) ||
        !(kid = child_new(ex->console_out, ex->console_err, task->tag))) {
        rc = mf__err(err, MF_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = open_log(task->stdout_log, &kid->out.log_path, err)) ||
        (rc = open_log(task->stderr_log, &kid->err.log_path, err)) ||
        (rc = open_pipe(out_pipe, err)) || (rc = open_pipe(err_pipe, err)))
        goto out;
    /* /proc/self/exe, in the child, is the image this process runs even
     * after its file was replaced (a rebuild during the run): every task of a
     * run runs the code the run started with. */
    const char *file = task->run_self ? "/proc/self/exe" : NULL;
    int spawn_errno = ex->launch(ex->launch_state, file, argv, out_pipe[1], err_pipe[1], &kid->pid);
    if (spawn_errno) {
        rc = mf__err_errno(err, errno_code(spawn_errno), spawn_errno, "cannot run '%s' for '%s'", argv[0], label);
        kid->pid = 0;
        goto out;
    }
    if (mf__buf_addf(&kid->prefix, "[%s (pid %ld)] ", label, (long)kid->pid)) {
        rc = mf__err(err, MF_ENOMEM, "out of memory");
        goto out;
    }
    int64_t now = now_ns();
    kid->status.pid = kid->pid;
    kid->deadline_ns = timeout_deadline(now, task->timeout_s);
    kid->check_ns = now + RECHECK_NS;
    kid->out.fd = out_pipe[0];
    kid->err.fd = err_pipe[0];
    out_pipe[0] = err_pipe[0] = -1;
    ex->kids[ex->nkids++] = kid;
    if (task->pid_out)
        *task->pid_out = kid->pid;
    kid = NULL;
    rc = 0;
out:
    if (kid && kid->pid > 0) { /* spawned but cannot be tracked: take it back */
        kill(-kid->pid, SIGKILL);
        while (waitpid(kid->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    child_free(kid);
    for (int i = 0; i < 2; i++) {
        close_fd(&out_pipe[i]);
        close_fd(&err_pipe[i]);
    }
    return rc;
}

/* ---------------------------------------------------------------- */
/* Waiting                                                          */
/* ---------------------------------------------------------------- */

static bool pipes_closed(const struct child *kid) { return kid->out.fd < 0 && kid->err.fd < 0; }

/* Has the child exited? WNOWAIT leaves it a zombie, so its pid and group id
 * stay ours until collect() reaps it. */
static bool poll_exit(struct child *kid, int64_t now)
{
    for (;;) {
        siginfo_t info;
        memset(&info, 0, sizeof(info));
        if (waitid(P_PID, (id_t)kid->pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0) {
            if (errno == EINTR)
                continue;
            kid->lost = true; /* ECHILD: SIGCHLD ignored, or reaped elsewhere */
            kid->exited_ns = now;
            return true;
        }
        if (info.si_pid == 0)
            return false;
        kid->clean_exit = info.si_code == CLD_EXITED && info.si_status == 0;
        kid->exited_ns = now;
        return true;
    }
}

/* Both pipes just closed, so the child is almost surely exiting: the kernel
 * closes its files a moment before it becomes waitable. Wait for that with a
 * few checks and short sleeps (at most ~1 ms in all, so other children's
 * output is hardly delayed) rather than a whole poll() period; a child that
 * closed its pipes and lives on is left to the back-off checks. */
static void check_exit_after_eof(struct child *kid)
{
    long nap_ns = 0;
    for (int64_t spent = 0; spent < EXIT_WAIT_NS; spent += nap_ns) {
        if (poll_exit(kid, now_ns()))
            return;
        nap_ns = nap_ns ? nap_ns * 2 : 5000;
        nanosleep(&(struct timespec){ 0, nap_ns }, NULL);
    }
    int64_t now = now_ns();
    if (poll_exit(kid, now))
        return;
    kid->check_step_ns = MS_NS;
    kid->check_ns = now + kid->check_step_ns;
}

static void check_exit_due(struct child *kid, int64_t now)
{
    if (now < kid->check_ns || poll_exit(kid, now))
        return;
    if (pipes_closed(kid)) {
        int64_t step = kid->check_step_ns * 2;
        kid->check_step_ns = step < MS_NS ? MS_NS : step > RECHECK_NS ? RECHECK_NS : step;
    } else {
        kid->check_step_ns = RECHECK_NS;
    }
    kid->check_ns = now + kid->check_step_ns;
}

/* Runs the child's timers. Returns true when it is done: exited and both
 * pipes closed. */
static bool tend_child(struct spawn_exec *ex, struct child *kid, int64_t now)
{
    if (!kid->exited_ns) {
        if (kid->deadline_ns && !kid->status.timed_out && now >= kid->deadline_ns) {
            kid->status.timed_out = true;
            signal_group(kid, SIGTERM);
            kid->kill_ns = now + ex->kill_grace_ns;
        } else if (kid->kill_ns && now >= kid->kill_ns) {
            signal_group(kid, SIGKILL);
            kid->kill_ns = 0;
        }
        check_exit_due(kid, now);
    }
    if (kid->exited_ns && !pipes_closed(kid) && now >= kid->exited_ns + GRACE_NS) {
        stream_drain_close(ex, &kid->out);
        stream_drain_close(ex, &kid->err);
    }
    return kid->exited_ns && pipes_closed(kid);
}

static int64_t earliest(int64_t a, int64_t b) { return !a ? b : !b ? a : a < b ? a : b; }

static int64_t next_timer(const struct child *kid)
{
    if (kid->exited_ns)
        return pipes_closed(kid) ? 0 : kid->exited_ns + GRACE_NS;
    int64_t t = kid->check_ns;
    if (kid->deadline_ns && !kid->status.timed_out)
        t = earliest(t, kid->deadline_ns);
    return earliest(t, kid->kill_ns);
}

/* The poll() timeout in ms, rounded up so that a timer is due on wake-up. */
static int poll_timeout_ms(struct spawn_exec *ex, int64_t now, int64_t wait_deadline)
{
    int64_t t = wait_deadline;
    for (size_t i = 0; i < ex->nkids; i++)
        t = earliest(t, next_timer(ex->kids[i]));
    if (!t)
        return -1;
    if (t <= now)
        return 0;
    int64_t ms = (t - now + MS_NS - 1) / MS_NS;
    return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

static int add_pollfd(struct spawn_exec *ex, size_t *n, struct stream *s)
{
    if (s->fd < 0)
        return 0;
    if (MF_GROW(ex->pfds, ex->pfds_cap, *n + 1) || MF_GROW(ex->pfd_streams, ex->pfd_streams_cap, *n + 1))
        return MF_ENOMEM;
    ex->pfds[*n] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
    ex->pfd_streams[*n] = s;
    (*n)++;
    return 0;
}

/* One poll() over every open pipe, then one read from each ready one. */
static int poll_round(struct spawn_exec *ex, int timeout_ms, struct mf_err *err)
{
    size_t n = 0;
    for (size_t i = 0; i < ex->nkids; i++)
        if (add_pollfd(ex, &n, &ex->kids[i]->out) || add_pollfd(ex, &n, &ex->kids[i]->err))
            return mf__err(err, MF_ENOMEM, "out of memory");
    int ready = poll(ex->pfds, (nfds_t)n, timeout_ms);
    if (ready < 0 && errno == EINTR)
        return mf__err(err, MF_ECANCELED, "waiting for tasks was interrupted by a signal");
    if (ready < 0)
        return mf__err_errno(err, MF_EIO, errno, "cannot poll the task output pipes");
    for (size_t i = 0; i < n && ready > 0; i++) {
        if (!ex->pfds[i].revents)
            continue;
        ready--;
        struct stream *s = ex->pfd_streams[i];
        if (!stream_read(ex, s) && pipes_closed(s->kid) && !s->kid->exited_ns)
            check_exit_after_eof(s->kid);
    }
    return 0;
}

/* Reaps the child, fills `out` and forgets it. What is left of the group of
 * a task that failed, was killed or timed out is killed first: a task's own
 * children never outlive a failed task (the leader is still a zombie here, so
 * the group id is still ours). */
static void collect(struct spawn_exec *ex, size_t idx, struct mf_exit *out)
{
    struct child *kid = ex->kids[idx];
    if (kid->status.timed_out || !kid->clean_exit)
        signal_group(kid, SIGKILL);
    int st = 0;
    while (!kid->lost && waitpid(kid->pid, &st, 0) < 0) {
        if (errno != EINTR) {
            kid->lost = true;
            break;
        }
    }
    if (!kid->lost && WIFEXITED(st)) {
        kid->status.exited = true;
        kid->status.exit_code = WEXITSTATUS(st);
    } else if (!kid->lost && WIFSIGNALED(st)) {
        kid->status.signal = WTERMSIG(st);
    }
    *out = kid->status;
    ex->kids[idx] = ex->kids[--ex->nkids];
    child_free(kid);
}

static int spawn_flush(struct mf_exec *base, struct mf_err *err)
{
    (void)base;
    (void)err;
    return 0; /* start() already started it */
}

static int spawn_wait(struct mf_exec *base, struct mf_exit *out, int timeout_ms, struct mf_err *err)
{
    struct spawn_exec *ex = (struct spawn_exec *)base;
    if (!out)
        return mf__err(err, MF_EINVAL, "waiting for a task needs an exit record");
    if (!ex->nkids)
        return mf__err(err, MF_ENOENT, "no task is running");
    int64_t wait_deadline = timeout_ms >= 0 ? now_ns() + (int64_t)timeout_ms * MS_NS : 0;
    bool last_round = false;
    for (;;) {
        int64_t now = now_ns();
        for (size_t i = 0; i < ex->nkids; i++) {
            if (tend_child(ex, ex->kids[i], now)) {
                collect(ex, i, out);
                return 0;
            }
        }
        if (last_round)
            return mf__err(err, MF_ETIMEDOUT, "no task finished within %d ms", timeout_ms);
        int poll_ms = poll_timeout_ms(ex, now, wait_deadline);
        if (wait_deadline && now >= wait_deadline)
            last_round = true; /* one more look at what is ready now */
        int rc = poll_round(ex, poll_ms, err);
        if (rc)
            return rc;
    }
}

static size_t spawn_running(const struct mf_exec *base) { return ((const struct spawn_exec *)base)->nkids; }

static void spawn_signal_all(struct mf_exec *base, int sig)
{
    struct spawn_exec *ex = (struct spawn_exec *)base;
    for (size_t i = 0; i < ex->nkids; i++)
        signal_group(ex->kids[i], sig);
}

static void spawn_stop(struct mf_exec *base, void *tag)
{
    struct spawn_exec *ex = (struct spawn_exec *)base;
    for (size_t i = 0; i < ex->nkids; i++) {
        struct child *kid = ex->kids[i];
        if (kid->status.tag != tag || kid->exited_ns || kid->kill_ns)
            continue;
        signal_group(kid, SIGTERM);
        kid->kill_ns = now_ns() + ex->kill_grace_ns;
        kid->deadline_ns = 0; /* stopped by us: not a timeout */
    }
}

static void spawn_free(struct mf_exec *base)
{
    struct spawn_exec *ex = (struct spawn_exec *)base;
    for (size_t i = 0; i < ex->nkids; i++) {
        struct child *kid = ex->kids[i];
        signal_group(kid, SIGKILL);
        while (!kid->lost && waitpid(kid->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        child_free(kid);
    }
    mf__free(ex->kids);
    mf__free(ex->pfds);
    mf__free(ex->pfd_streams);
    mf__buf_release(&ex->batch);
    if (ex->launch_free)
        ex->launch_free(ex->launch_state);
    mf__free(ex);
}

static size_t spawn_capacity(const struct mf_exec *base) { return ((const struct spawn_exec *)base)->capacity; }

/* Each running task holds up to FDS_PER_TASK of our fds (two pipes, two
 * logs); FDS_RESERVE are left for the caller (metadata, index reads, the
 * console) beside those already open. */
#define FDS_PER_TASK 4
#define FDS_RESERVE 32

static size_t fd_capacity(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return 0;
    size_t open_now = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        while (readdir(d))
            open_now++;
        closedir(d);
    } else {
        open_now = 16;
    }
    size_t limit = (size_t)rl.rlim_cur, used = open_now + FDS_RESERVE;
    size_t n = limit > used ? (limit - used) / FDS_PER_TASK : 0;
    return n ? n : 1;
}

static const struct mf_exec_ops spawn_ops = {
    .name = "spawn", .console_fn = true, .start = spawn_start, .flush = spawn_flush, .wait = spawn_wait,
    .running = spawn_running, .signal_all = spawn_signal_all, .stop = spawn_stop, .free = spawn_free,
    .capacity = spawn_capacity,
};

int mf__exec_local_new(const struct mf_exec_opts *o, const char *name, mf__launch_fn launch, void *state,
                       void (*state_free)(void *state), struct mf_exec **out, struct mf_err *err)
{
    struct spawn_exec *ex = mf__calloc(1, sizeof(*ex));
    if (!ex) {
        if (state_free)
            state_free(state);
        return mf__err(err, MF_ENOMEM, "out of memory");
    }
    ex->ops = spawn_ops;
    ex->ops.name = name;
    ex->base.ops = &ex->ops;
    ex->launch = launch;
    ex->launch_state = state;
    ex->launch_free = state_free;
    ex->console_out = o ? o->console_out : NULL;
    ex->console_err = o ? o->console_err : NULL;
    ex->console_fn = o ? o->console_fn : NULL;
    ex->console_ctx = o ? o->console_ctx : NULL;
    double grace = o && o->kill_grace_s > 0 ? o->kill_grace_s : MF_EXEC_KILL_GRACE_DEFAULT;
    ex->kill_grace_ns = grace > 1e9 ? INT64_MAX / 2 : (int64_t)(grace * 1e9);
    ex->capacity = fd_capacity();
    mf__buf_init(&ex->batch);
    *out = &ex->base;
    return 0;
}

int mf__exec_spawn_new(const struct mf_exec_opts *o, struct mf_exec **out, struct mf_err *err)
{
    return mf__exec_local_new(o, "spawn", mf__spawn_child, NULL, NULL, out, err);
}
