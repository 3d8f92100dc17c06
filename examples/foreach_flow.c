/* SPDX-License-Identifier: Apache-2.0 */
/*
 * foreach_flow.c - a dynamic fan-out: one task of step a runs for each item
 * of the list `titles`, and the join collects their results in list order.
 */
#include <metaflow.h>
#include <stdio.h>

/*
 * The Python original:
 *
 *   class ForeachFlow(FlowSpec):
 *       @step
 *       def start(self):
 *           self.titles = ['Stranger Things',
 *                          'House of Cards',
 *                          'Narcos']
 *           self.next(self.a, foreach='titles')
 *       @step
 *       def a(self):
 *           self.title = '%s processed' % self.input
 *           self.next(self.join)
 *       @step
 *       def join(self, inputs):
 *           self.results = [input.title for input in inputs]
 *           self.next(self.end)
 *       @step
 *       def end(self):
 *           print('\n'.join(self.results))
 */

static void start(mf_task *t)
{
    static const char *const titles[] = { "Stranger Things", "House of Cards", "Narcos" };
    mf_value *list = mf_value_list();
    for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
        mf_value_list_push(list, mf_value_str(titles[i]));
    mf_set(t, "titles", list);
}

static void a(mf_task *t)
{
    char title[256];
    snprintf(title, sizeof(title), "%s processed", mf_input_str(t));
    mf_set_str(t, "title", title);
}

static void join(mf_task *t)
{
    mf_value *results = mf_value_list();
    for (size_t i = 0; i < mf_join_count(t); i++)
        mf_value_list_push(results, mf_value_str(mf_get_str(mf_join_input(t, i), "title")));
    mf_set(t, "results", results);
}

/* print('\n'.join(results)): the items with newlines between, then one more. */
static void end(mf_task *t)
{
    const mf_value *results = mf_get(t, "results");
    for (size_t i = 0; i < mf_value_len(results); i++) {
        const char *title = NULL;
        if (mf_value_get_str(mf_value_at(results, i), &title) != 0)
            mf_fail(t, "results[%zu] is not a string", i);
        printf("%s%s", i ? "\n" : "", title);
    }
    printf("\n");
}

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "Make the list of titles to fan out over.", .next = { "a" },
      .foreach = "titles" },
    { .name = "a", .fn = a, .doc = "Process one title (one task per item).", .next = { "join" } },
    { .name = "join", .fn = join, .doc = "Collect the processed titles in list order.", .next = { "end" },
      .join = true },
    { .name = "end", .fn = end, .doc = "Print the results, one per line." },
};

static const mf_flow flow = {
    .name = "ForeachFlow",
    .doc = "A foreach: one task per item of a list, joined in list order.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
