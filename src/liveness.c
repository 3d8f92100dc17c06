/* SPDX-License-Identifier: Apache-2.0 */
/* liveness.c - naming a process so that another can tell if it died (see
 * liveness.h). Linux's /proc gives the start time; elsewhere only the pid
 * is compared, which is still right unless the pid was reused. */
#include "liveness.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* Field 22 of /proc/PID/stat, the start time in clock ticks after boot; 0 if
 * unknown. The second field (the command name, in parentheses) may hold
 * spaces and parentheses, so fields are counted from its last ')'. */
static int64_t start_ticks(int64_t pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof(path), "/proc/%lld/stat", (long long)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    size_t n = fread(line, 1, sizeof(line) - 1, f);
    fclose(f);
    line[n] = '\0';
    char *p = strrchr(line, ')');
    for (int field = 2; p && field < 22; field++)
        p = strchr(p + 1, ' ');
    if (!p)
        return 0;
    char *end = NULL;
    long long ticks = strtoll(p + 1, &end, 10);
    return end != p + 1 && ticks > 0 ? (int64_t)ticks : 0;
}

static void this_host(char host[MF_HOST_MAX])
{
    if (gethostname(host, MF_HOST_MAX - 1) != 0)
        host[0] = '\0';
    host[MF_HOST_MAX - 1] = '\0';
}

void mf__proc_id_self(struct mf_proc_id *id)
{
    memset(id, 0, sizeof(*id));
    this_host(id->host);
    id->pid = (int64_t)getpid();
    id->start = start_ticks(id->pid);
}

bool mf__proc_id_gone(const struct mf_proc_id *id)
{
    char host[MF_HOST_MAX];
    if (id->pid <= 0 || !id->host[0])
        return false;
    this_host(host);
    if (strcmp(host, id->host) != 0)
        return false;
    if (kill((pid_t)id->pid, 0) != 0 && errno == ESRCH)
        return true;
    int64_t now = start_ticks(id->pid);
    return id->start > 0 && now > 0 && now != id->start;
}
