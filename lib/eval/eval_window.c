/* Eval rules of lax.pad_p and of reduce_window_{sum,max,min}_p, as XLA's
 * Pad and ReduceWindow define them (jax/_src/lax/lax.py pad,
 * jax/_src/lax/windowed_reductions.py):
 *  - pad: every output element is the padding value but those an operand
 *    element lands on: element i of a dimension goes to lo + i * (interior
 *    + 1), outside [0, size) it is cut off (negative lo/hi);
 *  - reduce_window: output element o of a dimension reduces the window
 *    positions p = o * stride + j * window_dilation (j < window size) of
 *    the operand dilated by base_dilation (holes between its elements) and
 *    padded by (lo, hi); positions on a hole or on the padding hold the
 *    reduction's identity (0, -inf / the dtype's least, +inf / its
 *    greatest), so they are skipped. The window is combined in row-major
 *    order from the identity, each step rounded to the dtype (the store),
 *    which is the order the C rule keeps; max/min propagate NaN as
 *    lax.max/min do. */
#include "eval.h"
#include "prims_window.h"

#include <math.h>
#include <string.h>

/* Output index (of pad) where operand element i lands; false when cut off. */
static bool pad_target(const tj_array *a, const tj_array *r, const pad_spec *p, const int64_t *st, int64_t i,
                       int64_t *off) {
  *off = 0;
  for (int k = a->rank - 1; k >= 0; k--) {
    int64_t c = i % a->dims[k], o = p->lo[k] + c * (p->interior[k] + 1);
    i /= a->dims[k];
    if (o < 0 || o >= r->dims[k]) return false;
    *off += o * st[k];
  }
  return true;
}

bool ev_pad(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *a = in[0], *v = in[1];
  pad_spec p;
  if (!pad_spec_read(e, a->rank, &p)) return eval_bug(s, "pad without its padding_config");
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  size_t sz = (size_t)dtype_size(a->dtype);
  for (int64_t i = 0; i < r->size; i++) memcpy((char *)r->data + (size_t)i * sz, v->data, sz);
  int64_t st[TJ_MAX_RANK], off;
  eval_strides(r, st);
  for (int64_t i = 0; i < a->size; i++)
    if (pad_target(a, r, &p, st, i, &off)) memcpy((char *)r->data + (size_t)off * sz, (const char *)a->data + (size_t)i * sz, sz);
  return true;
}

/* The identity the reduction starts from (lax._get_max_identity ...). */
static void set_identity(int prim, tj_array *r, int64_t o) {
  tj_dtype t = r->dtype;
  int bits = 8 * dtype_size(t);
  bool max = prim == P_reduce_window_max;
  if (dtype_is_float(t)) array_set_f(r, o, prim == P_reduce_window_sum ? 0.0 : max ? -INFINITY : INFINITY);
  else if (prim == P_reduce_window_sum) array_set_i(r, o, 0);
  else if (dtype_kindof(t) == DK_SIGNED)
    array_set_i(r, o, max ? (int64_t)(UINT64_C(1) << (bits - 1)) : (int64_t)((UINT64_C(1) << (bits - 1)) - 1));
  else array_set_i(r, o, max ? 0 : -1); /* unsigned, bool: all ones wraps to the greatest */
}

/* r[o] = r[o] op a[i], in r's dtype. */
static void combine(int prim, tj_array *r, int64_t o, const tj_array *a, int64_t i) {
  if (dtype_is_float(a->dtype)) {
    double acc = array_get_f(r, o), x = array_get_f(a, i);
    if (prim == P_reduce_window_sum) acc += x;
    else if (prim == P_reduce_window_max) acc = acc != acc ? acc : x != x ? x : acc > x ? acc : x;
    else acc = acc != acc ? acc : x != x ? x : acc < x ? acc : x;
    array_set_f(r, o, acc);
    return;
  }
  int64_t acc = array_get_i(r, o), x = array_get_i(a, i);
  if (prim == P_reduce_window_sum) acc = (int64_t)((uint64_t)acc + (uint64_t)x);
  else if (prim == P_reduce_window_max) acc = dtype_int_less(a->dtype, x, acc) ? acc : x;
  else acc = dtype_int_less(a->dtype, acc, x) ? acc : x;
  array_set_i(r, o, acc);
}

/* The operand index of window position j (unravelled) of output position
 * oc, or -1 when it falls on padding or on a dilation hole. */
