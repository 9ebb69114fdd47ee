/* Large fused chains in blocks (numexpr's design, PLATFORM-NOTES): libtcc's
 * own loops run like gcc -O0, so a chain over many elements becomes a loop
 * over L1-sized blocks whose body calls, per equation, a block kernel that
 * gcc compiled vectorized into libtjit (kernels.h). Temporaries are block
 * arrays on the stack, reused as values die, so the chain stays in cache;
 * only values used after the chain reach memory.
 *
 * Operands broadcast along the last axis ([n,1] next to [n,c], a [1,c] or
 * [c] parameter) make the loop one over rows, then blocks within a row: a
 * per-row value is a scalar of the call, a repeated row a vector at the
 * row's offset, so layer norm and softmax run in the kernels too. An
 * equation without a kernel (a comparison, a convert) is a scalar loop
 * over the block, still in cache.
 *
 * A sink of the group (a reduction of one of its values, pass.h) folds
 * each block of that value, in cache, into L lane accumulators carried
 * from block to block (kernels.h's RACC, told where the block starts, so
 * the lanes take lane_fold.h's steps over the
 * whole row) and the row's result comes from RFIN: the bits of the
 * reduction's own row kernel, with no array stored. A reduction of
 * trailing axes makes the loop one over rows; a result spanning several
 * rows takes their blocks in turn, each from its place in the reduced
 * elements (the lane it starts in). */
#include "codegen.h"
#include "kernels.h"
#include "lane_fold.h"

#include <stdlib.h>
#include <string.h>

/* Elements per block: 1 KB of float32 per temporary. Measured on the
 * 2-core development machine (AMD EPYC, medians of 20 warm runs, ms, 256
 * against 1024): a*x+b of 50M 21.6-23.6 vs 29.3; sin(x)*2+exp(-x*x) of
 * 10M 13.1 vs 15.5-16.5; layer norm [4096,1024] 6.6-7.4 vs 7.4-7.7;
 * softmax 6.1-6.7 vs 7.6-7.9; sum(a*x+b) 30.8-32.9 vs 35.7-40.3; 128 no
 * better than 256. Blocks of 4 KB put the temporaries at the inputs'
 * offsets modulo 4096, where loads wait on stores they only seem to
 * alias (4K aliasing). A multiple of the lanes (lane_fold.h: 64 f32). */
#define BLOCK 256
#define BLOCK_MIN 4096    /* below this, one scalar loop beats the calls */
#define ROW_MIN 256       /* shorter rows than this stay in the scalar loop */
#define MAX_SLOTS 32

/* How an operand of the group reads inside the block loop. */
enum operand_kind {
  OPK_NONE,                 /* index arithmetic the kernels cannot do */
  OPK_SCALAR,               /* a literal, a rank-0 value, a broadcast scalar */
  OPK_ARRAY,                /* of the group's shape: its block at base + o */
  OPK_ROW_SCALAR,           /* one value per row (last dim 1) */
  OPK_ROW_VECTOR,           /* the row, repeated (leading dims 1): at o */
};

/* How one equation of the group runs: its kernel and where its operands
 * and result are. */
typedef struct bstep {
  const tjk_kernel *k;
  int slot;                 /* result's block array, or -1: its buffer (vK + o) */
  bool scalar;              /* broadcast of a rank-0 value: no array at all */
  bool made;                /* the equation is the group's (live, not hoisted) */
  bool loop;                /* no kernel (a comparison, select, convert): a scalar loop over the block */
  bool gen;                 /* random_bits of one key: the block made by the runtime's block kernel */
  bool sink;                /* a sink: its operand's blocks folded into accumulators sV */
  int64_t per;              /* a sink's rows per result (rows), or 0: one result after the loop */
} bstep;

typedef struct bplan {
  bstep *steps;             /* per equation of the group (first..end) */
  int nslots;
  tj_dtype slot_dtype[MAX_SLOTS];
  bool rows;                /* some operand is per row: loop over rows, then blocks */
  int nkernels;             /* steps that call a kernel */
} bplan;

