/* Every batching rule (lib/ir/batch*.c) against the definition of vmap:
 * one table of cases, each one equation of a primitive built by hand
 * (ir_build) on small example operands; for several choices of batch
 * dimensions (each operand mapped at its first, middle or last position,
 * or unmapped, BATCH_NOT_MAPPED, at least one mapped), batch_replay makes
 * the batched jaxpr on operands with a batch axis of B = 7 there (a size
 * no example's dimension has, so that no rule confuses the two); ir_check
 * checks it, and
 *  (a) the reference evaluator runs it: its outputs must equal, bit for
 *      bit, the equation run by the evaluator on each example's slices,
 *      stacked along the output's batch dimension (the same operations on
 *      the same values);
 *  (b) the C backend (pass pipeline, codegen, libtcc) runs it: the same
 *      stacked outputs, bit for bit too. The compiled code computes
 *      otherwise than the evaluator in two places, which these sizes stay
 *      out of: the block kernels (gcc-vectorized, libmvec's sin, exp ...)
 *      from 4096 elements (cg_block.c BLOCK_MIN) and BLAS's gemm from
 *      m n k = 32768 (cg_reduce.c DOT_BLAS_MIN); below them each element
 *      is a scalar loop's, calling the libm function the evaluator calls.
 *      And the float operands (below) make every sum exact in any order,
 *      so a dot or reduction regrouped by the batched form, or summed in
 *      another order by the C, gives the same bits.
 * Half the choices compare at the batch dimension the rule reports, the
 * other half move it last (batch_match_axis, out_axes=-1); an unmapped
 * output is broadcast (vmap's out_axes). Each batched jaxpr is then
 * batched again (a vmap of a vmap: the rules meet operands batched
 * already, dimension numbers with batch dims, the moves and broadcasts
 * the first level made) on another choice, and checked against the first
 * level's jaxpr run per example the same way. The table's cases run again
 * with B = 1 (lax_build's shortcuts for an axis of size 1), not nested.
 * The elementwise primitives get cases made from their arity and accepted
 * dtypes (prims.def); a last check says every primitive with a batching
 * rule has a case. Operand values: floats multiples of 1/16 in [-2, 2)
 * (sums exact in any order), integers over the whole range (overflow,
 * wild shifts) unless a range is given (indices, trip counts). */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "batch.h"
#include "codegen.h"
#include "eval.h"
#include "harness.h"
#include "ir_build.h"
#include "jit.h"
#include "limits.h"
#include "pass.h"
#include "prims.h"
#include "util.h"

enum { MAXIN = 5, MAXOUT = 3, MAXCOMBO = 24 };

/* The batch size: 7, then 1 (lax's no-op shortcuts for a size-1 axis) */
static int B = 7;

/* One case: the equation's operands as "dtype[dims]" (key: a PRNG key;
 * "@lo:hi" an integer range), its param set (make_params) and outputs. */
typedef struct bcase {
  const char *name;
  int prim;
  const char *ops[MAXIN];
  int params;
  int nout;                /* 0: one */
  unsigned fixed;          /* bit i: invar i stays unmapped (the rule refuses it mapped) */
  tj_dtype to;             /* the elementwise cases' result dtype (converts) */
  unsigned lit;            /* bit i: operand i is a literal scalar (no invar), as jaxprs' `mul x 2.0` */
} bcase;

enum { P0, PELEM, PRED1, PRED01, PARG, PBCAST, PBCAST0, PRESHAPE, PRESHAPE_PERM, PTRANS, PSQUEEZE, PCAT, PDOT,
       PDOTB, PCUM, PCUMREV, PSLICE, PSLICE_NONE, PREV, PPAD, PSORT1, PSORT2, PTOPK, PSTACK, PUNSTACK, PSPLIT,
       PTILE, PCJVP, PCJVP2, PTHREEFRY, PSEED, PWRAP, PSPLITKEY, PBITS, PGATHER, PGATHER_FILL, PDSLICE, PSCAT,
       PDUS, PRWIN, PRWIN_DIL, PBCAST1, PGATHERB, PSCATB, PBITS8, PSPLITKEY2, PCOND, PWHILE, PSCAN, PSCANREV, PJIT, PSELGA, PSELSC, PSVD, PCVJP, PCONV,
       /* rank 0 and 1 (vector_params) */
       PRED0, PARG0, PCUM0, PSORT0, PTOPK0, PTRANS1, PDOTV, PSQUEEZE0, PRESHAPE0, PPAD1, PSLICE1, PREV0, PGATHER1,
       PDSLICE1, PSCAT1, PSTACK0, PSPLIT1, PTILE1, PRWIN1 };

#define NOUT(c) ((c)->nout ? (c)->nout : 1)

