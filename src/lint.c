/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lint.c - Metaflow's graph rules applied to a statically declared C flow:
 * every problem at once, one line each naming the steps and the fix, in a
 * fixed order (the flow, each step in table order, cycles, reachability,
 * incoming edges, then split/join balance).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "graph.h"
#include "util/alloc.h"

#define NAME_SLOTS 8     /* quoted names alive at once in one message */
#define NAME_SHOWN 80    /* longer names are cut in messages */
#define LIST_SHOWN 8     /* longer lists of steps end in "and N more" */
#define STEP_NAME_MAX 128 /* a step name is a directory name in the datastore */

struct lint {
    const struct mf_graph *g;
    struct mf_buf *report; /* NULL: count problems only */
    int problems;
    int rc; /* MF_ENOMEM once an append failed */
    char names[NAME_SLOTS][NAME_SHOWN + 8];
    unsigned slot;
    struct mf_buf list;
};

static void lint_init(struct lint *L, const struct mf_graph *g, struct mf_buf *report)
{
    memset(L, 0, sizeof(*L));
    L->g = g;
    L->report = report;
    mf__buf_init(&L->list);
}

static void problem(struct lint *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct lint *L, const char *fmt, ...)
{
    L->problems++;
    if (!L->report || L->rc)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (mf__buf_vaddf(L->report, fmt, ap) || mf__buf_addch(L->report, '\n'))
        L->rc = MF_ENOMEM;
    va_end(ap);
}

/* Writes `s` in single quotes to `out` (NAME_SHOWN + 8 bytes), cut to
 * NAME_SHOWN bytes, with control characters and quotes shown as '?' so that
 * a message stays one readable line. */
static char *quote_into(char *out, const char *s)
{
    size_t len = strlen(s), used = 0;
    bool cut = len > NAME_SHOWN;
    if (cut) {
        len = NAME_SHOWN;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--; /* do not split a UTF-8 sequence */
    }
    out[used++] = '\'';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        out[used++] = (char)(c < 0x20 || c == 0x7f || c == '\'' ? '?' : c);
    }
    if (cut)
        for (int k = 0; k < 3; k++)
            out[used++] = '.';
    out[used++] = '\'';
    out[used] = '\0';
    return out;
}

/* Step `i` as messages name it, into `out`: its quoted name, or its entry
 * in the table when it has none. */
static char *label_into(char *out, const struct mf_graph *g, size_t i)
{
    const char *name = g->nodes[i].step->name;
    if (name && *name)
        return quote_into(out, name);
    snprintf(out, NAME_SHOWN, "#%zu", i + 1);
    return out;
}

/* Quoted `s` or step `i` in the next slot of a small ring: a result lives
 * until NAME_SLOTS more calls, enough for the arguments of one message. */
static const char *q(struct lint *L, const char *s) { return quote_into(L->names[L->slot++ % NAME_SLOTS], s); }

static const char *step_label(struct lint *L, size_t i)
{
    return label_into(L->names[L->slot++ % NAME_SLOTS], L->g, i);
}

/* "'a', 'b' and 'c'" for nodes[0..n); lives until the next call. */
static const char *qlist(struct lint *L, const size_t *nodes, size_t n)
{
    mf__buf_reset(&L->list);
    for (size_t k = 0; k < n && k < LIST_SHOWN; k++) {
        const char *sep = k == 0 ? "" : (k + 1 == n ? " and " : ", ");
        char name[NAME_SHOWN + 8];
        if (mf__buf_addf(&L->list, "%s%s", sep, label_into(name, L->g, nodes[k])))
            L->rc = MF_ENOMEM;
    }
    if (n > LIST_SHOWN && mf__buf_addf(&L->list, " and %zu more", n - LIST_SHOWN))
        L->rc = MF_ENOMEM;
    return L->list.buf;
}

