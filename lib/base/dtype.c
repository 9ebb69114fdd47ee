#include "dtype.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

static const struct {
  const char *short_name, *long_name;
  int size;
  dtype_kind kind;
} dtype_info[DT_COUNT] = {
#define X(e, s, l, n, k) [DT_##e] = {s, l, n, k},
    TJ_DTYPES(X)
    TJ_KEY_DTYPE(X)
#undef X
};

const char *dtype_short(tj_dtype t) { return dtype_info[t].short_name; }
const char *dtype_long(tj_dtype t) { return dtype_info[t].long_name; }
int dtype_size(tj_dtype t) { return dtype_info[t].size; }
dtype_kind dtype_kindof(tj_dtype t) { return dtype_info[t].kind; }

static bool word_is(const char *s, uint32_t n, const char *w) {
  return strlen(w) == n && memcmp(s, w, n) == 0;
}

static const struct { const char *name; tj_dtype t; } c_names[] = {
    {"float", DT_F32}, {"double", DT_F64}, {"int", DT_I32},
    {"long", DT_I64},  {"bool", DT_BOOL},  {"bool_", DT_BOOL},
};

bool dtype_parse(const char *s, uint32_t n, tj_dtype *out) {
  for (int t = 0; t < DT_KEY; t++) /* a key is no dtype a name gives */
    if (word_is(s, n, dtype_info[t].short_name) ||
        word_is(s, n, dtype_info[t].long_name)) {
      *out = (tj_dtype)t;
      return true;
    }
  for (size_t i = 0; i < sizeof c_names / sizeof c_names[0]; i++)
    if (word_is(s, n, c_names[i].name)) {
      *out = c_names[i].t;
      return true;
    }
  return false;
}

/* float0, the last row of TJ_DTYPES, is no dtype to compute in: the list leaves out
 * its ", float0". */
_Static_assert(DT_FLOAT0 == DT_KEY - 1, "float0 is the last array dtype");
enum { FLOAT0_TAIL = sizeof ", float0" - 1 };

bool dtype_unsupported(const char *s, uint32_t n, char out[DTYPE_MSG_MAX]) {
  static const char *const names[] = {
#define X(s, l) s, l,
      TJ_UNSUPPORTED_DTYPES(X)
#undef X
  };
  /* ", bool, i8, ..." made by the compiler: no list to keep in step */
  static const char supported[] =
#define X(e, s, l, n, k) ", " s
      TJ_DTYPES(X)
#undef X
      ;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (word_is(s, n, names[i])) {
      snprintf(out, DTYPE_MSG_MAX, "dtype '%s' is not supported (supported: %.*s)",
               names[i], (int)(sizeof supported - 3 - FLOAT0_TAIL), supported + 2);
      return true;
    }
  return false;
}

void dtype_suggest(tj_suggest *sg) {
  for (int t = 0; t < DT_KEY; t++) {
    suggest_offer(sg, dtype_info[t].short_name);
    suggest_offer(sg, dtype_info[t].long_name);
  }
  for (size_t i = 0; i < sizeof c_names / sizeof c_names[0]; i++)
    suggest_offer(sg, c_names[i].name);
}

tj_aval aval_scalar(tj_dtype t, bool weak) {
  tj_aval a = {0};
  a.dtype = t;
  a.weak = weak;
  return a;
}

bool aval_same_shape(const tj_aval *a, const tj_aval *b) {
  if (a->rank != b->rank) return false;
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

bool aval_equal(const tj_aval *a, const tj_aval *b) {
  return a->dtype == b->dtype && a->weak == b->weak && aval_same_shape(a, b);
}

bool shape_elements(const int64_t *dims, int rank, int64_t *out) {
  int64_t n = 1;
  bool overflow = false;
  for (int i = 0; i < rank; i++) {
    if (dims[i] == 0) return *out = 0, true;
    overflow |= __builtin_mul_overflow(n, dims[i], &n);
  }
  *out = n;
  return !overflow;
}

int64_t aval_size(const tj_aval *a) {
  int64_t n;
  return shape_elements(a->dims, a->rank, &n) ? n : INT64_MAX;
}

bool aval_within_limits(const tj_aval *a) {
  int64_t nonzero = 1; /* stays within the limit: no product overflows */
  for (int i = 0; i < a->rank; i++) {
    if (a->dims[i] < 0 || a->dims[i] > TJ_MAX_ELEMENTS) return false;
    if (a->dims[i] > 0 && (nonzero *= a->dims[i]) > TJ_MAX_ELEMENTS) return false;
  }
  return true;
}

static void format_with(const char *dt, const tj_aval *a, char *out, int size) {
  int k = snprintf(out, (size_t)size, "%s[", dt);
  for (int i = 0; i < a->rank && k < size; i++)
    k += snprintf(out + k, (size_t)(size - k), i ? ",%lld" : "%lld",
                  (long long)a->dims[i]);
  if (k < size) snprintf(out + k, (size_t)(size - k), "]");
}

void aval_format(const tj_aval *a, char *out, int outsize) {
  format_with(dtype_short(a->dtype), a, out, outsize);
}

void aval_format_long(const tj_aval *a, char *out, int outsize) {
  format_with(dtype_long(a->dtype), a, out, outsize);
}

/* dtype_promote and shape_broadcast: see promote.c */

int64_t dtype_wrap_int(int64_t i, tj_dtype dt) {
  switch (dt) {
  case DT_I8: return (int8_t)i;
  case DT_I16: return (int16_t)i;
  case DT_I32: return (int32_t)i;
  case DT_U8: return (uint8_t)i;
  case DT_U16: return (uint16_t)i;
  case DT_U32: return (uint32_t)i;
  default: return i; /* i64, u64 (its bits), bool, floats */
  }
}

bool dtype_int_fits(int64_t i, tj_dtype dt) {
  switch (dt) {
  case DT_I8: return i >= INT8_MIN && i <= INT8_MAX;
  case DT_I16: return i >= INT16_MIN && i <= INT16_MAX;
  case DT_I32: return i >= INT32_MIN && i <= INT32_MAX;
  case DT_U8: return i >= 0 && i <= UINT8_MAX;
  case DT_U16: return i >= 0 && i <= UINT16_MAX;
  case DT_U32: return i >= 0 && i <= (int64_t)UINT32_MAX;
  case DT_U64: return i >= 0; /* an int64 holds at most 2^63 - 1 */
  default: return true;
  }
}

tj_dtype dtype_to_inexact(tj_dtype t) {
  if (dtype_is_float(t)) return t;
  return dtype_size(t) == 8 ? DT_F64 : DT_F32; /* i64, u64 */
}
