/* process_fixtures.h — what the Process tests share: the no-leak fixture (which also turns
 * the sentinel-pipe fallback off again), targets, a child kept alive by a pipe until the
 * parent lets go, and a child's report of one call ("Status:message") sent back through a
 * Pipe. Include after <cmocka.h>. */
#ifndef TRAMA_TEST_PROCESS_FIXTURES_H
#define TRAMA_TEST_PROCESS_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <trama/trama.h>

#include "internal.h"
#include "leaks.h"

/* A child that crashes must die of its signal, not in ThreadSanitizer's handler. */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void) { return "handle_segv=0"; }

static inline int no_leaks_teardown(void **state)
{
    (void)state;
    tr__process_force_sentinel_pipe(false);
    return check_no_leaks();
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, fds_setup, no_leaks_teardown)

static inline void do_nothing(void *arg) { (void)arg; }

/* A child blocked on a pipe: alive until the parent closes `hold` or signals it. */
typedef struct blocked {
    tr_process *p;
    tr_connection *wait_end, *hold;
} blocked;

/* In the child: drops its copy of `hold`, then reads until the parent's copy closes. */
static inline void wait_for_eof(void *arg)
{
    blocked *b = arg;
    void *buf;
    size_t len;
    tr_connection_close(b->hold);
    while (tr_connection_recv(b->wait_end, &buf, &len) == TR_OK)
        free(buf);
}

static inline blocked start_blocked(bool daemon)
{
    static blocked b; /* the child reads its copy: the struct must outlive the call */
    assert_int_equal(tr_pipe(false, &b.wait_end, &b.hold), TR_OK);
    tr_process_opts opts = {NULL, daemon};
    b.p = tr_process_new(wait_for_eof, &b, &opts);
    assert_int_equal(tr_process_start(b.p), TR_OK);
    return b;
}

static inline void release_blocked(blocked *b)
{
    tr_connection_free(b->hold);
    assert_int_equal(tr_process_join(b->p, TR_FOREVER), TR_OK);
    tr_connection_free(b->wait_end);
    tr_process_free(b->p);
}

/* Runs fn(arg) in a child; returns the exitcode. */
static inline int run_child(tr_target fn, void *arg)
{
    tr_process *p = tr_process_new(fn, arg, NULL);
    assert_int_equal(tr_process_start(p), TR_OK);
    assert_int_equal(tr_process_join(p, TR_FOREVER), TR_OK);
    int code = tr_process_exitcode(p);
    tr_process_free(p);
    return code;
}

/* What a child saw: status and message of one call, sent as "Status:message". */
static inline void report(tr_connection *out, tr_status s)
{
    char text[300];
    snprintf(text, sizeof text, "%s:%s", tr_status_name(s), tr_last_error());
    CHILD_CHECK(tr_connection_send(out, text, strlen(text)) == TR_OK);
}

static inline void expect_report(tr_connection *in, const char *text)
{
    void *buf;
    size_t len;
    assert_int_equal(tr_connection_recv(in, &buf, &len), TR_OK);
    char got[300];
    snprintf(got, sizeof got, "%.*s", (int)len, (const char *)buf);
    assert_string_equal(got, text);
    free(buf);
}

#endif
