/* tjit cache stats|verify|clear: the persistent cache of compiled calls that
 * `tjit run` keeps (lib/cache/diskcache.c; man tjit-cache). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common.h"

static const char *const cache_actions[] = {"stats", "verify", "clear", NULL};

static const struct cmd_option cache_options[] = {
    OPT_FORMAT, OPT_OUTPUT, OPT_COLOR, OPT_HELP,
};

const struct cmd_info cmd_cache_info = {
    .name = "cache",
    .summary = "show, verify or clear the disk cache of compiled calls",
    .usage = "tjit cache [OPTIONS] stats|verify|clear",
    .description =
        "'stats' prints the cache's directory, its number of entries, their\n"
        "total size in bytes, and the hits and misses of 'tjit run' since the\n"
        "last clear. 'verify' checks each entry as 'tjit run' does before\n"
        "loading it and says why it would refuse one (tjit-cache(1), TRUST\n"
        "MODEL). 'clear' removes the cache's own files (entries, leftover\n"
        "temporary files, the counters) and nothing else. The directory is\n"
        "$TJIT_CACHE_DIR, else $XDG_CACHE_HOME/tjit, else ~/.cache/tjit.",
    .operand = "ACTION",
    .operand_words = cache_actions,
    .options = cache_options,
    .noptions = (int)(sizeof cache_options / sizeof cache_options[0]),
};

static tj_status show_stats(tj_ctx *ctx, const char *dir, const struct cmd_opts *opts) {
  tj_cache_stats st;
  tj_status status = tj_cache_stats_read(ctx, dir, &st);
  if (status != TJ_OK) return cmd_report(&cmd_cache_info, opts, ctx, status);
  if (opts->format == FORMAT_JSON) {
    printf("{\"version\": %d, \"directory\": ", TJ_JSON_VERSION);
    cmd_put_json_string(stdout, dir);
    printf(", \"entries\": %lld, \"bytes\": %lld, \"hits\": %lld, \"misses\": %lld}\n", st.entries, st.bytes,
           st.hits, st.misses);
  } else
    printf("directory: %s\nentries: %lld\nbytes: %lld\nhits: %lld\nmisses: %lld\n", dir, st.entries, st.bytes,
           st.hits, st.misses);
  return TJ_OK;
}

static tj_status clear(tj_ctx *ctx, const char *dir, const struct cmd_opts *opts) {
  long long removed;
  tj_status status = tj_cache_clear(ctx, dir, &removed);
  if (status != TJ_OK) return cmd_report(&cmd_cache_info, opts, ctx, status);
  if (opts->format == FORMAT_JSON) {
    printf("{\"version\": %d, \"directory\": ", TJ_JSON_VERSION);
    cmd_put_json_string(stdout, dir);
    printf(", \"removed\": %lld}\n", removed);
  } else
    printf("removed %lld entr%s from %s\n", removed, removed == 1 ? "y" : "ies", dir);
  return TJ_OK;
}

/* What verify found: one line (or JSON object) an entry as it goes. */
typedef struct verdicts {
  bool json;
  const char *dir;
  long long ok, refused;
} verdicts;

/* The JSON document's head, once: not before tj_cache_verify has checked
 * the directory and key, whose errors are a document of their own. */
static void verdicts_head(const verdicts *v) {
  if (!v->json || v->ok + v->refused) return;
  printf("{\"version\": %d, \"directory\": ", TJ_JSON_VERSION);
  cmd_put_json_string(stdout, v->dir);
  fputs(", \"entries\": [", stdout);
}

static void show_verdict(const char *name, const char *why, void *arg) {
  verdicts *v = arg;
  verdicts_head(v);
  if (v->json) {
    printf("%s{\"name\": \"%s\", \"ok\": %s", v->ok + v->refused ? ", " : "", name, why ? "false" : "true");
    if (why) {
      fputs(", \"reason\": ", stdout);
      cmd_put_json_string(stdout, why);
    }
    fputc('}', stdout);
  } else if (why)
    printf("%s: refused: %s\n", name, why);
  else
    printf("%s: ok\n", name);
  if (why) v->refused++;
  else v->ok++;
}

static tj_status verify(tj_ctx *ctx, const char *dir, const struct cmd_opts *opts) {
  verdicts v = {.json = opts->format == FORMAT_JSON, .dir = dir};
  tj_status status = tj_cache_verify(ctx, dir, show_verdict, &v);
  if (status != TJ_OK) return cmd_report(&cmd_cache_info, opts, ctx, status);
  verdicts_head(&v);
  if (v.json) printf("], \"ok\": %lld, \"refused\": %lld}\n", v.ok, v.refused);
  else printf("%lld ok, %lld refused in %s\n", v.ok, v.refused, dir);
  return TJ_OK;
}

/* An ACTION other than stats, verify or clear, with a "did you mean". */
static tj_status unknown_action(tj_ctx *ctx, const struct cmd_opts *opts) {
  char message[256];
  snprintf(message, sizeof message, "unknown action '%s' (expected 'stats', 'verify' or 'clear')", opts->operand);
  fprintf(stderr, "tjit cache: error: %s\n", message);
  cmd_print_suggestion("", opts->operand, cache_actions, 3);
  fprintf(stderr, "usage: %s\n", cmd_cache_info.usage);
  tj_add_error(ctx, TJ_ERR_USAGE, message);
  cmd_fail_output(opts, ctx);
  return TJ_ERR_USAGE;
}

static tj_status no_directory(tj_ctx *ctx, const struct cmd_opts *opts) {
  const char *message = "no cache directory (set TJIT_CACHE_DIR, XDG_CACHE_HOME or HOME)";
  fprintf(stderr, "tjit cache: error: %s\n", message);
  tj_add_error(ctx, TJ_ERR_USAGE, message);
  cmd_fail_output(opts, ctx);
  return TJ_ERR_USAGE;
}

int cmd_cache(int argc, char **argv) {
  struct cmd_opts opts;
  int status = cmd_parse(&cmd_cache_info, argc, argv, &opts);
  if (status >= 0) return status;
  tj_ctx *ctx = cmd_new_ctx(&cmd_cache_info);
  if (!ctx) return TJ_ERR_INTERNAL;
  static const struct {
    const char *name;
    tj_status (*run)(tj_ctx *, const char *, const struct cmd_opts *);
  } actions[] = {{"stats", show_stats}, {"verify", verify}, {"clear", clear}};
  int action = -1;
  for (int i = 0; i < (int)(sizeof actions / sizeof actions[0]); i++)
    if (strcmp(opts.operand, actions[i].name) == 0) action = i;
  char *dir = NULL;
  if (action < 0) status = unknown_action(ctx, &opts);
  else if (!(dir = tj_cache_default_dir())) status = no_directory(ctx, &opts);
  else status = actions[action].run(ctx, dir, &opts);
  tj_ctx_free(ctx);
  free(dir);
  return status;
}