/* The step of group variable v, or NULL when v is not made in the group. */
static const bstep *step_of(const ir_jaxpr *j, const bplan *p, uint32_t first, uint32_t end, uint32_t v) {
  for (uint32_t k = first; k < end; k++)
    if (p->steps[k - first].made && j->eqns[k].out[0] == v) return &p->steps[k - first];
  return NULL;
}

static enum operand_kind operand_kind(cg *g, const ir_jaxpr *j, const bplan *p, uint32_t first, uint32_t k,
                                      ir_atom a, const tj_aval *shape) {
  if (ATOM_IS_LIT(a)) return OPK_SCALAR;
  const bstep *s = step_of(j, p, first, k, ATOM_INDEX(a));
  if (s) return s->scalar ? OPK_SCALAR : OPK_ARRAY;
  tj_aval av = cg_aval(g, a);
  if (av.rank == 0) return OPK_SCALAR;
  if (aval_same_shape(&av, shape)) return OPK_ARRAY;
  if (av.rank != shape->rank) return OPK_NONE;
  for (int d = 0; d < av.rank; d++)
    if (av.dims[d] != 1 && av.dims[d] != shape->dims[d]) return OPK_NONE;
  int last = av.rank - 1;
  if (av.dims[last] == shape->dims[last]) return OPK_ROW_VECTOR;
  return av.dims[last] == 1 ? OPK_ROW_SCALAR : OPK_NONE;
}

static bool is_scalar_kind(enum operand_kind k) { return k == OPK_SCALAR || k == OPK_ROW_SCALAR; }

static bool needs_store(const cg_info *in, uint32_t v, uint32_t end) { return in->last[v] > end - 1; }

/* A slot of dtype t free from equation k on; slots of operands that die at
 * k are free for k's result (kernels may write in place). */
static int take_slot(bplan *p, bool *busy, tj_dtype t) {
  for (int s = 0; s < p->nslots; s++)
    if (!busy[s] && p->slot_dtype[s] == t) return busy[s] = true, s;
  if (p->nslots == MAX_SLOTS) return -1;
  p->slot_dtype[p->nslots] = t;
  busy[p->nslots] = true;
  return p->nslots++;
}

static const tjk_kernel *kernel_for(cg *g, const ir_jaxpr *j, const bplan *p, uint32_t first, uint32_t k,
                                    const tj_aval *shape) {
  const ir_eqn *e = &j->eqns[k];
  tj_dtype t = g->m->vars[e->out[0]].dtype;
  if (!(prims[e->prim].flags & PF_ELEMENTWISE) || (prims[e->prim].flags & PF_COMPARE) || e->nin > 2) return NULL;
  for (uint32_t i = 0; i < e->nin; i++)
    if (cg_aval(g, e->in[i]).dtype != t) return NULL; /* converts, selects */
  enum operand_kind a = operand_kind(g, j, p, first, k, e->in[0], shape);
  if (e->nin == 1) {
    const tjk_kernel *u = a != OPK_NONE && !is_scalar_kind(a) ? tjk_find(e->prim, t, TJK_UNARY) : NULL;
    /* a kernel computes its row's param at the default only (round's half away from zero) */
    return u && u->param && ir_param_int(e, u->param, u->param_default) != u->param_default ? NULL : u;
  }
  enum operand_kind b = operand_kind(g, j, p, first, k, e->in[1], shape);
  if (a == OPK_NONE || b == OPK_NONE || (is_scalar_kind(a) && is_scalar_kind(b))) return NULL;
  return tjk_find(e->prim, t, is_scalar_kind(a) ? TJK_SV : is_scalar_kind(b) ? TJK_VS : TJK_VV);
}

