/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client.c - the read-only client API (metaflow.h, "Client"): flows, runs
 * and tasks from the run metadata, artifacts and logs from the datastore.
 * A task handle is an mf_task in client mode, so the step getters work on
 * it and report failures here instead of ending the process.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_impl.h"
#include "meta_rebuild.h"
#include "util/alloc.h"
#include "util/fsutil.h"

int mf__client_fail(mf_client *c, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof(c->err), fmt, ap);
    va_end(ap);
    return code;
}

static int fail_err(mf_client *c, const struct mf_err *err, int code)
{
    snprintf(c->err, sizeof(c->err), "%s", err->msg);
    return code;
}

int mf_client_open_err(const char *root, mf_client **out, char *errbuf, size_t errsize)
{
    struct mf_err err = MF_ERR_INIT;
    const char *env = getenv("MF_DATASTORE_ROOT");
    mf_client *c = NULL;
    int rc;
    *out = NULL;
    if (!root)
        root = env && *env ? env : ".metaflow";
    if (!(c = mf__calloc(1, sizeof(*c))) || !(c->root = mf__strdup(root))) {
        rc = mf__err(&err, MF_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = mf__client_ns_init(c, &err)) != 0)
        goto out;
    if ((rc = mf__meta_open(root, true, &c->meta, &err)) == MF_ENOENT)
        mf__meta_missing_err(root, &err);
    if (rc)
        goto out;
    *out = c;
    c = NULL;
out:
    if (rc && errbuf && errsize)
        snprintf(errbuf, errsize, "%s", err.msg);
    mf_client_close(c);
    return rc;
}

int mf_client_open(const char *root, mf_client **out) { return mf_client_open_err(root, out, NULL, 0); }

int mf_client_close(mf_client *c)
{
    if (!c)
        return 0;
    if (c->open_tasks)
        return mf__client_fail(c, MF_EBUSY, "%zu task handle(s) are still open: close them with mf_client_task_close() first",
                    c->open_tasks);
    mf__meta_close(c->meta);
    mf__free(c->ns);
    mf__free(c->root);
    mf__free(c);
    return 0;
}

const char *mf_client_errmsg(const mf_client *c) { return c ? c->err : "no client"; }

void mf_strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        mf__free(v[i]);
    mf__free(v);
}

/* Whether `flow` has a run in the namespace (Metaflow's rule for a flow). */
static int flow_in_ns(mf_client *c, const char *flow, bool *in, struct mf_err *err)
{
    struct mf_meta_run *runs = NULL;
    size_t n = 0;
    *in = !c->ns;
    if (*in)
        return 0;
    int rc = mf__meta_runs(c->meta, flow, &runs, &n, err);
    for (size_t i = 0; i < n; i++) {
        *in = *in || mf__client_ns_has(c, &runs[i]);
        mf__meta_run_release(&runs[i]);
    }
    mf__free(runs);
    return rc;
}

int mf_client_flows(mf_client *c, char ***names)
{
    struct mf_err err = MF_ERR_INIT;
    char **list = NULL;
    size_t n = 0, kept = 0;
    *names = NULL;
    if (mf__meta_flows(c->meta, &list, &n, &err))
        return fail_err(c, &err, err.code ? err.code : MF_EDB);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        bool in = false;
        if (!rc && (rc = flow_in_ns(c, list[i], &in, &err)) != 0)
            rc = err.code ? err.code : MF_EDB;
        if (!rc && in)
            list[kept++] = list[i];
        else
            mf__free(list[i]);
    }
    n = kept;
    if (rc) {
        for (size_t i = 0; i < n; i++)
            mf__free(list[i]);
        mf__free(list);
        return fail_err(c, &err, rc);
    }
    char **v = mf__reallocarray(list, n + 1, sizeof(*v));
    if (!v) {
        for (size_t i = 0; i < n; i++)
            mf__free(list[i]);
        mf__free(list);
        return mf__client_fail(c, MF_ENOMEM, "out of memory");
    }
    v[n] = NULL;
    *names = v;
    return 0;
}

