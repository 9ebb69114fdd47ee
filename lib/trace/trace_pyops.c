/* Python's operators and names on arrays, as jax.Array defines them
 * (jax/_src/numpy/array_methods.py at jax-v0.10.2): `%` is jnp.remainder
 * (__mod__ -> _operator_mod -> ufuncs.mod -> remainder), with the @jit
 * remainder/fmod/floor_divide of jax/_src/numpy/ufuncs.py and clip of
 * lax_numpy.py recorded as nested jit equations; the constants inf, nan,
 * pi, e; the attributes T and mT and the methods that call a builtin;
 * Python's binding of a call's arguments to a user function's parameters
 * (keywords, defaults). */
#include "prims.h"
#include "trace.h"
#include "trace_array_int.h"
#include "util.h"

#include <math.h>
#include <string.h>

/* Identities for the jit cache (it keys on a function): one per helper
 * (clip: per layout of its arguments), never read or written. */
static const ast_func remainder_tag, fmod_tag, floor_divide_tag, clip_tags[25];

/* A jit equation of nout outputs, given back as a tuple. */
static bool jit_tuple_result(tracer *t, uint32_t nout, const ir_atom *in, int n, const ir_param *ps, tj_span span,
                             value *out) {
  uint32_t outs[TJ_MAX_JIT_RESULTS];
  if (nout > TJ_MAX_JIT_RESULTS) return tracer_error(t, span, "internal error: a jit of %u results", nout);
  if (!emit_n(t, P_jit, in, n, (int)nout, ps, 2, span, outs)) return false;
  value *items = ARENA_ARRAY(&t->scratch, value, nout);
  for (uint32_t i = 0; i < nout; i++) items[i] = value_traced(outs[i]);
  *out = (value){.kind = V_TUPLE, .n = (int)nout, .items = items};
  return true;
}

bool jnp_jit(tracer *t, const jnp_jit_fn *fn, const value *vals, int n, tj_span span, value *out) {
  ir_atom outer_in[JNP_JIT_MAX_ARGS];
  tj_aval avals[JNP_JIT_MAX_ARGS];
  if (n > JNP_JIT_MAX_ARGS) return tracer_error(t, span, "internal error: %s takes %d arguments", fn->name, n);
  for (int i = 0; i < n; i++) {
    avals[i] = value_aval(t, &vals[i]);
    if (!own_atom(t, &vals[i], span, &outer_in[i])) return false;
  }
  ast_func *key = (ast_func *)fn->tag;
  ir_jaxpr *inner = jit_cache_find(t, key, &fn->statics, avals, n);
  if (!inner) {
    trace_frame f = {0};
    if (!frame_push(t, &f, span)) return false;
    uint32_t args[JNP_JIT_MAX_ARGS];
    value v[JNP_JIT_MAX_ARGS], result;
    for (int i = 0; i < n; i++) v[i] = value_traced(args[i] = ir_new_var(t->m, &avals[i]));
    inner = f.jaxpr;
    bool ok = fn->body(t, fn->ctx, v, span, &result);
    /* a tuple result (jnp.linalg.svd's (u, s, vh)) is several outputs */
    int nres = ok && result.kind == V_TUPLE ? result.n : 1;
    inner->outs = ARENA_ARRAY(&t->m->arena, ir_atom, nres);
    for (int i = 0; ok && i < nres; i++) { /* a constant result (jnp.isinf of integers) is a literal output */
      inner->outs[i] = 0;
      ok = own_atom(t, result.kind == V_TUPLE ? &result.items[i] : &result, span, &inner->outs[i]);
    }
    frame_seal(t, &f, args, n);
    frame_pop(t);
    if (!ok) return false;
    inner->nout = (uint32_t)nres;
    jit_cache_add(t, key, &fn->statics, avals, n, inner);
  }
  ir_param ps[2] = {{"name", pv_name(t->m, fn->name)}, {"jaxpr", pv_jaxpr(t->m, inner)}};
  if (inner->nout == 1) return emit(t, P_jit, outer_in, n, NULL, ps, 2, span, out);
  return jit_tuple_result(t, inner->nout, outer_in, n, ps, span, out);
}

