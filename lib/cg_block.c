/* Large fused chains in blocks (numexpr's design, PLATFORM-NOTES): libtcc's
 * own loops run like gcc -O0, so a chain over many elements becomes a loop
 * over L1-sized blocks whose body calls, per equation, a block kernel that
 * gcc compiled vectorized into libtjit (kernels.h). Temporaries are block
 * arrays on the stack, reused as values die, so the chain stays in cache;
 * only values used after the chain reach memory. */
#include "codegen.h"
#include "kernels.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK 1024        /* elements per block: 4 KB of float32 per temporary */
#define BLOCK_MIN 4096    /* below this, one scalar loop beats the calls */
#define MAX_SLOTS 32

/* How one equation of the group runs: its kernel and where its operands
 * and result are. */
typedef struct bstep {
  const tjk_kernel *k;
  int slot;                 /* result's block array, or -1: its buffer (vK + o) */
  bool scalar;              /* broadcast of a rank-0 value: no array at all */
  bool made;                /* the equation is the group's (live, not hoisted) */
} bstep;

typedef struct bplan {
  bstep *steps;             /* per equation of the group (first..end) */
  int nslots;
  tj_dtype slot_dtype[MAX_SLOTS];
} bplan;

/* The step of group variable v, or NULL when v is not made in the group. */
static const bstep *step_of(const ir_jaxpr *j, const bplan *p, uint32_t first, uint32_t end, uint32_t v) {
  for (uint32_t k = first; k < end; k++)
    if (p->steps[k - first].made && j->eqns[k].out[0] == v) return &p->steps[k - first];
  return NULL;
}

/* Whether operand a reads as a scalar (true) or an array of the group's
 * shape (false); -1 when neither (a broadcast needing index arithmetic). */
static int operand_is_scalar(cg *g, const ir_jaxpr *j, const bplan *p, uint32_t first, uint32_t k, ir_atom a,
                             const tj_aval *shape) {
  if (ATOM_IS_LIT(a)) return 1;
  uint32_t v = ATOM_INDEX(a);
  const bstep *s = step_of(j, p, first, k, v);
  if (s) return s->scalar;
  tj_aval av = cg_aval(g, a);
  if (av.rank == 0) return 1;
  return aval_same_shape(&av, shape) ? 0 : -1;
}

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
  if (e->prim == P_round) {
    const pval *m = ir_param_get(e, "rounding_method");
    if (m && m->i != 0) return NULL;
  }
  if (e->nin == 1) return operand_is_scalar(g, j, p, first, k, e->in[0], shape) == 0
                             ? tjk_find(e->prim, t, TJK_UNARY) : NULL;
  int a = operand_is_scalar(g, j, p, first, k, e->in[0], shape);
  int b = operand_is_scalar(g, j, p, first, k, e->in[1], shape);
  if (a < 0 || b < 0 || (a && b)) return NULL;
  return tjk_find(e->prim, t, a ? TJK_SV : b ? TJK_VS : TJK_VV);
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
    s->made = true;
    if (e->prim == P_broadcast_in_dim) {
      if (cg_aval(g, e->in[0]).rank != 0 || needs_store(in, e->out[0], end)) return false;
      s->scalar = true;
      continue;
    }
    if (!(s->k = kernel_for(g, j, p, first, k, shape))) return false;
    for (uint32_t i = 0; i < e->nin; i++) { /* operands dying here free their slots */
      const bstep *o = ATOM_IS_LIT(e->in[i]) ? NULL : step_of(j, p, first, k, ATOM_INDEX(e->in[i]));
      if (o && o->slot >= 0 && in->last[ATOM_INDEX(e->in[i])] == k) busy[o->slot] = false;
    }
    if (!needs_store(in, e->out[0], end) && (s->slot = take_slot(p, busy, g->m->vars[e->out[0]].dtype)) < 0)
      return false;
  }
  return true;
}

/* The C text of operand a inside the block loop. */
static void operand_text(cg *g, const ir_jaxpr *j, const bplan *p, uint32_t first, uint32_t k, ir_atom a,
                         tj_buf *b) {
  const bstep *s = ATOM_IS_LIT(a) ? NULL : step_of(j, p, first, k, ATOM_INDEX(a));
  if (s && s->scalar) { /* the broadcast's operand */
    const ir_eqn *e = &j->eqns[s - p->steps + first];
    cg_elem(g, e->in[0], NULL, b);
  } else if (s && s->slot >= 0) buf_printf(b, "b%d", s->slot);
  else if (ATOM_IS_LIT(a) || g->m->vars[ATOM_INDEX(a)].rank == 0) cg_elem(g, a, NULL, b);
  else buf_printf(b, "v%u + o", ATOM_INDEX(a));
}

static void emit_step(cg *g, const ir_jaxpr *j, const bplan *p, uint32_t first, uint32_t k) {
  const ir_eqn *e = &j->eqns[k];
  const bstep *s = &p->steps[k - first];
  tj_buf call = {0}, op = {0};
  cg_kernel(g, s->k);
  buf_printf(&call, "%s(", s->k->name);
  if (s->slot >= 0) buf_printf(&call, "b%d", s->slot);
  else buf_printf(&call, "v%u + o", e->out[0]);
  for (uint32_t i = 0; i < e->nin; i++) {
    buf_free(&op);
    operand_text(g, j, p, first, k, e->in[i], &op);
    buf_printf(&call, ", %s", op.data);
  }
  cg_line(g, "%s, n);", call.data);
  buf_free(&call), buf_free(&op);
}

bool cg_block_group(cg *g, const ir_jaxpr *j, const cg_info *in, uint32_t first, uint32_t end) {
  bplan p = {.steps = calloc(end - first, sizeof(bstep))};
  if (!p.steps) TJ_OOM();
  if (!plan(g, j, in, first, end, &p)) {
    free(p.steps);
    return false;
  }
  long long size = (long long)cg_size(&g->m->vars[j->eqns[first].out[0]]);
  cg_line(g, "for (long o = 0; o < %lld; o += %d) { /* blocks of %d through the kernels */", size, BLOCK, BLOCK);
  g->indent++;
  cg_line(g, "long n = %lld - o < %d ? %lld - o : %d;", size, BLOCK, size, BLOCK);
  for (int s = 0; s < p.nslots; s++) cg_line(g, "%s b%d[%d];", cg_type(p.slot_dtype[s]), s, BLOCK);
  for (uint32_t k = first; k < end; k++)
    if (in->live[k] && !p.steps[k - first].scalar) emit_step(g, j, &p, first, k);
  g->indent--;
  cg_line(g, "}");
  free(p.steps);
  return true;
}
