/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_parameter_flow.c - a JSON parameter (a country -> GDP map) next to a
 * string parameter: `run --gdp '{"FR": 2700}' --country FR`.
 */
#include <inttypes.h>
#include <metaflow.h>
#include <stdio.h>

/*
 * The Python original:
 *
 *   class JSONParameterFlow(FlowSpec):
 *       gdp = Parameter('gdp',
 *                       help='Country-GDP Mapping',
 *                       type=JSONType,
 *                       default='{"US": 1939}')
 *       country = Parameter('country',
 *                           help='Choose a country',
 *                           default='US')
 *       @step
 *       def start(self):
 *           print('The GDP of %s is $%dB' % (self.country, self.gdp[self.country]))
 *           self.next(self.end)
 *       @step
 *       def end(self):
 *           pass
 */

/* gdp[country] as Python's '%d' would print it: an int, or a float truncated. */
static int64_t gdp_of(mf_task *t, const char *country)
{
    const mf_value *gdp = mf_get(t, "gdp");
    if (mf_value_type(gdp) != MF_MAP)
        mf_fail(t, "parameter 'gdp' is a %s, not a JSON object", mf_type_name(mf_value_type(gdp)));
    const mf_value *v = mf_value_key(gdp, country);
    if (!v)
        mf_fail(t, "country '%s' is not in parameter 'gdp'", country);
    int64_t i = 0;
    double d = 0;
    if (mf_value_get_int(v, &i) == 0)
        return i;
    if (mf_value_get_double(v, &d) == 0 && d > -9.2e18 && d < 9.2e18)
        return (int64_t)d;
    mf_fail(t, "gdp['%s'] is a %s, not a number", country, mf_type_name(mf_value_type(v)));
}

static void start(mf_task *t)
{
    const char *country = mf_get_str(t, "country");
    printf("The GDP of %s is $%" PRId64 "B\n", country, gdp_of(t, country));
}

static void end(mf_task *t)
{
    (void)t;
}

static const mf_param params[] = {
    { .name = "gdp", .type = MF_PARAM_JSON, .default_value = "{\"US\": 1939}", .help = "Country-GDP Mapping" },
    { .name = "country", .type = MF_PARAM_STR, .default_value = "US", .help = "Choose a country" },
};

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "Look the chosen country up in the GDP map.", .next = { "end" } },
    { .name = "end", .fn = end, .doc = "Nothing left to do." },
};

static const mf_flow flow = {
    .name = "JSONParameterFlow",
    .doc = "A JSON parameter: a map given as JSON text on the command line.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
