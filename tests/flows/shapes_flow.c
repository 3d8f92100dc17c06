/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shapes_flow.c - for tests/cli/t15_shapes.sh: the graph shapes beyond the
 * seed's, each printing what it sees so the test can check it:
 *   a foreach (outer) whose tasks run a nested foreach (inner) and then a
 *   branch (left/right); after their join, a branch (p/q) with a foreach
 *   inside p.
 *
 *   start -(foreach outer)-> outer -(foreach inner)-> inner -> inner_join
 *     -> fork -> {left, right} -> branch_join -> outer_join
 *     -> split -> {p -(foreach items)-> p_item -> p_join, q} -> final -> end
 */
#include <inttypes.h>
#include <metaflow.h>
#include <stdio.h>
#include <string.h>

static const char *yes_no(bool b)
{
    return b ? "yes" : "no";
}

static void start(mf_task *t)
{
    mf_value *outer = mf_value_list();
    mf_value_list_push(outer, mf_value_str("x"));
    mf_value_list_push(outer, mf_value_str("y"));
    mf_set(t, "outer", outer);
}

/* Outer item k fans out over k*10, k*10+1, k*10+2. */
static void outer(mf_task *t)
{
    int64_t base = mf_index(t) * 10;
    mf_set_str(t, "name", mf_input_str(t));
    mf_value *inner = mf_value_list();
    for (int64_t i = 0; i < 3; i++)
        mf_value_list_push(inner, mf_value_int(base + i));
    mf_set(t, "inner", inner);
    printf("outer %s: index %" PRId64 "\n", mf_get_str(t, "name"), mf_index(t));
}

static void inner(mf_task *t)
{
    mf_set_int(t, "v", mf_input_int(t));
    printf("inner %s: index %" PRId64 " item %" PRId64 "\n", mf_get_str(t, "name"), mf_index(t), mf_input_int(t));
}

/* The nested join sees its own foreach's items, in index order. */
static void inner_join(mf_task *t)
{
    char seen[128] = "";
    size_t used = 0;
    for (size_t i = 0; i < mf_join_count(t); i++) {
        int n = snprintf(seen + used, sizeof(seen) - used, "%s%" PRId64, i ? " " : "",
                         mf_get_int(mf_join_input(t, i), "v"));
        if (n < 0 || (size_t)n >= sizeof(seen) - used)
            mf_fail(t, "too many inner inputs to print");
        used += (size_t)n;
    }
    mf_merge_artifacts(t, (const char *[]){ "name", NULL }, NULL);
    printf("inner_join %s: %zu inputs: %s; sees v: %s\n", mf_get_str(t, "name"), mf_join_count(t), seen,
           yes_no(mf_has(t, "v")));
}

/* Back in the outer foreach: its item and index again. */
static void fork_step(mf_task *t)
{
    printf("fork %s: input %s index %" PRId64 "\n", mf_get_str(t, "name"), mf_input_str(t), mf_index(t));
}

/* Sibling branches never see each other's artifacts. */
static void left(mf_task *t)
{
    char l[64];
    snprintf(l, sizeof(l), "%s-left", mf_get_str(t, "name"));
    mf_set_str(t, "l", l);
    printf("left %s: index %" PRId64 "; sees r: %s\n", mf_get_str(t, "name"), mf_index(t), yes_no(mf_has(t, "r")));
}

static void right(mf_task *t)
{
    char r[64];
    snprintf(r, sizeof(r), "%s-right", mf_get_str(t, "name"));
    mf_set_str(t, "r", r);
    printf("right %s: index %" PRId64 "; sees l: %s\n", mf_get_str(t, "name"), mf_index(t), yes_no(mf_has(t, "l")));
}

static void branch_join(mf_task *t)
{
    mf_task *l = mf_join_branch(t, "left"), *r = mf_join_branch(t, "right");
    char pair[160];
    snprintf(pair, sizeof(pair), "%s+%s", mf_get_str(l, "l"), mf_get_str(r, "r"));
    mf_set_str(t, "pair", pair);
    printf("branch_join: %s; left sees r: %s, right sees l: %s\n", pair, yes_no(mf_has(l, "r")),
           yes_no(mf_has(r, "l")));
}

