/* SPDX-License-Identifier: Apache-2.0 */
/* test_slurm.c - the Slurm executor's pieces that need no cluster: parsing
 * sbatch/squeue/scontrol/sacct output, classifying submission errors, and the
 * batch wrapper script run by /bin/sh (quoting, array index dispatch, exit
 * file written atomically, also when the shell gets TERM or USR2). */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "check.h"
#include "metaflow.h"
#include "slurm.h"
#include "util/buf.h"
#include "util/fsutil.h"

#define S(lit) lit, sizeof(lit) - 1

TEST(test_jobid)
{
    uint64_t id = 0;
    CHECK_EQ_INT(mf__slurm_parse_jobid(S("12345\n"), &id), 0);
    CHECK_EQ_INT(id, 12345);
    CHECK_EQ_INT(mf__slurm_parse_jobid(S("77;cluster1\n"), &id), 0);
    CHECK_EQ_INT(id, 77);
    CHECK_EQ_INT(mf__slurm_parse_jobid(S("Submitted batch job 12\n"), &id), MF_EPARSE);
    CHECK_EQ_INT(mf__slurm_parse_jobid(S(""), &id), MF_EPARSE);
    CHECK_EQ_INT(mf__slurm_parse_jobid(S("0\n"), &id), MF_EPARSE);
    CHECK_EQ_INT(mf__slurm_parse_jobid(S("99999999999999999999999\n"), &id), MF_EPARSE);
}

TEST(test_config)
{
    const char text[] = "Configuration data as of ...\nMaxArraySize            = 51\nMaxJobCount             = 20\n"
                        "MinJobAge               = 300 sec\nMaxArraySizeX = 3\n";
    int64_t v = 0;
    CHECK_EQ_INT(mf__slurm_config_int(S(text), "MaxArraySize", &v), 0);
    CHECK_EQ_INT(v, 51);
    CHECK_EQ_INT(mf__slurm_config_int(S(text), "MinJobAge", &v), 0);
    CHECK_EQ_INT(v, 300);
    CHECK_EQ_INT(mf__slurm_config_int(S(text), "Nope", &v), MF_ENOENT);
    CHECK_EQ_INT(mf__slurm_config_int(S("MaxArraySize = x\n"), "MaxArraySize", &v), MF_EPARSE);
}

TEST(test_squeue)
{
    struct mf_slurm_qrow r;
    CHECK_EQ_INT(mf__slurm_parse_squeue_line(S("12|RUNNING|None\n"), &r), 0);
    CHECK_EQ_INT(r.job, 12);
    CHECK(!r.array);
    CHECK_EQ_STR(r.state, "RUNNING");
    CHECK_EQ_STR(r.reason, "None");
    CHECK(mf__slurm_qrow_has(&r, 12, -1));
    CHECK(!mf__slurm_qrow_has(&r, 13, -1));
    CHECK_EQ_INT(mf__slurm_parse_squeue_line(S("40_7|COMPLETING|None"), &r), 0);
    CHECK(r.array && mf__slurm_qrow_has(&r, 40, 7) && !mf__slurm_qrow_has(&r, 40, 8));
    CHECK_EQ_INT(mf__slurm_parse_squeue_line(S("40_[8-199%16]|PENDING|JobArrayTaskLimit"), &r), 0);
    CHECK(mf__slurm_qrow_has(&r, 40, 8) && mf__slurm_qrow_has(&r, 40, 199) && !mf__slurm_qrow_has(&r, 40, 7));
    CHECK_EQ_STR(r.reason, "JobArrayTaskLimit");
    CHECK_EQ_INT(mf__slurm_parse_squeue_line(S("5_[1,3-4]|PENDING|Priority"), &r), 0);
    CHECK(mf__slurm_qrow_has(&r, 5, 1) && !mf__slurm_qrow_has(&r, 5, 2) && mf__slurm_qrow_has(&r, 5, 4));
    CHECK_EQ_INT(mf__slurm_parse_squeue_line(S("5_[1,3-4|PENDING|Priority"), &r), MF_EPARSE);
    CHECK_EQ_INT(mf__slurm_parse_squeue_line(S("5_[4-3]|PENDING|x"), &r), MF_EPARSE);
    CHECK_EQ_INT(mf__slurm_parse_squeue_line(S("JOBID|STATE|REASON"), &r), MF_EPARSE);
    CHECK_EQ_INT(mf__slurm_parse_squeue_line(S("12|RUNNING"), &r), MF_EPARSE);
}

