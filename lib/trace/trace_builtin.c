/* Builtins: lookup, argument checking, and the elementwise math family.
 * Unlike operators, builtins record equations even on static operands, as
 * jnp functions do. */
#include "prims.h"
#include "trace.h"
#include "util.h"

#include <string.h>

bool own_atom(tracer *t, const value *v, tj_span span, ir_atom *out) {
  tj_aval a = value_aval(t, v);
  return to_atom(t, v, a.dtype, a.weak, span, out);
}

/* jnp's promote_args_inexact: integer and bool operands become inexact. */
static bool unary_inexact(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  value v = a->pos[0];
  tj_span span = a->call->span;
  tj_aval av = value_aval(t, &v);
  tj_dtype dt = dtype_to_inexact(av.dtype);
  ir_atom in;
  if (!convert(t, &v, dt, av.weak, span) || !to_atom(t, &v, dt, av.weak, span, &in)) return false;
  return emit(t, b->prim, &in, 1, NULL, NULL, 0, span, out);
}

/* jnp.absolute (ufuncs.py): bool and unsigned operands are returned as
 * they are (lax.asarray), the others are lax.abs's (an inline jit). */
static bool unary_abs(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  dtype_kind k = dtype_kindof(value_aval(t, &a->pos[0]).dtype);
  if (k == DK_BOOL || k == DK_UNSIGNED) { *out = a->pos[0]; return true; }
  ir_atom in;
  return own_atom(t, &a->pos[0], a->call->span, &in) &&
         emit(t, b->prim, &in, 1, NULL, NULL, 0, a->call->span, out);
}

static bool unary_numeric(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  ir_atom in;
  return own_atom(t, &a->pos[0], a->call->span, &in) &&
         emit(t, b->prim, &in, 1, NULL, NULL, 0, a->call->span, out);
}

/* jnp.floor, jnp.ceil: inline jits, integers returned as they are;
 * jnp.round is a jit of its own (trace_math.c). */
static bool unary_rounding(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  if (b->prim == P_round) return trace_round(t, b, a, out);
  const value *v = &a->pos[0];
  if (!dtype_is_float(value_aval(t, v).dtype)) { *out = *v; return true; }
  ir_atom in;
  return own_atom(t, v, a->call->span, &in) && emit(t, b->prim, &in, 1, NULL, NULL, 0, a->call->span, out);
}

static bool binary_math(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  return apply_binary(t, b->prim, a->pos[0], a->pos[1], a->call->span, out);
}

static bool binary_atom(tracer *t, int prim, ir_atom a, ir_atom b, tj_span span, ir_atom *out) {
  ir_atom in[2] = {a, b};
  value v;
  if (!emit(t, prim, in, 2, NULL, NULL, 0, span, &v)) return false;
  *out = ATOM_VAR(v.var);
  return true;
}

/* jnp.where's _where (jax/_src/numpy/util.py) is a jit of its own in JAX:
 * where(c, x, y) records a nested jit[name=_where] whose body converts,
 * broadcasts and selects, traced once per signature. */
static bool where_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  (void)ctx;
  if (value_aval(t, &v[0]).dtype != DT_BOOL && !apply_binary(t, P_ne, v[0], value_int(0), span, &v[0])) return false;
  tj_dtype dt;
  bool weak;
  if (!promote_values(t, v + 1, 2, span, &dt, &weak)) return false;
  bool scalar_pred = value_aval(t, &v[0]).rank == 0;
  if (!broadcast_arrays(t, scalar_pred ? v + 1 : v, scalar_pred ? 2 : 3, span)) return false;
  ir_atom sel[3] = {ATOM_VAR(v[0].var), ATOM_VAR(v[2].var), ATOM_VAR(v[1].var)};
  return emit(t, P_select_n, sel, 3, NULL, NULL, 0, span, out);
}

static const ast_func where_tag; /* _where's identity in the jit cache */

bool where_jit(tracer *t, const value *cxy, tj_span span, value *out) {
  jnp_jit_fn fn = {"_where", &where_tag, {.kind = V_TUPLE}, where_body, NULL};
  return jnp_jit(t, &fn, cxy, 3, span, out);
}

