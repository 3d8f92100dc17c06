/* SPDX-License-Identifier: Apache-2.0 */
/* test_strmap.c - the string -> int64 map. */
#include <stdio.h>

#include "check.h"
#include "util/strmap.h"

TEST(counts_and_grows)
{
    struct mf_strmap m = MF_STRMAP_INIT;
    char key[32];
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 5000; i++) {
            snprintf(key, sizeof(key), "step|%d", i);
            int64_t *slot = mf__strmap_slot(&m, key);
            CHECK(slot != NULL);
            CHECK_EQ_INT(*slot, round);
            (*slot)++;
        }
    CHECK_EQ_INT(m.n, 5000);
    CHECK_EQ_INT(*mf__strmap_slot(&m, "step|4999"), 3);
    CHECK_EQ_INT(*mf__strmap_slot(&m, ""), 0);
    mf__strmap_release(&m);
    mf__strmap_release(&m);
}

TESTS_BEGIN
T(counts_and_grows)
TESTS_END
