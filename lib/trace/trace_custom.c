/* User-defined custom derivatives (jax.custom_jvp, jax.custom_vjp), as JAX
 * 0.10.2's jax/_src/custom_derivatives.py records them. The language
 * spells `f = jax.custom_jvp(f); f.defjvp(f_jvp)` as the builtin
 * `custom_jvp(f, f_jvp)`, a function value (value.ad, trace_grad.c's
 * AD_CUSTOM) whose call is custom_jvp.__call__ ->
 * DynamicJaxprTrace.process_custom_jvp_call: f traced into a closed
 * call_jaxpr of its own at each call (the traced values it closes over
 * become its leading invars and the equation's leading operands,
 * num_consts of them), then one custom_jvp_call[name call_jaxpr jvp
 * num_consts symbolic_zeros] equation.
 *
 * JAX traces the rule only when the call is differentiated (JVPTrace /
 * LinearizeTrace.process_custom_jvp_call call it on the trace below). The
 * JVP and reverse mode of tjit run on jaxprs with no tracer, so the rule
 * is traced here, at the call, into a jaxpr taking the equation's
 * operands then one tangent per argument leaf and returning the primal
 * outputs then the tangent outputs; it rides on the `jvp` param (a
 * PV_NAME whose jaxpr is the rule: the listing prints the name only), and
 * lib/ir/jvp_custom.c replays it where JAX runs the rule. Calls of custom
 * functions made while a rule is traced get rules of their own, to a depth
 * (JAX traces theirs only when differentiating the rule again).
 *
 * `custom_vjp(f, f_fwd, f_bwd)` (jax.custom_vjp + defvjp) records
 * custom_vjp_call[name bwd call_jaxpr fwd num_consts symbolic_zeros]
 * (process_custom_vjp_call) the same way; fwd is traced into a jaxpr of
 * the equation's operands returning the primal outputs then the residual
 * leaves (on the fwd param), bwd into one of the residuals and the output
 * cotangents returning the cotangents it gives (on the bwd param, whose
 * items say which argument leaves got one: a None gives none). The JVP
 * replays fwd and binds custom_lin, whose transpose replays bwd
 * (jvp_custom.c, transpose_custom.c). */
#include <string.h>

#include "prims.h"
#include "trace.h"
#include "trace_body.h"
#include "trace_tree.h"
#include "util.h"

struct custom_fn {
  bool vjp;
  value fn, jvp, fwd, bwd;
};

/* Rules being traced now. A rule usually calls its own function, whose
 * call traces the rule again: tracing stops MAX_RULE_DEPTH rules deep, so a
 * custom function's rules hold for derivatives up to that order through
 * them (the deeper calls' rules are NotImplementedError when used). */
enum { MAX_RULE_DEPTH = 3 };
static _Thread_local int rule_depth;

static bool call_fn(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  return call_function_value(t, ctx, call, args, nargs, result);
}

static const char *fn_name(tracer *t, const value *f) { return name_str(t->prog->names, f->func->name); }

/* The rule's invars rearranged as the equation's operands then the
 * tangents: each traced value the rule closes over must be one f closes
 * over (the equation has no operand for any other). */
static bool rule_invars(tracer *t, const char *kind, const body *pb, body *rb, tj_span span) {
  ir_jaxpr *j = rb->jaxpr;
  uint32_t *inv = ARENA_ARRAY(&t->m->arena, uint32_t, (uint32_t)(pb->nconst + rb->nargs) + 1);
  for (int k = 0; k < pb->nconst; k++) inv[k] = ir_new_var(t->m, &t->m->vars[pb->jaxpr->invars[k]]);
  for (int i = 0; i < rb->nconst; i++) {
    int k = 0;
    while (k < pb->nconst && pb->outer[k] != rb->outer[i]) k++;
    if (k == pb->nconst)
      return tracer_error(t, span,
                          "a %s rule may close over only the traced values its function closes over "
                          "(tjit runs the rule from the %s_call equation's operands)",
                          kind, kind);
    inv[k] = j->invars[i];
  }
  for (int i = 0; i < rb->nargs; i++) inv[pb->nconst + i] = j->invars[rb->nconst + i];
  j->invars = inv;
  j->nin = (uint32_t)(pb->nconst + rb->nargs);
  return true;
}

