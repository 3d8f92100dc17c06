/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_cache.c - `cache list|clear|prune|explain|code-id`: the memo entries
 * of this flow (memo.h, docs/memoisation.md), seen and steered by hand.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buildid.h"
#include "cli.h"
#include "client_impl.h"
#include "memo.h"
#include "memo_code.h"
#include "meta.h"
#include "util/alloc.h"
#include "util/fsutil.h"

#define USAGE                                                                                            \
    "cache list [STEP...] | cache clear [STEP...] | cache prune | cache explain RUN/STEP/TASK |\n" \
    "       cache code-id [--steps]   [--datastore-root DIR]"

static int help(struct mf_cli *c)
{
    fprintf(c->out,
            "usage: %s " USAGE "\n\n"
            "The memo entries of %s: each maps a memoised task's key to the task that computed it\n"
            "(docs/memoisation.md).\n\n"
            "  list [STEP...]      one line per entry: key, step, origin task, when it was made\n"
            "  clear [STEP...]     remove the entries (of these steps only, when named): their tasks\n"
            "                      run again next time; runs and artifacts are not touched\n"
            "  prune               remove entries whose task is gone or changed, and unfinished writes\n"
            "  explain R/S/T       how a task's key was made: reused from which task, or, when it ran,\n"
            "                      what changed since the entry used before at its place\n"
            "  code-id [--steps]   this program's code digest, the key's 'code' part; --steps: each\n"
            "                      memoised step's code part, its fingerprint when the program has a table\n",
            c->prog, c->flow->name);
    return MF_EXIT_OK;
}

struct walk {
    struct mf_cli *c;
    struct mf_ds *ds;
    char **steps; /* NULL-terminated filter, or none */
    const char *op;
    size_t seen, removed;
};

static bool step_wanted(const struct walk *w, const mf_value *parts)
{
    const char *step = NULL;
    if (!w->steps[0])
        return true;
    if (mf_value_get_str(mf_value_key(parts, "step"), &step))
        return false;
    for (char **s = w->steps; *s; s++)
        if (!strcmp(*s, step))
            return true;
    return false;
}

static void list_line(struct walk *w, const struct mf_memo_entry *e)
{
    char when[32] = "?";
    time_t secs = (time_t)e->created;
    struct tm tm;
    const char *step = "?";
    mf_value_get_str(mf_value_key(e->parts, "step"), &step);
    if (localtime_r(&secs, &tm))
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(w->c->out, "%.12s  %-16s %-24s %s\n", e->key, step, e->origin, when);
}

/* Whether `clear` or `prune` removes an entry that is `broken` (unreadable). */
static bool to_remove(struct walk *w, const struct mf_memo_entry *e, bool broken, bool wanted)
{
    struct mf_index ix;
    if (!strcmp(w->op, "clear"))
        return wanted || (broken && !w->steps[0]);
    if (broken) /* prune */
        return true;
    if (mf__memo_check_origin(w->ds, e, &ix, NULL) != 0)
        return true;
    mf__index_release(&ix);
    return false;
}

static int on_file(void *ctx, const char *name, const char *path, bool is_tmp)
{
    struct walk *w = ctx;
    struct mf_memo_entry e;
    if (is_tmp) { /* a write that never finished */
        if (!strcmp(w->op, "prune") && unlink(path) == 0)
            w->removed++;
        return 0;
    }
    bool broken = mf__memo_lookup(w->ds, name, &e, NULL) != 0;
    bool wanted = !broken && step_wanted(w, e.parts);
    w->seen += wanted;
    if (!strcmp(w->op, "list")) {
        if (wanted)
            list_line(w, &e);
    } else if (to_remove(w, &e, broken, wanted) && unlink(path) == 0) {
        w->removed++;
    }
    if (!broken)
        mf__memo_entry_release(&e);
    return 0;
}

/* The key a task of this run was given: recorded with its attempts in the
 * metadata (schema 5); a task run by an earlier version has it in a file
 * "memo" beside its index. */
