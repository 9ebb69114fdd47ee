/* C rules of the elementwise primitives: the expression of one element,
 * with the reference evaluator's (XLA's) semantics exactly. The unary and
 * binary operations are elem.def's rows: each row's C template for the
 * dtype class, expanded here (float32 math in float through the same libm
 * functions, integers wrapping, division and shifts through the prelude's
 * helpers). Then the rules of convert_element_type (saturating float to
 * int), select_n and clamp. */
#include "codegen.h"

#include <string.h>

/* A row's templates and param (elem.def); NULL where the row has no rule
 * for the class, or the primitive no row: an internal error. */
typedef struct elem_template {
  const char *c_float, *c_int;
  const char *param;          /* the row's param (%p, @a|b), or NULL */
  int64_t param_default;
} elem_template;

#define PARAM(key, dflt) key, dflt
#define NOPARAM NULL, 0
#define UNARY_F(op, param, libm, fe, cf, k, u32, u64) [P_##op] = {cf, NULL, param},
#define UNARY_I(op, param, ie, ci) [P_##op] = {NULL, ci, param},
#define UNARY_FI(op, param, fe, ie, cf, ci, k, u32, u64) [P_##op] = {cf, ci, param},
#define BINARY_F(op, libm, fe, cf, k, u32, u64) [P_##op] = {cf, NULL, NOPARAM},
#define BINARY_I(op, ie, ci) [P_##op] = {NULL, ci, NOPARAM},
#define BINARY_FI(op, fe, ie, cf, ci, k, u32, u64, ik) [P_##op] = {cf, ci, NOPARAM},
#define COMPARE(op, cop) [P_##op] = {"(bool)(%0 " #cop " %1)", "(bool)(%0 " #cop " %1)", NOPARAM},
#define COMPARE_TO(op, cop, fe, cf) [P_##op] = {cf, "(bool)(%0 " #cop " %1)", NOPARAM},
static const elem_template templates[P_COUNT] = {
#include "elem.def"
};
#include "elem_undef.h"
#undef PARAM
#undef NOPARAM

/* The prelude's helpers by their names in the templates ($max ...). */
static const struct { const char *name; enum cg_helper h; } helper_names[] = {
    {"max", H_MAX}, {"min", H_MIN}, {"div", H_DIV},   {"rem", H_REM},
    {"shl", H_SHL}, {"shra", H_SHRA}, {"shrl", H_SHRL}, {"ipow", H_IPOW}, {"clz", H_CLZ},
};

/* What a template expands against: one equation on one dtype. */
typedef struct expansion {
  cg *g;
  const ir_eqn *e;
  const char *const *ops;
  tj_dtype t;
  int64_t p;                  /* the row's param */
} expansion;

