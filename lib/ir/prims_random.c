/* Shape rules of the PRNG primitives (issue 16): threefry2x32_p
 * (jax/_src/random/threefry2x32.py _threefry2x32_abstract_eval). */
#include "prims.h"
#include "util.h"

#include <stdio.h>

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
