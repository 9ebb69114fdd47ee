/* The float64 promotion (pass_f64, lib/ir/pass_f64.c) on traced programs:
 * its listing is the traced one with every float32, float16 and bfloat16
 * aval, literal and dtype param made float64 and nothing else changed
 * (integers, shapes, literal values); constants are widened exactly; the
 * copy passes ir_check and the evaluator computes it in float64; the
 * traced module is left as it was; and a program that float64 cannot type
 * (bitcast_convert_type of a float32 to an int32) is an error, not a
 * wrong program. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "array.h"
#include "eval.h"
#include "harness.h"
#include "pass.h"
#include "print.h"
#include "tjit.h"

/* The jaxpr of spec text (its ctx in *ctx, to free after). */
static tj_jaxpr *traced(const char *text, tj_ctx **ctx) {
  tj_spec *spec = NULL;
  tj_jaxpr *j = NULL;
  *ctx = tj_ctx_new();
  if (tj_spec_load(*ctx, "t.json", text, strlen(text), &spec) != TJ_OK || tj_trace(*ctx, spec, NULL, &j) != TJ_OK)
    return NULL;
  return j;
}

/* s with every occurrence of from replaced by to (malloc'd). */
static char *replaced(const char *s, const char *from, const char *to) {
  size_t nf = strlen(from), nt = strlen(to), n = 0;
  for (const char *p = strstr(s, from); p; p = strstr(p + nf, from)) n++;
  char *out = malloc(strlen(s) + n * nt + 1), *o = out;
  for (const char *p; (p = strstr(s, from)); s = p + nf) {
    memcpy(o, s, (size_t)(p - s)), o += p - s;
    memcpy(o, to, nt), o += nt;
  }
  strcpy(o, s);
  return out;
}

/* The promotion as text: every float dtype name f64 (bf16 before f16,
 * which it contains). */
static char *promoted_text(const char *listing) {
  static const char *const from[] = {"bf16[", "f16[", "f32[", "bfloat16", "float16", "float32"};
  static const char *const to[] = {"f64[", "f64[", "f64[", "float64", "float64", "float64"};
  char *s = strdup(listing);
  for (size_t i = 0; i < sizeof from / sizeof from[0]; i++) {
    char *t = replaced(s, from[i], to[i]);
    free(s);
    s = t;
  }
  return s;
}

static const char mixed_spec[] =
    "{\"source\": [\"auto f(float x[3], f16 h[3], i32 n[3], bf16 b[2]) {\","
    " \"  auto c = array([1.5, -0.5, 0.1]);\","
    " \"  auto m = reshape(x, (1, 3)) @ reshape(c, (3, 1));\","
    " \"  return (x * 0.1 + c + iota(float, 3), h.astype(float) + n, (x * 2).astype(f16), m, n * 2, b * b);\","
    " \"}\"],"
    " \"args\": {\"x\": {\"dtype\": \"f32\", \"shape\": [3]}, \"h\": {\"dtype\": \"f16\", \"shape\": [3]},"
    " \"n\": {\"dtype\": \"i32\", \"shape\": [3]}, \"b\": {\"dtype\": \"bf16\", \"shape\": [2]}}}";

/* Every float aval, literal and dtype param made f64: the listing says it
 * all (dot_general's preferred_element_type, convert_element_type's
 * new_dtype, iota's dtype, the f32 literal 0.1 keeping its f32 value). */
static void test_listing(void) {
  tj_ctx *ctx;
  tj_jaxpr *j = traced(mixed_spec, &ctx);
  CHECK(j != NULL);
  if (!j) { tj_ctx_free(ctx); return; }
  char *before = print_jaxpr(j->m);
  CHECK(strstr(before, "preferred_element_type=float32") && strstr(before, "new_dtype=float16") &&
        strstr(before, "dtype=float32") && strstr(before, "0.10000000149011612:f32[]") && strstr(before, "bf16[2]"));
  ir_module *m = pass_f64(j->m, harness_at()->d);
  CHECK(m != NULL);
  if (m) {
    char *got = print_jaxpr(m), *want = promoted_text(before);
    CHECK_STR(got, want);
    CHECK(strstr(got, "0.10000000149011612:f64[]") && strstr(got, "r:i32[3] = mul d 2:i32[]"));
    char *again = print_jaxpr(j->m); /* the traced module is left as it was */
    CHECK_STR(again, before);
    free(again), free(got), free(want);
    ir_free(m);
  }
  free(before);
  tj_jaxpr_free(j);
  tj_ctx_free(ctx);
}