static size_t name_length(const char *s) { return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_|"); }

/* @fn( or @a|b(: the libm function (alternative p of the list, the first
 * where p names none, as the evaluator's rows read it), with an f for
 * float32, marked as used. Returns the characters read. */
static size_t expand_libm(const expansion *x, const char *s, tj_buf *out) {
  size_t len = name_length(s), start = 0, n;
  for (int64_t k = 0; k < x->p && start < len; k++) {
    const char *bar = memchr(s + start, '|', len - start);
    start = bar ? (size_t)(bar - s) + 1 : len;
  }
  if (x->p < 0 || start == len) start = 0;
  const char *end = memchr(s + start, '|', len - start);
  n = end ? (size_t)(end - s) - start : len - start;
  char name[32];
  if (n == 0 || n + 2 > sizeof name) {
    cg_fail(x->g, "internal error: template of %s has no libm function in %.*s", prims[x->e->prim].name, (int)len, s);
    return len;
  }
  snprintf(name, sizeof name, "%.*s%s", (int)n, s + start, x->t == DT_F32 ? "f" : "");
  buf_puts(out, cg_fn(x->g, name));
  return len;
}

/* $h(: the prelude's helper h for the dtype. */
static size_t expand_helper(const expansion *x, const char *s, tj_buf *out) {
  size_t len = name_length(s);
  for (size_t i = 0; i < TJ_COUNT(helper_names); i++)
    if (strlen(helper_names[i].name) == len && strncmp(helper_names[i].name, s, len) == 0) {
      buf_puts(out, cg_helper(x->g, helper_names[i].h, x->t));
      return len;
    }
  cg_fail(x->g, "internal error: template of %s names no helper %.*s", prims[x->e->prim].name, (int)len, s);
  return len;
}

/* %c: one directive; false if c is none. */
static bool expand_directive(const expansion *x, char c, tj_buf *out) {
  switch (c) {
  case '0': case '1': buf_puts(out, x->ops[c - '0']); return true;
  case 'T': buf_puts(out, cg_type(x->t)); return true;
  case 'U': buf_puts(out, dtype_size(x->t) == 8 ? "unsigned long long" : "unsigned"); return true;
  case 'f': buf_puts(out, x->t == DT_F32 ? "f" : ""); return true;
  case 'p': buf_printf(out, "%lld", (long long)x->p); return true;
  case '~': buf_puts(out, x->t == DT_BOOL ? "!" : "~"); return true;
  case '%': buf_putc(out, '%'); return true;
  }
  return cg_fail(x->g, "internal error: template of %s has %%%c", prims[x->e->prim].name, c);
}

static bool expand(const expansion *x, const char *tmpl, tj_buf *out) {
  for (const char *s = tmpl; !x->g->failed && *s; s++) {
    if (*s == '@') s += expand_libm(x, s + 1, out);
    else if (*s == '$') s += expand_helper(x, s + 1, out);
    else if (*s == '%') expand_directive(x, *++s, out);
    else buf_putc(out, *s);
  }
  return !x->g->failed;
}

/* The C expression of elementwise equation e (unary or binary) on its
 * operands' element expressions ops. */
static bool elem_expr(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *out) {
  const elem_template *tm = &templates[e->prim];
  tj_dtype t = cg_aval(g, e->in[0]).dtype;
  const char *tmpl = dtype_is_float(t) ? tm->c_float : tm->c_int;
  if (!tmpl) return cg_fail(g, "internal error: no C rule for %s on %s", prims[e->prim].name, cg_type(t));
  expansion x = {g, e, ops, t, tm->param ? ir_param_int(e, tm->param, tm->param_default) : 0};
  return expand(&x, tmpl, out);
}

bool cg_unary(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *out) { return elem_expr(g, e, ops, out); }

bool cg_binary(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *out) { return elem_expr(g, e, ops, out); }

/* f16 and bf16 (the half pass leaves only these conversions): to and
 * from float32 by half_bits.h's helpers; a double straight to f16 (one
 * rounding, as numpy's float16(x)), to bf16 through float32 (ml_dtypes'). */
static bool convert_half(cg *g, tj_dtype from, tj_dtype to, const char *op, tj_buf *out) {
  if (from == DT_F32 && to == DT_F16) buf_printf(out, "tj_f16_of_f32(%s)", op);
  else if (from == DT_F64 && to == DT_F16) buf_printf(out, "tj_f16_of_f64(%s)", op);
  else if ((from == DT_F32 || from == DT_F64) && to == DT_BF16) buf_printf(out, "tj_bf16_of_f32((f32)%s)", op);
  else if (from == DT_F16 && to == DT_F32) buf_printf(out, "tj_f32_of_f16(%s)", op);
  else if (from == DT_BF16 && to == DT_F32) buf_printf(out, "tj_f32_of_bf16(%s)", op);
  else return cg_fail(g, "internal error: no C rule for convert_element_type from %s to %s", cg_type(from), cg_type(to));
  return true;
}

bool cg_convert(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *out) {
  tj_dtype from = cg_aval(g, e->in[0]).dtype, to = g->m->vars[e->out[0]].dtype;
  if (dtype_is_half(from) || dtype_is_half(to)) return convert_half(g, from, to, ops[0], out);
  if (to == DT_BOOL) buf_printf(out, "(bool)(%s != 0)", ops[0]);
  else if (dtype_is_float(from) && !dtype_is_float(to)) buf_printf(out, "%s(%s)", cg_helper(g, H_F2I, to), ops[0]);
  else if (from == DT_U64 && dtype_is_float(to)) buf_printf(out, "%s(%s)", cg_helper(g, H_U2F, to), ops[0]);
  else buf_printf(out, "(%s)%s", cg_type(to), ops[0]);
  return true;
}

/* select_n(which, *cases): a which outside [0, n) picks the nearest end. */
bool cg_select_n(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *out) {
  uint32_t n = e->nin - 1;
  (void)g;
  if (n == 1) { buf_puts(out, ops[1]); return true; }
  for (uint32_t k = 0; k + 1 < n; k++) buf_printf(out, "%s < %u ? %s : ", ops[0], k + 1, ops[1 + k]);
  buf_puts(out, ops[n]);
  return true;
}

/* clamp(lo, x, hi) = min(max(x, lo), hi). */
bool cg_clamp(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *out) {
  tj_dtype t = g->m->vars[e->out[0]].dtype;
  buf_printf(out, "%s(%s(%s, %s), %s)", cg_helper(g, H_MIN, t), cg_helper(g, H_MAX, t), ops[1], ops[0], ops[2]);
  return true;
}

/* bitcast_convert_type: the element's bits read through a union (C11
 * 6.5.2.3: the bytes reinterpreted as the other member's type). */
bool cg_bitcast(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *out) {
  tj_dtype from = cg_aval(g, e->in[0]).dtype, to = g->m->vars[e->out[0]].dtype;
  buf_printf(out, "((union { %s a; %s b; }){.a = %s}).b", cg_type(from), cg_type(to), ops[0]);
  return true;
}
