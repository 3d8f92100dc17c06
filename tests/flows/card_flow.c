/* SPDX-License-Identifier: Apache-2.0 */
/*
 * card_flow.c - for tests/cli/t83_cards.sh and t84_report.sh: a branch, a
 * retried step, a foreach as wide as --width and a join, whose steps add to
 * their cards (heading, text, a table, a PNG made here, a line and a bar
 * chart) and store artifacts holding HTML that must show as text. With
 * MF_CARD_FAIL=work the task of item 1 fails, so the run fails.
 */
#include <metaflow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVIL "<script>document.body.setAttribute('data-pwned','1')</script>" \
             "<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">"

/* ---- a PNG, made without a library: stored (uncompressed) deflate ---- */

static uint32_t crc32_of(const unsigned char *p, size_t n, uint32_t crc)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Appends a chunk of type `type` holding d[0, n) at *at. */
static void chunk(unsigned char *out, size_t *at, const char *type, const unsigned char *d, size_t n)
{
    put32(out + *at, (uint32_t)n);
    memcpy(out + *at + 4, type, 4);
    if (n) /* IEND has no data (d is NULL) */
        memcpy(out + *at + 8, d, n);
    put32(out + *at + 8 + n, crc32_of(out + *at + 4, n + 4, 0));
    *at += n + 12;
}

/* A W x H gradient as PNG bytes (malloc'd, length in *len). Each row is one
 * stored deflate block, so no compressor is needed. */
static unsigned char *gradient_png(unsigned w, unsigned h, size_t *len)
{
    size_t row = 1 + 3 * (size_t)w, raw_len = row * h, z_len = 2 + h * (5 + row) + 4;
    unsigned char *raw = malloc(raw_len), *z = malloc(z_len), *out = malloc(z_len + 64);
    uint32_t a = 1, b = 0;
    size_t zi = 2, at = 8;
    z[0] = 0x78, z[1] = 0x01;
    for (unsigned y = 0; y < h; y++) {
        unsigned char *r = raw + y * row;
        r[0] = 0;
        for (unsigned x = 0; x < w; x++) {
            r[1 + 3 * x] = (unsigned char)(255 * x / w);
            r[2 + 3 * x] = (unsigned char)(255 * y / h);
            r[3 + 3 * x] = 180;
        }
        z[zi] = y + 1 == h; /* BFINAL on the last row, BTYPE 00 */
        z[zi + 1] = (unsigned char)row, z[zi + 2] = (unsigned char)(row >> 8);
        z[zi + 3] = (unsigned char)~row, z[zi + 4] = (unsigned char)(~row >> 8);
        memcpy(z + zi + 5, r, row);
        zi += 5 + row;
        for (size_t i = 0; i < row; i++)
            a = (a + r[i]) % 65521, b = (b + a) % 65521;
    }
    put32(z + zi, b << 16 | a);
    unsigned char ihdr[13] = { 0 };
    put32(ihdr, w), put32(ihdr + 4, h);
    ihdr[8] = 8, ihdr[9] = 2; /* 8-bit RGB */
    memcpy(out, "\x89PNG\r\n\x1a\n", 8);
    chunk(out, &at, "IHDR", ihdr, 13);
    chunk(out, &at, "IDAT", z, z_len);
    chunk(out, &at, "IEND", NULL, 0);
    free(raw), free(z);
    *len = at;
    return out;
}

/* ---- the flow ---- */

