/* Private to the JVP interpreter (jvp.c) and the data-movement rules in
 * jvp_data.c (sort, top_k, scatters, cumulative and windowed reductions,
 * convolution): the replayed equation and the helpers that append the
 * rules' equations, which jvp.c defines. Not for use outside lib/ir. */
#ifndef TJ_JVP_DATA_RULES_H
#define TJ_JVP_DATA_RULES_H
#include "jvp.h"

/* One equation being replayed: its primal operands p and their tangents
 * dt; the rule fills the outputs' primals po and tangents to. */
typedef struct jq {
  const jvp_target *t;
  const ir_eqn *e;
  const ir_atom *p, *dt;
  ir_atom *po, *to;
  bool failed;
} jq;

/* Appends prim(in) with params (outs: the nout outputs, or NULL for one,
 * then returned); after a failure nothing is appended. */
ir_atom jvp_build_n(jq *q, int prim, const ir_atom *in, int nin, const ir_param *ps, int np, const tj_aval *hint,
                    int nout, ir_atom *outs);
ir_atom jvp_build(jq *q, int prim, const ir_atom *in, int nin, const ir_param *ps, int np, const tj_aval *hint);
ir_atom jvp_bin(jq *q, int prim, ir_atom a, ir_atom b);
tj_aval jvp_aval_of(jq *q, ir_atom a);
/* The equation itself on the primals, outputs to q->po. */
void jvp_primal(jq *q);
/* A scalar literal of dtype dt. */
ir_atom jvp_lit(jq *q, tj_dtype dt, bool weak, double v);
/* lax.full_like(x, v): a literal for a scalar, else broadcast_in_dim. */
ir_atom jvp_full_like(jq *q, ir_atom x, double v);
/* ad.instantiate_zeros. */
ir_atom jvp_instantiate(jq *q, ir_atom tangent, ir_atom primal_atom);
/* ad.add_tangents. */
ir_atom jvp_add_tangents(jq *q, ir_atom a, ir_atom b);

/* The data rules (jvp_data.c): rows JVP_DATA of jvp.def. */
#define JVP_DATA(id, rule) void rule(jq *q);
#define JVP(id, rule)
#include "jvp.def"
#undef JVP
#undef JVP_DATA

#endif
