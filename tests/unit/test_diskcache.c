/* The disk cache's entry format (lib/diskcache_entry.c) and files
 * (lib/diskcache.c): an entry round-trips, and anything else - truncated,
 * a flipped byte, another key, another version, garbage, inconsistent
 * fields under a valid checksum - is refused before any of it is used. */
#include "harness.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "diskcache.h"
#include "jit.h"

static const char doubler[] =
    "struct tj_rt;\n"
    "void tj_entry(struct tj_rt *rt, void *const *in, void *const *out) {\n"
    "  *(float *)out[0] = *(float *)in[0] * 2;\n"
    "}\n";

static const cache_digest key = {0x0123456789abcdefull, 0xfedcba9876543210ull};

/* The entry of doubler, f32[] -> f32[3] (the avals need not match the code
 * for the format's sake). */
static void make_entry(tj_buf *object, tj_buf *out) {
  char err[512] = "";
  tj_aval ins[1] = {{.dtype = DT_F32, .weak = true}};
  tj_aval outs[1] = {{.dtype = DT_F32, .rank = 1, .dims = {3}}};
  CHECK(jit_compile_object(doubler, object, err, sizeof err));
  dc_entry e = {.needs = 0, .nin = 1, .nout = 1, .ins = ins, .outs = outs, .object = object->data,
                .object_len = object->len, .mem = {.temps = 24, .big = {{.dtype = DT_I64, .rank = 1, .dims = {3}}}, .nbig = 1}};
  dc_encode(key, &e, out);
}

static bool decodes(const tj_buf *b, char *why, size_t n) {
  dc_entry e;
  bool ok = dc_decode(key, b->data, b->len, &e, why, n);
  dc_entry_free(&e);
  return ok;
}

static void test_round_trip(void) {
  tj_buf object = {0}, data = {0};
  char why[128] = "";
  make_entry(&object, &data);
  dc_entry e;
  CHECK(dc_decode(key, data.data, data.len, &e, why, sizeof why));
  CHECK(e.nin == 1 && e.nout == 1 && e.ins[0].dtype == DT_F32 && e.ins[0].weak && e.ins[0].rank == 0);
  CHECK(e.outs[0].rank == 1 && e.outs[0].dims[0] == 3 && !e.outs[0].weak);
  CHECK(e.mem.temps == 24 && e.mem.nbig == 1 && e.mem.big[0].dtype == DT_I64 && e.mem.big[0].dims[0] == 3);
  CHECK(e.object_len == object.len && memcmp(e.object, object.data, object.len) == 0);
  jit_program *p = jit_load_object(e.object, e.object_len, e.needs, why, sizeof why);
  float x = 21, y = 0;
  void *in[] = {&x}, *out[] = {&y};
  CHECK(p && jit_run(p, in, out, 1) == JIT_OK && y == 42);
  jit_free(p);
  dc_entry_free(&e);
  buf_free(&object);
  buf_free(&data);
}

static void test_damage(void) {
  tj_buf object = {0}, data = {0};
  char why[128];
  make_entry(&object, &data);
  int accepted = 0;
  for (size_t n = 0; n < data.len; n++) { /* every truncation */
    tj_buf cut = {.data = data.data, .len = n, .cap = n};
    accepted += decodes(&cut, why, sizeof why);
  }
  CHECK(accepted == 0);
  for (size_t i = 0; i < data.len; i++) { /* every byte, one bit flipped */
    data.data[i] ^= 0x10;
    accepted += decodes(&data, why, sizeof why);
    data.data[i] ^= 0x10;
  }
  CHECK(accepted == 0);
  CHECK(decodes(&data, why, sizeof why));
  data.data[data.len - 1] ^= 1;
  CHECK(!decodes(&data, why, sizeof why));
  CHECK_STR(why, "checksum mismatch");
  data.data[data.len - 1] ^= 1;
  buf_putc(&data, 0); /* one byte too many */
  CHECK(!decodes(&data, why, sizeof why));
  CHECK(strncmp(why, "payload of ", 11) == 0);
  buf_free(&object);
  buf_free(&data);
}

static void test_foreign(void) {
  tj_buf object = {0}, data = {0};
  char why[128];
  make_entry(&object, &data);
  dc_entry e;
  cache_digest other = {key.lo, key.hi ^ 1};
  CHECK(!dc_decode(other, data.data, data.len, &e, why, sizeof why));
  CHECK_STR(why, "the entry of another key");
  data.data[8] = 1; /* format version 1, before the memory estimate */
  CHECK(!decodes(&data, why, sizeof why));
  CHECK_STR(why, "format version 1, not 2");
  for (size_t i = 0; i < data.len; i++) data.data[i] = (char)(rand() & 0xff);
  CHECK(!decodes(&data, why, sizeof why));
  CHECK_STR(why, "not a tjit cache entry");
  tj_buf elf = {.data = "\177ELF\2\1\1", .len = 7, .cap = 7};
  CHECK(!decodes(&elf, why, sizeof why));
  CHECK_STR(why, "shorter than a header");
  buf_free(&object);
  buf_free(&data);
}

