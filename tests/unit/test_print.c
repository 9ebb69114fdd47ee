/* The listing printer on IR built by hand, against the reference model in
 * gen/jaxpr_model.py: each case builds the IR that the case of the same
 * name builds in gen/print_cases.py, whose output the expected strings are.
 * Also print_eqn and the JSON form. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "ir.h"
#include "prims.h"
#include "print.h"

static ir_module *M;  /* the module of the current case */

#define END 0xffffffffu
#define O(...) ((const uint32_t[]){__VA_ARGS__, END})
#define O0 ((const uint32_t[]){END})
#define I(...) ((const ir_atom[]){__VA_ARGS__, END})
#define I0 ((const ir_atom[]){END})

/* A variable of type "f32[3,4]". */
static uint32_t var(const char *type) {
  tj_aval av = {0};
  const char *br = strchr(type, '[');
  if (!dtype_parse(type, (uint32_t)(br - type), &av.dtype)) abort();
  for (const char *p = br + 1; *p != ']';) {
    av.dims[av.rank++] = strtoll(p, (char **)&p, 10);
    if (*p == ',') p++;
  }
  return ir_new_var(M, &av);
}

static ir_atom V(uint32_t v) { return ATOM_VAR(v); }

static ir_atom lit_f(tj_dtype t, double f) {
  ir_lit l = {.dtype = t, .f = t == DT_F32 ? (double)(float)f : f};
  return ir_new_lit(M, &l);
}

static ir_atom lit_i(tj_dtype t, int64_t i) {
  ir_lit l = {.dtype = t, .i = i};
  return ir_new_lit(M, &l);
}

static uint32_t len_u(const uint32_t *v) { uint32_t n = 0; while (v[n] != END) n++; return n; }
static uint32_t len_a(const ir_atom *v) { uint32_t n = 0; while (v[n] != END) n++; return n; }

/* Appends `outs = prim[params] ins` to j; params are filled by param(). */
static ir_eqn *eqn(ir_jaxpr *j, int prim, const uint32_t *outs, const ir_atom *ins,
                   uint16_t nparams) {
  ir_eqn *e = ir_add_eqn(M, j, prim, len_a(ins), len_u(outs), nparams, span_make(0, 0));
  memcpy(e->out, outs, e->nout * sizeof *outs);
  memcpy(e->in, ins, e->nin * sizeof *ins);
  e->nparams = 0;  /* param() counts them back up */
  return e;
}

static void param(ir_eqn *e, const char *key, pval *v) {
  e->params[e->nparams].key = key;
  e->params[e->nparams++].val = v;
}

static uint32_t *copy_u(const uint32_t *v) {
  uint32_t *c = ARENA_ARRAY(&M->arena, uint32_t, len_u(v) + 1);
  memcpy(c, v, len_u(v) * sizeof *v);
  return c;
}

static void sig(ir_jaxpr *j, const uint32_t *consts, const uint32_t *ins, const ir_atom *outs) {
  j->constvars = copy_u(consts), j->nconst = len_u(consts);
  j->invars = copy_u(ins), j->nin = len_u(ins);
  j->nout = len_a(outs);
  j->outs = ARENA_ARRAY(&M->arena, ir_atom, j->nout + 1);
  memcpy(j->outs, outs, j->nout * sizeof *outs);
}

static pval *tuple(int n, ...) {
  va_list ap;
  va_start(ap, n);
  pval *t = pv_seq(M, PV_TUPLE, n);
  for (int i = 0; i < n; i++) t->items[i] = va_arg(ap, pval *);
  va_end(ap);
  return t;
}

static uint64_t fnv1a(const char *s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
  return h;
}

static void expect(const char *name, const char *want) {
  char *got = print_jaxpr(M);
  if (strcmp(got, want) != 0) fprintf(stderr, "case %s:\n%s\n", name, got);
  CHECK_STR(got, want);
  free(got);
  ir_free(M);
  M = NULL;
}

static void expect_hash(const char *name, size_t len, uint64_t hash) {
  char *got = print_jaxpr(M);
  if (strlen(got) != len || fnv1a(got) != hash)
    fprintf(stderr, "case %s: %zu bytes, hash %016llx\n", name, strlen(got),
            (unsigned long long)fnv1a(got));
  CHECK(strlen(got) == len);
  CHECK(fnv1a(got) == hash);
  free(got);
  ir_free(M);
  M = NULL;
}

