/* SPDX-License-Identifier: Apache-2.0 */
/*
 * parameter_flow.c - a scalar parameter: `run --alpha 0.5` sets alpha, which
 * every step reads like an artifact (default 0.01).
 */
#include <metaflow.h>
#include <stdio.h>

/*
 * The Python original:
 *
 *   class ParameterFlow(FlowSpec):
 *       alpha = Parameter('alpha',
 *                         help='Learning rate',
 *                         default=0.01)
 *       @step
 *       def start(self):
 *           print('alpha is %f' % self.alpha)
 *           self.next(self.end)
 *       @step
 *       def end(self):
 *           print('alpha is still %f' % self.alpha)
 */

static void start(mf_task *t)
{
    printf("alpha is %f\n", mf_get_double(t, "alpha"));
}

static void end(mf_task *t)
{
    printf("alpha is still %f\n", mf_get_double(t, "alpha"));
}

static const mf_param params[] = {
    { .name = "alpha", .type = MF_PARAM_DOUBLE, .default_value = "0.01", .help = "Learning rate" },
};

static const mf_step steps[] = {
    { .name = "start", .fn = start, .doc = "Print the parameter.", .next = { "end" } },
    { .name = "end", .fn = end, .doc = "The parameter is seen by every step." },
};

static const mf_flow flow = {
    .name = "ParameterFlow",
    .doc = "A scalar parameter, given as --alpha VALUE.",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
};

int main(int argc, char **argv)
{
    return mf_main(&flow, argc, argv);
}
