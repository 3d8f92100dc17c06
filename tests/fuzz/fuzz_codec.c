/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_codec.c - decodes untrusted bytes; whatever decodes must be canonical:
 * re-encoding gives back the input bytes, and decodes to an equal value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void release_copy(void *base, size_t len)
{
    (void)len;
    mf__free(base);
}

/* Decodes again from a blob-owned copy, whose aligned payloads are
 * referenced rather than copied; the result must not differ. */
static void check_blob_decode(const uint8_t *data, size_t size, const mf_value *expected)
{
    uint8_t *copy = mf__malloc(size);
    if (!copy)
        return;
    memcpy(copy, data, size);
    struct mf_blob *blob = mf__blob_new(copy, size, release_copy);
    if (!blob) {
        mf__free(copy);
        return;
    }
    mf_value *v = NULL;
    if (mf__value_decode(copy, size, blob, &v, NULL) != 0 || !mf_value_equal(v, expected))
        abort();
    mf__blob_unref(blob); /* v keeps the bytes alive */
    if (!mf_value_equal(v, expected))
        abort();
    mf_value_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mf_err err = MF_ERR_INIT;
    mf_value *v = NULL, *again = NULL;
    struct mf_buf out = MF_BUF_INIT;
    int rc = mf__value_decode(data, size, NULL, &v, &err);
    if (rc) {
        if (rc != MF_EPARSE && rc != MF_ENOMEM)
            abort();
        if (v || !err.msg[0] || !strstr(err.msg, "offset"))
            abort();
        return 0;
    }
    if (mf__value_encode_buf(v, &out, &err) != 0)
        abort();
    if (out.len != size || memcmp(out.buf, data, size) != 0)
        abort(); /* accepted input that is not in canonical form */
    if (mf__value_decode(out.buf, out.len, NULL, &again, &err) != 0 || !mf_value_equal(v, again))
        abort();
    check_blob_decode(data, size, v);
    mf_value_free(again);
    mf_value_free(v);
    mf__buf_release(&out);
    return 0;
}
