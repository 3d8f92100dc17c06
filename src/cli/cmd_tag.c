/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_tag.c - `tag add|remove|list RUN [TAG...]`: a run's tags, kept in the
 * run metadata (whose writers serialise concurrent processes). */
#include <string.h>

#include "cli.h"
#include "client_impl.h"
#include "meta_rebuild.h"
#include "meta.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fsutil.h"

#define USAGE "tag add|remove|list RUN [TAG...] [--datastore-root DIR]"

static int help(struct mf_cli *c)
{
    fprintf(c->out,
            "usage: %s " USAGE "\n\n"
            "Adds tags to a run, removes them, or lists them (one a line). A tag is 1 to 500 bytes of\n"
            "UTF-8 text, spaces and commas allowed, control characters not. Adding a tag the run has, or\n"
            "removing one it has not, changes nothing.\n",
            c->prog);
    return MF_EXIT_OK;
}

/* Splits argv into the operation, the run and the tags; takes
 * --datastore-root anywhere. MF_EXIT_USAGE after printing why. */
static int parse(struct mf_cli *c, int argc, char **argv, const char **op, const char **run, const char **tags,
                 int *ntags)
{
    int pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m = mf__cli_opt(c, argc, argv, &i, "--datastore-root", &v);
        if (m < 0)
            return MF_EXIT_USAGE;
        if (m > 0)
            c->root = v;
        else if (pos == 0)
            *op = argv[i], pos++;
        else if (pos == 1)
            *run = argv[i], pos++;
        else
            tags[(*ntags)++] = argv[i];
    }
    if (!*op || !*run)
        return mf__cli_usage_error(c, "usage: %s " USAGE, c->prog);
    bool list = !strcmp(*op, "list");
    if (!list && strcmp(*op, "add") && strcmp(*op, "remove"))
        return mf__cli_usage_error(c, "unknown tag operation '%s': use add, remove or list", MF_CLI_CUT(*op));
    if (!mf__client_is_id(*run))
        return mf__cli_usage_error(c, "invalid run id '%s': a run id is a number; see '%s runs'", MF_CLI_CUT(*run),
                                   c->prog);
    if (list && *ntags)
        return mf__cli_usage_error(c, "tag list takes only the run id, not '%s'", MF_CLI_CUT(tags[0]));
    if (!list && !*ntags)
        return mf__cli_usage_error(c, "tag %s needs at least one tag after the run id", MF_CLI_CUT(*op));
    for (int i = 0; i < *ntags; i++)
        if (mf__cli_check_tag(c, tags[i]))
            return MF_EXIT_USAGE;
    return MF_EXIT_OK;
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
    const char *op = NULL, *run = NULL;
    const char **tags = mf__calloc((size_t)argc + 1, sizeof(*tags));
    int ntags = 0, status;
    struct mf_meta *m = NULL;
    struct mf_meta_run r;
    struct mf_err err = MF_ERR_INIT;
    memset(&r, 0, sizeof(r));
    if (!tags)
        return fprintf(c->err, "error: out of memory\n"), MF_EXIT_FAIL;
    if ((status = parse(c, argc, argv, &op, &run, tags, &ntags)) != MF_EXIT_OK)
        goto out;
    status = MF_EXIT_FAIL;
    bool list = !strcmp(op, "list"), add = !strcmp(op, "add");
    if (open_meta(c, list, &m))
        goto out;
    /* Removing from an unknown run would silently do nothing: name it. */
    if (mf__meta_run(m, c->flow->name, run, &r, &err)) {
        fprintf(c->err, "error: %s\n", err.msg);
        goto out;
    }
    for (int i = 0; i < ntags; i++)
        if ((add ? mf__meta_tag_add(m, c->flow->name, run, tags[i], &err)
                 : mf__meta_tag_remove(m, c->flow->name, run, tags[i], &err)) != 0) {
            fprintf(c->err, "error: %s\n", err.msg);
            goto out;
        }
    for (size_t i = 0; list && i < r.ntags; i++)
        fprintf(c->out, "%s\n", r.tags[i]);
    status = MF_EXIT_OK;
out:
    mf__meta_run_release(&r);
    mf__meta_close(m);
    mf__free(tags);
    return status;
}
