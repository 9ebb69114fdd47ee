/* The primitive table (rows in prims.def). Every consumer of primitives —
 * tracer, printer, checker, evaluator, C emitter — indexes prims[]. */
#ifndef TJ_PRIMS_H
#define TJ_PRIMS_H
#include <stdbool.h>

#include "dtype.h"
#include "ir.h"

enum {
  PF_ELEMENTWISE = 1 << 0,   /* output element i depends on input element i */
  PF_MOVES = 1 << 1,         /* results are operands' values (or a callee's results): */
                             /* the half pass (pass_half.c) rounds nothing after it */
  PF_KEEPS_HALF = 1 << 2,    /* an f16/bf16 result stays 2-byte in the half pass: its */
                             /* rules round every step, or work on the format's bits */
  PF_COMPARE = 1 << 5,       /* result is bool */
  PF_NAME_FIRST = 1 << 6,    /* listing prints name= before sorted params */
};

/* The numpy scalar type classes lax's dtype rules accept, in the order
 * JAX's messages name them (lax.py's unions, _int | _float | _complex,
 * iterate so: "integer, bool" as and_p prints for a float operand).
 * X(ID, numpy class name) */
#define TJ_TYPE_CLASSES(X)                                                     \
  X(INTEGER, "integer") X(SIGNEDINTEGER, "signedinteger") X(FLOATING, "floating") \
  X(COMPLEXFLOATING, "complexfloating") X(BOOL, "bool") X(NUMBER, "number")

enum {
#define X(id, name) TC_BIT_##id,
  TJ_TYPE_CLASSES(X)
#undef X
  TC_COUNT
};
enum {
#define X(id, name) TC_##id = 1u << TC_BIT_##id,
  TJ_TYPE_CLASSES(X)
#undef X
};

/* lax.py's accepted-dtype groups (its _float, _num, _bool_or_int ...),
 * for a primitive's ACCEPTS column; TG_NUMBER is np.number, as the
 * reductions' _reduce_number_dtype_rule and loops.py's _cumred_dtype_rule
 * check it. */
enum {
  TG_FLOAT = TC_FLOATING,
  TG_FLOAT_COMPLEX = TC_FLOATING | TC_COMPLEXFLOATING,
  TG_INT = TC_INTEGER,
  TG_INT_FLOAT = TC_INTEGER | TC_FLOATING,
  TG_NUM = TC_INTEGER | TC_FLOATING | TC_COMPLEXFLOATING,
  TG_BOOL_OR_INT = TC_INTEGER | TC_BOOL,
  TG_SIGNED_FLOAT_COMPLEX = TC_SIGNEDINTEGER | TC_FLOATING | TC_COMPLEXFLOATING,
  TG_ORDERED = TC_INTEGER | TC_FLOATING | TC_BOOL,
  TG_ANY = TG_NUM | TC_BOOL,
  TG_NUMBER = TC_NUMBER,
};

/* A primitive's accepted dtypes, in its flags: ACCEPTS(group) for every
 * operand, ACCEPTS_AT1(group) where operand 1 accepts another group (pow).
 * No ACCEPTS: the shape rule checks dtypes itself, or any dtype goes. */
#define ACCEPTS(group) ((unsigned)(group) << 8)
#define ACCEPTS_AT1(group) ((unsigned)(group) << 16)

typedef enum tj_prim {
#define PRIM(id, name, nin, flags, shape, eval, crule) P_##id,
#include "prims.def"
#undef PRIM
  P_COUNT
} tj_prim;

/* Computes the output avals of eqn e (operands' avals from the module)
 * into out[0..e->nout). On a type error reports it into diags at e's
 * span (shape_rule_error) and returns false: no fixed buffer, no message
 * cut short. broadcast_in_dim's result aval comes from out[0] as given
 * by the caller; the rule checks it. */
typedef bool (*shape_rule)(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags);

/* Every shape rule named in prims.def; rules may live in any prims_*.c. */
#define PRIM(id, name, nin, flags, shape, eval, crule)                               \
  bool shape(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags);
#include "prims.def"
#undef PRIM

/* A shape rule's error: lax's message, raised as a TypeError (as JAX
 * raises its shape and dtype rules' errors), at e's span in m's source.
 * Returns false. */
