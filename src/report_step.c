/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report_step.c - one step's section of the run report: a summary line, the
 * timeline of its tasks and attempts, its tasks (failed ones first), its
 * artifacts (of one task: a foreach's tasks hold the same names), the cards
 * of its tasks and their logs. Everything past a summary is folded in
 * <details>, and each list is capped (MF_REPORT_*), saying so, so that a
 * 1,000-task step stays a light page.
 */
#include <stdio.h>
#include <string.h>

#include "card.h"
#include "html.h"
#include "run_report.h"
#include "client_impl.h"
#include "task_impl.h"
#include "util/alloc.h"

struct step_ctx {
    mf_client *cl;
    struct mf_buf *b;
    const struct mf_report *r;
    const struct mf_report_step *s;
    const char *name;
    size_t *last; /* index in r->attempts of each task's last attempt */
    size_t *firsts; /* ... and of its first */
    size_t ntasks;
    struct mf_err *err;
};

static const struct mf_meta_task *last_of(const struct step_ctx *c, size_t i) { return &c->r->attempts[c->last[i]]; }

/* The tasks listed (and whose logs are shown): failed ones first, then the
 * others by task id, at most MF_REPORT_TASK_ROWS. */
static size_t listed(const struct step_ctx *c, size_t *pick)
{
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < c->ntasks && n < MF_REPORT_TASK_ROWS; i++)
            if ((strcmp(last_of(c, i)->status, "failed") == 0) == (pass == 0))
                pick[n++] = i;
    return n;
}

static int pathspec(const struct step_ctx *c, const struct mf_meta_task *a, char *buf, size_t size)
{
    return snprintf(buf, size, "%s/%s/%s", c->r->run->run_id, a->step, a->task_id) >= (int)size;
}

static int tasks_table(struct step_ctx *c, const size_t *pick, size_t n)
{
    struct mf_buf *b = c->b;
    int rc = mf__buf_addf(b, "<details%s><summary>Tasks (%zu)</summary>\n<table class=\"mf-tasks\"><tr><th>task</th>"
                             "<th>status</th><th>attempts</th><th>duration</th><th>exit</th><th>cloned from</th></tr>\n",
                          c->ntasks <= 10 || c->s->nfailed ? " open" : "", c->ntasks);
    for (size_t j = 0; j < n && !rc; j++) {
        const struct mf_meta_task *a = last_of(c, pick[j]);
        char dur[32], exit_text[48];
        mf__html_duration(a->end > 0 ? a->end - a->start : -1, dur, sizeof(dur));
        if (a->signal)
            snprintf(exit_text, sizeof(exit_text), "signal %d", a->signal);
        else
            snprintf(exit_text, sizeof(exit_text), a->exit_code >= 0 ? "%d" : "-", a->exit_code);
        rc = mf__buf_adds(b, "<tr><td class=\"mono\">") || mf__html_esc(b, a->task_id) ||
             mf__buf_adds(b, "</td><td>") || mf__html_esc(b, a->origin ? "cloned" : a->status) ||
             mf__buf_addf(b, "%s</td><td class=\"num\">%d</td><td class=\"num\">%s</td><td>%s</td><td class=\"mono\">",
                          a->timed_out ? " (timed out)" : "", a->attempt + 1, dur, exit_text) ||
             mf__html_esc(b, a->origin ? a->origin : "") || mf__buf_adds(b, "</td></tr>\n");
    }
    if (!rc)
        rc = mf__buf_adds(b, "</table>\n");
    if (!rc && n < c->ntasks)
        rc = mf__buf_addf(b, "<div class=\"note\">%zu of %zu tasks listed (failed ones first); '%s' lists them "
                             "all</div>\n", n, c->ntasks, "logs RUN/STEP");
    return rc ? rc : mf__buf_adds(b, "</details>\n");
}

/* ---- artifacts ---------------------------------------------------------- */

