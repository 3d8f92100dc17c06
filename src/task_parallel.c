/* SPDX-License-Identifier: Apache-2.0 */
/*
 * task_parallel.c - what a task of a gang (mf_step.num_parallel, Metaflow's
 * @parallel) knows of its gang, from its command line alone: its top split
 * frame was pushed by the step that starts the gang, so the frame's index
 * is its rank and its count N; the scheduler gives a gang's N tasks
 * consecutive ids, so rank 0 (the control task) is this id minus the rank.
 * Only the control task's address comes from outside: a cluster executor
 * that places tasks on several nodes exports MF_PARALLEL_MAIN_IP before the
 * task starts (docs/slurm.md); locally every rank runs here, 127.0.0.1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "task_impl.h"

#define LOCAL_IP "127.0.0.1"

/* The top frame, when a gang split pushed it for this very step. */
static int gang_frame(const struct mf_task *t, struct mf_frame *f, bool *found, struct mf_err *err)
{
    size_t rest;
    *found = false;
    int rc = mf__stack_top(t->rs->args->stack, f, &rest, err);
    if (rc == MF_ENOENT)
        return 0;
    if (rc)
        return rc;
    size_t split = mf__graph_find(t->g, f->step);
    if (split == MF_NO_NODE || !mf__gang_width(t->g->nodes[split].step) || t->g->nodes[split].nout != 1 ||
        t->g->nodes[split].out[0] != t->node)
        return 0;
    *found = true;
    return 0;
}

static int export_int(const char *name, int64_t v, struct mf_err *err)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%" PRId64, v);
    return setenv(name, buf, 1) ? mf__err(err, MF_ENOMEM, "cannot set %s: out of memory", name) : 0;
}

int mf__task_gang_setup(struct mf_task *t, struct mf_err *err)
{
    struct mf_frame f;
    bool found;
    const char *ip = getenv("MF_PARALLEL_MAIN_IP");
    t->rs->parallel = (mf_parallel_info){ .num_nodes = 1, .main_ip = LOCAL_IP };
    int rc = gang_frame(t, &f, &found, err);
    if (rc || !found)
        return rc;
    char *end;
    errno = 0;
    uint64_t id = strtoull(t->task_id, &end, 10);
    if (errno || *end || f.index < 0 || f.index >= f.count || (uint64_t)f.index > id)
        return mf__err(err, MF_EINVAL, "task '%s' of the gang started by '%s' has no valid rank (%" PRId64 " of %" PRId64
                       ") for its task id: run it with the split stack the scheduler gave it", t->pathspec, f.step,
                       f.index, f.count);
    snprintf(t->rs->parallel_control, sizeof(t->rs->parallel_control), "%" PRIu64, id - (uint64_t)f.index);
    t->rs->parallel = (mf_parallel_info){ .is_parallel = true, .num_nodes = f.count, .node_index = f.index,
                                          .main_ip = ip && *ip ? ip : LOCAL_IP,
                                          .control_task_id = t->rs->parallel_control };
    rc = export_int("MF_PARALLEL_NUM_NODES", f.count, err);
    if (!rc)
        rc = export_int("MF_PARALLEL_NODE_INDEX", f.index, err);
    if (!rc && t->rs->parallel.main_ip != ip && setenv("MF_PARALLEL_MAIN_IP", LOCAL_IP, 1))
        rc = mf__err(err, MF_ENOMEM, "cannot set MF_PARALLEL_MAIN_IP: out of memory");
    if (!rc && setenv("MF_PARALLEL_CONTROL_TASK_ID", t->rs->parallel_control, 1))
        rc = mf__err(err, MF_ENOMEM, "cannot set MF_PARALLEL_CONTROL_TASK_ID: out of memory");
    return rc;
}

mf_parallel_info mf_current_parallel(mf_task *t)
{
    if (t->readonly || t->root->rs->client || !t->root->rs->args)
        mf__task_die(t, "mf_current_parallel() describes the running task only, not a join input or a client "
                        "handle");
    return t->root->rs->parallel;
}
