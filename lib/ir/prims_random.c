/* Shape rules of the PRNG primitives (issue 16): threefry2x32_p
 * (jax/_src/random/threefry2x32.py _threefry2x32_abstract_eval). */
#include "prims.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#define REJECT(...) shape_rule_error(diags, m, e, __VA_ARGS__)

/* The operands as str() of the tuple of their ShapedArrays, as the
 * abstract eval formats `args` in its message. */
static const char *shaped_arrays(const ir_module *m, const ir_eqn *e, diag_list *diags) {
  tj_buf b = {0};
  buf_puts(&b, "(");
  for (uint32_t i = 0; i < e->nin; i++) {
    tj_aval a = ir_atom_aval(m, e->in[i]);
    char shape[160];
    aval_format_long(&a, shape, sizeof shape);
    buf_printf(&b, "%sShapedArray(%s%s)", i ? ", " : "", shape, a.weak ? ", weak_type=True" : "");
  }
  buf_puts(&b, e->nin == 1 ? ",)" : ")");
  const char *s = arena_strdup(diags->arena, b.data);
  buf_free(&b);
  return s;
}

/* lax.broadcasting_shape_rule as _try_broadcast_shapes words it: scalars
 * are left out, the others must have one rank, each dimension equal or 1. */
static bool broadcast_shapes(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  bool have = false, ranks[TJ_MAX_RANK + 1] = {0}, mixed = false;
  for (uint32_t i = 0; i < e->nin; i++) {
    tj_aval a = ir_atom_aval(m, e->in[i]);
    if (a.rank == 0) continue;
    ranks[a.rank] = true;
    if (!have) *out = a, have = true;
    else mixed |= a.rank != out->rank;
  }
  if (!have) return out->rank = 0, true;
  if (mixed) { /* a Python set of small ints prints in ascending order */
    tj_buf b = {0};
    for (int r = 0; r <= TJ_MAX_RANK; r++)
      if (ranks[r]) buf_printf(&b, "%s%d", b.len ? ", " : "", r);
    bool ok = REJECT("threefry2x32: arrays must have the same number of dimensions, got {%s}", b.data);
    buf_free(&b);
    return ok;
  }
  for (uint32_t i = 0; i < e->nin; i++) {
    tj_aval a = ir_atom_aval(m, e->in[i]);
    for (int d = 0; a.rank && d < a.rank; d++) {
      if (a.dims[d] == out->dims[d] || a.dims[d] == 1) continue;
      if (out->dims[d] == 1) { out->dims[d] = a.dims[d]; continue; }
      tj_buf b = {0};
      for (uint32_t k = 0; k < e->nin; k++) {
        tj_aval s = ir_atom_aval(m, e->in[k]);
        if (s.rank) buf_printf(&b, "%s%s", b.len ? ", " : "", shape_rule_tuple(diags, s.dims, s.rank));
      }
      bool ok = REJECT("threefry2x32 got incompatible shapes for broadcasting: %s.", b.data);
      buf_free(&b);
      return ok;
    }
  }
  return true;
}

/* threefry2x32(key1, key2, x1, x2): four uint32 arrays, broadcast; two
 * outputs of the broadcast shape. */
bool shape_threefry2x32(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  for (uint32_t i = 0; i < e->nin; i++)
    if (ir_atom_aval(m, e->in[i]).dtype != DT_U32)
      return REJECT("Arguments to threefry2x32 must have uint32 type, got %s", shaped_arrays(m, e, diags));
  if (!broadcast_shapes(m, e, &out[0], diags)) return false;
  out[0].dtype = DT_U32, out[0].weak = false;
  for (uint32_t k = 1; k < e->nout; k++) out[k] = out[0];
  return e->nout == 2 || REJECT("threefry2x32 has two outputs");
}

/* ---- the typed-key primitives (jax/_src/random/prng.py) ---- */

static bool is_fry(const ir_eqn *e) {
  const char *impl = ir_param_name(e, "impl");
  return impl && strcmp(impl, "fry") == 0;
}

/* random_seed_abstract_eval: keys of the seeds' shape. */
bool shape_random_seed(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval s = ir_atom_aval(m, e->in[0]);
  if (!is_fry(e)) return REJECT("random_seed of an implementation other than threefry2x32");
  if (!dtype_is_int(s.dtype)) /* _threefry_seed's check (there at lowering, here at once) */
    return REJECT("PRNG key seed must be an integer; got %s", dtype_long(s.dtype));
  out[0] = s, out[0].dtype = DT_KEY, out[0].weak = false;
  return true;
}

/* random_wrap_abstract_eval after _check_prng_key_data's checks: uint32
 * data whose shape ends with the key shape (2,); keys of the rest. impl's
 * repr (a NamedTuple's) shows its functions, whose reprs hold addresses:
 * here without them. */
