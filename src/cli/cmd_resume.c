/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_resume.c - `resume [STEP] [--origin-run-id ID]`: a new run that clones
 * every task that succeeded in the origin run (the latest one by default)
 * and runs the rest; with STEP, that step and all after it run again.
 */
#include <string.h>

#include "cli.h"
#include "datastore.h"
#include "meta.h"
#include "util/alloc.h"

static void resume_help(struct mf_cli *c)
{
    fprintf(c->out,
            "usage: %s resume [STEP] [--origin-run-id ID] [OPTIONS]\n\n"
            "Starts a new run of %s that reuses every task that succeeded in the origin run (the\n"
            "latest run unless --origin-run-id names one) and runs the others. With STEP, that step and\n"
            "every step after it run again even where they succeeded. Parameters are the origin run's.\n\n"
            "Options:\n"
            "  --origin-run-id ID    the run to resume (default: the latest run of this flow)\n"
            "  --max-workers N       tasks run at once (default 16)\n"
            "  --max-num-splits N    refuse a foreach with more items than this (default 100)\n"
            "  --tag TAG             tag the new run (repeatable)\n"
            "  --run-id-file FILE    write the new run's id to FILE as soon as the run exists\n"
            "  --datastore-root DIR  where runs and artifacts are kept (default .metaflow)\n"
            "  --with EXECUTOR, --slurm-*  as for run (see run --help)\n"
            "  --quiet, --no-sync, --kill-grace SECONDS, --executor NAME   as for run\n"
            "  --no-cache, --recompute STEPS                               as for run\n"
            "  --timestamps, --color WHEN, --progress-every S              as for run\n",
            c->prog, c->flow->name);
}

static int parse_resume_args(struct mf_cli *c, int argc, char **argv, struct mf_run_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m = mf__cli_run_option(c, argc, argv, &i, a);
        if (m < 0)
            return MF_EXIT_USAGE;
        if (a->help || m > 0)
            continue;
        if ((m = mf__cli_opt(c, argc, argv, &i, "--origin-run-id", &v)) != 0) {
            if (m < 0)
                return MF_EXIT_USAGE;
            a->origin_run_id = v;
            continue;
        }
        if (strncmp(argv[i], "--", 2) == 0)
            return mf__cli_usage_error(c,
                                       "'%s' cannot be given to resume: a resumed run keeps the parameters of its "
                                       "origin run (start a new run with '%s run' to change them)",
                                       argv[i], c->prog);
        if (a->resume_step)
            return mf__cli_usage_error(c, "resume takes one step, got '%s' and '%s'", a->resume_step,
                                       MF_CLI_CUT(argv[i]));
        if (mf__graph_find(c->g, argv[i]) == MF_NO_NODE)
            return mf__cli_usage_error(c, "'%s' is not a step of %s; see '%s show' for its steps", MF_CLI_CUT(argv[i]),
                                       c->flow->name, c->prog);
        a->resume_step = argv[i];
    }
    return MF_EXIT_OK;
}

/* Whether the run's parameters were recorded: a run without them never
 * started (killed before it wrote them, or they were deleted). */
static bool has_params(struct mf_ds *ds, const char *run_id)
{
    struct mf_index ix;
    int rc = mf__ds_read_index(ds, run_id, "_parameters", "0", &ix, NULL);
    mf__index_release(&ix);
    return rc == 0;
}

/* A resume that failed without finishing any task (cloned or run): its
 * origin has all it has, and more. */
static bool empty_failed_resume(struct mf_meta *m, const char *flow, const struct mf_meta_run *r)
{
    struct mf_meta_task *tasks = NULL;
    size_t n = 0;
    bool any = false;
    if (!r->origin_run_id || !strcmp(r->status, "succeeded"))
        return false;
    if (mf__meta_tasks(m, flow, r->run_id, NULL, &tasks, &n, NULL) != 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        any = any || !strcmp(tasks[i].status, "succeeded");
        mf__meta_task_release(&tasks[i]);
    }
    mf__free(tasks);
    return !any;
}

/* The latest run worth resuming: newest first, skipping (and saying so) the
 * scratch runs of spin, runs that never started, and a failed resume that
 * finished no task in favour of the run it came from. NULL after printing
 * why when there is none. */
