/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check.h - the unit tests' tiny harness. A test file defines tests with
 * TEST(name) { ... } and ends with TESTS_BEGIN T(test_a) T(test_b) TESTS_END. Each test
 * runs in a forked child (MF_TEST_ONLY=name runs one) so that a crash or a hang fails that test only.
 * CHECK(cond) fails the test with the condition and line; CHECK_EQ_INT,
 * CHECK_EQ_STR and CHECK_CONTAINS say what they saw.
 */
#ifndef MF_TEST_CHECK_H
#define MF_TEST_CHECK_H
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST(name) static void name(void)

/* A new directory /tmp/mf_test_TAG_XXXXXX, removed when the test's process
 * exits (each test is its own process, so each gets its own). */
static char mf_test_dir_[256];
static inline void mf_test_dir_remove(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", mf_test_dir_);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", mf_test_dir_);
}
static inline const char *mf_test_fresh_dir(const char *tag)
{
    snprintf(mf_test_dir_, sizeof(mf_test_dir_), "/tmp/mf_test_%s_XXXXXX", tag);
    if (!mkdtemp(mf_test_dir_)) {
        fprintf(stderr, "cannot create %s\n", mf_test_dir_);
        exit(1);
    }
    atexit(mf_test_dir_remove);
    return mf_test_dir_;
}

#define CHECK(cond)                                                               \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                              \
        }                                                                         \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                          \
    do {                                                                                            \
        long long a_ = (long long)(a), b_ = (long long)(b);                                         \
        if (a_ != b_) {                                                                             \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, a_, b_); \
            exit(1);                                                                                \
        }                                                                                           \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                           \
    do {                                                                                             \
        const char *a_ = (a), *b_ = (b);                                                             \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                                     \
            fprintf(stderr, "%s:%d: %s == %s failed:\n  '%s'\n  '%s'\n", __FILE__, __LINE__, #a, #b, \
                    a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                         \
            exit(1);                                                                                 \
        }                                                                                            \
    } while (0)

#define CHECK_CONTAINS(hay, needle)                                                                     \
    do {                                                                                                \
        const char *h_ = (hay), *n_ = (needle);                                                         \
        if (!h_ || !strstr(h_, n_)) {                                                                   \
            fprintf(stderr, "%s:%d: '%s' does not contain '%s'\n", __FILE__, __LINE__, h_ ? h_ : "(null)", n_); \
            exit(1);                                                                                    \
        }                                                                                               \
    } while (0)

struct mf_test_case {
    const char *name;
    void (*fn)(void);
};

static inline int mf_test_run_all(const struct mf_test_case *cases, size_t n)
{
    int failed = 0;
    const char *only = getenv("MF_TEST_ONLY");
    for (size_t i = 0; i < n; i++) {
        if (only && strcmp(only, cases[i].name) != 0)
            continue;
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            alarm(300); /* a hang guard; the allocation sweeps take over 100 s on a loaded machine */
            cases[i].fn();
            /* exit, not _exit: the leak checker runs at exit */
            exit(0);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
        if (!ok) {
            failed++;
            if (WIFSIGNALED(st))
                fprintf(stderr, "  (killed by signal %d)\n", WTERMSIG(st));
        }
        printf("%s %s\n", ok ? "ok  " : "FAIL", cases[i].name);
    }
    printf("%zu passed, %d failed\n", n - (size_t)failed, failed);
    return failed ? 1 : 0;
}

/* Usage at the end of a test file:
 *   TESTS_BEGIN
 *       T(test_one)
 *       T(test_two)
 *   TESTS_END
 */
#define T(fn) { #fn, fn },
#define TESTS_BEGIN                                  \
    int main(void)                                   \
    {                                                \
        static const struct mf_test_case cases_[] = {
#define TESTS_END                                                           \
    };                                                                      \
    return mf_test_run_all(cases_, sizeof(cases_) / sizeof(cases_[0]));    \
    }
#endif
