/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memo.c - a memoised task's key parts and key (memo.h). The parts are kept
 * as a map of short strings, not hashed together at once, so that an entry
 * can say which part changed since the last one (`cache explain`); values a
 * user may consider secret (environment variables) are stored only hashed.
 */
#include "memo.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "codec.h"
#include "task.h"
#include "util/alloc.h"

/* One part's words in a diff, in the order a person reads them. */
static const struct part_name {
    const char *key, *words;
} part_names[] = {
    { "schema", "the key schema" },      { "flow", "the flow" },
    { "step", "the step" },              { "code", "the program's code" },
    { "salt", "the step's memo_salt" },  { "library", "the metaflow-c version" },
    { "arch", "the machine architecture" }, { "params", "the parameters" },
    { "position", "its place in the splits" }, { "pass", "its loop pass" },
    { "inputs", "the artifacts it starts with" }, { "env", "the environment variables it declared" },
};

/* Appends "NAME\tHASH\n" for each artifact of `ix` but the card, which is
 * how a step is shown, not data a later step computes from. */
static int artifact_lines(const struct mf_index *ix, struct mf_buf *out)
{
    for (size_t i = 0; i < ix->n; i++) {
        if (strcmp(ix->arts[i].name, "_card") == 0)
            continue;
        if (mf__buf_addf(out, "%s\t%s\n", ix->arts[i].name, ix->arts[i].hash))
            return MF_ENOMEM;
    }
    return 0;
}

/* The digest of one task's artifacts into `hex`. */
static int index_digest(struct mf_ds *ds, const char *run, const char *step, const char *task,
                        char hex[MF_HASH_HEX_LEN + 1], struct mf_err *err)
{
    struct mf_index ix;
    struct mf_buf lines = MF_BUF_INIT;
    int rc = mf__ds_read_index(ds, run, step, task, &ix, err);
    if (rc) {
        mf__err_prefix(err, "cannot compute the memo key: ");
        return rc;
    }
    rc = artifact_lines(&ix, &lines) ? mf__err(err, MF_ENOMEM, "out of memory") : 0;
    if (!rc)
        mf__sha256_hex(lines.buf ? lines.buf : "", lines.len, hex);
    mf__index_release(&ix);
    mf__buf_release(&lines);
    return rc;
}

/* The cache, emptied when it belongs to another run; NULL when there is none. */
static struct mf_memo_digests *cache_of(const struct mf_memo_task *task)
{
    struct mf_memo_digests *c = task->cache;
    if (c && strcmp(c->run, task->run_id) != 0) {
        memset(c, 0, sizeof(*c));
        snprintf(c->run, sizeof(c->run), "%s", task->run_id);
    }
    return c;
}

struct inputs_ctx {
    struct mf_ds *ds;
    const char *run;
    struct mf_memo_digests *cache;
    struct mf_buf digests; /* one line per input, in input order */
    struct mf_err *err;
};

static int on_input(void *ctx, const char *step, size_t step_len, uint64_t id)
{
    struct inputs_ctx *c = ctx;
    char name[256], task[32], place[300], hex[MF_HASH_HEX_LEN + 1];
    snprintf(name, sizeof(name), "%.*s", (int)step_len, step);
    snprintf(task, sizeof(task), "%" PRIu64, id);
    snprintf(place, sizeof(place), "%s/%s", name, task);
    int rc = 0;
    if (c->cache && c->cache->input_hex[0] && strcmp(c->cache->input, place) == 0) {
        memcpy(hex, c->cache->input_hex, sizeof(hex));
    } else if ((rc = index_digest(c->ds, c->run, name, task, hex, c->err)) == 0 && c->cache) {
        memcpy(c->cache->input, place, sizeof(place));
        memcpy(c->cache->input_hex, hex, sizeof(hex));
    }
    if (!rc && mf__buf_addf(&c->digests, "%s\n", hex))
        rc = mf__err(c->err, MF_ENOMEM, "out of memory");
    return rc;
}

/* "inputs": the digest of the inputs' digests, in input order. */
static int inputs_part(struct mf_ds *ds, const struct mf_memo_task *task, mf_value *parts, struct mf_err *err)
{
    /* cache_of here too, not only in run_parts: a digest kept for another
     * run's "STEP/ID" must never stand for this run's task of that name. */
    struct inputs_ctx c = { ds, task->run_id, cache_of(task), MF_BUF_INIT, err };
    char hex[MF_HASH_HEX_LEN + 1];
    int rc = task->inputs && *task->inputs ? mf__input_paths_each(task->inputs, on_input, &c, err) : 0;
    if (!rc) {
        mf__sha256_hex(c.digests.buf ? c.digests.buf : "", c.digests.len, hex);
        rc = mf_value_map_put(parts, "inputs", mf_value_str(hex));
    }
    mf__buf_release(&c.digests);
    return rc;
}

