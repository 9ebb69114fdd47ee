/* The jit cache key (see cache_key.h for what goes in and why). */
#include "cache_key.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "json_scan.h"
#include "util.h"

#define KEY_VERSION "tjit-key-1"

static cache_digest from_xxh(XXH128_hash_t h) {
  cache_digest d = {h.low64, h.high64};
  return d;
}

static cache_digest digest_of(const tj_buf *b) { return from_xxh(XXH3_128bits(b->data ? b->data : "", b->len)); }

/* ---- canonical encoding: little-endian, lengths before bytes ---- */

static void put_u64(tj_buf *b, uint64_t v) {
  char bytes[8];
  for (int i = 0; i < 8; i++) bytes[i] = (char)(v >> (8 * i));
  buf_putn(b, bytes, 8);
}

static void put_digest(tj_buf *b, cache_digest d) {
  put_u64(b, d.lo);
  put_u64(b, d.hi);
}

static void put_bytes(tj_buf *b, const char *s, size_t n) {
  put_u64(b, n);
  buf_putn(b, s, n);
}

typedef struct key_index {
  uint32_t i;
  const sjson *obj;
} key_index;

static int compare_keys(const void *pa, const void *pb) {
  const key_index *a = pa, *b = pb;
  uint32_t na = json_key_len(a->obj, a->i), nb = json_key_len(b->obj, b->i);
  int c = memcmp(a->obj->keys[a->i], b->obj->keys[b->i], na < nb ? na : nb);
  return c ? c : (na > nb) - (na < nb);
}

/* A static value with its Python type as a tag. A mapping's entries go in
 * key order, since {"a": 1, "b": 2} equals {"b": 2, "a": 1}. */
static void put_static(tj_buf *b, const sjson *j) {
  double f;
  uint64_t bits;
  switch (j->kind) {
  case SJ_NULL: buf_putc(b, 'n'); return;
  case SJ_BOOL: buf_putc(b, 'b'); buf_putc(b, j->b ? 1 : 0); return;
  case SJ_INT: buf_putc(b, 'i'); put_u64(b, (uint64_t)j->i); return;
  case SJ_FLOAT:
    f = j->f == 0 ? 0.0 : j->f; /* -0.0 == 0.0 in Python, one hash */
    memcpy(&bits, &f, sizeof bits);
    buf_putc(b, 'f');
    put_u64(b, bits);
    return;
  case SJ_STRING: buf_putc(b, 's'); put_bytes(b, j->s, j->slen); return;
  case SJ_ARRAY:
    buf_putc(b, 't');
    put_u64(b, j->n);
    for (uint32_t i = 0; i < j->n; i++) put_static(b, j->items[i]);
    return;
  case SJ_OBJECT: break;
  }
  key_index *order = malloc(sizeof *order * (j->n ? j->n : 1));
  if (!order) TJ_OOM();
  for (uint32_t i = 0; i < j->n; i++) order[i] = (key_index){i, j};
  qsort(order, j->n, sizeof *order, compare_keys);
  buf_putc(b, 'm');
  put_u64(b, j->n);
  for (uint32_t i = 0; i < j->n; i++) {
    put_bytes(b, j->keys[order[i].i], json_key_len(j, order[i].i));
    put_static(b, j->items[order[i].i]);
  }
  free(order);
}

static void put_aval(tj_buf *b, const tj_aval *a) {
  buf_putc(b, 'T');
  buf_putc(b, (char)a->dtype);
  buf_putc(b, a->weak ? 1 : 0);
  buf_putc(b, (char)a->rank);
  for (int i = 0; i < a->rank; i++) put_u64(b, (uint64_t)a->dims[i]);
}

cache_digest cache_aval_digest(const tj_aval *a) {
  tj_buf b = {0};
  put_aval(&b, a);
  cache_digest d = digest_of(&b);
  buf_free(&b);
  return d;
}

/* ---- function identity: the entry and every top-level function it reaches ---- */

typedef struct reach {
  const ast_program *prog;
  ast_func **found;
  int n;
} reach;

static void reach_func(reach *r, ast_func *f);

