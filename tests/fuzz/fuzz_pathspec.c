/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_pathspec.c - pathspecs typed by users (dump, logs, the client API):
 * whatever is accepted must be plain parts that cannot leave their
 * directory. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char in[512], run[160], step[160], task[160], err[256];
    if (size >= sizeof(in))
        return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    for (int need_task = 0; need_task < 2; need_task++)
        if (mf__pathspec_parse(in, need_task, run, step, task, sizeof(run), err, sizeof(err)) == 0 &&
            (!*run || strchr(run, '/') || strchr(step, '/') || strchr(task, '/') || strstr(in, "..") ||
             (need_task && !*task)))
            abort();
    return 0;
}
