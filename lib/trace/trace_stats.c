/* Statistics and norms (issue 14 items 5 and 6): jnp.var and jnp.std
 * (jax/_src/numpy/reductions.py: var and std call the jitted _var and _std,
 * whose operands are the array and `correction`, ddof, with axis, dtype and
 * keepdims static), jax.nn.standardize (jax/_src/nn/functions.py, a jit
 * with axis and algorithm static) and jnp.linalg.norm (jax/_src/numpy/
 * linalg.py, a jit with ord, axis and keepdims static), spelled `norm`.
 * Each body calls the builtins of the jnp functions JAX's body calls
 * (mean, sum, max, min, square, clip), so it records what they record. */
#include "half.h"
#include "trace_array_int.h"

#include <math.h>
#include <string.h>

/* A tuple value of n items, in the scratch arena (jit cache keys live
 * there too). */
static value tuple_of(tracer *t, const value *items, int n) {
  value v = {.kind = V_TUPLE, .n = n};
  v.items = ARENA_ARRAY(&t->scratch, value, n ? n : 1);
  memcpy(v.items, items, sizeof *items * (size_t)n);
  return v;
}

static value axes_value(tracer *t, const int64_t *axes, int n) {
  value items[TJ_MAX_RANK];
  for (int i = 0; i < n; i++) items[i] = value_int(axes[i]);
  return tuple_of(t, items, n);
}

/* jnp.<name>(x, axis, keepdims=keepdims) through the builtin of that name;
 * axis NULL is None. */
static bool reduce_call(tracer *t, const char *name, value x, const value *axis, bool keepdims, tj_span span,
                        value *out) {
  static const char *const kw[] = {"keepdims"};
  value pos[2] = {x, axis ? *axis : value_none()}, k = value_bool(keepdims);
  return call_builtin_kw(t, name, pos, 2, kw, &k, 1, span, out);
}


/* ---- var and std ---- */

typedef struct {
  const value *axis; /* NULL: None */
  bool keepdims;
} var_opts;

static const ast_func var_tag, std_tag, standardize_tag, norm_tag;

/* The number of elements the reduction takes (_count without where). */
static bool reduced_count(tracer *t, const value *axis, tj_aval a, tj_span span, double *count) {
  *count = 1;
  if (!axis) {
    for (int d = 0; d < a.rank; d++) *count *= (double)a.dims[d];
    return true;
  }
  int64_t *axes;
  int n;
  if (!ta_canon_axes(t, axis, span, AX_OPTIONAL, a.rank, &axes, &n)) return false;
  for (int i = 0; i < n; i++) *count *= (double)a.dims[axes[i]];
  return true;
}

/* _var's body on (a, correction): the mean with keepdims, the squared
 * deviations summed, divided by count - correction, NaN where that is not
 * positive (a jitted _where). */
static bool var_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  const var_opts *o = ctx;
  value a = v[0], corr = v[1], mean, centered, norm, sum, q, pos;
  tj_dtype cd = dtype_to_inexact(value_aval(t, &a).dtype);
  double count;
  if (!convert(t, &a, cd, false, span) || !reduce_call(t, "mean", a, o->axis, true, span, &mean) ||
      !apply_binary(t, P_sub, a, mean, span, &centered) ||
      !call_builtin_values(t, "square", &centered, 1, span, &centered) ||
      !reduced_count(t, o->axis, value_aval(t, &a), span, &count) || !convert(t, &corr, cd, false, span) ||
      !apply_binary(t, P_sub, value_strong(value_float(count), cd), corr, span, &norm) ||
      !reduce_call(t, "sum", centered, o->axis, o->keepdims, span, &sum) ||
      !apply_binary(t, P_div, sum, norm, span, &q) || !apply_binary(t, P_gt, norm, value_int(0), span, &pos))
    return false;
  value cxy[3] = {pos, q, value_float(NAN)};
  return where_jit(t, cxy, span, out);
}

static bool var_jit(tracer *t, const var_opts *o, const value *args, tj_span span, value *out) {
  value key[2] = {o->axis ? *o->axis : value_none(), value_bool(o->keepdims)};
  jnp_jit_fn fn = {"_var", &var_tag, tuple_of(t, key, 2), var_body, o};
  return jnp_jit(t, &fn, args, 2, span, out);
}

