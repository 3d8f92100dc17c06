/* SPDX-License-Identifier: Apache-2.0 */
/*
 * task_join.c - what a task sees of the splits around it: its foreach item
 * and index, a join's inputs, and merge_artifacts (Metaflow's rules: one
 * value per name across the inputs that hold it, else an error unless the
 * join set or excluded it).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "value.h"
#include "task_impl.h"
#include "util/alloc.h"

/* Whether the split of frame `f` is a foreach: from the graph in a running
 * task; on a client handle, which has no graph, from the splitting task's
 * index (num_splits is set only by a foreach). 1, 0, or -1 when that index
 * cannot be read (reported on the client handle). */
static int frame_is_foreach(mf_task *t, const struct mf_frame *f)
{
    mf_task *root = t->root;
    if (!root->rs->client) {
        size_t node = mf__graph_find(root->g, f->step);
        return node != MF_NO_NODE && root->g->nodes[node].kind == MF_NODE_FOREACH;
    }
    char id[32];
    struct mf_index ix;
    struct mf_err err = MF_ERR_INIT;
    snprintf(id, sizeof(id), "%" PRIu64, f->task);
    mf__index_init(&ix);
    int rc = mf__ds_read_index(root->rs->ds, root->rs->run_id, f->step, id, &ix, &err);
    int yes = !rc && ix.num_splits >= 0;
    mf__index_release(&ix);
    if (rc) {
        mf__task_error(t, "cannot read the split task '%s/%s': %s", f->step, id, err.msg);
        return -1;
    }
    return yes;
}

/* The innermost frame made by a foreach of the task's stack (the running
 * task's, or a client handle's own index's). 1 found, 0 not inside a
 * foreach, -1 an error already reported (only a client handle returns). */
static int foreach_frame(mf_task *t, struct mf_frame *out)
{
    mf_task *root = t->root;
    struct mf_err err = MF_ERR_INIT;
    if (!root->rs->args && !root->rs->client)
        mf__task_die(t, "the foreach item and index are only available inside a running step");
    char *stack = mf__strdup(root->rs->args ? root->rs->args->stack : root->own.stack ? root->own.stack : "");
    if (!stack) {
        mf__task_error(t, "out of memory");
        return -1;
    }
    size_t len = strlen(stack);
    int found = 0;
    while (len && !found) {
        stack[len] = '\0';
        if (mf__stack_top(stack, out, &len, &err)) {
            mf__task_error(t, "%s", err.msg);
            found = -1;
        } else {
            found = frame_is_foreach(t, out);
        }
    }
    mf__free(stack);
    return found;
}

/* Element `i` of a typed array as a value of its own. */
static mf_value *element(const mf_value *list, size_t i)
{
    const void *data = NULL;
    size_t n = 0;
    mf_type ty = mf_value_type(list);
    if (mf_value_get_array(list, ty, &data, &n) || i >= n)
        return NULL;
    switch (ty) {
    case MF_F64S: return mf_value_double(((const double *)data)[i]);
    case MF_F32S: return mf_value_double(((const float *)data)[i]);
    case MF_I64S: return mf_value_int(((const int64_t *)data)[i]);
    case MF_I32S: return mf_value_int(((const int32_t *)data)[i]);
    case MF_U8S: return mf_value_int(((const uint8_t *)data)[i]);
    default: return NULL;
    }
}

/* The name of the list the split task `ix` (STEP/ID) fanned out over: the
 * graph's in a running task; on a client handle, the name its index records
 * (format version 3), or NULL after saying it is not recorded. */
static const char *foreach_var(mf_task *t, const struct mf_frame *f, const char *id, const struct mf_index *ix)
{
    mf_task *root = t->root;
    if (!root->rs->client) {
        const char *var = root->g->nodes[mf__graph_find(root->g, f->step)].step->foreach;
        if (!var)
            mf__task_die(t, "step '%s' runs as a gang (.num_parallel of '%s'), which has no foreach item: its rank is "
                         "mf_current_parallel(t).node_index", root->step_name, f->step);
        return var;
    }
    if (!ix->foreach)
        mf__task_error(t, "the foreach item is not known: the index of split task '%s/%s' was written before format "
                       "version 3 (an older metaflow-c), which does not record the list's name; read the artifact the "
                       "step stored from its item instead, or load the list from that task", f->step, id);
    return ix->foreach;
}

/* Loads item f->index of list artifact `a` into root->rs->item; 0 or reported
 * (which ends a running task). */
