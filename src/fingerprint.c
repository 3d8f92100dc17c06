/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fingerprint.c - the per-function fingerprints of fingerprint.h: reading
 * the given objects, resolving their symbols the way the linker did, and
 * hashing what each function reaches. The table's reader is memo_code.c.
 */
#include "fingerprint.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_view.h"
#include "metaflow.h"
#include "sha256.h"
#include "util/alloc.h"

struct fp_obj {
    char *name;
    struct mf_elf elf;
    size_t symsec, nsyms;
    const char *file; /* its STT_FILE symbol: what a static function is named by */
    int whole;
    char whole_hex[65]; /* SHA-256 of the file it came from, for a whole one */
    uint32_t *ord;      /* per section: its place in the current walk, 0 unvisited */
};

/* A defined global of the objects, or a symbol of the program. */
struct fp_sym {
    const char *name;
    const char *file; /* program locals: their STT_FILE */
    uint32_t obj, idx;
    int weak, local, defined;
    uint64_t value;
};

struct fp_syms {
    struct fp_sym *v;
    size_t n, cap;
    int sorted;
};

struct mf_fp {
    struct fp_obj *objs;
    size_t nobjs, cap;
    struct fp_syms globals; /* defined globals of the objects */
    struct fp_syms prog;    /* the program's symbols */
    struct fp_syms copies;  /* names the program copies from a library (R_*_COPY) */
    int have_prog;
    const char *prog_name;
    /* the walk in progress */
    struct { uint32_t obj; size_t sec; } *queue;
    size_t nq, qcap, nvisited;
    struct mf__sha256 *md;
};

struct mf_fp *mf__fp_new(void)
{
    struct mf_fp *fp = mf__calloc(1, sizeof(*fp));
    if (fp && !(fp->md = mf__sha256_new())) {
        mf__free(fp);
        return NULL;
    }
    return fp;
}

void mf__fp_free(struct mf_fp *fp)
{
    if (!fp)
        return;
    for (size_t i = 0; i < fp->nobjs; i++) {
        mf__free(fp->objs[i].name);
        mf__free(fp->objs[i].ord);
    }
    mf__free(fp->objs);
    mf__free(fp->globals.v);
    mf__free(fp->prog.v);
    mf__free(fp->copies.v);
    mf__free(fp->queue);
    mf__sha256_free(fp->md);
    mf__free(fp);
}

static int push_sym(struct fp_syms *s, const struct fp_sym *sym)
{
    if (mf__grow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v)))
        return MF_ENOMEM;
    s->v[s->n++] = *sym;
    s->sorted = 0;
    return 0;
}

/* By name; among equals a strong definition before a weak one, then the
 * order given (the linker's first definition wins). */
static int sym_cmp(const void *a, const void *b)
{
    const struct fp_sym *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    if (x->weak != y->weak)
        return x->weak - y->weak;
    return x->obj < y->obj ? -1 : x->obj > y->obj ? 1 : (x->idx < y->idx ? -1 : x->idx > y->idx);
}

