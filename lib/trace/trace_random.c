/* PRNG builtins (issue 16, `builtins_random`), as jax 0.10.2 records them:
 *  - threefry2x32(key1, key2, x1, x2): threefry2x32_p.bind (jax.extend.random
 *    .threefry2x32_p, jax/_src/random/threefry2x32.py), the Threefry-2x32
 *    hash of the counter pairs (x1, x2) under the key (key1, key2); four
 *    uint32 arrays, broadcast; the pair (y1, y2). A Python int is bound as
 *    JAX binds it, a weak int32, which the abstract eval refuses.
 *  - jax.random's keys (jax/_src/random/core.py), spelled random_NAME for
 *    jax.random.NAME: random_key(seed) (random_seed[impl=fry], a typed key
 *    key<fry>[]), random_PRNGKey(seed) (the same, then random_unwrap:
 *    uint32[2]), random_key_data, random_wrap_key_data, random_split(key,
 *    num=2), random_fold_in(key, data), random_bits(key, shape=(),
 *    dtype=u32), random_clone(key) (random_clone_p), random_uniform(key,
 *    shape=(), dtype=f32, minval=0., maxval=1.) (its jit[name=_uniform]),
 *    random_bernoulli(key, p=0.5, shape=None, mode='low') (its
 *    jit[name=_bernoulli]; mode 'high' in trace_random_dist.c), random_normal(key,
 *    shape=(), dtype=f32) (jit[name=_normal] around jit[name=_normal_real]:
 *    uniform over [nextafter(-1, 0), 1), erf_inv, times sqrt 2),
 *    random_truncated_normal(key, lower, upper, shape=None, dtype=f32)
 *    (jit[name=_truncated_normal]). A uint32[..., 2] key is wrapped (random_wrap) and the
 *    result unwrapped as _check_prng_key and _return_prng_keys do, with
 *    jax_enable_custom_prng False (the default). */
#include "trace_random.h"

#include <math.h>
#include <string.h>

#include "half.h"

static bool builtin_threefry2x32(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  tj_span span = a->call->span;
  ir_atom in[4];
  uint32_t outs[2];
  for (int k = 0; k < 4; k++)
    if (!own_atom(t, &a->pos[k], a->pos_spans[k], &in[k])) return false;
  if (!emit_n(t, b->prim, in, 4, 2, NULL, 0, span, outs)) return false;
  value *vs = ARENA_ARRAY(&t->scratch, value, 2);
  vs[0] = value_traced(outs[0]), vs[1] = value_traced(outs[1]);
  *out = (value){.kind = V_TUPLE, .n = 2, .items = vs};
  return true;
}

/* ---- typed keys ---- */

pval *rnd_impl_fry(tracer *t) { return pv_name(t->m, "fry"); }

bool rnd_emit1(tracer *t, int prim, value *v, const ir_param *ps, int np, tj_span span) {
  ir_atom in;
  return own_atom(t, v, span, &in) && emit(t, prim, &in, 1, NULL, ps, np, span, v);
}

bool rnd_unwrap(tracer *t, value *v, tj_span span) { return rnd_emit1(t, P_random_unwrap, v, NULL, 0, span); }

const char *rnd_repr(tracer *t, const value *v) {
  tj_buf b = {0};
  value_repr(v, &b);
  const char *s = arena_strdup(&t->scratch, b.data);
  buf_free(&b);
  return s;
}

const char *rnd_shape_text(tracer *t, const tj_aval *a) {
  tj_buf b = {0};
  ta_put_dims(&b, a->dims, a->rank);
  const char *s = arena_strdup(&t->scratch, b.data);
  buf_free(&b);
  return s;
}

/* _check_prng_key(name, key): a typed key as it is, a uint32 key data
 * array wrapped (random_wrap, whose abstract eval checks the data), a
 * single key unless batched is allowed. *wrapped says which. */
