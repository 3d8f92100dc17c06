/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_gc.c - `gc [--delete] [--grace SECONDS]`: lists, and with --delete
 * removes, what mf__gc (gc.c) finds: temporary files left by killed
 * processes and objects no index names, older than the grace age. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gc.h"

static int on_item(void *ctx, const struct mf_gc_item *it)
{
    struct mf_cli *c = ctx;
    fprintf(c->out, "%s %s (%llu bytes, %.0f s old): %s\n", it->deleted ? "deleted" : "found", it->kind,
            (unsigned long long)it->bytes, it->age, it->path);
    return 0;
}

static int usage(struct mf_cli *c)
{
    fprintf(c->out,
            "usage: %s gc [--delete] [--grace SECONDS] [--datastore-root DIR]\n\n"
            "Lists what no run needs: temporary files left by processes killed while writing, and\n"
            "objects that no task index (of any flow in the datastore) names. --delete removes them.\n\n"
            "Only files older than the grace age are touched (default %.0f s, a day): a task stores its\n"
            "objects as it sets its artifacts but names them in its index only when it ends, so a\n"
            "younger object may belong to a task still running. Keep the grace longer than your\n"
            "longest task; then gc is safe while runs go on. Nothing is deleted while an index does\n"
            "not read (see '%s verify').\n",
            c->prog, MF_GC_GRACE_DEFAULT, c->prog);
    return MF_EXIT_OK;
}

int mf__cmd_gc(struct mf_cli *c, int argc, char **argv)
{
    bool del = false;
    long long grace = (long long)MF_GC_GRACE_DEFAULT;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m;
        if (!strcmp(argv[i], "--delete"))
            del = true;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return usage(c);
        else if ((m = mf__cli_opt(c, argc, argv, &i, "--grace", &v)) != 0) {
            if (m < 0 || mf__cli_int(c, "--grace", v, 0, 100LL * 365 * 86400, &grace))
                return MF_EXIT_USAGE;
        } else if ((m = mf__cli_opt(c, argc, argv, &i, "--datastore-root", &v)) != 0) {
            if (m < 0)
                return MF_EXIT_USAGE;
            c->root = v;
        } else
            return mf__cli_usage_error(c, "unexpected argument '%.100s' for gc; see '%s gc --help'", argv[i], c->prog);
    }
    struct mf_gc_stats st;
    struct mf_err err = MF_ERR_INIT;
    if (mf__gc(c->root, (double)grace, del, on_item, c, &st, &err)) {
        fprintf(c->err, "error: %s\n", err.msg);
        return MF_EXIT_FAIL;
    }
    fprintf(c->out, "gc: %llu file(s) %s (%.1f MiB); %llu named object(s) kept, %llu younger than %lld s left alone\n",
            (unsigned long long)(del ? st.deleted : st.found), del ? "deleted" : "found, none deleted (--delete removes them)",
            (double)st.bytes / (1024.0 * 1024.0), (unsigned long long)st.objects_named, (unsigned long long)st.young,
            grace);
    if (del && st.deleted < st.found) {
        fprintf(c->err, "error: %llu file(s) could not be deleted (in use again, or no permission)\n",
                (unsigned long long)(st.found - st.deleted));
        return MF_EXIT_FAIL;
    }
    return MF_EXIT_OK;
}
