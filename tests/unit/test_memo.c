/* SPDX-License-Identifier: Apache-2.0 */
/* test_memo.c - memo keys (what changes them and what does not), the words
 * of a diff, entries' round trip, and entries that must be misses: another
 * schema, another key, garbage, an origin whose index is gone or changed;
 * and a place's pointer to its last key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "buildid.h"
#include "datastore.h"
#include "memo.h"
#include "util/buf.h"
#include "util/fsutil.h"

static const mf_step square = { .name = "square", .memoize = true, .memo_env = "MEMO_T_A, MEMO_T_B" };

/* Writes task RUN/STEP/ID holding one int artifact NAME = x. */
static void add_task(struct mf_ds *ds, const char *run, const char *step, const char *id, const char *name,
                     int64_t x)
{
    struct mf_index ix;
    struct mf_artifact a;
    mf_value *v = mf_value_int(x);
    mf__index_init(&ix);
    CHECK_EQ_INT(mf__ds_store(ds, name, v, &a, NULL), 0);
    CHECK_EQ_INT(mf__index_put(&ix, &a), 0);
    mf__artifact_release(&a);
    ix.stack = strdup("");
    CHECK_EQ_INT(mf__ds_write_index(ds, run, step, id, &ix, NULL), 0);
    mf__index_release(&ix);
    mf_value_free(v);
}

/* Run RUN's parameters (n = 3) and its task start/ID holding x. */
static void add_params(struct mf_ds *ds, const char *run)
{
    add_task(ds, run, "_parameters", "0", "n", 3);
}

static void add_start(struct mf_ds *ds, const char *run, const char *id, int64_t x)
{
    add_task(ds, run, "start", id, "x", x);
}

/* A datastore with run 1's parameters and a start task holding x = 7. */
static struct mf_ds *fixture(void)
{
    const char *root = mf_test_fresh_dir("memo");
    struct mf_ds *ds = NULL;
    CHECK_EQ_INT(mf__ds_open(root, "MemoTest", 0, &ds, NULL), 0);
    add_params(ds, "1");
    add_start(ds, "1", "1", 7);
    return ds;
}

