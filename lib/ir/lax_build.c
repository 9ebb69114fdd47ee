/* lax's Python wrappers over the equation builder (lax_build.h): each
 * follows the function of jax/_src/lax/lax.py (JAX 0.10.2) it is named
 * after, shortcuts included. */
#include "lax_build.h"

#include "ir_build.h"
#include "half.h"
#include "prims.h"

ir_atom lax_bind_n(lax_b *b, int prim, const ir_atom *in, int nin, const ir_param *ps, int np, const tj_aval *hint,
                   int nout, ir_atom *outs) {
  if (b->failed) return ATOM_VAR(0);
  const jvp_target *t = b->t;
  if (*t->neqns >= t->max_eqns) {
    diag_error(t->diags, t->m->src, b->span, "too many equations (limit is %u) in function '%s'", t->max_eqns,
               t->fn_name);
    b->failed = true;
    return ATOM_VAR(0);
  }
  ir_eqn_desc d = {.prim = prim, .in = in, .nin = (uint32_t)nin, .params = ps, .nparams = (uint16_t)np,
                   .nout = (uint32_t)nout, .hint = hint, .span = b->span};
  ir_eqn *e = ir_build(t->m, t->dst, &d, t->diags);
  if (!e) { b->failed = true; return ATOM_VAR(0); }
  (*t->neqns)++;
  for (int i = 0; outs && i < nout; i++) outs[i] = ATOM_VAR(e->out[i]);
  return nout ? ATOM_VAR(e->out[0]) : ATOM_VAR(0);
}

ir_atom lax_bind(lax_b *b, int prim, const ir_atom *in, int nin, const ir_param *ps, int np, const tj_aval *hint) {
  return lax_bind_n(b, prim, in, nin, ps, np, hint, 1, NULL);
}

tj_aval lax_aval(const lax_b *b, ir_atom a) { return ir_atom_aval(b->t->m, a); }

pval *lax_ints(lax_b *b, const int64_t *v, int n, uint64_t np_mask) {
  if (!np_mask) return pv_ints(b->t->m, PV_TUPLE, v, n);
  pval *p = pv_seq(b->t->m, PV_TUPLE, n);
  for (int i = 0; i < n; i++)
    p->items[i] = np_mask >> i & 1 ? pv_np_int64(b->t->m, v[i]) : pv_int(b->t->m, v[i]);
  return p;
}

ir_atom lax_reshape(lax_b *b, ir_atom x, const int64_t *sizes, int rank, const int64_t *perm) {
  tj_aval a = lax_aval(b, x);
  bool same_dims = true, same = a.rank == rank && a.rank > 0;
  for (int i = 0; perm && i < a.rank; i++) same_dims &= perm[i] == i;
  for (int i = 0; same && i < rank; i++) same = a.dims[i] == sizes[i];
  if (same && same_dims) return x;
  ir_module *m = b->t->m;
  ir_param ps[3] = {{"dimensions", same_dims ? pv_none(m) : lax_ints(b, perm, a.rank, 0)},
                    {"new_sizes", lax_ints(b, sizes, rank, 0)},
                    {"sharding", pv_none(m)}};
  return lax_bind(b, P_reshape, &x, 1, ps, 3, NULL);
}

ir_atom lax_transpose(lax_b *b, ir_atom x, const int64_t *perm) {
  tj_aval a = lax_aval(b, x);
  bool identity = true;
  for (int i = 0; i < a.rank; i++) identity &= perm[i] == i;
  if (identity) return x;
  ir_param ps[1] = {{"permutation", lax_ints(b, perm, a.rank, 0)}};
  return lax_bind(b, P_transpose, &x, 1, ps, 1, NULL);
}

ir_atom lax_broadcast_in_dim(lax_b *b, ir_atom x, const int64_t *shape, int rank, const int64_t *dims,
                             uint64_t np_mask) {
  tj_aval a = lax_aval(b, x), out = a;
  out.rank = (uint8_t)rank;
  for (int i = 0; i < rank; i++) out.dims[i] = shape[i];
  if (aval_same_shape(&a, &out)) return x;
  ir_param ps[1] = {{"broadcast_dimensions", lax_ints(b, dims, a.rank, np_mask)}};
  return lax_bind(b, P_broadcast_in_dim, &x, 1, ps, a.rank ? 1 : 0, &out);
}

