/* test_pipe.c — multiprocessing.Pipe and Connection (PYTHON_SEMANTICS.md §7), the
 * Connection itself: messages and their framing, EOF, poll, and misuse (direction,
 * closed handles, bad arguments, too long messages, broken pipes).
 * Big messages and concurrent ends, between threads and across fork:
 * test_pipe_concurrent.c.
 *
 * Every test runs between fixtures that check no descriptor leaked and no child process
 * is left (not even a zombie). Nothing sleeps to order events: the pipes themselves are
 * the handshakes. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "pipe_fixtures.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- messages ------------------------------------------------------------------------- */

static void test_duplex_pipe_carries_messages_both_ways(void **state)
{
    (void)state;
    tr_connection *a, *b;
    assert_int_equal(tr_pipe(true, &a, &b), TR_OK);
    send_text(a, "ping");
    expect_message(b, "ping");
    send_text(b, "pong");
    expect_message(a, "pong");
    tr_connection_free(a);
    tr_connection_free(b);
}

static void test_one_way_pipe_conn2_sends_to_conn1(void **state)
{
    (void)state;
    tr_connection *r, *w;
    assert_int_equal(tr_pipe(false, &r, &w), TR_OK);
    send_text(w, "one way");
    expect_message(r, "one way");
    tr_connection_free(r);
    tr_connection_free(w);
}

static void test_zero_length_message_arrives_empty(void **state)
{
    (void)state;
    tr_connection *a, *b;
    assert_int_equal(tr_pipe(true, &a, &b), TR_OK);
    assert_int_equal(tr_connection_send(a, "", 0), TR_OK);
    assert_int_equal(tr_connection_send(a, NULL, 0), TR_OK);
    for (int i = 0; i < 2; i++) {
        void *buf = NULL;
        size_t len = 99;
        assert_int_equal(tr_connection_recv(b, &buf, &len), TR_OK);
        assert_int_equal(len, 0);
        assert_non_null(buf); /* "free it anyway" */
        free(buf);
    }
    assert_int_equal(tr_connection_poll(b, 0), TR_TIMEOUT);
    tr_connection_free(a);
    tr_connection_free(b);
}

static void test_messages_keep_their_boundaries(void **state)
{
    (void)state;
    static const char *const texts[] = {"a", "", "three words here", "x"};
    tr_connection *r, *w;
    assert_int_equal(tr_pipe(false, &r, &w), TR_OK);
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        send_text(w, texts[i]);
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        expect_message(r, texts[i]);
    tr_connection_free(r);
    tr_connection_free(w);
}

static void test_frame_is_a_4_byte_big_endian_length(void **state)
{
    (void)state;
    tr_connection *r, *w;
    assert_int_equal(tr_pipe(false, &r, &w), TR_OK);
    send_text(w, "abc");
    unsigned char raw[16];
    assert_int_equal(read(tr_connection_fileno(r), raw, sizeof raw), 7);
    assert_memory_equal(raw, "\0\0\0\3abc", 7);
    tr_connection_free(r);
    tr_connection_free(w);
}

static void test_long_frame_is_minus_1_then_8_byte_length(void **state)
{
    (void)state;
    tr_connection *r, *w;
    assert_int_equal(tr_pipe(false, &r, &w), TR_OK);
    static const unsigned char raw[] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 5,
                                        'h', 'e', 'l', 'l', 'o'};
    assert_int_equal(write(tr_connection_fileno(w), raw, sizeof raw), sizeof raw);
    expect_message(r, "hello");
    tr_connection_free(r);
    tr_connection_free(w);
}

static void test_send_bytes_sends_the_slice(void **state)
{
    (void)state;
    tr_connection *a, *b;
    assert_int_equal(tr_pipe(true, &a, &b), TR_OK);
    assert_int_equal(tr_connection_send_bytes(a, "hello", 5, 1, 3), TR_OK);
    expect_message(b, "ell");
    assert_int_equal(tr_connection_send_bytes(a, "hello", 5, 2, TR_SIZE_NONE), TR_OK);
    expect_message(b, "llo");
    assert_int_equal(tr_connection_send_bytes(a, "hello", 5, 5, 0), TR_OK);
    expect_message(b, "");
    tr_connection_free(a);
    tr_connection_free(b);
}