/* The first entry named `name`, or NULL. */
static const struct fp_sym *find_sym(struct fp_syms *s, const char *name)
{
    if (!s->sorted) {
        if (s->n)
            qsort(s->v, s->n, sizeof(*s->v), sym_cmp);
        s->sorted = 1;
    }
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(s->v[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n && strcmp(s->v[lo].name, name) == 0 ? &s->v[lo] : NULL;
}

/* ---- inputs ---- */

/* The object's symbol table and file name, and its defined globals. */
static int index_object(struct mf_fp *fp, uint32_t oi, struct mf_err *err)
{
    struct fp_obj *o = &fp->objs[oi];
    ElfW(Shdr) sh;
    for (size_t i = 1; i < o->elf.shnum && !o->symsec; i++)
        if (mf__elf_shdr(&o->elf, i, &sh) == 0 && sh.sh_type == SHT_SYMTAB)
            o->symsec = i;
    o->nsyms = o->symsec ? mf__elf_nsyms(&o->elf, o->symsec) : 0;
    size_t strsec = o->symsec && mf__elf_shdr(&o->elf, o->symsec, &sh) == 0 ? sh.sh_link : 0;
    for (size_t i = 1; i < o->nsyms; i++) {
        ElfW(Sym) s;
        if (mf__elf_sym(&o->elf, o->symsec, i, &s) != 0)
            continue;
        const char *name = mf__elf_str(&o->elf, strsec, s.st_name);
        if (!name)
            return mf__err(err, MF_ECORRUPT, "'%s' has a symbol whose name is outside its string table", o->name);
        if (ELF64_ST_TYPE(s.st_info) == STT_FILE && !o->file)
            o->file = name;
        int bind = ELF64_ST_BIND(s.st_info);
        if (bind == STB_LOCAL || s.st_shndx == SHN_UNDEF || !*name)
            continue;
        struct fp_sym g = { .name = name, .obj = oi, .idx = (uint32_t)i, .weak = bind == STB_WEAK, .defined = 1 };
        if (push_sym(&fp->globals, &g))
            return mf__err(err, MF_ENOMEM, "out of memory");
    }
    return 0;
}

struct add_ctx {
    struct mf_fp *fp;
    const char *archive;
    int whole;
    const char *hex;
    struct mf_err *err;
};

static int add_one(void *vctx, const char *member, const unsigned char *bytes, size_t len)
{
    struct add_ctx *c = vctx;
    struct mf_fp *fp = c->fp;
    if (mf__grow((void **)&fp->objs, &fp->cap, fp->nobjs + 1, sizeof(*fp->objs)))
        return mf__err(c->err, MF_ENOMEM, "out of memory");
    struct fp_obj *o = &fp->objs[fp->nobjs];
    memset(o, 0, sizeof(*o));
    o->name = member ? mf__strf("%s(%s)", c->archive, member) : mf__strdup(c->archive);
    if (!o->name)
        return mf__err(c->err, MF_ENOMEM, "out of memory");
    fp->nobjs++;
    o->whole = c->whole;
    snprintf(o->whole_hex, sizeof(o->whole_hex), "%s", c->hex);
    int rc = mf__elf_open(&o->elf, bytes, len, o->name, c->err);
    if (!rc && o->elf.eh.e_type != ET_REL)
        rc = mf__err(c->err, MF_ECORRUPT, "'%s' is not a relocatable object (compile with -c)", o->name);
    if (!rc && !(o->ord = mf__calloc(o->elf.shnum, sizeof(*o->ord))))
        rc = mf__err(c->err, MF_ENOMEM, "out of memory");
    return rc ? rc : index_object(fp, (uint32_t)(fp->nobjs - 1), c->err);
}

int mf__fp_add(struct mf_fp *fp, const char *name, const unsigned char *bytes, size_t len, int whole,
               struct mf_err *err)
{
    unsigned char d[MF_SHA256_LEN];
    char hex[65];
    mf__sha256(bytes, len, d);
    for (unsigned i = 0; i < MF_SHA256_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    struct add_ctx c = { fp, name, whole, hex, err };
    if (mf__is_ar(bytes, len))
        return mf__ar_each(bytes, len, name, add_one, &c, err);
    return add_one(&c, NULL, bytes, len);
}

/* The relocation type that copies a library's data into the program. */
static unsigned copy_type(unsigned machine)
{
    switch (machine) {
    case EM_X86_64: return R_X86_64_COPY;
    case EM_AARCH64: return R_AARCH64_COPY;
    case EM_386: return R_386_COPY;
    default: return UINT32_MAX;
    }
}

/* The names the program's dynamic relocations copy in: imports although
 * the program's symbol table defines them. */
static int index_copies(struct mf_fp *fp, const struct mf_elf *e, struct mf_err *err)
{
    ElfW(Shdr) sh, symsh;
    for (size_t i = 1; i < e->shnum; i++) {
        if (mf__elf_shdr(e, i, &sh) != 0 || (sh.sh_type != SHT_RELA && sh.sh_type != SHT_REL) ||
            !(sh.sh_flags & SHF_ALLOC) || mf__elf_shdr(e, sh.sh_link, &symsh) != 0)
            continue;
        for (size_t k = 0, n = mf__elf_nrels(e, i); k < n; k++) {
            ElfW(Rela) r;
            ElfW(Sym) s;
            if (mf__elf_rel(e, i, k, &r) != 0 || ELF64_R_TYPE(r.r_info) != copy_type(e->eh.e_machine) ||
                mf__elf_sym(e, sh.sh_link, ELF64_R_SYM(r.r_info), &s) != 0)
                continue;
            const char *name = mf__elf_str(e, symsh.sh_link, s.st_name);
            struct fp_sym c = { .name = name };
            if (name && push_sym(&fp->copies, &c))
                return mf__err(err, MF_ENOMEM, "out of memory");
        }
    }
    return 0;
}

int mf__fp_program(struct mf_fp *fp, const char *name, const unsigned char *bytes, size_t len, struct mf_err *err)
{
    struct mf_elf e;
    ElfW(Shdr) sh;
    int rc = mf__elf_open(&e, bytes, len, name, err);
    size_t symsec = rc ? 0 : mf__elf_find(&e, ".symtab", SHT_SYMTAB);
    if (rc)
        return rc;
    if (!symsec || mf__elf_shdr(&e, symsec, &sh) != 0)
        return mf__err(err, MF_ECORRUPT, "the program '%s' has no symbol table: run mf-fingerprint before strip", name);
    const char *file = NULL;
    for (size_t i = 1, n = mf__elf_nsyms(&e, symsec); i < n; i++) {
        ElfW(Sym) s;
        const char *sname = mf__elf_sym(&e, symsec, i, &s) == 0 ? mf__elf_str(&e, sh.sh_link, s.st_name) : NULL;
        if (!sname || !*sname)
            continue;
        if (ELF64_ST_TYPE(s.st_info) == STT_FILE) {
            file = sname;
            continue;
        }
        int bind = ELF64_ST_BIND(s.st_info);
        struct fp_sym p = { .name = sname, .file = bind == STB_LOCAL ? file : NULL, .idx = (uint32_t)i,
                            .local = bind == STB_LOCAL, .weak = bind == STB_WEAK,
                            .defined = s.st_shndx != SHN_UNDEF, .value = s.st_value };
        if (push_sym(&fp->prog, &p))
            return mf__err(err, MF_ENOMEM, "out of memory");
    }
    fp->have_prog = 1;
    fp->prog_name = name;
    return index_copies(fp, &e, err);
}

/* ---- the walk ---- */

static void put(struct mf_fp *fp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct mf_fp *fp, const char *fmt, ...)
{
    char line[600];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    mf__sha256_update(fp->md, line, n < 0 ? 0 : (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* The place of section `sec` of object `oi` in the walk, queued when new;
 * 0 when out of memory. */
static uint32_t visit(struct mf_fp *fp, uint32_t oi, size_t sec)
{
    struct fp_obj *o = &fp->objs[oi];
    if (o->ord[sec])
        return o->ord[sec];
    if (mf__grow((void **)&fp->queue, &fp->qcap, fp->nq + 1, sizeof(*fp->queue)))
        return 0;
    fp->queue[fp->nq].obj = oi;
    fp->queue[fp->nq].sec = sec;
    fp->nq++;
    return o->ord[sec] = (uint32_t)fp->nq;
}

/* Linker-made symbols: the same in every program, so they count by name. */
static int linker_defined(const char *name)
{
    static const char *const names[] = { "_GLOBAL_OFFSET_TABLE_", "_DYNAMIC", "__dso_handle", "__ehdr_start",
                                         "__executable_start", "_end", "_edata", "__bss_start", "_etext", "etext",
                                         "edata", "end", "__init_array_start", "__init_array_end",
                                         "__fini_array_start", "__fini_array_end", "__preinit_array_start",
                                         "__preinit_array_end", "__TMC_END__", "__data_start", "data_start",
                                         "_IO_stdin_used", "__GNU_EH_FRAME_HDR" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

/* The entries of mergeable section `sh` a reference reaches (the linker
 * keeps only the entries referenced, in an order of its own). `exact`: the
 * reference names a label, which is where its entry starts (the addend is
 * then the instruction's own displacement, written by the caller); else it
 * names the section, and `at` (value and addend) may be off by the
 * displacement of a PC-relative reference, so the entries from the one
 * holding `at` to the one holding at + 8 + entsize count. `at` is written
 * relative to the first entry. */
static void put_merged(struct mf_fp *fp, const struct fp_obj *o, const ElfW(Shdr) *sh, int64_t at, int exact)
{
    size_t len, es = sh->sh_entsize ? (size_t)sh->sh_entsize : 1;
    const unsigned char *b = mf__elf_bytes(&o->elf, sh, &len);
    len -= len % es;
    if (!b || !len) {
        put(fp, "M empty %" PRId64 "\n", at);
        return;
    }
    size_t lo = at < 0 ? 0 : (uint64_t)at >= len ? len - es : (size_t)at;
    int64_t reach = exact ? (int64_t)es : 8 + (int64_t)es;
    uint64_t hi64 = at + reach < 0 ? 0 : (uint64_t)(at + reach);
    size_t hi = hi64 > len ? len : (size_t)hi64;
    lo -= lo % es;
    hi += (es - hi % es) % es;
    if (hi > len)
        hi = len;
    if (hi <= lo)
        hi = lo + es;
    if (sh->sh_flags & SHF_STRINGS) { /* whole strings: back to the one before, on to the end of the last */
        static const unsigned char zero[16];
        int small = es <= sizeof(zero);
        while (!exact && lo >= es && !(small && memcmp(b + lo - es, zero, es) == 0))
            lo -= es;
        while (hi < len && !(small && memcmp(b + hi - es, zero, es) == 0))
            hi += es;
    }
    put(fp, "M %zu %" PRId64 " ", hi - lo, at - (int64_t)lo);
    mf__sha256_update(fp->md, b + lo, hi - lo);
    put(fp, "\n");
}

/* Writes what symbol `si` of object `oi` stands for in a reference with
 * addend `addend` (the addend included where it is meaningful). */
static int put_target(struct mf_fp *fp, uint32_t oi, size_t si, int64_t addend, struct mf_err *err)
{
    struct fp_obj *o = &fp->objs[oi];
    ElfW(Sym) s;
    ElfW(Shdr) symsh, sh;
    if (si == 0) {
        put(fp, "none %" PRId64 "\n", addend);
        return 0;
    }
    if (mf__elf_sym(&o->elf, o->symsec, si, &s) != 0 || mf__elf_shdr(&o->elf, o->symsec, &symsh) != 0)
        return mf__err(err, MF_ECORRUPT, "'%s' has a relocation naming symbol %zu, which it does not have", o->name,
                       si);
    const char *name = mf__elf_str(&o->elf, symsh.sh_link, s.st_name);
    if (!name)
        return mf__err(err, MF_ECORRUPT, "'%s' has a symbol whose name is outside its string table", o->name);
    if (s.st_shndx == SHN_ABS) {
        put(fp, "A %" PRIu64 " %" PRId64 "\n", (uint64_t)s.st_value, addend);
        return 0;
    }
    if (s.st_shndx == SHN_UNDEF || s.st_shndx == SHN_COMMON) {
        const struct fp_sym *g = *name ? find_sym(&fp->globals, name) : NULL;
        if (g && (s.st_shndx == SHN_UNDEF || !g->weak)) {
            struct fp_obj *d = &fp->objs[g->obj];
            if (d->whole) {
                put(fp, "W %s %s %" PRId64 "\n", name, d->whole_hex, addend);
                return 0;
            }
            oi = g->obj;
            o = d;
            si = g->idx;
            if (mf__elf_sym(&o->elf, o->symsec, si, &s) != 0)
                return mf__err(err, MF_ECORRUPT, "'%s': symbol %zu vanished", o->name, si);
            if (s.st_shndx == SHN_ABS || s.st_shndx == SHN_COMMON || s.st_shndx >= o->elf.shnum) {
                put(fp, "G %s %u %" PRIu64 " %" PRIu64 " %" PRId64 "\n", name, s.st_shndx, (uint64_t)s.st_value,
                    (uint64_t)s.st_size, addend);
                return 0;
            }
        } else if (s.st_shndx == SHN_COMMON) {
            put(fp, "C %s %" PRIu64 " %" PRIu64 " %" PRId64 "\n", name, (uint64_t)s.st_size, (uint64_t)s.st_value,
                addend);
            return 0;
        } else {
            const struct fp_sym *p = fp->have_prog ? find_sym(&fp->prog, name) : NULL;
            while (p && p < fp->prog.v + fp->prog.n && strcmp(p->name, name) == 0 && p->local)
                p++; /* a local of the same name is not what the reference bound to */
            int defined = p && p < fp->prog.v + fp->prog.n && strcmp(p->name, name) == 0 && p->defined;
            if (defined && !linker_defined(name) && !find_sym(&fp->copies, name))
                return mf__err(err, MF_EINVAL, "symbol '%s' is defined in the program '%s' but in none of the given "
                               "objects (a static archive or a missing object): pass that object or archive too "
                               "(--whole ARCHIVE for a library), or use the default code identity", name,
                               fp->prog_name);
            put(fp, "I %s %" PRId64 "\n", name, addend);
            return 0;
        }
    }
    if (mf__elf_shdr(&o->elf, s.st_shndx, &sh) != 0)
        return mf__err(err, MF_ECORRUPT, "'%s' has a symbol in section %u, which it does not have", o->name,
                       s.st_shndx);
    if (sh.sh_flags & SHF_MERGE) {
        int exact = ELF64_ST_TYPE(s.st_info) != STT_SECTION;
        put_merged(fp, o, &sh, (int64_t)s.st_value + (exact ? 0 : addend), exact);
        if (exact)
            put(fp, "+ %" PRId64 "\n", addend);
        return 0;
    }
    uint32_t ord = visit(fp, oi, s.st_shndx);
    if (!ord)
        return mf__err(err, MF_ENOMEM, "out of memory");
    put(fp, "S %u %" PRIu64 " %" PRId64 "\n", ord, (uint64_t)s.st_value, addend);
    return 0;
}

static int rel_cmp(const void *a, const void *b)
{
    const ElfW(Rela) *x = a, *y = b;
    if (x->r_offset != y->r_offset)
        return x->r_offset < y->r_offset ? -1 : 1;
    return x->r_info < y->r_info ? -1 : x->r_info > y->r_info;
}

/* Hashes one section of the walk: its kind, bytes and relocations. */
static int put_section(struct mf_fp *fp, uint32_t oi, size_t sec, struct mf_err *err)
{
    struct fp_obj *o = &fp->objs[oi];
    ElfW(Shdr) sh, rs;
    size_t len;
    if (mf__elf_shdr(&o->elf, sec, &sh) != 0)
        return mf__err(err, MF_ECORRUPT, "'%s' has no section %zu", o->name, sec);
    const unsigned char *b = mf__elf_bytes(&o->elf, &sh, &len);
    if (!b && sh.sh_type != SHT_NOBITS)
        return mf__err(err, MF_ECORRUPT, "'%s': section %zu lies outside the file", o->name, sec);
    uint64_t flags = sh.sh_flags & (SHF_WRITE | SHF_ALLOC | SHF_EXECINSTR | SHF_TLS);
    put(fp, "sec %u %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", sh.sh_type, flags, (uint64_t)sh.sh_size,
        (uint64_t)sh.sh_addralign);
    if (b)
        mf__sha256_update(fp->md, b, len);
    for (size_t r = 1; r < o->elf.shnum; r++) {
        if (mf__elf_shdr(&o->elf, r, &rs) != 0 || (rs.sh_type != SHT_RELA && rs.sh_type != SHT_REL) ||
            rs.sh_info != sec)
            continue;
        size_t n = mf__elf_nrels(&o->elf, r);
        ElfW(Rela) *v = n ? mf__reallocarray(NULL, n, sizeof(*v)) : NULL;
        if (n && !v)
            return mf__err(err, MF_ENOMEM, "out of memory");
        for (size_t k = 0; k < n; k++)
            mf__elf_rel(&o->elf, r, k, &v[k]);
        if (n)
            qsort(v, n, sizeof(*v), rel_cmp);
        int rc = 0;
        for (size_t k = 0; k < n && !rc; k++) {
            put(fp, "r %" PRIu64 " %" PRIu64 " ", (uint64_t)v[k].r_offset, (uint64_t)ELF64_R_TYPE(v[k].r_info));
            rc = put_target(fp, oi, ELF64_R_SYM(v[k].r_info), v[k].r_addend, err);
        }
        mf__free(v);
        if (rc)
            return rc;
    }
    return 0;
}

/* The fingerprint of the function at `value` in section `sec` of `oi`. */
static int walk(struct mf_fp *fp, uint32_t oi, size_t sec, uint64_t value, char hex[65], struct mf_err *err)
{
    int rc = 0;
    unsigned char d[MF_SHA256_LEN];
    mf__sha256_begin(fp->md);
    put(fp, "fingerprint 1 machine %u at %" PRIu64 "\n", fp->objs[oi].elf.eh.e_machine, value);
    fp->nq = 0;
    if (!visit(fp, oi, sec))
        rc = mf__err(err, MF_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < fp->nq; i++)
        rc = put_section(fp, fp->queue[i].obj, fp->queue[i].sec, err);
    for (size_t i = 0; i < fp->nq; i++) /* clean for the next walk */
        fp->objs[fp->queue[i].obj].ord[fp->queue[i].sec] = 0;
    mf__sha256_end(fp->md, d);
    for (unsigned i = 0; !rc && i < MF_SHA256_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return rc;
}

/* Calls fn for each function defined in a walked object. */
typedef int (*fn_cb)(struct mf_fp *fp, uint32_t oi, const ElfW(Sym) *s, const char *name, void *ctx);
static int each_function(struct mf_fp *fp, fn_cb fn, void *ctx)
{
    ElfW(Shdr) symsh;
    for (uint32_t oi = 0; oi < fp->nobjs; oi++) {
        struct fp_obj *o = &fp->objs[oi];
        if (o->whole || !o->symsec || mf__elf_shdr(&o->elf, o->symsec, &symsh) != 0)
            continue;
        for (size_t i = 1; i < o->nsyms; i++) {
            ElfW(Sym) s;
            const char *name = mf__elf_sym(&o->elf, o->symsec, i, &s) == 0 ? mf__elf_str(&o->elf, symsh.sh_link,
                                                                                         s.st_name) : NULL;
            if (!name || !*name || ELF64_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx == SHN_UNDEF ||
                s.st_shndx >= o->elf.shnum)
                continue;
            int rc = fn(fp, oi, &s, name, ctx);
            if (rc)
                return rc;
        }
    }
    return 0;
}

struct find_ctx {
    const char *name, *file;
    char *hex;
    int found;
    struct mf_err *err;
};

static int find_one(struct mf_fp *fp, uint32_t oi, const ElfW(Sym) *s, const char *name, void *vctx)
{
    struct find_ctx *c = vctx;
    const char *file = fp->objs[oi].file;
    if (strcmp(name, c->name) != 0 || (c->file && (!file || strcmp(file, c->file) != 0)))
        return 0;
    c->found = 1;
    return walk(fp, oi, s->st_shndx, s->st_value, c->hex, c->err) ? -1 : 1;
}

int mf__fp_function(struct mf_fp *fp, const char *name, const char *file, char hex[65], struct mf_err *err)
{
    struct find_ctx c = { name, file, hex, 0, err };
    int rc = each_function(fp, find_one, &c);
    if (rc < 0)
        return err ? err->code : MF_EINVAL;
    return c.found ? 0 : mf__err(err, MF_ENOENT, "no given object defines function '%s'", name);
}

/* The address function `name` (a local of `file` when `local`) has in the
 * program: 0 and *addr, or -1 when it is not there exactly once. */
static int address_of(struct mf_fp *fp, const char *name, int local, const char *file, uint64_t *addr)
{
    const struct fp_sym *p = find_sym(&fp->prog, name), *end = fp->prog.v + fp->prog.n;
    int n = 0;
    for (; p && p < end && strcmp(p->name, name) == 0; p++) {
        if (!p->defined || p->local != local || (local && (!p->file || !file || strcmp(p->file, file) != 0)))
            continue;
        *addr = p->value;
        n++;
    }
    return n == 1 ? 0 : -1;
}

struct table_ctx {
    struct mf_buf *out;
    struct mf_err *err;
};

static int table_one(struct mf_fp *fp, uint32_t oi, const ElfW(Sym) *s, const char *name, void *vctx)
{
    struct table_ctx *c = vctx;
    int local = ELF64_ST_BIND(s->st_info) == STB_LOCAL;
    const char *file = fp->objs[oi].file;
    uint64_t addr;
    char hex[65];
    if (address_of(fp, name, local, file, &addr) != 0)
        return 0; /* not in the program (discarded), or not told apart: its step uses the whole digest */
    if (walk(fp, oi, s->st_shndx, s->st_value, hex, c->err) != 0) {
        mf__err_prefix(c->err, "function '%s' of '%s': ", name, fp->objs[oi].name);
        return -1;
    }
    if (mf__buf_addf(c->out, "fn %" PRIx64 " %s %s%s%s\n", addr, hex, name, local ? " " : "",
                     local && file ? file : ""))
        return mf__err(c->err, MF_ENOMEM, "out of memory"), -1;
    return 0;
}

int mf__fp_table(struct mf_fp *fp, const char *code_digest, struct mf_buf *out, struct mf_err *err)
{
    if (!fp->have_prog)
        return mf__err(err, MF_EINVAL, "no linked program given");
    if (mf__buf_addf(out, MF_FP_MAGIC "\ncode %s\n", code_digest))
        return mf__err(err, MF_ENOMEM, "out of memory");
    struct table_ctx c = { out, err };
    return each_function(fp, table_one, &c) ? (err ? err->code : MF_EINVAL) : 0;
}
