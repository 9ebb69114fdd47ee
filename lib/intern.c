/* The identifier interner (QBE's intern()): equal names get equal ids, so
 * the parser and tracer compare names as integers. Open addressing with
 * linear probing; the table lives in the program's arena and doubles when
 * half full (the old table stays in the arena until it is freed). */
#include "ast.h"
#include "util.h"

#include <string.h>

typedef struct intern_entry {
  const char *text;        /* NUL-terminated copy in the arena */
  uint32_t len;
  uint32_t hash;
} intern_entry;

struct interner {
  tj_arena *arena;
  intern_entry *entries;   /* entries[id - 1]: id 0 means "no name" */
  uint32_t nentries, entries_cap;
  uint32_t *slots;         /* 0 = empty, else an id */
  uint32_t nslots;         /* a power of two */
};

enum { INITIAL_SLOTS = 256 };

/* FNV-1a: short identifiers, no adversary worth a keyed hash here. */
static uint32_t hash_bytes(const char *s, uint32_t n) {
  uint32_t h = 2166136261u;
  for (uint32_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 16777619u;
  }
  return h;
}

interner *interner_new(tj_arena *a) {
  interner *in = ARENA_NEW(a, interner);
  in->arena = a;
  in->nslots = INITIAL_SLOTS;
  in->slots = ARENA_ARRAY(a, uint32_t, in->nslots);
  return in;
}

static void rehash(interner *in) {
  uint32_t nslots = in->nslots * 2;
  uint32_t *slots = ARENA_ARRAY(in->arena, uint32_t, nslots);
  for (uint32_t id = 1; id <= in->nentries; id++) {
    uint32_t i = in->entries[id - 1].hash & (nslots - 1);
    while (slots[i]) i = (i + 1) & (nslots - 1);
    slots[i] = id;
  }
  in->slots = slots;
  in->nslots = nslots;
}

name_id intern(interner *in, const char *s, uint32_t n) {
  uint32_t h = hash_bytes(s, n);
  uint32_t i = h & (in->nslots - 1);
  for (; in->slots[i]; i = (i + 1) & (in->nslots - 1)) {
    const intern_entry *e = &in->entries[in->slots[i] - 1];
    if (e->hash == h && e->len == n && memcmp(e->text, s, n) == 0)
      return in->slots[i];
  }
  intern_entry e = {arena_strndup(in->arena, s, n), n, h};
  ARENA_PUSH(in->arena, in->entries, in->nentries, in->entries_cap, e);
  in->slots[i] = in->nentries;
  if (in->nentries * 2 > in->nslots) rehash(in);
  return in->nentries;
}

const char *name_str(const interner *in, name_id id) {
  if (id == 0 || id > in->nentries) return "";
  return in->entries[id - 1].text;
}
