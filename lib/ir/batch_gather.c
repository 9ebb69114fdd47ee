/* The batching rules of indexing (batch.def): gather, dynamic_slice and
 * the scatters, after JAX 0.10.2's slicing.py _gather_batching_rule,
 * _dynamic_slice_batching_rule (which makes its slice a gather) and
 * _scatter_batching_rule. The
 * dimension numbers keep JAX's numpy ints where its rule computes them
 * with np.add: each record field is rebuilt item by item. */
#include <stdlib.h>
#include <string.h>

#include "batch_rules.h"
#include "prims.h"
#include "util.h"

/* One GatherDimensionNumbers field being rebuilt: its values and which are
 * numpy ints. */
typedef struct field {
  int64_t v[TJ_MAX_RANK + 1];
  bool np[TJ_MAX_RANK + 1];
  int n;
} field;

/* Field f of the record p, its items' kinds kept. */
static field field_of(const pval *p, int f) {
  field r = {.n = 0};
  const pval *t = p->items[f];
  for (int i = 0; i < t->nitems && i < TJ_MAX_RANK; i++)
    r.v[r.n] = t->items[i]->i, r.np[r.n++] = t->items[i]->s != NULL;
  return r;
}

/* tuple(np.add(1, f)): every item one more, a numpy int. */
static field np_add1(field f) {
  for (int i = 0; i < f.n; i++) f.v[i]++, f.np[i] = true;
  return f;
}

/* tuple(1 + d for d in f): Python's +, the kinds kept. */
static field plus1(field f) {
  for (int i = 0; i < f.n; i++) f.v[i]++;
  return f;
}

/* (x,) + f with x a Python int. */
static field prepend(int64_t x, field f) {
  memmove(f.v + 1, f.v, sizeof *f.v * (size_t)f.n), memmove(f.np + 1, f.np, sizeof *f.np * (size_t)f.n);
  f.v[0] = x, f.np[0] = false, f.n++;
  return f;
}

/* The record NAME(...) of the five fields (GatherDimensionNumbers,
 * ScatterDimensionNumbers: five each). */
static pval *record_of(ir_module *m, const char *name, const char *const *names, const field *fs) {
  ir_ints_in in[5];
  for (int i = 0; i < 5; i++) in[i] = (ir_ints_in){fs[i].v, fs[i].n};
  pval *r = ir_int_record_new(m, name, names, 5, in);
  for (int i = 0; i < 5; i++)
    for (int k = 0; k < fs[i].n; k++)
      if (fs[i].np[k]) r->items[i]->items[k] = pv_np_int64(m, fs[i].v[k]);
  return r;
}

static pval *dnums_of(ir_module *m, const field *fs) {
  return record_of(m, "GatherDimensionNumbers", ir_gather_fields, fs);
}

/* slicing.gather(operand, indices, dnums, slice_sizes, ...) with the
 * equation's mode and fill_value. */
static ir_atom gather(bq *q, ir_atom operand, ir_atom indices, const field *fs, const int64_t *sizes, int nsizes,
                      bool unique, bool sorted, const pval *mode, const pval *fill) {
  return lax_gather(&q->b, operand, indices, dnums_of(q->bt->t.m, fs), sizes, nsizes, sorted, unique, (pval *)mode,
                    (pval *)fill);
}

enum { OFFSET, COLLAPSED, START_MAP, OPERAND_BATCHING, INDICES_BATCHING };

/* _gather_batching_rule on (operand, indices) batched along (od, id), the
 * gather's dimension numbers dn and slice sizes. */
