/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_meta.c - what run metadata costs the scheduler: recording a task's
 * start + finish (10,000 tasks, one writer, then 4 writer processes at once),
 * plus opening the database and reading a 10,000-task run back.
 *
 * Usage: bench_meta [DIR]   (DIR: where to make the temporary root; /tmp)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "meta.h"
#include "util/alloc.h"

enum { NTASKS = 10000, NWRITERS = 4 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const struct mf_err *err)
{
    fprintf(stderr, "bench_meta: %s: %s\n", what, err->msg);
    exit(1);
}

static void create_run(struct mf_meta *m, const char *run_id)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta_run r = {0};
    r.flow = (char *)"BenchFlow";
    r.run_id = (char *)run_id;
    r.user = (char *)"bench";
    r.params_json = (char *)"{\"width\":10000}";
    r.start = 1700000000;
    if (mf__meta_run_create(m, &r, &err) < 0)
        die("run_create", &err);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* What the scheduler records per task: start when spawned, finish when
 * reaped. `lat` (when not NULL) receives each task's cost in seconds. */
static void record_tasks(struct mf_meta *m, const char *run_id, int ntasks, double *lat)
{
    struct mf_err err = MF_ERR_INIT;
    char task_id[32], stack[48];
    for (int i = 0; i < ntasks; i++) {
        double t0 = now();
        snprintf(task_id, sizeof(task_id), "%d", i + 2);
        snprintf(stack, sizeof(stack), "%d", i);
        struct mf_meta_task t = {0};
        t.step = (char *)"work";
        t.task_id = task_id;
        t.pid = 100000 + i;
        t.start = 1700000001.0 + i;
        t.exit_code = -1;
        t.stack = stack;
        t.input_paths = (char *)"1/start/1";
        if (mf__meta_task_start(m, "BenchFlow", run_id, &t, &err) < 0)
            die("task_start", &err);
        t.status = (char *)"succeeded";
        t.exit_code = 0;
        t.end = t.start + 0.5;
        if (mf__meta_task_finish(m, "BenchFlow", run_id, &t, &err) < 0)
            die("task_finish", &err);
        if (lat)
            lat[i] = now() - t0;
    }
}

static struct mf_meta *open_root(const char *root)
{
    struct mf_meta *m = NULL;
    struct mf_err err = MF_ERR_INIT;
    if (mf__meta_open(root, false, &m, &err) < 0)
        die("open", &err);
    return m;
}

static void bench_one_writer(const char *root)
{
    double t0 = now();
    struct mf_meta *m = open_root(root);
    double t1 = now();
    create_run(m, "1");
    static double lat[NTASKS];
    double t2 = now();
    record_tasks(m, "1", NTASKS, lat);
    double t3 = now();
    qsort(lat, NTASKS, sizeof(lat[0]), cmp_double);
    printf("open (create + migrate):             %8.1f us\n", (t1 - t0) * 1e6);
    printf("run create:                          %8.1f us\n", (t2 - t1) * 1e6);
    printf("task start + finish, 1 writer:       %8.1f us/task (%d tasks, %.2f s)\n", (t3 - t2) * 1e6 / NTASKS,
           NTASKS, t3 - t2);
    int over_1ms = 0;
    for (int i = 0; i < NTASKS; i++)
        over_1ms += lat[i] > 1e-3;
    printf("  per task: median %.1f us, p99 %.1f us, max %.1f us; %d tasks over 1 ms (WAL checkpoints)\n",
           lat[NTASKS / 2] * 1e6, lat[NTASKS * 99 / 100] * 1e6, lat[NTASKS - 1] * 1e6, over_1ms);
    mf__meta_close(m);

    t0 = now();
    m = open_root(root);
    t1 = now();
    struct mf_meta_task *tasks = NULL;
    size_t n = 0;
    struct mf_err err = MF_ERR_INIT;
    if (mf__meta_tasks(m, "BenchFlow", "1", NULL, &tasks, &n, &err) < 0)
        die("tasks", &err);
    t2 = now();
    printf("open (existing):                     %8.1f us\n", (t1 - t0) * 1e6);
    printf("read all %zu attempts of a run:    %8.1f ms\n", n, (t2 - t1) * 1e3);
    for (size_t i = 0; i < n; i++)
        mf__meta_task_release(&tasks[i]);
    mf__free(tasks);
    mf__meta_close(m);
}

/* NWRITERS processes, each its own run of NTASKS / NWRITERS tasks at once:
 * the figure is wall time over all tasks, and each writer's own cost. */
static void bench_writers(const char *root)
{
    int per = NTASKS / NWRITERS;
    mf__meta_close(open_root(root));
    double t0 = now();
    for (int w = 0; w < NWRITERS; w++) {
        fflush(NULL);
        if (fork() == 0) {
            char run_id[16];
            snprintf(run_id, sizeof(run_id), "%d", 100 + w);
            struct mf_meta *m = open_root(root);
            create_run(m, run_id);
            record_tasks(m, run_id, per, NULL);
            mf__meta_close(m);
            _exit(0);
        }
    }
    int st, bad = 0;
    while (wait(&st) > 0)
        bad += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    double t1 = now();
    if (bad) {
        fprintf(stderr, "bench_meta: %d writers failed\n", bad);
        exit(1);
    }
    printf("task start + finish, %d writers:     %8.1f us/task wall (%d tasks, %.2f s; %.1f us/task per writer)\n",
           NWRITERS, (t1 - t0) * 1e6 / NTASKS, per * NWRITERS, t1 - t0, (t1 - t0) * 1e6 / per);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    char root[4096], root2[4200], cmd[4200];
    snprintf(root, sizeof(root), "%s/mf_bench_meta_XXXXXX", dir);
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(root2, sizeof(root2), "%s/concurrent", root);
    bench_one_writer(root);
    bench_writers(root2);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_meta: could not remove '%s'\n", root);
    return 0;
}