bool shape_rule_error(diag_list *d, const ir_module *m, const ir_eqn *e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* svd's subset_by_index as [*lo, *hi) of its k singular values, all of
 * them for None; false unless 0 <= lo <= hi <= k (prims_linalg.c). */
bool svd_subset(const ir_eqn *e, int64_t k, int64_t *lo, int64_t *hi);
/* The same raised as a ValueError (the rules that JAX checks with
 * ValueError: pad's, the windowed reductions'). */
bool shape_rule_value_error(diag_list *d, const ir_module *m, const ir_eqn *e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The operands' shapes as Python's str() of tuples, sep between them,
 * for a message listing them all (in d's arena). */
const char *shape_rule_operand_shapes(diag_list *d, const ir_module *m, const ir_eqn *e, const char *sep);
/* Python's str() of a tuple of ints, (3, 4)  (3,)  (), for a shape rule's
 * message (allocated in d's arena: whatever its length, no truncation). */
const char *shape_rule_tuple(diag_list *d, const int64_t *v, int n);
/* The body of a call primitive: jit's jaxpr, custom_jvp_call's call_jaxpr
 * (prims_nn.c); NULL for any other equation. */
const ir_jaxpr *call_body(const ir_eqn *e);
/* Whether j (or a jaxpr under it) holds custom_lin, which cannot be
 * lowered: then the TypeError JAX's lowering raises
 * (raise_custom_vjp_error_on_jvp) is added to d (prims_nn.c). */
bool custom_lin_refused(const ir_jaxpr *j, diag_list *d, const tj_source *src);
/* A gather's window dimensions: the operand dimensions neither collapsed
 * nor batching, in order (their slices land at offset_dims). Returns
 * how many (prims_gather.c). */
int gather_window_dims(const ir_gather_dims *d, int rank, int64_t *out);

/* Computes eqn e's outputs out[0..nout) (new arrays of the eqn's output
 * avals) from its operands in[0..nin) (literals as scalar arrays). On a
 * failure writes a message into the evaluator's state and returns false,
 * having freed whatever it allocated. Rules live in eval_*.c. */
struct eval_state;
struct tj_array;
typedef bool (*eval_rule)(struct eval_state *s, const ir_eqn *e,
                          const struct tj_array *const *in,
                          struct tj_array **out);

/* Every eval rule named in prims.def. */
#define PRIM(id, name, nin, flags, shape, eval, crule)                               \
  bool eval(struct eval_state *s, const ir_eqn *e,                             \
            const struct tj_array *const *in, struct tj_array **out);
#include "prims.def"
#undef PRIM

/* Emits eqn e as C (the backend, cg_*.c). Elementwise rules write the C
 * expression of one output element into expr from the operands' element
 * expressions ops; the others write statements and get NULLs. */
struct cg;
struct tj_buf;
typedef bool (*cg_rule)(struct cg *g, const ir_eqn *e, const char *const *ops,
                        struct tj_buf *expr);

/* Every C rule named in prims.def (one per family; duplicates are harmless). */
#define PRIM(id, name, nin, flags, shape, eval, crule)                               \
  bool crule(struct cg *g, const ir_eqn *e, const char *const *ops, struct tj_buf *expr);
#include "prims.def"
#undef PRIM

typedef struct prim_info {
  const char *name;
  int nin;                   /* -1: variadic */
  unsigned flags;
  shape_rule shape;
  eval_rule eval;
  cg_rule cg;
} prim_info;

extern const prim_info prims[P_COUNT];

/* One declared param of a primitive (rows in prims_params.def). */
enum { OPTIONAL = 0, REQUIRED = 1 };
typedef struct param_spec {
  const char *key;
  unsigned kind;             /* param_kind (ir.h), | PK_OR_NONE */
  bool required;             /* REQUIRED: every equation has it */
} param_spec;

/* A primitive's declared params (none: specs NULL, n 0). */
typedef struct prim_param_decl {
  const param_spec *specs;
  int n;
} prim_param_decl;

/* prim_params[p]: the params primitive p declares, beside prims[p]. */
extern const prim_param_decl prim_params[P_COUNT];

/* The type classes (TC_*) dtype t belongs to, from its kind (so every
 * dtype of a kind fits). */
unsigned dtype_type_classes(tj_dtype t);
/* The group operand i of primitive p accepts (0: unchecked). */
unsigned prim_accepted_at(tj_prim p, uint32_t i);
/* Checks operand i's dtype t against the primitive's accepted group and
 * reports lax's message (unop_dtype_rule's for one operand,
 * naryop_dtype_rule's "at position i" for more) when it is not in it. */
bool shape_rule_dtype_accepted(const ir_module *m, const ir_eqn *e, uint32_t i, tj_dtype t, diag_list *diags);

/* lax.py check_same_dtypes(name, operands from first on): its message,
 * with the jnp function _JNP_FUNCTION_EQUIVALENTS names for name. */
bool shape_rule_same_dtypes(diag_list *diags, const ir_module *m, const ir_eqn *e, uint32_t first, const char *name);
/* lax's ', '.join(t.__name__ for t in accepted_dtypes) of a TG_* group,
 * in d's arena. */
const char *shape_rule_type_classes(diag_list *d, unsigned group);

/* Looks up a primitive by its JAX name; -1 if unknown. */
int prim_lookup(const char *name);

#endif
