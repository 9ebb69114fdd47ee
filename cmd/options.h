/* Options as data, in the style of git's parse-options.h: a command's
 * table has one row per option, naming it (long and short name, the
 * value's placeholder, the help line) and binding it to a field of the
 * command's options struct with the parser that fills that field. The
 * same rows feed getopt_long, the --help text and the "did you mean"
 * hints, so adding an option is one row and its field.
 *
 * A command's options struct begins with its struct cmd_opts (common.h),
 * named common: cmd_parse hands every row the same base, and the rows of
 * the options several commands share (common.h: OPT_CALL, OPT_FORMAT ...)
 * bind fields of struct cmd_opts. */
#ifndef TJ_CMD_OPTIONS_H
#define TJ_CMD_OPTIONS_H
#include <limits.h>
#include <stddef.h>

struct cmd_info;
struct cmd_option;

/* Fills the field an option is bound to from its value (NULL for an
 * option that takes none). Returns -1 to go on, or the exit status to
 * return at once: 2 after printing a usage error, 0 after --help. */
typedef int cmd_option_parser(const struct cmd_info *info, const struct cmd_option *opt,
                              const char *arg, void *field);

/* One row of a command's option table. */
struct cmd_option {
  const char *long_name;
  char short_name;          /* 0: none */
  const char *placeholder;  /* the value's name in --help; NULL: takes no value */
  const char *help;
  cmd_option_parser *parse;
  size_t offset, size;      /* the field, in the command's options struct */
  long long value;          /* cmd_set_int: the value stored */
  long long min, max;       /* cmd_parse_integer: the values accepted */
  const char *expected;     /* cmd_parse_integer: what its error says is expected;
                               NULL: "MIN to MAX" */
  const char *const *words; /* cmd_parse_choice: the words (NULL-terminated); the field
                               gets the index of the one given */
};

/* The parsers a row can name. The integer ones store into an int or a
 * long long (or an enum or a long of either size), as opt->size says. */
cmd_option_parser cmd_show_help;     /* prints the command's help: exit 0 */
cmd_option_parser cmd_set_int;       /* stores opt->value */
cmd_option_parser cmd_take_string;   /* stores the value itself (a const char *) */
cmd_option_parser cmd_parse_integer; /* a plain decimal within [opt->min, opt->max] */
cmd_option_parser cmd_parse_choice;  /* one of opt->words */

/* For parsers of the commands' own: what cmd_parse_integer and
 * cmd_parse_choice read, without storing it. Each returns -1, or 2 after
 * printing the usage error ("invalid --OPT 'VALUE' (expected ...)"). */
int cmd_read_integer(const struct cmd_info *info, const struct cmd_option *opt,
                     const char *arg, long long *out);
int cmd_read_choice(const struct cmd_info *info, const struct cmd_option *opt,
                    const char *arg, int *index);

/* A compile-time check, usable in an initializer: 0, or an error (an
 * array of negative size). offsetof takes a field's type away; these put
 * back the checks a pointer to it would have had. */
#define CMD_ASSERT(ok) (0 * sizeof(char[(ok) ? 1 : -1]))
/* F is an integer (% rejects anything else) of a size cmd_set_int and
 * cmd_parse_integer store. */
#define CMD_IS_INT(T, F)                                                                    \
  (sizeof(((T *)0)->F % 1) &&                                                               \
   (sizeof(((T *)0)->F) == sizeof(int) || sizeof(((T *)0)->F) == sizeof(long long)))
/* F is a const char * (-Werror refuses comparing distinct pointer types). */
#define CMD_IS_STRING(T, F) sizeof(&((T *)0)->F == (const char **)0)

/* Binds a row to field F of T, with ok checking F's type. */
#define CMD_BIND_IN(T, F, ok) .offset = offsetof(T, F) + CMD_ASSERT(ok), .size = sizeof(((T *)0)->F)
/* ... of a command's own options struct, which must begin with common. */
#define CMD_BIND(T, F, ok) CMD_BIND_IN(T, F, (ok) && offsetof(T, common) == 0)
/* ... of the struct cmd_opts every command's options struct begins with. */
#define CMD_BIND_COMMON(F, ok) CMD_BIND_IN(struct cmd_opts, F, ok)

/* Rows of a command's own options: L the long name, PH the placeholder,
 * HELP the help line, field F of the command's options struct T. */
#define OPT_SET_INT(L, HELP, T, F, V)                                                       \
  {.long_name = L, .help = HELP, .parse = cmd_set_int, CMD_BIND(T, F, CMD_IS_INT(T, F)), .value = V}
#define OPT_FLAG(L, HELP, T, F) OPT_SET_INT(L, HELP, T, F, 1)
#define OPT_STRING(L, PH, HELP, T, F)                                                       \
  {.long_name = L, .placeholder = PH, .help = HELP, .parse = cmd_take_string,             \
   CMD_BIND(T, F, CMD_IS_STRING(T, F))}
/* EXPECTED: the error's "(expected ...)"; NULL: "MIN to MAX". MAX must
 * fit in F. */
#define OPT_INTEGER(L, PH, HELP, T, F, MIN, MAX, EXPECTED)                                  \
  {.long_name = L, .placeholder = PH, .help = HELP, .parse = cmd_parse_integer,           \
   CMD_BIND(T, F, CMD_IS_INT(T, F) && ((MAX) <= INT_MAX || sizeof(((T *)0)->F) > sizeof(int))), \
   .min = MIN, .max = MAX, .expected = EXPECTED}
#define OPT_CHOICE(L, PH, HELP, T, F, WORDS)                                                \
  {.long_name = L, .placeholder = PH, .help = HELP, .parse = cmd_parse_choice,            \
   CMD_BIND(T, F, CMD_IS_INT(T, F)), .words = WORDS}
/* A parser of the command's own, given field F whatever its type; PH NULL
 * for an option without a value. */
#define OPT_CALLBACK(L, PH, HELP, T, F, PARSE)                                              \
  {.long_name = L, .placeholder = PH, .help = HELP, .parse = PARSE, CMD_BIND(T, F, 1)}

/* --help, -h: every command has it. */
#define OPT_HELP                                                                            \
  {.long_name = "help", .short_name = 'h', .help = "show this help", .parse = cmd_show_help}

#endif
