/* Reverse-mode builtins (issue 15): grad, value_and_grad and vjp as
 * jax/_src/api.py defines them. grad(f) and value_and_grad(f) are function
 * values; calling one traces f on its arguments into a jaxpr of its own
 * (trace_with, the arguments not differentiated closed over as
 * argnums_partial2 closes over them), linearizes it into the current
 * jaxpr (lib/ir/vjp.c: the known equations recorded here) and runs the
 * backward pass from the seed 1.0 (lax._one_vjp), so the listing is
 * make_jaxpr(jax.grad(f))'s. vjp(f, *primals) does the linearization at
 * once and returns the pullback as a function value that runs the
 * backward pass when called. */
#include <stdio.h>
#include <string.h>

#include "prims.h"
#include "trace.h"
#include "trace_body.h"
#include "trace_tree.h"
#include "util.h"
#include "vjp.h"

bool call_function_value(tracer *t, const value *fn, node *call, value *args, int nargs, value *out);

static jvp_target target(tracer *t) { return ad_target(t); }

/* _check_input_dtype_revderiv(name, holomorphic, allow_int). */
bool ad_check_input(tracer *t, const char *name, const value *leaf, bool holomorphic, bool allow_int, tj_span span) {
  tj_aval a = value_aval(t, leaf);
  if (holomorphic) /* tjit has no complex dtypes */
    return tracer_error(t, span, "TypeError: %s with holomorphic=True requires inputs with complex dtype, but got %s.",
                        name, dtype_long(a.dtype));
  if (dtype_is_float(a.dtype)) return true;
  if (allow_int && a.dtype != DT_FLOAT0) /* JAX's gradient: float0 zeros (ad.instantiate_zeros) */
    return tracer_error(t, span, "%s with allow_int=True of an integer or bool argument is not supported: its "
                                 "gradient is float0 zeros, which tjit does not make yet", name);
  if (a.dtype == DT_FLOAT0) /* neither integer nor bool; numpy names it "void" */
    return tracer_error(t, span,
                        "TypeError: %s requires numerical-valued inputs (input dtype that is a sub-dtype of "
                        "np.bool_ or np.number), but got void.",
                        name);
  return tracer_error(t, span,
                      "TypeError: %s requires real- or complex-valued inputs (input dtype that is a sub-dtype of "
                      "np.inexact), but got %s. If you want to use Boolean- or integer-valued inputs, use vjp or "
                      "set allow_int to True.",
                      name, dtype_long(a.dtype));
}

/* _check_scalar and _check_output_dtype_revderiv("grad") of the output. */
static bool check_output(tracer *t, const value *ans, tj_span span) {
  if (ans->kind != V_TRACED && !value_is_number(ans))
    return tracer_error(t, span, "TypeError: Gradient only defined for scalar-output functions. Output was %s.",
                        jax_tracer_repr(t, ans));
  tj_aval a = value_aval(t, ans);
  if (a.rank)
    return tracer_error(t, span, "TypeError: Gradient only defined for scalar-output functions. Output had shape: %s.",
                        jax_shape_tuple(t, &a));
  if (dtype_is_float(a.dtype)) return true;
  return tracer_error(t, span,
                      "TypeError: grad requires real-valued outputs (output dtype that is a sub-dtype of np.floating), "
                      "but got %s. For differentiation of functions with integer outputs, use jax.vjp directly.",
                      dtype_long(a.dtype));
}

/* ---- the linearization of a traced body ---- */

typedef struct linearized {
  body bd;
  vjp_linear lin;
  value *outs;        /* the primal outputs, one per output leaf */
  int nout;
} linearized;

/* Linearizes bd (already traced): its consts with zero tangents, the
 * leaves lp differentiated. */
