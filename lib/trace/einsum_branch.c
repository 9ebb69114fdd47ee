/* opt_einsum 3.4's paths.BranchBound, which paths.auto takes for 5 to 11
 * operands here (branch_all for 5 and 6, branch_2 for 7 and 8, branch_1
 * beyond), reproduced exactly. Its pruning is order dependent: each
 * candidate assessed may lower best_progress and so cut the candidates
 * assessed after it, and they are assessed in itertools.combinations order
 * of `remaining`, a Python set of small-int SSA ids, i.e. CPython's set
 * table order (ids past the table's size wrap towards its front). That
 * order is reproduced by pyset below: CPython 3's setobject.c for ints,
 * whose hash is their value (set_add_entry, set_insert_clean,
 * set_table_resize, set_merge, set_difference for fewer than 12 elements;
 * LINEAR_PROBES 9, PERTURB_SHIFT 5). No other order is open: heapq pops
 * candidates by (cost, flops12, new_flops, new_size, (i, j)), unique by the
 * pair. memory_limit is None under jnp.einsum, so the oversize branch never
 * runs. Checked against opt_einsum 3.4 under CPython 3.11 on 2,900 random
 * einsums of 5 to 11 operands; ascending-id order differs on some. */
#include "einsum_path.h"

#include <stdlib.h>
#include <string.h>

enum { PYSET_SLOTS = 64, LINEAR_PROBES = 9, PERTURB_SHIFT = 5, BB_CACHE = 8192 };

typedef struct pyset {
  int slot[PYSET_SLOTS]; /* the key, -1 for an empty slot (no dummies: nothing is discarded) */
  int mask, fill, used;
} pyset;

static void pyset_init(pyset *s) {
  memset(s->slot, -1, sizeof s->slot);
  s->mask = 7, s->fill = s->used = 0;
}

/* The probe sequence of set_add_entry and set_insert_clean: the slot
 * holding key, or the first empty one. */
static int find_slot(const int *slot, int mask, int key) {
  size_t perturb = (size_t)key, i = (size_t)key & (size_t)mask;
  for (;;) {
    size_t probes = i + LINEAR_PROBES <= (size_t)mask ? LINEAR_PROBES : 0;
    for (size_t j = 0; j <= probes; j++)
      if (slot[i + j] == key || slot[i + j] < 0) return (int)(i + j);
    perturb >>= PERTURB_SHIFT;
    i = (i * 5 + 1 + perturb) & (size_t)mask;
  }
}

/* set_table_resize: the smallest power of 2 above minused (at least 8),
 * the keys reinserted in their old slot order. */
static void pyset_resize(pyset *s, int minused) {
  int size = 8, old[PYSET_SLOTS], old_mask = s->mask;
  while (size <= minused && size < PYSET_SLOTS) size <<= 1;
  memcpy(old, s->slot, sizeof old);
  memset(s->slot, -1, sizeof s->slot);
  s->mask = size - 1;
  for (int i = 0; i <= old_mask; i++)
    if (old[i] >= 0) s->slot[find_slot(s->slot, s->mask, old[i])] = old[i];
}

static void pyset_add(pyset *s, int key) {
  int at = find_slot(s->slot, s->mask, key);
  if (s->slot[at] == key) return;
  s->slot[at] = key, s->fill++, s->used++;
  if (s->fill * 5 >= s->mask * 3) pyset_resize(s, s->used * 4);
}

/* set_merge (a set's update by another, and so a copy of it). */
static void pyset_merge(pyset *s, const pyset *o) {
  if (o->used == 0) return;
  if ((s->fill + o->used) * 5 >= s->mask * 3) pyset_resize(s, (s->used + o->used) * 2);
  if (s->fill == 0 && s->mask == o->mask) {
    *s = *o;
    return;
  }
  bool clean = s->fill == 0;
  for (int i = 0; i <= o->mask; i++) {
    if (o->slot[i] < 0) continue;
    if (clean) s->slot[find_slot(s->slot, s->mask, o->slot[i])] = o->slot[i], s->fill++, s->used++;
    else pyset_add(s, o->slot[i]);
  }
}

/* (remaining - {i, j}) | {k}: set_difference into a new set, set_or's copy
 * of it, then the update by {k}. */
