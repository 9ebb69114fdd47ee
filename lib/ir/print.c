/* The jaxpr listing as JAX 0.10.x prints it (jax/_src/core.py:
 * pp_toplevel_jaxpr, JaxprPpContext, _dropvars, pp_kv_pair, pp_jaxprs, and
 * pjit.py's _pjit_pp_rule), and its JSON form.
 *
 * The rules are those of jax-v0.10.2, the last 0.10 release; earlier 0.10
 * releases differ: 0.10.0 marks unused outputs `_` in every jaxpr (DropVars
 * made while tracing) and builds each hoisted jaxpr's text before naming
 * the next, and neither 0.10.0 nor 0.10.1 hoists large sub-jaxprs.
 *
 * What JAX 0.10.2 does, and so this file:
 *  - Names: one counter (a..z, ba, bb, ...; no `aa`) for the whole listing,
 *    given in the order the printer first touches a variable: constvars,
 *    invars, then per equation its outputs, its params (sub-jaxprs), its
 *    operands; finally the outvars.
 *  - `_`: only outputs of *top-level* equations that nothing later reads
 *    (_dropvars runs on the jaxpr being printed, not on sub-jaxprs); `_` is
 *    pre-seeded and takes no letter.
 *  - jit: before the equation is printed, the inner jaxpr's invars take the
 *    names of the operands and its outvars the names of the equation's
 *    outputs (suggest_same_var_names; an operand or output is lent once, and
 *    only to a variable not named yet). Touching the outputs there names
 *    them, so an output whose inner var is already named is named later.
 *    Then `name=` first, the other params sorted. Skipped for hoisted jaxprs.
 *  - Hoisting: a sub-jaxpr used twice or more (counted over every path from
 *    the top, as JAX's breadth-first walk counts), or any sub-jaxpr of more
 *    than 10 equations, prints once before the main jaxpr as
 *    `let NAME = { ... } in` + newline and is referenced as NAME. NAME is the
 *    stripped `name=` of the first equation with one that holds it, else `jaxpr`;
 *    a repeated NAME gets the count appended (`jaxpr`, `jaxpr1`, ...). These
 *    names are skipped by the variable counter. Hoisted jaxprs are printed
 *    first, so their variables take the first letters.
 *
 * JSON schema (print_jaxpr_json; docs/schemas/trace.schema.json); names
 * are the listing's:
 *   {"version": 1,                          TJ_JSON_VERSION
 *    "listing": TEXT,                       print_jaxpr's text
 *    "jaxpr": JAXPR,                        m->top
 *    "shared": [{"name": "f", "jaxpr": JAXPR}, ...]}   hoisted, in listing order
 *   JAXPR  = {"constvars": [BINDER], "invars": [BINDER], "eqns": [EQN],
 *             "outvars": [ATOM]}
 *   BINDER = {"name": "a", "type": "f32[3]", "weak_type": false}  ("_" if dropped)
 *   ATOM   = {"name": "a"} | {"literal": "2.0", "type": "f32[]"}
 *   EQN    = {"primitive": "mul", "params": {KEY: VALUE, ...},  (listing order)
 *             "invars": [ATOM], "outvars": [BINDER],
 *             "source": {"line": 3, "col": 10} | null}
 *   VALUE  = the printed text ("(0,)", "float32", "2") | JAXPR
 *          | {"shared": "f"} (a hoisted jaxpr) | [JAXPR or {"shared": ...}]
 *            (a tuple of jaxprs, e.g. cond's branches) */
#include "print.h"
#include "half.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "pp.h"
#include "prims.h"
#include "tjit.h"
#include "util.h"

enum {
  LINE_WIDTH = 80,
  HOIST_MIN_EQNS = 10,     /* a sub-jaxpr with more equations is hoisted */
  MAX_PRINT_DEPTH = 1000,  /* nesting of sub-jaxprs and param values */
};

/* ---- the printing context (JAX's JaxprPpContext) ---- */

typedef struct jaxpr_info {
  const ir_jaxpr *j;
  const char *suggested;   /* name= of the first equation holding it */
  const char *shared_name; /* NULL: printed inline */
  uint8_t count, visits;   /* both saturate: only "twice or more" matters */
} jaxpr_info;

typedef struct printer {
  const ir_module *m;
  tj_arena *a;
  const char **names;      /* per variable; NULL until first touched */
  uint64_t next_name;
  uint64_t *skip;          /* sorted counter values taken by shared names */
  size_t nskip, skip_pos;
  jaxpr_info *info;        /* sub-jaxprs in the order JAX meets them */
  size_t ninfo, capinfo;
  hashmap info_index;      /* jaxpr → index into info */
  uint32_t *shared;        /* indices into info, in hoisting order */
  size_t nshared, capshared;
  uint32_t *stamp, gen;    /* suggest_same_names' "already lent" marks */
  int depth;
  tj_buf scratch;          /* for building names and literals */
  /* Docs every equation uses, made once. */
  pp_doc *nil, *space, *equals, *sep_brk, *comma_sep;
} printer;

