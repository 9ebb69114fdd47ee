/* A generator of random valid tjit programs, in the spirit of Csmith and
 * YARPGen: the fuzzer's bytes are the generator's choices, and every
 * choice it can make gives a program the language accepts, so that the
 * traced, compiled and evaluated runs can be compared (fuzz_gen).
 *
 * Validity comes from typing every expression exactly: the generator asks
 * for an expression of one dtype and one shape (the program's shape M or
 * a scalar) and builds it so that it has them: a leaf of another dtype is
 * converted (f32(x), i8(x) ...), a scalar where M is wanted is broadcast
 * (broadcast_to), an integer division is converted back. Within that it
 * draws every primitive it knows for the dtype's kind, weak literals,
 * static arguments, reductions, broadcasting of [1,..] and trailing-shape
 * arguments, and control flow nested in control flow: static if and
 * for, autograph's traced if, cond, switch, fori_loop, while_loop, scan
 * and nested jit functions. */
#include "gen.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- choices: the fuzzer's bytes, then zeros ---- */

typedef struct rng {
  const uint8_t *p, *end;
} rng;

static unsigned pick(rng *r, unsigned n) {
  unsigned b = r->p < r->end ? *r->p++ : 0;
  return n ? b % n : 0;
}

static bool chance(rng *r, unsigned percent) { return pick(r, 100) < percent; }

/* ---- dtypes and shapes ---- */

typedef enum { K_FLOAT, K_SIGNED, K_UNSIGNED, K_BOOL } kind;

typedef struct gdtype {
  const char *name; /* the spec's and the parameter's name */
  const char *conv; /* its conversion: bool(x) is Python's, bool_(x) numpy's */
  kind k;
  double lo, hi;    /* the data values that fit */
} gdtype;

static const gdtype dtypes[] = {
    {"f32", "f32", K_FLOAT, -3.4e38, 3.4e38},
    {"f64", "float64", K_FLOAT, -1.7e308, 1.7e308},
    {"i32", "i32", K_SIGNED, -2147483648.0, 2147483647.0},
    {"i8", "int8", K_SIGNED, -128, 127},
    {"i16", "i16", K_SIGNED, -32768, 32767},
    {"i64", "i64", K_SIGNED, -9.2e18, 9.2e18},
    {"u8", "uint8", K_UNSIGNED, 0, 255},
    {"u32", "u32", K_UNSIGNED, 0, 4294967295.0},
    {"bool", "bool_", K_BOOL, 0, 1},
};
enum { NDTYPES = sizeof dtypes / sizeof dtypes[0], DT_BOOL_INDEX = NDTYPES - 1 };

/* The program's shape M and the argument shapes that broadcast to it. */
typedef struct shape {
  int rank;
  int dims[3];
} shape;

static const shape main_shapes[] = {{0, {0}}, {1, {4}}, {2, {3, 4}}, {2, {2, 1}}, {3, {2, 1, 3}}, {1, {1}}, {1, {0}}};

static void shape_text(const shape *s, tj_buf *b, const char *open, const char *sep, const char *close) {
  buf_puts(b, open);
  for (int d = 0; d < s->rank; d++) buf_printf(b, "%s%d", d ? sep : "", s->dims[d]);
  if (s->rank == 1 && strcmp(open, "(") == 0) buf_putc(b, ',');
  buf_puts(b, close);
}

static int shape_size(const shape *s) {
  int n = 1;
  for (int d = 0; d < s->rank; d++) n *= s->dims[d];
  return n;
}

/* ---- variables in scope ---- */

enum { MAX_VARS = 48, MAX_PARAMS = 5, MAX_DEPTH = 4, MAX_NEST = 3, MAX_STMTS = 6 };

typedef struct var {
  char name[16];
  int dt;          /* index into dtypes */
  shape sh;        /* M, a scalar, or an argument shape that broadcasts to M */
  bool is_static;  /* a static argument: a Python number */
  bool assignable; /* declared in this function with auto: may be reassigned */
} var;

typedef struct gen {
  rng r;
  shape m;
  var vars[MAX_VARS];
  int nvars;
  int next_name, next_fn;
  int nest;        /* control flow around the current point */
  bool autograph;
  tj_buf *defs;    /* the current function's nested definitions */
  int indent;
} gen;

/* What an expression is asked to be: a dtype, and M or a scalar. */
typedef struct want {
  int dt;
  bool scalar;
} want;

static bool is_m(const gen *g, const shape *s) {
  if (s->rank != g->m.rank) return false;
  for (int d = 0; d < s->rank; d++)
    if (s->dims[d] != g->m.dims[d]) return false;
  return true;
}

