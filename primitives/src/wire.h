/* wire.h — what pipe.c needs of the wire (pipe_wire.c): Python's message framing and the
 * writes that never raise SIGPIPE. Never installed. Bytes and descriptors only: the
 * Connection objects, their actions and misuse stay in pipe.c. */
#ifndef TRAMA_WIRE_H
#define TRAMA_WIRE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "internal.h"

/* Python's framing: a 4-byte big-endian signed length, or -1 then an 8-byte length. */
enum { TR__WIRE_HEADER_SHORT = 4, TR__WIRE_HEADER_LONG = 12 };

/* Writes the header of a len-byte message; returns its size (short or long). */
TR__HIDDEN size_t tr__wire_frame(unsigned char header[TR__WIRE_HEADER_LONG], size_t len);
/* The length a short header announces: -1 when a long header follows; Python reads no
 * body for any other negative. */
TR__HIDDEN int64_t tr__wire_short_length(const unsigned char *header);
/* The length in a long header's last 8 bytes. */
TR__HIDDEN uint64_t tr__wire_long_length(const unsigned char *rest);

/* One write of iov[0..n): sendmsg with MSG_NOSIGNAL on a socket, writev on a pipe (between
 * tr__wire_sigpipe_block and _restore). Bytes written, or -1 and errno. */
TR__HIDDEN ssize_t tr__wire_write(int fd, bool is_socket, struct iovec *iov, int n);
/* A pipe's EPIPE also raises SIGPIPE at the calling thread: block it around the writes,
 * then restore the mask, taking the one a write raised (got_epipe) unless the thread had it
 * blocked (and maybe pending) already. The process never dies of it, and its signal
 * disposition is left alone. */
TR__HIDDEN void tr__wire_sigpipe_block(sigset_t *old);
TR__HIDDEN void tr__wire_sigpipe_restore(const sigset_t *old, bool got_epipe);

#endif
