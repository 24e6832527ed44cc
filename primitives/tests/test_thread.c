/* test_thread.c — threading.Thread (PYTHON_SEMANTICS.md §5): names, daemon inheritance,
 * start/join rules, is_alive, ident, current thread. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "helpers.h"

static void noop(void *arg) { (void)arg; }

/* The N of "Thread-N..." / "Dummy-N". */
static long number_in(const char *name, const char *prefix)
{
    size_t len = strlen(prefix);
    if (strncmp(name, prefix, len) != 0)
        fail_msg("\"%s\" does not start with %s", name, prefix);
    return strtol(name + len, NULL, 10);
}

/* ---- names ---------------------------------------------------------------------------- */

static void test_default_name_is_thread_n_with_the_target_name(void **state)
{
    (void)state;
    tr_thread *a = tr_thread_new(noop, NULL, NULL);
    tr_thread *b = tr_thread_new(noop, NULL, NULL);
    long n = number_in(tr_thread_name(a), "Thread-");
    char want[64];
    snprintf(want, sizeof want, "Thread-%ld (noop)", n);
    assert_string_equal(tr_thread_name(a), want);
    snprintf(want, sizeof want, "Thread-%ld (noop)", n + 1);
    assert_string_equal(tr_thread_name(b), want);
    tr_thread_free(a);
    tr_thread_free(b);
}

static void test_target_spelled_with_address_or_cast_keeps_its_name(void **state)
{
    (void)state;
    tr_thread *a = tr_thread_new(&noop, NULL, NULL);
    tr_thread *b = tr_thread_new((tr_target)noop, NULL, NULL);
    assert_non_null(strstr(tr_thread_name(a), " (noop)"));
    assert_non_null(strstr(tr_thread_name(b), " (noop)"));
    tr_thread_free(a);
    tr_thread_free(b);
}

static void test_given_name_is_used_and_takes_no_number(void **state)
{
    (void)state;
    tr_thread_opts named = {.name = "worker-x"};
    tr_thread *a = tr_thread_new(noop, NULL, NULL);
    tr_thread *b = tr_thread_new(noop, NULL, &named);
    tr_thread *c = tr_thread_new(noop, NULL, NULL);
    assert_string_equal(tr_thread_name(b), "worker-x");
    assert_int_equal(number_in(tr_thread_name(c), "Thread-"),
                     number_in(tr_thread_name(a), "Thread-") + 1);
    tr_thread_free(a);
    tr_thread_free(b);
    tr_thread_free(c);
}

static void test_empty_name_means_no_name(void **state)
{
    (void)state;
    tr_thread_opts empty = {.name = ""};
    tr_thread *t = tr_thread_new(noop, NULL, &empty);
    number_in(tr_thread_name(t), "Thread-");
    assert_non_null(strstr(tr_thread_name(t), " (noop)"));
    tr_thread_free(t);
}

static void test_name_is_copied_and_kept_whole(void **state)
{
    (void)state;
    char name[400];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    tr_thread_opts opts = {.name = name};
    tr_thread *t = tr_thread_new(noop, NULL, &opts);
    name[0] = 'X';
    assert_int_equal(strlen(tr_thread_name(t)), sizeof name - 1);
    assert_int_equal(tr_thread_name(t)[0], 'n');
    tr_thread_free(t);
}

static void test_without_target_the_name_is_plain_thread_n_and_it_runs_nothing(void **state)
{
    (void)state;
    tr_thread *t = tr_thread_new(NULL, NULL, NULL);
    long n = number_in(tr_thread_name(t), "Thread-");
    char want[32];
    snprintf(want, sizeof want, "Thread-%ld", n);
    assert_string_equal(tr_thread_name(t), want);
    assert_int_equal(tr_thread_start(t), TR_OK);
    join_thread(t);
}

static void test_set_name_replaces_the_name(void **state)
{
    (void)state;
    tr_thread *t = tr_thread_new(noop, NULL, NULL);
    assert_int_equal(tr_thread_set_name(t, "renamed"), TR_OK);
    assert_string_equal(tr_thread_name(t), "renamed");
    assert_int_equal(tr_thread_set_name(t, ""), TR_OK); /* the setter keeps "" as Python */
    assert_string_equal(tr_thread_name(t), "");
    tr_thread_free(t);
}

