/* fuzz_cache_entry: disk-cache entry bytes → dc_decode. Each input is
 * decoded twice: as a whole entry (its key read from its own header, so
 * that only the MAC stands in the way), and as a payload behind a header
 * made valid for it (right key, length and a MAC under the harness's
 * fixed cache key), so that the fuzzer reaches the avals, the memory
 * estimate and the object. An entry that decodes must encode back to the
 * same bytes. */
#include <sodium.h>

#include "diskcache.h"
#include "fuzz.h"

static const cache_digest fixed_key = {0x0123456789abcdefull, 0xfedcba9876543210ull};
static const dc_key mac_key = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}};

static void put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static void decode(cache_digest key, const uint8_t *data, size_t size) {
  dc_entry e;
  char why[256];
  if (!dc_decode(key, &mac_key, (const char *)data, size, &e, why, sizeof why)) {
    if (!why[0]) fuzz_finding(NULL, "dc_decode refused without a reason");
    return;
  }
  if (e.nin > 0 && !e.ins) fuzz_finding(NULL, "dc_decode: inputs without their avals");
  tj_buf again = {0};
  dc_encode(key, &mac_key, &e, &again);
  if (again.len != size || memcmp(again.data, data, size) != 0)
    fuzz_finding(NULL, "dc_encode(dc_decode(entry)) is not the entry");
  buf_free(&again);
  dc_entry_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cache_digest own = size >= 32 ? (cache_digest){get_u64(data + 16), get_u64(data + 24)} : fixed_key;
  decode(own, data, size);
  uint8_t *entry = malloc(DC_HEADER_BYTES + size);
  if (!entry) abort();
  memcpy(entry, DC_MAGIC, 8);
  memset(entry + 8, 0, 8);
  entry[8] = DC_FORMAT_VERSION;
  put_u64(entry + 16, fixed_key.lo);
  put_u64(entry + 24, fixed_key.hi);
  put_u64(entry + 32, size);
  if (size) memcpy(entry + DC_HEADER_BYTES, data, size);
  crypto_generichash_state st; /* the MAC as diskcache_entry.c makes it */
  crypto_generichash_init(&st, mac_key.bytes, DC_KEY_BYTES, DC_MAC_BYTES);
  crypto_generichash_update(&st, entry, DC_MAC_OFFSET);
  crypto_generichash_update(&st, data, size);
  crypto_generichash_final(&st, entry + DC_MAC_OFFSET, DC_MAC_BYTES);
  decode(fixed_key, entry, DC_HEADER_BYTES + size);
  free(entry);
  return 0;
}
