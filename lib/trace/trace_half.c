/* lax.reduce_precision(operand, exponent_bits, mantissa_bits)
 * (jax/_src/lax/lax.py reduce_precision): both bit counts through
 * core.concrete_or_error(operator.index, ...), then reduce_precision_p's
 * bind, whose shape rule (_reduce_precision_shape_rule) checks them and
 * whose dtype rule takes floats only (unop_dtype_rule with _float): the
 * primitive's shape rule (prims_half.c) raises those errors. */
#include "trace_array_int.h"

static bool bits_arg(tracer *t, const builtin_def *b, const call_args *a, int i, const char *kw, int64_t *out) {
  const value *v;
  tj_span span;
  if (!ta_get_arg(t, b, a, i, kw, &v, &span)) return false;
  if (!v) return true; /* missing: reported by the caller, all at once */
  if (v->kind == V_TRACED) {
    char context[96];
    snprintf(context, sizeof context, "%s argument of lax.reduce_precision", kw);
    return ta_concrete_error(t, v, span, context);
  }
  return ta_index_of(t, v, span, out);
}

static bool builtin_reduce_precision(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *ev, *mv;
  tj_span es, ms, span = a->call->span;
  int64_t ebits = INT64_MIN, mbits = INT64_MIN;
  if (!ta_get_arg(t, b, a, 1, "exponent_bits", &ev, &es) || !ta_get_arg(t, b, a, 2, "mantissa_bits", &mv, &ms))
    return false;
  if (!ev && !mv)
    return tracer_error(t, span, "TypeError: reduce_precision() missing 2 required positional arguments: "
                                 "'exponent_bits' and 'mantissa_bits'");
  if (!ev || !mv)
    return tracer_error(t, span, "TypeError: reduce_precision() missing 1 required positional argument: '%s'",
                        ev ? "mantissa_bits" : "exponent_bits");
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) ||
      !bits_arg(t, b, a, 1, "exponent_bits", &ebits) || !bits_arg(t, b, a, 2, "mantissa_bits", &mbits))
    return false;
  ir_atom in;
  if (!own_atom(t, &a->pos[0], span, &in)) return false;
  ir_param ps[2] = {{"exponent_bits", pv_int(t->m, ebits)}, {"mantissa_bits", pv_int(t->m, mbits)}};
  return emit(t, P_reduce_precision, &in, 1, NULL, ps, 2, span, out);
}

static const char *const kw_reduce_precision[] = {"exponent_bits", "mantissa_bits", NULL};

const builtin_def builtins_half[] = {
    {"lax_reduce_precision", builtin_reduce_precision, 1, 3, kw_reduce_precision, P_reduce_precision},
    {NULL, NULL, 0, 0, NULL, 0},
};
