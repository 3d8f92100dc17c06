/* SPDX-License-Identifier: Apache-2.0 */
/* json.h - JSON text <-> mf_value, through jansson. The only file that
 * includes <jansson.h>. */
#ifndef MF_JSON_H
#define MF_JSON_H
#include "metaflow.h"
#include "util/buf.h"
#include "util/err.h"

/*
 * Parses JSON text into a value: objects -> MF_MAP, arrays -> MF_LIST,
 * integers -> MF_INT, numbers with a fraction or exponent -> MF_DOUBLE, strings ->
 * MF_STR, true/false -> MF_BOOL, null -> MF_NULL. Malformed text is MF_EPARSE
 * with a message giving line, column and what was expected, e.g.
 *   "malformed JSON at line 1, column 7: '}' expected near 'x'"
 * Any value may be at the top level; duplicate object keys, integers beyond
 * int64, NUL characters in strings and nesting deeper than 2048 are refused
 * the same way. `*out` is NULL on failure; the caller owns it on success.
 */
int mf__json_parse(const char *text, mf_value **out, struct mf_err *err);
/* Appends `v` as compact JSON; arrays become JSON arrays, bytes a base64 string.
 * Map keys come out sorted, so equal values dump to equal text. Doubles are
 * written with the fewest digits that read back exactly (at most 17) and
 * always with a '.' or exponent; non-finite doubles become null. Bytes of a
 * string that are not UTF-8 become U+FFFD. 0, MF_ENOMEM, or MF_ERANGE when
 * nested deeper than 2048; on failure `out` is left as it was. */
int mf__json_dump(const mf_value *v, struct mf_buf *out);
#endif
