/* SPDX-License-Identifier: Apache-2.0 */
/* test_fingerprint.c - the build-time function fingerprints (fingerprint.h)
 * on objects compiled here from variants of one source, and the run-time
 * reading of their table (memo_code.h): what must change a fingerprint,
 * what must not, and the inputs that must be refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buildid.h"
#include "cas.h"
#include "check.h"
#include "fingerprint.h"
#include "memo_code.h"
#include "util/alloc.h"
#include "util/fsutil.h"

static const char base_src[] =
    "#include <stdio.h>\n"
    "/* a comment */\n"
    "static const int table[] = { 1, 2, 3 };\n"
    "int scale = 5;\n"
    "__attribute__((noinline)) static int helper(int x) { return x * 7; }\n"
    "int ping(int n);\n"
    "int pong(int n) { return n > 0 ? ping(n - 1) : 0; }\n"
    "int ping(int n) { return n > 0 ? pong(n - 1) + 1 : 0; }\n"
    "void start(void) { printf(\"%d %s\\n\", helper(table[2] * scale), \"alpha\"); }\n"
    "void other(void) { printf(\"%s\\n\", \"beta\"); }\n"
    "int main(void) { start(); other(); return ping(3); }\n";

/* Writes the base source with `from` replaced by `to` as DIR/NAME/f.c and
 * compiles it there with `flags`; returns the object's path (static). */
