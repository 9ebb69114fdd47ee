/* The listing reader (lib/front/jaxpr_read.c).
 *
 *   test_jaxpr_read               the unit checks below
 *   test_jaxpr_read FILE...       each FILE, a listing, read and printed
 *                                 back: it must be byte-identical (less
 *                                 one trailing newline); reports each
 *                                 that is not and "N of M round-trip"
 *   test_jaxpr_read --read FILE   reads FILE ("-": stdin): the rendered
 *                                 diagnostics on stderr and status 1, or
 *                                 the re-printed listing on stdout
 *   test_jaxpr_read --eval FILE...  each listing read, then run by the
 *                                 reference evaluator on zeros: no
 *                                 internal error (the IR read is one the
 *                                 evaluator takes); "N of M evaluate" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "eval.h"
#include "harness.h"
#include "ir.h"
#include "jaxpr_read.h"
#include "print.h"
#include "util.h"

/* Reads text as a listing named name; the printed listing (malloc'd) or
 * NULL with the first error's message in *err (when err is not NULL). */
static char *reprint(const char *name, const char *text, size_t len, FILE *diags, char **err) {
  tj_arena a = {0};
  tj_source src;
  source_init(&a, &src, name, text, (uint32_t)len);
  diag_list d = {.arena = &a};
  jaxpr_listing l;
  char *out = NULL;
  if (jaxpr_read(&d, &src, &l)) {
    out = print_jaxpr(l.m);
    ir_free(l.m);
  } else {
    if (diags) diag_render(&d, diags, NULL);
    if (err) *err = strdup(d.head ? d.head->msg : "(no diagnostic)");
  }
  arena_free(&a);
  return out;
}

static char *slurp(FILE *f, size_t *len) {
  tj_buf b = {0};
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_putn(&b, chunk, n);
  *len = b.len;
  if (!b.data) buf_putn(&b, "", 0);
  return b.data ? buf_detach(&b) : calloc(1, 1);
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) return NULL;
  char *text = slurp(f, len);
  if (f != stdin) fclose(f);
  return text;
}

static int read_one(const char *path) {
  size_t len;
  char *text = read_file(path, &len);
  if (!text) return fprintf(stderr, "%s: cannot read\n", path), 2;
  char *out = reprint(path, text, len, stderr, NULL);
  free(text);
  if (!out) return 1;
  printf("%s\n", out);
  free(out);
  return 0;
}

/* Whether file's text, read and printed, comes back the same. */
static bool round_trips(const char *path) {
  size_t len;
  char *text = read_file(path, &len);
  if (!text) return fprintf(stderr, "%s: cannot read\n", path), false;
  char *err = NULL;
  char *out = reprint(path, text, len, NULL, &err);
  size_t want = len && text[len - 1] == '\n' ? len - 1 : len;
  bool same = out && strlen(out) == want && memcmp(out, text, want) == 0;
  if (!out) fprintf(stderr, "%s: not read: %s\n", path, err);
  else if (!same) fprintf(stderr, "%s: printed back differently\n", path);
  free(err);
  free(out);
  free(text);
  return same;
}

/* Whether the listing at path reads and evaluates on zero inputs without
 * an internal error (a budget or a program error is the inputs'). */
static bool evaluates(const char *path) {
  size_t len;
  char *text = read_file(path, &len);
  if (!text) return false;
  tj_arena a = {0};
  tj_source src;
  source_init(&a, &src, path, text, (uint32_t)len);
  diag_list d = {.arena = &a};
  jaxpr_listing l;
  bool ok = jaxpr_read(&d, &src, &l);
  if (ok) {
    const ir_jaxpr *top = l.m->top;
    /* the constvars' values are the module's (the reader's zeros) */
    uint32_t n = top->nin;
    tj_array **in = calloc(n + 1, sizeof *in), **out = calloc(top->nout + 1, sizeof *out);
    for (uint32_t i = 0; i < n; i++) in[i] = array_new(&l.m->vars[top->invars[i]]);
    diag_at at = {&d, NULL, {0, 0}, NULL};
    tj_status st = eval_jaxpr_budget(&at, l.m, top, (const tj_array *const *)in, out, 20000000);
    ok = st != TJ_ERR_INTERNAL;
    if (st == TJ_OK) eval_free_all(out, top->nout);
    for (uint32_t i = 0; i < n; i++) array_free(in[i]);
    free(in);
    free(out);
    ir_free(l.m);
  }
  if (!ok) fprintf(stderr, "%s: %s\n", path, d.tail ? d.tail->msg : "not evaluated");
  arena_free(&a);
  free(text);
  return ok;
}

