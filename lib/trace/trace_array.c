/* Builtins of the array vocabulary: reductions, dot/matmul, shape
 * manipulation and constructors, and their table (builtins_array). This
 * file holds the reductions, dot/matmul and the table; trace_array_shape.c
 * the shape manipulation, trace_array_make.c the constructors,
 * trace_array_base.c what they share (trace_array_int.h, private to the
 * four). Each mirrors the jnp function of its name in JAX 0.10.2
 * (jax/_src/numpy/{reductions,lax_numpy,tensor_contractions,
 * array_creation}.py) and records what it records: the converts, squeezes
 * and broadcasts jnp adds, and nothing where jnp hands its operand back.
 *
 * Two JAX facts shape the code. A convert_element_type of a constant is
 * folded while tracing (pe.const_fold_rules), so a static operand becomes a
 * literal of the converted type, never a convert equation. A
 * broadcast_in_dim to the operand's own shape is forwarded
 * (pe.forwarding_rules), so it records nothing. */
#include "trace_array_int.h"

#include <string.h>

/* ---- reductions ---- */

/* _promote_integer_dtype: narrow integers sum in the default width. */
tj_dtype ta_promote_integer(tj_dtype dt) {
  if (dt == DT_BOOL || dt == DT_I8 || dt == DT_I16) return DT_I32;
  if (dt == DT_U8 || dt == DT_U16) return DT_U32;
  return dt;
}

/* The reduced dimensions of a reduction: all of them for axis None. */
bool ta_reduction_axes(tracer *t, const value *axis, tj_span span, int rank, int64_t *axes, int *n) {
  int64_t *raw;
  if (!axis) {
    for (int d = 0; d < rank; d++) axes[d] = d;
    *n = rank;
    return true;
  }
  if (!ta_canon_axes(t, axis, span, AX_OPTIONAL, rank, &raw, n)) return false;
  if (ta_has_dup(raw, *n)) { /* distinct and in range: at most rank of them */
    tj_buf b = {0};
    buf_puts(&b, "ValueError: duplicate value in 'axis': ");
    ta_put_value(t, &b, axis);
    return ta_raise_buf(t, span, &b);
  }
  memcpy(axes, raw, sizeof *axes * (size_t)*n);
  return true;
}

/* jnp's _reduction for sum, prod, max and min: the numeric preprocessing
 * (bool to int32), the result dtype, the convert to it, lax.reduce, then
 * keepdims as lax.expand_dims. */
static bool reduce_with(tracer *t, int prim, const char *name, value x, const value *axis, tj_span axspan,
                        bool have_dtype, tj_dtype dtype, bool keepdims, tj_span span, value *out) {
  bool sum_like = prim == P_reduce_sum || prim == P_reduce_prod;
  tj_aval av = value_aval(t, &x);
  int64_t axes[TJ_MAX_RANK];
  int n;
  if (!ta_reduction_axes(t, axis, axspan, av.rank, axes, &n)) return false;
  if (sum_like && !ta_cast(t, &x, &av, av.dtype == DT_BOOL ? DT_I32 : av.dtype, av.weak, span)) return false;
  tj_dtype result = have_dtype ? dtype : sum_like ? ta_promote_integer(av.dtype) : av.dtype;
  if (sum_like && result == DT_BOOL) /* jnp switches to reduce_or/reduce_and here */
    return tracer_error(t, span, "%s with dtype bool is not supported", name);
  /* _upcast_f16: jnp sums and multiplies f16/bf16 in f32 when no dtype is given */
  tj_dtype compute = sum_like && !have_dtype && dtype_is_half(result) ? DT_F32 : result;
  if (!ta_cast(t, &x, &av, compute, false, span)) return false;
  for (int i = 0; !sum_like && i < n; i++)
    if (av.dims[axes[i]] == 0)
      return tracer_error(t, span, "ValueError: zero-size array to reduction operation %s which has no identity", name);
  ir_atom in;
  if (!to_atom(t, &x, av.dtype, av.weak, span, &in)) return false;
  ir_param ps[2] = {{"axes", pv_ints(t->m, PV_TUPLE, axes, n)}, {"out_sharding", pv_none(t->m)}};
  if (!emit(t, prim, &in, 1, NULL, ps, prim == P_reduce_sum ? 2 : 1, span, out)) return false;
  if (keepdims && !ta_expand_at(t, out, axes, n, span)) return false;
  tj_aval ov = value_aval(t, out);
  return compute == result || ta_cast(t, out, &ov, result, false, span);
}

