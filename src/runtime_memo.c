/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime_memo.c - memoisation in the scheduler (memo.h, docs/memoisation.md).
 * Before a memoised task starts, its key is computed from what it would start
 * with; when an earlier task published that key and its records are whole,
 * the task is cloned from it the way resume clones (no process starts). After
 * a memoised task succeeds, its key is published, unless the step read its
 * own identity or its failure was caught. Memoisation never fails a run: a
 * key that cannot be computed or an entry that cannot be used or written is
 * said, and the task runs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "buildid.h"
#include "memo.h"
#include "memo_code.h"
#include "runtime_impl.h"
#include "util/alloc.h"
#include "util/fsutil.h"

/* true when `step` is in the comma-separated list `list`. */
static bool in_list(const char *list, const char *step)
{
    size_t n = strlen(step);
    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, step, n) == 0)
            return true;
        p += len + (p[len] == ',');
    }
    return false;
}

int mf__memo_check_recompute(const struct mf_graph *g, const char *flow, const char *list, struct mf_err *err)
{
    for (const char *p = list; p && *p;) { /* each name a memoised step */
        size_t len = strcspn(p, ",");
        char name[256];
        snprintf(name, sizeof(name), "%.*s", (int)len, p);
        size_t node = mf__graph_find(g, name);
        if (node == MF_NO_NODE)
            return mf__err(err, MF_EINVAL, "--recompute: '%s' is not a step of flow '%s'", name, flow);
        if (!g->nodes[node].step->memoize)
            return mf__err(err, MF_EINVAL, "--recompute: step '%s' is not memoised (it has no .memoize = true), so it "
                           "always runs", name);
        p += len + (p[len] == ',');
    }
    return 0;
}

/* The whole code digest, and each memoised step's code part: its own
 * fingerprint when the program carries a table made for it. */
static int code_ids(struct sched *s, struct mf_err *err)
{
    struct mf_memo_code mc;
    int rc = mf__memo_code_load(&mc, err);
    if (rc)
        return rc;
    memcpy(s->code, mc.whole, sizeof(s->code));
    if (mc.stale)
        mf__console_say(s->con, MF_CON_WARN, "memoisation: %s; every memoised step is keyed by the whole program's "
                        "code digest (re-run mf-fingerprint and objcopy after linking)", mc.mode);
    for (size_t i = 0; i < s->g->n; i++)
        if (s->g->nodes[i].step && s->g->nodes[i].step->memoize)
            mf__memo_code_step(&mc, s->g->nodes[i].step->fn, s->memo_steps[i].code);
    mf__memo_code_release(&mc);
    return 0;
}

int mf__memo_prepare(struct sched *s, struct mf_err *err)
{
    bool any = false;
    for (size_t i = 0; i < s->g->n; i++)
        any = any || (s->g->nodes[i].step && s->g->nodes[i].step->memoize);
    int ret = mf__memo_check_recompute(s->g, s->flow->name, s->o->recompute, err);
    if (ret || !any || s->o->no_cache)
        return ret;
    s->memo_steps = mf__calloc(s->g->n, sizeof(*s->memo_steps));
    if (!s->memo_steps)
        return mf__err(err, MF_ENOMEM, "out of memory");
    int rc = code_ids(s, err);
    if (!rc)
        rc = mf__ds_open(mf__ds_root(s->ds), s->flow->name, 0, &s->memo_ds, err);
    if (rc) {
        mf__err_prefix(err, "memoisation: ");
        return rc;
    }
    s->memo_on = true;
    return 0;
}

void mf__memo_release(struct sched *s)
{
    mf__free(s->memo_steps);
    mf__ds_close(s->memo_ds);
}

/* A miss: the first of each step says why, when an earlier entry at the
 * same place tells what changed. */
static void say_miss(struct sched *s, const struct stask *t)
{
    struct memo_step *ms = &s->memo_steps[t->node];
    struct mf_memo_entry last;
    ms->misses++;
    if (ms->said_miss || mf__memo_last(s->memo_ds, t->memo_parts, &last, NULL) != 0)
        return;
    struct mf_buf why = MF_BUF_INIT;
    if (!mf__memo_diff(t->memo_parts, last.parts, &why) && why.len) {
        ms->said_miss = true;
        mf__console_say(s->con, MF_CON_INFO, "[%s/%s/%" PRIu64 "] not memoised: changed since %s: %s", s->run_id,
                        s->g->nodes[t->node].name, t->id, last.origin, why.buf);
    }
    mf__buf_release(&why);
    mf__memo_entry_release(&last);
}

