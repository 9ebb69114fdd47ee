/* Batching (vmap, issue 16) as a jaxpr transformation: JAX's BatchTrace
 * (jax/_src/interpreters/batching.py) as an interpreter that replays a
 * jaxpr's equations through each primitive's batching rule (batch.def),
 * the rules appending, with the lax builders (lax_build.h), what JAX's
 * rules bind in the order they bind it. Each value carries its batch
 * dimension, or none (BATCH_NOT_MAPPED, batching's not_mapped): an
 * equation whose operands are all unmapped is recorded as it is, as
 * BatchTrace.process_primitive hands it to the trace below. */
#ifndef TJ_BATCH_H
#define TJ_BATCH_H
#include "jvp.h"

#define BATCH_NOT_MAPPED (-1)

/* Where a replay appends (t: the jaxpr, budget and diagnostics; its memo
 * and hook unused), the mapped axis' size, and the batched jit bodies
 * made so far, shared per (body, operand dims) as batching._batch_jaxpr2's
 * cache shares them. */
typedef struct batch_target {
  jvp_target t;
  int64_t size;
  struct batch_memo **memo;
} batch_target;

/* Replays src into bt->t.dst: src's constvars stand for themselves
 * (unmapped), its invars for in[i] batched along in_dims[i]. Writes each
 * output's atom and batch dimension. False with an error in the target's
 * diagnostics (at the failing equation's span). */
bool batch_replay(const batch_target *bt, const ir_jaxpr *src, const ir_atom *in, const int *in_dims, ir_atom *out,
                  int *out_dims);

/* batching.matchaxis(src, dst, x) for an output: moved from axis src to
 * dst, or broadcast along dst when unmapped (src BATCH_NOT_MAPPED). dst
 * BATCH_NOT_MAPPED with src mapped is the caller's error to give. */
bool batch_match_axis(const batch_target *bt, tj_span span, ir_atom x, int src, int dst, ir_atom *out);

/* Whether prim has a batching rule (a row of batch.def or a family's). */
bool batch_has_rule(int prim);

#endif