static bool linearize_body(tracer *t, linearized *l, const leaves *lp, tj_span span) {
  const body *bd = &l->bd;
  int nin = bd->nconst + lp->n;
  ir_atom *pin = ARENA_ARRAY(&t->scratch, ir_atom, nin + 1);
  bool *nz = ARENA_ARRAY(&t->scratch, bool, nin + 1);
  for (int i = 0; i < bd->nconst; i++) pin[i] = frame_atom(t, bd->outer[i]), nz[i] = false;
  for (int i = 0; i < lp->n; i++) {
    if (!ad_leaf_atom(t, &lp->v[i], span, &pin[bd->nconst + i])) return false;
    nz[bd->nconst + i] = true;
  }
  jvp_target tg = target(t);
  l->nout = (int)bd->jaxpr->nout;
  ir_atom *op = ARENA_ARRAY(&t->scratch, ir_atom, l->nout + 1);
  if (!vjp_linearize(&tg, bd->jaxpr, pin, nz, op, &l->lin)) return false;
  l->outs = ARENA_ARRAY(&t->scratch, value, l->nout + 1);
  for (int i = 0; i < l->nout; i++) l->outs[i] = ad_atom_value(t, op[i]);
  return true;
}

/* The backward pass from cts (one per output leaf); the cotangents of
 * the differentiated leaves, zeros instantiated (_vjp3_bwd), to grads. */
static bool backward(tracer *t, const vjp_linear *lin, int nconst, const ir_atom *cts, tj_span span, value *grads) {
  jvp_target tg = target(t);
  ir_atom *g = ARENA_ARRAY(&t->scratch, ir_atom, lin->nin + 1);
  if (!vjp_backward(&tg, lin, cts, span, g)) return false;
  for (uint32_t i = (uint32_t)nconst; i < lin->nin; i++) {
    if (g[i] == JVP_ZERO) {
      tj_aval a = t->m->vars[ATOM_INDEX(lin->tin[i])];
      if (!jvp_zeros(&tg, &a, span, &g[i])) return false;
    }
    grads[i - (uint32_t)nconst] = ad_atom_value(t, g[i]);
  }
  return true;
}

/* ad.linearize's has_aux check: "expected function with aux output to
 * return a two-element tuple, but got type {type(ans)} with value
 * {ans!r}". A value with a tangent is a LinearizeTracer, whose repr is
 * its _short_repr: GradTracer(primal=JitTracer(...), typeof(tangent)=f32[3]). */
/* repr() of output leaf k as f returned it: a LinearizeTracer when its
 * tangent is nonzero (GradTracer(primal=..., typeof(tangent)=...)), else
 * the primal itself (LinearizeTracer.full_lower). */
static void leaf_repr(tracer *t, const linearized *l, const value *v, int k, tj_buf *out) {
  bool lin = v->kind == V_TRACED && k < l->nout && l->lin.tout[k] != JVP_ZERO;
  if (!lin) { buf_puts(out, jax_tracer_repr(t, v)); return; }
  char tan[128];
  tj_aval a = value_aval(t, v);
  aval_format(&a, tan, sizeof tan);
  buf_printf(out, "GradTracer(primal=%s, typeof(tangent)=%s)", jax_tracer_repr(t, v), tan);
}

/* ad.linearize's TypeError for has_aux when f's result is not a pair: a
 * single leaf, or a tuple of leaves (deeper trees shown as tjit shows
 * them). */
static bool aux_not_pair(tracer *t, const linearized *l, const value *result, tj_span span) {
  tj_buf b = {0};
  const char *type;
  if (result->kind == V_TUPLE) {
    type = result->list ? "list" : "tuple";
    buf_puts(&b, result->list ? "[" : "(");
    for (int i = 0; i < result->n; i++) {
      if (i) buf_puts(&b, ", ");
      leaf_repr(t, l, &result->items[i], i, &b);
    }
    buf_puts(&b, result->list ? "]" : result->n == 1 ? ",)" : ")");
  } else {
    bool lin = result->kind == V_TRACED && l->nout == 1 && l->lin.tout[0] != JVP_ZERO;
    type = lin                        ? "jax._src.interpreters.ad.LinearizeTracer"
           : result->kind == V_TRACED ? "jax._src.interpreters.partial_eval.DynamicJaxprTracer"
                                      : value_type_name(result);
    leaf_repr(t, l, result, 0, &b);
  }
  tracer_error(t, span,
               "TypeError: expected function with aux output to return a two-element tuple, but got type "
               "<class '%s'> with value %s",
               type, b.data ? b.data : "");
  buf_free(&b);
  return false;
}