static void test_basics(void) {
  M = ir_new(NULL);
  uint32_t a = var("f32[3]"), b = var("f32[3]");
  eqn(M->top, P_mul, O(b), I(V(a), lit_f(DT_F32, 2.0)), 0);
  sig(M->top, O0, O(a), I(V(b)));
  expect("mul_literal", "{ lambda ; a:f32[3]. let b:f32[3] = mul a 2.0:f32[] in (b,) }");

  M = ir_new(NULL);
  uint32_t x0 = var("f32[]"), x1 = var("f32[]"), x2 = var("f32[]"), x3 = var("f32[]");
  uint32_t x4 = var("f32[]"), t0 = var("i32[]"), t1 = var("i32[]"), t2 = var("f32[16]");
  eqn(M->top, P_cos, O(x1), I(V(x0)), 0);
  eqn(M->top, P_sin, O(x2), I(V(x1)), 0);
  eqn(M->top, P_tan, O(x3), I(V(x1)), 0);
  eqn(M->top, P_select_n, O(t0, t1, t2), I(V(x2)), 0);
  eqn(M->top, P_exp, O(x4), I(V(x2)), 0);
  sig(M->top, O0, O(x0), I(V(x4), V(x2)));
  expect("dropped",
         "{ lambda ; a:f32[]. let\n"
         "    b:f32[] = cos a\n"
         "    c:f32[] = sin b\n"
         "    _:f32[] = tan b\n"
         "    _:i32[] _:i32[] _:f32[16] = select_n c\n"
         "    d:f32[] = exp c\n"
         "  in (d, c) }");

  M = ir_new(NULL);
  uint32_t l[7];
  for (int i = 0; i < 7; i++) l[i] = var("f32[]");
  eqn(M->top, P_add, O(l[1]), I(V(l[0]), lit_f(DT_F32, 1.67)), 0);
  eqn(M->top, P_mul, O(l[2]), I(V(l[1]), lit_f(DT_F32, 1e-5)), 0);
  eqn(M->top, P_max, O(l[3]), I(V(l[2]), lit_f(DT_F32, -0.0)), 0);
  eqn(M->top, P_min, O(l[4]), I(V(l[3]), lit_f(DT_F32, INFINITY)), 0);
  eqn(M->top, P_add, O(l[5]), I(V(l[4]), lit_f(DT_F32, 1e20)), 0);
  eqn(M->top, P_add, O(l[6]), I(V(l[5]), lit_f(DT_F32, NAN)), 0);
  sig(M->top, O0, O(l[0]),
      I(V(l[6]), lit_i(DT_I32, 2), lit_i(DT_BOOL, 1), lit_f(DT_F64, 0.1), lit_i(DT_U8, 255),
        lit_i(DT_I64, -7)));
  expect("literals",
         "{ lambda ; a:f32[]. let\n"
         "    b:f32[] = add a 1.6699999570846558:f32[]\n"
         "    c:f32[] = mul b 9.999999747378752e-06:f32[]\n"
         "    d:f32[] = max c -0.0:f32[]\n"
         "    e:f32[] = min d inf:f32[]\n"
         "    f:f32[] = add e 1.0000000200408773e+20:f32[]\n"
         "    g:f32[] = add f nan:f32[]\n"
         "  in (g, 2:i32[], True:bool[], 0.1:f64[], 255:u8[], -7:i64[]) }");
}

static void test_params(void) {
  M = ir_new(NULL);
  uint32_t a = var("f32[3]"), b = var("f32[3,4]");
  ir_eqn *e = eqn(M->top, P_broadcast_in_dim, O(b), I(V(a)), 11);
  param(e, "shape", pv_ints(M, PV_TUPLE, (int64_t[]){3, 4}, 2));
  param(e, "broadcast_dimensions", pv_ints(M, PV_TUPLE, (int64_t[]){0}, 1));
  param(e, "sharding", pv_none(M));
  param(e, "alpha", pv_float(M, 0.5));
  param(e, "dtype", pv_dtype(M, DT_F32));
  param(e, "dims", pv_ints(M, PV_LIST, (int64_t[]){1}, 1));
  param(e, "empty", pv_seq(M, PV_TUPLE, 0));
  param(e, "flag", pv_bool(M, true));
  pval *one = pv_ints(M, PV_LIST, (int64_t[]){1}, 1), *zero = pv_ints(M, PV_LIST, (int64_t[]){0}, 1);
  pval *none = pv_seq(M, PV_LIST, 0);
  param(e, "dn", tuple(2, tuple(2, one, zero), tuple(2, none, none)));
  param(e, "dtypes", tuple(1, pv_dtype(M, DT_I32)));
  param(e, "nil", none);
  sig(M->top, O0, O(a), I(V(b)));
  expect("params",
         "{ lambda ; a:f32[3]. let\n"
         "    b:f32[3,4] = broadcast_in_dim[\n"
         "      alpha=0.5\n"
         "      broadcast_dimensions=(0,)\n"
         "      dims=[1]\n"
         "      dn=(([1], [0]), ([], []))\n"
         "      dtype=float32\n"
         "      dtypes=(dtype('int32'),)\n"
         "      empty=()\n"
         "      flag=True\n"
         "      nil=[]\n"
         "      shape=(3, 4)\n"
         "      sharding=None\n"
         "    ] a\n"
         "  in (b,) }");
}

/* in -> neg -> neg -> ... (n equations) */
static void neg_chain(ir_jaxpr *j, const char *type, int n) {
  uint32_t prev = var(type), first = prev;
  for (int i = 0; i < n; i++) {
    uint32_t next = var(type);
    eqn(j, P_neg, O(next), I(V(prev)), 0);
    prev = next;
  }
  sig(j, O0, O(first), I(V(prev)));
}

static void test_many_vars(void) {
  M = ir_new(NULL);
  neg_chain(M->top, "f32[]", 30);
  expect("vars_30",
         "{ lambda ; a:f32[]. let\n"
         "    b:f32[] = neg a\n"
         "    c:f32[] = neg b\n"
         "    d:f32[] = neg c\n"
         "    e:f32[] = neg d\n"
         "    f:f32[] = neg e\n"
         "    g:f32[] = neg f\n"
         "    h:f32[] = neg g\n"
         "    i:f32[] = neg h\n"
         "    j:f32[] = neg i\n"
         "    k:f32[] = neg j\n"
         "    l:f32[] = neg k\n"
         "    m:f32[] = neg l\n"
         "    n:f32[] = neg m\n"
         "    o:f32[] = neg n\n"
         "    p:f32[] = neg o\n"
         "    q:f32[] = neg p\n"
         "    r:f32[] = neg q\n"
         "    s:f32[] = neg r\n"
         "    t:f32[] = neg s\n"
         "    u:f32[] = neg t\n"
         "    v:f32[] = neg u\n"
         "    w:f32[] = neg v\n"
         "    x:f32[] = neg w\n"
         "    y:f32[] = neg x\n"
         "    z:f32[] = neg y\n"
         "    ba:f32[] = neg z\n"
         "    bb:f32[] = neg ba\n"
         "    bc:f32[] = neg bb\n"
         "    bd:f32[] = neg bc\n"
         "    be:f32[] = neg bd\n"
         "  in (be,) }");
  M = ir_new(NULL);
  neg_chain(M->top, "f32[2]", 700);
  char *got = print_jaxpr(M);
  CHECK(strstr(got, "    zz:f32[2] = neg zy\n    baa:f32[2] = neg zz\n") != NULL);
  free(got);
  expect_hash("vars_700", 16136u, 0x85dda97be7ed8363ull);
}

