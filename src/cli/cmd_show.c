/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_show.c - `show` and `check`: the graph, without running anything. */
#include <string.h>

#include "cli.h"
#include "report.h"

static const char *const show_formats[] = { "text", "dot", "mermaid", "svg" };

static void show_help(struct mf_cli *c)
{
    fprintf(c->out, "usage: %s show [--format text|dot|mermaid|svg] [--dot]\n\n"
                    "Prints every step in graph order with its doc and where it goes next (text), or a picture:\n"
                    "  dot      a Graphviz graph (render with: dot -Tpng)\n"
                    "  mermaid  a Mermaid flowchart, for Markdown pages\n"
                    "  svg      the Graphviz graph drawn as SVG by Graphviz's 'dot' (Debian's graphviz package)\n"
                    "--dot is --format dot.\n", c->prog);
}

/* The index of --format's value in show_formats, or -1 after a usage error. */
static int parse_format(struct mf_cli *c, const char *v)
{
    for (size_t k = 0; k < sizeof(show_formats) / sizeof(show_formats[0]); k++)
        if (!strcmp(v, show_formats[k]))
            return (int)k;
    mf__cli_usage_error(c, "unknown format '%s' for show: use text, dot, mermaid or svg", MF_CLI_CUT(v));
    return -1;
}

int mf__cmd_show(struct mf_cli *c, int argc, char **argv)
{
    int format = 0, m;
    const char *v = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dot"))
            format = 1;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            show_help(c);
            return MF_EXIT_OK;
        } else if ((m = mf__cli_opt(c, argc, argv, &i, "--format", &v)) != 0) {
            if (m < 0 || (format = parse_format(c, v)) < 0)
                return MF_EXIT_USAGE;
        } else
            return mf__cli_usage_error(c, "unknown argument '%s' for show; it takes --format FORMAT or --dot",
                                       MF_CLI_CUT(argv[i]));
    }
    struct mf_err err = MF_ERR_INIT;
    int rc;
    switch (format) {
    case 1: rc = mf__report_dot(c->g, c->out); break;
    case 2: rc = mf__report_mermaid(c->g, c->out); break;
    case 3:
        rc = mf__report_svg(c->g, c->out, &err);
        if (rc)
            fprintf(c->err, "error: %s\n", err.msg);
        break;
    default: rc = mf__report_show(c->g, c->out); break;
    }
    if (fflush(c->out) == EOF)
        rc = MF_EIO;
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
