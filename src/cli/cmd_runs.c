/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_runs.c - `runs [--json]`: this flow's runs in the namespace, newest first. */
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"
#include "meta.h"
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

/* "1.2s", "3m04s", "2h05m09s"; "running" while the run has no end, "-" for
 * a run that died without one. */
static void fmt_duration(const mf_run_info *r, char *buf, size_t size)
{
    if (r->end <= 0) {
        snprintf(buf, size, "%s", strcmp(r->status, "died") ? "running" : "-");
        return;
    }
    double d = r->end > r->start ? r->end - r->start : 0;
    long secs = (long)d;
    if (d < 60)
        snprintf(buf, size, "%.1fs", d);
    else if (secs < 3600)
        snprintf(buf, size, "%ldm%02lds", secs / 60, secs % 60);
    else
        snprintf(buf, size, "%ldh%02ldm%02lds", secs / 3600, secs / 60 % 60, secs % 60);
}

static mf_value *str_or_null(const char *s) { return s ? mf_value_str(s) : mf_value_null(); }

/* Puts `v` (owned in every case) into map `o`; counts a failure in *bad. */
static void put(mf_value *o, const char *key, mf_value *v, int *bad)
{
    if (!o) {
        mf_value_free(v);
        (*bad)++;
    } else if (!v || mf_value_map_put(o, key, v)) {
        (*bad)++;
    }
}

/* One run as a JSON object (keys sorted by the dumper); NULL when out of memory. */
static mf_value *run_object(const mf_run_info *r)
{
    mf_value *o = mf_value_map(), *tags = mf_value_list(), *params = NULL;
    struct mf_err err = MF_ERR_INIT;
    int bad = 0;
    if (!r->params_json || mf__json_parse(r->params_json, &params, &err))
        params = mf_value_map();
    mf_value *sys = mf_value_list();
    for (size_t k = 0; tags && k < r->ntags; k++)
        bad += mf_value_list_push(tags, mf_value_str(r->tags[k])) != 0;
    for (size_t k = 0; sys && k < r->nsystem_tags; k++)
        bad += mf_value_list_push(sys, mf_value_str(r->system_tags[k])) != 0;
    put(o, "run_id", mf_value_str(r->run_id), &bad);
    put(o, "flow", str_or_null(r->flow), &bad);
    put(o, "status", mf_value_str(r->status), &bad);
    put(o, "user", str_or_null(r->user), &bad);
    put(o, "start", mf_value_double(r->start), &bad);
    put(o, "end", r->end > 0 ? mf_value_double(r->end) : mf_value_null(), &bad);
    put(o, "duration", r->end > 0 ? mf_value_double(r->end - r->start) : mf_value_null(), &bad);
    put(o, "origin_run_id", str_or_null(r->origin_run_id), &bad);
    put(o, "parameters", params, &bad);
    put(o, "tags", tags, &bad);
    put(o, "system_tags", sys, &bad);
    if (r->jobs > 0) { /* only for a run whose tasks ran as cluster jobs */
        put(o, "jobs", mf_value_int(r->jobs), &bad);
        put(o, "jobs_live", mf_value_int(r->jobs_live), &bad);
    }
    put(o, "memo_hits", mf_value_int(r->memo_hits), &bad);
    if (bad) {
        mf_value_free(o);
        return NULL;
    }
    return o;
}

/* The run's end task ("RUN/end/ID") once it finished, as Metaflow's
 * Run.end_task; null before (or when the run failed earlier). */
static mf_value *end_task(mf_client *cl, const char *flow, const char *run_id)
{
    mf_task_info *tasks = NULL;
    size_t n = 0;
    mf_value *v = NULL;
    if (mf_client_tasks(cl, flow, run_id, "end", &tasks, &n) == 0 && n > 0 && tasks[n - 1].finished)
        v = mf_value_str(tasks[n - 1].pathspec);
    mf_task_info_free(tasks, n);
    return v ? v : mf_value_null();
}

static int print_json(struct mf_cli *c, mf_client *cl, const mf_run_info *runs, size_t n)
{
    struct mf_buf text = MF_BUF_INIT;
    mf_value *all = mf_value_list();
    int rc = all ? 0 : MF_ENOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        mf_value *o = run_object(&runs[i]);
        if (o && mf_value_map_put(o, "end_task", end_task(cl, runs[i].flow, runs[i].run_id))) {
            mf_value_free(o);
            o = NULL;
        }
        rc = o ? mf_value_list_push(all, o) : MF_ENOMEM;
    }
    if (!rc)
        rc = mf__json_dump(all, &text);
    if (rc)
        fprintf(c->err, "error: out of memory\n");
    else
        fprintf(c->out, "%s\n", text.buf);
    mf__buf_release(&text);
    mf_value_free(all);
    return rc ? MF_EXIT_FAIL : MF_EXIT_OK;
}

