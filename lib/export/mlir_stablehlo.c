/* tjit export --dialect stablehlo: a jaxpr as the module JAX 0.10.2's
 * jax.jit(f).lower(*args).as_text() prints for it (mlir.py's
 * lower_jaxpr_to_module and jaxpr_subcomp, the lowering rules of lax.py,
 * slicing.py, pjit.py, custom_derivatives.py), without location info.
 *
 * The ops are first built as a small tree (ops, their regions, their
 * values) and then printed, because MLIR's printer names values only once
 * a whole region is known: a nested region's values are numbered after
 * every value of the region around it (AsmPrinter.cpp's SSANameState), and
 * constants take the uniqued names %cst / %c (StablehloOps.cpp's
 * ConstantOp::getAsmResultNames). Each op keeps its pretty text (StablehloOps.td's
 * assembly formats, AssemblyFormat.cpp's custom printers) with $K for
 * operand K, and its generic attribute dictionary, so that --generic
 * prints the same tree as `"stablehlo.op"(...) {attrs} : (T) -> R`. */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "prims.h"

enum { SH_NAME_LEN = 48, SH_NONE = UINT32_MAX, SH_MAX_FUNCS = 256 };

/* An SSA value: an op's result or a block's argument. */
typedef struct sh_value {
  tj_aval aval;
  const char *hint;        /* "cst", "c": MLIR's uniqued name; NULL: %N or %argN */
  bool is_arg;
  uint32_t nres, index;    /* its op's result count and which one it is */
  char name[SH_NAME_LEN];  /* without the '%', once named */
} sh_value;

/* SK_GENERIC: an op without a pretty form (stablehlo.case: StablehloOps.td
 * gives CaseOp no assembly format), printed generic in both forms. */
typedef enum { SK_PLAIN, SK_FUNC, SK_REDUCE, SK_GENERIC, SK_WHILE } sh_kind;

typedef struct sh_op {
  const char *name;        /* "stablehlo.add"; SK_FUNC: "return", "call" */
  sh_kind kind;
  uint32_t in0, nin;       /* operands: sw.operands[in0 ..] */
  uint32_t res0, nres;     /* results: values res0 .. */
  char *pretty;            /* printed after the name, $K: operand K */
  char *attrs;             /* the generic form's {...} contents, or NULL */
  uint32_t region;         /* SH_NONE, or its first region (then each's next) */
} sh_op;

typedef struct sh_region {
  uint32_t next;           /* the op's next region, or SH_NONE */
  uint32_t arg0, nargs;    /* block arguments: values arg0 .. */
  uint32_t *ops, nops, cap;
} sh_region;

typedef struct sh_func {
  char name[SH_NAME_LEN];
  const char *asked;       /* the jit's name, before uniquing */
  const ir_jaxpr *j;       /* what it lowers (the jit's jaxpr) */
  uint32_t region;
  uint32_t *outs, nout;    /* the returned values */
} sh_func;

typedef struct sw {
  diag_list *d;
  const ir_module *m;
  sh_value *vals;
  uint32_t nvals, capvals;
  sh_op *ops;
  uint32_t nops, capops;
  uint32_t *operands;
  uint32_t noperands, capoperands;
  sh_region *regions;
  uint32_t nregions, capregions;
  sh_func funcs[SH_MAX_FUNCS];
  uint32_t nfuncs;
  unsigned symbol_counter; /* mlir::SymbolTable's uniquing counter */
  uint32_t cur;            /* the region new ops go to */
  uint32_t *env;           /* each jaxpr variable's value */
} sw;

typedef bool sh_rule(sw *w, const ir_eqn *e, const uint32_t *in);

#define NARY(p, op)
#define CMP(p, dir, total)
#define RULE(p, fn) static sh_rule fn;
#include "stablehlo.def"
#undef NARY
#undef CMP
#undef RULE

typedef struct sh_row {
  const char *op;          /* NARY's op, CMP's direction */
  bool compare, total_order;
  sh_rule *rule;
} sh_row;

static const sh_row sh_rows[P_COUNT] = {
#define NARY(p, o) [P_##p] = {.op = o},
#define CMP(p, dir, total) [P_##p] = {.op = dir, .compare = true, .total_order = total},
#define RULE(p, fn) [P_##p] = {.rule = fn},
#include "stablehlo.def"
#undef NARY
#undef CMP
#undef RULE
};

/* ---- growing arrays ---- */

static void *grow(void *p, uint32_t n, uint32_t *cap, size_t size) {
  if (n < *cap) return p;
  *cap = *cap ? *cap * 2 : 16;
  void *q = realloc(p, *cap * size);
  if (!q) TJ_OOM();
  return q;
}

/* ---- types ---- */

/* MLIR's element type of a dtype (mlir.py's dtype_to_ir_type), or NULL. */
static const char *elem_type(tj_dtype t) {
  switch (t) {
  case DT_BOOL: return "i1";
  case DT_I8: return "i8";
  case DT_I16: return "i16";
  case DT_I32: return "i32";
  case DT_I64: return "i64";
  case DT_U8: return "ui8";
  case DT_U16: return "ui16";
  case DT_U32: return "ui32";
  case DT_U64: return "ui64";
  case DT_F16: return "f16";
  case DT_BF16: return "bf16";
  case DT_F32: return "f32";
  case DT_F64: return "f64";
  default: return NULL;
  }
}

static void put_type(tj_buf *b, const tj_aval *a) {
  buf_puts(b, "tensor<");
  for (int i = 0; i < a->rank; i++) buf_printf(b, "%" PRId64 "x", a->dims[i]);
  buf_printf(b, "%s>", elem_type(a->dtype));
}

