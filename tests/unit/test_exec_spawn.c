/* SPDX-License-Identifier: Apache-2.0 */
/* test_exec_spawn.c - the "spawn" executor backend (exec.h) against real
 * /bin/sh children: output prefixing and logs, exit status, timeouts, many
 * children, fd hygiene. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

#include "check.h"
#include "metaflow.h"
#include "exec.h"
#include "util/buf.h"
#include "util/fsutil.h"

/* The backend under test, with a 5 s kill grace so the escalation test
 * stays short. */
static int exec_new(FILE *out, FILE *err, struct mf_exec **ex, struct mf_err *e)
{
    struct mf_exec_opts o = { .console_out = out, .console_err = err, .kill_grace_s = 5 };
    return mf__exec_spawn_new(&o, ex, e);
}

static int exec_start(struct mf_exec *ex, char *const argv[], const char *label, const char *out_log,
                      const char *err_log, double timeout_s, void *tag, pid_t *pid, struct mf_err *err)
{
    struct mf_exec_task t = { .argv = argv, .label = label, .stdout_log = out_log, .stderr_log = err_log,
                              .timeout_s = timeout_s, .tag = tag, .pid_out = pid };
    return mf__exec_start(ex, &t, err);
}

/* A console captured in memory. */
struct capture {
    FILE *f;
    char *text;
    size_t len;
};

static void capture_open(struct capture *c)
{
    c->text = NULL;
    c->len = 0;
    c->f = open_memstream(&c->text, &c->len);
    CHECK(c->f != NULL);
}

static void capture_close(struct capture *c)
{
    fclose(c->f);
    free(c->text);
}

static const char *capture_text(struct capture *c)
{
    fflush(c->f);
    return c->text ? c->text : "";
}

/* Fresh directories, removed by remove_tmpdirs() at the end of a test. */
static char tmpdirs[8][64];
static int ntmpdirs;

static char *make_tmpdir(void)
{
    CHECK(ntmpdirs < 8);
    char *dir = tmpdirs[ntmpdirs++];
    snprintf(dir, sizeof(tmpdirs[0]), "/tmp/mf_test_proc_XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    return dir;
}

static void remove_tmpdirs(void)
{
    for (; ntmpdirs > 0; ntmpdirs--) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdirs[ntmpdirs - 1]);
        CHECK(system(cmd) == 0);
    }
}

static char *path_in(const char *dir, const char *name)
{
    static char paths[8][512];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
    return p;
}

/* A log's contents; a stream that stayed silent has no file (exec.h). */
static struct mf_buf read_all(const char *path)
{
    struct mf_buf b = MF_BUF_INIT;
    int rc = mf__read_file(path, &b, NULL);
    CHECK(rc == 0 || rc == MF_ENOENT);
    return b;
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    CHECK(d != NULL);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory's own fd */
}

/* Gone, or a zombie waiting for a reaper that is not us. */
static bool pid_gone(pid_t pid)
{
    char path[64], stat[256] = { 0 };
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return true;
    size_t n = fread(stat, 1, sizeof(stat) - 1, f);
    fclose(f);
    const char *paren = strrchr(stat, ')');
    return n == 0 || (paren && paren[1] == ' ' && paren[2] == 'Z');
}

static bool wait_gone(pid_t pid, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        if (pid_gone(pid))
            return true;
        nanosleep(&(struct timespec){ 0, 10 * 1000000 }, NULL);
    }
    return pid_gone(pid);
}

/* Fds inherited from whoever started the tests are not the executor's:
 * make them close-on-exec so that a child's fd list shows only its own. */
static void cloexec_inherited_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    CHECK(d != NULL);
    for (struct dirent *e; (e = readdir(d));) {
        int fd = atoi(e->d_name);
        if (fd > 2 && fd != dirfd(d))
            fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    closedir(d);
}

static bool no_children_left(void) { return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD; }

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pid_t start_sh(struct mf_exec *ex, const char *script, const char *label, const char *out_log,
                      const char *err_log, double timeout_s, void *tag)
{
    char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)script, NULL };
    struct mf_err err = MF_ERR_INIT;
    pid_t pid = 0;
    int rc = exec_start(ex, argv, label, out_log, err_log, timeout_s, tag, &pid, &err);
    if (rc)
        fprintf(stderr, "start: %s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
    CHECK(pid > 0);
    return pid;
}

