/* SPDX-License-Identifier: Apache-2.0 */
/* test_params.c - parameter parsing per type (exact messages), resolving a
 * run's values, linting declarations and the `run --help` layout. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "metaflow.h"
#include "params.h"

/* The tables below list every field of mf_param positionally as it was before
 * separator and binary were added (both default to off). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "util/buf.h"

static const mf_param P_STR = { "country", MF_PARAM_STR, NULL, NULL, false };
static const mf_param P_INT = { "n", MF_PARAM_INT, NULL, NULL, false };
static const mf_param P_DOUBLE = { "alpha", MF_PARAM_DOUBLE, NULL, NULL, false };
static const mf_param P_BOOL = { "flag", MF_PARAM_BOOL, NULL, NULL, false };
static const mf_param P_JSON = { "gdp", MF_PARAM_JSON, NULL, NULL, false };

static mf_value *accept(const mf_param *p, const char *text)
{
    struct mf_err err = MF_ERR_INIT;
    mf_value *v = NULL;
    int rc = mf__param_parse(p, text, &v, &err);
    if (rc != 0)
        fprintf(stderr, "'%s' refused: %s\n", text, err.msg);
    CHECK_EQ_INT(rc, 0);
    CHECK(v != NULL);
    return v;
}

/* The message of a refused value (static storage). */
static const char *refuse(const mf_param *p, const char *text)
{
    static struct mf_err err;
    mf_value *v = NULL;
    err = (struct mf_err)MF_ERR_INIT;
    CHECK(mf__param_parse(p, text, &v, &err) < 0);
    CHECK(v == NULL);
    return err.msg;
}

static void accept_int(const char *text, int64_t want)
{
    mf_value *v = accept(&P_INT, text);
    int64_t got = 0;
    CHECK_EQ_INT(mf_value_type(v), MF_INT);
    CHECK_EQ_INT(mf_value_get_int(v, &got), 0);
    CHECK(got == want);
    mf_value_free(v);
}

static void accept_double(const char *text, double want)
{
    mf_value *v = accept(&P_DOUBLE, text);
    double got = 0;
    CHECK_EQ_INT(mf_value_type(v), MF_DOUBLE);
    CHECK_EQ_INT(mf_value_get_double(v, &got), 0);
    CHECK(got == want);
    mf_value_free(v);
}

static void accept_bool(const char *text, bool want)
{
    mf_value *v = accept(&P_BOOL, text);
    bool got = !want;
    CHECK_EQ_INT(mf_value_get_bool(v, &got), 0);
    CHECK(got == want);
    mf_value_free(v);
}

TEST(int_accepts)
{
    accept_int("0", 0);
    accept_int("42", 42);
    accept_int("-17", -17);
    accept_int("+5", 5);
    accept_int("007", 7);
    accept_int("9223372036854775807", INT64_MAX);
    accept_int("-9223372036854775808", INT64_MIN);
}