/* ---- grad and value_and_grad ---- */

bool ad_call_partial(tracer *t, const void *ctx, node *call, value *dyn, int ndyn, value *result) {
  const partial_args *p = ctx;
  value *all = ARENA_ARRAY(&t->scratch, value, p->nargs + 1);
  memcpy(all, p->args, sizeof *all * (size_t)p->nargs);
  for (int i = 0; i < ndyn; i++) all[p->g->argnums[i]] = dyn[i];
  return call_function_value(t, &p->g->fn, call, all, p->nargs, result);
}

static const char *argnums_text(tracer *t, const struct ad_fn *g) {
  tj_buf b = {0};
  if (!g->argnums_tuple) buf_printf(&b, "%lld", (long long)g->argnums[0]);
  else {
    buf_puts(&b, "(");
    for (int i = 0; i < g->nargnums; i++) buf_printf(&b, "%s%lld", i ? ", " : "", (long long)g->argnums[i]);
    buf_puts(&b, g->nargnums == 1 ? ",)" : ")");
  }
  char *s = arena_strdup(&t->scratch, b.data ? b.data : "");
  buf_free(&b);
  return s;
}

/* value_and_grad_f(*args): ((ans[, aux]), g) — grad_f returns g (and aux). */
static bool grad_call(tracer *t, const struct ad_fn *g, node *call, value *args, int nargs, value *out) {
  tj_span span = call->span;
  int64_t max = 0;
  for (int i = 0; i < g->nargnums; i++) max = g->argnums[i] > max ? g->argnums[i] : max;
  if (max >= nargs)
    return tracer_error(t, span,
                        "TypeError: differentiating with respect to argnums=%s requires at least %lld positional "
                        "arguments to be passed by the caller, but got only %d positional arguments.",
                        argnums_text(t, g), (long long)max + 1, nargs);
  value dyn = {.kind = V_TUPLE, .n = g->nargnums, .items = ARENA_ARRAY(&t->scratch, value, g->nargnums)};
  for (int i = 0; i < g->nargnums; i++) dyn.items[i] = args[g->argnums[i]];
  leaves lp = {0};
  if (!tree_flatten(t, &dyn, &lp, span, "grad arguments")) return false;
  for (int i = 0; i < lp.n; i++)
    if (!ad_check_input(t, "grad", &lp.v[i], false, g->allow_int, span)) return false;
  partial_args pa = {g, args, nargs};
  linearized l = {0};
  body_info info = {"grad", &g->fn, NULL, 0};
  if (!trace_with(t, ad_call_partial, &pa, dyn.items, dyn.n, NULL, &info, call, &l.bd)) return false;
  if (!linearize_body(t, &l, &lp, span)) return false;
  int k = 0;
  value result = tree_unflatten(t, &l.bd.result, l.outs, &k);
  value ans = result, aux = {0};
  if (g->has_aux) {
    if (result.kind != V_TUPLE || result.n != 2) return aux_not_pair(t, &l, &result, span);
    ans = result.items[0], aux = result.items[1];
  }
  if (!check_output(t, &ans, span)) return false;
  tj_aval a = value_aval(t, &ans);
  ir_lit one = {.dtype = a.dtype, .weak = a.weak, .f = 1.0};
  ir_atom *cts = ARENA_ARRAY(&t->scratch, ir_atom, l.nout + 1);
  for (int i = 0; i < l.nout; i++) cts[i] = i == 0 ? ir_new_lit(t->m, &one) : JVP_ZERO;
  value *grads = ARENA_ARRAY(&t->scratch, value, lp.n + 1);
  if (!backward(t, &l.lin, l.bd.nconst, cts, span, grads)) return false;
  k = 0;
  value gv = tree_unflatten(t, &dyn, grads, &k);
  if (!g->argnums_tuple) gv = gv.items[0];
  value first = ans;
  if (g->has_aux) {
    value *pair = ARENA_ARRAY(&t->scratch, value, 2);
    pair[0] = g->kind == AD_GRAD ? gv : ans, pair[1] = aux;
    first = (value){.kind = V_TUPLE, .items = pair, .n = 2};
    if (g->kind == AD_GRAD) { *out = first; return true; }
  } else if (g->kind == AD_GRAD) {
    *out = gv;
    return true;
  }
  value *pair = ARENA_ARRAY(&t->scratch, value, 2);
  pair[0] = first, pair[1] = gv;
  *out = (value){.kind = V_TUPLE, .items = pair, .n = 2};
  return true;
}

