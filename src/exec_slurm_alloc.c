/* SPDX-License-Identifier: Apache-2.0 */
/* exec_slurm_alloc.c - the Slurm backend inside an allocation (SLURM_JOB_ID
 * set, e.g. a whole flow submitted with one sbatch): each task is a job step,
 * `srun --exact -n1 -N1 ... /bin/sh SCRIPT`, started here as a local process,
 * so there is no sbatch and no polling. The same wrapper script writes the
 * exit file; srun's own messages go to STATE_DIR/srun-N.log. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
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
    "SLURM_OVERLAP=", "SLURM_STEP_ID=", "SLURM_STEPID=",
};

static char **step_env(void)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = mf__calloc(n + 1, sizeof(char *));
    if (!env)
        return NULL;
    size_t k = 0;
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

/* Writes the one-task script and starts srun on it. */
static int launch_one(struct slurm_exec *ex, struct stask *t, struct mf_err *err)
{
    struct mf_buf script = MF_BUF_INIT;
    struct mf_slurm_argv a = { 0 };
    struct mf_slurm_script_task st = { t->argv, t->out_log, t->err_log, t->exit_path };
    char *path = NULL, *log = NULL, **env = NULL;
    posix_spawn_file_actions_t fa;
    bool fa_ok = false;
    int rc = mf__slurm_script(&script, &st, 1, err);
    if (rc)
        goto out;
    ex->seq++;
    path = mf__strf("%s/step-%" PRIu64 ".sh", ex->state_dir, ex->seq);
    log = mf__strf("%s/srun-%" PRIu64 ".log", ex->state_dir, ex->seq);
    env = step_env();
    if (!path || !log || !env) {
        rc = mf__err(err, MF_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = mf__write_atomic(path, script.buf, script.len, 0, err)))
        goto out;
    rc = mf__slurm_argv_add(&a, "srun") || mf__slurm_argv_add(&a, "--exact") || mf__slurm_argv_add(&a, "-n1") ||
         mf__slurm_argv_add(&a, "-N1") || mf__slurm_argv_addf(&a, "--job-name=%s", ex->job_name) ||
         mf__slurm_res_args(ex, &a, t);
    for (const char *const *e = ex->so.extra; !rc && e && *e; e++)
        rc = mf__slurm_argv_add(&a, *e);
    rc = rc || mf__slurm_argv_add(&a, "/bin/sh") || mf__slurm_argv_add(&a, path);
    if (rc) {
        rc = mf__err(err, MF_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = posix_spawn_file_actions_init(&fa)) == 0) {
        fa_ok = true;
        if (!(rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) &&
            !(rc = posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0666)) &&
            !(rc = posix_spawn_file_actions_adddup2(&fa, 1, 2)))
            rc = posix_spawnp(&t->srun, "srun", &fa, NULL, a.v, env);
    }
    if (rc) {
        rc = mf__err_errno(err, rc == ENOENT ? MF_ENOENT : MF_EIO, rc, "cannot start srun for '%s'", t->label);
        goto out;
    }
    t->state = T_RUNNING_LOCAL;
out:
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    mf__buf_release(&script);
    mf__slurm_argv_release(&a);
    mf__free(path);
    mf__free(log);
    mf__free(env);
    return rc;
}

int mf__slurm_alloc_launch(struct slurm_exec *ex, struct mf_err *err)
{
    for (size_t i = 0; i < ex->n && running_local(ex) < (size_t)ex->max_workers; i++) {
        struct stask *t = ex->tasks[i];
        if (t->state != T_QUEUED)
            continue;
        struct mf_err lerr = MF_ERR_INIT;
        int rc = launch_one(ex, t, &lerr);
        if (rc == MF_ENOMEM)
            return mf__err(err, rc, "%s", lerr.msg);
        if (rc) { /* this task fails; the others may still run */
            t->state = T_DONE;
            t->x.exited = true;
            t->x.exit_code = -1;
            mf__slurm_set_why(&t->x, lerr.msg);
        }
    }
    return 0;
}

void mf__slurm_alloc_reap(struct slurm_exec *ex, struct stask *t)
{
    (void)ex;
    if (t->srun <= 0)
        return;
    int st;
    while (waitpid(t->srun, &st, 0) < 0 && errno == EINTR)
        ;
    t->srun = 0;
}

bool mf__slurm_alloc_check(struct slurm_exec *ex)
{
    bool any = false;
    for (size_t i = 0; i < ex->n; i++) {
        struct stask *t = ex->tasks[i];
        int st = 0;
        if (t->state != T_RUNNING_LOCAL || waitpid(t->srun, &st, WNOHANG) != t->srun)
            continue;
        t->srun = 0;
        if (access(t->exit_path, F_OK) == 0)
            continue; /* the exit file says how the step ended: the next round reads it */
        mf__slurm_tail(ex, t, true);
        t->state = T_DONE;
        t->x.exited = WIFEXITED(st);
        t->x.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        t->x.signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
        snprintf(t->x.why, sizeof(t->x.why), "srun ended (status %d) without the step's exit file: see %s/srun-*.log",
                 t->x.exit_code, ex->state_dir);
        any = true;
    }
    return any;
}

void mf__slurm_alloc_signal(struct slurm_exec *ex, int sig)
{
    for (size_t i = 0; i < ex->n; i++)
        if (ex->tasks[i]->state == T_RUNNING_LOCAL && ex->tasks[i]->srun > 0)
            kill(ex->tasks[i]->srun, sig); /* srun forwards it to the step's processes */
}