static int preview(struct mf_buf *b, mf_task *t, const struct mf_artifact *a)
{
    if (a->chunks)
        return mf__buf_addf(b, "<span class=\"note\">a list in %u chunks; not loaded</span>", (unsigned)a->chunks);
    if (a->size > MF_REPORT_LOAD_MAX)
        return mf__buf_adds(b, "<span class=\"note\">not loaded (large)</span>");
    const mf_value *v = mf_get(t, a->name);
    char *json = v ? mf_value_to_json(v) : NULL;
    if (!json)
        return mf__buf_adds(b, "<span class=\"note\">unreadable</span>");
    size_t len = strlen(json), keep = len > MF_REPORT_PREVIEW ? MF_REPORT_PREVIEW : len;
    while (keep < len && keep > 0 && ((unsigned char)json[keep] & 0xc0) == 0x80)
        keep--; /* cut on a UTF-8 boundary */
    int rc = mf__buf_adds(b, "<code class=\"mf-preview\">") || mf__html_escn(b, json, keep) ||
             mf__buf_adds(b, keep < len ? "</code>&hellip;" : "</code>");
    mf_free(json);
    return rc;
}

static int artifacts(struct step_ctx *c, mf_task *t, const char *ps)
{
    struct mf_buf *b = c->b;
    const struct mf_index *ix = mf__task_index(t);
    size_t shown = 0;
    int rc = mf__buf_adds(b, "<details open><summary>Artifacts</summary><div>\n");
    if (!rc && c->ntasks > 1)
        rc = mf__buf_adds(b, "<div class=\"note\">of task ") || mf__html_esc(b, ps) ||
             mf__buf_addf(b, ", one of the step's %zu tasks ('dump RUN/STEP' shows each)</div>\n", c->ntasks);
    if (!rc)
        rc = mf__buf_adds(b, "<table class=\"mf-artifacts\"><tr><th>name</th><th>type</th><th>size</th>"
                             "<th>preview</th></tr>\n");
    for (size_t i = 0; ix && i < ix->n && !rc; i++) {
        const struct mf_artifact *a = &ix->arts[i];
        if (a->name[0] == '_')
            continue; /* the library's own (the card) */
        shown++;
        rc = mf__buf_adds(b, "<tr><td class=\"mono\">") || mf__html_esc(b, a->name) ||
             mf__buf_addf(b, "</td><td>%s</td><td class=\"num\">%llu B</td><td>", mf_type_name(a->type),
                          (unsigned long long)a->size) ||
             preview(b, t, a) || mf__buf_adds(b, "</td></tr>\n");
    }
    if (!rc && !shown)
        rc = mf__buf_adds(b, "<tr><td colspan=\"4\" class=\"note\">none</td></tr>\n");
    return rc ? rc : mf__buf_adds(b, "</table></div></details>\n");
}

/* ---- cards -------------------------------------------------------------- */

/* One stored card, drawn (or why it is not). */
static int card_body(struct mf_buf *b, struct mf_ds *ds, const struct mf_artifact *a)
{
    mf_value *v = NULL;
    struct mf_card card;
    struct mf_err why = MF_ERR_INIT;
    int rc = mf__ds_load(ds, a, &v, &why);
    if (!rc)
        rc = mf__card_parse(v, &card, &why);
    if (!rc) {
        rc = mf__card_html(b, &card) ? MF_ENOMEM : 0;
        mf__card_release(&card);
    } else if (rc != MF_ENOMEM)
        rc = mf__buf_adds(b, "<p class=\"note\">") || mf__html_esc(b, why.msg) || mf__buf_adds(b, "</p>");
    mf_value_free(v);
    return rc;
}

/* The cards of the step's tasks, read from their indexes through one
 * datastore handle (a client task handle per task would look the task up in
 * the metadata each time). */
