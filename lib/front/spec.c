/* The spec loader (tjit-spec(5)): top-level keys, calls, and argument values
 * read as avals. The JSON itself is read by json_scan.c. */
#include "spec.h"
#include "array.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json_scan.h"
#include "limits.h"
#include "util.h"

typedef struct loader {
  tj_arena *a;
  diag_list *d;
  tj_spec *spec;
  const char *path;        /* the spec's path as given */
  const sjson *source_key; /* the "source" or "source_file" seen first */
} loader;

/* ---- files ------------------------------------------------------------- */

/* Reads at most limit bytes (into a) from fd; *too_big when there is more. */
static bool read_all(tj_arena *a, int fd, size_t limit, char **out,
                     uint32_t *len, bool *too_big) {
  size_t cap = 4096, n = 0;
  char *buf = arena_alloc(a, cap + 1);
  *too_big = false;
  for (;;) {
    if (n == cap) {
      if (cap > limit) break;
      buf = arena_grow(a, buf, n, 2 * cap + 1);
      cap *= 2;
    }
    ssize_t got = read(fd, buf + n, cap - n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return false;
    if (got == 0) break;
    n += (size_t)got;
  }
  *too_big = n > limit;
  *out = buf;
  *len = (uint32_t)(*too_big ? 0 : n);
  return true;
}

static const char *dir_of(tj_arena *a, const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return ".";
  if (slash == path) return "/";
  return arena_strndup(a, path, (size_t)(slash - path));
}

/* ---- small checks ------------------------------------------------------ */

static bool expect_kind(loader *L, const sjson *v, sjson_kind kind,
                        const char *what) {
  if (v->kind == kind) return true;
  return json_error(L->d, v, v->span, "expected %s, found %s", what,
                    json_kind_name(v));
}

/* Key i of obj is name (keys may hold NUL bytes: compare lengths too). */
static bool key_is(const sjson *obj, uint32_t i, const char *name) {
  return json_key_len(obj, i) == strlen(name) &&
         strcmp(obj->keys[i], name) == 0;
}

static bool string_is(const sjson *v, const char *s) {
  return v->slen == strlen(s) && memcmp(v->s, s, v->slen) == 0;
}

/* A dimension or a seed: a non-negative integer. */
static bool expect_count(diag_list *d, const sjson *v, const char *what) {
  if (v->kind != SJ_INT)
    return json_error(d, v, v->span, "%s is a non-negative integer, not %s",
                      what, json_kind_name(v));
  if (v->i < 0)
    return json_error(d, v, v->span, "%s cannot be negative (%lld)", what,
                      (long long)v->i);
  return true;
}

/* A string used as a name or a file name: NUL bytes would make it a
 * different name in C. */
static bool check_name(diag_list *d, const sjson *v, const char *what) {
  if (v->kind != SJ_STRING)
    return json_error(d, v, v->span, "expected %s, found %s", what,
                      json_kind_name(v));
  if (v->slen == 0) return json_error(d, v, v->span, "empty name");
  if (json_has_nul(v))
    return json_error(d, v, v->span, "name '%s' contains a NUL byte",
                      json_show(d->arena, v->s, v->slen));
  return true;
}

static bool expect_name(loader *L, const sjson *v, const char *what) {
  return check_name(L->d, v, what);
}

/* An unknown key of obj, with the nearest known one as a suggestion. */
static bool unknown_key(diag_list *d, tj_arena *a, const sjson *obj,
                        uint32_t i, const char *what,
                        const char *const *known, size_t nknown) {
  const char *key = obj->keys[i];
  uint32_t n = json_key_len(obj, i);
  const char *hint = suggest_word(key, n, known, nknown);
  const char *shown = json_show(a, key, n);
  tj_span at = json_key_span(obj, i);
  if (hint)
    return json_error(d, obj, at, "unknown %s '%s' (did you mean '%s'?)", what,
                      shown, hint);
  json_error(d, obj, at, "unknown %s '%s'", what, shown);
  tj_buf b = {0};
  for (size_t k = 0; k < nknown; k++)
    buf_printf(&b, "%s'%s'", k ? ", " : "", known[k]);
  diag_note(d, "the %ss are %s", what, b.data);
  buf_free(&b);
  return false;
}

/* ---- top-level keys ---------------------------------------------------- */

static bool load_version(loader *L, const sjson *v) {
  if (!expect_kind(L, v, SJ_INT, "the integer 1")) return false;
  if (v->i != 1)
    return json_error(L->d, v, v->span,
                      "unsupported spec version %lld (this tjit reads 1)",
                      (long long)v->i);
  return true;
}

static bool both_sources(loader *L, const sjson *v) {
  if (!L->source_key) {
    L->source_key = v;
    return false;
  }
  json_error(L->d, v, v->span, "give 'source' or 'source_file', not both");
  diag_note_at(L->d, L->source_key->src, L->source_key->span,
               "the other one is here");
  return true;
}

static bool source_too_large(loader *L, const sjson *at) {
  return json_error(L->d, at, at->span, "source too large (limit is %d bytes)",
                    TJ_MAX_SOURCE_BYTES);
}

/* "source": "text" or ["line", ...] joined with "\n". Positions in it are
 * those of the spec, where each character is written. */
static bool load_source(loader *L, const sjson *v) {
  if (both_sources(L, v)) return false;
  if (v->kind != SJ_STRING && v->kind != SJ_ARRAY)
    return json_error(L->d, v, v->span,
                      "expected a string or an array of lines, found %s",
                      json_kind_name(v));
  const sjson *const *lines = v->kind == SJ_STRING ? &v : (const sjson *const *)v->items;
  uint32_t n = v->kind == SJ_STRING ? 1 : v->n;
  size_t len = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (!expect_kind(L, lines[i], SJ_STRING, "a string (one line)"))
      return false;
    len += lines[i]->slen + (i > 0);
  }
  if (len > TJ_MAX_SOURCE_BYTES) return source_too_large(L, v);
  char *text = arena_alloc(L->a, len + 1), *o = text;
  pos_map map = {0};
  if (!n) { /* no lines: the text's end is at the closing ']' */
    source_position(v->src, v->span.end - 1, &map.line, &map.col);
    pos_map_atom(&map, 0, 1);
  }
  for (uint32_t i = 0; i < n; i++) {
    if (i) *o++ = '\n';
    json_string_positions(lines[i], (uint32_t)(o - text), &map);
    memcpy(o, lines[i]->s, lines[i]->slen);
    o += lines[i]->slen;
  }
  source_init_mapped(L->a, &L->spec->code, L->path, text, (uint32_t)len, &map);
  return true;
}

