/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codec_warm.c - one round trip through the codec of a value holding every
 * kind of item and every head width, for the fork server to make before it
 * forks any task (exec_fork.c).
 *
 * Why: libcbor is a shared library (Debian ships no static archive), bound
 * lazily whatever our own program's -z now says, and its encoder and
 * decoder call their helpers (_cbor_load_uint16, _cbor_encode_uint32, ...)
 * through its PLT. Each helper's first call in a process looks the symbol
 * up and writes libcbor's GOT. A forked task that is first to call one pays
 * the lookup and a copy-on-write fault of the GOT page, so every task paid
 * for the same few bindings. Made once in the server, the bindings are
 * inherited by every task (about ten page faults and their lookups less per
 * task: see the commit that added this file).
 */
#include <stdint.h>
#include <string.h>

#include "codec.h"
#include "util/buf.h"

/* Integers whose heads take 1, 2, 3, 5 and 9 bytes, each sign. */
static const int64_t widths[] = { 1, 24, 256, 65536, INT64_C(4294967296) };

static int add_ints(mf_value *list)
{
    for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
        if (mf_value_list_push(list, mf_value_int(widths[i])) || mf_value_list_push(list, mf_value_int(-widths[i])))
            return -1;
    return 0;
}

/* A map of each kind of item: ints, a double, text and bytes with short
 * and long heads, null, both booleans, a typed array, a list and a map. */
static mf_value *sample(void)
{
    static const double f64s[2] = { 0.5, -1.0 };
    char text[300]; /* a two-byte length head; text holds no NUL */
    memset(text, 'w', sizeof(text));
    mf_value *m = mf_value_map(), *list = mf_value_list();
    if (!m || !list) {
        mf_value_free(m);
        mf_value_free(list);
        return NULL;
    }
    int bad = add_ints(list);
    bad |= mf_value_map_put(m, "ints", list); /* takes the list in every case */
    bad |= mf_value_map_put(m, "double", mf_value_double(0.25));
    bad |= mf_value_map_put(m, "short", mf_value_str("s"));
    bad |= mf_value_map_put(m, "long", mf_value_strn(text, sizeof(text)));
    bad |= mf_value_map_put(m, "bytes", mf_value_bytes(text, sizeof(text)));
    bad |= mf_value_map_put(m, "null", mf_value_null());
    bad |= mf_value_map_put(m, "true", mf_value_bool(true));
    bad |= mf_value_map_put(m, "false", mf_value_bool(false));
    bad |= mf_value_map_put(m, "f64s", mf_value_array(MF_F64S, f64s, 2));
    bad |= mf_value_map_put(m, "map", mf_value_map());
    if (bad) {
        mf_value_free(m);
        return NULL;
    }
    return m;
}

int mf__codec_warm(void)
{
    const size_t last = sizeof(widths) / sizeof(widths[0]) * 2 - 1;
    struct mf_err err = MF_ERR_INIT;
    struct mf_buf enc = MF_BUF_INIT;
    mf_value *v = sample(), *back = NULL, *item = NULL;
    int64_t i = 0;
    int rc = -1;
    if (!v || mf__value_encode_buf(v, &enc, &err) || mf__value_decode(enc.buf, enc.len, NULL, &back, &err))
        goto out;
    mf__buf_reset(&enc);
    /* the foreach item's path: a list's items stepped over to the one wanted */
    if (mf__value_encode_buf(mf_value_key(v, "ints"), &enc, &err) ||
        mf__value_decode_item(enc.buf, enc.len, last, &item, &err))
        goto out;
    if (mf_value_equal(v, back) && !mf_value_get_int(item, &i) && i == -widths[last / 2])
        rc = 0;
out:
    mf_value_free(v);
    mf_value_free(back);
    mf_value_free(item);
    mf__buf_release(&enc);
    return rc;
}
