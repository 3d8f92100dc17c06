/* SPDX-License-Identifier: Apache-2.0 */
/*
 * switch_run.c - for tests/cli/t51_switch_run.sh: switches and loops in every
 * shape the runtime must handle. MF_SHAPE picks the flow (the environment is
 * inherited by every task process, so all of them see the same flow):
 *   in_branch   a switch inside one arm of a branch
 *   in_foreach  a switch inside a foreach (items go different ways)
 *   branch_in   a branch inside a switch case
 *   foreach_in  a foreach inside a switch case
 *   nested      a switch inside a switch case
 *   loop_in_foreach  a self-loop inside a foreach, a different pass count per item
 *   foreach_in_loop  a foreach inside a loop, joined inside it, two passes
 *   loop        a loop; MF_FAIL_PASS=N fails pass N once (a file marks it),
 *               and every pass appends to $MF_COUNTER
 * MF_CHOICE sets the value the first switch of a flow takes.
 */
#include <metaflow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *choice(const char *dflt)
{
    const char *c = getenv("MF_CHOICE");
    return c && *c ? c : dflt;
}

static void say(mf_task *t) { printf("ran %s\n", mf_step_name(t)); }
static void nop(mf_task *t) { (void)t; }

/* in_branch: start -> (a, b); a switches to ax or ay; all meet at join. */
static void ib_start(mf_task *t) { mf_set_int(t, "base", 10); }
static void ib_a(mf_task *t)
{
    say(t);
    mf_set_str(t, "which", choice("x"));
}
static void ib_ax(mf_task *t)
{
    say(t);
    mf_set_int(t, "v", mf_get_int(t, "base") + 1);
}
static void ib_ay(mf_task *t)
{
    say(t);
    mf_set_int(t, "v", mf_get_int(t, "base") + 2);
}
static void ib_b(mf_task *t)
{
    say(t);
    mf_set_int(t, "v", 100);
}
static void ib_join(mf_task *t)
{
    int64_t sum = 0;
    for (size_t i = 0; i < mf_join_count(t); i++)
        sum += mf_get_int(mf_join_input(t, i), "v");
    printf("join of %zu inputs: sum %lld\n", mf_join_count(t), (long long)sum);
}
static const mf_step in_branch[] = {
    { .name = "start", .fn = ib_start, .next = { "a", "b" } },
    { .name = "a", .fn = ib_a, .switch_on = "which", .cases = { { "x", "ax" }, { "y", "ay" } } },
    { .name = "ax", .fn = ib_ax, .next = { "join" } },
    { .name = "ay", .fn = ib_ay, .next = { "join" } },
    { .name = "b", .fn = ib_b, .next = { "join" } },
    { .name = "join", .fn = ib_join, .join = true, .next = { "end" } },
    { .name = "end", .fn = nop },
};

/* in_foreach: each item goes to even or odd; a join gathers them in order. */
static void if_start(mf_task *t)
{
    int64_t items[] = { 1, 2, 3, 4, 5 };
    mf_set_i64s(t, "items", items, 5);
}
static void if_classify(mf_task *t)
{
    mf_set_int(t, "n", mf_input_int(t));
    mf_set_str(t, "parity", mf_input_int(t) % 2 ? "odd" : "even");
}
static void if_even(mf_task *t) { mf_set_str(t, "label", "even"); }
static void if_odd(mf_task *t) { mf_set_str(t, "label", "odd"); }
static void if_collect(mf_task *t)
{
    for (size_t i = 0; i < mf_join_count(t); i++) {
        mf_task *in = mf_join_input(t, i);
        printf("%lld is %s (from step %s)\n", (long long)mf_get_int(in, "n"), mf_get_str(in, "label"),
               mf_step_name(in));
    }
}
static const mf_step in_foreach[] = {
    { .name = "start", .fn = if_start, .next = { "classify" }, .foreach = "items" },
    { .name = "classify", .fn = if_classify, .switch_on = "parity",
      .cases = { { "even", "even" }, { "odd", "odd" } } },
    { .name = "even", .fn = if_even, .next = { "collect" } },
    { .name = "odd", .fn = if_odd, .next = { "collect" } },
    { .name = "collect", .fn = if_collect, .join = true, .next = { "end" } },
    { .name = "end", .fn = nop },
};