/* "source_file": a path relative to the spec's directory. */
static bool load_source_file(loader *L, const sjson *v) {
  if (both_sources(L, v) || !expect_name(L, v, "a file name")) return false;
  const char *name;
  int fd = spec_open_file(L->a, L->spec, v->s, &name);
  const char *why = fd < 0 ? spec_open_error(errno) : NULL;
  if (fd < 0)
    return json_error(L->d, v, v->span, "cannot read '%s': %s",
                      json_show(L->a, name, strlen(name)), why);
  char *text;
  uint32_t len;
  bool too_big;
  bool ok = read_all(L->a, fd, TJ_MAX_SOURCE_BYTES, &text, &len, &too_big);
  int err = errno;
  close(fd);
  if (!ok)
    return json_error(L->d, v, v->span, "cannot read '%s': %s",
                      json_show(L->a, name, strlen(name)), strerror(err));
  if (too_big)
    return json_error(L->d, v, v->span, "'%s' is too large (limit is %d bytes)",
                      json_show(L->a, name, strlen(name)), TJ_MAX_SOURCE_BYTES);
  source_init(L->a, &L->spec->code, name, text, len);
  return true;
}

static bool load_function(loader *L, const sjson *v) {
  if (!expect_name(L, v, "a string (the function's name)")) return false;
  L->spec->function = v->s;
  L->spec->function_json = v;
  return true;
}

