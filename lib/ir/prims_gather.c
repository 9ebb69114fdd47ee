/* Shape rule of lax.gather_p (jax/_src/lax/slicing.py _gather_shape_rule,
 * _gather_dtype_rule): the output has the operand's dtype; its shape is
 * the indices' batch shape (all but the last dimension, the index
 * vector) with the slice sizes of the operand's window dimensions (those
 * neither collapsed nor batching) at offset_dims. */
#include "prims.h"
#include "util.h"

/* A shape rule's type error (the rule's m, e and diags in scope). */
#define REJECT(...) shape_rule_error(diags, m, e, __VA_ARGS__)

static bool listed(const int64_t *v, int n, int64_t x) {
  for (int i = 0; i < n; i++)
    if (v[i] == x) return true;
  return false;
}

/* The operand dimensions whose slice lands in the output, in order. */
int gather_window_dims(const ir_gather_dims *d, int rank, int64_t *out) {
  int n = 0;
  for (int dim = 0; dim < rank; dim++)
    if (!listed(d->collapsed, d->ncollapsed, dim) && !listed(d->operand_batching, d->nbatching, dim)) out[n++] = dim;
  return n;
}

bool shape_gather(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = ir_atom_aval(m, e->in[0]), idx = ir_atom_aval(m, e->in[1]);
  ir_gather_dims d;
  int64_t sizes[TJ_MAX_RANK], window[TJ_MAX_RANK];
  if (!dtype_is_int(idx.dtype)) return REJECT("indices must have an integer type");
  if (idx.rank < 1) return REJECT("Gather index leaf dimension must be within [0, rank(indices) + 1)");
  if (!ir_gather_dims_read(e, &d)) return REJECT("gather needs dimension_numbers");
  if (ir_param_ints(e, "slice_sizes", sizes, TJ_MAX_RANK) != a.rank)
    return REJECT("Gather op must have one slice size for every input dimension; got: len(slice_sizes)=%d, "
                  "input_shape.rank=%d", ir_param_ints(e, "slice_sizes", sizes, TJ_MAX_RANK), a.rank);
  if (d.nstart_map != idx.dims[idx.rank - 1])
    return REJECT("Gather op has %d elements in start_index_map and the bound of dimension index_vector_dim=%d "
                  "of indices is %lld. These two numbers must be equal.", d.nstart_map, idx.rank - 1,
                  (long long)idx.dims[idx.rank - 1]);
  int nwin = gather_window_dims(&d, a.rank, window), rank = idx.rank - 1 + d.noffset;
  if (nwin != d.noffset || rank > TJ_MAX_RANK)
    return REJECT("All components of the offset index in a gather op must either be a offset dimension or "
                  "explicitly collapsed/batching; got len(slice_sizes)=%d, output_slice_sizes=%d, "
                  "collapsed_slice_dims=%d, operand_batching_dims=%d.", a.rank, d.noffset, d.ncollapsed,
                  d.nbatching);
  for (int i = 0; i < a.rank; i++)
    if (sizes[i] < 0 || sizes[i] > a.dims[i])
      return REJECT("Slice size at index %d in gather op is out of range, must be within [0, %lld + 1), got %lld.",
                    i, (long long)a.dims[i], (long long)sizes[i]);
  out[0] = a;
  out[0].weak = a.weak && idx.weak; /* _standard_weak_type_rule */
  out[0].rank = (uint8_t)rank;
  for (int o = 0, w = 0, b = 0; o < rank; o++) {
    if (listed(d.offset, d.noffset, o)) out[0].dims[o] = sizes[window[w++]];
    else out[0].dims[o] = idx.dims[b++];
  }
  return true;
}
