/* cc_runtime.h — what the files of trama-cc's runtime share. Never installed.
 *
 * trama-cc compiles a program with the compiler's ThreadSanitizer instrumentation and
 * links it against this runtime instead of TSan's (the approach of the Linux kernel's
 * KCSAN): the __tsan_* callbacks become the harness's declared accesses, and the program's
 * calls to pthread, semaphore, heap and process-ending functions reach this runtime's
 * __wrap_* definitions through the linker's --wrap (trama-cc passes one per function).
 *
 *   cc_program.c  the program's main as the case: the initial state restored before
 *                 every execution, the CLI, exit/abort/assert
 *   cc_heap.c     the program's own heap blocks, reclaimed between executions
 *   cc_files.c    the program's descriptors and streams, closed between executions
 *   cc_site.c     a code address to file:line (cached), the finding helpers
 *   cc_tsan.c     the __tsan_* callbacks
 *   cc_thread.c   pthread_create, join, exit and the others on threads
 *   cc_key.c      thread-specific data (pthread_key_create and the others)
 *   cc_mutex.c    mutexes and condition variables
 *   cc_sync.c     semaphores, spin locks, rwlocks, barriers, pthread_once, yields and
 *                 sleeps
 *   cc_handle.c   how those find their trama objects from the program's objects
 *   cc_time.c     the virtual clock, rand()
 *   cc_main_stub.c  linked into the program itself: __wrap_main, which alone can name
 *                 the program's main (the linker's __real_main)
 *
 * The runtime is a shared library: its own globals (the harness's among them) live outside
 * the program's writable segment, which is what cc_program.c restores. */
#ifndef TRAMA_CC_RUNTIME_H
#define TRAMA_CC_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>

#include "../../harness/src/execution.h"

/* In a __wrap_ or __tsan_ function: the program's call site (its return address). */
#define RA __builtin_return_address(0)

/* Whether the program's code runs now as a thread of an execution (not before the first
 * one, between two, or in a command such as list that runs none). */
bool tr__cc_controlled(void);

/* The execution's number in this process, raised at each start: an object the runtime
 * attached to the program's memory in an earlier execution is recognised as stale. */
extern unsigned tr__cc_epoch;

/* Puts the source line of a code address (a callback's return address) in the site slot
 * that the next primitive call takes. */
void tr__cc_site(const void *return_address);
/* A finding of kind at the source line of return_address, on the calling case thread;
 * ends: the execution stops there. */
void tr__cc_finding(tr_verdict kind, bool ends, const void *return_address, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));

/* cc_tsan.c: a plain access the runtime makes for the program (a pthread_key_t it writes),
 * seen as the program's own at return_address. */
void tr__cc_access(const void *addr, size_t size, bool write, const void *return_address);

/* cc_key.c: forgets the previous execution's keys; runs the calling thread's destructors
 * (it is ending). */
void tr__cc_keys_reset(void);
void tr__cc_keys_thread_exit(void);

/* cc_heap.c: frees every block the program allocated in the previous execution. */
void tr__cc_heap_reclaim(void);

/* cc_files.c: closes what the program opened in the previous execution and puts back the
 * descriptors of the initial state it closed or replaced. */
void tr__cc_files_reclaim(void);

/* cc_thread.c: forgets the previous execution's threads. */
void tr__cc_threads_reset(void);

/* cc_mutex.c: the execution's allowance of spurious wake-ups, afresh. */
void tr__cc_spurious_reset(void);

/* cc_handle.c: the trama object a program's object of size bytes names in this execution
 * (NULL: none yet); setting NULL forgets it. */
void *tr__cc_handle_get(const void *obj, size_t size);
void tr__cc_handle_set(void *obj, size_t size, void *object);

/* cc_time.c: the virtual clock as the program reads it (seconds), and the seconds left
 * until an absolute deadline on it (0 when it has passed); rand() from seed 1 again. */
struct timespec;
double tr__cc_now(void);
double tr__cc_timeout_until(const struct timespec *deadline);
/* An absolute deadline as POSIX takes it (else EINVAL: nanoseconds out of range). */
bool tr__cc_deadline_valid(const struct timespec *deadline);
void tr__cc_random_reset(void);

/* cc_program.c: the program's main, as the stub linked into it hands it over. */
typedef int (*tr__cc_main_fn)(int, char **, char **);
TR_PUBLIC int tr__cc_run(int argc, char **argv, char **envp, tr__cc_main_fn program_main);
/* pthread_exit on the main thread: main ends there once every other thread has. */
_Noreturn void tr__cc_main_thread_exit(void);

#endif
