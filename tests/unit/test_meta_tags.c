/* SPDX-License-Identifier: Apache-2.0 */
/* test_meta_tags.c - tags (meta_tags.c): what a tag may be, system tags kept
 * apart and immutable, replace in one transaction, the public mf_tags_*
 * functions, the schema-2 database migrated to system tags, and the runtime
 * tag that marks a spin's scratch run. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "meta.h"
#include "meta_check.h"
#include "metaflow.h"
#include "util/alloc.h"

/* Run "1" of "F" by alice with the real system tags and user tag "mine". */
static struct mf_meta *with_run(const char *root)
{
    struct mf_meta *m = open_rw(root);
    struct mf_err err = MF_ERR_INIT;
    char **sys = NULL, *user[] = { (char *)"mine", (char *)"user:alice" };
    size_t nsys = 0;
    CHECK_EQ_INT(mf__meta_system_tags("alice", MF_RUNTIME_DEV, 86400.0 * 365, &sys, &nsys), 0);
    struct mf_meta_run r = { .flow = (char *)"F", .run_id = (char *)"1", .user = (char *)"alice", .start = 1,
                             .tags = user, .ntags = 2, .sys_tags = sys, .nsys_tags = nsys };
    CHECK_EQ_INT(mf__meta_run_create(m, &r, &err), 0);
    mf_strv_free(sys);
    return m;
}

static void read_run(struct mf_meta *m, struct mf_meta_run *r)
{
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__meta_run(m, "F", "1", r, &err), 0);
}

TEST(tag_rules)
{
    char e[256];
    char long_tag[502];
    memset(long_tag, 'x', 501);
    long_tag[501] = 0;
    CHECK_EQ_INT(mf_tag_check("刺身 means sashimi", e, sizeof(e)), 0);
    CHECK_EQ_INT(mf_tag_check("a, b", e, sizeof(e)), 0);
    CHECK_EQ_INT(mf_tag_check(long_tag + 1, e, sizeof(e)), 0); /* 500 bytes */
    CHECK_EQ_INT(mf_tag_check(long_tag, e, sizeof(e)), MF_EINVAL);
    CHECK_CONTAINS(e, "this one has 501");
    CHECK_EQ_INT(mf_tag_check("", e, sizeof(e)), MF_EINVAL);
    CHECK_EQ_INT(mf_tag_check("ok\xff", e, sizeof(e)), MF_EINVAL);
    CHECK_CONTAINS(e, "byte 3 (0xff) is not UTF-8 text");
    CHECK_EQ_INT(mf_tag_check("a\nb", e, sizeof(e)), MF_EINVAL);
    CHECK_CONTAINS(e, "control character");
}

TEST(system_tags_recorded_apart)
{
    struct mf_meta *m = with_run(mf_test_fresh_dir("tags"));
    struct mf_meta_run r;
    read_run(m, &r);
    /* "user:alice" given as a user tag too is a system tag: kept once, as that */
    CHECK_EQ_INT(r.ntags, 1);
    CHECK_EQ_STR(r.tags[0], "mine");
    CHECK_EQ_INT(r.nsys_tags, 4);
    CHECK_EQ_STR(r.sys_tags[0], "date:1971-01-01");
    CHECK_CONTAINS(r.sys_tags[1], "metaflow_c_version:");
    CHECK_EQ_STR(r.sys_tags[2], "runtime:dev");
    CHECK_EQ_STR(r.sys_tags[3], "user:alice");
    const char *want[] = { "mine", "user:alice" }, *other[] = { "mine", "user:bob" };
    CHECK(mf__meta_run_has_tags(&r, want, 2));
    CHECK(!mf__meta_run_has_tags(&r, other, 2));
    mf__meta_run_release(&r);
    mf__meta_close(m);
}

TEST(system_tags_cannot_be_removed)
{
    const char *root = mf_test_fresh_dir("tags");
    struct mf_meta *m = with_run(root);
    struct mf_err err = MF_ERR_INIT;
    const char *rm[] = { "mine", "runtime:dev" }, *add[] = { "new" };
    CHECK_EQ_INT(mf__meta_tags_replace(m, "F", "1", rm, 2, add, 1, &err), MF_EINVAL);
    CHECK_CONTAINS(err.msg, "'runtime:dev' is a system tag of run '1': system tags cannot be removed");
    struct mf_meta_run r;
    read_run(m, &r); /* nothing changed: "mine" is still there, "new" is not */
    CHECK_EQ_INT(r.ntags, 1);
    CHECK_EQ_STR(r.tags[0], "mine");
    mf__meta_run_release(&r);
    mf__meta_close(m);
    /* Not through SQL either: the schema refuses it. */
    char path[300];
    snprintf(path, sizeof(path), "%s/metadata.db", root);
    sqlite3 *db = NULL;
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK(sqlite3_exec(db, "DELETE FROM system_tags", NULL, NULL, NULL) != SQLITE_OK);
    CHECK(sqlite3_exec(db, "UPDATE system_tags SET tag = 'user:mallory'", NULL, NULL, NULL) != SQLITE_OK);
    sqlite3_close(db);
}

