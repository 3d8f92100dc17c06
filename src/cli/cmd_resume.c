/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_resume.c - `resume [STEP] [--origin-run-id ID]`: a new run that clones
 * every task that succeeded in the origin run (the latest one by default)
 * and runs the rest; with STEP, that step and all after it run again.
 */
#include <string.h>

#include "cli.h"
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
            "  --datastore-root DIR  where runs and artifacts are kept (default .metaflow)\n"
            "  --quiet, --no-sync    as for run\n",
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
            return mf__cli_usage_error(c, "resume takes one step, got '%s' and '%s'", a->resume_step, argv[i]);
        if (mf__graph_find(c->g, argv[i]) == MF_NO_NODE)
            return mf__cli_usage_error(c, "'%s' is not a step of %s; see '%s show' for its steps", argv[i],
                                       c->flow->name, c->prog);
        a->resume_step = argv[i];
    }
    return MF_EXIT_OK;
}

/* Finds the origin run and checks that resuming it makes sense. */
static int pick_origin(struct mf_cli *c, struct mf_run_args *a, char **origin_out)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta *m = NULL;
    struct mf_meta_run *runs = NULL, one;
    size_t n = 0;
    int status = MF_EXIT_FAIL;
    memset(&one, 0, sizeof(one));
    if (mf__meta_open(c->root, true, &m, &err) != 0) {
        fprintf(c->err, "error: %s: there is no run of %s to resume; start one with '%s run'\n", err.msg,
                c->flow->name, c->prog);
        goto out;
    }
    if (!a->origin_run_id) {
        if (mf__meta_runs(m, c->flow->name, &runs, &n, &err) != 0 || n == 0) {
            fprintf(c->err, "error: %s has no runs to resume under '%s'; start one with '%s run'\n",
                    c->flow->name, c->root, c->prog);
            goto out;
        }
        *origin_out = mf__strdup(runs[0].run_id);
    } else if (mf__meta_run(m, c->flow->name, a->origin_run_id, &one, &err) != 0) {
        fprintf(c->err, "error: %s\n", err.msg);
        goto out;
    } else {
        *origin_out = mf__strdup(one.run_id);
    }
    const struct mf_meta_run *origin = a->origin_run_id ? &one : &runs[0];
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