bool rnd_check_key(tracer *t, const char *name, value *key, tj_span span, bool batched, bool *wrapped) {
  *wrapped = false;
  if (key->kind != V_TRACED) {
    if (value_is_number(key))
      return tracer_error(t, span, "TypeError: JAX encountered invalid PRNG key data: expected key_data to have "
                                   "ndim, shape, and dtype attributes. Got %s", rnd_repr(t, key));
    return tracer_error(t, span, "TypeError: unexpected PRNG key type <class '%s'>", value_type_name(key));
  }
  tj_aval raw = value_aval(t, key);
  if (raw.dtype != DT_KEY) {
    ir_param p = {"impl", rnd_impl_fry(t)};
    if (!rnd_emit1(t, P_random_wrap, key, &p, 1, span)) return false;
    *wrapped = true;
  }
  if (!batched && value_aval(t, key).rank)
    return tracer_error(t, span, "ValueError: %s accepts a single key, but was given a key array of shape %s != (). "
                                 "Use jax.vmap for batching.", name, rnd_shape_text(t, &raw));
  return true;
}

/* _key(ctor_name, seed): random_seed of a scalar seed; a Python int as
 * jnp.asarray(np.int64(seed)) makes it with x64 off, an int32 constant. */
static bool seed_key(tracer *t, const char *ctor, const call_args *a, value *out) {
  value s = a->pos[0];
  tj_span span = a->call->span;
  if (s.kind == V_TRACED) {
    tj_aval av = value_aval(t, &s);
    if (av.dtype == DT_KEY)
      return tracer_error(t, span, "TypeError: %s accepts a scalar seed, but was given a PRNG key.", ctor);
    if (av.rank)
      return tracer_error(t, span, "TypeError: %s accepts a scalar seed, but was given an array of shape %s != (). "
                                   "Use jax.vmap for batching", ctor, rnd_shape_text(t, &av));
  } else if (s.kind != V_INT && s.kind != V_BOOL) {
    return tracer_error(t, span, "TypeError: PRNG key seed must be an integer; got %s", rnd_repr(t, &s));
  } else if (s.i < INT32_MIN || s.i > INT32_MAX) {
    return tracer_error(t, span, "OverflowError: Python int %lld too large to convert to int32", (long long)s.i);
  }
  ir_atom in;
  ir_param p = {"impl", rnd_impl_fry(t)};
  if (!to_atom(t, &s, s.kind == V_TRACED ? value_aval(t, &s).dtype : DT_I32, false, span, &in)) return false;
  return emit(t, P_random_seed, &in, 1, NULL, &p, 1, span, out);
}

static bool builtin_key(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  return seed_key(t, "key", a, out);
}

static bool builtin_prngkey(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  return seed_key(t, "PRNGKey", a, out) && rnd_unwrap(t, out, a->call->span);
}

/* key_data: the keys unwrapped (a raw key is wrapped first, as
 * _check_prng_key(allow_batched=True) does). */
static bool builtin_key_data(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  bool wrapped;
  *out = a->pos[0];
  return rnd_check_key(t, "key_data", out, a->call->span, true, &wrapped) && rnd_unwrap(t, out, a->call->span);
}

static bool builtin_wrap_key_data(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  *out = a->pos[0];
  if (out->kind != V_TRACED)
    return tracer_error(t, a->call->span, "TypeError: JAX encountered invalid PRNG key data: expected key_data to "
                                          "have ndim, shape, and dtype attributes. Got %s", rnd_repr(t, out));
  ir_param p = {"impl", rnd_impl_fry(t)};
  return rnd_emit1(t, P_random_wrap, out, &p, 1, a->call->span);
}

/* split(key, num=2): random_split[shape=(num,)] or of the tuple num. */
static bool builtin_split(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *numv;
  tj_span ns, span = a->call->span;
  tj_aval shape = aval_scalar(DT_KEY, false);
  bool wrapped;
  *out = a->pos[0];
  if (!ta_get_arg(t, b, a, 1, "num", &numv, &ns)) return false;
  if (numv && !ta_read_shape(t, numv, ns, SHAPE_TUPLE, &shape)) return false;
  if (!numv) shape.rank = 1, shape.dims[0] = 2;
  if (!rnd_check_key(t, "split", out, span, false, &wrapped)) return false;
  ir_param p = {"shape", pv_ints(t->m, PV_TUPLE, shape.dims, shape.rank)};
  return rnd_emit1(t, P_random_split, out, &p, 1, span) && (!wrapped || rnd_unwrap(t, out, span));
}

