/* tsan.h — what ThreadSanitizer is told when the library is built with -fsanitize=thread.
 *
 * The native backend's monitors are an implementation detail: their mutexes would give
 * TSan happens-before edges Python does not have (a failed try-acquire, two unrelated
 * reads of a lock's state) and hide real races. So the monitor's synchronisation is
 * ignored, and each action announces exactly the edges its effect named (tr__hb).
 * With the monitor's edges gone, the state it protects (a lock's flag, the monitor's
 * waiter count, a condition's waiter list) would look racy, so memory accesses inside the
 * monitor are ignored too: TSan sees a primitive only through its announced edges. */
#ifndef TRAMA_TSAN_H
#define TRAMA_TSAN_H

#include "internal.h"

#if defined(__SANITIZE_THREAD__)
#define TR__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TR__TSAN 1
#endif
#endif

#ifdef TR__TSAN
#define TR__TSAN_ENABLED 1
#else
#define TR__TSAN_ENABLED 0
#endif

#ifdef TR__TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
void AnnotateIgnoreSyncBegin(const char *file, int line);
void AnnotateIgnoreSyncEnd(const char *file, int line);
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);

static inline void tr__tsan_ignore_begin(void)
{
    AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
    AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
    AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
}
static inline void tr__tsan_ignore_end(void)
{
    AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
    AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
    AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
}
static inline void tr__tsan_action_done(const tr__action *a)
{
    for (int i = 0; i < a->n_hb; i++) {
        if (a->hb[i].kind == TR__HB_ACQUIRE)
            __tsan_acquire(a->hb[i].obj);
        else
            __tsan_release(a->hb[i].obj);
    }
}
static inline void tr__tsan_object_created(tr__object *obj) { (void)obj; }
static inline void tr__tsan_object_destroyed(tr__object *obj) { (void)obj; }
#else
static inline void tr__tsan_object_created(tr__object *obj) { (void)obj; }
static inline void tr__tsan_object_destroyed(tr__object *obj) { (void)obj; }
static inline void tr__tsan_ignore_begin(void) {}
static inline void tr__tsan_ignore_end(void) {}
static inline void tr__tsan_action_done(const tr__action *a) { (void)a; }
#endif

#endif
