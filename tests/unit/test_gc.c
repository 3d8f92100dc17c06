/* SPDX-License-Identifier: Apache-2.0 */
/* test_gc.c - gc.c: only old unnamed objects and old temporary files are
 * listed and deleted; named objects and young files stay; a corrupt index
 * stops gc before it deletes anything. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cas.h"
#include "check.h"
#include "datastore.h"
#include "gc.h"
#include "util/alloc.h"
#include "value.h"

static const char *root;

static mf_value *big_value(double seed)
{
    double v[1000];
    for (size_t i = 0; i < 1000; i++)
        v[i] = seed + (double)i * 3.7;
    return mf_value_array(MF_F64S, v, 1000);
}

/* An indexed object (task F/1/start/1) in named, an unindexed one in unnamed. */
static void setup(char named[MF_HASH_HEX_LEN + 1], char unnamed[MF_HASH_HEX_LEN + 1])
{
    struct mf_ds *ds = NULL;
    struct mf_err err = MF_ERR_INIT;
    root = mf_test_fresh_dir("gc");
    CHECK_EQ_INT(mf__ds_open(root, "F", 0, &ds, &err), 0);
    mf_value *a = big_value(1), *b = big_value(2);
    struct mf_artifact art;
    struct mf_index ix;
    mf__index_init(&ix);
    CHECK_EQ_INT(mf__ds_store(ds, "a", a, &art, &err), 0);
    memcpy(named, art.hash, MF_HASH_HEX_LEN + 1);
    CHECK_EQ_INT(mf__index_put(&ix, &art), 0);
    ix.stack = mf__strdup("");
    CHECK_EQ_INT(mf__ds_write_index(ds, "1", "start", "1", &ix, &err), 0);
    CHECK_EQ_INT(mf__cas_put(mf__ds_cas(ds), b, unnamed, NULL, &err), 0);
    mf__index_release(&ix);
    mf__artifact_release(&art);
    mf_value_free(a);
    mf_value_free(b);
    mf__ds_close(ds);
}

static void path_of(const char *hex, char *out, size_t size)
{
    snprintf(out, size, "%s/objects/%.2s/%s", root, hex, hex + 2);
}

static void age(const char *path, time_t seconds)
{
    struct timespec t[2];
    clock_gettime(CLOCK_REALTIME, &t[0]);
    t[0].tv_sec -= seconds;
    t[1] = t[0];
    CHECK(utimensat(AT_FDCWD, path, t, 0) == 0);
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    CHECK(f);
    fputs("partial", f);
    fclose(f);
}

TEST(only_old_unnamed_files_go)
{
    char named[MF_HASH_HEX_LEN + 1], unnamed[MF_HASH_HEX_LEN + 1], p1[512], p2[512], tmp1[600], tmp2[600];
    setup(named, unnamed);
    path_of(named, p1, sizeof(p1));
    path_of(unnamed, p2, sizeof(p2));
    snprintf(tmp1, sizeof(tmp1), "%s.tmp-99-abc", p2);
    snprintf(tmp2, sizeof(tmp2), "%s/F/1/start/1/index.tmp-99-abc", root);
    touch(tmp1);
    touch(tmp2);
    struct mf_gc_stats st;
    struct mf_err err = MF_ERR_INIT;
    /* everything is young: nothing found */
    CHECK_EQ_INT(mf__gc(root, 3600, true, NULL, NULL, &st, &err), 0);
    CHECK_EQ_INT((int)st.found, 0);
    CHECK_EQ_INT((int)st.young, 3);
    CHECK_EQ_INT((int)st.objects_named, 1);
    age(p1, 7200);
    age(p2, 7200);
    age(tmp1, 7200);
    age(tmp2, 7200);
    /* listing deletes nothing */
    CHECK_EQ_INT(mf__gc(root, 3600, false, NULL, NULL, &st, &err), 0);
    CHECK_EQ_INT((int)st.found, 3);
    CHECK_EQ_INT((int)st.deleted, 0);
    CHECK(access(p2, F_OK) == 0 && access(tmp1, F_OK) == 0 && access(tmp2, F_OK) == 0);
    CHECK_EQ_INT(mf__gc(root, 3600, true, NULL, NULL, &st, &err), 0);
    CHECK_EQ_INT((int)st.deleted, 3);
    CHECK(access(p1, F_OK) == 0); /* named: kept, however old */
    CHECK(access(p2, F_OK) != 0 && access(tmp1, F_OK) != 0 && access(tmp2, F_OK) != 0);
}

TEST(a_put_refreshes_what_gc_would_take)
{
    char named[MF_HASH_HEX_LEN + 1], unnamed[MF_HASH_HEX_LEN + 1], p2[512], again[MF_HASH_HEX_LEN + 1];
    setup(named, unnamed);
    path_of(unnamed, p2, sizeof(p2));
    age(p2, 7200);
    /* a task reuses the old unnamed object: its put refreshes the mtime */
    struct mf_cas *cas = NULL;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__cas_open(root, 0, &cas, &err), 0);
    mf_value *b = big_value(2);
    CHECK_EQ_INT(mf__cas_put(cas, b, again, NULL, &err), 0);
    CHECK_EQ_STR(again, unnamed);
    struct mf_gc_stats st;
    CHECK_EQ_INT(mf__gc(root, 3600, true, NULL, NULL, &st, &err), 0);
    CHECK_EQ_INT((int)st.deleted, 0);
    CHECK(access(p2, F_OK) == 0);
    mf_value_free(b);
    mf__cas_close(cas);
}

TEST(corrupt_index_stops_gc)
{
    char named[MF_HASH_HEX_LEN + 1], unnamed[MF_HASH_HEX_LEN + 1], p2[512], ix[512];
    setup(named, unnamed);
    path_of(unnamed, p2, sizeof(p2));
    age(p2, 7200);
    snprintf(ix, sizeof(ix), "%s/F/1/start/1/index", root);
    CHECK(truncate(ix, 5) == 0);
    struct mf_gc_stats st;
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__gc(root, 3600, true, NULL, NULL, &st, &err), MF_ECORRUPT);
    CHECK_CONTAINS(err.msg, "gc deletes nothing");
    CHECK(access(p2, F_OK) == 0);
    CHECK_EQ_INT(mf__gc(root, -1, true, NULL, NULL, &st, &err), MF_EINVAL);
}

TESTS_BEGIN
T(only_old_unnamed_files_go)
T(a_put_refreshes_what_gc_would_take)
T(corrupt_index_stops_gc)
TESTS_END