static bool builtin_reduce(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis;
  tj_span axspan;
  bool keepdims, have_dtype = false;
  tj_dtype dtype = DT_F32;
  bool takes_dtype = b->prim == P_reduce_sum || b->prim == P_reduce_prod;
  if (!takes_dtype && (call_kwarg(a, "initial", NULL) || call_kwarg(a, "where", NULL)))
    return ta_reduce_extremum(t, b, a, out); /* trace_array_more.c */
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "axis", &axis, &axspan) ||
      !ta_get_flag(t, b, a, "keepdims", &keepdims) || (takes_dtype && !ta_opt_dtype(t, b, a, 2, &have_dtype, &dtype)))
    return false;
  return reduce_with(t, b->prim, b->name, a->pos[0], axis, axspan, have_dtype, dtype, keepdims, a->call->span, out);
}


/* jnp.mean (reductions.py _mean): sum in the computation dtype, div by
 * the element count as a literal of it (_count's convert of a Python int
 * is folded), then astype the result dtype. _upcast_f16 makes f32 the
 * computation dtype of an f16/bf16 result, with or without dtype=. */
static bool builtin_mean(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis;
  tj_span axspan, span = a->call->span;
  bool keepdims, have_dtype;
  tj_dtype dtype = DT_F32;
  value x = a->pos[0];
  if (!ta_check_array(t, b, &x, 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "axis", &axis, &axspan) ||
      !ta_get_flag(t, b, a, "keepdims", &keepdims) || !ta_opt_dtype(t, b, a, 2, &have_dtype, &dtype))
    return false;
  tj_aval av = value_aval(t, &x);
  tj_dtype result = have_dtype ? dtype : dtype_to_inexact(av.dtype);
  int64_t axes[TJ_MAX_RANK], count = 1;
  int n;
  if (!ta_reduction_axes(t, axis, axspan, av.rank, axes, &n)) return false;
  for (int i = 0; i < n; i++) count *= av.dims[axes[i]]; /* at most TJ_MAX_ELEMENTS */
  tj_dtype compute = dtype_is_half(result) ? DT_F32 : result;
  value sum, total = value_int(count);
  if (!reduce_with(t, P_reduce_sum, "sum", x, axis, axspan, true, compute, keepdims, span, &sum)) return false;
  ir_atom in[2] = {ATOM_VAR(sum.var)};
  if (!to_atom(t, &total, compute, false, span, &in[1]) || !emit(t, P_div, in, 2, NULL, NULL, 0, span, out))
    return false;
  tj_aval ov = value_aval(t, out);
  return compute == result || ta_cast(t, out, &ov, result, false, span);
}

/* jnp.argmax / argmin: axis None flattens first (jnp.ravel). */
static bool builtin_argminmax(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis;
  tj_span axspan, span = a->call->span;
  bool keepdims;
  value x = a->pos[0];
  if (!ta_check_array(t, b, &x, 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "axis", &axis, &axspan) ||
      !ta_get_flag(t, b, a, "keepdims", &keepdims))
    return false;
  tj_aval av = value_aval(t, &x);
  int64_t ax = 0, dims[TJ_MAX_RANK];
  int ndims = 0;
  if (axis && !ta_index_of(t, axis, axspan, &ax)) return false;
  if (!axis) {
    for (int d = 0; d < av.rank; d++) dims[ndims++] = d;
    if (!ta_ravel(t, &x, span)) return false;
    av = value_aval(t, &x);
  } else if (ax >= av.rank || ax < -av.rank) { /* a.shape[axis] comes first */
    return tracer_error(t, axspan, "IndexError: tuple index out of range");
  } else {
    ax = ax < 0 ? ax + av.rank : ax;
    dims[ndims++] = ax;
  }
  if (av.dims[ax] == 0)
    return tracer_error(t, span, "ValueError: attempt to get %s of an empty sequence", b->name);
  ir_atom in;
  if (!own_atom(t, &x, span, &in)) return false;
  ir_param ps[2] = {{"axes", pv_ints(t->m, PV_TUPLE, &ax, 1)}, {"index_dtype", pv_dtype(t->m, DT_I32)}};
  if (!emit(t, b->prim, &in, 1, NULL, ps, 2, span, out)) return false;
  return !keepdims || ta_expand_at(t, out, dims, ndims, span);
}

