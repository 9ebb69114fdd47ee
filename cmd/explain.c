/* tjit explain-recompile SPEC: replay the spec's calls against a jit cache
 * and say, per call, hit or compile and why; then how each argument is used
 * (tjit-explain-recompile(1)). */
#include <limits.h>
#include <stdlib.h>

#include "baseline.h"
#include "cmd.h"
#include "common.h"
#include "output.h"
#include "multi.h"

/* --what-if options one command line may give. */
#define MAX_WHAT_IF 64

/* The --what-if NAME=JSON options, in order. */
struct what_if_list {
  const char *items[MAX_WHAT_IF];
  int n;
};

/* tjit explain-recompile's command line: the shared options, then its own. */
struct explain_cmdline {
  struct cmd_opts common;
  tj_explain_opts explain;      /* --max-compiles */
  struct what_if_list what_if;
  struct baseline_opts baseline; /* --baseline, --update-baseline */
  const struct multi_spec *walked; /* in a worker: the spec, when found in a directory */
};

static cmd_option_parser add_what_if;

static const struct cmd_option explain_options[] = {
    OPT_CALLBACK("what-if", "NAME=JSON", "would a call with this argument changed hit? (repeatable)",
                 struct explain_cmdline, what_if, add_what_if),
    OPT_CALL_HELP("derive the --what-if call from calls[N] (default: the last)"),
    OPT_INTEGER("max-compiles", "N", "exit 3 when there are more than N compilations", struct explain_cmdline,
                explain.max_compiles, 0, INT_MAX, "a non-negative integer"),
    OPT_STRING("baseline", "FILE", "exit 3 when a function compiles more often than FILE says",
               struct explain_cmdline, baseline.file),
    OPT_FLAG("update-baseline", "write the compilations to the --baseline FILE instead", struct explain_cmdline,
             baseline.update),
    OPT_FORMAT_GITHUB, OPT_OUTPUT, OPT_JOBS, OPT_AUTOGRAPH, OPT_NO_AUTOGRAPH, OPT_CONFINE, OPT_COLOR, OPT_HELP,
};

const struct cmd_info cmd_explain_info = {
    .name = "explain-recompile",
    .summary = "say which calls recompile and why",
    .usage = "tjit explain-recompile [OPTIONS] SPEC...",
    .description =
        "Replay the spec's \"calls\" in order against a jit cache keyed as JAX\n"
        "keys it (function, static values by type and value, traced dtypes,\n"
        "shapes and weak types, positional or keyword) and print, per call,\n"
        "hit or compile with the reason. Then classify each static argument as\n"
        "structural, constant or unused from traces of the compiled signatures,\n"
        "and show which traced arguments' shapes caused compilations. Several\n"
        "specs, or a directory (its *.json specs), get a report each; --baseline\n"
        "holds each function's compilations to a committed file.",
    .operand = "SPEC",
    .operand_many = true,
    .options = explain_options,
    .noptions = (int)(sizeof explain_options / sizeof explain_options[0]),
};

static int add_what_if(const struct cmd_info *info, const struct cmd_option *opt, const char *arg, void *field) {
  struct what_if_list *list = field;
  if (list->n == MAX_WHAT_IF)
    return cmd_usage_error(info, "too many --%s options (limit is %d)", opt->long_name, MAX_WHAT_IF);
  list->items[list->n++] = arg;
  return -1;
}

static char *format_report(const tj_explain_report *r, enum cmd_format format) {
  if (format == FORMAT_SARIF) {
    tj_sarif *log = tj_sarif_new();
    tj_sarif_add_explain(log, r);
    char *text = tj_sarif_text(log);
    tj_sarif_free(log);
    return text;
  }
  if (format == FORMAT_JSON) return tj_explain_json(r);
  if (format == FORMAT_GITHUB) return tj_explain_github(r);
  return tj_explain_text_color(r, cmd_colors(stdout));
}

