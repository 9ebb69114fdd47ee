/* Eval rules of the PRNG primitives (issue 16): threefry2x32_p, each
 * counter pair hashed by lib/base/threefry.h, the text the compiled
 * code's runtime (lib/backend/random_rt.c) runs too: integer operations
 * only, so every backend and machine gives the same bits. */
#include "eval.h"
#include "threefry.h"

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
