/* SPDX-License-Identifier: Apache-2.0 */
/* exec_slurm_alloc.c - the Slurm backend inside an allocation (SLURM_JOB_ID
 * set, e.g. a whole flow submitted with one sbatch): each task is a job step,
 * `srun --exact -n1 -N1 ... /bin/sh SCRIPT`, started here as a local process,
 * so there is no sbatch and no polling. A gang of N is one step of N tasks,
 * `srun --exact -n N --kill-on-bad-exit=1 ... /bin/sh SCRIPT --gang`, so its
 * ranks start together or not at all; its N tasks share that srun process.
 * The same wrapper script writes the exit files; srun's own messages go to
 * STATE_DIR/srun-N.log. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_slurm_impl.h"
#include "metaflow.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fsutil.h"

extern char **environ;

/* srun reads these from its environment as defaults; inherited from the
 * allocation they would shape every step like the whole job. */
static const char *const dropped[] = {
    "SLURM_CPUS_PER_TASK=", "SLURM_NTASKS=", "SLURM_NPROCS=", "SLURM_NTASKS_PER_NODE=", "SLURM_MEM_PER_CPU=",
    "SLURM_MEM_PER_NODE=", "SLURM_MEM_PER_GPU=", "SLURM_TRES_PER_TASK=", "SLURM_DISTRIBUTION=", "SLURM_NNODES=",
    "SLURM_JOB_NUM_NODES=", "SLURM_CPU_BIND=", "SLURM_GPUS=", "SLURM_GPUS_PER_TASK=", "SLURM_EXACT=",
    "SLURM_OVERLAP=", "SLURM_STEP_ID=", "SLURM_STEPID=", "MF_SLURM_LAUNCH_NODE=",
};

/* The environment of a step: ours without `dropped`, plus `extra` (NULL: none). */
static char **step_env(char *extra)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = mf__calloc(n + 2, sizeof(char *));
    if (!env)
        return NULL;
    size_t k = 0;
    if (extra)
        env[k++] = extra;
    for (size_t i = 0; i < n; i++) {
        bool drop = false;
        for (size_t j = 0; j < sizeof(dropped) / sizeof(dropped[0]) && !drop; j++)
            drop = !strncmp(environ[i], dropped[j], strlen(dropped[j]));
        if (!drop)
            env[k++] = environ[i];
    }
    return env;
}

static size_t running_local(const struct slurm_exec *ex)
{
    size_t k = 0;
    for (size_t i = 0; i < ex->n; i++)
        k += ex->tasks[i]->state == T_RUNNING_LOCAL;
    return k;
}

/* srun's options for tasks[0..n): one task, or the n ranks of a gang as one
 * step (one per node with --slurm-gang-per-node); a rank that fails ends the
 * others, as in a gang's batch job (slurm_script.c). */
static int srun_args(struct slurm_exec *ex, struct mf_slurm_argv *a, struct stask **tasks, size_t n)
{
    bool gang = tasks[0]->gang_size > 0;
    int rc = mf__slurm_argv_add(a, "srun") || mf__slurm_argv_add(a, "--exact") || mf__slurm_argv_addf(a, "-n%zu", n);
    if (!gang)
        rc = rc || mf__slurm_argv_add(a, "-N1");
    else {
        rc = rc || mf__slurm_argv_add(a, "--kill-on-bad-exit=1");
        if (ex->so.gang_per_node)
            rc = rc || mf__slurm_argv_addf(a, "--nodes=%zu", n) || mf__slurm_argv_add(a, "--ntasks-per-node=1");
    }
    rc = rc || mf__slurm_argv_addf(a, "--job-name=%s", ex->job_name) || mf__slurm_res_args(ex, a, tasks[0]);
    for (const char *const *e = ex->so.extra; !rc && e && *e; e++)
        rc = mf__slurm_argv_add(a, *e);
    return rc ? MF_ENOMEM : 0;
}

