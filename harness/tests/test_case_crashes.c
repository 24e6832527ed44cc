/* test_case_crashes.c — a crash on a case thread (a bad pointer, a stack overflow) is a
 * CRASH finding written by the exploring child's signal handler, with the schedule it
 * ran, whichever kind of host runs the thread (TRAMA_THREADS=1: test_case_crashes_pthreads).
 *
 * Its own executable: every exploration here forks, and a process that has run executions
 * itself has host threads (or, to ThreadSanitizer, fibers that count as threads), after
 * which TSan refuses to let a forked child start the watchdog thread. */
#define _DEFAULT_SOURCE /* fault.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <trama/harness.h>

#include "fault.h"

/* ---- crashes on a case thread --------------------------------------------------------- */

/* Crashes only when it sees T0's store: the crash needs a particular schedule. */
static void crash_if_flagged(void *arg)
{
    int *flag = arg;
    if (TR_LOAD(*flag))
        *(volatile int *)fault_address() = 1;
}

TR_CASE(case_thread_stores_through_a_bad_pointer, TR_CRASH)
{
    int *flag = tr_case_alloc(sizeof *flag);
    tr_thread *t = tr_thread_new(crash_if_flagged, flag, NULL);
    tr_thread_start(t);
    TR_STORE(*flag, 1);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
}

/* 4 KiB frames: deep enough to pass any stack's end quickly, few enough frames for
 * ThreadSanitizer's shadow stack. */
static int recurse(int depth)
{
    volatile char frame[4096];
    if (depth > (1 << 30)) /* never: it only tells the compiler the recursion can end */
        return 0;
    frame[depth % sizeof frame] = (char)depth;
    return recurse(depth + 1) + frame[(depth * 7) % sizeof frame];
}

static void overflow_if_flagged(void *arg)
{
    int *flag = arg;
    if (TR_LOAD(*flag))
        recurse(0);
}

TR_CASE(case_thread_overflows_its_stack, TR_CRASH)
{
    int *flag = tr_case_alloc(sizeof *flag);
    tr_thread *t = tr_thread_new(overflow_if_flagged, flag, NULL);
    tr_thread_start(t);
    TR_STORE(*flag, 1);
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
}

static void expect_crash_with_schedule(const char *case_name)
{
    tr_explore_opts o;
    tr_explore_opts_init(&o);
    o.stop_on_first = true;
    tr_result r = tr_explore(case_name, &o); /* in a forked child: the crash kills it */
    /* the flag the cases spin on is a plain int: the race on it is reported too */
    assert_int_equal(r.found & ~(1u << TR_DATA_RACE), 1u << TR_CRASH);
    const tr_finding *f = &r.findings[r.n_findings - 1];
    assert_int_equal(f->kind, TR_CRASH);
    assert_non_null(strstr(f->message, "signal 11"));
    /* written by the crash handler, not the parent's "the child died" fallback */
    assert_null(strstr(f->message, "exploring child"));
    assert_true(strlen(f->schedule) > strlen("v1:"));
    tr_result_free(&r);
}

static void test_segfault_on_case_thread_is_crash_with_schedule(void **state)
{
    (void)state;
    expect_crash_with_schedule("case_thread_stores_through_a_bad_pointer");
}

static void test_stack_overflow_on_case_thread_is_crash_with_schedule(void **state)
{
    (void)state;
    expect_crash_with_schedule("case_thread_overflows_its_stack");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segfault_on_case_thread_is_crash_with_schedule),
        cmocka_unit_test(test_stack_overflow_on_case_thread_is_crash_with_schedule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