static tj_status explain(tj_ctx *ctx, tj_spec *spec, const struct explain_cmdline *opts) {
  const struct cmd_opts *common = &opts->common;
  tj_explain_opts eo = opts->explain;
  tj_explain_report *report = NULL;
  eo.autograph = common->trace.autograph;
  eo.what_if = opts->what_if.items;
  eo.nwhat_if = opts->what_if.n;
  eo.what_if_call = common->call_text ? common->trace.call : -1;
  tj_status status = tj_explain(ctx, spec, &eo, &report);
  if (status != TJ_OK) return cmd_report(&cmd_explain_info, common, ctx, status);
  char *text = format_report(report, common->format);
  status = cmd_print_result(&cmd_explain_info, text);
  free(text);
  /* Over the budget, the JSON, GitHub and SARIF forms hold the error already;
   * the diagnostic goes to stderr in every format. */
  if (status == TJ_OK && (status = tj_explain_status(report)) != TJ_OK) {
    cmd_print_diagnostics(&cmd_explain_info, ctx, status);
    cmd_output_whole(); /* the report is whole: -o FILE gets it */
  }
  if (opts->baseline.file) status = baseline_compare(&opts->baseline, report, common, status);
  tj_explain_free(report);
  return status;
}

/* One spec, as the command line named it. */
static int explain_spec(const struct explain_cmdline *opts) {
  tj_ctx *ctx;
  tj_spec *spec = NULL;
  int status;
  if (!(ctx = cmd_new_ctx(&cmd_explain_info))) return TJ_ERR_INTERNAL;
  if (opts->common.call_text && !opts->what_if.n)
    status = cmd_usage_failure(&cmd_explain_info, &opts->common, ctx, "--call picks the call for --what-if: give --what-if too");
  else status = cmd_load_spec(ctx, &cmd_explain_info, &opts->common, &spec);
  /* a directory holds specs of every kind: one with "args" alone has
   * nothing to replay, which only its own command line makes an error */
  if (status == TJ_OK && opts->walked && !tj_spec_ncalls(spec))
    multi_skip(&cmd_explain_info, opts->walked, "no \"calls\" to replay");
  else if (status == TJ_OK) status = explain(ctx, spec, opts);
  tj_ctx_free(ctx);
  return status;
}

/* One spec of several, in its worker (multi.h). */
static int explain_one(struct cmd_opts *common, const struct multi_spec *spec) {
  struct explain_cmdline *opts = (struct explain_cmdline *)common; /* its first member */
  opts->baseline.record = spec->record;
  opts->walked = spec->walked ? spec : NULL;
  return explain_spec(opts);
}

static int explain_finish(struct cmd_opts *common, const struct multi_spec *specs, int n, int status) {
  const struct explain_cmdline *opts = (const struct explain_cmdline *)common;
  return baseline_finish(&cmd_explain_info, &opts->baseline, specs, n, status);
}

/* Several specs, or a directory, or --baseline (one baseline is meant
 * for many specs: its form is the multi-spec one even for one). */
static int explain_many(struct explain_cmdline *opts) {
  int status;
  if (multi_wanted(&opts->common) && opts->what_if.n)
    return multi_refuse(&cmd_explain_info, "--what-if", "it makes one call of one spec");
  if (multi_wanted(&opts->common) && opts->common.call_text)
    return multi_refuse(&cmd_explain_info, "--call", "it picks a call of one spec");
  if ((status = baseline_prepare(&cmd_explain_info, &opts->common, &opts->baseline)) < 0)
    status = multi_run(&(struct multi_command){.info = &cmd_explain_info, .common = &opts->common,
                                               .run_one = explain_one, .finish = explain_finish, .headers = true});
  baseline_release(&opts->baseline);
  return status;
}

int cmd_explain(int argc, char **argv) {
  struct explain_cmdline opts = {.explain = tj_explain_defaults()};
  int status = cmd_parse(&cmd_explain_info, argc, argv, &opts);
  if (status >= 0) return status;
  if (multi_wanted(&opts.common) || opts.baseline.file || opts.baseline.update) return explain_many(&opts);
  return explain_spec(&opts);
}
