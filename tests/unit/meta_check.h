/* SPDX-License-Identifier: Apache-2.0 */
/* meta_check.h - the metadata tests' opener: a handle on ROOT's database,
 * read-write or read-only, that fails the test with the open's message when
 * there is none. Include after check.h. */
#ifndef MF_TEST_META_CHECK_H
#define MF_TEST_META_CHECK_H
#include <stdbool.h>
#include <stdio.h>

#include "meta.h"

static inline struct mf_meta *mf_test_meta_open(const char *root, bool readonly)
{
    struct mf_meta *m = NULL;
    struct mf_err err = MF_ERR_INIT;
    int rc = mf__meta_open(root, readonly, &m, &err);
    if (rc != 0)
        fprintf(stderr, "open: %s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
    return m;
}

/* Most tests write. */
static inline struct mf_meta *open_rw(const char *root) { return mf_test_meta_open(root, false); }
#endif
