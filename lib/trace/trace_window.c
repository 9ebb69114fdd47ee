/* Padding and windowed-reduction builtins (issue 14 item 4), as jax
 * 0.10.2 records them:
 *  - lax_pad(operand, padding_value, padding_config): lax.pad
 *    (jax/_src/lax/lax.py), one pad equation; (low, high, interior) per
 *    dimension, negative low/high cut elements off; the checks are pad's
 *    shape and dtype rules (prims_window.c);
 *  - pad(array, pad_width, mode="constant", constant_values=0): jnp.pad
 *    (jax/_src/numpy/lax_numpy.py), its @jit _pad with pad_width and mode
 *    static, so jit[name=_pad] of (array, constant_values); mode
 *    "constant" here (a scalar constant_values), the others but
 *    linear_ramp and median in trace_pad_modes.c;
 *  - reduce_window(operand, init_value, computation, window_dimensions,
 *    window_strides=None, padding="VALID", base_dilation=None,
 *    window_dilation=None): lax.reduce_window
 *    (jax/_src/lax/windowed_reductions.py) with computation "add", "max"
 *    or "min" (lax.add, lax.max, lax.min) and init_value the
 *    computation's identity: _get_monoid_window_reducer's
 *    reduce_window_sum / _max / _min. */
#include "trace_array_int.h"

#include <math.h>
#include <string.h>

/* ---- lax.pad ---- */

/* padding_config as pad binds it: tuple(padding_config), each entry as
 * given (a tuple or a list of ints). */
static bool config_pval(tracer *t, const value *v, tj_span span, int rank, pval **out) {
  note_use(t, v->prov, USE_SHAPE);
  if (v->kind != V_TUPLE) return tracer_error(t, span, "TypeError: '%s' object is not iterable", value_type_name(v));
  if (v->n > TJ_MAX_RANK) return tracer_error(t, span, "padding_config has more than %d entries (tjit's limit)", TJ_MAX_RANK);
  *out = pv_seq(t->m, PV_TUPLE, v->n);
  for (int i = 0; i < v->n; i++) {
    const value *row = &v->items[i];
    int64_t ints[3];
    if (row->kind != V_TUPLE) return tracer_error(t, span, "TypeError: cannot unpack non-iterable %s object", value_type_name(row));
    if (v->n == rank && row->n < 3)
      return tracer_error(t, span, "ValueError: not enough values to unpack (expected 3, got %d)", row->n);
    if (v->n == rank && row->n > 3) return tracer_error(t, span, "ValueError: too many values to unpack (expected 3)");
    for (int k = 0; k < row->n && k < 3; k++)
      if (!ta_index_of(t, &row->items[k], span, &ints[k])) return false;
    (*out)->items[i] = pv_ints(t->m, row->list ? PV_LIST : PV_TUPLE, ints, row->n < 3 ? row->n : 3);
  }
  return true;
}

/* pad_p.bind(operand, padding_value, padding_config=cfg). */
static bool pad_bind(tracer *t, value x, value pv, pval *cfg, tj_span span, value *out) {
  ir_atom in[2];
  if (!own_atom(t, &x, span, &in[0]) || !own_atom(t, &pv, span, &in[1])) return false;
  ir_param p = {"padding_config", cfg};
  return emit(t, P_pad, in, 2, NULL, &p, 1, span, out);
}

static bool builtin_lax_pad(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *cfgv;
  tj_span cs;
  pval *cfg = NULL;
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !ta_check_array(t, b, &a->pos[1], 1, a->pos_spans[1]) ||
      !ta_get_arg(t, b, a, 2, "padding_config", &cfgv, &cs))
    return false;
  if (!cfgv) return tracer_error(t, a->call->span, "TypeError: pad() missing 1 required positional argument: 'padding_config'");
  return config_pval(t, cfgv, cs, value_aval(t, &a->pos[0]).rank, &cfg) &&
         pad_bind(t, a->pos[0], a->pos[1], cfg, a->call->span, out);
}

/* ---- jnp.pad ---- */

/* The shape np.asarray gives pad_width or stat_length (up to two
 * dimensions), its numbers flattened into nums; false with the error of
 * an irregular or deeper one. */
