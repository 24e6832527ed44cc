/* Pattern:  dining philosophers with resource ordering: lower-numbered fork first.
 * Expected: TR_PASS.
 * Trigger:  none: hume takes fork 0 before fork 2, so no cycle can close.
 * Twin:     dining_philosophers_3threads.c (TR_DEADLOCK). */
#include <trama/harness.h>

enum { N = 3 };

typedef struct seat {
    tr_lock *first, *second;
} seat;

static void dine(void *arg)
{
    seat *s = arg;
    tr_lock_acquire(s->first, true, TR_FOREVER);
    tr_lock_acquire(s->second, true, TR_FOREVER);
    tr_lock_release(s->second);
    tr_lock_release(s->first);
}

TR_CASE(dining_philosophers_ordered_3threads, TR_PASS)
{
    static const char *const names[N] = {"plato", "kant", "hume"};
    tr_lock **fork = tr_case_alloc(N * sizeof *fork);
    seat *seats = tr_case_alloc(N * sizeof *seats);
    tr_thread **t = tr_case_alloc(N * sizeof *t);
    for (int i = 0; i < N; i++)
        fork[i] = tr_lock_new();
    for (int i = 0; i < N; i++) {
        int a = i, b = (i + 1) % N;
        seats[i] = a < b ? (seat){fork[a], fork[b]} : (seat){fork[b], fork[a]};
    }
    for (int i = 1; i < N; i++) { /* the main thread is plato */
        t[i] = tr_thread_new(dine, &seats[i], &(tr_thread_opts){.name = names[i]});
        tr_thread_start(t[i]);
    }
    dine(&seats[0]);
    for (int i = 1; i < N; i++) {
        tr_thread_join(t[i], TR_FOREVER);
        tr_thread_free(t[i]);
    }
    for (int i = 0; i < N; i++)
        tr_lock_free(fork[i]);
}
