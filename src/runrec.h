/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runrec.h - the run record: ROOT/FLOW/RUN/run.json, a small JSON document
 * (status, times, user, parameters) rewritten atomically by the scheduler at
 * the start and at the end of a run. It is the interim run metadata until
 * the SQLite metadata store takes over (docs/format.md).
 */
#ifndef MF_RUNREC_H
#define MF_RUNREC_H
#include <stddef.h>

#include "datastore.h"
#include "metaflow.h"
#include "util/err.h"

struct mf_runrec {
    const char *run_id;
    const char *status; /* "running", "succeeded" or "failed" */
    const mf_value *params;
    double start, end; /* seconds since the epoch; end 0 while running */
    size_t tasks;      /* tasks that succeeded */
};

double mf__epoch_now(void);
int mf__runrec_write(struct mf_ds *ds, const struct mf_runrec *rec, struct mf_err *err);
#endif
