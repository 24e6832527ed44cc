/* pipe.c — multiprocessing.Pipe and its Connections: Python's framing, whole-message
 * send/recv, poll, close, over a socketpair (duplex) or a pipe (one-way).
 *
 * The two ends of one Pipe live in one block, freed when both ends are: so the peer's
 * object stays valid as a happens-before target. A send on end E publishes through E's
 * object (release) and the recv of that message on the peer takes it (acquire).
 *
 * I/O. Every descriptor is non-blocking; nothing blocks inside an effect. A message is a
 * few actions on its end:
 *   begin  guard: no other thread of this process is inside a message in the same
 *          direction on this end (whole messages never interleave). Effect: Python's
 *          checks (closed -> direction -> arguments), claim the direction; a recv also
 *          tries its first read, a send only publishes (its release edge must be
 *          announced before any byte can be read).
 *   chunk  guard: the last attempt did not block, or the descriptor is ready (poll with a
 *          zero timeout). wait_fd/wait_events let the native backend wait in poll().
 *          Effect: read or write until done, blocked, or CHUNK_MAX bytes moved.
 * The per-message progress (a transfer) lives on the caller's stack; the end keeps what
 * Python's Connection keeps (fd, readable, writable) plus the two direction claims, so a
 * controlled backend can model the wire itself (capacity, chunks as steps).
 *
 * The wire under the ends, Python's framing and writes that never raise SIGPIPE, is
 * pipe_wire.c's (wire.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wire.h"

/* At most this many bytes move in one effect: the end's monitor is never held long. */
enum { CHUNK_MAX = 256 * 1024 };
enum { HEADER_SHORT = TR__WIRE_HEADER_SHORT, HEADER_LONG = TR__WIRE_HEADER_LONG };

struct tr_connection {
    tr__object obj; /* first: a tr__object * is a tr_connection * */
    struct pipe_pair *pair;
    /* -1 once closed. Changed only by effects; atomic because the wait_fd hint is read
     * before the action starts (relaxed: the guard reads it again under the monitor). */
    atomic_int fd;
    bool readable;  /* Python's _readable: false on a send-only end, or after a bad length */
    bool writable;  /* Python's _writable */
    bool is_socket; /* sendmsg(MSG_NOSIGNAL); a pipe is written with SIGPIPE blocked */
    bool sending;   /* a thread is inside a message in that direction (domain-guarded) */
    bool receiving;
};

typedef struct pipe_pair {
    tr_connection end[2]; /* one-way: end[0] receives, end[1] sends */
    atomic_int refs;      /* ends not yet freed */
} pipe_pair;

typedef enum piece { PIECE_HEADER, PIECE_LONG_HEADER, PIECE_BODY, PIECE_DONE } piece;

/* One message in flight, on the caller's stack. */
typedef struct transfer {
    unsigned char header[HEADER_LONG];
    size_t header_len;  /* send: bytes of header in use */
    unsigned char *data; /* send: the payload (borrowed); recv: the body (malloc'd) */
    size_t len;          /* payload / body length */
    size_t done;         /* send: bytes of header + payload written; recv: of the piece */
    piece piece;         /* recv: what is being read (Python's three _recv calls) */
    long long maxlength; /* recv: TR_SIZE_NONE = no limit */
    long long offset, size; /* send_bytes' arguments, checked in the begin effect */
    size_t buffer_len;
    bool blocked;  /* the last syscall would have blocked: the guard polls */
    bool finished; /* complete or failed; the direction claim is released */
    int err;       /* errno of a failed syscall, raised after the action */
} transfer;

static int conn_fd(const tr_connection *c)
{
    return atomic_load_explicit(&((tr_connection *)c)->fd, memory_order_relaxed);
}

static tr_connection *peer_of(tr_connection *c) { return &c->pair->end[c == &c->pair->end[0]]; }

static bool fd_ready(int fd, short events)
{
    struct pollfd p = {.fd = fd, .events = events};
    return poll(&p, 1, 0) > 0; /* POLLHUP / POLLERR count: the next syscall reports them */
}

static tr_status raise_errno(int err, const char *file, int line)
{
    char text[128];
    if (strerror_r(err, text, sizeof text) != 0)
        text[0] = '\0';
    return tr__raisef(TR_OS_ERROR, file, line, "[Errno %d] %s", err, text);
}

