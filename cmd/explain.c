/* tjit explain-recompile SPEC: replay the spec's calls against a jit cache
 * and say, per call, hit or compile and why; then how each argument is used
 * (tjit-explain-recompile(1)). */
#include <stdlib.h>

#include "cmd.h"
#include "common.h"

static const struct cmd_option explain_options[] = {
    {"what-if", 0, "NAME=JSON", "would a call with this argument changed hit? (repeatable)", OPT_WHAT_IF},
    {"call", 0, "N", "derive the --what-if call from calls[N] (default: the last)", OPT_CALL},
    {"max-compiles", 0, "N", "exit 3 when there are more than N compilations", OPT_MAX_COMPILES},
    {"format", 0, "FMT", "output format: text (default), json or github", OPT_FORMAT_CI},
    OPTION_AUTOGRAPH, OPTION_NO_AUTOGRAPH, OPTION_CONFINE, OPTION_HELP,
};

const struct cmd_info cmd_explain_info = {
    .name = "explain-recompile",
    .summary = "say which calls recompile and why",
    .usage = "tjit explain-recompile [OPTIONS] SPEC",
    .description =
        "Replay the spec's \"calls\" in order against a jit cache keyed as JAX\n"
        "keys it (function, static values by type and value, traced dtypes,\n"
        "shapes and weak types, positional or keyword) and print, per call,\n"
        "hit or compile with the reason. Then classify each static argument as\n"
        "structural, constant or unused from traces of the compiled signatures,\n"
        "and show which traced arguments' shapes caused compilations.",
    .operand = "SPEC",
    .options = explain_options,
    .noptions = (int)(sizeof explain_options / sizeof explain_options[0]),
};

static char *format_report(const tj_explain_report *r, enum cmd_format format) {
  if (format == FORMAT_JSON) return tj_explain_json(r);
  if (format == FORMAT_GITHUB) return tj_explain_github(r);
  return tj_explain_text(r);
}

static tj_status explain(tj_ctx *ctx, tj_spec *spec, const struct cmd_opts *opts) {
  tj_explain_opts eo = tj_explain_defaults();
  tj_explain_report *report = NULL;
  eo.autograph = opts->trace.autograph;
  eo.what_if = opts->what_if;
  eo.nwhat_if = opts->nwhat_if;
  eo.what_if_call = opts->call_text ? opts->trace.call : -1;
  eo.max_compiles = opts->max_compiles_set ? opts->max_compiles : -1;
  tj_status status = tj_explain(ctx, spec, &eo, &report);
  if (status != TJ_OK) return cmd_report(&cmd_explain_info, opts, ctx, status);
  char *text = format_report(report, opts->format);
  status = cmd_print_result(&cmd_explain_info, text);
  free(text);
  /* Over the budget, the JSON and GitHub forms hold the error already;
   * the diagnostic goes to stderr in every format. */
  if (status == TJ_OK && (status = tj_explain_status(report)) != TJ_OK)
    cmd_print_diagnostics(&cmd_explain_info, ctx, status);
  tj_explain_free(report);
  return status;
}

int cmd_explain(int argc, char **argv) {
  struct cmd_opts opts;
  int status = cmd_parse(&cmd_explain_info, argc, argv, &opts);
  tj_ctx *ctx;
  tj_spec *spec = NULL;
  if (status >= 0) return status;
  if (!(ctx = cmd_new_ctx(&cmd_explain_info))) return TJ_ERR_INTERNAL;
  if (opts.call_text && !opts.nwhat_if)
    status = cmd_usage_failure(&cmd_explain_info, &opts, ctx, "--call picks the call for --what-if: give --what-if too");
  else status = cmd_load_spec(ctx, &cmd_explain_info, &opts, &spec);
  if (status == TJ_OK) status = explain(ctx, spec, &opts);
  tj_ctx_free(ctx);
  return status;
}
