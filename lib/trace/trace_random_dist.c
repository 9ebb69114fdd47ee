/* jax.random's discrete and Gumbel samplers (issue 16, `builtins_random_dist`),
 * as jax 0.10.2 records them (jax/_src/random/core.py):
 *  - random_gumbel(key, shape=(), dtype=f32, mode=None): jit[name=_gumbel]
 *    (shape, dtype, mode static); mode None is 'low': -log(-log(u)) of a
 *    _uniform called with keywords (minval=finfo.tiny, maxval=1.); 'high'
 *    (and 'highest' for dtypes other than float32) draws (2, *shape)
 *    uniforms and uses log1p; float32's 'highest' draws (2, *shape) uint32
 *    bits, a 64-bit fraction made a float32 by _safe_int_to_float (clz).
 *  - random_randint(key, shape, minval, maxval, dtype=int32):
 *    jit[name=_randint], two 32- or 64-bit draws reduced modulo the span
 *    (8- and 16-bit dtypes drawn in int32 between clipped bounds).
 *  - random_permutation(key, x, axis=0, independent=False): _shuffle's
 *    jit[name=_shuffle], rounds of sorting by fresh uint32 keys; an array
 *    of rank > 1 (not independent) is taken along axis by a shuffled arange.
 *  - random_categorical(key, logits, axis=-1, shape=None, replace=True,
 *    mode=None): argmax of gumbel + logits, or top_k of them without
 *    replacement (_categorical is not jitted).
 *  - random_choice(key, a, shape=(), replace=True, p=None, axis=0,
 *    mode=None): randint and take, a permutation's prefix, with p and
 *    without replacement the Gumbel top-k, with p and replacement the
 *    searchsorted of scaled uniforms in cumsum(p) (trace_search.c).
 *  - bernoulli's mode='high' body (random_bernoulli_high, trace.h).
 * jax.random.shuffle is gone from 0.10.2. Keys are checked as
 * _check_prng_key does (trace_random.c rnd_check_key). */
#include "trace_random.h"

#include <float.h>
#include <math.h>
#include <string.h>

static const ast_func uniform_kw_tag, gumbel_tag, randint_tag, shuffle_tag, bernoulli_high_tag;

typedef enum { GUMBEL_LOW, GUMBEL_HIGH, GUMBEL_HIGHEST } gumbel_mode;
static const char *const gumbel_mode_names[] = {"low", "high", "highest"};

/* ---- small pieces ---- */

static value str_value(const char *s) { return (value){.kind = V_STR, .s = s, .slen = (uint32_t)strlen(s)}; }

/* a, b = x: iterating a traced array (lax._iter: index_in_dim, a slice
 * then a squeeze, per item). */
static bool unpack2(tracer *t, value x, tj_span span, value *a, value *b) {
  iter_source it = {.v = x, .span = span, .count = 2};
  return iter_item(t, &it, 0, a) && iter_item(t, &it, 1, b);
}

/* k1, k2 = _split(key): random_split[shape=(2,)], then unpacked. */
static bool split2(tracer *t, value key, tj_span span, value *k1, value *k2) {
  int64_t two = 2;
  ir_param p = {"shape", pv_ints(t->m, PV_TUPLE, &two, 1)};
  return rnd_emit1(t, P_random_split, &key, &p, 1, span) && unpack2(t, key, span, k1, k2);
}

/* dtypes.finfo(dt).tiny, the smallest normal number. */
static double float_tiny(tj_dtype dt) {
  return dt == DT_F64 ? DBL_MIN : dt == DT_F16 ? 6.103515625e-05 : (double)FLT_MIN; /* bf16 shares f32's exponent */
}

/* jnp's unary -x (lax.neg) and ufuncs without promotion (log, log1p). */
static bool neg(tracer *t, value *v, tj_span span) { return rnd_emit1(t, P_neg, v, NULL, 0, span); }
static bool jnp1(tracer *t, const char *name, value *v, tj_span span) {
  return call_builtin_values(t, name, v, 1, span, v);
}

/* A shape with a leading dimension: (n, *shape). */
static tj_aval lead_dim(const tj_aval *s, int64_t n) {
  tj_aval r = *s;
  r.rank = (uint8_t)(s->rank + 1);
  r.dims[0] = n;
  memcpy(r.dims + 1, s->dims, sizeof *s->dims * s->rank);
  return r;
}

/* check_arraylike(name, v): an array or a number (a list is refused). */
static bool arraylike(tracer *t, const char *name, const value *v, int pos, tj_span span) {
  if (v->kind == V_TRACED || value_is_number(v)) return true;
  return tracer_error(t, span, "TypeError: %s requires ndarray or scalar arguments, got <class '%s'> at position %d.",
                      name, value_type_name(v), pos);
}

/* A static bool argument, positional or keyword, with a default. */
static bool flag_arg(tracer *t, const builtin_def *b, const call_args *a, int i, const char *kw, bool def, bool *out) {
  const value *v;
  tj_span s;
  if (!ta_get_arg(t, b, a, i, kw, &v, &s)) return false;
  if (v && v->kind == V_TRACED) return concretization_error(t, ERR_BOOL, v, s, NULL);
  *out = v ? value_truthy(v) : def;
  return true;
}

/* The mode argument of gumbel (and of categorical and choice, passed on):
 * None is 'low' (use_high_dynamic_range_gumbel False). */
static bool read_gumbel_mode(tracer *t, const value *m, tj_span span, gumbel_mode *out) {
  *out = GUMBEL_LOW;
  if (!m) return true;
  for (int k = 0; k < 3; k++)
    if (m->kind == V_STR && m->slen == strlen(gumbel_mode_names[k]) && memcmp(m->s, gumbel_mode_names[k], m->slen) == 0)
      return *out = (gumbel_mode)k, true;
  tj_buf b = {0};
  buf_puts(&b, "ValueError: Must provide valid mode for gumbel got: ");
  if (m->kind == V_STR) buf_printf(&b, "%.*s", (int)m->slen, m->s);
  else value_repr(m, &b);
  return ta_raise_buf(t, span, &b);
}

/* ---- _uniform called with keywords ---- */