static void gather_rule(bq *q, ir_atom operand, int od, ir_atom indices, int id, const pval *dn, const int64_t *ss,
                        int nss, bool unique, bool sorted, const pval *mode, const pval *fill) {
  field fs[IR_GATHER_FIELDS];
  for (int i = 0; i < IR_GATHER_FIELDS; i++) fs[i] = field_of(dn, i);
  int64_t sizes[TJ_MAX_RANK + 1];
  memcpy(sizes + 1, ss, sizeof *ss * (size_t)nss);
  if (od != NM && id == NM) {
    operand = lax_moveaxis(&q->b, operand, od, 0);
    sizes[0] = batch_aval(q, operand).dims[0];
    fs[OFFSET] = prepend(0, np_add1(fs[OFFSET]));
    fs[COLLAPSED] = np_add1(fs[COLLAPSED]);
    fs[OPERAND_BATCHING] = np_add1(fs[OPERAND_BATCHING]);
    fs[START_MAP] = np_add1(fs[START_MAP]);
    q->out[0] = gather(q, operand, indices, fs, sizes, nss + 1, unique, sorted, mode, fill);
  } else if (od == NM) {
    indices = lax_moveaxis(&q->b, indices, id, 0);
    fs[OFFSET] = plus1(fs[OFFSET]);
    fs[INDICES_BATCHING] = np_add1(fs[INDICES_BATCHING]);
    q->out[0] = gather(q, operand, indices, fs, ss, nss, false, false, mode, fill);
  } else {
    operand = lax_moveaxis(&q->b, operand, od, 0);
    indices = lax_moveaxis(&q->b, indices, id, 0);
    sizes[0] = batch_aval(q, operand).dims[0] == 0 ? 0 : 1;
    fs[COLLAPSED] = np_add1(fs[COLLAPSED]);
    fs[OPERAND_BATCHING] = prepend(0, np_add1(fs[OPERAND_BATCHING]));
    fs[INDICES_BATCHING] = prepend(0, np_add1(fs[INDICES_BATCHING]));
    fs[OFFSET] = np_add1(fs[OFFSET]);
    fs[START_MAP] = np_add1(fs[START_MAP]);
    q->out[0] = gather(q, operand, indices, fs, sizes, nss + 1, unique, sorted, mode, fill);
  }
  q->od[0] = 0; /* the operand's batch dimension moved to 0, or the indices' */
}

void b_gather(bq *q) {
  int64_t ss[TJ_MAX_RANK];
  int nss = ir_param_ints(q->e, "slice_sizes", ss, TJ_MAX_RANK);
  const pval *dn = ir_param_get(q->e, "dimension_numbers");
  if (nss < 0 || !dn) { batch_fail(q, "internal error: gather without its params"); return; }
  gather_rule(q, q->x[0], q->d[0], q->x[1], q->d[1], dn, ss, nss, ir_param_bool(q->e, "unique_indices", false),
              ir_param_bool(q->e, "indices_are_sorted", false), ir_param_get(q->e, "mode"),
              ir_param_get(q->e, "fill_value"));
}

/* _batch_dynamic_slice_indices: the scalar start indices as one index
 * vector (unmapped: lax.broadcast of each to (1,), joined), or, when one
 * is mapped, a (size, n) matrix (each broadcast to (size, 1), joined along
 * 1) mapped at 0. */
static ir_atom slice_indices(bq *q, const ir_atom *idx, const int *d, int n, int *bdim) {
  int64_t size = -1;
  for (int i = 0; i < n && size < 0; i++)
    if (d[i] != NM) size = batch_aval(q, idx[i]).dims[d[i]];
  ir_atom *parts = calloc((size_t)n + 1, sizeof *parts);
  if (!parts) TJ_OOM();
  for (int i = 0; i < n; i++) {
    int64_t shape[2] = {size < 0 ? 1 : size, 1}, zero[1] = {0};
    parts[i] = lax_broadcast_in_dim(&q->b, idx[i], shape, size < 0 ? 1 : 2, d[i] != NM ? zero : NULL, 0);
  }
  ir_atom r = parts[0];
  if (n > 1) {
    ir_param ps[1] = {{"dimension", pv_int(q->bt->t.m, size < 0 ? 0 : 1)}};
    r = lax_bind(&q->b, P_concatenate, parts, n, ps, 1, NULL);
  }
  free(parts);
  *bdim = size < 0 ? NM : 0;
  return r;
}

/* _dynamic_slice_batching_rule: the slice as a gather of every dimension
 * (offset_dims = start_index_map = range(ndims)), the starts as an index
 * vector, unique and sorted, mode CLIP. */
void b_dynamic_slice(bq *q) {
  int64_t ss[TJ_MAX_RANK];
  int nss = ir_param_ints(q->e, "slice_sizes", ss, TJ_MAX_RANK);
  int ndims = batch_aval(q, q->x[0]).rank - (q->d[0] == NM ? 0 : 1), id;
  if (nss != ndims || (int)q->e->nin != ndims + 1) { batch_fail(q, "internal error: malformed dynamic_slice"); return; }
  if (!ndims) { batch_fail(q, "NotImplementedError: vmap of a dynamic_slice of a scalar is not supported"); return; }
  ir_module *m = q->bt->t.m;
  int64_t dims[TJ_MAX_RANK];
  for (int i = 0; i < ndims; i++) dims[i] = i;
  ir_ints_in in[IR_GATHER_FIELDS] = {{dims, ndims}, {NULL, 0}, {dims, ndims}, {NULL, 0}, {NULL, 0}};
  pval *dn = ir_int_record_new(m, "GatherDimensionNumbers", ir_gather_fields, IR_GATHER_FIELDS, in);
  ir_atom index = slice_indices(q, q->x + 1, q->d + 1, ndims, &id);
  gather_rule(q, q->x[0], q->d[0], index, id, dn, ss, nss, true, true, pv_name(m, "GatherScatterMode.CLIP"),
              pv_none(m));
}

