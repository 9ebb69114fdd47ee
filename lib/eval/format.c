/* Printing arrays: as JSON (tjit run's machine-readable output) and as JAX
 * prints an Array: repr(jax.Array) is
 *   f"Array({np.array2string(value, prefix='Array(', suffix=',',
 *          separator=', ', max_line_width=75)},{sep}dtype={name})"
 * (jax/_src/array.py ArrayImpl.__repr__), so the layout and the number
 * formatting are NumPy's (numpy/_core/arrayprint.py, NumPy >= 2.3, default
 * print options: precision 8, floatmode 'maxprec', threshold 1000,
 * edgeitems 3, linewidth 75). */
#include "array.h"
#include "half.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- decimal digits ------------------------------------------------------ */

/* A finite float as decimal digits d[0..n) (no trailing zeros) times
 * 10^(exp - n + 1): the first digit has weight 10^exp. */
typedef struct dec {
  bool neg;
  int n, exp;
  char d[40];
} dec;

/* Reads printf's "%.Ne" text of a value into a dec. */
static void dec_from_e(const char *text, dec *out) {
  const char *p = text;
  out->neg = *p == '-';
  p += out->neg;
  out->n = 0;
  for (; *p && *p != 'e'; p++)
    if (*p != '.' && out->n < (int)sizeof out->d - 1) out->d[out->n++] = *p;
  out->exp = *p == 'e' ? atoi(p + 1) : 0;
  while (out->n > 1 && out->d[out->n - 1] == '0') out->n--;
  out->d[out->n] = 0;
}

/* Whether text read in dtype dt is v (a value of dt). */
static bool reads_back(const char *text, double v, tj_dtype dt) {
  switch (dt) {
  case DT_F32: return strtof(text, NULL) == (float)v;
  case DT_F16: return tj_f16_from_double(strtod(text, NULL)) == tj_f16_from_double(v);
  case DT_BF16: return tj_bf16_from_double(strtod(text, NULL)) == tj_bf16_from_double(v);
  default: return strtod(text, NULL) == v;
  }
}

/* The shortest digits that read back as v in its dtype dt,
 * the closest such when several tie in length: Python's repr for f64,
 * NumPy's Dragon4 "unique" mode for both. */
static void shortest(double v, tj_dtype dt, dec *out) {
  char text[48];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(text, sizeof text, "%.*e", prec - 1, v);
    if (reads_back(text, v, dt)) break;
  }
  dec_from_e(text, out);
  out->neg = signbit(v) != 0;
}

/* ---- JSON ------------------------------------------------------------------ */

/* Python's repr layout of a dec: fixed for 1e-4 <= |v| < 1e16, else
 * exponent form ("1e-05", "1.5e+16"). */
static void put_repr(tj_buf *b, const dec *x) {
  if (x->neg) buf_putc(b, '-');
  if (x->exp < -4 || x->exp >= 16) {
    buf_putc(b, x->d[0]);
    if (x->n > 1) buf_printf(b, ".%s", x->d + 1);
    buf_printf(b, "e%c%02d", x->exp < 0 ? '-' : '+', abs(x->exp));
  } else if (x->exp < 0) {
    buf_puts(b, "0.");
    for (int i = -1; i > x->exp; i--) buf_putc(b, '0');
    buf_puts(b, x->d);
  } else {
    for (int i = 0; i <= x->exp; i++) buf_putc(b, i < x->n ? x->d[i] : '0');
    buf_putc(b, '.');
    if (x->n > x->exp + 1) buf_puts(b, x->d + x->exp + 1);
    else buf_putc(b, '0');
  }
}

/* The dtype whose shortest round-trip digits JSON prints for a float of
 * dtype dt. A bf16 prints as the f32 it is exactly: bf16's own shortest
 * digits (ml_dtypes' repr: 768 is "770.0") read back as that bf16 only
 * when rounded to bf16, and a JSON reader reads a double. */
