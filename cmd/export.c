/* tjit export SPEC: one call's jaxpr as MLIR text (tj_export). */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common.h"

/* tjit export's command line: the shared options, then its own. */
struct export_cmdline {
  struct cmd_opts common;
  int dialect;                          /* --dialect: tj_export_dialect */
  int generic;                          /* --generic */
};

/* The words of --dialect, indexed by tj_export_dialect. */
static const char *const dialect_words[] = {[TJ_EXPORT_LINALG] = "linalg", [TJ_EXPORT_STABLEHLO] = "stablehlo", NULL};

static const struct cmd_option export_options[] = {
    OPT_CALL, OPT_ARGS, OPT_JAXPR, OPT_ARG_NPY,
    OPT_FILL_RANDOM_HELP("give arguments that have only a dtype and shape random values"),
    OPT_CHOICE("dialect", "D",
               "the MLIR dialects to write: linalg (the default: func, arith, math, tensor, linalg) or stablehlo (JAX's "
               "lowering)",
               struct export_cmdline, dialect, dialect_words),
    OPT_FLAG("generic", "stablehlo: print each stablehlo op in MLIR's generic form (for mlir-opt)", struct export_cmdline,
             generic),
    OPT_OUTPUT, OPT_AUTOGRAPH, OPT_NO_AUTOGRAPH, OPT_CONFINE, OPT_COLOR, OPT_HELP,
};

const struct cmd_info cmd_export_info = {
    .name = "export",
    .summary = "print one call's jaxpr as MLIR",
    .usage = "tjit export [OPTIONS] SPEC",
    .description =
        "Trace the spec's function for one call and print its jaxpr as an MLIR\n"
        "module. --dialect linalg writes upstream dialects only: func.func @fn\n"
        "computes the jaxpr on tensors, and func.func @main calls it on the\n"
        "call's arguments and prints each output with printMemrefF32 (F64,\n"
        "I32), for mlir-opt to lower and mlir-cpu-runner to run. --dialect\n"
        "stablehlo writes the module JAX's jax.jit(f).lower(...).as_text()\n"
        "prints for the same jaxpr (--generic: in MLIR's generic op form). A primitive\n"
        "without an MLIR rule yet is an error: \"not exportable: PRIMITIVE\".\n"
        "The call is \"args\" if the spec has it, else calls[0]; --call and\n"
        "--args choose another.",
    .operand = "SPEC",
    .options = export_options,
    .noptions = (int)(sizeof export_options / sizeof export_options[0]),
};

static tj_status export_and_print(tj_ctx *ctx, tj_spec *spec, const struct export_cmdline *opts) {
  tj_export_opts eo = tj_export_defaults();
  char *text = NULL;
  eo.trace = opts->common.trace;
  eo.dialect = (tj_export_dialect)opts->dialect;
  eo.generic = opts->generic;
  tj_status status = tj_export(ctx, spec, &eo, &text);
  if (status == TJ_OK) {
    size_t n = strlen(text); /* the module ends in a newline already */
    if (n) text[n - 1] = 0;
    status = cmd_print_result(&cmd_export_info, text);
  } else status = cmd_report(&cmd_export_info, &opts->common, ctx, status);
  free(text);
  return status;
}

int cmd_export(int argc, char **argv) {
  struct export_cmdline opts = {.dialect = TJ_EXPORT_LINALG};
  int status = cmd_parse(&cmd_export_info, argc, argv, &opts);
  tj_ctx *ctx;
  tj_spec *spec = NULL;
  if (status >= 0) return status;
  if (!(ctx = cmd_new_ctx(&cmd_export_info))) return TJ_ERR_INTERNAL;
  status = cmd_load_spec(ctx, &cmd_export_info, &opts.common, &spec);
  if (status == TJ_OK) status = export_and_print(ctx, spec, &opts);
  tj_ctx_free(ctx);
  return status;
}
