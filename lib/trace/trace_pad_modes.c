/* jnp.pad's modes other than "constant" (issue 14 item 4), the bodies
 * of jax 0.10.2's _pad (jax/_src/numpy/lax_numpy.py) that run inside
 * jit[name=_pad] (trace_window.c reads the arguments and makes the jit):
 *  - "wrap": _pad_wrap, slices of the ends and repeats of the array
 *    joined by one concatenate per axis;
 *  - "reflect" / "symmetric": _pad_symmetric_or_reflect, a slice and a
 *    _flip per reflection, repeated while the padding is wider than the
 *    axis; reflect_type "odd" takes 2 * edge - x;
 *  - "edge": _pad_edge, jnp.repeat of the edge slices;
 *  - "maximum" / "minimum" / "mean": _pad_stats, the statistic over the
 *    axis (or over stat_length of its ends) kept as a dimension, rounded
 *    (jnp.round) for integer arrays, repeated;
 *  - "empty": _pad_empty, zeros (empty_like) on both sides.
 * Every equation comes from lax and jnp functions tjit already has, so
 * evaluation and C come with them. */
#include "trace_array_int.h"

#include <string.h>

/* lax.slice_in_dim(x, start, stop, axis=axis): None and negative
 * indices translated against the axis' current size. */
static bool slice_dim(tracer *t, value x, int axis, int64_t start, bool has_stop, int64_t stop, tj_span span, value *out) {
  int64_t len = value_aval(t, &x).dims[axis];
  if (!has_stop) stop = len;
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  return ta_slice_in_dim(t, x, axis, start, stop, span, out);
}

/* lax.concatenate(parts, dimension=axis): one operand is itself. */
static bool concat(tracer *t, const value *parts, int n, int axis, tj_span span, value *out) {
  if (n == 1) return *out = parts[0], true;
  ir_atom in[TJ_PAD_MAX_PARTS];
  for (int i = 0; i < n; i++) in[i] = ATOM_VAR(parts[i].var);
  ir_param p = {"dimension", pv_int(t->m, axis)};
  return emit(t, P_concatenate, in, n, NULL, &p, 1, span, out);
}

/* _check_no_padding: an empty axis takes no padding. */
static bool no_padding(tracer *t, const ta_pad_spec *s, int i, const char *mode, tj_span span) {
  if (s->lo[i] > 0 || s->hi[i] > 0) return tracer_error(t, span, "ValueError: Cannot apply '%s' padding to empty axis", mode);
  return true;
}

static bool pad_wrap(tracer *t, const ta_pad_spec *s, value *x, tj_span span) {
  for (int i = 0; i < s->rank; i++) {
    int64_t size = value_aval(t, x).dims[i];
    if (size == 0) {
      if (!no_padding(t, s, i, "wrap", span)) return false;
      continue;
    }
    int64_t lrep = s->lo[i] / size, lrem = s->lo[i] % size, rrep = s->hi[i] / size, rrem = s->hi[i] % size;
    int64_t total = lrep + rrep + 1;
    if (total + (lrem > 0) + (rrem > 0) > TJ_PAD_MAX_PARTS)
      return tracer_error(t, span, "jnp.pad's 'wrap' would join more than %d pieces along one axis (tjit's limit)", TJ_PAD_MAX_PARTS);
    value parts[TJ_PAD_MAX_PARTS];
    int n = 0;
    if (lrem > 0 && !slice_dim(t, *x, i, size - lrem, true, size, span, &parts[n++])) return false;
    for (int64_t k = 0; k < total; k++) parts[n++] = *x;
    if (rrem > 0 && !slice_dim(t, *x, i, 0, true, rrem, span, &parts[n++])) return false;
    if (!concat(t, parts, n, i, span, x)) return false;
  }
  return true;
}

/* flip(x, axis=i): jit[name=_flip]. */
static bool flip_axis(tracer *t, value *x, int i, tj_span span) {
  static const char *const kw[] = {"axis"};
  value ax = value_int(i);
  return call_builtin_kw(t, "flip", x, 1, kw, &ax, 1, span, x);
}

/* One reflection of build_padding: the slice, flipped, made odd
 * (2 * edge - x) when asked, and its new edge. */