static void printer_init(printer *p, const ir_module *m, tj_arena *a) {
  memset(p, 0, sizeof *p);
  p->m = m;
  p->a = a;
  hashmap_init(&p->info_index, a);
  p->names = ARENA_ARRAY(a, const char *, m->nvars + 1);
  p->nil = pp_nil(a);
  p->space = pp_text(a, " ");
  p->equals = pp_text(a, " = ");
  p->sep_brk = pp_group(a, pp_brk(a, " "));
  p->comma_sep = PP_CAT(a, pp_text(a, ","), p->sep_brk);
}

static void printer_free(printer *p) { buf_free(&p->scratch); }

/* _encode_digits_alphabetic: base 26 with digits a..z, so no `aa`. */
static const char *encode_name(tj_arena *a, uint64_t n) {
  char tmp[16];
  int i = (int)sizeof tmp - 1;
  tmp[i] = 0;
  do {
    tmp[--i] = (char)('a' + n % 26);
    n /= 26;
  } while (n);
  return arena_strdup(a, tmp + i);
}

/* The counter value whose name is s, if s is one (a..z, no leading 'a'). */
static bool decode_name(const char *s, uint64_t *out) {
  size_t n = strlen(s);
  if (n == 0 || n > 13 || (n > 1 && s[0] == 'a')) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < 'a' || s[i] > 'z') return false;
    v = v * 26 + (uint64_t)(s[i] - 'a');
  }
  *out = v;
  return true;
}

static const char *fresh_name(printer *p) {
  for (;;) {
    while (p->skip_pos < p->nskip && p->skip[p->skip_pos] < p->next_name)
      p->skip_pos++;
    if (p->skip_pos < p->nskip && p->skip[p->skip_pos] == p->next_name) {
      p->next_name++;
      continue;
    }
    return encode_name(p->a, p->next_name++);
  }
}

static const char *var_name(printer *p, uint32_t v) {
  if (v >= p->m->nvars) return "?";
  if (!p->names[v]) p->names[v] = fresh_name(p);
  return p->names[v];
}

/* ---- atoms, values ---- */

/* numpy's float32(x): round to nearest, overflowing to infinity. */
static double round_to_f32(double x) {
  if (!isfinite(x) || fabs(x) <= FLT_MAX) return (double)(float)x;
  if (fabs(x) >= 0x1.ffffffp127) return copysign(INFINITY, x);
  return copysign(FLT_MAX, x);
}

static void put_lit_value(tj_buf *b, const ir_lit *l) {
  if (l->dtype >= DT_COUNT) { buf_puts(b, "?"); return; }
  switch (dtype_kindof(l->dtype)) {
  case DK_BOOL: buf_puts(b, l->i ? "True" : "False"); break;
  case DK_FLOAT:
    buf_put_pyfloat(b, l->dtype == DT_F32 ? round_to_f32(l->f)
                       : l->dtype == DT_F16 ? tj_f16_to_f32(tj_f16_from_double(l->f))
                       : l->dtype == DT_BF16 ? tj_bf16_to_f32(tj_bf16_from_double(l->f)) : l->f);
    break;
  default: buf_printf(b, "%lld", (long long)l->i); break;
  }
}

static void put_aval(tj_buf *b, const tj_aval *av) {
  char type[256];
  if (av->dtype >= DT_COUNT || av->rank > TJ_MAX_RANK) { buf_puts(b, "?"); return; }
  aval_format(av, type, sizeof type);
  buf_puts(b, type);
}

static const ir_lit *atom_lit(const printer *p, ir_atom at) {
  uint32_t i = ATOM_INDEX(at);
  return i < p->m->nlits ? &p->m->lits[i] : NULL;
}

/* A literal as the listing shows it: `2.0:f32[]`. */
static char *lit_text(printer *p, ir_atom at, bool with_type) {
  const ir_lit *l = atom_lit(p, at);
  tj_buf *b = &p->scratch;
  b->len = 0;
  if (!l) {
    buf_puts(b, "?");
  } else {
    put_lit_value(b, l);
    if (with_type) {
      tj_aval av = aval_scalar(l->dtype, l->weak);
      buf_putc(b, ':');
      put_aval(b, &av);
    }
  }
  return arena_strndup(p->a, b->data, b->len);
}

static const char *atom_text(printer *p, ir_atom at) {
  if (ATOM_IS_LIT(at)) return lit_text(p, at, true);
  return var_name(p, ATOM_INDEX(at));
}