/* "(f32[], f32[3])": str() of the tree of str_short()s with the quotes
 * removed, as _flatten_jvp prints ty_tree. */
static void type_tree_text(tracer *t, const value *v, tj_buf *b) {
  if (v->kind == V_TUPLE) {
    buf_puts(b, v->list ? "[" : "(");
    for (int i = 0; i < v->n; i++) {
      if (i) buf_puts(b, ", ");
      type_tree_text(t, &v->items[i], b);
    }
    buf_puts(b, v->list ? "]" : v->n == 1 ? ",)" : ")");
    return;
  }
  char s[128];
  tj_aval a = value_aval(t, v);
  aval_format_long(&a, s, sizeof s);
  buf_puts(b, s);
}

static char *tree_str(tracer *t, const value *v, bool types) {
  tj_buf b = {0};
  if (types) type_tree_text(t, v, &b);
  else {
    buf_puts(&b, "PyTreeDef(");
    tree_def_text(t, v, &b);
    buf_puts(&b, ")");
  }
  char *s = arena_strdup(&t->scratch, b.data ? b.data : "");
  buf_free(&b);
  return s;
}

/* _flatten_jvp's checks of the rule's output, in its order. */
static bool check_rule_out(tracer *t, const struct custom_fn *c, const value *fout, const value *pair, tj_span span) {
  const char *f = fn_name(t, &c->fn), *r = fn_name(t, &c->jvp);
  if (pair->kind != V_TUPLE || pair->n != 2) {
    tj_buf b = {0};
    if (pair->kind == V_TUPLE) type_tree_text(t, pair, &b); /* tjit shows a tuple's leaves as types */
    const char *shown = pair->kind == V_TUPLE ? (b.data ? b.data : "") : jax_tracer_repr(t, pair);
    tracer_error(t, span,
                 "TypeError: Custom JVP rule %s for function %s must produce a pair (list or tuple of length two) "
                 "representing primal and tangent outputs, but got %s.",
                 r, f, shown);
    buf_free(&b);
    return false;
  }
  const value *po = &pair->items[0], *to = &pair->items[1];
  if (!tree_same_structure(po, to))
    return tracer_error(t, span,
                        "TypeError: Custom JVP rule %s for function %s must produce primal and tangent outputs with "
                        "equal container (pytree) structures, but got %s and %s respectively.",
                        r, f, tree_str(t, po, false), tree_str(t, to, false));
  if (!tree_same_structure(po, fout))
    return tracer_error(t, span,
                        "TypeError: Custom JVP rule %s for function %s must produce a pair (list or tuple of length "
                        "two) where the first element represents the primal output (equal in value to the output "
                        "of the custom_jvp-decorated function %s, and in particular of the same container/pytree "
                        "structure), but instead the JVP rule output's first element had container/pytree "
                        "structure:\n    %s\nwhile the custom_jvp-decorated function %s had output container/pytree "
                        "structure:\n    %s.",
                        r, f, f, tree_str(t, po, true), f, tree_str(t, fout, true));
  leaves lp = {0}, lt = {0}, lf = {0};
  if (!tree_flatten(t, po, &lp, span, "jvp rule outputs") || !tree_flatten(t, to, &lt, span, "jvp rule outputs") ||
      !tree_flatten(t, fout, &lf, span, "function outputs"))
    return false;
  for (int i = 0; i < lp.n; i++) {
    tj_aval a = value_aval(t, &lp.v[i]), b = value_aval(t, &lf.v[i]);
    if (a.dtype != b.dtype || !aval_same_shape(&a, &b))
      return tracer_error(t, span,
                          "TypeError: Custom JVP rule %s for function %s must produce a pair (list or tuple of "
                          "length two) where the first element represents the primal output (equal in value to the "
                          "output of the custom_jvp-decorated function %s, and in particular with leaves of the same "
                          "shape/dtype), but instead the JVP rule output's first element had shapes/dtypes of:\n"
                          "    %s\nwhile the custom_jvp-decorated function %s had output shapes/dtypes of:\n    %s",
                          r, f, f, tree_str(t, po, true), f, tree_str(t, fout, true));
  }
  for (int i = 0; i < lp.n; i++) {
    tj_aval p = value_aval(t, &lp.v[i]), g = value_aval(t, &lt.v[i]);
    if (p.dtype == g.dtype && aval_same_shape(&p, &g)) continue;
    p.weak = g.weak = false;
    char ps[128], gs[128];
    aval_format_long(&p, ps, sizeof ps);
    aval_format_long(&g, gs, sizeof gs);
    if (lp.n == 1)
      return tracer_error(t, span,
                          "TypeError: Custom JVP rule must produce primal and tangent outputs with corresponding "
                          "shapes and dtypes. Expected %s (tangent type of %s) but got %s.",
                          ps, ps, gs);
    return tracer_error(t, span,
                        "TypeError: Custom JVP rule must produce primal and tangent outputs with corresponding "
                        "shapes and dtypes, but got:\n  primal %s with tangent %s, expecting tangent %s",
                        ps, gs, ps);
  }
  return true;
}

