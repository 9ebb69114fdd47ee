/* The jit cache key of one call, formed as JAX forms it and, as in JAX,
 * before any tracing (DESIGN.md §6, JAX-REFERENCE §3.7, §5):
 *
 *   - the function's identity: a hash of the source text of the entry
 *     function and of every top-level function it reaches (so editing an
 *     unrelated function keeps the key);
 *   - the trace context: autograph on or off;
 *   - per parameter, in the function's order: static or traced, passed by
 *     position or by keyword (or left out, its default applying: as in
 *     jax.jit not an argument, so no value and no aval), and
 *       static: the value with its Python type (JAX compares static
 *               arguments by type *and* value: `1`, `1.0` and `true` are
 *               three keys; a JSON array is a tuple, an object a mapping
 *               whose keys are sorted; -0.0 equals 0.0 as in Python);
 *       traced: the aval (dtype, shape, weak_type), never the values;
 *               of a pytree argument (spec.h) its structure (node
 *               types, list lengths, dict keys, None) and each leaf's.
 *
 * The digest is XXH3-128 over a canonical little-endian byte encoding
 * ("tjit-key-1", the function identity, the context, then each
 * parameter's flags and its own XXH3-128 digest), so it is the same on
 * every platform and can name files of a persistent cache. Two keys are
 * equal when their digests are (a collision needs ~2^64 keys).
 *
 * A key is formed from a call bound by bind.c (spec -> parse -> bind ->
 * key), which has made the call's checks: keying cannot fail.
 *
 * Usage: cache_keyer_init once per spec, then cache_key_for_call per bound
 * call; keys are compared with cache_key_equal and explained by
 * cache_key_diff. */
#ifndef TJ_CACHE_KEY_H
#define TJ_CACHE_KEY_H
#include <stdbool.h>
#include <stdint.h>

#include "ast.h"
#include "bind.h"
#include "spec.h"
#include "util.h"

typedef struct cache_digest {
  uint64_t lo, hi;
} cache_digest;

/* One parameter's part of a key. */
typedef struct cache_key_arg {
  const char *name;        /* the parameter's name */
  bool is_static;
  bool by_keyword;         /* passed as name: value (a JSON object call) */
  const sjson *json;       /* the argument as written */
  tj_aval aval;            /* traced: its aval (a bare array) */
  bool is_tree;            /* traced: a list, dict or None (spec.h), its avals read from json */
  bool omitted;            /* left out by the call (its default applies): no value; json NULL */
  cache_digest digest;     /* the value (static) or aval (traced), without the flags */
} cache_key_arg;

typedef struct cache_key {
  cache_digest digest;     /* the whole key */
  const tj_spec *spec;     /* the spec the args' JSON is in (a pytree leaf's aval is read from it) */
  cache_digest function_id;
  bool autograph;
  int nargs;
  cache_key_arg *args;     /* nargs entries, in parameter order */
} cache_key;

/* What the keys of one spec share: the function identity and the trace
 * context. */
typedef struct cache_keyer {
  const tj_spec *spec;
  cache_digest function_id;
  bool autograph;
} cache_keyer;

/* Hashes the identity of entry (bind.c's binder_init found it);
 * autograph: -1 as the spec says, else 0/1. */
void cache_keyer_init(cache_keyer *k, const tj_spec *spec, ast_func *entry, int autograph);

/* The key of a bound call. out->args must hold bc->nargs entries (the
 * caller owns them); they point into the spec and the program, not into
 * the bound call. */
void cache_key_for_call(const cache_keyer *k, const bound_call *bc, cache_key *out);

/* ---- cache_tree.c: how two pytree arguments differ ---- */
/* "params: different input pytree: at input path params['b'], now ... and
 * before ..., so ..." (JAX's equality_errors_pytreedef texts). */
void cache_tree_mismatch_text(const cache_key_arg *now, const cache_key_arg *before, tj_buf *out);
/* "params['w']: now f32[4] and before f32[3]; ..." for each leaf of two
 * same-structured pytrees whose aval differs. */
void cache_tree_aval_text(const tj_spec *spec, const cache_key_arg *now, const cache_key_arg *before, tj_buf *out);

/* A pytree argument with its leaves' avals: "{'b': f32[3], 'w': [f32[], None]}". */
void cache_tree_text(const tj_spec *spec, const cache_key_arg *arg, tj_buf *out);

/* The digest of a key whose args[] digests or flags were changed. */
cache_digest cache_key_combine(const cache_key *k);
/* The digest a traced argument with this aval would contribute. */
cache_digest cache_aval_digest(const tj_aval *a);

static inline bool cache_digest_equal(cache_digest a, cache_digest b) {
  return a.lo == b.lo && a.hi == b.hi;
}
static inline bool cache_key_equal(const cache_key *a, const cache_key *b) {
  return cache_digest_equal(a->digest, b->digest);
}
/* The digest as 32 lowercase hex digits and a NUL. */
void cache_digest_hex(cache_digest d, char out[33]);

/* How two keys differ, in JAX's order: function, context, how the
 * arguments were passed (one mismatch for all of them), then each
 * argument. */
typedef enum {
  MM_FUNCTION,      /* the function's source changed */
  MM_CONTEXT,       /* autograph on vs off */
  MM_PASSING,       /* by keyword now, by position before (or the reverse) */
  MM_STATIC_VALUE,  /* same Python type, another value */
  MM_STATIC_TYPE,   /* another Python type (1 vs 1.0 vs true) */
  MM_AVAL,          /* dtype, shape or weak_type (of a pytree's leaves) */
  MM_TREE,          /* a traced argument's pytree structure */
  MM_OMITTED,       /* given now and left out before (its default), or the reverse */
} cache_mismatch_kind;

typedef struct cache_mismatch {
  cache_mismatch_kind kind;
  int arg;                 /* the argument (-1 for function/context/passing) */
} cache_mismatch;

/* Number of mismatches between now and before (what "closest" minimizes). */
int cache_key_distance(const cache_key *now, const cache_key *before);
/* Fills up to max mismatches; returns how many there are. */
int cache_key_diff(const cache_key *now, const cache_key *before, cache_mismatch *out, int max);
/* One mismatch in words: "static argument 'threshold': now 10.0 and before
 * 0.0", "x: now f32[4] and before f32[3]", ... */
void cache_mismatch_text(const cache_key *now, const cache_key *before, const cache_mismatch *m, tj_buf *out);
/* A static argument's value as Python's repr() shows it ("10.0", "True"). */
void cache_static_repr(const sjson *j, tj_buf *out);
/* Python's type name of a static JSON value: "int", "float", "tuple", ... */
const char *cache_static_type(const sjson *j);
/* A traced argument's type as JAX's cache-miss messages show it: "f32[3]",
 * with "{weak_type=True}" appended when show_weak. */
void cache_aval_text(const tj_aval *a, bool show_weak, tj_buf *out);

#endif
