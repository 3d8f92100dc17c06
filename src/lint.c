/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lint.c - Metaflow's graph rules applied to a statically declared C flow:
 * every problem at once, one line each naming the steps and the fix, in a
 * fixed order (the flow, each step in table order, cycles, reachability,
 * incoming edges, switches, then split/join balance and loops).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lint_impl.h"
#include "util/alloc.h"

#define NAME_SHOWN MF_LINT_NAME_SHOWN
#define LIST_SHOWN 8     /* longer lists of steps end in "and N more" */
#define STEP_NAME_MAX 128 /* a step name is a directory name in the datastore */

void mf__lint_init(struct lint *L, const struct mf_graph *g, struct mf_buf *report)
{
    memset(L, 0, sizeof(*L));
    L->g = g;
    L->report = report;
    mf__buf_init(&L->list);
}

void mf__lint_release(struct lint *L) { mf__buf_release(&L->list); }

void mf__lintf(struct lint *L, const char *fmt, ...)
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
const char *mf__lint_q(struct lint *L, const char *s)
{
    return quote_into(L->names[L->slot++ % MF_LINT_NAME_SLOTS], s);
}

const char *mf__lint_step(struct lint *L, size_t i)
{
    return label_into(L->names[L->slot++ % MF_LINT_NAME_SLOTS], L->g, i);
}

static const char *q(struct lint *L, const char *s) { return mf__lint_q(L, s); }
static const char *step_label(struct lint *L, size_t i) { return mf__lint_step(L, i); }

const char *mf__lint_list(struct lint *L, const size_t *nodes, size_t n)
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

bool mf__lint_is_duplicate(const struct mf_graph *g, size_t i)
{
    const char *name = g->nodes[i].step->name;
    return name && mf__graph_find(g, name) != i;
}

bool mf__lint_is_reachable(const struct mf_graph *g, size_t i) { return g->nodes[i].order < g->norder; }

/* ------------------------------------------------------------------ */
/* The flow, and each step on its own                                 */
/* ------------------------------------------------------------------ */

/* A step of the table that goes to `name` (a next step or a case), or
 * MF_NO_NODE. */
static size_t step_going_to(const struct mf_graph *g, const char *name)
{
    for (size_t i = 0; i < g->n; i++) {
        const mf_step *st = g->nodes[i].step;
        for (size_t k = 0; k < MF_MAX_NEXT && st->next[k]; k++)
            if (!strcmp(st->next[k], name))
                return i;
        for (size_t k = 0; k < MF_MAX_CASES; k++)
            if (st->cases[k].step && !strcmp(st->cases[k].step, name))
                return i;
    }
    return MF_NO_NODE;
}

static void lint_flow(struct lint *L)
{
    const char *name = L->g->flow->name;
    if (!name || !*name)
        mf__lintf(L, "the flow has no name: set mf_flow.name to an identifier such as 'HelloFlow'");
    else if (!is_ident(name, true))
        mf__lintf(L, "flow name %s is not a valid identifier: use letters, digits and '_', not starting with a digit",
                q(L, name));
    if (L->g->start == MF_NO_NODE)
        mf__lintf(L, "the flow has no step 'start': declare the step the flow begins with and name it 'start'");
    size_t to_end = L->g->end == MF_NO_NODE ? step_going_to(L->g, "end") : MF_NO_NODE;
    /* A step goes to 'end', so it was declared: most likely after the
     * steps .nsteps counts (a step added, the count not bumped). */
    if (to_end != MF_NO_NODE)
        mf__lintf(L, "the flow has no step 'end' among the %zu steps mf_flow.nsteps counts, but %s goes to it: if "
                     "the table declares 'end' after them, .nsteps is too small; set .nsteps = sizeof(steps) / "
                     "sizeof(steps[0]), or end the table with { 0 } and leave .nsteps 0",
                  L->g->n, step_label(L, to_end));
    else if (L->g->end == MF_NO_NODE)
        mf__lintf(L, "the flow has no step 'end': declare the step the flow finishes with and name it 'end'");
}

