/* fiber.c — user-level contexts for the controlled backend's case threads.
 *
 * A fiber is a stack of its own plus the registers a call must preserve. On x86-64 a
 * switch is a plain call into a dozen instructions: push the callee-saved registers and
 * the floating-point control words (mxcsr, x87 control word) on the current stack, save
 * rsp, load the other fiber's rsp, pop the same. Elsewhere it is swapcontext (which also
 * makes a signal-mask system call). A switch carries no thread-locals: the caller moves
 * whatever thread-local state must follow a fiber. Under ThreadSanitizer every switch is
 * announced through its fiber API, so each fiber keeps its own shadow stack and clock.
 *
 * Stacks are mapped once per fiber, with a guard page below, and reused: resetting a
 * fiber only rewrites where its next switch-in starts. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness_internal.h"
#include "../../primitives/src/tsan.h"

#ifdef TR__HAVE_VALGRIND
#include <valgrind/valgrind.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIBER_ASAN 1
#endif
#endif

#ifndef MAP_STACK
#define MAP_STACK 0
#endif
#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0
#endif

#ifdef TR__TSAN
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
#endif

bool tr__fiber_supported(void)
{
#ifdef FIBER_ASAN
    /* AddressSanitizer must be told of every stack switch (__sanitizer_start_switch_fiber);
     * we do not, so an ASan build runs case threads as pthreads. */
    return false;
#else
    return true;
#endif
}

#if TR__FIBER_ASM

/* fiber_swap(&from->sp, to->sp). A fresh stack is laid out as if fiber_swap had been
 * called from fiber_start with entry in r12 and arg in r13 (prepare below). fiber_start
 * marks the bottom of the call chain for unwinders (.cfi_undefined rip). */
void tr__fiber_swap(void **save_sp, void *load_sp);
void tr__fiber_start(void);
__asm__(".text\n"
        ".p2align 4\n"
        ".globl tr__fiber_swap\n"
        ".hidden tr__fiber_swap\n"
        ".type tr__fiber_swap, @function\n"
        "tr__fiber_swap:\n"
        "    pushq %rbp\n"
        "    pushq %rbx\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    subq $8, %rsp\n"
        "    stmxcsr (%rsp)\n"
        "    fnstcw 4(%rsp)\n"
        "    movq %rsp, (%rdi)\n"
        "    movq %rsi, %rsp\n"
        "    ldmxcsr (%rsp)\n"
        "    fldcw 4(%rsp)\n"
        "    addq $8, %rsp\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    ret\n"
        ".size tr__fiber_swap, .-tr__fiber_swap\n"
        ".p2align 4\n"
        ".globl tr__fiber_start\n"
        ".hidden tr__fiber_start\n"
        ".type tr__fiber_start, @function\n"
        "tr__fiber_start:\n"
        "    .cfi_startproc\n"
        "    .cfi_undefined rip\n"
        "    movq %r13, %rdi\n"
        "    callq *%r12\n"
        "    ud2\n"
        "    .cfi_endproc\n"
        ".size tr__fiber_start, .-tr__fiber_start\n");

/* The initial frame, from the top of the stack down: two empty slots (rsp is 16-aligned
 * once fiber_swap's ret has popped the return address, as a call expects), the return
 * address fiber_start, rbp, rbx, r12 = entry, r13 = arg, r14, r15, then the control words
 * (mxcsr, then the x87 control word, the creator's current values). */
static void prepare(tr__fiber *f)
{
    uintptr_t top = ((uintptr_t)f->stack + f->stack_size) & ~(uintptr_t)15;
    uint64_t *sp = (uint64_t *)top;
    uint32_t mxcsr;
    uint16_t fpucw;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(fpucw));
    *--sp = 0;
    *--sp = 0;
    *--sp = (uint64_t)(uintptr_t)tr__fiber_start;
    *--sp = 0;                          /* rbp */
    *--sp = 0;                          /* rbx */
    *--sp = (uint64_t)(uintptr_t)f->entry; /* r12 */
    *--sp = (uint64_t)(uintptr_t)f->arg;   /* r13 */
    *--sp = 0;                          /* r14 */
    *--sp = 0;                          /* r15 */
    *--sp = (uint64_t)mxcsr | (uint64_t)fpucw << 32;
    f->sp = sp;
}

#else /* ucontext */

/* makecontext passes ints: the fiber's address travels in two halves. */
static void ucontext_entry(unsigned hi, unsigned lo)
{
    tr__fiber *f = (tr__fiber *)(uintptr_t)(((uint64_t)hi << 32) | lo);
    f->entry(f->arg);
    TR_CHECK(false, "a fiber's entry returned");
}

static void prepare(tr__fiber *f)
{
    uint64_t p = (uint64_t)(uintptr_t)f;
    TR_CHECK(getcontext(&f->uc) == 0, "getcontext failed");
    f->uc.uc_stack.ss_sp = f->stack;
    f->uc.uc_stack.ss_size = f->stack_size;
    f->uc.uc_link = NULL;
    makecontext(&f->uc, (void (*)(void))ucontext_entry, 2, (unsigned)(p >> 32), (unsigned)p);
}

#endif

void tr__fiber_init_current(tr__fiber *f)
{
    memset(f, 0, sizeof *f);
#ifdef TR__TSAN
    f->tsan = __tsan_get_current_fiber();
#endif
}

bool tr__fiber_create(tr__fiber *f, size_t stack_size, void (*entry)(void *), void *arg)
{
    memset(f, 0, sizeof *f);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    stack_size = (stack_size + page - 1) / page * page;
    char *map = mmap(NULL, stack_size + page, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (map == MAP_FAILED)
        return false;
    if (mprotect(map, page, PROT_NONE) != 0) { /* the guard page: an overflow faults */
        munmap(map, stack_size + page);
        return false;
    }
    f->stack = map + page;
    f->stack_size = stack_size;
#ifdef TR__HAVE_VALGRIND
    /* Valgrind otherwise guesses a switch from the size of the jump in rsp, and may take
     * the fiber's frames for the driver's (a no-op outside valgrind; stacks are never
     * unmapped, so never deregistered). */
    (void)VALGRIND_STACK_REGISTER(f->stack, f->stack + stack_size);
#endif
    f->entry = entry;
    f->arg = arg;
#ifdef TR__TSAN
    f->tsan = __tsan_create_fiber(0);
#endif
    prepare(f);
    return true;
}

void tr__fiber_reset(tr__fiber *f)
{
#ifdef TR__TSAN
    /* Its shadow stack still holds the abandoned frames: start from a new one. */
    __tsan_destroy_fiber(f->tsan);
    f->tsan = __tsan_create_fiber(0);
#endif
    prepare(f);
}

void tr__fiber_switch(tr__fiber *from, tr__fiber *to)
{
#ifdef TR__TSAN
    /* flags 0: the switch is a happens-before edge, as the semaphore hand-over is. */
    __tsan_switch_to_fiber(to->tsan, 0);
#endif
#if TR__FIBER_ASM
    tr__fiber_swap(&from->sp, to->sp);
#else
    TR_CHECK(swapcontext(&from->uc, &to->uc) == 0, "swapcontext failed");
#endif
}

size_t tr__fiber_default_stack(void)
{
    /* What a host pthread would get (RLIMIT_STACK on Linux, usually 8 MiB): a case that
     * fits on a thread's stack fits on a fiber's. Only touched pages cost memory. */
    size_t size = 0;
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) == 0) {
        pthread_attr_getstacksize(&attr, &size);
        pthread_attr_destroy(&attr);
    }
    return size >= (size_t)64 << 10 ? size : (size_t)8 << 20;
}
