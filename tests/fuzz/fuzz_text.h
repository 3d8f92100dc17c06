/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_text.h - the fuzz input as a C string, for the targets whose parser
 * reads text (NUL-terminated; an input holding a NUL is cut there, as a
 * reader of the file would see it). Freed with mf__free; NULL when out of
 * memory. */
#ifndef MF_FUZZ_TEXT_H
#define MF_FUZZ_TEXT_H
#include <stdint.h>
#include <string.h>

#include "util/alloc.h"

static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = mf__malloc(size + 1);
    if (text) {
        memcpy(text, data, size);
        text[size] = '\0';
    }
    return text;
}
#endif
