/* The lexer: bytes to tokens. It never reads past src->len (the text may
 * hold NULs and need not be NUL-terminated), and a lexical error becomes a
 * TK_ERROR token that ends the array (see lex.h). */
#include "lex.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct lexer {
  tj_arena *arena;
  const tj_source *src;
  interner *names;
  token *toks;
  uint32_t ntoks, cap;
  uint32_t pos;
} lexer;

enum { QUOTE_MAX = 40 };   /* bytes of a token shown in a message */

/* Longest first, so "<<=" wins over "<<" and "<". Python's `**`, `@` and
 * `...` cannot occur in C source (no pointers here), so they are safe. */
static const char *const puncts[] = {
    "<<=", ">>=", "**=", "...", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>",
    "++", "--", "**", "+=", "-=", "*=", "/=", "%=", "@=", "&=", "|=", "^=", "+",
    "-", "*", "/", "%", "@", "&", "|", "^", "~", "!", "<", ">", "=", "?",
    ":", ";", ",", ".", "(", ")", "[", "]", "{", "}",
};

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static int hex_value(char c) {
  return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}
static bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }

/* Length of the valid UTF-8 sequence at s (2..4), or 0. */
static uint32_t utf8_len(const char *s, uint32_t n) {
  unsigned char c = (unsigned char)s[0];
  uint32_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (c >= 0xF5 || len == 0 || len > n) return 0;
  for (uint32_t i = 1; i < len; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) return 0;
  return len;
}

const char *lex_quote(tj_arena *a, const char *s, uint32_t n) {
  tj_buf b = {0};
  buf_putc(&b, '\'');
  for (uint32_t i = 0; i < n;) {
    if (b.len >= QUOTE_MAX) {
      buf_puts(&b, "...");
      break;
    }
    unsigned char c = (unsigned char)s[i];
    uint32_t u = c >= 0x80 ? utf8_len(s + i, n - i) : 0;
    if (u) buf_putn(&b, s + i, u), i += u;
    else if (c < 0x20 || c >= 0x7f) buf_printf(&b, "\\x%02x", c), i++;
    else buf_putc(&b, (char)c), i++;
  }
  buf_putc(&b, '\'');
  const char *q = arena_strndup(a, b.data, b.len);
  buf_free(&b);
  return q;
}

bool tok_is(const tj_source *src, const token *t, const char *s) {
  if (t->kind != TK_PUNCT && t->kind != TK_IDENT) return false;
  size_t n = strlen(s);
  return t->span.end - t->span.start == n &&
         memcmp(src->text + t->span.start, s, n) == 0;
}

const char *tok_describe(tj_arena *a, const tj_source *src, const token *t) {
  switch (t->kind) {
  case TK_EOF: return "end of input";
  case TK_STR: return "string literal";
  case TK_ERROR: return "invalid token";
  default:
    return lex_quote(a, src->text + t->span.start, t->span.end - t->span.start);
  }
}

/* Appends a token. The array is malloc'd rather than in the arena so that
 * growing it leaves no dead copies and it can go once the parse is done. */
static token *push(lexer *lx, tok_kind kind, uint32_t start, uint32_t end) {
  if (lx->ntoks == lx->cap) {
    lx->cap = lx->cap ? lx->cap * 2 : 256;
    token *grown = realloc(lx->toks, sizeof *grown * lx->cap);
    if (!grown) TJ_OOM();
    lx->toks = grown;
  }
  token *t = &lx->toks[lx->ntoks++];
  *t = (token){.kind = kind, .span = span_make(start, end)};
  return t;
}

/* Ends the token array with an error token carrying the message. */
__attribute__((format(printf, 4, 5)))
static bool fail(lexer *lx, uint32_t start, uint32_t end, const char *fmt, ...) {
  tj_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  token *t = push(lx, TK_ERROR, start, end);
  t->str = arena_strndup(lx->arena, b.data, b.len);
  t->len = (uint32_t)b.len;
  buf_free(&b);
  return false;
}

static const char *quote_range(lexer *lx, uint32_t start, uint32_t end) {
  return lex_quote(lx->arena, lx->src->text + start, end - start);
}

/* Whitespace, `// ...` and `/ * ... * /`. */
static bool skip_blanks(lexer *lx) {
  const char *s = lx->src->text;
  uint32_t n = lx->src->len;
  while (lx->pos < n) {
    char c = s[lx->pos];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      lx->pos++;
    } else if (c == '/' && lx->pos + 1 < n && s[lx->pos + 1] == '/') {
      while (lx->pos < n && s[lx->pos] != '\n') lx->pos++;
    } else if (c == '/' && lx->pos + 1 < n && s[lx->pos + 1] == '*') {
      uint32_t open = lx->pos;
      lx->pos += 2;
      while (lx->pos + 1 < n && !(s[lx->pos] == '*' && s[lx->pos + 1] == '/'))
        lx->pos++;
      if (lx->pos + 1 >= n) return fail(lx, open, open + 2, "unterminated comment");
      lx->pos += 2;
    } else {
      break;
    }
  }
  return true;
}

