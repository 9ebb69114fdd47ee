/* tjit check SPEC: validate the spec and trace "args" and every call,
 * stopping at the first failure; silent on success (a CI gate). */
#include "cmd.h"
#include "common.h"

static const struct cmd_option check_options[] = {
    OPTION_AUTOGRAPH, OPTION_NO_AUTOGRAPH, OPTION_HELP,
};

const struct cmd_info cmd_check_info = {
    .name = "check",
    .summary = "validate the spec and trace every call",
    .usage = "tjit check [OPTIONS] SPEC",
    .description =
        "Load the spec, check it and its source, and trace \"args\" and every\n"
        "entry of \"calls\", stopping at the first failure. Prints nothing and\n"
        "exits 0 when all of them trace. SPEC '-' reads standard input.",
    .operand = "SPEC",
    .options = check_options,
    .noptions = (int)(sizeof check_options / sizeof check_options[0]),
};

/* Traces one call (-1: "args", else calls[0]) and throws the jaxpr away. */
static tj_status check_call(tj_ctx *ctx, tj_spec *spec,
                            const struct cmd_opts *opts, int call) {
  tj_trace_opts trace = opts->trace;
  tj_jaxpr *jaxpr = NULL;
  tj_status status;
  trace.call = call;
  status = tj_trace(ctx, spec, &trace, &jaxpr);
  if (jaxpr) tj_jaxpr_free(jaxpr);
  return cmd_report(&cmd_check_info, ctx, status);
}

/* "args" first when present; a spec with neither "args" nor "calls" gets
 * the library's error from call -1. */
static tj_status check_all(tj_ctx *ctx, tj_spec *spec,
                           const struct cmd_opts *opts) {
  int ncalls = tj_spec_ncalls(spec);
  tj_status status = TJ_OK;
  if (tj_spec_has_args(spec) || ncalls == 0) status = check_call(ctx, spec, opts, -1);
  for (int i = 0; status == TJ_OK && i < ncalls; i++)
    status = check_call(ctx, spec, opts, i);
  return status;
}

int cmd_check(int argc, char **argv) {
  struct cmd_opts opts;
  int status = cmd_parse(&cmd_check_info, argc, argv, &opts);
  tj_ctx *ctx;
  tj_spec *spec = NULL;
  if (status >= 0) return status;
  if (!(ctx = cmd_new_ctx(&cmd_check_info))) return TJ_ERR_INTERNAL;
  status = cmd_load_spec(ctx, &cmd_check_info, &opts, &spec);
  if (status == TJ_OK) status = check_all(ctx, spec, &opts);
  tj_ctx_free(ctx);
  return status;
}
