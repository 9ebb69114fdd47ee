/* Forward-mode autodiff of the linear algebra primitives: svd
 * (jax/_src/lax/linalg.py _svd_jvp_rule, JAX 0.10.2).
 *
 * JAX writes that rule with jnp and lax helpers; each helper below appends
 * what the helper records under make_jaxpr, in the order the rule calls it
 * (Python evaluates an operator's left operand first, and each helper's
 * own arguments before it):
 *   _T(x)       lax.transpose swapping the last two axes
 *   _H(x)       _T(x).conj(): nothing more for a real x (ufuncs.conjugate
 *               returns lax.asarray(x)); x.real is likewise nothing
 *   x @ y       jnp.matmul (tensor_contractions.py), inlined: squeeze of
 *               the size-1 batch axes, dot_general with
 *               precision=(HIGHEST, HIGHEST) (the rule runs under
 *               config.default_matmul_precision("float32"), which
 *               canonicalize_precision reads) and preferred_element_type,
 *               then expand_dims of the squeezed axes; its transpose is the
 *               identity here (recorded by nothing)
 *   x.astype(x.dtype)  nothing (lax._convert_element_type returns x)
 *   s[..., None, :]    broadcast_in_dim inserting the axis
 *   _extract_diagonal / _construct_diagonal: jnp indexing x[..., i, i]
 *               with i = lax.iota: each index normalized (lt, add,
 *               select_n), made a column (broadcast_in_dim), the two
 *               concatenated, then gather (PROMISE_IN_BOUNDS) or scatter
 *               (.at[].set, FILL_OR_DROP)
 *   lax._eye    broadcasted_iota, add of np.int32(0), broadcasted_iota,
 *               eq, convert_element_type
 * tjit has no complex dtypes, so only the real case is written. */
#include <stdlib.h>
#include <string.h>

#include "ir_build.h"
#include "jvp_rules.h"
#include "prims.h"
#include "util.h"

static ir_module *mod(jq *q) { return q->b.t->m; }

static ir_atom bin(jq *q, int prim, ir_atom a, ir_atom b) { return jvp_bin(q, prim, a, b); }

/* A Python scalar operand of jnp arithmetic on x: weakly typed in x's
 * dtype (printed 1.0:f32[]). */
static ir_atom py_scalar(jq *q, ir_atom x, double v) { return jvp_lit(q, jvp_aval_of(q, x).dtype, true, v); }

/* _T: lax.transpose(x, (*range(ndim - 2), ndim - 1, ndim - 2)). */
static ir_atom swap_last(jq *q, ir_atom x) {
  tj_aval a = jvp_aval_of(q, x);
  int64_t perm[TJ_MAX_RANK];
  for (int i = 0; i < a.rank; i++) perm[i] = i;
  perm[a.rank - 1] = a.rank - 2, perm[a.rank - 2] = a.rank - 1;
  ir_param p[1] = {{"permutation", pv_ints(mod(q), PV_TUPLE, perm, a.rank)}};
  return jvp_build(q, P_transpose, &x, 1, p, 1, NULL);
}

/* lax.broadcast_in_dim(x, shape of a, dims) (expand_dims, s[..., None, :]). */
static ir_atom bcast(jq *q, ir_atom x, const tj_aval *a, const int64_t *dims, int n) {
  ir_param p[1] = {{"broadcast_dimensions", pv_ints(mod(q), PV_TUPLE, dims, n)}};
  return jvp_build(q, P_broadcast_in_dim, &x, 1, p, n ? 1 : 0, a);
}

/* x @ y for operands with the same batch axes (all the rule multiplies):
 * jnp.matmul's squeeze of the batch axes of size 1 in both, dot_general
 * over the rest, expand_dims back. */
