/* cc_thread.c — the program's threads under an execution (outside one, the C library's
 * own functions do the work).
 *
 * A pthread is a trama daemon thread (C threads do not keep main waiting: main returning
 * ends the execution with them wherever they are); its pthread_t is the address of its
 * record here, made for the execution. pthread_exit returns to the thread's start through
 * a jump; on main it runs main's key destructors and waits for every other thread, as the
 * process would. A thread that ends runs its key destructors (cc_key.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <string.h>

#include "cc_runtime.h"

/* ---- threads -------------------------------------------------------------------------- */

typedef struct cc_thread {
    tr_thread *thread; /* NULL: the main thread */
    void *(*start)(void *);
    void *arg;
    void *result;
    bool detached, joined, finished;
    jmp_buf exited; /* pthread_exit's way back to the thread's start */
} cc_thread;

/* The execution's threads by case thread id (T0 the main thread), from their first
 * step; and every one, in creation order, from pthread_create. */
static cc_thread *threads[TR__MAX_THREADS];
static cc_thread main_thread;
static cc_thread *created[TR__MAX_THREADS];
static int n_created;

void tr__cc_threads_reset(void)
{
    memset(threads, 0, sizeof threads);
    main_thread = (cc_thread){0};
    threads[0] = &main_thread;
    n_created = 0;
}

static cc_thread *self(void) { return threads[tr__self->id]; }

static void thread_start(void *arg)
{
    cc_thread *t = arg;
    threads[tr__self->id] = t;
    if (setjmp(t->exited) == 0)
        t->result = t->start(t->arg);
    tr__cc_keys_thread_exit();
    t->finished = true;
}

/* A pthread_t this execution made (else a stale or foreign value). */
static cc_thread *thread_of(pthread_t id)
{
    if (id == (pthread_t)&main_thread)
        return &main_thread;
    for (int i = 0; i < n_created; i++)
        if ((pthread_t)created[i] == id)
            return created[i];
    return NULL;
}

TR_PUBLIC int __wrap_pthread_create(pthread_t *id, const pthread_attr_t *attr,
                                    void *(*start)(void *), void *arg);
TR_PUBLIC int __wrap_pthread_join(pthread_t id, void **result);
TR_PUBLIC int __wrap_pthread_detach(pthread_t id);
TR_PUBLIC pthread_t __wrap_pthread_self(void);
TR_PUBLIC int __wrap_pthread_equal(pthread_t a, pthread_t b);
TR_PUBLIC _Noreturn void __wrap_pthread_exit(void *result);

int __wrap_pthread_create(pthread_t *id, const pthread_attr_t *attr, void *(*start)(void *),
                          void *arg)
{
    if (!tr__cc_controlled())
        return pthread_create(id, attr, start, arg);
    if (n_created == TR__MAX_THREADS - 1) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, true, RA,
                       "pthread_create: more than %d threads in one execution (EAGAIN)",
                       TR__MAX_THREADS - 1);
        return EAGAIN;
    }
    cc_thread *t = tr_case_alloc(sizeof *t);
    int state = PTHREAD_CREATE_JOINABLE;
    if (attr)
        pthread_attr_getdetachstate(attr, &state);
    t->start = start;
    t->arg = arg;
    t->detached = state == PTHREAD_CREATE_DETACHED;
    tr__cc_site(RA);
    t->thread = (tr_thread_new)(thread_start, t, &(tr_thread_opts){.daemon = true});
    if (!t->thread)
        return EAGAIN;
    created[n_created++] = t;
    *id = (pthread_t)t;
    tr__cc_site(RA);
    return (tr_thread_start)(t->thread) == TR_OK ? 0 : EAGAIN;
}

int __wrap_pthread_join(pthread_t id, void **result)
{
    if (!tr__cc_controlled())
        return pthread_join(id, result);
    cc_thread *t = thread_of(id);
    if (!t) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_join: no such thread (ESRCH)");
        return ESRCH;
    }
    if (t == self()) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_join: a thread joins itself (EDEADLK)");
        return EDEADLK;
    }
    if (t->joined || t->detached) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_join: the thread is %s (EINVAL)",
                       t->joined ? "joined already" : "detached");
        return EINVAL;
    }
    if (!t->thread) {
        tr__cc_finding(TR_RUNTIME_ERROR_FOUND, false, RA,
                       "pthread_join: joining the main thread is not modelled");
        return EINVAL;
    }
    t->joined = true;
    tr__cc_site(RA);
    (tr_thread_join)(t->thread, TR_FOREVER);
    if (result)
        *result = t->result;
    return 0;
}

int __wrap_pthread_detach(pthread_t id)
{
    if (!tr__cc_controlled())
        return pthread_detach(id);
    cc_thread *t = thread_of(id);
    if (!t || t->detached || t->joined)
        return t ? EINVAL : ESRCH;
    t->detached = true;
    return 0;
}

pthread_t __wrap_pthread_self(void)
{
    return tr__cc_controlled() ? (pthread_t)self() : pthread_self();
}

int __wrap_pthread_equal(pthread_t a, pthread_t b) { return a == b; }

void __wrap_pthread_exit(void *result)
{
    if (!tr__cc_controlled())
        pthread_exit(result);
    cc_thread *t = self();
    if (tr__self->id == 0) {
        tr__cc_keys_thread_exit();
        /* The process lives on until its last thread ends: main waits for the others. */
        for (int i = 0; i < n_created; i++)
            if (!created[i]->finished) {
                tr__cc_site(RA);
                (tr_thread_join)(created[i]->thread, TR_FOREVER);
            }
        tr__cc_main_thread_exit();
    }
    t->result = result;
    longjmp(t->exited, 1);
}