static struct mf_exit wait_one(struct mf_exec *ex)
{
    struct mf_exit e;
    struct mf_err err = MF_ERR_INIT;
    int rc = mf__exec_wait(ex, &e, -1, &err);
    if (rc)
        fprintf(stderr, "wait: %s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
    return e;
}

/* Runs one script to the end with both streams captured and logged. */
struct run {
    struct capture out, err;
    struct mf_exit exit;
    pid_t pid;
    struct mf_buf out_log, err_log;
};

static void run_script(struct run *r, const char *script, double timeout_s)
{
    char *dir = make_tmpdir();
    struct mf_exec *ex = NULL;
    capture_open(&r->out);
    capture_open(&r->err);
    CHECK_EQ_INT(exec_new(r->out.f, r->err.f, &ex, NULL), 0);
    r->pid = start_sh(ex, script, "t", path_in(dir, "out.log"), path_in(dir, "err.log"), timeout_s, NULL);
    r->exit = wait_one(ex);
    CHECK_EQ_INT(r->exit.pid, r->pid);
    CHECK_EQ_INT(mf__exec_running(ex), 0);
    mf__exec_free(ex);
    r->out_log = read_all(path_in(dir, "out.log"));
    r->err_log = read_all(path_in(dir, "err.log"));
}

static void run_release(struct run *r)
{
    capture_close(&r->out);
    capture_close(&r->err);
    mf__buf_release(&r->out_log);
    mf__buf_release(&r->err_log);
    remove_tmpdirs();
}

static const char *prefixed(pid_t pid, const char *lines)
{
    static char out[4096];
    size_t used = 0;
    for (const char *p = lines; *p;) {
        const char *nl = strchr(p, '\n');
        int len = (int)(nl ? (size_t)(nl - p) : strlen(p));
        used += (size_t)snprintf(out + used, sizeof(out) - used, "[t (pid %ld)] %.*s\n", (long)pid, len, p);
        p += len + (nl ? 1 : 0);
    }
    out[used] = '\0';
    return out;
}

TEST(test_lines_prefixed_and_logged)
{
    struct run r;
    run_script(&r, "echo hello; echo; echo 'world  x'", 0);
    CHECK(r.exit.exited);
    CHECK_EQ_INT(r.exit.exit_code, 0);
    CHECK_EQ_INT(r.exit.log_errno, 0);
    CHECK(!r.exit.timed_out);
    CHECK_EQ_STR(capture_text(&r.out), prefixed(r.pid, "hello\n\nworld  x\n"));
    CHECK_EQ_STR(r.out_log.buf, "hello\n\nworld  x\n");
    CHECK_EQ_STR(capture_text(&r.err), "");
    CHECK_EQ_STR(r.err_log.buf, "");
    run_release(&r);
}

TEST(test_stdout_stderr_separate)
{
    struct run r;
    run_script(&r, "echo out1; echo err1 >&2; echo out2; echo err2 >&2", 0);
    CHECK_EQ_STR(capture_text(&r.out), prefixed(r.pid, "out1\nout2\n"));
    CHECK_EQ_STR(capture_text(&r.err), prefixed(r.pid, "err1\nerr2\n"));
    CHECK_EQ_STR(r.out_log.buf, "out1\nout2\n");
    CHECK_EQ_STR(r.err_log.buf, "err1\nerr2\n");
    run_release(&r);
}

TEST(test_exit_codes)
{
    int codes[] = { 0, 1, 3, 255 };
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        char script[64];
        snprintf(script, sizeof(script), "exit %d", codes[i]);
        struct run r;
        run_script(&r, script, 0);
        CHECK(r.exit.exited);
        CHECK_EQ_INT(r.exit.exit_code, codes[i]);
        CHECK_EQ_INT(r.exit.signal, 0);
        run_release(&r);
    }
}

TEST(test_signal_reported)
{
    struct run r;
    run_script(&r, "ulimit -c 0; kill -SEGV $$", 0);
    CHECK(!r.exit.exited);
    CHECK_EQ_INT(r.exit.signal, SIGSEGV);
    CHECK(!r.exit.timed_out);
    run_release(&r);
}

