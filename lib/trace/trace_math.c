/* Everyday jnp math (issue 14 item 6): the ufuncs of JAX 0.10.2's
 * jax/_src/numpy/ufuncs.py and lax_numpy.py that jnp users reach for,
 * each recording what JAX records. Most are `@jit(inline=True)`, so their
 * equations appear in place (square, reciprocal, sinh, cosh, arcsinh,
 * arctanh, arctan2, log2, log10, isnan); the plain `@jit` ones (arccosh,
 * isinf, hypot, heaviside, copysign with its jitted signbit, nan_to_num,
 * round with decimals) record a nested jit[name=...] through jnp_jit. Inexact functions promote ints and
 * bool to float as promote_args_inexact does, keeping weak types. */
#include "half.h"
#include "trace_array_int.h"

#include <float.h>
#include <math.h>
#include <string.h>


static bool check_numbers(tracer *t, const char *name, const value *v, int n, tj_span span) {
  for (int i = 0; i < n; i++)
    if (v[i].kind != V_TRACED && !value_is_number(&v[i]))
      return tracer_error(t, span, "TypeError: %s requires ndarray or scalar arguments, got %s at position %d.",
                          name, value_type_name(&v[i]), i);
  return true;
}

/* promote_dtypes_inexact (util.py): one dtype for all, made inexact, the
 * weak type kept; each operand converted (a constant stays a constant). */
static bool promote_inexact(tracer *t, value *v, int n, tj_span span, tj_dtype *dt, bool *weak) {
  values_result_type(t, v, n, dt, weak);
  *dt = dtype_to_inexact(*dt);
  for (int i = 0; i < n; i++)
    if (!convert(t, &v[i], *dt, *weak, span)) return false;
  return true;
}

/* promote_args_inexact: the dtypes, then _promote_shapes' rank padding. */
static bool promote_args_inexact(tracer *t, const char *name, value *v, int n, tj_span span, tj_dtype *dt,
                                 bool *weak) {
  return check_numbers(t, name, v, n, span) && promote_inexact(t, v, n, span, dt, weak) &&
         promote_ranks(t, v, n, *dt, *weak, span);
}

/* One lax equation on operands already of one dtype (constants become
 * literals of it). */
static bool lax_op(tracer *t, int prim, const value *v, int n, tj_dtype dt, bool weak, tj_span span, value *out) {
  ir_atom in[2];
  for (int i = 0; i < n; i++)
    if (!to_atom(t, &v[i], dt, weak, span, &in[i])) return false;
  return emit(t, prim, in, n, NULL, NULL, 0, span, out);
}

/* _constant_like(x, c) / lax._const(x, c): a numpy scalar of x's dtype. */
static value const_like(tj_dtype dt, double c) {
  return value_strong(dtype_is_float(dt) ? value_float(c) : value_int((int64_t)c), dt);
}

/* ---- inline ufuncs: sinh cosh arcsinh arctanh, arctan2, log2 log10 ---- */

/* lax.<prim>(*promote_args_inexact(name, x ...)) */
static bool builtin_inexact(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  value v[2] = {a->pos[0], a->npos > 1 ? a->pos[1] : value_none()};
  tj_dtype dt;
  bool weak;
  return promote_args_inexact(t, b->name, v, a->npos, a->call->span, &dt, &weak) &&
         lax_op(t, b->prim, v, a->npos, dt, weak, a->call->span, out);
}

/* log2: lax.div(lax.log(x), lax.log(_constant_like(x, 2))), the constant's
 * log recorded too (lax binds under the trace whatever the operand). */
static bool builtin_log2(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  value x = a->pos[0], lx, l2, two;
  tj_dtype dt;
  bool weak;
  tj_span span = a->call->span;
  if (!promote_args_inexact(t, b->name, &x, 1, span, &dt, &weak)) return false;
  two = const_like(dt, 2);
  value q[2];
  return lax_op(t, P_log, &x, 1, dt, weak, span, &lx) && lax_op(t, P_log, &two, 1, dt, false, span, &l2) &&
         (q[0] = lx, q[1] = l2, lax_op(t, P_div, q, 2, dt, weak, span, out));
}

