/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec_fork.c - the "fork" executor backend: a fork server. The flow program,
 * loaded and initialised once, forks a server process before the scheduler
 * opens its metadata; for each task the scheduler sends the server the
 * task's argv (the `step` command line, unchanged) and its two pipe ends,
 * and the server forks a child that enters the program's own step entry
 * (mf_main) with that argv instead of exec'ing it. Everything else (pipes,
 * output, timeouts, reaping) is exec_spawn.c's machinery.
 *
 * The task must be the scheduler's child (its exit is waited for, its group
 * signalled, by pid), so the server creates it with clone(CLONE_PARENT): one
 * copy of the server whose parent is the scheduler. What a forked task must
 * not inherit, and how, is in docs/design.md ("Forked tasks").
 */
#define _GNU_SOURCE /* close_range, SCM_RIGHTS helpers, CLONE_PARENT */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codec.h"
#include "exec_local.h"
#include "metaflow.h"
#include "util/alloc.h"

#define MSG_MAX (128 * 1024) /* a longer command line is spawned instead */
#define ARGS_MAX 4096

struct fork_server {
    pid_t pid;    /* the server process; 0: none (spawn everything) */
    int sock;     /* our end of the request socket; -1: server gone */
    char *msg;    /* MSG_MAX bytes: one request being built */
};

/* clone3's arguments, the kernel's first version (CLONE_ARGS_SIZE_VER0):
 * declared here, as <linux/sched.h> clashes with <sched.h>. */
struct clone3_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

struct reply {
    int err; /* errno of the failed fork, or 0 */
    int pid; /* the task */
};

/* ---------------------------------------------------------------- */
/* The task: runs in the forked child                               */
/* ---------------------------------------------------------------- */

/* Closes every fd from `from` up: the pipes and logs of other tasks, the
 * server's socket, whatever the program had open when the server forked. */
static void close_from(int from)
{
    if (close_range((unsigned)from, ~0U, 0) == 0)
        return;
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = from; fd < (max > 0 ? max : 65536); fd++)
        close((int)fd);
}

/* The signals the server ignores (and a task must not). */
static const int server_ignores[] = { SIGINT, SIGTERM, SIGPIPE };
#define NIGNORED (sizeof(server_ignores) / sizeof(server_ignores[0]))

static void set_disposition(int sig, void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL); /* EINVAL for the numbers that are not signals */
}