/* `name:type` for a binder. */
static const char *binder_text(printer *p, uint32_t v) {
  tj_buf *b = &p->scratch;
  b->len = 0;
  buf_puts(b, var_name(p, v));
  buf_putc(b, ':');
  if (v < p->m->nvars) put_aval(b, &p->m->vars[v]);
  else buf_puts(b, "?");
  return arena_strndup(p->a, b->data, b->len);
}

static void listing_into(const ir_module *m, const ir_jaxpr *j, tj_buf *out,
                         int depth);

/* Python's str(v) (repr(v) inside containers, which differs for dtypes). */
static void put_pval(printer *p, tj_buf *b, const pval *v, bool repr) {
  if (!v || p->depth >= MAX_PRINT_DEPTH) { buf_puts(b, "..."); return; }
  switch (v->kind) {
  case PV_NONE: buf_puts(b, "None"); break;
  case PV_BOOL: buf_puts(b, v->i ? "True" : "False"); break;
  case PV_INT:
    if (v->s && repr) buf_printf(b, "np.%s(%lld)", v->s, (long long)v->i); /* a numpy scalar's repr */
    else buf_printf(b, "%lld", (long long)v->i);
    break;
  case PV_FLOAT: buf_put_pyfloat(b, v->f); break;
  case PV_DTYPE: {
    const char *name = v->dtype < DT_COUNT ? dtype_long(v->dtype) : "?";
    if (repr) buf_printf(b, "dtype('%s')", name);
    else buf_puts(b, name);
    break;
  }
  case PV_NAME: buf_puts(b, v->s ? v->s : ""); break;
  case PV_TUPLE:
  case PV_LIST:
    buf_putc(b, v->kind == PV_TUPLE ? '(' : '[');
    p->depth++;
    for (int i = 0; i < v->nitems; i++) {
      if (i) buf_puts(b, ", ");
      put_pval(p, b, v->items[i], true);
    }
    p->depth--;
    if (v->kind == PV_TUPLE && v->nitems == 1) buf_putc(b, ',');
    buf_putc(b, v->kind == PV_TUPLE ? ')' : ']');
    break;
  case PV_RECORD: /* a NamedTuple's repr */
    buf_printf(b, "%s(", v->s ? v->s : "");
    p->depth++;
    for (int i = 0; i < v->nitems; i++) {
      buf_printf(b, "%s%s=", i ? ", " : "", v->fields[i]);
      put_pval(p, b, v->items[i], true);
    }
    p->depth--;
    buf_putc(b, ')');
    break;
  case PV_JAXPR:  /* repr of a jaxpr in a container: a listing of its own */
    if (v->jaxpr) listing_into(p->m, v->jaxpr, b, p->depth + 1);
    break;
  }
}

static bool all_jaxprs(const pval *v) {
  if (v->kind != PV_TUPLE) return false;
  for (int i = 0; i < v->nitems; i++)
    if (!v->items[i] || v->items[i]->kind != PV_JAXPR || !v->items[i]->jaxpr)
      return false;
  return true;
}

/* ---- sub-jaxpr bookkeeping and hoisting ---- */

static bool info_jaxpr_eq(const void *ctx, uint32_t i, const void *key) {
  return ((const printer *)ctx)->info[i].j == key;
}

static jaxpr_info *info_of(printer *p, const ir_jaxpr *j, bool add) {
  uint64_t hash = hash_u64((uintptr_t)j);
  uint32_t i = add ? hashmap_add(&p->info_index, hash, info_jaxpr_eq, p, j, (uint32_t)p->ninfo)
                   : hashmap_find(&p->info_index, hash, info_jaxpr_eq, p, j);
  if (i != HASHMAP_NONE) return &p->info[i];
  if (!add) return NULL;
  jaxpr_info fresh = {.j = j};
  ARENA_PUSH(p->a, p->info, p->ninfo, p->capinfo, fresh);
  return &p->info[p->ninfo - 1];
}

static const char *shared_name_of(printer *p, const ir_jaxpr *j) {
  jaxpr_info *in = info_of(p, j, false);
  return in ? in->shared_name : NULL;
}

/* `<lambda>` → `lambda`, as str.strip("<>"). */
static const char *strip_angles(tj_arena *a, const char *s) {
  size_t n = strlen(s);
  while (n && (*s == '<' || *s == '>')) s++, n--;
  while (n && (s[n - 1] == '<' || s[n - 1] == '>')) n--;
  return arena_strndup(a, s, n);
}

typedef struct jaxpr_queue {
  const ir_jaxpr **q;
  size_t head, len, cap;
} jaxpr_queue;

static void enqueue(printer *p, jaxpr_queue *q, const ir_jaxpr *j,
                    const char *name) {
  ARENA_PUSH(p->a, q->q, q->len, q->cap, j);
  jaxpr_info *in = info_of(p, j, true);
  if (name && !in->suggested) in->suggested = name;
}

