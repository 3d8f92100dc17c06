/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_spin.c - `spin RUN/STEP/TASK`: runs one task of a past run again, from
 * the inputs it had, into a new scratch run (spin.h), in this very process
 * so that `gdb --args PROG spin ...` or `valgrind PROG spin ...` sees the
 * step's code. The past run is never written. A failed run's report prints
 * this command for its failed task (runtime_run.c).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "runtime.h"
#include "spin.h"
#include "task.h"

struct spin_run {
    struct mf_spin sp;
    struct mf_cli *c;
};

/* Says how the task ended and where, once its outcome is recorded. */
static void say_outcome(struct spin_run *r, int status)
{
    const struct mf_spin *sp = &r->sp;
    struct mf_cli *c = r->c;
    if (status == 0)
        fprintf(c->out, "spin: task %s/%s/%s succeeded; its artifacts: %s dump %s/%s/%s\n", sp->run_id, sp->step,
                sp->task_id, c->prog, sp->run_id, sp->step, sp->task_id);
    else
        fprintf(c->err, "spin: task %s/%s/%s failed (exit %d); run %s is unchanged\n", sp->run_id, sp->step,
                sp->task_id, status, sp->origin_run);
}

/* The task's on_exit hook: a task that fails ends the process (_exit), so
 * its outcome is recorded here first. */
static void spin_exit(void *ctx, int status)
{
    struct spin_run *r = ctx;
    struct mf_err err = MF_ERR_INIT;
    fflush(r->c->out);
    if (mf__spin_finish(&r->sp, status, &err))
        fprintf(r->c->err, "warning: cannot record the end of scratch run %s: %s\n", r->sp.run_id, err.msg);
    say_outcome(r, status);
    fflush(r->c->err);
}

static void spin_help(const struct mf_cli *c)
{
    fprintf(c->out,
            "usage: %s spin RUN/STEP/TASK [--max-num-splits N] [--datastore-root DIR]\n\n"
            "Runs one task of a past run of %s again, alone and in this process, from what the\n"
            "past run recorded for it: its input paths (a join's every input), its split stack (so\n"
            "its foreach item and index), its last attempt number and the run's parameters. A new\n"
            "scratch run (system tag runtime:spin, origin the past run) receives copies of the\n"
            "indexes the task reads, and the task writes only there; the past run is never changed.\n"
            "resume and every \"latest run\" skip scratch runs; 'runs' marks them (spin).\n\n"
            "The step runs once: no retries, no timeout, and a failure is not caught by its\n"
            "catch_var. Its output goes to this terminal (not to the scratch run's logs).\n"
            "A failed run prints this command for its failed task. To debug:\n"
            "  gdb --args %s spin RUN/STEP/TASK\n"
            "  valgrind %s spin RUN/STEP/TASK\n\n"
            "  RUN/STEP/TASK         the task, as 'runs' and 'dump RUN' name it (%s/RUN/STEP/TASK too)\n"
            "  --max-num-splits N    refuse a foreach wider than N (default 100), as run does\n"
            "  --datastore-root DIR  where runs and artifacts are kept (default .metaflow)\n",
            c->prog, c->flow->name, c->prog, c->prog, c->flow->name);
}

/* The pathspec and options; MF_EXIT_OK, or the exit status after help or a
 * usage error. */
static int parse_spin_args(struct mf_cli *c, int argc, char **argv, const char **pathspec, long long *splits)
{
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m = 0;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            spin_help(c);
            return -1;
        }
        if ((m = mf__cli_opt(c, argc, argv, &i, "--max-num-splits", &v)) != 0) {
            if (m < 0 || mf__cli_int(c, "--max-num-splits", v, 1, 10000000, splits))
                return MF_EXIT_USAGE;
            continue;
        }
        if ((m = mf__cli_opt(c, argc, argv, &i, "--datastore-root", &v)) != 0) {
            if (m < 0)
                return MF_EXIT_USAGE;
            c->root = v;
            continue;
        }
        if (argv[i][0] == '-')
            return mf__cli_usage_error(c, "unknown option '%s' for spin (see '%s spin --help')", MF_CLI_CUT(argv[i]),
                                       c->prog);
        if (*pathspec)
            return mf__cli_usage_error(c, "spin takes one task, got '%s' and '%s'", MF_CLI_CUT(*pathspec),
                                       MF_CLI_CUT(argv[i]));
        *pathspec = argv[i];
    }
    if (!*pathspec)
        return mf__cli_usage_error(c, "spin needs a task: %s spin RUN/STEP/TASK (see '%s runs' and '%s dump RUN')",
                                   c->prog, c->prog, c->prog);
    return MF_EXIT_OK;
}

int mf__cmd_spin(struct mf_cli *c, int argc, char **argv)
{
    const char *pathspec = NULL;
    long long splits = MF_MAX_NUM_SPLITS_DEFAULT;
    struct spin_run r = { .c = c };
    struct mf_err err = MF_ERR_INIT;
    struct mf_buf root = MF_BUF_INIT;
    int status = parse_spin_args(c, argc, argv, &pathspec, &splits);
    if (status != MF_EXIT_OK) {
        status = status < 0 ? MF_EXIT_OK : status;
        goto out;
    }
    status = MF_EXIT_FAIL;
    /* the step may chdir(): its root must not depend on the directory */
    if (mf__cli_absolute_root(c, &root) < 0)
        goto out;
    /* Lines reach a pipe as they are printed, before a crash can lose them;
     * set before anything is written to stdout. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    int rc = mf__spin_prepare(c->flow, c->g, c->root, pathspec, &r.sp, &err);
    if (rc) {
        fprintf(c->err, "error: %s\n", err.msg);
        status = rc == MF_EINVAL ? MF_EXIT_USAGE : MF_EXIT_FAIL;
        goto out;
    }
    fprintf(c->out, "%s: spinning task %s into scratch run %s as task %s/%s/%s (run %s is only read)\n",
            c->flow->name, pathspec, r.sp.run_id, r.sp.run_id, r.sp.step, r.sp.task_id, r.sp.origin_run);
    fflush(c->out);
    struct mf_task_args a = { .root = c->root, .run_id = r.sp.run_id, .step = r.sp.step, .task_id = r.sp.task_id,
                              .input_paths = r.sp.inputs, .stack = r.sp.stack, .attempt = r.sp.attempt,
                              .max_num_splits = splits, .sync = true, .no_catch = true, .on_exit = spin_exit,
                              .on_exit_ctx = &r };
    rc = mf__task_main(c->flow, c->g, &a);
    fflush(c->out);
    if (mf__spin_finish(&r.sp, rc, &err))
        fprintf(c->err, "warning: cannot record the end of scratch run %s: %s\n", r.sp.run_id, err.msg);
    say_outcome(&r, rc);
    status = rc == 0 ? MF_EXIT_OK : MF_EXIT_FAIL;
out:
    mf__spin_release(&r.sp);
    mf__buf_release(&root);
    return status;
}
