/* ir_check: the IR invariants every trace is checked against. */
#include "harness.h"
#include "ir.h"
#include "limits.h"
#include "prims.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define INVALID "internal error: invalid jaxpr: "

/* ir_check of m through a fresh diagnostics list; the first error's
 * message, less the prefix every violation has, into err ("" if none). */
static bool check(const ir_module *m, char *err, int errsize) {
  tj_arena a = {0};
  diag_list d = {.arena = &a};
  bool ok = ir_check(m, &d);
  CHECK(ok == (d.head == NULL));
  snprintf(err, (size_t)errsize, "%s", "");
  if (d.head) {
    CHECK(strncmp(d.head->msg, INVALID, strlen(INVALID)) == 0);
    CHECK(d.head->kind == DIAG_KIND_INTERNAL);
    snprintf(err, (size_t)errsize, "%s", d.head->msg + strlen(INVALID));
  }
  arena_free(&a);
  return ok;
}

static ir_module *one_add(uint32_t *a, uint32_t *b) {
  ir_module *m = ir_new(NULL);
  tj_aval f3 = aval_scalar(DT_F32, false);
  f3.rank = 1, f3.dims[0] = 3;
  *a = ir_new_var(m, &f3);
  m->top->invars = ARENA_ARRAY(&m->arena, uint32_t, 1);
  m->top->invars[0] = *a;
  m->top->nin = 1;
  ir_eqn *e = ir_add_eqn(m, m->top, P_add, 2, 1, 0, span_make(0, 0));
  e->in[0] = e->in[1] = ATOM_VAR(*a);
  *b = e->out[0] = ir_new_var(m, &f3);
  m->top->outs = ARENA_ARRAY(&m->arena, ir_atom, 1);
  m->top->outs[0] = ATOM_VAR(*b);
  m->top->nout = 1;
  return m;
}

static void test_valid(void) {
  uint32_t a, b;
  ir_module *m = one_add(&a, &b);
  char err[256];
  CHECK(check(m, err, sizeof err));
  ir_free(m);
}

static void test_use_before_definition(void) {
  uint32_t a, b;
  ir_module *m = one_add(&a, &b);
  m->top->nin = 0; /* a is no longer defined */
  char err[256];
  CHECK(!check(m, err, sizeof err));
  CHECK(strstr(err, "used before definition") != NULL);
  ir_free(m);
}

static void test_wrong_aval(void) {
  uint32_t a, b;
  ir_module *m = one_add(&a, &b);
  m->vars[b].dtype = DT_I32;
  char err[256];
  CHECK(!check(m, err, sizeof err));
  CHECK(strstr(err, "wrong aval") != NULL);
  ir_free(m);
}

/* A closed sub-jaxpr may not read its caller's variables. */
static void test_sub_jaxpr_is_closed(void) {
  uint32_t a, b;
  ir_module *m = one_add(&a, &b);
  ir_jaxpr *inner = ir_jaxpr_new(m);
  inner->outs = ARENA_ARRAY(&m->arena, ir_atom, 1);
  inner->outs[0] = ATOM_VAR(a); /* a belongs to the top-level jaxpr */
  inner->nout = 1;
  ir_eqn *e = ir_add_eqn(m, m->top, P_jit, 0, 1, 2, span_make(0, 0));
  e->params[0] = (ir_param){"name", pv_name(m, "g")};
  e->params[1] = (ir_param){"jaxpr", pv_jaxpr(m, inner)};
  tj_aval f3 = m->vars[a];
  e->out[0] = ir_new_var(m, &f3);
  char err[256];
  CHECK(!check(m, err, sizeof err));
  CHECK(strstr(err, "not defined") != NULL);
  ir_free(m);
}

/* A call with 65 outputs (more than ir_check once looked at), the last
 * of the wrong dtype. */
static void test_many_outputs_are_checked(void) {
  uint32_t a, b;
  ir_module *m = one_add(&a, &b);
  enum { N = 65 };
  tj_aval f3 = m->vars[a];
  ir_jaxpr *inner = ir_jaxpr_new(m);
  inner->invars = ARENA_ARRAY(&m->arena, uint32_t, 1);
  inner->invars[0] = ir_new_var(m, &f3);
  inner->nin = 1;
  inner->outs = ARENA_ARRAY(&m->arena, ir_atom, N);
  for (int i = 0; i < N; i++) inner->outs[i] = ATOM_VAR(inner->invars[0]);
  inner->nout = N;
  ir_eqn *e = ir_add_eqn(m, m->top, P_jit, 1, N, 2, span_make(0, 0));
  e->in[0] = ATOM_VAR(a);
  e->params[0] = (ir_param){"name", pv_name(m, "g")};
  e->params[1] = (ir_param){"jaxpr", pv_jaxpr(m, inner)};
  for (int i = 0; i < N; i++) e->out[i] = ir_new_var(m, &f3);
  char err[256];
  CHECK(check(m, err, sizeof err));
  m->vars[e->out[N - 1]].dtype = DT_I32;
  CHECK(!check(m, err, sizeof err));
  CHECK_STR(err, "equation 1 (jit): output 64 has the wrong aval");
  ir_free(m);
}

/* A jaxpr of one f32[3] input whose equations each call sub-jaxpr `callee`
 * (jit) on the previous result, `calls` times; a leaf (callee NULL)
 * adds its input to itself. */