static void test_recv_bytes_within_maxlength_arrives(void **state)
{
    (void)state;
    tr_connection *a, *b;
    assert_int_equal(tr_pipe(true, &a, &b), TR_OK);
    send_text(a, "hello");
    void *buf;
    size_t len;
    assert_int_equal(tr_connection_recv_bytes(b, 5, &buf, &len), TR_OK);
    assert_int_equal(len, 5);
    free(buf);
    tr_connection_free(a);
    tr_connection_free(b);
}

static void test_data_sent_before_close_can_still_be_read(void **state)
{
    (void)state;
    tr_connection *r, *w;
    assert_int_equal(tr_pipe(false, &r, &w), TR_OK);
    send_text(w, "first");
    send_text(w, "second");
    assert_int_equal(tr_connection_close(w), TR_OK);
    expect_message(r, "first");
    expect_message(r, "second");
    tr_connection_free(r);
    tr_connection_free(w);
}

/* ---- EOF -------------------------------------------------------------------------------- */

static void test_recv_after_peer_closed_and_drained_is_eof(void **state)
{
    (void)state;
    for (int duplex = 0; duplex < 2; duplex++) {
        tr_connection *r, *w;
        assert_int_equal(tr_pipe(duplex, &r, &w), TR_OK);
        send_text(w, "last words");
        tr_connection_free(w);
        expect_message(r, "last words");
        expect_eof(r);
        expect_eof(r);
        tr_connection_free(r);
    }
}

static void test_peer_closed_after_header_is_eof(void **state)
{
    (void)state;
    tr_connection *r, *w;
    assert_int_equal(tr_pipe(false, &r, &w), TR_OK);
    assert_int_equal(write(tr_connection_fileno(w), "\0\0\0\5", 4), 4);
    tr_connection_free(w);
    expect_eof(r); /* Python's _recv(5) read nothing of the body: EOFError */
    tr_connection_free(r);
}

static void test_peer_closed_mid_message_is_os_error(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *bytes;
        size_t len;
    } rows[] = {
        {"mid header", "\0\0", 2},
        {"mid body", "\0\0\0\5ab", 6},
        {"mid long header", "\xff\xff\xff\xff\0\0", 6},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        tr_connection *r, *w;
        assert_int_equal(tr_pipe(true, &r, &w), TR_OK);
        assert_int_equal(write(tr_connection_fileno(w), rows[i].bytes, rows[i].len),
                         (ssize_t)rows[i].len);
        tr_connection_free(w);
        void *buf;
        size_t len;
        if (tr_connection_recv(r, &buf, &len) != TR_OS_ERROR)
            fail_msg("row %s: not TR_OS_ERROR", rows[i].name);
        assert_string_equal(tr_last_error(), "got end of file during message");
        tr_connection_free(r);
    }
}

/* ---- poll ----------------------------------------------------------------------------- */

static void test_poll_before_and_after_data(void **state)
{
    (void)state;
    tr_connection *a, *b;
    assert_int_equal(tr_pipe(true, &a, &b), TR_OK);
    assert_int_equal(tr_connection_poll(b, 0), TR_TIMEOUT);
    send_text(a, "x");
    assert_int_equal(tr_connection_poll(b, 0), TR_OK);
    assert_int_equal(tr_connection_poll(b, TR_FOREVER), TR_OK);
    expect_message(b, "x");
    assert_int_equal(tr_connection_poll(b, 0), TR_TIMEOUT);
    tr_connection_free(a);
    tr_connection_free(b);
}

static void test_poll_negative_timeout_acts_as_zero(void **state)
{
    (void)state;
    tr_connection *r, *w;
    assert_int_equal(tr_pipe(false, &r, &w), TR_OK);
    double t0 = now();
    assert_int_equal(tr_connection_poll(r, -5), TR_TIMEOUT);
    assert_true(now() - t0 < 1.0);
    tr_connection_free(r);
    tr_connection_free(w);
}

static void test_poll_with_timeout_waits_then_times_out(void **state)
{
    (void)state;
    tr_connection *r, *w;
    assert_int_equal(tr_pipe(false, &r, &w), TR_OK);
    double t0 = now();
    assert_int_equal(tr_connection_poll(r, 0.1), TR_TIMEOUT);
    double elapsed = now() - t0;
    assert_true(elapsed >= 0.06 && elapsed < 1.0);
    tr_connection_free(r);
    tr_connection_free(w);
}

