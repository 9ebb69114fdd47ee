/* explain-recompile's compile-count baseline (see baseline.h). The file
 * is read once, by the parent, before the workers fork (they inherit it);
 * each worker compares its own spec, where the report is, so that growth
 * is reported at the call that made the first compilation over the
 * baseline; the parent only writes the file, with --update-baseline. */
#include "baseline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int baseline_prepare(const struct cmd_info *info, const struct cmd_opts *common, struct baseline_opts *b) {
  if (!b->file) return b->update ? cmd_usage_error(info, "--update-baseline needs --baseline FILE") : -1;
  if (b->update) return -1; /* the file is written, never read: it may not exist yet */
  if (!(b->ctx = cmd_new_ctx(info))) return TJ_ERR_INTERNAL;
  tj_status status = tj_baseline_read(b->ctx, b->file, (tj_baseline **)&b->loaded);
  return status == TJ_OK ? -1 : (int)cmd_report(info, common, b->ctx, status);
}

void baseline_release(struct baseline_opts *b) { tj_ctx_free(b->ctx); }

/* "SPEC::FUNCTION" (malloc'd): a function name holds no ':', so the last
 * "::" splits the key whatever the path holds. */
static char *function_key(const char *spec, const char *function) {
  char *key = malloc(strlen(spec) + strlen(function) + 3);
  if (!key) abort();
  sprintf(key, "%s::%s", spec, function);
  return key;
}

/* The spec's "baseline" member of --format json, as a record line. */
static void record_member(FILE *record, const char *key, int compiles, long allowed, const char *verdict,
                          const char *error_json) {
  fputs("json , \"baseline\": {\"key\": ", record);
  cmd_put_json_string(record, key);
  fprintf(record, ", \"compilations\": %d", compiles);
  if (verdict && allowed >= 0) fprintf(record, ", \"allowed\": %ld, \"verdict\": \"%s\"", allowed, verdict);
  else if (verdict) fprintf(record, ", \"allowed\": null, \"verdict\": \"%s\"", verdict);
  if (error_json) {
    fputs(", \"error\": ", record);
    for (const char *p = error_json; *p; p++) fputc(*p == '\n' ? ' ' : *p, record); /* one line */
  }
  fputs("}\n", record);
}

/* Growth, or a function the baseline lacks: an error at the call that
 * made compilation allowed + 1 (at the function's name when missing), on
 * standard error and in the machine formats. */
static void report_excess(const struct baseline_opts *b, const tj_explain_report *r, const struct cmd_opts *common,
                          const char *key, long allowed) {
  const char *function = tj_explain_function(r);
  int compiles = tj_explain_compiles(r);
  char message[512];
  if (allowed < 0)
    snprintf(message, sizeof message, "function '%s' is not in the baseline %s (%d compilations); "
             "add it with --update-baseline", function, b->file, compiles);
  else
    snprintf(message, sizeof message, "function '%s' grew from %ld to %d compilations over the baseline %s: "
             "this call is compilation %ld; if that is intended, refresh it with --update-baseline",
             function, allowed, compiles, b->file, allowed + 1);
  tj_ctx *why = tj_ctx_new(); /* of its own: the report's ctx holds its diagnostics, printed already */
  tj_explain_error_at(why, r, allowed < 0 ? 0 : (int)allowed + 1, message);
  tj_print_diagnostics(why, stderr);
  char *json = tj_diagnostics_json(why), *github = tj_diagnostics_github(why);
  if (common->format == FORMAT_GITHUB) fputs(github, stdout);
  if (common->format == FORMAT_SARIF) cmd_put_sarif(common, why); /* a second log: multi.c joins them */
  record_member(b->record, key, compiles, allowed, allowed < 0 ? "missing" : "more", json);
  free(json), free(github);
  tj_ctx_free(why);
}

