/* Strict JSON parser for specs: see json_scan.h for why it is not cJSON. */
#include "json_scan.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "util.h"

/* Every node json_parse makes; sjson comes first so the pointers convert.
 * Objects also keep their keys' spans and lengths. */
typedef struct json_node {
  sjson v;
  tj_span *key_spans;
  uint32_t *key_lens;
} json_node;

typedef struct parser {
  tj_arena *a;
  diag_list *d;
  const tj_source *src;
  const char *text;
  uint32_t len, pos;
  uint32_t nvalues;
} parser;

/* One member while an object is read. */
typedef struct member {
  const char *key;
  uint32_t klen;
  tj_span kspan;
  sjson *val;
} member;

enum { SHOW_MAX = 48, PATH_KEY_MAX = 40 };

static sjson *parse_value(parser *p, const char *path, int depth);

/* ---- messages ---------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_seq(const char *s, size_t n) {
  unsigned char c = (unsigned char)s[0];
  size_t len = c < 0x80 ? 1 : c >= 0xF5 ? 0 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3
             : c >= 0xC2 ? 2 : 0;
  if (len == 0 || len > n) return 0;
  for (size_t i = 1; i < len; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) return 0;
  return len;
}

/* Appends s[*i] as text: a whole UTF-8 character, or \xNN for a control
 * or stray byte, so a message never carries raw escapes to a terminal. */
static void put_shown(tj_buf *b, const char *s, size_t n, size_t *i) {
  unsigned char c = (unsigned char)s[*i];
  size_t len = utf8_seq(s + *i, n - *i);
  if (c < 0x20 || c == 0x7f || len == 0) {
    buf_printf(b, "\\x%02x", c);
    (*i)++;
  } else {
    buf_putn(b, s + *i, len);
    *i += len;
  }
}

const char *json_show(tj_arena *a, const char *s, size_t n) {
  tj_buf b = {0};
  size_t i = 0;
  while (i < n && b.len < SHOW_MAX) put_shown(&b, s, n, &i);
  if (i < n) buf_puts(&b, "...");
  char *r = arena_strndup(a, b.data ? b.data : "", b.len);
  buf_free(&b);
  return r;
}

const char *json_kind_name(const sjson *v) {
  switch (v->kind) {
  case SJ_NULL: return "null";
  case SJ_BOOL: return v->b ? "true" : "false";
  case SJ_INT: return "an integer";
  case SJ_FLOAT: return "a float";
  case SJ_STRING: return "a string";
  case SJ_ARRAY: return "an array";
  case SJ_OBJECT: return "an object";
  }
  return "a value";
}

diag_at json_at(diag_list *d, const sjson *v) {
  return (diag_at){d, v->src, v->span, v->path[0] ? v->path : NULL};
}

bool json_error(diag_list *d, const sjson *v, tj_span span, const char *fmt,
                ...) {
  diag_at at = json_at(d, v);
  at.span = span;
  va_list ap;
  va_start(ap, fmt);
  diag_verror_at(&at, d->kind, fmt, ap);
  va_end(ap);
  return false;
}

/* ---- nodes and paths --------------------------------------------------- */

static json_node *new_node(parser *p, sjson_kind kind, const char *path,
                           uint32_t start) {
  json_node *nd = ARENA_NEW(p->a, json_node);
  nd->v.kind = kind;
  nd->v.src = p->src;
  nd->v.span = span_make(start, start);
  nd->v.path = path;
  return nd;
}

static bool is_ident(const char *s, uint32_t n) {
  if (n == 0 || n > PATH_KEY_MAX || (s[0] >= '0' && s[0] <= '9')) return false;
  for (uint32_t i = 0; i < n; i++) {
    char c = s[i];
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9')))
      return false;
  }
  return true;
}

/* parent.key, or parent["odd key"] (clipped, so paths stay short). */
static const char *path_key(parser *p, const char *parent, const char *key,
                            uint32_t n) {
  if (is_ident(key, n))
    return arena_printf(p->a, "%s%s%s", parent, parent[0] ? "." : "", key);
  tj_buf b = {0};
  buf_puts(&b, parent);
  buf_puts(&b, "[\"");
  size_t i = 0;
  while (i < n && i < PATH_KEY_MAX) {
    if (key[i] == '"' || key[i] == '\\') buf_printf(&b, "\\%c", key[i++]);
    else put_shown(&b, key, n, &i);
  }
  buf_puts(&b, i < n ? "...\"]" : "\"]");
  const char *r = arena_strndup(p->a, b.data, b.len);
  buf_free(&b);
  return r;
}

