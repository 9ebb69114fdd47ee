/* Exporting a traced jaxpr as MLIR text (tj_export): the writers of each
 * dialect over a module's top jaxpr. */
#ifndef TJ_EXPORT_H
#define TJ_EXPORT_H
#include <stdbool.h>

#include "diag.h"
#include "ir.h"
#include "util.h"

struct tj_array;

/* Writes m's top jaxpr as a module of upstream MLIR dialects (func,
 * arith, math, tensor, linalg) to out: func.func @fn computing the jaxpr
 * on tensors, and func.func @main calling it on args (the top jaxpr's
 * inputs' values) and printing each output with the runner utilities'
 * printMemref*. False, with an error in d ("not exportable: PRIM"), for a
 * primitive or dtype it has no rule for; out then holds a partial text. */
bool export_mlir_linalg(diag_list *d, const ir_module *m, struct tj_array *const *args, tj_buf *out);

#endif