static tj_dtype json_digits_dtype(tj_dtype dt) { return dt == DT_BF16 ? DT_F32 : dt; }

static void json_element(const tj_array *a, int64_t i, tj_buf *b) {
  if (a->dtype == DT_BOOL) {
    buf_puts(b, array_get_i(a, i) ? "true" : "false");
  } else if (a->dtype == DT_U64) {
    buf_printf(b, "%llu", (unsigned long long)array_get_i(a, i));
  } else if (!dtype_is_float(a->dtype)) {
    buf_printf(b, "%lld", (long long)array_get_i(a, i));
  } else {
    double v = array_get_f(a, i);
    dec x;
    if (isnan(v)) buf_puts(b, "\"nan\"");
    else if (isinf(v)) buf_puts(b, v < 0 ? "\"-inf\"" : "\"inf\"");
    else shortest(v, json_digits_dtype(a->dtype), &x), put_repr(b, &x);
  }
}

/* Nested lists along the shape; the depth is bounded by TJ_MAX_RANK. */
static void json_nested(const tj_array *a, int axis, int64_t offset, int64_t stride, tj_buf *b) {
  if (axis == a->rank) {
    json_element(a, offset, b);
    return;
  }
  int64_t inner = stride / (a->dims[axis] ? a->dims[axis] : 1);
  buf_putc(b, '[');
  for (int64_t i = 0; i < a->dims[axis]; i++) {
    if (i) buf_puts(b, ", ");
    json_nested(a, axis + 1, offset + i * inner, inner, b);
  }
  buf_putc(b, ']');
}

/* Floats are JSON numbers in Python's repr layout with the fewest digits
 * that read back as the same value of the dtype ("0.1" for the float32
 * nearest 0.1); NaN and the infinities, which JSON lacks, are the strings
 * "nan", "inf" and "-inf". */
/* A key array's data as uint32[..., 2] (the same bytes, dtype.h DT_KEY). */
static tj_array key_words(const tj_array *a) {
  tj_array w = *a;
  w.dtype = DT_U32, w.dims[w.rank++] = 2, w.size *= 2;
  return w;
}

void array_format_json(const tj_array *a, tj_buf *out) {
  if (a->dtype == DT_KEY) { /* the shape of the keys, the data of their words */
    tj_array w = key_words(a);
    buf_printf(out, "{\"dtype\": \"%s\", \"shape\": [", dtype_short(a->dtype));
    for (int i = 0; i < a->rank; i++) buf_printf(out, i ? ", %lld" : "%lld", (long long)a->dims[i]);
    buf_puts(out, "], \"data\": ");
    int64_t stride = 1;
    for (int i = 0; i < w.rank; i++) stride *= w.dims[i] ? w.dims[i] : 1;
    json_nested(&w, 0, 0, stride, out);
    buf_putc(out, '}');
    return;
  }
  buf_printf(out, "{\"dtype\": \"%s\", \"shape\": [", dtype_short(a->dtype));
  int64_t stride = 1;
  for (int i = 0; i < a->rank; i++) {
    buf_printf(out, i ? ", %lld" : "%lld", (long long)a->dims[i]);
    stride *= a->dims[i] ? a->dims[i] : 1;
  }
  buf_puts(out, "], \"data\": ");
  json_nested(a, 0, 0, stride, out);
  buf_putc(out, '}');
}

/* ---- NumPy's float formatting ----------------------------------------------
 * FloatingFormat in 'maxprec' mode: every value at its shortest unique
 * digits, cut to 8 digits after the point (positional) or after the first
 * digit (scientific), the cut rounding the exact binary value half to even
 * as Dragon4 does (and as glibc's printf does). */

enum { PRECISION = 8 };

