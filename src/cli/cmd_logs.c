/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_logs.c - `logs` (placeholder until it is written). */
#include "cli.h"

int mf__cmd_logs(struct mf_cli *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return mf__cli_usage_error(c, "'logs' is not implemented yet");
}