/* The constant c, f32 in the trace, widened exactly: 0.1 stays float(0.1). */
static void test_constants(void) {
  tj_ctx *ctx;
  tj_jaxpr *j = traced(mixed_spec, &ctx);
  ir_module *m = j ? pass_f64(j->m, harness_at()->d) : NULL;
  CHECK(m && m->top->nconst == 1);
  if (m && m->top->nconst == 1) {
    uint32_t c = m->top->constvars[0];
    const double *data = ir_const_data(m, c);
    CHECK(m->vars[c].dtype == DT_F64 && data != NULL);
    CHECK(data && data[0] == 1.5 && data[1] == -0.5 && data[2] == (double)0.1f);
    CHECK(j->m->vars[c].dtype == DT_F32);
  }
  ir_free(m);
  tj_jaxpr_free(j);
  tj_ctx_free(ctx);
}

/* The evaluator runs the copy in float64: x * 0.1 + c + iota is the
 * double computation (float32 would round each step), the integers are
 * computed as integers. */
static void test_evaluates_in_f64(void) {
  tj_ctx *ctx;
  tj_jaxpr *j = traced(mixed_spec, &ctx);
  ir_module *m = j ? pass_f64(j->m, harness_at()->d) : NULL;
  CHECK(m != NULL);
  if (!m) { tj_jaxpr_free(j), tj_ctx_free(ctx); return; }
  const double xs[3] = {1.0 / 3, -1.2, 2.1}, hs[3] = {0.5, 1.5, -0.25}, bs[2] = {0.5, 3};
  tj_aval a3 = aval_scalar(DT_F64, false), a2 = a3, i3 = aval_scalar(DT_I32, false);
  a3.rank = a2.rank = i3.rank = 1, a3.dims[0] = i3.dims[0] = 3, a2.dims[0] = 2;
  tj_array *in[4] = {array_new(&a3), array_new(&a3), array_new(&i3), array_new(&a2)}, *out[6] = {0};
  for (int i = 0; i < 3; i++) array_set_f(in[0], i, xs[i]), array_set_f(in[1], i, hs[i]), array_set_i(in[2], i, i + 1);
  for (int i = 0; i < 2; i++) array_set_f(in[3], i, bs[i]);
  CHECK(eval_jaxpr(harness_at(), m, m->top, (const tj_array *const *)in, out) == TJ_OK);
  const double c[3] = {1.5, -0.5, (double)0.1f};
  for (int i = 0; out[0] && i < 3; i++) CHECK(array_get_f(out[0], i) == xs[i] * (double)0.1f + c[i] + i);
  CHECK(out[2] && out[2]->dtype == DT_F64 && array_get_f(out[2], 0) == 2 * xs[0]); /* not rounded to f16 */
  CHECK(out[4] && out[4]->dtype == DT_I32 && array_get_i(out[4], 2) == 6);
  CHECK(out[5] && out[5]->dtype == DT_F64 && array_get_f(out[5], 1) == 9);
  for (int i = 0; i < 4; i++) array_free(in[i]);
  for (int i = 0; i < 6; i++) array_free(out[i]);
  ir_free(m);
  tj_jaxpr_free(j);
  tj_ctx_free(ctx);
}

/* copysign's bitcast_convert_type reads an f32 as an i32: in float64 it
 * would read 8 bytes as 4, which the shape rule refuses, so the promotion
 * is an error naming why. */
static void test_untypable(void) {
  tj_ctx *ctx;
  tj_jaxpr *j = traced("{\"source\": \"auto f(float x[2], float y[2]) { return copysign(x, y); }\","
                       " \"args\": {\"x\": {\"dtype\": \"f32\", \"shape\": [2]}, \"y\": {\"dtype\": \"f32\", \"shape\": [2]}}}",
                       &ctx);
  CHECK(j != NULL);
  char *listing = j ? print_jaxpr(j->m) : NULL;
  CHECK(listing && strstr(listing, "bitcast_convert_type[new_dtype=int32]"));
  int before = harness_at()->d->nerrors;
  ir_module *m = j ? pass_f64(j->m, harness_at()->d) : NULL;
  CHECK(m == NULL && harness_at()->d->nerrors == before + 1); /* the error, then the note: */
  CHECK(strstr(harness_error(), "promoted to float64, invalid jaxpr") != NULL);
  CHECK(strstr(harness_error(), "bitcast_convert_type") != NULL);
  free(listing);
  tj_jaxpr_free(j);
  tj_ctx_free(ctx);
}

int main(void) {
  test_listing();
  test_constants();
  test_evaluates_in_f64();
  test_untypable();
  return HARNESS_REPORT();
}
