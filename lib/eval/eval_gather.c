/* Eval rule of lax.gather_p, element by element as XLA's gather defines
 * it (https://openxla.org/xla/operation_semantics#gather): an output
 * element's batch coordinates (its dimensions not in offset_dims) pick an
 * index vector of the indices, which gives the start of the slice in the
 * start_index_map dimensions; a batching dimension starts at the batch
 * coordinate of its indices dimension; its offset coordinates are the
 * position inside the slice. Modes: PROMISE_IN_BOUNDS and CLIP clamp the
 * start so the slice lies inside the operand (what XLA on CPU does for
 * both); FILL_OR_DROP gives fill_value for a slice that does not lie
 * wholly inside (jax/_src/lax/slicing.py _gather_fill). */
#include "eval.h"

#include <string.h>

static bool listed(const int64_t *v, int n, int64_t x) {
  for (int i = 0; i < n; i++)
    if (v[i] == x) return true;
  return false;
}

typedef struct gather_geom {
  ir_gather_dims d;
  int64_t sizes[TJ_MAX_RANK], window[TJ_MAX_RANK];
  bool fill;                  /* FILL_OR_DROP */
} gather_geom;

/* The operand element of output element k, or -1 for the fill value. */
static int64_t gather_source(const gather_geom *g, const tj_array *op, const tj_array *idx, const tj_array *o,
                             int64_t k) {
  int64_t oc[TJ_MAX_RANK], bc[TJ_MAX_RANK], start[TJ_MAX_RANK] = {0}, batch = 0;
  int nb = 0;
  for (int i = o->rank - 1; i >= 0; i--) oc[i] = k % o->dims[i], k /= o->dims[i];
  for (int i = 0; i < o->rank; i++)
    if (!listed(g->d.offset, g->d.noffset, i)) bc[nb++] = oc[i];
  for (int i = 0; i < nb; i++) batch = batch * idx->dims[i] + bc[i];
  int64_t nvec = idx->dims[idx->rank - 1];
  for (int i = 0; i < g->d.nstart_map; i++) start[g->d.start_map[i]] = array_get_index(idx, batch * nvec + i);
  for (int i = 0; i < g->d.nbatching; i++) start[g->d.operand_batching[i]] = bc[g->d.indices_batching[i]];
  int64_t j = 0;
  for (int dim = 0, w = 0; dim < op->rank; dim++) {
    int64_t hi = op->dims[dim] - g->sizes[dim], s = start[dim];
    if (listed(g->d.start_map, g->d.nstart_map, dim) && (s < 0 || s > hi)) {
      if (g->fill) return -1;
      s = s < 0 ? 0 : s > hi ? hi : s;
    }
    int64_t off = 0;
    if (w < g->d.noffset && g->window[w] == dim) off = oc[g->d.offset[w]], w++;
    j = j * op->dims[dim] + s + off;
  }
  return j;
}

static void set_fill(const ir_eqn *e, tj_array *r, int64_t k) {
  const pval *f = ir_param_get(e, "fill_value");
  if (f && f->kind == PV_FLOAT) array_set_f(r, k, f->f);
  else if (f && (f->kind == PV_INT || f->kind == PV_BOOL)) array_set_i(r, k, f->i);
}

bool ev_gather(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *op = in[0], *idx = in[1];
  gather_geom g;
  if (!ir_gather_dims_read(e, &g.d) || ir_param_ints(e, "slice_sizes", g.sizes, TJ_MAX_RANK) != op->rank ||
      idx->rank < 1 || gather_window_dims(&g.d, op->rank, g.window) != g.d.noffset)
    return eval_bug(s, "gather with dimension numbers it cannot use");
  const char *mode = ir_param_name(e, "mode");
  g.fill = mode && strcmp(mode, "GatherScatterMode.FILL_OR_DROP") == 0;
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  size_t es = dtype_size(op->dtype);
  for (int64_t k = 0; k < r->size; k++) {
    int64_t j = gather_source(&g, op, idx, r, k);
    if (j < 0) set_fill(e, r, k);
    else memcpy((char *)r->data + (size_t)k * es, (const char *)op->data + (size_t)j * es, es);
  }
  return true;
}
