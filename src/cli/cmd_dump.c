/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_dump.c - `dump RUN[/STEP[/TASK]] [--artifact NAME] [--json] [--full]
 * [--file OUT]`: the artifacts of a task, of every task of a step, or of a
 * whole run, through the client API. Large arrays, bytes and strings are
 * summarised unless --full; --file writes one artifact's raw content.
 */
#include <string.h>

#include "cli.h"
#include "client_impl.h"
#include "json.h"
#include "util/buf.h"
#include "util/fsutil.h"

#define ARRAY_SHOWN 20 /* arrays and lists longer than this are summarised */
#define ARRAY_HEAD 5
#define ARRAY_TAIL 2
#define BYTES_SHOWN 16
#define STR_SHOWN 200

struct dump_opts {
    const char *artifact;
    const char *file; /* --file: one artifact's raw content goes there */
    bool json, full;
};

static bool is_array(mf_type ty)
{
    return ty == MF_F64S || ty == MF_F32S || ty == MF_I64S || ty == MF_I32S || ty == MF_U8S || ty == MF_LIST;
}

/* Element `i` of a list or typed array, as JSON appended to `out`. */
static void add_element(const mf_value *v, size_t i, struct mf_buf *out)
{
    mf_type ty = mf_value_type(v);
    const void *data = NULL;
    size_t n = 0;
    mf_value *e = NULL;
    if (ty == MF_LIST) {
        mf__json_dump(mf_value_at(v, i), out);
        return;
    }
    mf_value_get_array(v, ty, &data, &n);
    switch (ty) {
    case MF_F64S: e = mf_value_double(((const double *)data)[i]); break;
    case MF_F32S: e = mf_value_double(((const float *)data)[i]); break;
    case MF_I64S: e = mf_value_int(((const int64_t *)data)[i]); break;
    case MF_I32S: e = mf_value_int(((const int32_t *)data)[i]); break;
    default: e = mf_value_int(((const uint8_t *)data)[i]); break;
    }
    if (e)
        mf__json_dump(e, out);
    mf_value_free(e);
}

/* "[a,b,...]" of elements [from, to). */
static void add_elements(const mf_value *v, size_t from, size_t to, const char *sep, struct mf_buf *out)
{
    mf__buf_addch(out, '[');
    for (size_t i = from; i < to; i++) {
        if (i > from)
            mf__buf_adds(out, sep);
        add_element(v, i, out);
    }
    mf__buf_addch(out, ']');
}

static void summarise_array(const mf_value *v, bool json, struct mf_buf *out)
{
    mf_type ty = mf_value_type(v);
    size_t n = mf_value_len(v);
    if (json) {
        mf__buf_addf(out, "{\"type\":\"%s\",\"length\":%zu,\"head\":", mf_type_name(ty), n);
        add_elements(v, 0, ARRAY_HEAD, ",", out);
        mf__buf_adds(out, ",\"tail\":");
        add_elements(v, n - ARRAY_TAIL, n, ",", out);
        mf__buf_addch(out, '}');
        return;
    }
    mf__buf_addf(out, "%s of %zu elements [", mf_type_name(ty), n);
    for (size_t i = 0; i < ARRAY_HEAD; i++) {
        add_element(v, i, out);
        mf__buf_adds(out, ", ");
    }
    mf__buf_adds(out, "...");
    for (size_t i = n - ARRAY_TAIL; i < n; i++) {
        mf__buf_adds(out, ", ");
        add_element(v, i, out);
    }
    mf__buf_addch(out, ']');
}

static void add_hex(const unsigned char *p, size_t n, const char *sep, struct mf_buf *out)
{
    for (size_t i = 0; i < n; i++)
        mf__buf_addf(out, "%s%02x", i ? sep : "", p[i]);
}

