/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buildid.c - the build id of the running program. Hashing the whole
 * executable cost about half of a short run's CPU time (6 MB read and
 * SHA-256'd by every `run`); the linker already wrote a digest of the same
 * bytes into a note that the loader mapped, so we read that.
 */
#define _GNU_SOURCE /* glibc declares dl_iterate_phdr (not POSIX) only here */
#include "buildid.h"

#include <elf.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cas.h"
#include "util/buf.h"
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

/* dl_iterate_phdr reports the main program first; only it is looked at. */
static int on_object(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct note_search *s = data;
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE || !is_loaded(info, ph))
            continue;
        const unsigned char *p = (const unsigned char *)(uintptr_t)(info->dlpi_addr + ph->p_vaddr);
        if (scan_notes(p, (size_t)ph->p_memsz, s->out) == 0) {
            s->found = 1;
            break;
        }
    }
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
