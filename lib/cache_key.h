/* The jit cache key of one call, formed as JAX forms it and, as in JAX,
 * before any tracing (DESIGN.md §6, JAX-REFERENCE §3.7, §5):
 *
 *   - the function's identity: a hash of the source text of the entry
 *     function and of every top-level function it reaches (so editing an
 *     unrelated function keeps the key);
 *   - the trace context: autograph on or off;
 *   - per parameter, in the function's order: static or traced, passed by
 *     position or by keyword, and
 *       static: the value with its Python type (JAX compares static
 *               arguments by type *and* value: `1`, `1.0` and `true` are
 *               three keys; a JSON array is a tuple, an object a mapping
 *               whose keys are sorted; -0.0 equals 0.0 as in Python);
 *       traced: the aval (dtype, shape, weak_type), never the values.
 *
 * The digest is XXH3-128 over a canonical little-endian byte encoding
 * ("tjit-key-1", the function identity, the context, then each
 * parameter's flags and its own XXH3-128 digest), so it is the same on
 * every platform and can name files of a persistent cache. Two keys are
 * equal when their digests are (a collision needs ~2^64 keys).
 *
 * Usage: cache_keyer_init once per spec, then cache_key_for_call per call;
 * keys are compared with cache_key_equal and explained by cache_key_diff. */
#ifndef TJ_CACHE_KEY_H
#define TJ_CACHE_KEY_H
#include <stdbool.h>
#include <stdint.h>

#include "api.h"
#include "ast.h"
#include "spec.h"
#include "trace.h"

typedef struct cache_digest {
  uint64_t lo, hi;
} cache_digest;

/* One parameter's part of a key. */
typedef struct cache_key_arg {
  const char *name;        /* the parameter's name */
  bool is_static;
  bool by_keyword;         /* passed as name: value (a JSON object call) */
  const sjson *json;       /* the argument as written */
  tj_aval aval;            /* traced: its aval */
  cache_digest digest;     /* the value (static) or aval (traced), without the flags */
} cache_key_arg;

typedef struct cache_key {
  cache_digest digest;     /* the whole key */
  cache_digest function_id;
  bool autograph;
  int nargs;
  cache_key_arg *args;     /* nargs entries, in parameter order */
} cache_key;

/* What the keys of one spec share: the entry function, which parameters
 * are static, the function identity. */
typedef struct cache_keyer {
  tracer t;                /* for trace.c's binding checks (no module) */
  tj_spec *spec;
  bool is_static[TJ_MAX_PARAMS];
  int nparams;
  cache_digest function_id;
  bool autograph;
  bool program_error;      /* cache_key_check_types failed on the program's declaration */
} cache_keyer;

/* Finds the entry function and hashes its identity; autograph: -1 as the
 * spec says, else 0/1. False with diagnostics in ctx (a spec error). */
bool cache_keyer_init(cache_keyer *k, tj_ctx *ctx, tj_spec *spec, int autograph);
void cache_keyer_free(cache_keyer *k);

/* The key of one call. out->args must hold k->nparams entries (the caller
 * owns them). False with a diagnostic when the call cannot be made: a
 * missing or unknown argument, an unhashable static argument, a traced
 * argument that is not an array (JAX raises these before tracing too). */
bool cache_key_for_call(cache_keyer *k, const spec_call *call, cache_key *out);

/* Whether the call's values fit the parameters' declared types (such as
 * f32[3] x), as tracing checks them: false with tjit check's diagnostic,
 * and k->program_error set when tjit check calls it a program error (a
 * static parameter declared as an array). A key needs no such check, so
 * cache_key_for_call does not make it. */
bool cache_key_check_types(cache_keyer *k, const cache_key *key);

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
  MM_AVAL,          /* dtype, shape or weak_type */
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
