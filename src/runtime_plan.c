/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime_plan.c - what runs next. Successors follow the graph; branch and
 * foreach splits push a frame on the split stack (task.h), and a join waits
 * for every task of the top frame's split, matched by the split's task id.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "runtime_impl.h"
#include "util/alloc.h"
#include "util/buf.h"

void mf__stask_free(struct stask *t)
{
    if (!t)
        return;
    mf__free(t->stack);
    mf__free(t->inputs);
    mf__free(t->caught);
    mf_value_free(t->memo_parts);
    mf__free(t);
}

void mf__join_free(struct join_wait *j)
{
    if (!j)
        return;
    mf__free(j->stack);
    mf__free(j->in_node);
    mf__free(j->in_id);
    mf__free(j);
}

char *mf__position_key(const char *step, const char *stack)
{
    struct mf_buf b = MF_BUF_INIT;
    int rc = mf__buf_addf(&b, "%s|", step);
    for (const char *p = stack; *p && !rc;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *c1 = memchr(p, ':', len);
        const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - p)) : NULL;
        if (!c1 || !c2)
            rc = mf__buf_add(&b, p, len);
        else
            rc = mf__buf_add(&b, p, (size_t)(c1 - p)) || mf__buf_add(&b, c2, len - (size_t)(c2 - p));
        if (!rc && end)
            rc = mf__buf_addch(&b, ',');
        p = end ? end + 1 : p + len;
    }
    if (rc) {
        mf__buf_release(&b);
        return NULL;
    }
    return mf__buf_detach(&b, NULL);
}


/* Counts the passes of a step in a loop, refusing more than --max-passes. */
static int count_pass(struct sched *s, struct stask *t, struct mf_err *err)
{
    const struct mf_node *n = &s->g->nodes[t->node];
    if (!n->in_loop)
        return 0;
    char *key = mf__position_key(n->name, t->stack);
    int64_t *slot = key ? mf__strmap_slot(&s->passes, key) : NULL;
    mf__free(key);
    if (!slot)
        return mf__err(err, MF_ENOMEM, "out of memory");
    t->pass = (*slot)++;
    if (t->pass >= s->o->max_passes)
        return mf__err(err, MF_ERANGE,
                       "step '%s' would start pass %" PRId64 " of its loop, more than --max-passes %d: check the "
                       "loop's exit condition, or raise --max-passes if that many passes are intended",
                       n->name, t->pass + 1, s->o->max_passes);
    return 0;
}

/* Moves what is queued to the front when the array's end is reached, so
 * its size follows the tasks queued at once, not those queued over the run. */
int mf__requeue(struct sched *s, struct stask *t)
{
    if (s->qhead && s->qhead + s->qlen == s->qcap) {
        memmove(s->queue, s->queue + s->qhead, s->qlen * sizeof(*s->queue));
        s->qhead = 0;
    }
    if (MF_GROW(s->queue, s->qcap, s->qhead + s->qlen + 1))
        return MF_ENOMEM;
    s->queue[s->qhead + s->qlen++] = t;
    return 0;
}

