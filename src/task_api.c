/* SPDX-License-Identifier: Apache-2.0 */
/*
 * task_api.c - what a step calls: artifact setters and getters, foreach
 * input, join inputs, merge_artifacts and `current`. Errors here behave like
 * exceptions (the task process is the top of its own stack): they fail the
 * task with a message naming the step and the artifact.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "task_impl.h"
#include "value.h"
#include "util/alloc.h"

#define MF_NAME_MAX 255

/* " in input 'RUN/STEP/TASK'" for a join's input inside a step; nothing for
 * the task itself, nor on a client handle, whose messages name the task. */
static const char *where(const mf_task *t, char *buf, size_t size)
{
    if (!t->readonly || t->root->rs->client)
        return "";
    snprintf(buf, size, " in input '%s'", t->pathspec);
    return buf;
}

static bool valid_name(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > MF_NAME_MAX || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

static const struct mf_artifact *find_artifact(mf_task *t, const char *name)
{
    const struct mf_artifact *a = mf__index_find(mf__task_index(t), name);
    return a ? a : mf__index_find(&t->root->rs->params, name);
}

/* The value of `a`: one the step already holds, or loaded and kept until
 * the step returns (getters hand out pointers). With `unkept` set (scalar
 * getters, which copy the value out), a newly loaded value is not kept but
 * handed to the caller in *unkept to free: a join reading a scalar from
 * each of N inputs holds none of them. */
static const mf_value *load_artifact(mf_task *t, const struct mf_artifact *a, mf_value **unkept)
{
    mf_task *root = t->root;
    for (size_t i = root->rs->nloaded; i-- > 0;)
        if (strcmp(root->rs->loaded[i].hash, a->hash) == 0)
            return root->rs->loaded[i].value;
    struct mf_err err = MF_ERR_INIT;
    mf_value *v = NULL;
    char wb[300];
    if (mf__ds_load(root->rs->ds, a, &v, &err)) {
        /* err names the artifact already: say only where it was read */
        const char *w = where(t, wb, sizeof(wb));
        mf__task_error(t, "%s%s%s", *w ? w + 1 : "", *w ? ": " : "", err.msg);
        return NULL;
    }
    if (unkept) {
        *unkept = v;
        return v;
    }
    return mf__task_keep(t, a->hash, v) ? NULL : v;
}

/* The artifact `name`, or NULL after reporting that it does not exist. */
static const struct mf_artifact *must_find(mf_task *t, const char *name)
{
    char wb[300];
    const struct mf_artifact *a = name ? find_artifact(t, name) : NULL;
    if (!a && t->index_bad) /* a client's input whose index did not read: that message stands */
        return NULL;
    if (!a)
        mf__task_error(t, "artifact '%s' does not exist%s: set it in an earlier step, or ask mf_has() first",
                       name ? name : "(null)", where(t, wb, sizeof(wb)));
    return a;
}

/* The artifact `name` as type `want` (MF_DOUBLE also takes an int); NULL
 * after reporting a missing name or another type. */
static const mf_value *get_typed(mf_task *t, const char *name, mf_type want, mf_value **unkept)
{
    char wb[300];
    const struct mf_artifact *a = must_find(t, name);
    if (!a)
        return NULL;
    if (a->type != want && !(want == MF_DOUBLE && a->type == MF_INT)) {
        mf__task_error(t, "artifact '%s'%s is %s, not %s", name, where(t, wb, sizeof(wb)), mf__type_a(a->type),
                       mf__type_a(want));
        return NULL;
    }
    return load_artifact(t, a, unkept);
}

/* Stores `v` (owned) under `name`. A kept value answers later getters of the
 * step from memory; a borrowed one (keep false) is dropped once stored. */
static void store_value(mf_task *t, const char *name, mf_value *v, bool keep)
{
    mf_task *root = t->root;
    struct mf_artifact a;
    struct mf_err err = MF_ERR_INIT;
    memset(&a, 0, sizeof(a));
    if (!v)
        mf__task_die(t, "cannot set artifact '%s': its value is NULL (a value constructor that failed, or a "
                        "NULL passed by the step)", name ? name : "(null)");
    if (root->rs->client)
        mf__task_die(t, "cannot set artifact '%s' through a client handle: past tasks are read-only", name);
    if (t->readonly)
        mf__task_die(t, "cannot set artifact '%s' on join input '%s': inputs are read-only, set it on the join task", name,
                     t->pathspec);
    if (!name || !valid_name(name) || name[0] == '_')
        mf__task_die(t, "'%s' is not a valid artifact name: use letters, digits and '_', not starting with a digit or '_'",
                     name ? name : "(null)");
    if (mf__index_find(&root->rs->params, name))
        mf__task_die(t, "artifact '%s' is a parameter of the flow, and parameters are read-only", name);
    if (mf__ds_store(root->rs->ds, name, v, &a, &err))
        mf__task_die(t, "cannot store artifact '%s': %s", name, err.msg);
    if (mf__index_put(&t->own, &a))
        mf__task_die(t, "out of memory setting artifact '%s'", name);
    if (keep)
        mf__task_keep(t, a.hash, v); /* a step: on failure it does not return */
    else
        mf_value_free(v);
    mf__artifact_release(&a);
}

static void set_value(mf_task *t, const char *name, mf_value *v) { store_value(t, name, v, true); }

/* Bytes and arrays too large to live in the index are stored straight from
 * the caller's buffer, which the value only borrows during the call: no copy
 * of a large artifact is made, and a later getter loads it back from the
 * store (mapped in place for raw objects) instead of the task keeping a
 * second copy. `n` counts elements (bytes for MF_BYTES). */
static void set_buffer(mf_task *t, const char *name, mf_type type, const void *data, size_t n)
{
    size_t es = type == MF_BYTES ? 1 : mf__array_elem_size(type);
    if (n > MF_INLINE_MAX / es && data) {
        store_value(t, name, mf__value_borrow(type, data, n), false);
        return;
    }
    set_value(t, name, type == MF_BYTES ? mf_value_bytes(data, n) : mf_value_array(type, data, n));
}

void mf_set(mf_task *t, const char *name, mf_value *v) { set_value(t, name, v); }
void mf_set_null(mf_task *t, const char *name) { set_value(t, name, mf_value_null()); }
void mf_set_bool(mf_task *t, const char *name, bool b) { set_value(t, name, mf_value_bool(b)); }
void mf_set_int(mf_task *t, const char *name, int64_t i) { set_value(t, name, mf_value_int(i)); }
void mf_set_double(mf_task *t, const char *name, double d) { set_value(t, name, mf_value_double(d)); }

void mf_set_str(mf_task *t, const char *name, const char *s)
{
    if (!s)
        mf__task_die(t, "mf_set_str() of artifact '%s' was given NULL: use mf_set_null() for no value",
                     name ? name : "(null)");
    set_value(t, name, mf_value_str(s));
}

void mf_set_bytes(mf_task *t, const char *name, const void *data, size_t len) { set_buffer(t, name, MF_BYTES, data, len); }
void mf_set_f64s(mf_task *t, const char *name, const double *a, size_t n) { set_buffer(t, name, MF_F64S, a, n); }
void mf_set_f32s(mf_task *t, const char *name, const float *a, size_t n) { set_buffer(t, name, MF_F32S, a, n); }
void mf_set_i64s(mf_task *t, const char *name, const int64_t *a, size_t n) { set_buffer(t, name, MF_I64S, a, n); }
void mf_set_i32s(mf_task *t, const char *name, const int32_t *a, size_t n) { set_buffer(t, name, MF_I32S, a, n); }
void mf_set_u8s(mf_task *t, const char *name, const uint8_t *a, size_t n) { set_buffer(t, name, MF_U8S, a, n); }

bool mf_has(mf_task *t, const char *name) { return name && find_artifact(t, name) != NULL; }

const mf_value *mf_get(mf_task *t, const char *name)
{
    const struct mf_artifact *a = must_find(t, name);
    return a ? load_artifact(t, a, NULL) : NULL;
}

bool mf_get_bool(mf_task *t, const char *name)
{
    bool b = false;
    mf_value *unkept = NULL;
    mf_value_get_bool(get_typed(t, name, MF_BOOL, &unkept), &b);
    mf_value_free(unkept);
    return b;
}

int64_t mf_get_int(mf_task *t, const char *name)
{
    int64_t i = 0;
    mf_value *unkept = NULL;
    mf_value_get_int(get_typed(t, name, MF_INT, &unkept), &i);
    mf_value_free(unkept);
    return i;
}

double mf_get_double(mf_task *t, const char *name)
{
    double d = 0;
    mf_value *unkept = NULL;
    mf_value_get_double(get_typed(t, name, MF_DOUBLE, &unkept), &d);
    mf_value_free(unkept);
    return d;
}

const char *mf_get_str(mf_task *t, const char *name)
{
    const char *s = NULL;
    mf_value_get_str(get_typed(t, name, MF_STR, NULL), &s);
    return s;
}

const void *mf_get_bytes(mf_task *t, const char *name, size_t *len)
{
    const void *p = NULL;
    size_t n = 0;
    mf_value_get_bytes(get_typed(t, name, MF_BYTES, NULL), &p, &n);
    if (len)
        *len = n;
    return p;
}

static const void *get_array(mf_task *t, const char *name, mf_type ty, size_t *n)
{
    const void *p = NULL;
    size_t count = 0;
    mf_value_get_array(get_typed(t, name, ty, NULL), ty, &p, &count);
    if (n)
        *n = count;
    return p;
}

const double *mf_get_f64s(mf_task *t, const char *name, size_t *n) { return get_array(t, name, MF_F64S, n); }
const float *mf_get_f32s(mf_task *t, const char *name, size_t *n) { return get_array(t, name, MF_F32S, n); }
const int64_t *mf_get_i64s(mf_task *t, const char *name, size_t *n) { return get_array(t, name, MF_I64S, n); }
const int32_t *mf_get_i32s(mf_task *t, const char *name, size_t *n) { return get_array(t, name, MF_I32S, n); }
const uint8_t *mf_get_u8s(mf_task *t, const char *name, size_t *n) { return get_array(t, name, MF_U8S, n); }

const char *mf_flow_name(mf_task *t) { return t->flow->name; }
/* A result that depends on the run id, task id, pathspec or attempt cannot
 * stand for another run's task: a memoised task that reads one is not
 * cached (docs/memoisation.md). */
const char *mf_run_id(mf_task *t)
{
    t->root->rs->read_identity = true;
    return t->root->rs->run_id;
}
const char *mf_step_name(mf_task *t) { return t->step_name; }
const char *mf_task_id(mf_task *t)
{
    t->root->rs->read_identity = true;
    return t->task_id;
}
const char *mf_pathspec(mf_task *t)
{
    t->root->rs->read_identity = true;
    return t->pathspec;
}
int mf_attempt(mf_task *t)
{
    t->root->rs->read_identity = true;
    return t->readonly || !t->root->rs->args ? mf__task_index(t)->attempt : t->root->rs->args->attempt;
}

void mf_fail(mf_task *t, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt ? fmt : "(no message)", ap);
    va_end(ap);
    t->root->rs->by_mf_fail = true;
    mf__task_die(t, "%s", msg);
}