/* A single item or an array of them: always an array afterwards. */
static const sjson *one_or_many(loader *L, const sjson *v, sjson_kind kind,
                                const char *one, const char *many) {
  if (v->kind == kind) {
    if (kind == SJ_STRING && !expect_name(L, v, one)) return NULL;
    return json_wrap_in_array(L->a, v);
  }
  if (v->kind != SJ_ARRAY) {
    json_error(L->d, v, v->span, "expected %s or %s, found %s", one, many,
               json_kind_name(v));
    return NULL;
  }
  for (uint32_t i = 0; i < v->n; i++) {
    const sjson *e = v->items[i];
    bool ok = kind == SJ_STRING ? expect_name(L, e, one)
                                : expect_kind(L, e, kind, one);
    if (!ok) return NULL;
  }
  return v;
}

static bool load_argnums(loader *L, const sjson *v) {
  L->spec->static_argnums =
      one_or_many(L, v, SJ_INT, "an integer", "an array of integers");
  return L->spec->static_argnums != NULL;
}

static bool load_argnames(loader *L, const sjson *v) {
  L->spec->static_argnames =
      one_or_many(L, v, SJ_STRING, "a string", "an array of strings");
  return L->spec->static_argnames != NULL;
}

/* A call: [positional, ...] or {"name": value, ...}. */
static bool load_call(tj_arena *a, diag_list *d, const sjson *v,
                      spec_call *out) {
  memset(out, 0, sizeof *out);
  if (v->kind != SJ_ARRAY && v->kind != SJ_OBJECT)
    return json_error(d, v, v->span,
                      "a call is an array (positional) or an object (by "
                      "name), not %s",
                      json_kind_name(v));
  out->by_keyword = v->kind == SJ_OBJECT;
  out->values = v->items;
  out->n = v->n;
  out->json = v;
  if (!out->by_keyword) return true;
  out->names = v->keys;
  out->name_spans = ARENA_ARRAY(a, tj_span, v->n);
  for (uint32_t i = 0; i < v->n; i++) {
    out->name_spans[i] = json_key_span(v, i);
    uint32_t n = json_key_len(v, i);
    if (n == 0 || memchr(v->keys[i], 0, n))
      return json_error(d, v, out->name_spans[i],
                        "'%s' is not a parameter name",
                        json_show(a, v->keys[i], n));
  }
  return true;
}

static bool load_args(loader *L, const sjson *v) {
  L->spec->has_args = true;
  return load_call(L->a, L->d, v, &L->spec->args);
}

static bool load_calls(loader *L, const sjson *v) {
  if (v->kind != SJ_ARRAY) {
    json_error(L->d, v, v->span, "expected an array of calls, found %s",
               json_kind_name(v));
    if (v->kind == SJ_OBJECT)
      diag_note(L->d, "a single call can go in \"args\"");
    return false;
  }
  L->spec->calls = ARENA_ARRAY(L->a, spec_call, v->n);
  L->spec->ncalls = v->n;
  L->spec->calls_json = v;
  for (uint32_t i = 0; i < v->n; i++)
    if (!load_call(L->a, L->d, v->items[i], &L->spec->calls[i])) return false;
  return true;
}

static bool load_options(loader *L, const sjson *v) {
  static const char *const known[] = {"autograph"};
  if (!expect_kind(L, v, SJ_OBJECT, "an object")) return false;
  for (uint32_t i = 0; i < v->n; i++) {
    const sjson *o = v->items[i];
    if (!key_is(v, i, known[0]))
      return unknown_key(L->d, L->a, v, i, "option", known, TJ_COUNT(known));
    if (!expect_kind(L, o, SJ_BOOL, "true or false")) return false;
    L->spec->autograph = o->b;
  }
  return true;
}

static bool ignore(loader *L, const sjson *v) {
  (void)L, (void)v;
  return true;
}

typedef bool (*key_loader)(loader *L, const sjson *v);

static const struct {
  const char *name;
  key_loader load;
} top_keys[] = {
    {"tjit", load_version},
    {"source", load_source},
    {"source_file", load_source_file},
    {"function", load_function},
    {"static_argnums", load_argnums},
    {"static_argnames", load_argnames},
    {"args", load_args},
    {"calls", load_calls},
    {"options", load_options},
    {"description", ignore},
    {"comment", ignore},
};

