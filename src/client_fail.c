/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_fail.c - the failure of a task, as the client reads it (Metaflow's
 * Task.exception): for a task whose failure a catch_var caught, the value
 * of that artifact (its index names it, format version 3); for a task whose
 * last attempt failed, the same kind of map made from the run metadata and
 * the tail of its stderr log. A task that did neither has none.
 */
#include <stdio.h>
#include <string.h>

#include "client_impl.h"
#include "datastore.h"
#include "util/alloc.h"

#define TAIL_LINES 20

/* Start of the last `n` lines of text[0..len). */
static size_t tail_start(const char *text, size_t len, size_t n)
{
    size_t lines = 0, at = len;
    while (at > 0) {
        if (text[at - 1] == '\n' && at < len && ++lines == n)
            break;
        at--;
    }
    return at;
}

/* The step's own words, "step 'S': why", from the last "error: " line of
 * its stderr; else what the metadata says. */
static char *reason_of(const char *text, const mf_task_info *info)
{
    const char *best = NULL;
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (!strncmp(p, "error: ", 7))
            best = p + 7;
    if (best)
        return mf__strndup(best, strcspn(best, "\n"));
    if (info->timed_out)
        return mf__strdup("timed out");
    if (info->signal > 0)
        return mf__strf("killed by signal %d", info->signal);
    return mf__strf("exit code %d", info->exit_code);
}

/* The failure map of a failed task (the keys a catch_var holds). */
static int failed_map(mf_client *c, const char *flow, const mf_task_info *info, mf_value **out)
{
    char *text = NULL, *reason = NULL;
    size_t len = 0;
    int rc = mf_client_logs(c, flow, info->pathspec, "stderr", info->attempts - 1, &text, &len);
    if (rc)
        return rc;
    mf_value *m = mf_value_map();
    reason = reason_of(text, info);
    size_t from = tail_start(text, len, TAIL_LINES);
    const char *type = info->timed_out ? "timeout" : info->signal > 0 ? "signal" : "exit";
    if (m && reason && !mf_value_map_put(m, "type", mf_value_str(type)) &&
        !mf_value_map_put(m, "reason", mf_value_str(reason)) &&
        !mf_value_map_put(m, "exit_code", mf_value_int(info->exit_code)) &&
        !mf_value_map_put(m, "signal", mf_value_int(info->signal)) &&
        !mf_value_map_put(m, "timed_out", mf_value_bool(info->timed_out)) &&
        !mf_value_map_put(m, "attempt", mf_value_int(info->attempts - 1)) &&
        !mf_value_map_put(m, "stderr", mf_value_strn(text + from, len - from))) {
        *out = m;
        m = NULL;
    } else {
        rc = mf__client_fail(c, MF_ENOMEM, "out of memory");
    }
    mf_value_free(m);
    mf__free(reason);
    mf__free(text);
    return rc;
}

/* The caught failure of a finished task: its catch artifact, or none. */
static int caught_value(mf_client *c, const char *flow, const char *pathspec, mf_value **out)
{
    mf_task *t = NULL;
    int rc = mf_client_task(c, flow, pathspec, &t);
    if (rc)
        return rc;
    const char *name = t->own.caught;
    if (name) {
        const mf_value *v = mf_get(t, name);
        if (!v)
            rc = MF_ECORRUPT; /* the message is the getter's */
        else if (!(*out = mf_value_copy(v)))
            rc = mf__client_fail(c, MF_ENOMEM, "out of memory");
    }
    mf_client_task_close(t);
    return rc;
}

int mf_client_task_exception(mf_client *c, const char *flow, const char *pathspec, mf_value **out)
{
    char run[160], step[160], task[160];
    mf_task_info *infos = NULL;
    const mf_task_info *info = NULL;
    size_t n = 0;
    *out = NULL;
    int rc = mf__pathspec_parse(pathspec ? pathspec : "", true, run, step, task, sizeof(run), c->err,
                                sizeof(c->err));
    if (rc || (rc = mf_client_tasks(c, flow, run, step, &infos, &n)) != 0)
        return rc;
    for (size_t i = 0; i < n && !info; i++)
        if (!strcmp(infos[i].task_id, task))
            info = &infos[i];
    if (!info)
        rc = mf__client_fail(c, MF_ENOENT, "step '%s' of run '%s' of flow '%s' has no task '%s'", step, run, flow,
                             task);
    else if (info->finished)
        rc = caught_value(c, flow, pathspec, out);
    else if (!strcmp(info->status, "failed"))
        rc = failed_map(c, flow, info, out);
    mf_task_info_free(infos, n);
    return rc;
}