static bool same_type(const tj_aval *a, const tj_aval *b) {
  if (a->dtype != b->dtype || a->rank != b->rank) return false;
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

static bool same_shape(const tj_aval *a, const tj_aval *b) {
  tj_aval c = *b;
  c.dtype = a->dtype;
  return same_type(a, &c);
}

static const tj_aval *val_aval(const sw *w, uint32_t v) { return &w->vals[v].aval; }

/* "(T0, T1) -> R" of operands ins and result out (printFunctionalType). */
static void put_functional(sw *w, tj_buf *b, const uint32_t *ins, uint32_t nin, const tj_aval *out) {
  buf_putc(b, '(');
  for (uint32_t k = 0; k < nin; k++) {
    if (k) buf_puts(b, ", ");
    put_type(b, val_aval(w, ins[k]));
  }
  buf_puts(b, ") -> ");
  put_type(b, out);
}

/* AssemblyFormat.cpp's printSameOperandsAndResultType: one type when the
 * operands' and result's are all the same, else the functional type. */
static void put_same_type(sw *w, tj_buf *b, const uint32_t *ins, uint32_t nin, const tj_aval *out) {
  bool same = true;
  for (uint32_t k = 0; k < nin; k++) same = same && same_type(val_aval(w, ins[k]), out);
  if (same) put_type(b, out);
  else put_functional(w, b, ins, nin, out);
}

static void put_ints(tj_buf *b, const int64_t *v, int n) {
  for (int i = 0; i < n; i++) buf_printf(b, "%s%" PRId64, i ? ", " : "", v[i]);
}

/* A DenseI64ArrayAttr: "[1, 2]" in the pretty form, "array<i64: 1, 2>" in the generic. */
static void put_array_attr(tj_buf *b, const int64_t *v, int n) {
  buf_puts(b, n ? "array<i64: " : "array<i64");
  put_ints(b, v, n);
  buf_putc(b, '>');
}

static void put_list(tj_buf *b, const int64_t *v, int n) {
  buf_putc(b, '[');
  put_ints(b, v, n);
  buf_putc(b, ']');
}

/* ---- building ---- */

static uint32_t new_value(sw *w, const tj_aval *a, const char *hint, bool is_arg) {
  w->vals = grow(w->vals, w->nvals, &w->capvals, sizeof *w->vals);
  sh_value *v = &w->vals[w->nvals];
  memset(v, 0, sizeof *v);
  v->aval = *a, v->hint = hint, v->is_arg = is_arg, v->nres = 1;
  return w->nvals++;
}

static uint32_t new_region(sw *w) {
  w->regions = grow(w->regions, w->nregions, &w->capregions, sizeof *w->regions);
  memset(&w->regions[w->nregions], 0, sizeof w->regions[0]);
  w->regions[w->nregions].next = SH_NONE;
  return w->nregions++;
}

static void region_add_op(sw *w, uint32_t r, uint32_t op) {
  sh_region *rg = &w->regions[r];
  rg->ops = grow(rg->ops, rg->nops, &rg->cap, sizeof *rg->ops);
  rg->ops[rg->nops++] = op;
}

/* A new op in the current region: operands ins, results of avals outs;
 * pretty and attrs (taken over, may be NULL buffers' data) as built. */
static uint32_t add_op(sw *w, const char *name, sh_kind kind, const uint32_t *ins, uint32_t nin, const tj_aval *outs,
                       uint32_t nout, const char *hint, tj_buf *pretty, tj_buf *attrs) {
  w->ops = grow(w->ops, w->nops, &w->capops, sizeof *w->ops);
  sh_op *op = &w->ops[w->nops];
  op->name = name, op->kind = kind, op->region = SH_NONE;
  op->in0 = w->noperands, op->nin = nin;
  for (uint32_t k = 0; k < nin; k++) {
    w->operands = grow(w->operands, w->noperands, &w->capoperands, sizeof *w->operands);
    w->operands[w->noperands++] = ins[k];
  }
  op->res0 = w->nvals, op->nres = nout;
  for (uint32_t k = 0; k < nout; k++) {
    uint32_t v = new_value(w, &outs[k], hint, false);
    w->vals[v].nres = nout, w->vals[v].index = k;
  }
  op->pretty = pretty && pretty->data ? buf_detach(pretty) : NULL;
  op->attrs = attrs && attrs->data ? buf_detach(attrs) : NULL;
  region_add_op(w, w->cur, w->nops);
  return w->nops++;
}

/* A one-result stablehlo op: its result. */
static uint32_t op1(sw *w, const char *name, const uint32_t *ins, uint32_t nin, const tj_aval *out, tj_buf *pretty,
                    tj_buf *attrs) {
  uint32_t op = add_op(w, name, SK_PLAIN, ins, nin, out, 1, NULL, pretty, attrs); /* then w->ops: it may move */
  return w->ops[op].res0;
}

static bool not_exportable(sw *w, const ir_eqn *e, const char *why) {
  return diag_error(w->d, w->m->src, e ? e->span : span_make(0, 0), "not exportable: %s%s", e ? prims[e->prim].name : "",
                    why);
}

/* ---- constants (mlir.py's _ndarray_constant_handler: stablehlo.constant) ---- */

/* A float as MLIR's printFloatValue prints it: "%.6e" (APFloat's
 * toString(6, 0, false)) when that reads back to the same value, else
 * the shortest digits that do ("%.9g"/"%.17g", APFloat's natural
 * precision, with an 'E' exponent), NaN and infinities as hex bits. */
static void put_float(tj_buf *b, tj_dtype t, double v) {
  bool f32 = t == DT_F32;
  char s[48];
  if (isnan(v)) buf_puts(b, f32 ? "0x7FC00000" : "0x7FF8000000000000");
  else if (isinf(v)) buf_puts(b, v > 0 ? (f32 ? "0x7F800000" : "0x7FF0000000000000") : (f32 ? "0xFF800000" : "0xFFF0000000000000"));
  else {
    snprintf(s, sizeof s, "%.6e", v);
    bool exact = f32 ? strtof(s, NULL) == (float)v : strtod(s, NULL) == v;
    if (!exact) {
      snprintf(s, sizeof s, f32 ? "%.9g" : "%.17g", v);
      for (char *p = s; *p; p++) *p = *p == 'e' ? 'E' : *p;
      if (!strchr(s, '.')) { /* APFloat keeps a '.': "1.0E+20" */
        char *e = strchr(s, 'E');
        char tail[24];
        snprintf(tail, sizeof tail, "%s", e ? e : "");
        snprintf(e ? e : s + strlen(s), sizeof s - (size_t)((e ? e : s + strlen(s)) - s), ".0%s", tail);
      }
    }
    buf_puts(b, s);
  }
}

/* Element k of row-major data of dtype t. */
static void put_element(tj_buf *b, tj_dtype t, const void *data, int64_t k) {
  switch (t) {
  case DT_F32: put_float(b, t, ((const float *)data)[k]); break;
  case DT_F64: put_float(b, t, ((const double *)data)[k]); break;
  case DT_BOOL: buf_puts(b, ((const uint8_t *)data)[k] ? "true" : "false"); break;
  case DT_I8: buf_printf(b, "%d", ((const int8_t *)data)[k]); break;
  case DT_I16: buf_printf(b, "%d", ((const int16_t *)data)[k]); break;
  case DT_I32: buf_printf(b, "%" PRId32, ((const int32_t *)data)[k]); break;
  case DT_I64: buf_printf(b, "%" PRId64, ((const int64_t *)data)[k]); break;
  case DT_U8: buf_printf(b, "%u", ((const uint8_t *)data)[k]); break;
  case DT_U16: buf_printf(b, "%u", ((const uint16_t *)data)[k]); break;
  case DT_U32: buf_printf(b, "%" PRIu32, ((const uint32_t *)data)[k]); break;
  default: buf_printf(b, "%" PRIu64, ((const uint64_t *)data)[k]); break;
  }
}

static int64_t aval_count(const tj_aval *a) {
  int64_t n = 1;
  for (int i = 0; i < a->rank; i++) n *= a->dims[i];
  return n;
}

static void put_dense_items(tj_buf *b, const tj_aval *a, const void *data, int dim, int64_t *k) {
  if (dim == a->rank) {
    put_element(b, a->dtype, data, (*k)++);
    return;
  }
  buf_putc(b, '[');
  for (int64_t i = 0; i < a->dims[dim]; i++) {
    if (i) buf_puts(b, ", ");
    put_dense_items(b, a, data, dim + 1, k);
  }
  buf_putc(b, ']');
}

/* dense<...>: one element when all are equal (MLIR stores such data as a
 * splat, DenseIntOrFPElementsAttrStorage::getKey, and prints it so). */
static void put_dense(tj_buf *b, const tj_aval *a, const void *data) {
  int64_t n = aval_count(a), k = 0;
  size_t size = (size_t)dtype_size(a->dtype);
  bool splat = n > 0;
  for (int64_t i = 1; i < n && splat; i++) splat = memcmp((const char *)data, (const char *)data + i * (int64_t)size, size) == 0;
  buf_puts(b, "dense<");
  if (splat) put_element(b, a->dtype, data, 0);
  else put_dense_items(b, a, data, 0, &k);
  buf_puts(b, ">");
}

/* `%cst = stablehlo.constant dense<...> : T` (%c for integers and bool). */
static uint32_t constant(sw *w, const tj_aval *a, const void *data) {
  tj_buf pretty = {0}, attrs = {0}, dense = {0};
  put_dense(&dense, a, data);
  buf_printf(&pretty, " %s : ", dense.data);
  put_type(&pretty, a);
  buf_printf(&attrs, "value = %s : ", dense.data);
  put_type(&attrs, a);
  buf_free(&dense);
  const char *hint = dtype_is_float(a->dtype) ? "cst" : "c";
  uint32_t op = add_op(w, "stablehlo.constant", SK_PLAIN, NULL, 0, a, 1, hint, &pretty, &attrs);
  return w->ops[op].res0;
}

/* A scalar constant of dtype t (f for floats, i for the others). */
static bool scalar_constant(sw *w, const ir_eqn *e, tj_dtype t, double f, int64_t i, uint32_t *out) {
  tj_aval a = aval_scalar(t, false);
  union { float f32; double f64; int8_t i8; int16_t i16; int32_t i32; int64_t i64; uint8_t u8; uint16_t u16; uint32_t u32; uint64_t u64; } u;
  memset(&u, 0, sizeof u);
  switch (t) {
  case DT_F32: u.f32 = (float)f; break;
  case DT_F64: u.f64 = f; break;
  case DT_BOOL: u.u8 = i != 0; break;
  case DT_I8: u.i8 = (int8_t)i; break;
  case DT_I16: u.i16 = (int16_t)i; break;
  case DT_I32: u.i32 = (int32_t)i; break;
  case DT_I64: u.i64 = i; break;
  case DT_U8: u.u8 = (uint8_t)i; break;
  case DT_U16: u.u16 = (uint16_t)i; break;
  case DT_U32: u.u32 = (uint32_t)i; break;
  case DT_U64: u.u64 = (uint64_t)i; break;
  default: return not_exportable(w, e, " (a constant of dtype f16 or bf16)");
  }
  *out = constant(w, &a, &u);
  return true;
}

/* An operand: a variable's value, or a literal's stablehlo.constant
 * (jaxpr_subcomp's read: _ir_constant of the literal, at each use). */
static bool read_atom(sw *w, const ir_eqn *e, ir_atom a, uint32_t *out) {
  if (!ATOM_IS_LIT(a)) {
    *out = w->env[ATOM_INDEX(a)];
    return true;
  }
  const ir_lit *l = &w->m->lits[ATOM_INDEX(a)];
  return scalar_constant(w, e, l->dtype, l->f, l->i, out);
}

/* ---- shared lowerings of mlir.py ---- */

/* mlir.broadcast_in_dim: `stablehlo.broadcast_in_dim %x, dims = [...]`. */
static uint32_t broadcast_in_dim(sw *w, uint32_t x, const tj_aval *out, const int64_t *dims, int ndims) {
  tj_buf pretty = {0}, attrs = {0};
  buf_puts(&pretty, " $0, dims = ");
  put_list(&pretty, dims, ndims);
  buf_puts(&pretty, " : ");
  put_functional(w, &pretty, &x, 1, out);
  buf_puts(&attrs, "broadcast_dimensions = ");
  put_array_attr(&attrs, dims, ndims);
  return op1(w, "stablehlo.broadcast_in_dim", &x, 1, out, &pretty, &attrs);
}

/* mlir.multi_broadcast_in_dim: an operand of another shape than shape's
 * broadcast to it along the trailing dimensions. */
static uint32_t broadcast_to(sw *w, uint32_t x, const tj_aval *shape) {
  const tj_aval *a = val_aval(w, x);
  if (same_shape(a, shape)) return x;
  tj_aval out = *shape;
  int64_t dims[TJ_MAX_RANK];
  out.dtype = a->dtype;
  for (int i = 0; i < a->rank; i++) dims[i] = shape->rank - a->rank + i;
  return broadcast_in_dim(w, x, &out, dims, a->rank);
}

/* mlir.full_like_aval: a constant broadcast (dims = []) to aval. */
static bool full_like(sw *w, const ir_eqn *e, double value, const tj_aval *aval, uint32_t *out) {
  uint32_t c;
  if (!scalar_constant(w, e, aval->dtype, value, (int64_t)value, &c)) return false;
  *out = broadcast_in_dim(w, c, aval, NULL, 0);
  return true;
}

/* An elementwise op on operands of out's type: `op %a, %b : T`, or for a
 * chlo op `op %a : T -> T` (ChloOps.td's CHLO_UnaryElementwiseOp). */
static uint32_t elementwise(sw *w, const char *op, const uint32_t *ins, uint32_t nin, const tj_aval *out) {
  tj_buf pretty = {0};
  for (uint32_t k = 0; k < nin; k++) buf_printf(&pretty, "%s$%u", k ? ", " : " ", k);
  buf_puts(&pretty, " : ");
  if (!strncmp(op, "chlo.", 5)) {
    put_type(&pretty, val_aval(w, ins[0]));
    buf_puts(&pretty, " -> ");
    put_type(&pretty, out);
  } else put_same_type(w, &pretty, ins, nin, out);
  return op1(w, op, ins, nin, out, &pretty, NULL);
}

/* mlir.compare_hlo: `stablehlo.compare  DIR, %a, %b,  TYPE : (T, T) -> R`. */
static uint32_t compare(sw *w, const char *dir, const char *type, uint32_t x, uint32_t y, const tj_aval *out) {
  tj_buf pretty = {0}, attrs = {0};
  uint32_t ins[2] = {x, y};
  buf_printf(&pretty, "  %s, $0, $1,  %s : ", dir, type);
  put_functional(w, &pretty, ins, 2, out);
  buf_printf(&attrs, "compare_type = #stablehlo<comparison_type %s>, comparison_direction = #stablehlo<comparison_direction %s>",
             type, dir);
  return op1(w, "stablehlo.compare", ins, 2, out, &pretty, &attrs);
}

/* _compare_lower_hlo's comparison type of operands of dtype t. */
static const char *compare_type(tj_dtype t, bool total_order) {
  if (dtype_is_float(t)) return total_order ? "TOTALORDER" : "FLOAT";
  return dtype_kindof(t) == DK_SIGNED ? "SIGNED" : "UNSIGNED";
}

/* mlir.convert_hlo: to bool as x != 0 first, then stablehlo.convert. */
static bool convert(sw *w, const ir_eqn *e, uint32_t x, tj_dtype to, uint32_t *out) {
  tj_aval in = *val_aval(w, x), res = in;
  res.dtype = to;
  if (to == DT_BOOL) {
    uint32_t zero;
    tj_aval pred = in;
    pred.dtype = DT_BOOL;
    if (!full_like(w, e, 0, &in, &zero)) return false;
    x = compare(w, "NE", compare_type(in.dtype, false), x, zero, &pred);
  }
  *out = elementwise(w, "stablehlo.convert", &x, 1, &res);
  return true;
}

/* ---- the rows ---- */

static const tj_aval *out_aval(sw *w, const ir_eqn *e, uint32_t k) { return &w->m->vars[e->out[k]]; }

/* NARY rows: lax.py's _nary_lower_hlo. */
static bool write_nary(sw *w, const ir_eqn *e, const uint32_t *in) {
  uint32_t args[3];
  const tj_aval *out = out_aval(w, e, 0);
  for (uint32_t k = 0; k < e->nin; k++) args[k] = broadcast_to(w, in[k], out);
  w->env[e->out[0]] = elementwise(w, sh_rows[e->prim].op, args, e->nin, out);
  return true;
}

/* CMP rows: lax.py's _compare_lower_hlo. */
static bool write_compare(sw *w, const ir_eqn *e, const uint32_t *in) {
  const sh_row *r = &sh_rows[e->prim];
  const tj_aval *out = out_aval(w, e, 0);
  uint32_t x = broadcast_to(w, in[0], out), y = broadcast_to(w, in[1], out);
  w->env[e->out[0]] = compare(w, r->op, compare_type(val_aval(w, in[0])->dtype, r->total_order), x, y, out);
  return true;
}

/* lax.py's _sin_lowering, _cos_lowering: hlo.sine / hlo.cosine (real). */
static bool sw_sin_cos(sw *w, const ir_eqn *e, const uint32_t *in) {
  const char *op = e->prim == P_sin ? "stablehlo.sine" : "stablehlo.cosine";
  w->env[e->out[0]] = elementwise(w, op, in, 1, out_aval(w, e, 0));
  return true;
}

/* lax.py's _sign_lower_hlo: hlo.sign (unsigned: a select, not written). */
static bool sw_sign(sw *w, const ir_eqn *e, const uint32_t *in) {
  if (dtype_kindof(val_aval(w, in[0])->dtype) == DK_UNSIGNED) return not_exportable(w, e, " on unsigned integers");
  w->env[e->out[0]] = elementwise(w, "stablehlo.sign", in, 1, out_aval(w, e, 0));
  return true;
}

/* lax.py's _round_lower: RoundingMethod 0 (AWAY_FROM_ZERO) or 1. */
static bool sw_round(sw *w, const ir_eqn *e, const uint32_t *in) {
  int64_t method = ir_param_int(e, "rounding_method", -1);
  if (method != 0 && method != 1) return not_exportable(w, e, " (its rounding_method)");
  const char *op = method ? "stablehlo.round_nearest_even" : "stablehlo.round_nearest_afz";
  w->env[e->out[0]] = elementwise(w, op, in, 1, out_aval(w, e, 0));
  return true;
}

/* lax.py's _exp2_lower: exp(log(2) * x), log(2) broadcast (dims = []). */
static bool sw_exp2(sw *w, const ir_eqn *e, const uint32_t *in) {
  const tj_aval *a = val_aval(w, in[0]);
  uint32_t args[2];
  if (!full_like(w, e, log(2.0), a, &args[0])) return false;
  args[1] = in[0];
  uint32_t prod = elementwise(w, "stablehlo.multiply", args, 2, a);
  w->env[e->out[0]] = elementwise(w, "stablehlo.exponential", &prod, 1, a);
  return true;
}

/* lax.py's logistic_impl through mlir.lower_fun: the jaxpr `neg; exp;
 * add 1.0 _; div 1.0 _`, each literal 1.0 a constant broadcast to x's
 * shape by _nary_lower_hlo (lax's binary ops take a scalar operand). */
static bool sw_logistic(sw *w, const ir_eqn *e, const uint32_t *in) {
  const tj_aval *a = out_aval(w, e, 0);
  uint32_t neg = elementwise(w, "stablehlo.negate", in, 1, a), args[2];
  uint32_t ex = elementwise(w, "stablehlo.exponential", &neg, 1, a);
  if (!scalar_constant(w, e, a->dtype, 1.0, 1, &args[0])) return false;
  args[0] = broadcast_to(w, args[0], a), args[1] = ex;
  uint32_t den = elementwise(w, "stablehlo.add", args, 2, a);
  if (!scalar_constant(w, e, a->dtype, 1.0, 1, &args[0])) return false;
  args[0] = broadcast_to(w, args[0], a), args[1] = den;
  w->env[e->out[0]] = elementwise(w, "stablehlo.divide", args, 2, a);
  return true;
}

/* lax.py's _square_lower_hlo: x * x on integers, chlo.square on floats. */
static bool sw_square(sw *w, const ir_eqn *e, const uint32_t *in) {
  uint32_t args[2] = {in[0], in[0]};
  bool fl = dtype_is_float(val_aval(w, in[0])->dtype);
  w->env[e->out[0]] = elementwise(w, fl ? "chlo.square" : "stablehlo.multiply", args, fl ? 1 : 2, out_aval(w, e, 0));
  return true;
}

/* lax.py's _pow_lower: an exponent of another dtype converted first. */
static bool sw_pow(sw *w, const ir_eqn *e, const uint32_t *in) {
  const tj_aval *out = out_aval(w, e, 0);
  uint32_t args[2] = {in[0], in[1]};
  if (val_aval(w, in[1])->dtype != out->dtype && !convert(w, e, in[1], out->dtype, &args[1])) return false;
  for (int k = 0; k < 2; k++) args[k] = broadcast_to(w, args[k], out);
  w->env[e->out[0]] = elementwise(w, "stablehlo.power", args, 2, out);
  return true;
}

/* lax.py's _integer_pow_lowering: y = 1, 2, 3, -1 directly; another
 * y > 0 through lower_fun(_integer_pow), its square-and-multiply loop
 * (y < -1 divides full_like's jaxpr, not written). */
static bool sw_integer_pow(sw *w, const ir_eqn *e, const uint32_t *in) {
  int64_t y = ir_param_int(e, "y", 0);
  const tj_aval *a = out_aval(w, e, 0);
  uint32_t x = in[0], acc = SH_NONE, pair[2];
  if (y == -1) {
    if (!full_like(w, e, 1.0, a, &pair[0])) return false;
    pair[1] = x;
    w->env[e->out[0]] = elementwise(w, "stablehlo.divide", pair, 2, a);
    return true;
  }
  if (y < 1 || y > (1 << 20)) return not_exportable(w, e, " with this exponent (only y = -1 and y >= 1)");
  if (y == 3) {
    pair[0] = pair[1] = x;
    pair[0] = elementwise(w, "stablehlo.multiply", pair, 2, a);
    w->env[e->out[0]] = elementwise(w, "stablehlo.multiply", pair, 2, a);
    return true;
  }
  for (; y > 0; y >>= 1) {
    if (y & 1) {
      pair[0] = acc, pair[1] = x;
      acc = acc == SH_NONE ? x : elementwise(w, "stablehlo.multiply", pair, 2, a);
    }
    pair[0] = pair[1] = x;
    if (y > 1) x = elementwise(w, "stablehlo.multiply", pair, 2, a);
  }
  w->env[e->out[0]] = acc;
  return true;
}

/* mlir.py's add_jaxvals_lowering: hlo.add, no broadcast. */
static bool sw_add_any(sw *w, const ir_eqn *e, const uint32_t *in) {
  w->env[e->out[0]] = elementwise(w, "stablehlo.add", in, 2, out_aval(w, e, 0));
  return true;
}

/* lax.py's _convert_element_type_lower: mlir.convert_hlo. */
static bool sw_convert(sw *w, const ir_eqn *e, const uint32_t *in) {
  return convert(w, e, in[0], out_aval(w, e, 0)->dtype, &w->env[e->out[0]]);
}

/* lax.py's _select_hlo_lowering on a bool predicate: one case is itself,
 * two are `stablehlo.select %which, %case1, %case0 : P, T`. */
static bool sw_select_n(sw *w, const ir_eqn *e, const uint32_t *in) {
  const tj_aval *out = out_aval(w, e, 0);
  if (val_aval(w, in[0])->dtype != DT_BOOL) return not_exportable(w, e, " with an integer predicate");
  if (e->nin == 2) {
    w->env[e->out[0]] = in[1];
    return true;
  }
  if (e->nin != 3) return not_exportable(w, e, " of more than two cases");
  uint32_t ins[3] = {in[0], in[2], in[1]};
  tj_buf pretty = {0};
  buf_puts(&pretty, " $0, $1, $2 : ");
  if (same_type(val_aval(w, in[1]), out) && same_type(val_aval(w, in[2]), out)) {
    put_type(&pretty, val_aval(w, in[0]));
    buf_puts(&pretty, ", ");
    put_type(&pretty, out);
  } else put_functional(w, &pretty, ins, 3, out);
  w->env[e->out[0]] = op1(w, "stablehlo.select", ins, 3, out, &pretty, NULL);
  return true;
}

/* copy_p, stop_gradient: `lambda ctx, x: [x]` (lax.py, mlir.py). */
static bool sw_alias(sw *w, const ir_eqn *e, const uint32_t *in) {
  w->env[e->out[0]] = in[0];
  return true;
}

static bool sw_broadcast_in_dim(sw *w, const ir_eqn *e, const uint32_t *in) {
  int64_t dims[TJ_MAX_RANK];
  int n = ir_param_get(e, "broadcast_dimensions") ? ir_param_ints(e, "broadcast_dimensions", dims, TJ_MAX_RANK) : 0;
  if (n < 0) return not_exportable(w, e, " (its broadcast_dimensions)");
  w->env[e->out[0]] = broadcast_in_dim(w, in[0], out_aval(w, e, 0), dims, n);
  return true;
}

/* hlo.transpose: `stablehlo.transpose %x, dims = [...] : (T) -> R`. */
static uint32_t transpose(sw *w, uint32_t x, const int64_t *perm, int n) {
  tj_aval out = *val_aval(w, x);
  tj_buf pretty = {0}, attrs = {0};
  for (int i = 0; i < n; i++) out.dims[i] = val_aval(w, x)->dims[perm[i]];
  buf_puts(&pretty, " $0, dims = ");
  put_list(&pretty, perm, n);
  buf_puts(&pretty, " : ");
  put_functional(w, &pretty, &x, 1, &out);
  buf_puts(&attrs, "permutation = ");
  put_array_attr(&attrs, perm, n);
  return op1(w, "stablehlo.transpose", &x, 1, &out, &pretty, &attrs);
}

static bool sw_transpose(sw *w, const ir_eqn *e, const uint32_t *in) {
  int64_t perm[TJ_MAX_RANK];
  int n = ir_param_ints(e, "permutation", perm, TJ_MAX_RANK);
  if (n != val_aval(w, in[0])->rank) return not_exportable(w, e, " (its permutation)");
  w->env[e->out[0]] = transpose(w, in[0], perm, n);
  return true;
}

/* lax.py's _reshape_lower (a transpose first for dimensions) and
 * _squeeze_lower: mlir.reshape, `stablehlo.reshape %x : (T) -> R`. */
static bool sw_reshape(sw *w, const ir_eqn *e, const uint32_t *in) {
  uint32_t x = in[0];
  if (e->prim == P_reshape && !ir_param_is_none(e, "dimensions")) {
    int64_t perm[TJ_MAX_RANK];
    int n = ir_param_ints(e, "dimensions", perm, TJ_MAX_RANK);
    if (n != val_aval(w, x)->rank) return not_exportable(w, e, " (its dimensions)");
    x = transpose(w, x, perm, n);
  }
  tj_buf pretty = {0};
  buf_puts(&pretty, " $0 : ");
  put_functional(w, &pretty, &x, 1, out_aval(w, e, 0));
  w->env[e->out[0]] = op1(w, "stablehlo.reshape", &x, 1, out_aval(w, e, 0), &pretty, NULL);
  return true;
}

/* lax.py's _rev_lower: `stablehlo.reverse %x, dims = [...] : T`. */
static bool sw_rev(sw *w, const ir_eqn *e, const uint32_t *in) {
  int64_t dims[TJ_MAX_RANK];
  int n = ir_param_ints(e, "dimensions", dims, TJ_MAX_RANK);
  if (n < 0) return not_exportable(w, e, " (its dimensions)");
  tj_buf pretty = {0}, attrs = {0};
  buf_puts(&pretty, " $0, dims = ");
  put_list(&pretty, dims, n);
  buf_puts(&pretty, " : ");
  put_same_type(w, &pretty, in, 1, out_aval(w, e, 0));
  buf_puts(&attrs, "dimensions = ");
  put_array_attr(&attrs, dims, n);
  w->env[e->out[0]] = op1(w, "stablehlo.reverse", in, 1, out_aval(w, e, 0), &pretty, &attrs);
  return true;
}

/* hlo.concatenate: `stablehlo.concatenate %a, %b, dim = D : (A, B) -> R`
 * (printVariadicOperandWithAttribute: each operand followed by ','). */
static uint32_t concatenate(sw *w, const uint32_t *xs, uint32_t n, int64_t dim) {
  tj_aval out = *val_aval(w, xs[0]);
  tj_buf pretty = {0}, attrs = {0};
  out.dims[dim] = 0;
  for (uint32_t k = 0; k < n; k++) out.dims[dim] += val_aval(w, xs[k])->dims[dim], buf_printf(&pretty, " $%u,", k);
  buf_printf(&pretty, " dim = %" PRId64 " : ", dim);
  put_functional(w, &pretty, xs, n, &out);
  buf_printf(&attrs, "dimension = %" PRId64 " : i64", dim);
  return op1(w, "stablehlo.concatenate", xs, n, &out, &pretty, &attrs);
}

/* lax.py's _concatenate_lower, _concatenate_tree: concatenations of at
 * most 16 operands, level by level, until one is left. */
static bool sw_concatenate(sw *w, const ir_eqn *e, const uint32_t *in) {
  int64_t dim = ir_param_int(e, "dimension", -1);
  uint32_t cur[TJ_MAX_INPUTS], n = e->nin;
  if (dim < 0 || dim >= val_aval(w, in[0])->rank) return not_exportable(w, e, " (its dimension)");
  memcpy(cur, in, n * sizeof *cur);
  while (n > 1) {
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i += 16) cur[m++] = concatenate(w, cur + i, n - i < 16 ? n - i : 16, dim);
    n = m;
  }
  w->env[e->out[0]] = cur[0];
  return true;
}

