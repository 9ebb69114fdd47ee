/* The disk cache's entry format (lib/cache/diskcache_entry.c), key
 * (lib/cache/diskcache_key.c) and files (lib/cache/diskcache.c): an entry round-trips,
 * and anything else - truncated, a flipped byte, another key, another
 * version, garbage, sealed with another user's key, inconsistent fields
 * under a valid MAC - is refused before any of it is used; so are key
 * files and directories others could write. */
#define _DEFAULT_SOURCE /* symlink, fchownat */
#include "harness.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diskcache.h"
#include "jit.h"

static const char doubler[] =
    "struct tj_rt;\n"
    "void tj_entry(struct tj_rt *rt, void *const *in, void *const *out) {\n"
    "  *(float *)out[0] = *(float *)in[0] * 2;\n"
    "}\n";

static const cache_digest key = {0x0123456789abcdefull, 0xfedcba9876543210ull};
static const dc_key mac = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}};
static const dc_key other_mac = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18}};

/* The context tj_cache_open reports into, and its last diagnostic. */
static tj_ctx *test_ctx(void) {
  static tj_ctx *ctx;
  if (!ctx) ctx = tj_ctx_new();
  return ctx;
}
static const char *ctx_error(void) {
  static tj_diagnostic d;
  int n = tj_diagnostic_count(test_ctx());
  return n > 0 && tj_diagnostic_get(test_ctx(), n - 1, &d) ? d.message : "";
}

/* The entry of doubler, f32[] -> f32[3] (the avals need not match the code
 * for the format's sake). */
static void make_entry(tj_buf *object, tj_buf *out) {
  tj_aval ins[1] = {{.dtype = DT_F32, .weak = true}};
  tj_aval outs[1] = {{.dtype = DT_F32, .rank = 1, .dims = {3}}};
  CHECK(jit_compile_object(harness_at(), doubler, object));
  dc_entry e = {.needs = 0, .nin = 1, .nout = 1, .ins = ins, .outs = outs, .object = object->data,
                .object_len = object->len, .mem = {.temps = 24, .big = {{.dtype = DT_I64, .rank = 1, .dims = {3}}}, .nbig = 1},
                .tree = "{'a': [*]}", .tree_len = 10};
  dc_encode(key, &mac, &e, out);
}

static bool decodes(const tj_buf *b, char *why, size_t n) {
  dc_entry e;
  bool ok = dc_decode(key, &mac, b->data, b->len, &e, why, n);
  dc_entry_free(&e);
  return ok;
}

static void test_round_trip(void) {
  tj_buf object = {0}, data = {0};
  char why[128] = "";
  make_entry(&object, &data);
  dc_entry e;
  CHECK(dc_decode(key, &mac, data.data, data.len, &e, why, sizeof why));
  CHECK(e.nin == 1 && e.nout == 1 && e.ins[0].dtype == DT_F32 && e.ins[0].weak && e.ins[0].rank == 0);
  CHECK(e.outs[0].rank == 1 && e.outs[0].dims[0] == 3 && !e.outs[0].weak);
  CHECK(e.mem.temps == 24 && e.mem.nbig == 1 && e.mem.big[0].dtype == DT_I64 && e.mem.big[0].dims[0] == 3);
  CHECK(e.tree_len == 10 && memcmp(e.tree, "{'a': [*]}", 10) == 0);
  CHECK(e.object_len == object.len && memcmp(e.object, object.data, object.len) == 0);
  jit_program *p = jit_load_object(harness_at(), e.object, e.object_len, e.needs);
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
  CHECK_STR(why, "MAC mismatch (not written under this user's cache key)");
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
  CHECK(!dc_decode(other, &mac, data.data, data.len, &e, why, sizeof why));
  CHECK_STR(why, "the entry of another key");
  data.data[8] = 2; /* format version 2, sealed with an unkeyed checksum */
  CHECK(!decodes(&data, why, sizeof why));
  CHECK_STR(why, "format version 2, not 4");
  for (size_t i = 0; i < data.len; i++) data.data[i] = (char)(rand() & 0xff);
  CHECK(!decodes(&data, why, sizeof why));
  CHECK_STR(why, "not a tjit cache entry");
  tj_buf elf = {.data = "\177ELF\2\1\1", .len = 7, .cap = 7};
  CHECK(!decodes(&elf, why, sizeof why));
  CHECK_STR(why, "shorter than a header");
  buf_free(&object);
  buf_free(&data);
}

