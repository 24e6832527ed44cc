/* Pattern:  a retry path starts the same Thread object a second time.
 * Expected: TR_RUNTIME_ERROR_FOUND ("threads can only be started once").
 * Trigger:  every schedule: the second start always fails; 0 preemptions.
 * Twin:     none (a fresh Thread per start is the fix; see counter_locked_increment). */
#include <trama/harness.h>

typedef struct task {
    int runs;
} task;

static void work(void *arg)
{
    task *s = arg;
    TR_STORE(s->runs, TR_LOAD(s->runs) + 1);
}

TR_CASE(thread_started_twice, TR_RUNTIME_ERROR_FOUND)
{
    task *s = tr_case_alloc(sizeof *s);
    tr_thread *t = tr_thread_new(work, s, &(tr_thread_opts){.name = "worker"});
    tr_thread_start(t);
    tr_thread_join(t, TR_FOREVER);
    if (TR_LOAD(s->runs) < 2)
        tr_thread_start(t); /* "run it once more": a Thread cannot be restarted */
    tr_thread_join(t, TR_FOREVER);
    tr_thread_free(t);
}
