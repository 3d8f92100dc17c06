/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_oom_flow.c - the allocation-failure sweep (oom.h,
 * docs/internals/oom.md) over a flow's declarations: parameters resolved
 * from a command line (JSON included, and refused lines), their lint, and
 * graphs built and linted, valid and invalid.
 */
#include <stdio.h>
#include <string.h>

#include "graph.h"
#include "oom.h"
#include "params.h"

/* ------------------------------------------------------------------ */
/* Parameters                                                         */
/* ------------------------------------------------------------------ */

static const mf_param PARAMS[] = {
    { "country", MF_PARAM_STR, "US", "Where", false, NULL, false },
    { "n", MF_PARAM_INT, "10", NULL, false, NULL, false },
    { "alpha", MF_PARAM_DOUBLE, "0.01", NULL, false, NULL, false },
    { "flag", MF_PARAM_BOOL, "false", NULL, false, NULL, false },
    { "config", MF_PARAM_JSON, "{\"a\": [1, 2.5, \"x\", null, true, {\"b\": {}}]}", NULL, false, NULL, false },
    { "who", MF_PARAM_STR, NULL, NULL, true, NULL, false },
    { "opt", MF_PARAM_JSON, NULL, NULL, false, NULL, false },
};
static const mf_flow PARAM_FLOW = { .name = "ParamFlow", .params = PARAMS, .nparams = 7 };

/* A command line's parameters as cmd_run.c hands them over. */
struct argv_case {
    const char *const *names, *const *texts;
    size_t n;
    mf_value *want;        /* resolved beforehand; NULL for a refused line */
    struct mf_err refused; /* and the message of a refused line */
};

static int op_resolve(void *ctx)
{
    struct argv_case *ac = ctx;
    struct mf_err err = MF_ERR_INIT;
    mf_value *v = NULL;
    int rc = mf__params_resolve(&PARAM_FLOW, ac->names, ac->texts, ac->n, &v, &err);
    set_msg(err.msg);
    if (!rc && !mf_value_equal(v, ac->want))
        rc = MF_ECORRUPT;
    if (rc && v)
        rc = MF_ECORRUPT;
    if (rc == ac->refused.code && rc && strcmp(err.msg, ac->refused.msg) != 0)
        rc = MF_ECORRUPT; /* refused, but not with the whole message */
    mf_value_free(v);
    return rc;
}

static void resolve_sweep(const char *what, const char *const *names, const char *const *texts, size_t n, int want)
{
    struct argv_case ac = { names, texts, n, NULL, MF_ERR_INIT };
    CHECK_EQ_INT(mf__params_resolve(&PARAM_FLOW, names, texts, n, &ac.want, &ac.refused), want);
    sweep(what, op_resolve, &ac, want, true);
    mf_value_free(ac.want);
}

/* A linter's run: its count and report, computed beforehand for the sweep. */
struct lint_case {
    const void *subject; /* an mf_flow (params) or an mf_step table (graph) */
    size_t nsteps;
    int count;
    char *report;
};

static int op_param_lint(void *ctx)
{
    struct lint_case *lc = ctx;
    struct mf_buf report = MF_BUF_INIT;
    int rc = mf__params_lint(lc->subject, &report);
    if (rc == MF_ENOMEM)
        set_msg("out of memory");
    else if (rc != lc->count || strcmp(report.buf, lc->report) != 0)
        rc = MF_ECORRUPT, set_msg(report.buf);
    else
        rc = 0;
    mf__buf_release(&report);
    return rc;
}

static void param_lint_sweep(const char *what, const mf_flow *flow, int count)
{
    struct lint_case lc = { .subject = flow };
    struct mf_buf report = MF_BUF_INIT;
    lc.count = mf__params_lint(flow, &report);
    CHECK_EQ_INT(lc.count, count);
    lc.report = mf__buf_detach(&report, NULL);
    CHECK(lc.report != NULL);
    sweep(what, op_param_lint, &lc, 0, true);
    mf__free(lc.report);
}