static uint32_t skip_digits(lexer *lx, uint32_t i) {
  while (i < lx->src->len && is_digit(lx->src->text[i])) i++;
  return i;
}

/* Letters or digits glued to a number: only `f`/`F` after a float. */
static bool check_suffix(lexer *lx, uint32_t start, uint32_t end, bool is_float,
                         uint32_t *out_end) {
  uint32_t i = end;
  while (i < lx->src->len && is_ident_char(lx->src->text[i])) i++;
  bool float_f = is_float && i == end + 1 && (lx->src->text[end] | 0x20) == 'f';
  if (i > end && !float_f)
    return fail(lx, start, i, "invalid suffix %s on %s constant %s",
                quote_range(lx, end, i), is_float ? "floating" : "integer",
                quote_range(lx, start, i));
  *out_end = i;
  return true;
}

static bool lex_hex(lexer *lx, uint32_t start) {
  const char *s = lx->src->text;
  uint32_t i = start + 2, end;
  uint64_t v = 0;
  bool too_big = false;
  for (; i < lx->src->len && is_hex(s[i]); i++) {
    too_big |= v > (uint64_t)INT64_MAX >> 4;
    v = v << 4 | (uint64_t)hex_value(s[i]);
  }
  if (i == start + 2)
    return fail(lx, start, i, "invalid hexadecimal constant %s",
                quote_range(lx, start, i));
  if (!check_suffix(lx, start, i, false, &end)) return false;
  if (too_big || v > (uint64_t)INT64_MAX)
    return fail(lx, start, end, "integer constant %s does not fit in int64",
                quote_range(lx, start, end));
  push(lx, TK_INT, start, end)->ival = (int64_t)v;
  lx->pos = end;
  return true;
}

static bool lex_decimal_int(lexer *lx, uint32_t start, uint32_t end) {
  const char *s = lx->src->text;
  if (s[start] == '0' && end - start > 1)
    return fail(lx, start, end, "invalid integer constant %s (octal is not supported)",
                quote_range(lx, start, end));
  int64_t v = 0;
  for (uint32_t i = start; i < end; i++) {
    int d = s[i] - '0';
    if (v > (INT64_MAX - d) / 10)
      return fail(lx, start, end, "integer constant %s does not fit in int64",
                  quote_range(lx, start, end));
    v = v * 10 + d;
  }
  push(lx, TK_INT, start, end)->ival = v;
  return true;
}

static bool lex_float(lexer *lx, uint32_t start, uint32_t end, uint32_t tok_end) {
  char *text = arena_strndup(lx->arena, lx->src->text + start, end - start);
  errno = 0;
  double v = strtod(text, NULL);
  /* strtod sets ERANGE on underflow too (a subnormal or zero result), which
   * C accepts; only an infinite result means the constant is too large. */
  if (errno == ERANGE && isinf(v))
    return fail(lx, start, tok_end, "floating constant %s is too large",
                quote_range(lx, start, tok_end));
  push(lx, TK_FLOAT, start, tok_end)->fval = v;
  return true;
}

/* 12  0x1F  2.0  2.  .5  1e-3  2.0f */
static bool lex_number(lexer *lx) {
  const char *s = lx->src->text;
  uint32_t n = lx->src->len, start = lx->pos;
  if (s[start] == '0' && start + 1 < n && (s[start + 1] | 0x20) == 'x')
    return lex_hex(lx, start);
  bool is_float = false;
  uint32_t i = skip_digits(lx, start);
  if (i < n && s[i] == '.') is_float = true, i = skip_digits(lx, i + 1);
  if (i < n && (s[i] | 0x20) == 'e') {
    uint32_t e = i + 1;
    if (e < n && (s[e] == '+' || s[e] == '-')) e++;
    if (e >= n || !is_digit(s[e]))
      return fail(lx, start, e, "exponent has no digits in %s",
                  quote_range(lx, start, e));
    is_float = true;
    i = skip_digits(lx, e);
  }
  uint32_t end;
  if (!check_suffix(lx, start, i, is_float, &end)) return false;
  lx->pos = end;
  if (is_float) return lex_float(lx, start, i, end);
  return lex_decimal_int(lx, start, i);
}