static void test_main_thread_is_mainthread_and_not_a_daemon(void **state)
{
    (void)state;
    tr_thread *main_thread = tr_current_thread();
    assert_string_equal(tr_thread_name(main_thread), "MainThread");
    assert_false(tr_thread_daemon(main_thread));
    assert_true(tr_thread_is_alive(main_thread));
    assert_true(tr_thread_ident(main_thread) != 0);
    tr_thread_free(main_thread); /* trama's, not ours: a no-op */
    assert_string_equal(tr_thread_name(tr_current_thread()), "MainThread");
}

typedef struct foreign {
    char name[64];
    bool daemon;
    char child_name[64];
    bool child_daemon;
} foreign;

static void *foreign_main(void *arg)
{
    foreign *f = arg;
    tr_thread *self = tr_current_thread();
    snprintf(f->name, sizeof f->name, "%s", tr_thread_name(self));
    f->daemon = tr_thread_daemon(self);
    tr_thread *child = tr_thread_new(noop, NULL, NULL);
    snprintf(f->child_name, sizeof f->child_name, "%s", tr_thread_name(child));
    f->child_daemon = tr_thread_daemon(child);
    tr_thread_free(child);
    return NULL;
}

static void test_foreign_thread_is_dummy_n_a_daemon_sharing_the_thread_counter(void **state)
{
    (void)state;
    foreign f;
    pthread_t host;
    tr_thread *before = tr_thread_new(noop, NULL, NULL);
    long n = number_in(tr_thread_name(before), "Thread-");
    assert_int_equal(pthread_create(&host, NULL, foreign_main, &f), 0);
    assert_int_equal(pthread_join(host, NULL), 0);
    assert_int_equal(number_in(f.name, "Dummy-"), n + 1);
    assert_true(f.daemon);
    assert_int_equal(number_in(f.child_name, "Thread-"), n + 2);
    assert_true(f.child_daemon); /* inherited from the Dummy thread */
    tr_thread_free(before);
}

/* ---- daemon --------------------------------------------------------------------------- */

static void test_daemon_is_inherited_from_the_main_thread_as_false(void **state)
{
    (void)state;
    tr_thread *t = tr_thread_new(noop, NULL, NULL);
    assert_false(tr_thread_daemon(t));
    tr_thread_free(t);
}

typedef struct spawner {
    bool child_daemon;
    char child_name[64];
} spawner;

static void spawn_child(void *arg)
{
    spawner *s = arg;
    tr_thread *child = tr_thread_new(noop, NULL, NULL);
    s->child_daemon = tr_thread_daemon(child);
    tr_thread_free(child);
}

static void test_daemon_thread_creates_daemon_children_by_default(void **state)
{
    (void)state;
    spawner s = {false, ""};
    tr_thread_opts daemon = {.daemon = true};
    tr_thread *t = tr_thread_new(spawn_child, &s, &daemon);
    assert_true(tr_thread_daemon(t));
    assert_int_equal(tr_thread_start(t), TR_OK);
    join_thread(t);
    assert_true(s.child_daemon);
}

static void test_non_daemon_thread_creates_non_daemon_children_by_default(void **state)
{
    (void)state;
    spawner s = {true, ""};
    tr_thread_opts plain = {.daemon = false};
    join_thread(start_thread_(tr_thread_new(spawn_child, &s, &plain)));
    assert_false(s.child_daemon);
}

static void test_set_daemon_before_start_takes_effect(void **state)
{
    (void)state;
    tr_thread *t = tr_thread_new(noop, NULL, NULL);
    assert_int_equal(tr_thread_set_daemon(t, true), TR_OK);
    assert_true(tr_thread_daemon(t));
    assert_int_equal(tr_thread_set_daemon(t, false), TR_OK);
    assert_false(tr_thread_daemon(t));
    tr_thread_free(t);
}