/* _uniform(key, minval=lo, maxval=hi, shape=, dtype=), as _gumbel calls
 * it: jit flattens the keyword arguments sorted by name, so the jaxpr's
 * operands are (key, maxval, minval); its body (trace_random.c's
 * uniform_body with those operands). */
static bool uniform_kw_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  return rnd_uniform_body(t, ctx, v[0], v[2], v[1], span, out);
}

static bool uniform_kw_jit(tracer *t, const sample_opts *o, value key, value lo, value hi, tj_span span, value *out) {
  value statics[2] = {rnd_shape_value(t, &o->shape), {.kind = V_DTYPE, .dtype = o->dtype}};
  value args[3] = {key, hi, lo};
  jnp_jit_fn fn = {"_uniform", &uniform_kw_tag, rnd_tuple(t, statics, 2), uniform_kw_body, o};
  return jnp_jit(t, &fn, args, 3, span, out);
}

/* ---- gumbel ---- */

typedef struct {
  sample_opts o;
  gumbel_mode mode;
} gumbel_opts;

/* mode 'high': high, low = _uniform(key, minval=0., maxval=1., shape=(2,
 * *shape)); x = where(high >= .5, high, high + 2**-nmant * low + tiny);
 * -log(-log1p(-x)). */
static bool gumbel_high(tracer *t, const gumbel_opts *g, value key, tj_span span, value *out) {
  sample_opts o2 = g->o;
  tj_dtype dt = g->o.dtype;
  o2.shape = lead_dim(&g->o.shape, 2);
  value u, high, low, c, s, x;
  if (!uniform_kw_jit(t, &o2, key, value_float(0.0), value_float(1.0), span, &u) || !unpack2(t, u, span, &high, &low) ||
      !binary_op(t, OP_GE, high, value_float(0.5), span, &c) ||
      !binary_op(t, OP_MUL, value_float(ldexp(1.0, -rnd_float_nmant(dt))), low, span, &s) ||
      !binary_op(t, OP_ADD, high, s, span, &s) ||
      !binary_op(t, OP_ADD, s, value_strong(value_float(float_tiny(dt)), dt), span, &s))
    return false;
  value cxy[3] = {c, high, s};
  if (!where_jit(t, cxy, span, &x)) return false;
  *out = x;
  return neg(t, out, span) && jnp1(t, "log1p", out, span) && neg(t, out, span) && jnp1(t, "log", out, span) &&
         neg(t, out, span);
}

/* ---- gumbel, mode 'highest' for float32 ---- */

static bool ones_like(tracer *t, value x, tj_span span, value *out);

static value u32_const(uint64_t v) { return value_strong(value_int((int64_t)v), DT_U32); }

/* lax's binary operations on uint32 (bind, no promotion): a scalar
 * np.array(c, dtype=np.uint32) operand is a u32 literal. */
static bool lax_u32(tracer *t, int prim, value a, value b, tj_span span, value *out) {
  return rnd_lax_binary(t, prim, a, b, DT_U32, span, out);
}

/* x[i] of a traced array: indexing.py _static_slice, slice (strides all
 * 1, recorded None) then squeeze the axis. */
static bool first_axis_item(tracer *t, value x, int64_t i, tj_span span, value *out) {
  tj_aval a = value_aval(t, &x);
  int64_t axis0 = 0;
  value r;
  if (!emit_slice_in_dim(t, ATOM_VAR(x.var), &a, 0, i, i + 1, true, span, &r)) return false;
  ir_atom in = ATOM_VAR(r.var);
  ir_param sq = {"dimensions", pv_ints(t->m, PV_TUPLE, &axis0, 1)};
  return emit(t, P_squeeze, &in, 1, NULL, &sq, 1, span, out);
}

/* u.view(float32) (array_methods.py _view): bitcast_convert_type, a 0-d
 * array expanded to (1,) first and squeezed after. */
static bool view_f32(tracer *t, value *u, tj_span span) {
  bool scalar = value_aval(t, u).rank == 0;
  value args[2] = {*u, value_int(0)};
  ir_param p = {"new_dtype", pv_dtype(t->m, DT_F32)};
  if (scalar && !call_builtin_values(t, "expand_dims", args, 2, span, u)) return false;
  if (!rnd_emit1(t, P_bitcast_convert_type, u, &p, 1, span)) return false;
  return !scalar || call_builtin_values(t, "squeeze", u, 1, span, u);
}

/* _safe_int_to_float(bits, float32): u32[2, ...] as a 64-bit fixed point
 * fraction, rounded down to a float32 in (0, 1) by counting the leading
 * zeros (float32's finfo: bits 32, nmant 23, minexp -126). */
static bool safe_int_to_float(tracer *t, value bits, tj_span span, value *out) {
  value clz = bits, hiclz, loclz, hi, lo, m, c, a, b, e;
  if (!rnd_emit1(t, P_clz, &clz, NULL, 0, span) || !unpack2(t, clz, span, &hiclz, &loclz) ||
      !unpack2(t, bits, span, &hi, &lo) || !lax_u32(t, P_shift_left, hi, hiclz, span, &m) ||
      !binary_op(t, OP_EQ, hiclz, value_int(32), span, &c) || !lax_u32(t, P_shift_left, lo, loclz, span, &a) ||
      !binary_op(t, OP_SUB, value_int(32), hiclz, span, &b) || !lax_u32(t, P_shift_right_logical, lo, b, span, &b))
    return false;
  value cab[3] = {c, a, b};
  if (!where_jit(t, cab, span, &a) || !lax_u32(t, P_or, m, a, span, &m) ||
      !lax_u32(t, P_shift_right_logical, m, u32_const(32 - 23 - 1), span, &m) ||
      !lax_u32(t, P_and, m, u32_const((1u << 23) - 1), span, &m) ||
      !binary_op(t, OP_EQ, hiclz, value_int(32), span, &c) || !binary_op(t, OP_ADD, value_int(32), loclz, span, &a))
    return false;
  value cae[3] = {c, a, hiclz};
  if (!where_jit(t, cae, span, &e) || !binary_op(t, OP_SUB, value_int(126), e, span, &e) ||
      !lax_u32(t, P_shift_left, e, u32_const(23), span, &e) ||
      !lax_u32(t, P_and, e, u32_const((1u << 30) - (1u << 22)), span, &e) || !lax_u32(t, P_or, e, m, span, out))
    return false;
  return view_f32(t, out, span);
}