/* lax.py's _iota_lower, mlir.iota: `stablehlo.iota dim = D : T`. */
static bool sw_iota(sw *w, const ir_eqn *e, const uint32_t *in) {
  (void)in;
  int64_t dim = ir_param_int(e, "dimension", -1);
  const tj_aval *out = out_aval(w, e, 0);
  if (dim < 0 || dim >= out->rank) return not_exportable(w, e, " (its dimension)");
  tj_buf pretty = {0}, attrs = {0};
  buf_printf(&pretty, " dim = %" PRId64 " : ", dim);
  put_type(&pretty, out);
  buf_printf(&attrs, "iota_dimension = %" PRId64 " : i64", dim);
  w->env[e->out[0]] = op1(w, "stablehlo.iota", NULL, 0, out, &pretty, &attrs);
  return true;
}

/* mlir.slice_op: `stablehlo.slice %x [a:b, c:d:s] : (T) -> R`
 * (AssemblyFormat.cpp's printSliceRanges: a stride of 1 left out). */
static bool sw_slice(sw *w, const ir_eqn *e, const uint32_t *in) {
  int64_t start[TJ_MAX_RANK], limit[TJ_MAX_RANK], stride[TJ_MAX_RANK];
  int r = val_aval(w, in[0])->rank;
  bool unit = ir_param_is_none(e, "strides");
  if (ir_param_ints(e, "start_indices", start, TJ_MAX_RANK) != r || ir_param_ints(e, "limit_indices", limit, TJ_MAX_RANK) != r ||
      (!unit && ir_param_ints(e, "strides", stride, TJ_MAX_RANK) != r))
    return not_exportable(w, e, " (its indices)");
  for (int i = 0; unit && i < r; i++) stride[i] = 1;
  tj_buf pretty = {0}, attrs = {0};
  buf_puts(&pretty, " $0 [");
  for (int i = 0; i < r; i++) {
    buf_printf(&pretty, "%s%" PRId64 ":%" PRId64, i ? ", " : "", start[i], limit[i]);
    if (stride[i] != 1) buf_printf(&pretty, ":%" PRId64, stride[i]);
  }
  buf_puts(&pretty, "] : ");
  put_functional(w, &pretty, in, 1, out_aval(w, e, 0));
  buf_puts(&attrs, "start_indices = ");
  put_array_attr(&attrs, start, r);
  buf_puts(&attrs, ", limit_indices = ");
  put_array_attr(&attrs, limit, r);
  buf_puts(&attrs, ", strides = ");
  put_array_attr(&attrs, stride, r);
  w->env[e->out[0]] = op1(w, "stablehlo.slice", in, 1, out_aval(w, e, 0), &pretty, &attrs);
  return true;
}

