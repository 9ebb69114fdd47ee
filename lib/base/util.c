#include "util.h"
#include "alloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { SUGGEST_MAX = 64 };

_Noreturn void tj_fatal(const char *file, int line, const char *msg) {
  fprintf(stderr, "tjit: %s:%d: %s\n", file, line, msg);
  abort();
}

static bool buf_reserve(tj_buf *b, size_t extra) {
  if (b->failed) return false;
  if (b->len + extra + 1 <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + extra + 1) cap *= 2;
  char *p = b->big ? big_realloc(b->data, cap) : realloc(b->data, cap);
  if (!p && !b->big) TJ_OOM();
  if (!p) {
    b->failed = cap;
    return false;
  }
  b->data = p;
  b->cap = cap;
  return true;
}

void buf_putn(tj_buf *b, const char *s, size_t n) {
  if (!buf_reserve(b, n)) return;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = 0;
}

char *buf_room(tj_buf *b, size_t n) {
  if (!buf_reserve(b, n)) return NULL;
  char *p = b->data + b->len;
  memset(p, 0, n);
  b->len += n;
  b->data[b->len] = 0;
  return p;
}

void buf_puts(tj_buf *b, const char *s) { buf_putn(b, s, strlen(s)); }
void buf_putc(tj_buf *b, char c) { buf_putn(b, &c, 1); }

void buf_vprintf(tj_buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  char probe[1];
  int n = vsnprintf(probe, sizeof probe, fmt, ap2);
  va_end(ap2);
  if (!buf_reserve(b, (size_t)n)) return;
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
}

void buf_printf(tj_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(b, fmt, ap);
  va_end(ap);
}

void buf_free(tj_buf *b) {
  if (b->big) big_free(b->data);
  else free(b->data);
  *b = (tj_buf){.big = b->big};
}

char *buf_detach(tj_buf *b) {
  if (!b->data && !buf_reserve(b, 0)) return NULL;
  if (!b->len) b->data[0] = 0;
  char *p = b->data;
  *b = (tj_buf){.big = b->big};
  return p;
}

/* Python's float repr: shortest round-trip digits; exponent form when the
 * decimal exponent is < -4 or >= 16, otherwise fixed with at least ".0". */