/* jnp.power's _pow_int_int (jax/_src/numpy/ufuncs.py): binary
 * exponentiation unrolled over the exponent's 6 low bits, as lax
 * operations and calls of the jitted _where, all recorded (the last
 * squaring and shift too: _power is an inlined jit, whose jaxpr is not
 * pruned). zero and one are _constant_like(x2, ...): numpy scalars of the
 * promoted dtype. So x ** n is x ** (n & 63), wrapping on overflow, a
 * negative n included (its bits, shifted logically), 0 ** 0 is 1 and
 * 0 ** n is 0 for any other n. */
static bool pow_int_int(tracer *t, ir_atom x1, ir_atom x2, tj_dtype dt, tj_span span, value *out) {
  value zero_v = value_strong(value_int(0), dt), one_v = value_strong(value_int(1), dt), acc;
  ir_atom zero, one, c1, c2, c, bit, prod;
  if (!to_atom(t, &zero_v, dt, false, span, &zero) || !to_atom(t, &one_v, dt, false, span, &one)) return false;
  if (!binary_atom(t, P_eq, x1, zero, span, &c1) || !binary_atom(t, P_ne, x2, zero, span, &c2) ||
      !binary_atom(t, P_and, c1, c2, span, &c) ||
      !where_jit(t, (value[3]){value_traced(ATOM_INDEX(c)), zero_v, one_v}, span, &acc))
    return false;
  for (int i = 0; i < 6; i++) /* `bits = 6`: more would overflow for any x1 > 1 */
    if (!binary_atom(t, P_and, x2, one, span, &bit) ||
        !binary_atom(t, P_mul, ATOM_VAR(acc.var), x1, span, &prod) ||
        !where_jit(t, (value[3]){value_traced(ATOM_INDEX(bit)), value_traced(ATOM_INDEX(prod)), acc}, span, &acc) ||
        !binary_atom(t, P_mul, x1, x1, span, &x1) ||
        !binary_atom(t, P_shift_right_logical, x2, one, span, &x2))
      return false;
  *out = acc;
  return true;
}

static bool builtin_pow(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  return trace_power(t, a->pos[0], a->pos[1], a->call->span, out);
}

bool trace_power(tracer *t, value x1, value x2, tj_span span, value *out) {
  value args[2] = {x1, x2};
  if (args[1].kind == V_INT) { /* a static integer exponent: integer_pow */
    note_use(t, args[1].prov, USE_SHAPE); /* integer_pow's y */
    /* jnp.power's promote_dtypes_numeric: bool becomes int32 (dtypes.py to_numeric_dtype) */
    tj_aval base = value_aval(t, &args[0]);
    if (base.dtype == DT_BOOL && !convert(t, &args[0], DT_I32, base.weak, span)) return false;
    ir_atom in;
    if (!own_atom(t, &args[0], span, &in)) return false;
    ir_param p = {"y", pv_int(t->m, args[1].i)};
    return emit(t, P_integer_pow, &in, 1, NULL, &p, 1, span, out);
  }
  /* jnp.power's _power (jax/_src/numpy/ufuncs.py): shapes first, then the
   * numeric promotion, which is recorded even when its result goes unused:
   * an inexact base with an integer exponent is raised by the exponent as
   * it was (lax.pow takes an integer exponent), so the result is strong
   * unless both are weak. */
  tj_aval base = value_aval(t, &args[0]), expo = value_aval(t, &args[1]);
  if (!promote_ranks(t, args, 2, base.dtype, base.weak, span)) return false;
  value shaped[2] = {args[0], args[1]};
  tj_dtype dt;
  bool weak;
  if (!promote_values(t, args, 2, span, &dt, &weak)) return false;
  ir_atom in[2];
  if (!dtype_is_float(dt)) {
    if (dt == DT_BOOL) return tracer_error(t, span, "pow on bool needs a static integer exponent");
    return to_atom(t, &args[0], dt, weak, span, &in[0]) && to_atom(t, &args[1], dt, weak, span, &in[1]) &&
           pow_int_int(t, in[0], in[1], dt, span, out);
  }
  if (dtype_is_float(base.dtype) && dtype_is_int(expo.dtype)) {
    if (!to_atom(t, &shaped[0], base.dtype, base.weak, span, &in[0]) ||
        !to_atom(t, &shaped[1], expo.dtype, expo.weak, span, &in[1]))
      return false;
  } else if (!to_atom(t, &args[0], dt, weak, span, &in[0]) || !to_atom(t, &args[1], dt, weak, span, &in[1]))
    return false;
  return emit(t, P_pow, in, 2, NULL, NULL, 0, span, out);
}