/* _gumbel's float32 'highest' body: 64 bits per sample, the fraction
 * (or its complement 1 - it, below 2^-1) converted exactly enough that
 * log1p and log keep the tails. */
static bool gumbel_highest(tracer *t, const gumbel_opts *g, value key, tj_span span, value *out) {
  tj_aval two = lead_dim(&g->o.shape, 2);
  value bits, nb, lo_bits, eq, ones, add, hi_bits, flip, x, y;
  static const char *const kw_dtype[] = {"dtype"};
  value u32 = {.kind = V_DTYPE, .dtype = DT_U32};
  if (!rnd_random_bits(t, key, 32, &two, span, &bits)) return false;
  nb = bits;
  if (!rnd_emit1(t, P_not, &nb, NULL, 0, span) || !first_axis_item(t, nb, 1, span, &lo_bits) ||
      !binary_op(t, OP_EQ, lo_bits, u32_const(0xffffffffu), span, &eq) || !ones_like(t, lo_bits, span, &ones))
    return false;
  value items[2] = {eq, ones};
  value list = rnd_tuple(t, items, 2);
  list.list = true;
  if (!call_builtin_kw(t, "array", &list, 1, kw_dtype, &u32, 1, span, &add) ||
      !binary_op(t, OP_ADD, nb, add, span, &nb) || !first_axis_item(t, bits, 0, span, &hi_bits) ||
      !binary_op(t, OP_LT, hi_bits, u32_const(1u << 31), span, &flip))
    return false;
  value fbn[3] = {flip, bits, nb};
  if (!where_jit(t, fbn, span, &x) || !safe_int_to_float(t, x, span, &x)) return false;
  y = x;
  if (!neg(t, &y, span) || !jnp1(t, "log1p", &y, span) || !neg(t, &y, span) || !jnp1(t, "log", &y, span) ||
      !neg(t, &y, span) || !jnp1(t, "log", &x, span) || !neg(t, &x, span) || !jnp1(t, "log", &x, span) ||
      !neg(t, &x, span))
    return false;
  value fyx[3] = {flip, y, x};
  return where_jit(t, fyx, span, out);
}

/* _gumbel(key, shape, dtype, mode)'s body. */
static bool gumbel_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  const gumbel_opts *g = ctx;
  if (g->mode == GUMBEL_HIGHEST && g->o.dtype == DT_F32) return gumbel_highest(t, g, v[0], span, out);
  if (g->mode != GUMBEL_LOW) return gumbel_high(t, g, v[0], span, out);
  tj_dtype dt = g->o.dtype;
  return uniform_kw_jit(t, &g->o, v[0], value_strong(value_float(float_tiny(dt)), dt), value_float(1.0), span, out) &&
         jnp1(t, "log", out, span) && neg(t, out, span) && jnp1(t, "log", out, span) && neg(t, out, span);
}

/* The jitted _gumbel on a typed key (gumbel's checks done). */
static bool gumbel_jit(tracer *t, const gumbel_opts *g, value key, tj_span span, value *out) {
  value statics[3] = {rnd_shape_value(t, &g->o.shape), {.kind = V_DTYPE, .dtype = g->o.dtype},
                      str_value(gumbel_mode_names[g->mode])};
  jnp_jit_fn fn = {"_gumbel", &gumbel_tag, rnd_tuple(t, statics, 3), gumbel_body, g};
  return jnp_jit(t, &fn, &key, 1, span, out);
}

/* gumbel's dtype check (dtype canonicalized: float32 by default). */
static bool gumbel_dtype_ok(tracer *t, tj_dtype dt, tj_span span) {
  if (dtype_is_float(dt)) return true;
  return tracer_error(t, span, "ValueError: dtype argument to `gumbel` must be a float dtype, got %s", dtype_long(dt));
}

/* gumbel(key, shape=(), dtype=None, mode=None). */
static bool builtin_gumbel(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *sv, *mv;
  tj_span ss, ms, span = a->call->span;
  gumbel_opts g = {.o = {.shape = aval_scalar(DT_F32, false), .dtype = DT_F32}};
  bool have, wrapped;
  value key = a->pos[0];
  if (!rnd_check_key(t, "gumbel", &key, span, false, &wrapped) || !ta_opt_dtype(t, b, a, 2, &have, &g.o.dtype) ||
      !gumbel_dtype_ok(t, g.o.dtype, span) || !ta_get_arg(t, b, a, 1, "shape", &sv, &ss) ||
      (sv && !ta_read_shape(t, sv, ss, SHAPE_ITER, &g.o.shape)) || !ta_get_arg(t, b, a, 3, "mode", &mv, &ms) ||
      !read_gumbel_mode(t, mv, ms, &g.mode))
    return false;
  return gumbel_jit(t, &g, key, span, out);
}

/* ---- bernoulli, mode 'high' ---- */

/* _bernoulli's body, mode 'high': u1, u2 = uniform(key, (2, *shape),
 * dtype); u2 *= 2 ** -nmant; u2 < p - u1. */
static bool bernoulli_high_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  sample_opts o = {.shape = lead_dim(ctx, 2), .dtype = value_aval(t, &v[1]).dtype};
  value args[3] = {v[0], value_float(0.0), value_float(1.0)}, u, u1, u2, d;
  return rnd_uniform_jit(t, &o, args, span, &u) && unpack2(t, u, span, &u1, &u2) &&
         binary_op(t, OP_MUL, u2, value_float(ldexp(1.0, -rnd_float_nmant(o.dtype))), span, &u2) &&
         binary_op(t, OP_SUB, v[1], u1, span, &d) && binary_op(t, OP_LT, u2, d, span, out);
}

bool random_bernoulli_high(tracer *t, const tj_aval *shape, bool have_shape, value key, value p, tj_span span,
                           value *out) {
  value statics[2] = {have_shape ? rnd_shape_value(t, shape) : value_none(), str_value("high")};
  value args[2] = {key, p};
  jnp_jit_fn fn = {"_bernoulli", &bernoulli_high_tag, rnd_tuple(t, statics, 2), bernoulli_high_body, shape};
  return jnp_jit(t, &fn, args, 2, span, out);
}