/* ---- rules JAX runs only when differentiating ---- */

static const char *const nested_rule =
    "NotImplementedError: differentiating through custom rules more than 3 deep is not supported (tjit traces a "
    "custom function's rules where it is called, and a rule's own calls' rules 3 levels deep)";


/* A rule that cannot run is an error only where JAX would run it: its
 * message rides on the rule's param (items[0], jaxpr NULL) and the JVP or
 * the transpose reports it at the call (lib/ir/jvp_custom.c,
 * transpose_custom.c). */
static void defer(tracer *t, pval *v, const char *msg) {
  v->jaxpr = NULL;
  v->items = ARENA_ARRAY(&t->m->arena, pval *, 1);
  v->items[0] = pv_name(t->m, msg);
  v->nitems = 1;
}

/* The diagnostics added since (tail, nerrors) taken back, the first's
 * message deferred on v: a check of a rule's output that JAX makes when it
 * runs the rule. */
static void take_back(tracer *t, tj_diag *tail, int nerrors, pval *v) {
  diag_list *d = t->diags;
  tj_diag *first = tail ? tail->next : d->head;
  defer(t, v, arena_strdup(&t->m->arena, first && first->msg ? first->msg : "error"));
  if (tail) tail->next = NULL;
  else d->head = NULL;
  d->tail = tail, d->nerrors = nerrors;
}

/* Whether every argument leaf is inexact (tjit has no float0 tangents). */
static bool float_args(tracer *t, const value *argt, tj_span span, pval *v, const char *kind) {
  leaves lp = {0};
  if (!tree_flatten(t, argt, &lp, span, "custom function arguments")) return false;
  for (int i = 0; i < lp.n; i++)
    if (!dtype_is_float(value_aval(t, &lp.v[i]).dtype)) {
      defer(t, v, arena_printf(&t->m->arena, "differentiating a %s function of integer or boolean arguments is "
                                              "not supported: their tangents would be float0", kind));
      return true;
    }
  return true;
}

/* The rule traced on (primals, tangents), checked, as a jaxpr of the
 * equation's operands and the tangents, put on v (jvp=); none inside a
 * rule. False for an error of tracing the rule (tjit's, at the call). */