/* The parent's ignored signals and blocked mask must not reach the child. */
TEST(test_signal_state_reset)
{
    signal(SIGPIPE, SIG_IGN);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, NULL);
    struct run r;
    run_script(&r, "kill -PIPE $$; exit 0", 0);
    CHECK_EQ_INT(r.exit.signal, SIGPIPE);
    run_release(&r);
    run_script(&r, "kill -TERM $$; exit 0", 0);
    CHECK_EQ_INT(r.exit.signal, SIGTERM);
    run_release(&r);
}

TEST(test_timeout_kills_group)
{
    char *dir = make_tmpdir();
    char script[512];
    snprintf(script, sizeof(script), "sleep 100 & echo $! > %s; sleep 100", path_in(dir, "gpid"));
    double t0 = mono_s();
    struct run r;
    run_script(&r, script, 0.3);
    double took = mono_s() - t0;
    CHECK(r.exit.timed_out);
    CHECK(!r.exit.exited);
    CHECK_EQ_INT(r.exit.signal, SIGTERM);
    CHECK(took >= 0.29 && took < 3.0);
    struct mf_buf gpid = read_all(path_in(dir, "gpid"));
    pid_t grandchild = (pid_t)atol(gpid.buf);
    CHECK(grandchild > 0);
    CHECK(wait_gone(grandchild, 2000));
    CHECK(wait_gone(r.pid, 10));
    mf__buf_release(&gpid);
    run_release(&r);
}

/* A group that ignores SIGTERM gets SIGKILL 5 s later. */
TEST(test_timeout_escalates_to_sigkill)
{
    char *dir = make_tmpdir();
    char script[512];
    snprintf(script, sizeof(script), "trap '' TERM; sleep 100 & echo $! > %s; sleep 100", path_in(dir, "gpid"));
    double t0 = mono_s();
    struct run r;
    run_script(&r, script, 0.2);
    double took = mono_s() - t0;
    CHECK(r.exit.timed_out);
    CHECK_EQ_INT(r.exit.signal, SIGKILL);
    CHECK(took >= 5.1 && took < 8.0);
    struct mf_buf gpid = read_all(path_in(dir, "gpid"));
    CHECK(wait_gone((pid_t)atol(gpid.buf), 2000));
    mf__buf_release(&gpid);
    run_release(&r);
}

TEST(test_partial_last_line)
{
    struct run r;
    run_script(&r, "printf 'a\\nno newline'; printf 'e1\\ne2' >&2", 0);
    CHECK_EQ_STR(capture_text(&r.out), prefixed(r.pid, "a\nno newline\n"));
    CHECK_EQ_STR(r.out_log.buf, "a\nno newline");
    CHECK_EQ_STR(capture_text(&r.err), prefixed(r.pid, "e1\ne2\n"));
    CHECK_EQ_STR(r.err_log.buf, "e1\ne2");
    run_release(&r);
}

TEST(test_carriage_returns_pass_through)
{
    struct run r;
    run_script(&r, "printf 'a\\r\\nprogress 1\\rprogress 2\\n'", 0);
    char want[256];
    snprintf(want, sizeof(want), "[t (pid %ld)] a\r\n[t (pid %ld)] progress 1\rprogress 2\n", (long)r.pid,
             (long)r.pid);
    CHECK_EQ_STR(capture_text(&r.out), want);
    CHECK_EQ_STR(r.out_log.buf, "a\r\nprogress 1\rprogress 2\n");
    run_release(&r);
}

static size_t count_char(const char *s, size_t len, char c)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += s[i] == c;
    return n;
}

/* A 64 KiB line stays whole; one byte more is split in two console lines. */
TEST(test_long_lines_split)
{
    struct run r;
    run_script(&r, "head -c 65536 /dev/zero | tr '\\0' a; echo; head -c 65537 /dev/zero | tr '\\0' b; echo", 0);
    const char *text = capture_text(&r.out);
    size_t len = strlen(text);
    CHECK_EQ_INT(count_char(text, len, '\n'), 3);
    CHECK_EQ_INT(count_char(text, len, 'a'), 65536);
    CHECK_EQ_INT(count_char(text, len, 'b'), 65537);
    char want_tail[64];
    snprintf(want_tail, sizeof(want_tail), "\n[t (pid %ld)] b\n", (long)r.pid);
    CHECK(len > strlen(want_tail) && strcmp(text + len - strlen(want_tail), want_tail) == 0);
    CHECK_EQ_INT(r.out_log.len, 65536 + 65537 + 2);
    run_release(&r);
}