/* ---- ends ----------------------------------------------------------------------------- */

static void pair_unref(pipe_pair *pp)
{
    if (atomic_fetch_sub(&pp->refs, 1) != 1)
        return;
    tr__object_fini(&pp->end[1].obj); /* before its domain */
    tr__object_fini(&pp->end[0].obj);
    free(pp);
}

static void close_effect(tr__action *a)
{
    tr_connection *c = (tr_connection *)a->obj;
    int fd = conn_fd(c);
    if (fd >= 0) {
        atomic_store_explicit(&c->fd, -1, memory_order_relaxed);
        close(fd);
    }
}

/* The controlled backend reclaims unfreed objects one by one: each end drops its ref. */
static void connection_destroy(tr__object *obj)
{
    tr_connection *c = (tr_connection *)obj;
    int fd = conn_fd(c);
    if (fd >= 0)
        close(fd);
    atomic_store_explicit(&c->fd, -1, memory_order_relaxed);
    pair_unref(c->pair);
}

static const tr__type connection_type = {TR__KIND_CONNECTION, connection_destroy};

static void end_init(pipe_pair *pp, int i, int fd, bool readable, bool writable, bool socket)
{
    tr_connection *c = &pp->end[i];
    c->pair = pp;
    atomic_init(&c->fd, fd);
    c->readable = readable;
    c->writable = writable;
    c->is_socket = socket;
    /* Python's os.pipe() and socketpair() are non-inheritable; our waits need O_NONBLOCK. */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
}

tr_status(tr_pipe)(bool duplex, tr_connection **conn1, tr_connection **conn2)
{
    const char *file;
    int line, fds[2];
    tr__site_take(&file, &line);
    *conn1 = *conn2 = NULL;
    if ((duplex ? socketpair(AF_UNIX, SOCK_STREAM, 0, fds) : pipe(fds)) != 0)
        return raise_errno(errno, file, line);
    pipe_pair *pp = calloc(1, sizeof *pp);
    if (!pp)
        goto no_memory;
    end_init(pp, 0, fds[0], true, duplex, duplex);
    end_init(pp, 1, fds[1], duplex, true, duplex);
    if (tr__object_init(&pp->end[0].obj, &connection_type, NULL) != TR_OK)
        goto no_memory;
    /* One pipe, one domain: what one end does changes what the other can (a recv's bytes,
     * a poll's answer, EOF), so a scheduler must never take their steps as independent. */
    if (tr__object_init(&pp->end[1].obj, &connection_type, &pp->end[0].obj) != TR_OK) {
        tr__object_fini(&pp->end[0].obj);
        goto no_memory;
    }
    atomic_init(&pp->refs, 2);
    *conn1 = &pp->end[0];
    *conn2 = &pp->end[1];
    return TR_OK;
no_memory:
    free(pp);
    close(fds[0]);
    close(fds[1]);
    return tr__set_error(TR_NO_MEMORY, "");
}

tr_status(tr_connection_close)(tr_connection *c)
{
    tr__action a = tr__action_make(&c->obj, TR__OP_CONN_CLOSE);
    a.effect = close_effect;
    return tr__perform(&a);
}

void tr_connection_free(tr_connection *c)
{
    if (!c)
        return;
    (tr_connection_close)(c);
    pair_unref(c->pair);
}

/* ---- the transfer's syscalls ---------------------------------------------------------- */

/* One write of what is left of header + payload. Returns bytes written, or -1 + errno. */
static ssize_t write_once(const tr_connection *c, int fd, const transfer *t)
{
    struct iovec iov[2];
    int n = 0;
    size_t at = t->done;
    if (at < t->header_len)
        iov[n++] = (struct iovec){(void *)(t->header + at), t->header_len - at};
    size_t body_at = at > t->header_len ? at - t->header_len : 0;
    size_t body_left = t->len - body_at;
    if (body_left > 0) {
        size_t room = CHUNK_MAX;
        iov[n++] = (struct iovec){t->data + body_at, body_left < room ? body_left : room};
    }
    return tr__wire_write(fd, c->is_socket, iov, n);
}

