/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stop_flow.c - for tests/faults/f6*_*.sh: a foreach whose tasks are hard to
 * stop. Each `work` task (MF_STOP_MODE):
 *   hang    ignores SIGTERM, starts a grandchild in its process group that
 *           ignores SIGTERM too, and waits for ever
 *   tmp     leaves temporary files as a task killed mid-write would (an
 *           object's and its index's "NAME.tmp-PID-NONCE"), then hangs the
 *           same way
 *   fail    starts a grandchild that ignores SIGTERM, then fails
 *   (unset) finishes at once
 * Each writes its pid and its grandchild's to $MF_STOP_DIR/pids.ITEM and
 * creates $MF_STOP_DIR/ready.ITEM when set up, so a test knows when to
 * strike and what must be gone afterwards.
 */
#include <metaflow.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void start(mf_task *t)
{
    const char *w = getenv("MF_STOP_WIDTH");
    int64_t width = w ? atoi(w) : 3;
    mf_value *items = mf_value_list();
    for (int64_t i = 0; i < width; i++)
        mf_value_list_push(items, mf_value_int(i));
    mf_set(t, "items", items);
}

static void note(const char *name, int64_t item, const char *text)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s.%lld", getenv("MF_STOP_DIR") ? getenv("MF_STOP_DIR") : ".", name,
             (long long)item);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
}

/* A grandchild in the task's process group that SIGTERM does not stop. */
static pid_t stubborn_child(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGTERM, SIG_IGN);
        for (;;)
            pause();
    }
    return pid;
}

static void leave_temps(mf_task *t)
{
    char path[4096];
    mkdir(".metaflow/objects", 0777);
    mkdir(".metaflow/objects/zz", 0777);
    snprintf(path, sizeof(path), ".metaflow/objects/zz/%s%s.tmp-%ld-1", mf_step_name(t), mf_task_id(t),
             (long)getpid());
    touch(path);
    snprintf(path, sizeof(path), ".metaflow/%s/%s/%s/%s", mf_flow_name(t), mf_run_id(t), mf_step_name(t),
             mf_task_id(t));
    mkdir(path, 0777);
    strncat(path, "/index.tmp-", sizeof(path) - strlen(path) - 1);
    snprintf(path + strlen(path), sizeof(path) - strlen(path), "%ld-2", (long)getpid());
    touch(path);
}

static void work(mf_task *t)
{
    const char *mode = getenv("MF_STOP_MODE");
    int64_t item = mf_input_int(t);
    mf_set_int(t, "item", item);
    if (!mode || !*mode)
        return;
    signal(SIGTERM, SIG_IGN);
    pid_t kid = stubborn_child();
    char pids[64];
    snprintf(pids, sizeof(pids), "%ld %ld\n", (long)getpid(), (long)kid);
    note("pids", item, pids);
    if (!strcmp(mode, "tmp"))
        leave_temps(t);
    note("ready", item, "");
    printf("work %lld: set up (%s)\n", (long long)item, mode);
    fflush(stdout);
    if (!strcmp(mode, "fail"))
        mf_fail(t, "failing on purpose, child %ld left behind", (long)kid);
    for (;;)
        pause();
}

static void join(mf_task *t) { mf_set_int(t, "n", (int64_t)mf_join_count(t)); }

static void end(mf_task *t) { printf("end: %lld items\n", (long long)mf_get_int(t, "n")); }

static const mf_step steps[] = {
    { .name = "start", .fn = start, .next = { "work" }, .foreach = "items" },
    { .name = "work", .fn = work, .next = { "join" } },
    { .name = "join", .fn = join, .next = { "end" }, .join = true },
    { .name = "end", .fn = end },
};

static const mf_flow flow = {
    .name = "StopFlow",
    .doc = "Tasks that ignore SIGTERM, leave children and temporary files.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
};

int main(int argc, char **argv) { return mf_main(&flow, argc, argv); }
