/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_task_args.c - the split stack and input paths of a task's command
 * line: first byte picks the parser, the rest is the text. */
#include <stdint.h>
#include <string.h>

#include "task.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(void *ctx, const char *step, size_t len, uint64_t id)
{
    (void)step;
    (void)len;
    (void)id;
    return ++*(size_t *)ctx > 100000 ? MF_ERANGE : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = mf__strndup((const char *)data + 1, size - 1);
    if (!text)
        return 0;
    text[strlen(text)] = '\0';
    struct mf_err err = MF_ERR_INIT;
    if (data[0] & 1) {
        size_t n = 0;
        mf__input_paths_each(text, count, &n, &err);
    } else {
        mf__stack_validate(text, &err);
    }
    mf__free(text);
    return 0;
}
