/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sha256.c - SHA-256 through OpenSSL's low-level SHA256_* functions.
 *
 * Why not EVP: in OpenSSL 3 the first EVP fetch of a digest (EVP_MD_fetch,
 * and implicitly EVP_Digest, EVP_DigestInit_ex with EVP_sha256(), even the
 * one-shot SHA256()) builds the method table of every digest the default
 * provider offers and fills the name map: about 716,000 instructions, 60%
 * of a spawned task's user-space work and 70% of the scheduler's start
 * (bench/RESULTS.md, "instruction profile"). Each later EVP_Digest call
 * pays a fetch again (~18,000 instructions for a short input). The
 * low-level functions run the same assembly block function (SHA-NI where
 * the CPU has it: OpenSSL picks it from its cpuid probe, which runs as a
 * library constructor) with no provider machinery at all. OpenSSL 3.0
 * marks them deprecated - not removed - so this file, and only this file,
 * asks for them with OPENSSL_SUPPRESS_DEPRECATED. If a later OpenSSL drops
 * them, this is the one file to change back to EVP (the interface above
 * it does not change).
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "sha256.h"

#include <openssl/sha.h>

#include "util/alloc.h"

struct mf__sha256 {
    SHA256_CTX ctx;
};

_Static_assert(SHA256_DIGEST_LENGTH == MF_SHA256_LEN, "SHA-256 digests are 32 bytes");

struct mf__sha256 *mf__sha256_new(void)
{
    struct mf__sha256 *h = mf__calloc(1, sizeof(*h));
    if (h)
        SHA256_Init(&h->ctx);
    return h;
}

void mf__sha256_free(struct mf__sha256 *h) { mf__free(h); }

void mf__sha256_begin(struct mf__sha256 *h) { SHA256_Init(&h->ctx); }

void mf__sha256_update(struct mf__sha256 *h, const void *data, size_t len)
{
    if (len)
        SHA256_Update(&h->ctx, data, len);
}

void mf__sha256_end(struct mf__sha256 *h, unsigned char digest[MF_SHA256_LEN]) { SHA256_Final(digest, &h->ctx); }

void mf__sha256(const void *data, size_t len, unsigned char digest[MF_SHA256_LEN])
{
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    if (len)
        SHA256_Update(&ctx, data, len);
    SHA256_Final(digest, &ctx);
}