TEST(int_refuses)
{
    const char *not_int = "expected an integer (int), e.g. --n 10";
    const char *bad[] = { "", "abc", "1.5", "12x", " 12", "12 ", "-", "+", "1e3", "0x10", "1_000", "--1" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_CONTAINS(refuse(&P_INT, bad[i]), not_int);
    CHECK_EQ_STR(refuse(&P_INT, "abc"), "invalid value 'abc' for parameter 'n': expected an integer (int), e.g. --n 10");
    CHECK_EQ_STR(refuse(&P_INT, "9223372036854775808"),
                 "invalid value '9223372036854775808' for parameter 'n': expected an integer (int) between "
                 "-9223372036854775808 and 9223372036854775807, e.g. --n 10");
    CHECK_CONTAINS(refuse(&P_INT, "-9223372036854775809"), "between -9223372036854775808");
    CHECK_CONTAINS(refuse(&P_INT, "99999999999999999999999"), "between");
    /* junk after an overflowing number is junk, not an overflow */
    CHECK_CONTAINS(refuse(&P_INT, "99999999999999999999999x"), not_int);
}

TEST(double_accepts)
{
    accept_double("0.5", 0.5);
    accept_double("-2", -2.0);
    accept_double("1e-3", 1e-3);
    accept_double(".25", 0.25);
    accept_double("+3.", 3.0);
    accept_double("1e-400", 0.0); /* underflow is still a finite number */
}

TEST(double_refuses)
{
    CHECK_EQ_STR(refuse(&P_DOUBLE, "abc"),
                 "invalid value 'abc' for parameter 'alpha': expected a number (double), e.g. --alpha 0.5");
    const char *bad[] = { "", " 1", "1 ", "1.5x", "0x1p3", "1,5", "e5" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_CONTAINS(refuse(&P_DOUBLE, bad[i]), "expected a number (double), e.g. --alpha 0.5");
    CHECK_EQ_STR(refuse(&P_DOUBLE, "nan"),
                 "invalid value 'nan' for parameter 'alpha': expected a finite number (double), e.g. --alpha 0.5");
    CHECK_CONTAINS(refuse(&P_DOUBLE, "-Infinity"), "expected a finite number (double)");
    CHECK_CONTAINS(refuse(&P_DOUBLE, "1e999"), "expected a finite number (double)");
}

TEST(bool_accepts_any_case)
{
    const char *yes[] = { "true", "TRUE", "True", "yes", "YeS", "1" };
    const char *no[] = { "false", "FALSE", "no", "No", "0" };
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        accept_bool(yes[i], true);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        accept_bool(no[i], false);
}

TEST(bool_refuses)
{
    CHECK_EQ_STR(refuse(&P_BOOL, "maybe"), "invalid value 'maybe' for parameter 'flag': expected a boolean (bool: "
                                           "true/false, yes/no or 1/0), e.g. --flag true");
    const char *bad[] = { "", "t", "y", "2", "truex", " true", "on" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_CONTAINS(refuse(&P_BOOL, bad[i]), "expected a boolean");
}

TEST(str_as_is)
{
    const char *texts[] = { "", "  spaced  ", "h\xc3\xa9", "--looks-like-an-option", "{\"not\": \"json\"}" };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        mf_value *v = accept(&P_STR, texts[i]);
        const char *got = NULL;
        CHECK_EQ_INT(mf_value_get_str(v, &got), 0);
        CHECK_EQ_STR(got, texts[i]);
        mf_value_free(v);
    }
}

TEST(json_accepts)
{
    mf_value *v = accept(&P_JSON, "{\"US\": 1939, \"CA\": [1.5]}");
    int64_t us = 0;
    CHECK_EQ_INT(mf_value_type(v), MF_MAP);
    CHECK_EQ_INT(mf_value_get_int(mf_value_key(v, "US"), &us), 0);
    CHECK_EQ_INT(us, 1939);
    mf_value_free(v);
    v = accept(&P_JSON, "3");
    CHECK_EQ_INT(mf_value_type(v), MF_INT);
    mf_value_free(v);
    v = accept(&P_JSON, "\"text\"");
    CHECK_EQ_INT(mf_value_type(v), MF_STR);
    mf_value_free(v);
}

TEST(json_refuses_with_position)
{
    CHECK_EQ_STR(refuse(&P_JSON, "{\"US\" 1939}"),
                 "invalid value '{\"US\" 1939}' for parameter 'gdp': expected JSON (json), got malformed JSON at "
                 "line 1, column 10: ':' expected near '1939', e.g. --gdp '{\"key\": 1}'");
    CHECK_CONTAINS(refuse(&P_JSON, "{'a': 1}"), "malformed JSON at line 1, column 2: ");
    CHECK_CONTAINS(refuse(&P_JSON, "{\"a\": 1, \"a\": 2}"), "duplicate object key");
    CHECK_CONTAINS(refuse(&P_JSON, ""), "malformed JSON at line 1, column 1");
}

TEST(long_values_are_cut_in_messages)
{
    char text[300];
    memset(text, '7', sizeof(text) - 2);
    text[sizeof(text) - 2] = 'x';
    text[sizeof(text) - 1] = '\0';
    const char *msg = refuse(&P_INT, text);
    CHECK_CONTAINS(msg, "invalid value '7777");
    CHECK_CONTAINS(msg, "777...' for parameter 'n'");
    CHECK(strlen(msg) < 200);
}

TEST(unknown_type_and_null_text)
{
    mf_param odd = { "odd", (mf_param_type)42, NULL, NULL, false };
    CHECK_EQ_STR(refuse(&odd, "1"), "parameter 'odd' has an unknown type (42)");
    CHECK_EQ_STR(refuse(&P_INT, NULL), "missing value for parameter 'n', e.g. --n 10");
}

/* ---- resolve ---- */

static const mf_param FLOW_PARAMS[] = {
    { "alpha", MF_PARAM_DOUBLE, "0.01", "Learning rate", false },
    { "gdp", MF_PARAM_JSON, "{\"US\": 1939}", "Country-GDP Mapping", false },
    { "country", MF_PARAM_STR, NULL, "Choose a country", true },
    { "learning_rate", MF_PARAM_DOUBLE, NULL, NULL, false },
};
static const mf_flow FLOW = { "ParamFlow", NULL, NULL, 0, FLOW_PARAMS, 4 };

static int resolve(const char *const *names, const char *const *texts, size_t n, mf_value **out,
                   struct mf_err *err)
{
    *err = (struct mf_err)MF_ERR_INIT;
    return mf__params_resolve(&FLOW, names, texts, n, out, err);
}

TEST(resolve_defaults_and_given)
{
    const char *names[] = { "country", "--alpha" };
    const char *texts[] = { "US", "0.5" };
    struct mf_err err;
    mf_value *vals = NULL;
    double alpha = 0;
    int64_t us = 0;
    const char *country = NULL;
    CHECK_EQ_INT(resolve(names, texts, 2, &vals, &err), 0);
    CHECK_EQ_INT(mf_value_len(vals), 4);
    CHECK_EQ_INT(mf_value_get_double(mf_value_key(vals, "alpha"), &alpha), 0);
    CHECK(alpha == 0.5);
    CHECK_EQ_INT(mf_value_get_str(mf_value_key(vals, "country"), &country), 0);
    CHECK_EQ_STR(country, "US");
    CHECK_EQ_INT(mf_value_get_int(mf_value_key(mf_value_key(vals, "gdp"), "US"), &us), 0);
    CHECK_EQ_INT(us, 1939);
    /* no value and no default: null */
    CHECK_EQ_INT(mf_value_type(mf_value_key(vals, "learning_rate")), MF_NULL);
    mf_value_free(vals);
}

TEST(resolve_unknown)
{
    const char *names[] = { "--alpah" };
    const char *texts[] = { "1" };
    struct mf_err err;
    mf_value *vals = NULL;
    CHECK_EQ_INT(resolve(names, texts, 1, &vals, &err), MF_EINVAL);
    CHECK(vals == NULL);
    CHECK_EQ_STR(err.msg, "unknown option '--alpah' for run (did you mean '--alpha'?); parameters of this flow: "
                          "--alpha, --gdp, --country, --learning_rate");
    const char *dashed[] = { "learning-rate" };
    CHECK_EQ_INT(resolve(dashed, texts, 1, &vals, &err), MF_EINVAL);
    CHECK_CONTAINS(err.msg, "unknown option '--learning-rate' for run (did you mean '--learning_rate'?)");
    const char *far[] = { "zzzzzz" };
    CHECK_EQ_INT(resolve(far, texts, 1, &vals, &err), MF_EINVAL);
    CHECK_CONTAINS(err.msg, "unknown option '--zzzzzz' for run; parameters of this flow: --alpha");
}

TEST(resolve_no_params)
{
    const mf_flow bare = { "Bare", NULL, NULL, 0, NULL, 0 };
    const char *names[] = { "x" };
    const char *texts[] = { "1" };
    struct mf_err err = MF_ERR_INIT;
    mf_value *vals = NULL;
    CHECK_EQ_INT(mf__params_resolve(&bare, names, texts, 1, &vals, &err), MF_EINVAL);
    CHECK_EQ_STR(err.msg, "unknown option '--x' for run; this flow has no parameters");
    CHECK_EQ_INT(mf__params_resolve(&bare, NULL, NULL, 0, &vals, &err), 0);
    CHECK_EQ_INT(mf_value_type(vals), MF_MAP);
    CHECK_EQ_INT(mf_value_len(vals), 0);
    mf_value_free(vals);
}

TEST(resolve_duplicate)
{
    const char *names[] = { "country", "alpha", "--alpha" };
    const char *texts[] = { "US", "1", "2" };
    struct mf_err err;
    mf_value *vals = NULL;
    CHECK_EQ_INT(resolve(names, texts, 3, &vals, &err), MF_EINVAL);
    CHECK_EQ_STR(err.msg, "option '--alpha' given more than once for run; give it once");
}

TEST(resolve_required_missing)
{
    struct mf_err err;
    mf_value *vals = NULL;
    CHECK_EQ_INT(resolve(NULL, NULL, 0, &vals, &err), MF_EINVAL);
    CHECK(vals == NULL);
    CHECK_EQ_STR(err.msg, "missing required parameter 'country': give it with --country TEXT");

    const mf_param two[] = { { "a", MF_PARAM_INT, NULL, NULL, true }, { "b", MF_PARAM_JSON, NULL, NULL, true } };
    const mf_flow flow = { "F", NULL, NULL, 0, two, 2 };
    err = (struct mf_err)MF_ERR_INIT;
    CHECK_EQ_INT(mf__params_resolve(&flow, NULL, NULL, 0, &vals, &err), MF_EINVAL);
    CHECK_EQ_STR(err.msg, "missing required parameters 'a', 'b': give them with --a INTEGER --b JSON");

    /* a default makes `required` moot, as in Metaflow (lint reports it) */
    const mf_param defaulted[] = { { "a", MF_PARAM_INT, "3", NULL, true } };
    const mf_flow flow2 = { "F", NULL, NULL, 0, defaulted, 1 };
    int64_t a = 0;
    CHECK_EQ_INT(mf__params_resolve(&flow2, NULL, NULL, 0, &vals, &err), 0);
    CHECK_EQ_INT(mf_value_get_int(mf_value_key(vals, "a"), &a), 0);
    CHECK_EQ_INT(a, 3);
    mf_value_free(vals);
}

TEST(resolve_bad_value_and_default)
{
    const char *names[] = { "country", "alpha" };
    const char *texts[] = { "US", "fast" };
    struct mf_err err;
    mf_value *vals = NULL;
    CHECK_EQ_INT(resolve(names, texts, 2, &vals, &err), MF_EPARSE);
    CHECK_EQ_STR(err.msg,
                 "invalid value 'fast' for parameter 'alpha': expected a number (double), e.g. --alpha 0.5");

    const mf_param broken[] = { { "n", MF_PARAM_INT, "ten", NULL, false } };
    const mf_flow flow = { "F", NULL, NULL, 0, broken, 1 };
    err = (struct mf_err)MF_ERR_INIT;
    CHECK_EQ_INT(mf__params_resolve(&flow, NULL, NULL, 0, &vals, &err), MF_EPARSE);
    CHECK_EQ_STR(err.msg,
                 "invalid default 'ten' for parameter 'n': expected an integer (int), e.g. .default_value = \"10\"");
    CHECK(vals == NULL);
}

/* ---- lint ---- */

static int lint(const mf_param *params, size_t n, struct mf_buf *report)
{
    const mf_flow flow = { "F", NULL, NULL, 0, params, n };
    mf__buf_reset(report);
    return mf__params_lint(&flow, report);
}

TEST(lint_clean)
{
    struct mf_buf report = MF_BUF_INIT;
    CHECK_EQ_INT(lint(FLOW_PARAMS, 4, &report), 0);
    CHECK_EQ_STR(report.buf, "");
    mf__buf_release(&report);
}

TEST(lint_names)
{
    struct mf_buf report = MF_BUF_INIT;
    const mf_param bad[] = {
        { "my-param", MF_PARAM_STR, NULL, NULL, false },  { "1st", MF_PARAM_STR, NULL, NULL, false },
        { "", MF_PARAM_STR, NULL, NULL, false },          { NULL, MF_PARAM_STR, NULL, NULL, false },
        { "_private", MF_PARAM_STR, NULL, NULL, false },  { "max_workers", MF_PARAM_INT, NULL, NULL, false },
        { "tag", MF_PARAM_STR, NULL, NULL, false },       { "help", MF_PARAM_BOOL, NULL, NULL, false },
        { "run_id", MF_PARAM_STR, NULL, NULL, false },    { "alpha", MF_PARAM_STR, NULL, NULL, false },
        { "alpha", MF_PARAM_INT, NULL, NULL, false },     { "max_num_splits", MF_PARAM_INT, NULL, NULL, false },
        { "datastore_root", MF_PARAM_STR, NULL, NULL, false }, { "no_sync", MF_PARAM_BOOL, NULL, NULL, false },
    };
    CHECK_EQ_INT(lint(bad, sizeof(bad) / sizeof(bad[0]), &report), 13);
    CHECK_EQ_STR(report.buf,
                 "parameter name 'my-param' is not a valid identifier: use letters, digits and '_', not starting "
                 "with a digit\n"
                 "parameter name '1st' is not a valid identifier: use letters, digits and '_', not starting with a "
                 "digit\n"
                 "parameter #3 has no name; give it one, e.g. 'alpha'\n"
                 "parameter #4 has no name; give it one, e.g. 'alpha'\n"
                 "parameter name '_private' starts with '_', which is reserved for the library; rename it\n"
                 "parameter name 'max_workers' clashes with run's own option '--max-workers'; rename it\n"
                 "parameter name 'tag' clashes with run's own option '--tag'; rename it\n"
                 "parameter name 'help' clashes with run's own option '--help'; rename it\n"
                 "parameter name 'run_id' clashes with run's own option '--run-id'; rename it\n"
                 "parameter 'alpha' is declared more than once; names must be unique\n"
                 "parameter name 'max_num_splits' clashes with run's own option '--max-num-splits'; rename it\n"
                 "parameter name 'datastore_root' clashes with run's own option '--datastore-root'; rename it\n"
                 "parameter name 'no_sync' clashes with run's own option '--no-sync'; rename it\n");
    mf__buf_release(&report);
}

TEST(lint_types_and_defaults)
{
    struct mf_buf report = MF_BUF_INIT;
    const mf_param bad[] = {
        { "kind", (mf_param_type)0, NULL, NULL, false },
        { "n", MF_PARAM_INT, "1.5", NULL, false },
        { "gdp", MF_PARAM_JSON, "{US: 1}", NULL, false },
        { "country", MF_PARAM_STR, "US", NULL, true },
        { "ok", MF_PARAM_BOOL, "yes", NULL, false },
    };
    CHECK_EQ_INT(lint(bad, sizeof(bad) / sizeof(bad[0]), &report), 4);
    CHECK_EQ_STR(report.buf,
                 "parameter 'kind' has an unknown type (0); use MF_PARAM_STR, MF_PARAM_INT, MF_PARAM_DOUBLE, "
                 "MF_PARAM_BOOL, MF_PARAM_JSON or MF_PARAM_FILE\n"
                 "invalid default '1.5' for parameter 'n': expected an integer (int), e.g. .default_value = \"10\"\n"
                 "invalid default '{US: 1}' for parameter 'gdp': expected JSON (json), got malformed JSON at line 1, "
                 "column 3: string or '}' expected near 'US', e.g. .default_value = \"{\\\"key\\\": 1}\"\n"
                 "parameter 'country' is required and also has a default, so 'required' has no effect; drop one "
                 "of the two\n");
    mf__buf_release(&report);
}

TEST(lint_null_table)
{
    struct mf_buf report = MF_BUF_INIT;
    CHECK_EQ_INT(lint(NULL, 2, &report), 1);
    CHECK_EQ_STR(report.buf, "the flow declares 2 parameters but its params table is NULL\n");
    mf__buf_release(&report);
}

/* ---- help ---- */

static char *help_text(const mf_param *params, size_t n)
{
    const mf_flow flow = { "F", NULL, NULL, 0, params, n };
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    CHECK(out != NULL);
    mf__params_help(&flow, out);
    fclose(out);
    return text;
}

TEST(help_layout)
{
    const mf_param params[] = {
        { "alpha", MF_PARAM_DOUBLE, "0.01", "Learning rate", false },
        { "gdp", MF_PARAM_JSON, "{\"US\": 1939}", "Country-GDP Mapping", false },
        { "country", MF_PARAM_STR, NULL, "Choose a country", true },
        { "n", MF_PARAM_INT, "3", NULL, false },
        { "verbose", MF_PARAM_BOOL, NULL, "Say more\nand more", false },
        { "bare", MF_PARAM_STR, NULL, NULL, false },
        { "name", MF_PARAM_STR, "", "Empty default", false },
    };
    char *text = help_text(params, sizeof(params) / sizeof(params[0]));
    CHECK_EQ_STR(text, "Parameters:\n"
                       "  --alpha DOUBLE       Learning rate  [default: 0.01]\n"
                       "  --gdp JSON           Country-GDP Mapping  [default: {\"US\": 1939}]\n"
                       "  --country TEXT       Choose a country  [required]\n"
                       "  --n INTEGER          [default: 3]\n"
                       "  --verbose BOOLEAN    Say more\n"
                       "                       and more\n"
                       "  --bare TEXT\n"
                       "  --name TEXT          Empty default  [default: '']\n");
    free(text);
}

TEST(help_wide_and_very_wide)
{
    const mf_param params[] = {
        { "a", MF_PARAM_INT, NULL, "Short", false },
        { "number_of_epochs", MF_PARAM_INT, "10", "Epochs", false },
        { "an_extremely_long_parameter_name", MF_PARAM_STR, NULL, "Long one", true },
    };
    char *text = help_text(params, sizeof(params) / sizeof(params[0]));
    CHECK_EQ_STR(text, "Parameters:\n"
                       "  --a INTEGER                 Short\n"
                       "  --number_of_epochs INTEGER  Epochs  [default: 10]\n"
                       "  --an_extremely_long_parameter_name TEXT\n"
                       "                              Long one  [required]\n");
    free(text);
}

TEST(help_no_params)
{
    char *text = help_text(NULL, 0);
    CHECK_EQ_STR(text, "");
    free(text);
}

/* Metaflow's separator: a str parameter's text split into a list of str. */
TEST(separator_splits_into_a_list)
{
    const mf_param p = { .name = "names", .type = MF_PARAM_STR, .separator = "::" };
    struct mf_err err = MF_ERR_INIT;
    mf_value *v = NULL;
    CHECK_EQ_INT(mf__param_parse(&p, "a::b::::c", &v, &err), 0);
    char *json = mf_value_to_json(v);
    CHECK_EQ_STR(json, "[\"a\",\"b\",\"\",\"c\"]");
    mf_free(json);
    mf_value_free(v);
    CHECK_EQ_INT(mf__param_parse(&p, "", &v, &err), 0);
    CHECK_EQ_INT((int)mf_value_len(v), 0);
    mf_value_free(v);
    const mf_param bad[] = { { .name = "n", .type = MF_PARAM_INT, .separator = "," },
                             { .name = "b", .type = MF_PARAM_STR, .binary = true } };
    const mf_flow flow = { .name = "F", .params = bad, .nparams = 2 };
    struct mf_buf report = MF_BUF_INIT;
    CHECK_EQ_INT(mf__params_lint(&flow, &report), 2);
    CHECK_CONTAINS(report.buf, "parameter 'n' has a separator but is not MF_PARAM_STR");
    CHECK_CONTAINS(report.buf, "parameter 'b' is binary but not MF_PARAM_FILE");
    mf__buf_release(&report);
}

TEST(unknown_name_checked_alone)
{
    const mf_param ps[] = { { .name = "count", .type = MF_PARAM_INT } };
    const mf_flow flow = { .name = "F", .params = ps, .nparams = 1 };
    struct mf_err err = MF_ERR_INIT;
    CHECK_EQ_INT(mf__params_check_name(&flow, "--count", &err), 0);
    CHECK_EQ_INT(mf__params_check_name(&flow, "cuont", &err), MF_EINVAL);
    CHECK_CONTAINS(err.msg, "unknown option '--cuont' for run (did you mean '--count'?)");
}

TESTS_BEGIN
T(int_accepts)
T(int_refuses)
T(double_accepts)
T(double_refuses)
T(bool_accepts_any_case)
T(bool_refuses)
T(str_as_is)
T(json_accepts)
T(json_refuses_with_position)
T(long_values_are_cut_in_messages)
T(unknown_type_and_null_text)
T(resolve_defaults_and_given)
T(resolve_unknown)
T(resolve_no_params)
T(resolve_duplicate)
T(resolve_required_missing)
T(resolve_bad_value_and_default)
T(lint_clean)
T(lint_names)
T(lint_types_and_defaults)
T(lint_null_table)
T(help_layout)
T(help_wide_and_very_wide)
T(help_no_params)
T(separator_splits_into_a_list)
T(unknown_name_checked_alone)
TESTS_END
