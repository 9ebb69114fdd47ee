/* Linear algebra builtins (issue 14 item 6), as jax 0.10.2 records them:
 *  - svd(a, full_matrices=true, compute_uv=true, hermitian=false):
 *    jnp.linalg.svd (jax/_src/numpy/linalg.py), a jit with every argument
 *    but a static, so a nested jit[name=svd]: promote_dtypes_inexact, then
 *    lax.linalg.svd, i.e. svd_p with algorithm=None and the
 *    subset_by_index given (None or a (start, end) tuple, printed as
 *    given), whose outputs (s, u, vt) come back as (u, s, vh); without
 *    compute_uv only s.
 *  - svdvals(x): jnp.linalg.svdvals, svd(x, compute_uv=False).
 *  - matrix_norm(x, *, keepdims=false, ord="fro"): jnp.linalg.matrix_norm,
 *    norm(x, ord=ord, keepdims=keepdims, axis=(-2, -1)).
 *  - the singular values of jnp.linalg.norm's matrix norms of ord 2, -2
 *    and 'nuc' (trace_stats.c reduces them). */
#include "trace_array_int.h"

#include <string.h>

typedef struct {
  bool full, uv;
  bool subset;            /* subset_by_index given: [lo, hi) */
  int64_t lo, hi;
} svd_opts;

static const ast_func svd_tag; /* jnp.linalg.svd's identity in the jit cache */

static bool svd_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  const svd_opts *o = ctx;
  value a = v[0];
  tj_aval av = value_aval(t, &a);
  ir_atom in;
  uint32_t outs[3];
  if (!convert(t, &a, dtype_to_inexact(av.dtype), av.weak, span) || !own_atom(t, &a, span, &in)) return false;
  int64_t subset[2] = {o->lo, o->hi};
  ir_param ps[4] = {{"algorithm", pv_none(t->m)}, {"compute_uv", pv_bool(t->m, o->uv)},
                    {"full_matrices", pv_bool(t->m, o->full)},
                    {"subset_by_index", o->subset ? pv_ints(t->m, PV_TUPLE, subset, 2) : pv_none(t->m)}};
  if (!emit_n(t, P_svd, &in, 1, o->uv ? 3 : 1, ps, 4, span, outs)) return false;
  if (!o->uv) return *out = value_traced(outs[0]), true;
  value *items = ARENA_ARRAY(&t->scratch, value, 3);
  items[0] = value_traced(outs[1]), items[1] = value_traced(outs[0]), items[2] = value_traced(outs[2]);
  *out = (value){.kind = V_TUPLE, .n = 3, .items = items};
  return true;
}

static bool svd_with(tracer *t, value a, const svd_opts *o, tj_span span, value *out) {
  value key = {.kind = V_TUPLE, .n = 5};
  key.items = ARENA_ARRAY(&t->scratch, value, 5);
  key.items[0] = value_bool(o->full), key.items[1] = value_bool(o->uv);
  key.items[2] = value_bool(false); /* hermitian */
  key.items[3] = o->subset ? value_int(o->lo) : value_none(), key.items[4] = value_int(o->hi); /* subset_by_index */
  jnp_jit_fn fn = {"svd", &svd_tag, key, svd_body, o};
  return jnp_jit(t, &fn, &a, 1, span, out);
}

bool trace_svd(tracer *t, value a, bool full, bool uv, tj_span span, value *out) {
  svd_opts o = {full, uv, false, 0, 0};
  return svd_with(t, a, &o, span, out);
}

/* A static bool argument at position i or keyword kw, def when absent. */
static bool bool_arg(tracer *t, const builtin_def *b, const call_args *a, int i, const char *kw, bool def,
                     bool *out) {
  const value *v;
  tj_span span;
  if (!ta_get_arg(t, b, a, i, kw, &v, &span)) return false;
  if (!v) return *out = def, true;
  if (v->kind == V_TRACED) return ta_concrete_error(t, v, span, "The svd flags must be known statically.");
  *out = value_truthy(v);
  return true;
}

/* subset_by_index: a static (start, end) tuple of ints (jit hashes it;
 * svd_p's shape rule checks it against full_matrices and the rank). */