/* ---- randint ---- */

static int64_t int_min(tj_dtype dt) {
  int bits = dtype_size(dt) * 8;
  return dtype_kindof(dt) == DK_UNSIGNED ? 0 : bits == 64 ? INT64_MIN : -((int64_t)1 << (bits - 1));
}
static int64_t int_max(tj_dtype dt) {
  int bits = dtype_size(dt) * 8;
  if (bits == 64) return INT64_MAX; /* int64 (randint refuses uint64) */
  return dtype_kindof(dt) == DK_UNSIGNED ? (int64_t)(((uint64_t)1 << bits) - 1) : ((int64_t)1 << (bits - 1)) - 1;
}

/* _convert_and_clip_integer(val, dt): jnp.clip(val, lo, hi) with the
 * bounds lax._const(val, ...) (numpy scalars of val's dtype), then
 * .astype(dt). */
static bool convert_and_clip(tracer *t, value val, tj_dtype dt, tj_span span, value *out) {
  tj_dtype vt = value_aval(t, &val).dtype;
  int64_t lo = int_min(dt) > int_min(vt) ? int_min(dt) : int_min(vt);
  int64_t hi = int_max(dt) < int_max(vt) ? int_max(dt) : int_max(vt);
  value args[3] = {val, value_strong(value_int(lo), vt), value_strong(value_int(hi), vt)};
  if (!call_builtin_values(t, "clip", args, 3, span, out)) return false;
  return convert(t, out, dt, false, span);
}

/* lax.full_like(x, 1): a literal for a scalar x, else a broadcast. */
static bool ones_like(tracer *t, value x, tj_span span, value *out) {
  tj_aval a = value_aval(t, &x), s = aval_scalar(a.dtype, a.weak);
  value one = value_strong(value_int(1), a.dtype);
  if (a.rank == 0) return *out = one, true;
  return ta_broadcast_trailing(t, &one, &s, &a, span, out);
}

/* lax.select(pred, on_true, on_false): select_n(pred, on_false, on_true). */
static bool lax_select(tracer *t, value pred, value on_true, value on_false, tj_span span, value *out) {
  ir_atom in[3];
  tj_dtype dt = value_aval(t, &on_false).dtype;
  return own_atom(t, &pred, span, &in[0]) && to_atom(t, &on_false, dt, false, span, &in[1]) &&
         to_atom(t, &on_true, dt, false, span, &in[2]) && emit(t, P_select_n, in, 3, NULL, NULL, 0, span, out);
}

/* _check_shape(name, shape, *param_shapes). */
static bool check_shape(tracer *t, const char *name, const tj_aval *shape, const tj_aval *params, int n, tj_span span) {
  tj_aval joined = *shape;
  bool ok = true;
  for (int i = 0; i < n && ok; i++) ok = shape_broadcast(&joined, &params[i], &joined);
  if (ok && aval_same_shape(&joined, shape)) return true;
  if (!ok) { /* lax.broadcast_shapes(shape, *param_shapes) */
    tj_buf m = {0};
    buf_printf(&m, "ValueError: Incompatible shapes for broadcasting: shapes=[%s", rnd_shape_text(t, shape));
    for (int i = 0; i < n; i++) buf_printf(&m, ", %s", rnd_shape_text(t, &params[i]));
    buf_puts(&m, "]");
    return ta_raise_buf(t, span, &m);
  }
  return tracer_error(t, span, "ValueError: %s parameter shapes must be broadcast-compatible with shape argument, and "
                               "the result of broadcasting the shapes must equal the shape argument, but got result %s "
                               "for shape argument %s.", name, rnd_shape_text(t, &joined), rnd_shape_text(t, shape));
}

/* The span of _randint: maxval - minval as unsigned, 1 where maxval <=
 * minval, one more where maxval is out of the dtype's range. */
static bool randint_span(tracer *t, value lo, value hi, value out_of_range, tj_dtype ut, tj_span span, value *sp) {
  value le, one, gt, both, plus;
  return binary_op(t, OP_SUB, hi, lo, span, sp) && convert(t, sp, ut, false, span) &&
         binary_op(t, OP_LE, hi, lo, span, &le) && ones_like(t, *sp, span, &one) &&
         lax_select(t, le, one, *sp, span, sp) && binary_op(t, OP_GT, hi, lo, span, &gt) &&
         binary_op(t, OP_BITAND, out_of_range, gt, span, &both) &&
         rnd_lax_binary(t, P_add, *sp, value_int(1), ut, span, &plus) && lax_select(t, both, plus, *sp, span, sp);
}

/* _randint(key, minval, maxval, shape, dtype)'s body. */
static bool randint_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  const sample_opts *o = ctx;
  tj_dtype dt = o->dtype, ut = rnd_uint_of_bits(dtype_size(dt) * 8);
  int nbits = dtype_size(dt) * 8;
  value key = v[0], lo = v[1], hi = v[2], k1, k2, hb, lb, sp, oor, mult, r1, r2;
  tj_aval ps[2] = {value_aval(t, &lo), value_aval(t, &hi)};
  if (!check_shape(t, "randint", &o->shape, ps, 2, span)) return false;
  if (!dtype_is_int(ps[0].dtype) && !convert(t, &lo, DT_I32, false, span)) return false; /* astype(int) */
  if (!dtype_is_int(ps[1].dtype) && !convert(t, &hi, DT_I32, false, span)) return false;
  if (!convert_and_clip(t, value_strong(value_int(int_max(dt)), dt), value_aval(t, &hi).dtype, span, &oor) ||
      !rnd_lax_binary(t, P_gt, hi, oor, value_aval(t, &hi).dtype, span, &oor) ||
      !convert_and_clip(t, lo, dt, span, &lo) || !convert_and_clip(t, hi, dt, span, &hi) ||
      !rnd_to_rank(t, &lo, o->shape.rank, span) || !rnd_to_rank(t, &hi, o->shape.rank, span) ||
      !split2(t, key, span, &k1, &k2) || !rnd_random_bits(t, k1, nbits, &o->shape, span, &hb) ||
      !rnd_random_bits(t, k2, nbits, &o->shape, span, &lb) || !randint_span(t, lo, hi, oor, ut, span, &sp))
    return false;
  /* 2**nbits % span by (2**(nbits/2) % span)**2 % span, then
   * (higher % span * multiplier + lower % span) % span. */
  value half = value_int((int64_t)1 << (nbits / 2));
  if (!rnd_lax_binary(t, P_rem, half, sp, ut, span, &mult) || !rnd_lax_binary(t, P_mul, mult, mult, ut, span, &mult) ||
      !rnd_lax_binary(t, P_rem, mult, sp, ut, span, &mult) || !rnd_lax_binary(t, P_rem, hb, sp, ut, span, &r1) ||
      !rnd_lax_binary(t, P_mul, r1, mult, ut, span, &r1) || !rnd_lax_binary(t, P_rem, lb, sp, ut, span, &r2) ||
      !rnd_lax_binary(t, P_add, r1, r2, ut, span, &r1) || !rnd_lax_binary(t, P_rem, r1, sp, ut, span, &r1) ||
      !convert(t, &r1, dt, false, span))
    return false;
  return rnd_lax_binary(t, P_add, lo, r1, dt, span, out);
}

