/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_dump.c - `dump RUN[/STEP[/TASK]] [--artifact NAME] [--json]`: the
 * artifacts of a task, of every task of a step, or of a whole run, through
 * the client API. Large arrays, bytes and strings are summarised.
 */
#include <string.h>

#include "cli.h"
#include "client_impl.h"
#include "json.h"
#include "util/buf.h"

#define ARRAY_SHOWN 20
#define STR_SHOWN 200

struct dump_opts {
    const char *artifact;
    bool json;
};

/* A short text for an array or bytes value; the value as JSON otherwise. */
static void summarise(const mf_value *v, bool json, struct mf_buf *out)
{
    mf_type ty = mf_value_type(v);
    size_t n = mf_value_len(v);
    if ((ty == MF_F64S || ty == MF_F32S || ty == MF_I64S || ty == MF_I32S || ty == MF_U8S) && n > ARRAY_SHOWN) {
        char *head = NULL;
        mf_value *first = mf_value_list();
        const void *data = NULL;
        mf_value_get_array(v, ty, &data, &n);
        for (size_t i = 0; i < 5 && first; i++) {
            double d = ty == MF_F64S ? ((const double *)data)[i] : ty == MF_F32S ? ((const float *)data)[i]
                     : ty == MF_I64S ? (double)((const int64_t *)data)[i]
                     : ty == MF_I32S ? ((const int32_t *)data)[i] : ((const uint8_t *)data)[i];
            mf_value_list_push(first, mf_value_double(d));
        }
        head = first ? mf_value_to_json(first) : NULL;
        if (json)
            mf__buf_addf(out, "{\"type\":\"%s\",\"length\":%zu,\"head\":%s}", mf_type_name(ty), n, head ? head : "[]");
        else
            mf__buf_addf(out, "%s of %zu elements, starting %s ...", mf_type_name(ty), n, head ? head : "[]");
        mf_free(head);
        mf_value_free(first);
        return;
    }
    if (ty == MF_BYTES && !json) {
        const unsigned char *p = NULL;
        mf_value_get_bytes(v, (const void **)&p, &n);
        mf__buf_addf(out, "%zu bytes:", n);
        for (size_t i = 0; i < n && i < 16; i++)
            mf__buf_addf(out, " %02x", p[i]);
        if (n > 16)
            mf__buf_adds(out, " ...");
        return;
    }
    if (ty == MF_STR && !json && n > STR_SHOWN) {
        const char *s = NULL;
        mf_value_get_str(v, &s);
        mf__buf_addf(out, "\"%.*s\" ... (%zu chars)", STR_SHOWN, s, n);
        return;
    }
    mf__json_dump(v, out);
}

static int dump_task(struct mf_cli *c, mf_client *cl, const char *ps, const struct dump_opts *o, bool *first)
{
    mf_task *t = NULL;
    if (mf_client_task(cl, c->flow->name, ps, &t))
        return fprintf(c->err, "error: %s\n", mf_client_errmsg(cl)), MF_EXIT_FAIL;
    char **names = mf_task_artifact_names(t);
    int status = MF_EXIT_OK;
    if (o->artifact && !mf_has(t, o->artifact)) {
        struct mf_buf all = MF_BUF_INIT;
        for (size_t i = 0; names && names[i]; i++)
            mf__buf_addf(&all, "%s'%s'", i ? ", " : "", names[i]);
        fprintf(c->err, "error: task '%s' has no artifact '%s'; its artifacts are %s\n", ps, o->artifact,
                all.len ? all.buf : "(none)");
        mf__buf_release(&all);
        status = MF_EXIT_FAIL;
    }
    if (!o->json && status == MF_EXIT_OK)
        fprintf(c->out, "== %s\n", ps);
    if (o->json && status == MF_EXIT_OK)
        fprintf(c->out, "%s{\"pathspec\":\"%s\",\"artifacts\":{", *first ? "" : ",", ps);
    bool firsta = true;
    for (size_t i = 0; names && names[i] && status == MF_EXIT_OK; i++) {
        if (o->artifact && strcmp(o->artifact, names[i]))
            continue;
        struct mf_buf text = MF_BUF_INIT;
        const mf_value *v = mf_get(t, names[i]);
        if (!v) {
            fprintf(c->err, "error: %s\n", mf_client_errmsg(cl));
            status = MF_EXIT_FAIL;
            break;
        }
        summarise(v, o->json, &text);
        if (o->json)
            fprintf(c->out, "%s\"%s\":%s", firsta ? "" : ",", names[i], text.buf);
        else
            fprintf(c->out, "  %s (%s) = %s\n", names[i], mf_type_name(mf_value_type(v)), text.buf);
        firsta = false;
        mf__buf_release(&text);
    }
    if (o->json && status == MF_EXIT_OK)
        fputs("}}", c->out);
    *first = false;
    mf_strv_free(names);
    mf_client_task_close(t);
    return status;
}

