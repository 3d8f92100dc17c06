/* SPDX-License-Identifier: Apache-2.0 */
/*
 * value.h - the in-memory form of mf_value, shared by value.c (model) and
 * codec.c (encoding). Nothing outside those two files touches the fields.
 */
#ifndef MF_VALUE_H
#define MF_VALUE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metaflow.h"

/* Reference-counted bytes that decoded arrays may point into, so that a
 * loaded 1 GiB array is not copied. Single-threaded (a task is one thread). */
struct mf_blob {
    size_t refs;
    void *base;
    size_t len;
    void (*release)(void *base, size_t len); /* frees base when refs hits 0 */
};

/* Wraps memory from mf__malloc (release = mf__free) with refs = 1. */
struct mf_blob *mf__blob_new(void *base, size_t len, void (*release)(void *base, size_t len));
void mf__blob_ref(struct mf_blob *b);
void mf__blob_unref(struct mf_blob *b);

struct mf_value {
    mf_type type;
    union {
        bool b;
        int64_t i;
        double d;
        struct {
            char *p; /* owned unless blob != NULL; NUL-terminated when owned */
            size_t len;
            struct mf_blob *blob; /* bytes only: the memory p points into */
        } s;
        struct {
            void *data; /* owned unless blob != NULL; 8-byte aligned */
            size_t n;   /* elements */
            struct mf_blob *blob;
        } arr;
        struct {
            struct mf_value **items;
            size_t n, cap;
        } list;
        struct {
            char **keys; /* sorted by strcmp (bytewise), unique */
            struct mf_value **vals;
            size_t n, cap;
        } map;
    } u;
};

/* Element size of an array type; 0 for other types. */
size_t mf__array_elem_size(mf_type t);
bool mf__type_is_array(mf_type t);
/* A new array value that references blob memory (takes a blob reference). */
mf_value *mf__value_array_ref(mf_type t, void *data, size_t n, struct mf_blob *blob);
/* A new bytes value that references blob memory (takes a blob reference).
 * Unlike an owned one, no NUL follows its content. */
mf_value *mf__value_bytes_ref(const void *data, size_t len, struct mf_blob *blob);
/* Values that borrow the caller's memory for as long as they live (a blob
 * that does not own it): what a setter streams to the store without a copy.
 * Elements of `data` need not be aligned: such a value is only encoded. */
mf_value *mf__value_borrow(mf_type t, const void *data, size_t len);
/* The type's name with its article, for messages: "an int", "a str",
 * "bytes", "an f64 array". Static. */
const char *mf__type_a(mf_type type);
/* A new list of copies of the strings v[0..n); NULL when out of memory. */
mf_value *mf__value_str_list(const char *const *v, size_t n);
#endif
