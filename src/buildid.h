/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buildid.h - the build id a run records: which build of the flow program
 * ran it (docs/metadata.md, "Build id").
 */
#ifndef MF_BUILDID_H
#define MF_BUILDID_H
#include <stddef.h>

/* Room for the longest build id: "gnu:" and 64 bytes of note in hex. */
#define MF_BUILD_ID_MAX (4 + 128 + 1)

/*
 * The running program's build id into out[MF_BUILD_ID_MAX]: "gnu:<hex>" from
 * the linker's build-id note (ld --build-id, on by default on Debian) when
 * the program has one, which costs no I/O; otherwise the SHA-256 of the
 * file `exe` (the running program's path) in hex, as before notes were
 * read; "unknown" when that file cannot be read. Never fails.
 */
void mf__build_id(const char *exe, char out[MF_BUILD_ID_MAX]);
/* The two parts: the note alone (0 and "gnu:<hex>" in out, or -1 without
 * a note), and the file's SHA-256 in hex ("unknown" when unreadable). */
int mf__build_id_note(char out[MF_BUILD_ID_MAX]);
void mf__build_id_file(const char *exe, char out[MF_BUILD_ID_MAX]);

/*
 * The code digest of the running program (docs/memoisation.md, "Code
 * identity"), 64 hex digits into out: SHA-256 over what the loader maps of
 * the program and of a shared libmetaflow - their loadable segments, read
 * from the files themselves so relocation and ASLR do not change it - with
 * the notes and the ELF header's section fields zeroed, because a build id
 * and the place of the section table change with -g while the code does not;
 * every other loaded library counts by its build-id note (its version).
 * MF_EIO naming the file when one cannot be read or is not ELF.
 */
struct mf_err;
int mf__code_digest(char out[65], struct mf_err *err);
/* The same, and its two parts (either may be NULL), of which it is the
 * SHA-256 ("program PROG\nlibraries LIBS\n"), all in hex: `prog` over the
 * program's loadable segments (what mf__code_digest_file computes of the
 * program's file, which the step fingerprints' table records), `libs` over
 * every library's share. */
int mf__code_digests(char out[65], char prog[65], char libs[65], struct mf_err *err);
/* The program part alone, of the ELF file at `path` (mf-fingerprint). */
int mf__code_digest_file(const char *path, char out[65], struct mf_err *err);
#endif
