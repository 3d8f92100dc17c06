/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alloc_fault.h - test-only fault injection into alloc.c, for the
 * allocation-failure sweep (tests/unit/test_oom.c, docs/internals/oom.md).
 * It exists only in builds compiled with MF_FAULT_INJECTION (a second copy
 * of the library objects that only test_oom links): the library proper has
 * no fault state at all.
 *
 * Armed with n, the allocator counts allocations (mf__malloc, mf__calloc,
 * mf__realloc and what is built on them) and makes the nth one from now
 * return NULL; with `sticky`, every one after it fails too, as in a process
 * that has really run out of memory. Not thread-safe: the sweep is
 * single-threaded.
 */
#ifndef MF_UTIL_ALLOC_FAULT_H
#define MF_UTIL_ALLOC_FAULT_H
#ifndef MF_FAULT_INJECTION
#error "alloc_fault.h is for builds with MF_FAULT_INJECTION only"
#endif
#include <stdbool.h>

/* Fails allocation n (1: the next one) and, when sticky, all later ones. */
void mf__fault_arm(unsigned long n, bool sticky);
/* Stops failing; the counts stay readable until the next arm. */
void mf__fault_disarm(void);
/* Allocations failed on purpose since the last arm. */
unsigned long mf__fault_failed(void);
/* Allocations seen since the last arm (failed ones included). */
unsigned long mf__fault_seen(void);
#endif