/* The entry for t's key, checked; 0 and its index, else a miss (said when
 * the entry exists but cannot be used). */
static int usable_entry(struct sched *s, struct stask *t, struct mf_memo_entry *e, struct mf_index *ix)
{
    struct mf_err why = MF_ERR_INIT;
    int rc = mf__memo_lookup(s->memo_ds, t->memo_key, e, &why);
    if (!rc && (rc = mf__memo_check_origin(s->memo_ds, e, ix, &why)) != 0)
        mf__console_say(s->con, MF_CON_WARN, "[%s/%s/%" PRIu64 "] not reusing %s: %s; computing it again", s->run_id,
                        s->g->nodes[t->node].name, t->id, e->origin, why.msg);
    else if (rc && rc != MF_ENOENT)
        mf__console_say(s->con, MF_CON_WARN, "[%s/%s/%" PRIu64 "] %s", s->run_id, s->g->nodes[t->node].name, t->id,
                        why.msg);
    if (rc)
        mf__memo_entry_release(e);
    return rc;
}

/* Computes t's key parts and key; false (said) when they cannot be. */
static bool key_task(struct sched *s, struct stask *t)
{
    const mf_step *decl = s->g->nodes[t->node].step;
    struct mf_err why = MF_ERR_INIT;
    char *position = mf__position_key(decl->name, t->stack);
    struct mf_memo_task mt = { .flow = s->flow->name, .decl = decl, .code = s->memo_steps[t->node].code,
                               .run_id = s->run_id, .cache = &s->memo_digests,
                               .position = position, .pass = t->pass, .inputs = t->inputs };
    int rc = position ? mf__memo_parts(s->memo_ds, &mt, &t->memo_parts, &why) : MF_ENOMEM;
    if (!rc)
        rc = mf__memo_key(t->memo_parts, t->memo_key, &why);
    mf__free(position);
    if (!rc)
        return true;
    mf_value_free(t->memo_parts);
    t->memo_parts = NULL;
    mf__console_say(s->con, MF_CON_WARN, "[%s/%s/%" PRIu64 "] not memoised: %s", s->run_id, decl->name, t->id,
                    rc == MF_ENOMEM ? "out of memory" : why.msg);
    return false;
}

int mf__memo_try_hit(struct sched *s, struct stask *t, struct mf_err *err)
{
    const mf_step *decl = s->g->nodes[t->node].step;
    if (!s->memo_on || !decl->memoize || t->attempt > 0 || t->caught)
        return 0;
    if (!t->memo_parts && !key_task(s, t))
        return 0;
    if (in_list(s->o->recompute, decl->name))
        return 0;
    struct mf_memo_entry e;
    struct mf_index ix;
    struct mf_outcome outcome;
    if (usable_entry(s, t, &e, &ix) != 0) {
        say_miss(s, t);
        return 0;
    }
    struct mf_err why = MF_ERR_INIT;
    int rc = mf__clone_write(s, t, s->memo_ds, &ix, &outcome, &why);
    mf__index_release(&ix);
    if (rc) { /* the entry's task cannot stand here (its index lacks what the step needs): run it */
        mf__console_say(s->con, MF_CON_WARN, "[%s/%s/%" PRIu64 "] not reusing %s: %s; computing it again", s->run_id,
                        decl->name, t->id, e.origin, why.msg);
        mf__memo_entry_release(&e);
        say_miss(s, t);
        return 0;
    }
    mf__memo_set_last(s->memo_ds, t->memo_parts, t->memo_key, NULL);
    t->cloned = t->memo_hit = true;
    s->memo_steps[t->node].hits++;
    s->memo_hits++;
    mf__meta_task_done(s, t, NULL, "succeeded", e.origin);
    mf__console_task_cloned(s->con, t->node);
    mf__console_say(s->con, MF_CON_TASK, "[%s/%s/%" PRIu64 "] memoised: reused %s", s->run_id, decl->name, t->id,
                    e.origin);
    mf__memo_entry_release(&e);
    rc = mf__schedule_successors(s, t, &outcome, err);
    mf__stask_free(t);
    return rc ? rc : 1;
}

