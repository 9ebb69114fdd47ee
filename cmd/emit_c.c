/* tjit emit-c SPEC: print the C that tjit run compiles for one call. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common.h"

static const struct cmd_option emit_c_options[] = {
    OPT_CALL, OPT_ARGS, OPT_AUTOGRAPH, OPT_NO_AUTOGRAPH, OPT_CONFINE, OPT_DUMP_AFTER, OPT_HELP,
};

const struct cmd_info cmd_emit_c_info = {
    .name = "emit-c",
    .summary = "print the C generated for one call",
    .usage = "tjit emit-c [OPTIONS] SPEC",
    .description =
        "Trace the spec's function for one call and print the C program that\n"
        "tjit run compiles for it with libtcc: one function, tj_entry, whose\n"
        "elementwise chains are fused into loops. The call is \"args\" if the\n"
        "spec has it, else calls[0]; --call and --args choose another.",
    .operand = "SPEC",
    .options = emit_c_options,
    .noptions = (int)(sizeof emit_c_options / sizeof emit_c_options[0]),
};

int cmd_emit_c(int argc, char **argv) {
  struct cmd_opts opts;
  int status = cmd_parse(&cmd_emit_c_info, argc, argv, &opts);
  tj_ctx *ctx;
  tj_spec *spec = NULL;
  if (status >= 0) return status;
  if (!(ctx = cmd_new_ctx(&cmd_emit_c_info))) return TJ_ERR_INTERNAL;
  status = cmd_load_spec(ctx, &cmd_emit_c_info, &opts, &spec);
  if (status == TJ_OK) {
    char *source = NULL;
    status = tj_emit_c(ctx, spec, &opts.trace, &source);
    if (status == TJ_OK) {
      size_t n = source ? strlen(source) : 0; /* the source ends in a newline already */
      if (n) source[n - 1] = 0;
      status = cmd_print_result(&cmd_emit_c_info, source);
    } else status = cmd_report(&cmd_emit_c_info, &opts, ctx, status);
    free(source);
  }
  tj_ctx_free(ctx);
  return status;
}
