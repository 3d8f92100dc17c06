/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_run.c - `run`: options, parameters, lint, then the scheduler. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "codec.h"
#include "console.h"
#include "datastore.h"
#include "exec.h"
#include "meta.h"
#include "params.h"
#include "runtime.h"
#include "util/alloc.h"


static void run_help(struct mf_cli *c)
{
    fprintf(c->out,
            "usage: %s run [OPTIONS] [--PARAMETER VALUE ...]\n\n"
            "Runs %s from start to end, every task in its own process.\n\n"
            "Options:\n"
            "  --max-workers N       tasks run at once (default 16)\n"
            "  --max-num-splits N    refuse a foreach with more items than this (default 100)\n"
            "  --max-passes N        fail the run when a loop would run a step more often (default 1000)\n"
            "  --datastore-root DIR  where runs and artifacts are kept (default .metaflow)\n"
            "  --tag TAG             tag the run (repeatable); see also the tag command\n"
            "  --run-id-file FILE    write the new run's id to FILE as soon as the run exists\n"
            "  --with EXECUTOR       where tasks run: spawn (this machine, the default) or slurm\n"
            "                        (a Slurm cluster: see docs/slurm.md and the --slurm-* options)\n"
            MF_CLI_SLURM_HELP
            "  --quiet               only the tasks' own output, warnings, errors and the last line:\n"
            "                        no per-task lines, status line, progress lines or step summary\n"
            "  --timestamps          each console line starts with the local date and time\n"
            "  --color WHEN          colours: auto (a terminal, unless $NO_COLOR is set), always, never\n"
            "  --progress-every S    on a pipe or file, an \"N of M tasks done\" line every S seconds\n"
            "                        (default 10; a terminal gets a status line redrawn in place)\n"
            "  --no-cache            memoised steps run and publish nothing (docs/memoisation.md)\n"
            "  --recompute STEPS     these memoised steps (comma-separated) run again and republish\n"
            "  --no-sync             do not fdatasync artifacts: faster, but a power loss may lose\n"
            "                        what a finished task wrote (a crash of a process never does)\n"
            "  --kill-grace SECONDS  on Ctrl-C, SIGTERM or a timeout, a task gets SIGTERM and, this\n"
            "                        much later, SIGKILL (default 10; a second Ctrl-C kills at once)\n"
            "  --executor NAME       how tasks are started: %s (default: $MF_EXECUTOR, else the first)\n\n",
            c->prog, c->flow->name, mf__exec_names());
    if (c->flow->nparams) {
        mf__params_help(c->flow, c->out);
        fprintf(c->out, "A parameter not given is read from METAFLOW_RUN_<NAME> (e.g. METAFLOW_RUN_%s) when set.\n",
                c->flow->params[0].name);
    }
    else
        fprintf(c->out, "This flow has no parameters.\n");
}

int mf__cli_check_tag(struct mf_cli *c, const char *tag)
{
    struct mf_err err = MF_ERR_INIT;
    if (mf__tag_check(tag, &err))
        return mf__cli_usage_error(c, "%s", err.msg), -1;
    return 0;
}