static int task_key(struct mf_cli *c, struct mf_ds *ds, const char *run, const char *step, const char *task,
                    char key[65])
{
    struct mf_meta *m = NULL;
    struct mf_meta_task *rows = NULL;
    size_t n = 0;
    int rc = mf__meta_open(c->root, true, &m, NULL);
    if (!rc)
        rc = mf__meta_tasks(m, c->flow->name, run, step, &rows, &n, NULL);
    for (size_t i = n; !rc && i-- > 0;) /* the last attempt that has one */
        if (!strcmp(rows[i].task_id, task) && rows[i].memo_key && strlen(rows[i].memo_key) == 64) {
            snprintf(key, 65, "%s", rows[i].memo_key);
            rc = 1;
        }
    for (size_t i = 0; i < n; i++)
        mf__meta_task_release(&rows[i]);
    mf__free(rows);
    mf__meta_close(m);
    if (rc == 1)
        return 0;
    struct mf_buf path = MF_BUF_INIT, text = MF_BUF_INIT;
    rc = mf__ds_task_dir(ds, run, step, task, &path) || mf__buf_adds(&path, "/memo") ? MF_ENOMEM : 0;
    if (!rc)
        rc = mf__read_file(path.buf, &text, NULL);
    if (!rc && (text.len != 65 || text.buf[64] != '\n'))
        rc = MF_ECORRUPT;
    if (!rc)
        snprintf(key, 65, "%.64s", text.buf);
    mf__buf_release(&path);
    mf__buf_release(&text);
    return rc;
}

static int explain(struct mf_cli *c, struct mf_ds *ds, const char *target)
{
    char buf[512], key[65], origin_words[600];
    char *step = NULL, *task = NULL;
    snprintf(buf, sizeof(buf), "%s", target);
    step = strchr(buf, '/');
    task = step ? strchr(step + 1, '/') : NULL;
    if (!task || (*step++ = '\0', *task++ = '\0', !mf__client_is_id(buf)) || !mf__client_is_id(task))
        return mf__cli_usage_error(c, "cache explain takes RUN/STEP/TASK, e.g. 3/square/5, not '%s'", MF_CLI_CUT(target));
    size_t node = mf__graph_find(c->g, step);
    if (node == MF_NO_NODE)
        return mf__cli_usage_error(c, "'%s' is not a step of %s; see '%s show'", MF_CLI_CUT(step), c->flow->name, c->prog);
    if (!c->g->nodes[node].step->memoize) {
        fprintf(c->out, "step '%s' is not memoised (no .memoize = true): its tasks always run\n", step);
        return MF_EXIT_OK;
    }
    if (task_key(c, ds, buf, step, task, key) != 0) {
        fprintf(c->err, "error: task %s has no memo key: it did not run, ran with --no-cache, or its key could not "
                        "be computed (see that run's output)\n", target);
        return MF_EXIT_FAIL;
    }
    struct mf_memo_entry e, prev;
    struct mf_err err = MF_ERR_INIT;
    if (mf__memo_lookup(ds, key, &e, &err) != 0) {
        fprintf(c->out, "%s: key %s; no entry: %s\n", target, key,
                err.msg[0] ? err.msg : "the task was not published (it failed, caught a failure, read its own "
                                       "identity) or the entry was cleared");
        return MF_EXIT_OK;
    }
    const char *code = "";
    mf_value_get_str(mf_value_key(e.parts, "code"), &code);
    fprintf(c->out, "%s: code identity: %s\n", target,
            strncmp(code, MF_MEMO_CODE_STEP, strlen(MF_MEMO_CODE_STEP)) == 0
                ? "the step's own fingerprint (per-step mode: edits to other steps keep its entries)"
                : "the whole program's code digest (any edit of the program re-runs it)");
    snprintf(origin_words, sizeof(origin_words), "%s/%s/%s", buf, step, task);
    if (strcmp(e.origin, origin_words) != 0) {
        fprintf(c->out, "%s: key %s; reused %s, which computed it\n", target, key, e.origin);
    } else if (!e.previous || mf__memo_lookup(ds, e.previous, &prev, NULL) != 0) {
        fprintf(c->out, "%s: key %s; computed here, the first entry at its place\n", target, key);
    } else {
        struct mf_buf why = MF_BUF_INIT;
        mf__memo_diff(e.parts, prev.parts, &why);
        fprintf(c->out, "%s: key %s; computed here: changed since %s: %s\n", target, key, prev.origin,
                why.len ? why.buf : "nothing (the earlier entry could not be used)");
        mf__buf_release(&why);
        mf__memo_entry_release(&prev);
    }
    mf__memo_entry_release(&e);
    return MF_EXIT_OK;
}