/* Writes the script of tasks[0..n) and starts one srun on it: a task, or
 * (gang_size > 0) the n ranks of a gang, which then share the srun process.
 * The ranks learn where rank 0 runs from srun (the wrapper's --gang) and
 * this node's name, where srun runs, from MF_SLURM_LAUNCH_NODE. */
static int launch(struct slurm_exec *ex, struct stask **tasks, size_t n, struct mf_err *err)
{
    struct mf_buf script = MF_BUF_INIT;
    struct mf_slurm_argv a = { 0 };
    struct mf_slurm_script_task *st = mf__calloc(n, sizeof(*st));
    bool gang = tasks[0]->gang_size > 0;
    const char *node = getenv("SLURMD_NODENAME");
    char *path = NULL, *log = NULL, **env = NULL, *launch_node = NULL;
    pid_t pid = 0;
    posix_spawn_file_actions_t fa;
    bool fa_ok = false;
    int rc = st ? 0 : MF_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++)
        st[i] = (struct mf_slurm_script_task){ tasks[i]->argv, tasks[i]->out_log, tasks[i]->err_log,
                                               tasks[i]->exit_path };
    if (rc || (rc = mf__slurm_script(&script, st, n, err)))
        goto out;
    ex->seq++;
    path = mf__strf("%s/step-%" PRIu64 ".sh", ex->state_dir, ex->seq);
    log = mf__strf("%s/srun-%" PRIu64 ".log", ex->state_dir, ex->seq);
    if (gang)
        launch_node = mf__strf("MF_SLURM_LAUNCH_NODE=%s", node ? node : "");
    env = step_env(launch_node);
    if (!path || !log || !env || (gang && !launch_node)) {
        rc = MF_ENOMEM;
        goto out;
    }
    if ((rc = mf__write_atomic(path, script.buf, script.len, 0, err)))
        goto out;
    rc = srun_args(ex, &a, tasks, n) || mf__slurm_argv_add(&a, "/bin/sh") || mf__slurm_argv_add(&a, path) ||
                 (gang && mf__slurm_argv_add(&a, "--gang"))
             ? MF_ENOMEM
             : 0;
    if (rc)
        goto out;
    if ((rc = posix_spawn_file_actions_init(&fa)) == 0) {
        fa_ok = true;
        if (!(rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) &&
            !(rc = posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0666)) &&
            !(rc = posix_spawn_file_actions_adddup2(&fa, 1, 2)))
            rc = posix_spawnp(&pid, "srun", &fa, NULL, a.v, env);
    }
    if (rc) {
        rc = mf__err_errno(err, rc == ENOENT ? MF_ENOENT : MF_EIO, rc, "cannot start srun for '%s'%s",
                           tasks[0]->label, gang ? " and the rest of its gang" : "");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        tasks[i]->srun = pid;
        tasks[i]->seq = ex->seq;
        tasks[i]->state = T_RUNNING_LOCAL;
    }
out:
    if (rc == MF_ENOMEM)
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    mf__buf_release(&script);
    mf__slurm_argv_release(&a);
    mf__free(st);
    mf__free(path);
    mf__free(log);
    mf__free(env);
    mf__free(launch_node);
    return rc;
}

/* Starts queued tasks in order while fewer than max_workers run: a gang as a
 * whole when all its ranks fit (or when nothing else runs: it is wider than
 * the limit); a gang that does not fit yet holds back the tasks behind it,
 * which could otherwise keep it waiting for ever. */
