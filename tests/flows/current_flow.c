/* SPDX-License-Identifier: Apache-2.0 */
/*
 * current_flow.c - for tests/cli/t90_current.sh: what a step knows of its
 * run (Metaflow's `current`). A foreach inside a foreach, with a branch
 * inside the inner one, so that the foreach stack of a leaf has two frames
 * and leaves the branch out. `end` fails while CURRENT_FAIL is set, so a
 * resume can show its origin run id.
 */
#include <inttypes.h>
#include <metaflow.h>
#include <stdio.h>
#include <stdlib.h>

static void print_stack(mf_task *t)
{
    const mf_foreach_frame *f = NULL;
    size_t n = mf_foreach_stack(t, &f);
    printf("stack %s %s:", mf_step_name(t), mf_task_id(t));
    for (size_t i = 0; i < n; i++)
        printf(" %s[%" PRId64 "/%" PRId64 "]", f[i].step, f[i].index, f[i].width);
    printf("\n");
}

static void print_strv(const char *what, const char *const *v)
{
    printf("%s:", what);
    for (size_t i = 0; v && v[i]; i++)
        printf(" <%s>", v[i]);
    printf("\n");
}

static void start(mf_task *t)
{
    static const int64_t xs[] = { 10, 20 };
    mf_set_i64s(t, "xs", xs, 2);
    printf("user: %s\n", mf_username(t));
    printf("namespace: %s\n", mf_namespace(t));
    printf("origin: %s\n", mf_origin_run_id(t) ? mf_origin_run_id(t) : "(none)");
    print_strv("tags", mf_run_tags(t));
    print_strv("params", mf_parameter_names(t));
    print_stack(t);
}

static void outer(mf_task *t)
{
    static const int64_t ys[] = { 1, 2, 3 };
    mf_set_i64s(t, "ys", ys, 3);
    print_stack(t);
}

static void mid(mf_task *t) { print_stack(t); }
static void left(mf_task *t) { print_stack(t); }
static void right(mf_task *t) { print_stack(t); }
static void branch_join(mf_task *t) { print_stack(t); }
static void inner_join(mf_task *t) { print_stack(t); }
static void outer_join(mf_task *t) { print_stack(t); }

static void end(mf_task *t)
{
    printf("end origin: %s\n", mf_origin_run_id(t) ? mf_origin_run_id(t) : "(none)");
    print_stack(t);
    if (getenv("CURRENT_FAIL"))
        mf_fail(t, "CURRENT_FAIL is set");
}

static const mf_step steps[] = {
    { .name = "start", .fn = start, .next = { "outer" }, .foreach = "xs" },
    { .name = "outer", .fn = outer, .next = { "mid" }, .foreach = "ys" },
    { .name = "mid", .fn = mid, .next = { "left", "right" } },
    { .name = "left", .fn = left, .next = { "branch_join" } },
    { .name = "right", .fn = right, .next = { "branch_join" } },
    { .name = "branch_join", .fn = branch_join, .next = { "inner_join" }, .join = true },
    { .name = "inner_join", .fn = inner_join, .next = { "outer_join" }, .join = true },
    { .name = "outer_join", .fn = outer_join, .next = { "end" }, .join = true },
    { .name = "end", .fn = end },
};

static const mf_param params[] = {
    { .name = "beta", .type = MF_PARAM_INT, .default_value = "2" },
    { .name = "alpha", .type = MF_PARAM_STR },
};

int main(int argc, char **argv)
{
    static const mf_flow flow = { .name = "CurrentFlow", .steps = steps, .nsteps = 9, .params = params,
                                  .nparams = 2 };
    return mf_main(&flow, argc, argv);
}