bool cg_block_generator(cg *g, const ir_eqn *e) {
  if (e->prim != P_random_bits) return false;
  tj_aval key = cg_aval(g, e->in[0]);
  return cg_size(&key) == 1;
}

/* A sink k of the group: a kernel for its dtype, an operand with blocks. A
 * reduction of trailing axes (a result per row) makes the loop one over
 * rows. */
static bool plan_sink(cg *g, const ir_jaxpr *j, bplan *p, uint32_t first, uint32_t k) {
  const ir_eqn *e = &j->eqns[k];
  const bstep *o = ATOM_IS_LIT(e->in[0]) ? NULL : step_of(j, p, first, k, ATOM_INDEX(e->in[0]));
  if (!o || o->scalar || !tjk_find(e->prim, cg_aval(g, e->in[0]).dtype, TJK_RACC)) return false;
  p->steps[k - first].sink = true;
  p->rows |= g->m->vars[e->out[0]].rank > 0;
  p->nkernels++;
  return true;
}

/* Each sink's rows per result, once the loop's kind is known. */
static void plan_sinks_rows(cg *g, const ir_jaxpr *j, bplan *p, uint32_t first, uint32_t end, const tj_aval *shape) {
  int64_t nrows = cg_size(shape) / shape->dims[shape->rank - 1];
  for (uint32_t k = first; k < end; k++) {
    bstep *s = &p->steps[k - first];
    if (!s->sink || !p->rows) continue;
    s->per = nrows / cg_size(&g->m->vars[j->eqns[k].out[0]]);
    if (s->per == nrows) s->per = 0; /* all rows: after the loop */
  }
}

/* Plans the group, or returns false when some equation has no kernel. */
static bool plan(cg *g, const ir_jaxpr *j, const cg_info *in, uint32_t first, uint32_t end, bplan *p) {
  const tj_aval *shape = &g->m->vars[j->eqns[first].out[0]];
  bool busy[MAX_SLOTS] = {0};
  if (cg_size(shape) < BLOCK_MIN) return false;
  for (uint32_t k = first; k < end; k++) {
    const ir_eqn *e = &j->eqns[k];
    bstep *s = &p->steps[k - first];
    s->slot = -1;
    if (!in->live[k]) continue;
    if (in->sink && in->sink[k]) {
      if (!plan_sink(g, j, p, first, k)) return false;
      continue;
    }
    s->made = true;
    if (e->prim == P_broadcast_in_dim) {
      if (cg_aval(g, e->in[0]).rank != 0 || needs_store(in, e->out[0], end)) return false;
      s->scalar = true;
      continue;
    }
    s->gen = k == first && cg_block_generator(g, e);
    s->k = s->gen ? NULL : kernel_for(g, j, p, first, k, shape);
    s->loop = !s->k && !s->gen;
    p->nkernels += s->k != NULL || s->gen;
    if (s->loop && (!(prims[e->prim].flags & PF_ELEMENTWISE) || e->nin > 3)) return false;
    for (uint32_t i = 0; i < e->nin && !s->gen; i++) {
      enum operand_kind kind = operand_kind(g, j, p, first, k, e->in[i], shape);
      if (kind == OPK_NONE) return false;
      p->rows |= kind == OPK_ROW_SCALAR || kind == OPK_ROW_VECTOR;
    }
    for (uint32_t i = 0; i < e->nin; i++) { /* operands dying here free their slots */
      const bstep *o = ATOM_IS_LIT(e->in[i]) ? NULL : step_of(j, p, first, k, ATOM_INDEX(e->in[i]));
      if (o && o->slot >= 0 && in->last[ATOM_INDEX(e->in[i])] == k) busy[o->slot] = false;
    }
    if (!needs_store(in, e->out[0], end) && (s->slot = take_slot(p, busy, g->m->vars[e->out[0]].dtype)) < 0)
      return false;
  }
  plan_sinks_rows(g, j, p, first, end, shape);
  return p->nkernels > 0 && (!p->rows || shape->dims[shape->rank - 1] >= ROW_MIN);
}