/* fold_in(key, data): data a scalar, jnp.asarray(data, dtype='uint32'). */
static bool builtin_fold_in(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  tj_span span = a->call->span;
  value d = a->pos[1];
  bool wrapped;
  *out = a->pos[0];
  if (!rnd_check_key(t, "fold_in", out, span, false, &wrapped)) return false;
  tj_aval av = value_aval(t, &d);
  if (av.rank)
    return tracer_error(t, a->pos_spans[1], "TypeError: fold_in accepts a scalar, but was given an array ofshape %s "
                                            "!= (). Use jax.vmap for batching.", rnd_shape_text(t, &av));
  if (d.kind != V_TRACED && d.kind != V_INT && d.kind != V_BOOL)
    return tracer_error(t, a->pos_spans[1], "TypeError: fold_in's data must be an integer, got %s",
                        value_type_name(&d));
  if (d.kind != V_TRACED) d.i = (int64_t)(uint32_t)d.i;
  ir_atom in[2];
  if (!ta_cast(t, &d, &av, DT_U32, false, span) || !own_atom(t, out, span, &in[0]) ||
      !to_atom(t, &d, DT_U32, false, span, &in[1]) || !emit(t, P_random_fold_in, in, 2, NULL, NULL, 0, span, out))
    return false;
  return !wrapped || rnd_unwrap(t, out, span);
}

bool rnd_random_bits(tracer *t, value key, int width, const tj_aval *shape, tj_span span, value *out) {
  ir_param ps[2] = {{"bit_width", pv_int(t->m, width)},
                    {"shape", pv_ints(t->m, PV_TUPLE, shape->dims, shape->rank)}};
  *out = key;
  return rnd_emit1(t, P_random_bits, out, ps, 2, span);
}

/* bits(key, shape=(), dtype=None): random_bits[bit_width shape], an
 * unsigned dtype (uint32 by default, x64 off). */
static bool builtin_bits(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *sv;
  tj_span ss, span = a->call->span;
  tj_aval shape = aval_scalar(DT_U32, false);
  tj_dtype dt = DT_U32;
  bool have, wrapped;
  *out = a->pos[0];
  if (!ta_get_arg(t, b, a, 1, "shape", &sv, &ss) || (sv && !ta_read_shape(t, sv, ss, SHAPE_ITER, &shape)) ||
      !ta_opt_dtype(t, b, a, 2, &have, &dt) || !rnd_check_key(t, "bits", out, span, false, &wrapped))
    return false;
  if (dtype_kindof(dt) != DK_UNSIGNED)
    return tracer_error(t, span, "ValueError: dtype argument to `bits` must be an unsigned int dtype, got %s",
                        dtype_long(dt));
  return rnd_random_bits(t, *out, dtype_size(dt) * 8, &shape, span, out);
}

/* ---- samplers ---- */

value rnd_tuple(tracer *t, const value *items, int n) {
  value v = {.kind = V_TUPLE, .n = n};
  v.items = ARENA_ARRAY(&t->scratch, value, n ? n : 1);
  memcpy(v.items, items, sizeof *items * (size_t)n);
  return v;
}

/* dtypes.finfo(dtype).nmant, and the bits of 1.0 in the dtype's format
 * (np.array(1.0, dtype).view(uint)). */
int rnd_float_nmant(tj_dtype dt) { return dt == DT_F64 ? 52 : dt == DT_F16 ? 10 : dt == DT_BF16 ? 7 : 23; }
int64_t rnd_one_bits(tj_dtype dt) {
  return dt == DT_F64 ? 0x3FF0000000000000LL : dt == DT_F16 ? 0x3C00 : dt == DT_BF16 ? 0x3F80 : 0x3F800000;
}
tj_dtype rnd_uint_of_bits(int bits) { return bits == 8 ? DT_U8 : bits == 16 ? DT_U16 : bits == 32 ? DT_U32 : DT_U64; }

