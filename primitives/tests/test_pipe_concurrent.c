/* test_pipe_concurrent.c — multiprocessing.Pipe and Connection (PYTHON_SEMANTICS.md §7)
 * under load: 1 MiB and 64 MiB messages between threads and between processes, concurrent
 * senders and receivers on one end, and a writer killed mid-message. The Connection's
 * basics (framing, EOF, poll, misuse): test_pipe.c.
 *
 * Every test runs between fixtures that check no descriptor leaked and no child process
 * is left (not even a zombie). Children never return into cmocka: they report through
 * their exit status (CHILD_CHECK) and end with _exit. Nothing sleeps to order events:
 * the pipes themselves are the handshakes. */
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

/* ---- big messages and threads ----------------------------------------------------------- */

typedef struct big_job {
    tr_connection *conn;
    size_t len;
    unsigned seed;
    int count;
} big_job;

static void send_big(void *arg)
{
    big_job *j = arg;
    unsigned char *data = pattern(j->len, j->seed);
    for (int i = 0; i < (j->count ? j->count : 1); i++)
        assert_int_equal(tr_connection_send(j->conn, data, j->len), TR_OK);
    free(data);
}

static void big_between_threads(bool duplex, size_t len)
{
    tr_connection *r, *w;
    assert_int_equal(tr_pipe(duplex, &r, &w), TR_OK);
    big_job job = {w, len, 7, 1};
    tr_thread *t = tr_thread_new(send_big, &job, NULL);
    assert_int_equal(tr_thread_start(t), TR_OK);
    void *buf;
    size_t got;
    assert_int_equal(tr_connection_recv(r, &buf, &got), TR_OK);
    assert_int_equal(got, len);
    assert_true(is_pattern(buf, len, 7));
    free(buf);
    assert_int_equal(tr_thread_join(t, TR_FOREVER), TR_OK);
    tr_thread_free(t);
    tr_connection_free(r);
    tr_connection_free(w);
}

static void test_1mib_message_between_threads_arrives_whole(void **state)
{
    (void)state;
    big_between_threads(false, MIB);
    big_between_threads(true, MIB);
}

static void test_64mib_message_between_threads_arrives_whole(void **state)
{
    (void)state;
    big_between_threads(false, 64 * MIB);
    big_between_threads(true, 64 * MIB);
}

static void test_concurrent_senders_never_interleave_messages(void **state)
{
    (void)state;
    enum { SENDERS = 3, EACH = 20, LEN = 200 * KIB }; /* each message is over the pipe size */
    tr_connection *r, *w;
    assert_int_equal(tr_pipe(false, &r, &w), TR_OK);
    big_job jobs[SENDERS];
    tr_thread *t[SENDERS];
    for (int i = 0; i < SENDERS; i++) {
        jobs[i] = (big_job){w, LEN, (unsigned)i + 1, EACH};
        t[i] = tr_thread_new(send_big, &jobs[i], NULL);
        assert_int_equal(tr_thread_start(t[i]), TR_OK);
    }
    int seen[SENDERS] = {0};
    for (int m = 0; m < SENDERS * EACH; m++) {
        void *buf;
        size_t len;
        assert_int_equal(tr_connection_recv(r, &buf, &len), TR_OK);
        assert_int_equal(len, LEN);
        int who = -1;
        for (int i = 0; i < SENDERS; i++)
            if (is_pattern(buf, len, (unsigned)i + 1))
                who = i;
        assert_true(who >= 0); /* whole, from one sender */
        seen[who]++;
        free(buf);
    }
    for (int i = 0; i < SENDERS; i++) {
        assert_int_equal(seen[i], EACH);
        assert_int_equal(tr_thread_join(t[i], TR_FOREVER), TR_OK);
        tr_thread_free(t[i]);
    }
    tr_connection_free(r);
    tr_connection_free(w);
}

typedef struct recv_job {
    tr_connection *conn;
    int whole, count;
} recv_job;

static void recv_until_eof(void *arg)
{
    recv_job *j = arg;
    void *buf;
    size_t len;
    while (tr_connection_recv(j->conn, &buf, &len) == TR_OK) {
        j->whole += len == 100 * KIB && is_pattern(buf, len, 9);
        j->count++;
        free(buf);
    }
}

static void test_concurrent_receivers_each_get_whole_messages(void **state)
{
    (void)state;
    tr_connection *r, *w;
    assert_int_equal(tr_pipe(true, &r, &w), TR_OK);
    recv_job jobs[2] = {{r, 0, 0}, {r, 0, 0}};
    tr_thread *t[2];
    for (int i = 0; i < 2; i++) {
        t[i] = tr_thread_new(recv_until_eof, &jobs[i], NULL);
        assert_int_equal(tr_thread_start(t[i]), TR_OK);
    }
    big_job job = {w, 100 * KIB, 9, 30};
    send_big(&job);
    tr_connection_close(w);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(tr_thread_join(t[i], TR_FOREVER), TR_OK);
        tr_thread_free(t[i]);
    }
    assert_int_equal(jobs[0].count + jobs[1].count, 30);
    assert_int_equal(jobs[0].whole + jobs[1].whole, 30);
    tr_connection_free(r);
    tr_connection_free(w);
}

static void recv_one_big(void *arg)
{
    big_job *j = arg;
    void *buf;
    size_t len;
    assert_int_equal(tr_connection_recv(j->conn, &buf, &len), TR_OK);
    assert_int_equal(len, j->len);
    assert_true(is_pattern(buf, len, j->seed));
    free(buf);
}

/* Both ends send 8 MiB at once while other threads receive on the same ends: a send
 * blocked on a full buffer must not keep its end's receiver out. */