static const bcase cases[] = {
    {"reduce_sum axis 1", P_reduce_sum, {"f32[2,3,2]"}, PRED1, 0, 0, 0, 0},
    {"reduce_sum axes 0,1", P_reduce_sum, {"f32[2,3,2]"}, PRED01, 0, 0, 0, 0},
    {"reduce_prod", P_reduce_prod, {"f32[2,3,2]"}, PRED1, 0, 0, 0, 0},
    {"reduce_max", P_reduce_max, {"f32[2,3,2]"}, PRED1, 0, 0, 0, 0},
    {"reduce_min", P_reduce_min, {"i32[2,3,2]"}, PRED01, 0, 0, 0, 0},
    {"argmax", P_argmax, {"f32[2,3,2]@-2:2"}, PARG, 0, 0, 0, 0},
    {"argmin", P_argmin, {"i32[2,3,2]@-2:2"}, PARG, 0, 0, 0, 0},
    {"reduce_or", P_reduce_or, {"bool[2,3,2]"}, PRED1, 0, 0, 0, 0},
    {"reduce_and", P_reduce_and, {"bool[2,3,2]"}, PRED01, 0, 0, 0, 0},
    {"broadcast_in_dim", P_broadcast_in_dim, {"f32[3]"}, PBCAST, 0, 0, 0, 0},
    {"broadcast_in_dim scalar", P_broadcast_in_dim, {"f32[]"}, PBCAST0, 0, 0, 0, 0},
    {"broadcast_in_dim of size 1", P_broadcast_in_dim, {"f32[1,3]"}, PBCAST1, 0, 0, 0, 0},
    {"select_n three cases", P_select_n, {"i32[2,3]@0:2", "f32[2,3]", "f32[2,3]", "f32[2,3]"}, PELEM, 0, 0, 0, 0},
    {"select_n scalar predicate of three", P_select_n, {"i32[]@0:2", "f32[2,3]", "f32[2,3]", "f32[2,3]"}, PELEM, 0, 0,
     0, 0},
    {"reshape", P_reshape, {"f32[2,3]"}, PRESHAPE, 0, 0, 0, 0},
    {"reshape dimensions", P_reshape, {"f32[2,3]"}, PRESHAPE_PERM, 0, 0, 0, 0},
    {"transpose", P_transpose, {"f32[2,3,4]"}, PTRANS, 0, 0, 0, 0},
    {"squeeze", P_squeeze, {"f32[2,1,3]"}, PSQUEEZE, 0, 0, 0, 0},
    {"concatenate", P_concatenate, {"f32[2,3]", "f32[4,3]", "f32[1,3]"}, PCAT, 0, 0, 0, 0},
    {"concatenate one operand", P_concatenate, {"f32[2,3]"}, PCAT, 0, 0, 0, 0},
    {"dot_general", P_dot_general, {"f32[2,3]", "f32[3,4]"}, PDOT, 0, 0, 0, 0},
    {"dot_general batch dims", P_dot_general, {"f32[2,3,4]", "f32[2,4,2]"}, PDOTB, 0, 0, 0, 0},
    {"cumsum", P_cumsum, {"f32[3,4]"}, PCUM, 0, 0, 0, 0},
    {"cumprod", P_cumprod, {"i32[3,4]"}, PCUM, 0, 0, 0, 0},
    {"cummax reverse", P_cummax, {"f32[3,4]"}, PCUMREV, 0, 0, 0, 0},
    {"cummin", P_cummin, {"f32[3,4]"}, PCUM, 0, 0, 0, 0},
    {"slice", P_slice, {"f32[5,4]"}, PSLICE, 0, 0, 0, 0},
    {"slice no strides", P_slice, {"f32[5,4]"}, PSLICE_NONE, 0, 0, 0, 0},
    {"rev", P_rev, {"f32[3,4]"}, PREV, 0, 0, 0, 0},
    /* a mapped padding value: _pad_batch_rule's select_n between two pads */
    {"pad", P_pad, {"f32[3,2]", "f32[]"}, PPAD, 0, 0, 0, 0},
    {"pad literal padding value", P_pad, {"f32[3,2]", "f32[]"}, PPAD, 0, 0, 0, 2},
    {"sort", P_sort, {"f32[3,4]@-2:2"}, PSORT1, 0, 0, 0, 0},
    {"sort two operands", P_sort, {"i32[3,4]@0:3", "f32[3,4]"}, PSORT2, 2, 0, 0, 0},
    {"top_k", P_top_k, {"f32[3,5]@-3:3"}, PTOPK, 2, 0, 0, 0},
    {"stack", P_stack, {"f32[2,3]", "f32[2,3]"}, PSTACK, 0, 0, 0, 0},
    {"unstack", P_unstack, {"f32[3,2]"}, PUNSTACK, 3, 0, 0, 0},
    {"split", P_split, {"f32[5,2]"}, PSPLIT, 2, 0, 0, 0},
    {"tile", P_tile, {"f32[2,3]"}, PTILE, 0, 0, 0, 0},
    {"custom_jvp_call relu", P_custom_jvp_call, {"f32[3]"}, PCJVP, 0, 0, 0, 0},
    {"custom_jvp_call two operands", P_custom_jvp_call, {"f32[3]", "f32[3]"}, PCJVP2, 0, 0, 0, 0},
    {"threefry2x32", P_threefry2x32, {"u32[4]", "u32[4]", "u32[4]", "u32[4]"}, PTHREEFRY, 2, 0, 0, 0},
    {"threefry2x32 scalar key", P_threefry2x32, {"u32[]", "u32[]", "u32[4]", "u32[4]"}, PTHREEFRY, 2, 0, 0, 0},
    {"threefry2x32 broadcast", P_threefry2x32, {"u32[4,1]", "u32[4,1]", "u32[1,3]", "u32[1,3]"}, PTHREEFRY, 2, 0, 0, 0},
    {"random_seed", P_random_seed, {"i32[2]"}, PSEED, 0, 0, 0, 0},
    {"random_wrap", P_random_wrap, {"u32[2,2]"}, PWRAP, 0, 0, 0, 0},
    {"random_unwrap", P_random_unwrap, {"key[2]"}, P0, 0, 0, 0, 0},
    {"random_split", P_random_split, {"key[2]"}, PSPLITKEY, 0, 0, 0, 0},
    {"random_bits", P_random_bits, {"key[2]"}, PBITS, 0, 0, 0, 0},
    {"random_split 2x2", P_random_split, {"key[]"}, PSPLITKEY2, 0, 0, 0, 0},
    {"random_bits 8", P_random_bits, {"key[2]"}, PBITS8, 0, 0, 0, 0},
    {"random_clone", P_random_clone, {"key[2]"}, P0, 0, 0, 0, 0},
    {"random_fold_in", P_random_fold_in, {"key[2]", "u32[2]"}, P0, 0, 0, 0, 0},
    {"random_fold_in scalar message", P_random_fold_in, {"key[2]", "u32[]"}, P0, 0, 0, 0, 0},
    {"gather clip", P_gather, {"f32[5,3]", "i32[2,1]@-1:6"}, PGATHER, 0, 0, 0, 0},
    {"gather fill", P_gather, {"f32[5,3]", "i32[2,1]@-1:6"}, PGATHER_FILL, 0, 0, 0, 0},
    /* dimension numbers with batching dims already (a vmap inside a vmap) */
    {"gather batching dims", P_gather, {"f32[2,5]", "i32[2,1]@-1:6"}, PGATHERB, 0, 0, 0, 0},
    {"scatter-add batching dims", P_scatter_add, {"f32[2,5]", "i32[2,1]@-1:6", "f32[2]"}, PSCATB, 0, 0, 0, 0},
    {"dynamic_slice", P_dynamic_slice, {"f32[5,4]", "i32[]@-1:5", "i32[]@-1:5"}, PDSLICE, 0, 0, 0, 0},
    {"dynamic_slice literal start", P_dynamic_slice, {"f32[5,4]", "i32[]", "i32[]@-1:5"}, PDSLICE, 0, 0, 0, 2},
    {"scatter", P_scatter, {"f32[5,3]", "i32[2,1]@-1:6", "f32[2,3]"}, PSCAT, 0, 0, 0, 0},
    {"scatter-add", P_scatter_add, {"f32[5,3]", "i32[2,1]@-1:6", "f32[2,3]"}, PSCAT, 0, 0, 0, 0},
    {"scatter-sub", P_scatter_sub, {"f32[5,3]", "i32[2,1]@-1:6", "f32[2,3]"}, PSCAT, 0, 0, 0, 0},
    {"scatter-mul", P_scatter_mul, {"f32[5,3]", "i32[2,1]@-1:6", "f32[2,3]"}, PSCAT, 0, 0, 0, 0},
    {"scatter-min", P_scatter_min, {"f32[5,3]", "i32[2,1]@-1:6", "f32[2,3]"}, PSCAT, 0, 0, 0, 0},
    {"scatter-max", P_scatter_max, {"i32[5,3]", "i32[2,1]@-1:6", "i32[2,3]"}, PSCAT, 0, 0, 0, 0},
    {"dynamic_update_slice", P_dynamic_update_slice, {"f32[5,4]", "f32[2,3]", "i32[]@-1:5", "i32[]@-1:5"}, PDUS, 0,
     0, 0, 0},
    {"dynamic_update_slice literal start", P_dynamic_update_slice, {"f32[5,4]", "f32[2,3]", "i32[]", "i32[]@-1:5"},
     PDUS, 0, 0, 0, 4},
    {"reduce_window_sum", P_reduce_window_sum, {"f32[5,4]"}, PRWIN, 0, 0, 0, 0},
    {"reduce_window_max", P_reduce_window_max, {"f32[5,4]"}, PRWIN, 0, 0, 0, 0},
    {"reduce_window_min", P_reduce_window_min, {"i32[5,4]"}, PRWIN, 0, 0, 0, 0},
    {"reduce_window_sum dilated", P_reduce_window_sum, {"f32[5,4]"}, PRWIN_DIL, 0, 0, 0, 0},
    /* control flow: cond's index mapped (a select of both branches) and not */
    {"cond", P_cond, {"i32[]@0:1", "f32[3]", "f32[3]"}, PCOND, 2, 0, 0, 0},
    {"while", P_while, {"i32[]@0:4", "f32[]", "i32[]@0:2", "f32[2]", "f32[3]"}, PWHILE, 3, 0, 0, 0},
    {"scan", P_scan, {"f32[]", "f32[2]", "f32[3,2]"}, PSCAN, 3, 0, 0, 0},
    {"scan reverse", P_scan, {"f32[]", "f32[2]", "f32[3,2]"}, PSCANREV, 3, 0, 0, 0},
    {"jit", P_jit, {"f32[3]", "f32[3]"}, PJIT, 2, 0, 0, 0},
    /* rank 0 and 1 operands and results, empty dimensions */
    {"reduce_sum to a scalar", P_reduce_sum, {"f32[3]"}, PRED0, 0, 0, 0, 0},
    {"reduce_max to a scalar", P_reduce_max, {"i32[3]"}, PRED0, 0, 0, 0, 0},
    {"reduce_sum empty", P_reduce_sum, {"f32[0,3]"}, PRED1, 0, 0, 0, 0},
    {"argmax of a vector", P_argmax, {"f32[5]@-2:2"}, PARG0, 0, 0, 0, 0},
    {"cumsum of a vector reverse", P_cumsum, {"f32[4]"}, PCUM0, 0, 0, 0, 0},
    {"cumsum empty", P_cumsum, {"f32[3,0]"}, PCUM, 0, 0, 0, 0},
    {"sort a vector", P_sort, {"f32[5]@-2:2"}, PSORT0, 0, 0, 0, 0},
    {"top_k of a vector", P_top_k, {"f32[5]@-3:3"}, PTOPK0, 2, 0, 0, 0},
    {"transpose of a vector", P_transpose, {"f32[3]"}, PTRANS1, 0, 0, 0, 0},
    {"dot_general of vectors", P_dot_general, {"f32[3]", "f32[3]"}, PDOTV, 0, 0, 0, 0},
    {"dot_general matrix vector", P_dot_general, {"f32[2,3]", "f32[3]"}, PDOT, 0, 0, 0, 0},
    {"dot_general vector matrix", P_dot_general, {"f32[3]", "f32[3,2]"}, PDOTV, 0, 0, 0, 0},
    {"dot_general empty contraction", P_dot_general, {"f32[2,0]", "f32[0,3]"}, PDOT, 0, 0, 0, 0},
    {"squeeze to a scalar", P_squeeze, {"f32[1]"}, PSQUEEZE0, 0, 0, 0, 0},
    {"reshape a scalar", P_reshape, {"f32[]"}, PRESHAPE0, 0, 0, 0, 0},
    {"concatenate vectors", P_concatenate, {"f32[2]", "f32[3]"}, PCAT, 0, 0, 0, 0},
    {"concatenate with empty", P_concatenate, {"f32[2,3]", "f32[0,3]"}, PCAT, 0, 0, 0, 0},
    {"pad a vector", P_pad, {"f32[3]", "f32[]"}, PPAD1, 0, 0, 0, 2},
    {"slice a vector", P_slice, {"f32[5]"}, PSLICE1, 0, 0, 0, 0},
    {"rev a vector", P_rev, {"f32[5]"}, PREV0, 0, 0, 0, 0},
    {"gather from a vector", P_gather, {"f32[5]", "i32[3,1]@-1:6"}, PGATHER1, 0, 0, 0, 0},
    {"dynamic_slice of a vector", P_dynamic_slice, {"f32[5]", "i32[]@-1:5"}, PDSLICE1, 0, 0, 0, 0},
    {"dynamic_update_slice of a vector", P_dynamic_update_slice, {"f32[5]", "f32[2]", "i32[]@-1:5"}, PDUS, 0, 0, 0,
     0},
    {"scatter into a vector", P_scatter, {"f32[5]", "i32[2,1]@-1:6", "f32[2]"}, PSCAT1, 0, 0, 0, 0},
    {"scatter-add into a vector", P_scatter_add, {"f32[5]", "i32[2,1]@-1:6", "f32[2]"}, PSCAT1, 0, 0, 0, 0},
    {"stack scalars", P_stack, {"f32[]", "f32[]", "f32[]"}, PSTACK0, 0, 0, 0, 0},
    {"unstack a vector", P_unstack, {"f32[3]"}, PUNSTACK, 3, 0, 0, 0},
    {"split along axis 1", P_split, {"f32[2,5]"}, PSPLIT1, 2, 0, 0, 0},
    {"tile a vector", P_tile, {"f32[3]"}, PTILE1, 0, 0, 0, 0},
    {"reduce_window_max of a vector", P_reduce_window_max, {"f32[5]"}, PRWIN1, 0, 0, 0, 0},
    {"select_n of scalars", P_select_n, {"bool[]", "f32[]", "f32[]"}, PELEM, 0, 0, 0, 0},
    /* max mapped alone is JAX's TypeError (test_refusals): here max stays unmapped */
    {"clamp of scalars", P_clamp, {"f32[]", "f32[]", "f32[]"}, PELEM, 0, 4, 0, 0},
    {"random_bits of a scalar key", P_random_bits, {"key[]"}, PBITS, 0, 0, 0, 0},
    {"random_fold_in of a scalar key", P_random_fold_in, {"key[]", "u32[]"}, P0, 0, 0, 0, 0},
    {"threefry2x32 of scalars", P_threefry2x32, {"u32[]", "u32[]", "u32[]", "u32[]"}, PTHREEFRY, 2, 0, 0, 0},
    {"cond of scalars", P_cond, {"i32[]@0:1", "f32[]", "f32[]"}, PCOND, 2, 0, 0, 0},
    {"jit of scalars", P_jit, {"f32[]", "f32[]"}, PJIT, 2, 0, 0, 0},
    /* rules another branch adds: these run once batch_has_rule says so */
    {"select_and_gather_add", P_select_and_gather_add, {"f32[5]", "f32[5]"}, PSELGA, 0, 0, 0, 0},
    {"select_and_scatter_add", P_select_and_scatter_add, {"f32[4]", "f32[5]"}, PSELSC, 0, 0, 0, 0},
    {"svd", P_svd, {"f32[3,2]"}, PSVD, 3, 0, 0, 0},
    {"custom_vjp_call", P_custom_vjp_call, {"f32[3]"}, PCVJP, 0, 0, 0, 0},
    {"conv_general_dilated", P_conv_general_dilated, {"f32[2,2,5]", "f32[3,2,2]"}, PCONV, 0, 0, 0, 0},
};

