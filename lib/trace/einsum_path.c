/* The plan of a jnp.einsum, as opt_einsum 3.4 (which JAX 0.10.2 calls
 * with einsum_call=True, use_blas=True, optimize='auto') makes it:
 * parser.parse_einsum_input (spaces, '->', ellipses, the implicit output),
 * contract_path's checks and size_dict, the path ('auto' is paths.optimal
 * for up to 4 operands: a depth-first search over pairwise contractions
 * with its result cache, the first cheapest path winning) and
 * contract_path's contraction list (the operands popped from the right,
 * each intermediate's indices in "tensordot order"). Only what decides the
 * listing is kept: positions, subscripts, removed indices. Messages are
 * opt_einsum's ValueErrors. */
#include "einsum_path.h"

#include <string.h>

static const char symbols[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

static int count_char(const char *s, char c) {
  int n = 0;
  for (; *s; s++) n += *s == c;
  return n;
}

static int count_str(const char *s, const char *sub) {
  int n = 0;
  size_t k = strlen(sub);
  for (const char *p = strstr(s, sub); p; p = strstr(p + k, sub)) n++;
  return n;
}

static bool fail(tracer *t, tj_span span, const char *msg) { return tracer_error(t, span, "ValueError: %s", msg); }

/* Appends src to dst (ES_STR bytes), replacing each "..." by rep. */
static bool put_replaced(char *dst, const char *src, size_t len, const char *rep) {
  size_t n = strlen(dst);
  for (size_t i = 0; i < len; i++) {
    const char *piece = len - i >= 3 && memcmp(src + i, "...", 3) == 0 ? rep : NULL;
    size_t k = piece ? strlen(piece) : 1;
    if (n + k >= ES_STR) return false;
    memcpy(dst + n, piece ? piece : src + i, k);
    n += k, i += piece ? 2 : 0;
  }
  dst[n] = 0;
  return true;
}

/* find_output_str: the labels seen once, in sorted (code point) order. */
static void implicit_output(const char *in, const char *skip, char *out) {
  int n = 0;
  for (int c = 1; c < 256; c++) {
    int k = 0;
    for (const char *p = in; *p; p++) k += (unsigned char)*p == c && *p != ',';
    if (k == 1 && !strchr(skip, c)) out[n++] = (char)c;
  }
  out[n] = 0;
}

/* The labels "..." stands for: the last of the first max-rank symbols the
 * subscripts do not use (gen_unused_symbols). */
static bool ellipsis_symbols(tracer *t, const char *s, const int *ranks, int nops, tj_span span, char *inds) {
  int want = 0, n = 0;
  for (int i = 0; i < nops; i++) want = ranks[i] > want ? ranks[i] : want;
  for (const char *c = symbols; *c && n < want; c++)
    if (!strchr(s, *c)) inds[n++] = *c;
  inds[n] = 0;
  if (n < want) return tracer_error(t, span, "einsum: no unused letter is left for the dimensions of '...'");
  return true;
}

/* One input term with "..." replaced; *longest: the most labels one stood for. */
static bool expand_term(tracer *t, const char *sub, size_t len, int num, const int *ranks, int nops,
                        const char *inds, tj_span span, int *longest, char *dst) {
  char term[ES_STR] = {0};
  if (len >= ES_STR) return fail(t, span, "Invalid Ellipses.");
  memcpy(term, sub, len);
  if (!strchr(term, '.')) return put_replaced(dst, term, len, "");
  if (count_char(term, '.') != 3 || count_str(term, "...") != 1) return fail(t, span, "Invalid Ellipses.");
  if (num >= nops) return tracer_error(t, span, "IndexError: list index out of range");
  int count = ranks[num] == 0 ? 0 : ranks[num] - ((int)len - 3);
  *longest = count > *longest ? count : *longest;
  if (count < 0) return fail(t, span, "Ellipses lengths do not match.");
  return put_replaced(dst, term, len, inds + strlen(inds) - count);
}

/* parse_einsum_input's ellipsis branch: s rewritten without "...". */
static bool expand_ellipses(tracer *t, char *s, const int *ranks, int nops, tj_span span) {
  char inds[ES_STR], out[ES_STR] = {0};
  if (!ellipsis_symbols(t, s, ranks, nops, span, inds)) return false;
  char *arrow = strstr(s, "->");
  size_t in_len = arrow ? (size_t)(arrow - s) : strlen(s);
  int longest = 0, num = 0;
  for (size_t start = 0, i = 0; i <= in_len; i++) {
    if (i < in_len && s[i] != ',') continue;
    if (num && !put_replaced(out, ",", 1, "")) return fail(t, span, "Invalid Ellipses.");
    if (!expand_term(t, s + start, i - start, num++, ranks, nops, inds, span, &longest, out)) return false;
    start = i + 1;
  }
  const char *ell = inds + strlen(inds) - longest;
  if (arrow) {
    if (!put_replaced(out, "->", 2, "") || !put_replaced(out, arrow + 2, strlen(arrow + 2), ell))
      return fail(t, span, "Invalid Ellipses.");
  } else {
    char normal[ES_STR];
    implicit_output(out, ell, normal);
    if (!put_replaced(out, "->", 2, "") || !put_replaced(out, ell, strlen(ell), "") ||
        !put_replaced(out, normal, strlen(normal), ""))
      return fail(t, span, "Invalid Ellipses.");
  }
  strcpy(s, out);
  return true;
}

/* Splits "in->out" into the spec's terms and checks the output. */
static bool split_terms(tracer *t, const char *s, int nops, tj_span span, es_spec *sp) {
  const char *arrow = strstr(s, "->");
  size_t in_len = arrow ? (size_t)(arrow - s) : strlen(s);
  char in[ES_STR];
  memcpy(in, s, in_len), in[in_len] = 0;
  if (arrow) snprintf(sp->out, ES_STR, "%s", arrow + 2);
  else implicit_output(in, "", sp->out);
  for (const char *c = sp->out; *c; c++) {
    if (count_char(sp->out, *c) != 1)
      return tracer_error(t, span, "ValueError: Output character '%c' appeared more than once in the output.", *c);
    if (!strchr(in, *c) || *c == ',')
      return tracer_error(t, span, "ValueError: Output character '%c' did not appear in the input", *c);
  }
  int terms = count_char(in, ',') + 1;
  if (terms != nops)
    return tracer_error(t, span, "ValueError: Number of einsum subscripts, %d, must be equal to the number of "
                        "operands, %d.", terms, nops);
  sp->nops = nops;
  for (int i = 0, start = 0; i < nops; i++) {
    int end = start;
    while (in[end] && in[end] != ',') end++;
    memcpy(sp->in[i], in + start, (size_t)(end - start)), sp->in[i][end - start] = 0;
    start = end + 1;
  }
  return true;
}

/* contract_path's size_dict: a label's size, 1 giving way to another. */
static bool label_sizes(tracer *t, const int64_t (*shapes)[TJ_MAX_RANK], const int *ranks, tj_span span,
                        es_spec *sp) {
  for (int c = 0; c < 256; c++) sp->size[c] = -1;
  for (int i = 0; i < sp->nops; i++) {
    if ((int)strlen(sp->in[i]) != ranks[i])
      return tracer_error(t, span, "ValueError: Einstein sum subscript '%s' does not contain the correct number "
                          "of indices for operand %d.", sp->in[i], i);
    for (int d = 0; d < ranks[i]; d++) {
      int64_t *have = &sp->size[(unsigned char)sp->in[i][d]], dim = shapes[i][d];
      if (*have < 0 || *have == 1) *have = dim;
      else if (dim != 1 && dim != *have)
        return tracer_error(t, span, "ValueError: Size of label '%c' for operand %d (%lld) does not match previous "
                            "terms (%lld).", sp->in[i][d], i, (long long)*have, (long long)dim);
    }
  }
  return true;
}

bool es_parse(tracer *t, const char *subs, size_t len, const int64_t (*shapes)[TJ_MAX_RANK], const int *ranks,
              int nops, tj_span span, es_spec *sp) {
  char s[ES_STR];
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    if (subs[i] == ' ') continue;
    if (n + 1 >= ES_STR || subs[i] == 0) return tracer_error(t, span, "einsum: subscripts longer than tjit takes");
    s[n++] = subs[i];
  }
  s[n] = 0;
  if (strchr(s, '-') || strchr(s, '>')) {
    bool invalid = count_char(s, '-') > 1 || count_char(s, '>') > 1;
    if (invalid || count_str(s, "->") != 1) return fail(t, span, "Subscripts can only contain one '->'.");
  }
  if (strchr(s, '.') && !expand_ellipses(t, s, ranks, nops, span)) return false;
  return split_terms(t, s, nops, span, sp) && label_sizes(t, shapes, ranks, span, sp);
}