/* One escape after a backslash at s[*i - 1]; appends the byte to out. */
static bool lex_escape(lexer *lx, uint32_t *i, char *out, uint32_t *outlen) {
  static const char simple[][2] = {
      {'n', '\n'}, {'t', '\t'}, {'r', '\r'}, {'a', '\a'}, {'b', '\b'}, {'f', '\f'},
      {'v', '\v'}, {'\\', '\\'}, {'"', '"'}, {'\'', '\''}, {'?', '?'},
  };
  const char *s = lx->src->text;
  uint32_t at = *i - 1;
  char c = s[*i];
  if (c == 'x') {
    uint32_t j = *i + 1;
    int v = 0;
    for (; j < lx->src->len && j < *i + 3 && is_hex(s[j]); j++) v = v * 16 + hex_value(s[j]);
    if (j == *i + 1)
      return fail(lx, at, j, "\\x used with no following hex digits");
    out[(*outlen)++] = (char)v;
    *i = j;
    return true;
  }
  if (c >= '0' && c <= '7') {
    uint32_t j = *i;
    int v = 0;
    for (; j < lx->src->len && j < *i + 3 && s[j] >= '0' && s[j] <= '7'; j++)
      v = v * 8 + (s[j] - '0');
    if (v > 255) return fail(lx, at, j, "octal escape sequence out of range");
    out[(*outlen)++] = (char)v;
    *i = j;
    return true;
  }
  for (size_t k = 0; k < TJ_COUNT(simple); k++)
    if (simple[k][0] == c) {
      out[(*outlen)++] = simple[k][1];
      *i += 1;
      return true;
    }
  uint32_t u = (unsigned char)c >= 0x80 ? utf8_len(s + *i, lx->src->len - *i) : 0;
  uint32_t end = *i + (u ? u : 1);
  return fail(lx, at, end, "unknown escape sequence %s", quote_range(lx, at, end));
}

/* "..." with C escapes, decoded; a string may not span lines. */
static bool lex_string(lexer *lx) {
  const char *s = lx->src->text;
  uint32_t n = lx->src->len, open = lx->pos, close = open + 1;
  while (close < n && s[close] != '"' && s[close] != '\n') {
    if (s[close] == '\\' && close + 1 < n && s[close + 1] != '\n') close++;
    close++;
  }
  if (close >= n || s[close] != '"')
    return fail(lx, open, open + 1, "unterminated string");
  char *out = arena_alloc(lx->arena, close - open);
  uint32_t len = 0;
  for (uint32_t i = open + 1; i < close;) {
    if (s[i] != '\\') {
      out[len++] = s[i++];
      continue;
    }
    i++;
    if (!lex_escape(lx, &i, out, &len)) return false;
  }
  token *t = push(lx, TK_STR, open, close + 1);
  t->str = out;
  t->len = len;
  lx->pos = close + 1;
  return true;
}

static void lex_ident(lexer *lx) {
  uint32_t start = lx->pos;
  while (lx->pos < lx->src->len && is_ident_char(lx->src->text[lx->pos])) lx->pos++;
  token *t = push(lx, TK_IDENT, start, lx->pos);
  t->name = intern(lx->names, lx->src->text + start, lx->pos - start);
}

static bool lex_punct(lexer *lx) {
  const char *s = lx->src->text + lx->pos;
  uint32_t left = lx->src->len - lx->pos;
  for (size_t k = 0; k < TJ_COUNT(puncts); k++) {
    uint32_t len = (uint32_t)strlen(puncts[k]);
    if (len <= left && memcmp(s, puncts[k], len) == 0) {
      push(lx, TK_PUNCT, lx->pos, lx->pos + len);
      lx->pos += len;
      return true;
    }
  }
  uint32_t u = (unsigned char)s[0] >= 0x80 ? utf8_len(s, left) : 0;
  return fail(lx, lx->pos, lx->pos + (u ? u : 1), "unexpected character %s",
              quote_range(lx, lx->pos, lx->pos + (u ? u : 1)));
}

static bool lex_one(lexer *lx) {
  const char *s = lx->src->text;
  char c = s[lx->pos];
  if (is_digit(c) || (c == '.' && lx->pos + 1 < lx->src->len && is_digit(s[lx->pos + 1])))
    return lex_number(lx);
  if (c == '"') return lex_string(lx);
  if (is_ident_start(c)) {
    lex_ident(lx);
    return true;
  }
  return lex_punct(lx);
}

token *lex_source(tj_arena *a, const tj_source *src, interner *names,
                  uint32_t *ntokens) {
  lexer lx = {.arena = a, .src = src, .names = names};
  for (;;) {
    if (!skip_blanks(&lx)) break;
    if (lx.pos >= src->len) {
      uint32_t end = lx.ntoks ? lx.toks[lx.ntoks - 1].span.end : 0;
      push(&lx, TK_EOF, end, end);
      break;
    }
    if (lx.ntoks >= TJ_MAX_TOKENS) {
      fail(&lx, lx.pos, lx.pos + 1, "too many tokens (limit is %d) in the source",
           TJ_MAX_TOKENS);
      break;
    }
    if (!lex_one(&lx)) break;
  }
  *ntokens = lx.ntoks;
  return lx.toks;
}
