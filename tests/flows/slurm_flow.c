/* SPDX-License-Identifier: Apache-2.0 */
/*
 * slurm_flow.c - for tests/slurm/s*.sh: start -> work (a foreach over 3
 * items: one job array) -> join -> end, where `work` declares resources
 * (100 MiB, a 1-minute time limit) and does what the `--mode` parameter says:
 * ok; failonce (exit code 3 unless the file `allow` exists in the working
 * directory, so a resume can succeed); failone (item 0 exits 3, the others
 * sleep); sleep (for ever: Slurm's time limit, a cancel or an interrupt ends
 * it); oom (touches 400 MiB, over its --mem); env (prints SLURM_JOB_ID and
 * SLURM_STEP_ID).
 */
#include <metaflow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void start(mf_task *t)
{
    mf_value *items = mf_value_list();
    for (int i = 0; i < 3; i++)
        mf_value_list_push(items, mf_value_int(i));
    mf_set(t, "items", items);
}

static void work(mf_task *t)
{
    const char *mode = mf_get_str(t, "mode");
    printf("work: mode %s\n", mode);
    fflush(stdout);
    if (!strcmp(mode, "failonce") && access("allow", F_OK) != 0) {
        fprintf(stderr, "work: failing with exit code 3 (no file 'allow')\n");
        exit(3);
    }
    if (!strcmp(mode, "failone") && mf_index(t) == 0) {
        fprintf(stderr, "work: item 0 fails with exit code 3\n");
        exit(3);
    }
    if (!strcmp(mode, "sleep") || !strcmp(mode, "failone"))
        for (;;)
            sleep(1);
    if (!strcmp(mode, "oom")) {
        size_t n = (size_t)400 << 20;
        char *p = malloc(n);
        if (!p)
            mf_fail(t, "malloc failed");
        memset(p, 1, n);
        unsigned long sum = 0; /* read back, so the compiler cannot drop the memory */
        for (size_t i = 0; i < n; i += 4096)
            sum += (unsigned char)((volatile char *)p)[i];
        printf("work: touched %zu bytes (%lu pages)\n", n, sum);
        free(p);
    }
    if (!strcmp(mode, "env")) {
        const char *job = getenv("SLURM_JOB_ID"), *step = getenv("SLURM_STEP_ID");
        printf("work: job %s step %s\n", job ? job : "-", step ? step : "-");
    }
    mf_set_int(t, "worked", 1);
}

static void join(mf_task *t)
{
    int64_t worked = 0;
    for (size_t i = 0; i < mf_join_count(t); i++)
        worked += mf_get_int(mf_join_input(t, i), "worked");
    mf_set_int(t, "worked", worked);
}

static void end(mf_task *t) { printf("end: worked %lld\n", (long long)mf_get_int(t, "worked")); }

static const mf_step steps[] = {
    { .name = "start", .fn = start, .next = { "work" }, .foreach = "items" },
    { .name = "work", .fn = work, .next = { "join" }, .memory_mb = 100, .time_limit = 60 },
    { .name = "join", .fn = join, .next = { "end" }, .join = true },
    { .name = "end", .fn = end },
};

static const mf_param params[] = {
    { .name = "mode", .type = MF_PARAM_STR, .default_value = "ok", .help = "ok, failonce, failone, sleep, oom or env" },
};

int main(int argc, char **argv)
{
    static const mf_flow flow = { .name = "SlurmFlow", .steps = steps, .nsteps = 4, .params = params, .nparams = 1 };
    return mf_main(&flow, argc, argv);
}