static bool widths_shape(tracer *t, const value *v, const char *name, tj_span span, int *nd, int64_t *shape,
                         const value **nums) {
  char context[40];
  snprintf(context, sizeof context, "%s argument of jnp.pad", name);
  if (v->kind == V_TRACED) return ta_concrete_error(t, v, span, context);
  if (v->kind != V_TUPLE) return *nd = 0, nums[0] = v, true;
  *nd = 1, shape[0] = v->n;
  bool nested = v->n > 0 && v->items[0].kind == V_TUPLE;
  if (nested) *nd = 2, shape[1] = v->items[0].n;
  if (v->n > TJ_MAX_RANK || (nested && shape[1] > 2)) shape[1] = 3; /* unsupported either way */
  for (int i = 0; i < v->n && i < TJ_MAX_RANK; i++) {
    const value *row = &v->items[i];
    if (row->kind == V_TRACED) return ta_concrete_error(t, row, span, context);
    if ((row->kind == V_TUPLE) != nested || (nested && row->n != v->items[0].n)) {
      tj_buf m = {0};
      buf_printf(&m, "TypeError: `%s` entries must be the same shape: ", name);
      ta_put_value(t, &m, v);
      return ta_raise_buf(t, span, &m);
    }
    for (int k = 0; k < (nested ? row->n : 1) && k < 2; k++) nums[i * 2 + k] = nested ? &row->items[k] : row;
  }
  return true;
}

/* _broadcast_to_pairs(v, nd, name) into lo and hi, then (pad's check,
 * for pad_width; tjit's for stat_length) every number an integer. */
static bool broadcast_pairs(tracer *t, const value *v, const char *name, tj_span span, int rank, int64_t *lo_out,
                            int64_t *hi_out) {
  const value *nums[2 * TJ_MAX_RANK] = {0};
  int64_t shape[2] = {0, 0};
  int nd = 0;
  note_use(t, v->prov, USE_SHAPE);
  if (!widths_shape(t, v, name, span, &nd, shape, nums)) return false;
  const value *lo = NULL, *hi = NULL; /* NULL: per dimension, from nums */
  if (nd == 0 || (nd == 1 && shape[0] == 1)) lo = hi = nums[0];
  else if (nd == 1 && shape[0] == 2) lo = nums[0], hi = nums[2];
  else if (nd == 2 && shape[1] == 2 && shape[0] == 1) lo = nums[0], hi = nums[1];
  else if (!(nd == 2 && shape[1] == 2 && shape[0] == rank)) {
    tj_buf m = {0};
    buf_printf(&m, "ValueError: jnp.pad: %s with nd=%d has unsupported shape (", name, rank);
    for (int i = 0; i < nd; i++) buf_printf(&m, i ? ", %lld" : "%lld", (long long)shape[i]);
    buf_printf(&m, "%s). Valid shapes are (%d, 2), (1, 2), (2,), (1,), or ().", nd == 1 ? "," : "", rank);
    return ta_raise_buf(t, span, &m);
  }
  for (int k = 0; k < rank; k++) {
    const value *l = lo ? lo : nums[2 * k], *h = hi ? hi : nums[2 * k + 1];
    if ((l->kind != V_INT && l->kind != V_BOOL) || (h->kind != V_INT && h->kind != V_BOOL))
      return strcmp(name, "pad_width") == 0 ? tracer_error(t, span, "TypeError: `pad_width` must be of integral type.")
                                            : tracer_error(t, span, "jnp.pad's %s must be integers in tjit", name);
    lo_out[k] = l->i, hi_out[k] = h->i;
  }
  return true;
}

/* _pad_constant: asarray(constant_values) converted to the array's
 * dtype (lax._convert_element_type, weak as the array), then lax.pad
 * with ((low, high, 0), ...) where low and high are numpy ints. */
static bool pad_constant(tracer *t, const ta_pad_spec *w, value *args, tj_span span, value *out) {
  tj_aval xa = value_aval(t, &args[0]), ca = value_aval(t, &args[1]);
  if (ca.rank != 0)
    return tracer_error(t, span, "jnp.pad's constant_values must be a scalar in tjit (per-axis values are not supported)");
  value cv = args[1];
  if (!ta_cast(t, &cv, &ca, xa.dtype, xa.weak, span)) return false;
  pval *cfg = pv_seq(t->m, PV_TUPLE, w->rank);
  for (int k = 0; k < w->rank; k++) {
    cfg->items[k] = pv_seq(t->m, PV_TUPLE, 3);
    cfg->items[k]->items[0] = pv_np_int64(t->m, w->lo[k]);
    cfg->items[k]->items[1] = pv_np_int64(t->m, w->hi[k]);
    cfg->items[k]->items[2] = pv_int(t->m, 0);
  }
  return pad_bind(t, args[0], cv, cfg, span, out);
}

