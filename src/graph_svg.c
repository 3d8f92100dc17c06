/* SPDX-License-Identifier: Apache-2.0 */
/*
 * graph_svg.c - `show --format svg`: the DOT picture rendered by Graphviz's
 * own `dot -Tsvg` (the tool of the field; we draw no SVG graph layout of our
 * own). `dot` runs as argv from PATH, never through a shell, reading the DOT
 * text from a pipe and writing the SVG straight to the caller's stream.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"

extern char **environ;

static int spawn_dot(int in_r, int in_w, int out_fd, pid_t *pid)
{
    char *argv[] = { (char *)"dot", (char *)"-Tsvg", NULL };
    posix_spawn_file_actions_t fa;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc)
        return rc;
    if (!(rc = posix_spawn_file_actions_adddup2(&fa, in_r, 0)) && !(rc = posix_spawn_file_actions_addclose(&fa, in_w)) &&
        !(rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 1)))
        rc = posix_spawnp(pid, "dot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

/* Feeds the DOT text to the pipe; SIGPIPE is ignored meanwhile, so a `dot`
 * that dies early is an error we report, not the end of this process. */
static int feed(const struct mf_graph *g, int fd)
{
    struct sigaction ign, old;
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old);
    FILE *f = fdopen(fd, "w");
    int rc = f ? mf__report_dot(g, f) : MF_EIO;
    if (f && fclose(f) == EOF)
        rc = MF_EIO;
    else if (!f)
        close(fd);
    sigaction(SIGPIPE, &old, NULL);
    return rc;
}

int mf__report_svg(const struct mf_graph *g, FILE *out, struct mf_err *err)
{
    int p[2] = { -1, -1 }, rc = 0;
    pid_t pid = -1;
    if (fflush(out) == EOF || pipe(p) < 0)
        return mf__err_errno(err, MF_EIO, errno, "cannot start Graphviz's 'dot'");
    int src = spawn_dot(p[0], p[1], fileno(out), &pid);
    close(p[0]);
    if (src) {
        close(p[1]);
        if (src == ENOENT)
            return mf__err(err, MF_ENOENT, "Graphviz's 'dot' program is not on PATH: install Debian's graphviz package "
                                           "(apt-get install graphviz), or use --format dot");
        return mf__err_errno(err, MF_EIO, src, "cannot run Graphviz's 'dot'");
    }
    int frc = feed(g, p[1]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        rc = mf__err(err, MF_EIO, "Graphviz's 'dot -Tsvg' failed (%s %d)", WIFEXITED(st) ? "exit code" : "signal",
                     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    else if (frc)
        rc = mf__err(err, frc, "cannot write the graph to Graphviz's 'dot'");
    return rc;
}
