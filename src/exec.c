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

static const struct backend backends[] = {
    { "fork", mf__exec_fork_new },
    { "spawn", mf__exec_spawn_new },
    { "slurm", mf__exec_slurm_new },
};

const char *mf__exec_names(void) { return "fork, spawn, slurm"; }

bool mf__exec_known(const char *name)
{
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
        if (strcmp(backends[i].name, name) == 0)
            return true;
    return false;
}

int mf__exec_new(const char *name, const struct mf_exec_opts *o, struct mf_exec **out, struct mf_err *err)
{
    *out = NULL;
    if (!name || !*name)
        return o && o->task_entry ? mf__exec_fork_new(o, out, err) : mf__exec_spawn_new(o, out, err);
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
        if (strcmp(backends[i].name, name) == 0)
            return backends[i].make(o, out, err);
    return mf__err(err, MF_EINVAL, "unknown executor '%s'; use one of: %s", name, mf__exec_names());
}
