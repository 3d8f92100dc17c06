/* SPDX-License-Identifier: Apache-2.0 */
/*
 * one_line_reader.c - for tests/cli/t31_read_one.sh and docs/client.md: not
 * a flow but a client, reading with the one-call API.
 *   one_line_reader ROOT PATH                 the artifact at PATH as JSON
 *   one_line_reader --double ROOT PATH        mf_read_double(): the number, or the error
 *   one_line_reader --index ROOT FLOW TASK    mf_index() of a task handle ("RUN/STEP/TASK")
 * Errors print "error: MESSAGE (CODE)" and exit 1.
 */
#include <inttypes.h>
#include <metaflow.h>
#include <stdio.h>
#include <string.h>

static int index_of(const char *root, const char *flow, const char *pathspec)
{
    mf_client *c = NULL;
    mf_task *t = NULL;
    char err[1024];
    if (mf_client_open_err(root, &c, err, sizeof(err)))
        return fprintf(stderr, "error: %s\n", err), 1;
    int rc = mf_client_task(c, flow, pathspec, &t);
    int64_t index = rc ? -1 : mf_index(t);
    if (rc || index < 0)
        fprintf(stderr, "error: %s\n", mf_client_errmsg(c));
    else
        printf("%" PRId64 "\n", index);
    mf_client_task_close(t);
    mf_client_close(c);
    return rc || index < 0;
}

int main(int argc, char **argv)
{
    char err[1024];
    if (argc == 5 && !strcmp(argv[1], "--index"))
        return index_of(argv[2], argv[3], argv[4]);
    if (argc == 4 && !strcmp(argv[1], "--double")) {
        double d = 0;
        int rc = mf_read_double(argv[2], argv[3], &d, err, sizeof(err));
        if (rc)
            return fprintf(stderr, "error: %s (%s)\n", err, mf_strerror(rc)), 1;
        return printf("%.17g\n", d), 0;
    }
    if (argc != 3)
        return fprintf(stderr, "usage: one_line_reader [--double] ROOT PATH | --index ROOT FLOW RUN/STEP/TASK\n"), 2;
    mf_value *v = NULL;
    int rc = mf_read(argv[1], argv[2], &v, err, sizeof(err));
    if (rc)
        return fprintf(stderr, "error: %s (%s)\n", err, mf_strerror(rc)), 1;
    char *json = mf_value_to_json(v);
    printf("%s\n", json ? json : "(out of memory)");
    mf_free(json);
    mf_value_free(v);
    return json ? 0 : 1;
}
