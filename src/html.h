/* SPDX-License-Identifier: Apache-2.0 */
/*
 * html.h - writing HTML pages that are safe to open: every user string goes
 * through mf__html_esc (so an artifact holding "<script>" shows as text and
 * never runs), bytes become data: URIs, and one page frame (header, style)
 * serves the card and the run report. Nothing on the page loads anything
 * from the network and the page holds no script.
 */
#ifndef MF_HTML_H
#define MF_HTML_H
#include <stddef.h>

#include "util/buf.h"

/* Appends s[0, len) with & < > " ' escaped, and bytes that are not UTF-8
 * (or are control characters other than tab and newline) shown as U+FFFD,
 * so that the text is safe both between tags and inside a quoted attribute. */
int mf__html_escn(struct mf_buf *b, const char *s, size_t len);
int mf__html_esc(struct mf_buf *b, const char *s);
/* Appends the escaped text formatted printf-style. */
int mf__html_escf(struct mf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends "data:MIME;base64,..." for data[0, len). */
int mf__html_data_uri(struct mf_buf *b, const char *mime, const void *data, size_t len);
/* The page's start (doctype, <head> with the title escaped and the style,
 * <body>) and end. */
int mf__html_page_begin(struct mf_buf *b, const char *title);
int mf__html_page_end(struct mf_buf *b);
/* A duration in seconds as short text: "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min". */
void mf__html_duration(double seconds, char *out, size_t size);
#endif