static bool load_key(loader *L, const sjson *root, uint32_t i) {
  const char *names[TJ_COUNT(top_keys)];
  for (size_t k = 0; k < TJ_COUNT(top_keys); k++) {
    names[k] = top_keys[k].name;
    if (key_is(root, i, names[k]))
      return top_keys[k].load(L, root->items[i]);
  }
  return unknown_key(L->d, L->a, root, i, "key", names, TJ_COUNT(names));
}

bool spec_load(tj_arena *a, diag_list *d, const char *path, const char *text,
               uint32_t len, bool confined, tj_spec *out) {
  memset(out, 0, sizeof *out);
  out->confined = confined;
  bool stdin_spec = strcmp(path, "-") == 0 || strcmp(path, "<stdin>") == 0;
  out->dir = stdin_spec ? "." : dir_of(a, path);
  if (len > TJ_MAX_SPEC_BYTES) {
    source_init(a, &out->file, path, "", 0);
    return diag_error(d, &out->file, span_make(0, 0),
                      "spec too large (limit is %d bytes)", TJ_MAX_SPEC_BYTES);
  }
  source_init(a, &out->file, path, arena_strndup(a, text, len), len);
  const sjson *root = json_parse(a, d, &out->file, "");
  if (!root) return false;
  out->root = root;
  if (root->kind != SJ_OBJECT)
    return json_error(d, root, root->span,
                      "a spec is a JSON object, not %s", json_kind_name(root));
  loader L = {a, d, out, path, NULL};
  for (uint32_t i = 0; i < root->n; i++)
    if (!load_key(&L, root, i)) return false;
  if (!L.source_key)
    return json_error(d, root, span_make(root->span.start,
                                         root->span.start + 1),
                      "missing key 'source' (or 'source_file')");
  return true;
}

int spec_sniff(tj_arena *a, const char *path, const char *text, uint32_t len, const char **why) {
  static const char *const marks[] = {"tjit", "source", "source_file", "function"};
  diag_list quiet = {.arena = a}; /* a file that is not JSON is no error here */
  tj_source src;
  source_init(a, &src, path, text, len);
  const sjson *root = json_parse(a, &quiet, &src, "");
  if (!root || root->kind != SJ_OBJECT) {
    *why = root ? "not a JSON object" : "not valid JSON";
    return 0;
  }
  for (size_t k = 0; k < TJ_COUNT(marks); k++)
    if (json_member(root, marks[k], NULL)) return 1;
  *why = "no \"tjit\", \"source\", \"source_file\" or \"function\" member";
  return 0;
}

bool spec_parse_call(tj_arena *a, diag_list *d, const char *name,
                     const char *text, uint32_t len, spec_call *out) {
  memset(out, 0, sizeof *out);
  tj_source *src = ARENA_NEW(a, tj_source);
  if (len > TJ_MAX_SPEC_BYTES) {
    source_init(a, src, name, "", 0);
    return diag_error(d, src, span_make(0, 0),
                      "%s: too large (limit is %d bytes)", name,
                      TJ_MAX_SPEC_BYTES);
  }
  source_init(a, src, name, arena_strndup(a, text, len), len);
  const sjson *root = json_parse(a, d, src, name);
  return root && load_call(a, d, root, out);
}

/* ---- argument values as avals ------------------------------------------ */

/* Kinds of the leaves of a nested list, as a bit set. */
enum { LEAF_BOOL = 1, LEAF_INT = 2, LEAF_FLOAT = 4 };

/* The shape of a nested list, read along its first elements. */
static bool nested_shape(diag_list *d, const sjson *v, tj_aval *out) {
  out->rank = 0;
  for (const sjson *e = v; e->kind == SJ_ARRAY; e = e->items[0]) {
    if (out->rank == TJ_MAX_RANK)
      return json_error(d, e, e->span, "too many dimensions (limit is %d)",
                        TJ_MAX_RANK);
    out->dims[out->rank++] = e->n;
    if (e->n == 0) break;
  }
  return true;
}

