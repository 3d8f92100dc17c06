/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metaflow.h - the one public header of libmetaflow.
 *
 * A flow is a directed graph of steps, declared statically as a table of
 * mf_step, handed to mf_main() which gives the program Metaflow's commands
 * (run, show, check, ...). Every step runs in its own process; what a step
 * stores with mf_set_*() is a data artifact, persisted in a content-addressed
 * store when the step succeeds and visible to every later step.
 *
 * Conventions (as in SQLite and libuv):
 *  - every public symbol starts with mf_ / MF_; handles are opaque;
 *  - functions that can fail return int: 0 on success, a negative MF_E* code;
 *  - arguments are borrowed; what the library keeps, it copies;
 *  - a returned `char *` belongs to the caller (free it with mf_free()); a
 *    returned `const` pointer is borrowed and its lifetime is stated;
 *  - inside a step, the mf_task API behaves like an exception: a missing
 *    artifact, a wrong type or an I/O error fails the task with a message
 *    naming the step and the artifact. There is no error code to check.
 */
#ifndef METAFLOW_H
#define METAFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MF_API __attribute__((visibility("default")))
#define MF_NORETURN __attribute__((noreturn))
#define MF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MF_API
#define MF_NORETURN
#define MF_PRINTF(f, a)
#endif

/* ------------------------------------------------------------------ */
/* Version                                                            */
/* ------------------------------------------------------------------ */

#define MF_VERSION_MAJOR 0
#define MF_VERSION_MINOR 1
#define MF_VERSION_PATCH 0
#define MF_VERSION_HEX ((MF_VERSION_MAJOR << 16) | (MF_VERSION_MINOR << 8) | MF_VERSION_PATCH)
#define MF_VERSION_AT_LEAST(x, y, z) (MF_VERSION_HEX >= (((x) << 16) | ((y) << 8) | (z)))

/* The library's version as MF_VERSION_HEX, to compare with the header's. */
MF_API unsigned mf_version(void);
/* "MAJOR.MINOR.PATCH"; static storage. */
MF_API const char *mf_version_string(void);

/* ------------------------------------------------------------------ */
/* Errors                                                             */
/* ------------------------------------------------------------------ */

/* Codes are append-only: a number, once given, is never reused. */
#define MF_ERRNO_MAP(X)                                   \
    X(EINVAL, -1, "invalid argument")                     \
    X(ENOMEM, -2, "out of memory")                        \
    X(ENOENT, -3, "not found")                            \
    X(EEXIST, -4, "already exists")                       \
    X(EIO, -5, "input/output error")                      \
    X(EPARSE, -6, "malformed input")                      \
    X(ECORRUPT, -7, "corrupt data")                       \
    X(ETYPE, -8, "wrong type")                            \
    X(EGRAPH, -9, "invalid graph")                        \
    X(ESTEPFAIL, -10, "step failed")                      \
    X(EDB, -11, "metadata database error")                \
    X(EBUSY, -12, "busy")                                 \
    X(ETIMEDOUT, -13, "timed out")                        \
    X(ECANCELED, -14, "canceled")                         \
    X(ERANGE, -15, "out of range")                        \
    X(ENAMESPACE, -16, "not in the current namespace")

typedef enum mf_errno {
#define MF__ERRNO_ENUM(name, num, text) MF_##name = (num),
    MF_ERRNO_MAP(MF__ERRNO_ENUM)
#undef MF__ERRNO_ENUM
} mf_errno;

/* A short description of an MF_E* code; static storage. */
MF_API const char *mf_strerror(int code);

/* Frees memory the library handed to the caller (returned `char *` and
 * arrays). NULL is a no-op. */
MF_API void mf_free(void *p);

/* ------------------------------------------------------------------ */
/* Values: the typed data of an artifact                              */
/* ------------------------------------------------------------------ */

typedef enum mf_type {
    MF_NULL = 0,
    MF_BOOL,
    MF_INT,    /* int64_t */
    MF_DOUBLE, /* IEEE-754 binary64 */
    MF_STR,    /* UTF-8 text, no NUL inside */
    MF_BYTES,  /* opaque bytes */
    MF_F64S,   /* array of double */
    MF_F32S,   /* array of float */
    MF_I64S,   /* array of int64_t */
    MF_I32S,   /* array of int32_t */
    MF_U8S,    /* array of uint8_t */
    MF_LIST,   /* ordered values */
    MF_MAP     /* string keys -> values, kept sorted by key */
} mf_type;

/* A value tree. Owned by whoever created it or was handed it; freed with
 * mf_value_free(). Values returned as `const mf_value *` are borrowed. */
typedef struct mf_value mf_value;

/* Lower-case name of a type ("int", "f64 array", ...); static storage. */
MF_API const char *mf_type_name(mf_type type);

/* Constructors. Each returns a new value the caller owns, or NULL when out of
 * memory. Data is copied. mf_value_str() copies up to the NUL. */