/* The offset of the current row's elements in a broadcast operand of
 * aval av: its coordinates c0.. (of the leading dims it does not repeat)
 * times its strides. */
static void row_offset(const tj_aval *av, tj_buf *b) {
  int64_t stride = av->dims[av->rank - 1];
  size_t len = b->len;
  for (int d = av->rank - 2; d >= 0; d--) {
    if (av->dims[d] != 1) buf_printf(b, stride == 1 ? "%sc%d" : "%sc%d * %lld", b->len > len ? " + " : "", d,
                                     (long long)stride);
    stride *= av->dims[d];
  }
  if (b->len == len) buf_puts(b, "0");
}

/* Block data of variable v from index idx: `v + idx` for a kernel, or
 * `v[idx + i]`, element i, in a scalar loop over the block. */
static void block_at(tj_buf *b, uint32_t v, const char *idx, bool element) {
  buf_printf(b, element ? "v%u[%s + i]" : "v%u + %s", v, idx);
}

/* Where step s's result goes: its block array, or its buffer. */
static void result_text(const bplan *p, const bstep *s, uint32_t v, bool element, tj_buf *b) {
  if (s->slot >= 0) buf_printf(b, element ? "b%d[i]" : "b%d", s->slot);
  else block_at(b, v, p->rows ? "base + o" : "o", element);
}

/* The C text of operand a inside the block loop, for a kernel or (element)
 * for a scalar loop. */
static void operand_text(cg *g, const ir_jaxpr *j, const bplan *p, uint32_t first, uint32_t k, ir_atom a,
                         bool element, tj_buf *b) {
  const tj_aval *shape = &g->m->vars[j->eqns[first].out[0]];
  const bstep *s = ATOM_IS_LIT(a) ? NULL : step_of(j, p, first, k, ATOM_INDEX(a));
  enum operand_kind kind = operand_kind(g, j, p, first, k, a, shape);
  if (s && s->scalar) cg_elem(g, j->eqns[s - p->steps + first].in[0], NULL, b); /* the broadcast's operand */
  else if (s) result_text(p, s, ATOM_INDEX(a), element, b);
  else if (kind == OPK_SCALAR) cg_elem(g, a, NULL, b);
  else if (kind == OPK_ARRAY) block_at(b, ATOM_INDEX(a), p->rows ? "base + o" : "o", element);
  else {
    tj_aval av = cg_aval(g, a);
    tj_buf off = {0};
    row_offset(&av, &off);
    if (kind == OPK_ROW_SCALAR) buf_printf(b, "v%u[%s]", ATOM_INDEX(a), off.data);
    else {
      if (strcmp(off.data, "0") == 0) off.len = 0;
      buf_puts(&off, off.len ? " + o" : "o");
      block_at(b, ATOM_INDEX(a), off.data, element);
    }
    buf_free(&off);
  }
}

/* A convert between f32 and f16/bf16 of a block (the half pass's
 * roundings): one call of the runtime's vectorized conversion
 * (half_rt.c), where tcc's loop would call the prelude's per element. */
static bool emit_half_convert(cg *g, const ir_jaxpr *j, const bplan *p, uint32_t first, uint32_t k) {
  const ir_eqn *e = &j->eqns[k];
  tj_dtype from = cg_aval(g, e->in[0]).dtype, to = g->m->vars[e->out[0]].dtype;
  const tj_aval *shape = &g->m->vars[j->eqns[first].out[0]];
  if (e->prim != P_convert_element_type || !(dtype_is_half(from) ? to == DT_F32 : from == DT_F32 && dtype_is_half(to)))
    return false;
  enum operand_kind kind = operand_kind(g, j, p, first, k, e->in[0], shape);
  if (kind != OPK_ARRAY && kind != OPK_ROW_VECTOR) return false;
  tj_buf src = {0}, dst = {0};
  operand_text(g, j, p, first, k, e->in[0], false, &src);
  result_text(p, &p->steps[k - first], e->out[0], false, &dst);
  cg_line(g, "%s(%s, %s, %d, %d, n); /* convert_element_type */", cg_fn(g, "tj_rt_half_block"), dst.data, src.data,
          (int)from, (int)to);
  buf_free(&src), buf_free(&dst);
  return true;
}

