/* The equation builder: appends equations to any jaxpr under construction
 * in a module, as the tracer records them and as a pass or a
 * transformation makes them. The primitive's shape rule gives the
 * outputs' avals (a type error goes to a diagnostics list, at the
 * equation's span), and new variables hold them. Nothing here knows the
 * tracer: its emit is this builder plus the tracer's own bookkeeping
 * (capturing outer variables, the equation budget). */
#ifndef TJ_IR_BUILD_H
#define TJ_IR_BUILD_H
#include "ir.h"

/* One equation to append. */
typedef struct ir_eqn_desc {
  int prim;                  /* enum tj_prim */
  const ir_atom *in;         /* in[0..nin): atoms of the jaxpr built */
  uint32_t nin;
  const ir_param *params;    /* params[0..nparams), copied (their values
                                are shared: make them in the module) */
  uint16_t nparams;
  uint32_t nout;
  const tj_aval *hint;       /* NULL, or the avals out[0..nout) the shape
                                rule starts from: the result that a rule
                                checks rather than computes
                                (broadcast_in_dim's shape) */
  tj_span span;              /* where in m's source it comes from */
} ir_eqn_desc;

/* Appends the equation to j, runs its shape rule and makes its output
 * variables (e->out). On a type error, or an output of more than
 * TJ_MAX_ELEMENTS elements, reports it into diags at the span, leaves j
 * as it was and returns NULL. */
ir_eqn *ir_build(ir_module *m, ir_jaxpr *j, const ir_eqn_desc *desc, diag_list *diags);

/* j's inputs: n new variables of avals[0..n) (their indices in vars, when
 * vars is not NULL). */
void ir_build_invars(ir_module *m, ir_jaxpr *j, const tj_aval *avals, uint32_t n, uint32_t *vars);
/* j's outputs: outs[0..n), copied. */
void ir_build_outs(ir_module *m, ir_jaxpr *j, const ir_atom *outs, uint32_t n);

/* A deep copy of m in a module of its own (same variable, literal and
 * jaxpr numbering; a jaxpr shared by many equations stays shared), for a
 * pass to rewrite while m stays as traced. Param keys are static text and
 * shared. */
ir_module *ir_clone(const ir_module *m);

#endif
