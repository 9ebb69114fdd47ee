/* Commands of the tjit binary: one file per command, dispatched from the
 * table in tjit.c. Each returns the process exit status. */
#ifndef TJ_CMD_H
#define TJ_CMD_H
#include <stddef.h>

#include "tjit.h"

struct cmd_info;

int cmd_trace(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_emit_c(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_completion(int argc, char **argv);

/* What each command declares about itself: usage, summary and options. */
extern const struct cmd_info cmd_trace_info;
extern const struct cmd_info cmd_check_info;
extern const struct cmd_info cmd_run_info;
extern const struct cmd_info cmd_emit_c_info;
extern const struct cmd_info cmd_export_info;
extern const struct cmd_info cmd_help_info;
extern const struct cmd_info cmd_explain_info;
extern const struct cmd_info cmd_cache_info;
extern const struct cmd_info cmd_graph_info;
extern const struct cmd_info cmd_completion_info;

/* One row of the dispatch table (git's cmd_struct). */
struct cmd_entry {
  const char *name;
  int (*run)(int argc, char **argv);
  const struct cmd_info *info;
};

/* The dispatch table, defined in tjit.c; help.c lists and looks up in it. */
extern const struct cmd_entry tjit_commands[];
extern const size_t tjit_ncommands;

/* The command named name, or NULL. */
const struct cmd_entry *tjit_find_command(const char *name);
/* Writes `tjit --help` to out. */
void tjit_print_main_help(FILE *out);
/* Reports an unknown command with a "did you mean" hint; returns 2. */
int tjit_unknown_command(const char *name);

#endif