static const char *path_index(parser *p, const char *parent, uint32_t i) {
  return arena_printf(p->a, "%s[%u]", parent, i);
}

/* ---- syntax errors ----------------------------------------------------- */

static bool at_end(const parser *p) { return p->pos >= p->len; }
static char peek(const parser *p) { return at_end(p) ? 0 : p->text[p->pos]; }

static bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         (c >= '0' && c <= '9');
}

/* What stands at pos, for "found X". */
static const char *describe(parser *p, uint32_t pos) {
  if (pos >= p->len) return "end of input";
  const char *s = p->text + pos;
  unsigned char c = (unsigned char)*s;
  if (is_word_char((char)c)) {
    uint32_t n = 0;
    while (pos + n < p->len && n < 20 && is_word_char(s[n])) n++;
    return arena_printf(p->a, "'%.*s'", (int)n, s);
  }
  if (c == '\'') return "\"'\"";
  if (c >= 0x20 && c < 0x7f) return arena_printf(p->a, "'%c'", c);
  size_t n = utf8_seq(s, p->len - pos);
  if (n > 1) return arena_printf(p->a, "'%.*s'", (int)n, s);
  return arena_printf(p->a, "byte 0x%02x", c);
}

static bool syntax_error(parser *p, uint32_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool syntax_error(parser *p, uint32_t at, const char *fmt, ...) {
  tj_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  uint32_t end = at < p->len ? at + 1 : at;
  diag_error(p->d, p->src, span_make(at, end), "invalid JSON: %s", b.data);
  buf_free(&b);
  return false;
}

/* Notes for the usual ways of writing Python or JavaScript instead. */
static void hint_found(parser *p, uint32_t pos) {
  static const struct { const char *word, *json; } words[] = {
      {"True", "true"}, {"False", "false"}, {"None", "null"},
      {"NaN", NULL},    {"Infinity", NULL}, {"nan", NULL}, {"inf", NULL},
  };
  if (pos >= p->len) return;
  const char *s = p->text + pos;
  char c = *s;
  if (c == '\'') diag_note(p->d, "JSON strings are written in double quotes");
  if (c == '/') diag_note(p->d, "JSON has no comments; use a \"comment\" key");
  uint32_t n = 0;
  while (pos + n < p->len && is_word_char(s[n])) n++;
  for (size_t i = 0; i < TJ_COUNT(words); i++) {
    if (strlen(words[i].word) != n || memcmp(s, words[i].word, n)) continue;
    if (words[i].json) diag_note(p->d, "JSON spells it '%s'", words[i].json);
    else diag_note(p->d, "JSON has no NaN or infinity; use a .npy file");
  }
}

/* The value or key expected at pos is missing. */
static sjson *expected(parser *p, const char *what) {
  uint32_t at = p->pos;
  syntax_error(p, at, "expected %s, found %s", what, describe(p, at));
  hint_found(p, at);
  return NULL;
}

static void skip_ws(parser *p) {
  while (!at_end(p)) {
    char c = p->text[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
    p->pos++;
  }
}

static bool count_value(parser *p) {
  if (++p->nvalues <= JSON_MAX_VALUES) return true;
  diag_error(p->d, p->src, span_make(p->pos, p->pos + 1),
             "too many JSON values (limit is %d); put large data in an .npy "
             "file",
             JSON_MAX_VALUES);
  return false;
}

/* ---- strings ----------------------------------------------------------- */

/* Finds the closing quote of the string at p->pos, checking for raw
 * control bytes. Sets *end to the quote's offset. */
static bool string_extent(parser *p, uint32_t *end) {
  uint32_t start = p->pos, i = start + 1;
  for (; i < p->len; i++) {
    unsigned char c = (unsigned char)p->text[i];
    if (c == '"') {
      *end = i;
      return true;
    }
    if (c == '\\') {
      i++;
      continue;
    }
    if (c == '\n' || c == '\r') break;
    if (c < 0x20)
      return syntax_error(p, i,
                          "control character 0x%02x in a string (write it as "
                          "\\u%04x)",
                          c, c);
  }
  return syntax_error(p, start, "unterminated string");
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Reads the 4 hex digits of \uXXXX at i (the backslash). */
static bool read_u16(parser *p, uint32_t i, uint32_t end, unsigned *out) {
  unsigned v = 0;
  if (i + 6 > end || p->text[i + 1] != 'u') return false;
  for (int k = 2; k < 6; k++) {
    int h = hex_value(p->text[i + (uint32_t)k]);
    if (h < 0) return false;
    v = v * 16 + (unsigned)h;
  }
  *out = v;
  return true;
}

static uint32_t put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) return o[0] = (char)cp, 1;
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | cp >> 6), o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | cp >> 12), o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | cp >> 18), o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Decodes \uXXXX (and a surrogate pair) at i into o; advances *i. */
static bool decode_unicode(parser *p, uint32_t *i, uint32_t end, char *o,
                           uint32_t *olen) {
  unsigned hi, lo;
  if (!read_u16(p, *i, end, &hi))
    return syntax_error(p, *i, "'\\u' needs four hex digits");
  *i += 6;
  if (hi >= 0xDC00 && hi <= 0xDFFF)
    return syntax_error(p, *i - 6, "lone surrogate '\\u%04x' in a string", hi);
  if (hi >= 0xD800 && hi <= 0xDBFF) {
    if (!read_u16(p, *i, end, &lo) || lo < 0xDC00 || lo > 0xDFFF)
      return syntax_error(p, *i - 6, "lone surrogate '\\u%04x' in a string",
                          hi);
    *i += 6;
    hi = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
  }
  *olen += put_utf8(o + *olen, hi);
  return true;
}