/* branch_in: the "fan" case branches and joins; the "solo" case does not. */
static void bi_start(mf_task *t) { mf_set_str(t, "mode", choice("fan")); }
static void bi_p(mf_task *t) { mf_set_int(t, "p", 1); }
static void bi_q(mf_task *t) { mf_set_int(t, "q", 2); }
static void bi_fj(mf_task *t)
{
    mf_merge_artifacts(t, NULL, NULL);
    mf_set_int(t, "total", mf_get_int(t, "p") + mf_get_int(t, "q"));
}
static void bi_solo(mf_task *t) { mf_set_int(t, "total", 7); }
static void bi_done(mf_task *t) { printf("total %lld\n", (long long)mf_get_int(t, "total")); }
static const mf_step branch_in[] = {
    { .name = "start", .fn = bi_start, .switch_on = "mode", .cases = { { "fan", "fan" }, { "solo", "solo" } } },
    { .name = "fan", .fn = nop, .next = { "p", "q" } },
    { .name = "p", .fn = bi_p, .next = { "fj" } },
    { .name = "q", .fn = bi_q, .next = { "fj" } },
    { .name = "fj", .fn = bi_fj, .join = true, .next = { "done" } },
    { .name = "solo", .fn = bi_solo, .next = { "done" } },
    { .name = "done", .fn = bi_done, .next = { "end" } },
    { .name = "end", .fn = nop },
};

/* foreach_in: the "many" case fans out over three items. */
static void fi_start(mf_task *t) { mf_set_str(t, "mode", choice("many")); }
static void fi_spread(mf_task *t)
{
    int64_t items[] = { 10, 20, 30 };
    mf_set_i64s(t, "items", items, 3);
}
static void fi_w(mf_task *t) { mf_set_int(t, "w", mf_input_int(t) / 10); }
static void fi_wj(mf_task *t)
{
    int64_t sum = 0;
    for (size_t i = 0; i < mf_join_count(t); i++)
        sum += mf_get_int(mf_join_input(t, i), "w");
    mf_set_int(t, "total", sum);
}
static void fi_none(mf_task *t) { mf_set_int(t, "total", 0); }
static const mf_step foreach_in[] = {
    { .name = "start", .fn = fi_start, .switch_on = "mode", .cases = { { "many", "spread" }, { "none", "none" } } },
    { .name = "spread", .fn = fi_spread, .next = { "w" }, .foreach = "items" },
    { .name = "w", .fn = fi_w, .next = { "wj" } },
    { .name = "wj", .fn = fi_wj, .join = true, .next = { "done" } },
    { .name = "none", .fn = fi_none, .next = { "done" } },
    { .name = "done", .fn = bi_done, .next = { "end" } },
    { .name = "end", .fn = nop },
};

/* nested: start picks s2 or leaf_b; s2 picks leaf_c or leaf_d. */
static void ne_start(mf_task *t) { mf_set_str(t, "first", choice("a")); }
static void ne_s2(mf_task *t)
{
    say(t);
    mf_set_str(t, "second", getenv("MF_CHOICE2") ? getenv("MF_CHOICE2") : "d");
}
static const mf_step nested[] = {
    { .name = "start", .fn = ne_start, .switch_on = "first", .cases = { { "a", "s2" }, { "b", "leaf_b" } } },
    { .name = "s2", .fn = ne_s2, .switch_on = "second", .cases = { { "c", "leaf_c" }, { "d", "leaf_d" } } },
    { .name = "leaf_b", .fn = say, .next = { "end" } },
    { .name = "leaf_c", .fn = say, .next = { "end" } },
    { .name = "leaf_d", .fn = say, .next = { "end" } },
    { .name = "end", .fn = nop },
};

/* loop_in_foreach: item k counts to k, each pass a task. */
static void lf_start(mf_task *t)
{
    int64_t items[] = { 1, 3, 2 };
    mf_set_i64s(t, "items", items, 3);
}
static void lf_prep(mf_task *t)
{
    mf_set_int(t, "target", mf_input_int(t));
    mf_set_int(t, "counter", 0);
}
static void lf_count(mf_task *t)
{
    int64_t n = mf_get_int(t, "counter") + 1;
    mf_set_int(t, "counter", n);
    mf_set_str(t, "go", n < mf_get_int(t, "target") ? "again" : "done");
}
static void lf_join(mf_task *t)
{
    for (size_t i = 0; i < mf_join_count(t); i++)
        printf("item %zu counted to %lld\n", i, (long long)mf_get_int(mf_join_input(t, i), "counter"));
}
static const mf_step loop_in_foreach[] = {
    { .name = "start", .fn = lf_start, .next = { "prep" }, .foreach = "items" },
    { .name = "prep", .fn = lf_prep, .next = { "count" } },
    { .name = "count", .fn = lf_count, .switch_on = "go", .cases = { { "again", "count" }, { "done", "gather" } } },
    { .name = "gather", .fn = lf_join, .join = true, .next = { "end" } },
    { .name = "end", .fn = nop },
};