static void reach_node(reach *r, const node *n) {
  if (!n) return;
  if (n->kind == ND_IDENT || n->kind == ND_CALL) {
    ast_func *f = n->name ? ast_find_func(r->prog, n->name) : NULL;
    if (f) reach_func(r, f);
  }
  const node *kids[] = {n->lhs, n->rhs, n->cond, n->then, n->els, n->init, n->inc, n->body};
  for (size_t i = 0; i < TJ_COUNT(kids); i++) reach_node(r, kids[i]);
  for (int i = 0; i < n->nitems; i++) reach_node(r, n->items[i]);
  if (n->kind == ND_FUNC && n->func) reach_node(r, n->func->body);
}

static void reach_func(reach *r, ast_func *f) {
  for (int i = 0; i < r->n; i++)
    if (r->found[i] == f) return;
  r->found[r->n++] = f;
  reach_node(r, f->body);
}

/* Hashes the text of each reached function, in the order reached (which
 * depends only on their own text). */
static cache_digest function_identity(const tj_spec *spec, ast_func *entry) {
  const ast_program *prog = spec->program;
  reach r = {prog, calloc((size_t)prog->nfuncs + 1, sizeof(ast_func *)), 0};
  if (!r.found) TJ_OOM();
  reach_func(&r, entry);
  tj_buf b = {0};
  buf_puts(&b, KEY_VERSION);
  for (int i = 0; i < r.n; i++) {
    tj_span s = r.found[i]->span;
    put_bytes(&b, spec->code.text + s.start, s.end - s.start);
  }
  free(r.found);
  cache_digest d = digest_of(&b);
  buf_free(&b);
  return d;
}

void cache_keyer_init(cache_keyer *k, const tj_spec *spec, ast_func *entry, int autograph) {
  k->spec = spec;
  k->function_id = function_identity(spec, entry);
  k->autograph = autograph < 0 ? spec->autograph : autograph != 0;
}

cache_digest cache_key_combine(const cache_key *k) {
  tj_buf b = {0};
  buf_puts(&b, KEY_VERSION);
  put_digest(&b, k->function_id);
  buf_putc(&b, k->autograph ? 1 : 0);
  put_u64(&b, (uint64_t)k->nargs);
  for (int i = 0; i < k->nargs; i++) {
    buf_putc(&b, k->args[i].omitted ? 'O' : k->args[i].is_static ? 'S' : 'T');
    buf_putc(&b, k->args[i].by_keyword ? 'k' : 'p');
    put_digest(&b, k->args[i].digest);
  }
  cache_digest d = digest_of(&b);
  buf_free(&b);
  return d;
}

/* A traced pytree: its structure (node types, list lengths, dict keys in
 * sorted order, None) with each leaf's aval, in flattening order. */
static void put_tree(tj_buf *b, const sjson *j, const tj_aval *avals, int *k) {
  spec_tree_kind kind = spec_tree_kind_of(j);
  if (kind == ST_NONE) {
    buf_putc(b, 'N');
    return;
  }
  if (kind != ST_LIST && kind != ST_DICT) {
    put_aval(b, &avals[(*k)++]);
    return;
  }
  uint32_t *order = malloc(sizeof *order * (j->n ? j->n : 1));
  if (!order) TJ_OOM();
  for (uint32_t i = 0; i < j->n; i++) order[i] = i;
  if (kind == ST_DICT) spec_tree_dict_order(j, order);
  buf_putc(b, kind == ST_DICT ? 'D' : 'L');
  put_u64(b, j->n);
  for (uint32_t i = 0; i < j->n; i++) {
    if (kind == ST_DICT) put_bytes(b, j->keys[order[i]], json_key_len(j, order[i]));
    put_tree(b, j->items[order[i]], avals, k);
  }
  free(order);
}

/* One argument's digest: a static one's value with its Python type, a
 * traced one's aval (a pytree's structure and avals). */
static cache_digest arg_digest(const cache_key_arg *arg, const bound_arg *bound) {
  if (arg->omitted) return (cache_digest){0, 0}; /* the flag says it all: the default is the function's */
  if (!arg->is_static && !arg->is_tree) return cache_aval_digest(&arg->aval);
  if (!arg->is_static) {
    tj_buf b = {0};
    int k = 0;
    buf_putc(&b, 'P');
    put_tree(&b, arg->json, bound->leaf_avals, &k);
    cache_digest d = digest_of(&b);
    buf_free(&b);
    return d;
  }
  tj_buf b = {0};
  buf_putc(&b, 'S');
  put_static(&b, arg->json);
  cache_digest d = digest_of(&b);
  buf_free(&b);
  return d;
}

