/* SPDX-License-Identifier: Apache-2.0 */
/* test_datastore.c - layout, run ids (also under concurrent runs), inline
 * vs object artifacts, the task index's round trip and its validation. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cas.h"
#include "codec.h"
#include "datastore.h"
#include "util/alloc.h"
#include "util/fsutil.h"

static char root[64];

static struct mf_ds *open_ds(void)
{
    snprintf(root, sizeof(root), "/tmp/mf_test_ds_XXXXXX");
    CHECK(mkdtemp(root));
    struct mf_ds *ds = NULL;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__ds_open(root, "TestFlow", 0, &ds, &err), 0);
    CHECK_EQ_STR(mf__ds_root(ds), root);
    CHECK_EQ_STR(mf__ds_flow(ds), "TestFlow");
    CHECK(mf__ds_cas(ds) != NULL);
    return ds;
}

static void close_ds(struct mf_ds *ds)
{
    char cmd[128];
    mf__ds_close(ds);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
}

static void store(struct mf_ds *ds, const char *name, mf_value *v, struct mf_index *ix)
{
    struct mf_artifact a;
    struct mf_err err = MF_ERR_INIT;
    int rc = mf__ds_store(ds, name, v, &a, &err);
    if (rc)
        fprintf(stderr, "store: %s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_STR(a.name, name);
    CHECK_EQ_INT(a.type, mf_value_type(v));
    CHECK_EQ_INT(mf__index_put(ix, &a), 0);
    mf__artifact_release(&a);
    mf_value_free(v);
}

static mf_value *bytes_of(size_t n, unsigned char fill)
{
    unsigned char *b = malloc(n ? n : 1);
    CHECK(b);
    memset(b, fill, n);
    mf_value *v = mf_value_bytes(b, n);
    free(b);
    return v;
}

static mf_value *load(struct mf_ds *ds, const struct mf_index *ix, const char *name)
{
    const struct mf_artifact *a = mf__index_find(ix, name);
    CHECK(a);
    mf_value *v = NULL;
    struct mf_err err = MF_ERR_INIT;
    int rc = mf__ds_load(ds, a, &v, &err);
    if (rc)
        fprintf(stderr, "load: %s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
    return v;
}

TEST(index_in_memory)
{
    struct mf_index ix;
    mf__index_init(&ix);
    const char *names[] = { "m", "b", "z", "a", "b" };
    for (size_t i = 0; i < 5; i++) {
        struct mf_artifact a = { .name = (char *)names[i], .type = MF_INT, .size = i + 1 };
        memset(a.hash, 'a', MF_HASH_HEX_LEN);
        a.hash[MF_HASH_HEX_LEN] = '\0';
        CHECK_EQ_INT(mf__index_put(&ix, &a), 0);
    }
    CHECK_EQ_INT(ix.n, 4);
    CHECK_EQ_STR(ix.arts[0].name, "a");
    CHECK_EQ_STR(ix.arts[3].name, "z");
    CHECK_EQ_INT(mf__index_find(&ix, "b")->size, 5); /* replaced */
    CHECK(mf__index_find(&ix, "c") == NULL);
    mf__index_remove(&ix, "m");
    mf__index_remove(&ix, "nope");
    CHECK_EQ_INT(ix.n, 3);
    CHECK(mf__index_find(&ix, "m") == NULL);
    mf__index_release(&ix);
    CHECK_EQ_INT(ix.n, 0);
}