/* "env": each declared variable's value, hashed ("unset" when not set). */
static int env_part(const char *names, mf_value *parts)
{
    mf_value *env = mf_value_map();
    int rc = env ? 0 : MF_ENOMEM;
    for (const char *p = names ? names : ""; *p && !rc;) {
        size_t len = strcspn(p, ", ");
        if (len) {
            char name[256], hex[MF_HASH_HEX_LEN + 1];
            snprintf(name, sizeof(name), "%.*s", (int)len, p);
            const char *value = getenv(name);
            if (value)
                mf__sha256_hex(value, strlen(value), hex);
            rc = mf_value_map_put(env, name, mf_value_str(value ? hex : "unset"));
        }
        p += len;
        p += strspn(p, ", ");
    }
    if (rc) {
        mf_value_free(env);
        return rc;
    }
    return mf_value_map_put(parts, "env", env);
}

static int put_str(mf_value *m, const char *key, const char *s)
{
    return mf_value_map_put(m, key, mf_value_str(s ? s : ""));
}

/* The run's parameters' digest and the machine's architecture, from the
 * cache when it has them. */
static int run_parts(struct mf_ds *ds, const struct mf_memo_task *task, char params[MF_HASH_HEX_LEN + 1],
                     char arch[65], struct mf_err *err)
{
    struct mf_memo_digests *c = cache_of(task);
    if (c && c->params[0]) {
        memcpy(params, c->params, MF_HASH_HEX_LEN + 1);
        memcpy(arch, c->arch, 65);
        return 0;
    }
    struct utsname u;
    if (uname(&u) != 0)
        return mf__err(err, MF_EIO, "cannot tell the machine's architecture (uname)");
    snprintf(arch, 65, "%s", u.machine);
    int rc = index_digest(ds, task->run_id, "_parameters", "0", params, err);
    if (!rc && c) {
        memcpy(c->params, params, MF_HASH_HEX_LEN + 1);
        memcpy(c->arch, arch, 65);
    }
    return rc;
}

int mf__memo_parts(struct mf_ds *ds, const struct mf_memo_task *task, mf_value **parts, struct mf_err *err)
{
    char lib[64], params[MF_HASH_HEX_LEN + 1], arch[65];
    mf_value *m = mf_value_map();
    *parts = NULL;
    if (!m)
        return mf__err(err, MF_ENOMEM, "out of memory");
    snprintf(lib, sizeof(lib), "%d.%d.%d", MF_VERSION_MAJOR, MF_VERSION_MINOR, MF_VERSION_PATCH);
    int rc = run_parts(ds, task, params, arch, err);
    if (!rc && (mf_value_map_put(m, "schema", mf_value_int(MF_MEMO_SCHEMA)) || put_str(m, "flow", task->flow) ||
                put_str(m, "step", task->decl->name) || put_str(m, "code", task->code) ||
                put_str(m, "salt", task->decl->memo_salt) || put_str(m, "library", lib) ||
                put_str(m, "arch", arch) || put_str(m, "params", params) ||
                put_str(m, "position", task->position) || mf_value_map_put(m, "pass", mf_value_int(task->pass)) ||
                env_part(task->decl->memo_env, m)))
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    if (!rc)
        rc = inputs_part(ds, task, m, err);
    if (rc) {
        mf_value_free(m);
        return rc == MF_ENOMEM ? mf__err(err, rc, "out of memory") : rc;
    }
    *parts = m;
    return 0;
}

int mf__memo_key(const mf_value *parts, char key[MF_HASH_HEX_LEN + 1], struct mf_err *err)
{
    struct mf_buf enc = MF_BUF_INIT;
    int rc = mf__value_encode_buf(parts, &enc, err);
    if (!rc)
        mf__sha256_hex(enc.buf, enc.len, key);
    mf__buf_release(&enc);
    return rc;
}

/* The names of the environment variables whose hashed values differ. */
static int env_diff(const mf_value *now, const mf_value *before, struct mf_buf *out)
{
    size_t n = mf_value_len(now), m = mf_value_len(before);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const char *name = mf_value_key_at(now, i);
        if (!mf_value_equal(mf_value_key(now, name), mf_value_key(before, name)))
            rc = mf__buf_addf(out, "%s%s", out->len ? ", " : "", name);
    }
    for (size_t i = 0; i < m && !rc; i++) {
        const char *name = mf_value_key_at(before, i);
        if (!mf_value_key(now, name))
            rc = mf__buf_addf(out, "%s%s (no longer declared)", out->len ? ", " : "", name);
    }
    return rc;
}

int mf__memo_diff(const mf_value *now, const mf_value *before, struct mf_buf *out)
{
    bool first = true;
    for (size_t i = 0; i < sizeof(part_names) / sizeof(part_names[0]); i++) {
        const char *k = part_names[i].key;
        const mf_value *a = mf_value_key(now, k), *b = mf_value_key(before, k);
        if ((!a && !b) || (a && b && mf_value_equal(a, b)))
            continue;
        if (mf__buf_addf(out, "%s%s", first ? "" : "; ", part_names[i].words))
            return MF_ENOMEM;
        first = false;
        if (strcmp(k, "env") == 0 && a && b) {
            struct mf_buf names = MF_BUF_INIT;
            int rc = env_diff(a, b, &names);
            if (!rc && names.len)
                rc = mf__buf_addf(out, " (%s)", names.buf);
            mf__buf_release(&names);
            if (rc)
                return MF_ENOMEM;
        }
    }
    return 0;
}
