/* tjit run SPEC: run calls of the spec's function, compiled with libtcc
 * (or evaluated with --reference), and print the results. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common.h"
#include "output.h"
#include "progress.h"
#include "multi.h"

/* The most --repeat runs of one call: enough for a stable median. */
#define MAX_REPEAT 1000
/* The most --threads (and $TJIT_THREADS). */
#define MAX_THREADS 256

/* tjit run's command line: the shared options, then its own. */
struct run_cmdline {
  struct cmd_opts common;
  tj_run_opts run;     /* --reference --check --fill-random --repeat --max-memory --max-work */
  const char *out_dir; /* --out DIR; NULL: none */
  int time;            /* --time */
  int no_cache;        /* --no-cache */
  int grad_check;      /* --grad-check */
};

static cmd_option_parser parse_memory_size;

static const struct cmd_option run_options[] = {
    OPT_CALL_HELP("run calls[N] only (default: every call, else \"args\")"),
    OPT_ARGS_HELP("run with these arguments (a JSON array or object)"),
    OPT_FORMAT, OPT_OUTPUT,
    OPT_STRING("out", "DIR", "also write each result to DIR/call<N>_out<K>.npy", struct run_cmdline, out_dir),
    OPT_CALLBACK("fill-random", "SEED", "give arguments that have only a dtype and shape random values",
                 struct run_cmdline, run.fill_random, cmd_parse_seed),
    OPT_FLAG("check", "also run the reference evaluator; a mismatch fails (exit 1)", struct run_cmdline, run.check),
    OPT_FLAG("time", "print each call's trace, compile and run times to stderr", struct run_cmdline, time),
    OPT_INTEGER("repeat", "N", "run the compiled code N times; --time shows the median run", struct run_cmdline,
                run.repeat, 1, MAX_REPEAT, NULL),
    OPT_CALLBACK("max-memory", "SIZE", "refuse a run estimated to need more (e.g. 4G; default 3/4 of RAM)",
                 struct run_cmdline, run.max_memory, parse_memory_size),
    OPT_INTEGER("max-work", "N", "stop a run after N elements of work (default 10000000000)", struct run_cmdline,
                run.max_work, 1, LLONG_MAX, "a number of elements, 1 or more"),
    OPT_INTEGER("threads", "N", "threads for large loops (default $TJIT_THREADS, else the online CPUs)",
                struct run_cmdline, run.threads, 1, MAX_THREADS, NULL),
    OPT_FLAG("reference", "run the reference evaluator instead of compiled code", struct run_cmdline, run.reference),
    OPT_FLAG("grad-check", "check each call's gradient: vjp against jvp and finite differences",
             struct run_cmdline, grad_check),
    OPT_FLAG("no-cache", "neither read nor write the disk cache of compiled calls", struct run_cmdline, no_cache),
    OPT_JOBS, OPT_JAXPR, OPT_ARG_NPY, OPT_AUTOGRAPH, OPT_NO_AUTOGRAPH, OPT_CONFINE, OPT_DUMP_AFTER, OPT_COLOR, OPT_HELP,
};

const struct cmd_info cmd_run_info = {
    .name = "run",
    .summary = "run calls of the function and print the results",
    .usage = "tjit run [OPTIONS] SPEC...",
    .description =
        "Trace the spec's function for each call, generate C, compile it in\n"
        "memory with libtcc and run it on the call's arguments, printing the\n"
        "results as JAX prints them. By default every entry of \"calls\" runs\n"
        "(else \"args\"); --call and --args choose one. Calls whose generated\n"
        "code is the same share one compilation. Compiled calls are kept in\n"
        "a disk cache ($TJIT_CACHE_DIR, else $XDG_CACHE_HOME/tjit, else\n"
        "~/.cache/tjit; see tjit cache), so a later run of the same call\n"
        "skips tracing and compiling. With --grad-check no result is printed:\n"
        "each call's gradient is checked instead, w.J.v for a random direction\n"
        "v and random cotangents w by reverse mode, forward mode and central\n"
        "differences in float64 and by the compiled reverse mode (exit 1 on a\n"
        "FAIL; see tjit-run(1), GRADIENT CHECK). Several specs, or a directory\n"
        "(its *.json specs), run one after the other, each under a header.",
    .operand = "SPEC",
    .operand_many = true,
    .options = run_options,
    .noptions = (int)(sizeof run_options / sizeof run_options[0]),
};

