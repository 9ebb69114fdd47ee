/* The large allocations (alloc.h): malloc's, counted and failed on demand
 * in the fault-injection build only. */
#include "alloc.h"
#include "tjit.h"

#include <stdlib.h>
#include <string.h>

#ifdef TJ_ALLOC_FAULTS
/* Process-global on purpose, and only in this test build: the fault has to
 * reach allocations made deep inside the evaluator, libtcc's code memory
 * and the buffer printers, none of which sees a tj_ctx. The normal library
 * keeps no global state and has no counter at all. */
static unsigned long made, fail_at;

void tj_alloc_fail_at(unsigned long k) { made = 0, fail_at = k; }
unsigned long tj_alloc_count(void) { return made; }

static int injected_failure(void) { return ++made == fail_at; }
#else
static int injected_failure(void) { return 0; }
#endif

void *big_malloc(size_t bytes) { return injected_failure() ? NULL : malloc(bytes ? bytes : 1); }
void *big_calloc(size_t bytes) { return injected_failure() ? NULL : calloc(1, bytes ? bytes : 1); }
void *big_realloc(void *p, size_t bytes) { return injected_failure() ? NULL : realloc(p, bytes ? bytes : 1); }
void big_free(void *p) { free(p); }