/* Same key, other artifacts: the step computes more than its key says. */
static void check_deterministic(struct sched *s, const struct stask *t, const struct mf_index *mine)
{
    struct mf_memo_entry e;
    struct mf_index theirs;
    if (mf__memo_lookup(s->memo_ds, t->memo_key, &e, NULL) != 0)
        return;
    if (mf__memo_check_origin(s->memo_ds, &e, &theirs, NULL) == 0) {
        const char *differs = NULL;
        for (size_t i = 0; i < mine->n && !differs; i++) {
            const struct mf_artifact *a = mf__index_find(&theirs, mine->arts[i].name);
            if (strcmp(mine->arts[i].name, "_card") != 0 && (!a || strcmp(a->hash, mine->arts[i].hash) != 0))
                differs = mine->arts[i].name;
        }
        if (differs)
            mf__console_say(s->con, MF_CON_WARN, "warning: step '%s' is not deterministic: recomputed with the key of "
                            "%s, its artifact '%s' differs (declare what else it reads in memo_env, or bump "
                            "memo_salt)", s->g->nodes[t->node].name, e.origin, differs);
        mf__index_release(&theirs);
    }
    mf__memo_entry_release(&e);
}

/* Reads the finished task's index file: its hash, and the index itself. */
static int read_own_index(struct sched *s, const char *step, const char *id, char hex[MF_HASH_HEX_LEN + 1],
                          struct mf_index *ix, bool *uncacheable, struct mf_err *err)
{
    struct mf_buf dir = MF_BUF_INIT, bytes = MF_BUF_INIT;
    int rc = mf__ds_task_dir(s->ds, s->run_id, step, id, &dir) ? mf__err(err, MF_ENOMEM, "out of memory") : 0;
    size_t base = dir.len;
    if (!rc && !mf__buf_adds(&dir, "/" MF_MEMO_UNCACHEABLE))
        *uncacheable = mf__path_exists(dir.buf);
    dir.len = base;
    if (!rc && !*uncacheable)
        rc = mf__buf_adds(&dir, "/index") ? mf__err(err, MF_ENOMEM, "out of memory")
                                         : mf__read_file(dir.buf, &bytes, err);
    if (!rc && !*uncacheable) {
        mf__sha256_hex(bytes.buf ? bytes.buf : "", bytes.len, hex);
        rc = mf__index_decode(bytes.buf, bytes.len, ix, err);
    }
    mf__buf_release(&dir);
    mf__buf_release(&bytes);
    return rc;
}

void mf__memo_task_succeeded(struct sched *s, const struct stask *t)
{
    if (!t->memo_parts)
        return;
    const char *step = s->g->nodes[t->node].name;
    char id[32], hex[MF_HASH_HEX_LEN + 1], origin[512];
    struct mf_index ix;
    struct mf_err why = MF_ERR_INIT;
    bool uncacheable = false;
    snprintf(id, sizeof(id), "%" PRIu64, t->id);
    snprintf(origin, sizeof(origin), "%s/%s/%s", s->run_id, step, id);
    mf__index_init(&ix);
    int rc = read_own_index(s, step, id, hex, &ix, &uncacheable, &why);
    if (!rc && !uncacheable && !ix.caught) {
        check_deterministic(s, t, &ix);
        rc = mf__memo_publish(s->memo_ds, t->memo_key, t->memo_parts, origin, hex, &why);
    }
    if (rc)
        mf__console_say(s->con, MF_CON_WARN, "[%s] not memoised: %s", origin, why.msg);
    mf__index_release(&ix);
}

void mf__memo_summary(struct sched *s)
{
    for (size_t i = 0; s->memo_on && i < s->g->n; i++) {
        const struct memo_step *ms = &s->memo_steps[i];
        if (ms->hits && ms->hits + ms->misses > 1)
            mf__console_say(s->con, MF_CON_INFO, "%s: %zu of %zu tasks of step '%s' reused from earlier runs",
                            s->flow->name, ms->hits, ms->hits + ms->misses, s->g->nodes[i].name);
    }
}