/* Pushes the sub-jaxprs of e's params (jaxprs_in_params: a jaxpr, or the
 * jaxprs in a tuple), in param order. */
static void enqueue_params(printer *p, jaxpr_queue *q, const ir_eqn *e) {
  const pval *name = ir_param_get(e, "name");
  const char *nm = name && name->kind == PV_NAME && name->s
                       ? strip_angles(p->a, name->s) : NULL;
  for (int k = 0; k < e->nparams; k++) {
    const pval *v = e->params[k].val;
    if (!v) continue;
    if (v->kind == PV_JAXPR && v->jaxpr) enqueue(p, q, v->jaxpr, nm);
    if (v->kind != PV_TUPLE) continue;
    for (int i = 0; i < v->nitems; i++)
      if (v->items[i] && v->items[i]->kind == PV_JAXPR && v->items[i]->jaxpr)
        enqueue(p, q, v->items[i]->jaxpr, nm);
  }
}

/* JAX's breadth-first count of uses. A jaxpr's third and later visits are
 * not expanded: by then each of its sub-jaxprs has two uses already, which
 * is all the rule needs, and the walk stays linear. */
static void count_uses(printer *p, const ir_jaxpr *top) {
  jaxpr_queue q = {0};
  enqueue(p, &q, top, NULL);
  while (q.head < q.len) {
    const ir_jaxpr *j = q.q[q.head++];
    jaxpr_info *in = info_of(p, j, true);
    int uses = 1 + (j != top && j->neqns > HOIST_MIN_EQNS);
    in->count = (uint8_t)(in->count + uses > 2 ? 2 : in->count + uses);
    if (in->visits == 2) continue;
    in->visits++;
    for (uint32_t i = 0; i < j->neqns; i++) enqueue_params(p, &q, &j->eqns[i]);
  }
}

static int cmp_u64(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return (a > b) - (a < b);
}

/* How many shared jaxprs took each name so far. */
typedef struct name_count {
  const char *name;
  uint32_t n;
} name_count;

typedef struct name_counts {
  name_count *e;
  size_t len, cap;
  hashmap index;           /* name → index into e */
} name_counts;

static bool count_name_eq(const void *ctx, uint32_t i, const void *key) {
  return strcmp(((const name_counts *)ctx)->e[i].name, key) == 0;
}

/* name's count, added at 0 when absent; valid until the next call. */
static uint32_t *count_of(printer *p, name_counts *c, const char *name) {
  uint32_t i = hashmap_add(&c->index, hash_str(name), count_name_eq, c, name, (uint32_t)c->len);
  if (i == HASHMAP_NONE) {
    name_count fresh = {name, 0};
    ARENA_PUSH(p->a, c->e, c->len, c->cap, fresh);
    i = (uint32_t)c->len - 1;
  }
  return &c->e[i].n;
}

/* Names the jaxprs used twice or more: `jaxpr`, `jaxpr1`, ... */
static void name_shared(printer *p) {
  name_counts counts = {0};
  hashmap_init(&counts.index, p->a);
  size_t capskip = 0;
  for (size_t i = 0; i < p->ninfo; i++) {
    jaxpr_info *in = &p->info[i];
    if (in->count < 2) continue;
    const char *name = in->suggested ? in->suggested : "jaxpr";
    uint32_t *c = count_of(p, &counts, name);
    if (*c > 0) {
      name = arena_printf(p->a, "%s%u", name, (unsigned)*c);
      (*c)++;
      c = count_of(p, &counts, name);
    }
    (*c)++;
    in->shared_name = name;
    ARENA_PUSH(p->a, p->shared, p->nshared, p->capshared, (uint32_t)i);
    uint64_t taken;
    if (decode_name(name, &taken))
      ARENA_PUSH(p->a, p->skip, p->nskip, capskip, taken);
  }
  if (p->nskip) qsort(p->skip, p->nskip, sizeof *p->skip, cmp_u64);
}

/* _dropvars: top-level equation outputs never read later print as `_`. */
static void seed_dropped(printer *p, const ir_jaxpr *j) {
  const ir_module *m = p->m;
  bool *used = ARENA_ARRAY(p->a, bool, m->nvars + 1);
  for (uint32_t i = 0; i < j->nout; i++)
    if (!ATOM_IS_LIT(j->outs[i]) && ATOM_INDEX(j->outs[i]) < m->nvars)
      used[ATOM_INDEX(j->outs[i])] = true;
  for (uint32_t k = j->neqns; k-- > 0;) {
    const ir_eqn *e = &j->eqns[k];
    for (uint32_t i = 0; i < e->nout; i++)
      if (e->out[i] < m->nvars && !used[e->out[i]]) p->names[e->out[i]] = "_";
    for (uint32_t i = 0; i < e->nin; i++)
      if (!ATOM_IS_LIT(e->in[i]) && ATOM_INDEX(e->in[i]) < m->nvars)
        used[ATOM_INDEX(e->in[i])] = true;
  }
}