bool jnp_jit_no_statics(tracer *t, const ast_func *tag, const char *name, const value *vals, int n,
                        jnp_jit_body body, const void *ctx, tj_span span, value *out) {
  jnp_jit_fn fn = {name, tag, {.kind = V_TUPLE}, body, ctx};
  return jnp_jit(t, &fn, vals, n, span, out);
}

/* A lax binary operation: each operand as it is (a constant of its own
 * dtype), shapes as lax broadcasts them. */
static bool lax2(tracer *t, int prim, value a, value b, tj_span span, value *out) {
  ir_atom in[2];
  return own_atom(t, &a, span, &in[0]) && own_atom(t, &b, span, &in[1]) &&
         emit(t, prim, in, 2, NULL, NULL, 0, span, out);
}

static bool lax1(tracer *t, int prim, value a, tj_span span, value *out) {
  ir_atom in = ATOM_VAR(a.var);
  return emit(t, prim, &in, 1, NULL, NULL, 0, span, out);
}

/* lax.select(pred, on_true, on_false) is select_n(pred, on_false, on_true). */
static bool select2(tracer *t, value pred, value on_true, value on_false, tj_span span, value *out) {
  ir_atom in[3] = {ATOM_VAR(pred.var), ATOM_VAR(on_false.var), ATOM_VAR(on_true.var)};
  return emit(t, P_select_n, in, 3, NULL, NULL, 0, span, out);
}

/* _constant_like(x, c): a numpy scalar of x's dtype. */
static value constant_like(tj_dtype dt, double c) {
  return value_strong(dtype_is_float(dt) ? value_float(c) : value_int((int64_t)c), dt);
}

/* promote_args_numeric: one dtype (bool counts as int32), then
 * _promote_shapes' rank padding. */
static bool promote_numeric(tracer *t, value *v, tj_span span, tj_dtype *dt) {
  bool weak;
  if (!promote_values(t, v, 2, span, dt, &weak)) return false;
  if (*dt == DT_BOOL && (!convert(t, &v[0], DT_I32, weak, span) || !convert(t, &v[1], DT_I32, weak, span)))
    return false;
  if (*dt == DT_BOOL) *dt = DT_I32;
  return promote_ranks(t, v, 2, *dt, weak, span);
}

/* `x2 = _where(x2 == 0, lax._ones(x2), x2)`: an integer divisor of zero
 * becomes one. lax._ones is full_like(x2, 1): a constant for a scalar
 * (broadcast_in_dim returns a rank-0 operand as it is), else broadcast. */
static bool nonzero_divisor(tracer *t, value *x2, tj_span span) {
  tj_aval a = value_aval(t, x2);
  value cxy[3];
  cxy[1] = a.weak ? value_int(1) : value_strong(value_int(1), a.dtype);
  if (!apply_binary(t, P_eq, *x2, value_int(0), span, &cxy[0])) return false;
  if (a.rank > 0) {
    tj_aval fa = aval_scalar(a.dtype, a.weak);
    if (!ta_broadcast_trailing(t, &cxy[1], &fa, &a, span, &cxy[1])) return false;
  }
  cxy[2] = *x2;
  return where_jit(t, cxy, span, x2);
}

/* ufuncs.py remainder: the truncated remainder, plus the divisor where
 * its sign differs from the divisor's (Python's floor modulo). */
static bool remainder_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  (void)ctx;
  tj_dtype dt;
  if (!promote_numeric(t, v, span, &dt)) return false;
  value zero = constant_like(dt, 0), x2 = v[1], tm, nz, l1, l2, differ, plus, sum;
  if (dtype_is_int(dt) && !nonzero_divisor(t, &x2, span)) return false;
  return lax2(t, P_rem, v[0], x2, span, &tm) && lax2(t, P_ne, tm, zero, span, &nz) &&
         lax2(t, P_lt, tm, zero, span, &l1) && lax2(t, P_lt, x2, zero, span, &l2) &&
         lax2(t, P_ne, l1, l2, span, &differ) && lax2(t, P_and, differ, nz, span, &plus) &&
         lax2(t, P_add, tm, x2, span, &sum) && select2(t, plus, sum, tm, span, out);
}