static ir_eqn *jit(ir_jaxpr *j, const char *name, ir_jaxpr *inner, const uint32_t *outs,
                   const ir_atom *ins) {
  ir_eqn *e = eqn(j, P_jit, outs, ins, 2);
  param(e, "jaxpr", pv_jaxpr(M, inner));  /* stored out of order on purpose */
  param(e, "name", pv_name(M, name));
  return e;
}

static void test_jit(void) {
  M = ir_new(NULL);
  ir_jaxpr *inner = ir_jaxpr_new(M);
  uint32_t x = var("f32[]"), y = var("f32[]"), p = var("f32[1]"), q = var("f32[1]");
  uint32_t r = var("f32[1]");
  param(eqn(inner, P_broadcast_in_dim, O(p), I(V(x)), 1), "broadcast_dimensions",
        pv_seq(M, PV_TUPLE, 0));
  param(eqn(inner, P_broadcast_in_dim, O(q), I(V(y)), 1), "broadcast_dimensions",
        pv_seq(M, PV_TUPLE, 0));
  eqn(inner, P_add, O(r), I(V(q), V(p)), 0);
  sig(inner, O0, O(x, y), I(V(r)));
  uint32_t a = var("f32[]"), b = var("f32[]"), c = var("f32[1]"), d = var("f32[1]");
  jit(M->top, "inner", inner, O(c), I(V(a), V(b)));
  eqn(M->top, P_neg, O(d), I(V(c)), 0);
  sig(M->top, O0, O(a, b), I(V(d)));
  expect("jit_borrow",
         "{ lambda ; a:f32[] b:f32[]. let\n"
         "    c:f32[1] = jit[\n"
         "      name=inner\n"
         "      jaxpr={ lambda ; a:f32[] b:f32[]. let\n"
         "          d:f32[1] = broadcast_in_dim[broadcast_dimensions=()] a\n"
         "          e:f32[1] = broadcast_in_dim[broadcast_dimensions=()] b\n"
         "          c:f32[1] = add e d\n"
         "        in (c,) }\n"
         "    ] a b\n"
         "    f:f32[1] = neg c\n"
         "  in (f,) }");

  M = ir_new(NULL);
  inner = ir_jaxpr_new(M);
  uint32_t ix = var("f32[]"), iy = var("f32[]"), iz = var("f32[]"), s1 = var("f32[]");
  uint32_t s2 = var("f32[]");
  eqn(inner, P_mul, O(s1), I(V(ix), V(iy)), 0);
  eqn(inner, P_sin, O(s2), I(V(iz)), 0);
  sig(inner, O0, O(ix, iy, iz), I(V(ix), V(s1), V(s2)));
  a = var("f32[]");
  uint32_t o1 = var("f32[]"), o2 = var("f32[]"), o3 = var("f32[]"), e = var("f32[]");
  jit(M->top, "g", inner, O(o1, o2, o3), I(V(a), V(a), lit_f(DT_F32, 3.0)));
  eqn(M->top, P_add, O(e), I(V(o1), V(o3)), 0);
  sig(M->top, O0, O(a), I(V(e)));
  expect("jit_quirks",
         "{ lambda ; a:f32[]. let\n"
         "    c:f32[] _:f32[] b:f32[] = jit[\n"
         "      name=g\n"
         "      jaxpr={ lambda ; a:f32[] d:f32[] e:f32[]. let\n"
         "          _:f32[] = mul a d\n"
         "          b:f32[] = sin e\n"
         "        in (a, _, b) }\n"
         "    ] a a 3.0:f32[]\n"
         "    f:f32[] = add c b\n"
         "  in (f,) }");
}

