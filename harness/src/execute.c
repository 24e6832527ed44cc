/* execute.c — one execution of a case under the controlled backend, driven from T0: the
 * backend installed, the case body run as T0, T0's exit step (Python's wait for its
 * non-daemon threads), the case's leftovers reclaimed; and the findings the case side
 * raises directly: misuse and failed assertions. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "execution.h"

tr_verdict tr__verdict_of_status(tr_status s)
{
    switch (s) {
    case TR_VALUE_ERROR:
    case TR_INDEX_ERROR: /* a bad argument too */
        return TR_VALUE_ERROR_FOUND;
    case TR_OS_ERROR:
        return TR_OS_ERROR_FOUND;
    default:
        return TR_RUNTIME_ERROR_FOUND;
    }
}

static void on_misuse(tr_status s, const char *message, const char *file, int line, void *ctx)
{
    (void)ctx;
    if (!tr__exec.active || !tr__self)
        return;
    tr_finding f;
    tr__finding_init(&f, tr__verdict_of_status(s), "%s: %s", tr_status_name(s), message);
    if (file)
        tr__finding_site(&f, file, line);
    tr__finding_thread(&f, tr__self->id);
    tr__finding_emit(&f, false);
}

/* T0's exit step waits for this: Python's interpreter exit joins non-daemon threads. */
static bool all_threads_done(const tr__action *a)
{
    (void)a;
    const struct tr__execution *x = &tr__exec;
    for (int i = 1; i < x->n_threads; i++) {
        const tr__cthread *c = &x->threads[i];
        if (c->process != 0)
            continue; /* another process's: its own exit waits for it */
        if (c->state == TR__CT_FINISHED || c->state == TR__CT_NEW || tr_thread_daemon(c->thread))
            continue;
        if (c->state == TR__CT_PENDING && c->pending->op == TR__OP_POOL_TAKE)
            continue; /* an idle pool worker: Python's exit shuts the pool down */
        return false;
    }
    return true;
}

/* T0: the case body, then its exit step. */
static void run_case(void *arg)
{
    tr_thread *main = arg;
    tr__exec.c->body();
    tr__action exit_all = {.obj = tr__thread_object(main), .op = TR__OP_THREAD_EXIT,
                           .timeout = TR_FOREVER, .wait_fd = -1, .guard = all_threads_done,
                           .actor = main};
    tr__controlled_backend.perform(&exit_all);
}

/* The whole execution as rows, for the trace table. */
static void keep_trace(tr_finding *trace)
{
    const struct tr__execution *x = &tr__exec;
    tr__finding_init(trace, TR_PASS, "trace");
    tr__finding_rows(trace, x->waiting, x->n_waiting);
}

bool tr__execute(const tr_case *c, const tr__exec_opts *opts, tr__finding_sink sink, void *ctx,
                 tr_finding *trace)
{
    tr__hosts_start();
    tr__execution_begin(c, opts, sink, ctx);
    tr__processes_begin();
    tr__race_reset();
    const tr__backend *previous = tr__backend_install(&tr__controlled_backend);
    tr__set_misuse_observer(on_misuse, NULL);
    tr__names_reset();
    opts->explorer->execution_begin(opts->explorer);

    tr_thread *main = tr__thread_new_main();
    TR_CHECK(main, "out of memory creating T0");
    snprintf(tr__exec.threads[0].name, sizeof tr__exec.threads[0].name, "%s",
             tr_thread_name(main));
    tr__thread_bind(main);
    tr__hosts_drive(run_case, main);
    tr__processes_end();
    tr__leftovers_reap_forked(); /* what the case forked itself: the next one starts clean */
    if (trace)
        keep_trace(trace);
    tr__thread_bind(NULL);
    tr__execution_end();
    tr__memory_forget();
    tr__set_misuse_observer(NULL, NULL);
    tr__backend_install(previous);
    return !tr__exec.mismatch;
}

void tr__current_schedule(char *out, size_t size)
{
    tr__schedule_format(tr__exec.choices, tr__exec.n_choices, tr__exec_mode(), out, size);
}

void tr__assert_failed(const char *file, int line, const char *text)
{
    if (!tr__exec.active || !tr__self) {
        fprintf(stderr, "%s:%d: %s failed\n", file, line, text);
        abort();
    }
    tr_finding f;
    tr__finding_init(&f, TR_ASSERTION, "%s failed", text);
    tr__finding_site(&f, file, line);
    tr__finding_thread(&f, tr__self->id);
    tr__finding_emit(&f, true);
    if (tr__in_child())
        tr__child_cut(); /* P0's scheduler ends it */
    tr__cut_execution();
}

void tr__assert_failedf(const char *file, int line, const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    tr__assert_failed(file, line, text);
}