TEST(index_round_trip)
{
    struct mf_ds *ds = open_ds();
    struct mf_index ix, back;
    struct mf_err err = MF_ERR_INIT;
    mf__index_init(&ix);
    ix.attempt = 2;
    ix.num_splits = 3;
    ix.stack = mf__strdup("start/1,a/0");
    store(ds, "x", mf_value_int(5), &ix);
    store(ds, "s", mf_value_str("hello"), &ix);
    store(ds, "big", bytes_of(10000, 1), &ix);
    struct mf_buf enc = MF_BUF_INIT;
    CHECK_EQ_INT(mf__index_encode(&ix, &enc, &err), 0);
    int rc = mf__index_decode(enc.buf, enc.len, &back, &err);
    if (rc)
        fprintf(stderr, "decode: %s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(back.n, 3);
    CHECK_EQ_INT(back.attempt, 2);
    CHECK_EQ_INT(back.num_splits, 3);
    CHECK_EQ_STR(back.stack, "start/1,a/0");
    for (size_t i = 0; i < 3; i++) {
        const struct mf_artifact *a = &ix.arts[i], *b = &back.arts[i];
        CHECK_EQ_STR(a->name, b->name);
        CHECK_EQ_STR(a->hash, b->hash);
        CHECK_EQ_INT(a->type, b->type);
        CHECK_EQ_INT(a->size, b->size);
        CHECK((a->inline_data == NULL) == (b->inline_data == NULL));
        CHECK(!a->inline_data || memcmp(a->inline_data, b->inline_data, (size_t)a->size) == 0);
    }
    /* canonical: re-encoding the decoded index gives the same bytes */
    struct mf_buf enc2 = MF_BUF_INIT;
    CHECK_EQ_INT(mf__index_encode(&back, &enc2, &err), 0);
    CHECK(enc.len == enc2.len && memcmp(enc.buf, enc2.buf, enc.len) == 0);
    /* the same through the files of the datastore */
    CHECK_EQ_INT(mf__ds_write_index(ds, "1", "start", "0", &ix, &err), 0);
    mf__index_release(&back);
    CHECK_EQ_INT(mf__ds_read_index(ds, "1", "start", "0", &back, &err), 0);
    CHECK_EQ_INT(back.n, 3);
    mf_value *v = load(ds, &back, "s");
    const char *s;
    CHECK(!mf_value_get_str(v, &s));
    CHECK_EQ_STR(s, "hello");
    mf_value_free(v);
    v = load(ds, &back, "big");
    CHECK_EQ_INT(mf_value_len(v), 10000);
    mf_value_free(v);
    char path[256];
    snprintf(path, sizeof(path), "%s/TestFlow/1/start/0/index", root);
    CHECK(mf__path_exists(path));
    mf__buf_release(&enc);
    mf__buf_release(&enc2);
    mf__index_release(&ix);
    mf__index_release(&back);
    close_ds(ds);
}

/* bytes of n bytes encode in n + head bytes: 4093 -> 4096, 4094 -> 4097. */
TEST(inline_threshold)
{
    struct mf_ds *ds = open_ds();
    struct mf_index ix;
    mf__index_init(&ix);
    store(ds, "at_max", bytes_of(MF_INLINE_MAX - 3, 2), &ix);
    store(ds, "over", bytes_of(MF_INLINE_MAX - 2, 3), &ix);
    const struct mf_artifact *a = mf__index_find(&ix, "at_max"), *b = mf__index_find(&ix, "over");
    CHECK_EQ_INT(a->size, MF_INLINE_MAX);
    CHECK(a->inline_data != NULL);
    CHECK(!mf__cas_has(mf__ds_cas(ds), a->hash));
    CHECK_EQ_INT(b->size, MF_INLINE_MAX + 1);
    CHECK(b->inline_data == NULL);
    CHECK(mf__cas_has(mf__ds_cas(ds), b->hash));
    /* an inline value is named by the same hash an object would have */
    mf_value *v = load(ds, &ix, "at_max");
    char hex[MF_HASH_HEX_LEN + 1];
    uint64_t size;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__cas_put(mf__ds_cas(ds), v, hex, &size, &err), 0);
    CHECK_EQ_STR(hex, a->hash);
    mf_value_free(v);
    mf__index_release(&ix);
    close_ds(ds);
}

TEST(load_checks_hash_and_type)
{
    struct mf_ds *ds = open_ds();
    struct mf_index ix;
    struct mf_err err = MF_ERR_INIT;
    mf_value *v = NULL;
    mf__index_init(&ix);
    store(ds, "x", mf_value_int(5), &ix);
    store(ds, "big", bytes_of(9000, 4), &ix);
    struct mf_artifact *a = &ix.arts[1];
    CHECK_EQ_STR(a->name, "x");
    a->type = MF_STR;
    CHECK_EQ_INT(mf__ds_load(ds, a, &v, &err), MF_ECORRUPT);
    CHECK_CONTAINS(err.msg, "'x'");
    a->type = MF_INT;
    a->inline_data[0] ^= 1;
    CHECK_EQ_INT(mf__ds_load(ds, a, &v, &err), MF_ECORRUPT);
    CHECK_CONTAINS(err.msg, "artifact 'x' is corrupt");
    CHECK(v == NULL);
    a = &ix.arts[0];
    a->hash[5] = a->hash[5] == '0' ? '1' : '0';
    CHECK_EQ_INT(mf__ds_load(ds, a, &v, &err), MF_ENOENT);
    CHECK_CONTAINS(err.msg, "artifact 'big'");
    mf__index_release(&ix);
    close_ds(ds);
}

