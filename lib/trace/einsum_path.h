/* jnp.einsum's plan (einsum_path.c): opt_einsum's parse of the subscripts
 * and its contraction list, private to trace_einsum.c. */
#ifndef TJ_EINSUM_PATH_H
#define TJ_EINSUM_PATH_H

#include "trace_array_int.h"

/* ES_MAX_OPS: JAX's default optimize='auto' is opt_einsum's optimal search
 * up to 4 operands, its branch-and-bound search beyond (einsum_branch.c). */
enum { ES_MAX_OPS = TJ_MAX_EINSUM_OPERANDS, ES_STR = 64 };

typedef struct es_spec {
  int nops;
  char in[ES_MAX_OPS][ES_STR]; /* each operand's labels, ellipses expanded */
  char out[ES_STR];            /* the output's labels */
  int64_t size[256];           /* size_dict by label (-1: unused) */
} es_spec;

/* One entry of contract_path's contraction list. */
typedef struct es_step {
  int nin;                /* operands contracted: 1 or 2 */
  int pos[2];             /* their positions in the operand list, descending */
  char in[2][ES_STR];     /* their subscripts, in that order */
  char result[ES_STR];    /* the result's subscripts */
  char removed[ES_STR];   /* idx_removed, sorted: contracted_names */
} es_step;

bool es_parse(tracer *t, const char *subs, size_t len, const int64_t (*shapes)[TJ_MAX_RANK], const int *ranks,
              int nops, tj_span span, es_spec *sp);
/* The contraction list of sp (nops - 1 steps, 1 for one operand); -1 when
 * the search ran out of memory. */
int es_plan(const es_spec *sp, es_step *steps);
/* paths.BranchBound's SSA path for 5 to ES_MAX_OPS operands (label sets as
 * bit masks, size[] by bit); -1 when out of memory. */
int es_branch_path(const uint64_t *sets, int nops, uint64_t output, const uint64_t *size, int nbits, int (*ssa)[2]);

#endif
