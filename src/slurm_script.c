/* SPDX-License-Identifier: Apache-2.0 */
/* slurm_script.c - the batch script that wraps the tasks of one sbatch call
 * (one task, or every task of a job array). Its job is the one thing Slurm
 * loses: the step's exit status. The script starts the step in the
 * background so that it can trap the signals Slurm sends the batch shell
 * (TERM on cancel, time limit or preemption; USR2 from --signal=B:USR2@N
 * before the time limit), forwards TERM to the step, waits for it, and
 * writes "STATUS SIGNAL JOB" to the task's exit file through a temporary name and
 * mv, so the scheduler never reads half a file (a step that succeeded has
 * already written "0  JOB" the same way itself). Every argv word is
 * single-quoted: nothing from a flow is ever interpreted by the shell. A job
 * array's script holds no task: each element reads its own task's lines from
 * a file of their own (mf__slurm_array_script, mf__slurm_task_file). */
#include "slurm.h"

#include <string.h>

#include "metaflow.h"

int mf__slurm_quote(struct mf_buf *b, const char *s)
{
    int rc = mf__buf_addch(b, '\'');
    for (const char *p = s; !rc && *p; p++)
        rc = *p == '\'' ? mf__buf_adds(b, "'\\''") : mf__buf_addch(b, *p);
    return rc ? rc : mf__buf_addch(b, '\'');
}

static const char head[] =
    "#!/bin/sh\n"
    "# metaflow-c task wrapper, generated: runs the step command line of array index\n"
    "# $SLURM_ARRAY_TASK_ID (0 for a plain job), or with --gang that of rank\n"
    "# $SLURM_PROCID (each task of a gang's srun), and writes its status to its exit file.\n"
    "# A gang's rank 0 runs on the step's first node (srun's block placement): its\n"
    "# address is srun's own when srun runs there (MF_SLURM_LAUNCH_NODE), else the name's.\n"
    "if [ \"${1:-}\" = --gang ]; then\n"
    "  i=${SLURM_PROCID:-0}\n"
    "  l=${SLURM_STEP_NODELIST:-${SLURM_JOB_NODELIST:-}}\n"
    "  h=${l%%,*}\n"
    "  case $h in *\\[*) p=${h%%\\[*}; h=${l#*\\[}; h=$p${h%%[],-]*} ;; esac\n"
    "  a=\n"
    "  if [ -z \"$h\" ] || [ \"$h\" = \"${MF_SLURM_LAUNCH_NODE:-}\" ]; then a=${SLURM_LAUNCH_NODE_IPADDR:-}\n"
    "  else a=$(getent ahostsv4 \"$h\" 2>/dev/null | { read -r a _ && echo \"$a\"; }); a=${a:-$h}; fi\n"
    "  MF_PARALLEL_MAIN_IP=${a:-127.0.0.1}; export MF_PARALLEL_MAIN_IP\n"
    "else\n"
    "  i=${SLURM_ARRAY_TASK_ID:-0}\n"
    "fi\n";

/* After the case (or the task's file): x, o, e and "$@" are set. `wait` returns early (> 128) when
 * a trapped signal arrives, so it is repeated until the step is gone. A step
 * that succeeds writes its own exit file ("0  JOB", atomically, named by
 * MF_EXIT_FILE: cmd_step.c), which spares this script starting `mv`, a process
 * that cost as much CPU as the shell itself (bench/RESULTS.md, issue 9). The
 * script keeps that file only when it agrees: status 0 and no signal from
 * Slurm; otherwise it writes its own through a temporary name and mv. */
static const char tail[] =
    "sig=\n"
    "pid=\n"
    "trap 'sig=TERM; [ -n \"$pid\" ] && kill -TERM \"$pid\" 2>/dev/null' TERM\n"
    "trap 'sig=USR2; [ -n \"$pid\" ] && kill -TERM \"$pid\" 2>/dev/null' USR2\n"
    "trap 'sig=INT; [ -n \"$pid\" ] && kill -TERM \"$pid\" 2>/dev/null' INT\n"
    "j=${SLURM_JOB_ID:-}\n"
    "[ -z \"${SLURM_ARRAY_JOB_ID:-}\" ] || j=${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\n"
    "case \"${SLURM_STEP_ID:-}\" in [0-9]*) j=$j.$SLURM_STEP_ID ;; esac\n"
    "MF_EXIT_FILE=$x MF_EXIT_JOB=$j \"$@\" </dev/null >>\"$o\" 2>>\"$e\" &\n"
    "pid=$!\n"
    "while :; do\n"
    "  wait \"$pid\"; st=$?\n"
    "  kill -0 \"$pid\" 2>/dev/null || break\n"
    "done\n"
    "[ -z \"$sig\" ] || echo \"metaflow-c: the batch shell got SIG$sig from Slurm; the step ended with status $st\" >&2\n"
    "s=\n"
    "[ -n \"$sig\" ] || [ \"$st\" != 0 ] || { read -r s _ <\"$x\"; } 2>/dev/null || s=\n"
    "[ \"$s\" = 0 ] || { printf '%s %s %s\\n' \"$st\" \"$sig\" \"$j\" >\"$x.tmp.$$\" && mv -f \"$x.tmp.$$\" \"$x\"; }\n"
    "exit \"$st\"\n";

