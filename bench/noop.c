/* SPDX-License-Identifier: Apache-2.0 */
/* noop.c - the smallest program, linked statically: bench_spawn's floor for a
 * process with no dynamic loading at all. */
int main(void) { return 0; }
