/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_card.c - decodes untrusted card bytes (a task's stored "_card"
 * value); whatever decodes must draw as HTML without a crash, and the drawing
 * must hold no tag the card's text could have smuggled in. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* true when every tag in `html` is one the card drawing writes itself, so
 * no text from the card became markup. */
static bool only_our_tags(const char *html)
{
    static const char *const ok[] = { "div", "h2", "h3", "h4", "p", "br", "ul", "li", "strong", "em", "code", "table",
                                      "thead", "tbody", "tr", "th", "td", "img", "svg", "line", "text", "polyline",
                                      "rect" };
    for (const char *p = strchr(html, '<'); p; p = strchr(p + 1, '<')) {
        const char *name = p + 1 + (p[1] == '/');
        size_t len = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789");
        bool known = false;
        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]) && !known; i++)
            known = strlen(ok[i]) == len && memcmp(ok[i], name, len) == 0;
        if (!known || (len == 3 && !memcmp(name, "img", 3) && strncmp(name, "img class=\"mf-image\" alt=\"", 25)))
            return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mf_card card;
    struct mf_err err = MF_ERR_INIT;
    if (mf__card_decode(data, size, &card, &err) != 0) {
        if (card.n != 0 || card.items || card.owned || err.msg[0] == '\0')
            abort(); /* a failed decode leaves an empty card and says why */
        return 0;
    }
    struct mf_buf html = MF_BUF_INIT;
    if (mf__card_html(&html, &card) != 0)
        abort();
    if (!only_our_tags(html.buf))
        abort(); /* text from the card reached the page unescaped */
    mf__buf_release(&html);
    mf__card_release(&card);
    return 0;
}