static void summarise_bytes(const mf_value *v, bool json, struct mf_buf *out)
{
    const void *data = NULL;
    size_t n = 0;
    mf_value_get_bytes(v, &data, &n);
    size_t shown = n < BYTES_SHOWN ? n : BYTES_SHOWN;
    if (json) {
        mf__buf_addf(out, "{\"type\":\"bytes\",\"length\":%zu,\"head\":\"", n);
        add_hex(data, shown, "", out);
        mf__buf_adds(out, "\"}");
        return;
    }
    mf__buf_addf(out, "%zu bytes%s", n, n ? ": " : "");
    add_hex(data, shown, " ", out);
    if (n > shown)
        mf__buf_adds(out, " ...");
}

/* The first STR_SHOWN characters (UTF-8 code points) and the count. */
static void summarise_str(const mf_value *v, bool json, struct mf_buf *out)
{
    const char *s = NULL;
    size_t len = mf_value_len(v), chars = 0, cut = 0;
    mf_value_get_str(v, &s);
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == STR_SHOWN)
            cut = i;
    mf_value *head = mf_value_strn(s, cut);
    if (json)
        mf__buf_addf(out, "{\"type\":\"str\",\"length\":%zu,\"head\":", chars);
    if (head)
        mf__json_dump(head, out);
    if (json)
        mf__buf_addch(out, '}');
    else
        mf__buf_addf(out, " ... (%zu chars)", chars);
    mf_value_free(head);
}

/* A string's length in characters, to decide whether it is cut. */
static size_t str_chars(const mf_value *v)
{
    const char *s = NULL;
    size_t len = mf_value_len(v), chars = 0;
    mf_value_get_str(v, &s);
    for (size_t i = 0; s && i < len; i++)
        chars += ((unsigned char)s[i] & 0xC0) != 0x80;
    return chars;
}

/* Whether the value is shown summarised (unless --full). */
static bool is_large(const mf_value *v, bool json)
{
    mf_type ty = mf_value_type(v);
    return (is_array(ty) && mf_value_len(v) > ARRAY_SHOWN) ||
           (ty == MF_BYTES && (!json || mf_value_len(v) > BYTES_SHOWN)) ||
           (ty == MF_STR && str_chars(v) > STR_SHOWN);
}

/* The value as JSON, or a summary when it is large (JSON: an object with
 * its type, length and first elements; the task's "summarised" list names
 * such artifacts, so that a summary is never taken for a user's map). */
static void summarise(const mf_value *v, bool json, struct mf_buf *out)
{
    mf_type ty = mf_value_type(v);
    if (!is_large(v, json))
        mf__json_dump(v, out);
    else if (is_array(ty))
        summarise_array(v, json, out);
    else if (ty == MF_BYTES)
        summarise_bytes(v, json, out);
    else
        summarise_str(v, json, out);
}

static void print_artifact(struct mf_cli *c, const char *name, const mf_value *v, const struct dump_opts *o,
                           bool first)
{
    struct mf_buf text = MF_BUF_INIT;
    if (o->full)
        mf__json_dump(v, &text);
    else
        summarise(v, o->json, &text);
    if (o->json)
        fprintf(c->out, "%s\"%s\":%s", first ? "" : ",", name, text.buf);
    else
        fprintf(c->out, "  %s (%s) = %s\n", name, mf_type_name(mf_value_type(v)), text.buf);
    mf__buf_release(&text);
}

/* ,"NAME":["RUN/STEP/TASK",...] from `get`, or null when the client cannot
 * tell (a store written before format version 3 with its metadata rebuilt). */
static void print_tasks(struct mf_cli *c, mf_client *cl, const char *name, const char *pathspec,
                        int (*get)(mf_client *, const char *, const char *, char ***))
{
    char **v = NULL;
    fprintf(c->out, ",\"%s\":", name);
    if (get(cl, c->flow->name, pathspec, &v)) {
        fputs("null", c->out);
        return;
    }
    fputc('[', c->out);
    for (size_t i = 0; v[i]; i++)
        fprintf(c->out, "%s\"%s\"", i ? "," : "", v[i]);
    fputc(']', c->out);
    mf_strv_free(v);
}

/* The task's place in the runtime graph (--json): its parents and children
 * and, for a finished task in a foreach, its index there (else null). */
