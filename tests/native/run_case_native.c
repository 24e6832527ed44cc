/* run_case_native.c — runs one case body directly on real threads, without the controlled
 * scheduler: the primitives run on the native backend, TR_LOAD/TR_STORE are plain
 * accesses, TR_ASSERT prints and aborts. After the body, the non-daemon threads are
 * waited for, as at Python's exit (a worker blocked for good is then a timeout). Built
 * with -fsanitize=thread by scripts/tsan-crosscheck, which runs each case many times
 * under TRAMA_NOISE.
 *
 *   run_case_native --list          every case and its expected verdict
 *   run_case_native CASE            run it once; misuse is printed as
 *                                   "trama-native: misuse KIND at FILE:LINE: MESSAGE" */
#include <stdio.h>
#include <string.h>
#include <trama/harness.h>

static void on_misuse(tr_status status, const char *message, const char *file, int line,
                      void *ctx)
{
    (void)ctx;
    const char *kind = status == TR_RUNTIME_ERROR ? "runtime_error"
                       : status == TR_VALUE_ERROR ? "value_error"
                       : status == TR_OS_ERROR    ? "os_error"
                                                  : tr_status_name(status);
    fprintf(stderr, "trama-native: misuse %s at %s:%d: %s\n", kind, file ? file : "?", line,
            message ? message : "");
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < tr_case_count(); i++)
            printf("%s %s\n", tr_case_at(i)->name, tr_verdict_name(tr_case_at(i)->expected));
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: run_case_native --list | CASE\n");
        return 2;
    }
    const tr_case *c = tr_case_find(argv[1]);
    if (!c) {
        fprintf(stderr, "run_case_native: no case named %s\n", argv[1]);
        return 2;
    }
    tr_set_misuse_hook(on_misuse, NULL);
    c->body();
    fprintf(stderr, "trama-native: %s returned\n", c->name);
    tr_threading_shutdown();
    return 0;
}
