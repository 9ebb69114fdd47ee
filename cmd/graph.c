/* tjit graph SPEC: draw the jaxpr of one call with Graphviz, in process. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd.h"
#include "common.h"

static const struct cmd_option graph_options[] = {
    OPTION_CALL, OPTION_ARGS,
    {"dot", 0, NULL, "write Graphviz DOT text (the default)", OPT_GRAPH_DOT},
    {"svg", 0, NULL, "render SVG", OPT_GRAPH_SVG},
    {"png", 0, NULL, "render PNG (binary: give -o FILE or redirect)", OPT_GRAPH_PNG},
    {"pdf", 0, NULL, "render PDF (binary: give -o FILE or redirect)", OPT_GRAPH_PDF},
    {"format", 0, "FMT", "the same as --FMT: dot, svg, png or pdf (one format only)", OPT_FORMAT_GRAPH},
    {"output", 'o', "FILE", "write to FILE ('-': stdout); format from its extension", OPT_OUTPUT},
    {"rankdir", 0, "DIR", "TB (default: top to bottom) or LR (left to right)", OPT_RANKDIR},
    {"fused", 0, NULL, "box the equations the C backend fuses into one loop", OPT_FUSED},
    {"time", 0, NULL, "print the trace, build, layout and render times to stderr", OPT_TIME},
    OPTION_AUTOGRAPH, OPTION_NO_AUTOGRAPH, OPTION_CONFINE, OPTION_HELP,
};

const struct cmd_info cmd_graph_info = {
    .name = "graph",
    .summary = "draw the jaxpr of one call with Graphviz",
    .usage = "tjit graph [OPTIONS] SPEC",
    .description =
        "Trace the spec's function for one call and draw its jaxpr: a node per\n"
        "equation, input, output and literal, an edge per use labelled with its\n"
        "aval, sub-jaxprs as nested clusters. Writes DOT text unless --svg, --png\n"
        "or --pdf asks for a rendering (laid out by Graphviz's dot, in process).\n"
        "The call is \"args\" if the spec has it, else calls[0]; --call and --args\n"
        "choose another.",
    .operand = "SPEC",
    .options = graph_options,
    .noptions = (int)(sizeof graph_options / sizeof graph_options[0]),
};

static const char *const format_names[] = {"DOT", "SVG", "PNG", "PDF"};

/* -o FILE, or NULL for standard output (no -o, or -o -, as gcc and curl). */
static const char *output_file(const struct cmd_opts *opts) {
  return opts->output && strcmp(opts->output, "-") != 0 ? opts->output : NULL;
}

/* The format -o FILE's extension names (.dot .gv .svg .png .pdf, any
 * case); DOT for any other name. A format option wins over it. */
static tj_graph_format format_of_name(const char *file) {
  static const struct { const char *ext; tj_graph_format format; } exts[] = {
      {".dot", TJ_GRAPH_DOT}, {".gv", TJ_GRAPH_DOT}, {".svg", TJ_GRAPH_SVG},
      {".png", TJ_GRAPH_PNG}, {".pdf", TJ_GRAPH_PDF},
  };
  const char *dot = strrchr(file, '.');
  for (size_t i = 0; dot && i < sizeof exts / sizeof exts[0]; i++)
    if (strcasecmp(dot, exts[i].ext) == 0) return exts[i].format;
  return TJ_GRAPH_DOT;
}

/* Writes the result to -o FILE, or to standard output (whose write errors
 * tjit.c reports once for every command). */
static tj_status write_result(const struct cmd_opts *opts, const char *data, size_t len) {
  const char *file = output_file(opts);
  if (!file) {
    fwrite(data, 1, len, stdout);
    return TJ_OK;
  }
  FILE *f = fopen(file, "wb");
  int err = errno;
  bool ok = f && fwrite(data, 1, len, f) == len;
  if (f && !ok) err = errno;
  if (f && fclose(f) != 0 && ok) ok = false, err = errno;
  if (ok) return TJ_OK;
  fprintf(stderr, "tjit graph: error: cannot write '%s': %s\n", file, strerror(err));
  return TJ_ERR_USAGE;
}

static tj_status graph_and_write(tj_ctx *ctx, tj_spec *spec, const struct cmd_opts *opts) {
  tj_graph_times times;
  tj_graph_opts go = {.trace = opts->trace, .format = opts->graph_format, .fused = opts->fused,
                      .left_to_right = opts->left_to_right, .times = &times};
  char *data = NULL;
  size_t len = 0;
  tj_status status = tj_graph(ctx, spec, &go, &data, &len);
  if (opts->time && status == TJ_OK)
    fprintf(stderr, "time: trace %.3f ms, build %.3f ms, layout %.3f ms, render %.3f ms\n", times.trace_ms,
            times.build_ms, times.layout_ms, times.render_ms);
  if (status == TJ_OK) status = write_result(opts, data, len);
  else status = cmd_report(&cmd_graph_info, opts, ctx, status);
  free(data);
  return status;
}

int cmd_graph(int argc, char **argv) {
  struct cmd_opts opts;
  int status = cmd_parse(&cmd_graph_info, argc, argv, &opts);
  tj_ctx *ctx;
  tj_spec *spec = NULL;
  if (status >= 0) return status;
  if (!opts.graph_format_given && output_file(&opts)) opts.graph_format = format_of_name(output_file(&opts));
  bool binary = opts.graph_format == TJ_GRAPH_PNG || opts.graph_format == TJ_GRAPH_PDF;
  if (binary && !output_file(&opts) && isatty(STDOUT_FILENO))
    return cmd_usage_error(&cmd_graph_info, "refusing to write %s data to a terminal (give -o FILE or redirect)",
                           format_names[opts.graph_format]);
  if (!(ctx = cmd_new_ctx(&cmd_graph_info))) return TJ_ERR_INTERNAL;
  status = cmd_load_spec(ctx, &cmd_graph_info, &opts, &spec);
  if (status == TJ_OK) status = graph_and_write(ctx, spec, &opts);
  tj_ctx_free(ctx);
  return status;
}