/* A target that runs until told to finish. */
typedef struct parked {
    tr_semaphore *running;
    tr_semaphore *finish;
    tr_thread *self_seen;
    bool alive_inside;
    tr_status self_join;
    char self_join_text[64];
} parked;

static void park(void *arg)
{
    parked *p = arg;
    p->self_seen = tr_current_thread();
    p->alive_inside = tr_thread_is_alive(p->self_seen);
    p->self_join = tr_thread_join(p->self_seen, TR_FOREVER);
    snprintf(p->self_join_text, sizeof p->self_join_text, "%s", tr_last_error());
    worker_expect(tr_semaphore_release(p->running, 1), TR_OK);
    worker_expect(tr_semaphore_acquire(p->finish, true, HANG), TR_OK);
}

static tr_thread *start_parked(parked *p)
{
    *p = (parked){.running = tr_semaphore_new(0), .finish = tr_semaphore_new(0)};
    tr_thread *t = start_thread(park, p);
    await_signal(p->running);
    return t;
}

static void finish_parked(parked *p, tr_thread *t)
{
    assert_int_equal(tr_semaphore_release(p->finish, 1), TR_OK);
    assert_int_equal(tr_thread_join(t, HANG), TR_OK);
    assert_int_equal(atomic_load(&worker_failures), 0);
    tr_semaphore_free(p->running);
    tr_semaphore_free(p->finish);
}

static void test_set_daemon_while_running_is_runtime_error(void **state)
{
    (void)state;
    parked p;
    tr_thread *t = start_parked(&p);
    assert_misuse(tr_thread_set_daemon(t, true), TR_RUNTIME_ERROR,
                  "cannot set daemon status of active thread");
    assert_false(tr_thread_daemon(t));
    finish_parked(&p, t);
    tr_thread_free(t);
}

static void test_set_daemon_after_the_end_is_runtime_error(void **state)
{
    (void)state;
    tr_thread *t = start_thread(noop, NULL);
    assert_int_equal(tr_thread_join(t, HANG), TR_OK);
    assert_misuse(tr_thread_set_daemon(t, true), TR_RUNTIME_ERROR,
                  "cannot set daemon status of active thread");
    tr_thread_free(t);
}

/* ---- start ---------------------------------------------------------------------------- */

static void set_flag(void *arg) { *(int *)arg = 42; }

static void test_target_runs_with_its_argument_and_join_publishes_its_writes(void **state)
{
    (void)state;
    int flag = 0;
    join_thread(start_thread(set_flag, &flag));
    assert_int_equal(flag, 42);
}

static void test_start_twice_is_runtime_error(void **state)
{
    (void)state;
    parked p;
    tr_thread *t = start_parked(&p);
    assert_misuse(tr_thread_start(t), TR_RUNTIME_ERROR, "threads can only be started once");
    finish_parked(&p, t);
    tr_thread_free(t);
}

static void test_start_after_the_end_is_runtime_error(void **state)
{
    (void)state;
    tr_thread *t = start_thread(noop, NULL);
    assert_int_equal(tr_thread_join(t, HANG), TR_OK);
    assert_misuse(tr_thread_start(t), TR_RUNTIME_ERROR, "threads can only be started once");
    tr_thread_free(t);
}

/* ---- join ----------------------------------------------------------------------------- */

static void test_join_before_start_is_runtime_error(void **state)
{
    (void)state;
    tr_thread *t = tr_thread_new(noop, NULL, NULL);
    assert_misuse(tr_thread_join(t, TR_FOREVER), TR_RUNTIME_ERROR,
                  "cannot join thread before it is started");
    assert_misuse(tr_thread_join(t, 0), TR_RUNTIME_ERROR,
                  "cannot join thread before it is started");
    /* checked before the timeout */
    assert_misuse(tr_thread_join(t, NAN), TR_RUNTIME_ERROR,
                  "cannot join thread before it is started");
    tr_thread_free(t);
}