MF_API mf_value *mf_value_null(void);
MF_API mf_value *mf_value_bool(bool b);
MF_API mf_value *mf_value_int(int64_t i);
MF_API mf_value *mf_value_double(double d);
MF_API mf_value *mf_value_str(const char *s);
MF_API mf_value *mf_value_strn(const char *s, size_t len);
MF_API mf_value *mf_value_bytes(const void *data, size_t len);
/* elem_type is one of MF_F64S, MF_F32S, MF_I64S, MF_I32S, MF_U8S; `n` is the
 * number of elements. NULL for another type. */
MF_API mf_value *mf_value_array(mf_type elem_type, const void *data, size_t n);
MF_API mf_value *mf_value_list(void);
MF_API mf_value *mf_value_map(void);

/* Appends `item` to a list. Takes ownership of `item` in every case (it is
 * freed on failure). MF_ETYPE if `list` is not a list. A NULL `item` is
 * MF_ENOMEM: it is what a constructor returns when out of memory, so that
 * mf_value_list_push(l, mf_value_int(1)) reports the real failure. */
MF_API int mf_value_list_push(mf_value *list, mf_value *item);
/* Sets `key` in a map, replacing an older value. Takes ownership of `val` in
 * every case; `key` is copied. MF_ETYPE if `map` is not a map; a NULL `val`
 * is MF_ENOMEM, as for mf_value_list_push(); a NULL `key` is MF_EINVAL. */
MF_API int mf_value_map_put(mf_value *map, const char *key, mf_value *val);

/* Deep copy; NULL when out of memory. */
MF_API mf_value *mf_value_copy(const mf_value *v);
/* Frees a value tree; NULL is a no-op. */
MF_API void mf_value_free(mf_value *v);
/* true when both trees hold the same type and content. */
MF_API bool mf_value_equal(const mf_value *a, const mf_value *b);

MF_API mf_type mf_value_type(const mf_value *v);
/* Entries of a list or map, bytes of a string or bytes value, elements of an
 * array; 0 for scalars. */
MF_API size_t mf_value_len(const mf_value *v);
/* Item `i` of a list; NULL if not a list or out of range. Borrowed from `v`. */
MF_API const mf_value *mf_value_at(const mf_value *v, size_t i);
/* Value under `key` in a map; NULL if not a map or absent. Borrowed. */
MF_API const mf_value *mf_value_key(const mf_value *v, const char *key);
/* Key of entry `i` of a map (in key order); NULL if out of range. Borrowed. */
MF_API const char *mf_value_key_at(const mf_value *v, size_t i);

/* Typed reads. 0 on success; MF_ETYPE when `v` holds another type (or is
 * NULL). mf_value_get_double() also accepts an int. Pointers are borrowed
 * from `v` and live as long as it does. */
MF_API int mf_value_get_bool(const mf_value *v, bool *out);
MF_API int mf_value_get_int(const mf_value *v, int64_t *out);
MF_API int mf_value_get_double(const mf_value *v, double *out);
MF_API int mf_value_get_str(const mf_value *v, const char **out);
MF_API int mf_value_get_bytes(const mf_value *v, const void **data, size_t *len);
/* Raw elements of an array of type `elem_type`, 8-byte aligned. */
MF_API int mf_value_get_array(const mf_value *v, mf_type elem_type, const void **data, size_t *n);

/* The value as JSON text (arrays as JSON arrays, bytes as a base64 string).
 * Caller frees with mf_free(); NULL when out of memory. */
MF_API char *mf_value_to_json(const mf_value *v);

/* ------------------------------------------------------------------ */
/* Flow declaration                                                   */
/* ------------------------------------------------------------------ */

/* The handle a step receives: its inputs, its artifacts, who it is. */
typedef struct mf_task mf_task;

typedef void (*mf_step_fn)(mf_task *t);

#define MF_MAX_NEXT 16
#define MF_MAX_CASES 16

/* One case of a switch: when the condition artifact equals `value`, the
 * flow goes on at `step`. */
typedef struct mf_case {
    const char *value;
    const char *step;
} mf_case;

/*
 * One step. Declared in a static table; the graph is read from the table,
 * never by running a step.
 *  - next:    the steps that follow (NULL-terminated; at most MF_MAX_NEXT).
 *             One name is a linear transition; several are a branch; none
 *             only for `end`.
 *  - foreach: name of a list (or array) artifact this step sets; one task of
 *             next[0] runs for each of its items.
 *  - join:    true for a step that closes a branch or a foreach; it sees its
 *             inputs through mf_join_*() instead of inheriting artifacts.
 *  - switch_on, cases: a switch. The step sets the str artifact named
 *             switch_on; its value picks one case (cases end at the first
 *             {NULL, NULL}) and only that case's step runs next. The paths
 *             of a switch meet again at a common step, without a join. A
 *             case may name an earlier step or the step itself: a loop, each
 *             pass a new task. A switch step has no `next`.
 */