/* api.py vjp(argnums_partial2(f), *dyn, has_aux) (jacrev): the primal
 * output tree in *y, the pullback, a function value, in *pullback, and
 * with has_aux the aux in *aux. */
bool ad_vjp_partial(tracer *t, const struct ad_fn *g, node *call, value *args, int nargs, const value *dyn, value *y,
                    value *pullback, value *aux) {
  tj_span span = call->span;
  leaves lp = {0};
  if (!tree_flatten(t, dyn, &lp, span, "vjp primals")) return false;
  partial_args pa = {g, args, nargs};
  linearized l = {0};
  body_info info = {"vjp", &g->fn, NULL, 0};
  if (!trace_with(t, ad_call_partial, &pa, dyn->items, dyn->n, NULL, &info, call, &l.bd) ||
      !linearize_body(t, &l, &lp, span))
    return false;
  int k = 0;
  *y = tree_unflatten(t, &l.bd.result, l.outs, &k);
  if (g->has_aux) {
    if (y->kind != V_TUPLE || y->n != 2) return aux_not_pair(t, &l, y, span);
    *aux = y->items[1], *y = y->items[0];
  }
  struct ad_fn *pb = ARENA_NEW(&t->scratch, struct ad_fn);
  *pb = (struct ad_fn){.kind = AD_PULLBACK, .fn = g->fn, .level = t->jaxpr, .lin = l.lin, .out_tree = *y,
                       .in_tree = *dyn, .nconst = l.bd.nconst};
  *pullback = (value){.kind = V_FUNC, .func = g->fn.func, .closure = g->fn.closure, .ad = pb};
  return true;
}

/* ---- vjp and its pullback ---- */

static bool call_fn_value(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  return call_function_value(t, ctx, call, args, nargs, result);
}

/* The first leaf of GOT whose dtype or shape differs from WANT's same leaf
 * (the trees already agree: core.typecompat), or -1; its avals in *w, *g. */
static int aval_mismatch(tracer *t, const leaves *want, const leaves *got, tj_aval *w, tj_aval *g) {
  for (int i = 0; i < got->n; i++) {
    *w = value_aval(t, &want->v[i]), *g = value_aval(t, &got->v[i]);
    if (w->dtype != g->dtype || !aval_same_shape(w, g)) return i;
  }
  return -1;
}

/* str(aval) of a ShapedArray: "~float32[3]" for a weak type. */
static const char *aval_str(tracer *t, const tj_aval *a) {
  char s[160];
  aval_format_long(a, s, sizeof s);
  return arena_printf(&t->scratch, "%s%s", a->weak ? "~" : "", s);
}

/* Whether X and Y have one tree structure; if not, the error FMT with
 * both PyTreeDefs (x's first). */