static void test_hoisting(void) {
  M = ir_new(NULL);
  ir_jaxpr *f = ir_jaxpr_new(M);
  uint32_t x = var("f32[]"), y = var("f32[]");
  eqn(f, P_sin, O(y), I(V(x)), 0);
  sig(f, O0, O(x), I(V(y)));
  uint32_t v[6];
  for (int i = 0; i < 6; i++) v[i] = var("f32[]");
  jit(M->top, "f", f, O(v[1]), I(V(v[0])));
  eqn(M->top, P_neg, O(v[2]), I(V(v[1])), 0);
  eqn(M->top, P_neg, O(v[3]), I(V(v[2])), 0);
  jit(M->top, "f", f, O(v[4]), I(V(v[3])));
  eqn(M->top, P_neg, O(v[5]), I(V(v[4])), 0);
  sig(M->top, O0, O(v[0]), I(V(v[5])));
  expect("hoist_twice",
         "let f = { lambda ; a:f32[]. let b:f32[] = sin a in (b,) } in\n"
         "{ lambda ; c:f32[]. let\n"
         "    d:f32[] = jit[name=f jaxpr=f] c\n"
         "    e:f32[] = neg d\n"
         "    g:f32[] = neg e\n"
         "    h:f32[] = jit[name=f jaxpr=f] g\n"
         "    i:f32[] = neg h\n"
         "  in (i,) }");

  M = ir_new(NULL);
  ir_jaxpr *big1 = ir_jaxpr_new(M), *big2 = ir_jaxpr_new(M), *lam = ir_jaxpr_new(M);
  ir_jaxpr *small = ir_jaxpr_new(M);
  neg_chain(big1, "f32[]", 11);
  neg_chain(big2, "f32[]", 12);
  neg_chain(lam, "f32[]", 11);
  x = var("f32[]"), y = var("f32[]");
  eqn(small, P_cos, O(y), I(V(x)), 0);
  sig(small, O0, O(x), I(V(y)));
  uint32_t i0 = var("i32[]"), a = var("f32[]");
  uint32_t c1 = var("f32[]"), c2 = var("f32[]"), c3 = var("f32[]");
  param(eqn(M->top, P_select_n, O(c1), I(V(i0), V(a)), 1), "branches",
        tuple(2, pv_jaxpr(M, big1), pv_jaxpr(M, small)));
  param(eqn(M->top, P_select_n, O(c2), I(V(i0), V(c1)), 1), "branches",
        tuple(2, pv_jaxpr(M, small), pv_jaxpr(M, big2)));
  jit(M->top, "<lambda>", lam, O(c3), I(V(c2)));
  sig(M->top, O0, O(i0, a), I(V(c3)));
  expect("hoist_big",
      "let jaxpr = { lambda ; a:f32[]. let\n"
      "    b:f32[] = neg a\n"
      "    c:f32[] = neg b\n"
      "    d:f32[] = neg c\n"
      "    e:f32[] = neg d\n"
      "    f:f32[] = neg e\n"
      "    g:f32[] = neg f\n"
      "    h:f32[] = neg g\n"
      "    i:f32[] = neg h\n"
      "    j:f32[] = neg i\n"
      "    k:f32[] = neg j\n"
      "    l:f32[] = neg k\n"
      "  in (l,) } in\n"
      "let jaxpr1 = { lambda ; m:f32[]. let n:f32[] = cos m in (n,) } in\n"
      "let jaxpr2 = { lambda ; o:f32[]. let\n"
      "    p:f32[] = neg o\n"
      "    q:f32[] = neg p\n"
      "    r:f32[] = neg q\n"
      "    s:f32[] = neg r\n"
      "    t:f32[] = neg s\n"
      "    u:f32[] = neg t\n"
      "    v:f32[] = neg u\n"
      "    w:f32[] = neg v\n"
      "    x:f32[] = neg w\n"
      "    y:f32[] = neg x\n"
      "    z:f32[] = neg y\n"
      "    ba:f32[] = neg z\n"
      "  in (ba,) } in\n"
      "let lambda = { lambda ; bb:f32[]. let\n"
      "    bc:f32[] = neg bb\n"
      "    bd:f32[] = neg bc\n"
      "    be:f32[] = neg bd\n"
      "    bf:f32[] = neg be\n"
      "    bg:f32[] = neg bf\n"
      "    bh:f32[] = neg bg\n"
      "    bi:f32[] = neg bh\n"
      "    bj:f32[] = neg bi\n"
      "    bk:f32[] = neg bj\n"
      "    bl:f32[] = neg bk\n"
      "    bm:f32[] = neg bl\n"
      "  in (bm,) } in\n"
      "{ lambda ; bn:i32[] bo:f32[]. let\n"
      "    bp:f32[] = select_n[branches=(jaxpr jaxpr1)] bn bo\n"
      "    bq:f32[] = select_n[branches=(jaxpr1 jaxpr2)] bn bp\n"
      "    br:f32[] = jit[name=<lambda> jaxpr=lambda] bq\n"
      "  in (br,) }");
}

static void test_edges(void) {
  M = ir_new(NULL);
  uint32_t r = var("i32[3]");
  param(eqn(M->top, P_broadcast_in_dim, O(r), I0, 1), "dimension", pv_int(M, 0));
  sig(M->top, O0, O0, I0);
  expect("no_invars", "{ lambda ; . let _:i32[3] = broadcast_in_dim[dimension=0]  in () }");

  M = ir_new(NULL);
  uint32_t k = var("f32[4]"), u = var("f32[2]"), w = var("i32[]");
  sig(M->top, O(k), O(u, w), I(V(u), V(u)));
  expect("passthrough", "{ lambda a:f32[4]; b:f32[2] c:i32[]. let  in (b, b) }");
}

static void test_print_eqn(void) {
  M = ir_new(NULL);
  uint32_t x = var("f32[]"), y = var("f32[]");
  ir_eqn *e = eqn(M->top, P_integer_pow, O(y), I(V(x)), 1);
  param(e, "y", pv_int(M, 2));
  char *got = print_eqn(M, M->top, e);
  CHECK_STR(got, "a:f32[] = integer_pow[y=2] b");
  free(got);
  ir_jaxpr *inner = ir_jaxpr_new(M);
  uint32_t iv = var("f32[]");
  sig(inner, O0, O(iv), I(V(iv)));
  uint32_t z = var("f32[]");
  e = jit(M->top, "h", inner, O(z), I(V(x)));
  got = print_eqn(M, M->top, e);
  CHECK_STR(got, "b:f32[] = jit[name=h jaxpr={ lambda ; a:f32[]. let  in (a,) }] a");
  free(got);
  ir_free(M);
}

/* The listing's names and the JSON agree; sub-jaxprs nest, hoisted ones
 * are referenced. */