/* lax.broadcast_to_rank: leading 1s by lax.broadcast (broadcast_in_dim). */
bool rnd_to_rank(tracer *t, value *v, int rank, tj_span span) {
  tj_aval a = value_aval(t, v), s = a;
  if (a.rank >= rank) return true;
  int64_t dims[TJ_MAX_RANK];
  s.rank = (uint8_t)rank;
  for (int d = 0; d < rank; d++) s.dims[d] = d < rank - a.rank ? 1 : a.dims[d - (rank - a.rank)];
  for (int d = 0; d < a.rank; d++) dims[d] = rank - a.rank + d;
  ir_atom in;
  ir_param p = {"broadcast_dimensions", pv_ints(t->m, PV_TUPLE, dims, a.rank)};
  return own_atom(t, v, span, &in) && emit(t, P_broadcast_in_dim, &in, 1, &s, &p, a.rank > 0, span, v);
}

/* A lax binary operation on two operands of one dtype (no promotion). */
bool rnd_lax_binary(tracer *t, int prim, value a, value b, tj_dtype dt, tj_span span, value *out) {
  ir_atom in[2];
  return to_atom(t, &a, dt, false, span, &in[0]) && to_atom(t, &b, dt, false, span, &in[1]) &&
         emit(t, prim, in, 2, NULL, NULL, 0, span, out);
}

bool rnd_uniform_body(tracer *t, const sample_opts *o, value key, value lo, value hi, tj_span span, value *out) {
  tj_dtype dt = o->dtype;
  value bits, fb, floats, range;
  int nbits = dtype_size(dt) * 8, nmant = rnd_float_nmant(dt), rng_bits = nmant < 8 ? 8 : nbits;
  tj_dtype ut = rnd_uint_of_bits(nbits);
  if (!convert(t, &lo, dt, false, span) || !convert(t, &hi, dt, false, span) || !rnd_to_rank(t, &lo, o->shape.rank, span) ||
      !rnd_to_rank(t, &hi, o->shape.rank, span))
    return false;
  if (!rnd_random_bits(t, key, rng_bits, &o->shape, span, &bits) || (rng_bits != nbits && !convert(t, &bits, ut, false, span)))
    return false;
  ir_param bc = {"new_dtype", pv_dtype(t->m, dt)};
  if (!rnd_lax_binary(t, P_shift_right_logical, bits, value_strong(value_int(rng_bits - nmant), ut), ut, span, &fb) ||
      !rnd_lax_binary(t, P_or, fb, value_strong(value_int(rnd_one_bits(dt)), ut), ut, span, &fb) ||
      !rnd_emit1(t, P_bitcast_convert_type, &fb, &bc, 1, span))
    return false;
  floats = fb;
  if (!apply_binary(t, P_sub, floats, value_strong(value_float(1.0), dt), span, &floats) ||
      !apply_binary(t, P_sub, hi, lo, span, &range) || !apply_binary(t, P_mul, floats, range, span, &floats) ||
      !apply_binary(t, P_add, floats, lo, span, &floats) || !ta_reshape_to(t, &floats, &o->shape, span))
    return false;
  return rnd_lax_binary(t, P_max, lo, floats, dt, span, out);
}

/* The jitted _uniform's body, its operands (key, minval, maxval). */
static bool uniform_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  return rnd_uniform_body(t, ctx, v[0], v[1], v[2], span, out);
}

static const ast_func uniform_tag, bernoulli_tag;

value rnd_shape_value(tracer *t, const tj_aval *shape) {
  value items[TJ_MAX_RANK];
  for (int d = 0; d < shape->rank; d++) items[d] = value_int(shape->dims[d]);
  return rnd_tuple(t, items, shape->rank);
}

/* The jitted _uniform(key, minval, maxval, shape, dtype) on a typed key. */
bool rnd_uniform_jit(tracer *t, const sample_opts *o, value *args, tj_span span, value *out) {
  value statics[2] = {rnd_shape_value(t, &o->shape), {.kind = V_DTYPE, .dtype = o->dtype}};
  jnp_jit_fn fn = {"_uniform", &uniform_tag, rnd_tuple(t, statics, 2), uniform_body, o};
  return jnp_jit(t, &fn, args, 3, span, out);
}

/* uniform(key, shape=(), dtype=float, minval=0., maxval=1.): the key
 * checked (wrapped), then the jitted _uniform with shape and dtype static. */
