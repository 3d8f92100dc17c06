/* SPDX-License-Identifier: Apache-2.0 */
/* params.c - flow parameters: typed parsing of command-line and default text,
 * resolving a run's values, checking the declarations, and `run --help`.
 * A parameter `learning_rate` is the option --learning_rate: names are used
 * exactly as declared, '_' is never turned into '-'. */
#include "params.h"

#include "codec.h"
#include "util/fsutil.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util/alloc.h"

/* What each type expects, for messages and help. `example_cli` is written as
 * on a shell command line, `example_c` as a default_value literal in C. */
struct type_info {
    const char *metavar;  /* TEXT, INTEGER, ... as in click's help */
    const char *expected; /* "an integer (int)" */
    const char *example_cli;
    const char *example_c;
};

static const struct type_info TYPE_INFO[] = {
    [MF_PARAM_STR] = { "TEXT", "text (str)", "hello", "\"hello\"" },
    [MF_PARAM_INT] = { "INTEGER", "an integer (int)", "10", "\"10\"" },
    [MF_PARAM_DOUBLE] = { "DOUBLE", "a number (double)", "0.5", "\"0.5\"" },
    [MF_PARAM_BOOL] = { "BOOLEAN", "a boolean (bool: true/false, yes/no or 1/0)", "true", "\"true\"" },
    [MF_PARAM_JSON] = { "JSON", "JSON (json)", "'{\"key\": 1}'", "\"{\\\"key\\\": 1}\"" },
    [MF_PARAM_FILE] = { "FILE", "the path of a readable file (file)", "data.csv", "\"data.csv\"" },
};

/* run's own options (src/cli/cmd_run.c): a parameter may not shadow them,
 * spelled with '_' or '-'. */
static const char *const RUN_OPTIONS[] = { "max-workers", "max-num-splits", "max-passes", "datastore-root",
                                           "tag",         "run-id",         "help",       "quiet",
                                           "no-sync",     "origin-run-id", "run-id-file" };

static bool type_known(mf_param_type type) { return type >= MF_PARAM_STR && type <= MF_PARAM_FILE; }

static const struct type_info *type_info(mf_param_type type)
{
    return type_known(type) ? &TYPE_INFO[type] : NULL;
}

static const char *param_name(const mf_param *p) { return p->name ? p->name : "?"; }

/* ------------------------------------------------------------------ */
/* Parsing one value                                                  */
/* ------------------------------------------------------------------ */

/* Where the text came from changes the wording and the example. */
enum source { FROM_CLI, FROM_DEFAULT };

/* Copies `text` for a message, cut (on a UTF-8 boundary) when long. */
static void quote_value(const char *text, char *shown, size_t size)
{
    size_t len = strlen(text);
    if (len < size) {
        memcpy(shown, text, len + 1);
        return;
    }
    size_t keep = size - 4;
    while (keep > 0 && ((unsigned char)text[keep] & 0xc0) == 0x80)
        keep--;
    memcpy(shown, text, keep);
    memcpy(shown + keep, "...", 4);
}

/* Records "invalid value 'x' for parameter 'p': <problem>, e.g. <example>". */
static int invalid(const mf_param *p, const char *text, enum source src, const char *problem, struct mf_err *err)
{
    char shown[72];
    const struct type_info *info = type_info(p->type);
    quote_value(text, shown, sizeof(shown));
    if (src == FROM_DEFAULT)
        return mf__err(err, MF_EPARSE, "invalid default '%s' for parameter '%s': %s, e.g. .default_value = %s", shown,
                       param_name(p), problem, info->example_c);
    return mf__err(err, MF_EPARSE, "invalid value '%s' for parameter '%s': %s, e.g. --%s %s", shown, param_name(p),
                   problem, param_name(p), info->example_cli);
}

/* The common refusal: "expected <the type>". */
static int not_of_type(const mf_param *p, const char *text, enum source src, struct mf_err *err)
{
    char problem[96];
    snprintf(problem, sizeof(problem), "expected %s", type_info(p->type)->expected);
    return invalid(p, text, src, problem, err);
}

