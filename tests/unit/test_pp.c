/* The layout engine against the Appendix A model of JAX's printer. Each
 * case builds the document that the function of the same name builds in
 * gen/pp_cases.py; the expected texts (or, for big outputs, their length
 * and FNV-1a hash) are that script's output. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "pp.h"

static tj_arena A;  /* the documents of the current case */

#define S(...) ((const char *[]){__VA_ARGS__, NULL})
#define NONE ((const char *[]){NULL})
#define DOCS(...) ((pp_doc *[]){__VA_ARGS__, NULL})
#define NODOCS ((pp_doc *[]){NULL})

static size_t count(const void *const *items) {
  size_t n = 0;
  while (items[n]) n++;
  return n;
}

static pp_doc *vars_sep(const char *const *items, const char *sep) {
  size_t n = count((const void *const *)items);
  pp_doc **docs = ARENA_ARRAY(&A, pp_doc *, n + 1);
  for (size_t i = 0; i < n; i++) docs[i] = pp_text(&A, items[i]);
  pp_doc *joint = PP_CAT(&A, pp_text(&A, sep), pp_group(&A, pp_brk(&A, " ")));
  return pp_nest(&A, 2, pp_group(&A, pp_join(&A, joint, docs, n)));
}

static pp_doc *vars(const char *const *items) { return vars_sep(items, ""); }

static pp_doc *kv(const char *key, pp_doc *val) {
  return PP_CAT(&A, pp_text(&A, arena_printf(&A, "%s=", key)), val);
}

static pp_doc *kvs(const char *key, const char *val) { return kv(key, pp_text(&A, val)); }

static pp_doc *params(pp_doc *const *kvlist) {
  size_t n = count((const void *const *)kvlist);
  if (!n) return pp_nil(&A);
  pp_doc *open = PP_CAT(&A, pp_text(&A, "["), pp_brk(&A, ""),
                        pp_join(&A, pp_brk(&A, " "), kvlist, n));
  return pp_group(&A, PP_CAT(&A, pp_nest(&A, 2, open), pp_brk(&A, ""), pp_text(&A, "]")));
}

static pp_doc *eqn(const char *const *outs, const char *prim, pp_doc *const *kvlist,
                   const char *const *ins) {
  pp_doc *rhs = PP_CAT(&A, pp_text(&A, prim), params(kvlist),
                       PP_CAT(&A, pp_text(&A, " "), vars(ins)));
  if (!outs[0]) return rhs;
  return PP_CAT(&A, vars(outs), pp_text(&A, " = "), rhs);
}

static pp_doc *jaxpr(const char *const *consts, const char *const *ins,
                     pp_doc *const *eqns, const char *const *outs) {
  size_t nouts = count((const void *const *)outs);
  pp_doc *body = pp_join(&A, pp_brk(&A, "; "), eqns, count((const void *const *)eqns));
  pp_doc *tuple = PP_CAT(&A, pp_text(&A, "("), vars_sep(outs, ","),
                         pp_text(&A, nouts == 1 ? ",)" : ")"));
  pp_doc *inner = PP_CAT(&A, pp_text(&A, "{ "), pp_text(&A, "lambda "), vars(consts),
                         pp_text(&A, "; "), vars(ins), pp_text(&A, ". "), pp_text(&A, "let"),
                         pp_nest(&A, 2, PP_CAT(&A, pp_brk(&A, " "), body)), pp_brk(&A, " "),
                         pp_text(&A, "in "), tuple);
  return PP_CAT(&A, pp_group(&A, pp_nest(&A, 2, inner)), pp_text(&A, " }"));
}

static pp_doc *jaxprs(pp_doc *const *js) {
  pp_doc *open = PP_CAT(&A, pp_text(&A, "("), pp_brk(&A, ""),
                        pp_join(&A, pp_brk(&A, " "), js, count((const void *const *)js)));
  return pp_group(&A, PP_CAT(&A, pp_nest(&A, 2, open), pp_brk(&A, ""), pp_text(&A, ")")));
}

/* Names as JAX numbers them: a..z, ba, bb, ... */
static const char *encode(uint64_t n) {
  char tmp[16];
  int i = (int)sizeof tmp - 1;
  tmp[i] = 0;
  do {
    tmp[--i] = (char)('a' + n % 26);
    n /= 26;
  } while (n);
  return arena_strdup(&A, tmp + i);
}

static char *format(const pp_doc *d) {
  tj_buf b = {0};
  pp_format(&b, d, 80);
  return buf_detach(&b);
}

static void check_text(const char *name, const pp_doc *d, const char *want) {
  char *got = format(d);
  if (strcmp(got, want) != 0) fprintf(stderr, "case %s:\n%s\n", name, got);
  CHECK_STR(got, want);
  free(got);
  arena_free(&A);
}

static uint64_t fnv1a(const char *s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
  return h;
}