/* ---- dot and matmul ---- */

static pval *int_list(tracer *t, const int64_t *v, int n) { return pv_ints(t->m, PV_LIST, v, n); }

/* dimension_numbers as the dot_general pp rule prints them:
 * (([lc], [rc]), ([lb], [rb])). */
static pval *dot_dnums(tracer *t, const int64_t *lc, const int64_t *rc, int nc, const int64_t *lb,
                       const int64_t *rb, int nb) {
  pval *contract = pv_seq(t->m, PV_TUPLE, 2), *batch = pv_seq(t->m, PV_TUPLE, 2), *all = pv_seq(t->m, PV_TUPLE, 2);
  contract->items[0] = int_list(t, lc, nc);
  contract->items[1] = int_list(t, rc, nc);
  batch->items[0] = int_list(t, lb, nb);
  batch->items[1] = int_list(t, rb, nb);
  all->items[0] = contract;
  all->items[1] = batch;
  return all;
}

/* lax.dot_general; a contracting mismatch gets a note naming both
 * operands. _dot_general_pp_rule prints no None param. */
bool ta_dot_general(tracer *t, const char *fn, value *l, value *r, const int64_t *lc, const int64_t *rc,
                        int nc, const int64_t *lb, const int64_t *rb, int nb, const ta_dot_opts *o, tj_span span,
                        value *out) {
  tj_aval la = value_aval(t, l), ra = value_aval(t, r);
  bool mismatch = false;
  for (int i = 0; i < nc; i++) mismatch = mismatch || la.dims[lc[i]] != ra.dims[rc[i]];
  pval *precision;
  if (!ta_precision(t, o->precision, o->prspan, &precision)) return false;
  ir_atom in[2];
  if (!own_atom(t, l, span, &in[0]) || !own_atom(t, r, span, &in[1])) return false;
  ir_param ps[3] = {{"dimension_numbers", dot_dnums(t, lc, rc, nc, lb, rb, nb)}};
  int n = 1;
  if (precision) ps[n++] = (ir_param){"precision", precision};
  if (o->pref != DT_COUNT) ps[n++] = (ir_param){"preferred_element_type", pv_dtype(t->m, o->pref)};
  if (emit(t, P_dot_general, in, 2, NULL, ps, n, span, out)) return true;
  if (mismatch) {
    char s1[200], s2[200];
    aval_format(&la, s1, sizeof s1);
    aval_format(&ra, s2, sizeof s2);
    diag_note(t->diags, "%s: contracting dimension mismatch: %s \xc2\xb7 %s", fn, s1, s2);
  }
  return false;
}

/* The operands of dot/matmul and jnp's result_type of them; an explicit
 * preferred_element_type makes the result strongly typed. */
static bool dot_operands(tracer *t, const builtin_def *b, const call_args *a, ta_dot_opts *o, bool *weak) {
  const value *p;
  tj_span span;
  for (int i = 0; i < 2; i++)
    if (!ta_check_array(t, b, &a->pos[i], i, a->pos_spans[i])) return false;
  tj_aval x = value_aval(t, &a->pos[0]), y = value_aval(t, &a->pos[1]);
  o->pref = dtype_promote(x.dtype, x.weak, y.dtype, y.weak, weak);
  if (!ta_get_arg(t, b, a, 99, "preferred_element_type", &p, &span) ||
      !ta_get_arg(t, b, a, 99, "precision", &o->precision, &o->prspan))
    return false;
  if (p) *weak = false;
  return !p || ta_get_dtype(t, p, span, &o->pref);
}

/* jnp.dot: contract a's last axis with b's only (1-D) or second-to-last;
 * scalars multiply (no contracting dimensions). */