/* ufuncs.py fmod: C's truncated remainder; an integer divisor of zero is
 * replaced before the promotion. */
static bool fmod_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  (void)ctx;
  tj_aval a = value_aval(t, &v[0]), b = value_aval(t, &v[1]);
  bool weak;
  if (dtype_is_int(dtype_promote(a.dtype, a.weak, b.dtype, b.weak, &weak)) && !nonzero_divisor(t, &v[1], span))
    return false;
  tj_dtype dt;
  return promote_numeric(t, v, span, &dt) && lax2(t, P_rem, v[0], v[1], span, out);
}

/* _float_divmod(x1, x2)[0] (CPython's float_divmod): the quotient of
 * x1 - fmod(x1, x2), one less where the remainder's sign is wrong, rounded. */
static bool float_floor_div(tracer *t, value x1, value x2, tj_span span, value *out) {
  value mod, zero_div, diff, cxy[3], div, n1, s2, sm, n2, ind, sum, dm;
  if (!lax2(t, P_rem, x1, x2, span, &mod) || !apply_binary(t, P_eq, x2, value_int(0), span, &zero_div) ||
      !lax2(t, P_sub, x1, mod, span, &diff))
    return false;
  cxy[0] = zero_div, cxy[1] = x1, cxy[2] = diff;
  if (!where_jit(t, cxy, span, &cxy[0]) || !lax2(t, P_div, cxy[0], x2, span, &div) ||
      !apply_binary(t, P_ne, mod, value_int(0), span, &n1) || !lax1(t, P_sign, x2, span, &s2) ||
      !lax1(t, P_sign, mod, span, &sm) || !apply_binary(t, P_ne, s2, sm, span, &n2) ||
      !lax2(t, P_and, n1, n2, span, &ind) || !apply_binary(t, P_add, mod, x2, span, &sum) ||
      !select2(t, ind, sum, mod, span, &mod) || !apply_binary(t, P_sub, div, value_float(1.0), span, &dm) ||
      !select2(t, ind, dm, div, span, &div))
    return false;
  ir_atom in = ATOM_VAR(div.var);
  ir_param p = {"rounding_method", pv_int(t->m, 0)}; /* lax.round's default, AWAY_FROM_ZERO */
  return emit(t, P_round, &in, 1, NULL, &p, 1, span, out);
}

/* ufuncs.py floor_divide: lax.div for unsigned integers; for signed ones
 * the truncated quotient, one less where the signs differ and the
 * division is inexact; for floats _float_divmod's quotient. */
static bool floor_divide_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  (void)ctx;
  tj_dtype dt;
  if (!promote_numeric(t, v, span, &dt)) return false;
  if (dtype_kindof(dt) == DK_UNSIGNED) return lax2(t, P_div, v[0], v[1], span, out);
  if (dtype_is_float(dt)) return float_floor_div(t, v[0], v[1], span, out);
  value q, s1, s2, ne1, r, ne2, cxy[3];
  if (!lax2(t, P_div, v[0], v[1], span, &q) || !lax1(t, P_sign, v[0], span, &s1) ||
      !lax1(t, P_sign, v[1], span, &s2) || !apply_binary(t, P_ne, s1, s2, span, &ne1) ||
      !lax2(t, P_rem, v[0], v[1], span, &r) || !apply_binary(t, P_ne, r, value_int(0), span, &ne2) ||
      !lax2(t, P_and, ne1, ne2, span, &cxy[0]) || !apply_binary(t, P_sub, q, value_int(1), span, &cxy[1]))
    return false;
  cxy[2] = q;
  return where_jit(t, cxy, span, out);
}

