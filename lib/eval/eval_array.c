/* Eval rules of the array primitives: reductions (each output combines its
 * elements in row-major order, accumulating in the output dtype: float32
 * sums round at every step, as a plain C loop does, and as the compiled
 * code's reduce_rt.c does over any block of axes; float sums and products
 * of trailing rows of 64 or more in lane_fold.h's lanes, the compiled
 * kernels' order; f16/bf16 sums pairwise over leaves of 128, as numpy's),
 * argmax/argmin (first extreme; the first NaN wins, as
 * jax's _argminmax comparator picks NaN), dot_general (accumulates in the
 * output dtype, contracting dimensions in row-major order), and the shape
 * manipulations, which only move elements. */
#include "half.h"
#include "eval.h"
#include "lane_fold.h"

#include <math.h>
#include <string.h>

static void unravel(int64_t i, const tj_array *a, int64_t *c) {
  for (int d = a->rank - 1; d >= 0; d--) c[d] = i % a->dims[d], i /= a->dims[d];
}

static bool in_list(const int64_t *v, int n, int64_t x) {
  for (int i = 0; i < n; i++)
    if (v[i] == x) return true;
  return false;
}

/* Output flat index of input coords c with the listed axes dropped. */
static int64_t drop_axes_index(const tj_array *a, const int64_t *c, const int64_t *axes, int naxes) {
  int64_t o = 0;
  for (int d = 0; d < a->rank; d++)
    if (!in_list(axes, naxes, d)) o = o * a->dims[d] + c[d];
  return o;
}

static void reduce_init(int prim, tj_array *r) {
  bool fl = dtype_is_float(r->dtype);
  int bits = 8 * dtype_size(r->dtype);
  bool sgn = dtype_kindof(r->dtype) == DK_SIGNED;
  for (int64_t i = 0; i < r->size; i++) {
    if (prim == P_reduce_prod) array_set_i(r, i, 1);
    else if (prim == P_reduce_and) array_set_i(r, i, r->dtype == DT_BOOL ? 1 : sgn || bits == 64 ? -1 : (int64_t)((1ull << bits) - 1));
    else if (prim == P_reduce_or) array_set_i(r, i, 0);
    else if (prim == P_reduce_max && fl) array_set_f(r, i, -INFINITY);
    else if (prim == P_reduce_min && fl) array_set_f(r, i, INFINITY);
    else if (prim == P_reduce_max) array_set_i(r, i, r->dtype == DT_BOOL ? 0 : sgn ? (int64_t)(~0ull << (bits - 1)) : 0);
    else if (prim == P_reduce_min) /* u64's all ones as -1: 1 << 64 is undefined */
      array_set_i(r, i, r->dtype == DT_BOOL ? 1 : sgn ? (int64_t)(~(~0ull << (bits - 1))) : bits == 64 ? -1
                                                                         : (int64_t)((1ull << bits) - 1));
  }
}

/* The elements one output of a reduction combines, in row-major order of
 * the reduced coordinates: element k is at base + sum(c_d * stride_d). */
typedef struct reduced_walk {
  const tj_array *a;
  int64_t base;
  int n;
  int64_t dims[TJ_MAX_RANK], strides[TJ_MAX_RANK];
} reduced_walk;

static double walk_get(const reduced_walk *w, int64_t k) {
  int64_t idx = w->base;
  for (int d = w->n - 1; d >= 0; d--) idx += k % w->dims[d] * w->strides[d], k /= w->dims[d];
  return array_get_f(w->a, idx);
}

static double round_to(tj_dtype t, double x) { return tj_round_to_float(t, x); }

/* Pairwise summation: sequential over up to 128 elements (short sums are a
 * plain loop's, bit for bit), halves added above that, so the error grows
 * with log n rather than n (a float32 running sum of 50M values in [0, 1)
 * stops at 2^24). */
static double pairwise_sum(const reduced_walk *w, int64_t lo, int64_t hi, tj_dtype t) {
  if (hi - lo <= 128) {
    double acc = 0;
    for (int64_t k = lo; k < hi; k++) acc = round_to(t, acc + walk_get(w, k));
    return acc;
  }
  int64_t mid = lo + (hi - lo) / 2;
  return round_to(t, pairwise_sum(w, lo, mid, t) + pairwise_sum(w, mid, hi, t));
}

