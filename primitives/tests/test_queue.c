/* test_queue.c — queue.Queue, LifoQueue and PriorityQueue, as CPython 3.13's
 * Lib/test/test_queue.py checks them (basic order, blocking, nowait, task_done/join,
 * shutdown), with every status and message checked against python3.13. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"

enum { QUEUE_SIZE = 5 };

static const char TIMEOUT_NEGATIVE[] = "'timeout' must be a non-negative number";

/* Items are small integers carried in the pointer. */
#define ITEM(n) ((void *)(intptr_t)(n))
#define NUM(p) ((long)(intptr_t)(p))

static int compare_numbers(const void *a, const void *b)
{
    long x = NUM(a), y = NUM(b);
    return (x > y) - (x < y);
}

static tr_queue *make_fifo(long n) { return (tr_queue_new)(n); }
static tr_queue *make_lifo(long n) { return (tr_lifo_queue_new)(n); }
static tr_queue *make_priority(long n) { return (tr_priority_queue_new)(n, compare_numbers); }

static const struct {
    const char *name;
    tr_queue *(*make)(long);
    long order[3]; /* test_queue.py's target_order for puts of 111, 333, 222 */
} kinds[] = {
    {"Queue", make_fifo, {111, 333, 222}},
    {"LifoQueue", make_lifo, {222, 333, 111}},
    {"PriorityQueue", make_priority, {111, 222, 333}},
};
enum { KINDS = 3 };

static long get_now(tr_queue *q)
{
    void *item = ITEM(-999);
    assert_int_equal(tr_queue_get(q, &item, true, TR_FOREVER), TR_OK);
    return NUM(item);
}

/* ---- threads: one call that blocks, run in a worker ----------------------------------- */

typedef enum call { CALL_PUT, CALL_GET, CALL_JOIN, CALL_SIMPLE_GET } call;

typedef struct blocked {
    tr_queue *q;
    tr_simple_queue *simple; /* CALL_SIMPLE_GET's */
    call what;
    long item;      /* put: what; get: what came out */
    double timeout; /* put/get */
    tr_status status;
    tr_semaphore *started, *done;
} blocked;

static void run_blocked(void *arg)
{
    blocked *b = arg;
    void *item = NULL;
    worker_expect(tr_semaphore_release(b->started, 1), TR_OK);
    switch (b->what) {
    case CALL_PUT:
        b->status = tr_queue_put(b->q, ITEM(b->item), true, b->timeout);
        break;
    case CALL_GET:
        b->status = tr_queue_get(b->q, &item, true, b->timeout);
        b->item = NUM(item);
        break;
    case CALL_JOIN:
        b->status = tr_queue_join(b->q);
        break;
    case CALL_SIMPLE_GET:
        b->status = tr_simple_queue_get(b->simple, &item, true, b->timeout);
        b->item = NUM(item);
        break;
    }
    worker_expect(tr_semaphore_release(b->done, 1), TR_OK);
}

/* Starts the call in a worker and checks that it is still blocked QUIET seconds after it
 * started: the caller then unblocks it and finish_blocked joins it. */
static tr_thread *start_blocked_on(blocked *b, tr_queue *q, tr_simple_queue *simple, call what,
                                   long item, double timeout)
{
    *b = (blocked){.q = q, .simple = simple, .what = what, .item = item, .timeout = timeout,
                   .status = TR_RUNTIME_ERROR, .started = tr_semaphore_new(0),
                   .done = tr_semaphore_new(0)};
    tr_thread *t = start_thread(run_blocked, b);
    await_signal(b->started);
    assert_no_signal_within(b->done, QUIET);
    return t;
}

static tr_thread *start_blocked(blocked *b, tr_queue *q, call what, long item, double timeout)
{
    return start_blocked_on(b, q, NULL, what, item, timeout);
}

static tr_status finish_blocked(blocked *b, tr_thread *t)
{
    await_signal(b->done);
    join_thread(t);
    tr_semaphore_free(b->started);
    tr_semaphore_free(b->done);
    return b->status;
}

/* ---- order and capacity (basic_queue_test) -------------------------------------------- */

