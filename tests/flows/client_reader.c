/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_reader.c - for tests/cli/t30_inspect.sh: not a flow but a client,
 * using only the public API to read back every artifact of the latest
 * successful run of FLOW, printing "STEP NAME = JSON" lines (tasks in id
 * order, artifacts in name order), then "param NAME = JSON" for each PARAM
 * as the run's first task sees it.
 *   client_reader ROOT FLOW [PARAM...]
 */
#include <metaflow.h>
#include <stdio.h>
#include <string.h>

/* Prints the artifacts of one task; 1 after printing why it could not. */
static int print_task(mf_client *c, const char *flow, const mf_run_info *run, const mf_task_info *info, int nparams,
                      char **params)
{
    mf_task *t = NULL;
    if (mf_client_task(c, flow, info->pathspec, &t))
        return 1;
    int rc = 0;
    /* The handle names itself as the listing does. */
    if (strcmp(mf_run_id(t), run->run_id) || strcmp(mf_pathspec(t), info->pathspec) ||
        strcmp(mf_step_name(t), info->step) || strcmp(mf_task_id(t), info->task_id) || strcmp(mf_flow_name(t), flow))
    {
        fprintf(stderr, "error: handle of '%s' names itself '%s'\n", info->pathspec, mf_pathspec(t));
        rc = 1;
    }
    char **names = mf_task_artifact_names(t);
    for (size_t k = 0; !rc && names && names[k]; k++) {
        char *json = mf_value_to_json(mf_get(t, names[k]));
        printf("%s %s = %s\n", mf_step_name(t), names[k], json ? json : "?");
        mf_free(json);
    }
    for (int k = 0; !rc && k < nparams; k++) {
        char *json = mf_has(t, params[k]) ? mf_value_to_json(mf_get(t, params[k])) : NULL;
        printf("param %s = %s\n", params[k], json ? json : "(missing)");
        mf_free(json);
    }
    mf_strv_free(names);
    mf_client_task_close(t);
    return rc;
}

int main(int argc, char **argv)
{
    mf_client *c = NULL;
    mf_run_info *run = NULL;
    mf_task_info *tasks = NULL;
    size_t n = 0;
    char err[1024];
    if (argc < 3)
        return fprintf(stderr, "usage: client_reader ROOT FLOW [PARAM...]\n"), 2;
    if (mf_client_open_err(argv[1], &c, err, sizeof(err)))
        return fprintf(stderr, "error: %s\n", err), 1;
    int rc = mf_client_run(c, argv[2], "latest_successful", &run);
    if (!rc)
        rc = mf_client_tasks(c, argv[2], run->run_id, NULL, &tasks, &n);
    for (size_t i = 0; !rc && i < n; i++)
        rc = print_task(c, argv[2], run, &tasks[i], i == 0 ? argc - 3 : 0, argv + 3);
    if (rc)
        fprintf(stderr, "error: %s\n", mf_client_errmsg(c));
    mf_task_info_free(tasks, n);
    mf_run_info_free(run, run ? 1 : 0);
    if (mf_client_close(c))
        return fprintf(stderr, "error: %s\n", mf_client_errmsg(c)), 1;
    return rc ? 1 : 0;
}