static bool builtin_uniform(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *sv, *lov, *hiv;
  tj_span ss, ls, hs, span = a->call->span;
  sample_opts o = {.shape = aval_scalar(DT_F32, false), .dtype = DT_F32};
  bool have, wrapped;
  value args[3] = {a->pos[0], value_float(0.0), value_float(1.0)};
  if (!rnd_check_key(t, "uniform", &args[0], span, false, &wrapped) || !ta_get_arg(t, b, a, 1, "shape", &sv, &ss) ||
      !ta_opt_dtype(t, b, a, 2, &have, &o.dtype) || (sv && !ta_read_shape(t, sv, ss, SHAPE_ITER, &o.shape)) ||
      !ta_get_arg(t, b, a, 3, "minval", &lov, &ls) || !ta_get_arg(t, b, a, 4, "maxval", &hiv, &hs))
    return false;
  if (!dtype_is_float(o.dtype))
    return tracer_error(t, span, "ValueError: dtype argument to `uniform` must be a float dtype, got %s",
                        dtype_long(o.dtype));
  if (lov) args[1] = *lov;
  if (hiv) args[2] = *hiv;
  return rnd_uniform_jit(t, &o, args, span, out);
}

/* _bernoulli(key, p, shape, mode='low')'s body: uniform(key, shape,
 * dtype(p)) < p, uniform the public function (its check of a typed key
 * adds nothing) and so its own nested jit. */
static bool bernoulli_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  sample_opts o = *(const sample_opts *)ctx;
  value args[3] = {v[0], value_float(0.0), value_float(1.0)}, u;
  o.dtype = value_aval(t, &v[1]).dtype;
  return rnd_uniform_jit(t, &o, args, span, &u) && apply_binary(t, P_lt, u, v[1], span, out);
}

/* bernoulli(key, p=0.5, shape=None, mode='low'): p's dtype must be a
 * float; p = lax.convert_element_type(p, dtype) (a Python float becomes a
 * strong float32 constant); the jitted _bernoulli, shape and mode static,
 * shape None meaning p's. */
static bool builtin_bernoulli(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *pv, *sv, *mv;
  tj_span ps, ss, ms, span = a->call->span;
  sample_opts o = {.shape = aval_scalar(DT_F32, false)};
  bool wrapped, have_shape, high;
  if (!ta_get_arg(t, b, a, 1, "p", &pv, &ps) || !ta_get_arg(t, b, a, 2, "shape", &sv, &ss) ||
      !ta_get_arg(t, b, a, 3, "mode", &mv, &ms))
    return false;
  have_shape = sv && sv->kind != V_NONE;
  if (have_shape && !ta_read_shape(t, sv, ss, SHAPE_ITER, &o.shape)) return false;
  high = mv && mv->kind == V_STR && mv->slen == 4 && memcmp(mv->s, "high", 4) == 0;
  if (mv && !high && (mv->kind != V_STR || mv->slen != 3 || memcmp(mv->s, "low", 3) != 0)) {
    tj_buf m = {0};
    buf_puts(&m, "ValueError: got mode=");
    value_repr(mv, &m);
    buf_puts(&m, ", expected 'high' or 'low'");
    return ta_raise_buf(t, ms, &m);
  }
  value key = a->pos[0], p = pv ? *pv : value_float(0.5);
  if (!rnd_check_key(t, "bernoulli", &key, span, false, &wrapped)) return false;
  tj_aval pa = value_aval(t, &p);
  if (p.kind != V_TRACED && !value_is_number(&p))
    return tracer_error(t, ps, "TypeError: bernoulli's p must be a number or an array, got %s", value_type_name(&p));
  if (!dtype_is_float(pa.dtype))
    return tracer_error(t, ps, "TypeError: bernoulli probability `p` must have a floating dtype, got %s.",
                        dtype_long(pa.dtype));
  if (p.kind != V_TRACED) p = value_strong(p, pa.dtype); /* a concrete constant of p's dtype */
  else if (!convert(t, &p, pa.dtype, false, span)) return false;
  if (!have_shape) o.shape = value_aval(t, &p), o.shape.dtype = DT_F32;
  else {
    tj_aval joined;
    if (!shape_broadcast(&o.shape, &pa, &joined) || !aval_same_shape(&joined, &o.shape))
      return tracer_error(t, span, "ValueError: bernoulli parameter shapes must be broadcast-compatible with shape "
                                   "argument, and the result of broadcasting the shapes must equal the shape argument, "
                                   "but got result %s for shape argument %s.",
                          rnd_shape_text(t, shape_broadcast(&o.shape, &pa, &joined) ? &joined : &pa),
                          rnd_shape_text(t, &o.shape));
  }
  if (high) return random_bernoulli_high(t, &o.shape, have_shape, key, p, span, out); /* trace_random_dist.c */
  value statics[2] = {have_shape ? rnd_shape_value(t, &o.shape) : value_none(), {.kind = V_STR, .s = "low", .slen = 3}};
  value args[2] = {key, p};
  jnp_jit_fn fn = {"_bernoulli", &bernoulli_tag, rnd_tuple(t, statics, 2), bernoulli_body, &o};
  return jnp_jit(t, &fn, args, 2, span, out);
}

