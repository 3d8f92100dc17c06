/* SPDX-License-Identifier: Apache-2.0 */
/* runrec.c - writes the run record (see runrec.h). */
#include "runrec.h"

#include <pwd.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "util/buf.h"
#include "util/fsutil.h"

double mf__epoch_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *user_name(void)
{
    const char *u = getenv("USER");
    if (u && *u)
        return u;
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_name ? pw->pw_name : "unknown";
}

int mf__runrec_write(struct mf_ds *ds, const struct mf_runrec *rec, struct mf_err *err)
{
    struct mf_buf doc = MF_BUF_INIT, path = MF_BUF_INIT;
    mf_value *user = mf_value_str(user_name());
    int rc = mf__buf_addf(&doc, "{\"flow\":\"%s\",\"run_id\":\"%s\",\"status\":\"%s\",\"start\":%.6f,\"end\":%.6f,"
                                "\"tasks_succeeded\":%zu,\"user\":",
                          mf__ds_flow(ds), rec->run_id, rec->status, rec->start, rec->end, rec->tasks);
    if (!rc)
        rc = user ? mf__json_dump(user, &doc) : MF_ENOMEM;
    if (!rc)
        rc = mf__buf_adds(&doc, ",\"parameters\":");
    if (!rc)
        rc = mf__json_dump(rec->params, &doc);
    if (!rc)
        rc = mf__buf_adds(&doc, "}\n");
    if (!rc)
        rc = mf__buf_addf(&path, "%s/%s/%s/run.json", mf__ds_root(ds), mf__ds_flow(ds), rec->run_id);
    if (rc) {
        rc = mf__err(err, MF_ENOMEM, "out of memory");
        goto out;
    }
    rc = mf__write_atomic(path.buf, doc.buf, doc.len, false, err);
out:
    mf_value_free(user);
    mf__buf_release(&doc);
    mf__buf_release(&path);
    return rc;
}
