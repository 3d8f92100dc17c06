/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buildid.c - the build id of the running program. Hashing the whole
 * executable cost about half of a short run's CPU time (6 MB read and
 * SHA-256'd by every `run`); the linker already wrote a digest of the same
 * bytes into a note that the loader mapped, so we read that. Also the code
 * digest that memoisation keys on: unlike the build id, it ignores debug
 * information and the build id itself, so `-g` on or off changes nothing.
 */
#define _GNU_SOURCE /* glibc declares dl_iterate_phdr (not POSIX) only here */
#include "buildid.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cas.h"
#include "sha256.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"

/* The longest note descriptor we record; longer ones fall back to hashing. */
#define NOTE_DESC_MAX 64

struct note_search {
    char *out;
    int found;
};

static size_t align4(size_t n) { return (n + 3) & ~(size_t)3; }

/* Looks for NT_GNU_BUILD_ID in one PT_NOTE segment of `len` bytes. */
static int scan_notes(const unsigned char *p, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t off = 0;
    while (len - off >= sizeof(ElfW(Nhdr))) {
        ElfW(Nhdr) nh;
        memcpy(&nh, p + off, sizeof(nh));
        size_t name_at = off + sizeof(nh), desc_at = name_at + align4(nh.n_namesz);
        if (nh.n_namesz > len || nh.n_descsz > len || desc_at > len || nh.n_descsz > len - desc_at)
            return -1; /* malformed: not ours to trust */
        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && memcmp(p + name_at, "GNU", 4) == 0 &&
            nh.n_descsz > 0 && nh.n_descsz <= NOTE_DESC_MAX) {
            memcpy(out, "gnu:", 4);
            for (size_t i = 0; i < nh.n_descsz; i++) {
                out[4 + 2 * i] = digits[p[desc_at + i] >> 4];
                out[4 + 2 * i + 1] = digits[p[desc_at + i] & 15];
            }
            out[4 + 2 * nh.n_descsz] = '\0';
            return 0;
        }
        off = desc_at + align4(nh.n_descsz);
    }
    return -1;
}

/* A note segment is only mapped, hence readable, inside a loaded one; a
 * program edited after linking (objcopy) can keep a stale PT_NOTE entry
 * that points nowhere. */
static bool is_loaded(const struct dl_phdr_info *info, const ElfW(Phdr) *note)
{
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && note->p_vaddr >= ph->p_vaddr && note->p_memsz <= ph->p_memsz &&
            note->p_vaddr - ph->p_vaddr <= ph->p_memsz - note->p_memsz)
            return true;
    }
    return false;
}

/* The build-id note of one loaded object into out ("gnu:<hex>"); 0 when
 * found, -1 without one. */
static int object_build_id(const struct dl_phdr_info *info, char *out)
{
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE || !is_loaded(info, ph))
            continue;
        const unsigned char *p = (const unsigned char *)(uintptr_t)(info->dlpi_addr + ph->p_vaddr);
        if (scan_notes(p, (size_t)ph->p_memsz, out) == 0)
            return 0;
    }
    return -1;
}

/* dl_iterate_phdr reports the main program first; only it is looked at. */
static int on_object(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct note_search *s = data;
    s->found = object_build_id(info, s->out) == 0;
    return 1; /* stop after the main program */
}

int mf__build_id_note(char out[MF_BUILD_ID_MAX])
{
    struct note_search s = { .out = out, .found = 0 };
    dl_iterate_phdr(on_object, &s);
    return s.found ? 0 : -1;
}

void mf__build_id_file(const char *exe, char out[MF_BUILD_ID_MAX])
{
    struct mf_buf bin = MF_BUF_INIT;
    char hex[MF_HASH_HEX_LEN + 1];
    if (exe && mf__read_file(exe, &bin, NULL) == 0) {
        mf__sha256_hex(bin.buf, bin.len, hex);
        snprintf(out, MF_BUILD_ID_MAX, "%s", hex);
    } else {
        snprintf(out, MF_BUILD_ID_MAX, "unknown");
    }
    mf__buf_release(&bin);
}

void mf__build_id(const char *exe, char out[MF_BUILD_ID_MAX])
{
    if (mf__build_id_note(out) != 0)
        mf__build_id_file(exe, out);
}

/* ---- the code digest ---- */

struct code_walk {
    struct mf__sha256 *prog, *libs; /* the program's share and the libraries' */
    struct mf_err *err;
    int rc;
    bool main_done;
};

/* Zeroes what changes with -g or the build id but is not code: the ELF
 * header's section-table fields and every note. `ok` false: not an ELF
 * file this program can read (class and byte order its own). */
static bool elf_mask(unsigned char *p, size_t len, const ElfW(Phdr) **ph_out, size_t *nph)
{
    ElfW(Ehdr) eh;
    if (len < sizeof(eh) || memcmp(p, ELFMAG, SELFMAG) != 0)
        return false;
    memcpy(&eh, p, sizeof(eh));
    if (eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
        eh.e_phentsize != sizeof(ElfW(Phdr)) || eh.e_phoff > len ||
        (size_t)eh.e_phnum > (len - eh.e_phoff) / sizeof(ElfW(Phdr)))
        return false;
    ElfW(Ehdr) *h = (ElfW(Ehdr) *)(void *)p;
    h->e_shoff = 0;
    h->e_shnum = 0;
    h->e_shstrndx = 0;
    const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(const void *)(p + eh.e_phoff);
    for (size_t i = 0; i < eh.e_phnum; i++)
        if (ph[i].p_type == PT_NOTE && ph[i].p_offset <= len && ph[i].p_filesz <= len - ph[i].p_offset)
            memset(p + ph[i].p_offset, 0, (size_t)ph[i].p_filesz);
    *ph_out = ph;
    *nph = eh.e_phnum;
    return true;
}

