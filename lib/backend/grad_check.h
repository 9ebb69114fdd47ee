/* The gradient checker's comparison (tj_grad_check, grad_check.c): w.J.v
 * three or four ways from the arrays the programs produced, each error's
 * bound and the verdict. Apart from the programs, so that a test can feed
 * it a wrong gradient (tests/unit/test_grad_check.c). */
#ifndef TJ_GRAD_CHECK_H
#define TJ_GRAD_CHECK_H
#include "array.h"
#include "tjit.h"

/* Over the float inputs and outputs only, in order; arrays of any float
 * dtype (read as doubles). */
typedef struct gc_arrays {
  uint32_t nin, nout;
  const tj_array *const *x, *const *v;       /* nin: the point and the direction */
  const tj_array *const *grad;               /* nin: the reverse-mode gradient (float64) */
  const tj_array *const *grad_compiled;      /* nin, or NULL: the compiled program's gradient */
  const tj_array *const *w, *const *tangent; /* nout: the cotangents; the forward-mode tangent (float64) */
  const tj_array *const *f_plus, *const *f_minus; /* nout: f(x + h v), f(x - h v) (float64) */
  double h;
  double eps_compiled;                       /* machine epsilon of the compiled program's narrowest float */
} gc_arrays;

/* Fills r's values, errors, bounds and verdict (not its counts). */
void grad_compare(const gc_arrays *a, tj_grad_report *r);

/* The step of the central difference at x (a's x, nin arrays). */
double grad_step(const tj_array *const *x, uint32_t nin);

#endif
