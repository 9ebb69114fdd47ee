/* reduce_precision's evaluator rule (issue 14 item 7): XLA's
 * ReducePrecision (half_bits.h tj_rp_bits) on each element's bits in its
 * own format: f32, f64, f16 and bf16 alike, every exponent and mantissa
 * bit count the shape rule lets through. */
#include "eval.h"
#include "half_bits.h"

#include <string.h>

TJ_RP_BITS_DEFS

/* The bits of element i of a float array, and its format's widths. */
static unsigned long long elem_bits(const tj_array *a, int64_t i, int *sm, int *se) {
  switch (a->dtype) {
  case DT_F64: { unsigned long long u; memcpy(&u, (const double *)a->data + i, 8); *sm = 52, *se = 11; return u; }
  case DT_F32: { uint32_t u; memcpy(&u, (const float *)a->data + i, 4); *sm = 23, *se = 8; return u; }
  default: *sm = a->dtype == DT_F16 ? 10 : 7, *se = a->dtype == DT_F16 ? 5 : 8; return ((const uint16_t *)a->data)[i];
  }
}

static void set_bits(tj_array *r, int64_t i, unsigned long long u) {
  if (r->dtype == DT_F64) memcpy((double *)r->data + i, &u, 8);
  else if (r->dtype == DT_F32) { uint32_t v = (uint32_t)u; memcpy((float *)r->data + i, &v, 4); }
  else ((uint16_t *)r->data)[i] = (uint16_t)u;
}

bool ev_reduce_precision(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  long long ebits = ir_param_int(e, "exponent_bits", 0), mbits = ir_param_int(e, "mantissa_bits", -1);
  if (ebits < 1 || mbits < 0 || !dtype_is_float(in[0]->dtype)) return eval_bug(s, "reduce_precision without its bits");
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  for (int64_t i = 0; i < r->size; i++) {
    int sm, se;
    unsigned long long u = elem_bits(in[0], i, &sm, &se);
    set_bits(r, i, tj_rp_bits(u, sm, se, ebits, mbits));
  }
  return true;
}
