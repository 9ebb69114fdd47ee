/* The pass pipeline (pass.h) on hand-built modules: what dce removes and
 * keeps, in the top-level jaxpr and in a jaxpr two equations share, and
 * the loops fuse plans after it, with the reductions it moves into them. */
#include "harness.h"
#include "ir.h"
#include "pass.h"
#include "prims.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tj_aval f32s(int n) {
  tj_aval a = aval_scalar(DT_F32, false);
  a.rank = 1, a.dims[0] = n;
  return a;
}

/* out = prim in (one operand, one output of aval av). */
static uint32_t unary(ir_module *m, ir_jaxpr *j, int prim, uint32_t in, const tj_aval *av) {
  ir_eqn *e = ir_add_eqn(m, j, prim, 1, 1, 0, span_make(0, 0));
  e->in[0] = ATOM_VAR(in);
  return e->out[0] = ir_new_var(m, av);
}

static void set_io(ir_module *m, ir_jaxpr *j, uint32_t in, uint32_t out) {
  j->invars = ARENA_ARRAY(&m->arena, uint32_t, 1);
  j->invars[0] = in;
  j->nin = 1;
  j->outs = ARENA_ARRAY(&m->arena, ir_atom, 1);
  j->outs[0] = ATOM_VAR(out);
  j->nout = 1;
}

/* out = jit[name=shared jaxpr=sub] in */
static uint32_t call(ir_module *m, ir_jaxpr *sub, uint32_t in, const tj_aval *av) {
  ir_eqn *e = ir_add_eqn(m, m->top, P_jit, 1, 1, 2, span_make(0, 0));
  e->params[0] = (ir_param){"name", pv_name(m, "shared")};
  e->params[1] = (ir_param){"jaxpr", pv_jaxpr(m, sub)};
  e->in[0] = ATOM_VAR(in);
  return e->out[0] = ir_new_var(m, av);
}

/* top: { lambda ; a. let b = sin a (dead); c = jit[sub] a; d = jit[sub] c
 * (dead); e = neg c; f = exp e in (f,) }, sub: { lambda ; x. let y = cos x
 * (dead); z = mul x x in (z,) }. */
static ir_module *dead_code_module(ir_jaxpr **sub_out) {
  ir_module *m = ir_new(NULL);
  tj_aval av = f32s(3);
  ir_jaxpr *sub = ir_jaxpr_new(m);
  uint32_t x = ir_new_var(m, &av);
  unary(m, sub, P_cos, x, &av);
  ir_eqn *mul = ir_add_eqn(m, sub, P_mul, 2, 1, 0, span_make(0, 0));
  mul->in[0] = mul->in[1] = ATOM_VAR(x);
  set_io(m, sub, x, mul->out[0] = ir_new_var(m, &av));
  uint32_t a = ir_new_var(m, &av);
  unary(m, m->top, P_sin, a, &av);
  uint32_t c = call(m, sub, a, &av);
  call(m, sub, c, &av);
  uint32_t f = unary(m, m->top, P_exp, unary(m, m->top, P_neg, c, &av), &av);
  set_io(m, m->top, a, f);
  *sub_out = sub;
  return m;
}

static void test_dce(void) {
  ir_jaxpr *sub;
  ir_module *m = dead_code_module(&sub);
  CHECK(ir_check(m, harness_at()->d));
  uint32_t top_in = m->top->invars[0], top_out = m->top->outs[0], sub_in = sub->invars[0];
  pass_facts f = {0};
  pass_dce(m, &f);
  CHECK(ir_check(m, harness_at()->d));
  CHECK(m->top->neqns == 3);
  CHECK(m->top->eqns[0].prim == P_jit && m->top->eqns[1].prim == P_neg && m->top->eqns[2].prim == P_exp);
  CHECK(m->top->eqns[0].in[0] == ATOM_VAR(top_in)); /* the live call, not the dead one */
  CHECK(sub->neqns == 1 && sub->eqns[0].prim == P_mul);
  /* the interfaces stay: the shared jaxpr's input, the top level's */
  CHECK(sub->nin == 1 && sub->invars[0] == sub_in && sub->nout == 1);
  CHECK(m->top->nin == 1 && m->top->invars[0] == top_in && m->top->outs[0] == top_out);
  ir_free(m);
}

/* A jaxpr whose every equation is dead keeps its inputs and outputs. */
static void test_dce_keeps_unused_inputs(void) {
  ir_module *m = ir_new(NULL);
  tj_aval av = f32s(2);
  uint32_t a = ir_new_var(m, &av);
  unary(m, m->top, P_sin, a, &av);
  m->top->invars = ARENA_ARRAY(&m->arena, uint32_t, 1);
  m->top->invars[0] = a;
  m->top->nin = 1;
  m->top->outs = ARENA_ARRAY(&m->arena, ir_atom, 1);
  m->top->outs[0] = ATOM_VAR(a);
  m->top->nout = 1;
  pass_facts f = {0};
  pass_dce(m, &f);
  CHECK(m->top->neqns == 0 && m->top->nin == 1 && m->top->invars[0] == a);
  ir_free(m);
}

