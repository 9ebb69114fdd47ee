/* jnp.searchsorted (jax/_src/numpy/lax_numpy.py searchsorted at
 * jax-v0.10.2): a and v promoted to one dtype, then
 * hijax.searchsorted_via_expand, i.e. SearchSorted.expand, i.e.
 * _searchsorted_impl on a 1-D a (no moveaxis: lax.transpose of the
 * identity returns its operand; no vmaps: ndim - batch_dims - 1 is 0),
 * which calls the @jit impl of the method:
 *   'scan' / 'scan_unrolled': _searchsorted_scan_impl, vmapped over v's
 *     leading axis (in_axes=(None, 0)) onto itself until v is a scalar,
 *     then a binary search: lax.scan over ceil(log2(n + 1)) levels of
 *     (low, high) uint32 carries, comparing with lax._sort_le_comparator
 *     (side 'left') or _sort_lt_comparator ('right');
 *   'compare_all': _searchsorted_compare_all_impl, vmap(op, in_axes=(0,
 *     None)) of the other comparator, summed over axis 0 in dtype;
 *   'sort': _searchsorted_sort_impl, ranks by lax.sort_key_val of the
 *     query and the array concatenated, less the queries' own ranks.
 * sorter (a 1-D integer array) gathers a[sorter] after the promotion.
 * The scan and compare_all comparators compare keys made by
 * _canonicalize_float_for_sort with the total-order eq_to/lt_to/le_to. */
#include "trace_array_int.h"
#include "trace_body.h"

#include <math.h>
#include <string.h>

static const ast_func scan_tag, compare_all_tag, sort_tag;

typedef struct {
  bool left;        /* side == 'left' */
  bool unrolled;    /* method 'scan_unrolled' */
  tj_dtype dtype;   /* int_dtype_for_dim(n, signed=True) */
  node *call;
} ss_opts;

static value tuple2(tracer *t, value a, value b) {
  value v = {.kind = V_TUPLE, .n = 2};
  v.items = ARENA_ARRAY(&t->scratch, value, 2);
  v.items[0] = a, v.items[1] = b;
  return v;
}

static bool emit2(tracer *t, int prim, value a, value b, tj_dtype dt, tj_span span, value *out) {
  ir_atom in[2];
  return to_atom(t, &a, dt, false, span, &in[0]) && to_atom(t, &b, dt, false, span, &in[1]) &&
         emit(t, prim, in, 2, NULL, NULL, 0, span, out);
}

/* lax.select(pred, on_true, on_false): select_n(pred, on_false, on_true). */
static bool select2(tracer *t, value pred, value on_true, value on_false, tj_dtype dt, tj_span span, value *out) {
  ir_atom in[3] = {ATOM_VAR(pred.var)};
  return to_atom(t, &on_false, dt, false, span, &in[1]) && to_atom(t, &on_true, dt, false, span, &in[2]) &&
         emit(t, P_select_n, in, 3, NULL, NULL, 0, span, out);
}

/* lax.full_like(x, fill): a literal for a scalar x, else lax.full's
 * broadcast_in_dim (the sharding of a traced x canonicalizes to None). */
static bool full_like(tracer *t, value x, double fill, tj_span span, value *out) {
  tj_aval shape = value_aval(t, &x), fa = aval_scalar(shape.dtype, false);
  value f = value_strong(value_float(fill), shape.dtype);
  if (shape.rank == 0) return *out = f, true;
  shape.weak = false;
  return ta_broadcast_trailing(t, &f, &fa, &shape, span, out);
}

/* lax._canonicalize_float_for_sort(x): select(eq(x, _zero(x)), _zeros(x),
 * x), then select(_isnan(x), full_like(result, nan), result); _zero(x) is
 * a scalar (a literal: lax's binary ops take a scalar beside an array),
 * the full_likes have x's shape. */
static bool canonicalize_for_sort(tracer *t, value x, tj_span span, value *out) {
  tj_dtype dt = value_aval(t, &x).dtype;
  value zero = value_strong(value_float(0), dt), zeros, nans, eq, r, isnan;
  return emit2(t, P_eq, x, zero, dt, span, &eq) && full_like(t, x, 0, span, &zeros) &&
         select2(t, eq, zeros, x, dt, span, &r) && emit2(t, P_ne, x, x, dt, span, &isnan) &&
         full_like(t, r, NAN, span, &nans) && select2(t, isnan, nans, r, dt, span, out);
}

/* lax._sort_le_comparator(x, y) (le) or _sort_lt_comparator (lt) of one
 * key: _operands_to_keys (floats canonicalized, x's key first), then
 * le_to / lt_to. */