static void ind(gen *g, tj_buf *b) {
  for (int i = 0; i < g->indent; i++) buf_puts(b, "  ");
}

static var *add_var(gen *g, const char *prefix, int dt, shape sh, bool is_static, bool assignable) {
  if (g->nvars == MAX_VARS) return NULL;
  var *v = &g->vars[g->nvars++];
  snprintf(v->name, sizeof v->name, "%s%d", prefix, g->next_name++);
  *v = (var){.dt = dt, .sh = sh, .is_static = is_static, .assignable = assignable};
  snprintf(v->name, sizeof v->name, "%s%d", prefix, g->next_name - 1);
  return v;
}

static void gen_expr(gen *g, want w, int depth, tj_buf *b);

/* ---- leaves ---- */

static void literal(gen *g, int dt, tj_buf *b) {
  static const char *const floats[] = {"0.0", "1.0", "-1.0", "0.5", "2.0", "3.25", "-0.0", "1e-3", "100.0", "1e30", "-7.5", "4.9e-324"};
  static const char *const ints[] = {"0", "1", "2", "3", "-1", "7", "100", "127", "-128", "255", "65535", "2147483647"};
  const gdtype *t = &dtypes[dt];
  if (t->k == K_BOOL) buf_puts(b, pick(&g->r, 2) ? "true" : "false");
  else if (t->k == K_FLOAT) buf_puts(b, floats[pick(&g->r, TJ_COUNT(floats))]);
  else {
    const char *s = ints[pick(&g->r, TJ_COUNT(ints))];
    double v = atof(s);
    buf_puts(b, v >= t->lo && v <= t->hi ? s : "1");
  }
}

/* A variable of the asked shape (or one that broadcasts to it when M is
 * asked), converted to the asked dtype; false if there is none. */
static bool variable(gen *g, want w, tj_buf *b) {
  int cand[MAX_VARS], n = 0;
  for (int i = 0; i < g->nvars; i++) {
    const var *v = &g->vars[i];
    if (w.scalar ? v->sh.rank == 0 : true) cand[n++] = i;
  }
  if (!n) return false;
  const var *v = &g->vars[cand[pick(&g->r, (unsigned)n)]];
  bool convert = v->dt != w.dt || v->is_static;
  bool broadcast = !w.scalar && !is_m(g, &v->sh);
  if (broadcast) buf_puts(b, "broadcast_to(");
  if (convert) buf_printf(b, "%s(", dtypes[w.dt].conv);
  buf_puts(b, v->name);
  if (convert) buf_putc(b, ')');
  if (broadcast) shape_text(&g->m, b, ", (", ", ", "))");
  return true;
}

/* Nested tuples of literals of shape s from dimension d: an array
 * constant's source text. */
static void nested_literals(gen *g, int dt, const shape *s, int d, tj_buf *b) {
  if (d == s->rank) { literal(g, dt, b); return; }
  buf_putc(b, '(');
  for (int i = 0; i < s->dims[d]; i++) {
    if (i) buf_puts(b, ", ");
    nested_literals(g, dt, s, d + 1, b);
  }
  buf_puts(b, s->dims[d] == 1 ? ",)" : ")");
}

static void leaf(gen *g, want w, tj_buf *b) {
  if (pick(&g->r, 4) && variable(g, w, b)) return;
  if (!w.scalar) { /* a literal broadcast, an array builtin of the shape, or an array constant */
    const char *name = dtypes[w.dt].conv;
    switch (pick(&g->r, shape_size(&g->m) <= 64 ? 4 : 3)) {
    case 3:
      buf_puts(b, "array("), nested_literals(g, w.dt, &g->m, 0, b), buf_printf(b, ", dtype=%s)", name);
      return;
    case 0:
      buf_puts(b, "broadcast_to(");
      buf_printf(b, "%s(", name), literal(g, w.dt, b), buf_putc(b, ')');
      shape_text(&g->m, b, ", (", ", ", "))");
      return;
    case 1:
      buf_printf(b, "%s(", pick(&g->r, 2) ? "zeros" : "ones");
      shape_text(&g->m, b, "(", ", ", ")");
      buf_printf(b, ", dtype=%s)", name);
      return;
    default:
      buf_printf(b, "full(");
      shape_text(&g->m, b, "(", ", ", ")");
      buf_puts(b, ", "), literal(g, w.dt, b), buf_printf(b, ", dtype=%s)", name);
      return;
    }
  }
  buf_printf(b, "%s(", dtypes[w.dt].conv), literal(g, w.dt, b), buf_putc(b, ')');
}

