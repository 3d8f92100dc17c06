/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_runs.c - `runs` (placeholder until it is written). */
#include "cli.h"

int mf__cmd_runs(struct mf_cli *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return mf__cli_usage_error(c, "'runs' is not implemented yet");
}
