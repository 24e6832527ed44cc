/* test_lock.c — threading.Lock (PYTHON_SEMANTICS.md §1, lock_tests.LockTests). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <trama/trama.h>

static void test_release_unlocked_lock_is_runtime_error(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    assert_int_equal(tr_lock_release(l), TR_RUNTIME_ERROR);
    assert_string_equal(tr_last_error(), "release unlocked lock");
    tr_lock_free(l);
}

static void test_acquire_release(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    assert_int_equal(tr_lock_acquire(l, true, TR_FOREVER), TR_OK);
    assert_true(tr_lock_locked(l));
    assert_int_equal(tr_lock_acquire(l, false, TR_FOREVER), TR_TIMEOUT);
    assert_int_equal(tr_lock_release(l), TR_OK);
    assert_false(tr_lock_locked(l));
    tr_lock_free(l);
}

static void release_it(void *arg) { assert_int_equal(tr_lock_release(arg), TR_OK); }

static void test_different_thread_may_release(void **state)
{
    (void)state;
    tr_lock *l = tr_lock_new();
    assert_int_equal(tr_lock_acquire(l, true, TR_FOREVER), TR_OK);
    tr_thread *t = tr_thread_new(release_it, l, NULL);
    assert_int_equal(tr_thread_start(t), TR_OK);
    assert_int_equal(tr_thread_join(t, TR_FOREVER), TR_OK);
    assert_false(tr_lock_locked(l));
    tr_thread_free(t);
    tr_lock_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_release_unlocked_lock_is_runtime_error),
        cmocka_unit_test(test_acquire_release),
        cmocka_unit_test(test_different_thread_may_release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
