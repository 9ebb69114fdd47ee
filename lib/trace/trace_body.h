/* Private to the trace stage's sub-jaxpr tracers (trace_control.c, which
 * defines trace_with, trace_jit.c, and the autodiff builtins of trace_ad.c
 * and trace_grad.c): a function traced at a new level
 * into a closed sub-jaxpr whose leading invars are the values it captured. */
#ifndef TJ_TRACE_BODY_H
#define TJ_TRACE_BODY_H
#include "jvp.h"
#include "trace.h"

/* A traced sub-jaxpr and how it connects to the level around it. */
typedef struct body {
  ir_jaxpr *jaxpr;
  uint32_t *outer;   /* the outer variable of each captured const */
  int nconst;
  int nargs;         /* invars after the consts */
  value result;      /* the function's result (inner values) */
} body;

/* How a sub-trace is described in messages: what it is traced for, the
 * user function, and the values that line up with its parameters. */
typedef struct body_info {
  const char *traced_for;
  const value *user;        /* V_FUNC, or NULL */
  const value *aligned;     /* one value per user parameter, or NULL */
  int naligned;             /* -1: scan's carry lines up (fori_loop) */
} body_info;

/* Traces fn(*args) with each leaf of args replaced by a fresh variable of
 * its aval (avals[i] when given, else the leaf's own); the result's leaves
 * become the jaxpr's outputs. */
bool trace_with(tracer *t, body_fn fn, const void *ctx, const value *args, int nargs, const tj_aval *avals,
                const body_info *info, node *call, body *b);

/* Where a transformation of a sub-jaxpr appends: the current jaxpr, the
 * tracer's budget, diagnostics and memo tables (trace_ad.c). */
jvp_target ad_target(tracer *t);

/* The autodiff builtins' conversions (trace_ad.c): a leaf value as an
 * operand of the current level; an output atom as a value (a variable, or
 * a literal's number). */
bool ad_leaf_atom(tracer *t, const value *v, tj_span span, ir_atom *out);
value ad_atom_value(tracer *t, ir_atom a);

/* User-defined custom derivatives (trace_custom.c): a custom_jvp or
 * custom_vjp function value's call, and the value.ad that marks one
 * (trace_grad.c). */
struct custom_fn;
bool custom_fn_call(tracer *t, const struct custom_fn *c, node *call, value *args, int nargs, value *out);
const struct ad_fn *ad_custom_new(tracer *t, const struct custom_fn *c);

#endif
