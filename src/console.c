/* SPDX-License-Identifier: Apache-2.0 */
/*
 * console.c - a run's console (console.h): every line a run prints passes
 * through console_line(), which first erases the status line when one is on
 * the terminal and draws it again after the last line it wrote, so task
 * output and the scheduler's lines scroll above one status line redrawn in
 * place. On a pipe or a file nothing but text is written: no colour, no
 * carriage return, no escape sequence; a progress line now and then instead.
 */
#include "console.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "metaflow.h"
#include "util/alloc.h"
#include "util/buf.h"

#define SGR_RESET "\x1b[0m"
#define SGR_DIM "\x1b[2m"
#define SGR_RED "\x1b[31m"
#define SGR_GREEN "\x1b[32m"
#define SGR_YELLOW "\x1b[33m"
#define SGR_MAGENTA "\x1b[35m"
#define SGR_CYAN "\x1b[36m"
#define ERASE_LINE "\r\x1b[K" /* to column 0, erase to the end of the line */
#define REDRAW_EVERY 0.1      /* seconds between status redraws caused by counts alone */

struct step_stats {
    size_t running, done, failed, cloned, retried;
    double task_time;    /* seconds, summed over the attempts that ran */
    double slowest;      /* seconds of the slowest attempt */
    uint64_t slowest_id; /* its task */
    double first, last;  /* monotonic start of the first attempt, end of the last */
};

struct mf_console {
    FILE *out, *err;
    bool color_out, color_err; /* SGR colours on that stream */
    bool live;                 /* the status line is drawn on out */
    bool drawn;                /* ... and is on the screen now */
    bool gone_out, gone_err;   /* a write failed with EPIPE: nobody reads it */
    bool timestamps, quiet;
    double every, t0, last_draw, last_progress;
    const struct mf_graph *g;
    struct step_stats *steps; /* per node of g */
    size_t done, running, failed, waiting;
    size_t queued; /* of running: waiting in a cluster's queue */
    struct mf_buf scratch;
};

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool is_terminal(FILE *f)
{
    const char *term = getenv("TERM");
    return f && isatty(fileno(f)) && !(term && !strcmp(term, "dumb"));
}

/* https://no-color.org: set and not empty means no colour, unless asked. */
static bool wants_color(enum mf_color_mode mode, FILE *f)
{
    const char *no = getenv("NO_COLOR");
    if (mode != MF_COLOR_AUTO)
        return mode == MF_COLOR_ALWAYS;
    return is_terminal(f) && !(no && *no);
}

int mf__console_new(const struct mf_console_opts *o, struct mf_console **out)
{
    struct mf_console *con = mf__calloc(1, sizeof(*con));
    if (!con)
        return MF_ENOMEM;
    con->out = o->out;
    con->err = o->err;
    con->color_out = wants_color(o->color, o->out);
    con->color_err = wants_color(o->color, o->err);
    con->live = !o->quiet && is_terminal(o->out);
    con->timestamps = o->timestamps;
    con->quiet = o->quiet;
    con->every = o->progress_every_s > 0 ? o->progress_every_s : MF_CONSOLE_PROGRESS_EVERY;
    con->t0 = con->last_progress = mono_now();
    mf__buf_init(&con->scratch);
    *out = con;
    return 0;
}

void mf__console_free(struct mf_console *con)
{
    if (!con)
        return;
    mf__free(con->steps);
    mf__buf_release(&con->scratch);
    mf__free(con);
}

int mf__console_begin(struct mf_console *con, const struct mf_graph *g)
{
    mf__free(con->steps);
    con->steps = mf__calloc(g->n ? g->n : 1, sizeof(*con->steps));
    if (!con->steps)
        return MF_ENOMEM;
    con->g = g;
    con->t0 = con->last_progress = mono_now();
    return 0;
}

bool mf__console_live(const struct mf_console *con) { return con->live; }

void mf__console_no_live(struct mf_console *con) { con->live = false; }

