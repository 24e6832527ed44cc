/* Pattern:  two worker processes fill their items of a multiprocessing.Array('i', 2,
 *           lock=False) through its raw storage; the parent reads the items before it
 *           joins them.
 * Expected: TR_DATA_RACE (a worker's write and the parent's read are not ordered by
 *           happens-before; where the read comes first, the parent also sees a 0).
 * Trigger:  the parent reads while a worker has not written yet.
 * Twin:     shared_array_read_after_join.c (TR_PASS, reads after both joins). */
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

TR_CASE(shared_array_read_before_join, TR_DATA_RACE)
{
    job *jobs = tr_case_alloc(2 * sizeof *jobs);
    tr_shared *a = tr_shared_array_new('i', 2, false);
    tr_process *p[2];
    for (int i = 0; i < 2; i++) {
        jobs[i] = (job){a, i};
        p[i] = tr_process_new(fill, &jobs[i], NULL);
        TR_ASSERT(tr_process_start(p[i]) == TR_OK);
    }
    int sum = 0;
    for (int i = 0; i < 2; i++) {
        int x = 0;
        tr_shared_get(a, i, &x);
        sum += x;
    }
    for (int i = 0; i < 2; i++) {
        tr_process_join(p[i], TR_FOREVER);
        tr_process_free(p[i]);
    }
    TR_ASSERT(sum == 3);
    tr_shared_free(a);
}
