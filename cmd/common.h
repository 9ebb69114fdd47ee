/* Shared command-line machinery: options declared as data (one table per
 * command feeds both getopt_long and the --help text), the common options,
 * usage errors, and loading the SPEC operand. */
#ifndef TJ_CMD_COMMON_H
#define TJ_CMD_COMMON_H
#include <stdbool.h>
#include <stdio.h>

#include "tjit.h"

/* What an option does; options with a short form use that letter. */
enum cmd_option_id {
  OPT_HELP = 'h',
  OPT_OUTPUT = 'o',
  OPT_CALL = 256,
  OPT_ARGS,
  OPT_FORMAT,
  OPT_AUTOGRAPH,
  OPT_NO_AUTOGRAPH,
  OPT_OUT_DIR,
  OPT_REFERENCE,
  OPT_CHECK,
  OPT_TIME,
  OPT_FILL_RANDOM,
  OPT_WHAT_IF,
  OPT_MAX_COMPILES,
  OPT_FORMAT_CI,        /* --format that also accepts github */
  OPT_REPEAT,
  OPT_NO_CACHE,
  OPT_GRAPH_DOT,        /* graph: --dot --svg --png --pdf, in tj_graph_format order */
  OPT_GRAPH_SVG,
  OPT_GRAPH_PNG,
  OPT_GRAPH_PDF,
  OPT_FORMAT_GRAPH,     /* graph: --format dot|svg|png|pdf */
  OPT_RANKDIR,
  OPT_FUSED,
  OPT_MAX_MEMORY,
  OPT_MAX_WORK,
  OPT_CONFINE,
};

/* One row of a command's option table. */
struct cmd_option {
  const char *long_name;
  char short_name;        /* 0: none */
  const char *arg;        /* placeholder shown in help; NULL: takes no value */
  const char *help;
  enum cmd_option_id id;
};

/* Rows for the common options, to put in commands' tables. */
#define OPTION_CALL \
  {"call", 0, "N", "trace calls[N] (default: \"args\", else calls[0])", OPT_CALL}
#define OPTION_ARGS \
  {"args", 0, "JSON", "trace with these arguments (a JSON array or object)", OPT_ARGS}
#define OPTION_FORMAT \
  {"format", 0, "FMT", "output format: text (default) or json", OPT_FORMAT}
#define OPTION_AUTOGRAPH \
  {"autograph", 0, NULL, "turn traced if/while/?: into cond/while/select_n", OPT_AUTOGRAPH}
#define OPTION_NO_AUTOGRAPH \
  {"no-autograph", 0, NULL, "trace Python-style even if the spec enables autograph", \
   OPT_NO_AUTOGRAPH}
#define OPTION_OUTPUT \
  {"output", 'o', "FILE", "write the result to FILE instead of standard output", OPT_OUTPUT}
#define OPTION_CONFINE \
  {"confine", 0, NULL, "read the spec's files only beneath its directory", \
   OPT_CONFINE}
#define OPTION_HELP {"help", 'h', NULL, "show this help", OPT_HELP}

/* What a command declares about itself. */
struct cmd_info {
  const char *name;          /* "trace" */
  const char *summary;       /* one line for `tjit --help` */
  const char *usage;         /* "tjit trace [OPTIONS] SPEC" */
  const char *description;   /* paragraph for `tjit help trace` */
  const char *operand;       /* "SPEC": exactly one; NULL: none */
  bool operand_optional;
  const struct cmd_option *options;
  int noptions;
};

enum cmd_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_GITHUB };

/* --what-if options one command line may give. */
#define CMD_MAX_WHAT_IF 64

/* The parsed command line of one command. */
#define CMD_MAX_REPEAT 1000

struct cmd_opts {
  tj_trace_opts trace;       /* --call, --args, --autograph/--no-autograph */
  const char *call_text;     /* --call as written, for messages; NULL: none */
  enum cmd_format format;
  const char *output;        /* -o FILE; NULL: standard output */
  const char *out_dir;       /* --out DIR; NULL: none */
  bool reference;            /* --reference */
  bool check;                /* --check */
  bool time;                 /* --time */
  bool no_cache;             /* --no-cache */
  long long fill_random;     /* --fill-random SEED; -1: none */
  const char *operand;       /* the SPEC (or COMMAND) operand; NULL: none */
  const char *what_if[CMD_MAX_WHAT_IF]; /* --what-if NAME=VALUE, in order */
  int nwhat_if;
  bool max_compiles_set;     /* --max-compiles N */
  int max_compiles;
  int repeat;                /* --repeat N; 0: not given */
  long long max_memory;      /* --max-memory SIZE, in bytes; 0: not given */
  long long max_work;        /* --max-work N, in elements; 0: not given */
  tj_graph_format graph_format; /* graph: --dot (default), --svg, --png, --pdf */
  bool graph_format_given;   /* graph: one of them (or --format) was given */
  bool left_to_right;        /* graph: --rankdir LR */
  bool fused;                /* graph: --fused */
  bool confine;              /* --confine, or $TJIT_CONFINE set (not empty or 0) */
};

/* Parses argv (argv[0] is the command name). Returns -1 to go on, or the
 * exit status to return at once: 0 after printing --help, 2 after a usage
 * error. */
int cmd_parse(const struct cmd_info *info, int argc, char **argv,
              struct cmd_opts *out);

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
 * {"error": ERROR} (ERROR from tj_diagnostics_json), --format github the
 * ::error commands, text nothing. */
void cmd_fail_output(const struct cmd_opts *opts, const tj_ctx *ctx);
/* ERROR of tj_diagnostics_json, for a command that puts it in a document
 * of its own. */
void cmd_put_json_error(const tj_ctx *ctx, FILE *out);

/* Creates a context, or prints why not; NULL on failure. */
tj_ctx *cmd_new_ctx(const struct cmd_info *info);

/* Writes text and a newline to stdout (a write error is found once, by
 * tjit_finish_output). text NULL (the library could not format its
 * result) is an internal error. */
tj_status cmd_print_result(const struct cmd_info *info, const char *text);


/* The words among candidates[0..n) closest to word, for "did you mean";
 * fills picks and returns how many (0: none close enough). */
int cmd_suggest(const char *word, const char *const *candidates, int n,
                const char **picks, int max_picks);

/* Prints `hint: did you mean 'a'?` (or "'a' or 'b'") to stderr, if any. */
void cmd_print_suggestion(const char *prefix, const char *word,
                          const char *const *candidates, int n);

#endif