/* One tag in the TAGS column: bare, or in double quotes (with \" and \\)
 * when it holds a comma, a quote, a backslash, or starts or ends with a
 * space, so that the comma-separated list reads back one way only. */
static void add_tag(struct mf_buf *b, const char *tag)
{
    size_t len = strlen(tag);
    bool quote = strpbrk(tag, ",\"\\") || tag[0] == ' ' || (len && tag[len - 1] == ' ');
    if (!quote) {
        mf__buf_add(b, tag, len);
        return;
    }
    mf__buf_add(b, "\"", 1);
    for (const char *p = tag; *p; p++) {
        if (*p == '"' || *p == '\\')
            mf__buf_add(b, "\\", 1);
        mf__buf_add(b, p, 1);
    }
    mf__buf_add(b, "\"", 1);
}

/* The ORIGIN column: the run a resume or a spin started from; a spin's
 * scratch run (spin.h) says so there. */
static void origin_text(const mf_run_info *r, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s", r->origin_run_id ? r->origin_run_id : "-",
             mf__run_is_spin(r->system_tags, r->nsystem_tags) ? " (spin)" : "");
}

/* The trailing columns of one row: ORIGIN (`owidth` wide), then MEMO and JOBS
 * when some run has any (JOBS last: it may say how many are still pending or
 * running). */
static void tail_columns(const mf_run_info *r, int owidth, bool memo, bool jobs, char *out, size_t cap)
{
    char nmemo[32] = "", njobs[64] = "", origin[64];
    origin_text(r, origin, sizeof(origin));
    if (memo) /* padded only when JOBS follows: no trailing blanks */
        snprintf(nmemo, sizeof(nmemo), jobs ? " %-6lld" : " %lld", (long long)r->memo_hits);
    if (jobs && r->jobs_live > 0)
        snprintf(njobs, sizeof(njobs), " %lld (%lld pending or running)", (long long)r->jobs,
                 (long long)r->jobs_live);
    else if (jobs)
        snprintf(njobs, sizeof(njobs), " %lld", (long long)r->jobs);
    snprintf(out, cap, "%-*s%s%s", owidth, origin, nmemo, njobs);
}

static void print_table(struct mf_cli *c, const mf_run_info *runs, size_t n)
{
    bool jobs = false, memo = false; /* those columns only when some run has any */
    int owidth = 6;                  /* ORIGIN's, padded only when a column follows */
    for (size_t i = 0; i < n; i++) {
        char origin[64];
        jobs = jobs || runs[i].jobs > 0;
        memo = memo || runs[i].memo_hits > 0;
        origin_text(&runs[i], origin, sizeof(origin));
        owidth = (int)strlen(origin) > owidth ? (int)strlen(origin) : owidth;
    }
    owidth = memo || jobs ? owidth : 0;
    fprintf(c->out, "%-6s %-10s %-19s %-9s %-20s %-*s%s%s\n", "ID", "STATUS", "STARTED", "DURATION", "TAGS",
            owidth, "ORIGIN", memo ? (jobs ? " MEMO  " : " MEMO") : "", jobs ? " JOBS" : "");
    for (size_t i = 0; i < n; i++) {
        char started[32], dur[32], tail[160];
        struct mf_buf tags = MF_BUF_INIT;
        fmt_time(runs[i].start, started, sizeof(started));
        fmt_duration(&runs[i], dur, sizeof(dur));
        for (size_t k = 0; k < runs[i].ntags; k++) {
            if (k)
                mf__buf_add(&tags, ",", 1);
            add_tag(&tags, runs[i].tags[k]);
        }
        tail_columns(&runs[i], owidth, memo, jobs, tail, sizeof(tail));
        fprintf(c->out, "%-6s %-10s %-19s %-9s %-20s %s\n", runs[i].run_id, runs[i].status, started, dur,
                tags.len ? tags.buf : "-", tail);
        mf__buf_release(&tags);
    }
}