typedef struct mf_step {
    const char *name;
    mf_step_fn fn;
    const char *doc;
    const char *next[MF_MAX_NEXT];
    const char *foreach;
    bool join;
    const char *switch_on;
    mf_case cases[MF_MAX_CASES];
    /* Resilience (all optional):
     *  - retries:     run a failed task again, up to this many more times,
     *                 waiting retry_delay seconds before each new attempt;
     *  - timeout:     seconds an attempt may run before it is killed (its
     *                 whole process group) and counted as failed; 0: none;
     *  - catch_var:   after the last attempt failed, an artifact of this name
     *                 receives the failure (a map: type, reason, exit_code,
     *                 signal, timed_out, attempt, stderr) and the flow goes
     *                 on. A failure through mf_fail() or the API keeps what
     *                 the step set before it; after a crash or a timeout one
     *                 more attempt records the failure with only what the
     *                 task inherited (docs/design.md). */
    int retries;
    double retry_delay;
    double timeout;
    const char *catch_var;
    /* Resources (all optional; 0 / NULL: not asked for). A local run ignores
     * them except time_limit; `run --with slurm` asks Slurm for each task of
     * the step with them (docs/slurm.md):
     *  - cpus:       --cpus-per-task;
     *  - memory_mb:  --mem, in MiB (enforced where the cluster uses cgroups);
     *  - gpus:       --gpus (or --gres=gpu:N with --slurm-gres-gpus);
     *  - time_limit: seconds; --time in whole minutes, rounded up. It is also
     *                the step's timeout when `timeout` is 0, locally too;
     *  - partition:  --partition for this step, over --slurm-partition. */
    int cpus;
    int64_t memory_mb;
    int gpus;
    double time_limit;
    const char *partition;
    /* Memoisation (optional; docs/memoisation.md). A memoised step's task is
     * not run again when an earlier task of this flow, in any run of this
     * datastore, computed the same key: the same step of the same program,
     * starting with the same artifacts and parameters at the same place in its
     * splits. Its index is cloned from that task instead, and no process starts.
     *  - memoize:   the step may be memoised. It promises to compute only from
     *               what it is given (artifacts, parameters, its item) and
     *               the environment variables it declares;
     *  - memo_salt: a version in the key: change it to re-run the step when
     *               something it reads outside those changed;
     *  - memo_env:  the names of the environment variables it reads, comma
     *               separated; their values are part of the key (hashed). */
    bool memoize;
    const char *memo_salt;
    const char *memo_env;
    /* A gang (Metaflow's @parallel and `self.next(self.train, num_parallel=N)`):
     * set on the step BEFORE the gang step, as .foreach is, with next[0] the
     * gang step. N >= 1 tasks of next[0] are started at once (all running
     * together, also past --max-workers, and under Slurm as one job of N
     * tasks); each learns its rank, N and the control task's address from
     * mf_current_parallel(). The gang step must go straight to a join, which
     * sees the N tasks as N inputs in rank order. If one task fails the others
     * are stopped and the gang fails; the gang step's .retries run the whole
     * gang again. 0: not a gang (docs/design.md, "Gangs"). */
    int num_parallel;
} mf_step;

typedef enum mf_param_type {
    MF_PARAM_STR = 1,
    MF_PARAM_INT,
    MF_PARAM_DOUBLE,
    MF_PARAM_BOOL,
    MF_PARAM_JSON,
    MF_PARAM_FILE /* Metaflow's IncludeFile: the value given is a path; the
                   * artifact is the file's content, read when the run
                   * starts (str, UTF-8 checked; bytes with .binary) */
} mf_param_type;

/*
 * A parameter: a `--name VALUE` option of `run`, and a read-only artifact of
 * every step. `default_value` is text, parsed as the command line would be
 * (a JSON parameter's default is JSON text); NULL means no default.
 * A required parameter must be given on the command line. A parameter not
 * on the command line is read from the environment variable
 * METAFLOW_RUN_<NAME> (the name in upper case) when that is set and not
 * empty, as Metaflow does; the command line wins.
 */
typedef struct mf_param {
    const char *name;
    mf_param_type type;
    const char *default_value;
    const char *help;
    bool required;
    /* MF_PARAM_STR only: the value is split at each occurrence of this text
     * into a list of str ("a,b,c" -> ["a", "b", "c"]; "" -> []). */
    const char *separator;
    /* MF_PARAM_FILE only: the content is bytes, not checked as text. */
    bool binary;
} mf_param;

typedef struct mf_flow {
    const char *name; /* e.g. "BranchFlow"; a valid identifier */
    const char *doc;
    const mf_step *steps;
    size_t nsteps; /* entries of steps; 0: the table ends with { 0 } (an entry without a name) */
    const mf_param *params;
    size_t nparams;
} mf_flow;

/*
 * The program's entry point: parses argv as a Metaflow command line (run,
 * show, check, step, ...), does the work and returns the exit status for
 * main() to return. `flow` and everything it points to must outlive the call.
 */
MF_API int mf_main(const mf_flow *flow, int argc, char **argv);

/* ------------------------------------------------------------------ */
/* Inside a step                                                      */
/* ------------------------------------------------------------------ */