static void test_json(void) {
  M = ir_new(NULL);
  uint32_t a = var("f32[3]"), b = var("f32[3]"), c = var("f32[3]");
  ir_eqn *e = eqn(M->top, P_mul, O(b), I(V(a), lit_f(DT_F32, 2.0)), 0);
  e->span = span_make(5, 9);
  M->vars[a].weak = false;
  param(eqn(M->top, P_integer_pow, O(c), I(V(b)), 1), "y", pv_int(M, 2));
  sig(M->top, O0, O(a), I(V(b)));
  char *got = print_jaxpr_json(M);
  CHECK_STR(got,
            "{\"version\":1,\"listing\":\"{ lambda ; a:f32[3]. let\\n    b:f32[3] = mul a 2.0:f32[]\\n"
            "    _:f32[3] = integer_pow[y=2] b\\n  in (b,) }\","
            "\"jaxpr\":{\"constvars\":[],"
            "\"invars\":[{\"name\":\"a\",\"type\":\"f32[3]\",\"weak_type\":false}],"
            "\"eqns\":[{\"primitive\":\"mul\",\"params\":{},"
            "\"invars\":[{\"name\":\"a\"},{\"literal\":\"2.0\",\"type\":\"f32[]\"}],"
            "\"outvars\":[{\"name\":\"b\",\"type\":\"f32[3]\",\"weak_type\":false}],"
            "\"source\":null},"
            "{\"primitive\":\"integer_pow\",\"params\":{\"y\":\"2\"},"
            "\"invars\":[{\"name\":\"b\"}],"
            "\"outvars\":[{\"name\":\"_\",\"type\":\"f32[3]\",\"weak_type\":false}],"
            "\"source\":null}],"
            "\"outvars\":[{\"name\":\"b\"}]},\"shared\":[]}");
  free(got);
  ir_free(M);

  /* with a source: line and column of the equation's span */
  tj_arena sa = {0};
  tj_source src = {0};
  const char *text = "float f(float x) {\n  return x * 2;\n}\n";
  source_init(&sa, &src, "f.c", text, (uint32_t)strlen(text));
  M = ir_new(&src);
  a = var("f32[]"), b = var("f32[]");
  e = eqn(M->top, P_mul, O(b), I(V(a), lit_f(DT_F32, 2.0)), 0);
  e->span = span_make(28, 33);
  ir_jaxpr *f = ir_jaxpr_new(M);
  uint32_t x = var("f32[]"), y = var("f32[]"), z = var("f32[]");
  eqn(f, P_sin, O(y), I(V(x)), 0);
  sig(f, O0, O(x), I(V(y)));
  jit(M->top, "f", f, O(z), I(V(b)));
  uint32_t z2 = var("f32[]");
  jit(M->top, "f", f, O(z2), I(V(z)));
  sig(M->top, O0, O(a), I(V(z2)));
  got = print_jaxpr_json(M);
  cJSON *root = cJSON_Parse(got);
  CHECK(root != NULL);
  cJSON *listing = cJSON_GetObjectItem(root, "listing");
  CHECK_STR(cJSON_GetStringValue(listing),
            "let f = { lambda ; a:f32[]. let b:f32[] = sin a in (b,) } in\n"
            "{ lambda ; c:f32[]. let\n"
            "    d:f32[] = mul c 2.0:f32[]\n"
            "    e:f32[] = jit[name=f jaxpr=f] d\n"
            "    g:f32[] = jit[name=f jaxpr=f] e\n"
            "  in (g,) }");
  cJSON *eqns = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "jaxpr"), "eqns");
  cJSON *src0 = cJSON_GetObjectItem(cJSON_GetArrayItem(eqns, 0), "source");
  CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(src0, "line")) == 2);
  CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(src0, "col")) == 10);
  cJSON *p1 = cJSON_GetObjectItem(cJSON_GetArrayItem(eqns, 1), "params");
  CHECK(p1 && p1->child && strcmp(p1->child->string, "name") == 0);
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(p1, "jaxpr"), "shared")),
            "f");
  cJSON *sh = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "shared"), 0);
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(sh, "name")), "f");
  cJSON *shin = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(sh, "jaxpr"), "invars"), 0);
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(shin, "name")), "a");
  cJSON_Delete(root);
  free(got);
  ir_free(M);
  arena_free(&sa);
}

/* Cases from JAX 0.10.2's tests/pjit_test.py (test_pretty_print*), built
 * as JAX traces them; the expected texts are JAX's. */
