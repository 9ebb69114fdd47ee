/* The array builtins that make an array: zeros, ones, full, zeros_like,
 * ones_like, iota, arange, and astype, as jnp's of the same names in JAX
 * 0.10.2 (jax/_src/numpy/{array_creation,lax_numpy}.py). Part of the array
 * vocabulary (trace_array.c holds its table). */
#include "half.h"
#include "trace_array_int.h"

#include <math.h>
#include <string.h>

/* ---- constructors ---- */

/* lax.full(shape, fill): a literal fill broadcast to the shape; a scalar
 * shape gives the fill itself (a static value), of the fill's dtype and
 * strong unless the fill was weak (jnp.ones((), dtype=uint8) is a uint8
 * array, jnp.full((), 3) a weak int). */
static bool full_of(tracer *t, value fill, tj_aval fa, const tj_aval *shape, tj_span span, value *out) {
  if (shape->rank == 0 && fill.kind != V_TRACED) { /* a constant: JAX emits nothing */
    double f = fill.kind == V_FLOAT ? fill.f : (double)fill.i;
    if (dtype_is_float(fa.dtype)) *out = value_float(tj_round_to_float(fa.dtype, f));
    else if (fa.dtype == DT_BOOL) *out = value_bool(f != 0);
    else if (fill.kind != V_FLOAT) *out = value_int(fill.i);
    else if (fabs(f) < 9.2e18) *out = value_int((int64_t)f); /* numpy truncates */
    else return tracer_error(t, span, "OverflowError: cannot convert float %g to %s", f, dtype_long(fa.dtype));
    if (!fa.weak) *out = value_strong(*out, fa.dtype);
    return true;
  }
  tj_aval target = *shape;
  target.dtype = fa.dtype;
  target.weak = fa.weak;
  return ta_broadcast_trailing(t, &fill, &fa, &target, span, out);
}

/* The shape argument of zeros/ones/full, checked as lax.full checks it. */
static bool creation_shape(tracer *t, const value *v, tj_span span, tj_aval *shape) {
  return ta_read_shape(t, v, span, SHAPE_ITER, shape) && ta_check_sizes(t, "broadcast_in_dim", shape, span);
}

/* jnp.zeros / jnp.ones(shape, dtype=float32). */
bool ta_builtin_zeros_ones(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  bool have_dtype;
  tj_dtype dt = DT_F32;
  tj_aval shape;
  const value *s = &a->pos[0];
  if (a->npos > 1 && a->pos[1].kind == V_INT && s->kind == V_INT) { /* _check_forgot_shape_tuple */
    tracer_error(t, a->pos_spans[1], "TypeError: Cannot interpret '%lld' as a data type.", (long long)a->pos[1].i);
    diag_note(t->diags, "Did you accidentally write `jax.numpy.%s(%lld, %lld)` when you meant "
              "`jax.numpy.%s((%lld, %lld))`, i.e. with a single tuple argument for the shape?", b->name,
              (long long)s->i, (long long)a->pos[1].i, b->name, (long long)s->i, (long long)a->pos[1].i);
    return false;
  }
  if (!ta_opt_dtype(t, b, a, 1, &have_dtype, &dt) || !creation_shape(t, s, a->pos_spans[0], &shape)) return false;
  return full_of(t, value_int(strcmp(b->name, "ones") == 0), aval_scalar(dt, false), &shape, a->call->span, out);
}

/* jnp.full(shape, fill_value, dtype=None): a scalar fill keeps its dtype
 * and weak type unless dtype is given; an array fill is broadcast. */
bool ta_builtin_full(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  bool have_dtype;
  tj_dtype dt = DT_F32;
  tj_aval shape;
  value fill = a->pos[1];
  if (!ta_check_array(t, b, &fill, 0, a->pos_spans[1]) || !ta_opt_dtype(t, b, a, 2, &have_dtype, &dt)) return false;
  tj_aval fa = value_aval(t, &fill);
  if (have_dtype && !ta_cast(t, &fill, &fa, dt, false, a->call->span)) return false;
  if (fa.rank == 0)
    return creation_shape(t, &a->pos[0], a->pos_spans[0], &shape) && full_of(t, fill, fa, &shape, a->call->span, out);
  return ta_broadcast_to(t, &fill, &a->pos[0], a->pos_spans[0], a->call->span, out);
}

/* jnp.zeros_like / ones_like(x, dtype=None): x's shape, dtype and weak type. */
bool ta_builtin_like(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  bool have_dtype;
  tj_dtype dt = DT_F32;
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !ta_opt_dtype(t, b, a, 1, &have_dtype, &dt)) return false;
  tj_aval x = value_aval(t, &a->pos[0]);
  tj_aval fa = aval_scalar(have_dtype ? dt : x.dtype, !have_dtype && x.weak);
  return full_of(t, value_int(strcmp(b->name, "ones_like") == 0), fa, &x, a->call->span, out);
}