/* _std's body: lax.sqrt of var, itself the nested jit of _var. */
static bool std_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  value r;
  ir_atom in;
  return var_jit(t, ctx, v, span, &r) && own_atom(t, &r, span, &in) && emit(t, P_sqrt, &in, 1, NULL, NULL, 0, span, out);
}

/* jnp.var / jnp.std(a, axis=None, *, ddof=0, keepdims=False,
 * correction=None): ddof or correction is the jit's second operand. */
static bool builtin_var_std(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis, *ddof, *corr;
  tj_span axspan, dspan, cspan;
  var_opts o = {0};
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "axis", &axis, &axspan) ||
      !ta_get_arg(t, b, a, 99, "ddof", &ddof, &dspan) || !ta_get_arg(t, b, a, 99, "correction", &corr, &cspan) ||
      !ta_get_flag(t, b, a, "keepdims", &o.keepdims))
    return false;
  if (corr && ddof && !(ddof->kind == V_INT && ddof->i == 0))
    return tracer_error(t, cspan, "ValueError: ddof and correction can't be provided simultaneously.");
  const value *c = corr ? corr : ddof;
  value args[2] = {a->pos[0], c ? *c : value_int(0)};
  if (args[1].kind != V_TRACED && !value_is_number(&args[1]))
    return tracer_error(t, corr ? cspan : dspan, "TypeError: %s() takes a number for ddof, not a %s", b->name,
                        value_type_name(&args[1]));
  if (axis && axis->kind == V_TRACED) return ta_concrete_error(t, axis, axspan, "The axis argument must be known statically.");
  o.axis = axis;
  if (b->prim == P_sqrt) {
    value key[2] = {axis ? *axis : value_none(), value_bool(o.keepdims)};
    jnp_jit_fn fn = {"_std", &std_tag, tuple_of(t, key, 2), std_body, &o};
    return jnp_jit(t, &fn, args, 2, a->call->span, out);
  }
  return var_jit(t, &o, args, a->call->span, out);
}

/* ---- jax.nn.standardize ---- */

typedef struct {
  value axis;
  bool stable; /* algorithm="stable"; else "fast" */
  int eps_at;  /* epsilon's operand (0: the default 1e-5) */
} std_opts;

/* (x - mean) * rsqrt(variance + epsilon), the variance "fast" (mean of
 * squares less the squared mean, clipped at 0) or "stable". */
static bool standardize_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  const std_opts *o = ctx;
  value x = v[0], mean, var, d, sq, m2, e;
  if (!reduce_call(t, "mean", x, &o->axis, true, span, &mean)) return false;
  if (o->stable) {
    if (!apply_binary(t, P_sub, x, mean, span, &d) || !call_builtin_values(t, "square", &d, 1, span, &sq) ||
        !reduce_call(t, "mean", sq, &o->axis, true, span, &var))
      return false;
  } else {
    value clip[2];
    if (!call_builtin_values(t, "square", &x, 1, span, &sq) || !reduce_call(t, "mean", sq, &o->axis, true, span, &m2) ||
        !call_builtin_values(t, "square", &mean, 1, span, &sq) || !apply_binary(t, P_sub, m2, sq, span, &clip[0]) ||
        (clip[1] = value_int(0), !call_builtin_values(t, "clip", clip, 2, span, &var)))
      return false;
  }
  ir_atom in;
  return apply_binary(t, P_sub, x, mean, span, &d) &&
         apply_binary(t, P_add, var, o->eps_at ? v[o->eps_at] : value_float(1e-5), span, &e) &&
         own_atom(t, &e, span, &in) && emit(t, P_rsqrt, &in, 1, NULL, NULL, 0, span, &e) &&
         apply_binary(t, P_mul, d, e, span, out);
}