/* ---------------------------------------------------------------- */
/* Writing                                                          */
/* ---------------------------------------------------------------- */

static void put(struct mf_console *con, FILE *f, const char *s, size_t n)
{
    bool *gone = f == con->out ? &con->gone_out : &con->gone_err;
    if (*gone || !n)
        return;
    errno = 0;
    if (fwrite(s, 1, n, f) < n && errno == EPIPE)
        *gone = true; /* `run | head`: the run goes on, the logs keep everything */
}

static void puts_(struct mf_console *con, FILE *f, const char *s) { put(con, f, s, strlen(s)); }

static void flush(struct mf_console *con, FILE *f)
{
    bool *gone = f == con->out ? &con->gone_out : &con->gone_err;
    errno = 0;
    if (!*gone && fflush(f) == EOF && errno == EPIPE)
        *gone = true;
}

static void erase_status(struct mf_console *con)
{
    if (!con->drawn)
        return;
    puts_(con, con->out, ERASE_LINE);
    con->drawn = false;
}

/* "2026-01-31 12:34:56.789 " in local time, Metaflow's console shape. */
static void put_timestamp(struct mf_console *con, FILE *f, bool color)
{
    char buf[64];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    time_t secs = ts.tv_sec;
    if (!localtime_r(&secs, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm))
        return;
    size_t len = strlen(buf);
    snprintf(buf + len, sizeof(buf) - len, ".%03ld ", ts.tv_nsec / 1000000L);
    if (color)
        puts_(con, f, SGR_DIM);
    puts_(con, f, buf);
    if (color)
        puts_(con, f, SGR_RESET);
}

/* One line (without its newline) to `f`: timestamp, the "[...] " prefix in
 * `prefix_color`, the rest in `body_color` (NULL: plain). */
static void console_line(struct mf_console *con, FILE *f, const char *text, size_t len, const char *prefix_color,
                         const char *body_color)
{
    bool color = f == con->out ? con->color_out : con->color_err;
    erase_status(con);
    if (f != con->out)
        flush(con, con->out); /* the scheduler's lines first when both go to one file */
    if (con->timestamps)
        put_timestamp(con, f, color);
    size_t plen = 0;
    if (len && text[0] == '[') {
        const char *end = memchr(text, ']', len);
        plen = end ? (size_t)(end - text) + 1 : 0;
    }
    if (plen && color && prefix_color) {
        puts_(con, f, prefix_color);
        put(con, f, text, plen);
        puts_(con, f, SGR_RESET);
    } else {
        put(con, f, text, plen);
    }
    if (color && body_color) {
        puts_(con, f, body_color);
        put(con, f, text + plen, len - plen);
        puts_(con, f, SGR_RESET);
    } else {
        put(con, f, text + plen, len - plen);
    }
    put(con, f, "\n", 1);
}

static void draw_status(struct mf_console *con, bool final);

/* After lines were written: flush them and put the status line back. */
static void lines_done(struct mf_console *con, FILE *f)
{
    flush(con, f);
    if (con->live)
        draw_status(con, false);
}