/* ---- operands ---- */

typedef struct operand {
  tj_aval a;
  bool ranged;
  int64_t lo, hi;
} operand;

static operand parse_operand(const char *s) {
  operand o = {.a = aval_scalar(DT_F32, false)};
  const char *br = strchr(s, '[');
  if (strncmp(s, "key", 3) == 0) o.a.dtype = DT_KEY;
  else if (!dtype_parse(s, (uint32_t)(br - s), &o.a.dtype)) fprintf(stderr, "bad operand %s\n", s);
  const char *p = br + 1;
  while (*p != ']') {
    char *end;
    o.a.dims[o.a.rank++] = strtoll(p, &end, 10);
    p = *end == ',' ? end + 1 : end;
  }
  if (p[1] == '@') {
    char *end;
    o.ranged = true, o.lo = strtoll(p + 2, &end, 10), o.hi = strtoll(end + 1, NULL, 10);
  }
  return o;
}

static uint64_t next_rand(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return *s >> 33;
}

/* Values as the header says: ranged ints (and floats) in [lo, hi], floats
 * multiples of 1/16 in [-2, 2), bools, keys' and other ints' bits at random. */
static void fill(tj_array *x, const operand *o, uint64_t *seed) {
  if (x->dtype == DT_KEY) {
    for (int64_t k = 0; k < 2 * x->size; k++) ((uint32_t *)x->data)[k] = (uint32_t)next_rand(seed) * 2654435761u;
    return;
  }
  for (int64_t k = 0; k < x->size; k++) {
    uint64_t r = next_rand(seed);
    if (o->ranged) array_set_i(x, k, o->lo + (int64_t)(r % (uint64_t)(o->hi - o->lo + 1)));
    else if (dtype_is_float(x->dtype)) array_set_f(x, k, (double)(int)(r % 64) / 16.0 - 2.0);
    else if (x->dtype == DT_BOOL) array_set_i(x, k, r & 1);
    else array_set_i(x, k, (int64_t)(r * 0x9e3779b97f4a7c15ull) ^ (int64_t)(r << 31));
  }
}

/* ---- slicing and stacking along an axis ---- */

static int64_t span_of(const tj_aval *a, int from, int to) {
  int64_t n = 1;
  for (int i = from; i < to; i++) n *= a->dims[i];
  return n;
}

static tj_aval with_axis(tj_aval a, int d, int64_t n) {
  memmove(a.dims + d + 1, a.dims + d, sizeof *a.dims * (size_t)(a.rank - d));
  a.dims[d] = n, a.rank++;
  return a;
}

static tj_aval without_axis(tj_aval a, int d) {
  memmove(a.dims + d, a.dims + d + 1, sizeof *a.dims * (size_t)(a.rank - d - 1));
  a.rank--;
  return a;
}

/* Example b of x batched along d: x[..., b, ...] (a copy of x when unmapped). */
static tj_array *example(const tj_array *x, int d, int b) {
  if (d == BATCH_NOT_MAPPED) return array_copy(x);
  tj_aval a = array_aval(x, false), e = without_axis(a, d);
  tj_array *r = array_new(&e);
  size_t inner = (size_t)span_of(&a, d + 1, a.rank) * dtype_size(x->dtype);
  int64_t outer = span_of(&a, 0, d);
  for (int64_t o = 0; o < outer; o++)
    memcpy((char *)r->data + o * inner, (const char *)x->data + (o * B + b) * inner, inner);
  return r;
}

/* x as example b of dst, batched along d. */
static void put_example(tj_array *dst, int d, int b, const tj_array *x) {
  tj_aval a = array_aval(dst, false);
  size_t inner = (size_t)span_of(&a, d + 1, a.rank) * dtype_size(dst->dtype);
  int64_t outer = span_of(&a, 0, d);
  for (int64_t o = 0; o < outer; o++)
    memcpy((char *)dst->data + (o * B + b) * inner, (const char *)x->data + o * inner, inner);
}

/* ---- the cases' equations ---- */

static ir_atom op1(ir_module *m, ir_jaxpr *j, int prim, ir_atom a) {
  return ATOM_VAR(ir_build(m, j, &(ir_eqn_desc){.prim = prim, .in = &a, .nin = 1, .nout = 1}, harness_at()->d)->out[0]);
}

static ir_atom op2(ir_module *m, ir_jaxpr *j, int prim, ir_atom a, ir_atom b) {
  ir_atom in[2] = {a, b};
  return ATOM_VAR(ir_build(m, j, &(ir_eqn_desc){.prim = prim, .in = in, .nin = 2, .nout = 1}, harness_at()->d)->out[0]);
}

static ir_atom lit(ir_module *m, tj_dtype t, double v) {
  ir_lit l = {.dtype = t, .weak = true, .f = v, .i = (int64_t)v};
  return ir_new_lit(m, &l);
}

/* A jaxpr of the operands in[0..n) made by body (nout outputs). */
typedef void (*body_fn)(ir_module *m, ir_jaxpr *j, const ir_atom *in, ir_atom *out);
static ir_jaxpr *sub_jaxpr(ir_module *m, const char *const *ops, uint32_t n, uint32_t nout, body_fn body) {
  ir_jaxpr *j = ir_jaxpr_new(m);
  tj_aval av[MAXIN];
  uint32_t vars[MAXIN];
  ir_atom ins[MAXIN], outs[MAXOUT];
  for (uint32_t i = 0; i < n; i++) av[i] = parse_operand(ops[i]).a;
  ir_build_invars(m, j, av, n, vars);
  for (uint32_t i = 0; i < n; i++) ins[i] = ATOM_VAR(vars[i]);
  body(m, j, ins, outs);
  ir_build_outs(m, j, outs, nout);
  return j;
}

/* cond's branches: (sin(x) * y, x) and (y * y, x + y); jit's (sin(x) * y, y). */
static void branch0(ir_module *m, ir_jaxpr *j, const ir_atom *in, ir_atom *out) {
  out[0] = op2(m, j, P_mul, op1(m, j, P_sin, in[0]), in[1]), out[1] = in[0];
}
static void branch1(ir_module *m, ir_jaxpr *j, const ir_atom *in, ir_atom *out) {
  out[0] = op2(m, j, P_mul, in[1], in[1]), out[1] = op2(m, j, P_add, in[0], in[1]);
}
static void jit_body(ir_module *m, ir_jaxpr *j, const ir_atom *in, ir_atom *out) {
  out[0] = op2(m, j, P_mul, op1(m, j, P_sin, in[0]), in[1]), out[1] = in[1];
}
/* while: (limit; i, x, z) -> i < limit; (c; i, x, z) -> (i + 1, x * c + 1, z): z a carry passed
 * through (batched only where its init is). */
