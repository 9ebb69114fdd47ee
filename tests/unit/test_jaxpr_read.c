/* The listing reader (lib/front/jaxpr_read.c).
 *
 *   test_jaxpr_read               the unit checks below
 *   test_jaxpr_read FILE...       each FILE, a listing, read and printed
 *                                 back: it must be byte-identical (less
 *                                 one trailing newline); reports each
 *                                 that is not and "N of M round-trip"
 *   test_jaxpr_read --read FILE   reads FILE ("-": stdin): the rendered
 *                                 diagnostics on stderr and status 1, or
 *                                 the re-printed listing on stdout */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  CHECK_ERROR("{ lambda ; a:f32[]. let b:f32[] = neg a in (b, 2.0:f32[3]) }",
              "a literal is a scalar: its type has no dimensions");
  CHECK_ERROR("{ lambda ; a:f32[]. let b:f32[] = neg a in (b, 1e39:f32[]) }", "'1e39' is out of the range of float32");
  CHECK_ERROR("{ lambda ; a:f32[1,1,1,1,1,1,1,1,1]. let  in (a,) }", "too many dimensions (limit is 8)");
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
  if (argc > 1) {
    int same = 0;
    for (int i = 1; i < argc; i++) same += round_trips(argv[i]);
    printf("%d of %d round-trip\n", same, argc - 1);
    return same == argc - 1 ? 0 : 1;
  }
  test_simple();
  test_grammar();
  test_errors();
  return HARNESS_REPORT();
}