static bool sort_comparator(tracer *t, value x, value y, bool le, tj_span span, value *out) {
  tj_dtype dt = value_aval(t, &x).dtype;
  if (dtype_is_float(dt) && (!canonicalize_for_sort(t, x, span, &x) || !canonicalize_for_sort(t, y, span, &y)))
    return false;
  return emit2(t, le ? P_le_to : P_lt_to, x, y, dt, span, out);
}

/* ---- method 'scan' ---- */

typedef struct {
  const ss_opts *o;
  value sorted, query;
} scan_ctx;

/* body_fun((low, high), _): mid = low + (high - low) // 2 (// is the
 * jitted jnp.floor_divide), go_left = op(query, sorted_arr[mid]), then
 * (select(go_left, low, mid), select(go_left, mid, high)), (). */
static bool scan_body(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  (void)nargs;
  const scan_ctx *c = ctx;
  tj_span span = call->span;
  value low = args[0].items[0], high = args[0].items[1], diff, half, mid, elem, go_left, nlow, nhigh;
  value two[2];
  if (!apply_binary(t, P_sub, high, low, span, &diff)) return false;
  two[0] = diff, two[1] = value_int(2);
  if (!call_builtin_values(t, "floor_divide", two, 2, span, &half) || !apply_binary(t, P_add, low, half, span, &mid) ||
      !index_scalar_traced(t, c->sorted, mid, span, &elem) ||
      !sort_comparator(t, c->query, elem, c->o->left, span, &go_left) ||
      !select2(t, go_left, low, mid, DT_U32, span, &nlow) || !select2(t, go_left, mid, high, DT_U32, span, &nhigh))
    return false;
  value none = {.kind = V_TUPLE};
  none.items = ARENA_ARRAY(&t->scratch, value, 1);
  *result = tuple2(t, tuple2(t, nlow, nhigh), none);
  return true;
}

static bool scan_jit(tracer *t, const ss_opts *o, value sorted, value query, tj_span span, value *out);

/* api.vmap(partial(_searchsorted_scan_impl, ...), in_axes=(None, 0)). */
static bool scan_vmapped(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  (void)call, (void)nargs;
  return scan_jit(t, ctx, args[0], args[1], call->span, result);
}

/* lax.full(shape, fill_value=0, dtype=dtype): a literal for a scalar. */
static bool zeros_of(tracer *t, const tj_aval *shape, tj_dtype dt, tj_span span, value *out) {
  value zero = value_strong(value_int(0), dt);
  if (shape->rank == 0) return *out = zero, true;
  tj_aval s = *shape, z = aval_scalar(dt, false);
  s.dtype = dt, s.weak = false;
  return ta_broadcast_trailing(t, &zero, &z, &s, span, out);
}

/* _searchsorted_scan_impl(sorted_arr, query, side, dtype, unrolled). */
static bool scan_impl(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  const ss_opts *o = ctx;
  value sorted = args[0], query = args[1];
  tj_aval qa = value_aval(t, &query);
  int64_t n = value_aval(t, &sorted).dims[0];
  if (n == 0) return zeros_of(t, &qa, o->dtype, span, out);
  if (qa.rank > 0) {
    value axes[2] = {value_none(), value_int(0)}, vargs[2] = {sorted, query};
    value in_axes = tuple2(t, axes[0], axes[1]);
    return vmap_native_axes(t, scan_vmapped, o, in_axes, value_int(0), o->call, vargs, 2, out);
  }
  int levels = 0; /* int(np.ceil(np.log2(n + 1))): the least L with 2**L >= n + 1 */
  while (levels < 63 && ((int64_t)1 << levels) < n + 1) levels++;
  scan_ctx c = {o, sorted, query};
  value init = tuple2(t, value_strong(value_int(0), DT_U32), value_strong(value_int(n), DT_U32)), r;
  value unroll = value_int(levels);
  if (!record_scan(t, scan_body, &c, init, levels, o->unrolled ? &unroll : NULL, o->call, &r)) return false;
  *out = r.items[0].items[1];
  return convert(t, out, o->dtype, false, span);
}

static bool scan_jit(tracer *t, const ss_opts *o, value sorted, value query, tj_span span, value *out) {
  value key[3] = {value_bool(o->left), value_int(o->dtype), value_bool(o->unrolled)}, args[2] = {sorted, query};
  value statics = {.kind = V_TUPLE, .n = 3};
  statics.items = ARENA_ARRAY(&t->scratch, value, 3);
  memcpy(statics.items, key, sizeof key);
  jnp_jit_fn fn = {"_searchsorted_scan_impl", &scan_tag, statics, scan_impl, o};
  return jnp_jit(t, &fn, args, 2, span, out);
}