/* ---- operators by kind ---- */

/* An integer divisor is made odd, so never zero, and a shift count is
 * made 0-7: a static zero divisor is a ZeroDivisionError while tracing, a
 * negative static count a ValueError, program errors and not findings. */
static void binary(gen *g, want w, int depth, const char *op, bool weak_right, tj_buf *b) {
  bool is_int = dtypes[w.dt].k != K_FLOAT;
  const char *tail = !is_int ? ")" : op[0] == '/' || op[0] == '%' ? " | 1))" : op[0] == '<' || op[0] == '>' ? " & 7))" : ")";
  buf_putc(b, '(');
  gen_expr(g, w, depth + 1, b);
  buf_printf(b, " %s %s", op, strcmp(tail, ")") ? "(" : "");
  if (weak_right && chance(&g->r, 30)) literal(g, w.dt, b);
  else gen_expr(g, (want){w.dt, w.scalar || chance(&g->r, 30)}, depth + 1, b);
  buf_puts(b, tail);
}

static void call1(gen *g, want w, int depth, const char *fn, tj_buf *b) {
  buf_printf(b, "%s(", fn);
  gen_expr(g, w, depth + 1, b);
  buf_putc(b, ')');
}

static void call2(gen *g, want w, int depth, const char *fn, tj_buf *b) {
  buf_printf(b, "%s(", fn);
  gen_expr(g, w, depth + 1, b);
  buf_puts(b, ", ");
  gen_expr(g, (want){w.dt, w.scalar || chance(&g->r, 30)}, depth + 1, b);
  buf_putc(b, ')');
}

/* Converted back to the asked dtype: for what promotes (int / int is a
 * float, a reduction of a small int is an i32 ...). */
static void as_dtype_open(want w, tj_buf *b) { buf_printf(b, "%s(", dtypes[w.dt].conv); }

static void float_op(gen *g, want w, int depth, tj_buf *b) {
  static const char *const unary[] = {"sin", "cos", "tanh", "exp", "log", "sqrt", "abs", "floor", "ceil", "round",
                                      "sign", "logistic", "erf", "atan", "expm1", "log1p", "rsqrt", "exp2", "tan"};
  static const char *const ops[] = {"+", "-", "*", "/", "%"};
  switch (pick(&g->r, 6)) {
  case 0: call1(g, w, depth, unary[pick(&g->r, TJ_COUNT(unary))], b); return;
  case 1: call2(g, w, depth, pick(&g->r, 2) ? "maximum" : "minimum", b); return;
  case 2:
    buf_puts(b, "pow("), gen_expr(g, w, depth + 1, b), buf_printf(b, ", %u)", pick(&g->r, 4));
    return;
  case 3: buf_puts(b, "(-"), gen_expr(g, w, depth + 1, b), buf_putc(b, ')'); return;
  default: binary(g, w, depth, ops[pick(&g->r, TJ_COUNT(ops))], true, b); return;
  }
}

static void int_op(gen *g, want w, int depth, tj_buf *b) {
  static const char *const ops[] = {"+", "-", "*", "&", "|", "^", "+", "*", "/", "%", "<<", ">>"};
  const char *op = ops[pick(&g->r, TJ_COUNT(ops))];
  switch (pick(&g->r, 5)) {
  case 0: call2(g, w, depth, pick(&g->r, 2) ? "maximum" : "minimum", b); return;
  case 1:
    call1(g, w, depth, dtypes[w.dt].k == K_SIGNED && pick(&g->r, 2) ? "abs" : "sign", b);
    return;
  default:
    as_dtype_open(w, b), binary(g, w, depth, op, true, b), buf_putc(b, ')');
    return;
  }
}

static void bool_op(gen *g, want w, int depth, tj_buf *b) {
  static const char *const cmps[] = {"<", "<=", ">", ">=", "==", "!="};
  static const char *const logic[] = {"&", "|", "^"};
  if (pick(&g->r, 3)) { /* a comparison of two numbers of one dtype */
    want num = {(int)pick(&g->r, NDTYPES - 1), w.scalar};
    buf_putc(b, '(');
    gen_expr(g, num, depth + 1, b);
    buf_printf(b, " %s ", cmps[pick(&g->r, TJ_COUNT(cmps))]);
    gen_expr(g, (want){num.dt, w.scalar || chance(&g->r, 30)}, depth + 1, b);
    buf_putc(b, ')');
    return;
  }
  binary(g, w, depth, logic[pick(&g->r, TJ_COUNT(logic))], false, b);
}

