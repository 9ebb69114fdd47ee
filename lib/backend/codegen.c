/* The C backend's frame: the prelude, variables and their buffers,
 * liveness (a buffer is freed after its last use), and the loop nests of
 * the elementwise chains the fuse pass grouped (dead code is gone already:
 * the dce pass, pass.c). The rules that emit each primitive
 * live in cg_elem.c, cg_array.c and cg_control.c (named in prims.def). */
#include "codegen.h"
#include "half_bits.h"
#include "kernels.h"
#include "alloc.h"
#include "lane_fold.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *name, *proto; } cg_fns[] = {
#define FN(name, proto) {#name, proto},
#include "cg_fns.def"
#undef FN
};

#define NEVER UINT32_MAX   /* the last use of a jaxpr output */

/* A PRNG key's element is its two uint32 words, moved as one 8-byte
 * integer (dtype.h's DT_KEY). */
const char *cg_type(tj_dtype t) { return t == DT_KEY ? "tjkey" : dtype_short(t); }

/* The frame estimate of a line: libtcc gives each local its own slot, and
 * a line declares at most two 8-byte locals or spills as much; arrays are
 * counted apart (cg_frame). */
#define LINE_FRAME 16

void cg_line(cg *g, const char *fmt, ...) {
  if (g->failed) return; /* the text is dropped: stop growing it (a limit) */
  size_t before = g->out->len;
  for (int i = 0; i < g->indent; i++) buf_puts(g->out, "  ");
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(g->out, fmt, ap);
  va_end(ap);
  buf_putc(g->out, '\n');
  g->bytes += g->out->len - before;
  g->frame += LINE_FRAME;
  if (g->bytes > (uint64_t)TJ_MAX_C_BYTES)
    cg_over_limit(g, "the generated C is larger than the limit of %lld bytes (%lld MiB)", (long long)TJ_MAX_C_BYTES,
                  (long long)TJ_MAX_C_BYTES >> 20);
}

void cg_frame(cg *g, uint64_t bytes) { g->frame += bytes; }

static void fail_with(cg *g, bool limit, const char *fmt, va_list ap) {
  if (g->failed) return;
  g->failed = true;
  g->over_limit = limit;
  diag_verror_at(g->at, limit ? DIAG_KIND_BUDGET : DIAG_KIND_INTERNAL, fmt, ap);
}

bool cg_fail(cg *g, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fail_with(g, false, fmt, ap);
  va_end(ap);
  return false;
}

bool cg_over_limit(cg *g, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fail_with(g, true, fmt, ap);
  va_end(ap);
  return false;
}

uint32_t cg_fresh(cg *g) { return g->ntemps++; }

/* Helper names by kind and dtype: tj_max_f32 ... (a constant table, so the
 * generator keeps no state of its own). */
#define HELPER_NAMES(kind)                                                    \
  X(kind, BOOL) X(kind, I8) X(kind, I16) X(kind, I32) X(kind, I64) X(kind, U8)  \
  X(kind, U32) X(kind, F32) X(kind, F64) X(kind, U16) X(kind, U64) X(kind, F16) X(kind, BF16)
#define DT_NAME_BOOL "bool"
#define DT_NAME_I8 "i8"
#define DT_NAME_I16 "i16"
#define DT_NAME_I32 "i32"
#define DT_NAME_I64 "i64"
#define DT_NAME_U8 "u8"
#define DT_NAME_U32 "u32"
#define DT_NAME_F32 "f32"
#define DT_NAME_F64 "f64"
#define DT_NAME_U16 "u16"
#define DT_NAME_U64 "u64"
#define DT_NAME_F16 "f16"
#define DT_NAME_BF16 "bf16"
#define X(kind, t) [DT_##t] = "tj_" #kind "_" DT_NAME_##t,
static const char *const helper_fns[H_COUNT][DT_COUNT] = {
    [H_MAX] = {HELPER_NAMES(max)},   [H_MIN] = {HELPER_NAMES(min)},   [H_DIV] = {HELPER_NAMES(div)},
    [H_REM] = {HELPER_NAMES(rem)},   [H_SHL] = {HELPER_NAMES(shl)},   [H_SHRA] = {HELPER_NAMES(shra)},
    [H_SHRL] = {HELPER_NAMES(shrl)}, [H_IPOW] = {HELPER_NAMES(ipow)}, [H_F2I] = {HELPER_NAMES(f2i)},
    [H_U2F] = {HELPER_NAMES(u2f)},   [H_RP] = {HELPER_NAMES(rp)},     [H_BITS] = {HELPER_NAMES(bits)},
    [H_CLZ] = {HELPER_NAMES(clz)},
};
#undef X

const char *cg_helper(cg *g, enum cg_helper h, tj_dtype t) {
  g->need[h][t] = true;
  return helper_fns[h][t];
}

const char *cg_fn(cg *g, const char *name) {
  for (int i = 0; i < CGF_COUNT; i++)
    if (strcmp(cg_fns[i].name, name) == 0) {
      g->need_fn[i] = true;
      return cg_fns[i].name;
    }
  cg_fail(g, "internal error: the backend used an unlisted function %s", name);
  return "tj_rt_fail";
}

tj_aval cg_aval(const cg *g, ir_atom a) { return ir_atom_aval(g->m, a); }

/* No product of dimensions here overflows: aval_within_limits holds the
 * nonzero ones' product to TJ_MAX_ELEMENTS for every aval traced. */
int64_t cg_size(const tj_aval *a) {
  int64_t n = 1;
  for (int d = 0; d < a->rank; d++) n *= a->dims[d];
  return n;
}

/* ---- constants ---- */

/* A float constant C reads back exactly: the shortest round-tripping
 * decimal with a '.' or exponent; non-finite values through their bits. */
static void put_float(cg *g, double v, bool f32, tj_buf *b) {
  if (!isfinite(v)) {
    uint64_t bits;
    if (f32) {
      float f = (float)v;
      uint32_t u;
      memcpy(&u, &f, sizeof u);
      bits = u;
    } else memcpy(&bits, &v, sizeof bits);
    buf_printf(b, "%s(0x%llxull)", cg_helper(g, H_BITS, f32 ? DT_F32 : DT_F64), (unsigned long long)bits);
    return;
  }
  char text[48];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(text, sizeof text, "%.*g", prec, v);
    if (f32 ? strtof(text, NULL) == (float)v : strtod(text, NULL) == v) break;
  }
  buf_puts(b, text);
  if (!strpbrk(text, ".en")) buf_puts(b, ".0");
  if (f32) buf_putc(b, 'f');
}

static void put_int(tj_dtype t, int64_t v, tj_buf *b) {
  if (t == DT_U64) buf_printf(b, "%lluull", (unsigned long long)v); /* v holds its bits */
  else if (t == DT_I64 && v == INT64_MIN) buf_puts(b, "(-9223372036854775807LL - 1)");
  else if (v == INT32_MIN) buf_puts(b, "(-2147483647 - 1)");
  else buf_printf(b, t == DT_I64 ? "%lldLL" : t == DT_U32 ? "%lldu" : "%lld", (long long)v);
}

void cg_literal(cg *g, const ir_lit *lit, tj_buf *b) {
  if (dtype_is_float(lit->dtype)) put_float(g, lit->f, lit->dtype == DT_F32, b);
  else if (lit->dtype == DT_BOOL) buf_puts(b, lit->i ? "1" : "0");
  else {
    if (lit->dtype != DT_I32 && lit->dtype != DT_I64 && lit->dtype != DT_U32 && lit->dtype != DT_U64)
      buf_printf(b, "(%s)", cg_type(lit->dtype));
    put_int(lit->dtype, lit->i, b);
  }
}

/* ---- array constants ---- */

/* Whether constvar v's value is written by its bits: a float array with a
 * non-finite element, which no C constant expression spells. */
static bool const_by_bits(const cg *g, uint32_t v) {
  const tj_aval *a = &g->m->vars[v];
  const void *data = ir_const_data(g->m, v);
  if (!dtype_is_float(a->dtype) || !data) return false;
  for (int64_t i = 0, n = cg_size(a); i < n; i++) {
    double x;
    if (a->dtype == DT_F32) {
      float f;
      memcpy(&f, (const char *)data + 4 * i, 4);
      x = f;
    } else memcpy(&x, (const char *)data + 8 * i, 8);
    if (!isfinite(x)) return true;
  }
  return false;
}