static void basic_queue_test(tr_queue *q, long first, long second, long third)
{
    assert_int_equal(tr_queue_qsize(q), 0);
    assert_true(tr_queue_empty(q));
    assert_false(tr_queue_full(q));
    assert_int_equal(tr_queue_put(q, ITEM(111), true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_queue_put(q, ITEM(333), true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_queue_put(q, ITEM(222), true, TR_FOREVER), TR_OK);
    assert_int_equal(get_now(q), first);
    assert_int_equal(get_now(q), second);
    assert_int_equal(get_now(q), third);
    for (long i = 0; i < QUEUE_SIZE - 1; i++) {
        assert_int_equal(tr_queue_put(q, ITEM(i), true, TR_FOREVER), TR_OK);
        assert_int_equal(tr_queue_qsize(q), i + 1);
    }
    assert_false(tr_queue_full(q));
    assert_int_equal(tr_queue_put(q, ITEM(2 * QUEUE_SIZE), true, TR_FOREVER), TR_OK);
    assert_true(tr_queue_full(q));
    assert_false(tr_queue_empty(q));
    check_status("put(block=False) on a full queue", tr_queue_put(q, ITEM(30), false, TR_FOREVER),
                 TR_FULL, "");
    double t0 = now_seconds();
    check_status("put(timeout=0.01) on a full queue", tr_queue_put(q, ITEM(30), true, 0.01),
                 TR_FULL, "");
    assert_took_about(now_seconds() - t0, 0.01);

    /* a blocking put, then a timed one, each unblocked by a get */
    blocked b;
    for (int timed = 0; timed < 2; timed++) {
        tr_thread *t = start_blocked(&b, q, CALL_PUT, 30, timed ? HANG : TR_FOREVER);
        (void)get_now(q);
        assert_int_equal(finish_blocked(&b, t), TR_OK);
        assert_true(tr_queue_full(q));
    }
    for (int i = 0; i < QUEUE_SIZE; i++)
        (void)get_now(q);
    assert_int_equal(tr_queue_qsize(q), 0);
    void *item = ITEM(1);
    check_status("get(block=False) on an empty queue", tr_queue_get(q, &item, false, TR_FOREVER),
                 TR_EMPTY, "");
    assert_null(item);
    t0 = now_seconds();
    check_status("get(timeout=0.01) on an empty queue", tr_queue_get(q, &item, true, 0.01),
                 TR_EMPTY, "");
    assert_took_about(now_seconds() - t0, 0.01);

    /* a blocking get, then a timed one, each unblocked by a put */
    for (int timed = 0; timed < 2; timed++) {
        tr_thread *t = start_blocked(&b, q, CALL_GET, 0, timed ? HANG : TR_FOREVER);
        assert_int_equal(tr_queue_put(q, ITEM(77), true, TR_FOREVER), TR_OK);
        assert_int_equal(finish_blocked(&b, t), TR_OK);
        assert_int_equal(b.item, 77);
    }
}

static void test_basic_order_capacity_and_blocking_twice_on_one_queue(void **state)
{
    (void)state;
    for (int k = 0; k < KINDS; k++) {
        tr_queue *q = kinds[k].make(QUEUE_SIZE);
        assert_non_null(q);
        basic_queue_test(q, kinds[k].order[0], kinds[k].order[1], kinds[k].order[2]);
        basic_queue_test(q, kinds[k].order[0], kinds[k].order[1], kinds[k].order[2]);
        tr_queue_free(q);
    }
}

/* Keys compared alone: which of two equal keys leaves first is heapq's doing. The orders
 * are python3's (queue.PriorityQueue over objects whose __lt__ compares the key only). */
typedef struct keyed {
    int key, id;
} keyed;

static int compare_keys(const void *a, const void *b)
{
    int x = ((const keyed *)a)->key, y = ((const keyed *)b)->key;
    return (x > y) - (x < y);
}

static void test_priority_queue_takes_equal_keys_in_pythons_heapq_order(void **state)
{
    (void)state;
    static const int keys[] = {3, 1, 3, 2, 1, 3, 2, 1, 2, 3, 1};
    enum { N = sizeof keys / sizeof keys[0] };
    static const int all_then_all[N] = {1, 4, 10, 7, 6, 3, 8, 2, 5, 9, 0};
    static const int interleaved[N] = {1, 4, 7, 10, 8, 3, 6, 9, 0, 2, 5};
    keyed items[N];
    for (int i = 0; i < N; i++)
        items[i] = (keyed){keys[i], i};
    for (int pass = 0; pass < 2; pass++) {
        tr_queue *q = tr_priority_queue_new(0, compare_keys);
        int out[N], n = 0;
        for (int i = 0; i < N; i++) {
            assert_int_equal(tr_queue_put(q, &items[i], true, TR_FOREVER), TR_OK);
            if (pass == 1 && i % 3 == 2) {
                void *p;
                assert_int_equal(tr_queue_get(q, &p, true, TR_FOREVER), TR_OK);
                out[n++] = ((keyed *)p)->id;
            }
        }
        while (!tr_queue_empty(q)) {
            void *p;
            assert_int_equal(tr_queue_get(q, &p, true, TR_FOREVER), TR_OK);
            out[n++] = ((keyed *)p)->id;
        }
        assert_int_equal(n, N);
        assert_memory_equal(out, pass ? interleaved : all_then_all, sizeof out);
        tr_queue_free(q);
    }
}

static void test_fifo_grows_past_its_first_storage_and_keeps_order(void **state)
{
    (void)state;
    tr_queue *q = tr_queue_new(0);
    long next_out = 0;
    /* puts and gets interleaved so the ring wraps before it grows */
    for (long i = 0; i < 1000; i++) {
        assert_int_equal(tr_queue_put(q, ITEM(i), true, TR_FOREVER), TR_OK);
        if (i % 3 == 0)
            assert_int_equal(get_now(q), next_out++);
    }
    assert_int_equal(tr_queue_qsize(q), 1000 - next_out);
    while (next_out < 1000)
        assert_int_equal(get_now(q), next_out++);
    assert_true(tr_queue_empty(q));
    tr_queue_free(q);
}

static void test_unbounded_queue_is_never_full_whatever_its_maxsize(void **state)
{
    (void)state;
    static const long sizes[] = {0, -1, -5, LONG_MIN};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        tr_queue *q = tr_queue_new(sizes[i]);
        for (long j = 0; j < 100; j++)
            assert_int_equal(tr_queue_put(q, ITEM(j), false, TR_FOREVER), TR_OK);
        assert_false(tr_queue_full(q));
        assert_int_equal(tr_queue_qsize(q), 100);
        tr_queue_free(q);
    }
}

static void test_nowait_calls_are_full_and_empty_at_the_edges(void **state)
{
    (void)state;
    for (int k = 0; k < KINDS; k++) {
        tr_queue *q = kinds[k].make(QUEUE_SIZE);
        for (int i = 0; i < QUEUE_SIZE; i++)
            assert_int_equal(tr_queue_put_nowait(q, ITEM(1)), TR_OK);
        check_status(kinds[k].name, tr_queue_put_nowait(q, ITEM(1)), TR_FULL, "");
        void *item;
        for (int i = 0; i < QUEUE_SIZE; i++)
            assert_int_equal(tr_queue_get_nowait(q, &item), TR_OK);
        check_status(kinds[k].name, tr_queue_get_nowait(q, &item), TR_EMPTY, "");
        tr_queue_free(q);
    }
}

/* ---- timeouts, row by row (python3.13) ------------------------------------------------ */

typedef struct timeout_row {
    const char *name;
    long maxsize;
    int filled; /* items put first */
    bool get;   /* else put */
    bool block;
    double timeout;
    tr_status status;
    const char *text;
} timeout_row;

static const timeout_row timeout_rows[] = {
    {"unbounded put ignores timeout=-1", 0, 0, false, true, -1.5, TR_OK, NULL},
    {"bounded put with room, timeout=-1", 1, 0, false, true, -1.5, TR_VALUE_ERROR, TIMEOUT_NEGATIVE},
    {"bounded full put, timeout=-1", 1, 1, false, true, -1.5, TR_VALUE_ERROR, TIMEOUT_NEGATIVE},
    {"bounded full put, -inf", 1, 1, false, true, -INFINITY, TR_VALUE_ERROR, TIMEOUT_NEGATIVE},
    {"bounded full put, block=False ignores timeout", 1, 1, false, false, -1.5, TR_FULL, ""},
    {"bounded full put, timeout=0", 1, 1, false, true, 0, TR_FULL, ""},
    {"bounded full put, -0.0 is 0", 1, 1, false, true, -0.0, TR_FULL, ""},
    {"bounded full put, inf", 1, 1, false, true, INFINITY, TR_VALUE_ERROR,
     "timestamp out of range for platform time_t"},
    {"bounded put with room, inf", 1, 0, false, true, INFINITY, TR_OK, NULL},
    {"get with an item, timeout=-1", 0, 1, true, true, -1.5, TR_VALUE_ERROR, TIMEOUT_NEGATIVE},
    {"empty get, timeout=-1", 0, 0, true, true, -1.5, TR_VALUE_ERROR, TIMEOUT_NEGATIVE},
    {"empty get, block=False ignores timeout", 0, 0, true, false, -1.5, TR_EMPTY, ""},
    {"empty get, timeout=0", 0, 0, true, true, 0, TR_EMPTY, ""},
    {"empty get, 1e300", 0, 0, true, true, 1e300, TR_VALUE_ERROR,
     "timestamp out of range for platform time_t"},
    {"get with an item, 1e300", 0, 1, true, true, 1e300, TR_OK, NULL},
};

static void test_timeouts_follow_pythons_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof timeout_rows / sizeof timeout_rows[0]; i++) {
        const timeout_row *r = &timeout_rows[i];
        tr_queue *q = tr_queue_new(r->maxsize);
        for (int j = 0; j < r->filled; j++)
            assert_int_equal(tr_queue_put(q, ITEM(j), true, TR_FOREVER), TR_OK);
        unsigned long misuse = tr_misuse_count();
        void *item;
        tr_status s = r->get ? tr_queue_get(q, &item, r->block, r->timeout)
                             : tr_queue_put(q, ITEM(9), r->block, r->timeout);
        check_status(r->name, s, r->status, r->text);
        if (tr_misuse_count() != misuse + (r->status == TR_VALUE_ERROR))
            fail_msg("%s: misuse counted %lu times", r->name, tr_misuse_count() - misuse);
        long want = r->filled + (r->status == TR_OK ? (r->get ? -1 : 1) : 0);
        if (tr_queue_qsize(q) != want)
            fail_msg("%s: qsize %ld, expected %ld", r->name, tr_queue_qsize(q), want);
        tr_queue_free(q);
    }
}

