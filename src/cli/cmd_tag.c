/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_tag.c - `tag add|remove|replace|list RUN ...`: a run's tags, kept in
 * the run metadata (whose writers serialise concurrent processes). */
#include <string.h>

#include "cli.h"
#include "client_impl.h"
#include "meta_rebuild.h"
#include "meta.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fsutil.h"

#define USAGE                                                                                  \
    "tag add RUN TAG... | tag remove RUN TAG... | tag replace RUN --remove TAG... --add TAG... |\n" \
    "       tag list RUN [--system] [--datastore-root DIR]"

static int help(struct mf_cli *c)
{
    fprintf(c->out,
            "usage: %s " USAGE "\n\n"
            "Adds user tags to a run, removes them, replaces some by others in one step (removals first,\n"
            "then additions: a reader never sees the run between the two), or lists them (one a line;\n"
            "--system: the system tags instead). A tag is 1 to 500 bytes of UTF-8 text, spaces and commas\n"
            "allowed, control characters not. Adding a tag the run has, or removing one it has not,\n"
            "changes nothing. System tags (user:, runtime:, metaflow_c_version:, date:) are recorded\n"
            "with every run and never change: removing one is refused.\n",
            c->prog);
    return MF_EXIT_OK;
}

struct targs {
    const char *op, *run;
    const char **add, **remove; /* NULL-terminated */
    size_t nadd, nremove;
    bool system;
};

/* In `tag replace`, --remove and --add switch the list the next words go
 * to; elsewhere every word after the run is a tag to add or remove. */
static int take_word(struct mf_cli *c, struct targs *t, const char *w, int *to)
{
    if (t->op && !strcmp(t->op, "replace") && t->run && (!strcmp(w, "--add") || !strcmp(w, "--remove"))) {
        *to = w[2] == 'a' ? 1 : 2;
        return 0;
    }
    if (!strcmp(w, "--system") && t->op && !strcmp(t->op, "list"))
        return t->system = true, 0;
    if (!t->op)
        t->op = w;
    else if (!t->run)
        t->run = w;
    else if (*to == 2)
        t->remove[t->nremove++] = w;
    else if (*to == 1 || strcmp(t->op, "replace"))
        t->add[t->nadd++] = w;
    else
        return mf__cli_usage_error(c, "tag replace: say whether '%s' is to --remove or to --add", MF_CLI_CUT(w));
    return 0;
}

static int check(struct mf_cli *c, struct targs *t)
{
    if (!t->op || !t->run)
        return mf__cli_usage_error(c, "usage: %s " USAGE, c->prog);
    bool list = !strcmp(t->op, "list"), replace = !strcmp(t->op, "replace");
    if (!list && !replace && strcmp(t->op, "add") && strcmp(t->op, "remove"))
        return mf__cli_usage_error(c, "unknown tag operation '%s': use add, remove, replace or list",
                                   MF_CLI_CUT(t->op));
    if (!mf__client_is_id(t->run))
        return mf__cli_usage_error(c, "invalid run id '%s': a run id is a number; see '%s runs'",
                                   MF_CLI_CUT(t->run), c->prog);
    if (list && t->nadd)
        return mf__cli_usage_error(c, "tag list takes only the run id, not '%s'", MF_CLI_CUT(t->add[0]));
    if (replace && (!t->nadd || !t->nremove))
        return mf__cli_usage_error(c, "tag replace needs at least one --remove TAG and one --add TAG "
                                      "(to only add or only remove, use tag add or tag remove)");
    if (!list && !replace && !t->nadd)
        return mf__cli_usage_error(c, "tag %s needs at least one tag after the run id", MF_CLI_CUT(t->op));
    if (!strcmp(t->op, "remove")) { /* the words were collected as additions */
        const char **w = t->add;
        t->add = t->remove, t->remove = w;
        t->nremove = t->nadd, t->nadd = 0;
    }
    for (size_t i = 0; i < t->nadd; i++)
        if (mf__cli_check_tag(c, t->add[i]))
            return MF_EXIT_USAGE;
    for (size_t i = 0; i < t->nremove; i++)
        if (mf__cli_check_tag(c, t->remove[i]))
            return MF_EXIT_USAGE;
    return MF_EXIT_OK;
}

/* Splits argv into the operation, the run and the tags; takes
 * --datastore-root anywhere. MF_EXIT_USAGE after printing why. */
static int parse(struct mf_cli *c, int argc, char **argv, struct targs *t)
{
    int to = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m = mf__cli_opt(c, argc, argv, &i, "--datastore-root", &v);
        if (m < 0)
            return MF_EXIT_USAGE;
        if (m > 0)
            c->root = v;
        else if (take_word(c, t, argv[i], &to))
            return MF_EXIT_USAGE;
    }
    return check(c, t);
}

/* Opens the metadata of a root where something was run: a writer would
 * create an empty database, so its absence is checked first. */
static int open_meta(struct mf_cli *c, bool readonly, struct mf_meta **m)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_buf db = MF_BUF_INIT;
    int rc = mf__buf_addf(&db, "%s/metadata.db", c->root);
    if (!rc && !mf__path_exists(db.buf) && mf__meta_has_run_dirs(c->root))
        rc = mf__meta_missing_err(c->root, &err);
    else if (!rc && !mf__path_exists(db.buf))
        rc = mf__err(&err, MF_ENOENT, "nothing was run under '%s' yet: there are no runs to tag", c->root);
    else if (!rc)
        rc = mf__meta_open(c->root, readonly, m, &err);
    else
        mf__err(&err, rc, "out of memory");
    mf__buf_release(&db);
    if (rc)
        fprintf(c->err, "error: %s\n", err.msg);
    return rc;
}

int mf__cmd_tag(struct mf_cli *c, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return help(c);
    struct targs t = { .add = mf__calloc((size_t)argc + 1, sizeof(char *)),
                       .remove = mf__calloc((size_t)argc + 1, sizeof(char *)) };
    int status;
    struct mf_meta *m = NULL;
    struct mf_meta_run r;
    struct mf_err err = MF_ERR_INIT;
    memset(&r, 0, sizeof(r));
    if (!t.add || !t.remove) {
        status = MF_EXIT_FAIL;
        fprintf(c->err, "error: out of memory\n");
        goto out;
    }
    if ((status = parse(c, argc, argv, &t)) != MF_EXIT_OK)
        goto out;
    status = MF_EXIT_FAIL;
    bool list = !strcmp(t.op, "list");
    if (open_meta(c, list, &m))
        goto out;
    if (list ? mf__meta_run(m, c->flow->name, t.run, &r, &err)
             : mf__meta_tags_replace(m, c->flow->name, t.run, t.remove, t.nremove, t.add, t.nadd, &err)) {
        fprintf(c->err, "error: %s\n", err.msg);
        goto out;
    }
    for (size_t i = 0; list && i < (t.system ? r.nsys_tags : r.ntags); i++)
        fprintf(c->out, "%s\n", t.system ? r.sys_tags[i] : r.tags[i]);
    status = MF_EXIT_OK;
out:
    mf__meta_run_release(&r);
    mf__meta_close(m);
    mf__free(t.add);
    mf__free(t.remove);
    return status;
}
