/* trama/site.h — the user's call site, handed to every visible call.
 *
 * The public headers wrap each visible call in a macro that first stores __FILE__ and
 * __LINE__ in a thread-local slot; the function takes (and clears) it. The functions stay
 * ordinary functions: called by address they just have no site. Internal, not API. */
#ifndef TRAMA_SITE_H
#define TRAMA_SITE_H

#include <trama/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr__site_slot {
    const char *file;
    int line;
    const char *target; /* tr_thread_new: the target's spelling, for "Thread-N (target)" */
} tr__site_slot;

TR_PUBLIC extern _Thread_local tr__site_slot tr__site;

#define TR__SITE() ((void)(tr__site.file = __FILE__, tr__site.line = __LINE__))

#ifdef __cplusplus
}
#endif
#endif
