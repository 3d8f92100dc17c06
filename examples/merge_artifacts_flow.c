/* SPDX-License-Identifier: Apache-2.0 */
/*
 * merge_artifacts_flow.c - how artifacts propagate through a branch and its
 * join: the join resolves x itself, excludes the ambiguous y, and lets
 * mf_merge_artifacts() take pass_down, common (equal in both) and from_a.
 */
#include <inttypes.h>
#include <metaflow.h>
#include <stdio.h>

/*
 * The Python original:
 *
 *   class MergeArtifactsFlow(FlowSpec):
 *       @step
 *       def start(self):
 *           self.pass_down = 'a'
 *           self.next(self.a, self.b)
 *       @step
 *       def a(self):
 *           self.common = 5
 *           self.x = 1
 *           self.y = 3
 *           self.from_a = 6
 *           self.next(self.join)
 *       @step
 *       def b(self):
 *           self.common = 5
 *           self.x = 2
 *           self.y = 4
 *           self.next(self.join)
 *       @step
 *       def join(self, inputs):
 *           self.x = inputs.a.x
 *           self.merge_artifacts(inputs, exclude=['y'])
 *           print('x is %s' % self.x)
 *           print('pass_down is %s' % self.pass_down)
 *           print('common is %d' % self.common)
 *           print('from_a is %d' % self.from_a)
 *           self.next(self.end)
 *       @step
 *       def end(self):
 *           pass
 */

static void start(mf_task *t)
{
    mf_set_str(t, "pass_down", "a");
}

static void a(mf_task *t)
{
    mf_set_int(t, "common", 5);
    mf_set_int(t, "x", 1);
    mf_set_int(t, "y", 3);
    mf_set_int(t, "from_a", 6);
}

static void b(mf_task *t)
{
    mf_set_int(t, "common", 5);
    mf_set_int(t, "x", 2);
    mf_set_int(t, "y", 4);
}

static void join(mf_task *t)
{
    mf_set_int(t, "x", mf_get_int(mf_join_branch(t, "a"), "x"));
    mf_merge_artifacts(t, NULL, (const char *[]){ "y", NULL });
    printf("x is %" PRId64 "\n", mf_get_int(t, "x"));
    printf("pass_down is %s\n", mf_get_str(t, "pass_down"));
    printf("common is %" PRId64 "\n", mf_get_int(t, "common"));
    printf("from_a is %" PRId64 "\n", mf_get_int(t, "from_a"));
}

static void end(mf_task *t)
{
    (void)t;
}

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "Set an artifact every later step inherits.", .next = { "a", "b" } },
    { .name = "a", .fn = a, .doc = "Set common, x, y and from_a.", .next = { "join" } },
    { .name = "b", .fn = b, .doc = "Set common, x and y (x and y differ from a's).", .next = { "join" } },
    { .name = "join", .fn = join, .doc = "Resolve x, exclude y, merge the rest.", .next = { "end" }, .join = true },
    { .name = "end", .fn = end, .doc = "Nothing left to do." },
};

static const mf_flow flow = {
    .name = "MergeArtifactsFlow",
    .doc = "Artifact propagation through a branch, resolved with mf_merge_artifacts().",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
