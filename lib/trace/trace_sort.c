/* Sorting builtins (issue 14 item 3), as jax 0.10.2 records them:
 *  - sort(x, axis=-1, stable=true, descending=false) and argsort(...):
 *    jnp.sort / jnp.argsort (jax/_src/numpy/sorting.py), each a jit of its
 *    own (@api.jit), so a nested jit[name=sort] / jit[name=argsort]; axis
 *    None ravels first. sort is lax.sort then lax.rev when descending;
 *    argsort sorts (x, broadcasted_iota) with num_keys=1 (sort_key_val),
 *    reversing both first when descending and stable, the indices after.
 *  - lax_sort(operands, dimension=-1, is_stable=true, num_keys=1):
 *    lax.sort (jax/_src/lax/lax.py), spelled lax_sort as jnp's sort has
 *    the bare name; a tuple of operands gives a tuple.
 *  - top_k(x, k, axis=-1): lax.top_k, (values, indices). */
#include "trace_array_int.h"

#include <string.h>

typedef struct sort_opts {
  bool flatten, stable, descending, indices;
  int64_t axis;
  tj_span axspan;
} sort_opts;

static bool rev_along(tracer *t, value *v, int64_t dim, tj_span span) {
  ir_atom in = ATOM_VAR(v->var);
  ir_param p = {"dimensions", pv_ints(t->m, PV_TUPLE, &dim, 1)};
  return emit(t, P_rev, &in, 1, NULL, &p, 1, span, v);
}

/* sort_p over operands vs[0..n) (all traced) into vs: lax.sort's bind. */
static bool sort_bind(tracer *t, value *vs, int n, int64_t dim, bool stable, int64_t nkeys, tj_span span) {
  ir_atom in[TJ_MAX_SORT_OPERANDS];
  uint32_t outs[TJ_MAX_SORT_OPERANDS];
  for (int i = 0; i < n; i++) in[i] = ATOM_VAR(vs[i].var);
  ir_param ps[3] = {{"dimension", pv_int(t->m, dim)}, {"is_stable", pv_bool(t->m, stable)},
                    {"num_keys", pv_int(t->m, nkeys)}};
  if (!emit_n(t, P_sort, in, n, n, ps, 3, span, outs)) return false;
  for (int i = 0; i < n; i++) vs[i] = value_traced(outs[i]);
  return true;
}

/* argsort's body after the axis is known: sort_key_val(x, iota). */
static bool argsort_body(tracer *t, value *x, int64_t dim, const sort_opts *o, tj_span span) {
  tj_aval a = value_aval(t, x);
  int64_t shape[TJ_MAX_RANK];
  memcpy(shape, a.dims, sizeof *shape * (size_t)a.rank);
  tj_dtype idx = a.dims[dim] > INT32_MAX ? DT_I64 : DT_I32; /* int_dtype_for_dim, default int32 */
  ir_param ps[4] = {{"dimension", pv_int(t->m, dim)}, {"dtype", pv_dtype(t->m, idx)},
                    {"shape", pv_ints(t->m, PV_TUPLE, shape, a.rank)}, {"sharding", pv_none(t->m)}};
  ir_atom none = 0; /* no operands, but emit copies from a valid pointer */
  value vs[2] = {*x};
  if (!emit(t, P_iota, &none, 0, NULL, ps, 4, span, &vs[1])) return false;
  if (o->descending && o->stable && (!rev_along(t, &vs[0], dim, span) || !rev_along(t, &vs[1], dim, span)))
    return false;
  if (!sort_bind(t, vs, 2, dim, o->stable, 1, span)) return false;
  *x = vs[1];
  return !o->descending || rev_along(t, x, dim, span);
}

/* The jitted function's body on its argument x (a fresh var). */
static bool sort_body(tracer *t, value *x, const sort_opts *o, tj_span span) {
  if (o->flatten && !ta_ravel(t, x, span)) return false;
  int64_t dim;
  if (!ta_canon_axis(t, o->flatten ? 0 : o->axis, value_aval(t, x).rank, o->axspan, &dim)) return false;
  if (o->indices) return argsort_body(t, x, dim, o, span);
  if (!sort_bind(t, x, 1, dim, o->stable, 1, span)) return false;
  return !o->descending || rev_along(t, x, dim, span);
}

