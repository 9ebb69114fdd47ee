/* The library's one hash map: an index over an array its caller keeps.
 *
 * It maps a key to the index of the element holding that key in the
 * caller's array (the interner's entries, the parser's functions, ...).
 * The map stores, per slot, the index and 32 bits of the key's hash, never
 * the key: the elements stay where their owner put them, may move when the
 * owner's array grows, and the map holds no pointer into them. The caller
 * gives the hash (hash_bytes, hash_str, hash_u64 below, or one it has, such
 * as a digest) and says how a key compares with element i (hashmap_eq).
 *
 * Open addressing with linear probing; the slots double when the map would
 * become more than half full, so a probe always ends at an empty slot. The
 * slots come from an arena (freed with it; an outgrown table stays in the
 * arena) or, when the arena is NULL, from malloc (hashmap_free frees them).
 * A failed allocation ends the process (TJ_OOM), as the arena's do. Entries
 * are never removed. The map holds at most HASHMAP_MAX_LEN entries, so the
 * slot count (a power of two up to 2^31) and its computations never
 * overflow; every user's input limit (lib/base/limits.h) keeps far below it. */
#ifndef TJ_HASHMAP_H
#define TJ_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

#define HASHMAP_MAX_LEN (UINT32_C(1) << 30)
#define HASHMAP_NONE UINT32_MAX /* "no index": not found, or just added */

typedef struct hashmap_slot {
  uint32_t index1;         /* the element's index + 1; 0: the slot is empty */
  uint32_t hash;           /* the low 32 bits of the key's hash */
} hashmap_slot;

typedef struct hashmap {
  tj_arena *arena;         /* where the slots live; NULL: malloc */
  hashmap_slot *slots;
  uint32_t nslots;         /* 0 or a power of two */
  uint32_t len;            /* entries */
} hashmap;

/* Whether key equals the key of element index of ctx's array. Called only
 * for elements whose stored hash matches. */
typedef bool (*hashmap_eq)(const void *ctx, uint32_t index, const void *key);

/* An empty map allocating from a (NULL: malloc). Allocates nothing yet; a
 * zeroed hashmap is the same as one made with a NULL arena. */
void hashmap_init(hashmap *m, tj_arena *a);
/* Frees a malloc'd map's slots (nothing for an arena's) and empties it. */
void hashmap_free(hashmap *m);
/* Makes room for n entries in all, so that adding up to n grows nothing. */
void hashmap_reserve(hashmap *m, uint32_t n);

/* The index of the element whose key equals key, or HASHMAP_NONE. */
uint32_t hashmap_find(const hashmap *m, uint64_t hash, hashmap_eq eq, const void *ctx,
                      const void *key);
/* Finds key; when it is absent, records index for it and returns
 * HASHMAP_NONE, else returns the index already recorded (and records
 * nothing). index must be below HASHMAP_MAX_LEN. */
uint32_t hashmap_add(hashmap *m, uint64_t hash, hashmap_eq eq, const void *ctx,
                     const void *key, uint32_t index);

/* Hashes for keys (no adversary here worth a keyed hash: the keys are the
 * user's own names and the library's own pointers). */
uint64_t hash_bytes(const void *s, size_t n); /* FNV-1a */
uint64_t hash_str(const char *s);             /* FNV-1a of the text without its NUL */
uint64_t hash_u64(uint64_t x);                /* a bijective mix: every bit counts */

#endif
