/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_step.c - `step STEP --run-id R --task-id T ...`: runs one task in this
 * process. It is the whole contract between the scheduler and a task, so a
 * cluster executor runs exactly this command line elsewhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "task.h"
#include "util/alloc.h"
#include "util/fsutil.h"

/* Under the Slurm wrapper (slurm_script.c), MF_EXIT_FILE names the task's exit
 * file and MF_EXIT_JOB the job. Both are taken out of the environment before
 * the step runs, so that nothing the step starts (a nested run's tasks) can
 * write this task's exit file. The caller frees *path. */
static void take_exit_file(char **path, char **job)
{
    const char *p = getenv("MF_EXIT_FILE"), *j = getenv("MF_EXIT_JOB");
    *path = p && *p ? mf__strdup(p) : NULL;
    *job = j ? mf__strdup(j) : NULL;
    unsetenv("MF_EXIT_FILE");
    unsetenv("MF_EXIT_JOB");
}

/* A task that succeeded writes "0  JOB" to its exit file itself, through a
 * temporary name and rename as the wrapper would, after its output is
 * flushed: the wrapper then starts no `mv` process (it keeps the file only
 * if its own status is 0 and Slurm sent no signal, else it writes its own).
 * Best effort: if this fails, the wrapper writes the file. */
static void write_exit_file(const char *path, const char *job)
{
    if (!path)
        return;
    fflush(stdout);
    fflush(stderr);
    char *text = mf__strf("0  %s\n", job ? job : "");
    if (text)
        (void)mf__write_atomic(path, text, strlen(text), 0, NULL);
    mf__free(text);
}

static int parse_step_args(struct mf_cli *c, int argc, char **argv, struct mf_task_args *a)
{
    long long attempt = 0, splits = 100, pass = 0;
    for (int i = 2; i < argc; i++) {
        const char *v = NULL;
        int m = 0;
        if (!strcmp(argv[i], "--no-sync")) {
            a->sync = false;
            continue;
        }
#define STR_OPT(flag, field)                                          \
    if ((m = mf__cli_opt(c, argc, argv, &i, flag, &v)) != 0) {        \
        if (m < 0)                                                    \
            return MF_EXIT_USAGE;                                     \
        a->field = v;                                                 \
        continue;                                                     \
    }
        STR_OPT("--run-id", run_id)
        STR_OPT("--task-id", task_id)
        STR_OPT("--input-paths", input_paths)
        STR_OPT("--split-stack", stack)
        STR_OPT("--datastore-root", root)
        STR_OPT("--catch-failure", caught)
#undef STR_OPT
        if ((m = mf__cli_opt(c, argc, argv, &i, "--attempt", &v)) != 0) {
            if (m < 0 || mf__cli_int(c, "--attempt", v, 0, 1000, &attempt))
                return MF_EXIT_USAGE;
            continue;
        }
        if ((m = mf__cli_opt(c, argc, argv, &i, "--pass", &v)) != 0) {
            if (m < 0 || mf__cli_int(c, "--pass", v, 0, 1000000000, &pass))
                return MF_EXIT_USAGE;
            continue;
        }
        if ((m = mf__cli_opt(c, argc, argv, &i, "--max-num-splits", &v)) != 0) {
            if (m < 0 || mf__cli_int(c, "--max-num-splits", v, 1, 10000000, &splits))
                return MF_EXIT_USAGE;
            continue;
        }
        return mf__cli_usage_error(c, "unknown argument '%s' for step", MF_CLI_CUT(argv[i]));
    }
    a->attempt = (int)attempt;
    a->max_num_splits = splits;
    a->pass = pass;
    if (!a->run_id || !a->task_id)
        return mf__cli_usage_error(c, "step needs --run-id and --task-id (it is the command the scheduler runs for "
                                      "each task; use 'run' to run the flow)");
    return MF_EXIT_OK;
}

static void print_step_help(const struct mf_cli *c)
{
    printf("usage: %s step STEP --run-id R --task-id T [--input-paths P] [--split-stack S]\n"
           "       [--attempt N] [--pass N] [--max-num-splits N] [--catch-failure WHY] [--no-sync]\n"
           "       [--datastore-root DIR]\n\n"
           "Runs one task of %s in this process: the command line the scheduler starts for\n"
           "every task, and the one an executor on another machine runs. Users run 'run' or\n"
           "'resume'.\n\n"
           "  --run-id R, --task-id T  the task's run and id (its directory RUN/STEP/TASK)\n"
           "  --input-paths P          the tasks it reads from, RUN/STEP/TASK separated by ','\n"
           "  --split-stack S          the splits it is inside: STEP:TASK:INDEX:COUNT frames, by ','\n"
           "  --attempt N, --pass N    which attempt (retries) and which pass of a loop\n"
           "  --max-num-splits N       refuse a foreach wider than this\n"
           "  --catch-failure WHY      the last attempt failed: record WHY in the catch variable\n"
           "  --no-sync                do not fdatasync what the task writes\n",
           c->prog, c->flow->name);
}

int mf__cmd_step(struct mf_cli *c, int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        print_step_help(c);
        return MF_EXIT_OK;
    }
    if (argc < 2 || argv[1][0] == '-')
        return mf__cli_usage_error(c, "step needs the name of the step first: %s step STEP --run-id R --task-id T "
                                      "... (see step --help)", c->prog);
    struct mf_task_args a = { .root = c->root, .step = argv[1], .input_paths = "", .stack = "", .sync = true };
    int status = parse_step_args(c, argc, argv, &a);
    if (status != MF_EXIT_OK)
        return status;
    /* the step may chdir(): its root must not depend on the directory */
    struct mf_buf root = MF_BUF_INIT;
    c->root = a.root;
    if (mf__cli_absolute_root(c, &root) < 0) {
        mf__buf_release(&root);
        return MF_EXIT_FAIL;
    }
    a.root = c->root;
    /* Lines reach the scheduler (and the console) as they are printed. */
    if (!c->stdout_set)
        setvbuf(stdout, NULL, _IOLBF, 0);
    char *exit_path = NULL, *exit_job = NULL;
    take_exit_file(&exit_path, &exit_job);
    status = mf__task_main(c->flow, c->g, &a);
    if (status == MF_EXIT_OK)
        write_exit_file(exit_path, exit_job);
    mf__free(exit_path);
    mf__free(exit_job);
    mf__buf_release(&root);
    return status;
}
