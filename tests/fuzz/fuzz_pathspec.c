/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_pathspec.c - pathspecs typed by users (dump, logs, the client API):
 * whatever is accepted must be plain parts that cannot leave their
 * directory. Artifact paths (mf_read) too: accepted ones are 4 or 5
 * non-empty parts without '/', that join back into the input. */
#include <stdint.h>
#include <stdio.h>
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
    struct mf_art_path p;
    if (mf__art_path_parse(in, &p, err, sizeof(err)) == 0) {
        char joined[6 * MF_ART_PART_MAX];
        snprintf(joined, sizeof(joined), "%s/%s/%s%s%s/%s", p.flow, p.run, p.step, *p.task ? "/" : "", p.task,
                 p.name);
        if (strcmp(joined, in) != 0 || !*p.flow || !*p.run || !*p.step || !*p.name || strchr(p.name, '/'))
            abort();
    }
    return 0;
}
