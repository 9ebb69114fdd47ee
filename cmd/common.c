/* Shared command-line machinery (see common.h). */
#include "common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *const cmd_format_words[] = {[FORMAT_TEXT] = "text", [FORMAT_JSON] = "json", NULL};
const char *const cmd_ci_format_words[] = {
    [FORMAT_TEXT] = "text", [FORMAT_JSON] = "json", [FORMAT_GITHUB] = "github", [FORMAT_SARIF] = "sarif", NULL};

int cmd_parse_color(const struct cmd_info *info, const struct cmd_option *opt, const char *arg, void *field) {
  int status = cmd_parse_choice(info, opt, arg, field);
  if (status < 0) cmd_color_set(*(const int *)field); /* the field is struct cmd_opts' color */
  return status;
}

int cmd_usage_error(const struct cmd_info *info, const char *fmt, ...) {
  va_list ap;
  cmd_put_error_prefix(info->name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nusage: %s\n", info->usage);
  return TJ_ERR_USAGE;
}

int cmd_parse_call(const struct cmd_info *info, const struct cmd_option *opt, const char *arg,
                   void *field) {
  struct cmd_opts *common = field;
  long long call;
  int status = cmd_read_integer(info, opt, arg, &call);
  if (status >= 0) return status;
  common->trace.call = (int)call; /* opt->max is INT_MAX */
  common->call_text = arg;        /* "007" stays "007" in later messages */
  return -1;
}

int cmd_parse_seed(const struct cmd_info *info, const struct cmd_option *opt, const char *arg, void *field) {
  char *end;
  errno = 0;
  long long seed = strtoll(arg, &end, 10);
  if (end == arg || *end || errno || seed < 0)
    return cmd_usage_error(info, "invalid --%s '%s' (expected a seed, 0 or more)", opt->long_name, arg);
  *(long long *)field = seed;
  return -1;
}

int cmd_parse_arg_npy(const struct cmd_info *info, const struct cmd_option *opt, const char *arg, void *field) {
  struct cmd_opts *common = field;
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg || !eq[1])
    return cmd_usage_error(info, "invalid --%s '%s' (expected NAME=FILE)", opt->long_name, arg);
  if (common->trace.narg_npy == CMD_MAX_ARG_NPY)
    return cmd_usage_error(info, "too many --%s (limit is %d)", opt->long_name, CMD_MAX_ARG_NPY);
  common->arg_npy[common->trace.narg_npy++] = arg;
  common->trace.arg_npy = common->arg_npy;
  return -1;
}

void cmd_print_suggestion(const char *prefix, const char *word,
                          const char *const *candidates, int n) {
  const char *picks[2];
  int npicks = cmd_suggest(word, candidates, n, picks, 2);
  if (npicks) cmd_put_level("hint");
  if (npicks == 1)
    fprintf(stderr, "did you mean '%s%s'?\n", prefix, picks[0]);
  else if (npicks == 2)
    fprintf(stderr, "did you mean '%s%s' or '%s%s'?\n", prefix, picks[0],
            prefix, picks[1]);
}

void cmd_print_diagnostics(const struct cmd_info *info, tj_ctx *ctx, tj_status status) {
  char text[128];
  if (tj_error_count(ctx) > 0) {
    tj_print_diagnostics_color(ctx, stderr, cmd_colors(stderr));
    return;
  }
  snprintf(text, sizeof text, "failed (status %d) with no diagnostic", (int)status);
  cmd_put_error_prefix(info->name);
  fprintf(stderr, "%s\n", text);
  tj_add_error(ctx, TJ_ERR_INTERNAL, text);
}

void cmd_put_json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(out, "\\%c", *p);
    else if (*p < 0x20) fprintf(out, "\\u%04x", *p);
    else fputc(*p, out);
  }
  fputc('"', out);
}

void cmd_put_json_error(const tj_ctx *ctx, FILE *out) {
  char *json = tj_diagnostics_json(ctx);
  fputs(json, out);
  free(json);
}

void cmd_put_sarif(const struct cmd_opts *opts, const tj_ctx *ctx) {
  tj_sarif *log = tj_sarif_new();
  bool spec = opts->operand && strcmp(opts->operand, "-") != 0;
  tj_sarif_add_diagnostics(log, ctx, spec ? opts->operand : NULL);
  char *text = tj_sarif_text(log);
  puts(text);
  free(text);
  tj_sarif_free(log);
}

