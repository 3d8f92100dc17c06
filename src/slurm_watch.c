/* SPDX-License-Identifier: Apache-2.0 */
/* slurm_watch.c - tells the Slurm backend which running tasks' folders
 * changed, so that it looks at those tasks' files (exit file, logs) and not
 * at every task's after every wake-up: with a 200-task array in flight that
 * was ~370 stat and access calls per task run, and it grows with the tasks
 * in flight. On Linux an inotify watch on each running task's folder reports
 * the rename that publishes an exit file and the writes to its logs. A change
 * made on another host of a network filesystem raises no event here, so the
 * backend trusts a watch only on a local filesystem (mf__slurm_watch_local)
 * and still looks at every other task after each nap, as before. Elsewhere,
 * or when inotify is refused (no instances or watches left), waiting is
 * plain sleeping. */
#include "slurm.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/vfs.h>
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
    /* Exit files arrive by rename (the step's and the wrapper's alike); logs grow by writes. */
    return fd < 0 ? -1 : inotify_add_watch(fd, dir, IN_MOVED_TO | IN_MODIFY | IN_ONLYDIR);
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

/* Filesystems whose every change is made by this host's kernel, so that a
 * watch sees it (linux/magic.h's numbers; ZFS's is its own). A network or
 * cluster filesystem (NFS, Lustre, GPFS, CephFS, ...) is not listed: a file
 * written on a compute node raises no event on the submit host. */
static const unsigned long local_fs[] = {
    0xEF53,     /* ext2, ext3, ext4 */
    0x58465342, /* xfs */
    0x9123683E, /* btrfs */
    0x01021994, /* tmpfs */
    0x858458F6, /* ramfs */
    0xF2F52010, /* f2fs */
    0x794C7630, /* overlayfs */
    0x2FC12FC1, /* zfs */
};

bool mf__slurm_watch_local(const char *dir)
{
    struct statfs sf;
    if (statfs(dir, &sf))
        return false;
    for (size_t i = 0; i < sizeof(local_fs) / sizeof(local_fs[0]); i++)
        if ((unsigned long)sf.f_type == local_fs[i])
            return true;
    return false;
}

#ifdef HAVE_INOTIFY
/* Reads the queued events, telling `changed` each one's watch (-1 when the
 * queue overflowed and events were lost); true when there was any. */
static bool drain(int fd, mf_slurm_changed_fn changed, void *ctx)
{
    union {
        char bytes[4096];
        struct inotify_event align;
    } buf;
    bool any = false;
    for (;;) {
        ssize_t n = read(fd, buf.bytes, sizeof(buf.bytes));
        if (n <= 0)
            return any;
        for (char *p = buf.bytes; p < buf.bytes + n;) {
            struct inotify_event *ev = (struct inotify_event *)(void *)p;
            if (ev->mask & IN_Q_OVERFLOW) {
                any = true;
                if (changed)
                    changed(ctx, -1);
            } else if (ev->mask & (IN_MOVED_TO | IN_MODIFY)) {
                any = true;
                if (changed)
                    changed(ctx, ev->wd);
            }
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

int mf__slurm_watch_wait(int fd, double timeout_s, mf_slurm_changed_fn changed, void *ctx)
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
            if (drain(fd, changed, ctx))
                return 1;
        }
    }
#else
    (void)changed;
    (void)ctx;
#endif
    return nap(timeout_s);
}