static void test_jax_pjit_cases(void) {
  /* g = pjit(lambda x: f(x) + f(x)), f = pjit(lambda x: x**2) */
  M = ir_new(NULL);
  ir_jaxpr *f = ir_jaxpr_new(M);
  uint32_t fa = var("f32[1]"), fb = var("f32[1]");
  param(eqn(f, P_integer_pow, O(fb), I(V(fa)), 1), "y", pv_int(M, 2));
  sig(f, O0, O(fa), I(V(fb)));
  ir_jaxpr *g = ir_jaxpr_new(M);
  uint32_t gx = var("f32[1]"), g1 = var("f32[1]"), g2 = var("f32[1]"), g3 = var("f32[1]");
  jit(g, "<lambda>", f, O(g1), I(V(gx)));
  jit(g, "<lambda>", f, O(g2), I(V(gx)));
  eqn(g, P_add, O(g3), I(V(g1), V(g2)), 0);
  sig(g, O0, O(gx), I(V(g3)));
  uint32_t x = var("f32[1]"), y = var("f32[1]");
  jit(M->top, "<lambda>", g, O(y), I(V(x)));
  sig(M->top, O0, O(x), I(V(y)));
  expect("jax_pretty_print",
         "let lambda = { lambda ; a:f32[1]. let b:f32[1] = integer_pow[y=2] a in (b,) } in\n"
         "{ lambda ; c:f32[1]. let\n"
         "    d:f32[1] = jit[\n"
         "      name=<lambda>\n"
         "      jaxpr={ lambda ; c:f32[1]. let\n"
         "          e:f32[1] = jit[name=<lambda> jaxpr=lambda] c\n"
         "          f:f32[1] = jit[name=<lambda> jaxpr=lambda] c\n"
         "          d:f32[1] = add e f\n"
         "        in (d,) }\n"
         "    ] c\n"
         "  in (d,) }");

  /* lambda y: y + f(y, y), f = pjit(lambda x, y: x) */
  M = ir_new(NULL);
  f = ir_jaxpr_new(M);
  uint32_t p0 = var("f32[1]"), p1 = var("f32[1]");
  sig(f, O0, O(p0, p1), I(V(p0)));
  x = var("f32[1]"), y = var("f32[1]");
  uint32_t z = var("f32[1]");
  jit(M->top, "<lambda>", f, O(y), I(V(x), V(x)));
  eqn(M->top, P_add, O(z), I(V(x), V(y)), 0);
  sig(M->top, O0, O(x), I(V(z)));
  expect("jax_pjit_id",
         "{ lambda ; a:f32[1]. let\n"
         "    b:f32[1] = jit[\n"
         "      name=<lambda>\n"
         "      jaxpr={ lambda ; a:f32[1] c:f32[1]. let  in (a,) }\n"
         "    ] a a\n"
         "    d:f32[1] = add a b\n"
         "  in (d,) }");

  /* lambda x: f(x, np.float32(1.0)), f = pjit(lambda x, y: x * y) */
  M = ir_new(NULL);
  f = ir_jaxpr_new(M);
  p0 = var("f32[1]"), p1 = var("f32[]");
  uint32_t p2 = var("f32[1]");
  eqn(f, P_mul, O(p2), I(V(p0), V(p1)), 0);
  sig(f, O0, O(p0, p1), I(V(p2)));
  x = var("f32[1]"), y = var("f32[1]");
  jit(M->top, "<lambda>", f, O(y), I(V(x), lit_f(DT_F32, 1.0)));
  sig(M->top, O0, O(x), I(V(y)));
  expect("jax_constant_pjit_arg",
         "{ lambda ; a:f32[1]. let\n"
         "    b:f32[1] = jit[\n"
         "      name=<lambda>\n"
         "      jaxpr={ lambda ; a:f32[1] c:f32[]. let b:f32[1] = mul a c in (b,) }\n"
         "    ] a 1.0:f32[]\n"
         "  in (b,) }");

  /* lambda x: f(x, x, x), f = pjit(lambda x, y, z: x * y * z) */
  M = ir_new(NULL);
  f = ir_jaxpr_new(M);
  p0 = var("f32[1]"), p1 = var("f32[1]"), p2 = var("f32[1]");
  uint32_t p3 = var("f32[1]"), p4 = var("f32[1]");
  eqn(f, P_mul, O(p3), I(V(p0), V(p1)), 0);
  eqn(f, P_mul, O(p4), I(V(p3), V(p2)), 0);
  sig(f, O0, O(p0, p1, p2), I(V(p4)));
  x = var("f32[1]"), y = var("f32[1]");
  jit(M->top, "<lambda>", f, O(y), I(V(x), V(x), V(x)));
  sig(M->top, O0, O(x), I(V(y)));
  expect("jax_aliased_args",
         "{ lambda ; a:f32[1]. let\n"
         "    b:f32[1] = jit[\n"
         "      name=<lambda>\n"
         "      jaxpr={ lambda ; a:f32[1] c:f32[1] d:f32[1]. let\n"
         "          e:f32[1] = mul a c\n"
         "          b:f32[1] = mul e d\n"
         "        in (b,) }\n"
         "    ] a a a\n"
         "  in (b,) }");

  /* f = pjit(lambda x: (np.int32(2), x)) */
  M = ir_new(NULL);
  f = ir_jaxpr_new(M);
  p0 = var("f32[1]");
  sig(f, O0, O(p0), I(lit_i(DT_I32, 2), V(p0)));
  x = var("f32[1]"), y = var("i32[]"), z = var("f32[1]");
  jit(M->top, "<lambda>", f, O(y, z), I(V(x)));
  sig(M->top, O0, O(x), I(V(y), V(z)));
  expect("jax_literal_outvar",
         "{ lambda ; a:f32[1]. let\n"
         "    b:i32[] c:f32[1] = jit[\n"
         "      name=<lambda>\n"
         "      jaxpr={ lambda ; a:f32[1]. let  in (2:i32[], a) }\n"
         "    ] a\n"
         "  in (b, c) }");

  /* g(x, y) = f(x) + f(y) with f(x) = x * y closing over y: the shared
   * name f is skipped by the variable counter */
  M = ir_new(NULL);
  f = ir_jaxpr_new(M);
  p0 = var("f32[1]"), p1 = var("f32[1]"), p2 = var("f32[1]");
  eqn(f, P_mul, O(p2), I(V(p1), V(p0)), 0);
  sig(f, O0, O(p0, p1), I(V(p2)));
  g = ir_jaxpr_new(M);
  uint32_t gy = var("f32[1]");
  gx = var("f32[1]"), g1 = var("f32[1]"), g2 = var("f32[1]"), g3 = var("f32[1]");
  jit(g, "f", f, O(g1), I(V(gy), V(gx)));
  jit(g, "f", f, O(g2), I(V(gy), V(gy)));
  eqn(g, P_add, O(g3), I(V(g1), V(g2)), 0);
  sig(g, O0, O(gx, gy), I(V(g3)));
  x = var("f32[1]"), y = var("f32[1]"), z = var("f32[1]");
  jit(M->top, "g", g, O(z), I(V(x), V(y)));
  sig(M->top, O0, O(x, y), I(V(z)));
  expect("jax_closure",
         "let f = { lambda ; a:f32[1] b:f32[1]. let c:f32[1] = mul b a in (c,) } in\n"
         "{ lambda ; d:f32[1] e:f32[1]. let\n"
         "    g:f32[1] = jit[\n"
         "      name=g\n"
         "      jaxpr={ lambda ; d:f32[1] e:f32[1]. let\n"
         "          h:f32[1] = jit[name=f jaxpr=f] e d\n"
         "          i:f32[1] = jit[name=f jaxpr=f] e e\n"
         "          g:f32[1] = add h i\n"
         "        in (g,) }\n"
         "    ] d e\n"
         "  in (g,) }");

  /* lambda x: outer_fn(x) + outer_fn(x), outer_fn calling inner_fn twice */
  M = ir_new(NULL);
  ir_jaxpr *inner = ir_jaxpr_new(M);
  p0 = var("f32[1]"), p1 = var("f32[1]");
  eqn(inner, P_add, O(p1), I(V(p0), lit_f(DT_F32, 1.0)), 0);
  sig(inner, O0, O(p0), I(V(p1)));
  ir_jaxpr *outer = ir_jaxpr_new(M);
  gx = var("f32[1]"), g1 = var("f32[1]"), g2 = var("f32[1]"), g3 = var("f32[1]");
  jit(outer, "inner_fn", inner, O(g1), I(V(gx)));
  jit(outer, "inner_fn", inner, O(g2), I(V(gx)));
  eqn(outer, P_add, O(g3), I(V(g1), V(g2)), 0);
  sig(outer, O0, O(gx), I(V(g3)));
  x = var("f32[1]"), y = var("f32[1]"), z = var("f32[1]");
  uint32_t w = var("f32[1]");
  jit(M->top, "outer_fn", outer, O(y), I(V(x)));
  jit(M->top, "outer_fn", outer, O(z), I(V(x)));
  eqn(M->top, P_add, O(w), I(V(y), V(z)), 0);
  sig(M->top, O0, O(x), I(V(w)));
  expect("jax_nested_shared",
         "let outer_fn = { lambda ; a:f32[1]. let\n"
         "    b:f32[1] = jit[name=inner_fn jaxpr=inner_fn] a\n"
         "    c:f32[1] = jit[name=inner_fn jaxpr=inner_fn] a\n"
         "    d:f32[1] = add b c\n"
         "  in (d,) } in\n"
         "let inner_fn = { lambda ; e:f32[1]. let f:f32[1] = add e 1.0:f32[] in (f,) } in\n"
         "{ lambda ; g:f32[1]. let\n"
         "    h:f32[1] = jit[name=outer_fn jaxpr=outer_fn] g\n"
         "    i:f32[1] = jit[name=outer_fn jaxpr=outer_fn] g\n"
         "    j:f32[1] = add h i\n"
         "  in (j,) }");

  /* inner_jit_large (11 adds) is hoisted, inner_jit_small is not */
  M = ir_new(NULL);
  ir_jaxpr *small = ir_jaxpr_new(M);
  p0 = var("i32[2]"), p1 = var("i32[2]");
  eqn(small, P_add, O(p1), I(V(p0), lit_i(DT_I32, 1)), 0);
  sig(small, O0, O(p0), I(V(p1)));
  ir_jaxpr *large = ir_jaxpr_new(M);
  uint32_t prev = var("i32[2]"), first = prev;
  for (int i = 0; i < 11; i++) {
    uint32_t next = var("i32[2]");
    eqn(large, P_add, O(next), I(V(prev), lit_i(DT_I32, 1)), 0);
    prev = next;
  }
  sig(large, O0, O(first), I(V(prev)));
  x = var("i32[2]"), y = var("i32[2]"), z = var("i32[2]");
  jit(M->top, "inner_jit_small", small, O(y), I(V(x)));
  jit(M->top, "inner_jit_large", large, O(z), I(V(y)));
  sig(M->top, O0, O(x), I(V(z)));
  char *got = print_jaxpr(M);
  const char *top = "let inner_jit_large = { lambda ; a:i32[2]. let\n";
  const char *bottom =
      "  in (l,) } in\n"
      "{ lambda ; m:i32[2]. let\n"
      "    n:i32[2] = jit[\n"
      "      name=inner_jit_small\n"
      "      jaxpr={ lambda ; m:i32[2]. let n:i32[2] = add m 1:i32[] in (n,) }\n"
      "    ] m\n"
      "    o:i32[2] = jit[name=inner_jit_large jaxpr=inner_jit_large] n\n"
      "  in (o,) }";
  CHECK(strncmp(got, top, strlen(top)) == 0);
  CHECK(strlen(got) > strlen(bottom) && strcmp(got + strlen(got) - strlen(bottom), bottom) == 0);
  CHECK(strstr(got, "    l:i32[2] = add k 1:i32[]\n") != NULL);
  free(got);
  ir_free(M);
}