static bool builtin_dot(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  ta_dot_opts o;
  bool weak;
  if (!dot_operands(t, b, a, &o, &weak)) return false;
  value l = a->pos[0], r = a->pos[1];
  int lr = value_aval(t, &l).rank, rr = value_aval(t, &r).rank;
  int64_t lc = lr - 1, rc = rr == 1 ? 0 : rr - 2;
  int nc = lr == 0 || rr == 0 ? 0 : 1;
  if (!ta_dot_general(t, b->name, &l, &r, &lc, &rc, nc, NULL, NULL, 0, &o, a->call->span, out)) return false;
  return convert(t, out, o.pref, weak, a->call->span);
}

/* The batch bookkeeping of jnp.matmul, as in tensor_contractions.py. */
typedef struct matmul_plan {
  int64_t a_squeeze[TJ_MAX_RANK], b_squeeze[TJ_MAX_RANK], both_squeeze[TJ_MAX_RANK];
  int64_t a_batch[TJ_MAX_RANK], b_batch[TJ_MAX_RANK];
  int64_t idx_batch[TJ_MAX_RANK], idx_a[TJ_MAX_RANK + 1], idx_b[TJ_MAX_RANK + 1];
  int na_sq, nb_sq, nboth, nbatch, na, nb;
} matmul_plan;

static bool matmul_plan_of(tracer *t, const tj_aval *x, const tj_aval *y, tj_span span, matmul_plan *p) {
  bool amat = x->rank > 1, bmat = y->rank > 1;
  int abd = amat ? x->rank - 2 : 0, bbd = bmat ? y->rank - 2 : 0;
  int nbd = abd > bbd ? abd : bbd;
  memset(p, 0, sizeof *p);
  for (int i = 0; i < nbd; i++) {
    int ai = i - (nbd - abd), bi = i - (nbd - bbd);
    int64_t ba = ai >= 0 ? x->dims[ai] : -1, bb = bi >= 0 ? y->dims[bi] : -1;
    if (ba < 0) {
      p->idx_b[p->nb++] = i;
    } else if (bb < 0) {
      p->idx_a[p->na++] = i;
    } else if (ba == 1 && bb == 1) {
      p->a_squeeze[p->na_sq] = p->nbatch + p->na + p->na_sq, p->na_sq++;
      p->b_squeeze[p->nb_sq] = p->nbatch + p->nb + p->nb_sq, p->nb_sq++;
      p->both_squeeze[p->nboth++] = i;
    } else if (ba == 1) {
      p->idx_b[p->nb++] = i;
      p->a_squeeze[p->na_sq] = p->nbatch + p->na + p->na_sq, p->na_sq++;
    } else if (bb == 1) {
      p->idx_a[p->na++] = i;
      p->b_squeeze[p->nb_sq] = p->nbatch + p->nb + p->nb_sq, p->nb_sq++;
    } else if (ba == bb) {
      p->a_batch[p->nbatch] = p->nbatch + p->na;
      p->b_batch[p->nbatch] = p->nbatch + p->nb;
      p->idx_batch[p->nbatch++] = i;
    } else {
      tj_buf b = {0};
      buf_puts(&b, "ValueError: Incompatible types for matmul arguments: ");
      ta_put_aval(&b, *x);
      buf_puts(&b, " and ");
      ta_put_aval(&b, *y);
      return ta_raise_buf(t, span, &b);
    }
  }
  if (amat) p->idx_a[p->na++] = nbd;
  if (bmat) p->idx_b[p->nb++] = nbd + amat;
  return true;
}

/* jnp.matmul: squeeze size-1 batch dimensions, dot_general with the
 * shared batch dimensions, transpose into numpy's order, re-insert the
 * dimensions both operands squeezed. */