/* f32(x), float32(x): a dtype's name called, as jnp.float32(x) (its
 * _ScalarMeta.__call__ is asarray(x, dtype=float32)): a traced value is
 * converted to a strong float32 (nothing recorded if it is one already);
 * a static number becomes a numpy scalar, as (f32)x and np.float32(x). */
static bool builtin_dtype(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  tj_dtype dt = (tj_dtype)b->prim;
  *out = a->pos[0];
  if (out->kind == V_TRACED) return convert(t, out, dt, false, a->call->span);
  return cast_static(t, out, dt, a->call->span);
}

/* Both names of each dtype; bool_ for bool, since bool(x) is Python's. */
static const builtin_def builtins_dtype[] = {
#define X(e, s, l, n, k) {s, builtin_dtype, 1, 1, NULL, DT_##e}, {l, builtin_dtype, 1, 1, NULL, DT_##e},
    TJ_DTYPES(X)
#undef X
    {"bool_", builtin_dtype, 1, 1, NULL, DT_BOOL},
    {NULL, NULL, 0, 0, NULL, 0},
};

/* jnp's _broadcast_arrays: numpy broadcasting to one shape. */
bool broadcast_arrays(tracer *t, value *vals, int n, tj_span span) {
  tj_aval shape = value_aval(t, &vals[0]);
  bool equal = true;
  for (int i = 1; i < n; i++) {
    tj_aval a = value_aval(t, &vals[i]);
    equal = equal && aval_same_shape(&a, &shape);
    if (!shape_broadcast(&shape, &a, &shape))
      return tracer_error(t, span, "ValueError: Incompatible shapes for broadcasting");
  }
  for (int i = 0; !equal && i < n; i++) {
    tj_aval a = value_aval(t, &vals[i]), target = shape;
    if (aval_same_shape(&a, &shape)) continue;
    int lead = shape.rank - a.rank;
    int64_t dims[TJ_MAX_RANK];
    for (int d = 0; d < a.rank; d++) dims[d] = lead + d;
    ir_atom in = ATOM_VAR(vals[i].var);
    /* JAX's listing drops an empty broadcast_dimensions, so it is not stored */
    ir_param p = {"broadcast_dimensions", pv_ints(t->m, PV_TUPLE, dims, a.rank)};
    if (!emit(t, P_broadcast_in_dim, &in, 1, &target, &p, a.rank > 0, span, &vals[i])) return false;
  }
  return true;
}

static bool check_numeric_args(tracer *t, const call_args *a, const char *name) {
  for (int i = 0; i < a->npos; i++)
    if (a->pos[i].kind != V_TRACED && !value_is_number(&a->pos[i]))
      return tracer_error(t, a->pos_spans[i], "TypeError: %s() takes arrays or numbers, not a %s", name,
                          value_type_name(&a->pos[i]));
  return true;
}

/* Python's len(): a tuple's items, a dict's keys, a string's characters,
 * an array's leading axis (ShapedArray._len, jax/_src/core.py: a static
 * int, no equation); anything else is Python's TypeError. */
static bool builtin_len(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  const value *v = &a->pos[0];
  tj_span span = a->pos_spans[0];
  switch (v->kind) {
  case V_TUPLE: *out = value_int(v->n); return true;
  case V_MAP: *out = value_int(v->n / 2); return true; /* key, value, key, value ... */
  case V_STR: { /* characters: UTF-8 bytes that start one */
    int64_t n = 0;
    for (uint32_t i = 0; i < v->slen; i++) n += ((unsigned char)v->s[i] & 0xC0) != 0x80;
    *out = value_int(n);
    return true;
  }
  case V_TRACED: {
    tj_aval av = t->m->vars[v->var];
    if (av.rank == 0) return tracer_error(t, span, "TypeError: len() of unsized object");
    *out = value_int(av.dims[0]);
    return true;
  }
  case V_DTYPE: return tracer_error(t, span, "TypeError: object of type '_ScalarMeta' has no len()");
  default:
    if (v->strong) /* a numpy scalar: np.float32(1.0) */
      return tracer_error(t, span, "TypeError: object of type 'numpy.%s' has no len()", dtype_long(v->dtype));
    return tracer_error(t, span, "TypeError: object of type '%s' has no len()", value_type_name(v));
  }
}