/* ---- normal and truncated_normal ---- */

static const ast_func normal_tag, normal_real_tag, truncated_normal_tag;

/* np.array(np.sqrt(2), dtype), a strong constant of the dtype. */
static value sqrt2_of(tj_dtype dt) {
  return value_strong(value_float(tj_round_to_float(dt, 1.4142135623730951)), dt);
}

/* _normal_real(key, shape, dtype)'s body: uniform(key, shape, dtype, lo,
 * hi) over [np.nextafter(-1, 0), 1) in dtype (lo = -(1 - 2^-(nmant+1)),
 * the float above -1, a strong constant as hi's 1.0), then
 * lax.mul(np.array(np.sqrt(2), dtype), lax_special.erf_inv(u)). */
static bool normal_real_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  const sample_opts *o = ctx;
  double below = 1.0;
  for (int i = 0; i <= rnd_float_nmant(o->dtype); i++) below /= 2;
  value args[3] = {v[0], value_strong(value_float(-(1.0 - below)), o->dtype), value_strong(value_float(1.0), o->dtype)};
  value u;
  return rnd_uniform_jit(t, o, args, span, &u) && rnd_emit1(t, P_erf_inv, &u, NULL, 0, span) &&
         rnd_lax_binary(t, P_mul, sqrt2_of(o->dtype), u, o->dtype, span, out);
}

static value shape_dtype_statics(tracer *t, const sample_opts *o) {
  value statics[2] = {rnd_shape_value(t, &o->shape), {.kind = V_DTYPE, .dtype = o->dtype}};
  return rnd_tuple(t, statics, 2);
}

/* _normal(key, shape, dtype)'s body, a real dtype: the jitted
 * _normal_real(key, shape, dtype). */
static bool normal_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  jnp_jit_fn fn = {"_normal_real", &normal_real_tag, shape_dtype_statics(t, ctx), normal_real_body, ctx};
  return jnp_jit(t, &fn, v, 1, span, out);
}

/* normal(key, shape=(), dtype=float): the key checked (wrapped), the
 * shape canonicalized, an inexact dtype (tjit has no complex dtypes),
 * then the jitted _normal with shape and dtype static. */
static bool builtin_normal(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *sv;
  tj_span ss, span = a->call->span;
  sample_opts o = {.shape = aval_scalar(DT_F32, false), .dtype = DT_F32};
  bool have, wrapped;
  value key = a->pos[0];
  if (!rnd_check_key(t, "normal", &key, span, false, &wrapped) || !ta_get_arg(t, b, a, 1, "shape", &sv, &ss) ||
      (sv && !ta_read_shape(t, sv, ss, SHAPE_ITER, &o.shape)) || !ta_opt_dtype(t, b, a, 2, &have, &o.dtype))
    return false;
  if (!dtype_is_float(o.dtype))
    return tracer_error(t, span, "ValueError: dtype argument to `normal` must be a float or complex dtype, got %s",
                        dtype_long(o.dtype));
  jnp_jit_fn fn = {"_normal", &normal_tag, shape_dtype_statics(t, &o), normal_body, &o};
  return jnp_jit(t, &fn, &key, 1, span, out);
}