static int load_input_item(mf_task *t, const struct mf_frame *f, const char *var, const char *id,
                           const struct mf_artifact *a)
{
    mf_task *root = t->root;
    struct mf_err err = MF_ERR_INIT;
    /* A list: build only this task's item. An array: one block, load it. */
    int rc = mf__ds_load_item(root->rs->ds, a, (size_t)f->index, &root->rs->item, &err);
    if (rc == MF_ETYPE) {
        mf_value *list = NULL;
        rc = mf__ds_load(root->rs->ds, a, &list, &err);
        root->rs->item = rc ? NULL : element(list, (size_t)f->index);
        mf_value_free(list);
    }
    if (rc && rc != MF_ERANGE) {
        mf__task_error(t, "cannot load foreach list '%s' of '%s/%s': %s", var, f->step, id, err.msg);
        return rc;
    }
    if (!root->rs->item) {
        mf__task_error(t, "foreach list '%s' has no item %" PRId64, var, f->index);
        return MF_ERANGE;
    }
    root->rs->item_loaded = true;
    return 0;
}

const mf_value *mf_input(mf_task *t)
{
    mf_task *root = t->root;
    struct mf_frame f;
    struct mf_index ix;
    struct mf_err err = MF_ERR_INIT;
    char id[32];
    if (root->rs->item_loaded)
        return root->rs->item;
    if (root->rs->client && t != root) {
        mf__task_error(t, "mf_input() of a join input: open that task with mf_client_task() and ask it");
        return NULL;
    }
    int found = foreach_frame(t, &f);
    if (found < 0) /* a client handle: reported */
        return NULL;
    if (found == 0) { /* ends a running task */
        mf__task_error(t, "mf_input() is only available inside a foreach, and step '%s' is not inside one",
                       root->step_name);
        return NULL;
    }
    snprintf(id, sizeof(id), "%" PRIu64, f.task);
    if (root->rs->split_step && !strcmp(root->rs->split_step, f.step) && !strcmp(root->rs->split_id, id)) {
        /* the parent's record, kept when its index was read (task.c) */
        load_input_item(t, &f, foreach_var(t, &f, id, NULL), id, &root->rs->split_list);
        return root->rs->item_loaded ? root->rs->item : NULL;
    }
    mf__index_init(&ix);
    if (mf__ds_read_index(root->rs->ds, root->rs->run_id, f.step, id, &ix, &err)) {
        mf__task_error(t, "cannot read the foreach list of '%s/%s': %s", f.step, id, err.msg);
        return NULL;
    }
    const char *var = foreach_var(t, &f, id, &ix);
    const struct mf_artifact *a = var ? mf__index_find(&ix, var) : NULL;
    if (var && !a)
        mf__task_error(t, "cannot load foreach list '%s' of '%s/%s': it is not in that task's index", var, f.step, id);
    if (a)
        load_input_item(t, &f, var, id, a);
    mf__index_release(&ix);
    return root->rs->item_loaded ? root->rs->item : NULL;
}

const char *mf_input_str(mf_task *t)
{
    const char *s = NULL;
    const mf_value *v = mf_input(t);
    if (!v) /* a client handle: reported */
        return NULL;
    if (mf_value_get_str(v, &s)) /* ends a running task */
        mf__task_error(t, "the foreach item is %s, not a str", mf__type_a(mf_value_type(v)));
    return s;
}

int64_t mf_input_int(mf_task *t)
{
    int64_t i = 0;
    const mf_value *v = mf_input(t);
    if (!v) /* a client handle: reported */
        return 0;
    if (mf_value_get_int(v, &i)) /* ends a running task */
        mf__task_error(t, "the foreach item is a %s, not an int", mf_type_name(mf_value_type(v)));
    return i;
}

int64_t mf_index(mf_task *t)
{
    struct mf_frame f;
    int found = foreach_frame(t, &f);
    if (found == 0) /* ends a running task; recorded on a client handle */
        mf__task_error(t, "mf_index() is only available inside a foreach, and step '%s' is not inside one",
                       t->root->step_name);
    return found > 0 ? f.index : -1;
}

static mf_task *join_root(mf_task *t, const char *what)
{
    mf_task *root = t->root;
    if (root->rs->client)
        return mf__client_join_inputs(t, what) ? NULL : root;
    if (!root->rs->args)
        mf__task_die(t, "%s is only available inside a running step", what);
    if (t->readonly || !root->g->nodes[root->node].is_join)
        mf__task_die(t, "%s can only be called in a join step, and '%s' is not one (declare it with .join = true)", what,
                     root->step_name);
    return root;
}

size_t mf_join_count(mf_task *t)
{
    mf_task *root = join_root(t, "mf_join_count()");
    return root ? root->rs->ninputs : 0;
}