static const struct mf_meta_run *latest_origin(struct mf_cli *c, struct mf_meta *m, struct mf_ds *ds,
                                               const struct mf_meta_run *runs, size_t n)
{
    const char *want = NULL; /* the origin of a skipped empty resume */
    for (size_t i = 0; i < n; i++) {
        const struct mf_meta_run *r = &runs[i];
        if (want && strcmp(r->run_id, want) != 0)
            continue;
        want = NULL;
        if (mf__run_is_spin(r->sys_tags, r->nsys_tags)) {
            fprintf(c->out, "note: skipping run %s: a spin of one task of run %s, not a run to resume\n", r->run_id,
                    r->origin_run_id ? r->origin_run_id : "?");
        } else if (!has_params(ds, r->run_id)) {
            fprintf(c->out, "note: skipping run %s: it never started (no parameters were recorded)\n", r->run_id);
        } else if (empty_failed_resume(m, c->flow->name, r)) {
            fprintf(c->out, "note: skipping run %s: a resume of run %s that finished no task; resuming run %s\n",
                    r->run_id, r->origin_run_id, r->origin_run_id);
            want = r->origin_run_id;
        } else {
            return r;
        }
    }
    fprintf(c->err, "error: %s has no run that started under '%s'; start one with '%s run'\n", c->flow->name,
            c->root, c->prog);
    return NULL;
}

/* Finds the origin run and checks that resuming it makes sense. */
static int pick_origin(struct mf_cli *c, struct mf_run_args *a, char **origin_out)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta *m = NULL;
    struct mf_ds *ds = NULL;
    struct mf_meta_run *runs = NULL, one;
    const struct mf_meta_run *origin = &one;
    size_t n = 0;
    int status = MF_EXIT_FAIL;
    memset(&one, 0, sizeof(one));
    if (mf__meta_open(c->root, true, &m, &err) != 0) {
        fprintf(c->err, "error: %s: there is no run of %s to resume; start one with '%s run'\n", err.msg,
                c->flow->name, c->prog);
        goto out;
    }
    if (mf__ds_open(c->root, c->flow->name, 0, &ds, &err) != 0) {
        fprintf(c->err, "error: %s\n", err.msg);
        goto out;
    }
    if (!a->origin_run_id) {
        if (mf__meta_runs(m, c->flow->name, &runs, &n, &err) != 0 || n == 0) {
            fprintf(c->err, "error: %s has no runs to resume under '%s'; start one with '%s run'\n",
                    c->flow->name, c->root, c->prog);
            goto out;
        }
        if (!(origin = latest_origin(c, m, ds, runs, n)))
            goto out;
    } else if (mf__meta_run(m, c->flow->name, a->origin_run_id, &one, &err) != 0) {
        fprintf(c->err, "error: %s\n", err.msg);
        goto out;
    } else if (mf__run_is_spin(one.sys_tags, one.nsys_tags)) {
        fprintf(c->err, "error: run %s of %s is the scratch run of a spin (one task of run %s run again): there is "
                        "nothing to resume in it; resume run %s instead\n",
                one.run_id, c->flow->name, one.origin_run_id ? one.origin_run_id : "?",
                one.origin_run_id ? one.origin_run_id : "?");
        goto out;
    } else if (!has_params(ds, one.run_id)) {
        fprintf(c->err, "error: run %s of %s never started (no parameters were recorded): there is nothing to "
                        "resume; start a new run with '%s run'\n",
                one.run_id, c->flow->name, c->prog);
        goto out;
    }
    *origin_out = mf__strdup(origin->run_id);
    if (!strcmp(origin->status, "succeeded") && !a->resume_step) {
        fprintf(c->err,
                "error: run %s of %s succeeded: there is nothing to resume. Name a step to run it and all after "
                "it again ('%s resume STEP --origin-run-id %s'), or start a new run\n",
                origin->run_id, c->flow->name, c->prog, origin->run_id);
        goto out;
    }
    if (!strcmp(origin->status, "running"))
        fprintf(c->out, "warning: run %s is recorded as still running; resuming what it finished so far\n",
                origin->run_id);
    status = *origin_out ? MF_EXIT_OK : MF_EXIT_FAIL;
out:
    for (size_t i = 0; i < n; i++)
        mf__meta_run_release(&runs[i]);
    mf__free(runs);
    mf__meta_run_release(&one);
    mf__ds_close(ds);
    mf__meta_close(m);
    return status;
}

int mf__cmd_resume(struct mf_cli *c, int argc, char **argv)
{
    struct mf_run_args a;
    char *origin = NULL;
    int status = mf__cli_run_args_init(&a, argc) ? MF_EXIT_FAIL : parse_resume_args(c, argc, argv, &a);
    if (status != MF_EXIT_OK)
        goto out;
    if (a.help) {
        resume_help(c);
        goto out;
    }
    if (!mf__cli_lint(c)) {
        status = MF_EXIT_FAIL;
        goto out;
    }
    if ((status = pick_origin(c, &a, &origin)) != MF_EXIT_OK)
        goto out;
    a.origin_run_id = origin;
    status = mf__cli_start_run(c, &a, NULL);
out:
    mf__free(origin);
    mf__cli_run_args_release(&a);
    return status;
}