static bool check_leaf(diag_list *d, const sjson *v, unsigned *kinds) {
  switch (v->kind) {
  case SJ_BOOL: *kinds |= LEAF_BOOL; return true;
  case SJ_INT: *kinds |= LEAF_INT; return true;
  case SJ_FLOAT: *kinds |= LEAF_FLOAT; return true;
  case SJ_ARRAY:
    return json_error(d, v, v->span,
                      "ragged nested array: expected a number, found an array");
  default:
    return json_error(d, v, v->span, "%s cannot be an array element",
                      json_kind_name(v));
  }
}

/* Checks that v is rectangular with the shape from nested_shape. */
static bool check_nested(diag_list *d, const sjson *v, const tj_aval *shape,
                         int depth, unsigned *kinds) {
  if (depth == shape->rank) return check_leaf(d, v, kinds);
  long long want = (long long)shape->dims[depth];
  if (v->kind != SJ_ARRAY)
    return json_error(d, v, v->span,
                      "ragged nested array: expected an array of %lld "
                      "elements, found %s",
                      want, json_kind_name(v));
  if (v->n != want)
    return json_error(d, v, v->span,
                      "ragged nested array: expected %lld elements, found %u",
                      want, v->n);
  for (uint32_t i = 0; i < v->n; i++)
    if (!check_nested(d, v->items[i], shape, depth + 1, kinds)) return false;
  return true;
}

/* Calls f on every leaf of a rectangular nested list of the given rank. */
static bool each_leaf(const sjson *v, int rank, bool (*f)(diag_list *,
                      const sjson *, tj_dtype), diag_list *d, tj_dtype t) {
  if (rank == 0) return f(d, v, t);
  for (uint32_t i = 0; i < v->n; i++)
    if (!each_leaf(v->items[i], rank - 1, f, d, t)) return false;
  return true;
}

static bool fits_int32(diag_list *d, const sjson *v, tj_dtype t) {
  (void)t;
  if (v->kind != SJ_INT || (v->i >= INT32_MIN && v->i <= INT32_MAX))
    return true;
  /* JAX's OverflowError text, for either sign. */
  return json_error(d, v, v->span,
                    "Python int %lld too large to convert to int32",
                    (long long)v->i);
}

/* [[1, 2], [3, 4]]: a strong array, as jnp.array makes it. */
static bool nested_aval(diag_list *d, const sjson *v, tj_aval *out) {
  unsigned kinds = 0;
  if (!nested_shape(d, v, out) || !check_nested(d, v, out, 0, &kinds))
    return false;
  out->weak = false;
  out->dtype = kinds == LEAF_BOOL ? DT_BOOL
               : (kinds & LEAF_FLOAT) || !kinds ? DT_F32
                                                : DT_I32;
  return out->dtype != DT_I32 || each_leaf(v, out->rank, fits_int32, d, DT_I32);
}

/* Whether x rounds to a finite value of float dtype t. Doubles below
 * FLT_MAX + half an ulp (2^128 - 2^104) round to at most FLT_MAX; from
 * there on, to infinity. */
static bool fits_float(double x, tj_dtype t) {
  switch (t) {
  case DT_F32: return fabs(x) < 0x1.ffffffp+127;
  case DT_F16: return fabs(x) < 65520; /* 65504 + half its ulp */
  case DT_BF16: return fabs(x) < 0x1.ffp+127; /* via float32, as ml_dtypes */
  default: return true;
  }
}

