/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_runs.c - `runs [--json]`: this flow's runs, newest first. */
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"
#include "util/buf.h"

static void fmt_time(double t, char *buf, size_t size)
{
    time_t secs = (time_t)t;
    struct tm tm;
    if (localtime_r(&secs, &tm))
        strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
    else
        snprintf(buf, size, "?");
}

static void fmt_duration(const mf_run_info *r, char *buf, size_t size)
{
    if (r->end <= 0) {
        snprintf(buf, size, "running");
        return;
    }
    double d = r->end - r->start;
    if (d < 60)
        snprintf(buf, size, "%.1fs", d);
    else
        snprintf(buf, size, "%dm%02ds", (int)(d / 60), (int)d % 60);
}

static void print_json(struct mf_cli *c, const mf_run_info *runs, size_t n)
{
    fputc('[', c->out);
    for (size_t i = 0; i < n; i++) {
        const mf_run_info *r = &runs[i];
        fprintf(c->out, "%s{\"run_id\":\"%s\",\"status\":\"%s\",\"start\":%.3f,\"end\":%.3f,\"user\":\"%s\","
                        "\"origin_run_id\":%s%s%s,\"parameters\":%s,\"tags\":[",
                i ? "," : "", r->run_id, r->status, r->start, r->end, r->user ? r->user : "",
                r->origin_run_id ? "\"" : "", r->origin_run_id ? r->origin_run_id : "null",
                r->origin_run_id ? "\"" : "", r->params_json ? r->params_json : "{}");
        for (size_t k = 0; k < r->ntags; k++)
            fprintf(c->out, "%s\"%s\"", k ? "," : "", r->tags[k]);
        fputs("]}", c->out);
    }
    fputs("]\n", c->out);
}

int mf__cmd_runs(struct mf_cli *c, int argc, char **argv)
{
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m;
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return fprintf(c->out, "usage: %s runs [--json]\n\nLists the runs of %s, newest first: id, status, "
                                   "start, duration, tags and the run a resume started from.\n",
                           c->prog, c->flow->name), MF_EXIT_OK;
        else if ((m = mf__cli_opt(c, argc, argv, &i, "--datastore-root", &v)) != 0) {
            if (m < 0)
                return MF_EXIT_USAGE;
            c->root = v;
        } else
            return mf__cli_usage_error(c, "unknown argument '%s' for runs; it takes --json", argv[i]);
    }
    mf_client *cl = NULL;
    mf_run_info *runs = NULL;
    size_t n = 0;
    char errbuf[1024];
    if (mf_client_open_err(c->root, &cl, errbuf, sizeof(errbuf)))
        return fprintf(c->err, "error: %s\n", errbuf), MF_EXIT_FAIL;
    int rc = mf_client_runs(cl, c->flow->name, &runs, &n);
    if (rc) {
        fprintf(c->err, "error: %s\n", mf_client_errmsg(cl));
    } else if (json) {
        print_json(c, runs, n);
    } else {
        fprintf(c->out, "%-6s %-10s %-19s %-9s %-20s %s\n", "ID", "STATUS", "STARTED", "DURATION", "TAGS", "ORIGIN");
        for (size_t i = 0; i < n; i++) {
            char started[32], dur[32];
            struct mf_buf tags = MF_BUF_INIT;
            fmt_time(runs[i].start, started, sizeof(started));
            fmt_duration(&runs[i], dur, sizeof(dur));
            for (size_t k = 0; k < runs[i].ntags; k++)
                mf__buf_addf(&tags, "%s%s", k ? "," : "", runs[i].tags[k]);
            fprintf(c->out, "%-6s %-10s %-19s %-9s %-20s %s\n", runs[i].run_id, runs[i].status, started, dur,
                    tags.len ? tags.buf : "-", runs[i].origin_run_id ? runs[i].origin_run_id : "-");
            mf__buf_release(&tags);
        }
        if (n == 0)
            fprintf(c->out, "(no runs of %s yet)\n", c->flow->name);
    }
    mf_run_info_free(runs, n);
    mf_client_close(cl);
    return rc ? MF_EXIT_FAIL : MF_EXIT_OK;
}
