/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_clones.c - one line of a run's clone log (RUN/_clones), which
 * `metadata rebuild` puts back into the database: whatever is accepted names
 * a task and an origin made only of the characters the scheduler writes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "run_clones.h"
#include "fuzz_text.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void only(const char *s, const char *allowed)
{
    if (!s || !*s || strspn(s, allowed) != strlen(s))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = fuzz_text(data, size);
    if (!line)
        return 0;
    struct mf_clone_line c;
    if (mf__run_clones_parse_line(line, &c) == 0) {
        only(c.step, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
        only(c.task_id, "0123456789");
        only(c.origin, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/");
        if (c.memo_key && strlen(c.memo_key) != 64)
            abort();
    }
    mf__free(line);
    return 0;
}
