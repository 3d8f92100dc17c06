/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run_report.c - `report RUN`: gathers a run (its record, every attempt of
 * every task from the metadata, artifacts, cards and logs through the client
 * API) and writes it as one HTML page. Big runs stay light: each step is
 * summarised, its tasks, artifacts, cards and logs are folded in <details>
 * and capped (MF_REPORT_*), and the page says what it left out.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "card.h"
#include "client_impl.h"
#include "html.h"
#include "json.h"
#include "run_report.h"
#include "task_impl.h"
#include "util/alloc.h"

#define CHECK(x)              \
    do {                      \
        if ((rc = (x)) != 0)  \
            goto out;         \
    } while (0)

static int oom(struct mf_err *err) { return mf__err(err, MF_ENOMEM, "out of memory writing the report"); }

/* ---- gathering ---------------------------------------------------------- */

static void step_stats(struct mf_report *r, struct mf_report_step *s)
{
    for (size_t k = s->first; k < s->first + s->n; k++) {
        const struct mf_meta_task *a = &r->attempts[k];
        bool last = k + 1 == s->first + s->n || strcmp(a->task_id, a[1].task_id) != 0;
        double end = a->end > 0 ? a->end : 0;
        if (s->start == 0 || (a->start > 0 && a->start < s->start))
            s->start = a->start;
        s->end = end > s->end ? end : s->end;
        if (end > 0 && end - a->start > s->slowest && !a->origin)
            s->slowest = end - a->start;
        if (a->attempt > 0 && last)
            s->nretried++;
        if (!last)
            continue;
        s->ntasks++;
        s->ncloned += a->origin != NULL;
        s->nfailed += !strcmp(a->status, "failed");
        s->nrunning += !strcmp(a->status, "running");
    }
    s->outcome = !s->ntasks ? MF_OUT_NOTRUN : s->nfailed ? MF_OUT_FAILED : s->nrunning ? MF_OUT_RUNNING
                 : s->ncloned == s->ntasks ? MF_OUT_CLONED : MF_OUT_SUCCEEDED;
}

/* Moves the attempts of `all` into r->attempts grouped by step in graph
 * order; attempts of steps the graph does not have are released. */
static int group(struct mf_report *r, struct mf_meta_task *all, size_t n)
{
    bool *taken = mf__calloc(n ? n : 1, sizeof(*taken));
    r->attempts = mf__calloc(n ? n : 1, sizeof(*r->attempts));
    r->steps = mf__calloc(r->g->n, sizeof(*r->steps));
    if (!taken || !r->attempts || !r->steps) {
        mf__free(taken);
        return MF_ENOMEM;
    }
    for (size_t i = 0; i < r->g->n; i++) {
        size_t node = r->g->order[i]; /* every node: reachable ones first */
        struct mf_report_step *s = &r->steps[node];
        s->node = node, s->first = r->nattempts;
        for (size_t k = 0; k < n; k++)
            if (!taken[k] && !strcmp(all[k].step, r->g->nodes[node].name))
                r->attempts[r->nattempts++] = all[k], taken[k] = true;
        s->n = r->nattempts - s->first;
        step_stats(r, s);
    }
    for (size_t k = 0; k < n; k++)
        if (!taken[k])
            mf__meta_task_release(&all[k]);
    mf__free(taken);
    return 0;
}

static int gather(mf_client *cl, struct mf_report *r, const char *run_id, struct mf_err *err)
{
    struct mf_meta_task *all = NULL;
    size_t n = 0;
    if (mf_client_run(cl, r->flow, run_id, &r->run))
        return mf__err(err, MF_ENOENT, "%s", mf_client_errmsg(cl));
    int rc = mf__meta_tasks(cl->meta, r->flow, r->run->run_id, NULL, &all, &n, err);
    if (rc)
        return rc;
    rc = group(r, all, n);
    mf__free(all);
    if (rc)
        return oom(err);
    r->t0 = r->run->start, r->t1 = r->run->end;
    for (size_t k = 0; k < r->nattempts; k++) {
        if (r->attempts[k].end > r->t1)
            r->t1 = r->attempts[k].end;
        if (r->attempts[k].start > 0 && r->attempts[k].start < r->t0)
            r->t0 = r->attempts[k].start;
    }
    if (r->run->end == 0 && (double)time(NULL) > r->t1)
        r->t1 = (double)time(NULL); /* still running (or died): up to now */
    return 0;
}

static void report_release(struct mf_report *r)
{
    for (size_t k = 0; k < r->nattempts; k++)
        mf__meta_task_release(&r->attempts[k]);
    mf__free(r->attempts);
    mf__free(r->steps);
    mf_run_info_free(r->run, r->run ? 1 : 0);
}

/* ---- the run's header ---------------------------------------------------- */

