/* bench_pipe.c — Pipe throughput and Process round trips, next to the raw system calls.
 *
 * Prints figures; never fails on a time. Each row moves the same messages the same way
 * between two threads of one process: tr_connection (Python's framing, non-blocking fds,
 * readiness through the seam) against a blocking write/read loop on a raw pipe() or
 * socketpair() with the same 4-byte header. Then Process start+join against fork+waitpid.
 *
 *   bench_pipe [scale]   scale multiplies the message counts (default 1) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <trama/trama.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct run {
    size_t len;
    long count;
    int fd;              /* raw */
    tr_connection *conn; /* trama */
} run;

/* ---- raw ------------------------------------------------------------------------------ */

static void write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n <= 0)
            abort();
        p += n;
        len -= (size_t)n;
    }
}

static void read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n <= 0)
            abort();
        p += n;
        len -= (size_t)n;
    }
}

static void raw_writer(void *arg)
{
    run *r = arg;
    char *data = calloc(1, r->len);
    unsigned char header[4] = {(unsigned char)(r->len >> 24), (unsigned char)(r->len >> 16),
                               (unsigned char)(r->len >> 8), (unsigned char)r->len};
    for (long i = 0; i < r->count; i++) {
        struct iovec iov[2] = {{header, 4}, {data, r->len}};
        ssize_t n = writev(r->fd, iov, 2);
        if (n < 0)
            abort();
        if ((size_t)n < 4 + r->len) { /* finish a partial write */
            size_t done = (size_t)n;
            if (done < 4) {
                write_all(r->fd, header + done, 4 - done);
                done = 4;
            }
            write_all(r->fd, data + (done - 4), r->len - (done - 4));
        }
    }
    free(data);
}

static void raw_reader(run *r, int fd)
{
    char *data = malloc(r->len);
    for (long i = 0; i < r->count; i++) {
        unsigned char header[4];
        read_all(fd, header, 4);
        read_all(fd, data, r->len);
    }
    free(data);
}

static double raw_seconds(bool socket, size_t len, long count)
{
    int fds[2];
    if ((socket ? socketpair(AF_UNIX, SOCK_STREAM, 0, fds) : pipe(fds)) != 0)
        abort();
    run r = {len, count, fds[1], NULL};
    double t0 = now();
    tr_thread *t = tr_thread_new(raw_writer, &r, NULL);
    tr_thread_start(t);
    raw_reader(&r, fds[0]);
    tr_thread_join(t, TR_FOREVER);
    double s = now() - t0;
    tr_thread_free(t);
    close(fds[0]);
    close(fds[1]);
    return s;
}

/* ---- trama ---------------------------------------------------------------------------- */

static void trama_writer(void *arg)
{
    run *r = arg;
    char *data = calloc(1, r->len);
    for (long i = 0; i < r->count; i++)
        if (tr_connection_send(r->conn, data, r->len) != TR_OK)
            abort();
    free(data);
}

static double trama_seconds(bool duplex, size_t len, long count)
{
    tr_connection *in, *out;
    if (tr_pipe(duplex, &in, &out) != TR_OK)
        abort();
    run r = {len, count, -1, out};
    double t0 = now();
    tr_thread *t = tr_thread_new(trama_writer, &r, NULL);
    tr_thread_start(t);
    for (long i = 0; i < count; i++) {
        void *buf;
        size_t got;
        if (tr_connection_recv(in, &buf, &got) != TR_OK || got != len)
            abort();
        free(buf);
    }
    tr_thread_join(t, TR_FOREVER);
    double s = now() - t0;
    tr_thread_free(t);
    tr_connection_free(in);
    tr_connection_free(out);
    return s;
}

enum { ROUNDS = 5 };

/* Best of ROUNDS: the figure least disturbed by the other core's load. */
static double best(double (*fn)(bool, size_t, long), bool kind, size_t len, long count)
{
    double b = 1e30;
    for (int i = 0; i < ROUNDS; i++) {
        double s = fn(kind, len, count);
        b = s < b ? s : b;
    }
    return b;
}

static void throughput_row(const char *kind, bool socket, size_t len, long count)
{
    double mb = (double)len * (double)count / 1e6;
    double raw = best(raw_seconds, socket, len, count);
    double tr = best(trama_seconds, socket, len, count);
    printf("%-11s %8zu B %8ld msgs  raw %9.1f MB/s %8.2f us/msg   trama %9.1f MB/s %8.2f "
           "us/msg   x%.2f\n",
           kind, len, count, mb / raw, raw / (double)count * 1e6, mb / tr,
           tr / (double)count * 1e6, tr / raw);
}

/* ---- processes ------------------------------------------------------------------------ */

static void nothing(void *arg) { (void)arg; }

static double raw_spawn_seconds(long count)
{
    double t0 = now();
    for (long i = 0; i < count; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        waitpid(pid, NULL, 0);
    }
    return (now() - t0) / (double)count;
}

static double trama_spawn_seconds(long count)
{
    double t0 = now();
    for (long i = 0; i < count; i++) {
        tr_process *p = tr_process_new(nothing, NULL, NULL);
        tr_process_start(p);
        tr_process_join(p, TR_FOREVER);
        tr_process_free(p);
    }
    return (now() - t0) / (double)count;
}

/* Rounds alternate raw and trama so both see the same machine; best of each. */
static void spawn_row(long count)
{
    double raw = 1e30, tr = 1e30;
    for (int i = 0; i < ROUNDS; i++) {
        double r = raw_spawn_seconds(count), t = trama_spawn_seconds(count);
        raw = r < raw ? r : raw;
        tr = t < tr ? t : tr;
    }
    printf("process     start+join %6ld times  raw fork+waitpid %8.1f us   trama %8.1f us   "
           "x%.2f\n",
           count, raw * 1e6, tr * 1e6, tr / raw);
}

int main(int argc, char **argv)
{
    long scale = argc > 1 ? atol(argv[1]) : 1;
    if (scale < 1)
        scale = 1;
    printf("bench_pipe: two threads of one process, best of %d (scale %ld)\n", ROUNDS, scale);
    throughput_row("pipe", false, 64, 50000 * scale);
    throughput_row("socketpair", true, 64, 50000 * scale);
    throughput_row("pipe", false, 1 << 20, 256 * scale);
    throughput_row("socketpair", true, 1 << 20, 256 * scale);
    spawn_row(200 * scale);
    return 0;
}