TEST(params)
{
    static const char *const names[] = { "--n", "--config", "--who", "--opt" };
    static const char *const texts[] = { "42", "{\"k\": [1, 2, {\"z\": \"\\u00e9\"}], \"m\": {\"x\": 1.5e3}}", "me",
                                         "[[], {}, \"\", -1]" };
    static const char *const typo[] = { "--who", "--alpah" };
    static const char *const bad_json[] = { "--who", "--config" };
    static const char *const bad_texts[] = { "me", "{\"a\": [1, }" };
    static const mf_param BAD[] = {
        { "max_workers", MF_PARAM_INT, "x", NULL, true, NULL, false },
        { "ok", MF_PARAM_JSON, "{\"a\": {\"b\": [1, 2, 3]}}", NULL, false, NULL, false },
        { "bad", MF_PARAM_JSON, "{\"a\": }", NULL, false, NULL, false },
    };
    static const mf_flow bad_flow = { .name = "BadFlow", .params = BAD, .nparams = 3 };
    route_libraries();
    resolve_sweep("params from argv, JSON", names, texts, 4, 0);
    resolve_sweep("params, unknown option", typo, texts, 2, MF_EINVAL);
    resolve_sweep("params, missing required", NULL, NULL, 0, MF_EINVAL);
    resolve_sweep("params, malformed JSON", bad_json, bad_texts, 2, MF_EPARSE);
    param_lint_sweep("params lint, valid", &PARAM_FLOW, 0);
    param_lint_sweep("params lint, invalid", &bad_flow, 4);
}

/* ------------------------------------------------------------------ */
/* Graphs                                                             */
/* ------------------------------------------------------------------ */

static int op_graph(void *ctx)
{
    struct lint_case *lc = ctx;
    const mf_flow flow = { .name = "GraphFlow", .steps = lc->subject, .nsteps = lc->nsteps };
    struct mf_err err = MF_ERR_INIT;
    struct mf_graph *g = NULL;
    struct mf_buf report = MF_BUF_INIT;
    int rc = mf__graph_build(&flow, &g, &err);
    set_msg(err.msg);
    if (!rc && (rc = mf__graph_lint(g, &report)) == MF_ENOMEM)
        set_msg("out of memory (lint)");
    if (rc >= 0 && (rc != lc->count || strcmp(report.buf, lc->report) != 0))
        rc = MF_ECORRUPT, set_msg(report.buf);
    else if (rc >= 0)
        rc = 0;
    mf__graph_free(g);
    mf__buf_release(&report);
    return rc;
}

static void graph_sweep(const char *what, const mf_step *steps, size_t n, bool valid)
{
    struct lint_case lc = { .subject = steps, .nsteps = n };
    const mf_flow flow = { .name = "GraphFlow", .steps = steps, .nsteps = n };
    struct mf_err err = MF_ERR_INIT;
    struct mf_graph *g = NULL;
    struct mf_buf report = MF_BUF_INIT;
    CHECK_EQ_INT(mf__graph_build(&flow, &g, &err), 0);
    lc.count = mf__graph_lint(g, &report);
    CHECK(valid ? lc.count == 0 : lc.count > 0);
    lc.report = mf__buf_detach(&report, NULL);
    CHECK(lc.report != NULL);
    mf__graph_free(g);
    sweep(what, op_graph, &lc, 0, true);
    mf__free(lc.report);
}

TEST(graphs)
{
    static const mf_step branches[] = {
        { .name = "start", .next = { "a", "b" } },
        { .name = "a", .next = { "join" } },
        { .name = "b", .next = { "fan" } },
        { .name = "fan", .foreach = "items", .next = { "each" } },
        { .name = "each", .next = { "gather" } },
        { .name = "gather", .join = true, .next = { "join" } },
        { .name = "join", .join = true, .next = { "end" } },
        { .name = "end" },
    };
    static const mf_step loop[] = {
        { .name = "start", .next = { "count" } },
        { .name = "count", .switch_on = "move", .cases = { { "again", "count" }, { "done", "check" } } },
        { .name = "check", .switch_on = "ok", .cases = { { "yes", "end" }, { "no", "start2" } } },
        { .name = "start2", .next = { "end" } },
        { .name = "end" },
    };
    static const mf_step broken[] = {
        { .name = "start", .next = { "a", "b" } },
        { .name = "a", .next = { "end" } },
        { .name = "b", .next = { "missing" } },
        { .name = "orphan", .next = { "end" } },
        { .name = "a", .next = { "end" } },
        { .name = "sw", .switch_on = "c", .cases = { { "x", "end" } } },
        { .name = "end" },
    };
    static const mf_step unjoined[] = {
        { .name = "start", .next = { "a", "b" } },
        { .name = "a", .foreach = "xs", .next = { "c" } },
        { .name = "b", .next = { "d" } },
        { .name = "c", .next = { "d" } },
        { .name = "d", .join = true, .next = { "end" } },
        { .name = "end" },
    };
    graph_sweep("graph, branch and foreach", branches, 8, true);
    graph_sweep("graph, switch and loop", loop, 5, true);
    graph_sweep("graph, invalid", broken, 7, false);
    graph_sweep("graph, split/join mismatch", unjoined, 6, false);
}

TESTS_BEGIN
T(params)
T(graphs)
TESTS_END
