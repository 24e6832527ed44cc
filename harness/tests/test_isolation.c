/* test_isolation.c — a case that crashes or spins without scheduling points becomes a
 * finding with a schedule, and the harness itself keeps working (forked per case by
 * default, per execution with --isolate). */
#define _DEFAULT_SOURCE /* fault.h */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../src/harness_internal.h"
#include "fault.h"

typedef struct shared {
    int *volatile target; /* volatile: the crash must really happen */
    int ready;
} shared;

static void spoil_target(void *arg)
{
    shared *s = arg;
    TR_STORE(s->target, fault_address());
}

/* Crashes only when the worker spoils the pointer before main uses it (1 preemption). */
TR_CASE(crash_under_one_schedule, TR_CRASH)
{
    shared *s = tr_case_alloc(sizeof *s);
    s->target = tr_case_alloc(sizeof(int));
    tr_thread *t = tr_thread_new(spoil_target, s, NULL);
    tr_thread_start(t);
    int *p = TR_LOAD(s->target);
    *p = 1;
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
}

static void spin_on_plain_memory(void *arg)
{
    volatile int *flag = arg;
    while (!*flag)
        ; /* no scheduling point: only the watchdog can stop this */
}

TR_CASE(spin_without_scheduling_points, TR_HANG)
{
    int *flag = tr_case_alloc(sizeof *flag);
    tr_thread *t = tr_thread_new(spin_on_plain_memory, flag, NULL);
    tr_thread_start(t);
    tr_thread_join(t, TR_FOREVER);
}

static void wait_for_flag(void *arg)
{
    int *flag = arg;
    while (!TR_LOAD(*flag))
        tr_yield();
}

/* Nobody ever sets the flag: the spinner makes no progress, main waits for it in join.
 * Spinning is not progress, so this is a stall with a blocked thread: a deadlock. */
TR_CASE(join_a_thread_that_spins_forever, TR_DEADLOCK)
{
    int *flag = tr_case_alloc(sizeof *flag);
    tr_thread *t = tr_thread_new(wait_for_flag, flag, NULL);
    tr_thread_start(t);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
}

/* Main itself spins on a flag nobody sets, and no thread is blocked: a livelock. */
TR_CASE(main_spins_forever_with_yield, TR_HANG)
{
    int *flag = tr_case_alloc(sizeof *flag);
    wait_for_flag(flag);
}

static void set_flag(void *arg)
{
    int *flag = arg;
    TR_STORE(*flag, 1);
}

/* A spin-wait that fairness makes terminate in every schedule (the flag is a plain int,
 * so it is also a data race, as C11 says). */
TR_CASE(spin_until_set_with_yield, TR_PASS)
{
    int *flag = tr_case_alloc(sizeof *flag);
    tr_thread *w = tr_thread_new(wait_for_flag, flag, NULL);
    tr_thread *s = tr_thread_new(set_flag, flag, NULL);
    tr_thread_start(w);
    tr_thread_start(s);
    tr_thread_join(w, TR_FOREVER);
    tr_thread_join(s, TR_FOREVER);
    tr_thread_free(w);
    tr_thread_free(s);
}

typedef struct two_locks {
    tr_lock *a, *b;
    int turn;
} two_locks;

static void take_in_the_order_of_the_turn(void *arg)
{
    two_locks *s = arg;
    tr_lock *first = TR_LOAD(s->turn) ? s->b : s->a, *second = first == s->a ? s->b : s->a;
    tr_lock_acquire(first, true, TR_FOREVER);
    tr_lock_acquire(second, true, TR_FOREVER);
    tr_lock_release(second);
    tr_lock_release(first);
}

static void set_turn(void *arg) { TR_STORE(((two_locks *)arg)->turn, 1); }

/* One thread takes A then B, or B then A, depending on a racy read: each execution has
 * one order, only the two executions together close the cycle (lockdep's view). */
TR_CASE(lock_orders_in_different_executions, TR_LOCK_ORDER)
{
    two_locks *s = tr_case_alloc(sizeof *s);
    s->a = tr_lock_new();
    s->b = tr_lock_new();
    tr_thread *t = tr_thread_new(take_in_the_order_of_the_turn, s, NULL);
    tr_thread *u = tr_thread_new(set_turn, s, NULL);
    tr_thread_start(t);
    tr_thread_start(u);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_join(u, TR_FOREVER);
}