static bool builtin_where(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  return check_numeric_args(t, a, b->name) && where_jit(t, a->pos, a->call->span, out);
}

/* lax.clamp(min, x, max): static bounds take x's dtype. */
static bool builtin_clamp(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  tj_span span = a->call->span;
  if (!check_numeric_args(t, a, b->name)) return false;
  tj_aval x = value_aval(t, &a->pos[1]);
  ir_atom in[3];
  for (int i = 0; i < 3; i++) {
    bool static_bound = i != 1 && a->pos[i].kind != V_TRACED;
    if (static_bound ? !to_atom(t, &a->pos[i], x.dtype, x.weak, span, &in[i])
                     : !own_atom(t, &a->pos[i], span, &in[i]))
      return false;
  }
  return emit(t, P_clamp, in, 3, NULL, NULL, 0, span, out);
}

static const char *const kw_decimals[] = {"decimals", NULL};

const builtin_def builtins_math[] = {
    {"sin", unary_inexact, 1, 1, NULL, P_sin},       {"cos", unary_inexact, 1, 1, NULL, P_cos},
    {"tan", unary_inexact, 1, 1, NULL, P_tan},       {"asin", unary_inexact, 1, 1, NULL, P_asin},
    {"acos", unary_inexact, 1, 1, NULL, P_acos},     {"atan", unary_inexact, 1, 1, NULL, P_atan},
    {"tanh", unary_inexact, 1, 1, NULL, P_tanh},     {"exp", unary_inexact, 1, 1, NULL, P_exp},
    {"exp2", unary_inexact, 1, 1, NULL, P_exp2},     {"log", unary_inexact, 1, 1, NULL, P_log},
    {"log1p", unary_inexact, 1, 1, NULL, P_log1p},   {"expm1", unary_inexact, 1, 1, NULL, P_expm1},
    {"sqrt", unary_inexact, 1, 1, NULL, P_sqrt},     {"rsqrt", unary_inexact, 1, 1, NULL, P_rsqrt},
    {"logistic", unary_inexact, 1, 1, NULL, P_logistic}, {"erf", unary_inexact, 1, 1, NULL, P_erf},
    {"cbrt", unary_inexact, 1, 1, NULL, P_cbrt},
    {"erfinv", unary_inexact, 1, 1, NULL, P_erf_inv}, /* jax.scipy.special.erfinv */
    {"lax_erf_inv", unary_numeric, 1, 1, NULL, P_erf_inv}, /* lax.erf_inv: erf_inv_p.bind(x) */
    {"lax_clz", unary_numeric, 1, 1, NULL, P_clz}, /* lax.clz: clz_p.bind(x) */
    {"abs", unary_abs, 1, 1, NULL, P_abs},       {"sign", unary_numeric, 1, 1, NULL, P_sign},
    {"floor", unary_rounding, 1, 1, NULL, P_floor},  {"ceil", unary_rounding, 1, 1, NULL, P_ceil},
    {"round", unary_rounding, 1, 2, kw_decimals, P_round},
    {"maximum", binary_math, 2, 2, NULL, P_max},     {"minimum", binary_math, 2, 2, NULL, P_min},
    {"pow", builtin_pow, 2, 2, NULL, P_pow},         {"where", builtin_where, 3, 3, NULL, P_select_n},
    {"clamp", builtin_clamp, 3, 3, NULL, P_clamp},
    {"len", builtin_len, 1, 1, NULL, 0},
    {NULL, NULL, 0, 0, NULL, 0},
};

static const builtin_def *const builtin_tables[] = {
    builtins_math, builtins_array, builtins_control, builtins_dtype, builtins_pyops, builtins_const,
    builtins_cumulative, builtins_sort,
    builtins_einsum,
    builtins_nn,
    builtins_window,
    builtins_array_more,
    builtins_conv,
    builtins_jnp_math,
    builtins_stats,
    builtins_gather,
    builtins_linalg,
    builtins_diag,
    builtins_ad,
    builtins_grad,
    builtins_vmap,
    builtins_custom,
    builtins_half,
    builtins_random,
    builtins_random_dist,
    builtins_search,
};

static const builtin_def *find_builtin(const char *name) {
  if (strcmp(name, "bool") == 0) return NULL; /* Python's bool(x), not np.bool_ */
  for (size_t k = 0; k < TJ_COUNT(builtin_tables); k++)
    for (const builtin_def *b = builtin_tables[k]; b->name; b++)
      if (strcmp(b->name, name) == 0) return b;
  return NULL;
}