int mf__slurm_alloc_launch(struct slurm_exec *ex, struct mf_err *err)
{
    size_t running = running_local(ex);
    for (size_t i = 0; i < ex->n && running < (size_t)ex->max_workers; i++) {
        struct stask *t = ex->tasks[i], *one[1] = { t }, **g = one;
        size_t n = t->gang_size > 0 ? t->gang_size : 1;
        if (t->state != T_QUEUED)
            continue;
        if (n > 1 && running > 0 && running + n > (size_t)ex->max_workers)
            break;
        if (n > 1 && !(g = mf__calloc(n, sizeof(*g))))
            return mf__err(err, MF_ENOMEM, "out of memory");
        if (t->gang_size > 0 && mf__slurm_gang_of(ex, i, g)) {
            if (g != one)
                mf__free(g);
            return mf__err(err, MF_EINVAL, "the %zu tasks of the gang of '%s' were not started in rank order one "
                           "after the other", n, t->label);
        }
        struct mf_err lerr = MF_ERR_INIT;
        int rc = launch(ex, g, n, &lerr);
        if (rc == MF_ENOMEM) {
            if (g != one)
                mf__free(g);
            return mf__err(err, rc, "%s", lerr.msg);
        }
        if (rc) /* these tasks fail; the others may still run */
            mf__slurm_fail_tasks(g, n, lerr.msg);
        else
            running += n;
        if (g != one)
            mf__free(g);
    }
    return 0;
}

/* The other running tasks of t's gang still share its srun. */
static bool shares_srun(const struct slurm_exec *ex, const struct stask *t)
{
    for (size_t i = 0; i < ex->n; i++)
        if (ex->tasks[i] != t && ex->tasks[i]->state == T_RUNNING_LOCAL && ex->tasks[i]->srun == t->srun)
            return true;
    return false;
}

void mf__slurm_alloc_reap(struct slurm_exec *ex, struct stask *t)
{
    if (t->srun <= 0)
        return;
    if (shares_srun(ex, t)) { /* a gang's rank: the last one to end waits for srun */
        t->srun = 0;
        return;
    }
    int st;
    while (waitpid(t->srun, &st, 0) < 0 && errno == EINTR)
        ;
    t->srun = 0;
}

/* Task t's srun ended (status st) and t has no exit file: it fails, with
 * srun's last words (e.g. that the allocation has too few nodes). */
static void srun_ended(struct slurm_exec *ex, struct stask *t, int st)
{
    struct mf_buf text = MF_BUF_INIT;
    char *log = mf__strf("%s/srun-%" PRIu64 ".log", ex->state_dir, t->seq);
    const char *last = "";
    if (log && !mf__read_file(log, &text, NULL) && text.len) {
        while (text.len && text.buf[text.len - 1] == '\n')
            text.buf[--text.len] = '\0';
        const char *nl = strrchr(text.buf, '\n');
        last = nl ? nl + 1 : text.buf;
    }
    mf__slurm_tail(ex, t, true);
    t->state = T_DONE;
    t->x.exited = WIFEXITED(st);
    t->x.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    t->x.signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    snprintf(t->x.why, sizeof(t->x.why), "srun ended (status %d) without the step's exit file%s%.120s (%s)",
             t->x.exit_code, last[0] ? ": " : "", last, log ? log : "srun's log");
    mf__buf_release(&text);
    mf__free(log);
}

/* Reaps srun processes that ended; a gang's ranks share theirs. */
bool mf__slurm_alloc_check(struct slurm_exec *ex)
{
    bool any = false;
    for (size_t i = 0; i < ex->n; i++) {
        struct stask *t = ex->tasks[i];
        int st = 0;
        pid_t pid = t->srun;
        if (t->state != T_RUNNING_LOCAL || pid <= 0 || waitpid(pid, &st, WNOHANG) != pid)
            continue;
        for (size_t k = 0; k < ex->n; k++) {
            struct stask *u = ex->tasks[k];
            if (u->state != T_RUNNING_LOCAL || u->srun != pid)
                continue;
            u->srun = 0;
            if (access(u->exit_path, F_OK) == 0)
                continue; /* the exit file says how the step ended: the next round reads it */
            srun_ended(ex, u, st);
            any = true;
        }
    }
    return any;
}

void mf__slurm_alloc_signal(struct slurm_exec *ex, int sig)
{
    pid_t last = 0; /* a gang's ranks, one after the other, share one srun: signalled once */
    for (size_t i = 0; i < ex->n; i++)
        if (ex->tasks[i]->state == T_RUNNING_LOCAL && ex->tasks[i]->srun > 0 && ex->tasks[i]->srun != last)
            kill(last = ex->tasks[i]->srun, sig); /* srun forwards it to the step's processes */
}