static void test_join_of_the_current_thread_is_runtime_error(void **state)
{
    (void)state;
    parked p;
    tr_thread *t = start_parked(&p);
    assert_int_equal(p.self_join, TR_RUNTIME_ERROR);
    assert_string_equal(p.self_join_text, "cannot join current thread");
    finish_parked(&p, t);
    tr_thread_free(t);
    assert_misuse(tr_thread_join(tr_current_thread(), 0), TR_RUNTIME_ERROR,
                  "cannot join current thread");
}

static void test_join_timeout_on_a_live_thread_times_out_after_about_t(void **state)
{
    (void)state;
    parked p;
    tr_thread *t = start_parked(&p);
    double start = now_seconds();
    assert_int_equal(tr_thread_join(t, 0.2), TR_TIMEOUT);
    assert_took_about(now_seconds() - start, 0.2);
    assert_true(tr_thread_is_alive(t));
    finish_parked(&p, t);
    tr_thread_free(t);
}

static void test_join_negative_timeout_acts_as_zero(void **state)
{
    (void)state;
    parked p;
    tr_thread *t = start_parked(&p);
    double start = now_seconds();
    assert_int_equal(tr_thread_join(t, -5), TR_TIMEOUT);
    assert_int_equal(tr_thread_join(t, 0), TR_TIMEOUT);
    assert_true(now_seconds() - start < AT_ONCE);
    finish_parked(&p, t);
    tr_thread_free(t);
}

static void test_repeated_joins_are_fine(void **state)
{
    (void)state;
    tr_thread *t = start_thread(noop, NULL);
    assert_int_equal(tr_thread_join(t, HANG), TR_OK);
    assert_int_equal(tr_thread_join(t, TR_FOREVER), TR_OK);
    assert_int_equal(tr_thread_join(t, 0), TR_OK);
    assert_int_equal(tr_thread_join(t, -1.5), TR_OK);
    tr_thread_free(t);
}

typedef struct join_row {
    const char *name;
    double timeout;
    const char *message;
} join_row;

/* 3.13: _ThreadHandle.join converts the timeout after the state checks. */
static const join_row join_rows[] = {
    {"NaN", NAN, "Invalid value NaN (not a number)"},
    {"1e100", 1e100, "timestamp out of range for platform time_t"},
    {"inf", INFINITY, "timestamp out of range for platform time_t"},
    {"2^63 ns", 9223372037.0, "timestamp out of range for platform time_t"},
};

static void test_join_with_unconvertible_timeout_is_value_error_alive_or_ended(void **state)
{
    (void)state;
    parked p;
    tr_thread *t = start_parked(&p);
    char row[64];
    for (size_t i = 0; i < sizeof join_rows / sizeof join_rows[0]; i++) {
        snprintf(row, sizeof row, "alive, %s", join_rows[i].name);
        double start = now_seconds();
        check_status(row, tr_thread_join(t, join_rows[i].timeout), TR_VALUE_ERROR,
                     join_rows[i].message);
        if (now_seconds() - start > AT_ONCE)
            fail_msg("%s: did not fail at once", row);
    }
    finish_parked(&p, t);
    for (size_t i = 0; i < sizeof join_rows / sizeof join_rows[0]; i++) {
        snprintf(row, sizeof row, "ended, %s", join_rows[i].name);
        check_status(row, tr_thread_join(t, join_rows[i].timeout), TR_VALUE_ERROR,
                     join_rows[i].message);
    }
    tr_thread_free(t);
}

/* ---- is_alive, ident, current_thread -------------------------------------------------- */

static void test_is_alive_false_before_start_true_while_running_false_after_join(void **state)
{
    (void)state;
    parked p;
    tr_thread *t = tr_thread_new(noop, NULL, NULL);
    assert_false(tr_thread_is_alive(t));
    tr_thread_free(t);
    t = start_parked(&p);
    assert_true(tr_thread_is_alive(t));
    assert_true(p.alive_inside);
    finish_parked(&p, t);
    assert_false(tr_thread_is_alive(t));
    tr_thread_free(t);
}

static void test_current_thread_inside_the_target_is_its_thread_object(void **state)
{
    (void)state;
    parked p;
    tr_thread *t = start_parked(&p);
    assert_ptr_equal(p.self_seen, t);
    finish_parked(&p, t);
    tr_thread_free(t);
}

