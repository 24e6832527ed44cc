/* Pattern:  a BoundedSemaphore slot released twice: on the error path and in "finally".
 * Expected: TR_VALUE_ERROR_FOUND ("Semaphore released too many times").
 * Trigger:  every schedule: the failing worker over-releases; 0 preemptions. The error
 *           may surface in the other worker's correct release, depending on the order.
 * Twin:     bounded_semaphore_release_once_2threads.c (TR_PASS). */
#include <trama/harness.h>

typedef struct pool {
    tr_semaphore *slots;
    int served;
} pool;

typedef struct request {
    pool *pool;
    bool bad;
} request;

static void handle(void *arg)
{
    request *r = arg;
    tr_semaphore_acquire(r->pool->slots, true, TR_FOREVER);
    if (r->bad) {
        tr_semaphore_release(r->pool->slots, 1); /* error path gives the slot back... */
        goto finally;
    }
    TR_STORE(r->pool->served, TR_LOAD(r->pool->served) + 1);
finally:
    tr_semaphore_release(r->pool->slots, 1); /* ...and so does finally */
}

TR_CASE(bounded_semaphore_double_release_2threads, TR_VALUE_ERROR_FOUND)
{
    pool *p = tr_case_alloc(sizeof *p);
    request *r = tr_case_alloc(2 * sizeof *r);
    p->slots = tr_bounded_semaphore_new(2);
    r[0] = (request){p, false};
    r[1] = (request){p, true};
    tr_thread *t1 = tr_thread_new(handle, &r[0], &(tr_thread_opts){.name = "good"});
    tr_thread *t2 = tr_thread_new(handle, &r[1], &(tr_thread_opts){.name = "bad"});
    tr_thread_start(t1);
    tr_thread_start(t2);
    tr_thread_join(t1, TR_FOREVER);
    tr_thread_join(t2, TR_FOREVER);
    tr_thread_free(t1);
    tr_thread_free(t2);
    tr_semaphore_free(p->slots);
}
