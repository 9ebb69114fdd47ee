/* The front end: interner, lexer and parser. Trees are checked as
 * S-expressions printed by the dumper below; errors as the exact text
 * diag_render prints. */
#include "ast.h"
#include "harness.h"
#include "limits.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the dumper ------------------------------------------------------ */

static void dump_node(tj_buf *b, const ast_program *prog, const node *n);
static void dump_func(tj_buf *b, const ast_program *prog, const ast_func *fn);

static void dump_type(tj_buf *b, const ast_program *prog, const ast_type *t) {
  buf_puts(b, t->present ? dtype_short(t->dtype) : "_");
  if (t->rank < 0) return;
  buf_putc(b, '[');
  for (int i = 0; i < t->rank; i++) {
    if (i) buf_putc(b, ',');
    if (t->dims[i].name) buf_puts(b, name_str(prog->names, t->dims[i].name));
    else buf_printf(b, "%lld", (long long)t->dims[i].size);
  }
  buf_putc(b, ']');
}

static void dump_opt(tj_buf *b, const ast_program *prog, const node *n) {
  buf_putc(b, ' ');
  if (n) dump_node(b, prog, n);
  else buf_putc(b, '_');
}

static void dump_items(tj_buf *b, const ast_program *prog, const node *n) {
  for (int i = 0; i < n->nitems; i++) dump_opt(b, prog, n->items[i]);
}

static void dump_decl(tj_buf *b, const ast_program *prog, const node *n) {
  buf_puts(b, "(decl ");
  dump_type(b, prog, &n->type);
  if (n->is_destructure) {
    buf_puts(b, " (");
    for (int i = 0; i < n->nnames; i++)
      buf_printf(b, "%s%s", i ? " " : "", name_str(prog->names, n->names[i]));
    buf_putc(b, ')');
    dump_opt(b, prog, n->rhs);
  } else {
    for (int i = 0; i < n->nnames; i++) {
      buf_printf(b, " (%s", name_str(prog->names, n->names[i]));
      const node *init = n->nnames == 1 ? n->rhs : n->items[i];
      if (init) dump_opt(b, prog, init);
      buf_putc(b, ')');
    }
  }
  buf_putc(b, ')');
}

static void dump_expr_node(tj_buf *b, const ast_program *prog, const node *n) {
  switch (n->kind) {
  case ND_INT: buf_printf(b, "%lld", (long long)n->ival); return;
  case ND_FLOAT: buf_put_pyfloat(b, n->fval); return;
  case ND_BOOL: buf_puts(b, n->ival ? "true" : "false"); return;
  case ND_STR: buf_put_quoted(b, n->str, n->strlen); return;
  case ND_NONE: buf_puts(b, "None"); return;
  case ND_ELLIPSIS: buf_puts(b, "..."); return;
  case ND_IDENT: buf_puts(b, name_str(prog->names, n->name)); return;
  case ND_UNARY: buf_printf(b, "(%s", op_text(n->op)); break;
  case ND_BINARY: buf_printf(b, "(%s", op_text(n->op)); break;
  case ND_ASSIGN:
    buf_printf(b, "(%s=", n->op == OP_ASSIGN ? "" : op_text(n->op));
    break;
  case ND_INCDEC:
    buf_printf(b, "(%s%s", n->op == OP_PREINC || n->op == OP_PREDEC ? "pre" : "post",
               op_text(n->op));
    break;
  case ND_TERNARY: buf_puts(b, "(?"); break;
  case ND_CALL:
    buf_printf(b, "(%s %s", n->lhs ? "method" : "call", name_str(prog->names, n->name));
    if (n->lhs) dump_opt(b, prog, n->lhs);
    for (int i = 0; i < n->nitems; i++) {
      if (n->items[i]->kwname)
        buf_printf(b, " %s=", name_str(prog->names, n->items[i]->kwname));
      else buf_putc(b, ' ');
      dump_node(b, prog, n->items[i]);
    }
    buf_putc(b, ')');
    return;
  case ND_INDEX: buf_puts(b, "(index"); break;
  case ND_SLICE: buf_puts(b, "(slice"); break;
  case ND_MEMBER:
    buf_puts(b, "(. ");
    dump_node(b, prog, n->lhs);
    buf_printf(b, " %s)", name_str(prog->names, n->name));
    return;
  case ND_CAST:
    buf_puts(b, "(cast ");
    dump_type(b, prog, &n->type);
    break;
  case ND_TUPLE: buf_puts(b, "(tuple"); break;
  case ND_LIST: buf_puts(b, "(list"); break;
  case ND_DICT: buf_puts(b, "(dict"); break;
  default: buf_puts(b, "(?kind"); break;
  }
  if (n->kind == ND_SLICE) {
    dump_opt(b, prog, n->lhs);
    dump_opt(b, prog, n->rhs);
    dump_opt(b, prog, n->cond);
  } else if (n->kind == ND_TERNARY) {
    dump_opt(b, prog, n->cond);
    dump_opt(b, prog, n->then);
    dump_opt(b, prog, n->els);
  } else {
    if (n->lhs) dump_opt(b, prog, n->lhs);
    if (n->rhs) dump_opt(b, prog, n->rhs);
    dump_items(b, prog, n);
  }
  buf_putc(b, ')');
}

static void dump_node(tj_buf *b, const ast_program *prog, const node *n) {
  switch (n->kind) {
  case ND_BLOCK: buf_puts(b, "(block"); dump_items(b, prog, n); break;
  case ND_DECL: dump_decl(b, prog, n); return;
  case ND_EXPR_STMT: buf_puts(b, "(expr"); dump_opt(b, prog, n->lhs); break;
  case ND_IF:
    buf_puts(b, "(if");
    dump_opt(b, prog, n->cond);
    dump_opt(b, prog, n->then);
    if (n->els) dump_opt(b, prog, n->els);
    break;
  case ND_FOR:
    buf_puts(b, "(for");
    dump_opt(b, prog, n->init);
    dump_opt(b, prog, n->cond);
    dump_opt(b, prog, n->inc);
    dump_opt(b, prog, n->body);
    break;
  case ND_FOREACH:
    buf_printf(b, "(foreach %s", name_str(prog->names, n->names[0]));
    dump_opt(b, prog, n->rhs);
    dump_opt(b, prog, n->body);
    break;
  case ND_WHILE: buf_puts(b, "(while"); dump_opt(b, prog, n->cond); dump_opt(b, prog, n->body); break;
  case ND_DO: buf_puts(b, "(do"); dump_opt(b, prog, n->body); dump_opt(b, prog, n->cond); break;
  case ND_BREAK: buf_puts(b, "(break"); break;
  case ND_CONTINUE: buf_puts(b, "(continue"); break;
  case ND_RETURN: buf_puts(b, "(return"); if (n->lhs) dump_opt(b, prog, n->lhs); break;
  case ND_FUNC: dump_func(b, prog, n->func); return;
  case ND_EMPTY: buf_puts(b, "(empty"); break;
  default: dump_expr_node(b, prog, n); return;
  }
  buf_putc(b, ')');
}

