/* SPDX-License-Identifier: Apache-2.0 */
/* test_task.c - the task command line's own formats: split stacks and
 * input paths (task.h). */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "task.h"

TEST(stack_top_single)
{
    struct mf_frame f;
    size_t rest = 99;
    CHECK_EQ_INT(mf__stack_top("start:1:2:3", &f, &rest, NULL), 0);
    CHECK_EQ_STR(f.step, "start");
    CHECK_EQ_INT(f.task, 1);
    CHECK_EQ_INT(f.index, 2);
    CHECK_EQ_INT(f.count, 3);
    CHECK_EQ_INT(rest, 0);
}

TEST(stack_top_nested)
{
    struct mf_frame f;
    size_t rest = 0;
    const char *s = "start:1:0:2,a:7:4:5";
    CHECK_EQ_INT(mf__stack_top(s, &f, &rest, NULL), 0);
    CHECK_EQ_STR(f.step, "a");
    CHECK_EQ_INT(f.task, 7);
    CHECK_EQ_INT(f.index, 4);
    CHECK_EQ_INT(rest, strlen("start:1:0:2"));
}

TEST(stack_empty_is_enoent)
{
    struct mf_frame f;
    CHECK_EQ_INT(mf__stack_top("", &f, NULL, NULL), MF_ENOENT);
    CHECK_EQ_INT(mf__stack_validate("", NULL), 0);
}

TEST(stack_malformed)
{
    static const char *bad[] = { "start", "start:1", "start:1:2", "start:x:0:1", "start:1:3:3", "start:1:-1:3",
                                 ":1:0:1", "start:1:0:0", "a:1:0:1,", "a:1:0:1,b:2", "start:1:0:1junk", "start:-1:0:1" };
    struct mf_err err = MF_ERR_INIT;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = mf__stack_validate(bad[i], &err);
        if (rc != MF_EPARSE)
            fprintf(stderr, "accepted '%s'\n", bad[i]);
        CHECK_EQ_INT(rc, MF_EPARSE);
    }
    CHECK_CONTAINS(err.msg, "STEP:TASK:INDEX:COUNT");
}

struct seen {
    char text[256];
};

static int collect(void *ctx, const char *step, size_t len, uint64_t id)
{
    struct seen *s = ctx;
    size_t n = strlen(s->text);
    snprintf(s->text + n, sizeof(s->text) - n, "%.*s#%llu ", (int)len, step, (unsigned long long)id);
    return 0;
}

TEST(input_paths_ranges)
{
    struct seen s = { "" };
    CHECK_EQ_INT(mf__input_paths_each("a/2-4,b/9", collect, &s, NULL), 0);
    CHECK_EQ_STR(s.text, "a#2 a#3 a#4 b#9 ");
    memset(&s, 0, sizeof(s));
    CHECK_EQ_INT(mf__input_paths_each("", collect, &s, NULL), 0);
    CHECK_EQ_STR(s.text, "");
}

TEST(input_paths_malformed)
{
    static const char *bad[] = { "a", "/1", "a/", "a/x", "a/5-2", "a/1,", "a/1;b/2", "a/1-", "a,b/1", "a/-1", "a/1--2" };
    struct seen s = { "" };
    struct mf_err err = MF_ERR_INIT;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        s.text[0] = '\0';
        int rc = mf__input_paths_each(bad[i], collect, &s, &err);
        if (rc != MF_EPARSE)
            fprintf(stderr, "accepted '%s'\n", bad[i]);
        CHECK_EQ_INT(rc, MF_EPARSE);
    }
    CHECK_CONTAINS(err.msg, "input path");
}

TESTS_BEGIN
T(stack_top_single)
T(stack_top_nested)
T(stack_empty_is_enoent)
T(stack_malformed)
T(input_paths_ranges)
T(input_paths_malformed)
TESTS_END