static void test_one_end_sends_and_receives_from_two_threads(void **state)
{
    (void)state;
    tr_connection *a, *b;
    assert_int_equal(tr_pipe(true, &a, &b), TR_OK);
    big_job jobs[4] = {{a, 8 * MIB, 3, 1}, {b, 8 * MIB, 4, 1}, {a, 8 * MIB, 4, 1},
                       {b, 8 * MIB, 3, 1}};
    tr_target fns[4] = {send_big, send_big, recv_one_big, recv_one_big};
    tr_thread *t[4];
    for (int i = 0; i < 4; i++) {
        t[i] = tr_thread_new(fns[i], &jobs[i], NULL);
        assert_int_equal(tr_thread_start(t[i]), TR_OK);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(tr_thread_join(t[i], TR_FOREVER), TR_OK);
        tr_thread_free(t[i]);
    }
    tr_connection_free(a);
    tr_connection_free(b);
}

/* ---- between processes ------------------------------------------------------------------ */

typedef struct child_job {
    tr_connection *keep; /* the child's end */
    tr_connection *drop; /* the parent's end: the child closes its copy */
    size_t len;
} child_job;

static void child_sends_big(void *arg)
{
    child_job *j = arg;
    tr_connection_close(j->drop);
    unsigned char *data = pattern(j->len, 5);
    CHILD_CHECK(tr_connection_send(j->keep, data, j->len) == TR_OK);
    free(data);
}

static void child_receives_big(void *arg)
{
    child_job *j = arg;
    tr_connection_close(j->drop);
    void *buf;
    size_t len;
    CHILD_CHECK(tr_connection_recv(j->keep, &buf, &len) == TR_OK);
    CHILD_CHECK(len == j->len && is_pattern(buf, len, 6));
    free(buf);
    void *none;
    CHILD_CHECK(tr_connection_recv(j->keep, &none, &len) == TR_EOF);
}

static void big_between_processes(bool duplex, size_t len)
{
    tr_connection *r, *w;
    assert_int_equal(tr_pipe(duplex, &r, &w), TR_OK);
    /* child -> parent */
    child_job job = {w, r, len};
    tr_process *p = tr_process_new(child_sends_big, &job, NULL);
    assert_int_equal(tr_process_start(p), TR_OK);
    tr_connection_close(w);
    void *buf;
    size_t got;
    assert_int_equal(tr_connection_recv(r, &buf, &got), TR_OK);
    assert_int_equal(got, len);
    assert_true(is_pattern(buf, len, 5));
    free(buf);
    expect_eof(r);
    assert_int_equal(tr_process_join(p, TR_FOREVER), TR_OK);
    assert_int_equal(tr_process_exitcode(p), 0);
    tr_process_free(p);
    tr_connection_free(r);
    tr_connection_free(w);
    /* parent -> child */
    assert_int_equal(tr_pipe(duplex, &r, &w), TR_OK);
    job = (child_job){r, w, len};
    p = tr_process_new(child_receives_big, &job, NULL);
    assert_int_equal(tr_process_start(p), TR_OK);
    tr_connection_close(r);
    unsigned char *data = pattern(len, 6);
    assert_int_equal(tr_connection_send(w, data, len), TR_OK);
    free(data);
    tr_connection_close(w);
    assert_int_equal(tr_process_join(p, TR_FOREVER), TR_OK);
    assert_int_equal(tr_process_exitcode(p), 0);
    tr_process_free(p);
    tr_connection_free(r);
    tr_connection_free(w);
}

static void test_1mib_message_between_processes_arrives_whole(void **state)
{
    (void)state;
    big_between_processes(false, MIB);
    big_between_processes(true, MIB);
}

static void test_64mib_message_between_processes_arrives_whole(void **state)
{
    (void)state;
    big_between_processes(false, 64 * MIB);
    big_between_processes(true, 64 * MIB);
}

static void child_dies_mid_message(void *arg)
{
    child_job *j = arg;
    tr_connection_close(j->drop);
    unsigned char *data = pattern(j->len, 5);
    tr_connection_send(j->keep, data, j->len); /* blocks: nobody reads until the kill */
    _exit(1);
}

static void test_writer_killed_mid_message_is_os_error(void **state)
{
    (void)state;
    tr_connection *r, *w;
    assert_int_equal(tr_pipe(false, &r, &w), TR_OK);
    child_job job = {w, r, 16 * MIB};
    tr_process *p = tr_process_new(child_dies_mid_message, &job, NULL);
    assert_int_equal(tr_process_start(p), TR_OK);
    tr_connection_close(w);
    assert_int_equal(tr_connection_poll(r, TR_FOREVER), TR_OK); /* it has begun */
    assert_int_equal(tr_process_kill(p), TR_OK);
    assert_int_equal(tr_process_join(p, TR_FOREVER), TR_OK);
    assert_int_equal(tr_process_exitcode(p), -SIGKILL);
    void *buf;
    size_t len;
    assert_int_equal(tr_connection_recv(r, &buf, &len), TR_OS_ERROR);
    assert_string_equal(tr_last_error(), "got end of file during message");
    tr_process_free(p);
    tr_connection_free(r);
    tr_connection_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_1mib_message_between_threads_arrives_whole),
        TEST(test_64mib_message_between_threads_arrives_whole),
        TEST(test_concurrent_senders_never_interleave_messages),
        TEST(test_concurrent_receivers_each_get_whole_messages),
        TEST(test_one_end_sends_and_receives_from_two_threads),
        TEST(test_1mib_message_between_processes_arrives_whole),
        TEST(test_64mib_message_between_processes_arrives_whole),
        TEST(test_writer_killed_mid_message_is_os_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