/* lax.py's _pad_lower, mlir.pad: `stablehlo.pad %x, %v, low = [..],
 * high = [..], interior = [..] : (T, V) -> R`. */
static bool sw_pad(sw *w, const ir_eqn *e, const uint32_t *in) {
  int64_t lo[TJ_MAX_RANK], hi[TJ_MAX_RANK], interior[TJ_MAX_RANK];
  const pval *p = ir_param_get(e, "padding_config");
  int r = val_aval(w, in[0])->rank;
  if (!p || p->nitems != r) return not_exportable(w, e, " (its padding_config)");
  for (int i = 0; i < r; i++) {
    int64_t t[3];
    if (ir_pval_ints(p->items[i], t, 3) != 3) return not_exportable(w, e, " (its padding_config)");
    lo[i] = t[0], hi[i] = t[1], interior[i] = t[2];
  }
  tj_buf pretty = {0}, attrs = {0};
  buf_puts(&pretty, " $0, $1, low = ");
  put_list(&pretty, lo, r);
  buf_puts(&pretty, ", high = ");
  put_list(&pretty, hi, r);
  buf_puts(&pretty, ", interior = ");
  put_list(&pretty, interior, r);
  buf_puts(&pretty, " : ");
  put_functional(w, &pretty, in, 2, out_aval(w, e, 0));
  buf_puts(&attrs, "edge_padding_low = ");
  put_array_attr(&attrs, lo, r);
  buf_puts(&attrs, ", edge_padding_high = ");
  put_array_attr(&attrs, hi, r);
  buf_puts(&attrs, ", interior_padding = ");
  put_array_attr(&attrs, interior, r);
  w->env[e->out[0]] = op1(w, "stablehlo.pad", in, 2, out_aval(w, e, 0), &pretty, &attrs);
  return true;
}

