/* Unit tests for npy.c: files written the way numpy writes them (by
 * tests/data/gen_npy.py, which copies numpy's header code) read back, our
 * writes are byte-identical to them, and hostile files are refused with a
 * message, never a crash (a small mutation fuzz ends the file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "harness.h"

#define DATA "tests/data/"

static char tmp[64];

static size_t slurp(const char *path, unsigned char *buf, size_t cap) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  size_t n = fread(buf, 1, cap, f);
  fclose(f);
  return n;
}

static void spit(const char *path, const void *buf, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return;
  fwrite(buf, 1, n, f);
  fclose(f);
}

/* Reads path; returns the error text or "ok". */
static const char *read_err(const char *path) {
  tj_array *a = NULL;
  bool ok = npy_read(harness_at(), path, &a);
  array_free(a);
  return ok ? "ok" : harness_error();
}

static void test_read_numpy_files(void) {
  tj_array *a = NULL;
  CHECK(npy_read(harness_at(), DATA "f32_3.npy", &a));
  CHECK(a && a->dtype == DT_F32 && a->rank == 1 && a->dims[0] == 3);
  if (a) CHECK(array_get_f(a, 0) == 1.0 && array_get_f(a, 1) == 2.5 && array_get_f(a, 2) == -3.0);
  array_free(a);
  CHECK(npy_read(harness_at(), DATA "i32_2x3.npy", &a));
  CHECK(a && a->dtype == DT_I32 && a->rank == 2 && a->dims[0] == 2 && a->dims[1] == 3);
  if (a) CHECK(array_get_i(a, 5) == -6 && array_get_i(a, 3) == 4);
  array_free(a);
  CHECK(npy_read(harness_at(), DATA "f64_scalar.npy", &a));
  CHECK(a && a->dtype == DT_F64 && a->rank == 0 && a->size == 1 && array_get_f(a, 0) == 0.1);
  array_free(a);
  CHECK(npy_read(harness_at(), DATA "bool_4.npy", &a));
  CHECK(a && a->dtype == DT_BOOL && array_get_i(a, 0) == 1 && array_get_i(a, 1) == 0);
  array_free(a);
  CHECK(npy_read(harness_at(), DATA "u8_2x2_v2.npy", &a)); /* version 2.0 */
  CHECK(a && a->dtype == DT_U8 && a->dims[1] == 2 && array_get_i(a, 3) == 255);
  array_free(a);
  CHECK(npy_read(harness_at(), DATA "i64_0.npy", &a));
  CHECK(a && a->dtype == DT_I64 && a->rank == 1 && a->size == 0);
  array_free(a);
}

/* Reading numpy's file and writing it again gives the same bytes. */
static void same_bytes(const char *name) {
  static unsigned char want[4096], got[4096];
  char path[256];
  snprintf(path, sizeof path, DATA "%s", name);
  tj_array *a = NULL;
  CHECK(npy_read(harness_at(), path, &a));
  if (!a) return;
  CHECK(npy_write(harness_at(), tmp, a));
  size_t n = slurp(path, want, sizeof want), m = slurp(tmp, got, sizeof got);
  CHECK(n > 0 && n == m && memcmp(want, got, n) == 0);
  if (n != m || memcmp(want, got, n)) fprintf(stderr, "  differs: %s\n", name);
  array_free(a);
}

static void test_write_like_numpy(void) {
  same_bytes("f32_3.npy");
  same_bytes("i32_2x3.npy");
  same_bytes("f64_scalar.npy");
  same_bytes("bool_4.npy");
  same_bytes("i64_0.npy");
  /* the data starts at a multiple of 64; every dtype round-trips
   * (bfloat16 as '<V2', ml_dtypes' descr, checked below) */
  for (int t = 0; t < DT_KEY; t++) { /* the array dtypes: a PRNG key is written as its data */
    if (t == DT_FLOAT0) continue; /* traced only: no spec value or .npy makes one (values.c) */
    tj_aval av = aval_scalar((tj_dtype)t, false);
    av.rank = 3, av.dims[0] = 2, av.dims[1] = 12345, av.dims[2] = 1;
    tj_array *a = array_new(&av), *b = NULL;
    for (int64_t i = 0; i < a->size; i++) array_set_i(a, i, i * 7 - 100);
    CHECK(npy_write(harness_at(), tmp, a));
    unsigned char head[10];
    CHECK(slurp(tmp, head, 10) == 10 && (10 + (head[8] | head[9] << 8)) % 64 == 0);
    CHECK(npy_read(harness_at(), tmp, &b));
    CHECK(b && b->dtype == a->dtype && b->rank == 3 && b->dims[1] == 12345 &&
          memcmp(a->data, b->data, (size_t)a->size * (size_t)dtype_size(a->dtype)) == 0);
    array_free(a);
    array_free(b);
  }
  tj_aval bf = aval_scalar(DT_BF16, false);
  tj_array *bfa = array_new(&bf);
  unsigned char bhead[32];
  CHECK(npy_write(harness_at(), tmp, bfa));
  CHECK(slurp(tmp, bhead, sizeof bhead) == sizeof bhead && memcmp(bhead + 10, "{'descr': '<V2',", 16) == 0);
  array_free(bfa);
  tj_aval scalar = aval_scalar(DT_F32, false);
  tj_array *a = array_new(&scalar);
  CHECK(!npy_write(harness_at(), "/nonexistent-dir/x.npy", a));
  CHECK_STR(harness_error(), "cannot write '/nonexistent-dir/x.npy': No such file or directory");
  array_free(a);
}

