/* SPDX-License-Identifier: Apache-2.0 */
/* test_buildid.c - the run's build id: the linker's note read from memory,
 * and the file hash used when a program has no note. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buildid.h"
#include "cas.h"
#include "check.h"

/* What binutils says this program's build id is ("" if it has none). */
static void readelf_build_id(char *out, size_t size)
{
    char exe[512], cmd[600];
    out[0] = '\0';
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    snprintf(cmd, sizeof(cmd), "readelf -n '%s' 2>/dev/null", exe); /* not /proc/self: that is the shell */
    FILE *p = popen(cmd, "r");
    if (!p)
        return;
    char line[512];
    while (fgets(line, sizeof(line), p))
        if (sscanf(line, " Build ID: %200s", out) == 1)
            break;
    pclose(p);
    (void)size;
}

TEST(note_is_the_linkers)
{
    char id[MF_BUILD_ID_MAX], want[256];
    readelf_build_id(want, sizeof(want));
    if (!want[0]) {
        printf("  (no readelf or no note: skipped)\n");
        return;
    }
    CHECK_EQ_INT(mf__build_id_note(id), 0);
    CHECK(strncmp(id, "gnu:", 4) == 0);
    CHECK_EQ_STR(id + 4, want);
    char full[MF_BUILD_ID_MAX];
    mf__build_id("/nonexistent", full); /* the note wins: the file is not read */
    CHECK_EQ_STR(full, id);
}

TEST(file_hash_without_note)
{
    const char *dir = mf_test_fresh_dir("buildid");
    char path[512], id[MF_BUILD_ID_MAX], want[MF_HASH_HEX_LEN + 1];
    snprintf(path, sizeof(path), "%s/prog", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    fputs("not an elf file", f);
    fclose(f);
    mf__build_id_file(path, id);
    mf__sha256_hex("not an elf file", 15, want);
    CHECK_EQ_STR(id, want);
    mf__build_id_file("/nonexistent/prog", id);
    CHECK_EQ_STR(id, "unknown");
}

TESTS_BEGIN
T(note_is_the_linkers)
T(file_hash_without_note)
TESTS_END
