/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_json.c - JSON text -> value -> JSON -> value must give the same value,
 * and dumping that value again the same text (the dumper is deterministic). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util/alloc.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_buf first = MF_BUF_INIT, second = MF_BUF_INIT;
    mf_value *v1 = NULL, *v2 = NULL;
    char *text = mf__strndup((const char *)data, size);
    if (!text)
        return 0;
    if (mf__json_parse(text, &v1, &err) < 0)
        goto out;
    if (mf__json_dump(v1, &first) < 0)
        abort(); /* whatever parses is shallow enough to dump */
    if (mf__json_parse(first.buf, &v2, &err) < 0 || !mf_value_equal(v1, v2))
        abort();
    if (mf__json_dump(v2, &second) < 0 || strcmp(first.buf, second.buf) != 0)
        abort();
out:
    mf_value_free(v1);
    mf_value_free(v2);
    mf__buf_release(&first);
    mf__buf_release(&second);
    mf__free(text);
    return 0;
}
