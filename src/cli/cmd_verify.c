/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_verify.c - `verify [RUN] [--json]`: prints what mf__verify (verify.c)
 * finds, with the runs and tasks each problem touches and its fix; exit 1
 * on any problem. */
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"
#include "util/buf.h"
#include "value.h"
#include "verify.h"

struct out {
    struct mf_cli *c;
    mf_value *json; /* list of problems with --json, else NULL */
    int bad;        /* out of memory building the JSON */
};

static void list_line(struct mf_cli *c, const char *label, const char *const *v, size_t n)
{
    if (!n)
        return;
    fprintf(c->out, "  %s:", label);
    for (size_t i = 0; i < n && i < 20; i++)
        fprintf(c->out, "%s %s", i ? "," : "", v[i]);
    if (n > 20)
        fprintf(c->out, ", ... (%zu in all)", n);
    fputc('\n', c->out);
}

static int on_problem(void *ctx, const struct mf_verify_problem *p)
{
    struct out *o = ctx;
    if (!o->json) {
        fprintf(o->c->out, "problem: %s\n  path: %s\n", p->what, p->path);
        list_line(o->c, "runs", p->runs, p->nruns);
        list_line(o->c, "tasks", p->tasks, p->ntasks);
        fprintf(o->c->out, "  fix: %s\n", p->fix);
        return 0;
    }
    mf_value *m = mf_value_map();
    const char *keys[] = { "kind", "path", "message", "fix" }, *vals[] = { p->kind, p->path, p->what, p->fix };
    for (size_t i = 0; m && i < 4; i++)
        o->bad += mf_value_map_put(m, keys[i], mf_value_str(vals[i])) != 0;
    if (m) {
        o->bad += mf_value_map_put(m, "runs", mf__value_str_list(p->runs, p->nruns)) != 0;
        o->bad += mf_value_map_put(m, "tasks", mf__value_str_list(p->tasks, p->ntasks)) != 0;
    }
    o->bad += !m || mf_value_list_push(o->json, m) != 0;
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int print_json(struct mf_cli *c, struct out *o, const struct mf_verify_stats *st, double secs)
{
    mf_value *top = mf_value_map();
    struct mf_buf text = MF_BUF_INIT;
    int bad = o->bad || !top;
    if (top) {
        bad += mf_value_map_put(top, "ok", mf_value_bool(st->problems == 0)) != 0;
        bad += mf_value_map_put(top, "problems", o->json) != 0;
        o->json = NULL;
        bad += mf_value_map_put(top, "indexes", mf_value_int((int64_t)st->indexes)) != 0;
        bad += mf_value_map_put(top, "objects", mf_value_int((int64_t)st->objects)) != 0;
        bad += mf_value_map_put(top, "bytes_hashed", mf_value_int((int64_t)st->bytes)) != 0;
        bad += mf_value_map_put(top, "temporary_files", mf_value_int((int64_t)st->tmp_files)) != 0;
        bad += mf_value_map_put(top, "seconds", mf_value_double(secs)) != 0;
    }
    if (bad || mf__json_dump(top, &text))
        fprintf(c->err, "error: out of memory\n");
    else
        fprintf(c->out, "%s\n", text.buf);
    mf_value_free(top);
    mf__buf_release(&text);
    return bad ? MF_EXIT_FAIL : MF_EXIT_OK;
}

static int usage(struct mf_cli *c)
{
    fprintf(c->out,
            "usage: %s verify [RUN] [--json] [--datastore-root DIR]\n\n"
            "Checks the datastore without changing it. With RUN: every task index of that run decodes,\n"
            "every object its indexes name is present and hashes to its name, and the metadata agrees\n"
            "with the run directory. Without RUN: the whole datastore - every index of every flow, every\n"
            "object (also those no index names) and all the metadata.\n\n"
            "Each problem is printed with the runs and tasks it touches and how to fix it; the exit\n"
            "status is 1 if there is any. --json prints one object: ok, problems (kind, path, message,\n"
            "runs, tasks, fix), and what was checked. Safe while runs go on.\n", c->prog);
    return MF_EXIT_OK;
}

int mf__cmd_verify(struct mf_cli *c, int argc, char **argv)
{
    const char *run = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m;
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return usage(c);
        else if ((m = mf__cli_opt(c, argc, argv, &i, "--datastore-root", &v)) != 0) {
            if (m < 0)
                return MF_EXIT_USAGE;
            c->root = v;
        } else if (argv[i][0] == '-' || run)
            return mf__cli_usage_error(c, "unexpected argument '%.100s' for verify; see '%s verify --help'", argv[i],
                                       c->prog);
        else
            run = argv[i];
    }
    if (run && (strspn(run, "0123456789") != strlen(run) || !*run || strlen(run) > 18))
        return mf__cli_usage_error(c, "invalid run id '%.100s': a run id is a number; see '%s runs'", run, c->prog);
    struct out o = { .c = c, .json = json ? mf_value_list() : NULL };
    struct mf_verify_stats st;
    struct mf_err err = MF_ERR_INIT;
    double t0 = now();
    int rc = json && !o.json ? MF_ENOMEM : mf__verify(c->root, c->flow->name, run, on_problem, &o, &st, &err);
    double secs = now() - t0;
    if (rc) {
        mf_value_free(o.json);
        fprintf(c->err, "error: %s\n", rc == MF_ENOMEM && !*err.msg ? "out of memory" : err.msg);
        return MF_EXIT_FAIL;
    }
    if (json) {
        int status = print_json(c, &o, &st, secs);
        return status ? status : st.problems ? MF_EXIT_FAIL : MF_EXIT_OK;
    }
    fprintf(c->out, "verify: %llu problem(s) in %llu index(es) and %llu object(s) (%.1f MiB hashed in %.2f s)\n",
            (unsigned long long)st.problems, (unsigned long long)st.indexes, (unsigned long long)st.objects,
            (double)st.bytes / (1024.0 * 1024.0), secs);
    if (st.tmp_files)
        fprintf(c->out, "note: %llu temporary file(s) left by processes that died while writing; "
                        "'%s gc' lists them\n", (unsigned long long)st.tmp_files, c->prog);
    return st.problems ? MF_EXIT_FAIL : MF_EXIT_OK;
}