static void test_nan_timeout_waits_for_an_item(void **state)
{
    (void)state;
    tr_queue *q = tr_queue_new(0);
    blocked b;
    tr_thread *t = start_blocked(&b, q, CALL_GET, 0, NAN);
    assert_int_equal(tr_queue_put(q, ITEM(5), true, TR_FOREVER), TR_OK);
    assert_int_equal(finish_blocked(&b, t), TR_OK);
    assert_int_equal(b.item, 5);
    tr_queue_free(q);
}

static void test_timed_put_on_a_full_queue_times_out_after_about_the_timeout(void **state)
{
    (void)state;
    tr_queue *q = tr_queue_new(1);
    assert_int_equal(tr_queue_put(q, ITEM(1), true, TR_FOREVER), TR_OK);
    double t0 = now_seconds();
    check_status("put(timeout=0.2)", tr_queue_put(q, ITEM(2), true, 0.2), TR_FULL, "");
    assert_took_about(now_seconds() - t0, 0.2);
    assert_int_equal(tr_queue_qsize(q), 1);
    tr_queue_free(q);
}

/* ---- task_done and join --------------------------------------------------------------- */

static void test_task_done_on_a_fresh_queue_is_value_error_at_the_callers_line(void **state)
{
    (void)state;
    for (int k = 0; k < KINDS; k++) {
        tr_queue *q = kinds[k].make(0);
        seen_site seen = {NULL, 0};
        tr_set_misuse_hook(record_site, &seen);
        int line = __LINE__ + 1;
        tr_status s = tr_queue_task_done(q);
        tr_set_misuse_hook(NULL, NULL);
        check_status(kinds[k].name, s, TR_VALUE_ERROR, "task_done() called too many times");
        assert_int_equal(seen.line, line);
        assert_non_null(strstr(seen.file, "test_queue.c"));
        /* the count stays at 0: one put and one task_done balance */
        assert_int_equal(tr_queue_put(q, ITEM(1), true, TR_FOREVER), TR_OK);
        assert_int_equal(tr_queue_task_done(q), TR_OK);
        assert_int_equal(tr_queue_join(q), TR_OK);
        tr_queue_free(q);
    }
}

