/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chunk.c - large lists stored in chunks, so that a foreach task reads and
 * verifies only the chunk holding its item instead of the whole list
 * (issue 14; docs/format.md "Chunked lists").
 *
 * A list whose encoding is over MF_CHUNK_TARGET bytes, and none of whose
 * items alone is, is cut into consecutive runs of items ("chunks"), each
 * closed as soon as its items' encodings reach MF_CHUNK_TARGET bytes. Each
 * chunk is stored as an ordinary object (a list of its items); a manifest
 * value {"ends": i64 array, "hashes": bytes} lists the cumulative item count
 * after each chunk and the chunk objects' SHA-256 digests, and the artifact
 * record names the manifest. The chunk hashes are thus bound into the
 * artifact's own hash (Merkle style): a verified manifest plus a verified
 * chunk is a verified item. The cut depends only on the value, so equal
 * lists still have equal hashes.
 */
#include <stdint.h>
#include <string.h>

#include "cas.h"
#include "chunk.h"
#include "codec.h"
#include "util/alloc.h"

static int count_sink(void *ctx, const void *data, size_t len)
{
    (void)data;
    *(uint64_t *)ctx += len;
    return 0;
}

static int buf_sink(void *ctx, const void *data, size_t len)
{
    return mf__buf_add(ctx, data, len) ? MF_ENOMEM : 0;
}

bool mf__chunk_wanted(const mf_value *v)
{
    if (mf_value_type(v) != MF_LIST || mf_value_len(v) < 2)
        return false;
    uint64_t total = 0;
    for (size_t i = 0; i < mf_value_len(v); i++) {
        uint64_t one = 0;
        struct mf_err ignored = MF_ERR_INIT;
        if (mf__value_encode(mf_value_at(v, i), count_sink, &one, &ignored) || one > MF_CHUNK_TARGET)
            return false;
        total += one;
    }
    return total > MF_CHUNK_TARGET;
}

/* A CBOR list head (major type 4) of `n` items, shortest form. */
static int list_head(struct mf_buf *b, uint64_t n)
{
    unsigned char h[9];
    size_t len;
    if (n < 24) {
        h[0] = (unsigned char)(0x80 | n);
        len = 1;
    } else {
        int bytes = n <= 0xff ? 1 : n <= 0xffff ? 2 : n <= 0xffffffffu ? 4 : 8;
        h[0] = (unsigned char)(0x80 | (bytes == 1 ? 24 : bytes == 2 ? 25 : bytes == 4 ? 26 : 27));
        for (int i = 0; i < bytes; i++)
            h[1 + i] = (unsigned char)(n >> (8 * (bytes - 1 - i)));
        len = 1 + (size_t)bytes;
    }
    return mf__buf_add(b, h, len) ? MF_ENOMEM : 0;
}