static void while_cond(ir_module *m, ir_jaxpr *j, const ir_atom *in, ir_atom *out) {
  out[0] = op2(m, j, P_lt, in[1], in[0]);
}
static void while_body(ir_module *m, ir_jaxpr *j, const ir_atom *in, ir_atom *out) {
  out[0] = op2(m, j, P_add, in[1], lit(m, DT_I32, 1));
  out[1] = op2(m, j, P_add, op2(m, j, P_mul, in[2], in[0]), lit(m, DT_F32, 1));
  out[2] = in[3];
}
/* scan: (c; carry, x) -> (carry * c + x, carry + x, x * x): the last ys
 * unmapped unless the xs are. */
static void scan_body(ir_module *m, ir_jaxpr *j, const ir_atom *in, ir_atom *out) {
  out[0] = op2(m, j, P_add, op2(m, j, P_mul, in[1], in[0]), in[2]);
  out[1] = op2(m, j, P_add, in[1], in[2]);
  out[2] = op2(m, j, P_mul, in[2], in[2]);
}
/* custom functions' bodies: max(x, 0); max(x, y) * x. */
static void relu_body(ir_module *m, ir_jaxpr *j, const ir_atom *in, ir_atom *out) {
  out[0] = op2(m, j, P_max, in[0], lit(m, DT_F32, 0));
}
static void two_body(ir_module *m, ir_jaxpr *j, const ir_atom *in, ir_atom *out) {
  out[0] = op2(m, j, P_mul, op2(m, j, P_max, in[0], in[1]), in[0]);
}
/* a scatter's update jaxpr on two scalars of t */
static ir_jaxpr *update_body(ir_module *m, int prim, tj_dtype t) {
  int op = prim == P_scatter_add ? P_add : prim == P_scatter_sub ? P_sub : prim == P_scatter_mul ? P_mul
         : prim == P_scatter_min ? P_min : P_max;
  ir_jaxpr *j = ir_jaxpr_new(m);
  tj_aval two[2] = {aval_scalar(t, false), aval_scalar(t, false)};
  uint32_t ab[2];
  ir_build_invars(m, j, two, 2, ab);
  ir_atom o = op2(m, j, op, ATOM_VAR(ab[0]), ATOM_VAR(ab[1]));
  ir_build_outs(m, j, &o, 1);
  return j;
}

static pval *ints(ir_module *m, int n, int64_t a, int64_t b, int64_t c) {
  int64_t v[3] = {a, b, c};
  return pv_ints(m, PV_TUPLE, v, n);
}

static pval *pairs(ir_module *m, int n, const int64_t *lo, const int64_t *hi) { return ir_padding_new(m, lo, hi, n); }

/* reduce_window's params on a rank-2 operand: window (2, 2), strides (1, 2), padding ((0, 1), (1, 0));
 * dilated: base dilation (2, 1), window dilation (1, 2). */
static int window_params(ir_module *m, bool dilated, ir_param *ps) {
  static const int64_t lo[2] = {0, 1}, hi[2] = {1, 0};
  ps[0] = (ir_param){"base_dilation", ints(m, 2, dilated ? 2 : 1, 1, 0)}, ps[1] = (ir_param){"padding", pairs(m, 2, lo, hi)};
  ps[2] = (ir_param){"window_dilation", ints(m, 2, 1, dilated ? 2 : 1, 0)};
  ps[3] = (ir_param){"window_dimensions", ints(m, 2, 2, 2, 0)};
  ps[4] = (ir_param){"window_strides", ints(m, 2, 1, 2, 0)};
  return 5;
}

static int dot_params(ir_module *m, const ir_dot_dims *d, ir_param *ps) {
  pval *dn = pv_seq(m, PV_TUPLE, 2), *c = pv_seq(m, PV_TUPLE, 2), *b = pv_seq(m, PV_TUPLE, 2);
  c->items[0] = pv_ints(m, PV_LIST, d->lc, d->nlc), c->items[1] = pv_ints(m, PV_LIST, d->rc, d->nrc);
  b->items[0] = pv_ints(m, PV_LIST, d->lb, d->nlb), b->items[1] = pv_ints(m, PV_LIST, d->rb, d->nrb);
  dn->items[0] = c, dn->items[1] = b;
  ps[0] = (ir_param){"dimension_numbers", dn}, ps[1] = (ir_param){"preferred_element_type", pv_dtype(m, DT_F32)};
  return 2;
}

/* Scatter params: rows of the operand, or (batching) one element per row. */
static int scatter_params(ir_module *m, int prim, tj_dtype t, bool batching, ir_param *ps) {
  ir_scatter_dims d = {.window = {1}, .inserted = {0}, .to_operand = {0}, .nwindow = 1, .ninserted = 1, .nto = 1};
  if (batching)
    d = (ir_scatter_dims){.inserted = {1}, .to_operand = {1}, .operand_batching = {0}, .indices_batching = {0},
                          .ninserted = 1, .nto = 1, .nbatching = 1, .nindices_batching = 1};
  ps[0] = (ir_param){"dimension_numbers", ir_scatter_dims_new(m, &d)};
  ps[1] = (ir_param){"indices_are_sorted", pv_bool(m, false)};
  ps[2] = (ir_param){"mode", pv_name(m, "GatherScatterMode.FILL_OR_DROP")};
  ps[3] = (ir_param){"unique_indices", pv_bool(m, false)};
  ps[4] = (ir_param){"update_consts", pv_seq(m, PV_TUPLE, 0)};
  ps[5] = (ir_param){"update_jaxpr", prim == P_scatter ? pv_none(m) : pv_jaxpr(m, update_body(m, prim, t))};
  return 6;
}

static int custom_params(ir_module *m, const bcase *c, ir_param *ps) {
  bool two = c->params == PCJVP2;
  ir_jaxpr *body = sub_jaxpr(m, c->ops, two ? 2 : 1, 1, two ? two_body : relu_body);
  ps[0] = (ir_param){"name", pv_name(m, two ? "f" : "relu")};
  if (c->params == PCVJP) {
    ps[1] = (ir_param){"bwd", pv_name(m, "relu_bwd")}, ps[2] = (ir_param){"call_jaxpr", pv_jaxpr(m, body)};
    ps[3] = (ir_param){"fwd", pv_name(m, "relu_fwd")}, ps[4] = (ir_param){"symbolic_zeros", pv_bool(m, false)};
    return 5;
  }
  ps[1] = (ir_param){"call_jaxpr", pv_jaxpr(m, body)}, ps[2] = (ir_param){"jvp", pv_name(m, "jvp")};
  ps[3] = (ir_param){"symbolic_zeros", pv_bool(m, false)};
  return 4;
}

static int control_params(ir_module *m, const bcase *c, ir_param *ps) {
  static const char *const cond_ops[] = {"i32[]", "i32[]", "f32[2]", "f32[3]"};
  static const char *const body_ops[] = {"f32[]", "i32[]", "f32[2]", "f32[3]"};
  switch (c->params) {
  case PCOND: {
    pval *br = pv_seq(m, PV_TUPLE, 2);
    br->items[0] = pv_jaxpr(m, sub_jaxpr(m, c->ops + 1, 2, 2, branch0));
    br->items[1] = pv_jaxpr(m, sub_jaxpr(m, c->ops + 1, 2, 2, branch1));
    ps[0] = (ir_param){"branches", br};
    return 1;
  }
  case PWHILE:
    ps[0] = (ir_param){"body_jaxpr", pv_jaxpr(m, sub_jaxpr(m, body_ops, 4, 3, while_body))};
    ps[1] = (ir_param){"body_nconsts", pv_int(m, 1)};
    ps[2] = (ir_param){"cond_jaxpr", pv_jaxpr(m, sub_jaxpr(m, cond_ops, 4, 1, while_cond))};
    ps[3] = (ir_param){"cond_nconsts", pv_int(m, 1)};
    return 4;
  case PSCAN: case PSCANREV: {
    static const char *const ops[] = {"f32[]", "f32[2]", "f32[2]"};
    ps[0] = (ir_param){"jaxpr", pv_jaxpr(m, sub_jaxpr(m, ops, 3, 3, scan_body))};
    ps[1] = (ir_param){"length", pv_int(m, 3)}, ps[2] = (ir_param){"num_carry", pv_int(m, 1)};
    ps[3] = (ir_param){"num_consts", pv_int(m, 1)}, ps[4] = (ir_param){"reverse", pv_bool(m, c->params == PSCANREV)};
    ps[5] = (ir_param){"unroll", pv_int(m, 1)};
    return 6;
  }
  default: /* PJIT */
    ps[0] = (ir_param){"name", pv_name(m, "f")};
    ps[1] = (ir_param){"jaxpr", pv_jaxpr(m, sub_jaxpr(m, c->ops, 2, 2, jit_body))};
    return 2;
  }
}

static int elem_params(ir_module *m, const bcase *c, ir_param *ps) {
  switch (c->prim) {
  case P_convert_element_type:
    ps[0] = (ir_param){"new_dtype", pv_dtype(m, c->to)}, ps[1] = (ir_param){"weak_type", pv_bool(m, false)};
    return 2;
  case P_bitcast_convert_type: ps[0] = (ir_param){"new_dtype", pv_dtype(m, c->to)}; return 1;
  case P_integer_pow: ps[0] = (ir_param){"y", pv_int(m, 3)}; return 1;
  case P_round: ps[0] = (ir_param){"rounding_method", pv_int(m, 1)}; return 1;
  case P_reduce_precision:
    ps[0] = (ir_param){"exponent_bits", pv_int(m, 5)}, ps[1] = (ir_param){"mantissa_bits", pv_int(m, 10)};
    return 2;
  default: return 0;
  }
}