static bool same_tree(tracer *t, const value *x, const value *y, tj_span span, const char *fmt) {
  if (tree_same_structure(x, y)) return true;
  tj_buf a = {0}, b = {0};
  tree_def_text(t, x, &a);
  tree_def_text(t, y, &b);
  tracer_error(t, span, fmt, a.data, b.data);
  buf_free(&a);
  buf_free(&b);
  return false;
}

/* The leaves' atoms, into atoms[0..l->n). */
static bool leaf_atoms(tracer *t, const leaves *l, tj_span span, ir_atom *atoms) {
  for (int i = 0; i < l->n; i++)
    if (!ad_leaf_atom(t, &l->v[i], span, &atoms[i])) return false;
  return true;
}

/* api.py _vjp_ct_tree_error: equality_errors_pytreedef of the output's
 * tree and the cotangent's, under func_src_info ("f at FILE:LINE"). */
static bool ct_tree_error(tracer *t, const struct ad_fn *g, const value *ct, tj_span span) {
  tracer_error(t, span, "ValueError: unexpected tree structure.");
  diag_note(t->diags,
            "The argument to a VJP function returned by `jax.vjp` must match the pytree structure of the "
            "differentiated function %s at %s:%u.",
            name_str(t->prog->names, g->fn.func->name), t->src->name, g->fn.func->line);
  diag_note(t->diags, "But the tree structures differ:");
  tree_diffs d = tree_differences(t, &g->out_tree, ct, "pytree leaf");
  for (int i = 0; i < d.n; i++)
    diag_note(t->diags, "  * out%s was a %s in the original output, but a %s here, so %s.", d.v[i].path,
              d.v[i].thing1, d.v[i].thing2, d.v[i].why);
  return false;
}

/* Whether the level g linearized at encloses the current one (a function
 * value cannot leave the body it was made in, so it always does). */
static bool level_visible(tracer *t, const struct ad_fn *g, tj_span span) {
  for (trace_frame *f = t->frame; f; f = f->parent)
    if (f->jaxpr == g->level) return true;
  return tracer_error(t, span, "internal error: a vjp or linearize function called outside the body it was made in");
}

static ir_atom capture_var(void *ctx, uint32_t var) { return frame_atom(ctx, var); }

/* g's linearization as seen from the current level: inside a body traced
 * since (vmap of a pullback, as jacrev calls it, or a jit), its residuals
 * are consts that body captures, as a closure's are. */
static vjp_linear lin_here(tracer *t, const struct ad_fn *g) {
  return t->jaxpr == g->level ? g->lin : vjp_linear_captured(t->m, &g->lin, capture_var, t);
}

/* _vjp3_bwd(ct): the cotangent tree checked against the output's, the
 * backward pass, the primals' cotangents as a tuple. */
static bool pullback_call(tracer *t, const struct ad_fn *g, node *call, value *args, int nargs, value *out) {
  tj_span span = call->span;
  if (nargs != 1)
    return tracer_error(t, span,
                        "TypeError: The function returned by `jax.vjp` applied to %s was called with %d arguments, "
                        "but functions returned by `jax.vjp` must be called with a single argument corresponding to "
                        "the single value returned by the function being differentiated (even if that returned "
                        "value is a tuple or other container).",
                        name_str(t->prog->names, g->fn.func->name), nargs);
  if (!level_visible(t, g, span)) return false;
  if (!tree_same_structure(&g->out_tree, &args[0])) return ct_tree_error(t, g, &args[0], span);
  leaves lo = {0}, lc = {0};
  if (!tree_flatten(t, &g->out_tree, &lo, span, "vjp outputs") || !tree_flatten(t, &args[0], &lc, span, "cotangents"))
    return false;
  tj_aval want, got;
  if (aval_mismatch(t, &lo, &lc, &want, &got) >= 0) { /* str_short(): long names, no "~" */
    char w[160], gs[160];
    aval_format_long(&want, w, sizeof w);
    aval_format_long(&got, gs, sizeof gs);
    return tracer_error(t, span,
                        "ValueError: unexpected JAX type (e.g. shape/dtype) for argument to VJP function: got %s, "
                        "but expected %s because the corresponding output of the differentiated function had JAX "
                        "type %s",
                        gs, w, w);
  }
  ir_atom *cts = ARENA_ARRAY(&t->scratch, ir_atom, g->lin.nout + 1);
  for (uint32_t i = 0; i < g->lin.nout; i++) cts[i] = JVP_ZERO; /* has_aux: the aux outputs' */
  if (!leaf_atoms(t, &lc, span, cts)) return false;
  int nleaves = (int)g->lin.nin - g->nconst;
  value *grads = ARENA_ARRAY(&t->scratch, value, nleaves + 1);
  vjp_linear lin = lin_here(t, g);
  if (!backward(t, &lin, g->nconst, cts, span, grads)) return false;
  int k = 0;
  *out = tree_unflatten(t, &g->in_tree, grads, &k);
  return true;
}