mf_task *mf_join_input(mf_task *t, size_t i)
{
    mf_task *root = join_root(t, "mf_join_input()");
    if (!root)
        return NULL;
    if (i >= root->rs->ninputs) { /* ends a running task */
        mf__task_error(t, "join input %zu does not exist: the join has %zu inputs", i, root->rs->ninputs);
        return NULL;
    }
    return root->rs->inputs[i];
}

mf_task *mf_join_branch(mf_task *t, const char *step)
{
    mf_task *root = join_root(t, "mf_join_branch()");
    struct mf_buf names = MF_BUF_INIT;
    if (!root)
        return NULL;
    for (size_t i = 0; i < root->rs->ninputs; i++)
        if (step && strcmp(root->rs->inputs[i]->step_name, step) == 0)
            return root->rs->inputs[i];
    for (size_t i = 0; i < root->rs->ninputs; i++)
        if (i == 0 || strcmp(root->rs->inputs[i]->step_name, root->rs->inputs[i - 1]->step_name))
            mf__buf_addf(&names, "%s'%s'", i ? ", " : "", root->rs->inputs[i]->step_name);
    /* ends a running task */
    mf__task_error(t, "no input of join '%s' comes from step '%s'; its inputs come from %s", root->step_name,
                   step ? step : "(null)", names.buf ? names.buf : "(none)");
    mf__buf_release(&names);
    return NULL;
}

static bool listed(const char *const *list, const char *name)
{
    for (; list && *list; list++)
        if (strcmp(*list, name) == 0)
            return true;
    return false;
}

/* One input's artifacts into the merge: a name first seen is picked, a name
 * seen with another hash becomes a conflict. Inputs are read one at a time
 * (mf__task_index), so merging N inputs holds one index, not N. */
static void merge_one(mf_task *root, const struct mf_index *ix, const char *const *include,
                      const char *const *exclude, bool *found, struct mf_index *picked, struct mf_index *conflicts)
{
    for (size_t k = 0; k < ix->n; k++) {
        const struct mf_artifact *a = &ix->arts[k], *seen;
        for (size_t j = 0; include && include[j]; j++)
            found[j] = found[j] || strcmp(include[j], a->name) == 0;
        if (a->name[0] == '_' || mf__index_find(&root->own, a->name) || listed(exclude, a->name) ||
            (include && !listed(include, a->name)) || mf__index_find(conflicts, a->name))
            continue;
        seen = mf__index_find(picked, a->name);
        if (seen && strcmp(seen->hash, a->hash) == 0)
            continue;
        if (seen) {
            if (mf__index_put(conflicts, seen))
                mf__task_die(root, "out of memory");
            mf__index_remove(picked, a->name);
        } else if (mf__index_put(picked, a)) {
            mf__task_die(root, "out of memory");
        }
    }
}

static void check_include(mf_task *root, const char *const *include, const bool *found)
{
    for (size_t j = 0; include && include[j]; j++)
        if (!found[j])
            mf__task_die(root, "mf_merge_artifacts(): '%s' is in include but in none of the join's inputs", include[j]);
}

void mf_merge_artifacts(mf_task *t, const char *const *include, const char *const *exclude)
{
    if (t->root->rs->client) /* a setter: misuse, as mf_set_*() on a client handle */
        mf__task_die(t, "cannot merge artifacts through a client handle: past tasks are read-only");
    mf_task *root = join_root(t, "mf_merge_artifacts()");
    struct mf_index picked, conflicts;
    struct mf_buf names = MF_BUF_INIT;
    if (include && exclude)
        mf__task_die(t, "mf_merge_artifacts() takes include or exclude, not both");
    size_t ninclude = 0;
    while (include && include[ninclude])
        ninclude++;
    bool *found = mf__calloc(ninclude + 1, sizeof(*found));
    if (!found)
        mf__task_die(t, "out of memory");
    mf__index_init(&picked);
    mf__index_init(&conflicts);
    for (size_t i = 0; i < root->rs->ninputs; i++)
        merge_one(root, mf__task_index(root->rs->inputs[i]), include, exclude, found, &picked, &conflicts);
    check_include(root, include, found);
    mf__free(found);
    for (size_t k = 0; k < conflicts.n; k++)
        mf__buf_addf(&names, "%s'%s'", k ? ", " : "", conflicts.arts[k].name);
    if (conflicts.n)
        mf__task_die(t,
                     "mf_merge_artifacts(): the inputs hold different values of %s; set them in the join before "
                     "merging, or exclude them",
                     names.buf);
    for (size_t k = 0; k < picked.n; k++)
        if (mf__index_put(&root->own, &picked.arts[k]))
            mf__task_die(t, "out of memory");
    mf__index_release(&picked);
    mf__index_release(&conflicts);
    mf__buf_release(&names);
}
