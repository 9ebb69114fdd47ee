/* Reverse-mode autodiff (issue 15) as JAX 0.10 does it by default
 * (jax_use_direct_linearize): ad.linearize splits the JVP of a function
 * into the known equations, which compute the primal outputs and the
 * residuals and are recorded where the function is called, and the linear
 * equations of the tangents; ad.backward_pass3 then transposes the linear
 * equations in reverse order, each through its primitive's transpose rule
 * (transpose.def), appending the cotangent equations after the known ones.
 * The listing of make_jaxpr(grad(f)) is the known equations, then the
 * transposed ones. */
#ifndef TJ_VJP_H
#define TJ_VJP_H
#include "jvp.h"

/* What ad.linearize returns: the linear equations (in lin's eqns, in the
 * order the JVP rules bound them, dead ones removed as the tangent
 * trace's auto_dce removes them), and, per input and output of the
 * function, its tangent variable (JVP_ZERO: a symbolic zero). Residuals
 * are the known variables the linear equations read. */
typedef struct vjp_linear {
  ir_jaxpr *lin;
  uint32_t nin, nout;
  ir_atom *tin, *tout;
} vjp_linear;

/* ad.linearize of src at primals[0..src->nin), differentiating the inputs
 * marked nonzero (float inputs only): the known equations are appended to
 * t->dst, the primal outputs written to out_p. False with an error in
 * t->diags. */
bool vjp_linearize(const jvp_target *t, const ir_jaxpr *src, const ir_atom *primals, const bool *nonzero,
                   ir_atom *out_p, vjp_linear *lin);

/* ad.backward_pass3 of lin with the output cotangents cts[0..nout)
 * (JVP_ZERO: zero), appending to t->dst at span; grads[0..nin) the
 * inputs' cotangents (JVP_ZERO when zero: the caller instantiates). */
bool vjp_backward(const jvp_target *t, const vjp_linear *lin, const ir_atom *cts, tj_span span, ir_atom *grads);

/* api.py _lift_linearized (jax.linearize's function): lin's equations
 * appended to t->dst anew on tangents[0..nin) (one per input; an input
 * not differentiated is ignored), outs[0..nout) the output tangents
 * (JVP_ZERO where zero: the caller instantiates). */
bool vjp_apply_linear(const jvp_target *t, const vjp_linear *lin, const ir_atom *tangents, ir_atom *outs);

/* lin as seen from a level traced since the one it was linearized at (a
 * pullback called inside vmap, as jacrev calls it): a copy whose reads of
 * known variables (the residuals) go through capture, which returns the
 * variable standing for one at the new level. */
vjp_linear vjp_linear_captured(ir_module *m, const vjp_linear *lin, ir_atom (*capture)(void *ctx, uint32_t var),
                               void *ctx);

/* Whether prim has a transpose rule (a row of transpose.def). */
bool vjp_has_transpose(int prim);

#endif