/* vjp(f, *primals, has_aux=False): (out, pullback[, aux]); linearize's
 * the same with the linearized function (api.py vjp, linearize: both run
 * ad.linearize on the primals). */
static bool linearize_call(tracer *t, const call_args *a, ad_kind kind, value *out) {
  tj_span span = a->call->span;
  if (a->pos[0].kind != V_FUNC)
    return tracer_error(t, a->pos_spans[0], "TypeError: Expected a callable value, got %s",
                        jax_tracer_repr(t, &a->pos[0]));
  const value *aux_v = call_kwarg(a, "has_aux", NULL);
  bool has_aux = aux_v && value_truthy(aux_v);
  struct ad_fn *g = ARENA_NEW(&t->scratch, struct ad_fn);
  *g = (struct ad_fn){.kind = kind, .fn = a->pos[0], .has_aux = has_aux, .level = t->jaxpr};
  value primals = {.kind = V_TUPLE, .items = &a->pos[1], .n = a->npos - 1};
  leaves lp = {0};
  if (!tree_flatten(t, &primals, &lp, span, "vjp primals")) return false;
  linearized l = {0};
  body_info info = {kind == AD_PULLBACK ? "vjp" : "linearize", &a->pos[0], NULL, 0};
  if (!trace_with(t, call_fn_value, &a->pos[0], primals.items, primals.n, NULL, &info, a->call, &l.bd)) return false;
  if (!linearize_body(t, &l, &lp, span)) return false;
  int k = 0;
  value result = tree_unflatten(t, &l.bd.result, l.outs, &k), aux = {0};
  if (has_aux) {
    if (result.kind != V_TUPLE || result.n != 2) return aux_not_pair(t, &l, &result, span);
    aux = result.items[1], result = result.items[0];
  }
  g->lin = l.lin, g->out_tree = result, g->in_tree = primals, g->nconst = l.bd.nconst;
  value *items = ARENA_ARRAY(&t->scratch, value, 3);
  items[0] = result;
  items[1] = (value){.kind = V_FUNC, .func = a->pos[0].func, .closure = a->pos[0].closure, .ad = g};
  items[2] = aux;
  *out = (value){.kind = V_TUPLE, .items = items, .n = has_aux ? 3 : 2};
  return true;
}

static bool builtin_vjp(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  return linearize_call(t, a, AD_PULLBACK, out);
}

static bool builtin_linearize(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  return linearize_call(t, a, AD_LINEARIZED, out);
}

/* api.py _lift_linearized(*tangents): the tangents' tree and avals
 * checked against the primals', the linear equations replayed on them,
 * zero output tangents instantiated (a2tz(aval).instantiate()). */