/* A bitcast between dtypes of one width (jax.random's uniform: u32 bits
 * to f32): the block's bytes copied as they are, one memcpy where tcc's
 * loop would go through a union per element. */
static bool emit_bitcast_copy(cg *g, const ir_jaxpr *j, const bplan *p, uint32_t first, uint32_t k) {
  const ir_eqn *e = &j->eqns[k];
  tj_dtype from = cg_aval(g, e->in[0]).dtype, to = g->m->vars[e->out[0]].dtype;
  const tj_aval *shape = &g->m->vars[j->eqns[first].out[0]];
  if (e->prim != P_bitcast_convert_type || dtype_size(from) != dtype_size(to)) return false;
  enum operand_kind kind = operand_kind(g, j, p, first, k, e->in[0], shape);
  if (kind != OPK_ARRAY && kind != OPK_ROW_VECTOR) return false;
  tj_buf src = {0}, dst = {0};
  operand_text(g, j, p, first, k, e->in[0], false, &src);
  result_text(p, &p->steps[k - first], e->out[0], false, &dst);
  cg_line(g, "%s((void *)%s, (const void *)%s, n * %d); /* bitcast_convert_type */", cg_fn(g, "memcpy"), dst.data,
          src.data, dtype_size(to));
  buf_free(&src), buf_free(&dst);
  return true;
}

/* An equation without a kernel: a loop over the block, in tcc's code. */
static void emit_loop_step(cg *g, const ir_jaxpr *j, const bplan *p, uint32_t first, uint32_t k) {
  const ir_eqn *e = &j->eqns[k];
  if (emit_half_convert(g, j, p, first, k) || emit_bitcast_copy(g, j, p, first, k)) return;
  tj_buf ops[3] = {{0}}, expr = {0}, dst = {0};
  const char *opv[3];
  for (uint32_t i = 0; i < e->nin; i++) operand_text(g, j, p, first, k, e->in[i], true, &ops[i]), opv[i] = ops[i].data;
  prims[e->prim].cg(g, e, opv, &expr);
  result_text(p, &p->steps[k - first], e->out[0], true, &dst);
  cg_line(g, "for (long i = 0; i < n; i++) %s = %s; /* %s */", dst.data, expr.data, prims[e->prim].name);
  for (uint32_t i = 0; i < e->nin; i++) buf_free(&ops[i]);
  buf_free(&expr), buf_free(&dst);
}

/* random_bits of one key: the block's elements, counters base + o on,
 * from the runtime's threefry block kernel (random_rt.c), so the bits never
 * reach memory. */
static void emit_generator(cg *g, const ir_eqn *e, const bplan *p, const bstep *s) {
  tj_buf key = {0}, dst = {0};
  cg_ptr(g, e->in[0], &key);
  result_text(p, s, e->out[0], false, &dst);
  cg_line(g, "%s((const void *)%s, (void *)%s, %d, %s, n); /* random_bits */", cg_fn(g, "tj_rt_random_bits_block"),
          key.data, dst.data, (int)ir_param_int(e, "bit_width", 32), p->rows ? "base + o" : "o");
  buf_free(&key), buf_free(&dst);
}

/* A sink's accumulators sV before the loop, each lane the identity. */
static void sink_begin(cg *g, const ir_eqn *e) {
  tj_dtype t = cg_aval(g, e->in[0]).dtype;
  int lanes = TJ_LANE_BYTES / dtype_size(t);
  tj_buf id = {0};
  cg_reduce_identity(g, e->prim, t, &id);
  cg_line(g, "%s s%u[%d];", cg_type(t), e->out[0], lanes);
  cg_line(g, "for (int j = 0; j < %d; j++) s%u[j] = %s;", lanes, e->out[0], id.data);
  cg_frame(g, TJ_LANE_BYTES);
  buf_free(&id);
}