/* The jitted _randint on a typed key; minval and maxval as given. */
static bool randint_jit(tracer *t, const sample_opts *o, value key, value lo, value hi, tj_span span, value *out) {
  value statics[2] = {rnd_shape_value(t, &o->shape), {.kind = V_DTYPE, .dtype = o->dtype}};
  value args[3] = {key, lo, hi};
  jnp_jit_fn fn = {"_randint", &randint_tag, rnd_tuple(t, statics, 2), randint_body, o};
  return jnp_jit(t, &fn, args, 3, span, out);
}


/* jnp.asarray(v).astype('int32').clip(lo, hi), as randint bounds an 8- or
 * 16-bit draw: a number's conversion is constant-folded
 * (_convert_elt_type_folding_rule), an array's is convert_element_type;
 * Array.clip passes min= and max= by keyword to jnp.clip's jit. */
static bool clip_bound(tracer *t, value *v, int64_t lo, int64_t hi, tj_span span) {
  if (v->kind == V_TRACED) {
    if (!convert(t, v, DT_I32, false, span)) return false;
  } else {
    *v = value_strong(value_int((int32_t)(v->kind == V_FLOAT ? (int64_t)v->f : v->i)), DT_I32);
  }
  const char *kw[] = {"min", "max"};
  value bounds[2] = {value_int(lo), value_int(hi)};
  return call_builtin_kw(t, "clip", v, 1, kw, bounds, 2, span, v);
}

/* randint(key, shape, minval, maxval, dtype=None). */
static bool builtin_randint(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *sv, *lov, *hiv;
  tj_span ss, ls, hs, span = a->call->span;
  sample_opts o = {.shape = aval_scalar(DT_I32, false), .dtype = DT_I32};
  bool have, wrapped;
  value key = a->pos[0];
  if (!rnd_check_key(t, "randint", &key, span, false, &wrapped) || !ta_opt_dtype(t, b, a, 4, &have, &o.dtype) ||
      !ta_get_arg(t, b, a, 1, "shape", &sv, &ss) || !ta_get_arg(t, b, a, 2, "minval", &lov, &ls) ||
      !ta_get_arg(t, b, a, 3, "maxval", &hiv, &hs))
    return false;
  if (!sv || !lov || !hiv)
    return tracer_error(t, span, "TypeError: randint() missing required arguments: shape, minval and maxval");
  if (!ta_read_shape(t, sv, ss, SHAPE_ITER, &o.shape)) return false;
  if (!dtype_is_int(o.dtype) || o.dtype == DT_BOOL)
    return tracer_error(t, span, "TypeError: randint only accepts integer dtypes, got %s", dtype_long(o.dtype));
  if (o.dtype == DT_U64) /* iinfo(uint64).max does not fit tjit's int64 statics */
    return tracer_error(t, span, "randint of uint64 is not supported by tjit yet");
  if (!arraylike(t, "randint", lov, 0, ls) || !arraylike(t, "randint", hiv, 1, hs)) return false;
  if (dtype_size(o.dtype) >= 4) return randint_jit(t, &o, key, *lov, *hiv, span, out);
  /* 8 and 16 bits: sampled in int32, the bounds clipped to the dtype's
   * range (maxval to max + 1), the result cast back. */
  tj_dtype dt = o.dtype;
  value lo = *lov, hi = *hiv;
  o.dtype = DT_I32;
  return clip_bound(t, &lo, int_min(dt), int_max(dt), span) && clip_bound(t, &hi, int_min(dt), int_max(dt) + 1, span) &&
         randint_jit(t, &o, key, lo, hi, span, out) && convert(t, out, dt, false, span);
}

/* ---- permutation ---- */

/* _shuffle(key, x, axis)'s body: ceil(3 ln(size) / ln(2**32 - 1)) rounds
 * of key, subkey = _split(key); x sorted along axis by random_bits of
 * x's shape (lax.sort_key_val). */
static bool shuffle_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  int64_t axis = *(const int64_t *)ctx;
  value key = v[0], x = v[1], sub, kv[2], sorted;
  tj_aval xa = value_aval(t, &x);
  int64_t size = aval_size(&xa);
  int rounds = (int)ceil(3 * log((double)(size > 1 ? size : 1)) / log(4294967295.0));
  for (int r = 0; r < rounds; r++) {
    if (!split2(t, key, span, &key, &sub) || !rnd_random_bits(t, sub, 32, &xa, span, &kv[0])) return false;
    kv[1] = x;
    value ops = rnd_tuple(t, kv, 2);
    const char *kw[] = {"dimension"};
    value dim = value_int(axis);
    if (!call_builtin_kw(t, "lax_sort", &ops, 1, kw, &dim, 1, span, &sorted)) return false;
    x = sorted.items[1];
  }
  *out = x;
  return true;
}

