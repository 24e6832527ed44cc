/* stack.c — a misuse's call chain: backtrace() for the addresses, then each address to a
 * function, file and line.
 *
 * With libdw (elfutils, TR__HAVE_LIBDW: Debian's libdw-dev at build time) one Dwfl per
 * process reads /proc/self/maps and each module's symbol table and DWARF line table on
 * first use (tens of milliseconds, once; a unit without .debug_aranges, as clang builds
 * it, is found by walking the units' ranges); each address is then looked up once and kept in
 * a small cache, so a misuse repeated at the same site costs the backtrace and the cache
 * hits. Without libdw, dladdr() names the module and the offset in it (addr2line -e
 * MODULE OFFSET reads the build's debug info later: scripts/aggregate does) and the
 * function only when it is an exported symbol.
 *
 * libdw is not thread-safe: one mutex serializes symbolizing. It is fork-safe through
 * pthread_atfork: fork waits for a symbolization under way, and the child reuses the
 * parent's Dwfl (same mappings). */
#define _GNU_SOURCE /* dladdr1, Dl_info */
#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef TR__HAVE_LIBDW
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#endif

#include "misuse.h"

enum { RAW_MAX = 64, CACHE_SLOTS = 512 };

/* One symbolized address; strings are malloc'ed and owned by the cache. */
typedef struct symbol {
    uintptr_t pc; /* 0: empty */
    char *function, *file, *module;
    int line;
    unsigned long offset;
} symbol;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; /* guards everything below */
static symbol cache[CACHE_SLOTS];
static bool started;
static char self_exe[512];
#ifdef TR__HAVE_LIBDW
static Dwfl *dwfl;
#endif

/* This file's own tree: frames whose source is in <root>/primitives/src (or include) or
 * <root>/harness/src (or include) are trama's; its tests and cases are user code. __FILE__ is the absolute path CMake compiles it by. */
static bool trama_source(const char *file)
{
    static const char here[] = __FILE__;
    static const char tail[] = "primitives/src/stack.c";
    size_t root = sizeof here - sizeof tail;
    if (!file || sizeof here < sizeof tail || strcmp(here + root, tail) != 0)
        return false;
    if (strncmp(file, here, root) != 0)
        return false;
    static const char *const dirs[] = {"primitives/src/", "primitives/include/", "harness/src/",
                                       "harness/include/"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
        if (strncmp(file + root, dirs[i], strlen(dirs[i])) == 0)
            return true;
    return false;
}

static void prepare(void) { pthread_mutex_lock(&mu); }
static void release(void) { pthread_mutex_unlock(&mu); }

#ifdef TR__HAVE_LIBDW
static const Dwfl_Callbacks callbacks = {.find_elf = dwfl_linux_proc_find_elf,
                                         .find_debuginfo = dwfl_standard_find_debuginfo};

/* (Re)reads the process's mappings: at the first misuse, and once more for an address in
 * no known module (a library loaded since). */
static void report_modules(void)
{
    if (dwfl)
        dwfl_end(dwfl);
    dwfl = dwfl_begin(&callbacks);
    if (dwfl && (dwfl_linux_proc_report(dwfl, getpid()) != 0 ||
                 dwfl_report_end(dwfl, NULL, NULL) != 0)) {
        dwfl_end(dwfl);
        dwfl = NULL;
    }
}
#endif

/* Under mu: the first use in the process. backtrace() loads libgcc's unwinder on its first
 * call, so that happens here too, once. */
static void start(void)
{
    if (started)
        return;
    started = true;
    void *warm[2];
    backtrace(warm, 2);
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    self_exe[n > 0 ? n : 0] = '\0';
    pthread_atfork(prepare, release, release);
#ifdef TR__HAVE_LIBDW
    report_modules();
#endif
}

/* libc's frames below a thread's or the program's entry. */
static bool thread_start(const char *function)
{
    static const char *const names[] = {"start_thread", "clone",   "clone3",
                                        "__clone",      "__clone3", "_start",
                                        "__libc_start_call_main", "__libc_start_main"};
    if (!function)
        return false;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strncmp(function, names[i], strlen(names[i])) == 0 &&
            (function[strlen(names[i])] == '\0' || function[strlen(names[i])] == '@'))
            return true;
    return false;
}

static char *copy(const char *s) { return s ? strdup(s) : NULL; }

#ifdef TR__HAVE_LIBDW
/* The line of pc found through its compile unit's address ranges: libdw 0.188 finds a
 * unit through .debug_aranges only, which clang does not write. */
static const char *line_by_unit(Dwfl_Module *m, Dwarf_Addr pc, int *line)
{
    Dwarf_Addr bias;
    Dwarf_Die *cu = NULL;
    while ((cu = dwfl_module_nextcu(m, cu, &bias)) != NULL) {
        Dwarf_Addr base, start, end;
        ptrdiff_t off = 0;
        while ((off = dwarf_ranges(cu, off, &base, &start, &end)) > 0) {
            if (pc - bias < start || pc - bias >= end)
                continue;
            Dwarf_Line *l = dwarf_getsrc_die(cu, pc - bias);
            if (!l || dwarf_lineno(l, line) != 0)
                return NULL;
            return dwarf_linesrc(l, NULL, NULL);
        }
    }
    return NULL;
}