static void test_ident_is_0_before_start_and_unique_among_live_threads(void **state)
{
    (void)state;
    parked p1, p2;
    tr_thread *fresh = tr_thread_new(noop, NULL, NULL);
    assert_int_equal(tr_thread_ident(fresh), 0);
    tr_thread_free(fresh);
    tr_thread *a = start_parked(&p1);
    tr_thread *b = start_parked(&p2);
    assert_true(tr_thread_ident(a) != 0);
    assert_true(tr_thread_ident(b) != 0);
    assert_true(tr_thread_ident(a) != tr_thread_ident(b));
    assert_true(tr_thread_ident(a) != tr_thread_ident(tr_current_thread()));
    finish_parked(&p1, a);
    finish_parked(&p2, b);
    tr_thread_free(a);
    tr_thread_free(b);
}

/* Static: the detached thread may outlive the test function's frame. */
static tr_semaphore *detached_go;
static tr_semaphore *detached_done;

static void run_detached(void *arg)
{
    (void)arg;
    worker_expect(tr_semaphore_acquire(detached_go, true, HANG), TR_OK);
    worker_expect(tr_semaphore_release(detached_done, 1), TR_OK);
}

static void test_freeing_a_running_thread_detaches_it(void **state)
{
    (void)state;
    detached_go = tr_semaphore_new(0);
    detached_done = tr_semaphore_new(0);
    tr_thread *t = start_thread(run_detached, NULL);
    tr_thread_free(t);
    /* It still runs to its end: its host holds a reference of its own. */
    assert_int_equal(tr_semaphore_release(detached_go, 1), TR_OK);
    await_signal(detached_done);
    assert_int_equal(atomic_load(&worker_failures), 0);
    /* The semaphores stay: the thread may still be leaving release(). */
}

static void test_free_null_is_a_no_op(void **state)
{
    (void)state;
    tr_thread_free(NULL);
}

/* ---- interpreter exit ----------------------------------------------------------------- */

/* A shutdown caller, a non-daemon worker that starts a second non-daemon thread before it
 * blocks, and a daemon blocked for good: shutdown returns once both non-daemon threads
 * finished, however long that is, and never waits for the daemon. */
typedef struct exit_scene {
    tr_lock *hold_worker, *hold_late, *hold_daemon;
    tr_thread *late;
    bool worker_done, late_done; /* written before the writer's exit; read after its join */
    tr_semaphore *shutdown_returned;
} exit_scene;

static void late_starter_body(void *arg)
{
    exit_scene *s = arg;
    worker_expect(tr_lock_acquire(s->hold_late, true, HANG), TR_OK);
    s->late_done = true;
    worker_expect(tr_lock_release(s->hold_late), TR_OK);
}

static void exit_worker(void *arg)
{
    exit_scene *s = arg;
    s->late = tr_thread_new(late_starter_body, s, NULL);
    worker_expect(tr_thread_start(s->late), TR_OK);
    worker_expect(tr_lock_acquire(s->hold_worker, true, HANG), TR_OK);
    s->worker_done = true;
    worker_expect(tr_lock_release(s->hold_worker), TR_OK);
}

static void blocked_daemon(void *arg)
{
    exit_scene *s = arg;
    worker_expect(tr_lock_acquire(s->hold_daemon, true, HANG), TR_OK);
    worker_expect(tr_lock_release(s->hold_daemon), TR_OK);
}

static void shutdown_caller(void *arg)
{
    exit_scene *s = arg;
    worker_expect(tr_threading_shutdown(), TR_OK);
    worker_expect(s->worker_done && s->late_done, true);
    worker_expect(tr_semaphore_release(s->shutdown_returned, 1), TR_OK);
}

