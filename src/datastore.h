/* SPDX-License-Identifier: Apache-2.0 */
/*
 * datastore.h - the layout of a datastore root and each task's artifact
 * index. Layout (docs/format.md):
 *
 *   ROOT/objects/ab/cdef...               content-addressed objects (cas.h)
 *   ROOT/FLOW/RUN/STEP/TASK/index         the task's artifact index
 *   ROOT/FLOW/RUN/STEP/TASK/<attempt>.stdout, <attempt>.stderr   its logs
 *   ROOT/FLOW/RUN/_parameters/0/index     the run's parameters
 *
 * The index (name -> hash, type, size, and inline bytes for small values) is
 * written atomically and last: a task without an index did not succeed.
 * Values whose encoding is at most MF_INLINE_MAX bytes live inside the index
 * (a per-task pack, so a task costs one file, not one per value); larger
 * ones are objects of the CAS. Either way each value is named by its hash.
 */
#ifndef MF_DATASTORE_H
#define MF_DATASTORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cas.h"
#include "metaflow.h"
#include "util/buf.h"
#include "util/err.h"

#define MF_INLINE_MAX 4096

struct mf_artifact {
    char *name;
    char hash[MF_HASH_HEX_LEN + 1];
    mf_type type;
    uint64_t size;              /* bytes of the encoding */
    unsigned char *inline_data; /* the encoding when inline, else NULL */
    uint32_t chunks;            /* 0, or a chunked list's number of chunks (chunk.h): then
                                   hash, size and inline_data are its manifest's */
};

struct mf_index {
    struct mf_artifact *arts; /* sorted by name, unique */
    size_t n, cap;
    char *stack;        /* the task's split stack (task.h), "" at top level */
    int64_t num_splits; /* for a foreach step: items of its list; else -1 */
    int attempt;
    char *next;   /* for a switch step: the step its case chose; else NULL */
    int64_t pass; /* passes of a loop before this task at its split position */
    /* Version 3 (docs/format.md), each NULL when absent: */
    char *inputs;  /* the task's input paths "STEP/ID[-LAST],..." (its parents) */
    char *foreach; /* for a foreach step: the name of the list it fanned out over */
    char *caught;  /* for a task whose failure was caught: its catch artifact */
};

void mf__index_init(struct mf_index *ix);
void mf__index_release(struct mf_index *ix);
const struct mf_artifact *mf__index_find(const struct mf_index *ix, const char *name);
/* Sets the version 3 fields to copies of the arguments (NULL or "": absent).
 * MF_ENOMEM leaves them absent. */
int mf__index_set_graph(struct mf_index *ix, const char *inputs, const char *foreach, const char *caught);
/* Copies `a` in, replacing an entry of the same name. */
int mf__index_put(struct mf_index *ix, const struct mf_artifact *a);
/* Removes `name`; 0 whether or not it was there. */
void mf__index_remove(struct mf_index *ix, const char *name);
/* Deep copy of one artifact record (dst is overwritten, not released). */
int mf__artifact_copy(struct mf_artifact *dst, const struct mf_artifact *src);
void mf__artifact_release(struct mf_artifact *a);

/* CBOR encoding of an index; decode treats its input as untrusted (MF_EPARSE
 * naming what is wrong) and checks inline data against its hash. */
int mf__index_encode(const struct mf_index *ix, struct mf_buf *out, struct mf_err *err);
int mf__index_decode(const void *data, size_t len, struct mf_index *out, struct mf_err *err);

struct mf_ds;

enum mf_ds_flags {
    MF_DS_SYNC = 1 << 0 /* fdatasync objects and indexes before renaming them */
};

/* Opens the datastore at `root` for flow `flow`; creates nothing until the
 * first write. Freed with mf__ds_close(). */
int mf__ds_open(const char *root, const char *flow, unsigned flags, struct mf_ds **out, struct mf_err *err);
void mf__ds_close(struct mf_ds *ds);
const char *mf__ds_root(const struct mf_ds *ds);
const char *mf__ds_flow(const struct mf_ds *ds);
struct mf_cas *mf__ds_cas(struct mf_ds *ds);

/* Creates the directory of run `run_id` (and the flow's, if needed).
 * MF_EEXIST when it already exists: the id is taken. Run ids are allocated
 * by the metadata (mf__meta_run_allocate), never from these directories. */
int mf__ds_claim_run(struct mf_ds *ds, const char *run_id, struct mf_err *err);

/* Stores `v` under `name`: inline when small, else in the CAS. */
int mf__ds_store(struct mf_ds *ds, const char *name, const mf_value *v, struct mf_artifact *out, struct mf_err *err);
/* Loads an artifact's value, verifying its hash. `*out` is the caller's. */
int mf__ds_load(struct mf_ds *ds, const struct mf_artifact *a, mf_value **out, struct mf_err *err);
/* Item `index` of a list artifact, verifying the artifact's hash but
 * building only that item (a foreach task's input). MF_ETYPE when the
 * artifact is not a list (load it whole), MF_ERANGE when it is shorter. */
int mf__ds_load_item(struct mf_ds *ds, const struct mf_artifact *a, size_t index, mf_value **out,
                     struct mf_err *err);

int mf__ds_write_index(struct mf_ds *ds, const char *run, const char *step, const char *task,
                       const struct mf_index *ix, struct mf_err *err);
/* MF_ENOENT when the task has no index (it has not succeeded). */
int mf__ds_read_index(struct mf_ds *ds, const char *run, const char *step, const char *task, struct mf_index *out,
                      struct mf_err *err);

/*
 * Checks that every object `ix` names is there and verifies (inline values
 * were checked with the index): what a task cloned from `ix` (resume, a memo
 * hit) will read. MF_ECORRUPT naming the artifact when one is missing or
 * corrupt, without the store's advice to run again (cloning is given up for
 * exactly that); another MF_E* as mf__cas_verify returns it. Costs one read
 * of each object, at hashing speed.
 */
int mf__ds_objects_ok(struct mf_ds *ds, const struct mf_index *ix, struct mf_err *err);

/* Appends ROOT/FLOW/RUN/STEP/TASK to `out`. */
int mf__ds_task_dir(struct mf_ds *ds, const char *run, const char *step, const char *task, struct mf_buf *out);
/* Appends the path of one attempt's "stdout" or "stderr" log, or of its "exit"
 * file (its exit status: slurm.h's format). */
int mf__ds_log_path(struct mf_ds *ds, const char *run, const char *step, const char *task, int attempt,
                    const char *stream, struct mf_buf *out);
#endif