/* log10: lax.mul(lax.log(x), one_over_log10), that constant a numpy array
 * of x's dtype (1 / log(10) rounded to it). */
static bool builtin_log10(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  value x = a->pos[0], q[2];
  tj_dtype dt;
  bool weak;
  tj_span span = a->call->span;
  if (!promote_args_inexact(t, b->name, &x, 1, span, &dt, &weak) || !lax_op(t, P_log, &x, 1, dt, weak, span, &q[0]))
    return false;
  q[1] = const_like(dt, 0.4342944819032518);
  ir_atom in[2] = {ATOM_VAR(q[0].var)};
  return to_atom(t, &q[1], dt, false, span, &in[1]) && emit(t, P_mul, in, 2, NULL, NULL, 0, span, out);
}

/* square: lax.square(*promote_dtypes_numeric(x)), bool becoming int32. */
static bool builtin_square(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  value x = a->pos[0];
  tj_span span = a->call->span;
  if (!check_numbers(t, b->name, &x, 1, span)) return false;
  tj_aval av = value_aval(t, &x);
  tj_dtype dt = av.dtype == DT_BOOL ? DT_I32 : av.dtype;
  return convert(t, &x, dt, av.weak, span) && lax_op(t, P_square, &x, 1, dt, av.weak, span, out);
}

/* reciprocal: lax.integer_pow(x, -1) of the inexact x. */
static bool builtin_reciprocal(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  value x = a->pos[0];
  tj_dtype dt;
  bool weak;
  ir_atom in;
  tj_span span = a->call->span;
  if (!promote_args_inexact(t, b->name, &x, 1, span, &dt, &weak) || !to_atom(t, &x, dt, weak, span, &in)) return false;
  ir_param p = {"y", pv_int(t->m, -1)};
  return emit(t, P_integer_pow, &in, 1, NULL, &p, 1, span, out);
}

/* isnan: lax.ne(x, x), any dtype. */
static bool builtin_isnan(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  value v[2] = {a->pos[0], a->pos[0]};
  if (!check_numbers(t, b->name, v, 1, a->call->span)) return false;
  tj_aval av = value_aval(t, v);
  return lax_op(t, P_ne, v, 2, av.dtype, av.weak, a->call->span, out);
}

/* ---- jitted ufuncs ---- */

/* The plain-@jit ufuncs whose builtin only checks its operands and
 * records jit[name=NAME] of NAME_body: one row each of NAME and arity.
 * The row makes NAME_tag, the ufunc's identity in the jit cache (trace.h
 * jnp_jit, never read or written), and its entry in jitted_ufuncs. */
#define JITTED_UFUNCS(X) X(arccosh, 1) X(isinf, 1) X(hypot, 2) X(heaviside, 2) X(copysign, 2)

#define JITTED_UFUNC_TAG(name, arity) static const ast_func name##_tag;
JITTED_UFUNCS(JITTED_UFUNC_TAG)
#undef JITTED_UFUNC_TAG
static const ast_func signbit_tag; /* copysign's inner jit */

static bool arccosh_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  (void)ctx;
  tj_dtype dt;
  bool weak;
  return promote_inexact(t, v, 1, span, &dt, &weak) && lax_op(t, P_acosh, v, 1, dt, weak, span, out);
}

/* lax.full_like(x, fill, dtype): x's shape (a constant for a scalar). */
static bool full_like(tracer *t, value x, value fill, tj_dtype dt, tj_span span, value *out) {
  tj_aval shape = value_aval(t, &x), fa = aval_scalar(dt, false);
  if (shape.rank == 0) return *out = value_strong(fill, dt), true;
  shape.dtype = dt, shape.weak = false;
  return ta_broadcast_trailing(t, &fill, &fa, &shape, span, out);
}

