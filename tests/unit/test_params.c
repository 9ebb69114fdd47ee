/* Params as each primitive declares them (lib/ir/prims_params.def): ir_check
 * rejects an equation missing a required param, holding an undeclared one
 * or one of another kind; the typed readers that rely on it are strict. */
#include "harness.h"
#include "ir.h"
#include "prims.h"
#include "util.h"

#define INVALID "internal error: invalid jaxpr: "

/* x:f32[3] -> prim(x, x, ... nin times) of output aval out, with nparams
 * param slots for the test to fill through *e. */
static ir_module *one_eqn(int prim, uint32_t nin, int64_t out_size, uint16_t nparams, ir_eqn **e) {
  ir_module *m = ir_new(NULL);
  tj_aval f3 = aval_scalar(DT_F32, false), out = f3;
  f3.rank = out.rank = 1, f3.dims[0] = 3, out.dims[0] = out_size;
  uint32_t x = ir_new_var(m, &f3);
  m->top->invars = ARENA_ARRAY(&m->arena, uint32_t, 1);
  m->top->invars[0] = x;
  m->top->nin = 1;
  *e = ir_add_eqn(m, m->top, prim, nin, 1, nparams, span_make(0, 0));
  for (uint32_t i = 0; i < nin; i++) (*e)->in[i] = ATOM_VAR(x);
  (*e)->out[0] = ir_new_var(m, &out);
  m->top->outs = ARENA_ARRAY(&m->arena, ir_atom, 1);
  m->top->outs[0] = ATOM_VAR((*e)->out[0]);
  m->top->nout = 1;
  return m;
}

/* ir_check's first message on m ("" when it passes); frees m. */
static const char *check(ir_module *m, char *msg, int size) {
  tj_arena a = {0};
  diag_list d = {.arena = &a};
  bool ok = ir_check(m, &d);
  CHECK(ok == (d.head == NULL));
  CHECK(!d.head || d.head->kind == DIAG_KIND_INTERNAL);
  snprintf(msg, (size_t)size, "%s", d.head ? d.head->msg : "");
  arena_free(&a);
  ir_free(m);
  return msg;
}

static void test_declared_params_pass(void) {
  char msg[256];
  ir_eqn *e;
  ir_module *m = one_eqn(P_integer_pow, 1, 3, 1, &e);
  e->params[0] = (ir_param){"y", pv_int(m, 2)};
  CHECK_STR(check(m, msg, sizeof msg), "");
  m = one_eqn(P_slice, 1, 2, 3, &e);
  int64_t zero = 0, two = 2;
  e->params[0] = (ir_param){"start_indices", pv_ints(m, PV_TUPLE, &zero, 1)};
  e->params[1] = (ir_param){"limit_indices", pv_ints(m, PV_TUPLE, &two, 1)};
  e->params[2] = (ir_param){"strides", pv_none(m)}; /* declared PK_INTS | PK_OR_NONE */
  CHECK_STR(check(m, msg, sizeof msg), "");
}

static void test_missing_param(void) {
  char msg[256];
  ir_eqn *e;
  ir_module *m = one_eqn(P_integer_pow, 1, 3, 0, &e);
  CHECK_STR(check(m, msg, sizeof msg), INVALID "equation 0 (integer_pow): missing param y");
  m = one_eqn(P_concatenate, 2, 6, 0, &e);
  CHECK_STR(check(m, msg, sizeof msg), INVALID "equation 0 (concatenate): missing param dimension");
}

static void test_undeclared_param(void) {
  char msg[256];
  ir_eqn *e;
  ir_module *m = one_eqn(P_add, 2, 3, 1, &e);
  e->params[0] = (ir_param){"y", pv_int(m, 2)};
  CHECK_STR(check(m, msg, sizeof msg), INVALID "equation 0 (add): undeclared param y");
  m = one_eqn(P_integer_pow, 1, 3, 2, &e);
  e->params[0] = (ir_param){"y", pv_int(m, 2)};
  e->params[1] = (ir_param){"y", pv_int(m, 2)};
  CHECK_STR(check(m, msg, sizeof msg), INVALID "equation 0 (integer_pow): param y given twice");
}

/* A bool is not an int: concatenate's shape rule once had to read its
 * dimension by hand because the int reader took True for 1. */
