/* SPDX-License-Identifier: Apache-2.0 */
/* main.c - mf_main(): global options and the command table. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "params.h"
#include "util/buf.h"

struct command {
    const char *name;
    int (*fn)(struct mf_cli *c, int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    { "run", mf__cmd_run, "run the flow from start to end (run --help lists its options)" },
    { "show", mf__cmd_show, "print the steps of the flow and where each goes next (--dot: Graphviz)" },
    { "check", mf__cmd_check, "lint the graph and the parameters without running anything" },
    { "resume", mf__cmd_resume, "re-run a failed run, reusing every task that succeeded (resume --help)" },
    { "runs", mf__cmd_runs, "list the runs of this flow, newest first (--json)" },
    { "dump", mf__cmd_dump, "print the artifacts of a run, a step or a task: dump RUN[/STEP[/TASK]]" },
    { "logs", mf__cmd_logs, "print a task's stdout or stderr: logs RUN/STEP[/TASK] [--stderr]" },
    { "tag", mf__cmd_tag, "add, remove, replace or list the tags of a run: tag add RUN TAG... (tag --help)" },
    { "card", mf__cmd_card, "write a task's card as an HTML page: card RUN/STEP/TASK [-o FILE]" },
    { "report", mf__cmd_report, "write a run's report (graph, timeline, artifacts, cards, logs) as HTML: report RUN" },
    { "verify", mf__cmd_verify, "check every object and index of a run (or of the datastore) against its hash" },
    { "cache", mf__cmd_cache, "list, clear, prune or explain memoised tasks' entries (cache --help)" },
    { "gc", mf__cmd_gc, "list (--delete: remove) temporary files and objects no run needs (gc --help)" },
    { "metadata", mf__cmd_metadata, "rebuild lost or corrupt run metadata from the run directories: metadata rebuild" },
    { "slurm-cancel", mf__cmd_slurm_cancel, "cancel the Slurm jobs a killed run left: slurm-cancel RUN" },
    { "spin", mf__cmd_spin, "run one task of a past run again, alone, into a scratch run: spin RUN/STEP/TASK" },
    { "step", mf__cmd_step, "run one task (the scheduler's command line for each task)" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

int mf__cli_usage_error(struct mf_cli *c, const char *fmt, ...)
{
    va_list ap;
    fputs("error: ", c->err);
    va_start(ap, fmt);
    vfprintf(c->err, fmt, ap);
    va_end(ap);
    fputc('\n', c->err);
    return MF_EXIT_USAGE;
}

const char *mf__cli_cut(const char *s, char *buf, size_t size)
{
    size_t len = strlen(s);
    if (len < size)
        return s;
    size_t keep = size - 4; /* room for "..." and the NUL */
    while (keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80)
        keep--; /* do not split a UTF-8 sequence */
    memcpy(buf, s, keep);
    memcpy(buf + keep, "...", 4);
    return buf;
}

