/* trama/pipe.h — multiprocessing.Pipe and its Connections. */
#ifndef TRAMA_PIPE_H
#define TRAMA_PIPE_H

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
/* recv_bytes(): one whole message, *buf malloc'd (free it, even when *len is 0).
 * TR_EOF when the peer closed and everything was read. */
TR_PUBLIC tr_status tr_connection_recv(tr_connection *, void **buf, size_t *len);
/* poll(timeout=0.0): TR_OK when a message or EOF is pending, TR_TIMEOUT otherwise;
 * TR_FOREVER waits without limit, a negative timeout acts as 0. */
TR_PUBLIC tr_status tr_connection_poll(tr_connection *, double timeout);
/* close(): idempotent. */
TR_PUBLIC tr_status tr_connection_close(tr_connection *);
/* Closes an open end and frees it. NULL: no-op. */
TR_PUBLIC void tr_connection_free(tr_connection *);

#define tr_connection_send(...) (TR__SITE(), tr_connection_send(__VA_ARGS__))
#define tr_connection_recv(...) (TR__SITE(), tr_connection_recv(__VA_ARGS__))
#define tr_connection_poll(...) (TR__SITE(), tr_connection_poll(__VA_ARGS__))
#define tr_connection_close(...) (TR__SITE(), tr_connection_close(__VA_ARGS__))

#ifdef __cplusplus
}
#endif
#endif
