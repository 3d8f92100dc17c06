/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_param.c - parameter values from the command line. The first byte picks
 * the type (and whether the text is also tried as an option name); the rest
 * is the text. Accepted ints must read back the same through strtoll. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An accepted integer is plain decimal, so the C library agrees on it. */
static void check_int(const char *text, const mf_value *v)
{
    int64_t got = 0;
    if (mf_value_get_int(v, &got) < 0 || strtoll(text, NULL, 10) != got)
        abort();
}

/* The text as a default (lint) and as an option name (resolve). */
static void try_flow(const mf_param *p, const char *text, bool as_name)
{
    const mf_param params[] = { *p, { "learning_rate", MF_PARAM_DOUBLE, "0.1", NULL, false, NULL, false } };
    const mf_flow flow = { "F", NULL, NULL, 0, params, 2 };
    const char *names[] = { as_name ? text : "p" };
    const char *texts[] = { "1" };
    struct mf_buf report = MF_BUF_INIT;
    struct mf_err err = MF_ERR_INIT;
    mf_value *vals = NULL;
    mf__params_lint(&flow, &report);
    mf__buf_release(&report);
    if (mf__params_resolve(&flow, names, texts, 1, &vals, &err) == 0 && mf_value_len(vals) != 2)
        abort();
    mf_value_free(vals);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = mf__strndup((const char *)data + 1, size - 1);
    if (!text)
        return 0;
    /* five value types (not FILE: it reads a file); a str one splits at "," when the high bit is set */
    mf_param p = { "p", (mf_param_type)(MF_PARAM_STR + data[0] % 5), NULL, "help", false,
                   (data[0] & 0x80) ? "," : NULL, false };
    struct mf_err err = MF_ERR_INIT;
    mf_value *v = NULL;
    if (mf__param_parse(&p, text, &v, &err) == 0) {
        if (!v)
            abort();
        if (p.type == MF_PARAM_INT)
            check_int(text, v);
    } else if (v || err.msg[0] == '\0') {
        abort(); /* a refusal always says why and hands nothing back */
    }
    mf_value_free(v);
    p.default_value = text;
    try_flow(&p, text, (data[0] & 0x80) != 0);
    mf__free(text);
    return 0;
}