static void test_poll_is_ready_at_eof(void **state)
{
    (void)state;
    for (int duplex = 0; duplex < 2; duplex++) {
        tr_connection *r, *w;
        assert_int_equal(tr_pipe(duplex, &r, &w), TR_OK);
        tr_connection_free(w);
        assert_int_equal(tr_connection_poll(r, 0), TR_OK);
        tr_connection_free(r);
    }
}

static void send_later(void *arg) { assert_int_equal(tr_connection_send(arg, "late", 4), TR_OK); }

static void test_poll_forever_wakes_when_another_thread_sends(void **state)
{
    (void)state;
    tr_connection *r, *w;
    assert_int_equal(tr_pipe(false, &r, &w), TR_OK);
    tr_thread *t = tr_thread_new(send_later, w, NULL);
    assert_int_equal(tr_thread_start(t), TR_OK);
    assert_int_equal(tr_connection_poll(r, TR_FOREVER), TR_OK);
    expect_message(r, "late");
    assert_int_equal(tr_thread_join(t, TR_FOREVER), TR_OK);
    tr_thread_free(t);
    tr_connection_free(r);
    tr_connection_free(w);
}

static int plain_shared; /* no lock: ordered only by the message (TSan checks it) */

static void write_then_send(void *arg)
{
    plain_shared = 42;
    assert_int_equal(tr_connection_send(arg, "go", 2), TR_OK);
}

static void test_send_happens_before_the_matching_recv(void **state)
{
    (void)state;
    for (int duplex = 0; duplex < 2; duplex++) {
        tr_connection *r, *w;
        assert_int_equal(tr_pipe(duplex, &r, &w), TR_OK);
        plain_shared = 0;
        tr_thread *t = tr_thread_new(write_then_send, w, NULL);
        assert_int_equal(tr_thread_start(t), TR_OK);
        expect_message(r, "go");
        assert_int_equal(plain_shared, 42);
        plain_shared = 1; /* written again before the join: a race unless ordered */
        assert_int_equal(tr_thread_join(t, TR_FOREVER), TR_OK);
        tr_thread_free(t);
        tr_connection_free(r);
        tr_connection_free(w);
    }
}

/* ---- misuse ----------------------------------------------------------------------------- */

static void test_recv_and_poll_on_send_end_are_os_errors(void **state)
{
    (void)state;
    tr_connection *r, *w;
    void *buf;
    size_t len;
    assert_int_equal(tr_pipe(false, &r, &w), TR_OK);
    assert_int_equal(tr_connection_recv(w, &buf, &len), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "connection is write-only");
    assert_int_equal(tr_connection_recv_bytes(w, 10, &buf, &len), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "connection is write-only");
    assert_int_equal(tr_connection_poll(w, 0), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "connection is write-only");
    tr_connection_free(r);
    tr_connection_free(w);
}

static void test_send_on_receive_end_is_os_error(void **state)
{
    (void)state;
    tr_connection *r, *w;
    assert_int_equal(tr_pipe(false, &r, &w), TR_OK);
    unsigned long misuse = tr_misuse_count();
    assert_int_equal(tr_connection_send(r, "x", 1), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "connection is read-only");
    assert_int_equal(tr_connection_send_bytes(r, "x", 1, 0, 1), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "connection is read-only");
    assert_int_equal(tr_misuse_count(), misuse + 2);
    tr_connection_free(r);
    tr_connection_free(w);
}

static void test_every_call_after_close_is_handle_is_closed(void **state)
{
    (void)state;
    tr_connection *a, *b;
    void *buf;
    size_t len;
    assert_int_equal(tr_pipe(true, &a, &b), TR_OK);
    assert_int_equal(tr_connection_close(a), TR_OK);
    assert_int_equal(tr_connection_send(a, "x", 1), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "handle is closed");
    assert_int_equal(tr_connection_send_bytes(a, "x", 1, 0, 1), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "handle is closed");
    assert_int_equal(tr_connection_recv(a, &buf, &len), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "handle is closed");
    assert_int_equal(tr_connection_recv_bytes(a, 1, &buf, &len), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "handle is closed");
    assert_int_equal(tr_connection_poll(a, 0), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "handle is closed");
    assert_int_equal(tr_connection_fileno(a), -1);
    assert_string_equal(tr_last_error(), "handle is closed");
    tr_connection_free(a);
    tr_connection_free(b);
}

