/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime_stop.c - stopping a run in bounded time and leaving nothing behind:
 * SIGTERM to every task, SIGKILL after the kill grace (at once on a second
 * interrupt), and removing the temporary files of tasks that a signal ended
 * (a task killed mid-write cannot remove its own "*.tmp-PID-NONCE" files;
 * the scheduler knows its pid and where it writes). Also the worker limit a
 * backend can honour with the process's file limit.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime_impl.h"
#include "util/alloc.h"
#include "util/buf.h"

void mf__stop_begin(struct sched *s, int sig)
{
    double grace = s->o->kill_grace_s > 0 ? s->o->kill_grace_s : MF_EXEC_KILL_GRACE_DEFAULT;
    s->kill_at = mf__now() + grace;
    mf__console_say(s->con, MF_CON_WARN,
                    "interrupted by %s: stopping %zu running task(s); SIGKILL in %g s or at a second interrupt",
                    sig == SIGTERM ? "SIGTERM" : "SIGINT", mf__exec_running(s->ex), grace);
    mf__exec_signal_all(s->ex, SIGTERM);
}

int mf__stop_tick(struct sched *s, bool again, int wait_ms)
{
    if (s->kill_at == 0.0 || s->killed)
        return wait_ms;
    double now = mf__now();
    if (again || now >= s->kill_at) {
        mf__console_say(s->con, MF_CON_WARN, "%s: killing %zu task(s) still running (SIGKILL)",
                        again ? "interrupted again" : "kill grace over", mf__exec_running(s->ex));
        mf__exec_signal_all(s->ex, SIGKILL);
        s->killed = true;
        return wait_ms;
    }
    double ms = (s->kill_at - now) * 1000.0 + 1;
    return ms < wait_ms ? (int)ms : wait_ms;
}

int mf__note_ended(struct sched *s, const struct stask *t, const struct mf_exit *x)
{
    if (x->exited || x->pid <= 0)
        return 0; /* it exited: its own error paths removed what it wrote */
    char id[32];
    struct mf_buf dir = MF_BUF_INIT;
    snprintf(id, sizeof(id), "%" PRIu64, t->id);
    if (MF_GROW(s->dead, s->dead_cap, s->ndead + 1) ||
        mf__ds_task_dir(s->ds, s->run_id, s->g->nodes[t->node].name, id, &dir)) {
        mf__buf_release(&dir);
        return MF_ENOMEM;
    }
    s->dead[s->ndead].pid = x->pid;
    s->dead[s->ndead].dir = mf__buf_detach(&dir, NULL);
    s->ndead++;
    return 0;
}

/* The pid in "NAME.tmp-PID-NONCE" (util/fsutil.c names them so), or 0. */
static long temp_pid(const char *name)
{
    const char *p = strstr(name, ".tmp-");
    if (!p)
        return 0;
    char *end = NULL;
    long pid = strtol(p + 5, &end, 10);
    return end && *end == '-' ? pid : 0;
}

static void sweep_dir(struct sched *s, const char *dir, struct mf_buf *path)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid = temp_pid(e->d_name);
        for (size_t i = 0; pid > 0 && i < s->ndead; i++) {
            if (s->dead[i].pid != (pid_t)pid)
                continue;
            mf__buf_reset(path);
            if (!mf__buf_addf(path, "%s/%s", dir, e->d_name))
                unlink(path->buf);
            break;
        }
    }
    closedir(d);
}

/* Objects are written as ROOT/objects/ab/cdef....tmp-PID-NONCE, an index as
 * TASKDIR/index.tmp-PID-NONCE. One pass over the object directories for all
 * the tasks, at the end of the run. A pid is reused only after its task was
 * reaped, and a new process would have to write into this store within the
 * run's last moments to be mistaken for it; its rename would then fail and
 * its task fail: never a wrong object. */
void mf__sweep_temps(struct sched *s)
{
    if (!s->ndead)
        return;
    struct mf_buf objects = MF_BUF_INIT, sub = MF_BUF_INIT, path = MF_BUF_INIT;
    for (size_t i = 0; i < s->ndead; i++)
        sweep_dir(s, s->dead[i].dir, &path);
    DIR *d = NULL;
    if (!mf__buf_addf(&objects, "%s/objects", mf__ds_root(s->ds)) && (d = opendir(objects.buf)) != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            mf__buf_reset(&sub);
            if (!mf__buf_addf(&sub, "%s/%s", objects.buf, e->d_name))
                sweep_dir(s, sub.buf, &path);
        }
        closedir(d);
    }
    mf__buf_release(&objects);
    mf__buf_release(&sub);
    mf__buf_release(&path);
}

void mf__stop_release(struct sched *s)
{
    for (size_t i = 0; i < s->ndead; i++)
        mf__free(s->dead[i].dir);
    mf__free(s->dead);
}

size_t mf__worker_limit(struct sched *s)
{
    size_t want = (size_t)s->o->max_workers, cap = mf__exec_capacity(s->ex);
    if (cap && cap < want) {
        if (!s->said_capacity)
            mf__console_say(s->con, MF_CON_INFO, "note: --max-workers %d is more than this process's open-file "
                            "limit allows (ulimit -n); running at most %zu task(s) at once", s->o->max_workers, cap);
        s->said_capacity = true;
        return cap;
    }
    return want;
}