static int64_t window_source(const tj_array *a, const window_spec *w, const int64_t *oc, const int64_t *jc) {
  int64_t off = 0;
  for (int k = 0; k < a->rank; k++) {
    int64_t p = oc[k] * w->strides[k] + jc[k] * w->wdil[k] - w->lo[k];
    if (p < 0 || p % w->base[k] != 0 || p / w->base[k] >= a->dims[k]) return -1;
    off = off * a->dims[k] + p / w->base[k];
  }
  return off;
}

/* Row-major coordinates of flat index i in dims[0..n). */
static void unravel_dims(int64_t i, const int64_t *dims, int n, int64_t *c) {
  for (int k = n - 1; k >= 0; k--) c[k] = i % dims[k], i /= dims[k];
}

bool ev_reduce_window(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *a = in[0];
  window_spec w;
  if (!window_spec_read(e, a->rank, &w)) return eval_bug(s, "%s without its window", prims[e->prim].name);
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  int64_t nwin = 1, oc[TJ_MAX_RANK], jc[TJ_MAX_RANK];
  for (int k = 0; k < a->rank; k++) nwin *= w.dims[k];
  for (int64_t o = 0; o < r->size; o++) {
    set_identity(e->prim, r, o);
    unravel_dims(o, r->dims, r->rank, oc);
    for (int64_t j = 0; j < nwin; j++) {
      unravel_dims(j, w.dims, a->rank, jc);
      int64_t i = window_source(a, &w, oc, jc);
      if (i >= 0) combine(e->prim, r, o, a, i);
    }
  }
  return true;
}

/* select_and_gather_add (the jvp of max/min pooling), as its lowering's
 * variadic reduce_window reduces (key, value) pairs: from (-inf, 0) for
 * ge (+inf for le), each window position in row-major order, a padding
 * or dilation hole standing for that init pair; the accumulator stays
 * while select_prim(acc, element) holds (ties keep the first), else the
 * element replaces it. The output is the value: the tangent. */
bool ev_select_and_gather_add(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *t = in[0], *a = in[1];
  window_spec w;
  if (!window_spec_read(e, a->rank, &w)) return eval_bug(s, "select_and_gather_add without its window");
  const char *sel = ir_param_name(e, "select_prim");
  bool ge = sel && strcmp(sel, "ge") == 0;
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  int64_t nwin = 1, oc[TJ_MAX_RANK], jc[TJ_MAX_RANK];
  for (int k = 0; k < a->rank; k++) nwin *= w.dims[k];
  for (int64_t o = 0; o < r->size; o++) {
    double key = ge ? -INFINITY : INFINITY, val = 0;
    unravel_dims(o, r->dims, r->rank, oc);
    for (int64_t j = 0; j < nwin; j++) {
      unravel_dims(j, w.dims, a->rank, jc);
      int64_t i = window_source(a, &w, oc, jc);
      double k = i >= 0 ? array_get_f(a, i) : ge ? -INFINITY : INFINITY, v = i >= 0 ? array_get_f(t, i) : 0;
      if (!(ge ? key >= k : key <= k)) key = k, val = v;
    }
    array_set_f(r, o, val);
  }
  return true;
}

/* select_and_scatter_add (the transpose of select_and_gather_add), as
 * XLA's SelectAndScatter: per output window the selected element starts
 * as the first window position inside the operand (padding is never
 * selected), and moves to a later one e whenever select_prim(selected,
 * e) fails (ge: the first maximum stays); the source value is added
 * there, in window order, each sum rounded to the dtype. */
bool ev_select_and_scatter_add(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *t = in[0], *a = in[1];
  window_spec w;
  if (!select_scatter_spec_read(e, a->rank, &w)) return eval_bug(s, "select_and_scatter_add without its window");
  const char *sel = ir_param_name(e, "select_prim");
  bool ge = sel && strcmp(sel, "ge") == 0;
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  for (int64_t i = 0; i < r->size; i++) array_set_f(r, i, 0);
  int64_t nwin = 1, oc[TJ_MAX_RANK], jc[TJ_MAX_RANK];
  for (int k = 0; k < a->rank; k++) nwin *= w.dims[k];
  for (int64_t o = 0; o < t->size; o++) {
    unravel_dims(o, t->dims, t->rank, oc);
    int64_t chosen = -1;
    for (int64_t j = 0; j < nwin; j++) {
      unravel_dims(j, w.dims, a->rank, jc);
      int64_t i = window_source(a, &w, oc, jc);
      if (i < 0) continue;
      double cur = array_get_f(a, i), best = chosen >= 0 ? array_get_f(a, chosen) : 0;
      if (chosen < 0 || !(ge ? best >= cur : best <= cur)) chosen = i;
    }
    if (chosen >= 0) array_set_f(r, chosen, array_get_f(r, chosen) + array_get_f(t, o));
  }
  return true;
}