static void print_graph(struct mf_cli *c, mf_client *cl, const mf_task_info *info, mf_task *t)
{
    int64_t index = t ? mf_index(t) : -1;
    print_tasks(c, cl, "parents", info->pathspec, mf_client_task_parents);
    print_tasks(c, cl, "children", info->pathspec, mf_client_task_children);
    if (index >= 0)
        fprintf(c->out, ",\"index\":%lld", (long long)index);
    else
        fputs(",\"index\":null", c->out);
    /* As Metaflow's Task.exception: what a catch_var caught, or the last
     * attempt's failure; null for a task that succeeded or runs. */
    mf_value *exc = NULL;
    struct mf_buf text = MF_BUF_INIT;
    if (mf_client_task_exception(cl, c->flow->name, info->pathspec, &exc) == 0 && exc &&
        mf__json_dump(exc, &text) == 0)
        fprintf(c->out, ",\"exception\":%s", text.buf);
    else
        fputs(",\"exception\":null", c->out);
    mf__buf_release(&text);
    mf_value_free(exc);
}

/* JSON's closing of a task: the artifacts map, then the names of those shown
 * summarised ("summarised", empty with --full). */
static void end_json_task(struct mf_cli *c, mf_task *t, char **names, const struct dump_opts *o)
{
    fputs("},\"summarised\":[", c->out);
    bool first = true;
    for (size_t i = 0; !o->full && (o->artifact ? i < 1 : names[i] != NULL); i++) {
        const char *name = o->artifact ? o->artifact : names[i];
        const mf_value *v = mf_get(t, name);
        if (v && is_large(v, true)) {
            fprintf(c->out, "%s\"%s\"", first ? "" : ",", name);
            first = false;
        }
    }
    fputs("]}", c->out);
}

/* Little-endian bytes of a typed array into `out` (a copy, swapped on a
 * big-endian host). */
static int array_le(const mf_value *v, struct mf_buf *out)
{
    const void *data = NULL;
    size_t n = 0, w = 1;
    mf_type ty = mf_value_type(v);
    mf_value_get_array(v, ty, &data, &n);
    w = ty == MF_F64S || ty == MF_I64S ? 8 : ty == MF_U8S ? 1 : 4;
    if (mf__buf_add(out, data, n * w))
        return MF_ENOMEM;
    const uint16_t one = 1;
    if (*(const unsigned char *)&one == 0) /* big-endian: reverse each element */
        for (size_t i = 0; w > 1 && i < n; i++)
            for (size_t a = 0, b = w - 1; a < b; a++, b--) {
                char tmp = out->buf[i * w + a];
                out->buf[i * w + a] = out->buf[i * w + b];
                out->buf[i * w + b] = tmp;
            }
    return 0;
}

/* --file: the artifact's raw content - bytes as they are, a string's UTF-8,
 * a typed array's little-endian elements, anything else as full JSON. */
static int write_raw(struct mf_cli *c, const char *pathspec, const char *name, const mf_value *v, const char *file)
{
    struct mf_buf data = MF_BUF_INIT;
    struct mf_err err = MF_ERR_INIT;
    mf_type ty = mf_value_type(v);
    const void *p = NULL;
    size_t n = 0;
    int rc = 0;
    if (ty == MF_BYTES && !mf_value_get_bytes(v, &p, &n))
        rc = mf__buf_add(&data, p, n);
    else if (ty == MF_STR && !mf_value_get_str(v, (const char **)&p))
        rc = mf__buf_add(&data, p, mf_value_len(v));
    else if (is_array(ty) && ty != MF_LIST)
        rc = array_le(v, &data);
    else
        rc = mf__json_dump(v, &data) || mf__buf_addch(&data, '\n');
    if (rc)
        mf__err(&err, MF_ENOMEM, "out of memory");
    else
        rc = mf__write_atomic(file, data.buf, data.len, MF_SYNC_DATA, &err);
    if (rc)
        fprintf(c->err, "error: cannot write artifact '%s' of '%s' to '%s': %s\n", name, pathspec, file, err.msg);
    else
        fprintf(c->err, "wrote %zu bytes (%s '%s' of %s) to %s\n", data.len, mf_type_name(ty), name, pathspec,
                file);
    mf__buf_release(&data);
    return rc ? MF_EXIT_FAIL : MF_EXIT_OK;
}

