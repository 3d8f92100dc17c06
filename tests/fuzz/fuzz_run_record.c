/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_run_record.c - a run's record copy (RUN/_run.json), which `metadata
 * rebuild` puts back into the database: whatever is accepted holds only
 * valid tags and an origin of digits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meta.h"
#include "run_record.h"
#include "fuzz_text.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_tags(char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!v[i] || mf__tag_check(v[i], NULL))
            abort();
    if (v[n])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    struct mf_run_record r;
    if (mf__run_record_parse(text, "fuzz", &r, NULL) == 0) {
        check_tags(r.sys_tags, r.nsys_tags);
        check_tags(r.tags, r.ntags);
        if (r.origin_run_id && (!*r.origin_run_id || strspn(r.origin_run_id, "0123456789") != strlen(r.origin_run_id)))
            abort();
        mf__run_record_release(&r);
    }
    mf__free(text);
    return 0;
}
