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

/* vjp_linearize_jaxpr with allow_fwds per input of src (loops.py's
 * per-input allow_fwds). */
bool vjp_linearize_jaxpr_fwds(const jvp_target *t, const ir_jaxpr *src, const bool *nonzero, const bool *instantiate,
                              const bool *allow_fwds, tj_span span, lin_jaxpr *out);

/* The variables a rule makes linear though they read no tangent (t's
 * forced list, filled during a replay): vjp_force_linear adds one. */
typedef struct vjp_forced {
  uint32_t *vars;
  uint32_t n, cap;
} vjp_forced;
void vjp_force_linear(const jvp_target *t, ir_atom a);

/* ad.backward_pass3 with accumulators started at seeds[0..nin) (JVP_ZERO:
 * none; NULL: all none), as _transpose_scan_jaxpr_fancy's ValAccum of a
 * const's cotangent carry starts at its value. */
bool vjp_backward_seeded(const jvp_target *t, const vjp_linear *lin, const ir_atom *cts, const ir_atom *seeds,
                         tj_span span, ir_atom *grads);

/* The memo of t (vjp_memo): the value stored for (kind, src, pattern
 * pat[0..n)), or NULL; vjp_memo_add stores one (nothing without a memo). */
enum { MEMO_LINEARIZE_JIT, MEMO_TRANSPOSE_JIT };
void *vjp_memo_find(const jvp_target *t, int kind, const ir_jaxpr *src, const bool *pat, uint32_t n);
void vjp_memo_add(const jvp_target *t, int kind, const ir_jaxpr *src, const bool *pat, uint32_t n, void *value);

/* conditionals.py _cond_linearize, as a replay hook (vjp_cond.c). */
int vjp_linearize_cond(const jvp_target *t, const ir_eqn *e, const ir_atom *p, const ir_atom *dt, ir_atom *po,
                       ir_atom *to);

/* loops.py _scan_linearize, as a replay hook (vjp_scan.c). */
int vjp_linearize_scan(const jvp_target *t, const ir_eqn *e, const ir_atom *p, const ir_atom *dt, ir_atom *po,
                       ir_atom *to);

#endif