void cache_key_for_call(const cache_keyer *k, const bound_call *bc, cache_key *out) {
  out->spec = k->spec;
  out->function_id = k->function_id;
  out->autograph = k->autograph;
  out->nargs = bc->nargs;
  for (int i = 0; i < bc->nargs; i++) {
    const bound_arg *b = &bc->args[i];
    cache_key_arg *a = &out->args[i];
    *a = (cache_key_arg){.name = b->name, .is_static = b->is_static, .by_keyword = b->by_keyword, .json = b->json,
                         .aval = b->is_static ? (tj_aval){0} : b->aval, .is_tree = !b->is_static && b->is_tree,
                         .omitted = b->defaulted};
    a->digest = arg_digest(a, b);
  }
  out->digest = cache_key_combine(out);
}

void cache_digest_hex(cache_digest d, char out[33]) {
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 16; i++) {
    uint64_t w = i < 8 ? d.hi : d.lo;
    unsigned byte = (unsigned)(w >> (8 * (7 - i % 8))) & 0xff;
    out[2 * i] = hex[byte >> 4];
    out[2 * i + 1] = hex[byte & 15];
  }
  out[32] = '\0';
}

/* ---- differences ---- */

static bool passing_differs(const cache_key *a, const cache_key *b) {
  for (int i = 0; i < a->nargs && i < b->nargs; i++)
    if (a->args[i].by_keyword != b->args[i].by_keyword) return true;
  return false;
}

int cache_key_diff(const cache_key *now, const cache_key *before, cache_mismatch *out, int max) {
  int n = 0;
#define ADD(k, i) do { if (n < max) out[n] = (cache_mismatch){(k), (i)}; n++; } while (0)
  if (!cache_digest_equal(now->function_id, before->function_id)) ADD(MM_FUNCTION, -1);
  if (now->autograph != before->autograph) ADD(MM_CONTEXT, -1);
  if (passing_differs(now, before)) ADD(MM_PASSING, -1);
  for (int i = 0; i < now->nargs && i < before->nargs; i++) {
    const cache_key_arg *a = &now->args[i], *b = &before->args[i];
    if (a->omitted != b->omitted) ADD(MM_OMITTED, i);
    else if (cache_digest_equal(a->digest, b->digest)) continue;
    else if (!a->is_static && (a->is_tree || b->is_tree) && !spec_tree_same(a->json, b->json)) ADD(MM_TREE, i);
    else if (!a->is_static) ADD(MM_AVAL, i);
    else if (a->json->kind != b->json->kind) ADD(MM_STATIC_TYPE, i);
    else ADD(MM_STATIC_VALUE, i);
  }
#undef ADD
  return n;
}

int cache_key_distance(const cache_key *now, const cache_key *before) {
  return cache_key_diff(now, before, NULL, 0);
}

const char *cache_static_type(const sjson *j) {
  static const char *names[] = {[SJ_NULL] = "NoneType", [SJ_BOOL] = "bool", [SJ_INT] = "int",
                                [SJ_FLOAT] = "float", [SJ_STRING] = "str", [SJ_ARRAY] = "tuple",
                                [SJ_OBJECT] = "mapping"};
  return names[j->kind];
}

void cache_static_repr(const sjson *j, tj_buf *out) {
  value v = value_none();
  switch (j->kind) {
  case SJ_NULL: break;
  case SJ_BOOL: v = value_bool(j->b); break;
  case SJ_INT: v = value_int(j->i); break;
  case SJ_FLOAT: v = value_float(j->f); break;
  case SJ_STRING: v = (value){.kind = V_STR, .s = j->s, .slen = j->slen}; break;
  case SJ_ARRAY:
    buf_putc(out, '(');
    for (uint32_t i = 0; i < j->n; i++) {
      if (i) buf_puts(out, ", ");
      cache_static_repr(j->items[i], out);
    }
    buf_puts(out, j->n == 1 ? ",)" : ")");
    return;
  case SJ_OBJECT:
    buf_putc(out, '{');
    for (uint32_t i = 0; i < j->n; i++) {
      value key = {.kind = V_STR, .s = j->keys[i], .slen = json_key_len(j, i)};
      if (i) buf_puts(out, ", ");
      value_repr(&key, out);
      buf_puts(out, ": ");
      cache_static_repr(j->items[i], out);
    }
    buf_putc(out, '}');
    return;
  }
  value_repr(&v, out);
}

