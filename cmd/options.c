/* Options as data (see options.h): the parsers a row names, the --help
 * text made from the rows, and cmd_parse, which runs getopt_long over
 * tables built from them. getopt's globals live here, in the program,
 * never in the library. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "output.h"

/* Enough for any command's table; a longer table is a bug caught at once. */
#define CMD_MAX_OPTIONS 32
/* getopt_long's code for a long option: past every short option's letter,
 * so one code finds its row either way. */
#define LONG_OPTION_CODE 256
/* Column where option help text starts in --help. */
#define HELP_COLUMN 24

/* ---- the --help text --------------------------------------------------- */

/* "--call N" or "-o, --output FILE", as shown in --help. */
static int option_label(const struct cmd_option *opt, char *label, size_t size) {
  char shortpart[8] = "    ";
  if (opt->short_name) snprintf(shortpart, sizeof shortpart, "-%c, ", opt->short_name);
  return snprintf(label, size, "  %s--%s%s%s", shortpart, opt->long_name,
                  opt->placeholder ? " " : "", opt->placeholder ? opt->placeholder : "");
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

/* ---- the parsers rows name --------------------------------------------- */

/* Writes value into an integer field of size bytes (an int or a long
 * long, or an enum or long of the same size: CMD_IS_INT allows no other);
 * memcpy, since the field's exact type is not known here. */
static void store_integer(void *field, size_t size, long long value) {
  if (size == sizeof(int)) {
    int narrow = (int)value;
    memcpy(field, &narrow, sizeof narrow);
  } else {
    memcpy(field, &value, sizeof value);
  }
}

int cmd_show_help(const struct cmd_info *info, const struct cmd_option *opt, const char *arg,
                  void *field) {
  (void)opt, (void)arg, (void)field;
  cmd_print_help(info, stdout);
  return TJ_OK;
}

int cmd_set_int(const struct cmd_info *info, const struct cmd_option *opt, const char *arg,
                void *field) {
  (void)info, (void)arg;
  store_integer(field, opt->size, opt->value);
  return -1;
}

int cmd_take_string(const struct cmd_info *info, const struct cmd_option *opt, const char *arg,
                    void *field) {
  (void)info, (void)opt;
  *(const char **)field = arg;
  return -1;
}

/* A plain decimal, digits only: no sign, no blanks, no suffix, so that
 * " 1", "+1" and "1e3" are refused rather than half read. */
static bool parse_decimal(const char *text, long long *out) {
  long long n = 0;
  if (!*text) return false;
  for (const char *p = text; *p; p++) {
    if (*p < '0' || *p > '9' || n > (LLONG_MAX - (*p - '0')) / 10) return false;
    n = n * 10 + (*p - '0');
  }
  *out = n;
  return true;
}

int cmd_read_integer(const struct cmd_info *info, const struct cmd_option *opt,
                     const char *arg, long long *out) {
  if (parse_decimal(arg, out) && *out >= opt->min && *out <= opt->max) return -1;
  if (opt->expected)
    return cmd_usage_error(info, "invalid --%s '%s' (expected %s)", opt->long_name, arg,
                           opt->expected);
  return cmd_usage_error(info, "invalid --%s '%s' (expected %lld to %lld)", opt->long_name,
                         arg, opt->min, opt->max);
}

int cmd_parse_integer(const struct cmd_info *info, const struct cmd_option *opt,
                      const char *arg, void *field) {
  long long value;
  int status = cmd_read_integer(info, opt, arg, &value);
  if (status < 0) store_integer(field, opt->size, value);
  return status;
}

/* "'a' or 'b'", "'a', 'b' or 'c'": the words, for an error's "expected". */
static void list_words(const char *const *words, char *text, size_t size) {
  size_t len = 0;
  text[0] = '\0';
  for (int i = 0; words[i] && len < size; i++) {
    const char *separator = i == 0 ? "" : words[i + 1] ? ", " : " or ";
    int n = snprintf(text + len, size - len, "%s'%s'", separator, words[i]);
    if (n < 0) return;
    len += (size_t)n;
  }
}

int cmd_read_choice(const struct cmd_info *info, const struct cmd_option *opt,
                    const char *arg, int *index) {
  char expected[256];
  for (int i = 0; opt->words[i]; i++)
    if (strcmp(arg, opt->words[i]) == 0) {
      *index = i;
      return -1;
    }
  list_words(opt->words, expected, sizeof expected);
  return cmd_usage_error(info, "invalid --%s '%s' (expected %s)", opt->long_name, arg,
                         expected);
}

int cmd_parse_choice(const struct cmd_info *info, const struct cmd_option *opt,
                     const char *arg, void *field) {
  int index;
  int status = cmd_read_choice(info, opt, arg, &index);
  if (status < 0) store_integer(field, opt->size, index);
  return status;
}

/* The listing after the pass --dump-after names, as tjit trace prints a
 * listing (so the two diff), on stderr: standard output keeps the
 * command's own result. */
static void dump_to_stderr(void *arg, const char *pass, const char *listing) {
  (void)arg, (void)pass;
  fprintf(stderr, "%s\n", listing);
}

int cmd_parse_dump_after(const struct cmd_info *info, const struct cmd_option *opt,
                         const char *arg, void *field) {
  const char *names[CMD_MAX_OPTIONS + 1];
  int n = 0, index;
  while (n < CMD_MAX_OPTIONS && (names[n] = tj_pass_name(n))) n++;
  names[n] = NULL;
  struct cmd_option row = *opt; /* the library's pass names as its words */
  row.words = names;
  int status = cmd_read_choice(info, &row, arg, &index);
  if (status >= 0) return status;
  struct cmd_opts *common = field;
  common->trace.dump_after = names[index];
  common->trace.dump = dump_to_stderr;
  return -1;
}

/* ---- errors in the command line ---------------------------------------- */

/* The row getopt_long's code stands for (a short option's letter, or
 * LONG_OPTION_CODE + its index), or NULL. */
static const struct cmd_option *row_of(const struct cmd_info *info, int code) {
  if (code >= LONG_OPTION_CODE)
    return code - LONG_OPTION_CODE < info->noptions ? &info->options[code - LONG_OPTION_CODE]
                                                    : NULL;
  for (int i = 0; i < info->noptions; i++)
    if (info->options[i].short_name && info->options[i].short_name == code)
      return &info->options[i];
  return NULL;
}

/* An unknown long option: "--sourc=x" is reported as '--sourc', with a
 * "did you mean" hint between the error and the usage line. */
static int unknown_long_option(const struct cmd_info *info, const char *text) {
  size_t len = strcspn(text, "=");
  cmd_put_error_prefix(info->name);
  fprintf(stderr, "unknown option '%.*s'\n", len > INT_MAX ? INT_MAX : (int)len, text);
  if (len >= 3 && len - 2 <= CMD_SUGGEST_MAX_LEN) {
    const char *names[CMD_MAX_OPTIONS];
    char word[CMD_SUGGEST_MAX_LEN + 1];
    memcpy(word, text + 2, len - 2);
    word[len - 2] = '\0';
    for (int i = 0; i < info->noptions; i++) names[i] = info->options[i].long_name;
    cmd_print_suggestion("--", word, names, info->noptions);
  }
  fprintf(stderr, "usage: %s\n", info->usage);
  return TJ_ERR_USAGE;
}

/* getopt_long returned '?' or ':' (opterr is off, so we word the error). */
static int option_error(const struct cmd_info *info, int c, int argc, char **argv) {
  const struct cmd_option *opt = optopt ? row_of(info, optopt) : NULL;
  const char *text = optind >= 1 && optind <= argc ? argv[optind - 1] : "";
  if (c == ':' && opt)
    return cmd_usage_error(info, "option '--%s' requires a value", opt->long_name);
  if (opt && !opt->placeholder && strncmp(text, "--", 2) == 0)
    return cmd_usage_error(info, "option '--%s' takes no value", opt->long_name);
  if (optopt && optopt < LONG_OPTION_CODE)
    return cmd_usage_error(info, "unknown option '-%c'", optopt);
  return unknown_long_option(info, text);
}

/* ---- cmd_parse ----------------------------------------------------------- */

/* Builds getopt_long's inputs from the option table. */
static bool build_getopt_tables(const struct cmd_info *info, struct option *longopts,
                                char *shortopts) {
  char *s = shortopts;
  if (info->noptions > CMD_MAX_OPTIONS) return false;
  *s++ = ':'; /* report a missing value as ':' rather than '?' */
  for (int i = 0; i < info->noptions; i++) {
    const struct cmd_option *opt = &info->options[i];
    longopts[i] = (struct option){opt->long_name, opt->placeholder ? required_argument : no_argument,
                                  NULL, LONG_OPTION_CODE + i};
    if (!opt->short_name) continue;
    *s++ = opt->short_name;
    if (opt->placeholder) *s++ = ':';
  }
  *s = '\0';
  longopts[info->noptions] = (struct option){NULL, 0, NULL, 0};
  return true;
}

/* Takes the operand (SPEC, ACTION or COMMAND) left after the options. */
static int take_operand(const struct cmd_info *info, int argc, char **argv,
                        struct cmd_opts *common) {
  int left = argc - optind;
  if ((left > 1 && !info->operand_many) || (left == 1 && !info->operand))
    return cmd_usage_error(info, "unexpected argument '%s'",
                           argv[argc - left + (info->operand ? 1 : 0)]);
  if (left == 0 && info->operand && !info->operand_optional)
    return cmd_usage_error(info, "missing %s", info->operand);
  common->operand = left ? argv[optind] : NULL;
  common->operands = argv + optind;
  common->noperands = left;
  return -1;
}

/* The shared options' defaults; $TJIT_CONFINE is --confine for a whole
 * session (a CI job) without editing every command line. */
static struct cmd_opts common_defaults(void) {
  const char *confine = getenv("TJIT_CONFINE");
  return (struct cmd_opts){.trace = tj_trace_defaults(), .format = FORMAT_TEXT,
                           .confine = confine && *confine && strcmp(confine, "0") != 0};
}

int cmd_parse(const struct cmd_info *info, int argc, char **argv, void *opts) {
  struct option longopts[CMD_MAX_OPTIONS + 1];
  char shortopts[2 * CMD_MAX_OPTIONS + 2];
  struct cmd_opts *common = opts; /* the struct's first member (options.h) */
  int c;
  *common = common_defaults();
  if (!build_getopt_tables(info, longopts, shortopts)) {
    fprintf(stderr, "tjit %s: error: BUG: too many options\n", info->name);
    return TJ_ERR_INTERNAL;
  }
  optind = 0; /* glibc: start afresh at argv[1] */
  opterr = 0;
  while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
    const struct cmd_option *opt = c == '?' || c == ':' ? NULL : row_of(info, c);
    int status = opt ? opt->parse(info, opt, optarg, (char *)opts + opt->offset)
                     : option_error(info, c, argc, argv);
    if (status >= 0) return status;
  }
  int status = take_operand(info, argc, argv, common);
  return status >= 0 ? status : cmd_output_begin(info, common);
}