/* Element i of a constant's data as a C constant of its dtype. */
static void put_const_elem(cg *g, const tj_aval *a, const void *data, int64_t i, bool bits, tj_buf *b) {
  const char *p = (const char *)data + (size_t)i * (size_t)dtype_size(a->dtype);
  if (a->dtype == DT_F32) {
    float f;
    uint32_t u;
    memcpy(&f, p, 4), memcpy(&u, p, 4);
    if (bits) buf_printf(b, "0x%xu", u);
    else put_float(g, f, true, b);
  } else if (a->dtype == DT_F64) {
    double f;
    uint64_t u;
    memcpy(&f, p, 8), memcpy(&u, p, 8);
    if (bits) buf_printf(b, "0x%llxull", (unsigned long long)u);
    else put_float(g, f, false, b);
  } else {
    int64_t v = 0;
    switch (a->dtype) {
    case DT_BOOL: case DT_U8: { uint8_t x; memcpy(&x, p, 1); v = x; break; }
    case DT_I8: { int8_t x; memcpy(&x, p, 1); v = x; break; }
    case DT_I16: { int16_t x; memcpy(&x, p, 2); v = x; break; }
    case DT_I32: { int32_t x; memcpy(&x, p, 4); v = x; break; }
    case DT_U32: { uint32_t x; memcpy(&x, p, 4); v = x; break; }
    case DT_U16: { uint16_t x; memcpy(&x, p, 2); v = x; break; }
    default: memcpy(&v, p, 8); break; /* i64, u64 */
    }
    put_int(a->dtype, v, b);
  }
}

/* Every constvar's value as a static array tj_kV (V its variable), eight
 * numbers a line; by bits through a union when const_by_bits. */
static void emit_consts(cg *g, tj_buf *b) {
  for (uint32_t c = 0; c < g->m->nconsts; c++) {
    uint32_t v = g->m->consts[c].var;
    const tj_aval *a = &g->m->vars[v];
    const char *T = cg_type(a->dtype);
    int64_t n = cg_size(a), room = n ? n : 1;
    bool bits = const_by_bits(g, v);
    if (bits) buf_printf(b, "static const union { %s u[%lld]; %s f[%lld]; } tj_k%u = {{",
                         a->dtype == DT_F32 ? "unsigned" : "unsigned long long", (long long)room, T, (long long)room, v);
    else buf_printf(b, "static const %s tj_k%u[%lld] = {", T, v, (long long)room);
    for (int64_t i = 0; i < n; i++) {
      if (i) buf_puts(b, i % 8 ? ", " : ",\n  ");
      put_const_elem(g, a, g->m->consts[c].data, i, bits, b);
    }
    buf_puts(b, n ? "" : "0");
    buf_puts(b, bits ? "}};\n" : "};\n");
  }
}

/* ---- variables ---- */