TEST(test_200_concurrent_children)
{
    enum { N = 200 };
    char *dir = make_tmpdir();
    struct capture out, err;
    capture_open(&out);
    capture_open(&err);
    struct mf_exec *ex = NULL;
    CHECK_EQ_INT(exec_new(out.f, err.f, &ex, NULL), 0);
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        char script[128], label[32], log[32];
        snprintf(script, sizeof(script), "echo out %d; sleep 0.3; echo err %d >&2; exit %d", i, i, i % 100);
        snprintf(label, sizeof(label), "task/%d", i);
        snprintf(log, sizeof(log), "logs/%d/out", i);
        pids[i] = start_sh(ex, script, label, path_in(dir, log), NULL, 0, (void *)(intptr_t)i);
    }
    CHECK_EQ_INT(mf__exec_running(ex), N);
    bool seen[N] = { false };
    for (int n = 0; n < N; n++) {
        struct mf_exit e = wait_one(ex);
        int i = (int)(intptr_t)e.tag;
        CHECK(i >= 0 && i < N && !seen[i]);
        seen[i] = true;
        CHECK_EQ_INT(e.pid, pids[i]);
        CHECK(e.exited);
        CHECK_EQ_INT(e.exit_code, i % 100);
    }
    CHECK_EQ_INT(mf__exec_running(ex), 0);
    const char *out_text = capture_text(&out), *err_text = capture_text(&err);
    for (int i = 0; i < N; i++) {
        char line[96], log[32];
        snprintf(line, sizeof(line), "[task/%d (pid %ld)] out %d\n", i, (long)pids[i], i);
        CHECK_CONTAINS(out_text, line);
        snprintf(line, sizeof(line), "[task/%d (pid %ld)] err %d\n", i, (long)pids[i], i);
        CHECK_CONTAINS(err_text, line);
        snprintf(log, sizeof(log), "logs/%d/out", i);
        struct mf_buf b = read_all(path_in(dir, log));
        snprintf(line, sizeof(line), "out %d\n", i);
        CHECK_EQ_STR(b.buf, line);
        mf__buf_release(&b);
    }
    CHECK_EQ_INT(count_char(out_text, strlen(out_text), '\n'), N);
    mf__exec_free(ex);
    capture_close(&out);
    capture_close(&err);
    remove_tmpdirs();
}

TEST(test_10mb_output_lines)
{
    struct run r;
    /* 10 MiB of 20-byte lines */
    run_script(&r, "yes 'nineteen bytes.....' | head -c 10485760", 0);
    CHECK(r.exit.exited);
    CHECK_EQ_INT(r.exit.exit_code, 0);
    CHECK_EQ_INT(r.out_log.len, 10485760);
    CHECK_EQ_INT(count_char(r.out_log.buf, r.out_log.len, '\n'), 10485760 / 20);
    const char *text = capture_text(&r.out);
    CHECK_EQ_INT(count_char(text, strlen(text), '\n'), 10485760 / 20);
    CHECK(strncmp(text, prefixed(r.pid, "nineteen bytes.....\n"), 30) == 0);
    run_release(&r);
}

TEST(test_10mb_output_one_line)
{
    struct run r;
    run_script(&r, "head -c 10485760 /dev/zero | tr '\\0' x", 0);
    CHECK_EQ_INT(r.out_log.len, 10485760);
    const char *text = capture_text(&r.out);
    CHECK_EQ_INT(count_char(text, strlen(text), '\n'), 10485760 / 65536);
    CHECK_EQ_INT(count_char(text, strlen(text), 'x'), 10485760);
    run_release(&r);
}

TEST(test_child_closes_stdout_early)
{
    struct run r;
    run_script(&r, "echo first; exec 1>&-; sleep 0.3; echo still here >&2; exit 4", 0);
    CHECK(r.exit.exited);
    CHECK_EQ_INT(r.exit.exit_code, 4);
    CHECK_EQ_STR(r.out_log.buf, "first\n");
    CHECK_EQ_STR(capture_text(&r.err), prefixed(r.pid, "still here\n"));
    run_release(&r);
}