static bool ascii_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char ca = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
        if (ca != *b)
            return false;
    }
    return *a == *b;
}

/* Strict decimal: an optional sign, then digits only. 1 when the digits are
 * fine but the number does not fit, -1 when the text is not an integer. */
static int parse_int64(const char *s, int64_t *out)
{
    bool negative = *s == '-';
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t acc = 0;
    bool overflow = false;

    if (*s == '-' || *s == '+')
        s++;
    if (*s == '\0')
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned digit = (unsigned)(*s - '0');
        if (acc > (limit - digit) / 10)
            overflow = true;
        else
            acc = acc * 10 + digit;
    }
    if (overflow)
        return 1;
    if (negative)
        *out = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
    else
        *out = (int64_t)acc;
    return 0;
}

static int parse_int_param(const mf_param *p, const char *text, enum source src, mf_value **out,
                           struct mf_err *err)
{
    int64_t i = 0;
    int rc = parse_int64(text, &i);
    if (rc > 0)
        return invalid(p, text, src, "expected an integer (int) between -9223372036854775808 and 9223372036854775807",
                       err);
    if (rc < 0)
        return not_of_type(p, text, src, err);
    *out = mf_value_int(i);
    return 0;
}

/* strtod must take the whole text; hex floats, "nan" and "inf" (and what
 * overflows to inf) are refused, as is leading space that strtod skips. */
static int parse_double_param(const mf_param *p, const char *text, enum source src, mf_value **out,
                              struct mf_err *err)
{
    char *end = NULL;
    double d = 0;
    bool shaped = text[0] != '\0' && !strchr(" \t\n\v\f\r", text[0]) && !strpbrk(text, "xX");
    if (shaped)
        d = strtod(text, &end);
    if (!shaped || *end != '\0')
        return not_of_type(p, text, src, err);
    if (!isfinite(d))
        return invalid(p, text, src, "expected a finite number (double)", err);
    *out = mf_value_double(d);
    return 0;
}

static int parse_bool_param(const mf_param *p, const char *text, enum source src, mf_value **out,
                            struct mf_err *err)
{
    static const char *const truthy[] = { "true", "yes", "1" };
    static const char *const falsy[] = { "false", "no", "0" };
    for (size_t i = 0; i < sizeof(truthy) / sizeof(truthy[0]); i++) {
        if (ascii_ieq(text, truthy[i])) {
            *out = mf_value_bool(true);
            return 0;
        }
        if (ascii_ieq(text, falsy[i])) {
            *out = mf_value_bool(false);
            return 0;
        }
    }
    return not_of_type(p, text, src, err);
}

static int parse_json_param(const mf_param *p, const char *text, enum source src, mf_value **out,
                            struct mf_err *err)
{
    struct mf_err json_err = MF_ERR_INIT;
    char problem[sizeof(json_err.msg) + 32];
    int rc = mf__json_parse(text, out, &json_err);
    if (rc == MF_EPARSE) {
        snprintf(problem, sizeof(problem), "expected %s, got %s", type_info(p->type)->expected, json_err.msg);
        return invalid(p, text, src, problem, err);
    }
    if (rc < 0)
        return mf__err(err, rc, "%s", json_err.msg);
    return 0;
}

/* A str parameter with a separator: the list of the pieces between them. */
static int split_list(const mf_param *p, const char *text, mf_value **out)
{
    size_t seplen = strlen(p->separator);
    mf_value *list = mf_value_list();
    int rc = list ? 0 : MF_ENOMEM;
    for (const char *s = text; !rc && *text;) {
        const char *hit = strstr(s, p->separator);
        size_t len = hit ? (size_t)(hit - s) : strlen(s);
        rc = mf_value_list_push(list, mf_value_strn(s, len));
        if (!hit)
            break;
        s = hit + seplen;
    }
    if (rc) {
        mf_value_free(list);
        list = NULL;
    }
    *out = list;
    return 0; /* out of memory shows as *out == NULL */
}