static bool shuffle_jit(tracer *t, value key, value x, int64_t axis, tj_span span, value *out) {
  int64_t *ax = ARENA_ARRAY(&t->scratch, int64_t, 1);
  *ax = axis;
  value statics = value_int(axis), args[2] = {key, x};
  jnp_jit_fn fn = {"_shuffle", &shuffle_tag, rnd_tuple(t, &statics, 1), shuffle_body, ax};
  return jnp_jit(t, &fn, args, 2, span, out);
}

/* jnp.arange(n) of a static n. */
static bool arange(tracer *t, int64_t n, tj_span span, value *out) {
  value nv = value_int(n);
  return call_builtin_values(t, "arange", &nv, 1, span, out);
}

/* jnp.take(x, ind, axis, unique_indices=unique). */
static bool take(tracer *t, value x, value ind, int64_t axis, bool unique, tj_span span, value *out) {
  value args[3] = {x, ind, value_int(axis)}, u = value_bool(unique);
  const char *kw[] = {"unique_indices"};
  return call_builtin_kw(t, "take", args, 3, kw, &u, unique, span, out);
}

/* permutation on a checked key: arange(x) for an int x; _permutation
 * for an array. */
static bool permute(tracer *t, value key, value x, int64_t axis_arg, bool independent, tj_span xs, tj_span span,
                    value *out) {
  int64_t axis;
  if (!arraylike(t, "permutation", &x, 0, xs)) return false;
  tj_aval xa = value_aval(t, &x);
  if (!ta_canon_axis(t, axis_arg, xa.rank ? xa.rank : 1, span, &axis)) return false;
  if (xa.rank == 0) {
    if (!dtype_is_int(xa.dtype) || xa.dtype == DT_BOOL)
      return tracer_error(t, xs, "TypeError: x must be an integer or at least 1-dimensional");
    if (x.kind == V_TRACED) return ta_concrete_error(t, &x, xs, "argument x of jax.random.permutation()");
    value r;
    return arange(t, x.i, span, &r) && shuffle_jit(t, key, r, axis, span, out);
  }
  if (independent || xa.rank == 1) return shuffle_jit(t, key, x, axis, span, out);
  value ind;
  return arange(t, xa.dims[axis], span, &ind) && shuffle_jit(t, key, ind, 0, span, &ind) &&
         take(t, x, ind, axis, true, span, out);
}

/* permutation(key, x, axis=0, independent=False). */
static bool builtin_permutation(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axv;
  tj_span as, span = a->call->span;
  int64_t axis = 0;
  bool independent, wrapped;
  value key = a->pos[0];
  if (!rnd_check_key(t, "permutation", &key, span, false, &wrapped) || !ta_get_arg(t, b, a, 2, "axis", &axv, &as) ||
      (axv && !ta_index_of(t, axv, as, &axis)) || !flag_arg(t, b, a, 3, "independent", false, &independent))
    return false;
  return permute(t, key, a->pos[1], axis, independent, a->pos_spans[1], span, out);
}

/* ---- categorical ---- */

/* The mode argument categorical and choice pass on to gumbel, read
 * only when gumbel is called. */
typedef struct {
  const value *v;
  tj_span span;
} mode_arg;

typedef struct {
  tj_aval shape, batch;
  int64_t axis; /* as given */
  bool replace;
  mode_arg mode;
} categorical_opts;

/* gumbel(key, shape, dtype, mode) as the samplers call it (a typed key). */
static bool gumbel_of(tracer *t, value key, const tj_aval *shape, tj_dtype dt, mode_arg mode, tj_span span,
                      value *out) {
  gumbel_opts g = {.o = {.shape = *shape, .dtype = dt}};
  return gumbel_dtype_ok(t, dt, span) && read_gumbel_mode(t, mode.v, mode.span, &g.mode) &&
         gumbel_jit(t, &g, key, span, out);
}

/* With replacement: argmax(gumbel(key, (*prefix, *logits_shape)) +
 * expand_dims(logits, range(len(prefix))), axis). */
static bool categorical_replace(tracer *t, const categorical_opts *c, value key, value logits, tj_span span,
                                value *out) {
  tj_aval la = value_aval(t, &logits), gs = c->shape;
  int npre = c->shape.rank - c->batch.rank;
  int64_t axis = c->axis >= 0 ? c->axis - la.rank : c->axis, at = ((axis % la.rank) + la.rank) % la.rank, pre[TJ_MAX_RANK];
  if (c->shape.rank + 1 > TJ_MAX_RANK) return tracer_error(t, span, "too many dimensions (limit is %d)", TJ_MAX_RANK);
  gs.rank = (uint8_t)(c->shape.rank + 1); /* logits_shape: shape's batch part with the axis inserted */
  for (int d = 0, k = npre; d < la.rank; d++) gs.dims[npre + d] = d == at ? la.dims[axis + la.rank] : c->shape.dims[k++];
  for (int d = 0; d < npre; d++) pre[d] = d;
  value g, ax = value_int(axis);
  const char *kw[] = {"axis"};
  return gumbel_of(t, key, &gs, la.dtype, c->mode, span, &g) && ta_expand_at(t, &logits, pre, npre, span) &&
         binary_op(t, OP_ADD, g, logits, span, &g) && call_builtin_kw(t, "argmax", &g, 1, kw, &ax, 1, span, out);
}

/* Without replacement: top_k of logits + gumbel along the axis moved last,
 * k = prod(prefix), then the indices reshaped to shape with the k axis
 * first. */