static bool reflection(tracer *t, const ta_pad_spec *s, value *arr, int i, int64_t size, int64_t cur, bool before,
                       value *edge, tj_span span, value *x) {
  int64_t offset = s->mode == PAD_REFLECT && size > 1;
  bool ok = before ? slice_dim(t, *arr, i, offset, true, offset + cur, span, x)
                   : slice_dim(t, *arr, i, -(cur + offset), !(s->mode == PAD_SYMMETRIC || size == 1), -1, span, x);
  if (!ok || !flip_axis(t, x, i, span)) return false;
  if (s->odd) {
    value twice;
    if (!apply_binary(t, P_mul, value_int(2), *edge, span, &twice) || !apply_binary(t, P_sub, twice, *x, span, x)) return false;
    if (size > 1 && !(before ? slice_dim(t, *x, i, 0, true, 1, span, edge) : slice_dim(t, *x, i, -1, false, 0, span, edge)))
      return false;
  }
  value both[2] = {before ? *x : *arr, before ? *arr : *x};
  return concat(t, both, 2, i, span, arr);
}

/* build_padding: reflections until the padding is used up, each at most
 * the axis' size (less one for "reflect"). */
static bool build_padding(tracer *t, const ta_pad_spec *s, value *arr, int i, int64_t size, int64_t padding, bool before,
                          tj_span span) {
  value edge, x;
  if (!(before ? slice_dim(t, *arr, i, 0, true, 1, span, &edge) : slice_dim(t, *arr, i, -1, false, 0, span, &edge)))
    return false;
  int64_t offset = s->mode == PAD_REFLECT && size > 1;
  while (padding > 0) {
    int64_t cur = padding < size - offset ? padding : size - offset;
    padding -= cur;
    if (!reflection(t, s, arr, i, size, cur, before, &edge, span, &x)) return false;
  }
  return true;
}

static bool pad_reflect(tracer *t, const ta_pad_spec *s, value *x, tj_span span) {
  const char *mode = s->mode == PAD_REFLECT ? "reflect" : "symmetric";
  for (int i = 0; i < s->rank; i++) {
    int64_t size = value_aval(t, x).dims[i];
    if (size == 0) {
      if (!no_padding(t, s, i, mode, span)) return false;
      continue;
    }
    if (s->lo[i] == 0 && s->hi[i] == 0) continue;
    if (!build_padding(t, s, x, i, size, s->lo[i], true, span) || !build_padding(t, s, x, i, size, s->hi[i], false, span))
      return false;
  }
  return true;
}

/* jnp.repeat(v, n, axis=i). */
static bool repeat_axis(tracer *t, value v, int64_t n, int i, tj_span span, value *out) {
  static const char *const kw[] = {"axis"};
  value args[2] = {v, value_int(n)}, ax = value_int(i);
  return call_builtin_kw(t, "repeat", args, 2, kw, &ax, 1, span, out);
}

/* concatenate([repeat(before, lo), x, repeat(after, hi)], dimension=i),
 * after is repeated after before. */
static bool repeat_ends(tracer *t, const ta_pad_spec *s, value *x, int i, value before, value after, tj_span span) {
  value parts[3] = {before, *x, after};
  return repeat_axis(t, before, s->lo[i], i, span, &parts[0]) && repeat_axis(t, after, s->hi[i], i, span, &parts[2]) &&
         concat(t, parts, 3, i, span, x);
}

static bool pad_edge(tracer *t, const ta_pad_spec *s, value *x, tj_span span) {
  for (int i = 0; i < s->rank; i++) {
    int64_t n = value_aval(t, x).dims[i];
    value before, after;
    if (n == 0) {
      if (!no_padding(t, s, i, "edge", span)) return false;
      continue;
    }
    value parts[3] = {{0}, *x, {0}};
    if (!slice_dim(t, *x, i, 0, true, 1, span, &before) || !repeat_axis(t, before, s->lo[i], i, span, &parts[0]) ||
        !slice_dim(t, *x, i, n - 1, true, n, span, &after) || !repeat_axis(t, after, s->hi[i], i, span, &parts[2]) ||
        !concat(t, parts, 3, i, span, x))
      return false;
  }
  return true;
}