static bool check_operands(tracer *t, const char *name, const value *v, tj_span span) {
  for (int i = 0; i < 2; i++)
    if (v[i].kind != V_TRACED && !value_is_number(&v[i]))
      return tracer_error(t, span, "TypeError: %s() takes arrays or numbers, not a %s", name, value_type_name(&v[i]));
  return true;
}

bool trace_remainder(tracer *t, value x1, value x2, tj_span span, value *out) {
  value v[2] = {x1, x2};
  return check_operands(t, "remainder", v, span) &&
         jnp_jit_no_statics(t, &remainder_tag, "remainder", v, 2, remainder_body, NULL, span, out);
}

static bool builtin_remainder(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  return trace_remainder(t, a->pos[0], a->pos[1], a->call->span, out);
}

static bool builtin_fmod(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  return check_operands(t, b->name, a->pos, a->call->span) &&
         jnp_jit_no_statics(t, &fmod_tag, "fmod", a->pos, 2, fmod_body, NULL, a->call->span, out);
}

static bool builtin_floor_divide(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  return check_operands(t, b->name, a->pos, a->call->span) &&
         jnp_jit_no_statics(t, &floor_divide_tag, "floor_divide", a->pos, 2, floor_divide_body, NULL, a->call->span,
                            out);
}

/* lax.rem: C's truncated remainder, one equation. */
static bool builtin_rem(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  return check_operands(t, b->name, a->pos, a->call->span) &&
         apply_binary(t, P_rem, a->pos[0], a->pos[1], a->call->span, out);
}

/* jnp.ravel(a): reshape(a, (size(a),)), nothing for a rank-1 array. */
static bool builtin_ravel(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  *out = a->pos[0];
  return ta_check_array(t, b, out, 0, a->pos_spans[0]) && ta_ravel(t, out, a->call->span);
}

/* Where clip's bounds are among the jit's arguments (0: absent). */
typedef struct clip_layout {
  int min_at, max_at;
} clip_layout;

/* lax_numpy.clip: maximum(min, arr), then minimum(max, arr); asarray
 * records nothing. */
static bool clip_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  const clip_layout *l = ctx;
  *out = v[0];
  if (l->min_at && !apply_binary(t, P_max, v[l->min_at], *out, span, out)) return false;
  return !l->max_at || apply_binary(t, P_min, v[l->max_at], *out, span, out);
}

/* jnp.clip(arr, min=None, max=None), an @api.jit function: its arguments
 * flatten as jit flattens (args, kwargs): the positional ones in order,
 * then the keywords in sorted order (max before min), None leaving no
 * argument. x.clip(lo, hi) passes both as keywords (array_methods._clip). */
static bool builtin_clip(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *bound[2] = {a->npos > 1 ? &a->pos[1] : NULL, a->npos > 2 ? &a->pos[2] : NULL}; /* min, max */
  bool keyword[2] = {a->call->lhs != NULL, a->call->lhs != NULL};
  for (int k = 0; k < 2; k++) {
    const value *kw = call_kwarg(a, k ? "max" : "min", NULL);
    if (kw && bound[k])
      return tracer_error(t, a->call->span, "TypeError: clip() got multiple values for argument '%s'", k ? "max" : "min");
    if (kw) bound[k] = kw, keyword[k] = true;
  }
  value vals[3] = {a->pos[0]};
  int n = 1, at[2] = {0, 0};
  for (int pass = 0; pass < 2; pass++)      /* positional bounds, then keywords */
    for (int j = 0; j < 2; j++) {
      int k = pass ? 1 - j : j;             /* keywords sorted: max, min */
      if (!bound[k] || keyword[k] != (pass == 1) || bound[k]->kind == V_NONE) continue;
      at[k] = n, vals[n++] = *bound[k];
    }
  for (int i = 0; i < n; i++)
    if (vals[i].kind != V_TRACED && !value_is_number(&vals[i]))
      return tracer_error(t, a->call->span, "TypeError: %s() takes arrays or numbers, not a %s", b->name,
                          value_type_name(&vals[i]));
  /* jit's cache key holds the tree of (args, kwargs): each bound absent,
   * positional, positional None, keyword or keyword None */
  int tree[2];
  for (int k = 0; k < 2; k++)
    tree[k] = !bound[k] ? 0 : (keyword[k] ? 3 : 1) + (bound[k]->kind == V_NONE);
  clip_layout l = {at[0], at[1]};
  return jnp_jit_no_statics(t, &clip_tags[tree[0] * 5 + tree[1]], "clip", vals, n, clip_body, &l, a->call->span, out);
}

