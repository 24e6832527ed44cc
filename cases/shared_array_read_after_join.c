/* Pattern:  two worker processes fill their items of a multiprocessing.Array('i', 2,
 *           lock=False) through its raw storage; the parent joins both, then reads.
 * Expected: TR_PASS (each worker's exit happens before its join returns).
 * Trigger:  none.
 * Twin:     shared_array_read_before_join.c (TR_DATA_RACE, reads before the joins). */
#include <trama/harness.h>

typedef struct job {
    tr_shared *a;
    int item;
} job;

static void fill(void *arg)
{
    job *j = arg;
    int *items = tr_shared_data(j->a);
    TR_STORE(items[j->item], j->item + 1);
}

TR_CASE(shared_array_read_after_join, TR_PASS)
{
    job *jobs = tr_case_alloc(2 * sizeof *jobs);
    tr_shared *a = tr_shared_array_new('i', 2, false);
    tr_process *p[2];
    for (int i = 0; i < 2; i++) {
        jobs[i] = (job){a, i};
        p[i] = tr_process_new(fill, &jobs[i], NULL);
        TR_ASSERT(tr_process_start(p[i]) == TR_OK);
    }
    for (int i = 0; i < 2; i++) {
        tr_process_join(p[i], TR_FOREVER);
        tr_process_free(p[i]);
    }
    int sum = 0;
    for (int i = 0; i < 2; i++) {
        int x = 0;
        tr_shared_get(a, i, &x);
        sum += x;
    }
    TR_ASSERT(sum == 3);
    tr_shared_free(a);
}
