/* Forward-mode autodiff as a jaxpr transformation (issue 15): JAX's
 * JVPTrace (jax/_src/interpreters/ad.py) as an interpreter that replays a
 * jaxpr's equations through each primitive's JVP rule (jvp.def), the rules
 * appending the primal and tangent equations with the builder (ir_build.h)
 * in the order JAX's rules bind them. Tangents that are known to be zero
 * are symbolic (JVP_ZERO): no variable, no equation, as ad.py's Zero. */
#ifndef TJ_JVP_H
#define TJ_JVP_H
#include "ir.h"

/* The symbolic zero tangent (ad_util.Zero). */
#define JVP_ZERO ((ir_atom)UINT32_MAX)

/* Where a replay appends and what it may spend. */
typedef struct jvp_target jvp_target;
struct jvp_target {
  ir_module *m;
  ir_jaxpr *dst;            /* the jaxpr the equations are appended to */
  diag_list *diags;         /* type errors, rules missing, the budget */
  uint32_t *neqns;          /* equations recorded so far, counted up */
  uint32_t max_eqns;        /* and their limit (TJ_MAX_EQNS) */
  const char *fn_name;      /* for the budget's message */
  struct jvp_memo **memo;   /* jvp jaxprs of sub-jaxprs, by (body, nonzeros, instantiate) */
  /* Optional: a rule run instead of an equation's JVP rule when some
   * tangent is nonzero (vjp.c's linearization of a jit, as JAX's
   * primitive_linearizations take the place of primitive_jvps). Returns
   * 1 when it handled e (its outputs' primals po and tangents to), 0 on
   * an error, -1 to leave e to its JVP rule. */
  int (*hook)(const struct jvp_target *t, const ir_eqn *e, const ir_atom *p, const ir_atom *dt, ir_atom *po,
              ir_atom *to);
  /* Reverse mode's jaxprs of jit bodies, linearized and transposed, shared
   * per (body, pattern) as JAX's weakref_lru_caches share them (vjp.c);
   * NULL: made anew each time. */
  struct vjp_memo **vjp_memo;
  /* Reverse mode: the variables a linearization rule binds in the tangent
   * trace though they read no tangent (the zeros loops.py _scan_linearize
   * instantiates), linear for vjp.c's split; NULL: none. */
  struct vjp_forced *forced;
};

/* Replays src's equations into t->dst: src's constvars stand for
 * themselves (zero tangents), its invars for primals[i] with tangent
 * tangents[i] (JVP_ZERO: symbolic zero). Writes each output's primal atom
 * and tangent atom (JVP_ZERO when symbolically zero) to out_p / out_t.
 * False with an error in t->diags (at the failing equation's span). */
bool jvp_replay(const jvp_target *t, const ir_jaxpr *src, const ir_atom *primals, const ir_atom *tangents,
                ir_atom *out_p, ir_atom *out_t);

/* ad.jvp_jaxpr(src, nonzeros, instantiate=False): a new jaxpr taking the
 * primals then the nonzero tangents, returning the primal outputs then
 * the nonzero output tangents (nonzero_out[i] says which). One jaxpr per
 * (src, nonzeros), as JAX's cache shares it. NULL on an error. */
ir_jaxpr *jvp_jaxpr(const jvp_target *t, const ir_jaxpr *src, const bool *nonzero, bool *nonzero_out);

/* ad.jvp_jaxpr(src, nonzeros, instantiate): as jvp_jaxpr, with the output
 * tangents where instantiate[i] (NULL: none) made zeros when symbolic
 * (ad.instantiate_zeros, appended at span), and so reported nonzero. One
 * jaxpr per (src, nonzeros, instantiate), as _jvp_jaxpr's cache keys it. */
ir_jaxpr *jvp_jaxpr_inst(const jvp_target *t, const ir_jaxpr *src, const bool *nonzero, const bool *instantiate,
                         tj_span span, bool *nonzero_out);

/* Whether prim has a JVP rule (a row of jvp.def). */
bool jvp_has_rule(int prim);

/* ad.instantiate_zeros: a zero of aval a (a weak-or-not literal for a
 * scalar, else broadcast_in_dim of one, as lax.zeros_like_shaped_array
 * records it), appended to t->dst at span. */
bool jvp_zeros(const jvp_target *t, const tj_aval *a, tj_span span, ir_atom *out);

#endif