/* ---- jit's naming rule (suggest_same_var_names) ---- */

/* A list of operands, or of variable indices seen as operands. */
typedef struct atom_list {
  const ir_atom *atoms;
  const uint32_t *vars;
  uint32_t n;
} atom_list;

static ir_atom atom_at(atom_list l, uint32_t i) {
  return l.atoms ? l.atoms[i] : ATOM_VAR(l.vars[i]);
}

/* Each not-yet-named variable of for_vars takes the name of the variable at
 * the same place in like_vars (each like var lent at most once). */
static void suggest_same_names(printer *p, atom_list for_vars,
                               atom_list like_vars) {
  const uint32_t nvars = p->m->nvars;
  if (for_vars.n != like_vars.n) return;
  if (!p->stamp) p->stamp = ARENA_ARRAY(p->a, uint32_t, nvars + 1);
  uint32_t gen = ++p->gen;
  for (uint32_t i = 0; i < for_vars.n; i++) {
    ir_atom f = atom_at(for_vars, i), like = atom_at(like_vars, i);
    if (ATOM_IS_LIT(f) || ATOM_IS_LIT(like)) continue;
    uint32_t fv = ATOM_INDEX(f), lv = ATOM_INDEX(like);
    if (fv >= nvars || lv >= nvars || p->stamp[lv] == gen || p->names[fv])
      continue;
    p->stamp[lv] = gen;
    p->names[fv] = var_name(p, lv);
  }
}

static void suggest_call_names(printer *p, const ir_eqn *e) {
  const pval *v = ir_param_get(e, "jaxpr");
  if (!v || v->kind != PV_JAXPR || !v->jaxpr) return;
  const ir_jaxpr *inner = v->jaxpr;
  if (shared_name_of(p, inner)) return;
  suggest_same_names(p, (atom_list){NULL, inner->invars, inner->nin},
                     (atom_list){e->in, NULL, e->nin});
  suggest_same_names(p, (atom_list){inner->outs, NULL, inner->nout},
                     (atom_list){NULL, e->out, e->nout});
}

/* ---- documents ---- */

static pp_doc *jaxpr_doc(printer *p, const ir_jaxpr *j);

/* pp_vars: nest(2, group(join(sep + group(brk()), items))). A list of
 * one item has no break, so its text alone lays out the same (and the
 * common case allocates less). */
static pp_doc *list_doc(printer *p, pp_doc **items, uint32_t n, bool commas) {
  tj_arena *a = p->a;
  if (n == 0) return p->nil;
  if (n == 1) return items[0];
  pp_doc *joint = commas ? p->comma_sep : p->sep_brk;
  return pp_nest(a, 2, pp_group(a, pp_join(a, joint, items, n)));
}

static pp_doc *binders_doc(printer *p, const uint32_t *vars, uint32_t n) {
  pp_doc *one, **items = n == 1 ? &one : ARENA_ARRAY(p->a, pp_doc *, n);
  for (uint32_t i = 0; i < n; i++) items[i] = pp_text(p->a, binder_text(p, vars[i]));
  return list_doc(p, items, n, false);
}

static pp_doc *atoms_doc(printer *p, const ir_atom *atoms, uint32_t n,
                         bool commas) {
  pp_doc *one, **items = n == 1 ? &one : ARENA_ARRAY(p->a, pp_doc *, n);
  for (uint32_t i = 0; i < n; i++) items[i] = pp_text(p->a, atom_text(p, atoms[i]));
  return list_doc(p, items, n, commas);
}

/* pp_jaxprs: ( {...} {...} ) with the bracket group's layout. */
static pp_doc *jaxprs_doc(printer *p, const pval *v) {
  tj_arena *a = p->a;
  pp_doc **items = ARENA_ARRAY(a, pp_doc *, v->nitems);
  for (int i = 0; i < v->nitems; i++) items[i] = jaxpr_doc(p, v->items[i]->jaxpr);
  pp_doc *open = PP_CAT(a, pp_text(a, "("), pp_brk(a, ""),
                        pp_join(a, pp_brk(a, " "), items, (size_t)v->nitems));
  return pp_group(a, PP_CAT(a, pp_nest(a, 2, open), pp_brk(a, ""), pp_text(a, ")")));
}

