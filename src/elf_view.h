/* SPDX-License-Identifier: Apache-2.0 */
/*
 * elf_view.h - a read-only, bounds-checked view of an ELF file held in
 * memory (a relocatable object, an archive's member, a linked program), for
 * the build-time step fingerprints (fingerprint.c) and for reading their
 * table back at run time (memo_code.c). Only the class and byte order of
 * this machine are accepted; every offset and size read from the file is
 * checked against the buffer before use, and structures are copied out
 * (an archive member need not be aligned), so a hostile file can make a
 * call fail but never read outside the buffer.
 */
#ifndef MF_ELF_VIEW_H
#define MF_ELF_VIEW_H
#include <elf.h>
#include <link.h>
#include <stddef.h>

struct mf_err;

struct mf_elf {
    const unsigned char *p;
    size_t len;
    ElfW(Ehdr) eh;
    size_t shnum;
};

/* Opens a view of the `len` bytes at `p` (not copied: they must outlive
 * the view). MF_ECORRUPT naming `what` when it is not an ELF file of this
 * machine or its section table does not fit. */
int mf__elf_open(struct mf_elf *e, const void *p, size_t len, const char *what, struct mf_err *err);
/* Section header `i` into *sh; -1 when there is no such section. */
int mf__elf_shdr(const struct mf_elf *e, size_t i, ElfW(Shdr) *sh);
/* The bytes of a section (NULL and *len 0 for SHT_NOBITS); NULL when they
 * lie outside the file. */
const unsigned char *mf__elf_bytes(const struct mf_elf *e, const ElfW(Shdr) *sh, size_t *len);
/* The NUL-terminated string at offset `off` of string section `sec`; NULL
 * when it is not one or does not end inside the section. */
const char *mf__elf_str(const struct mf_elf *e, size_t sec, size_t off);
/* The index of the first section named `name` of type `type` (SHT_NULL:
 * any), or 0. */
size_t mf__elf_find(const struct mf_elf *e, const char *name, unsigned type);
/* The number of entries of symbol table `sec` (0 when it is not one), and
 * entry `i` of it (-1 when out of range). */
size_t mf__elf_nsyms(const struct mf_elf *e, size_t sec);
int mf__elf_sym(const struct mf_elf *e, size_t sec, size_t i, ElfW(Sym) *sym);
/* The number of relocations of SHT_RELA/SHT_REL section `sec`, and entry i
 * as a RELA (addend 0 for SHT_REL, whose addend is in the bytes hashed). */
size_t mf__elf_nrels(const struct mf_elf *e, size_t sec);
int mf__elf_rel(const struct mf_elf *e, size_t sec, size_t i, ElfW(Rela) *r);

/*
 * Calls fn(ctx, name, bytes, len) for each member of the `ar` archive at
 * p/len, in order, skipping its symbol and long-name tables; stops at the
 * first non-zero return and returns it. MF_ECORRUPT naming `what` when it
 * is not an archive or a header does not fit. `name` is NUL-terminated
 * (at most 255 bytes kept).
 */
typedef int (*mf_ar_member_fn)(void *ctx, const char *name, const unsigned char *bytes, size_t len);
int mf__ar_each(const void *p, size_t len, const char *what, mf_ar_member_fn fn, void *ctx, struct mf_err *err);
/* true when the bytes start like an archive. */
int mf__is_ar(const void *p, size_t len);
#endif