bool python_constant(const char *name, value *out) {
  /* jnp.inf, jnp.nan, jnp.pi, jnp.e are Python floats: static and weak */
  static const struct { const char *name; double value; } constants[] = {
      {"inf", INFINITY}, {"nan", NAN}, {"pi", 3.141592653589793}, {"e", 2.718281828459045},
  };
  for (size_t i = 0; i < TJ_COUNT(constants); i++)
    if (strcmp(constants[i].name, name) == 0) return *out = value_float(constants[i].value), true;
  return false;
}

static const char *const kw_clip[] = {"min", "max", NULL};

const builtin_def builtins_pyops[] = {
    {"remainder", builtin_remainder, 2, 2, NULL, P_rem}, {"mod", builtin_remainder, 2, 2, NULL, P_rem},
    {"fmod", builtin_fmod, 2, 2, NULL, P_rem},           {"rem", builtin_rem, 2, 2, NULL, P_rem},
    {"floor_divide", builtin_floor_divide, 2, 2, NULL, P_div},
    {"ravel", builtin_ravel, 1, 1, NULL, P_reshape},
    {"clip", builtin_clip, 1, 3, kw_clip, P_max},
    {NULL, NULL, 0, 0, NULL, 0},
};

/* ---- attributes and methods of arrays (array_methods.py) ---- */

/* x.T is jnp.transpose(x) (_transpose_property): all axes reversed; x.mT
 * is jnp.matrix_transpose(x): the last two swapped, for ndim >= 2. */
bool array_property(tracer *t, const char *field, value v, tj_span span, bool *found, value *out) {
  *found = true;
  if (strcmp(field, "T") == 0) return call_builtin_values(t, "transpose", &v, 1, span, out);
  if (strcmp(field, "mT") != 0) return *found = false, true;
  tj_aval a = value_aval(t, &v);
  if (a.rank < 2)
    return tracer_error(t, span, "ValueError: x must be at least two-dimensional for matrix_transpose; got ndim=%d",
                        a.rank);
  int64_t perm[TJ_MAX_RANK];
  for (int i = 0; i < a.rank; i++) perm[i] = i;
  perm[a.rank - 2] = a.rank - 1, perm[a.rank - 1] = a.rank - 2;
  *out = v;
  return ta_transpose_by(t, out, perm, a.rank, span);
}

/* The methods of jax.Array that are calls of a builtin with the array
 * first (array_methods.py _array_methods): the same keywords; reshape and
 * transpose also take their shape or axes as separate arguments. */
static const struct {
  const char *method, *builtin;
  bool packs; /* x.reshape(2, 3) is x.reshape((2, 3)) */
} methods[] = {
    {"sum", "sum", false},       {"prod", "prod", false},     {"max", "max", false},
    {"min", "min", false},       {"mean", "mean", false},     {"argmax", "argmax", false},
    {"argmin", "argmin", false}, {"astype", "astype", false}, {"squeeze", "squeeze", false},
    {"dot", "dot", false},       {"reshape", "reshape", true}, {"transpose", "transpose", true},
    {"flatten", "ravel", false}, {"ravel", "ravel", false},  {"clip", "clip", false},
    {"any", "any", false},       {"all", "all", false},
};

const char *method_builtin(const char *method, bool *packs) {
  for (size_t i = 0; i < TJ_COUNT(methods); i++)
    if (strcmp(methods[i].method, method) == 0) return *packs = methods[i].packs, methods[i].builtin;
  return NULL;
}

/* ---- Python's binding of a call's arguments to a user function ---- */