/* _pad's body (its argument checks ran in builtin_jnp_pad): a scalar is
 * returned as it is, else the mode's padding. */
static bool pad_body(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  const ta_pad_spec *w = ctx;
  *out = args[0];
  if (value_aval(t, &args[0]).rank == 0) return true;
  if (w->mode == PAD_CONSTANT) return pad_constant(t, w, args, span, out);
  return ta_pad_mode(t, w, out, span);
}

static const ast_func pad_tag; /* jnp.pad's _pad in the jit cache */

/* pad's modes (allowed_kwargs' keys) and the keyword each allows. */
static const struct {
  const char *name;
  int mode;
  const char *kwarg;
} pad_modes[] = {
    {"empty", PAD_EMPTY, NULL},           {"edge", PAD_EDGE, NULL},
    {"wrap", PAD_WRAP, NULL},             {"constant", PAD_CONSTANT, "constant_values"},
    {"linear_ramp", PAD_LINEAR_RAMP, "end_values"}, {"maximum", PAD_MAXIMUM, "stat_length"},
    {"mean", PAD_MEAN, "stat_length"},     {"median", PAD_MEDIAN, "stat_length"},
    {"minimum", PAD_MINIMUM, "stat_length"}, {"reflect", PAD_REFLECT, "reflect_type"},
    {"symmetric", PAD_SYMMETRIC, "reflect_type"},
};
static const char *const pad_kwargs[] = {"constant_values", "stat_length", "end_values", "reflect_type"};

/* pad's mode check: an unknown mode is JAX's NotImplementedError, a
 * keyword the mode does not take its ValueError (the set printed in
 * the order the keywords are known here), linear_ramp and median tjit's
 * limit. */
static bool check_mode(tracer *t, const call_args *a, const value *mode, tj_span ms, int *out) {
  if (mode && mode->kind != V_STR)
    return tracer_error(t, ms, "jnp.pad's mode must be a string in tjit (callables are not supported)");
  const char *name = mode ? mode->s : "constant";
  int i = 0, n = (int)(sizeof pad_modes / sizeof pad_modes[0]);
  while (i < n && strcmp(pad_modes[i].name, name) != 0) i++;
  if (i == n) return tracer_error(t, ms, "NotImplementedError: Unimplemented padding mode '%s' for np.pad.", name);
  tj_buf m = {0};
  tj_span s;
  for (int k = 0; k < 4; k++) {
    bool allowed = pad_modes[i].kwarg && strcmp(pad_modes[i].kwarg, pad_kwargs[k]) == 0;
    if (!call_kwarg(a, pad_kwargs[k], &s) || allowed) continue;
    if (!m.len) buf_printf(&m, "ValueError: unsupported keyword arguments for mode '%s': {", name);
    else buf_puts(&m, ", ");
    buf_printf(&m, "'%s'", pad_kwargs[k]);
  }
  if (m.len) return buf_puts(&m, "}"), ta_raise_buf(t, mode ? ms : a->call->span, &m);
  if (pad_modes[i].mode == PAD_LINEAR_RAMP || pad_modes[i].mode == PAD_MEDIAN)
    return tracer_error(t, ms, "jnp.pad mode '%s' is not supported by tjit", name);
  return *out = pad_modes[i].mode, true;
}
/* The static arguments of _pad in the jit cache's key: the widths as
 * pairs, the mode, and stat_length and reflect_type as given (pad
 * passes them on unbroadcast: stat_length=2 and (2, 2) are two jaxprs). */
static value pad_key(tracer *t, const ta_pad_spec *w, const call_args *a) {
  tj_span s;
  const value *stat_length = call_kwarg(a, "stat_length", &s), *reflect_type = call_kwarg(a, "reflect_type", &s);
  value key = {.kind = V_TUPLE, .n = 2 * w->rank + 3};
  key.items = ARENA_ARRAY(&t->scratch, value, key.n);
  value *k = key.items;
  *k++ = value_int(w->mode), *k++ = stat_length ? *stat_length : value_none();
  *k++ = reflect_type ? *reflect_type : (value){.kind = V_STR, .s = "even", .slen = 4};
  for (int i = 0; i < w->rank; i++) *k++ = value_int(w->lo[i]), *k++ = value_int(w->hi[i]);
  return key;
}

/* What _pad checks before it pads (a scalar skips them): negative
 * widths, then reflect_type's assert, then stat_length's pairs. */