static bool linearized_call(tracer *t, const struct ad_fn *g, node *call, value *args, int nargs, value *out) {
  tj_span span = call->span;
  if (!level_visible(t, g, span)) return false;
  value tangents = {.kind = V_TUPLE, .items = args, .n = nargs};
  if (!same_tree(t, &g->in_tree, &tangents, span, "TypeError: expected PyTreeDef(%s), got PyTreeDef(%s)")) return false;
  leaves lp = {0}, lt = {0};
  if (!tree_flatten(t, &g->in_tree, &lp, span, "linearize primals") ||
      !tree_flatten(t, &tangents, &lt, span, "tangents"))
    return false;
  tj_aval p, ta;
  if (aval_mismatch(t, &lp, &lt, &p, &ta) >= 0) {
    const char *ps = aval_str(t, &p);
    return tracer_error(t, span,
                        "ValueError: linearized function called on tangent values inconsistent with the "
                        "original primal values:\nGot tangent aval %s for primal aval %s but expected %s.",
                        aval_str(t, &ta), ps, ps);
  }
  ir_atom *tin = ARENA_ARRAY(&t->scratch, ir_atom, g->lin.nin + 1);
  for (int i = 0; i < g->nconst; i++) tin[i] = JVP_ZERO;
  if (!leaf_atoms(t, &lt, span, tin + g->nconst)) return false;
  jvp_target tg = target(t);
  ir_atom *to = ARENA_ARRAY(&t->scratch, ir_atom, g->lin.nout + 1);
  vjp_linear lin = lin_here(t, g);
  if (!vjp_apply_linear(&tg, &lin, tin, to)) return false;
  leaves lo = {0};
  if (!tree_flatten(t, &g->out_tree, &lo, span, "linearize outputs")) return false;
  value *vals = ARENA_ARRAY(&t->scratch, value, lo.n + 1);
  for (int i = 0; i < lo.n; i++) {
    if (to[i] == JVP_ZERO) {
      tj_aval a = value_aval(t, &lo.v[i]);
      if (!jvp_zeros(&tg, &a, span, &to[i])) return false;
    }
    vals[i] = ad_atom_value(t, to[i]);
  }
  int k = 0;
  *out = tree_unflatten(t, &g->out_tree, vals, &k);
  return true;
}

/* ---- grad(f, argnums=0, has_aux=False), value_and_grad ---- */

/* api.py _ensure_index of argnums (an int or a tuple of ints). */
static bool read_argnums(tracer *t, const call_args *a, struct ad_fn *g) {
  tj_span span;
  const value *v = call_kwarg(a, "argnums", &span);
  if (!v && a->npos > 1) v = &a->pos[1], span = a->pos_spans[1];
  if (!v) { g->nargnums = 1; return true; }
  if (v->kind == V_INT) { g->argnums[0] = v->i, g->nargnums = 1; }
  else if (v->kind == V_TUPLE && v->n <= TJ_MAX_PARAMS) {
    g->argnums_tuple = true;
    for (int i = 0; i < v->n; i++) {
      if (v->items[i].kind != V_INT) goto bad;
      g->argnums[g->nargnums++] = v->items[i].i;
    }
  } else goto bad;
  for (int i = 0; i < g->nargnums; i++)
    if (g->argnums[i] < 0)
      return tracer_error(t, span, "argnums must be non-negative here: tjit does not count arguments from the end");
  return true;
bad:
  return tracer_error(t, span, "TypeError: argnums must be an int or a tuple of ints, got %s",
                      jax_tracer_repr(t, v));
}

static bool make_grad(tracer *t, const call_args *a, ad_kind kind, value *out) {
  if (a->pos[0].kind != V_FUNC)
    return tracer_error(t, a->pos_spans[0], "TypeError: Expected a callable value, got %s",
                        jax_tracer_repr(t, &a->pos[0]));
  struct ad_fn *g = ARENA_NEW(&t->scratch, struct ad_fn);
  *g = (struct ad_fn){.kind = kind, .fn = a->pos[0]};
  if (!read_argnums(t, a, g)) return false;
  const value *aux = call_kwarg(a, "has_aux", NULL);
  g->has_aux = aux && value_truthy(aux);
  const value *allow_int = call_kwarg(a, "allow_int", NULL);
  g->allow_int = allow_int && value_truthy(allow_int);
  const value *holo = call_kwarg(a, "holomorphic", NULL);
  g->holomorphic = holo && value_truthy(holo);
  *out = (value){.kind = V_FUNC, .func = a->pos[0].func, .closure = a->pos[0].closure, .ad = g};
  return true;
}

