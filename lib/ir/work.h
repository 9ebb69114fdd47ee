/* The work budget (limits.h TJ_MAX_WORK, tjit-run(1) --max-work): what a
 * run of a call is charged, in elements, the same in the reference
 * evaluator and in compiled code, so both stop at the same point.
 *
 * An equation's work is the elements it reads and writes (its operands'
 * and outputs'; a dot_general's multiply-adds instead of its outputs)
 * plus TJ_WORK_PER_EQN for the cost of any equation, however small. A
 * jit adds its jaxpr's work, a cond its costliest branch's; a loop
 * equation only its own operands and outputs, since its iterations are
 * charged as they run. A jaxpr's work is its equations'. A run is charged
 * its top-level jaxpr's work when it starts and, per iteration, a scan's
 * body work or a while's cond and body work, plus TJ_WORK_PER_EQN; so
 * nested loops multiply, and a loop that never ends stops. Sums saturate
 * at TJ_WORK_SATURATED: with a budget below it the running total (an
 * unsigned 64-bit count) cannot wrap. */
#ifndef TJ_WORK_H
#define TJ_WORK_H
#include <stdint.h>

#include "ir.h"

/* Memoized per jaxpr id (a jaxpr shared by many equations is measured
 * once): work_new, then any number of work_* calls, then work_free. */
typedef struct work_table {
  const ir_module *m;
  int64_t *known;          /* per jaxpr id: its work + 1, 0 when not known yet */
} work_table;

work_table work_new(const ir_module *m);
void work_free(work_table *w);
/* The work of one run of j. */
int64_t work_jaxpr(work_table *w, const ir_jaxpr *j);
/* What one iteration of loop equation e (while or scan) is charged. */
int64_t work_iteration(work_table *w, const ir_eqn *e);
/* What count iterations of e are charged (at most TJ_WORK_SATURATED):
 * compiled code charges a scan's iterations at once before it runs them,
 * which stops it exactly when the evaluator's charges, iteration by
 * iteration, would (every charge is positive: the total passes the budget
 * at some iteration exactly when it does at the end). */
int64_t work_iterations(work_table *w, const ir_eqn *e, int64_t count);
/* a + b, at most TJ_WORK_SATURATED. */
int64_t work_add(int64_t a, int64_t b);

/* Reports a run over its budget max_work, the same from both backends: an
 * error of kind budget and a note on how to raise it. */
void work_budget_report(diag_list *d, long long max_work);

#endif
