/* The precision argument of the contractions (dot_general's callers and
 * conv_general_dilated), as lax.canonicalize_precision reads it
 * (jax/_src/lax/lax.py, JAX 0.10.2), and the text of the precision param
 * as jaxprs print it: str() of the canonical pair of lax.Precision values,
 * "(Precision.HIGHEST, Precision.DEFAULT)" (a tuple prints its items'
 * repr, Precision.__repr__ "Precision.NAME").
 *
 * tjit spells a Precision as one of its strings ("highest", "float32",
 * "high", ...): its language has no lax.Precision object. A
 * DotAlgorithmPreset (or its name) is refused: it changes the operand and
 * accumulation types. On CPU every Precision computes the same float32
 * result, so the param changes the listing only. */
#include <stdio.h>
#include <string.h>

#include "trace_array_int.h"

/* _precision_strings, in its insertion order (ValueError lists it). */
static const struct {
  const char *name, *precision;
} precision_strings[] = {
    {"highest", "HIGHEST"}, {"float32", "HIGHEST"},       {"high", "HIGH"},
    {"bfloat16_3x", "HIGH"}, {"tensorfloat32", "HIGH"},   {"default", "DEFAULT"},
    {"bfloat16", "DEFAULT"}, {"fastest", "DEFAULT"},
};

/* DotAlgorithmPreset's member names (canonicalize_precision tries them
 * after the precision strings). */
static const char *const presets[] = {
    "DEFAULT",        "ANY_F8_ANY_F8_F32", "ANY_F8_ANY_F8_F32_FAST_ACCUM", "ANY_F8_ANY_F8_ANY",
    "ANY_F8_ANY_F8_ANY_FAST_ACCUM", "F16_F16_F16", "F16_F16_F32", "BF16_BF16_BF16", "BF16_BF16_F32",
    "BF16_BF16_F32_X3", "BF16_BF16_F32_X6", "BF16_BF16_F32_X9", "TF32_TF32_F32", "TF32_TF32_F32_X3",
    "F32_F32_F32",    "F64_F64_F64",
};

static const char *precision_of(const value *v) {
  for (size_t i = 0; v->kind == V_STR && i < sizeof precision_strings / sizeof *precision_strings; i++)
    if (strlen(precision_strings[i].name) == v->slen && memcmp(precision_strings[i].name, v->s, v->slen) == 0)
      return precision_strings[i].precision;
  return NULL;
}

static bool is_preset(const value *v) {
  for (size_t i = 0; v->kind == V_STR && i < sizeof presets / sizeof *presets; i++)
    if (strlen(presets[i]) == v->slen && memcmp(presets[i], v->s, v->slen) == 0) return true;
  return false;
}

/* canonicalize_precision's ValueError; str() of the value (a string
 * bare, anything else its repr). */
static bool precision_error(tracer *t, const value *v, tj_span span) {
  tj_buf b = {0};
  buf_puts(&b, "ValueError: Precision argument must be one of:\n- None,\n- a string in [");
  for (size_t i = 0; i < sizeof precision_strings / sizeof *precision_strings; i++)
    buf_printf(&b, "'%s', ", precision_strings[i].name);
  buf_puts(&b, "None],\n- a lax.Precision value,\n- a tuple of two lax.Precision values or strings,\n"
               "- a lax.DotAlgorithmPreset or the name of one of these presets, or\n"
               "- a lax.DotAlgorithm value;\nbut got ");
  if (v->kind == V_STR) buf_printf(&b, "%.*s", (int)v->slen, v->s);
  else ta_put_value(t, &b, v);
  buf_putc(&b, '.');
  return ta_raise_buf(t, span, &b);
}

static bool preset_refused(tracer *t, const value *v, tj_span span) {
  return tracer_error(t, span, "precision=%.*s: tjit does not support lax.DotAlgorithmPreset (it sets the operand "
                      "and accumulation types); give None, a lax.Precision name such as 'highest', or a pair of them",
                      (int)v->slen, v->s);
}

/* One half of the pair: a precision string, or the error JAX meets. */
static bool one_precision(tracer *t, const value *v, tj_span span, const char **out) {
  if ((*out = precision_of(v))) return true;
  if (is_preset(v)) /* canonicalize_precision(s)[0] of a DotAlgorithmPreset */
    return tracer_error(t, span, "TypeError: 'DotAlgorithmPreset' object is not subscriptable");
  return precision_error(t, v, span);
}

bool ta_precision(tracer *t, const value *v, tj_span span, pval **out) {
  const char *p[2] = {NULL, NULL};
  *out = NULL;
  if (!v || v->kind == V_NONE) return true; /* jax_default_matmul_precision is None */
  note_use(t, value_prov_deep(v), USE_SHAPE); /* it decides a param */
  if (v->kind == V_STR) {
    if (!(p[0] = p[1] = precision_of(v))) return is_preset(v) ? preset_refused(t, v, span) : precision_error(t, v, span);
  } else if (v->kind == V_TUPLE && v->n == 2 && v->items[0].kind == V_STR && v->items[1].kind == V_STR) {
    if (!one_precision(t, &v->items[0], span, &p[0]) || !one_precision(t, &v->items[1], span, &p[1])) return false;
  } else {
    return precision_error(t, v, span);
  }
  char text[80];
  snprintf(text, sizeof text, "(Precision.%s, Precision.%s)", p[0], p[1]);
  *out = pv_name(t->m, text);
  return true;
}