static bool decode_escape(parser *p, uint32_t *i, uint32_t end, char *o,
                          uint32_t *olen) {
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  char c = p->text[*i + 1];
  if (c == 'u') return decode_unicode(p, i, end, o, olen);
  const char *k = c ? strchr(from, c) : NULL;
  if (!k && c > 0x20 && c < 0x7f)
    return syntax_error(p, *i, "invalid escape '\\%c' in a string", c);
  if (!k) return syntax_error(p, *i, "invalid escape in a string");
  o[(*olen)++] = to[k - from];
  *i += 2;
  return true;
}

/* string = '"' chars '"': decoded into the arena (NUL-terminated too). */
static bool parse_string_raw(parser *p, const char **out, uint32_t *outlen,
                             tj_span *span) {
  uint32_t start = p->pos, end = 0;
  if (!string_extent(p, &end)) return false;
  char *o = arena_alloc(p->a, end - start);
  uint32_t n = 0;
  for (uint32_t i = start + 1; i < end;) {
    if (p->text[i] != '\\') o[n++] = p->text[i++];
    else if (!decode_escape(p, &i, end, o, &n)) return false;
  }
  o[n] = 0;
  *out = o;
  *outlen = n;
  *span = span_make(start, end + 1);
  p->pos = end + 1;
  return true;
}

void json_string_positions(const sjson *v, uint32_t base, pos_map *m) {
  const tj_source *f = v->src;
  parser p = {.src = f, .text = f->text, .len = f->len}; /* read before: no errors */
  uint32_t end = v->span.end - 1, o = base;               /* the closing quote */
  source_position(f, v->span.start + 1, &m->line, &m->col);
  m->pending = 0;
  for (uint32_t i = v->span.start + 1; i < end;) {
    if (f->text[i] != '\\') {
      pos_map_byte(m, o++, (unsigned char)f->text[i++]);
      continue;
    }
    char bytes[4];
    uint32_t from = i, n = 0;
    decode_escape(&p, &i, end, bytes, &n);
    pos_map_atom(m, o, i - from);
    o += n;
  }
  pos_map_atom(m, o, 1);
}

static sjson *parse_string(parser *p, const char *path) {
  json_node *nd = new_node(p, SJ_STRING, path, p->pos);
  if (!parse_string_raw(p, &nd->v.s, &nd->v.slen, &nd->v.span)) return NULL;
  return &nd->v;
}

/* ---- numbers and words ------------------------------------------------- */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static void skip_digits(parser *p) {
  while (is_digit(peek(p))) p->pos++;
}

/* number = "-"? ("0" | [1-9][0-9]*) ("." [0-9]+)? ([eE] [+-]? [0-9]+)?
 * An integer unless it has a fraction or an exponent, as in Python. */
