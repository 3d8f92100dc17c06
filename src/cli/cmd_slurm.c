/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_slurm.c - the --slurm-* options of run and resume, and `slurm-cancel
 * RUN`: cancels the Slurm jobs a run left behind when its scheduler was killed
 * without a chance to cancel them (SIGKILL, a lost login node). The job ids
 * come from ROOT/FLOW/RUN/_slurm/jobs, which the Slurm backend appends to as it
 * submits; scancel takes them by id, 200 a call. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fsutil.h"

/* A number of seconds in (0, 86400]. */
static int seconds(struct mf_cli *c, const char *opt, const char *text, double *out)
{
    char *end = NULL;
    double v = strtod(text, &end);
    if (!*text || *end || !(v > 0) || v > 86400) {
        mf__cli_usage_error(c, "%s takes a number of seconds above 0 (at most 86400), not '%s'", opt, text);
        return -1;
    }
    *out = v;
    return 1;
}

int mf__cli_slurm_option(struct mf_cli *c, int argc, char **argv, int *i, struct mf_run_args *a)
{
    const char *v = NULL;
    int m;
    if (!strcmp(argv[*i], "--slurm-gres-gpus"))
        return a->slurm.gres_gpus = true, 1;
    if ((m = mf__cli_opt(c, argc, argv, i, "--slurm-partition", &v)) != 0)
        return m < 0 ? -1 : (a->slurm.partition = v, 1);
    if ((m = mf__cli_opt(c, argc, argv, i, "--slurm-account", &v)) != 0)
        return m < 0 ? -1 : (a->slurm.account = v, 1);
    if ((m = mf__cli_opt(c, argc, argv, i, "--slurm-qos", &v)) != 0)
        return m < 0 ? -1 : (a->slurm.qos = v, 1);
    if ((m = mf__cli_opt(c, argc, argv, i, "--slurm-extra", &v)) != 0)
        return m < 0 ? -1 : (a->slurm_extra[a->nextra++] = v, 1);
    if ((m = mf__cli_opt(c, argc, argv, i, "--slurm-poll", &v)) != 0)
        return m < 0 ? -1 : seconds(c, "--slurm-poll", v, &a->slurm.poll_s);
    if ((m = mf__cli_opt(c, argc, argv, i, "--slurm-grace", &v)) != 0)
        return m < 0 ? -1 : seconds(c, "--slurm-grace", v, &a->slurm.grace_s);
    return 0;
}

int mf__cmd_slurm_cancel(struct mf_cli *c, int argc, char **argv)
{
    if (argc != 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fprintf(argc == 2 ? c->out : c->err,
                "usage: %s slurm-cancel RUN\n\nCancels every Slurm job run RUN submitted (scancel by job id), "
                "for a run whose scheduler was killed\nbefore it could cancel them itself.\n",
                c->prog);
        return argc == 2 ? MF_EXIT_OK : MF_EXIT_USAGE;
    }
    struct mf_buf path = MF_BUF_INIT, text = MF_BUF_INIT;
    struct mf_err err = MF_ERR_INIT;
    int status = MF_EXIT_FAIL;
    if (strspn(argv[1], "0123456789") != strlen(argv[1]) || !*argv[1]) {
        status = mf__cli_usage_error(c, "'%s' is not a run id (a number); see '%s runs'", argv[1], c->prog);
        goto out;
    }
    if (mf__buf_addf(&path, "%s/%s/%s/_slurm/jobs", c->root, c->flow->name, argv[1]))
        goto out;
    int rc = mf__read_file(path.buf, &text, &err);
    if (rc == MF_ENOENT) {
        fprintf(c->out, "run %s of %s submitted no Slurm job (no '%s')\n", argv[1], c->flow->name, path.buf);
        status = MF_EXIT_OK;
        goto out;
    }
    if (rc) {
        fprintf(c->err, "error: %s\n", err.msg);
        goto out;
    }
    size_t n = 0;
    status = MF_EXIT_OK;
    for (char *p = text.buf; *p;) {
        size_t len = strcspn(p, "\n");
        char *words[2 + 200];
        size_t k = 0;
        words[k++] = (char *)"scancel";
        while (*p && k < 1 + 200) {
            len = strcspn(p, "\n");
            if (len && strspn(p, "0123456789") == len) {
                p[len] = '\0';
                words[k++] = p;
                p += len + 1;
            } else {
                p += len + (p[len] == '\n');
            }
        }
        if (k == 1)
            break;
        words[k] = NULL;
        struct mf_slurm_out r;
        if (mf__slurm_cmd(words, 60, &r, &err) || r.status != 0) {
            fprintf(c->err, "error: scancel failed: %s\n", err.msg[0] ? err.msg : r.err.buf);
            status = MF_EXIT_FAIL;
        }
        mf__slurm_out_release(&r);
        n += k - 1;
    }
    fprintf(c->out, "asked Slurm to cancel the %zu job(s) of run %s (jobs already ended are not affected)\n", n,
            argv[1]);
out:
    mf__buf_release(&path);
    mf__buf_release(&text);
    return status;
}