/* Positional: integer part (with its sign) and fraction digits. */
static void positional(double v, tj_dtype dt, char *ip, char *fp) {
  dec x;
  shortest(v, dt, &x);
  int frac = x.n - 1 - x.exp;
  if (frac > PRECISION) {
    char text[400];
    snprintf(text, sizeof text, "%.*f", PRECISION, v);
    char *dot = strchr(text, '.');
    *dot = 0;
    strcpy(ip, text);
    strcpy(fp, dot + 1);
    for (size_t k = strlen(fp); k > 0 && fp[k - 1] == '0'; k--) fp[k - 1] = 0;
    return;
  }
  char *o = ip;
  if (x.neg) *o++ = '-';
  if (x.exp < 0) *o++ = '0';
  for (int i = 0; i <= x.exp; i++) *o++ = i < x.n ? x.d[i] : '0';
  *o = 0;
  o = fp;
  for (int i = -1; i > x.exp; i--) *o++ = '0';
  for (int i = x.exp < 0 ? 0 : x.exp + 1; i < x.n; i++) *o++ = x.d[i];
  *o = 0;
}

/* Scientific: the shortest digits, or 9 significant ones rounded. */
static void scientific(double v, tj_dtype dt, dec *x) {
  shortest(v, dt, x);
  if (x->n - 1 > PRECISION) {
    char text[64];
    snprintf(text, sizeof text, "%.*e", PRECISION, v);
    dec_from_e(text, x);
    x->neg = signbit(v) != 0;
  }
}

typedef struct ffmt {
  tj_dtype dt;
  bool exp_format;
  int pad_left, pad_right, precision, exp_size;
  /* fillFormat's inputs, gathered over the values shown */
  bool any_finite, any_nonfinite, neg_inf, any_nonzero;
  double max_abs, min_abs;
} ffmt;

/* fillFormat, first half: whether to use scientific notation. The cutoff
 * for large values is 10^min(8, finfo.precision): 1e6 for float32, 1e8 for
 * float64 (NumPy >= 2.3; 1e8 for both before). Comparisons and the ratio
 * are computed in the dtype (NumPy 2 converts the Python float operand to
 * float32). */
static bool wants_exp(const ffmt *f) {
  if (!f->any_nonzero) return false;
  if (f->dt == DT_F16) { /* finfo(float16).precision is 3: the cutoff 1e3; 1e-4 and the ratio in float16 */
    double ratio = tj_f16_to_f32(tj_f16_from_double(f->max_abs / f->min_abs));
    return f->max_abs >= 1e3 || f->min_abs < tj_f16_to_f32(tj_f16_from_double(0.0001)) || ratio > 1000.0;
  }
  if (f->dt == DT_F32) {
    float mx = (float)f->max_abs, mn = (float)f->min_abs;
    volatile float ratio = mx / mn;  /* rounded to float32 */
    return mx >= 1e6f || mn < 0.0001f || ratio > 1000.0f;
  }
  return f->max_abs >= 1e8 || f->min_abs < 0.0001 || f->max_abs / f->min_abs > 1000.0;
}

static void float_gather(ffmt *f, double v) {
  if (!isfinite(v)) {
    f->any_nonfinite = true;
    f->neg_inf |= isinf(v) && v < 0;
    return;
  }
  f->any_finite = true;
  double m = fabs(v);
  if (m == 0) return;
  if (!f->any_nonzero || m > f->max_abs) f->max_abs = m;
  if (!f->any_nonzero || m < f->min_abs) f->min_abs = m;
  f->any_nonzero = true;
}

/* fillFormat, second half: the widths, one value at a time. */
static void float_measure(ffmt *f, double v) {
  if (!isfinite(v)) return;
  char ip[400], fp[400];
  if (f->exp_format) {
    dec x;
    scientific(v, f->dt, &x);
    int ilen = 1 + x.neg, elen = abs(x.exp) >= 100 ? 3 : 2;
    if (ilen > f->pad_left) f->pad_left = ilen;
    if (x.n - 1 > f->precision) f->precision = x.n - 1;
    if (elen > f->exp_size) f->exp_size = elen;
  } else {
    positional(v, f->dt, ip, fp);
    if ((int)strlen(ip) > f->pad_left) f->pad_left = (int)strlen(ip);
    if ((int)strlen(fp) > f->pad_right) f->pad_right = (int)strlen(fp);
  }
}

