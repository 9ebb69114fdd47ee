/* The tracer: abstract interpretation of the AST (DESIGN.md §3). Static
 * values are computed; traced values record equations into a jaxpr. */
#ifndef TJ_TRACE_H
#define TJ_TRACE_H
#include <stdbool.h>

#include "ast.h"
#include "bind.h"
#include "diag.h"
#include "ir.h"
#include "spec.h"
#include "value.h"

typedef struct scope scope;
struct scope {
  scope *parent;
  name_id *names;
  value *vals;
  int n, cap;
  bool captured;           /* a function defined in it (or below) keeps it */
};

/* What a statement did to control flow. */
typedef enum { FLOW_NORMAL, FLOW_BREAK, FLOW_CONTINUE, FLOW_RETURN, FLOW_ERROR } flow;

typedef enum { ERR_BOOL, ERR_INTEGER, ERR_CONCRETE } concrete_kind;

/* One level of tracing: the top-level function, or the body of a
 * sub-jaxpr (a cond branch, a loop body, a jit). Traced values of
 * enclosing levels used here are captured as consts, as JAX closures are. */
typedef struct trace_frame trace_frame;
struct trace_frame {
  trace_frame *parent;
  ir_jaxpr *jaxpr;
  uint32_t first_var;       /* variables below this belong to enclosing levels */
  uint32_t *outer, *inner;  /* captured consts, in order of first use */
  int nconst, capconst;
  /* for messages: the function traced here, what for ("jit", "cond", ...),
   * and its arguments' variables and names */
  ast_func *func;
  const char *traced_for;
  const uint32_t *args;
  const char **arg_names;
  int nargs;
};

/* How a trace used a static parameter, or anything computed from it (bits
 * of tracer.static_use[param]): explain-recompile classifies static
 * arguments by them (tjit-explain-recompile(1)). */
enum {
  USE_LITERAL = 1,  /* became a literal operand of an equation */
  USE_CONTROL = 2,  /* decided an if, a loop condition or bound, ?:, && or || */
  USE_SHAPE = 4,    /* decided a shape, an axis, an index, a dtype or an equation's parameter */
  USE_CALL = 8,     /* a static argument of a jit function: its cache key */
};
#define USE_DECIDED (USE_CONTROL | USE_SHAPE | USE_CALL)

typedef struct tracer {
  tj_arena scratch;         /* static values, scopes; freed after the trace */
  diag_list *diags;
  const tj_source *src;
  const ast_program *prog;
  ir_module *m;
  ir_jaxpr *jaxpr;          /* where equations are recorded now (frame->jaxpr) */
  trace_frame *frame;
  uint32_t neqns;           /* equations recorded in all jaxprs */
  ast_func *entry;
  const char **invar_names; /* parameter name of each top-level invar */
  const sjson **invar_json; /* and its value in the spec (in the module's arena) */
  const char *out_tree;     /* the result's structure (tree_def_text), in the module's arena */
  /* every parameter of the entry, for drawing (in the module's arena) */
  const char **param_names;
  const sjson **param_json;
  bool *param_static;
  const char **param_default; /* the repr of a left-out parameter's default (else NULL) */
  int nparams;
  int depth;                /* evaluation nesting (C stack guard) */
  int call_depth;
  int jaxpr_depth;          /* sub-jaxpr levels open (frame_push) */
  uint64_t steps;
  value retval;             /* set by `return` */
  tj_span jump_span;        /* the last break/continue, for errors */
  bool jump_is_break;
  scope *free_scopes;       /* released scopes, chained by parent */
  struct jit_entry *jit_cache;   /* traced jit functions, by signature */
  bool autograph;
  uint8_t *static_use;       /* per entry parameter, USE_* bits; NULL: not recorded */
  uint64_t literal_prov;     /* provenance of the static values made literals (call_builtin) */
  /* array constants (trace_const.c): per variable, the elements of a
   * constant's source variable, else NULL; elements made so far */
  const void **src_data;
  uint32_t nsrc;
  int64_t const_elements;
  struct jvp_memo *jvp_memo;  /* jvp jaxprs of jit bodies (lib/ir/jvp.h), in the module's arena */
  struct vjp_memo *vjp_memo;  /* linearized and transposed jit bodies (lib/ir/vjp.h), likewise */
  struct batch_memo *batch_memo; /* batched jit bodies (lib/ir/batch.h), likewise */
} tracer;