/* The result of a sink's rows up to here, element `at` of its result
 * (the finish sets the lanes back to the identity). */
static void sink_finish(cg *g, const ir_eqn *e, const char *at) {
  const tjk_kernel *k = tjk_find(e->prim, cg_aval(g, e->in[0]).dtype, TJK_RFIN);
  tj_buf dst = {0};
  cg_elem(g, ATOM_VAR(e->out[0]), at, &dst);
  cg_kernel(g, k);
  cg_line(g, "%s = %s(s%u); /* %s */", dst.data, k->name, e->out[0], prims[e->prim].name);
  buf_free(&dst);
}

/* After a row: the results of the sinks with rows per result. */
static void sink_rows_finish(cg *g, const ir_jaxpr *j, const bplan *p, uint32_t first, uint32_t end) {
  for (uint32_t k = first; k < end; k++) {
    const bstep *s = &p->steps[k - first];
    char at[64];
    if (!s->sink || !s->per) continue;
    if (s->per == 1) sink_finish(g, &j->eqns[k], "r");
    else {
      snprintf(at, sizeof at, "r / %lld", (long long)s->per);
      cg_line(g, "if (r %% %lld == %lld)", (long long)s->per, (long long)s->per - 1);
      g->indent++;
      sink_finish(g, &j->eqns[k], at);
      g->indent--;
    }
  }
}

static void emit_step(cg *g, const ir_jaxpr *j, const bplan *p, uint32_t first, uint32_t k) {
  const ir_eqn *e = &j->eqns[k];
  const bstep *s = &p->steps[k - first];
  if (s->sink) { /* the operand's block into the lanes, from its place in the reduced elements */
    const tjk_kernel *kr = tjk_find(e->prim, cg_aval(g, e->in[0]).dtype, TJK_RACC);
    tj_buf src = {0}, at = {0};
    const tj_aval *shape = &g->m->vars[j->eqns[first].out[0]];
    operand_text(g, j, p, first, k, e->in[0], false, &src);
    if (!p->rows || s->per == 1) buf_puts(&at, "o");
    else if (!s->per) buf_puts(&at, "base + o");
    else buf_printf(&at, "r %% %lld * %lld + o", (long long)s->per, (long long)shape->dims[shape->rank - 1]);
    cg_kernel(g, kr);
    cg_line(g, "%s(s%u, %s, n, %s);", kr->name, e->out[0], src.data, at.data);
    buf_free(&src), buf_free(&at);
    return;
  }
  if (s->gen) {
    emit_generator(g, e, p, s);
    return;
  }
  if (s->loop) {
    emit_loop_step(g, j, p, first, k);
    return;
  }
  tj_buf call = {0};
  cg_kernel(g, s->k);
  buf_printf(&call, "%s(", s->k->name);
  result_text(p, s, e->out[0], false, &call);
  for (uint32_t i = 0; i < e->nin; i++) {
    buf_puts(&call, ", ");
    operand_text(g, j, p, first, k, e->in[i], false, &call);
  }
  cg_line(g, "%s, n);", call.data);
  buf_free(&call);
}

/* Opens the loop over rows (and the row's coordinates c0.., which the
 * broadcast operands' offsets use) around the loop over its blocks. */