/* lax.broadcast_shapes of n shapes into *out, or its ValueError naming
 * them all. */
static bool broadcast_shapes(tracer *t, const tj_aval *shapes, int n, tj_span span, tj_aval *out) {
  bool ok = true;
  *out = shapes[0];
  for (int i = 1; i < n && ok; i++) {
    tj_aval joined;
    ok = shape_broadcast(out, &shapes[i], &joined);
    if (ok) *out = joined;
  }
  if (ok) return true;
  tj_buf m = {0};
  buf_puts(&m, "ValueError: Incompatible shapes for broadcasting: shapes=[");
  for (int i = 0; i < n; i++) buf_printf(&m, "%s%s", i ? ", " : "", rnd_shape_text(t, &shapes[i]));
  buf_puts(&m, "]");
  return ta_raise_buf(t, span, &m);
}

/* truncated_normal's static arguments: shape (or None) and dtype. */
typedef struct {
  sample_opts o;
  bool have_shape;
} truncated_opts;

/* The clamp of _truncated_normal: jnp.clip(out,
 * lax.nextafter(lax.stop_gradient(lower), np.array(np.inf, dtype)),
 * lax.nextafter(lax.stop_gradient(upper), np.array(-np.inf, dtype))). */
static bool clamp_open(tracer *t, value x, value lower, value upper, tj_dtype dt, tj_span span, value *out) {
  value bounds[3] = {x, lower, upper};
  for (int k = 1; k < 3; k++) {
    value toward = value_strong(value_float(k == 1 ? INFINITY : -INFINITY), dt);
    if (!rnd_emit1(t, P_stop_gradient, &bounds[k], NULL, 0, span) ||
        !rnd_lax_binary(t, P_nextafter, bounds[k], toward, dt, span, &bounds[k]))
      return false;
  }
  return call_builtin_values(t, "clip", bounds, 3, span, out);
}

/* _truncated_normal(key, lower, upper, shape, dtype)'s body: the shape
 * (lower's and upper's broadcast when None, else _check_shape's), the
 * bounds converted, a = erf(lower / sqrt2) and b = erf(upper / sqrt2)
 * (jnp's true_divide by the strong constant), u = uniform(key, shape,
 * dtype, a, b) (the public uniform: its own jit), out = sqrt2 *
 * erf_inv(u) (jnp's multiply, the constant first: Array.__rmul__), clamped
 * into the open interval (clamp_open). */
static bool truncated_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  const truncated_opts *to = ctx;
  sample_opts o = to->o;
  tj_dtype dt = o.dtype;
  tj_aval shapes[3] = {o.shape, value_aval(t, &v[1]), value_aval(t, &v[2])}, joined;
  if (!broadcast_shapes(t, shapes + !to->have_shape, 3 - !to->have_shape, span, &joined)) return false;
  if (!to->have_shape) o.shape = joined;
  else if (!aval_same_shape(&joined, &o.shape))
    return tracer_error(t, span, "ValueError: truncated_normal parameter shapes must be broadcast-compatible with "
                                 "shape argument, and the result of broadcasting the shapes must equal the shape "
                                 "argument, but got result %s for shape argument %s.",
                        rnd_shape_text(t, &joined), rnd_shape_text(t, &o.shape));
  value lower = v[1], upper = v[2], args[3] = {v[0]}, u;
  if (!convert(t, &lower, dt, false, span) || !convert(t, &upper, dt, false, span)) return false;
  for (int k = 1; k < 3; k++)
    if (!apply_binary(t, P_div, k == 1 ? lower : upper, sqrt2_of(dt), span, &args[k]) ||
        !rnd_emit1(t, P_erf, &args[k], NULL, 0, span))
      return false;
  return rnd_uniform_jit(t, &o, args, span, &u) && rnd_emit1(t, P_erf_inv, &u, NULL, 0, span) &&
         apply_binary(t, P_mul, sqrt2_of(dt), u, span, &u) && clamp_open(t, u, lower, upper, dt, span, out);
}