static bool trace_rule(tracer *t, const struct custom_fn *c, const body *pb, value *args, int nargs, node *call,
                       pval *v) {
  if (rule_depth >= MAX_RULE_DEPTH) {
    defer(t, v, nested_rule);
    return true;
  }
  value prim = {.kind = V_TUPLE, .items = args, .n = nargs};
  value pt[2] = {prim, prim};
  if (!float_args(t, &prim, call->span, v, "custom_jvp")) return false;
  if (v->nitems) return true;
  body rb = {0};
  body_info info = {"custom_jvp jvp", &c->jvp, NULL, 0};
  rule_depth++;
  bool ok = trace_with(t, call_fn, &c->jvp, pt, 2, NULL, &info, call, &rb);
  rule_depth--;
  if (!ok) return false;
  tj_diag *tail = t->diags->tail;
  int nerrors = t->diags->nerrors;
  if (!check_rule_out(t, c, &pb->result, &rb.result, call->span)) {
    take_back(t, tail, nerrors, v);
    return true;
  }
  if (!rule_invars(t, "custom_jvp", pb, &rb, call->span)) return false;
  v->jaxpr = rb.jaxpr;
  return true;
}

/* custom_jvp.__call__(*args) */
static bool custom_jvp_call(tracer *t, const struct custom_fn *c, node *call, value *args, int nargs, value *out) {
  tj_span span = call->span;
  value argt = {.kind = V_TUPLE, .items = args, .n = nargs};
  leaves lp = {0};
  if (!tree_flatten(t, &argt, &lp, span, "custom_jvp arguments")) return false;
  body pb = {0};
  body_info info = {"custom_jvp fun", &c->fn, NULL, 0};
  if (!trace_with(t, call_fn, &c->fn, args, nargs, NULL, &info, call, &pb)) return false;
  pval *jvp = pv_name(t->m, fn_name(t, &c->jvp));
  if (!trace_rule(t, c, &pb, args, nargs, call, jvp)) return false;
  int nin = pb.nconst + lp.n, nout = (int)pb.jaxpr->nout;
  ir_atom *ins = ARENA_ARRAY(&t->scratch, ir_atom, nin + 1);
  for (int i = 0; i < pb.nconst; i++) ins[i] = frame_atom(t, pb.outer[i]);
  for (int i = 0; i < lp.n; i++)
    if (!ad_leaf_atom(t, &lp.v[i], span, &ins[pb.nconst + i])) return false;
  ir_param ps[5] = {{"name", pv_name(t->m, fn_name(t, &c->fn))},
                    {"call_jaxpr", pv_jaxpr(t->m, pb.jaxpr)},
                    {"jvp", jvp},
                    {"symbolic_zeros", pv_bool(t->m, false)},
                    {"num_consts", pv_int(t->m, pb.nconst)}};
  uint32_t *outs = ARENA_ARRAY(&t->scratch, uint32_t, nout + 1);
  if (!emit_n(t, P_custom_jvp_call, ins, nin, nout, ps, pb.nconst ? 5 : 4, span, outs)) return false;
  value *vals = ARENA_ARRAY(&t->scratch, value, nout + 1);
  for (int i = 0; i < nout; i++) vals[i] = value_traced(outs[i]);
  int k = 0;
  *out = tree_unflatten(t, &pb.result, vals, &k);
  return true;
}



/* ---- custom_vjp ---- */