/* A reduction of an M expression to a scalar (asked a scalar only). */
static void reduction(gen *g, want w, int depth, tj_buf *b) {
  static const char *const fns[] = {"sum", "max", "min", "prod", "mean", "argmax", "argmin"};
  const char *fn = fns[pick(&g->r, TJ_COUNT(fns))];
  bool arg = fn[0] == 'a'; /* argmax, argmin */
  int from = (int)pick(&g->r, NDTYPES - 1); /* no bool: max of bools is fine but prod promotes oddly */
  if (g->m.rank == 0 || shape_size(&g->m) == 0) {
    if (strcmp(fn, "max") == 0 || strcmp(fn, "min") == 0 || arg) fn = "sum"; /* an empty max has no identity */
  }
  as_dtype_open(w, b);
  buf_printf(b, "%s(", fn);
  gen_expr(g, (want){from, false}, depth + 1, b);
  buf_puts(b, "))");
}

/* where(p, x, y), clamp(lo, x, hi) and a conversion from another dtype. */
static void mixed(gen *g, want w, int depth, tj_buf *b) {
  switch (pick(&g->r, 3)) {
  case 0:
    buf_puts(b, "where(");
    gen_expr(g, (want){DT_BOOL_INDEX, w.scalar || chance(&g->r, 30)}, depth + 1, b);
    buf_puts(b, ", "), gen_expr(g, w, depth + 1, b), buf_puts(b, ", ");
    gen_expr(g, (want){w.dt, w.scalar || chance(&g->r, 30)}, depth + 1, b);
    buf_putc(b, ')');
    return;
  case 1:
    if (dtypes[w.dt].k != K_BOOL) {
      buf_puts(b, "clamp("), literal(g, w.dt, b), buf_puts(b, ", ");
      gen_expr(g, w, depth + 1, b), buf_puts(b, ", "), literal(g, w.dt, b), buf_putc(b, ')');
      return;
    }
    /* fall through */
  default:
    as_dtype_open(w, b);
    gen_expr(g, (want){(int)pick(&g->r, NDTYPES), w.scalar}, depth + 1, b);
    buf_putc(b, ')');
    return;
  }
}

/* ---- control flow as expressions: nested functions in g->defs ---- */

/* Opens `KW fnID(auto NAMEID, ...) {` in defs and puts its parameters in
 * scope as variables of params (a while loop's carry "s" is the variable
 * qsID[1], so its name is "qsID[1]"); the caller writes the body and closes it
 * with close_fn. Names carry the function's id: an inner function's
 * parameter never shadows an outer one. */
static int open_fn(gen *g, const char *kw, int nparams, const want *params, const char *const *names, int *saved) {
  int id = g->next_fn++;
  ind(g, g->defs);
  buf_printf(g->defs, "%s fn%d(", kw, id);
  *saved = g->nvars;
  for (int i = 0; i < nparams; i++) {
    char name[16];
    snprintf(name, sizeof name, "%s%d", names[i], id);
    buf_printf(g->defs, "%sauto %s", i ? ", " : "", name);
    var *v = add_var(g, "p", params[i].dt, params[i].scalar ? (shape){0, {0}} : g->m, false, false);
    if (v) snprintf(v->name, sizeof v->name, "%s%s", name, strcmp(names[i], "qs") == 0 ? "[1]" : "");
  }
  buf_puts(g->defs, ") {\n");
  return id;
}

static void close_fn(gen *g, int saved) {
  ind(g, g->defs);
  buf_puts(g->defs, "}\n");
  g->nvars = saved;
}

/* A function of its params returning an expression of w, defined in defs
 * (its own nested definitions go first in its body). */
static int define_fn(gen *g, const char *kw, int nparams, const want *params, const char *const *names, want w,
                     const char *ret_prefix, const char *ret_suffix) {
  int saved;
  int id = open_fn(g, kw, nparams, params, names, &saved);
  tj_buf body = {0}, inner = {0}, *outer = g->defs;
  g->defs = &inner;
  g->indent++, g->nest++;
  gen_expr(g, w, 1, &body);
  g->indent--, g->nest--;
  g->defs = outer;
  if (inner.len) buf_putn(outer, inner.data, inner.len);
  ind(g, outer), buf_printf(outer, "  return %s%s%s;\n", ret_prefix, body.data ? body.data : "", ret_suffix);
  buf_free(&body), buf_free(&inner);
  close_fn(g, saved);
  return id;
}

