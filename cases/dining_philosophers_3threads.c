/* Pattern:  dining philosophers, each takes the left fork then the right one.
 * Expected: TR_DEADLOCK.
 * Trigger:  every philosopher holds its left fork when the cycle closes; 1 preemption
 *           (after the first left fork; the others follow as each one blocks).
 * Twin:     dining_philosophers_ordered_3threads.c (TR_PASS). */
#include <trama/harness.h>

enum { N = 3 };

typedef struct seat {
    tr_lock *left, *right;
} seat;

static void dine(void *arg)
{
    seat *s = arg;
    tr_lock_acquire(s->left, true, TR_FOREVER);
    tr_lock_acquire(s->right, true, TR_FOREVER);
    tr_lock_release(s->right);
    tr_lock_release(s->left);
}

TR_CASE(dining_philosophers_3threads, TR_DEADLOCK)
{
    static const char *const names[N] = {"plato", "kant", "hume"};
    tr_lock **fork = tr_case_alloc(N * sizeof *fork);
    seat *seats = tr_case_alloc(N * sizeof *seats);
    tr_thread **t = tr_case_alloc(N * sizeof *t);
    for (int i = 0; i < N; i++)
        fork[i] = tr_lock_new();
    for (int i = 0; i < N; i++)
        seats[i] = (seat){fork[i], fork[(i + 1) % N]};
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
