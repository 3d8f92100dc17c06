/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dump_flow.c - for t81_dump: artifacts that `dump` summarises (a 100-item
 * f64 array, 256 bytes, a 300-character string, a 30-item list) beside a
 * user's map whose keys are exactly a summary's, and small values.
 *
 *   start -> end
 */
#include <metaflow.h>
#include <stdio.h>
#include <string.h>

static void start(mf_task *t)
{
    double big[100];
    unsigned char blob[256];
    char text[301];
    for (int i = 0; i < 100; i++)
        big[i] = i * 0.5;
    for (int i = 0; i < 256; i++)
        blob[i] = (unsigned char)i;
    for (int i = 0; i < 300; i++)
        text[i] = (char)('a' + i % 26);
    text[300] = '\0';
    mf_set_f64s(t, "big", big, 100);
    mf_set_bytes(t, "blob", blob, sizeof(blob));
    mf_set_str(t, "text", text);
    mf_set_int(t, "small", 7);
    mf_value *names = mf_value_list();
    for (int i = 0; i < 30; i++) {
        char n[16];
        snprintf(n, sizeof(n), "n%d", i);
        mf_value_list_push(names, mf_value_str(n));
    }
    mf_set(t, "names", names);
    /* A user's map that looks like a summary. */
    mf_value *look = mf_value_map(), *head = mf_value_list(), *tail = mf_value_list();
    mf_value_list_push(head, mf_value_double(0.0));
    mf_value_list_push(tail, mf_value_double(49.5));
    mf_value_map_put(look, "type", mf_value_str("f64 array"));
    mf_value_map_put(look, "length", mf_value_int(100));
    mf_value_map_put(look, "head", head);
    mf_value_map_put(look, "tail", tail);
    mf_set(t, "lookalike", look);
}

static void end(mf_task *t) { (void)t; }

static const mf_step steps[] = {
    { .name = "start", .fn = start, .next = { "end" } },
    { .name = "end", .fn = end },
};

int main(int argc, char **argv)
{
    static const mf_flow flow = { .name = "DumpFlow", .steps = steps, .nsteps = 2 };
    return mf_main(&flow, argc, argv);
}