static void control(gen *g, want w, int depth, tj_buf *b) {
  static const char *const u[] = {"qu"}, *const iv[] = {"qi", "qv"}, *const s[] = {"qs"}, *const cx[] = {"qc", "qx"};
  switch (pick(&g->r, 6)) {
  case 0: { /* cond on a traced scalar predicate */
    int a = define_fn(g, "auto", 1, &w, u, w, "", ""), c = define_fn(g, "auto", 1, &w, u, w, "", "");
    buf_puts(b, "cond(");
    gen_expr(g, (want){DT_BOOL_INDEX, true}, depth + 1, b);
    buf_printf(b, ", fn%d, fn%d, ", a, c);
    gen_expr(g, w, depth + 1, b);
    buf_putc(b, ')');
    return;
  }
  case 1: { /* switch on a traced i32 index, clamped by switch itself */
    int n = 1 + (int)pick(&g->r, 3), ids[3];
    for (int k = 0; k < n; k++) ids[k] = define_fn(g, "auto", 1, &w, u, w, "", "");
    buf_puts(b, "switch(");
    gen_expr(g, (want){2 /* i32 */, true}, depth + 1, b);
    buf_puts(b, ", (");
    for (int k = 0; k < n; k++) buf_printf(b, "fn%d, ", ids[k]);
    buf_puts(b, "), ");
    gen_expr(g, w, depth + 1, b);
    buf_putc(b, ')');
    return;
  }
  case 2: { /* fori_loop over a static range */
    want p[2] = {{2, true}, w};
    int id = define_fn(g, "auto", 2, p, iv, w, "", "");
    buf_printf(b, "fori_loop(0, %u, fn%d, ", pick(&g->r, 4), id);
    gen_expr(g, w, depth + 1, b);
    buf_putc(b, ')');
    return;
  }
  case 3: { /* while_loop with a counter in its carry: it ends */
    int saved;
    int c = open_fn(g, "auto", 1, &w, s, &saved);
    ind(g, g->defs), buf_printf(g->defs, "  return qs%d[0] < %u;\n", c, pick(&g->r, 4));
    close_fn(g, saved);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "(qs%d[0] + 1, ", g->next_fn); /* the id define_fn takes */
    int body = define_fn(g, "auto", 1, &w, s, w, prefix, ")");
    buf_printf(b, "while_loop(fn%d, fn%d, (0, ", c, body);
    gen_expr(g, w, depth + 1, b);
    buf_puts(b, "))[1]");
    return;
  }
  case 4: /* scan over M's first axis, when M is a vector: carry and ys scalars of w */
    if (w.scalar && g->m.rank == 1) {
      want p[2] = {w, w};
      int saved;
      int id = open_fn(g, "auto", 2, p, cx, &saved);
      tj_buf e = {0}, inner = {0}, *outer = g->defs;
      g->defs = &inner, g->indent++, g->nest++;
      gen_expr(g, w, 1, &e);
      g->defs = outer, g->indent--, g->nest--;
      if (inner.len) buf_putn(outer, inner.data, inner.len);
      ind(g, outer), buf_printf(outer, "  auto r = %s;\n", e.data);
      ind(g, outer), buf_puts(outer, "  return (r, r);\n");
      buf_free(&e), buf_free(&inner);
      close_fn(g, saved);
      buf_printf(b, "scan(fn%d, ", id);
      gen_expr(g, w, depth + 1, b);
      buf_puts(b, ", ");
      gen_expr(g, (want){w.dt, false}, depth + 1, b);
      buf_puts(b, ")[0]");
      return;
    }
    /* fall through */
  default: { /* a nested jit function called */
    int id = define_fn(g, "jit auto", 1, &w, u, w, "", "");
    buf_printf(b, "fn%d(", id);
    gen_expr(g, w, depth + 1, b);
    buf_putc(b, ')');
    return;
  }
  }
}

/* Array builtins that keep the asked shape: indexing and dot of a vector
 * M to a scalar, expand_dims then squeeze, reshape to M, arange for a
 * vector. False when none fits. */