/* A file of header text h (version 1.0, padded like numpy) and n data bytes. */
static const char *with_header(const char *h, size_t n) {
  static unsigned char buf[1 << 17];
  size_t hl = strlen(h);
  memcpy(buf, "\x93NUMPY\x01\x00", 8);
  buf[8] = (unsigned char)(hl & 0xff), buf[9] = (unsigned char)(hl >> 8);
  memcpy(buf + 10, h, hl);
  memset(buf + 10 + hl, 0, n);
  spit(tmp, buf, 10 + hl + n);
  return read_err(tmp);
}

#define HDR(descr, fortran, shape) "{'descr': '" descr "', 'fortran_order': " fortran ", 'shape': " shape ", }\n"

static void test_hostile_headers(void) {
  CHECK_STR(with_header(HDR("<f4", "False", "(3,)"), 12), "ok");
  CHECK_STR(with_header("{\"shape\": (2, 2,), \"descr\": \"<i2\", \"fortran_order\": False}", 8), "ok");
  char want[600];
  snprintf(want, sizeof want, "'%s': big-endian data is not supported", tmp);
  CHECK_STR(with_header(HDR(">f4", "False", "(3,)"), 12), want);
  CHECK(strstr(with_header(HDR("<f4", "True", "(3,)"), 12), "Fortran-ordered arrays are not supported"));
  CHECK(strstr(with_header(HDR("|O", "False", "(3,)"), 24), "unsupported dtype"));
  CHECK(strstr(with_header(HDR("<c8", "False", "(3,)"), 24), "unsupported dtype"));
  CHECK(strstr(with_header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }", 12),
               "'descr' is not a simple type string"));
  CHECK(strstr(with_header(HDR("<f4", "False", "(3,)"), 8), "truncated: float32[3] needs 12 bytes of data, the file has 8"));
  CHECK(strstr(with_header(HDR("<f4", "False", "(3,)"), 16), "the header does not match the file size"));
  CHECK(strstr(with_header(HDR("<f4", "False", "(3)"), 12), "'shape' is not a tuple"));
  CHECK(strstr(with_header(HDR("<f4", "False", "[3]"), 12), "'shape' is not a tuple"));
  CHECK(strstr(with_header(HDR("<f4", "False", "(-3,)"), 12), "non-negative integers"));
  CHECK(strstr(with_header(HDR("<f4", "False", "(2147483649,)"), 12), "too many elements"));
  CHECK(strstr(with_header(HDR("<f4", "False", "(65536, 65536)"), 12), "too many elements"));
  CHECK(strstr(with_header(HDR("<f4", "False", "(0, 99999999999999999999)"), 0), "too many elements"));
  /* 2^93 elements wrapped to 0 in int64: the header check (all that
   * abstract arguments read) passed with no data at all. */
  with_header(HDR("<f4", "False", "(2147483648, 2147483648, 2147483648)"), 0);
  tj_aval av;
  CHECK(!npy_read_header(harness_at(), tmp, &av));
  CHECK(strstr(harness_error(), "': too many elements (limit is 2147483648)"));
  CHECK(strstr(with_header(HDR("<f4", "False", "(1, 1, 1, 1, 1, 1, 1, 1, 1)"), 4), "too many dimensions"));
  CHECK(strstr(with_header(HDR("<f4", "maybe", "(3,)"), 12), "'fortran_order' is not True or False"));
  CHECK(strstr(with_header("{'descr': '<f4', 'shape': (3,), }", 12), "exactly 'descr'"));
  CHECK(strstr(with_header("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", 12),
               "exactly 'descr'"));
  CHECK(strstr(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x': 1}", 12),
               "exactly 'descr'"));
  CHECK(strstr(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)} junk", 12), "malformed"));
  CHECK(strstr(with_header("{'descr': '<f4\\', 'fortran_order': False, 'shape': (3,)}", 12), "not a simple"));
  CHECK(strstr(with_header("['descr']", 12), "not a dict"));
  CHECK(strstr(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)", 12), "malformed"));
  CHECK(strstr(with_header("", 0), "not a dict"));
}

