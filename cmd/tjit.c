/* tjit: the command-line front end of libtjit. Dispatches `tjit COMMAND
 * ...` through one table, as git does, and maps statuses to exit codes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common.h"
#include "output.h"

const struct cmd_entry tjit_commands[] = {
    {"trace", cmd_trace, &cmd_trace_info},
    {"graph", cmd_graph, &cmd_graph_info},
    {"check", cmd_check, &cmd_check_info},
    {"emit-c", cmd_emit_c, &cmd_emit_c_info},
    {"export", cmd_export, &cmd_export_info},
    {"run", cmd_run, &cmd_run_info},
    {"help", cmd_help, &cmd_help_info},
    {"explain-recompile", cmd_explain, &cmd_explain_info},
    {"cache", cmd_cache, &cmd_cache_info},
    {"completion", cmd_completion, &cmd_completion_info},
};
const size_t tjit_ncommands = sizeof tjit_commands / sizeof tjit_commands[0];

const struct cmd_entry *tjit_find_command(const char *name) {
  for (size_t i = 0; i < tjit_ncommands; i++)
    if (strcmp(tjit_commands[i].name, name) == 0) return &tjit_commands[i];
  return NULL;
}

void tjit_print_main_help(FILE *out) {
  fputs("usage: tjit [--version] [--help] COMMAND [OPTIONS] SPEC\n\n"
        "Trace functions written in a C-like language into jaxprs, as jax.jit\n"
        "does. SPEC is a JSON file holding the function, its static arguments\n"
        "and example calls; '-' reads it from standard input.\n\n"
        "commands:\n", out);
  for (size_t i = 0; i < tjit_ncommands; i++) /* a long name gets a line of its own */
    fprintf(out, strlen(tjit_commands[i].name) < 10 ? "  %-10s%s\n" : "  %s\n            %s\n",
            tjit_commands[i].name, tjit_commands[i].info->summary);
  fputs("\nRun 'tjit help COMMAND' for the options of one command.\n", out);
}

int tjit_unknown_command(const char *name) {
  const char *names[sizeof tjit_commands / sizeof tjit_commands[0]];
  for (size_t i = 0; i < tjit_ncommands; i++) names[i] = tjit_commands[i].name;
  cmd_put_error_prefix(NULL);
  fprintf(stderr, "unknown command '%s'\n", name);
  cmd_print_suggestion("", name, names, (int)tjit_ncommands);
  return TJ_ERR_USAGE;
}

static int dispatch(int argc, char **argv) {
  const char *name = argc >= 2 ? argv[1] : NULL;
  const struct cmd_entry *entry;
  if (!name) {
    tjit_print_main_help(stderr);
    return TJ_ERR_USAGE;
  }
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
    tjit_print_main_help(stdout);
    return TJ_OK;
  }
  if (strcmp(name, "--version") == 0) { /* tjit's, then the libraries' (tjit(1)) */
    char *libraries = tj_library_versions();
    printf("tjit %s\n%s", tj_version(), libraries);
    free(libraries);
    return TJ_OK;
  }
  if (name[0] == '-') {
    fprintf(stderr, "tjit: error: unknown option '%s'\n"
                    "usage: tjit [--version] [--help] COMMAND [OPTIONS] SPEC\n", name);
    return TJ_ERR_USAGE;
  }
  if (!(entry = tjit_find_command(name))) return tjit_unknown_command(name);
  return entry->run(argc - 1, argv + 1);
}

/* The one check that standard output was written, for every command (a
 * full disk, /dev/full): commands write to it freely and this finds any
 * failure, as coreutils' close_stdout does. A lost output is exit 70,
 * whatever the command's own status (tjit(1)). With -o FILE, stdout is
 * FILE's temporary file, and cmd_output_finish reports its write error
 * or puts it in place. */
static int finish_output(int status) {
  errno = 0;
  bool written = fflush(stdout) == 0 && !ferror(stdout);
  int err = errno;
  if (cmd_output_pending()) return cmd_output_finish(status, written, err);
  if (written) return status;
  if (errno) fprintf(stderr, "tjit: error: write error: %s\n", strerror(errno));
  else fputs("tjit: error: write error\n", stderr); /* an earlier flush failed; its errno is gone */
  return TJ_ERR_INTERNAL;
}

#ifdef TJ_ALLOC_FAULTS
/* The fault-injection build (make check-oom): TJIT_FAIL_ALLOC=k fails the
 * library's k-th large allocation, and the last line on stderr says how
 * many there were, so tests/oom/run knows whether k was reached. */
int main(int argc, char **argv) {
  const char *k = getenv("TJIT_FAIL_ALLOC");
  tj_alloc_fail_at(k ? strtoul(k, NULL, 10) : 0);
  int status = finish_output(dispatch(argc, argv));
  fprintf(stderr, "tjit-alloc-faults: %lu\n", tj_alloc_count());
  return status;
}
#else
int main(int argc, char **argv) { return finish_output(dispatch(argc, argv)); }
#endif