static bool array_op(gen *g, want w, int depth, tj_buf *b) {
  bool vector = g->m.rank == 1 && g->m.dims[0] > 0;
  int numeric = (int)pick(&g->r, NDTYPES - 1);
  switch (pick(&g->r, 4)) {
  case 0:
    if (!w.scalar || !vector) return false;
    gen_expr(g, (want){w.dt, false}, depth + 1, b);
    buf_printf(b, "[%d]", (int)pick(&g->r, (unsigned)g->m.dims[0] * 2) - g->m.dims[0]);
    return true;
  case 1:
    if (!w.scalar || !vector || dtypes[w.dt].k == K_BOOL) return false;
    as_dtype_open(w, b), buf_puts(b, pick(&g->r, 2) ? "dot(" : "matmul(");
    gen_expr(g, (want){numeric, false}, depth + 1, b), buf_puts(b, ", ");
    gen_expr(g, (want){numeric, false}, depth + 1, b), buf_puts(b, "))");
    return true;
  case 2:
    if (w.scalar) return false;
    if (pick(&g->r, 2)) { /* the axis expand_dims inserts, squeezed again */
      int axis = (int)pick(&g->r, (unsigned)g->m.rank + 1);
      buf_printf(b, "squeeze(expand_dims(");
      gen_expr(g, w, depth + 1, b);
      buf_printf(b, ", %d), %d)", axis, axis);
      return true;
    }
    buf_puts(b, "reshape(");
    gen_expr(g, w, depth + 1, b);
    shape_text(&g->m, b, ", (", ", ", "))");
    return true;
  default:
    if (w.scalar || g->m.rank != 1 || dtypes[w.dt].k == K_BOOL) return false;
    as_dtype_open(w, b), buf_printf(b, "arange(%d))", g->m.dims[0]);
    return true;
  }
}

static void gen_expr(gen *g, want w, int depth, tj_buf *b) {
  if (depth >= MAX_DEPTH || chance(&g->r, 25)) {
    leaf(g, w, b);
    return;
  }
  unsigned c = pick(&g->r, 11);
  if (c == 10 && array_op(g, w, depth, b)) return;
  if (c == 0 && g->nest < MAX_NEST) control(g, w, depth, b);
  else if (c == 1 && w.scalar && dtypes[w.dt].k != K_BOOL) reduction(g, w, depth, b);
  else if (c == 2) mixed(g, w, depth, b);
  else if (dtypes[w.dt].k == K_FLOAT) float_op(g, w, depth, b);
  else if (dtypes[w.dt].k == K_BOOL) bool_op(g, w, depth, b);
  else int_op(g, w, depth, b);
}

/* ---- statements ---- */

static void block(gen *g, int nstmts, tj_buf *b);

/* A variable this function declared, to assign to; NULL if none. */
static var *assignable(gen *g) {
  int cand[MAX_VARS], n = 0;
  for (int i = 0; i < g->nvars; i++)
    if (g->vars[i].assignable) cand[n++] = i;
  return n ? &g->vars[cand[pick(&g->r, (unsigned)n)]] : NULL;
}

/* A declaration, or an assignment to target with c == 1. */
static void declare_or_assign(gen *g, var *target, bool assign, tj_buf *b) {
  tj_buf s = {0};
  want w = assign ? (want){target->dt, target->sh.rank == 0} : (want){(int)pick(&g->r, NDTYPES), chance(&g->r, 30)};
  gen_expr(g, w, 0, &s);
  ind(g, b);
  if (assign) buf_printf(b, "%s = %s;\n", target->name, s.data);
  else {
    var *v = add_var(g, "v", w.dt, w.scalar ? (shape){0, {0}} : g->m, false, true);
    buf_printf(b, "auto %s = %s;\n", v ? v->name : "unused", s.data);
  }
  buf_free(&s);
}

static void compound_assign(gen *g, var *target, tj_buf *b) {
  static const char *const ops[] = {"+=", "-=", "*="};
  tj_buf s = {0};
  ind(g, b);
  if (dtypes[target->dt].k == K_BOOL) { /* bools have no += in JAX's sense: &= */
    gen_expr(g, (want){target->dt, true}, 1, &s);
    buf_printf(b, "%s &= %s;\n", target->name, s.data);
  } else {
    gen_expr(g, (want){target->dt, true}, 1, &s);
    buf_printf(b, "%s %s %s;\n", target->name, ops[pick(&g->r, 3)], s.data);
  }
  buf_free(&s);
}

static void static_for(gen *g, tj_buf *b) {
  int k = g->next_name++;
  ind(g, b), buf_printf(b, "for (int k%d = 0; k%d < %u; k%d++) {\n", k, k, pick(&g->r, 3), k);
  g->indent++, g->nest++;
  block(g, 1 + (int)pick(&g->r, 2), b);
  g->indent--, g->nest--;
  ind(g, b), buf_puts(b, "}\n");
}