static void test_hostile_files(void) {
  spit(tmp, "", 0);
  CHECK(strstr(read_err(tmp), "not an .npy file"));
  spit(tmp, "\x93NUMPX\x01\x00\x10\x00", 10);
  CHECK(strstr(read_err(tmp), "not an .npy file"));
  spit(tmp, "\x93NUMPY\x03\x00\x10\x00\x00\x00", 12);
  CHECK(strstr(read_err(tmp), "unsupported .npy version"));
  spit(tmp, "\x93NUMPY\x01\x00\xff\xff{}", 12);
  CHECK(strstr(read_err(tmp), "truncated header"));
  spit(tmp, "\x93NUMPY\x02\x00\xff\xff\xff\xff", 12);
  CHECK(strstr(read_err(tmp), "header too large"));
  spit(tmp, "\x93NUMPY\x02\x00\x05", 9);
  CHECK(strstr(read_err(tmp), "not an .npy file"));
  spit(tmp, "\x93NUMPY\x01\x00\x03\x00{\0}", 13);
  CHECK(strstr(read_err(tmp), "malformed header"));
  CHECK(strstr(read_err("/nonexistent/x.npy"), "cannot read '/nonexistent/x.npy': No such file"));
  CHECK(strstr(read_err("tests"), "Is a directory"));
  CHECK(strstr(read_err("/dev/null"), "not a regular file"));
}

/* Every truncation and some 3000 random byte flips of a valid file: each
 * read either succeeds or explains itself. */
static void test_fuzz(void) {
  unsigned char good[4096], buf[4096];
  size_t n = slurp(DATA "i32_2x3.npy", good, sizeof good);
  int bad = 0;
  for (size_t len = 0; len < n; len++) {
    spit(tmp, good, len);
    const char *e = read_err(tmp);
    bad += strcmp(e, "ok") == 0 || !e[0];
  }
  uint64_t x = 12345;
  for (int round = 0; round < 3000; round++) {
    memcpy(buf, good, n);
    for (int k = 0; k < 1 + round % 4; k++) {
      x = x * 6364136223846793005u + 1442695040888963407u;
      size_t pos = (size_t)(x >> 33) % n;
      buf[pos] = (unsigned char)(x >> 20);
    }
    spit(tmp, buf, n);
    tj_array *a = NULL;
    int errors = harness_at()->d->nerrors;
    if (npy_read(harness_at(), tmp, &a)) bad += !a;
    else bad += harness_at()->d->nerrors != errors + 1 || !harness_error()[0] || a != NULL;
    array_free(a);
  }
  CHECK(bad == 0);
}

/* A message is whole however long the path it quotes (it was cut at 511
 * bytes when it went through a buffer) and carries the place it is given. */
static void test_long_message(void) {
  char path[1200] = "/nonexistent-dir/";
  memset(path + 17, 'x', 1100);
  strcpy(path + 1117, ".npy");
  tj_source src = {.name = "spec.json"};
  diag_at here = {harness_at()->d, &src, {7, 12}, "args[0]"};
  tj_array *a = NULL;
  CHECK(!npy_read(&here, path, &a) && !a);
  char want[1300];
  snprintf(want, sizeof want, "args[0]: cannot read '%s': No such file or directory", path);
  CHECK_STR(harness_error(), want);
  CHECK(harness_at()->d->tail->src == &src && harness_at()->d->tail->span.start == 7 && harness_at()->d->tail->span.end == 12);
}

int main(void) {
  snprintf(tmp, sizeof tmp, "/tmp/tjit-test-npy-%d.npy", (int)getpid());
  test_read_numpy_files();
  test_write_like_numpy();
  test_hostile_headers();
  test_hostile_files();
  test_fuzz();
  test_long_message();
  unlink(tmp);
  return HARNESS_REPORT();
}
