/* SPDX-License-Identifier: Apache-2.0 */
/*
 * big_random.h - the pseudo-random bytes of the big-artifact flow
 * (big_artifact.c) and of its benchmark floor (bench/bench_big_floor.c), so
 * that both generate exactly the same data at the same cost.
 */
#ifndef MF_BIG_RANDOM_H
#define MF_BIG_RANDOM_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Fills buf[0, len) from splitmix64 seeded with `seed` (incompressible). */
static inline void big_random_fill(unsigned char *buf, size_t len, uint64_t seed)
{
    uint64_t x = seed;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t z = (x += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        z ^= z >> 31;
        memcpy(buf + i, &z, 8);
    }
    for (; i < len; i++)
        buf[i] = (unsigned char)(i * 131u);
}

/* A cheap fingerprint: the length and every 4096th byte (plus the last). */
static inline uint64_t big_random_sample(const unsigned char *buf, size_t len)
{
    uint64_t h = (uint64_t)len * 0x100000001b3u;
    for (size_t i = 0; i < len; i += 4096)
        h = (h ^ buf[i]) * 0x100000001b3u;
    return len ? (h ^ buf[len - 1]) * 0x100000001b3u : h;
}
#endif
