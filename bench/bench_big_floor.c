/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_big_floor.c - the floor under the big-artifact flow
 * (tests/flows/big_artifact.c): the least work any program storing N MiB of
 * random bytes durably and reading them back verified must do. It generates
 * the same bytes the flow does, hashes them (the object's name), writes them
 * once to a file with fdatasync, then reads the file back and hashes it again
 * (the reader's verification). bench/run.sh times it beside the flow.
 * The file is kept, as the flow keeps its object: storing means the blocks
 * and page-cache pages stay taken, so the next run must find new ones. A
 * floor that unlinked its file let each run reuse the pages the last one
 * freed, while the flow (whose datastores bench/run.sh moves aside, not
 * deletes) paid for fresh ones: on a newly booted guest, whose memory the
 * host backs on first touch, that was 0.3 s of system time per 100 MiB
 * (bench/RESULTS.md, session 10).
 *
 * Usage: bench_big_floor [MiB (default 100)] [directory (default .)]
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tests/flows/big_random.h"

#define CHUNK (1u << 20)

static int sha256(const unsigned char *p, size_t len, unsigned char out[32])
{
    unsigned int n = 0;
    return EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) && n == 32 ? 0 : -1;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads the file back in chunks (no second copy in memory) and hashes it. */
static int hash_file(int fd, unsigned char out[32])
{
    unsigned char *buf = malloc(CHUNK);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = buf && md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) ? 0 : -1;
    for (off_t off = 0; !rc;) {
        ssize_t n = pread(fd, buf, CHUNK, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = -1;
        if (n <= 0)
            break;
        rc = EVP_DigestUpdate(md, buf, (size_t)n) ? 0 : -1;
        off += n;
    }
    unsigned int len = 0;
    if (!rc && (!EVP_DigestFinal_ex(md, out, &len) || len != 32))
        rc = -1;
    EVP_MD_CTX_free(md);
    free(buf);
    return rc;
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 100;
    const char *dir = argc > 2 ? argv[2] : ".";
    size_t len = mib << 20;
    char path[4096];
    snprintf(path, sizeof(path), "%s/bench_big_floor.%ld", dir, (long)getpid());
    unsigned char *buf = malloc(len ? len : 1), h1[32], h2[32];
    if (!buf) {
        fprintf(stderr, "bench_big_floor: cannot allocate %zu MiB\n", mib);
        return 1;
    }
    big_random_fill(buf, len, 42);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = fd < 0 || sha256(buf, len, h1) || write_all(fd, buf, len) || fdatasync(fd) || hash_file(fd, h2) ||
             memcmp(h1, h2, 32) != 0;
    if (rc)
        fprintf(stderr, "bench_big_floor: failed on '%s': %s\n", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}