static void test_closed_is_checked_before_direction(void **state)
{
    (void)state;
    tr_connection *r, *w;
    void *buf;
    size_t len;
    assert_int_equal(tr_pipe(false, &r, &w), TR_OK);
    tr_connection_close(r);
    tr_connection_close(w);
    assert_int_equal(tr_connection_send_bytes(r, "x", 1, -1, 1), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "handle is closed");
    assert_int_equal(tr_connection_recv_bytes(w, -1, &buf, &len), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "handle is closed");
    tr_connection_free(r);
    tr_connection_free(w);
}

static void test_direction_is_checked_before_arguments(void **state)
{
    (void)state;
    tr_connection *r, *w;
    void *buf;
    size_t len;
    assert_int_equal(tr_pipe(false, &r, &w), TR_OK);
    assert_int_equal(tr_connection_send_bytes(r, "x", 1, -1, 1), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "connection is read-only");
    assert_int_equal(tr_connection_recv_bytes(w, -1, &buf, &len), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "connection is write-only");
    tr_connection_free(r);
    tr_connection_free(w);
}

static void test_close_is_idempotent(void **state)
{
    (void)state;
    tr_connection *a, *b;
    assert_int_equal(tr_pipe(true, &a, &b), TR_OK);
    assert_int_equal(tr_connection_close(a), TR_OK);
    assert_int_equal(tr_connection_close(a), TR_OK);
    tr_connection_free(a);
    tr_connection_free(b);
    tr_connection_free(NULL);
}

static void test_send_bytes_bad_arguments_are_value_errors(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        long long offset, size;
        const char *message;
    } rows[] = {
        {"negative offset", -1, TR_SIZE_NONE, "offset is negative"},
        {"offset past the end", 6, TR_SIZE_NONE, "buffer length < offset"},
        {"negative size", 0, -1, "size is negative"},
        {"slice past the end", 3, 3, "buffer length < offset + size"},
        {"negative offset before size", -1, -1, "offset is negative"},
    };
    tr_connection *a, *b;
    assert_int_equal(tr_pipe(true, &a, &b), TR_OK);
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        if (tr_connection_send_bytes(a, "hello", 5, rows[i].offset, rows[i].size) !=
            TR_VALUE_ERROR)
            fail_msg("row %s: not TR_VALUE_ERROR", rows[i].name);
        if (strcmp(tr_last_error(), rows[i].message) != 0)
            fail_msg("row %s: \"%s\"", rows[i].name, tr_last_error());
    }
    assert_int_equal(tr_connection_poll(b, 0), TR_TIMEOUT); /* nothing was sent */
    tr_connection_free(a);
    tr_connection_free(b);
}

static void test_recv_bytes_negative_maxlength_is_value_error(void **state)
{
    (void)state;
    tr_connection *a, *b;
    void *buf;
    size_t len;
    assert_int_equal(tr_pipe(true, &a, &b), TR_OK);
    assert_int_equal(tr_connection_recv_bytes(b, -1, &buf, &len), TR_VALUE_ERROR);
    assert_string_equal(tr_last_error(), "negative maxlength");
    tr_connection_free(a);
    tr_connection_free(b);
}

static void test_too_long_message_makes_duplex_end_unreadable(void **state)
{
    (void)state;
    tr_connection *a, *b;
    void *buf;
    size_t len;
    assert_int_equal(tr_pipe(true, &a, &b), TR_OK);
    send_text(a, "hello");
    assert_int_equal(tr_connection_recv_bytes(b, 3, &buf, &len), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "bad message length");
    assert_null(buf);
    assert_int_equal(tr_connection_recv(b, &buf, &len), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "connection is write-only");
    assert_int_equal(tr_connection_poll(b, 0), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "connection is write-only");
    send_text(b, "still sends");
    expect_message(a, "still sends");
    tr_connection_free(a);
    tr_connection_free(b);
}

