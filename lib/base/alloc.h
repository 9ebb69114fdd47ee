/* The library's large allocations: array data, the compiled code's
 * buffers, the generated C text, libtcc's code memory. Every one may fail
 * (NULL) and its caller ends the call with an "out of memory" diagnostic
 * (TJ_ERR_BUDGET); the small internal allocations (arena blocks, lists,
 * names) still end the process through TJ_OOM (see tjit.h).
 *
 * A test build (-DTJ_ALLOC_FAULTS, make check-oom) can fail the k-th large
 * allocation, as SQLite's fault injection does, to prove that each failure
 * ends in that diagnostic and leaks nothing (tests/oom/run). */
#ifndef TJ_ALLOC_H
#define TJ_ALLOC_H
#include <stdbool.h>
#include <stddef.h>

/* The one wording of the failure (diag_out_of_memory's messages): bytes,
 * then what they were for ("output 0", "the generated C code"). */
#define TJ_NOMEM_FMT "out of memory: could not allocate %zu bytes for "

void *big_malloc(size_t bytes);
/* bytes zeroed */
void *big_calloc(size_t bytes);
/* As realloc: NULL leaves p as it was. */
void *big_realloc(void *p, size_t bytes);
/* free(): big memory may also be freed with free() (a detached big tj_buf is) */
void big_free(void *p);

#endif