/* `code-id --steps`: each memoised step's code part and its mode. */
static int code_ids(struct mf_cli *c)
{
    struct mf_memo_code mc;
    struct mf_err err = MF_ERR_INIT;
    if (mf__memo_code_load(&mc, &err) != 0) {
        fprintf(c->err, "error: %s\n", err.msg);
        return MF_EXIT_FAIL;
    }
    fprintf(c->out, "program %s (%s)\n", mc.whole, mc.mode);
    for (size_t i = 0; i < c->g->n; i++) {
        const mf_step *st = c->g->nodes[i].step;
        char code[MF_MEMO_CODE_MAX];
        if (st && st->memoize)
            fprintf(c->out, "%s %s\n", st->name,
                    mf__memo_code_step(&mc, st->fn, code) ? code : "whole-program");
    }
    mf__memo_code_release(&mc);
    return MF_EXIT_OK;
}

static int run_op(struct mf_cli *c, const char *op, char **args, size_t nargs)
{
    struct mf_ds *ds = NULL;
    struct mf_err err = MF_ERR_INIT;
    int status = MF_EXIT_FAIL;
    if (mf__ds_open(c->root, c->flow->name, 0, &ds, &err)) {
        fprintf(c->err, "error: %s\n", err.msg);
        return MF_EXIT_FAIL;
    }
    if (!strcmp(op, "explain")) {
        status = nargs == 1 ? explain(c, ds, args[0])
                            : mf__cli_usage_error(c, "cache explain takes one RUN/STEP/TASK");
        goto out;
    }
    for (size_t i = 0; i < nargs; i++)
        if (mf__graph_find(c->g, args[i]) == MF_NO_NODE) {
            status = mf__cli_usage_error(c, "'%s' is not a step of %s", MF_CLI_CUT(args[i]), c->flow->name);
            goto out;
        }
    if (!strcmp(op, "prune") && nargs) {
        status = mf__cli_usage_error(c, "cache prune takes no steps: it removes only entries that cannot be used");
        goto out;
    }
    struct walk w = { .c = c, .ds = ds, .steps = args, .op = op };
    if (mf__memo_each(ds, on_file, &w, &err)) {
        fprintf(c->err, "error: %s\n", err.msg);
        goto out;
    }
    if (!strcmp(op, "list") && !w.seen)
        fprintf(c->out, "no memo entries%s\n", nargs ? " for those steps" : "");
    else if (strcmp(op, "list") != 0)
        fprintf(c->out, "%zu memo entr%s removed\n", w.removed, w.removed == 1 ? "y" : "ies");
    status = MF_EXIT_OK;
out:
    mf__ds_close(ds);
    return status;
}

int mf__cmd_cache(struct mf_cli *c, int argc, char **argv)
{
    char **args = mf__calloc((size_t)argc + 1, sizeof(char *));
    const char *op = NULL;
    size_t nargs = 0;
    int status = MF_EXIT_USAGE;
    if (!args) {
        fprintf(c->err, "error: out of memory\n");
        return MF_EXIT_FAIL;
    }
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m = mf__cli_opt(c, argc, argv, &i, "--datastore-root", &v);
        if (m < 0)
            goto out;
        if (m > 0)
            c->root = v;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            status = help(c);
            goto out;
        } else if (!op)
            op = argv[i];
        else
            args[nargs++] = argv[i];
    }
    if (!op) {
        mf__cli_usage_error(c, "usage: %s " USAGE, c->prog);
    } else if (!strcmp(op, "code-id")) {
        char code[65];
        struct mf_err err = MF_ERR_INIT;
        bool steps = nargs == 1 && !strcmp(args[0], "--steps");
        status = nargs && !steps ? mf__cli_usage_error(c, "cache code-id takes nothing more, or --steps")
                 : steps         ? code_ids(c)
                 : mf__code_digest(code, &err) ? (fprintf(c->err, "error: %s\n", err.msg), MF_EXIT_FAIL)
                                               : (fprintf(c->out, "%s\n", code), MF_EXIT_OK);
    } else if (strcmp(op, "list") && strcmp(op, "clear") && strcmp(op, "prune") && strcmp(op, "explain")) {
        mf__cli_usage_error(c, "unknown cache operation '%s': use list, clear, prune, explain or code-id",
                            MF_CLI_CUT(op));
    } else {
        status = run_op(c, op, args, nargs);
    }
out:
    mf__free(args);
    return status;
}
