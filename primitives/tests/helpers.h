/* helpers.h — what the primitive tests share: a clock, Python's timing tolerance, misuse
 * assertions with row names, and thread helpers. Include after <cmocka.h>.
 *
 * Threads are ordered with the primitives themselves (semaphore handshakes). Deadlines
 * (HANG) only turn a hang into a failure; "did not happen within t" checks use a timed
 * acquire that is expected to time out, never a sleep. */
#ifndef TRAMA_TEST_HELPERS_H
#define TRAMA_TEST_HELPERS_H

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <trama/trama.h>

/* Long enough that only a hang reaches it, even under valgrind. */
#define HANG 60.0
/* How long "nothing happens" is watched for. */
#define QUIET 0.1
/* A call that must not wait returns within this (generous for valgrind and TSan). */
#define AT_ONCE 0.25

static inline double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* lock_tests.py's tolerance: 0.6 t <= elapsed < 10 t. */
#define assert_took_about(elapsed, t)                                                            \
    do {                                                                                         \
        double e_ = (elapsed), t_ = (t);                                                         \
        if (!(e_ >= 0.6 * t_ && e_ < 10 * t_))                                                   \
            fail_msg("took %.3f s, expected about %.3f s", e_, t_);                              \
    } while (0)

/* A status and Python's exact text, for rows of a table. */
static inline void check_status(const char *row, tr_status got, tr_status want, const char *text)
{
    if (got != want)
        fail_msg("%s: got %s, expected %s", row, tr_status_name(got), tr_status_name(want));
    if (text && strcmp(tr_last_error(), text) != 0)
        fail_msg("%s: message \"%s\", expected \"%s\"", row, tr_last_error(), text);
}

#define assert_misuse(call, status, text) check_status(#call, (call), (status), (text))

/* A misuse hook (tr_set_misuse_hook) that keeps where the last misuse was reported. */
typedef struct seen_site {
    const char *file;
    int line;
} seen_site;

static inline void record_site(tr_status s, const char *message, const char *file, int line,
                               void *ctx)
{
    (void)s;
    (void)message;
    seen_site *m = ctx;
    m->file = file;
    m->line = line;
}

/* Checks inside worker threads: cmocka's asserts longjmp into the main thread's test, so a
 * worker records the failure instead and join_thread (on the main thread) fails the test. */
static atomic_int worker_failures;
#define worker_expect(got, want)                                                                 \
    do {                                                                                         \
        long got_ = (long)(got), want_ = (long)(want);                                           \
        if (got_ != want_) {                                                                     \
            fprintf(stderr, "%s:%d: worker: %s is %ld, expected %ld\n", __FILE__, __LINE__,     \
                    #got, got_, want_);                                                          \
            atomic_fetch_add(&worker_failures, 1);                                               \
        }                                                                                        \
    } while (0)

/* Starts target(arg) in a new trama thread (named after the target). */
#define start_thread(target, arg) start_thread_((tr_thread_new)((target), (arg), NULL))
static inline tr_thread *start_thread_(tr_thread *t)
{
    assert_non_null(t);
    assert_int_equal(tr_thread_start(t), TR_OK);
    return t;
}

/* The failures are taken, not read: a worker's failure fails its own test, not every
 * later one. */
static inline void join_thread(tr_thread *t)
{
    assert_int_equal(tr_thread_join(t, HANG), TR_OK);
    tr_thread_free(t);
    assert_int_equal(atomic_exchange(&worker_failures, 0), 0);
}

/* The handshake: someone released s (within HANG). */
static inline void await_signal(tr_semaphore *s)
{
    assert_int_equal(tr_semaphore_acquire(s, true, HANG), TR_OK);
}

/* Nobody released s for `t` seconds (a timed acquire that must time out). */
static inline void assert_no_signal_within(tr_semaphore *s, double t)
{
    assert_int_equal(tr_semaphore_acquire(s, true, t), TR_TIMEOUT);
}

#endif