/*
 * Setters store an artifact of the running task under `name` (a valid
 * identifier, not starting with '_', not a parameter's name), replacing an
 * earlier value of this task. Artifacts are persisted when the step returns.
 * A bad name fails the task.
 * Ownership: the setters borrow `s`, `data` and `a` for the call only; the
 * caller may change or free them once the setter returns. Bytes and arrays of
 * more than 4 KiB are not copied at all: they are hashed, (maybe) compressed
 * and written to the datastore straight from the caller's buffer during the
 * call, so setting a large artifact costs no second copy in memory; a later
 * getter of the same name reads it back from the datastore (mapped in place
 * when it is stored uncompressed). Smaller values are copied.
 */
MF_API void mf_set_null(mf_task *t, const char *name);
MF_API void mf_set_bool(mf_task *t, const char *name, bool b);
MF_API void mf_set_int(mf_task *t, const char *name, int64_t i);
MF_API void mf_set_double(mf_task *t, const char *name, double d);
MF_API void mf_set_str(mf_task *t, const char *name, const char *s);
MF_API void mf_set_bytes(mf_task *t, const char *name, const void *data, size_t len);
MF_API void mf_set_f64s(mf_task *t, const char *name, const double *a, size_t n);
MF_API void mf_set_f32s(mf_task *t, const char *name, const float *a, size_t n);
MF_API void mf_set_i64s(mf_task *t, const char *name, const int64_t *a, size_t n);
MF_API void mf_set_i32s(mf_task *t, const char *name, const int32_t *a, size_t n);
MF_API void mf_set_u8s(mf_task *t, const char *name, const uint8_t *a, size_t n);
/* Stores any value tree; takes ownership of `v` (even when it fails the task). */
MF_API void mf_set(mf_task *t, const char *name, mf_value *v);

/* true when `name` is visible to the task: set by it, inherited, or a parameter. */
MF_API bool mf_has(mf_task *t, const char *name);

/*
 * Getters. A missing name or another type fails the task with a message that
 * names the step, the artifact and its actual type. Returned pointers are
 * owned by the task (or by the join input `t`) and valid until the step
 * returns. mf_get_double() also reads an int.
 */
MF_API bool mf_get_bool(mf_task *t, const char *name);
MF_API int64_t mf_get_int(mf_task *t, const char *name);
MF_API double mf_get_double(mf_task *t, const char *name);
MF_API const char *mf_get_str(mf_task *t, const char *name);
MF_API const void *mf_get_bytes(mf_task *t, const char *name, size_t *len);
MF_API const double *mf_get_f64s(mf_task *t, const char *name, size_t *n);
MF_API const float *mf_get_f32s(mf_task *t, const char *name, size_t *n);
MF_API const int64_t *mf_get_i64s(mf_task *t, const char *name, size_t *n);
MF_API const int32_t *mf_get_i32s(mf_task *t, const char *name, size_t *n);
MF_API const uint8_t *mf_get_u8s(mf_task *t, const char *name, size_t *n);
MF_API const mf_value *mf_get(mf_task *t, const char *name);

/* Foreach: the item of the list this task runs for (borrowed, valid until
 * the step returns), as a value or checked as a string or an int; and its
 * index. Outside a foreach these fail the task. */
MF_API const mf_value *mf_input(mf_task *t);
MF_API const char *mf_input_str(mf_task *t);
MF_API int64_t mf_input_int(mf_task *t);
MF_API int64_t mf_index(mf_task *t);

/*
 * Join: the inputs of a join step. mf_join_count() is how many; an input is
 * a read-only task handle that the getters accept. For a foreach join the
 * inputs are in index order; for a branch join, in the order of the split's
 * `next` list, and mf_join_branch() finds one by the name of the step it
 * comes from. Handles are borrowed, valid until the step returns. An
 * input's artifact index is read when the step first uses that input and
 * at most 16 are held at once (re-read, and verified again, on later use),
 * so a join over N inputs holds the values the step keeps, not N indexes.
 * Outside a join, or with an index or name that does not exist, these fail
 * the task.
 */
MF_API size_t mf_join_count(mf_task *t);
MF_API mf_task *mf_join_input(mf_task *t, size_t i);
MF_API mf_task *mf_join_branch(mf_task *t, const char *step);

/*
 * In a join: sets every artifact that has one value (the same content hash)
 * in all the inputs that hold it, except what this task set already and what
 * `exclude` names. With `include`, only those names are merged, and each must
 * exist in some input. `include` and `exclude` are NULL-terminated lists, or
 * NULL; giving both is an error. Names whose values differ and that the join
 * neither set nor excluded fail the task, listing them, and nothing is set.
 */
MF_API void mf_merge_artifacts(mf_task *t, const char *const *include, const char *const *exclude);

/* Who the task is, as Metaflow's `current`. Borrowed, valid until the step
 * returns. The pathspec is "RUN/STEP/TASK". */
MF_API const char *mf_flow_name(mf_task *t);
MF_API const char *mf_run_id(mf_task *t);
MF_API const char *mf_step_name(mf_task *t);
MF_API const char *mf_task_id(mf_task *t);
MF_API const char *mf_pathspec(mf_task *t);
MF_API int mf_attempt(mf_task *t);