static int hex_digit(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

/* Stores the chunk of `count` items whose encodings are `body`; appends its
 * digest to `hashes`. */
static int put_chunk(struct mf_cas *cas, const struct mf_buf *body, uint64_t count, struct mf_buf *hashes,
                     struct mf_err *err)
{
    struct mf_buf enc = MF_BUF_INIT;
    mf_value *chunk = NULL;
    char hex[MF_HASH_HEX_LEN + 1];
    unsigned char digest[MF_HASH_LEN];
    int rc = list_head(&enc, count);
    if (!rc && mf__buf_add(&enc, body->buf, body->len))
        rc = MF_ENOMEM;
    if (rc) {
        rc = mf__err(err, MF_ENOMEM, "out of memory cutting a list into chunks");
        goto out;
    }
    if ((rc = mf__value_decode(enc.buf, enc.len, NULL, &chunk, err)) ||
        (rc = mf__cas_put_raw(cas, chunk, hex, NULL, err)))
        goto out;
    for (size_t i = 0; i < MF_HASH_LEN; i++)
        digest[i] = (unsigned char)(hex_digit(hex[2 * i]) << 4 | hex_digit(hex[2 * i + 1]));
    if (mf__buf_add(hashes, digest, sizeof(digest)))
        rc = mf__err(err, MF_ENOMEM, "out of memory cutting a list into chunks");
out:
    mf_value_free(chunk);
    mf__buf_release(&enc);
    return rc;
}

/* The manifest value of `n` chunks. */
static int manifest_value(const struct mf_buf *hashes, const int64_t *ends, size_t n, mf_value **out,
                          struct mf_err *err)
{
    mf_value *m = mf_value_map();
    int rc = m ? mf_value_map_put(m, "ends", mf_value_array(MF_I64S, ends, n)) : MF_ENOMEM;
    if (!rc)
        rc = mf_value_map_put(m, "hashes", mf_value_bytes(hashes->buf, hashes->len));
    if (rc) {
        mf_value_free(m);
        return mf__err(err, MF_ENOMEM, "out of memory cutting a list into chunks");
    }
    *out = m;
    return 0;
}

int mf__chunk_store(struct mf_cas *cas, const mf_value *list, mf_value **manifest, uint32_t *nchunks,
                    struct mf_err *err)
{
    struct mf_buf body = MF_BUF_INIT, hashes = MF_BUF_INIT;
    int64_t *ends = NULL;
    size_t n = mf_value_len(list), nends = 0;
    uint64_t count = 0;
    int rc = 0;
    *manifest = NULL;
    if (!(ends = mf__calloc(n ? n : 1, sizeof(*ends)))) {
        rc = mf__err(err, MF_ENOMEM, "out of memory cutting a list into chunks");
        goto out;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        if ((rc = mf__value_encode(mf_value_at(list, i), buf_sink, &body, err)))
            goto out;
        count++;
        if (body.len < MF_CHUNK_TARGET && i + 1 < n)
            continue;
        rc = put_chunk(cas, &body, count, &hashes, err);
        ends[nends++] = (int64_t)i + 1;
        mf__buf_reset(&body);
        count = 0;
    }
    if (!rc && nends > UINT32_MAX)
        rc = mf__err(err, MF_ERANGE, "a list of %zu chunks is too long", nends);
    if (!rc && !(rc = manifest_value(&hashes, ends, nends, manifest, err)))
        *nchunks = (uint32_t)nends;
out:
    mf__free(ends);
    mf__buf_release(&body);
    mf__buf_release(&hashes);
    return rc;
}

/* The manifest's fields, checked against the record: `n` chunks, ends
 * strictly increasing from at least 1. */
static int manifest_fields(const mf_value *m, uint32_t n, const char *name, const int64_t **ends,
                           const unsigned char **hashes, struct mf_err *err)
{
    const void *e = NULL, *h = NULL;
    size_t ne = 0, nh = 0;
    bool ok = mf_value_type(m) == MF_MAP && mf_value_len(m) == 2 &&
              !mf_value_get_array(mf_value_key(m, "ends"), MF_I64S, &e, &ne) &&
              !mf_value_get_bytes(mf_value_key(m, "hashes"), &h, &nh) && ne == n && nh == (size_t)n * MF_HASH_LEN;
    for (size_t i = 0; ok && i < ne; i++)
        ok = ((const int64_t *)e)[i] > (i ? ((const int64_t *)e)[i - 1] : 0);
    if (!ok)
        return mf__err(err, MF_ECORRUPT, "artifact '%s' is corrupt: its chunk manifest is not one of %u chunks; re-run "
                       "the task that wrote it", name, (unsigned)n);
    *ends = e;
    *hashes = h;
    return 0;
}

static void digest_hex(const unsigned char *d, char hex[MF_HASH_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < MF_HASH_LEN; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[MF_HASH_HEX_LEN] = '\0';
}

/* Chunk `c` of the manifest, checked to hold exactly its items. */
static int get_chunk(struct mf_cas *cas, const char *name, const int64_t *ends, const unsigned char *hashes,
                     size_t c, mf_value **out, struct mf_err *err)
{
    char hex[MF_HASH_HEX_LEN + 1];
    digest_hex(hashes + c * MF_HASH_LEN, hex);
    int rc = mf__cas_get(cas, hex, out, err);
    if (rc)
        return rc;
    uint64_t want = (uint64_t)(ends[c] - (c ? ends[c - 1] : 0));
    if (mf_value_type(*out) != MF_LIST || mf_value_len(*out) != want) {
        mf_value_free(*out);
        *out = NULL;
        return mf__err(err, MF_ECORRUPT, "artifact '%s' is corrupt: chunk %zu (object %s) is not a list of %llu items; "
                       "re-run the task that wrote it", name, c, hex, (unsigned long long)want);
    }
    return 0;
}

int mf__chunk_load(struct mf_cas *cas, const char *name, const mf_value *manifest, uint32_t n, mf_value **out,
                   struct mf_err *err)
{
    const int64_t *ends;
    const unsigned char *hashes;
    mf_value *list = NULL, *chunk = NULL;
    int rc = manifest_fields(manifest, n, name, &ends, &hashes, err);
    *out = NULL;
    if (!rc && !(list = mf_value_list()))
        rc = mf__err(err, MF_ENOMEM, "out of memory loading artifact '%s'", name);
    for (size_t c = 0; c < n && !rc; c++) {
        if ((rc = get_chunk(cas, name, ends, hashes, c, &chunk, err)))
            break;
        for (size_t i = 0; i < mf_value_len(chunk) && !rc; i++)
            if (mf_value_list_push(list, mf_value_copy(mf_value_at(chunk, i))))
                rc = mf__err(err, MF_ENOMEM, "out of memory loading artifact '%s'", name);
        mf_value_free(chunk);
        chunk = NULL;
    }
    if (rc)
        mf_value_free(list);
    else
        *out = list;
    return rc;
}

int mf__chunk_load_item(struct mf_cas *cas, const char *name, const mf_value *manifest, uint32_t n, size_t index,
                        mf_value **out, struct mf_err *err)
{
    const int64_t *ends;
    const unsigned char *hashes;
    char hex[MF_HASH_HEX_LEN + 1];
    *out = NULL;
    int rc = manifest_fields(manifest, n, name, &ends, &hashes, err);
    if (rc)
        return rc;
    if ((uint64_t)index >= (uint64_t)ends[n - 1])
        return mf__err(err, MF_ERANGE, "the list has %lld items, so no item %zu", (long long)ends[n - 1], index);
    size_t lo = 0, hi = n - 1; /* the first chunk whose end is past index */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uint64_t)ends[mid] > (uint64_t)index)
            hi = mid;
        else
            lo = mid + 1;
    }
    size_t start = lo ? (size_t)ends[lo - 1] : 0;
    digest_hex(hashes + lo * MF_HASH_LEN, hex);
    rc = mf__cas_get_item(cas, hex, index - start, out, err);
    if (rc == MF_ETYPE || rc == MF_ERANGE)
        rc = mf__err(err, MF_ECORRUPT, "artifact '%s' is corrupt: chunk %zu (object %s) does not hold item %zu; "
                     "re-run the task that wrote it", name, lo, hex, index);
    return rc;
}

int mf__chunk_names(struct mf_cas *cas, const struct mf_artifact *a, mf_chunk_name_fn fn, void *ctx,
                    struct mf_err *err)
{
    mf_value *manifest = NULL;
    const int64_t *ends;
    const unsigned char *hashes;
    char hex[MF_HASH_HEX_LEN + 1];
    int rc = 0;
    if (a->inline_data) {
        mf__sha256_hex(a->inline_data, (size_t)a->size, hex);
        rc = strcmp(hex, a->hash) ? mf__err(err, MF_ECORRUPT, "artifact '%s' is corrupt: its inline manifest hashes "
                                            "to '%s', not '%s'", a->name, hex, a->hash)
                                  : mf__value_decode(a->inline_data, (size_t)a->size, NULL, &manifest, err);
    } else {
        rc = mf__cas_get(cas, a->hash, &manifest, err);
    }
    if (!rc)
        rc = manifest_fields(manifest, a->chunks, a->name, &ends, &hashes, err);
    for (uint32_t c = 0; !rc && c < a->chunks; c++) {
        digest_hex(hashes + (size_t)c * MF_HASH_LEN, hex);
        rc = fn(ctx, hex);
    }
    mf_value_free(manifest);
    return rc;
}