/* Both pipes closed long before the exit: found by the back-off checks. */
TEST(test_child_closes_both_pipes)
{
    double t0 = mono_s();
    struct run r;
    run_script(&r, "exec 1>&- 2>&-; sleep 0.3; exit 6", 0);
    CHECK_EQ_INT(r.exit.exit_code, 6);
    CHECK(mono_s() - t0 < 1.0);
    run_release(&r);
}

/* A grandchild keeps the pipes open: the child is returned soon after its
 * exit anyway. After a clean exit the grandchild is left alone; after a
 * failed one the task's whole group is killed (a failed task's children never
 * outlive it). The kill is asynchronous, hence wait_gone rather than a look. */
static pid_t run_with_grandchild(int exit_code, struct run *r)
{
    char *dir = make_tmpdir();
    char script[512];
    snprintf(script, sizeof(script), "sleep 30 & echo $! > %s; echo bye; exit %d", path_in(dir, "gpid"),
             exit_code);
    double t0 = mono_s();
    run_script(r, script, 0);
    CHECK(mono_s() - t0 < 1.0);
    CHECK_EQ_INT(r->exit.exit_code, exit_code);
    CHECK_EQ_STR(r->out_log.buf, "bye\n");
    struct mf_buf gpid = read_all(path_in(dir, "gpid"));
    pid_t grandchild = (pid_t)atol(gpid.buf);
    mf__buf_release(&gpid);
    CHECK(grandchild > 0);
    return grandchild;
}

TEST(test_grandchild_holds_pipes)
{
    struct run r;
    pid_t grandchild = run_with_grandchild(0, &r);
    CHECK(!pid_gone(grandchild));
    kill(grandchild, SIGKILL);
    run_release(&r);
}

TEST(test_failed_child_group_killed)
{
    struct run r;
    pid_t grandchild = run_with_grandchild(2, &r);
    CHECK(wait_gone(grandchild, 5000));
    run_release(&r);
}

TEST(test_spawn_nonexistent_program)
{
    int fds_before = count_fds();
    char *dir = make_tmpdir();
    struct mf_exec *ex = NULL;
    CHECK_EQ_INT(exec_new(NULL, NULL, &ex, NULL), 0);
    char *argv[] = { (char *)"/nonexistent/program", NULL };
    struct mf_err err = MF_ERR_INIT;
    pid_t pid = -7;
    int rc = exec_start(ex, argv, "lbl", path_in(dir, "o"), path_in(dir, "e"), 0, NULL, &pid, &err);
    CHECK_EQ_INT(rc, MF_ENOENT);
    CHECK_CONTAINS(err.msg, "'/nonexistent/program'");
    CHECK_CONTAINS(err.msg, "No such file or directory");
    CHECK_EQ_INT(pid, -7);
    CHECK_EQ_INT(mf__exec_running(ex), 0);
    CHECK(no_children_left());
    CHECK_EQ_INT(count_fds(), fds_before);
    struct mf_exit e;
    CHECK_EQ_INT(mf__exec_wait(ex, &e, -1, &err), MF_ENOENT);
    mf__exec_free(ex);
    remove_tmpdirs();
}

TEST(test_log_open_failure)
{
    int fds_before = count_fds();
    struct mf_exec *ex = NULL;
    CHECK_EQ_INT(exec_new(NULL, NULL, &ex, NULL), 0);
    char *argv[] = { (char *)"/bin/true", NULL };
    struct mf_err err = MF_ERR_INIT;
    int rc = exec_start(ex, argv, "lbl", "/proc/nope/out.log", NULL, 0, NULL, NULL, &err);
    CHECK(rc < 0);
    CHECK_CONTAINS(err.msg, "/proc/nope");
    CHECK(no_children_left());
    CHECK_EQ_INT(count_fds(), fds_before);
    mf__exec_free(ex);
}

/* Children see only 0, 1 and 2 (stdin is /dev/null), whatever else the
 * executor holds. ls is run directly: dash keeps fds of its own. */
