/* SPDX-License-Identifier: Apache-2.0 */
/* slurm_watch.c - wakes the Slurm backend when an exit file appears, instead
 * of letting it find the file at its next nap's end (up to 0.25 s later: a
 * quarter second lost at each of a foreach's serial start, join and end jobs).
 * On Linux an inotify watch on each running task's folder reports the rename
 * that publishes an exit file; a change made on another host of a network
 * filesystem raises no event here, so the backend still looks for the files
 * itself after each nap, as before: this only shortens the wait. Elsewhere,
 * or when inotify is refused (no instances or watches left), waiting is
 * plain sleeping. */
#include "slurm.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metaflow.h"

#if defined(__linux__)
#include <sys/inotify.h>
#define HAVE_INOTIFY 1
#endif

int mf__slurm_watch_open(void)
{
#ifdef HAVE_INOTIFY
    return inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
#else
    return -1;
#endif
}

void mf__slurm_watch_close(int fd)
{
    if (fd >= 0)
        close(fd);
}

int mf__slurm_watch_add(int fd, const char *dir)
{
#ifdef HAVE_INOTIFY
    /* Exit files arrive by rename (the step's and the wrapper's alike): only that event. */
    return fd < 0 ? -1 : inotify_add_watch(fd, dir, IN_MOVED_TO | IN_ONLYDIR);
#else
    (void)fd;
    (void)dir;
    return -1;
#endif
}

void mf__slurm_watch_rm(int fd, int wd)
{
#ifdef HAVE_INOTIFY
    if (fd >= 0 && wd >= 0)
        inotify_rm_watch(fd, wd);
#else
    (void)fd;
    (void)wd;
#endif
}

#ifdef HAVE_INOTIFY
/* Reads the queued events; true when one names a file "*.exit" (a task's
 * index, renamed into the same folder, wakes nobody). Events lost to a full
 * queue wake nobody either: those files are found after the nap. */
static bool drain(int fd)
{
    union {
        char bytes[4096];
        struct inotify_event align;
    } buf;
    bool exit_file = false;
    for (;;) {
        ssize_t n = read(fd, buf.bytes, sizeof(buf.bytes));
        if (n <= 0)
            return exit_file;
        for (char *p = buf.bytes; p < buf.bytes + n;) {
            struct inotify_event *ev = (struct inotify_event *)(void *)p;
            size_t len = ev->len ? strlen(ev->name) : 0;
            if (len > 5 && !strcmp(ev->name + len - 5, ".exit"))
                exit_file = true;
            p += sizeof(*ev) + ev->len;
        }
    }
}
#endif

static int nap(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    return nanosleep(&ts, NULL) && errno == EINTR ? MF_ECANCELED : 0;
}

int mf__slurm_watch_wait(int fd, double timeout_s)
{
    if (timeout_s < 0)
        timeout_s = 0;
#ifdef HAVE_INOTIFY
    if (fd >= 0) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (;;) {
            struct timespec t1;
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double left = timeout_s - ((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
            if (left <= 0)
                return 0;
            struct pollfd p = { fd, POLLIN, 0 };
            int r = poll(&p, 1, (int)(left * 1000) + 1);
            if (r < 0)
                return errno == EINTR ? MF_ECANCELED : nap(left);
            if (r == 0)
                return 0;
            if (drain(fd))
                return 1;
        }
    }
#endif
    return nap(timeout_s);
}
