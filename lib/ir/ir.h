/* The jaxpr IR: flat arrays in one arena per traced program (QBE's storage,
 * JAX's shape). A module owns every variable, literal, equation and
 * sub-jaxpr of one trace; ir_free releases it all at once.
 *
 * Variables have no names: the printer names them by first touch. */
#ifndef TJ_IR_H
#define TJ_IR_H
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "dtype.h"
#include "limits.h"

/* An operand: a variable or a literal, tagged in the low bit. */
typedef uint32_t ir_atom;
#define ATOM_VAR(i) ((ir_atom)(i) << 1)
#define ATOM_LIT(i) (((ir_atom)(i) << 1) | 1u)
#define ATOM_IS_LIT(a) (((a) & 1u) != 0)
#define ATOM_INDEX(a) ((a) >> 1)

/* A scalar literal: `2.0:f32[]`. f holds float values (f32 ones already
 * rounded to float), i holds bool/int values. */
typedef struct ir_lit {
  tj_dtype dtype;
  bool weak;
  double f;
  int64_t i;
} ir_lit;

/* A param value, printed as Python's str() of the JAX value. */
typedef enum {
  PV_NONE,   /* None */
  PV_BOOL,   /* True / False */
  PV_INT,    /* 2 */
  PV_FLOAT,  /* 0.5 (Python repr) */
  PV_DTYPE,  /* float32 */
  PV_NAME,   /* raw text, e.g. a jit's name=f */
  PV_TUPLE,  /* (0,)  (0, 1)  ()  — a tuple of jaxprs prints ( {..} {..} ) */
  PV_LIST,   /* [1]  [0, 1]  [] */
  PV_JAXPR,  /* a closed sub-jaxpr */
  PV_RECORD, /* a NamedTuple, printed Name(field=value, ...): s its name,
                fields its field names, items their values */
} pval_kind;

typedef struct ir_jaxpr ir_jaxpr;
typedef struct pval pval;
struct pval {
  pval_kind kind;
  int64_t i;               /* PV_BOOL, PV_INT */
  double f;                /* PV_FLOAT */
  tj_dtype dtype;          /* PV_DTYPE */
  const char *s;           /* PV_NAME; PV_INT: a numpy scalar's type ("int64"), or NULL */
  pval **items;            /* PV_TUPLE, PV_LIST, PV_RECORD */
  int nitems;
  const char *const *fields; /* PV_RECORD: nitems names (static text) */
  ir_jaxpr *jaxpr;         /* PV_JAXPR; PV_NAME: a user's custom rule traced (custom_jvp_call's
                              jvp, trace_custom.c), never printed, or NULL */
};

typedef struct ir_param {
  const char *key;
  pval *val;
} ir_param;

typedef struct ir_eqn {
  uint16_t prim;           /* enum tj_prim */
  uint16_t nparams;
  uint32_t nin, nout;
  ir_atom *in;
  uint32_t *out;           /* variable indices */
  ir_param *params;        /* exactly the params JAX prints, any order */
  tj_span span;            /* where in the source it was recorded */
} ir_eqn;

struct ir_jaxpr {
  uint32_t id;             /* its index among the module's jaxprs (0: top),
                              for tables of per-jaxpr facts: a jaxpr may be
                              shared by many equations (a jit traced once) */
  uint32_t *constvars, nconst;
  uint32_t *invars, nin;
  ir_eqn *eqns;
  uint32_t neqns, capeqns;
  ir_atom *outs;
  uint32_t nout;
};

/* The value of a constvar: an array constant (jnp.array of numbers),
 * hoisted as JAX hoists non-scalar constants. data holds the elements,
 * row-major, in the var's dtype (dtype_size bytes each). */
typedef struct ir_const {
  uint32_t var;
  const void *data;        /* in the module's arena */
} ir_const;

