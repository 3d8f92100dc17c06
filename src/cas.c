/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cas.c - the content-addressed object store: hashing, writing and reading
 * objects (docs/format.md gives the object file layout and why it is so).
 */
#include "cas.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "cas_impl.h"
#include "codec.h"
#include "sha256.h"
#include "util/alloc.h"
#include "util/fsutil.h"
#include "value.h"

/* An encoding up to this size is kept whole by the hashing pass, so a small
 * object is encoded once and written with one-shot compression. */
#define WHOLE_MAX (1u << 20)
/* Bytes of a large encoding compressed on trial to choose raw or zstd. */
#define SAMPLE_LEN (1u << 20)
/* Output buffer of the streaming writer (one write(2) each). */
#define OUT_CAP (4u << 20)
/* zstd must save at least 1/ZSTD_MIN_SAVING_DIV of the bytes to be worth its
 * decompression time; random doubles save ~5-10% and are stored raw. */
#define ZSTD_MIN_SAVING_DIV 5


/* ------------------------------------------------------------------ */
/* Hashes and names                                                   */
/* ------------------------------------------------------------------ */

static void to_hex(const unsigned char digest[MF_HASH_LEN], char hex[MF_HASH_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < MF_HASH_LEN; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[MF_HASH_HEX_LEN] = '\0';
}

void mf__sha256_hex(const void *data, size_t len, char hex[MF_HASH_HEX_LEN + 1])
{
    unsigned char digest[MF_SHA256_LEN];
    mf__sha256(data, len, digest);
    to_hex(digest, hex);
}

bool mf__is_hash_hex(const char *s)
{
    if (!s)
        return false;
    size_t i = 0;
    for (; s[i]; i++)
        if (i >= MF_HASH_HEX_LEN || !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return i == MF_HASH_HEX_LEN;
}

int mf__cas_hash_begin(struct mf_cas *cas)
{
    mf__sha256_begin(cas->sha256);
    return 0;
}

int mf__cas_hash_update(struct mf_cas *cas, const void *data, size_t len)
{
    mf__sha256_update(cas->sha256, data, len);
    return 0;
}

int mf__cas_hash_end(struct mf_cas *cas, char hex[MF_HASH_HEX_LEN + 1])
{
    unsigned char digest[MF_SHA256_LEN];
    mf__sha256_end(cas->sha256, digest);
    to_hex(digest, hex);
    return 0;
}

int mf__cas_hash(struct mf_cas *cas, const void *data, size_t len, char hex[MF_HASH_HEX_LEN + 1])
{
    int rc = mf__cas_hash_begin(cas);
    if (!rc)
        rc = mf__cas_hash_update(cas, data, len);
    if (!rc)
        rc = mf__cas_hash_end(cas, hex);
    return rc;
}

int mf__cas_path(struct mf_cas *cas, const char *hex, struct mf_buf *out)
{
    return mf__buf_addf(out, "%s/objects/%.2s/%s", cas->root, hex, hex + 2);
}

bool mf__cas_has(struct mf_cas *cas, const char *hex)
{
    struct mf_buf path = MF_BUF_INIT;
    bool has = mf__is_hash_hex(hex) && !mf__cas_path(cas, hex, &path) && mf__path_exists(path.buf);
    mf__buf_release(&path);
    return has;
}

/* ------------------------------------------------------------------ */
/* Open and close                                                     */
/* ------------------------------------------------------------------ */

int mf__cas_open(const char *root, unsigned flags, struct mf_cas **out, struct mf_err *err)
{
    *out = NULL;
    if (!root || !*root)
        return mf__err(err, MF_EINVAL, "the datastore root is empty; give a directory");
    struct mf_cas *cas = mf__calloc(1, sizeof(*cas));
    if (!cas)
        return mf__err(err, MF_ENOMEM, "out of memory");
    mf__buf_init(&cas->stage);
    mf__buf_init(&cas->scratch);
    cas->flags = flags;
    cas->root = mf__strdup(root);
    cas->sha256 = mf__sha256_new();
    if (!cas->root || !cas->sha256) {
        mf__cas_close(cas);
        return mf__err(err, MF_ENOMEM, "out of memory");
    }
    *out = cas;
    return 0;
}

void mf__cas_close(struct mf_cas *cas)
{
    if (!cas)
        return;
    mf__free(cas->root);
    mf__sha256_free(cas->sha256);
    ZSTD_freeCCtx(cas->cctx);
    ZSTD_freeDCtx(cas->dctx);
    mf__buf_release(&cas->stage);
    mf__buf_release(&cas->scratch);
    mf__free(cas);
}

/* ------------------------------------------------------------------ */
/* Object header                                                      */
/* ------------------------------------------------------------------ */

/* Zero bytes after the header of a raw object so that a top-level typed
 * array's payload sits 8-byte aligned in the file: a reader can then map
 * the file and use the array in place. `head` is the encoding's start. */
static unsigned raw_padding(const void *head, size_t len)
{
    size_t off = mf__value_payload_offset(head, len < 16 ? len : 16);
    return off ? (unsigned)((8 - (MF_OBJ_HEADER_LEN + off) % 8) % 8) : 0;
}

/* Fills h[0, MF_OBJ_HEADER_LEN + pad): the header and its padding. */
static size_t header_pack(unsigned char *h, unsigned compression, unsigned pad, uint64_t raw_len)
{
    memcpy(h, MF_OBJ_MAGIC, 4);
    h[4] = MF_OBJ_VERSION;
    h[5] = (unsigned char)compression;
    h[6] = (unsigned char)pad;
    h[7] = 0;
    for (int i = 0; i < 8; i++)
        h[8 + i] = (unsigned char)(raw_len >> (8 * i));
    memset(h + MF_OBJ_HEADER_LEN, 0, pad);
    return MF_OBJ_HEADER_LEN + pad;
}

/* ------------------------------------------------------------------ */
/* Pass 1: the name                                                   */
/* ------------------------------------------------------------------ */

/* Hashes the encoding; keeps it whole in cas->stage while it fits, so that
 * a small object is not encoded twice. */
struct hash_pass {
    struct mf_cas *cas;
    uint64_t total;
    bool spilled; /* the encoding outgrew WHOLE_MAX: stage is a hash buffer */
};

static int hash_sink(void *ctx, const void *data, size_t len)
{
    struct hash_pass *hp = ctx;
    struct mf_buf *stage = &hp->cas->stage;
    hp->total += len;
    if (stage->len + len <= WHOLE_MAX)
        return mf__buf_add(stage, data, len);
    hp->spilled = true;
    int rc = mf__cas_hash_update(hp->cas, stage->buf, stage->len);
    mf__buf_reset(stage);
    if (!rc)
        rc = len >= WHOLE_MAX / 4 ? mf__cas_hash_update(hp->cas, data, len) : mf__buf_add(stage, data, len);
    return rc;
}

static int hash_value(struct mf_cas *cas, const mf_value *v, char hex[MF_HASH_HEX_LEN + 1], struct hash_pass *hp,
                      struct mf_err *err)
{
    *hp = (struct hash_pass){ .cas = cas };
    mf__buf_reset(&cas->stage);
    int rc = mf__cas_hash_begin(cas);
    if (rc)
        return mf__err(err, rc, "out of memory hashing a value");
    rc = mf__value_encode(v, hash_sink, hp, err);
    /* hash_sink's failures carry no message: say what failed */
    if (rc == MF_ENOMEM)
        return mf__err(err, rc, "out of memory hashing a value");
    if (rc)
        return rc;
    rc = mf__cas_hash_update(cas, cas->stage.buf, cas->stage.len);
    if (!rc)
        rc = mf__cas_hash_end(cas, hex);
    if (rc)
        return mf__err(err, rc, "out of memory hashing a value");
    if (hp->spilled)
        mf__buf_reset(&cas->stage);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Pass 2: the file                                                   */
/* ------------------------------------------------------------------ */

static int cctx_ready(struct mf_cas *cas, uint64_t pledged, struct mf_err *err)
{
    if (!cas->cctx && !(cas->cctx = ZSTD_createCCtx()))
        return mf__err(err, MF_ENOMEM, "out of memory creating a zstd context");
    ZSTD_CCtx_reset(cas->cctx, ZSTD_reset_session_and_parameters);
    if (ZSTD_isError(ZSTD_CCtx_setParameter(cas->cctx, ZSTD_c_compressionLevel, MF_CAS_ZSTD_LEVEL)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(cas->cctx, ZSTD_c_checksumFlag, 0)) ||
        ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(cas->cctx, pledged)))
        return mf__err(err, MF_ENOMEM, "cannot set up zstd compression");
    return 0;
}

/* Compresses data into cas->scratch; *use_zstd tells whether that saved
 * enough to be worth it. */
static int trial_compress(struct mf_cas *cas, const void *data, size_t len, bool *use_zstd, struct mf_err *err)
{
    int rc = cctx_ready(cas, len, err);
    if (rc)
        return rc;
    size_t bound = ZSTD_compressBound(len);
    mf__buf_reset(&cas->scratch);
    if (mf__buf_grow(&cas->scratch, bound))
        return mf__err(err, MF_ENOMEM, "out of memory compressing a value");
    size_t n = ZSTD_compress2(cas->cctx, cas->scratch.buf, bound, data, len);
    if (ZSTD_isError(n))
        return mf__err(err, MF_ENOMEM, "cannot compress a value: %s", ZSTD_getErrorName(n));
    cas->scratch.len = n;
    *use_zstd = n < len - len / ZSTD_MIN_SAVING_DIV;
    return 0;
}

/* A small object: the whole encoding is in cas->stage. */
static int write_whole(struct mf_cas *cas, int fd, const char *path, bool raw, struct mf_err *err)
{
    bool use_zstd = false;
    int rc = raw ? 0 : trial_compress(cas, cas->stage.buf, cas->stage.len, &use_zstd, err);
    if (rc)
        return rc;
    unsigned char h[MF_OBJ_HEADER_LEN + MF_OBJ_PAD_MAX];
    unsigned pad = use_zstd ? 0 : raw_padding(cas->stage.buf, cas->stage.len);
    size_t hlen = header_pack(h, use_zstd ? MF_OBJ_ZSTD : MF_OBJ_RAW, pad, cas->stage.len);
    rc = mf__write_all(fd, h, hlen, err, path);
    if (!rc)
        rc = use_zstd ? mf__write_all(fd, cas->scratch.buf, cas->scratch.len, err, path)
                      : mf__write_all(fd, cas->stage.buf, cas->stage.len, err, path);
    return rc;
}

enum { MODE_UNDECIDED, MODE_RAW, MODE_ZSTD };

/* The streaming writer of a large object: the first SAMPLE_LEN bytes are
 * held back until the trial compression chooses raw or zstd. */
struct writer {
    struct mf_cas *cas;
    int fd;
    int mode;
    bool raw; /* stored raw whatever zstd would save (mf__cas_put_raw) */
    const char *path;
    uint64_t raw_len;
    unsigned char *out;
    size_t out_len;
    struct mf_err *err;
};

static int flush_out(struct writer *w)
{
    int rc = mf__write_all(w->fd, w->out, w->out_len, w->err, w->path);
    w->out_len = 0;
    return rc;
}

static int emit_raw(struct writer *w, const unsigned char *data, size_t len)
{
    if (w->out_len + len <= OUT_CAP) {
        memcpy(w->out + w->out_len, data, len);
        w->out_len += len;
        return 0;
    }
    int rc = flush_out(w);
    if (rc)
        return rc;
    if (len >= OUT_CAP / 2)
        return mf__write_all(w->fd, data, len, w->err, w->path);
    memcpy(w->out, data, len);
    w->out_len = len;
    return 0;
}

static int emit_zstd(struct writer *w, const void *data, size_t len, ZSTD_EndDirective end)
{
    ZSTD_inBuffer in = { data, len, 0 };
    for (;;) {
        ZSTD_outBuffer ob = { w->out, OUT_CAP, w->out_len };
        size_t left = ZSTD_compressStream2(w->cas->cctx, &ob, &in, end);
        w->out_len = ob.pos;
        if (ZSTD_isError(left))
            return mf__err(w->err, MF_ENOMEM, "cannot compress '%s': %s", w->path, ZSTD_getErrorName(left));
        if (w->out_len > OUT_CAP - OUT_CAP / 4) {
            int rc = flush_out(w);
            if (rc)
                return rc;
        }
        bool done = end == ZSTD_e_end ? left == 0 : in.pos == in.size;
        if (done)
            return 0;
    }
}

static int emit(struct writer *w, const void *data, size_t len)
{
    return w->mode == MODE_RAW ? emit_raw(w, data, len) : emit_zstd(w, data, len, ZSTD_e_continue);
}

/* Chooses raw or zstd from the held-back sample, writes the header and
 * then the sample itself. */
static int decide(struct writer *w)
{
    struct mf_cas *cas = w->cas;
    bool use_zstd = false;
    int rc = w->raw ? 0 : trial_compress(cas, cas->stage.buf, cas->stage.len, &use_zstd, w->err);
    if (!rc && use_zstd)
        rc = cctx_ready(cas, w->raw_len, w->err);
    if (rc)
        return rc;
    w->mode = use_zstd ? MODE_ZSTD : MODE_RAW;
    unsigned pad = use_zstd ? 0 : raw_padding(cas->stage.buf, cas->stage.len);
    w->out_len = header_pack(w->out, use_zstd ? MF_OBJ_ZSTD : MF_OBJ_RAW, pad, w->raw_len);
    rc = emit(w, cas->stage.buf, cas->stage.len);
    mf__buf_reset(&cas->stage);
    return rc;
}

static int write_sink(void *ctx, const void *data, size_t len)
{
    struct writer *w = ctx;
    struct mf_buf *stage = &w->cas->stage;
    if (w->mode == MODE_UNDECIDED) {
        size_t take = len < SAMPLE_LEN - stage->len ? len : SAMPLE_LEN - stage->len;
        if (mf__buf_add(stage, data, take))
            return mf__err(w->err, MF_ENOMEM, "out of memory writing '%s'", w->path);
        if (stage->len < SAMPLE_LEN)
            return 0;
        int rc = decide(w);
        if (rc)
            return rc;
        data = (const unsigned char *)data + take;
        len -= take;
    }
    return len ? emit(w, data, len) : 0;
}

static int write_streaming(struct mf_cas *cas, const mf_value *v, uint64_t raw_len, int fd, const char *path,
                           bool raw, struct mf_err *err)
{
    struct writer w = { .cas = cas, .fd = fd, .mode = MODE_UNDECIDED, .raw = raw, .path = path, .raw_len = raw_len,
                        .err = err };
    mf__buf_reset(&cas->stage);
    w.out = mf__malloc(OUT_CAP);
    if (!w.out)
        return mf__err(err, MF_ENOMEM, "out of memory writing '%s'", path);
    int rc = mf__value_encode(v, write_sink, &w, err);
    if (!rc && w.mode == MODE_UNDECIDED)
        rc = decide(&w);
    if (!rc && w.mode == MODE_ZSTD)
        rc = emit_zstd(&w, NULL, 0, ZSTD_e_end);
    if (!rc)
        rc = flush_out(&w);
    mf__free(w.out);
    mf__buf_reset(&cas->stage);
    return rc;
}

/*
 * Whether the object already stored under `hex` can be trusted: 0 when it
 * verifies (nothing to write), 1 when it must be written (absent, or
 * corrupt: the new file is renamed over the bad one, atomically), or a
 * negative MF_E* when it cannot be read at all. Its mtime is refreshed
 * first, so that `gc`, which deletes only unnamed objects older than its
 * grace age, does not delete an object this put is about to reuse (gc.c
 * re-checks the mtime after taking the name away).
 */
static int existing_ok(struct mf_cas *cas, const char *hex, const char *path, struct mf_err *err)
{
    if (utimensat(AT_FDCWD, path, NULL, 0) != 0 && errno == ENOENT)
        return 1;
    struct mf_err why = MF_ERR_INIT;
    int rc = mf__cas_verify(cas, hex, NULL, &why);
    if (rc == MF_ENOENT || rc == MF_ECORRUPT)
        return 1;
    if (rc && err)
        *err = why;
    return rc;
}

static int put_object(struct mf_cas *cas, const mf_value *v, bool raw, char hex[MF_HASH_HEX_LEN + 1],
                      uint64_t *encoded_size, struct mf_err *err)
{
    struct mf_buf path = MF_BUF_INIT, tmp = MF_BUF_INIT;
    struct hash_pass hp;
    int fd = -1;
    int rc = hash_value(cas, v, hex, &hp, err);
    if (rc)
        goto out;
    if (encoded_size)
        *encoded_size = hp.total;
    if (mf__cas_path(cas, hex, &path)) {
        rc = mf__err(err, MF_ENOMEM, "out of memory");
        goto out;
    }
    rc = existing_ok(cas, hex, path.buf, err);
    if (rc <= 0)
        goto out; /* deduplicated (0): the same bytes are already stored; or an error */
    rc = 0;
    fd = mf__tmp_open(path.buf, &tmp, err);
    if (fd < 0) {
        rc = fd;
        goto out;
    }
    rc = hp.spilled ? write_streaming(cas, v, hp.total, fd, path.buf, raw, err)
                    : write_whole(cas, fd, path.buf, raw, err);
    if (!rc) {
        /* The name is synced too: an index written after this may name the
         * object, and must never outlive it. */
        rc = mf__tmp_commit(fd, tmp.buf, path.buf, (cas->flags & MF_CAS_SYNC) ? MF_SYNC_DATA | MF_SYNC_NAME : 0, err);
        fd = -1; /* closed (and tmp removed on failure) by mf__tmp_commit */
    }
out:
    if (fd >= 0) {
        close(fd);
        unlink(tmp.buf);
    }
    mf__buf_release(&path);
    mf__buf_release(&tmp);
    return rc;
}

int mf__cas_put(struct mf_cas *cas, const mf_value *v, char hex[MF_HASH_HEX_LEN + 1], uint64_t *encoded_size,
                struct mf_err *err)
{
    return put_object(cas, v, false, hex, encoded_size, err);
}

int mf__cas_put_raw(struct mf_cas *cas, const mf_value *v, char hex[MF_HASH_HEX_LEN + 1], uint64_t *encoded_size,
                    struct mf_err *err)
{
    return put_object(cas, v, true, hex, encoded_size, err);
}