static void check_hash(const char *name, const pp_doc *d, size_t len, uint64_t hash) {
  char *got = format(d);
  if (strlen(got) != len || fnv1a(got) != hash)
    fprintf(stderr, "case %s: %zu bytes, hash %016llx\n", name, strlen(got),
            (unsigned long long)fnv1a(got));
  CHECK(strlen(got) == len);
  CHECK(fnv1a(got) == hash);
  free(got);
  arena_free(&A);
}

static pp_doc *exact_fit(int n) {
  char *x = arena_alloc(&A, 41), *y = arena_alloc(&A, (size_t)n);
  memset(x, 'x', 40);
  memset(y, 'y', (size_t)n - 41);
  return pp_group(&A, PP_CAT(&A, pp_text(&A, x), pp_brk(&A, " "), pp_text(&A, y)));
}

static void test_engine(void) {
  check_text("fit_80", exact_fit(80),
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
  check_text("fit_81", exact_fit(81),
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
             "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
  char *c70 = arena_alloc(&A, 71);
  memset(c70, 'c', 70);
  /* the group is measured from column 2, without what precedes it */
  check_text("nested_fit",
             PP_CAT(&A, pp_text(&A, "ab"),
                    pp_nest(&A, 4, pp_group(&A, PP_CAT(&A, pp_text(&A, c70), pp_brk(&A, " "),
                                                       pp_text(&A, "ddddddddd"))))),
             "abcccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\n"
             "    ddddddddd");
  /* outside any group the document is in break mode */
  check_text("top_breaks",
             PP_CAT(&A, pp_text(&A, "a"), pp_nest(&A, 3, PP_CAT(&A, pp_brk(&A, " "), pp_text(&A, "b"))),
                    pp_brk(&A, ", "), pp_text(&A, "c")),
             "a\n"
             "   b\n"
             "c");
  check_text("nil", pp_nil(&A), "");
}

static void test_jaxpr_shapes(void) {
  check_text("one_liner",
             jaxpr(NONE, S("a:f32[]"),
                   DOCS(eqn(S("b:f32[]"), "cos", NODOCS, S("a")),
                        eqn(S("c:f32[]"), "sin", NODOCS, S("b"))),
                   S("c")),
             "{ lambda ; a:f32[]. let b:f32[] = cos a; c:f32[] = sin b in (c,) }");

  pp_doc *many[13];
  for (int i = 0; i < 12; i++)
    many[i] = eqn(S(arena_printf(&A, "%s:f32[8]", encode((uint64_t)i + 1))), "mul", NODOCS,
                  S(encode((uint64_t)i), "a"));
  many[12] = NULL;
  check_text("many_eqns", jaxpr(NONE, S("a:f32[8]"), many, S("m")),
             "{ lambda ; a:f32[8]. let\n"
             "    b:f32[8] = mul a a\n"
             "    c:f32[8] = mul b a\n"
             "    d:f32[8] = mul c a\n"
             "    e:f32[8] = mul d a\n"
             "    f:f32[8] = mul e a\n"
             "    g:f32[8] = mul f a\n"
             "    h:f32[8] = mul g a\n"
             "    i:f32[8] = mul h a\n"
             "    j:f32[8] = mul i a\n"
             "    k:f32[8] = mul j a\n"
             "    l:f32[8] = mul k a\n"
             "    m:f32[8] = mul l a\n"
             "  in (m,) }");

  check_text("long_params",
             jaxpr(NONE, S("a:f32[3,4]", "b:f32[4,5]"),
                   DOCS(eqn(S("c:f32[3,5]"), "dot_general",
                            DOCS(kvs("dimension_numbers", "(([1], [0]), ([], []))"),
                                 kvs("out_sharding", "None"), kvs("precision", "None"),
                                 kvs("preferred_element_type", "float32")),
                            S("a", "b"))),
                   S("c")),
             "{ lambda ; a:f32[3,4] b:f32[4,5]. let\n"
             "    c:f32[3,5] = dot_general[\n"
             "      dimension_numbers=(([1], [0]), ([], []))\n"
             "      out_sharding=None\n"
             "      precision=None\n"
             "      preferred_element_type=float32\n"
             "    ] a b\n"
             "  in (c,) }");

  check_text("empty_body", jaxpr(NONE, S("a:i32[3]"), NODOCS, S("a")),
             "{ lambda ; a:i32[3]. let  in (a,) }");
  check_text("zero_outs", jaxpr(NONE, S("a:f32[]"), NODOCS, NONE),
             "{ lambda ; a:f32[]. let  in () }");
  check_text("two_outs", jaxpr(S("a:i32[1]"), S("b:f32[]", "c:f32[1]"), NODOCS, S("b", "a")),
             "{ lambda a:i32[1]; b:f32[] c:f32[1]. let  in (b, a) }");
  check_text("literal_outs",
             jaxpr(NONE, S("a:f32[]"), DOCS(eqn(S("b:f32[]"), "sin", NODOCS, S("a"))),
                   S("b", "1.0:f32[]", "a")),
             "{ lambda ; a:f32[]. let b:f32[] = sin a in (b, 1.0:f32[], a) }");
  check_text("no_outs_no_ins",
             jaxpr(NONE, S("a:f32[]"),
                   DOCS(eqn(NONE, "debug_print", DOCS(kvs("fmt", "x")), S("a")),
                        eqn(S("b:i32[3]"), "iota",
                            DOCS(kvs("dimension", "0"), kvs("dtype", "int32"),
                                 kvs("shape", "(3,)"), kvs("sharding", "None")),
                            NONE)),
                   S("b")),
             "{ lambda ; a:f32[]. let\n"
             "    debug_print[fmt=x] a\n"
             "    b:i32[3] = iota[dimension=0 dtype=int32 shape=(3,) sharding=None] \n"
             "  in (b,) }");
}

static void test_nested(void) {
  pp_doc *br0 = jaxpr(NONE, S("d:f32[]"), DOCS(eqn(S("e:f32[]"), "neg", NODOCS, S("d"))), S("e"));
  pp_doc *br1 = jaxpr(NONE, S("f:f32[]"), DOCS(eqn(S("g:f32[]"), "sin", NODOCS, S("f"))), S("g"));
  check_text("cond_like",
             jaxpr(NONE, S("a:f32[]", "b:i32[]"),
                   DOCS(eqn(S("c:f32[]"), "cond", DOCS(kv("branches", jaxprs(DOCS(br0, br1)))),
                            S("b", "a"))),
                   S("c")),
             "{ lambda ; a:f32[] b:i32[]. let\n"
             "    c:f32[] = cond[\n"
             "      branches=(\n"
             "        { lambda ; d:f32[]. let e:f32[] = neg d in (e,) }\n"
             "        { lambda ; f:f32[]. let g:f32[] = sin f in (g,) }\n"
             "      )\n"
             "    ] b a\n"
             "  in (c,) }");
  pp_doc *inner = jaxpr(NONE, S("a:f32[]", "b:f32[]"),
                        DOCS(eqn(S("c:f32[]"), "add", NODOCS, S("a", "b"))), S("c"));
  check_text("jit_named",
             jaxpr(NONE, S("a:f32[]", "b:f32[]"),
                   DOCS(eqn(S("c:f32[]"), "jit", DOCS(kvs("name", "inner"), kv("jaxpr", inner)),
                            S("a", "b")),
                        eqn(S("d:f32[]"), "mul", NODOCS, S("c", "2.0:f32[]"))),
                   S("d")),
             "{ lambda ; a:f32[] b:f32[]. let\n"
             "    c:f32[] = jit[\n"
             "      name=inner\n"
             "      jaxpr={ lambda ; a:f32[] b:f32[]. let c:f32[] = add a b in (c,) }\n"
             "    ] a b\n"
             "    d:f32[] = mul c 2.0:f32[]\n"
             "  in (d,) }");
}

/* A list of n names with a type suffix (NULL-terminated, in the arena). */
static const char **names(int n, const char *type) {
  const char **v = ARENA_ARRAY(&A, const char *, n + 1);
  for (int i = 0; i < n; i++) v[i] = arena_printf(&A, "%s%s", encode((uint64_t)i), type);
  return v;
}

static void test_many_vars(void) {
  check_text("vars_30", jaxpr(NONE, names(30, ":f32[]"), NODOCS, S("bd")),
             "{ lambda ; a:f32[] b:f32[] c:f32[] d:f32[] e:f32[] f:f32[] g:f32[] h:f32[] i:f32[]\n"
             "    j:f32[] k:f32[] l:f32[] m:f32[] n:f32[] o:f32[] p:f32[] q:f32[] r:f32[] s:f32[]\n"
             "    t:f32[] u:f32[] v:f32[] w:f32[] x:f32[] y:f32[] z:f32[] ba:f32[] bb:f32[] bc:f32[]\n"
             "    bd:f32[]. let\n"
             "    \n"
             "  in (bd,) }");
  CHECK_STR(encode(675), "zz");
  CHECK_STR(encode(676), "baa");
  check_hash("vars_800", jaxpr(NONE, names(800, ":f32[16]"), NODOCS, names(800, "")),
             12840u, 0xdeb3e2d2c9646fa4ull);
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
  enum { N = 100000 };
  pp_doc **eqns = ARENA_ARRAY(&A, pp_doc *, N + 1);
  for (int i = 0; i < N; i++)
    eqns[i] = eqn(S(arena_printf(&A, "%s:f32[]", encode((uint64_t)i + 1))), "sin", NODOCS,
                  S(encode((uint64_t)i)));
  pp_doc *d = jaxpr(NONE, S("a:f32[]"), eqns, S(encode(N)));
  clock_t t0 = clock();
  char *got = format(d);
  double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  printf("pp_format of 100000 equations: %.4f s\n", secs);
  CHECK(strlen(got) == 2563485u);
  CHECK(fnv1a(got) == 0xd127a46710c92601ull);
  CHECK(secs < TIME_BUDGET);
  free(got);
  arena_free(&A);
}

int main(void) {
  test_engine();
  test_jaxpr_shapes();
  test_nested();
  test_many_vars();
  test_100k_eqns();
  return HARNESS_REPORT();
}