static void outer_join(mf_task *t)
{
    printf("outer_join: %zu inputs:", mf_join_count(t));
    for (size_t i = 0; i < mf_join_count(t); i++)
        printf(" %s", mf_get_str(mf_join_input(t, i), "pair"));
    printf("\n");
}

static void split(mf_task *t)
{
    printf("split: sees pair: %s\n", yes_no(mf_has(t, "pair")));
}

static void p(mf_task *t)
{
    mf_value *items = mf_value_list();
    mf_value_list_push(items, mf_value_str("p0"));
    mf_value_list_push(items, mf_value_str("p1"));
    mf_value_list_push(items, mf_value_str("p2"));
    mf_set(t, "items", items);
    mf_set_int(t, "from_p", 1);
}

static void p_item(mf_task *t)
{
    char out[64];
    snprintf(out, sizeof(out), "%s@%" PRId64, mf_input_str(t), mf_index(t));
    mf_set_str(t, "out", out);
    printf("p_item: %s; sees qv: %s\n", out, yes_no(mf_has(t, "qv")));
}

static void p_join(mf_task *t)
{
    char joined[128] = "";
    for (size_t i = 0; i < mf_join_count(t); i++) {
        if (i)
            strncat(joined, " ", sizeof(joined) - strlen(joined) - 1);
        strncat(joined, mf_get_str(mf_join_input(t, i), "out"), sizeof(joined) - strlen(joined) - 1);
    }
    mf_set_str(t, "joined", joined);
    printf("p_join: %s\n", joined);
}

static void q(mf_task *t)
{
    mf_set_int(t, "qv", 7);
    printf("q: sees items: %s, from_p: %s\n", yes_no(mf_has(t, "items")), yes_no(mf_has(t, "from_p")));
}

static void final(mf_task *t)
{
    mf_task *pj = mf_join_branch(t, "p_join"), *qt = mf_join_branch(t, "q");
    char summary[200];
    snprintf(summary, sizeof(summary), "p_join says '%s', q says %" PRId64, mf_get_str(pj, "joined"),
             mf_get_int(qt, "qv"));
    mf_set_str(t, "summary", summary);
    printf("final: %s; p_join sees qv: %s, q sees joined: %s\n", summary, yes_no(mf_has(pj, "qv")),
           yes_no(mf_has(qt, "joined")));
}

static void end(mf_task *t)
{
    printf("end: %s\n", mf_get_str(t, "summary"));
}

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "Fan out over two names.", .next = { "outer" }, .foreach = "outer" },
    { .name = "outer", .fn = outer, .doc = "Fan out again, three items each.", .next = { "inner" },
      .foreach = "inner" },
    { .name = "inner", .fn = inner, .doc = "One task per inner item.", .next = { "inner_join" } },
    { .name = "inner_join", .fn = inner_join, .doc = "Join the nested foreach.", .next = { "fork" }, .join = true },
    { .name = "fork", .fn = fork_step, .doc = "A branch inside the outer foreach.", .next = { "left", "right" } },
    { .name = "left", .fn = left, .doc = "Left branch.", .next = { "branch_join" } },
    { .name = "right", .fn = right, .doc = "Right branch.", .next = { "branch_join" } },
    { .name = "branch_join", .fn = branch_join, .doc = "Join the branch.", .next = { "outer_join" }, .join = true },
    { .name = "outer_join", .fn = outer_join, .doc = "Join the outer foreach.", .next = { "split" }, .join = true },
    { .name = "split", .fn = split, .doc = "A branch with a foreach in one arm.", .next = { "p", "q" } },
    { .name = "p", .fn = p, .doc = "Fan out over three items.", .next = { "p_item" }, .foreach = "items" },
    { .name = "p_item", .fn = p_item, .doc = "One task per item of p.", .next = { "p_join" } },
    { .name = "p_join", .fn = p_join, .doc = "Join p's foreach.", .next = { "final" }, .join = true },
    { .name = "q", .fn = q, .doc = "The other arm.", .next = { "final" } },
    { .name = "final", .fn = final, .doc = "Join p_join and q.", .next = { "end" }, .join = true },
    { .name = "end", .fn = end, .doc = "Print the summary." },
};

static const mf_flow flow = {
    .name = "ShapesFlow",
    .doc = "Nested foreach, a branch inside a foreach, a foreach inside a branch.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