static bool builtin_matmul(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  tj_span span = a->call->span;
  ta_dot_opts o;
  bool weak;
  if (!dot_operands(t, b, a, &o, &weak)) return false;
  value l = a->pos[0], r = a->pos[1];
  tj_aval x = value_aval(t, &l), y = value_aval(t, &r);
  for (int i = 0; i < 2; i++)
    if ((i ? y : x).rank < 1)
      return tracer_error(t, a->pos_spans[i], "ValueError: matmul input operand %d must have ndim at least 1, "
                          "but it has ndim 0", i);
  matmul_plan p;
  if (!matmul_plan_of(t, &x, &y, span, &p)) return false;
  int64_t order[2 * TJ_MAX_RANK + 2], perm[2 * TJ_MAX_RANK + 2];
  int n = 0;
  for (int i = 0; i < p.nbatch; i++) order[n++] = p.idx_batch[i];
  for (int i = 0; i < p.na; i++) order[n++] = p.idx_a[i];
  for (int i = 0; i < p.nb; i++) order[n++] = p.idx_b[i];
  for (int i = 0; i < n; i++) { /* np.argsort of distinct values */
    int rank = 0;
    for (int j = 0; j < n; j++) rank += order[j] < order[i];
    perm[rank] = i;
  }
  if (!ta_squeeze_dims(t, &l, p.a_squeeze, p.na_sq, span) || !ta_squeeze_dims(t, &r, p.b_squeeze, p.nb_sq, span))
    return false;
  int64_t lc = value_aval(t, &l).rank - 1, rc = value_aval(t, &r).rank - 1 - (y.rank > 1);
  if (!ta_dot_general(t, b->name, &l, &r, &lc, &rc, 1, p.a_batch, p.b_batch, p.nbatch, &o, span, out) ||
      !ta_transpose_by(t, out, perm, n, span) || !ta_expand_at(t, out, p.both_squeeze, p.nboth, span))
    return false;
  return convert(t, out, o.pref, weak, span);
}


static const char *const kw_reduce[] = {"axis", "keepdims", NULL}, *const kw_axis[] = {"axis", NULL};
static const char *const kw_extremum[] = {"axis", "keepdims", "initial", "where", NULL};
static const char *const kw_reduce_dtype[] = {"axis", "dtype", "keepdims", NULL}, *const kw_dtype[] = {"dtype", NULL};
static const char *const kw_dot[] = {"preferred_element_type", "precision", NULL}, *const kw_axes[] = {"axes", NULL};
static const char *const kw_shape[] = {"shape", NULL}, *const kw_concat[] = {"axis", "dtype", NULL};

const builtin_def builtins_array[] = {
    {"sum", builtin_reduce, 1, 3, kw_reduce_dtype, P_reduce_sum},
    {"prod", builtin_reduce, 1, 3, kw_reduce_dtype, P_reduce_prod},
    {"max", builtin_reduce, 1, 2, kw_extremum, P_reduce_max},
    {"min", builtin_reduce, 1, 2, kw_extremum, P_reduce_min},
    {"mean", builtin_mean, 1, 3, kw_reduce_dtype, P_reduce_sum},
    {"argmax", builtin_argminmax, 1, 2, kw_reduce, P_argmax},
    {"argmin", builtin_argminmax, 1, 2, kw_reduce, P_argmin},
    {"dot", builtin_dot, 2, 2, kw_dot, P_dot_general},
    {"matmul", builtin_matmul, 2, 2, kw_dot, P_dot_general},
    {"transpose", ta_builtin_transpose, 1, 2, kw_axes, P_transpose},
    {"reshape", ta_builtin_reshape, 1, 2, kw_shape, P_reshape},
    {"broadcast_to", ta_builtin_broadcast_to, 2, 2, NULL, P_broadcast_in_dim},
    {"expand_dims", ta_builtin_expand_dims, 2, 2, NULL, P_broadcast_in_dim},
    {"squeeze", ta_builtin_squeeze, 1, 2, kw_axis, P_squeeze},
    {"concatenate", ta_builtin_concatenate, 1, 3, kw_concat, P_concatenate},
    {"zeros", ta_builtin_zeros_ones, 1, 2, kw_dtype, P_broadcast_in_dim},
    {"ones", ta_builtin_zeros_ones, 1, 2, kw_dtype, P_broadcast_in_dim},
    {"full", ta_builtin_full, 2, 3, kw_dtype, P_broadcast_in_dim},
    {"zeros_like", ta_builtin_like, 1, 2, kw_dtype, P_broadcast_in_dim},
    {"ones_like", ta_builtin_like, 1, 2, kw_dtype, P_broadcast_in_dim},
    {"arange", ta_builtin_arange, 1, 3, kw_dtype, P_iota},
    {"iota", ta_builtin_iota, 2, 2, NULL, P_iota},
    {"astype", ta_builtin_astype, 2, 2, NULL, P_convert_element_type},
    {NULL, NULL, 0, 0, NULL, 0},
};
