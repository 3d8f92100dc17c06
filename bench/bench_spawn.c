/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_spawn.c - the machine's floor for "one task, one process": starts a
 * program N times with posix_spawn, keeping P in flight (as the scheduler
 * does with --max-workers), and prints the wall time per process. A task can
 * never cost less than this; the difference is what metaflow-c adds. The
 * children's stdout goes to /dev/null.
 *
 *   bench_spawn [-n N] [-j P] PROGRAM [ARG...]     (defaults: 1000, 16)
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long count_arg(const char *flag, const char *text)
{
    char *end = NULL;
    long v = strtol(text ? text : "", &end, 10);
    if (!text || *end || v < 1 || v > 10000000) {
        fprintf(stderr, "bench_spawn: %s needs a whole number from 1 to 10000000\n", flag);
        exit(2);
    }
    return v;
}

/* Waits for one child; 1 if it failed, 0 if it exited 0. */
static int reap_one(void)
{
    int status = 0;
    while (wait(&status) < 0)
        if (errno != EINTR) {
            perror("bench_spawn: wait");
            exit(1);
        }
    return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(int argc, char **argv)
{
    long n = 1000, parallel = 16, running = 0, failed = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i += 2) {
        if (!strcmp(argv[i], "-n"))
            n = count_arg("-n", i + 1 < argc ? argv[i + 1] : NULL);
        else if (!strcmp(argv[i], "-j"))
            parallel = count_arg("-j", i + 1 < argc ? argv[i + 1] : NULL);
        else
            break;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: bench_spawn [-n N] [-j P] PROGRAM [ARG...]\n");
        return 2;
    }
    posix_spawn_file_actions_t quiet;
    if (posix_spawn_file_actions_init(&quiet) ||
        posix_spawn_file_actions_addopen(&quiet, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)) {
        fprintf(stderr, "bench_spawn: out of memory\n");
        return 1;
    }
    double t0 = now();
    for (long started = 0; started < n; started++) {
        if (running == parallel) {
            failed += reap_one();
            running--;
        }
        pid_t pid;
        int rc = posix_spawn(&pid, argv[i], &quiet, NULL, argv + i, environ);
        if (rc) {
            fprintf(stderr, "bench_spawn: cannot start '%s': %s\n", argv[i], strerror(rc));
            return 1;
        }
        running++;
    }
    while (running-- > 0)
        failed += reap_one();
    double secs = now() - t0;
    posix_spawn_file_actions_destroy(&quiet);
    printf("%-40s %ld processes, %ld at once: %.3f s, %.3f ms per process%s\n", argv[i], n, parallel, secs,
           secs * 1000 / (double)n, failed ? " (some failed)" : "");
    return failed ? 1 : 0;
}
