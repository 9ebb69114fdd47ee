/* tjit graph SPEC: draw the jaxpr of one call with Graphviz, in process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd.h"
#include "common.h"
#include "progress.h"

/* --dot --svg --png --pdf and --format FMT: the format, and whether one
 * was given (then -o FILE's extension does not choose it). */
struct graph_format_choice {
  tj_graph_format format;
  int given;
};

/* tjit graph's command line: the shared options, then its own. */
struct graph_cmdline {
  struct cmd_opts common;
  tj_graph_opts graph;                  /* --rankdir, --fused */
  struct graph_format_choice format;
  int time;                             /* --time */
};

static cmd_option_parser set_format, parse_format;

/* The words of --format and --rankdir, indexed by what they choose. */
static const char *const format_words[] = {
    [TJ_GRAPH_DOT] = "dot", [TJ_GRAPH_SVG] = "svg", [TJ_GRAPH_PNG] = "png", [TJ_GRAPH_PDF] = "pdf", NULL};
static const char *const rankdir_words[] = {"TB", "LR", NULL}; /* graph.left_to_right 0, 1 */

/* --dot and the like: set_format with the format as the row's value. */
#define OPT_GRAPH_FORMAT(L, HELP, FORMAT)                                                   \
  {.long_name = L, .help = HELP, .parse = set_format,                                      \
   CMD_BIND(struct graph_cmdline, format, 1), .value = FORMAT}

static const struct cmd_option graph_options[] = {
    OPT_CALL, OPT_ARGS, OPT_JAXPR, OPT_ARG_NPY,
    OPT_GRAPH_FORMAT("dot", "write Graphviz DOT text (the default)", TJ_GRAPH_DOT),
    OPT_GRAPH_FORMAT("svg", "render SVG", TJ_GRAPH_SVG),
    OPT_GRAPH_FORMAT("png", "render PNG (binary: give -o FILE or redirect)", TJ_GRAPH_PNG),
    OPT_GRAPH_FORMAT("pdf", "render PDF (binary: give -o FILE or redirect)", TJ_GRAPH_PDF),
    {.long_name = "format", .placeholder = "FMT", .help = "the same as --FMT: dot, svg, png or pdf (one format only)",
     .parse = parse_format, CMD_BIND(struct graph_cmdline, format, 1), .words = format_words},
    OPT_OUTPUT_HELP("write to FILE ('-': stdout); format from its extension"),
    OPT_CHOICE("rankdir", "DIR", "TB (default: top to bottom) or LR (left to right)", struct graph_cmdline,
               graph.left_to_right, rankdir_words),
    OPT_FLAG("fused", "box the equations the C backend fuses into one loop", struct graph_cmdline, graph.fused),
    OPT_FLAG("time", "print the trace, build, layout and render times to stderr", struct graph_cmdline, time),
    OPT_AUTOGRAPH, OPT_NO_AUTOGRAPH, OPT_CONFINE, OPT_DUMP_AFTER, OPT_COLOR, OPT_HELP,
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

/* The same format twice is fine, two different ones a usage error: the
 * last must not silently win. */
static int choose_format(const struct cmd_info *info, struct graph_format_choice *choice, tj_graph_format f) {
  if (choice->given && choice->format != f)
    return cmd_usage_error(info, "conflicting formats --%s and --%s (give one)", tj_graph_format_name(choice->format),
                           tj_graph_format_name(f));
  choice->format = f;
  choice->given = 1;
  return -1;
}

static int set_format(const struct cmd_info *info, const struct cmd_option *opt, const char *arg, void *field) {
  (void)arg;
  return choose_format(info, field, (tj_graph_format)opt->value);
}

static int parse_format(const struct cmd_info *info, const struct cmd_option *opt, const char *arg, void *field) {
  int format;
  int status = cmd_read_choice(info, opt, arg, &format);
  return status >= 0 ? status : choose_format(info, field, (tj_graph_format)format);
}

/* -o FILE, or NULL for standard output (no -o, or -o -, as gcc and curl). */
static const char *output_file(const struct graph_cmdline *opts) {
  const char *file = opts->common.output;
  return file && strcmp(file, "-") != 0 ? file : NULL;
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

/* tj_graph's phases, on the progress line. */
static void say_phase(void *progress, const char *phase) { cmd_progress_say(progress, phase); }

static tj_status graph_and_write(tj_ctx *ctx, tj_spec *spec, const struct graph_cmdline *opts) {
  tj_graph_times times;
  tj_graph_opts go = opts->graph;
  go.trace = opts->common.trace, go.format = opts->format.format, go.times = &times;
  char *data = NULL;
  size_t len = 0;
  struct cmd_progress *progress = cmd_progress_start("graph", "tracing"); /* Graphviz may lay out for long */
  go.progress = say_phase, go.progress_arg = progress;
  tj_status status = tj_graph(ctx, spec, &go, &data, &len);
  cmd_progress_end(progress);
  if (opts->time && status == TJ_OK)
    fprintf(stderr, "time: trace %.3f ms, build %.3f ms, layout %.3f ms, render %.3f ms\n", times.trace_ms,
            times.build_ms, times.layout_ms, times.render_ms);
  if (status == TJ_OK) fwrite(data, 1, len, stdout); /* -o FILE: stdout is FILE's (output.h) */
  else status = cmd_report(&cmd_graph_info, &opts->common, ctx, status);
  free(data);
  return status;
}

int cmd_graph(int argc, char **argv) {
  struct graph_cmdline opts = {.graph = tj_graph_defaults()};
  int status = cmd_parse(&cmd_graph_info, argc, argv, &opts);
  tj_ctx *ctx;
  tj_spec *spec = NULL;
  if (status >= 0) return status;
  if (opts.common.trace.dump_after && !opts.graph.fused) /* else no pass runs */
    return cmd_usage_error(&cmd_graph_info, "--dump-after needs --fused (the passes run only then)");
  if (!opts.format.given && output_file(&opts)) opts.format.format = format_of_name(output_file(&opts));
  bool binary = opts.format.format == TJ_GRAPH_PNG || opts.format.format == TJ_GRAPH_PDF;
  if (binary && !output_file(&opts) && isatty(STDOUT_FILENO))
    return cmd_usage_error(&cmd_graph_info, "refusing to write %s data to a terminal (give -o FILE or redirect)",
                           format_names[opts.format.format]);
  if (!(ctx = cmd_new_ctx(&cmd_graph_info))) return TJ_ERR_INTERNAL;
  status = cmd_load_spec(ctx, &cmd_graph_info, &opts.common, &spec);
  if (status == TJ_OK) status = graph_and_write(ctx, spec, &opts);
  tj_ctx_free(ctx);
  return status;
}