/* s with every `from` replaced by `to` (malloc'd). */
static char *subst(const char *s, const char *from, const char *to) {
  size_t n = 1;
  for (const char *h = s; (h = strstr(h, from)); h += strlen(from)) n += strlen(to);
  char *out = malloc(strlen(s) + n), *o = out;
  for (const char *h; (h = strstr(s, from)); s = h + strlen(from)) {
    memcpy(o, s, (size_t)(h - s));
    o += h - s;
    o = stpcpy(o, to);
  }
  strcpy(o, s);
  return out;
}

/* Cases from JAX 0.10.2's tests/api_test.py (test_const, test_cond). Until
 * prims.def has cond, select_n stands in for it. */
static void test_jax_api_cases(void) {
  M = ir_new(NULL);
  uint32_t c = var("f32[1]"), x = var("f32[]");
  sig(M->top, O(c), O(x), I(V(x), lit_f(DT_F32, 1.0), V(c)));
  expect("jax_const", "{ lambda a:f32[1]; b:f32[]. let  in (b, 1.0:f32[], a) }");

  int cond = prim_lookup("cond");
  const char *cond_name = cond < 0 ? "= select_n[" : "= cond[";
  if (cond < 0) cond = P_select_n;
  M = ir_new(NULL);
  ir_jaxpr *br0 = ir_jaxpr_new(M), *br1 = ir_jaxpr_new(M);
  uint32_t g = var("f32[]"), h = var("f32[]"), i = var("f32[]"), j = var("f32[]");
  eqn(br0, P_sub, O(j), I(V(i), V(g)), 0);
  sig(br0, O0, O(g, h, i), I(V(j)));
  uint32_t k = var("f32[]"), l = var("f32[]"), m = var("f32[]"), n = var("f32[]");
  eqn(br1, P_add, O(n), I(V(l), V(k)), 0);
  sig(br1, O0, O(k, l, m), I(V(n)));
  uint32_t a = var("f32[]"), b = var("bool[]"), cc = var("f32[]"), d = var("f32[]");
  uint32_t e = var("i32[]"), f = var("f32[]");
  eqn(M->top, P_ge, O(b), I(V(a), lit_f(DT_F32, 0.0)), 0);
  eqn(M->top, P_add, O(cc), I(V(a), lit_f(DT_F32, 1.0)), 0);
  eqn(M->top, P_add, O(d), I(V(a), lit_f(DT_F32, 2.0)), 0);
  ir_eqn *cv = eqn(M->top, P_convert_element_type, O(e), I(V(b)), 2);
  param(cv, "weak_type", pv_bool(M, false));
  param(cv, "new_dtype", pv_dtype(M, DT_I32));
  param(eqn(M->top, cond, O(f), I(V(e), V(a), V(cc), V(d)), 1), "branches",
        tuple(2, pv_jaxpr(M, br0), pv_jaxpr(M, br1)));
  sig(M->top, O0, O(a), I(V(f)));
  char *want = subst("{ lambda ; a:f32[]. let\n"
                     "    b:bool[] = ge a 0.0:f32[]\n"
                     "    c:f32[] = add a 1.0:f32[]\n"
                     "    d:f32[] = add a 2.0:f32[]\n"
                     "    e:i32[] = convert_element_type[new_dtype=int32 weak_type=False] b\n"
                     "    f:f32[] = cond[\n"
                     "      branches=(\n"
                     "        { lambda ; g:f32[] h:f32[] i:f32[]. let j:f32[] = sub i g in (j,) }\n"
                     "        { lambda ; k:f32[] l:f32[] m:f32[]. let n:f32[] = add l k in (n,) }\n"
                     "      )\n"
                     "    ] e a c d\n"
                     "  in (f,) }",
                     "= cond[", cond_name);
  expect("jax_cond", want);
  free(want);
}