/* Whether v is a valid element of an array of dtype t. */
static bool fits_dtype(diag_list *d, const sjson *v, tj_dtype t) {
  static const int64_t lo[DT_COUNT] = {
      [DT_I8] = INT8_MIN, [DT_I16] = INT16_MIN, [DT_I32] = INT32_MIN,
      [DT_I64] = INT64_MIN};
  static const int64_t hi[DT_COUNT] = {
      [DT_I8] = INT8_MAX,   [DT_I16] = INT16_MAX, [DT_I32] = INT32_MAX,
      [DT_I64] = INT64_MAX, [DT_U8] = UINT8_MAX,  [DT_U32] = UINT32_MAX,
      [DT_U16] = UINT16_MAX, [DT_U64] = INT64_MAX}; /* and the big ones json_parse let through */
  const char *name = dtype_long(t);
  switch (dtype_kindof(t)) {
  case DK_BOOL:
    if (v->kind == SJ_BOOL) return true;
    return json_error(d, v, v->span, "expected true or false for dtype %s, "
                      "found %s", name, json_kind_name(v));
  case DK_FLOAT:
    if (v->kind != SJ_INT && v->kind != SJ_FLOAT)
      return json_error(d, v, v->span, "expected a number for dtype %s, found %s",
                        name, json_kind_name(v));
    if (!fits_float(v->f, t))
      return json_error(d, v, v->span, "number out of range for %s (its largest "
                        "is %s)", name, t == DT_F16 ? "65504" : t == DT_BF16 ? "3.38953139e+38" : "3.40282347e+38");
    return true;
  default:
    if (v->kind != SJ_INT)
      return json_error(d, v, v->span, "expected an integer for dtype %s, "
                        "found %s", name, json_kind_name(v));
    if (v->big && t == DT_U64) return true; /* above INT64_MAX: i holds the bits */
    if (v->i < lo[t] || v->i > hi[t])
      return json_error(d, v, v->span, "%lld is out of range for %s",
                        (long long)v->i, name);
    return true;
  }
}

/* "shape": [3, 4], at most TJ_MAX_ELEMENTS elements. */
static bool parse_shape(diag_list *d, const sjson *v, tj_aval *out) {
  if (v->kind != SJ_ARRAY)
    return json_error(d, v, v->span,
                      "expected an array of dimensions, found %s",
                      json_kind_name(v));
  if (v->n > TJ_MAX_RANK)
    return json_error(d, v, v->span, "too many dimensions (limit is %d)",
                      TJ_MAX_RANK);
  out->rank = (uint8_t)v->n;
  for (uint32_t i = 0; i < v->n; i++) {
    const sjson *e = v->items[i];
    if (!expect_count(d, e, "a dimension")) return false;
    out->dims[i] = e->i;
  }
  if (!aval_within_limits(out))
    return json_error(d, v, v->span, "too many elements (limit is %lld)",
                      (long long)TJ_MAX_ELEMENTS);
  return true;
}

static void format_dims(const tj_aval *s, char *buf, int size) {
  int k = snprintf(buf, (size_t)size, "[");
  for (int i = 0; i < s->rank && k < size; i++)
    k += snprintf(buf + k, (size_t)(size - k), i ? ", %lld" : "%lld",
                  (long long)s->dims[i]);
  if (k < size) snprintf(buf + k, (size_t)(size - k), "]");
}

/* "data": a scalar (shape []), a flat list or a nested one matching shape.
 * Without "shape", the nesting gives it. */
static bool check_data(diag_list *d, const sjson *data, bool has_shape,
                       tj_aval *shape) {
  if (data->kind != SJ_ARRAY) {
    if (has_shape && shape->rank > 0)
      return json_error(d, data, data->span,
                        "a single value needs \"shape\": [] (\"fill\" "
                        "repeats one value)");
    shape->rank = 0;
    return fits_dtype(d, data, shape->dtype);
  }
  tj_aval nested = *shape;
  unsigned kinds = 0;
  if (!nested_shape(d, data, &nested) ||
      !check_nested(d, data, &nested, 0, &kinds))
    return false;
  if (!has_shape) {
    memcpy(shape->dims, nested.dims, sizeof shape->dims);
    shape->rank = nested.rank;
  }
  bool flat = nested.rank == 1 && nested.dims[0] == aval_size(shape);
  if (!flat && !aval_same_shape(&nested, shape)) {
    char want[128], got[128];
    format_dims(shape, want, sizeof want);
    format_dims(&nested, got, sizeof got);
    if (nested.rank == 1)
      return json_error(d, data, data->span,
                        "expected %lld elements for shape %s, found %lld",
                        (long long)aval_size(shape), want,
                        (long long)nested.dims[0]);
    return json_error(d, data, data->span,
                      "nested data of shape %s does not match shape %s", got,
                      want);
  }
  return each_leaf(data, nested.rank, fits_dtype, d, shape->dtype);
}