ir_atom lax_expand_dims(lax_b *b, ir_atom x, const int64_t *dims, int n) {
  tj_aval a = lax_aval(b, x);
  bool inserted[TJ_MAX_RANK] = {0};
  int rank = a.rank + n, nb = 0, k = 0;
  for (int i = 0; i < n; i++) inserted[dims[i] < 0 ? dims[i] + rank : dims[i]] = true;
  int64_t shape[TJ_MAX_RANK], bdims[TJ_MAX_RANK];
  for (int i = 0; i < rank; i++) {
    shape[i] = inserted[i] ? 1 : a.dims[k++];
    if (!inserted[i]) bdims[nb++] = i;
  }
  return lax_broadcast_in_dim(b, x, shape, rank, bdims, 0);
}

ir_atom lax_squeeze(lax_b *b, ir_atom x, const int64_t *dims, int n) {
  if (n == 0) return x;
  ir_param ps[1] = {{"dimensions", lax_ints(b, dims, n, 0)}};
  return lax_bind(b, P_squeeze, &x, 1, ps, 1, NULL);
}

ir_atom lax_moveaxis(lax_b *b, ir_atom x, int src, int dst) {
  if (src == dst) return x;
  tj_aval a = lax_aval(b, x);
  int64_t perm[TJ_MAX_RANK];
  int n = 0;
  for (int i = 0; i < a.rank; i++)
    if (i != src) perm[n++] = i;
  for (int i = a.rank - 1; i > dst; i--) perm[i] = perm[i - 1]; /* perm.insert(dst, src) */
  perm[dst] = src;
  return lax_transpose(b, x, perm);
}

static ir_atom broadcast_axis(lax_b *b, ir_atom x, int64_t sz, int axis, uint64_t np_mask) {
  tj_aval a = lax_aval(b, x);
  int64_t shape[TJ_MAX_RANK], dims[TJ_MAX_RANK];
  int k = 0;
  for (int i = 0; i <= a.rank; i++) {
    shape[i] = i == axis ? sz : a.dims[k++];
    if (i != axis) dims[i - (i > axis)] = i;
  }
  return lax_broadcast_in_dim(b, x, shape, a.rank + 1, dims, np_mask);
}

ir_atom lax_broadcast_axis(lax_b *b, ir_atom x, int64_t sz, int axis) { return broadcast_axis(b, x, sz, axis, ~0ull); }

ir_atom lax_broadcast_lead(lax_b *b, ir_atom x, int64_t sz) { return broadcast_axis(b, x, sz, 0, 0); }

ir_atom lax_lit(lax_b *b, tj_dtype dt, bool weak, double v) {
  ir_lit l = {.dtype = dt, .weak = weak};
  if (dtype_is_float(dt)) l.f = tj_round_to_float(dt, v);
  else l.i = (int64_t)v;
  return ir_new_lit(b->t->m, &l);
}

ir_atom lax_full(lax_b *b, const tj_aval *a, double v) {
  ir_atom s = lax_lit(b, a->dtype, a->weak, v);
  return a->rank == 0 ? s : lax_bind(b, P_broadcast_in_dim, &s, 1, NULL, 0, a);
}

ir_atom lax_full_like(lax_b *b, ir_atom x, double v) {
  tj_aval a = lax_aval(b, x);
  return lax_full(b, &a, v);
}

ir_atom lax_reduce_sum(lax_b *b, ir_atom x, const int64_t *axes, int n, uint64_t np_mask) {
  ir_param ps[2] = {{"axes", lax_ints(b, axes, n, np_mask)}, {"out_sharding", pv_none(b->t->m)}};
  return lax_bind(b, P_reduce_sum, &x, 1, ps, 2, NULL);
}

ir_atom lax_gather(lax_b *b, ir_atom x, ir_atom idx, pval *dnums, const int64_t *sizes, int n, bool sorted,
                   bool unique, pval *mode, pval *fill) {
  ir_module *m = b->t->m;
  ir_atom in[2] = {x, idx};
  ir_param ps[6] = {{"dimension_numbers", dnums},
                    {"fill_value", fill},
                    {"indices_are_sorted", pv_bool(m, sorted)},
                    {"mode", mode},
                    {"slice_sizes", lax_ints(b, sizes, n, 0)},
                    {"unique_indices", pv_bool(m, unique)}};
  return lax_bind(b, P_gather, in, 2, ps, 6, NULL);
}
