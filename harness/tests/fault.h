/* fault.h — where a test case stores to crash: a page mapped with no access, so the store
 * faults (SIGSEGV) as a bad pointer does, without being the null dereference that UBSan
 * stops first (an ASan + UBSan build would abort there, and the crash handler under test
 * would never run). The includer defines _DEFAULT_SOURCE (MAP_ANONYMOUS) before any
 * system header. */
#ifndef TRAMA_TEST_FAULT_H
#define TRAMA_TEST_FAULT_H

#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

/* The same page on every call; NULL (a null store then) if it cannot be mapped. */
static int *fault_address(void)
{
    static int *page;
    if (!page) {
        void *p = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        page = p == MAP_FAILED ? NULL : p;
    }
    return page;
}

#endif
