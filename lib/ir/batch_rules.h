/* Private to the batching rules (lib/ir/batch*.c): the equation a rule
 * is given and what batch.c shares with the rules kept in other files.
 * Every row of batch.def names a rule defined in one of them. */
#ifndef TJ_BATCH_RULES_H
#define TJ_BATCH_RULES_H
#include "batch.h"
#include "lax_build.h"

#define NM BATCH_NOT_MAPPED

/* One equation being replayed: its operands x with batch dims d; the
 * rule fills the outputs' atoms out and dims od. */
typedef struct bq {
  lax_b b;
  const batch_target *bt;
  const ir_eqn *e;
  const ir_atom *x;
  const int *d;
  ir_atom *out;
  int *od;
} bq;

#define BATCH(id, rule) void rule(bq *q);
#include "batch.def"
#undef BATCH

tj_aval batch_aval(bq *q, ir_atom a);
/* The equation's primitive on new operands with its own params, or with
 * one param's value replaced (key NULL: none); hint as lax_bind's. */
ir_atom batch_rebind(bq *q, const ir_atom *in, const char *key, pval *val, const tj_aval *hint, ir_atom *outs);
/* batching.bdim_at_front(x, d, size). */
ir_atom batch_at_front(bq *q, ir_atom x, int d, int64_t size);
/* The size of the first mapped operand's batch dimension. */
int64_t batch_mapped_size(bq *q);
/* A failure with an error at the equation's span. */
void batch_fail(bq *q, const char *msg);

/* batching.batch_jaxpr_axes: src traced anew on operands batched along
 * in_dims (core.unmapped_aval), each output moved to out_dest[i] (0, or
 * BATCH_NOT_MAPPED: where its rules left it, as zero_if_mapped and
 * _batch_jaxpr2 leave it), out_dest NULL: all left. The new jaxpr and
 * its outputs' dims (out_dims, src->nout of them), shared per (src,
 * in_dims, out_dest) as JAX's weakref_lru_caches share them. NULL on an
 * error. */
ir_jaxpr *batch_jaxpr_axes(const batch_target *bt, const ir_jaxpr *src, const int *in_dims, const int *out_dest,
                           tj_span span, int *out_dims);

/* An out_dest of batch_jaxpr_match: the output left where its rules put it. */
#define BATCH_LEFT (-2)

/* src batched on in_dims with each output matched to exactly out_dest[i]
 * (batching.matchaxis: moved, or broadcast when unmapped there); a
 * mapped output whose destination is BATCH_NOT_MAPPED is summed over its
 * batch axis when sum_match (_match_axes_and_sum, a custom_vjp bwd's
 * cotangents), else a NotImplementedError. Shared as batch_jaxpr_axes';
 * the outputs' dims to out_dims (src->nout of them). */
ir_jaxpr *batch_jaxpr_match(const batch_target *bt, const ir_jaxpr *src, const int *in_dims, const int *out_dest,
                            bool sum_match, tj_span span, int *out_dims);

#endif