/* slicing.py's _dynamic_slice_lower, mlir.dynamic_slice:
 * `stablehlo.dynamic_slice %x, %i, %j, sizes = [..] : (T, I, I) -> R`. */
static bool sw_dynamic_slice(sw *w, const ir_eqn *e, const uint32_t *in) {
  const tj_aval *out = out_aval(w, e, 0);
  tj_buf pretty = {0}, attrs = {0};
  for (uint32_t k = 0; k < e->nin; k++) buf_printf(&pretty, " $%u,", k);
  buf_puts(&pretty, " sizes = ");
  put_list(&pretty, out->dims, out->rank);
  buf_puts(&pretty, " : ");
  put_functional(w, &pretty, in, e->nin, out);
  buf_puts(&attrs, "slice_sizes = ");
  put_array_attr(&attrs, out->dims, out->rank);
  w->env[e->out[0]] = op1(w, "stablehlo.dynamic_slice", in, e->nin, out, &pretty, &attrs);
  return true;
}

/* slicing.py's _dynamic_update_slice_lower: `stablehlo.dynamic_update_slice
 * %x, %u, %i : (T, U, I) -> R` (operands and a functional type). */
static bool sw_dynamic_update_slice(sw *w, const ir_eqn *e, const uint32_t *in) {
  tj_buf pretty = {0};
  for (uint32_t k = 0; k < e->nin; k++) buf_printf(&pretty, "%s$%u", k ? ", " : " ", k);
  buf_puts(&pretty, " : ");
  put_functional(w, &pretty, in, e->nin, out_aval(w, e, 0));
  w->env[e->out[0]] = op1(w, "stablehlo.dynamic_update_slice", in, e->nin, out_aval(w, e, 0), &pretty, NULL);
  return true;
}

/* The identity of a reduction (lax.py's _get_sum_identity,
 * _get_prod_identity, _get_max_identity, _get_min_identity,
 * _get_bitwise_or_identity, _get_bitwise_and_identity). */
static bool reduce_identity(sw *w, const ir_eqn *e, tj_dtype t, uint32_t *out) {
  bool fl = dtype_is_float(t), sgn = dtype_kindof(t) == DK_SIGNED;
  int bits = 8 * dtype_size(t);
  int64_t imax = t == DT_BOOL ? 1 : sgn ? (int64_t)(UINT64_MAX >> (65 - bits)) : bits == 64 ? -1 : (int64_t)((1ull << bits) - 1);
  int64_t imin = t == DT_BOOL || !sgn ? 0 : -imax - 1;
  switch (e->prim) {
  case P_reduce_sum: case P_reduce_or: return scalar_constant(w, e, t, 0.0, 0, out);
  case P_reduce_prod: return scalar_constant(w, e, t, 1.0, 1, out);
  case P_reduce_and: return scalar_constant(w, e, t, -1.0, -1, out);
  case P_reduce_max: return scalar_constant(w, e, t, fl ? -INFINITY : 0.0, imin, out);
  default: return scalar_constant(w, e, t, fl ? INFINITY : 0.0, imax, out);
  }
}

/* The region of reduce op op: `^bb0(%a: T, %b: T): %r = OP %a, %b : T;
 * stablehlo.return %r : T` on scalars of dtype t. */
static bool reduce_body(sw *w, uint32_t op, const char *combine, tj_dtype t) {
  tj_aval s = aval_scalar(t, false);
  uint32_t r = new_region(w), saved = w->cur, args[2];
  w->ops[op].region = r;
  w->regions[r].arg0 = w->nvals, w->regions[r].nargs = 2;
  args[0] = new_value(w, &s, NULL, true), args[1] = new_value(w, &s, NULL, true);
  w->cur = r;
  uint32_t res = elementwise(w, combine, args, 2, &s);
  tj_buf pretty = {0};
  buf_puts(&pretty, " $0 : ");
  put_type(&pretty, &s);
  add_op(w, "stablehlo.return", SK_PLAIN, &res, 1, NULL, 0, NULL, &pretty, NULL);
  w->cur = saved;
  return true;
}

/* lax.py's _unary_reduce_lower: the identity constant, then
 * stablehlo.reduce whose body applies one op to its two arguments
 * (printed `applies OP`: printReduceOp's compact form). */
static bool sw_reduce(sw *w, const ir_eqn *e, const uint32_t *in) {
  static const char *const ops[P_COUNT] = {[P_reduce_sum] = "stablehlo.add", [P_reduce_prod] = "stablehlo.multiply",
                                          [P_reduce_max] = "stablehlo.maximum", [P_reduce_min] = "stablehlo.minimum",
                                          [P_reduce_or] = "stablehlo.or", [P_reduce_and] = "stablehlo.and"};
  int64_t axes[TJ_MAX_RANK];
  const tj_aval *out = out_aval(w, e, 0);
  tj_dtype t = out->dtype;
  int nax = ir_param_ints(e, "axes", axes, TJ_MAX_RANK);
  uint32_t ins[2] = {in[0], 0};
  if (nax < 0) return not_exportable(w, e, " (its axes)");
  if (!reduce_identity(w, e, t, &ins[1])) return false;
  tj_buf pretty = {0}, attrs = {0};
  buf_printf(&pretty, " applies %s across dimensions = ", ops[e->prim]);
  put_list(&pretty, axes, nax);
  buf_puts(&pretty, " : ");
  put_functional(w, &pretty, ins, 2, out);
  buf_puts(&attrs, "dimensions = ");
  put_array_attr(&attrs, axes, nax);
  uint32_t op = add_op(w, "stablehlo.reduce", SK_REDUCE, ins, 2, out, 1, NULL, &pretty, &attrs);
  w->env[e->out[0]] = w->ops[op].res0;
  return reduce_body(w, op, ops[e->prim], t);
}

/* The precision pair of dot_general (lax.py's _full_precision: None is
 * (DEFAULT, DEFAULT)), from tjit's "(Precision.HIGH, Precision.HIGH)". */
static bool dot_precision(const ir_eqn *e, const char **pair) {
  static const char *const names[] = {"DEFAULT", "HIGHEST", "HIGH"};
  const char *p = ir_param_name(e, "precision");
  pair[0] = pair[1] = "DEFAULT";
  for (int k = 0; p && k < 2; k++) {
    const char *at = strstr(p, "Precision.");
    if (!at) return false;
    p = at + strlen("Precision.");
    pair[k] = NULL;
    for (int i = 0; i < 3 && !pair[k]; i++)
      if (!strncmp(p, names[i], strlen(names[i]))) pair[k] = names[i];
    if (!pair[k]) return false;
  }
  return true;
}

/* "[0] x [0]": printDotDimensionNumbers' pairs. */
static void put_dot_pair(tj_buf *b, const char *label, const int64_t *l, int nl, const int64_t *r, int nr) {
  buf_printf(b, "%s = ", label);
  put_list(b, l, nl);
  buf_puts(b, " x ");
  put_list(b, r, nr);
}

/* #stablehlo.dot<...>: DotDimensionNumbersAttr::print, empty fields left out. */
static void put_dot_attr(tj_buf *b, const ir_dot_dims *dd) {
  const char *sep = "";
  const int64_t *v[4] = {dd->lb, dd->rb, dd->lc, dd->rc};
  const int n[4] = {dd->nlb, dd->nrb, dd->nlc, dd->nrc};
  static const char *const names[4] = {"lhs_batching_dimensions", "rhs_batching_dimensions", "lhs_contracting_dimensions",
                                       "rhs_contracting_dimensions"};
  buf_puts(b, "dot_dimension_numbers = #stablehlo.dot<");
  for (int k = 0; k < 4; k++) {
    if (!n[k]) continue;
    buf_printf(b, "%s%s = ", sep, names[k]);
    put_list(b, v[k], n[k]);
    sep = ", ";
  }
  buf_putc(b, '>');
}

/* lax.py's _dot_general_lower: operands of two dtypes converted to the
 * output's first (_handle_dot_precision on cpu), then `stablehlo.dot_general
 * %a, %b, batching_dims = [..] x [..], contracting_dims = [..] x [..],
 * precision = [P, P] : (L, R) -> O`. */
static bool sw_dot_general(sw *w, const ir_eqn *e, const uint32_t *in) {
  ir_dot_dims dd;
  const char *prec[2];
  const tj_aval *out = out_aval(w, e, 0);
  uint32_t ins[2] = {in[0], in[1]};
  if (!ir_dot_dims_read(e, &dd) || !dot_precision(e, prec)) return not_exportable(w, e, " (its dimension numbers or precision)");
  if (val_aval(w, in[0])->dtype != val_aval(w, in[1])->dtype)
    for (int k = 0; k < 2; k++)
      if (!convert(w, e, in[k], out->dtype, &ins[k])) return false;
  tj_buf pretty = {0}, attrs = {0};
  buf_puts(&pretty, " $0, $1, ");
  if (dd.nlb || dd.nrb) put_dot_pair(&pretty, "batching_dims", dd.lb, dd.nlb, dd.rb, dd.nrb), buf_puts(&pretty, ", ");
  put_dot_pair(&pretty, "contracting_dims", dd.lc, dd.nlc, dd.rc, dd.nrc);
  buf_printf(&pretty, ", precision = [%s, %s] : ", prec[0], prec[1]);
  put_functional(w, &pretty, ins, 2, out);
  put_dot_attr(&attrs, &dd);
  buf_printf(&attrs, ", precision_config = [#stablehlo<precision %s>, #stablehlo<precision %s>]", prec[0], prec[1]);
  w->env[e->out[0]] = op1(w, "stablehlo.dot_general", ins, 2, out, &pretty, &attrs);
  return true;
}

