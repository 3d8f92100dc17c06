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

/* Parses `text` as a value of parameter `p`'s type. int: a decimal int64
 * (optional sign, digits only, overflow refused); double: all of the text
 * through strtod, finite, no hex and no surrounding space; bool:
 * true/false/yes/no/1/0 (any case); json: any JSON (mf__json_parse); str: as
 * is. `*out` is the caller's on success, NULL on failure. On failure MF_EPARSE with a message naming the parameter,
 * the value and the expected type, e.g.
 *   "invalid value 'abc' for parameter 'alpha': expected a number (double), e.g. --alpha 0.5" */
int mf__param_parse(const mf_param *p, const char *text, mf_value **out, struct mf_err *err);

/*
 * Resolves all parameters of `flow` from `n` given (name, text) pairs. A name
 * may keep its leading "--". Names are matched exactly: a parameter
 * `learning_rate` is given as --learning_rate ('_' is not turned into '-').
 * Each name must be a declared parameter (else MF_EINVAL "unknown option
 * '--alpah' for run (did you mean '--alpha'?); parameters of this flow:
 * --alpha"), given at most once (MF_EINVAL), and parse (MF_EPARSE, as
 * mf__param_parse). Absent ones take their default (parsed; a bad default is
 * MF_EPARSE "invalid default ..."), or null when they have none. A required
 * parameter without a default that is not given is MF_EINVAL "missing
 * required parameter 'country': give it with --country TEXT"; with a default,
 * `required` has no effect, as in Metaflow (lint reports it).
 * `*out` is a MF_MAP name -> value owned by the caller; NULL on failure.
 */
int mf__params_resolve(const mf_flow *flow, const char *const *names, const char *const *texts, size_t n,
                       mf_value **out, struct mf_err *err);

/* 0 when `name` (with or without its leading "--") is a parameter of `flow`;
 * else MF_EINVAL "unknown option '--x' for run (did you mean ...)". */
int mf__params_check_name(const mf_flow *flow, const char *name, struct mf_err *err);

/* Checks the declarations themselves: valid identifiers not starting with
 * '_', unique, not one of run's own options (max-workers, max-num-splits,
 * datastore-root, tag, run-id, help, quiet, no-sync, spelled with '_' or
 * '-'), known types, defaults that parse, and no pointless required+default.
 * Called by `check` and before `run`. Appends one line (ending in '\n') per
 * problem to `report`; returns their count, or MF_ENOMEM when out of memory
 * (the report is then incomplete). */
int mf__params_lint(const mf_flow *flow, struct mf_buf *report);

/* Prints the parameters' section of `run --help`: "Parameters:" then one
 * line per parameter, aligned, e.g.
 *   --alpha DOUBLE       Learning rate  [default: 0.01]
 *   --country TEXT       Choose a country  [required]
 * Prints nothing for a flow without parameters. */
void mf__params_help(const mf_flow *flow, FILE *out);
#endif