/* After measuring: pad_right for scientific, and room for nan/inf. */
static void float_finish(ffmt *f) {
  if (f->exp_format && f->any_finite) f->pad_right = f->exp_size + 2 + f->precision;
  if (f->any_nonfinite) {
    int offset = f->pad_right + 1;
    if (3 - offset > f->pad_left) f->pad_left = 3 - offset;
    if (3 + f->neg_inf - offset > f->pad_left) f->pad_left = 3 + f->neg_inf - offset;
  }
}

static void pad(tj_buf *b, int n) {
  for (int i = 0; i < n; i++) buf_putc(b, ' ');
}

static void float_print(const ffmt *f, double v, tj_buf *b) {
  if (!isfinite(v)) {
    const char *s = isnan(v) ? "nan" : v < 0 ? "-inf" : "inf";
    pad(b, f->pad_left + f->pad_right + 1 - (int)strlen(s));
    buf_puts(b, s);
    return;
  }
  if (f->exp_format) {
    dec x;
    scientific(v, f->dt, &x);
    pad(b, f->pad_left - 1 - x.neg);
    buf_printf(b, "%s%c.%s", x.neg ? "-" : "", x.d[0], x.d + 1);
    for (int i = x.n - 1; i < f->precision; i++) buf_putc(b, '0');
    buf_printf(b, "e%c%0*d", x.exp < 0 ? '-' : '+', f->exp_size, abs(x.exp));
    return;
  }
  char ip[400], fp[400];
  positional(v, f->dt, ip, fp);
  pad(b, f->pad_left - (int)strlen(ip));
  buf_printf(b, "%s.%s", ip, fp);
  pad(b, f->pad_right - (int)strlen(fp));
}

/* ---- the values shown ------------------------------------------------------
 * Over 1000 elements NumPy shows only the first and last 3 along each axis
 * longer than 6 (with "..." between), and sizes its columns on those. */

enum { THRESHOLD = 1000, EDGE = 3, LINE_WIDTH = 75 };

typedef struct printer {
  const tj_array *a;
  bool summarize;
  int64_t strides[TJ_MAX_RANK];
  ffmt f;
  int int_width;           /* widest of str(max), str(min) */
  bool have_int;
  int64_t imax, imin;
} printer;

/* Index k of the items shown along an axis of length n (-1: the "..."). */
static int64_t shown_items(const printer *p, int64_t n, int64_t k) {
  if (!p->summarize || n <= 2 * EDGE) return k;
  return k < EDGE ? k : k == EDGE ? -1 : n - (2 * EDGE + 1 - k);
}

static int64_t shown_count(const printer *p, int64_t n) {
  return p->summarize && n > 2 * EDGE ? 2 * EDGE + 1 : n;
}

typedef void (*visit_fn)(printer *p, int64_t flat);

static void visit(printer *p, int axis, int64_t offset, visit_fn fn) {
  if (axis == p->a->rank) {
    fn(p, offset);
    return;
  }
  int64_t n = p->a->dims[axis];
  for (int64_t k = 0; k < shown_count(p, n); k++) {
    int64_t i = shown_items(p, n, k);
    if (i >= 0) visit(p, axis + 1, offset + i * p->strides[axis], fn);
  }
}

static void gather(printer *p, int64_t i) {
  if (dtype_is_float(p->a->dtype)) {
    float_gather(&p->f, array_get_f(p->a, i));
    return;
  }
  int64_t v = array_get_i(p->a, i);
  if (!p->have_int || dtype_int_less(p->a->dtype, p->imax, v)) p->imax = v;
  if (!p->have_int || dtype_int_less(p->a->dtype, v, p->imin)) p->imin = v;
  p->have_int = true;
}

static void measure(printer *p, int64_t i) { float_measure(&p->f, array_get_f(p->a, i)); }

