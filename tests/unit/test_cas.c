/* SPDX-License-Identifier: Apache-2.0 */
/* test_cas.c - the object store: round trips, deduplication, raw vs zstd,
 * zero-copy alignment, corruption detection and no leftover temp files. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cas.h"
#include "cas_impl.h"
#include "check.h"
#include "codec.h"
#include "util/alloc.h"
#include "value.h"

static char root[64];

static struct mf_cas *open_store(void)
{
    snprintf(root, sizeof(root), "/tmp/mf_test_cas_XXXXXX");
    CHECK(mkdtemp(root));
    struct mf_cas *cas = NULL;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__cas_open(root, 0, &cas, &err), 0);
    return cas;
}

static void close_store(struct mf_cas *cas)
{
    char cmd[128];
    mf__cas_close(cas);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
}

/* Counts files under dir (recursively); temps counts names holding ".tmp-". */
static int count_files(const char *dir, int *temps)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char path[512];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        CHECK(stat(path, &st) == 0);
        if (S_ISDIR(st.st_mode)) {
            n += count_files(path, temps);
        } else {
            n++;
            if (temps && strstr(e->d_name, ".tmp-"))
                (*temps)++;
        }
    }
    closedir(d);
    return n;
}

static mf_value *random_doubles(size_t n, unsigned seed)
{
    double *d = malloc(n * sizeof(*d));
    CHECK(d);
    srand(seed);
    for (size_t i = 0; i < n; i++)
        d[i] = (double)rand() / RAND_MAX;
    mf_value *v = mf_value_array(MF_F64S, d, n);
    free(d);
    CHECK(v);
    return v;
}

static mf_value *sample_map(void)
{
    mf_value *m = mf_value_map(), *l = mf_value_list();
    CHECK(m && l);
    CHECK(!mf_value_list_push(l, mf_value_int(-5)));
    CHECK(!mf_value_list_push(l, mf_value_str("hello")));
    CHECK(!mf_value_map_put(m, "list", l));
    CHECK(!mf_value_map_put(m, "pi", mf_value_double(3.25)));
    CHECK(!mf_value_map_put(m, "none", mf_value_null()));
    return m;
}