/* ---- unit checks ---- */

/* The first error reading text, "" when it reads. */
static char *error_of(const char *text) {
  char *err = NULL;
  char *out = reprint("t.jaxpr", text, strlen(text), NULL, &err);
  free(out);
  return err ? err : strdup("");
}

#define CHECK_ERROR(text, want)                                                \
  do {                                                                         \
    char *e_ = error_of(text);                                                 \
    CHECK_STR(e_, want);                                                       \
    free(e_);                                                                  \
  } while (0)

static void check_same(const char *text) {
  char *out = reprint("t.jaxpr", text, strlen(text), stderr, NULL);
  CHECK_STR(out, text);
  free(out);
}

static void test_simple(void) {
  check_same("{ lambda ; a:f32[] b:f32[3]. let\n"
             "    c:f32[3] = mul b 2.0:f32[]\n"
             "    d:f32[3] = add c a\n"
             "    e:f32[] = reduce_sum[axes=(0,) out_sharding=None] d\n"
             "  in (e, 1:i32[], True:bool[]) }");
  check_same("{ lambda ; a:u8[] b:bool[] c:i8[]. let d:i8[] = abs c in (a, b, d) }");
  check_same("{ lambda ; . let  in () }");
}

/* text reads and prints as want (names given afresh, layout JAX's). */
static void check_prints(const char *text, const char *want) {
  char *out = reprint("t.jaxpr", text, strlen(text), stderr, NULL);
  CHECK_STR(out, want);
  free(out);
}

static void test_grammar(void) {
  /* a hoisted jaxpr may use one printed after it (JAX's breadth-first order) */
  check_prints("let f = { lambda ; a:f32[]. let b:f32[] = jit[name=g jaxpr=g] a in (b,) } in\n"
               "let g = { lambda ; c:f32[]. let d:f32[] = neg c in (d,) } in\n"
               "{ lambda ; e:f32[]. let\n"
               "    x:f32[] = jit[name=f jaxpr=f] e\n"
               "    y:f32[] = jit[name=f jaxpr=f] x\n"
               "    z:f32[] = jit[name=g jaxpr=g] y\n"
               "  in (z,) }",
               "let f = { lambda ; a:f32[]. let b:f32[] = jit[name=g jaxpr=g] a in (b,) } in\n"
               "let g = { lambda ; c:f32[]. let d:f32[] = neg c in (d,) } in\n"
               "{ lambda ; e:f32[]. let\n"
               "    h:f32[] = jit[name=f jaxpr=f] e\n"
               "    i:f32[] = jit[name=f jaxpr=f] h\n"
               "    j:f32[] = jit[name=g jaxpr=g] i\n"
               "  in (j,) }");
  /* a hoisted jaxpr's name is its jit's name= text, a word or not (fuzz_jaxpr) */
  check_same("let f-g = { lambda ; a:f32[]. let b:f32[] = neg a in (b,) } in\n"
             "{ lambda ; c:f32[]. let\n"
             "    d:f32[] = jit[name=f-g jaxpr=f-g] c\n"
             "    e:f32[] = jit[name=f-g jaxpr=f-g] d\n"
             "  in (e,) }");
  /* variables named like literals: nan the operand, nan the variable */
  check_prints("{ lambda ; nan:f32[]. let\n"
               "    inf:f32[] = add nan nan:f32[]\n"
               "    in:f32[] = mul inf -inf:f32[]\n"
               "  in (in,) }",
               "{ lambda ; a:f32[]. let\n"
               "    b:f32[] = add a nan:f32[]\n"
               "    c:f32[] = mul b -inf:f32[]\n"
               "  in (c,) }");
  /* dropped results, keys, quoted platform names, numpy scalars in tuples */
  check_same("{ lambda ; a:key<fry>[] b:f32[3]. let\n"
             "    _:key<fry>[2] = random_split[shape=(2,)] a\n"
             "    c:i32[] = platform_index[platforms=(('cuda', 'rocm'), None)] \n"
             "    d:f32[5] = pad[padding_config=((np.int64(1), np.int64(1), 0),)] b 0.0:f32[]\n"
             "  in (c, d) }");
}