static void when(double t, char *buf, size_t size)
{
    time_t s = (time_t)t;
    struct tm tm;
    if (t <= 0 || !gmtime_r(&s, &tm))
        snprintf(buf, size, "-");
    else
        strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static int badge(struct mf_buf *b, const char *status)
{
    const char *cls = !strcmp(status, "succeeded") || !strcmp(status, "failed") || !strcmp(status, "running") ||
                      !strcmp(status, "died") ? status : "notrun";
    return mf__buf_addf(b, "<span class=\"badge %s\">", cls) || mf__html_esc(b, status) || mf__buf_adds(b, "</span>");
}

static int params_table(struct mf_buf *b, const char *json)
{
    mf_value *v = NULL;
    struct mf_err err = MF_ERR_INIT;
    if (!json || mf__json_parse(json, &v, &err) || mf_value_type(v) != MF_MAP || mf_value_len(v) == 0) {
        mf_value_free(v);
        return mf__buf_adds(b, "<span class=\"note\">none</span>");
    }
    int rc = mf__buf_adds(b, "<table class=\"mf-params\">");
    for (size_t i = 0; i < mf_value_len(v) && !rc; i++) {
        const char *key = mf_value_key_at(v, i);
        char *text = mf_value_to_json(mf_value_key(v, key));
        rc = mf__buf_adds(b, "<tr><td class=\"mono\">") || mf__html_esc(b, key) ||
             mf__buf_adds(b, "</td><td class=\"mono\">") || mf__html_esc(b, text ? text : "?") ||
             mf__buf_adds(b, "</td></tr>");
        mf_free(text);
    }
    mf_value_free(v);
    return rc ? rc : mf__buf_adds(b, "</table>");
}

static int header(struct mf_buf *b, const struct mf_report *r)
{
    const mf_run_info *run = r->run;
    size_t ntasks = 0, nfailed = 0, ncloned = 0, nretried = 0;
    for (size_t i = 0; i < r->g->n; i++) {
        ntasks += r->steps[i].ntasks, nfailed += r->steps[i].nfailed;
        ncloned += r->steps[i].ncloned, nretried += r->steps[i].nretried;
    }
    char t0[64], t1[64], dur[32];
    when(run->start, t0, sizeof(t0));
    when(run->end, t1, sizeof(t1));
    mf__html_duration(run->end > 0 ? run->end - run->start : r->t1 - run->start, dur, sizeof(dur));
    int rc = mf__buf_adds(b, "<h1>") || mf__html_escf(b, "%s run %s ", r->flow, run->run_id) ||
             badge(b, run->status) || mf__buf_adds(b, "</h1>\n");
    if (!rc && r->g->flow->doc)
        rc = mf__buf_adds(b, "<p>") || mf__html_esc(b, r->g->flow->doc) || mf__buf_adds(b, "</p>\n");
    if (!rc)
        rc = mf__buf_addf(b, "<table class=\"meta\"><tr><td>status</td><td id=\"run-status\">%s</td></tr>"
                             "<tr><td>started</td><td>%s</td></tr><tr><td>ended</td><td>%s</td></tr>"
                             "<tr><td>duration</td><td>%s%s</td></tr><tr><td>tasks</td><td>%zu: %zu failed, %zu "
                             "cloned, %zu retried</td></tr><tr><td>user</td><td>", run->status, t0, t1, dur,
                          run->end > 0 ? "" : " (so far)", ntasks, nfailed, ncloned, nretried);
    /* run->status is one of our words; the user and the rest are escaped */
    if (!rc)
        rc = mf__html_esc(b, run->user ? run->user : "-");
    if (!rc && run->origin_run_id)
        rc = mf__buf_adds(b, "</td></tr><tr><td>resumed from</td><td>") || mf__html_escf(b, "run %s", run->origin_run_id);
    if (!rc)
        rc = mf__buf_adds(b, "</td></tr><tr><td>tags</td><td>");
    for (size_t i = 0; i < run->ntags && !rc; i++)
        rc = mf__buf_adds(b, "<span class=\"tag\">") || mf__html_esc(b, run->tags[i]) || mf__buf_adds(b, "</span>");
    if (!rc && run->ntags == 0)
        rc = mf__buf_adds(b, "<span class=\"note\">none</span>");
    if (!rc)
        rc = mf__buf_adds(b, "</td></tr><tr><td>parameters</td><td>") || params_table(b, run->params_json) ||
             mf__buf_adds(b, "</td></tr></table>\n");
    return rc;
}

static int legend(struct mf_buf *b)
{
    int rc = mf__buf_adds(b, "<div class=\"legend note\">");
    for (int o = MF_OUT_SUCCEEDED; o <= MF_OUT_CLONED && !rc; o++)
        rc = mf__buf_addf(b, "<span><i style=\"background:%s\"></i>%s</span>", mf__outcome_colour((enum mf_outcome)o),
                          mf__outcome_name((enum mf_outcome)o));
    return rc ? rc : mf__buf_addf(b, "<span><i style=\"background:%s\"></i>not run</span></div>\n",
                                  mf__outcome_colour(MF_OUT_NOTRUN));
}

int mf__run_report(mf_client *cl, const struct mf_graph *g, const char *flow, const char *run_id, struct mf_buf *out,
                   struct mf_err *err)
{
    struct mf_report r;
    struct mf_buf title = MF_BUF_INIT;
    memset(&r, 0, sizeof(r));
    r.g = g, r.flow = flow;
    int rc = gather(cl, &r, run_id, err);
    if (rc)
        goto out;
    rc = MF_ENOMEM;
    if (mf__buf_addf(&title, "%s run %s report", flow, r.run->run_id) || mf__html_page_begin(out, title.buf) ||
        header(out, &r) || mf__buf_adds(out, "<h2>Graph</h2>\n") || legend(out) || mf__report_graph_svg(out, &r) ||
        mf__buf_adds(out, "<h2>Timeline</h2>\n<p class=\"note\">Each step from its first task's start to its last "
                          "task's end; every task and attempt is drawn in the step's section below.</p>\n") ||
        mf__report_timeline_svg(out, &r) || mf__buf_adds(out, "<h2>Steps</h2>\n")) {
        oom(err);
        goto out;
    }
    rc = 0;
    for (size_t o = 0; o < g->n && !rc; o++)
        rc = mf__report_step(cl, out, &r, &r.steps[g->order[o]], err);
    if (!rc && mf__html_page_end(out))
        rc = oom(err);
out:
    report_release(&r);
    mf__buf_release(&title);
    return rc;
}