TEST(read_index_missing_and_corrupt)
{
    struct mf_ds *ds = open_ds();
    struct mf_index ix, back;
    struct mf_err err = MF_ERR_INIT;
    mf__index_init(&ix);
    CHECK_EQ_INT(mf__ds_read_index(ds, "1", "start", "0", &back, &err), MF_ENOENT);
    CHECK_CONTAINS(err.msg, "has not succeeded");
    store(ds, "greeting", mf_value_str("hello world"), &ix);
    CHECK_EQ_INT(mf__ds_write_index(ds, "1", "start", "0", &ix, &err), 0);
    char path[256];
    snprintf(path, sizeof(path), "%s/TestFlow/1/start/0/index", root);
    struct mf_buf data = MF_BUF_INIT;
    CHECK_EQ_INT(mf__read_file(path, &data, &err), 0);
    char *at = NULL;
    for (size_t i = 0; !at && i + 11 <= data.len; i++)
        if (memcmp(data.buf + i, "hello world", 11) == 0)
            at = data.buf + i;
    CHECK(at);
    at[0] = 'j';
    CHECK_EQ_INT(mf__write_atomic(path, data.buf, data.len, 0, &err), 0);
    CHECK_EQ_INT(mf__ds_read_index(ds, "1", "start", "0", &back, &err), MF_ECORRUPT);
    CHECK_CONTAINS(err.msg, path);
    CHECK_CONTAINS(err.msg, "artifact 'greeting'");
    CHECK_EQ_INT(back.n, 0);
    CHECK_EQ_INT(mf__write_atomic(path, data.buf, data.len - 1, 0, &err), 0);
    CHECK_EQ_INT(mf__ds_read_index(ds, "1", "start", "0", &back, &err), MF_ECORRUPT);
    CHECK_CONTAINS(err.msg, path);
    mf__buf_release(&data);
    mf__index_release(&ix);
    close_ds(ds);
}

/* Atomic writes leave files any user of a shared datastore can read, as the
 * umask allows (mkstemp's 0600 would not), and no temporary file behind. */
TEST(atomic_write_mode_follows_umask)
{
    struct mf_ds *ds = open_ds();
    struct mf_err err = MF_ERR_INIT;
    static const mode_t masks[] = { 022, 002, 077 };
    for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
        char path[256];
        struct stat st;
        snprintf(path, sizeof(path), "%s/sub/file%zu", root, i);
        mode_t old = umask(masks[i]);
        int rc = mf__write_atomic(path, "x", 1, MF_SYNC_DATA | MF_SYNC_NAME, &err);
        umask(old);
        CHECK_EQ_INT(rc, 0);
        CHECK_EQ_INT(stat(path, &st), 0);
        CHECK_EQ_INT((int)(st.st_mode & 0777), (int)(0666 & ~masks[i]));
    }
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "ls '%s/sub' | grep -c tmp", root);
    FILE *p = popen(cmd, "r");
    char count[16] = "";
    CHECK(p && fgets(count, sizeof(count), p));
    pclose(p);
    CHECK_EQ_STR(count, "0\n");
    close_ds(ds);
}

/* One item of a list artifact, inline or an object, equals that item of the
 * whole; other types say so; a corrupt object is still caught. */