static tr_explore_opts opts(void)
{
    tr_explore_opts o;
    tr_explore_opts_init(&o);
    o.step_timeout = 1;
    return o;
}

static void test_crash_is_a_finding_with_a_schedule(void **unused)
{
    (void)unused;
    tr_explore_opts o = opts();
    tr_result r = tr_explore("crash_under_one_schedule", &o);
    assert_true(r.found & (1u << TR_CRASH));
    const tr_finding *crash = NULL;
    for (size_t i = 0; i < r.n_findings; i++)
        if (r.findings[i].kind == TR_CRASH)
            crash = &r.findings[i];
    assert_non_null(crash);
    assert_non_null(strstr(crash->message, "signal 11"));
    assert_true(strncmp(crash->schedule, "v1:", 3) == 0);
    assert_true(strlen(crash->schedule) > 3);
    tr_result_free(&r);
}

static void test_isolate_goes_on_after_a_crash(void **unused)
{
    (void)unused;
    tr_explore_opts o = opts();
    o.isolate = true;
    o.strategy = TR_STRATEGY_DFS;
    tr_result r = tr_explore("crash_under_one_schedule", &o);
    assert_true(r.found & (1u << TR_CRASH));
    assert_true(r.complete);
    assert_true(r.executions > 1);
    tr_result_free(&r);
}

static void test_spin_without_scheduling_points_is_a_hang(void **unused)
{
    (void)unused;
    tr_explore_opts o = opts();
    tr_result r = tr_explore("spin_without_scheduling_points", &o);
    assert_true(r.found & (1u << TR_HANG));
    assert_non_null(strstr(r.findings[0].message, "without reaching a scheduling point"));
    tr_result_free(&r);
    o.isolate = true;
    r = tr_explore("spin_without_scheduling_points", &o);
    assert_true(r.found & (1u << TR_HANG));
    tr_result_free(&r);
}

static void test_endless_yield_spin_is_a_hang(void **unused)
{
    (void)unused;
    tr_explore_opts o = opts();
    tr_result r = tr_explore("main_spins_forever_with_yield", &o);
    assert_int_equal(r.found, 1u << TR_HANG);
    assert_non_null(strstr(r.findings[0].message, "livelock"));
    tr_result_free(&r);
}

static void test_waiting_for_a_spinner_is_a_deadlock(void **unused)
{
    (void)unused;
    tr_explore_opts o = opts();
    tr_result r = tr_explore("join_a_thread_that_spins_forever", &o);
    assert_int_equal(r.found, 1u << TR_DEADLOCK);
    tr_result_free(&r);
}

static void test_fair_spin_wait_terminates(void **unused)
{
    (void)unused;
    tr_explore_opts o = opts();
    tr_result r = tr_explore("spin_until_set_with_yield", &o);
    assert_int_equal(r.found, 1u << TR_DATA_RACE);
    assert_true(r.complete);
    tr_result_free(&r);
}

static void test_harness_still_works_after_crashes(void **unused)
{
    (void)unused;
    tr_explore_opts o = opts();
    tr_result r = tr_explore("crash_under_one_schedule", &o);
    tr_result_free(&r);
    r = tr_explore("spin_until_set_with_yield", &o);
    assert_int_equal(r.found, 1u << TR_DATA_RACE);
    tr_result_free(&r);
}

static void test_isolate_keeps_lock_orders_across_executions(void **unused)
{
    (void)unused;
    tr_explore_opts o = opts();
    for (int isolate = 0; isolate < 2; isolate++) {
        o.isolate = isolate;
        tr_result r = tr_explore("lock_orders_in_different_executions", &o);
        assert_true(r.found & (1u << TR_LOCK_ORDER));
        assert_true(r.executions >= 2);
        tr_result_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_is_a_finding_with_a_schedule),
        cmocka_unit_test(test_isolate_goes_on_after_a_crash),
        cmocka_unit_test(test_spin_without_scheduling_points_is_a_hang),
        cmocka_unit_test(test_endless_yield_spin_is_a_hang),
        cmocka_unit_test(test_waiting_for_a_spinner_is_a_deadlock),
        cmocka_unit_test(test_fair_spin_wait_terminates),
        cmocka_unit_test(test_harness_still_works_after_crashes),
        cmocka_unit_test(test_isolate_keeps_lock_orders_across_executions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