tj_status baseline_compare(const struct baseline_opts *b, const tj_explain_report *r,
                           const struct cmd_opts *common, tj_status status) {
  const char *function = tj_explain_function(r);
  int compiles = tj_explain_compiles(r);
  char *key = function_key(common->operand, function);
  long allowed = b->update ? -1 : tj_baseline_get(b->loaded, key);
  fprintf(b->record, "compiles %d %s\n", compiles, function);
  if (b->update) {
    record_member(b->record, key, compiles, -1, NULL, NULL);
  } else if (allowed < 0 || compiles > allowed) {
    report_excess(b, r, common, key, allowed);
    if (status == TJ_OK) status = TJ_ERR_BUDGET;
  } else {
    if (compiles < allowed)
      fprintf(stderr, "tjit explain-recompile: note: %s: function '%s' has %d compilations, fewer than the %ld "
              "of the baseline %s: lower it with --update-baseline\n", common->operand, function, compiles,
              allowed, b->file);
    record_member(b->record, key, compiles, allowed, compiles < allowed ? "fewer" : "same", NULL);
  }
  free(key);
  return status;
}

/* ---- --update-baseline ---- */

struct counted {
  char *key;
  int compiles;
};

static int by_key(const void *a, const void *b) {
  return strcmp(((const struct counted *)a)->key, ((const struct counted *)b)->key);
}

/* The keys and counts the workers recorded ("compiles N FUNCTION"),
 * sorted, a key given twice (the same spec named twice) once. */
static int collect(const struct multi_spec *specs, int n, struct counted *out) {
  int count = 0;
  for (int i = 0; i < n; i++) {
    const char *rec = specs[i].record_text;
    int compiles, at = 0;
    if (specs[i].skipped || !rec || sscanf(rec, "compiles %d %n", &compiles, &at) != 1 || !at) continue;
    char *function = strndup(rec + at, strcspn(rec + at, "\n")); /* a name of any length */
    if (!function) abort();
    out[count++] = (struct counted){function_key(specs[i].path, function), compiles};
    free(function);
  }
  qsort(out, (size_t)count, sizeof *out, by_key);
  int kept = 0;
  for (int i = 0; i < count; i++) {
    if (kept && strcmp(out[kept - 1].key, out[i].key) == 0) free(out[i].key);
    else out[kept++] = out[i];
  }
  return kept;
}

/* The file's text: one key a line, sorted, so that it diffs well. */
static void put_baseline(FILE *f, const struct counted *c, int n) {
  fputs("{\n  \"version\": 1,\n  \"compilations\": {", f);
  for (int i = 0; i < n; i++) {
    fputs(i ? ",\n    " : "\n    ", f);
    cmd_put_json_string(f, c[i].key);
    fprintf(f, ": %d", c[i].compiles);
  }
  fputs(n ? "\n  }\n}\n" : "}\n}\n", f);
}

/* Writes path whole or not at all: a temporary file beside it, renamed
 * over it, so that a reader (or a crash) never sees half a baseline. */
static bool write_atomically(const char *path, const struct counted *c, int n) {
  char *tmp = malloc(strlen(path) + 8);
  mode_t mask = umask(0);
  umask(mask);
  if (!tmp) abort();
  sprintf(tmp, "%s.XXXXXX", path);
  int fd = mkstemp(tmp);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  bool ok = f != NULL;
  if (f) {
    put_baseline(f, c, n);
    ok = fchmod(fd, 0666 & ~mask) == 0 && fflush(f) == 0 && !ferror(f) && fsync(fd) == 0;
    ok = fclose(f) == 0 && ok;
  } else if (fd >= 0) {
    close(fd);
  }
  ok = ok && rename(tmp, path) == 0;
  int saved = errno;
  if (!ok && fd >= 0) unlink(tmp);
  free(tmp);
  errno = saved;
  return ok;
}

int baseline_finish(const struct cmd_info *info, const struct baseline_opts *b, const struct multi_spec *specs,
                    int n, int status) {
  if (!b->update) return status;
  if (status != TJ_OK) {
    fprintf(stderr, "tjit %s: error: the baseline %s was not written: a spec failed\n", info->name, b->file);
    return status;
  }
  struct counted *c = malloc((size_t)(n ? n : 1) * sizeof *c);
  if (!c) abort();
  int kept = collect(specs, n, c);
  if (write_atomically(b->file, c, kept)) {
    fprintf(stderr, "tjit %s: wrote the baseline %s (%d function%s)\n", info->name, b->file, kept,
            kept == 1 ? "" : "s");
  } else {
    fprintf(stderr, "tjit %s: error: cannot write the baseline %s: %s\n", info->name, b->file, strerror(errno));
    status = TJ_ERR_USAGE;
  }
  for (int i = 0; i < kept; i++) free(c[i].key);
  free(c);
  return status;
}
