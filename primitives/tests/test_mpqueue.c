/* test_mpqueue.c — multiprocessing.Queue and JoinableQueue, in one process and between
 * processes: order and bytes, Full/Empty with Python's timeout rules, close and its texts,
 * the feeder a process's exit waits for, task_done/join across processes. Texts and edges
 * checked against python3.13. A child reports through its exit code. */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "helpers.h"

static void put_text(tr_mpqueue *q, const char *text)
{
    assert_int_equal(tr_mpqueue_put(q, text, strlen(text) + 1, true, TR_FOREVER), TR_OK);
}

static void get_text(tr_mpqueue *q, const char *want)
{
    tr_bytes b;
    assert_int_equal(tr_mpqueue_get(q, &b, true, HANG), TR_OK);
    assert_int_equal(b.len, strlen(want) + 1);
    assert_string_equal(b.data, want);
    free(b.data);
}

static void assert_text_matches(const char *text, const char *pattern)
{
    regex_t re;
    assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
    int rc = regexec(&re, text, 0, NULL, 0);
    regfree(&re);
    if (rc != 0)
        fail_msg("\"%s\" does not match /%s/", text, pattern);
}

/* ---- one process ---------------------------------------------------------------------- */

static void test_items_come_out_in_order_with_their_bytes(void **state)
{
    (void)state;
    tr_mpqueue *q = tr_mpqueue_new(0);
    assert_non_null(q);
    put_text(q, "one");
    put_text(q, "");
    put_text(q, "three");
    assert_int_equal(tr_mpqueue_put(q, NULL, 0, true, TR_FOREVER), TR_OK); /* b"" */
    get_text(q, "one");
    get_text(q, "");
    get_text(q, "three");
    tr_bytes b;
    assert_int_equal(tr_mpqueue_get(q, &b, true, TR_FOREVER), TR_OK);
    assert_int_equal(b.len, 0);
    free(b.data);
    assert_int_equal(tr_mpqueue_qsize(q), 0);
    assert_true(tr_mpqueue_empty(q));
    tr_mpqueue_free(q);
}

static void test_a_large_item_needs_the_reader_while_the_feeder_writes(void **state)
{
    (void)state;
    enum { LEN = 1 << 20 }; /* far past a pipe's capacity */
    tr_mpqueue *q = tr_mpqueue_new(0);
    unsigned char *big = malloc(LEN);
    for (size_t i = 0; i < LEN; i++)
        big[i] = (unsigned char)(i * 7);
    assert_int_equal(tr_mpqueue_put(q, big, LEN, true, TR_FOREVER), TR_OK);
    tr_bytes b;
    assert_int_equal(tr_mpqueue_get(q, &b, true, HANG), TR_OK);
    assert_int_equal(b.len, LEN);
    assert_memory_equal(b.data, big, LEN);
    free(b.data);
    free(big);
    tr_mpqueue_free(q);
}

static void test_get_on_an_empty_queue_is_empty_with_pythons_timeout_rules(void **state)
{
    (void)state;
    tr_mpqueue *q = tr_mpqueue_new(2);
    tr_bytes b = {(void *)1, 1};
    check_status("get(False)", tr_mpqueue_get(q, &b, false, TR_FOREVER), TR_EMPTY, "");
    assert_null(b.data);
    check_status("get(timeout=-1)", tr_mpqueue_get(q, &b, true, -1.5), TR_EMPTY, "");
    double t0 = now_seconds();
    check_status("get(timeout=0.2)", tr_mpqueue_get(q, &b, true, 0.2), TR_EMPTY, "");
    assert_took_about(now_seconds() - t0, 0.2);
    tr_mpqueue_free(q);
}

static void test_put_on_a_full_queue_is_full_and_a_negative_timeout_acts_as_0(void **state)
{
    (void)state;
    tr_mpqueue *q = tr_mpqueue_new(1);
    assert_false(tr_mpqueue_full(q));
    /* python3: Queue(2).put(1, timeout=-1) succeeds; a slot is free */
    assert_int_equal(tr_mpqueue_put(q, "a", 1, true, -1.5), TR_OK);
    assert_true(tr_mpqueue_full(q));
    assert_int_equal(tr_mpqueue_qsize(q), 1);
    check_status("put(False)", tr_mpqueue_put(q, "b", 1, false, TR_FOREVER), TR_FULL, "");
    check_status("put(timeout=-1)", tr_mpqueue_put(q, "b", 1, true, -1.5), TR_FULL, "");
    double t0 = now_seconds();
    check_status("put(timeout=0.2)", tr_mpqueue_put(q, "b", 1, true, 0.2), TR_FULL, "");
    assert_took_about(now_seconds() - t0, 0.2);
    tr_bytes b;
    assert_int_equal(tr_mpqueue_get(q, &b, true, HANG), TR_OK);
    free(b.data);
    assert_int_equal(tr_mpqueue_qsize(q), 0);
    assert_int_equal(tr_mpqueue_put(q, "c", 1, false, TR_FOREVER), TR_OK);
    tr_mpqueue_free(q);
}