static mf_value *parts_from(struct mf_ds *ds, const char *code, const char *position, const char *inputs)
{
    struct mf_memo_task mt = { .flow = "MemoTest", .decl = &square, .code = code, .run_id = "1",
                               .position = position, .pass = 0, .inputs = inputs };
    mf_value *parts = NULL;
    struct mf_err err = MF_ERR_INIT;
    int rc = mf__memo_parts(ds, &mt, &parts, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
    return parts;
}

static mf_value *parts_of(struct mf_ds *ds, const char *code, const char *position)
{
    return parts_from(ds, code, position, "start/1");
}

static void key_of(const mf_value *parts, char key[65])
{
    CHECK_EQ_INT(mf__memo_key(parts, key, NULL), 0);
    CHECK(mf__is_hash_hex(key));
}

TEST(test_key_parts)
{
    struct mf_ds *ds = fixture();
    char k1[65], k2[65], k3[65];
    unsetenv("MEMO_T_A");
    unsetenv("MEMO_T_B");
    mf_value *p1 = parts_of(ds, "c0de", "square|start:0:2"), *p2 = parts_of(ds, "c0de", "square|start:0:2");
    key_of(p1, k1);
    key_of(p2, k2);
    CHECK_EQ_STR(k1, k2); /* the same task keys the same, every time */
    struct mf_buf why = MF_BUF_INIT;
    CHECK_EQ_INT(mf__memo_diff(p1, p2, &why), 0);
    CHECK_EQ_INT(why.len, 0);
    /* a declared variable set: its name, never its value, in the diff */
    setenv("MEMO_T_B", "secret-value", 1);
    mf_value *p3 = parts_of(ds, "c0de", "square|start:0:2");
    key_of(p3, k3);
    CHECK(strcmp(k1, k3) != 0);
    CHECK_EQ_INT(mf__memo_diff(p3, p1, &why), 0);
    CHECK_EQ_STR(why.buf, "the environment variables it declared (MEMO_T_B)");
    struct mf_buf text = MF_BUF_INIT;
    CHECK_EQ_INT(mf__memo_publish(ds, k3, p3, "1/square/2", k3, NULL), 0);
    struct mf_buf path = MF_BUF_INIT;
    CHECK_EQ_INT(mf__memo_dir(ds, &path), 0);
    CHECK_EQ_INT(mf__buf_addf(&path, "/keys/%.2s/%s", k3, k3), 0);
    CHECK_EQ_INT(mf__read_file(path.buf, &text, NULL), 0);
    CHECK_EQ_INT(mf__buf_addch(&text, '\0'), 0);
    CHECK(strstr(text.buf, "secret-value") == NULL);
    /* code and place change the key and say so */
    mf__buf_reset(&why);
    mf_value *p4 = parts_of(ds, "beef", "square|start:1:2");
    CHECK_EQ_INT(mf__memo_diff(p4, p3, &why), 0);
    CHECK_EQ_STR(why.buf, "the program's code; its place in the splits");
    unsetenv("MEMO_T_B");
    mf__buf_release(&why);
    mf__buf_release(&text);
    mf__buf_release(&path);
    mf_value_free(p1);
    mf_value_free(p2);
    mf_value_free(p3);
    mf_value_free(p4);
    mf__ds_close(ds);
}

TEST(test_inputs_change_key)
{
    struct mf_ds *ds = fixture();
    char k1[65], k2[65];
    mf_value *p1 = parts_of(ds, "c0de", "square|");
    key_of(p1, k1);
    add_start(ds, "1", "2", 8); /* the same everything but x */
    mf_value *p2 = parts_from(ds, "c0de", "square|", "start/2");
    key_of(p2, k2);
    CHECK(strcmp(k1, k2) != 0);
    struct mf_buf why = MF_BUF_INIT;
    CHECK_EQ_INT(mf__memo_diff(p2, p1, &why), 0);
    CHECK_EQ_STR(why.buf, "the artifacts it starts with");
    mf__buf_release(&why);
    mf_value_free(p1);
    mf_value_free(p2);
    mf__ds_close(ds);
}

/* A digests cache kept across two runs whose start/1 differ: the second
 * run's key is its own, not one computed from the first run's digests. */
TEST(test_cache_is_per_run)
{
    struct mf_ds *ds = fixture();
    struct mf_memo_digests cache;
    memset(&cache, 0, sizeof(cache));
    struct mf_memo_task mt = { .flow = "MemoTest", .decl = &square, .code = "c0de", .run_id = "1",
                               .position = "square|", .inputs = "start/1", .cache = &cache };
    mf_value *p1 = NULL, *p2 = NULL, *fresh = NULL;
    char k1[65], k2[65], kf[65];
    CHECK_EQ_INT(mf__memo_parts(ds, &mt, &p1, NULL), 0);
    /* run 2: the same parameters, start/1 holding 8 instead of 7 */
    add_params(ds, "2");
    add_start(ds, "2", "1", 8);
    mt.run_id = "2";
    CHECK_EQ_INT(mf__memo_parts(ds, &mt, &p2, NULL), 0);
    mt.cache = NULL;
    CHECK_EQ_INT(mf__memo_parts(ds, &mt, &fresh, NULL), 0);
    key_of(p1, k1);
    key_of(p2, k2);
    key_of(fresh, kf);
    CHECK_EQ_STR(k2, kf);
    CHECK(strcmp(k1, k2) != 0);
    mf_value_free(p1);
    mf_value_free(p2);
    mf_value_free(fresh);
    mf__ds_close(ds);
}

/* Publishes start/1 as the origin of `key`; returns the entry's path. */
static void publish_start(struct mf_ds *ds, const mf_value *parts, const char *key, struct mf_buf *path)
{
    struct mf_buf ix = MF_BUF_INIT;
    char hex[65];
    CHECK_EQ_INT(mf__ds_task_dir(ds, "1", "start", "1", &ix), 0);
    CHECK_EQ_INT(mf__buf_adds(&ix, "/index"), 0);
    struct mf_buf bytes = MF_BUF_INIT;
    CHECK_EQ_INT(mf__read_file(ix.buf, &bytes, NULL), 0);
    mf__sha256_hex(bytes.buf, bytes.len, hex);
    CHECK_EQ_INT(mf__memo_publish(ds, key, parts, "1/start/1", hex, NULL), 0);
    CHECK_EQ_INT(mf__memo_dir(ds, path), 0);
    CHECK_EQ_INT(mf__buf_addf(path, "/keys/%.2s/%s", key, key), 0);
    mf__buf_release(&ix);
    mf__buf_release(&bytes);
}

TEST(test_entry_round_trip)
{
    struct mf_ds *ds = fixture();
    char key[65];
    struct mf_buf path = MF_BUF_INIT;
    mf_value *parts = parts_of(ds, "c0de", "square|");
    key_of(parts, key);
    struct mf_memo_entry e;
    CHECK_EQ_INT(mf__memo_lookup(ds, key, &e, NULL), MF_ENOENT);
    CHECK_EQ_INT(mf__memo_last(ds, parts, &e, NULL), MF_ENOENT);
    publish_start(ds, parts, key, &path);
    CHECK_EQ_INT(mf__memo_lookup(ds, key, &e, NULL), 0);
    CHECK_EQ_STR(e.origin, "1/start/1");
    CHECK(mf_value_equal(e.parts, parts));
    CHECK(e.previous == NULL);
    struct mf_index ix;
    CHECK_EQ_INT(mf__memo_check_origin(ds, &e, &ix, NULL), 0);
    CHECK(mf__index_find(&ix, "x") != NULL);
    mf__index_release(&ix);
    mf__memo_entry_release(&e);
    CHECK_EQ_INT(mf__memo_last(ds, parts, &e, NULL), 0);
    CHECK_EQ_STR(e.key, key);
    mf__memo_entry_release(&e);
    mf__buf_release(&path);
    mf_value_free(parts);
    mf__ds_close(ds);
}

/* Every file that is not this schema's entry of this key is a miss. */
TEST(test_bad_entries_miss)
{
    struct mf_ds *ds = fixture();
    char key[65];
    struct mf_buf path = MF_BUF_INIT;
    struct mf_memo_entry e;
    struct mf_err err = MF_ERR_INIT;
    mf_value *parts = parts_of(ds, "c0de", "square|");
    key_of(parts, key);
    publish_start(ds, parts, key, &path);
    static const char *const bad[] = {
        "garbage",
        "{\"schema\":2,\"key\":\"%s\",\"origin\":\"1/start/1\",\"index\":\"%s\",\"parts\":{}}",
        "{\"schema\":1,\"key\":\"%.63s0\",\"origin\":\"1/start/1\",\"index\":\"%s\",\"parts\":{}}",
        "{\"schema\":1,\"key\":\"%s\",\"origin\":\"nowhere\",\"index\":\"%s\",\"parts\":{}}",
        "{\"schema\":1,\"key\":\"%s\",\"origin\":\"1/start/1\",\"index\":\"%.10s\",\"parts\":{}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[600];
        snprintf(text, sizeof(text), bad[i], key, key);
        CHECK_EQ_INT(mf__write_atomic(path.buf, text, strlen(text), 0, NULL), 0);
        CHECK_EQ_INT(mf__memo_lookup(ds, key, &e, &err), MF_ECORRUPT);
        CHECK_CONTAINS(err.msg, "is not a valid entry");
    }
    /* a good entry whose origin index changed or vanished */
    publish_start(ds, parts, key, &path);
    CHECK_EQ_INT(mf__memo_lookup(ds, key, &e, NULL), 0);
    snprintf(e.index_hash, sizeof(e.index_hash), "%s", key);
    struct mf_index ix;
    CHECK_EQ_INT(mf__memo_check_origin(ds, &e, &ix, &err), MF_ECORRUPT);
    CHECK_CONTAINS(err.msg, "is not the one it recorded");
    struct mf_buf dir = MF_BUF_INIT;
    CHECK_EQ_INT(mf__ds_task_dir(ds, "1", "start", "1", &dir), 0);
    CHECK_EQ_INT(mf__buf_adds(&dir, "/index"), 0);
    CHECK_EQ_INT(unlink(dir.buf), 0);
    CHECK_EQ_INT(mf__memo_check_origin(ds, &e, &ix, &err), MF_ENOENT);
    CHECK_CONTAINS(err.msg, "has no index any more");
    mf__memo_entry_release(&e);
    mf__buf_release(&dir);
    mf__buf_release(&path);
    mf_value_free(parts);
    mf__ds_close(ds);
}

/* The pointer path of place "square|" pass 0. */
static void pointer_path(struct mf_ds *ds, struct mf_buf *path)
{
    char place[MF_HASH_HEX_LEN + 1];
    mf__sha256_hex("square|#0", strlen("square|#0"), place);
    CHECK_EQ_INT(mf__memo_dir(ds, path), 0);
    CHECK_EQ_INT(mf__buf_addf(path, "/last/%s", place), 0);
}

static ino_t pointer_is(const char *path, const char *key)
{
    struct mf_buf text = MF_BUF_INIT;
    struct stat st;
    CHECK_EQ_INT(mf__read_file(path, &text, NULL), 0);
    CHECK_EQ_INT((int)text.len, MF_HASH_HEX_LEN);
    CHECK(memcmp(text.buf, key, MF_HASH_HEX_LEN) == 0);
    mf__buf_release(&text);
    CHECK_EQ_INT(stat(path, &st), 0);
    return st.st_ino;
}

/* A place's pointer holds the key last published or reused there; a hit
 * that finds its own key leaves it alone; a pointer that holds no key (torn,
 * too long, garbage) is no pointer. */
TEST(test_place_pointer)
{
    struct mf_ds *ds = fixture();
    char key[65], key2[65];
    struct mf_buf path = MF_BUF_INIT, ptr = MF_BUF_INIT;
    struct mf_memo_entry e;
    mf_value *parts = parts_of(ds, "c0de", "square|"), *parts2 = parts_of(ds, "c0df", "square|");
    key_of(parts, key);
    key_of(parts2, key2);
    pointer_path(ds, &ptr);
    publish_start(ds, parts, key, &path);
    pointer_is(ptr.buf, key);
    publish_start(ds, parts2, key2, &path);
    pointer_is(ptr.buf, key2);
    CHECK_EQ_INT(mf__memo_lookup(ds, key2, &e, NULL), 0);
    CHECK_EQ_STR(e.previous, key); /* what `cache explain` compares with */
    mf__memo_entry_release(&e);
    CHECK_EQ_INT(mf__memo_set_last(ds, parts, key, NULL), 0); /* a hit on the first key */
    ino_t ino = pointer_is(ptr.buf, key);
    CHECK_EQ_INT(mf__memo_last(ds, parts2, &e, NULL), 0);
    CHECK_EQ_STR(e.key, key);
    mf__memo_entry_release(&e);
    CHECK_EQ_INT(mf__memo_set_last(ds, parts, key, NULL), 0); /* the same key: not rewritten */
    CHECK(pointer_is(ptr.buf, key) == ino);
    char longer[MF_HASH_HEX_LEN + 2];
    snprintf(longer, sizeof(longer), "%s0", key);
    const char *const bad[] = { "abc", "", longer };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_EQ_INT(mf__write_atomic(ptr.buf, bad[i], strlen(bad[i]), 0, NULL), 0);
        CHECK_EQ_INT(mf__memo_last(ds, parts, &e, NULL), MF_ENOENT);
    }
    mf__buf_release(&path);
    mf__buf_release(&ptr);
    mf_value_free(parts);
    mf_value_free(parts2);
    mf__ds_close(ds);
}

/* The code digest ignores what -g and the build id change (tests/cli/t87
 * builds the variants); here: stable within a process, 64 hex digits. */
TEST(test_code_digest)
{
    char a[65], b[65];
    CHECK_EQ_INT(mf__code_digest(a, NULL), 0);
    CHECK_EQ_INT(mf__code_digest(b, NULL), 0);
    CHECK(mf__is_hash_hex(a));
    CHECK_EQ_STR(a, b);
}

TESTS_BEGIN
T(test_key_parts)
T(test_inputs_change_key)
T(test_cache_is_per_run)
T(test_entry_round_trip)
T(test_bad_entries_miss)
T(test_place_pointer)
T(test_code_digest)
TESTS_END