/* autograph: a traced if whose branches both assign target. */
static void traced_if(gen *g, var *target, tj_buf *b) {
  want w = {target->dt, target->sh.rank == 0};
  tj_buf p = {0}, e1 = {0}, e2 = {0};
  g->nest++;
  gen_expr(g, (want){DT_BOOL_INDEX, true}, 1, &p);
  gen_expr(g, w, 1, &e1), gen_expr(g, w, 1, &e2);
  g->nest--;
  ind(g, b), buf_printf(b, "if (%s) {\n", p.data);
  ind(g, b), buf_printf(b, "  %s = %s;\n", target->name, e1.data);
  ind(g, b), buf_puts(b, "} else {\n");
  ind(g, b), buf_printf(b, "  %s = %s;\n", target->name, e2.data);
  ind(g, b), buf_puts(b, "}\n");
  buf_free(&p), buf_free(&e1), buf_free(&e2);
}

/* An if on a static argument (an integer or a bool: a Python number). */
static void static_if(gen *g, tj_buf *b) {
  int cand[MAX_VARS], n = 0;
  for (int i = 0; i < g->nvars; i++)
    if (g->vars[i].is_static) cand[n++] = i;
  ind(g, b);
  if (n) buf_printf(b, "if (%s > %u) {\n", g->vars[cand[pick(&g->r, (unsigned)n)]].name, pick(&g->r, 3));
  else buf_puts(b, "if (true) {\n");
  g->indent++, g->nest++;
  block(g, 1 + (int)pick(&g->r, 2), b);
  g->indent--, g->nest--;
  ind(g, b), buf_puts(b, "}\n");
}

/* v[k] = e or v[k] += e on a vector variable: a scatter. */
static void index_assign(gen *g, var *target, tj_buf *b) {
  tj_buf e = {0};
  gen_expr(g, (want){target->dt, true}, 1, &e);
  int n = target->sh.dims[0];
  bool add = dtypes[target->dt].k != K_BOOL && pick(&g->r, 2);
  ind(g, b), buf_printf(b, "%s[%d] %s %s;\n", target->name, (int)pick(&g->r, (unsigned)n * 2) - n, add ? "+=" : "=", e.data);
  buf_free(&e);
}

/* One statement into b, the nested functions its expressions call
 * defined just before it. */
static void statement(gen *g, tj_buf *b) {
  tj_buf defs = {0}, s = {0}, *outer = g->defs;
  g->defs = &defs;
  var *target = assignable(g);
  unsigned c = pick(&g->r, 8);
  if (c <= 2 || !target || g->nest >= MAX_NEST) declare_or_assign(g, target, target && c == 1, &s);
  else if (c == 3) compound_assign(g, target, &s);
  else if (c == 4 || (c == 5 && !g->autograph)) static_for(g, &s);
  else if (c == 5) traced_if(g, target, &s);
  else if (c == 7 && target->sh.rank == 1 && target->sh.dims[0] > 0) index_assign(g, target, &s);
  else static_if(g, &s);
  g->defs = outer;
  if (defs.len) buf_putn(b, defs.data, defs.len);
  if (s.len) buf_putn(b, s.data, s.len);
  buf_free(&s);
  buf_free(&defs);
}

static void block(gen *g, int nstmts, tj_buf *b) {
  int saved = g->nvars;
  for (int i = 0; i < nstmts; i++) statement(g, b);
  /* a block's declarations end with it (assignments to outer names stay) */
  if (g->nest > 0) g->nvars = saved;
}

/* ---- the function and its spec ---- */

/* An argument's shape: M, a scalar, or one that broadcasts to M (a
 * trailing part of M, or M with dimensions of 1). */
static shape arg_shape(gen *g) {
  shape s = g->m;
  switch (pick(&g->r, 4)) {
  case 0: return (shape){0, {0}};
  case 1:
    if (s.rank > 0) {
      int drop = 1 + (int)pick(&g->r, (unsigned)s.rank);
      for (int d = drop; d < s.rank; d++) s.dims[d - drop] = s.dims[d];
      s.rank -= drop;
    }
    return s;
  case 2:
    if (s.rank > 0) s.dims[pick(&g->r, (unsigned)s.rank)] = 1;
    return s;
  default: return s;
  }
}

static void data_value(gen *g, int dt, tj_buf *b) {
  static const char *const floats[] = {"0.0", "-0.0", "1.0", "-1.0", "0.5", "2.0", "1e-45", "3e38", "-3e38",
                                       "1e10", "123.456", "7.0", "-2.5", "1e-10"};
  static const char *const ints[] = {"0", "1", "-1", "2", "3", "127", "-128", "255", "100", "-7",
                                     "2147483647", "-2147483648", "4294967295", "65535"};
  const gdtype *t = &dtypes[dt];
  if (t->k == K_BOOL) buf_puts(b, pick(&g->r, 2) ? "true" : "false");
  else if (t->k == K_FLOAT) buf_puts(b, floats[pick(&g->r, TJ_COUNT(floats))]);
  else {
    const char *s = ints[pick(&g->r, TJ_COUNT(ints))];
    double v = atof(s);
    buf_puts(b, v >= t->lo && v <= t->hi ? s : "1");
  }
}