bool cg_is_name(const char *s) {
  for (; *s; s++)
    if (!(*s == '_' || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) return false;
  return true;
}

void cg_elem(cg *g, ir_atom a, const char *idx, tj_buf *b) {
  if (ATOM_IS_LIT(a)) { cg_literal(g, &g->m->lits[ATOM_INDEX(a)], b); return; }
  uint32_t v = ATOM_INDEX(a);
  if (g->vars[v].text) buf_printf(b, cg_is_name(g->vars[v].text) ? "%s" : "(%s)", g->vars[v].text);
  else if (g->vars[v].state == CV_TEMP) buf_printf(b, "t%u", v);
  else if (g->vars[v].scalar) buf_printf(b, "v%u", v);
  else buf_printf(b, "v%u[%s]", v, idx ? idx : "0");
}

void cg_ptr(cg *g, ir_atom a, tj_buf *b) {
  uint32_t v = ATOM_INDEX(a);
  buf_printf(b, g->vars[v].scalar ? "&v%u" : "v%u", v);
}

void cg_define(cg *g, uint32_t v) {
  cg_var *cv = &g->vars[v];
  const tj_aval *a = &g->m->vars[v];
  const char *t = cg_type(a->dtype);
  cv->state = CV_DEFINED;
  if (cv->scalar) cg_line(g, "%s v%u;", t, v);
  else if (cv->place) cg_line(g, "%s *v%u = %s;", t, v, cv->place);
  else {
    cg_line(g, "%s *v%u = %s(rt, %lld);", t, v, cg_fn(g, "tj_rt_alloc"),
            (long long)(cg_size(a) * dtype_size(a->dtype)));
    cv->owned = true;
  }
}

void cg_bind(cg *g, uint32_t v, const char *ptr, bool owned) {
  cg_var *cv = &g->vars[v];
  cv->state = CV_DEFINED;
  cv->owned = owned;
  cg_line(g, "%s *v%u = %s;", cg_type(g->m->vars[v].dtype), v, ptr);
}

void cg_copy(cg *g, uint32_t dst, ir_atom src) {
  tj_buf s = {0};
  const tj_aval *a = &g->m->vars[dst];
  if (g->vars[dst].scalar) {
    cg_elem(g, src, NULL, &s);
    cg_line(g, "v%u = %s;", dst, s.data);
  } else if (ATOM_IS_LIT(src) || g->vars[ATOM_INDEX(src)].scalar) {
    cg_elem(g, src, NULL, &s);
    cg_line(g, "for (long i = 0; i < %lld; i++) v%u[i] = %s;", (long long)cg_size(a), dst, s.data);
  } else if (ATOM_INDEX(src) != dst) {
    cg_ptr(g, src, &s);
    cg_line(g, "%s(v%u, %s, %lld);", cg_fn(g, "memcpy"), dst, s.data,
            (long long)(cg_size(a) * dtype_size(a->dtype)));
  }
  buf_free(&s);
}

int cg_loops_begin(cg *g, const tj_aval *shape, const char *flat) {
  cg_line(g, "{");
  g->indent++;
  cg_line(g, "long %s = 0;", flat);
  for (int d = 0; d < shape->rank; d++) {
    if (d == shape->rank - 1)
      cg_line(g, "for (long i%d = 0; i%d < %lld; i%d++, %s++) {", d, d, (long long)shape->dims[d], d, flat);
    else cg_line(g, "for (long i%d = 0; i%d < %lld; i%d++) {", d, d, (long long)shape->dims[d], d);
    g->indent++;
  }
  return shape->rank;
}

void cg_loops_end(cg *g, int levels) {
  for (int d = 0; d < levels; d++) g->indent--, cg_line(g, "}");
  g->indent--;
  cg_line(g, "}");
}

/* ---- analysis of one jaxpr: last uses, aliases ---- */

static bool is_alias_eqn(const cg *g, const ir_eqn *e) {
  if (e->prim != P_reshape && e->prim != P_squeeze) return false;
  if (e->prim == P_reshape && !ir_param_is_none(e, "dimensions")) return false; /* it moves elements */
  return !ATOM_IS_LIT(e->in[0]) && g->m->vars[ATOM_INDEX(e->in[0])].rank > 0 &&
         g->m->vars[e->out[0]].rank > 0;
}

static uint32_t root_of(const cg *g, ir_atom a) {
  uint32_t v = ATOM_INDEX(a);
  while (g->vars[v].root != v) v = g->vars[v].root;
  return v;
}

/* Fills *in for jaxpr j (cg_info_free frees it). */
static void analyze(cg *g, const ir_jaxpr *j, cg_info *in) {
  size_t nvars = g->m->nvars ? g->m->nvars : 1;
  in->live = malloc(j->neqns ? j->neqns : 1);
  in->last = calloc(nvars, sizeof *in->last);
  in->def = malloc(nvars * sizeof *in->def);
  if (!in->live || !in->last || !in->def) TJ_OOM();
  in->as_expr = NULL, in->text = NULL; /* a loop body's: plan_expressions */
  memset(in->live, 1, j->neqns); /* every equation: dce removed the dead ones */
  uint32_t *last = in->last;
  memset(in->def, 0xff, nvars * sizeof *in->def); /* NEVER: an input */
  for (uint32_t k = 0; k < j->neqns; k++)
    for (uint32_t o = 0; o < j->eqns[k].nout; o++) in->def[j->eqns[k].out[o]] = k;
  for (uint32_t k = 0; k < j->neqns; k++) {
    const ir_eqn *e = &j->eqns[k];
    if (!in->live[k]) continue;
    for (uint32_t i = 0; i < e->nin; i++)
      if (!ATOM_IS_LIT(e->in[i])) last[ATOM_INDEX(e->in[i])] = k;
    for (uint32_t o = 0; o < e->nout; o++) /* unused outputs die at once */
      last[e->out[o]] = k, g->vars[e->out[o]].root = e->out[o];
  }
  for (uint32_t k = 0; k < j->nout; k++)
    if (!ATOM_IS_LIT(j->outs[k])) last[ATOM_INDEX(j->outs[k])] = NEVER;
  for (uint32_t k = 0; k < j->neqns; k++) { /* a reshape shares its operand's buffer */
    const ir_eqn *e = &j->eqns[k];
    if (!in->live[k] || !is_alias_eqn(g, e) || last[e->out[0]] == NEVER) continue;
    uint32_t r = root_of(g, e->in[0]);
    g->vars[e->out[0]].root = r;
    if (last[r] != NEVER && last[e->out[0]] > last[r]) last[r] = last[e->out[0]];
  }
}

static void cg_info_free(cg_info *in, uint32_t nvars) {
  for (uint32_t v = 0; in->text && v < nvars; v++) free(in->text[v]);
  free(in->live), free(in->last), free(in->def), free(in->text), free(in->as_expr);
}

/* ---- loop bodies: scalars as expressions (cg_loop_body_into) ---- */

static bool is_elementwise(const ir_eqn *e);

/* Whether equation k is emitted alone as a C local (emit_scalar), so its
 * operands are read through cg_elem only. */
static bool scalar_alone(const cg *g, const ir_eqn *e, const pass_fusion *p, uint32_t k) {
  return is_elementwise(e) && g->m->vars[e->out[0]].rank == 0 && p->lead[k] == PASS_UNFUSED;
}

/* Which scalars of loop body j become expressions (in->as_expr): those
 * used once, by an equation emitted alone or as an output. Returns per
 * variable whether a use reads its name (cg_ptr, a rule's statements),
 * so that an input needs its local. */
static bool *plan_expressions(cg *g, const ir_jaxpr *j, cg_info *in, const pass_fusion *p) {
  size_t nvars = g->m->nvars ? g->m->nvars : 1;
  uint32_t *uses = calloc(nvars, sizeof *uses);
  bool *named = calloc(nvars, sizeof *named);
  in->text = calloc(nvars, sizeof *in->text);
  in->as_expr = calloc(nvars, sizeof *in->as_expr);
  if (!uses || !named || !in->text || !in->as_expr) TJ_OOM();
  for (uint32_t k = 0; k < j->neqns; k++) {
    const ir_eqn *e = &j->eqns[k];
    bool alone = scalar_alone(g, e, p, k);
    for (uint32_t i = 0; i < e->nin; i++)
      if (!ATOM_IS_LIT(e->in[i])) uses[ATOM_INDEX(e->in[i])]++, named[ATOM_INDEX(e->in[i])] |= !alone;
  }
  for (uint32_t k = 0; k < j->nout; k++)
    if (!ATOM_IS_LIT(j->outs[k])) uses[ATOM_INDEX(j->outs[k])]++;
  for (uint32_t k = 0; k < j->neqns; k++) {
    uint32_t v = j->eqns[k].out[0];
    in->as_expr[v] = scalar_alone(g, &j->eqns[k], p, k) && uses[v] == 1 && !named[v];
  }
  free(uses);
  return named;
}

/* Whether the C text of atom a, as an output of loop body j, reads input
 * variable v: a is v, or an expression whose operands do. */
static bool reads_input(const cg *g, const ir_jaxpr *j, const cg_info *in, ir_atom a, uint32_t v) {
  uint32_t n = 0, cap = 16, *todo = malloc(cap * sizeof *todo);
  bool found = false;
  if (!todo) TJ_OOM();
  if (!ATOM_IS_LIT(a)) todo[n++] = ATOM_INDEX(a);
  while (n && !found) {
    uint32_t u = todo[--n];
    found = u == v;
    if (found || !g->vars[u].text || in->def[u] == NEVER) continue; /* a name reads its local */
    const ir_eqn *e = &j->eqns[in->def[u]];
    for (uint32_t i = 0; i < e->nin; i++) {
      if (ATOM_IS_LIT(e->in[i])) continue;
      if (n == cap && !(todo = realloc(todo, (cap *= 2) * sizeof *todo))) TJ_OOM();
      todo[n++] = ATOM_INDEX(e->in[i]);
    }
  }
  free(todo);
  return found;
}

/* Frees the buffers whose last use was equation k (k's operands and any
 * output nobody reads). */
static void free_dead(cg *g, const cg_info *in, const ir_eqn *e, uint32_t k) {
  for (uint32_t i = 0; i < e->nin + e->nout; i++) {
    if (i < e->nin && ATOM_IS_LIT(e->in[i])) continue;
    uint32_t v = i < e->nin ? root_of(g, e->in[i]) : root_of(g, ATOM_VAR(e->out[i - e->nin]));
    cg_var *cv = &g->vars[v];
    if (cv->owned && cv->state == CV_DEFINED && in->last[v] == k) {
      cg_line(g, "%s(rt, v%u);", cg_fn(g, "tj_rt_free"), v);
      cv->owned = false;
    }
  }
}

/* ---- a fused group (pass.c's fuse): elementwise equations of one
 * shape, one loop ---- */

/* Whether operand a of the group's shape needs per-dimension indices
 * (a broadcast), rather than the flat index or none. */
static bool needs_dims(const cg *g, ir_atom a, const tj_aval *shape) {
  if (ATOM_IS_LIT(a) || g->vars[ATOM_INDEX(a)].state == CV_TEMP) return false;
  tj_aval av = cg_aval(g, a);
  return av.rank > 0 && !aval_same_shape(&av, shape);
}

/* The flat offset into operand a (rank == shape's, 1-sized dims broadcast)
 * from the loop indices, or into broadcast_in_dim's operand. */
static void broadcast_offset(const cg *g, const tj_aval *a, const int *dim_of, tj_buf *b) {
  int64_t stride = 1;
  bool any = false;
  char term[64];
  tj_buf t = {0};
  for (int d = a->rank - 1; d >= 0; d--) {
    if (a->dims[d] != 1) {
      snprintf(term, sizeof term, stride == 1 ? "i%d" : "i%d * %lld", dim_of[d], (long long)stride);
      if (any) buf_puts(&t, " + ");
      buf_puts(&t, term);
      any = true;
    }
    stride *= a->dims[d];
  }
  (void)g;
  buf_puts(b, any ? t.data : "0");
  buf_free(&t);
}

/* The element expression of operand a inside the group's loop. */
static void group_operand(cg *g, ir_atom a, const tj_aval *shape, tj_buf *b) {
  if (!needs_dims(g, a, shape)) { cg_elem(g, a, "i", b); return; }
  tj_aval av = cg_aval(g, a);
  int dim_of[TJ_MAX_RANK];
  for (int d = 0; d < av.rank; d++) dim_of[d] = d;
  tj_buf off = {0};
  broadcast_offset(g, &av, dim_of, &off);
  cg_elem(g, a, off.data, b);
  buf_free(&off);
}

/* broadcast_in_dim inside a group: a load of its operand at the mapped
 * indices. */
static void group_broadcast(cg *g, const ir_eqn *e, const tj_aval *shape, tj_buf *b) {
  tj_aval av = cg_aval(g, e->in[0]);
  if (av.rank == 0 || (!ATOM_IS_LIT(e->in[0]) && g->vars[ATOM_INDEX(e->in[0])].state == CV_TEMP)) {
    cg_elem(g, e->in[0], "i", b);
    return;
  }
  int64_t bd[TJ_MAX_RANK];
  int nbd = ir_param_ints(e, "broadcast_dimensions", bd, TJ_MAX_RANK), dim_of[TJ_MAX_RANK];
  for (int d = 0; d < av.rank; d++) dim_of[d] = d < nbd ? (int)bd[d] : d;
  tj_buf off = {0};
  broadcast_offset(g, &av, dim_of, &off);
  cg_elem(g, e->in[0], off.data, b);
  buf_free(&off);
  (void)shape;
}

static void group_comment(cg *g, const ir_jaxpr *j, const cg_info *in, uint32_t first, uint32_t end) {
  tj_buf c = {0};
  for (uint32_t k = first; k < end; k++)
    if (in->live[k]) buf_printf(&c, "%s%s", c.len ? " " : "", prims[j->eqns[k].prim].name);
  cg_line(g, "/* %s */", c.data ? c.data : "");
  buf_free(&c);
}

static bool is_sink(const cg_info *in, uint32_t k) { return in->sink && in->sink[k]; }

/* The body of a group's loop: one scalar temporary per equation, stored to
 * the buffers of the values used after the group. */
static void group_body(cg *g, const ir_jaxpr *j, const cg_info *in, uint32_t first, uint32_t end,
                       const tj_aval *shape) {
  for (uint32_t k = first; k < end && !g->failed; k++) {
    const ir_eqn *e = &j->eqns[k];
    if (!in->live[k] || is_sink(in, k)) continue;
    tj_buf ops[3 + TJ_MAX_PARAMS] = {{0}}, expr = {0};
    const char *opv[3 + TJ_MAX_PARAMS];
    if (e->nin > TJ_COUNT(ops)) { cg_fail(g, "internal error: %u operands", e->nin); return; }
    if (e->prim == P_broadcast_in_dim) group_broadcast(g, e, shape, &expr);
    else {
      for (uint32_t i = 0; i < e->nin; i++) group_operand(g, e->in[i], shape, &ops[i]), opv[i] = ops[i].data;
      prims[e->prim].cg(g, e, opv, &expr);
    }
    uint32_t v = e->out[0];
    cg_line(g, "%s t%u = %s;", cg_type(g->m->vars[v].dtype), v, expr.data);
    if (in->last[v] > end - 1) cg_line(g, "v%u[i] = t%u;", v, v);
    g->vars[v].state = CV_TEMP;
    for (uint32_t i = 0; i < e->nin; i++) buf_free(&ops[i]);
    buf_free(&expr);
  }
}

/* ---- the sinks of a group in its scalar loop ---- */

/* A sink (pass.h) reduces the trailing dims of the group's shape from
 * `level` on (its result's rank), rows of `row` elements. */
static int sink_level(const cg *g, const ir_eqn *e) { return g->m->vars[e->out[0]].rank; }

static int64_t sink_row(const cg *g, const ir_eqn *e, const tj_aval *shape) {
  int64_t row = 1;
  for (int d = sink_level(g, e); d < shape->rank; d++) row *= shape->dims[d];
  return row;
}

/* Whether the reduction alone calls a row kernel (cg_reduce.c's
 * reduce_rows: rows of TJ_LANE_FOLD_MIN or more; sums and products in
 * lane_fold.h's lanes). The scalar loop then leaves it after the loop:
 * libtcc's code stepping 64 lanes, or even a max in order, costs more
 * than the vectorized kernel over the stored values (4000 elements:
 * sum(a*x+b) 11 us against 9, max(abs(x*x-2)) 18 against 16). Shorter
 * rows combine in order in the loop, as the reduction's own loop and the
 * evaluator do (rows of 32: 11 us against 18). */
static bool sink_row_kernel(const cg *g, const ir_eqn *e, const tj_aval *shape) {
  return sink_row(g, e, shape) >= TJ_LANE_FOLD_MIN;
}

/* The sink's accumulator sV (V its result), and oV, the results written. */
static void sink_begin(cg *g, const ir_eqn *e) {
  tj_dtype t = g->m->vars[e->out[0]].dtype;
  uint32_t v = e->out[0];
  tj_buf id = {0};
  cg_reduce_identity(g, e->prim, t, &id);
  cg_line(g, "%s s%u = %s;", cg_type(t), v, id.data);
  if (g->m->vars[v].rank) cg_line(g, "long o%u = 0;", v);
  buf_free(&id);
}

/* One element into the accumulator, in order. */
static void sink_step(cg *g, const ir_eqn *e) {
  uint32_t v = e->out[0];
  tj_buf x = {0};
  char acc[32];
  cg_elem(g, e->in[0], "i", &x);
  snprintf(acc, sizeof acc, "s%u", v);
  cg_reduce_step(g, e->prim, g->m->vars[v].dtype, acc, x.data);
  buf_free(&x);
}

/* The row's result; the accumulator back to the identity. */
static void sink_finish(cg *g, const ir_eqn *e) {
  uint32_t v = e->out[0];
  tj_buf dst = {0}, id = {0};
  char at[32];
  snprintf(at, sizeof at, "o%u++", v);
  cg_elem(g, ATOM_VAR(v), at, &dst);
  cg_reduce_identity(g, e->prim, g->m->vars[v].dtype, &id);
  cg_line(g, "%s = s%u; s%u = %s; /* %s */", dst.data, v, v, id.data, prims[e->prim].name);
  buf_free(&dst), buf_free(&id);
}

/* A group with sinks in one scalar loop nest over its dims: each sink's
 * accumulator stepped with every element, its result written as the
 * loops over its reduced dims close. */
static void sink_loop(cg *g, const ir_jaxpr *j, const cg_info *in, uint32_t first, uint32_t end) {
  const tj_aval *shape = &g->m->vars[j->eqns[first].out[0]];
  cg_line(g, "{");
  g->indent++;
  for (uint32_t k = first; k < end; k++)
    if (in->live[k] && is_sink(in, k)) sink_begin(g, &j->eqns[k]);
  cg_line(g, "long i = 0;");
  for (int d = 0; d < shape->rank; d++) {
    cg_line(g, "for (long i%d = 0; i%d < %lld; i%d++%s) {", d, d, (long long)shape->dims[d], d,
            d == shape->rank - 1 ? ", i++" : "");
    g->indent++;
  }
  group_body(g, j, in, first, end, shape);
  for (uint32_t k = first; k < end; k++)
    if (in->live[k] && is_sink(in, k)) sink_step(g, &j->eqns[k]);
  for (int d = shape->rank - 1; d >= 0; d--) {
    g->indent--;
    cg_line(g, "}");
    for (uint32_t k = first; k < end; k++)
      if (in->live[k] && is_sink(in, k) && sink_level(g, &j->eqns[k]) == d) sink_finish(g, &j->eqns[k]);
  }
  g->indent--;
  cg_line(g, "}");
}

/* The group's loop: flat, or nested when an operand is broadcast or a
 * sink reduces the group's values. */
static void group_loop(cg *g, const ir_jaxpr *j, const cg_info *in, uint32_t first, uint32_t end, bool dims) {
  const tj_aval *shape = &g->m->vars[j->eqns[first].out[0]];
  int levels = 0;
  for (uint32_t k = first; k < end; k++)
    if (in->live[k] && is_sink(in, k)) {
      sink_loop(g, j, in, first, end);
      return;
    }
  if (dims) levels = cg_loops_begin(g, shape, "i");
  else cg_line(g, "for (long i = 0; i < %lld; i++) {", (long long)cg_size(shape)), g->indent++;
  group_body(g, j, in, first, end, shape);
  if (dims) cg_loops_end(g, levels);
  else g->indent--, cg_line(g, "}");
}

static void emit_alone(cg *g, cg_info *in, const ir_eqn *e, uint32_t k);

/* Whether the group's sinks [mend, end) reduce the stored values after
 * its members' loop [first, mend), as unfused: when the members would run
 * in blocks but not with the sinks (a reduction of rows shorter than the
 * blocks' ROW_MIN), rather than take the group to the scalar loop; and in
 * the scalar loop, when a sink's rows are long enough for a row kernel
 * (sink_row_kernel). */
static bool sinks_after(cg *g, const ir_jaxpr *j, const cg_info *in, uint32_t first, uint32_t end, uint32_t *mend) {
  const tj_aval *shape = &g->m->vars[j->eqns[first].out[0]];
  *mend = end;
  while (*mend > first && is_sink(in, *mend - 1)) --*mend;
  if (*mend == end || *mend == first || cg_block_plans(g, j, in, first, end)) return false;
  if (cg_block_plans(g, j, in, first, *mend)) return true;
  for (uint32_t k = *mend; k < end; k++)
    if (in->live[k] && sink_row_kernel(g, &j->eqns[k], shape)) return true;
  return false;
}

static void emit_group(cg *g, const ir_jaxpr *j, cg_info *in, uint32_t first, uint32_t end) {
  const tj_aval *shape = &g->m->vars[j->eqns[first].out[0]];
  bool dims = false;
  uint32_t mend;
  if (sinks_after(g, j, in, first, end, &mend)) {
    emit_group(g, j, in, first, mend);
    for (uint32_t k = mend; k < end; k++)
      if (in->live[k]) emit_alone(g, in, &j->eqns[k], k);
    return;
  }
  for (uint32_t k = first; k < end; k++) {
    const ir_eqn *e = &j->eqns[k];
    if (!in->live[k]) continue;
    if (is_sink(in, k)) { /* its result, written by the loop */
      cg_define(g, e->out[0]);
      continue;
    }
    if (e->prim == P_broadcast_in_dim && cg_aval(g, e->in[0]).rank > 0) dims = true;
    for (uint32_t i = 0; i < e->nin && e->prim != P_broadcast_in_dim; i++) dims |= needs_dims(g, e->in[i], shape);
    if (in->last[e->out[0]] > end - 1) cg_define(g, e->out[0]);
  }
  group_comment(g, j, in, first, end);
  bool blocks = cg_block_group(g, j, in, first, end);
  if (!blocks && cg_block_generator(g, &j->eqns[first])) { /* generator_group_end planned it in blocks */
    cg_fail(g, "internal error: the block loop led by %s could not be planned", prims[j->eqns[first].prim].name);
    return;
  }
  if (!blocks) group_loop(g, j, in, first, end, dims);
  for (uint32_t k = first; k < end; k++) {
    if (!in->live[k] || is_sink(in, k)) continue;
    uint32_t v = j->eqns[k].out[0];
    g->vars[v].state = in->last[v] > end - 1 ? CV_DEFINED : CV_NONE;
  }
  for (uint32_t k = first; k < end; k++)
    if (in->live[k]) free_dead(g, in, &j->eqns[k], k);
}

/* A rank-0 elementwise equation: a C local. */
static void emit_scalar(cg *g, cg_info *in, const ir_eqn *e) {
  tj_buf ops[3 + TJ_MAX_PARAMS] = {{0}}, expr = {0};
  const char *opv[3 + TJ_MAX_PARAMS];
  if (e->nin > TJ_COUNT(ops)) { cg_fail(g, "internal error: %u operands", e->nin); return; }
  for (uint32_t i = 0; i < e->nin; i++) cg_elem(g, e->in[i], NULL, &ops[i]), opv[i] = ops[i].data;
  if (e->prim == P_broadcast_in_dim) buf_puts(&expr, opv[0]);
  else prims[e->prim].cg(g, e, opv, &expr);
  uint32_t v = e->out[0];
  g->vars[v].state = CV_DEFINED;
  if (in->as_expr && in->as_expr[v] && expr.data) /* a loop body's scalar used once: written into its use */
    g->vars[v].text = in->text[v] = buf_detach(&expr);
  else
    cg_line(g, "%s v%u = %s; /* %s */", cg_type(g->m->vars[v].dtype), v, expr.data, prims[e->prim].name);
  for (uint32_t i = 0; i < e->nin; i++) buf_free(&ops[i]);
  buf_free(&expr);
}

/* Any other equation: its outputs' storage, then its rule's statements. */
static void emit_statement(cg *g, const ir_eqn *e) {
  if (is_alias_eqn(g, e) && g->vars[e->out[0]].root != e->out[0]) {
    tj_buf p = {0};
    cg_ptr(g, e->in[0], &p);
    cg_line(g, "/* %s */", prims[e->prim].name);
    cg_bind(g, e->out[0], p.data, false);
    buf_free(&p);
    return;
  }
  for (uint32_t o = 0; o < e->nout; o++) cg_define(g, e->out[o]);
  cg_line(g, "/* %s */", prims[e->prim].name);
  prims[e->prim].cg(g, e, NULL, NULL);
}

static bool is_elementwise(const ir_eqn *e) {
  return (prims[e->prim].flags & PF_ELEMENTWISE) || e->prim == P_broadcast_in_dim;
}

/* An equation run alone: a rank-0 elementwise one as a C local, any
 * other as statements. */
static void emit_alone(cg *g, cg_info *in, const ir_eqn *e, uint32_t k) {
  if (is_elementwise(e) && g->m->vars[e->out[0]].rank == 0) emit_scalar(g, in, e);
  else emit_statement(g, e);
  free_dead(g, in, e, k);
}

/* The end of the loop equation k may lead as a block generator
 * (cg_block_generator: jax.random.uniform's random_bits before its
 * shift, or, ...): the loop of the fusion plan led by k + 1, of k's shape,
 * the only reader of k's result, planned in blocks (without the equations
 * the loop hoists, as emit_eqns will emit it); else 0. */
static uint32_t generator_group_end(cg *g, const ir_jaxpr *j, cg_info *in, const pass_fusion *p, uint32_t k) {
  const ir_eqn *e = &j->eqns[k];
  if (k + 1 >= j->neqns || p->lead[k + 1] != k + 1 || !in->live[k] || !cg_block_generator(g, e)) return 0;
  uint32_t v = e->out[0], end = p->end[k + 1];
  if (!aval_same_shape(&g->m->vars[v], &g->m->vars[j->eqns[k + 1].out[0]]) || in->last[v] >= end) return 0;
  for (uint32_t h = k + 1; h < end; h++)
    for (uint32_t i = 0; i < j->eqns[h].nin; i++)
      if (j->eqns[h].in[i] == ATOM_VAR(v) && p->lead[h] != k + 1) return 0; /* hoisted before the loop */
  for (uint32_t h = k + 1; h < end; h++) in->live[h] = p->lead[h] == k + 1; /* all live until emitted */
  bool blocks = cg_block_plans(g, j, in, k, end);
  for (uint32_t h = k + 1; h < end; h++) in->live[h] = true;
  return blocks ? end : 0;
}

/* j's equations in order, each loop of the fusion plan p at its first
 * equation (or at the block generator before it), after the equations of
 * its range hoisted before it. */
static void emit_eqns(cg *g, const ir_jaxpr *j, cg_info *in, const pass_fusion *p) {
  for (uint32_t k = 0; k < j->neqns && !g->failed;) {
    uint32_t end = p->lead[k] == k ? p->end[k] : generator_group_end(g, j, in, p, k);
    if (!end) {
      emit_alone(g, in, &j->eqns[k], k);
      k++;
      continue;
    }
    uint32_t lead = p->lead[k] == k ? k : k + 1; /* the plan's: k + 1 after a generator */
    for (uint32_t h = k + 1; h < end; h++) /* hoisted: the loop does not feed them */
      if (p->lead[h] != lead) {
        const ir_eqn *e = &j->eqns[h];
        /* an elementwise one of one element and rank > 0 (a [1]): its own loop */
        if (prims[e->prim].flags & PF_ELEMENTWISE && g->m->vars[e->out[0]].rank > 0) emit_group(g, j, in, h, h + 1);
        else emit_alone(g, in, e, h);
        in->live[h] = false; /* emitted: the group skips it */
      }
    emit_group(g, j, in, k, end);
    k = end;
  }
}

/* Whether array u, an operand of output v's fused loop (from equation
 * first on) of v's shape and dtype, may live in v's place too: made
 * before the loop (not an input, not an alias), its last use (an alias's
 * included, analyze) at or before kv, the equation that makes v.
 * Elementwise steps read a block (an element) before writing the same
 * offsets, so v overwrites only values of u nothing later reads: the
 * loop runs in place. */
static bool shares_place(const cg *g, const cg_info *in, uint32_t u, uint32_t v, uint32_t first, uint32_t kv) {
  const tj_aval *a = &g->m->vars[u], *b = &g->m->vars[v];
  const cg_var *cu = &g->vars[u];
  return a->dtype == b->dtype && aval_same_shape(a, b) && in->def[u] != NEVER && in->def[u] < first &&
         in->last[u] != NEVER && in->last[u] <= kv && !cu->scalar && !cu->place && cu->root == u;
}

/* Buffer assignment for the outputs' producers: an array that dies in
 * the fused loop making output v (a matrix product before its bias and
 * relu) is made in v's place, so the loop runs in place and no temporary
 * is allocated. Not in loop bodies, whose outputs may be their inputs.
 * placed[k]: output k's producer so placed, or NEVER. */
static void place_producers(cg *g, const ir_jaxpr *j, const cg_info *in, const pass_fusion *p, uint32_t *placed) {
  for (uint32_t k = 0; k < j->nout; k++) {
    placed[k] = NEVER;
    if (ATOM_IS_LIT(j->outs[k])) continue;
    uint32_t v = ATOM_INDEX(j->outs[k]), kv = in->def[v];
    const char *place = g->vars[v].place;
    if (!place || kv == NEVER || p->lead[kv] == PASS_UNFUSED) continue;
    uint32_t first = p->lead[kv];
    for (uint32_t h = first; h <= kv; h++) {
      const ir_eqn *e = &j->eqns[h];
      uint32_t found = NEVER;
      for (uint32_t i = 0; i < e->nin && p->lead[h] == first && found == NEVER; i++)
        if (!ATOM_IS_LIT(e->in[i]) && shares_place(g, in, ATOM_INDEX(e->in[i]), v, first, kv))
          found = ATOM_INDEX(e->in[i]);
      if (found != NEVER) {
        g->vars[found].place = place, placed[k] = found;
        break;
      }
    }
  }
}

/* ---- one jaxpr: bind inputs, place outputs, emit, copy out ---- */

/* Output k of j into dests[k]. */
static void emit_output(cg *g, const ir_jaxpr *j, uint32_t k, const char *dest) {
  ir_atom a = j->outs[k];
  tj_aval av = cg_aval(g, a);
  tj_buf s = {0};
  if (!ATOM_IS_LIT(a) && g->vars[ATOM_INDEX(a)].place == dest) return;
  if (av.rank == 0) {
    cg_elem(g, a, NULL, &s);
    cg_line(g, "%s = %s;", dest, s.data);
  } else {
    cg_ptr(g, a, &s);
    cg_line(g, "%s(%s, %s, %lld);", cg_fn(g, "memcpy"), dest, s.data, (long long)(cg_size(&av) * dtype_size(av.dtype)));
  }
  buf_free(&s);
}

/* Above this many, the outputs that overwrite inputs all go through
 * temporaries (ordering them costs the cube of their number). */
#define MAX_ORDERED_CLOBBERS 64

/* The outputs whose destination is an input's storage (clobbers[k] >= 0,
 * rank 0), after the others: each once no other one left reads the input
 * it overwrites; those that read each other's through temporaries. */
static void emit_clobbering_outputs(cg *g, const ir_jaxpr *j, const cg_info *in, const char *const *dests,
                                    const int *clobbers) {
  bool *left = calloc(j->nout + 1u, sizeof *left);
  if (!left) TJ_OOM();
  uint32_t nleft = 0;
  for (uint32_t k = 0; k < j->nout; k++) /* a carry the body passes on unchanged stays */
    nleft += left[k] = clobbers[k] >= 0 && j->outs[k] != ATOM_VAR(j->invars[clobbers[k]]);
  bool order = nleft <= MAX_ORDERED_CLOBBERS;
  while (nleft && !g->failed) {
    uint32_t pick = UINT32_MAX;
    for (uint32_t k = 0; order && k < j->nout && pick == UINT32_MAX; k++) {
      bool read = false;
      for (uint32_t r = 0; left[k] && r < j->nout && !read; r++)
        read = r != k && left[r] && reads_input(g, j, in, j->outs[r], j->invars[clobbers[k]]);
      if (left[k] && !read) pick = k;
    }
    if (pick != UINT32_MAX) {
      emit_output(g, j, pick, dests[pick]);
      left[pick] = false, nleft--;
      continue;
    }
    uint32_t id = cg_fresh(g); /* a cycle (carries that swap): every value first */
    for (uint32_t k = 0; k < j->nout; k++)
      if (left[k]) {
        char tmp[48];
        snprintf(tmp, sizeof tmp, "o%u_%u", id, k);
        cg_line(g, "%s %s;", cg_type(cg_aval(g, j->outs[k]).dtype), tmp);
        emit_output(g, j, k, tmp); /* tmp = its value */
      }
    for (uint32_t k = 0; k < j->nout; k++)
      if (left[k]) cg_line(g, "%s = o%u_%u;", dests[k], id, k), left[k] = false;
    nleft = 0;
  }
  free(left);
}

static bool jaxpr_into(cg *g, const ir_jaxpr *j, const char *const *ins, const char *const *dests,
                       const int *clobbers, bool loop_body) {
  if (++g->depth > TJ_MAX_JAXPR_NEST + 1) /* the top-level jaxpr and the sub-jaxprs the tracer allows */
    return cg_fail(g, "internal error: too many nested sub-jaxprs (limit is %d)", TJ_MAX_JAXPR_NEST);
  const pass_fusion *plan = pass_fusion_of(g->facts, j);
  if (!plan) return cg_fail(g, "internal error: jaxpr %u has no fusion plan (the passes did not run)", j->id);
  cg_info in;
  for (uint32_t i = 0; i < j->nconst + j->nin; i++) {
    uint32_t v = i < j->nconst ? j->constvars[i] : j->invars[i - j->nconst];
    g->vars[v] = (cg_var){.state = CV_DEFINED, .scalar = g->m->vars[v].rank == 0, .root = v};
  }
  for (uint32_t k = 0; k < j->neqns; k++)
    for (uint32_t o = 0; o < j->eqns[k].nout; o++) {
      uint32_t v = j->eqns[k].out[o];
      g->vars[v] = (cg_var){.scalar = g->m->vars[v].rank == 0, .root = v};
    }
  analyze(g, j, &in);
  bool *named = loop_body ? plan_expressions(g, j, &in, plan) : NULL;
  for (uint32_t i = 0; i < j->nconst + j->nin; i++) {
    uint32_t v = i < j->nconst ? j->constvars[i] : j->invars[i - j->nconst];
    const tj_aval *a = &g->m->vars[v];
    const char *T = cg_type(a->dtype);
    if (i >= j->nconst && named && a->rank == 0) { /* a loop body's scalar input reads its text */
      tj_buf t = {0};
      buf_puts(&t, ins[i - j->nconst]);
      g->vars[v].text = in.text[v] = buf_detach(&t);
      if (named[v]) cg_line(g, "%s v%u = %s;", T, v, ins[i - j->nconst]);
    } else if (i >= j->nconst) cg_line(g, a->rank == 0 ? "%s v%u = %s;" : "%s *v%u = %s;", T, v, ins[i - j->nconst]);
    else if (a->rank == 0) cg_line(g, "%s v%u = tj_k%u%s[0];", T, v, v, const_by_bits(g, v) ? ".f" : "");
    else cg_line(g, "%s *v%u = (%s *)tj_k%u%s;", T, v, T, v, const_by_bits(g, v) ? ".f" : "");
  }
  free(named);
  in.sink = plan->sink;
  for (uint32_t k = 0; k < j->nout; k++) { /* outputs computed in place where they can be */
    if (ATOM_IS_LIT(j->outs[k])) continue;
    uint32_t v = ATOM_INDEX(j->outs[k]);
    cg_var *cv = &g->vars[v];
    if (cv->state == CV_NONE && !cv->scalar && !cv->place && cv->root == v) cv->place = dests[k];
  }
  uint32_t *placed = malloc((j->nout + 1u) * sizeof *placed);
  if (!placed) TJ_OOM();
  if (loop_body) memset(placed, 0xff, (j->nout + 1u) * sizeof *placed); /* NEVER */
  else place_producers(g, j, &in, plan, placed);
  emit_eqns(g, j, &in, plan);
  for (uint32_t k = 0; k < j->nout && !g->failed; k++)
    if (!clobbers || clobbers[k] < 0) emit_output(g, j, k, dests[k]);
  if (clobbers) emit_clobbering_outputs(g, j, &in, dests, clobbers);
  for (uint32_t k = 0; k < j->nout; k++) { /* outputs copied out of owned buffers */
    if (ATOM_IS_LIT(j->outs[k])) continue;
    cg_var *cv = &g->vars[root_of(g, j->outs[k])];
    if (cv->owned) cg_line(g, "%s(rt, v%u);", cg_fn(g, "tj_rt_free"), root_of(g, j->outs[k])), cv->owned = false;
  }
  for (uint32_t k = 0; k < j->nout; k++) {
    if (!ATOM_IS_LIT(j->outs[k]) && g->vars[ATOM_INDEX(j->outs[k])].place == dests[k])
      g->vars[ATOM_INDEX(j->outs[k])].place = NULL;
    if (placed[k] != NEVER) g->vars[placed[k]].place = NULL;
  }
  free(placed);
  for (uint32_t v = 0; in.text && v < g->m->nvars; v++) /* the texts die with in */
    if (in.text[v]) g->vars[v].text = NULL;
  cg_info_free(&in, g->m->nvars);
  g->depth--;
  return !g->failed;
}

bool cg_jaxpr_into(cg *g, const ir_jaxpr *j, const char *const *ins, const char *const *dests) {
  return jaxpr_into(g, j, ins, dests, NULL, false);
}

bool cg_loop_body_into(cg *g, const ir_jaxpr *j, const char *const *ins, const char *const *dests,
                       const int *clobbers) {
  return jaxpr_into(g, j, ins, dests, clobbers, true);
}

void cg_kernel(cg *g, const tjk_kernel *k) {
  int n;
  const tjk_kernel *all = tjk_all(&n);
  g->need_kernel[k - all] = true;
}

/* ---- the prelude ---- */

/* reduce_precision of one element on its bits in its own format
 * (half_bits.h tj_rp_bits, which the prelude defines once before). */
static void emit_rp_helper(tj_buf *b, tj_dtype t) {
  const char *T = cg_type(t), *U = dtype_size(t) == 8 ? "unsigned long long" : "unsigned";
  if (dtype_is_half(t))
    buf_printf(b, "static %s tj_rp_%s(%s x, long long e, long long m) { return (%s)tj_rp_bits(x, %d, %d, e, m); }\n", T,
               T, T, T, t == DT_F16 ? 10 : 7, t == DT_F16 ? 5 : 8);
  else
    buf_printf(b, "static %s tj_rp_%s(%s x, long long e, long long m) { union { %s f; %s u; } c; c.f = x; "
               "c.u = (%s)tj_rp_bits(c.u, %d, %d, e, m); return c.f; }\n", T, T, T, T, U, U, t == DT_F32 ? 23 : 52,
               t == DT_F32 ? 8 : 11);
}

static const char *uint_of(tj_dtype t) { return dtype_size(t) == 8 ? "unsigned long long" : "unsigned"; }

/* jax's max/min: a NaN operand wins (C's comparisons would drop it). */
static void emit_minmax_helper(tj_buf *b, enum cg_helper h, tj_dtype t) {
  const char *T = cg_type(t);
  buf_printf(b, "static %s tj_%s_%s(%s x, %s y) { return %sx %s y ? x : y; }\n", T, h == H_MAX ? "max" : "min",
             T, T, T, dtype_is_float(t) ? "x != x ? x : y != y ? y : " : "", h == H_MAX ? ">" : "<");
}

/* Integer division and remainder as XLA defines the cases C leaves undefined. */
static void emit_divrem_helper(tj_buf *b, enum cg_helper h, tj_dtype t) {
  const char *T = cg_type(t);
  bool sgn = dtype_kindof(t) == DK_SIGNED;
  if (h == H_DIV) { /* XLA: x / 0 is -1 (all ones), INT_MIN / -1 wraps */
    buf_printf(b, "static %s tj_div_%s(%s x, %s y) { return y == 0 ? (%s)-1 : ", T, T, T, T, T);
    if (sgn) buf_printf(b, "y == -1 ? (%s)(0u - (%s)x) : ", T, uint_of(t));
    buf_puts(b, "x / y; }\n");
  } else /* XLA: x % 0 is x, INT_MIN % -1 is 0 */
    buf_printf(b, "static %s tj_rem_%s(%s x, %s y) { return y == 0 ? x : %sx %% y; }\n", T, T, T, T,
               sgn ? "y == -1 ? 0 : " : "");
}

/* Shifts by any count: XLA's result for counts >= the width, which C leaves undefined. */
static void emit_shift_helper(tj_buf *b, enum cg_helper h, tj_dtype t) {
  const char *T = cg_type(t), *U = uint_of(t);
  int bits = 8 * dtype_size(t);
  const char *name = h == H_SHL ? "shl" : h == H_SHRL ? "shrl" : "shra";
  const char *mask = bits == 64 ? "~0ull" : bits == 32 ? "0xffffffffu" : bits == 16 ? "0xffffu" : "0xffu";
  buf_printf(b, "static %s tj_%s_%s(%s x, %s y) { %s ux = (%s)x & %s, n = (%s)y & %s; ", T, name, T, T, T, U, U,
             mask, U, mask);
  if (h == H_SHL) buf_printf(b, "return n >= %d ? 0 : (%s)(ux << n); }\n", bits, T);
  else if (h == H_SHRL) buf_printf(b, "return n >= %d ? 0 : (%s)(ux >> n); }\n", bits, T);
  else buf_printf(b, "%s fill = (ux >> %d) & 1 ? ~(%s)0 : 0; if (n >= %d) return (%s)fill; "
                  "return (%s)((ux >> n) | (n ? fill << (%d - n) : 0)); }\n", U, bits - 1, U, bits, T, T, bits);
}

/* jax's integer_pow: square and multiply, rounding each product */
static void emit_ipow_helper(tj_buf *b, tj_dtype t) {
  const char *T = cg_type(t), *U = uint_of(t);
  if (dtype_is_float(t)) buf_printf(b, "static %s tj_ipow_%s(%s x, long long y) { %s acc = 1; int first = 1; "
                     "unsigned long long n = y < 0 ? 0ull - (unsigned long long)y : (unsigned long long)y; "
                     "for (; n; n >>= 1) { if (n & 1) { acc = first ? x : acc * x; first = 0; } "
                     "if (n > 1) x = x * x; } return y < 0 ? 1 / acc : acc; }\n", T, T, T, T);
  else buf_printf(b, "static %s tj_ipow_%s(%s x, long long y) { %s acc = 1, p = (%s)x; "
                  "for (unsigned long long n = (unsigned long long)y; y > 0 && n; n >>= 1) { "
                  "if (n & 1) acc *= p; p *= p; } return (%s)acc; }\n", T, T, T, U, U, T);
}

/* Float to integer t, saturating, NaN -> 0 (C leaves out-of-range undefined) */
static void emit_f2i_helper(tj_buf *b, tj_dtype t) {
  const char *T = cg_type(t);
  int bits = 8 * dtype_size(t);
  if (t == DT_U64) { /* 2^64 is a double, UINT64_MAX is not; C converts (-1, 2^64) */
    buf_puts(b, "static u64 tj_f2i_u64(double x) { return x != x || x <= 0 ? 0 : x >= 18446744073709551616.0 ? "
                "~0ull : x >= 9223372036854775808.0 ? (u64)(i64)(x - 9223372036854775808.0) + (1ull << 63) : "
                "(u64)(i64)x; }\n");
    return;
  }
  bool uns = dtype_kindof(t) == DK_UNSIGNED;
  int64_t lo = uns ? 0 : (int64_t)(~0ull << (bits - 1));
  int64_t hi = uns ? (int64_t)((1ull << bits) - 1) : (int64_t)~(~0ull << (bits - 1));
  buf_printf(b, "static %s tj_f2i_%s(double x) { return x != x ? 0 : x <= %.17g ? (%s)", T, T, (double)lo, T);
  put_int(t == DT_U32 ? DT_I64 : t, lo, b);
  buf_printf(b, " : x >= %.17g ? (%s)", (double)hi, T);
  put_int(t == DT_U32 ? DT_I64 : t, hi, b);
  buf_printf(b, " : (%s)(long long)x; }\n", T);
}

/* u64 to float t, rounded once: tcc has no __floatundisf. From 2^63 on, halve
 * keeping the lost bit sticky (exact in the rounding), convert signed, double */
static void emit_u2f_helper(tj_buf *b, tj_dtype t) {
  const char *T = cg_type(t);
  buf_printf(b, "static %s tj_u2f_%s(u64 u) { return u >> 63 ? 2 * (%s)(i64)((u >> 1) | (u & 1)) : (%s)(i64)u; }\n",
             T, T, T, T);
}

/* A float from its bit pattern (bitcast_convert_type). */
static void emit_bits_helper(tj_buf *b, tj_dtype t) {
  if (t == DT_F32) buf_puts(b, "static f32 tj_bits_f32(unsigned long long u) { union { unsigned u; f32 f; } x; x.u = (unsigned)u; return x.f; }\n");
  else buf_puts(b, "static f64 tj_bits_f64(unsigned long long u) { union { unsigned long long u; f64 f; } x; x.u = u; return x.f; }\n");
}

/* lax.clz: the leading zeros of t's bits, the width for 0 (XLA's
 * count_leading_zeros; tcc has no __builtin_clz). */
static void emit_clz_helper(tj_buf *b, tj_dtype t) {
  const char *T = cg_type(t), *U = uint_of(t);
  int bits = 8 * dtype_size(t);
  const char *mask = bits == 64 ? "~0ull" : bits == 32 ? "0xffffffffu" : bits == 16 ? "0xffffu" : "0xffu";
  buf_printf(b, "static %s tj_clz_%s(%s x) { %s u = (%s)x & %s; int n = %d; for (; u; u >>= 1) n--; return (%s)n; }\n",
             T, T, T, U, U, mask, bits, T);
}

/* The C definition of helper h on dtype t, which the kernels' code calls. */
static void emit_helper(tj_buf *b, enum cg_helper h, tj_dtype t) {
  switch (h) {
  case H_MAX: case H_MIN: emit_minmax_helper(b, h, t); break;
  case H_DIV: case H_REM: emit_divrem_helper(b, h, t); break;
  case H_SHL: case H_SHRL: case H_SHRA: emit_shift_helper(b, h, t); break;
  case H_IPOW: emit_ipow_helper(b, t); break;
  case H_F2I: emit_f2i_helper(b, t); break;
  case H_U2F: emit_u2f_helper(b, t); break;
  case H_RP: emit_rp_helper(b, t); break;
  case H_BITS: emit_bits_helper(b, t); break;
  case H_CLZ: emit_clz_helper(b, t); break;
  case H_COUNT: break;
  }
}

static bool uses_dtype(const ir_module *m, tj_dtype t) {
  for (uint32_t v = 0; v < m->nvars; v++)
    if (m->vars[v].dtype == t) return true;
  return false;
}

static void emit_prelude(const cg *g, tj_buf *b) {
  buf_puts(b, "/* Generated by tjit " "from a jaxpr: only generated names and numbers. */\n"
              "typedef float f32; typedef double f64; typedef signed char i8; typedef short i16;\n"
              "typedef int i32; typedef long long i64; typedef unsigned char u8; typedef unsigned u32;\n"
              "typedef unsigned char bool;\n");
  if (uses_dtype(g->m, DT_U16) || uses_dtype(g->m, DT_U64)) /* only then: older programs' C stays the same */
    buf_puts(b, "typedef unsigned short u16; typedef unsigned long long u64;\n");
  if (uses_dtype(g->m, DT_KEY)) buf_puts(b, "typedef unsigned long long tjkey;\n");
  if (uses_dtype(g->m, DT_F16) || uses_dtype(g->m, DT_BF16)) /* the 2-byte floats' storage and conversions */
    buf_puts(b, "typedef unsigned short f16; typedef unsigned short bf16;\n" TJ_HALF_BITS_TEXT "\n");
  buf_puts(b, "struct tj_rt { unsigned long long work, max_work; };\n");
  for (int i = 0; i < CGF_COUNT; i++)
    if (g->need_fn[i]) buf_printf(b, "%s\n", cg_fns[i].proto);
  int nkernels;
  const tjk_kernel *kernels = tjk_all(&nkernels);
  for (int i = 0; i < nkernels; i++)
    if (g->need_kernel[i]) buf_printf(b, "%s\n", tjk_prototype(&kernels[i]));
  for (int t = 0; t < DT_COUNT; t++)
    if (g->need[H_RP][t]) { /* once, for every dtype's tj_rp_ */
      buf_puts(b, TJ_RP_BITS_TEXT "\n");
      break;
    }
  for (int h = H_COUNT - 1; h >= 0; h--) /* bits before the others: they use its constants */
    for (int t = 0; t < DT_COUNT; t++)
      if (g->need[h][t]) emit_helper(b, (enum cg_helper)h, (tj_dtype)t);
}

/* The stack the generated code needs: tj_entry's frame and its deepest
 * chain of calls. */
static void check_stack(cg *g) {
  uint64_t stack = CG_CALL_FRAME + g->frame + g->callee_stack;
  if (!g->failed && stack > (uint64_t)TJ_MAX_STACK_BYTES)
    cg_over_limit(g, "the generated C needs an estimated %llu bytes of stack, over the limit of %lld bytes (%lld MiB)",
                  (unsigned long long)stack, (long long)TJ_MAX_STACK_BYTES, (long long)TJ_MAX_STACK_BYTES >> 20);
}

bool codegen_takes_float0(const ir_module *m) {
  for (uint32_t i = 0; i < m->top->nin; i++)
    if (m->vars[m->top->invars[i]].dtype == DT_FLOAT0) return true;
  return false;
}

cg_result codegen_c(const diag_at *at, const ir_module *m, pass_facts *f, tj_buf *out) {
  cg g = {.m = m, .facts = f, .at = at};
  if (codegen_takes_float0(m)) {
    cg_fail(&g, "a jaxpr with float0 inputs can be traced but not compiled: float0 has no C type");
    return CG_CANNOT; /* the callers refuse it first (run.c generate) */
  }
  tj_buf body = {.big = true}; /* the generated C may fail to grow: checked at the end */
  out->big = true;
  g.out = &body;
  int nkernels;
  tjk_all(&nkernels);
  g.vars = calloc(m->nvars ? m->nvars : 1, sizeof *g.vars);
  g.need_kernel = calloc(nkernels, sizeof *g.need_kernel);
  if (!g.vars || !g.need_kernel) TJ_OOM();
  const ir_jaxpr *j = m->top;
  char **ins = calloc(j->nin + 1, sizeof *ins), **dests = calloc(j->nout + 1, sizeof *dests);
  if (!ins || !dests) TJ_OOM();
  for (uint32_t i = 0; i < j->nin; i++) {
    uint32_t v = j->invars[i];
    tj_buf s = {0};
    const char *t = cg_type(m->vars[v].dtype);
    buf_printf(&s, m->vars[v].rank == 0 ? "*(%s *)in[%u]" : "(%s *)in[%u]", t, i);
    ins[i] = buf_detach(&s);
  }
  for (uint32_t k = 0; k < j->nout; k++) {
    tj_aval a = ir_atom_aval(m, j->outs[k]);
    tj_buf s = {0};
    buf_printf(&s, a.rank == 0 ? "*(%s *)out[%u]" : "(%s *)out[%u]", cg_type(a.dtype), k);
    dests[k] = buf_detach(&s);
  }
  g.indent = 1;
  g.functions.big = true;
  cg_charge_work(&g, NULL);
  cg_jaxpr_into(&g, j, (const char *const *)ins, (const char *const *)dests);
  check_stack(&g);
  if (!g.failed) {
    emit_prelude(&g, out);
    emit_consts(&g, out);
    if (g.functions.data) buf_puts(out, g.functions.data);
    buf_puts(out, "void tj_entry(struct tj_rt *rt, void *const *in, void *const *out) {\n");
    if (body.data) buf_puts(out, body.data);
    buf_puts(out, "}\n");
  }
  size_t failed = body.failed ? body.failed : g.functions.failed ? g.functions.failed : out->failed;
  bool nomem = !g.failed && failed;
  if (nomem) diag_out_of_memory(at->d, TJ_NOMEM_FMT "the generated C code", failed);
  for (uint32_t i = 0; i < j->nin; i++) free(ins[i]);
  for (uint32_t k = 0; k < j->nout; k++) free(dests[k]);
  free(ins);
  free(dests);
  free(g.vars);
  free(g.need_kernel);
  free(g.fns);
  buf_free(&g.functions);
  buf_free(&body);
  return nomem ? CG_NOMEM : !g.failed ? CG_DONE : g.over_limit ? CG_OVER_LIMIT : CG_CANNOT;
}
