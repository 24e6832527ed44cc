/* cc_program.c — the program's main is the case. tr__cc_run registers one case named after
 * the program (expected to pass, or what --expect names) and hands trama's command line
 * to tr_main; the program's own arguments follow "--".
 *
 * Every execution starts from the program's initial state, as main first saw it:
 *   - its writable segment (.data, .bss: the program's globals) is copied once, before
 *     the first execution, and copied back before each one. Only the main program's
 *     segment: the runtime is a shared library whose globals (the harness's) live
 *     elsewhere; the part made read-only after relocation (RELRO) is left out;
 *   - the blocks the program allocated in the previous execution are freed (cc_heap.c);
 *   - the descriptors and streams it opened are closed, those of the initial state it
 *     closed or replaced put back (cc_files.c);
 *   - the previous execution's threads, mutexes, condition variables and semaphores are
 *     forgotten: the objects under them were the execution's, and handles left in the
 *     program's memory carry an older epoch (cc_handle.c).
 *
 * main returning, or exit() on any thread, ends the execution as in C: the other threads
 * stop where they are (they are trama daemon threads). A status other than 0 is an
 * assertion finding; abort() is a crash finding; a failed assert() is an assertion
 * finding with the expression's text and site. */
#define _GNU_SOURCE
#include <link.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../primitives/src/misuse.h"
#include "cc_runtime.h"

unsigned tr__cc_epoch;

static struct {
    tr__cc_main_fn main;
    int argc;
    char **argv;  /* the program's: its name, then what follows "--" */
    char **argv_copy; /* what main gets: it may change its argv */
    char **envp;
    tr_case c;
    char name[128];
    char file[512]; /* main's source file: sites in it are shown as :LINE */
    bool started; /* an execution has begun in this process */
} P;

/* The program's writable segment as main first saw it. */
static struct {
    char *at;
    size_t size;
    char *copy;
    bool thread_locals; /* the program defines some (a PT_TLS segment) */
} globals;

bool tr__cc_controlled(void)
{
    return P.started && tr__exec.active && !tr__exec.over && tr__self != NULL;
}

static int find_globals(struct dl_phdr_info *info, size_t size, void *ctx)
{
    (void)size;
    (void)ctx;
    uintptr_t relro_end = 0;
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_TLS && info->dlpi_phdr[i].p_memsz > 0)
            globals.thread_locals = true;
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_GNU_RELRO)
            relro_end = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr +
                        info->dlpi_phdr[i].p_memsz;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
            continue;
        uintptr_t start = info->dlpi_addr + ph->p_vaddr, end = start + ph->p_memsz;
        if (relro_end > start && relro_end <= end)
            start = relro_end;
        globals.at = (char *)start;
        globals.size = end - start;
    }
    return 1; /* the first object is the main program */
}

static void globals_save(void)
{
    dl_iterate_phdr(find_globals, NULL);
    globals.copy = malloc(globals.size ? globals.size : 1);
    TR_CHECK(globals.copy, "out of memory saving the program's globals");
    memcpy(globals.copy, globals.at, globals.size);
}

/* main's pthread_exit: it waits for the others, then main ends with status 0. */
static jmp_buf main_ended;

_Noreturn void tr__cc_main_thread_exit(void) { longjmp(main_ended, 1); }

static void program_case(void)
{
    memcpy(globals.at, globals.copy, globals.size);
    tr__cc_heap_reclaim();
    tr__cc_files_reclaim();
    tr__cc_threads_reset();
    tr__cc_keys_reset();
    tr__cc_random_reset();
    tr__cc_spurious_reset();
    tr__cc_epoch++;
    P.started = true;
    memcpy(P.argv_copy, P.argv, (size_t)(P.argc + 1) * sizeof *P.argv);
    int status = 0;
    if (setjmp(main_ended) == 0)
        status = P.main(P.argc, P.argv_copy, P.envp);
    if (status != 0) /* at main's first line */
        tr__cc_finding(TR_ASSERTION, false, (const void *)((uintptr_t)P.main + 1),
                       "main returned %d", status);
}

