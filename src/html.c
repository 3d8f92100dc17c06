/* SPDX-License-Identifier: Apache-2.0 */
/*
 * html.c - escaping, data: URIs and the page frame shared by the card page
 * and the run report. Pages are self-contained: one style sheet inline, no
 * script, nothing fetched, so a page opens from a file anywhere.
 */
#include "html.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
    unsigned c = s[0];
    size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0 || n > left)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((n == 2 && c < 0xc2) || (n == 3 && c == 0xe0 && s[1] < 0xa0) || (n == 3 && c == 0xed && s[1] >= 0xa0) ||
        (n == 4 && c == 0xf0 && s[1] < 0x90) || (n == 4 && (c > 0xf4 || (c == 0xf4 && s[1] >= 0x90))))
        return 0; /* overlong, surrogate, or past U+10FFFF */
    return n;
}

int mf__html_escn(struct mf_buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0; /* bytes p[i - run, i) need no escaping */
    int rc = 0;
    while (i < len && !rc) {
        const char *rep = NULL;
        size_t n = 1;
        switch (p[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        case '\t': case '\n': break;
        default:
            if (p[i] < 0x20 || p[i] == 0x7f)
                rep = "\xef\xbf\xbd";
            else if (p[i] >= 0x80 && (n = utf8_len(p + i, len - i)) == 0) {
                rep = "\xef\xbf\xbd";
                n = 1;
            }
        }
        if (!rep) {
            run += n;
            i += n;
            continue;
        }
        rc = mf__buf_add(b, p + i - run, run);
        if (!rc)
            rc = mf__buf_adds(b, rep);
        run = 0;
        i += n;
    }
    return rc ? rc : mf__buf_add(b, p + i - run, run);
}

int mf__html_esc(struct mf_buf *b, const char *s) { return mf__html_escn(b, s ? s : "", s ? strlen(s) : 0); }

int mf__html_escf(struct mf_buf *b, const char *fmt, ...)
{
    struct mf_buf tmp = MF_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    int rc = mf__buf_vaddf(&tmp, fmt, ap);
    va_end(ap);
    if (!rc)
        rc = mf__html_escn(b, tmp.buf, tmp.len);
    mf__buf_release(&tmp);
    return rc;
}

int mf__html_data_uri(struct mf_buf *b, const char *mime, const void *data, size_t len)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    int rc = mf__buf_addf(b, "data:%s;base64,", mime);
    if (rc || (rc = mf__buf_grow(b, (len + 2) / 3 * 4)))
        return rc;
    char *o = b->buf + b->len;
    size_t i = 0;
    for (; i + 2 < len; i += 3, o += 4) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        o[0] = tab[v >> 18], o[1] = tab[(v >> 12) & 63], o[2] = tab[(v >> 6) & 63], o[3] = tab[v & 63];
    }
    if (i < len) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0u);
        o[0] = tab[v >> 18], o[1] = tab[(v >> 12) & 63];
        o[2] = i + 1 < len ? tab[(v >> 6) & 63] : '=', o[3] = '=';
        o += 4;
    }
    b->len = (size_t)(o - b->buf);
    b->buf[b->len] = '\0';
    return 0;
}

/* Light, print-friendly, no web fonts. Outcome colours are also told in
 * words (a legend, titles), never by colour alone. */
static const char style[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328;background:#fff;"
    "margin:0 auto;max-width:1100px;padding:16px 24px 48px}\n"
    "h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;"
    "padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}h4{font-size:14px;margin:12px 0 4px}\n"
    "code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}\n"
    "pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px 10px;overflow:auto;"
    "max-height:420px;white-space:pre-wrap;word-break:break-word}\n"
    "table{border-collapse:collapse;margin:6px 0 12px}th,td{border:1px solid #d0d7de;padding:3px 8px;"
    "text-align:left;vertical-align:top}th{background:#f6f8fa}td.num{text-align:right;white-space:nowrap;"
    "font-variant-numeric:tabular-nums}\n"
    ".meta td:first-child{color:#59636e;white-space:nowrap}\n"
    ".badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff}\n"
    ".succeeded{background:#1a7f37}.failed{background:#cf222e}.running{background:#bf8700}"
    ".died{background:#6e7781}.cloned{background:#8250df}.notrun{background:#afb8c1;color:#1f2328}\n"
    ".tag{display:inline-block;background:#ddf4ff;border:1px solid #b6e3ff;border-radius:10px;padding:0 8px;"
    "margin:0 4px 2px 0;font-size:12px}\n"
    "details{margin:4px 0}summary{cursor:pointer}details>div,details>pre,details>table{margin-left:16px}\n"
    ".note{color:#59636e;font-size:12.5px}.card{border:1px solid #d0d7de;border-radius:8px;padding:4px 14px;"
    "margin:8px 0}\n"
    ".card img{max-width:100%;border:1px solid #eaeef2}svg{max-width:100%;height:auto}\n"
    ".legend span{margin-right:12px}.legend i{display:inline-block;width:11px;height:11px;border-radius:2px;"
    "margin-right:4px;vertical-align:-1px}\n";

int mf__html_page_begin(struct mf_buf *b, const char *title)
{
    int rc = mf__buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                             "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
                             "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                             "img-src data:; style-src 'unsafe-inline'\">\n<title>");
    if (!rc)
        rc = mf__html_esc(b, title);
    if (!rc)
        rc = mf__buf_addf(b, "</title>\n<style>\n%s</style></head>\n<body>\n", style);
    return rc;
}

int mf__html_page_end(struct mf_buf *b) { return mf__buf_adds(b, "</body></html>\n"); }

void mf__html_duration(double s, char *out, size_t size)
{
    if (!(s >= 0))
        snprintf(out, size, "-");
    else if (s < 1)
        snprintf(out, size, "%.0f ms", s * 1000);
    else if (s < 60)
        snprintf(out, size, "%.1f s", s);
    else if (s < 3600)
        snprintf(out, size, "%d min %02d s", (int)(s / 60), (int)s % 60);
    else
        snprintf(out, size, "%d h %02d min", (int)(s / 3600), (int)(s / 60) % 60);
}