static void test_wrongly_typed_param(void) {
  char msg[256];
  ir_eqn *e;
  ir_module *m = one_eqn(P_concatenate, 2, 6, 1, &e);
  e->params[0] = (ir_param){"dimension", pv_bool(m, false)};
  CHECK_STR(check(m, msg, sizeof msg), INVALID "equation 0 (concatenate): param dimension is not an int");
  m = one_eqn(P_slice, 1, 2, 3, &e);
  int64_t zero = 0, two = 2;
  e->params[0] = (ir_param){"start_indices", pv_ints(m, PV_TUPLE, &zero, 1)};
  e->params[1] = (ir_param){"limit_indices", pv_ints(m, PV_LIST, &two, 1)};
  e->params[2] = (ir_param){"strides", pv_none(m)};
  CHECK_STR(check(m, msg, sizeof msg), INVALID "equation 0 (slice): param limit_indices is not a tuple of ints");
  m = one_eqn(P_slice, 1, 2, 3, &e);
  e->params[0] = (ir_param){"start_indices", pv_ints(m, PV_TUPLE, &zero, 1)};
  e->params[1] = (ir_param){"limit_indices", pv_ints(m, PV_TUPLE, &two, 1)};
  e->params[2] = (ir_param){"strides", pv_name(m, "(1,)")};
  CHECK_STR(check(m, msg, sizeof msg), INVALID "equation 0 (slice): param strides is not a tuple of ints or None");
}

/* dot_general's dimension numbers are (([lc], [rc]), ([lb], [rb])). */
static void test_wrongly_shaped_record(void) {
  char msg[256];
  ir_eqn *e;
  ir_module *m = one_eqn(P_dot_general, 2, 3, 2, &e);
  int64_t zero = 0;
  pval *dn = pv_seq(m, PV_TUPLE, 2);
  dn->items[0] = pv_ints(m, PV_LIST, &zero, 1); /* one level short */
  dn->items[1] = pv_ints(m, PV_LIST, &zero, 1);
  e->params[0] = (ir_param){"dimension_numbers", dn};
  e->params[1] = (ir_param){"preferred_element_type", pv_dtype(m, DT_F32)};
  CHECK_STR(check(m, msg, sizeof msg),
            INVALID "equation 0 (dot_general): param dimension_numbers is not dot_general's dimension numbers");
}

static void test_strict_readers(void) {
  ir_eqn *e;
  ir_module *m = one_eqn(P_scan, 1, 3, 2, &e);
  e->params[0] = (ir_param){"reverse", pv_bool(m, true)};
  e->params[1] = (ir_param){"length", pv_int(m, 4)};
  CHECK(ir_param_int(e, "reverse", -1) == -1);
  CHECK(ir_param_bool(e, "reverse", false));
  CHECK(!ir_param_bool(e, "length", false));
  CHECK(ir_param_int(e, "length", -1) == 4);
  CHECK(ir_param_dtype(e, "length", DT_I8) == DT_I8);
  ir_free(m);
}

/* dot_general's (([0], [1]), ([], [])). */
static pval *dot_dims(ir_module *m) {
  int64_t zero = 0, one = 1;
  pval *all = pv_seq(m, PV_TUPLE, 2), *contract = pv_seq(m, PV_TUPLE, 2);
  contract->items[0] = pv_ints(m, PV_LIST, &zero, 1);
  contract->items[1] = pv_ints(m, PV_LIST, &one, 1);
  all->items[0] = contract;
  all->items[1] = pv_seq(m, PV_TUPLE, 2);
  all->items[1]->items[0] = pv_ints(m, PV_LIST, NULL, 0);
  all->items[1]->items[1] = pv_ints(m, PV_LIST, NULL, 0);
  return all;
}