void builtin_suggest(tj_suggest *sg) {
  for (size_t k = 0; k < TJ_COUNT(builtin_tables); k++)
    for (const builtin_def *b = builtin_tables[k]; b->name; b++) suggest_offer(sg, b->name);
}

const value *call_kwarg(const call_args *a, const char *name, tj_span *span) {
  for (int i = 0; i < a->nkw; i++)
    if (strcmp(a->kwnames[i], name) == 0) {
      if (span) *span = a->kw_spans[i];
      return &a->kw[i];
    }
  return NULL;
}

static bool keyword_allowed(const builtin_def *b, const char *kw) {
  for (const char *const *k = b->keywords; k && *k; k++)
    if (strcmp(*k, kw) == 0) return true;
  return false;
}

static size_t count_keywords(const builtin_def *b) {
  size_t n = 0;
  while (b->keywords[n]) n++;
  return n;
}

/* x.reshape(2, 3): the arguments after the receiver as one tuple. */
static void pack_method_args(tracer *t, call_args *a) {
  if (a->npos <= 2) return;
  value tuple = {.kind = V_TUPLE, .n = a->npos - 1, .items = ARENA_ARRAY(&t->scratch, value, a->npos)};
  memcpy(tuple.items, a->pos + 1, sizeof *tuple.items * (size_t)tuple.n);
  a->pos[1] = tuple;
  a->pos_spans[1] = span_join(a->pos_spans[1], a->pos_spans[a->npos - 1]);
  a->npos = 2;
}

/* Evaluates the arguments and checks them against the builtin's arity and
 * keywords, in Python's words. */
static bool eval_args(tracer *t, scope *s, const builtin_def *b, node *call, bool packs, call_args *a) {
  int n = call->nitems ? call->nitems : 1;
  a->call = call;
  a->pos = ARENA_ARRAY(&t->scratch, value, n);
  a->pos_spans = ARENA_ARRAY(&t->scratch, tj_span, n);
  a->kw = ARENA_ARRAY(&t->scratch, value, n);
  a->kw_spans = ARENA_ARRAY(&t->scratch, tj_span, n);
  a->kwnames = ARENA_ARRAY(&t->scratch, const char *, n + 1);
  if (call->lhs) { /* a method's receiver comes first */
    a->pos = ARENA_ARRAY(&t->scratch, value, n + 1);
    a->pos_spans = ARENA_ARRAY(&t->scratch, tj_span, n + 1);
    a->pos_spans[0] = call->lhs->span;
    if (!eval(t, s, call->lhs, &a->pos[a->npos++])) return false;
  }
  for (int i = 0; i < call->nitems; i++) {
    node *arg = call->items[i];
    if (!arg->kwname) {
      if (a->nkw) return tracer_error(t, arg->span, "SyntaxError: positional argument follows keyword argument");
      a->pos_spans[a->npos] = arg->span;
      if (!eval(t, s, arg, &a->pos[a->npos++])) return false;
      continue;
    }
    const char *kw = name_str(t->prog->names, arg->kwname);
    if (!keyword_allowed(b, kw)) {
      tracer_error(t, arg->span, "TypeError: %s() got an unexpected keyword argument '%s'", b->name, kw);
      const char *best = b->keywords ? suggest_word(kw, strlen(kw), b->keywords, count_keywords(b)) : NULL;
      if (best) diag_hint(t->diags, "did you mean '%s'?", best);
      return false;
    }
    a->kwnames[a->nkw] = kw;
    a->kw_spans[a->nkw] = arg->span;
    if (!eval(t, s, arg, &a->kw[a->nkw++])) return false;
  }
  if (packs) pack_method_args(t, a);
  if (a->npos < b->min_pos || a->npos > b->max_pos) {
    if (b->min_pos == b->max_pos)
      return tracer_error(t, call->span, "TypeError: %s() takes %d positional argument%s but %d %s given", b->name,
                          b->min_pos, b->min_pos == 1 ? "" : "s", a->npos, a->npos == 1 ? "was" : "were");
    return tracer_error(t, call->span, "TypeError: %s() takes from %d to %d positional arguments but %d %s given",
                        b->name, b->min_pos, b->max_pos, a->npos, a->npos == 1 ? "was" : "were");
  }
  return true;
}

