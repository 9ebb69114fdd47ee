/* Shared command-line machinery: what a command declares about itself,
 * the options several commands share (as rows for options.h's tables),
 * usage errors, reports, and loading the SPEC operand. */
#ifndef TJ_CMD_COMMON_H
#define TJ_CMD_COMMON_H
#include <stdbool.h>
#include <stdio.h>

#include "color.h"
#include "options.h"
#include "tjit.h"

enum cmd_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_GITHUB, FORMAT_SARIF };
/* The words of --format, indexed by enum cmd_format: text and json; and
 * for a CI gate (check, explain-recompile) github and sarif too. */
extern const char *const cmd_format_words[];
extern const char *const cmd_ci_format_words[];

/* The most --arg-npy: one per variable of a listing (its constvars and
 * invars, TJ_MAX_INPUTS each). */
#define CMD_MAX_ARG_NPY 128

/* What every command's options struct begins with (named common; see
 * options.h): the options several commands share, and the operand. A
 * command with no options of its own uses it alone. */
struct cmd_opts {
  tj_trace_opts trace;       /* --call, --args, --autograph/--no-autograph */
  const char *call_text;     /* --call as written, for messages; NULL: none */
  enum cmd_format format;    /* --format */
  int confine;               /* --confine, or $TJIT_CONFINE set (not empty or 0) */
  int color;                 /* --color: enum cmd_color_when (color.h) */
  const char *operand;       /* the SPEC (or ACTION, COMMAND) operand; NULL: none */
  const char *output;        /* -o FILE (output.h); NULL or "-": standard output */
  char **operands;           /* every operand, for a command that takes SPEC... */
  int noperands;
  int jobs;                  /* --jobs (multi.h); 0: not given */
  int jaxpr;                 /* --jaxpr: SPEC is a jaxpr listing (as a path ending in .jaxpr is) */
  const char *arg_npy[CMD_MAX_ARG_NPY]; /* --arg-npy NAME=FILE each (trace.arg_npy points here) */
};

/* --call N: trace.call, and call_text (the whole struct cmd_opts is its field). */
cmd_option_parser cmd_parse_call;

/* Rows of the options several commands share; _HELP: worded for the command. */
#define OPT_CALL_HELP(HELP)                                                                 \
  {.long_name = "call", .placeholder = "N", .help = HELP, .parse = cmd_parse_call,        \
   .offset = 0, .size = sizeof(struct cmd_opts), .min = 0, .max = INT_MAX,                  \
   .expected = "a non-negative integer"}
#define OPT_CALL OPT_CALL_HELP("trace calls[N] (default: \"args\", else calls[0])")
#define OPT_ARGS_HELP(HELP)                                                                 \
  {.long_name = "args", .placeholder = "JSON", .help = HELP, .parse = cmd_take_string,    \
   CMD_BIND_COMMON(trace.args_json, CMD_IS_STRING(struct cmd_opts, trace.args_json))}
#define OPT_ARGS OPT_ARGS_HELP("trace with these arguments (a JSON array or object)")
#define OPT_FORMAT_WITH(HELP, WORDS)                                                        \
  {.long_name = "format", .placeholder = "FMT", .help = HELP, .parse = cmd_parse_choice,  \
   CMD_BIND_COMMON(format, CMD_IS_INT(struct cmd_opts, format)), .words = WORDS}
#define OPT_FORMAT OPT_FORMAT_WITH("output format: text (default) or json", cmd_format_words)
#define OPT_FORMAT_GITHUB                                                                   \
  OPT_FORMAT_WITH("output format: text (default), json, github or sarif", cmd_ci_format_words)
#define OPT_AUTOGRAPH_ROW(L, HELP, ON)                                                      \
  {.long_name = L, .help = HELP, .parse = cmd_set_int,                                      \
   CMD_BIND_COMMON(trace.autograph, CMD_IS_INT(struct cmd_opts, trace.autograph)),          \
   .value = ON}
#define OPT_AUTOGRAPH                                                                       \
  OPT_AUTOGRAPH_ROW("autograph", "turn traced if/while/?: into cond/while/select_n", 1)
#define OPT_NO_AUTOGRAPH                                                                    \
  OPT_AUTOGRAPH_ROW("no-autograph", "trace Python-style even if the spec enables autograph", 0)