/* Moves a metadata run into a public mf_run_info (the strings change owner).
 * MF_ENOMEM when the tag array cannot be made; dst then holds what moved,
 * for run_info_release. */
static int take_run(mf_run_info *dst, struct mf_meta_run *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->flow = src->flow, src->flow = NULL;
    dst->run_id = src->run_id, src->run_id = NULL;
    dst->status = src->status, src->status = NULL;
    dst->user = src->user, src->user = NULL;
    dst->origin_run_id = src->origin_run_id, src->origin_run_id = NULL;
    dst->params_json = src->params_json, src->params_json = NULL;
    dst->start = src->start;
    dst->end = src->end;
    dst->jobs = src->jobs;
    dst->jobs_live = src->jobs_live;
    dst->memo_hits = src->memo_hits;
    /* A run without its tags would be a wrong answer, not a smaller one. */
    dst->tags = mf__calloc(src->ntags + 1, sizeof(*dst->tags));
    if (!dst->tags)
        return MF_ENOMEM;
    dst->ntags = src->ntags;
    for (size_t i = 0; i < src->ntags; i++)
        dst->tags[i] = src->tags[i], src->tags[i] = NULL;
    dst->system_tags = mf__calloc(src->nsys_tags + 1, sizeof(*dst->system_tags));
    if (!dst->system_tags)
        return MF_ENOMEM;
    dst->nsystem_tags = src->nsys_tags;
    for (size_t i = 0; i < src->nsys_tags; i++)
        dst->system_tags[i] = src->sys_tags[i], src->sys_tags[i] = NULL;
    return 0;
}

static void run_info_release(mf_run_info *r)
{
    mf__free(r->flow);
    mf__free(r->run_id);
    mf__free(r->status);
    mf__free(r->user);
    mf__free(r->origin_run_id);
    mf__free(r->params_json);
    for (size_t k = 0; k < r->ntags; k++)
        mf__free(r->tags[k]);
    mf__free(r->tags);
    for (size_t k = 0; k < r->nsystem_tags; k++)
        mf__free(r->system_tags[k]);
    mf__free(r->system_tags);
}

void mf_run_info_free(mf_run_info *runs, size_t n)
{
    for (size_t i = 0; runs && i < n; i++)
        run_info_release(&runs[i]);
    mf__free(runs);
}

/* The runs of `flow` in the namespace, newest first; *hidden counts those
 * left out (in other namespaces). */
static int runs_in_ns(mf_client *c, const char *flow, mf_run_info **runs, size_t *n, size_t *hidden)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_run *list = NULL;
    size_t count = 0, k = 0;
    *runs = NULL;
    *n = 0;
    *hidden = 0;
    int rc = mf__client_check_flow(c, flow);
    if (rc)
        return rc;
    if (mf__meta_runs(c->meta, flow, &list, &count, &err))
        return fail_err(c, &err, err.code ? err.code : MF_EDB);
    mf_run_info *out = mf__calloc(count + 1, sizeof(*out));
    rc = out ? 0 : MF_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        if (!rc && mf__client_ns_has(c, &list[i]))
            rc = take_run(&out[k++], &list[i]);
        else if (!rc)
            (*hidden)++;
        mf__meta_run_release(&list[i]);
    }
    mf__free(list);
    if (rc) {
        mf_run_info_free(out, k); /* the entry a failed take_run filled part of is counted */
        return mf__client_fail(c, MF_ENOMEM, "out of memory");
    }
    *runs = out;
    *n = k;
    return 0;
}

int mf_client_runs(mf_client *c, const char *flow, mf_run_info **runs, size_t *n)
{
    size_t hidden = 0;
    return runs_in_ns(c, flow, runs, n, &hidden);
}