/* ---- scatters ---- */

enum { UPDATE_WINDOW, INSERTED, TO_OPERAND, S_OPERAND_BATCHING, S_INDICES_BATCHING };

/* _scatter_batching_rule on (operand, indices, updates) batched along
 * d[0..3), the scatter's dimension numbers dn and params ps (np of them,
 * dimension_numbers replaced): the operand and the updates mapped to the
 * front (broadcast there when unmapped); with the indices unmapped the
 * batch is one more window dimension, else the indices move to the front
 * too and the batch is a batching dimension of both. */
static void scatter_rule(bq *q, int prim, const ir_atom *x, const int *d, const pval *dn, const ir_param *ps0,
                         int np) {
  int64_t size = batch_mapped_size(q);
  field fs[5];
  for (int i = 0; i < 5; i++) fs[i] = field_of(dn, i);
  ir_atom in[3];
  in[0] = batch_at_front(q, x[0], d[0], size);
  in[2] = batch_at_front(q, x[2], d[2], size);
  in[1] = x[1];
  fs[INSERTED] = np_add1(fs[INSERTED]);
  fs[TO_OPERAND] = np_add1(fs[TO_OPERAND]);
  if (d[1] == NM) {
    fs[UPDATE_WINDOW] = prepend(0, np_add1(fs[UPDATE_WINDOW]));
    fs[S_OPERAND_BATCHING] = np_add1(fs[S_OPERAND_BATCHING]);
  } else {
    in[1] = batch_at_front(q, x[1], d[1], size);
    fs[UPDATE_WINDOW] = np_add1(fs[UPDATE_WINDOW]);
    fs[S_OPERAND_BATCHING] = prepend(0, np_add1(fs[S_OPERAND_BATCHING]));
    fs[S_INDICES_BATCHING] = prepend(0, np_add1(fs[S_INDICES_BATCHING]));
  }
  ir_param ps[8];
  np = np < 8 ? np : 8;
  for (int i = 0; i < np; i++) {
    ps[i] = ps0[i];
    if (strcmp(ps[i].key, "dimension_numbers") == 0)
      ps[i].val = record_of(q->bt->t.m, "ScatterDimensionNumbers", ir_scatter_fields, fs);
  }
  q->out[0] = lax_bind(&q->b, prim, in, 3, ps, np, NULL);
  q->od[0] = 0;
}

void b_scatter(bq *q) {
  const pval *dn = ir_param_get(q->e, "dimension_numbers");
  if (!dn || dn->nitems != 5) { batch_fail(q, "internal error: scatter without its dimension numbers"); return; }
  scatter_rule(q, q->e->prim, q->x, q->d, dn, q->e->params, q->e->nparams);
}

/* _dynamic_update_slice_batching_rule: the start indices as
 * _batch_dynamic_slice_indices makes them, then vmap of slicing.scatter
 * (update_window_dims = scatter_dims_to_operand_dims = the update's
 * dimensions, sorted, unique, mode CLIP) on the operand, the index and
 * the update at their dims: the scatter rule above. */
void b_dynamic_update_slice(bq *q) {
  ir_module *m = q->bt->t.m;
  int rank = batch_aval(q, q->x[1]).rank - (q->d[1] == NM ? 0 : 1), n = (int)q->e->nin - 2, id = NM;
  if (rank != n || n < 1) { batch_fail(q, "NotImplementedError: vmap of this dynamic_update_slice is not supported"); return; }
  int64_t dims[TJ_MAX_RANK];
  for (int i = 0; i < rank; i++) dims[i] = i;
  ir_ints_in in[5] = {{dims, rank}, {NULL, 0}, {dims, rank}, {NULL, 0}, {NULL, 0}};
  pval *dn = ir_int_record_new(m, "ScatterDimensionNumbers", ir_scatter_fields, 5, in);
  ir_atom index = slice_indices(q, q->x + 2, q->d + 2, n, &id);
  ir_atom x[3] = {q->x[0], index, q->x[1]};
  int d[3] = {q->d[0], id, q->d[1]};
  ir_param ps[6] = {{"dimension_numbers", dn},
                    {"indices_are_sorted", pv_bool(m, true)},
                    {"mode", pv_name(m, "GatherScatterMode.CLIP")},
                    {"unique_indices", pv_bool(m, true)},
                    {"update_consts", pv_seq(m, PV_TUPLE, 0)},
                    {"update_jaxpr", pv_none(m)}};
  if (!q->b.failed) scatter_rule(q, P_scatter, x, d, dn, ps, 6);
}
