/* action.c — what every backend shares about an action, below all of them: its outcome
 * rule (tr__action_finish) and who performs it (the actor).
 *
 * The outcome rule is written once so that no backend can drift from another: native and
 * controlled both decide only *whether* the guard held by the deadline, then call
 * tr__action_finish.
 *
 * The actor is a thread-local pointer that thread.c sets (tr__thread_bind). A host thread
 * trama did not start has none until its first action adopts it (MainThread or Dummy-N):
 * adoption creates a thread object, which needs the backend. So the layers below thread.c
 * (backend.c, the backends, tsan.c) reach threads only through the small ops table
 * thread.c registers at load time, never by a direct call up into thread.c. */
#include <string.h>

#include "internal.h"

void tr__action_finish(tr__action *a, bool timed_out)
{
    if (timed_out) {
        a->status = TR_TIMEOUT;
        a->timed_out = true;
        if (a->on_timeout)
            a->on_timeout(a);
    } else {
        a->status = TR_OK;
        if (a->effect)
            a->effect(a);
    }
}

_Thread_local tr_thread *tr__actor __attribute__((tls_model("initial-exec")));

/* Set once, by thread.c's static constructor (before main, before any thread): read
 * plainly. NULL only in a program that links none of thread.c, which then has no thread
 * objects and no actor to give. */
static const tr__thread_ops *threads;

void tr__thread_ops_register(const tr__thread_ops *ops) { threads = ops; }

tr_thread *tr__actor_self(void)
{
    if (!tr__actor && threads)
        return threads->self();
    return tr__actor;
}

void tr__host_run(tr_thread *t) { threads->run(t); }

unsigned long tr__actor_describe(char *name, size_t size)
{
    tr_thread *t = tr__actor_self();
    if (size)
        name[0] = '\0';
    if (!t || !threads)
        return 0;
    const char *text = threads->name(t);
    if (text && size) {
        size_t n = strnlen(text, size - 1);
        memcpy(name, text, n);
        name[n] = '\0';
    }
    return threads->ident(t);
}