static void test_close_refuses_put_and_get_with_pythons_text(void **state)
{
    (void)state;
    tr_mpqueue *q = tr_mpqueue_new(0);
    check_status("join_thread before close", tr_mpqueue_join_thread(q), TR_RUNTIME_ERROR, NULL);
    assert_text_matches(tr_last_error(),
                        "^Queue <multiprocessing\\.queues\\.Queue object at 0x[0-9a-f]+> not closed$");
    put_text(q, "kept");
    assert_int_equal(tr_mpqueue_close(q), TR_OK);
    check_status("put", tr_mpqueue_put(q, "x", 1, true, TR_FOREVER), TR_VALUE_ERROR, NULL);
    assert_text_matches(tr_last_error(),
                        "^Queue <multiprocessing\\.queues\\.Queue object at 0x[0-9a-f]+> is closed$");
    tr_bytes b;
    check_status("get", tr_mpqueue_get(q, &b, true, TR_FOREVER), TR_VALUE_ERROR, NULL);
    assert_int_equal(tr_mpqueue_close(q), TR_OK); /* again: nothing */
    /* the feeder wrote what was buffered, then ended */
    assert_int_equal(tr_mpqueue_join_thread(q), TR_OK);
    tr_mpqueue_free(q);

    tr_mpqueue *j = tr_joinable_queue_new(0);
    tr_mpqueue_close(j);
    check_status("JoinableQueue put", tr_mpqueue_put(j, "x", 1, true, TR_FOREVER), TR_VALUE_ERROR,
                 NULL);
    assert_text_matches(tr_last_error(), "^Queue <multiprocessing\\.queues\\.JoinableQueue object "
                                         "at 0x[0-9a-f]+> is closed$");
    tr_mpqueue_free(j);
}

static void test_task_done_and_join_are_joinable_queues_only(void **state)
{
    (void)state;
    tr_mpqueue *q = tr_mpqueue_new(0);
    check_status("Queue.task_done", tr_mpqueue_task_done(q), TR_RUNTIME_ERROR,
                 "'Queue' object has no attribute 'task_done'");
    check_status("Queue.join", tr_mpqueue_join(q), TR_RUNTIME_ERROR,
                 "'Queue' object has no attribute 'join'");
    tr_mpqueue_free(q);
    tr_mpqueue *j = tr_joinable_queue_new(0);
    check_status("task_done", tr_mpqueue_task_done(j), TR_VALUE_ERROR,
                 "task_done() called too many times");
    assert_int_equal(tr_mpqueue_join(j), TR_OK); /* nothing unfinished */
    put_text(j, "t");
    tr_bytes b;
    assert_int_equal(tr_mpqueue_get(j, &b, true, HANG), TR_OK);
    free(b.data);
    assert_int_equal(tr_mpqueue_task_done(j), TR_OK);
    assert_int_equal(tr_mpqueue_join(j), TR_OK);
    tr_mpqueue_free(j);
}

/* ---- between processes ---------------------------------------------------------------- */

enum { ITEMS = 200 };

static void put_numbers(void *arg)
{
    tr_mpqueue *q = arg;
    for (long i = 1; i <= ITEMS; i++)
        if (tr_mpqueue_put(q, &i, sizeof i, true, TR_FOREVER) != TR_OK)
            exit(3);
}

static tr_process *start(tr_target target, void *arg)
{
    tr_process *p = tr_process_new(target, arg, NULL);
    assert_non_null(p);
    assert_int_equal(tr_process_start(p), TR_OK);
    return p;
}

static void join_ok(tr_process *p)
{
    assert_int_equal(tr_process_join(p, HANG), TR_OK);
    assert_int_equal(tr_process_exitcode(p), 0);
    tr_process_free(p);
}

static long get_number(tr_mpqueue *q)
{
    tr_bytes b;
    assert_int_equal(tr_mpqueue_get(q, &b, true, HANG), TR_OK);
    assert_int_equal(b.len, sizeof(long));
    long n;
    memcpy(&n, b.data, sizeof n);
    free(b.data);
    return n;
}

static void test_two_producer_processes_one_consumer_lose_nothing(void **state)
{
    (void)state;
    tr_mpqueue *q = tr_mpqueue_new(7);
    tr_process *a = start(put_numbers, q), *b = start(put_numbers, q);
    long sum = 0, last[2] = {0, 0};
    for (int i = 0; i < 2 * ITEMS; i++) {
        long n = get_number(q);
        sum += n;
        /* each producer's items stay in its order: a number is the next of one of them */
        if (n == last[0] + 1)
            last[0] = n;
        else if (n == last[1] + 1)
            last[1] = n;
        else
            fail_msg("item %ld out of order (%ld, %ld)", n, last[0], last[1]);
    }
    assert_int_equal(sum, 2L * ITEMS * (ITEMS + 1) / 2);
    join_ok(a);
    join_ok(b);
    assert_int_equal(tr_mpqueue_qsize(q), 0);
    tr_mpqueue_free(q);
}

