/* The hash map (lib/base/hashmap.h): an index over the caller's array, in an
 * arena or malloc'd; insert, find, growth, colliding hashes, the limit. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "hashmap.h"

/* The caller's array: names, compared as (bytes, length) keys. */
typedef struct names {
  char text[2000][8];
  uint32_t n;
} names;

static bool name_eq(const void *ctx, uint32_t i, const void *key) {
  const names *ns = ctx;
  return strcmp(ns->text[i], key) == 0;
}

static int calls; /* eq calls, to see that a stored hash spares them */

static bool counting_eq(const void *ctx, uint32_t i, const void *key) {
  calls++;
  return name_eq(ctx, i, key);
}

/* Adds "k<i>" for ns->n <= i < n with hash(name), checking each is new. */
static void add_names(hashmap *m, names *ns, uint32_t n, uint64_t (*hash)(const char *)) {
  for (uint32_t i = ns->n; i < n; i++) {
    snprintf(ns->text[i], sizeof ns->text[i], "k%u", (unsigned)i);
    CHECK(hashmap_add(m, hash(ns->text[i]), name_eq, ns, ns->text[i], i) == HASHMAP_NONE);
    ns->n = i + 1;
  }
}

/* Every name is found at its index, and names never added are not. */
static void check_names(const hashmap *m, const names *ns, uint64_t (*hash)(const char *)) {
  bool all = true;
  for (uint32_t i = 0; i < ns->n; i++)
    all &= hashmap_find(m, hash(ns->text[i]), name_eq, ns, ns->text[i]) == i;
  CHECK(all);
  CHECK(hashmap_find(m, hash("k2000"), name_eq, ns, "k2000") == HASHMAP_NONE);
  CHECK(hashmap_find(m, hash("x"), name_eq, ns, "x") == HASHMAP_NONE);
}

static uint64_t same_hash(const char *s) { (void)s; return 42; }

static void test_insert_and_find(void) {
  tj_arena a = {0};
  hashmap m;
  hashmap_init(&m, &a);
  static names ns;
  CHECK(hashmap_find(&m, hash_str("a"), name_eq, &ns, "a") == HASHMAP_NONE);
  CHECK(m.nslots == 0); /* nothing allocated before the first add */
  strcpy(ns.text[0], "a");
  strcpy(ns.text[1], "b");
  CHECK(hashmap_add(&m, hash_str("a"), name_eq, &ns, "a", 0) == HASHMAP_NONE);
  CHECK(hashmap_add(&m, hash_str("b"), name_eq, &ns, "b", 1) == HASHMAP_NONE);
  /* a key already there keeps its first index */
  CHECK(hashmap_add(&m, hash_str("a"), name_eq, &ns, "a", 7) == 0);
  CHECK(m.len == 2);
  CHECK(hashmap_find(&m, hash_str("b"), name_eq, &ns, "b") == 1);
  CHECK(hashmap_find(&m, hash_str("c"), name_eq, &ns, "c") == HASHMAP_NONE);
  arena_free(&a);
}

/* Growth from 16 slots to 4096, never more than half full, every entry
 * kept; in an arena and malloc'd. */
static void test_growth(tj_arena *a) {
  hashmap m;
  hashmap_init(&m, a);
  static names ns;
  ns.n = 0;
  add_names(&m, &ns, 9, hash_str);
  CHECK(m.nslots == 32); /* the 9th entry doubles the first 16 slots */
  add_names(&m, &ns, 2000, hash_str);
  CHECK(m.len == 2000 && m.nslots == 4096);
  check_names(&m, &ns, hash_str);
  hashmap_free(&m);
  CHECK(m.slots == NULL && m.nslots == 0 && m.len == 0 && m.arena == a);
}

