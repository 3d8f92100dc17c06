/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cas_get.c - reading an object back: decompress (or read) into a buffer
 * placed so that a top-level array lands 8-byte aligned, hash each chunk
 * while it is still in cache, then decode without copying arrays.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cas.h"
#include "cas_impl.h"
#include "codec.h"
#include "util/alloc.h"
#include "value.h"

/* Bytes produced and hashed at a time: small enough to stay in L2. */
#define HASH_CHUNK (256u << 10)
/* Compressed bytes read at a time. */
#define IN_CHUNK (1u << 20)
/* Raw objects from this size on are mapped rather than read: no copy, and
 * no fresh memory to fault in (page cache pages are shared). */
#define MAP_MIN (1u << 20)
/* zstd cannot expand by more than ~32768x (an RLE block of 128 KiB costs 4
 * bytes); a header claiming more is corrupt, not a reason to allocate. */
#define MAX_EXPANSION 65536u

struct reader {
    struct mf_cas *cas;
    int fd;
    const char *path;
    unsigned compression;
    uint64_t file_len;
    uint64_t raw_len;
    uint64_t in_off;   /* file offset of the next payload byte to read */
    unsigned char *in; /* zstd: compressed input buffer, in_cap bytes */
    size_t in_cap;
    ZSTD_inBuffer ib;
    bool frame_done;
    struct mf_err *err;
};