/* The traced argument's value in the spec: data from the choices, or the
 * spec's random fill. */
static void arg_json(gen *g, const var *v, tj_buf *b) {
  buf_printf(b, "{\"dtype\": \"%s\", \"shape\": ", dtypes[v->dt].name);
  shape_text(&v->sh, b, "[", ", ", "]");
  if (pick(&g->r, 4) == 0) {
    buf_printf(b, ", \"random\": {\"seed\": %u}}", pick(&g->r, 256));
    return;
  }
  buf_puts(b, ", \"data\": [");
  for (int i = 0, n = shape_size(&v->sh); i < n; i++) {
    if (i) buf_puts(b, ", ");
    data_value(g, v->dt, b);
  }
  buf_puts(b, "]}");
}

static void json_string(const char *s, tj_buf *b) {
  buf_putc(b, '"');
  for (; *s; s++) {
    if (*s == '\n') buf_puts(b, "\\n");
    else if (*s == '"' || *s == '\\') buf_printf(b, "\\%c", *s);
    else buf_putc(b, *s);
  }
  buf_putc(b, '"');
}

static void params(gen *g, tj_buf *src, tj_buf *args) {
  int ntraced = 1 + (int)pick(&g->r, 3), nstatic = (int)pick(&g->r, 3);
  for (int i = 0; i < ntraced + nstatic; i++) {
    bool is_static = i >= ntraced;
    int dt = is_static ? (int)pick(&g->r, 3) : (int)pick(&g->r, NDTYPES); /* static: f32, f64 or i32 */
    if (is_static && dt == 1) dt = DT_BOOL_INDEX;
    var *v = add_var(g, is_static ? "s" : "x", dt, is_static ? (shape){0, {0}} : arg_shape(g), is_static, false);
    buf_printf(src, "%s%s%s %s", i ? ", " : "", is_static ? "static " : "", dtypes[dt].name, v->name);
    for (int d = 0; d < v->sh.rank; d++) buf_printf(src, "[%d]", v->sh.dims[d]);
    buf_printf(args, "%s\"%s\": ", i ? ", " : "", v->name);
    if (!is_static) arg_json(g, v, args);
    else if (dt == DT_BOOL_INDEX) buf_puts(args, pick(&g->r, 2) ? "true" : "false");
    else if (dt == 0) buf_puts(args, pick(&g->r, 2) ? "1.5" : "-0.25");
    else buf_printf(args, "%u", pick(&g->r, 4));
  }
}

char *gen_spec(const uint8_t *data, size_t size) {
  gen g = {.r = {data, data + size}};
  g.m = main_shapes[pick(&g.r, TJ_COUNT(main_shapes))];
  g.autograph = chance(&g.r, 40);
  tj_buf src = {0}, args = {0}, body = {0}, spec = {0};
  buf_puts(&src, "auto f(");
  params(&g, &src, &args);
  buf_puts(&src, ") {\n");
  g.indent = 1;
  block(&g, 1 + (int)pick(&g.r, MAX_STMTS), &body);
  tj_buf defs = {0}, ret = {0};
  g.defs = &defs;
  int nret = 1 + (int)pick(&g.r, 2);
  for (int k = 0; k < nret; k++) {
    if (k) buf_puts(&ret, ", ");
    gen_expr(&g, (want){(int)pick(&g.r, NDTYPES), chance(&g.r, 30)}, 0, &ret);
  }
  if (body.len) buf_putn(&src, body.data, body.len);
  if (defs.len) buf_putn(&src, defs.data, defs.len);
  buf_printf(&src, nret > 1 ? "  return (%s);\n}\n" : "  return %s;\n}\n", ret.data);
  buf_puts(&spec, "{\"tjit\": 1, \"source\": ");
  json_string(src.data, &spec);
  buf_printf(&spec, ",\n \"args\": {%s},\n \"options\": {\"autograph\": %s}}\n", args.data ? args.data : "",
             g.autograph ? "true" : "false");
  buf_free(&src), buf_free(&args), buf_free(&body), buf_free(&defs), buf_free(&ret);
  return buf_detach(&spec);
}