/* Writes the MAC of data under k into its header again, as the format
 * defines it (diskcache.h): keyed BLAKE2b-256 of the header's first 40
 * bytes and the payload. */
static void reseal(tj_buf *data, const dc_key *k) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, k->bytes, DC_KEY_BYTES, DC_MAC_BYTES);
  crypto_generichash_update(&st, (unsigned char *)data->data, DC_MAC_OFFSET);
  crypto_generichash_update(&st, (unsigned char *)data->data + DC_HEADER_BYTES, data->len - DC_HEADER_BYTES);
  crypto_generichash_final(&st, (unsigned char *)data->data + DC_MAC_OFFSET, DC_MAC_BYTES);
}

/* The MAC: an entry sealed under another key is refused, whole and
 * well-formed as it is, and so is one whose header (the key it claims to
 * be the entry of) was changed: the old unkeyed checksum covered the
 * payload only, so anyone could move an entry to another call's name. */
static void test_mac(void) {
  tj_buf object = {0}, data = {0};
  char why[128] = "";
  make_entry(&object, &data);
  dc_entry e;
  CHECK(!dc_decode(key, &other_mac, data.data, data.len, &e, why, sizeof why));
  CHECK_STR(why, "MAC mismatch (not written under this user's cache key)");
  reseal(&data, &other_mac); /* the same entry, forged by someone with another key */
  CHECK(!decodes(&data, why, sizeof why));
  CHECK_STR(why, "MAC mismatch (not written under this user's cache key)");
  reseal(&data, &mac);
  CHECK(decodes(&data, why, sizeof why));
  cache_digest moved = {key.lo ^ 1, key.hi};
  data.data[16] ^= 1; /* the header now names another call */
  CHECK(!dc_decode(moved, &mac, data.data, data.len, &e, why, sizeof why));
  CHECK_STR(why, "MAC mismatch (not written under this user's cache key)");
  buf_free(&object);
  buf_free(&data);
}