static void dump_func(tj_buf *b, const ast_program *prog, const ast_func *fn) {
  buf_printf(b, "(func %s%s ", name_str(prog->names, fn->name), fn->is_jit ? " jit" : "");
  dump_type(b, prog, &fn->ret);
  buf_puts(b, " (");
  for (int i = 0; i < fn->nparams; i++) {
    const ast_param *prm = &fn->params[i];
    buf_printf(b, "%s%s%s ", i ? " " : "", prm->is_static ? "static " : "",
               name_str(prog->names, prm->name));
    dump_type(b, prog, &prm->type);
    if (prm->default_value) {
      buf_putc(b, '=');
      dump_node(b, prog, prm->default_value);
    }
  }
  buf_puts(b, ") ");
  dump_node(b, prog, fn->body);
  buf_putc(b, ')');
}

/* ---- helpers --------------------------------------------------------- */

static char result[8192];

/* Parses text; returns the dump of the whole program or the rendered
 * diagnostics, in a static buffer. */
static const char *parse_text(const char *text, size_t len) {
  tj_arena a = {0};
  diag_list d = {.arena = &a};
  tj_source src = {0};
  source_init(&a, &src, "t.c", text, (uint32_t)len);
  ast_program prog;
  tj_buf b = {0};
  if (parse_program(&a, &src, &d, &prog)) {
    for (int i = 0; i < prog.nfuncs; i++) {
      if (i) buf_putc(&b, ' ');
      dump_func(&b, &prog, prog.funcs[i]);
    }
  } else {
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    diag_render(&d, f, NULL);
    fclose(f);
    buf_putn(&b, out, n);
    free(out);
  }
  snprintf(result, sizeof result, "%s", b.data ? b.data : "");
  buf_free(&b);
  arena_free(&a);
  return result;
}

static const char *parse(const char *text) { return parse_text(text, strlen(text)); }

/* Cuts prefix and the last `tail` characters off result, when it has the
 * prefix (otherwise it is an error message, left whole). */
static const char *strip(const char *prefix, size_t tail) {
  size_t n = strlen(result), k = strlen(prefix);
  if (strncmp(result, prefix, k) != 0 || n < k + tail) return result;
  memmove(result, result + k, n - k - tail);
  result[n - k - tail] = 0;
  return result;
}

/* The tree of a function body's statements: "f() { BODY }" → "(block ...)". */
static const char *body(const char *stmts) {
  char text[4096];
  snprintf(text, sizeof text, "f() { %s }", stmts);
  parse(text);
  return strip("(func f _ () ", 1);
}

/* The tree of one expression: "f() { return EXPR; }". */
static const char *expr(const char *e) {
  char text[4096];
  snprintf(text, sizeof text, "return %s;", e);
  body(text);
  return strip("(block (return ", 2);
}

/* ---- tests ----------------------------------------------------------- */

static void test_interner(void) {
  tj_arena a = {0};
  interner *in = interner_new(&a);
  name_id x = intern(in, "x", 1), y = intern(in, "yy", 2);
  CHECK(x == 1);
  CHECK(y == 2);
  CHECK(intern(in, "xyz", 1) == x);
  CHECK_STR(name_str(in, y), "yy");
  CHECK_STR(name_str(in, 0), "");
  char name[16];
  for (int i = 0; i < 5000; i++) {
    snprintf(name, sizeof name, "v%d", i);
    CHECK(intern(in, name, (uint32_t)strlen(name)) == (name_id)(3 + i) || i == 0);
  }
  CHECK(intern(in, "v4999", 5) == 3 + 4999);
  CHECK_STR(name_str(in, 3 + 1234), "v1234");
  CHECK(intern(in, "x", 1) == x);
  arena_free(&a);
}

static void test_op_text(void) {
  CHECK_STR(op_text(OP_ADD), "+");
  CHECK_STR(op_text(OP_LOGAND), "&&");
  CHECK_STR(op_text(OP_SHR), ">>");
  CHECK_STR(op_text(OP_POSTDEC), "--");
  CHECK_STR(op_text(OP_ASSIGN), "=");
  for (int op = 0; op < OP_COUNT; op++) CHECK(strcmp(op_text((ast_op)op), "?") != 0);
}

static void test_literals(void) {
  CHECK_STR(expr("12"), "12");
  CHECK_STR(expr("0x1F"), "31");
  CHECK_STR(expr("0x7fffffffffffffff"), "9223372036854775807");
  CHECK_STR(expr("9223372036854775807"), "9223372036854775807");
  CHECK_STR(expr("2.0"), "2.0");
  CHECK_STR(expr("2."), "2.0");
  CHECK_STR(expr(".5"), "0.5");
  CHECK_STR(expr("1e-3"), "0.001");
  CHECK_STR(expr("2.0f"), "2.0");
  CHECK_STR(expr("2.F"), "2.0");
  CHECK_STR(expr("1E3f"), "1000.0");
  CHECK_STR(expr("true"), "true");
  CHECK_STR(expr("false"), "false");
  CHECK_STR(expr("None"), "None");
  CHECK_STR(expr("null"), "None");
  CHECK_STR(expr("\"a\\n\\t\\\\\\\"\\x41\\0z\""), "\"a\\n\\t\\\\\\\"A\\x00z\"");
  CHECK_STR(expr("\"ab\" \"cd\""), "\"abcd\"");
  CHECK_STR(expr("\"\""), "\"\"");
}

