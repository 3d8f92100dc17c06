/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lint_check.h - what the linter tests share: lint a step table and compare
 * the whole report. Include after check.h, in one test program each.
 */
#ifndef MF_TEST_LINT_CHECK_H
#define MF_TEST_LINT_CHECK_H
#include "graph.h"
#include "util/alloc.h"

#define COUNT(arr) (sizeof(arr) / sizeof((arr)[0]))

/* The linter's report for a table (flow `flow_name`), and its count. */
static inline char *lint_named(const char *flow_name, const mf_step *steps, size_t n, int *count)
{
    mf_flow flow = { .name = flow_name, .steps = steps, .nsteps = n };
    struct mf_graph *g = NULL;
    struct mf_err err = MF_ERR_INIT;
    struct mf_buf report = MF_BUF_INIT;
    CHECK_EQ_INT(mf__graph_build(&flow, &g, &err), 0);
    *count = mf__graph_lint(g, &report);
    mf__graph_free(g);
    char *text = mf__buf_detach(&report, NULL);
    CHECK(text);
    return text;
}

static inline char *lint_of(const mf_step *steps, size_t n, int *count) { return lint_named("TestFlow", steps, n, count); }

#define EXPECT_VALID(arr)                                  \
    do {                                                   \
        int count_ = -1;                                   \
        char *text_ = lint_of(arr, COUNT(arr), &count_);   \
        CHECK_EQ_STR(text_, "");                           \
        CHECK_EQ_INT(count_, 0);                           \
        mf__free(text_);                                   \
    } while (0)

/* `expected`: the whole report, one "\n"-terminated line per problem. */
#define EXPECT_LINT(arr, n, expected)                      \
    do {                                                   \
        int count_ = -1;                                   \
        char *text_ = lint_of(arr, COUNT(arr), &count_);   \
        CHECK_EQ_STR(text_, expected);                     \
        CHECK_EQ_INT(count_, n);                           \
        mf__free(text_);                                   \
    } while (0)

#endif