static int other_params(ir_module *m, const bcase *c, ir_param *ps) {
  switch (c->params) {
  case PSELGA: { /* the window params with select_prim=ge third */
    static const int64_t none[1] = {0};
    ps[0] = (ir_param){"base_dilation", ints(m, 1, 1, 0, 0)}, ps[1] = (ir_param){"padding", pairs(m, 1, none, none)};
    ps[2] = (ir_param){"select_prim", pv_name(m, "ge")}, ps[3] = (ir_param){"window_dilation", ints(m, 1, 1, 0, 0)};
    ps[4] = (ir_param){"window_dimensions", ints(m, 1, 2, 0, 0)};
    ps[5] = (ir_param){"window_strides", ints(m, 1, 1, 0, 0)};
    return 6;
  }
  case PSELSC: {
    static const int64_t none[1] = {0};
    ps[0] = (ir_param){"padding", pairs(m, 1, none, none)}, ps[1] = (ir_param){"select_prim", pv_name(m, "ge")};
    ps[2] = (ir_param){"window_dimensions", ints(m, 1, 2, 0, 0)};
    ps[3] = (ir_param){"window_strides", ints(m, 1, 1, 0, 0)};
    return 4;
  }
  case PSVD:
    ps[0] = (ir_param){"algorithm", pv_none(m)}, ps[1] = (ir_param){"compute_uv", pv_bool(m, true)};
    ps[2] = (ir_param){"full_matrices", pv_bool(m, false)}, ps[3] = (ir_param){"subset_by_index", pv_none(m)};
    return 4;
  default: { /* PCONV: lhs (N, C, W), rhs (O, I, W), out (N, C, W) */
    static const int64_t none[1] = {0};
    ir_conv_dims cd = {.spec = {{0, 1, 2}, {0, 1, 2}, {0, 1, 2}}, .rank = 3};
    ps[0] = (ir_param){"batch_group_count", pv_int(m, 1)}, ps[1] = (ir_param){"dimension_numbers", ir_conv_dims_new(m, &cd)};
    ps[2] = (ir_param){"feature_group_count", pv_int(m, 1)}, ps[3] = (ir_param){"lhs_dilation", ints(m, 1, 1, 0, 0)};
    ps[4] = (ir_param){"out_sharding", pv_none(m)}, ps[5] = (ir_param){"padding", pairs(m, 1, none, none)};
    ps[6] = (ir_param){"precision", pv_none(m)}, ps[7] = (ir_param){"preferred_element_type", pv_none(m)};
    ps[8] = (ir_param){"rhs_dilation", ints(m, 1, 1, 0, 0)}, ps[9] = (ir_param){"window_strides", ints(m, 1, 1, 0, 0)};
    return 10;
  }
  }
}

/* The params of the rank 0 and 1 cases. */
static int vector_params(ir_module *m, const bcase *c, ir_param *ps) {
  switch (c->params) {
  case PRED0: case PARG0:
    ps[0] = (ir_param){"axes", ints(m, 1, 0, 0, 0)};
    if (c->prim == P_reduce_sum) { ps[1] = (ir_param){"out_sharding", pv_none(m)}; return 2; }
    if (c->params == PARG0) { ps[1] = (ir_param){"index_dtype", pv_dtype(m, DT_I32)}; return 2; }
    return 1;
  case PCUM0: ps[0] = (ir_param){"axis", pv_int(m, 0)}, ps[1] = (ir_param){"reverse", pv_bool(m, true)}; return 2;
  case PSORT0:
    ps[0] = (ir_param){"dimension", pv_int(m, 0)}, ps[1] = (ir_param){"is_stable", pv_bool(m, true)};
    ps[2] = (ir_param){"num_keys", pv_int(m, 1)};
    return 3;
  case PTOPK0: ps[0] = (ir_param){"axis", pv_int(m, 0)}, ps[1] = (ir_param){"k", pv_int(m, 2)}; return 2;
  case PTRANS1: ps[0] = (ir_param){"permutation", ints(m, 1, 0, 0, 0)}; return 1;
  case PDOTV: return dot_params(m, &(ir_dot_dims){.lc = {0}, .rc = {0}, .nlc = 1, .nrc = 1}, ps);
  case PSQUEEZE0: ps[0] = (ir_param){"dimensions", ints(m, 1, 0, 0, 0)}; return 1;
  case PRESHAPE0:
    ps[0] = (ir_param){"dimensions", pv_none(m)}, ps[1] = (ir_param){"new_sizes", ints(m, 2, 1, 1, 0)};
    ps[2] = (ir_param){"sharding", pv_none(m)};
    return 3;
  case PPAD1: {
    pval *pc = pv_seq(m, PV_TUPLE, 1);
    pc->items[0] = ints(m, 3, 1, 2, 1);
    ps[0] = (ir_param){"padding_config", pc};
    return 1;
  }
  case PSLICE1:
    ps[0] = (ir_param){"start_indices", ints(m, 1, 1, 0, 0)}, ps[1] = (ir_param){"limit_indices", ints(m, 1, 5, 0, 0)};
    ps[2] = (ir_param){"strides", ints(m, 1, 2, 0, 0)};
    return 3;
  case PREV0: ps[0] = (ir_param){"dimensions", ints(m, 1, 0, 0, 0)}; return 1;
  case PGATHER1: {
    ir_gather_dims d = {.collapsed = {0}, .start_map = {0}, .ncollapsed = 1, .nstart_map = 1};
    ps[0] = (ir_param){"dimension_numbers", ir_gather_dims_new(m, &d)}, ps[1] = (ir_param){"fill_value", pv_none(m)};
    ps[2] = (ir_param){"indices_are_sorted", pv_bool(m, false)};
    ps[3] = (ir_param){"mode", pv_name(m, "GatherScatterMode.CLIP")};
    ps[4] = (ir_param){"slice_sizes", ints(m, 1, 1, 0, 0)}, ps[5] = (ir_param){"unique_indices", pv_bool(m, false)};
    return 6;
  }
  case PDSLICE1: ps[0] = (ir_param){"slice_sizes", ints(m, 1, 3, 0, 0)}; return 1;
  case PSCAT1: {
    int n = scatter_params(m, c->prim, DT_F32, false, ps);
    ir_scatter_dims d = {.inserted = {0}, .to_operand = {0}, .ninserted = 1, .nto = 1};
    ps[0] = (ir_param){"dimension_numbers", ir_scatter_dims_new(m, &d)};
    return n;
  }
  case PSTACK0: ps[0] = (ir_param){"axis", pv_int(m, 0)}; return 1;
  case PSPLIT1: ps[0] = (ir_param){"axis", pv_int(m, 1)}, ps[1] = (ir_param){"sizes", ints(m, 2, 2, 3, 0)}; return 2;
  case PTILE1: ps[0] = (ir_param){"reps", ints(m, 1, 2, 0, 0)}; return 1;
  case PRWIN1: {
    static const int64_t none[1] = {0};
    ps[0] = (ir_param){"base_dilation", ints(m, 1, 1, 0, 0)}, ps[1] = (ir_param){"padding", pairs(m, 1, none, none)};
    ps[2] = (ir_param){"window_dilation", ints(m, 1, 1, 0, 0)};
    ps[3] = (ir_param){"window_dimensions", ints(m, 1, 2, 0, 0)};
    ps[4] = (ir_param){"window_strides", ints(m, 1, 1, 0, 0)};
    return 5;
  }
  default: return 0;
  }
}