/* A number of seconds, 0.001 to one day. */
static int parse_seconds(struct mf_cli *c, const char *opt, const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (!*text || isspace((unsigned char)*text) || *end || errno || !(v >= 0.001 && v <= 86400)) {
        mf__cli_usage_error(c, "invalid %s '%s': give a number of seconds from 0.001 to 86400", opt, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_color(struct mf_cli *c, const char *v, int *out)
{
    static const char *const words[] = { [MF_COLOR_AUTO] = "auto", [MF_COLOR_ALWAYS] = "always",
                                         [MF_COLOR_NEVER] = "never" };
    for (int k = 0; k < 3; k++)
        if (!strcmp(v, words[k]))
            return *out = k, 0;
    mf__cli_usage_error(c, "invalid --color '%s': use auto, always or never", MF_CLI_CUT(v));
    return -1;
}

static int check_executor(struct mf_cli *c, const char *where, const char *name)
{
    if (name && *name && !mf__exec_known(name)) {
        mf__cli_usage_error(c, "unknown executor '%s' in %s: use one of %s", name, where, mf__exec_names());
        return -1;
    }
    return 0;
}

int mf__cli_run_option(struct mf_cli *c, int argc, char **argv, int *i, struct mf_run_args *a)
{
    const char *v = NULL;
    int m;
    if (!strcmp(argv[*i], "--help") || !strcmp(argv[*i], "-h"))
        return a->help = true, 1;
    if (!strcmp(argv[*i], "--quiet"))
        return a->quiet = true, 1;
    if (!strcmp(argv[*i], "--no-sync"))
        return a->nosync = true, 1;
    if (!strcmp(argv[*i], "--timestamps"))
        return a->timestamps = true, 1;
    if (!strcmp(argv[*i], "--no-cache"))
        return a->no_cache = true, 1;
    if ((m = mf__cli_opt(c, argc, argv, i, "--recompute", &v)) != 0)
        return m < 0 ? -1 : (a->recompute = v, 1);
    if ((m = mf__cli_opt(c, argc, argv, i, "--color", &v)) != 0)
        return m < 0 || parse_color(c, v, &a->color) ? -1 : 1;
    if ((m = mf__cli_opt(c, argc, argv, i, "--progress-every", &v)) != 0)
        return m < 0 || parse_seconds(c, "--progress-every", v, &a->progress_every) ? -1 : 1;
    if ((m = mf__cli_opt(c, argc, argv, i, "--max-workers", &v)) != 0)
        return m < 0 || mf__cli_int(c, "--max-workers", v, 1, 4096, &a->max_workers) ? -1 : 1;
    if ((m = mf__cli_opt(c, argc, argv, i, "--max-num-splits", &v)) != 0)
        return m < 0 || mf__cli_int(c, "--max-num-splits", v, 1, 10000000, &a->max_num_splits) ? -1 : 1;
    if ((m = mf__cli_opt(c, argc, argv, i, "--max-passes", &v)) != 0)
        return m < 0 || mf__cli_int(c, "--max-passes", v, 1, 100000000, &a->max_passes) ? -1 : 1;
    if ((m = mf__cli_opt(c, argc, argv, i, "--kill-grace", &v)) != 0)
        return m < 0 || parse_seconds(c, "--kill-grace", v, &a->kill_grace) ? -1 : 1;
    if ((m = mf__cli_opt(c, argc, argv, i, "--executor", &v)) != 0)
        return m < 0 || check_executor(c, "--executor", v) ? -1 : (a->executor = v, 1);
    if ((m = mf__cli_opt(c, argc, argv, i, "--datastore-root", &v)) != 0)
        return m < 0 ? -1 : (c->root = v, 1);
    if ((m = mf__cli_opt(c, argc, argv, i, "--run-id-file", &v)) != 0) {
        if (m > 0 && !*v)
            return mf__cli_usage_error(c, "--run-id-file needs a file name"), -1;
        return m < 0 ? -1 : (a->run_id_file = v, 1);
    }
    if ((m = mf__cli_opt(c, argc, argv, i, "--with", &v)) != 0) /* Metaflow's word; --executor's alias */
        return m < 0 || check_executor(c, "--with", v) ? -1 : (a->executor = v, 1);
    if ((m = mf__cli_slurm_option(c, argc, argv, i, a)) != 0)
        return m;
    if ((m = mf__cli_opt(c, argc, argv, i, "--tag", &v)) != 0) {
        if (m < 0)
            return -1;
        if (mf__cli_check_tag(c, v))
            return -1;
        a->tags[a->ntags++] = v;
        return 1;
    }
    return 0;
}

/* Returns MF_EXIT_OK or a usage error status. */
static int parse_run_args(struct mf_cli *c, int argc, char **argv, struct mf_run_args *a)
{
    for (int i = 1; i < argc; i++) {
        int m = mf__cli_run_option(c, argc, argv, &i, a);
        if (m < 0)
            return MF_EXIT_USAGE;
        if (a->help)
            return MF_EXIT_OK;
        if (m > 0)
            continue;
        if (strncmp(argv[i], "--", 2) != 0 || argv[i][2] == '\0')
            return mf__cli_usage_error(c, "unexpected argument '%s': run takes only options; see '%s run --help'",
                                       MF_CLI_CUT(argv[i]), c->prog);
        const char *name = argv[i] + 2, *eq = strchr(name, '=');
        struct mf_err err = MF_ERR_INIT;
        char *bare = eq ? mf__strndup(name, (size_t)(eq - name)) : NULL;
        int known = mf__params_check_name(c->flow, bare ? bare : name, &err);
        mf__free(bare);
        if (known) /* before taking the next word as its value: '--bogus --count 3' */
            return mf__cli_usage_error(c, "%s", err.msg);
        if (!eq && i + 1 >= argc)
            return mf__cli_usage_error(c, "option '--%s' needs a value; see '%s run --help'", name, c->prog);
        a->names[a->nparams] = eq ? mf__strndup(name, (size_t)(eq - name)) : mf__strdup(name);
        a->texts[a->nparams++] = eq ? eq + 1 : argv[++i];
    }
    return MF_EXIT_OK;
}

/* Parameters not on the command line from METAFLOW_RUN_<NAME> (Metaflow's
 * variables; an empty one counts as unset). `a` has room for every one. */
static int params_from_env(struct mf_cli *c, struct mf_run_args *a)
{
    for (size_t i = 0; c->flow->params && i < c->flow->nparams; i++) {
        const char *name = c->flow->params[i].name;
        bool given = false;
        for (size_t k = 0; k < a->nparams && !given; k++)
            given = !strcmp(a->names[k], name);
        char var[256];
        int len = snprintf(var, sizeof(var), "METAFLOW_RUN_%s", name);
        if (given || len < 0 || (size_t)len >= sizeof(var))
            continue;
        for (char *p = var; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        const char *v = getenv(var);
        if (!v || !*v)
            continue;
        if (!(a->names[a->nparams] = mf__strdup(name)))
            return fprintf(c->err, "error: out of memory\n"), -1;
        a->texts[a->nparams++] = v;
    }
    return 0;
}

/* A task forked by the fork executor enters here with its `step` command
 * line, in a copy of this process: the flow's graph is the one this process
 * built (`cli`, inherited by the fork), so the step command runs at once, as
 * mf_main() would run it after building the graph again. Any other argv goes
 * through mf_main() as main() would send it. */
static int task_entry(void *cli, int argc, char **argv)
{
    const struct mf_cli *parent = cli;
    if (argc < 2 || strcmp(argv[1], "step") != 0)
        return mf_main(parent->flow, argc, argv);
    struct mf_cli c = { .flow = parent->flow, .g = parent->g, .prog = argv[0], .out = stdout, .err = stderr,
                        .stdout_set = true };
    const char *env_root = getenv("MF_DATASTORE_ROOT");
    c.root = env_root && *env_root ? env_root : ".metaflow";
    int status = mf__cmd_step(&c, argc - 1, argv + 1);
    fflush(stdout);
    return status;
}

static int self_exe(char *buf, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n <= 0 || (size_t)n >= size - 1)
        return -1;
    buf[n] = '\0';
    return 0;
}

int mf__cli_start_run(struct mf_cli *c, const struct mf_run_args *a, const mf_value *params)
{
    char exe[PATH_MAX];
    struct mf_err err = MF_ERR_INIT;
    struct mf_ds *ds = NULL;
    char *run_id = NULL;
    int stopped_by = 0;
    if (self_exe(exe, sizeof(exe)))
        return mf__cli_usage_error(c, "cannot find this program's own path in /proc/self/exe");
    const char *executor = a->executor ? a->executor : getenv("MF_EXECUTOR");
    if (!a->executor && check_executor(c, "$MF_EXECUTOR", executor))
        return MF_EXIT_USAGE;
    if (mf__memo_check_recompute(c->g, c->flow->name, a->recompute, &err))
        return mf__cli_usage_error(c, "%s", err.msg);
    /* The console may go away (`run | head`): the run goes on and is recorded,
     * and what is printed after it must not end this process either. */
    signal(SIGPIPE, SIG_IGN);
    /* --datastore-root may have been given after the command */
    const char *given_root = c->root;
    struct mf_buf root = MF_BUF_INIT;
    if (mf__cli_absolute_root(c, &root) < 0) {
        mf__buf_release(&root);
        return MF_EXIT_FAIL;
    }
    struct mf_run_opts o = { .max_workers = (int)a->max_workers, .max_num_splits = a->max_num_splits,
                             .sync = !a->nosync, .quiet = a->quiet, .exe = exe, .prog = c->prog, .root = c->root,
                             .out = c->out, .err = c->err, .tags = a->tags, .origin_run_id = a->origin_run_id,
                             .resume_step = a->resume_step,
                             .max_passes = (int)a->max_passes, .executor = executor,
                             .kill_grace_s = a->kill_grace, .stopped_by = &stopped_by,
                             .task_entry = task_entry, .task_entry_ctx = c,
                             .run_id_file = a->run_id_file,
                             .no_cache = a->no_cache, .recompute = a->recompute,
                             .slurm = &a->slurm };
    struct mf_console_opts co = { .out = c->out, .err = c->err, .color = (enum mf_color_mode)a->color,
                                  .timestamps = a->timestamps, .quiet = a->quiet,
                                  .progress_every_s = a->progress_every };
    int rc = mf__console_new(&co, &o.console) ? mf__err(&err, MF_ENOMEM, "out of memory") : 0;
    if (!rc)
        rc = mf__ds_open(c->root, c->flow->name, a->nosync ? 0 : MF_DS_SYNC, &ds, &err);
    if (!rc)
        rc = mf__run_flow(c->flow, c->g, ds, params, &o, &run_id, &err);
    mf__console_free(o.console);
    if (rc && rc != MF_ESTEPFAIL)
        fprintf(c->err, "error: %s\n", err.msg);
    mf__free(run_id);
    mf__ds_close(ds);
    c->root = given_root;
    mf__buf_release(&root);
    if (stopped_by)
        return 128 + stopped_by; /* as a shell reports a command a signal ended: 130, 143 */
    return rc ? MF_EXIT_FAIL : MF_EXIT_OK;
}

void mf__cli_run_args_release(struct mf_run_args *a)
{
    for (size_t i = 0; a->names && i < a->nparams; i++)
        mf__free((void *)a->names[i]);
    mf__free(a->names);
    mf__free(a->texts);
    mf__free(a->tags);
    mf__free(a->slurm_extra);
}

int mf__cli_run_args_init(struct mf_run_args *a, int argc)
{
    memset(a, 0, sizeof(*a));
    a->max_workers = 16;
    a->max_num_splits = MF_MAX_NUM_SPLITS_DEFAULT;
    a->max_passes = 1000;
    a->names = mf__calloc((size_t)argc + 1, sizeof(*a->names));
    a->texts = mf__calloc((size_t)argc + 1, sizeof(*a->texts));
    a->tags = mf__calloc((size_t)argc + 1, sizeof(*a->tags));
    a->slurm_extra = mf__calloc((size_t)argc + 1, sizeof(*a->slurm_extra));
    a->slurm.extra = a->slurm_extra;
    return a->names && a->texts && a->tags && a->slurm_extra ? 0 : -1;
}

int mf__cmd_run(struct mf_cli *c, int argc, char **argv)
{
    struct mf_run_args a;
    struct mf_err err = MF_ERR_INIT;
    mf_value *params = NULL;
    int status = mf__cli_run_args_init(&a, argc + (int)c->flow->nparams) ? MF_EXIT_FAIL
                                                                           : parse_run_args(c, argc, argv, &a);
    if (status != MF_EXIT_OK)
        goto out;
    if (a.help) {
        run_help(c);
        goto out;
    }
    if (params_from_env(c, &a)) {
        status = MF_EXIT_FAIL;
        goto out;
    }
    if (mf__params_resolve(c->flow, a.names, a.texts, a.nparams, &params, &err) != 0) {
        status = mf__cli_usage_error(c, "%s", err.msg);
        goto out;
    }
    if (!mf__cli_lint(c)) {
        status = MF_EXIT_FAIL;
        goto out;
    }
    status = mf__cli_start_run(c, &a, params);
out:
    mf__cli_run_args_release(&a);
    mf_value_free(params);
    return status;
}