static void look_up(symbol *y, uintptr_t pc)
{
    Dwfl_Module *m = dwfl ? dwfl_addrmodule(dwfl, pc) : NULL;
    if (!m && dwfl) {
        report_modules();
        m = dwfl ? dwfl_addrmodule(dwfl, pc) : NULL;
    }
    if (!m)
        return;
    Dwarf_Addr base = 0;
    y->module = copy(dwfl_module_info(m, NULL, &base, NULL, NULL, NULL, NULL, NULL));
    y->offset = (unsigned long)(pc - base);
    y->function = copy(dwfl_module_addrname(m, pc));
    char *clone = y->function ? strchr(y->function, '.') : NULL;
    if (clone && clone != y->function)
        *clone = '\0'; /* gcc's clones: "f.isra.0", "f.constprop.0", "f.part.0", "f.cold" */
    if (thread_start(y->function))
        return; /* left out anyway; libc's line table (libc6-dbg) costs milliseconds */
    Dwfl_Line *l = dwfl_module_getsrc(m, pc);
    if (l)
        y->file = copy(dwfl_lineinfo(l, NULL, &y->line, NULL, NULL, NULL));
    else
        y->file = copy(line_by_unit(m, pc, &y->line));
}
#else
static void look_up(symbol *y, uintptr_t pc)
{
    Dl_info info;
    struct link_map *map = NULL;
    if (!dladdr1((void *)pc, &info, (void **)&map, RTLD_DL_LINKMAP) || !map)
        return;
    bool main_program = !map->l_name || !map->l_name[0];
    y->module = copy(main_program && self_exe[0] ? self_exe : info.dli_fname);
    y->offset = (unsigned long)(pc - map->l_addr);
    y->function = copy(info.dli_sname);
}
#endif

/* Under mu: the cached symbol of pc (a return address less one: inside the call). */
static const symbol *symbolize(uintptr_t pc)
{
    symbol *y = &cache[(pc >> 2) % CACHE_SLOTS];
    if (y->pc == pc)
        return y;
    free(y->function);
    free(y->file);
    free(y->module);
    *y = (symbol){.pc = pc};
    look_up(y, pc);
    return y;
}

/* A string kept in the stack's own text (the cache may drop it once mu is let go). */
static const char *keep(tr__stack *s, const char *text)
{
    if (!text)
        return NULL;
    size_t n = strlen(text) + 1;
    if (n > sizeof s->text - s->used)
        return NULL;
    char *out = memcpy(s->text + s->used, text, n);
    s->used += n;
    return out;
}

static bool trama_frame(const tr_misuse_frame *f)
{
    return f->file ? trama_source(f->file) : (f->function && strncmp(f->function, "tr_", 3) == 0);
}

/* Leaves out trama's frames on top (the capture, the raise and the primitive) and, at the
 * bottom, what lies below the user's code: main's callers, libc's thread start, trama's thread
 * trampoline, a sanitizer's, and any frame with no source there. With no file names (the backtrace symbolizer), nothing can be told apart
 * and every frame is kept. */
static void trim(tr__stack *s)
{
    int first = 0, end = s->depth;
    if (strcmp(tr__stack_symbolizer(), "libdw") != 0)
        return;
    /* The capture itself is trama's (stack.c); a sanitizer's interceptor of backtrace()
     * may sit above it. */
    while (first < end && !trama_frame(&s->frames[first]))
        first++;
    if (first == end)
        first = 0;
    while (first < end && trama_frame(&s->frames[first]))
        first++;
    for (int i = first; i < end; i++)
        if (s->frames[i].function && strcmp(s->frames[i].function, "main") == 0)
            end = i + 1;
    while (end > first && (thread_start(s->frames[end - 1].function) ||
                           trama_frame(&s->frames[end - 1]) || !s->frames[end - 1].file))
        end--;
    memmove(s->frames, s->frames + first, (size_t)(end - first) * sizeof *s->frames);
    s->depth = end - first;
}

void tr__stack_capture(tr__stack *s)
{
    void *raw[RAW_MAX];
    int n = backtrace(raw, RAW_MAX);
    s->depth = 0;
    s->used = 0;
    pthread_mutex_lock(&mu);
    start();
    for (int i = 0; i < n && s->depth < TR__STACK_MAX; i++) {
        const symbol *y = symbolize((uintptr_t)raw[i] - 1);
        s->frames[s->depth++] = (tr_misuse_frame){keep(s, y->function), keep(s, y->file),
                                                  y->line, keep(s, y->module), y->offset};
        if (y->function && strcmp(y->function, "main") == 0)
            break; /* nothing a user wrote lies below main */
    }
    pthread_mutex_unlock(&mu);
    trim(s);
}

int tr__stack_line(uintptr_t pc, char *file, size_t size)
{
    pthread_mutex_lock(&mu);
    start();
    const symbol *y = symbolize(pc);
    snprintf(file, size, "%s", y->file ? y->file : "");
    int line = y->file ? y->line : 0;
    pthread_mutex_unlock(&mu);
    return line;
}

const char *tr__stack_symbolizer(void)
{
#ifdef TR__HAVE_LIBDW
    return "libdw";
#else
    return "backtrace";
#endif
}