/* The params of c into ps (their number); hint: broadcast_in_dim's shape. */
static int make_params(ir_module *m, const bcase *c, ir_param *ps, tj_aval *hint) {
  switch (c->params) {
  case PELEM: return elem_params(m, c, ps);
  case PRED1: case PRED01: case PARG: {
    bool one = c->params != PRED01;
    ps[0] = (ir_param){"axes", one ? ints(m, 1, 1, 0, 0) : ints(m, 2, 0, 1, 0)};
    if (c->prim == P_reduce_sum) { ps[1] = (ir_param){"out_sharding", pv_none(m)}; return 2; }
    if (c->params == PARG) { ps[1] = (ir_param){"index_dtype", pv_dtype(m, DT_I32)}; return 2; }
    return 1;
  }
  case PBCAST: case PBCAST0: case PBCAST1:
    *hint = aval_scalar(DT_F32, false);
    hint->rank = 2, hint->dims[0] = 2, hint->dims[1] = 3;
    ps[0] = (ir_param){"broadcast_dimensions", c->params == PBCAST ? ints(m, 1, 1, 0, 0)
                                               : c->params == PBCAST1 ? ints(m, 2, 0, 1, 0) : ints(m, 0, 0, 0, 0)};
    return 1;
  case PRESHAPE: case PRESHAPE_PERM:
    ps[0] = (ir_param){"dimensions", c->params == PRESHAPE ? pv_none(m) : ints(m, 2, 1, 0, 0)};
    ps[1] = (ir_param){"new_sizes", ints(m, 2, 3, 2, 0)}, ps[2] = (ir_param){"sharding", pv_none(m)};
    return 3;
  case PTRANS: ps[0] = (ir_param){"permutation", ints(m, 3, 2, 0, 1)}; return 1;
  case PSQUEEZE: ps[0] = (ir_param){"dimensions", ints(m, 1, 1, 0, 0)}; return 1;
  case PCAT: ps[0] = (ir_param){"dimension", pv_int(m, 0)}; return 1;
  case PDOT: return dot_params(m, &(ir_dot_dims){.lc = {1}, .rc = {0}, .nlc = 1, .nrc = 1}, ps);
  case PDOTB:
    return dot_params(m, &(ir_dot_dims){.lc = {2}, .rc = {1}, .lb = {0}, .rb = {0}, .nlc = 1, .nrc = 1, .nlb = 1, .nrb = 1}, ps);
  case PCUM: case PCUMREV:
    ps[0] = (ir_param){"axis", pv_int(m, 1)}, ps[1] = (ir_param){"reverse", pv_bool(m, c->params == PCUMREV)};
    return 2;
  case PSLICE: case PSLICE_NONE:
    ps[0] = (ir_param){"start_indices", ints(m, 2, 1, 0, 0)}, ps[1] = (ir_param){"limit_indices", ints(m, 2, 5, 3, 0)};
    ps[2] = (ir_param){"strides", c->params == PSLICE ? ints(m, 2, 2, 1, 0) : pv_none(m)};
    return 3;
  case PREV: ps[0] = (ir_param){"dimensions", ints(m, 2, 0, 1, 0)}; return 1;
  case PPAD: {
    pval *pc = pv_seq(m, PV_TUPLE, 2);
    pc->items[0] = ints(m, 3, 1, 2, 1), pc->items[1] = ints(m, 3, 0, -1, 0);
    ps[0] = (ir_param){"padding_config", pc};
    return 1;
  }
  case PSORT1: case PSORT2:
    ps[0] = (ir_param){"dimension", pv_int(m, 1)}, ps[1] = (ir_param){"is_stable", pv_bool(m, true)};
    ps[2] = (ir_param){"num_keys", pv_int(m, 1)};
    return 3;
  case PTOPK: ps[0] = (ir_param){"axis", pv_int(m, 1)}, ps[1] = (ir_param){"k", pv_int(m, 2)}; return 2;
  case PSTACK: case PUNSTACK: ps[0] = (ir_param){"axis", pv_int(m, c->params == PSTACK ? 1 : 0)}; return 1;
  case PSPLIT: ps[0] = (ir_param){"axis", pv_int(m, 0)}, ps[1] = (ir_param){"sizes", ints(m, 2, 2, 3, 0)}; return 2;
  case PTILE: ps[0] = (ir_param){"reps", ints(m, 2, 2, 1, 0)}; return 1;
  case PCJVP: case PCJVP2: case PCVJP: return custom_params(m, c, ps);
  case PSEED: case PWRAP: ps[0] = (ir_param){"impl", pv_name(m, "fry")}; return 1;
  case PSPLITKEY: ps[0] = (ir_param){"shape", ints(m, 1, 3, 0, 0)}; return 1;
  case PSPLITKEY2: ps[0] = (ir_param){"shape", ints(m, 2, 2, 2, 0)}; return 1;
  case PBITS: ps[0] = (ir_param){"bit_width", pv_int(m, 32)}, ps[1] = (ir_param){"shape", ints(m, 1, 4, 0, 0)}; return 2;
  case PBITS8: ps[0] = (ir_param){"bit_width", pv_int(m, 8)}, ps[1] = (ir_param){"shape", ints(m, 2, 2, 3, 0)}; return 2;
  case PGATHER: case PGATHER_FILL: case PGATHERB: {
    ir_gather_dims d = {.offset = {1}, .collapsed = {0}, .start_map = {0}, .noffset = 1, .ncollapsed = 1, .nstart_map = 1};
    if (c->params == PGATHERB) /* x[i, idx[i]] */
      d = (ir_gather_dims){.collapsed = {1}, .start_map = {1}, .operand_batching = {0}, .indices_batching = {0},
                           .ncollapsed = 1, .nstart_map = 1, .nbatching = 1, .nindices_batching = 1};
    bool clip = c->params != PGATHER_FILL;
    ps[0] = (ir_param){"dimension_numbers", ir_gather_dims_new(m, &d)}, ps[1] = (ir_param){"fill_value", pv_none(m)};
    ps[2] = (ir_param){"indices_are_sorted", pv_bool(m, false)};
    ps[3] = (ir_param){"mode", pv_name(m, clip ? "GatherScatterMode.CLIP" : "GatherScatterMode.FILL_OR_DROP")};
    ps[4] = (ir_param){"slice_sizes", ints(m, 2, 1, c->params == PGATHERB ? 1 : 3, 0)};
    ps[5] = (ir_param){"unique_indices", pv_bool(m, false)};
    return 6;
  }
  case PDSLICE: ps[0] = (ir_param){"slice_sizes", ints(m, 2, 2, 3, 0)}; return 1;
  case PSCAT: case PSCATB: return scatter_params(m, c->prim, parse_operand(c->ops[0]).a.dtype, c->params == PSCATB, ps);
  case PRWIN: case PRWIN_DIL: return window_params(m, c->params == PRWIN_DIL, ps);
  case PCOND: case PWHILE: case PSCAN: case PSCANREV: case PJIT: return control_params(m, c, ps);
  case PSELGA: case PSELSC: case PSVD: case PCONV: return other_params(m, c, ps);
  default: return vector_params(m, c, ps);
  }
}

/* The equation's operands. */
static int neqn_ops(const bcase *c) {
  int n = 0;
  while (n < MAXIN && c->ops[n]) n++;
  return n;
}

/* The operands that are invars (not literals): their number, and the
 * spec of invar i. */
static int nops(const bcase *c) {
  int n = 0;
  for (int i = 0; i < neqn_ops(c); i++) n += !(c->lit & (1u << i));
  return n;
}

static const char *in_spec(const bcase *c, int i) {
  for (int k = 0; k < neqn_ops(c); k++)
    if (!(c->lit & (1u << k)) && i-- == 0) return c->ops[k];
  return NULL;
}

/* The case's equation as m->top: invars the operands (literals 3 or 0.5
 * where lit says), outs its results. */
static bool build_case(ir_module *m, const bcase *c) {
  int n = nops(c), ne = neqn_ops(c);
  tj_aval in[MAXIN] = {{0}};
  for (int i = 0; i < n; i++) in[i] = parse_operand(in_spec(c, i)).a;
  uint32_t vars[MAXIN];
  ir_build_invars(m, m->top, in, (uint32_t)n, vars);
  ir_atom atoms[MAXIN];
  for (int i = 0, k = 0; i < ne; i++) {
    tj_dtype t = parse_operand(c->ops[i]).a.dtype;
    atoms[i] = c->lit & (1u << i) ? lit(m, t, dtype_is_float(t) ? 0.5 : 3) : ATOM_VAR(vars[k++]);
  }
  ir_param ps[10];
  tj_aval hint;
  int np = make_params(m, c, ps, &hint);
  bool bcast = c->params == PBCAST || c->params == PBCAST0 || c->params == PBCAST1;
  ir_eqn_desc d = {.prim = c->prim, .in = atoms, .nin = (uint32_t)ne, .params = ps, .nparams = (uint16_t)np,
                   .nout = (uint32_t)NOUT(c), .hint = bcast ? &hint : NULL};
  ir_eqn *e = ir_build(m, m->top, &d, harness_at()->d);
  if (!e) return false;
  ir_atom o[MAXOUT];
  for (int k = 0; k < NOUT(c); k++) o[k] = ATOM_VAR(e->out[k]);
  ir_build_outs(m, m->top, o, (uint32_t)NOUT(c));
  return true;
}

/* ---- batch dimensions ---- */

/* The choices of in_dims for operands of these ranks: all at the first,
 * middle or last position; each one alone mapped (first, last); mixed
 * (even ones first, odd ones last or unmapped); without fixed operands,
 * each choice once, some operand mapped. Their number. */
static int in_dim_choices(const bcase *c, const int *rank, int n, int out[][MAXIN]) {
  int cand[MAXCOMBO + 16][MAXIN], k = 0;
  for (int i = 0; i < n; i++) cand[0][i] = 0, cand[1][i] = rank[i], cand[2][i] = rank[i] / 2;
  k = 3;
  for (int i = 0; n > 1 && i < n; i++)
    for (int where = 0; where < 2; where++, k++)
      for (int j = 0; j < n; j++) cand[k][j] = j != i ? BATCH_NOT_MAPPED : where ? rank[j] : 0;
  for (int j = 0; n > 1 && j < n; j++) {
    cand[k][j] = j % 2 ? rank[j] : 0;
    cand[k + 1][j] = j % 2 ? 0 : BATCH_NOT_MAPPED;
    cand[k + 2][j] = j % 2 ? BATCH_NOT_MAPPED : rank[j];
  }
  if (n > 1) k += 3;
  int nout = 0;
  for (int q = 0; q < k && nout < MAXCOMBO; q++) {
    bool any = false;
    for (int i = 0; i < n; i++) {
      if (c->fixed & (1u << i)) cand[q][i] = BATCH_NOT_MAPPED;
      any |= cand[q][i] != BATCH_NOT_MAPPED;
    }
    bool seen = false;
    for (int p = 0; p < nout && !seen; p++) seen = memcmp(out[p], cand[q], sizeof *cand[q] * (size_t)n) == 0;
    if (any && !seen) memcpy(out[nout++], cand[q], sizeof *cand[q] * (size_t)n);
  }
  return nout;
}

