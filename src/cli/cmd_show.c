/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_show.c - `show` and `check`: the graph, without running anything. */
#include <string.h>

#include "cli.h"
#include "report.h"

int mf__cmd_show(struct mf_cli *c, int argc, char **argv)
{
    bool dot = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dot"))
            dot = true;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fprintf(c->out, "usage: %s show [--dot]\n\nPrints every step in graph order with its doc and where it "
                            "goes next;\n--dot prints a Graphviz graph instead (render with: dot -Tpng).\n", c->prog);
            return MF_EXIT_OK;
        } else
            return mf__cli_usage_error(c, "unknown argument '%s' for show; it takes only --dot", MF_CLI_CUT(argv[i]));
    }
    int rc = dot ? mf__report_dot(c->g, c->out) : mf__report_show(c->g, c->out);
    return rc ? MF_EXIT_FAIL : MF_EXIT_OK;
}

int mf__cmd_check(struct mf_cli *c, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fprintf(c->out, "usage: %s check\n\nLints the graph and the parameters (the same checks run before every "
                            "run);\nprints each problem and exits 1 if there is any.\n", c->prog);
            return MF_EXIT_OK;
        }
        return mf__cli_usage_error(c, "unknown argument '%s' for check; it takes none", MF_CLI_CUT(argv[i]));
    }
    if (!mf__cli_lint(c))
        return MF_EXIT_FAIL;
    fprintf(c->out, "%s: the graph looks good (%zu steps)\n", c->flow->name, c->g->n);
    return MF_EXIT_OK;
}
