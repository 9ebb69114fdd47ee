/* Internal to tjit export --dialect linalg: the writer's state and the
 * helpers mlir_linalg.c defines and the other writers' files
 * (mlir_linalg_data.c: the data-movement and reduction primitives) share.
 * The lw_* helpers are thin non-static names for mlir_linalg.c's own. */
#ifndef TJ_MLIR_LINALG_H
#define TJ_MLIR_LINALG_H
#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "ir.h"
#include "util.h"

enum { NAME_MAX_LEN = 24, LW_MAX_OUTPUTS = 64 };
typedef char lw_name[NAME_MAX_LEN];

typedef struct lw {
  diag_list *d;
  const ir_module *m;
  tj_buf *out;
  lw_name *names;    /* each variable's SSA name, once written */
  unsigned next;     /* the next %N */
} lw;

/* An elementwise body: the scalar ops of one element, from the block's
 * arguments in (of dtypes in_dt) to res. */
typedef bool lw_body(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, tj_dtype out_dt, lw_name res);
/* A whole equation's ops, its outputs' names set in w->names. */
typedef bool lw_rule(lw *w, const ir_eqn *e);

/* A linalg.generic operand: its tensor, and its indexing map (result i is
 * loop map[i], or the constant 0 where map[i] < 0). */
typedef struct lw_operand {
  lw_name name;
  tj_aval aval;
  int map[TJ_MAX_RANK];
} lw_operand;

/* The element type (f32, f64, i32, i1), NULL for a dtype not exported. */
const char *lw_elem_type(tj_dtype t);
void lw_put_tensor_type(tj_buf *b, const tj_aval *a);
/* The next %N into out. */
void lw_fresh(lw *w, lw_name out);
/* The error "not exportable: PRIM<why>"; false. */
bool lw_not_exportable(lw *w, const ir_eqn *e, const char *why);
/* `RES = arith.constant V : T` (a scalar, at the function's level). */
void lw_put_scalar_constant(lw *w, lw_name res, tj_dtype t, double f, int64_t i);
/* An operand as a tensor (a literal as a rank-0 dense constant). */
void lw_atom_tensor(lw *w, ir_atom a, lw_name out);
/* tensor.empty of a, filled with the scalar init unless NULL. */
void lw_put_init(lw *w, lw_name res, const tj_aval *a, const lw_name init);
/* A linalg.generic's head (its block's arguments into args[0..nin]) and
 * its tail (yielding value). */
void lw_put_generic_head(lw *w, lw_name res, int nloops, const bool *reduction, const lw_operand *in, int nin,
                         const lw_operand *out, lw_name *args);
void lw_put_generic_tail(lw *w, const lw_name value, const tj_aval *out);
/* In a body: `RES = OP IN0, IN1 : T`, and a scalar constant. */
void lw_put_op(lw *w, lw_name res, const char *op, const lw_name *in, int nin, tj_dtype t);
void lw_body_constant(lw *w, lw_name res, tj_dtype t, double f, int64_t i);

/* The writers of mlir_linalg_data.c (linalg.def's DATA_BODY, DATA_RULE
 * rows, and the select_n of more than two cases). */
lw_body lw_rem, lw_div, lw_sign, lw_round, lw_select_cases, lw_is_finite, lw_shift, lw_clz, lw_no_math_op;
lw_rule lw_reduce_more, lw_argminmax, lw_concatenate, lw_pad, lw_rev, lw_dynamic_slice, lw_dynamic_update_slice,
    lw_cumulative, lw_gather, lw_scatter, lw_sort, lw_top_k, lw_stack, lw_unstack, lw_split, lw_tile,
    lw_reduce_window, lw_conv;

#endif
