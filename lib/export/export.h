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

/* Writes m's top jaxpr as the StableHLO module JAX 0.10.2's
 * jax.jit(f).lower(...).as_text() prints for it (mlir_stablehlo.c says
 * what differs): module @jit_FN_NAME, func.func public @main with each
 * output's jax.result_info read from out_tree (the result's tree_def_text),
 * nested jits as private functions. generic: every stablehlo/chlo op in
 * MLIR's generic form, which mlir-opt --allow-unregistered-dialect parses.
 * False, with "not exportable: PRIM" in d, for a primitive or dtype
 * without a rule; out is then untouched. */
bool export_mlir_stablehlo(diag_list *d, const ir_module *m, const char *fn_name, const char *out_tree, bool generic,
                           tj_buf *out);

#endif