static void test_precedence(void) {
  CHECK_STR(expr("a + b * c"), "(+ a (* b c))");
  CHECK_STR(expr("a * b + c"), "(+ (* a b) c)");
  CHECK_STR(expr("a - b - c"), "(- (- a b) c)");
  CHECK_STR(expr("a / b % c"), "(% (/ a b) c)");
  CHECK_STR(expr("a << 1 + 2"), "(<< a (+ 1 2))");
  CHECK_STR(expr("a < b == c > d"), "(== (< a b) (> c d))");
  CHECK_STR(expr("a & b ^ c | d"), "(| (^ (& a b) c) d)");
  CHECK_STR(expr("a || b && c"), "(|| a (&& b c))");
  CHECK_STR(expr("a && b || c && d"), "(|| (&& a b) (&& c d))");
  CHECK_STR(expr("a == b && c != d"), "(&& (== a b) (!= c d))");
  CHECK_STR(expr("a >= b || a <= c"), "(|| (>= a b) (<= a c))");
  CHECK_STR(expr("a >> b >> c"), "(>> (>> a b) c)");
  CHECK_STR(expr("-a * b"), "(* (- a) b)");
  CHECK_STR(expr("!a && ~b"), "(&& (! a) (~ b))");
  CHECK_STR(expr("- -a"), "(- (- a))");
  CHECK_STR(expr("+a"), "(+ a)");
  CHECK_STR(expr("(a + b) * c"), "(* (+ a b) c)");
  CHECK_STR(expr("a ? b : c"), "(? a b c)");
  CHECK_STR(expr("a ? b : c ? d : e"), "(? a b (? c d e))");
  CHECK_STR(expr("a || b ? c + 1 : d"), "(? (|| a b) (+ c 1) d)");
  CHECK_STR(expr("a ? b ? c : d : e"), "(? a (? b c d) e)");
  CHECK_STR(expr("-x[0]"), "(- (index x 0))");
  CHECK_STR(expr("-x.shape"), "(- (. x shape))");
  /* Python's **: tighter than a unary operator on its left, looser than
   * one on its right, right-associative; @ with * */
  CHECK_STR(expr("-x ** 2"), "(- (** x 2))");
  CHECK_STR(expr("2 ** -x"), "(** 2 (- x))");
  CHECK_STR(expr("a ** b ** c"), "(** a (** b c))");
  CHECK_STR(expr("a * b ** c"), "(* a (** b c))");
  CHECK_STR(expr("x[0] ** 2"), "(** (index x 0) 2)");
  CHECK_STR(expr("a @ b + c"), "(+ (@ a b) c)");
  CHECK_STR(expr("a * b @ c"), "(@ (* a b) c)");
  CHECK_STR(expr("a % b @ c"), "(@ (% a b) c)");
}

static void test_casts(void) {
  CHECK_STR(expr("(float)x"), "(cast f32 x)");
  CHECK_STR(expr("(f32)x * 2"), "(* (cast f32 x) 2)");
  CHECK_STR(expr("(int)(x + 1)"), "(cast i32 (+ x 1))");
  CHECK_STR(expr("(double)-x"), "(cast f64 (- x))");
  CHECK_STR(expr("(bool)(int)x"), "(cast bool (cast i32 x))");
  CHECK_STR(expr("(long)x[0]"), "(cast i64 (index x 0))");
  CHECK_STR(expr("(float32)2"), "(cast f32 2)");
  CHECK_STR(expr("(x)"), "x");
  CHECK_STR(expr("(x) * 2"), "(* x 2)");
  CHECK_STR(expr("(f32)"), "f32");
  CHECK_STR(expr("(f32) * 2"), "(* f32 2)");
  CHECK_STR(expr("astype(x, f32)"), "(call astype x f32)");
  CHECK_STR(expr("float(x)"), "(call float x)");
}

static void test_postfix(void) {
  CHECK_STR(expr("f()"), "(call f)");
  CHECK_STR(expr("f(a, b + 1)"), "(call f a (+ b 1))");
  CHECK_STR(expr("sum(x, axis=1)"), "(call sum x axis=1)");
  CHECK_STR(expr("f(x, axis = 0, keepdims=true)"), "(call f x axis=0 keepdims=true)");
  CHECK_STR(expr("f(x == 1)"), "(call f (== x 1))");
  CHECK_STR(expr("a[i]"), "(index a i)");
  CHECK_STR(expr("a[i][j]"), "(index (index a i) j)");
  CHECK_STR(expr("a[i, j]"), "(index a i j)");
  CHECK_STR(expr("a[1:3]"), "(index a (slice 1 3 _))");
  CHECK_STR(expr("a[:, 0]"), "(index a (slice _ _ _) 0)");
  CHECK_STR(expr("a[::2]"), "(index a (slice _ _ 2))");
  CHECK_STR(expr("a[1:]"), "(index a (slice 1 _ _))");
  CHECK_STR(expr("a[:n-1]"), "(index a (slice _ (- n 1) _))");
  CHECK_STR(expr("a[1:10:2, ::-1]"), "(index a (slice 1 10 2) (slice _ _ (- 1)))");
  CHECK_STR(expr("a[None]"), "(index a None)");
  CHECK_STR(expr("a[:, None]"), "(index a (slice _ _ _) None)");
  CHECK_STR(expr("x.shape"), "(. x shape)");
  CHECK_STR(expr("x.shape[0]"), "(index (. x shape) 0)");
  CHECK_STR(expr("x.foo.ndim"), "(. (. x foo) ndim)");
  CHECK_STR(expr("f(x).size"), "(. (call f x) size)");
  CHECK_STR(expr("(a, b)"), "(tuple a b)");
  CHECK_STR(expr("(a,)"), "(tuple a)");
  CHECK_STR(expr("()"), "(tuple)");
  CHECK_STR(expr("(a, b,)"), "(tuple a b)");
  CHECK_STR(expr("((a, b), c)"), "(tuple (tuple a b) c)");
  CHECK_STR(expr("switch(i, (f0, f1), x)"), "(call switch i (tuple f0 f1) x)");
  CHECK_STR(expr("x.sum(axis=1)"), "(method sum x axis=1)");
  CHECK_STR(expr("x.T.reshape(2, 3)"), "(method reshape (. x T) 2 3)");
  CHECK_STR(expr("x.at[0].set(v)"), "(method set (index (. x at) 0) v)");
  CHECK_STR(expr("x[..., 0]"), "(index x ... 0)");
  CHECK_STR(expr("x[0, ...]"), "(index x 0 ...)");
}