typedef struct ir_module {
  tj_arena arena;
  tj_aval *vars;           /* vars[i] is variable i's aval */
  uint32_t nvars, capvars;
  ir_lit *lits;
  uint32_t nlits, caplits;
  ir_const *consts;        /* the data of every constvar of any jaxpr */
  uint32_t nconsts, capconsts;
  ir_jaxpr *top;
  uint32_t njaxprs;        /* jaxprs made so far (their ids are below it) */
  const tj_source *src;    /* what eqn spans point into */
} ir_module;

ir_module *ir_new(const tj_source *src);
void ir_free(ir_module *m);
ir_jaxpr *ir_jaxpr_new(ir_module *m);

uint32_t ir_new_var(ir_module *m, const tj_aval *aval);
ir_atom ir_new_lit(ir_module *m, const ir_lit *lit);
/* Gives var (a constvar) its value: a copy of the bytes of var's aval. */
void ir_const_set(ir_module *m, uint32_t var, const void *data);
/* The elements of constvar var, or NULL when it has none. */
const void *ir_const_data(const ir_module *m, uint32_t var);
/* Bytes of the elements of an aval (within TJ_MAX_ELEMENTS). */
size_t ir_aval_bytes(const tj_aval *a);
/* The aval of an atom (a literal's is a scalar of its dtype). */
tj_aval ir_atom_aval(const ir_module *m, ir_atom a);

/* Appends an equation with room for nin operands, nout outputs and
 * nparams params (filled by the caller). */
ir_eqn *ir_add_eqn(ir_module *m, ir_jaxpr *j, int prim, uint32_t nin,
                   uint32_t nout, uint16_t nparams, tj_span span);

/* Param value constructors (allocated in m's arena). */
pval *pv_none(ir_module *m);
pval *pv_bool(ir_module *m, bool b);
pval *pv_int(ir_module *m, int64_t i);
/* A numpy int64 scalar: str() 1, repr() np.int64(1) (in a tuple, as
 * jnp.pad's pad widths reach lax.pad's padding_config). */
pval *pv_np_int64(ir_module *m, int64_t i);
pval *pv_float(ir_module *m, double f);
pval *pv_dtype(ir_module *m, tj_dtype t);
pval *pv_name(ir_module *m, const char *s);
pval *pv_seq(ir_module *m, pval_kind kind, int n);   /* PV_TUPLE or PV_LIST, n empty slots */
pval *pv_ints(ir_module *m, pval_kind kind, const int64_t *v, int n);
pval *pv_jaxpr(ir_module *m, ir_jaxpr *j);
/* A record named name with n fields (static text), n empty slots. */
pval *pv_record(ir_module *m, const char *name, const char *const *fields, int n);
/* The value of param key of e, or NULL. */
const pval *ir_param_get(const ir_eqn *e, const char *key);

/* What a param's value must be: each primitive declares the kind of each
 * of its params (prims_params.def) and ir_check holds every equation to
 * it, so the typed readers below may trust a checked module. The text is
 * how ir_check names the kind in its messages. */
#define PARAM_KINDS(X)                                                      \
  X(PK_NONE, "None")                 /* a sharding tjit never sets */      \
  X(PK_BOOL, "a bool")                                                     \
  X(PK_INT, "an int")                                                      \
  X(PK_FLOAT, "a float")                                                   \
  X(PK_DTYPE, "a dtype")                                                   \
  X(PK_NAME, "a name")                                                     \
  X(PK_INTS, "a tuple of ints")      /* (0, 1) */                          \
  X(PK_INT_LIST, "a list of ints")   /* [0, 1] */                          \
  X(PK_JAXPR, "a jaxpr")                                                   \
  X(PK_JAXPRS, "a tuple of jaxprs")  /* cond's branches */                 \
  X(PK_CONSTS, "an empty tuple")     /* constants: tjit records none */    \
  X(PK_DOT_DIMS, "dot_general's dimension numbers")   /* (([lc], [rc]), ([lb], [rb])) */ \
  X(PK_SCATTER_DIMS, "a ScatterDimensionNumbers")   /* the record */ \
  X(PK_INT_TUPLES, "a tuple of int tuples")   /* pad's ((1, 2, 0),), windows' and conv's ((0, 0), (1, 1)) */ \
  X(PK_CONV_DIMS, "a ConvDimensionNumbers")         /* convolution (issue 14) */ \
  X(PK_GATHER_DIMS, "a GatherDimensionNumbers")     /* the record */ \
  X(PK_SCALAR, "a number or bool")   /* gather's fill_value */               \
  X(PK_PLATFORMS, "a tuple of platform tuples") /* (('mosaic',), None): platform_index's */  \
  X(PK_BOOL_LIST, "a list of bools") /* custom_lin's in_zeros [False] */
