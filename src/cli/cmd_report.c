/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_report.c - `report RUN [-o FILE]`: the run report (run_report.c) as
 * one self-contained HTML page. */
#include <stdio.h>

#include "cli.h"
#include "run_report.h"

int mf__cmd_report(struct mf_cli *c, int argc, char **argv)
{
    const char *target = NULL, *out = NULL;
    char help[1200];
    snprintf(help, sizeof(help),
             "usage: %s report RUN [-o FILE] [--namespace NS] [--datastore-root DIR]\n\n"
             "Writes a report of run RUN (a run id, 'latest' or 'latest_successful') as one self-contained\n"
             "HTML page, to FILE or to stdout without -o: the run's status, parameters, tags and timings;\n"
             "the graph with each step coloured by its outcome; a timeline of every task and attempt;\n"
             "each step's artifacts, its tasks' cards and their logs (folded). A step of many tasks is\n"
             "summarised and its lists are capped, the page saying what it left out. The page loads\n"
             "nothing and runs no script.\n" MF_CLI_NS_HELP, c->prog);
    int m = mf__cli_page_args(c, argc, argv, "report", help, &target, &out);
    if (m)
        return m > 0 ? MF_EXIT_OK : MF_EXIT_USAGE;
    if (!target)
        return mf__cli_usage_error(c, "report needs RUN (a run id, 'latest' or 'latest_successful'); see '%s runs'",
                                   c->prog);
    mf_client *cl = NULL;
    struct mf_buf page = MF_BUF_INIT;
    struct mf_err err = MF_ERR_INIT;
    int status = MF_EXIT_FAIL;
    if (mf__cli_client_open(c, &cl) == MF_EXIT_OK && mf__cli_run_visible(c, cl, target) == MF_EXIT_OK) {
        if (mf__run_report(cl, c->g, c->flow->name, target, &page, &err))
            fprintf(c->err, "error: %s\n", err.msg);
        else
            status = mf__cli_write_page(c, out, &page);
    }
    mf_client_close(cl);
    mf__buf_release(&page);
    return status;
}
