/* The C backend: a jaxpr becomes one C function that libtcc compiles in
 * memory (jit.c). The generated text holds only generated identifiers
 * (v12, t3, i0), numbers and primitive names in comments: nothing the user
 * wrote, so no spec can inject code.
 *
 * Shape of the output: a prelude (typedefs, prototypes of the runtime and
 * libm functions used, helpers for the operations C gets wrong, such as
 * saturating float-to-int conversion), then
 *   void tj_entry(struct tj_rt *rt, void *const *in, void *const *out);
 * in[k] points at input k's elements (row-major), out[k] at room for
 * output k, allocated by the caller. Rank-0 values live in C locals,
 * arrays in buffers from tj_rt_alloc, freed after their last use.
 * Each distinct sub-jaxpr of a jit equation becomes one static function
 * tj_fN of the same interface (a rank-0 value passed by address) that
 * every use calls, so nested jit calls cost their jaxprs' size, not the
 * size of their inlined expansion. */
#ifndef TJ_CODEGEN_H
#define TJ_CODEGEN_H
#include <stdbool.h>

#include "ir.h"
#include "pass.h"
#include "prims.h"
#include "util.h"

struct tjk_kernel;

/* The meaning of generated code: bump it whenever the C generated for some
 * jaxpr, the runtime it calls (jit.c, cg_fns.def) or the block kernels'
 * interface change, so the persistent cache (diskcache.c) stops reusing
 * objects compiled before. */
#define CG_ABI_VERSION 9

/* How codegen_c ended. */
typedef enum cg_result {
  CG_DONE,
  CG_OVER_LIMIT,            /* TJ_MAX_C_BYTES or TJ_MAX_STACK_BYTES: a budget */
  CG_NOMEM,                 /* the text outgrew memory (an out-of-memory error) */
  CG_CANNOT,                /* a bug or a missing rule: an internal error */
} cg_result;

/* Generates the C program of m's top-level jaxpr into out, from m as the
 * pass pipeline left it and its facts f (pass.h: dce removed the dead
 * code, work measured the charges, fuse planned the loops); on failure
 * one error at at says why: of kind budget for CG_OVER_LIMIT and
 * CG_NOMEM, internal for CG_CANNOT. */
/* float0 (dtype.h) has no C type: a jaxpr taking one is traced only. */
bool codegen_takes_float0(const ir_module *m);
cg_result codegen_c(const diag_at *at, const ir_module *m, pass_facts *f, tj_buf *out);

/* ---- for the rules (cg_*.c) ---- */

/* Helpers the prelude defines on demand, per dtype. */
enum cg_helper {
  H_MAX, H_MIN, H_DIV, H_REM, H_SHL, H_SHRA, H_SHRL, H_IPOW, H_F2I, H_U2F, H_RP, H_BITS, H_CLZ, H_COUNT
};

/* The functions of cg_fns.def, one flag each in cg.need_fn. */
enum cg_fn_id {
#define FN(name, proto) CGF_##name,
#include "cg_fns.def"
#undef FN
  CGF_COUNT
};

/* How a variable lives in the generated code. */
typedef struct cg_var {
  uint8_t state;            /* CV_* */
  bool owned;               /* a tj_rt_alloc'd buffer this jaxpr frees */
  bool scalar;              /* rank 0: a C local */
  uint32_t root;            /* the variable whose buffer this one aliases */
  const char *place;        /* predestined storage (an output), or NULL */
  const char *text;         /* in a loop body: the C expression standing for
                               a scalar (cg_elem), or NULL for its name */
} cg_var;
enum { CV_NONE, CV_DEFINED, CV_TEMP };

/* A function's fixed cost in the stack estimate: return address, saved
 * registers, alignment. */
#define CG_CALL_FRAME 64

/* The static function of one jit sub-jaxpr (tj_fN, N its index). */
typedef struct cg_function {
  const ir_jaxpr *jaxpr;
  uint64_t stack;           /* its frame and its deepest callee's stack */
} cg_function;