/* isinf: floats lax.eq(lax.abs(x), inf); other dtypes all False. */
static bool isinf_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  (void)ctx;
  tj_aval a = value_aval(t, v);
  if (!dtype_is_float(a.dtype)) return full_like(t, v[0], value_bool(false), DT_BOOL, span, out);
  value q[2] = {v[0], const_like(a.dtype, INFINITY)};
  return lax_op(t, P_abs, q, 1, a.dtype, a.weak, span, &q[0]) && lax_op(t, P_eq, q, 2, a.dtype, a.weak, span, out);
}

/* isposinf / isneginf (_isposneginf) of a float x: lax.eq(x, +-inf). */
static bool is_signed_inf(tracer *t, value x, double inf, tj_span span, value *out) {
  tj_aval a = value_aval(t, &x);
  value q[2] = {x, const_like(a.dtype, inf)};
  return lax_op(t, P_eq, q, 2, a.dtype, a.weak, span, out);
}

/* _where(c, x, y): jnp's jitted select (trace_builtin.c). */
static bool where3(tracer *t, value c, value x, value y, tj_span span, value *out) {
  value cxy[3] = {c, x, y};
  return where_jit(t, cxy, span, out);
}

/* lax._ones(x): full_like(x, 1), weak if x is. */
static bool ones_like(tracer *t, value x, tj_span span, value *out) {
  tj_aval a = value_aval(t, &x), fa = aval_scalar(a.dtype, a.weak);
  value one = const_like(a.dtype, 1);
  one.strong = !a.weak;
  if (a.rank == 0) return *out = one, true;
  return ta_broadcast_trailing(t, &one, &fa, &a, span, out);
}

/* hypot: |x1|, |x2|; inf where either is +inf; else x1 * sqrt(1 + (x2 /
 * x1)^2) with x1 the larger, x1 where it is zero. */
static bool hypot_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  (void)ctx;
  tj_dtype dt;
  bool weak;
  if (!promote_inexact(t, v, 2, span, &dt, &weak) || !promote_ranks(t, v, 2, dt, weak, span)) return false;
  value x1, x2, i1, i2, inf, hi, lo, z, z2, ones, safe, q, sq, s1, r, m, x;
  if (!lax_op(t, P_abs, &v[0], 1, dt, weak, span, &x1) || !lax_op(t, P_abs, &v[1], 1, dt, weak, span, &x2) ||
      !is_signed_inf(t, x1, INFINITY, span, &i1) || !is_signed_inf(t, x2, INFINITY, span, &i2) ||
      !lax_op(t, P_or, (value[2]){i1, i2}, 2, DT_BOOL, false, span, &inf) ||
      !apply_binary(t, P_max, x1, x2, span, &hi) || !apply_binary(t, P_min, x1, x2, span, &lo) ||
      !apply_binary(t, P_eq, hi, value_int(0), span, &z) || !apply_binary(t, P_eq, hi, value_int(0), span, &z2) ||
      !ones_like(t, hi, span, &ones) || !where3(t, z2, ones, hi, span, &safe) ||
      !lax_op(t, P_div, (value[2]){lo, safe}, 2, dt, weak, span, &q) ||
      !lax_op(t, P_square, &q, 1, dt, weak, span, &sq) || !apply_binary(t, P_add, value_int(1), sq, span, &s1) ||
      !lax_op(t, P_sqrt, &s1, 1, dt, weak, span, &r) || !apply_binary(t, P_mul, hi, r, span, &m) ||
      !where3(t, z, hi, m, span, &x))
    return false;
  return where3(t, inf, const_like(dt, INFINITY), x, span, out);
}

/* heaviside: 0 below zero, 1 above, x1 where it is NaN, else x2; the
 * dtypes promoted, the shapes left to _where's broadcasting. */