static bool is_lower_ident(const char *s)
{
    if (!(*s >= 'a' && *s <= 'z'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

static bool is_ident(const char *s, bool leading_underscore)
{
    bool alpha0 = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (leading_underscore && *s == '_');
    if (!alpha0)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

/* Metaflow's reserved step names: attributes every step object has. */
static bool is_reserved(const char *name)
{
    static const char *const reserved[] = { "name", "next", "input", "index", "cmd" };
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (!strcmp(name, reserved[i]))
            return true;
    return false;
}

/* A second (third, ...) step of the same name: the graph never points at it. */
static bool is_duplicate(const struct mf_graph *g, size_t i)
{
    const char *name = g->nodes[i].step->name;
    return name && mf__graph_find(g, name) != i;
}

static bool is_reachable(const struct mf_graph *g, size_t i) { return g->nodes[i].order < g->norder; }

/* ------------------------------------------------------------------ */
/* The flow, and each step on its own                                 */
/* ------------------------------------------------------------------ */

static void lint_flow(struct lint *L)
{
    const char *name = L->g->flow->name;
    if (!name || !*name)
        problem(L, "the flow has no name: set mf_flow.name to an identifier such as 'HelloFlow'");
    else if (!is_ident(name, true))
        problem(L, "flow name %s is not a valid identifier: use letters, digits and '_', not starting with a digit",
                q(L, name));
    if (L->g->start == MF_NO_NODE)
        problem(L, "the flow has no step 'start': declare the step the flow begins with and name it 'start'");
    if (L->g->end == MF_NO_NODE)
        problem(L, "the flow has no step 'end': declare the step the flow finishes with and name it 'end'");
}

static void lint_name(struct lint *L, size_t i)
{
    const char *name = L->g->nodes[i].step->name;
    if (!name || !*name)
        problem(L, "step #%zu of the table has no name: set its .name", i + 1);
    else if (name[0] == '_')
        problem(L, "step %s starts with '_', which metaflow-c keeps for itself: rename it", q(L, name));
    else if (!is_lower_ident(name))
        problem(L, "step %s has an invalid name: use lowercase letters, digits and '_', starting with a letter",
                q(L, name));
    else if (strlen(name) > STEP_NAME_MAX)
        problem(L, "step %s has a name of %zu characters: keep step names to %d at most", q(L, name), strlen(name),
                STEP_NAME_MAX);
    else if (is_reserved(name))
        problem(L, "step %s uses a reserved word: 'name', 'next', 'input', 'index' and 'cmd' cannot name a step; "
                   "rename it", q(L, name));
}

/* One line per name declared more than once, in name order. */
static void lint_duplicates(struct lint *L)
{
    const struct mf_graph *g = L->g;
    for (size_t k = 0; k < g->nnamed;) {
        size_t e = k + 1;
        while (e < g->nnamed && !strcmp(g->nodes[g->by_name[e]].name, g->nodes[g->by_name[k]].name))
            e++;
        if (e - k > 1) {
            struct mf_buf entries = MF_BUF_INIT;
            for (size_t j = k; j < e; j++)
                if (mf__buf_addf(&entries, "%s%zu", j == k ? "" : (j + 1 == e ? " and " : ", "), g->by_name[j] + 1))
                    L->rc = MF_ENOMEM;
            problem(L, "step %s is declared %zu times (entries %s of the table): give each step its own name",
                    q(L, g->nodes[g->by_name[k]].name), e - k, entries.buf);
            mf__buf_release(&entries);
        }
        k = e;
    }
}

static void lint_end_step(struct lint *L, size_t i)
{
    const mf_step *step = L->g->nodes[i].step;
    if (mf__step_nnext(step) > 0)
        problem(L, "step 'end' goes to %s: the end step has no next step; remove 'end'.next", q(L, step->next[0]));
    if (step->foreach)
        problem(L, "step 'end' has .foreach = %s: the end step cannot fan out; remove its .foreach",
                q(L, step->foreach));
    if (step->join)
        problem(L, "step 'end' is declared a join: the end step cannot be one; add a join step before 'end' and "
                   "remove .join from 'end'");
}

static void lint_next_names(struct lint *L, size_t i)
{
    const mf_step *step = L->g->nodes[i].step;
    size_t nnext = mf__step_nnext(step);
    for (size_t k = 0; k < nnext; k++) {
        const char *to = step->next[k];
        size_t seen = 0;
        for (size_t j = 0; j < k; j++)
            seen += !strcmp(step->next[j], to);
        if (seen == 1)
            problem(L, "step %s lists %s twice in its next: list each next step once", step_label(L, i), q(L, to));
        if (seen == 0 && mf__graph_find(L->g, to) == MF_NO_NODE)
            problem(L, "step %s goes to %s, which is not a step of the flow: declare a step %s or fix the name in "
                       "%s.next", step_label(L, i), q(L, to), q(L, to), step_label(L, i));
    }
}

static void lint_foreach(struct lint *L, size_t i)
{
    const mf_step *step = L->g->nodes[i].step;
    size_t nnext = mf__step_nnext(step);
    if (!*step->foreach)
        problem(L, "step %s has an empty .foreach: name the list artifact it fans out over", step_label(L, i));
    else if (!is_ident(step->foreach, false))
        problem(L, "step %s fans out over %s, which is not a valid artifact name: use an identifier that does not "
                   "start with '_'", step_label(L, i), q(L, step->foreach));
    if (nnext > 1)
        problem(L, "step %s fans out over %s but has %zu next steps: a foreach has exactly one, the step run for "
                   "each item; keep one, or remove .foreach to make a branch", step_label(L, i),
                q(L, step->foreach), nnext);
}

static void lint_transitions(struct lint *L, size_t i)
{
    const struct mf_node *node = &L->g->nodes[i];
    const mf_step *step = node->step;
    size_t nnext = mf__step_nnext(step);
    if (step->name && !strcmp(step->name, "end")) {
        lint_end_step(L, i);
        return;
    }
    if (nnext == 0 && step->foreach)
        problem(L, "step %s fans out over %s but has no next step: set %s.next to the step run for each item",
                step_label(L, i), q(L, step->foreach), step_label(L, i));
    else if (nnext == 0 && node->kind != MF_NODE_SWITCH)
        problem(L, "step %s has no next step: set %s.next to the step that follows it (only 'end' has none)",
                step_label(L, i), step_label(L, i));
    lint_next_names(L, i);
    if (step->foreach)
        lint_foreach(L, i);
    if (step->join && i == L->g->start)
        problem(L, "step 'start' is declared a join: nothing comes before the start step; remove .join from 'start'");
    else if (step->join && (nnext > 1 || step->foreach))
        problem(L, "step %s is a join and also %s: a step cannot do both; add a step after %s that %s",
                step_label(L, i), step->foreach ? "a foreach" : "splits", step_label(L, i),
                step->foreach ? "fans out" : "splits");
    for (size_t k = 0; k < node->nout; k++)
        if (node->out[k] == L->g->start)
            problem(L, "step %s goes to 'start': nothing may go back to the start step; fix %s.next",
                    step_label(L, i), step_label(L, i));
}

/* ------------------------------------------------------------------ */
/* Cycles                                                             */
/* ------------------------------------------------------------------ */

/* Edges into start are left out: they are reported on their own. */
static bool counts(const struct mf_graph *g, size_t to) { return to != g->start; }

/* Postorder of a depth-first walk over every step (Kosaraju's first pass). */
static void postorder_all(const struct mf_graph *g, size_t *post, size_t *stack, size_t *left, bool *seen)
{
    size_t npost = 0;
    for (size_t r = 0; r < g->n; r++) {
        if (seen[r])
            continue;
        size_t sp = 0;
        stack[sp++] = r;
        seen[r] = true;
        left[r] = g->nodes[r].nout;
        while (sp) {
            size_t v = stack[sp - 1];
            if (!left[v]) {
                post[npost++] = v;
                sp--;
                continue;
            }
            size_t c = g->nodes[v].out[g->nodes[v].nout - left[v]--];
            if (counts(g, c) && !seen[c]) {
                seen[c] = true;
                left[c] = g->nodes[c].nout;
                stack[sp++] = c;
            }
        }
    }
}

/* comp[v]: the strongly connected component of v, named by one member. */
static void components(const struct mf_graph *g, const size_t *post, size_t *comp, size_t *stack)
{
    for (size_t i = 0; i < g->n; i++)
        comp[i] = MF_NO_NODE;
    for (size_t k = g->n; k-- > 0;) {
        size_t r = post[k];
        if (comp[r] != MF_NO_NODE)
            continue;
        size_t sp = 0;
        stack[sp++] = r;
        comp[r] = r;
        while (sp) {
            size_t v = stack[--sp];
            if (!counts(g, v))
                continue; /* start's incoming edges do not count */
            for (size_t j = 0; j < g->nodes[v].nin; j++) {
                size_t u = g->nodes[v].in[j];
                if (comp[u] == MF_NO_NODE) {
                    comp[u] = r;
                    stack[sp++] = u;
                }
            }
        }
    }
}

/* The shortest cycle through `from` inside its component, found breadth
 * first, reported as "'a' -> 'b' -> 'a'". */
static void report_cycle(struct lint *L, size_t from, const size_t *comp, size_t *queue, size_t *parent)
{
    const struct mf_graph *g = L->g;
    size_t head = 0, tail = 0, last = MF_NO_NODE;
    for (size_t i = 0; i < g->n; i++)
        parent[i] = MF_NO_NODE;
    queue[tail++] = from;
    while (head < tail && last == MF_NO_NODE) {
        size_t v = queue[head++];
        for (size_t k = 0; k < g->nodes[v].nout && last == MF_NO_NODE; k++) {
            size_t c = g->nodes[v].out[k];
            if (c == from)
                last = v;
            else if (comp[c] == comp[from] && counts(g, c) && parent[c] == MF_NO_NODE) {
                parent[c] = v;
                queue[tail++] = c;
            }
        }
    }
    if (last == MF_NO_NODE)
        return;
    size_t len = 0;
    for (size_t v = last; v != from; v = parent[v])
        queue[len++] = v; /* reversed path, reusing the queue */
    struct mf_buf path = MF_BUF_INIT;
    int rc = mf__buf_adds(&path, step_label(L, from));
    for (size_t k = len; k-- > 0 && !rc;)
        rc = mf__buf_addf(&path, " -> %s", step_label(L, queue[k]));
    if (rc || mf__buf_addf(&path, " -> %s", step_label(L, from)))
        L->rc = MF_ENOMEM;
    if (last == from)
        problem(L, "step %s goes to itself: a flow cannot go back to an earlier step; fix %s.next",
                step_label(L, from), step_label(L, from));
    else
        problem(L, "steps %s form a cycle: a flow cannot go back to an earlier step; fix %s.next", path.buf,
                step_label(L, last));
    mf__buf_release(&path);
}

/* A cycle through a switch case is a loop, which a switch may make; one
 * made of next and foreach edges only would never end. */
static bool has_switch_edge(const struct mf_graph *g, const size_t *comp, size_t c)
{
    for (size_t u = 0; u < g->n; u++)
        if (comp[u] == c && g->nodes[u].kind == MF_NODE_SWITCH)
            for (size_t k = 0; k < g->nodes[u].nout; k++)
                if (comp[g->nodes[u].out[k]] == c)
                    return true;
    return false;
}

static void lint_cycles(struct lint *L)
{
    const struct mf_graph *g = L->g;
    size_t n = g->n;
    size_t *post = mf__calloc(n, sizeof(*post)), *stack = mf__calloc(n, sizeof(*stack));
    size_t *left = mf__calloc(n, sizeof(*left)), *comp = mf__calloc(n, sizeof(*comp));
    bool *seen = mf__calloc(n, sizeof(*seen)), *done = mf__calloc(n, sizeof(*done));
    if (!post || !stack || !left || !comp || !seen || !done) {
        L->rc = MF_ENOMEM;
        goto out;
    }
    postorder_all(g, post, stack, left, seen);
    components(g, post, comp, stack);
    size_t *size = post; /* post is done with: count each component's steps */
    memset(size, 0, n * sizeof(*size));
    for (size_t i = 0; i < n; i++)
        size[comp[i]]++;
    for (size_t i = 0; i < n; i++) { /* table order: the first member names each cycle */
        if (done[comp[i]] || !counts(g, i))
            continue;
        done[comp[i]] = true;
        bool self_loop = false;
        for (size_t k = 0; k < g->nodes[i].nout; k++)
            self_loop |= g->nodes[i].out[k] == i;
        if ((size[comp[i]] > 1 || self_loop) && !has_switch_edge(g, comp, comp[i]))
            report_cycle(L, i, comp, stack, left);
    }
out:
    mf__free(post);
    mf__free(stack);
    mf__free(left);
    mf__free(comp);
    mf__free(seen);
    mf__free(done);
}

/* ------------------------------------------------------------------ */
/* Reachability and incoming edges                                    */
/* ------------------------------------------------------------------ */

static void lint_unreachable(struct lint *L)
{
    const struct mf_graph *g = L->g;
    if (g->start == MF_NO_NODE)
        return;
    for (size_t i = 0; i < g->n; i++) {
        const char *name = g->nodes[i].step->name;
        if (is_reachable(g, i) || !name || !*name || is_duplicate(g, i))
            continue; /* a nameless or second step is reported as such */
        problem(L, "step %s is not reachable from 'start': add %s to the next of the step before it, or remove it",
                q(L, name), q(L, name));
    }
}

/* A step whose every path loops forever. Steps with a missing or no next
 * step count as reaching end: that problem is reported on its own. */
static void lint_reaches_end(struct lint *L)
{
    const struct mf_graph *g = L->g;
    if (g->start == MF_NO_NODE || g->end == MF_NO_NODE)
        return;
    size_t *stack = mf__calloc(g->n, sizeof(*stack)), *stuck = mf__calloc(g->n, sizeof(*stuck));
    bool *ok = mf__calloc(g->n, sizeof(*ok));
    size_t sp = 0, nstuck = 0;
    if (!stack || !stuck || !ok) {
        L->rc = MF_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < g->n; i++)
        if (i == g->end || g->nodes[i].nout < mf__step_nnext(g->nodes[i].step) || g->nodes[i].nout == 0) {
            ok[i] = true;
            stack[sp++] = i;
        }
    while (sp) {
        size_t v = stack[--sp];
        for (size_t j = 0; j < g->nodes[v].nin; j++)
            if (!ok[g->nodes[v].in[j]]) {
                ok[g->nodes[v].in[j]] = true;
                stack[sp++] = g->nodes[v].in[j];
            }
    }
    for (size_t k = 0; k < g->norder; k++)
        if (!ok[g->order[k]])
            stuck[nstuck++] = g->order[k];
    if (nstuck == 1)
        problem(L, "step %s never leads to 'end': give it a next step that leaves its cycle", qlist(L, stuck, 1));
    else if (nstuck > 1)
        problem(L, "steps %s never lead to 'end': give one of them a next step that leaves their cycle",
                qlist(L, stuck, nstuck));
out:
    mf__free(stack);
    mf__free(stuck);
    mf__free(ok);
}

/* Incoming edges that count: those from steps reachable from start (an
 * unreachable step is reported on its own), or all when start is missing;
 * never an edge that closes a cycle (against show order), reported as one. */
static size_t live_preds(const struct mf_graph *g, size_t v, size_t *preds)
{
    size_t n = 0;
    for (size_t j = 0; j < g->nodes[v].nin; j++) {
        size_t u = g->nodes[v].in[j];
        if (g->start == MF_NO_NODE || (is_reachable(g, u) && g->nodes[u].order < g->nodes[v].order))
            preds[n++] = u;
    }
    return n;
}

static void lint_incoming(struct lint *L, size_t v, size_t *preds)
{
    const struct mf_graph *g = L->g;
    const struct mf_node *node = &g->nodes[v];
    size_t npreds = live_preds(g, v, preds);
    if (npreds > 1 && v == g->end && !mf__switch_reaches_all(g, preds, npreds))
        problem(L, "steps %s go to 'end', which cannot be a join: their branches are never joined; add a join "
                   "step between them and 'end'", qlist(L, preds, npreds));
    else if (npreds > 1 && !node->is_join && !mf__switch_reaches_all(g, preds, npreds))
        problem(L, "steps %s go to %s, which is not a join: declare %s with .join = true to close their split, "
                   "or send only one of them there", qlist(L, preds, npreds), step_label(L, v), step_label(L, v));
    if (node->kind == MF_NODE_FOREACH && node->nout > 0 && g->nodes[node->out[0]].is_join && node->out[0] != g->end)
        problem(L, "step %s fans out straight into the join %s: add the step run for each item between them",
                step_label(L, v), step_label(L, node->out[0]));
    if (node->kind == MF_NODE_SPLIT)
        for (size_t k = 0; k < node->nout; k++)
            if (g->nodes[node->out[k]].is_join && node->out[k] != g->end)
                problem(L, "step %s goes straight to the join %s: a branch needs at least one step; add one "
                           "between them", step_label(L, v), step_label(L, node->out[k]));
}

static void lint_all_incoming(struct lint *L)
{
    const struct mf_graph *g = L->g;
    size_t *preds = mf__calloc(g->n, sizeof(*preds));
    if (!preds) {
        L->rc = MF_ENOMEM;
        return;
    }
    for (size_t v = 0; v < g->n; v++)
        if (g->start == MF_NO_NODE || is_reachable(g, v))
            lint_incoming(L, v, preds);
    mf__free(preds);
}

int mf__graph_lint(const struct mf_graph *g, struct mf_buf *report)
{
    struct lint L;
    size_t *matching = NULL;
    lint_init(&L, g, report);
    lint_flow(&L);
    for (size_t i = 0; i < g->n; i++)
        lint_name(&L, i);
    lint_duplicates(&L);
    for (size_t i = 0; i < g->n; i++)
        lint_transitions(&L, i);
    lint_cycles(&L);
    lint_unreachable(&L);
    lint_reaches_end(&L);
    lint_all_incoming(&L);
    int sw = mf__lint_switches(g, report);
    if (sw < 0)
        L.rc = sw;
    else
        L.problems += sw;
    if (!L.rc && !(matching = mf__calloc(g->n, sizeof(*matching))))
        L.rc = MF_ENOMEM;
    int rc = L.rc ? L.rc : mf__graph_splits(g, matching, report);
    if (rc == 0) { /* balanced: now splits against loops */
        rc = mf__lint_loop_joins(g, matching, report);
    }
    mf__free(matching);
    mf__buf_release(&L.list);
    if (rc < 0)
        return rc;
    return L.problems + rc;
}

/* ------------------------------------------------------------------ */
/* Split/join balance                                                 */
/* ------------------------------------------------------------------ */

/*
 * The stack of open splits a step runs under, kept as its top frame: the
 * split (or foreach) that opened it and the branch taken. The frame below is
 * the split's own stack, so two stacks are equal when their top frames are
 * (on a sound graph every step has one stack). `lost`: a problem upstream
 * was reported and this stack is unknown; nothing downstream is reported.
 */
struct stack {
    size_t split, branch, depth;
    bool lost;
};

struct walk {
    struct lint *L;
    const struct mf_graph *g;
    struct stack *at; /* each step's stack */
    bool *reported;   /* a split already named in a problem */
    size_t *matching;
    size_t *preds;
};

/* The stack a step hands to one of its next steps. A split or a foreach
 * opens a frame per branch; every other kind passes its own on. A new edge
 * kind (switch, recursion) adds a case here: a switch passes its stack on,
 * like a linear step, since only one of its cases runs. */
static struct stack carried(const struct walk *w, size_t from, size_t to)
{
    const struct mf_node *node = &w->g->nodes[from];
    struct stack s = w->at[from];
    if (s.lost || (node->kind != MF_NODE_SPLIT && node->kind != MF_NODE_FOREACH))
        return s;
    size_t branch = 0;
    while (branch < node->nout && node->out[branch] != to)
        branch++;
    return (struct stack){ from, branch, s.depth + 1, false };
}

/* Transitions sound enough for the walk: both ends, unique names, every
 * reachable step going on to existing steps, no edge back into start, and
 * no cycle (an edge against show order, which is a topological order of an
 * acyclic graph). */
static bool sound(const struct mf_graph *g)
{
    if (g->start == MF_NO_NODE || g->end == MF_NO_NODE || g->nodes[g->end].nout)
        return false;
    for (size_t i = 0; i < g->n; i++)
        if (is_duplicate(g, i))
            return false;
    for (size_t k = 0; k < g->norder; k++) {
        const struct mf_node *node = &g->nodes[g->order[k]];
        size_t nnext = mf__step_nnext(node->step);
        bool sw = node->kind == MF_NODE_SWITCH;
        if (sw ? node->nout == 0 : (node->nout != nnext || (nnext == 0 && g->order[k] != g->end) ||
                                    (node->step->foreach && nnext != 1)))
            return false;
        for (size_t j = 0; j < node->nout; j++) /* only a switch case may go back: a loop */
            if (node->out[j] == g->start || (!sw && g->nodes[node->out[j]].order <= k))
                return false;
    }
    return true;
}

static const char *where(struct lint *L, struct stack s, char *buf, size_t size)
{
    if (s.split == MF_NO_NODE)
        snprintf(buf, size, "outside any split");
    else
        snprintf(buf, size, "in %s %s", L->g->nodes[s.split].kind == MF_NODE_FOREACH ? "the foreach" : "a branch of",
                 step_label(L, s.split));
    return buf;
}

/* A join whose inputs run under different splits: Metaflow's "joins steps
 * from unrelated splits". The deeper split is the one left open. */
static void report_mixed(struct walk *w, size_t v, size_t pa, struct stack a, size_t pb, struct stack b)
{
    struct lint *L = w->L;
    if ((a.split != MF_NO_NODE && w->reported[a.split]) || (b.split != MF_NO_NODE && w->reported[b.split]))
        return; /* the split that went wrong is named already */
    char wa[NAME_SHOWN + 32], wb[NAME_SHOWN + 32], fix[2 * NAME_SHOWN + 64];
    where(L, a, wa, sizeof(wa));
    where(L, b, wb, sizeof(wb));
    if (a.depth != b.depth) {
        size_t open = a.depth > b.depth ? a.split : b.split;
        snprintf(fix, sizeof(fix), "close %s with its own join before %s", step_label(L, open), step_label(L, v));
    } else
        snprintf(fix, sizeof(fix), "give %s and %s each their own join", step_label(L, a.split),
                 step_label(L, b.split));
    problem(L, "join %s mixes steps of different splits: %s is %s and %s is %s; a join closes exactly one split, "
               "so %s", step_label(L, v), step_label(L, pa), wa, step_label(L, pb), wb, fix);
    if (a.split != MF_NO_NODE)
        w->reported[a.split] = true;
    if (b.split != MF_NO_NODE)
        w->reported[b.split] = true;
}

/* Branches of split `s` that none of the join's inputs comes from. */
static size_t missing_branches(const struct walk *w, size_t s, size_t v, size_t npreds, size_t *missing)
{
    const struct mf_node *split = &w->g->nodes[s];
    size_t nbranches = split->kind == MF_NODE_FOREACH ? 1 : split->nout, nmissing = 0;
    for (size_t b = 0; b < nbranches; b++) {
        bool found = false;
        for (size_t k = 0; k < npreds && !found; k++)
            found = carried(w, w->preds[k], v).branch == b;
        if (!found)
            missing[nmissing++] = split->out[b];
    }
    return nmissing;
}

static int walk_join(struct walk *w, size_t v, size_t npreds)
{
    struct lint *L = w->L;
    struct stack first = carried(w, w->preds[0], v);
    for (size_t k = 0; k < npreds; k++) {
        struct stack s = carried(w, w->preds[k], v);
        if (s.lost) {
            w->at[v].lost = true;
            return 0;
        }
        if (s.split != first.split) {
            report_mixed(w, v, w->preds[0], first, w->preds[k], s);
            w->at[v].lost = true;
            return 0;
        }
    }
    if (first.split == MF_NO_NODE) {
        problem(L, "step %s is declared a join but closes no split or foreach: nothing before it splits; remove "
                   ".join from %s", step_label(L, v), step_label(L, v));
        w->at[v] = first;
        return 0;
    }
    size_t s = first.split, nmissing;
    size_t *missing = mf__calloc(w->g->nodes[s].nout + 1, sizeof(*missing));
    if (!missing)
        return MF_ENOMEM;
    nmissing = missing_branches(w, s, v, npreds, missing);
    if (nmissing && !w->reported[s]) {
        w->reported[s] = true;
        problem(L, "join %s closes the split %s but not every branch leads to it: %s %s not; make every branch of %s "
                   "end at %s", step_label(L, v), step_label(L, s), qlist(L, missing, nmissing),
                nmissing == 1 ? "does" : "do", step_label(L, s), step_label(L, v));
    }
    mf__free(missing);
    if (w->matching[s] == MF_NO_NODE)
        w->matching[s] = v;
    w->at[v] = w->at[s];
    return 0;
}

/* Every split still open at the end step, innermost first. */
static void report_unclosed(struct walk *w, size_t v)
{
    struct lint *L = w->L;
    for (size_t s = w->at[v].split; s != MF_NO_NODE; s = w->at[s].split) {
        const struct mf_node *split = &w->g->nodes[s];
        if (w->reported[s])
            continue;
        w->reported[s] = true;
        if (split->kind == MF_NODE_FOREACH)
            problem(L, "the foreach %s over %s is never joined: add a join step after %s, before 'end'",
                    step_label(L, s), q(L, split->step->foreach), step_label(L, split->out[0]));
        else
            problem(L, "the branches of %s (%s) are never joined: add a join step they all lead to, before 'end'",
                    step_label(L, s), qlist(L, split->out, split->nout));
    }
}

/* The paths of a switch meet again at `v`: they must arrive under the same
 * splits, or a branch or foreach opened on one path was never joined. */
static int walk_switch_merge(struct walk *w, size_t v, size_t npreds)
{
    struct stack first = carried(w, w->preds[0], v);
    for (size_t k = 1; k < npreds; k++) {
        struct stack other = carried(w, w->preds[k], v);
        if (first.lost || other.lost)
            break;
        if (first.split != other.split || first.branch != other.branch || first.depth != other.depth) {
            problem(w->L, "the paths of a switch meet at %s under different splits (from %s and %s): join the "
                          "branch or foreach opened on one path before they meet",
                    step_label(w->L, v), step_label(w->L, w->preds[0]), step_label(w->L, w->preds[k]));
            first.lost = true;
            break;
        }
    }
    w->at[v] = first;
    return 0;
}

static int walk_step(struct walk *w, size_t v)
{
    const struct mf_graph *g = w->g;
    size_t npreds = live_preds(g, v, w->preds);
    int rc = 0;
    if (v == g->start) {
        w->at[v] = (struct stack){ MF_NO_NODE, 0, 0, false };
        return 0;
    }
    if (g->nodes[v].is_join && v != g->end)
        rc = walk_join(w, v, npreds);
    else if (npreds == 1)
        w->at[v] = carried(w, w->preds[0], v);
    else if (mf__switch_reaches_all(g, w->preds, npreds))
        rc = walk_switch_merge(w, v, npreds);
    else
        w->at[v].lost = true; /* several inputs to a non-join: reported already */
    if (!rc && v == g->end && !w->at[v].lost)
        report_unclosed(w, v);
    return rc;
}

int mf__graph_splits(const struct mf_graph *g, size_t *matching_join, struct mf_buf *report)
{
    struct lint L;
    struct walk w = { &L, g, NULL, NULL, matching_join, NULL };
    int rc = 0;
    for (size_t i = 0; i < g->n; i++)
        matching_join[i] = MF_NO_NODE;
    if (!sound(g))
        return 0;
    lint_init(&L, g, report);
    w.at = mf__calloc(g->n, sizeof(*w.at));
    w.reported = mf__calloc(g->n, sizeof(*w.reported));
    w.preds = mf__calloc(g->n, sizeof(*w.preds));
    if (!w.at || !w.reported || !w.preds) {
        rc = MF_ENOMEM;
        goto out;
    }
    for (size_t k = 0; k < g->norder && !rc; k++)
        rc = walk_step(&w, g->order[k]);
out:
    mf__free(w.at);
    mf__free(w.reported);
    mf__free(w.preds);
    mf__buf_release(&L.list);
    if (!rc)
        rc = L.rc;
    return rc < 0 ? rc : L.problems;
}