/* The names as written, and the constants' zeros where the header says. */
static void test_names_and_consts(void) {
  const char *text = "{ lambda x:f32[3]; y:f32[] z:i32[2]. let w:f32[3] = mul x y in (w, z) }";
  tj_arena a = {0};
  tj_source src;
  source_init(&a, &src, "t.jaxpr", text, (uint32_t)strlen(text));
  diag_list d = {.arena = &a};
  jaxpr_listing l;
  CHECK(jaxpr_read(&d, &src, &l));
  CHECK(l.m->top->nconst == 1 && l.m->top->nin == 2);
  CHECK_STR(l.const_names[0], "x");
  CHECK_STR(l.in_names[0], "y");
  CHECK_STR(l.in_names[1], "z");
  CHECK(l.m->nconsts == 1 && l.m->consts[0].var == l.m->top->constvars[0]);
  const float *zeros = l.m->consts[0].data;
  CHECK(zeros[0] == 0 && zeros[1] == 0 && zeros[2] == 0);
  char *out = print_jaxpr(l.m);
  CHECK_STR(out, "{ lambda a:f32[3]; b:f32[] c:i32[2]. let d:f32[3] = mul a b in (d, c) }");
  free(out);
  ir_free(l.m);
  /* refused: *out untouched, the error of kind syntax */
  jaxpr_listing untouched = {NULL, NULL, NULL};
  source_init(&a, &src, "t.jaxpr", "{ lambda", 8);
  CHECK(!jaxpr_read(&d, &src, &untouched));
  CHECK(untouched.m == NULL && d.tail && d.tail->kind == DIAG_KIND_SYNTAX);
  arena_free(&a);
}

