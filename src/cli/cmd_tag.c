/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_tag.c - `tag add|remove|list RUN [TAG...]`: a run's tags, kept in the
 * run metadata. */
#include <string.h>

#include "cli.h"
#include "meta.h"

static int usage(struct mf_cli *c)
{
    return mf__cli_usage_error(c, "usage: %s tag add|remove|list RUN [TAG...]", c->prog);
}

static int tag_list(struct mf_cli *c, struct mf_meta *m, const char *run)
{
    struct mf_meta_run r;
    struct mf_err err = MF_ERR_INIT;
    memset(&r, 0, sizeof(r));
    int rc = mf__meta_run(m, c->flow->name, run, &r, &err);
    if (rc)
        fprintf(c->err, "error: %s\n", err.msg);
    for (size_t i = 0; !rc && i < r.ntags; i++)
        fprintf(c->out, "%s\n", r.tags[i]);
    mf__meta_run_release(&r);
    return rc ? MF_EXIT_FAIL : MF_EXIT_OK;
}

int mf__cmd_tag(struct mf_cli *c, int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
        return fprintf(c->out, "usage: %s tag add|remove|list RUN [TAG...]\n\nAdds, removes or lists the tags of "
                               "a run. A tag is 1 to 64 printable characters, no spaces or commas.\n", c->prog),
               MF_EXIT_OK;
    if (argc < 3)
        return usage(c);
    const char *op = argv[1], *run = argv[2];
    bool add = !strcmp(op, "add"), remove = !strcmp(op, "remove"), list = !strcmp(op, "list");
    if (!add && !remove && !list)
        return mf__cli_usage_error(c, "unknown tag operation '%s': use add, remove or list", op);
    if ((add || remove) && argc < 4)
        return mf__cli_usage_error(c, "tag %s needs at least one tag after the run id", op);
    for (int i = 3; i < argc; i++)
        if (!mf__cli_valid_tag(argv[i]))
            return mf__cli_usage_error(c, "invalid tag '%s': a tag is 1 to 64 printable characters, no spaces or "
                                          "commas", argv[i]);
    struct mf_meta *m = NULL;
    struct mf_err err = MF_ERR_INIT;
    if (mf__meta_open(c->root, list, &m, &err))
        return fprintf(c->err, "error: %s\n", err.msg), MF_EXIT_FAIL;
    int status = MF_EXIT_OK;
    if (list) {
        status = tag_list(c, m, run);
    } else {
        for (int i = 3; i < argc && status == MF_EXIT_OK; i++) {
            int rc = add ? mf__meta_tag_add(m, c->flow->name, run, argv[i], &err)
                         : mf__meta_tag_remove(m, c->flow->name, run, argv[i], &err);
            if (rc) {
                fprintf(c->err, "error: %s\n", err.msg);
                status = MF_EXIT_FAIL;
            }
        }
    }
    mf__meta_close(m);
    return status;
}