void mf__console_say(struct mf_console *con, enum mf_con_kind kind, const char *fmt, ...)
{
    static const char *const colors[] = { [MF_CON_INFO] = NULL,         [MF_CON_TASK] = NULL,
                                          [MF_CON_OK] = SGR_GREEN,      [MF_CON_WARN] = SGR_YELLOW,
                                          [MF_CON_FAIL] = SGR_RED,      [MF_CON_ERROR] = SGR_RED };
    if (kind == MF_CON_TASK && con->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    mf__buf_reset(&con->scratch);
    int rc = mf__buf_vaddf(&con->scratch, fmt, ap);
    va_end(ap);
    if (rc)
        return; /* no memory for the line: best effort, as console output is */
    FILE *f = kind == MF_CON_ERROR ? con->err : con->out;
    const char *text = con->scratch.buf;
    for (;;) { /* a message of several lines: each gets the timestamp */
        size_t n = strcspn(text, "\n");
        console_line(con, f, text, n, SGR_CYAN, colors[kind]);
        if (!text[n])
            break;
        text += n + 1;
    }
    lines_done(con, f);
}

void mf__console_task_text(void *ctx, int fd, const char *text, size_t len)
{
    struct mf_console *con = ctx;
    FILE *f = fd == 2 ? con->err : con->out;
    while (len > 0) {
        const char *nl = memchr(text, '\n', len);
        size_t n = nl ? (size_t)(nl - text) : len;
        console_line(con, f, text, n, fd == 2 ? SGR_MAGENTA : SGR_CYAN, NULL);
        text += n + (nl ? 1 : 0);
        len -= n + (nl ? 1 : 0);
    }
    lines_done(con, f);
}

/* ---------------------------------------------------------------- */
/* Counts, status line, progress line, summary                      */
/* ---------------------------------------------------------------- */

static void put_elapsed(struct mf_buf *b, double secs)
{
    long s = secs > 0 ? (long)secs : 0;
    if (s >= 3600)
        mf__buf_addf(b, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        mf__buf_addf(b, "%ld:%02ld", s / 60, s % 60);
}

static size_t total(const struct mf_console *con)
{
    return con->done + con->running + con->failed + con->waiting;
}

/* "[0:12] 7 of 12 tasks done, 4 running, 1 failed": the status and progress
 * lines' head. M is every task known so far; a foreach adds its tasks when
 * its width is known, so M can grow while a run goes on. */
static void put_counts(struct mf_console *con, struct mf_buf *b)
{
    mf__buf_addch(b, '[');
    put_elapsed(b, mono_now() - con->t0);
    size_t queued = con->queued < con->running ? con->queued : con->running;
    mf__buf_addf(b, "] %zu of %zu tasks done, %zu running", con->done, total(con), con->running - queued);
    if (queued)
        mf__buf_addf(b, ", %zu queued", queued);
    if (con->failed)
        mf__buf_addf(b, ", %zu failed", con->failed);
}

static int term_width(const struct mf_console *con)
{
#ifdef TIOCGWINSZ
    struct winsize ws;
    if (ioctl(fileno(con->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
#endif
    const char *cols = getenv("COLUMNS");
    int n = cols ? atoi(cols) : 0;
    return n >= 20 ? n : 80;
}

/* The status line: counts, then each step with tasks running ("a: 4
 * running, 3 done"), cut to the terminal's width (a wrapped line could not
 * be erased with one carriage return). `final`: ends it with a newline. */
static void draw_status(struct mf_console *con, bool final)
{
    struct mf_buf *b = &con->scratch;
    mf__buf_reset(b);
    put_counts(con, b);
    for (size_t i = 0; con->g && i < con->g->n; i++) {
        const struct step_stats *st = &con->steps[i];
        if (st->running)
            mf__buf_addf(b, " | %s: %zu running, %zu done", con->g->nodes[i].name ? con->g->nodes[i].name : "?",
                         st->running, st->done);
    }
    size_t width = (size_t)term_width(con) - 1;
    if (b->len > width) { /* cut on a UTF-8 boundary */
        size_t n = width;
        while (n > 0 && ((unsigned char)b->buf[n] & 0xc0) == 0x80)
            n--;
        b->len = n;
    }
    puts_(con, con->out, "\r");
    put(con, con->out, b->buf, b->len);
    puts_(con, con->out, final ? "\x1b[K\n" : "\x1b[K");
    con->drawn = !final;
    con->last_draw = mono_now();
    flush(con, con->out);
}

void mf__console_task_started(struct mf_console *con, size_t node)
{
    if (con->steps && node < con->g->n) {
        con->steps[node].running++;
    }
    con->running++;
    if (con->waiting)
        con->waiting--;
}

void mf__console_task_ended(struct mf_console *con, size_t node, uint64_t task_id, enum mf_con_outcome outcome,
                            double secs)
{
    if (con->running)
        con->running--;
    if (outcome == MF_CON_SUCCEEDED)
        con->done++;
    else if (outcome == MF_CON_FAILED)
        con->failed++;
    else
        con->waiting++; /* until the next tick says what waits */
    if (!con->steps || node >= con->g->n)
        return;
    struct step_stats *st = &con->steps[node];
    if (st->running)
        st->running--;
    st->done += outcome == MF_CON_SUCCEEDED;
    st->failed += outcome == MF_CON_FAILED;
    st->retried += outcome == MF_CON_RETRIED;
    st->task_time += secs;
    if (secs >= st->slowest) {
        st->slowest = secs;
        st->slowest_id = task_id;
    }
    double now = mono_now(), began = now - secs;
    if (st->first == 0.0 || began < st->first)
        st->first = began;
    st->last = now;
}

void mf__console_task_cloned(struct mf_console *con, size_t node)
{
    con->done++;
    if (con->waiting)
        con->waiting--;
    if (con->steps && node < con->g->n)
        con->steps[node].cloned++;
}

void mf__console_set_queued(struct mf_console *con, size_t queued) { con->queued = queued; }

void mf__console_tick(struct mf_console *con, size_t waiting)
{
    con->waiting = waiting;
    double now = mono_now();
    if (con->live) {
        if (now - con->last_draw >= REDRAW_EVERY)
            draw_status(con, false);
        return;
    }
    if (con->quiet || now - con->last_progress < con->every)
        return;
    con->last_progress = now;
    mf__buf_reset(&con->scratch);
    put_counts(con, &con->scratch);
    if (waiting)
        mf__buf_addf(&con->scratch, ", %zu waiting", waiting);
    if (con->scratch.len) { /* console_line reuses no scratch: the text is copied first */
        char *line = mf__buf_detach(&con->scratch, NULL);
        if (line) {
            console_line(con, con->out, line, strlen(line), NULL, NULL);
            flush(con, con->out);
        }
        mf__free(line);
    }
}

static void summary_row(struct mf_console *con, size_t i, int w)
{
    const struct step_stats *st = &con->steps[i];
    struct mf_buf *b = &con->scratch;
    size_t ran = st->done + st->failed;
    mf__buf_reset(b);
    mf__buf_addf(b, "  %-*.*s %6zu %7zu %7zu  ", w, w, con->g->nodes[i].name ? con->g->nodes[i].name : "?",
                 ran + st->cloned, st->cloned, st->failed + st->retried);
    if (ran + st->retried == 0) {
        mf__buf_adds(b, st->cloned ? "(all cloned)" : "(not run)");
    } else {
        char slow[64];
        snprintf(slow, sizeof(slow), "%" PRIu64 " (%.2f s)", st->slowest_id, st->slowest);
        mf__buf_addf(b, "%-20s %9.2f s %9.2f s", slow, st->task_time, st->last - st->first);
    }
    char *line = mf__buf_detach(b, NULL);
    if (line)
        console_line(con, con->out, line, strlen(line), NULL, st->failed ? SGR_RED : NULL);
    mf__free(line);
}

void mf__console_summary(struct mf_console *con)
{
    if (con->live) {
        erase_status(con);
        draw_status(con, true); /* the last counts stay on the screen */
        con->live = false;      /* what follows (the last lines) scrolls as on a pipe */
    }
    if (con->quiet || !con->g)
        return;
    int w = 4;
    for (size_t k = 0; k < con->g->norder; k++) {
        const char *name = con->g->nodes[con->g->order[k]].name;
        int len = name ? (int)strlen(name) : 1;
        w = len > w ? (len < 40 ? len : 40) : w;
    }
    char head[256];
    snprintf(head, sizeof(head), "  %-*s %6s %7s %7s  %-20s %11s %11s", w, "STEP", "TASKS", "CLONED", "FAILED",
             "SLOWEST TASK", "TASK TIME", "WALL TIME");
    console_line(con, con->out, head, strlen(head), NULL, NULL);
    for (size_t k = 0; k < con->g->norder; k++)
        summary_row(con, con->g->order[k], w);
    flush(con, con->out);
}