static void lint_name(struct lint *L, size_t i)
{
    const char *name = L->g->nodes[i].step->name;
    if (!name || !*name)
        mf__lintf(L, "step #%zu of the table has no name: set its .name", i + 1);
    else if (name[0] == '_')
        mf__lintf(L, "step %s starts with '_', which metaflow-c keeps for itself: rename it", q(L, name));
    else if (!is_lower_ident(name))
        mf__lintf(L, "step %s has an invalid name: use lowercase letters, digits and '_', starting with a letter",
                q(L, name));
    else if (strlen(name) > STEP_NAME_MAX)
        mf__lintf(L, "step %s has a name of %zu characters: keep step names to %d at most", q(L, name), strlen(name),
                STEP_NAME_MAX);
    else if (is_reserved(name))
        mf__lintf(L, "step %s uses a reserved word: 'name', 'next', 'input', 'index' and 'cmd' cannot name a step; "
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
            mf__lintf(L, "step %s is declared %zu times (entries %s of the table): give each step its own name",
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
        mf__lintf(L, "step 'end' goes to %s: the end step has no next step; remove 'end'.next", q(L, step->next[0]));
    if (step->foreach)
        mf__lintf(L, "step 'end' has .foreach = %s: the end step cannot fan out; remove its .foreach",
                q(L, step->foreach));
    if (step->join)
        mf__lintf(L, "step 'end' is declared a join: the end step cannot be one; add a join step before 'end' and "
                     "remove .join from 'end'");
    if (L->g->nodes[i].kind == MF_NODE_SWITCH)
        mf__lintf(L, "step 'end' is a switch: the end step has no next step; switch in a step before 'end' and "
                     "remove .switch_on and .cases from 'end'");
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
            mf__lintf(L, "step %s lists %s twice in its next: list each next step once", step_label(L, i), q(L, to));
        if (seen == 0 && mf__graph_find(L->g, to) == MF_NO_NODE)
            mf__lintf(L, "step %s goes to %s, which is not a step of the flow: declare a step %s or fix the name in "
                       "%s.next", step_label(L, i), q(L, to), q(L, to), step_label(L, i));
    }
}

static void lint_foreach(struct lint *L, size_t i)
{
    const mf_step *step = L->g->nodes[i].step;
    size_t nnext = mf__step_nnext(step);
    if (!*step->foreach)
        mf__lintf(L, "step %s has an empty .foreach: name the list artifact it fans out over", step_label(L, i));
    else if (!is_ident(step->foreach, false))
        mf__lintf(L, "step %s fans out over %s, which is not a valid artifact name: use an identifier that does not "
                   "start with '_'", step_label(L, i), q(L, step->foreach));
    if (nnext > 1)
        mf__lintf(L, "step %s fans out over %s but has %zu next steps: a foreach has exactly one, the step run for "
                   "each item; keep one, or remove .foreach to make a branch", step_label(L, i),
                q(L, step->foreach), nnext);
}

/* Nothing goes back to start, not even a loop. */
static void lint_back_to_start(struct lint *L, size_t i)
{
    const struct mf_node *node = &L->g->nodes[i];
    for (size_t k = 0; k < node->nout; k++)
        if (node->out[k] == L->g->start)
            mf__lintf(L, "step %s goes to 'start': nothing may go back to the start step; fix %s.%s",
                      step_label(L, i), step_label(L, i),
                      mf__graph_is_case_edge(L->g, i, L->g->start) ? "cases" : "next");
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
    if (node->kind == MF_NODE_SWITCH) { /* its next, foreach and join: lint_switch.c */
        lint_next_names(L, i);
        lint_back_to_start(L, i);
        return;
    }
    if (nnext == 0 && step->foreach)
        mf__lintf(L, "step %s fans out over %s but has no next step: set %s.next to the step run for each item",
                  step_label(L, i), q(L, step->foreach), step_label(L, i));
    else if (nnext == 0)
        mf__lintf(L, "step %s has no next step: set %s.next to the step that follows it (only 'end' has none)",
                  step_label(L, i), step_label(L, i));
    lint_next_names(L, i);
    if (step->foreach)
        lint_foreach(L, i);
    if (step->join && i == L->g->start)
        mf__lintf(L, "step 'start' is declared a join: nothing comes before the start step; remove .join from 'start'");
    else if (step->join && (nnext > 1 || step->foreach))
        mf__lintf(L, "step %s is a join and also %s: a step cannot do both; add a step after %s that %s",
                  step_label(L, i), step->foreach ? "a foreach" : "splits", step_label(L, i),
                  step->foreach ? "fans out" : "splits");
    lint_back_to_start(L, i);
}

/* Retries, timeout and catch: numbers that make sense, and a catch only
 * where a caught failure lets the flow go on. A caught task sets nothing but
 * its catch artifact, so a foreach would have no list to fan out over and a
 * switch no condition to choose by (Metaflow refuses catch on a foreach too). */
#define MAX_RETRIES 100

static bool is_param(const mf_flow *flow, const char *name)
{
    for (size_t k = 0; flow->params && k < flow->nparams; k++) /* a NULL table: params lint says so */
        if (flow->params[k].name && !strcmp(flow->params[k].name, name))
            return true;
    return false;
}

static void lint_resilience(struct lint *L, size_t i)
{
    const mf_step *step = L->g->nodes[i].step;
    const char *catch_var = step->catch_var;
    if (step->retries < 0 || step->retries > MAX_RETRIES)
        mf__lintf(L, "step %s has .retries = %d: use 0 (no retry) to %d", step_label(L, i), step->retries,
                  MAX_RETRIES);
    if (!(step->retry_delay >= 0 && step->retry_delay <= 86400))
        mf__lintf(L, "step %s has .retry_delay = %g: use a number of seconds from 0 to 86400", step_label(L, i),
                  step->retry_delay);
    if (!(step->timeout >= 0 && step->timeout <= 31536000))
        mf__lintf(L, "step %s has .timeout = %g: use a number of seconds (0: no timeout)", step_label(L, i),
                  step->timeout);
    if (!catch_var)
        return;
    if (!is_ident(catch_var, false))
        mf__lintf(L, "step %s catches failures in %s, which is not a valid artifact name: use an identifier that "
                  "does not start with '_'", step_label(L, i), q(L, catch_var));
    else if (is_param(L->g->flow, catch_var))
        mf__lintf(L, "step %s catches failures in %s, which is a parameter and read-only: name another artifact",
                  step_label(L, i), q(L, catch_var));
    if (step->foreach)
        mf__lintf(L, "step %s fans out over %s and also catches failures: a caught task has no %s to fan out over; "
                  "move the work that may fail to a step before %s and catch it there", step_label(L, i),
                  q(L, step->foreach), q(L, step->foreach), step_label(L, i));
    if (L->g->nodes[i].kind == MF_NODE_SWITCH)
        mf__lintf(L, "switch step %s also catches failures: a caught task sets no %s to choose a case by; move the "
                  "work that may fail to a step before %s and catch it there", step_label(L, i),
                  q(L, step->switch_on ? step->switch_on : "condition"), step_label(L, i));
}

/* memo_env: names of environment variables, comma-separated. */
static bool env_names_ok(const char *list)
{
    size_t names = 0;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ", ");
        if (len) {
            if (!((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z') || p[0] == '_'))
                return false;
            for (size_t k = 1; k < len; k++)
                if (!((p[k] >= 'A' && p[k] <= 'Z') || (p[k] >= 'a' && p[k] <= 'z') || p[k] == '_' ||
                      (p[k] >= '0' && p[k] <= '9')))
                    return false;
            names++;
        }
        p += len;
        p += strspn(p, ", ");
    }
    return names > 0;
}

static void lint_memo(struct lint *L, size_t i)
{
    const mf_step *step = L->g->nodes[i].step;
    if (!step->memoize && (step->memo_salt || step->memo_env))
        mf__lintf(L, "step %s sets %s but not .memoize = true: it is never memoised; add .memoize = true, or remove "
                  "the memo settings", step_label(L, i), step->memo_salt ? ".memo_salt" : ".memo_env");
    if (step->memo_env && !env_names_ok(step->memo_env))
        mf__lintf(L, "step %s has .memo_env = %s: give environment variable names (letters, digits, '_', not "
                  "starting with a digit) separated by commas", step_label(L, i), q(L, step->memo_env));
}

/* ------------------------------------------------------------------ */
/* Cycles                                                             */
/* ------------------------------------------------------------------ */

/* The edges a cycle may not be made of alone: not a switch case (a loop),
 * not an edge into start (reported on its own). */
#define PLAIN_EDGES (MF_SCC_NO_CASES | MF_SCC_NO_START)

static bool plain_edge(const struct mf_graph *g, size_t from, size_t to)
{
    return to != g->start && !mf__graph_is_case_edge(g, from, to);
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
            if (c == from && plain_edge(g, v, c))
                last = v;
            else if (comp[c] == comp[from] && plain_edge(g, v, c) && parent[c] == MF_NO_NODE) {
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
        mf__lintf(L, "step %s goes to itself: a flow cannot go back to an earlier step; fix %s.next",
                step_label(L, from), step_label(L, from));
    else
        mf__lintf(L, "steps %s form a cycle: a flow cannot go back to an earlier step; fix %s.next", path.buf,
                step_label(L, last));
    mf__buf_release(&path);
}

/* A cycle is allowed only through a switch case: such a cycle is a loop,
 * which a switch may make (each pass a new task). Cycles are searched for
 * over the other edges, next and foreach, which must be acyclic: a cycle
 * made of them alone would never end. */
static void lint_cycles(struct lint *L)
{
    const struct mf_graph *g = L->g;
    size_t n = g->n;
    size_t *comp = mf__calloc(n, sizeof(*comp)), *size = mf__calloc(n, sizeof(*size));
    size_t *queue = mf__calloc(n, sizeof(*queue)), *parent = mf__calloc(n, sizeof(*parent));
    bool *done = mf__calloc(n, sizeof(*done));
    if (!comp || !size || !queue || !parent || !done || mf__graph_components(g, PLAIN_EDGES, comp) != 0) {
        L->rc = MF_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        size[comp[i]]++;
    for (size_t i = 0; i < n; i++) { /* table order: the first member names each cycle */
        if (done[comp[i]] || i == g->start)
            continue;
        done[comp[i]] = true;
        bool self_loop = false;
        for (size_t k = 0; k < g->nodes[i].nout; k++)
            self_loop |= g->nodes[i].out[k] == i && plain_edge(g, i, i);
        if (size[comp[i]] > 1 || self_loop)
            report_cycle(L, i, comp, queue, parent);
    }
out:
    mf__free(comp);
    mf__free(size);
    mf__free(queue);
    mf__free(parent);
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
        if (mf__lint_is_reachable(g, i) || !name || !*name || mf__lint_is_duplicate(g, i))
            continue; /* a nameless or second step is reported as such */
        mf__lintf(L, "step %s is not reachable from 'start': add %s to the next of the step before it, or remove it",
                q(L, name), q(L, name));
    }
}

/* A next step or case that names no declared step. */
static bool has_dangling_edge(const struct mf_graph *g, size_t i)
{
    const struct mf_node *node = &g->nodes[i];
    for (size_t k = 0; k < node->ncases; k++)
        if (node->case_out[k] == MF_NO_NODE)
            return true;
    for (size_t k = 0; k < mf__step_nnext(node->step); k++)
        if (mf__graph_find(g, node->step->next[k]) == MF_NO_NODE)
            return true;
    return false;
}

/* A step whose every path loops forever: searched backwards from end, so
 * that loops need no special case. Steps with a missing or no next step
 * count as reaching end: that problem is reported on its own. */
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
        if (i == g->end || g->nodes[i].nout == 0 || has_dangling_edge(g, i)) {
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
        mf__lintf(L, "step %s never leads to 'end': give it a next step that leaves its cycle",
                  mf__lint_list(L, stuck, 1));
    else if (nstuck > 1)
        mf__lintf(L, "steps %s never lead to 'end': give one of them a next step that leaves their cycle",
                  mf__lint_list(L, stuck, nstuck));
out:
    mf__free(stack);
    mf__free(stuck);
    mf__free(ok);
}

size_t mf__lint_live_preds(const struct mf_graph *g, size_t v, size_t *preds)
{
    size_t n = 0;
    for (size_t j = 0; j < g->nodes[v].nin; j++) {
        size_t u = g->nodes[v].in[j];
        if (g->start == MF_NO_NODE || (mf__lint_is_reachable(g, u) && g->nodes[u].order < g->nodes[v].order))
            preds[n++] = u;
    }
    return n;
}

bool mf__lint_has_switch(const struct mf_graph *g)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->nodes[i].kind == MF_NODE_SWITCH)
            return true;
    return false;
}

void mf__lint_not_a_join(struct lint *L, size_t v, const size_t *preds, size_t npreds)
{
    if (v == L->g->end)
        mf__lintf(L, "steps %s go to 'end', which cannot be a join: their branches are never joined; add a join "
                     "step between them and 'end'", mf__lint_list(L, preds, npreds));
    else
        mf__lintf(L, "steps %s go to %s, which is not a join: declare %s with .join = true to close their split, "
                     "or send only one of them there", mf__lint_list(L, preds, npreds), step_label(L, v),
                  step_label(L, v));
}

/* Several incoming edges make a step a join only when they come from
 * parallel paths. With switches, that is decided by the split walk from
 * the splits each edge arrives under (lint_splits.c); here, before it, only
 * when no switch is in the way, or when the walk cannot run and no switch
 * reaches every incoming step (then they cannot be its alternatives). */
static void lint_incoming(struct lint *L, size_t v, size_t *preds, bool walk_decides)
{
    const struct mf_graph *g = L->g;
    const struct mf_node *node = &g->nodes[v];
    size_t npreds = mf__lint_live_preds(g, v, preds);
    if (npreds > 1 && (!node->is_join || v == g->end) && !walk_decides && !mf__switch_reaches_all(g, preds, npreds))
        mf__lint_not_a_join(L, v, preds, npreds);
    if (node->kind == MF_NODE_FOREACH && node->nout > 0 && g->nodes[node->out[0]].is_join && node->out[0] != g->end)
        mf__lintf(L, "step %s fans out straight into the join %s: add the step run for each item between them",
                  step_label(L, v), step_label(L, node->out[0]));
    if (node->kind == MF_NODE_SPLIT)
        for (size_t k = 0; k < node->nout; k++)
            if (g->nodes[node->out[k]].is_join && node->out[k] != g->end)
                mf__lintf(L, "step %s goes straight to the join %s: a branch needs at least one step; add one "
                             "between them", step_label(L, v), step_label(L, node->out[k]));
}

static void lint_all_incoming(struct lint *L)
{
    const struct mf_graph *g = L->g;
    size_t *preds = mf__calloc(g->n, sizeof(*preds));
    bool walk_decides = mf__lint_has_switch(g) && mf__lint_sound(g);
    if (!preds) {
        L->rc = MF_ENOMEM;
        return;
    }
    for (size_t v = 0; v < g->n; v++)
        if (g->start == MF_NO_NODE || mf__lint_is_reachable(g, v))
            lint_incoming(L, v, preds, walk_decides);
    mf__free(preds);
}

int mf__graph_lint(const struct mf_graph *g, struct mf_buf *report)
{
    struct lint L;
    size_t *matching = NULL;
    mf__lint_init(&L, g, report);
    lint_flow(&L);
    for (size_t i = 0; i < g->n; i++)
        lint_name(&L, i);
    lint_duplicates(&L);
    for (size_t i = 0; i < g->n; i++) {
        lint_transitions(&L, i);
        lint_resilience(&L, i);
        lint_memo(&L, i);
    }
    lint_cycles(&L);
    lint_unreachable(&L);
    lint_reaches_end(&L);
    lint_all_incoming(&L);
    int sw = L.rc ? 0 : mf__lint_switches(g, report);
    if (sw < 0)
        L.rc = sw;
    else
        L.problems += sw;
    int gang = L.rc ? 0 : mf__lint_gangs(g, report);
    if (gang < 0)
        L.rc = gang;
    else
        L.problems += gang;
    if (!L.rc && !(matching = mf__calloc(g->n, sizeof(*matching))))
        L.rc = MF_ENOMEM;
    if (!L.rc)
        L.rc = mf__lint_splits(&L, matching);
    mf__free(matching);
    mf__lint_release(&L);
    return L.rc ? L.rc : L.problems;
}
