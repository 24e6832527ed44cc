/* trama/pipe.h — multiprocessing.Pipe and its Connections. */
#ifndef TRAMA_PIPE_H
#define TRAMA_PIPE_H

#include <limits.h>
#include <trama/site.h>
#include <trama/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_connection tr_connection;

/* Pipe(duplex): duplex uses a socketpair; one-way: conn1 receives only, conn2 sends only.
 * Works between threads and between processes (fork after creating it). */
TR_PUBLIC tr_status tr_pipe(bool duplex, tr_connection **conn1, tr_connection **conn2);
/* send_bytes(buf): one whole message of any size (0 too). TR_OS_ERROR on a closed handle
 * ("handle is closed"), on a read-only end ("connection is read-only"), or when the peer
 * is gone ("[Errno 32] Broken pipe"). */
TR_PUBLIC tr_status tr_connection_send(tr_connection *, const void *buf, size_t len);
/* send_bytes(buf, offset, size): sends buf[offset, offset + size) of a buffer of len bytes;
 * size TR_SIZE_NONE = up to the end. After the closed/direction checks, in Python's order:
 * TR_VALUE_ERROR "offset is negative", "buffer length < offset", "size is negative",
 * "buffer length < offset + size". */
TR_PUBLIC tr_status tr_connection_send_bytes(tr_connection *, const void *buf, size_t len,
                                             long long offset, long long size);
/* recv_bytes(maxlength): maxlength TR_SIZE_NONE = no limit; TR_VALUE_ERROR "negative
 * maxlength"; a longer message is TR_OS_ERROR "bad message length", after which a duplex
 * end can no longer receive and a receive-only end is closed (its body stays unread). */
TR_PUBLIC tr_status tr_connection_recv_bytes(tr_connection *, long long maxlength, void **buf,
                                             size_t *len);
#define TR_SIZE_NONE LLONG_MIN /* Python's None for send_bytes' size and recv_bytes' maxlength */
/* recv_bytes(): one whole message, *buf malloc'd (free it, even when *len is 0); on any
 * other status *buf is NULL. TR_EOF (empty message) when the peer closed and everything
 * was read; TR_OS_ERROR "got end of file during message" when it closed mid-message;
 * "handle is closed"; "connection is write-only" on a send-only end. Waits without limit
 * (poll first to wait with a timeout). */
TR_PUBLIC tr_status tr_connection_recv(tr_connection *, void **buf, size_t *len);
/* poll(timeout=0.0): TR_OK when a message or EOF is pending, TR_TIMEOUT otherwise;
 * TR_FOREVER waits without limit, a negative timeout acts as 0. TR_OS_ERROR "handle is
 * closed" / "connection is write-only". */
TR_PUBLIC tr_status tr_connection_poll(tr_connection *, double timeout);
/* fileno(): the end's descriptor (non-blocking, close-on-exec), borrowed until close;
 * -1 and TR_OS_ERROR "handle is closed" once closed. */
TR_PUBLIC int tr_connection_fileno(tr_connection *);
/* close(): idempotent. */
TR_PUBLIC tr_status tr_connection_close(tr_connection *);
/* Closes an open end and frees it. NULL: no-op. */
TR_PUBLIC void tr_connection_free(tr_connection *);

#define tr_pipe(...) (TR__SITE(), tr_pipe(__VA_ARGS__))
#define tr_connection_send_bytes(...) (TR__SITE(), tr_connection_send_bytes(__VA_ARGS__))
#define tr_connection_recv_bytes(...) (TR__SITE(), tr_connection_recv_bytes(__VA_ARGS__))
#define tr_connection_send(...) (TR__SITE(), tr_connection_send(__VA_ARGS__))
#define tr_connection_recv(...) (TR__SITE(), tr_connection_recv(__VA_ARGS__))
#define tr_connection_poll(...) (TR__SITE(), tr_connection_poll(__VA_ARGS__))
#define tr_connection_fileno(...) (TR__SITE(), tr_connection_fileno(__VA_ARGS__))
#define tr_connection_close(...) (TR__SITE(), tr_connection_close(__VA_ARGS__))

#ifdef __cplusplus
}
#endif
#endif
