/* tsan.h — what ThreadSanitizer is told when the library is built with -fsanitize=thread.
 *
 * The native backend's monitors are an implementation detail: their mutexes would give
 * TSan happens-before edges Python does not have (a failed try-acquire, two unrelated
 * reads of a lock's state) and hide real races. So the monitor's synchronisation is
 * ignored, and each action announces exactly the edges its effect named (tr__hb).
 * With the monitor's edges gone, the state it protects (a lock's flag, the monitor's
 * waiter count, a condition's waiter list) would look racy, so memory accesses inside the
 * monitor are ignored too: TSan sees a primitive only through its announced edges.
 *
 * Locks as TSan mutexes. A Lock or RLock is also announced as a mutex at its object's
 * address (__tsan_mutex_*), from the effects' a->mutex_acquired / a->mutex_released, inside
 * the monitor (so in the order the actions happened), and TSan's deadlock detector sees
 * lock-order inversions on them. RLock is write_reentrant; only its first acquire and
 * final release are announced (the effects name no others), so TSan's depth stays 1.
 * Non-blocking and timed acquires are try-locks (no lock-order edge into them; a timeout
 * is a failed try-lock).
 *
 * A Lock may be released by a thread that did not acquire it (legal in Python). TSan
 * knows no such unlock: an unlock by the wrong thread is reported, and only the holder's
 * own thread can take the mutex out of its held set (else every later lock of that
 * thread gets a false lock-order edge, and its held-lock table overflows). Destroying and
 * re-creating the mutex does not work either (TSan reports "destroy of a locked mutex").
 * So a foreign release *orphans* the TSan hold: nothing is announced then; the holder
 * thread announces the unlock itself at the start of its next action (every lock it takes
 * is an action, so no false edge is ever added). Until then TSan still believes the holder
 * has it, so a thread that acquires an orphaned Lock does not announce that hold (nor its
 * release): it is invisible to the deadlock detector, the one price of the scheme.
 *
 * A shared Lock or RLock (tr__object_init_shared) is not announced as a mutex: its holder
 * may be a thread of another process, which this process's TSan cannot know. TSan sees it
 * through its edges only. */
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

/* What TSan believes about one Lock/RLock; lives in its domain's monitor, guarded by the
 * monitor's mutex. */
typedef struct tr__tsan_mutex {
    tr__object *obj;                  /* NULL: not a lock (no annotations) */
    tr_thread *holder;                /* who TSan believes holds it; NULL: free for TSan */
    bool orphaned;                    /* released by another thread than holder */
    bool unannotated;                 /* the current hold was never announced */
    struct tr__tsan_mutex *next_orphan; /* in the orphan list (guarded by its mutex) */
} tr__tsan_mutex;

#ifdef TR__TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
void __tsan_mutex_create(void *addr, unsigned flags);
void __tsan_mutex_destroy(void *addr, unsigned flags);
void __tsan_mutex_pre_lock(void *addr, unsigned flags);
void __tsan_mutex_post_lock(void *addr, unsigned flags, int recursion);
int __tsan_mutex_pre_unlock(void *addr, unsigned flags);
void __tsan_mutex_post_unlock(void *addr, unsigned flags);
void AnnotateIgnoreSyncBegin(const char *file, int line);
void AnnotateIgnoreSyncEnd(const char *file, int line);
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);

/* compiler-rt's sanitizer/tsan_interface.h values (not every toolchain ships it). */
enum {
    TR__TSAN_WRITE_REENTRANT = 1 << 1,
    TR__TSAN_TRY_LOCK = 1 << 4,
    TR__TSAN_TRY_LOCK_FAILED = 1 << 5,
};

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

/* In tsan.c (they share the orphan list's spin lock). */
void tr__tsan_mutex_init(tr__tsan_mutex *tm, tr__object *obj);
void tr__tsan_mutex_fini(tr__tsan_mutex *tm);
/* Inside the monitor and the ignored region, after the effect: the mutex annotations. */
void tr__tsan_mutex_action(tr__tsan_mutex *tm, const tr__action *a);
void tr__tsan_orphans_adopt(tr_thread *self);

/* Inside the monitor, after the effect, outside the ignored region: the edges. */
static inline void tr__tsan_action_done(const tr__action *a)
{
    for (int i = 0; i < a->n_hb; i++) {
        if (a->hb[i].kind == TR__HB_ACQUIRE)
            __tsan_acquire(a->hb[i].obj);
        else
            __tsan_release(a->hb[i].obj);
    }
}

/* A private edge of trama's bookkeeping, from publish(addr) to every later receive(addr). */
static inline void tr__tsan_publish(void *addr) { __tsan_release(addr); }
static inline void tr__tsan_receive(void *addr) { __tsan_acquire(addr); }
#else
static inline void tr__tsan_publish(void *addr) { (void)addr; }
static inline void tr__tsan_receive(void *addr) { (void)addr; }
static inline void tr__tsan_ignore_begin(void) {}
static inline void tr__tsan_ignore_end(void) {}
static inline void tr__tsan_mutex_init(tr__tsan_mutex *tm, tr__object *obj)
{
    (void)tm;
    (void)obj;
}
static inline void tr__tsan_mutex_fini(tr__tsan_mutex *tm) { (void)tm; }
static inline void tr__tsan_orphans_adopt(tr_thread *self) { (void)self; }
static inline void tr__tsan_mutex_action(tr__tsan_mutex *tm, const tr__action *a)
{
    (void)tm;
    (void)a;
}
static inline void tr__tsan_action_done(const tr__action *a) { (void)a; }
#endif

#endif