static ir_atom matmul(jq *q, ir_atom x, ir_atom y) {
  ir_module *m = mod(q);
  tj_aval xa = jvp_aval_of(q, x), ya = jvp_aval_of(q, y);
  int nb = xa.rank - 2, nkept = 0, nsq = 0;
  int64_t squeezed[TJ_MAX_RANK], kept[TJ_MAX_RANK];
  for (int i = 0; i < nb; i++) {
    if (xa.dims[i] == 1) squeezed[nsq++] = i;
    else kept[nkept++] = i;
  }
  if (nsq) {
    ir_param p[1] = {{"dimensions", pv_ints(m, PV_TUPLE, squeezed, nsq)}};
    x = jvp_build(q, P_squeeze, &x, 1, p, 1, NULL);
    y = jvp_build(q, P_squeeze, &y, 1, p, 1, NULL);
  }
  ir_dot_dims d = {.nlc = 1, .nrc = 1, .nlb = nkept, .nrb = nkept};
  d.lc[0] = nkept + 1, d.rc[0] = nkept;
  for (int i = 0; i < nkept; i++) d.lb[i] = d.rb[i] = i;
  ir_param ps[3] = {{"dimension_numbers", ir_dot_dims_new(m, &d)},
                    {"precision", pv_name(m, "(Precision.HIGHEST, Precision.HIGHEST)")},
                    {"preferred_element_type", pv_dtype(m, xa.dtype)}};
  ir_atom in[2] = {x, y};
  ir_atom r = jvp_build(q, P_dot_general, in, 2, ps, 3, NULL);
  if (!nsq) return r;
  tj_aval ra = xa;
  ra.dims[xa.rank - 1] = ya.dims[ya.rank - 1];
  int64_t dims[TJ_MAX_RANK];
  int nd = 0;
  for (int i = 0; i < nkept; i++) dims[nd++] = kept[i];
  dims[nd++] = nb, dims[nd++] = nb + 1;
  return bcast(q, r, &ra, dims, nd);
}

/* lax.iota / broadcasted_iota(int32, shape, dimension). */
static ir_atom iota(jq *q, const int64_t *shape, int rank, int dimension) {
  ir_module *m = mod(q);
  ir_param p[4] = {{"dimension", pv_int(m, dimension)}, {"dtype", pv_dtype(m, DT_I32)},
                   {"shape", pv_ints(m, PV_TUPLE, shape, rank)}, {"sharding", pv_none(m)}};
  return jvp_build(q, P_iota, NULL, 0, p, 4, NULL);
}

/* The gather/scatter indices of x[..., i, i] (indexing.py): each i
 * normalized (select_n of lt i 0, i + n), made a column, concatenated. */
static ir_atom diag_indices(jq *q, ir_atom i, int64_t k) {
  ir_atom col[2];
  tj_aval ca = jvp_aval_of(q, i);
  ca.dims[ca.rank++] = 1;
  ir_atom norm[2];
  for (int j = 0; j < 2; j++) {
    ir_atom neg = bin(q, P_lt, i, jvp_lit(q, DT_I32, false, 0));
    ir_atom wrapped = bin(q, P_add, i, jvp_lit(q, DT_I32, false, (double)k));
    ir_atom in[3] = {neg, i, wrapped};
    norm[j] = jvp_build(q, P_select_n, in, 3, NULL, 0, NULL);
  }
  int64_t d0[1] = {0};
  for (int j = 0; j < 2; j++) col[j] = bcast(q, norm[j], &ca, d0, 1);
  ir_param p[1] = {{"dimension", pv_int(mod(q), 1)}};
  return jvp_build(q, P_concatenate, col, 2, p, 1, NULL);
}

/* _extract_diagonal(x): x[..., i, i] with i = iota(min of the last two). */
static ir_atom extract_diagonal(jq *q, ir_atom x) {
  ir_module *m = mod(q);
  tj_aval a = jvp_aval_of(q, x);
  int nb = a.rank - 2;
  int64_t k = a.dims[nb] < a.dims[nb + 1] ? a.dims[nb] : a.dims[nb + 1];
  ir_atom idx = diag_indices(q, iota(q, &k, 1, 0), k);
  ir_gather_dims d = {.noffset = nb, .ncollapsed = 2, .nstart_map = 2};
  int64_t sizes[TJ_MAX_RANK];
  for (int i = 0; i < nb; i++) d.offset[i] = i, sizes[i] = a.dims[i];
  d.collapsed[0] = d.start_map[0] = nb, d.collapsed[1] = d.start_map[1] = nb + 1;
  sizes[nb] = sizes[nb + 1] = 1;
  return lax_gather(&q->b, x, idx, ir_gather_dims_new(m, &d), sizes, a.rank, false, false,
                    pv_name(m, "GatherScatterMode.PROMISE_IN_BOUNDS"), pv_none(m));
}