static void start(mf_task *t)
{
    mf_set_str(t, "evil", EVIL);
    mf_set_str(t, "greeting", "hello <world> & \"friends\"");
    printf("start: making the card\n");
    mf_card_heading(t, "Training summary " EVIL);
    mf_card_text(t, "# Overview\nThis run trains a **tiny** model on *made-up* data; see `start`.\n\n"
                    "- one branch retries once\n- the foreach fans out over --width items\n\n" EVIL);
    mf_value *rows = mf_value_list();
    for (int i = 0; i < 4; i++) {
        mf_value *r = mf_value_list();
        char name[32];
        snprintf(name, sizeof(name), "model-%d", i);
        mf_value_list_push(r, mf_value_str(i == 3 ? EVIL : name));
        mf_value_list_push(r, mf_value_double(0.5 + 0.1 * i));
        mf_value_list_push(r, mf_value_int(100 * (i + 1)));
        mf_value_list_push(r, mf_value_bool(i % 2 == 0));
        mf_value_list_push(rows, r);
    }
    mf_card_table(t, "Scores", (const char *[]){ "model", "accuracy", "epochs", "kept", NULL }, rows);
    mf_value_free(rows);
    size_t len = 0;
    unsigned char *png = gradient_png(96, 64, &len);
    mf_card_image(t, "A gradient", png, len);
    free(png);
    double loss[50], hist[12];
    for (int i = 0; i < 50; i++)
        loss[i] = 2.0 / (1 + 0.2 * i) + (i % 5) * 0.02;
    for (int i = 0; i < 12; i++)
        hist[i] = (double)((i * 7) % 11) - 2;
    mf_card_chart(t, "Loss per epoch", MF_CHART_LINE, loss, 50);
    mf_card_chart(t, "Residuals", MF_CHART_BAR, hist, 12);
}

static void a(mf_task *t)
{
    fprintf(stderr, "a: attempt %d\n", mf_attempt(t));
    if (mf_attempt(t) == 0)
        mf_fail(t, "first attempt fails on purpose (it is retried)");
    mf_set_int(t, "x", 1);
    mf_card_text(t, "branch **a** succeeded on attempt 1");
}

static void b(mf_task *t)
{
    double w[5] = { 0.1, 0.2, 0.3, 0.4, 0.5 };
    mf_set_f64s(t, "weights", w, 5);
    mf_set_bytes(t, "blob", "\x00\x01\x02<>", 5);
    mf_value *m = mf_value_map();
    mf_value_map_put(m, "<key>", mf_value_str(EVIL));
    mf_set(t, "config", m);
    mf_set_int(t, "x", 2);
}

static void join_ab(mf_task *t)
{
    int64_t width = mf_get_int(t, "width");
    mf_value *items = mf_value_list();
    for (int64_t i = 0; i < width; i++)
        mf_value_list_push(items, mf_value_int(i));
    mf_set(t, "items", items);
    mf_set_int(t, "x", mf_get_int(mf_join_branch(t, "a"), "x") + mf_get_int(mf_join_branch(t, "b"), "x"));
}

static void work(mf_task *t)
{
    int64_t i = mf_input_int(t);
    const char *fail = getenv("MF_CARD_FAIL");
    printf("work %lld\n", (long long)i);
    if (fail && !strcmp(fail, "work") && i == 1)
        mf_fail(t, "item 1 fails on purpose " EVIL);
    mf_set_int(t, "sq", i * i);
    if (i < 3 || i % 40 == 0) { /* 27 cards at --width 1000: more than the report inlines */
        double y[3] = { (double)i, (double)i + 1, (double)i * 2 };
        mf_card_text(t, "item *i* of the foreach");
        mf_card_chart(t, "three values", MF_CHART_BAR, y, 3);
    }
}

static void collect(mf_task *t)
{
    int64_t sum = 0;
    for (size_t i = 0; i < mf_join_count(t); i++)
        sum += mf_get_int(mf_join_input(t, i), "sq");
    mf_set_int(t, "sum", sum);
}

static void end(mf_task *t) { printf("sum %lld\n", (long long)mf_get_int(t, "sum")); }

static const mf_param params[] = {
    { .name = "width", .type = MF_PARAM_INT, .default_value = "3", .help = "items of the foreach" },
};

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "Make a card.", .next = { "a", "b" } },
    { .name = "a", .fn = a, .next = { "join_ab" }, .retries = 1 },
    { .name = "b", .fn = b, .next = { "join_ab" } },
    { .name = "join_ab", .fn = join_ab, .join = true, .next = { "fan" } },
    { .name = "fan", .next = { "work" }, .foreach = "items" },
    { .name = "work", .fn = work, .next = { "collect" } },
    { .name = "collect", .fn = collect, .join = true, .next = { "end" } },
    { .name = "end", .fn = end },
};

int main(int argc, char **argv)
{
    static const mf_flow flow = {
        .name = "CardFlow", .doc = "Cards and a report.", .steps = steps, .nsteps = 8, .params = params, .nparams = 1
    };
    return mf_main(&flow, argc, argv);
}