TEST(load_one_item)
{
    struct mf_ds *ds = open_ds();
    struct mf_index ix;
    struct mf_err err = MF_ERR_INIT;
    mf__index_init(&ix);
    mf_value *small = mf_value_list(), *big = mf_value_list();
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(mf_value_list_push(small, mf_value_str(i ? "b" : "a")), 0);
    for (int i = 0; i < 5000; i++)
        CHECK_EQ_INT(mf_value_list_push(big, mf_value_int(i * 7)), 0);
    store(ds, "small", mf_value_copy(small), &ix);
    store(ds, "big", mf_value_copy(big), &ix);
    store(ds, "num", mf_value_int(3), &ix);
    const struct mf_artifact *s = mf__index_find(&ix, "small"), *b = mf__index_find(&ix, "big");
    CHECK(s->inline_data != NULL);
    CHECK(b->inline_data == NULL);
    mf_value *item = NULL;
    const char *text = NULL;
    CHECK_EQ_INT(mf__ds_load_item(ds, s, 2, &item, &err), 0);
    CHECK_EQ_INT(mf_value_get_str(item, &text), 0);
    CHECK_EQ_STR(text, "b");
    mf_value_free(item);
    CHECK_EQ_INT(mf__ds_load_item(ds, b, 4321, &item, &err), 0);
    CHECK(mf_value_equal(item, mf_value_at(big, 4321)));
    mf_value_free(item);
    CHECK_EQ_INT(mf__ds_load_item(ds, b, 5000, &item, &err), MF_ERANGE);
    CHECK_EQ_INT(mf__ds_load_item(ds, mf__index_find(&ix, "num"), 0, &item, &err), MF_ETYPE);
    CHECK_CONTAINS(err.msg, "not a list");
    /* a flipped byte in the object: the whole is verified, not just the item */
    struct mf_buf path = MF_BUF_INIT;
    CHECK_EQ_INT(mf__cas_path(mf__ds_cas(ds), b->hash, &path), 0);
    int fd = open(path.buf, O_RDWR);
    CHECK(fd >= 0);
    unsigned char byte;
    CHECK_EQ_INT((int)pread(fd, &byte, 1, 40), 1);
    byte ^= 0x55;
    CHECK_EQ_INT((int)pwrite(fd, &byte, 1, 40), 1);
    close(fd);
    CHECK(mf__ds_load_item(ds, b, 0, &item, &err) != 0);
    CHECK(item == NULL);
    mf__buf_release(&path);
    mf_value_free(small);
    mf_value_free(big);
    mf__index_release(&ix);
    close_ds(ds);
}

/* Builds an index value by hand and returns decode's result. */
static int decode_edited(const char *drop, const char *key, mf_value *val, struct mf_err *err)
{
    mf_value *art = mf_value_map(), *arts = mf_value_map(), *top = mf_value_map();
    CHECK(!mf_value_map_put(art, "hash", mf_value_str("ab5b1b3ed3a81e3e2d71c5ed2bde8c0b68ecb1bfa3a5a4f9eb5fd8b9c6b39c2c")));
    CHECK(!mf_value_map_put(art, "type", mf_value_str("int")));
    CHECK(!mf_value_map_put(art, "size", mf_value_int(1)));
    CHECK(!mf_value_map_put(arts, "x", art));
    CHECK(!mf_value_map_put(top, "version", mf_value_int(1)));
    CHECK(!mf_value_map_put(top, "attempt", mf_value_int(0)));
    CHECK(!mf_value_map_put(top, "stack", mf_value_str("")));
    CHECK(!mf_value_map_put(top, "num_splits", mf_value_int(-1)));
    CHECK(!mf_value_map_put(top, "artifacts", arts));
    if (key && strncmp(key, "art.", 4) == 0)
        CHECK(!mf_value_map_put(art, key + 4, val));
    else if (key)
        CHECK(!mf_value_map_put(top, key, val));
    (void)drop;
    struct mf_buf enc = MF_BUF_INIT;
    CHECK(!mf__value_encode_buf(top, &enc, err));
    struct mf_index ix;
    int rc = mf__index_decode(enc.buf, enc.len, &ix, err);
    mf__index_release(&ix);
    mf__buf_release(&enc);
    mf_value_free(top);
    return rc;
}

