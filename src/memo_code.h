/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memo_code.h - the code identity of a memoised step (docs/memoisation.md,
 * "Code identity"): the step's own fingerprint when the program carries a
 * table of them (mf-fingerprint) made for exactly this program, else the
 * whole program's code digest.
 */
#ifndef MF_MEMO_CODE_H
#define MF_MEMO_CODE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metaflow.h"

struct mf_err;

/* The prefix of a key's code part in per-step mode. */
#define MF_MEMO_CODE_STEP "step:"
/* Room for a code part: the prefix and 64 hex digits. */
#define MF_MEMO_CODE_MAX 72

struct mf_memo_fn {
    uint64_t addr; /* where the function is, relative to the program's load address */
    char fp[65];
};

struct mf_memo_code {
    char whole[65]; /* the code digest (mf__code_digest) */
    char prog[65];  /* its program part: what a table must record */
    char libs[65];  /* its libraries' part, in every per-step identity */
    uintptr_t base; /* the program's load address */
    struct mf_memo_fn *fns; /* sorted by addr; NULL without a usable table */
    size_t n;
    const char *mode; /* why the table is or is not used, for a person */
    bool stale;       /* the program has a table, but not one for itself */
};

/* Computes the digests of the running program and reads its table when it
 * has one that matches. Only the digests can fail (MF_EIO, MF_ENOMEM); a
 * missing, stale or damaged table leaves n 0 and says why in `mode`. */
int mf__memo_code_load(struct mf_memo_code *mc, struct mf_err *err);
void mf__memo_code_release(struct mf_memo_code *mc);
/*
 * Parses a table (fingerprint.h's format) into mc->fns when its code line
 * is `prog`: 0; -1 (and mc->mode saying why) when it is for another build
 * or malformed. MF_ENOMEM.
 */
int mf__memo_code_parse(struct mf_memo_code *mc, const char *text, size_t len, const char *prog);
/* The code part of step function fn's keys into out: "step:<hex>" (its
 * fingerprint with the libraries' digest) when the table has it, else the
 * whole digest. Returns true in per-step mode. */
bool mf__memo_code_step(const struct mf_memo_code *mc, mf_step_fn fn, char out[MF_MEMO_CODE_MAX]);
#endif
