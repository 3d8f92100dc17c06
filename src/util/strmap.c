/* SPDX-License-Identifier: Apache-2.0 */
/* strmap.c - string -> int64 hash map (see strmap.h). */
#include "strmap.h"

#include <string.h>

#include "alloc.h"

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

void mf__strmap_release(struct mf_strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        mf__free(m->keys[i]);
    mf__free(m->keys);
    mf__free(m->vals);
    memset(m, 0, sizeof(*m));
}

static size_t find(const struct mf_strmap *m, const char *key)
{
    size_t i = (size_t)hash_str(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static int grow(struct mf_strmap *m)
{
    struct mf_strmap bigger = { NULL, NULL, m->n, m->cap ? m->cap * 2 : 16 };
    bigger.keys = mf__calloc(bigger.cap, sizeof(*bigger.keys));
    bigger.vals = mf__calloc(bigger.cap, sizeof(*bigger.vals));
    if (!bigger.keys || !bigger.vals) {
        mf__free(bigger.keys);
        mf__free(bigger.vals);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = find(&bigger, m->keys[i]);
        bigger.keys[j] = m->keys[i];
        bigger.vals[j] = m->vals[i];
    }
    mf__free(m->keys);
    mf__free(m->vals);
    *m = bigger;
    return 0;
}

int64_t *mf__strmap_slot(struct mf_strmap *m, const char *key)
{
    if ((m->n + 1) * 4 > m->cap * 3 && grow(m))
        return NULL;
    size_t i = find(m, key);
    if (!m->keys[i]) {
        if (!(m->keys[i] = mf__strdup(key)))
            return NULL;
        m->vals[i] = 0;
        m->n++;
    }
    return &m->vals[i];
}
