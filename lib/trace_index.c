/* Indexing and slicing of traced arrays, and functional updates
 * `x[i] = v` (JAX's x.at[i].set(v)). */
#include "prims.h"
#include "trace.h"

bool index_traced(tracer *t, scope *s, node *n, value base, value *out) {
  (void)s, (void)base, (void)out;
  return tracer_error(t, n->span, "indexing a traced array is not supported yet");
}

bool index_assign(tracer *t, scope *s, node *target, ast_op op, value v, value *out) {
  (void)s, (void)op, (void)v, (void)out;
  return tracer_error(t, target->span, "assignment to an element or slice is not supported yet");
}
