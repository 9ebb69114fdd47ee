/* Private to the trace stage's sub-jaxpr tracers (trace_control.c, which
 * defines trace_with, trace_jit.c, and the autodiff builtins of trace_ad.c
 * and trace_grad.c): a function traced at a new level
 * into a closed sub-jaxpr whose leading invars are the values it captured. */
#ifndef TJ_TRACE_BODY_H
#define TJ_TRACE_BODY_H
#include "jvp.h"
#include "vjp.h"
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

/* A function value made by an autodiff builtin (value.ad): what it is,
 * the function it transforms, and what calling it needs (trace_grad.c,
 * trace_jac.c). */
typedef enum { AD_GRAD, AD_VALUE_AND_GRAD, AD_PULLBACK, AD_LINEARIZED, AD_CUSTOM, AD_JACFWD, AD_JACREV } ad_kind;

struct ad_fn {
  ad_kind kind;
  value fn;                        /* grad, value_and_grad: the function */
  int64_t argnums[TJ_MAX_PARAMS];
  int nargnums;
  bool argnums_tuple;              /* a tuple: the gradient is a tuple too */
  bool has_aux;
  bool allow_int;                  /* allow_int: integer arguments pass the input check */
  bool holomorphic;                /* jacfwd, jacrev: refused (no complex dtypes) */
  /* AD_PULLBACK, AD_LINEARIZED: the linearization, the trees of the primal output and
   * of the primals, and the jaxpr whose variables the residuals are */
  vjp_linear lin;
  value out_tree, in_tree;
  int nconst;                      /* leading linear inputs that are captured consts */
  ir_jaxpr *level;
  const struct custom_fn *custom; /* AD_CUSTOM: a custom_jvp/custom_vjp function (trace_custom.c) */
};

/* argnums_partial2's f_wrapped: g->fn called on args with the
 * differentiated ones (argnums) replaced by dyn (trace_grad.c). */
typedef struct partial_args {
  const struct ad_fn *g;
  const value *args;
  int nargs;
} partial_args;
bool ad_call_partial(tracer *t, const void *ctx, node *call, value *dyn, int ndyn, value *result);

/* _check_input_dtype_revderiv(name, holomorphic, allow_int) of a leaf. */
bool ad_check_input(tracer *t, const char *name, const value *leaf, bool holomorphic, bool allow_int, tj_span span);

/* vjp(argnums_partial2(g->fn), *dyn, has_aux=g->has_aux): *y the output,
 * *pullback its function value, *aux the aux (trace_grad.c). */
bool ad_vjp_partial(tracer *t, const struct ad_fn *g, node *call, value *args, int nargs, const value *dyn, value *y,
                    value *pullback, value *aux);

/* Calling a jacfwd or jacrev function value (trace_jac.c). */
bool jac_call(tracer *t, const struct ad_fn *g, node *call, value *args, int nargs, value *out);

/* api.py _jvp(fn, primals, tangents) (trace_ad.c): fn(*primals) traced,
 * ctx its context, and replayed through the JVP rules on the tangents
 * (a tuple like primals'); *out = (primals_out, tangents_out), zero output
 * tangents instantiated; with has_aux fn returns (out, aux) and *out is
 * (primals_out, tangents_out, aux). */
bool ad_jvp(tracer *t, body_fn fn, const void *ctx, const body_info *info, const value *primals,
            const value *tangents, bool has_aux, node *call, value *out);

/* vmap(fn, in_axes=0, out_axes)(*args) of a C function, as api.py's
 * jacfwd and jacrev vmap functions of their own (trace_vmap.c). */
bool vmap_native(tracer *t, body_fn fn, const void *ctx, value out_axes, node *call, value *args, int nargs,
                 value *out);
/* The same with in_axes given (an int, None or a tuple of them). */
bool vmap_native_axes(tracer *t, body_fn fn, const void *ctx, value in_axes, value out_axes, node *call, value *args,
                      int nargs, value *out);

/* User-defined custom derivatives (trace_custom.c): a custom_jvp or
 * custom_vjp function value's call, and the value.ad that marks one
 * (trace_grad.c). */
struct custom_fn;
bool custom_fn_call(tracer *t, const struct custom_fn *c, node *call, value *args, int nargs, value *out);
const struct ad_fn *ad_custom_new(tracer *t, const struct custom_fn *c);

#endif