#define ADD(acc, x) ((acc) += (x))
#define MUL(acc, x) ((acc) *= (x))
#define LANE_FN(name, T, id, STEP) \
  static T name(const T *a, long n) { \
    TJ_LANE_FOLD(T, id, STEP) \
    return acc[0]; \
  }
LANE_FN(lane_sum_f32, float, 0, ADD)
LANE_FN(lane_sum_f64, double, 0, ADD)
LANE_FN(lane_prod_f32, float, 1, MUL)
LANE_FN(lane_prod_f64, double, 1, MUL)

/* Whether the reduced axes are the trailing naxes of a. */
static bool axes_trailing(const tj_array *a, const int64_t *axes, int naxes) {
  for (int d = 0; d < naxes; d++)
    if (!in_list(axes, naxes, a->rank - 1 - d)) return false;
  return true;
}

/* The float sums and products the compiled code reduces in lane_fold.h's
 * order, the same bits here: trailing rows of TJ_LANE_FOLD_MIN or more
 * (cg_reduce.c's reduce_rows, the kernels' rsum and rprod). False for the
 * others, which both combine in row-major order. */
static bool folds_as_compiled(int prim, const tj_array *a, const int64_t *axes, int naxes, tj_array *r) {
  if (a->dtype != DT_F32 && a->dtype != DT_F64) return false;
  int64_t n = r->size ? a->size / r->size : 0;
  if (n < TJ_LANE_FOLD_MIN || !axes_trailing(a, axes, naxes)) return false;
  bool sum = prim == P_reduce_sum;
  for (int64_t o = 0; o < r->size; o++)
    if (a->dtype == DT_F32) {
      const float *row = (const float *)a->data + o * n;
      ((float *)r->data)[o] = sum ? lane_sum_f32(row, (long)n) : lane_prod_f32(row, (long)n);
    } else {
      const double *row = (const double *)a->data + o * n;
      ((double *)r->data)[o] = sum ? lane_sum_f64(row, (long)n) : lane_prod_f64(row, (long)n);
    }
  return true;
}

/* f16 and bf16 sums (the compiled code's half_rt.c runs the same). */
static void pairwise_sums(const tj_array *a, const int64_t *axes, int naxes, tj_array *r) {
  reduced_walk w = {.a = a};
  int64_t strides[TJ_MAX_RANK], n = 1, stride = 1;
  for (int d = a->rank - 1; d >= 0; d--) strides[d] = stride, stride *= a->dims[d];
  for (int d = 0; d < a->rank; d++)
    if (in_list(axes, naxes, d)) w.dims[w.n] = a->dims[d], w.strides[w.n++] = strides[d], n *= a->dims[d];
  for (int64_t o = 0; o < r->size; o++) {
    int64_t rest = o;
    w.base = 0;
    for (int d = a->rank - 1; d >= 0; d--)
      if (!in_list(axes, naxes, d)) w.base += rest % a->dims[d] * strides[d], rest /= a->dims[d];
    array_set_f(r, o, pairwise_sum(&w, 0, n, r->dtype));
  }
}

bool ev_reduce(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *a = in[0];
  int64_t axes[TJ_MAX_RANK], c[TJ_MAX_RANK];
  int naxes = ir_param_ints(e, "axes", axes, TJ_MAX_RANK);
  if (naxes < 0) return eval_bug(s, "%s without axes", prims[e->prim].name);
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  bool fl = dtype_is_float(a->dtype);
  if (fl && (e->prim == P_reduce_sum || e->prim == P_reduce_prod) && folds_as_compiled(e->prim, a, axes, naxes, r))
    return true;
  if (dtype_is_half(a->dtype) && e->prim == P_reduce_sum) {
    pairwise_sums(a, axes, naxes, r);
    return true;
  }
  reduce_init(e->prim, r);
  for (int64_t i = 0; i < a->size; i++) {
    unravel(i, a, c);
    int64_t o = drop_axes_index(a, c, axes, naxes);
    if (fl) {
      double acc = array_get_f(r, o), x = array_get_f(a, i);
      acc = e->prim == P_reduce_sum ? acc + x : e->prim == P_reduce_prod ? acc * x
          : e->prim == P_reduce_max ? (acc != acc ? acc : x != x || x > acc ? x : acc)
                                    : (acc != acc ? acc : x != x || x < acc ? x : acc);
      array_set_f(r, o, acc);
    } else {
      int64_t acc = array_get_i(r, o), x = array_get_i(a, i);
      acc = e->prim == P_reduce_sum ? (int64_t)((uint64_t)acc + (uint64_t)x)
          : e->prim == P_reduce_prod ? (int64_t)((uint64_t)acc * (uint64_t)x)
          : e->prim == P_reduce_or ? acc | x : e->prim == P_reduce_and ? acc & x
          : e->prim == P_reduce_max ? (dtype_int_less(a->dtype, acc, x) ? x : acc)
                                    : (dtype_int_less(a->dtype, x, acc) ? x : acc);
      array_set_i(r, o, acc);
    }
  }
  return true;
}

