/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_tag.c - `tag` (placeholder until it is written). */
#include "cli.h"

int mf__cmd_tag(struct mf_cli *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return mf__cli_usage_error(c, "'tag' is not implemented yet");
}
