/* Private to the JVP rules (lib/ir/jvp*.c): the equation a rule is given
 * and what jvp.c shares with the rules kept in other files (a row of
 * jvp.def written JVP_EXTERN names such a rule). Not for use outside
 * lib/ir/jvp*.c. */
#ifndef TJ_JVP_RULES_H
#define TJ_JVP_RULES_H
#include "jvp.h"
#include "lax_build.h"

/* One equation being replayed: its primal operands p and their tangents
 * dt; the rule fills the outputs' primals po and tangents to. */
typedef struct jq {
  lax_b b;              /* the target, the replayed equation's span, failed */
  const ir_eqn *e;
  const ir_atom *p, *dt;
  ir_atom *po, *to;
} jq;

/* Appends prim(in) with params (the outputs' avals hinted, or NULL) at
 * the replayed equation's span, its nout outputs to outs (may be NULL);
 * returns the first output. On a failure (a type error, the budget) sets
 * q->failed, appends nothing and returns a harmless atom. */
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

/* A user's custom_jvp rule (jvp_custom.c): true when e's jvp param
 * carries one, replayed into q's target; false to leave e to jvp.c. */
bool jvp_custom_user_rule(jq *q);
/* Reports the error deferred on a custom rule's param v when it has no
 * jaxpr (trace_custom.c); false when it has one. */
bool jvp_custom_rule_missing(const jvp_target *t, const ir_eqn *e, const pval *v);
/* The custom_jvp_call / custom_vjp_call equations of j from `from` on
 * given fresh call_jaxprs (a replayed rule's own calls, jvp_custom.c). */
void jvp_custom_fresh_calls(const jvp_target *t, ir_jaxpr *j, uint32_t from);

/* The rules defined outside jvp.c (the JVP_EXTERN rows of jvp.def). */
#define JVP(id, rule)
#define JVP_EXTERN(id, rule) void rule(jq *q);
#include "jvp.def"
#undef JVP
#undef JVP_EXTERN

#endif
