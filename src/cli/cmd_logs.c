/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_logs.c - `logs RUN/STEP[/TASK] [--stderr] [--attempt N]`: a task's
 * output as it was captured; every task of the step without TASK. */
#include <string.h>

#include "cli.h"
#include "client_impl.h"

static int print_log(struct mf_cli *c, mf_client *cl, const char *ps, const char *stream, int attempt, bool header)
{
    char *text = NULL;
    size_t len = 0;
    if (mf_client_logs(cl, c->flow->name, ps, stream, attempt, &text, &len))
        return fprintf(c->err, "error: %s\n", mf_client_errmsg(cl)), MF_EXIT_FAIL;
    if (header)
        fprintf(c->out, "== %s ==\n", ps);
    fwrite(text, 1, len, c->out);
    mf_free(text);
    return MF_EXIT_OK;
}

int mf__cmd_logs(struct mf_cli *c, int argc, char **argv)
{
    const char *target = NULL, *stream = "stdout";
    long long attempt = -1;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m;
        if (!strcmp(argv[i], "--stderr"))
            stream = "stderr";
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return fprintf(c->out, "usage: %s logs RUN/STEP[/TASK] [--stderr] [--attempt N] [--namespace NS] "
                                   "[--datastore-root DIR]\n\n"
                                   "Prints what a task wrote to stdout (stderr with --stderr), verbatim, of its last "
                                   "attempt\nunless --attempt N (from 0) says which. Without TASK, every task of the "
                                   "step, each under\na \"== RUN/STEP/TASK ==\" header.\n" MF_CLI_NS_HELP, c->prog),
                   MF_EXIT_OK;
        else if ((m = mf__cli_opt(c, argc, argv, &i, "--attempt", &v)) != 0) {
            if (m < 0 || mf__cli_int(c, "--attempt", v, 0, 1000, &attempt))
                return MF_EXIT_USAGE;
        } else if ((m = mf__cli_opt(c, argc, argv, &i, "--datastore-root", &v)) != 0) {
            if (m < 0)
                return MF_EXIT_USAGE;
            c->root = v;
        } else if ((m = mf__cli_ns_option(c, argc, argv, &i)) != 0) {
            if (m < 0)
                return MF_EXIT_USAGE;
        } else if (argv[i][0] == '-' || target)
            return mf__cli_usage_error(c, "unexpected argument '%s' for logs; see '%s logs --help'",
                                       MF_CLI_CUT(argv[i]), c->prog);
        else
            target = argv[i];
    }
    char run[160], step[160], task[160], errbuf[1024];
    if (!target)
        return mf__cli_usage_error(c, "logs needs RUN/STEP[/TASK]; see '%s runs' for the run ids", c->prog);
    if (mf__pathspec_parse(target, false, run, step, task, sizeof(run), errbuf, sizeof(errbuf)))
        return mf__cli_usage_error(c, "%s", errbuf);
    if (!*step)
        return mf__cli_usage_error(c, "logs needs a step: RUN/STEP[/TASK]");
    mf_client *cl = NULL;
    if (mf__cli_client_open(c, &cl))
        return MF_EXIT_FAIL;
    int status = mf__cli_run_visible(c, cl, run);
    if (status == MF_EXIT_OK && *task) {
        status = print_log(c, cl, target, stream, (int)attempt, false);
    } else if (status == MF_EXIT_OK) {
        mf_task_info *tasks = NULL;
        size_t n = 0;
        if (mf_client_tasks(cl, c->flow->name, run, step, &tasks, &n)) {
            fprintf(c->err, "error: %s\n", mf_client_errmsg(cl));
            status = MF_EXIT_FAIL;
        }
        for (size_t i = 0; i < n && status == MF_EXIT_OK; i++)
            status = print_log(c, cl, tasks[i].pathspec, stream, (int)attempt, true);
        mf_task_info_free(tasks, n);
    }
    mf_client_close(cl);
    return status;
}