static void test_statements(void) {
  CHECK_STR(body("auto x = 1;"), "(block (decl _ (x 1)))");
  CHECK_STR(body("let x = 1;"), "(block (decl _ (x 1)))");
  CHECK_STR(body("float x = 1;"), "(block (decl f32 (x 1)))");
  CHECK_STR(body("float y[3] = e;"), "(block (decl f32[3] (y e)))");
  CHECK_STR(body("f32[n,4] y = e;"), "(block (decl f32[n,4] (y e)))");
  CHECK_STR(body("int y[2][n];"), "(block (decl i32[2,n] (y)))");
  CHECK_STR(body("int i = 0, j = 1;"), "(block (decl i32 (i 0) (j 1)))");
  CHECK_STR(body("int i, j = 1, k;"), "(block (decl i32 (i) (j 1) (k)))");
  CHECK_STR(body("let (a, b) = f(x);"), "(block (decl _ (a b) (call f x)))");
  CHECK_STR(body("auto (a) = t;"), "(block (decl _ (a) t))");
  CHECK_STR(body("x = 1;"), "(block (expr (= x 1)))");
  CHECK_STR(body("x += 1; x -= 1; x *= 2; x /= 2; x %= 2;"),
            "(block (expr (+= x 1)) (expr (-= x 1)) (expr (*= x 2)) (expr (/= x 2))"
            " (expr (%= x 2)))");
  CHECK_STR(body("x &= 1; x |= 1; x ^= 1; x <<= 1; x >>= 1;"),
            "(block (expr (&= x 1)) (expr (|= x 1)) (expr (^= x 1)) (expr (<<= x 1))"
            " (expr (>>= x 1)))");
  CHECK_STR(body("x[i] = 1; x[i][j] = 2; x[1:3] = y;"),
            "(block (expr (= (index x i) 1)) (expr (= (index (index x i) j) 2))"
            " (expr (= (index x (slice 1 3 _)) y)))");
  CHECK_STR(body("x++; x--; ++x; --x;"),
            "(block (expr (post++ x)) (expr (post-- x)) (expr (pre++ x)) (expr (pre-- x)))");
  CHECK_STR(body("f(x);"), "(block (expr (call f x)))");
  CHECK_STR(body("if (a) b = 1;"), "(block (if a (expr (= b 1))))");
  CHECK_STR(body("if (a) b = 1; else b = 2;"),
            "(block (if a (expr (= b 1)) (expr (= b 2))))");
  CHECK_STR(body("if (a) if (b) c; else d;"), "(block (if a (if b (expr c) (expr d))))");
  CHECK_STR(body("if (a) {} else if (b) {} else {}"),
            "(block (if a (block) (if b (block) (block))))");
  CHECK_STR(body("for (int i = 0; i < 3; i++) y = y + i;"),
            "(block (for (decl i32 (i 0)) (< i 3) (post++ i) (expr (= y (+ y i)))))");
  CHECK_STR(body("for (i = 0; i < n; i += 2) {}"),
            "(block (for (expr (= i 0)) (< i n) (+= i 2) (block)))");
  CHECK_STR(body("for (;;) break;"), "(block (for _ _ _ (break)))");
  CHECK_STR(body("while (i < 3) { i++; continue; }"),
            "(block (while (< i 3) (block (expr (post++ i)) (continue))))");
  CHECK_STR(body("do i++; while (i < 3);"), "(block (do (expr (post++ i)) (< i 3)))");
  CHECK_STR(body("do { } while (0);"), "(block (do (block) 0))");
  CHECK_STR(body("return;"), "(block (return))");
  CHECK_STR(body("return (a, b);"), "(block (return (tuple a b)))");
  CHECK_STR(body(";;"), "(block (empty) (empty))");
  CHECK_STR(body("{ { x; } }"), "(block (block (block (expr x))))");
  CHECK_STR(body("// c\nx; /* y; */ z; // end\n"), "(block (expr x) (expr z))");
}

static void test_functions(void) {
  CHECK_STR(parse("float f(float x) { return x; }"),
            "(func f f32 (x f32) (block (return x)))");
  CHECK_STR(parse("f(x, y) {}"), "(func f _ (x _ y _) (block))");
  CHECK_STR(parse("void f(void) {}"), "(func f _ () (block))");
  CHECK_STR(parse("jit g(x) {} jit float h(x) {}"),
            "(func g jit _ (x _) (block)) (func h jit f32 (x _) (block))");
  CHECK_STR(parse("auto f(static float scale, static bool clip, x) {}"),
            "(func f _ (static scale f32 static clip bool x _) (block))");
  CHECK_STR(parse("f(float x[3][4], float y[n], f32[n,4] z, i32 w) {}"),
            "(func f _ (x f32[3,4] y f32[n] z f32[n,4] w i32) (block))");
  CHECK_STR(parse("f32[3] f(x) {}"), "(func f f32[3] (x _) (block))");
  CHECK_STR(parse("float f(float x, float scale = 2.0, int n = 1 + 2) {}"),
            "(func f f32 (x f32 scale f32=2.0 n i32=(+ 1 2)) (block))");
  CHECK_STR(parse("auto[n] f(x) {}"), "(func f _[n] (x _) (block))");
  CHECK_STR(parse("(float, float) f(x) { return (x, x); }"),
            "(func f _ (x _) (block (return (tuple x x))))");
  CHECK_STR(parse("f(x) { float g(float y) { return y * x; } return g(x); }"),
            "(func f _ (x _) (block (func g f32 (y f32) (block (return (* y x))))"
            " (return (call g x))))");
  CHECK_STR(parse("f(x) { g(y) { return y; } h(z) {} return cond(p, g, h, x); }"),
            "(func f _ (x _) (block (func g _ (y _) (block (return y)))"
            " (func h _ (z _) (block)) (return (call cond p g h x))))");
  CHECK_STR(parse("f(x) { (float, int) g(y) {} jit h(z) {} }"),
            "(func f _ (x _) (block (func g _ (y _) (block)) (func h jit _ (z _) (block))))");

  /* DESIGN.md's examples */
  CHECK_STR(parse("float relu_scale(float x[n], static float scale, static bool clip) {\n"
                  "  auto y = maximum(x, 0) * scale;        // traced: records eqns\n"
                  "  if (clip) y = minimum(y, 6);           // static condition\n"
                  "  for (int i = 0; i < 3; i++) y = y + i; // static bounds: unrolled\n"
                  "  return y;\n"
                  "}"),
            "(func relu_scale f32 (x f32[n] static scale f32 static clip bool) (block"
            " (decl _ (y (* (call maximum x 0) scale)))"
            " (if clip (expr (= y (call minimum y 6))))"
            " (for (decl i32 (i 0)) (< i 3) (post++ i) (expr (= y (+ y i))))"
            " (return y)))");
  CHECK_STR(parse("float conditional_double(float x, float threshold) {\n"
                  "  if (x > threshold) return x * 2;\n"
                  "  return x;\n"
                  "}"),
            "(func conditional_double f32 (x f32 threshold f32) (block"
            " (if (> x threshold) (return (* x 2))) (return x)))");

  /* parents, lines, lookup */
  tj_arena a = {0};
  diag_list d = {.arena = &a};
  tj_source src = {0};
  const char *text = "f(x) {\n  g(y) { return y; }\n  return g(x);\n}\n\nfloat h() { }";
  source_init(&a, &src, "t.c", text, (uint32_t)strlen(text));
  ast_program prog;
  CHECK(parse_program(&a, &src, &d, &prog));
  CHECK(prog.nfuncs == 2);
  ast_func *f = ast_find_func(&prog, intern(prog.names, "f", 1));
  ast_func *h = ast_find_func(&prog, intern(prog.names, "h", 1));
  CHECK(f == prog.funcs[0] && h == prog.funcs[1]);
  CHECK(ast_find_func(&prog, intern(prog.names, "g", 1)) == NULL);
  CHECK(f->line == 1 && h->line == 6);
  CHECK(f->parent == NULL);
  node *g = f->body->items[0];
  CHECK(g->kind == ND_FUNC && g->func->parent == f && g->func->line == 2);
  CHECK(prog.src == &src);
  arena_free(&a);
}