/* Hashes the loadable segments of the ELF file at `path`, mapped (copy on
 * write: the masked header and notes stay private) rather than read, so
 * that debug information, often most of the file, is never touched. */
static int hash_segments(struct code_walk *w, const char *path, const char *what, struct mf__sha256 *part)
{
    const ElfW(Phdr) *ph = NULL;
    size_t nph = 0, len = 0;
    struct stat st;
    unsigned char *p = MAP_FAILED;
    int rc = 0, fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        rc = mf__err_errno(w->err, MF_EIO, errno, "cannot compute the code digest: cannot read %s '%s'", what, path);
        goto out;
    }
    len = (size_t)st.st_size;
    if (len)
        p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED || !elf_mask(p, len, &ph, &nph)) {
        rc = mf__err(w->err, MF_EIO, "cannot compute the code digest: %s '%s' is not an ELF file of this machine",
                     what, path);
        goto out;
    }
    for (size_t i = 0; !rc && i < nph; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        if (ph[i].p_offset > len || ph[i].p_filesz > len - ph[i].p_offset)
            rc = mf__err(w->err, MF_EIO, "cannot compute the code digest: %s '%s' is truncated", what, path);
        else
            mf__sha256_update(part, p + ph[i].p_offset, (size_t)ph[i].p_filesz);
    }
out:
    if (p != MAP_FAILED)
        munmap(p, len);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Another library: its build-id note stands for its version (Debian's all
 * have one); without a note, its path. */
static int hash_library(struct code_walk *w, struct dl_phdr_info *info)
{
    char id[MF_BUILD_ID_MAX] = "";
    if (object_build_id(info, id) != 0)
        id[0] = '\0';
    const char *base = strrchr(info->dlpi_name, '/');
    base = base ? base + 1 : info->dlpi_name;
    struct mf_buf line = MF_BUF_INIT;
    int rc = mf__buf_addf(&line, "lib %s %s\n", base, id[0] ? id : info->dlpi_name);
    if (!rc)
        mf__sha256_update(w->libs, line.buf, line.len);
    mf__buf_release(&line);
    return rc ? mf__err(w->err, MF_ENOMEM, "out of memory hashing the program") : 0;
}

static int on_code_object(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct code_walk *w = data;
    if (!w->main_done) { /* the main program: the inode it was started from */
        w->main_done = true;
        w->rc = hash_segments(w, "/proc/self/exe", "the program", w->prog);
    } else if (info->dlpi_name[0] == '/' && strstr(info->dlpi_name, "/libmetaflow")) {
        w->rc = hash_segments(w, info->dlpi_name, "the library", w->libs);
    } else if (info->dlpi_name[0] == '/') { /* not the vDSO, which is the kernel's */
        w->rc = hash_library(w, info);
    }
    return w->rc ? 1 : 0;
}

static void to_hex(struct mf__sha256 *md, char out[65])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char digest[MF_SHA256_LEN];
    mf__sha256_end(md, digest);
    for (unsigned i = 0; i < MF_SHA256_LEN; i++) {
        out[2 * i] = digits[digest[i] >> 4];
        out[2 * i + 1] = digits[digest[i] & 15];
    }
    out[64] = '\0';
}

int mf__code_digests(char out[65], char prog[65], char libs[65], struct mf_err *err)
{
    char p[65], l[65], both[200];
    struct code_walk w = { .prog = mf__sha256_new(), .libs = mf__sha256_new(), .err = err };
    if (!w.prog || !w.libs) {
        w.rc = mf__err(err, MF_ENOMEM, "out of memory hashing the program");
        goto out;
    }
    mf__sha256_begin(w.prog);
    mf__sha256_begin(w.libs);
    dl_iterate_phdr(on_code_object, &w);
    if (!w.rc) { /* the whole is the hash of its two parts: each byte is hashed once */
        to_hex(w.prog, p);
        to_hex(w.libs, l);
        int n = snprintf(both, sizeof(both), "program %s\nlibraries %s\n", p, l);
        mf__sha256_hex(both, (size_t)n, out);
        if (prog)
            memcpy(prog, p, 65);
        if (libs)
            memcpy(libs, l, 65);
    }
out:
    mf__sha256_free(w.prog);
    mf__sha256_free(w.libs);
    return w.rc;
}

int mf__code_digest(char out[65], struct mf_err *err)
{
    return mf__code_digests(out, NULL, NULL, err);
}

int mf__code_digest_file(const char *path, char out[65], struct mf_err *err)
{
    struct code_walk w = { .prog = mf__sha256_new(), .err = err };
    if (!w.prog)
        return mf__err(err, MF_ENOMEM, "out of memory hashing the program");
    mf__sha256_begin(w.prog);
    w.rc = hash_segments(&w, path, "the program", w.prog);
    if (!w.rc)
        to_hex(w.prog, out);
    mf__sha256_free(w.prog);
    return w.rc;
}
