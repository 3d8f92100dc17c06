/* SPDX-License-Identifier: Apache-2.0 */
/* test_chunk.c - large lists stored in chunks (chunk.c through the
 * datastore): which lists are chunked, whole and one-item round trips, equal
 * lists equal hashes, a corrupt chunk failing only its items (naming the
 * object), chunks stored raw yet compressed ones (an older writer's) still
 * read, and the index's version 2 field 'chunks'. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cas.h"
#include "chunk.h"
#include "codec.h"
#include "datastore.h"
#include "util/buf.h"

static char root[64];

/* The first place `needle` occurs in `hay`, or NULL (memmem is not POSIX). */
static unsigned char *find(void *hay, size_t len, const char *needle, size_t n)
{
    unsigned char *h = hay;
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(h + i, needle, n) == 0)
            return h + i;
    return NULL;
}

static struct mf_ds *open_ds(void)
{
    snprintf(root, sizeof(root), "/tmp/mf_test_chunk_XXXXXX");
    CHECK(mkdtemp(root));
    struct mf_ds *ds = NULL;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__ds_open(root, "TestFlow", 0, &ds, &err), 0);
    return ds;
}

static void close_ds(struct mf_ds *ds)
{
    char cmd[128];
    mf__ds_close(ds);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
}

/* n strings of 100 bytes: item i starts with its number. */
static mf_value *strings(size_t n)
{
    char s[101];
    mf_value *l = mf_value_list();
    for (size_t i = 0; i < n; i++) {
        memset(s, 'x', 100);
        s[100] = '\0';
        int k = snprintf(s, sizeof(s), "%zu", i);
        s[k] = ' ';
        CHECK_EQ_INT(mf_value_list_push(l, mf_value_str(s)), 0);
    }
    return l;
}

TEST(which_lists_are_chunked)
{
    mf_value *small = strings(100), *big = strings(1000), *ints = mf_value_list();
    CHECK(!mf__chunk_wanted(small)); /* ~10 KB: one object is as good */
    CHECK(mf__chunk_wanted(big));
    mf_value *huge_item = mf_value_list();
    char *s = malloc(MF_CHUNK_TARGET + 10);
    CHECK(s);
    memset(s, 'y', MF_CHUNK_TARGET + 9);
    s[MF_CHUNK_TARGET + 9] = '\0';
    CHECK_EQ_INT(mf_value_list_push(huge_item, mf_value_str(s)), 0);
    CHECK_EQ_INT(mf_value_list_push(huge_item, mf_value_str(s)), 0);
    CHECK(!mf__chunk_wanted(huge_item)); /* an item bigger than a chunk: stored whole */
    free(s);
    mf_value *arr = mf_value_array(MF_F64S, NULL, 0);
    CHECK(!mf__chunk_wanted(arr));
    CHECK(!mf__chunk_wanted(ints));
    mf_value_free(small);
    mf_value_free(big);
    mf_value_free(ints);
    mf_value_free(huge_item);
    mf_value_free(arr);
}

TEST(round_trip_whole_and_items)
{
    struct mf_ds *ds = open_ds();
    struct mf_err err = MF_ERR_INIT;
    struct mf_artifact a, b;
    mf_value *v = strings(1000), *w = strings(1000), *out = NULL;
    CHECK_EQ_INT(mf__ds_store(ds, "items", v, &a, &err), 0);
    CHECK(a.chunks >= 5);
    CHECK_EQ_INT(a.type, MF_LIST);
    CHECK_EQ_INT(mf__ds_store(ds, "again", w, &b, &err), 0);
    CHECK_EQ_STR(a.hash, b.hash); /* equal lists, equal names */
    CHECK_EQ_INT(mf__ds_load(ds, &a, &out, &err), 0);
    CHECK(mf_value_equal(out, v));
    mf_value_free(out);
    for (size_t i = 0; i < 1000; i += 37) {
        CHECK_EQ_INT(mf__ds_load_item(ds, &a, i, &out, &err), 0);
        CHECK(mf_value_equal(out, mf_value_at(v, i)));
        mf_value_free(out);
    }
    CHECK_EQ_INT(mf__ds_load_item(ds, &a, 999, &out, &err), 0);
    CHECK(mf_value_equal(out, mf_value_at(v, 999)));
    mf_value_free(out);
    CHECK_EQ_INT(mf__ds_load_item(ds, &a, 1000, &out, &err), MF_ERANGE);
    CHECK(out == NULL);

    /* The index keeps the field, as version 2; without it, version 1. */
    struct mf_index ix, back;
    struct mf_buf enc = MF_BUF_INIT;
    mf__index_init(&ix);
    ix.num_splits = 1000;
    CHECK_EQ_INT(mf__index_put(&ix, &a), 0);
    CHECK_EQ_INT(mf__index_encode(&ix, &enc, &err), 0);
    CHECK_EQ_INT(mf__index_decode(enc.buf, enc.len, &back, &err), 0);
    CHECK_EQ_INT((int)back.arts[0].chunks, (int)a.chunks);
    mf__index_release(&back);
    CHECK(find(enc.buf, enc.len, "\x67version\x02", 9) != NULL);
    mf__buf_release(&enc);
    mf__index_release(&ix);
    mf__artifact_release(&a);
    mf__artifact_release(&b);
    mf_value_free(v);
    mf_value_free(w);
    close_ds(ds);
}

