/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memo_code.c - a memoised step's code identity (memo_code.h): the table
 * mf-fingerprint made, read back from the program's file and trusted only
 * when it records the running program's own code digest, so a table copied
 * from another build, or left behind by a relink, is never used.
 */
#define _GNU_SOURCE /* dl_iterate_phdr */
#include "memo_code.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buildid.h"
#include "cas.h"
#include "elf_view.h"
#include "fingerprint.h"
#include "sha256.h"
#include "util/alloc.h"
#include "util/err.h"

static int is_hex64(const char *p, size_t n)
{
    if (n != 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return 0;
    return 1;
}

static int fn_cmp(const void *a, const void *b)
{
    const struct mf_memo_fn *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* One "fn ADDR FP NAME..." line into *f; -1 when malformed. */
static int parse_fn(const char *l, size_t n, struct mf_memo_fn *f)
{
    size_t i = 3, start;
    uint64_t a = 0;
    if (n < 3 || memcmp(l, "fn ", 3) != 0)
        return -1;
    for (start = i; i < n && i - start < 16 && l[i] != ' '; i++) {
        int d = l[i] >= '0' && l[i] <= '9' ? l[i] - '0' : l[i] >= 'a' && l[i] <= 'f' ? l[i] - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        a = a * 16 + (uint64_t)d;
    }
    if (i == start || i >= n || l[i] != ' ' || n - i - 1 < 64 || !is_hex64(l + i + 1, 64))
        return -1;
    f->addr = a;
    memcpy(f->fp, l + i + 1, 64);
    f->fp[64] = '\0';
    return 0;
}

int mf__memo_code_parse(struct mf_memo_code *mc, const char *text, size_t len, const char *prog)
{
    static const char magic[] = MF_FP_MAGIC "\ncode ";
    size_t m = sizeof(magic) - 1, cap = 0;
    mc->n = 0;
    if (len < m + 65 || memcmp(text, magic, m) != 0 || !is_hex64(text + m, 64) || text[m + 64] != '\n') {
        mc->mode = "the program's fingerprint table is damaged or of another version";
        return -1;
    }
    if (memcmp(text + m, prog, 64) != 0) {
        mc->mode = "the program's fingerprint table was made for another build of it (stale or copied)";
        return -1;
    }
    for (size_t at = m + 65; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
        struct mf_memo_fn f;
        if (parse_fn(text + at, n, &f) != 0) {
            mc->n = 0;
            mc->mode = "the program's fingerprint table is damaged";
            return -1;
        }
        if (mf__grow((void **)&mc->fns, &cap, mc->n + 1, sizeof(*mc->fns)))
            return MF_ENOMEM;
        mc->fns[mc->n++] = f;
        at += n + 1;
    }
    if (mc->n)
        qsort(mc->fns, mc->n, sizeof(*mc->fns), fn_cmp);
    mc->mode = "per-step fingerprints";
    return 0;
}

/* The table section of the program's file, parsed when there is one. */
static int read_table(struct mf_memo_code *mc)
{
    struct stat st;
    struct mf_elf e;
    ElfW(Shdr) sh;
    size_t len = 0, tlen = 0;
    void *p = MAP_FAILED;
    int rc = 0, fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    mc->mode = "no fingerprint table in the program (build it with mf-fingerprint for per-step identity)";
    if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0) {
        len = (size_t)st.st_size;
        p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    }
    if (p != MAP_FAILED && mf__elf_open(&e, p, len, "the program", NULL) == 0) {
        size_t sec = mf__elf_find(&e, MF_FP_SECTION, SHT_NULL);
        const unsigned char *t = sec && mf__elf_shdr(&e, sec, &sh) == 0 ? mf__elf_bytes(&e, &sh, &tlen) : NULL;
        int parsed = t ? mf__memo_code_parse(mc, (const char *)t, tlen, mc->prog) : 0;
        rc = parsed == MF_ENOMEM ? MF_ENOMEM : 0;
        mc->stale = parsed == -1;
    }
    if (p != MAP_FAILED)
        munmap(p, len);
    if (fd >= 0)
        close(fd);
    return rc;
}

static int on_main(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    *(uintptr_t *)data = (uintptr_t)info->dlpi_addr;
    return 1; /* the main program comes first */
}

int mf__memo_code_load(struct mf_memo_code *mc, struct mf_err *err)
{
    memset(mc, 0, sizeof(*mc));
    int rc = mf__code_digests(mc->whole, mc->prog, mc->libs, err);
    if (rc)
        return rc;
    dl_iterate_phdr(on_main, &mc->base);
    if (read_table(mc) == MF_ENOMEM)
        return mf__err(err, MF_ENOMEM, "out of memory");
    return 0;
}

void mf__memo_code_release(struct mf_memo_code *mc)
{
    mf__free(mc->fns);
    mc->fns = NULL;
    mc->n = 0;
}

bool mf__memo_code_step(const struct mf_memo_code *mc, mf_step_fn fn, char out[MF_MEMO_CODE_MAX])
{
    struct mf_memo_fn key = { .addr = (uint64_t)((uintptr_t)fn - mc->base) };
    const struct mf_memo_fn *f = mc->n && fn ? bsearch(&key, mc->fns, mc->n, sizeof(key), fn_cmp) : NULL;
    if (!f) {
        snprintf(out, MF_MEMO_CODE_MAX, "%s", mc->whole);
        return false;
    }
    char line[160], hex[MF_HASH_HEX_LEN + 1];
    int n = snprintf(line, sizeof(line), "fp %s libs %s", f->fp, mc->libs);
    mf__sha256_hex(line, (size_t)n, hex);
    snprintf(out, MF_MEMO_CODE_MAX, MF_MEMO_CODE_STEP "%s", hex);
    return true;
}