static void pyset_step(const pyset *rem, int i, int j, int k, pyset *out) {
  pyset diff, one;
  pyset_init(&diff), pyset_init(&one), pyset_init(out);
  for (int q = 0; q <= rem->mask; q++)
    if (rem->slot[q] >= 0 && rem->slot[q] != i && rem->slot[q] != j) pyset_add(&diff, rem->slot[q]);
  pyset_add(&one, k);
  pyset_merge(out, &diff);
  pyset_merge(out, &one);
}

/* ---- BranchBound._branch_iterate ---- */

typedef struct bb_entry {
  uint64_t a, b, k12, flops;
  bool used;
} bb_entry;

typedef struct bb_search {
  const uint64_t *size; /* by label bit */
  int nbits, nbranch;   /* nbranch 0: every candidate */
  uint64_t output, best_flops, best_size;
  int best_path[ES_MAX_OPS][2], best_len;
  uint64_t progress[2 * ES_MAX_OPS]; /* best_progress by len(inputs); UINT64_MAX is inf */
  bb_entry *cache;                   /* result_cache, keyed by the two label sets */
  bool full;
} bb_search;

typedef struct bb_cand {
  int64_t cost;
  uint64_t flops12, flops, size, k12;
  int i, j;
} bb_cand;

static uint64_t sat_mul(uint64_t a, uint64_t b) { return b && a > UINT64_MAX / b ? UINT64_MAX : a * b; }

static uint64_t set_size(const bb_search *s, uint64_t m) {
  uint64_t n = 1;
  for (int b = 0; b < s->nbits; b++)
    if (m >> b & 1) n = sat_mul(n, s->size[b]);
  return n;
}

/* calc_k12_flops through result_cache: keyed by the two sets only, the
 * first `remaining` that computed a pair decides its k12 for good. */
static bb_entry *k12_flops(bb_search *s, const uint64_t *in, int nin, unsigned remaining, int i, int j) {
  uint64_t h = (in[i] * 0x9E3779B97F4A7C15ull) ^ (in[j] + 0x632BE59BD9B4E019ull + (in[i] << 6));
  size_t at = (size_t)(h % BB_CACHE);
  for (int n = 0; s->cache[at].used; at = (at + 1) % BB_CACHE)
    if (s->cache[at].a == in[i] && s->cache[at].b == in[j]) return &s->cache[at];
    else if (++n == BB_CACHE) return s->full = true, &s->cache[at];
  uint64_t keep = s->output, either = in[i] | in[j];
  for (int r = 0; r < nin; r++)
    if ((remaining >> r & 1) && r != i && r != j) keep |= in[r];
  bb_entry *e = &s->cache[at];
  e->used = true, e->a = in[i], e->b = in[j], e->k12 = either & keep;
  e->flops = sat_mul(set_size(s, either), in[i] & in[j] & ~keep ? 2 : 1);
  return e;
}

/* Sizes as int64 for the cost: exact below 2^61 elements. */
static int64_t clamp(uint64_t n) { return n > (uint64_t)INT64_MAX / 4 ? INT64_MAX / 4 : (int64_t)n; }

static bool better(uint64_t flops, uint64_t size, uint64_t best_flops, uint64_t best_size) {
  return flops < best_flops || (flops == best_flops && size < best_size);
}

/* _assess_candidate; false when the candidate is sieved out. */
static bool assess(bb_search *s, const uint64_t *in, int nin, unsigned remaining, int i, int j, uint64_t flops,
                   uint64_t size, bb_cand *c) {
  bb_entry *e = k12_flops(s, in, nin, remaining, i, j);
  uint64_t size12 = set_size(s, e->k12), *progress = &s->progress[nin];
  c->flops = flops + e->flops < flops ? UINT64_MAX : flops + e->flops;
  c->size = size > size12 ? size : size12;
  if (!better(c->flops, c->size, s->best_flops, s->best_size)) return false;
  if (c->flops < *progress) *progress = c->flops;
  else if (*progress <= UINT64_MAX / 4 && c->flops > 4 * *progress) return false;
  c->cost = clamp(size12) - clamp(set_size(s, in[i])) - clamp(set_size(s, in[j])); /* cost_memory_removed */
  c->flops12 = e->flops, c->k12 = e->k12, c->i = i, c->j = j;
  return true;
}