/* _flatten_fwd's checks of the fwd rule's output, in its order. */
static bool check_fwd_out(tracer *t, const struct custom_fn *c, const value *fout, const value *pair, tj_span span) {
  const char *f = fn_name(t, &c->fn), *r = fn_name(t, &c->fwd);
  if (pair->kind != V_TUPLE || pair->n != 2) {
    tj_buf b = {0};
    if (pair->kind == V_TUPLE) type_tree_text(t, pair, &b);
    const char *shown = pair->kind == V_TUPLE ? (b.data ? b.data : "") : jax_tracer_repr(t, pair);
    tracer_error(t, span,
                 "TypeError: Custom VJP fwd rule %s for function %s must produce a pair (list or tuple of length "
                 "two) where the first element represents the primal output (equal to those of the "
                 "custom_vjp-decorated function %s) and the second element represents residuals (i.e. values stored "
                 "from the forward pass for use on the backward pass), but instead of a pair the fwd rule %s "
                 "produced %s.",
                 r, f, f, r, shown);
    buf_free(&b);
    return false;
  }
  const value *po = &pair->items[0];
  if (!tree_same_structure(po, fout))
    return tracer_error(t, span,
                        "TypeError: Custom VJP fwd rule %s for function %s must produce a pair (list or tuple of "
                        "length two) where the first element represents the primal output (equal to the output of "
                        "the custom_vjp-decorated function %s) and the second element represents residuals (i.e. "
                        "values stored from the forward pass for use on the backward pass), but instead the fwd "
                        "rule output's first element had container/pytree structure:\n    %s\nwhile the "
                        "custom_vjp-decorated function %s had output container/pytree structure:\n    %s.",
                        r, f, f, tree_str(t, po, true), f, tree_str(t, fout, true));
  leaves lp = {0}, lf = {0};
  if (!tree_flatten(t, po, &lp, span, "fwd rule outputs") || !tree_flatten(t, fout, &lf, span, "function outputs"))
    return false;
  for (int i = 0; i < lp.n; i++) {
    tj_aval a = value_aval(t, &lp.v[i]), b = value_aval(t, &lf.v[i]);
    if (a.dtype != b.dtype || !aval_same_shape(&a, &b))
      return tracer_error(t, span,
                          "TypeError: Custom VJP fwd rule %s for function %s must produce a pair (list or tuple of "
                          "length two) where the first element represents the primal output (equal to the output "
                          "of the custom_vjp-decorated function %s) and the second element represents residuals "
                          "(i.e. values stored from the forward pass for use on the backward pass), but instead the "
                          "fwd rule output's first element had shapes/dtypes of:\n    %s\nwhile the "
                          "custom_vjp-decorated function %s had output shapes/dtypes of:\n    %s",
                          r, f, f, tree_str(t, po, true), f, tree_str(t, fout, true));
  }
  return true;
}

typedef struct bwd_ctx {
  const struct custom_fn *c;
  value args;        /* the primal arguments' tuple (their avals) */
  pval *given;       /* per argument leaf: whether bwd gave its cotangent */
  bool check_failed; /* the output's check failed (a deferred error) */
} bwd_ctx;

/* _flatten_bwd: bwd(res, g), a list of the right length taken as a tuple,
 * its structure and each cotangent's type checked against the arguments';
 * the result is the cotangents given (a None gives none). */
static bool call_bwd(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  value r;
  bwd_ctx *x = (bwd_ctx *)ctx;
  if (!call_function_value(t, &x->c->bwd, call, args, nargs, &r)) return false;
  x->check_failed = true;
  if (r.kind == V_TUPLE && r.list && r.n == x->args.n) r.list = false;
  bool shaped = r.kind == V_TUPLE && !r.list && r.n == x->args.n;
  for (int i = 0; shaped && i < r.n; i++)
    shaped = r.items[i].kind == V_NONE || tree_same_structure(&r.items[i], &x->args.items[i]);
  if (!shaped)
    return tracer_error(t, call->span,
                        "TypeError: Custom VJP bwd rule must produce an output with the same container (pytree) "
                        "structure as the args tuple of the primal function, and in particular must produce a tuple "
                        "of length equal to the number of arguments to the primal function, but got bwd output "
                        "structure %s for primal input structure %s.",
                        tree_str(t, &r, false), tree_str(t, &x->args, false));
  value *kept = ARENA_ARRAY(&t->scratch, value, r.n + 1);
  int nk = 0, leaf = 0;
  for (int i = 0; i < r.n; i++) {
    leaves la = {0}, lc = {0};
    if (!tree_flatten(t, &x->args.items[i], &la, call->span, "custom_vjp arguments")) return false;
    bool none = r.items[i].kind == V_NONE;
    if (!none && !tree_flatten(t, &r.items[i], &lc, call->span, "bwd rule outputs")) return false;
    for (int k = 0; k < la.n; k++, leaf++) {
      x->given->items[leaf] = pv_bool(t->m, !none);
      if (none) continue;
      tj_aval a = value_aval(t, &la.v[k]), g = value_aval(t, &lc.v[k]);
      if (aval_same_shape(&a, &g) && (a.dtype == g.dtype || dtype_is_float(a.dtype))) continue;
      char as[128], gs[128];
      aval_format_long(&a, as, sizeof as);
      aval_format_long(&g, gs, sizeof gs);
      return tracer_error(t, call->span,
                          "ValueError: Custom VJP bwd rule must produce an output with the same type as the args "
                          "tuple of the primal function, but at output%s the bwd rule produced an output of type %s "
                          "corresponding to an input of type %s%s",
                          tree_path_of(t, &x->args, leaf), gs, as, jax_mismatch_extra(&a, &g));
    }
    if (!none) kept[nk++] = r.items[i];
  }
  *result = (value){.kind = V_TUPLE, .items = kept, .n = nk};
  x->check_failed = false;
  return true;
}

