/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_dump.c - `dump` (placeholder until it is written). */
#include "cli.h"

int mf__cmd_dump(struct mf_cli *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return mf__cli_usage_error(c, "'dump' is not implemented yet");
}