#define PARAM_KIND_ENUM(id, text) id,
typedef enum { PARAM_KINDS(PARAM_KIND_ENUM) PK_COUNT } param_kind;
#undef PARAM_KIND_ENUM
/* Or'ed into a kind: the value may also be None (JAX prints None). */
enum { PK_OR_NONE = 0x100, PK_KIND_MASK = 0xff };

/* Whether v is of kind (a param_kind, possibly | PK_OR_NONE). */
/* The branch lax.platform_dependent takes on platform name (quoted as
 * JAX prints it, 'cpu'): the index of the tuple that names it, else of the
 * None entry (the default), else -1. */
int ir_platform_branch(const pval *platforms, const char *name);
bool ir_pval_is(const pval *v, unsigned kind);
/* The kind as ir_check's messages name it ("a tuple of ints or None"). */
void ir_kind_text(unsigned kind, char *out, int size);

/* Typed reads of params, the one place that decodes them. */
/* An int param (not a bool), or def when it is missing or of another kind. */
int64_t ir_param_int(const ir_eqn *e, const char *key, int64_t def);
/* A bool param, or def when it is missing or of another kind. */
bool ir_param_bool(const ir_eqn *e, const char *key, bool def);
/* A dtype param, or def when it is missing or of another kind. */
tj_dtype ir_param_dtype(const ir_eqn *e, const char *key, tj_dtype def);
/* Whether param key is None or absent (slice's strides: all 1). */
bool ir_param_is_none(const ir_eqn *e, const char *key);
/* The sub-jaxprs a param value holds: 1 for a jaxpr, n for a tuple of
 * jaxprs (cond's branches), 0 for anything else; and jaxpr i of them. */
int ir_pval_njaxprs(const pval *v);
ir_jaxpr *ir_pval_jaxpr(const pval *v, int i);
/* A name param's text (a jit's name), or NULL when it is missing or of
 * another kind. */
const char *ir_param_name(const ir_eqn *e, const char *key);
/* A jaxpr param, or NULL when it is missing or of another kind. */
ir_jaxpr *ir_param_jaxpr(const ir_eqn *e, const char *key);
/* The ints of a tuple/list value into out[0..max): their number, or -1
 * when p is missing, not a sequence of ints, or longer than max. */
int ir_pval_ints(const pval *p, int64_t *out, int max);
int ir_param_ints(const ir_eqn *e, const char *key, int64_t *out, int max);
/* dot_general's dimension_numbers, (([lc], [rc]), ([lb], [rb])). */
typedef struct ir_dot_dims {
  int64_t lc[TJ_MAX_RANK], rc[TJ_MAX_RANK], lb[TJ_MAX_RANK], rb[TJ_MAX_RANK];
  int nlc, nrc, nlb, nrb;
} ir_dot_dims;
/* False when the param is missing or not of that form (the counts of a
 * side may differ: the shape rule reports that). */
bool ir_dot_dims_read(const ir_eqn *e, ir_dot_dims *d);
bool ir_pval_dot_dims(const pval *p, ir_dot_dims *d);
/* The param as the dot_general pp rule prints it, lists in tuples. */
pval *ir_dot_dims_new(ir_module *m, const ir_dot_dims *d);
/* The dimension-number records (scatter's, gather's, conv's) are records
 * of int tuples: a field's ints and their number, to write and to read. */
typedef struct { const int64_t *v; int n; } ir_ints_in;
typedef struct { int64_t *v; int *n; } ir_ints_out;
/* A record named name (static text) with n fields, field i holding
 * vals[i] (an empty tuple where vals[i].v is NULL with n 0). */