/* Metaflow's IncludeFile: the artifact is the content of the file named. */
static int read_file_param(const mf_param *p, const char *path, mf_value **out, struct mf_err *err)
{
    struct mf_buf data = MF_BUF_INIT;
    struct mf_err why = MF_ERR_INIT;
    size_t bad = 0;
    int rc = mf__read_file(path, &data, &why);
    if (rc == MF_ENOMEM)
        rc = mf__err(err, rc, "out of memory while reading file '%s' for parameter '%s'", path, param_name(p));
    else if (rc)
        rc = mf__err(err, MF_EPARSE, "cannot read file '%s' for parameter '%s': %s", path, param_name(p), why.msg);
    else if (!p->binary && mf__utf8_check(data.buf, data.len, &bad))
        rc = mf__err(err, MF_EPARSE,
                     "file '%s' for parameter '%s' is not UTF-8 text (byte %zu is 0x%02x); declare the parameter "
                     "with .binary = true to read it as bytes",
                     path, param_name(p), bad + 1, (unsigned char)data.buf[bad]);
    else
        *out = p->binary ? mf_value_bytes(data.buf, data.len) : mf_value_strn(data.buf, data.len);
    mf__buf_release(&data);
    return rc;
}

static int parse_typed(const mf_param *p, const char *text, enum source src, mf_value **out, struct mf_err *err)
{
    int rc = 0;
    *out = NULL;
    if (!type_known(p->type))
        return mf__err(err, MF_EINVAL, "parameter '%s' has an unknown type (%d)", param_name(p), (int)p->type);
    if (!text)
        return mf__err(err, MF_EINVAL, "missing value for parameter '%s', e.g. --%s %s", param_name(p),
                       param_name(p), type_info(p->type)->example_cli);
    switch (p->type) {
    case MF_PARAM_STR:
        if (p->separator && *p->separator)
            rc = split_list(p, text, out);
        else
            *out = mf_value_str(text);
        break;
    case MF_PARAM_FILE:
        rc = read_file_param(p, text, out, err);
        break;
    case MF_PARAM_INT:
        rc = parse_int_param(p, text, src, out, err);
        break;
    case MF_PARAM_DOUBLE:
        rc = parse_double_param(p, text, src, out, err);
        break;
    case MF_PARAM_BOOL:
        rc = parse_bool_param(p, text, src, out, err);
        break;
    case MF_PARAM_JSON:
        rc = parse_json_param(p, text, src, out, err);
        break;
    }
    if (rc == 0 && !*out)
        rc = mf__err(err, MF_ENOMEM, "out of memory while parsing parameter '%s'", param_name(p));
    return rc;
}

int mf__param_parse(const mf_param *p, const char *text, mf_value **out, struct mf_err *err)
{
    return parse_typed(p, text, FROM_CLI, out, err);
}

/* ------------------------------------------------------------------ */
/* Resolving a run's parameters                                       */
/* ------------------------------------------------------------------ */

static size_t param_count(const mf_flow *flow) { return flow->params ? flow->nparams : 0; }

static long find_param(const mf_flow *flow, const char *name)
{
    for (size_t i = 0; i < param_count(flow); i++)
        if (flow->params[i].name && strcmp(flow->params[i].name, name) == 0)
            return (long)i;
    return -1;
}

/* The name without the leading "--" the command line may have kept. */
static const char *bare_name(const char *name)
{
    if (name[0] == '-' && name[1] == '-')
        return name + 2;
    return name;
}

/* Plain Levenshtein distance, enough to spot a typo; names of 63 bytes or
 * more count as far apart (it keeps the row on the stack). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[64];
    if (la >= 63 || lb >= 63)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* Equal once '-' and '_' are treated alike (learning-rate vs learning_rate). */
static bool same_but_dashes(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char ca = *a == '-' ? '_' : *a, cb = *b == '-' ? '_' : *b;
        if (ca != cb)
            return false;
    }
    return *a == *b;
}

