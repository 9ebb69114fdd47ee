/* lax.conv_general_dilated_p (issue 14 item 4): its params as one struct,
 * the shape rule's checks with JAX's texts, and the canonical geometry
 * the evaluator and the C generator share (prims_conv.c). */
#ifndef TJ_IR_CONV_H
#define TJ_IR_CONV_H

#include "ir.h"
#include "util.h"

enum { CONV_MAX_SPATIAL = TJ_MAX_RANK - 2 };

/* The params as conv_general_dilated_p.bind receives them; arrays are in
 * rhs_spec's spatial order (window_strides[i] goes with rhs_spec[2 + i]). */
typedef struct tj_conv {
  ir_conv_dims dn;
  int64_t strides[TJ_MAX_RANK], lhs_dil[TJ_MAX_RANK], rhs_dil[TJ_MAX_RANK];
  int64_t pad_lo[TJ_MAX_RANK], pad_hi[TJ_MAX_RANK];
  int nstrides, nlhs_dil, nrhs_dil, npad;
  int64_t feature_groups, batch_groups;
  tj_dtype preferred;      /* DT_COUNT: None */
} tj_conv;

/* Reads e's params; false when one is missing or malformed. */
bool conv_read(const ir_eqn *e, tj_conv *c);

/* _conv_general_dilated_shape_rule and _dtype_rule: the output aval, or
 * false with *exc the Python exception ("ValueError", "TypeError") and
 * msg JAX's text. */
bool conv_shape(const tj_aval *lhs, const tj_aval *rhs, const tj_conv *c, tj_aval *out, const char **exc,
                tj_buf *msg);

/* The convolution in canonical order (batch, feature, spatial...): sizes
 * and element strides of each operand, as a flat array of longs that the
 * generated C can hold too (conv_rt.c reads the same layout). */
enum {
  CONV_NSP, CONV_N, CONV_CIN, CONV_COUT, CONV_GROUPS,
  CONV_LHS_SN, CONV_LHS_SC, CONV_RHS_SO, CONV_RHS_SI, CONV_OUT_SN, CONV_OUT_SC,
  CONV_SPATIAL /* then CONV_PER of these per spatial dimension: */
};
enum { CS_IN, CS_K, CS_OUT, CS_LHS_S, CS_RHS_S, CS_OUT_S, CS_STRIDE, CS_PAD_LO, CS_LHS_DIL, CS_RHS_DIL, CONV_PER };
enum { CONV_GEO_LEN = CONV_SPATIAL + CONV_PER * CONV_MAX_SPATIAL };
#define CONV_AT(geo, i, field) ((geo)[CONV_SPATIAL + CONV_PER * (i) + (field)])

/* The geometry of a checked equation's operands and output. */
void conv_geometry(const tj_conv *c, const tj_aval *lhs, const tj_aval *rhs, const tj_aval *out, long *geo);

#endif