static bool pad_statics(tracer *t, const call_args *a, ta_pad_spec *w) {
  tj_span span = a->call->span, rs, ss;
  const value *rt = call_kwarg(a, "reflect_type", &rs), *sl = call_kwarg(a, "stat_length", &ss);
  if (w->rank == 0) return true;
  for (int k = 0; k < w->rank; k++)
    if (w->lo[k] < 0 || w->hi[k] < 0) return tracer_error(t, span, "ValueError: index can't contain negative values");
  if (w->mode == PAD_REFLECT || w->mode == PAD_SYMMETRIC) {
    bool even = rt && rt->kind == V_STR && strcmp(rt->s, "even") == 0;
    w->odd = rt && rt->kind == V_STR && strcmp(rt->s, "odd") == 0;
    if (rt && !even && !w->odd) return tracer_error(t, span, "AssertionError");
  }
  w->have_stat = sl && sl->kind != V_NONE;
  return !w->have_stat || broadcast_pairs(t, sl, "stat_length", ss, w->rank, w->stat_lo, w->stat_hi);
}

static bool builtin_jnp_pad(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *pw, *mode;
  tj_span ps, ms, cs;
  const value *cv = call_kwarg(a, "constant_values", &cs);
  value args[2] = {a->pos[0], value_int(0)};
  if (!ta_check_array(t, b, &args[0], 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "pad_width", &pw, &ps) ||
      !ta_get_arg(t, b, a, 2, "mode", &mode, &ms))
    return false;
  if (!pw) return tracer_error(t, a->call->span, "TypeError: pad() missing 1 required positional argument: 'pad_width'");
  ta_pad_spec w = {.rank = value_aval(t, &args[0]).rank};
  if (!broadcast_pairs(t, pw, "pad_width", ps, w.rank, w.lo, w.hi) || !check_mode(t, a, mode, ms, &w.mode) ||
      !pad_statics(t, a, &w))
    return false;
  if (cv) args[1] = *cv;
  jnp_jit_fn fn = {"_pad", &pad_tag, pad_key(t, &w, a), pad_body, &w};
  return jnp_jit(t, &fn, args, 2, a->call->span, out);
}

/* ---- lax.reduce_window ---- */

typedef struct window_args {
  int rank, n;                       /* the operand's rank, window_dimensions' length */
  int64_t dims[TJ_MAX_RANK], strides[TJ_MAX_RANK], base[TJ_MAX_RANK], wdil[TJ_MAX_RANK];
  int nstrides, nbase, nwdil;        /* -1: None (then all 1) */
  int64_t pads[2 * TJ_MAX_RANK];
  int npads;
} window_args;

/* A shape-like window argument: a tuple or list of ints (lax's
 * _check_shapelike reads it); *n = -1 when it is None. */
static bool shape_arg(tracer *t, const builtin_def *b, const call_args *a, int i, const char *kw, int64_t *out, int *n) {
  const value *v;
  tj_span s;
  if (!ta_get_arg(t, b, a, i, kw, &v, &s)) return false;
  *n = -1;
  if (!v) return true;
  note_use(t, v->prov, USE_SHAPE);
  if (v->kind == V_TRACED) return ta_concrete_error(t, v, s, "The window arguments of reduce_window must be known statically.");
  if (v->kind != V_TUPLE)
    return tracer_error(t, s, "TypeError: reduce_window %s must be of type tuple/list/ndarray, got <class '%s'>.", kw,
                        value_type_name(v));
  if (v->n > TJ_MAX_RANK) return tracer_error(t, s, "reduce_window %s has more than %d entries (tjit's limit)", kw, TJ_MAX_RANK);
  for (int k = 0; k < v->n; k++)
    if (!ta_index_of(t, &v->items[k], s, &out[k])) return false;
  *n = v->n;
  return true;
}

/* An explicit padding: tuple((lo, hi) for lo, hi in padding). */
static bool explicit_pads(tracer *t, const value *v, tj_span s, window_args *w) {
  if (v->kind != V_TUPLE) return tracer_error(t, s, "TypeError: '%s' object is not iterable", value_type_name(v));
  if (v->n > TJ_MAX_RANK) return tracer_error(t, s, "reduce_window padding has more than %d entries (tjit's limit)", TJ_MAX_RANK);
  for (int k = 0; k < v->n; k++) {
    const value *row = &v->items[k];
    if (row->kind != V_TUPLE)
      return tracer_error(t, s, "TypeError: cannot unpack non-iterable %s object", value_type_name(row));
    if (row->n != 2)
      return row->n < 2 ? tracer_error(t, s, "ValueError: not enough values to unpack (expected 2, got %d)", row->n)
                        : tracer_error(t, s, "ValueError: too many values to unpack (expected 2)");
    if (!ta_index_of(t, &row->items[0], s, &w->pads[2 * k]) || !ta_index_of(t, &row->items[1], s, &w->pads[2 * k + 1]))
      return false;
  }
  w->npads = v->n;
  return true;
}