/* ---- the path: paths.optimal over label sets as bit masks ---- */

typedef struct labels {
  int bit[256];        /* label -> bit, -1 when unused */
  char of[64];         /* bit -> label */
  uint64_t size[64];
  int n;
} labels;

static uint64_t mask_of(labels *lb, const es_spec *sp, const char *s) {
  uint64_t m = 0;
  for (; *s; s++) {
    int *b = &lb->bit[(unsigned char)*s];
    if (*b < 0) *b = lb->n, lb->of[lb->n] = *s, lb->size[lb->n++] = (uint64_t)sp->size[(unsigned char)*s];
    m |= 1ull << *b;
  }
  return m;
}

/* compute_size_by_dict; saturates where Python's integers would not (at
 * 2^64 elements, far past any array tjit holds). */
static uint64_t size_of(const labels *lb, uint64_t m) {
  uint64_t n = 1;
  for (int b = 0; b < lb->n; b++)
    if (m >> b & 1) n = lb->size[b] && n > UINT64_MAX / lb->size[b] ? UINT64_MAX : n * lb->size[b];
  return n;
}

enum { SSA_MAX = 2 * ES_MAX_OPS, CACHE_MAX = 128 };

typedef struct search {
  const labels *lb;
  uint64_t output, best;
  int best_path[ES_MAX_OPS][2], best_len;
  struct { uint64_t a, b, k12, flops; } cache[CACHE_MAX]; /* result_cache, keyed by the two sets */
  int ncache;
} search;