/* numpy formats an array of ml_dtypes' bfloat16 (no numpy float type)
 * with repr of each element, unpadded: ml_dtypes writes the float value to
 * a C++ ostream (precision 6, %g's form), a NaN without its sign. */
static void bf16_word(double v, tj_buf *b) { buf_printf(b, "%g", isnan(v) ? fabs(v) : v); }

static void element(const printer *p, int64_t i, tj_buf *b) {
  if (p->a->dtype == DT_BOOL)
    buf_puts(b, array_get_i(p->a, i) ? (p->a->rank ? " True" : "True") : "False");
  else if (p->a->dtype == DT_BF16) /* ml_dtypes' repr of each element: C++'s ostream, as %g */
    bf16_word(array_get_f(p->a, i), b);
  else if (dtype_is_float(p->a->dtype))
    float_print(&p->f, array_get_f(p->a, i), b);
  else
    buf_printf(b, p->a->dtype == DT_U64 ? "%*llu" : "%*lld", p->int_width, (long long)array_get_i(p->a, i));
}

/* ---- NumPy's _formatArray -------------------------------------------------- */

/* _extendLine: start a new line when word would pass width, unless the line
 * holds nothing but its indent. */
static void extend_line(tj_buf *s, tj_buf *line, const char *word, size_t width, size_t hang) {
  size_t n = strlen(word);
  if (line->len + n > width && line->len > hang) {
    size_t keep = line->len;
    while (keep > 0 && line->data[keep - 1] == ' ') keep--;
    buf_putn(s, line->data, keep);
    buf_putc(s, '\n');
    line->len = 0;
    pad(line, (int)hang);
  }
  buf_puts(line, word);
}

/* recurser(): one axis, its rows indented by hang spaces, lines at most
 * width wide; appends "[...]" to out. */
static void format_axis(const printer *p, int axis, int64_t offset, int hang, int width, tj_buf *out) {
  if (axis == p->a->rank) {
    element(p, offset, out);
    return;
  }
  int64_t n = p->a->dims[axis], count = shown_count(p, n);
  int left = p->a->rank - axis;
  tj_buf s = {0}, word = {0};
  if (left == 1) {
    tj_buf line = {0};
    pad(&line, hang);
    for (int64_t k = 0; k < count; k++) {
      int64_t i = shown_items(p, n, k);
      word.len = 0;
      if (i < 0) buf_puts(&word, "...");
      else element(p, offset + i * p->strides[axis], &word);
      extend_line(&s, &line, word.data, (size_t)width - 1, (size_t)hang);
      if (k + 1 < count) buf_puts(&line, ", ");
    }
    buf_putn(&s, line.data, line.len);
    buf_free(&line);
  } else {
    for (int64_t k = 0; k < count; k++) {
      int64_t i = shown_items(p, n, k);
      pad(&s, hang);
      if (i < 0) buf_puts(&s, "...");
      else format_axis(p, axis + 1, offset + i * p->strides[axis], hang + 1, width - 1, &s);
      if (k + 1 < count) {
        buf_putc(&s, ',');
        for (int j = 1; j < left; j++) buf_putc(&s, '\n');
      }
    }
  }
  buf_putc(out, '[');
  if (s.len > (size_t)hang) buf_putn(out, s.data + hang, s.len - (size_t)hang);
  buf_putc(out, ']');
  buf_free(&s);
  buf_free(&word);
}

/* np.array2string(value, prefix="Array(", suffix=",", separator=", ")
 * for a non-empty array. */
static void array2string(const tj_array *a, tj_buf *out) {
  printer p = {.a = a, .summarize = a->size > THRESHOLD};
  p.f.dt = a->dtype;
  int64_t stride = 1;
  for (int i = a->rank - 1; i >= 0; i--) p.strides[i] = stride, stride *= a->dims[i];
  visit(&p, 0, 0, gather);
  if (dtype_is_float(a->dtype)) {
    p.f.exp_format = wants_exp(&p.f);
    visit(&p, 0, 0, measure);
    float_finish(&p.f);
  } else {
    const char *f = a->dtype == DT_U64 ? "%llu" : "%lld";
    p.int_width = snprintf(NULL, 0, f, (long long)p.imax);
    int w = snprintf(NULL, 0, f, (long long)p.imin);
    if (w > p.int_width) p.int_width = w;
  }
  /* linewidth - len(suffix); rows hang under " " + prefix */
  format_axis(&p, 0, 0, (int)strlen(" Array("), LINE_WIDTH - 1, out);
}

