/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run_report.h - the run report (`report RUN`): one self-contained HTML
 * page of a run, gathered through the client API and the run metadata
 * (run_report.c) and drawn with inline SVG made here (report_svg.c: the
 * graph coloured by outcome, the timeline). docs/cards.md describes it.
 */
#ifndef MF_RUN_REPORT_H
#define MF_RUN_REPORT_H
#include <stddef.h>

#include "graph.h"
#include "meta.h"
#include "metaflow.h"
#include "util/buf.h"
#include "util/err.h"

/* Caps on what the page inlines (each said on the page where it applies). */
#define MF_REPORT_TIMELINE_ROWS 2000 /* task rows drawn per step */
#define MF_REPORT_TASK_ROWS 50       /* tasks listed per step (failed ones first) */
#define MF_REPORT_LOG_TASKS 50       /* tasks whose logs are inlined per step */
#define MF_REPORT_LOG_BYTES 16384    /* the last bytes of each log inlined */
#define MF_REPORT_CARDS 20           /* cards inlined per step */
#define MF_REPORT_PREVIEW 160        /* characters of an artifact preview */
#define MF_REPORT_LOAD_MAX 65536     /* artifacts larger than this are not loaded for a preview */

/* What a step did, from its tasks' last attempts. */
enum mf_outcome { MF_OUT_NOTRUN, MF_OUT_SUCCEEDED, MF_OUT_FAILED, MF_OUT_RUNNING, MF_OUT_CLONED };

struct mf_report_step {
    size_t node;                   /* in the graph */
    size_t first, n;               /* its attempts: attempts[first, first + n) */
    size_t ntasks, nfailed, nrunning, ncloned, nretried;
    enum mf_outcome outcome;
    double start, end;             /* first start, last end (0: none) */
    double slowest;                /* longest attempt, seconds */
};

struct mf_report {
    const struct mf_graph *g;
    const char *flow;
    mf_run_info *run;
    struct mf_meta_task *attempts; /* every attempt, grouped by step (graph order), by task id then attempt */
    size_t nattempts;
    struct mf_report_step *steps;  /* g->n entries, by node */
    double t0, t1;                 /* the timeline's span */
};

/* Writes the report of run `run_id` of `flow` (graph `g`) into `out`. */
int mf__run_report(mf_client *cl, const struct mf_graph *g, const char *flow, const char *run_id,
                   struct mf_buf *out, struct mf_err *err);

/* report_step.c: one step's section (summary, its tasks' timeline, tasks,
 * artifacts, cards, logs). */
int mf__report_step(mf_client *cl, struct mf_buf *b, const struct mf_report *r, const struct mf_report_step *s,
                    struct mf_err *err);

/* report_svg.c */
const char *mf__outcome_name(enum mf_outcome o);
const char *mf__outcome_colour(enum mf_outcome o);
int mf__report_graph_svg(struct mf_buf *b, const struct mf_report *r);
/* The overview (a bar per step) and one step's rows (a bar per attempt). */
int mf__report_timeline_svg(struct mf_buf *b, const struct mf_report *r);
int mf__report_step_timeline_svg(struct mf_buf *b, const struct mf_report *r, const struct mf_report_step *s);
#endif