/*
 * The rest of Metaflow's `current`, in a step or on a client task handle.
 * Everything returned is borrowed from the task and valid until the step
 * returns (the handle is closed). The first four read the run's record in
 * ROOT/metadata.db on the first call of any of them (a task that never asks
 * opens no database); when it cannot be read, a step fails with the reason
 * (a client handle gets NULL and the message).
 *  - mf_username():      the user who started the run (its "user:" tag);
 *  - mf_namespace():     the run's namespace, "user:NAME" (as Metaflow's
 *                        current.namespace, the identity the run ran as);
 *  - mf_origin_run_id(): the run a resume started from; NULL for a run that
 *                        is not a resume;
 *  - mf_run_tags():      the run's tags, user and system together, sorted,
 *                        NULL-terminated (as read on that first call);
 *  - mf_parameter_names(): the flow's parameters, sorted, NULL-terminated;
 *  - mf_foreach_stack(): the foreaches the task is inside, outermost first:
 *    for each, the step that split, this task's index among its items and
 *    the number of items. Branch splits are not foreaches and are left out.
 *    Returns how many (0 at top level) and points *frames at them (NULL
 *    when there are none).
 */
typedef struct mf_foreach_frame {
    const char *step; /* the foreach step that made this split */
    int64_t index;    /* this task's position in it, from 0 */
    int64_t width;    /* the number of items of that foreach */
} mf_foreach_frame;

MF_API const char *mf_username(mf_task *t);
MF_API const char *mf_namespace(mf_task *t);
MF_API const char *mf_origin_run_id(mf_task *t);
MF_API const char *const *mf_run_tags(mf_task *t);
MF_API const char *const *mf_parameter_names(mf_task *t);
MF_API size_t mf_foreach_stack(mf_task *t, const mf_foreach_frame **frames);
/* Metaflow's `current.parallel`: who a task of a gang is (mf_step.num_parallel).
 * The strings are borrowed, valid until the step returns. */
typedef struct mf_parallel_info {
    bool is_parallel;            /* false outside a gang: then 1 node, index 0, 127.0.0.1 */
    int64_t num_nodes;           /* N, the tasks of the gang */
    int64_t node_index;          /* this task's rank, 0..N-1 */
    const char *main_ip;         /* where rank 0 runs: 127.0.0.1 locally; under Slurm the
                                  * address of the job's first node (docs/slurm.md) */
    const char *control_task_id; /* rank 0's task id; NULL outside a gang */
} mf_parallel_info;

/* The task's place in its gang. Before the step is called, a gang task also
 * puts it in its environment, for the programs it starts (mpirun, torchrun):
 * MF_PARALLEL_NUM_NODES, MF_PARALLEL_NODE_INDEX, MF_PARALLEL_MAIN_IP and
 * MF_PARALLEL_CONTROL_TASK_ID, Metaflow's names. On a join input or a client
 * handle it fails the task (it describes the running task only). */
MF_API mf_parallel_info mf_current_parallel(mf_task *t);

/* Fails the task with a formatted message; does not return. Nothing the task
 * set is persisted. */
MF_API MF_NORETURN void mf_fail(mf_task *t, const char *fmt, ...) MF_PRINTF(2, 3);

/*
 * Cards: a page of the task, shown by `card RUN/STEP/TASK` and in the run
 * report (`report RUN`). Each call appends one item to the task's card, in
 * call order. The card is stored with the task's artifacts (docs/cards.md):
 * when the task succeeds, or when its failure is caught by the step's
 * catch_var; a task that fails otherwise keeps no card. Arguments are
 * borrowed and copied. Like the other calls inside a step, misuse fails the
 * task with a message (a NULL or non-UTF-8 string, a table cell that is not
 * a string or a number, bytes that are not a PNG image, a chart value that
 * is not finite, a card over 64 MiB or 10,000 items); on a client handle or
 * a join input these calls end the process, as the setters do.
 */
/* A heading (one line of text). */
MF_API void mf_card_heading(mf_task *t, const char *text);
/* Markdown-ish text: lines starting with "# ", "## ", "### " are headings,
 * "- " or "* " list items, a blank line ends a paragraph; inside a line
 * **bold**, *italic* and `code`. Nothing else is markup (no HTML, no links:
 * every character shows as written). */
MF_API void mf_card_text(mf_task *t, const char *markdown);
/* A table. `columns` is a NULL-terminated array of header names (NULL: no
 * header); `rows` a list (mf_value_list) of rows, each a list of cells, each
 * a string, an int, a double, a bool or null. `title` may be NULL. */
MF_API void mf_card_table(mf_task *t, const char *title, const char *const *columns, const mf_value *rows);
/* An image: the bytes of a PNG file (len bytes, checked to start with the
 * PNG signature). `title` may be NULL. */
