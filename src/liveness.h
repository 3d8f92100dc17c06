/* SPDX-License-Identifier: Apache-2.0 */
/*
 * liveness.h - is the scheduler of a "running" run still alive?
 *
 * A run's record says "running" until its scheduler writes how it ended. A
 * scheduler that is killed outright (SIGKILL, the OOM killer, a power loss)
 * never writes it. So the record also names the scheduler process: its host,
 * pid and start time. A reader on the same host can then tell a live
 * scheduler from a dead one, or from a newer process that was given the same
 * pid. On another host it cannot tell, and says the run is running.
 */
#ifndef MF_LIVENESS_H
#define MF_LIVENESS_H
#include <stdbool.h>
#include <stdint.h>

#define MF_HOST_MAX 256

/* Names a process: host, pid and start time (clock ticks after boot, from
 * /proc; 0 where the system does not say). */
struct mf_proc_id {
    char host[MF_HOST_MAX];
    int64_t pid;
    int64_t start;
};

/* The calling process. Never fails: what cannot be learnt is left empty/0. */
void mf__proc_id_self(struct mf_proc_id *id);

/* True only when `id` surely no longer runs: it was on this host and no
 * process has its pid, or the one that has it started at another time.
 * False when it runs, or when this host cannot tell (another host, no pid). */
bool mf__proc_id_gone(const struct mf_proc_id *id);

#endif