/* Each kind takes its values and not a near miss. */
static void test_every_kind(void) {
  ir_module *m = ir_new(NULL);
  int64_t one = 1;
  ir_scatter_dims sd = {.nwindow = 0, .ninserted = 1, .nto = 1};
  ir_conv_dims cd = {.spec = {{0, 1, 2}, {0, 1, 2}, {0, 1, 2}}, .rank = 3};
  ir_gather_dims gd = {.ncollapsed = 1, .nstart_map = 1};
  pval *branches = pv_seq(m, PV_TUPLE, 2);
  branches->items[0] = branches->items[1] = pv_jaxpr(m, m->top);
  pval *int_tuples = pv_seq(m, PV_TUPLE, 1); /* ((1,),) */
  int_tuples->items[0] = pv_ints(m, PV_TUPLE, &one, 1);
  pval *platforms = pv_seq(m, PV_TUPLE, 2), *mosaic = pv_seq(m, PV_TUPLE, 1); /* (('mosaic',), None) */
  mosaic->items[0] = pv_name(m, "'mosaic'");
  platforms->items[0] = mosaic, platforms->items[1] = pv_none(m);
  pval *bools = pv_seq(m, PV_LIST, 1); /* custom_lin's in_zeros [False] */
  bools->items[0] = pv_bool(m, false);
  struct {
    unsigned kind;
    pval *good, *bad;
  } rows[] = {
      {PK_NONE, pv_none(m), pv_int(m, 0)},
      {PK_BOOL, pv_bool(m, true), pv_int(m, 1)},
      {PK_INT, pv_int(m, 1), pv_bool(m, true)},
      {PK_FLOAT, pv_float(m, 0.5), pv_int(m, 1)},
      {PK_DTYPE, pv_dtype(m, DT_F32), pv_name(m, "float32")},
      {PK_NAME, pv_name(m, "f"), pv_none(m)},
      {PK_INTS, pv_ints(m, PV_TUPLE, &one, 1), pv_ints(m, PV_LIST, &one, 1)},
      {PK_INT_LIST, pv_ints(m, PV_LIST, &one, 1), pv_ints(m, PV_TUPLE, &one, 1)},
      {PK_JAXPR, pv_jaxpr(m, m->top), branches},
      {PK_JAXPRS, branches, pv_jaxpr(m, m->top)},
      {PK_CONSTS, pv_seq(m, PV_TUPLE, 0), pv_ints(m, PV_TUPLE, &one, 1)},
      {PK_DOT_DIMS, dot_dims(m), ir_scatter_dims_new(m, &sd)},
      {PK_SCATTER_DIMS, ir_scatter_dims_new(m, &sd), dot_dims(m)},
      {PK_CONV_DIMS, ir_conv_dims_new(m, &cd), ir_scatter_dims_new(m, &sd)},
      {PK_GATHER_DIMS, ir_gather_dims_new(m, &gd), ir_scatter_dims_new(m, &sd)},
      {PK_SCALAR, pv_float(m, 0.5), pv_name(m, "nan")},
      {PK_INTS | PK_OR_NONE, pv_none(m), pv_name(m, "(1,)")},
      {PK_INT_TUPLES, int_tuples, pv_ints(m, PV_TUPLE, &one, 1)},
      {PK_PLATFORMS, platforms, int_tuples},
      {PK_BOOL_LIST, bools, pv_ints(m, PV_LIST, &one, 1)},
  };
  CHECK(TJ_COUNT(rows) == PK_COUNT + 1);
  for (size_t i = 0; i < TJ_COUNT(rows); i++) {
    if (!ir_pval_is(rows[i].good, rows[i].kind) || ir_pval_is(rows[i].bad, rows[i].kind))
      fprintf(stderr, "kind row %zu\n", i);
    CHECK(ir_pval_is(rows[i].good, rows[i].kind));
    CHECK(!ir_pval_is(rows[i].bad, rows[i].kind));
  }
  CHECK(!ir_pval_is(pv_none(m), PK_INTS));
  char text[64];
  ir_kind_text(PK_JAXPR | PK_OR_NONE, text, sizeof text);
  CHECK_STR(text, "a jaxpr or None");
  ir_free(m);
}

/* Each primitive's keys are distinct and of a known kind. */
static void test_declarations_well_formed(void) {
  int bad = 0, total = 0;
  for (int p = 0; p < P_COUNT; p++)
    for (int i = 0; i < prim_params[p].n; i++, total++) {
      const param_spec *s = &prim_params[p].specs[i];
      bad += (s->kind & PK_KIND_MASK) >= PK_COUNT || (s->kind & ~(unsigned)(PK_KIND_MASK | PK_OR_NONE));
      for (int j = 0; j < i; j++) bad += strcmp(prim_params[p].specs[j].key, s->key) == 0;
    }
  CHECK(bad == 0);
  CHECK(total >= 50); /* the table's rows, not an empty loop */
}

int main(void) {
  test_declared_params_pass();
  test_missing_param();
  test_undeclared_param();
  test_wrongly_typed_param();
  test_wrongly_shaped_record();
  test_strict_readers();
  test_every_kind();
  test_declarations_well_formed();
  return HARNESS_REPORT();
}
