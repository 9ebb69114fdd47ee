/* The runtime under the generated code (jit.c), driven by hand-written
 * programs: buffers are freed when a run stops early, and a write past a
 * buffer's end (the code's own or an output) is caught by the guard. */
#include <stdlib.h>

#include "array.h"
#include "harness.h"
#include "jit.h"

#define PRELUDE                                                   \
  "struct tj_rt { unsigned long long work, max_work; };\n"     \
  "void *tj_rt_alloc(struct tj_rt *, long);\n"                     \
  "void tj_rt_free(struct tj_rt *, void *);\n"                     \
  "void tj_rt_fail(struct tj_rt *, int);\n"                        \
  "void tj_entry(struct tj_rt *rt, void *const *in, void *const *out) {\n"

/* Runs `body` (the inside of tj_entry) on one f32 input of 4 elements and
 * one f32 output of 4; the jit_run code, and whether out's guard held. */
static int run_body(const char *body, bool *out_intact) {
  char src[2048];
  snprintf(src, sizeof src, PRELUDE "%s\n}\n", body);
  jit_program *p = jit_compile(harness_at(), src);
  if (!p) {
    fprintf(stderr, "compile failed: %s\n", harness_error());
    return -1;
  }
  tj_aval av = {.dtype = DT_F32, .rank = 1, .dims = {4}};
  tj_array *x = array_new(&av), *y = array_new(&av);
  void *in[] = {x->data}, *out[] = {y->data};
  int code = jit_run(p, in, out, 1000);
  *out_intact = jit_guard_intact(y->data, 4 * sizeof(float));
  array_free(x), array_free(y);
  jit_free(p);
  return code;
}

static void test_guards(void) {
  bool intact;
  CHECK(run_body("float *t = tj_rt_alloc(rt, 16); t[3] = 1; tj_rt_free(rt, t); ((float *)out[0])[3] = t[0];",
                 &intact) == JIT_OK);
  CHECK(intact);
  CHECK(run_body("float *t = tj_rt_alloc(rt, 16); t[4] = 1; tj_rt_free(rt, t);", &intact) == JIT_OVERRUN);
  CHECK(run_body("char *t = tj_rt_alloc(rt, 16); t[16 + 63] = 1; tj_rt_free(rt, t);", &intact) == JIT_OVERRUN);
  /* never freed by the code: checked when the run ends */
  CHECK(run_body("float *t = tj_rt_alloc(rt, 16); t[5] = 1;", &intact) == JIT_OVERRUN);
  CHECK(run_body("((float *)out[0])[4] = 1;", &intact) == JIT_OK);
  CHECK(!intact);
  CHECK(run_body("((float *)out[0])[3] = 1;", &intact) == JIT_OK);
  CHECK(intact);
}

static void test_early_stops(void) {
  bool intact;
  /* buffers live at the failure are freed (LeakSanitizer checks) */
  CHECK(run_body("void *a = tj_rt_alloc(rt, 100); void *b = tj_rt_alloc(rt, 1000); (void)a, (void)b;"
                 "tj_rt_fail(rt, 1);", &intact) == JIT_WORK);
  CHECK(run_body("tj_rt_alloc(rt, 8); tj_rt_fail(rt, 2);", &intact) == JIT_NOMEM);
  CHECK(run_body("for (int i = 0; i < 100; i++) tj_rt_alloc(rt, 8);", &intact) == JIT_OK);
}

/* A compilation that fails reports libtcc's first message once, after the
 * place's prefix, into the list it is given. */
static void test_compile_error(void) {
  diag_at at = *harness_at();
  at.prefix = "C";
  int before = at.d->nerrors;
  CHECK(jit_compile(&at, PRELUDE "  int x = ;\n}\n") == NULL);
  CHECK(at.d->nerrors == before + 1);
  CHECK_STR(harness_error(), "C: <string>:7: error: identifier expected");
}

int main(void) {
  test_guards();
  test_early_stops();
  test_compile_error();
  return HARNESS_REPORT();
}