/* standardize(x, axis=-1, *, epsilon=1e-5, algorithm="fast") */
static bool builtin_standardize(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis, *eps, *alg;
  tj_span axspan, espan, aspan;
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "axis", &axis, &axspan) ||
      !ta_get_arg(t, b, a, 99, "epsilon", &eps, &espan) || !ta_get_arg(t, b, a, 99, "algorithm", &alg, &aspan))
    return false;
  std_opts o = {axis ? *axis : value_int(-1), false, 0};
  if (axis && axis->kind == V_TRACED) return ta_concrete_error(t, axis, axspan, "The axis argument must be known statically.");
  if (alg && (alg->kind != V_STR || (strcmp(alg->s, "fast") != 0 && strcmp(alg->s, "stable") != 0))) {
    if (alg->kind != V_STR) return tracer_error(t, aspan, "ValueError: Unknown algorithm. Expected 'fast' or 'stable'.");
    return tracer_error(t, aspan, "ValueError: Unknown algorithm '%.*s'. Expected 'fast' or 'stable'.",
                        (int)alg->slen, alg->s);
  }
  o.stable = alg && strcmp(alg->s, "stable") == 0;
  value args[2] = {a->pos[0]};
  int n = 1;
  if (eps) {
    if (eps->kind != V_TRACED && !value_is_number(eps))
      return tracer_error(t, espan, "TypeError: standardize requires ndarray or scalar arguments, got %s at "
                          "position 0.", value_type_name(eps));
    o.eps_at = n, args[n++] = *eps;
  }
  value key[3] = {o.axis, value_bool(o.stable), value_bool(eps != NULL)};
  jnp_jit_fn fn = {"standardize", &standardize_tag, tuple_of(t, key, 3), standardize_body, &o};
  return jnp_jit(t, &fn, args, n, a->call->span, out);
}

/* ---- jnp.linalg.norm ---- */

typedef enum { ORD_NONE, ORD_NUMBER, ORD_FRO, ORD_NUC, ORD_OTHER_STR } ord_kind;

typedef struct {
  ord_kind kind;
  double p;          /* ORD_NUMBER */
  const value *ord;  /* as given, for messages */
  int64_t axes[2];
  int naxes;         /* -1: axis None */
  bool keepdims;
  tj_span span;
} norm_opts;

/* Python's str() of ord, for JAX's messages. */
static void put_ord(tracer *t, tj_buf *b, const value *ord) {
  if (ord->kind == V_STR) buf_printf(b, "%.*s", (int)ord->slen, ord->s);
  else if (ord->kind == V_FLOAT && isinf(ord->f)) buf_puts(b, ord->f > 0 ? "inf" : "-inf");
  else ta_put_value(t, b, ord);
}

static bool ord_error(tracer *t, const norm_opts *o, const char *what, const char *extra) {
  tj_buf b = {0};
  buf_puts(&b, "ValueError: Invalid order '");
  put_ord(t, &b, o->ord);
  buf_printf(&b, "' for %s norm.%s", what, extra);
  return ta_raise_buf(t, o->span, &b);
}

/* sqrt(sum(x * x)) over axes (NULL: all), keepdims. */
static bool two_norm(tracer *t, value x, const value *axes, bool keepdims, tj_span span, value *out) {
  value sq, s;
  ir_atom in;
  return apply_binary(t, P_mul, x, x, span, &sq) && reduce_call(t, "sum", sq, axes, keepdims, span, &s) &&
         own_atom(t, &s, span, &in) && emit(t, P_sqrt, &in, 1, NULL, NULL, 0, span, out);
}

/* jnp.max(x, axis, keepdims, initial=0): the reduction, max with the
 * initial value (a literal of x's dtype), then keepdims. */
static bool amax0(tracer *t, value x, int64_t axis, bool keepdims, tj_span span, value *out) {
  value ax = value_int(axis);
  tj_dtype dt = value_aval(t, &x).dtype;
  return reduce_call(t, "max", x, &ax, false, span, out) &&
         apply_binary(t, P_max, value_strong(value_float(0), dt), *out, span, out) &&
         (!keepdims || ta_expand_at(t, out, &axis, 1, span));
}

static bool abs_of(tracer *t, value x, tj_span span, value *out) {
  ir_atom in;
  return own_atom(t, &x, span, &in) && emit(t, P_abs, &in, 1, NULL, NULL, 0, span, out);
}

