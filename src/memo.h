/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memo.h - memoisation of a step's tasks across runs (docs/memoisation.md).
 *
 * A memoised task's key is the SHA-256 of its key parts: a map of strings
 * naming everything the task's result may depend on (the step and its code,
 * the artifacts and parameters it starts with, where it stands in its splits,
 * the environment variables it declared) and nothing that differs between
 * two runs of the same work (run and task ids, attempts, hosts, times).
 * An entry maps a key to the task that computed it; a later task with the
 * same key is a clone of that task instead of a new process.
 *
 * memo.c builds the parts and the key; memo_store.c keeps the entries.
 */
#ifndef MF_MEMO_H
#define MF_MEMO_H
#include <stdbool.h>
#include <stdint.h>

#include "cas.h"
#include "datastore.h"
#include "metaflow.h"
#include "util/buf.h"
#include "util/err.h"

/* The key schema: a change to what goes into a key bumps it, and entries of
 * another schema are never looked at (a miss, not an error). */
#define MF_MEMO_SCHEMA 1

/* The name of the marker a memoised task leaves in its directory when it read
 * its own run id, task id, pathspec or attempt: its result may depend on
 * them, so it is never an entry (docs/memoisation.md, "Never cached"). */
#define MF_MEMO_UNCACHEABLE "uncacheable"

/* Digests a run's keys share, kept by the caller across its tasks so that
 * each is read once, not once per task: the parameters' and the last input
 * task's (a foreach's items all start from their split task). A task's
 * index never changes once written, so what is kept stays true for the run.
 * Zero-initialise; `run` tells which run they belong to. */
struct mf_memo_digests {
    char run[32];
    char params[MF_HASH_HEX_LEN + 1];
    char input[300]; /* "STEP/ID" of the last input read */
    char input_hex[MF_HASH_HEX_LEN + 1];
    char arch[65];
};

/* What a task's key is computed from, besides what the datastore holds. */
struct mf_memo_task {
    const char *flow;
    const mf_step *decl;
    const char *code;     /* the program's code digest (mf__code_digest) */
    const char *run_id;   /* the run whose input tasks are read */
    const char *position; /* where it stands: mf__position_key(step, its split stack) */
    int64_t pass;         /* passes of its loop before it */
    const char *inputs;   /* its input paths, "STEP/ID[-LAST],..." ("" for start) */
    struct mf_memo_digests *cache; /* may be NULL: every digest read again */
};

/*
 * The key parts of a task into *parts (a map the caller frees): reads the
 * run's parameters and the index of each input task. MF_ENOENT/MF_ECORRUPT
 * naming the input whose index cannot be read; MF_ENOMEM.
 */
int mf__memo_parts(struct mf_ds *ds, const struct mf_memo_task *task, mf_value **parts, struct mf_err *err);
/* The key of `parts`: SHA-256 of their canonical encoding, in hex. */
int mf__memo_key(const mf_value *parts, char key[MF_HASH_HEX_LEN + 1], struct mf_err *err);
/*
 * What differs between the parts of two keys, as words for a person
 * ("its code; the parameters; environment variable SEED"), appended to
 * `out`; nothing appended when they are equal. MF_ENOMEM.
 */
int mf__memo_diff(const mf_value *now, const mf_value *before, struct mf_buf *out);

/* An entry: the task that computed a key. */
struct mf_memo_entry {
    char key[MF_HASH_HEX_LEN + 1];
    char *origin;                      /* "RUN/STEP/TASK" */
    char index_hash[MF_HASH_HEX_LEN + 1]; /* SHA-256 of the origin's index file */
    mf_value *parts;                   /* the key's parts */
    char *previous;                    /* the key of the entry it replaced at its place, or NULL */
    double created;                    /* seconds since the epoch */
};
void mf__memo_entry_release(struct mf_memo_entry *e);

/*
 * The entry of `key` into *e (release it). MF_ENOENT when there is none;
 * MF_ECORRUPT naming the file when it cannot be read as an entry of this
 * schema for this key (the caller counts it a miss and says so).
 */
int mf__memo_lookup(struct mf_ds *ds, const char *key, struct mf_memo_entry *e, struct mf_err *err);
/*
 * The newest entry published for the place (step and split position) that
 * `parts` name, or MF_ENOENT: what a miss is compared with.
 */
int mf__memo_last(struct mf_ds *ds, const mf_value *parts, struct mf_memo_entry *e, struct mf_err *err);
/*
 * Publishes the entry `key` -> `origin` atomically (temporary file, rename:
 * a crash leaves no entry that can hit; not fsync'd, since an entry lost to
 * a power loss is only a miss), then points its place's "last" at it. `index_hash` is the SHA-256 of the origin's index file.
 */
int mf__memo_publish(struct mf_ds *ds, const char *key, const mf_value *parts, const char *origin,
                     const char *index_hash, struct mf_err *err);
/* Points the place of `parts` at `key` (a hit: the entry now in use there),
 * so that the next miss is compared with what was last used. */
int mf__memo_set_last(struct mf_ds *ds, const mf_value *parts, const char *key, struct mf_err *err);
/*
 * Checks that entry `e` can stand for a task: its origin's index exists and
 * hashes to what the entry says, and every object it names exists. 0 and the
 * decoded index in *ix (release it); MF_ENOENT/MF_ECORRUPT saying what is
 * missing (a miss, to be computed again).
 */
int mf__memo_check_origin(struct mf_ds *ds, const struct mf_memo_entry *e, struct mf_index *ix,
                          struct mf_err *err);

/*
 * Calls fn(ctx, name, path) for each file under the entries' directory:
 * `name` is an entry's key, or a temporary file's name (a write that never
 * finished; `is_tmp` true). Stops at the first non-zero return. 0 when the
 * flow has no entries.
 */
typedef int (*mf_memo_file_fn)(void *ctx, const char *name, const char *path, bool is_tmp);
int mf__memo_each(struct mf_ds *ds, mf_memo_file_fn fn, void *ctx, struct mf_err *err);

/* The directory that holds the entries of the datastore's flow, appended to
 * `out`: ROOT/FLOW/.memo/v<schema>. */
int mf__memo_dir(struct mf_ds *ds, struct mf_buf *out);
#endif