int mf__cli_opt(struct mf_cli *c, int argc, char **argv, int *i, const char *name, const char **value)
{
    size_t len = strlen(name);
    const char *arg = argv[*i];
    if (strncmp(arg, name, len) != 0)
        return 0;
    if (arg[len] == '=') {
        *value = arg + len + 1;
        return 1;
    }
    if (arg[len] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        mf__cli_usage_error(c, "option '%s' needs a value", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

int mf__cli_int(struct mf_cli *c, const char *opt, const char *text, long long min, long long max, long long *out)
{
    char *end = NULL;
    /* strtoll alone would take " 5" and "+5": only digits, after one '-' */
    const char *digits = text[0] == '-' ? text + 1 : text;
    errno = 0;
    long long v = *digits >= '0' && *digits <= '9' ? strtoll(text, &end, 10) : 0;
    if (!end || *end || errno || v < min || v > max) {
        mf__cli_usage_error(c, "invalid value '%s' for %s: expected a whole number from %lld to %lld",
                            MF_CLI_CUT(text), opt, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

bool mf__cli_lint(struct mf_cli *c)
{
    struct mf_buf report = MF_BUF_INIT;
    int problems = mf__graph_lint(c->g, &report);
    int pproblems = mf__params_lint(c->flow, &report);
    if (problems < 0 || pproblems < 0) {
        fprintf(c->err, "error: out of memory while checking the flow\n");
        mf__buf_release(&report);
        return false;
    }
    problems += pproblems;
    for (char *line = report.buf; *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (len)
            fprintf(c->err, "error: %.*s\n", (int)len, line);
        line += len + (nl ? 1 : 0);
    }
    if (problems)
        fprintf(c->err, "%s: %d problem(s) in the graph; nothing was run\n", c->flow->name, problems);
    mf__buf_release(&report);
    return problems == 0;
}

static void usage(struct mf_cli *c, FILE *f)
{
    fprintf(f, "usage: %s [--datastore-root DIR] COMMAND [OPTIONS]\n\n", c->prog);
    fprintf(f, "%s%s%s", c->flow->name, c->flow->doc ? ": " : "", c->flow->doc ? c->flow->doc : "");
    fprintf(f, "\n\nCommands:\n");
    int width = 0; /* the longest name sets the column (slurm-cancel) */
    for (size_t i = 0; i < NCOMMANDS; i++)
        width = (int)strlen(commands[i].name) > width ? (int)strlen(commands[i].name) : width;
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-*s %s\n", width, commands[i].name, commands[i].summary);
    fprintf(f, "\nGlobal options:\n"
               "  --datastore-root DIR  where runs and artifacts are kept (default: $MF_DATASTORE_ROOT,\n"
               "                        else .metaflow in the current directory)\n"
               "  --help                this text; COMMAND --help for a command's options\n"
               "  --version             the library's version\n");
}

/* Global options before the command; returns the command's index in argv
 * or -1 (exit status in *status). */
static int parse_globals(struct mf_cli *c, int argc, char **argv, int *status)
{
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m = mf__cli_opt(c, argc, argv, &i, "--datastore-root", &v);
        if (m < 0)
            return *status = MF_EXIT_USAGE, -1;
        if (m > 0) {
            c->root = v;
            continue;
        }
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") || !strcmp(argv[i], "help")) {
            usage(c, c->out);
            return *status = MF_EXIT_OK, -1;
        }
        if (!strcmp(argv[i], "--version")) {
            fprintf(c->out, "%s (metaflow-c %s)\n", c->flow->name, mf_version_string());
            return *status = MF_EXIT_OK, -1;
        }
        if (argv[i][0] == '-')
            return *status = mf__cli_usage_error(c, "unknown option '%s'; see '%s --help'", MF_CLI_CUT(argv[i]),
                                                 c->prog), -1;
        return i;
    }
    usage(c, c->err);
    return *status = MF_EXIT_USAGE, -1;
}

int mf__cli_absolute_root(struct mf_cli *c, struct mf_buf *out)
{
    if (c->root[0] == '/' || c->root[0] == '\0')
        return 0; /* an empty root is refused where it is used */
    for (size_t size = 256; size <= (1u << 20); size *= 2) {
        mf__buf_reset(out);
        if (mf__buf_grow(out, size))
            break;
        if (getcwd(out->buf, size)) {
            out->len = strlen(out->buf);
            const char *rel = strncmp(c->root, "./", 2) == 0 ? c->root + 2 : c->root;
            if (mf__buf_addf(out, "%s%s", out->len > 1 ? "/" : "", rel))
                break;
            c->root = out->buf;
            return 0;
        }
        if (errno != ERANGE) {
            fprintf(c->err, "error: cannot find the current directory to locate datastore root '%s' (%s); give an "
                            "absolute --datastore-root\n", c->root, strerror(errno));
            return -1;
        }
    }
    fprintf(c->err, "error: out of memory\n");
    return -1;
}

int mf_main(const mf_flow *flow, int argc, char **argv)
{
    struct mf_cli c = { .flow = flow, .prog = argc > 0 ? argv[0] : "flow", .out = stdout, .err = stderr };
    struct mf_err err = MF_ERR_INIT;
    int status = MF_EXIT_USAGE;
    const char *env_root = getenv("MF_DATASTORE_ROOT");
    c.root = env_root && *env_root ? env_root : ".metaflow";
    if (!flow || !flow->name) {
        fprintf(stderr, "error: mf_main() was given no flow (or a flow without a name)\n");
        return MF_EXIT_USAGE;
    }
    int cmd = parse_globals(&c, argc, argv, &status);
    if (cmd < 0)
        return status;
    struct mf_buf root = MF_BUF_INIT;
    if (mf__cli_absolute_root(&c, &root) < 0) {
        mf__buf_release(&root);
        return MF_EXIT_FAIL;
    }
    if (mf__graph_build(flow, &c.g, &err) != 0) {
        fprintf(stderr, "error: %s\n", err.msg);
        mf__buf_release(&root);
        return MF_EXIT_FAIL;
    }
    status = -1;
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[cmd], commands[i].name) == 0)
            status = commands[i].fn(&c, argc - cmd, argv + cmd);
    if (status < 0)
        status = mf__cli_usage_error(&c, "unknown command '%s'; see '%s --help' for the commands",
                                     MF_CLI_CUT(argv[cmd]), c.prog);
    mf__graph_free(c.g);
    mf__buf_release(&root);
    fflush(stdout);
    return status;
}