#define OPT_CONFINE                                                                         \
  {.long_name = "confine", .help = "read the spec's files only beneath its directory",      \
   .parse = cmd_set_int, CMD_BIND_COMMON(confine, CMD_IS_INT(struct cmd_opts, confine)),   \
   .value = 1}
/* A jaxpr listing's options (tjit-trace(1), LISTINGS): --jaxpr; --arg-npy
 * NAME=FILE, repeatable (the whole struct cmd_opts is its field); and
 * --fill-random SEED for the commands whose own options lack it (run's
 * fills tj_run_opts.fill_random, which a listing's run uses too). */
cmd_option_parser cmd_parse_arg_npy;
/* A seed, 0 or more, read by strtoll (" 5" and "+5" are 5), into a long long. */
cmd_option_parser cmd_parse_seed;
#define OPT_JAXPR                                                                           \
  {.long_name = "jaxpr", .help = "read SPEC as a jaxpr listing (as a path ending in .jaxpr is)", \
   .parse = cmd_set_int, CMD_BIND_COMMON(jaxpr, CMD_IS_INT(struct cmd_opts, jaxpr)), .value = 1}
#define OPT_ARG_NPY                                                                         \
  {.long_name = "arg-npy", .placeholder = "NAME=FILE",                                      \
   .help = "give a listing's variable NAME the array in FILE (.npy; repeatable)",          \
   .parse = cmd_parse_arg_npy, .offset = 0, .size = sizeof(struct cmd_opts)}
#define OPT_FILL_RANDOM_HELP(HELP)                                                          \
  {.long_name = "fill-random", .placeholder = "SEED", .help = HELP, .parse = cmd_parse_seed, \
   CMD_BIND_COMMON(trace.fill_random, CMD_IS_INT(struct cmd_opts, trace.fill_random))}

/* --color=WHEN, every command's: colours on a terminal (color.h); in
 * force from where it stands, so a usage error after it is coloured too. */
cmd_option_parser cmd_parse_color;
#define OPT_COLOR                                                                           \
  {.long_name = "color", .placeholder = "WHEN",                                             \
   .help = "colour diagnostics and reports: auto (default), always or never",              \
   .parse = cmd_parse_color, CMD_BIND_COMMON(color, CMD_IS_INT(struct cmd_opts, color)),    \
   .words = cmd_color_words}
/* --dump-after PASS: trace.dump_after, and trace.dump writing the
 * listing after that pass to stderr (the whole struct cmd_opts is its
 * field). A developer's option of the commands that run the passes. */
cmd_option_parser cmd_parse_dump_after;
#define OPT_DUMP_AFTER                                                                      \
  {.long_name = "dump-after", .placeholder = "PASS",                                        \
   .help = "print the jaxpr to stderr after pass PASS (a developer's view)",                \
   .parse = cmd_parse_dump_after, .offset = 0, .size = sizeof(struct cmd_opts)}
/* -o FILE: the printed result into FILE, replaced whole once the command
 * is done (output.h). */
#define OPT_OUTPUT_HELP(HELP)                                                               \
  {.long_name = "output", .short_name = 'o', .placeholder = "FILE", .help = HELP,           \
   .parse = cmd_take_string, CMD_BIND_COMMON(output, CMD_IS_STRING(struct cmd_opts, output))}
#define OPT_OUTPUT OPT_OUTPUT_HELP("write the result to FILE ('-': stdout)")

/* What a command declares about itself. */
struct cmd_info {
  const char *name;          /* "trace" */
  const char *summary;       /* one line for `tjit --help` */
  const char *usage;         /* "tjit trace [OPTIONS] SPEC" */
  const char *description;   /* paragraph for `tjit help trace` */
  const char *operand;       /* "SPEC": exactly one; NULL: none */
  bool operand_optional;
  const char *const *operand_words; /* what the operand may be (NULL-terminated), for
                                       completion (completion.c); NULL: SPEC a file */
  bool operand_many;         /* one or more (SPEC...: multi.h) */
  const struct cmd_option *options;
  int noptions;
};

/* Parses argv (argv[0] is the command name) by info's option table into
 * opts, the command's options struct: its struct cmd_opts is set to the
 * defaults first; the rest keeps what the caller put there. Returns -1 to
 * go on, or the exit status to return at once: 0 after printing --help, 2
 * after a usage error. */
