/* Eval rules of lax.stack_p, lax.split_p, lax.unstack_p and lax.tile_p. In row-major
 * order stack and split move contiguous blocks. Below the axis an operand of stack (an output of
 * split) is `outer` rows of `inner` elements, and the stacked (split)
 * array interleaves those rows. */
#include "eval.h"

#include <string.h>

static int64_t product(const int64_t *dims, int from, int to) {
  int64_t p = 1;
  for (int d = from; d < to; d++) p *= dims[d];
  return p;
}

/* out row o = in[0] row o, in[1] row o, ... */
bool ev_stack(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  int64_t axis = ir_param_int(e, "axis", -1);
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  if (axis < 0 || axis > in[0]->rank) return eval_bug(s, "stack without its axis");
  size_t sz = (size_t)dtype_size(r->dtype);
  int64_t outer = product(in[0]->dims, 0, (int)axis), inner = product(in[0]->dims, (int)axis, in[0]->rank);
  for (int64_t o = 0; o < outer; o++)
    for (uint32_t k = 0; k < e->nin; k++)
      memcpy((char *)r->data + ((o * e->nin + k) * inner) * sz, (const char *)in[k]->data + o * inner * sz,
             (size_t)inner * sz);
  return true;
}

/* out[i] row o = the i-th run of sizes[i] * rest elements of in row o. */
bool ev_split(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *a = in[0];
  int64_t axis = ir_param_int(e, "axis", -1);
  if (axis < 0 || axis >= a->rank) return eval_bug(s, "split without its axis");
  size_t sz = (size_t)dtype_size(a->dtype);
  int64_t outer = product(a->dims, 0, (int)axis), rest = product(a->dims, (int)axis + 1, a->rank);
  int64_t row = a->dims[axis] * rest, at = 0;
  for (uint32_t i = 0; i < e->nout; i++) {
    tj_array *r = out[i] = eval_new_out(s, e, i);
    if (!r) return false;
    int64_t inner = r->dims[axis] * rest;
    for (int64_t o = 0; o < outer; o++)
      memcpy((char *)r->data + o * inner * sz, (const char *)a->data + (o * row + at) * sz, (size_t)inner * sz);
    at += inner;
  }
  return true;
}

/* unstack: out[i] row o = element run i (of rest elements) of in row o,
 * as split into sizes of 1. */
bool ev_unstack(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *a = in[0];
  int64_t axis = ir_param_int(e, "axis", -1);
  if (axis < 0 || axis >= a->rank) return eval_bug(s, "unstack without its axis");
  size_t sz = (size_t)dtype_size(a->dtype);
  int64_t outer = product(a->dims, 0, (int)axis), rest = product(a->dims, (int)axis + 1, a->rank);
  int64_t row = a->dims[axis] * rest;
  for (uint32_t i = 0; i < e->nout; i++) {
    tj_array *r = out[i] = eval_new_out(s, e, i);
    if (!r) return false;
    for (int64_t o = 0; o < outer; o++)
      memcpy((char *)r->data + o * rest * sz, (const char *)a->data + (o * row + i * rest) * sz, (size_t)rest * sz);
  }
  return true;
}

/* out[c] = in[c mod the operand's dims]. */
bool ev_tile(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *a = in[0];
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  int64_t st[TJ_MAX_RANK];
  size_t sz = (size_t)dtype_size(a->dtype);
  eval_strides(a, st);
  for (int64_t i = 0; i < r->size; i++) {
    int64_t rest = i, j = 0;
    for (int d = r->rank - 1; d >= 0; d--) j += rest % r->dims[d] % a->dims[d] * st[d], rest /= r->dims[d];
    memcpy((char *)r->data + i * sz, (const char *)a->data + j * sz, sz);
  }
  return true;
}
