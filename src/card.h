/* SPDX-License-Identifier: Apache-2.0 */
/*
 * card.h - a task's card: the items a step adds with mf_card_*() (card.c),
 * kept as one value stored as the task's reserved artifact "_card", the
 * checked reading of that value (untrusted: it comes from the store), and
 * its drawing as HTML (card_html.c). docs/cards.md specifies the value.
 */
#ifndef MF_CARD_H
#define MF_CARD_H
#include <stdbool.h>
#include <stddef.h>

#include "metaflow.h"
#include "util/buf.h"
#include "util/err.h"

#define MF_CARD_ARTIFACT "_card"
#define MF_CARD_VERSION 1
#define MF_CARD_MAX_ITEMS 10000
#define MF_CARD_MAX_BYTES (64u << 20)     /* payload (text, cells, images, values) of one card */
#define MF_CARD_MAX_POINTS 1000000        /* values of one chart */

enum mf_card_kind { MF_CARD_HEADING, MF_CARD_TEXT, MF_CARD_TABLE, MF_CARD_IMAGE, MF_CARD_CHART };

/* One item, borrowing from the card's value. */
struct mf_card_item {
    enum mf_card_kind kind;
    const char *text;        /* heading, text: the text; others: the title ("" for none) */
    const mf_value *columns; /* table: list of str (possibly empty) */
    const mf_value *rows;    /* table: list of lists of str/int/double/bool/null */
    const void *png;         /* image */
    size_t png_len;
    bool bar;                /* chart: bars, else a line */
    const double *y;         /* chart values (finite) */
    size_t n;
};

struct mf_card {
    mf_value *owned; /* set by mf__card_decode only */
    struct mf_card_item *items;
    size_t n;
};

/* Reads a card value (borrowed: `v` must outlive *out). Untrusted input:
 * anything but the documented shape is MF_ECORRUPT with a message saying
 * what is wrong. On failure *out is empty. */
int mf__card_parse(const mf_value *v, struct mf_card *out, struct mf_err *err);
/* Decodes the encoding data[0, len) of a card value and parses it; *out
 * owns the value. */
int mf__card_decode(const void *data, size_t len, struct mf_card *out, struct mf_err *err);
void mf__card_release(struct mf_card *c);

/* The running task's card (task.c): adds it to the task's index as
 * "_card" when the step added anything. 0 or an MF_E* code with err set. */
struct mf_task;
int mf__card_persist(struct mf_task *t, struct mf_err *err);

/* card_html.c: the card's items as an HTML fragment (a <div class="card">),
 * every string escaped, images as data: URIs, charts as inline SVG. */
int mf__card_html(struct mf_buf *out, const struct mf_card *card);
/* The card of a task opened with mf_client_task(), as mf__card_html():
 * MF_ENOENT when the task has no card, MF_ECORRUPT when it does not read
 * (damaged object or malformed card), MF_ENOMEM; the message in err. */
int mf__card_task_html(mf_task *t, struct mf_buf *out, struct mf_err *err);
/* One chart as inline SVG (used by the card and by tests). */
int mf__chart_svg(struct mf_buf *out, const double *y, size_t n, bool bar);
#endif
