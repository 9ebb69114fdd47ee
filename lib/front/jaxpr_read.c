/* Reading a jaxpr listing (jaxpr_read.h): a recursive-descent reader over
 * the text, one pass, building the module as it goes with the equation
 * builder (ir_build), so each equation's shape rule checks its operands
 * and gives its outputs' avals, which must be the ones written.
 *
 * Recursion is bounded: sub-jaxprs by TJ_MAX_JAXPR_NEST (as ir_check
 * and the tracer), a param value's tuples in each other by
 * TJ_MAX_LISTING_NEST; every other loop is iterative. */
#include "jaxpr_read.h"

#include <math.h>
#include <float.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "ir_build.h"
#include "prims.h"
#include "util.h"

/* A name bound in one jaxpr's scope. */
typedef struct binding {
  uint32_t scope, start, len, var;
} binding;

/* A jaxpr bound by `let NAME = { ... } in`: its name's and its body's
 * place. Read when first used (print.c hoists in JAX's breadth-first
 * order, so a hoisted jaxpr may use one printed after it). */
typedef struct shared_jaxpr {
  uint32_t start, len;
  uint32_t body;
  ir_jaxpr *j;
  enum { SHARED_UNREAD, SHARED_READING, SHARED_READ } state;
} shared_jaxpr;

/* A name, and the latest binding of it in any jaxpr. */
typedef struct name_entry {
  uint32_t start, len, bind;
} name_entry;

typedef struct reader {
  diag_list *d;
  const tj_source *src;
  const char *s;
  uint32_t n, pos;
  ir_module *m;
  tj_arena tmp;              /* the reader's own tables */
  binding *binds;
  size_t nbinds, capbinds;
  hashmap index;             /* (scope, name) → index into binds */
  uint32_t scope, nscopes;
  shared_jaxpr *shared;
  size_t nshared, capshared;
  hashmap shared_index;      /* name → index into shared */
  uint32_t top_start;        /* where the top jaxpr starts */
  uint32_t *parent;          /* per scope, the scope it is read in (0: none) */
  size_t nparent, capparent;
  name_entry *names;
  size_t nnames, capnames;
  hashmap name_index;        /* name → index into names */
  uint32_t *later_consts;    /* constvars of jaxprs other than the top's */
  size_t nlater, caplater;
  uint64_t const_elements;
  uint64_t neqns;
  int depth;                 /* param values being read in each other */
  int jaxpr_depth;           /* jaxprs being read in each other (top: 1) */
  bool failed;
} reader;

/* ---- errors ---- */