/* lax.padtype_to_pads(operand shape, dilated window, strides or [],
 * padding) for "VALID", "SAME", "SAME_LOWER" (any case). */
static bool string_pads(tracer *t, const value *v, tj_span s, const tj_aval *x, window_args *w) {
  char up[16] = {0};
  for (uint32_t i = 0; i < v->slen && i < sizeof up - 1; i++) up[i] = (char)(v->s[i] >= 'a' && v->s[i] <= 'z' ? v->s[i] - 32 : v->s[i]);
  bool same = strcmp(up, "SAME") == 0, lower = strcmp(up, "SAME_LOWER") == 0;
  if (!same && !lower && strcmp(up, "VALID") != 0)
    return tracer_error(t, s, "RuntimeError: Unrecognized padding type: expected 'VALID', 'SAME', or 'SAME_LOWER', got %s.", v->s);
  for (int k = 0; k < w->nwdil; k++) /* _dilate_shape(window_dimensions, window_dilation) */
    if (w->wdil[k] <= 0) {
      tj_buf m = {0};
      buf_puts(&m, "TypeError: All dilations must be positive, got ");
      ta_put_dims(&m, w->wdil, w->nwdil);
      buf_puts(&m, ".");
      return ta_raise_buf(t, s, &m);
    }
  w->npads = x->rank;
  memset(w->pads, 0, sizeof w->pads);
  if (!same && !lower) return true;
  if (w->nstrides < 0 && x->rank > 1) /* numpy broadcasts the shape against [] */
    return tracer_error(t, s, "ValueError: operands could not be broadcast together with shapes (%d,) (0,) ", x->rank);
  if (w->nstrides < 0 || w->n != x->rank || w->nstrides != x->rank || (w->nwdil >= 0 && w->nwdil != x->rank))
    return w->npads = w->nstrides < 0 ? 0 : x->rank, true; /* the shape rule's length errors follow */
  for (int k = 0; k < x->rank; k++)
    if (w->strides[k] <= 0 || w->dims[k] <= 0) return true; /* the shape rule's errors follow */
  for (int k = 0; k < x->rank; k++) {
    int64_t win = w->nwdil < 0 ? w->dims[k] : 1 + w->wdil[k] * (w->dims[k] - 1);
    int64_t outd = (x->dims[k] + w->strides[k] - 1) / w->strides[k];
    int64_t need = (outd - 1) * w->strides[k] + win - x->dims[k];
    if (need < 0) need = 0;
    w->pads[2 * k] = same ? need / 2 : need - need / 2, w->pads[2 * k + 1] = need - w->pads[2 * k];
  }
  return true;
}

/* _get_monoid_window_reducer: the primitive when computation is lax.add
 * with init 0, lax.max with the least value of init's dtype (-inf), or
 * lax.min with the greatest; else 0 (JAX's generic reduce_window_p). */
static int monoid_prim(tracer *t, const value *comp, const value *init) {
  if (comp->kind != V_STR || init->kind == V_TRACED || !value_is_number(init)) return 0;
  tj_aval a = value_aval(t, init);
  double f = init->kind == V_FLOAT ? init->f : (double)init->i;
  bool fl = dtype_is_float(a.dtype), sgn = dtype_kindof(a.dtype) == DK_SIGNED;
  int bits = 8 * dtype_size(a.dtype);
  if (strcmp(comp->s, "add") == 0) return f == 0 ? P_reduce_window_sum : 0;
  bool max = strcmp(comp->s, "max") == 0;
  if (!max && strcmp(comp->s, "min") != 0) return 0;
  double least = fl ? -INFINITY : sgn ? -ldexp(1, bits - 1) : 0, most = fl ? INFINITY : sgn ? ldexp(1, bits - 1) - 1 : ldexp(1, bits) - 1;
  if (a.dtype == DT_BOOL) least = 0, most = 1;
  if (max) return f == least ? P_reduce_window_max : 0;
  return f == most ? P_reduce_window_min : 0;
}

