/* SPDX-License-Identifier: Apache-2.0 */
/*
 * current_reader.c - for tests/cli/t90_current.sh: not a flow but a client.
 * Opens one finished task and prints what Metaflow's `current` held in it,
 * in current_flow's words, so the test can compare the two:
 *   current_reader ROOT FLOW RUN/STEP/TASK
 */
#include <inttypes.h>
#include <metaflow.h>
#include <stdio.h>

static void print_strv(const char *what, const char *const *v)
{
    printf("%s:", what);
    for (size_t i = 0; v && v[i]; i++)
        printf(" <%s>", v[i]);
    printf("\n");
}

int main(int argc, char **argv)
{
    mf_client *c = NULL;
    mf_task *t = NULL;
    char err[512];
    if (argc != 4) {
        fprintf(stderr, "usage: current_reader ROOT FLOW RUN/STEP/TASK\n");
        return 2;
    }
    if (mf_client_open_err(argv[1], &c, err, sizeof(err))) {
        fprintf(stderr, "error: %s\n", err);
        return 1;
    }
    if (mf_client_task(c, argv[2], argv[3], &t)) {
        fprintf(stderr, "error: %s\n", mf_client_errmsg(c));
        mf_client_close(c);
        return 1;
    }
    const char *origin = mf_origin_run_id(t);
    printf("user: %s\n", mf_username(t));
    printf("namespace: %s\n", mf_namespace(t));
    printf("origin: %s\n", origin ? origin : "(none)");
    print_strv("tags", mf_run_tags(t));
    print_strv("params", mf_parameter_names(t));
    const mf_foreach_frame *f = NULL;
    size_t n = mf_foreach_stack(t, &f);
    printf("stack %s %s:", mf_step_name(t), mf_task_id(t));
    for (size_t i = 0; i < n; i++)
        printf(" %s[%" PRId64 "/%" PRId64 "]", f[i].step, f[i].index, f[i].width);
    printf("\n");
    mf_client_task_close(t);
    mf_client_close(c);
    return 0;
}
