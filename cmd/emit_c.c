/* tjit emit-c SPEC: print the C that tjit run compiles for one call. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common.h"

static const struct cmd_option emit_c_options[] = {
    OPT_CALL, OPT_ARGS, OPT_JAXPR, OPT_ARG_NPY,
    OPT_FILL_RANDOM_HELP("give a listing's constvars without a value random values"),
    OPT_FORMAT_WITH("output format: text (the C, default) or json (the C and the fusion plan)", cmd_format_words),
    OPT_OUTPUT, OPT_AUTOGRAPH, OPT_NO_AUTOGRAPH, OPT_CONFINE, OPT_DUMP_AFTER, OPT_COLOR, OPT_HELP,
};

const struct cmd_info cmd_emit_c_info = {
    .name = "emit-c",
    .summary = "print the C generated for one call",
    .usage = "tjit emit-c [OPTIONS] SPEC",
    .description =
        "Trace the spec's function for one call and print the C program that\n"
        "tjit run compiles for it with libtcc: one function, tj_entry, whose\n"
        "elementwise chains are fused into loops. The call is \"args\" if the\n"
        "spec has it, else calls[0]; --call and --args choose another.\n"
        "--format json prints a document holding the C and its fusion plan.",
    .operand = "SPEC",
    .options = emit_c_options,
    .noptions = (int)(sizeof emit_c_options / sizeof emit_c_options[0]),
};

static tj_status emit_and_print(tj_ctx *ctx, tj_spec *spec, const struct cmd_opts *opts) {
  char *source = NULL;
  bool json = opts->format == FORMAT_JSON;
  tj_status status = json ? tj_emit_c_json(ctx, spec, &opts->trace, &source) : tj_emit_c(ctx, spec, &opts->trace, &source);
  if (status == TJ_OK && json) {
    status = cmd_print_result(&cmd_emit_c_info, source);
  } else if (status == TJ_OK) {
    size_t n = source ? strlen(source) : 0; /* the source ends in a newline already */
    if (n) source[n - 1] = 0;
    status = cmd_print_result(&cmd_emit_c_info, source);
  } else status = cmd_report(&cmd_emit_c_info, opts, ctx, status);
  free(source);
  return status;
}

int cmd_emit_c(int argc, char **argv) { return cmd_main_with_spec(&cmd_emit_c_info, argc, argv, emit_and_print); }
