/* The library's one hash map (hashmap.h says what it is and why it stores
 * indices, not keys). */
#include "hashmap.h"

#include <stdlib.h>

#include "util.h"

enum { MIN_SLOTS = 16 };

void hashmap_init(hashmap *m, tj_arena *a) { *m = (hashmap){.arena = a}; }

void hashmap_free(hashmap *m) {
  if (!m->arena) free(m->slots);
  *m = (hashmap){.arena = m->arena};
}

/* The slot where hash's probe ends: the one holding key, or the empty one
 * where it would go. */
static hashmap_slot *probe(const hashmap *m, uint32_t hash, hashmap_eq eq, const void *ctx,
                           const void *key) {
  uint32_t mask = m->nslots - 1;
  for (uint32_t i = hash & mask;; i = (i + 1) & mask) {
    hashmap_slot *s = &m->slots[i];
    if (!s->index1 || (s->hash == hash && eq(ctx, s->index1 - 1, key))) return s;
  }
}

/* Moves the entries to a table of nslots (a power of two, more than twice
 * the entries): stored hashes are enough, no key is compared. */
static void resize(hashmap *m, uint32_t nslots) {
  hashmap_slot *slots = m->arena ? ARENA_ARRAY(m->arena, hashmap_slot, nslots)
                                 : calloc(nslots, sizeof *slots);
  if (!slots) TJ_OOM();
  uint32_t mask = nslots - 1;
  for (uint32_t k = 0; k < m->nslots; k++) {
    hashmap_slot s = m->slots[k];
    if (!s.index1) continue;
    uint32_t i = s.hash & mask;
    while (slots[i].index1) i = (i + 1) & mask;
    slots[i] = s;
  }
  if (!m->arena) free(m->slots);
  m->slots = slots;
  m->nslots = nslots;
}

void hashmap_reserve(hashmap *m, uint32_t n) {
  /* Past the limit the slots alone would take 16 GB: out of memory in all
   * but name, and the doubling below would overflow. */
  if (n > HASHMAP_MAX_LEN) TJ_OOM();
  uint64_t want = 2 * (uint64_t)n, nslots = m->nslots ? m->nslots : MIN_SLOTS;
  while (nslots < want) nslots *= 2;
  if (nslots != m->nslots) resize(m, (uint32_t)nslots);
}

uint32_t hashmap_find(const hashmap *m, uint64_t hash, hashmap_eq eq, const void *ctx,
                      const void *key) {
  if (!m->nslots) return HASHMAP_NONE;
  const hashmap_slot *s = probe(m, (uint32_t)hash, eq, ctx, key);
  return s->index1 ? s->index1 - 1 : HASHMAP_NONE;
}

uint32_t hashmap_add(hashmap *m, uint64_t hash, hashmap_eq eq, const void *ctx,
                     const void *key, uint32_t index) {
  if (index >= HASHMAP_MAX_LEN) TJ_BUG("hashmap_add: index past HASHMAP_MAX_LEN");
  hashmap_reserve(m, m->len + 1);
  hashmap_slot *s = probe(m, (uint32_t)hash, eq, ctx, key);
  if (s->index1) return s->index1 - 1;
  *s = (hashmap_slot){.index1 = index + 1, .hash = (uint32_t)hash};
  m->len++;
  return HASHMAP_NONE;
}

uint64_t hash_bytes(const void *s, size_t n) {
  const unsigned char *p = s;
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

uint64_t hash_str(const char *s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
  return h;
}

/* splitmix64's finalizer: consecutive ids and aligned pointers (low bits
 * alike) spread over the low bits, which pick the slot. */
uint64_t hash_u64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
