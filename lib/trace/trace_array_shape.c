/* The array builtins that rearrange an array: transpose, reshape,
 * broadcast_to, expand_dims, squeeze and concatenate, as jnp's of the same
 * names in JAX 0.10.2 (jax/_src/numpy/lax_numpy.py). Part of the array
 * vocabulary (trace_array.c holds its table). */
#include "trace_array_int.h"

#include <string.h>

/* ---- shape manipulation ---- */

/* jnp.transpose(x, axes=None): reversed axes by default. */
bool ta_builtin_transpose(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axes;
  tj_span span;
  *out = a->pos[0];
  if (!ta_check_array(t, b, out, 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "axes", &axes, &span)) return false;
  tj_aval av = value_aval(t, out);
  int64_t perm[TJ_MAX_RANK];
  int n = av.rank;
  for (int i = 0; i < n; i++) perm[i] = n - 1 - i;
  if (axes) {
    int64_t *raw;
    if (!ta_read_axes(t, axes, span, AX_SEQUENCE, &raw, &n)) return false;
    for (int i = 0; i < n; i++)
      if (!ta_canon_axis(t, raw[i], av.rank, span, &raw[i])) return false;
    if (n != av.rank) { /* lax's shape rule words it */
      ir_atom in;
      ir_param p = {"permutation", pv_ints(t->m, PV_TUPLE, raw, n)};
      return own_atom(t, out, a->call->span, &in) && emit(t, P_transpose, &in, 1, NULL, &p, 1, a->call->span, out);
    }
    memcpy(perm, raw, sizeof *perm * (size_t)n);
  }
  return ta_transpose_by(t, out, perm, n, a->call->span);
}

/* _compute_newshape: one -1 takes what the others leave. */
static bool new_shape(tracer *t, const value *arg, const tj_aval *av, tj_span span, tj_aval *shape) {
  int neg = -1, count = 0;
  int64_t others = 1, size = aval_size(av);
  for (int i = 0; i < shape->rank; i++) {
    if (shape->dims[i] == -1) { neg = i; count++; continue; }
    if (__builtin_mul_overflow(others, shape->dims[i], &others)) others = INT64_MAX;
  }
  tj_buf b = {0};
  if (count > 1) {
    buf_puts(&b, "TypeError: can only specify one unknown axis size with a `-1` value, got ");
    ta_put_value(t, &b, arg);
    return ta_raise_buf(t, span, &b);
  }
  if (neg >= 0 && others == 0) return tracer_error(t, span, "ZeroDivisionError: integer modulo by zero");
  if (neg >= 0 ? size % others == 0 : size == others) {
    if (neg >= 0) shape->dims[neg] = size / others;
    return true;
  }
  buf_puts(&b, "TypeError: cannot reshape array of shape ");
  ta_put_dims(&b, av->dims, av->rank);
  buf_printf(&b, " (size %lld) into shape ", (long long)size);
  ta_put_value(t, &b, arg);
  if (neg >= 0)
    buf_printf(&b, " because the product of specified axis sizes (%lld) does not evenly divide %lld",
               (long long)others, (long long)size);
  else
    buf_printf(&b, " (size %lld)", (long long)others);
  return ta_raise_buf(t, span, &b);
}

/* jnp.reshape(x, shape): C order; lax.reshape records nothing when the
 * shape does not change. */
bool ta_builtin_reshape(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *arg;
  tj_span span;
  tj_aval shape;
  *out = a->pos[0];
  if (!ta_check_array(t, b, out, 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "shape", &arg, &span)) return false;
  if (!arg) return tracer_error(t, a->call->span, "TypeError: reshape() missing 1 required positional argument: 'shape'");
  tj_aval av = value_aval(t, out);
  if (!ta_read_shape(t, arg, span, SHAPE_LIST, &shape) || !new_shape(t, arg, &av, span, &shape)) return false;
  if (!ta_check_sizes(t, "reshape", &shape, span)) return false;
  return ta_reshape_to(t, out, &shape, a->call->span);
}

/* util._broadcast_to(x, shape): lax.broadcast_to's checks, then a
 * broadcast_in_dim of the trailing dimensions. */
bool ta_broadcast_to(tracer *t, const value *x, const value *shapev, tj_span span, tj_span call, value *out) {
  tj_aval shape;
  if (!ta_read_shape(t, shapev, span, SHAPE_TUPLE, &shape)) return false;
  tj_aval av = value_aval(t, x);
  tj_buf msg = {0};
  if (shape.rank < av.rank) {
    buf_puts(&msg, "ValueError: Cannot broadcast to shape with fewer dimensions: arr_shape=");
    ta_put_dims(&msg, av.dims, av.rank);
    buf_puts(&msg, " shape=");
    ta_put_dims(&msg, shape.dims, shape.rank);
    return ta_raise_buf(t, span, &msg);
  }
  bool ok = true;
  for (int i = 0; i < av.rank; i++) {
    int64_t want = shape.dims[shape.rank - av.rank + i];
    ok = ok && (av.dims[i] == 1 || av.dims[i] == want);
  }
  if (!ok) {
    tj_aval want = shape;
    want.dtype = av.dtype;
    want.weak = false;
    buf_puts(&msg, "ValueError: Incompatible types for broadcasting: input type=");
    ta_put_aval(&msg, av);
    buf_puts(&msg, " and requested type=");
    ta_put_aval(&msg, want);
    return ta_raise_buf(t, span, &msg);
  }
  return ta_check_sizes(t, "broadcast_in_dim", &shape, span) && ta_broadcast_trailing(t, x, &av, &shape, call, out);
}

