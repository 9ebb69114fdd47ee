/* Private to reverse mode (lib/ir/vjp*.c, transpose.c): a jaxpr's
 * linearization, which the jit and cond rules build on. */
#ifndef TJ_VJP_RULES_H
#define TJ_VJP_RULES_H
#include "vjp.h"

/* A jaxpr's linearization as ad.linearize_jaxpr returns it: the primal
 * jaxpr (src's inputs; the primal outputs, then the residuals it
 * computes), the tangent jaxpr (the residuals, then the nonzero
 * tangents; the nonzero output tangents), and per residual the input of
 * src it is when it is one (res_fwd, else -1: an output of the primal
 * jaxpr). */
typedef struct lin_jaxpr {
  ir_jaxpr *primal, *tangent;
  uint32_t nres;
  int32_t *res_fwd;
  bool *nz_out;
} lin_jaxpr;

/* ad.linearize_jaxpr(src, nonzero, instantiate, allow_fwds): instantiate
 * (NULL: none) says which output tangents to make nonzero; without
 * allow_fwds every residual is an output of the primal jaxpr. */
bool vjp_linearize_jaxpr(const jvp_target *t, const ir_jaxpr *src, const bool *nonzero, const bool *instantiate,
                         bool allow_fwds, tj_span span, lin_jaxpr *out);

/* The memo of t (vjp_memo): the value stored for (kind, src, pattern
 * pat[0..n)), or NULL; vjp_memo_add stores one (nothing without a memo). */
enum { MEMO_LINEARIZE_JIT, MEMO_TRANSPOSE_JIT };
void *vjp_memo_find(const jvp_target *t, int kind, const ir_jaxpr *src, const bool *pat, uint32_t n);
void vjp_memo_add(const jvp_target *t, int kind, const ir_jaxpr *src, const bool *pat, uint32_t n, void *value);

/* conditionals.py _cond_linearize, as a replay hook (vjp_cond.c). */
int vjp_linearize_cond(const jvp_target *t, const ir_eqn *e, const ir_atom *p, const ir_atom *dt, ir_atom *po,
                       ir_atom *to);

#endif
