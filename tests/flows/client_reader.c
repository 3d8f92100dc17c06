/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_reader.c - for tests/cli/t30_inspect.sh: not a flow but a client,
 * using only the public API to read back every artifact of the latest run
 * of the flow named on the command line, printing "STEP NAME = JSON" lines
 * (tasks in id order, artifacts in name order).
 *   client_reader ROOT FLOW
 */
#include <metaflow.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    mf_client *c = NULL;
    mf_run_info *run = NULL;
    mf_task_info *tasks = NULL;
    size_t n = 0;
    char err[1024];
    if (argc != 3)
        return fprintf(stderr, "usage: client_reader ROOT FLOW\n"), 2;
    if (mf_client_open_err(argv[1], &c, err, sizeof(err)))
        return fprintf(stderr, "error: %s\n", err), 1;
    int rc = mf_client_run(c, argv[2], "latest_successful", &run);
    if (!rc)
        rc = mf_client_tasks(c, argv[2], run->run_id, NULL, &tasks, &n);
    for (size_t i = 0; !rc && i < n; i++) {
        mf_task *t = NULL;
        if ((rc = mf_client_task(c, argv[2], tasks[i].pathspec, &t)) != 0)
            break;
        char **names = mf_task_artifact_names(t);
        for (size_t k = 0; names && names[k]; k++) {
            char *json = mf_value_to_json(mf_get(t, names[k]));
            printf("%s %s = %s\n", mf_step_name(t), names[k], json ? json : "?");
            mf_free(json);
        }
        mf_strv_free(names);
        mf_client_task_close(t);
    }
    if (rc)
        fprintf(stderr, "error: %s\n", mf_client_errmsg(c));
    mf_task_info_free(tasks, n);
    mf_run_info_free(run, run ? 1 : 0);
    mf_client_close(c);
    return rc ? 1 : 0;
}
