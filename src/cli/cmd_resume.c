/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_resume.c - `resume` (placeholder until it is written). */
#include "cli.h"

int mf__cmd_resume(struct mf_cli *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return mf__cli_usage_error(c, "'resume' is not implemented yet");
}