static int dump_tasks(struct mf_cli *c, mf_client *cl, const char *run, const char *step, const char *task,
                      const struct dump_opts *o)
{
    mf_task_info *tasks = NULL;
    size_t n = 0, shown = 0;
    bool first = true;
    int status = MF_EXIT_OK;
    if (mf_client_tasks(cl, c->flow->name, run, *step ? step : NULL, &tasks, &n))
        return fprintf(c->err, "error: %s\n", mf_client_errmsg(cl)), MF_EXIT_FAIL;
    if (o->json)
        fputc('[', c->out);
    for (size_t i = 0; i < n && status == MF_EXIT_OK; i++) {
        if ((*task && strcmp(tasks[i].task_id, task)) || !tasks[i].finished)
            continue;
        status = dump_task(c, cl, tasks[i].pathspec, o, &first);
        shown++;
    }
    if (o->json)
        fputs("]\n", c->out);
    if (status == MF_EXIT_OK && shown == 0) {
        struct mf_buf have = MF_BUF_INIT;
        char **steps = NULL;
        if (*step && n) /* the step exists: name its finished tasks */
            for (size_t i = 0; i < n; i++)
                mf__buf_addf(&have, "%s%s", have.len ? ", " : "", tasks[i].finished ? tasks[i].task_id : "");
        else if (!mf_client_steps(cl, c->flow->name, run, &steps))
            for (size_t i = 0; steps && steps[i]; i++)
                mf__buf_addf(&have, "%s'%s'", i ? ", " : "", steps[i]);
        fprintf(c->err, "error: run %s of %s has no finished task '%s%s%s%s%s'; %s %s\n", run, c->flow->name, run,
                *step ? "/" : "", step, *task ? "/" : "", task, *step && n ? "the step's tasks are" : "its steps are",
                have.len ? have.buf : "(none)");
        mf_strv_free(steps);
        mf__buf_release(&have);
        status = MF_EXIT_FAIL;
    }
    mf_task_info_free(tasks, n);
    return status;
}

int mf__cmd_dump(struct mf_cli *c, int argc, char **argv)
{
    struct dump_opts o = { NULL, false };
    const char *target = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m;
        if (!strcmp(argv[i], "--json"))
            o.json = true;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return fprintf(c->out, "usage: %s dump RUN[/STEP[/TASK]] [--artifact NAME] [--json]\n\nPrints the "
                                   "artifacts of a task, of every task of a step, or of a whole run.\n", c->prog),
                   MF_EXIT_OK;
        else if ((m = mf__cli_opt(c, argc, argv, &i, "--artifact", &v)) != 0) {
            if (m < 0)
                return MF_EXIT_USAGE;
            o.artifact = v;
        } else if ((m = mf__cli_opt(c, argc, argv, &i, "--datastore-root", &v)) != 0) {
            if (m < 0)
                return MF_EXIT_USAGE;
            c->root = v;
        } else if (argv[i][0] == '-' || target)
            return mf__cli_usage_error(c, "unexpected argument '%s' for dump; see '%s dump --help'", argv[i], c->prog);
        else
            target = argv[i];
    }
    if (!target)
        return mf__cli_usage_error(c, "dump needs RUN[/STEP[/TASK]]; see '%s runs' for the run ids", c->prog);
    char run[160], step[160], task[160], errbuf[1024];
    if (mf__pathspec_parse(target, false, run, step, task, sizeof(run), errbuf, sizeof(errbuf)))
        return mf__cli_usage_error(c, "%s", errbuf);
    mf_client *cl = NULL;
    mf_run_info *info = NULL;
    if (mf_client_open_err(c->root, &cl, errbuf, sizeof(errbuf)))
        return fprintf(c->err, "error: %s\n", errbuf), MF_EXIT_FAIL;
    int status = MF_EXIT_FAIL;
    if (mf_client_run(cl, c->flow->name, run, &info))
        fprintf(c->err, "error: %s\n", mf_client_errmsg(cl));
    else
        status = dump_tasks(c, cl, run, step, task, &o);
    mf_run_info_free(info, info ? 1 : 0);
    mf_client_close(cl);
    return status;
}
