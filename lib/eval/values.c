/* The runtime values of traced arguments: a spec value (already validated
 * by spec_value_aval) turned into a tj_array. Conversions follow NumPy's
 * np.asarray(value, dtype): a JSON integer converts from int64 (C's
 * correctly rounded int-to-float), a JSON float from its double (Python
 * parses the text to a double first, then NumPy casts). */
#include "array.h"
#include "alloc.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "json_scan.h"
#include "spec.h"

/* ---- the generator ------------------------------------------------------
 * xoshiro256** 1.0 (Blackman and Vigna), its four words seeded by four
 * successive outputs of splitmix64 started at the seed. Integer arithmetic
 * only, so every machine produces the same stream. */

typedef struct rng {
  uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed) {
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng *r) {
  uint64_t *s = r->s;
  uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return out;
}

/* Uniform in [0, 1): the top 53 bits (f64) or 24 bits (f32) of one output
 * times 2^-53 or 2^-24, exact in the dtype. */
static double uniform(rng *r, bool f32) {
  uint64_t x = rng_next(r);
  return f32 ? (double)(x >> 40) * 0x1p-24 : (double)(x >> 11) * 0x1p-53;
}

/* ln(x) for x > 0 from +, -, *, / and frexp only (all exact or correctly
 * rounded in IEEE 754), so it gives the same bits everywhere, where libm's
 * log may differ in the last place: x = m 2^k with m in [sqrt(1/2),
 * sqrt(2)), ln m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172, summed to
 * s^41 (the next term is below 1e-33). */
static double portable_log(double x) {
  int k;
  double m = frexp(x, &k);
  if (m < 0.70710678118654752440) m *= 2, k--;
  double s = (m - 1) / (m + 1), z = s * s, sum = 0;
  for (int n = 41; n >= 1; n -= 2) sum = sum * z + 1.0 / n;
  return k * 0.69314718055994530942 + 2 * s * sum;
}

/* Standard normal pairs by Marsaglia's polar method: u, v uniform in
 * [-1, 1) from two f64 draws, rejected unless 0 < q = u^2 + v^2 < 1, then
 * u f and v f with f = sqrt(-2 ln q / q). */
static void normal_pair(rng *r, double out[2]) {
  double u, v, q;
  do {
    u = 2 * uniform(r, false) - 1;
    v = 2 * uniform(r, false) - 1;
    q = u * u + v * v;
  } while (q >= 1 || q == 0);
  double f = sqrt(-2 * portable_log(q) / q);
  out[0] = u * f;
  out[1] = v * f;
}

/* Fills a from the generator, in row-major order. uniform: floats as
 * above; integers uniform over the dtype's whole range (the top bits of
 * one output each); bool a fair coin (the top bit). normal: f32/f64 only
 * (spec_value_aval checks), one polar pair for two elements. */
static void fill_random(tj_array *a, uint64_t seed, bool normal) {
  rng r;
  rng_seed(&r, seed);
  bool f32 = a->dtype == DT_F32;
  for (int64_t i = 0; i < a->size; i++) {
    if (normal) {
      double z[2];
      normal_pair(&r, z);
      array_set_f(a, i, z[0]);
      if (++i < a->size) array_set_f(a, i, z[1]);
    } else if (dtype_is_half(a->dtype)) { /* 11 or 8 bits: every value exact, none rounds to 1 */
      int bits = a->dtype == DT_F16 ? 11 : 8;
      array_set_f(a, i, ldexp((double)(rng_next(&r) >> (64 - bits)), -bits));
    } else if (dtype_is_float(a->dtype)) {
      array_set_f(a, i, uniform(&r, f32));
    } else {
      uint64_t x = rng_next(&r) >> (64 - 8 * dtype_size(a->dtype));
      if (a->dtype == DT_BOOL) x >>= 7;
      array_set_i(a, i, (int64_t)x);
    }
  }
}

/* ---- values from the spec ----------------------------------------------- */

/* One JSON leaf into element i, as np.asarray converts it. */
static void store_leaf(tj_array *a, int64_t i, const sjson *v) {
  if (v->kind == SJ_FLOAT) array_set_f(a, i, v->f);
  else if (v->kind == SJ_BOOL) array_set_i(a, i, v->b);
  else array_set_i(a, i, v->i);
}

/* The leaves of a validated (flat or nested) list in row-major order; the
 * depth is bounded by TJ_MAX_RANK, which validation checked. */
