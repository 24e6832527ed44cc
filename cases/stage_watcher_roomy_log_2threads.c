/* Pattern:  a watcher polls a stage three times and logs each change it sees; its log
 *           holds as many changes as there are.
 * Expected: TR_PASS.
 * Trigger:  none: even seeing 0, 1 and 2 (3 preemptions) fits the log.
 * Twin:     stage_watcher_three_preemptions_2threads.c (TR_ASSERTION). */
#include <trama/harness.h>

enum { LOG_SIZE = 2 };

typedef struct job {
    _Atomic int stage; /* 0 queued, 1 running, 2 done */
    int log[LOG_SIZE];
} job;

static void work(void *arg)
{
    job *j = arg;
    TR_ATOMIC_STORE(j->stage, 1);
    TR_ATOMIC_STORE(j->stage, 2);
}

static void watch(void *arg)
{
    job *j = arg;
    int seen = TR_ATOMIC_LOAD(j->stage), changes = 0;
    for (int poll = 0; poll < 2; poll++) {
        int now = TR_ATOMIC_LOAD(j->stage);
        if (now == seen)
            continue;
        TR_ASSERT(changes < LOG_SIZE);
        if (changes < LOG_SIZE)
            j->log[changes++] = now;
        seen = now;
    }
}

TR_CASE(stage_watcher_roomy_log_2threads, TR_PASS)
{
    job *j = tr_case_alloc(sizeof *j);
    tr_thread *w = tr_thread_new(work, j, &(tr_thread_opts){.name = "worker"});
    tr_thread *v = tr_thread_new(watch, j, &(tr_thread_opts){.name = "watcher"});
    tr_thread_start(w);
    tr_thread_start(v);
    tr_thread_join(w, TR_FOREVER);
    tr_thread_join(v, TR_FOREVER);
    tr_thread_free(w);
    tr_thread_free(v);
}