/* stat_func(v, axis=i, keepdims=True): reductions.amax / amin / mean. */
static bool stat_of(tracer *t, const ta_pad_spec *s, value v, int i, tj_span span, value *out) {
  static const char *const kw[] = {"axis", "keepdims"};
  value kv[2] = {value_int(i), value_bool(true)};
  const char *fn = s->mode == PAD_MAXIMUM ? "max" : s->mode == PAD_MINIMUM ? "min" : "mean";
  return call_builtin_kw(t, fn, &v, 1, kw, kv, 2, span, out);
}

/* The two statistics rounded (jnp.round) for an integer array, then
 * converted to the array's dtype and weak type. */
static bool stats_as(tracer *t, const tj_aval *xa, value *two, tj_span span) {
  for (int k = 0; k < 2; k++)
    if (dtype_is_int(xa->dtype) && !call_builtin_values(t, "round", &two[k], 1, span, &two[k])) return false;
  for (int k = 0; k < 2; k++) {
    tj_aval va = value_aval(t, &two[k]);
    if (!ta_cast(t, &two[k], &va, xa->dtype, xa->weak, span)) return false;
  }
  return true;
}

static bool pad_stats(tracer *t, const ta_pad_spec *s, value *x, tj_span span) {
  for (int i = 0; i < s->rank; i++) {
    tj_aval xa = value_aval(t, x);
    value before, after;
    if (!s->have_stat) {
      if (!stat_of(t, s, *x, i, span, &before)) return false;
      after = before;
    } else {
      if (s->stat_lo[i] == 0 || s->stat_hi[i] == 0)
        return tracer_error(t, span, "ValueError: stat_length of 0 yields no value for padding");
      int64_t lb = s->stat_lo[i] < xa.dims[i] ? s->stat_lo[i] : xa.dims[i];
      int64_t la = s->stat_hi[i] < xa.dims[i] ? s->stat_hi[i] : xa.dims[i];
      if (!slice_dim(t, *x, i, 0, true, lb, span, &before) || !slice_dim(t, *x, i, -la, false, 0, span, &after) ||
          !stat_of(t, s, before, i, span, &before) || !stat_of(t, s, after, i, span, &after))
        return false;
    }
    value two[2] = {before, after};
    if (!stats_as(t, &xa, two, span) || !repeat_ends(t, s, x, i, two[0], two[1], span)) return false;
  }
  return true;
}

/* empty_like(x, shape=...): jnp.zeros of the shape in x's dtype. */
static bool zeros_of(tracer *t, const tj_aval *shape, tj_span span, value *out) {
  static const char *const kw[] = {"dtype"};
  value dims = {.kind = V_TUPLE, .n = shape->rank, .items = ARENA_ARRAY(&t->scratch, value, shape->rank)};
  for (int d = 0; d < shape->rank; d++) dims.items[d] = value_int(shape->dims[d]);
  value dt = {.kind = V_DTYPE, .dtype = shape->dtype};
  return call_builtin_kw(t, "zeros", &dims, 1, kw, &dt, 1, span, out);
}

static bool pad_empty(tracer *t, const ta_pad_spec *s, value *x, tj_span span) {
  for (int i = 0; i < s->rank; i++) {
    tj_aval before = value_aval(t, x), after = before;
    before.dims[i] = s->lo[i], after.dims[i] = s->hi[i];
    value parts[3] = {{0}, *x, {0}};
    if (!zeros_of(t, &before, span, &parts[0]) || !zeros_of(t, &after, span, &parts[2]) || !concat(t, parts, 3, i, span, x))
      return false;
  }
  return true;
}

bool ta_pad_mode(tracer *t, const ta_pad_spec *s, value *x, tj_span span) {
  switch (s->mode) {
  case PAD_WRAP: return pad_wrap(t, s, x, span);
  case PAD_REFLECT:
  case PAD_SYMMETRIC: return pad_reflect(t, s, x, span);
  case PAD_EDGE: return pad_edge(t, s, x, span);
  case PAD_MAXIMUM:
  case PAD_MINIMUM:
  case PAD_MEAN: return pad_stats(t, s, x, span);
  case PAD_EMPTY: return pad_empty(t, s, x, span);
  default: TJ_BUG("ta_pad_mode: a mode trace_window.c does not pass");
  }
}