TEST(test_child_sees_only_stdio)
{
    cloexec_inherited_fds();
    char *dir = make_tmpdir();
    struct mf_exec *ex = NULL;
    CHECK_EQ_INT(exec_new(NULL, NULL, &ex, NULL), 0);
    start_sh(ex, "sleep 0.5", "other", path_in(dir, "o1"), path_in(dir, "e1"), 0, NULL);
    char *argv[] = { (char *)"/bin/ls", (char *)"/proc/self/fd", NULL };
    CHECK_EQ_INT(exec_start(ex, argv, "ls", path_in(dir, "o2"), path_in(dir, "e2"), 0, NULL, NULL, NULL), 0);
    start_sh(ex, "read x; echo read=$?", "stdin", path_in(dir, "o3"), NULL, 0, NULL);
    for (int i = 0; i < 3; i++)
        wait_one(ex);
    mf__exec_free(ex);
    struct mf_buf b = read_all(path_in(dir, "o2"));
    CHECK_EQ_STR(b.buf, "0\n1\n2\n3\n"); /* 3: ls's own directory */
    mf__buf_release(&b);
    b = read_all(path_in(dir, "o3"));
    CHECK_EQ_STR(b.buf, "read=1\n");
    mf__buf_release(&b);
    remove_tmpdirs();
}

TEST(test_no_fd_leak)
{
    int fds_before = count_fds();
    char *dir = make_tmpdir();
    struct mf_exec *ex = NULL;
    CHECK_EQ_INT(exec_new(NULL, NULL, &ex, NULL), 0);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 20; i++)
            start_sh(ex, "echo x; echo y >&2", "t", path_in(dir, "o"), path_in(dir, "e"), 0, NULL);
        while (mf__exec_running(ex))
            wait_one(ex);
    }
    start_sh(ex, "sleep 0.2", "t", path_in(dir, "o"), path_in(dir, "e"), 5, NULL);
    wait_one(ex);
    mf__exec_free(ex);
    CHECK_EQ_INT(count_fds(), fds_before);
    CHECK(no_children_left());
    remove_tmpdirs();
}

TEST(test_free_with_children_running)
{
    int fds_before = count_fds();
    char *dir = make_tmpdir();
    struct mf_exec *ex = NULL;
    CHECK_EQ_INT(exec_new(NULL, NULL, &ex, NULL), 0);
    pid_t pids[3];
    for (int i = 0; i < 3; i++) {
        char script[256], name[16];
        snprintf(name, sizeof(name), "g%d", i);
        snprintf(script, sizeof(script), "trap '' TERM; sleep 100 & echo $! > %s; echo hi; sleep 100",
                 path_in(dir, name));
        pids[i] = start_sh(ex, script, "t", path_in(dir, "o"), NULL, 0, NULL);
    }
    struct mf_exit e;
    CHECK_EQ_INT(mf__exec_wait(ex, &e, 300, NULL), MF_ETIMEDOUT);
    double t0 = mono_s();
    mf__exec_free(ex);
    CHECK(mono_s() - t0 < 1.0);
    CHECK(no_children_left());
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof(name), "g%d", i);
        struct mf_buf g = read_all(path_in(dir, name));
        CHECK(wait_gone((pid_t)atol(g.buf), 2000));
        CHECK(pid_gone(pids[i]));
        mf__buf_release(&g);
    }
    CHECK_EQ_INT(count_fds(), fds_before);
    remove_tmpdirs();
}

TEST(test_wait_timeout_and_nothing_running)
{
    struct mf_exec *ex = NULL;
    struct mf_err err = MF_ERR_INIT;
    struct mf_exit e;
    CHECK_EQ_INT(exec_new(NULL, NULL, &ex, NULL), 0);
    CHECK_EQ_INT(mf__exec_wait(ex, &e, -1, &err), MF_ENOENT);
    start_sh(ex, "sleep 0.5", "t", NULL, NULL, 0, NULL);
    double t0 = mono_s();
    CHECK_EQ_INT(mf__exec_wait(ex, &e, 0, &err), MF_ETIMEDOUT);
    CHECK_EQ_INT(mf__exec_wait(ex, &e, 100, &err), MF_ETIMEDOUT);
    double took = mono_s() - t0;
    CHECK(took >= 0.099 && took < 0.4);
    CHECK_EQ_INT(mf__exec_running(ex), 1);
    e = wait_one(ex);
    CHECK(e.exited && e.exit_code == 0);
    mf__exec_free(ex);
}