void cmd_fail_output(const struct cmd_opts *opts, const tj_ctx *ctx) {
  if (opts->format == FORMAT_JSON) {
    printf("{\"version\": %d, \"error\": ", TJ_JSON_VERSION);
    cmd_put_json_error(ctx, stdout);
    fputs("}\n", stdout);
  } else if (opts->format == FORMAT_GITHUB) {
    char *commands = tj_diagnostics_github(ctx);
    fputs(commands, stdout);
    free(commands);
  } else if (opts->format == FORMAT_SARIF) {
    cmd_put_sarif(opts, ctx);
  }
}

tj_status cmd_report(const struct cmd_info *info, const struct cmd_opts *opts, tj_ctx *ctx,
                     tj_status status) {
  if (status == TJ_OK) return status;
  cmd_print_diagnostics(info, ctx, status);
  cmd_fail_output(opts, ctx);
  return status;
}

int cmd_usage_failure(const struct cmd_info *info, const struct cmd_opts *opts, tj_ctx *ctx,
                      const char *fmt, ...) {
  char message[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  cmd_usage_error(info, "%s", message);
  if (opts->format == FORMAT_TEXT) return TJ_ERR_USAGE;
  tj_add_error(ctx, TJ_ERR_USAGE, message);
  cmd_fail_output(opts, ctx);
  return TJ_ERR_USAGE;
}

tj_status cmd_load_spec(tj_ctx *ctx, const struct cmd_info *info,
                        const struct cmd_opts *opts, tj_spec **out) {
  tj_ctx_confine(ctx, opts->confine);
  tj_status status = opts->jaxpr ? tj_listing_read(ctx, opts->operand, out) : tj_spec_read(ctx, opts->operand, out);
  int ncalls;
  if (status != TJ_OK) return cmd_report(info, opts, ctx, status);
  if (tj_spec_is_listing(*out) && opts->call_text)
    return cmd_usage_failure(info, opts, ctx, "invalid --call '%s' (a jaxpr listing has no calls)", opts->call_text);
  if (!tj_spec_is_listing(*out) && opts->trace.narg_npy)
    return cmd_usage_failure(info, opts, ctx, "--arg-npy gives a jaxpr listing's values; a spec's come from --args");
  ncalls = tj_spec_ncalls(*out);
  if (opts->call_text && opts->trace.call >= ncalls) {
    if (ncalls == 0)
      return cmd_usage_failure(info, opts, ctx, "invalid --call '%s' (the spec has no calls)",
                               opts->call_text);
    return cmd_usage_failure(info, opts, ctx, "invalid --call '%s' (the spec has %d call%s)",
                             opts->call_text, ncalls, ncalls == 1 ? "" : "s");
  }
  return TJ_OK;
}

int cmd_main_with_spec(const struct cmd_info *info, int argc, char **argv,
                       tj_status (*run)(tj_ctx *ctx, tj_spec *spec, const struct cmd_opts *opts)) {
  struct cmd_opts opts;
  int status = cmd_parse(info, argc, argv, &opts);
  return status >= 0 ? status : cmd_run_on_spec(info, &opts, run);
}

int cmd_run_on_spec(const struct cmd_info *info, const struct cmd_opts *opts,
                    tj_status (*run)(tj_ctx *ctx, tj_spec *spec, const struct cmd_opts *opts)) {
  tj_ctx *ctx;
  tj_spec *spec = NULL;
  int status;
  if (!(ctx = cmd_new_ctx(info))) return TJ_ERR_INTERNAL;
  status = cmd_load_spec(ctx, info, opts, &spec);
  if (status == TJ_OK) status = run(ctx, spec, opts);
  tj_ctx_free(ctx);
  return status;
}

tj_ctx *cmd_new_ctx(const struct cmd_info *info) {
  tj_ctx *ctx = tj_ctx_new();
  if (!ctx) fprintf(stderr, "tjit %s: error: out of memory\n", info->name);
  return ctx;
}

tj_status cmd_print_result(const struct cmd_info *info, const char *text) {
  if (!text) {
    fprintf(stderr, "tjit %s: error: BUG: the result could not be formatted\n",
            info->name);
    return TJ_ERR_INTERNAL;
  }
  fputs(text, stdout);
  putchar('\n');
  return TJ_OK;
}

int cmd_suggest(const char *word, const char *const *candidates, int n,
                const char **picks, int max_picks) {
  /* Close enough: at most 2 edits, and fewer than the word has letters, so
   * 'x' does not suggest every short name. */
  int best = 3, npicks = 0;
  int limit = (int)strnlen(word, CMD_SUGGEST_MAX_LEN + 1);
  for (int i = 0; i < n; i++) {
    int d = tj_edit_distance(word, candidates[i]);
    if (d >= limit || d > best) continue;
    if (d < best) npicks = 0;
    best = d;
    if (npicks < max_picks) picks[npicks++] = candidates[i];
  }
  return best <= 2 ? npicks : 0;
}