/* linalg.vector_norm over one axis. */
static bool vector_norm(tracer *t, const norm_opts *o, value x, tj_span span, value *out) {
  value ax = axes_value(t, o->axes, 1), ab;
  bool kd = o->keepdims;
  double p = o->kind == ORD_NONE ? 2 : o->p;
  if (o->kind == ORD_FRO || o->kind == ORD_NUC || o->kind == ORD_OTHER_STR) {
    bool inf = o->ord->slen == 3 && memcmp(o->ord->s, "inf", 3) == 0;
    bool ninf = o->ord->slen == 4 && memcmp(o->ord->s, "-inf", 4) == 0;
    return ord_error(t, o, "vector", inf ? "Use 'jax.numpy.inf' instead." : ninf ? "Use '-jax.numpy.inf' instead." : "");
  }
  if (p == 2) return two_norm(t, x, &ax, kd, span, out);
  if (p == 0) {
    static const char *const kw[] = {"keepdims", "dtype"};
    value nz, pos[2], k[2] = {value_bool(kd), {.kind = V_DTYPE, .dtype = value_aval(t, &x).dtype}};
    return apply_binary(t, P_ne, x, value_int(0), span, &nz) &&
           (pos[0] = nz, pos[1] = ax, call_builtin_kw(t, "sum", pos, 2, kw, k, 2, span, out));
  }
  if (!abs_of(t, x, span, &ab)) return false;
  if (isinf(p) && p > 0) return amax0(t, ab, o->axes[0], kd, span, out);
  if (isinf(p)) return reduce_call(t, "min", ab, &ax, kd, span, out);
  if (p == 1) return reduce_call(t, "sum", ab, &ax, kd, span, out);
  tj_dtype dt = value_aval(t, &x).dtype;
  double inv = dt == DT_F32 ? (double)(1.0f / (float)p) /* 1. / ord_arr, in x's dtype */
               : dtype_is_half(dt) ? tj_round_to_float(dt, 1.0 / tj_round_to_float(dt, p)) : 1.0 / p;
  value pw, s;
  return trace_power(t, ab, value_strong(value_float(p), dt), span, &pw) &&
         reduce_call(t, "sum", pw, &ax, kd, span, &s) && trace_power(t, s, value_strong(value_float(inv), dt), span, out);
}

/* ord 2: amax(s, axis=-1, initial=0) of the singular values s; -2: amin;
 * 'nuc': sum; then expand_dims at the axes when keepdims. */
static bool svd_norm(tracer *t, const norm_opts *o, value x, tj_span span, value *out) {
  value s;
  if (!trace_moved_svdvals(t, x, o->axes, span, &s)) return false;
  int64_t last = value_aval(t, &s).rank - 1;
  value ax = value_int(last);
  bool ok = o->kind == ORD_NUC ? reduce_call(t, "sum", s, &ax, false, span, out)
            : o->p > 0         ? amax0(t, s, last, false, span, out)
                               : reduce_call(t, "min", s, &ax, false, span, out);
  return ok && (!o->keepdims || ta_expand_at(t, out, o->axes, 2, span));
}

/* The matrix norms of ord 1, -1, inf, -inf: a sum of |x| over one axis,
 * then the max (initial 0) or min over the other. */
static bool matrix_norm(tracer *t, const norm_opts *o, value x, tj_span span, value *out) {
  value both = axes_value(t, o->axes, 2), ab, s;
  int64_t row = o->axes[0], col = o->axes[1];
  bool kd = o->keepdims;
  if (o->kind == ORD_NONE || o->kind == ORD_FRO) return two_norm(t, x, &both, kd, span, out);
  if (o->kind == ORD_NUC || (o->kind == ORD_NUMBER && fabs(o->p) == 2)) return svd_norm(t, o, x, span, out);
  if (o->kind != ORD_NUMBER || (fabs(o->p) != 1 && !isinf(o->p))) return ord_error(t, o, "matrix", "");
  bool by_rows = fabs(o->p) == 1; /* sum over the row axis, then reduce over columns */
  int64_t first = by_rows ? row : col, second = by_rows ? col : row;
  if (!kd && second > first) second--;
  value fa = value_int(first), sa = value_int(second);
  if (!abs_of(t, x, span, &ab) || !reduce_call(t, "sum", ab, &fa, kd, span, &s)) return false;
  if (o->p > 0) return amax0(t, s, second, kd, span, out);
  return reduce_call(t, "min", s, &sa, kd, span, out);
}

static bool norm_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  const norm_opts *o = ctx;
  value x = v[0];
  tj_aval a = value_aval(t, &x);
  if (!convert(t, &x, dtype_to_inexact(a.dtype), a.weak, span)) return false;
  if (o->naxes < 0 && o->kind == ORD_NONE) return two_norm(t, x, NULL, o->keepdims, span, out);
  norm_opts n = *o;
  if (n.naxes < 0) {
    n.naxes = a.rank;
    for (int d = 0; d < a.rank && d < 2; d++) n.axes[d] = d;
  }
  if (n.naxes == 1) return vector_norm(t, &n, x, span, out);
  if (n.naxes == 2) return matrix_norm(t, &n, x, span, out);
  tj_buf b = {0};
  buf_puts(&b, "ValueError: Improper number of axes for norm: axis=(");
  for (int d = 0; d < n.naxes; d++) buf_printf(&b, "%s%d", d ? ", " : "", d);
  buf_puts(&b, n.naxes == 1 ? ",)" : ")");
  buf_puts(&b, ". Pass one axis to compute a vector-norm, or two axes to compute a matrix-norm.");
  return ta_raise_buf(t, span, &b);
}