/* --max-memory SIZE: a whole number of bytes, or of KiB, MiB, GiB or TiB
 * with the suffix K, M, G or T; more than 0. */
static bool parse_size(const char *text, long long *out) {
  static const char units[] = "KMGT";
  char *end;
  if (*text < '0' || *text > '9') return false;
  errno = 0;
  long long n = strtoll(text, &end, 10);
  const char *unit = *end ? strchr(units, *end) : NULL;
  if (errno || n <= 0 || (*end && (!unit || end[1]))) return false;
  for (const char *u = units; unit && u <= unit; u++) {
    if (n > LLONG_MAX / 1024) return false;
    n *= 1024;
  }
  *out = n;
  return true;
}

static int parse_memory_size(const struct cmd_info *info, const struct cmd_option *opt, const char *arg,
                             void *field) {
  if (!parse_size(arg, field))
    return cmd_usage_error(info, "invalid --%s '%s' (expected bytes, or a number with K, M, G or T)",
                           opt->long_name, arg);
  return -1;
}

/* Whether the structure is what the outputs alone show: None for none,
 * one array, or a flat tuple of two or more. */
static bool plain_tree(const char *tree, size_t n) {
  if (n == 0) return strcmp(tree, "None") == 0;
  if (n == 1) return strcmp(tree, "*") == 0;
  if (tree[0] != '(' || strlen(tree) != 3 * n) return false; /* "(*, *)" */
  for (size_t k = 0; k < n; k++)
    if (tree[3 * k + 1] != '*' || tree[3 * k + 2] != (k + 1 == n ? ')' : ',')) return false;
  return true;
}

/* The structure with each "*" outside a dict key's quotes replaced by the
 * next output's text (tjit-run(1)). */
static void put_tree(const tj_result *r, const char *tree, FILE *out) {
  size_t k = 0;
  char quote = 0;
  for (const char *p = tree; *p; p++) {
    if (quote) {
      fputc(*p, out);
      if (*p == '\\' && p[1]) fputc(*++p, out);
      else if (*p == quote) quote = 0;
    } else if (*p == '\'' || *p == '"') {
      fputc(quote = *p, out);
    } else if (*p == '*') {
      char *s = tj_result_text(r, k++);
      fputs(s ? s : "?", out);
      free(s);
    } else {
      fputc(*p, out);
    }
  }
}

