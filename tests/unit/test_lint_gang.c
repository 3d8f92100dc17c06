/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_lint_gang.c - the gang rules (mf_step.num_parallel, lint_gang.c): a
 * gang of 1 or more tasks, started by a step with one next step that is not
 * also a foreach, a switch or the end; its gang step goes straight to a join,
 * does not split or catch; a gang is joined like a foreach. A gang may sit
 * inside a foreach. Each report is compared whole.
 */
#include "check.h"
#include "lint_check.h"

TEST(valid_gang)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "train" }, .num_parallel = 4 },
        { .name = "train", .next = { "join" }, .retries = 2 },
        { .name = "join", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(valid_gang_in_foreach)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" }, .foreach = "xs" },
        { .name = "a", .next = { "train" }, .num_parallel = 1 },
        { .name = "train", .next = { "gj" } },
        { .name = "gj", .next = { "join" }, .join = true },
        { .name = "join", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_VALID(steps);
}

TEST(negative_width)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" }, .num_parallel = -2 },
        { .name = "a", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "step 'start' has .num_parallel = -2: a gang has 1 task or more; set how many, or 0 (the default) for no gang\n");
}

TEST(gang_not_followed_by_join)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "train" }, .num_parallel = 2 },
        { .name = "train", .next = { "after" } },
        { .name = "after", .next = { "join" } },
        { .name = "join", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "the gang step 'train' (started by 'start' with .num_parallel = 2) goes to 'after', which is not a join: the step after a gang step is a join that sees its 2 tasks; set 'after'.join = true, or add a join step after 'train'\n");
}

TEST(gang_never_joined)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "train" }, .num_parallel = 2 },
        { .name = "train", .next = { "end" } },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "the gang of 'start' (2 tasks of 'train') is never joined: add a join step after 'train', before 'end'\n");
}

TEST(gang_split_declarations)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" } },
        { .name = "a", .next = { "b", "c" }, .num_parallel = 2 },
        { .name = "b", .next = { "j" } },
        { .name = "c", .next = { "j" } },
        { .name = "j", .next = { "end" }, .join = true },
        { .name = "end", .num_parallel = 3 },
    };
    EXPECT_LINT(steps, 2,
                "step 'a' starts a gang (.num_parallel = 2) but has 2 next steps: it has exactly one, the gang step run as 2 tasks; keep one\n"
                "step 'end' has .num_parallel = 3: the end step cannot start a gang; remove it\n");
}

TEST(gang_and_foreach)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "a" }, .foreach = "xs", .num_parallel = 2 },
        { .name = "a", .next = { "j" } },
        { .name = "j", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "step 'start' sets both .foreach and .num_parallel: a step fans out over a list or starts a gang, not both; keep one\n");
}

TEST(gang_step_catches_and_splits)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "train" }, .num_parallel = 2 },
        { .name = "train", .next = { "x", "y" }, .catch_var = "oops" },
        { .name = "x", .next = { "j" } },
        { .name = "y", .next = { "j" } },
        { .name = "j", .next = { "j2" }, .join = true },
        { .name = "j2", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 2,
                "the gang step 'train' (started by 'start' with .num_parallel = 2) splits: a gang step goes to one join step, which sees its tasks; move the split to the join or after it\n"
                "the gang step 'train' catches failures in 'oops': a gang succeeds or fails as a whole, so one task's failure cannot be caught; remove .catch_var (.retries run the whole gang again)\n");
}

/* A gang's ranks work together: one reused without the others is meaningless. */
TEST(gang_step_memoised)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "train" }, .num_parallel = 2, .memoize = true },
        { .name = "train", .next = { "j" }, .memoize = true, .memo_salt = "v2" },
        { .name = "j", .next = { "end" }, .join = true, .memoize = true },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "the gang step 'train' (started by 'start' with .num_parallel = 2) sets .memoize: a gang's tasks run together and are never memoised; remove .memoize (memoise the step before or after it)\n");
}

TEST(gang_straight_into_join)
{
    static const mf_step steps[] = {
        { .name = "start", .next = { "j" }, .num_parallel = 2 },
        { .name = "j", .next = { "end" }, .join = true },
        { .name = "end" },
    };
    EXPECT_LINT(steps, 1,
                "step 'start' fans out straight into the join 'j': add the step run for each item between them\n");
}

TESTS_BEGIN
T(valid_gang)
T(valid_gang_in_foreach)
T(negative_width)
T(gang_not_followed_by_join)
T(gang_never_joined)
T(gang_split_declarations)
T(gang_and_foreach)
T(gang_step_catches_and_splits)
T(gang_step_memoised)
T(gang_straight_into_join)
TESTS_END