/* ---- method 'compare_all' ---- */

/* op(sorted_arr[i], query): _sort_lt_comparator for 'left'. */
static bool compare_one(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  (void)nargs;
  const ss_opts *o = ctx;
  return sort_comparator(t, args[0], args[1], !o->left, call->span, result);
}

/* _searchsorted_compare_all_impl: vmap(op, in_axes=(0, None)), then
 * comparisons.sum(dtype=dtype, axis=0). */
static bool compare_all_impl(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  const ss_opts *o = ctx;
  value in_axes = tuple2(t, value_int(0), value_none()), cmp;
  if (!vmap_native_axes(t, compare_one, o, in_axes, value_int(0), o->call, args, 2, &cmp)) return false;
  static const char *const kw[] = {"dtype", "axis"};
  value kwv[2] = {{.kind = V_DTYPE, .dtype = o->dtype}, value_int(0)};
  return call_builtin_kw(t, "sum", &cmp, 1, kw, kwv, 2, span, out);
}

/* ---- method 'sort' ---- */

/* _rank(x): idx = lax.iota(int32, len(x)); lax.full_like(idx, 0)
 * .at[lax.sort_key_val(x, idx)[1]].set(idx), in that order: iota, the
 * zeros' broadcast, the sort, the scatter. */
static bool rank_of(tracer *t, value x, tj_span span, value *out) {
  tj_aval xa = value_aval(t, &x), ia = aval_scalar(DT_I32, false), za = ia;
  int64_t n = xa.dims[0], dim = 0;
  ir_param ps[4] = {{"dimension", pv_int(t->m, 0)}, {"dtype", pv_dtype(t->m, DT_I32)},
                    {"shape", pv_ints(t->m, PV_TUPLE, &n, 1)}, {"sharding", pv_none(t->m)}};
  ir_atom none = 0, in[2];
  value idx, zeros, zero = value_strong(value_int(0), DT_I32);
  uint32_t sorted[2];
  za.rank = 1, za.dims[0] = n;
  if (!emit(t, P_iota, &none, 0, NULL, ps, 4, span, &idx) || !ta_broadcast_trailing(t, &zero, &ia, &za, span, &zeros))
    return false;
  in[0] = ATOM_VAR(x.var), in[1] = ATOM_VAR(idx.var);
  ir_param sp[3] = {{"dimension", pv_int(t->m, dim)}, {"is_stable", pv_bool(t->m, true)}, {"num_keys", pv_int(t->m, 1)}};
  return emit_n(t, P_sort, in, 2, 2, sp, 3, span, sorted) &&
         index_set_array(t, zeros, value_traced(sorted[1]), idx, span, out);
}

/* x[lo:hi] of a 1-D x: a static slice, nothing when it is all of x. */
static bool slice_1d(tracer *t, value x, int64_t lo, int64_t hi, tj_span span, value *out) {
  tj_aval xa = value_aval(t, &x);
  if (lo == 0 && hi == xa.dims[0]) return *out = x, true;
  return emit_slice_in_dim(t, ATOM_VAR(x.var), &xa, 0, lo, hi, true, span, out);
}

/* _searchsorted_sort_impl (working_dtype int32): the rank of each query
 * among the query and the sorted array concatenated (query first for
 * 'left', so ties go left of a's), minus its rank among the queries. */
static bool sort_impl(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  const ss_opts *o = ctx;
  value sorted = args[0], query = args[1], flat = query, both, index, qrank;
  tj_aval qa = value_aval(t, &query);
  int64_t qn = aval_size(&qa), n = value_aval(t, &sorted).dims[0];
  if (n + qn > INT32_MAX) return tracer_error(t, span, "NotImplementedError: searchsorted's method='sort' of more than 2**31 - 1 elements (int64 ranks) is not supported by tjit");
  if (!ta_ravel(t, &flat, span)) return false;
  ir_atom in[2] = {ATOM_VAR(flat.var), ATOM_VAR(sorted.var)};
  if (!o->left) in[0] = ATOM_VAR(sorted.var), in[1] = ATOM_VAR(flat.var);
  ir_param p = {"dimension", pv_int(t->m, 0)};
  if (!emit(t, P_concatenate, in, 2, NULL, &p, 1, span, &both) || !rank_of(t, both, span, &index) ||
      !slice_1d(t, index, o->left ? 0 : n, o->left ? qn : n + qn, span, &index))
    return false;
  flat = query;
  if (!ta_ravel(t, &flat, span) || !rank_of(t, flat, span, &qrank) ||
      !apply_binary(t, P_sub, index, qrank, span, out) || !ta_reshape_to(t, out, &qa, span))
    return false;
  return convert(t, out, o->dtype, false, span);
}

