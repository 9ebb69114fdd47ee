/* Eval rules of the PRNG primitives (issue 16): threefry2x32_p, each
 * counter pair hashed by lib/base/threefry.h, the text the compiled
 * code's runtime (lib/backend/random_rt.c) runs too: integer operations
 * only, so every backend and machine gives the same bits. */
#include "eval.h"
#include "threefry.h"

#include <string.h>

/* Per output dimension, the stride of operand a (0 where a is a scalar
 * or has 1 there: lax's broadcasting of equal ranks). */
static void broadcast_strides(const tj_array *a, int rank, int64_t *st) {
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; d--) {
    bool moves = a->rank == rank && a->dims[d] != 1;
    st[d] = moves ? s : 0;
    if (a->rank == rank) s *= a->dims[d];
  }
}

bool ev_threefry2x32(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  tj_array *o0 = out[0] = eval_new_out(s, e, 0);
  tj_array *o1 = out[1] = o0 ? eval_new_out(s, e, 1) : NULL;
  if (!o1) return false;
  int rank = o0->rank;
  int64_t st[4][TJ_MAX_RANK], at[4] = {0}, idx[TJ_MAX_RANK] = {0}, n = o0->size;
  for (int k = 0; k < 4; k++) broadcast_strides(in[k], rank, st[k]);
  const uint32_t *k0 = in[0]->data, *k1 = in[1]->data, *x0 = in[2]->data, *x1 = in[3]->data;
  uint32_t *r0 = o0->data, *r1 = o1->data;
  for (int64_t i = 0; i < n; i++) {
    uint32_t a = x0[at[2]], b = x1[at[3]];
    tj_threefry2x32(k0[at[0]], k1[at[1]], &a, &b);
    r0[i] = a, r1[i] = b;
    for (int d = rank - 1; d >= 0; d--) { /* the next coordinate, row-major */
      for (int k = 0; k < 4; k++) at[k] += st[k][d];
      if (++idx[d] < o0->dims[d]) break;
      for (int k = 0; k < 4; k++) at[k] -= st[k][d] * idx[d];
      idx[d] = 0;
    }
  }
  return true;
}

/* ---- the typed-key primitives: a key<fry> element is its two uint32
 * words (dtype.h), so keys are read and written as uint32 pairs ---- */

static bool ev_seed(const tj_array *seeds, tj_array *keys) {
  uint32_t *k = keys->data;
  int wide = dtype_size(seeds->dtype) == 8;
  for (int64_t i = 0; i < keys->size; i++) tj_threefry_seed(array_get_i(seeds, i), wide, &k[2 * i]);
  return true;
}

/* Per key, `per` outputs of `bytes` each (random_split: keys, random_bits:
 * the bits). */
static void ev_per_key(const ir_eqn *e, const tj_array *keys, tj_array *r) {
  const uint32_t *k = keys->data;
  int64_t per = keys->size ? r->size / keys->size : 0;
  int w = (int)ir_param_int(e, "bit_width", 32);
  for (int64_t i = 0; i < keys->size; i++) {
    if (e->prim == P_random_split) tj_threefry_split(&k[2 * i], (uint32_t *)r->data + 2 * i * per, per);
    else tj_threefry_bits(&k[2 * i], (char *)r->data + i * per * (w / 8), w, per);
  }
}

/* random_fold_in: keys and messages broadcast (strides of 0 where one
 * side has 1 or is a scalar). */
static void ev_fold_in(const tj_array *keys, const tj_array *msgs, tj_array *r) {
  int64_t sk[TJ_MAX_RANK], sm[TJ_MAX_RANK], idx[TJ_MAX_RANK] = {0}, ak = 0, am = 0;
  broadcast_strides(keys, r->rank, sk), broadcast_strides(msgs, r->rank, sm);
  const uint32_t *k = keys->data, *d = msgs->data;
  uint32_t *o = r->data;
  for (int64_t i = 0; i < r->size; i++) {
    tj_threefry_fold_in(&k[2 * ak], d[am], &o[2 * i]);
    for (int x = r->rank - 1; x >= 0; x--) {
      ak += sk[x], am += sm[x];
      if (++idx[x] < r->dims[x]) break;
      ak -= sk[x] * idx[x], am -= sm[x] * idx[x];
      idx[x] = 0;
    }
  }
}

bool ev_random(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  switch (e->prim) {
  case P_random_seed: return ev_seed(in[0], r);
  case P_random_clone:
  case P_random_wrap:
  case P_random_unwrap: memcpy(r->data, in[0]->data, (size_t)in[0]->size * (size_t)dtype_size(in[0]->dtype)); return true;
  case P_random_split:
  case P_random_bits: ev_per_key(e, in[0], r); return true;
  case P_random_fold_in: ev_fold_in(in[0], in[1], r); return true;
  default: return eval_bug(s, "no PRNG rule for %s", prims[e->prim].name);
  }
}