/* The window params as the monoid reducers bind them: None strides and
 * dilations become ones. */
static void window_params(tracer *t, const window_args *w, ir_param *ps) {
  int64_t ones[TJ_MAX_RANK];
  for (int k = 0; k < TJ_MAX_RANK; k++) ones[k] = 1;
  pval *pads = pv_seq(t->m, PV_TUPLE, w->npads);
  for (int k = 0; k < w->npads; k++) pads->items[k] = pv_ints(t->m, PV_TUPLE, &w->pads[2 * k], 2);
  ps[0] = (ir_param){"base_dilation", pv_ints(t->m, PV_TUPLE, w->nbase < 0 ? ones : w->base, w->nbase < 0 ? w->n : w->nbase)};
  ps[1] = (ir_param){"padding", pads};
  ps[2] = (ir_param){"window_dilation", pv_ints(t->m, PV_TUPLE, w->nwdil < 0 ? ones : w->wdil, w->nwdil < 0 ? w->n : w->nwdil)};
  ps[3] = (ir_param){"window_dimensions", pv_ints(t->m, PV_TUPLE, w->dims, w->n)};
  ps[4] = (ir_param){"window_strides", pv_ints(t->m, PV_TUPLE, w->nstrides < 0 ? ones : w->strides, w->nstrides < 0 ? w->n : w->nstrides)};
}

static bool read_window(tracer *t, const builtin_def *b, const call_args *a, const tj_aval *x, window_args *w) {
  const value *pad;
  tj_span s;
  if (!shape_arg(t, b, a, 3, "window_dimensions", w->dims, &w->n) || !shape_arg(t, b, a, 4, "window_strides", w->strides, &w->nstrides) ||
      !shape_arg(t, b, a, 6, "base_dilation", w->base, &w->nbase) || !shape_arg(t, b, a, 7, "window_dilation", w->wdil, &w->nwdil) ||
      !ta_get_arg(t, b, a, 5, "padding", &pad, &s))
    return false;
  if (w->n < 0) return tracer_error(t, a->call->span, "TypeError: reduce_window() missing 1 required positional argument: 'window_dimensions'");
  if (!pad) return string_pads(t, &(value){.kind = V_STR, .s = "VALID", .slen = 5}, s, x, w);
  note_use(t, pad->prov, USE_SHAPE);
  return pad->kind == V_STR ? string_pads(t, pad, s, x, w) : explicit_pads(t, pad, s, w);
}

static bool builtin_reduce_window(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  value x = a->pos[0];
  tj_span span = a->call->span;
  if (x.kind == V_TUPLE)
    return tracer_error(t, a->pos_spans[0], "reduce_window over a tree of operands is not supported by tjit (one array)");
  if (!ta_check_array(t, b, &x, 0, a->pos_spans[0])) return false;
  if (a->npos < 3) return tracer_error(t, span, "TypeError: reduce_window() missing required positional arguments: 'init_value', 'computation'");
  tj_aval xa = value_aval(t, &x);
  window_args w = {.rank = xa.rank};
  if (!read_window(t, b, a, &xa, &w)) return false;
  int prim = monoid_prim(t, &a->pos[2], &a->pos[1]);
  if (!prim)
    return tracer_error(t, a->pos_spans[2], "reduce_window: tjit has only JAX's monoid reducers: computation \"add\", "
                        "\"max\" or \"min\" with a static init_value equal to its identity (0, -inf, inf); "
                        "JAX's generic reduce_window_p is not supported");
  ir_param ps[5];
  ir_atom in;
  window_params(t, &w, ps);
  return own_atom(t, &x, span, &in) && emit(t, prim, &in, 1, NULL, ps, 5, span, out);
}

static const char *const kw_lax_pad[] = {"padding_config", NULL};
static const char *const kw_jnp_pad[] = {"pad_width",   "mode",         "constant_values",
                                         "stat_length", "end_values", "reflect_type", NULL};
static const char *const kw_reduce_window[] = {"window_dimensions", "window_strides", "padding", "base_dilation",
                                               "window_dilation", NULL};

const builtin_def builtins_window[] = {
    {"lax_pad", builtin_lax_pad, 2, 3, kw_lax_pad, P_pad},
    {"pad", builtin_jnp_pad, 1, 3, kw_jnp_pad, P_pad},
    {"reduce_window", builtin_reduce_window, 3, 8, kw_reduce_window, P_reduce_window_sum},
    {NULL, NULL, 0, 0, NULL, 0},
};