static void rows_begin(cg *g, const tj_aval *shape, long long row, bool threaded) {
  if (threaded) cg_line(g, "for (long r = lo; r < hi; r++) { /* rows of %lld, in blocks of %d through the kernels */", row, BLOCK);
  else
    cg_line(g, "for (long r = 0; r < %lld; r++) { /* rows of %lld, in blocks of %d through the kernels */",
            (long long)cg_size(shape) / row, row, BLOCK);
  g->indent++;
  cg_line(g, "long base = r * %lld;", row);
  long long span = 1;
  for (int d = shape->rank - 2; d >= 0; d--) {
    cg_line(g, "long c%d = r / %lld %% %lld;", d, span, (long long)shape->dims[d]);
    span *= shape->dims[d];
  }
  cg_line(g, "for (long o = 0; o < %lld; o += %d) {", row, BLOCK);
}

/* The rows a part of the loop must hold whole when it is split across
 * threads: 1, or the rows per result of its sinks (each part then starts
 * its results' lanes afresh, as the loop does at a result's first row);
 * 0 when it cannot be split: a sink reduces across the whole loop (one
 * order of the lanes), or two sinks group rows differently. */
static int64_t split_grain(const bplan *p, uint32_t first, uint32_t end) {
  int64_t grain = 1;
  for (uint32_t k = first; k < end; k++) {
    const bstep *s = &p->steps[k - first];
    if (!s->sink) continue;
    if (!s->per || (grain > 1 && s->per != grain)) return 0;
    grain = s->per;
  }
  return grain;
}

bool cg_block_plans(cg *g, const ir_jaxpr *j, const cg_info *in, uint32_t first, uint32_t end) {
  bplan p = {.steps = calloc(end - first, sizeof(bstep))};
  if (!p.steps) TJ_OOM();
  bool ok = plan(g, j, in, first, end, &p);
  free(p.steps);
  return ok;
}

bool cg_block_group(cg *g, const ir_jaxpr *j, const cg_info *in, uint32_t first, uint32_t end) {
  bplan p = {.steps = calloc(end - first, sizeof(bstep))};
  if (!p.steps) TJ_OOM();
  if (!plan(g, j, in, first, end, &p)) {
    free(p.steps);
    return false;
  }
  const tj_aval *shape = &g->m->vars[j->eqns[first].out[0]];
  long long size = (long long)cg_size(shape), row = p.rows ? (long long)shape->dims[shape->rank - 1] : size;
  int64_t grain = split_grain(&p, first, end);
  cg_par par = {0};
  bool threaded = grain > 0 && cg_par_begin(g, j, in, first, end, size, &par);
  for (uint32_t k = first; k < end; k++) /* in the function when threaded: each thread its lanes */
    if (p.steps[k - first].sink) sink_begin(g, &j->eqns[k]);
  if (p.rows) rows_begin(g, shape, row, threaded);
  else if (threaded) cg_line(g, "for (long o = lo; o < hi; o += %d) { /* blocks of %d through the kernels */", BLOCK, BLOCK);
  else cg_line(g, "for (long o = 0; o < %lld; o += %d) { /* blocks of %d through the kernels */", size, BLOCK, BLOCK);
  g->indent++;
  cg_line(g, "long n = %lld - o < %d ? %lld - o : %d;", row, BLOCK, row, BLOCK);
  for (int s = 0; s < p.nslots; s++) {
    cg_line(g, "%s b%d[%d];", cg_type(p.slot_dtype[s]), s, BLOCK);
    cg_frame(g, (uint64_t)BLOCK * dtype_size(p.slot_dtype[s]));
  }
  for (uint32_t k = first; k < end; k++)
    if (in->live[k] && !p.steps[k - first].scalar) emit_step(g, j, &p, first, k);
  g->indent--;
  cg_line(g, "}");
  if (p.rows) sink_rows_finish(g, j, &p, first, end), g->indent--, cg_line(g, "}");
  cg_par_end(g, &par, p.rows ? size / row : size, p.rows ? grain : BLOCK);
  for (uint32_t k = first; k < end; k++)
    if (p.steps[k - first].sink && !p.steps[k - first].per) sink_finish(g, &j->eqns[k], "0");
  free(p.steps);
  return true;
}
