/* SPDX-License-Identifier: Apache-2.0 */
/* test_run_clones.c - run_clones.c: the log of a run's cloned tasks reads
 * back as appended, skips a line a crash cut short and any line that is not
 * the scheduler's, and a run without a log has no clones. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "run_clones.h"
#include "util/buf.h"
#include "util/fsutil.h"

#define KEY "e507b743e344ff497ebb60db3ffea5f1f4471b076ee89964d31ea0097268b1ad"

struct seen {
    char lines[8][200];
    size_t n;
};

static int collect(void *ctx, const struct mf_clone_line *c)
{
    struct seen *s = ctx;
    if (s->n < 8)
        snprintf(s->lines[s->n++], sizeof(s->lines[0]), "%s %s %s %s", c->step, c->task_id, c->origin,
                 c->memo_key ? c->memo_key : "-");
    return 0;
}

static int parses(const char *text)
{
    char line[300];
    struct mf_clone_line c;
    snprintf(line, sizeof(line), "%s", text);
    return mf__run_clones_parse_line(line, &c) == 0;
}

TEST(lines)
{
    CHECK(parses("start/1 2/start/1"));
    CHECK(parses("work_2/17 12/work_2/9 " KEY));
    CHECK(!parses("start/1"));                     /* no origin */
    CHECK(!parses("start/1 2/start"));             /* origin without a task */
    CHECK(!parses("start/x 2/start/1"));           /* a task id of digits only */
    CHECK(!parses("st-art/1 2/start/1"));          /* a step name */
    CHECK(!parses("start/1 a/start/1"));           /* a run id */
    CHECK(!parses("start/1 2/start/1 abc"));       /* a key of 64 hex digits */
    CHECK(!parses("start/1 2/start/1 " KEY " x")); /* nothing after the key */
    CHECK(!parses("/1 2/start/1"));
    CHECK(!parses(""));
}

TEST(append_and_read)
{
    const char *root = mf_test_fresh_dir("run_clones");
    char dir[512];
    struct mf_err err = MF_ERR_INIT;
    struct seen s = { .n = 0 };
    size_t bad = 0;
    snprintf(dir, sizeof(dir), "%s/F/3", root);
    CHECK_EQ_INT(mf__run_clones_read(root, "F", "3", collect, &s, &bad, &err), 0); /* no directory, no log */
    CHECK_EQ_INT((int)s.n, 0);
    CHECK_EQ_INT(mf__run_clones_append(root, "F", "3", "a/1 2/a/1\n", 10, &err), 0); /* no directory: nothing */
    CHECK_EQ_INT(mf__mkdirs(dir, &err), 0);
    struct mf_buf b = MF_BUF_INIT;
    CHECK_EQ_INT(mf__run_clones_line(&b, "start", "1", "2/start/1", NULL), 0);
    CHECK_EQ_INT(mf__run_clones_line(&b, "square", "5", "1/square/4", KEY), 0);
    CHECK_EQ_INT(mf__run_clones_append(root, "F", "3", b.buf, b.len, &err), 0);
    mf__buf_reset(&b);
    CHECK_EQ_INT(mf__buf_adds(&b, "not a line\nwork/2 2/work/2\nwork/3 2/wo"), 0); /* the last one cut short */
    CHECK_EQ_INT(mf__run_clones_append(root, "F", "3", b.buf, b.len, &err), 0);
    mf__buf_release(&b);
    CHECK_EQ_INT(mf__run_clones_read(root, "F", "3", collect, &s, &bad, &err), 0);
    CHECK_EQ_INT((int)s.n, 3);
    CHECK_EQ_STR(s.lines[0], "start 1 2/start/1 -");
    CHECK_EQ_STR(s.lines[1], "square 5 1/square/4 " KEY);
    CHECK_EQ_STR(s.lines[2], "work 2 2/work/2 -");
    CHECK_EQ_INT((int)bad, 2);
}

TESTS_BEGIN
T(lines)
T(append_and_read)
TESTS_END