static int cards(struct step_ctx *c)
{
    struct mf_buf body = MF_BUF_INIT;
    struct mf_ds *ds = NULL;
    struct mf_err err = MF_ERR_INIT;
    size_t found = 0;
    int rc = 0;
    if (mf__ds_open(c->cl->root, c->r->flow, 0, &ds, &err))
        return 0; /* no datastore: no cards to show */
    for (size_t i = 0; i < c->ntasks && !rc; i++) {
        const struct mf_meta_task *a = last_of(c, i);
        struct mf_index ix;
        char ps[200];
        mf__index_init(&ix);
        if (pathspec(c, a, ps, sizeof(ps)) || mf__ds_read_index(ds, c->r->run->run_id, a->step, a->task_id, &ix, &err))
            continue; /* not finished (or unreadable: the tasks table says how it ended) */
        const struct mf_artifact *card = mf__index_find(&ix, MF_CARD_ARTIFACT);
        if (card && found++ < MF_REPORT_CARDS)
            rc = mf__buf_addf(&body, "<details%s class=\"mf-card\"><summary>card of task ", found <= 3 ? " open" : "") ||
                 mf__html_esc(&body, ps) || mf__buf_adds(&body, "</summary>\n") || card_body(&body, ds, card) ||
                 mf__buf_adds(&body, "</details>\n");
        mf__index_release(&ix);
    }
    if (!rc && found)
        rc = mf__buf_addf(c->b, "<details open><summary>Cards (%zu)</summary><div>\n", found) ||
             mf__buf_add(c->b, body.buf, body.len) ||
             (found > MF_REPORT_CARDS
                  ? mf__buf_addf(c->b, "<div class=\"note\">the first %d cards are shown; 'card RUN/STEP/TASK' "
                                       "writes any of them</div>\n", MF_REPORT_CARDS)
                  : 0) ||
             mf__buf_adds(c->b, "</div></details>\n");
    mf__buf_release(&body);
    mf__ds_close(ds);
    return rc;
}

/* ---- logs --------------------------------------------------------------- */

static int one_log(struct step_ctx *c, const char *ps, const char *stream, int attempt)
{
    char *text = NULL;
    size_t len = 0;
    if (mf_client_logs(c->cl, c->r->flow, ps, stream, attempt, &text, &len))
        return mf__buf_addf(c->b, "<div class=\"note\">%s: ", stream) || mf__html_esc(c->b, mf_client_errmsg(c->cl)) ||
               mf__buf_adds(c->b, "</div>\n");
    int rc = 0;
    if (len) {
        size_t skip = len > MF_REPORT_LOG_BYTES ? len - MF_REPORT_LOG_BYTES : 0;
        rc = mf__buf_addf(c->b, "<div class=\"note\">%s%s</div><pre class=\"mf-log\">", stream,
                          skip ? " (its last 16 KiB; 'logs' prints all)" : "") ||
             mf__html_escn(c->b, text + skip, len - skip) || mf__buf_adds(c->b, "</pre>\n");
    }
    mf_free(text);
    return rc;
}

static int logs(struct step_ctx *c, const size_t *pick, size_t n)
{
    struct mf_buf *b = c->b;
    int rc = mf__buf_addf(b, "<details><summary>Logs</summary><div>\n");
    for (size_t j = 0; j < n && !rc; j++) {
        const struct mf_meta_task *last = last_of(c, pick[j]);
        char ps[200];
        if (pathspec(c, last, ps, sizeof(ps)))
            continue;
        rc = mf__buf_addf(b, "<details class=\"mf-logs\"%s><summary>", strcmp(last->status, "failed") ? "" : " open") ||
             mf__html_esc(b, ps) || mf__buf_adds(b, "</summary><div>\n");
        for (size_t k = c->firsts[pick[j]]; k <= c->last[pick[j]] && !rc; k++) {
            int att = c->r->attempts[k].attempt;
            rc = mf__buf_addf(b, "<div class=\"note\">attempt %d: ", att) ||
                 mf__html_esc(b, c->r->attempts[k].origin ? "cloned" : c->r->attempts[k].status) ||
                 mf__buf_adds(b, "</div>\n") || one_log(c, ps, "stdout", att) || one_log(c, ps, "stderr", att);
        }
        if (!rc)
            rc = mf__buf_adds(b, "</div></details>\n");
    }
    if (!rc && n < c->ntasks)
        rc = mf__buf_addf(b, "<div class=\"note\">logs of %zu of %zu tasks (failed ones first); 'logs RUN/STEP' "
                             "prints them all</div>\n", n, c->ntasks);
    return rc ? rc : mf__buf_adds(b, "</div></details>\n");
}

