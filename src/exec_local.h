/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec_local.h - what the local backends share: exec_spawn.c owns the
 * machinery (pipes, poll loop, timeouts, reaping); a backend that starts its
 * children another way (exec_fork.c) hands it a launcher.
 */
#ifndef MF_EXEC_LOCAL_H
#define MF_EXEC_LOCAL_H
#include "exec.h"

/*
 * Starts argv (running `file`, or argv[0] when `file` is NULL) as a new
 * process group that is a child of this process (so
 * waitid/waitpid see it), with stdin from /dev/null, `out_w` on 1 and `err_w`
 * on 2, nothing else of ours open, an empty signal mask and default signal
 * dispositions. `out_w`/`err_w` stay the caller's to close. Returns 0 with
 * `*pid` set, or an errno value (nothing started).
 */
typedef int (*mf__launch_fn)(void *state, const char *file, char *const argv[], int out_w, int err_w, pid_t *pid);

/* The posix_spawn launcher (`state` unused): runs `file`, or argv[0] when
 * `file` is NULL. */
int mf__spawn_child(void *state, const char *file, char *const argv[], int out_w, int err_w, pid_t *pid);

/* A local executor called `name` whose children `launch` starts; it owns
 * `state` from now on (freed with `state_free`, also on failure). */
int mf__exec_local_new(const struct mf_exec_opts *o, const char *name, mf__launch_fn launch, void *state,
                       void (*state_free)(void *state), struct mf_exec **out, struct mf_err *err);
#endif