static bool scan_number(parser *p, bool *is_float) {
  uint32_t start = p->pos;
  *is_float = false;
  if (peek(p) == '-') p->pos++;
  if (!is_digit(peek(p)))
    return syntax_error(p, p->pos, "expected a digit after '-', found %s",
                        describe(p, p->pos));
  if (peek(p) == '0' && p->pos + 1 < p->len && is_digit(p->text[p->pos + 1]))
    return syntax_error(p, start, "numbers cannot have leading zeros");
  skip_digits(p);
  if (peek(p) == '.') {
    p->pos++, *is_float = true;
    if (!is_digit(peek(p)))
      return syntax_error(p, p->pos, "expected a digit after '.', found %s",
                          describe(p, p->pos));
    skip_digits(p);
  }
  if (peek(p) == 'e' || peek(p) == 'E') {
    p->pos++, *is_float = true;
    if (peek(p) == '+' || peek(p) == '-') p->pos++;
    if (!is_digit(peek(p)))
      return syntax_error(p, p->pos,
                          "expected a digit in the exponent, found %s",
                          describe(p, p->pos));
    skip_digits(p);
  }
  return true;
}

/* Decimal digits (with optional '-') to int64, false on overflow. */
static bool to_int64(const char *s, uint32_t n, int64_t *out) {
  bool neg = s[0] == '-';
  uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
  for (uint32_t i = neg; i < n; i++) {
    unsigned dgt = (unsigned)(s[i] - '0');
    if (v > (limit - dgt) / 10) return false;
    v = v * 10 + dgt;
  }
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return true;
}

/* Decimal digits (no sign) to uint64, false on overflow. */
static bool to_uint64(const char *s, uint32_t n, uint64_t *out) {
  uint64_t v = 0;
  for (uint32_t i = 0; i < n; i++) {
    unsigned dgt = (unsigned)(s[i] - '0');
    if (dgt > 9 || v > (UINT64_MAX - dgt) / 10) return false;
    v = v * 10 + dgt;
  }
  *out = v;
  return true;
}

static sjson *parse_number(parser *p, const char *path) {
  uint32_t start = p->pos;
  bool is_float;
  uint64_t u;
  if (!scan_number(p, &is_float)) return NULL;
  json_node *nd = new_node(p, is_float ? SJ_FLOAT : SJ_INT, path, start);
  nd->v.span.end = p->pos;
  const char *tok = p->text + start;
  uint32_t n = p->pos - start;
  if (is_float) {
    /* strtod needs a terminated copy: the text need not be. */
    nd->v.f = strtod(arena_strndup(p->a, tok, n), NULL);
    /* JSON has no infinity: an infinite result is an overflow (underflow to
     * a subnormal or zero is a fine value, although strtod says ERANGE). */
    if (isinf(nd->v.f)) {
      json_error(p->d, &nd->v, nd->v.span, "number %s is too large for a double",
                 json_show(p->a, tok, n));
      return NULL;
    }
  } else if (to_int64(tok, n, &nd->v.i)) {
    nd->v.f = (double)nd->v.i;
  } else if (to_uint64(tok, n, &u)) { /* u64 data only: json_parse checks where */
    memcpy(&nd->v.i, &u, sizeof u);
    nd->v.f = (double)u, nd->v.big = true;
  } else {
    json_error(p->d, &nd->v, nd->v.span, "integer %s is out of range for int64",
               json_show(p->a, tok, n));
    return NULL;
  }
  return &nd->v;
}

static sjson *parse_word(parser *p, const char *path) {
  static const struct { const char *w; sjson_kind kind; bool b; } words[] = {
      {"true", SJ_BOOL, true}, {"false", SJ_BOOL, false}, {"null", SJ_NULL, 0}};
  const char *s = p->text + p->pos;
  for (size_t k = 0; k < TJ_COUNT(words); k++) {
    uint32_t n = (uint32_t)strlen(words[k].w);
    if (p->len - p->pos < n || memcmp(s, words[k].w, n)) continue;
    if (p->pos + n < p->len && is_word_char(s[n])) continue;
    json_node *nd = new_node(p, words[k].kind, path, p->pos);
    nd->v.b = words[k].b;
    p->pos += n;
    nd->v.span.end = p->pos;
    return &nd->v;
  }
  return expected(p, "a value");
}

/* ---- containers -------------------------------------------------------- */

static sjson *too_deep(parser *p) {
  diag_error(p->d, p->src, span_make(p->pos, p->pos + 1),
             "too many nested arrays and objects (limit is %d)",
             TJ_MAX_JSON_NEST);
  return NULL;
}

/* A comma just before the closing bracket: a common slip, named. */
static sjson *trailing_comma(parser *p, const char *what) {
  expected(p, what);
  diag_note(p->d, "JSON does not allow a comma before the closing bracket");
  return NULL;
}