/* The text a span covers, for span checks. */
static const char *span_text(const char *text, tj_span sp) {
  static char out[256];
  snprintf(out, sizeof out, "%.*s", (int)(sp.end - sp.start), text + sp.start);
  return out;
}

static void test_spans(void) {
  tj_arena a = {0};
  diag_list d = {.arena = &a};
  tj_source src = {0};
  const char *text =
      "float f(static float x[3], y) {\n"
      "  if (x > y) return (a + b) * c;\n"
      "  let z = sum(x, axis=0)[1:2];\n"
      "  z += (float)y;\n"
      "}";
  source_init(&a, &src, "t.c", text, (uint32_t)strlen(text));
  ast_program prog;
  CHECK(parse_program(&a, &src, &d, &prog));
  ast_func *f = prog.funcs[0];
  CHECK_STR(span_text(text, f->span), text);
  CHECK_STR(span_text(text, f->name_span), "f");
  CHECK_STR(span_text(text, f->params[0].span), "static float x[3]");
  CHECK_STR(span_text(text, f->params[0].name_span), "x");
  CHECK_STR(span_text(text, f->params[0].type.dims[0].span), "3");
  CHECK_STR(span_text(text, f->params[1].span), "y");
  node *ifs = f->body->items[0];
  CHECK_STR(span_text(text, ifs->span), "if (x > y) return (a + b) * c;");
  CHECK_STR(span_text(text, ifs->op_span), "if");
  CHECK_STR(span_text(text, ifs->cond->span), "x > y");
  CHECK_STR(span_text(text, ifs->cond->op_span), ">");
  node *ret = ifs->then;
  CHECK_STR(span_text(text, ret->span), "return (a + b) * c;");
  CHECK_STR(span_text(text, ret->lhs->span), "(a + b) * c");
  CHECK_STR(span_text(text, ret->lhs->op_span), "*");
  CHECK_STR(span_text(text, ret->lhs->lhs->span), "(a + b)");
  node *decl = f->body->items[1];
  CHECK_STR(span_text(text, decl->span), "let z = sum(x, axis=0)[1:2];");
  CHECK_STR(span_text(text, decl->name_spans[0]), "z");
  CHECK_STR(span_text(text, decl->rhs->span), "sum(x, axis=0)[1:2]");
  CHECK_STR(span_text(text, decl->rhs->lhs->span), "sum(x, axis=0)");
  CHECK_STR(span_text(text, decl->rhs->lhs->op_span), "sum");
  CHECK_STR(span_text(text, decl->rhs->items[0]->span), "1:2");
  CHECK_STR(span_text(text, decl->rhs->lhs->items[1]->span), "0");
  node *st = f->body->items[2];
  CHECK_STR(span_text(text, st->span), "z += (float)y;");
  CHECK_STR(span_text(text, st->lhs->span), "z += (float)y");
  CHECK_STR(span_text(text, st->lhs->op_span), "+=");
  CHECK_STR(span_text(text, st->lhs->rhs->span), "(float)y");
  CHECK_STR(span_text(text, st->lhs->rhs->op_span), "(float)");
  CHECK_STR(span_text(text, f->body->span), "{\n  if (x > y) return (a + b) * c;\n"
                                            "  let z = sum(x, axis=0)[1:2];\n"
                                            "  z += (float)y;\n}");
  arena_free(&a);
}

/* ---- errors ---------------------------------------------------------- */

