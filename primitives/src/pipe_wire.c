/* pipe_wire.c — the wire under a Connection: Python's framing of a message (its length
 * header) and writes that never raise SIGPIPE (MSG_NOSIGNAL on a socket; SIGPIPE blocked
 * and consumed around a pipe's writev). Bytes and descriptors only (wire.h). */
#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

#include "wire.h"

/* The longest body a short header can announce. */
static const uint64_t SHORT_LENGTH_MAX = 0x7fffffff;

static uint64_t be_decode(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static void be_encode(unsigned char *p, int n, uint64_t v)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)(v & 0xff);
}

size_t tr__wire_frame(unsigned char header[TR__WIRE_HEADER_LONG], size_t len)
{
    enum { SHORT = TR__WIRE_HEADER_SHORT, LONG = TR__WIRE_HEADER_LONG };
    if (len > SHORT_LENGTH_MAX) {
        be_encode(header, SHORT, 0xffffffffu); /* -1 */
        be_encode(header + SHORT, LONG - SHORT, len);
        return LONG;
    }
    be_encode(header, SHORT, len);
    return SHORT;
}

int64_t tr__wire_short_length(const unsigned char *header)
{
    uint64_t raw = be_decode(header, TR__WIRE_HEADER_SHORT);
    return raw >= 0x80000000u ? (int64_t)raw - 0x100000000 : (int64_t)raw;
}

uint64_t tr__wire_long_length(const unsigned char *rest)
{
    return be_decode(rest, TR__WIRE_HEADER_LONG - TR__WIRE_HEADER_SHORT);
}

ssize_t tr__wire_write(int fd, bool is_socket, struct iovec *iov, int n)
{
    if (is_socket) {
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)n};
        return sendmsg(fd, &msg, MSG_NOSIGNAL);
    }
    return writev(fd, iov, n);
}

void tr__wire_sigpipe_block(sigset_t *old)
{
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, old);
}

void tr__wire_sigpipe_restore(const sigset_t *old, bool got_epipe)
{
    if (got_epipe && !sigismember(old, SIGPIPE)) {
        sigset_t pipe_only;
        sigemptyset(&pipe_only);
        sigaddset(&pipe_only, SIGPIPE);
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_only, NULL, &zero) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, old, NULL);
}
