/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_metadata.c - `metadata rebuild`: rebuilds metadata.db from the run
 * directories (meta_rebuild.c) when it is lost, corrupt or misses runs. */
#include <string.h>

#include "cli.h"
#include "meta_rebuild.h"

static int usage(struct mf_cli *c, FILE *f)
{
    fprintf(f,
            "usage: %s metadata rebuild [--datastore-root DIR]\n\n"
            "Rebuilds the run metadata (DIR/metadata.db) from the run directories of every flow in the\n"
            "datastore, so that 'runs', 'dump', 'logs' and the client see every run again. A database\n"
            "that opens and reads is kept and gets the runs it lacks; a lost one is made anew; a corrupt\n"
            "one is moved aside (metadata.db.broken-TIME) first. From the disk: which tasks succeeded\n"
            "(their indexes), their attempts (log files), the parameters, and each run's tags and\n"
            "origin (the copy in RUN/_run.json), a failed attempt's exit code or signal (its <N>.exit\n"
            "file), and where a cloned task came from (RUN/_clones); times come from file times. A run\n"
            "made by an older build has no copies: its exit codes and clones' origins are lost, its user\n"
            "comes from its directory's owner, its other tags and origin are lost. Run it when no run is\n"
            "going on.\n",
            c->prog);
    return f == c->out ? MF_EXIT_OK : MF_EXIT_USAGE;
}

int mf__cmd_metadata(struct mf_cli *c, int argc, char **argv)
{
    bool rebuild = false;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return usage(c, c->out);
        else if ((m = mf__cli_opt(c, argc, argv, &i, "--datastore-root", &v)) != 0) {
            if (m < 0)
                return MF_EXIT_USAGE;
            c->root = v;
        } else if (!strcmp(argv[i], "rebuild") && !rebuild)
            rebuild = true;
        else
            return mf__cli_usage_error(c, "unexpected argument '%.100s' for metadata; see '%s metadata --help'",
                                       argv[i], c->prog);
    }
    if (!rebuild)
        return mf__cli_usage_error(c, "metadata needs a subcommand: '%s metadata rebuild'", c->prog);
    struct mf_rebuild_stats st;
    struct mf_err err = MF_ERR_INIT;
    if (mf__meta_rebuild(c->root, &st, &err)) {
        fprintf(c->err, "error: %s\n", err.msg);
        return MF_EXIT_FAIL;
    }
    if (*st.aside)
        fprintf(c->out, "metadata: the broken database was moved to '%s'\n", st.aside);
    fprintf(c->out, "metadata: %llu run(s) and %llu task(s) recorded from the run directories; %llu run(s) were "
                    "already recorded\n",
            (unsigned long long)st.runs, (unsigned long long)st.tasks, (unsigned long long)st.runs_kept);
    if (st.runs)
        fprintf(c->out, "metadata: tags and origin restored from the run's record copy for %llu of them%s\n",
                (unsigned long long)st.copies,
                st.copies < st.runs ? " (the others, made before it existed or damaged, keep only their user and "
                                      "date tags)" : "");
    if (*st.damaged)
        fprintf(c->err, "warning: %s\n", st.damaged);
    return MF_EXIT_OK;
}