/* The batched jaxpr of src on operands batched along dims; outputs at
 * the rule's dims (last false; an unmapped one broadcast at 0) or moved
 * last; their dims into out_dims. NULL with the error in the harness. */
static ir_jaxpr *batched(ir_module *m, const ir_jaxpr *src, const int *dims, bool last, int *out_dims) {
  ir_jaxpr *j = ir_jaxpr_new(m);
  tj_aval av[MAXIN];
  uint32_t vars[MAXIN];
  ir_atom in[MAXIN], out[MAXOUT];
  for (uint32_t i = 0; i < src->nin; i++) {
    tj_aval a = m->vars[src->invars[i]];
    av[i] = dims[i] == BATCH_NOT_MAPPED ? a : with_axis(a, dims[i], B);
  }
  ir_build_invars(m, j, av, src->nin, vars);
  for (uint32_t i = 0; i < src->nin; i++) in[i] = ATOM_VAR(vars[i]);
  uint32_t neqns = 0;
  struct batch_memo *memo = NULL;
  batch_target bt = {{m, j, harness_at()->d, &neqns, 10000, "test", NULL, NULL, NULL, NULL}, B, &memo};
  if (!batch_replay(&bt, src, in, dims, out, out_dims)) return NULL;
  for (uint32_t k = 0; k < src->nout; k++) {
    int rank = ir_atom_aval(m, src->outs[k]).rank;
    int dst = last ? rank : out_dims[k] == BATCH_NOT_MAPPED ? 0 : out_dims[k];
    if (!batch_match_axis(&bt, (tj_span){0, 0}, out[k], out_dims[k], dst, &out[k])) return NULL;
    out_dims[k] = dst;
  }
  ir_build_outs(m, j, out, src->nout);
  ir_jaxpr *top = m->top; /* ir_check of j: its params as each primitive declares them, its avals its rules' */
  m->top = j;
  bool ok = ir_check(m, harness_at()->d);
  m->top = top;
  return ok ? j : NULL;
}

/* ---- running ---- */

static bool same_bits(const tj_array *got, const tj_array *want) {
  if (!got || !want || got->dtype != want->dtype || got->rank != want->rank) return false;
  for (int d = 0; d < got->rank; d++)
    if (got->dims[d] != want->dims[d]) return false;
  return memcmp(got->data, want->data, (size_t)got->size * dtype_size(got->dtype)) == 0;
}

/* j compiled as tjit run compiles it (m's top for the while), run on in
 * into out (allocated). */
static bool run_compiled(ir_module *m, ir_jaxpr *j, tj_array *const *in, tj_array **out) {
  ir_jaxpr *top = m->top;
  m->top = j;
  pass_facts f = {0};
  tj_buf src = {0};
  ir_module *lowered = pass_pipeline(m, NULL, &f, harness_at()->d);
  bool ok = lowered && codegen_c(harness_at(), lowered, &f, &src) == CG_DONE;
  pass_facts_free(&f);
  ir_free(lowered);
  m->top = top;
  jit_program *p = ok ? jit_compile(harness_at(), src.data) : NULL;
  buf_free(&src);
  if (!p) return false;
  void *ins[MAXIN], *outs[MAXOUT];
  for (uint32_t i = 0; i < j->nin; i++) ins[i] = in[i]->data;
  for (uint32_t k = 0; k < j->nout; k++) {
    tj_aval a = ir_atom_aval(m, j->outs[k]);
    out[k] = array_new(&a), outs[k] = out[k]->data;
  }
  ok = jit_run(p, ins, outs, TJ_MAX_WORK) == JIT_OK;
  for (uint32_t k = 0; ok && k < j->nout; k++) /* nothing written past an output (as tj_run checks) */
    ok = jit_guard_intact(outs[k], (size_t)out[k]->size * dtype_size(out[k]->dtype));
  jit_free(p);
  return ok;
}

static int ncombos_run;

/* The batched jaxpr j of src (operands batched along dims, outputs at
 * out_dims), evaluated and compiled on operands of c's values, against
 * src evaluated on each example, stacked. */
static void compare(const bcase *c, const char *what, ir_module *m, const ir_jaxpr *src, ir_jaxpr *j, const int *dims,
                    const int *out_dims) {
  int n = nops(c), nout = (int)src->nout;
  ncombos_run++;
  uint64_t seed = 0x5eed + (uint64_t)ncombos_run;
  tj_array *x[MAXIN], *want[MAXOUT] = {0}, *got[MAXOUT] = {0}, *comp[MAXOUT] = {0};
  for (int i = 0; i < n; i++) {
    operand o = parse_operand(in_spec(c, i));
    tj_aval a = m->vars[src->invars[i]];
    if (dims[i] != BATCH_NOT_MAPPED) a = with_axis(a, dims[i], B);
    x[i] = array_new(&a);
    fill(x[i], &o, &seed);
  }
  bool ok = true;
  for (int b = 0; b < B && ok; b++) {
    tj_array *xb[MAXIN], *yb[MAXOUT] = {0};
    for (int i = 0; i < n; i++) xb[i] = example(x[i], dims[i], b);
    ok = eval_jaxpr(harness_at(), m, src, (const tj_array *const *)xb, yb) == TJ_OK;
    for (int k = 0; ok && k < nout; k++) {
      if (!want[k]) {
        tj_aval a = with_axis(array_aval(yb[k], false), out_dims[k], B);
        want[k] = array_new(&a);
      }
      put_example(want[k], out_dims[k], b, yb[k]);
    }
    for (int i = 0; i < n; i++) array_free(xb[i]);
    for (int k = 0; k < nout; k++) array_free(yb[k]);
  }
  CHECK(ok);
  if (!ok) fprintf(stderr, "  %s: the examples: %s\n", what, harness_error());
  bool evaluated = ok && eval_jaxpr(harness_at(), m, j, (const tj_array *const *)x, got) == TJ_OK;
  CHECK(!ok || evaluated);
  if (ok && !evaluated) fprintf(stderr, "  %s: the batched jaxpr: %s\n", what, harness_error());
  bool compiled = ok && run_compiled(m, j, x, comp);
  CHECK(!ok || compiled);
  if (ok && !compiled) fprintf(stderr, "  %s: compiled: %s\n", what, harness_error());
  for (int k = 0; ok && k < nout; k++) {
    bool e = !evaluated || same_bits(got[k], want[k]), g = !compiled || same_bits(comp[k], want[k]);
    CHECK(e);
    CHECK(g);
    if (!e) fprintf(stderr, "  %s: output %d evaluated differs from the stacked examples\n", what, k);
    if (!g) fprintf(stderr, "  %s: output %d compiled differs from the stacked examples\n", what, k);
  }
  for (int i = 0; i < n; i++) array_free(x[i]);
  for (int k = 0; k < nout; k++) array_free(want[k]), array_free(got[k]), array_free(comp[k]);
}

static void describe(char *what, size_t size, const char *prefix, const int *dims, int n, bool last) {
  int off = snprintf(what, size, "%s (", prefix);
  for (int i = 0; i < n; i++) off += snprintf(what + off, size - (size_t)off, "%s%d", i ? ", " : "", dims[i]);
  snprintf(what + off, size - (size_t)off, ")%s", last ? ", out last" : "");
}

/* The case with operands batched along dims, then (nested, a vmap of a
 * vmap) that batched jaxpr batched again along dims2 (NULL: not): each
 * level against its source run per example. */
static void check_dims(const bcase *c, const int *dims, bool last, const int *dims2) {
  char what[300], what2[700];
  int n = nops(c), out_dims[MAXOUT], out_dims2[MAXOUT];
  char name[120];
  snprintf(name, sizeof name, "%s, B = %d, in_dims", c->name, B);
  describe(what, sizeof what, name, dims, n, last);
  ir_module *m = ir_new(NULL);
  ir_jaxpr *j = build_case(m, c) ? batched(m, m->top, dims, last, out_dims) : NULL;
  CHECK(j != NULL);
  if (!j) { fprintf(stderr, "  %s: %s\n", what, harness_error()); ir_free(m); return; }
  compare(c, what, m, m->top, j, dims, out_dims);
  if (dims2) {
    char name2[320];
    snprintf(name2, sizeof name2, "%s, then", what);
    describe(what2, sizeof what2, name2, dims2, n, !last);
    ir_jaxpr *j2 = batched(m, j, dims2, !last, out_dims2);
    CHECK(j2 != NULL);
    if (!j2) fprintf(stderr, "  %s: %s\n", what2, harness_error());
    else compare(c, what2, m, j, j2, dims2, out_dims2);
  }
  ir_free(m);
}

/* Each choice of in_dims; and nested, each choice for the batched
 * operands' ranks after the choice before it. */
static bool nested = true; /* whether check_case batches each batched jaxpr again */