MF_API void mf_card_image(mf_task *t, const char *title, const void *png, size_t len);
typedef enum mf_chart_style { MF_CHART_LINE = 0, MF_CHART_BAR = 1 } mf_chart_style;
/* A chart of y[0..n-1] against 0..n-1 (1 <= n <= 1,000,000, every value
 * finite), drawn as SVG when the card is shown. `title` may be NULL. */
MF_API void mf_card_chart(mf_task *t, const char *title, mf_chart_style style, const double *y, size_t n);


/* ------------------------------------------------------------------ */
/* Client: read runs, tasks, artifacts and logs                       */
/* ------------------------------------------------------------------ */

/*
 * A read-only view of a datastore root: its flows, their runs (from the
 * run metadata), each run's tasks, and each finished task's artifacts
 * (through the same getters a step uses) and logs. Correct while runs are in
 * progress: a task without an artifact index is not finished, and its
 * artifacts are not visible yet.
 *
 * Every call returns 0 or a negative MF_E* code and leaves a message in
 * mf_client_errmsg(). Returned structs and arrays belong to the caller and
 * are freed with the matching _free function.
 */
typedef struct mf_client mf_client;

/* Opens `root` (NULL: $MF_DATASTORE_ROOT, else ".metaflow") in the default
 * namespace (below). MF_ENOENT when nothing was ever run there; MF_EINVAL
 * when $MF_NAMESPACE is not a valid tag. On failure *out is NULL and the
 * message is lost: use mf_client_open_err() to keep it. */
MF_API int mf_client_open(const char *root, mf_client **out);
/* Like mf_client_open, copying the failure's message into errbuf. */
MF_API int mf_client_open_err(const char *root, mf_client **out, char *errbuf, size_t errsize);
/* Closes the client; MF_EBUSY (nothing closed) while task handles it opened
 * are still open. NULL is a no-op. */
MF_API int mf_client_close(mf_client *c);
/* The message of the last failed call on `c`, or of the last getter that
 * failed on a task handle it opened; "" when none. Borrowed, valid until the
 * next call on `c`. */
MF_API const char *mf_client_errmsg(const mf_client *c);

/* Frees a NULL-terminated array of strings and the strings; NULL is a no-op. */
MF_API void mf_strv_free(char **v);

/*
 * Namespaces (Metaflow's namespace()). A namespace is a tag: the client sees
 * the runs having it, user or system tag. A client opens in the default
 * namespace: $MF_NAMESPACE when set ("" is the global one), else
 * "user:NAME" for the user running the process ($USER, else the password
 * database), the "user:" system tag of every run that user started. NULL
 * is the global namespace: every run.
 *
 * In a namespace, mf_client_flows() lists the flows with a run in it,
 * mf_client_runs() its runs, and "latest" / "latest_successful" pick among
 * them. A run named by its id that is not in the namespace is refused, by
 * every call that reads it or its tasks, with MF_ENAMESPACE and a message
 * naming the namespace and the run's own ("user:NAME"); a run that does
 * not exist is still MF_ENOENT. Tasks of a namespace's run read the tasks
 * they were cloned from (logs of a resume) wherever those are.
 */
/* Sets the namespace: any valid tag (mf_tag_check()), NULL or "" for the
 * global one; copied. MF_EINVAL (nothing changed) for an invalid tag. */
MF_API int mf_client_set_namespace(mf_client *c, const char *ns);
/* The current namespace, NULL when global. Borrowed, valid until the next
 * mf_client_set_namespace() / mf_client_default_namespace() on `c`. */
MF_API const char *mf_client_namespace(const mf_client *c);
/* Back to the default namespace (see above); MF_EINVAL when $MF_NAMESPACE
 * is not a valid tag, MF_ENOMEM. */
MF_API int mf_client_default_namespace(mf_client *c);

/* Names of the flows with runs (in a namespace: with a run in it), sorted.
 * `*names` is NULL-terminated; free with mf_strv_free(). */
MF_API int mf_client_flows(mf_client *c, char ***names);

typedef struct mf_run_info {
    char *flow;
    char *run_id;
    char *status; /* "running", "succeeded", "failed", or "died": recorded as
                   * running, but its scheduler process is gone (killed) */
    char *user;
    char *origin_run_id; /* the run a resume started from, or NULL */
    char *params_json;   /* the parameters, as a JSON object */
    double start, end;   /* seconds since the epoch; end is 0 while running */
    char **tags;         /* user tags, sorted, NULL-terminated */
    size_t ntags;
    char **system_tags;  /* recorded with the run, never changed: "user:NAME",
                          * "runtime:dev", "metaflow_c_version:X.Y.Z",
                          * "date:YYYY-MM-DD" (UTC); sorted, NULL-terminated */
    size_t nsystem_tags;
    int64_t jobs;        /* task attempts that ran as cluster (Slurm) jobs */
    int64_t jobs_live;   /* of those, the ones recorded as pending or running (0 once the run ended) */
    int64_t memo_hits;   /* tasks reused from an earlier run's memo entry instead of run (docs/memoisation.md) */
} mf_run_info;