static void test_syntax_errors(void) {
  CHECK_STR(parse("f(x) {\n  y = x * 2\n  return y;\n}"),
            "t.c:3:3: error: expected ';' after expression, saw 'return'\n"
            "    3 |   return y;\n"
            "      |   ^~~~~~\n");
  CHECK_STR(parse("f(x) { return (x + ; }"),
            "t.c:1:20: error: expected expression, saw ';'\n"
            "    1 | f(x) { return (x + ; }\n"
            "      |                    ^\n");
  CHECK_STR(parse("f(x) { return (x + 1; }"),
            "t.c:1:21: error: expected ')' to close '(', saw ';'\n"
            "    1 | f(x) { return (x + 1; }\n"
            "      |                     ^\n"
            "t.c:1:15: note: to match this '('\n"
            "    1 | f(x) { return (x + 1; }\n"
            "      |               ^\n");
  CHECK_STR(parse("f(x) {\n  return x;\n"),
            "t.c:2:12: error: expected '}' to close '{', saw end of input\n"
            "    2 |   return x;\n"
            "      |            ^\n"
            "t.c:1:6: note: to match this '{'\n"
            "    1 | f(x) {\n"
            "      |      ^\n");
  CHECK_STR(parse("f(x) { return a[1; }"),
            "t.c:1:18: error: expected ']' to close '[', saw ';'\n"
            "    1 | f(x) { return a[1; }\n"
            "      |                  ^\n"
            "t.c:1:16: note: to match this '['\n"
            "    1 | f(x) { return a[1; }\n"
            "      |                ^\n");
  CHECK_STR(parse("f(x) { /* open\n return x; }"),
            "t.c:1:8: error: unterminated comment\n"
            "    1 | f(x) { /* open\n"
            "      |        ^~\n");
  CHECK_STR(parse("f(x) { return \"abc; }"),
            "t.c:1:15: error: unterminated string\n"
            "    1 | f(x) { return \"abc; }\n"
            "      |               ^\n");
  CHECK_STR(parse("f(x) { return x ` 2; }"),
            "t.c:1:17: error: unexpected character '`'\n"
            "    1 | f(x) { return x ` 2; }\n"
            "      |                 ^\n");
  CHECK_STR(parse("f(x) { return x \xc3\xa9 2; }"),
            "t.c:1:17: error: unexpected character '\xc3\xa9'\n"
            "    1 | f(x) { return x \xc3\xa9 2; }\n"
            "      |                 ^\n");
  /* an earlier syntax error wins over a later lexical one */
  CHECK_STR(parse("f(x) { return x x; } @"),
            "t.c:1:17: error: expected ';' after return statement, saw 'x'\n"
            "    1 | f(x) { return x x; } @\n"
            "      |                 ^\n");
  /* a lexical error stops the parse where it is */
  CHECK_STR(parse("f(x) { return (x + `1); }"),
            "t.c:1:20: error: unexpected character '`'\n"
            "    1 | f(x) { return (x + `1); }\n"
            "      |                    ^\n");
  CHECK_STR(parse("f(x) { return 99999999999999999999; }"),
            "t.c:1:15: error: integer constant '99999999999999999999' does not fit in int64\n"
            "    1 | f(x) { return 99999999999999999999; }\n"
            "      |               ^~~~~~~~~~~~~~~~~~~~\n");
}

static const char *first_line(const char *s) {
  static char out[512];
  size_t n = strcspn(s, "\n");
  snprintf(out, sizeof out, "%.*s", (int)n, s);
  return out;
}

static void test_error_messages(void) {
  CHECK_STR(first_line(parse("")), "t.c:1:1: error: no function defined in the source");
  CHECK_STR(first_line(parse("// nothing\n")),
            "t.c:1:1: error: no function defined in the source");
  CHECK_STR(first_line(parse("f(x) {} g(y) {} f(z) {}")),
            "t.c:1:17: error: duplicate function 'f'");
  CHECK_STR(parse("f(x) {}\nf(z) {}"),
            "t.c:2:1: error: duplicate function 'f'\n"
            "    2 | f(z) {}\n"
            "      | ^\n"
            "t.c:1:1: note: first defined here\n"
            "    1 | f(x) {}\n"
            "      | ^\n");
  CHECK_STR(parse("f(x, float y, x) {}"),
            "t.c:1:15: error: duplicate parameter 'x'\n"
            "    1 | f(x, float y, x) {}\n"
            "      |               ^\n"
            "t.c:1:3: note: first declared here\n"
            "    1 | f(x, float y, x) {}\n"
            "      |   ^\n");
  CHECK_STR(first_line(parse("f(x) { g(a) {} g(b) {} }")),
            "t.c:1:16: error: duplicate function 'g'");
  CHECK_STR(first_line(parse("x = 3;")),
            "t.c:1:3: error: expected '(' after function name, saw '='");
  CHECK_STR(first_line(parse("return 3;")),
            "t.c:1:1: error: expected function definition, saw 'return'");
  CHECK_STR(first_line(parse("foo f(x) {}")), "t.c:1:1: error: unknown type name 'foo'");
  CHECK_STR(first_line(parse("f(x, static matrix m) {}")),
            "t.c:1:13: error: unknown type name 'matrix'");
  CHECK_STR(first_line(parse("f(x);")),
            "t.c:1:5: error: expected '{' before function body, saw ';'");
  CHECK_STR(first_line(parse("f(x, ) {}")),
            "t.c:1:6: error: expected parameter name, saw ')'");
  CHECK_STR(first_line(parse("f(float) {}")),
            "t.c:1:8: error: expected parameter name, saw ')'");
  CHECK_STR(first_line(parse("f(float x[3], f32[2] y[2]) {}")),
            "t.c:1:23: error: shape of 'y' given twice");
  CHECK_STR(first_line(parse("f(float x[]) {}")),
            "t.c:1:11: error: expected dimension (a number or a name), saw ']'");
  CHECK_STR(first_line(parse("f(float x[1][2][3][4][5][6][7][8][9]) {}")),
            "t.c:1:35: error: too many dimensions (limit is 8)");
  CHECK_STR(first_line(body("x + 1 = 2;")), "t.c:1:7: error: expression is not assignable");
  CHECK_STR(first_line(body("f(x) = 2;")), "t.c:1:7: error: expression is not assignable");
  CHECK_STR(first_line(body("x.shape = 2;")), "t.c:1:7: error: expression is not assignable");
  CHECK_STR(first_line(body("3++;")), "t.c:1:7: error: expression is not assignable");
  CHECK_STR(first_line(body("++f(x);")), "t.c:1:9: error: expression is not assignable");
  CHECK_STR(first_line(body("a = b = c;")),
            "t.c:1:13: error: expected ';' after expression, saw '='");
  CHECK_STR(first_line(body("return f(x = 1, 2);")),
            "t.c:1:23: error: positional argument follows keyword argument");
  CHECK_STR(first_line(body("return f(axis=1, axis=2);")),
            "t.c:1:24: error: keyword argument 'axis' repeated");
  CHECK_STR(first_line(body("return x[..];")), "t.c:1:16: error: expected expression, saw '.'");
  CHECK_STR(first_line(body("return x ** ;")), "t.c:1:19: error: expected expression, saw ';'");
  CHECK_STR(first_line(parse("f(x = 1, y) { return x; }")),
            "t.c:1:10: error: SyntaxError: parameter without a default follows parameter with a default");
  CHECK_STR(first_line(body("return x.;")),
            "t.c:1:16: error: expected member name after '.', saw ';'");
  CHECK_STR(first_line(body("return a ? b;")),
            "t.c:1:19: error: expected ':' in conditional expression, saw ';'");
  CHECK_STR(first_line(body("if x > 0 return x;")),
            "t.c:1:10: error: expected '(' after 'if', saw 'x'");
  CHECK_STR(first_line(body("while (1) x = 1")),
            "t.c:1:23: error: expected ';' after expression, saw '}'");
  CHECK_STR(first_line(body("do x++; (x < 1);")),
            "t.c:1:15: error: expected 'while' after 'do' body, saw '('");
  CHECK_STR(first_line(body("for (i = 0; i < 3) {}")),
            "t.c:1:24: error: expected ';' in 'for' statement, saw ')'");
  CHECK_STR(first_line(body("break")), "t.c:1:13: error: expected ';' after 'break', saw '}'");
  CHECK_STR(first_line(body("int = 3;")), "t.c:1:11: error: expected variable name, saw '='");
  CHECK_STR(first_line(body("let (a, 1) = t;")),
            "t.c:1:15: error: expected variable name, saw '1'");
  CHECK_STR(first_line(body("let (a, b);")),
            "t.c:1:17: error: expected '=' after names to unpack, saw ';'");
  CHECK_STR(first_line(body("float a[3], b;")),
            "t.c:1:19: error: 'b' has a different shape from 'a' (declare it separately)");
  CHECK_STR(first_line(body("f32[3] a[3];")), "t.c:1:15: error: shape of 'a' given twice");
  /* a failed look for a nested function adds nothing */
  CHECK_STR(body("(float, int x) g(y) {}"),
            "t.c:1:19: error: expected ')' to close '(', saw 'x'\n"
            "    1 | f() { (float, int x) g(y) {} }\n"
            "      |                   ^\n"
            "t.c:1:7: note: to match this '('\n"
            "    1 | f() { (float, int x) g(y) {} }\n"
            "      |       ^\n");
  CHECK_STR(first_line(body("else x;")), "t.c:1:7: error: expected expression, saw 'else'");
  CHECK_STR(first_line(body("return a[];")), "t.c:1:16: error: expected expression, saw ']'");
  CHECK_STR(first_line(body("return 0x;")),
            "t.c:1:14: error: invalid hexadecimal constant '0x'");
  CHECK_STR(first_line(body("return 0x8000000000000000;")),
            "t.c:1:14: error: integer constant '0x8000000000000000' does not fit in int64");
  CHECK_STR(first_line(body("return 010;")),
            "t.c:1:14: error: invalid integer constant '010' (octal is not supported)");
  CHECK_STR(first_line(body("return 3x;")),
            "t.c:1:14: error: invalid suffix 'x' on integer constant '3x'");
  CHECK_STR(first_line(body("return 3f;")),
            "t.c:1:14: error: invalid suffix 'f' on integer constant '3f'");
  CHECK_STR(first_line(body("return 2.0ff;")),
            "t.c:1:14: error: invalid suffix 'ff' on floating constant '2.0ff'");
  CHECK_STR(first_line(body("return 1e+;")),
            "t.c:1:14: error: exponent has no digits in '1e+'");
  CHECK_STR(first_line(body("return 1e999;")),
            "t.c:1:14: error: floating constant '1e999' is too large");
  CHECK_STR(first_line(body("return \"\\q\";")),
            "t.c:1:15: error: unknown escape sequence '\\q'");
  CHECK_STR(first_line(body("return \"\\x\";")),
            "t.c:1:15: error: \\x used with no following hex digits");
  CHECK_STR(first_line(body("return \"a\nb\";")), "t.c:1:14: error: unterminated string");
  CHECK_STR(first_line(body("return 'a';")), "t.c:1:14: error: unexpected character '''");
  CHECK_STR(first_line(body("return #;")), "t.c:1:14: error: unexpected character '#'");
  CHECK_STR(first_line(body("return 123456789012345678901234567890123456789012345;")),
            "t.c:1:14: error: integer constant '123456789012345678901234567890123456789...'"
            " does not fit in int64");
}

