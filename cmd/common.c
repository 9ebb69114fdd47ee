/* Shared command-line machinery (see common.h). getopt's globals live here,
 * in the program, never in the library. */
#include "common.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Enough for any command's table; a longer table is a bug caught at once. */
#define CMD_MAX_OPTIONS 32
/* Column where option help text starts in --help. */
#define HELP_COLUMN 24
/* Words longer than this get no "did you mean" (keeps the table small). */
#define SUGGEST_MAX_LEN 64

int cmd_usage_error(const struct cmd_info *info, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "tjit %s: error: ", info->name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nusage: %s\n", info->usage);
  return TJ_ERR_USAGE;
}

static const struct cmd_option *find_option(const struct cmd_info *info,
                                            int id) {
  for (int i = 0; i < info->noptions; i++)
    if ((int)info->options[i].id == id) return &info->options[i];
  return NULL;
}

/* "--call N" or "-o, --output FILE", as shown in --help. */
static int option_label(const struct cmd_option *opt, char *label,
                        size_t size) {
  char shortpart[8] = "    ";
  if (opt->short_name) snprintf(shortpart, sizeof shortpart, "-%c, ", opt->short_name);
  return snprintf(label, size, "  %s--%s%s%s", shortpart, opt->long_name,
                  opt->arg ? " " : "", opt->arg ? opt->arg : "");
}

void cmd_print_help(const struct cmd_info *info, FILE *out) {
  fprintf(out, "usage: %s\n\n%s\n", info->usage, info->description);
  if (info->noptions) fputs("\noptions:\n", out);
  for (int i = 0; i < info->noptions; i++) {
    char label[128];
    int width = option_label(&info->options[i], label, sizeof label);
    if (width < HELP_COLUMN)
      fprintf(out, "%-*s%s\n", HELP_COLUMN, label, info->options[i].help);
    else
      fprintf(out, "%s\n%*s%s\n", label, HELP_COLUMN, "", info->options[i].help);
  }
}

/* --call takes a plain decimal index: no sign, no spaces, fits in an int. */
static bool parse_index(const char *text, int *out) {
  long value = 0;
  if (!*text) return false;
  for (const char *p = text; *p; p++) {
    if (*p < '0' || *p > '9') return false;
    value = value * 10 + (*p - '0');
    if (value > INT_MAX) return false;
  }
  *out = (int)value;
  return true;
}

/* --max-memory: a whole number of bytes, or of KiB, MiB, GiB or TiB with
 * the suffix K, M, G or T; more than 0. */
static bool parse_size(const char *text, long long *out) {
  static const char units[] = "KMGT";
  char *end;
  if (*text < '0' || *text > '9') return false;
  errno = 0;
  long long n = strtoll(text, &end, 10);
  const char *unit = *end ? strchr(units, *end) : NULL;
  if (errno || n <= 0 || (*end && (!unit || end[1]))) return false;
  for (const char *u = units; unit && u <= unit; u++) {
    if (n > LLONG_MAX / 1024) return false;
    n *= 1024;
  }
  *out = n;
  return true;
}

/* graph's --dot, --svg, --png, --pdf and --format: the same one twice is
 * fine, two different ones a usage error (the last must not silently win). */
static int set_graph_format(const struct cmd_info *info, tj_graph_format f, struct cmd_opts *o) {
  if (o->graph_format_given && o->graph_format != f)
    return cmd_usage_error(info, "conflicting formats --%s and --%s (give one)",
                           tj_graph_format_name(o->graph_format), tj_graph_format_name(f));
  o->graph_format = f;
  o->graph_format_given = true;
  return -1;
}

