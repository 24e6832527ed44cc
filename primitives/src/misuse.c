/* misuse.c — one misuse as a record (tr_misuse): the facts around the raise (thread,
 * process, clocks, the object as "L3", the call chain) gathered only once the log has
 * admitted it or a reporter wants it, so a suppressed misuse costs no stack. */
#define _GNU_SOURCE /* gettid, program_invocation_short_name */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "misuse.h"

/* Per-process: "MainProcess", or the name of the tr_process this process runs (written in
 * the child right after fork, while it has one thread). */
static char process_name[64] = "MainProcess";

void tr__misuse_process_named(const char *name)
{
    snprintf(process_name, sizeof process_name, "%s", name ? name : "MainProcess");
}

static double clock_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Everything but the stack. object_id and thread_name are the caller's buffers. */
static void fill(tr_misuse *m, const tr__misuse_call *c, char *object_id, size_t id_size,
                 char *thread_name, size_t name_size)
{
    const tr__misuse_origin *o = c->origin;
    *m = (tr_misuse){.status = c->status, .kind = tr__misuse_kind(c->status),
                     .exception = c->exception, .message = c->message, .file = c->file,
                     .line = c->file ? c->line : 0, .symbolizer = tr__stack_symbolizer()};
    if (o) {
        m->operation = o->operation;
        if (o->object_kind) {
            snprintf(object_id, id_size, "%s%lu", o->object_prefix, o->object_number);
            m->object_kind = o->object_kind;
            m->object_id = object_id;
            m->object_label = o->object_label;
        }
    }
    m->thread_ident = tr__actor_describe(thread_name, name_size);
    m->thread_name = thread_name;
    m->thread_native_id = (long)gettid();
    m->pid = (int)getpid();
    m->process_name = process_name;
    m->program = program_invocation_short_name;
    m->monotonic = clock_seconds(CLOCK_MONOTONIC);
    m->time = clock_seconds(CLOCK_REALTIME);
}

void tr__misuse_report(const tr__misuse_call *c, tr_misuse_reporter reporter, void *ctx)
{
    tr__misuse_ticket ticket = {0};
    if (!reporter && !tr__misuse_log_admit(c, &ticket))
        return;
    int saved_errno = errno; /* a misuse never changes what the caller sees in errno */
    tr_misuse m;
    char object_id[32], thread_name[128];
    fill(&m, c, object_id, sizeof object_id, thread_name, sizeof thread_name);
    /* about 7 KB: off the stack, which may be a small thread's */
    tr__stack *stack = reporter || !ticket.text ? malloc(sizeof *stack) : NULL;
    if (stack) {
        tr__stack_capture(stack);
        m.stack = stack->frames;
        m.stack_depth = stack->depth;
    }
    if (reporter)
        reporter(&m, ctx);
    else
        tr__misuse_log_write(&m, &ticket);
    free(stack);
    errno = saved_errno;
}