/* Whether x replaces best as the extreme so far (ties keep the first). */
static bool better(int prim, double x, double best) {
  if (best != best) return false;
  if (x != x) return true;
  return prim == P_argmax ? x > best : x < best;
}

bool ev_argminmax(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *a = in[0];
  int64_t axis, c[TJ_MAX_RANK], st[TJ_MAX_RANK];
  if (ir_param_ints(e, "axes", &axis, 1) != 1 || axis < 0 || axis >= a->rank)
    return eval_bug(s, "%s without its axis", prims[e->prim].name);
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  eval_strides(a, st);
  bool fl = dtype_is_float(a->dtype);
  for (int64_t i = 0; i < a->size; i++) {
    unravel(i, a, c);
    if (c[axis] != 0) continue;
    int64_t best = 0, o = drop_axes_index(a, c, &axis, 1);
    for (int64_t k = 1; k < a->dims[axis]; k++) {
      int64_t j = i + k * st[axis], b = i + best * st[axis];
      bool take = fl ? better(e->prim, array_get_f(a, j), array_get_f(a, b))
                     : e->prim == P_argmax ? dtype_int_less(a->dtype, array_get_i(a, b), array_get_i(a, j))
                                           : dtype_int_less(a->dtype, array_get_i(a, j), array_get_i(a, b));
      if (take) best = k;
    }
    array_set_i(r, o, best);
  }
  return true;
}


/* Free (neither batch nor contracting) dimensions of an operand, in order. */
static int free_dims(const tj_array *a, const int64_t *used, int n, int64_t *out) {
  int k = 0;
  for (int d = 0; d < a->rank; d++)
    if (!in_list(used, n, d)) out[k++] = d;
  return k;
}

/* Accumulates one output element of dot_general over the contracting
 * coordinates (row-major), in r's dtype. */
static void dot_one(const tj_array *l, const tj_array *rt, tj_array *r, int64_t o, int64_t *lco, int64_t *rco,
                    const ir_dot_dims *d) {
  int64_t lst[TJ_MAX_RANK], rst[TJ_MAX_RANK], n = 1, k[TJ_MAX_RANK];
  eval_strides(l, lst), eval_strides(rt, rst);
  for (int i = 0; i < d->nlc; i++) n *= l->dims[d->lc[i]];
  /* f16, bf16 accumulate in f32 too (XLA's CPU computes them in f32) */
  bool fl = dtype_is_float(r->dtype), f32 = r->dtype == DT_F32 || dtype_is_half(r->dtype);
  double acc = 0;
  uint64_t iacc = 0;
  for (int64_t t = 0; t < n; t++) {
    int64_t rest = t;
    for (int i = d->nlc - 1; i >= 0; i--) k[i] = rest % l->dims[d->lc[i]], rest /= l->dims[d->lc[i]];
    for (int i = 0; i < d->nlc; i++) lco[d->lc[i]] = k[i], rco[d->rc[i]] = k[i];
    int64_t li = 0, ri = 0;
    for (int x = 0; x < l->rank; x++) li += lco[x] * lst[x];
    for (int x = 0; x < rt->rank; x++) ri += rco[x] * rst[x];
    if (fl) {
      double a = array_get_f(l, li), b = array_get_f(rt, ri);
      if (f32) a = (float)a, b = (float)b, acc = (float)(acc + (float)(a * b));
      else acc += a * b;
    } else
      iacc += (uint64_t)array_get_i(l, li) * (uint64_t)array_get_i(rt, ri);
  }
  if (fl) array_set_f(r, o, acc);
  else array_set_i(r, o, (int64_t)iacc);
}