static void put_ok(struct mf_cas *cas, const mf_value *v, char hex[MF_HASH_HEX_LEN + 1])
{
    struct mf_err err = MF_ERR_INIT;
    uint64_t size = 0;
    int rc = mf__cas_put(cas, v, hex, &size, &err);
    if (rc)
        fprintf(stderr, "put: %s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
    struct mf_buf enc = MF_BUF_INIT;
    CHECK_EQ_INT(mf__value_encode_buf(v, &enc, &err), 0);
    CHECK_EQ_INT(size, enc.len);
    char expect[MF_HASH_HEX_LEN + 1];
    mf__sha256_hex(enc.buf, enc.len, expect);
    CHECK_EQ_STR(hex, expect);
    mf__buf_release(&enc);
}

static void roundtrip(struct mf_cas *cas, mf_value *v)
{
    char hex[MF_HASH_HEX_LEN + 1];
    struct mf_err err = MF_ERR_INIT;
    mf_value *back = NULL;
    put_ok(cas, v, hex);
    CHECK(mf__cas_has(cas, hex));
    int rc = mf__cas_get(cas, hex, &back, &err);
    if (rc)
        fprintf(stderr, "get: %s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
    CHECK(mf_value_equal(v, back));
    mf_value_free(back);
    mf_value_free(v);
}

/* The compression byte of object `hex`. */
static int compression_of(struct mf_cas *cas, const char *hex)
{
    struct mf_buf path = MF_BUF_INIT;
    unsigned char h[MF_OBJ_HEADER_LEN];
    CHECK(!mf__cas_path(cas, hex, &path));
    int fd = open(path.buf, O_RDONLY);
    CHECK(fd >= 0);
    CHECK(read(fd, h, sizeof(h)) == (ssize_t)sizeof(h));
    close(fd);
    mf__buf_release(&path);
    CHECK(memcmp(h, "MFOB", 4) == 0);
    return h[5];
}

TEST(sha256_and_names)
{
    char hex[MF_HASH_HEX_LEN + 1];
    mf__sha256_hex("abc", 3, hex);
    CHECK_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(mf__is_hash_hex(hex));
    CHECK(!mf__is_hash_hex(""));
    CHECK(!mf__is_hash_hex(NULL));
    hex[3] = 'A';
    CHECK(!mf__is_hash_hex(hex));
    hex[3] = '/';
    CHECK(!mf__is_hash_hex(hex));
    CHECK(!mf__is_hash_hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0"));
    struct mf_cas *cas = open_store();
    char h2[MF_HASH_HEX_LEN + 1];
    CHECK_EQ_INT(mf__cas_hash(cas, "abc", 3, h2), 0);
    CHECK_EQ_STR(h2, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    struct mf_buf path = MF_BUF_INIT;
    CHECK(!mf__cas_path(cas, h2, &path));
    CHECK_CONTAINS(path.buf, "/objects/ba/7816bf8f01cfea");
    mf__buf_release(&path);
    close_store(cas);
}

TEST(roundtrip_values)
{
    struct mf_cas *cas = open_store();
    roundtrip(cas, mf_value_int(42));
    roundtrip(cas, mf_value_null());
    roundtrip(cas, mf_value_str(""));
    roundtrip(cas, sample_map());
    roundtrip(cas, random_doubles(3, 1));
    roundtrip(cas, random_doubles((3u << 20) / 8, 2)); /* streamed, raw */
    double *zeros = calloc(1u << 19, sizeof(double));
    CHECK(zeros);
    roundtrip(cas, mf_value_array(MF_F64S, zeros, 1u << 19)); /* streamed, zstd */
    free(zeros);
    mf_value *big_list = mf_value_list();
    for (int i = 0; i < 300000; i++)
        CHECK(!mf_value_list_push(big_list, mf_value_int(i)));
    roundtrip(cas, big_list); /* streamed through many small sink calls */
    close_store(cas);
}

TEST(raw_or_zstd_choice)
{
    struct mf_cas *cas = open_store();
    char hex[MF_HASH_HEX_LEN + 1];
    mf_value *v = random_doubles((2u << 20) / 8, 3);
    put_ok(cas, v, hex);
    CHECK_EQ_INT(compression_of(cas, hex), MF_OBJ_RAW);
    mf_value_free(v);
    v = random_doubles(100, 4);
    put_ok(cas, v, hex);
    CHECK_EQ_INT(compression_of(cas, hex), MF_OBJ_RAW);
    mf_value_free(v);
    char text[10000];
    memset(text, 'a', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    v = mf_value_str(text);
    put_ok(cas, v, hex);
    CHECK_EQ_INT(compression_of(cas, hex), MF_OBJ_ZSTD);
    mf_value_free(v);
    close_store(cas);
}

/* mf__cas_put_raw stores even a compressible value raw, reads it back, and
 * keeps an object already stored under the name however it was stored. */
TEST(put_raw_skips_compression)
{
    struct mf_cas *cas = open_store();
    struct mf_err err = MF_ERR_INIT;
    char hex[MF_HASH_HEX_LEN + 1], again[MF_HASH_HEX_LEN + 1], text[10000];
    memset(text, 'a', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    mf_value *v = mf_value_str(text), *out = NULL;
    uint64_t size = 0;
    CHECK_EQ_INT(mf__cas_put_raw(cas, v, hex, &size, &err), 0);
    CHECK_EQ_INT(compression_of(cas, hex), MF_OBJ_RAW);
    CHECK_EQ_INT((int)size, (int)sizeof(text) - 1 + 3); /* a 3-byte CBOR head */
    CHECK_EQ_INT(mf__cas_get(cas, hex, &out, &err), 0);
    CHECK(mf_value_equal(out, v));
    mf_value_free(out);
    put_ok(cas, v, again); /* the raw object is kept, not rewritten compressed */
    CHECK_EQ_STR(again, hex);
    CHECK_EQ_INT(compression_of(cas, hex), MF_OBJ_RAW);
    mf_value_free(v);
    text[0] = 'b';
    v = mf_value_str(text);
    put_ok(cas, v, hex); /* a compressed object is kept by a raw put */
    CHECK_EQ_INT(mf__cas_put_raw(cas, v, again, NULL, &err), 0);
    CHECK_EQ_STR(again, hex);
    CHECK_EQ_INT(compression_of(cas, hex), MF_OBJ_ZSTD);
    mf_value_free(v);
    close_store(cas);
}

TEST(loaded_arrays_are_zero_copy_and_aligned)
{
    struct mf_cas *cas = open_store();
    struct mf_err err = MF_ERR_INIT;
    char hex[MF_HASH_HEX_LEN + 1];
    mf_type types[] = { MF_F64S, MF_F32S, MF_I64S, MF_I32S, MF_U8S };
    size_t counts[] = { 1, 7, 30, 1000, 70000, 300000 };
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
        for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
            size_t es = mf__array_elem_size(types[t]), n = counts[c];
            unsigned char *raw = malloc(n * es);
            CHECK(raw);
            for (size_t i = 0; i < n * es; i++)
                raw[i] = (unsigned char)(i * 7 + c);
            mf_value *v = mf_value_array(types[t], raw, n), *back = NULL;
            free(raw);
            put_ok(cas, v, hex);
            CHECK_EQ_INT(mf__cas_get(cas, hex, &back, &err), 0);
            CHECK(mf_value_equal(v, back));
            CHECK(back->u.arr.blob != NULL);
            CHECK(((uintptr_t)back->u.arr.data & 7u) == 0);
            mf_value_free(back);
            mf_value_free(v);
        }
    }
    close_store(cas);
}

TEST(dedup_writes_nothing)
{
    struct mf_cas *cas = open_store();
    char h1[MF_HASH_HEX_LEN + 1], h2[MF_HASH_HEX_LEN + 1];
    mf_value *small = sample_map(), *big = random_doubles((2u << 20) / 8, 5);
    put_ok(cas, small, h1);
    put_ok(cas, big, h2);
    struct mf_buf p1 = MF_BUF_INIT, p2 = MF_BUF_INIT;
    CHECK(!mf__cas_path(cas, h1, &p1) && !mf__cas_path(cas, h2, &p2));
    struct stat s1, s2, t1, t2;
    CHECK(stat(p1.buf, &s1) == 0 && stat(p2.buf, &s2) == 0);
    sleep(1); /* so a rewrite would show in the timestamps */
    mf_value *small2 = mf_value_copy(small);
    char again[MF_HASH_HEX_LEN + 1];
    put_ok(cas, small2, again);
    CHECK_EQ_STR(again, h1);
    put_ok(cas, big, again);
    CHECK_EQ_STR(again, h2);
    CHECK(stat(p1.buf, &t1) == 0 && stat(p2.buf, &t2) == 0);
    /* the same file, not rewritten; only its mtime is refreshed (for gc's grace age) */
    CHECK(s1.st_ino == t1.st_ino && s1.st_size == t1.st_size && t1.st_mtime > s1.st_mtime);
    CHECK(s2.st_ino == t2.st_ino && s2.st_size == t2.st_size && t2.st_mtime > s2.st_mtime);
    int temps = 0;
    char objects[128];
    snprintf(objects, sizeof(objects), "%s/objects", root);
    CHECK_EQ_INT(count_files(objects, &temps), 2);
    CHECK_EQ_INT(temps, 0);
    mf__buf_release(&p1);
    mf__buf_release(&p2);
    mf_value_free(small);
    mf_value_free(small2);
    mf_value_free(big);
    close_store(cas);
}

/* Rewrites object `hex` through `edit`, then expects MF_ECORRUPT naming it. */
static void expect_corrupt(struct mf_cas *cas, const char *hex, const char *why)
{
    struct mf_err err = MF_ERR_INIT;
    mf_value *back = (mf_value *)1;
    int rc = mf__cas_get(cas, hex, &back, &err);
    if (rc != MF_ECORRUPT)
        fprintf(stderr, "expected corrupt, got %d: %s\n", rc, err.msg);
    CHECK_EQ_INT(rc, MF_ECORRUPT);
    CHECK(back == NULL);
    CHECK_CONTAINS(err.msg, hex + 2);
    CHECK_CONTAINS(err.msg, "is corrupt");
    CHECK_CONTAINS(err.msg, why);
    CHECK_CONTAINS(err.msg, "resume the run");
    /* verification without decoding finds the same */
    struct mf_err verr = MF_ERR_INIT;
    CHECK_EQ_INT(mf__cas_verify(cas, hex, NULL, &verr), MF_ECORRUPT);
    CHECK_CONTAINS(verr.msg, "is corrupt");
}

/* A put of the value repairs a corrupt object: it does not trust a name it
 * has not verified, and renames a fresh file over the bad one. */
static void put_repairs(struct mf_cas *cas, mf_value *v, const char *hex)
{
    char again[MF_HASH_HEX_LEN + 1];
    put_ok(cas, v, again);
    CHECK_EQ_STR(again, hex);
    struct mf_err err = MF_ERR_INIT;
    uint64_t len = 0;
    CHECK_EQ_INT(mf__cas_verify(cas, hex, &len, &err), 0);
    CHECK(len > 0);
    mf_value *back = NULL;
    CHECK_EQ_INT(mf__cas_get(cas, hex, &back, &err), 0);
    CHECK(mf_value_equal(back, v));
    mf_value_free(back);
}

static void file_edit(struct mf_cas *cas, const char *hex, long offset, int flip, off_t truncate_to)
{
    struct mf_buf path = MF_BUF_INIT;
    CHECK(!mf__cas_path(cas, hex, &path));
    int fd = open(path.buf, O_RDWR);
    CHECK(fd >= 0);
    if (flip) {
        struct stat st;
        CHECK(fstat(fd, &st) == 0);
        off_t at = offset >= 0 ? offset : st.st_size + offset;
        unsigned char b;
        CHECK(pread(fd, &b, 1, at) == 1);
        b ^= (unsigned char)flip;
        CHECK(pwrite(fd, &b, 1, at) == 1);
    }
    if (truncate_to >= 0)
        CHECK(ftruncate(fd, truncate_to) == 0);
    close(fd);
    mf__buf_release(&path);
}

static void corruption_cases(mf_value *v, int compression)
{
    char hex[MF_HASH_HEX_LEN + 1];
    struct mf_cas *cas = open_store();
    put_ok(cas, v, hex);
    CHECK_EQ_INT(compression_of(cas, hex), compression);
    file_edit(cas, hex, -3, 0x10, -1); /* a payload byte */
    expect_corrupt(cas, hex, compression == MF_OBJ_RAW ? "hashes to" : "");
    put_repairs(cas, v, hex);
    close_store(cas);

    cas = open_store();
    put_ok(cas, v, hex);
    file_edit(cas, hex, 0, 0, 30); /* truncated */
    expect_corrupt(cas, hex, "");
    file_edit(cas, hex, 0, 0, 5); /* shorter than the header */
    expect_corrupt(cas, hex, "truncated");
    put_repairs(cas, v, hex);
    close_store(cas);

    cas = open_store();
    put_ok(cas, v, hex);
    file_edit(cas, hex, 1, 0x20, -1); /* magic */
    expect_corrupt(cas, hex, "magic");
    file_edit(cas, hex, 1, 0x20, -1);
    file_edit(cas, hex, 9, 0x01, -1); /* length */
    expect_corrupt(cas, hex, "");
    close_store(cas);
}

TEST(corruption_detected)
{
    mf_value *raw = random_doubles(5000, 6), *big = random_doubles((3u << 20) / 8, 7);
    char text[20000];
    memset(text, 'x', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    mf_value *packed = mf_value_str(text);
    double *zeros = calloc(1u << 18, sizeof(double));
    CHECK(zeros);
    mf_value *zbig = mf_value_array(MF_F64S, zeros, 1u << 18);
    free(zeros);
    corruption_cases(raw, MF_OBJ_RAW);
    corruption_cases(big, MF_OBJ_RAW);
    corruption_cases(packed, MF_OBJ_ZSTD);
    corruption_cases(zbig, MF_OBJ_ZSTD);
    mf_value_free(raw);
    mf_value_free(big);
    mf_value_free(packed);
    mf_value_free(zbig);
}

/* Random bytes (incompressible) or a repeating pattern (zstd's case). */
static unsigned char *bytes_of(size_t n, bool random)
{
    unsigned char *b = malloc(n + 1);
    CHECK(b);
    srand(11);
    for (size_t i = 0; i < n + 1; i++)
        b[i] = random ? (unsigned char)rand() : (unsigned char)(i % 13);
    return b;
}

/* A setter's borrowed value (mf__value_borrow) is stored from the caller's
 * buffer as it is, even unaligned, and reads back equal to a copy; a large
 * loaded bytes value references the loaded object (one copy in memory). */
TEST(borrowed_values_roundtrip_without_copies)
{
    struct mf_cas *cas = open_store();
    struct mf_err err = MF_ERR_INIT;
    char hex[MF_HASH_HEX_LEN + 1], hex2[MF_HASH_HEX_LEN + 1];
    size_t sizes[] = { 5000, (3u << 20) + 5 };
    for (int random = 0; random < 2; random++)
        for (size_t k = 0; k < 2; k++) {
            size_t n = sizes[k];
            unsigned char *buf = bytes_of(n, random);
            mf_value *b = mf__value_borrow(MF_BYTES, buf + 1, n), *owned = mf_value_bytes(buf + 1, n), *back = NULL;
            const void *p = NULL;
            CHECK(b && owned && mf_value_get_bytes(b, &p, NULL) == 0 && p == buf + 1);
            put_ok(cas, b, hex);
            CHECK_EQ_INT(mf__cas_get(cas, hex, &back, &err), 0);
            CHECK(mf_value_equal(back, owned));
            CHECK(back->u.s.blob != NULL);
            mf_value_free(back);
            mf_value_free(b);
            /* an f64 array from an unaligned pointer */
            size_t count = n / 8;
            b = mf__value_borrow(MF_F64S, buf + 1, count);
            put_ok(cas, b, hex2);
            CHECK_EQ_INT(mf__cas_get(cas, hex2, &back, &err), 0);
            CHECK_EQ_INT(mf_value_len(back), count);
            const void *elems = NULL;
            CHECK(mf_value_get_array(back, MF_F64S, &elems, NULL) == 0 && memcmp(elems, buf + 1, count * 8) == 0);
            mf_value_free(back);
            mf_value_free(b);
            mf_value_free(owned);
            free(buf);
        }
    close_store(cas);
}

/* Data zstd cannot shrink is written raw, its size the encoding's plus the
 * header; data it can shrink is compressed. */
TEST(incompressible_bytes_are_stored_raw)
{
    struct mf_cas *cas = open_store();
    char hex[MF_HASH_HEX_LEN + 1];
    size_t n = (5u << 20) + 3;
    for (int random = 0; random < 2; random++) {
        unsigned char *buf = bytes_of(n, random);
        mf_value *b = mf__value_borrow(MF_BYTES, buf, n);
        put_ok(cas, b, hex);
        CHECK_EQ_INT(compression_of(cas, hex), random ? MF_OBJ_RAW : MF_OBJ_ZSTD);
        struct mf_buf path = MF_BUF_INIT;
        struct stat st;
        CHECK(!mf__cas_path(cas, hex, &path) && stat(path.buf, &st) == 0);
        if (random)
            CHECK_EQ_INT(st.st_size, MF_OBJ_HEADER_LEN + 5 + n); /* a 5-byte CBOR head, no padding */
        else
            CHECK(st.st_size < (off_t)(n / 10));
        mf__buf_release(&path);
        mf_value_free(b);
        free(buf);
    }
    close_store(cas);
}

TEST(big_bytes_corruption_detected)
{
    size_t n = (3u << 20) + 1;
    for (int random = 0; random < 2; random++) {
        unsigned char *buf = bytes_of(n, random);
        mf_value *b = mf__value_borrow(MF_BYTES, buf, n);
        corruption_cases(b, random ? MF_OBJ_RAW : MF_OBJ_ZSTD);
        mf_value_free(b);
        free(buf);
    }
}

TEST(wrong_name_detected)
{
    struct mf_cas *cas = open_store();
    char h1[MF_HASH_HEX_LEN + 1], h2[MF_HASH_HEX_LEN + 1];
    mf_value *a = mf_value_int(1), *b = mf_value_int(2);
    put_ok(cas, a, h1);
    put_ok(cas, b, h2);
    struct mf_buf p1 = MF_BUF_INIT, p2 = MF_BUF_INIT;
    CHECK(!mf__cas_path(cas, h1, &p1) && !mf__cas_path(cas, h2, &p2));
    CHECK(rename(p1.buf, p2.buf) == 0); /* h2's name now holds h1's content */
    expect_corrupt(cas, h2, h1);
    struct mf_err err = MF_ERR_INIT;
    mf_value *back = NULL;
    CHECK_EQ_INT(mf__cas_get(cas, h1, &back, &err), MF_ENOENT);
    CHECK_CONTAINS(err.msg, "does not exist");
    CHECK_EQ_INT(mf__cas_get(cas, "../../etc/passwd", &back, &err), MF_EINVAL);
    CHECK(!mf__cas_has(cas, "../x"));
    mf__buf_release(&p1);
    mf__buf_release(&p2);
    mf_value_free(a);
    mf_value_free(b);
    close_store(cas);
}

/* A write that fails half-way (file size limit) leaves no file behind. */
TEST(failed_put_leaves_nothing)
{
    struct mf_cas *cas = open_store();
    char hex[MF_HASH_HEX_LEN + 1];
    mf_value *small = mf_value_int(7);
    put_ok(cas, small, hex); /* creates objects/ and one shard */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = { 1u << 20, 1u << 20 };
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    mf_value *big = random_doubles((4u << 20) / 8, 8);
    struct mf_err err = MF_ERR_INIT;
    uint64_t size;
    int rc = mf__cas_put(cas, big, hex, &size, &err);
    CHECK(rc == MF_EIO);
    CHECK_CONTAINS(err.msg, "cannot write");
    CHECK(!mf__cas_has(cas, hex));
    char objects[128];
    int temps = 0;
    snprintf(objects, sizeof(objects), "%s/objects", root);
    CHECK_EQ_INT(count_files(objects, &temps), 1);
    CHECK_EQ_INT(temps, 0);
    mf_value_free(small);
    mf_value_free(big);
    close_store(cas);
}

TESTS_BEGIN
T(sha256_and_names)
T(roundtrip_values)
T(raw_or_zstd_choice)
T(put_raw_skips_compression)
T(loaded_arrays_are_zero_copy_and_aligned)
T(dedup_writes_nothing)
T(corruption_detected)
T(wrong_name_detected)
T(borrowed_values_roundtrip_without_copies)
T(incompressible_bytes_are_stored_raw)
T(big_bytes_corruption_detected)
T(failed_put_leaves_nothing)
TESTS_END
