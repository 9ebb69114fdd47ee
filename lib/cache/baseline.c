/* Compile-count baselines (tj_baseline_read in tjit.h): a committed JSON
 * file, {"version": 1, "compilations": {KEY: N, ...}}, read with the
 * spec's strict JSON parser so that a hand-edited file gets its errors at
 * their line and column, never a crash. The keys (the front end's,
 * tjit-explain-recompile(1): "SPEC::FUNCTION") are kept sorted for
 * bsearch. */
#include "api.h"
#include "json_scan.h"
#include "limits.h"
#include "util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct tj_baseline {
  const char **keys; /* sorted by strcmp */
  long *counts;      /* counts[i]: the compilations of keys[i] */
  uint32_t n;
};

/* One entry of the file, for sorting keys and counts together. */
typedef struct {
  const char *key;
  long count;
} baseline_entry;

static int entry_order(const void *a, const void *b) {
  return strcmp(((const baseline_entry *)a)->key, ((const baseline_entry *)b)->key);
}

static bool member_is(const sjson *obj, uint32_t i, const char *name) {
  return json_key_len(obj, i) == strlen(name) && strcmp(obj->keys[i], name) == 0;
}

/* "version": 1, the only version there is. */
static bool check_version(diag_list *d, const sjson *v) {
  if (v->kind == SJ_INT && v->i == 1) return true;
  return json_error(d, v, v->span, "unsupported baseline version (expected 1, found %s)",
                    v->kind == SJ_INT ? "another integer" : json_kind_name(v));
}

/* "compilations": {KEY: N}, each N a count that fits an int. */
static bool read_counts(tj_arena *a, diag_list *d, const sjson *v, tj_baseline *b) {
  if (v->kind != SJ_OBJECT)
    return json_error(d, v, v->span, "expected an object of compilation counts, found %s", json_kind_name(v));
  baseline_entry *e = ARENA_ARRAY(a, baseline_entry, v->n ? v->n : 1);
  for (uint32_t i = 0; i < v->n; i++) {
    const sjson *n = v->items[i];
    if (json_key_len(v, i) != strlen(v->keys[i]))
      return json_error(d, v, json_key_span(v, i), "a key holding a NUL byte");
    if (n->kind != SJ_INT || n->big || n->i < 0 || n->i > INT_MAX)
      return json_error(d, n, n->span, "expected a count of compilations (0 to %d), found %s", INT_MAX,
                        n->kind == SJ_INT ? "an integer out of range" : json_kind_name(n));
    e[i] = (baseline_entry){v->keys[i], (long)n->i};
  }
  qsort(e, v->n, sizeof *e, entry_order); /* json_parse refused duplicate keys */
  b->n = v->n;
  b->keys = ARENA_ARRAY(a, const char *, v->n ? v->n : 1);
  b->counts = ARENA_ARRAY(a, long, v->n ? v->n : 1);
  for (uint32_t i = 0; i < v->n; i++) b->keys[i] = e[i].key, b->counts[i] = e[i].count;
  return true;
}

/* The whole document: an object with exactly "version" and "compilations". */
static bool read_document(tj_arena *a, diag_list *d, const sjson *root, tj_baseline *b) {
  bool version = false, counts = false;
  if (root->kind != SJ_OBJECT)
    return json_error(d, root, root->span, "a baseline is a JSON object, not %s", json_kind_name(root));
  for (uint32_t i = 0; i < root->n; i++) {
    const sjson *v = root->items[i];
    if (member_is(root, i, "version")) {
      if (!(version = check_version(d, v))) return false;
    } else if (member_is(root, i, "compilations")) {
      if (!(counts = read_counts(a, d, v, b))) return false;
    } else {
      return json_error(d, root, json_key_span(root, i), "unknown key '%s' (expected \"version\" and \"compilations\")",
                        json_show(a, root->keys[i], json_key_len(root, i)));
    }
  }
  if (version && counts) return true;
  return json_error(d, root, span_make(root->span.start, root->span.start + 1), "missing key '%s'",
                    version ? "compilations" : "version");
}

tj_status tj_baseline_read(tj_ctx *ctx, const char *path, tj_baseline **out) {
  size_t len;
  char *text = api_read_file(ctx, path, &len);
  *out = NULL;
  if (!text) return TJ_ERR_USAGE;
  diag_kind before = diag_set_kind(&ctx->diags, DIAG_KIND_USAGE);
  tj_baseline *b = ARENA_NEW(&ctx->arena, tj_baseline);
  tj_source *src = ARENA_NEW(&ctx->arena, tj_source);
  bool ok = false;
  if (len > TJ_MAX_SPEC_BYTES) {
    diag_error(&ctx->diags, NULL, span_make(0, 0), "%s: baseline too large (limit is %d bytes)", path,
               TJ_MAX_SPEC_BYTES);
  } else {
    source_init(&ctx->arena, src, path, text, (uint32_t)len);
    const sjson *root = json_parse(&ctx->arena, &ctx->diags, src, "");
    ok = root && read_document(&ctx->arena, &ctx->diags, root, b);
  }
  diag_set_kind(&ctx->diags, before);
  if (!ok) return TJ_ERR_USAGE;
  *out = b;
  return TJ_OK;
}

static int key_order(const void *key, const void *elem) {
  return strcmp(key, *(const char *const *)elem);
}

long tj_baseline_get(const tj_baseline *b, const char *key) {
  const char **at = b->n ? bsearch(key, b->keys, b->n, sizeof *b->keys, key_order) : NULL;
  return at ? b->counts[at - b->keys] : -1;
}
