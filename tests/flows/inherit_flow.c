/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inherit_flow.c - for tests/cli/t70_task_inherits.sh: each task checks what
 * it inherited from the scheduler, the same under every local executor
 * (docs/design.md, "Forked tasks"): only fds 0, 1, 2 (stdin /dev/null,
 * stdout and stderr pipes), every signal at its default disposition and
 * none blocked, its own process group, nothing left in its stdio buffers,
 * stdout line-buffered, and no exit handler of another process run at its
 * end (main registers one that says so if it runs in a copy of the process
 * that registered it: a forked task must not run the scheduler's).
 * It fails naming what is wrong, and uses the client API (the metadata) in a
 * task to show that the scheduler's connection is not in the way.
 */
#include <dirent.h>
#include <metaflow.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void check_fds(mf_task *t)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        mf_fail(t, "cannot list /proc/self/fd");
    char extra[512] = "";
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(d))
            continue;
        char path[64], target[256] = "";
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof(target) - 1);
        target[n > 0 ? n : 0] = '\0';
        size_t len = strlen(extra);
        snprintf(extra + len, sizeof(extra) - len, " %d->%s", fd, target);
    }
    closedir(d);
    if (extra[0])
        mf_fail(t, "inherited fds beyond 0-2:%s", extra);
    char target[256] = "";
    ssize_t n = readlink("/proc/self/fd/0", target, sizeof(target) - 1);
    target[n > 0 ? n : 0] = '\0';
    if (strcmp(target, "/dev/null") != 0)
        mf_fail(t, "stdin is '%s', not /dev/null", target);
    struct stat st;
    if (fstat(1, &st) != 0 || !S_ISFIFO(st.st_mode) || fstat(2, &st) != 0 || !S_ISFIFO(st.st_mode))
        mf_fail(t, "stdout and stderr are not pipes");
}

static void check_signals(mf_task *t)
{
    sigset_t mask;
    sigprocmask(SIG_SETMASK, NULL, &mask);
    for (int sig = 1; sig <= SIGRTMAX; sig++) {
        struct sigaction sa;
        if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &sa) != 0)
            continue;
        /* A sanitizer build's start-up installs its own handlers for the
         * crash signals in every fresh process: not inherited, not ours. */
        bool crash = sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP ||
                     sig == SIGABRT;
        if (crash && sa.sa_handler != SIG_IGN)
            continue;
        if (sa.sa_handler != SIG_DFL)
            mf_fail(t, "signal %d (%s) is not at its default disposition", sig, strsignal(sig));
        if (sigismember(&mask, sig))
            mf_fail(t, "signal %d (%s) is blocked", sig, strsignal(sig));
    }
    if (getpgrp() != getpid())
        mf_fail(t, "the task does not lead its own process group");
}

static void start(mf_task *t)
{
    check_fds(t);
    check_signals(t);
    /* Nothing buffered by the scheduler may come out of a task: its output
     * is exactly this line. */
    printf("checked pid %ld\n", (long)getpid());
    if (__fpending(stdout) != 0) /* glibc's: what the stream holds unwritten */
        mf_fail(t, "stdout is not line-buffered: a printed line waits in its buffer");
    mf_value *items = mf_value_list();
    for (int i = 0; i < 4; i++)
        mf_value_list_push(items, mf_value_int(i));
    mf_set(t, "items", items);
}

static void work(mf_task *t)
{
    check_fds(t);
    check_signals(t);
    /* The metadata from inside a task, while the scheduler holds its own
     * connection: a fresh connection of this process. */
    mf_client *c = NULL;
    if (mf_client_open(NULL, &c) != 0)
        mf_fail(t, "cannot open the client");
    mf_run_info *runs = NULL;
    size_t n = 0;
    if (mf_client_runs(c, mf_flow_name(t), &runs, &n) != 0 || n == 0)
        mf_fail(t, "cannot list runs from a task: %s", mf_client_errmsg(c));
    mf_set_int(t, "runs_seen", (int64_t)n);
    mf_run_info_free(runs, n);
    mf_client_close(c);
    check_fds(t); /* the client closed what it opened */
}

static void join(mf_task *t) { mf_set_int(t, "n", (int64_t)mf_join_count(t)); }

/* How this process began: a forked task is a copy of the scheduler, so its
 * /proc/self/cmdline is the scheduler's ("... run ..."); an exec'd one has its
 * own `step` command line. */
static const char *began_as(void)
{
    static char cmdline[4096];
    FILE *f = fopen("/proc/self/cmdline", "r");
    size_t n = f ? fread(cmdline, 1, sizeof(cmdline) - 1, f) : 0;
    if (f)
        fclose(f);
    cmdline[n] = '\0';
    size_t first = strlen(cmdline);
    return first + 1 < n ? cmdline + first + 1 : "?";
}

static void end(mf_task *t)
{
    printf("end: %lld tasks checked (began as %s)\n", (long long)mf_get_int(t, "n"), began_as());
}

static const mf_step steps[] = {
    { .name = "start", .fn = start, .next = { "work" }, .foreach = "items" },
    { .name = "work", .fn = work, .next = { "join" } },
    { .name = "join", .fn = join, .next = { "end" }, .join = true },
    { .name = "end", .fn = end },
};

static const mf_flow flow = {
    .name = "InheritFlow",
    .doc = "Tasks that check what they inherited from the scheduler.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
};

/* The process that registered the exit handler: the handler runs in a copy
 * of it only if a forked task ran its parent's exit handlers. */
static pid_t registered_by;

static void exit_handler(void)
{
    if (getpid() != registered_by)
        fprintf(stderr, "exit handler of pid %ld ran in pid %ld\n", (long)registered_by, (long)getpid());
}

int main(int argc, char **argv)
{
    registered_by = getpid();
    atexit(exit_handler);
    return mf_main(&flow, argc, argv);
}
