/* Many specs at once (check, run and explain-recompile with SPEC...):
 * the operands expanded into spec paths (a directory walked for *.json),
 * each spec run by the command's own single-spec code in a worker process
 * of its own (--jobs at a time), and the workers' outputs printed in
 * operand order under one summary and one exit status
 * (tjit-check(1), MULTIPLE SPECS). */
#ifndef TJ_CMD_MULTI_H
#define TJ_CMD_MULTI_H
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "common.h"

/* The most --jobs. Here rather than in lib/base/limits.h: cmd/ sees only
 * lib/tjit.h (docs/ARCHITECTURE.md), and workers are the command's
 * business, not the library's. 64 processes is more than any CI runner
 * has CPUs for. */
#define MULTI_MAX_JOBS 64
/* Workers whose output waits to be printed, at most: each holds three
 * open files, so one slow spec among thousands cannot exhaust the
 * descriptors (3 * 64 is well under the usual limit of 1024). */
#define MULTI_MAX_PENDING 64

/* --jobs N, a row binding struct cmd_opts' jobs. */
#define OPT_JOBS                                                                            \
  {.long_name = "jobs", .short_name = 'j', .placeholder = "N",                              \
   .help = "with several specs, run N at once (default 1)", .parse = cmd_parse_integer,     \
   CMD_BIND_COMMON(jobs, CMD_IS_INT(struct cmd_opts, jobs)), .min = 1, .max = MULTI_MAX_JOBS}

/* One spec of the run, and what its worker left. */
struct multi_spec {
  char *path;        /* as given, or the directory operand joined with the name */
  bool walked;       /* found in a directory: skipped (with a note) when no spec */
  pid_t pid;         /* its worker; 0: not started */
  FILE *out, *err;   /* the worker's standard output and error */
  FILE *record;      /* lines the worker leaves for the parent (below) */
  bool done;
  int status;        /* the worker's exit status; 70 for a crash */
  char *record_text; /* the record, read once the worker is done */
  bool skipped;      /* walked, and not a spec */
};

/* What a command hands multi_run. The record a worker writes is lines of
 * text: "skipped REASON" (multi.c's own), "json MEMBERS" (members added
 * to the spec's entry in --format json, each beginning ", "), and any
 * line of the command's own for finish. */
struct multi_command {
  const struct cmd_info *info;
  struct cmd_opts *common;  /* the command's options (its struct begins with it) */
  /* Runs one spec (common->operand, spec->path) in a worker: the
   * command's single-spec code. Returns its exit status. */
  int (*run_one)(struct cmd_opts *common, const struct multi_spec *spec);
  /* NULL, or run in the parent once every spec is done, before the
   * summary: returns the exit status given the one so far. */
  int (*finish)(struct cmd_opts *common, const struct multi_spec *specs, int n, int status);
  bool headers;             /* "==> SPEC <==" before each spec's text output */
};

/* Whether the command line asks for the multi-spec form: two or more
 * operands, or a directory. One plain SPEC keeps the single-spec form. */
bool multi_wanted(const struct cmd_opts *common);
/* A usage error (2) for an option that names one call of one spec,
 * given in the multi-spec form. */
int multi_refuse(const struct cmd_info *info, const char *option, const char *why);
/* In a worker: spec, found in a directory, is skipped (a note on
 * standard error, and its record says so). */
void multi_skip(const struct cmd_info *info, const struct multi_spec *spec, const char *why);
/* Runs the command over every spec of the operands; the exit status:
 * that of the first spec, in operand order, that failed, else 0. */
int multi_run(const struct multi_command *mc);

#endif
