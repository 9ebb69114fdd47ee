/* Eval rule of lax.sort_p: each slice along the dimension is ordered by a
 * stable merge sort of its positions, comparing the first num_keys
 * operands lexicographically as lax.sort's comparator does
 * (jax/_src/lax/lax.py _sort_lt_comparator): floats canonicalized first
 * (_canonicalize_float_for_sort: -0.0 becomes 0.0, every NaN +NaN), then
 * XLA's total order, so NaNs come last and tie with each other; every
 * operand is then permuted by that order. tjit sorts stably whatever
 * is_stable says (a stable order is one XLA may give). */
#include "eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct sort_keys {
  const tj_array *const *keys;
  int nkeys;
  int64_t stride;           /* between neighbours along the dimension */
  int64_t base;             /* the slice's first element */
  bool top;                 /* top_k: descending in XLA's total order, no canonicalization */
} sort_keys;

/* Canonicalized floats in the total order: numbers (-0.0 == 0.0), then
 * NaNs, all equal. */
static int compare_float(double x, double y) {
  if (isnan(x) || isnan(y)) return (int)!!isnan(x) - (int)!!isnan(y);
  return (x > y) - (x < y);
}

/* A float's place in XLA's total order (-NaN < -inf < -0.0 < +0.0 < +inf
 * < +NaN): its bits with the sign flipped, or all flipped when negative. */
static uint64_t total_key(double x) {
  uint64_t b;
  memcpy(&b, &x, sizeof b);
  return b >> 63 ? ~b : b | (UINT64_C(1) << 63);
}

static int compare_top(const tj_array *a, int64_t p, int64_t q) {
  if (dtype_is_float(a->dtype)) {
    uint64_t x = total_key(array_get_f(a, p)), y = total_key(array_get_f(a, q));
    return (x < y) - (x > y);
  }
  int64_t x = array_get_i(a, p), y = array_get_i(a, q);
  return dtype_int_less(a->dtype, x, y) - dtype_int_less(a->dtype, y, x);
}

/* <0, 0, >0 as slice position i orders before, with or after j. */
static int compare_at(const sort_keys *k, int64_t i, int64_t j) {
  for (int n = 0; n < k->nkeys; n++) {
    const tj_array *a = k->keys[n];
    int64_t p = k->base + i * k->stride, q = k->base + j * k->stride;
    int c;
    if (k->top) c = compare_top(a, p, q);
    else if (dtype_is_float(a->dtype)) c = compare_float(array_get_f(a, p), array_get_f(a, q));
    else {
      int64_t x = array_get_i(a, p), y = array_get_i(a, q);
      c = dtype_int_less(a->dtype, y, x) - dtype_int_less(a->dtype, x, y);
    }
    if (c) return c;
  }
  return 0;
}

/* Stable top-down merge sort of perm[0..n) using tmp as scratch. */
static void merge_sort(const sort_keys *k, int64_t *perm, int64_t *tmp, int64_t n) {
  if (n < 2) return;
  int64_t h = n / 2;
  merge_sort(k, perm, tmp, h);
  merge_sort(k, perm + h, tmp, n - h);
  int64_t i = 0, j = h, o = 0;
  while (i < h && j < n) tmp[o++] = compare_at(k, perm[j], perm[i]) < 0 ? perm[j++] : perm[i++];
  while (i < h) tmp[o++] = perm[i++];
  while (j < n) tmp[o++] = perm[j++];
  memcpy(perm, tmp, sizeof *perm * (size_t)n);
}

/* Copies element perm[m] of every operand's slice to the outputs' m. */
static void permute_slice(const ir_eqn *e, const tj_array *const *in, tj_array **out, const sort_keys *k,
                          const int64_t *perm, int64_t n) {
  for (uint32_t o = 0; o < e->nin; o++) {
    int sz = dtype_size(in[o]->dtype);
    for (int64_t m = 0; m < n; m++)
      memcpy((char *)out[o]->data + (k->base + m * k->stride) * sz,
             (const char *)in[o]->data + (k->base + perm[m] * k->stride) * sz, (size_t)sz);
  }
}

bool ev_sort(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *a = in[0];
  int64_t dim = ir_param_int(e, "dimension", -1), nkeys = ir_param_int(e, "num_keys", 0);
  if (dim < 0 || dim >= a->rank || nkeys < 1 || nkeys > (int64_t)e->nin) return eval_bug(s, "sort params");
  for (uint32_t o = 0; o < e->nout; o++)
    if (!(out[o] = eval_new_out(s, e, o))) return eval_free_all(out, o), false;
  int64_t st[TJ_MAX_RANK], n = a->dims[dim], slices = n ? a->size / n : 0;
  eval_strides(a, st);
  int64_t *perm = malloc(sizeof *perm * (size_t)(2 * n + 1));
  if (!perm) return eval_free_all(out, e->nout), eval_fail(s, "out of memory");
  sort_keys k = {.keys = in, .nkeys = (int)nkeys, .stride = st[dim]};
  for (int64_t sl = 0; sl < slices; sl++) {
    k.base = sl / st[dim] * st[dim] * n + sl % st[dim]; /* outer * (n * inner) + inner */
    for (int64_t m = 0; m < n; m++) perm[m] = m;
    merge_sort(&k, perm, perm + n, n);
    permute_slice(e, in, out, &k, perm, n);
  }
  free(perm);
  return true;
}

/* lax.top_k_p: each slice's positions in descending total order (stable:
 * of equal values the lower index first), the first k of them. */
bool ev_top_k(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *a = in[0];
  int64_t axis = ir_param_int(e, "axis", -1), k = ir_param_int(e, "k", -1);
  if (axis < 0 || axis >= a->rank || k < 0 || k > a->dims[axis]) return eval_bug(s, "top_k params");
  for (uint32_t o = 0; o < 2; o++)
    if (!(out[o] = eval_new_out(s, e, o))) return eval_free_all(out, o), false;
  int64_t st[TJ_MAX_RANK], n = a->dims[axis], slices = n ? a->size / n : 0;
  eval_strides(a, st);
  int64_t *perm = malloc(sizeof *perm * (size_t)(2 * n + 1));
  if (!perm) return eval_free_all(out, 2), eval_fail(s, "out of memory");
  sort_keys key = {.keys = in, .nkeys = 1, .stride = st[axis], .top = true};
  int sz = dtype_size(a->dtype);
  for (int64_t sl = 0; sl < slices; sl++) {
    int64_t outer = sl / st[axis], inner = sl % st[axis], ob = outer * k * st[axis] + inner;
    key.base = outer * n * st[axis] + inner;
    for (int64_t m = 0; m < n; m++) perm[m] = m;
    merge_sort(&key, perm, perm + n, n);
    for (int64_t m = 0; m < k; m++) {
      memcpy((char *)out[0]->data + (ob + m * st[axis]) * sz,
             (const char *)a->data + (key.base + perm[m] * st[axis]) * sz, (size_t)sz);
      array_set_i(out[1], ob + m * st[axis], perm[m]);
    }
  }
  free(perm);
  return true;
}