static bool fail_at(reader *r, uint32_t start, uint32_t end, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool fail_at(reader *r, uint32_t start, uint32_t end, const char *fmt, ...) {
  if (r->failed) return false;
  r->failed = true;
  tj_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  diag_error(r->d, r->src, span_make(start, end > start ? end : start), "%s", b.data ? b.data : "");
  buf_free(&b);
  return false;
}

/* ---- characters and tokens ---- */

static bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_word(int c) { return is_alpha(c) || is_digit(c); }
static bool is_space(int c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

static void skip_ws(reader *r) {
  while (r->pos < r->n && is_space((unsigned char)r->s[r->pos])) r->pos++;
}

/* The byte at pos, or -1 at the end. */
static int at(const reader *r, uint32_t pos) { return pos < r->n ? (unsigned char)r->s[pos] : -1; }

/* The next byte after white space, or -1 at the end. */
static int peek(reader *r) {
  skip_ws(r);
  return at(r, r->pos);
}

/* The length of the word at pos (0: none). */
static uint32_t word_len(const reader *r, uint32_t pos) {
  uint32_t k = pos;
  if (!is_alpha(at(r, k))) return 0;
  while (is_word(at(r, k))) k++;
  return k - pos;
}

static bool word_is(const reader *r, uint32_t pos, const char *w) {
  uint32_t len = word_len(r, pos);
  return len == strlen(w) && memcmp(r->s + pos, w, len) == 0;
}

/* The end of the token at pos, for an error's span: a word or number, or
 * one byte. */
static uint32_t token_end(const reader *r, uint32_t pos) {
  uint32_t k = pos;
  while (k < r->n && (is_word(at(r, k)) || at(r, k) == '.' || at(r, k) == '<' || at(r, k) == '>')) k++;
  if (k == pos && pos < r->n) k++;
  return k;
}

/* An error at the next token, saying what was expected and what is there. */
static bool fail_expected(reader *r, const char *what) {
  skip_ws(r);
  uint32_t p = r->pos, e = token_end(r, p);
  int c = at(r, p);
  if (c < 0) return fail_at(r, p, p, "expected %s, found the end of the listing", what);
  if (c >= 0x80 || c < 0x20)
    return fail_at(r, p, p + 1, "expected %s, found the byte 0x%02X", what, (unsigned)c);
  return fail_at(r, p, e, "expected %s, found '%.*s'", what, (int)(e - p), r->s + p);
}

static bool expect_char(reader *r, char c, const char *what) {
  if (peek(r) != (unsigned char)c) return fail_expected(r, what);
  r->pos++;
  return true;
}

static bool expect_word(reader *r, const char *w) {
  skip_ws(r);
  if (!word_is(r, r->pos, w)) {
    char what[32];
    snprintf(what, sizeof what, "'%s'", w);
    return fail_expected(r, what);
  }
  r->pos += (uint32_t)strlen(w);
  return true;
}

/* A copy of s[start..start+len) in m's arena. */
static char *text_copy(reader *r, uint32_t start, uint32_t len) {
  return arena_strndup(&r->m->arena, r->s + start, len);
}

static bool nest_in(reader *r) {
  if (++r->depth <= TJ_MAX_LISTING_NEST) return true;
  skip_ws(r);
  return fail_at(r, r->pos, token_end(r, r->pos), "a value is nested too deeply (limit is %d)",
                 TJ_MAX_LISTING_NEST);
}

/* The top jaxpr and TJ_MAX_JAXPR_NEST levels of sub-jaxprs below it. */
static bool jaxpr_nest_in(reader *r) {
  if (++r->jaxpr_depth <= TJ_MAX_JAXPR_NEST + 1) return true;
  skip_ws(r);
  return fail_at(r, r->pos, token_end(r, r->pos), "too many nested sub-jaxprs (limit is %d)", TJ_MAX_JAXPR_NEST);
}

/* ---- names ---- */

typedef struct name_key {
  uint32_t scope, start, len;
} name_key;

static bool binding_eq(const void *ctx, uint32_t i, const void *key) {
  const reader *r = ctx;
  const binding *b = &r->binds[i];
  const name_key *k = key;
  return b->scope == k->scope && b->len == k->len && memcmp(r->s + b->start, r->s + k->start, k->len) == 0;
}

static uint64_t name_hash(const reader *r, const name_key *k) {
  return hash_bytes(r->s + k->start, k->len) ^ hash_u64(k->scope);
}

/* The variable name s[start..+len) stands for in the current jaxpr, or
 * UINT32_MAX. */
static uint32_t lookup(reader *r, uint32_t start, uint32_t len) {
  name_key k = {r->scope, start, len};
  uint32_t i = hashmap_find(&r->index, name_hash(r, &k), binding_eq, r, &k);
  return i == HASHMAP_NONE ? UINT32_MAX : r->binds[i].var;
}

static bool name_entry_eq(const void *ctx, uint32_t i, const void *key) {
  const reader *r = ctx;
  const name_entry *a = &r->names[i], *b = key;
  return a->len == b->len && memcmp(r->s + a->start, r->s + b->start, b->len) == 0;
}

/* The entry of the name, added when absent. */
static name_entry *name_of(reader *r, uint32_t start, uint32_t len, bool add) {
  name_entry key = {start, len, UINT32_MAX};
  uint64_t h = hash_bytes(r->s + start, len);
  uint32_t i = add ? hashmap_add(&r->name_index, h, name_entry_eq, r, &key, (uint32_t)r->nnames)
                   : hashmap_find(&r->name_index, h, name_entry_eq, r, &key);
  if (i != HASHMAP_NONE) return &r->names[i];
  if (!add) return NULL;
  ARENA_PUSH(&r->tmp, r->names, r->nnames, r->capnames, key);
  return &r->names[r->nnames - 1];
}

static bool bound_in(reader *r, uint32_t scope, uint32_t start, uint32_t len) {
  name_key k = {scope, start, len};
  return hashmap_find(&r->index, name_hash(r, &k), binding_eq, r, &k) != HASHMAP_NONE;
}

/* Whether scope a is s or encloses it. */
static bool encloses(const reader *r, uint32_t a, uint32_t s) {
  for (; s; s = r->parent[s])
    if (s == a) return true;
  return false;
}

/* The variable a binder names when another jaxpr, not around this one nor
 * inside it, bound the name first, else UINT32_MAX. print.c names each
 * variable once, from one counter, so a name met again is the same
 * variable (JAX's jvp of a while loop keeps the cond_jaxpr's variables in
 * a new jaxpr), but for the names a jit's body borrows from its equation
 * (suggest_same_var_names): those of the jaxprs around it, or its
 * equation's outputs, bound after the body. */
static uint32_t shared_var(reader *r, uint32_t start, uint32_t len) {
  if (len == 1 && r->s[start] == '_') return UINT32_MAX;
  for (uint32_t s = r->parent[r->scope]; s; s = r->parent[s])
    if (bound_in(r, s, start, len)) return UINT32_MAX;
  const name_entry *n = name_of(r, start, len, false);
  if (!n) return UINT32_MAX;
  const binding *b = &r->binds[n->bind];
  if (encloses(r, r->scope, b->scope)) return UINT32_MAX;
  return b->var;
}

/* The variable a binder with this written aval makes: a new one, or the
 * one shared_var finds, whose aval must be the same. */
static bool binder_var(reader *r, uint32_t start, uint32_t len, uint32_t end, const tj_aval *av, uint32_t *var) {
  uint32_t v = shared_var(r, start, len);
  if (v == UINT32_MAX) {
    *var = ir_new_var(r->m, av);
    return true;
  }
  const tj_aval *was = &r->m->vars[v];
  if (was->dtype != av->dtype || !aval_same_shape(was, av)) {
    char a[256], b[256];
    aval_format(was, a, sizeof a);
    aval_format(av, b, sizeof b);
    return fail_at(r, start, end, "'%.*s' is %s elsewhere, here %s", (int)len, r->s + start, a, b);
  }
  *var = v;
  return true;
}

/* Binds the name to var in the current jaxpr; a second binding is an
 * error, but for `_`: the top jaxpr's dropped results are all `_`, and a
 * jit's body may borrow the name from a dropped result (print.c's
 * suggest_same_names), so `_` names the latest result it was given to. */
static bool bind(reader *r, uint32_t start, uint32_t len, uint32_t var) {
  name_key k = {r->scope, start, len};
  uint32_t i = hashmap_add(&r->index, name_hash(r, &k), binding_eq, r, &k, (uint32_t)r->nbinds);
  if (i != HASHMAP_NONE && len == 1 && r->s[start] == '_') {
    r->binds[i].var = var;
    return true;
  }
  if (i != HASHMAP_NONE) {
    fail_at(r, start, start + len, "'%.*s' is defined twice", (int)len, r->s + start);
    const binding *first = &r->binds[i];
    diag_note_at(r->d, r->src, span_make(first->start, first->start + first->len), "first defined here");
    return false;
  }
  binding b = {r->scope, start, len, var};
  ARENA_PUSH(&r->tmp, r->binds, r->nbinds, r->capbinds, b);
  name_of(r, start, len, true)->bind = (uint32_t)r->nbinds - 1;
  return true;
}

/* ---- types and literals ---- */

static bool read_dtype(reader *r, tj_dtype *out) {
  skip_ws(r);
  uint32_t start = r->pos, k = start;
  while (is_word(at(r, k)) || at(r, k) == '<' || at(r, k) == '>') k++;
  for (int t = 0; t < DT_COUNT; t++) {
    const char *name = dtype_short((tj_dtype)t);
    if (strlen(name) == k - start && memcmp(name, r->s + start, k - start) == 0) {
      *out = (tj_dtype)t;
      r->pos = k;
      return true;
    }
  }
  if (k == start) return fail_expected(r, "a type");
  return fail_at(r, start, k, "unknown dtype '%.*s'", (int)(k - start), r->s + start);
}

/* A dimension: digits, at most TJ_MAX_ELEMENTS. */
static bool read_dim(reader *r, int64_t *out) {
  skip_ws(r);
  uint32_t start = r->pos;
  if (!is_digit(at(r, start))) return fail_expected(r, "a dimension");
  int64_t v = 0;
  while (is_digit(at(r, r->pos))) {
    v = v * 10 + (r->s[r->pos++] - '0');
    if (v > TJ_MAX_ELEMENTS)
      return fail_at(r, start, token_end(r, start), "dimension too large (limit is %lld)",
                     (long long)TJ_MAX_ELEMENTS);
  }
  *out = v;
  return true;
}

/* TYPE: f32[3,4]. */
static bool read_type(reader *r, tj_aval *av) {
  skip_ws(r);
  uint32_t start = r->pos;
  memset(av, 0, sizeof *av);
  if (!read_dtype(r, &av->dtype)) return false;
  if (at(r, r->pos) != '[') return fail_expected(r, "'[' after the dtype");
  r->pos++;
  if (peek(r) != ']')
    for (;;) {
      if (av->rank == TJ_MAX_RANK)
        return fail_at(r, r->pos, token_end(r, r->pos), "too many dimensions (limit is %d)", TJ_MAX_RANK);
      if (!read_dim(r, &av->dims[av->rank++])) return false;
      if (peek(r) != ',') break;
      r->pos++;
    }
  if (!expect_char(r, ']', "',' or ']' in the shape")) return false;
  if (!aval_within_limits(av))
    return fail_at(r, start, r->pos, "too many elements in one array (limit is %lld)", (long long)TJ_MAX_ELEMENTS);
  if (av->dtype == DT_KEY && av->rank >= TJ_MAX_RANK)
    return fail_at(r, start, r->pos, "a PRNG key array has at most %d dimensions", TJ_MAX_RANK - 1);
  return true;
}

/* The extent of a number as Python prints one (1, -2, 0.5, 1e-05, -inf,
 * nan): from pos, the run of its characters. */
static uint32_t number_end(const reader *r, uint32_t pos) {
  uint32_t k = pos;
  if (at(r, k) == '-') k++;
  while (is_word(at(r, k)) || at(r, k) == '.' ||
         ((at(r, k) == '-' || at(r, k) == '+') && (at(r, k - 1) == 'e' || at(r, k - 1) == 'E')))
    k++;
  return k;
}

/* An integer's text into *out; false (no error) when it is not one. */
static bool int_text(const char *s, uint32_t n, int64_t *out) {
  uint32_t i = 0;
  bool neg = n > 0 && s[0] == '-';
  if (neg) i++;
  if (i == n) return false;
  uint64_t v = 0;
  for (; i < n; i++) {
    if (!is_digit((unsigned char)s[i])) return false;
    if (v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  if (v > (uint64_t)INT64_MAX + neg) return false;
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return true;
}

/* A float's text as Python's repr writes one into *out; false when it is
 * not one. */
static bool float_text(const char *s, uint32_t n, double *out) {
  uint32_t i = 0;
  bool neg = n > 0 && s[0] == '-';
  if (neg) i++;
  if (n - i == 3 && memcmp(s + i, "inf", 3) == 0) { *out = neg ? -INFINITY : INFINITY; return true; }
  if (n - i == 3 && memcmp(s + i, "nan", 3) == 0) { *out = NAN; return true; }
  uint32_t digits = 0;
  bool point = false;  /* repr always writes a point or an exponent */
  while (i < n && is_digit((unsigned char)s[i])) i++, digits++;
  if (i < n && s[i] == '.') {
    i++, point = true;
    while (i < n && is_digit((unsigned char)s[i])) i++, digits++;
  }
  if (!digits) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++, point = true;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    uint32_t exp = 0;
    while (i < n && is_digit((unsigned char)s[i])) i++, exp++;
    if (!exp) return false;
  }
  if (i != n || n > 400 || !point) return false;
  char tmp[401];
  memcpy(tmp, s, n);
  tmp[n] = 0;
  *out = strtod(tmp, NULL);
  return true;
}

/* A literal's value of dtype t, written s[start..end). */
static bool literal_value(reader *r, uint32_t start, uint32_t end, tj_dtype t, ir_lit *lit) {
  const char *s = r->s + start;
  uint32_t n = end - start;
  lit->dtype = t;
  switch (dtype_kindof(t)) {
  case DK_BOOL:
    if (n == 4 && memcmp(s, "True", 4) == 0) { lit->i = 1; return true; }
    if (n == 5 && memcmp(s, "False", 5) == 0) { lit->i = 0; return true; }
    return fail_at(r, start, end, "'%.*s' is not a bool (True or False)", (int)n, s);
  case DK_SIGNED:
  case DK_UNSIGNED:
    if (!int_text(s, n, &lit->i) || !dtype_int_fits(lit->i, t))
      return fail_at(r, start, end, "'%.*s' is not a value of %s", (int)n, s, dtype_long(t));
    return true;
  case DK_FLOAT:
    if (!float_text(s, n, &lit->f))
      return fail_at(r, start, end, "'%.*s' is not a float", (int)n, s);
    if (isfinite(lit->f) && t == DT_F32) {
      if (fabs(lit->f) > FLT_MAX)
        return fail_at(r, start, end, "'%.*s' is out of the range of float32", (int)n, s);
      lit->f = (double)(float)lit->f;
    }
    return true;
  default:
    return fail_at(r, start, end, "a literal of dtype %s is not allowed", dtype_short(t));
  }
}

/* VALUE ":" TYPE at pos: a scalar literal. */
static bool read_literal(reader *r, ir_atom *out) {
  skip_ws(r);
  uint32_t start = r->pos, end = number_end(r, start);
  if (end == start) return fail_expected(r, "an operand");
  r->pos = end;
  if (at(r, r->pos) != ':') return fail_expected(r, "':' and the literal's type");
  r->pos++;
  uint32_t type_start = r->pos;
  tj_aval av;
  if (!read_type(r, &av)) return false;
  if (av.rank) return fail_at(r, type_start, r->pos, "a literal is a scalar: its type has no dimensions");
  ir_lit lit = {0};
  if (!literal_value(r, start, end, av.dtype, &lit)) return false;
  *out = ir_new_lit(r->m, &lit);
  return true;
}

/* An operand: a variable of the current jaxpr or a literal. */
static bool read_atom(reader *r, ir_atom *out) {
  skip_ws(r);
  uint32_t start = r->pos, len = word_len(r, start);
  if (len && at(r, start + len) != ':') {
    uint32_t v = lookup(r, start, len);
    if (v == UINT32_MAX)
      return fail_at(r, start, start + len, "'%.*s' is not defined", (int)len, r->s + start);
    r->pos += len;
    *out = ATOM_VAR(v);
    return true;
  }
  return read_literal(r, out);
}

/* ---- param values ---- */

static ir_jaxpr *read_jaxpr(reader *r, ir_jaxpr *j, uint32_t parent);
static pval *read_py(reader *r);

/* A name param's text as written: up to white space or the closing ']'
 * outside brackets and quotes (`(Precision.HIGH, Precision.HIGH)`). */
static pval *read_raw(reader *r) {
  skip_ws(r);
  uint32_t start = r->pos;
  int depth = 0;
  char quote = 0;
  for (; r->pos < r->n; r->pos++) {
    char c = r->s[r->pos];
    if (quote) { if (c == quote) quote = 0; continue; }
    if (c == '\'' || c == '"') quote = c;
    else if (c == '(' || c == '[' || c == '{') depth++;
    else if ((c == ')' || c == ']' || c == '}') && depth > 0) depth--;
    else if ((c == ']' || is_space((unsigned char)c)) && depth == 0) break;
    else if (c == ')' || c == '}') break;
    else if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f) break;
  }
  if (r->pos == start) return fail_expected(r, "a value"), NULL;
  if (quote || depth) return fail_at(r, start, r->pos, "unbalanced brackets or quotes in a value"), NULL;
  return pv_name(r->m, text_copy(r, start, r->pos - start));
}

static bool shared_eq(const void *ctx, uint32_t i, const void *key) {
  const reader *r = ctx;
  const shared_jaxpr *a = &r->shared[i], *b = key;
  return a->len == b->len && memcmp(r->s + a->start, r->s + b->start, b->len) == 0;
}

/* The `let` jaxpr of that name, or NULL; added (as sh) when add is set
 * and it is absent. */
static shared_jaxpr *shared_find(reader *r, const shared_jaxpr *sh, bool add) {
  uint64_t h = hash_bytes(r->s + sh->start, sh->len);
  uint32_t i = add ? hashmap_add(&r->shared_index, h, shared_eq, r, sh, (uint32_t)r->nshared)
                   : hashmap_find(&r->shared_index, h, shared_eq, r, sh);
  if (i != HASHMAP_NONE) return &r->shared[i];
  if (add) ARENA_PUSH(&r->tmp, r->shared, r->nshared, r->capshared, *sh);
  return NULL;
}

/* The length of a `let` jaxpr's name at pos: print.c takes it from a jit's
 * name= text (its angle brackets stripped), so any printable run up to
 * white space, a bracket or '='. */
static uint32_t shared_name_len(const reader *r, uint32_t pos) {
  uint32_t k = pos;
  for (int c; (c = at(r, k)) > ' ' && c < 0x7f && !strchr("()[]{}=", c);) k++;
  return k - pos;
}

static shared_jaxpr *shared_named(reader *r, uint32_t start, uint32_t len) {
  shared_jaxpr key = {.start = start, .len = len};
  return shared_find(r, &key, false);
}

/* Reads a `let` jaxpr's body (once), wherever the reader is. */
static ir_jaxpr *read_shared_body(reader *r, shared_jaxpr *sh, uint32_t use) {
  if (sh->state == SHARED_READ) return sh->j;
  if (sh->state == SHARED_READING)
    return fail_at(r, use, use + sh->len, "the jaxpr '%.*s' uses itself", (int)sh->len, r->s + sh->start), NULL;
  uint32_t back = r->pos;
  size_t at_index = (size_t)(sh - r->shared);
  sh->state = SHARED_READING;
  r->pos = sh->body;
  ir_jaxpr *j = read_jaxpr(r, ir_jaxpr_new(r->m), 0);
  sh = &r->shared[at_index];
  if (!j) return NULL;
  sh->j = j;
  sh->state = SHARED_READ;
  r->pos = back;
  return j;
}

/* A sub-jaxpr: inline, or the name a `let` gave it. */
static pval *read_jaxpr_value(reader *r) {
  skip_ws(r);
  if (at(r, r->pos) == '{') {
    ir_jaxpr *j = read_jaxpr(r, ir_jaxpr_new(r->m), r->scope);
    return j ? pv_jaxpr(r->m, j) : NULL;
  }
  uint32_t start = r->pos, len = shared_name_len(r, start);
  if (!len) return fail_expected(r, "a jaxpr"), NULL;
  shared_jaxpr *sh = shared_named(r, start, len);
  if (!sh) return fail_at(r, start, start + len, "no jaxpr is named '%.*s'", (int)len, r->s + start), NULL;
  ir_jaxpr *j = read_shared_body(r, sh, start);
  if (!j) return NULL;
  r->pos = start + len;
  return pv_jaxpr(r->m, j);
}

/* A list of pvals while it is read. */
typedef struct pval_list {
  pval **v;
  size_t n, cap;
} pval_list;

static pval *seq_of(reader *r, pval_kind kind, const pval_list *l) {
  pval *v = pv_seq(r->m, kind, (int)l->n);
  for (size_t i = 0; i < l->n; i++) v->items[i] = l->v[i];
  return v;
}

/* cond's branches: ( {...} {...} ), jaxprs or names, no commas. */
static pval *read_jaxprs(reader *r) {
  if (!expect_char(r, '(', "'(' before the jaxprs")) return NULL;
  pval_list l = {0};
  while (peek(r) != ')') {
    if (l.n == TJ_MAX_TUPLE) return fail_at(r, r->pos, r->pos + 1, "too many jaxprs (limit is %d)", TJ_MAX_TUPLE), NULL;
    pval *v = read_jaxpr_value(r);
    if (!v) return NULL;
    ARENA_PUSH(&r->tmp, l.v, l.n, l.cap, v);
  }
  r->pos++;
  return seq_of(r, PV_TUPLE, &l);
}

/* ( ... ) or [ ... ]: items between commas, a tuple's one item with its
 * trailing comma. */
static pval *read_seq(reader *r, char close, pval_kind kind) {
  r->pos++;
  pval_list l = {0};
  while (peek(r) != (unsigned char)close) {
    if (l.n == TJ_MAX_TUPLE) return fail_at(r, r->pos, r->pos + 1, "too many items (limit is %d)", TJ_MAX_TUPLE), NULL;
    pval *v = read_py(r);
    if (!v) return NULL;
    ARENA_PUSH(&r->tmp, l.v, l.n, l.cap, v);
    if (peek(r) == ',') r->pos++;
    else if (peek(r) != (unsigned char)close)
      return fail_expected(r, close == ')' ? "',' or ')'" : "',' or ']'"), NULL;
  }
  r->pos++;
  return seq_of(r, kind, &l);
}

/* The records tjit's params hold, with their fields in printed order. */
static const struct record_decl {
  const char *name;
  const char *const *fields;
  int n;
} records[] = {
  {"GatherDimensionNumbers", ir_gather_fields, IR_GATHER_FIELDS},
  {"ScatterDimensionNumbers", ir_scatter_fields, IR_SCATTER_FIELDS},
  {"ConvDimensionNumbers", ir_conv_fields, IR_CONV_FIELDS},
};

/* Name(field=value, ...): every field of the record, in order. */
static pval *read_record(reader *r, uint32_t start, uint32_t len) {
  const struct record_decl *rec = NULL;
  for (size_t i = 0; i < TJ_COUNT(records); i++)
    if (strlen(records[i].name) == len && memcmp(records[i].name, r->s + start, len) == 0) rec = &records[i];
  if (!rec) return fail_at(r, start, start + len, "unknown record '%.*s'", (int)len, r->s + start), NULL;
  r->pos = start + len + 1;
  pval *v = pv_record(r->m, rec->name, rec->fields, rec->n);
  for (int i = 0; i < rec->n; i++) {
    if (i && !expect_char(r, ',', "',' between the record's fields")) return NULL;
    skip_ws(r);
    if (!word_is(r, r->pos, rec->fields[i])) {
      char what[64];
      snprintf(what, sizeof what, "the field '%s'", rec->fields[i]);
      return fail_expected(r, what), NULL;
    }
    r->pos += (uint32_t)strlen(rec->fields[i]);
    if (!expect_char(r, '=', "'=' after the field")) return NULL;
    if (!(v->items[i] = read_py(r))) return NULL;
  }
  return expect_char(r, ')', "')' after the record's fields") ? v : NULL;
}

/* np.int64(3): a numpy scalar's repr. */
static pval *read_np_scalar(reader *r, uint32_t start) {
  r->pos = start + 3;
  if (!word_is(r, r->pos, "int64")) return fail_expected(r, "int64"), NULL;
  r->pos += 5;
  if (!expect_char(r, '(', "'('")) return NULL;
  skip_ws(r);
  uint32_t ns = r->pos, ne = number_end(r, ns);
  int64_t i;
  if (!int_text(r->s + ns, ne - ns, &i)) return fail_expected(r, "an integer"), NULL;
  r->pos = ne;
  return expect_char(r, ')', "')'") ? pv_np_int64(r->m, i) : NULL;
}

/* dtype('float32'): a dtype's repr, in a container. */
static pval *read_dtype_repr(reader *r, uint32_t start) {
  r->pos = start + 5;
  if (!expect_char(r, '(', "'('") || !expect_char(r, '\'', "a quoted dtype")) return NULL;
  uint32_t ds = r->pos;
  while (is_word(at(r, r->pos))) r->pos++;
  for (int t = 0; t < DT_COUNT; t++)
    if (strlen(dtype_long((tj_dtype)t)) == r->pos - ds && memcmp(dtype_long((tj_dtype)t), r->s + ds, r->pos - ds) == 0) {
      if (!expect_char(r, '\'', "'\\''") || !expect_char(r, ')', "')'")) return NULL;
      return pv_dtype(r->m, (tj_dtype)t);
    }
  return fail_at(r, ds, r->pos, "unknown dtype '%.*s'", (int)(r->pos - ds), r->s + ds), NULL;
}

/* A word: None, True, False, inf, nan, a dtype, a record, np.int64(..). */
static pval *read_py_word(reader *r, uint32_t start, uint32_t len) {
  const char *w = r->s + start;
  if (at(r, start + len) == '(' ) {
    if (len == 5 && memcmp(w, "dtype", 5) == 0) return read_dtype_repr(r, start);
    return read_record(r, start, len);
  }
  if (len == 2 && memcmp(w, "np", 2) == 0 && at(r, start + 2) == '.') return read_np_scalar(r, start);
  r->pos = start + len;
  if (len == 4 && memcmp(w, "None", 4) == 0) return pv_none(r->m);
  if (len == 4 && memcmp(w, "True", 4) == 0) return pv_bool(r->m, true);
  if (len == 5 && memcmp(w, "False", 5) == 0) return pv_bool(r->m, false);
  if (len == 3 && memcmp(w, "inf", 3) == 0) return pv_float(r->m, INFINITY);
  if (len == 3 && memcmp(w, "nan", 3) == 0) return pv_float(r->m, NAN);
  for (int t = 0; t < DT_COUNT; t++)
    if (strlen(dtype_long((tj_dtype)t)) == len && memcmp(dtype_long((tj_dtype)t), w, len) == 0)
      return pv_dtype(r->m, (tj_dtype)t);
  return fail_at(r, start, start + len, "unexpected '%.*s' in a value", (int)len, w), NULL;
}

/* A number: an int, or a float when Python's repr would make it one. */
static pval *read_py_number(reader *r) {
  uint32_t start = r->pos, end = number_end(r, start);
  int64_t i;
  double f;
  r->pos = end;
  if (int_text(r->s + start, end - start, &i)) return pv_int(r->m, i);
  if (float_text(r->s + start, end - start, &f)) return pv_float(r->m, f);
  return fail_at(r, start, end, "'%.*s' is not a number", (int)(end - start), r->s + start), NULL;
}

/* Python's str() of a value: None, bools, numbers, dtypes, tuples, lists,
 * records, quoted strings (kept with their quotes, as names). */
static pval *read_py(reader *r) {
  if (!nest_in(r)) return NULL;
  pval *v = NULL;
  int c = peek(r);
  uint32_t start = r->pos;
  if (c == '(') v = read_seq(r, ')', PV_TUPLE);
  else if (c == '[') v = read_seq(r, ']', PV_LIST);
  else if (c == '-' || is_digit(c)) v = read_py_number(r);
  else if (c == '\'') {
    uint32_t k = start + 1;
    while (k < r->n && r->s[k] != '\'' && r->s[k] != '\n') k++;
    if (at(r, k) != '\'') fail_at(r, start, k, "unterminated string");
    else {
      r->pos = k + 1;
      v = pv_name(r->m, text_copy(r, start, k + 1 - start));
    }
  } else if (is_alpha(c)) v = read_py_word(r, start, word_len(r, start));
  else fail_expected(r, "a value");
  r->depth--;
  return v;
}

/* A param's value, read as its kind says. */
static pval *read_param_value(reader *r, unsigned kind) {
  skip_ws(r);
  if ((kind & PK_OR_NONE) && word_is(r, r->pos, "None")) {
    r->pos += 4;
    return pv_none(r->m);
  }
  switch (kind & PK_KIND_MASK) {
  case PK_NAME: return read_raw(r);
  case PK_JAXPR: return read_jaxpr_value(r);
  case PK_JAXPRS: return read_jaxprs(r);
  default: return read_py(r);
  }
}

/* ---- equations ---- */

/* The param of prim declared as key, or NULL. */
static const param_spec *param_decl(int prim, const char *key, uint32_t len) {
  const prim_param_decl *decl = &prim_params[prim];
  for (int i = 0; i < decl->n; i++)
    if (strlen(decl->specs[i].key) == len && memcmp(decl->specs[i].key, key, len) == 0) return &decl->specs[i];
  return NULL;
}

enum { MAX_EQN_PARAMS = 32 };

/* [key=value ...] into ps; *n their number. */
static bool read_params(reader *r, int prim, ir_param *ps, uint16_t *n) {
  const char *pname = prims[prim].name;
  r->pos++; /* '[' */
  while (peek(r) != ']') {
    uint32_t start = r->pos, len = word_len(r, start);
    if (!len) return fail_expected(r, "a param name or ']'");
    const param_spec *spec = param_decl(prim, r->s + start, len);
    if (!spec) return fail_at(r, start, start + len, "unknown param '%.*s' of '%s'", (int)len, r->s + start, pname);
    for (uint16_t i = 0; i < *n; i++)
      if (strcmp(ps[i].key, spec->key) == 0)
        return fail_at(r, start, start + len, "param '%s' of '%s' is given twice", spec->key, pname);
    r->pos += len;
    if (at(r, r->pos) != '=') return fail_expected(r, "'=' after the param name");
    r->pos++;
    uint32_t vstart = r->pos;
    pval *v = read_param_value(r, spec->kind);
    if (!v) return false;
    if (!ir_pval_is(v, spec->kind)) {
      char kind[64];
      ir_kind_text(spec->kind, kind, sizeof kind);
      return fail_at(r, vstart, r->pos, "param '%s' of '%s' must be %s", spec->key, pname, kind);
    }
    ps[(*n)++] = (ir_param){spec->key, v};
  }
  r->pos++;
  return true;
}

/* Every param prim requires is among ps (the error at the primitive). */
static bool params_complete(reader *r, int prim, const ir_param *ps, uint16_t n, uint32_t start, uint32_t end) {
  const prim_param_decl *decl = &prim_params[prim];
  for (int i = 0; i < decl->n; i++) {
    bool given = false;
    for (uint16_t k = 0; k < n; k++) given |= strcmp(ps[k].key, decl->specs[i].key) == 0;
    if (decl->specs[i].required && !given)
      return fail_at(r, start, end, "'%s' needs the param '%s'", prims[prim].name, decl->specs[i].key);
  }
  return true;
}

/* JAX binds while's cond_jaxpr before its body_jaxpr; the printer meets
 * sub-jaxprs in the params' stored order to name the hoisted ones, so the
 * params are kept in bind order, not the listing's sorted one. */
static void bind_order(int prim, ir_param *ps, uint16_t n) {
  if (prim != P_while) return;
  ir_param sorted[MAX_EQN_PARAMS];
  uint16_t k = 0;
  for (uint16_t i = 0; i < n; i++)
    if (strncmp(ps[i].key, "cond_", 5) == 0) sorted[k++] = ps[i];
  for (uint16_t i = 0; i < n; i++)
    if (strncmp(ps[i].key, "cond_", 5) != 0) sorted[k++] = ps[i];
  memcpy(ps, sorted, n * sizeof *ps);
}

/* Whether a binder list starts at pos: (NAME ":" TYPE)+ "=". Only looks. */
static bool binders_ahead(reader *r) {
  uint32_t save = r->pos;
  bool yes = false;
  for (;;) {
    skip_ws(r);
    uint32_t len = word_len(r, r->pos);
    if (!len || at(r, r->pos + len) != ':') break;
    r->pos += len + 1;
    while (r->pos < r->n && r->s[r->pos] != ']' && !is_space((unsigned char)r->s[r->pos])) r->pos++;
    if (at(r, r->pos) != ']') break;
    r->pos++;
    if (peek(r) == '=') { yes = true; break; }
  }
  r->pos = save;
  return yes;
}

/* Whether the word at pos is a literal's value (then `nan:f32[]` may be
 * an operand or a variable named nan: print.c's names run through every
 * word of letters). */
static bool literal_word(const reader *r, uint32_t pos) {
  return word_is(r, pos, "nan") || word_is(r, pos, "inf") || word_is(r, pos, "True") || word_is(r, pos, "False");
}

/* Whether a line break comes between the last token and pos. */
static bool line_starts(const reader *r, uint32_t pos) {
  while (pos > 0 && is_space(at(r, pos - 1)))
    if (r->s[--pos] == '\n') return true;
  return false;
}

/* Where an equation's operands end: the next equation, `in (`, `;`. An
 * equation printed broken starts a line, and one printed flat follows a
 * `;`: so `nan:f32[] b:f32[] = ...` on the line of an equation is the
 * literal nan then the next equation, and at a line's start the
 * binders of one. */
static bool operands_end(reader *r) {
  int c = peek(r);
  if (c < 0 || c == ';' || c == '}' || c == ')' || c == ']') return true;
  uint32_t p = r->pos;
  if (word_is(r, p, "in")) {
    uint32_t k = p + 2;
    while (is_space(at(r, k))) k++;
    if (at(r, k) == '(') return true;
  }
  if (literal_word(r, p) && !line_starts(r, p)) return false;
  return binders_ahead(r);
}

/* A binder being read: its name's place and its written aval. */
typedef struct binder {
  uint32_t start, len, type_end;
  tj_aval aval;
} binder;

static bool read_binder(reader *r, binder *b) {
  skip_ws(r);
  b->start = r->pos;
  b->len = word_len(r, b->start);
  if (!b->len) return fail_expected(r, "a variable name");
  r->pos += b->len;
  if (at(r, r->pos) != ':') return fail_expected(r, "':' and the variable's type");
  r->pos++;
  if (!read_type(r, &b->aval)) return false;
  b->type_end = r->pos;
  return true;
}

typedef struct binder_list {
  binder *v;
  size_t n, cap;
} binder_list;

/* The written avals against the shape rule's: dtype and shape (weak types
 * are not printed; the rule's stands). */
static bool avals_agree(reader *r, const ir_eqn *e, const binder_list *outs) {
  for (uint32_t i = 0; i < e->nout; i++) {
    tj_aval *got = &r->m->vars[e->out[i]];
    const binder *b = &outs->v[i];
    if (got->dtype != b->aval.dtype || !aval_same_shape(got, &b->aval)) {
      char want[256], have[256];
      aval_format(&b->aval, want, sizeof want);
      aval_format(got, have, sizeof have);
      return fail_at(r, b->start, b->type_end, "'%.*s' is written %s, but %s gives %s", (int)b->len,
                     r->s + b->start, want, prims[e->prim].name, have);
    }
  }
  return true;
}

static bool read_prim(reader *r, int *prim, uint32_t *start, uint32_t *end) {
  skip_ws(r);
  *start = r->pos;
  uint32_t len = word_len(r, *start);
  if (!len) return fail_expected(r, "a primitive");
  while (at(r, *start + len) == '-' && word_len(r, *start + len + 1)) /* scatter-add */
    len += 1 + word_len(r, *start + len + 1);
  *end = *start + len;
  r->pos = *end;
  char name[64];
  if (len >= sizeof name) return fail_at(r, *start, *end, "unknown primitive '%.*s'", (int)len, r->s + *start);
  memcpy(name, r->s + *start, len);
  name[len] = 0;
  *prim = prim_lookup(name);
  if (*prim < 0) return fail_at(r, *start, *end, "unknown primitive '%s'", name);
  return true;
}

/* The primitives of more than one result, whose shape rules check how
 * many (the others' give out[0] only). */
static bool multi_output(int prim) {
  switch (prim) {
  case P_jit: case P_cond: case P_while: case P_scan: case P_custom_jvp_call: case P_custom_vjp_call:
  case P_custom_lin: case P_svd: case P_threefry2x32: case P_sort: case P_top_k: case P_split: case P_unstack:
    return true;
  default:
    return false;
  }
}

/* BINDER* "=" PRIM [PARAMS] ATOM*, appended to j. */
static bool read_eqn(reader *r, ir_jaxpr *j) {
  binder_list outs = {0};
  if (binders_ahead(r)) {
    while (peek(r) != '=') {
      binder b;
      if (!read_binder(r, &b)) return false;
      ARENA_PUSH(&r->tmp, outs.v, outs.n, outs.cap, b);
    }
    r->pos++;
  }
  int prim = 0;
  uint32_t pstart = 0, pend = 0;
  if (!read_prim(r, &prim, &pstart, &pend)) return false;
  ir_param ps[MAX_EQN_PARAMS];
  uint16_t np = 0;
  if (at(r, r->pos) == '[' && !read_params(r, prim, ps, &np)) return false;
  if (!params_complete(r, prim, ps, np, pstart, pend)) return false;
  bind_order(prim, ps, np);
  ir_atom *in = NULL;
  size_t nin = 0, capin = 0;
  while (!operands_end(r)) {
    ir_atom a;
    if (!read_atom(r, &a)) return false;
    ARENA_PUSH(&r->tmp, in, nin, capin, a);
  }
  if (!multi_output(prim) && outs.n != 1)
    return fail_at(r, pstart, pend, "'%s' gives 1 result, not %zu", prims[prim].name, outs.n);
  if (prims[prim].nin >= 0 && nin != (size_t)prims[prim].nin)
    return fail_at(r, pstart, pend, "'%s' takes %d operand%s, not %zu", prims[prim].name, prims[prim].nin,
                   prims[prim].nin == 1 ? "" : "s", nin);
  if (++r->neqns > TJ_MAX_EQNS)
    return fail_at(r, pstart, pend, "too many equations (limit is %d)", TJ_MAX_EQNS);
  tj_aval *hint = ARENA_ARRAY(&r->tmp, tj_aval, outs.n + 1);
  for (size_t i = 0; i < outs.n; i++) hint[i] = outs.v[i].aval;
  ir_eqn_desc desc = {prim, in, (uint32_t)nin, ps, np, (uint32_t)outs.n, hint, span_make(pstart, pend)};
  ir_eqn *e = ir_build(r->m, j, &desc, r->d);
  if (!e) return r->failed = true, false;
  if (!avals_agree(r, e, &outs)) return false;
  for (uint32_t i = 0; i < e->nout; i++) {
    const binder *b = &outs.v[i];
    uint32_t v = shared_var(r, b->start, b->len);
    if (v != UINT32_MAX) {
      if (!aval_equal(&r->m->vars[v], &r->m->vars[e->out[i]]))
        return fail_at(r, b->start, b->type_end, "'%.*s' is of another type elsewhere", (int)b->len, r->s + b->start);
      e->out[i] = v;
    }
    if (!bind(r, b->start, b->len, e->out[i])) return false;
  }
  return true;
}

/* ---- jaxprs ---- */

/* BINDER* up to `stop`: j's constvars or invars, bound in its scope. */
static bool read_jaxpr_binders(reader *r, char stop, uint32_t **vars, uint32_t *n, const char ***names) {
  binder_list l = {0};
  while (peek(r) != (unsigned char)stop) {
    binder b;
    if (!read_binder(r, &b)) return false;
    ARENA_PUSH(&r->tmp, l.v, l.n, l.cap, b);
  }
  r->pos++;
  *vars = ARENA_ARRAY(&r->m->arena, uint32_t, l.n + 1);
  *n = (uint32_t)l.n;
  if (names) *names = ARENA_ARRAY(&r->m->arena, const char *, l.n + 1);
  for (size_t i = 0; i < l.n; i++) {
    if (!binder_var(r, l.v[i].start, l.v[i].len, l.v[i].type_end, &l.v[i].aval, &(*vars)[i])) return false;
    if (names) (*names)[i] = text_copy(r, l.v[i].start, l.v[i].len);
    if (!bind(r, l.v[i].start, l.v[i].len, (*vars)[i])) return false;
  }
  return true;
}

static bool read_outs(reader *r, ir_jaxpr *j) {
  if (!expect_char(r, '(', "'(' before the jaxpr's outputs")) return false;
  ir_atom *outs = NULL;
  size_t n = 0, cap = 0;
  while (peek(r) != ')') {
    ir_atom a;
    if (!read_atom(r, &a)) return false;
    ARENA_PUSH(&r->tmp, outs, n, cap, a);
    if (peek(r) == ',') r->pos++;
    else if (peek(r) != ')') return fail_expected(r, "',' or ')'");
  }
  r->pos++;
  ir_build_outs(r->m, j, outs, (uint32_t)n);
  return true;
}

/* Constants take zeros until the caller gives their values (JAX does not
 * print them); ir_check wants every constvar to hold data. Their elements
 * in all stay within TJ_MAX_CONST_TOTAL, as a spec's constants do (the
 * error at the jaxpr's '{' at open). */
static bool const_room(reader *r, const ir_jaxpr *j, uint32_t open) {
  for (uint32_t i = 0; i < j->nconst; i++) {
    r->const_elements += (uint64_t)aval_size(&r->m->vars[j->constvars[i]]);
    if (r->const_elements > (uint64_t)TJ_MAX_CONST_TOTAL)
      return fail_at(r, open, open + 1, "the constants have too many elements (limit is %lld)",
                     (long long)TJ_MAX_CONST_TOTAL);
    if (j != r->m->top) ARENA_PUSH(&r->tmp, r->later_consts, r->nlater, r->caplater, j->constvars[i]);
  }
  return true;
}

/* { lambda CONSTS; INS. let EQNS in (OUTS) } into j, in a scope of its own. */
static ir_jaxpr *read_jaxpr_in(reader *r, ir_jaxpr *j, const char ***const_names, const char ***in_names) {
  uint32_t open = (skip_ws(r), r->pos);
  if (!expect_char(r, '{', "'{'") || !expect_word(r, "lambda")) return NULL;
  if (!read_jaxpr_binders(r, ';', &j->constvars, &j->nconst, const_names)) return NULL;
  if (!read_jaxpr_binders(r, '.', &j->invars, &j->nin, in_names)) return NULL;
  if (!const_room(r, j, open) || !expect_word(r, "let")) return NULL;
  while (!word_is(r, (skip_ws(r), r->pos), "in") || binders_ahead(r)) {
    if (peek(r) == ';') { r->pos++; continue; }
    if (peek(r) < 0) return fail_expected(r, "an equation or 'in'"), NULL;
    if (!read_eqn(r, j)) return NULL;
  }
  r->pos += 2;
  if (!read_outs(r, j) || !expect_char(r, '}', "'}' after the jaxpr's outputs")) return NULL;
  return j;
}

/* A jaxpr read in scope parent (0: a closed jaxpr no jit lends names to). */
static ir_jaxpr *read_jaxpr_named(reader *r, ir_jaxpr *j, uint32_t parent, const char ***const_names,
                                  const char ***in_names) {
  if (!jaxpr_nest_in(r)) return NULL;
  uint32_t outer = r->scope;
  r->scope = ++r->nscopes;
  ARENA_PUSH(&r->tmp, r->parent, r->nparent, r->capparent, parent);
  ir_jaxpr *got = read_jaxpr_in(r, j, const_names, in_names);
  r->scope = outer;
  r->jaxpr_depth--;
  return got;
}

static ir_jaxpr *read_jaxpr(reader *r, ir_jaxpr *j, uint32_t parent) {
  return read_jaxpr_named(r, j, parent, NULL, NULL);
}

/* Moves past the jaxpr text at pos, a '{' to its matching '}' (braces in
 * quotes aside), without reading it. */
static bool skip_braces(reader *r) {
  uint32_t start = r->pos;
  uint64_t depth = 0;
  char quote = 0;
  for (; r->pos < r->n; r->pos++) {
    char c = r->s[r->pos];
    if (quote) { if (c == quote || c == '\n') quote = 0; continue; }
    if (c == '\'' || c == '"') quote = c;
    else if (c == '{') depth++;
    else if (c == '}' && --depth == 0) { r->pos++; return true; }
  }
  return fail_at(r, start, start + 1, "this '{' is never closed");
}

/* let NAME = { ... } in: a jaxpr printed once and used by name; only
 * found here, read when first used. */
static bool find_shared(reader *r) {
  r->pos += 3;
  skip_ws(r);
  uint32_t start = r->pos, len = shared_name_len(r, start);
  if (!len) return fail_expected(r, "a jaxpr's name");
  shared_jaxpr sh = {start, len, 0, NULL, SHARED_UNREAD};
  if (shared_named(r, start, len))
    return fail_at(r, start, start + len, "the jaxpr '%.*s' is defined twice", (int)len, r->s + start);
  r->pos += len;
  if (!expect_char(r, '=', "'='")) return false;
  if (peek(r) != '{') return fail_expected(r, "'{'");
  sh.body = r->pos;
  if (!skip_braces(r)) return false;
  if (!expect_word(r, "in")) return false;
  shared_find(r, &sh, true);
  return true;
}

static void zero_consts(reader *r) {
  const ir_jaxpr *top = r->m->top;
  for (uint32_t i = 0; i < top->nconst; i++) {
    size_t bytes = ir_aval_bytes(&r->m->vars[top->constvars[i]]);
    void *zeros = calloc(bytes ? bytes : 1, 1);
    if (!zeros) TJ_OOM();
    ir_const_set(r->m, top->constvars[i], zeros);
    free(zeros);
  }
  for (size_t i = 0; i < r->nlater; i++) {
    size_t bytes = ir_aval_bytes(&r->m->vars[r->later_consts[i]]);
    void *zeros = calloc(bytes ? bytes : 1, 1);
    if (!zeros) TJ_OOM();
    ir_const_set(r->m, r->later_consts[i], zeros);
    free(zeros);
  }
}

static bool read_listing(reader *r, jaxpr_listing *got) {
  while (peek(r) >= 0 && word_is(r, r->pos, "let"))
    if (!find_shared(r)) return false;
  r->top_start = r->pos;
  for (size_t i = 0; i < r->nshared; i++) /* each read, used or not */
    if (!read_shared_body(r, &r->shared[i], r->shared[i].start)) return false;
  r->pos = r->top_start;
  if (!read_jaxpr_named(r, r->m->top, 0, &got->const_names, &got->in_names)) return false;
  if (peek(r) >= 0) return fail_expected(r, "the end of the listing");
  zero_consts(r);
  return true;
}

bool jaxpr_read(diag_list *d, const tj_source *src, jaxpr_listing *out) {
  reader r = {.d = d, .src = src, .s = src->text, .n = src->len};
  r.m = ir_new(src);
  hashmap_init(&r.index, &r.tmp);
  hashmap_init(&r.name_index, &r.tmp);
  hashmap_init(&r.shared_index, &r.tmp);
  ARENA_PUSH(&r.tmp, r.parent, r.nparent, r.capparent, 0u); /* scope 0: none */
  diag_kind was = diag_set_kind(d, DIAG_KIND_SYNTAX);
  jaxpr_listing got = {r.m, NULL, NULL};
  bool ok = read_listing(&r, &got);
  diag_set_kind(d, was);
  ok = ok && ir_check(r.m, d);
  arena_free(&r.tmp);
  if (!ok) {
    ir_free(r.m);
    return false;
  }
  *out = got;
  return true;
}
