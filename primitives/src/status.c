/* status.c — status names, the thread-local last error, misuse raising: the count, the
 * harness's observer, the user's hook and reporter; the record and the log are
 * misuse.c's. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "misuse.h"

_Thread_local tr__site_slot tr__site;

static _Thread_local char last_error[TR__ERROR_TEXT_MAX];

/* The user's hook and the harness's observer; both are installed before threads start
 * (documented per-process state), read with acquire so a hook's ctx is seen whole. */
static _Atomic(tr_misuse_hook) user_hook;
static void *_Atomic user_ctx;
static _Atomic(tr_misuse_hook) observer;
static void *_Atomic observer_ctx;
static _Atomic(tr_misuse_reporter) reporter;
static void *_Atomic reporter_ctx;
static atomic_ulong misuse_total;

const char *tr_status_name(tr_status s)
{
    switch (s) {
#define TR_STATUS_CASE(name, text)                                                               \
    case name:                                                                                   \
        return text;
        TR_STATUS_MAP(TR_STATUS_CASE)
#undef TR_STATUS_CASE
    }
    return "UnknownStatus";
}

const char *tr_last_error(void) { return last_error; }

/* Only the text up to its terminator is copied: most switches carry an empty one. */
void tr__error_save(char *out, size_t size)
{
    if (size == 0)
        return;
    size_t n = strnlen(last_error, sizeof last_error - 1);
    if (n >= size)
        n = size - 1;
    memcpy(out, last_error, n);
    out[n] = '\0';
}

void tr__error_restore(const char *text)
{
    size_t n = strnlen(text, sizeof last_error - 1);
    memcpy(last_error, text, n);
    last_error[n] = '\0';
}

void tr_set_misuse_hook(tr_misuse_hook hook, void *ctx)
{
    atomic_store_explicit(&user_ctx, ctx, memory_order_release);
    atomic_store_explicit(&user_hook, hook, memory_order_release);
}

void tr_set_misuse_reporter(tr_misuse_reporter r, void *ctx)
{
    atomic_store_explicit(&reporter_ctx, ctx, memory_order_release);
    atomic_store_explicit(&reporter, r, memory_order_release);
}

void tr__set_misuse_observer(tr_misuse_hook hook, void *ctx)
{
    atomic_store_explicit(&observer_ctx, ctx, memory_order_release);
    atomic_store_explicit(&observer, hook, memory_order_release);
}

unsigned long tr_misuse_count(void) { return atomic_load(&misuse_total); }

bool tr__is_misuse(tr_status s)
{
    return s == TR_RUNTIME_ERROR || s == TR_VALUE_ERROR || s == TR_OS_ERROR ||
           s == TR_INDEX_ERROR;
}

tr_status tr__set_error(tr_status s, const char *message)
{
    snprintf(last_error, sizeof last_error, "%s", message ? message : "");
    return s;
}

/* The observer (the harness: misuse is a finding there) comes first; then the user's hook
 * and reporter. The log (TRAMA_MISUSE_LOG) is the default of both, and stays off under an
 * observer: a case's misuse is already its finding, and a case that expects one would
 * repeat it in every execution. */
tr_status tr__raise_from(tr_status s, const char *message, const char *file, int line,
                         const tr__misuse_origin *origin)
{
    tr__set_error(s, message);
    if (!tr__is_misuse(s))
        return s;
    atomic_fetch_add(&misuse_total, 1);
    tr_misuse_hook obs = atomic_load_explicit(&observer, memory_order_acquire);
    if (obs)
        obs(s, last_error, file, line, atomic_load_explicit(&observer_ctx, memory_order_acquire));
    tr_misuse_hook hook = atomic_load_explicit(&user_hook, memory_order_acquire);
    if (hook)
        hook(s, last_error, file, line, atomic_load_explicit(&user_ctx, memory_order_acquire));
    tr_misuse_reporter rep = atomic_load_explicit(&reporter, memory_order_acquire);
    if (rep || (!hook && !obs)) {
        tr__misuse_call c = {s, tr_status_name(s), last_error, file, line, origin};
        tr__misuse_report(&c, rep, rep ? atomic_load_explicit(&reporter_ctx, memory_order_acquire)
                                       : NULL);
    }
    return s;
}

tr_status tr__raise(tr_status s, const char *message, const char *file, int line)
{
    return tr__raise_from(s, message, file, line, NULL);
}

tr_status tr__raisef(tr_status s, const char *file, int line, const char *fmt, ...)
{
    char text[TR__ERROR_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return tr__raise(s, text, file, line);
}

/* Documented per-process state: the check that failed, kept for the harness's crash
 * reporter (the abort below is what it catches). */
static char check_text[256];

void tr__check_failed(const char *file, int line, const char *what)
{
    const char *slash = strrchr(file, '/');
    snprintf(check_text, sizeof check_text, "%s (%s:%d)", what, slash ? slash + 1 : file, line);
    fprintf(stderr, "trama: internal invariant broken at %s:%d: %s\n", file, line, what);
    abort();
}

const char *tr__check_text(void) { return check_text[0] ? check_text : NULL; }
