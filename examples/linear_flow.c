/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linear_flow.c - the simplest transition: start -> a -> end. A data artifact
 * set in one step (my_var) is visible to every later step.
 */
#include <metaflow.h>
#include <stdio.h>

/*
 * The Python original:
 *
 *   class LinearFlow(FlowSpec):
 *       @step
 *       def start(self):
 *           self.my_var = 'hello world'
 *           self.next(self.a)
 *       @step
 *       def a(self):
 *           print('the data artifact is: %s' % self.my_var)
 *           self.next(self.end)
 *       @step
 *       def end(self):
 *           print('the data artifact is still: %s' % self.my_var)
 */

static void start(mf_task *t)
{
    mf_set_str(t, "my_var", "hello world");
}

static void a(mf_task *t)
{
    printf("the data artifact is: %s\n", mf_get_str(t, "my_var"));
}

static void end(mf_task *t)
{
    printf("the data artifact is still: %s\n", mf_get_str(t, "my_var"));
}

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "Store a data artifact.", .next = { "a" } },
    { .name = "a", .fn = a, .doc = "Read the artifact set by start.", .next = { "end" } },
    { .name = "end", .fn = end, .doc = "The artifact is still there." },
};

static const mf_flow flow = {
    .name = "LinearFlow",
    .doc = "A linear flow: an artifact set in start is seen by every later step.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
