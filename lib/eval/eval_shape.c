/* Eval rules that move elements: transpose, reshape/squeeze, concatenate,
 * iota, slice, rev, dynamic_slice and dynamic_update_slice (start indices
 * clamped into range, as XLA does) and the scatters (an update whose
 * window does not lie wholly inside the operand is dropped, as XLA's
 * scatter expander skips windows whose start index fails its bounds
 * check; mode CLIP first clamps the start so the window fits, as
 * slicing.py's _clamp_scatter_indices does in the lowering). */
#include "eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void unravel(int64_t i, const tj_array *a, int64_t *c) {
  for (int d = a->rank - 1; d >= 0; d--) c[d] = i % a->dims[d], i /= a->dims[d];
}

static void copy_elem(const tj_array *a, int64_t i, tj_array *r, int64_t j) {
  int sz = dtype_size(r->dtype);
  memcpy((char *)r->data + j * sz, (const char *)a->data + i * sz, (size_t)sz);
}

/* r[c] = a[src(c)] for every output coordinate c, where map gives the
 * source coordinates. */
typedef void (*coord_map)(const ir_eqn *e, const int64_t *params, const int64_t *c, int64_t *src);

static bool gather_by(eval_state *s, const ir_eqn *e, const tj_array *a, const int64_t *params, coord_map map,
                      tj_array **out) {
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  int64_t c[TJ_MAX_RANK], src[TJ_MAX_RANK], st[TJ_MAX_RANK];
  eval_strides(a, st);
  for (int64_t i = 0; i < r->size; i++) {
    unravel(i, r, c);
    map(e, params, c, src);
    int64_t j = 0;
    for (int d = 0; d < a->rank; d++) j += src[d] * st[d];
    copy_elem(a, j, r, i);
  }
  return true;
}

/* params: the permutation (rank first in params[0]). */
static void transpose_map(const ir_eqn *e, const int64_t *p, const int64_t *c, int64_t *src) {
  (void)e;
  for (int d = 0; d < p[0]; d++) src[p[1 + d]] = c[d];
}

bool ev_transpose(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  int64_t p[1 + TJ_MAX_RANK];
  if ((p[0] = ir_param_ints(e, "permutation", p + 1, TJ_MAX_RANK)) != in[0]->rank)
    return eval_bug(s, "transpose without its permutation");
  return gather_by(s, e, in[0], p, transpose_map, out);
}

/* reshape and squeeze keep the row-major order of the elements; a
 * reshape with dimensions (a permutation) takes them in the order of the
 * operand transposed by it (lax.reshape's dimensions). */
bool ev_reshape(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  if (r->size != in[0]->size) return eval_bug(s, "%s changes the size", prims[e->prim].name);
  const tj_array *a = in[0];
  int64_t perm[TJ_MAX_RANK], st[TJ_MAX_RANK], c[TJ_MAX_RANK];
  if (e->prim != P_reshape || ir_param_is_none(e, "dimensions")) {
    memcpy(r->data, a->data, (size_t)r->size * (size_t)dtype_size(r->dtype));
    return true;
  }
  if (ir_param_ints(e, "dimensions", perm, TJ_MAX_RANK) != a->rank) return eval_bug(s, "reshape's dimensions");
  eval_strides(a, st);
  for (int64_t i = 0; i < r->size; i++) { /* i is row-major in the transposed shape */
    for (int64_t rest = i, d = a->rank - 1; d >= 0; d--) c[d] = rest % a->dims[perm[d]], rest /= a->dims[perm[d]];
    int64_t j = 0;
    for (int d = 0; d < a->rank; d++) j += c[d] * st[perm[d]];
    copy_elem(a, j, r, i);
  }
  return true;
}

bool ev_concatenate(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  int64_t dim = ir_param_int(e, "dimension", -1), c[TJ_MAX_RANK], st[TJ_MAX_RANK];
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  if (dim < 0 || dim >= r->rank) return eval_bug(s, "concatenate without its dimension");
  for (int64_t i = 0; i < r->size; i++) {
    unravel(i, r, c);
    uint32_t k = 0;
    while (k + 1 < e->nin && c[dim] >= in[k]->dims[dim]) c[dim] -= in[k++]->dims[dim];
    eval_strides(in[k], st);
    int64_t j = 0;
    for (int d = 0; d < r->rank; d++) j += c[d] * st[d];
    copy_elem(in[k], j, r, i);
  }
  return true;
}

/* empty2: zero, as its lowering (_empty2_lower) makes it. */
bool ev_empty2(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  (void)in;
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  array_set_f(r, 0, 0.0);
  return true;
}

