/* The lexer of the function language (internal to parse.c). The whole
 * source is cut into an array of tokens up front so the parser can look
 * ahead freely (to tell a nested function definition from a call). */
#ifndef TJ_LEX_H
#define TJ_LEX_H
#include <stdint.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "limits.h"

typedef enum {
  TK_IDENT,   /* identifiers and keywords: name */
  TK_PUNCT,   /* operators and punctuation; compare with tok_is */
  TK_INT,     /* ival */
  TK_FLOAT,   /* fval */
  TK_STR,     /* str/len: the decoded bytes */
  TK_EOF,     /* zero width, just after the last token */
  TK_ERROR,   /* a lexical error; str is its message. Ends the array. */
} tok_kind;

typedef struct token {
  tok_kind kind;
  tj_span span;
  name_id name;
  int64_t ival;
  double fval;
  const char *str;
  uint32_t len;
} token;

/* Cuts src into tokens, interning identifiers in names; decoded strings
 * and messages go in a, the array itself is malloc'd: free() it.
 * Never fails: the array always ends with TK_EOF or TK_ERROR, so the
 * parser reports a lexical error when it reaches it, after any syntax
 * error that comes earlier in the text. Sets *ntokens. */
token *lex_source(tj_arena *a, const tj_source *src, interner *names,
                  uint32_t *ntokens);

/* True when t is the punctuator or identifier/keyword spelled s. */
bool tok_is(const tj_source *src, const token *t, const char *s);

/* How messages name t: 'return', end of input, string literal. */
const char *tok_describe(tj_arena *a, const tj_source *src, const token *t);

/* s[0..n) quoted for a message, cut to a readable length, with bytes that
 * are not printable shown as \xNN. */
const char *lex_quote(tj_arena *a, const char *s, uint32_t n);

#endif