/* What follows an element of an array or object: a ',' and another
 * (*more), or the closing bracket. False on anything else, after naming
 * it (after_element: what may follow here; after_comma: what must follow a
 * ',', a comma before the closing bracket being the common slip). */
static bool element_separator(parser *p, char close, const char *after_element, const char *after_comma, bool *more) {
  skip_ws(p);
  *more = peek(p) == ',';
  if (!*more && peek(p) != close) return expected(p, after_element), false;
  if (!*more) return true;
  p->pos++;
  skip_ws(p);
  if (peek(p) == close) return trailing_comma(p, after_comma), false;
  return true;
}

/* array = "[" (value ("," value)*)? "]" */
static sjson *parse_array(parser *p, const char *path, int depth) {
  json_node *nd = new_node(p, SJ_ARRAY, path, p->pos);
  sjson **items = NULL;
  size_t n = 0, cap = 0;
  p->pos++;
  skip_ws(p);
  for (bool more = peek(p) != ']'; more;) {
    sjson *item = parse_value(p, path_index(p, path, (uint32_t)n), depth + 1);
    if (!item) return NULL;
    ARENA_PUSH(p->a, items, n, cap, item);
    if (!element_separator(p, ']', "',' or ']' after an array element", "a value after ','", &more)) return NULL;
  }
  p->pos++; /* ']' */
  nd->v.items = items;
  nd->v.n = (uint32_t)n;
  nd->v.span.end = p->pos;
  return &nd->v;
}

typedef struct key_text {
  const char *s;
  uint32_t n;
} key_text;

static bool key_eq(const void *ctx, uint32_t i, const void *key) {
  const json_node *nd = ctx;
  const key_text *k = key;
  return nd->key_lens[i] == k->n && memcmp(nd->v.keys[i], k->s, k->n) == 0;
}

/* Rejects a key given twice (a hash map: objects may be large). */
static bool check_duplicates(parser *p, json_node *nd) {
  hashmap seen;
  hashmap_init(&seen, p->a);
  hashmap_reserve(&seen, nd->v.n);
  for (uint32_t i = 0; i < nd->v.n; i++) {
    key_text k = {nd->v.keys[i], nd->key_lens[i]};
    uint32_t first = hashmap_add(&seen, hash_bytes(k.s, k.n), key_eq, nd, &k, i);
    if (first != HASHMAP_NONE) {
      json_error(p->d, &nd->v, nd->key_spans[i], "duplicate key '%s'", json_show(p->a, k.s, k.n));
      diag_note_at(p->d, p->src, nd->key_spans[first], "first given here");
      return false;
    }
  }
  return true;
}

static void set_members(parser *p, json_node *nd, const member *m, size_t n) {
  nd->v.n = (uint32_t)n;
  nd->v.items = ARENA_ARRAY(p->a, sjson *, n);
  nd->v.keys = ARENA_ARRAY(p->a, const char *, n);
  nd->key_spans = ARENA_ARRAY(p->a, tj_span, n);
  nd->key_lens = ARENA_ARRAY(p->a, uint32_t, n);
  for (size_t i = 0; i < n; i++) {
    nd->v.items[i] = m[i].val;
    nd->v.keys[i] = m[i].key;
    nd->key_spans[i] = m[i].kspan;
    nd->key_lens[i] = m[i].klen;
  }
}

/* member = string ":" value */
static bool parse_member(parser *p, const char *path, int depth, member *m) {
  if (peek(p) != '"') {
    expected(p, "a string key");
    if (is_word_char(peek(p)))
      diag_note(p->d, "JSON keys are written in double quotes");
    return false;
  }
  if (!parse_string_raw(p, &m->key, &m->klen, &m->kspan)) return false;
  skip_ws(p);
  if (peek(p) != ':') return expected(p, "':' after the key");
  p->pos++;
  skip_ws(p);
  m->val = parse_value(p, path_key(p, path, m->key, m->klen), depth + 1);
  return m->val != NULL;
}

/* object = "{" (member ("," member)*)? "}" */
static sjson *parse_object(parser *p, const char *path, int depth) {
  json_node *nd = new_node(p, SJ_OBJECT, path, p->pos);
  member *ms = NULL;
  size_t n = 0, cap = 0;
  p->pos++;
  skip_ws(p);
  for (bool more = peek(p) != '}'; more;) {
    member m;
    if (!parse_member(p, path, depth, &m)) return NULL;
    ARENA_PUSH(p->a, ms, n, cap, m);
    if (!element_separator(p, '}', "',' or '}' after an object member", "a string key after ','", &more)) return NULL;
  }
  p->pos++; /* '}' */
  set_members(p, nd, ms, n);
  nd->v.span.end = p->pos;
  return check_duplicates(p, nd) ? &nd->v : NULL;
}