TEST(test_job_record)
{
    const char text[] = "JobId=41 ArrayJobId=40 ArrayTaskId=1 JobName=mf JobState=COMPLETED Reason=None ExitCode=0:0\n"
                        "JobId=42 ArrayJobId=40 ArrayTaskId=2 JobName=mf JobState=TIMEOUT Reason=TimeLimit "
                        "Dependency=(null) ExitCode=0:15\n";
    struct mf_slurm_jobinfo ji;
    CHECK_EQ_INT(mf__slurm_parse_job_record(S(text), 2, &ji), 0);
    CHECK_EQ_STR(ji.state, "TIMEOUT");
    CHECK_EQ_STR(ji.reason, "TimeLimit");
    CHECK_EQ_INT(ji.exit_signal, 15);
    CHECK_EQ_INT(mf__slurm_parse_job_record(S(text), -1, &ji), 0);
    CHECK_EQ_STR(ji.state, "COMPLETED");
    CHECK_EQ_INT(mf__slurm_parse_job_record(S(text), 9, &ji), MF_ENOENT);
    CHECK_EQ_INT(mf__slurm_parse_job_record(S("slurm_load_jobs error: Invalid job id specified\n"), -1, &ji), MF_ENOENT);
    const char sacct[] = "12|COMPLETED|None|0:0\n12_3|CANCELLED by 0|None|0:15\n13|OUT_OF_MEMORY|OutOfMemory|0:125\n";
    CHECK_EQ_INT(mf__slurm_parse_sacct(S(sacct), "12_3", &ji), 0);
    CHECK_EQ_STR(ji.state, "CANCELLED");
    CHECK_EQ_INT(mf__slurm_parse_sacct(S(sacct), "13", &ji), 0);
    CHECK_EQ_STR(ji.state, "OUT_OF_MEMORY");
    CHECK_EQ_INT(ji.exit_signal, 125);
    CHECK_EQ_INT(mf__slurm_parse_sacct(S(sacct), "1", &ji), MF_ENOENT);
}

TEST(test_transient)
{
    CHECK(mf__slurm_transient("sbatch: error: Batch job submission failed: Resource temporarily unavailable"));
    CHECK(mf__slurm_transient("sbatch: error: Socket timed out on send/recv operation"));
    CHECK(mf__slurm_transient("sbatch: error: Slurm temporarily unable to accept job, sleeping and retrying"));
    CHECK(!mf__slurm_transient("sbatch: error: Batch job submission failed: Invalid partition name specified"));
    CHECK(!mf__slurm_transient("sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified"));
}

/* A pending reason no wait ends fails the task; waiting for resources, priority or a node does not. */
TEST(test_never_runs)
{
    CHECK(mf__slurm_never_runs("PartitionNodeLimit") != NULL);
    CHECK(mf__slurm_never_runs("PartitionTimeLimit") != NULL);
    CHECK(mf__slurm_never_runs("Resources") == NULL);
    CHECK(mf__slurm_never_runs("Priority") == NULL);
    CHECK(mf__slurm_never_runs("ReqNodeNotAvail") == NULL);
    CHECK(mf__slurm_never_runs("JobArrayTaskLimit") == NULL);
    CHECK(mf__slurm_never_runs("") == NULL);
}

TEST(test_exit_file)
{
    int st = -1;
    char sig[8], job[32];
    CHECK_EQ_INT(mf__slurm_parse_exit_file(S("0 \n"), &st, sig, job), 0);
    CHECK_EQ_INT(st, 0);
    CHECK_EQ_STR(sig, "");
    CHECK_EQ_STR(job, "");
    CHECK_EQ_INT(mf__slurm_parse_exit_file(S("143 USR2\n"), &st, sig, NULL), 0);
    CHECK_EQ_INT(st, 143);
    CHECK_EQ_STR(sig, "USR2");
    CHECK_EQ_INT(mf__slurm_parse_exit_file(S("3  12_7\n"), &st, sig, job), 0); /* no signal, an array task */
    CHECK_EQ_INT(st, 3);
    CHECK_EQ_STR(sig, "");
    CHECK_EQ_STR(job, "12_7");
    CHECK_EQ_INT(mf__slurm_parse_exit_file(S("143 TERM 40.2\n"), &st, sig, job), 0); /* a job step */
    CHECK_EQ_STR(sig, "TERM");
    CHECK_EQ_STR(job, "40.2");
    CHECK_EQ_INT(mf__slurm_parse_exit_file(S("0  12;x\n"), &st, sig, job), MF_EPARSE);
    CHECK_EQ_INT(mf__slurm_parse_exit_file(S("3"), &st, sig, job), MF_EPARSE);
    CHECK_EQ_INT(mf__slurm_parse_exit_file(S("300 \n"), &st, sig, job), MF_EPARSE);
    CHECK_EQ_INT(mf__slurm_parse_exit_file(S("1 TERMINATED\n"), &st, sig, job), MF_EPARSE);
}