/* ---- the builtin ---- */

static const char *const methods[] = {"compare_all", "scan", "scan_unrolled", "sort"};

static bool read_str(tracer *t, const builtin_def *b, const call_args *a, int pos, const char *kw, const char *dflt,
                     const char **s) {
  const value *v;
  tj_span sp;
  if (!ta_get_arg(t, b, a, pos, kw, &v, &sp)) return false;
  if (!v) return *s = dflt, true;
  if (v->kind != V_STR) {
    tj_buf r = {0};
    value_repr(v, &r);
    bool ok = tracer_error(t, sp, "ValueError: invalid argument %s=%s, expected %s", kw, r.data ? r.data : "",
                           strcmp(kw, "side") == 0 ? "'left' or 'right'"
                                                   : "one of ['compare_all', 'scan', 'scan_unrolled', 'sort']");
    buf_free(&r);
    return ok;
  }
  *s = v->s;
  return true;
}

/* jnp.searchsorted(a, v, side='left', sorter=None, *, method='scan'). */
static bool builtin_searchsorted(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  tj_span span = a->call->span;
  const char *side, *method;
  const value *sorter;
  tj_span sorter_span;
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !ta_check_array(t, b, &a->pos[1], 1, a->pos_spans[1]) ||
      !read_str(t, b, a, 2, "side", "left", &side) || !ta_get_arg(t, b, a, 3, "sorter", &sorter, &sorter_span) ||
      !read_str(t, b, a, 99, "method", "scan", &method))
    return false;
  if (sorter && sorter->kind == V_NONE) sorter = NULL;
  if (sorter) {
    tj_aval sa = value_aval(t, sorter);
    if (sorter->kind != V_TRACED || sa.rank != 1 || !dtype_is_int(sa.dtype))
      return tracer_error(t, sorter_span, "NotImplementedError: searchsorted's sorter other than a 1-D integer array "
                                          "is not supported by tjit");
  }
  value vals[2] = {a->pos[0], a->pos[1]};
  tj_aval aa = value_aval(t, &vals[0]);
  if (aa.rank != 1) return tracer_error(t, a->pos_spans[0], "ValueError: a should be 1-dimensional");
  tj_dtype dt;
  bool weak;
  if (!promote_values(t, vals, 2, span, &dt, &weak)) return false;
  /* a Python number v: jnp.asarray, then _convert_element_type to dt,
   * a constant the jit receives as a literal */
  if (vals[1].kind != V_TRACED && (weak ? !convert(t, &vals[1], dt, true, span) : !cast_static(t, &vals[1], dt, span)))
    return false;
  if (sorter && !index_take_array(t, vals[0], *sorter, span, &vals[0])) return false; /* a = a[sorter] */
  aa = value_aval(t, &vals[0]);
  if (strcmp(side, "left") != 0 && strcmp(side, "right") != 0)
    return tracer_error(t, span, "ValueError: invalid argument side='%s', expected 'left' or 'right'", side);
  int m = 0;
  while (m < 4 && strcmp(method, methods[m]) != 0) m++;
  if (m == 4)
    return tracer_error(t, span,
                        "ValueError: invalid argument method='%s', expected one of ['compare_all', 'scan', "
                        "'scan_unrolled', 'sort']",
                        method);
  ss_opts o = {.left = side[0] == 'l', .unrolled = m == 2, .dtype = aa.dims[0] > INT32_MAX ? DT_I64 : DT_I32,
               .call = a->call};
  if (m == 0 || m == 3) {
    jnp_jit_fn fn = {m == 0 ? "_searchsorted_compare_all_impl" : "_searchsorted_sort_impl",
                     m == 0 ? &compare_all_tag : &sort_tag, tuple2(t, value_bool(o.left), value_int(o.dtype)),
                     m == 0 ? compare_all_impl : sort_impl, &o};
    return jnp_jit(t, &fn, vals, 2, span, out);
  }
  return scan_jit(t, &o, vals[0], vals[1], span, out);
}

static const char *const kw_searchsorted[] = {"side", "sorter", "method", NULL};

const builtin_def builtins_search[] = {
    {"searchsorted", builtin_searchsorted, 2, 4, kw_searchsorted, 0},
    {NULL, NULL, 0, 0, NULL, 0},
};