static void on_alarm(int sig) { (void)sig; }

TEST(test_wait_interrupted_by_signal)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct mf_exec *ex = NULL;
    CHECK_EQ_INT(exec_new(NULL, NULL, &ex, NULL), 0);
    start_sh(ex, "sleep 0.5", "t", NULL, NULL, 0, NULL);
    struct itimerval it = { { 0, 0 }, { 0, 100000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    struct mf_exit e;
    CHECK_EQ_INT(mf__exec_wait(ex, &e, -1, NULL), MF_ECANCELED);
    e = wait_one(ex);
    CHECK(e.exited);
    mf__exec_free(ex);
}

TEST(test_signal_all)
{
    struct mf_exec *ex = NULL;
    CHECK_EQ_INT(exec_new(NULL, NULL, &ex, NULL), 0);
    for (int i = 0; i < 3; i++)
        start_sh(ex, "sleep 100", "t", NULL, NULL, 0, NULL);
    mf__exec_signal_all(ex, SIGINT);
    for (int i = 0; i < 3; i++) {
        struct mf_exit e = wait_one(ex);
        CHECK(!e.exited);
        CHECK_EQ_INT(e.signal, SIGINT);
        CHECK(!e.timed_out);
    }
    mf__exec_free(ex);
}

TEST(test_log_write_failure_reported)
{
    struct mf_exec *ex = NULL;
    CHECK_EQ_INT(exec_new(NULL, NULL, &ex, NULL), 0);
    start_sh(ex, "echo lost; echo kept >&2", "t", "/dev/full", NULL, 0, NULL);
    struct mf_exit e = wait_one(ex);
    CHECK(e.exited && e.exit_code == 0);
    CHECK_EQ_INT(e.log_errno, ENOSPC);
    mf__exec_free(ex);
}

TEST(test_null_consoles_and_logs)
{
    struct mf_exec *ex = NULL;
    CHECK_EQ_INT(exec_new(NULL, NULL, &ex, NULL), 0);
    start_sh(ex, "echo a; printf b >&2; exit 9", "t", NULL, NULL, 0, NULL);
    struct mf_exit e = wait_one(ex);
    CHECK_EQ_INT(e.exit_code, 9);
    CHECK_EQ_INT(e.log_errno, 0);
    mf__exec_free(ex);
}

/* With SIGCHLD ignored the kernel reaps children itself: the child is still
 * returned (status unknown), and nothing hangs. */
TEST(test_sigchld_ignored)
{
    signal(SIGCHLD, SIG_IGN);
    struct mf_exec *ex = NULL;
    CHECK_EQ_INT(exec_new(NULL, NULL, &ex, NULL), 0);
    start_sh(ex, "echo x; exit 3", "t", NULL, NULL, 0, NULL);
    start_sh(ex, "exec 1>&- 2>&-; sleep 0.2", "t", NULL, NULL, 0, NULL);
    double t0 = mono_s();
    for (int i = 0; i < 2; i++) {
        struct mf_exit e = wait_one(ex);
        CHECK(!e.exited);
        CHECK_EQ_INT(e.signal, 0);
    }
    CHECK(mono_s() - t0 < 1.0);
    mf__exec_free(ex);
}

TESTS_BEGIN
T(test_lines_prefixed_and_logged)
T(test_stdout_stderr_separate)
T(test_exit_codes)
T(test_signal_reported)
T(test_signal_state_reset)
T(test_timeout_kills_group)
T(test_timeout_escalates_to_sigkill)
T(test_partial_last_line)
T(test_carriage_returns_pass_through)
T(test_long_lines_split)
T(test_200_concurrent_children)
T(test_10mb_output_lines)
T(test_10mb_output_one_line)
T(test_child_closes_stdout_early)
T(test_child_closes_both_pipes)
T(test_grandchild_holds_pipes)
T(test_failed_child_group_killed)
T(test_spawn_nonexistent_program)
T(test_log_open_failure)
T(test_child_sees_only_stdio)
T(test_no_fd_leak)
T(test_free_with_children_running)
T(test_wait_timeout_and_nothing_running)
T(test_wait_interrupted_by_signal)
T(test_signal_all)
T(test_log_write_failure_reported)
T(test_null_consoles_and_logs)
T(test_sigchld_ignored)
TESTS_END