/* Writes a script for `n` tasks (task i: sh -c CODE[i]) into DIR/job.sh; as a
 * job array's (`array`), with the tasks in files of their own under DIR/tasks. */
static void write_script_as(const char *dir, const char *const *code, size_t n, bool array)
{
    struct mf_slurm_script_task t[4];
    char *argv[4][4];
    static char paths[4][3][300];
    for (size_t i = 0; i < n; i++) {
        argv[i][0] = (char *)"/bin/sh";
        argv[i][1] = (char *)"-c";
        argv[i][2] = (char *)code[i];
        argv[i][3] = NULL;
        snprintf(paths[i][0], 300, "%s/t%zu it's.out", dir, i);
        snprintf(paths[i][1], 300, "%s/t%zu.err", dir, i);
        snprintf(paths[i][2], 300, "%s/t%zu.exit", dir, i);
        t[i] = (struct mf_slurm_script_task){ argv[i], paths[i][0], paths[i][1], paths[i][2] };
    }
    struct mf_buf b = MF_BUF_INIT, path = MF_BUF_INIT;
    struct mf_err err = MF_ERR_INIT;
    if (array) {
        char tdir[320];
        snprintf(tdir, sizeof(tdir), "%s/tasks", dir);
        for (size_t i = 0; i < n; i++) {
            CHECK_EQ_INT(mf__slurm_task_file(&b, &t[i], &err), 0);
            CHECK_EQ_INT(mf__buf_addf(&path, "%s/%zu", tdir, i), 0);
            CHECK_EQ_INT(mf__write_atomic(path.buf, b.buf, b.len, 0, &err), 0);
            mf__buf_reset(&b);
            mf__buf_reset(&path);
        }
        CHECK_EQ_INT(mf__slurm_array_script(&b, tdir, &err), 0);
        CHECK(!strstr(b.buf, "/bin/sh' '-c'")); /* no task's command line in the array's own script */
    } else {
        CHECK_EQ_INT(mf__slurm_script(&b, t, n, &err), 0);
    }
    CHECK_EQ_INT(mf__buf_addf(&path, "%s/job.sh", dir), 0);
    CHECK_EQ_INT(mf__write_atomic(path.buf, b.buf, b.len, 0, &err), 0);
    mf__buf_release(&b);
    mf__buf_release(&path);
}

static void write_script(const char *dir, const char *const *code, size_t n) { write_script_as(dir, code, n, false); }