static _Noreturn void task_main(const struct mf_exec_opts *o, int argc, char **argv, int null_fd, int out_w,
                                int err_w)
{
    setpgid(0, 0);
    if (dup2(null_fd, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
        _exit(127);
    close_from(3);
    /* The server reset every other disposition and the mask when it started
     * (server_main): only the signals it ignores differ from a fresh process. */
    for (size_t i = 0; i < NIGNORED; i++)
        set_disposition(server_ignores[i], SIG_DFL);
    /* stdio is as a fresh process has it on pipes (server_main). */
    int status = o->task_entry(o->task_entry_ctx, argc, argv);
    /* _exit, not exit: the exit handlers and library destructors are the
     * scheduler's (this is a copy of its image), and running them would
     * write to pages shared with the server, each a copy-on-write fault.
     * What exit would have done for the task's own output is done here. */
    fflush(NULL);
    _exit(status);
}

/* ---------------------------------------------------------------- */
/* The server                                                       */
/* ---------------------------------------------------------------- */

/* Moves an fd received on 0-2 (the program's stdio was closed) above them,
 * so the task's dup2 onto 0, 1 and 2 cannot clobber it. */
static int above_stdio(int fd)
{
    if (fd > 2 || fd < 0)
        return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return moved;
}

/* Receives one request: argv (NUL-separated) and two fds. Returns argc, 0 at
 * EOF (the scheduler is gone), -1 on a malformed request. */
static int receive(int sock, char *msg, char **argv, int fds[2])
{
    char ctl[CMSG_SPACE(2 * sizeof(int))];
    struct iovec iov = { .iov_base = msg, .iov_len = MSG_MAX };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
    ssize_t n;
    while ((n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    if (n <= 0)
        return 0;
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(2 * sizeof(int)))
        return -1;
    memcpy(fds, CMSG_DATA(c), 2 * sizeof(int));
    fds[0] = above_stdio(fds[0]);
    fds[1] = above_stdio(fds[1]);
    if (msg[n - 1] != '\0')
        return -1;
    int argc = 0;
    for (char *p = msg; p < msg + n && argc < ARGS_MAX - 1; p += strlen(p) + 1)
        argv[argc++] = p;
    argv[argc] = NULL;
    return argc;
}

/*
 * fork(), except that the child's parent is our parent, the scheduler
 * (CLONE_PARENT): the scheduler waits for and signals the task by pid as it
 * does a spawned one, and nobody else reaps it; it signals its exit with
 * the signal we were created with (SIGCHLD: a fork). clone3 first; clone where a
 * seccomp filter refuses clone3 (ENOSYS, as container runtimes do). The
 * child skips what glibc's fork() adds (at-fork handlers, lock resets, its
 * cached thread id): the server is single-threaded and holds no lock, no
 * library we link registers at-fork work we need (OpenSSL 3 detects a new
 * process by its pid), and getpid() is a system call in glibc >= 2.25.
 */
static pid_t fork_sibling(void)
{
#ifdef SYS_clone3
    struct clone3_args ca;
    memset(&ca, 0, sizeof(ca));
    ca.flags = CLONE_PARENT; /* exit_signal stays 0: the kernel takes ours (SIGCHLD) */
    long pid = syscall(SYS_clone3, &ca, sizeof(ca));
    if (pid >= 0 || errno != ENOSYS)
        return (pid_t)pid;
#endif
    return (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
}

static struct reply fork_task(const struct mf_exec_opts *o, int argc, char **argv, int null_fd, int fds[2])
{
    pid_t task = fork_sibling();
    if (task == 0)
        task_main(o, argc, argv, null_fd, fds[0], fds[1]);
    return task < 0 ? (struct reply){ errno, 0 } : (struct reply){ 0, (int)task };
}

static _Noreturn void server_main(const struct mf_exec_opts *o, int sock)
{
    /* Every disposition as after exec, and an empty mask, once: each task
     * then resets only what is set here. Ctrl-C reaches the whole foreground
     * group: the scheduler decides. */
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            set_disposition(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (size_t i = 0; i < NIGNORED; i++)
        set_disposition(server_ignores[i], SIG_IGN);
    /* The tasks' buffering, set once here so that no task writes to the
     * streams (pages shared with this process) just to set it: stdout
     * line-buffered, as the step command wants it (cmd_step.c: lines reach
     * the scheduler as they are printed), stderr unbuffered. The buffers are
     * empty (flushed before this process was forked) and this process never
     * writes to them. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    setvbuf(stderr, NULL, _IONBF, 0);
    clearerr(stdout);
    clearerr(stderr);
    /* Hold nothing the program had open but stdio, the socket and the
     * tasks' stdin: a task gets only what it is given. */
    if (sock != 3 && dup2(sock, 3) < 0)
        _exit(1);
    sock = 3;
    close_from(4);
    /* libcbor's lazy bindings, made once here rather than in every task
     * (codec_warm.c); a failure only leaves them to the tasks. */
    (void)mf__codec_warm();
    int null_fd = above_stdio(open("/dev/null", O_RDONLY | O_CLOEXEC));
    char *msg = malloc(MSG_MAX);
    char **argv = malloc(ARGS_MAX * sizeof(*argv));
    if (null_fd < 0 || !msg || !argv)
        _exit(1);
    for (;;) {
        int fds[2] = { -1, -1 };
        int argc = receive(sock, msg, argv, fds);
        if (argc == 0)
            _exit(0);
        struct reply r = argc < 0 || fds[0] < 0 || fds[1] < 0 ? (struct reply){ EINVAL, 0 }
                                                              : fork_task(o, argc, argv, null_fd, fds);
        if (fds[0] >= 0)
            close(fds[0]);
        if (fds[1] >= 0)
            close(fds[1]);
        if (send(sock, &r, sizeof(r), MSG_NOSIGNAL) != (ssize_t)sizeof(r))
            _exit(0);
    }
}

/* ---------------------------------------------------------------- */
/* The scheduler's side                                             */
/* ---------------------------------------------------------------- */

/* Sends argv and the two pipe ends; returns the server's reply, or an errno
 * value > 0 when the server cannot be used (the caller spawns instead). */
static int ask_server(struct fork_server *fs, char *const argv[], int out_w, int err_w, struct reply *r)
{
    size_t len = 0;
    for (size_t i = 0; argv[i]; i++) {
        size_t n = strlen(argv[i]) + 1;
        if (i >= ARGS_MAX - 1 || len + n > MSG_MAX)
            return E2BIG;
        memcpy(fs->msg + len, argv[i], n);
        len += n;
    }
    char ctl[CMSG_SPACE(2 * sizeof(int))];
    memset(ctl, 0, sizeof(ctl));
    struct iovec iov = { .iov_base = fs->msg, .iov_len = len };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(2 * sizeof(int));
    memcpy(CMSG_DATA(c), (int[2]){ out_w, err_w }, 2 * sizeof(int));
    ssize_t n;
    while ((n = sendmsg(fs->sock, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)len)
        return n < 0 ? errno : EIO;
    while ((n = recv(fs->sock, r, sizeof(*r), 0)) < 0 && errno == EINTR)
        ;
    return n == (ssize_t)sizeof(*r) ? 0 : n < 0 ? errno : EPIPE;
}

/* The server is no use from now on: every later task is spawned. */
static void server_drop(struct fork_server *fs)
{
    close(fs->sock); /* the server reads EOF and exits */
    fs->sock = -1;
}

/* The launcher: through the server, or with posix_spawn when the command
 * line is too long for one request, the server is gone, or this system
 * refuses its clone (EINVAL, EPERM, ENOSYS: a sandbox's filter). */
static int fork_launch(void *state, const char *file, char *const argv[], int out_w, int err_w, pid_t *pid)
{
    struct fork_server *fs = state;
    struct reply r;
    if (fs->sock < 0)
        return mf__spawn_child(NULL, file, argv, out_w, err_w, pid);
    int e = ask_server(fs, argv, out_w, err_w, &r);
    if (e == E2BIG)
        return mf__spawn_child(NULL, file, argv, out_w, err_w, pid);
    if (e || r.err == EINVAL || r.err == EPERM || r.err == ENOSYS) {
        server_drop(fs);
        return mf__spawn_child(NULL, file, argv, out_w, err_w, pid);
    }
    if (r.err)
        return r.err;
    /* The task is our child: its own setpgid(0, 0) may not have run yet, and
     * the group must exist before we may signal it. (A zombie or a task that
     * already did it makes this fail harmlessly.) */
    setpgid((pid_t)r.pid, (pid_t)r.pid);
    *pid = (pid_t)r.pid;
    return 0;
}

static void server_free(void *state)
{
    struct fork_server *fs = state;
    if (!fs)
        return;
    if (fs->sock >= 0)
        server_drop(fs);
    while (fs->pid > 0 && waitpid(fs->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    mf__free(fs->msg);
    mf__free(fs);
}

int mf__exec_fork_new(const struct mf_exec_opts *o, struct mf_exec **out, struct mf_err *err)
{
    if (!o || !o->task_entry)
        return mf__err(err, MF_EINVAL, "the fork executor needs the program's task entry; use --executor spawn");
    struct fork_server *fs = mf__calloc(1, sizeof(*fs));
    int sv[2] = { -1, -1 };
    if (!fs || !(fs->msg = mf__malloc(MSG_MAX))) {
        server_free(fs);
        return mf__err(err, MF_ENOMEM, "out of memory");
    }
    fs->sock = -1;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
        int e = errno;
        server_free(fs);
        return mf__err_errno(err, MF_EIO, e, "cannot set up the fork server; use --executor spawn");
    }
    struct mf_exec_opts copy = *o;
    fflush(NULL); /* nothing buffered may be written twice */
    fs->pid = fork();
    if (fs->pid == 0) {
        close(sv[0]);
        server_main(&copy, sv[1]);
    }
    int e = errno;
    close(sv[1]);
    fs->sock = sv[0];
    if (fs->pid < 0) {
        fs->pid = 0;
        server_free(fs);
        return mf__err_errno(err, MF_EIO, e, "cannot fork the fork server; use --executor spawn");
    }
    return mf__exec_local_new(o, "fork", fork_launch, fs, server_free, out, err);
}
