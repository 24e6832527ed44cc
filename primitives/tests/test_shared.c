/* test_shared.c — multiprocessing.Value and multiprocessing.Array (trama/shared.h): the
 * typecodes and their sizes, zeroed storage, Python's errors (python3's texts), indexes
 * from either end, values a forked child sees and changes, the lock that serializes
 * whole increments across processes, raw storage without a lock, the lock's recursion
 * in a child, and a child that lets go of its handle. The shared locks underneath:
 * test_shared_locks.c.
 *
 * Every test runs between fixtures that check no descriptor leaked and no child process
 * is left. Children report through their exit status (CHILD_CHECK); processes order
 * their steps with shared semaphores, never sleeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>
#include <cmocka.h>

#include "helpers.h"
#include "process_fixtures.h"

/* What a test's children use: made before the fork. */
static struct {
    tr_shared *v, *a;
    tr_semaphore *ready, *go;
    long rounds;
} g;

static tr_process *start(tr_target fn)
{
    tr_process *p = tr_process_new(fn, NULL, NULL);
    assert_non_null(p);
    assert_int_equal(tr_process_start(p), TR_OK);
    return p;
}

/* Joins p and frees it; its exitcode (CHILD_CHECK's line when a check failed). */
static int finish(tr_process *p)
{
    assert_int_equal(tr_process_join(p, HANG), TR_OK);
    int code = tr_process_exitcode(p);
    tr_process_free(p);
    return code;
}

/* ---- typecodes ------------------------------------------------------------------------ */

typedef struct typecode_row {
    char typecode;
    size_t size; /* ctypes.sizeof of its type; 0: Python's TypeError */
} typecode_row;

static const typecode_row typecodes[] = {
    {'c', sizeof(char)},   {'u', sizeof(wchar_t)},     {'b', 1},
    {'B', 1},              {'h', sizeof(short)},       {'H', sizeof(unsigned short)},
    {'i', sizeof(int)},    {'I', sizeof(unsigned)},    {'l', sizeof(long)},
    {'L', sizeof(long)},   {'q', sizeof(long long)},   {'Q', sizeof(long long)},
    {'f', sizeof(float)},  {'d', sizeof(double)},      {'z', 0},
    {'x', 0},              {'?', 0},                   {'\0', 0},
};

static void test_typecodes_have_ctypes_sizes_and_start_zeroed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof typecodes / sizeof *typecodes; i++) {
        const typecode_row *row = &typecodes[i];
        for (int array = 0; array < 2; array++) {
            tr_shared *s = array ? tr_shared_array_new(row->typecode, 5, true)
                                 : tr_shared_value_new(row->typecode, false);
            if (!row->size) {
                if (s)
                    fail_msg("'%c' made a %s", row->typecode, array ? "Array" : "Value");
                assert_string_equal(tr_last_error(), "this type has no size");
                continue;
            }
            assert_non_null(s);
            assert_int_equal(tr_shared_itemsize(s), row->size);
            assert_int_equal(tr_shared_length(s), array ? 5 : 1);
            const unsigned char *data = tr_shared_data(s);
            for (size_t k = 0; k < tr_shared_length(s) * row->size; k++)
                if (data[k])
                    fail_msg("'%c': byte %zu is not zero", row->typecode, k);
            tr_shared_free(s);
        }
    }
}

static void test_too_large_array_is_pythons_overflow_error(void **state)
{
    (void)state;
    assert_null(tr_shared_array_new('q', (size_t)1 << 61, false));
    assert_string_equal(tr_last_error(), "array too large");
}

static void test_empty_array_has_no_items(void **state)
{
    (void)state;
    tr_shared *a = tr_shared_array_new('i', 0, true);
    int x = 1;
    assert_non_null(a);
    assert_int_equal(tr_shared_length(a), 0);
    assert_misuse(tr_shared_get(a, 0, &x), TR_INDEX_ERROR, "invalid index");
    tr_shared_free(a);
}

/* ---- get / set ------------------------------------------------------------------------ */

static void test_value_get_and_set_copy_the_typed_item(void **state)
{
    (void)state;
    tr_shared *v = tr_shared_value_new('d', true);
    double x = 2.5, y = 0;
    assert_int_equal(tr_shared_set(v, 0, &x), TR_OK);
    assert_int_equal(tr_shared_get(v, 0, &y), TR_OK);
    assert_true(y == 2.5);
    assert_true(*(double *)tr_shared_data(v) == 2.5);
    assert_int_equal(tr_shared_get(v, -1, &y), TR_OK); /* its only item, from the end */
    assert_misuse(tr_shared_get(v, 1, &y), TR_INDEX_ERROR, "invalid index");
    tr_shared_free(v);
}

/* Array('i', 3): python3's IndexError "invalid index" for 3, 5 and -4, read or written;
 * -1 is the last item. */
typedef struct index_row {
    long index;
    tr_status status;
    int item; /* the storage's index it reaches */
} index_row;

