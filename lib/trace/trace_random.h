/* What jax.random's samplers share (trace_random.c), for the files that
 * add samplers: the key checks of jax/_src/random/core.py
 * (_check_prng_key, _return_prng_keys), the jitted _uniform every
 * float sampler draws from, and the small lax helpers its body uses. */
#ifndef TJ_TRACE_RANDOM_H
#define TJ_TRACE_RANDOM_H
#include "trace_array_int.h"

/* A sample's shape (dims and rank) and dtype, the static arguments of
 * the jitted samplers. */
typedef struct {
  tj_aval shape;
  tj_dtype dtype;
} sample_opts;

pval *rnd_impl_fry(tracer *t); /* the impl param: fry */
/* One equation of prim on v, replacing v by its result. */
bool rnd_emit1(tracer *t, int prim, value *v, const ir_param *ps, int np, tj_span span);
bool rnd_unwrap(tracer *t, value *v, tj_span span); /* random_unwrap */
/* _random_bits(key, bit_width, shape): random_bits[bit_width shape] of key. */
bool rnd_random_bits(tracer *t, value key, int width, const tj_aval *shape, tj_span span, value *out);
const char *rnd_repr(tracer *t, const value *v);    /* Python's repr, in scratch */
const char *rnd_shape_text(tracer *t, const tj_aval *a); /* (3, 2), in scratch */
/* _check_prng_key(name, key, allow_batched=batched): *wrapped says whether
 * the key was raw uint32 data (wrapped: unwrap the result). */
bool rnd_check_key(tracer *t, const char *name, value *key, tj_span span, bool batched, bool *wrapped);
value rnd_tuple(tracer *t, const value *items, int n);
value rnd_shape_value(tracer *t, const tj_aval *shape); /* a shape as a static tuple */
int rnd_float_nmant(tj_dtype dt);                        /* finfo(dt).nmant */
int64_t rnd_one_bits(tj_dtype dt);                       /* the bits of 1.0 in dt */
tj_dtype rnd_uint_of_bits(int bits);                     /* uint8 .. uint64 */
bool rnd_to_rank(tracer *t, value *v, int rank, tj_span span); /* lax.broadcast_to_rank */
/* A lax binary operation on two operands converted to dt (no promotion). */
bool rnd_lax_binary(tracer *t, int prim, value a, value b, tj_dtype dt, tj_span span, value *out);
/* _uniform(key, minval, maxval, shape, dtype)'s body (jax/_src/random/
 * core.py): the bounds converted and broadcast to the shape's rank, the
 * mantissa filled with random bits under the exponent of 1.0, minus 1,
 * scaled into [minval, maxval), at least minval. */
bool rnd_uniform_body(tracer *t, const sample_opts *o, value key, value lo, value hi, tj_span span, value *out);
/* The jitted _uniform(key, minval, maxval) of o's shape and dtype, on a
 * typed key (args: key, minval, maxval). */
bool rnd_uniform_jit(tracer *t, const sample_opts *o, value *args, tj_span span, value *out);

#endif