static void test_threading_shutdown_waits_for_non_daemon_threads_only(void **state)
{
    (void)state;
    exit_scene s = {tr_lock_new(), tr_lock_new(), tr_lock_new(), NULL, false, false,
                    tr_semaphore_new(0)};
    tr_lock *holds[] = {s.hold_worker, s.hold_late, s.hold_daemon};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(tr_lock_acquire(holds[i], true, TR_FOREVER), TR_OK);
    tr_thread *daemon = tr_thread_new(blocked_daemon, &s, &(tr_thread_opts){.daemon = true});
    assert_int_equal(tr_thread_start(daemon), TR_OK);
    tr_thread *worker = start_thread(exit_worker, &s);
    tr_thread *caller = start_thread(shutdown_caller, &s);

    assert_no_signal_within(s.shutdown_returned, QUIET); /* the worker is still blocked */
    assert_int_equal(tr_lock_release(s.hold_worker), TR_OK);
    assert_no_signal_within(s.shutdown_returned, QUIET); /* the thread it started is */
    assert_int_equal(tr_lock_release(s.hold_late), TR_OK);
    await_signal(s.shutdown_returned); /* the daemon is not waited for */
    assert_true(tr_thread_is_alive(daemon));

    assert_int_equal(tr_lock_release(s.hold_daemon), TR_OK);
    join_thread(caller);
    join_thread(worker);
    join_thread(s.late);
    join_thread(daemon);
    for (size_t i = 0; i < 3; i++)
        tr_lock_free(holds[i]);
    tr_semaphore_free(s.shutdown_returned);
}

static void test_threading_shutdown_with_nothing_running_returns_at_once(void **state)
{
    (void)state;
    assert_int_equal(tr_threading_shutdown(), TR_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_name_is_thread_n_with_the_target_name),
        cmocka_unit_test(test_target_spelled_with_address_or_cast_keeps_its_name),
        cmocka_unit_test(test_given_name_is_used_and_takes_no_number),
        cmocka_unit_test(test_empty_name_means_no_name),
        cmocka_unit_test(test_name_is_copied_and_kept_whole),
        cmocka_unit_test(test_without_target_the_name_is_plain_thread_n_and_it_runs_nothing),
        cmocka_unit_test(test_set_name_replaces_the_name),
        cmocka_unit_test(test_main_thread_is_mainthread_and_not_a_daemon),
        cmocka_unit_test(test_foreign_thread_is_dummy_n_a_daemon_sharing_the_thread_counter),
        cmocka_unit_test(test_daemon_is_inherited_from_the_main_thread_as_false),
        cmocka_unit_test(test_daemon_thread_creates_daemon_children_by_default),
        cmocka_unit_test(test_non_daemon_thread_creates_non_daemon_children_by_default),
        cmocka_unit_test(test_set_daemon_before_start_takes_effect),
        cmocka_unit_test(test_set_daemon_while_running_is_runtime_error),
        cmocka_unit_test(test_set_daemon_after_the_end_is_runtime_error),
        cmocka_unit_test(test_target_runs_with_its_argument_and_join_publishes_its_writes),
        cmocka_unit_test(test_start_twice_is_runtime_error),
        cmocka_unit_test(test_start_after_the_end_is_runtime_error),
        cmocka_unit_test(test_join_before_start_is_runtime_error),
        cmocka_unit_test(test_join_of_the_current_thread_is_runtime_error),
        cmocka_unit_test(test_join_timeout_on_a_live_thread_times_out_after_about_t),
        cmocka_unit_test(test_join_negative_timeout_acts_as_zero),
        cmocka_unit_test(test_repeated_joins_are_fine),
        cmocka_unit_test(test_join_with_unconvertible_timeout_is_value_error_alive_or_ended),
        cmocka_unit_test(test_is_alive_false_before_start_true_while_running_false_after_join),
        cmocka_unit_test(test_current_thread_inside_the_target_is_its_thread_object),
        cmocka_unit_test(test_ident_is_0_before_start_and_unique_among_live_threads),
        cmocka_unit_test(test_freeing_a_running_thread_detaches_it),
        cmocka_unit_test(test_free_null_is_a_no_op),
        cmocka_unit_test(test_threading_shutdown_waits_for_non_daemon_threads_only),
        cmocka_unit_test(test_threading_shutdown_with_nothing_running_returns_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