bool ev_dot_general(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *l = in[0], *rt = in[1];
  ir_dot_dims d;
  if (!ir_dot_dims_read(e, &d) || d.nlc != d.nrc || d.nlb != d.nrb)
    return eval_bug(s, "dot_general without dimension_numbers");
  int64_t lfree[TJ_MAX_RANK], rfree[TJ_MAX_RANK], both_l[2 * TJ_MAX_RANK], both_r[2 * TJ_MAX_RANK];
  memcpy(both_l, d.lc, sizeof d.lc[0] * d.nlc), memcpy(both_l + d.nlc, d.lb, sizeof d.lb[0] * d.nlb);
  memcpy(both_r, d.rc, sizeof d.rc[0] * d.nlc), memcpy(both_r + d.nlc, d.rb, sizeof d.rb[0] * d.nlb);
  int nlf = free_dims(l, both_l, d.nlc + d.nlb, lfree), nrf = free_dims(rt, both_r, d.nlc + d.nlb, rfree);
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  int64_t c[TJ_MAX_RANK], lco[TJ_MAX_RANK] = {0}, rco[TJ_MAX_RANK] = {0};
  for (int64_t o = 0; o < r->size; o++) {
    unravel(o, r, c); /* output dims: batch, lhs free, rhs free */
    for (int i = 0; i < d.nlb; i++) lco[d.lb[i]] = c[i], rco[d.rb[i]] = c[i];
    for (int i = 0; i < nlf; i++) lco[lfree[i]] = c[d.nlb + i];
    for (int i = 0; i < nrf; i++) rco[rfree[i]] = c[d.nlb + nlf + i];
    dot_one(l, rt, r, o, lco, rco, &d);
  }
  return true;
}

/* One step of a cumulative reduction: XLA's add/mul/max/min. Floats are
 * combined in double and rounded to the dtype by the store, which is the
 * dtype's own correctly rounded add or multiply (double holds the exact
 * result of two f32 operands), so the C loop agrees bit for bit; max and
 * min propagate NaN as lax.max/min do. Integers wrap (unsigned math). */
static double cumred_f(int prim, double acc, double x) {
  switch (prim) {
  case P_cumsum: return acc + x;
  case P_cumprod: return acc * x;
  case P_cummax: return acc != acc || acc > x ? acc : x;
  default: return acc != acc || acc < x ? acc : x;
  }
}

static int64_t cumred_i(int prim, tj_dtype t, int64_t acc, int64_t x) {
  switch (prim) {
  case P_cumsum: return (int64_t)((uint64_t)acc + (uint64_t)x);
  case P_cumprod: return (int64_t)((uint64_t)acc * (uint64_t)x);
  case P_cummax: return dtype_int_less(t, x, acc) ? acc : x;
  default: return dtype_int_less(t, acc, x) ? acc : x;
  }
}

/* cumsum/cumprod/cummax/cummin[axis reverse]: element k along the axis
 * combines elements 0..k in order (k..n-1 from the end when reverse). */
bool ev_cumred(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *a = in[0];
  int64_t axis = ir_param_int(e, "axis", -1), outer = 1, inner = 1;
  bool reverse = ir_param_bool(e, "reverse", false), fl = dtype_is_float(a->dtype);
  if (axis < 0 || axis >= a->rank) return eval_bug(s, "%s without its axis", prims[e->prim].name);
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  for (int d = 0; d < axis; d++) outer *= a->dims[d];
  for (int d = (int)axis + 1; d < a->rank; d++) inner *= a->dims[d];
  int64_t n = a->dims[axis];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++)
      for (int64_t step = 0; step < n; step++) {
        int64_t k = reverse ? n - 1 - step : step, j = (o * n + k) * inner + i, prev = j + (reverse ? inner : -inner);
        if (fl) array_set_f(r, j, step ? cumred_f(e->prim, array_get_f(r, prev), array_get_f(a, j)) : array_get_f(a, j));
        else array_set_i(r, j, step ? cumred_i(e->prim, a->dtype, array_get_i(r, prev), array_get_i(a, j)) : array_get_i(a, j));
      }
  return true;
}