static const char *closest_param(const mf_flow *flow, const char *name)
{
    const char *best = NULL;
    size_t best_dist = 3; /* more than two edits is not a typo */
    for (size_t i = 0; i < param_count(flow); i++) {
        const char *cand = flow->params[i].name;
        if (!cand)
            continue;
        if (same_but_dashes(cand, name))
            return cand;
        size_t dist = edit_distance(cand, name);
        if (dist < best_dist) {
            best = cand;
            best_dist = dist;
        }
    }
    return best;
}

/* The message lists every parameter; when it cannot be built, the error is
 * MF_ENOMEM rather than a message with pieces missing. */
static int unknown_option(const mf_flow *flow, const char *name, struct mf_err *err)
{
    struct mf_buf msg = MF_BUF_INIT;
    const char *guess = closest_param(flow, name);
    int rc = mf__buf_addf(&msg, "unknown option '--%s' for run", name);
    if (!rc && guess)
        rc = mf__buf_addf(&msg, " (did you mean '--%s'?)", guess);
    if (!rc)
        rc = mf__buf_adds(&msg, param_count(flow) ? "; parameters of this flow:" : "; this flow has no parameters");
    for (size_t i = 0; !rc && i < param_count(flow); i++)
        rc = mf__buf_addf(&msg, "%s --%s", i ? "," : "", param_name(&flow->params[i]));
    if (rc)
        mf__err(err, MF_ENOMEM, "out of memory while reporting unknown option '--%s'", name);
    else
        mf__err(err, MF_EINVAL, "%s", msg.buf);
    mf__buf_release(&msg);
    return rc ? MF_ENOMEM : MF_EINVAL;
}

/* Lists every required parameter that was not given, with the options. */
static int missing_required(const mf_flow *flow, const size_t *given, struct mf_err *err)
{
    struct mf_buf names = MF_BUF_INIT, options = MF_BUF_INIT;
    size_t missing = 0;
    int rc = 0;
    for (size_t i = 0; !rc && i < param_count(flow); i++) {
        const mf_param *p = &flow->params[i];
        /* As in Metaflow, a default makes `required` moot (lint flags it). */
        if (!p->required || p->default_value || given[i] || !type_known(p->type))
            continue;
        rc = mf__buf_addf(&names, "%s'%s'", missing ? ", " : "", param_name(p));
        if (!rc)
            rc = mf__buf_addf(&options, "%s--%s %s", missing ? " " : "", param_name(p), type_info(p->type)->metavar);
        missing++;
    }
    /* A list with names missing would mislead: out of memory is the error. */
    if (rc)
        rc = mf__err(err, MF_ENOMEM, "out of memory while listing missing parameters");
    else if (missing == 1)
        rc = mf__err(err, MF_EINVAL, "missing required parameter %s: give it with %s", names.buf, options.buf);
    else if (missing > 1)
        rc = mf__err(err, MF_EINVAL, "missing required parameters %s: give them with %s", names.buf, options.buf);
    mf__buf_release(&names);
    mf__buf_release(&options);
    return rc;
}

/* given[i] = 1 + the index of the pair that sets parameter i, or 0. */
int mf__params_check_name(const mf_flow *flow, const char *name, struct mf_err *err)
{
    name = bare_name(name);
    return find_param(flow, name) < 0 ? unknown_option(flow, name, err) : 0;
}

static int match_names(const mf_flow *flow, const char *const *names, size_t n, size_t *given, struct mf_err *err)
{
    for (size_t k = 0; k < n; k++) {
        const char *name = bare_name(names[k] ? names[k] : "");
        long idx = find_param(flow, name);
        if (idx < 0)
            return unknown_option(flow, name, err);
        if (given[idx])
            return mf__err(err, MF_EINVAL, "option '--%s' given more than once for run; give it once", name);
        given[idx] = k + 1;
    }
    return 0;
}