static void check_case(const bcase *c) {
  int n = nops(c), rank[MAXIN], rank2[MAXIN], choice[MAXCOMBO][MAXIN], choice2[MAXCOMBO][MAXIN];
  for (int i = 0; i < n; i++) rank[i] = parse_operand(in_spec(c, i)).a.rank;
  int k = in_dim_choices(c, rank, n, choice);
  for (int q = 0; q < k; q++) {
    const int *prev = choice[(q + k - 1) % k];
    for (int i = 0; i < n; i++) rank2[i] = rank[i] + (prev[i] != BATCH_NOT_MAPPED);
    int k2 = in_dim_choices(c, rank2, n, choice2);
    check_dims(c, prev, q % 2 == 1, nested ? choice2[q % k2] : NULL);
  }
}

/* ---- the elementwise primitives ---- */

/* Whether every operand of prim may have dtype t (its ACCEPTS groups). */
static bool accepts(int prim, tj_dtype t) {
  for (uint32_t i = 0; i < 2; i++) {
    unsigned group = prim_accepted_at((tj_prim)prim, i);
    if (group && !(dtype_type_classes(t) & group)) return false;
  }
  return true;
}

static int nelem_cases;

/* Each elementwise primitive on its first accepted dtype of f32, i32,
 * bool: operands [2,3], and for two or more operands each one a scalar
 * in turn (the broadcasting rule's scalar cases), and clamp's two bounds
 * scalars (its rule's rank-1 bounds). */
static void test_elementwise(void) {
  static const tj_dtype order[] = {DT_F32, DT_I32, DT_BOOL};
  static const char *const names[] = {"f32", "i32", "bool"};
  for (int p = 0; p < P_COUNT; p++) {
    if (!(prims[p].flags & PF_ELEMENTWISE) || !batch_has_rule(p)) continue;
    int t = 0;
    while (t < 3 && !accepts(p, order[t])) t++;
    if (t == 3) { CHECK(!"an elementwise primitive accepts none of f32, i32, bool"); continue; }
    int n = p == P_select_n || p == P_clamp ? 3 : prims[p].nin;
    char full[MAXIN][16], scalar[MAXIN][16];
    for (int i = 0; i < n; i++) {
      const char *dt = p == P_select_n && i == 0 ? "bool" : names[t];
      snprintf(full[i], sizeof full[i], "%s[2,3]", dt), snprintf(scalar[i], sizeof scalar[i], "%s[]", dt);
    }
    bcase c = {prims[p].name, p, {NULL}, PELEM, 0, 0, 0, 0};
    c.to = p == P_convert_element_type || p == P_bitcast_convert_type ? (order[t] == DT_F32 ? DT_I32 : DT_F32) : 0;
    /* s: the scalar operand, -1 none; clamp's n: both bounds */
    for (int s = -1; s < (n > 1 ? n : 0) + (p == P_clamp); s++) {
      for (int i = 0; i < n; i++) c.ops[i] = i == s || (s == n && i != 1) ? scalar[i] : full[i];
      /* not lax shapes: clamp's x a scalar between array bounds, select_n's cases of two shapes, add_any's
       * operands of two (ad.add_jaxvals adds values of one aval) */
      if ((p == P_clamp && s == 1) || (p == P_select_n && s > 0) || (p == P_add_any && s >= 0)) continue;
      nested = s < 0; /* the variants once (time: the nested level tests the structural rules most) */
      check_case(&c);
      nelem_cases++;
    }
    /* a literal operand (unmapped, no invar): each of two, or clamp's bounds */
    for (unsigned l = 1; n > 1 && l <= (n == 2 ? 2u : 5u) && p != P_add_any && p != P_select_n; l++) {
      if (n == 3 && l != 5) continue;
      for (int i = 0; i < n; i++) c.ops[i] = l & (1u << i) ? scalar[i] : full[i];
      c.lit = l;
      check_case(&c);
      nelem_cases++;
    }
    c.lit = 0, nested = true;
  }
}

/* ---- the table ---- */

/* A case whose rule is not there yet (another branch adds it): its
 * equation must build and give the same bits evaluated and compiled on
 * one example, so that the case is ready. */
static void check_unbatched(const bcase *c) {
  ir_module *m = ir_new(NULL);
  tj_array *x[MAXIN] = {0}, *y[MAXOUT] = {0}, *z[MAXOUT] = {0};
  bool ok = build_case(m, c);
  uint64_t seed = 1;
  for (int i = 0; ok && i < nops(c); i++) {
    operand o = parse_operand(in_spec(c, i));
    x[i] = array_new(&o.a);
    fill(x[i], &o, &seed);
  }
  ok = ok && eval_jaxpr(harness_at(), m, m->top, (const tj_array *const *)x, y) == TJ_OK;
  ok = ok && run_compiled(m, m->top, x, z);
  for (int k = 0; ok && k < NOUT(c); k++) ok = same_bits(z[k], y[k]);
  CHECK(ok);
  if (!ok) fprintf(stderr, "  %s (no rule yet): %s\n", c->name, harness_error());
  for (int i = 0; i < MAXIN; i++) array_free(x[i]);
  for (int k = 0; k < MAXOUT; k++) array_free(y[k]), array_free(z[k]);
  ir_free(m);
}

static void test_cases(void) {
  for (size_t i = 0; i < TJ_COUNT(cases); i++) {
    if (batch_has_rule(cases[i].prim)) check_case(&cases[i]);
    else check_unbatched(&cases[i]);
  }
}

/* Every primitive with a batching rule has a case: a row of the table, or
 * the elementwise cases. */
static void test_every_rule_has_a_case(void) {
  int rules = 0;
  for (int p = 0; p < P_COUNT; p++) {
    if (!batch_has_rule(p)) continue;
    rules++;
    bool found = (prims[p].flags & PF_ELEMENTWISE) != 0;
    for (size_t i = 0; i < TJ_COUNT(cases) && !found; i++) found = cases[i].prim == p;
    CHECK(found);
    if (!found) fprintf(stderr, "  no case for the batching rule of %s\n", prims[p].name);
  }
  printf("# %d primitives with a batching rule; %d elementwise cases, %zu table rows\n", rules, nelem_cases,
         TJ_COUNT(cases));
}

static const bcase *case_named(const char *name) {
  for (size_t i = 0; i < TJ_COUNT(cases); i++)
    if (strcmp(cases[i].name, name) == 0) return &cases[i];
  return NULL;
}

/* The batched jaxpr of c along dims fails with message want. */
static void check_refused(const bcase *c, const int *dims, const char *want) {
  ir_module *m = ir_new(NULL);
  int out_dims[MAXOUT];
  CHECK(build_case(m, c) && batched(m, m->top, dims, false, out_dims) == NULL);
  CHECK_STR(harness_error(), want);
  ir_free(m);
}

/* What the table keeps unmapped: clamp of scalars with only max mapped, which JAX 0.10.2's _clamp_batch_rule
 * binds as clamp(min, x, max[B]) with x still a scalar (it broadcasts x
 * to min's shape only), so vmap(lambda hi: lax.clamp(0., 1., hi)) is
 * clamp's shape rule's TypeError in JAX too, and in tjit, which follows
 * the rule. The other choices with max mapped work. */
static void test_refusals(void) {
  const bcase *clamp = case_named("clamp of scalars");
  check_refused(clamp, (const int[]){BATCH_NOT_MAPPED, BATCH_NOT_MAPPED, 0},
                "TypeError: clamp requires max.shape == operand.shape or max.shape == (), got max.shape=(7,), "
                "operand.shape=().");
  check_dims(clamp, (const int[]){0, BATCH_NOT_MAPPED, 0}, false, NULL);
  check_dims(clamp, (const int[]){BATCH_NOT_MAPPED, 0, 0}, true, NULL);
  check_dims(clamp, (const int[]){0, 0, 0}, false, NULL);
}

/* A primitive without a rule and a mapped operand: batching.py's
 * NotImplementedError. custom_lin (ad.py's, which no vmap reaches: it
 * lives only inside a linearization) is built by hand, one mapped f32[3]
 * operand, its output typed by the hint. batch.def must not have it, or
 * this checks nothing. */
static void test_missing_rule(void) {
  CHECK(!batch_has_rule(P_custom_lin));
  ir_module *m = ir_new(NULL);
  tj_aval a = parse_operand("f32[3]").a;
  uint32_t x;
  ir_build_invars(m, m->top, &a, 1, &x);
  ir_atom in = ATOM_VAR(x);
  ir_eqn_desc d = {.prim = P_custom_lin, .in = &in, .nin = 1, .nout = 1, .hint = &a};
  ir_eqn *e = ir_build(m, m->top, &d, harness_at()->d);
  CHECK(e != NULL);
  if (e) {
    ir_atom o = ATOM_VAR(e->out[0]);
    ir_build_outs(m, m->top, &o, 1);
    int out_dims[1];
    const tj_diag *before = harness_at()->d->tail;
    CHECK(batched(m, m->top, (const int[]){0}, false, out_dims) == NULL);
    const tj_diag *err = before ? before->next : harness_at()->d->head;
    CHECK_STR(err ? err->msg : "", "NotImplementedError: Batching rule for 'custom_lin' not implemented");
    CHECK_STR(harness_error(), "JAX batches 'custom_lin'; tjit has no batching rule for it yet");
  }
  ir_free(m);
}

int main(void) {
  test_missing_rule();
  test_elementwise();
  test_cases();
  test_every_rule_has_a_case();
  test_refusals();
  B = 1, nested = false; /* a batch of one, once: the table's cases */
  test_cases();
  printf("# %d batched jaxprs compared with their examples stacked\n", ncombos_run);
  return HARNESS_REPORT();
}