TEST(index_decode_validates)
{
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(decode_edited(NULL, NULL, NULL, &err), 0);
    CHECK_EQ_INT(decode_edited(NULL, "version", mf_value_int(2), &err), MF_EPARSE);
    CHECK_CONTAINS(err.msg, "version 2");
    CHECK_EQ_INT(decode_edited(NULL, "extra", mf_value_int(2), &err), MF_EPARSE);
    CHECK_CONTAINS(err.msg, "unknown field 'extra'");
    CHECK_EQ_INT(decode_edited(NULL, "attempt", mf_value_int(-1), &err), MF_EPARSE);
    CHECK_EQ_INT(decode_edited(NULL, "num_splits", mf_value_int(-2), &err), MF_EPARSE);
    CHECK_EQ_INT(decode_edited(NULL, "stack", mf_value_int(0), &err), MF_EPARSE);
    CHECK_EQ_INT(decode_edited(NULL, "artifacts", mf_value_list(), &err), MF_EPARSE);
    CHECK_EQ_INT(decode_edited(NULL, "art.hash", mf_value_str("AB"), &err), MF_EPARSE);
    CHECK_CONTAINS(err.msg, "artifact 'x'");
    CHECK_EQ_INT(decode_edited(NULL, "art.type", mf_value_str("float"), &err), MF_EPARSE);
    CHECK_EQ_INT(decode_edited(NULL, "art.size", mf_value_int(0), &err), MF_EPARSE);
    CHECK_EQ_INT(decode_edited(NULL, "art.inline", mf_value_str("x"), &err), MF_EPARSE);
    CHECK_EQ_INT(decode_edited(NULL, "art.inline", mf_value_bytes("\x05", 1), &err), MF_ECORRUPT);
    CHECK_CONTAINS(err.msg, "hash to");
    CHECK_EQ_INT(decode_edited(NULL, "art.inline", mf_value_bytes("\x05\x05", 2), &err), MF_EPARSE);
    struct mf_index ix;
    CHECK_EQ_INT(mf__index_decode("\xa0", 1, &ix, &err), MF_EPARSE);
    CHECK_EQ_INT(mf__index_decode("\x01", 1, &ix, &err), MF_EPARSE);
    CHECK_EQ_INT(mf__index_decode("", 0, &ix, &err), MF_EPARSE);
    mf__index_release(&ix);
}

/* A run directory is claimed once; the id itself comes from the metadata. */
TEST(claim_run_once)
{
    struct mf_ds *ds = open_ds();
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__ds_claim_run(ds, "1", &err), 0);
    CHECK_EQ_INT(mf__ds_claim_run(ds, "2", &err), 0);
    CHECK_EQ_INT(mf__ds_claim_run(ds, "1", &err), MF_EEXIST);
    CHECK_CONTAINS(err.msg, "already exists");
    CHECK_EQ_INT(mf__ds_claim_run(ds, "../x", &err), MF_EINVAL);
    close_ds(ds);
}

TEST(bad_path_parts_refused)
{
    struct mf_ds *ds = open_ds(), *bad = NULL;
    struct mf_err err = MF_ERR_INIT;
    struct mf_index ix;
    struct mf_buf path = MF_BUF_INIT;
    const char *parts[] = { "..", ".", "", "a/b", "/x", "x y", "a.b", "\xc3\xa9" };
    mf__index_init(&ix);
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        const char *p = parts[i];
        CHECK_EQ_INT(mf__ds_open(root, p, 0, &bad, &err), MF_EINVAL);
        CHECK_EQ_INT(mf__ds_write_index(ds, p, "start", "0", &ix, &err), MF_EINVAL);
        CHECK_CONTAINS(err.msg, "invalid run id");
        CHECK_EQ_INT(mf__ds_write_index(ds, "1", p, "0", &ix, &err), MF_EINVAL);
        CHECK_CONTAINS(err.msg, "invalid step name");
        CHECK_EQ_INT(mf__ds_read_index(ds, "1", "start", p, &ix, &err), MF_EINVAL);
        CHECK_CONTAINS(err.msg, "invalid task id");
        CHECK_EQ_INT(mf__ds_task_dir(ds, "1", p, "0", &path), MF_EINVAL);
        CHECK_EQ_INT(mf__ds_log_path(ds, p, "start", "0", 0, "stdout", &path), MF_EINVAL);
    }
    CHECK_EQ_INT(mf__ds_open(root, NULL, 0, &bad, &err), MF_EINVAL);
    CHECK_EQ_INT(mf__ds_open("", "F", 0, &bad, &err), MF_EINVAL);
    CHECK_EQ_INT(mf__ds_log_path(ds, "1", "start", "0", 0, "../x", &path), MF_EINVAL);
    CHECK_EQ_INT(mf__ds_log_path(ds, "1", "start", "0", -1, "stdout", &path), MF_EINVAL);
    CHECK_EQ_INT(path.len, 0);
    CHECK_EQ_INT(mf__ds_log_path(ds, "1", "_parameters", "0", 2, "stderr", &path), 0);
    CHECK(strstr(path.buf, "/TestFlow/1/_parameters/0/2.stderr") != NULL);
    mf__buf_reset(&path);
    CHECK_EQ_INT(mf__ds_task_dir(ds, "12", "end", "7", &path), 0);
    CHECK(strstr(path.buf, "/TestFlow/12/end/7") != NULL);
    mf__buf_release(&path);
    struct mf_artifact a;
    mf_value *v = mf_value_int(1);
    CHECK_EQ_INT(mf__ds_store(ds, "", v, &a, &err), MF_EINVAL);
    mf_value_free(v);
    close_ds(ds);
}