/* "x=EXIT; o=OUT; e=ERR", a newline, and "  set -- ARGV...": what one task's
 * branch (or, for an array, its file) sets before the tail runs it. */
static int task_lines(struct mf_buf *b, const struct mf_slurm_script_task *t)
{
    int rc = mf__buf_adds(b, "x=");
    rc = rc ? rc : mf__slurm_quote(b, t->exit_path);
    rc = rc ? rc : mf__buf_adds(b, "; o=");
    rc = rc ? rc : mf__slurm_quote(b, t->out);
    rc = rc ? rc : mf__buf_adds(b, "; e=");
    rc = rc ? rc : mf__slurm_quote(b, t->err);
    rc = rc ? rc : mf__buf_adds(b, "\n  set --");
    for (char *const *a = t->argv; !rc && *a; a++) {
        rc = mf__buf_addch(b, ' ');
        rc = rc ? rc : mf__slurm_quote(b, *a);
    }
    return rc;
}

static int check_task(const struct mf_slurm_script_task *t, size_t i, struct mf_err *err)
{
    if (!t->argv || !t->argv[0] || !t->out || !t->err || !t->exit_path)
        return mf__err(err, MF_EINVAL, "task %zu of the batch script has no command line, log or exit file", i);
    return 0;
}

int mf__slurm_script(struct mf_buf *b, const struct mf_slurm_script_task *t, size_t n, struct mf_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (check_task(&t[i], i, err))
            return MF_EINVAL;
    int rc = mf__buf_adds(b, head);
    rc = rc ? rc : mf__buf_adds(b, "case \"$i\" in\n");
    for (size_t i = 0; !rc && i < n; i++) {
        rc = mf__buf_addf(b, "%zu) ", i);
        rc = rc ? rc : task_lines(b, &t[i]);
        rc = rc ? rc : mf__buf_adds(b, " ;;\n");
    }
    rc = rc ? rc : mf__buf_adds(b, "*) echo \"metaflow-c: no task for index $i\" >&2; exit 2 ;;\nesac\n");
    rc = rc ? rc : mf__buf_adds(b, tail);
    return rc ? mf__err(err, MF_ENOMEM, "out of memory") : 0;
}

/* An array element's shell reads its own task's file, not a branch per task:
 * a `case` is parsed whole before it runs, so a script holding every task
 * cost each element time in proportion to the array's size (about 4 ms of
 * CPU per element at 200 tasks here, as much as starting the shell). The
 * index is checked to be digits first, so `.` can only read a file of DIR. */
int mf__slurm_array_script(struct mf_buf *b, const char *dir, struct mf_err *err)
{
    int rc = mf__buf_adds(b, head);
    rc = rc ? rc : mf__buf_adds(b, "f=");
    rc = rc ? rc : mf__slurm_quote(b, dir);
    rc = rc ? rc : mf__buf_adds(b, "/$i\n"
                                   "case \"$i\" in *[!0-9]*|'') f= ;; esac\n"
                                   "[ -n \"$f\" ] && [ -r \"$f\" ] || { echo \"metaflow-c: no task for index $i\" >&2; exit 2; }\n"
                                   ". \"$f\"\n");
    rc = rc ? rc : mf__buf_adds(b, tail);
    return rc ? mf__err(err, MF_ENOMEM, "out of memory") : 0;
}

int mf__slurm_task_file(struct mf_buf *b, const struct mf_slurm_script_task *t, struct mf_err *err)
{
    if (check_task(t, 0, err))
        return MF_EINVAL;
    int rc = mf__buf_adds(b, "# metaflow-c: one array task's step, read by its job's batch script\n");
    rc = rc ? rc : task_lines(b, t);
    rc = rc ? rc : mf__buf_addch(b, '\n');
    return rc ? mf__err(err, MF_ENOMEM, "out of memory") : 0;
}

int mf__slurm_gang_script(struct mf_buf *b, const char *inner, size_t n, struct mf_err *err)
{
    /* srun in a batch job no longer inherits --cpus-per-task (Slurm 22.05): passed again. The
     * batch shell becomes srun, which forwards Slurm's TERM and USR2 to every rank's wrapper. */
    int rc = mf__buf_addf(b,
                          "#!/bin/sh\n"
                          "# metaflow-c gang wrapper, generated: the %zu ranks of one gang as one job step,\n"
                          "# started together; a rank that fails ends the others (--kill-on-bad-exit).\n"
                          "MF_SLURM_LAUNCH_NODE=${SLURMD_NODENAME:-}; export MF_SLURM_LAUNCH_NODE\n"
                          "exec srun --kill-on-bad-exit=1 --ntasks=%zu "
                          "${SLURM_CPUS_PER_TASK:+--cpus-per-task=$SLURM_CPUS_PER_TASK} /bin/sh ",
                          n, n);
    rc = rc ? rc : mf__slurm_quote(b, inner);
    rc = rc ? rc : mf__buf_adds(b, " --gang\n");
    return rc ? mf__err(err, MF_ENOMEM, "out of memory") : 0;
}
