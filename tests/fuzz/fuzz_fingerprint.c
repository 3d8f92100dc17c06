/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_fingerprint.c - mf-fingerprint's reading of untrusted objects,
 * archives and programs (fingerprint.c, elf_view.c), and the run time's
 * reading of a fingerprint table (memo_code.c): any bytes either fail with
 * a message or give well-formed results, never a read out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "memo_code.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_hex(const char *hex)
{
    if (strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_fp *fp = mf__fp_new();
    struct mf_buf table = MF_BUF_INIT;
    char hex[65];
    if (!fp)
        return 0;
    if (mf__fp_add(fp, "input", data, size, 0, &err) != 0 && err.msg[0] == '\0')
        abort();
    if (mf__fp_function(fp, "start", NULL, hex, &err) == 0)
        check_hex(hex);
    /* the same bytes as the linked program: its symbols are the addresses */
    if (mf__fp_program(fp, "input", data, size, NULL) == 0 && mf__fp_table(fp, "x", &table, NULL) == 0 &&
        strncmp(table.buf, MF_FP_MAGIC "\n", strlen(MF_FP_MAGIC) + 1) != 0)
        abort();
    mf__buf_release(&table);
    mf__fp_free(fp);

    struct mf_memo_code mc;
    static const char prog[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    memset(&mc, 0, sizeof(mc));
    if (mf__memo_code_parse(&mc, (const char *)data, size, prog) == 0)
        for (size_t i = 0; i < mc.n; i++)
            if ((i && mc.fns[i - 1].addr > mc.fns[i].addr) || strlen(mc.fns[i].fp) != 64)
                abort();
    mf__memo_code_release(&mc);
    return 0;
}
