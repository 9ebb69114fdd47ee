/* Diagonals, trace, repeat and roll by a traced shift (issue 14 item 6),
 * as JAX 0.10.2 records them (jax/_src/numpy/lax_numpy.py: diag, _diag,
 * diagonal, trace, repeat, _roll_dynamic; jax/_src/lax/slicing.py).
 * Part of the array vocabulary (trace_array_int.h). */
#include "trace_array_int.h"

#include <string.h>

/* Identities in the jit cache (trace.h jnp_jit): never read or written. */
static const ast_func roll_dynamic_tag;

/* A strongly typed int32 literal operand (np.int32(i), jnp.array(i, int32)). */
static bool i32_atom(tracer *t, int64_t i, tj_span span, ir_atom *out) {
  value v = value_strong(value_int(i), DT_I32);
  return to_atom(t, &v, DT_I32, false, span, out);
}

/* prim(a, b) on two atoms, literal or not: lax binds it even when both are
 * constants, so it is an equation of its own. */
static bool emit2(tracer *t, int prim, ir_atom a, ir_atom b, tj_span span, value *out) {
  ir_atom in[2] = {a, b};
  return emit(t, prim, in, 2, NULL, NULL, 0, span, out);
}

/* ---- roll with a traced shift ---- */

typedef struct {
  const int64_t *axes;
  int naxes;
} roll_dynamic_opts;

/* One (shift, axis) pair of _roll_dynamic's loop: the shift modulo the
 * size (ufuncs.remainder, a jit), the array concatenated with itself, and
 * lax.dynamic_slice_in_dim at size - shift, which _dynamic_slice_indices
 * wraps when negative (the other axes start at literal zeros). */
static bool roll_one(tracer *t, value *a, value x, int ax, tj_span span) {
  tj_aval av = value_aval(t, a);
  int64_t size = av.dims[ax];
  ir_atom size_lit, one;
  value m, both[2], cat, start, neg, wrapped;
  if (!convert(t, &x, DT_I32, false, span) || !i32_atom(t, size, span, &size_lit) || !i32_atom(t, 1, span, &one) ||
      !emit2(t, P_max, size_lit, one, span, &m))
    return false;
  both[0] = x, both[1] = m;
  if (!call_builtin_values(t, "remainder", both, 2, span, &x)) return false;
  ir_atom in[TJ_MAX_RANK + 1] = {ATOM_VAR(a->var), ATOM_VAR(a->var)};
  ir_param p = {"dimension", pv_int(t->m, ax)};
  if (!emit(t, P_concatenate, in, 2, NULL, &p, 1, span, &cat) ||
      !emit2(t, P_sub, size_lit, ATOM_VAR(x.var), span, &start))
    return false;
  ir_atom zero;
  if (!i32_atom(t, 0, span, &zero) || !emit2(t, P_lt, ATOM_VAR(start.var), zero, span, &neg) ||
      !emit2(t, P_add, ATOM_VAR(start.var), size_lit, span, &wrapped))
    return false;
  ir_atom sel[3] = {ATOM_VAR(neg.var), ATOM_VAR(start.var), ATOM_VAR(wrapped.var)};
  if (!emit(t, P_select_n, sel, 3, NULL, NULL, 0, span, &start)) return false;
  in[0] = ATOM_VAR(cat.var);
  for (int d = 0; d < av.rank; d++) in[1 + d] = d == ax ? ATOM_VAR(start.var) : zero;
  ir_param sizes = {"slice_sizes", pv_ints(t->m, PV_TUPLE, av.dims, av.rank)};
  return emit(t, P_dynamic_slice, in, av.rank + 1, NULL, &sizes, 1, span, a);
}

/* _roll_dynamic's body: the shift broadcast to the axes' shape and taken
 * apart element by element (iterating an array: slice and squeeze), one
 * roll_one per axis. */
static bool roll_dynamic_body(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  const roll_dynamic_opts *o = ctx;
  value shift = args[1];
  tj_aval sa = value_aval(t, &shift), b = {.rank = 1, .dims = {o->naxes}, .dtype = sa.dtype, .weak = sa.weak};
  *out = args[0];
  if (!ta_broadcast_trailing(t, &shift, &sa, &b, span, &shift)) return false;
  for (int k = 0; k < o->naxes; k++) {
    value x;
    int64_t first = 0;
    if (!ta_slice_in_dim(t, shift, 0, k, k + 1, span, &x) || !ta_squeeze_dims(t, &x, &first, 1, span) ||
        !roll_one(t, out, x, (int)o->axes[k], span))
      return false;
  }
  return true;
}

/* jnp.roll(a, shift, axis) with a traced shift: the jit _roll_dynamic with
 * the axes static. A scalar shift only: for an array of shifts jnp.roll's
 * _ensure_index_tuple iterates it first, which records slices of its own. */
bool ta_roll_dynamic(tracer *t, value x, value shift, tj_span sspan, const int64_t *axes, int naxes, tj_span span,
                     value *out) {
  tj_aval sa = value_aval(t, &shift);
  if (sa.rank != 0) return tracer_error(t, sspan, "roll with a traced shift that is not a scalar is not supported");
  if (!dtype_is_int(sa.dtype) && sa.dtype != DT_BOOL && !dtype_is_float(sa.dtype))
    return tracer_error(t, sspan, "roll with a shift of dtype %s is not supported", dtype_long(sa.dtype));
  value key = {.kind = V_TUPLE, .n = naxes, .items = ARENA_ARRAY(&t->scratch, value, naxes ? naxes : 1)};
  for (int i = 0; i < naxes; i++) key.items[i] = value_int(axes[i]);
  roll_dynamic_opts o = {axes, naxes};
  value args[2] = {x, shift};
  jnp_jit_fn fn = {"_roll_dynamic", &roll_dynamic_tag, key, roll_dynamic_body, &o};
  return jnp_jit(t, &fn, args, 2, span, out);
}