/* A task record; takes ownership of `stack` and `inputs` in every case. */
static int new_task(struct sched *s, size_t node, uint64_t id, char *stack, char *inputs, bool inputs_cloned,
                    struct stask **out, struct mf_err *err)
{
    struct stask *t = mf__calloc(1, sizeof(*t));
    *out = NULL;
    if (!t || !stack || !inputs) {
        mf__free(stack);
        mf__free(inputs);
        mf__free(t);
        return mf__err(err, MF_ENOMEM, "out of memory");
    }
    t->node = node;
    t->id = id;
    t->stack = stack;
    t->inputs = inputs;
    t->inputs_cloned = inputs_cloned;
    int rc = count_pass(s, t, err);
    if (rc) {
        mf__stask_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int mf__enqueue(struct sched *s, size_t node, char *stack, char *inputs, bool inputs_cloned, struct mf_err *err)
{
    struct stask *t;
    int rc = new_task(s, node, s->next_id++, stack, inputs, inputs_cloned, &t, err);
    if (!rc && mf__requeue(s, t)) {
        mf__stask_free(t);
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    }
    return rc;
}

char *mf__push_frame(const char *stack, const char *step, uint64_t id, int64_t index, int64_t count)
{
    return mf__strf("%s%s%s:%" PRIu64 ":%" PRId64 ":%" PRId64, stack, *stack ? "," : "", step, id, index, count);
}

static void fanout_free(struct fanout *f)
{
    if (f)
        mf__free(f->stack);
    mf__free(f);
}

/* The items of foreach task `t`, started later one by one (mf__take_ready). */
static int fan_out(struct sched *s, const struct stask *t, int64_t count, struct mf_err *err)
{
    struct fanout *f = mf__calloc(1, sizeof(*f));
    if (!f || !(f->stack = mf__strdup(t->stack)) || MF_GROW(s->fanouts, s->fanouts_cap, s->nfanouts + 1)) {
        fanout_free(f);
        return mf__err(err, MF_ENOMEM, "out of memory");
    }
    f->node = s->g->nodes[t->node].out[0];
    f->from = t->node;
    f->from_id = t->id;
    f->first_id = s->next_id;
    f->count = count;
    f->inputs_cloned = t->cloned;
    s->next_id += (uint64_t)count;
    s->fanouts[s->nfanouts++] = f;
    return 0;
}

/* The record of the next item of the newest fan-out. The newest first: a
 * nested foreach's inner items start before the next outer item, so the
 * fan-outs held at once follow the nesting depth, not the outer width. */
static int next_item(struct sched *s, struct stask **out, struct mf_err *err)
{
    struct fanout *f = s->fanouts[s->nfanouts - 1];
    int64_t i = f->next++;
    const char *from = s->g->nodes[f->from].name;
    char *stack = mf__push_frame(f->stack, from, f->from_id, i, f->count);
    char *inputs = mf__strf("%s/%" PRIu64, from, f->from_id);
    int rc = new_task(s, f->node, f->first_id + (uint64_t)i, stack, inputs, f->inputs_cloned, out, err);
    if (f->next == f->count) {
        s->nfanouts--;
        fanout_free(f);
    }
    return rc;
}

int mf__take_ready(struct sched *s, struct stask **out, struct mf_err *err)
{
    *out = NULL;
    if (s->qlen) {
        *out = s->queue[s->qhead++];
        if (--s->qlen == 0)
            s->qhead = 0;
        return 0;
    }
    return s->nfanouts ? next_item(s, out, err) : 0;
}

size_t mf__queued(const struct sched *s)
{
    size_t n = s->qlen;
    for (size_t i = 0; i < s->nfanouts; i++)
        n += (size_t)(s->fanouts[i]->count - s->fanouts[i]->next);
    return n;
}

void mf__queue_release(struct sched *s)
{
    for (size_t i = 0; i < s->qlen; i++)
        if (!s->queue[s->qhead + i]->gang) /* its gang frees it */
            mf__stask_free(s->queue[s->qhead + i]);
    mf__free(s->queue);
    for (size_t i = 0; i < s->nfanouts; i++)
        fanout_free(s->fanouts[i]);
    mf__free(s->fanouts);
}

static char *input_of(struct sched *s, const struct stask *t)
{
    return mf__strf("%s/%" PRIu64, s->g->nodes[t->node].name, t->id);
}

/* Input paths of a join, in frame order, runs of consecutive ids of one step
 * written as ranges so that a 10,000-way join stays a short argument. */
static char *join_inputs(struct sched *s, const struct join_wait *j)
{
    struct mf_buf b = MF_BUF_INIT;
    int rc = 0;
    for (int64_t i = 0; i < j->count && !rc;) {
        int64_t k = i;
        while (k + 1 < j->count && j->in_node[k + 1] == j->in_node[i] && j->in_id[k + 1] == j->in_id[k] + 1)
            k++;
        rc = mf__buf_addf(&b, "%s%s/%" PRIu64, i ? "," : "", s->g->nodes[j->in_node[i]].name, j->in_id[i]);
        if (!rc && k > i)
            rc = mf__buf_addf(&b, "-%" PRIu64, j->in_id[k]);
        i = k + 1;
    }
    if (rc) {
        mf__buf_release(&b);
        return NULL;
    }
    return mf__buf_detach(&b, NULL);
}

static struct join_wait *find_join(struct sched *s, size_t node, const struct mf_frame *f, size_t *pos)
{
    for (size_t i = 0; i < s->njoins; i++) {
        struct join_wait *j = s->joins[i];
        if (j->node == node && j->split_task == f->task && strcmp(j->split_step, f->step) == 0) {
            *pos = i;
            return j;
        }
    }
    return NULL;
}

static int new_join(struct sched *s, size_t node, const struct stask *t, const struct mf_frame *f, size_t rest,
                    struct join_wait **out, struct mf_err *err)
{
    struct join_wait *j = mf__calloc(1, sizeof(*j));
    if (!j || MF_GROW(s->joins, s->joins_cap, s->njoins + 1))
        goto oom;
    j->node = node;
    j->stack = mf__strndup(t->stack, rest);
    memcpy(j->split_step, f->step, sizeof(j->split_step));
    j->split_task = f->task;
    j->count = f->count;
    j->all_cloned = true;
    j->in_node = mf__calloc((size_t)f->count, sizeof(*j->in_node));
    j->in_id = mf__calloc((size_t)f->count, sizeof(*j->in_id));
    if (!j->stack || !j->in_node || !j->in_id)
        goto oom;
    s->joins[s->njoins++] = j;
    *out = j;
    return 0;
oom:
    mf__join_free(j);
    return mf__err(err, MF_ENOMEM, "out of memory");
}

/* Task `t` of a step that leads into join `node`: record its arrival; start
 * the join when the last input of its split arrived. */
static int arrive_at_join(struct sched *s, const struct stask *t, size_t node, struct mf_err *err)
{
    struct mf_frame f;
    size_t rest = 0, pos = 0;
    int rc = mf__stack_top(t->stack, &f, &rest, err);
    if (rc)
        return rc == MF_ENOENT ? mf__err(err, MF_EGRAPH, "join '%s' reached outside of any split",
                                         s->g->nodes[node].name)
                               : rc;
    struct join_wait *j = find_join(s, node, &f, &pos);
    if (!j) {
        if ((rc = new_join(s, node, t, &f, rest, &j, err)) != 0)
            return rc;
        pos = s->njoins - 1;
    }
    if (f.count != j->count || j->in_id[f.index])
        return mf__err(err, MF_EGRAPH, "join '%s' got input '%s/%" PRIu64 "' twice or from a different split",
                       s->g->nodes[node].name, s->g->nodes[t->node].name, t->id);
    j->in_node[f.index] = t->node;
    j->in_id[f.index] = t->id;
    j->all_cloned = j->all_cloned && t->cloned;
    if (++j->arrived < j->count)
        return 0;
    s->joins[pos] = s->joins[--s->njoins];
    char *stack = j->stack;
    j->stack = NULL;
    rc = mf__enqueue(s, node, stack, join_inputs(s, j), j->all_cloned, err);
    mf__join_free(j);
    return rc;
}

int mf__schedule_successors(struct sched *s, const struct stask *t, const struct mf_outcome *o, struct mf_err *err)
{
    const struct mf_node *n = &s->g->nodes[t->node];
    int rc = 0;
    switch (n->kind) {
    case MF_NODE_END:
        return 0;
    case MF_NODE_FOREACH:
        if (mf__gang_width(n->step))
            return mf__gang_enqueue(s, t, o->num_splits, err);
        return fan_out(s, t, o->num_splits, err);
    case MF_NODE_SPLIT:
        for (size_t i = 0; i < n->nout && !rc; i++)
            rc = mf__enqueue(s, n->out[i], mf__push_frame(t->stack, n->name, t->id, (int64_t)i, (int64_t)n->nout),
                             input_of(s, t), t->cloned, err);
        return rc;
    case MF_NODE_LINEAR:
    case MF_NODE_SWITCH: {
        size_t next = n->kind == MF_NODE_SWITCH ? o->chosen : n->out[0];
        if (next == MF_NO_NODE)
            return mf__err(err, MF_EGRAPH, "switch step '%s' recorded no chosen case", n->name);
        if (s->g->nodes[next].is_join)
            return arrive_at_join(s, t, next, err);
        return mf__enqueue(s, next, mf__strdup(t->stack), input_of(s, t), t->cloned, err);
    }
    }
    return mf__err(err, MF_EGRAPH, "step '%s' has an unknown transition kind", n->name);
}