static bool heaviside_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  (void)ctx;
  tj_dtype dt;
  bool weak;
  if (!promote_inexact(t, v, 2, span, &dt, &weak)) return false;
  value zero = const_like(dt, 0), lt, gt, nan, inner, mid;
  tj_aval a = value_aval(t, &v[0]);
  return lax_op(t, P_lt, (value[2]){v[0], zero}, 2, a.dtype, a.weak, span, &lt) &&
         lax_op(t, P_gt, (value[2]){v[0], zero}, 2, a.dtype, a.weak, span, &gt) &&
         lax_op(t, P_ne, (value[2]){v[0], v[0]}, 2, a.dtype, a.weak, span, &nan) &&
         where3(t, nan, v[0], v[1], span, &inner) && where3(t, gt, const_like(dt, 1), inner, span, &mid) &&
         where3(t, lt, zero, mid, span, out);
}

/* jnp.signbit of a float (ufuncs.py, a plain @jit): its bits as the
 * integer of the same width, shifted right arithmetically by nexp + nmant
 * (x >> n is jnp.right_shift, an inline ufunc), converted to bool. */
static bool signbit_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  (void)ctx;
  tj_aval a = value_aval(t, v);
  /* _INT_DTYPES[finfo.bits], nexp + nmant: 15 for f16 and bf16 */
  int nbits = 8 * dtype_size(a.dtype);
  tj_dtype it = nbits == 64 ? DT_I64 : nbits == 32 ? DT_I32 : DT_I16;
  ir_atom in;
  ir_param p = {"new_dtype", pv_dtype(t->m, it)};
  value bits;
  if (!own_atom(t, v, span, &in) || !emit(t, P_bitcast_convert_type, &in, 1, NULL, &p, 1, span, &bits) ||
      !apply_binary(t, P_shift_right_arithmetic, bits, value_int(nbits - 1), span, out))
    return false;
  return convert(t, out, DT_BOOL, false, span);
}

/* copysign: _where(signbit(x2), -|x1|, |x1|) of the inexact operands
 * (signbit's bool .astype(bool) records nothing). */
static bool copysign_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  (void)ctx;
  tj_dtype dt;
  bool weak;
  value sb, ab, neg, ab2;
  if (!promote_inexact(t, v, 2, span, &dt, &weak) || !promote_ranks(t, v, 2, dt, weak, span) ||
      !jnp_jit_no_statics(t, &signbit_tag, "signbit", &v[1], 1, signbit_body, NULL, span, &sb) ||
      !lax_op(t, P_abs, &v[0], 1, dt, weak, span, &ab) || !lax_op(t, P_neg, &ab, 1, dt, weak, span, &neg) ||
      !lax_op(t, P_abs, &v[0], 1, dt, weak, span, &ab2))
    return false;
  return where3(t, sb, neg, ab2, span, out);
}

typedef struct {
  const char *name;
  int arity;
  const ast_func *tag;
  jnp_jit_body body;
} jitted_ufunc;

static const jitted_ufunc jitted_ufuncs[] = {
#define JITTED_UFUNC_ROW(name, arity) {#name, arity, &name##_tag, name##_body},
    JITTED_UFUNCS(JITTED_UFUNC_ROW)
#undef JITTED_UFUNC_ROW
};

/* A jitted ufunc's builtin: its row found by the builtin's name, the
 * operands checked as numbers, then its jit recorded. */
static bool builtin_jitted_ufunc(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  for (size_t i = 0; i < TJ_COUNT(jitted_ufuncs); i++) {
    const jitted_ufunc *u = &jitted_ufuncs[i];
    if (strcmp(u->name, b->name) == 0)
      return check_numbers(t, b->name, a->pos, u->arity, a->call->span) &&
             jnp_jit_no_statics(t, u->tag, u->name, a->pos, u->arity, u->body, NULL, a->call->span, out);
  }
  TJ_BUG("a jitted ufunc builtin with no row in JITTED_UFUNCS");
}

/* ---- nan_to_num and round with decimals ---- */

