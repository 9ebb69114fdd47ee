/* The work budget's measure (lib/ir/work.h): what a jaxpr and a loop
 * iteration are charged, shared jaxprs measured once, sums that saturate. */
#include <time.h>

#include "harness.h"
#include "ir.h"
#include "limits.h"
#include "prims.h"
#include "work.h"

static tj_aval f32s(int rank, int64_t d0, int64_t d1) {
  tj_aval a = aval_scalar(DT_F32, false);
  a.rank = rank, a.dims[0] = d0, a.dims[1] = d1;
  return a;
}

/* A jaxpr of one input of aval a whose `n` equations each call sub (jit)
 * on the previous result, or (sub NULL) add it to itself. */
static ir_jaxpr *chain(ir_module *m, tj_aval a, ir_jaxpr *sub, int n) {
  ir_jaxpr *j = ir_jaxpr_new(m);
  j->invars = ARENA_ARRAY(&m->arena, uint32_t, 1);
  j->invars[0] = ir_new_var(m, &a);
  j->nin = 1;
  ir_atom prev = ATOM_VAR(j->invars[0]);
  for (int i = 0; i < n; i++) {
    ir_eqn *e = ir_add_eqn(m, j, sub ? P_jit : P_add, sub ? 1 : 2, 1, sub ? 2 : 0, span_make(0, 0));
    e->in[0] = prev;
    if (sub) {
      e->params[0] = (ir_param){"name", pv_name(m, "g")};
      e->params[1] = (ir_param){"jaxpr", pv_jaxpr(m, sub)};
    } else
      e->in[1] = prev;
    e->out[0] = ir_new_var(m, &a);
    prev = ATOM_VAR(e->out[0]);
  }
  j->outs = ARENA_ARRAY(&m->arena, ir_atom, 1);
  j->outs[0] = prev;
  j->nout = 1;
  return j;
}

/* An add of two f32[1000]: 256 + 2000 read + 1000 written. */
static void test_equation(void) {
  ir_module *m = ir_new(NULL);
  ir_jaxpr *j = chain(m, f32s(1, 1000, 0), NULL, 3);
  work_table w = work_new(m);
  CHECK(work_jaxpr(&w, j) == 3 * (TJ_WORK_PER_EQN + 3000));
  work_free(&w);
  ir_free(m);
}

/* A jit adds its jaxpr's work; 60 levels of a jit calling the level below
 * twice measure each level once (2^60 uses) and saturate. */
static void test_shared_and_saturated(void) {
  ir_module *m = ir_new(NULL);
  tj_aval a = f32s(1, 1000, 0);
  ir_jaxpr *leaf = chain(m, a, NULL, 1), *level = chain(m, a, leaf, 2);
  work_table w = work_new(m);
  int64_t call = TJ_WORK_PER_EQN + 2000; /* a jit of f32[1000] to f32[1000] */
  CHECK(work_jaxpr(&w, level) == 2 * (call + TJ_WORK_PER_EQN + 3000));
  for (int k = 0; k < 60; k++) level = chain(m, a, level, 2);
  work_free(&w);
  w = work_new(m);
  clock_t t0 = clock();
  CHECK(work_jaxpr(&w, level) == TJ_WORK_SATURATED);
  CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 4.0);
  CHECK(work_add(TJ_WORK_SATURATED - 1, 1) == TJ_WORK_SATURATED);
  CHECK(work_add(TJ_WORK_SATURATED, TJ_WORK_SATURATED) == TJ_WORK_SATURATED);
  CHECK(work_add(2, 3) == 5);
  work_free(&w);
  ir_free(m);
}

/* A matrix product is charged its multiply-adds: f32[30,40] @ f32[40,50]
 * reads 1200 + 2000 elements and makes 1500 outputs of 40 each. */
static void test_dot_general(void) {
  ir_module *m = ir_new(NULL);
  tj_aval l = f32s(2, 30, 40), r = f32s(2, 40, 50), o = f32s(2, 30, 50);
  ir_eqn *e = ir_add_eqn(m, m->top, P_dot_general, 2, 1, 1, span_make(0, 0));
  e->in[0] = ATOM_VAR(ir_new_var(m, &l));
  e->in[1] = ATOM_VAR(ir_new_var(m, &r));
  e->out[0] = ir_new_var(m, &o);
  pval *contract = pv_seq(m, PV_TUPLE, 2), *batch = pv_seq(m, PV_TUPLE, 2), *dn = pv_seq(m, PV_TUPLE, 2);
  contract->items[0] = pv_ints(m, PV_LIST, (int64_t[]){1}, 1);
  contract->items[1] = pv_ints(m, PV_LIST, (int64_t[]){0}, 1);
  batch->items[0] = pv_ints(m, PV_LIST, NULL, 0);
  batch->items[1] = pv_ints(m, PV_LIST, NULL, 0);
  dn->items[0] = contract, dn->items[1] = batch;
  e->params[0] = (ir_param){"dimension_numbers", dn};
  work_table w = work_new(m);
  CHECK(work_jaxpr(&w, m->top) == TJ_WORK_PER_EQN + 1200 + 2000 + 1500 * 40);
  work_free(&w);
  ir_free(m);
}

/* A scan's iterations charged at once (compiled code's charge): count
 * times 256 plus the body's work, nothing for none, saturating. */
static void test_iterations(void) {
  ir_module *m = ir_new(NULL);
  ir_jaxpr *body = chain(m, f32s(0, 0, 0), NULL, 2), *j = ir_jaxpr_new(m);
  ir_eqn *e = ir_add_eqn(m, j, P_scan, 0, 0, 1, span_make(0, 0));
  e->params[0] = (ir_param){"jaxpr", pv_jaxpr(m, body)};
  work_table w = work_new(m);
  int64_t step = TJ_WORK_PER_EQN + 2 * (TJ_WORK_PER_EQN + 3); /* two scalar adds */
  CHECK(work_iteration(&w, e) == step);
  CHECK(work_iterations(&w, e, 1000) == 1000 * step);
  CHECK(work_iterations(&w, e, 1) == step);
  CHECK(work_iterations(&w, e, 0) == 0);
  CHECK(work_iterations(&w, e, INT64_MAX / 2) == TJ_WORK_SATURATED);
  work_free(&w);
  ir_free(m);
}

int main(void) {
  test_iterations();
  test_equation();
  test_shared_and_saturated();
  test_dot_general();
  return HARNESS_REPORT();
}