void cache_aval_text(const tj_aval *a, bool show_weak, tj_buf *out) {
  char text[200];
  aval_format(a, text, sizeof text);
  buf_puts(out, text);
  if (show_weak) buf_printf(out, "{weak_type=%s}", a->weak ? "True" : "False");
}

/* Python's == across bool, int and float (True == 1 == 1.0). */
static bool numerically_equal(const sjson *a, const sjson *b) {
  bool na = a->kind == SJ_BOOL || a->kind == SJ_INT || a->kind == SJ_FLOAT;
  bool nb = b->kind == SJ_BOOL || b->kind == SJ_INT || b->kind == SJ_FLOAT;
  if (!na || !nb) return false;
  double x = a->kind == SJ_BOOL ? a->b : a->f, y = b->kind == SJ_BOOL ? b->b : b->f;
  if (a->kind == SJ_INT && b->kind == SJ_INT) return a->i == b->i;
  return x == y;
}

/* "x, y and z" for the passing mismatch. */
static void put_arg_names(const cache_key *k, tj_buf *out) {
  for (int i = 0; i < k->nargs; i++)
    buf_printf(out, "%s'%s'", i == 0 ? "" : i == k->nargs - 1 ? " and " : ", ", k->args[i].name);
}

static void aval_mismatch_text(const cache_key_arg *a, const cache_key_arg *b, tj_buf *out) {
  bool weak_only = a->aval.weak != b->aval.weak && a->aval.dtype == b->aval.dtype && aval_same_shape(&a->aval, &b->aval);
  buf_printf(out, "%s: now ", a->name);
  cache_aval_text(&a->aval, weak_only, out);
  buf_puts(out, " and before ");
  cache_aval_text(&b->aval, weak_only, out);
}

void cache_mismatch_text(const cache_key *now, const cache_key *before, const cache_mismatch *m, tj_buf *out) {
  const cache_key_arg *a = m->arg >= 0 ? &now->args[m->arg] : NULL, *b = m->arg >= 0 ? &before->args[m->arg] : NULL;
  switch (m->kind) {
  case MM_FUNCTION: buf_puts(out, "the function's source (or a function it calls) changed"); return;
  case MM_CONTEXT:
    buf_printf(out, "autograph: now %s and before %s", now->autograph ? "on" : "off", before->autograph ? "on" : "off");
    return;
  case MM_PASSING:
    put_arg_names(now, out);
    buf_printf(out, ": passed by %s now and by %s before", now->nargs && now->args[0].by_keyword ? "keyword" : "position",
               now->nargs && now->args[0].by_keyword ? "position" : "keyword");
    return;
  case MM_AVAL:
    if (a->is_tree) cache_tree_aval_text(now->spec, a, b, out);
    else aval_mismatch_text(a, b, out);
    return;
  case MM_TREE: cache_tree_mismatch_text(a, b, out); return;
  case MM_OMITTED: /* tjit's words: JAX's explanation names the flattened pytree of the arguments */
    buf_printf(out, "argument '%s': %s now and %s before (left out, it is no argument of the call: its default "
               "applies)", a->name, a->omitted ? "left out" : "given", a->omitted ? "given" : "left out");
    return;
  case MM_STATIC_VALUE:
  case MM_STATIC_TYPE:
    buf_printf(out, "static argument '%s': now ", a->name);
    cache_static_repr(a->json, out);
    buf_puts(out, " and before ");
    cache_static_repr(b->json, out);
    if (m->kind == MM_STATIC_TYPE)
      buf_printf(out, " (%sof type %s now and %s before: jit compares static arguments by type and value)",
                 numerically_equal(a->json, b->json) ? "equal in value but " : "", cache_static_type(a->json),
                 cache_static_type(b->json));
    return;
  }
}
