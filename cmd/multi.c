/* Many specs at once (see multi.h). Each spec runs in a forked worker,
 * even with --jobs 1: one path for every --jobs, so their outputs are the
 * same bytes; a spec that crashes (a library bug, an abort) fails alone;
 * and no library state (a session's threads, libtcc's globals) is shared
 * between specs or inherited mid-use by a fork: the parent never traces,
 * compiles or runs (its only library work is joining the workers' SARIF
 * logs, plain memory: no threads, no locks). Each worker writes to files
 * of its own, which the parent copies out in operand order once the
 * worker is done. */
#include "multi.h"
#include "output.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the operands as a list of spec paths ---- */

struct spec_list {
  struct multi_spec *items;
  int n, cap;
};

static void add_spec(struct spec_list *list, const char *path, bool walked) {
  if (list->n == list->cap) {
    list->cap = list->cap ? 2 * list->cap : 16;
    list->items = realloc(list->items, (size_t)list->cap * sizeof *list->items);
    if (!list->items) abort(); /* the command line's own small list */
  }
  list->items[list->n++] = (struct multi_spec){.path = strdup(path), .walked = walked};
  if (!list->items[list->n - 1].path) abort();
}

static bool is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool ends_with_json(const char *name) {
  size_t n = strlen(name);
  return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/* Adds the *.json files beneath dir, in no order yet. Hidden entries
 * (".git") are left out, and a symbolic link to a directory is not
 * followed (no cycles); one to a file is. Returns false after an error. */
static bool walk(const struct cmd_info *info, const char *dir, struct spec_list *list) {
  DIR *d = opendir(dir);
  struct dirent *e;
  size_t dlen = strlen(dir);
  bool ok = true;
  if (!d) {
    fprintf(stderr, "tjit %s: error: cannot read directory '%s': %s\n", info->name, dir, strerror(errno));
    return false;
  }
  while (ok && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char *path = malloc(dlen + strlen(e->d_name) + 2);
    struct stat st;
    if (!path) abort();
    sprintf(path, "%s%s%s", dir, dlen && dir[dlen - 1] == '/' ? "" : "/", e->d_name);
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) ok = walk(info, path, list);
    else if (ends_with_json(e->d_name) && stat(path, &st) == 0 && S_ISREG(st.st_mode)) add_spec(list, path, true);
    free(path);
  }
  closedir(d);
  return ok;
}

static int by_path(const void *a, const void *b) {
  return strcmp(((const struct multi_spec *)a)->path, ((const struct multi_spec *)b)->path);
}

/* Every operand in order: a directory becomes its *.json files sorted by
 * path (byte order), anything else is a SPEC as named. */
static int expand_operands(const struct cmd_info *info, const struct cmd_opts *common, struct spec_list *list) {
  for (int i = 0; i < common->noperands; i++) {
    const char *op = common->operands[i];
    int first = list->n;
    if (strcmp(op, "-") == 0 && common->noperands > 1)
      return cmd_usage_error(info, "SPEC '-' (standard input) cannot be one of several specs");
    if (!is_dir(op)) {
      add_spec(list, op, false);
      continue;
    }
    if (!walk(info, op, list)) return TJ_ERR_USAGE;
    qsort(list->items + first, (size_t)(list->n - first), sizeof *list->items, by_path);
  }
  return -1;
}

bool multi_wanted(const struct cmd_opts *common) {
  if (common->noperands > 1) return true;
  return common->noperands == 1 && strcmp(common->operand, "-") != 0 && is_dir(common->operand);
}

int multi_refuse(const struct cmd_info *info, const char *option, const char *why) {
  return cmd_usage_error(info, "%s cannot be used with several specs (%s)", option, why);
}

/* ---- the workers ---- */

void multi_skip(const struct cmd_info *info, const struct multi_spec *spec, const char *why) {
  fprintf(stderr, "tjit %s: note: %s: %s: skipped\n", info->name, spec->path, why);
  fprintf(spec->record, "skipped %s\n", why);
}

/* In the worker: its output into the spec's files, then the command's
 * own code on the one spec (or the note that a walked file is none). */
static void work(const struct multi_command *mc, struct multi_spec *s) {
  const char *why = NULL;
  int status = TJ_OK;
  if (dup2(fileno(s->out), STDOUT_FILENO) < 0 || dup2(fileno(s->err), STDERR_FILENO) < 0) _exit(TJ_ERR_INTERNAL);
  if (s->walked && !tj_spec_sniff(s->path, &why)) {
    char text[128];
    snprintf(text, sizeof text, "not a tjit spec (%s)", why);
    multi_skip(mc->info, s, text);
  } else {
    mc->common->operand = s->path;
    status = mc->run_one(mc->common, s);
  }
  /* the parent's check of standard output (tjit.c) is not run here */
  if (fflush(stdout) != 0 || ferror(stdout) || fflush(s->record) != 0) status = TJ_ERR_INTERNAL;
  fflush(stderr);
  _exit(status); /* not exit(): the parent's atexit work is the parent's */
}