/* lax.iota(dtype, size) */
static bool iota_of(tracer *t, tj_dtype dt, int64_t size, tj_span span, value *out) {
  tj_aval shape = aval_scalar(dt, false);
  shape.rank = 1;
  shape.dims[0] = size;
  if (!ta_check_sizes(t, "iota", &shape, span)) return false;
  ir_param ps[4] = {{"dimension", pv_int(t->m, 0)}, {"dtype", pv_dtype(t->m, dt)},
                    {"shape", pv_ints(t->m, PV_TUPLE, &size, 1)}, {"sharding", pv_none(t->m)}};
  ir_atom none = 0; /* no operands, but emit copies from a valid pointer */
  return emit(t, P_iota, &none, 0, NULL, ps, 4, span, out);
}

bool ta_builtin_iota(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  tj_dtype dt;
  tj_aval shape;
  if (!ta_get_dtype(t, &a->pos[0], a->pos_spans[0], &dt)) return false;
  value size = {.kind = V_TUPLE, .items = &a->pos[1], .n = 1}; /* broadcasted_iota(dtype, (size,), 0) */
  if (!ta_read_shape(t, &size, a->pos_spans[1], SHAPE_TUPLE, &shape)) return false;
  return iota_of(t, dt, shape.dims[0], a->call->span, out);
}

/* jnp.arange(start, stop=None, step=None, dtype=None): iota, then
 * `mul step` and `add start` with literals of the dtype as jnp adds them. */
bool ta_builtin_arange(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  static const char *names[] = {"start", "stop", "step"};
  tj_span span = a->call->span;
  bool have_dtype, any_float = false, all_bool = true;
  tj_dtype dt = DT_I32;
  double v[3] = {0, 0, 0};
  if (!ta_opt_dtype(t, b, a, 3, &have_dtype, &dt)) return false;
  for (int i = 0; i < a->npos && i < 3; i++) {
    const value *x = &a->pos[i];
    const char *name = i == 0 && a->npos == 1 ? "stop" : names[i];
    char context[80];
    snprintf(context, sizeof context, "It arose in the jnp.arange argument '%s'", name);
    if (x->kind == V_TRACED) return ta_concrete_error(t, x, a->pos_spans[i], context);
    if (x->kind == V_NONE) continue;
    if (!value_is_number(x))
      return tracer_error(t, a->pos_spans[i], "TypeError: arange requires ndarray, scalar, or None arguments, "
                          "got <class '%s'> at position %d.", value_type_name(x), i);
    note_use(t, x->prov, USE_SHAPE); /* the size; start and step become literals too */
    v[i] = x->kind == V_FLOAT ? x->f : (double)x->i;
    any_float = any_float || x->kind == V_FLOAT;
    all_bool = all_bool && x->kind == V_BOOL;
  }
  if (!have_dtype) dt = any_float ? DT_F32 : all_bool ? DT_BOOL : DT_I32;
  bool has_stop = a->npos > 1 && a->pos[1].kind != V_NONE, has_step = a->npos > 2 && a->pos[2].kind != V_NONE;
  value start = has_stop ? a->pos[0] : value_int(0), step = has_step ? a->pos[2] : value_int(1);
  double lo = has_stop ? v[0] : 0, hi = has_stop ? v[1] : v[0];
  if (has_step && v[2] == 0) return tracer_error(t, a->pos_spans[2], "ZeroDivisionError: division by zero");
  double count = ceil(has_step ? (hi - lo) / v[2] : hi - lo);
  int64_t size = !(count > 0) ? 0 : count > (double)TJ_MAX_ELEMENTS ? TJ_MAX_ELEMENTS + 1 : (int64_t)count;
  if (!iota_of(t, dt, size, span, out)) return false;
  ir_atom in[2] = {0, ATOM_VAR(out->var)};
  if (has_step) {
    if (!to_atom(t, &step, dt, false, span, &in[0]) || !emit(t, P_mul, in, 2, NULL, NULL, 0, span, out)) return false;
    in[1] = ATOM_VAR(out->var);
  } else if (lo == 0) {
    return true;
  }
  return to_atom(t, &start, dt, false, span, &in[0]) && emit(t, P_add, in, 2, NULL, NULL, 0, span, out);
}

/* jnp.astype(x, dtype): convert_element_type, nothing when x has it. */
bool ta_builtin_astype(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  tj_dtype dt = DT_F32;
  *out = a->pos[0];
  if (!ta_check_array(t, b, out, 0, a->pos_spans[0])) return false;
  if (a->pos[1].kind != V_NONE && !ta_get_dtype(t, &a->pos[1], a->pos_spans[1], &dt)) return false;
  if (out->kind == V_TRACED) return convert(t, out, dt, false, a->call->span);
  tj_aval fa = aval_scalar(dt, false), none = {.rank = 0};
  return full_of(t, *out, fa, &none, a->call->span, out); /* a folded constant */
}