/* value = object | array | string | number | "true" | "false" | "null" */
static sjson *parse_value(parser *p, const char *path, int depth) {
  if (!count_value(p)) return NULL;
  char c = peek(p);
  if ((c == '[' || c == '{') && depth >= TJ_MAX_JSON_NEST) return too_deep(p);
  if (c == '[') return parse_array(p, path, depth);
  if (c == '{') return parse_object(p, path, depth);
  if (c == '"') return parse_string(p, path);
  if (c == '-' || is_digit(c)) return parse_number(p, path);
  return parse_word(p, path);
}

static bool key_named(const sjson *obj, uint32_t i, const char *name) {
  size_t n = strlen(name);
  return json_key_len(obj, i) == n && memcmp(obj->keys[i], name, n) == 0;
}

/* Whether obj says "dtype": "u64" (or another name of uint64). */
static bool is_u64_object(const sjson *obj) {
  tj_dtype dt;
  for (uint32_t i = 0; i < obj->n; i++)
    if (key_named(obj, i, "dtype"))
      return obj->items[i]->kind == SJ_STRING && dtype_parse(obj->items[i]->s, obj->items[i]->slen, &dt) &&
             dt == DT_U64;
  return false;
}

/* Integers above INT64_MAX are the elements of "data" or "fill" beside
 * "dtype": "u64" only (spec.c's fits_dtype takes them there); anywhere
 * else they are the int64 range error they always were. */
static bool check_big(parser *p, const sjson *v, bool allowed) {
  if (v->kind == SJ_INT && v->big && !allowed) {
    const char *tok = p->text + v->span.start;
    json_error(p->d, v, v->span, "integer %s is out of range for int64",
               json_show(p->a, tok, v->span.end - v->span.start));
    return false;
  }
  bool u64 = v->kind == SJ_OBJECT && is_u64_object(v);
  for (uint32_t i = 0; (v->kind == SJ_ARRAY || v->kind == SJ_OBJECT) && i < v->n; i++) {
    bool data = v->kind == SJ_OBJECT && u64 && (key_named(v, i, "data") || key_named(v, i, "fill"));
    if (!check_big(p, v->items[i], v->kind == SJ_ARRAY ? allowed : data)) return false;
  }
  return true;
}

const sjson *json_parse(tj_arena *a, diag_list *d, const tj_source *src,
                        const char *root_path) {
  parser p = {a, d, src, src->text, src->len, 0, 0};
  if (p.len >= 3 && memcmp(p.text, "\xEF\xBB\xBF", 3) == 0) p.pos = 3;
  skip_ws(&p);
  sjson *root = parse_value(&p, root_path, 0);
  if (!root) return NULL;
  skip_ws(&p);
  if (!at_end(&p)) {
    syntax_error(&p, p.pos, "expected end of input after the value, found %s",
                 describe(&p, p.pos));
    return NULL;
  }
  return check_big(&p, root, false) ? root : NULL;
}

/* ---- queries ----------------------------------------------------------- */

tj_span json_key_span(const sjson *obj, uint32_t i) {
  return ((const json_node *)obj)->key_spans[i];
}

uint32_t json_key_len(const sjson *obj, uint32_t i) {
  return ((const json_node *)obj)->key_lens[i];
}

const sjson *json_member(const sjson *obj, const char *key, uint32_t *index) {
  size_t n = strlen(key);
  for (uint32_t i = 0; i < obj->n; i++)
    if (json_key_len(obj, i) == n && memcmp(obj->keys[i], key, n) == 0) {
      if (index) *index = i;
      return obj->items[i];
    }
  return NULL;
}

sjson *json_wrap_in_array(tj_arena *a, const sjson *v) {
  json_node *nd = ARENA_NEW(a, json_node);
  nd->v.kind = SJ_ARRAY;
  nd->v.src = v->src;
  nd->v.span = v->span;
  nd->v.path = v->path;
  nd->v.items = ARENA_ARRAY(a, sjson *, 1);
  nd->v.items[0] = (sjson *)v;
  nd->v.n = 1;
  return &nd->v;
}

bool json_has_nul(const sjson *v) {
  return v->kind == SJ_STRING && memchr(v->s, 0, v->slen) != NULL;
}