/* "3 (failed), 2 (running), ..." for the message of a run not found. */
static void list_runs(const mf_run_info *runs, size_t n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && i < 10 && used < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s (%s)", i ? ", " : "", runs[i].run_id, runs[i].status);
        used += w > 0 ? (size_t)w : 0;
    }
    if (n > 10 && used < size)
        snprintf(buf + used, size - used, ", ... (%zu in all)", n);
}

/* "latest" or "latest_successful": the newest run, or the newest that
 * succeeded, never a spin's scratch run (spin.h); MF_ENOENT naming what
 * exists otherwise. */
static int latest_run(mf_client *c, const char *flow, bool ok_only, mf_run_info **out)
{
    mf_run_info *runs = NULL;
    size_t n = 0, i = 0, hidden = 0;
    int rc = runs_in_ns(c, flow, &runs, &n, &hidden);
    if (rc)
        return rc;
    while (i < n && (mf__run_is_spin(runs[i].system_tags, runs[i].nsystem_tags) ||
                     (ok_only && strcmp(runs[i].status, "succeeded") != 0)))
        i++;
    if (i == n) {
        char have[512], elsewhere[256] = "";
        list_runs(runs, n, have, sizeof(have));
        mf_run_info_free(runs, n);
        if (hidden) /* the namespace is set: say which, and what it hides */
            snprintf(elsewhere, sizeof(elsewhere), " in namespace '%s' (%zu run(s) in other namespaces: switch to "
                     "the global namespace to see them)", c->ns, hidden);
        if (n == 0 && !hidden)
            return mf__client_fail(c, MF_ENOENT, "flow '%s' has no runs under '%s'", flow, c->root);
        if (n == 0)
            return mf__client_fail(c, MF_ENOENT, "flow '%s' has no runs%s", flow, elsewhere);
        if (!ok_only)
            return mf__client_fail(c, MF_ENOENT, "flow '%s' has only the scratch runs of spin, which 'latest' skips; "
                                   "its runs are: %s", flow, have);
        return mf__client_fail(c, MF_ENOENT, "flow '%s' has no successful run%s; its runs are: %s", flow, elsewhere,
                               have);
    }
    if (!(*out = mf__calloc(1, sizeof(**out)))) {
        mf_run_info_free(runs, n);
        return mf__client_fail(c, MF_ENOMEM, "out of memory");
    }
    **out = runs[i];
    memset(&runs[i], 0, sizeof(runs[i]));
    mf_run_info_free(runs, n);
    return 0;
}

int mf_client_run(mf_client *c, const char *flow, const char *run_id, mf_run_info **out)
{
    struct mf_meta_run one;
    struct mf_err err = MF_ERR_INIT;
    *out = NULL;
    int rc = mf__client_check_flow(c, flow);
    if (rc)
        return rc;
    if (!run_id || !*run_id)
        return mf__client_fail(c, MF_EINVAL, "no run id given: use a run number, \"latest\" or \"latest_successful\"");
    if (!strcmp(run_id, "latest") || !strcmp(run_id, "latest_successful"))
        return latest_run(c, flow, run_id[6] == '_', out);
    if (!mf__client_is_id(run_id))
        return mf__client_fail(c, MF_EINVAL, "invalid run id '%s': use a run number, \"latest\" or \"latest_successful\"",
                    run_id);
    memset(&one, 0, sizeof(one));
    if ((rc = mf__meta_run(c->meta, flow, run_id, &one, &err)) != 0) {
        mf__meta_run_release(&one);
        return fail_err(c, &err, rc);
    }
    if (!mf__client_ns_has(c, &one)) {
        rc = mf__client_ns_refuse(c, &one);
        mf__meta_run_release(&one);
        return rc;
    }
    if (!(*out = mf__calloc(1, sizeof(**out))) || take_run(*out, &one)) {
        mf__meta_run_release(&one);
        mf_run_info_free(*out, *out ? 1 : 0);
        *out = NULL;
        return mf__client_fail(c, MF_ENOMEM, "out of memory");
    }
    mf__meta_run_release(&one);
    return 0;
}