static const index_row index_rows[] = {
    {0, TR_OK, 0}, {2, TR_OK, 2},   {-1, TR_OK, 2},          {-3, TR_OK, 0},
    {3, TR_INDEX_ERROR, -1},        {5, TR_INDEX_ERROR, -1}, {-4, TR_INDEX_ERROR, -1},
};

static void test_array_index_counts_from_either_end(void **state)
{
    (void)state;
    for (int lock = 0; lock < 2; lock++) {
        tr_shared *a = tr_shared_array_new('i', 3, lock);
        int *items = tr_shared_data(a);
        for (size_t i = 0; i < sizeof index_rows / sizeof *index_rows; i++) {
            const index_row *row = &index_rows[i];
            char name[48];
            int x = 100 + (int)i, y = -1;
            snprintf(name, sizeof name, "a[%ld] (lock=%d)", row->index, lock);
            check_status(name, tr_shared_set(a, row->index, &x), row->status,
                         row->status ? "invalid index" : NULL);
            check_status(name, tr_shared_get(a, row->index, &y), row->status,
                         row->status ? "invalid index" : NULL);
            if (row->status == TR_OK && (y != x || items[row->item] != x))
                fail_msg("%s: read %d, item %d holds %d, wrote %d", name, y, row->item,
                         items[row->item], x);
            if (row->status != TR_OK && y != -1)
                fail_msg("%s: an invalid index wrote the output", name);
        }
        tr_shared_free(a);
    }
}

static void test_unlocked_value_exposes_raw_storage_and_no_lock(void **state)
{
    (void)state;
    tr_shared *v = tr_shared_value_new('q', false);
    long long *raw = tr_shared_data(v), x = 0;
    assert_null(tr_shared_get_lock(v));
    *raw = 41;
    assert_int_equal(tr_shared_get(v, 0, &x), TR_OK);
    assert_int_equal(x, 41);
    x = 42;
    assert_int_equal(tr_shared_set(v, 0, &x), TR_OK);
    assert_int_equal(*raw, 42);
    tr_shared_free(v);
}

/* The lock is released after each access, even a failed one. */
static void test_locked_access_leaves_the_lock_free(void **state)
{
    (void)state;
    tr_shared *a = tr_shared_array_new('b', 2, true);
    tr_rlock *lock = tr_shared_get_lock(a);
    signed char x = -7;
    assert_non_null(lock);
    assert_int_equal(tr_shared_set(a, 1, &x), TR_OK);
    assert_int_equal(tr_shared_get(a, 9, &x), TR_INDEX_ERROR);
    assert_int_equal(tr_rlock_acquire(lock, false, TR_FOREVER), TR_OK);
    assert_int_equal(tr_rlock_recursion_count(lock), 1);
    assert_int_equal(tr_shared_get(a, 1, &x), TR_OK); /* re-enters the caller's hold */
    assert_int_equal(x, -7);
    assert_int_equal(tr_rlock_recursion_count(lock), 1);
    assert_int_equal(tr_rlock_release(lock), TR_OK);
    tr_shared_free(a);
}

/* ---- across fork ---------------------------------------------------------------------- */

static void see_and_change(void *arg)
{
    (void)arg;
    int x = 0;
    double d = 0;
    CHILD_CHECK(tr_shared_get(g.v, 0, &x) == TR_OK && x == 5);
    CHILD_CHECK(tr_shared_get(g.a, 1, &d) == TR_OK && d == 1.5);
    x = 7;
    d = -2.25;
    CHILD_CHECK(tr_shared_set(g.v, 0, &x) == TR_OK);
    CHILD_CHECK(tr_shared_set(g.a, -1, &d) == TR_OK);
    ((double *)tr_shared_data(g.a))[0] = 9.0;
}

static void test_values_are_seen_by_a_forked_child_and_back(void **state)
{
    (void)state;
    int x = 5;
    double d = 1.5;
    g.v = tr_shared_value_new('i', true);
    g.a = tr_shared_array_new('d', 3, false);
    assert_int_equal(tr_shared_set(g.v, 0, &x), TR_OK);
    assert_int_equal(tr_shared_set(g.a, 1, &d), TR_OK);
    assert_int_equal(finish(start(see_and_change)), 0);
    assert_int_equal(tr_shared_get(g.v, 0, &x), TR_OK);
    assert_int_equal(x, 7);
    const double *items = tr_shared_data(g.a);
    assert_true(items[0] == 9.0 && items[1] == 1.5 && items[2] == -2.25);
    tr_shared_free(g.a);
    tr_shared_free(g.v);
}

