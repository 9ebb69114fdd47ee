/* Eval rule of lax.linalg.svd_p: each matrix of the batch through
 * jacobi_svd (lib/base/svd_jacobi.c) in double, the results rounded to the
 * operand's dtype. XLA's CPU backend calls LAPACK's gesdd instead: the
 * singular values agree to rounding, the vectors up to the sign of each
 * pair (and any basis of a repeated singular value's space).
 * subset_by_index=(lo, hi) keeps the values lo..hi-1 (descending) and
 * their vectors, sliced from the reduced decomposition (JAX's CPU lowering
 * refuses a partial subset; lax.linalg.svd's docstring: the values and vectors of that range of indices). */
#include "eval.h"
#include "svd_jacobi.h"

#include <stdlib.h>

/* The matrix at offset base of a, as doubles. */
static void load_matrix(const tj_array *a, int64_t base, int64_t size, double *x) {
  for (int64_t i = 0; i < size; i++) x[i] = array_get_f(a, base + i);
}

static void store(tj_array *o, int64_t base, const double *x, int64_t size) {
  for (int64_t i = 0; i < size; i++) array_set_f(o, base + i, x[i]);
}

bool ev_svd(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *a = in[0];
  bool uv = ir_param_bool(e, "compute_uv", true), full = ir_param_bool(e, "full_matrices", true);
  if (a->rank < 2 || e->nout != (uv ? 3u : 1u)) return eval_bug(s, "svd params");
  for (uint32_t o = 0; o < e->nout; o++)
    if (!(out[o] = eval_new_out(s, e, o))) return eval_free_all(out, o), false;
  int64_t m = a->dims[a->rank - 2], n = a->dims[a->rank - 1], k = m < n ? m : n, mat = m * n, lo, hi;
  if (!svd_subset(e, k, &lo, &hi)) return eval_free_all(out, e->nout), eval_bug(s, "svd's subset_by_index");
  int64_t batch = 1;
  for (int d = 0; d < a->rank - 2; d++) batch *= a->dims[d];
  int64_t usz = uv ? m * (full ? m : k) : 0, vsz = uv ? n * (full ? n : k) : 0;
  size_t need = (size_t)(mat + k + usz + vsz + jacobi_svd_work(m, n));
  double *buf = malloc(sizeof *buf * (need ? need : 1));
  if (!buf) return eval_free_all(out, e->nout), eval_fail(s, "out of memory");
  double *x = buf, *sv = x + mat, *u = sv + k, *vt = u + usz, *work = vt + vsz;
  int64_t uc = full ? m : k, d = hi - lo, ou = full ? m : d, ov = full ? n : d; /* the subset kept */
  for (int64_t b = 0; b < batch; b++) {
    load_matrix(a, b * mat, mat, x);
    jacobi_svd(x, (long)m, (long)n, full, uv, sv, u, vt, work);
    store(out[0], b * d, sv + lo, d);
    if (!uv) continue;
    for (int64_t r = 0; r < m; r++) store(out[1], (b * m + r) * ou, u + r * uc + lo, ou);
    store(out[2], b * ov * n, vt + lo * n, ov * n);
  }
  free(buf);
  return true;
}