static void test_too_long_message_closes_receive_only_end(void **state)
{
    (void)state;
    tr_connection *r, *w;
    void *buf;
    size_t len;
    assert_int_equal(tr_pipe(false, &r, &w), TR_OK);
    send_text(w, "hello");
    assert_int_equal(tr_connection_recv_bytes(r, 3, &buf, &len), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "bad message length");
    assert_int_equal(tr_connection_recv(r, &buf, &len), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "handle is closed");
    tr_connection_free(r);
    tr_connection_free(w);
}

static void test_send_after_peer_closed_is_broken_pipe(void **state)
{
    (void)state;
    for (int duplex = 0; duplex < 2; duplex++) {
        tr_connection *r, *w;
        assert_int_equal(tr_pipe(duplex, &r, &w), TR_OK);
        tr_connection_free(r);
        assert_int_equal(tr_connection_send(w, "x", 1), TR_OS_ERROR);
        assert_string_equal(tr_last_error(), "[Errno 32] Broken pipe");
        assert_int_equal(tr_connection_send(w, "", 0), TR_OS_ERROR); /* the header */
        assert_string_equal(tr_last_error(), "[Errno 32] Broken pipe");
        tr_connection_free(w);
    }
    /* still alive: SIGPIPE was not delivered; and not left pending either */
    sigset_t pending;
    sigpending(&pending);
    assert_false(sigismember(&pending, SIGPIPE));
}

static void close_once_data_arrives(void *arg)
{
    assert_int_equal(tr_connection_poll(arg, TR_FOREVER), TR_OK);
    assert_int_equal(tr_connection_close(arg), TR_OK);
}

static void test_broken_pipe_mid_message_from_another_thread(void **state)
{
    (void)state;
    tr_connection *r, *w;
    assert_int_equal(tr_pipe(false, &r, &w), TR_OK);
    unsigned char *big = pattern(4 * MIB, 1);
    tr_thread *t = tr_thread_new(close_once_data_arrives, r, NULL);
    assert_int_equal(tr_thread_start(t), TR_OK);
    assert_int_equal(tr_connection_send(w, big, 4 * MIB), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "[Errno 32] Broken pipe");
    assert_int_equal(tr_thread_join(t, TR_FOREVER), TR_OK);
    tr_thread_free(t);
    tr_connection_free(r);
    tr_connection_free(w);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_duplex_pipe_carries_messages_both_ways),
        TEST(test_one_way_pipe_conn2_sends_to_conn1),
        TEST(test_zero_length_message_arrives_empty),
        TEST(test_messages_keep_their_boundaries),
        TEST(test_frame_is_a_4_byte_big_endian_length),
        TEST(test_long_frame_is_minus_1_then_8_byte_length),
        TEST(test_send_bytes_sends_the_slice),
        TEST(test_recv_bytes_within_maxlength_arrives),
        TEST(test_data_sent_before_close_can_still_be_read),
        TEST(test_recv_after_peer_closed_and_drained_is_eof),
        TEST(test_peer_closed_after_header_is_eof),
        TEST(test_peer_closed_mid_message_is_os_error),
        TEST(test_poll_before_and_after_data),
        TEST(test_poll_negative_timeout_acts_as_zero),
        TEST(test_poll_with_timeout_waits_then_times_out),
        TEST(test_poll_is_ready_at_eof),
        TEST(test_poll_forever_wakes_when_another_thread_sends),
        TEST(test_send_happens_before_the_matching_recv),
        TEST(test_recv_and_poll_on_send_end_are_os_errors),
        TEST(test_send_on_receive_end_is_os_error),
        TEST(test_every_call_after_close_is_handle_is_closed),
        TEST(test_closed_is_checked_before_direction),
        TEST(test_direction_is_checked_before_arguments),
        TEST(test_close_is_idempotent),
        TEST(test_send_bytes_bad_arguments_are_value_errors),
        TEST(test_recv_bytes_negative_maxlength_is_value_error),
        TEST(test_too_long_message_makes_duplex_end_unreadable),
        TEST(test_too_long_message_closes_receive_only_end),
        TEST(test_send_after_peer_closed_is_broken_pipe),
        TEST(test_broken_pipe_mid_message_from_another_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
