/* tjit check SPEC: validate the spec and trace "args" and every call,
 * stopping at the first failure; silent on success (a CI gate). */
#include <stdio.h>

#include "cmd.h"
#include "common.h"
#include "multi.h"

static const struct cmd_option check_options[] = {
    OPT_FORMAT_GITHUB, OPT_OUTPUT, OPT_JOBS, OPT_JAXPR,
    OPT_AUTOGRAPH, OPT_NO_AUTOGRAPH, OPT_CONFINE, OPT_COLOR, OPT_HELP,
};

const struct cmd_info cmd_check_info = {
    .name = "check",
    .summary = "validate the spec and trace every call",
    .usage = "tjit check [OPTIONS] SPEC...",
    .description =
        "Load the spec, check it and its source, and trace \"args\" and every\n"
        "entry of \"calls\", stopping at the first failure. Prints nothing and\n"
        "exits 0 when all of them trace. SPEC '-' reads standard input.\n"
        "--format json prints the calls traced and the error as JSON, --format\n"
        "github the error as an ::error workflow command, --format sarif a\n"
        "SARIF 2.1.0 log (no results when every call traces). Several specs, or\n"
        "a directory (its *.json specs), are checked each alone, then summed up.",
    .operand = "SPEC",
    .operand_many = true,
    .options = check_options,
    .noptions = (int)(sizeof check_options / sizeof check_options[0]),
};

/* A call's label in JSON: "args" or its index. */
static void put_label(int call, const char *sep) {
  if (call < 0) printf("%s\"args\"", sep);
  else printf("%s%d", sep, call);
}

/* Traces one call (-1: "args", else calls[0]) and throws the jaxpr away;
 * with --format json, adds its label to the "traced" list. */
static tj_status check_call(tj_ctx *ctx, tj_spec *spec,
                            const struct cmd_opts *opts, int call) {
  tj_trace_opts trace = opts->trace;
  tj_jaxpr *jaxpr = NULL;
  tj_status status;
  trace.call = call;
  status = tj_trace(ctx, spec, &trace, &jaxpr);
  if (jaxpr) tj_jaxpr_free(jaxpr);
  if (status == TJ_OK && opts->format == FORMAT_JSON) put_label(call, call > 0 || (call == 0 && tj_spec_has_args(spec)) ? ", " : "");
  return status;
}

/* "args" first when present; a spec with neither "args" nor "calls" gets
 * the library's error from call -1. The JSON document is
 * {"version": 1, "traced": [LABEL...]} and, on a failure, "failed_call" and "error". */
static tj_status check_all(tj_ctx *ctx, tj_spec *spec,
                           const struct cmd_opts *opts) {
  int ncalls = tj_spec_ncalls(spec), call = -1;
  bool json = opts->format == FORMAT_JSON;
  tj_status status = TJ_OK;
  if (json) printf("{\"version\": %d, \"traced\": [", TJ_JSON_VERSION);
  if (tj_spec_has_args(spec) || ncalls == 0) status = check_call(ctx, spec, opts, -1);
  for (int i = 0; status == TJ_OK && i < ncalls; i++)
    status = check_call(ctx, spec, opts, call = i);
  if (status == TJ_OK) {
    if (json) fputs("]}\n", stdout);
    if (opts->format == FORMAT_SARIF) cmd_put_sarif(opts, ctx); /* no results */
    return status;
  }
  cmd_print_diagnostics(&cmd_check_info, ctx, status);
  if (!json) {
    cmd_fail_output(opts, ctx);
    return status;
  }
  fputs("], \"failed_call\": ", stdout);
  put_label(call, "");
  fputs(", \"error\": ", stdout);
  cmd_put_json_error(ctx, stdout);
  fputs("}\n", stdout);
  return status;
}

/* One spec of several (multi.h). */
static int check_one(struct cmd_opts *opts, const struct multi_spec *spec) {
  (void)spec;
  return cmd_run_on_spec(&cmd_check_info, opts, check_all);
}

int cmd_check(int argc, char **argv) {
  struct cmd_opts opts;
  int status = cmd_parse(&cmd_check_info, argc, argv, &opts);
  if (status >= 0) return status;
  if (multi_wanted(&opts))
    return multi_run(&(struct multi_command){.info = &cmd_check_info, .common = &opts, .run_one = check_one});
  return cmd_run_on_spec(&cmd_check_info, &opts, check_all);
}