static void test_fuse_after_dce(void) {
  ir_jaxpr *sub;
  ir_module *m = dead_code_module(&sub);
  pass_facts f = {0};
  uint32_t traced_eqns = m->top->neqns, traced_sub_eqns = sub->neqns;
  ir_module *lowered = pass_pipeline(m, NULL, &f, harness_at()->d);
  CHECK(lowered != NULL);
  if (!lowered) return;
  /* the pipeline rewrote a copy: the traced module is as it was */
  CHECK(m->top->neqns == traced_eqns && sub->neqns == traced_sub_eqns && lowered->top->neqns == 3);
  const pass_fusion *top = pass_fusion_of(&f, lowered->top), *in_sub = pass_fusion_of(&f, sub);
  CHECK(top && in_sub);
  if (top && in_sub) {
    /* jit alone; neg and exp one loop led by neg */
    CHECK(top->lead[0] == PASS_UNFUSED && top->lead[1] == 1 && top->lead[2] == 1 && top->end[1] == 3);
    CHECK(in_sub->lead[0] == 0 && in_sub->end[0] == 1);
  }
  /* the plan as JSON (pass_json.c): the shared jaxpr once, after the top */
  tj_buf json = {0};
  pass_fusion_json(lowered, &f, &json);
  CHECK_STR(json.data, "\"jaxprs\": [{\"jaxpr\": 0, \"equations\": 3}, {\"jaxpr\": 1, \"equations\": 1}], "
            "\"fusion\": [{\"group\": 0, \"jaxpr\": 0, \"kind\": \"single\", \"equations\": [0], "
            "\"primitives\": [\"jit\"], \"reductions\": []}, "
            "{\"group\": 1, \"jaxpr\": 0, \"kind\": \"loop\", \"equations\": [1, 2], "
            "\"primitives\": [\"neg\", \"exp\"], \"reductions\": []}, "
            "{\"group\": 2, \"jaxpr\": 1, \"kind\": \"loop\", \"equations\": [0], "
            "\"primitives\": [\"mul\"], \"reductions\": []}]");
  buf_free(&json);
  /* the work pass measured before dce: sin, the dead call and cos count */
  work_table fresh = work_new(lowered);
  CHECK(work_jaxpr(&f.work, lowered->top) > work_jaxpr(&fresh, lowered->top));
  work_free(&fresh);
  pass_facts_free(&f);
  ir_free(lowered);
  ir_free(m);
}

/* { lambda ; a:f32[3] p:f32[1]. let b = neg a; q = exp p; d = sin b in
 * (d, q) }: q, one element of another shape, reads nothing of the loop of
 * b and d (jax.random.uniform's maxval - minval on [1] between its
 * shift ... sub and mul add max): hoisted before it, not ending it. */
static void test_fuse_hoists_one_element(void) {
  ir_module *m = ir_new(NULL);
  tj_aval av = f32s(3), one = f32s(1);
  uint32_t a = ir_new_var(m, &av), p = ir_new_var(m, &one);
  uint32_t b = unary(m, m->top, P_neg, a, &av), q = unary(m, m->top, P_exp, p, &one);
  uint32_t d = unary(m, m->top, P_sin, b, &av);
  m->top->invars = ARENA_ARRAY(&m->arena, uint32_t, 2);
  m->top->invars[0] = a, m->top->invars[1] = p, m->top->nin = 2;
  m->top->outs = ARENA_ARRAY(&m->arena, ir_atom, 2);
  m->top->outs[0] = ATOM_VAR(d), m->top->outs[1] = ATOM_VAR(q), m->top->nout = 2;
  pass_facts f = {0};
  ir_module *lowered = pass_pipeline(m, NULL, &f, harness_at()->d);
  const pass_fusion *top = lowered ? pass_fusion_of(&f, lowered->top) : NULL;
  CHECK(top != NULL);
  if (top) CHECK(top->lead[0] == 0 && top->lead[1] == PASS_UNFUSED && top->lead[2] == 0 && top->end[0] == 3);
  pass_facts_free(&f);
  ir_free(lowered);
  ir_free(m);
}

/* The listing goes to the dump once, after the pass named. */
typedef struct seen_dump {
  int calls;
  char pass[16];
} seen_dump;

static void record(void *arg, const char *pass, const char *listing) {
  seen_dump *s = arg;
  s->calls++;
  snprintf(s->pass, sizeof s->pass, "%s", pass);
  (void)listing;
}

static void test_dump_after(void) {
  ir_jaxpr *sub;
  ir_module *m = dead_code_module(&sub);
  seen_dump seen = {0};
  tj_trace_opts o = {.dump_after = "dce", .dump = record, .dump_arg = &seen};
  pass_facts f = {0};
  ir_module *lowered = pass_pipeline(m, &o, &f, harness_at()->d);
  CHECK(lowered != NULL);
  CHECK(seen.calls == 1);
  CHECK_STR(seen.pass, "dce");
  pass_facts_free(&f);
  ir_free(lowered);
  ir_free(m);
}

