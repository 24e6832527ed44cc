/* cc_files.c — the descriptors and streams the program opens under an execution, closed
 * before the next one, and the descriptors it had from the start put back as they were.
 *
 * trama-cc wraps the program's own calls that make a descriptor (open, openat, creat,
 * socket, socketpair, accept, accept4, pipe, pipe2, dup, dup2, dup3), that make a stream
 * (fopen, fdopen, tmpfile) and that close one (close, fclose). Each descriptor made under
 * an execution is remembered with its file's identity (device and inode); at the next
 * execution's start each one still open on the same file is closed, and each stream
 * still open is fclose'd (its buffer and FILE freed). A descriptor the program did not
 * open (stdin, stdout, one inherited) that it closes, or replaces with dup2 or dup3, is
 * first copied aside and put back at the next start. Descriptors made by other calls
 * (popen, opendir, epoll_create, eventfd, fcntl's F_DUPFD, the C library on the program's
 * behalf) are not seen: they stay open. Outside an execution, each call is only itself. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cc_runtime.h"

enum { FDS_MAX = 1024, FILES_MAX = 256, ORIGINALS_MAX = 64 };

typedef struct opened {
    int fd;
    dev_t dev;
    ino_t ino;
} opened;

static opened fds[FDS_MAX];
static int n_fds;
static FILE *files[FILES_MAX];
static int n_files;
/* descriptors of the initial state the program closed or replaced: each one's copy */
static struct {
    int fd, copy;
} originals[ORIGINALS_MAX];
static int n_originals;

static bool identity(int fd, opened *o)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return false;
    *o = (opened){fd, st.st_dev, st.st_ino};
    return true;
}

static int find_fd(int fd)
{
    for (int i = 0; i < n_fds; i++)
        if (fds[i].fd == fd)
            return i;
    return -1;
}

static void forget_fd(int fd)
{
    int i = find_fd(fd);
    if (i >= 0)
        fds[i] = fds[--n_fds];
}

/* fd, just made by the program (any result below 0 is passed through). */
static int made(int fd)
{
    if (fd < 0 || !tr__cc_controlled())
        return fd;
    forget_fd(fd); /* a number reused: one entry for it */
    opened o;
    if (n_fds < FDS_MAX && identity(fd, &o))
        fds[n_fds++] = o;
    return fd;
}

/* The program is about to close fd or make it name another file (dup2, dup3). */
static void replacing(int fd)
{
    if (fd < 0 || !tr__cc_controlled())
        return;
    if (find_fd(fd) >= 0) {
        forget_fd(fd);
        return;
    }
    for (int i = 0; i < n_originals; i++)
        if (originals[i].fd == fd)
            return; /* copied already */
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 100);
    if (copy < 0)
        return; /* not open: nothing to put back */
    if (n_originals == ORIGINALS_MAX) {
        close(copy);
        return;
    }
    originals[n_originals].fd = fd;
    originals[n_originals++].copy = copy;
}

void tr__cc_files_reclaim(void)
{
    for (int i = 0; i < n_files; i++) {
        forget_fd(fileno(files[i]));
        fclose(files[i]);
    }
    n_files = 0;
    for (int i = 0; i < n_fds; i++) {
        opened now;
        if (identity(fds[i].fd, &now) && now.dev == fds[i].dev && now.ino == fds[i].ino)
            close(fds[i].fd);
    }
    n_fds = 0;
    for (int i = 0; i < n_originals; i++) {
        dup2(originals[i].copy, originals[i].fd);
        close(originals[i].copy);
    }
    n_originals = 0;
}