pval *ir_int_record_new(ir_module *m, const char *name, const char *const *fields, int n,
                        const ir_ints_in *vals);
/* The first nvals fields of p, a record with these n fields, into
 * vals[i].v[0..TJ_MAX_RANK) and their numbers into *vals[i].n; false when
 * p is not such a record or one of those fields is not a tuple of ints. */
bool ir_pval_int_record(const pval *p, const char *const *fields, int n, const ir_ints_out *vals, int nvals);
/* A scatter's dimension_numbers, a ScatterDimensionNumbers record: its
 * field names, and the three that tjit's scatters use. */
enum { IR_SCATTER_FIELDS = 5 };
extern const char *const ir_scatter_fields[IR_SCATTER_FIELDS];
typedef struct ir_scatter_dims {
  int64_t window[TJ_MAX_RANK], inserted[TJ_MAX_RANK], to_operand[TJ_MAX_RANK];
  int nwindow, ninserted, nto;
  /* operand_batching_dims and scatter_indices_batching_dims (only the
   * transpose of a batched gather makes them) */
  int64_t operand_batching[TJ_MAX_RANK], indices_batching[TJ_MAX_RANK];
  int nbatching, nindices_batching;
} ir_scatter_dims;
pval *ir_scatter_dims_new(ir_module *m, const ir_scatter_dims *d);
/* False when the param is missing or not such a record. */
bool ir_scatter_dims_read(const ir_eqn *e, ir_scatter_dims *d);
bool ir_pval_scatter_dims(const pval *p, ir_scatter_dims *d);
/* A gather's dimension_numbers, a GatherDimensionNumbers record
 * (jax._src.lax.slicing), all five fields. */
enum { IR_GATHER_FIELDS = 5 };
extern const char *const ir_gather_fields[IR_GATHER_FIELDS];
typedef struct ir_gather_dims {
  int64_t offset[TJ_MAX_RANK], collapsed[TJ_MAX_RANK], start_map[TJ_MAX_RANK];
  int64_t operand_batching[TJ_MAX_RANK], indices_batching[TJ_MAX_RANK];
  int noffset, ncollapsed, nstart_map, nbatching, nindices_batching;
} ir_gather_dims;
pval *ir_gather_dims_new(ir_module *m, const ir_gather_dims *d);
/* False when the param is missing or not such a record. */
bool ir_gather_dims_read(const ir_eqn *e, ir_gather_dims *d);
bool ir_pval_gather_dims(const pval *p, ir_gather_dims *d);

/* ---- convolution (issue 14 item 4): prims_conv.c ---- */
/* conv_general_dilated's dimension_numbers, a ConvDimensionNumbers
 * record (jax/_src/lax/convolution.py) of three permutations: lhs (batch,
 * feature, spatial...), rhs (out feature, in feature, spatial...), out
 * (batch, feature, spatial...). */
enum { IR_CONV_FIELDS = 3 };
extern const char *const ir_conv_fields[IR_CONV_FIELDS];
typedef struct ir_conv_dims {
  int64_t spec[IR_CONV_FIELDS][TJ_MAX_RANK];
  int rank;                /* each spec's length (the operands' rank) */
} ir_conv_dims;
pval *ir_conv_dims_new(ir_module *m, const ir_conv_dims *d);
/* False when p is not such a record of three equally long tuples. */
bool ir_pval_conv_dims(const pval *p, ir_conv_dims *d);
/* A padding param, ((lo, hi), ...): its pairs into lo/hi[0..max), their
 * number, or -1 when p is not of that form. */
int ir_pval_padding(const pval *p, int64_t *lo, int64_t *hi, int max);
pval *ir_padding_new(ir_module *m, const int64_t *lo, const int64_t *hi, int n);

/* Checks the IR's invariants (every operand defined before use, outputs
 * defined once, params as the primitive declares them, avals agree with
 * the primitives' shape rules). Returns false on the first violation,
 * reported into d as an internal error (a bug in tjit) at the failing
 * equation's span. */
bool ir_check(const ir_module *m, diag_list *d);

#endif