static bool read_subset(tracer *t, const value *subset, tj_span span, svd_opts *o) {
  o->subset = subset != NULL;
  if (!subset) return true;
  note_use(t, value_prov_deep(subset), USE_SHAPE);
  if (subset->kind != V_TUPLE || subset->list || subset->n != 2 || subset->items[0].kind != V_INT ||
      subset->items[1].kind != V_INT)
    return tracer_error(t, span, "svd's subset_by_index must be None or a tuple of two ints (start, end)");
  o->lo = subset->items[0].i, o->hi = subset->items[1].i;
  return true;
}

/* jnp.linalg.svd(a, full_matrices=True, compute_uv=True, hermitian=False,
 * subset_by_index=None) */
static bool builtin_svd(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  bool herm;
  svd_opts o = {0};
  const value *subset;
  tj_span ss;
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !bool_arg(t, b, a, 1, "full_matrices", true, &o.full) ||
      !bool_arg(t, b, a, 2, "compute_uv", true, &o.uv) || !bool_arg(t, b, a, 3, "hermitian", false, &herm) ||
      !ta_get_arg(t, b, a, 4, "subset_by_index", &subset, &ss))
    return false;
  if (herm) return tracer_error(t, a->call->span, "svd(hermitian=True) takes an eigendecomposition (eigh), which tjit does not have");
  if (!read_subset(t, subset, ss, &o)) return false;
  tj_aval av = value_aval(t, &a->pos[0]);
  int64_t k = av.rank < 2 ? 0 : av.dims[av.rank - 1] < av.dims[av.rank - 2] ? av.dims[av.rank - 1] : av.dims[av.rank - 2];
  if (o.subset && !o.full && av.rank >= 2 && (o.lo < 0 || o.lo > o.hi || o.hi > k)) /* JAX leaves it to the backend */
    return tracer_error(t, ss, "svd's subset_by_index=(%lld, %lld) is not within the %lld singular values: tjit "
                        "computes 0 <= start <= end <= %lld only", (long long)o.lo, (long long)o.hi, (long long)k,
                        (long long)k);
  return svd_with(t, a->pos[0], &o, a->call->span, out);
}

/* jnp.linalg.svdvals(x) */
static bool builtin_svdvals(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0])) return false;
  return trace_svd(t, a->pos[0], true, false, a->call->span, out);
}

/* jnp.linalg.matrix_norm(x, /, *, keepdims=False, ord='fro') */
static bool builtin_matrix_norm(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  static const char *const kw[] = {"ord", "axis", "keepdims"};
  const value *ord;
  tj_span os;
  bool keepdims;
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 99, "ord", &ord, &os) ||
      !ta_get_flag(t, b, a, "keepdims", &keepdims))
    return false;
  value *axis = ARENA_ARRAY(&t->scratch, value, 2);
  axis[0] = value_int(-2), axis[1] = value_int(-1);
  value k[3] = {ord ? *ord : (value){.kind = V_STR, .s = "fro", .slen = 3}, {.kind = V_TUPLE, .n = 2, .items = axis},
                value_bool(keepdims)};
  return call_builtin_kw(t, "norm", &a->pos[0], 1, kw, k, 3, a->call->span, out);
}

/* The singular values jnp.linalg.norm's ord 2, -2 and 'nuc' reduce over
 * axes (row, col): those moved last (jnp.moveaxis: a transpose unless
 * they are), then svd(x, compute_uv=False). */
bool trace_moved_svdvals(tracer *t, value x, const int64_t *axes, tj_span span, value *out) {
  tj_aval a = value_aval(t, &x);
  int64_t perm[TJ_MAX_RANK];
  int n = 0;
  for (int d = 0; d < a.rank; d++)
    if (d != axes[0] && d != axes[1]) perm[n++] = d;
  perm[n++] = axes[0], perm[n++] = axes[1];
  return ta_transpose_by(t, &x, perm, n, span) && trace_svd(t, x, true, false, span, out);
}

static const char *const kw_svd[] = {"full_matrices", "compute_uv", "hermitian", "subset_by_index", NULL};
static const char *const kw_matrix_norm[] = {"keepdims", "ord", NULL};

const builtin_def builtins_linalg[] = {
    {"svd", builtin_svd, 1, 5, kw_svd, P_svd},
    {"svdvals", builtin_svdvals, 1, 1, NULL, P_svd},
    {"matrix_norm", builtin_matrix_norm, 1, 1, kw_matrix_norm, P_sqrt},
    {NULL, NULL, 0, 0, NULL, 0},
};