/* Writes the checksum of data's payload into its header again. */
static void reseal(tj_buf *data) {
  uint64_t sum = XXH3_64bits(data->data + DC_HEADER_BYTES, data->len - DC_HEADER_BYTES);
  for (int i = 0; i < 8; i++) data->data[40 + i] = (char)(sum >> (8 * i));
}

/* Fields that make no sense, under a checksum that is right. */
static void test_bad_fields(void) {
  tj_aval bad_dtype = {.dtype = DT_COUNT}, bad_rank = {.dtype = DT_F32, .rank = TJ_MAX_RANK};
  tj_aval fine = {.dtype = DT_F32};
  tj_aval too_many = {.dtype = DT_F32, .rank = 2, .dims = {1LL << 31, 2}}; /* each dim fits, not their product */
  char why[128];
  struct { dc_entry e; const char *why; } cases[] = {
      {{.nin = 1, .ins = &bad_dtype, .object = "\177ELF....", .object_len = 8}, "bad avals"},
      {{.nout = 1, .outs = &bad_rank, .object = "\177ELF....", .object_len = 8}, "bad avals"},
      {{.nout = 1, .outs = &too_many, .object = "\177ELF....", .object_len = 8}, "bad avals"},
      {{.nin = 1, .ins = &fine, .object = "#include <stdio.h>", .object_len = 18}, "the object is not ELF"},
      {{.needs = 64, .object = "\177ELF....", .object_len = 8}, "unknown needs 0x40"},
      {{.mem = {.temps = 1}, .object = "\177ELF....", .object_len = 8}, "bad memory estimate"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tj_buf data = {0};
    dc_encode(key, &cases[i].e, &data);
    if (cases[i].e.outs == &bad_rank) { /* the rank byte of output 0: one more than the limit */
      data.data[DC_HEADER_BYTES + 12 + 2] = TJ_MAX_RANK + 1;
      reseal(&data);
    }
    if (cases[i].e.mem.temps == 1) { /* the count of named temporaries: one more than an entry holds */
      data.data[DC_HEADER_BYTES + 12 + 8] = MEM_NAMED + 1;
      reseal(&data);
    }
    CHECK(!decodes(&data, why, sizeof why));
    CHECK_STR(why, cases[i].why);
    buf_free(&data);
  }
}

static void test_names(void) {
  CHECK(dc_own_file("0123456789abcdef0123456789abcdef"));
  CHECK(dc_own_file("tjit-stats"));
  CHECK(dc_own_file(".tmp-0123456789abcdef0123456789abcdef-Ab12Z9"));
  CHECK(!dc_own_file("0123456789ABCDEF0123456789ABCDEF"));
  CHECK(!dc_own_file("0123456789abcdef0123456789abcde"));
  CHECK(!dc_own_file("0123456789abcdef0123456789abcdef.bak"));
  CHECK(!dc_own_file(".tmp-notes"));
  CHECK(!dc_own_file("notes.txt"));
  cache_digest a = dc_entry_digest(key), b = dc_entry_digest(key), c = dc_entry_digest((cache_digest){1, 2});
  CHECK(cache_digest_equal(a, b) && !cache_digest_equal(a, c) && !cache_digest_equal(a, key));
}

static void test_files(void) {
  char dir[] = "/tmp/tjit-unit-XXXXXX", err[256];
  CHECK(mkdtemp(dir) != NULL);
  char sub[64], file[64];
  snprintf(sub, sizeof sub, "%s/a/b", dir);
  tj_cache *c = tj_cache_open(sub, err, sizeof err);
  tj_buf data = {0}, got = {0};
  buf_puts(&data, "bytes");
  CHECK(c && dc_write(c, key, &data) && dc_read(c, key, &got));
  CHECK(got.len == 5 && memcmp(got.data, "bytes", 5) == 0);
  CHECK(!dc_read(c, dc_entry_digest(key), &got));
  CHECK(tj_cache_warning(c) == NULL);
  tj_cache_close(c);
  snprintf(file, sizeof file, "%s/file", dir);
  FILE *f = fopen(file, "w");
  CHECK(f && fclose(f) == 0);
  CHECK(tj_cache_open(file, err, sizeof err) == NULL);
  snprintf(sub, sizeof sub, "%s/file/cache", dir);
  c = tj_cache_open(sub, err, sizeof err);
  CHECK(c && !dc_write(c, key, &data) && !dc_write(c, key, &data));
  const char *w = tj_cache_warning(c);
  CHECK(w && strstr(w, "cannot create the cache directory") && strstr(w, "Not a directory"));
  CHECK(tj_cache_warning(c) == NULL); /* once */
  tj_cache_close(c);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0);
  buf_free(&data);
  buf_free(&got);
}

int main(void) {
  test_round_trip();
  test_damage();
  test_foreign();
  test_bad_fields();
  test_names();
  test_files();
  return HARNESS_REPORT();
}
