/* Reading a jaxpr listing back: the text JAX 0.10.x's make_jaxpr prints
 * (and tjit's printer writes, lib/ir/print.c) into the IR the tracer
 * builds, checked with ir_check.
 *
 * The grammar is the printer's (jax/_src/core.py pp_toplevel_jaxpr,
 * pp_jaxpr_skeleton, pp_eqn, pp_kv_pairs), read by tokens, not lines, so
 * any of its 80-column layouts reads the same:
 *   LISTING = ("let" NAME "=" JAXPR "in")* JAXPR
 *   JAXPR   = "{" "lambda" BINDER* ";" BINDER* "." "let" EQN* "in" "(" ATOMS ")" "}"
 *   EQN     = BINDER* "=" PRIM ("[" (KEY "=" VALUE)* "]")? ATOM*   (";" between, when flat)
 *   BINDER  = (NAME | "_") ":" TYPE          TYPE = f32[3,4], bool[], key<fry>[]
 *   ATOM    = NAME | VALUE ":" TYPE          (2.0:f32[], True:bool[], -inf:f32[])
 * A param's VALUE is read as its primitive declares it (prims_params.def):
 * a name's text as written, a sub-jaxpr inline or by its `let` name,
 * Python's str() of ints, floats, dtypes, tuples, lists and the dimension
 * number records otherwise.
 *
 * Operands name variables of their own jaxpr (sub-jaxprs are closed). A
 * name written again in another jaxpr, neither around this one nor inside
 * it, is the same variable (the printer names each variable once); one a
 * jit's body borrows from its equation is not. The IR keeps no names:
 * printing the module names the variables afresh, which for a listing tjit
 * or JAX printed gives the same text. Weak types are not printed: inputs
 * and literals read as not weak, results as their shape rules make them. */
#ifndef TJ_JAXPR_READ_H
#define TJ_JAXPR_READ_H
#include <stdbool.h>

#include "diag.h"
#include "ir.h"

/* A listing read back into the IR (jaxpr_read.c). */
typedef struct jaxpr_listing {
  ir_module *m;              /* owns everything; ir_free(m) releases it */
  const char **const_names;  /* the top jaxpr's constvars' names as written (m's arena) */
  const char **in_names;     /* its invars' names as written */
} jaxpr_listing;

/* Parses src's text, a listing as JAX 0.10.x's make_jaxpr prints it; false
 * with an error at file:line:col (with a caret, diag_error at the token's
 * span) on anything else, *out untouched.
 *
 * JAX does not print constants' values: each constvar of the module holds
 * zeros until the caller writes the values it is given into that memory:
 * m->consts[k].data for k < m->top->nconst is the top jaxpr's constvar k
 * (const_names[k]), ir_aval_bytes of its aval long; the constvars of
 * sub-jaxprs follow. */
bool jaxpr_read(diag_list *d, const tj_source *src, jaxpr_listing *out);

#endif