static const ast_func sort_tag; /* jnp.sort's identity in the jit cache (trace.h jnp_jit) */

static bool sort_jit_body(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  *out = args[0];
  return sort_body(t, out, ctx, span);
}

/* jit[name=sort|argsort] of sort_body; the flags and the axis are its
 * static arguments. */
static bool sort_jit(tracer *t, const char *name, value x, const sort_opts *o, tj_span span, value *out) {
  value key = {.kind = V_TUPLE, .n = 5};
  key.items = ARENA_ARRAY(&t->scratch, value, 5);
  key.items[0] = value_bool(o->indices), key.items[1] = value_bool(o->stable);
  key.items[2] = value_bool(o->descending), key.items[3] = value_bool(o->flatten), key.items[4] = value_int(o->axis);
  jnp_jit_fn fn = {name, &sort_tag, key, sort_jit_body, o};
  return jnp_jit(t, &fn, &x, 1, span, out);
}

/* A static bool keyword with a default. */
static bool flag_or(tracer *t, const builtin_def *b, const call_args *a, const char *kw, bool def, bool *out) {
  tj_span ks;
  const value *k = call_kwarg(a, kw, &ks);
  if (!k) return *out = def, true;
  return ta_get_flag(t, b, a, kw, out);
}

static bool builtin_sort(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  sort_opts o = {.axis = -1, .indices = b->prim == P_iota};
  const value *axis;
  value x = a->pos[0];
  tj_span ks;
  const value *given = a->npos > 1 ? &a->pos[1] : call_kwarg(a, "axis", &ks);
  if (!ta_check_array(t, b, &x, 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "axis", &axis, &o.axspan) ||
      !flag_or(t, b, a, "stable", true, &o.stable) || !flag_or(t, b, a, "descending", false, &o.descending))
    return false;
  o.flatten = given && given->kind == V_NONE;
  if (axis && !ta_index_of(t, axis, o.axspan, &o.axis)) return false;
  return sort_jit(t, b->name, x, &o, a->call->span, out);
}

/* lax.sort's checks, then sort_p; operands not traced become traced
 * through own_atom's literal or constant. */
static bool lax_sort_of(tracer *t, value *vs, int n, const value *dimv, tj_span ds, int64_t nkeys, bool stable,
                        bool seq, tj_span span) {
  if (n == 0) return tracer_error(t, span, "TypeError: Sort requires at least one operand");
  if (seq && (nkeys < 1 || nkeys > n))
    return tracer_error(t, span, "ValueError: num_keys=%lld must be between 1 and len(operand)=%d", (long long)nkeys, n);
  if (!seq && nkeys != 1)
    return tracer_error(t, span, "ValueError: num_keys=%lld must equal 1 for a single operand.", (long long)nkeys);
  if (n > TJ_MAX_SORT_OPERANDS)
    return tracer_error(t, span, "lax_sort takes at most %d operands (tjit's limit)", TJ_MAX_SORT_OPERANDS);
  int64_t dim = -1;
  if (dimv && !ta_index_of(t, dimv, ds, &dim)) return false;
  if (!ta_canon_axis(t, dim, value_aval(t, &vs[0]).rank, ds, &dim)) return false;
  for (int i = 0; i < n; i++) {
    ir_atom at;
    if (vs[i].kind == V_TRACED) continue;
    if (!own_atom(t, &vs[i], span, &at)) return false;
    if (ATOM_IS_LIT(at)) return tracer_error(t, span, "ValueError: axis %lld is out of bounds for array of dimension 0", (long long)dim);
    vs[i] = value_traced(ATOM_INDEX(at));
  }
  return sort_bind(t, vs, n, dim, stable, nkeys, span);
}