TEST(replace_removes_then_adds)
{
    char root[256];
    snprintf(root, sizeof(root), "%s", mf_test_fresh_dir("tags"));
    mf__meta_close(with_run(root));
    char e[512];
    const char *rm[] = { "mine", "absent", NULL }, *add[] = { "yours", "mine", "user:alice", NULL };
    CHECK_EQ_INT(mf_tags_replace(root, "F", "1", rm, add, e, sizeof(e)), 0);
    struct mf_meta *m = open_rw(root);
    struct mf_meta_run r;
    read_run(m, &r); /* "mine" removed then added again; the system tag not added as a user tag */
    CHECK_EQ_INT(r.ntags, 2);
    CHECK_EQ_STR(r.tags[0], "mine");
    CHECK_EQ_STR(r.tags[1], "yours");
    mf__meta_run_release(&r);
    mf__meta_close(m);
    const char *more[] = { "a", "b\xc3", NULL }; /* one bad tag: nothing added */
    CHECK_EQ_INT(mf_tags_add(root, "F", "1", more, e, sizeof(e)), MF_EINVAL);
    CHECK_CONTAINS(e, "not UTF-8");
    const char *gone[] = { "yours", NULL };
    CHECK_EQ_INT(mf_tags_remove(root, "F", "1", gone, e, sizeof(e)), 0);
    CHECK_EQ_INT(mf_tags_add(root, "F", "9", gone, e, sizeof(e)), MF_ENOENT);
    CHECK_CONTAINS(e, "run '9' of flow 'F' does not exist");
    char empty[300];
    snprintf(empty, sizeof(empty), "%s/none", root);
    CHECK_EQ_INT(mf_tags_add(empty, "F", "1", gone, e, sizeof(e)), MF_ENOENT);
    CHECK_CONTAINS(e, "nothing was run under");
    m = open_rw(root);
    read_run(m, &r);
    CHECK_EQ_INT(r.ntags, 1);
    CHECK_EQ_STR(r.tags[0], "mine");
    mf__meta_run_release(&r);
    mf__meta_close(m);
}

/* A schema-2 database gets the system tags that can be known (user, date);
 * a user tag equal to one of them becomes that system tag. */
TEST(schema_2_migrated_to_system_tags)
{
    const char *root = mf_test_fresh_dir("tags");
    struct mf_meta *m = with_run(root);
    mf__meta_close(m);
    char path[300];
    snprintf(path, sizeof(path), "%s/metadata.db", root);
    sqlite3 *db = NULL;
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db,
                              "DROP TABLE system_tags; INSERT INTO tags VALUES('F', '1', 'user:alice');"
                              "ALTER TABLE tasks DROP COLUMN job_id; ALTER TABLE tasks DROP COLUMN job_state;"
                              "ALTER TABLE runs DROP COLUMN jobs; DROP TRIGGER tasks_count_memo_hit;"
                              "ALTER TABLE tasks DROP COLUMN memo_hit; ALTER TABLE tasks DROP COLUMN memo_key;"
                              "ALTER TABLE runs DROP COLUMN memo_hits; PRAGMA user_version = 2;",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(db);
    m = open_rw(root);
    struct mf_meta_run r;
    read_run(m, &r);
    CHECK_EQ_INT(r.nsys_tags, 2);
    CHECK_EQ_STR(r.sys_tags[0], "date:1970-01-01");
    CHECK_EQ_STR(r.sys_tags[1], "user:alice");
    CHECK_EQ_INT(r.ntags, 1);
    CHECK_EQ_STR(r.tags[0], "mine");
    mf__meta_run_release(&r);
    mf__meta_close(m);
}

/* A spin's scratch run is told apart by its runtime tag alone (spin.h). */
TEST(spin_runtime_tag)
{
    char **sys = NULL;
    size_t nsys = 0;
    CHECK_EQ_INT(mf__meta_system_tags("bob", MF_RUNTIME_SPIN, 0, &sys, &nsys), 0);
    CHECK_EQ_INT(nsys, 4);
    CHECK_EQ_STR(sys[1], "runtime:spin");
    CHECK(mf__run_is_spin(sys, nsys));
    mf_strv_free(sys);
    CHECK_EQ_INT(mf__meta_system_tags("bob", MF_RUNTIME_DEV, 0, &sys, &nsys), 0);
    CHECK_EQ_STR(sys[1], "runtime:dev");
    CHECK(!mf__run_is_spin(sys, nsys));
    mf_strv_free(sys);
    char *user_only[] = { (char *)"spin", (char *)"runtime:spinning" };
    CHECK(!mf__run_is_spin(user_only, 2));
    CHECK(!mf__run_is_spin(NULL, 0));
}

TESTS_BEGIN
T(tag_rules)
T(system_tags_recorded_apart)
T(system_tags_cannot_be_removed)
T(replace_removes_then_adds)
T(schema_2_migrated_to_system_tags)
T(spin_runtime_tag)
TESTS_END
