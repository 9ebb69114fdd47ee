/* The transpose rules' interface (private to vjp.c and transpose.c). */
#ifndef TJ_TRANSPOSE_H
#define TJ_TRANSPOSE_H
#include "jvp.h"
#include "lax_build.h"

/* One linear equation being transposed: the cotangents of its outputs
 * ct (JVP_ZERO: a symbolic zero; never all zero), which of its operands
 * are linear (undefined primals: ad.UndefinedPrimal, ad.GradAccum); the
 * rule appends its equations to t->dst and writes each linear operand's
 * cotangent to cin (JVP_ZERO for a zero). */
typedef struct tq {
  lax_b b;              /* the target, the transposed equation's span, failed */
  const ir_eqn *e;
  const ir_atom *ct;
  const bool *undef;
  ir_atom *cin;
} tq;

/* Runs e's transpose rule; false (with the error reported) when it has
 * none or a type error occurred. */
bool transpose_eqn(tq *q);

/* transpose.c's helpers, for the rules kept in other files (the
 * TRANSPOSE_EXTERN rows of transpose.def): appending an equation at the
 * transposed one's span (q->failed set on an error, a harmless atom
 * returned), a literal, a tuple of ints (numpy's where np_ints says),
 * lax.reduce_sum, lax.reshape (its shortcut kept), a padding_config and
 * lax.pad. */
ir_atom tq_build_n(tq *q, int prim, const ir_atom *in, int nin, const ir_param *ps, int np, const tj_aval *hint,
                   int nout, ir_atom *outs);
ir_atom tq_build(tq *q, int prim, const ir_atom *in, int nin, const ir_param *ps, int np, const tj_aval *hint);
ir_atom tq_lit(tq *q, tj_dtype dt, bool weak, double v);
pval *tq_ints(tq *q, const int64_t *v, int n, bool np_ints);
ir_atom tq_reduce_sum(tq *q, ir_atom x, const int64_t *axes, int n);
ir_atom tq_reshape(tq *q, ir_atom x, const tj_aval *to);
pval *tq_pad_config(tq *q, const int64_t *lo, const int64_t *hi, const int64_t *in, int n, bool np_lo, bool np_hi,
                    bool np_in);
ir_atom tq_pad(tq *q, ir_atom x, ir_atom value, pval *config);

/* The rules defined outside transpose.c. */
#define TRANSPOSE(id, rule)
#define TRANSPOSE_EXTERN(id, rule) void rule(tq *q);
#include "transpose.def"
#undef TRANSPOSE
#undef TRANSPOSE_EXTERN

#endif