/* The names tj_pass_name gives are the table's, in order, then NULL. */
static void test_names(void) {
  CHECK_STR(tj_pass_name(0), "work");
  CHECK_STR(tj_pass_name(1), "half");
  CHECK_STR(tj_pass_name(2), "dce");
  CHECK_STR(tj_pass_name(3), "fuse");
  CHECK(tj_pass_name(PASS_COUNT) == NULL && tj_pass_name(-1) == NULL);
}

/* { lambda ; a:f32[3] p:f32[5]. let b = neg a; q = exp p; s = reduce_sum[axes=(0,)] b;
 * t = reduce_max[axes=(0,)] a in (s, q, t) }: s reduces a value of the
 * loop of b after an equation of another loop: fuse moves it right after
 * b, as that loop's sink; t reduces an input, and q's loop has no sink. */
static void test_fuse_sinks(void) {
  ir_module *m = ir_new(NULL);
  tj_aval av = f32s(3), five = f32s(5), scalar = aval_scalar(DT_F32, false);
  uint32_t a = ir_new_var(m, &av), p = ir_new_var(m, &five);
  uint32_t b = unary(m, m->top, P_neg, a, &av), q = unary(m, m->top, P_exp, p, &five);
  static const int64_t axis0[1] = {0};
  uint32_t red[2];
  for (int i = 0; i < 2; i++) {
    ir_eqn *e = ir_add_eqn(m, m->top, i ? P_reduce_max : P_reduce_sum, 1, 1, i ? 1 : 2, span_make(0, 0));
    e->in[0] = ATOM_VAR(i ? a : b);
    e->params[0] = (ir_param){"axes", pv_ints(m, PV_TUPLE, axis0, 1)};
    if (!i) e->params[1] = (ir_param){"out_sharding", pv_none(m)};
    red[i] = e->out[0] = ir_new_var(m, &scalar);
  }
  m->top->invars = ARENA_ARRAY(&m->arena, uint32_t, 2);
  m->top->invars[0] = a, m->top->invars[1] = p, m->top->nin = 2;
  m->top->outs = ARENA_ARRAY(&m->arena, ir_atom, 3);
  m->top->outs[0] = ATOM_VAR(red[0]), m->top->outs[1] = ATOM_VAR(q), m->top->outs[2] = ATOM_VAR(red[1]);
  m->top->nout = 3;
  pass_facts f = {0};
  ir_module *lowered = pass_pipeline(m, NULL, &f, harness_at()->d);
  if (!lowered) fprintf(stderr, "%s\n", harness_error());
  const pass_fusion *top = lowered ? pass_fusion_of(&f, lowered->top) : NULL;
  CHECK(top != NULL);
  if (top) {
    const ir_eqn *e = lowered->top->eqns;
    /* b, its sink s, q, t */
    CHECK(e[0].prim == P_neg && e[1].prim == P_reduce_sum && e[2].prim == P_exp && e[3].prim == P_reduce_max);
    CHECK(top->lead[0] == 0 && top->lead[1] == 0 && top->sink[1] && !top->sink[0] && top->end[0] == 2);
    CHECK(top->lead[2] == 2 && top->end[2] == 3 && top->lead[3] == PASS_UNFUSED && !top->sink[3]);
  }
  /* the traced module keeps its order */
  CHECK(m->top->eqns[1].prim == P_exp && m->top->eqns[2].prim == P_reduce_sum);
  if (lowered) { /* the plan as emit-c --format json shows it: s among its loop's reductions */
    tj_buf json = {0};
    pass_fusion_json(lowered, &f, &json);
    CHECK_STR(json.data, "\"jaxprs\": [{\"jaxpr\": 0, \"equations\": 4}], \"fusion\": ["
              "{\"group\": 0, \"jaxpr\": 0, \"kind\": \"loop\", \"equations\": [0, 1], "
              "\"primitives\": [\"neg\", \"reduce_sum\"], \"reductions\": [1]}, "
              "{\"group\": 1, \"jaxpr\": 0, \"kind\": \"loop\", \"equations\": [2], "
              "\"primitives\": [\"exp\"], \"reductions\": []}, "
              "{\"group\": 2, \"jaxpr\": 0, \"kind\": \"single\", \"equations\": [3], "
              "\"primitives\": [\"reduce_max\"], \"reductions\": []}]");
    buf_free(&json);
  }
  pass_facts_free(&f);
  ir_free(lowered);
  ir_free(m);
}

int main(void) {
  test_dce();
  test_dce_keeps_unused_inputs();
  test_fuse_after_dce();
  test_fuse_hoists_one_element();
  test_fuse_sinks();
  test_dump_after();
  test_names();
  return HARNESS_REPORT();
}