/* M: levels of jaxprs, each calling the next twice (gen: chain_6). */
static void diamond_chain(int levels) {
  M = ir_new(NULL);
  ir_jaxpr *j = M->top;
  for (int level = 0; level < levels; level++) {
    ir_jaxpr *inner = ir_jaxpr_new(M);
    uint32_t x0 = var("f32[]"), x1 = var("f32[]"), x2 = var("f32[]");
    jit(j, "f", inner, O(x1), I(V(x0)));
    jit(j, "f", inner, O(x2), I(V(x1)));
    sig(j, O0, O(x0), I(V(x2)));
    j = inner;
  }
  uint32_t x = var("f32[]");
  sig(j, O0, O(x), I(V(x)));
}

/* IR no tracer makes, which must still print in bounded time and stack:
 * a jaxpr that calls itself, 2000 nested calls, and a chain of jaxprs each
 * used twice by the one before (2^60 paths for JAX's walk). */
static void test_hostile(void) {
  M = ir_new(NULL);
  uint32_t a = var("f32[]"), b = var("f32[]");
  jit(M->top, "self", M->top, O(b), I(V(a)));
  sig(M->top, O0, O(a), I(V(b)));
  expect("self_call",
         "let self = { lambda ; a:f32[]. let b:f32[] = jit[name=self jaxpr=self] a in (b,) } in\n"
         "self");

  M = ir_new(NULL);
  ir_jaxpr *j = M->top;
  for (int depth = 0; depth < 2000; depth++) {
    ir_jaxpr *inner = ir_jaxpr_new(M);
    uint32_t x = var("f32[]"), y = var("f32[]");
    jit(j, "f", inner, O(y), I(V(x)));
    sig(j, O0, O(x), I(V(y)));
    j = inner;
  }
  uint32_t x = var("f32[]");
  sig(j, O0, O(x), I(V(x)));
  char *got = print_jaxpr(M);
  CHECK(strstr(got, "jaxpr={ ... }") != NULL);
  free(got);
  got = print_jaxpr_json(M);
  CHECK(got != NULL);
  free(got);
  ir_free(M);

  diamond_chain(6);
  expect("chain_6",
         "let f = { lambda ; a:f32[]. let\n"
         "    b:f32[] = jit[name=f jaxpr=f1] a\n"
         "    c:f32[] = jit[name=f jaxpr=f1] b\n"
         "  in (c,) } in\n"
         "let f1 = { lambda ; d:f32[]. let\n"
         "    e:f32[] = jit[name=f jaxpr=f2] d\n"
         "    g:f32[] = jit[name=f jaxpr=f2] e\n"
         "  in (g,) } in\n"
         "let f2 = { lambda ; h:f32[]. let\n"
         "    i:f32[] = jit[name=f jaxpr=f3] h\n"
         "    j:f32[] = jit[name=f jaxpr=f3] i\n"
         "  in (j,) } in\n"
         "let f3 = { lambda ; k:f32[]. let\n"
         "    l:f32[] = jit[name=f jaxpr=f4] k\n"
         "    m:f32[] = jit[name=f jaxpr=f4] l\n"
         "  in (m,) } in\n"
         "let f4 = { lambda ; n:f32[]. let\n"
         "    o:f32[] = jit[name=f jaxpr=f5] n\n"
         "    p:f32[] = jit[name=f jaxpr=f5] o\n"
         "  in (p,) } in\n"
         "let f5 = { lambda ; q:f32[]. let  in (q,) } in\n"
         "{ lambda ; r:f32[]. let\n"
         "    s:f32[] = jit[name=f jaxpr=f] r\n"
         "    t:f32[] = jit[name=f jaxpr=f] s\n"
         "  in (t,) }");
  diamond_chain(60);
  clock_t t0 = clock();
  got = print_jaxpr(M);
  CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
  CHECK(strstr(got, "let f59 = ") != NULL && strstr(got, "let f60 = ") == NULL);
  free(got);
  ir_free(M);
}

/* A guard against quadratic work, not a speed test (make bench measures
 * speed): linear printing takes about 0.05 s here, a quadratic printer
 * minutes. A tight budget failed on a loaded 2-CPU machine (0.10-0.17 s),
 * so it is 20 times the measured time, 40 under sanitizers. */
#if defined(__SANITIZE_ADDRESS__)
#define TIME_BUDGET 4.0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TIME_BUDGET 4.0
#endif
#endif
#ifndef TIME_BUDGET
#define TIME_BUDGET 1.0
#endif

static void test_100k_eqns(void) {
  M = ir_new(NULL);
  uint32_t prev = var("f32[]"), first = prev;
  for (int i = 0; i < 100000; i++) {
    uint32_t next = var("f32[]");
    eqn(M->top, P_sin, O(next), I(V(prev)), 0);
    prev = next;
  }
  sig(M->top, O0, O(first), I(V(prev)));
  clock_t t0 = clock();
  char *got = print_jaxpr(M);
  double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  printf("print_jaxpr of 100000 equations: %.4f s\n", secs);
  CHECK(strlen(got) == 2563485u);
  CHECK(fnv1a(got) == 0xd127a46710c92601ull);
  CHECK(secs < TIME_BUDGET);
  free(got);
  ir_free(M);
}

int main(void) {
  test_basics();
  test_params();
  test_many_vars();
  test_jit();
  test_jax_pjit_cases();
  test_jax_api_cases();
  test_hoisting();
  test_edges();
  test_print_eqn();
  test_json();
  test_hostile();
  test_100k_eqns();
  return HARNESS_REPORT();
}
