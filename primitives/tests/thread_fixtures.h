/* thread_fixtures.h — what the Thread tests share: a target that does nothing, and a
 * "parked" thread that records what it sees of itself, then runs until told to finish.
 * Include after <cmocka.h> and helpers.h. */
#ifndef TRAMA_TEST_THREAD_FIXTURES_H
#define TRAMA_TEST_THREAD_FIXTURES_H

static inline void noop(void *arg) { (void)arg; }

/* A target that runs until told to finish. */
typedef struct parked {
    tr_semaphore *running;
    tr_semaphore *finish;
    tr_thread *self_seen;
    bool alive_inside;
    tr_status self_join;
    char self_join_text[64];
} parked;

static inline void park(void *arg)
{
    parked *p = arg;
    p->self_seen = tr_current_thread();
    p->alive_inside = tr_thread_is_alive(p->self_seen);
    p->self_join = tr_thread_join(p->self_seen, TR_FOREVER);
    snprintf(p->self_join_text, sizeof p->self_join_text, "%s", tr_last_error());
    worker_expect(tr_semaphore_release(p->running, 1), TR_OK);
    worker_expect(tr_semaphore_acquire(p->finish, true, HANG), TR_OK);
}

static inline tr_thread *start_parked(parked *p)
{
    *p = (parked){.running = tr_semaphore_new(0), .finish = tr_semaphore_new(0)};
    tr_thread *t = start_thread(park, p);
    await_signal(p->running);
    return t;
}

static inline void finish_parked(parked *p, tr_thread *t)
{
    assert_int_equal(tr_semaphore_release(p->finish, 1), TR_OK);
    assert_int_equal(tr_thread_join(t, HANG), TR_OK);
    assert_int_equal(atomic_exchange(&worker_failures, 0), 0);
    tr_semaphore_free(p->running);
    tr_semaphore_free(p->finish);
}

#endif