static void test_hostile(void) {
  /* NUL bytes and text that is not NUL-terminated */
  static const char with_nul[] = "f(x) { return x\0; }";
  CHECK_STR(first_line(parse_text(with_nul, sizeof with_nul - 1)),
            "t.c:1:16: error: unexpected character '\\x00'");
  char *exact = malloc(9);
  memcpy(exact, "f(x) { }", 8);
  CHECK_STR(parse_text(exact, 8), "(func f _ (x _) (block))");
  memcpy(exact, "f(x) { \"", 8);
  CHECK_STR(first_line(parse_text(exact, 8)), "t.c:1:8: error: unterminated string");
  memcpy(exact, "f(x) {/*", 8);
  CHECK_STR(first_line(parse_text(exact, 8)), "t.c:1:7: error: unterminated comment");
  memcpy(exact, "f() { 1.", 8);
  CHECK_STR(first_line(parse_text(exact, 8)),
            "t.c:1:9: error: expected ';' after expression, saw end of input");
  memcpy(exact, "f() { 1e", 8);
  CHECK_STR(first_line(parse_text(exact, 8)), "t.c:1:7: error: exponent has no digits in '1e'");
  memcpy(exact, "f() {\"\\x", 8);
  CHECK_STR(first_line(parse_text(exact, 8)), "t.c:1:6: error: unterminated string");
  free(exact);

  /* deep nesting is an error, never a stack overflow */
  enum { DEEP = 100000 };
  char *deep = malloc(DEEP * 2 + 64);
  const char *kinds[] = {"(", "-", "{", "!", "a?b:", "if(x)", "f(", "a[", "(float)",
                         "a||b&&c|d^e&f==g<h<<i+j*(", "x[1:", "g(k="};
  for (size_t k = 0; k < TJ_COUNT(kinds); k++) {
    strcpy(deep, "f(x) { return ");
    if (k == 2 || k == 5) strcpy(deep, "f(x) { ");
    size_t len = strlen(deep), kl = strlen(kinds[k]);
    for (int i = 0; len + kl < DEEP * 2; i++) memcpy(deep + len, kinds[k], kl), len += kl;
    deep[len] = 0;
    const char *r = parse(deep);
    CHECK(strstr(r, "error: too deeply nested (limit is 256)") != NULL);
  }
  /* just under the limit is fine */
  strcpy(deep, "f(x) { return ");
  size_t len = strlen(deep);
  for (int i = 0; i < 200; i++) deep[len++] = '(';
  deep[len++] = 'x';
  for (int i = 0; i < 200; i++) deep[len++] = ')';
  strcpy(deep + len, "; }");
  CHECK_STR(parse(deep), "(func f _ (x _) (block (return x)))");
  /* long flat chains are loops, not recursion */
  strcpy(deep, "f(x) { return x");
  len = strlen(deep);
  for (int i = 0; i < 20000; i++) memcpy(deep + len, "+x[1][2]", 8), len += 8;
  strcpy(deep + len, "; }");
  CHECK(strncmp(parse(deep), "(func f", 7) == 0);
  free(deep);

  /* many functions: duplicates found by hash, not by pairs */
  tj_buf many = {0};
  for (int i = 0; i < 50000; i++) buf_printf(&many, "g%d(){}", i);
  CHECK(strncmp(parse(many.data), "(func g0 _ () (block))", 22) == 0);
  buf_puts(&many, "\ng49999(){}");
  CHECK_STR(first_line(parse(many.data)), "t.c:2:1: error: duplicate function 'g49999'");
  buf_free(&many);

  /* too many tokens */
  char *semis = malloc(2000000);
  memcpy(semis, "f(){", 4);
  memset(semis + 4, ';', 2000000 - 6);
  memcpy(semis + 2000000 - 2, "}", 2);
  CHECK_STR(first_line(parse(semis)),
            "t.c:1:524289: error: too many tokens (limit is 524288) in the source");
  semis[2] = '`'; /* a lexical error before the limit is reported as such */
  CHECK_STR(first_line(parse(semis)), "t.c:1:3: error: unexpected character '`'");
  free(semis);

  /* too many arguments; a very long name is cut short in messages */
  tj_buf args = {0};
  buf_puts(&args, "f() { return g(");
  for (int i = 0; i < TJ_MAX_PARAMS + 1; i++) buf_printf(&args, "%s%d", i ? ", " : "", i);
  buf_puts(&args, "); }");
  CHECK(strstr(parse(args.data), "error: too many arguments (limit is 64) in call to 'g'"));
  buf_free(&args);
  tj_buf lb = {0};
  buf_puts(&lb, "f(");
  for (int i = 0; i < 1000; i++) buf_putc(&lb, 'a');
  buf_puts(&lb, ", ");
  for (int i = 0; i < 1000; i++) buf_putc(&lb, 'a');
  buf_puts(&lb, ") {}");
  CHECK_STR(first_line(parse(lb.data)),
            "t.c:1:1005: error: duplicate parameter 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
  buf_free(&lb);

  /* too many parameters */
  tj_buf b = {0};
  buf_puts(&b, "f(");
  for (int i = 0; i < TJ_MAX_PARAMS + 1; i++) buf_printf(&b, "%sp%d", i ? ", " : "", i);
  buf_puts(&b, ") {}");
  CHECK(strstr(parse(b.data), "error: too many parameters (limit is 64) in function 'f'"));
  buf_free(&b);

  /* every prefix of a valid program fails cleanly or parses */
  const char *prog =
      "jit float f(static float s, f32[n,4] x, y[3]) {\n"
      "  let (a, b) = g(x, axis=1); int i = 0x1f, j = 2;\n"
      "  for (i = 0; i < 3; i++) { if (a[:, 0] > .5e1f) break; else continue; }\n"
      "  do { y[1:2] <<= (int)-s ? \"s\\x41\" : x.shape[0]; } while (!b);\n"
      "  auto h(z) { return (z, z,); } /* c */ return (a, h(b)); // end\n"
      "}\n";
  for (size_t n = 0; n <= strlen(prog); n++) {
    char *cut = malloc(n ? n : 1);
    memcpy(cut, prog, n);
    parse_text(cut, n);
    free(cut);
  }
  CHECK(strncmp(parse(prog), "(func f jit f32 ", 16) == 0);
}

static void test_too_large(void) {
  tj_arena a = {0};
  diag_list d = {.arena = &a};
  tj_source src = {.name = "big.c", .text = "", .len = TJ_MAX_SOURCE_BYTES + 1u};
  ast_program prog;
  CHECK(!parse_program(&a, &src, &d, &prog));
  CHECK(d.nerrors == 1);
  CHECK_STR(d.head->msg, "source 'big.c' is too large (16777217 bytes; limit is 16777216)");
  arena_free(&a);
}

/* List and dict displays where an operand starts; `[` after one indexes. */
static void test_displays(void) {
  CHECK_STR(expr("[a, b + 1]"), "(list a (+ b 1))");
  CHECK_STR(expr("[]"), "(list)");
  CHECK_STR(expr("[a,]"), "(list a)");
  CHECK_STR(expr("[a][0]"), "(index (list a) 0)");
  CHECK_STR(expr("[[a], (b,)]"), "(list (list a) (tuple b))");
  CHECK_STR(expr("{\"w\": x, \"b\": c ? y : z}"), "(dict \"w\" x \"b\" (? c y z))");
  CHECK_STR(expr("{}"), "(dict)");
  CHECK_STR(expr("{\"a\": [1, {\"b\": 2}],}"), "(dict \"a\" (list 1 (dict \"b\" 2)))");
  CHECK_STR(expr("{\"w\": 1}[\"w\"]"), "(index (dict \"w\" 1) \"w\")");
  CHECK_STR(expr("-[a][0]"), "(- (index (list a) 0))");
  CHECK_STR(body("{ x; }"), "(block (block (expr x)))"); /* a statement's { is a block */
  CHECK_STR(body("auto d = {};"), "(block (decl _ (d (dict))))");
  CHECK_STR(first_line(body("return {\"a\" 1};")), "t.c:1:19: error: expected ':' after dict key, saw '1'");
  CHECK_STR(first_line(body("return [a b];")), "t.c:1:17: error: expected ']' to close '[', saw 'b'");
}

static void test_foreach(void) {
  CHECK_STR(body("for (auto x : xs) s += x;"), "(block (foreach x xs (expr (+= s x))))");
  CHECK_STR(body("for (let k : {\"a\": 1}) {}"), "(block (foreach k (dict \"a\" 1) (block)))");
  CHECK_STR(body("for (auto i : range(3)) break;"), "(block (foreach i (call range 3) (break)))");
  CHECK_STR(body("for (auto x = 0; x < 3; x++) {}"),
            "(block (for (decl _ (x 0)) (< x 3) (post++ x) (block)))");
  CHECK_STR(first_line(body("for (auto x : xs {}")), "t.c:1:24: error: expected ')' to close '(', saw '{'");
}

int main(void) {
  test_interner();
  test_op_text();
  test_literals();
  test_precedence();
  test_casts();
  test_postfix();
  test_statements();
  test_displays();
  test_foreach();
  test_functions();
  test_spans();
  test_syntax_errors();
  test_error_messages();
  test_hostile();
  test_too_large();
  return HARNESS_REPORT();
}
