/* Commands of the tjit binary: one file per command, dispatched from the
 * table in tjit.c. Each returns the process exit status. */
#ifndef TJ_CMD_H
#define TJ_CMD_H
#include "tjit.h"

int cmd_trace(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_help(int argc, char **argv);

#endif