/* fwd traced on the arguments (its jaxpr: the equation's operands to the
 * primal outputs then the residuals) and bwd on (residuals, cotangents)
 * (its jaxpr: the residuals and cotangents to the cotangents given). */
static bool trace_vjp_rules(tracer *t, const struct custom_fn *c, const body *pb, value *args, int nargs, node *call,
                            pval *fwdv, pval *bwdv) {
  if (rule_depth >= MAX_RULE_DEPTH) {
    defer(t, fwdv, nested_rule);
    return true;
  }
  tj_span span = call->span;
  value argt = {.kind = V_TUPLE, .items = args, .n = nargs};
  leaves lp = {0};
  if (!tree_flatten(t, &argt, &lp, span, "custom_vjp arguments")) return false;
  if (!float_args(t, &argt, span, fwdv, "custom_vjp")) return false;
  if (fwdv->nitems) return true;
  body fb = {0}, bb = {0};
  body_info fi = {"custom_vjp fwd", &c->fwd, NULL, 0}, bi = {"custom_vjp bwd", &c->bwd, NULL, 0};
  rule_depth++;
  bool ok = trace_with(t, call_fn, &c->fwd, args, nargs, NULL, &fi, call, &fb);
  rule_depth--;
  if (!ok) return false;
  tj_diag *tail = t->diags->tail;
  int nerrors = t->diags->nerrors;
  if (!check_fwd_out(t, c, &pb->result, &fb.result, span)) {
    take_back(t, tail, nerrors, fwdv);
    return true;
  }
  if (!rule_invars(t, "custom_vjp", pb, &fb, span)) return false;
  fwdv->jaxpr = fb.jaxpr;
  bwd_ctx x = {c, argt, pv_seq(t->m, PV_TUPLE, lp.n), false};
  value bargs[2] = {fb.result.items[1], pb->result};
  rule_depth++;
  ok = trace_with(t, call_bwd, &x, bargs, 2, NULL, &bi, call, &bb);
  rule_depth--;
  if (!ok && x.check_failed) {
    take_back(t, tail, nerrors, bwdv);
    return true;
  }
  if (!ok) return false;
  if (bb.nconst)
    return tracer_error(t, span, "a custom_vjp bwd rule may not close over traced values (tjit runs it from the "
                                 "residuals and cotangents alone): return them from fwd as residuals");
  bwdv->jaxpr = bb.jaxpr;
  bwdv->items = x.given->items, bwdv->nitems = x.given->nitems;
  return true;
}

