/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fingerprint.h - per-function code fingerprints computed at build time
 * from a flow's relocatable objects (docs/memoisation.md, "Per-step
 * fingerprints"), for mf-fingerprint, and the table they are written in.
 *
 * A function's fingerprint is the SHA-256 of its section's bytes and
 * relocations, written symbolically, and of every section they reach
 * within the given objects, in the order a walk from the function first
 * meets them (so the layout of the objects and the names of sections do
 * not matter, and cycles end). A reference counts as:
 *   - a section of a given object: that section, by its place in the walk;
 *   - a string or constant in a mergeable section: the entries around it
 *     (the linker merges those sections across functions, so the whole
 *     section would tie every function to every string);
 *   - a symbol of a "whole" object or archive (the libraries the program
 *     links statically): its name and that file's SHA-256;
 *   - anything else: its name, which must then be an import of a shared
 *     library (undefined in the linked program), as the run time keys those
 *     by build id; a symbol the program defines but no given file does
 *     makes the table fail, naming it.
 */
#ifndef MF_FINGERPRINT_H
#define MF_FINGERPRINT_H
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

/* The first line of a table, and its section in the program. */
#define MF_FP_MAGIC "metaflow-fingerprints 1"
#define MF_FP_SECTION ".metaflow.fp"

struct mf_fp;

/* A new, empty set of inputs; NULL when out of memory. */
struct mf_fp *mf__fp_new(void);
void mf__fp_free(struct mf_fp *fp);
/*
 * Adds the object or archive `name` whose bytes are `bytes` (not copied:
 * they must outlive fp). `whole`: its symbols count by name and the SHA-256
 * of all its bytes, and it is not walked. MF_ECORRUPT naming it (and the
 * member) when it is not a relocatable ELF object of this machine or an
 * archive of them; MF_ENOMEM.
 */
int mf__fp_add(struct mf_fp *fp, const char *name, const unsigned char *bytes, size_t len, int whole,
               struct mf_err *err);
/* The linked program (bytes kept as above): where each function ended up,
 * and which symbols are imports. MF_ECORRUPT when it has no symbol table. */
int mf__fp_program(struct mf_fp *fp, const char *name, const unsigned char *bytes, size_t len, struct mf_err *err);
/*
 * The fingerprint of function `name` (for a static one, of the object whose
 * STT_FILE symbol is `file`; NULL: any) in hex. MF_ENOENT when no given
 * object defines it; MF_EINVAL naming a symbol the program defines but no
 * given file does, and the fix.
 */
int mf__fp_function(struct mf_fp *fp, const char *name, const char *file, char hex[65], struct mf_err *err);
/*
 * The table of every function of the non-whole objects found in the
 * program (mf__fp_program first): MF_FP_MAGIC, "code <code_digest>", then
 * "fn <address in hex> <fingerprint> <name> [<file>]" lines, appended to
 * `out`. Errors as mf__fp_function.
 */
int mf__fp_table(struct mf_fp *fp, const char *code_digest, struct mf_buf *out, struct mf_err *err);
#endif
