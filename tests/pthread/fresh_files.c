/* Every execution starts with the descriptors the program started with: each execution
 * leaves 200 descriptors and 20 streams open under a limit of 256, closes stdin and sends
 * stdout to /dev/null, and the next one finds all of it as the first one did. What
 * strdup returns is reclaimed too (each execution leaks a megabyte through it). */
#include <assert.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int opened;

/* "open" or "closed", and the file's identity, of descriptor fd. */
static void describe(int fd, char *out, size_t size)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        snprintf(out, size, "closed");
    else
        snprintf(out, size, "%lu:%lu", (unsigned long)st.st_dev, (unsigned long)st.st_ino);
}

/* The first execution writes down what stdin and stdout are (the environment outlives an
 * execution); every later one finds them the same. */
static void check_standard_descriptors(void)
{
    char now[64], text[160];
    describe(0, now, sizeof now);
    describe(1, text, sizeof text);
    strcat(now, "/");
    strcat(now, text);
    const char *first = getenv("FRESH_FILES_STANDARD");
    if (!first)
        setenv("FRESH_FILES_STANDARD", now, 1);
    else
        assert(strcmp(first, now) == 0);
}

static void *worker(void *arg)
{
    (void)arg;
    int mine = 0;
    for (int i = 0; i < 50; i++) {
        int p[2];
        assert(pipe(p) == 0);
        mine += 2;
    }
    pthread_mutex_lock(&lock);
    opened += mine;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    struct rlimit limit = {256, 256};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = 256;
    assert(setrlimit(RLIMIT_NOFILE, &limit) == 0);
    check_standard_descriptors();
    struct mallinfo2 heap = mallinfo2();
    assert(heap.uordblks + heap.hblkhd < 8u << 20);

    char *big = malloc(1 << 20);
    memset(big, 'x', (1 << 20) - 1);
    big[(1 << 20) - 1] = '\0';
    char *copy = strdup(big);
    assert(copy && copy[0] == 'x');
    free(big);

    for (int i = 0; i < 20; i++)
        assert(fopen("/dev/null", "r") != NULL);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert(opened == 200);
    int null = open("/dev/null", O_WRONLY);
    assert(null >= 0);
    dup2(null, 1);
    close(0);
    return 0;
}