/* Applies one parsed option; returns -1 to go on or an exit status. */
static int apply_option(const struct cmd_info *info, int id, const char *arg,
                        struct cmd_opts *o) {
  switch (id) {
  case OPT_HELP:
    cmd_print_help(info, stdout);
    return TJ_OK;
  case OPT_CALL:
    if (!parse_index(arg, &o->trace.call))
      return cmd_usage_error(info, "invalid --call '%s' (expected a non-negative integer)",
                             arg);
    o->call_text = arg;
    return -1;
  case OPT_ARGS:
    o->trace.args_json = arg;
    return -1;
  case OPT_FORMAT:
    if (strcmp(arg, "text") == 0) o->format = FORMAT_TEXT;
    else if (strcmp(arg, "json") == 0) o->format = FORMAT_JSON;
    else return cmd_usage_error(info, "invalid --format '%s' (expected 'text' or 'json')", arg);
    return -1;
  case OPT_AUTOGRAPH:
  case OPT_NO_AUTOGRAPH:
    o->trace.autograph = id == OPT_AUTOGRAPH;
    return -1;
  case OPT_OUTPUT:
    o->output = arg;
    return -1;
  case OPT_OUT_DIR:
    o->out_dir = arg;
    return -1;
  case OPT_CHECK:
    o->check = true;
    return -1;
  case OPT_TIME:
    o->time = true;
    return -1;
  case OPT_NO_CACHE:
    o->no_cache = true;
    return -1;
  case OPT_FILL_RANDOM: {
    char *end;
    errno = 0;
    long long seed = strtoll(arg, &end, 10);
    if (end == arg || *end || errno || seed < 0)
      return cmd_usage_error(info, "invalid --fill-random '%s' (expected a seed, 0 or more)", arg);
    o->fill_random = seed;
    return -1;
  }
  case OPT_REFERENCE:
    o->reference = true;
    return -1;
  case OPT_REPEAT:
    if (!parse_index(arg, &o->repeat) || o->repeat < 1 || o->repeat > CMD_MAX_REPEAT)
      return cmd_usage_error(info, "invalid --repeat '%s' (expected 1 to %d)", arg, CMD_MAX_REPEAT);
    return -1;
  case OPT_MAX_MEMORY:
    if (!parse_size(arg, &o->max_memory))
      return cmd_usage_error(info, "invalid --max-memory '%s' (expected bytes, or a number with K, M, G or T)", arg);
    return -1;
  case OPT_MAX_WORK: {
    char *end;
    errno = 0;
    long long n = strtoll(arg, &end, 10);
    if (*arg < '0' || *arg > '9' || *end || errno || n <= 0)
      return cmd_usage_error(info, "invalid --max-work '%s' (expected a number of elements, 1 or more)", arg);
    o->max_work = n;
    return -1;
  }
  case OPT_WHAT_IF:
    if (o->nwhat_if == CMD_MAX_WHAT_IF)
      return cmd_usage_error(info, "too many --what-if options (limit is %d)", CMD_MAX_WHAT_IF);
    o->what_if[o->nwhat_if++] = arg;
    return -1;
  case OPT_MAX_COMPILES:
    if (!parse_index(arg, &o->max_compiles))
      return cmd_usage_error(info, "invalid --max-compiles '%s' (expected a non-negative integer)", arg);
    o->max_compiles_set = true;
    return -1;
  case OPT_GRAPH_DOT: case OPT_GRAPH_SVG: case OPT_GRAPH_PNG: case OPT_GRAPH_PDF:
    return set_graph_format(info, (tj_graph_format)(id - OPT_GRAPH_DOT), o);
  case OPT_FORMAT_GRAPH: {
    for (int f = TJ_GRAPH_DOT; tj_graph_format_name((tj_graph_format)f); f++)
      if (strcmp(arg, tj_graph_format_name((tj_graph_format)f)) == 0) return set_graph_format(info, (tj_graph_format)f, o);
    return cmd_usage_error(info, "invalid --format '%s' (expected 'dot', 'svg', 'png' or 'pdf')", arg);
  }
  case OPT_RANKDIR:
    if (strcmp(arg, "TB") != 0 && strcmp(arg, "LR") != 0)
      return cmd_usage_error(info, "invalid --rankdir '%s' (expected 'TB' or 'LR')", arg);
    o->left_to_right = strcmp(arg, "LR") == 0;
    return -1;
  case OPT_FUSED:
    o->fused = true;
    return -1;
  case OPT_CONFINE:
    o->confine = true;
    return -1;
  case OPT_FORMAT_CI:
    if (strcmp(arg, "github") == 0) o->format = FORMAT_GITHUB;
    else if (strcmp(arg, "text") == 0) o->format = FORMAT_TEXT;
    else if (strcmp(arg, "json") == 0) o->format = FORMAT_JSON;
    else return cmd_usage_error(info, "invalid --format '%s' (expected 'text', 'json' or 'github')", arg);
    return -1;
  }
  fprintf(stderr, "tjit %s: error: BUG: option %d has no handler\n", info->name, id);
  return TJ_ERR_INTERNAL;
}

void cmd_print_suggestion(const char *prefix, const char *word,
                          const char *const *candidates, int n) {
  const char *picks[2];
  int npicks = cmd_suggest(word, candidates, n, picks, 2);
  if (npicks == 1)
    fprintf(stderr, "hint: did you mean '%s%s'?\n", prefix, picks[0]);
  else if (npicks == 2)
    fprintf(stderr, "hint: did you mean '%s%s' or '%s%s'?\n", prefix, picks[0],
            prefix, picks[1]);
}

/* An unknown long option: "--sourc=x" is reported as '--sourc', with a
 * "did you mean" hint between the error and the usage line. */
static int unknown_long_option(const struct cmd_info *info, const char *text) {
  size_t len = strcspn(text, "=");
  fprintf(stderr, "tjit %s: error: unknown option '%.*s'\n", info->name,
          len > INT_MAX ? INT_MAX : (int)len, text);
  if (len >= 3 && len - 2 <= SUGGEST_MAX_LEN) {
    const char *names[CMD_MAX_OPTIONS];
    char word[SUGGEST_MAX_LEN + 1];
    memcpy(word, text + 2, len - 2);
    word[len - 2] = '\0';
    for (int i = 0; i < info->noptions; i++) names[i] = info->options[i].long_name;
    cmd_print_suggestion("--", word, names, info->noptions);
  }
  fprintf(stderr, "usage: %s\n", info->usage);
  return TJ_ERR_USAGE;
}