/* The runs of `flow` in the client's namespace, newest first; free with
 * mf_run_info_free(*runs, *n). An unknown flow has no runs (n = 0). */
MF_API int mf_client_runs(mf_client *c, const char *flow, mf_run_info **runs, size_t *n);
/* One run of `flow`: `run_id` is a run id, "latest" or "latest_successful"
 * (the newest in the namespace). MF_ENOENT when there is no such run, the
 * message listing what exists; MF_ENAMESPACE when the run is not in the
 * namespace. Free with mf_run_info_free(*out, 1). */
MF_API int mf_client_run(mf_client *c, const char *flow, const char *run_id, mf_run_info **out);
MF_API void mf_run_info_free(mf_run_info *runs, size_t n);

typedef struct mf_task_info {
    char *step;
    char *task_id;
    char *pathspec;  /* "RUN/STEP/TASK" */
    char *status;    /* of the last attempt: "running", "succeeded", "failed" */
    char *origin;    /* pathspec it was cloned from (by resume, or a memo hit), or NULL */
    int attempts;    /* attempts recorded (1 + retries) */
    double start, end; /* of the last attempt */
    int exit_code;   /* of the last attempt; -1 unless it exited */
    int signal;      /* of the last attempt; 0 unless killed by a signal */
    bool timed_out;
    bool finished;   /* it has an artifact index */
    char *job_id;    /* of the last attempt: the cluster job that ran it ("12", array task "12_3"), or NULL */
    char *job_state; /* of the last attempt: the cluster's word for a failure of its own ("TIMEOUT",
                      * "OUT_OF_MEMORY", "CANCELLED", "PREEMPTED", "NODE_FAIL", "LOST"), or NULL */
    bool memo_hit;   /* a memo hit: cloned from `origin`, an earlier run's memo entry, not run */
} mf_task_info;

/* Steps of a run that have tasks, in the order their first task started;
 * NULL-terminated, free with mf_strv_free(). */
MF_API int mf_client_steps(mf_client *c, const char *flow, const char *run_id, char ***steps);
/* Tasks of a run (step NULL) or of one step, by task id; free with
 * mf_task_info_free(*tasks, *n). */
MF_API int mf_client_tasks(mf_client *c, const char *flow, const char *run_id, const char *step,
                           mf_task_info **tasks, size_t *n);
MF_API void mf_task_info_free(mf_task_info *tasks, size_t n);

/*
 * Opens a finished task, "RUN/STEP/TASK", for reading its artifacts with
 * mf_has(), mf_get() and the typed getters, and mf_run_id()/mf_step_name()/
 * mf_task_id()/mf_pathspec()/mf_attempt(), as a step reads its own:
 *  - mf_index() and mf_input*() give a foreach task's position and item (the
 *    item from the list the split task's index names: stores written before
 *    format version 3 do not record that name, and say so);
 *  - on a join task, mf_join_count(), mf_join_input() and mf_join_branch()
 *    give its inputs (input order; by the step a branch came from), handles
 *    the getters accept, owned by this handle and valid until it is closed;
 *    they answer NULL/0 with a message for a task that is not a join (see
 *    mf_client_task_parents() for any task's inputs). Each input's index is
 *    read on first use, as in a step; open an input with mf_client_task()
 *    for its own foreach item or inputs.
 * A getter that fails returns 0/false/NULL (mf_index(): -1) and leaves its
 * message in mf_client_errmsg(). Setters and mf_merge_artifacts() are for
 * running steps only (misuse ends the process with a message). Parameters
 * of the run are visible as in a step. MF_ENOENT if the task does not exist or has not finished. Close with
 * mf_client_task_close() before mf_client_close().
 */
MF_API int mf_client_task(mf_client *c, const char *flow, const char *pathspec, mf_task **out);
MF_API void mf_client_task_close(mf_task *t);
/* Names of a task handle's own artifacts (not parameters, nor the names
 * starting with '_' that the library keeps for itself, such as the card), sorted;
 * NULL-terminated, free with mf_strv_free(). NULL when out of memory. */
MF_API char **mf_task_artifact_names(mf_task *t);

/*
 * The runtime graph of a run. A task's parents are the tasks it ran after,
 * "RUN/STEP/TASK" in input order: none for start, one for most steps, every
 * input of a join. Its children are the tasks that ran after it, by task id.
 * Both work for tasks that did not finish. `*out` is NULL-terminated (maybe
 * empty); free it with mf_strv_free(). MF_ENOENT when the task does not
 * exist, or when a store written before format version 3 has lost what is
 * needed (its run metadata rebuilt): the message says so.
 */
MF_API int mf_client_task_parents(mf_client *c, const char *flow, const char *pathspec, char ***out);
MF_API int mf_client_task_children(mf_client *c, const char *flow, const char *pathspec, char ***out);

