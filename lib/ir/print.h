/* The jaxpr listing, byte for byte as JAX 0.10.x's make_jaxpr prints it,
 * and its JSON form. Variables have no names in the IR: every call names
 * them afresh by first touch, as JAX's JaxprPpContext does.
 *
 * Param order matters in one place: when several sub-jaxprs are hoisted
 * ("let NAME = { ... } in"), they come in the order JAX meets them, which
 * follows each equation's params in bind order (while: cond_jaxpr before
 * body_jaxpr), so the tracer should store params in JAX's bind order. The
 * printed params themselves are always sorted by key. */
#ifndef TJ_PRINT_H
#define TJ_PRINT_H

#include "ir.h"

/* The listing of m->top (no trailing newline); malloc'd, the caller frees. */
char *print_jaxpr(const ir_module *m);

/* One equation e of jaxpr j as JAX's error messages show it: a fresh naming
 * context, shapes on the outputs, no dropped `_` names, sub-jaxprs inline
 * (`a:i32[] = reduce_prod[axes=(0,)] b`). malloc'd, the caller frees. */
char *print_eqn(const ir_module *m, const ir_jaxpr *j, const ir_eqn *e);

/* A param value as the listing shows it (Python's str(): `(0,)`,
 * `float32`, `None`); a sub-jaxpr prints as its own listing. Appends to out. */
struct tj_buf;
void print_param_value(const ir_module *m, const pval *v, struct tj_buf *out);

/* {"listing": TEXT, "jaxpr": {...}, "shared": [...]}: the schema is
 * documented at the top of print.c. malloc'd, the caller frees. */
char *print_jaxpr_json(const ir_module *m);

#endif