/* One static argument as jit's cache key holds it: a tuple, in the
 * tracer's scratch arena as the cache is. */
static value key1(tracer *t, value v) {
  value k = {.kind = V_TUPLE, .n = 1};
  k.items = ARENA_ARRAY(&t->scratch, value, 1);
  k.items[0] = v;
  return k;
}

static const ast_func nan_to_num_tag, round_tag;

/* nan_to_num's replacement values: where each is among the jit's
 * operands (0: not passed, the default), as jit flattens its keywords
 * (sorted: neginf, nan, posinf). */
typedef struct {
  int at[3]; /* nan, posinf, neginf */
} nan_layout;

/* asarray(v, dtype=dt): a constant of dt, or the operand converted. */
static bool as_dtype(tracer *t, value v, tj_dtype dt, tj_span span, value *out) {
  *out = v;
  if (v.kind != V_TRACED) return *out = value_strong(v, dt), true;
  return convert(t, out, dt, false, span);
}

static bool nan_to_num_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  const nan_layout *l = ctx;
  tj_aval a = value_aval(t, &v[0]);
  *out = v[0];
  if (!dtype_is_float(a.dtype)) return true; /* returned unmodified */
  double big = tj_float_max(a.dtype);
  value dflt[3] = {value_float(0.0), value_float(big), value_float(-big)}, rep[3], hit;
  for (int k = 0; k < 3; k++)
    if (!as_dtype(t, l->at[k] ? v[l->at[k]] : dflt[k], a.dtype, span, &rep[k])) return false;
  value q[2] = {v[0], v[0]};
  if (!lax_op(t, P_ne, q, 2, a.dtype, a.weak, span, &hit) || !where3(t, hit, rep[0], *out, span, out)) return false;
  for (int k = 1; k < 3; k++)
    if (!is_signed_inf(t, *out, k == 1 ? INFINITY : -INFINITY, span, &hit) || !where3(t, hit, rep[k], *out, span, out))
      return false;
  return true;
}

/* jnp.nan_to_num(x, *, nan=0.0, posinf=None, neginf=None): an @api.jit of
 * x and the keywords given (None leaving no operand). */
static bool builtin_nan_to_num(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  static const char *const names[3] = {"nan", "posinf", "neginf"};
  static const int sorted[3] = {2, 0, 1}; /* neginf, nan, posinf */
  value vals[4] = {a->pos[0]};
  nan_layout l = {{0, 0, 0}};
  int n = 1;
  for (int j = 0; j < 3; j++) {
    int k = sorted[j];
    const value *kw = call_kwarg(a, names[k], NULL);
    if (!kw || kw->kind == V_NONE) continue;
    l.at[k] = n, vals[n++] = *kw;
  }
  if (!check_numbers(t, b->name, vals, n, a->call->span)) return false;
  int tree = (l.at[0] != 0) | (l.at[1] != 0) << 1 | (l.at[2] != 0) << 2; /* which keywords: part of jit's key */
  jnp_jit_fn fn = {"nan_to_num", &nan_to_num_tag, key1(t, value_int(tree)), nan_to_num_body, &l};
  return jnp_jit(t, &fn, vals, n, a->call->span, out);
}

/* lax_numpy.round's _round_float: half to even, scaled by 10**decimals. */
static bool round_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  int64_t decimals = *(const int64_t *)ctx;
  tj_aval a = value_aval(t, &v[0]);
  *out = v[0];
  if (!dtype_is_float(a.dtype)) {
    if (decimals < 0)
      return tracer_error(t, span, "NotImplementedError: integer np.round not implemented for decimals < 0");
    return true; /* no-op on integer types */
  }
  if ((double)decimals > log10(tj_float_max(a.dtype))) return true; /* beyond the precision */
  ir_param p = {"rounding_method", pv_int(t->m, 1)}; /* TO_NEAREST_EVEN */
  ir_atom in;
  if (decimals == 0) return own_atom(t, out, span, &in) && emit(t, P_round, &in, 1, NULL, &p, 1, span, out);
  value factor = const_like(a.dtype, pow(10.0, (double)decimals)), scaled, q[2];
  q[0] = *out, q[1] = factor;
  if (!lax_op(t, P_mul, q, 2, a.dtype, a.weak, span, &scaled) || !own_atom(t, &scaled, span, &in) ||
      !emit(t, P_round, &in, 1, NULL, &p, 1, span, &q[0]))
    return false;
  return lax_op(t, P_div, q, 2, a.dtype, a.weak, span, out);
}

