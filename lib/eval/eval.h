/* The reference evaluator: runs a jaxpr on dense arrays with lax's (XLA's
 * CPU) semantics, one equation at a time. It is the oracle the compiler's
 * output is checked against, so it aims to be obviously right, not fast. */
#ifndef TJ_EVAL_H
#define TJ_EVAL_H
#include <stdbool.h>

#include "array.h"
#include "ir.h"
#include "limits.h"
#include "prims.h"
#include "tjit.h"
#include "work.h"

typedef struct eval_state {
  const ir_module *m;
  const diag_at *at;        /* where the failure is reported */
  bool failed;              /* reported: a failure has one message, its first */
  int depth;                /* nesting of sub-jaxprs (bounded) */
  work_table works;         /* the work of each jaxpr (work.h) */
  unsigned long long work, max_work; /* charged so far, and the budget */
  bool internal;            /* the failure is a bug of tjit's (eval_bug) */
  bool over_budget;         /* the failure is the work budget's */
  bool nomem;               /* the failure is an array that could not be allocated */
} eval_state;

/* Evaluates j: inputs are its constvars' then its invars' arrays (borrowed);
 * outputs[0..j->nout) receive new arrays, the caller's to free. On failure
 * returns TJ_ERR_PROGRAM (the program's: an array too large),
 * TJ_ERR_BUDGET (more work than max_work elements, charged as work.h
 * says: a loop that never ends; or an array's memory could not be had)
 * or TJ_ERR_INTERNAL (tjit's: a primitive or a param the evaluator has no
 * rule for), with no output set and one error reported at at: of kind
 * budget for a budget, else of the list's kind. */
tj_status eval_jaxpr_budget(const diag_at *at, const ir_module *m, const ir_jaxpr *j,
                            const tj_array *const *inputs, tj_array **outputs, long long max_work);
/* The same with the default budget, TJ_MAX_WORK. */
tj_status eval_jaxpr(const diag_at *at, const ir_module *m, const ir_jaxpr *j, const tj_array *const *inputs,
                     tj_array **outputs);

/* For the rules (eval_*.c): */
/* Evaluates a sub-jaxpr inside an equation. */
bool eval_sub(eval_state *s, const ir_jaxpr *j, const tj_array *const *inputs, tj_array **outputs);
/* Charges n elements of work; false (the budget's message) when the run
 * is then over its budget. */
bool eval_charge(eval_state *s, int64_t n);
/* Reports the failure's message (unless one was) and returns false. */
bool eval_fail(eval_state *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for a bug of tjit's: "internal error: " and the message. */
bool eval_bug(eval_state *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A new zeroed array of aval, or NULL after eval_fail. */
tj_array *eval_new(eval_state *s, const tj_aval *aval);
/* A copy of a, or NULL after the out-of-memory failure. */
tj_array *eval_copy(eval_state *s, const tj_array *a);
/* A new array of output k's aval. */
tj_array *eval_new_out(eval_state *s, const ir_eqn *e, uint32_t k);
/* Row-major strides of a's dims. */
void eval_strides(const tj_array *a, int64_t *strides);
/* Frees out[0..n) and clears them. */
void eval_free_all(tj_array **out, uint32_t n);

#endif
