#include "value.h"
#include "util.h"

#include <string.h>

uint64_t value_prov_deep(const value *v) {
  uint64_t p = v->prov;
  if (v->kind == V_TUPLE || v->kind == V_MAP)
    for (int i = 0; i < v->n; i++) p |= value_prov_deep(&v->items[i]);
  return p;
}

void value_add_prov(value *v, uint64_t prov) {
  v->prov |= prov;
  if (v->kind == V_TUPLE || v->kind == V_MAP)
    for (int i = 0; i < v->n; i++) value_add_prov(&v->items[i], prov);
}

/* Keys order as Python's < orders them where it can: numbers by value,
 * strings by code point (UTF-8 bytes order the same way); keys of
 * different types, which Python refuses to sort, by type so the order
 * is at least fixed. */
static int key_cmp(const value *a, const value *b) {
  if (a->kind == V_STR && b->kind == V_STR) {
    uint32_t n = a->slen < b->slen ? a->slen : b->slen;
    int c = memcmp(a->s, b->s, n);
    return c ? c : (a->slen > b->slen) - (a->slen < b->slen);
  }
  if (value_is_number(a) && value_is_number(b)) {
    double x = a->kind == V_FLOAT ? a->f : (double)a->i, y = b->kind == V_FLOAT ? b->f : (double)b->i;
    return (x > y) - (x < y);
  }
  return (int)a->kind - (int)b->kind;
}

void value_map_order(const value *m, int *order) {
  int n = m->n / 2;
  for (int i = 0; i < n; i++) {
    int j = i;
    for (; j > 0 && key_cmp(&m->items[2 * order[j - 1]], &m->items[2 * i]) > 0; j--) order[j] = order[j - 1];
    order[j] = i;
  }
}

const value *value_map_get(const value *m, const char *s, uint32_t slen) {
  for (int i = 0; i + 1 < m->n; i += 2) {
    const value *k = &m->items[i];
    if (k->kind == V_STR && k->slen == slen && memcmp(k->s, s, slen) == 0) return &m->items[i + 1];
  }
  return NULL;
}

bool value_truthy(const value *v) {
  switch (v->kind) {
  case V_NONE: return false;
  case V_BOOL: case V_INT: return v->i != 0;
  case V_FLOAT: return v->f != 0.0;
  case V_STR: return v->slen != 0;
  case V_TUPLE: case V_MAP: return v->n != 0;
  default: return true;
  }
}

const char *value_type_name(const value *v) {
  static const char *names[] = {
      [V_NONE] = "NoneType", [V_BOOL] = "bool",   [V_INT] = "int",
      [V_FLOAT] = "float",   [V_STR] = "str",     [V_TUPLE] = "tuple",
      [V_MAP] = "dict",      [V_DTYPE] = "dtype", [V_FUNC] = "function",
      [V_TRACED] = "tracer"};
  return v->kind == V_TUPLE && v->list ? "list" : names[v->kind];
}

static void repr_str(const char *s, uint32_t n, tj_buf *out) {
  /* Python prefers single quotes; escapes keep hostile bytes printable. */
  buf_putc(out, '\'');
  for (uint32_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '\'' || c == '\\') buf_printf(out, "\\%c", c);
    else if (c == '\n') buf_puts(out, "\\n");
    else if (c == '\t') buf_puts(out, "\\t");
    else if (c < 0x20 || c == 0x7f) buf_printf(out, "\\x%02x", c);
    else buf_putc(out, (char)c);
  }
  buf_putc(out, '\'');
}

void value_repr(const value *v, tj_buf *out) {
  switch (v->kind) {
  case V_NONE: buf_puts(out, "None"); break;
  case V_BOOL: buf_puts(out, v->i ? "True" : "False"); break;
  case V_INT: buf_printf(out, "%lld", (long long)v->i); break;
  case V_FLOAT: buf_put_pyfloat(out, v->f); break;
  case V_STR: repr_str(v->s, v->slen, out); break;
  case V_TUPLE:
    buf_putc(out, v->list ? '[' : '(');
    for (int i = 0; i < v->n; i++) {
      if (i) buf_puts(out, ", ");
      value_repr(&v->items[i], out);
    }
    buf_puts(out, v->list ? "]" : v->n == 1 ? ",)" : ")");
    break;
  case V_MAP:
    buf_putc(out, '{');
    for (int i = 0; i + 1 < v->n; i += 2) {
      if (i) buf_puts(out, ", ");
      value_repr(&v->items[i], out);
      buf_puts(out, ": ");
      value_repr(&v->items[i + 1], out);
    }
    buf_putc(out, '}');
    break;
  case V_DTYPE: buf_printf(out, "dtype('%s')", dtype_long(v->dtype)); break;
  case V_FUNC: buf_puts(out, "<function>"); break;
  case V_TRACED: buf_puts(out, "<tracer>"); break;
  }
}

bool value_equal(const value *a, const value *b) {
  if (a->kind != b->kind) return false;
  switch (a->kind) {
  case V_NONE: return true;
  case V_BOOL: case V_INT: return a->i == b->i;
  case V_FLOAT: return a->f == b->f;
  case V_STR: return a->slen == b->slen && memcmp(a->s, b->s, a->slen) == 0;
  case V_TUPLE: case V_MAP:
    if (a->n != b->n || a->list != b->list) return false;
    for (int i = 0; i < a->n; i++)
      if (!value_equal(&a->items[i], &b->items[i])) return false;
    return true;
  case V_DTYPE: return a->dtype == b->dtype;
  case V_FUNC: return a->func == b->func && a->ad == b->ad;
  case V_TRACED: return a->var == b->var;
  }
  return false;
}

/* A static argument as a jit cache key: of one type and equal, as JAX's
 * _HashableWithStrictTypeEquality compares them (api_util.py), so
 * np.float32(1.0) and 1.0, equal in Python, are different keys; a tuple's
 * items are compared as Python does, by value. */
bool value_same_key(const value *a, const value *b) {
  if (a->kind != b->kind || a->strong != b->strong || (a->strong && a->dtype != b->dtype)) return false;
  return value_equal(a, b);
}