bool ev_iota(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  (void)in;
  int64_t dim = ir_param_int(e, "dimension", 0), c[TJ_MAX_RANK];
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  for (int64_t i = 0; i < r->size; i++) {
    unravel(i, r, c);
    array_set_i(r, i, c[dim]);
  }
  return true;
}

/* params: rank, then starts, then strides. */
static void slice_map(const ir_eqn *e, const int64_t *p, const int64_t *c, int64_t *src) {
  (void)e;
  for (int d = 0; d < p[0]; d++) src[d] = p[1 + d] + c[d] * p[1 + TJ_MAX_RANK + d];
}

bool ev_slice(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  int64_t p[1 + 2 * TJ_MAX_RANK];
  int rank = in[0]->rank;
  p[0] = rank;
  if (ir_param_ints(e, "start_indices", p + 1, TJ_MAX_RANK) != rank)
    return eval_bug(s, "slice without start_indices");
  if (ir_param_is_none(e, "strides"))
    for (int d = 0; d < rank; d++) p[1 + TJ_MAX_RANK + d] = 1;
  else if (ir_param_ints(e, "strides", p + 1 + TJ_MAX_RANK, TJ_MAX_RANK) != rank)
    return eval_bug(s, "slice with bad strides");
  return gather_by(s, e, in[0], p, slice_map, out);
}

/* params: rank, then for each dim its size if reversed, else 0. */
static void rev_map(const ir_eqn *e, const int64_t *p, const int64_t *c, int64_t *src) {
  (void)e;
  for (int d = 0; d < p[0]; d++) src[d] = p[1 + d] ? p[1 + d] - 1 - c[d] : c[d];
}

bool ev_rev(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  int64_t dims[TJ_MAX_RANK], p[1 + TJ_MAX_RANK] = {in[0]->rank};
  int n = ir_param_ints(e, "dimensions", dims, TJ_MAX_RANK);
  if (n < 0) return eval_bug(s, "rev without dimensions");
  for (int i = 0; i < n; i++)
    if (dims[i] >= 0 && dims[i] < in[0]->rank) p[1 + dims[i]] = in[0]->dims[dims[i]];
  return gather_by(s, e, in[0], p, rev_map, out);
}

/* params: rank, then the clamped starts (slice_map with stride 1). */
bool ev_dynamic_slice(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *a = in[0];
  int64_t sizes[TJ_MAX_RANK], p[1 + 2 * TJ_MAX_RANK];
  if (ir_param_ints(e, "slice_sizes", sizes, TJ_MAX_RANK) != a->rank || e->nin != (uint32_t)a->rank + 1)
    return eval_bug(s, "dynamic_slice without slice_sizes");
  p[0] = a->rank;
  for (int d = 0; d < a->rank; d++) {
    int64_t st = array_get_index(in[1 + d], 0), hi = a->dims[d] - sizes[d];
    p[1 + d] = st < 0 ? 0 : st > hi ? hi : st;
    p[1 + TJ_MAX_RANK + d] = 1;
  }
  return gather_by(s, e, a, p, slice_map, out);
}

/* A copy of the operand with the update written at the clamped starts. */
bool ev_dynamic_update_slice(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *a = in[0], *u = in[1];
  if (e->nin != (uint32_t)a->rank + 2 || u->rank != a->rank) return eval_bug(s, "dynamic_update_slice of bad arity");
  int64_t start[TJ_MAX_RANK], c[TJ_MAX_RANK];
  for (int d = 0; d < a->rank; d++) {
    int64_t st = array_get_index(in[2 + d], 0), hi = a->dims[d] - u->dims[d];
    start[d] = st < 0 ? 0 : st > hi ? hi : st;
  }
  tj_array *r = out[0] = eval_copy(s, a);
  if (!r) return false;
  for (int64_t k = 0; k < u->size; k++) {
    unravel(k, u, c);
    int64_t j = 0;
    for (int d = 0; d < a->rank; d++) j = j * a->dims[d] + start[d] + c[d];
    copy_elem(u, k, r, j);
  }
  return true;
}

/* ---- scatter ---- */

static bool listed(const int64_t *v, int n, int64_t x) {
  for (int i = 0; i < n; i++)
    if (v[i] == x) return true;
  return false;
}

/* lax.min / lax.max of the old element and the update: NaN propagates,
 * as the elementwise max/min do (elem.def). */
static void scatter_extreme(int prim, tj_array *r, int64_t j, const tj_array *u, int64_t k) {
  bool is_max = prim == P_scatter_max;
  if (dtype_is_float(r->dtype)) {
    double x = array_get_f(r, j), y = array_get_f(u, k);
    array_set_f(r, j, x != x ? x : y != y ? y : (is_max ? x > y : x < y) ? x : y);
  } else {
    int64_t x = array_get_i(r, j), y = array_get_i(u, k);
    array_set_i(r, j, (is_max ? dtype_int_less(r->dtype, y, x) : dtype_int_less(r->dtype, x, y)) ? x : y);
  }
}

