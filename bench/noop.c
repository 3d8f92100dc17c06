/* SPDX-License-Identifier: Apache-2.0 */
/* noop.c - the smallest program, linked statically: bench_spawn's floor for a
 * process with no dynamic loading at all. `noop_static fork N P` is the fork
 * executor's floor: N fork + _exit + wait of this (tiny, static) process, P
 * at once, as the fork server starts tasks without exec. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int fork_floor(long n, long parallel)
{
    long running = 0;
    for (long started = 0; started < n || running > 0;) {
        if (started < n && running < parallel) {
            pid_t pid = fork();
            if (pid == 0)
                _exit(0);
            if (pid < 0)
                return 1;
            started++;
            running++;
        } else if (wait(NULL) > 0) {
            running--;
        } else {
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "fork"))
        return fork_floor(atol(argv[2]), atol(argv[3]) > 0 ? atol(argv[3]) : 1);
    return 0;
}
