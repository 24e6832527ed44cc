/* driver.c — runs a fuzz target's entry function over files, without libFuzzer: the
 * regression check of `make check` (every file of the seed corpus and of the crashes
 * found so far goes through LLVMFuzzerTestOneInput, and must neither crash nor trip a
 * sanitizer in a sanitized build).
 *
 *   fuzz_X_corpus DIR|FILE...   exit 0, or 1 when nothing could be read */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "driver: cannot read %s\n", path);
        return 0;
    }
    size_t cap = 4096, n = 0;
    uint8_t *data = malloc(cap);
    size_t k;
    while (data && (k = fread(data + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            uint8_t *grown = realloc(data, cap *= 2);
            if (!grown)
                free(data);
            data = grown;
        }
    }
    fclose(f);
    if (!data) {
        fprintf(stderr, "driver: out of memory reading %s\n", path);
        return 0;
    }
    /* libFuzzer hands over a copy of exactly size bytes: so does this driver, so that a
     * read past the end is seen by AddressSanitizer here too */
    uint8_t *exact = malloc(n ? n : 1);
    if (exact) {
        memcpy(exact, data, n);
        LLVMFuzzerTestOneInput(exact, n);
    }
    free(exact);
    free(data);
    return exact != NULL;
}

static int compare(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory's regular files, in name order (the run reads the same way every time). */
static int run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **grown = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
            if (!grown)
                break;
            names = grown;
        }
        if (asprintf(&names[n], "%s/%s", dir, e->d_name) >= 0)
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, compare);
    int ran = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
            ran += run_file(names[i]);
        free(names[i]);
    }
    free(names);
    return ran;
}

int main(int argc, char **argv)
{
    int ran = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0)
            continue; /* a regression folder with nothing in it yet is not in git */
        ran += S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]);
    }
    printf("%d input%s ran\n", ran, ran == 1 ? "" : "s");
    return ran > 0 ? 0 : 1;
}