static char *slurp(const char *dir, const char *name)
{
    static char text[4096];
    char path[400];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

/* Runs DIR/job.sh for array index `id`; returns the shell's pid. */
static pid_t run_script_id(const char *dir, const char *id)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        char script[300];
        snprintf(script, sizeof(script), "%s/job.sh", dir);
        setenv("SLURM_ARRAY_TASK_ID", id, 1);
        setenv("SLURM_ARRAY_JOB_ID", "40", 1); /* the exit file names the array task: "40_IDX" */
        setenv("SLURM_JOB_ID", "41", 1);
        unsetenv("SLURM_STEP_ID");
        execl("/bin/sh", "sh", script, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static pid_t run_script(const char *dir, int idx)
{
    char id[16];
    snprintf(id, sizeof(id), "%d", idx);
    return run_script_id(dir, id);
}

static int wait_status(pid_t pid)
{
    int st = 0;
    CHECK(waitpid(pid, &st, 0) == pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Two tasks every script form must run alike: output and exit status, with
 * quoting that a shell would otherwise expand. */
#define TASK0_CODE "echo \"zero $0\"; echo oops >&2; exit 0"
#define TASK1_CODE "printf '%s\\n' 'one '\\''quoted'\\'' $HOME `x`'; exit 3"

/* Runs elements 0 and 1 of the script in `dir` and checks what they left. */
static void check_two_tasks(const char *dir)
{
    CHECK_EQ_INT(wait_status(run_script(dir, 0)), 0);
    CHECK_EQ_INT(wait_status(run_script(dir, 1)), 3);
    CHECK_EQ_STR(slurp(dir, "t0 it's.out"), "zero /bin/sh\n");
    CHECK_EQ_STR(slurp(dir, "t0.err"), "oops\n");
    CHECK_EQ_STR(slurp(dir, "t0.exit"), "0  40_0\n");
    CHECK_EQ_STR(slurp(dir, "t1 it's.out"), "one 'quoted' $HOME `x`\n");
    CHECK_EQ_STR(slurp(dir, "t1.exit"), "3  40_1\n");
}

TEST(test_script_runs_each_index)
{
    const char *dir = mf_test_fresh_dir("slurm");
    const char *code[] = { TASK0_CODE, TASK1_CODE };
    write_script(dir, code, 2);
    check_two_tasks(dir);
    CHECK_EQ_INT(wait_status(run_script(dir, 7)), 2);
}

/* Waits until the step has started (its pid file exists), then signals the batch shell. */
static void signal_when_started(const char *dir, pid_t shell, int sig)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/started", dir);
    for (int i = 0; i < 500 && !mf__path_exists(path); i++)
        nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
    CHECK(mf__path_exists(path));
    kill(shell, sig);
}

TEST(test_script_term)
{
    const char *dir = mf_test_fresh_dir("slurm");
    char code[600];
    snprintf(code, sizeof(code), "touch '%s/started'; sleep 30 & wait", dir);
    const char *codes[] = { code };
    write_script(dir, codes, 1);
    pid_t sh = run_script(dir, 0);
    signal_when_started(dir, sh, SIGTERM);
    CHECK_EQ_INT(wait_status(sh), 143);
    CHECK_EQ_STR(slurp(dir, "t0.exit"), "143 TERM 40_0\n");
}

TEST(test_script_usr2_then_step_exits)
{
    /* A step that handles TERM itself and exits 5: its own status is kept. */
    const char *dir = mf_test_fresh_dir("slurm");
    char code[600];
    snprintf(code, sizeof(code), "trap 'exit 5' TERM; touch '%s/started'; while :; do sleep 0.05; done", dir);
    const char *codes[] = { code };
    write_script(dir, codes, 1);
    pid_t sh = run_script(dir, 0);
    signal_when_started(dir, sh, SIGUSR2);
    CHECK_EQ_INT(wait_status(sh), 5);
    CHECK_EQ_STR(slurp(dir, "t0.exit"), "5 USR2 40_0\n");
}

TEST(test_script_killed_step)
{
    const char *dir = mf_test_fresh_dir("slurm");
    const char *codes[] = { "kill -KILL $$" };
    write_script(dir, codes, 1);
    CHECK_EQ_INT(wait_status(run_script(dir, 0)), 137);
    CHECK_EQ_STR(slurp(dir, "t0.exit"), "137  40_0\n");
}

/* A step that succeeded and wrote its own exit file (as cmd_step.c does, named by MF_EXIT_FILE) keeps it:
 * the wrapper starts no mv. One that wrote "0" but exited 3 gets the wrapper's own file, the true status. */
TEST(test_script_step_writes_exit_file)
{
    const char *dir = mf_test_fresh_dir("slurm");
    const char *codes[] = { "printf '0  %s (mine)\\n' \"$MF_EXIT_JOB\" >\"$MF_EXIT_FILE\"; exit 0",
                            "printf '0  %s (mine)\\n' \"$MF_EXIT_JOB\" >\"$MF_EXIT_FILE\"; exit 3" };
    write_script(dir, codes, 2);
    CHECK_EQ_INT(wait_status(run_script(dir, 0)), 0);
    CHECK_EQ_STR(slurp(dir, "t0.exit"), "0  40_0 (mine)\n");
    CHECK_EQ_INT(wait_status(run_script(dir, 1)), 3);
    CHECK_EQ_STR(slurp(dir, "t1.exit"), "3  40_1\n");
}

/* A job array's script reads its element's task from that task's own file: the same
 * outcomes as the inline script, and an index that is no task (out of range, or not
 * digits, as a path would be) ends with status 2, running nothing. */
TEST(test_array_script_task_files)
{
    const char *dir = mf_test_fresh_dir("slurm");
    char code[600];
    snprintf(code, sizeof(code), "touch '%s/started'; sleep 30 & wait", dir);
    const char *codes[] = { TASK0_CODE, TASK1_CODE,
                            "printf '0  %s (mine)\\n' \"$MF_EXIT_JOB\" >\"$MF_EXIT_FILE\"; exit 0", code };
    write_script_as(dir, codes, 4, true);
    check_two_tasks(dir);
    CHECK_EQ_INT(wait_status(run_script(dir, 2)), 0);
    CHECK_EQ_STR(slurp(dir, "t2.exit"), "0  40_2 (mine)\n");
    pid_t sh = run_script(dir, 3);
    signal_when_started(dir, sh, SIGTERM);
    CHECK_EQ_INT(wait_status(sh), 143);
    CHECK_EQ_STR(slurp(dir, "t3.exit"), "143 TERM 40_3\n");
    CHECK_EQ_INT(wait_status(run_script(dir, 7)), 2);
    CHECK_EQ_INT(wait_status(run_script_id(dir, "../tasks/0")), 2);
    CHECK_EQ_INT(wait_status(run_script_id(dir, "1x")), 2);
}

/* Runs DIR/job.sh --gang as rank `rank` of a step on `nodes`, started by an
 * srun on `launch` (address 10.1.2.3); returns the shell's exit status. */
static int run_gang(const char *dir, int rank, const char *nodes, const char *launch)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        char script[300], id[16];
        snprintf(script, sizeof(script), "%s/job.sh", dir);
        snprintf(id, sizeof(id), "%d", rank);
        setenv("SLURM_PROCID", id, 1);
        setenv("SLURM_STEP_NODELIST", nodes, 1);
        setenv("MF_SLURM_LAUNCH_NODE", launch, 1);
        setenv("SLURM_LAUNCH_NODE_IPADDR", "10.1.2.3", 1);
        setenv("SLURM_JOB_ID", "41", 1);
        setenv("SLURM_STEP_ID", "2", 1);
        unsetenv("SLURM_ARRAY_TASK_ID");
        unsetenv("SLURM_ARRAY_JOB_ID");
        unsetenv("MF_PARALLEL_MAIN_IP");
        execl("/bin/sh", "sh", script, "--gang", (char *)NULL);
        _exit(127);
    }
    return wait_status(pid);
}

TEST(test_script_gang_main_ip)
{
    /* Rank i runs task i; every rank is told the address of rank 0's node, the step's first. */
    const char *dir = mf_test_fresh_dir("slurm");
    const char *codes[] = { "echo \"0 $MF_PARALLEL_MAIN_IP\"", "echo \"1 $MF_PARALLEL_MAIN_IP\"" };
    write_script(dir, codes, 2);
    /* srun runs on rank 0's node: its own address for that node (a hostlist's first name) */
    CHECK_EQ_INT(run_gang(dir, 1, "n[01-03,05],m", "n01"), 0);
    CHECK_EQ_STR(slurp(dir, "t1 it's.out"), "1 10.1.2.3\n");
    CHECK_EQ_STR(slurp(dir, "t1.exit"), "0  41.2\n");
    /* ... or elsewhere: the first node's name resolved */
    CHECK_EQ_INT(run_gang(dir, 0, "localhost,n[1-2]", "n1"), 0);
    CHECK_EQ_STR(slurp(dir, "t0 it's.out"), "0 127.0.0.1\n");
    CHECK_EQ_INT(run_gang(dir, 1, "n[7,9]", "n7"), 0);
    CHECK_EQ_STR(slurp(dir, "t1 it's.out"), "1 10.1.2.3\n1 10.1.2.3\n");
}

/* Renames a new file DIR/NAME.tmp into DIR/NAME, as the step and the wrapper publish an exit file. */
static void publish(const char *dir, const char *name)
{
    char path[400];
    struct mf_err err = MF_ERR_INIT;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    CHECK_EQ_INT(mf__write_atomic(path, "0  1\n", 5, 0, &err), 0);
}

/* Counts the changed-folder news of mf__slurm_watch_wait, keeping the last watch named. */
struct changes {
    int n, last_wd;
};

static void note_change(void *ctx, int wd)
{
    struct changes *c = ctx;
    c->n++;
    c->last_wd = wd;
}

/* The wait between rounds ends when a file is renamed into a watched folder (an exit file,
 * a task's index) or written there (a log), naming the folder's watch; events queued before
 * the wait count; a folder no longer watched does not end it. Without a watch, waiting is
 * sleeping. A test folder is on this host's own filesystem; /proc, like NFS, is not one
 * whose every change a watch sees. */
TEST(test_watch_changes)
{
    struct changes c = { 0, 0 };
    CHECK_EQ_INT(mf__slurm_watch_wait(-1, 0.01, note_change, &c), 0);
    CHECK(!mf__slurm_watch_local("/proc"));
    CHECK(!mf__slurm_watch_local("/no/such/folder"));
#if defined(__linux__)
    const char *dir = mf_test_fresh_dir("slurm");
    CHECK(mf__slurm_watch_local(dir));
    int fd = mf__slurm_watch_open();
    CHECK(fd >= 0);
    int wd = mf__slurm_watch_add(fd, dir);
    CHECK(wd >= 0);
    CHECK_EQ_INT(mf__slurm_watch_wait(fd, 0.02, note_change, &c), 0);
    CHECK_EQ_INT(c.n, 0);
    publish(dir, "0.exit");
    CHECK_EQ_INT(mf__slurm_watch_wait(fd, 60, note_change, &c), 1); /* at once: 0 only after a minute */
    CHECK(c.n >= 1);
    CHECK_EQ_INT(c.last_wd, wd);
    CHECK_EQ_INT(mf__slurm_watch_wait(fd, 0.02, note_change, &c), 0); /* those events were taken */
    char log[400];
    snprintf(log, sizeof(log), "%s/0.stdout", dir);
    FILE *f = fopen(log, "a");
    CHECK(f != NULL);
    c.n = 0;
    fputs("a line\n", f);
    fflush(f);
    CHECK_EQ_INT(mf__slurm_watch_wait(fd, 60, NULL, NULL), 1); /* a log written: no callback is fine */
    fputs("another\n", f);
    fclose(f);
    CHECK_EQ_INT(mf__slurm_watch_wait(fd, 60, note_change, &c), 1);
    CHECK(c.n >= 1);
    CHECK_EQ_INT(c.last_wd, wd);
    mf__slurm_watch_rm(fd, wd);
    c.n = 0;
    publish(dir, "1.exit");
    CHECK_EQ_INT(mf__slurm_watch_wait(fd, 0.05, note_change, &c), 0);
    CHECK_EQ_INT(c.n, 0);
    mf__slurm_watch_close(fd);
#endif
}

TEST(test_quote)
{
    struct mf_buf b = MF_BUF_INIT;
    CHECK_EQ_INT(mf__slurm_quote(&b, "a'b c"), 0);
    CHECK_EQ_STR(b.buf, "'a'\\''b c'");
    mf__buf_release(&b);
}

TEST(test_cmd_runs_argv)
{
    struct mf_slurm_out r;
    struct mf_err err = MF_ERR_INIT;
    char *argv[] = { (char *)"sh", (char *)"-c", (char *)"echo out; echo err >&2; exit 4", NULL };
    CHECK_EQ_INT(mf__slurm_cmd(argv, 10, &r, &err), 0);
    CHECK_EQ_INT(r.status, 4);
    CHECK_EQ_STR(r.out.buf, "out\n");
    CHECK_EQ_STR(r.err.buf, "err\n");
    mf__slurm_out_release(&r);
    char *missing[] = { (char *)"mf-no-such-command-xyz", NULL };
    CHECK_EQ_INT(mf__slurm_cmd(missing, 10, &r, &err), MF_ENOENT);
    CHECK_CONTAINS(err.msg, "not found on PATH");
    mf__slurm_out_release(&r);
    char *slow[] = { (char *)"sleep", (char *)"5", NULL };
    CHECK_EQ_INT(mf__slurm_cmd(slow, 0.2, &r, &err), MF_ETIMEDOUT);
    mf__slurm_out_release(&r);
}

TESTS_BEGIN
T(test_jobid) T(test_config) T(test_squeue) T(test_job_record) T(test_transient) T(test_never_runs) T(test_exit_file)
T(test_script_runs_each_index) T(test_script_term) T(test_script_usr2_then_step_exits) T(test_script_killed_step) T(test_script_step_writes_exit_file)
T(test_script_gang_main_ip) T(test_array_script_task_files) T(test_watch_changes)
T(test_quote) T(test_cmd_runs_argv)
TESTS_END
