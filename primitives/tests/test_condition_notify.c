/* test_condition_notify.c — threading.Condition (PYTHON_SEMANTICS.md §3,
 * lock_tests.ConditionTests): waiting and waking. wait releases the lock fully and
 * retakes it; notify(n) and notify_all wake the oldest waiters; timed waiters leave the
 * list; wait_for re-checks its predicate under one deadline. The lock, misuse and the
 * timeouts of one wait: test_condition.c.
 *
 * Waiters are queued in a known order without sleeping: a waiter holds the condition's
 * lock when it signals "ready", and releases it only inside wait, after joining the list;
 * so once the main thread gets the lock, that waiter is queued. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"

/* ---- wait releases the lock fully ----------------------------------------------------- */

typedef struct notifier {
    tr_condition *c;
    tr_rlock *rlock;
    tr_lock *lock;
    long count_seen;
    bool lock_was_free;
} notifier;

static void take_the_lock_and_notify(void *arg)
{
    notifier *n = arg;
    /* Gets in only while the waiter is inside wait (it released the lock fully). */
    worker_expect(tr_condition_acquire(n->c, true, TR_FOREVER), TR_OK);
    if (n->rlock)
        n->count_seen = tr_rlock_recursion_count(n->rlock);
    worker_expect(tr_condition_notify(n->c, 1), TR_OK);
    worker_expect(tr_condition_release(n->c), TR_OK);
}