/* heapq's pop order: the tuples (cost, flops12, new_flops, new_size, (i, j)). */
static int cand_cmp(const void *pa, const void *pb) {
  const bb_cand *a = pa, *b = pb;
  if (a->cost != b->cost) return a->cost < b->cost ? -1 : 1;
  if (a->flops12 != b->flops12) return a->flops12 < b->flops12 ? -1 : 1;
  if (a->flops != b->flops) return a->flops < b->flops ? -1 : 1;
  if (a->size != b->size) return a->size < b->size ? -1 : 1;
  if (a->i != b->i) return a->i < b->i ? -1 : 1;
  return (a->j > b->j) - (a->j < b->j);
}

/* The candidates of one node: pairs in combinations order of the set's
 * iteration order, outer products only when no other pair is left. */
static int candidates(bb_search *s, const uint64_t *in, int nin, const pyset *rem, unsigned remaining, uint64_t flops,
                      uint64_t size, bb_cand *out) {
  int ids[ES_MAX_OPS], n = 0, nc = 0;
  for (int q = 0; q <= rem->mask; q++)
    if (rem->slot[q] >= 0) ids[n++] = rem->slot[q];
  for (int outer = 0; outer < 2 && nc == 0; outer++)
    for (int a = 0; a < n; a++)
      for (int b = a + 1; b < n; b++) {
        int i = ids[a] < ids[b] ? ids[a] : ids[b], j = ids[a] ^ ids[b] ^ i;
        if (!outer && !(in[i] & in[j])) continue;
        nc += assess(s, in, nin, remaining, i, j, flops, size, &out[nc]);
      }
  qsort(out, (size_t)nc, sizeof *out, cand_cmp);
  return nc;
}

static void branch_iterate(bb_search *s, int (*path)[2], int len, uint64_t *in, int nin, const pyset *rem,
                           unsigned remaining, uint64_t flops, uint64_t size) {
  if (rem->used == 1) { /* reached only when better than the best at assessment: kept unconditionally */
    s->best_flops = flops, s->best_size = size, s->best_len = len;
    memcpy(s->best_path, path, sizeof(int[2]) * (size_t)len);
    return;
  }
  bb_cand c[ES_MAX_OPS * (ES_MAX_OPS - 1) / 2];
  int nc = candidates(s, in, nin, rem, remaining, flops, size, c);
  for (int bi = 0; bi < nc && (s->nbranch == 0 || bi < s->nbranch); bi++) {
    pyset next;
    pyset_step(rem, c[bi].i, c[bi].j, nin, &next);
    path[len][0] = c[bi].i, path[len][1] = c[bi].j;
    in[nin] = c[bi].k12;
    branch_iterate(s, path, len + 1, in, nin + 1, &next, (remaining & ~(1u << c[bi].i) & ~(1u << c[bi].j)) | 1u << nin,
                   c[bi].flops, c[bi].size);
  }
}

int es_branch_path(const uint64_t *sets, int nops, uint64_t output, const uint64_t *size, int nbits, int (*ssa)[2]) {
  bb_search s = {.size = size, .nbits = nbits, .output = output, .best_flops = UINT64_MAX, .best_size = UINT64_MAX};
  s.nbranch = nops <= 6 ? 0 : nops <= 8 ? 2 : 1;
  for (int k = 0; k < 2 * ES_MAX_OPS; k++) s.progress[k] = UINT64_MAX;
  s.cache = calloc(BB_CACHE, sizeof *s.cache);
  if (!s.cache) return -1;
  uint64_t in[2 * ES_MAX_OPS];
  int path[ES_MAX_OPS][2];
  pyset rem;
  pyset_init(&rem);
  for (int i = 0; i < nops; i++) in[i] = sets[i], pyset_add(&rem, i);
  branch_iterate(&s, path, 0, in, nops, &rem, (1u << nops) - 1, 0, 0);
  free(s.cache);
  if (s.full) return -1;
  memcpy(ssa, s.best_path, sizeof(int[2]) * (size_t)s.best_len);
  return s.best_len;
}