/* Combines the old element with the update as the scatter kind says. */
static void scatter_combine(int prim, tj_array *r, int64_t j, const tj_array *u, int64_t k) {
  if (prim == P_scatter) { copy_elem(u, k, r, j); return; }
  if (prim == P_scatter_min || prim == P_scatter_max) { scatter_extreme(prim, r, j, u, k); return; }
  if (dtype_is_float(r->dtype)) {
    double x = array_get_f(r, j), y = array_get_f(u, k);
    array_set_f(r, j, prim == P_scatter_add ? x + y : prim == P_scatter_sub ? x - y : x * y);
  } else {
    uint64_t x = (uint64_t)array_get_i(r, j), y = (uint64_t)array_get_i(u, k);
    array_set_i(r, j, (int64_t)(prim == P_scatter_add ? x + y : prim == P_scatter_sub ? x - y : x * y));
  }
}

/* Where update element k goes: its scatter coordinates pick an index
 * vector (indices' last dimension), its window coordinates the offset;
 * an operand batching dimension starts at the scatter coordinate of its
 * indices batching dimension (the n-th scatter dimension of the updates
 * is indices' dimension n). Returns false when the whole window is out of
 * bounds (dropped). */
static bool scatter_target(const ir_scatter_dims *d, const tj_array *op, const tj_array *idx, const tj_array *u,
                           int64_t k, bool clip, int64_t *target) {
  int64_t uc[TJ_MAX_RANK], start[TJ_MAX_RANK] = {0}, wsize[TJ_MAX_RANK], off[TJ_MAX_RANK] = {0}, sc[TJ_MAX_RANK];
  unravel(k, u, uc);
  int64_t batch = 0, nvec = idx->dims[idx->rank - 1];
  int nsc = 0;
  for (int i = 0; i < u->rank; i++)
    if (!listed(d->window, d->nwindow, i)) batch = batch * u->dims[i] + uc[i], sc[nsc++] = uc[i];
  for (int i = 0; i < d->nto && i < nvec; i++) start[d->to_operand[i]] = array_get_index(idx, batch * nvec + i);
  for (int i = 0; i < d->nbatching && i < d->nindices_batching; i++)
    if (d->indices_batching[i] >= 0 && d->indices_batching[i] < nsc)
      start[d->operand_batching[i]] = sc[d->indices_batching[i]];
  for (int dim = 0, w = 0; dim < op->rank; dim++) {
    bool ins = listed(d->inserted, d->ninserted, dim) || listed(d->operand_batching, d->nbatching, dim);
    wsize[dim] = ins ? 1 : u->dims[d->window[w]];
    off[dim] = ins ? 0 : uc[d->window[w]];
    w += !ins;
  }
  int64_t j = 0;
  for (int dim = 0; dim < op->rank; dim++) {
    int64_t hi = op->dims[dim] - wsize[dim];
    if (clip && hi >= 0) start[dim] = start[dim] < 0 ? 0 : start[dim] > hi ? hi : start[dim];
    if (start[dim] < 0 || start[dim] > hi) return false;
    j = j * op->dims[dim] + start[dim] + off[dim];
  }
  *target = j;
  return true;
}

bool ev_scatter(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *op = in[0], *idx = in[1], *u = in[2];
  ir_scatter_dims d;
  if (!ir_scatter_dims_read(e, &d) || d.nwindow + d.ninserted + d.nbatching != op->rank || idx->rank < 1 ||
      d.nwindow > u->rank || d.ninserted > op->rank || d.nbatching != d.nindices_batching)
    return eval_bug(s, "%s with dimension numbers it cannot use", prims[e->prim].name);
  for (int i = 0; i < d.nbatching; i++)
    if (d.operand_batching[i] < 0 || d.operand_batching[i] >= op->rank) return eval_bug(s, "bad batching dims");
  for (int i = 0; i < d.nwindow; i++)
    if (d.window[i] < 0 || d.window[i] >= u->rank) return eval_bug(s, "bad update_window_dims");
  for (int i = 0; i < d.nto; i++)
    if (d.to_operand[i] < 0 || d.to_operand[i] >= op->rank) return eval_bug(s, "bad scatter dims");
  const char *mode = ir_param_name(e, "mode");
  bool clip = mode && strcmp(mode, "GatherScatterMode.CLIP") == 0;
  tj_array *r = out[0] = eval_copy(s, op);
  if (!r) return false;
  for (int64_t k = 0; k < u->size; k++) {
    int64_t j;
    if (scatter_target(&d, op, idx, u, k, clip, &j)) scatter_combine(e->prim, r, j, u, k);
  }
  return true;
}