/*
 * The failure of a task, as Metaflow's Task.exception: a map with "type"
 * ("mf_fail", "api_error", "exit", "signal" or "timeout"), "reason",
 * "exit_code", "signal", "timed_out", "attempt" and "stderr" (its last 20
 * lines). For a task whose failure a catch_var caught, the value of that
 * artifact (format version 3 records which one; an older store's caught
 * task reads as having none); for a task whose last attempt failed, made
 * from the run metadata and its stderr log ("reason" is the step's last
 * "error: " line without that prefix, else the exit status). `*out` is the
 * caller's (mf_value_free()), or NULL when the task succeeded, caught
 * nothing, or is running. MF_ENOENT when there is no such task.
 */
MF_API int mf_client_task_exception(mf_client *c, const char *flow, const char *pathspec, mf_value **out);

/* The log of one attempt (-1: the last) of a task, stream "stdout" or
 * "stderr". `*text` is NUL-terminated, freed with mf_free(). A task that
 * resume cloned shows the log of the task it was cloned from (following
 * clones of clones), since that is where its code ran. */
MF_API int mf_client_logs(mf_client *c, const char *flow, const char *pathspec, const char *stream, int attempt,
                          char **text, size_t *len);

/*
 * One artifact in one call. `path` names it like Metaflow's DataArtifact
 * pathspec, "FLOW/RUN/STEP/TASK/NAME", where RUN may also be "latest" or
 * "latest_successful", and TASK may be left out ("FLOW/RUN/STEP/NAME") when
 * the step has exactly one task. NAME may be one of the run's parameters.
 *
 * mf_client_get() reads through an open client. On success *out is a new
 * value the caller owns (free it with mf_value_free()); on failure *out is
 * NULL and the return is a negative MF_E* code with the message in
 * mf_client_errmsg(c): MF_EINVAL a malformed path or a step of several tasks
 * without TASK, MF_ENOENT no such flow, run, step, task or artifact (the
 * message lists what exists), MF_ECORRUPT a damaged store (the message names
 * the file).
 */
MF_API int mf_client_get(mf_client *c, const char *path, mf_value **out);

/*
 * The same without a client handle: opens `root` (NULL: $MF_DATASTORE_ROOT,
 * else ".metaflow"), reads, closes. On failure the message is copied into
 * errbuf (NULL or errsize 0: dropped). The typed forms return MF_ETYPE when
 * the artifact holds another type (mf_read_double() also takes an int) and
 * leave *out unchanged on every failure, so a missing value never reads as a
 * zero:
 *
 *     int64_t total;
 *     char err[512];
 *     if (mf_read_int(NULL, "BranchFlow/latest_successful/join/total", &total, err, sizeof(err)) != 0)
 *         fprintf(stderr, "%s\n", err);
 *
 * mf_read() hands back a value the caller frees with mf_value_free();
 * mf_read_str() a copy of the text the caller frees with mf_free().
 */
MF_API int mf_read(const char *root, const char *path, mf_value **out, char *errbuf, size_t errsize);
MF_API int mf_read_bool(const char *root, const char *path, bool *out, char *errbuf, size_t errsize);
MF_API int mf_read_int(const char *root, const char *path, int64_t *out, char *errbuf, size_t errsize);
MF_API int mf_read_double(const char *root, const char *path, double *out, char *errbuf, size_t errsize);
MF_API int mf_read_str(const char *root, const char *path, char **out, char *errbuf, size_t errsize);

/*
 * A run's user tags, changed outside a step (the `tag` command uses these).
 * `root` as for mf_read (NULL: $MF_DATASTORE_ROOT, else ".metaflow"); `flow`
 * and `run_id` name the run (a run id, not "latest"). Tag arrays are
 * NULL-terminated and may be NULL (none); they are borrowed.
 *
 * A tag is 1 to 500 bytes of UTF-8 text without control characters (spaces,
 * commas and any script are fine). Every tag is checked before anything
 * changes. mf_tags_replace() removes `remove`, then adds `add`, in one
 * transaction: a reader sees the tags before or after, never between.
 * Adding a tag the run has, or removing one it has not, changes nothing.
 * System tags (user:, runtime:, metaflow_c_version:, date:) are recorded
 * with each run and never change: removing one is MF_EINVAL and changes
 * nothing; adding one the run has as a system tag is a no-op.
 *
 * Returns 0, MF_EINVAL (a bad tag, a system tag removed), MF_ENOENT (no such
 * run, or nothing run under root), MF_EBUSY, MF_EDB or MF_ENOMEM; the
 * message is copied into errbuf (NULL or errsize 0: dropped).
 */
MF_API int mf_tags_replace(const char *root, const char *flow, const char *run_id, const char *const *remove,
                           const char *const *add, char *errbuf, size_t errsize);
MF_API int mf_tags_add(const char *root, const char *flow, const char *run_id, const char *const *tags,
                       char *errbuf, size_t errsize);
MF_API int mf_tags_remove(const char *root, const char *flow, const char *run_id, const char *const *tags,
                          char *errbuf, size_t errsize);
/* 0 when `tag` is a valid tag, else MF_EINVAL with the reason in errbuf. */
MF_API int mf_tag_check(const char *tag, char *errbuf, size_t errsize);

#ifdef __cplusplus
}
#endif
#endif /* METAFLOW_H */
