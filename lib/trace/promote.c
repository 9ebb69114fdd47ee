/* JAX's type promotion (jnp.result_type of two operands, with weak types)
 * and numpy broadcasting of shapes.
 *
 * Promotion is the join (least upper bound) on JAX's type promotion lattice,
 * jax/_src/dtypes.py `_type_promotion_lattice('standard')`:
 *
 *   b1: [i*]   i*: [u8, i8]   f*: [bf16, f16, c*]
 *   u8: [i16, u16]  u16: [i32, u32]  u32: [i64, u64]  u64: [f*]
 *   i8: [i16]  i16: [i32]  i32: [i64]  i64: [f*]
 *   bf16: [f32]  f16: [f32]  f32: [f64, c64]  f64: [c128]
 *
 * (the 2/4-bit integers and 8-bit floats JAX also lists are leaves with no
 * upper bounds, so they are never the join of two of our types; the complex
 * types lie above every real type and are left out for the same reason).
 * The lattice includes u16, u64, bf16 and f16, which tjit lacks: they only
 * matter as intermediate nodes. No pair of tjit dtypes joins at one of them
 * (a join at u16 needs an operand of at most u16 not below u8, one at u64
 * needs u64 itself, one at bf16/f16 needs bf16/f16 or f* with only f*-or-lower
 * partners, which joins at f*), so no choice has to be made there; the unit
 * test checks every pair. The joins through them that do arise:
 *   u8  v i8  = i16      (u8 -> i16, i8 -> i16)
 *   u32 v i8/i16/i32 = i64 (u32 -> i64, u64; the signed chain reaches i64)
 *   u32 v i64 = i64
 *   i64 v f*  = f*, so i64 + weak float is a weak f32 (i.e. 32 bits).
 */
#include "dtype.h"

#include <string.h>

/* Nodes of the lattice: tjit's dtypes plus the weak types i* and f* and the
 * types we lack (u16, u64, bf16, f16). */
enum node {
  N_BOOL, N_IWEAK, N_U8, N_U16, N_U32, N_U64, N_I8, N_I16, N_I32, N_I64,
  N_FWEAK, N_BF16, N_F16, N_F32, N_F64, N_COUNT
};

/* Upper-bound sets UB(n) = {m | n <= m} as bit masks, the transitive closure
 * of the lattice above written top-down (each line: n itself, then the UB
 * sets of n's direct successors). */
#define BIT(n) (1u << (n))
#define UB_F64 (BIT(N_F64))
#define UB_F32 (BIT(N_F32) | UB_F64)
#define UB_F16 (BIT(N_F16) | UB_F32)
#define UB_BF16 (BIT(N_BF16) | UB_F32)
#define UB_FWEAK (BIT(N_FWEAK) | UB_BF16 | UB_F16)
#define UB_I64 (BIT(N_I64) | UB_FWEAK)
#define UB_U64 (BIT(N_U64) | UB_FWEAK)
#define UB_I32 (BIT(N_I32) | UB_I64)
#define UB_U32 (BIT(N_U32) | UB_I64 | UB_U64)
#define UB_I16 (BIT(N_I16) | UB_I32)
#define UB_U16 (BIT(N_U16) | UB_I32 | UB_U32)
#define UB_I8 (BIT(N_I8) | UB_I16)
#define UB_U8 (BIT(N_U8) | UB_I16 | UB_U16)
#define UB_IWEAK (BIT(N_IWEAK) | UB_U8 | UB_I8)
#define UB_BOOL (BIT(N_BOOL) | UB_IWEAK)

static const unsigned upper_bounds[N_COUNT] = {
    [N_BOOL] = UB_BOOL, [N_IWEAK] = UB_IWEAK, [N_U8] = UB_U8,
    [N_U16] = UB_U16,   [N_U32] = UB_U32,     [N_U64] = UB_U64,
    [N_I8] = UB_I8,     [N_I16] = UB_I16,     [N_I32] = UB_I32,
    [N_I64] = UB_I64,   [N_FWEAK] = UB_FWEAK, [N_BF16] = UB_BF16,
    [N_F16] = UB_F16,   [N_F32] = UB_F32,     [N_F64] = UB_F64,
};

