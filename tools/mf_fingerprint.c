/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mf_fingerprint.c - mf-fingerprint, the build step of per-step code
 * identity (docs/memoisation.md, "Per-step fingerprints"): reads a flow's
 * objects (compiled with -ffunction-sections -fdata-sections) and its linked
 * program, and writes the table of function fingerprints and the program's
 * code digest that `objcopy --add-section .metaflow.fp=TABLE` then puts in
 * the program, where the library finds it at run time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buildid.h"
#include "fingerprint.h"
#include "metaflow.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"

static const char usage[] =
    "usage: mf-fingerprint [--whole ARCHIVE]... -o TABLE PROGRAM OBJECT|ARCHIVE...\n"
    "  Writes TABLE: the fingerprint of each function of the OBJECTs (built with -ffunction-sections\n"
    "  -fdata-sections) as linked into PROGRAM, and PROGRAM's code digest. --whole: a library the program\n"
    "  links statically (e.g. libmetaflow.a), counted whole. Then:\n"
    "    objcopy --add-section " MF_FP_SECTION "=TABLE --set-section-flags " MF_FP_SECTION "=readonly PROGRAM\n";

struct inputs {
    struct mf_buf *files;
    size_t n;
};

/* Reads `path` into a buffer kept until the end (the views point into it). */
static int load(struct inputs *in, const char *path, struct mf_buf **out, struct mf_err *err)
{
    struct mf_buf *v = mf__reallocarray(in->files, in->n + 1, sizeof(*v));
    if (!v)
        return mf__err(err, MF_ENOMEM, "out of memory");
    in->files = v;
    mf__buf_init(&v[in->n]);
    int rc = mf__read_file(path, &v[in->n], err);
    *out = &v[in->n++];
    return rc;
}

static int run(int argc, char **argv, struct inputs *in, struct mf_fp *fp, struct mf_err *err)
{
    const char *table = NULL, *prog = NULL;
    struct mf_buf *b, out = MF_BUF_INIT;
    char digest[65];
    int rc = 0, nobj = 0;
    for (int i = 1; i < argc && !rc; i++) {
        if (strcmp(argv[i], "--whole") == 0 && i + 1 < argc) {
            if (!(rc = load(in, argv[++i], &b, err)))
                rc = mf__fp_add(fp, argv[i], (unsigned char *)b->buf, b->len, 1, err);
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            table = argv[++i];
        } else if (argv[i][0] == '-') {
            rc = mf__err(err, MF_EINVAL, "unknown option '%s'\n%s", argv[i], usage);
        } else if (!prog) {
            prog = argv[i];
        } else if (!(rc = load(in, argv[i], &b, err))) {
            rc = mf__fp_add(fp, argv[i], (unsigned char *)b->buf, b->len, 0, err);
            nobj++;
        }
    }
    if (!rc && (!table || !prog || !nobj))
        rc = mf__err(err, MF_EINVAL, "%s", usage);
    if (!rc && !(rc = load(in, prog, &b, err)))
        rc = mf__fp_program(fp, prog, (unsigned char *)b->buf, b->len, err);
    if (!rc)
        rc = mf__code_digest_file(prog, digest, err);
    if (!rc)
        rc = mf__fp_table(fp, digest, &out, err);
    if (!rc)
        rc = mf__write_atomic(table, out.buf, out.len, 1, err);
    mf__buf_release(&out);
    return rc;
}

int main(int argc, char **argv)
{
    struct mf_err err = MF_ERR_INIT;
    struct inputs in = { NULL, 0 };
    struct mf_fp *fp = mf__fp_new();
    int rc = fp ? run(argc, argv, &in, fp, &err) : mf__err(&err, MF_ENOMEM, "out of memory");
    if (rc)
        fprintf(stderr, "mf-fingerprint: %s\n", err.msg);
    mf__fp_free(fp);
    for (size_t i = 0; i < in.n; i++)
        mf__buf_release(&in.files[i]);
    mf__free(in.files);
    return rc ? 1 : 0;
}