typedef struct summing {
    tr_queue *q;
    tr_lock *lock;
    long sum;
} summing;

/* test_queue.py's worker: sums items until a negative one, task_done for each. */
static void summing_worker(void *arg)
{
    summing *s = arg;
    for (;;) {
        void *item;
        worker_expect(tr_queue_get(s->q, &item, true, TR_FOREVER), TR_OK);
        if (NUM(item) < 0) {
            worker_expect(tr_queue_task_done(s->q), TR_OK);
            return;
        }
        worker_expect(tr_lock_acquire(s->lock, true, TR_FOREVER), TR_OK);
        s->sum += NUM(item);
        worker_expect(tr_lock_release(s->lock), TR_OK);
        worker_expect(tr_queue_task_done(s->q), TR_OK);
    }
}

static void queue_join_test(tr_queue *q)
{
    summing s = {q, tr_lock_new(), 0};
    tr_thread *t[2];
    for (int i = 0; i < 2; i++)
        t[i] = start_thread(summing_worker, &s);
    for (long i = 0; i < 100; i++)
        assert_int_equal(tr_queue_put(q, ITEM(i), true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_queue_join(q), TR_OK);
    assert_int_equal(s.sum, 99 * 100 / 2); /* join waited for every task_done */
    for (int i = 0; i < 2; i++)
        assert_int_equal(tr_queue_put(q, ITEM(-1), true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_queue_join(q), TR_OK); /* a second join */
    for (int i = 0; i < 2; i++)
        join_thread(t[i]);
    tr_lock_free(s.lock);
}

static void test_join_waits_for_every_task_done_twice_then_task_done_is_value_error(void **state)
{
    (void)state;
    for (int k = 0; k < KINDS; k++) {
        tr_queue *q = kinds[k].make(0);
        queue_join_test(q);
        queue_join_test(q);
        check_status(kinds[k].name, tr_queue_task_done(q), TR_VALUE_ERROR,
                     "task_done() called too many times");
        tr_queue_free(q);
    }
}

static void test_join_blocks_until_the_last_task_done(void **state)
{
    (void)state;
    tr_queue *q = tr_queue_new(0);
    assert_int_equal(tr_queue_put(q, ITEM(1), true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_queue_put(q, ITEM(2), true, TR_FOREVER), TR_OK);
    (void)get_now(q);
    (void)get_now(q);
    blocked b;
    tr_thread *t = start_blocked(&b, q, CALL_JOIN, 0, 0);
    assert_int_equal(tr_queue_task_done(q), TR_OK);
    assert_no_signal_within(b.done, QUIET); /* one task is still unfinished */
    assert_int_equal(tr_queue_task_done(q), TR_OK);
    assert_int_equal(finish_blocked(&b, t), TR_OK);
    tr_queue_free(q);
}

/* ---- shutdown ------------------------------------------------------------------------- */

static void test_shutdown_of_an_empty_queue_refuses_put_and_get(void **state)
{
    (void)state;
    tr_queue *q = tr_queue_new(0);
    tr_queue_shutdown(q, false);
    void *item;
    check_status("put", tr_queue_put(q, ITEM(1), true, TR_FOREVER), TR_SHUTDOWN, "");
    check_status("get", tr_queue_get(q, &item, true, TR_FOREVER), TR_SHUTDOWN, "");
    /* ShutDown comes before the timeout check, and is not misuse */
    unsigned long misuse = tr_misuse_count();
    check_status("get(timeout=-1)", tr_queue_get(q, &item, true, -1.5), TR_SHUTDOWN, "");
    assert_int_equal(tr_misuse_count(), misuse);
    tr_queue_free(q);
}

static void test_shutdown_lets_gets_drain_the_queue_first(void **state)
{
    (void)state;
    tr_queue *q = tr_queue_new(0);
    assert_int_equal(tr_queue_put(q, ITEM(42), true, TR_FOREVER), TR_OK);
    tr_queue_shutdown(q, false);
    void *item;
    check_status("get(timeout=-1) with an item", tr_queue_get(q, &item, true, -1.5),
                 TR_VALUE_ERROR, TIMEOUT_NEGATIVE);
    assert_int_equal(get_now(q), 42);
    check_status("get", tr_queue_get(q, &item, true, TR_FOREVER), TR_SHUTDOWN, "");
    tr_queue_free(q);
}

static void test_immediate_shutdown_drops_the_items(void **state)
{
    (void)state;
    tr_queue *q = tr_queue_new(0);
    assert_int_equal(tr_queue_put(q, ITEM(42), true, TR_FOREVER), TR_OK);
    tr_queue_shutdown(q, true);
    void *item;
    check_status("get", tr_queue_get(q, &item, true, TR_FOREVER), TR_SHUTDOWN, "");
    assert_int_equal(tr_queue_qsize(q), 0);
    tr_queue_free(q);
}

/* test_queue.py's _shutdown_all_methods_in_one_thread, both ways. */
static void test_shutdown_all_methods_in_one_thread(void **state)
{
    (void)state;
    for (int immediate = 0; immediate < 2; immediate++) {
        tr_queue *q = tr_queue_new(2);
        assert_int_equal(tr_queue_put(q, ITEM('L'), true, TR_FOREVER), TR_OK);
        assert_int_equal(tr_queue_put_nowait(q, ITEM('O')), TR_OK);
        tr_queue_shutdown(q, immediate);
        check_status("put", tr_queue_put(q, ITEM('E'), true, TR_FOREVER), TR_SHUTDOWN, "");
        check_status("put_nowait", tr_queue_put_nowait(q, ITEM('W')), TR_SHUTDOWN, "");
        /* a bounded put checks shutdown before its timeout */
        check_status("put(timeout=-1)", tr_queue_put(q, ITEM('W'), true, -1.5), TR_SHUTDOWN, "");
        void *item;
        if (immediate) {
            check_status("get", tr_queue_get(q, &item, true, TR_FOREVER), TR_SHUTDOWN, "");
            check_status("get_nowait", tr_queue_get_nowait(q, &item), TR_SHUTDOWN, "");
            check_status("task_done", tr_queue_task_done(q), TR_VALUE_ERROR,
                         "task_done() called too many times");
            assert_int_equal(tr_queue_join(q), TR_OK);
        } else {
            assert_int_equal(get_now(q), 'L');
            assert_int_equal(tr_queue_task_done(q), TR_OK);
            assert_int_equal(get_now(q), 'O');
            assert_int_equal(tr_queue_task_done(q), TR_OK);
            assert_int_equal(tr_queue_join(q), TR_OK);
            check_status("get", tr_queue_get(q, &item, true, TR_FOREVER), TR_SHUTDOWN, "");
            check_status("get_nowait", tr_queue_get_nowait(q, &item), TR_SHUTDOWN, "");
            check_status("get(True, 1.0)", tr_queue_get(q, &item, true, 1.0), TR_SHUTDOWN, "");
        }
        tr_queue_shutdown(q, !immediate); /* any transition is allowed */
        tr_queue_free(q);
    }
}

static void test_shutdown_wakes_a_blocked_get_and_a_blocked_put(void **state)
{
    (void)state;
    for (int immediate = 0; immediate < 2; immediate++) {
        tr_queue *empty = tr_queue_new(0), *full = tr_queue_new(1);
        assert_int_equal(tr_queue_put(full, ITEM(1), true, TR_FOREVER), TR_OK);
        blocked g, p;
        tr_thread *tg = start_blocked(&g, empty, CALL_GET, 0, TR_FOREVER);
        tr_thread *tp = start_blocked(&p, full, CALL_PUT, 2, HANG);
        tr_queue_shutdown(empty, immediate);
        tr_queue_shutdown(full, immediate);
        assert_int_equal(finish_blocked(&g, tg), TR_SHUTDOWN);
        assert_int_equal(finish_blocked(&p, tp), TR_SHUTDOWN);
        /* the put raised: its item never went in */
        assert_int_equal(tr_queue_qsize(full), immediate ? 0 : 1);
        tr_queue_free(empty);
        tr_queue_free(full);
    }
}

static void test_immediate_shutdown_releases_join_only_of_items_not_yet_taken(void **state)
{
    (void)state;
    tr_queue *q = tr_queue_new(0);
    for (long i = 0; i < 3; i++)
        assert_int_equal(tr_queue_put(q, ITEM(i), true, TR_FOREVER), TR_OK);
    (void)get_now(q); /* taken, never task_done */
    blocked b;
    tr_thread *t = start_blocked(&b, q, CALL_JOIN, 0, 0);
    tr_queue_shutdown(q, true);
    assert_no_signal_within(b.done, QUIET); /* the taken item is still unfinished */
    assert_int_equal(tr_queue_task_done(q), TR_OK);
    assert_int_equal(finish_blocked(&b, t), TR_OK);
    tr_queue_free(q);
}

/* ---- many threads --------------------------------------------------------------------- */

typedef struct crowd {
    tr_queue *q;
    atomic_long sum;
} crowd;

enum { PRODUCERS = 4, PER_PRODUCER = 500 };

static void produce(void *arg)
{
    crowd *c = arg;
    for (long i = 1; i <= PER_PRODUCER; i++)
        worker_expect(tr_queue_put(c->q, ITEM(i), true, TR_FOREVER), TR_OK);
}

static void consume(void *arg)
{
    crowd *c = arg;
    for (long i = 0; i < PER_PRODUCER; i++) {
        void *item;
        worker_expect(tr_queue_get(c->q, &item, true, TR_FOREVER), TR_OK);
        atomic_fetch_add(&c->sum, NUM(item));
    }
}

static void test_bounded_queue_between_many_producers_and_consumers_loses_nothing(void **state)
{
    (void)state;
    for (int k = 0; k < KINDS; k++) {
        crowd c = {kinds[k].make(3), 0};
        tr_thread *t[2 * PRODUCERS];
        for (int i = 0; i < PRODUCERS; i++) {
            t[2 * i] = start_thread(produce, &c);
            t[2 * i + 1] = start_thread(consume, &c);
        }
        for (int i = 0; i < 2 * PRODUCERS; i++)
            join_thread(t[i]);
        assert_int_equal(atomic_load(&c.sum),
                         (long)PRODUCERS * PER_PRODUCER * (PER_PRODUCER + 1) / 2);
        assert_true(tr_queue_empty(c.q));
        tr_queue_free(c.q);
    }
}

/* ---- SimpleQueue ---------------------------------------------------------------------- */

static void test_simple_queue_is_fifo_and_never_full(void **state)
{
    (void)state;
    tr_simple_queue *q = tr_simple_queue_new();
    assert_true(tr_simple_queue_empty(q));
    /* put ignores block and timeout, as Python does: even a negative timeout */
    assert_int_equal(tr_simple_queue_put(q, ITEM(111), false, -5), TR_OK);
    assert_int_equal(tr_simple_queue_put(q, ITEM(333), true, 0), TR_OK);
    assert_int_equal(tr_simple_queue_put_nowait(q, ITEM(222)), TR_OK);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(tr_simple_queue_put(q, ITEM(1000 + i), true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_simple_queue_qsize(q), 1003);
    assert_false(tr_simple_queue_empty(q));
    long want[] = {111, 333, 222};
    for (int i = 0; i < 1003; i++) {
        void *item = NULL;
        assert_int_equal(i % 2 ? tr_simple_queue_get_nowait(q, &item)
                               : tr_simple_queue_get(q, &item, true, TR_FOREVER),
                         TR_OK);
        assert_int_equal(NUM(item), i < 3 ? want[i] : 1000 + i - 3);
    }
    assert_true(tr_simple_queue_empty(q));
    tr_simple_queue_free(q);
    tr_simple_queue_free(NULL);
}

/* python3.11 and 3.13's _queue.SimpleQueue.get: a blocking get converts its timeout before
 * it looks at the items; a non-blocking one looks at nothing but the items. */
static const struct {
    const char *name;
    int filled;
    bool block;
    double timeout;
    tr_status status;
    const char *text;
} simple_rows[] = {
    {"get(True, -0.5) empty", 0, true, -0.5, TR_VALUE_ERROR, TIMEOUT_NEGATIVE},
    {"get(True, -0.5) with items", 2, true, -0.5, TR_VALUE_ERROR, TIMEOUT_NEGATIVE},
    {"get(True, nan) with items", 2, true, NAN, TR_VALUE_ERROR,
     "Invalid value NaN (not a number)"},
    {"get(True, 1e300) with items", 2, true, 1e300, TR_VALUE_ERROR,
     "timestamp out of range for platform time_t"},
    {"get(True, -1e300) empty", 0, true, -1e300, TR_VALUE_ERROR,
     "timestamp out of range for platform time_t"},
    {"get(True, 0) empty", 0, true, 0, TR_EMPTY, ""},
    {"get(True, 0.01) empty", 0, true, 0.01, TR_EMPTY, ""},
    {"get(False, -0.5) empty", 0, false, -0.5, TR_EMPTY, ""},
    {"get(False, nan) with items", 2, false, NAN, TR_OK, NULL},
    {"get(False, 1e300) with items", 2, false, 1e300, TR_OK, NULL},
    {"get(True, 5) with items", 2, true, 5, TR_OK, NULL},
};

static void test_simple_queue_get_checks_its_timeout_as_python(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof simple_rows / sizeof simple_rows[0]; i++) {
        tr_simple_queue *q = tr_simple_queue_new();
        for (int j = 0; j < simple_rows[i].filled; j++)
            assert_int_equal(tr_simple_queue_put(q, ITEM(j + 1), true, TR_FOREVER), TR_OK);
        unsigned long misuse = tr_misuse_count();
        void *item = ITEM(-999);
        tr_status s = tr_simple_queue_get(q, &item, simple_rows[i].block, simple_rows[i].timeout);
        if (simple_rows[i].text)
            check_status(simple_rows[i].name, s, simple_rows[i].status, simple_rows[i].text);
        else if (s != TR_OK || NUM(item) != 1)
            fail_msg("%s: status %s, item %ld", simple_rows[i].name, tr_status_name(s), NUM(item));
        if (s != TR_OK && item != NULL)
            fail_msg("%s: item %ld on a failed get", simple_rows[i].name, NUM(item));
        bool misused = simple_rows[i].status == TR_VALUE_ERROR;
        if (tr_misuse_count() != misuse + misused)
            fail_msg("%s: misuse counted %lu times", simple_rows[i].name,
                     tr_misuse_count() - misuse);
        long left = simple_rows[i].filled - (s == TR_OK);
        if (tr_simple_queue_qsize(q) != left)
            fail_msg("%s: qsize %ld, expected %ld", simple_rows[i].name,
                     tr_simple_queue_qsize(q), left);
        tr_simple_queue_free(q);
    }
}

static void test_simple_queue_get_waits_for_a_put(void **state)
{
    (void)state;
    tr_simple_queue *q = tr_simple_queue_new();
    for (int timed = 0; timed < 2; timed++) {
        blocked b;
        tr_thread *t = start_blocked_on(&b, NULL, q, CALL_SIMPLE_GET, 0, timed ? HANG : TR_FOREVER);
        assert_int_equal(tr_simple_queue_put(q, ITEM(7 + timed), false, 0), TR_OK);
        assert_int_equal(finish_blocked(&b, t), TR_OK);
        assert_int_equal(b.item, 7 + timed);
        assert_true(tr_simple_queue_empty(q));
    }
    tr_simple_queue_free(q);
}

static void test_free_null_is_a_no_op(void **state)
{
    (void)state;
    tr_queue_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_order_capacity_and_blocking_twice_on_one_queue),
        cmocka_unit_test(test_priority_queue_takes_equal_keys_in_pythons_heapq_order),
        cmocka_unit_test(test_fifo_grows_past_its_first_storage_and_keeps_order),
        cmocka_unit_test(test_unbounded_queue_is_never_full_whatever_its_maxsize),
        cmocka_unit_test(test_nowait_calls_are_full_and_empty_at_the_edges),
        cmocka_unit_test(test_timeouts_follow_pythons_rows),
        cmocka_unit_test(test_nan_timeout_waits_for_an_item),
        cmocka_unit_test(test_timed_put_on_a_full_queue_times_out_after_about_the_timeout),
        cmocka_unit_test(test_task_done_on_a_fresh_queue_is_value_error_at_the_callers_line),
        cmocka_unit_test(test_join_waits_for_every_task_done_twice_then_task_done_is_value_error),
        cmocka_unit_test(test_join_blocks_until_the_last_task_done),
        cmocka_unit_test(test_shutdown_of_an_empty_queue_refuses_put_and_get),
        cmocka_unit_test(test_shutdown_lets_gets_drain_the_queue_first),
        cmocka_unit_test(test_immediate_shutdown_drops_the_items),
        cmocka_unit_test(test_shutdown_all_methods_in_one_thread),
        cmocka_unit_test(test_shutdown_wakes_a_blocked_get_and_a_blocked_put),
        cmocka_unit_test(test_immediate_shutdown_releases_join_only_of_items_not_yet_taken),
        cmocka_unit_test(test_bounded_queue_between_many_producers_and_consumers_loses_nothing),
        cmocka_unit_test(test_simple_queue_is_fifo_and_never_full),
        cmocka_unit_test(test_simple_queue_get_checks_its_timeout_as_python),
        cmocka_unit_test(test_simple_queue_get_waits_for_a_put),
        cmocka_unit_test(test_free_null_is_a_no_op),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