static bool categorical_no_replace(tracer *t, const categorical_opts *c, value key, value logits, tj_span span,
                                   value *out) {
  tj_aval la = value_aval(t, &logits);
  int npre = c->shape.rank - c->batch.rank;
  int64_t k = 1, axis, perm[TJ_MAX_RANK], dims[TJ_MAX_RANK];
  for (int d = 0; d < npre; d++) k *= c->shape.dims[d];
  value g;
  if (!gumbel_of(t, key, &la, la.dtype, c->mode, span, &g) || !binary_op(t, OP_ADD, logits, g, span, &logits) ||
      !ta_canon_axis(t, c->axis, la.rank, span, &axis))
    return false;
  if (k > la.dims[axis])
    return tracer_error(t, span, "ValueError: Number of samples without replacement (%lld) cannot exceed number of "
                                 "categories (%lld).", (long long)k, (long long)la.dims[axis]);
  int n = 0; /* jnp.moveaxis(logits, axis, -1): lax.transpose, nothing when it stays */
  for (int d = 0; d < la.rank; d++)
    if (d != axis) perm[n++] = d;
  perm[n] = axis;
  value kv = value_int(k), tk;
  if (!ta_transpose_by(t, &logits, perm, la.rank, span) ||
      !call_builtin_values(t, "top_k", (value[2]){logits, kv}, 2, span, &tk))
    return false;
  value ind = tk.items[1];
  int r = value_aval(t, &ind).rank;
  bool ident = r == 1;
  dims[0] = r - 1;
  for (int d = 1; d < r; d++) dims[d] = d - 1;
  if (ident) return *out = ind, true; /* lax.reshape of the same shape, dimensions (0,) */
  ir_atom in;
  ir_param ps[3] = {{"dimensions", pv_ints(t->m, PV_TUPLE, dims, r)},
                    {"new_sizes", pv_ints(t->m, PV_TUPLE, c->shape.dims, c->shape.rank)},
                    {"sharding", pv_none(t->m)}};
  return own_atom(t, &ind, span, &in) && emit(t, P_reshape, &in, 1, NULL, ps, 3, span, out);
}

/* categorical(key, logits, axis=-1, shape=None, replace=True, mode=None). */
static bool builtin_categorical(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axv, *sv;
  tj_span as, ss, span = a->call->span;
  categorical_opts c = {.axis = -1};
  bool wrapped;
  value key = a->pos[0], logits = a->pos[1];
  if (!rnd_check_key(t, "categorical", &key, span, false, &wrapped) || !ta_get_arg(t, b, a, 2, "axis", &axv, &as) ||
      (axv && !ta_index_of(t, axv, as, &c.axis)) || !ta_get_arg(t, b, a, 3, "shape", &sv, &ss) ||
      !flag_arg(t, b, a, 4, "replace", true, &c.replace) || !ta_get_arg(t, b, a, 5, "mode", &c.mode.v, &c.mode.span) ||
      !arraylike(t, "categorical", &logits, 0, a->pos_spans[1]))
    return false;
  tj_aval la = value_aval(t, &logits);
  if (c.axis < -la.rank || c.axis >= la.rank) /* np.delete(logits.shape, axis) */
    return tracer_error(t, as, "IndexError: index %lld is out of bounds for axis 0 with size %d", (long long)c.axis,
                        la.rank);
  int64_t ax = c.axis < 0 ? c.axis + la.rank : c.axis;
  c.batch = la;
  c.batch.rank = 0;
  for (int d = 0; d < la.rank; d++)
    if (d != ax) c.batch.dims[c.batch.rank++] = la.dims[d];
  c.shape = c.batch;
  if (sv && (!ta_read_shape(t, sv, ss, SHAPE_ITER, &c.shape) || !check_shape(t, "categorical", &c.shape, &c.batch, 1, span)))
    return false;
  return c.replace ? categorical_replace(t, &c, key, logits, span, out)
                   : categorical_no_replace(t, &c, key, logits, span, out);
}

/* ---- choice ---- */

/* x[(slice(None),) * axis + (slice(n),)]: a static slice, nothing when
 * it keeps the whole axis. */
static bool prefix_along(tracer *t, value x, int64_t axis, int64_t n, tj_span span, value *out) {
  tj_aval xa = value_aval(t, &x);
  if (n >= xa.dims[axis]) return *out = x, true;
  ir_atom in;
  return own_atom(t, &x, span, &in) && emit_slice_in_dim(t, in, &xa, (int)axis, 0, n, true, span, out);
}

typedef struct {
  tj_aval shape;
  int64_t n_inputs, n_draws, axis;
  bool replace, array;
  mode_arg mode;
} choice_opts;

/* p with replacement: p_cuml = jnp.cumsum(p); r = p_cuml[-1] * (1 -
 * uniform(key, shape, dtype=p_cuml.dtype)); ind =
 * jnp.searchsorted(p_cuml, r).astype(int) (int32 already: nothing). */
static bool choice_p_replace(tracer *t, const choice_opts *c, value key, value p, tj_dtype dt, tj_span span,
                             value *ind) {
  sample_opts o = {.shape = c->shape, .dtype = dt};
  value cuml, last, u, r, args[3] = {key, value_float(0.0), value_float(1.0)};
  if (!call_builtin_values(t, "cumsum", &p, 1, span, &cuml) || !index_static_int(t, cuml, -1, span, &last) ||
      !rnd_uniform_jit(t, &o, args, span, &u) || !binary_op(t, OP_SUB, value_int(1), u, span, &u) ||
      !binary_op(t, OP_MUL, last, u, span, &r))
    return false;
  value ss[2] = {cuml, r};
  return call_builtin_values(t, "searchsorted", ss, 2, span, ind) && convert(t, ind, DT_I32, false, span);
}

/* p given: promote_dtypes_inexact(p), its shape checked; without
 * replacement the Gumbel top-k of gumbel + log(p). */
static bool choice_p(tracer *t, const choice_opts *c, value key, value p, tj_span ps, tj_span span, value *ind) {
  if (!arraylike(t, "choice", &p, 0, ps)) return false;
  tj_aval pa = value_aval(t, &p);
  if (!dtype_is_float(pa.dtype) && !convert(t, &p, DT_F32, false, span)) return false;
  pa = value_aval(t, &p);
  if (pa.rank != 1 || pa.dims[0] != c->n_inputs)
    return tracer_error(t, ps, "ValueError: p must be None or a 1D vector with the same size as a.shape[axis]. p has "
                               "shape %s and a.shape[axis] is %lld.", rnd_shape_text(t, &pa), (long long)c->n_inputs);
  if (c->replace) return choice_p_replace(t, c, key, p, pa.dtype, span, ind);
  tj_aval gs = aval_scalar(pa.dtype, false);
  gs.rank = 1, gs.dims[0] = c->n_inputs;
  value g, lp = p, tk, k = value_int(c->n_draws);
  const char *kw[] = {"k"};
  return gumbel_of(t, key, &gs, pa.dtype, c->mode, span, &g) && jnp1(t, "log", &lp, span) &&
         binary_op(t, OP_ADD, g, lp, span, &g) && call_builtin_kw(t, "top_k", &g, 1, kw, &k, 1, span, &tk) &&
         (*ind = tk.items[1], convert(t, ind, DT_I32, false, span));
}