static void test_wait_releases_an_rlock_fully_and_restores_its_count(void **state)
{
    (void)state;
    notifier n = {.rlock = tr_rlock_new()};
    n.c = tr_condition_new_rlock(n.rlock);
    assert_int_equal(tr_condition_acquire(n.c, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_condition_acquire(n.c, true, TR_FOREVER), TR_OK);
    tr_thread *t = start_thread(take_the_lock_and_notify, &n);
    assert_int_equal(tr_condition_wait(n.c, HANG), TR_OK);
    assert_int_equal(tr_rlock_recursion_count(n.rlock), 2);
    join_thread(t);
    assert_int_equal(n.count_seen, 1); /* the notifier's own count, not the waiter's */
    assert_int_equal(tr_condition_release(n.c), TR_OK);
    assert_int_equal(tr_condition_release(n.c), TR_OK);
    assert_false(tr_rlock_is_owned(n.rlock));
    tr_condition_free(n.c);
    tr_rlock_free(n.rlock);
}

static void test_wait_on_lock_condition_releases_and_retakes_the_lock(void **state)
{
    (void)state;
    notifier n = {.lock = tr_lock_new()};
    n.c = tr_condition_new_lock(n.lock);
    assert_int_equal(tr_condition_acquire(n.c, true, TR_FOREVER), TR_OK);
    tr_thread *t = start_thread(take_the_lock_and_notify, &n);
    assert_int_equal(tr_condition_wait(n.c, HANG), TR_OK);
    assert_true(tr_lock_locked(n.lock));
    join_thread(t);
    assert_int_equal(tr_condition_release(n.c), TR_OK);
    assert_false(tr_lock_locked(n.lock));
    tr_condition_free(n.c);
    tr_lock_free(n.lock);
}

/* ---- waiters in a known order --------------------------------------------------------- */

enum { WAITERS = 5 };

typedef struct crowd {
    tr_condition *c;
    tr_semaphore *ready;
    tr_semaphore *woke;
    double timeout;
    int phase;            /* written by main under the lock */
    int phase_of[WAITERS]; /* the phase each waiter returned in, under the lock */
    tr_status status[WAITERS];
    double elapsed[WAITERS];
} crowd;

typedef struct member {
    crowd *crowd;
    int index;
} member;

static void wait_in_crowd(void *arg)
{
    member *m = arg;
    crowd *k = m->crowd;
    worker_expect(tr_condition_acquire(k->c, true, TR_FOREVER), TR_OK);
    worker_expect(tr_semaphore_release(k->ready, 1), TR_OK);
    double start = now_seconds();
    k->status[m->index] = tr_condition_wait(k->c, k->timeout);
    k->elapsed[m->index] = now_seconds() - start;
    k->phase_of[m->index] = k->phase;
    worker_expect(tr_condition_release(k->c), TR_OK);
    worker_expect(tr_semaphore_release(k->woke, 1), TR_OK);
}

static void crowd_init(crowd *k, double timeout)
{
    *k = (crowd){.c = tr_condition_new(), .timeout = timeout};
    k->ready = tr_semaphore_new(0);
    k->woke = tr_semaphore_new(0);
}

static void crowd_fini(crowd *k)
{
    tr_semaphore_free(k->ready);
    tr_semaphore_free(k->woke);
    tr_condition_free(k->c);
}

/* Starts waiters first..first+n-1, each queued before the next starts. */
static void queue_waiters(crowd *k, member *m, tr_thread **t, int first, int n)
{
    for (int i = first; i < first + n; i++) {
        m[i] = (member){k, i};
        t[i] = start_thread(wait_in_crowd, &m[i]);
        await_signal(k->ready);
        assert_int_equal(tr_condition_acquire(k->c, true, TR_FOREVER), TR_OK);
        assert_int_equal(tr_condition_release(k->c), TR_OK);
    }
}

static void notify_in_phase(crowd *k, int phase, int n)
{
    assert_int_equal(tr_condition_acquire(k->c, true, TR_FOREVER), TR_OK);
    k->phase = phase;
    if (n < 0)
        assert_int_equal(tr_condition_notify_all(k->c), TR_OK);
    else
        assert_int_equal(tr_condition_notify(k->c, n), TR_OK);
    assert_int_equal(tr_condition_release(k->c), TR_OK);
}

static void await_wakes(crowd *k, int n)
{
    for (int i = 0; i < n; i++)
        await_signal(k->woke);
    assert_no_signal_within(k->woke, QUIET); /* and nobody else */
}

static void test_waiter_blocks_until_notified(void **state)
{
    (void)state;
    crowd k;
    member m[1];
    tr_thread *t[1];
    crowd_init(&k, TR_FOREVER);
    queue_waiters(&k, m, t, 0, 1);
    assert_no_signal_within(k.woke, QUIET);
    notify_in_phase(&k, 1, 1);
    await_signal(k.woke);
    join_thread(t[0]);
    assert_int_equal(k.status[0], TR_OK);
    assert_int_equal(k.phase_of[0], 1);
    crowd_fini(&k);
}

/* FIFO is about who is chosen (the 3 oldest); the woken then retake the lock in any order. */
static void test_notify_3_then_5_wakes_exactly_3_then_the_rest_in_fifo_order(void **state)
{
    (void)state;
    crowd k;
    member m[WAITERS];
    tr_thread *t[WAITERS];
    crowd_init(&k, TR_FOREVER);
    queue_waiters(&k, m, t, 0, WAITERS);
    notify_in_phase(&k, 1, 3);
    await_wakes(&k, 3);
    notify_in_phase(&k, 2, 5);
    await_wakes(&k, 2);
    for (int i = 0; i < WAITERS; i++) {
        join_thread(t[i]);
        assert_int_equal(k.status[i], TR_OK);
        assert_int_equal(k.phase_of[i], i < 3 ? 1 : 2);
    }
    crowd_fini(&k);
}

static void test_notify_all_wakes_every_waiter(void **state)
{
    (void)state;
    crowd k;
    member m[WAITERS];
    tr_thread *t[WAITERS];
    crowd_init(&k, TR_FOREVER);
    queue_waiters(&k, m, t, 0, WAITERS);
    notify_in_phase(&k, 1, -1);
    await_wakes(&k, WAITERS);
    for (int i = 0; i < WAITERS; i++) {
        join_thread(t[i]);
        assert_int_equal(k.status[i], TR_OK);
        assert_int_equal(k.phase_of[i], 1);
    }
    crowd_fini(&k);
}

static void test_notify_zero_or_negative_wakes_nobody(void **state)
{
    (void)state;
    crowd k;
    member m[2];
    tr_thread *t[2];
    crowd_init(&k, TR_FOREVER);
    queue_waiters(&k, m, t, 0, 2);
    notify_in_phase(&k, 1, 0);
    assert_int_equal(tr_condition_acquire(k.c, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_condition_notify(k.c, -1), TR_OK);
    assert_int_equal(tr_condition_release(k.c), TR_OK);
    assert_no_signal_within(k.woke, QUIET);
    notify_in_phase(&k, 2, 2);
    await_wakes(&k, 2);
    for (int i = 0; i < 2; i++) {
        join_thread(t[i]);
        assert_int_equal(k.phase_of[i], 2);
    }
    crowd_fini(&k);
}

static void test_notify_without_waiters_does_nothing(void **state)
{
    (void)state;
    tr_condition *c = tr_condition_new();
    assert_int_equal(tr_condition_acquire(c, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_condition_notify(c, 1), TR_OK);
    assert_int_equal(tr_condition_notify_all(c), TR_OK);
    /* A notify is not remembered: a later wait still times out. */
    assert_int_equal(tr_condition_wait(c, 0.01), TR_TIMEOUT);
    assert_int_equal(tr_condition_release(c), TR_OK);
    tr_condition_free(c);
}

static void test_notify_more_than_waiting_wakes_those_waiting_only(void **state)
{
    (void)state;
    crowd k;
    member m[3];
    tr_thread *t[3];
    crowd_init(&k, TR_FOREVER);
    queue_waiters(&k, m, t, 0, 2);
    notify_in_phase(&k, 1, 5);
    await_wakes(&k, 2);
    queue_waiters(&k, m, t, 2, 1); /* a later waiter is not woken by that notify */
    assert_no_signal_within(k.woke, QUIET);
    notify_in_phase(&k, 2, 1);
    await_wakes(&k, 1);
    for (int i = 0; i < 3; i++)
        join_thread(t[i]);
    assert_int_equal(k.phase_of[2], 2);
    crowd_fini(&k);
}

static void test_5_timed_waiters_time_out_after_about_the_timeout(void **state)
{
    (void)state;
    crowd k;
    member m[WAITERS];
    tr_thread *t[WAITERS];
    crowd_init(&k, 0.2);
    queue_waiters(&k, m, t, 0, WAITERS);
    for (int i = 0; i < WAITERS; i++) {
        join_thread(t[i]);
        assert_int_equal(k.status[i], TR_TIMEOUT);
        assert_took_about(k.elapsed[i], 0.2);
    }
    crowd_fini(&k);
}

static void test_timed_out_waiter_leaves_the_waiter_list(void **state)
{
    (void)state;
    crowd k;
    member m[1];
    tr_thread *t[1];
    crowd_init(&k, TR_FOREVER);
    /* The main thread's own waiter times out (a worker's stack could be reused by the next
     * worker and hide a stale record). */
    assert_int_equal(tr_condition_acquire(k.c, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_condition_wait(k.c, 0.05), TR_TIMEOUT);
    assert_int_equal(tr_condition_release(k.c), TR_OK);
    queue_waiters(&k, m, t, 0, 1);
    notify_in_phase(&k, 1, 1); /* must reach the worker, not the departed waiter */
    await_wakes(&k, 1);
    join_thread(t[0]);
    assert_int_equal(k.status[0], TR_OK);
    crowd_fini(&k);
}

/* ---- wait_for ------------------------------------------------------------------------- */

typedef struct counter {
    tr_condition *c;
    int state;       /* under the condition's lock */
    int calls;       /* predicate calls */
    int target;
    tr_status result;
    double elapsed;
    double timeout;
    tr_semaphore *done;
} counter;

static bool state_reached(void *arg)
{
    counter *k = arg;
    k->calls++;
    return k->state == k->target;
}

static bool never(void *arg)
{
    counter *k = arg;
    k->calls++;
    return false;
}

static void test_wait_for_true_predicate_returns_at_once_even_without_the_lock(void **state)
{
    (void)state;
    counter k = {.c = tr_condition_new(), .target = 0};
    assert_int_equal(tr_condition_wait_for(k.c, state_reached, &k, TR_FOREVER), TR_OK);
    assert_int_equal(tr_condition_wait_for(k.c, state_reached, &k, 0), TR_OK);
    assert_int_equal(k.calls, 2);
    tr_condition_free(k.c);
}

static void test_wait_for_false_predicate_without_the_lock_is_runtime_error(void **state)
{
    (void)state;
    counter k = {.c = tr_condition_new()};
    assert_misuse(tr_condition_wait_for(k.c, never, &k, 0), TR_RUNTIME_ERROR,
                  "cannot wait on un-acquired lock");
    assert_int_equal(k.calls, 1);
    tr_condition_free(k.c);
}

static void test_wait_for_zero_timeout_checks_twice_around_one_poll(void **state)
{
    (void)state;
    counter k = {.c = tr_condition_new()};
    assert_int_equal(tr_condition_acquire(k.c, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_condition_wait_for(k.c, never, &k, 0), TR_TIMEOUT);
    assert_int_equal(k.calls, 2);
    assert_int_equal(tr_condition_release(k.c), TR_OK);
    tr_condition_free(k.c);
}

static void test_wait_for_overflowing_timeout_is_value_error(void **state)
{
    (void)state;
    counter k = {.c = tr_condition_new()};
    assert_int_equal(tr_condition_acquire(k.c, true, TR_FOREVER), TR_OK);
    assert_misuse(tr_condition_wait_for(k.c, never, &k, 1e100), TR_VALUE_ERROR,
                  "timestamp out of range for platform time_t");
    assert_int_equal(tr_condition_release(k.c), TR_OK);
    tr_condition_free(k.c);
}

static void wait_for_state(void *arg)
{
    counter *k = arg;
    worker_expect(tr_condition_acquire(k->c, true, TR_FOREVER), TR_OK);
    double start = now_seconds();
    k->result = tr_condition_wait_for(k->c, k->target ? state_reached : never, k, k->timeout);
    k->elapsed = now_seconds() - start;
    if (k->target)
        worker_expect(k->state, k->target);
    worker_expect(tr_condition_release(k->c), TR_OK);
    worker_expect(tr_semaphore_release(k->done, 1), TR_OK);
}

static void run_wait_for_after_4_steps(double timeout)
{
    counter k = {.c = tr_condition_new(), .target = 4, .timeout = timeout};
    k.done = tr_semaphore_new(0);
    tr_thread *t = start_thread(wait_for_state, &k);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(tr_condition_acquire(k.c, true, TR_FOREVER), TR_OK);
        k.state++;
        assert_int_equal(tr_condition_notify(k.c, 1), TR_OK);
        assert_int_equal(tr_condition_release(k.c), TR_OK);
    }
    join_thread(t);
    assert_int_equal(k.result, TR_OK);
    tr_semaphore_free(k.done);
    tr_condition_free(k.c);
}

static void test_wait_for_returns_ok_after_4_increment_and_notify_steps(void **state)
{
    (void)state;
    run_wait_for_after_4_steps(TR_FOREVER);
}

static void test_wait_for_with_nan_timeout_waits_until_the_predicate_holds(void **state)
{
    (void)state;
    run_wait_for_after_4_steps(NAN);
}

static void test_wait_for_timeout_returns_timeout_after_about_t_despite_notifies(void **state)
{
    (void)state;
    counter k = {.c = tr_condition_new(), .target = 0, .timeout = 0.2};
    k.done = tr_semaphore_new(0);
    tr_thread *t = start_thread(wait_for_state, &k);
    int notifies = 0;
    double start = now_seconds();
    while (tr_semaphore_acquire(k.done, true, 0.01) == TR_TIMEOUT) {
        if (now_seconds() - start > 10 * k.timeout)
            fail_msg("wait_for kept waiting past its deadline");
        assert_int_equal(tr_condition_acquire(k.c, true, TR_FOREVER), TR_OK);
        assert_int_equal(tr_condition_notify(k.c, 1), TR_OK);
        assert_int_equal(tr_condition_release(k.c), TR_OK);
        notifies++;
    }
    join_thread(t);
    assert_int_equal(k.result, TR_TIMEOUT);
    assert_took_about(k.elapsed, 0.2);
    assert_true(notifies > 0);
    assert_true(k.calls >= 2); /* woken by notifies, re-checked, kept one deadline */
    tr_semaphore_free(k.done);
    tr_condition_free(k.c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wait_releases_an_rlock_fully_and_restores_its_count),
        cmocka_unit_test(test_wait_on_lock_condition_releases_and_retakes_the_lock),
        cmocka_unit_test(test_waiter_blocks_until_notified),
        cmocka_unit_test(test_notify_3_then_5_wakes_exactly_3_then_the_rest_in_fifo_order),
        cmocka_unit_test(test_notify_all_wakes_every_waiter),
        cmocka_unit_test(test_notify_zero_or_negative_wakes_nobody),
        cmocka_unit_test(test_notify_without_waiters_does_nothing),
        cmocka_unit_test(test_notify_more_than_waiting_wakes_those_waiting_only),
        cmocka_unit_test(test_5_timed_waiters_time_out_after_about_the_timeout),
        cmocka_unit_test(test_timed_out_waiter_leaves_the_waiter_list),
        cmocka_unit_test(test_wait_for_true_predicate_returns_at_once_even_without_the_lock),
        cmocka_unit_test(test_wait_for_false_predicate_without_the_lock_is_runtime_error),
        cmocka_unit_test(test_wait_for_zero_timeout_checks_twice_around_one_poll),
        cmocka_unit_test(test_wait_for_overflowing_timeout_is_value_error),
        cmocka_unit_test(test_wait_for_returns_ok_after_4_increment_and_notify_steps),
        cmocka_unit_test(test_wait_for_with_nan_timeout_waits_until_the_predicate_holds),
        cmocka_unit_test(test_wait_for_timeout_returns_timeout_after_about_t_despite_notifies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
