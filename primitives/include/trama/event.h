/* trama/event.h — threading.Event. */
#ifndef TRAMA_EVENT_H
#define TRAMA_EVENT_H

#include <stdbool.h>
#include <trama/site.h>
#include <trama/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_event tr_event;

/* Event(): a new event, its flag false. NULL + TR_NO_MEMORY. */
TR_PUBLIC tr_event *tr_event_new(void);
/* is_set(): the flag. True means a set() happened before this call returned. */
TR_PUBLIC bool tr_event_is_set(const tr_event *);
/* set(): the flag becomes true and every waiter wakes. TR_OK. */
TR_PUBLIC tr_status tr_event_set(tr_event *);
/* clear(): the flag becomes false; later waits block until the next set(). TR_OK. */
TR_PUBLIC tr_status tr_event_clear(tr_event *);
/* wait(timeout=None): TR_OK when the flag is set on entry or a set() happens while
 * waiting (even if a clear() followed before this thread ran again: Python returns
 * Condition.wait's True); TR_TIMEOUT otherwise. TR_FOREVER (-1) waits without limit;
 * any other timeout <= 0, or NaN, only looks at the flag (Condition.wait polls). Not
 * set and timeout >= 2^63 ns: TR_VALUE_ERROR "timestamp out of range for platform time_t"
 * (Python's OverflowError). */
TR_PUBLIC tr_status tr_event_wait(tr_event *, double timeout);
/* Frees the event (waiters must be gone). NULL: no-op. */
TR_PUBLIC void tr_event_free(tr_event *);

#define tr_event_new() (TR__SITE(), tr_event_new())
#define tr_event_is_set(...) (TR__SITE(), tr_event_is_set(__VA_ARGS__))
#define tr_event_set(...) (TR__SITE(), tr_event_set(__VA_ARGS__))
#define tr_event_clear(...) (TR__SITE(), tr_event_clear(__VA_ARGS__))
#define tr_event_wait(...) (TR__SITE(), tr_event_wait(__VA_ARGS__))

#ifdef __cplusplus
}
#endif
#endif