int mf__params_resolve(const mf_flow *flow, const char *const *names, const char *const *texts, size_t n,
                       mf_value **out, struct mf_err *err)
{
    size_t nparams = param_count(flow);
    size_t *given = NULL;
    mf_value *map = NULL;
    int rc = MF_ENOMEM;

    *out = NULL;
    given = mf__calloc(nparams, sizeof(*given));
    map = mf_value_map();
    if (!given || !map) {
        mf__err(err, rc, "out of memory while resolving parameters");
        goto out;
    }
    rc = match_names(flow, names, n, given, err);
    if (rc == 0)
        rc = missing_required(flow, given, err);
    for (size_t i = 0; rc == 0 && i < nparams; i++) {
        const mf_param *p = &flow->params[i];
        mf_value *val = NULL;
        if (given[i])
            rc = parse_typed(p, texts[given[i] - 1], FROM_CLI, &val, err);
        else if (p->default_value)
            rc = parse_typed(p, p->default_value, FROM_DEFAULT, &val, err);
        else if (!(val = mf_value_null()))
            rc = mf__err(err, MF_ENOMEM, "out of memory while resolving parameters");
        if (rc == 0 && (rc = mf_value_map_put(map, param_name(p), val)) < 0)
            mf__err(err, rc, "out of memory while resolving parameters");
    }
    if (rc == 0) {
        *out = map;
        map = NULL;
    }
out:
    mf_value_free(map);
    mf__free(given);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Checking the declarations                                          */
/* ------------------------------------------------------------------ */

static bool is_identifier(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

static const char *run_option_clash(const char *name)
{
    for (size_t i = 0; i < sizeof(RUN_OPTIONS) / sizeof(RUN_OPTIONS[0]); i++)
        if (same_but_dashes(RUN_OPTIONS[i], name))
            return RUN_OPTIONS[i];
    return NULL;
}

/* The declarations' report: problems counted, and MF_ENOMEM once an append
 * failed (a report with lines missing must not pass for a shorter one). */
struct plint {
    struct mf_buf *report;
    int problems;
    int rc;
};

static void problem(struct plint *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct plint *L, const char *fmt, ...)
{
    va_list ap;
    L->problems++;
    va_start(ap, fmt);
    if (mf__buf_vaddf(L->report, fmt, ap) || mf__buf_addch(L->report, '\n'))
        L->rc = MF_ENOMEM;
    va_end(ap);
}

/* Problems with the name alone; one is enough to say. */
static void lint_name(const mf_flow *flow, size_t i, struct plint *L)
{
    const char *name = flow->params[i].name;
    const char *clash = NULL;
    if (!name || !*name) {
        problem(L, "parameter #%zu has no name; give it one, e.g. 'alpha'", i + 1);
        return;
    }
    if (!is_identifier(name)) {
        problem(L,
                "parameter name '%s' is not a valid identifier: use letters, digits and '_', "
                "not starting with a digit",
                name);
        return;
    }
    if (name[0] == '_') {
        problem(L, "parameter name '%s' starts with '_', which is reserved for the library; rename it", name);
        return;
    }
    if ((clash = run_option_clash(name)) != NULL) {
        problem(L, "parameter name '%s' clashes with run's own option '--%s'; rename it", name, clash);
        return;
    }
    for (size_t j = 0; j < i; j++) {
        if (flow->params[j].name && strcmp(flow->params[j].name, name) == 0) {
            problem(L, "parameter '%s' is declared more than once; names must be unique", name);
            return;
        }
    }
}

static void lint_param(const mf_flow *flow, size_t i, struct plint *L)
{
    const mf_param *p = &flow->params[i];
    lint_name(flow, i, L);
    if (!type_known(p->type)) {
        problem(L,
                "parameter '%s' has an unknown type (%d); use MF_PARAM_STR, MF_PARAM_INT, MF_PARAM_DOUBLE, "
                "MF_PARAM_BOOL, MF_PARAM_JSON or MF_PARAM_FILE",
                param_name(p), (int)p->type);
        return;
    }
    if (p->separator && (p->type != MF_PARAM_STR || !*p->separator))
        problem(L, "parameter '%s' has a separator but %s; a separator splits the text of a MF_PARAM_STR parameter",
                param_name(p), p->type != MF_PARAM_STR ? "is not MF_PARAM_STR" : "it is empty");
    if (p->binary && p->type != MF_PARAM_FILE)
        problem(L, "parameter '%s' is binary but not MF_PARAM_FILE; .binary says how a file's content is read",
                param_name(p));
    /* A file default is read when the run starts: it need not exist at check time. */
    if (p->default_value && p->type != MF_PARAM_FILE) {
        struct mf_err err = MF_ERR_INIT;
        mf_value *val = NULL;
        int rc = parse_typed(p, p->default_value, FROM_DEFAULT, &val, &err);
        if (rc == MF_ENOMEM)
            L->rc = rc; /* not a problem of the declaration */
        else if (rc < 0)
            problem(L, "%s", err.msg);
        mf_value_free(val);
    }
    if (p->required && p->default_value)
        problem(L,
                "parameter '%s' is required and also has a default, so 'required' has no effect; "
                "drop one of the two",
                param_name(p));
}

int mf__params_lint(const mf_flow *flow, struct mf_buf *report)
{
    struct plint L = { report, 0, 0 };
    if (flow->nparams > 0 && !flow->params) {
        problem(&L, "the flow declares %zu parameters but its params table is NULL", flow->nparams);
        return L.rc ? L.rc : L.problems;
    }
    for (size_t i = 0; !L.rc && i < param_count(flow); i++)
        lint_param(flow, i, &L);
    return L.rc ? L.rc : L.problems;
}

/* ------------------------------------------------------------------ */
/* run --help                                                         */
/* ------------------------------------------------------------------ */

#define HELP_MIN_COLUMN 21 /* option column width, as click lays it out */
#define HELP_MAX_COLUMN 34 /* wider options put their help on the next line */

static const char *metavar(const mf_param *p)
{
    return type_known(p->type) ? type_info(p->type)->metavar : "VALUE";
}

static size_t option_width(const mf_param *p) { return 2 + strlen(param_name(p)) + 1 + strlen(metavar(p)); }

/* Help text; lines after the first are indented to the help column. */
static void put_help_text(const char *help, size_t column, FILE *out)
{
    for (const char *s = help; *s; s++) {
        fputc(*s, out);
        if (*s == '\n' && s[1])
            fprintf(out, "%*s", (int)(column + 2), "");
    }
}

/* What the value becomes when that is not plain from the type. */
static void put_shape(const mf_param *p, FILE *out)
{
    if (p->separator && *p->separator)
        fprintf(out, "  [a list: the text split at '%s']", p->separator);
    else if (p->type == MF_PARAM_FILE)
        fprintf(out, "  [the file's content, as %s]", p->binary ? "bytes" : "text");
}

/* The bracketed notes after the help: default and required. */
static void put_notes(const mf_param *p, bool after_help, FILE *out)
{
    put_shape(p, out);
    if (!p->default_value && !p->required)
        return;
    fputs(after_help ? "  [" : "[", out);
    if (p->default_value)
        fprintf(out, "default: %s%s", *p->default_value ? p->default_value : "''", p->required ? "; " : "");
    if (p->required)
        fputs("required", out);
    fputc(']', out);
}


static void put_param(const mf_param *p, size_t column, FILE *out)
{
    bool has_help = p->help && *p->help;
    size_t width = option_width(p);
    fprintf(out, "  --%s %s", param_name(p), metavar(p));
    if (has_help || p->default_value || p->required || p->separator || p->type == MF_PARAM_FILE) {
        if (width + 2 > column) /* too wide: the rest goes on the next line */
            fprintf(out, "\n%*s", (int)(column + 2), "");
        else
            fprintf(out, "%*s", (int)(column - width), "");
    }
    if (has_help)
        put_help_text(p->help, column, out);
    put_notes(p, has_help, out);
    fputc('\n', out);
}

void mf__params_help(const mf_flow *flow, FILE *out)
{
    size_t column = HELP_MIN_COLUMN;
    if (param_count(flow) == 0)
        return;
    for (size_t i = 0; i < param_count(flow); i++) {
        size_t width = option_width(&flow->params[i]) + 2;
        if (width > column && width <= HELP_MAX_COLUMN)
            column = width;
    }
    fputs("Parameters:\n", out);
    for (size_t i = 0; i < param_count(flow); i++)
        put_param(&flow->params[i], column, out);
}
