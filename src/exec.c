/* SPDX-License-Identifier: Apache-2.0 */
/* exec.c - the table of executor backends (exec.h), so that a name given on
 * the command line picks one and the scheduler never names a backend. */
#include "exec.h"

#include <string.h>

#include "metaflow.h"

struct backend {
    const char *name;
    int (*make)(const struct mf_exec_opts *o, struct mf_exec **out, struct mf_err *err);
};

/* The first entry is the default local executor. */
static const struct backend backends[] = {
    { "spawn", mf__exec_spawn_new },
};

const char *mf__exec_names(void) { return "spawn"; }

int mf__exec_new(const char *name, const struct mf_exec_opts *o, struct mf_exec **out, struct mf_err *err)
{
    *out = NULL;
    if (!name || !*name)
        return backends[0].make(o, out, err);
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
        if (strcmp(backends[i].name, name) == 0)
            return backends[i].make(o, out, err);
    return mf__err(err, MF_EINVAL, "unknown executor '%s'; use one of: %s", name, mf__exec_names());
}