static const enum node node_of_dtype[DT_COUNT] = {
    [DT_BOOL] = N_BOOL, [DT_I8] = N_I8,   [DT_I16] = N_I16,
    [DT_I32] = N_I32,   [DT_I64] = N_I64, [DT_U8] = N_U8,
    [DT_U32] = N_U32,   [DT_F32] = N_F32, [DT_F64] = N_F64,
    [DT_U16] = N_U16,   [DT_U64] = N_U64, [DT_BF16] = N_BF16,
    [DT_F16] = N_F16,
};

/* JAX's _jax_type: a weak value stands for its Python scalar type (any weak
 * integer, signed or not, is i*); there is no weak bool. */
static enum node node_of(tj_dtype t, bool weak) {
  if (weak && dtype_is_int(t)) return N_IWEAK;
  if (weak && dtype_is_float(t)) return N_FWEAK;
  return node_of_dtype[t];
}

/* The join: the common upper bound whose own upper bounds hold all the
 * others (JAX's _least_upper_bound). The lattice has one for every pair. */
static enum node join(enum node a, enum node b) {
  unsigned common = upper_bounds[a] & upper_bounds[b];
  for (int n = 0; n < N_COUNT; n++)
    if ((common & BIT(n)) && (upper_bounds[n] & common) == common)
      return (enum node)n;
  return N_F64;  /* unreachable: f64 bounds every node */
}

/* A node tjit lacks never results (see the top of the file); weak nodes
 * materialize as with x64 disabled: i* -> i32, f* -> f32. */
static tj_dtype dtype_of_node(enum node n) {
  switch (n) {
  case N_BOOL: return DT_BOOL;
  case N_IWEAK: return DT_I32;
  case N_U8: return DT_U8;
  case N_U16: return DT_U16;
  case N_U32: return DT_U32;
  case N_U64: return DT_U64;
  case N_I8: return DT_I8;
  case N_I16: return DT_I16;
  case N_I32: return DT_I32;
  case N_I64: return DT_I64;
  case N_FWEAK: return DT_F32;
  case N_BF16: return DT_BF16;
  case N_F16: return DT_F16;
  case N_F32: return DT_F32;
  default: return DT_F64;
  }
}

/* When every operand is weak, JAX joins their strong dtypes and marks the
 * result weak; result_type then materializes it as the default type of its
 * kind (_default_types: i32, u32, f32; bool is never weak). */
static tj_dtype promote_all_weak(tj_dtype a, tj_dtype b, bool *weak) {
  tj_dtype joined = dtype_of_node(join(node_of_dtype[a], node_of_dtype[b]));
  static const tj_dtype default_of_kind[] = {
      [DK_BOOL] = DT_BOOL, [DK_SIGNED] = DT_I32,
      [DK_UNSIGNED] = DT_U32, [DK_FLOAT] = DT_F32,
  };
  *weak = joined != DT_BOOL;
  return default_of_kind[dtype_kindof(joined)];
}

/* Follows jax/_src/dtypes.py _lattice_result_type and result_type. Strong
 * results are not narrowed to 32 bits: tjit has real i64/f64 arrays. */
tj_dtype dtype_promote(tj_dtype a, bool a_weak, tj_dtype b, bool b_weak,
                       bool *weak) {
  if (a == b && !(a_weak && b_weak)) {  /* JAX's "trivial promotion case" */
    *weak = false;
    return a;
  }
  if (a_weak && b_weak) return promote_all_weak(a, b, weak);
  enum node joined = join(node_of(a, a_weak), node_of(b, b_weak));
  *weak = joined == N_IWEAK || joined == N_FWEAK;
  return dtype_of_node(joined);
}

/* numpy broadcasting: align trailing dimensions; each pair must be equal or
 * contain a 1, and the other size wins (so 0 against 1 gives 0). */
bool shape_broadcast(const tj_aval *a, const tj_aval *b, tj_aval *out) {
  if (a->rank > TJ_MAX_RANK || b->rank > TJ_MAX_RANK) return false;
  tj_aval result = *a;  /* dtype and weak stay a's */
  int rank = a->rank > b->rank ? a->rank : b->rank;
  result.rank = (uint8_t)rank;
  for (int i = 1; i <= rank; i++) {
    int64_t da = i <= a->rank ? a->dims[a->rank - i] : 1;
    int64_t db = i <= b->rank ? b->dims[b->rank - i] : 1;
    if (da != db && da != 1 && db != 1) return false;
    result.dims[rank - i] = da == 1 ? db : da;
  }
  memset(result.dims + rank, 0, sizeof(int64_t) * (size_t)(TJ_MAX_RANK - rank));
  *out = result;
  return true;
}
