/* tjit help [COMMAND]: the same text as `tjit --help` / `tjit COMMAND --help`. */
#include "cmd.h"
#include "common.h"

static const struct cmd_option help_options[] = {
    OPT_COLOR, OPT_HELP,
};

const struct cmd_info cmd_help_info = {
    .name = "help",
    .summary = "show help for tjit or one of its commands",
    .usage = "tjit help [COMMAND]",
    .description =
        "Without COMMAND, list the commands; with it, show that command's usage\n"
        "and options (the same text as 'tjit COMMAND --help').",
    .operand = "COMMAND",
    .operand_optional = true,
    .options = help_options,
    .noptions = (int)(sizeof help_options / sizeof help_options[0]),
};

int cmd_help(int argc, char **argv) {
  struct cmd_opts opts;
  const struct cmd_entry *entry;
  int status = cmd_parse(&cmd_help_info, argc, argv, &opts);
  if (status >= 0) return status;
  if (!opts.operand) {
    tjit_print_main_help(stdout);
    return TJ_OK;
  }
  if (!(entry = tjit_find_command(opts.operand)))
    return tjit_unknown_command(opts.operand);
  cmd_print_help(entry->info, stdout);
  return TJ_OK;
}
