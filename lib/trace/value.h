/* Values seen by the tracer: static ones (known while tracing, with Python's
 * scalar types) and traced ones (an IR variable with an aval). */
#ifndef TJ_VALUE_H
#define TJ_VALUE_H
#include <stdbool.h>
#include <stdint.h>

#include "ast.h"
#include "dtype.h"
#include "ir.h"
#include "util.h"

typedef enum {
  V_NONE,    /* None */
  V_BOOL,    /* i: 0/1 — Python bool */
  V_INT,     /* i — Python int (int64 here; overflow is an error) */
  V_FLOAT,   /* f — Python float */
  V_STR,     /* s, slen */
  V_TUPLE,   /* items, n; `list` tells a Python list from a tuple */
  V_MAP,     /* items, n: key, value, key, value... (a static JSON object) */
  V_DTYPE,   /* dtype — x.dtype */
  V_FUNC,    /* func — a user function named in an expression */
  V_TRACED,  /* var — an IR variable */
} value_kind;

typedef struct value value;
struct value {
  value_kind kind;
  int64_t i;
  double f;
  const char *s;
  uint32_t slen;
  value *items;
  int n;
  tj_dtype dtype;
  uint32_t var;
  ast_func *func;
  struct scope *closure;   /* V_FUNC: the scope it was defined in */
  const struct ad_fn *ad;  /* V_FUNC: a function made by grad, value_and_grad
                              or vjp (trace_ad.c), else NULL */
  const struct vmap_fn *vmap; /* V_FUNC: a function made by vmap (trace_vmap.c), else NULL */
  /* static values: bit i set when the value was computed from static
   * parameter i of the entry (explain-recompile's classes, trace.h) */
  uint64_t prov;
  /* V_BOOL/V_INT/V_FLOAT: a numpy scalar of dtype `dtype` (a cast's
   * result, as np.float32(1.0)), strongly typed, not a Python number */
  bool strong;
  /* V_TUPLE: a Python list (JSON arrays passed to traced parameters are
   * lists): another pytree node type than a tuple, printed [a, b] */
  bool list;
};

static inline bool value_is_static(const value *v) { return v->kind != V_TRACED; }
static inline bool value_is_number(const value *v) {
  return v->kind == V_BOOL || v->kind == V_INT || v->kind == V_FLOAT;
}
static inline value value_int(int64_t i) { value v = {.kind = V_INT, .i = i}; return v; }
static inline value value_float(double f) { value v = {.kind = V_FLOAT, .f = f}; return v; }
static inline value value_bool(bool b) { value v = {.kind = V_BOOL, .i = b}; return v; }
static inline value value_strong(value v, tj_dtype dt) { v.strong = true, v.dtype = dt; return v; }
static inline value value_none(void) { value v = {.kind = V_NONE}; return v; }
static inline value value_traced(uint32_t var) { value v = {.kind = V_TRACED, .var = var}; return v; }

/* The value's provenance and its items', for a value used as a whole. */
uint64_t value_prov_deep(const value *v);
/* Marks v and everything inside it as computed from the given parameters. */
void value_add_prov(value *v, uint64_t prov);

/* The order jax.tree_util flattens a dict in: order[i] is the index of
 * the i-th (key, value) pair of map m in sorted key order. */
void value_map_order(const value *m, int *order);
/* Value of the pair whose key is the string s, or NULL. */
const value *value_map_get(const value *m, const char *s, uint32_t slen);

/* Python's truth value of a static value. */
bool value_truthy(const value *v);
/* Python's type name: "int", "float", "bool", "str", "tuple", ... */
const char *value_type_name(const value *v);
/* Python's repr(), as jit's error messages and cache reports show values. */
void value_repr(const value *v, tj_buf *out);
/* Static equality with JAX's cache rule: same type and equal. */
bool value_equal(const value *a, const value *b);
/* value_equal that also tells a numpy scalar from a Python number. */
bool value_same_key(const value *a, const value *b);

#endif