/* str() of the key words as numpy prints a uint32 array: each number
 * right-aligned to the widest, rows in brackets one per line (a row of
 * keys' words is short: numpy's 75-column wrapping never applies). */
static void key_words_str(const tj_array *w, int axis, int64_t offset, int width, tj_buf *out) {
  int64_t stride = 1;
  for (int d = axis + 1; d < w->rank; d++) stride *= w->dims[d];
  buf_putc(out, '[');
  for (int64_t i = 0; i < w->dims[axis]; i++) {
    if (axis == w->rank - 1) {
      buf_printf(out, "%s%*u", i ? " " : "", width, ((const uint32_t *)w->data)[offset + i]);
      continue;
    }
    if (i) {
      buf_putc(out, '\n');
      for (int d = w->rank - 2; d > axis; d--) buf_putc(out, '\n');
      for (int d = 0; d <= axis; d++) buf_putc(out, ' ');
    }
    key_words_str(w, axis + 1, offset + i * stride, width, out);
  }
  buf_putc(out, ']');
}

/* PRNGKeyArray.__repr__ (jax/_src/random/prng.py): "Array(shape,
 * dtype=key<fry>) overlaying:" and the key data's str(). */
static void key_array_text(const tj_array *a, tj_buf *out) {
  tj_array w = key_words(a);
  int width = 1;
  for (int64_t i = 0; i < w.size; i++) {
    int n = snprintf(NULL, 0, "%u", ((const uint32_t *)w.data)[i]);
    if (n > width) width = n;
  }
  buf_puts(out, "Array((");
  for (int i = 0; i < a->rank; i++) buf_printf(out, i ? ", %lld" : "%lld", (long long)a->dims[i]);
  buf_printf(out, "%s), dtype=%s) overlaying:\n", a->rank == 1 ? "," : "", dtype_long(a->dtype));
  if (w.size == 0) {
    for (int d = 0; d < w.rank; d++) buf_putc(out, '[');
    for (int d = 0; d < w.rank; d++) buf_putc(out, ']');
    return;
  }
  key_words_str(&w, 0, 0, width, out);
}

void array_format_text_weak(const tj_array *a, bool weak, tj_buf *out) {
  if (a->dtype == DT_KEY) {
    key_array_text(a, out);
    return;
  }
  tj_buf s = {0};
  if (a->size == 0) {
    buf_puts(&s, "[], shape=(");
    for (int i = 0; i < a->rank; i++)
      buf_printf(&s, i ? ", %lld" : "%lld", (long long)a->dims[i]);
    buf_puts(&s, a->rank == 1 ? ",)" : ")");
  } else {
    array2string(a, &s);
  }
  char dtype_str[64];
  snprintf(dtype_str, sizeof dtype_str, "dtype=%s%s", dtype_long(a->dtype),
           weak ? ", weak_type=True" : "");
  /* JAX's quirk, kept: a long last line moves the dtype six spaces along,
   * not onto a new line. last_line_len = len(s) - s.rfind('\n') + 1. */
  const char *nl = strrchr(s.data, '\n');
  size_t last = nl ? s.len - (size_t)(nl - s.data) + 1 : s.len + 2;
  const char *sep = last + strlen(dtype_str) + 2 > LINE_WIDTH ? "      " : " ";
  buf_printf(out, "Array(%s,%s%s)", s.data, sep, dtype_str);
  buf_free(&s);
}

void array_format_text(const tj_array *a, tj_buf *out) { array_format_text_weak(a, false, out); }