/* _construct_diagonal(s): i = iota first, then
 * lax.full((*s.shape, k), 0).at[..., i, i].set(s). */
static ir_atom construct_diagonal(jq *q, ir_atom s) {
  ir_module *m = mod(q);
  tj_aval sa = jvp_aval_of(q, s), fa = sa;
  int64_t k = sa.dims[sa.rank - 1];
  ir_atom i = iota(q, &k, 1, 0);
  fa.dims[fa.rank++] = k;
  fa.weak = false;
  ir_atom zero = jvp_lit(q, sa.dtype, false, 0);
  ir_atom full = jvp_build(q, P_broadcast_in_dim, &zero, 1, NULL, 0, &fa);
  ir_atom idx = diag_indices(q, i, k);
  int nb = sa.rank - 1;
  ir_scatter_dims d = {.nwindow = nb, .ninserted = 2, .nto = 2};
  for (int j = 0; j < nb; j++) d.window[j] = j;
  d.inserted[0] = d.to_operand[0] = nb, d.inserted[1] = d.to_operand[1] = nb + 1;
  ir_param ps[6] = {{"dimension_numbers", ir_scatter_dims_new(m, &d)},
                    {"indices_are_sorted", pv_bool(m, false)},
                    {"mode", pv_name(m, "GatherScatterMode.FILL_OR_DROP")},
                    {"unique_indices", pv_bool(m, false)},
                    {"update_consts", pv_seq(m, PV_TUPLE, 0)},
                    {"update_jaxpr", pv_none(m)}};
  ir_atom in[3] = {full, idx, s};
  return jvp_build(q, P_scatter, in, 3, ps, 6, NULL);
}

/* lax._eye(dtype, (k, k)) expanded by lax.expand_dims(_, range(nb)): a
 * broadcast_in_dim even for nb = 0 (its dimensions are not empty, so
 * broadcast_in_dim does not return its operand). */
static ir_atom expanded_eye(jq *q, tj_dtype dt, int64_t k, int nb) {
  int64_t shape[2] = {k, k};
  ir_atom rows = bin(q, P_add, iota(q, shape, 2, 0), jvp_lit(q, DT_I32, false, 0));
  ir_atom eq = bin(q, P_eq, rows, iota(q, shape, 2, 1));
  ir_param cp[2] = {{"new_dtype", pv_dtype(mod(q), dt)}, {"weak_type", pv_bool(mod(q), false)}};
  ir_atom eye = jvp_build(q, P_convert_element_type, &eq, 1, cp, 2, NULL);
  tj_aval ea = {.dtype = dt, .rank = nb + 2};
  int64_t dims[2] = {nb, nb + 1};
  for (int i = 0; i < nb; i++) ea.dims[i] = 1;
  ea.dims[nb] = ea.dims[nb + 1] = k;
  return bcast(q, eye, &ea, dims, 2);
}

/* 1 / (x + z) - z: the rule's guarded reciprocal (F, s_inv). */
static ir_atom guarded_reciprocal(jq *q, ir_atom x, ir_atom z) {
  ir_atom r = bin(q, P_div, py_scalar(q, x, 1), bin(q, P_add, x, z));
  return bin(q, P_sub, r, z);
}

/* (x + _H(x)) */
static ir_atom plus_h(jq *q, ir_atom x) { return bin(q, P_add, x, swap_last(q, x)); }

/* The primal svd_p.bind(A, full_matrices=False, compute_uv=True, ...),
 * its three outputs to out. */
static void full_svd(jq *q, ir_atom out[3]) {
  const ir_eqn *e = q->e;
  ir_module *m = mod(q);
  ir_param *ps = malloc(sizeof *ps * (e->nparams ? e->nparams : 1));
  if (!ps) TJ_OOM();
  for (uint16_t i = 0; i < e->nparams; i++) {
    ps[i] = e->params[i];
    if (strcmp(ps[i].key, "full_matrices") == 0) ps[i].val = pv_bool(m, false);
    if (strcmp(ps[i].key, "compute_uv") == 0) ps[i].val = pv_bool(m, true);
  }
  jvp_build_n(q, P_svd, q->p, 1, ps, e->nparams, NULL, 3, out);
  free(ps);
}

