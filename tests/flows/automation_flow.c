/* SPDX-License-Identifier: Apache-2.0 */
/*
 * automation_flow.c - for t82_automation: parameters a script sets - an int
 * (also from METAFLOW_RUN_COUNT), a list split at ',', a text file and a
 * binary file whose contents become artifacts.
 *
 *   start -> end
 */
#include <metaflow.h>
#include <stdio.h>

static void start(mf_task *t)
{
    printf("count=%lld\n", (long long)mf_get_int(t, "count"));
    if (mf_value_type(mf_get(t, "config")) == MF_STR)
        printf("config=%s\n", mf_get_str(t, "config"));
}

static void end(mf_task *t) { (void)t; }

static const mf_step steps[] = {
    { .name = "start", .fn = start, .next = { "end" } },
    { .name = "end", .fn = end },
};

static const mf_param params[] = {
    { .name = "count", .type = MF_PARAM_INT, .default_value = "1", .help = "How many" },
    { .name = "names", .type = MF_PARAM_STR, .default_value = "x", .help = "Names", .separator = "," },
    { .name = "config", .type = MF_PARAM_FILE, .help = "A text file" },
    { .name = "blob", .type = MF_PARAM_FILE, .help = "A binary file", .binary = true },
};

int main(int argc, char **argv)
{
    static const mf_flow flow = { .name = "AutomationFlow", .steps = steps, .nsteps = 2, .params = params,
                                  .nparams = 4 };
    return mf_main(&flow, argc, argv);
}