/* calc_k12_flops, through the cache as optimal keys it: by the two index
 * sets only, whatever else remains. */
static void k12_flops(search *s, const uint64_t *in, int nin, unsigned remaining, int i, int j, uint64_t *k12,
                      uint64_t *flops) {
  for (int c = 0; c < s->ncache; c++)
    if (s->cache[c].a == in[i] && s->cache[c].b == in[j]) {
      *k12 = s->cache[c].k12, *flops = s->cache[c].flops;
      return;
    }
  uint64_t keep = s->output, either = in[i] | in[j], shared = in[i] & in[j];
  for (int r = 0; r < nin; r++)
    if ((remaining >> r & 1) && r != i && r != j) keep |= in[r];
  *k12 = either & keep;
  uint64_t size = size_of(s->lb, either), factor = shared & ~keep ? 2 : 1;
  *flops = size > UINT64_MAX / factor ? UINT64_MAX : size * factor;
  if (s->ncache < CACHE_MAX) /* room for every pair of up to 4 operands' search */
    s->cache[s->ncache].a = in[i], s->cache[s->ncache].b = in[j], s->cache[s->ncache].k12 = *k12,
    s->cache[s->ncache++].flops = *flops;
}

/* _optimal_iterate: pairs in itertools.combinations order of the
 * remaining (small-int set) ids, ascending; a path must be strictly
 * cheaper than the best so far. */
static void optimal_iterate(search *s, int (*path)[2], int len, unsigned remaining, uint64_t *in, int nin,
                            uint64_t flops) {
  if (__builtin_popcount(remaining) == 1) {
    s->best = flops, s->best_len = len;
    memcpy(s->best_path, path, sizeof(int[2]) * (size_t)len);
    return;
  }
  for (int i = 0; i < nin; i++)
    for (int j = i + 1; j < nin; j++) {
      if (!(remaining >> i & 1) || !(remaining >> j & 1)) continue;
      uint64_t k12, f12;
      k12_flops(s, in, nin, remaining, i, j, &k12, &f12);
      uint64_t total = flops + f12 < flops ? UINT64_MAX : flops + f12;
      if (total >= s->best) continue;
      path[len][0] = i, path[len][1] = j;
      in[nin] = k12;
      optimal_iterate(s, path, len + 1, (remaining & ~(1u << i) & ~(1u << j)) | 1u << nin, in, nin + 1, total);
    }
}