/* mf__read_file sizes its buffer by the file: a small index costs a small
 * buffer (a fresh task would get 64 KiB from mmap and munmap it again); a
 * larger file, and one whose size stat does not know (/proc), is read whole. */
TEST(read_file_sizes_buffer)
{
    char dir[] = "/tmp/mf_test_read_XXXXXX", path[64];
    CHECK(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/f", dir);
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__write_atomic(path, "small index", 11, 0, &err), 0);
    struct mf_buf b = MF_BUF_INIT;
    CHECK_EQ_INT(mf__read_file(path, &b, &err), 0);
    CHECK_EQ_STR(b.buf, "small index");
    CHECK(b.cap <= 64);
    mf__buf_release(&b);
    size_t big = 200000;
    char *data = malloc(big);
    CHECK(data != NULL);
    for (size_t i = 0; i < big; i++)
        data[i] = (char)('a' + i % 26);
    CHECK_EQ_INT(mf__write_atomic(path, data, big, 0, &err), 0);
    CHECK_EQ_INT(mf__read_file(path, &b, &err), 0);
    CHECK(b.len == big && memcmp(b.buf, data, big) == 0 && b.buf[big] == '\0');
    mf__buf_release(&b);
    free(data);
    CHECK_EQ_INT(mf__read_file("/proc/self/status", &b, &err), 0); /* st_size 0 */
    CHECK(b.len > 0 && strstr(b.buf, "Pid:") != NULL);
    mf__buf_release(&b);
    CHECK(unlink(path) == 0 && rmdir(dir) == 0);
}

/* mkdirs makes every missing directory, accepts one that exists, and names
 * a file standing where a directory must be, however deep. */
TEST(mkdirs_nested_and_in_the_way)
{
    const char *base = mf_test_fresh_dir("mkdirs");
    char deep[600], file[600], under[700];
    struct mf_err err = MF_ERR_INIT;
    struct stat st;
    snprintf(deep, sizeof(deep), "%s/a/b/c/d", base);
    CHECK_EQ_INT(mf__mkdirs(deep, &err), 0);
    CHECK(stat(deep, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK_EQ_INT(mf__mkdirs(deep, &err), 0); /* again: nothing to do */
    snprintf(file, sizeof(file), "%s/a/f", base);
    int fd = open(file, O_WRONLY | O_CREAT, 0644);
    CHECK(fd >= 0);
    close(fd);
    snprintf(under, sizeof(under), "%s/x/y", file);
    CHECK_EQ_INT(mf__mkdirs(under, &err), MF_EIO);
    CHECK(strstr(err.msg, "a/f' is a file, not a directory") != NULL);
    CHECK_EQ_INT(mf__mkdirs(file, &err), MF_EIO);
    CHECK(strstr(err.msg, "a/f' is a file, not a directory") != NULL);
}

TESTS_BEGIN
T(mkdirs_nested_and_in_the_way)
T(read_file_sizes_buffer)
T(load_one_item)
T(atomic_write_mode_follows_umask)
T(index_in_memory)
T(index_round_trip)
T(inline_threshold)
T(load_checks_hash_and_type)
T(read_index_missing_and_corrupt)
T(index_decode_validates)
T(claim_run_once)
T(bad_path_parts_refused)
TESTS_END