/* custom_vjp.__call__(*args) -> DynamicJaxprTrace.process_custom_vjp_call. */
static bool custom_vjp_call(tracer *t, const struct custom_fn *c, node *call, value *args, int nargs, value *out) {
  tj_span span = call->span;
  value argt = {.kind = V_TUPLE, .items = args, .n = nargs};
  leaves lp = {0};
  if (!tree_flatten(t, &argt, &lp, span, "custom_vjp arguments")) return false;
  body pb = {0};
  body_info info = {"custom_vjp fun", &c->fn, NULL, 0};
  if (!trace_with(t, call_fn, &c->fn, args, nargs, NULL, &info, call, &pb)) return false;
  pval *fwd = pv_name(t->m, fn_name(t, &c->fwd)), *bwd = pv_name(t->m, fn_name(t, &c->bwd));
  if (!trace_vjp_rules(t, c, &pb, args, nargs, call, fwd, bwd)) return false;
  int nin = pb.nconst + lp.n, nout = (int)pb.jaxpr->nout;
  ir_atom *ins = ARENA_ARRAY(&t->scratch, ir_atom, nin + 1);
  for (int i = 0; i < pb.nconst; i++) ins[i] = frame_atom(t, pb.outer[i]);
  for (int i = 0; i < lp.n; i++)
    if (!ad_leaf_atom(t, &lp.v[i], span, &ins[pb.nconst + i])) return false;
  ir_param ps[6] = {{"name", pv_name(t->m, fn_name(t, &c->fn))},
                    {"bwd", bwd},
                    {"call_jaxpr", pv_jaxpr(t->m, pb.jaxpr)},
                    {"fwd", fwd},
                    {"symbolic_zeros", pv_bool(t->m, false)},
                    {"num_consts", pv_int(t->m, pb.nconst)}};
  uint32_t *outs = ARENA_ARRAY(&t->scratch, uint32_t, nout + 1);
  if (!emit_n(t, P_custom_vjp_call, ins, nin, nout, ps, pb.nconst ? 6 : 5, span, outs)) return false;
  value *vals = ARENA_ARRAY(&t->scratch, value, nout + 1);
  for (int i = 0; i < nout; i++) vals[i] = value_traced(outs[i]);
  int k = 0;
  *out = tree_unflatten(t, &pb.result, vals, &k);
  return true;
}

bool custom_fn_call(tracer *t, const struct custom_fn *c, node *call, value *args, int nargs, value *out) {
  return c->vjp ? custom_vjp_call(t, c, call, args, nargs, out) : custom_jvp_call(t, c, call, args, nargs, out);
}

static bool func_arg(tracer *t, const call_args *a, int i, const char *what) {
  if (a->pos[i].kind == V_FUNC) return true;
  return tracer_error(t, a->pos_spans[i], "TypeError: %s must be a function, got %s", what,
                      jax_tracer_repr(t, &a->pos[i]));
}

/* custom_jvp(f, f_jvp): jax.custom_jvp(f) then f.defjvp(f_jvp). */
static bool builtin_custom_jvp(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  if (!func_arg(t, a, 0, "custom_jvp's function") || !func_arg(t, a, 1, "custom_jvp's jvp rule")) return false;
  struct custom_fn *c = ARENA_NEW(&t->scratch, struct custom_fn);
  c->fn = a->pos[0], c->jvp = a->pos[1];
  *out = (value){.kind = V_FUNC, .func = a->pos[0].func, .closure = a->pos[0].closure, .ad = ad_custom_new(t, c)};
  return true;
}

/* custom_vjp(f, f_fwd, f_bwd): jax.custom_vjp(f) then f.defvjp(f_fwd, f_bwd). */
static bool builtin_custom_vjp(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  if (!func_arg(t, a, 0, "custom_vjp's function") || !func_arg(t, a, 1, "custom_vjp's fwd rule") ||
      !func_arg(t, a, 2, "custom_vjp's bwd rule"))
    return false;
  struct custom_fn *c = ARENA_NEW(&t->scratch, struct custom_fn);
  c->vjp = true, c->fn = a->pos[0], c->fwd = a->pos[1], c->bwd = a->pos[2];
  *out = (value){.kind = V_FUNC, .func = a->pos[0].func, .closure = a->pos[0].closure, .ad = ad_custom_new(t, c)};
  return true;
}

const builtin_def builtins_custom[] = {
    {"custom_jvp", builtin_custom_jvp, 2, 2, NULL, 0},
    {"custom_vjp", builtin_custom_vjp, 3, 3, NULL, 0},
    {NULL, NULL, 0, 0, NULL, 0},
};