/* Records a use of static values computed from the parameters in prov. */
static inline void note_use(tracer *t, uint64_t prov, uint8_t use) {
  if (!t->static_use) return;
  for (; prov; prov &= prov - 1) t->static_use[__builtin_ctzll(prov)] |= use;
}

/* trace.c */
/* Traces the entry function of a call bound by bind.c (t->entry is set
 * from it): the call's checks are done, so every failure is the program's. */
bool trace_function(tracer *t, const bound_call *bc);
/* float0 (dtype.h) enters a trace only as an argument (a jvp tangent):
 * no dtype name, cast or declared constant makes one. */
#define FLOAT0_NOT_MADE "float0 values cannot be made by tjit: only a jvp tangent argument may be float0"
bool tracer_error(tracer *t, tj_span span, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool concretization_error(tracer *t, concrete_kind kind, const value *v,
                          tj_span span, const char *fix);
/* JAX's origin note for a traced variable (which parameters it depends on,
 * or the operations it grew from), then a hint: mark those static, or fix
 * (may be NULL). For errors of one's own that need a concrete value. */
void origin_note(tracer *t, uint32_t var, const char *fix);
bool enter(tracer *t, tj_span span);
static inline void leave(tracer *t) { t->depth--; }
scope *scope_new(tracer *t, scope *parent);
/* A scope whose statements are done: reused by the next scope_new unless
 * a function defined in it keeps it (scope_capture). A static loop of
 * millions of iterations made two scopes per iteration, 60 bytes that
 * lived until the end of the trace (600 MB at the statements limit). */
void scope_release(tracer *t, scope *s);
/* s and the scopes around it are kept by a function defined in s. */
void scope_capture(scope *s);
void scope_bind(tracer *t, scope *s, name_id name, value v);
value *scope_lookup(scope *s, name_id name);
flow exec_block(tracer *t, scope *s, node *block);
flow exec_stmt(tracer *t, scope *s, node *n);
bool call_user(tracer *t, ast_func *f, scope *closure, node *call, value *args,
               int nargs, value *out);

/* Starts a sub-jaxpr level (false with an error beyond
 * TJ_MAX_JAXPR_NEST); frame_pop returns to the enclosing one. */
bool frame_push(tracer *t, trace_frame *f, tj_span span);
void frame_pop(tracer *t);
/* var as an operand at the current level (captured if it is outer). */
ir_atom frame_atom(tracer *t, uint32_t var);
/* The jaxpr's invars: the captured consts, then the given arguments. */
void frame_seal(tracer *t, trace_frame *f, const uint32_t *args, int nargs);

/* trace_const.c: array constants. The elements of var when it is a
 * constant's source variable (captured by every level that uses it),
 * else NULL. */
const void *const_source(const tracer *t, uint32_t var);
/* Drops the constants f captured that its jaxpr does not read (their
 * tracers died: DynamicJaxprTrace.finalize_const). */
void consts_prune(tracer *t, trace_frame *f);
/* The top level's captured constants become its constvars. */
void consts_finish_top(tracer *t, trace_frame *top);
/* A jit that captured only constants keeps them as its jaxpr's constvars
 * (*nconst becomes 0), as pjit does when none of its consts is a tracer. */
void consts_close_jit(tracer *t, ir_jaxpr *j, const uint32_t *outer, int *nconst);

/* trace_expr.c */
bool eval(tracer *t, scope *s, node *n, value *out);
/* A static truth value (*prov: what it was computed from); a traced one is
 * a TracerBoolConversionError. */
bool eval_truth(tracer *t, scope *s, node *n, const char *fix, bool *out, uint64_t *prov);
tj_aval value_aval(tracer *t, const value *v);
bool to_atom(tracer *t, const value *v, tj_dtype dt, bool weak, tj_span span, ir_atom *out);
/* Records an equation of prim at the current level through the builder
 * (ir_build.h): operands of outer levels are captured first, the trace's
 * equation budget is counted, and a type error goes to the tracer's
 * diagnostics at span. hint: the result aval a rule checks (broadcast_in_dim's
 * shape), else NULL. *out: the traced output. */
bool emit(tracer *t, int prim, const ir_atom *ins, int nin, const tj_aval *hint,
          const ir_param *params, int nparams, tj_span span, value *out);
bool convert(tracer *t, value *v, tj_dtype dt, bool weak, tj_span span);
/* slice[start_indices limit_indices strides] of in (rank dims each);
 * strides NULL records strides=None, as jnp's unit-stride indexing does. */
bool emit_slice(tracer *t, ir_atom in, int rank, const int64_t *start, const int64_t *limit, const int64_t *strides,
                tj_span span, value *out);
/* lax.slice_in_dim(x, lo, hi, axis=axis) of in (aval a): [lo, hi) along
 * axis, the other dims whole, unit strides recorded as (1, ...) or, with
 * strides_none, as None. */
bool emit_slice_in_dim(tracer *t, ir_atom in, const tj_aval *a, int axis, int64_t lo, int64_t hi, bool strides_none,
                       tj_span span, value *out);
/* A static number as a numpy scalar of dtype dt: (f32)1.0, f32(1.0). */
bool cast_static(tracer *t, value *v, tj_dtype dt, tj_span span);
/* emit for primitives with several outputs (their avals from the shape
 * rule); the new variables go to outs[0..nout). */
bool emit_n(tracer *t, int prim, const ir_atom *ins, int nin, int nout, const ir_param *params,
            int nparams, tj_span span, uint32_t *outs);
/* The dtype and weak type that vals[0..n) promote to (lax's result_type). */
void values_result_type(tracer *t, const value *vals, int n, tj_dtype *dt, bool *weak);
bool promote_values(tracer *t, value *vals, int n, tj_span span, tj_dtype *dt,
                    bool *weak);
bool promote_ranks(tracer *t, value *vals, int n, tj_dtype dt, bool weak, tj_span span);
bool apply_binary(tracer *t, int prim, value a, value b, tj_span span, value *out);
/* a op b for a binary operator of the language, static or traced. */
bool binary_op(tracer *t, ast_op op, value a, value b, tj_span span, value *out);

/* trace_index.c */
/* base[items] where base is traced: slices, indices, dynamic_slice. */
bool index_traced(tracer *t, scope *s, node *n, value base, value *out);
/* x[i]: x traced, 1-D and not empty, i a traced integer scalar. */
bool index_scalar_traced(tracer *t, value x, value i, tj_span span, value *out);
/* x[i]: x traced and 1-D, i a static int. */
bool index_static_int(tracer *t, value x, int64_t i, tj_span span, value *out);
/* x[idx]: x traced and 1-D, idx a traced integer array. */
bool index_take_array(tracer *t, value x, value idx, tj_span span, value *out);
/* x.at[idx].set(y): x traced and 1-D, idx a traced 1-D integer array. */
bool index_set_array(tracer *t, value x, value idx, value y, tj_span span, value *out);
/* target[items] = v (with op: the compound operator, or OP_ASSIGN), as JAX
 * records x.at[...].set(v); updates the variable that holds the array. */
bool index_assign(tracer *t, scope *s, node *target, ast_op op, node *rhs, value *out);
/* x.at[idx].set(v) / add / subtract / multiply / get() (*found false when
 * call is not a method of x.at[idx]): the updated array, x unchanged. */
bool index_at_call(tracer *t, scope *s, node *call, bool *found, value *out);

/* trace_container.c: lists, dicts, indexing them, for-each */
bool eval_list(tracer *t, scope *s, node *n, value *out);
bool eval_dict(tracer *t, scope *s, node *n, value *out);
/* dict(w=x, b=y) */
bool eval_dict_call(tracer *t, scope *s, node *n, value *out);
/* base[items] where base is static: a tuple's, list's or dict's item, a slice. */
bool index_static(tracer *t, scope *s, node *n, value base, value *out);
/* d.name of a dict d: d["name"]. */
bool dict_member(tracer *t, node *n, const value *d, value *out);
/* target = v, target += v ... where target's variable holds a static
 * container (is_container_target): rebinds it to an updated copy. */
bool is_container_target(scope *s, node *target);
bool container_assign(tracer *t, scope *s, node *target, ast_op op, node *rhs, value *out);
/* What `for (auto x : v)` iterates: count items, the i-th by iter_item;
 * v, or range(...) (start + i * step, no list made). */
typedef struct iter_source {
  value v;
  bool range;
  int64_t start, step, count;
  tj_span span;
} iter_source;
bool iter_begin(tracer *t, scope *s, node *rhs, iter_source *it);
bool iter_item(tracer *t, const iter_source *it, int64_t i, value *out);

/* trace_tree_diff.c: jax.tree_util.equality_errors of trees a and b, for
 * the control-flow checks; leaf: how a leaf's type shows in them. */
typedef struct tree_diff {
  const char *path;             /* keystr: "", "['w'][0]" */
  const char *thing1, *thing2;  /* "<class 'dict'> with 2 children", ... */
  const char *why;              /* "their Python types differ", ... */
} tree_diff;
typedef struct tree_diffs {
  tree_diff *v;
  int n, cap;
} tree_diffs;
tree_diffs tree_differences(tracer *t, const value *a, const value *b, const char *leaf);

/* ---- builtins: one table per family, NULL-name terminated ---- */

/* A builtin call's evaluated arguments. */
typedef struct call_args {
  node *call;              /* the call expression, for messages */
  value *pos;              /* positional arguments */
  tj_span *pos_spans;
  int npos;
  const char **kwnames;    /* keyword arguments `name=value` */
  value *kw;
  tj_span *kw_spans;
  int nkw;
} call_args;

typedef struct builtin_def builtin_def;
typedef bool (*builtin_fn)(tracer *t, const builtin_def *b, const call_args *a, value *out);
struct builtin_def {
  const char *name;
  builtin_fn fn;
  int min_pos, max_pos;         /* positional argument counts accepted */
  const char *const *keywords;  /* accepted keyword names, NULL-terminated; NULL: none */
  int prim;                     /* the primitive, for table-driven families */
};

extern const builtin_def builtins_math[];     /* trace_builtin.c */
extern const builtin_def builtins_array[];    /* trace_array.c */
extern const builtin_def builtins_cumulative[]; /* trace_array_cum.c */
extern const builtin_def builtins_control[];  /* trace_control.c */
/* tree_map(f, tree, *rest), in builtins_control (trace_container.c) */
bool builtin_tree_map(tracer *t, const builtin_def *b, const call_args *a, value *out);
extern const builtin_def builtins_pyops[];    /* trace_pyops.c */
extern const builtin_def builtins_const[];    /* trace_const.c */
extern const builtin_def builtins_sort[];     /* trace_sort.c */
extern const builtin_def builtins_einsum[];   /* trace_einsum.c */
extern const builtin_def builtins_nn[];       /* trace_nn.c */
extern const builtin_def builtins_window[];   /* trace_window.c: pad, lax_pad, reduce_window */
extern const builtin_def builtins_array_more[]; /* trace_array_more.c */
extern const builtin_def builtins_conv[];     /* trace_conv.c */
extern const builtin_def builtins_jnp_math[]; /* trace_math.c */
extern const builtin_def builtins_stats[];    /* trace_stats.c: var std standardize norm */
extern const builtin_def builtins_linalg[];   /* trace_linalg.c: svd svdvals matrix_norm */
/* jnp.linalg.svd(a, full_matrices, compute_uv)'s jit (trace_linalg.c);
 * (u, s, vh) or s. */
bool trace_svd(tracer *t, value a, bool full, bool uv, tj_span span, value *out);
/* svd(jnp.moveaxis(x, axes, (-2, -1)), compute_uv=False): jnp.linalg.norm's
 * singular values over the two axes (trace_linalg.c). */
bool trace_moved_svdvals(tracer *t, value x, const int64_t *axes, tj_span span, value *out);
/* jnp.round(x, decimals): JAX's jit[name=round] (trace_math.c) */
bool trace_round(tracer *t, const builtin_def *b, const call_args *a, value *out);
extern const builtin_def builtins_gather[];   /* trace_gather.c: take, take_along_axis */
extern const builtin_def builtins_diag[];     /* trace_diag.c: diag diagonal trace repeat */
extern const builtin_def builtins_ad[];       /* trace_ad.c: jvp */
extern const builtin_def builtins_custom[];   /* trace_custom.c: custom_jvp, custom_vjp */
extern const builtin_def builtins_random[];   /* trace_random.c: threefry2x32 */
extern const builtin_def builtins_search[];      /* trace_search.c: searchsorted */
extern const builtin_def builtins_random_dist[]; /* trace_random_dist.c: gumbel randint permutation categorical choice */
/* jax.random.bernoulli's jit[name=_bernoulli] body of mode 'high'
 * (trace_random_dist.c), on a typed key and p converted; shape is p's
 * when have_shape is false. */
bool random_bernoulli_high(tracer *t, const tj_aval *shape, bool have_shape, value key, value p, tj_span span,
                           value *out);
extern const builtin_def builtins_grad[];     /* trace_grad.c: grad, value_and_grad, vjp */
extern const builtin_def builtins_vmap[];     /* trace_vmap.c: vmap */
/* Calls a function value made by vmap (fn->vmap set). */
bool vmap_call_value(tracer *t, const value *fn, node *call, value *args, int nargs, value *out);
/* fn(*args) for any function value: a user function (jit or not) or one
 * that grad, value_and_grad or vjp made (trace_ad.c). */
bool call_function_value(tracer *t, const value *fn, node *call, value *args, int nargs, value *out);
/* fn(args of the call node n), n an ND_CALL naming a local function value
 * or an ND_APPLY (`grad(f)(x)`). */
bool call_value_node(tracer *t, scope *s, const value *fn, node *n, value *out);
extern const builtin_def builtins_half[];     /* trace_half.c: lax_reduce_precision */
/* Offers every builtin's name to a "did you mean" (util.h). */
struct tj_suggest;
void builtin_suggest(struct tj_suggest *sg);

/* trace_control.c: a call of a function declared `jit` records a nested
 * jit[name jaxpr] equation (traced once per signature, then reused). */
bool call_jit(tracer *t, ast_func *f, scope *closure, node *call, value *args, int nargs, value *out);
/* The entry function declared `jit`, as make_jaxpr(jax.jit(f)) shows it: one
 * jit equation around its body. params holds the entry's parameters (the
 * arguments) and its named dimensions, which the body reads as a closure. */
bool jit_entry_call(tracer *t, scope *params, const bool *is_static, value *out);
/* The jit cache for jitted helpers of our own (f NULL: jnp.where's _where),
 * keyed by argument avals. */
ir_jaxpr *jit_cache_find(tracer *t, ast_func *f, const value *statics, const tj_aval *avals, int n);
void jit_cache_add(tracer *t, ast_func *f, const value *statics, const tj_aval *avals, int n, ir_jaxpr *j);

/* What a sub-jaxpr computes from its (inner) arguments: a user function, or
 * a wrapper around one (fori_loop's, autograph's). */
typedef bool (*body_fn)(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result);
/* lax.cond(pred, true_fn, false_fn) over argument-less bodies. */
bool record_cond(tracer *t, value pred, body_fn true_fn, const void *true_ctx, body_fn false_fn,
                 const void *false_ctx, node *at, value *out);
/* lax.platform_dependent(*args, ...): n branches (platforms: their
 * BranchesPlatforms) traced on args, then platform_index and cond. */
bool record_platform_dependent(tracer *t, const body_fn *fns, const void *const *ctxs, int n, pval *platforms,
                               const value *args, int nargs, node *at, value *out);
/* lax.scan(fn, init, xs=(), length=length, unroll=unroll) from C (unroll
 * NULL: 1); *out is (final carry, ys). */
bool record_scan(tracer *t, body_fn fn, const void *ctx, value init, int64_t length, const value *unroll, node *at,
                 value *out);
/* lax.while_loop(cond_fn, body_fn, init). */
bool record_while(tracer *t, body_fn cond_fn, const void *cond_ctx, body_fn body_fn_, const void *body_ctx,
                  value init, node *at, value *out);
/* jnp's _broadcast_arrays: numpy broadcasting of traced values to one shape. */
bool broadcast_arrays(tracer *t, value *vals, int n, tj_span span);

/* autograph.c: control flow on traced values becomes cond/while/select_n */
flow autograph_if(tracer *t, scope *s, node *n, value pred, node **rest, int nrest, bool *consumed_rest);
flow autograph_loop(tracer *t, scope *s, node *cond, node *body, node *inc, const char *what);
bool autograph_select(tracer *t, value pred, value a, value b, tj_span span, value *out);
/* Evaluates a condition: a static truth value, or (autograph on) a traced
 * predicate in *pred with *is_traced set. Without autograph a traced
 * condition is a TracerBoolConversionError. */
bool eval_condition(tracer *t, scope *s, node *n, const char *fix, bool *truth, bool *is_traced, value *pred);

/* jnp.where's jitted _where(c, x, y) (trace_builtin.c). */
/* A function of jax/_src/numpy decorated @jit (_where, remainder, clip,
 * cumsum, sort ...): a nested jit[name jaxpr] equation whose jaxpr `body`
 * records on the inner arguments, traced once per cache key (tag, the
 * static arguments as passed, the operands' avals), so calls with one
 * signature share one jaxpr, as pjit's trace cache makes JAX's. A Python
 * number among the operands is a weak scalar argument, as jit sees it. */
enum { JNP_JIT_MAX_ARGS = 4 };
typedef bool (*jnp_jit_body)(tracer *t, const void *ctx, value *args, tj_span span, value *out);
typedef struct jnp_jit_fn {
  const char *name;      /* the equation's name= */
  const ast_func *tag;   /* the helper's identity in the jit cache */
  value statics;         /* its static arguments (a tuple), part of the key */
  jnp_jit_body body;
  const void *ctx;       /* what body reads besides the arguments */
} jnp_jit_fn;
bool jnp_jit(tracer *t, const jnp_jit_fn *fn, const value *args, int n, tj_span span, value *out);
/* jnp_jit of a helper with no static arguments (fmod, copysign ...). */
bool jnp_jit_no_statics(tracer *t, const ast_func *tag, const char *name, const value *args, int n,
                        jnp_jit_body body, const void *ctx, tj_span span, value *out);
bool where_jit(tracer *t, const value *cxy, tj_span span, value *out);
/* jnp.power(x1, x2): integer_pow for a static integer exponent, else pow. */
bool trace_power(tracer *t, value x1, value x2, tj_span span, value *out);
/* The builtin name called with positional arguments vals, as an operator
 * or a method calls it (its messages point at span). */
bool call_builtin_values(tracer *t, const char *name, const value *vals, int n, tj_span span, value *out);
/* The same with keyword arguments kwnames[i]=kw[i], as jnp calls its
 * own functions (jnp.mean(x, axis, keepdims=True)). */
bool call_builtin_kw(tracer *t, const char *name, const value *vals, int n, const char *const *kwnames,
                     const value *kw, int nkw, tj_span span, value *out);
/* trace_pyops.c: Python's operators on arrays: % (jnp.remainder), and the
 * names inf, nan, pi, e (false when name is none of them). */
bool trace_remainder(tracer *t, value x1, value x2, tj_span span, value *out);
bool python_constant(const char *name, value *out);
/* Python's binding of a call's arguments (positional, k=v, defaults) to
 * f's parameters: args gets f->nparams values, or false with its
 * TypeError. */
bool bind_user_args(tracer *t, scope *s, ast_func *f, scope *closure, node *call, value *args);
/* Parameter i's default, as a call that leaves it out binds it: a static
 * value evaluated in the scope of constants (an error when it is traced).
 * The entry's parameters a spec call leaves out take it too (bind.h). */
bool trace_param_default(tracer *t, const ast_func *f, int i, value *out);
/* The attributes x.T, x.mT; *found false when field is neither. */
bool array_property(tracer *t, const char *field, value v, tj_span span, bool *found, value *out);
/* The builtin a method of jax.Array calls (NULL: none); *packs: its
 * arguments after the receiver are one tuple (x.reshape(2, 3)). */
const char *method_builtin(const char *method, bool *packs);

/* Calls a builtin by name; *found is false when name is not a builtin. */
bool call_builtin(tracer *t, scope *s, node *call, bool *found, value *out);
/* The keyword argument name of a call, or NULL when not given. */
const value *call_kwarg(const call_args *a, const char *name, tj_span *span);
/* The operand as an atom of its own aval (static numbers become literals). */
bool own_atom(tracer *t, const value *v, tj_span span, ir_atom *out);

#endif