void jvp_svd(jq *q) {
  const ir_eqn *e = q->e;
  ir_atom A = q->p[0], dA = q->dt[0], sv[3];
  full_svd(q, sv);
  if (q->b.failed) return;
  ir_atom s = sv[0], U = sv[1], Vt = sv[2];
  tj_aval aa = jvp_aval_of(q, A);
  int nb = aa.rank - 2;
  int64_t m = aa.dims[nb], n = aa.dims[nb + 1];
  bool compute_uv = ir_param_bool(e, "compute_uv", true);
  if (compute_uv && ir_param_bool(e, "full_matrices", true) && m != n) {
    q->b.failed = !diag_error(q->b.t->diags, q->b.t->m->src, e->span,
                            "NotImplementedError: Singular value decomposition JVP not implemented for full matrices");
    return;
  }
  ir_atom Ut = swap_last(q, U), V = swap_last(q, Vt);
  tj_aval sa = jvp_aval_of(q, s), da = sa;
  int64_t k = sa.dims[sa.rank - 1], sdims[TJ_MAX_RANK];
  for (int i = 0; i < nb; i++) sdims[i] = i;
  sdims[nb] = nb + 1;
  da.dims[nb] = 1, da.dims[nb + 1] = k, da.rank = nb + 2;
  ir_atom s_dim = bcast(q, s, &da, sdims, nb + 1);
  ir_atom dS = matmul(q, matmul(q, Ut, dA), V);
  ir_atom ds = extract_diagonal(q, dS);
  if (!compute_uv) {
    q->po[0] = s, q->to[0] = ds;
    return;
  }
  ir_atom sum = bin(q, P_add, s_dim, swap_last(q, s_dim));
  ir_atom s_diffs = bin(q, P_mul, sum, bin(q, P_sub, s_dim, swap_last(q, s_dim)));
  ir_atom s_diffs_zeros = expanded_eye(q, sa.dtype, k, nb);
  ir_atom F = guarded_reciprocal(q, s_diffs, s_diffs_zeros);
  ir_atom dSS = bin(q, P_mul, s_dim, dS);
  ir_atom SdS = bin(q, P_mul, swap_last(q, s_dim), dS);
  ir_atom is_zero = bin(q, P_eq, s, py_scalar(q, s, 0));
  ir_param cp[2] = {{"new_dtype", pv_dtype(mod(q), sa.dtype)}, {"weak_type", pv_bool(mod(q), false)}};
  ir_atom s_zeros = jvp_build(q, P_convert_element_type, &is_zero, 1, cp, 2, NULL);
  ir_atom s_inv_mat = construct_diagonal(q, guarded_reciprocal(q, s, s_zeros));
  ir_atom half = bin(q, P_mul, py_scalar(q, dS, 0.5), bin(q, P_sub, dS, swap_last(q, dS)));
  ir_atom dUdV_diag = bin(q, P_mul, half, s_inv_mat);
  ir_atom dU = matmul(q, U, bin(q, P_add, bin(q, P_mul, F, plus_h(q, dSS)), dUdV_diag));
  ir_atom dV = matmul(q, V, bin(q, P_mul, F, plus_h(q, SdS)));
  if (m > n) {
    ir_atom dAV = matmul(q, dA, V);
    ir_atom r = bin(q, P_sub, dAV, matmul(q, U, matmul(q, Ut, dAV)));
    dU = bin(q, P_add, dU, bin(q, P_div, r, s_dim));
  }
  if (n > m) {
    ir_atom dAHU = matmul(q, swap_last(q, dA), U);
    ir_atom r = bin(q, P_sub, dAHU, matmul(q, V, matmul(q, Vt, dAHU)));
    dV = bin(q, P_add, dV, bin(q, P_div, r, s_dim));
  }
  ir_atom dVt = swap_last(q, dV);
  if (q->b.failed) return;
  q->po[0] = s, q->po[1] = U, q->po[2] = Vt;
  q->to[0] = ds, q->to[1] = dU, q->to[2] = dVt;
}
