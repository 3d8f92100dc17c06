/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_card.c - `card RUN/STEP/TASK [-o FILE]`: the task's card as one
 * self-contained HTML page; and writing a page to a file or stdout, shared
 * with `report`. */
#include <string.h>

#include "card.h"
#include "cli.h"
#include "client_impl.h"
#include "html.h"
#include "util/fsutil.h"

int mf__cli_write_page(struct mf_cli *c, const char *path, const struct mf_buf *page)
{
    struct mf_err err = MF_ERR_INIT;
    if (!path || !strcmp(path, "-")) {
        if (fwrite(page->buf, 1, page->len, c->out) != page->len || fflush(c->out))
            return fprintf(c->err, "error: cannot write the page to stdout\n"), MF_EXIT_FAIL;
        return MF_EXIT_OK;
    }
    if (mf__write_atomic(path, page->buf, page->len, 0, &err))
        return fprintf(c->err, "error: cannot write '%s': %s\n", path, err.msg), MF_EXIT_FAIL;
    fprintf(c->err, "wrote %s (%zu bytes)\n", path, page->len);
    return MF_EXIT_OK;
}

int mf__cli_page_args(struct mf_cli *c, int argc, char **argv, const char *cmd, const char *help, const char **target,
                      const char **out)
{
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return fprintf(c->out, "%s", help), 1;
        if ((m = mf__cli_opt(c, argc, argv, &i, "-o", &v)) != 0 ||
            (m = mf__cli_opt(c, argc, argv, &i, "--output", &v)) != 0) {
            if (m < 0)
                return -1;
            *out = v;
        } else if ((m = mf__cli_opt(c, argc, argv, &i, "--datastore-root", &v)) != 0) {
            if (m < 0)
                return -1;
            c->root = v;
        } else if ((m = mf__cli_ns_option(c, argc, argv, &i)) != 0) {
            if (m < 0)
                return -1;
        } else if (argv[i][0] == '-' || *target) {
            mf__cli_usage_error(c, "unexpected argument '%s' for %s; see '%s %s --help'", MF_CLI_CUT(argv[i]), cmd,
                                c->prog, cmd);
            return -1;
        } else
            *target = argv[i];
    }
    return 0;
}

int mf__cmd_card(struct mf_cli *c, int argc, char **argv)
{
    const char *target = NULL, *out = NULL;
    char help[900];
    snprintf(help, sizeof(help),
             "usage: %s card RUN/STEP/TASK [-o FILE] [--namespace NS] [--datastore-root DIR]\n\n"
             "Writes the card of a task (what its step added with mf_card_*()) as one self-contained HTML\n"
             "page: to FILE, or to stdout without -o. Images are inline, charts are SVG; the page loads\n"
             "nothing and runs no script.\n" MF_CLI_NS_HELP, c->prog);
    int m = mf__cli_page_args(c, argc, argv, "card", help, &target, &out);
    if (m)
        return m > 0 ? MF_EXIT_OK : MF_EXIT_USAGE;
    char run[160], step[160], task[160], errbuf[1024];
    if (!target)
        return mf__cli_usage_error(c, "card needs RUN/STEP/TASK; see '%s runs' for the run ids", c->prog);
    if (mf__pathspec_parse(target, true, run, step, task, sizeof(run), errbuf, sizeof(errbuf)))
        return mf__cli_usage_error(c, "%s", errbuf);
    mf_client *cl = NULL;
    mf_task *t = NULL;
    struct mf_buf page = MF_BUF_INIT, title = MF_BUF_INIT;
    struct mf_err err = MF_ERR_INIT;
    int status = MF_EXIT_FAIL;
    if (mf__cli_client_open(c, &cl) || mf__cli_run_visible(c, cl, run))
        goto out;
    if (mf_client_task(cl, c->flow->name, target, &t)) {
        fprintf(c->err, "error: %s\n", mf_client_errmsg(cl));
        goto out;
    }
    if (mf__buf_addf(&title, "%s/%s card", c->flow->name, target) || mf__html_page_begin(&page, title.buf) ||
        mf__buf_adds(&page, "<h1>") || mf__html_esc(&page, title.buf) || mf__buf_adds(&page, "</h1>\n")) {
        fprintf(c->err, "error: out of memory\n");
        goto out;
    }
    int rc = mf__card_task_html(t, &page, &err);
    if (rc == MF_ENOENT) {
        fprintf(c->err, "error: %s: its step added nothing with mf_card_*() (or the task failed without a "
                        "catch_var, which keeps no card)\n", err.msg);
        goto out;
    }
    if (rc || mf__html_page_end(&page)) {
        fprintf(c->err, "error: %s\n", rc ? err.msg : "out of memory");
        goto out;
    }
    status = mf__cli_write_page(c, out, &page);
out:
    mf_client_task_close(t);
    mf_client_close(cl);
    mf__buf_release(&page);
    mf__buf_release(&title);
    return status;
}