static pp_doc *value_doc(printer *p, const pval *v) {
  if (v && v->kind == PV_JAXPR && v->jaxpr) return jaxpr_doc(p, v->jaxpr);
  if (v && all_jaxprs(v)) return jaxprs_doc(p, v);
  tj_buf b = {0};
  put_pval(p, &b, v, false);
  pp_doc *d = pp_text(p->a, b.data ? arena_strndup(p->a, b.data, b.len) : "");
  buf_free(&b);
  return d;
}

static const char *prim_name(const ir_eqn *e) {
  return e->prim < P_COUNT && prims[e->prim].name ? prims[e->prim].name : "?";
}

static bool prim_name_first(const ir_eqn *e) {
  return e->prim < P_COUNT && (prims[e->prim].flags & PF_NAME_FIRST);
}


static int cmp_param(const void *x, const void *y) {
  const ir_param *a = *(const ir_param *const *)x, *b = *(const ir_param *const *)y;
  return strcmp(a->key ? a->key : "", b->key ? b->key : "");
}

/* The params in listing order: sorted by key; for jit `name` first. */
static const ir_param **param_order(printer *p, const ir_eqn *e) {
  const ir_param **order = ARENA_ARRAY(p->a, const ir_param *, e->nparams + 1);
  uint32_t n = 0, first = 0;
  if (prim_name_first(e))
    for (uint32_t i = 0; i < e->nparams && !first; i++)
      if (e->params[i].key && strcmp(e->params[i].key, "name") == 0)
        order[n++] = &e->params[i], first = 1;
  for (uint32_t i = 0; i < e->nparams; i++)
    if (!first || order[0] != &e->params[i]) order[n++] = &e->params[i];
  qsort(order + first, n - first, sizeof *order, cmp_param);
  return order;
}

/* pp_kv_pairs: group(nest(2, "[" brk("") k=v brk() k=v ...) brk("") "]"). */
static pp_doc *params_doc(printer *p, const ir_eqn *e) {
  tj_arena *a = p->a;
  if (!e->nparams) return p->nil;
  const ir_param **order = param_order(p, e);
  pp_doc **items = ARENA_ARRAY(a, pp_doc *, e->nparams);
  for (uint32_t i = 0; i < e->nparams; i++) {
    const ir_param *kv = order[i];
    pp_doc *key = pp_text(a, arena_printf(a, "%s=", kv->key ? kv->key : ""));
    items[i] = PP_CAT(a, key, value_doc(p, kv->val));
  }
  pp_doc *open = PP_CAT(a, pp_text(a, "["), pp_brk(a, ""),
                        pp_join(a, pp_brk(a, " "), items, e->nparams));
  return pp_group(a, PP_CAT(a, pp_nest(a, 2, open), pp_brk(a, ""), pp_text(a, "]")));
}

/* `outs = prim[params] operands`. Each step is its own statement: the
 * order of touches decides the names. */
static pp_doc *eqn_doc(printer *p, const ir_eqn *e) {
  tj_arena *a = p->a;
  if (prim_name_first(e)) suggest_call_names(p, e);
  pp_doc *lhs = e->nout ? binders_doc(p, e->out, e->nout) : NULL;
  pp_doc *prim = pp_text(a, prim_name(e));
  pp_doc *params = params_doc(p, e);
  pp_doc *operands = atoms_doc(p, e->in, e->nin, false);
  if (!lhs) return PP_CAT(a, prim, params, p->space, operands);
  return PP_CAT(a, lhs, p->equals, prim, params, p->space, operands);
}

/* pp_jaxpr_skeleton: `{ lambda CONSTS; INS. let EQNS in (OUTS) }`. */
static pp_doc *skeleton_doc(printer *p, const ir_jaxpr *j) {
  tj_arena *a = p->a;
  if (p->depth >= MAX_PRINT_DEPTH) return pp_text(a, "{ ... }");
  p->depth++;
  pp_doc *consts = binders_doc(p, j->constvars, j->nconst);
  pp_doc *ins = binders_doc(p, j->invars, j->nin);
  pp_doc **eqns = ARENA_ARRAY(a, pp_doc *, j->neqns);
  for (uint32_t i = 0; i < j->neqns; i++) eqns[i] = eqn_doc(p, &j->eqns[i]);
  pp_doc *outs = atoms_doc(p, j->outs, j->nout, true);
  p->depth--;
  pp_doc *body = pp_nest(a, 2, PP_CAT(a, pp_brk(a, " "),
                                      pp_join(a, pp_brk(a, "; "), eqns, j->neqns)));
  pp_doc *tuple = PP_CAT(a, pp_text(a, "("), outs,
                         pp_text(a, j->nout == 1 ? ",)" : ")"));
  pp_doc *inner = PP_CAT(a, pp_text(a, "{ "), pp_text(a, "lambda "), consts,
                         pp_text(a, "; "), ins, pp_text(a, ". "), pp_text(a, "let"),
                         body, pp_brk(a, " "), pp_text(a, "in "), tuple);
  return PP_CAT(a, pp_group(a, pp_nest(a, 2, inner)), pp_text(a, " }"));
}

