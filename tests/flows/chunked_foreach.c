/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chunked_foreach.c - for tests/faults/f65_chunk_corrupt.sh: a foreach over
 * `--width` strings of 200 bytes, a list large enough to be stored in
 * chunks (chunk.h). Each task checks that its item is the one of its index,
 * so a wrong value fails it with "wrong item", never passes silently.
 */
#include <inttypes.h>
#include <metaflow.h>
#include <stdio.h>
#include <string.h>

#define ITEM_LEN 200

static void item_text(int64_t i, char out[ITEM_LEN + 1])
{
    int n = snprintf(out, ITEM_LEN + 1, "item %06" PRId64 " ", i);
    for (int k = n; k < ITEM_LEN; k++)
        out[k] = (char)('a' + (k * 7 + i) % 26);
    out[ITEM_LEN] = '\0';
}

static void start(mf_task *t)
{
    char text[ITEM_LEN + 1];
    mf_value *items = mf_value_list();
    for (int64_t i = 0; i < mf_get_int(t, "width"); i++) {
        item_text(i, text);
        if (mf_value_list_push(items, mf_value_str(text)) != 0)
            mf_fail(t, "cannot build the list");
    }
    mf_set(t, "items", items);
}

static void work(mf_task *t)
{
    char want[ITEM_LEN + 1];
    item_text(mf_index(t), want);
    if (strcmp(mf_input_str(t), want) != 0)
        mf_fail(t, "wrong item at index %" PRId64, mf_index(t));
    mf_set_int(t, "pos", mf_index(t));
    printf("work %" PRId64 " ok\n", mf_index(t));
}

static void join(mf_task *t)
{
    mf_set_int(t, "count", (int64_t)mf_join_count(t));
}

static void end(mf_task *t) { printf("end: %" PRId64 " items\n", mf_get_int(t, "count")); }

static const mf_param params[] = {
    { .name = "width", .type = MF_PARAM_INT, .default_value = "300", .help = "How many items" },
};

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "Make the list.", .next = { "work" }, .foreach = "items" },
    { .name = "work", .fn = work, .doc = "Check one item.", .next = { "join" } },
    { .name = "join", .fn = join, .doc = "Count.", .next = { "end" }, .join = true },
    { .name = "end", .fn = end, .doc = "Print the count." },
};

static const mf_flow flow = {
    .name = "ChunkedForeachFlow",
    .doc = "A foreach over a list stored in chunks.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
};

int main(int argc, char **argv) { return mf_main(&flow, argc, argv); }