/* getopt_long returned '?' or ':' (opterr is off, so we word the error). */
static int option_error(const struct cmd_info *info, int c, int argc,
                        char **argv) {
  const struct cmd_option *opt = optopt ? find_option(info, optopt) : NULL;
  const char *text = optind >= 1 && optind <= argc ? argv[optind - 1] : "";
  if (c == ':' && opt)
    return cmd_usage_error(info, "option '--%s' requires a value", opt->long_name);
  if (opt && !opt->arg && strncmp(text, "--", 2) == 0)
    return cmd_usage_error(info, "option '--%s' takes no value", opt->long_name);
  if (optopt && optopt < 256)
    return cmd_usage_error(info, "unknown option '-%c'", optopt);
  return unknown_long_option(info, text);
}

/* Builds getopt_long's inputs from the option table. */
static bool build_getopt_tables(const struct cmd_info *info,
                                struct option *longopts, char *shortopts) {
  char *s = shortopts;
  if (info->noptions > CMD_MAX_OPTIONS) return false;
  *s++ = ':';  /* report a missing value as ':' rather than '?' */
  for (int i = 0; i < info->noptions; i++) {
    const struct cmd_option *opt = &info->options[i];
    longopts[i] = (struct option){opt->long_name,
                                  opt->arg ? required_argument : no_argument,
                                  NULL, (int)opt->id};
    if (!opt->short_name) continue;
    *s++ = opt->short_name;
    if (opt->arg) *s++ = ':';
  }
  *s = '\0';
  longopts[info->noptions] = (struct option){NULL, 0, NULL, 0};
  return true;
}

/* Takes the operand (SPEC or COMMAND) left after the options. */
static int take_operand(const struct cmd_info *info, int argc, char **argv,
                        struct cmd_opts *o) {
  int left = argc - optind;
  if (left > 1 || (left == 1 && !info->operand))
    return cmd_usage_error(info, "unexpected argument '%s'",
                           argv[argc - left + (info->operand ? 1 : 0)]);
  if (left == 0 && info->operand && !info->operand_optional)
    return cmd_usage_error(info, "missing %s", info->operand);
  o->operand = left ? argv[optind] : NULL;
  return -1;
}

int cmd_parse(const struct cmd_info *info, int argc, char **argv,
              struct cmd_opts *out) {
  struct option longopts[CMD_MAX_OPTIONS + 1];
  char shortopts[2 * CMD_MAX_OPTIONS + 2];
  int c;
  const char *confine = getenv("TJIT_CONFINE");
  *out = (struct cmd_opts){.trace = tj_trace_defaults(), .format = FORMAT_TEXT, .fill_random = -1,
                           .confine = confine && *confine && strcmp(confine, "0") != 0};
  if (!build_getopt_tables(info, longopts, shortopts)) {
    fprintf(stderr, "tjit %s: error: BUG: too many options\n", info->name);
    return TJ_ERR_INTERNAL;
  }
  optind = 0;  /* glibc: start afresh at argv[1] */
  opterr = 0;
  while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
    int status = c == '?' || c == ':' ? option_error(info, c, argc, argv)
                                      : apply_option(info, c, optarg, out);
    if (status >= 0) return status;
  }
  return take_operand(info, argc, argv, out);
}

void cmd_print_diagnostics(const struct cmd_info *info, tj_ctx *ctx, tj_status status) {
  char text[128];
  if (tj_error_count(ctx) > 0) {
    tj_print_diagnostics(ctx, stderr);
    return;
  }
  snprintf(text, sizeof text, "failed (status %d) with no diagnostic", (int)status);
  fprintf(stderr, "tjit %s: error: %s\n", info->name, text);
  tj_add_error(ctx, TJ_ERR_INTERNAL, text);
}

void cmd_put_json_error(const tj_ctx *ctx, FILE *out) {
  char *json = tj_diagnostics_json(ctx);
  fputs(json, out);
  free(json);
}

void cmd_fail_output(const struct cmd_opts *opts, const tj_ctx *ctx) {
  if (opts->format == FORMAT_JSON) {
    fputs("{\"error\": ", stdout);
    cmd_put_json_error(ctx, stdout);
    fputs("}\n", stdout);
  } else if (opts->format == FORMAT_GITHUB) {
    char *commands = tj_diagnostics_github(ctx);
    fputs(commands, stdout);
    free(commands);
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
  tj_status status = tj_spec_read(ctx, opts->operand, out);
  int ncalls;
  if (status != TJ_OK) return cmd_report(info, opts, ctx, status);
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
  int limit = (int)strnlen(word, SUGGEST_MAX_LEN + 1);
  for (int i = 0; i < n; i++) {
    int d = tj_edit_distance(word, candidates[i]);
    if (d >= limit || d > best) continue;
    if (d < best) npicks = 0;
    best = d;
    if (npicks < max_picks) picks[npicks++] = candidates[i];
  }
  return best <= 2 ? npicks : 0;
}
