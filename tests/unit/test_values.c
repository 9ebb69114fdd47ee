/* Unit tests for values.c: the array of each kind of spec value, numpy's
 * conversions, the generator's reproducibility and distributions, .npy
 * values, and the error for a value without data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "harness.h"
#include "spec.h"

static tj_arena arena;
static diag_list diags;
static tj_spec spec;
static char msg[4096];

static const char *first_error(void) {
  msg[0] = 0;
  for (const tj_diag *g = diags.head; g; g = g->next)
    if (g->level == DIAG_ERROR) {
      snprintf(msg, sizeof msg, "%s", g->msg);
      break;
    }
  return msg;
}

/* The array of the first argument of a call written in spec path. */
static tj_array *value_in(const char *path, const char *call) {
  char text[4096];
  arena_free(&arena);
  memset(&diags, 0, sizeof diags);
  diags.arena = &arena;
  snprintf(text, sizeof text, "{\"source\": \"x\", \"calls\": [%s]}", call);
  if (!spec_load(&arena, &diags, path, text, (uint32_t)strlen(text), false, &spec)) return NULL;
  const sjson *v = spec.calls[0].values[0];
  tj_aval av;
  tj_array *a = NULL;
  if (!spec_value_aval(&diags, &spec, v, &av)) return NULL;
  if (!spec_value_array(&diags, &spec, v, &av, &a)) return NULL;
  return a;
}

static tj_array *value(const char *v) {
  char call[2048];
  snprintf(call, sizeof call, "{\"x\": %s}", v);
  return value_in("spec.json", call);
}

/* The array's JSON, or the error. */
static const char *json_of(const char *v) {
  tj_array *a = value(v);
  if (!a) return first_error();
  tj_buf b = {0};
  array_format_json(a, &b);
  snprintf(msg, sizeof msg, "%s", b.data);
  buf_free(&b);
  array_free(a);
  return msg;
}

static void test_literals(void) {
  CHECK_STR(json_of("5"), "{\"dtype\": \"i32\", \"shape\": [], \"data\": 5}");
  CHECK_STR(json_of("5.0"), "{\"dtype\": \"f32\", \"shape\": [], \"data\": 5.0}");
  CHECK_STR(json_of("-0.0"), "{\"dtype\": \"f32\", \"shape\": [], \"data\": -0.0}");
  CHECK_STR(json_of("0.1"), "{\"dtype\": \"f32\", \"shape\": [], \"data\": 0.1}");
  CHECK_STR(json_of("true"), "{\"dtype\": \"bool\", \"shape\": [], \"data\": true}");
  CHECK_STR(json_of("[[1, 2], [3, 4]]"), "{\"dtype\": \"i32\", \"shape\": [2, 2], \"data\": [[1, 2], [3, 4]]}");
  CHECK_STR(json_of("[1, 2.5]"), "{\"dtype\": \"f32\", \"shape\": [2], \"data\": [1.0, 2.5]}");
  CHECK_STR(json_of("[true, false]"), "{\"dtype\": \"bool\", \"shape\": [2], \"data\": [true, false]}");
  CHECK_STR(json_of("[true, 2]"), "{\"dtype\": \"i32\", \"shape\": [2], \"data\": [1, 2]}");
  CHECK_STR(json_of("[]"), "{\"dtype\": \"f32\", \"shape\": [0], \"data\": []}");
}

static void test_objects(void) {
  CHECK_STR(json_of("{\"dtype\": \"i32\", \"shape\": [2, 2], \"data\": [1, 2, 3, 4]}"),
            "{\"dtype\": \"i32\", \"shape\": [2, 2], \"data\": [[1, 2], [3, 4]]}");
  CHECK_STR(json_of("{\"dtype\": \"i8\", \"data\": [[-128], [127]]}"),
            "{\"dtype\": \"i8\", \"shape\": [2, 1], \"data\": [[-128], [127]]}");
  CHECK_STR(json_of("{\"dtype\": \"f64\", \"shape\": [], \"data\": 0.1}"),
            "{\"dtype\": \"f64\", \"shape\": [], \"data\": 0.1}");
  CHECK_STR(json_of("{\"dtype\": \"f32\", \"shape\": [2, 2], \"fill\": 0.5}"),
            "{\"dtype\": \"f32\", \"shape\": [2, 2], \"data\": [[0.5, 0.5], [0.5, 0.5]]}");
  CHECK_STR(json_of("{\"dtype\": \"u8\", \"shape\": [3], \"fill\": 255}"),
            "{\"dtype\": \"u8\", \"shape\": [3], \"data\": [255, 255, 255]}");
  CHECK_STR(json_of("{\"dtype\": \"f32\", \"shape\": [4], \"iota\": true}"),
            "{\"dtype\": \"f32\", \"shape\": [4], \"data\": [0.0, 1.0, 2.0, 3.0]}");
  CHECK_STR(json_of("{\"dtype\": \"i64\", \"shape\": [2, 2], \"iota\": true}"),
            "{\"dtype\": \"i64\", \"shape\": [2, 2], \"data\": [[0, 1], [2, 3]]}");
  /* np.asarray conversions: ints round to nearest float from int64, floats
   * from their double */
  CHECK_STR(json_of("{\"dtype\": \"f32\", \"data\": [16777217, 9007199254740993]}"),
            "{\"dtype\": \"f32\", \"shape\": [2], \"data\": [16777216.0, 9007199000000000.0]}");
  CHECK_STR(json_of("{\"dtype\": \"f64\", \"data\": [9007199254740993, 1e-320]}"),
            "{\"dtype\": \"f64\", \"shape\": [2], \"data\": [9007199254740992.0, 1e-320]}");
  CHECK_STR(json_of("{\"dtype\": \"i64\", \"data\": [9223372036854775807, -9223372036854775808]}"),
            "{\"dtype\": \"i64\", \"shape\": [2], \"data\": [9223372036854775807, -9223372036854775808]}");
  CHECK_STR(json_of("{\"dtype\": \"f32\", \"data\": [1.00000005960464477539]}"),
            "{\"dtype\": \"f32\", \"shape\": [1], \"data\": [1.0]}");
  /* u64 data takes the whole uint64 range, exactly (np.asarray(..., np.uint64)) */
  CHECK_STR(json_of("{\"dtype\": \"u64\", \"data\": [18446744073709551615, 9223372036854775808]}"),
            "{\"dtype\": \"u64\", \"shape\": [2], \"data\": [18446744073709551615, 9223372036854775808]}");
  CHECK_STR(json_of("{\"dtype\": \"u64\", \"shape\": [2], \"fill\": 18446744073709551614}"),
            "{\"dtype\": \"u64\", \"shape\": [2], \"data\": [18446744073709551614, 18446744073709551614]}");
}