static bool check_random(diag_list *d, tj_arena *a, const sjson *v,
                         tj_dtype t) {
  static const char *const known[] = {"seed", "dist"};
  if (v->kind != SJ_OBJECT)
    return json_error(d, v, v->span,
                      "expected an object like {\"seed\": 0, \"dist\": "
                      "\"uniform\"}, found %s",
                      json_kind_name(v));
  for (uint32_t i = 0; i < v->n; i++) {
    const sjson *e = v->items[i];
    bool seed = key_is(v, i, "seed");
    if (!seed && !key_is(v, i, "dist"))
      return unknown_key(d, a, v, i, "key", known, TJ_COUNT(known));
    if (seed) {
      if (!expect_count(d, e, "a seed")) return false;
      continue;
    }
    bool uniform = e->kind == SJ_STRING && string_is(e, "uniform");
    bool normal = e->kind == SJ_STRING && string_is(e, "normal");
    if (e->kind != SJ_STRING)
      return json_error(d, e, e->span, "expected \"uniform\" or \"normal\", "
                        "found %s", json_kind_name(e));
    if (!uniform && !normal)
      return json_error(d, e, e->span, "unknown distribution '%s' (expected "
                        "'uniform' or 'normal')", json_show(a, e->s, e->slen));
    if (normal && !dtype_is_float(t))
      return json_error(d, e, e->span, "\"normal\" needs a float dtype, not %s",
                        dtype_long(t));
  }
  return true;
}

/* "npy": "file.npy": dtype and shape from the file's header, by npy_read's
 * rules, so a file that traces also runs. */
static bool npy_aval(diag_list *d, const tj_spec *spec, const sjson *v,
                     tj_aval *out) {
  if (!check_name(d, v, "a file name")) return false;
  const char *file;
  int fd = spec_open_file(d->arena, spec, v->s, &file);
  const char *why = fd < 0 ? spec_open_error(errno) : NULL;
  if (fd < 0)
    return json_error(d, v, v->span, "cannot read '%s': %s", json_show(d->arena, file, strlen(file)), why);
  diag_at at = json_at(d, v);
  bool ok = npy_read_header_fd(&at, fd, file, out);
  close(fd);
  return ok;
}

static bool parse_dtype(diag_list *d, const sjson *v, tj_dtype *out) {
  if (v->kind != SJ_STRING)
    return json_error(d, v, v->span, "expected a dtype name such as \"f32\", "
                      "found %s", json_kind_name(v));
  if (dtype_parse(v->s, v->slen, out)) return true;
  char why[DTYPE_MSG_MAX];
  if (dtype_unsupported(v->s, v->slen, why)) return json_error(d, v, v->span, "%s", why);
  const char *shown = json_show(d->arena, v->s, v->slen);
  tj_suggest sg = suggest_start(v->s, v->slen);
  dtype_suggest(&sg);
  if (sg.best)
    return json_error(d, v, v->span, "unknown dtype '%s' (did you mean '%s'?)",
                      shown, sg.best);
  return json_error(d, v, v->span, "unknown dtype '%s'", shown);
}

enum { K_DTYPE, K_SHAPE, K_DATA, K_FILL, K_IOTA, K_RANDOM, K_NPY, K_COUNT };
static const char *const aval_keys[K_COUNT] = {
    "dtype", "shape", "data", "fill", "iota", "random", "npy"};

/* Sorts the members of an abstract value by key; only one value source. */
static bool aval_members(diag_list *d, const sjson *v, const sjson **key) {
  int source = -1;
  for (uint32_t i = 0; i < v->n; i++) {
    int k = 0;
    while (k < K_COUNT && !key_is(v, i, aval_keys[k])) k++;
    if (k == K_COUNT)
      return unknown_key(d, d->arena, v, i, "key", aval_keys, K_COUNT);
    if (k >= K_DATA && source >= 0)
      return json_error(d, v, json_key_span(v, i),
                        "'%s' and '%s' both give the values: keep one",
                        aval_keys[source], aval_keys[k]);
    if (k >= K_DATA) source = k;
    key[k] = v->items[i];
  }
  return true;
}