static bool lower_jaxpr(sw *w, const ir_jaxpr *j, const uint32_t *args, uint32_t *outs);
static void add_return(sw *w, const uint32_t *outs, uint32_t n);
static void stablehlo_return(sw *w, const uint32_t *vals, uint32_t n);

/* custom_derivatives.py's _custom_jvp_vjp_call_lowering: the call_jaxpr's
 * constants and equations inline (jaxpr_subcomp), the rules dropped. */
static bool sw_inline(sw *w, const ir_eqn *e, const uint32_t *in) {
  const ir_jaxpr *j = ir_param_jaxpr(e, "call_jaxpr");
  uint32_t outs[TJ_MAX_INPUTS];
  if (!j || j->nin != e->nin || j->nout != e->nout || j->nout > TJ_MAX_INPUTS) return not_exportable(w, e, " (its call_jaxpr)");
  if (!lower_jaxpr(w, j, in, outs)) return false;
  for (uint32_t k = 0; k < e->nout; k++) w->env[e->out[k]] = outs[k];
  return true;
}

/* "(T0, T1)" or "T" (one result), as func.func and func.call print them. */
static void put_result_types(sw *w, tj_buf *b, const tj_aval *outs, uint32_t n) {
  (void)w;
  if (n != 1) buf_putc(b, '(');
  for (uint32_t k = 0; k < n; k++) {
    if (k) buf_puts(b, ", ");
    put_type(b, &outs[k]);
  }
  if (n != 1) buf_putc(b, ')');
}

/* A jaxpr as func.func NAME (pjit.py's _pjit_lower_jaxpr_to_fun,
 * mlir.py's lower_jaxpr_to_fun), its body lowered into a region of its
 * own; the function's index. A name taken is uniqued with _N
 * (mlir::SymbolTable::insert, one counter per module). */
static bool lower_func(sw *w, const char *name, const ir_jaxpr *j, uint32_t *index) {
  uint32_t args[TJ_MAX_INPUTS], f = w->nfuncs, saved = w->cur;
  if (f == SH_MAX_FUNCS || j->nin > TJ_MAX_INPUTS || j->nout > TJ_MAX_INPUTS) return not_exportable(w, NULL, "so many functions or inputs");
  sh_func *fn = &w->funcs[w->nfuncs++];
  snprintf(fn->name, SH_NAME_LEN, "%s", name);
  fn->asked = name;
  for (bool taken = true; taken;) {
    taken = false;
    for (uint32_t k = 0; k < f && !taken; k++) taken = !strcmp(w->funcs[k].name, fn->name);
    if (taken) snprintf(fn->name, SH_NAME_LEN, "%s_%u", name, w->symbol_counter++);
  }
  fn->j = j, fn->region = new_region(w), fn->nout = j->nout;
  fn->outs = calloc(j->nout ? j->nout : 1, sizeof *fn->outs);
  if (!fn->outs) TJ_OOM();
  w->regions[fn->region].arg0 = w->nvals, w->regions[fn->region].nargs = j->nin;
  for (uint32_t k = 0; k < j->nin; k++) args[k] = new_value(w, &w->m->vars[j->invars[k]], NULL, true);
  w->cur = fn->region;
  bool ok = lower_jaxpr(w, j, args, w->funcs[f].outs);
  if (ok) add_return(w, w->funcs[f].outs, j->nout);
  w->cur = saved;
  *index = f;
  return ok;
}

/* pjit.py's _pjit_lowering: `%0 = call @NAME(...) : (T) -> R` to the
 * private function of the jit's (name, jaxpr), lowered once. */
static bool sw_jit(sw *w, const ir_eqn *e, const uint32_t *in) {
  const ir_jaxpr *j = ir_param_jaxpr(e, "jaxpr");
  const char *name = ir_param_name(e, "name");
  uint32_t f = SH_NONE;
  tj_aval outs[TJ_MAX_INPUTS];
  if (!j || !name || j->nin != e->nin || j->nout != e->nout || e->nout > TJ_MAX_INPUTS) return not_exportable(w, e, " (its jaxpr)");
  for (uint32_t k = 1; k < w->nfuncs && f == SH_NONE; k++)
    if (w->funcs[k].j == j && !strcmp(w->funcs[k].asked, name)) f = k;
  if (f == SH_NONE && !lower_func(w, name, j, &f)) return false;
  tj_buf pretty = {0};
  buf_printf(&pretty, " @%s(", w->funcs[f].name);
  for (uint32_t k = 0; k < e->nin; k++) buf_printf(&pretty, "%s$%u", k ? ", " : "", k);
  buf_puts(&pretty, ") : (");
  for (uint32_t k = 0; k < e->nin; k++) {
    if (k) buf_puts(&pretty, ", ");
    put_type(&pretty, val_aval(w, in[k]));
  }
  buf_puts(&pretty, ") -> ");
  for (uint32_t k = 0; k < e->nout; k++) outs[k] = *out_aval(w, e, k);
  put_result_types(w, &pretty, outs, e->nout);
  uint32_t op = add_op(w, "call", SK_FUNC, in, e->nin, outs, e->nout, NULL, &pretty, NULL);
  for (uint32_t k = 0; k < e->nout; k++) w->env[e->out[k]] = w->ops[op].res0 + k;
  return true;
}

/* `stablehlo.return %a, %b : T0, T1` ending a region (ReturnOp's format). */
static void stablehlo_return(sw *w, const uint32_t *vals, uint32_t n) {
  tj_buf pretty = {0};
  for (uint32_t k = 0; k < n; k++) buf_printf(&pretty, "%s$%u", k ? ", " : " ", k);
  if (n) buf_puts(&pretty, " : ");
  for (uint32_t k = 0; k < n; k++) {
    if (k) buf_puts(&pretty, ", ");
    put_type(&pretty, val_aval(w, vals[k]));
  }
  add_op(w, "stablehlo.return", SK_PLAIN, vals, n, NULL, 0, NULL, &pretty, NULL);
}

/* One branch of a case: a region of op's (after prev), the jaxpr lowered
 * in it on the enclosing values args (implicit captures), returned. */
static bool case_branch(sw *w, const ir_eqn *e, uint32_t op, uint32_t *prev, const ir_jaxpr *j, const uint32_t *args) {
  uint32_t r = new_region(w), saved = w->cur, res[TJ_MAX_INPUTS];
  if (*prev == SH_NONE) w->ops[op].region = r;
  else w->regions[*prev].next = r;
  *prev = r;
  if (!j || j->nin != e->nin - 1 || j->nout != e->nout) return not_exportable(w, e, " (its branches)");
  w->cur = r;
  bool ok = lower_jaxpr(w, j, args, res);
  if (ok) stablehlo_return(w, res, j->nout);
  w->cur = saved;
  return ok;
}

/* conditionals.py's _cond_lowering: hlo.CaseOp on the i32 index, made
 * first, each branch's constants and equations in a region of its own
 * ended by stablehlo.return; printed generic (CaseOp has no assembly
 * format), `%0 = "stablehlo.case"(%i) ({ ... }, { ... }) : (tensor<i32>) -> T`. */
static bool sw_cond(sw *w, const ir_eqn *e, const uint32_t *in) {
  const pval *branches = ir_param_get(e, "branches");
  int nb = branches ? ir_pval_njaxprs(branches) : 0;
  tj_aval outs[TJ_MAX_INPUTS];
  uint32_t prev = SH_NONE;
  if (nb < 1 || val_aval(w, in[0])->dtype != DT_I32) return not_exportable(w, e, " (its index or branches)");
  for (uint32_t k = 0; k < e->nout; k++) outs[k] = *out_aval(w, e, k);
  uint32_t op = add_op(w, "stablehlo.case", SK_GENERIC, in, 1, outs, e->nout, NULL, NULL, NULL);
  for (int b = 0; b < nb; b++)
    if (!case_branch(w, e, op, &prev, ir_pval_jaxpr(branches, b), in + 1)) return false;
  for (uint32_t k = 0; k < e->nout; k++) w->env[e->out[k]] = w->ops[op].res0 + k;
  return true;
}

/* A region of n block arguments of the avals of vals, named %iterArg
 * (WhileOp's getAsmBlockArgumentNames), chained after *prev. */
static uint32_t while_region(sw *w, uint32_t op, uint32_t *prev, const uint32_t *vals, uint32_t n) {
  uint32_t r = new_region(w);
  if (*prev == SH_NONE) w->ops[op].region = r;
  else w->regions[*prev].next = r;
  *prev = r;
  w->regions[r].arg0 = w->nvals, w->regions[r].nargs = n;
  for (uint32_t k = 0; k < n; k++) new_value(w, val_aval(w, vals[k]), "iterArg", true);
  return r;
}

/* Lowers j in region r on the region's arguments [a, a + na) and
 * [b, b + nb) (jaxpr_subcomp's *(x + z)), its outputs into outs. */
static bool lower_in_region(sw *w, uint32_t r, const ir_jaxpr *j, uint32_t a, uint32_t na, uint32_t b, uint32_t nb,
                            uint32_t *outs) {
  uint32_t args[TJ_MAX_INPUTS], saved = w->cur, arg0 = w->regions[r].arg0;
  for (uint32_t k = 0; k < na; k++) args[k] = arg0 + a + k;
  for (uint32_t k = 0; k < nb; k++) args[na + k] = arg0 + b + k;
  w->cur = r;
  bool ok = lower_jaxpr(w, j, args, outs);
  w->cur = saved;
  return ok;
}

