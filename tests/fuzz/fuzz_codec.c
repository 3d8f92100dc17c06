/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_codec.c - decodes untrusted bytes; whatever decodes must be canonical:
 * re-encoding gives back the input bytes, and decodes to an equal value.
 * Decoding one list item (mf__value_decode_item) never crashes on any input,
 * and on a list that decodes whole gives exactly that list's items. */
#include <stdbool.h>
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

/* `whole`: the input's full decoding, or NULL when it did not decode. */
static void check_items(const uint8_t *data, size_t size, const mf_value *whole)
{
    struct mf_err err = MF_ERR_INIT;
    bool list = whole && mf_value_type(whole) == MF_LIST;
    size_t n = list ? mf_value_len(whole) : 0;
    size_t probes[] = { 0, 1, n / 2, n ? n - 1 : 0, n, n + 1, size };
    for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++) {
        mf_value *item = NULL;
        int rc = mf__value_decode_item(data, size, probes[k], &item, &err);
        if (rc && item)
            abort();
        if (!whole) {
            if (rc != 0 && rc != MF_EPARSE && rc != MF_ETYPE && rc != MF_ERANGE && rc != MF_ENOMEM)
                abort();
        } else if (!list) {
            if (rc != MF_ETYPE)
                abort();
        } else if (probes[k] < n) {
            if (rc == MF_ENOMEM)
                continue;
            if (rc || !mf_value_equal(item, mf_value_at(whole, probes[k])))
                abort();
        } else if (rc != MF_ERANGE) {
            abort();
        }
        mf_value_free(item);
    }
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
        check_items(data, size, NULL);
        return 0;
    }
    check_items(data, size, v);
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