static bool builtin_grad(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  return make_grad(t, a, AD_GRAD, out);
}

static bool builtin_jacfwd(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  return make_grad(t, a, AD_JACFWD, out);
}

static bool builtin_jacrev(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  return make_grad(t, a, AD_JACREV, out);
}

/* hessian(f, argnums, has_aux, holomorphic) = jacfwd(jacrev(f, ...), ...) */
static bool builtin_hessian(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  value inner;
  if (!make_grad(t, a, AD_JACREV, &inner)) return false;
  struct ad_fn *g = ARENA_NEW(&t->scratch, struct ad_fn);
  *g = *inner.ad;
  g->kind = AD_JACFWD, g->fn = inner;
  *out = inner;
  out->ad = g;
  return true;
}

static bool builtin_value_and_grad(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  return make_grad(t, a, AD_VALUE_AND_GRAD, out);
}

const struct ad_fn *ad_custom_new(tracer *t, const struct custom_fn *c) {
  struct ad_fn *g = ARENA_NEW(&t->scratch, struct ad_fn);
  *g = (struct ad_fn){.kind = AD_CUSTOM, .custom = c};
  return g;
}

bool call_function_value(tracer *t, const value *fn, node *call, value *args, int nargs, value *out) {
  if (fn->vmap) return vmap_call_value(t, fn, call, args, nargs, out);
  if (fn->ad && fn->ad->kind == AD_CUSTOM) return custom_fn_call(t, fn->ad->custom, call, args, nargs, out);
  if (fn->ad && fn->ad->kind == AD_PULLBACK) return pullback_call(t, fn->ad, call, args, nargs, out);
  if (fn->ad && fn->ad->kind == AD_LINEARIZED) return linearized_call(t, fn->ad, call, args, nargs, out);
  if (fn->ad && (fn->ad->kind == AD_JACFWD || fn->ad->kind == AD_JACREV)) return jac_call(t, fn->ad, call, args, nargs, out);
  if (fn->ad) return grad_call(t, fn->ad, call, args, nargs, out);
  if (fn->func->is_jit) return call_jit(t, fn->func, fn->closure, call, args, nargs, out);
  return call_user(t, fn->func, fn->closure, call, args, nargs, out);
}

static const char *const kw_grad[] = {"argnums", "has_aux", "allow_int", NULL};
static const char *const kw_vjp[] = {"has_aux", NULL};
static const char *const kw_jacfwd[] = {"argnums", "has_aux", "holomorphic", NULL};
static const char *const kw_jacrev[] = {"argnums", "has_aux", "holomorphic", "allow_int", NULL};

const builtin_def builtins_grad[] = {
    {"grad", builtin_grad, 1, 2, kw_grad, 0},
    {"value_and_grad", builtin_value_and_grad, 1, 2, kw_grad, 0},
    {"jacfwd", builtin_jacfwd, 1, 2, kw_jacfwd, 0},
    {"jacrev", builtin_jacrev, 1, 2, kw_jacrev, 0},
    {"jacobian", builtin_jacrev, 1, 2, kw_jacrev, 0},
    {"hessian", builtin_hessian, 1, 2, kw_jacfwd, 0},
    {"vjp", builtin_vjp, 1, TJ_MAX_PARAMS + 1, kw_vjp, 0},
    {"linearize", builtin_linearize, 1, TJ_MAX_PARAMS + 1, kw_vjp, 0},
    {NULL, NULL, 0, 0, NULL, 0},
};