/* loops.py's _while_lowering (an unbatched predicate): hlo.WhileOp
 * carrying every operand (cond consts, body consts, carry); the cond
 * region returns the cond_jaxpr's predicate on (cond consts, carry), the
 * body region (body consts, carry) -> (cond consts, body consts, new
 * carry). Printed by printWhileOp: `stablehlo.while(%iterArg = %a, ...) :
 * T, ...` then ` cond {...} do {...}`. */
static bool sw_while(sw *w, const ir_eqn *e, const uint32_t *in) {
  const ir_jaxpr *cj = ir_param_jaxpr(e, "cond_jaxpr"), *bj = ir_param_jaxpr(e, "body_jaxpr");
  int64_t cn = ir_param_int(e, "cond_nconsts", -1), bn = ir_param_int(e, "body_nconsts", -1);
  uint32_t n = e->nin, carry = (uint32_t)(n - cn - bn), prev = SH_NONE, res[TJ_MAX_INPUTS];
  tj_aval avals[TJ_MAX_INPUTS];
  if (!cj || !bj || cn < 0 || bn < 0 || cn + bn > n || cj->nin != cn + carry || bj->nin != bn + carry || bj->nout != carry ||
      cj->nout != 1 || e->nout != carry || ir_atom_aval(w->m, cj->outs[0]).rank != 0)
    return not_exportable(w, e, " (a batched predicate, or its jaxprs)");
  for (uint32_t k = 0; k < n; k++) avals[k] = *val_aval(w, in[k]);
  uint32_t op = add_op(w, "stablehlo.while", SK_WHILE, in, n, avals, n, NULL, NULL, NULL);
  uint32_t rc = while_region(w, op, &prev, in, n), rb = while_region(w, op, &prev, in, n);
  if (!lower_in_region(w, rc, cj, 0, (uint32_t)cn, (uint32_t)(cn + bn), carry, res)) return false;
  uint32_t saved = w->cur;
  w->cur = rc, stablehlo_return(w, res, 1), w->cur = saved;
  for (uint32_t k = 0; k < (uint32_t)(cn + bn); k++) res[k] = w->regions[rb].arg0 + k;
  if (!lower_in_region(w, rb, bj, (uint32_t)cn, (uint32_t)bn, (uint32_t)(cn + bn), carry, res + cn + bn)) return false;
  w->cur = rb, stablehlo_return(w, res, n), w->cur = saved;
  for (uint32_t k = 0; k < carry; k++) w->env[e->out[k]] = w->ops[op].res0 + (uint32_t)(cn + bn) + k;
  return true;
}

/* ---- jaxprs ---- */

static bool dtypes_ok(sw *w, const ir_eqn *e) {
  for (uint32_t k = 0; k < e->nin + e->nout; k++) {
    tj_dtype t = k < e->nin ? ir_atom_aval(w->m, e->in[k]).dtype : w->m->vars[e->out[k - e->nin]].dtype;
    if (!elem_type(t)) {
      return diag_error(w->d, w->m->src, e->span, "not exportable: %s (the dtype of an operand or result of %s)",
                        dtype_short(t), prims[e->prim].name);
    }
  }
  return true;
}

/* One equation: its operands read (literals become constants first, as
 * jaxpr_subcomp's read), then its row. */
static bool write_eqn(sw *w, const ir_eqn *e) {
  const sh_row *r = &sh_rows[e->prim];
  uint32_t in[TJ_MAX_INPUTS];
  if (!r->op && !r->rule) return not_exportable(w, e, "");
  if (e->nin > TJ_MAX_INPUTS || e->nout > TJ_MAX_INPUTS) return not_exportable(w, e, " (so many operands)");
  if (!dtypes_ok(w, e)) return false;
  for (uint32_t k = 0; k < e->nin; k++)
    if (!read_atom(w, e, e->in[k], &in[k])) return false;
  if (r->rule) return r->rule(w, e, in);
  return r->compare ? write_compare(w, e, in) : write_nary(w, e, in);
}

/* jaxpr_subcomp: the constvars' constants, the equations, the outputs. */
static bool lower_jaxpr(sw *w, const ir_jaxpr *j, const uint32_t *args, uint32_t *outs) {
  for (uint32_t k = 0; k < j->nconst; k++) {
    uint32_t v = j->constvars[k];
    const void *data = ir_const_data(w->m, v);
    if (!data || !elem_type(w->m->vars[v].dtype) || dtype_is_half(w->m->vars[v].dtype))
      return not_exportable(w, NULL, "a constant without a value or of dtype f16/bf16");
    w->env[v] = constant(w, &w->m->vars[v], data);
  }
  for (uint32_t k = 0; k < j->nin; k++) w->env[j->invars[k]] = args[k];
  for (uint32_t i = 0; i < j->neqns; i++)
    if (!write_eqn(w, &j->eqns[i])) return false;
  for (uint32_t k = 0; k < j->nout; k++)
    if (!read_atom(w, NULL, j->outs[k], &outs[k])) return false;
  return true;
}

/* `return %a, %b : T0, T1` ending a function's region (func.return). */
static void add_return(sw *w, const uint32_t *outs, uint32_t n) {
  tj_buf pretty = {0};
  for (uint32_t k = 0; k < n; k++) buf_printf(&pretty, "%s$%u", k ? ", " : " ", k);
  if (n) buf_puts(&pretty, " : ");
  for (uint32_t k = 0; k < n; k++) {
    if (k) buf_puts(&pretty, ", ");
    put_type(&pretty, val_aval(w, outs[k]));
  }
  add_op(w, "return", SK_FUNC, outs, n, NULL, 0, NULL, &pretty, NULL);
}

/* ---- names (MLIR's SSANameState) ---- */

typedef struct sh_names {
  const char **v;          /* the names in scope: this region's and its parents' */
  uint32_t n, cap;
} sh_names;

typedef struct sh_counters {
  unsigned value, arg, conflict;
} sh_counters;

static bool name_taken(const sh_names *u, const char *s) {
  for (uint32_t k = 0; k < u->n; k++)
    if (!strcmp(u->v[k], s)) return true;
  return false;
}

/* uniqueValueName: the hint, else hint_N with the next conflict number. */
static void name_hinted(sh_value *v, sh_counters *c, sh_names *u) {
  snprintf(v->name, SH_NAME_LEN, "%s", v->hint);
  while (name_taken(u, v->name)) snprintf(v->name, SH_NAME_LEN, "%s_%u", v->hint, c->conflict++);
  u->v = grow(u->v, u->n, &u->cap, sizeof *u->v);
  u->v[u->n++] = v->name;
}

/* A region's arguments and results named in order, then each nested
 * region from the counters reached at the end of this one (the naming
 * context MLIR pushes for the regions of a region's ops). */
static void name_region(sw *w, uint32_t r, sh_counters c, sh_names *u) {
  const sh_region *rg = &w->regions[r];
  uint32_t mark = u->n;
  for (uint32_t k = 0; k < rg->nargs; k++) {
    sh_value *v = &w->vals[rg->arg0 + k];
    if (v->hint) name_hinted(v, &c, u);
    else snprintf(v->name, SH_NAME_LEN, "arg%u", c.arg++);
  }
  for (uint32_t i = 0; i < rg->nops; i++) {
    const sh_op *op = &w->ops[rg->ops[i]];
    if (!op->nres) continue;
    sh_value *v = &w->vals[op->res0];
    if (v->hint) name_hinted(v, &c, u);
    else snprintf(v->name, SH_NAME_LEN, "%u", c.value++);
    for (uint32_t k = 1; k < op->nres; k++) memcpy(w->vals[op->res0 + k].name, v->name, SH_NAME_LEN);
  }
  for (uint32_t i = 0; i < rg->nops; i++)
    for (uint32_t n = w->ops[rg->ops[i]].region; n != SH_NONE; n = w->regions[n].next) name_region(w, n, c, u);
  u->n = mark;
}

/* ---- printing ---- */

static void put_use(sw *w, tj_buf *b, uint32_t v) {
  const sh_value *x = &w->vals[v];
  buf_printf(b, "%%%s", x->name);
  if (x->nres > 1) buf_printf(b, "#%u", x->index);
}

/* The pretty text with each $K replaced by operand K's name. */
static void put_pretty(sw *w, tj_buf *b, const sh_op *op) {
  for (const char *p = op->pretty ? op->pretty : ""; *p; p++) {
    if (*p != '$' || !isdigit((unsigned char)p[1])) {
      buf_putc(b, *p);
      continue;
    }
    unsigned k = (unsigned)strtoul(p + 1, (char **)&p, 10);
    p--;
    put_use(w, b, w->operands[op->in0 + k]);
  }
}

static void put_indent(tj_buf *b, int depth) {
  for (int i = 0; i < depth; i++) buf_puts(b, "  ");
}

static void print_region_ops(sw *w, tj_buf *b, uint32_t r, int depth, bool generic);

/* `"name"(%a, %b) ({...}) {attrs} : (T0, T1) -> R` (the generic form). */
static void print_generic(sw *w, tj_buf *b, const sh_op *op, int depth, bool generic) {
  buf_printf(b, "\"%s\"(", op->name);
  for (uint32_t k = 0; k < op->nin; k++) {
    if (k) buf_puts(b, ", ");
    put_use(w, b, w->operands[op->in0 + k]);
  }
  buf_putc(b, ')');
  for (uint32_t r = op->region; r != SH_NONE; r = w->regions[r].next) {
    const sh_region *rg = &w->regions[r];
    buf_puts(b, r == op->region ? " ({\n" : ", {\n");
    if (rg->nargs) { /* an entry block without arguments has no label */
      put_indent(b, depth);
      buf_puts(b, "^bb0(");
      for (uint32_t k = 0; k < rg->nargs; k++) {
        if (k) buf_puts(b, ", ");
        put_use(w, b, rg->arg0 + k);
        buf_puts(b, ": ");
        put_type(b, val_aval(w, rg->arg0 + k));
      }
      buf_puts(b, "):\n");
    }
    print_region_ops(w, b, r, depth + 1, generic);
    put_indent(b, depth);
    buf_putc(b, '}');
    if (w->regions[r].next == SH_NONE) buf_putc(b, ')');
  }
  if (op->attrs) buf_printf(b, " {%s}", op->attrs);
  buf_puts(b, " : (");
  for (uint32_t k = 0; k < op->nin; k++) {
    if (k) buf_puts(b, ", ");
    put_type(b, val_aval(w, w->operands[op->in0 + k]));
  }
  buf_puts(b, ") -> ");
  if (!op->nres) buf_puts(b, "()");
  for (uint32_t k = 0; k < op->nres; k++) buf_puts(b, k ? ", " : op->nres > 1 ? "(" : ""), put_type(b, val_aval(w, op->res0 + k));
  if (op->nres > 1) buf_putc(b, ')');
}

