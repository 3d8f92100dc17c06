/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gang_flow.c - for tests/cli/t44_gang.sh and tests/slurm/s60_gang.sh: start
 * opens a gang of --width tasks (mf_step.num_parallel, declared as 3 and
 * changed by MF_TEST_GANG_WIDTH when the program starts, before the graph is
 * built); each rank checks what mf_current_parallel() and its environment
 * say, stores its rank, then meets the others: it writes a file named after
 * its rank in --meet/ATTEMPT and waits until all N are there (up to 120 s),
 * which only happens when all N run at once. Rank --fail_rank fails on
 * attempts below --fail_until, after meeting; the others then sleep, to be
 * stopped, or with --late 1 finish (writing done-RANK first) while the
 * failing rank waits for their done files before it fails. The join sums
 * the ranks and prints what every rank saw.
 */
#include <metaflow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void start(mf_task *t) { mf_set_str(t, "greeting", "hi"); }

/* Waits up to 120 s until the files PREFIX0.. of all ranks but `skip` are in `dir`. */
static bool all_there(const char *dir, const char *prefix, const mf_parallel_info *p, int64_t skip)
{
    char path[4200];
    for (int tries = 0; tries < 1200; tries++) {
        int64_t here = 0;
        for (int64_t r = 0; r < p->num_nodes; r++) {
            snprintf(path, sizeof(path), "%s/%s%lld", dir, prefix, (long long)r);
            here += r == skip || access(path, F_OK) == 0;
        }
        if (here == p->num_nodes)
            return true;
        nanosleep(&(struct timespec){ 0, 100000000L }, NULL);
    }
    return false;
}

static void touch(mf_task *t, const char *dir, const char *prefix, int64_t rank)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s%lld", dir, prefix, (long long)rank);
    FILE *f = fopen(path, "w");
    if (!f)
        mf_fail(t, "cannot create %s", path);
    fclose(f);
}

static void meet(mf_task *t, const mf_parallel_info *p, char *dir, size_t size)
{
    snprintf(dir, size, "%s/%d", mf_get_str(t, "meet"), mf_attempt(t));
    mkdir(mf_get_str(t, "meet"), 0755);
    mkdir(dir, 0755);
    touch(t, dir, "rank-", p->node_index);
    if (!all_there(dir, "rank-", p, -1))
        mf_fail(t, "rank %lld: the other ranks of the gang were not running at the same time", (long long)p->node_index);
}

static void train(mf_task *t)
{
    mf_parallel_info p = mf_current_parallel(t);
    if (!p.is_parallel || p.node_index < 0 || p.node_index >= p.num_nodes || !p.control_task_id)
        mf_fail(t, "not in a gang");
    char want[32];
    snprintf(want, sizeof(want), "%lld", (long long)p.node_index);
    const char *env = getenv("MF_PARALLEL_NODE_INDEX");
    if (!env || strcmp(env, want) != 0)
        mf_fail(t, "MF_PARALLEL_NODE_INDEX is %s, not %s", env ? env : "(unset)", want);
    snprintf(want, sizeof(want), "%lld", (long long)p.num_nodes);
    env = getenv("MF_PARALLEL_NUM_NODES");
    if (!env || strcmp(env, want) != 0)
        mf_fail(t, "MF_PARALLEL_NUM_NODES is %s, not %s", env ? env : "(unset)", want);
    env = getenv("MF_PARALLEL_CONTROL_TASK_ID");
    if (!env || strcmp(env, p.control_task_id) != 0)
        mf_fail(t, "MF_PARALLEL_CONTROL_TASK_ID is %s, not %s", env ? env : "(unset)", p.control_task_id);
    if (p.node_index == 0 && strcmp(p.control_task_id, mf_task_id(t)) != 0)
        mf_fail(t, "rank 0 is task %s but the control task is said to be %s", mf_task_id(t), p.control_task_id);
    mf_set_int(t, "rank", p.node_index);
    mf_set_int(t, "world", p.num_nodes);
    mf_set_str(t, "control", p.control_task_id);
    mf_set_str(t, "main_ip", p.main_ip);
    mf_set_int(t, "attempt_seen", mf_attempt(t));
    char dir[4096];
    meet(t, &p, dir, sizeof(dir));
    bool failing = mf_attempt(t) < mf_get_int(t, "fail_until"), late = mf_get_int(t, "late") != 0;
    if (failing && p.node_index == mf_get_int(t, "fail_rank")) {
        if (late && !all_there(dir, "done-", &p, p.node_index))
            mf_fail(t, "the other ranks did not finish");
        mf_fail(t, "rank %lld fails on attempt %d", (long long)p.node_index, mf_attempt(t));
    }
    if (failing && late)
        touch(t, dir, "done-", p.node_index);
    else if (failing && mf_get_int(t, "fail_rank") >= 0) {
        printf("rank %lld waits to be stopped\n", (long long)p.node_index);
        fflush(stdout);
        sleep(600);
    }
}

static void join(mf_task *t)
{
    int64_t total = 0;
    size_t n = mf_join_count(t);
    for (size_t i = 0; i < n; i++) {
        mf_task *in = mf_join_input(t, i);
        if (mf_get_int(in, "rank") != (int64_t)i)
            mf_fail(t, "input %zu is rank %lld", i, (long long)mf_get_int(in, "rank"));
        total += mf_get_int(in, "rank");
        printf("rank %zu of %lld: control %s, main ip %s, attempt %lld\n", i, (long long)mf_get_int(in, "world"),
               mf_get_str(in, "control"), mf_get_str(in, "main_ip"), (long long)mf_get_int(in, "attempt_seen"));
    }
    mf_set_int(t, "total", total);
    mf_set_int(t, "inputs", (int64_t)n);
    printf("join saw %zu inputs, total %lld\n", n, (long long)total);
}

static void end(mf_task *t) { printf("total is %lld\n", (long long)mf_get_int(t, "total")); }

static mf_step steps[] = {
    { .name = "start", .fn = start, .next = { "train" }, .num_parallel = 3 },
    { .name = "train", .fn = train, .next = { "join" }, .retries = 1 },
    { .name = "join", .fn = join, .next = { "end" }, .join = true },
    { .name = "end", .fn = end },
};

static const mf_param params[] = {
    { .name = "meet", .type = MF_PARAM_STR, .default_value = "meet", .help = "where the ranks meet" },
    { .name = "fail_rank", .type = MF_PARAM_INT, .default_value = "-1", .help = "the rank that fails" },
    { .name = "fail_until", .type = MF_PARAM_INT, .default_value = "0", .help = "it fails on attempts below this" },
    { .name = "late", .type = MF_PARAM_INT, .default_value = "0", .help = "1: it fails after the others finished" },
};

int main(int argc, char **argv)
{
    const char *w = getenv("MF_TEST_GANG_WIDTH");
    if (w && *w)
        steps[0].num_parallel = atoi(w);
    static const mf_flow flow = { .name = "GangFlow", .steps = steps, .nsteps = 4, .params = params, .nparams = 4 };
    return mf_main(&flow, argc, argv);
}
