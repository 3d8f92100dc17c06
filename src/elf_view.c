/* SPDX-License-Identifier: Apache-2.0 */
/*
 * elf_view.c - the bounds-checked ELF and `ar` reading of elf_view.h. By
 * hand from glibc's <elf.h> structures, as buildid.c reads notes: the few
 * fields the fingerprints need do not justify another library.
 */
#include "elf_view.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaflow.h"
#include "util/err.h"

/* true when [off, off + n) lies inside a buffer of `len` bytes. */
static int fits(size_t len, uint64_t off, uint64_t n)
{
    return off <= len && n <= len - off;
}

int mf__elf_open(struct mf_elf *e, const void *p, size_t len, const char *what, struct mf_err *err)
{
    memset(e, 0, sizeof(*e));
    e->p = p;
    e->len = len;
    if (len < sizeof(e->eh) || memcmp(p, ELFMAG, SELFMAG) != 0)
        return mf__err(err, MF_ECORRUPT, "'%s' is not an ELF file", what);
    memcpy(&e->eh, p, sizeof(e->eh));
    if (e->eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
        e->eh.e_ident[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB))
        return mf__err(err, MF_ECORRUPT, "'%s' is an ELF file of another machine (class or byte order)", what);
    if (e->eh.e_shnum == 0 || e->eh.e_shnum >= SHN_LORESERVE || e->eh.e_shentsize != sizeof(ElfW(Shdr)) ||
        !fits(len, e->eh.e_shoff, (uint64_t)e->eh.e_shnum * sizeof(ElfW(Shdr))))
        return mf__err(err, MF_ECORRUPT, "'%s' has no readable section table", what);
    e->shnum = e->eh.e_shnum;
    return 0;
}

int mf__elf_shdr(const struct mf_elf *e, size_t i, ElfW(Shdr) *sh)
{
    if (i >= e->shnum)
        return -1;
    memcpy(sh, e->p + e->eh.e_shoff + i * sizeof(*sh), sizeof(*sh));
    return 0;
}

const unsigned char *mf__elf_bytes(const struct mf_elf *e, const ElfW(Shdr) *sh, size_t *len)
{
    *len = 0;
    if (sh->sh_type == SHT_NOBITS || !fits(e->len, sh->sh_offset, sh->sh_size))
        return NULL;
    *len = (size_t)sh->sh_size;
    return e->p + sh->sh_offset;
}

const char *mf__elf_str(const struct mf_elf *e, size_t sec, size_t off)
{
    ElfW(Shdr) sh;
    size_t len;
    const unsigned char *b = mf__elf_shdr(e, sec, &sh) == 0 && sh.sh_type == SHT_STRTAB ? mf__elf_bytes(e, &sh, &len)
                                                                                        : NULL;
    if (!b || off >= len || !memchr(b + off, '\0', len - off))
        return NULL;
    return (const char *)(b + off);
}

size_t mf__elf_find(const struct mf_elf *e, const char *name, unsigned type)
{
    ElfW(Shdr) sh;
    for (size_t i = 1; i < e->shnum; i++) {
        if (mf__elf_shdr(e, i, &sh) != 0 || (type != SHT_NULL && sh.sh_type != type))
            continue;
        const char *n = mf__elf_str(e, e->eh.e_shstrndx, sh.sh_name);
        if (n && strcmp(n, name) == 0)
            return i;
    }
    return 0;
}

/* The entries of table section `sec` of type `type` and entry size `size`. */
static size_t entries(const struct mf_elf *e, size_t sec, unsigned type, size_t size)
{
    ElfW(Shdr) sh;
    size_t len;
    if (mf__elf_shdr(e, sec, &sh) != 0 || sh.sh_type != type || !mf__elf_bytes(e, &sh, &len))
        return 0;
    return len / size;
}

size_t mf__elf_nsyms(const struct mf_elf *e, size_t sec)
{
    size_t n = entries(e, sec, SHT_SYMTAB, sizeof(ElfW(Sym)));
    return n ? n : entries(e, sec, SHT_DYNSYM, sizeof(ElfW(Sym)));
}

