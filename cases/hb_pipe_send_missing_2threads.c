/* Pattern:  send -> recv edge missing: the sender sends its message first and stores
 *           the int after, so the message carries nothing of the store.
 * Expected: TR_DATA_RACE (TR_ASSERTION also found: the receiver can see 0).
 * Trigger:  none for the race (0 preemptions); the receiver loading before the store
 *           shows the 0.
 * Twin:     hb_pipe_send_2threads.c (TR_PASS, the store before send). */
#include <stdlib.h>
#include <trama/harness.h>

typedef struct shared {
    tr_connection *rx, *tx; /* one-way: rx receives, tx sends */
    int data;
} shared;

static void sender(void *arg)
{
    shared *s = arg;
    tr_connection_send(s->tx, "x", 1);
    TR_STORE(s->data, 42);
}

static void receiver(void *arg)
{
    shared *s = arg;
    void *buf = NULL;
    size_t len = 0;
    tr_status st = tr_connection_recv(s->rx, &buf, &len);
    free(buf);
    TR_ASSERT(st == TR_OK && len == 1);
    TR_ASSERT(TR_LOAD(s->data) == 42);
}

TR_CASE(hb_pipe_send_missing_2threads, TR_DATA_RACE)
{
    shared *s = tr_case_alloc(sizeof *s);
    TR_ASSERT(tr_pipe(false, &s->rx, &s->tx) == TR_OK);
    tr_thread *snd = tr_thread_new(sender, s, &(tr_thread_opts){.name = "sender"});
    tr_thread *rcv = tr_thread_new(receiver, s, &(tr_thread_opts){.name = "receiver"});
    tr_thread_start(snd);
    tr_thread_start(rcv);
    tr_thread_join(snd, TR_FOREVER);
    tr_thread_join(rcv, TR_FOREVER);
    tr_thread_free(snd);
    tr_thread_free(rcv);
    tr_connection_free(s->rx);
    tr_connection_free(s->tx);
}
