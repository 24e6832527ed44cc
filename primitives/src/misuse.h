/* misuse.h — a misuse, from the raise to its record: what it says (misuse.c), its call
 * chain (stack.c) and the log TRAMA_MISUSE_LOG asks for (misuse_log.c). Private, never
 * installed.
 *
 *   status.c  tr__raise_from: last error, count, the harness's observer, the user's hook
 *     '- misuse.c     tr__misuse_report: the admission (log) or the reporter, the record
 *          |- misuse_log.c  admit (off, or per-site rate limit), write (text or JSON Lines)
 *          '- stack.c       capture and symbolize (libdw, else backtrace() + dladdr) */
#ifndef TRAMA_MISUSE_H
#define TRAMA_MISUSE_H

#include "internal.h"

/* One raise, as status.c hands it down. */
typedef struct tr__misuse_call {
    tr_status status;
    const char *exception; /* tr_status_name(status) */
    const char *message;
    const char *file;
    int line;
    const tr__misuse_origin *origin; /* NULL: no action (a constructor's argument) */
} tr__misuse_call;

/* Builds the record and gives it to the reporter (when one is installed: every misuse) or
 * to the log (what TRAMA_MISUSE_LOG asks for, after its rate limit). */
TR__HIDDEN void tr__misuse_report(const tr__misuse_call *c, tr_misuse_reporter reporter,
                                  void *ctx);
/* A record's "kind": value_error (a bad argument: ValueError, IndexError), os_error or
 * runtime_error, as the harness names the finding. */
static inline const char *tr__misuse_kind(tr_status s)
{
    if (s == TR_VALUE_ERROR || s == TR_INDEX_ERROR)
        return "value_error";
    if (s == TR_OS_ERROR)
        return "os_error";
    return "runtime_error";
}
/* The process's name in later records: "MainProcess" until a started tr_process's child
 * names itself (process.c, right after fork). */
TR__HIDDEN void tr__misuse_process_named(const char *name);

/* ---- the log (misuse_log.c) ----------------------------------------------------------- */

/* What the log decided for one misuse. */
typedef struct tr__misuse_ticket {
    bool text;             /* a line of text on stderr (else a JSON Lines record) */
    unsigned long repeats; /* same-site misuse left unwritten since its last record */
} tr__misuse_ticket;

/* Whether this misuse is written: the log is on and the site's rate limit lets it through
 * (else it is counted as a repeat of its site). Cheap: no stack is taken before this. */
TR__HIDDEN bool tr__misuse_log_admit(const tr__misuse_call *c, tr__misuse_ticket *t);
/* Writes one admitted misuse: one write(2) of one whole line. */
TR__HIDDEN void tr__misuse_log_write(const tr_misuse *m, const tr__misuse_ticket *t);
/* Writes a "misuse_repeats" record for every site with repeats not yet written (at exit,
 * and at the end of a started process's child, which leaves through _exit). */
TR__HIDDEN void tr__misuse_log_flush(void);
/* Tests: closes the log and reads TRAMA_MISUSE_LOG and TRAMA_MISUSE_LOG_MAX again at the
 * next misuse, with every site's count cleared. Call with no other thread misusing. */
TR_PUBLIC void tr__misuse_log_reopen(void);

/* ---- the call chain (stack.c) --------------------------------------------------------- */

enum { TR__STACK_MAX = 32, TR__STACK_TEXT = 6144 };

typedef struct tr__stack {
    tr_misuse_frame frames[TR__STACK_MAX];
    int depth;
    char text[TR__STACK_TEXT]; /* the frames' strings */
    size_t used;
} tr__stack;

/* The calling thread's call chain from the user's call outward: trama's own frames at the
 * top and the thread's start (trama's trampoline, libc's start_thread, main's callers) at
 * the bottom are left out. Thread-safe and fork-safe; takes a lock shared by all threads
 * while it symbolizes. */
TR__HIDDEN void tr__stack_capture(tr__stack *s);
/* The source line of one code address (a return address less one), for trama-cc's access
 * sites: its file copied into file (empty, and 0 returned, when unknown). */
TR__HIDDEN int tr__stack_line(uintptr_t pc, char *file, size_t size);
/* "libdw" or "backtrace" (module and offset only; trama's frames kept). */
TR__HIDDEN const char *tr__stack_symbolizer(void);

#endif