/* Prints one call's outputs (text) or appends its JSON object. */
static void show_call(const tj_result *r, const char *label, bool json, bool first, FILE *out) {
  size_t n = tj_result_count(r);
  const char *tree = tj_result_tree(r);
  bool args = strcmp(label, "\"args\"") == 0;
  if (!json) {
    fprintf(out, "%s%s: ", args ? "" : "call ", args ? "args" : label);
    put_tree(r, tree, out);
    fputc('\n', out);
    return;
  }
  fprintf(out, "%s{\"call\": %s, \"outputs\": [", first ? "" : ", ", label);
  for (size_t k = 0; k < n; k++) {
    char *s = tj_result_json(r, k);
    fprintf(out, "%s%s", k ? ", " : "", s ? s : "null");
    free(s);
  }
  fputc(']', out);
  if (!plain_tree(tree, n)) { /* the outputs are its leaves; keys and markers are plain ASCII or escaped */
    fputs(", \"tree\": \"", out);
    for (const char *p = tree; *p; p++) fprintf(out, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
    fputc('"', out);
  }
  fputc('}', out);
}

static tj_status write_outputs(tj_ctx *ctx, const tj_result *r, const char *dir, int call) {
  for (size_t k = 0; k < tj_result_count(r); k++) {
    char path[4096];
    int len = call < 0 ? snprintf(path, sizeof path, "%s/args_out%zu.npy", dir, k)
                       : snprintf(path, sizeof path, "%s/call%d_out%zu.npy", dir, call, k);
    if (len < 0 || (size_t)len >= sizeof path) {
      tj_add_error(ctx, TJ_ERR_USAGE, "--out: the directory's name is too long");
      return TJ_ERR_USAGE;
    }
    tj_status st = tj_result_write_npy(ctx, r, k, path);
    if (st != TJ_OK) return st;
  }
  return TJ_OK;
}

static void show_times(const tj_times *t, int call, bool reference) {
  char label[32];
  snprintf(label, sizeof label, call < 0 ? "args" : "call %d", call);
  if (reference) {
    fprintf(stderr, "time: %s: trace %.3f ms, evaluate %.3f ms\n", label, t->trace_ms, t->run_ms);
    return;
  }
  fprintf(stderr, "time: %s: ", label);
  if (t->traced) fprintf(stderr, "trace %.3f ms, ", t->trace_ms);
  if (t->cache_hit) /* the trace (unless --check) and codegen were skipped */
    fprintf(stderr, "%s %.3f ms%s, ", t->disk_hit ? "disk cache hit" : "cache hit", t->cache_ms,
            t->reused ? " (reused)" : "");
  else
    fprintf(stderr, "codegen %.3f ms, compile %.3f ms%s, ", t->codegen_ms, t->compile_ms, t->reused ? " (reused)" : "");
  if (t->blas_ms > 0) fprintf(stderr, "load OpenBLAS %.3f ms, ", t->blas_ms);
  fprintf(stderr, "run %.3f ms", t->run_ms);
  if (t->threads > 1) fprintf(stderr, " on %d threads", t->threads);
  if (t->check_ms > 0) fprintf(stderr, ", check %.3f ms", t->check_ms);
  fputc('\n', stderr);
}

/* The disk cache for this run, or NULL (--no-cache, --reference, or it
 * cannot be used: then a warning, and the run goes on uncached). */
static tj_cache *open_cache(const struct run_cmdline *opts) {
  /* a hit skips the trace and the passes: --dump-after would show nothing */
  if (opts->no_cache || opts->run.reference || opts->common.trace.dump_after) return NULL;
  tj_ctx *why = tj_ctx_new(); /* of its own: the reason is a warning, not the run's error */
  tj_cache *c = tj_cache_open(why, NULL);
  tj_diagnostic d;
  if (!c && tj_diagnostic_get(why, 0, &d)) {
    cmd_put_prefix("run", "warning");
    fprintf(stderr, "%s; running without the disk cache\n", d.message);
  }
  tj_ctx_free(why);
  return c;
}

static void show_cache_warning(tj_cache *cache) {
  const char *w = tj_cache_warning(cache);
  if (!w) return;
  cmd_put_prefix("run", "warning");
  fprintf(stderr, "%s\n", w);
}

/* A failed call: its diagnostics on stderr, and with --format json the end
 * of the document: "failed_call" (its label) and "error". */
static tj_status call_failed(tj_ctx *ctx, const struct cmd_opts *opts, const char *label, tj_status st) {
  cmd_print_diagnostics(&cmd_run_info, ctx, st);
  if (opts->format != FORMAT_JSON) return st;
  printf("], \"failed_call\": %s, \"error\": ", label);
  cmd_put_json_error(ctx, stdout);
  fputs("}\n", stdout);
  return st;
}

/* tj_run, with a progress line on a terminal when it takes a while. */
static tj_status run_with_progress(tj_ctx *ctx, tj_spec *spec, const tj_run_opts *ro, tj_result **r) {
  char what[48];
  if (ro->trace.call < 0) snprintf(what, sizeof what, "running args");
  else snprintf(what, sizeof what, "running call %d", ro->trace.call);
  struct cmd_progress *progress = cmd_progress_start("run", what);
  tj_status st = tj_run(ctx, spec, ro, r);
  cmd_progress_end(progress);
  return st;
}

/* Runs calls [first, last] (-1: "args" or --args); stops at the first
 * failure. The JSON document is {"version": 1, "calls": [...]} and, on a failure,
 * "failed_call" and "error" (tjit-run(1)). */
static tj_status run_calls(tj_ctx *ctx, tj_spec *spec, tj_session *session, tj_cache *cache,
                           const struct run_cmdline *opts) {
  const struct cmd_opts *common = &opts->common;
  bool json = common->format == FORMAT_JSON, single = common->call_text || common->trace.args_json;
  int first = single ? common->trace.call : 0, last = single ? first : tj_spec_ncalls(spec) - 1;
  if (common->trace.args_json || (!single && last < 0)) first = last = -1;
  if (json) printf("{\"version\": %d, \"calls\": [", TJ_JSON_VERSION);
  for (int c = first; c <= last; c++) {
    tj_times times;
    tj_run_opts ro = opts->run;
    ro.trace = common->trace;
    ro.trace.call = c;
    ro.session = session, ro.cache = cache, ro.times = &times;
    tj_result *r = NULL;
    char label[32];
    snprintf(label, sizeof label, c < 0 ? "\"args\"" : "%d", c);
    tj_status st = run_with_progress(ctx, spec, &ro, &r);
    show_cache_warning(cache);
    if (opts->time && st == TJ_OK) show_times(&times, c, opts->run.reference);
    if (st == TJ_OK && opts->out_dir) st = write_outputs(ctx, r, opts->out_dir, c);
    if (st != TJ_OK) {
      tj_result_free(r);
      fflush(stdout); /* the calls before it, ahead of the diagnostics */
      return call_failed(ctx, common, label, st);
    }
    show_call(r, label, json, c == first, stdout);
    tj_result_free(r);
  }
  if (json) fputs("]}\n", stdout);
  return TJ_OK;
}

/* ---- --grad-check ---- */

static void put_number(FILE *out, double x) {
  if (isfinite(x)) fprintf(out, "%.17g", x);
  else fputs("null", out);
}

/* A value of the report: NaN as "nan" whatever its sign bit, padded to
 * the width fmt gives a number when pad. */
static void put_value(FILE *out, const char *fmt, double x, bool pad) {
  if (!isnan(x)) fprintf(out, fmt, x);
  else if (strchr(fmt, '-')) fprintf(out, pad ? " %-21s" : " %s", "nan");
  else fprintf(out, pad ? "%-7s" : "%s", "nan");
}

/* One call's report as text: the values, each error against its bound. */
static void show_grad_text(const tj_grad_report *r, const char *label, FILE *out) {
  fprintf(out, "%s: ", label);
  if (!r->ninputs || !r->noutputs) {
    fprintf(out, "no float %s to differentiate: skipped\n", r->ninputs ? "output" : "input");
    return;
  }
  fprintf(out, "%d float input%s", r->ninputs, r->ninputs == 1 ? "" : "s");
  if (r->int_inputs) fprintf(out, " (%d integer skipped)", r->int_inputs);
  fprintf(out, ", %d float output%s", r->noutputs, r->noutputs == 1 ? "" : "s");
  if (r->int_outputs) fprintf(out, " (%d integer skipped)", r->int_outputs);
  fprintf(out, ", h %.3g\n", r->step);
  fputs("  reverse   ", out);
  put_value(out, "%- .15e", r->reverse, false);
  fputc('\n', out);
  const struct { const char *name; double value, err, tol; int ok, shown; } rows[] = {
      {"forward", r->forward, r->err_forward, r->tol_forward, r->ok_forward, 1},
      {"central", r->central, r->err_central, r->tol_central, r->ok_central, 1},
      {"compiled", r->compiled, r->err_compiled, r->tol_compiled, r->ok_compiled, r->compiled_run},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    if (rows[i].shown) {
      fprintf(out, "  %-9s ", rows[i].name);
      put_value(out, "%- .15e", rows[i].value, true);
      fputs("  rel error ", out);
      put_value(out, "%.1e", rows[i].err, true);
      fputs("  bound ", out);
      put_value(out, "%.1e", rows[i].tol, true);
      fprintf(out, "  %s\n", rows[i].ok ? "ok" : "FAIL");
    }
  if (!r->finite)
    fputs("  a value is not finite: the function or its derivative is not finite at this point\n", out);
  else if (!r->resolved)
    fputs("  the central difference is too coarse here to tell a wrong gradient (its rounding bound is over\n"
          "  1/100 of the value): FAIL\n", out);
  fprintf(out, "  %s\n", r->pass ? "PASS" : "FAIL");
}

static void show_grad_json(const tj_grad_report *r, const char *label, bool first, FILE *out) {
  fprintf(out, "%s{\"call\": %s, \"inputs\": %d, \"outputs\": %d, \"integer_inputs\": %d, "
          "\"integer_outputs\": %d", first ? "" : ", ", label, r->ninputs, r->noutputs, r->int_inputs, r->int_outputs);
  if (r->ninputs && r->noutputs) {
    const struct { const char *key; double v; } nums[] = {
        {"step", r->step}, {"reverse", r->reverse}, {"forward", r->forward}, {"central", r->central},
        {"err_forward", r->err_forward}, {"tol_forward", r->tol_forward}, {"err_central", r->err_central},
        {"tol_central", r->tol_central}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
      fprintf(out, ", \"%s\": ", nums[i].key);
      put_number(out, nums[i].v);
    }
    fputs(", \"compiled\": ", out);
    if (r->compiled_run) put_number(out, r->compiled);
    else fputs("null", out);
    fputs(", \"err_compiled\": ", out);
    if (r->compiled_run) put_number(out, r->err_compiled);
    else fputs("null", out);
    fputs(", \"tol_compiled\": ", out);
    if (r->compiled_run) put_number(out, r->tol_compiled);
    else fputs("null", out);
    fprintf(out, ", \"resolved\": %s, \"finite\": %s", r->resolved ? "true" : "false", r->finite ? "true" : "false");
  }
  fprintf(out, ", \"pass\": %s}", r->pass ? "true" : "false");
}

/* --grad-check over calls [first, last]: every call's report; a FAIL
 * goes on to the next call (exit 1 at the end), an error stops as a run's
 * does. The seed of v and w is --fill-random's (0 without it). */
static tj_status grad_check_calls(tj_ctx *ctx, tj_spec *spec, const struct run_cmdline *opts) {
  const struct cmd_opts *common = &opts->common;
  bool json = common->format == FORMAT_JSON, single = common->call_text || common->trace.args_json;
  int first = single ? common->trace.call : 0, last = single ? first : tj_spec_ncalls(spec) - 1, failed = 0;
  if (common->trace.args_json || (!single && last < 0)) first = last = -1;
  unsigned long long seed = opts->run.fill_random >= 0 ? (unsigned long long)opts->run.fill_random : 0;
  if (json) printf("{\"version\": %d, \"calls\": [", TJ_JSON_VERSION);
  for (int c = first; c <= last; c++) {
    tj_run_opts ro = opts->run;
    ro.trace = common->trace;
    ro.trace.call = c;
    tj_grad_report r;
    char what[48];
    snprintf(what, sizeof what, "checking the gradient of call %d", c);
    struct cmd_progress *progress = cmd_progress_start("run", c < 0 ? "checking the gradient of args" : what);
    tj_status st = tj_grad_check(ctx, spec, &ro, seed, &r);
    cmd_progress_end(progress);
    char label[32];
    snprintf(label, sizeof label, c < 0 ? (json ? "\"args\"" : "args") : (json ? "%d" : "call %d"), c);
    if (st != TJ_OK) {
      fflush(stdout);
      snprintf(label, sizeof label, c < 0 ? "\"args\"" : "%d", c);
      return call_failed(ctx, common, label, st);
    }
    if (json) show_grad_json(&r, label, c == first, stdout);
    else show_grad_text(&r, label, stdout);
    failed += !r.pass;
  }
  if (json) fputs("]}\n", stdout);
  if (!failed) return TJ_OK;
  cmd_output_whole(); /* every call's report: -o FILE gets them */
  fflush(stdout);
  fprintf(stderr, "tjit run: --grad-check: %d call%s failed\n", failed, failed == 1 ? "" : "s");
  return TJ_ERR_PROGRAM;
}

/* Options that --grad-check has no use for: an error rather than ignored. */
static int grad_check_conflicts(const struct run_cmdline *opts) {
  const char *which = opts->run.check ? "--check" : opts->out_dir ? "--out" : opts->run.repeat > 1 ? "--repeat"
                      : opts->time ? "--time" : opts->common.trace.dump_after ? "--dump-after" : NULL;
  if (!which) return -1;
  return cmd_usage_error(&cmd_run_info, "--grad-check cannot be combined with %s (it prints no results)", which);
}

/* $TJIT_THREADS: the default of --threads (a CI job sets it once). */
static int threads_from_env(struct run_cmdline *opts) {
  const char *s = getenv("TJIT_THREADS");
  if (!s || !*s) return -1;
  char *end;
  errno = 0;
  long n = strtol(s, &end, 10);
  if (*end || errno || n < 1 || n > MAX_THREADS)
    return cmd_usage_error(&cmd_run_info, "TJIT_THREADS must be a number of threads from 1 to %d, not '%s'",
                           MAX_THREADS, s);
  opts->run.threads = (int)n;
  return -1;
}

/* One spec, the command line checked. */
static int run_spec(const struct run_cmdline *opts) {
  tj_ctx *ctx = cmd_new_ctx(&cmd_run_info);
  tj_spec *spec = NULL;
  if (!ctx) return TJ_ERR_INTERNAL;
  int status = cmd_load_spec(ctx, &cmd_run_info, &opts->common, &spec);
  tj_session *session = tj_session_new();
  tj_cache *cache = status == TJ_OK && !opts->grad_check ? open_cache(opts) : NULL;
  if (status == TJ_OK) status = opts->grad_check ? grad_check_calls(ctx, spec, opts) : run_calls(ctx, spec, session, cache, opts);
  tj_session_free(session);
  tj_cache_close(cache);
  tj_ctx_free(ctx);
  return status;
}

/* One spec of several, in its worker (multi.h). */
static int run_one(struct cmd_opts *common, const struct multi_spec *spec) {
  (void)spec;
  return run_spec((const struct run_cmdline *)common); /* its first member */
}

/* Several specs: the options that name one call, or one spec's files, refused. */
static int run_many(struct run_cmdline *opts) {
  if (opts->common.call_text) return multi_refuse(&cmd_run_info, "--call", "it picks a call of one spec");
  if (opts->common.trace.args_json) return multi_refuse(&cmd_run_info, "--args", "they are one call's arguments");
  if (opts->common.trace.narg_npy) return multi_refuse(&cmd_run_info, "--arg-npy", "it names one listing's variable");
  if (opts->out_dir) return multi_refuse(&cmd_run_info, "--out", "its files are named by call alone");
  return multi_run(&(struct multi_command){.info = &cmd_run_info, .common = &opts->common, .run_one = run_one,
                                           .headers = true});
}

int cmd_run(int argc, char **argv) {
  struct run_cmdline opts = {.run = tj_run_defaults()};
  int status = cmd_parse(&cmd_run_info, argc, argv, &opts);
  if (status >= 0) return status;
  if (!opts.run.threads && (status = threads_from_env(&opts)) >= 0) return status; /* no --threads */
  if (opts.grad_check && (status = grad_check_conflicts(&opts)) >= 0) return status;
  return multi_wanted(&opts.common) ? run_many(&opts) : run_spec(&opts);
}