/* "dtype" and "shape" given beside "npy" must agree with the file. */
static bool npy_matches(diag_list *d, const sjson **key, const tj_aval *file) {
  tj_aval given = *file;
  if (key[K_DTYPE] && !parse_dtype(d, key[K_DTYPE], &given.dtype)) return false;
  if (key[K_SHAPE] && !parse_shape(d, key[K_SHAPE], &given)) return false;
  if (aval_equal(&given, file)) return true;
  char want[160], got[160];
  aval_format_long(file, want, sizeof want);
  if (given.dtype != file->dtype)
    return json_error(d, key[K_DTYPE], key[K_DTYPE]->span,
                      "dtype %s does not match the .npy file (%s)",
                      dtype_long(given.dtype), want);
  format_dims(&given, got, sizeof got);
  return json_error(d, key[K_SHAPE], key[K_SHAPE]->span,
                    "shape %s does not match the .npy file (%s)", got, want);
}

static bool check_iota(diag_list *d, const sjson *v, tj_dtype t) {
  if (v->kind != SJ_BOOL || !v->b)
    return json_error(d, v, v->span, "expected true, found %s",
                      json_kind_name(v));
  if (t == DT_BOOL)
    return json_error(d, v, v->span, "iota needs a numeric dtype, not bool");
  return true;
}

/* {"key": 0}: jax.random.key(0), a typed PRNG key (key<fry>[], dtype.h
 * DT_KEY) from an integer seed, int32 as JAX makes a Python int with x64
 * off; the object's only member. */
static bool key_aval(diag_list *d, const sjson *v, const sjson *seed, tj_aval *out) {
  if (v->n != 1)
    return json_error(d, v, v->span, "a key value is {\"key\": SEED} alone");
  if (seed->kind != SJ_INT)
    return json_error(d, seed, seed->span, "a key's seed is an integer, not %s", json_kind_name(seed));
  *out = aval_scalar(DT_KEY, false);
  return fits_int32(d, seed, DT_I32);
}

/* {"dtype": "f32", "shape": [3, 4], ...}: a strongly typed array. */
static bool object_aval(diag_list *d, const tj_spec *spec, const sjson *v,
                        tj_aval *out) {
  const sjson *key[K_COUNT] = {0};
  memset(out, 0, sizeof *out);
  const sjson *seed = json_member(v, "key", NULL);
  if (seed) return key_aval(d, v, seed, out);
  if (!aval_members(d, v, key)) return false;
  if (key[K_NPY])
    return npy_aval(d, spec, key[K_NPY], out) && npy_matches(d, key, out);
  tj_span at = span_make(v->span.start, v->span.start + 1);
  if (!key[K_DTYPE])
    return json_error(d, v, at, "missing key 'dtype' (such as \"f32\")");
  if (!parse_dtype(d, key[K_DTYPE], &out->dtype)) return false;
  if (key[K_SHAPE] && !parse_shape(d, key[K_SHAPE], out)) return false;
  if (!key[K_SHAPE] && !key[K_DATA])
    return json_error(d, v, at, "missing key 'shape' ([] for a scalar)");
  if (key[K_DATA])
    return check_data(d, key[K_DATA], key[K_SHAPE] != NULL, out);
  if (key[K_FILL]) return fits_dtype(d, key[K_FILL], out->dtype);
  if (key[K_IOTA]) return check_iota(d, key[K_IOTA], out->dtype);
  if (key[K_RANDOM])
    return check_random(d, d->arena, key[K_RANDOM], out->dtype);
  return true;
}

bool spec_value_aval(diag_list *d, const tj_spec *spec, const sjson *v,
                     tj_aval *out) {
  switch (v->kind) {
  case SJ_INT:
    *out = aval_scalar(DT_I32, true);
    return fits_int32(d, v, DT_I32);
  case SJ_FLOAT: *out = aval_scalar(DT_F32, true); return true;
  case SJ_BOOL: *out = aval_scalar(DT_BOOL, false); return true;
  case SJ_ARRAY: return nested_aval(d, v, out);
  case SJ_OBJECT: return object_aval(d, spec, v, out);
  case SJ_STRING:
  case SJ_NULL: break;
  }
  return json_error(d, v, v->span, "%s is not an array value",
                    json_kind_name(v));
}