static int corrupt(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int corrupt(struct reader *r, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return mf__err(r->err, MF_ECORRUPT,
                   "object '%s' is corrupt: %s; %s", r->path, what, MF_CAS_FIX);
}

/* Reads up to len bytes at `off`; *got < len only at end of file. */
static int read_at(struct reader *r, void *buf, size_t len, uint64_t off, size_t *got)
{
    *got = 0;
    while (*got < len) {
        ssize_t n = pread(r->fd, (char *)buf + *got, len - *got, (off_t)(off + *got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return mf__err_errno(r->err, MF_EIO, errno, "cannot read object '%s'", r->path);
        if (n == 0)
            break;
        *got += (size_t)n;
    }
    return 0;
}

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static int header_read(struct reader *r)
{
    unsigned char h[MF_OBJ_HEADER_LEN];
    size_t got;
    int rc = read_at(r, h, sizeof(h), 0, &got);
    if (rc)
        return rc;
    if (got < sizeof(h))
        return corrupt(r, "it is truncated to %zu bytes, shorter than its 16-byte header", got);
    if (memcmp(h, MF_OBJ_MAGIC, 4) != 0)
        return corrupt(r, "it does not start with the object magic 'MFOB'");
    if (h[4] != MF_OBJ_VERSION)
        return corrupt(r, "its format version is %u, not %u (written by another version of metaflow-c?)", h[4],
                       MF_OBJ_VERSION);
    if ((h[5] != MF_OBJ_RAW && h[5] != MF_OBJ_ZSTD) || h[6] > MF_OBJ_PAD_MAX || (h[5] == MF_OBJ_ZSTD && h[6]) || h[7])
        return corrupt(r, "its header has unknown compression kind %u, bad padding or non-zero reserved bytes", h[5]);
    r->compression = h[5];
    r->raw_len = 0;
    for (int i = 7; i >= 0; i--)
        r->raw_len = (r->raw_len << 8) | h[8 + i];
    unsigned pad = h[6];
    unsigned char zeros[MF_OBJ_PAD_MAX];
    if (pad && (rc = read_at(r, zeros, pad, MF_OBJ_HEADER_LEN, &got)))
        return rc;
    if (pad && (got < pad || !all_zero(zeros, pad)))
        return corrupt(r, "its header padding is truncated or not zero");
    uint64_t payload = r->file_len - MF_OBJ_HEADER_LEN - pad;
    if (r->raw_len == 0)
        return corrupt(r, "its header gives an empty encoding");
    if (r->compression == MF_OBJ_RAW && r->raw_len != payload)
        return corrupt(r, "its header gives %llu bytes of content but the file holds %llu (truncated?)",
                       (unsigned long long)r->raw_len, (unsigned long long)payload);
    if (r->compression == MF_OBJ_ZSTD && (payload == 0 || r->raw_len / MAX_EXPANSION > payload))
        return corrupt(r, "its header gives %llu bytes of content, impossible from %llu compressed bytes",
                       (unsigned long long)r->raw_len, (unsigned long long)payload);
    if (r->raw_len > SIZE_MAX - 16)
        return corrupt(r, "its content of %llu bytes does not fit in memory", (unsigned long long)r->raw_len);
    r->in_off = MF_OBJ_HEADER_LEN + pad;
    return 0;
}

/* Produces exactly `len` raw bytes from a raw payload. */
static int fill_raw(struct reader *r, unsigned char *out, size_t len)
{
    size_t got;
    int rc = read_at(r, out, len, r->in_off, &got);
    if (rc)
        return rc;
    if (got < len)
        return corrupt(r, "it is shorter than its header says (was it truncated?)");
    r->in_off += len;
    return 0;
}

/* Refills the compressed input; a payload that ends early is truncated. */
static int refill(struct reader *r)
{
    size_t got;
    int rc = read_at(r, r->in, r->in_cap, r->in_off, &got);
    if (rc)
        return rc;
    if (got == 0)
        return corrupt(r, "its zstd frame is truncated");
    r->in_off += got;
    r->ib = (ZSTD_inBuffer){ r->in, got, 0 };
    return 0;
}

/* Produces exactly `len` bytes of a zstd payload. */
static int fill_zstd(struct reader *r, unsigned char *out, size_t len)
{
    ZSTD_outBuffer ob = { out, len, 0 };
    while (ob.pos < len) {
        if (r->frame_done)
            return corrupt(r, "it decompresses to fewer bytes than its header says");
        if (r->ib.pos == r->ib.size) {
            int rc = refill(r);
            if (rc)
                return rc;
        }
        size_t ret = ZSTD_decompressStream(r->cas->dctx, &ob, &r->ib);
        if (ZSTD_isError(ret))
            return corrupt(r, "zstd cannot decompress it: %s", ZSTD_getErrorName(ret));
        r->frame_done = ret == 0;
    }
    return 0;
}

/* After all raw bytes: the frame must end here and the file with it. */
static int finish_zstd(struct reader *r)
{
    unsigned char spare;
    while (!r->frame_done) {
        if (r->ib.pos == r->ib.size) {
            int rc = refill(r);
            if (rc)
                return rc;
        }
        ZSTD_outBuffer ob = { &spare, 1, 0 };
        size_t ret = ZSTD_decompressStream(r->cas->dctx, &ob, &r->ib);
        if (ZSTD_isError(ret))
            return corrupt(r, "zstd cannot decompress it: %s", ZSTD_getErrorName(ret));
        if (ob.pos)
            return corrupt(r, "it decompresses to more bytes than its header says");
        r->frame_done = ret == 0;
    }
    if (r->ib.pos != r->ib.size || r->in_off != r->file_len)
        return corrupt(r, "it has bytes after its zstd frame");
    return 0;
}

static int fill(struct reader *r, unsigned char *out, size_t len)
{
    return r->compression == MF_OBJ_RAW ? fill_raw(r, out, len) : fill_zstd(r, out, len);
}

static void release_buffer(void *base, size_t len)
{
    (void)len;
    mf__free(base);
}

/*
 * Reads the whole encoding into a new buffer (*base, owned by the caller)
 * at *enc, placed so that a top-level typed array's payload is 8-byte
 * aligned, hashing as it goes; the hex of the hash goes to `hex`.
 */
static int load_encoding(struct reader *r, unsigned char **base, unsigned char **enc, char hex[MF_HASH_HEX_LEN + 1])
{
    unsigned char head[16];
    size_t raw_len = (size_t)r->raw_len, head_len = raw_len < sizeof(head) ? raw_len : sizeof(head);
    int rc = fill(r, head, head_len);
    if (rc)
        return rc;
    size_t off = mf__value_payload_offset(head, head_len);
    *base = mf__malloc(raw_len + 8);
    if (!*base)
        return mf__err(r->err, MF_ENOMEM, "out of memory loading object '%s' (%zu bytes)", r->path, raw_len);
    size_t pad = (8 - (((uintptr_t)*base + off) & 7u)) & 7u;
    unsigned char *dst = *enc = *base + pad;
    memcpy(dst, head, head_len);
    if (mf__cas_hash_begin(r->cas) || mf__cas_hash_update(r->cas, dst, head_len))
        return mf__err(r->err, MF_ENOMEM, "out of memory hashing object '%s'", r->path);
    for (size_t done = head_len; done < raw_len;) {
        size_t n = raw_len - done < HASH_CHUNK ? raw_len - done : HASH_CHUNK;
        if ((rc = fill(r, dst + done, n)))
            return rc;
        if (mf__cas_hash_update(r->cas, dst + done, n))
            return mf__err(r->err, MF_ENOMEM, "out of memory hashing object '%s'", r->path);
        done += n;
    }
    if (r->compression == MF_OBJ_ZSTD && (rc = finish_zstd(r)))
        return rc;
    if (mf__cas_hash_end(r->cas, hex))
        return mf__err(r->err, MF_ENOMEM, "out of memory hashing object '%s'", r->path);
    return 0;
}

static void release_mapping(void *base, size_t len) { munmap(base, len); }

/*
 * A large raw object is used in place: the file is mapped copy-on-write
 * (a stray write to a loaded array cannot reach the store) and hashed.
 * Objects are immutable, so nothing truncates the file under the mapping
 * (see docs/format.md). *map (of r->file_len bytes) is the caller's.
 */
static int map_encoding(struct reader *r, void **map, unsigned char **enc, char hex[MF_HASH_HEX_LEN + 1])
{
    size_t len = (size_t)r->file_len, raw_len = (size_t)r->raw_len;
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, r->fd, 0);
    if (m == MAP_FAILED)
        return mf__err_errno(r->err, MF_EIO, errno, "cannot map object '%s'", r->path);
    *map = m;
    posix_madvise(m, len, POSIX_MADV_SEQUENTIAL);
    *enc = (unsigned char *)m + r->in_off;
    if (mf__cas_hash_begin(r->cas))
        return mf__err(r->err, MF_ENOMEM, "out of memory hashing object '%s'", r->path);
    for (size_t done = 0; done < raw_len; done += HASH_CHUNK) {
        size_t n = raw_len - done < HASH_CHUNK ? raw_len - done : HASH_CHUNK;
        if (mf__cas_hash_update(r->cas, *enc + done, n))
            return mf__err(r->err, MF_ENOMEM, "out of memory hashing object '%s'", r->path);
    }
    if (mf__cas_hash_end(r->cas, hex))
        return mf__err(r->err, MF_ENOMEM, "out of memory hashing object '%s'", r->path);
    return 0;
}

static int reader_open(struct reader *r, const char *hex)
{
    r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0 && errno == ENOENT)
        return mf__err(r->err, MF_ENOENT, "object '%s' does not exist in '%s'; %s", hex, r->cas->root, MF_CAS_FIX);
    if (r->fd < 0)
        return mf__err_errno(r->err, MF_EIO, errno, "cannot open object '%s'", r->path);
    struct stat st;
    if (fstat(r->fd, &st) != 0)
        return mf__err_errno(r->err, MF_EIO, errno, "cannot stat object '%s'", r->path);
    r->file_len = (uint64_t)st.st_size;
    int rc = header_read(r);
    if (rc || r->compression != MF_OBJ_ZSTD)
        return rc;
    if (!r->cas->dctx && !(r->cas->dctx = ZSTD_createDCtx()))
        return mf__err(r->err, MF_ENOMEM, "out of memory creating a zstd context");
    ZSTD_DCtx_reset(r->cas->dctx, ZSTD_reset_session_only);
    /* No bigger than the payload: most objects are small, and a 1 MiB
     * buffer for each is an mmap and a munmap (glibc's threshold). */
    uint64_t payload = r->file_len > r->in_off ? r->file_len - r->in_off : 1;
    r->in_cap = payload < IN_CHUNK ? (size_t)payload : IN_CHUNK;
    if (!(r->in = mf__malloc(r->in_cap)))
        return mf__err(r->err, MF_ENOMEM, "out of memory loading object '%s'", r->path);
    return 0;
}

/* Loads and verifies object `hex`, then decodes it whole (item NULL) or
 * only list item *item. */
static int get_object(struct mf_cas *cas, const char *hex, const size_t *item, mf_value **out, struct mf_err *err)
{
    struct mf_buf path = MF_BUF_INIT;
    struct reader r = { .cas = cas, .fd = -1, .err = err };
    unsigned char *base = NULL, *enc = NULL;
    void *map = NULL;
    struct mf_blob *blob = NULL;
    char actual[MF_HASH_HEX_LEN + 1];
    int rc = 0;
    *out = NULL;
    if (!mf__is_hash_hex(hex)) {
        rc = mf__err(err, MF_EINVAL, "'%s' is not an object name (64 lower-case hex digits)", hex ? hex : "");
        goto out;
    }
    if (mf__cas_path(cas, hex, &path)) {
        rc = mf__err(err, MF_ENOMEM, "out of memory");
        goto out;
    }
    r.path = path.buf;
    if ((rc = reader_open(&r, hex)))
        goto out;
    bool mapped = r.compression == MF_OBJ_RAW && r.file_len >= MAP_MIN;
    rc = mapped ? map_encoding(&r, &map, &enc, actual) : load_encoding(&r, &base, &enc, actual);
    if (rc)
        goto out;
    if (strcmp(actual, hex) != 0) {
        rc = corrupt(&r, "its content hashes to '%s'", actual);
        goto out;
    }
    blob = mapped ? mf__blob_new(map, (size_t)r.file_len, release_mapping)
                  : mf__blob_new(base, (size_t)r.raw_len + 8, release_buffer);
    if (!blob) {
        rc = mf__err(err, MF_ENOMEM, "out of memory loading object '%s'", r.path);
        goto out;
    }
    base = map = NULL; /* owned by the blob now */
    rc = item ? mf__value_decode_item(enc, (size_t)r.raw_len, *item, out, err)
              : mf__value_decode(enc, (size_t)r.raw_len, blob, out, err);
    if (rc == MF_EPARSE) {
        char why[sizeof(err->msg)];
        snprintf(why, sizeof(why), "%s", err ? err->msg : "");
        rc = corrupt(&r, "its content does not decode (%s)", why);
    }
out:
    mf__blob_unref(blob);
    mf__free(base);
    if (map)
        munmap(map, (size_t)r.file_len);
    mf__free(r.in);
    if (r.fd >= 0)
        close(r.fd);
    mf__buf_release(&path);
    return rc;
}

int mf__cas_get(struct mf_cas *cas, const char *hex, mf_value **out, struct mf_err *err)
{
    return get_object(cas, hex, NULL, out, err);
}

int mf__cas_get_item(struct mf_cas *cas, const char *hex, size_t index, mf_value **out, struct mf_err *err)
{
    return get_object(cas, hex, &index, out, err);
}

/* A raw object's payload is hashed through mappings of at most this many
 * bytes (a multiple of any page size), each unmapped before the next: the
 * pages of a mapped file count in the process's RSS, so one mapping of a
 * 100 MiB object doubled the peak of a task that stored the same bytes
 * again (dedup put verifies the object it reuses). */
#define HASH_WINDOW ((off_t)8 << 20)

static int hash_raw_windows(struct reader *r)
{
    off_t begin = (off_t)r->in_off, end = begin + (off_t)r->raw_len;
    for (off_t w = begin - begin % HASH_WINDOW; w < end; w += HASH_WINDOW) {
        size_t span = (size_t)(end - w < HASH_WINDOW ? end - w : HASH_WINDOW);
        void *m = mmap(NULL, span, PROT_READ, MAP_PRIVATE, r->fd, w);
        if (m == MAP_FAILED)
            return mf__err_errno(r->err, MF_EIO, errno, "cannot map object '%s'", r->path);
        posix_madvise(m, span, POSIX_MADV_SEQUENTIAL);
        size_t skip = w < begin ? (size_t)(begin - w) : 0;
        int bad = mf__cas_hash_update(r->cas, (unsigned char *)m + skip, span - skip);
        munmap(m, span);
        if (bad)
            return mf__err(r->err, MF_ENOMEM, "out of memory hashing object '%s'", r->path);
    }
    return 0;
}

/* Hashes the payload of an open object in chunks without keeping it: the
 * mapping of a raw object, or zstd output through one reusable buffer. */
static int hash_payload(struct reader *r, char hex[MF_HASH_HEX_LEN + 1])
{
    if (mf__cas_hash_begin(r->cas))
        return mf__err(r->err, MF_ENOMEM, "out of memory hashing object '%s'", r->path);
    if (r->compression == MF_OBJ_RAW) {
        int rc = hash_raw_windows(r);
        if (rc)
            return rc;
    } else {
        unsigned char *chunk = mf__malloc(HASH_CHUNK);
        int rc = chunk ? 0 : mf__err(r->err, MF_ENOMEM, "out of memory verifying object '%s'", r->path);
        for (uint64_t done = 0; !rc && done < r->raw_len;) {
            size_t n = r->raw_len - done < HASH_CHUNK ? (size_t)(r->raw_len - done) : HASH_CHUNK;
            rc = fill_zstd(r, chunk, n);
            if (!rc && mf__cas_hash_update(r->cas, chunk, n))
                rc = mf__err(r->err, MF_ENOMEM, "out of memory hashing object '%s'", r->path);
            done += n;
        }
        mf__free(chunk);
        if (!rc)
            rc = finish_zstd(r);
        if (rc)
            return rc;
    }
    if (mf__cas_hash_end(r->cas, hex))
        return mf__err(r->err, MF_ENOMEM, "out of memory hashing object '%s'", r->path);
    return 0;
}

int mf__cas_verify(struct mf_cas *cas, const char *hex, uint64_t *raw_len, struct mf_err *err)
{
    struct mf_buf path = MF_BUF_INIT;
    struct reader r = { .cas = cas, .fd = -1, .err = err };
    char actual[MF_HASH_HEX_LEN + 1];
    int rc = 0;
    if (raw_len)
        *raw_len = 0;
    if (!mf__is_hash_hex(hex)) {
        rc = mf__err(err, MF_EINVAL, "'%s' is not an object name (64 lower-case hex digits)", hex ? hex : "");
        goto out;
    }
    if (mf__cas_path(cas, hex, &path)) {
        rc = mf__err(err, MF_ENOMEM, "out of memory");
        goto out;
    }
    r.path = path.buf;
    if ((rc = reader_open(&r, hex)) || (rc = hash_payload(&r, actual)))
        goto out;
    if (strcmp(actual, hex) != 0) {
        rc = corrupt(&r, "its content hashes to '%s'", actual);
        goto out;
    }
    if (raw_len)
        *raw_len = r.raw_len;
out:
    mf__free(r.in);
    if (r.fd >= 0)
        close(r.fd);
    mf__buf_release(&path);
    return rc;
}