/* jnp.round(a, decimals=0): an @api.jit with decimals static, so a
 * jit[name=round] with or without decimals (of an integer array too: its
 * body is the identity). */
bool trace_round(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  tj_span span = a->call->span;
  const value *d = a->npos > 1 ? &a->pos[1] : call_kwarg(a, "decimals", &span);
  if (a->npos > 1) span = a->pos_spans[1];
  int64_t decimals = 0;
  if (d && d->kind != V_INT && d->kind != V_BOOL) {
    if (d->kind == V_TRACED) { /* jaxlib's jax_jit.h hashing the static argument (the tracer's str left out) */
      tracer_error(t, span, "ValueError: Non-hashable static arguments are not supported. An error occurred while "
                   "trying to hash an object of type <class 'jax._src.interpreters.partial_eval.DynamicJaxprTracer'>"
                   ". The error was:");
      diag_note(t->diags, "TypeError: unhashable type: 'DynamicJaxprTracer'");
      return false;
    }
    return tracer_error(t, span, "TypeError: '%s' object cannot be interpreted as an integer", value_type_name(d));
  }
  if (d) decimals = d->i;
  if (!check_numbers(t, b->name, a->pos, 1, a->call->span)) return false;
  /* jit's cache key: decimals left out, given by position or by keyword
   * are three signatures, each traced on its own */
  value key = {.kind = V_TUPLE, .n = 2, .items = ARENA_ARRAY(&t->scratch, value, 2)};
  key.items[0] = value_int(decimals);
  key.items[1] = value_int(!d ? 0 : a->npos > 1 ? 1 : 2);
  jnp_jit_fn fn = {"round", &round_tag, key, round_body, &decimals};
  return jnp_jit(t, &fn, a->pos, 1, a->call->span, out);
}

static const char *const kw_nan_to_num[] = {"nan", "posinf", "neginf", NULL};

const builtin_def builtins_jnp_math[] = {
    {"square", builtin_square, 1, 1, NULL, P_square},
    {"reciprocal", builtin_reciprocal, 1, 1, NULL, P_integer_pow},
    {"sinh", builtin_inexact, 1, 1, NULL, P_sinh},
    {"cosh", builtin_inexact, 1, 1, NULL, P_cosh},
    {"arcsinh", builtin_inexact, 1, 1, NULL, P_asinh},
    {"arccosh", builtin_jitted_ufunc, 1, 1, NULL, P_acosh},
    {"arctanh", builtin_inexact, 1, 1, NULL, P_atanh},
    {"arctan2", builtin_inexact, 2, 2, NULL, P_atan2},
    {"log2", builtin_log2, 1, 1, NULL, P_log},
    {"log10", builtin_log10, 1, 1, NULL, P_log},
    {"isnan", builtin_isnan, 1, 1, NULL, P_ne},
    {"isinf", builtin_jitted_ufunc, 1, 1, NULL, P_eq},
    {"hypot", builtin_jitted_ufunc, 2, 2, NULL, P_sqrt},
    {"heaviside", builtin_jitted_ufunc, 2, 2, NULL, P_select_n},
    {"nan_to_num", builtin_nan_to_num, 1, 1, kw_nan_to_num, P_select_n},
    {"copysign", builtin_jitted_ufunc, 2, 2, NULL, P_select_n},
    {NULL, NULL, 0, 0, NULL, 0},
};