/* What a builtin did with static arguments the tracer did not see it use:
 * a number it folded into a static result is part of that result; one it
 * neither folded nor made a literal (literal: what it made literals of),
 * and any other static value (a shape, axes, a dtype name), decided how it
 * traces. The builtins note what they decide themselves too; this keeps a
 * forgotten one from passing for a constant. */
static void note_builtin_arg(tracer *t, const value *v, uint64_t literal, value *out) {
  if (v->kind == V_TRACED || !v->prov) return;
  if (value_is_number(v) && value_is_number(out)) {
    out->prov |= v->prov;
    return;
  }
  uint64_t unseen = value_is_number(v) ? v->prov & ~literal : v->prov;
  for (uint64_t p = unseen; p; p &= p - 1) /* a decision noted already says what it decided */
    if (t->static_use[__builtin_ctzll(p)] & USE_DECIDED) unseen &= ~(p & -p);
  note_use(t, unseen, USE_SHAPE);
}

static void note_builtin_uses(tracer *t, const call_args *a, uint64_t literal, value *out) {
  for (int i = 0; i < a->npos; i++) note_builtin_arg(t, &a->pos[i], literal, out);
  for (int i = 0; i < a->nkw; i++) note_builtin_arg(t, &a->kw[i], literal, out);
}

bool call_builtin_values(tracer *t, const char *name, const value *vals, int n, tj_span span, value *out) {
  const builtin_def *b = find_builtin(name);
  if (!b) TJ_BUG("call_builtin_values: no such builtin");
  node *call = ARENA_NEW(&t->scratch, node);
  *call = (node){.kind = ND_CALL, .span = span, .op_span = span};
  call_args a = {.call = call, .pos = (value *)vals, .npos = n};
  a.pos_spans = ARENA_ARRAY(&t->scratch, tj_span, n ? n : 1);
  for (int i = 0; i < n; i++) a.pos_spans[i] = span;
  return b->fn(t, b, &a, out);
}

bool call_builtin_kw(tracer *t, const char *name, const value *vals, int n, const char *const *kwnames,
                     const value *kw, int nkw, tj_span span, value *out) {
  const builtin_def *b = find_builtin(name);
  if (!b) TJ_BUG("call_builtin_kw: no such builtin");
  node *call = ARENA_NEW(&t->scratch, node);
  *call = (node){.kind = ND_CALL, .span = span, .op_span = span};
  call_args a = {.call = call, .pos = (value *)vals, .npos = n, .kwnames = (const char **)kwnames,
                 .kw = (value *)kw, .nkw = nkw};
  a.pos_spans = ARENA_ARRAY(&t->scratch, tj_span, n + nkw + 1);
  a.kw_spans = a.pos_spans + n;
  for (int i = 0; i < n + nkw; i++) a.pos_spans[i] = span;
  return b->fn(t, b, &a, out);
}

/* The builtin a call names: a method's (x.sum() is sum(x)), else the
 * call's own unless a local or user function shadows it. */
static const builtin_def *callee_builtin(tracer *t, scope *s, node *call, bool *packs) {
  const char *name = name_str(t->prog->names, call->name);
  *packs = false;
  if (call->lhs) return (name = method_builtin(name, packs)) ? find_builtin(name) : NULL;
  if (scope_lookup(s, call->name) || ast_find_func(t->prog, call->name)) return NULL;
  return find_builtin(name);
}

bool call_builtin(tracer *t, scope *s, node *call, bool *found, value *out) {
  bool packs;
  const builtin_def *b = callee_builtin(t, s, call, &packs);
  *found = b != NULL;
  if (!b) return true;
  call_args a = {0};
  if (!eval_args(t, s, b, call, packs, &a)) return false;
  if (call->lhs && a.pos[0].kind != V_TRACED)
    return tracer_error(t, call->op_span, "AttributeError: '%s' object has no attribute '%s'",
                        value_type_name(&a.pos[0]), name_str(t->prog->names, call->name));
  uint64_t outer = t->literal_prov;
  t->literal_prov = 0;
  bool ok = b->fn(t, b, &a, out);
  uint64_t literal = t->literal_prov;
  t->literal_prov |= outer;
  if (ok && t->static_use) note_builtin_uses(t, &a, literal, out);
  return ok;
}
