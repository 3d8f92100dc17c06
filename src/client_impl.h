/* SPDX-License-Identifier: Apache-2.0 */
/* client_impl.h - the mf_client handle, shared by client.c (flows, runs) and
 * client_task.c (tasks, artifacts, logs). */
#ifndef MF_CLIENT_IMPL_H
#define MF_CLIENT_IMPL_H
#include <stdbool.h>
#include <stddef.h>

#include "meta.h"
#include "metaflow.h"
#include "task_impl.h"

struct mf_client {
    char *root;
    struct mf_meta *meta;
    size_t open_tasks; /* task handles not yet closed */
    char *ns;          /* the namespace: a tag every run read must have; NULL: global (client_ns.c) */
    char ns_seen[320]; /* "FLOW/RUN" last found in it ("" none): a dump's many reads of one run ask once */
    char err[1024];
};

/* Namespaces (client_ns.c). Sets the default namespace of a new client. */
int mf__client_ns_init(mf_client *c, struct mf_err *err);
/* Whether run `r` is in the client's namespace (always, when global). */
bool mf__client_ns_has(const mf_client *c, const struct mf_meta_run *r);
/* MF_ENAMESPACE for run `r`, not in the namespace, with a message naming
 * the namespace, the run's own and how to switch. */
int mf__client_ns_refuse(mf_client *c, const struct mf_meta_run *r);
/* 0 when run FLOW/RUN_ID is in the namespace, or does not exist (the read
 * that follows names what exists); MF_ENAMESPACE, or MF_EDB, otherwise. */
int mf__client_ns_check(mf_client *c, const char *flow, const char *run_id);

/* A client task handle (mf_client_task): the handle, its own flow record
 * (task_api.c reads the flow's name from it) and its client. */
struct client_task {
    struct mf_task t; /* first: an mf_task * of a client handle is a client_task * */
    struct mf_task_root rs; /* t.rs */
    mf_flow flow;
    mf_client *client;
};

/* The input paths the scheduler recorded for the last attempt of
 * RUN/STEP/TASK in the run metadata, into *out (the caller's; "" when none
 * were recorded); the message in c->err. */
int mf__client_meta_inputs(mf_client *c, const char *flow, const char *run, const char *step, const char *task,
                           char **out);

/* A run or task id: 1 to 20 decimal digits. */
bool mf__client_is_id(const char *s);
/* 0, or MF_EINVAL with the message in c->err when `flow` is not a flow name
 * (an identifier: it names a directory under the root). */
/* Sets the client's message (printf-style) and returns `code`: every client error path ends here. */
int mf__client_fail(mf_client *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int mf__client_check_flow(mf_client *c, const char *flow);

/* Splits "RUN/STEP/TASK" (task optional when `need_task` is false) into
 * its parts, validating each; the message says which part is wrong. */
int mf__pathspec_parse(const char *pathspec, bool need_task, char *run, char *step, char *task, size_t size,
                       char *errbuf, size_t errsize);

/* An artifact path "FLOW/RUN/STEP[/TASK]/NAME" (client_read.c), split into
 * its parts; `task` is "" when left out. Each part is non-empty, shorter
 * than MF_ART_PART_MAX and holds no '/'; the client calls check the parts
 * further (names, ids) before any reaches a file path. */
#define MF_ART_PART_MAX 256
struct mf_art_path {
    char flow[MF_ART_PART_MAX], run[MF_ART_PART_MAX], step[MF_ART_PART_MAX], task[MF_ART_PART_MAX],
        name[MF_ART_PART_MAX];
};
int mf__art_path_parse(const char *path, struct mf_art_path *p, char *errbuf, size_t errsize);
#endif
