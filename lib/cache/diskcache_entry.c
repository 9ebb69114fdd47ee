/* The disk cache's entry format: encoding and verification (the layout is
 * in diskcache.h). Nothing in an entry is trusted before every length is
 * checked against the bytes there are and the header and payload against
 * their MAC under the user's key. */
#include "diskcache.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "codegen.h"
#include "jit.h"
#include "source_digest.h" /* TJ_SOURCE_DIGEST, made by the Makefile from lib/'s sources */

/* What the object code depends on besides the call: where it runs. */
#if defined(__x86_64__)
#define DC_TARGET "x86_64"
#elif defined(__aarch64__)
#define DC_TARGET "aarch64"
#else
#define DC_TARGET "other"
#endif

static void put_u8(tj_buf *b, unsigned v) { buf_putc(b, (char)(v & 0xff)); }

static void put_u32(tj_buf *b, uint32_t v) {
  for (int i = 0; i < 4; i++) put_u8(b, v >> (8 * i));
}

static void put_u64(tj_buf *b, uint64_t v) {
  for (int i = 0; i < 8; i++) put_u8(b, (unsigned)(v >> (8 * i)));
}

cache_digest dc_entry_digest(cache_digest call_key) {
  tj_buf b = {0};
  buf_puts(&b, "tjit-disk-entry");
  put_u64(&b, call_key.lo);
  put_u64(&b, call_key.hi);
  buf_printf(&b, "|tjit %s|sources %s|abi %d|format %u|" DC_TARGET "|tcc object", TJ_VERSION, TJ_SOURCE_DIGEST,
             CG_ABI_VERSION, DC_FORMAT_VERSION);
  XXH128_hash_t h = XXH3_128bits(b.data, b.len);
  buf_free(&b);
  return (cache_digest){h.low64, h.high64};
}

static void put_aval(tj_buf *b, const tj_aval *a) {
  put_u8(b, (unsigned)a->dtype);
  put_u8(b, a->weak);
  put_u8(b, a->rank);
  put_u8(b, 0);
  for (int d = 0; d < a->rank; d++) put_u64(b, (uint64_t)a->dims[d]);
}

_Static_assert(DC_MAC_BYTES == crypto_verify_32_BYTES && DC_KEY_BYTES == crypto_generichash_KEYBYTES,
               "the MAC is crypto_generichash's 32 bytes under its 32-byte key");

/* The MAC of an entry: its header up to the MAC, then its payload. */
static void entry_mac(const dc_key *mac, const unsigned char *header, const unsigned char *payload, size_t len,
                      unsigned char out[DC_MAC_BYTES]) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, mac->bytes, DC_KEY_BYTES, DC_MAC_BYTES);
  crypto_generichash_update(&st, header, DC_MAC_OFFSET);
  crypto_generichash_update(&st, payload, len);
  crypto_generichash_final(&st, out, DC_MAC_BYTES);
}

void dc_encode(cache_digest key, const dc_key *mac, const dc_entry *e, tj_buf *out) {
  tj_buf payload = {0};
  put_u32(&payload, e->needs);
  put_u32(&payload, e->nin);
  for (uint32_t i = 0; i < e->nin; i++) put_aval(&payload, &e->ins[i]);
  put_u32(&payload, e->nout);
  for (uint32_t i = 0; i < e->nout; i++) put_aval(&payload, &e->outs[i]);
  put_u64(&payload, e->mem.temps);
  put_u32(&payload, e->mem.nbig);
  for (uint32_t i = 0; i < e->mem.nbig; i++) put_aval(&payload, &e->mem.big[i]);
  put_u32(&payload, e->tree_len);
  if (e->tree_len) buf_putn(&payload, e->tree, e->tree_len); /* memcpy takes no NULL, even for 0 bytes */
  put_u64(&payload, e->object_len);
  buf_putn(&payload, e->object, e->object_len);
  size_t start = out->len;
  buf_putn(out, DC_MAGIC, 8);
  put_u32(out, DC_FORMAT_VERSION);
  put_u32(out, 0);
  put_u64(out, key.lo);
  put_u64(out, key.hi);
  put_u64(out, payload.len);
  unsigned char sum[DC_MAC_BYTES];
  entry_mac(mac, (const unsigned char *)out->data + start, (const unsigned char *)payload.data, payload.len, sum);
  buf_putn(out, (const char *)sum, DC_MAC_BYTES);
  buf_putn(out, payload.data, payload.len);
  buf_free(&payload);
}

/* ---- reading: a cursor that fails instead of running off the end ---- */

typedef struct reader {
  const unsigned char *p, *end;
  bool ok;
} reader;

static uint64_t get_bytes(reader *r, int n) {
  uint64_t v = 0;
  if (!r->ok || r->end - r->p < n) {
    r->ok = false;
    return 0;
  }
  for (int i = 0; i < n; i++) v |= (uint64_t)r->p[i] << (8 * i);
  r->p += n;
  return v;
}

