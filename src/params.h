/* SPDX-License-Identifier: Apache-2.0 */
/*
 * params.h - flow parameters: typed parsing of their textual values (command
 * line and declared defaults), defaults and required checks, and `run --help`.
 */
#ifndef MF_PARAMS_H
#define MF_PARAMS_H
#include <stdio.h>

#include "metaflow.h"
#include "util/buf.h"
#include "util/err.h"

/* Parses `text` as a value of parameter `p`'s type. int: a decimal int64;
 * double: a finite number; bool: true/false/yes/no/1/0 (any case); json: any
 * JSON; str: as is. On failure MF_EPARSE with a message naming the parameter,
 * the value and the expected type, e.g.
 *   "invalid value 'abc' for parameter 'alpha': expected a number (double), e.g. --alpha 0.5" */
int mf__param_parse(const mf_param *p, const char *text, mf_value **out, struct mf_err *err);

/*
 * Resolves all parameters of `flow` from `n` given (name, text) pairs: each
 * name must be a declared parameter (else MF_EINVAL "unknown parameter
 * '--x'", listing the known ones), given at most once, and parse; absent
 * ones take their default; a required one without a value is an error.
 * `*out` is a MF_MAP name -> value owned by the caller.
 */
int mf__params_resolve(const mf_flow *flow, const char *const *names, const char *const *texts, size_t n,
                       mf_value **out, struct mf_err *err);

/* Checks the declarations themselves (valid unique names, known types,
 * defaults that parse). Called by `check` and before `run`. Appends one line
 * per problem to `report`; returns their count. */
int mf__params_lint(const mf_flow *flow, struct mf_buf *report);

/* Prints the parameters' section of `run --help`: one entry per parameter
 * with its option, type, help, default and whether it is required. */
void mf__params_help(const mf_flow *flow, FILE *out);
#endif
