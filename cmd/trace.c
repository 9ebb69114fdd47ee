/* tjit trace SPEC: print the jaxpr of one call, as jax.make_jaxpr does. */
#include <stdlib.h>

#include "cmd.h"
#include "common.h"

static const struct cmd_option trace_options[] = {
    OPT_CALL, OPT_ARGS, OPT_JAXPR, OPT_ARG_NPY, OPT_FORMAT, OPT_OUTPUT, OPT_AUTOGRAPH,
    OPT_NO_AUTOGRAPH, OPT_CONFINE, OPT_COLOR, OPT_HELP,
};

const struct cmd_info cmd_trace_info = {
    .name = "trace",
    .summary = "print the jaxpr of one call",
    .usage = "tjit trace [OPTIONS] SPEC",
    .description =
        "Trace the spec's function for one call and print its jaxpr exactly as\n"
        "JAX 0.10.x's make_jaxpr prints it. The call is \"args\" if the spec has\n"
        "it, else calls[0]; --call and --args choose another. SPEC '-' reads\n"
        "standard input. A jaxpr listing (a path ending in .jaxpr, or --jaxpr)\n"
        "is read and printed back.",
    .operand = "SPEC",
    .options = trace_options,
    .noptions = (int)(sizeof trace_options / sizeof trace_options[0]),
};

/* Traces and prints; the caller reports a failure's diagnostics. */
static tj_status trace_and_print(tj_ctx *ctx, tj_spec *spec,
                                 const struct cmd_opts *opts) {
  tj_jaxpr *jaxpr = NULL;
  tj_status status = tj_trace(ctx, spec, &opts->trace, &jaxpr);
  char *text;
  if (status != TJ_OK) {
    if (jaxpr) tj_jaxpr_free(jaxpr);
    return cmd_report(&cmd_trace_info, opts, ctx, status);
  }
  if (!jaxpr) return cmd_report(&cmd_trace_info, opts, ctx, TJ_ERR_INTERNAL);
  text = opts->format == FORMAT_JSON ? tj_jaxpr_json(jaxpr) : tj_jaxpr_text(jaxpr);
  status = cmd_print_result(&cmd_trace_info, text);
  free(text);
  tj_jaxpr_free(jaxpr);
  return status;
}

int cmd_trace(int argc, char **argv) { return cmd_main_with_spec(&cmd_trace_info, argc, argv, trace_and_print); }
