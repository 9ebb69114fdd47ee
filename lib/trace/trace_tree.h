/* Pytrees as the tracer sees them (jax.tree_util's rules for the tuples
 * the language has: numbers and traced values are leaves, None is an empty
 * subtree, tuples nest), and how JAX shows values in its messages. Shared
 * by the control-flow builtins (trace_control.c). */
#ifndef TJ_TRACE_TREE_H
#define TJ_TRACE_TREE_H
#include "trace.h"

/* The leaves of a tree, in order (in the tracer's scratch arena). */
typedef struct leaves {
  value *v;
  int n, cap;
} leaves;

/* Appends v's leaves to out; a leaf that is neither a number nor traced is
 * a TypeError naming what (an API's "arguments"), at span. */
bool tree_flatten(tracer *t, const value *v, leaves *out, tj_span span, const char *what);
/* keystr() of the path to leaf `leaf` of v ("" for a bare leaf, "[1][0]"). */
const char *tree_path_of(tracer *t, const value *v, int leaf);
/* A value shaped like structure with its leaves taken from vals[*k...]. */
value tree_unflatten(tracer *t, const value *structure, const value *vals, int *k);
bool tree_same_structure(const value *a, const value *b);
/* The structure of v as JAX's PyTreeDef shows it, without "PyTreeDef(...)":
 * "*" a leaf (an array or number), "None", "(*, *)", "(*,)", "[*]" and
 * "{'a': *, 'b': None}" (keys sorted, as the leaves are flattened). */
void tree_def_text(tracer *t, const value *v, tj_buf *out);

/* Python's shape tuple: (), (3,), (2, 3). */
const char *jax_shape_tuple(tracer *t, const tj_aval *a);
/* A tracer as JAX shows it: JitTracer(~float32[]); a static value's repr. */
const char *jax_tracer_repr(tracer *t, const value *v);
/* ShapedArray's repr: ShapedArray(float32[3], weak_type=True). */
const char *jax_shaped_repr(tracer *t, const value *v);
/* core.aval_mismatch_extra: ", so the dtypes do not match" ... */
const char *jax_mismatch_extra(const tj_aval *a, const tj_aval *b);

#endif
