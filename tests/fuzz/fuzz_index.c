/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_index.c - decodes untrusted task index bytes; whatever decodes must
 * hold the invariants readers rely on, and re-encode to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datastore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_invariants(const struct mf_index *ix)
{
    if (!ix->stack || ix->attempt < 0 || ix->num_splits < -1)
        abort();
    for (size_t i = 0; i < ix->n; i++) {
        const struct mf_artifact *a = &ix->arts[i];
        if (!a->name || !*a->name || !mf__is_hash_hex(a->hash) || a->size == 0)
            abort();
        if (i && strcmp(ix->arts[i - 1].name, a->name) >= 0)
            abort(); /* sorted and unique */
        if (a->inline_data) {
            char hex[MF_HASH_HEX_LEN + 1];
            if (a->size > MF_INLINE_MAX)
                abort();
            mf__sha256_hex(a->inline_data, (size_t)a->size, hex);
            if (strcmp(hex, a->hash) != 0)
                abort();
        }
        if (mf__index_find(ix, a->name) != a)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mf_index ix;
    struct mf_err err = MF_ERR_INIT;
    if (mf__index_decode(data, size, &ix, &err) != 0) {
        if (ix.n != 0 || ix.arts || ix.stack || err.msg[0] == '\0')
            abort(); /* a failed decode leaves an empty index and says why */
        return 0;
    }
    check_invariants(&ix);
    struct mf_buf enc = MF_BUF_INIT;
    if (mf__index_encode(&ix, &enc, NULL) != 0 || enc.len != size || memcmp(enc.buf, data, size) != 0)
        abort(); /* the codec is canonical, so a valid index has one encoding */
    mf__buf_release(&enc);
    mf__index_release(&ix);
    return 0;
}