/* The indices (or, p None without replacement, the permuted prefix) and
 * whether they are the result already. */
static bool choice_draw(tracer *t, const choice_opts *c, value key, value arr, const value *p, tj_span ps, tj_span span,
                        value *res, bool *taken) {
  *taken = false;
  if (p) return choice_p(t, c, key, *p, ps, span, res);
  if (c->replace) {
    sample_opts o = {.shape = c->shape, .dtype = DT_I32};
    return randint_jit(t, &o, key, value_int(0), value_int(c->n_inputs), span, res);
  }
  value perm;
  *taken = true;
  return permute(t, key, c->array ? arr : value_int(c->n_inputs), c->axis, false, span, span, &perm) &&
         prefix_along(t, perm, c->array ? c->axis : 0, c->n_draws, span, res);
}

/* choice's checks of a, shape, replace and the sizes. */
static bool choice_opts_of(tracer *t, const builtin_def *b, const call_args *a, value arr, choice_opts *c) {
  const value *sv, *axv;
  tj_span ss, as, span = a->call->span;
  c->shape = aval_scalar(DT_I32, false);
  if (!ta_get_arg(t, b, a, 2, "shape", &sv, &ss) || !flag_arg(t, b, a, 3, "replace", true, &c->replace) ||
      !ta_get_arg(t, b, a, 5, "axis", &axv, &as) || (axv && !ta_index_of(t, axv, as, &c->axis)) ||
      !ta_get_arg(t, b, a, 6, "mode", &c->mode.v, &c->mode.span))
    return false;
  if (sv && sv->kind != V_TUPLE)
    return tracer_error(t, ss, "TypeError: shape argument of jax.random.choice must be a sequence, got %s",
                        rnd_repr(t, sv));
  if (sv && !ta_read_shape(t, sv, ss, SHAPE_ITER, &c->shape)) return false;
  if (!arraylike(t, "choice", &arr, 0, a->pos_spans[1])) return false;
  tj_aval aa = value_aval(t, &arr);
  c->array = aa.rank > 0;
  if (!c->array) {
    if (arr.kind == V_TRACED) return ta_concrete_error(t, &arr, a->pos_spans[1], "The error occurred in jax.random.choice()");
    c->n_inputs = arr.kind == V_FLOAT ? (int64_t)arr.f : arr.i;
  } else {
    if (!ta_canon_axis(t, c->axis, aa.rank, as, &c->axis)) return false;
    c->n_inputs = aa.dims[c->axis];
  }
  c->n_draws = aval_size(&c->shape);
  if (c->n_draws == 0) return true;
  if (c->n_inputs <= 0) return tracer_error(t, span, "ValueError: a must be greater than 0 unless no samples are taken");
  if (!c->replace && c->n_draws > c->n_inputs)
    return tracer_error(t, span, "ValueError: Cannot take a larger sample (size %lld) than population (size %lld) when "
                                 "'replace=False'", (long long)c->n_draws, (long long)c->n_inputs);
  return true;
}

/* choice(key, a, shape=(), replace=True, p=None, axis=0, mode=None). */
static bool builtin_choice(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *pv;
  tj_span pspan, span = a->call->span;
  choice_opts c = {0};
  bool wrapped, taken;
  value key = a->pos[0], arr = a->pos[1], res;
  if (!rnd_check_key(t, "choice", &key, span, false, &wrapped)) return false;
  if (!choice_opts_of(t, b, a, arr, &c) || !ta_get_arg(t, b, a, 4, "p", &pv, &pspan)) return false;
  tj_aval aa = value_aval(t, &arr);
  if (c.n_draws == 0) { /* jnp.zeros(shape, dtype=arr.dtype) */
    value s = rnd_shape_value(t, &c.shape), dt = {.kind = V_DTYPE, .dtype = aa.dtype};
    const char *kw[] = {"dtype"};
    return call_builtin_kw(t, "zeros", &s, 1, kw, &dt, 1, span, out);
  }
  if (!choice_draw(t, &c, key, arr, pv, pspan, span, &res, &taken)) return false;
  if (c.array && !taken && !take(t, arr, res, c.axis, false, span, &res)) return false;
  tj_aval rs = c.shape; /* reshape(shape) or a.shape[:axis] + shape + a.shape[axis+1:] */
  if (c.array) {
    if (aa.rank - 1 + c.shape.rank > TJ_MAX_RANK) return tracer_error(t, span, "too many dimensions (limit is %d)", TJ_MAX_RANK);
    rs.rank = 0;
    for (int d = 0; d < aa.rank; d++)
      if (d != c.axis) rs.dims[rs.rank++] = aa.dims[d];
      else for (int k = 0; k < c.shape.rank; k++) rs.dims[rs.rank++] = c.shape.dims[k];
  }
  value sh = rnd_shape_value(t, &rs);
  return call_builtin_values(t, "reshape", (value[2]){res, sh}, 2, span, out);
}

static const char *const kw_gumbel[] = {"shape", "dtype", "mode", NULL};
static const char *const kw_randint[] = {"shape", "minval", "maxval", "dtype", NULL};
static const char *const kw_permutation[] = {"axis", "independent", NULL};
static const char *const kw_categorical[] = {"axis", "shape", "replace", "mode", NULL};
static const char *const kw_choice[] = {"shape", "replace", "p", "axis", "mode", NULL};

const builtin_def builtins_random_dist[] = {
    {"random_gumbel", builtin_gumbel, 1, 4, kw_gumbel, P_random_bits},
    {"random_randint", builtin_randint, 1, 5, kw_randint, P_random_bits},
    {"random_permutation", builtin_permutation, 2, 4, kw_permutation, P_sort},
    {"random_categorical", builtin_categorical, 2, 6, kw_categorical, P_argmax},
    {"random_choice", builtin_choice, 2, 7, kw_choice, P_random_bits},
    {NULL, NULL, 0, 0, NULL, 0},
};
