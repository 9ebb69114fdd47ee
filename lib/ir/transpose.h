/* The transpose rules' interface (private to vjp.c and transpose.c). */
#ifndef TJ_TRANSPOSE_H
#define TJ_TRANSPOSE_H
#include "jvp.h"

/* One linear equation being transposed: the cotangents of its outputs
 * ct (JVP_ZERO: a symbolic zero; never all zero), which of its operands
 * are linear (undefined primals: ad.UndefinedPrimal, ad.GradAccum); the
 * rule appends its equations to t->dst and writes each linear operand's
 * cotangent to cin (JVP_ZERO for a zero). */
typedef struct tq {
  const jvp_target *t;
  const ir_eqn *e;
  const ir_atom *ct;
  const bool *undef;
  ir_atom *cin;
  bool failed;
} tq;

/* Runs e's transpose rule; false (with the error reported) when it has
 * none or a type error occurred. */
bool transpose_eqn(tq *q);

#endif
