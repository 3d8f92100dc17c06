/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_slurm.c - what Slurm's commands print, as the Slurm executor reads it
 * (sbatch --parsable, squeue lines, scontrol records and config, sacct lines,
 * the wrapper's exit files): every parser gets the same bytes, must stay
 * within them, and what it accepts must be consistent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metaflow.h"
#include "slurm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A heap copy of exactly `size` bytes, so ASan sees any read past the end. */
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    uint64_t id;
    if (mf__slurm_parse_jobid(text, size, &id) == 0 && id == 0)
        abort();
    int64_t v;
    if (mf__slurm_config_int(text, size, "MaxArraySize", &v) == 0 && v < 0)
        abort();
    struct mf_slurm_qrow row;
    if (mf__slurm_parse_squeue_line(text, size, &row) == 0) {
        if (row.job == 0 || row.nranges > 8 || (row.array && row.nranges == 0) || strlen(row.state) == 0)
            abort();
        for (size_t i = 0; i < row.nranges; i++)
            if (row.lo[i] > row.hi[i] || !mf__slurm_qrow_has(&row, row.job, row.lo[i]))
                abort();
    }
    struct mf_slurm_jobinfo ji;
    if (mf__slurm_parse_job_record(text, size, 3, &ji) == 0 && strlen(ji.state) >= sizeof(ji.state))
        abort();
    if (mf__slurm_parse_sacct(text, size, "12_3", &ji) == 0 && strlen(ji.reason) >= sizeof(ji.reason))
        abort();
    int st;
    char sig[8], job[32];
    if (mf__slurm_parse_exit_file(text, size, &st, sig, job) == 0 &&
        (st < 0 || st > 255 || strlen(sig) > 7 || strlen(job) > 31))
        abort();
    free(text);
    return 0;
}
