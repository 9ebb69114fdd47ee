/* C rule of lax.gather_p: one call of the gather runtime (gather_rt.c)
 * with a table of the gather's geometry (gather_rt.h's layout), so the
 * copy loop is the -O2 one and each slice moves by memcpy. */
#include "codegen.h"
#include "gather_rt.h"

#include <string.h>

static bool listed(const int64_t *v, int n, int64_t x) {
  for (int i = 0; i < n; i++)
    if (v[i] == x) return true;
  return false;
}

static void strides_of(const tj_aval *a, int64_t *st) {
  int64_t s = 1;
  for (int d = a->rank - 1; d >= 0; d--) st[d] = s, s *= a->dims[d];
}

/* The descriptor's entries (see gather_rt.h); false when e is not a
 * gather the runtime can do. */
static bool gather_desc(const ir_eqn *e, const tj_aval *op, const tj_aval *idx, const tj_aval *o, long *desc) {
  ir_gather_dims d;
  int64_t sizes[TJ_MAX_RANK], window[TJ_MAX_RANK], ost[TJ_MAX_RANK];
  if (!ir_gather_dims_read(e, &d) || ir_param_ints(e, "slice_sizes", sizes, TJ_MAX_RANK) != op->rank ||
      gather_window_dims(&d, op->rank, window) != d.noffset || idx->rank < 1 || TJ_MAX_RANK > TJ_GATHER_SLOTS)
    return false;
  const char *mode = ir_param_name(e, "mode");
  memset(desc, 0, sizeof(long) * GD_SIZE);
  strides_of(o, ost);
  desc[GD_RANK] = op->rank, desc[GD_ELSIZE] = (long)dtype_size(op->dtype);
  desc[GD_NVEC] = d.nstart_map, desc[GD_NBDIMS] = idx->rank - 1;
  desc[GD_FILL] = mode && strcmp(mode, "GatherScatterMode.FILL_OR_DROP") == 0;
  for (int k = 0; k < op->rank; k++) {
    desc[GD_OP_DIMS + k] = (long)op->dims[k], desc[GD_SLICE + k] = (long)sizes[k], desc[GD_BATCHING + k] = -1;
    for (int i = 0; i < d.nbatching; i++)
      if (d.operand_batching[i] == k) desc[GD_BATCHING + k] = (long)d.indices_batching[i];
  }
  for (int w = 0; w < d.noffset; w++) desc[GD_OUT_WIN + window[w]] = (long)ost[d.offset[w]];
  for (int i = 0; i < d.nstart_map; i++) desc[GD_START_MAP + i] = (long)d.start_map[i];
  long nbatch = 1;
  for (int p = 0, k = 0; p < o->rank; p++) {
    if (listed(d.offset, d.noffset, p)) continue;
    desc[GD_BATCH_DIMS + k] = (long)idx->dims[k], desc[GD_OUT_BATCH + k] = (long)ost[p];
    nbatch *= (long)idx->dims[k++];
  }
  desc[GD_NBATCH] = nbatch;
  return true;
}

bool cg_gather(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval op = cg_aval(g, e->in[0]), idx = cg_aval(g, e->in[1]), o = cg_aval(g, ATOM_VAR(e->out[0]));
  long desc[GD_SIZE];
  if (ATOM_IS_LIT(e->in[0]) || ATOM_IS_LIT(e->in[1]) || !gather_desc(e, &op, &idx, &o, desc))
    return cg_fail(g, "internal error: gather with dimension numbers it cannot use");
  uint32_t id = cg_fresh(g);
  tj_buf table = {0}, in = {0}, ix = {0}, out = {0}, fill = {0};
  for (int k = 0; k < GD_SIZE; k++) buf_printf(&table, "%s%ld", k ? ", " : "", desc[k]);
  cg_ptr(g, e->in[0], &in), cg_ptr(g, e->in[1], &ix), cg_ptr(g, ATOM_VAR(e->out[0]), &out);
  const pval *f = ir_param_get(e, "fill_value");
  ir_lit lit = {.dtype = op.dtype};
  if (f && f->kind == PV_FLOAT) lit.f = f->f;
  else if (f) lit.i = f->i, lit.f = (double)f->i;
  cg_literal(g, &lit, &fill);
  cg_frame(g, sizeof(long) * GD_SIZE + 8);
  cg_line(g, "{ long gd%u[] = {%s};", id, table.data);
  cg_line(g, "  %s gf%u = %s;", cg_type(op.dtype), id, fill.data);
  cg_line(g, "  %s((const void *)%s, (const void *)%s, %d, (void *)%s, gd%u, &gf%u); }", cg_fn(g, "tj_rt_gather"),
          in.data, ix.data, (int)idx.dtype, out.data, id, id);
  buf_free(&table), buf_free(&in), buf_free(&ix), buf_free(&out), buf_free(&fill);
  return true;
}
