/* The passes: IR-to-IR steps run in order over a traced module before a
 * backend reads it, in the shape of QBE's func() (a list of passes over
 * one function). emit-c, run and graph --fused run the pipeline; `tjit
 * trace` never does: its listing is what JAX's make_jaxpr prints, and
 * make_jaxpr runs no pass.
 *
 * A pass rewrites the module in place (dce: the pipeline's own copy;
 * fuse moves reductions next to their loops) or leaves facts for the
 * backends in a pass_facts (work, fuse); facts are per jaxpr id
 * (ir_jaxpr.id), since a jaxpr may be shared by many equations. Every
 * pass keeps each jaxpr's interface (constvars, invars, outs): a shared
 * jaxpr is the same function at every use. */
#ifndef TJ_PASS_H
#define TJ_PASS_H
#include <stdbool.h>
#include <stdint.h>

#include "ir.h"
#include "tjit.h"
#include "work.h"

/* ir_check after every pass: in every build but a release one (NDEBUG, as
 * for assert), so the default build the tests run and the sanitizer build
 * check; -DTJ_CHECK_PASSES=0 or 1 chooses regardless. */
#ifndef TJ_CHECK_PASSES
#ifdef NDEBUG
#define TJ_CHECK_PASSES 0
#else
#define TJ_CHECK_PASSES 1
#endif
#endif

/* X(name, what it does), in the order the pipeline runs them. Adding a
 * pass: a row here and its function pass_NAME in pass.c (or a file of its
 * own); see docs/ARCHITECTURE.md. */
#define TJ_PASSES(X)                                                                        \
  X(work, "measures the work budget's charges of the program as traced (before dce)")      \
  X(half, "widens f16/bf16 to f32, rounding each computed value back to its format")      \
  X(dce, "removes the equations whose outputs nothing uses, in every jaxpr")               \
  X(fuse, "plans the C backend's loops: runs of same-shape elementwise equations and the reductions they feed")

typedef enum pass_id {
#define X(name, what) PASS_##name,
  TJ_PASSES(X)
#undef X
  PASS_COUNT
} pass_id;

/* The fusion plan of one jaxpr (the fuse pass). */
#define PASS_UNFUSED UINT32_MAX
typedef struct pass_fusion {
  /* Per equation: the first equation of the fused loop that computes it
   * (a member, or a sink below), or PASS_UNFUSED when it runs alone (not
   * elementwise, rank 0, or hoisted before a loop). A loop may have one
   * equation. */
  uint32_t *lead;
  /* Per first equation of a loop: one past its last member or sink. The
   * equations between that are neither read nothing the loop computes
   * and run before it (hoisted). */
  uint32_t *end;
  /* Per equation: whether it is a sink of the loop lead[k]: a
   * reduce_sum/prod/max/min of float32 or float64 over all axes or
   * trailing ones of a value a member computes, which the loop reduces
   * as it makes the value (the C backend: block by block, in the order
   * the reduction alone takes, lane_fold.h) instead of storing it to
   * reduce it after; the value is stored only when something else reads
   * it. A loop's sinks come after its last member (and reduce nothing
   * another sink computes). */
  bool *sink;
} pass_fusion;

/* What the passes leave for the backends. */
typedef struct pass_facts {
  /* work: every reachable jaxpr's work measured as traced, so the compiled
   * code charges what the evaluator charges for the same call (work.h). */
  work_table work;
  /* fuse: per jaxpr id (in the module's arena); lead NULL: not planned. */
  pass_fusion *fusion;
  uint32_t njaxprs;
} pass_facts;

/* Runs every pass in order over a copy of m (ir_clone: m stays as traced,
 * as the listing and the evaluator read it), checking the IR after each
 * (TJ_CHECK_PASSES). With o->dump_after naming a pass and o->dump set,
 * hands the listing after that pass to o->dump. Returns the rewritten
 * copy (the caller's to ir_free) and its facts in f (pass_facts_free
 * frees them; they live in the copy); NULL when a check fails, a bug in a
 * pass reported into d as an internal error. */
ir_module *pass_pipeline(const ir_module *m, const tj_trace_opts *o, pass_facts *f, diag_list *d);
void pass_facts_free(pass_facts *f);

/* The jaxprs reachable from m->top, parents first, each once (malloc'd;
 * *n of them). */
ir_jaxpr **pass_reachable(ir_module *m, uint32_t *n);

/* The fusion plan of j, or NULL when the fuse pass did not plan it. */
const pass_fusion *pass_fusion_of(const pass_facts *f, const ir_jaxpr *j);

/* The fusion plans of the jaxprs reachable from m->top (in
 * pass_reachable's order: jaxpr 0 is the top level) as two members of a
 * JSON object: "jaxprs": [{"jaxpr": J, "equations": N}...], each jaxpr's
 * number of equations, and "fusion": one object per group of equations
 * the C backend emits together, in order: {"group": G, "jaxpr": J,
 * "kind": "loop" (a fused loop nest: its members then the reductions it
 * folds) or "single" (an equation emitted alone), "equations": [indices
 * into jaxpr J's equations], "primitives": [their names], "reductions":
 * [the loop's folded reductions, a subset]}. Every equation is in exactly
 * one group (pass_json.c; tjit-emit-c(1)). */
void pass_fusion_json(ir_module *m, const pass_facts *f, struct tj_buf *out);

/* Not a pass of the pipeline: a copy of m computing in float64 wherever m
 * computes in float32, float16 or bfloat16 (every aval, literal, constant
 * and dtype param; pass_f64.c), for the gradient checker. The copy's top
 * is m's top. NULL, with an error in d, when the copy is not well typed
 * (ir_check: bitcast_convert_type of a float to an int of its width). */
ir_module *pass_f64(const ir_module *m, diag_list *d);

/* The passes themselves, one per row of TJ_PASSES. */
#define X(name, what) void pass_##name(ir_module *m, pass_facts *f);
TJ_PASSES(X)
#undef X

#endif
