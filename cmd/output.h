/* -o FILE, --output FILE, the shared row OPT_OUTPUT (common.h): where a
 * command's printed result goes. cmd_parse calls cmd_output_begin once
 * the command line is read; tjit.c's finish_output calls
 * cmd_output_finish once the command is done (tjit(1), OUTPUT FILE). */
#ifndef TJ_CMD_OUTPUT_H
#define TJ_CMD_OUTPUT_H
#include <stdbool.h>

struct cmd_info;
struct cmd_opts;

/* With opts->output naming a FILE (not '-'), sends standard output to a
 * new temporary file beside it (or to FILE itself when FILE exists and is
 * not a regular file, such as /dev/null), and removes that temporary file
 * on SIGINT, SIGTERM or SIGHUP. Returns -1 to go on, or 2 after
 * printing "tjit CMD: error: cannot write 'FILE': REASON" (a directory
 * that does not exist or cannot be written, FILE a directory). */
int cmd_output_begin(const struct cmd_info *info, const struct cmd_opts *opts);

/* Says that what the command printed is its whole result although it
 * fails: a report whose verdict is the failure (explain-recompile over
 * --max-compiles, run --grad-check with a FAIL). */
void cmd_output_whole(void);

/* Whether -o FILE sent standard output to a file (cmd_output_begin). */
bool cmd_output_pending(void);

/* Ends the command's output, when pending; written: whether standard output was
 * flushed without error (err: errno then). A write error removes the temporary file and is exit
 * 70 ("cannot write 'FILE': REASON"); else FILE is replaced by the
 * temporary file when the command succeeded, when --format is a machine
 * form and it printed the failure's document, or after cmd_output_whole,
 * and left as it was otherwise (absent, or its old contents). Returns the
 * exit status. */
int cmd_output_finish(int status, bool written, int err);

#endif