void buf_put_pyfloat(tj_buf *b, double v) {
  if (isnan(v)) { buf_puts(b, "nan"); return; }
  if (isinf(v)) { buf_puts(b, v < 0 ? "-inf" : "inf"); return; }
  char digits[40];
  int prec;
  for (prec = 1; prec <= 17; prec++) {
    snprintf(digits, sizeof digits, "%.*e", prec - 1, v);
    if (strtod(digits, NULL) == v) break;
  }
  /* digits is "[-]d.ddde[+-]XX": split mantissa digits and exponent. */
  char *e = strchr(digits, 'e');
  int exp10 = atoi(e + 1);
  *e = 0;
  bool neg = digits[0] == '-';
  char mant[40];
  size_t m = 0;
  for (char *p = digits + neg; *p; p++)
    if (*p != '.') mant[m++] = *p;
  while (m > 1 && mant[m - 1] == '0') m--; /* trailing zeros */
  mant[m] = 0;
  if (neg) buf_putc(b, '-');
  if (exp10 < -4 || exp10 >= 16) {
    buf_putc(b, mant[0]);
    if (m > 1) { buf_putc(b, '.'); buf_puts(b, mant + 1); }
    buf_printf(b, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
  } else if (exp10 < 0) {
    buf_puts(b, "0.");
    for (int i = -1; i > exp10; i--) buf_putc(b, '0');
    buf_puts(b, mant);
  } else {
    for (int i = 0; i <= exp10; i++) buf_putc(b, i < (int)m ? mant[i] : '0');
    buf_putc(b, '.');
    if ((int)m > exp10 + 1) buf_puts(b, mant + exp10 + 1);
    else buf_putc(b, '0');
  }
}

void buf_put_quoted(tj_buf *b, const char *s, size_t n) {
  buf_putc(b, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') { buf_putc(b, '\\'); buf_putc(b, (char)c); }
    else if (c == '\n') buf_puts(b, "\\n");
    else if (c == '\t') buf_puts(b, "\\t");
    else if (c < 0x20 || c >= 0x7f) buf_printf(b, "\\x%02x", c);
    else buf_putc(b, (char)c);
  }
  buf_putc(b, '"');
}

/* Length of the valid UTF-8 sequence at s[0..n) (2 to 4), or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t n) {
  size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
  unsigned char lo = 0x80, hi = 0xBF; /* the second byte's range (no overlongs, surrogates or > U+10FFFF) */
  if (s[0] < 0xC2 || s[0] > 0xF4 || n < len) return 0;
  if (s[0] == 0xE0) lo = 0xA0;
  else if (s[0] == 0xED) hi = 0x9F;
  else if (s[0] == 0xF0) lo = 0x90;
  else if (s[0] == 0xF4) hi = 0x8F;
  if (s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < len; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  return len;
}

void buf_put_json_string(tj_buf *b, const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  buf_putc(b, '"');
  for (size_t i = 0; i < n; i++) {
    size_t len;
    if (u[i] == '"' || u[i] == '\\') { buf_putc(b, '\\'); buf_putc(b, (char)u[i]); }
    else if (u[i] == '\n') buf_puts(b, "\\n");
    else if (u[i] == '\t') buf_puts(b, "\\t");
    else if (u[i] < 0x20) buf_printf(b, "\\u%04x", u[i]);
    else if (u[i] < 0x80) buf_putc(b, (char)u[i]);
    else if ((len = utf8_sequence(u + i, n - i)) > 0) { buf_putn(b, s + i, len); i += len - 1; }
    else buf_puts(b, "\\ufffd");
  }
  buf_putc(b, '"');
}

/* Optimal string alignment distance (adjacent swaps count one edit). */
int edit_distance(const char *s, size_t n, const char *t, size_t m) {
  if (n > SUGGEST_MAX || m > SUGGEST_MAX) return 1 << 20;
  size_t rows[3][SUGGEST_MAX + 1];
  size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
  for (size_t j = 0; j <= m; j++) prev[j] = j;
  for (size_t i = 1; i <= n; i++) {
    cur[0] = i;
    for (size_t j = 1; j <= m; j++) {
      size_t cost = s[i - 1] != t[j - 1];
      size_t best = prev[j - 1] + cost;
      if (prev[j] + 1 < best) best = prev[j] + 1;
      if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;
      if (i > 1 && j > 1 && s[i - 1] == t[j - 2] && s[i - 2] == t[j - 1] &&
          prev2[j - 2] + 1 < best)
        best = prev2[j - 2] + 1;
      cur[j] = best;
    }
    size_t *tmp = prev2;
    prev2 = prev, prev = cur, cur = tmp;
  }
  return (int)prev[m];
}

tj_suggest suggest_start(const char *word, size_t n) {
  return (tj_suggest){.word = word, .n = n, .best = NULL, .dist = (size_t)-1};
}

void suggest_offer(tj_suggest *s, const char *cand) {
  size_t m = strlen(cand);
  if (s->n > SUGGEST_MAX || m > SUGGEST_MAX) return;
  if (m < 3) return; /* no guesses among one- and two-letter names */
  size_t dist = (size_t)edit_distance(s->word, s->n, cand, m);
  /* Close enough: a third of the candidate, at least one edit; the first
   * of equally close candidates wins. */
  if (dist <= (m + 2) / 3 && dist < s->dist) s->best = cand, s->dist = dist;
}

const char *suggest_word(const char *word, size_t n, const char *const *cands,
                         size_t ncands) {
  tj_suggest s = suggest_start(word, n);
  for (size_t k = 0; k < ncands; k++) suggest_offer(&s, cands[k]);
  return s.best;
}


double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

bool write_all(int fd, const void *p, size_t n) {
  const char *at = p;
  while (n > 0) {
    ssize_t w = write(fd, at, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    at += w, n -= (size_t)w;
  }
  return true;
}