/* printReduceOp: `(%x init: %i)` before the rest of the pretty text. */
static void print_reduce_operands(sw *w, tj_buf *b, const sh_op *op) {
  uint32_t pairs = op->nin / 2;
  for (uint32_t k = 0; k < pairs; k++) {
    buf_puts(b, k ? ", (" : "(");
    put_use(w, b, w->operands[op->in0 + k]);
    buf_puts(b, " init: ");
    put_use(w, b, w->operands[op->in0 + pairs + k]);
    buf_putc(b, ')');
  }
}

/* printWhileOp: the body's arguments = the operands, their types, then
 * the two regions without their block labels. */
static void print_while(sw *w, tj_buf *b, const sh_op *op, int depth) {
  const sh_region *body = &w->regions[w->regions[op->region].next];
  buf_putc(b, '(');
  for (uint32_t k = 0; k < op->nin; k++) {
    if (k) buf_puts(b, ", ");
    put_use(w, b, body->arg0 + k);
    buf_puts(b, " = ");
    put_use(w, b, w->operands[op->in0 + k]);
  }
  buf_putc(b, ')');
  for (uint32_t k = 0; k < op->nin; k++) buf_puts(b, k ? ", " : " : "), put_type(b, val_aval(w, w->operands[op->in0 + k]));
  buf_putc(b, '\n');
  put_indent(b, depth);
  for (uint32_t r = op->region; r != SH_NONE; r = w->regions[r].next) {
    buf_puts(b, r == op->region ? " cond {\n" : " do {\n");
    print_region_ops(w, b, r, depth + 1, false);
    put_indent(b, depth);
    buf_putc(b, '}');
  }
}

static void print_op(sw *w, tj_buf *b, const sh_op *op, int depth, bool generic) {
  put_indent(b, depth);
  if (op->nres) {
    put_use(w, b, op->res0);
    if (op->nres > 1) b->len -= 2, buf_printf(b, ":%u", op->nres); /* %0#0 -> %0:2 */
    buf_puts(b, " = ");
  }
  if ((generic && op->kind != SK_FUNC) || op->kind == SK_GENERIC) print_generic(w, b, op, depth, generic);
  else {
    buf_puts(b, op->name);
    if (op->kind == SK_REDUCE) print_reduce_operands(w, b, op);
    if (op->kind == SK_WHILE) print_while(w, b, op, depth);
    put_pretty(w, b, op);
  }
  buf_putc(b, '\n');
}

static void print_region_ops(sw *w, tj_buf *b, uint32_t r, int depth, bool generic) {
  const sh_region *rg = &w->regions[r];
  for (uint32_t i = 0; i < rg->nops; i++) print_op(w, b, &w->ops[rg->ops[i]], depth, generic);
}

/* The path of each leaf of a result tree's text (trace_tree.h's
 * tree_def_text: "*", "None", "(*, *)", "[*]", "{'a': *}"), as
 * "result" and JAX's keystr ("result[0]", "result['a']"), for
 * jax.result_info (the debug info's result_paths). NULL: a node it cannot
 * read (the paths are then left out). */
typedef struct leaf_paths {
  char **v;
  uint32_t n, max;
} leaf_paths;

static const char *tree_item(const char *p, char *path, size_t len, leaf_paths *out) {
  size_t n = strlen(path);
  if (*p == '*') {
    if (out->n == out->max) return NULL;
    if (!(out->v[out->n++] = strdup(path))) TJ_OOM();
    return p + 1;
  }
  if (!strncmp(p, "None", 4)) return p + 4;
  if (*p != '(' && *p != '[' && *p != '{') return NULL;
  char close = *p == '(' ? ')' : *p == '[' ? ']' : '}';
  bool dict = *p == '{';
  p++;
  for (int i = 0; p && *p != close; i++) {
    if (i && strncmp(p, ", ", 2)) return NULL;
    if (i) p += 2;
    if (dict) {
      const char *end = *p == '\'' ? strchr(p + 1, '\'') : NULL;
      if (!end || strncmp(end + 1, ": ", 2)) return NULL;
      snprintf(path + n, len - n, "[%.*s]", (int)(end - p + 1), p);
      p = end + 3;
    } else snprintf(path + n, len - n, "[%d]", i);
    p = tree_item(p, path, len, out);
    path[n] = 0;
    if (p && *p == ',' && p[1] == ')' ) p++; /* a one-tuple's "(*,)" */
  }
  return p ? p + 1 : NULL;
}

/* Each output's result_info, or false (then none is written). */
static bool result_paths(const char *tree, leaf_paths *out) {
  char path[512] = "result";
  const char *end = tree_item(tree ? tree : "*", path, sizeof path, out);
  return end && !*end && out->n == out->max;
}

/* `func.func public @main(%arg0: T) -> (R {jax.result_info = "result"}) {`
 * (main: the paths when readable), `func.func private @g(...) -> R {`. */
static void print_func_head(sw *w, tj_buf *b, const sh_func *f, bool main, const leaf_paths *paths) {
  const sh_region *rg = &w->regions[f->region];
  buf_printf(b, "  func.func %s @%s(", main ? "public" : "private", f->name);
  for (uint32_t k = 0; k < rg->nargs; k++) {
    buf_printf(b, "%s%%%s: ", k ? ", " : "", w->vals[rg->arg0 + k].name);
    put_type(b, val_aval(w, rg->arg0 + k));
  }
  buf_putc(b, ')');
  if (f->nout) buf_puts(b, " -> ");
  if (f->nout && main && paths) {
    buf_putc(b, '(');
    for (uint32_t k = 0; k < f->nout; k++) {
      if (k) buf_puts(b, ", ");
      put_type(b, val_aval(w, f->outs[k]));
      buf_printf(b, " {jax.result_info = \"%s\"}", paths->v[k]);
    }
    buf_putc(b, ')');
  } else if (f->nout) {
    tj_aval outs[TJ_MAX_INPUTS];
    for (uint32_t k = 0; k < f->nout; k++) outs[k] = *val_aval(w, f->outs[k]);
    put_result_types(w, b, outs, f->nout);
  }
  buf_puts(b, " {\n");
}

/* mlir.py's lower_jaxpr_to_module: sym_name sanitize_name("jit_" NAME)
 * with trailing '_' stripped. */
static void print_module_head(tj_buf *b, const char *fn_name) {
  char name[SH_NAME_LEN * 2];
  snprintf(name, sizeof name, "jit_%s", fn_name ? fn_name : "");
  for (char *p = name; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-') *p = '_';
  for (size_t n = strlen(name); n && name[n - 1] == '_'; n--) name[n - 1] = 0;
  buf_printf(b, "module @%s attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {\n", name);
}

static void print_module(sw *w, tj_buf *b, const char *fn_name, const char *out_tree, bool generic) {
  leaf_paths paths = {.v = calloc(w->funcs[0].nout + 1, sizeof(char *)), .max = w->funcs[0].nout};
  if (!paths.v) TJ_OOM();
  bool readable = result_paths(out_tree, &paths);
  print_module_head(b, fn_name);
  for (uint32_t f = 0; f < w->nfuncs; f++) {
    sh_names used = {0};
    name_region(w, w->funcs[f].region, (sh_counters){0, 0, 0}, &used);
    free(used.v);
    print_func_head(w, b, &w->funcs[f], f == 0, readable ? &paths : NULL);
    print_region_ops(w, b, w->funcs[f].region, 2, generic);
    buf_puts(b, "  }\n");
  }
  buf_puts(b, "}\n");
  for (uint32_t k = 0; k < paths.n; k++) free(paths.v[k]);
  free(paths.v);
}

static void sw_free(sw *w) {
  for (uint32_t i = 0; i < w->nops; i++) free(w->ops[i].pretty), free(w->ops[i].attrs);
  for (uint32_t i = 0; i < w->nregions; i++) free(w->regions[i].ops);
  for (uint32_t i = 0; i < w->nfuncs; i++) free(w->funcs[i].outs);
  free(w->ops), free(w->regions), free(w->vals), free(w->operands), free(w->env);
}

bool export_mlir_stablehlo(diag_list *d, const ir_module *m, const char *fn_name, const char *out_tree, bool generic,
                           tj_buf *out) {
  sw w = {.d = d, .m = m, .env = calloc(m->nvars ? m->nvars : 1, sizeof(uint32_t))};
  uint32_t main_fn;
  if (!w.env) TJ_OOM();
  for (uint32_t k = 0; k < m->top->nin + m->top->nout; k++) {
    tj_dtype t = k < m->top->nin ? m->vars[m->top->invars[k]].dtype : ir_atom_aval(m, m->top->outs[k - m->top->nin]).dtype;
    if (!elem_type(t)) {
      char why[64];
      snprintf(why, sizeof why, "%s (the dtype of %s %u)", dtype_short(t), k < m->top->nin ? "input" : "output",
               k < m->top->nin ? k : k - m->top->nin);
      not_exportable(&w, NULL, why);
      sw_free(&w);
      return false;
    }
  }
  bool ok = lower_func(&w, "main", m->top, &main_fn);
  if (ok) print_module(&w, out, fn_name, out_tree, generic);
  sw_free(&w);
  return ok;
}