static int usage_error(const char *problem, const char *arg)
{
    fprintf(stderr, "%s: %s%s\n", P.name, problem, arg);
    fputs("usage: PROGRAM list | run | verify [trama's options] [--expect KIND] [-- ARGS]\n"
          "       PROGRAM replay SCHEDULE [--trace] [-- ARGS]\n",
          stderr);
    return 2;
}

int tr__cc_run(int argc, char **argv, char **envp, tr__cc_main_fn program_main)
{
    const char *slash = strrchr(argv[0], '/');
    snprintf(P.name, sizeof P.name, "%s", slash ? slash + 1 : argv[0]);
    P.main = program_main;
    P.envp = envp;
    P.c = (tr_case){.name = P.name, .expected = TR_PASS, .body = program_case};
    /* trama's arguments, with the case's name after replay and without --expect. */
    char **targv = calloc((size_t)argc + 2, sizeof *targv);
    P.argv = calloc((size_t)argc + 1, sizeof *P.argv);
    P.argv_copy = calloc((size_t)argc + 1, sizeof *P.argv);
    TR_CHECK(targv && P.argv && P.argv_copy, "out of memory reading the command line");
    int targc = 0;
    targv[targc++] = argv[0];
    P.argv[P.argc++] = argv[0];
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--expect") == 0) {
            if (i + 1 == argc)
                return usage_error("--expect needs a finding kind", "");
            int kind = tr_verdict_parse(argv[++i]);
            if (kind < 0)
                return usage_error("--expect: no finding kind named ", argv[i]);
            P.c.expected = (tr_verdict)kind;
            continue;
        }
        targv[targc++] = argv[i];
        if (i == 1 && strcmp(argv[i], "replay") == 0 && i + 1 < argc &&
            strcmp(argv[i + 1], P.name) != 0)
            targv[targc++] = P.name;
    }
    for (i++; i < argc; i++)
        P.argv[P.argc++] = argv[i];
    if (tr__stack_line((uintptr_t)program_main, P.file, sizeof P.file) > 0)
        P.c.file = P.file;
    tr_case_register(&P.c);
    globals_save();
    /* Case threads share their host's thread-local storage (fibers: one host for all),
     * and nothing resets it between executions. */
    if (globals.thread_locals) {
        fprintf(stderr, "%s: thread-local variables (_Thread_local, __thread) are not "
                        "modelled by trama-cc: the program cannot run under trama\n",
                P.name);
        return 2;
    }
    return tr_main(targc, targv);
}

/* ---- the ways a C program ends ----------------------------------------------------------- */

TR_PUBLIC _Noreturn void __wrap_exit(int status);
TR_PUBLIC _Noreturn void __wrap_abort(void);
TR_PUBLIC _Noreturn void __wrap___assert_fail(const char *expression, const char *file,
                                              unsigned line, const char *function);

void __wrap_exit(int status)
{
    if (!tr__cc_controlled())
        exit(status);
    if (status != 0)
        tr__cc_finding(TR_ASSERTION, true, __builtin_return_address(0), "exit(%d)", status);
    if (tr__in_child())
        tr__child_cut();
    tr__cut_execution();
}

void __wrap_abort(void)
{
    if (!tr__cc_controlled())
        abort();
    tr__cc_finding(TR_CRASH, true, __builtin_return_address(0), "abort() called");
    abort(); /* not reached: the finding ended the execution */
}

void __wrap___assert_fail(const char *expression, const char *file, unsigned line,
                          const char *function)
{
    if (!tr__cc_controlled()) {
        fprintf(stderr, "%s:%u: %s: Assertion `%s' failed.\n", file, line, function, expression);
        abort();
    }
    char text[200];
    snprintf(text, sizeof text, "assert(%s)", expression);
    tr__assert_failed(file, (int)line, text);
    abort(); /* not reached */
}