static const char *compile(const char *dir, const char *name, const char *from, const char *to, const char *flags)
{
    static char obj[512];
    char cmd[1400], path[512];
    const char *at = strstr(base_src, from);
    CHECK(at != NULL);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    CHECK(mf__mkdirs(path, NULL) == 0);
    snprintf(path, sizeof(path), "%s/%s/f.c", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fprintf(f, "%.*s%s%s", (int)(at - base_src), base_src, to, at + strlen(from));
    fclose(f);
    snprintf(cmd, sizeof(cmd), "cd '%s/%s' && cc -std=c11 -ffunction-sections -fdata-sections %s -c f.c -o f.o",
             dir, name, flags);
    CHECK(system(cmd) == 0);
    snprintf(obj, sizeof(obj), "%s/%s/f.o", dir, name);
    return obj;
}

/* The fingerprint of `fn` in the object at `path` into hex. */
static void fingerprint(const char *path, const char *fn, char hex[65])
{
    struct mf_buf b = MF_BUF_INIT;
    struct mf_err err = MF_ERR_INIT;
    struct mf_fp *fp = mf__fp_new();
    CHECK(fp != NULL);
    CHECK(mf__read_file(path, &b, NULL) == 0);
    CHECK(mf__fp_add(fp, path, (unsigned char *)b.buf, b.len, 0, &err) == 0);
    if (mf__fp_function(fp, fn, NULL, hex, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        CHECK(0);
    }
    mf__fp_free(fp);
    mf__buf_release(&b);
}

struct variant {
    const char *name, *from, *to, *flags;
    int start_same; /* 1: start's fingerprint must not change */
};

TEST(test_variants)
{
    static const struct variant vs[] = {
        { "comment", "a comment", "another comment, longer", "-O2", 1 },
        { "debug", "a comment", "a comment", "-O2 -g", 1 },
        { "other_step", "\"beta\"", "\"gamma, much longer\"", "-O2", 1 },
        { "other_body", "printf(\"%s\\n\", \"beta\")", "puts(\"beta\")", "-O2", 1 },
        { "constant", "x * 7", "x * 8", "-O2", 0 },
        { "body", "x * 7", "x + 7", "-O2", 0 },
        { "string", "\"alpha\"", "\"omega\"", "-O2", 0 },
        { "table", "{ 1, 2, 3 }", "{ 1, 2, 4 }", "-O2", 0 },
        { "global", "scale = 5", "scale = 6", "-O2", 0 },
        { "flag", "a comment", "a comment", "-O1", 0 },
        { "format", "\"%d %s\\n\"", "\"%d %s!\\n\"", "-O2", 0 },
    };
    const char *dir = mf_test_fresh_dir("fp");
    char base[65], hex[65], other_base[65], other[65];
    fingerprint(compile(dir, "base", "a comment", "a comment", "-O2"), "start", base);
    fingerprint(compile(dir, "base2", "a comment", "a comment", "-O2"), "start", hex);
    CHECK_EQ_STR(hex, base); /* the same source in another directory */
    fingerprint(compile(dir, "base", "a comment", "a comment", "-O2"), "other", other_base);
    for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
        const char *o = compile(dir, vs[i].name, vs[i].from, vs[i].to, vs[i].flags);
        fingerprint(o, "start", hex);
        if (vs[i].start_same != (strcmp(hex, base) == 0)) {
            fprintf(stderr, "variant %s: start %s\n", vs[i].name, vs[i].start_same ? "changed" : "did not change");
            CHECK(0);
        }
        if (!strcmp(vs[i].name, "other_step")) { /* and the step edited does change */
            fingerprint(o, "other", other);
            CHECK(strcmp(other, other_base) != 0);
        }
    }
}

TEST(test_cycle)
{
    const char *dir = mf_test_fresh_dir("fpc");
    char a[65], b[65], a2[65], b2[65];
    const char *o = compile(dir, "base", "a comment", "a comment", "-O0");
    fingerprint(o, "ping", a);
    fingerprint(o, "pong", b);
    CHECK(strcmp(a, b) != 0); /* the walk starts at each */
    o = compile(dir, "edit", "pong(n - 1) + 1", "pong(n - 1) + 2", "-O0");
    fingerprint(o, "ping", a2);
    fingerprint(o, "pong", b2);
    CHECK(strcmp(a, a2) != 0);
    CHECK(strcmp(b, b2) != 0); /* pong reaches ping through the cycle */
}

/* Links DIR/NAME/f.o (and `more`) into DIR/NAME/prog; returns its bytes. */
static void link_prog(const char *dir, const char *name, const char *more, struct mf_buf *out)
{
    char cmd[1200], path[512];
    snprintf(cmd, sizeof(cmd), "cd '%s/%s' && cc f.o %s -o prog", dir, name, more);
    CHECK(system(cmd) == 0);
    snprintf(path, sizeof(path), "%s/%s/prog", dir, name);
    CHECK(mf__read_file(path, out, NULL) == 0);
}

TEST(test_table_and_missing_definitions)
{
    const char *dir = mf_test_fresh_dir("fpt");
    char cmd[1200];
    struct mf_buf obj = MF_BUF_INIT, lib = MF_BUF_INIT, prog = MF_BUF_INIT, table = MF_BUF_INIT;
    struct mf_err err = MF_ERR_INIT;
    /* start calls a function defined in a library linked statically */
    const char *o = compile(dir, "p", "void start(void) {", "int extra(int);\nvoid start(void) { extra(1);", "-O2");
    snprintf(cmd, sizeof(cmd), "cd '%s/p' && echo 'int extra(int x) { return x + 1; }' >x.c && cc -c x.c && "
             "ar rc libx.a x.o", dir);
    CHECK(system(cmd) == 0);
    link_prog(dir, "p", "libx.a", &prog);
    CHECK(mf__read_file(o, &obj, NULL) == 0);
    snprintf(cmd, sizeof(cmd), "%s/p/libx.a", dir);
    CHECK(mf__read_file(cmd, &lib, NULL) == 0);

    struct mf_fp *fp = mf__fp_new();
    CHECK(mf__fp_add(fp, "f.o", (unsigned char *)obj.buf, obj.len, 0, &err) == 0);
    CHECK(mf__fp_program(fp, "prog", (unsigned char *)prog.buf, prog.len, &err) == 0);
    CHECK(mf__fp_table(fp, "00", &table, &err) == MF_EINVAL);
    CHECK_CONTAINS(err.msg, "symbol 'extra' is defined in the program");
    CHECK_CONTAINS(err.msg, "pass that object or archive too");
    mf__fp_free(fp);

    fp = mf__fp_new(); /* with the archive counted whole, the table is made */
    mf__buf_reset(&table);
    CHECK(mf__fp_add(fp, "f.o", (unsigned char *)obj.buf, obj.len, 0, &err) == 0);
    CHECK(mf__fp_add(fp, "libx.a", (unsigned char *)lib.buf, lib.len, 1, &err) == 0);
    CHECK(mf__fp_program(fp, "prog", (unsigned char *)prog.buf, prog.len, &err) == 0);
    static const char digest[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    CHECK(mf__fp_table(fp, digest, &table, &err) == 0);
    CHECK_CONTAINS(table.buf, MF_FP_MAGIC "\ncode 0123456789abcdef");
    CHECK_CONTAINS(table.buf, " start\n");
    CHECK_CONTAINS(table.buf, " main\n");
    mf__fp_free(fp);

    /* the run time reads it back only for the program it names */
    struct mf_memo_code mc;
    memset(&mc, 0, sizeof(mc));
    snprintf(mc.whole, sizeof(mc.whole), "%s", "whole");
    static const char other[] = "f0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde";
    CHECK(mf__memo_code_parse(&mc, table.buf, table.len, other) == -1);
    CHECK_CONTAINS(mc.mode, "another build");
    const char *last = strrchr(table.buf, '\n');
    while (last > table.buf && last[-1] != '\n')
        last--; /* the last line's start */
    CHECK(mf__memo_code_parse(&mc, table.buf, (size_t)(last - table.buf) + 20, digest) == -1); /* a cut line */
    CHECK_CONTAINS(mc.mode, "damaged");
    CHECK(mf__memo_code_parse(&mc, table.buf, table.len, digest) == 0);
    CHECK(mc.n >= 4);
    char code[MF_MEMO_CODE_MAX];
    CHECK(!mf__memo_code_step(&mc, NULL, code));
    CHECK_EQ_STR(code, "whole");
    mc.base = (uintptr_t)-1; /* an address the table has, seen from a function pointer */
    mc.base -= (uintptr_t)mc.fns[0].addr;
    mf_step_fn fn = (mf_step_fn)(uintptr_t)-1;
    CHECK(mf__memo_code_step(&mc, fn, code));
    CHECK(strncmp(code, MF_MEMO_CODE_STEP, strlen(MF_MEMO_CODE_STEP)) == 0);
    mf__memo_code_release(&mc);
    mf__buf_release(&obj);
    mf__buf_release(&lib);
    mf__buf_release(&prog);
    mf__buf_release(&table);
}

TEST(test_bad_inputs)
{
    struct mf_err err = MF_ERR_INIT;
    struct mf_fp *fp = mf__fp_new();
    static const unsigned char junk[] = "not an object at all, sorry";
    CHECK(mf__fp_add(fp, "junk.o", junk, sizeof(junk), 0, &err) == MF_ECORRUPT);
    CHECK_CONTAINS(err.msg, "'junk.o' is not an ELF file");
    static const unsigned char ar[] = "!<arch>\nshort";
    CHECK(mf__fp_add(fp, "x.a", ar, sizeof(ar) - 1, 0, &err) == MF_ECORRUPT);
    CHECK_CONTAINS(err.msg, "damaged archive");
    /* a real object cut short: its section table no longer fits */
    const char *dir = mf_test_fresh_dir("fpb");
    struct mf_buf b = MF_BUF_INIT;
    CHECK(mf__read_file(compile(dir, "b", "a comment", "a comment", "-O2"), &b, NULL) == 0);
    CHECK(mf__fp_add(fp, "cut.o", (unsigned char *)b.buf, b.len / 2, 0, &err) == MF_ECORRUPT);
    CHECK(mf__fp_function(fp, "start", NULL, (char[65]){ 0 }, &err) == MF_ENOENT);
    mf__buf_release(&b);
    mf__fp_free(fp);
}

/* What a table must record is the program's share of the code digest, as
 * the tool computes it from the file; the digest is the hash of both shares. */
TEST(test_digest_parts)
{
    char whole[65], prog[65], libs[65], file[65], both[200], hex[65];
    CHECK_EQ_INT(mf__code_digests(whole, prog, libs, NULL), 0);
    CHECK_EQ_INT(mf__code_digest_file("/proc/self/exe", file, NULL), 0);
    CHECK_EQ_STR(prog, file);
    int n = snprintf(both, sizeof(both), "program %s\nlibraries %s\n", prog, libs);
    mf__sha256_hex(both, (size_t)n, hex);
    CHECK_EQ_STR(hex, whole);
    char again[65];
    CHECK_EQ_INT(mf__code_digest(again, NULL), 0);
    CHECK_EQ_STR(again, whole);
    struct mf_err err = MF_ERR_INIT;
    CHECK(mf__code_digest_file("/nonexistent/prog", file, &err) != 0);
    CHECK_CONTAINS(err.msg, "/nonexistent/prog");
}

TESTS_BEGIN
T(test_variants)
T(test_cycle)
T(test_table_and_missing_definitions)
T(test_bad_inputs)
T(test_digest_parts)
TESTS_END