static bool read_ord(tracer *t, const value *ord, tj_span span, norm_opts *o) {
  o->ord = ord;
  if (!ord) return o->kind = ORD_NONE, true;
  switch (ord->kind) {
  case V_INT: case V_BOOL: o->kind = ORD_NUMBER, o->p = (double)ord->i; return true;
  case V_FLOAT: o->kind = ORD_NUMBER, o->p = ord->f; return true;
  case V_STR:
    o->kind = (ord->slen == 3 && memcmp(ord->s, "fro", 3) == 0) || (ord->slen == 1 && ord->s[0] == 'f') ? ORD_FRO
              : ord->slen == 3 && memcmp(ord->s, "nuc", 3) == 0                                       ? ORD_NUC
                                                                                                        : ORD_OTHER_STR;
    return true;
  case V_TRACED: return ta_concrete_error(t, ord, span, "The ord argument of jnp.linalg.norm must be known statically.");
  default: return tracer_error(t, span, "TypeError: norm() takes a number or a string for ord, not a %s",
                               value_type_name(ord));
  }
}

/* Axis as norm reads it: None, an int, or a tuple of ints, canonical. */
static bool read_norm_axes(tracer *t, const value *axis, tj_span span, int rank, norm_opts *o) {
  o->naxes = -1;
  if (!axis) return true;
  if (axis->kind == V_TRACED) return ta_concrete_error(t, axis, span, "The axis argument must be known statically.");
  if (axis->kind != V_TUPLE && axis->kind != V_INT && axis->kind != V_BOOL)
    return tracer_error(t, span, "TypeError: '%s' object cannot be interpreted as an integer", value_type_name(axis));
  int64_t *axes;
  int n;
  if (!ta_canon_axes(t, axis, span, AX_OPTIONAL, rank, &axes, &n)) return false;
  if (n > 2) {
    tj_buf b = {0};
    buf_puts(&b, "ValueError: Improper number of axes for norm: axis=");
    ta_put_value(t, &b, axis);
    buf_puts(&b, ". Pass one axis to compute a vector-norm, or two axes to compute a matrix-norm.");
    return ta_raise_buf(t, span, &b);
  }
  o->naxes = n;
  memcpy(o->axes, axes, sizeof *axes * (size_t)n);
  return true;
}

/* jnp.linalg.norm(x, ord=None, axis=None, keepdims=False) */
static bool builtin_norm(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *ord, *axis;
  tj_span ospan, axspan;
  norm_opts o = {.span = a->call->span};
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "ord", &ord, &ospan) ||
      !ta_get_arg(t, b, a, 2, "axis", &axis, &axspan) || !ta_get_flag(t, b, a, "keepdims", &o.keepdims) ||
      !read_ord(t, ord, ospan, &o) ||
      !read_norm_axes(t, axis, axspan, value_aval(t, &a->pos[0]).rank, &o))
    return false;
  value key[3] = {ord ? *ord : value_none(), axis ? *axis : value_none(), value_bool(o.keepdims)};
  jnp_jit_fn fn = {"norm", &norm_tag, tuple_of(t, key, 3), norm_body, &o};
  return jnp_jit(t, &fn, a->pos, 1, a->call->span, out);
}

static const char *const kw_var[] = {"axis", "ddof", "keepdims", "correction", NULL};
static const char *const kw_standardize[] = {"axis", "epsilon", "algorithm", NULL};
static const char *const kw_norm[] = {"ord", "axis", "keepdims", NULL};

const builtin_def builtins_stats[] = {
    {"var", builtin_var_std, 1, 2, kw_var, P_div},
    {"std", builtin_var_std, 1, 2, kw_var, P_sqrt},
    {"standardize", builtin_standardize, 1, 2, kw_standardize, P_rsqrt},
    {"norm", builtin_norm, 1, 3, kw_norm, P_sqrt},
    {NULL, NULL, 0, 0, NULL, 0},
};
