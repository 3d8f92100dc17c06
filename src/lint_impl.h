/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lint_impl.h - what the linter's files (lint.c, lint_switch.c,
 * lint_splits.c) share: the report being built, step names quoted for
 * messages, and the questions about the graph that several rules ask.
 */
#ifndef MF_LINT_IMPL_H
#define MF_LINT_IMPL_H
#include "graph.h"

#define MF_LINT_NAME_SLOTS 8 /* quoted names alive at once in one message */
#define MF_LINT_NAME_SHOWN 80 /* longer names are cut in messages */

struct lint {
    const struct mf_graph *g;
    struct mf_buf *report; /* NULL: count problems only */
    int problems;
    int rc; /* MF_ENOMEM once an append failed */
    char names[MF_LINT_NAME_SLOTS][MF_LINT_NAME_SHOWN + 8];
    unsigned slot;
    struct mf_buf list;
};

void mf__lint_init(struct lint *L, const struct mf_graph *g, struct mf_buf *report);
/* Frees what L holds (not the report). */
void mf__lint_release(struct lint *L);
/* Counts a problem and appends its line (printf format) to the report. */
void mf__lintf(struct lint *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Quoted `s`, or step `i` as messages name it ('name', or #N for a nameless
 * step), in a small ring: each result lives for MF_LINT_NAME_SLOTS calls. */
const char *mf__lint_q(struct lint *L, const char *s);
const char *mf__lint_step(struct lint *L, size_t i);
/* "'a', 'b' and 'c'" for nodes[0..n); lives until the next call. */
const char *mf__lint_list(struct lint *L, const size_t *nodes, size_t n);

/* A second (third, ...) step of the same name: the graph never points at it. */
bool mf__lint_is_duplicate(const struct mf_graph *g, size_t i);
/* The step is reachable from start. */
bool mf__lint_is_reachable(const struct mf_graph *g, size_t i);
/* The graph has a switch step. */
bool mf__lint_has_switch(const struct mf_graph *g);
/* Transitions sound enough for the split walk (see lint_splits.c). */
bool mf__lint_sound(const struct mf_graph *g);
/* Incoming edges of `v` that count, into preds (g->n entries): from steps
 * reachable from start (all when start is missing), never an edge back
 * against show order (a loop's back edge, or a cycle reported as one). */
size_t mf__lint_live_preds(const struct mf_graph *g, size_t v, size_t *preds);
/* "steps 'a' and 'b' go to 'j', which is not a join: ..." (or the variant
 * for 'end'): several parallel paths meet at step `v`. */
void mf__lint_not_a_join(struct lint *L, size_t v, const size_t *preds, size_t npreds);

/* lint_splits.c: the split walk with its problems reported into L, then the
 * rules for splits against loops. Returns 0 or MF_ENOMEM. */
int mf__lint_splits(struct lint *L, size_t *matching_join);
#endif
