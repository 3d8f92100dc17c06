/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_slurm.c - the --slurm-* options of run and resume, and `slurm-cancel
 * RUN`: cancels the Slurm jobs a run left behind when its scheduler was killed
 * without a chance to cancel them (SIGKILL, a lost login node). The job ids
 * come from the run's metadata (tasks.job_id, recorded by the scheduler as
 * soon as sbatch returns); scancel takes them by id, 200 a call. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "meta.h"
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
    if (!strcmp(argv[*i], "--slurm-gang-per-node"))
        return a->slurm.gang_per_node = true, 1;
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

/* The ids to cancel: the jobs of attempts still recorded as running, an
 * array task by its array's id (which cancels its pending rest too), each
 * once. */
static int live_jobs(const struct mf_meta_task *t, size_t n, char ***ids, size_t *nids)
{
    char **v = mf__calloc(n + 1, sizeof(*v));
    size_t k = 0;
    if (!v)
        return MF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!t[i].job_id || !t[i].job_id[0] || strcmp(t[i].status, "running"))
            continue;
        size_t len = strcspn(t[i].job_id, "_");
        bool seen = false;
        for (size_t j = 0; j < k && !seen; j++)
            seen = strlen(v[j]) == len && !strncmp(v[j], t[i].job_id, len);
        if (!seen && !(v[k++] = mf__strndup(t[i].job_id, len))) {
            mf_strv_free(v);
            return MF_ENOMEM;
        }
    }
    *ids = v;
    *nids = k;
    return 0;
}

/* scancel ids[0..n), 200 a call. */
static int cancel(struct mf_cli *c, char **ids, size_t n)
{
    int status = MF_EXIT_OK;
    for (size_t i = 0; i < n; i += 200) {
        char *words[2 + 200];
        size_t k = 0;
        words[k++] = (char *)"scancel";
        for (size_t j = i; j < n && j < i + 200; j++)
            words[k++] = ids[j];
        words[k] = NULL;
        struct mf_slurm_out r;
        struct mf_err err = MF_ERR_INIT;
        if (mf__slurm_cmd(words, 60, &r, &err) || r.status != 0) {
            fprintf(c->err, "error: scancel failed: %s\n", err.msg[0] ? err.msg : r.err.buf);
            status = MF_EXIT_FAIL;
        }
        mf__slurm_out_release(&r);
    }
    return status;
}

int mf__cmd_slurm_cancel(struct mf_cli *c, int argc, char **argv)
{
    if (argc != 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fprintf(argc == 2 ? c->out : c->err,
                "usage: %s slurm-cancel RUN\n\nCancels the Slurm jobs of run RUN that its metadata records as "
                "pending or running (scancel by job id),\nfor a run whose scheduler was killed before it could "
                "cancel them itself.\n",
                c->prog);
        return argc == 2 ? MF_EXIT_OK : MF_EXIT_USAGE;
    }
    struct mf_err err = MF_ERR_INIT;
    struct mf_meta *m = NULL;
    struct mf_meta_task *tasks = NULL;
    size_t n = 0, nids = 0;
    char **ids = NULL;
    int status = MF_EXIT_FAIL;
    if (strspn(argv[1], "0123456789") != strlen(argv[1]) || !*argv[1]) {
        status = mf__cli_usage_error(c, "'%s' is not a run id (a number); see '%s runs'", argv[1], c->prog);
        goto out;
    }
    if (mf__meta_open(c->root, true, &m, &err) || mf__meta_tasks(m, c->flow->name, argv[1], NULL, &tasks, &n, &err)) {
        fprintf(c->err, "error: %s\n", err.msg);
        goto out;
    }
    if (live_jobs(tasks, n, &ids, &nids)) {
        fprintf(c->err, "error: out of memory\n");
        goto out;
    }
    if (nids == 0) {
        fprintf(c->out, "run %s of %s has no Slurm job recorded as pending or running\n", argv[1], c->flow->name);
        status = MF_EXIT_OK;
        goto out;
    }
    status = cancel(c, ids, nids);
    fprintf(c->out, "asked Slurm to cancel the %zu job(s) of run %s (jobs already ended are not affected)\n", nids,
            argv[1]);
out:
    mf_strv_free(ids);
    for (size_t i = 0; i < n; i++)
        mf__meta_task_release(&tasks[i]);
    mf__free(tasks);
    mf__meta_close(m);
    return status;
}
