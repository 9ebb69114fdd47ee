/* A run's memory, estimated from the jaxpr's avals before anything is
 * allocated, so that a run too large for the machine is refused with the
 * sizes named (tj_run_opts.max_memory) instead of paging or being killed.
 *
 * The model is the reference evaluator's, an upper bound for compiled code
 * too (which fuses elementwise runs and shares reshaped buffers): every
 * equation's outputs are allocated when it runs, and a temporary is freed
 * after its last reader; while an equation runs, its operands and its
 * outputs are live. A loop's or a call's sub-jaxprs add, during that
 * equation, their own inputs, outputs and temporaries, counted again
 * (conservatively: a body's inputs may alias the caller's arrays). */
#ifndef TJ_MEM_ESTIMATE_H
#define TJ_MEM_ESTIMATE_H
#include <stdint.h>

#include "dtype.h"
#include "ir.h"

/* Largest temporaries an estimate keeps, to name in a refusal. */
#define MEM_NAMED 3

typedef struct mem_estimate {
  uint64_t temps;              /* bytes of temporaries live at once, at most */
  tj_aval big[MEM_NAMED];      /* the largest temporaries, largest first */
  uint32_t nbig;
} mem_estimate;

/* The bytes of an array of aval a. */
uint64_t mem_bytes(const tj_aval *a);

/* The temporaries of j (its inputs and outputs are the caller's to count). */
void mem_estimate_jaxpr(const ir_module *m, const ir_jaxpr *j, mem_estimate *out);

/* "1.5 GiB", "512 KiB", "12 B": bytes in the largest binary unit that
 * leaves a number of at least 1, with one decimal above bytes. */
void mem_format(uint64_t bytes, char *out, int outsize);

#endif