static pp_doc *jaxpr_doc(printer *p, const ir_jaxpr *j) {
  const char *shared = shared_name_of(p, j);
  return shared ? pp_text(p->a, shared) : skeleton_doc(p, j);
}

/* The whole listing: hoisted jaxprs first, each as `let NAME = {...} in`. */
static pp_doc *toplevel_doc(printer *p, const ir_jaxpr *top) {
  tj_arena *a = p->a;
  seed_dropped(p, top);
  count_uses(p, top);
  name_shared(p);
  pp_doc **docs = ARENA_ARRAY(a, pp_doc *, p->nshared + 1);
  for (size_t i = 0; i < p->nshared; i++) {
    const jaxpr_info *in = &p->info[p->shared[i]];
    pp_doc *body = skeleton_doc(p, in->j);
    docs[i] = PP_CAT(a, pp_text(a, "let "), pp_text(a, in->shared_name),
                     pp_text(a, " = "), body, pp_text(a, " in"), pp_brk(a, " "));
  }
  docs[p->nshared] = jaxpr_doc(p, top);
  return pp_concat(a, docs, p->nshared + 1);
}

static void listing_into(const ir_module *m, const ir_jaxpr *j, tj_buf *out,
                         int depth) {
  tj_arena arena = {0};
  printer p;
  printer_init(&p, m, &arena);
  p.depth = depth;
  pp_format(out, toplevel_doc(&p, j), LINE_WIDTH);
  printer_free(&p);
  arena_free(&arena);
}

char *print_jaxpr(const ir_module *m) {
  tj_buf out = {0};
  listing_into(m, m->top, &out, 0);
  return buf_detach(&out);
}

void print_param_value(const ir_module *m, const pval *v, tj_buf *out) {
  printer p = {.m = m};  /* put_pval needs no names or arena */
  put_pval(&p, out, v, false);
}

char *print_eqn(const ir_module *m, const ir_jaxpr *j, const ir_eqn *e) {
  (void)j;  /* the equation is printed on its own, as JAX's pp_eqn does */
  tj_arena arena = {0};
  printer p;
  printer_init(&p, m, &arena);
  tj_buf out = {0};
  pp_format(&out, eqn_doc(&p, e), LINE_WIDTH);
  printer_free(&p);
  arena_free(&arena);
  return buf_detach(&out);
}

/* ---- JSON (names from the listing's context) ---- */

static cJSON *json_check(cJSON *x) {
  if (!x) TJ_OOM();
  return x;
}

static cJSON *json_type(const tj_aval *av) {
  tj_buf b = {0};
  put_aval(&b, av);
  cJSON *s = json_check(cJSON_CreateString(b.data));
  buf_free(&b);
  return s;
}

static cJSON *binder_json(printer *p, uint32_t v) {
  cJSON *o = json_check(cJSON_CreateObject());
  cJSON_AddItemToObject(o, "name", json_check(cJSON_CreateString(var_name(p, v))));
  if (v < p->m->nvars) {
    cJSON_AddItemToObject(o, "type", json_type(&p->m->vars[v]));
    cJSON_AddItemToObject(o, "weak_type", json_check(cJSON_CreateBool(p->m->vars[v].weak)));
  }
  return o;
}

static cJSON *atom_json(printer *p, ir_atom at) {
  cJSON *o = json_check(cJSON_CreateObject());
  if (!ATOM_IS_LIT(at)) {
    cJSON_AddItemToObject(o, "name", json_check(cJSON_CreateString(var_name(p, ATOM_INDEX(at)))));
    return o;
  }
  cJSON_AddItemToObject(o, "literal", json_check(cJSON_CreateString(lit_text(p, at, false))));
  const ir_lit *l = atom_lit(p, at);
  if (l) {
    tj_aval av = aval_scalar(l->dtype, l->weak);
    cJSON_AddItemToObject(o, "type", json_type(&av));
  }
  return o;
}

static cJSON *binders_json(printer *p, const uint32_t *vars, uint32_t n) {
  cJSON *arr = json_check(cJSON_CreateArray());
  for (uint32_t i = 0; i < n; i++) cJSON_AddItemToArray(arr, binder_json(p, vars[i]));
  return arr;
}

static cJSON *atoms_json(printer *p, const ir_atom *atoms, uint32_t n) {
  cJSON *arr = json_check(cJSON_CreateArray());
  for (uint32_t i = 0; i < n; i++) cJSON_AddItemToArray(arr, atom_json(p, atoms[i]));
  return arr;
}

static cJSON *jaxpr_json(printer *p, const ir_jaxpr *j);