typedef struct both {
    tr_mpqueue *to_child, *to_parent;
} both;

/* Echoes every item back doubled until a 0. */
static void echo_doubled(void *arg)
{
    both *x = arg;
    for (;;) {
        tr_bytes b;
        if (tr_mpqueue_get(x->to_child, &b, true, TR_FOREVER) != TR_OK)
            exit(4);
        long n;
        memcpy(&n, b.data, sizeof n);
        free(b.data);
        if (n == 0)
            return;
        n *= 2;
        if (tr_mpqueue_put(x->to_parent, &n, sizeof n, true, TR_FOREVER) != TR_OK)
            exit(5);
    }
}

static void test_a_child_gets_what_the_parent_puts_after_the_fork_and_answers(void **state)
{
    (void)state;
    both x = {tr_mpqueue_new(0), tr_mpqueue_new(0)};
    tr_process *p = start(echo_doubled, &x);
    for (long i = 1; i <= 50; i++) {
        assert_int_equal(tr_mpqueue_put(x.to_child, &i, sizeof i, true, TR_FOREVER), TR_OK);
        assert_int_equal(get_number(x.to_parent), 2 * i);
    }
    long zero = 0;
    assert_int_equal(tr_mpqueue_put(x.to_child, &zero, sizeof zero, true, TR_FOREVER), TR_OK);
    join_ok(p);
    tr_mpqueue_free(x.to_child);
    tr_mpqueue_free(x.to_parent);
}

enum { BIG = 1 << 20 };

static void put_big(void *arg)
{
    static unsigned char big[BIG];
    if (tr_mpqueue_put(arg, big, BIG, true, TR_FOREVER) != TR_OK)
        exit(6);
}

static void put_big_and_cancel(void *arg)
{
    put_big(arg);
    tr_mpqueue_cancel_join_thread(arg);
}

/* Python's documented trap: the child's exit waits for its feeder, which waits for a
 * reader; joined before the get, the child does not end. */
static void test_a_child_that_put_does_not_end_until_its_items_are_read(void **state)
{
    (void)state;
    tr_mpqueue *q = tr_mpqueue_new(0);
    tr_process *p = start(put_big, q);
    assert_int_equal(tr_process_join(p, QUIET), TR_TIMEOUT); /* the join timed out ... */
    assert_true(tr_process_is_alive(p));                 /* ... with the child alive */
    tr_bytes b;
    assert_int_equal(tr_mpqueue_get(q, &b, true, HANG), TR_OK);
    assert_int_equal(b.len, BIG);
    free(b.data);
    join_ok(p);
    tr_mpqueue_free(q);
}

static void test_cancel_join_thread_lets_the_child_end_with_its_items_unwritten(void **state)
{
    (void)state;
    tr_mpqueue *q = tr_mpqueue_new(0);
    tr_process *p = start(put_big_and_cancel, q);
    join_ok(p);
    tr_mpqueue_free(q);
}

static void done_each(void *arg)
{
    tr_mpqueue *q = arg;
    for (int i = 0; i < 10; i++) {
        tr_bytes b;
        if (tr_mpqueue_get(q, &b, true, TR_FOREVER) != TR_OK)
            exit(7);
        free(b.data);
        if (tr_mpqueue_task_done(q) != TR_OK)
            exit(8);
    }
}

static void test_join_waits_for_the_task_done_of_another_process(void **state)
{
    (void)state;
    tr_mpqueue *q = tr_joinable_queue_new(0);
    tr_process *p = start(done_each, q);
    for (int i = 0; i < 10; i++)
        put_text(q, "task");
    assert_int_equal(tr_mpqueue_join(q), TR_OK);
    join_ok(p);
    check_status("one more task_done", tr_mpqueue_task_done(q), TR_VALUE_ERROR,
                 "task_done() called too many times");
    tr_mpqueue_free(q);
}

static void test_free_null_is_a_no_op(void **state)
{
    (void)state;
    tr_mpqueue_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_items_come_out_in_order_with_their_bytes),
        cmocka_unit_test(test_a_large_item_needs_the_reader_while_the_feeder_writes),
        cmocka_unit_test(test_get_on_an_empty_queue_is_empty_with_pythons_timeout_rules),
        cmocka_unit_test(test_put_on_a_full_queue_is_full_and_a_negative_timeout_acts_as_0),
        cmocka_unit_test(test_close_refuses_put_and_get_with_pythons_text),
        cmocka_unit_test(test_task_done_and_join_are_joinable_queues_only),
        cmocka_unit_test(test_two_producer_processes_one_consumer_lose_nothing),
        cmocka_unit_test(test_a_child_gets_what_the_parent_puts_after_the_fork_and_answers),
        cmocka_unit_test(test_a_child_that_put_does_not_end_until_its_items_are_read),
        cmocka_unit_test(test_cancel_join_thread_lets_the_child_end_with_its_items_unwritten),
        cmocka_unit_test(test_join_waits_for_the_task_done_of_another_process),
        cmocka_unit_test(test_free_null_is_a_no_op),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