/* ---- the section -------------------------------------------------------- */

static int summary(struct step_ctx *c)
{
    const struct mf_report_step *s = c->s;
    const mf_step *st = c->r->g->nodes[s->node].step;
    char span[32], slow[32];
    mf__html_duration(s->end > 0 ? s->end - s->start : -1, span, sizeof(span));
    mf__html_duration(s->slowest, slow, sizeof(slow));
    int rc = mf__buf_adds(c->b, "<section class=\"mf-step-section\" id=\"step-") || mf__html_esc(c->b, c->name) ||
             mf__buf_adds(c->b, "\"><h3>") || mf__html_esc(c->b, c->name) ||
             mf__buf_addf(c->b, " <span class=\"badge %s\">%s</span></h3>\n", mf__outcome_name(s->outcome),
                          s->outcome == MF_OUT_NOTRUN ? "not run" : mf__outcome_name(s->outcome));
    if (!rc && st->doc)
        rc = mf__buf_adds(c->b, "<p>") || mf__html_esc(c->b, st->doc) || mf__buf_adds(c->b, "</p>\n");
    if (!rc && s->ntasks)
        rc = mf__buf_addf(c->b, "<p class=\"mf-step-summary\">%zu task%s, %zu attempt%s; %zu failed, %zu cloned, %zu "
                                "retried; from first start to last end %s, slowest task %s</p>\n", s->ntasks,
                          s->ntasks == 1 ? "" : "s", s->n, s->n == 1 ? "" : "s", s->nfailed, s->ncloned, s->nretried,
                          span, slow);
    return rc;
}

static int section(struct step_ctx *c)
{
    size_t *pick = mf__calloc(MF_REPORT_TASK_ROWS, sizeof(*pick));
    int rc = pick ? summary(c) : 1;
    if (!rc && c->ntasks)
        rc = mf__buf_addf(c->b, "<details%s><summary>Timeline of its tasks and attempts</summary>\n",
                          c->ntasks <= 20 ? " open" : "") ||
             mf__report_step_timeline_svg(c->b, c->r, c->s) || mf__buf_adds(c->b, "</details>\n");
    size_t n = rc ? 0 : listed(c, pick);
    if (!rc && c->ntasks)
        rc = tasks_table(c, pick, n);
    for (size_t i = 0; i < c->ntasks && !rc; i++) { /* artifacts of the first finished task */
        char ps[200];
        mf_task *t = NULL;
        if (pathspec(c, last_of(c, i), ps, sizeof(ps)) || mf_client_task(c->cl, c->r->flow, ps, &t))
            continue;
        rc = artifacts(c, t, ps);
        mf_client_task_close(t);
        break;
    }
    if (!rc && c->ntasks)
        rc = cards(c);
    if (!rc && c->ntasks)
        rc = logs(c, pick, n);
    if (!rc)
        rc = mf__buf_adds(c->b, "</section>\n");
    mf__free(pick);
    return rc;
}

int mf__report_step(mf_client *cl, struct mf_buf *b, const struct mf_report *r, const struct mf_report_step *s,
                    struct mf_err *err)
{
    struct step_ctx c = { cl, b, r, s, r->g->nodes[s->node].name, NULL, NULL, 0, err };
    c.last = mf__calloc(s->n ? s->n : 1, sizeof(*c.last));
    c.firsts = mf__calloc(s->n ? s->n : 1, sizeof(*c.firsts));
    int rc = !c.last || !c.firsts;
    for (size_t k = s->first; k < s->first + s->n && !rc; k++) {
        if (k == s->first || strcmp(r->attempts[k].task_id, r->attempts[k - 1].task_id) != 0)
            c.firsts[c.ntasks] = k;
        if (k + 1 == s->first + s->n || strcmp(r->attempts[k].task_id, r->attempts[k + 1].task_id) != 0)
            c.last[c.ntasks++] = k;
    }
    if (!rc)
        rc = section(&c);
    mf__free(c.last);
    mf__free(c.firsts);
    return rc ? mf__err(err, MF_ENOMEM, "out of memory writing the report") : 0;
}