static ir_jaxpr *caller(ir_module *m, ir_jaxpr *callee, int calls) {
  tj_aval f3 = aval_scalar(DT_F32, false);
  f3.rank = 1, f3.dims[0] = 3;
  ir_jaxpr *j = ir_jaxpr_new(m);
  j->invars = ARENA_ARRAY(&m->arena, uint32_t, 1);
  j->invars[0] = ir_new_var(m, &f3);
  j->nin = 1;
  ir_atom prev = ATOM_VAR(j->invars[0]);
  for (int i = 0; i < (callee ? calls : 1); i++) {
    ir_eqn *e = ir_add_eqn(m, j, callee ? P_jit : P_add, callee ? 1 : 2, 1, callee ? 2 : 0, span_make(0, 0));
    e->in[0] = prev;
    if (callee) {
      e->params[0] = (ir_param){"name", pv_name(m, "g")};
      e->params[1] = (ir_param){"jaxpr", pv_jaxpr(m, callee)};
    } else
      e->in[1] = prev;
    e->out[0] = ir_new_var(m, &f3);
    prev = ATOM_VAR(e->out[0]);
  }
  j->outs = ARENA_ARRAY(&m->arena, ir_atom, 1);
  j->outs[0] = prev;
  j->nout = 1;
  return j;
}

/* The top-level jaxpr (one_add's) also calls j. */
static void top_calls(ir_module *m, ir_jaxpr *j, uint32_t a) {
  ir_eqn *e = ir_add_eqn(m, m->top, P_jit, 1, 1, 2, span_make(0, 0));
  e->in[0] = ATOM_VAR(a);
  e->params[0] = (ir_param){"name", pv_name(m, "g")};
  e->params[1] = (ir_param){"jaxpr", pv_jaxpr(m, j)};
  e->out[0] = ir_new_var(m, &m->vars[a]);
}

/* A guard against exponential work, not a speed test: 40 levels of a jit
 * calling the level below twice. Checking a shared jaxpr at every use took
 * 2^40 checks (28 levels: 10 s); once each, about a millisecond. The
 * bound is generous for a loaded machine and sanitizers. */
static void test_shared_jaxprs_checked_once(void) {
  uint32_t a, b;
  ir_module *m = one_add(&a, &b);
  ir_jaxpr *level = caller(m, NULL, 1);
  for (int k = 1; k <= 40; k++) level = caller(m, level, 2);
  top_calls(m, level, a);
  char err[256];
  clock_t t0 = clock();
  CHECK(check(m, err, sizeof err));
  CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 4.0);
  ir_free(m);
}

/* A shared jaxpr checked first near the top still counts its own nesting
 * where a deeper use puts it: sub (a jit of a leaf, height 1) called at
 * depth 1, then again below `wrappers` more levels. */
static bool shared_deep_use_checks(int wrappers, char *err, int errsize) {
  uint32_t a, b;
  ir_module *m = one_add(&a, &b);
  ir_jaxpr *sub = caller(m, caller(m, NULL, 1), 1), *chain = sub;
  top_calls(m, sub, a);
  for (int k = 0; k < wrappers; k++) chain = caller(m, chain, 1);
  top_calls(m, chain, a);
  bool ok = check(m, err, errsize);
  ir_free(m);
  return ok;
}

static void test_shared_jaxpr_nesting_limit(void) {
  char err[256];
  /* sub at depth 99, its leaf at 100: the limit */
  CHECK(shared_deep_use_checks(TJ_MAX_JAXPR_NEST - 2, err, sizeof err));
  CHECK(!shared_deep_use_checks(TJ_MAX_JAXPR_NEST - 1, err, sizeof err));
  CHECK_STR(err, "too many nested sub-jaxprs (limit is 100)");
}

/* A violation is reported where its equation was recorded, as an
 * internal error (a bug in tjit, not in the traced program), with the
 * message api.c gave it when it had no location. */
static void test_reported_at_the_equation(void) {
  tj_arena a = {0};
  tj_source src;
  const char *text = "def f(x):\n  return x + x\n";
  source_init(&a, &src, "f.py", text, (uint32_t)strlen(text));
  uint32_t x, y;
  ir_module *m = one_add(&x, &y);
  m->src = &src;
  m->top->eqns[0].span = span_make(19, 24); /* x + x */
  m->vars[y].dtype = DT_I32;
  diag_list d = {.arena = &a, .kind = DIAG_KIND_TRACE};
  CHECK(!ir_check(m, &d));
  CHECK(d.nerrors == 1 && d.head->src == &src && d.head->span.start == 19 && d.head->span.end == 24);
  CHECK(d.head->kind == DIAG_KIND_INTERNAL);
  CHECK(d.kind == DIAG_KIND_TRACE); /* the caller's kind is back */
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  diag_render(&d, f, NULL);
  fclose(f);
  CHECK_STR(out, "f.py:2:10: error: internal error: invalid jaxpr: equation 0 (add): output 0 has the wrong aval\n"
                 "    2 |   return x + x\n"
                 "      |          ^~~~~\n");
  free(out);
  ir_free(m);
  arena_free(&a);
}

int main(void) {
  test_reported_at_the_equation();
  test_shared_jaxprs_checked_once();
  test_shared_jaxpr_nesting_limit();
  test_many_outputs_are_checked();
  test_valid();
  test_use_before_definition();
  test_wrong_aval();
  test_sub_jaxpr_is_closed();
  return HARNESS_REPORT();
}