static bool builtin_lax_sort(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *dimv, *keysv;
  tj_span ds, ks, span = a->call->span;
  bool stable;
  int64_t nkeys = 1;
  if (!ta_get_arg(t, b, a, 1, "dimension", &dimv, &ds) || !ta_get_arg(t, b, a, 99, "num_keys", &keysv, &ks) ||
      !flag_or(t, b, a, "is_stable", true, &stable))
    return false;
  if (keysv && !ta_index_of(t, keysv, ks, &nkeys)) return false;
  const value *ops = &a->pos[0];
  bool seq = ops->kind == V_TUPLE;
  int n = seq ? ops->n : 1;
  value *vs = ARENA_ARRAY(&t->scratch, value, n ? n : 1);
  for (int i = 0; i < n; i++) vs[i] = seq ? ops->items[i] : *ops;
  if (!lax_sort_of(t, vs, n, dimv, ds, nkeys, stable, seq, span)) return false;
  if (!seq) return *out = vs[0], true;
  *out = (value){.kind = V_TUPLE, .n = n, .items = vs};
  return true;
}

/* lax.top_k(operand, k, *, axis=-1) (jax/_src/lax/lax.py top_k): k
 * checked, the axis canonicalized, then _top_k_abstract_eval's size check;
 * (values, indices). */
static bool builtin_top_k(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *kv, *axv;
  tj_span ks, as, span = a->call->span;
  int64_t k, axis = -1;
  value x = a->pos[0];
  if (!ta_check_array(t, b, &x, 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "k", &kv, &ks) ||
      !ta_get_arg(t, b, a, 99, "axis", &axv, &as))
    return false;
  if (!kv) return tracer_error(t, span, "TypeError: top_k() missing 1 required positional argument: 'k'");
  if (!ta_index_of(t, kv, ks, &k) || (axv && !ta_index_of(t, axv, as, &axis))) return false;
  if (k < 0) return tracer_error(t, ks, "ValueError: k argument to top_k must be nonnegative, got %lld", (long long)k);
  tj_aval av = value_aval(t, &x);
  if (!ta_canon_axis(t, axis, av.rank, axv ? as : span, &axis)) return false;
  if (av.dims[axis] < k) {
    tj_buf m = {0};
    buf_printf(&m, "ValueError: k argument to top_k must be no larger than size along axis; got k=%lld with shape=[",
               (long long)k);
    for (int d = 0; d < av.rank; d++) buf_printf(&m, d ? ", %lld" : "%lld", (long long)av.dims[d]);
    buf_printf(&m, "] and axis=%lld", (long long)axis);
    return ta_raise_buf(t, span, &m);
  }
  ir_atom in;
  uint32_t outs[2];
  if (!own_atom(t, &x, span, &in)) return false;
  ir_param ps[2] = {{"axis", pv_int(t->m, axis)}, {"k", pv_int(t->m, k)}};
  if (!emit_n(t, P_top_k, &in, 1, 2, ps, 2, span, outs)) return false;
  value *vs = ARENA_ARRAY(&t->scratch, value, 2);
  vs[0] = value_traced(outs[0]), vs[1] = value_traced(outs[1]);
  *out = (value){.kind = V_TUPLE, .n = 2, .items = vs};
  return true;
}

static const char *const kw_sort[] = {"axis", "stable", "descending", NULL};
static const char *const kw_lax_sort[] = {"dimension", "is_stable", "num_keys", NULL};
static const char *const kw_top_k[] = {"k", "axis", NULL};

/* prim tells sort (P_sort) from argsort (P_iota: its indices' source). */
const builtin_def builtins_sort[] = {
    {"sort", builtin_sort, 1, 2, kw_sort, P_sort},
    {"argsort", builtin_sort, 1, 2, kw_sort, P_iota},
    {"lax_sort", builtin_lax_sort, 1, 2, kw_lax_sort, P_sort},
    {"top_k", builtin_top_k, 1, 2, kw_top_k, P_top_k},
    {NULL, NULL, 0, 0, NULL, 0},
};
