/* The runtime of the scatters (cg_reduce.c's cg_scatter emits the call,
 * cg_fns.def lists it), compiled into libtjit with the block kernels'
 * flags (Makefile: KERNEL_CFLAGS, exact math). */
#ifndef TJ_SCATTER_RT_H
#define TJ_SCATTER_RT_H

/* The combinations, in the order of tj_rt_scatter's op argument. */
enum { TJ_SCATTER_SET, TJ_SCATTER_ADD, TJ_SCATTER_SUB, TJ_SCATTER_MUL, TJ_SCATTER_MIN, TJ_SCATTER_MAX };

/* The layout of the long array describing one scatter whose update
 * window dimensions are the updates' trailing ones, in order: scalars,
 * then per-dimension tables of TJ_SCATTER_SLOTS entries each. */
enum {
  TJ_SCATTER_SLOTS = 8,                         /* = TJ_MAX_RANK */
  SD_RANK = 0,                                  /* operand rank R */
  SD_ELSIZE,                                    /* bytes of one element */
  SD_NBATCH,                                    /* updates (index vectors) */
  SD_NVEC,                                      /* entries of an index vector */
  SD_NTO,                                       /* entries that pick a start (scatter_dims_to_operand_dims) */
  SD_OP_DIMS,                                   /* [R] operand dims */
  SD_WSIZE = SD_OP_DIMS + TJ_SCATTER_SLOTS,     /* [R] the window's size in each (1 where inserted) */
  SD_TO = SD_WSIZE + TJ_SCATTER_SLOTS,          /* [NTO] the operand dim of index entry i */
  SD_SIZE = SD_TO + TJ_SCATTER_SLOTS
};

/* out (holding the operand) combined with update window b of upd (tj_dtype
 * dtype) at the start index vector b of idx (tj_dtype idx_dtype) picks, for
 * b in order, each window row-major; a window not wholly inside the
 * operand is dropped (FILL_OR_DROP). The evaluator's ev_scatter
 * (eval_shape.c), bit for bit. */
void tj_rt_scatter(void *out, const void *idx, int idx_dtype, const void *upd, int dtype, int op, const long *desc);

/* Whether tj_rt_scatter takes op on dtype (the C rule asks). */
int tj_rt_scatter_has(int dtype, int op);

#endif