int mf__elf_sym(const struct mf_elf *e, size_t sec, size_t i, ElfW(Sym) *sym)
{
    ElfW(Shdr) sh;
    if (i >= mf__elf_nsyms(e, sec) || mf__elf_shdr(e, sec, &sh) != 0)
        return -1;
    memcpy(sym, e->p + sh.sh_offset + i * sizeof(*sym), sizeof(*sym));
    return 0;
}

size_t mf__elf_nrels(const struct mf_elf *e, size_t sec)
{
    size_t n = entries(e, sec, SHT_RELA, sizeof(ElfW(Rela)));
    return n ? n : entries(e, sec, SHT_REL, sizeof(ElfW(Rel)));
}

int mf__elf_rel(const struct mf_elf *e, size_t sec, size_t i, ElfW(Rela) *r)
{
    ElfW(Shdr) sh;
    if (i >= mf__elf_nrels(e, sec) || mf__elf_shdr(e, sec, &sh) != 0)
        return -1;
    if (sh.sh_type == SHT_RELA) {
        memcpy(r, e->p + sh.sh_offset + i * sizeof(*r), sizeof(*r));
    } else {
        ElfW(Rel) rel;
        memcpy(&rel, e->p + sh.sh_offset + i * sizeof(rel), sizeof(rel));
        r->r_offset = rel.r_offset;
        r->r_info = rel.r_info;
        r->r_addend = 0;
    }
    return 0;
}

/* ---- ar archives ---- */

#define AR_MAGIC "!<arch>\n"
#define AR_HDR 60

int mf__is_ar(const void *p, size_t len)
{
    return len >= 8 && memcmp(p, AR_MAGIC, 8) == 0;
}

/* A decimal field of an ar header (space padded); -1 when malformed. */
static long long ar_number(const unsigned char *f, size_t n)
{
    long long v = 0;
    size_t i = 0;
    for (; i < n && f[i] >= '0' && f[i] <= '9'; i++) {
        if (v > (LLONG_MAX - 9) / 10)
            return -1;
        v = v * 10 + (f[i] - '0');
    }
    for (; i < n; i++)
        if (f[i] != ' ')
            return -1;
    return i == 0 || f[0] == ' ' ? -1 : v;
}

/* A member's name: "name/" (GNU short), "/123" (offset in the long-name
 * table `names`), else as written without trailing spaces. */
static void ar_name(const unsigned char *h, const unsigned char *names, size_t nnames, char out[256])
{
    size_t n = 16;
    while (n && h[n - 1] == ' ')
        n--;
    if (n > 1 && h[0] == '/' && h[1] >= '0' && h[1] <= '9' && names) {
        long long off = ar_number(h + 1, n - 1);
        size_t i = off >= 0 && (size_t)off < nnames ? (size_t)off : nnames, k = 0;
        while (i < nnames && names[i] != '/' && names[i] != '\n' && k < 255)
            out[k++] = (char)names[i++];
        out[k] = '\0';
        return;
    }
    if (n > 1 && h[n - 1] == '/')
        n--;
    memcpy(out, h, n);
    out[n] = '\0';
}

int mf__ar_each(const void *p, size_t len, const char *what, mf_ar_member_fn fn, void *ctx, struct mf_err *err)
{
    const unsigned char *b = p, *names = NULL;
    size_t off = 8, nnames = 0;
    if (!mf__is_ar(p, len))
        return mf__err(err, MF_ECORRUPT, "'%s' is not an ar archive", what);
    while (off < len) {
        long long size = len - off >= AR_HDR ? ar_number(b + off + 48, 10) : -1;
        if (size < 0 || memcmp(b + off + 58, "`\n", 2) != 0 || !fits(len, off + AR_HDR, (uint64_t)size))
            return mf__err(err, MF_ECORRUPT, "'%s' is a damaged archive: a member header at byte %zu does not fit",
                           what, off);
        const unsigned char *h = b + off, *data = h + AR_HDR;
        if (memcmp(h, "// ", 3) == 0) {
            names = data;
            nnames = (size_t)size;
        } else if (memcmp(h, "/ ", 2) != 0 && memcmp(h, "/SYM64/ ", 8) != 0) {
            char name[256];
            ar_name(h, names, nnames, name);
            int rc = fn(ctx, name, data, (size_t)size);
            if (rc)
                return rc;
        }
        off += AR_HDR + (size_t)size + ((size_t)size & 1);
    }
    return 0;
}
