/* tjit explain-recompile --baseline FILE [--update-baseline]: the
 * compilations of each function held to a committed file, for a whole
 * repository of specs at once (tjit-explain-recompile(1), BASELINE).
 * A function's key is "SPEC::FUNCTION": the spec's path as the run names
 * it (multi.h) and the name of the function its calls call. */
#ifndef TJ_CMD_BASELINE_H
#define TJ_CMD_BASELINE_H
#include <stdio.h>

#include "common.h"
#include "multi.h"

struct baseline_opts {
  const char *file;            /* --baseline FILE; NULL: none */
  int update;                  /* --update-baseline: write FILE instead of comparing */
  tj_ctx *ctx;                 /* holds the baseline read (and its diagnostics) */
  const tj_baseline *loaded;   /* read by the parent before any worker starts */
  FILE *record;                /* the worker's record (multi.h) */
};

/* Before the workers: reads FILE (unless --update-baseline), reporting a
 * malformed one at its line and column. Returns -1 to go on, or the exit
 * status (2) after reporting. */
int baseline_prepare(const struct cmd_info *info, const struct cmd_opts *common, struct baseline_opts *b);
/* In a worker, after the spec's report was printed: records the count,
 * and compares it with the baseline (growth or a missing function is an
 * error at the spec's position, exit 3; fewer compilations a note).
 * Returns the spec's exit status given the one so far. */
tj_status baseline_compare(const struct baseline_opts *b, const tj_explain_report *r,
                           const struct cmd_opts *common, tj_status status);
/* In the parent, every spec done: with --update-baseline writes FILE
 * (a temporary file renamed over it) when every spec succeeded. */
int baseline_finish(const struct cmd_info *info, const struct baseline_opts *b,
                    const struct multi_spec *specs, int n, int status);
void baseline_release(struct baseline_opts *b);

#endif
