/* Binding one call of the entry function, in one place, before anything
 * consumes it (ARCHITECTURE.md §1): spec -> parse -> bind -> {cache key,
 * trace}.
 *
 *   - binder_init: the entry function (the spec's "function", or the only
 *     one defined) and which of its parameters are static (declared
 *     `static`, or named by static_argnums/static_argnames, with jax.jit's
 *     ValueErrors);
 *   - bind_call: one call's JSON values matched to the parameters by
 *     position or by keyword (Python's TypeErrors for a missing or
 *     unexpected argument; one left out takes its default, see
 *     bound_arg.defaulted), each static value made a Python value (the
 *     unhashable-array ValueError), each traced one an aval, and both
 *     checked against the parameter's declared type (tjit check's errors),
 *     a named dimension (f32[n] x) taking its size from the first value.
 *
 * The jit cache key (cache_key.c) and the tracer (trace.c) read the bound
 * call and bind nothing themselves. Every failure is the spec's (exit 2):
 * a declaration the program gets wrong is the parser's error. */
#ifndef TJ_BIND_H
#define TJ_BIND_H
#include <stdbool.h>
#include <stdint.h>

#include "ast.h"
#include "diag.h"
#include "limits.h"
#include "spec.h"
#include "value.h"

/* One parameter and the argument bound to it. */
typedef struct bound_arg {
  const ast_param *param;
  const char *name;        /* the parameter's name */
  bool is_static;
  bool by_keyword;         /* passed as name: value (a JSON object call) */
  /* left out by the call, the parameter having a default: as in jax.jit,
   * not an argument of the call (no cache key value, no jaxpr input); the
   * tracer binds the default, a Python constant of the trace (bind.c
   * cannot evaluate it). is_static is true, json NULL, value unset. */
  bool defaulted;
  const sjson *json;       /* the argument as written (its source and span for diagnostics) */
  tj_aval aval;            /* traced: its aval (a bare array; a pytree's first leaf) */
  /* traced: the argument as a pytree (spec.h): tuples/lists/dicts/None
   * whose leaves are V_TRACED with var = the leaf's index; a bare array
   * is one leaf. Its leaves' avals and JSON values in flattening order. */
  value tree;
  bool is_tree;            /* a list, dict or None rather than one array */
  int nleaves;
  tj_aval *leaf_avals;
  const sjson **leaf_json;
  const char **leaf_names; /* keystr paths: "params['w']" ("x" for a bare array) */
  value value;             /* static: the Python value, its provenance the parameter's bit */
  uint8_t dims_named;      /* traced: bit d set when declared dimension d's name is first sized here */
} bound_arg;

typedef struct bound_call {
  ast_func *entry;
  int nargs;
  bound_arg *args;         /* nargs entries, in parameter order */
  uint64_t shape_prov;     /* the static parameters a declared dimension's size was read from */
} bound_call;

/* What the calls of one spec share. */
typedef struct binder {
  diag_list *diags;
  const tj_spec *spec;
  ast_func *entry;
  int nparams;
  bool is_static[TJ_MAX_PARAMS];
} binder;

/* The entry and its static parameters; false with a diagnostic. */
bool binder_init(binder *b, diag_list *d, const tj_spec *spec);

/* Binds call; out's arrays and static values are allocated in a (they
 * live as long as it). False with a diagnostic at the offending value. */
bool bind_call(const binder *b, tj_arena *a, const spec_call *call, bound_call *out);

/* Only the matching: the call's values in parameter order (vals holds
 * b->nparams; NULL for a parameter left out that has a default), with
 * Python's call errors. */
bool bind_match(const binder *b, const spec_call *call, const sjson **vals);

/* Whether a static value is of a declared (scalar) type, as Python's
 * annotations would take it: a float type takes an int too. */
bool bind_fits_type(const ast_type *ty, const value *v);

#endif