static void test_no_values(void) {
  CHECK(value_in("spec.json", "{\"x\": {\"dtype\": \"f32\", \"shape\": [3]}}") == NULL);
  CHECK_STR(first_error(), "calls[0].x: no values to run with: give \"data\", \"fill\", \"iota\", "
                           "\"random\" or \"npy\"");
  CHECK(value_in("spec.json", "[{\"dtype\": \"f32\", \"shape\": []}]") == NULL);
  CHECK(strstr(first_error(), "calls[0][0]: no values to run with"));
  CHECK(value("\"str\"") == NULL);
  CHECK(strstr(first_error(), "is not an array value"));
}

static void test_random(void) {
  tj_array *a = value("{\"dtype\": \"f32\", \"shape\": [10000], \"random\": {\"seed\": 7}}");
  tj_array *b = value("{\"dtype\": \"f32\", \"shape\": [10000], \"random\": {\"seed\": 7, \"dist\": \"uniform\"}}");
  tj_array *c = value("{\"dtype\": \"f32\", \"shape\": [10000], \"random\": {\"seed\": 8}}");
  CHECK(a && b && c && memcmp(a->data, b->data, 40000) == 0 && memcmp(a->data, c->data, 40000) != 0);
  double sum = 0, lo = 1, hi = 0;
  for (int64_t i = 0; a && i < a->size; i++) {
    double v = array_get_f(a, i);
    sum += v, lo = fmin(lo, v), hi = fmax(hi, v);
  }
  CHECK(lo >= 0 && hi < 1 && fabs(sum / 10000 - 0.5) < 0.01);
  array_free(a), array_free(b), array_free(c);
  /* pinned: the stream must never change (same bits on every machine) */
  a = value("{\"dtype\": \"f64\", \"shape\": [2], \"random\": {\"seed\": 0}}");
  b = value("{\"dtype\": \"f64\", \"shape\": [3], \"random\": {\"seed\": 0, \"dist\": \"normal\"}}");
  tj_buf t = {0};
  if (a && b) {
    array_format_json(a, &t);
    buf_putc(&t, ' ');
    array_format_json(b, &t);
  }
  CHECK_STR(t.data, "{\"dtype\": \"f64\", \"shape\": [2], \"data\": [0.6012629994179048, 0.7477740925472398]} "
                    "{\"dtype\": \"f64\", \"shape\": [3], \"data\": [0.5981026483626094, 1.4634599192204392, "
                    "-0.8950525532379916]}");
  buf_free(&t);
  array_free(a), array_free(b);
  a = value("{\"dtype\": \"f64\", \"shape\": [20001], \"random\": {\"seed\": 3, \"dist\": \"normal\"}}");
  double s1 = 0, s2 = 0;
  for (int64_t i = 0; a && i < a->size; i++) {
    double v = array_get_f(a, i);
    s1 += v, s2 += v * v;
  }
  CHECK(a && fabs(s1 / 20001) < 0.03 && fabs(s2 / 20001 - 1) < 0.05);
  array_free(a);
  a = value("{\"dtype\": \"bool\", \"shape\": [1000], \"random\": {\"seed\": 1}}");
  int64_t ones = 0;
  for (int64_t i = 0; a && i < a->size; i++) ones += array_get_i(a, i);
  CHECK(a && ones > 400 && ones < 600);
  array_free(a);
  a = value("{\"dtype\": \"i8\", \"shape\": [1000], \"random\": {\"seed\": 1}}");
  int64_t neg = 0;
  for (int64_t i = 0; a && i < a->size; i++) neg += array_get_i(a, i) < 0;
  CHECK(a && neg > 400 && neg < 600);
  array_free(a);
}

static void test_npy(void) {
  tj_array *a = value_in("tests/data/spec.json", "{\"x\": {\"npy\": \"f32_3.npy\"}}");
  CHECK(a && a->dtype == DT_F32 && a->size == 3 && array_get_f(a, 1) == 2.5);
  array_free(a);
  a = value_in("tests/data/spec.json", "{\"x\": {\"dtype\": \"i32\", \"shape\": [2, 3], \"npy\": \"i32_2x3.npy\"}}");
  CHECK(a && a->dtype == DT_I32 && a->rank == 2 && array_get_i(a, 5) == -6);
  array_free(a);
  CHECK(value_in("tests/data/spec.json", "{\"x\": {\"npy\": \"missing.npy\"}}") == NULL);
  CHECK(strstr(first_error(), "cannot read 'tests/data/missing.npy'"));
}

int main(void) {
  test_literals();
  test_objects();
  test_no_values();
  test_random();
  test_npy();
  arena_free(&arena);
  return HARNESS_REPORT();
}