int cmd_parse(const struct cmd_info *info, int argc, char **argv, void *opts);

/* Writes the help of a command (`tjit help CMD` and `tjit CMD --help`). */
void cmd_print_help(const struct cmd_info *info, FILE *out);

/* Prints `tjit CMD: error: MESSAGE` and the usage line to stderr; returns 2.
 * For errors in the command line itself, whose --format is not known yet. */
int cmd_usage_error(const struct cmd_info *info, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A usage error found once the command line is parsed: on stderr as
 * cmd_usage_error prints it, and in opts->format on stdout as
 * cmd_fail_output does (kind "usage"); returns 2. */
int cmd_usage_failure(const struct cmd_info *info, const struct cmd_opts *opts, tj_ctx *ctx,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Loads the SPEC operand ("-": standard input) into ctx and checks --call
 * against its calls. Returns TJ_OK, or the exit status with the error
 * already reported (cmd_report or cmd_usage_failure). */
tj_status cmd_load_spec(tj_ctx *ctx, const struct cmd_info *info,
                        const struct cmd_opts *opts, tj_spec **out);

/* When status is a failure: prints the library's diagnostics to stderr
 * as text (in every format: gcc's shape, for people and editors), then
 * puts the failure on stdout in opts->format (cmd_fail_output); returns
 * status. */
tj_status cmd_report(const struct cmd_info *info, const struct cmd_opts *opts, tj_ctx *ctx,
                     tj_status status);
/* The text half alone: the diagnostics on stderr, or that status failed
 * without any (then added to ctx as an error, for the machine forms). */
void cmd_print_diagnostics(const struct cmd_info *info, tj_ctx *ctx, tj_status status);
/* The machine half alone: --format json writes the document
 * {"version": 1, "error": ERROR} (ERROR from tj_diagnostics_json),
 * --format github the ::error commands, --format sarif a SARIF log of
 * them (cmd_put_sarif), text nothing. */
void cmd_fail_output(const struct cmd_opts *opts, const tj_ctx *ctx);
/* ERROR of tj_diagnostics_json, for a command that puts it in a document
 * of its own. */
void cmd_put_json_error(const tj_ctx *ctx, FILE *out);
/* s as a JSON string, quotes and escapes (a path, a reason: not a
 * library document). */
void cmd_put_json_string(FILE *out, const char *s);
/* A SARIF 2.1.0 log of ctx's errors and warnings (none: a log without
 * results) on stdout; those without a location point at the SPEC operand
 * (opts->operand, unless it is "-"). */
void cmd_put_sarif(const struct cmd_opts *opts, const tj_ctx *ctx);

/* The whole of a command over one spec with the common options alone
 * (check, emit-c, trace): argv parsed, a context made, the spec loaded,
 * then run on it; the exit status. */
int cmd_main_with_spec(const struct cmd_info *info, int argc, char **argv,
                       tj_status (*run)(tj_ctx *ctx, tj_spec *spec, const struct cmd_opts *opts));
/* Its second half, on a command line already parsed. */
int cmd_run_on_spec(const struct cmd_info *info, const struct cmd_opts *opts,
                    tj_status (*run)(tj_ctx *ctx, tj_spec *spec, const struct cmd_opts *opts));

/* Creates a context, or prints why not; NULL on failure. */
tj_ctx *cmd_new_ctx(const struct cmd_info *info);

/* Writes text and a newline to stdout (a write error is found once, by
 * tjit_finish_output). text NULL (the library could not format its
 * result) is an internal error. */
tj_status cmd_print_result(const struct cmd_info *info, const char *text);

/* Words longer than this get no "did you mean" (keeps the table small). */
#define CMD_SUGGEST_MAX_LEN 64

/* The words among candidates[0..n) closest to word, for "did you mean";
 * fills picks and returns how many (0: none close enough). */
int cmd_suggest(const char *word, const char *const *candidates, int n,
                const char **picks, int max_picks);

/* Prints `hint: did you mean 'a'?` (or "'a' or 'b'") to stderr, if any. */
void cmd_print_suggestion(const char *prefix, const char *word,
                          const char *const *candidates, int n);

#endif
