/* SPDX-License-Identifier: Apache-2.0 */
/*
 * branch_flow.c - a static branch: start splits into a and b, which run in
 * parallel, and a join step reads each branch's artifacts through its inputs.
 */
#include <inttypes.h>
#include <metaflow.h>
#include <stdio.h>

/*
 * The Python original:
 *
 *   class BranchFlow(FlowSpec):
 *       @step
 *       def start(self):
 *           self.next(self.a, self.b)
 *       @step
 *       def a(self):
 *           self.x = 1
 *           self.next(self.join)
 *       @step
 *       def b(self):
 *           self.x = 2
 *           self.next(self.join)
 *       @step
 *       def join(self, inputs):
 *           print('a is %s' % inputs.a.x)
 *           print('b is %s' % inputs.b.x)
 *           print('total is %d' % sum(input.x for input in inputs))
 *           self.next(self.end)
 *       @step
 *       def end(self):
 *           pass
 */

static void start(mf_task *t)
{
    (void)t;
}

static void a(mf_task *t)
{
    mf_set_int(t, "x", 1);
}

static void b(mf_task *t)
{
    mf_set_int(t, "x", 2);
}

static void join(mf_task *t)
{
    printf("a is %" PRId64 "\n", mf_get_int(mf_join_branch(t, "a"), "x"));
    printf("b is %" PRId64 "\n", mf_get_int(mf_join_branch(t, "b"), "x"));
    int64_t total = 0;
    for (size_t i = 0; i < mf_join_count(t); i++)
        total += mf_get_int(mf_join_input(t, i), "x");
    printf("total is %" PRId64 "\n", total);
    /* Kept as an artifact too (the seed only prints it), so that clients can read it:
     * Flow('BranchFlow').latest_successful_run['join'].task.data.total. */
    mf_set_int(t, "total", total);
}

static void end(mf_task *t)
{
    (void)t;
}

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "Split into two parallel branches.", .next = { "a", "b" } },
    { .name = "a", .fn = a, .doc = "Set x in branch a.", .next = { "join" } },
    { .name = "b", .fn = b, .doc = "Set x in branch b.", .next = { "join" } },
    { .name = "join", .fn = join, .doc = "Read x from each branch and sum them.", .next = { "end" }, .join = true },
    { .name = "end", .fn = end, .doc = "Nothing left to do." },
};

static const mf_flow flow = {
    .name = "BranchFlow",
    .doc = "A branch: two steps run in parallel and a join reads both.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
