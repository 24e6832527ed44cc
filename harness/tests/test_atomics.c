/* test_atomics.c — the TR_ATOMIC_* macros: outside an execution they are exactly the C11
 * operations (obj evaluated once, values in obj's type), and under the harness a failed
 * compare-exchange is a load: it publishes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../src/harness_internal.h"

static void test_outside_an_execution_obj_is_evaluated_once(void **unused)
{
    (void)unused;
    _Atomic long slots[4] = {0};
    int i = 0;
    TR_ATOMIC_STORE(slots[i++], 5);
    assert_int_equal(i, 1);
    assert_int_equal(TR_ATOMIC_LOAD(slots[--i]), 5);
    assert_int_equal(i, 0);
    assert_int_equal(TR_ATOMIC_FETCH_ADD(slots[i++], 2), 5);
    assert_int_equal(i, 1);
    long expected = 6;
    assert_false(TR_ATOMIC_CAS(slots[--i], &expected, 1));
    assert_int_equal(expected, 7); /* what slots[0] holds after the fetch_add */
    assert_int_equal(i, 0);
    assert_true(TR_ATOMIC_CAS(slots[i++], &expected, 9));
    assert_int_equal(i, 1);
    assert_int_equal(TR_ATOMIC_EXCHANGE(slots[0], 3), 9);
    assert_int_equal(TR_ATOMIC_FETCH_SUB(slots[0], 1), 3);
    assert_int_equal(TR_ATOMIC_FETCH_OR(slots[0], 4), 2);
    assert_int_equal(TR_ATOMIC_FETCH_AND(slots[0], 4), 6);
    assert_int_equal(TR_ATOMIC_LOAD(slots[0]), 4);
}

static void test_a_stored_0_is_a_null_pointer(void **unused)
{
    (void)unused;
    int x = 1;
    int *_Atomic p = &x;
    TR_ATOMIC_STORE(p, 0);
    assert_null(TR_ATOMIC_LOAD(p));
    assert_null(TR_ATOMIC_EXCHANGE(p, &x));
    int *expected = &x;
    assert_true(TR_ATOMIC_CAS(p, &expected, 0));
    assert_null(TR_ATOMIC_LOAD(p));
}

typedef struct shared {
    int data;
    _Atomic int flag;
    _Atomic int done;
} shared;

/* The writer announces `done` before it writes the data, then makes a CAS on flag that
 * fails. In the first DFS execution the writer runs to its end, then the reader's CAS on
 * flag acquires what flag published: only a (wrong) release by the failed CAS would order
 * the data before the reader's read. So that one execution must already report the race. */
static void writer(void *arg)
{
    shared *s = arg;
    TR_ATOMIC_STORE(s->done, 1);
    TR_STORE(s->data, 42);
    int expected = 1;
    TR_ATOMIC_CAS(s->flag, &expected, 2); /* fails: flag is 0 */
}

static void reader(void *arg)
{
    shared *s = arg;
    int zero = 0;
    while (!TR_ATOMIC_LOAD(s->done))
        tr_yield();
    TR_ATOMIC_CAS(s->flag, &zero, 0); /* succeeds, acquires what flag published */
    (void)TR_LOAD(s->data);
}

TR_CASE(failed_cas_publishes_nothing, TR_DATA_RACE)
{
    shared *s = tr_case_alloc(sizeof *s);
    tr_thread *w = tr_thread_new(writer, s, NULL);
    tr_thread *r = tr_thread_new(reader, s, NULL);
    tr_thread_start(w);
    tr_thread_start(r);
    tr_thread_join(w, TR_FOREVER);
    tr_thread_join(r, TR_FOREVER);
    tr_thread_free(w);
    tr_thread_free(r);
}

static void test_a_failed_cas_is_a_load(void **unused)
{
    (void)unused;
    tr_explore_opts o;
    tr_explore_opts_init(&o);
    o.strategy = TR_STRATEGY_DFS;
    o.max_executions = 1;
    tr_result r = tr_explore("failed_cas_publishes_nothing", &o);
    assert_int_equal(r.executions, 1);
    assert_true(r.found & (1u << TR_DATA_RACE));
    tr_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outside_an_execution_obj_is_evaluated_once),
        cmocka_unit_test(test_a_stored_0_is_a_null_pointer),
        cmocka_unit_test(test_a_failed_cas_is_a_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