/* foreach_in_loop: each pass fans out over two items and joins them. */
static void fl_start(mf_task *t) { mf_set_int(t, "round", 0); }
static void fl_body(mf_task *t)
{
    int64_t r = mf_get_int(t, "round") + 1, items[] = { 10 * r + 1, 10 * r + 2 };
    mf_set_int(t, "round", r);
    mf_set_i64s(t, "items", items, 2);
}
static void fl_w(mf_task *t) { mf_set_int(t, "v", mf_input_int(t)); }
static void fl_j(mf_task *t)
{
    int64_t r = mf_get_int(mf_join_input(t, 0), "round");
    printf("round %lld joined %lld and %lld\n", (long long)r, (long long)mf_get_int(mf_join_input(t, 0), "v"),
           (long long)mf_get_int(mf_join_input(t, 1), "v"));
    mf_set_int(t, "round", r);
}
static void fl_chk(mf_task *t) { mf_set_str(t, "go", mf_get_int(t, "round") < 2 ? "again" : "done"); }
static const mf_step foreach_in_loop[] = {
    { .name = "start", .fn = fl_start, .next = { "body" } },
    { .name = "body", .fn = fl_body, .next = { "w" }, .foreach = "items" },
    { .name = "w", .fn = fl_w, .next = { "j" } },
    { .name = "j", .fn = fl_j, .join = true, .next = { "chk" } },
    { .name = "chk", .fn = fl_chk, .switch_on = "go", .cases = { { "again", "body" }, { "done", "end" } } },
    { .name = "end", .fn = nop },
};

/* loop: counts to 6; MF_FAIL_PASS=N fails pass N while $MF_FAIL_MARK is absent. */
static void lo_start(mf_task *t) { mf_set_int(t, "counter", 0); }
static void lo_count(mf_task *t)
{
    int64_t n = mf_get_int(t, "counter") + 1;
    const char *counter = getenv("MF_COUNTER");
    FILE *f = counter ? fopen(counter, "a") : NULL;
    if (f) {
        fprintf(f, "pass %lld\n", (long long)n);
        fclose(f);
    }
    const char *fail = getenv("MF_FAIL_PASS");
    if (fail && atoll(fail) == n)
        mf_fail(t, "asked to fail at pass %lld", (long long)n);
    mf_set_int(t, "counter", n);
    mf_set_str(t, "go", n < 6 ? "again" : "done");
}
static void lo_end(mf_task *t) { printf("counted to %lld\n", (long long)mf_get_int(t, "counter")); }
static const mf_step loop[] = {
    { .name = "start", .fn = lo_start, .next = { "count" } },
    { .name = "count", .fn = lo_count, .switch_on = "go", .cases = { { "again", "count" }, { "done", "end" } } },
    { .name = "end", .fn = lo_end },
};

#define FLOW(sname, table) { #sname, { .name = "SwitchRun", .steps = table, .nsteps = sizeof(table) / sizeof(table[0]) } }

int main(int argc, char **argv)
{
    static const struct {
        const char *shape;
        mf_flow flow;
    } flows[] = {
        FLOW(in_branch, in_branch), FLOW(in_foreach, in_foreach), FLOW(branch_in, branch_in),
        FLOW(foreach_in, foreach_in), FLOW(nested, nested), FLOW(loop_in_foreach, loop_in_foreach),
        FLOW(foreach_in_loop, foreach_in_loop), FLOW(loop, loop),
    };
    const char *shape = getenv("MF_SHAPE");
    for (size_t i = 0; shape && i < sizeof(flows) / sizeof(flows[0]); i++)
        if (strcmp(flows[i].shape, shape) == 0)
            return mf_main(&flows[i].flow, argc, argv);
    fprintf(stderr, "switch_run: set MF_SHAPE to one of the shapes listed in tests/flows/switch_run.c\n");
    return 2;
}