/* Flips a byte in the object that holds chunk `c` of artifact `a`. */
static void corrupt_chunk(struct mf_ds *ds, const struct mf_artifact *a, size_t c, char path_out[512])
{
    mf_value *manifest = NULL;
    struct mf_err err = MF_ERR_INIT;
    struct mf_buf path = MF_BUF_INIT;
    const void *h;
    size_t n;
    char hex[MF_HASH_HEX_LEN + 1];
    CHECK(a->inline_data);
    CHECK_EQ_INT(mf__value_decode(a->inline_data, (size_t)a->size, NULL, &manifest, &err), 0);
    CHECK_EQ_INT(mf_value_get_bytes(mf_value_key(manifest, "hashes"), &h, &n), 0);
    for (size_t i = 0; i < MF_HASH_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", ((const unsigned char *)h)[c * MF_HASH_LEN + i]);
    CHECK_EQ_INT(mf__cas_path(mf__ds_cas(ds), hex, &path), 0);
    snprintf(path_out, 512, "%s", path.buf);
    int fd = open(path.buf, O_RDWR);
    CHECK(fd >= 0);
    unsigned char byte;
    CHECK(pread(fd, &byte, 1, 40) == 1);
    byte ^= 0x55;
    CHECK(pwrite(fd, &byte, 1, 40) == 1);
    close(fd);
    mf__buf_release(&path);
    mf_value_free(manifest);
}

/* The object holding chunk `c` of `a`: its name into hex. */
static void chunk_hex(const struct mf_artifact *a, size_t c, char hex[MF_HASH_HEX_LEN + 1])
{
    mf_value *manifest = NULL;
    struct mf_err err = MF_ERR_INIT;
    const void *h;
    size_t n;
    CHECK(a->inline_data);
    CHECK_EQ_INT(mf__value_decode(a->inline_data, (size_t)a->size, NULL, &manifest, &err), 0);
    CHECK_EQ_INT(mf_value_get_bytes(mf_value_key(manifest, "hashes"), &h, &n), 0);
    CHECK(n == (size_t)a->chunks * MF_HASH_LEN);
    for (size_t i = 0; i < MF_HASH_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", ((const unsigned char *)h)[c * MF_HASH_LEN + i]);
    mf_value_free(manifest);
}

/* The compression kind in the header of object `hex` (cas_impl.h). */
static int kind_of(struct mf_ds *ds, const char *hex)
{
    struct mf_buf path = MF_BUF_INIT;
    unsigned char h[8];
    CHECK_EQ_INT(mf__cas_path(mf__ds_cas(ds), hex, &path), 0);
    int fd = open(path.buf, O_RDONLY);
    CHECK(fd >= 0);
    CHECK(read(fd, h, sizeof(h)) == (ssize_t)sizeof(h));
    close(fd);
    mf__buf_release(&path);
    return h[5];
}

/* Chunks are stored raw, so that a task reading one needs no zstd context
 * (bench/RESULTS.md, issue 14), although these would compress well; chunks
 * an older writer compressed still read. */
TEST(chunks_stored_raw_compressed_ones_read)
{
    struct mf_ds *ds = open_ds();
    struct mf_err err = MF_ERR_INIT;
    struct mf_artifact a;
    char hex[MF_HASH_HEX_LEN + 1], again[MF_HASH_HEX_LEN + 1];
    struct mf_buf path = MF_BUF_INIT;
    mf_value *v = strings(1000), *out = NULL;
    CHECK_EQ_INT(mf__ds_store(ds, "items", v, &a, &err), 0);
    for (size_t c = 0; c < a.chunks; c++) {
        chunk_hex(&a, c, hex);
        CHECK_EQ_INT(kind_of(ds, hex), 0);
        /* rewrite it as a plain put does: zstd, the same name */
        CHECK_EQ_INT(mf__cas_get(mf__ds_cas(ds), hex, &out, &err), 0);
        mf__buf_reset(&path);
        CHECK_EQ_INT(mf__cas_path(mf__ds_cas(ds), hex, &path), 0);
        CHECK(unlink(path.buf) == 0);
        CHECK_EQ_INT(mf__cas_put(mf__ds_cas(ds), out, again, NULL, &err), 0);
        CHECK_EQ_STR(again, hex);
        CHECK_EQ_INT(kind_of(ds, hex), 1);
        mf_value_free(out);
    }
    for (size_t i = 0; i < 1000; i += 7) {
        CHECK_EQ_INT(mf__ds_load_item(ds, &a, i, &out, &err), 0);
        CHECK(mf_value_equal(out, mf_value_at(v, i)));
        mf_value_free(out);
    }
    CHECK_EQ_INT(mf__ds_load(ds, &a, &out, &err), 0);
    CHECK(mf_value_equal(out, v));
    mf_value_free(out);
    mf__buf_release(&path);
    mf__artifact_release(&a);
    mf_value_free(v);
    close_ds(ds);
}

TEST(corrupt_chunk_fails_only_its_items)
{
    struct mf_ds *ds = open_ds();
    struct mf_err err = MF_ERR_INIT;
    struct mf_artifact a;
    char path[512];
    mf_value *v = strings(1000), *out = NULL;
    CHECK_EQ_INT(mf__ds_store(ds, "items", v, &a, &err), 0);
    corrupt_chunk(ds, &a, 1, path);
    size_t bad = 0;
    for (size_t i = 0; i < 1000; i++) {
        int rc = mf__ds_load_item(ds, &a, i, &out, &err);
        if (rc) {
            CHECK_EQ_INT(rc, MF_ECORRUPT);
            CHECK(strstr(err.msg, path) != NULL);
            CHECK(strstr(err.msg, "'items'") != NULL);
            CHECK(out == NULL);
            bad++;
        } else {
            CHECK(mf_value_equal(out, mf_value_at(v, i)));
            mf_value_free(out);
        }
    }
    CHECK(bad > 0 && bad < 1000 / 3);
    CHECK_EQ_INT(mf__ds_load(ds, &a, &out, &err), MF_ECORRUPT);
    CHECK(strstr(err.msg, path) != NULL);
    mf__artifact_release(&a);
    mf_value_free(v);
    close_ds(ds);
}

TEST(index_versions_checked)
{
    struct mf_index ix;
    struct mf_err err = MF_ERR_INIT;
    struct mf_buf enc = MF_BUF_INIT;
    struct mf_artifact a = { .name = (char *)"x", .type = MF_LIST, .size = 10, .chunks = 3 };
    memset(a.hash, 'a', MF_HASH_HEX_LEN);
    a.hash[MF_HASH_HEX_LEN] = '\0';
    mf__index_init(&ix);
    CHECK_EQ_INT(mf__index_put(&ix, &a), 0);
    CHECK_EQ_INT(mf__index_encode(&ix, &enc, &err), 0);
    /* "chunks" in a version 1 index, and a version 2 index without it */
    unsigned char *ver = find(enc.buf, enc.len, "\x67version\x02", 9);
    CHECK(ver);
    ver[8] = 0x01;
    struct mf_index back;
    CHECK_EQ_INT(mf__index_decode(enc.buf, enc.len, &back, &err), MF_EPARSE);
    CHECK(strstr(err.msg, "chunks") != NULL);
    mf__buf_release(&enc);
    ix.arts[0].chunks = 0;
    CHECK_EQ_INT(mf__index_encode(&ix, &enc, &err), 0);
    ver = find(enc.buf, enc.len, "\x67version\x01", 9);
    CHECK(ver);
    ver[8] = 0x02;
    CHECK_EQ_INT(mf__index_decode(enc.buf, enc.len, &back, &err), MF_EPARSE);
    CHECK(strstr(err.msg, "version 2") != NULL);
    /* a chunked record that is not a list */
    mf__buf_release(&enc);
    ix.arts[0].chunks = 2;
    ix.arts[0].type = MF_MAP;
    CHECK_EQ_INT(mf__index_encode(&ix, &enc, &err), 0);
    CHECK_EQ_INT(mf__index_decode(enc.buf, enc.len, &back, &err), MF_EPARSE);
    mf__buf_release(&enc);
    mf__index_release(&ix);
}

TESTS_BEGIN
T(which_lists_are_chunked)
T(round_trip_whole_and_items)
T(chunks_stored_raw_compressed_ones_read)
T(corrupt_chunk_fails_only_its_items)
T(index_versions_checked)
TESTS_END