static void test_errors(void) {
  CHECK_ERROR("let f = { lambda ; a:f32[]. let b:f32[] = jit[name=f jaxpr=f] a in (b,) } in\n"
              "{ lambda ; c:f32[]. let d:f32[] = jit[name=f jaxpr=f] c in (d,) }",
              "the jaxpr 'f' uses itself");
  CHECK_ERROR("{ lambda ; c:f32[]. let d:f32[] = jit[name=f jaxpr=f] c in (d,) }", "no jaxpr is named 'f'");
  CHECK_ERROR("let f = { lambda ; . let  in () } in let f = { lambda ; . let  in () } in { lambda ; . let  in () }",
              "the jaxpr 'f' is defined twice");
  CHECK_ERROR("let f = { lambda ; . let  in () in { lambda ; . let  in () }", "this '{' is never closed");
  CHECK_ERROR("{ lambda ; a:f32[3]. let b:f32[3] c:f32[3] = neg a in (b,) }", "'neg' gives 1 result, not 2");
  CHECK_ERROR("{ lambda ; a:f32[3]. let b:f32[3] = neg a a in (b,) }", "'neg' takes 1 operand, not 2");
  CHECK_ERROR("{ lambda ; a:f32[3]. let b:f32[3] = transpose[permutation=(0,) permutation=(0,)] a in (b,) }",
              "param 'permutation' of 'transpose' is given twice");
  CHECK_ERROR("{ lambda ; a:f32[3]. let b:f32[3] = scatter-add[dimension_numbers=Foo(x=1)] a in (b,) }",
              "unknown record 'Foo'");
  CHECK_ERROR("{ lambda ; a:f32[3]. let b:f32[3] = conv_general_dilated[dimension_numbers=ConvDimensionNumbers(lhs_spec=(0,), "
              "out_spec=(0,))] a in (b,) }",
              "expected the field 'rhs_spec', found 'out_spec'");
  /* a spec that is no permutation (fuzz_jaxpr: the shape rule indexed shapes with it) */
  CHECK_ERROR("{ lambda ; c:f32[1,8,3] d:f32[3,3,4]. let g:f32[1,8,4] = conv_general_dilated[batch_group_count=1 "
              "dimension_numbers=ConvDimensionNumbers(lhs_spec=(0, 2, 1), rhs_spec=(2, 1, 9), out_spec=(0, 2, 1)) "
              "feature_group_count=1 lhs_dilation=(1,) out_sharding=None padding=((1, 1),) precision=None "
              "preferred_element_type=None rhs_dilation=(1,) window_strides=(1,)] c d in (g,) }",
              "param 'dimension_numbers' of 'conv_general_dilated' must be a ConvDimensionNumbers");
  CHECK_ERROR("{ lambda ; a:f32[]. let b:f32[] = neg a in (b, 2.0:f32[3]) }",
              "a literal is a scalar: its type has no dimensions");
  CHECK_ERROR("{ lambda ; a:f32[]. let b:f32[] = neg a in (b, 1e39:f32[]) }", "'1e39' is out of the range of float32");
  CHECK_ERROR("{ lambda ; a:f32[1,1,1,1,1,1,1,1,1]. let  in (a,) }", "too many dimensions (limit is 8)");
  CHECK_ERROR("{ lambda a:f32[4194304] b:f32[1]; . let  in (a, b) }", "the constants have too many elements (limit is 4194304)");
  CHECK_ERROR("{ lambda ; a:f32[]. let b:f32[] = cond[branches=({ lambda ; c:f32[]. let  in (c,) } g)] 0:i32[] a in (b,) }",
              "no jaxpr is named 'g'");
  CHECK_ERROR("{ lambda ; a:f32[]. let b:f32[] = foo a in (b,) }", "unknown primitive 'foo'");
  CHECK_ERROR("{ lambda ; a:f32[]. let b:f32[] = neg[bar=1] a in (b,) }", "unknown param 'bar' of 'neg'");
  CHECK_ERROR("{ lambda ; a:f32[]. let b:f32[] = neg c in (b,) }", "'c' is not defined");
  CHECK_ERROR("{ lambda ; a:f32[]. let a:f32[] = neg a in (a,) }", "'a' is defined twice");
  CHECK_ERROR("{ lambda ; a:f32[]. let b:f32[3] = neg a in (b,) }", "'b' is written f32[3], but neg gives f32[]");
  CHECK_ERROR("{ lambda ; a:f32[]. let b:f32[] = neg a", "expected an equation or 'in', found the end of the listing");
  CHECK_ERROR("{ lambda ; a:f33[]. let  in (a,) }", "unknown dtype 'f33'");
  CHECK_ERROR("{ lambda ; a:f32[9999999999]. let  in (a,) }", "dimension too large (limit is 2147483648)");
  CHECK_ERROR("{ lambda ; a:f32[65536,65536]. let  in (a,) }", "too many elements in one array (limit is 2147483648)");
  CHECK_ERROR("{ lambda ; a:f32[]. let b:f32[] = add a in (b,) }", "'add' takes 2 operands, not 1");
  CHECK_ERROR("{ lambda ; a:f32[]. let b:f32[] = reduce_sum[axes=(0,)] a in (b,) }",
              "'reduce_sum' needs the param 'out_sharding'");
  CHECK_ERROR("{ lambda ; a:f32[]. let b:f32[] = integer_pow[y=1.5] a in (b,) }",
              "param 'y' of 'integer_pow' must be an int");
  CHECK_ERROR("{ lambda ; a:f32[]. let  in (a,) } x", "expected the end of the listing, found 'x'");
  CHECK_ERROR("{ lambda ; a\xc3\xa9:f32[]. let  in (a,) }", "expected ':' and the variable's type, found the byte 0xC3");
  CHECK_ERROR("{ lambda ; a:f32[]. let b:f32[] = add a 1:f32[] in (b,) }", "'1' is not a float");
  CHECK_ERROR("{ lambda ; a:i8[]. let b:i8[] = add a 300:i8[] in (b,) }", "'300' is not a value of int8");
  /* deep nesting: a diagnostic, not a crashed stack */
  tj_buf deep = {0};
  for (int i = 0; i < 10000; i++) buf_puts(&deep, "{ ");
  CHECK_ERROR(deep.data, "expected 'lambda', found '{'");
  deep.len = 0;
  buf_puts(&deep, "{ lambda ; a:f32[]. let b:f32[] = reduce_sum[axes=");
  for (int i = 0; i < 10000; i++) buf_puts(&deep, "(");
  CHECK_ERROR(deep.data, "a value is nested too deeply (limit is 64)");
  buf_free(&deep);
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--read") == 0) return read_one(argv[2]);
  if (argc > 1 && strcmp(argv[1], "--eval") == 0) {
    int good = 0;
    for (int i = 2; i < argc; i++) good += evaluates(argv[i]);
    printf("%d of %d evaluate\n", good, argc - 2);
    return good == argc - 2 ? 0 : 1;
  }
  if (argc > 1) {
    int same = 0;
    for (int i = 1; i < argc; i++) same += round_trips(argv[i]);
    printf("%d of %d round-trip\n", same, argc - 1);
    return same == argc - 1 ? 0 : 1;
  }
  test_simple();
  test_grammar();
  test_names_and_consts();
  test_errors();
  return HARNESS_REPORT();
}