/* ssa_to_linear: each contraction's positions in the shrinking list. */
static void ssa_to_linear(int (*path)[2], int len, int n) {
  int ids[SSA_MAX], nids = n, ssa = n;
  for (int i = 0; i < n; i++) ids[i] = i;
  for (int k = 0; k < len; k++) {
    int p[2] = {0, 0};
    for (int e = 0; e < 2; e++)
      for (int q = 0; q < nids; q++)
        if (ids[q] == path[k][e]) p[e] = q;
    int lo = p[0] < p[1] ? p[0] : p[1], hi = p[0] ^ p[1] ^ lo;
    memmove(ids + hi, ids + hi + 1, sizeof *ids * (size_t)(nids - hi - 1)), nids--;
    memmove(ids + lo, ids + lo + 1, sizeof *ids * (size_t)(nids - lo - 1)), nids--;
    ids[nids++] = ssa++;
    path[k][0] = lo, path[k][1] = hi;
  }
}

/* "tensordot order": the kept labels by first position in the inputs. */
static void tensordot_order(const char *joined, const labels *lb, uint64_t keep, char *out) {
  int n = 0;
  for (const char *c = joined; *c; c++) {
    int b = lb->bit[(unsigned char)*c];
    if (keep >> b & 1 && !memchr(out, *c, (size_t)n)) out[n++] = *c;
  }
  out[n] = 0;
}

static void sorted_labels(const labels *lb, uint64_t m, char *out) {
  int n = 0;
  for (int c = 1; c < 256; c++)
    if (lb->bit[c] >= 0 && m >> lb->bit[c] & 1) out[n++] = (char)c;
  out[n] = 0;
}

/* One step of contract_path's loop: find_contraction and the strings. */
static void plan_step(const labels *lb, char (*terms)[ES_STR], uint64_t *sets, int *nterms, uint64_t output,
                      const int *pos, int npos, bool last, const char *final_out, es_step *st) {
  uint64_t contract = 0, remain = output;
  char joined[2 * ES_STR] = {0};
  st->nin = npos;
  for (int k = 0; k < npos; k++) { /* pos descending: each pop leaves the next position valid */
    st->pos[k] = pos[k];
    contract |= sets[pos[k]];
    snprintf(st->in[k], ES_STR, "%s", terms[pos[k]]);
    strcat(joined, terms[pos[k]]);
    memmove(terms + pos[k], terms + pos[k] + 1, sizeof *terms * (size_t)(*nterms - pos[k] - 1));
    memmove(sets + pos[k], sets + pos[k] + 1, sizeof *sets * (size_t)(*nterms - pos[k] - 1));
    (*nterms)--;
  }
  for (int r = 0; r < *nterms; r++) remain |= sets[r];
  sorted_labels(lb, contract & ~(remain & contract), st->removed);
  if (last) snprintf(st->result, ES_STR, "%s", final_out);
  else tensordot_order(joined, lb, remain & contract, st->result);
  snprintf(terms[*nterms], ES_STR, "%s", st->result);
  sets[(*nterms)++] = remain & contract;
}

int es_plan(const es_spec *sp, es_step *steps) {
  labels lb = {.n = 0};
  for (int c = 0; c < 256; c++) lb.bit[c] = -1;
  uint64_t sets[SSA_MAX], output;
  char terms[ES_MAX_OPS][ES_STR];
  for (int i = 0; i < sp->nops; i++) sets[i] = mask_of(&lb, sp, sp->in[i]), snprintf(terms[i], ES_STR, "%s", sp->in[i]);
  output = mask_of(&lb, sp, sp->out);
  int path[ES_MAX_OPS][2], len = 1, nterms = sp->nops;
  if (sp->nops <= 2) {
    path[0][0] = 0, path[0][1] = 1;
  } else if (sp->nops > 4) {
    if ((len = es_branch_path(sets, sp->nops, output, lb.size, lb.n, path)) < 0) return -1;
    ssa_to_linear(path, len, sp->nops);
  } else {
    search s = {.lb = &lb, .output = output, .best = UINT64_MAX};
    int scratch[ES_MAX_OPS][2];
    uint64_t in[SSA_MAX];
    memcpy(in, sets, sizeof *in * (size_t)sp->nops);
    optimal_iterate(&s, scratch, 0, (1u << sp->nops) - 1, in, sp->nops, 0);
    len = s.best_len;
    memcpy(path, s.best_path, sizeof path);
    ssa_to_linear(path, len, sp->nops);
  }
  for (int k = 0; k < len; k++) {
    int pos[2] = {path[k][1], path[k][0]}, npos = sp->nops == 1 ? 1 : 2;
    if (npos == 1) pos[0] = 0;
    plan_step(&lb, terms, sets, &nterms, output, pos, npos, k == len - 1, sp->out, &steps[k]);
  }
  return len;
}