/* "'x'", "'x' and 'y'", "'x', 'y', and 'z'": CPython's list of missing names. */
static bool missing_error(tracer *t, const ast_func *f, const bool *given, tj_span span) {
  int names[TJ_MAX_PARAMS], n = 0;
  for (int i = 0; i < f->nparams; i++)
    if (!given[i] && !f->params[i].default_value) names[n++] = i;
  if (!n) return true;
  tj_buf b = {0};
  for (int k = 0; k < n; k++)
    buf_printf(&b, "%s'%s'", k == 0 ? "" : n == 2 ? " and " : k == n - 1 ? ", and " : ", ",
               name_str(t->prog->names, f->params[names[k]].name));
  tracer_error(t, span, "TypeError: %s() missing %d required positional argument%s: %s",
               name_str(t->prog->names, f->name), n, n == 1 ? "" : "s", b.data);
  buf_free(&b);
  return false;
}

static bool too_many_positional(tracer *t, const ast_func *f, int npos, tj_span span) {
  int required = 0;
  while (required < f->nparams && !f->params[required].default_value) required++;
  const char *fname = name_str(t->prog->names, f->name), *were = npos == 1 ? "was" : "were";
  if (required == f->nparams)
    return tracer_error(t, span, "TypeError: %s() takes %d positional argument%s but %d %s given", fname,
                        f->nparams, f->nparams == 1 ? "" : "s", npos, were);
  return tracer_error(t, span, "TypeError: %s() takes from %d to %d positional arguments but %d %s given", fname,
                      required, f->nparams, npos, were);
}

/* A keyword argument k=v: the parameter named k, given once. */
static bool bind_keyword(tracer *t, const ast_func *f, const node *arg, bool *given, int *index) {
  const char *fname = name_str(t->prog->names, f->name), *kw = name_str(t->prog->names, arg->kwname);
  for (*index = 0; *index < f->nparams && f->params[*index].name != arg->kwname; ++*index) {}
  if (*index == f->nparams)
    return tracer_error(t, arg->span, "TypeError: %s() got an unexpected keyword argument '%s'", fname, kw);
  if (given[*index]) return tracer_error(t, arg->span, "TypeError: %s() got multiple values for argument '%s'", fname, kw);
  return given[*index] = true;
}

/* A parameter's default: a static value of its definition's scope. */
static bool default_arg(tracer *t, const ast_func *f, int i, scope *closure, value *out) {
  node *d = f->params[i].default_value;
  if (!eval(t, closure ? closure : scope_new(t, NULL), d, out)) return false;
  if (out->kind == V_TRACED)
    return tracer_error(t, d->span, "a default value of parameter '%s' must be static (it is evaluated once, as "
                        "Python evaluates it when the function is defined)", name_str(t->prog->names, f->params[i].name));
  return true;
}

bool trace_param_default(tracer *t, const ast_func *f, int i, value *out) { return default_arg(t, f, i, NULL, out); }

bool bind_user_args(tracer *t, scope *s, ast_func *f, scope *closure, node *call, value *args) {
  int n = call->nitems, npos = 0;
  value *vals = ARENA_ARRAY(&t->scratch, value, n ? n : 1);
  for (int i = 0; i < n; i++) {
    if (!eval(t, s, call->items[i], &vals[i])) return false; /* all arguments first, as Python does */
    npos += !call->items[i]->kwname;
  }
  bool given[TJ_MAX_PARAMS] = {0};
  for (int i = 0; i < npos && i < f->nparams; i++) args[i] = vals[i], given[i] = true;
  for (int i = npos, k; i < n; i++) {
    if (!bind_keyword(t, f, call->items[i], given, &k)) return false;
    args[k] = vals[i];
  }
  if (npos > f->nparams) return too_many_positional(t, f, npos, call->span);
  if (!missing_error(t, f, given, call->span)) return false;
  for (int i = 0; i < f->nparams; i++)
    if (!given[i] && !default_arg(t, f, i, closure, &args[i])) return false;
  return true;
}