/* `with v.get_lock(): v.value += 1`, in two processes at once. */
static bool increment_under_get_lock(void)
{
    tr_rlock *lock = tr_shared_get_lock(g.v);
    for (long i = 0; i < g.rounds; i++) {
        long x;
        if (tr_rlock_acquire(lock, true, HANG) != TR_OK)
            return false;
        bool ok = tr_shared_get(g.v, 0, &x) == TR_OK;
        x++;
        ok = ok && tr_shared_set(g.v, 0, &x) == TR_OK;
        tr_rlock_release(lock);
        if (!ok)
            return false;
    }
    return true;
}

static void increment_target(void *arg)
{
    (void)arg;
    CHILD_CHECK(tr_semaphore_release(g.ready, 1) == TR_OK); /* both count at once */
    CHILD_CHECK(increment_under_get_lock());
}

static void test_get_lock_serializes_increments_across_processes(void **state)
{
    (void)state;
    g.v = tr_shared_value_new('l', true);
    g.ready = tr__semaphore_new_shared(0, false);
    g.rounds = 200000;
    tr_process *p = start(increment_target);
    await_signal(g.ready);
    assert_true(increment_under_get_lock());
    assert_int_equal(finish(p), 0);
    long x = 0;
    assert_int_equal(tr_shared_get(g.v, 0, &x), TR_OK);
    assert_int_equal(x, 2 * g.rounds);
    tr_semaphore_free(g.ready);
    tr_shared_free(g.v);
}

/* The child holds the lock twice while the parent looks; then lets go. */
static void hold_the_lock_twice(void *arg)
{
    (void)arg;
    tr_rlock *lock = tr_shared_get_lock(g.v);
    int x = 3;
    CHILD_CHECK(tr_rlock_acquire(lock, true, TR_FOREVER) == TR_OK);
    CHILD_CHECK(tr_rlock_acquire(lock, true, TR_FOREVER) == TR_OK);
    CHILD_CHECK(tr_shared_set(g.v, 0, &x) == TR_OK); /* a third level, for the access */
    CHILD_CHECK(tr_rlock_recursion_count(lock) == 2);
    CHILD_CHECK(tr_semaphore_release(g.ready, 1) == TR_OK);
    CHILD_CHECK(tr_semaphore_acquire(g.go, true, TR_FOREVER) == TR_OK);
    CHILD_CHECK(tr_rlock_release(lock) == TR_OK);
    CHILD_CHECK(tr_rlock_release(lock) == TR_OK);
    CHILD_CHECK(tr_rlock_release(lock) == TR_RUNTIME_ERROR);
}

static void test_get_lock_recursion_belongs_to_the_child_that_took_it(void **state)
{
    (void)state;
    g.v = tr_shared_value_new('i', true);
    g.ready = tr__semaphore_new_shared(0, false);
    g.go = tr__semaphore_new_shared(0, false);
    tr_rlock *lock = tr_shared_get_lock(g.v);
    tr_process *p = start(hold_the_lock_twice);
    await_signal(g.ready);
    assert_false(tr_rlock_is_owned(lock));
    assert_int_equal(tr_rlock_recursion_count(lock), 0);
    assert_int_equal(tr_rlock_acquire(lock, false, TR_FOREVER), TR_TIMEOUT);
    assert_misuse(tr_rlock_release(lock), TR_RUNTIME_ERROR,
                  "attempt to release recursive lock not owned by thread");
    assert_int_equal(tr_semaphore_release(g.go, 1), TR_OK);
    assert_int_equal(finish(p), 0);
    int x = 0;
    assert_int_equal(tr_shared_get(g.v, 0, &x), TR_OK); /* the lock is free again */
    assert_int_equal(x, 3);
    tr_semaphore_free(g.go);
    tr_semaphore_free(g.ready);
    tr_shared_free(g.v);
}

static void let_go_of_it(void *arg)
{
    (void)arg;
    tr_shared_free(g.a);
}

/* A child's free is its own: the parent's object, storage and lock work on. */
static void test_child_letting_go_leaves_the_parents_object(void **state)
{
    (void)state;
    g.a = tr_shared_array_new('h', 4, true);
    short x = 12;
    assert_int_equal(finish(start(let_go_of_it)), 0);
    assert_int_equal(tr_shared_set(g.a, 3, &x), TR_OK);
    x = 0;
    assert_int_equal(tr_shared_get(g.a, 3, &x), TR_OK);
    assert_int_equal(x, 12);
    tr_shared_free(g.a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_typecodes_have_ctypes_sizes_and_start_zeroed),
        TEST(test_too_large_array_is_pythons_overflow_error),
        TEST(test_empty_array_has_no_items),
        TEST(test_value_get_and_set_copy_the_typed_item),
        TEST(test_array_index_counts_from_either_end),
        TEST(test_unlocked_value_exposes_raw_storage_and_no_lock),
        TEST(test_locked_access_leaves_the_lock_free),
        TEST(test_values_are_seen_by_a_forked_child_and_back),
        TEST(test_get_lock_serializes_increments_across_processes),
        TEST(test_get_lock_recursion_belongs_to_the_child_that_took_it),
        TEST(test_child_letting_go_leaves_the_parents_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