/* Fields that make no sense, under a MAC that is right. */
static void test_bad_fields(void) {
  tj_aval bad_dtype = {.dtype = DT_COUNT}, bad_rank = {.dtype = DT_F32, .rank = TJ_MAX_RANK};
  tj_aval fine = {.dtype = DT_F32};
  tj_aval too_many = {.dtype = DT_F32, .rank = 2, .dims = {1LL << 31, 2}}; /* each dim fits, not their product */
  char why[128];
  struct { dc_entry e; const char *why; } cases[] = {
      {{.nin = 1, .ins = &bad_dtype, .object = "\177ELF....", .object_len = 8}, "bad avals"},
      {{.nout = 1, .outs = &bad_rank, .object = "\177ELF....", .object_len = 8}, "bad avals"},
      {{.nout = 1, .outs = &too_many, .object = "\177ELF....", .object_len = 8}, "bad avals"},
      {{.nin = 1, .ins = &fine, .tree = "*", .tree_len = 1, .object = "#include <stdio.h>", .object_len = 18},
       "the object is not ELF"},
      {{.nout = 1, .outs = &fine, .object = "\177ELF....", .object_len = 8}, "bad result structure"}, /* none */
      {{.nout = 1, .outs = &fine, .tree = "(*,\n*)", .tree_len = 6, .object = "\177ELF....", .object_len = 8},
       "bad result structure"},
      {{.needs = 64, .object = "\177ELF....", .object_len = 8}, "unknown needs 0x40"},
      {{.mem = {.temps = 1}, .object = "\177ELF....", .object_len = 8}, "bad memory estimate"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tj_buf data = {0};
    dc_encode(key, &mac, &cases[i].e, &data);
    if (cases[i].e.outs == &bad_rank) { /* the rank byte of output 0: one more than the limit */
      data.data[DC_HEADER_BYTES + 12 + 2] = TJ_MAX_RANK + 1;
      reseal(&data, &mac);
    }
    if (cases[i].e.mem.temps == 1) { /* the count of named temporaries: one more than an entry holds */
      data.data[DC_HEADER_BYTES + 12 + 8] = MEM_NAMED + 1;
      reseal(&data, &mac);
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

/* The mode of path, or -1. */
static int mode_of(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void write_file(const char *path, const char *text, mode_t mode) {
  FILE *f = fopen(path, "w");
  CHECK(f && fputs(text, f) >= 0 && fclose(f) == 0 && chmod(path, mode) == 0);
}

/* The key file: made on first use, 0600 in 0700 directories, the same key
 * read back; files others could read or replace are refused. */
static void test_key(const char *dir) {
  char path[128], other[128];
  dc_key a, b;
  snprintf(path, sizeof path, "%s/config/tjit/cache.key", dir);
  CHECK(dc_key_load(harness_at(), path, &a) && dc_key_load(harness_at(), path, &b));
  CHECK(memcmp(a.bytes, b.bytes, DC_KEY_BYTES) == 0);
  CHECK(mode_of(path) == 0600);
  snprintf(other, sizeof other, "%s/config/tjit", dir);
  CHECK(mode_of(other) == 0700);
  chmod(path, 0644);
  char want[512];
  CHECK(!dc_key_load(harness_at(), path, &a));
  snprintf(want, sizeof want, "the cache key file '%s' can be read or written by others (mode 0644); it must be 0600", path);
  CHECK_STR(harness_error(), want);
  snprintf(other, sizeof other, "%s/link.key", dir);
  CHECK(symlink(path, other) == 0);
  CHECK(!dc_key_load(harness_at(), other, &a));
  snprintf(want, sizeof want, "the cache key file '%s' is a symbolic link", other);
  CHECK_STR(harness_error(), want);
  snprintf(other, sizeof other, "%s/short.key", dir);
  write_file(other, "0123abcd\n", 0600);
  CHECK(!dc_key_load(harness_at(), other, &a));
  snprintf(want, sizeof want, "the cache key file '%s' does not hold a key (64 hexadecimal digits)", other);
  CHECK_STR(harness_error(), want);
  snprintf(other, sizeof other, "%s/fifo.key", dir);
  CHECK(mkfifo(other, 0600) == 0);
  CHECK(!dc_key_load(harness_at(), other, &a));
  snprintf(want, sizeof want, "the cache key file '%s' is not a regular file", other);
  CHECK_STR(harness_error(), want);
  if (geteuid() == 0) { /* only root can give a file away */
    chmod(path, 0600);
    CHECK(chown(path, 12345, 12345) == 0);
    CHECK(!dc_key_load(harness_at(), path, &a));
    snprintf(want, sizeof want, "the cache key file '%s' is owned by another user (uid 12345)", path);
    CHECK_STR(harness_error(), want);
  }
}

static void test_files(const char *dir) {
  char sub[64], file[64];
  snprintf(sub, sizeof sub, "%s/a/b", dir);
  tj_cache *c = tj_cache_open(test_ctx(), sub);
  tj_buf data = {0}, got = {0};
  buf_puts(&data, "bytes");
  CHECK(c && dc_write(c, key, &data) && dc_read(c, key, &got));
  CHECK(got.len == 5 && memcmp(got.data, "bytes", 5) == 0);
  CHECK(!dc_read(c, dc_entry_digest(key), &got));
  CHECK(tj_cache_warning(c) == NULL);
  CHECK(mode_of(sub) == 0700);
  tj_cache_close(c);
  snprintf(file, sizeof file, "%s/file", dir);
  write_file(file, "", 0600);
  CHECK(tj_cache_open(test_ctx(), file) == NULL);
  char want[160];
  snprintf(want, sizeof want, "the cache directory '%s' is not a directory", file);
  CHECK_STR(ctx_error(), want); /* in the context's diagnostics, whole */
  snprintf(sub, sizeof sub, "%s/file/cache", dir);
  c = tj_cache_open(test_ctx(), sub);
  CHECK(c && !dc_write(c, key, &data) && !dc_write(c, key, &data));
  const char *w = tj_cache_warning(c);
  CHECK(w && strstr(w, "cannot create the cache directory") && strstr(w, "Not a directory"));
  CHECK(tj_cache_warning(c) == NULL); /* once */
  tj_cache_close(c);
  buf_free(&data);
  buf_free(&got);
}

/* A directory someone else makes between the open and the first write,
 * under the name the cache was to create (a shared temporary directory):
 * the directory is checked again once it is there, and not used. */
static void test_made_meanwhile(const char *dir) {
  char sub[64], want[512];
  snprintf(sub, sizeof sub, "%s/shared", dir);
  tj_cache *c = tj_cache_open(test_ctx(), sub);
  tj_buf data = {0}, got = {0};
  buf_puts(&data, "bytes");
  CHECK(c && mkdir(sub, 0700) == 0 && chmod(sub, 0777) == 0);
  CHECK(c && !dc_write(c, key, &data) && !dc_read(c, key, &got));
  snprintf(want, sizeof want, "the cache directory '%s' is writable by group or others (mode 0777); running without the disk cache", sub);
  CHECK_STR(tj_cache_warning(c), want);
  tj_cache_close(c);
  CHECK(tj_cache_open(test_ctx(), sub) == NULL); /* and at the next open */
  snprintf(want, sizeof want, "the cache directory '%s' is writable by group or others (mode 0777)", sub);
  CHECK_STR(ctx_error(), want);
  buf_free(&data);
  buf_free(&got);
}

/* An entry that is not the user's (owned by another, or writable by
 * others) is not read, whatever it holds. */
static void test_entry_owner(const char *dir) {
  char sub[64], entry[128], hex[33];
  snprintf(sub, sizeof sub, "%s/owned", dir);
  tj_cache *c = tj_cache_open(test_ctx(), sub);
  tj_buf data = {0}, got = {0};
  buf_puts(&data, "bytes");
  cache_digest_hex(key, hex);
  snprintf(entry, sizeof entry, "%s/%s", sub, hex);
  CHECK(c && dc_write(c, key, &data) && dc_read(c, key, &got));
  CHECK(chmod(entry, 0666) == 0 && !dc_read(c, key, &got));
  CHECK(chmod(entry, 0600) == 0 && dc_read(c, key, &got));
  if (geteuid() == 0) {
    CHECK(chown(entry, 12345, 12345) == 0 && !dc_read(c, key, &got));
    CHECK(dc_write(c, key, &data) && dc_read(c, key, &got)); /* the next write replaces it */
  }
  tj_cache_close(c);
  buf_free(&data);
  buf_free(&got);
}

int main(void) {
  test_round_trip();
  test_damage();
  test_foreign();
  test_bad_fields();
  test_mac();
  test_names();
  char dir[] = "/tmp/tjit-unit-XXXXXX", keyfile[64], cmd[128];
  CHECK(mkdtemp(dir) != NULL);
  snprintf(keyfile, sizeof keyfile, "%s/cache.key", dir);
  setenv("TJIT_CACHE_KEY", keyfile, 1);
  test_key(dir);
  test_files(dir);
  test_made_meanwhile(dir);
  test_entry_owner(dir);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0);
  tj_ctx_free(test_ctx());
  return HARNESS_REPORT();
}
