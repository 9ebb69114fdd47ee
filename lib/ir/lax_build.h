/* lax's Python wrappers over the equation builder, for the rules of the
 * jaxpr transformations (JVP, transpose, batching: their rule states embed
 * a lax_b): each appends what the lax function of the same name binds,
 * with its shortcuts — lax.reshape,
 * lax.transpose and lax.squeeze return their operand when nothing
 * changes, and a broadcast_in_dim to the operand's own shape is forwarded
 * (pe.forwarding_rules, _broadcast_in_dim_fwd_rule), so none records an
 * equation then, as none does in JAX. */
#ifndef TJ_LAX_BUILD_H
#define TJ_LAX_BUILD_H
#include "jvp.h"

/* Where the equations go (t's jaxpr, budget and diagnostics) and the
 * span they carry. After a failure (a type error, the budget) nothing is
 * appended any more: failed latches, and the builders return a harmless
 * atom, so a rule runs on and its caller checks failed once. */
typedef struct lax_b {
  const jvp_target *t;
  tj_span span;
  bool failed;
} lax_b;

/* prim(in) with params (the outputs' avals hinted, or NULL); its nout
 * outputs to outs (may be NULL); the first output. */
ir_atom lax_bind_n(lax_b *b, int prim, const ir_atom *in, int nin, const ir_param *ps, int np, const tj_aval *hint,
                   int nout, ir_atom *outs);
ir_atom lax_bind(lax_b *b, int prim, const ir_atom *in, int nin, const ir_param *ps, int np, const tj_aval *hint);
tj_aval lax_aval(const lax_b *b, ir_atom a);
/* A tuple of ints as a param value; element i is a numpy int (printed
 * np.int64(i)) where bit i of np_mask is set: what numpy arithmetic on
 * the params (np.add, np.where) leaves in JAX's tuples. */
pval *lax_ints(lax_b *b, const int64_t *v, int n, uint64_t np_mask);

/* A scalar literal of dtype dt (lax._const: strongly typed unless weak). */
ir_atom lax_lit(lax_b *b, tj_dtype dt, bool weak, double v);
/* lax.full of aval a with v: a literal for a scalar, else broadcast_in_dim
 * of one (zeros_like_shaped_array); lax.full_like(x, v). */
ir_atom lax_full(lax_b *b, const tj_aval *a, double v);
ir_atom lax_full_like(lax_b *b, ir_atom x, double v);
/* lax.reduce_sum(x, axes): always an equation; axes numpy ints where
 * np_mask says. */
ir_atom lax_reduce_sum(lax_b *b, ir_atom x, const int64_t *axes, int n, uint64_t np_mask);

/* lax.reshape(x, sizes, dimensions=perm): perm NULL or the identity is
 * dimensions=None; x itself when nothing changes (and x is no scalar). */
ir_atom lax_reshape(lax_b *b, ir_atom x, const int64_t *sizes, int rank, const int64_t *perm);
/* lax.transpose(x, perm): x itself for the identity. */
ir_atom lax_transpose(lax_b *b, ir_atom x, const int64_t *perm);
/* lax.broadcast_in_dim(x, shape, dims): x itself when shape is x's; dims
 * numpy ints where np_mask says. */
ir_atom lax_broadcast_in_dim(lax_b *b, ir_atom x, const int64_t *shape, int rank, const int64_t *dims,
                             uint64_t np_mask);
/* lax.expand_dims(x, dims) (dims distinct; negative ones count from the
 * result's end). */
ir_atom lax_expand_dims(lax_b *b, ir_atom x, const int64_t *dims, int n);
/* lax.squeeze(x, dims) (dims sorted, non-negative). */
ir_atom lax_squeeze(lax_b *b, ir_atom x, const int64_t *dims, int n);
/* slicing.gather(x, idx, dnums, slice_sizes, ...): gather_p.bind with
 * its params in the listing's order (mode and fill_value as printed). */
ir_atom lax_gather(lax_b *b, ir_atom x, ir_atom idx, pval *dnums, const int64_t *sizes, int n, bool sorted,
                   bool unique, pval *mode, pval *fill);
/* jax._src.util.moveaxis(x, src, dst): a transpose, none when src == dst. */
ir_atom lax_moveaxis(lax_b *b, ir_atom x, int src, int dst);
/* batching.broadcast(x, sz, axis): a new axis of size sz at axis, its
 * broadcast_dimensions np.delete(np.arange(rank), axis), numpy ints. */
ir_atom lax_broadcast_axis(lax_b *b, ir_atom x, int64_t sz, int axis);
/* lax.broadcast(x, (sz,)): a new leading axis, Python ints. */
ir_atom lax_broadcast_lead(lax_b *b, ir_atom x, int64_t sz);

#endif