typedef struct cg { /* the tag: prims.h declares the rules with it */
  const ir_module *m;
  tj_buf *out;              /* the function body being written */
  tj_buf functions;         /* the finished tj_fN, callees before callers */
  cg_function *fns;
  uint32_t nfns, capfns;
  uint64_t frame;           /* estimated frame of the function being written */
  uint64_t callee_stack;    /* the deepest stack of the functions it calls */
  uint64_t bytes;           /* C written so far, every function's */
  cg_var *vars;             /* per module variable */
  int indent;
  int depth;                /* sub-jaxpr nesting */
  uint32_t ntemps;          /* counter for fresh names (t0, t1 ...) */
  uint32_t nloops;          /* loops outlined for the threads (tj_p0, tj_p1 ...) */
  bool need[H_COUNT][DT_COUNT];
  bool need_fn[CGF_COUNT];  /* libm/runtime functions used (cg_fn) */
  pass_facts *facts;        /* the fusion plans, the work of each jaxpr (work.h) */
  bool *need_kernel;        /* per tjk_all() kernel: called by the code */
  const diag_at *at;        /* where the failure is reported */
  bool failed;
  bool over_limit;          /* the failure is a limit's (CG_OVER_LIMIT) */
} cg;

/* Whether C text s is one identifier (needs no parentheses; "" is). */
bool cg_is_name(const char *s);
/* The C type name of a dtype (f32, i32, bool ...). */
const char *cg_type(tj_dtype t);
/* Writes one indented line of the body. */
void cg_line(cg *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Records a failure (first one wins); returns false. */
bool cg_fail(cg *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for a program over one of the backend's limits. */
bool cg_over_limit(cg *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Counts `bytes` of locals (an array) in the frame of the function being
 * written, beyond the allowance every line gets. */
void cg_frame(cg *g, uint64_t bytes);
/* A fresh temporary number. */
uint32_t cg_fresh(cg *g);
/* Marks a prelude helper for dtype t as used and returns its C name. */
const char *cg_helper(cg *g, enum cg_helper h, tj_dtype t);
/* Marks a libm or runtime function as used and returns its name. */
const char *cg_fn(cg *g, const char *name);

/* The aval of an atom. */
tj_aval cg_aval(const cg *g, ir_atom a);
/* Element count of an aval. */
int64_t cg_size(const tj_aval *a);
/* Writes the C expression of a literal (an exact constant of its dtype). */
void cg_literal(cg *g, const ir_lit *lit, tj_buf *b);
/* Writes the C expression of element `idx` of atom a ("v3[i]", "v5" for a
 * rank-0 value, a literal's constant); idx NULL means element 0. */
void cg_elem(cg *g, ir_atom a, const char *idx, tj_buf *b);
/* The pointer expression of a buffer atom's storage ("v3"), or for a
 * rank-0 value the address of its local ("&v5"). Literals have none. */
void cg_ptr(cg *g, ir_atom a, tj_buf *b);

/* Declares the storage of output var v of an equation before its code:
 * a buffer (allocated, or its predestined place) or a rank-0 local. */
void cg_define(cg *g, uint32_t v);
/* Binds var v to storage `ptr` the code already owns (owned: v frees it). */
void cg_bind(cg *g, uint32_t v, const char *ptr, bool owned);

/* Emits the code of a closed jaxpr: ins[0..j->nin) are C texts of its
 * invars (its constvars read the static arrays of their values) (a rank-0 value, or a buffer's pointer), dests[k]
 * where output k goes (an lvalue for rank 0, else a pointer to room for
 * it). Outputs computed by an equation are written there directly. */
bool cg_jaxpr_into(cg *g, const ir_jaxpr *j, const char *const *ins, const char *const *dests);
/* cg_jaxpr_into for the body (or cond) of a loop, whose rank-0 values
 * libtcc would keep in memory, a store and a load on the loop's chain
 * for each: a scalar used once by a rank-0 elementwise equation or as an
 * output is written into its use as an expression, a rank-0 input reads
 * ins[i] itself, and clobbers[k] >= 0 says that dests[k] is the storage
 * of ins[clobbers[k]] (a carry updated in place): such outputs are
 * written last, each after every output reading its input (through a
 * temporary when they read each other's). clobbers may be NULL. */
bool cg_loop_body_into(cg *g, const ir_jaxpr *j, const char *const *ins, const char *const *dests,
                       const int *clobbers);
/* Copies atom src's value into var dst's storage (both of one aval). */
void cg_copy(cg *g, uint32_t dst, ir_atom src);

/* Marks a block kernel as called; the prelude declares it. */
void cg_kernel(cg *g, const struct tjk_kernel *k);

/* What the backend knows of one jaxpr: last uses, definitions. */
typedef struct cg_info {
  bool *live;               /* per equation: still to emit with its group
                               (false once hoisted before the group's loop) */
  uint32_t *last;           /* per module variable: last equation using it */
  uint32_t *def;            /* per module variable: the equation defining it (UINT32_MAX: none) */
  bool *as_expr;            /* in a loop body, per module variable: a scalar written into
                               its one use as an expression (cg_loop_body_into) */
  char **text;              /* its C text once emitted (cg_var.text), or an input's */
  const bool *sink;         /* per equation: a sink of its fused loop (pass.h), reduced in the loop */
} cg_info;

/* A block loop outlined for the threads (cg_par.c): cg_par_begin decides
 * (a loop over `elements` in all) and, when it is worth it, sends the
 * loop's text to a function over items lo .. hi - 1 (par->on: the loop's
 * bounds are then lo and hi); cg_par_end writes the function and the call
 * that runs it over items in parts of whole grains. */
typedef struct cg_par {
  bool on;
  tj_buf body, *caller;     /* the function's text; the caller's */
  int indent;
  uint32_t *vars, nvars, cap; /* the variables the loop names, passed in c[] */
} cg_par;
bool cg_par_begin(cg *g, const ir_jaxpr *j, const cg_info *in, uint32_t first, uint32_t end, long long elements,
                  cg_par *par);
/* The same for a loop of one equation's rule (a reduction's rows). */
bool cg_par_begin_eqn(cg *g, const ir_eqn *e, long long elements, cg_par *par);
void cg_par_end(cg *g, cg_par *par, long long items, long long grain);

/* Emits fused group [first, end) of j as a loop over blocks whose body
 * calls one block kernel per equation (cg_block.c), when every equation
 * has a kernel and the group is large; returns false, emitting nothing,
 * otherwise. The caller has defined the buffers of values used later and
 * the sinks' results. A sink folds each block of its operand into lane
 * accumulators (kernels.h's RACC, RFIN), row by row for a reduction of
 * trailing axes. */
bool cg_block_group(cg *g, const ir_jaxpr *j, const cg_info *in, uint32_t first, uint32_t end);
/* Whether cg_block_group would emit [first, end) (it emits nothing here). */
bool cg_block_plans(cg *g, const ir_jaxpr *j, const cg_info *in, uint32_t first, uint32_t end);
/* Whether e makes its result block by block from no array operand, so that
 * it may lead the group after it (codegen.c): random_bits of one key,
 * whose element i is the hash of counter i (random_rt.c's block kernel). */
bool cg_block_generator(cg *g, const ir_eqn *e);

/* A loop nest over the dims of an aval with flat index `i` and indices
 * i0..i{rank-1}; cg_loops_end closes it. Returns the number of levels. */
int cg_loops_begin(cg *g, const tj_aval *shape, const char *flat);
void cg_loops_end(cg *g, int levels);

/* The C of a reduction's identity (as a literal of t) and of one in-order
 * step acc = acc (op) x, as the evaluator combines (cg_reduce.c). */
void cg_reduce_identity(cg *g, int prim, tj_dtype t, tj_buf *b);
void cg_reduce_step(cg *g, int prim, tj_dtype t, const char *acc, const char *x);

/* The work budget (work.h, cg_control.c): emits the charge of one loop
 * iteration of loop equation e, or with e NULL the run's (the top-level
 * jaxpr's) work, as the work pass measured them; the code stops with
 * JIT_WORK over the budget. */
void cg_charge_work(cg *g, const ir_eqn *e);
/* The charge of count iterations of loop equation e at once (a scan's,
 * whose count is known before it runs: work_iterations). */
void cg_charge_iterations(cg *g, const ir_eqn *e, int64_t count);

/* A scan whose body is one cumulative step on its one carry (c op x,
 * op add mul max min) or a first-order linear recurrence (a * c + b):
 * emits one call of cum_rt.c's tj_rt_scan and returns true; otherwise
 * emits nothing and returns false (cg_scan_step.c). */
bool cg_scan_step(cg *g, const ir_eqn *e);

#endif