/* In an effect: writes until the message is out, the descriptor is full, or CHUNK_MAX. */
static void write_some(tr_connection *c, transfer *t)
{
    int fd = conn_fd(c);
    size_t total = t->header_len + t->len, moved = 0;
    sigset_t old;
    if (!c->is_socket)
        tr__wire_sigpipe_block(&old);
    t->blocked = false;
    while (t->done < total && moved < CHUNK_MAX) {
        ssize_t n = write_once(c, fd, t);
        if (n >= 0) {
            t->done += (size_t)n;
            moved += (size_t)n;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            t->blocked = true;
            break;
        } else if (errno != EINTR) {
            t->err = errno;
            break;
        }
    }
    if (!c->is_socket)
        tr__wire_sigpipe_restore(&old, t->err == EPIPE);
    if (t->err || t->done == total) {
        t->finished = true;
        c->sending = false;
    }
}

/* The piece being read: its buffer and size. */
static unsigned char *piece_buffer(transfer *t, size_t *size)
{
    switch (t->piece) {
    case PIECE_HEADER:
        *size = HEADER_SHORT;
        return t->header;
    case PIECE_LONG_HEADER:
        *size = HEADER_LONG - HEADER_SHORT;
        return t->header + HEADER_SHORT;
    case PIECE_BODY:
        *size = t->len;
        return t->data;
    case PIECE_DONE:
        break;
    }
    *size = 0;
    return NULL;
}

/* ---- receiving ------------------------------------------------------------------------ */

/* In an effect: the message ended (whole, or failed); the direction is free again. */
static void recv_stop(tr_connection *c, transfer *t)
{
    t->finished = true;
    c->receiving = false;
    if (t->piece != PIECE_DONE) {
        free(t->data);
        t->data = NULL;
    }
}

static void message_received(tr__action *a, tr_connection *c, transfer *t)
{
    t->piece = PIECE_DONE;
    recv_stop(c, t);
    tr__hb(a, &peer_of(c)->obj, TR__HB_ACQUIRE);
}

/* Python's _recv: EOF before the first byte of a piece is EOFError, within it OSError. */
static void end_of_file(tr__action *a, tr_connection *c, transfer *t)
{
    if (t->done == 0)
        a->status = TR_EOF;
    else
        tr__fail(a, TR_OS_ERROR, "got end of file during message");
    recv_stop(c, t);
}

/* Python's _bad_message_length: a duplex end stops reading, a receive-only end closes. */
static void bad_length(tr__action *a, tr_connection *c, transfer *t)
{
    if (c->writable)
        c->readable = false;
    else
        close_effect(a);
    tr__fail(a, TR_OS_ERROR, "bad message length");
    recv_stop(c, t);
}

/* In an effect: a header piece is complete; learn the body's length and make room. */
static void header_complete(tr__action *a, tr_connection *c, transfer *t)
{
    if (t->piece == PIECE_HEADER) {
        int64_t size = tr__wire_short_length(t->header);
        if (size == -1) {
            t->piece = PIECE_LONG_HEADER;
            return;
        }
        t->len = size < 0 ? 0 : (size_t)size; /* Python reads no body for other negatives */
    } else {
        t->len = (size_t)tr__wire_long_length(t->header + HEADER_SHORT);
    }
    if (t->maxlength != TR_SIZE_NONE && t->len > (unsigned long long)t->maxlength) {
        bad_length(a, c, t);
        return;
    }
    t->data = malloc(t->len ? t->len : 1);
    if (!t->data) {
        a->status = TR_NO_MEMORY;
        recv_stop(c, t);
        return;
    }
    t->piece = PIECE_BODY;
    if (t->len == 0)
        message_received(a, c, t);
}

/* In an effect: reads until the message is in, nothing is left to read, or CHUNK_MAX.
 * Reads never go past the message, so an end shared by two processes stays framed. */
static void read_some(tr__action *a, tr_connection *c, transfer *t)
{
    int fd = conn_fd(c);
    size_t moved = 0;
    t->blocked = false;
    while (!t->finished && moved < CHUNK_MAX) {
        size_t size;
        unsigned char *buf = piece_buffer(t, &size);
        size_t want = size - t->done < CHUNK_MAX ? size - t->done : CHUNK_MAX;
        ssize_t n = read(fd, buf + t->done, want);
        if (n > 0) {
            t->done += (size_t)n;
            moved += (size_t)n;
            if (t->done < size)
                continue;
            t->done = 0;
            if (t->piece == PIECE_BODY)
                message_received(a, c, t);
            else
                header_complete(a, c, t);
        } else if (n == 0) {
            end_of_file(a, c, t);
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            t->blocked = true;
            return;
        } else if (errno != EINTR) {
            t->err = errno;
            recv_stop(c, t);
        }
    }
}