TR_PUBLIC int __wrap_open(const char *path, int flags, ...);
TR_PUBLIC int __wrap_open64(const char *path, int flags, ...);
TR_PUBLIC int __wrap_openat(int dir, const char *path, int flags, ...);
TR_PUBLIC int __wrap_openat64(int dir, const char *path, int flags, ...);
TR_PUBLIC int __wrap_creat(const char *path, mode_t mode);
TR_PUBLIC int __wrap_creat64(const char *path, mode_t mode);
TR_PUBLIC int __wrap_socket(int domain, int type, int protocol);
TR_PUBLIC int __wrap_socketpair(int domain, int type, int protocol, int sv[2]);
TR_PUBLIC int __wrap_accept(int s, struct sockaddr *addr, socklen_t *len);
TR_PUBLIC int __wrap_accept4(int s, struct sockaddr *addr, socklen_t *len, int flags);
TR_PUBLIC int __wrap_pipe(int fd[2]);
TR_PUBLIC int __wrap_pipe2(int fd[2], int flags);
TR_PUBLIC int __wrap_dup(int fd);
TR_PUBLIC int __wrap_dup2(int fd, int to);
TR_PUBLIC int __wrap_dup3(int fd, int to, int flags);
TR_PUBLIC int __wrap_close(int fd);
TR_PUBLIC FILE *__wrap_fopen(const char *path, const char *mode);
TR_PUBLIC FILE *__wrap_fopen64(const char *path, const char *mode);
TR_PUBLIC FILE *__wrap_fdopen(int fd, const char *mode);
TR_PUBLIC FILE *__wrap_tmpfile(void);
TR_PUBLIC int __wrap_fclose(FILE *f);

/* open's third argument is there only when the flags create a file. */
static mode_t mode_of(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

int __wrap_open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_of(flags, ap);
    va_end(ap);
    return made(open(path, flags, mode));
}

int __wrap_open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_of(flags, ap);
    va_end(ap);
    return made(open(path, flags, mode));
}

int __wrap_openat(int dir, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_of(flags, ap);
    va_end(ap);
    return made(openat(dir, path, flags, mode));
}

int __wrap_openat64(int dir, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_of(flags, ap);
    va_end(ap);
    return made(openat(dir, path, flags, mode));
}

int __wrap_creat(const char *path, mode_t mode) { return made(creat(path, mode)); }
int __wrap_creat64(const char *path, mode_t mode) { return made(creat(path, mode)); }
int __wrap_socket(int domain, int type, int protocol)
{
    return made(socket(domain, type, protocol));
}

int __wrap_socketpair(int domain, int type, int protocol, int sv[2])
{
    int r = socketpair(domain, type, protocol, sv);
    if (r == 0) {
        made(sv[0]);
        made(sv[1]);
    }
    return r;
}

int __wrap_accept(int s, struct sockaddr *addr, socklen_t *len)
{
    return made(accept(s, addr, len));
}

int __wrap_accept4(int s, struct sockaddr *addr, socklen_t *len, int flags)
{
    return made(accept4(s, addr, len, flags));
}

int __wrap_pipe(int fd[2]) { return __wrap_pipe2(fd, 0); }

int __wrap_pipe2(int fd[2], int flags)
{
    int r = pipe2(fd, flags);
    if (r == 0) {
        made(fd[0]);
        made(fd[1]);
    }
    return r;
}

int __wrap_dup(int fd) { return made(dup(fd)); }

int __wrap_dup2(int fd, int to)
{
    if (fd != to && fcntl(fd, F_GETFD) >= 0)
        replacing(to);
    return made(dup2(fd, to));
}

int __wrap_dup3(int fd, int to, int flags)
{
    if (fd != to && fcntl(fd, F_GETFD) >= 0)
        replacing(to);
    return made(dup3(fd, to, flags));
}

int __wrap_close(int fd)
{
    replacing(fd);
    return close(fd);
}

/* f, just opened by the program: its descriptor is the stream's. */
static FILE *made_file(FILE *f)
{
    if (!f || !tr__cc_controlled())
        return f;
    forget_fd(fileno(f));
    if (n_files < FILES_MAX)
        files[n_files++] = f;
    return f;
}

FILE *__wrap_fopen(const char *path, const char *mode) { return made_file(fopen(path, mode)); }
FILE *__wrap_fopen64(const char *path, const char *mode) { return made_file(fopen(path, mode)); }
FILE *__wrap_fdopen(int fd, const char *mode) { return made_file(fdopen(fd, mode)); }
FILE *__wrap_tmpfile(void) { return made_file(tmpfile()); }

int __wrap_fclose(FILE *f)
{
    if (f && tr__cc_controlled()) {
        int i = 0;
        while (i < n_files && files[i] != f)
            i++;
        if (i < n_files)
            files[i] = files[--n_files];
        else
            replacing(fileno(f)); /* stdin, stdout: the descriptor is put back, not the FILE */
    }
    return fclose(f);
}
