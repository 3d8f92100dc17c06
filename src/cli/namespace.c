/* SPDX-License-Identifier: Apache-2.0 */
/*
 * namespace.c - --namespace on the reading commands (runs, dump, logs, card,
 * report): the client opens in the namespace given, else in its default
 * ($MF_NAMESPACE, else user:YOU), and a run outside it is refused here with
 * the option that reads it, before the command reads anything.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "meta.h"

int mf__cli_ns_option(struct mf_cli *c, int argc, char **argv, int *i)
{
    const char *v = NULL;
    int m = mf__cli_opt(c, argc, argv, i, "--namespace", &v);
    if (m <= 0)
        return m;
    struct mf_err err = MF_ERR_INIT;
    if (*v && mf__tag_check(v, &err))
        return mf__cli_usage_error(c, "invalid --namespace: %s; a namespace is a tag (--namespace '' reads every "
                                      "run)", err.msg), -1;
    c->ns = v;
    return 1;
}

int mf__cli_client_open(struct mf_cli *c, mf_client **out)
{
    char errbuf[1024];
    if (mf_client_open_err(c->root, out, errbuf, sizeof(errbuf)))
        return fprintf(c->err, "error: %s\n", errbuf), MF_EXIT_FAIL;
    if (c->ns && mf_client_set_namespace(*out, c->ns)) {
        fprintf(c->err, "error: %s\n", mf_client_errmsg(*out));
        mf_client_close(*out);
        *out = NULL;
        return MF_EXIT_FAIL;
    }
    return MF_EXIT_OK;
}

int mf__cli_run_visible(struct mf_cli *c, mf_client *cl, const char *run_id)
{
    mf_run_info *run = NULL;
    char ns[MF_TAG_MAX + 1];
    if (!mf_client_namespace(cl))
        return MF_EXIT_OK;
    snprintf(ns, sizeof(ns), "%s", mf_client_namespace(cl)); /* the client's copy goes with the switch */
    int rc = mf_client_run(cl, c->flow->name, run_id, &run);
    mf_run_info_free(run, run ? 1 : 0);
    if (rc != MF_ENAMESPACE)
        return MF_EXIT_OK; /* in the namespace, or no such run: the read that follows says so */
    /* Which namespace the run is in: read it in the global one. */
    run = NULL;
    if (mf_client_set_namespace(cl, NULL) || mf_client_run(cl, c->flow->name, run_id, &run) ||
        mf_client_set_namespace(cl, ns)) {
        mf_run_info_free(run, run ? 1 : 0);
        return fprintf(c->err, "error: %s\n", mf_client_errmsg(cl)), MF_EXIT_FAIL;
    }
    const char *own = NULL;
    for (size_t i = 0; i < run->nsystem_tags && !own; i++)
        if (!strncmp(run->system_tags[i], "user:", 5))
            own = run->system_tags[i];
    if (own)
        fprintf(c->err, "error: run %s of %s is not in namespace '%s' (it is in '%s'): add --namespace '%s' to "
                        "read it, or --namespace '' for every namespace\n", run_id, c->flow->name, ns, own, own);
    else
        fprintf(c->err, "error: run %s of %s is not in namespace '%s': add --namespace '' to read it\n", run_id,
                c->flow->name, ns);
    mf_run_info_free(run, 1);
    return MF_EXIT_FAIL;
}
