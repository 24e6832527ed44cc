/* Pattern:  happens-before pipe send -> the recv of that message: a sender thread stores
 *           an int, then sends a one-byte message on a one-way tr_pipe; a receiver
 *           thread receives it, then loads the int.
 * Expected: TR_PASS (no data race; the receiver always sees 42).
 * Trigger:  none.
 * Twin:     hb_pipe_send_missing_2threads.c (TR_DATA_RACE, the store after send). */
#include <stdlib.h>
#include <trama/harness.h>

typedef struct shared {
    tr_connection *rx, *tx; /* one-way: rx receives, tx sends */
    int data;
} shared;

static void sender(void *arg)
{
    shared *s = arg;
    TR_STORE(s->data, 42);
    tr_connection_send(s->tx, "x", 1);
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

TR_CASE(hb_pipe_send_2threads, TR_PASS)
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