/* `"key":"value"` (or null), with the value's quotes, backslashes and
 * control characters escaped. */
static void json_field(FILE *out, const char *key, const char *v)
{
    fprintf(out, ",\"%s\":", key);
    if (!v) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void print_header(struct mf_cli *c, mf_client *cl, const mf_task_info *info, mf_task *t,
                         const struct dump_opts *o, bool *first)
{
    char job[128] = ""; /* the cluster job of its last attempt, and how the cluster ended it */
    if (info->job_id && info->job_state)
        snprintf(job, sizeof(job), "job %s, %s", info->job_id, info->job_state);
    else if (info->job_id || info->job_state)
        snprintf(job, sizeof(job), "%s%s", info->job_id ? "job " : "", info->job_id ? info->job_id : info->job_state);
    if (info->memo_hit && info->origin) /* a task that ran nowhere: say where it came from */
        snprintf(job, sizeof(job), "memo hit of %s", info->origin);
    if (!o->json && info->finished)
        fprintf(c->out, "== %s%s%s%s\n", info->pathspec, job[0] ? " (" : "", job, job[0] ? ")" : "");
    else if (!o->json)
        fprintf(c->out, "== %s (not finished: %s%s%s)\n", info->pathspec, info->status, job[0] ? "; " : "", job);
    if (o->json) {
        fprintf(c->out, "%s{\"pathspec\":\"%s\",\"step\":\"%s\",\"task_id\":\"%s\",\"status\":\"%s\"",
                *first ? "" : ",", info->pathspec, info->step, info->task_id, info->status);
        if (info->job_id || info->job_state) { /* only for a task that ran on a cluster */
            json_field(c->out, "job_id", info->job_id);
            json_field(c->out, "job_state", info->job_state);
        }
        json_field(c->out, "origin", info->origin);
        fprintf(c->out, ",\"memo_hit\":%s", info->memo_hit ? "true" : "false");
        print_graph(c, cl, info, t);
        fputs(info->finished ? ",\"finished\":true,\"artifacts\":{" : ",\"finished\":false}", c->out);
    }
    *first = false;
}

/* "'a', 'b'" of a task's artifact names. */
static void list_names(char **names, struct mf_buf *out)
{
    for (size_t i = 0; names && names[i]; i++)
        mf__buf_addf(out, "%s'%s'", i ? ", " : "", names[i]);
    if (!out->len)
        mf__buf_adds(out, "(none)");
}

/* One task: its artifacts, or with --artifact that one (which may also be
 * a parameter). *shown counts the tasks printed. */
static int dump_task(struct mf_cli *c, mf_client *cl, const mf_task_info *info, const struct dump_opts *o,
                     bool only_task, bool *first, size_t *shown)
{
    mf_task *t = NULL;
    char **names = NULL;
    int status = MF_EXIT_FAIL;
    if (!info->finished && !strcmp(info->status, "succeeded")) {
        fprintf(c->err, "error: task '%s' succeeded but its artifact index is missing (deleted?): its artifacts "
                        "cannot be read; run it again with '%s resume %s --origin-run-id %.*s'\n",
                info->pathspec, c->prog, info->step, (int)strcspn(info->pathspec, "/"), info->pathspec);
        return MF_EXIT_FAIL;
    }
    if (!info->finished && !only_task) { /* shown as such in a step or run, unless one artifact is asked for */
        if (!o->artifact) {
            print_header(c, cl, info, NULL, o, first);
            (*shown)++;
        }
        return MF_EXIT_OK;
    }
    if (mf_client_task(cl, c->flow->name, info->pathspec, &t))
        return fprintf(c->err, "error: %s\n", mf_client_errmsg(cl)), MF_EXIT_FAIL;
    if (!(names = mf_task_artifact_names(t))) {
        fprintf(c->err, "error: out of memory\n");
        goto out;
    }
    if (o->artifact && !mf_has(t, o->artifact)) {
        struct mf_buf all = MF_BUF_INIT;
        list_names(names, &all);
        if (only_task)
            fprintf(c->err, "error: task '%s' has no artifact '%s'; its artifacts are %s\n", info->pathspec,
                    o->artifact, all.buf);
        mf__buf_release(&all);
        status = only_task ? MF_EXIT_FAIL : MF_EXIT_OK;
        goto out;
    }
    if (o->file) {
        const mf_value *v = mf_get(t, o->artifact);
        status = v ? write_raw(c, info->pathspec, o->artifact, v, o->file)
                   : (fprintf(c->err, "error: %s\n", mf_client_errmsg(cl)), MF_EXIT_FAIL);
        (*shown)++;
        goto out;
    }
    print_header(c, cl, info, t, o, first);
    (*shown)++;
    bool firsta = true;
    for (size_t i = 0; o->artifact ? i < 1 : names[i] != NULL; i++) {
        const char *name = o->artifact ? o->artifact : names[i];
        const mf_value *v = mf_get(t, name);
        if (!v) {
            fprintf(c->err, "error: %s\n", mf_client_errmsg(cl));
            goto out;
        }
        print_artifact(c, name, v, o, firsta);
        firsta = false;
    }
    if (o->json)
        end_json_task(c, t, names, o);
    status = MF_EXIT_OK;
out:
    mf_strv_free(names);
    mf_client_task_close(t);
    return status;
}

static int dump_tasks(struct mf_cli *c, mf_client *cl, const char *run, const char *step, const char *task,
                      const struct dump_opts *o)
{
    mf_task_info *tasks = NULL;
    size_t n = 0, shown = 0, matched = 0;
    bool first = true;
    int status = MF_EXIT_OK;
    if (mf_client_tasks(cl, c->flow->name, run, *step ? step : NULL, &tasks, &n))
        return fprintf(c->err, "error: %s\n", mf_client_errmsg(cl)), MF_EXIT_FAIL;
    if (o->json && !o->file)
        fputc('[', c->out);
    bool lost = false; /* a succeeded task without its index: go on, exit 1 */
    for (size_t i = 0; i < n && status == MF_EXIT_OK; i++) {
        if (*task && strcmp(tasks[i].task_id, task))
            continue;
        matched++;
        status = dump_task(c, cl, &tasks[i], o, *task != '\0', &first, &shown);
        if (status != MF_EXIT_OK && !tasks[i].finished && !*task) {
            lost = true;
            status = MF_EXIT_OK;
        }
    }
    if (o->json && !o->file)
        fputs("]\n", c->out);
    if (*task && !matched) { /* the client names the tasks that exist */
        mf_task *t = NULL;
        char ps[512];
        snprintf(ps, sizeof(ps), "%s/%s/%s", run, step, task);
        if (mf_client_task(cl, c->flow->name, ps, &t) == 0)
            mf_client_task_close(t);
        fprintf(c->err, "error: %s\n", mf_client_errmsg(cl));
        status = MF_EXIT_FAIL;
    } else if (status == MF_EXIT_OK && o->artifact && !shown) {
        fprintf(c->err, "error: no finished task of '%s%s%s' has artifact '%s'\n", run, *step ? "/" : "", step,
                o->artifact);
        status = MF_EXIT_FAIL;
    }
    mf_task_info_free(tasks, n);
    return lost ? MF_EXIT_FAIL : status;
}

static int help(struct mf_cli *c)
{
    fprintf(c->out,
            "usage: %s dump RUN[/STEP[/TASK]] [--artifact NAME] [--json] [--full] [--namespace NS]\n"
            "                [--datastore-root DIR]\n"
            "       %s dump RUN/STEP/TASK --artifact NAME --file OUT\n\n"
            "Prints the artifacts of a task, of every task of a step, or of every step of a run: name, type\n"
            "and value. Arrays of more than %d elements, bytes and strings of more than %d characters are\n"
            "summarised.\n"
            "  --artifact NAME  only that artifact (a parameter too)\n"
            "  --json           an array of tasks, each {\"pathspec\", \"step\", \"task_id\", \"status\",\n"
            "                   \"origin\", \"memo_hit\", \"parents\", \"children\", \"index\", \"exception\",\n"
            "                   \"finished\", \"artifacts\", \"summarised\"}: origin is the task it was cloned\n"
            "                   from (by resume, or a memo hit when memo_hit is true), else null;\n"
            "                   parents and children are the runtime graph (RUN/STEP/TASK), index the\n"
            "                   position in the innermost foreach (null outside one); exception the\n"
            "                   failure a catch_var caught or the last attempt's (type, reason, exit_code,\n"
            "                   ...), null for a task that succeeded; \"summarised\" names\n"
            "                   the artifacts shown as a summary {\"type\", \"length\", \"head\"[, \"tail\"]}; a task\n"
            "                   that ran as a Slurm job also has \"job_id\" (its last attempt's job) and\n"
            "                   \"job_state\" (Slurm's state word when Slurm ended it, else null)\n"
            "  --full           every value whole, never summarised (bytes as base64 in JSON)\n"
            "  --file OUT       write one artifact's raw content to OUT: bytes as they are, a string's\n"
            "                   UTF-8 text, a numeric array's elements little-endian, anything else as JSON\n"
            MF_CLI_NS_HELP,
            c->prog, c->prog, ARRAY_SHOWN, STR_SHOWN);
    return MF_EXIT_OK;
}

int mf__cmd_dump(struct mf_cli *c, int argc, char **argv)
{
    struct dump_opts o = { NULL, NULL, false, false };
    const char *target = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m;
        if (!strcmp(argv[i], "--json"))
            o.json = true;
        else if (!strcmp(argv[i], "--full"))
            o.full = true;
        else if ((m = mf__cli_opt(c, argc, argv, &i, "--file", &v)) != 0) {
            if (m < 0)
                return MF_EXIT_USAGE;
            o.file = v;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return help(c);
        else if ((m = mf__cli_opt(c, argc, argv, &i, "--artifact", &v)) != 0) {
            if (m < 0)
                return MF_EXIT_USAGE;
            o.artifact = v;
        } else if ((m = mf__cli_opt(c, argc, argv, &i, "--datastore-root", &v)) != 0) {
            if (m < 0)
                return MF_EXIT_USAGE;
            c->root = v;
        } else if ((m = mf__cli_ns_option(c, argc, argv, &i)) != 0) {
            if (m < 0)
                return MF_EXIT_USAGE;
        } else if (argv[i][0] == '-' || target)
            return mf__cli_usage_error(c, "unexpected argument '%s' for dump; see '%s dump --help'",
                                       MF_CLI_CUT(argv[i]), c->prog);
        else
            target = argv[i];
    }
    if (!target)
        return mf__cli_usage_error(c, "dump needs RUN[/STEP[/TASK]]; see '%s runs' for the run ids", c->prog);
    char run[160], step[160], task[160], errbuf[1024];
    if (mf__pathspec_parse(target, false, run, step, task, sizeof(run), errbuf, sizeof(errbuf)))
        return mf__cli_usage_error(c, "%s", errbuf);
    if (o.artifact && !*o.artifact)
        return mf__cli_usage_error(c, "--artifact needs an artifact name");
    if (o.file && (!o.artifact || !*task))
        return mf__cli_usage_error(c, "--file writes one artifact of one task: give RUN/STEP/TASK and --artifact NAME "
                                      "(e.g. '%s dump %s/%s/%s --artifact NAME --file %s')",
                                   c->prog, run, *step ? step : "STEP", *task ? task : "TASK", MF_CLI_CUT(o.file));
    if (o.file && !*o.file)
        return mf__cli_usage_error(c, "--file needs a file name");
    mf_client *cl = NULL;
    if (mf__cli_client_open(c, &cl))
        return MF_EXIT_FAIL;
    int status = mf__cli_run_visible(c, cl, run);
    if (status == MF_EXIT_OK)
        status = dump_tasks(c, cl, run, step, task, &o);
    mf_client_close(cl);
    return status;
}
