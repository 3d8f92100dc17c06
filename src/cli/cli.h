/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.h - the command line of a flow program (mf_main): a table of commands,
 * one file each, sharing this context. The CLI is the top of the stack: it
 * is the only library code that prints to the console or picks exit codes.
 */
#ifndef MF_CLI_H
#define MF_CLI_H
#include <stdbool.h>
#include <stdio.h>

#include "graph.h"
#include "util/buf.h"
#include "metaflow.h"
#include "slurm.h"

/* Exit statuses of every command. */
enum { MF_EXIT_OK = 0, MF_EXIT_FAIL = 1, MF_EXIT_USAGE = 2 };

struct mf_cli {
    const mf_flow *flow;
    struct mf_graph *g;
    const char *prog; /* argv[0] */
    const char *root; /* datastore root: option, else $MF_DATASTORE_ROOT, else .metaflow */
    const char *ns;   /* --namespace NS of a reading command ("" global); NULL: the client's default */
    FILE *out, *err;
    bool stdout_set; /* stdout is line-buffered already (a forked task: the fork server set it) */
};

/* Prints "error: <message>" to the CLI's stderr; returns MF_EXIT_USAGE. */
int mf__cli_usage_error(struct mf_cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* User text for a message: `s` itself, or when longer than fits `buf`
 * (size bytes) its start (cut on a UTF-8 boundary) + "..." there, so that a
 * 100 KB argument is never echoed back in full. MF_CLI_CUT(s) uses a buffer
 * that lives until the end of the enclosing block. */
const char *mf__cli_cut(const char *s, char *buf, size_t size);
#define MF_CLI_CUT(s) mf__cli_cut((s), (char[84]){ 0 }, 84)
/* Matches option `name` at argv[*i] as "--name VALUE" or "--name=VALUE".
 * Returns 1 and sets *value (advancing *i past a separate value), 0 if
 * argv[*i] is another option, -1 after printing a usage error when the value
 * is missing. */
int mf__cli_opt(struct mf_cli *c, int argc, char **argv, int *i, const char *name, const char **value);
/* Parses a decimal integer option value in [min, max]; -1 after printing a
 * usage error naming the option. */
int mf__cli_int(struct mf_cli *c, const char *opt, const char *text, long long min, long long max, long long *out);
/* Makes c->root absolute when it is relative, pointing it into `out` (which
 * must outlive that use): a step may chdir(), and each task is given this
 * root, so they all name the same store whatever their working directory.
 * 0, or -1 after printing why. */
int mf__cli_absolute_root(struct mf_cli *c, struct mf_buf *out);
/* Lints graph and parameters; prints each problem; true when clean. */
bool mf__cli_lint(struct mf_cli *c);

/* Options shared by run and resume (cmd_run.c). */
struct mf_run_args {
    long long max_workers, max_num_splits, max_passes;
    bool quiet, nosync, help;
    bool timestamps;           /* --timestamps */
    int color;                 /* --color: enum mf_color_mode (console.h) */
    double progress_every;     /* --progress-every SECONDS; 0: the default */
    const char **names, **texts; /* parameters given, as --name VALUE */
    size_t nparams;
    const char **tags; /* NULL-terminated */
    size_t ntags;
    struct mf_slurm_opts slurm; /* --slurm-* */
    const char **slurm_extra;  /* NULL-terminated --slurm-extra words */
    size_t nextra;
    const char *origin_run_id; /* resume only */
    const char *resume_step;   /* resume only */
    double kill_grace;         /* --kill-grace SECONDS; 0: the default */
    const char *executor;      /* --executor NAME or --with NAME; NULL: $MF_EXECUTOR, else the default */
    const char *run_id_file;   /* --run-id-file FILE */
    bool no_cache;             /* --no-cache */
    const char *recompute;     /* --recompute STEP[,STEP...] */
};
/* `argc`: room for that many parameters and tags. */
int mf__cli_run_args_init(struct mf_run_args *a, int argc);
void mf__cli_run_args_release(struct mf_run_args *a);
/* Matches one option shared by run and resume at argv[*i]: 1 taken, 0 not
 * one of them, -1 after printing a usage error. */
int mf__cli_run_option(struct mf_cli *c, int argc, char **argv, int *i, struct mf_run_args *a);
/* The --slurm-* options of run and resume (cmd_slurm.c): 1 taken, 0 not one
 * of them, -1 after a usage error. */
int mf__cli_slurm_option(struct mf_cli *c, int argc, char **argv, int *i, struct mf_run_args *a);
#define MF_CLI_SLURM_HELP                                                                               \
    "  --slurm-partition P   --slurm-account A   --slurm-qos Q: for every job (default: the cluster's)\n" \
    "  --slurm-extra WORD    one more sbatch/srun argument, verbatim (repeatable)\n"                    \
    "  --slurm-poll S        at most one squeue per S seconds for the whole run (default 30)\n"          \
    "  --slurm-grace S       a job gone from the queue without an exit file fails S s later (10)\n"     \
    "  --slurm-gres-gpus     ask for GPUs as --gres=gpu:N instead of --gpus=N\n"                          \
    "  --slurm-gang-per-node a gang of N tasks on N nodes, one each (default: where Slurm puts them)\n"
/* Metaflow's rule for a tag (mf__tag_check, meta.h): 1 to 500 bytes of
 * UTF-8 text (spaces, commas and any script allowed); control characters are
 * refused too, so that listing tags cannot garble a terminal. 0, or -1 after
 * printing a usage error saying what is wrong. */
int mf__cli_check_tag(struct mf_cli *c, const char *tag);
/* Namespaces of the reading commands (namespace.c). Matches --namespace NS
 * at argv[*i]: 1 taken (c->ns set; NS must be a tag, or "" for every
 * namespace), 0 another option, -1 after a usage error. */
int mf__cli_ns_option(struct mf_cli *c, int argc, char **argv, int *i);
#define MF_CLI_NS_HELP                                                                              \
    "  --namespace NS   read the runs having tag NS (default: $MF_NAMESPACE, else user:YOU, the\n"   \
    "                   runs you started); --namespace '' reads every run\n"
/* Opens the client of c->root in the namespace the command was given;
 * MF_EXIT_OK, or MF_EXIT_FAIL after printing why. */
int mf__cli_client_open(struct mf_cli *c, mf_client **out);
/* MF_EXIT_OK when run `run_id` may be read in the client's namespace (or
 * does not exist: the read that follows says so); MF_EXIT_FAIL after
 * printing which namespace it is in and the option that reads it. */
int mf__cli_run_visible(struct mf_cli *c, mf_client *cl, const char *run_id);
/* Starts the run (or resume) and waits for its end; returns the exit status. */
int mf__cli_start_run(struct mf_cli *c, const struct mf_run_args *a, const mf_value *params);

int mf__cmd_run(struct mf_cli *c, int argc, char **argv);
int mf__cmd_step(struct mf_cli *c, int argc, char **argv);
int mf__cmd_show(struct mf_cli *c, int argc, char **argv);
int mf__cmd_check(struct mf_cli *c, int argc, char **argv);
int mf__cmd_resume(struct mf_cli *c, int argc, char **argv);
int mf__cmd_runs(struct mf_cli *c, int argc, char **argv);
int mf__cmd_dump(struct mf_cli *c, int argc, char **argv);
int mf__cmd_logs(struct mf_cli *c, int argc, char **argv);
int mf__cmd_tag(struct mf_cli *c, int argc, char **argv);
int mf__cmd_cache(struct mf_cli *c, int argc, char **argv);
int mf__cmd_verify(struct mf_cli *c, int argc, char **argv);
int mf__cmd_gc(struct mf_cli *c, int argc, char **argv);
int mf__cmd_metadata(struct mf_cli *c, int argc, char **argv);
int mf__cmd_slurm_cancel(struct mf_cli *c, int argc, char **argv);
int mf__cmd_card(struct mf_cli *c, int argc, char **argv);
int mf__cmd_report(struct mf_cli *c, int argc, char **argv);
int mf__cmd_spin(struct mf_cli *c, int argc, char **argv);

/* Pages (cmd_card.c): the options of card and report (TARGET, -o FILE,
 * --datastore-root): 0 parsed, 1 after printing `help`, -1 after a usage
 * error. Writing a page: to `path` atomically, or to stdout when path is
 * NULL or "-"; returns an exit status, printing why on failure. */
int mf__cli_page_args(struct mf_cli *c, int argc, char **argv, const char *cmd, const char *help, const char **target,
                      const char **out);
int mf__cli_write_page(struct mf_cli *c, const char *path, const struct mf_buf *page);
#endif
