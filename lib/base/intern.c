/* The identifier interner (QBE's intern()): equal names get equal ids, so
 * the parser and tracer compare names as integers. The entries live in the
 * program's arena, indexed by a hash map (hashmap.h) in the same arena. */
#include "ast.h"
#include "hashmap.h"
#include "util.h"

#include <string.h>

typedef struct intern_entry {
  const char *text;        /* NUL-terminated copy in the arena */
  uint32_t len;
} intern_entry;

struct interner {
  tj_arena *arena;
  intern_entry *entries;   /* entries[id - 1]: id 0 means "no name" */
  uint32_t nentries, entries_cap;
  hashmap index;           /* text -> id - 1 */
};

enum { INITIAL_NAMES = 128 };

typedef struct name_key {
  const char *s;
  uint32_t n;
} name_key;

static bool entry_eq(const void *ctx, uint32_t i, const void *key) {
  const intern_entry *e = &((const interner *)ctx)->entries[i];
  const name_key *k = key;
  return e->len == k->n && memcmp(e->text, k->s, k->n) == 0;
}

interner *interner_new(tj_arena *a) {
  interner *in = ARENA_NEW(a, interner);
  in->arena = a;
  hashmap_init(&in->index, a);
  hashmap_reserve(&in->index, INITIAL_NAMES);
  return in;
}

name_id intern(interner *in, const char *s, uint32_t n) {
  name_key k = {s, n};
  uint32_t i = hashmap_add(&in->index, hash_bytes(s, n), entry_eq, in, &k, in->nentries);
  if (i != HASHMAP_NONE) return i + 1;
  intern_entry e = {arena_strndup(in->arena, s, n), n};
  ARENA_PUSH(in->arena, in->entries, in->nentries, in->entries_cap, e);
  return in->nentries;
}

const char *name_str(const interner *in, name_id id) {
  if (id == 0 || id > in->nentries) return "";
  return in->entries[id - 1].text;
}
