/* checked_main.c — tr_main, then a check that the run left nothing behind in the process
 * that ran it: no descriptor it did not start with, no child process (running or a zombie).
 * Each thing left is one line on stderr ("left: ...") and the exit code is 3; otherwise the
 * exit code is tr_main's. The last line on stderr is the largest resident set of the
 * processes the run forked and took back ("children's max RSS: N KB"): the exploring
 * children, where executions run. test_leaks.py, test_rss.py and test_hostile.py run the
 * CLI through it. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <trama/harness.h>

enum { MAX_FDS = 4096 };

/* The open descriptors, as a table indexed by number (the listing's own excluded). */
static void open_fds(bool open[MAX_FDS])
{
    memset(open, 0, MAX_FDS * sizeof *open);
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    int own = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        int fd = atoi(e->d_name);
        if (isdigit((unsigned char)e->d_name[0]) && fd != own && fd < MAX_FDS)
            open[fd] = true;
    }
    closedir(d);
}

static int left_fds(const bool before[MAX_FDS])
{
    static bool after[MAX_FDS];
    open_fds(after);
    int left = 0;
    for (int fd = 0; fd < MAX_FDS; fd++) {
        if (!after[fd] || before[fd])
            continue;
        char path[64], target[256] = "?";
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof target - 1);
        target[n > 0 ? n : 1] = '\0';
        fprintf(stderr, "left: descriptor %d (%s)\n", fd, target);
        left++;
    }
    return left;
}

/* Every process whose parent is this one: /proc/PID/stat is "pid (comm) state ppid ...",
 * and comm may hold anything but ends at the last ')'. */
static int left_children(void)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    int left = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        const char *close = strrchr(buf, ')');
        char state;
        int ppid;
        if (close && sscanf(close + 1, " %c %d", &state, &ppid) == 2 && ppid == getpid()) {
            fprintf(stderr, "left: child process %s (state %c)\n", e->d_name, state);
            left++;
        }
    }
    closedir(d);
    return left;
}

int main(int argc, char **argv)
{
    static bool before[MAX_FDS];
    open_fds(before);
    int status = tr_main(argc, argv);
    fflush(stdout);
    int left = left_fds(before) + left_children();
    struct rusage children;
    if (getrusage(RUSAGE_CHILDREN, &children) == 0)
        fprintf(stderr, "children's max RSS: %ld KB\n", children.ru_maxrss);
    return left ? 3 : status;
}