bool shape_random_wrap(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval d = ir_atom_aval(m, e->in[0]);
  if (!is_fry(e)) return REJECT("random_wrap of an implementation other than threefry2x32");
  if (d.rank < 1)
    return REJECT("JAX encountered invalid PRNG key data: expected key_data.ndim >= 1; got ndim=%d", d.rank);
  if (d.dims[d.rank - 1] != 2)
    return REJECT("JAX encountered invalid PRNG key data: expected key_data.shape to end with (2,); got "
                  "shape=%s for impl=PRNGImpl(key_shape=(2,), seed=<function threefry_seed>, split=<function "
                  "threefry_split>, random_bits=<function threefry_random_bits>, fold_in=<function "
                  "threefry_fold_in>, name='threefry2x32', tag='fry')", shape_rule_tuple(diags, d.dims, d.rank));
  if (d.dtype != DT_U32)
    return REJECT("JAX encountered invalid PRNG key data: expected key_data.dtype = uint32; got dtype=%s",
                  dtype_long(d.dtype));
  out[0] = d, out[0].rank--, out[0].dtype = DT_KEY, out[0].weak = false;
  return true;
}

/* random_unwrap_abstract_eval: core.physical_aval, uint32[..., 2]. */
bool shape_random_unwrap(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval k = ir_atom_aval(m, e->in[0]);
  if (k.dtype != DT_KEY) return REJECT("random_unwrap takes key array operand, got keys.dtype=dtype('%s')",
                                       dtype_long(k.dtype));
  if (k.rank >= TJ_MAX_RANK) return REJECT("random_unwrap: rank over the limit");
  out[0] = k, out[0].dtype = DT_U32, out[0].dims[out[0].rank++] = 2;
  return true;
}

/* The keys' shape then the param shape (random_split's and random_bits'
 * abstract evals). */
static bool keys_then_shape(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval k = ir_atom_aval(m, e->in[0]);
  int64_t shape[TJ_MAX_RANK];
  int n = ir_param_ints(e, "shape", shape, TJ_MAX_RANK);
  if (k.dtype != DT_KEY) return REJECT("%s takes a key array, got %s", prims[e->prim].name, dtype_long(k.dtype));
  if (n < 0 || k.rank + n > TJ_MAX_RANK) return REJECT("%s: rank over the limit", prims[e->prim].name);
  out[0] = k;
  for (int i = 0; i < n; i++) {
    if (shape[i] < 0) return REJECT("%s: negative dimension in shape %s", prims[e->prim].name,
                                    shape_rule_tuple(diags, shape, n));
    out[0].dims[out[0].rank++] = shape[i];
  }
  if (aval_size(&out[0]) > TJ_MAX_ELEMENTS) return REJECT("%s: result too large", prims[e->prim].name);
  return true;
}

/* random_clone_p.def_abstract_eval(lambda x: x): any operand, as it is. */
bool shape_random_clone(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  (void)diags;
  out[0] = ir_atom_aval(m, e->in[0]);
  return true;
}

bool shape_random_split(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  return keys_then_shape(m, e, out, diags);
}

/* random_bits_abstract_eval: uint{bit_width} of the keys' shape then shape. */
bool shape_random_bits(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  int64_t w = ir_param_int(e, "bit_width", 0);
  if (w != 8 && w != 16 && w != 32 && w != 64) return REJECT("requires 8-, 16-, 32- or 64-bit field width.");
  if (!keys_then_shape(m, e, out, diags)) return false;
  out[0].dtype = w == 8 ? DT_U8 : w == 16 ? DT_U16 : w == 32 ? DT_U32 : DT_U64;
  return true;
}

/* random_fold_in_abstract_eval: the keys and the messages broadcast as
 * lax.broadcasting_shape_rule('random_fold_in', ...) does; keys out. */
bool shape_random_fold_in(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval k = ir_atom_aval(m, e->in[0]), d = ir_atom_aval(m, e->in[1]);
  if (k.dtype != DT_KEY) return REJECT("random_fold_in takes a key array, got %s", dtype_long(k.dtype));
  if (d.dtype != DT_U32) return REJECT("random_fold_in takes uint32 messages, got %s", dtype_long(d.dtype));
  out[0] = k.rank ? k : d;
  if (k.rank && d.rank && k.rank != d.rank)
    return REJECT("random_fold_in: arrays must have the same number of dimensions, got {%d, %d}",
                  k.rank < d.rank ? k.rank : d.rank, k.rank < d.rank ? d.rank : k.rank);
  for (int i = 0; k.rank && d.rank && i < k.rank; i++) {
    if (k.dims[i] == d.dims[i] || d.dims[i] == 1) continue;
    if (k.dims[i] != 1)
      return REJECT("random_fold_in got incompatible shapes for broadcasting: %s, %s.",
                    shape_rule_tuple(diags, k.dims, k.rank), shape_rule_tuple(diags, d.dims, d.rank));
    out[0].dims[i] = d.dims[i];
  }
  out[0].dtype = DT_KEY, out[0].weak = false;
  return true;
}