static bool recv_begin_guard(const tr__action *a)
{
    const tr_connection *c = (const tr_connection *)a->obj;
    return conn_fd(c) < 0 || !c->readable || !c->receiving;
}

static void recv_begin_effect(tr__action *a)
{
    tr_connection *c = (tr_connection *)a->obj;
    transfer *t = a->arg;
    t->finished = true;
    if (conn_fd(c) < 0)
        tr__fail(a, TR_OS_ERROR, "handle is closed");
    else if (!c->readable)
        tr__fail(a, TR_OS_ERROR, "connection is write-only");
    else if (t->maxlength != TR_SIZE_NONE && t->maxlength < 0)
        tr__fail(a, TR_VALUE_ERROR, "negative maxlength");
    if (a->message)
        return;
    t->finished = false;
    c->receiving = true;
    read_some(a, c, t);
}

static bool chunk_guard(const tr__action *a)
{
    const transfer *t = a->arg;
    int fd = conn_fd((const tr_connection *)a->obj);
    return fd < 0 || !t->blocked || fd_ready(fd, a->wait_events);
}

static void recv_chunk_effect(tr__action *a)
{
    tr_connection *c = (tr_connection *)a->obj;
    transfer *t = a->arg;
    if (conn_fd(c) < 0) { /* closed by another thread mid-message: Python's EBADF */
        t->err = EBADF;
        recv_stop(c, t);
        return;
    }
    read_some(a, c, t);
}

static tr_status recv_message(tr__action *a, transfer *t, void **buf, size_t *len)
{
    tr_connection *c = (tr_connection *)a->obj;
    a->arg = t;
    a->guard = recv_begin_guard;
    a->effect = recv_begin_effect;
    tr_status s = tr__perform(a);
    while (s == TR_OK && !t->finished) {
        tr__action chunk = tr__action_next(a, &c->obj, TR__OP_CONN_RECV);
        chunk.arg = t;
        chunk.guard = chunk_guard;
        chunk.effect = recv_chunk_effect;
        chunk.wait_fd = conn_fd(c);
        chunk.wait_events = POLLIN;
        s = tr__perform(&chunk);
    }
    *buf = s == TR_OK && !t->err ? t->data : NULL;
    *len = *buf ? t->len : 0;
    if (t->err)
        return raise_errno(t->err, a->file, a->line);
    if (s == TR_EOF || s == TR_NO_MEMORY)
        return tr__set_error(s, "");
    return s;
}

tr_status(tr_connection_recv_bytes)(tr_connection *c, long long maxlength, void **buf,
                                    size_t *len)
{
    tr__action a = tr__action_make(&c->obj, TR__OP_CONN_RECV);
    transfer t = {.maxlength = maxlength};
    return recv_message(&a, &t, buf, len);
}

tr_status(tr_connection_recv)(tr_connection *c, void **buf, size_t *len)
{
    tr__action a = tr__action_make(&c->obj, TR__OP_CONN_RECV);
    transfer t = {.maxlength = TR_SIZE_NONE};
    return recv_message(&a, &t, buf, len);
}

/* ---- sending -------------------------------------------------------------------------- */

/* send_bytes' argument checks, in Python's order. */
static const char *send_args_error(const transfer *t)
{
    unsigned long long offset = (unsigned long long)t->offset;
    if (t->offset < 0)
        return "offset is negative";
    if (offset > t->buffer_len)
        return "buffer length < offset";
    if (t->size == TR_SIZE_NONE)
        return NULL;
    if (t->size < 0)
        return "size is negative";
    if (offset + (unsigned long long)t->size > t->buffer_len)
        return "buffer length < offset + size";
    return NULL;
}

static bool send_begin_guard(const tr__action *a)
{
    const tr_connection *c = (const tr_connection *)a->obj;
    return conn_fd(c) < 0 || !c->writable || !c->sending;
}