static bool start(const struct multi_command *mc, struct multi_spec *s) {
  if (!(s->out = tmpfile()) || !(s->err = tmpfile()) || !(s->record = tmpfile())) {
    fprintf(stderr, "tjit %s: error: cannot make a temporary file: %s\n", mc->info->name, strerror(errno));
    return false;
  }
  fflush(stdout); /* else the worker would write the parent's buffer again */
  fflush(stderr);
  s->pid = fork();
  if (s->pid == 0) work(mc, s);
  if (s->pid > 0) return true;
  fprintf(stderr, "tjit %s: error: cannot start a worker: %s\n", mc->info->name, strerror(errno));
  return false;
}

/* The whole of f, from its start, as a string; NULL when empty. */
static char *slurp(FILE *f) {
  long n;
  char *text;
  if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0) return NULL;
  rewind(f);
  if (!(text = malloc((size_t)n + 1))) abort();
  text[fread(text, 1, (size_t)n, f)] = '\0';
  return text;
}

/* Waits for any worker, one of specs [from, to) (the started and
 * unprinted ones); marks it done with its status (a worker killed by a
 * signal is a failed spec, status 70, never the end of the run). */
static bool reap(const struct multi_command *mc, struct spec_list *list, int from, int to) {
  int raw;
  pid_t pid = waitpid(-1, &raw, 0);
  if (pid < 0 && errno == EINTR) return true;
  if (pid < 0) return false;
  for (int i = from; i < to; i++) {
    struct multi_spec *s = &list->items[i];
    if (s->pid != pid || s->done) continue;
    s->done = true;
    s->status = WIFEXITED(raw) ? WEXITSTATUS(raw) : TJ_ERR_INTERNAL;
    if (WIFSIGNALED(raw))
      fprintf(s->err, "tjit %s: error: %s: the worker was killed by signal %d (%s)\n", mc->info->name, s->path,
              WTERMSIG(raw), strsignal(WTERMSIG(raw)));
    s->record_text = slurp(s->record);
    s->skipped = s->record_text && strncmp(s->record_text, "skipped ", 8) == 0;
  }
  return true;
}

/* ---- printing a spec's results ---- */

static void copy_out(FILE *from, FILE *to) {
  char buf[65536];
  size_t n;
  rewind(from);
  while ((n = fread(buf, 1, sizeof buf, from)) > 0) fwrite(buf, 1, n, to);
}

/* The spec's entry of --format json: its path, status, its single-spec
 * document as "result" (null when the worker left none), the record's
 * "json" members. */
static void put_json_entry(const struct multi_spec *s, bool first) {
  char *doc = slurp(s->out);
  size_t n = doc ? strlen(doc) : 0;
  while (n && (doc[n - 1] == '\n' || doc[n - 1] == ' ')) doc[--n] = '\0';
  fputs(first ? "\n  {\"spec\": " : ",\n  {\"spec\": ", stdout);
  cmd_put_json_string(stdout, s->path);
  printf(", \"status\": %d, \"result\": %s", s->status, n ? doc : "null");
  for (const char *line = s->record_text; line && *line;) {
    size_t len = strcspn(line, "\n");
    if (strncmp(line, "json ", 5) == 0) fwrite(line + 5, 1, len - 5, stdout);
    line += len + (line[len] == '\n');
  }
  putchar('}');
  free(doc);
}

/* --format sarif: the spec's log (and the baseline's, after it) joined to
 * the run's one log, which multi_run prints at the end. A worker whose
 * output is no log of tjit's fails its spec. A failed spec without a
 * result of its own (its worker killed, its log cut short or refused)
 * gets an internal error at its file: else code scanning, which reads
 * the log and not the exit status, would take the run for a clean one. */
static void add_sarif(const struct multi_command *mc, struct multi_spec *s, tj_sarif *log) {
  char *doc = slurp(s->out);
  int before = tj_sarif_result_count(log);
  if (doc && tj_sarif_add_log(log, doc) != TJ_OK) {
    fprintf(s->err, "tjit %s: error: %s: the worker's output is not a SARIF log\n", mc->info->name, s->path);
    if (s->status == TJ_OK) s->status = TJ_ERR_INTERNAL;
  }
  if (s->status != TJ_OK && tj_sarif_result_count(log) == before) {
    char message[256];
    snprintf(message, sizeof message, "the spec failed (exit status %d) without a result: its worker "
             "was killed or printed no SARIF log (see standard error)", s->status);
    tj_ctx *ctx = tj_ctx_new();
    tj_add_error(ctx, TJ_ERR_INTERNAL, message);
    tj_sarif_add_diagnostics(log, ctx, s->path);
    tj_ctx_free(ctx);
  }
  free(doc);
}

/* Prints spec i's output as its turn comes; closes its files. */
static void print_spec(const struct multi_command *mc, struct multi_spec *s, int *shown, tj_sarif *log) {
  enum cmd_format format = mc->common->format;
  if (!s->skipped && format == FORMAT_JSON) {
    put_json_entry(s, *shown == 0);
  } else if (!s->skipped && format == FORMAT_SARIF) {
    add_sarif(mc, s, log);
  } else if (!s->skipped) {
    if (mc->headers && format == FORMAT_TEXT) printf("%s==> %s <==\n", *shown ? "\n" : "", s->path);
    copy_out(s->out, stdout);
  }
  *shown += !s->skipped;
  fflush(stdout); /* a spec's output ahead of its diagnostics */
  copy_out(s->err, stderr);
  fclose(s->out), fclose(s->err), fclose(s->record);
  s->out = s->err = s->record = NULL;
}

