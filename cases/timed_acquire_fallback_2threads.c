/* Pattern:  a timed Lock acquire that gives up and takes a fallback path.
 * Expected: TR_PASS.
 * Trigger:  none: when the holder waits for the worker, the 0.5 s timeout fires (time
 *           is virtual: only once nothing else can run) and the worker still signals.
 * Twin:     timed_acquire_forever_2threads.c (TR_DEADLOCK, the same wait without timeout). */
#include <trama/harness.h>

typedef struct cache {
    tr_lock *lock;   /* the cache lock, held by the holder while it waits */
    tr_lock *signal; /* held by the main thread; the worker releases it when done */
    int fallbacks;
} cache;

static void hold_and_wait(void *arg)
{
    cache *s = arg;
    tr_lock_acquire(s->lock, true, TR_FOREVER);
    tr_lock_acquire(s->signal, true, TR_FOREVER); /* waits for the worker */
    tr_lock_release(s->signal);
    tr_lock_release(s->lock);
}

static void refresh(void *arg)
{
    cache *s = arg;
    if (tr_lock_acquire(s->lock, true, 0.5) == TR_OK)
        tr_lock_release(s->lock);
    else
        TR_STORE(s->fallbacks, 1); /* serve stale data instead */
    tr_lock_release(s->signal);
}

TR_CASE(timed_acquire_fallback_2threads, TR_PASS)
{
    cache *s = tr_case_alloc(sizeof *s);
    s->lock = tr_lock_new();
    s->signal = tr_lock_new();
    tr_lock_acquire(s->signal, true, TR_FOREVER);
    tr_thread *h = tr_thread_new(hold_and_wait, s, &(tr_thread_opts){.name = "holder"});
    tr_thread *w = tr_thread_new(refresh, s, &(tr_thread_opts){.name = "refresher"});
    tr_thread_start(h);
    tr_thread_start(w);
    tr_thread_join(h, TR_FOREVER);
    tr_thread_join(w, TR_FOREVER);
    tr_thread_free(h);
    tr_thread_free(w);
    tr_lock_free(s->lock);
    tr_lock_free(s->signal);
}