static void store_list(tj_array *a, int64_t *next, const sjson *v) {
  if (v->kind != SJ_ARRAY) {
    if (*next < a->size) store_leaf(a, (*next)++, v);
    return;
  }
  for (uint32_t i = 0; i < v->n; i++) store_list(a, next, v->items[i]);
}

static bool from_npy(diag_list *d, const tj_spec *spec, const sjson *v,
                     const tj_aval *aval, tj_array **out) {
  tj_arena *ar = d->arena;
  const char *file;
  int fd = spec_open_file(ar, spec, v->s, &file);
  const char *why = fd < 0 ? spec_open_error(errno) : NULL;
  if (fd < 0) return json_error(d, v, v->span, "cannot read '%s': %s", json_show(ar, file, strlen(file)), why);
  diag_at at = json_at(d, v);
  tj_array *a = NULL;
  bool ok = npy_read_fd(&at, fd, file, &a);
  close(fd);
  if (!ok) return false;
  tj_aval got = array_aval(a, false);
  if (!aval_equal(&got, aval)) {
    char want[160], have[160];
    aval_format_long(aval, want, sizeof want);
    aval_format_long(&got, have, sizeof have);
    array_free(a);
    return json_error(d, v, v->span, "'%s' now holds %s, not %s",
                      json_show(ar, file, strlen(file)), have, want);
  }
  *out = a;
  return true;
}

static bool from_object(diag_list *d, const tj_spec *spec, const sjson *v,
                        const tj_aval *aval, tj_array **out) {
  const sjson *src;
  if ((src = json_member(v, "npy", NULL))) return from_npy(d, spec, src, aval, out);
  tj_array *a = array_new(aval);
  if (!a) return diag_out_of_memory(d, TJ_NOMEM_FMT "%s", array_bytes(aval), v->path[0] ? v->path : "an argument");
  int64_t next = 0;
  if ((src = json_member(v, "key", NULL))) { /* threefry_seed of an int32 seed: (0, seed) */
    ((uint32_t *)a->data)[0] = 0, ((uint32_t *)a->data)[1] = (uint32_t)src->i;
  } else if ((src = json_member(v, "data", NULL))) {
    store_list(a, &next, src);
  } else if ((src = json_member(v, "fill", NULL))) {
    for (int64_t i = 0; i < a->size; i++) store_leaf(a, i, src);
  } else if ((src = json_member(v, "iota", NULL))) {
    for (int64_t i = 0; i < a->size; i++) array_set_i(a, i, i);
  } else if ((src = json_member(v, "random", NULL))) {
    const sjson *seed = json_member(src, "seed", NULL);
    const sjson *dist = json_member(src, "dist", NULL);
    bool normal = dist && dist->slen == 6 && memcmp(dist->s, "normal", 6) == 0;
    fill_random(a, seed ? (uint64_t)seed->i : 0, normal);
  } else {
    array_free(a);
    return json_error(d, v, v->span, "no values to run with: give \"data\", "
                      "\"fill\", \"iota\", \"random\" or \"npy\"");
  }
  *out = a;
  return true;
}

bool spec_value_is_abstract(const sjson *v) {
  static const char *const sources[] = {"data", "fill", "iota", "random", "npy", "key"};
  if (v->kind != SJ_OBJECT) return false;
  for (size_t i = 0; i < TJ_COUNT(sources); i++)
    if (json_member(v, sources[i], NULL)) return false;
  return true;
}

void array_fill_random(tj_array *a, uint64_t seed) { fill_random(a, seed, false); }

bool spec_value_array(diag_list *d, const tj_spec *spec, const sjson *v,
                      const tj_aval *aval, tj_array **out) {
  tj_aval checked;
  *out = NULL;
  if (!spec_value_aval(d, spec, v, &checked)) return false;
  if (!aval_equal(&checked, aval)) {
    char want[160], have[160];
    aval_format_long(aval, want, sizeof want);
    aval_format_long(&checked, have, sizeof have);
    return json_error(d, v, v->span, "value is %s, expected %s", have, want);
  }
  /* float0 (dtype.h) is traced, never run: the evaluators have no arrays
   * of it, and no spec value makes one. */
  if (aval->dtype == DT_FLOAT0)
    return json_error(d, v, v->span, "a float0 argument can be traced but not run: tjit has no float0 arrays "
                      "to run with");
  if (v->kind == SJ_OBJECT) return from_object(d, spec, v, aval, out);
  tj_array *a = array_new(aval);
  if (!a) return diag_out_of_memory(d, TJ_NOMEM_FMT "%s", array_bytes(aval), v->path[0] ? v->path : "an argument");
  int64_t next = 0;
  store_list(a, &next, v);
  *out = a;
  return true;
}
