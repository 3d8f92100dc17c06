/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_ns.c - the client's namespace (Metaflow's namespace()): a tag every
 * run the client lists or reads must have, chosen by $MF_NAMESPACE, by
 * mf_client_set_namespace(), or by default "user:NAME" of whoever reads, so
 * that one shared datastore shows each user their own runs first. NULL is
 * the global namespace. client.c filters listings with mf__client_ns_has();
 * every call that reads a named run checks it with mf__client_ns_check().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_impl.h"
#include "util/alloc.h"
#include "util/buf.h"

/* The default: $MF_NAMESPACE when set ("" global), else "user:NAME". */
static int default_ns(char **out, struct mf_err *err)
{
    const char *env = getenv("MF_NAMESPACE");
    *out = NULL;
    if (env && !*env)
        return 0;
    if (env) {
        struct mf_err why = MF_ERR_INIT;
        int rc = mf__tag_check(env, &why);
        if (rc)
            return mf__err(err, rc, "MF_NAMESPACE is not a namespace: %s; unset it for your own runs, or set it "
                                    "to '' for every run", why.msg);
        *out = mf__strdup(env);
    } else {
        *out = mf__strf("user:%s", mf__user_name());
    }
    return *out ? 0 : mf__err(err, MF_ENOMEM, "out of memory");
}

int mf__client_ns_init(mf_client *c, struct mf_err *err) { return default_ns(&c->ns, err); }

int mf_client_default_namespace(mf_client *c)
{
    struct mf_err err = MF_ERR_INIT;
    char *ns = NULL;
    int rc = default_ns(&ns, &err);
    if (rc)
        return mf__client_fail(c, rc, "%s", err.msg);
    mf__free(c->ns);
    c->ns = ns;
    c->ns_seen[0] = '\0';
    return 0;
}

int mf_client_set_namespace(mf_client *c, const char *ns)
{
    struct mf_err err = MF_ERR_INIT;
    char *copy = NULL;
    if (ns && *ns) {
        int rc = mf__tag_check(ns, &err);
        if (rc)
            return mf__client_fail(c, rc, "invalid namespace: %s; a namespace is a tag (NULL or \"\" for every run)",
                                   err.msg);
        if (!(copy = mf__strdup(ns)))
            return mf__client_fail(c, MF_ENOMEM, "out of memory");
    }
    mf__free(c->ns);
    c->ns = copy;
    c->ns_seen[0] = '\0';
    return 0;
}

const char *mf_client_namespace(const mf_client *c) { return c ? c->ns : NULL; }

bool mf__client_ns_has(const mf_client *c, const struct mf_meta_run *r)
{
    const char *want[1] = { c->ns };
    return !c->ns || mf__meta_run_has_tags(r, want, 1);
}

int mf__client_ns_refuse(mf_client *c, const struct mf_meta_run *r)
{
    const char *own = NULL;
    for (size_t i = 0; i < r->nsys_tags && !own; i++)
        if (!strncmp(r->sys_tags[i], "user:", 5))
            own = r->sys_tags[i];
    if (own)
        return mf__client_fail(c, MF_ENAMESPACE, "run '%s/%s' is not in namespace '%s' (it is in '%s'): switch to "
                               "'%s', or to the global namespace, to read it (mf_client_set_namespace(), or "
                               "MF_NAMESPACE; '' is global)", r->flow, r->run_id, c->ns, own, own);
    return mf__client_fail(c, MF_ENAMESPACE, "run '%s/%s' is not in namespace '%s' (it has no such tag): switch to "
                           "the global namespace to read it (mf_client_set_namespace(), or MF_NAMESPACE; '' is "
                           "global)", r->flow, r->run_id, c->ns);
}

int mf__client_ns_check(mf_client *c, const char *flow, const char *run_id)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_run r;
    if (!c->ns)
        return 0;
    char key[sizeof(c->ns_seen)];
    int len = snprintf(key, sizeof(key), "%s/%s", flow, run_id);
    bool fits = len > 0 && (size_t)len < sizeof(key);
    if (fits && !strcmp(c->ns_seen, key))
        return 0;
    memset(&r, 0, sizeof(r));
    int rc = mf__meta_run(c->meta, flow, run_id, &r, &err);
    if (rc == MF_ENOENT) {
        rc = 0; /* the read that follows names what exists */
    } else if (rc) {
        rc = mf__client_fail(c, rc, "%s", err.msg);
    } else if (!mf__client_ns_has(c, &r)) {
        rc = mf__client_ns_refuse(c, &r);
    } else if (fits) {
        memcpy(c->ns_seen, key, (size_t)len + 1);
    }
    mf__meta_run_release(&r);
    return rc;
}