static void send_begin_effect(tr__action *a)
{
    tr_connection *c = (tr_connection *)a->obj;
    transfer *t = a->arg;
    const char *why;
    t->finished = true;
    if (conn_fd(c) < 0)
        tr__fail(a, TR_OS_ERROR, "handle is closed");
    else if (!c->writable)
        tr__fail(a, TR_OS_ERROR, "connection is read-only");
    else if ((why = send_args_error(t)) != NULL)
        tr__fail(a, TR_VALUE_ERROR, why);
    if (a->message)
        return;
    t->data += t->offset;
    t->len = t->size == TR_SIZE_NONE ? t->buffer_len - (size_t)t->offset : (size_t)t->size;
    t->header_len = tr__wire_frame(t->header, t->len);
    t->finished = false;
    c->sending = true;
    /* Everything before the send, for the receiver. No byte is written in this action:
     * the backend announces the edge after the effect, and the receiver (another end,
     * another monitor) may take the edge as soon as the first byte is readable. */
    tr__hb(a, a->obj, TR__HB_RELEASE);
}

static void send_chunk_effect(tr__action *a)
{
    tr_connection *c = (tr_connection *)a->obj;
    transfer *t = a->arg;
    if (conn_fd(c) < 0) { /* closed by another thread mid-message: Python's EBADF */
        t->err = EBADF;
        t->finished = true;
        c->sending = false;
        return;
    }
    write_some(c, t);
}

tr_status(tr_connection_send_bytes)(tr_connection *c, const void *buf, size_t len,
                                    long long offset, long long size)
{
    tr__action a = tr__action_make(&c->obj, TR__OP_CONN_SEND);
    transfer t = {.data = (unsigned char *)buf, .buffer_len = len, .offset = offset,
                  .size = size};
    a.arg = &t;
    a.guard = send_begin_guard;
    a.effect = send_begin_effect;
    tr_status s = tr__perform(&a);
    while (s == TR_OK && !t.finished) {
        tr__action chunk = tr__action_next(&a, &c->obj, TR__OP_CONN_SEND);
        chunk.arg = &t;
        chunk.guard = chunk_guard;
        chunk.effect = send_chunk_effect;
        chunk.wait_fd = conn_fd(c);
        chunk.wait_events = POLLOUT;
        s = tr__perform(&chunk);
    }
    if (t.err)
        return raise_errno(t.err, a.file, a.line);
    return s;
}

tr_status(tr_connection_send)(tr_connection *c, const void *buf, size_t len)
{
    return (tr_connection_send_bytes)(c, buf, len, 0, TR_SIZE_NONE);
}

/* ---- poll ----------------------------------------------------------------------------- */

static bool poll_guard(const tr__action *a)
{
    const tr_connection *c = (const tr_connection *)a->obj;
    int fd = conn_fd(c);
    return fd < 0 || !c->readable || fd_ready(fd, POLLIN);
}

static void poll_effect(tr__action *a)
{
    const tr_connection *c = (const tr_connection *)a->obj;
    if (conn_fd(c) < 0)
        tr__fail(a, TR_OS_ERROR, "handle is closed");
    else if (!c->readable)
        tr__fail(a, TR_OS_ERROR, "connection is write-only");
}

tr_status(tr_connection_poll)(tr_connection *c, double timeout)
{
    tr__action a = tr__action_make(&c->obj, TR__OP_CONN_POLL);
    a.guard = poll_guard;
    a.effect = poll_effect;
    a.timeout = timeout == TR_FOREVER ? TR_FOREVER : timeout > 0 ? timeout : 0;
    a.wait_fd = conn_fd(c);
    a.wait_events = POLLIN;
    tr_status s = tr__perform(&a);
    if (s == TR_TIMEOUT)
        tr__set_error(TR_TIMEOUT, "");
    return s;
}

/* ---- fileno --------------------------------------------------------------------------- */

static void fileno_effect(tr__action *a)
{
    int fd = conn_fd((const tr_connection *)a->obj);
    *(int *)a->arg = fd;
    if (fd < 0)
        tr__fail(a, TR_OS_ERROR, "handle is closed");
}

int(tr_connection_fileno)(tr_connection *c)
{
    int fd = -1;
    tr__action a = tr__action_make(&c->obj, TR__OP_CONN_POLL);
    a.arg = &fd;
    a.effect = fileno_effect;
    tr__perform(&a);
    return fd;
}