/* truncated_normal(key, lower, upper, shape=None, dtype=float): the shape
 * canonicalized, the key checked, a float dtype, then the jitted
 * _truncated_normal of (key, lower, upper), shape and dtype static. */
static bool builtin_truncated_normal(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *sv;
  tj_span ss, span = a->call->span;
  truncated_opts to = {.o = {.shape = aval_scalar(DT_F32, false), .dtype = DT_F32}};
  bool have, wrapped;
  value args[3] = {a->pos[0], a->pos[1], a->pos[2]};
  if (!ta_get_arg(t, b, a, 3, "shape", &sv, &ss)) return false;
  to.have_shape = sv && sv->kind != V_NONE;
  if ((to.have_shape && !ta_read_shape(t, sv, ss, SHAPE_ITER, &to.o.shape)) ||
      !rnd_check_key(t, "truncated_normal", &args[0], span, false, &wrapped) ||
      !ta_opt_dtype(t, b, a, 4, &have, &to.o.dtype))
    return false;
  if (!dtype_is_float(to.o.dtype))
    return tracer_error(t, span, "ValueError: dtype argument to `truncated_normal` must be a float dtype, got %s",
                        dtype_long(to.o.dtype));
  if (dtype_is_half(to.o.dtype)) /* lax.nextafter would step in float32 (elem.def) */
    return tracer_error(t, span, "truncated_normal of dtype %s is not supported by tjit yet", dtype_long(to.o.dtype));
  for (int k = 1; k < 3; k++)
    if (args[k].kind != V_TRACED && !value_is_number(&args[k]))
      return tracer_error(t, a->pos_spans[k], "TypeError: truncated_normal's %s must be a number or an array, got %s",
                          k == 1 ? "lower" : "upper", value_type_name(&args[k]));
  value statics[2] = {to.have_shape ? rnd_shape_value(t, &to.o.shape) : value_none(),
                      {.kind = V_DTYPE, .dtype = to.o.dtype}};
  jnp_jit_fn fn = {"_truncated_normal", &truncated_normal_tag, rnd_tuple(t, statics, 2), truncated_body, &to};
  return jnp_jit(t, &fn, args, 3, span, out);
}

/* clone(key): random_clone_p.bind(key), no key check (the identity). */
static bool builtin_clone(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  *out = a->pos[0];
  return rnd_emit1(t, P_random_clone, out, NULL, 0, a->call->span);
}

static const char *const kw_uniform[] = {"shape", "dtype", "minval", "maxval", NULL};
static const char *const kw_bernoulli[] = {"p", "shape", "mode", NULL};
static const char *const kw_split[] = {"num", NULL};
static const char *const kw_bits[] = {"shape", "dtype", NULL};
static const char *const kw_normal[] = {"shape", "dtype", NULL};
static const char *const kw_truncated_normal[] = {"lower", "upper", "shape", "dtype", NULL};

const builtin_def builtins_random[] = {
    {"threefry2x32", builtin_threefry2x32, 4, 4, NULL, P_threefry2x32},
    {"random_key", builtin_key, 1, 1, NULL, P_random_seed},
    {"random_PRNGKey", builtin_prngkey, 1, 1, NULL, P_random_seed},
    {"random_key_data", builtin_key_data, 1, 1, NULL, P_random_unwrap},
    {"random_wrap_key_data", builtin_wrap_key_data, 1, 1, NULL, P_random_wrap},
    {"random_split", builtin_split, 1, 2, kw_split, P_random_split},
    {"random_fold_in", builtin_fold_in, 2, 2, NULL, P_random_fold_in},
    {"random_bits", builtin_bits, 1, 3, kw_bits, P_random_bits},
    {"random_clone", builtin_clone, 1, 1, NULL, P_random_clone},
    {"random_uniform", builtin_uniform, 1, 5, kw_uniform, P_random_bits},
    {"random_bernoulli", builtin_bernoulli, 1, 4, kw_bernoulli, P_random_bits},
    {"random_normal", builtin_normal, 1, 3, kw_normal, P_erf_inv},
    {"random_truncated_normal", builtin_truncated_normal, 3, 5, kw_truncated_normal, P_erf_inv},
    {NULL, NULL, 0, 0, NULL, 0},
};