/* No runs in the namespace: says so, and how many the global one has. */
static int say_none(struct mf_cli *c, mf_client *cl)
{
    char ns[MF_TAG_MAX + 1];
    mf_run_info *all = NULL;
    size_t n = 0;
    if (!mf_client_namespace(cl)) {
        fprintf(c->out, "(no runs of %s yet)\n", c->flow->name);
        return MF_EXIT_OK;
    }
    snprintf(ns, sizeof(ns), "%s", mf_client_namespace(cl)); /* the client's copy goes with the switch */
    if (mf_client_set_namespace(cl, NULL) || mf_client_runs(cl, c->flow->name, &all, &n))
        return fprintf(c->err, "error: %s\n", mf_client_errmsg(cl)), MF_EXIT_FAIL;
    mf_run_info_free(all, n);
    if (n == 0)
        fprintf(c->out, "(no runs of %s yet)\n", c->flow->name);
    else
        fprintf(c->out, "(no runs of %s in namespace '%s'; %zu in other namespaces: --namespace '' lists every "
                        "run)\n", c->flow->name, ns, n);
    return MF_EXIT_OK;
}

/* Keeps the runs having every one of `want` (user or system tags), in order;
 * frees the others. */
static size_t filter(mf_run_info *runs, size_t n, const char *const *want, size_t nwant)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        bool all = true;
        for (size_t w = 0; w < nwant && all; w++) {
            bool found = false;
            for (size_t k = 0; k < runs[i].ntags && !found; k++)
                found = !strcmp(runs[i].tags[k], want[w]);
            for (size_t k = 0; k < runs[i].nsystem_tags && !found; k++)
                found = !strcmp(runs[i].system_tags[k], want[w]);
            all = found;
        }
        if (all) {
            mf_run_info keep = runs[i];
            runs[i] = runs[kept];
            runs[kept++] = keep;
        }
    }
    return kept;
}

int mf__cmd_runs(struct mf_cli *c, int argc, char **argv)
{
    bool json = false;
    const char *want[64];
    size_t nwant = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m;
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if ((m = mf__cli_opt(c, argc, argv, &i, "--tag", &v)) != 0) {
            if (m < 0 || mf__cli_check_tag(c, v))
                return MF_EXIT_USAGE;
            if (nwant == sizeof(want) / sizeof(want[0]))
                return mf__cli_usage_error(c, "runs takes at most %zu --tag options", nwant);
            want[nwant++] = v;
        }
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return fprintf(c->out, "usage: %s runs [--json] [--tag TAG]... [--namespace NS] [--datastore-root DIR]\n\nLists the runs of %s in the namespace, newest first: id, status, "
                                   "start (local time), duration, user tags, the run a resume or a spin started from (a\n"
                                   "spin's scratch run is marked '(spin)'; 'runs --tag runtime:spin' lists them), how\n"
                                   "many tasks were memo hits (MEMO, when any run has some) and, for runs on Slurm, their\n"
                                   "jobs (and how many are still pending or running).\n"
                                   "In the TAGS column a tag holding a comma, a quote or a backslash, or starting or ending\n"
                                   "with a space, is written in double quotes (\\\" and \\\\ inside).\n"
                                   "  --json     an array of objects (tags and system_tags as lists; end_task the finished end\n"
                                   "             task as RUN/end/ID, else null)\n"
                                   "  --tag TAG  only the runs having this tag, user or system (repeatable: all of them)\n"
                                   MF_CLI_NS_HELP,
                           c->prog, c->flow->name), MF_EXIT_OK;
        else if ((m = mf__cli_opt(c, argc, argv, &i, "--datastore-root", &v)) != 0) {
            if (m < 0)
                return MF_EXIT_USAGE;
            c->root = v;
        } else if ((m = mf__cli_ns_option(c, argc, argv, &i)) != 0) {
            if (m < 0)
                return MF_EXIT_USAGE;
        } else
            return mf__cli_usage_error(c, "unknown argument '%s' for runs; it takes --json, --tag TAG, --namespace NS "
                                          "and --datastore-root DIR",
                                       MF_CLI_CUT(argv[i]));
    }
    mf_client *cl = NULL;
    mf_run_info *runs = NULL;
    size_t n = 0;
    if (mf__cli_client_open(c, &cl))
        return MF_EXIT_FAIL;
    int status = MF_EXIT_OK;
    if (mf_client_runs(cl, c->flow->name, &runs, &n)) {
        fprintf(c->err, "error: %s\n", mf_client_errmsg(cl));
        status = MF_EXIT_FAIL;
    } else {
        size_t shown = nwant ? filter(runs, n, want, nwant) : n;
        if (json)
            status = print_json(c, cl, runs, shown);
        else if (shown == 0 && n > 0)
            fprintf(c->out, "(no runs of %s have every tag given)\n", c->flow->name);
        else if (n == 0)
            status = say_none(c, cl);
        else
            print_table(c, runs, shown);
    }
    mf_run_info_free(runs, n);
    mf_client_close(cl);
    return status;
}