static bool get_aval(reader *r, tj_aval *a) {
  unsigned dtype = (unsigned)get_bytes(r, 1), weak = (unsigned)get_bytes(r, 1), rank = (unsigned)get_bytes(r, 1);
  unsigned pad = (unsigned)get_bytes(r, 1);
  if (!r->ok || dtype >= DT_COUNT || weak > 1 || rank > TJ_MAX_RANK || pad != 0) return false;
  *a = (tj_aval){.dtype = (tj_dtype)dtype, .weak = weak, .rank = (uint8_t)rank};
  uint64_t elements = 1; /* at most TJ_MAX_ELEMENTS, as a trace makes them: sizes cannot overflow */
  for (unsigned d = 0; d < rank; d++) {
    uint64_t n = get_bytes(r, 8);
    if (n > (uint64_t)TJ_MAX_ELEMENTS) return false;
    elements = n ? (elements > (uint64_t)TJ_MAX_ELEMENTS / n ? (uint64_t)TJ_MAX_ELEMENTS + 1 : elements * n) : 0;
    a->dims[d] = (int64_t)n;
  }
  return r->ok && elements <= (uint64_t)TJ_MAX_ELEMENTS;
}

/* n avals into a malloc'd array; at most what the bytes left could hold. */
static bool get_avals(reader *r, uint32_t *n, tj_aval **out) {
  *n = (uint32_t)get_bytes(r, 4);
  if (!r->ok || (size_t)(r->end - r->p) / 4 < *n) return false; /* 4 bytes an aval at least */
  *out = calloc(*n ? *n : 1, sizeof **out);
  if (!*out) TJ_OOM();
  for (uint32_t i = 0; i < *n; i++)
    if (!get_aval(r, &(*out)[i])) return false;
  return true;
}

static bool get_mem(reader *r, mem_estimate *mem) {
  mem->temps = get_bytes(r, 8);
  mem->nbig = (uint32_t)get_bytes(r, 4);
  if (!r->ok || mem->nbig > MEM_NAMED) return false;
  for (uint32_t i = 0; i < mem->nbig; i++)
    if (!get_aval(r, &mem->big[i])) return false;
  return true;
}

/* The result structure: no control characters (a dict key's repr
 * escapes them), as tree_def_text writes it. */
static bool get_tree(reader *r, dc_entry *e) {
  e->tree_len = (uint32_t)get_bytes(r, 4);
  if (!r->ok || e->tree_len == 0 || (size_t)(r->end - r->p) < e->tree_len) return false;
  e->tree = (const char *)r->p;
  for (uint32_t i = 0; i < e->tree_len; i++)
    if (r->p[i] < 0x20 || r->p[i] == 0x7f) return false;
  r->p += e->tree_len;
  return true;
}

#define FAIL(...) (snprintf(why, whysize, __VA_ARGS__), dc_entry_free(out), false)

static bool decode_header(cache_digest key, reader *r, char *why, size_t whysize) {
  if (r->end - r->p < DC_HEADER_BYTES) return snprintf(why, whysize, "shorter than a header"), false;
  if (memcmp(r->p, DC_MAGIC, 8) != 0) return snprintf(why, whysize, "not a tjit cache entry"), false;
  r->p += 8;
  uint32_t version = (uint32_t)get_bytes(r, 4), zero = (uint32_t)get_bytes(r, 4);
  if (version != DC_FORMAT_VERSION || zero != 0)
    return snprintf(why, whysize, "format version %u, not %u", version, DC_FORMAT_VERSION), false;
  cache_digest k = {get_bytes(r, 8), 0};
  k.hi = get_bytes(r, 8);
  if (!cache_digest_equal(k, key)) return snprintf(why, whysize, "the entry of another key"), false;
  uint64_t len = get_bytes(r, 8);
  r->p += DC_MAC_BYTES; /* checked by the caller, once the length is */
  if (len != (uint64_t)(r->end - r->p))
    return snprintf(why, whysize, "payload of %llu bytes, %llu expected", (unsigned long long)(r->end - r->p),
                    (unsigned long long)len), false;
  return true;
}

bool dc_decode(cache_digest key, const dc_key *mac, const char *data, size_t len, dc_entry *out, char *why,
               size_t whysize) {
  const unsigned char *header = (const unsigned char *)data;
  reader r = {header, header + len, true};
  unsigned char sum[DC_MAC_BYTES];
  memset(out, 0, sizeof *out);
  if (!decode_header(key, &r, why, whysize)) return false;
  entry_mac(mac, header, r.p, (size_t)(r.end - r.p), sum);
  if (crypto_verify_32(sum, header + DC_MAC_OFFSET) != 0) /* constant time: no forging it byte by byte */
    return FAIL("MAC mismatch (not written under this user's cache key)");
  out->needs = (unsigned)get_bytes(&r, 4);
  if (out->needs & ~(unsigned)(JIT_NEEDS_KERNELS | JIT_NEEDS_BLAS)) return FAIL("unknown needs %#x", out->needs);
  if (!get_avals(&r, &out->nin, &out->ins) || !get_avals(&r, &out->nout, &out->outs)) return FAIL("bad avals");
  if (!get_mem(&r, &out->mem)) return FAIL("bad memory estimate");
  if (!get_tree(&r, out)) return FAIL("bad result structure");
  uint64_t objlen = get_bytes(&r, 8);
  if (!r.ok || objlen != (uint64_t)(r.end - r.p)) return FAIL("bad object length");
  if (objlen < 4 || memcmp(r.p, "\177ELF", 4) != 0) return FAIL("the object is not ELF");
  out->object = (const char *)r.p;
  out->object_len = (size_t)objlen;
  return true;
}

void dc_entry_free(dc_entry *e) {
  free(e->ins);
  free(e->outs);
  e->ins = e->outs = NULL;
  e->nin = e->nout = 0;
}
