/* channel.c — the stream socket between P0 and each other process of the execution:
 * words both ways, a descriptor riding along (a new process's channel), and the one word
 * P0 sends to hand the baton over (RUN). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "channel.h"

bool tr__channel_put(int fd, const void *p, size_t n, int pass_fd)
{
    struct iovec iov = {(void *)p, n};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    if (pass_fd >= 0) {
        memset(&control, 0, sizeof control);
        m.msg_control = control.buf;
        m.msg_controllen = sizeof control.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
    }
    while (iov.iov_len > 0) {
        ssize_t k = sendmsg(fd, &m, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        m.msg_control = NULL; /* the descriptor went with the first byte */
        m.msg_controllen = 0;
        iov.iov_base = (char *)iov.iov_base + k;
        iov.iov_len -= (size_t)k;
    }
    return true;
}

bool tr__channel_get(int fd, void *p, size_t n, int *passed)
{
    char *at = p;
    while (n > 0) {
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } control;
        struct iovec iov = {at, n};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                           .msg_controllen = sizeof control.buf};
        ssize_t k = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int got;
                memcpy(&got, CMSG_DATA(c), sizeof got);
                if (passed && *passed < 0)
                    *passed = got;
                else
                    close(got);
            }
        at += k;
        n -= (size_t)k;
    }
    return true;
}

int tr__channel_high_fd(int fd)
{
    int h = fcntl(fd, F_DUPFD_CLOEXEC, 512);
    if (h < 0)
        return fd;
    close(fd);
    return h;
}

void tr__channel_to_child(int p, word *w)
{
    const tr__cprocess *q = &tr__exec.processes[p];
    if (q->channel >= 0)
        tr__channel_put(q->channel, w, sizeof *w, -1); /* a gone child is noticed when it is read */
}

void tr__channel_run(int id)
{
    struct tr__execution *x = &tr__exec;
    tr__cthread *c = &x->threads[id];
    double vtime = x->vtime;
    if (c->fire_timeout && c->pending && tr__is_timed(c->pending) && c->deadline > vtime)
        vtime = c->deadline;
    word w = {.kind = W_RUN, .thread = id, .fire_timeout = c->fire_timeout,
              .begin_granted = c->begin_granted, .vtime = vtime};
    c->begin_granted = false;
    tr__channel_to_child(c->process, &w);
}