static cJSON *sub_jaxpr_json(printer *p, const ir_jaxpr *j) {
  const char *shared = shared_name_of(p, j);
  if (!shared) return jaxpr_json(p, j);
  cJSON *o = json_check(cJSON_CreateObject());
  cJSON_AddItemToObject(o, "shared", json_check(cJSON_CreateString(shared)));
  return o;
}

static cJSON *value_json(printer *p, const pval *v) {
  if (v && v->kind == PV_JAXPR && v->jaxpr) return sub_jaxpr_json(p, v->jaxpr);
  if (v && all_jaxprs(v)) {
    cJSON *arr = json_check(cJSON_CreateArray());
    for (int i = 0; i < v->nitems; i++)
      cJSON_AddItemToArray(arr, sub_jaxpr_json(p, v->items[i]->jaxpr));
    return arr;
  }
  tj_buf b = {0};
  put_pval(p, &b, v, false);
  cJSON *s = json_check(cJSON_CreateString(b.data ? b.data : ""));
  buf_free(&b);
  return s;
}

static cJSON *source_json(printer *p, const ir_eqn *e) {
  const tj_source *src = p->m->src;
  if (!src || !src->line_starts || e->span.start > src->len)
    return json_check(cJSON_CreateNull());
  uint32_t line, col;
  source_position(src, e->span.start, &line, &col);
  cJSON *o = json_check(cJSON_CreateObject());
  cJSON_AddItemToObject(o, "line", json_check(cJSON_CreateNumber(line)));
  cJSON_AddItemToObject(o, "col", json_check(cJSON_CreateNumber(col)));
  return o;
}

static cJSON *eqn_json(printer *p, const ir_eqn *e) {
  cJSON *o = json_check(cJSON_CreateObject());
  cJSON_AddItemToObject(o, "primitive", json_check(cJSON_CreateString(prim_name(e))));
  cJSON *params = json_check(cJSON_CreateObject());
  const ir_param **order = param_order(p, e);
  for (uint32_t i = 0; i < e->nparams; i++)
    cJSON_AddItemToObject(params, order[i]->key ? order[i]->key : "",
                          value_json(p, order[i]->val));
  cJSON_AddItemToObject(o, "params", params);
  cJSON_AddItemToObject(o, "invars", atoms_json(p, e->in, e->nin));
  cJSON_AddItemToObject(o, "outvars", binders_json(p, e->out, e->nout));
  cJSON_AddItemToObject(o, "source", source_json(p, e));
  return o;
}

static cJSON *jaxpr_json(printer *p, const ir_jaxpr *j) {
  cJSON *o = json_check(cJSON_CreateObject());
  if (p->depth >= MAX_PRINT_DEPTH) return o;
  p->depth++;
  cJSON_AddItemToObject(o, "constvars", binders_json(p, j->constvars, j->nconst));
  cJSON_AddItemToObject(o, "invars", binders_json(p, j->invars, j->nin));
  cJSON *eqns = json_check(cJSON_CreateArray());
  for (uint32_t i = 0; i < j->neqns; i++) cJSON_AddItemToArray(eqns, eqn_json(p, &j->eqns[i]));
  cJSON_AddItemToObject(o, "eqns", eqns);
  cJSON_AddItemToObject(o, "outvars", atoms_json(p, j->outs, j->nout));
  p->depth--;
  return o;
}

char *print_jaxpr_json(const ir_module *m) {
  tj_arena arena = {0};
  printer p;
  printer_init(&p, m, &arena);
  tj_buf listing = {0};
  pp_format(&listing, toplevel_doc(&p, m->top), LINE_WIDTH);
  cJSON *root = json_check(cJSON_CreateObject());
  cJSON_AddItemToObject(root, "version", json_check(cJSON_CreateNumber(TJ_JSON_VERSION)));
  cJSON_AddItemToObject(root, "listing",
                        json_check(cJSON_CreateString(listing.data ? listing.data : "")));
  buf_free(&listing);
  cJSON_AddItemToObject(root, "jaxpr", jaxpr_json(&p, m->top));
  cJSON *shared = json_check(cJSON_CreateArray());
  for (size_t i = 0; i < p.nshared; i++) {
    const jaxpr_info *in = &p.info[p.shared[i]];
    cJSON *o = json_check(cJSON_CreateObject());
    cJSON_AddItemToObject(o, "name", json_check(cJSON_CreateString(in->shared_name)));
    cJSON_AddItemToObject(o, "jaxpr", jaxpr_json(&p, in->j));
    cJSON_AddItemToArray(shared, o);
  }
  cJSON_AddItemToObject(root, "shared", shared);
  char *text = cJSON_PrintUnformatted(root);
  cJSON_Delete(root);
  printer_free(&p);
  arena_free(&arena);
  if (!text) TJ_OOM();
  return text;
}
