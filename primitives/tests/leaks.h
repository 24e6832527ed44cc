/* leaks.h — the fixture of the tests that open descriptors and fork: after each test no
 * descriptor may have leaked and no child may be left (not even a zombie). Children never
 * return into cmocka: they report through their exit status (CHILD_CHECK) and _exit.
 * Include after <cmocka.h>. */
#ifndef TRAMA_TEST_LEAKS_H
#define TRAMA_TEST_LEAKS_H

#include <dirent.h>
#include <errno.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static int fds_before;

static int fds_setup(void **state)
{
    (void)state;
    fds_before = count_fds();
    return 0;
}

/* 0, or -1 after printing what leaked. */
static int check_no_leaks(void)
{
    int fds = count_fds();
    errno = 0;
    pid_t left = waitpid(-1, NULL, WNOHANG);
    int err = errno;
    if (fds != fds_before) {
        print_error("%d file descriptors leaked\n", fds - fds_before);
        return -1;
    }
    if (left != -1 || err != ECHILD) {
        print_error("a child process is left (waitpid(-1) = %d)\n", (int)left);
        return -1;
    }
    return 0;
}

/* In a child: a failed check ends it with a status naming the line. */
#define CHILD_CHECK(cond)                                                                        \
    do {                                                                                         \
        if (!(cond))                                                                             \
            _exit(__LINE__ % 200 + 50);                                                          \
    } while (0)

#endif