/* ---- the run ---- */

/* After an error: waits for the workers still running; false. */
static bool wait_all(int running) {
  while (running > 0)
    if (waitpid(-1, NULL, 0) > 0) running--;
    else if (errno != EINTR) break;
  return false;
}

/* Starts workers (at most jobs running, MULTI_MAX_PENDING unprinted) and
 * prints each spec once it and those before it are done. */
static bool run_all(const struct multi_command *mc, struct spec_list *list, tj_sarif *log) {
  int jobs = mc->common->jobs > 0 ? mc->common->jobs : 1;
  int next = 0, printed = 0, running = 0, shown = 0;
  while (printed < list->n) {
    while (running < jobs && next < list->n && next - printed < MULTI_MAX_PENDING) {
      if (!start(mc, &list->items[next])) return wait_all(running);
      next++, running++;
    }
    if (!reap(mc, list, printed, next)) return false;
    running = 0;
    for (int i = printed; i < next; i++) running += !list->items[i].done;
    while (printed < next && list->items[printed].done) print_spec(mc, &list->items[printed++], &shown, log);
  }
  return true;
}

/* --format json's end: the files skipped and the summary. */
static void put_json_tail(const struct spec_list *list, int passed, int failed, int skipped) {
  bool first = true;
  fputs("\n], \"skipped\": [", stdout);
  for (int i = 0; i < list->n; i++) {
    const struct multi_spec *s = &list->items[i];
    if (!s->skipped) continue;
    fputs(first ? "{\"spec\": " : ", {\"spec\": ", stdout);
    cmd_put_json_string(stdout, s->path);
    s->record_text[strcspn(s->record_text, "\n")] = '\0';
    fputs(", \"reason\": ", stdout);
    cmd_put_json_string(stdout, s->record_text + 8);
    putchar('}');
    first = false;
  }
  printf("], \"summary\": {\"specs\": %d, \"passed\": %d, \"failed\": %d, \"skipped\": %d}}\n", passed + failed,
         passed, failed, skipped);
}

/* The summary: on standard error in every format (the JSON document
 * holds it too); a run that found no spec at all is a usage error. */
static int summarize(const struct multi_command *mc, const struct spec_list *list, int status) {
  int passed = 0, failed = 0, skipped = 0;
  for (int i = 0; i < list->n; i++) {
    const struct multi_spec *s = &list->items[i];
    if (s->skipped) skipped++;
    else if (s->status == TJ_OK) passed++;
    else failed++;
  }
  if (mc->common->format == FORMAT_JSON) put_json_tail(list, passed, failed, skipped);
  fflush(stdout);
  fprintf(stderr, "tjit %s: %d spec%s: %d passed, %d failed", mc->info->name, passed + failed,
          passed + failed == 1 ? "" : "s", passed, failed);
  if (skipped) fprintf(stderr, "; %d file%s skipped", skipped, skipped == 1 ? "" : "s");
  fputc('\n', stderr);
  if (passed + failed > 0) return status;
  fprintf(stderr, "tjit %s: error: no spec found in the operands\n", mc->info->name);
  return status ? status : TJ_ERR_USAGE;
}

static int first_failure(const struct spec_list *list) {
  for (int i = 0; i < list->n; i++)
    if (!list->items[i].skipped && list->items[i].status != TJ_OK) return list->items[i].status;
  return TJ_OK;
}

static void free_list(struct spec_list *list) {
  for (int i = 0; i < list->n; i++) {
    struct multi_spec *s = &list->items[i];
    FILE *files[] = {s->out, s->err, s->record}; /* open only after an error */
    for (int k = 0; k < 3; k++)
      if (files[k]) fclose(files[k]);
    free(s->path), free(s->record_text);
  }
  free(list->items);
}

int multi_run(const struct multi_command *mc) {
  struct spec_list list = {0};
  int status = expand_operands(mc->info, mc->common, &list);
  if (status < 0) {
    tj_sarif *log = mc->common->format == FORMAT_SARIF ? tj_sarif_new() : NULL;
    if (mc->common->format == FORMAT_JSON) fputs("{\"version\": 1, \"specs\": [", stdout);
    if (run_all(mc, &list, log)) {
      char *text = log ? tj_sarif_text(log) : NULL;
      if (text) fputs(text, stdout), putchar('\n');
      free(text);
      status = first_failure(&list);
      if (mc->finish) status = mc->finish(mc->common, list.items, list.n, status);
      status = summarize(mc, &list, status);
      /* the document holds every spec, failed ones too: -o FILE gets it */
      if (mc->common->format != FORMAT_TEXT) cmd_output_whole();
    } else {
      status = TJ_ERR_INTERNAL; /* its error is on standard error */
    }
    tj_sarif_free(log);
  }
  free_list(&list);
  return status;
}