/* Every key on one hash: probing alone tells them apart, across growth. */
static void test_collisions(void) {
  hashmap m;
  hashmap_init(&m, NULL);
  static names ns;
  add_names(&m, &ns, 300, same_hash);
  check_names(&m, &ns, same_hash);
  /* hashes that differ above the slot bits still share the slots */
  uint64_t h1 = 5, h2 = 5 + ((uint64_t)1 << 40);
  hashmap m2;
  hashmap_init(&m2, NULL);
  strcpy(ns.text[0], "p");
  strcpy(ns.text[1], "q");
  CHECK(hashmap_add(&m2, h1, name_eq, &ns, "p", 0) == HASHMAP_NONE);
  CHECK(hashmap_add(&m2, h2, name_eq, &ns, "q", 1) == HASHMAP_NONE);
  CHECK(hashmap_find(&m2, h2, name_eq, &ns, "q") == 1);
  hashmap_free(&m2);
  hashmap_free(&m);
}

/* The stored hash spares the comparison of keys whose hashes differ. */
static void test_stored_hash(void) {
  hashmap m;
  hashmap_init(&m, NULL);
  static names ns;
  strcpy(ns.text[0], "a");
  hashmap_add(&m, 1, counting_eq, &ns, "a", 0);
  calls = 0;
  CHECK(hashmap_find(&m, 1 + 16, counting_eq, &ns, "a") == HASHMAP_NONE);
  CHECK(calls == 0);
  CHECK(hashmap_find(&m, 1, counting_eq, &ns, "a") == 0);
  CHECK(calls == 1);
  hashmap_free(&m);
}

static void test_reserve(void) {
  hashmap m;
  hashmap_init(&m, NULL);
  hashmap_reserve(&m, 0);
  CHECK(m.nslots == 16);
  hashmap_reserve(&m, 8);
  CHECK(m.nslots == 16);
  hashmap_reserve(&m, 9);
  CHECK(m.nslots == 32);
  hashmap_reserve(&m, 1000);
  CHECK(m.nslots == 2048);
  hashmap_reserve(&m, 5); /* never shrinks */
  CHECK(m.nslots == 2048);
  hashmap_free(&m);
}

/* Whether f ends the process by abort(), its message silenced. */
static bool aborts(void (*f)(void)) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    if (!freopen("/dev/null", "w", stderr)) _exit(1); /* its message is expected */
    f();
    _exit(0);
  }
  int status = 0;
  return pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
         WTERMSIG(status) == SIGABRT;
}

static void reserve_past_limit(void) {
  hashmap m;
  hashmap_init(&m, NULL);
  hashmap_reserve(&m, HASHMAP_MAX_LEN + 1);
}

static void add_index_past_limit(void) {
  static names ns;
  strcpy(ns.text[0], "a");
  hashmap m;
  hashmap_init(&m, NULL);
  hashmap_add(&m, 1, name_eq, &ns, "a", HASHMAP_MAX_LEN);
}

static void add_index_below_limit(void) {
  static names ns;
  strcpy(ns.text[0], "a");
  hashmap m;
  hashmap_init(&m, NULL);
  hashmap_add(&m, 1, name_eq, &ns, "a", HASHMAP_MAX_LEN - 1);
  hashmap_free(&m);
}

/* Past HASHMAP_MAX_LEN the map gives up as a failed allocation does
 * (TJ_OOM: a message and abort), before any arithmetic can overflow; an
 * index past it is a caller's bug (TJ_BUG). The last index is fine. */
static void test_limit(void) {
  CHECK(aborts(reserve_past_limit));
  CHECK(aborts(add_index_past_limit));
  CHECK(!aborts(add_index_below_limit));
}

static void test_hashes(void) {
  CHECK(hash_bytes("", 0) == 0xcbf29ce484222325ull); /* FNV-1a's offset basis */
  CHECK(hash_bytes("a", 1) == 0xaf63dc4c8601ec8cull); /* FNV-1a 64 of "a" */
  CHECK(hash_str("abc") == hash_bytes("abc", 3));
  CHECK(hash_bytes("ab", 1) == hash_str("a")); /* only n bytes count */
  CHECK(hash_u64(1) != hash_u64(2));
  CHECK((hash_u64(8) & 15) != (hash_u64(16) & 15)); /* aligned pointers spread */
}

int main(void) {
  tj_arena a = {0};
  test_insert_and_find();
  test_growth(&a);
  test_growth(NULL);
  test_collisions();
  test_stored_hash();
  test_reserve();
  test_limit();
  test_hashes();
  arena_free(&a);
  return HARNESS_REPORT();
}