bool ta_builtin_broadcast_to(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  return ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) &&
         ta_broadcast_to(t, &a->pos[0], &a->pos[1], a->pos_spans[1], a->call->span, out);
}

/* jnp.expand_dims(x, axis) through lax.expand_dims, which checks for
 * repeats before and after canonicalizing against the result rank. */
bool ta_builtin_expand_dims(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  tj_span span = a->pos_spans[1];
  int64_t *dims;
  int n;
  *out = a->pos[0];
  if (!ta_check_array(t, b, out, 0, a->pos_spans[0]) || !ta_read_axes(t, &a->pos[1], span, AX_INDEX, &dims, &n))
    return false;
  tj_buf msg = {0};
  buf_puts(&msg, "ValueError: repeated axis in lax.expand_dims: ");
  if (ta_has_dup(dims, n)) {
    ta_put_dims(&msg, dims, n);
    return ta_raise_buf(t, span, &msg);
  }
  int rank = value_aval(t, out).rank + n;
  for (int i = 0; i < n; i++)
    if (!ta_canon_axis(t, dims[i], rank, span, &dims[i])) return buf_free(&msg), false;
  if (ta_has_dup(dims, n)) {
    for (int k = 0; k < n; k++) buf_printf(&msg, "%s%lld", k ? ", " : "[", (long long)dims[k]);
    buf_putc(&msg, ']');
    return ta_raise_buf(t, span, &msg);
  }
  buf_free(&msg);
  return ta_expand_at(t, out, dims, n, a->call->span);
}

/* jnp.squeeze(x, axis=None): every size-1 dimension by default. */
bool ta_builtin_squeeze(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis;
  tj_span span;
  int64_t *dims = NULL, all[TJ_MAX_RANK];
  int n = 0;
  *out = a->pos[0];
  if (!ta_check_array(t, b, out, 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "axis", &axis, &span)) return false;
  tj_aval av = value_aval(t, out);
  if (!axis) {
    for (int d = 0; d < av.rank; d++)
      if (av.dims[d] == 1) all[n++] = d;
    dims = all;
  } else if (!ta_canon_axes(t, axis, span, AX_INDEX, av.rank, &dims, &n)) {
    return false;
  }
  ta_sort_dims(dims, n);
  if (ta_has_dup(dims, n)) {
    tj_buf msg = {0};
    buf_puts(&msg, "ValueError: dimensions are not unique: ");
    ta_put_dims(&msg, dims, n);
    return ta_raise_buf(t, span, &msg);
  }
  for (int i = 0; i < n; i++)
    if (av.dims[dims[i]] != 1) {
      tj_buf msg = {0};
      buf_puts(&msg, "ValueError: cannot select an axis to squeeze out which has size not equal to one, got shape=");
      ta_put_dims(&msg, av.dims, av.rank);
      buf_puts(&msg, " and dimensions=");
      ta_put_dims(&msg, dims, n);
      return ta_raise_buf(t, span, &msg);
    }
  return ta_squeeze_dims(t, out, dims, n, a->call->span);
}

/* jnp.concatenate((a, b, ...), axis=0, dtype=None): promotes to one dtype
 * (or converts to dtype); axis None ravels each first. */
bool ta_builtin_concatenate(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis, *seq = &a->pos[0];
  tj_span axspan, span = a->call->span;
  bool have_dtype;
  tj_dtype dt = DT_F32;
  if (!ta_get_arg(t, b, a, 1, "axis", &axis, &axspan) || !ta_opt_dtype(t, b, a, 2, &have_dtype, &dt)) return false;
  bool given = a->npos > 1 || call_kwarg(a, "axis", NULL);
  bool flatten = given && !axis; /* axis=None: ravel each first */
  if (seq->kind != V_TUPLE)
    return tracer_error(t, a->pos_spans[0], "TypeError: concatenate() takes a tuple of arrays, not a %s",
                        value_type_name(seq));
  int n = seq->n;
  if (n == 0) return tracer_error(t, a->pos_spans[0], "ValueError: Need at least one array to concatenate.");
  value *vals = ARENA_ARRAY(&t->scratch, value, n);
  for (int i = 0; i < n; i++) {
    vals[i] = seq->items[i];
    if (!ta_check_array(t, b, &vals[i], i, a->pos_spans[0])) return false;
  }
  for (int i = 0; flatten && i < n; i++)
    if (!ta_ravel(t, &vals[i], span)) return false;
  tj_aval first = value_aval(t, &vals[0]);
  if (first.rank == 0) return tracer_error(t, a->pos_spans[0], "ValueError: Zero-dimensional arrays cannot be concatenated.");
  int64_t ax = 0, dim = 0;
  if (axis && !flatten && !ta_index_of(t, axis, axspan, &ax)) return false;
  if (!ta_canon_axis(t, ax, first.rank, axis ? axspan : span, &dim)) return false;
  bool weak = false;
  if (!have_dtype && !promote_values(t, vals, n, span, &dt, &weak)) return false;
  for (int i = 0; have_dtype && i < n; i++)
    if (!convert(t, &vals[i], dt, false, span)) return false;
  if (n == 1 && vals[0].kind == V_TRACED) { *out = vals[0]; return true; }
  ir_atom *ins = ARENA_ARRAY(&t->scratch, ir_atom, n);
  for (int i = 0; i < n; i++)
    if (!to_atom(t, &vals[i], dt, weak, span, &ins[i])) return false;
  ir_param p = {"dimension", pv_int(t->m, dim)};
  return emit(t, P_concatenate, ins, n, NULL, &p, 1, span, out);
}
