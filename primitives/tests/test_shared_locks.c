/* test_shared_locks.c — objects shared between processes (tr__object_init_shared) through
 * their first users: multiprocessing's Lock, RLock, Semaphore and BoundedSemaphore, the
 * shared siblings of threading's (tr__lock_new_shared, tr__rlock_new_shared,
 * tr__semaphore_new_shared). One lock for a parent and the children it forks: mutual
 * exclusion between single-threaded processes (where a private lock's fast form is a
 * plain load and store), a wait in one process woken by another, an RLock's owner that a
 * forked child's copy of the same thread is not, a lock left held by a process that
 * ended or was killed mid-wait, and SemLock's texts (python3's multiprocessing).
 * Value and Array: test_shared.c.
 *
 * Every test runs between fixtures that check no descriptor leaked and no child process
 * is left. Children report through their exit status (CHILD_CHECK). Nothing sleeps: a
 * parent that must know a child waits in a lock watches the lock's word for the monitor's
 * TR__WORD_BUSY (a thread is inside), within a hang deadline. */
#include <math.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"
#include "process_fixtures.h"

/* ---- helpers -------------------------------------------------------------------------- */

/* The shared objects a test's children use: made before the fork, so every process has
 * them at the same address. */
static struct {
    tr_lock *lock;
    tr_rlock *rlock;
    tr_semaphore *sem;
    long *counter; /* in shared memory: the critical sections' plain data */
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

/* Until some thread (of any process) is inside obj's monitor: here, a child waiting. */
static void await_waiter(const void *obj)
{
    const tr__object *o = obj; /* each lock's object comes first */
    double deadline = now_seconds() + HANG;
    while (!(atomic_load(&o->word) & TR__WORD_BUSY)) {
        if (now_seconds() > deadline)
            fail_msg("no process came to wait");
        sched_yield();
    }
}

/* ---- one lock for several processes --------------------------------------------------- */

/* A timed acquire (its fast form is the same compare-and-swap): a lock left taken by
 * a lost update of its word fails the test instead of hanging it. */
static bool count_under_lock(void)
{
    for (long i = 0; i < g.rounds; i++) {
        if (tr_lock_acquire(g.lock, true, HANG) != TR_OK)
            return false;
        long seen = *g.counter;
        *g.counter = seen + 1;
        tr_lock_release(g.lock);
    }
    return true;
}

static void count_under_lock_target(void *arg)
{
    (void)arg;
    CHILD_CHECK(tr_semaphore_release(g.sem, 1) == TR_OK); /* ready: both count at once */
    CHILD_CHECK(count_under_lock());
}

/* Both processes have one thread: the word's compare-and-swap must still be a real one. */
static void test_shared_lock_excludes_single_threaded_processes(void **state)
{
    (void)state;
    g.lock = tr__lock_new_shared();
    g.sem = tr__semaphore_new_shared(0, false);
    g.counter = tr__shm_alloc(sizeof *g.counter);
    g.rounds = 2000000;
    assert_non_null(g.lock);
    assert_non_null(g.counter);
    tr_process *p = start(count_under_lock_target);
    await_signal(g.sem);
    assert_true(count_under_lock());
    assert_int_equal(finish(p), 0);
    assert_int_equal(*g.counter, 2 * g.rounds);
    assert_false(tr_lock_locked(g.lock));
    tr__shm_free(g.counter);
    tr_semaphore_free(g.sem);
    tr_lock_free(g.lock);
}

static void acquire_release_lock(void *arg)
{
    (void)arg;
    CHILD_CHECK(tr_lock_acquire(g.lock, true, TR_FOREVER) == TR_OK);
    CHILD_CHECK(tr_lock_release(g.lock) == TR_OK);
}

static void acquire_release_rlock(void *arg)
{
    (void)arg;
    CHILD_CHECK(tr_rlock_acquire(g.rlock, true, TR_FOREVER) == TR_OK);
    CHILD_CHECK(tr_rlock_release(g.rlock) == TR_OK);
}

static void acquire_semaphore(void *arg)
{
    (void)arg;
    CHILD_CHECK(tr_semaphore_acquire(g.sem, true, TR_FOREVER) == TR_OK);
}

static void test_lock_wait_is_woken_by_a_release_in_another_process(void **state)
{
    (void)state;
    g.lock = tr__lock_new_shared();
    assert_int_equal(tr_lock_acquire(g.lock, true, TR_FOREVER), TR_OK);
    tr_process *p = start(acquire_release_lock);
    await_waiter(g.lock);
    assert_int_equal(tr_lock_release(g.lock), TR_OK);
    assert_int_equal(finish(p), 0);
    assert_false(tr_lock_locked(g.lock));
    tr_lock_free(g.lock);
}

static void test_rlock_wait_is_woken_by_a_release_in_another_process(void **state)
{
    (void)state;
    g.rlock = tr__rlock_new_shared();
    assert_int_equal(tr_rlock_acquire(g.rlock, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_rlock_acquire(g.rlock, true, TR_FOREVER), TR_OK);
    tr_process *p = start(acquire_release_rlock);
    await_waiter(g.rlock);
    assert_int_equal(tr_rlock_release(g.rlock), TR_OK);
    assert_int_equal(tr_rlock_release(g.rlock), TR_OK);
    assert_int_equal(finish(p), 0);
    assert_int_equal(tr_rlock_acquire(g.rlock, false, TR_FOREVER), TR_OK);
    assert_int_equal(tr_rlock_release(g.rlock), TR_OK);
    tr_rlock_free(g.rlock);
}

static void test_semaphore_wait_is_woken_by_a_release_in_another_process(void **state)
{
    (void)state;
    g.sem = tr__semaphore_new_shared(0, false);
    tr_process *p = start(acquire_semaphore);
    await_waiter(g.sem);
    assert_int_equal(tr_semaphore_release(g.sem, 1), TR_OK);
    assert_int_equal(finish(p), 0);
    assert_int_equal(tr_semaphore_value(g.sem), 0);
    tr_semaphore_free(g.sem);
}

/* ---- an RLock's owner ------------------------------------------------------------------ */

/* The forking thread's copy in the child has the parent's address and ident: only the
 * process tells them apart, and the parent's hold is not the child's. */
static void try_the_parents_rlock(void *arg)
{
    (void)arg;
    CHILD_CHECK(!tr_rlock_is_owned(g.rlock));
    CHILD_CHECK(tr_rlock_recursion_count(g.rlock) == 0);
    CHILD_CHECK(tr_rlock_acquire(g.rlock, false, TR_FOREVER) == TR_TIMEOUT);
    CHILD_CHECK(tr_rlock_release(g.rlock) == TR_RUNTIME_ERROR);
    CHILD_CHECK(strcmp(tr_last_error(), "attempt to release recursive lock not owned by thread") ==
                0);
}

static void test_rlock_held_at_fork_is_not_the_childs(void **state)
{
    (void)state;
    g.rlock = tr__rlock_new_shared();
    assert_int_equal(tr_rlock_acquire(g.rlock, true, TR_FOREVER), TR_OK);
    assert_int_equal(finish(start(try_the_parents_rlock)), 0);
    assert_true(tr_rlock_is_owned(g.rlock));
    assert_int_equal(tr_rlock_recursion_count(g.rlock), 1);
    assert_int_equal(tr_rlock_release(g.rlock), TR_OK);
    tr_rlock_free(g.rlock);
}

/* A private RLock's copy, for contrast: the child's copy of the holder holds the copy. */
static void reenter_the_copy(void *arg)
{
    tr_rlock *copy = arg;
    CHILD_CHECK(tr_rlock_is_owned(copy));
    CHILD_CHECK(tr_rlock_acquire(copy, false, TR_FOREVER) == TR_OK);
    CHILD_CHECK(tr_rlock_recursion_count(copy) == 2);
}

static void test_private_rlock_copy_is_held_by_the_childs_copy_of_its_owner(void **state)
{
    (void)state;
    tr_rlock *r = tr_rlock_new();
    assert_int_equal(tr_rlock_acquire(r, true, TR_FOREVER), TR_OK);
    tr_process *p = tr_process_new(reenter_the_copy, r, NULL);
    assert_int_equal(tr_process_start(p), TR_OK);
    assert_int_equal(finish(p), 0);
    assert_int_equal(tr_rlock_recursion_count(r), 1);
    assert_int_equal(tr_rlock_release(r), TR_OK);
    tr_rlock_free(r);
}

static void reenter_twice(void *arg)
{
    (void)arg;
    CHILD_CHECK(tr_rlock_acquire(g.rlock, true, TR_FOREVER) == TR_OK);
    CHILD_CHECK(tr_rlock_acquire(g.rlock, false, TR_FOREVER) == TR_OK);
    CHILD_CHECK(tr_rlock_recursion_count(g.rlock) == 2);
    CHILD_CHECK(tr_rlock_release(g.rlock) == TR_OK);
    CHILD_CHECK(tr_rlock_release(g.rlock) == TR_OK);
    CHILD_CHECK(tr_rlock_release(g.rlock) == TR_RUNTIME_ERROR);
}

static void test_rlock_reentry_in_a_child_is_counted_there(void **state)
{
    (void)state;
    g.rlock = tr__rlock_new_shared();
    assert_int_equal(finish(start(reenter_twice)), 0);
    assert_int_equal(tr_rlock_acquire(g.rlock, false, TR_FOREVER), TR_OK);
    assert_int_equal(tr_rlock_recursion_count(g.rlock), 1);
    assert_int_equal(tr_rlock_release(g.rlock), TR_OK);
    tr_rlock_free(g.rlock);
}

/* ---- a process that ends holding a lock ----------------------------------------------- */

static void acquire_lock_and_leave(void *arg)
{
    (void)arg;
    CHILD_CHECK(tr_lock_acquire(g.lock, true, TR_FOREVER) == TR_OK);
}

/* As a POSIX semaphore (multiprocessing's): the lock stays held; any process may release
 * a Lock, so the parent can. */
static void test_lock_held_by_a_process_that_ended_stays_held(void **state)
{
    (void)state;
    g.lock = tr__lock_new_shared();
    assert_int_equal(finish(start(acquire_lock_and_leave)), 0);
    assert_true(tr_lock_locked(g.lock));
    assert_int_equal(tr_lock_acquire(g.lock, false, TR_FOREVER), TR_TIMEOUT);
    assert_int_equal(tr_lock_acquire(g.lock, true, QUIET), TR_TIMEOUT);
    assert_int_equal(tr_lock_release(g.lock), TR_OK);
    assert_int_equal(tr_lock_acquire(g.lock, true, TR_FOREVER), TR_OK);
    assert_int_equal(tr_lock_release(g.lock), TR_OK);
    tr_lock_free(g.lock);
}

static void acquire_rlock_and_leave(void *arg)
{
    (void)arg;
    CHILD_CHECK(tr_rlock_acquire(g.rlock, true, TR_FOREVER) == TR_OK);
}

/* Only its owner may release an RLock, and the owner is gone: it is held for good. */
static void test_rlock_held_by_a_process_that_ended_is_held_for_good(void **state)
{
    (void)state;
    g.rlock = tr__rlock_new_shared();
    assert_int_equal(finish(start(acquire_rlock_and_leave)), 0);
    assert_int_equal(tr_rlock_acquire(g.rlock, true, QUIET), TR_TIMEOUT);
    assert_misuse(tr_rlock_release(g.rlock), TR_RUNTIME_ERROR,
                  "attempt to release recursive lock not owned by thread");
    assert_int_equal(tr_rlock_acquire(g.rlock, false, TR_FOREVER), TR_TIMEOUT);
    tr_rlock_free(g.rlock);
}

/* A child killed while it waits in the monitor: the lock and its monitor still work. */
static void test_process_killed_while_waiting_leaves_the_lock_usable(void **state)
{
    (void)state;
    g.lock = tr__lock_new_shared();
    assert_int_equal(tr_lock_acquire(g.lock, true, TR_FOREVER), TR_OK);
    tr_process *p = start(acquire_release_lock);
    await_waiter(g.lock);
    assert_int_equal(tr_process_kill(p), TR_OK);
    assert_int_equal(finish(p), -9);
    assert_int_equal(tr_lock_release(g.lock), TR_OK);
    assert_int_equal(tr_lock_acquire(g.lock, true, HANG), TR_OK);
    assert_int_equal(tr_lock_acquire(g.lock, true, QUIET), TR_TIMEOUT);
    assert_int_equal(tr_lock_release(g.lock), TR_OK);
    tr_lock_free(g.lock);
}

/* ---- SemLock's rules and texts -------------------------------------------------------- */

static void test_shared_lock_misuse_has_multiprocessings_texts(void **state)
{
    (void)state;
    tr_lock *l = tr__lock_new_shared();
    tr_rlock *r = tr__rlock_new_shared();
    tr_semaphore *b = tr__semaphore_new_shared(1, true);
    assert_misuse(tr_lock_release(l), TR_VALUE_ERROR, "semaphore or lock released too many times");
    assert_misuse(tr_rlock_release(r), TR_RUNTIME_ERROR,
                  "attempt to release recursive lock not owned by thread");
    assert_misuse(tr_semaphore_release(b, 1), TR_VALUE_ERROR,
                  "semaphore or lock released too many times");
    assert_null(tr__semaphore_new_shared(-1, false));
    assert_string_equal(tr_last_error(), "[Errno 22] Invalid argument");
    tr_semaphore_free(b);
    tr_rlock_free(r);
    tr_lock_free(l);
}

/* SemLock.acquire(block, timeout) checks nothing: a free lock is taken whatever the
 * timeout; a held one is tried once for block=False or a negative timeout; a NaN or too
 * large timeout fails only when it has to wait. TR_FOREVER is Python's None. */
typedef struct timeout_row {
    const char *name;
    bool held, blocking;
    double timeout;
    tr_status status;
    const char *text;
} timeout_row;

static const timeout_row timeout_rows[] = {
    {"free, block=False, timeout=5", false, false, 5, TR_OK, NULL},
    {"free, timeout=-5", false, true, -5, TR_OK, NULL},
    {"free, timeout=nan", false, true, NAN, TR_OK, NULL},
    {"free, timeout=1e100", false, true, 1e100, TR_OK, NULL},
    {"held, block=False, timeout=100", true, false, 100, TR_TIMEOUT, NULL},
    {"held, timeout=-5", true, true, -5, TR_TIMEOUT, NULL},
    {"held, timeout=-inf", true, true, -INFINITY, TR_TIMEOUT, NULL},
    {"held, timeout=nan", true, true, NAN, TR_OS_ERROR, "[Errno 22] Invalid argument"},
    {"held, timeout=1e19", true, true, 1e19, TR_OS_ERROR, "[Errno 22] Invalid argument"},
    {"held, timeout=inf", true, true, INFINITY, TR_OS_ERROR, "[Errno 22] Invalid argument"},
};

static void test_shared_acquire_follows_semlocks_timeout_rules(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof timeout_rows / sizeof *timeout_rows; i++) {
        const timeout_row *row = &timeout_rows[i];
        tr_lock *l = tr__lock_new_shared();
        tr_semaphore *s = tr__semaphore_new_shared(row->held ? 0 : 1, false);
        if (row->held)
            assert_int_equal(tr_lock_acquire(l, true, TR_FOREVER), TR_OK);
        double t0 = now_seconds();
        check_status(row->name, tr_lock_acquire(l, row->blocking, row->timeout), row->status,
                     row->text);
        check_status(row->name, tr_semaphore_acquire(s, row->blocking, row->timeout),
                     row->status, row->text);
        if (now_seconds() - t0 > AT_ONCE)
            fail_msg("%s: waited", row->name);
        tr_semaphore_free(s);
        tr_lock_free(l);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_shared_lock_excludes_single_threaded_processes),
        TEST(test_lock_wait_is_woken_by_a_release_in_another_process),
        TEST(test_rlock_wait_is_woken_by_a_release_in_another_process),
        TEST(test_semaphore_wait_is_woken_by_a_release_in_another_process),
        TEST(test_rlock_held_at_fork_is_not_the_childs),
        TEST(test_private_rlock_copy_is_held_by_the_childs_copy_of_its_owner),
        TEST(test_rlock_reentry_in_a_child_is_counted_there),
        TEST(test_lock_held_by_a_process_that_ended_stays_held),
        TEST(test_rlock_held_by_a_process_that_ended_is_held_for_good),
        TEST(test_process_killed_while_waiting_leaves_the_lock_usable),
        TEST(test_shared_lock_misuse_has_multiprocessings_texts),
        TEST(test_shared_acquire_follows_semlocks_timeout_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
