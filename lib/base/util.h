/* Small shared helpers: the out-of-memory and internal-bug macros and a
 * growable string buffer used by every printer. */
#ifndef TJ_UTIL_H
#define TJ_UTIL_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Out of memory: the one condition the library does not return as a value. */
#define TJ_OOM() tj_fatal(__FILE__, __LINE__, "out of memory")
/* An internal invariant failed (git's BUG()). */
#define TJ_BUG(msg) tj_fatal(__FILE__, __LINE__, "BUG: " msg)
_Noreturn void tj_fatal(const char *file, int line, const char *msg);

#define TJ_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A malloc-backed string builder; always NUL-terminated. A small one
 * ends the process when memory runs out (TJ_OOM); one its owner marks big
 * (the generated C, an object file) grows through big_realloc (alloc.h)
 * instead and on failure keeps what it holds, ignores further writes and
 * says in failed how many bytes it could not get: the owner checks failed
 * once at the end and reports it. */
typedef struct tj_buf {
  char *data;
  size_t len, cap;
  bool big;
  size_t failed;
} tj_buf;

void buf_putn(tj_buf *b, const char *s, size_t n);
void buf_puts(tj_buf *b, const char *s);
/* Appends n zero bytes and returns where they start, for a read(2); NULL
 * when a big buffer could not grow. */
char *buf_room(tj_buf *b, size_t n);
void buf_putc(tj_buf *b, char c);
void buf_printf(tj_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(tj_buf *b, const char *fmt, va_list ap);
void buf_free(tj_buf *b);
/* Returns the malloc'd string and leaves b empty. */
char *buf_detach(tj_buf *b);

/* Python repr() of a double: the shortest text that round-trips, with
 * Python's choice of fixed or exponent form ("1.0", "1e-05", "inf", "nan"). */
void buf_put_pyfloat(tj_buf *b, double v);
/* JSON-style quoted string with escapes for control and non-ASCII bytes. */
void buf_put_quoted(tj_buf *b, const char *s, size_t n);
/* A JSON string (RFC 8259): UTF-8 kept as is, control characters escaped,
 * each byte that is not part of valid UTF-8 replaced by U+FFFD, so the
 * document stays valid whatever bytes s holds. */
void buf_put_json_string(tj_buf *b, const char *s, size_t n);

/* Writes all n bytes to fd, retrying short writes and EINTR; false with
 * errno set when a write fails. */
bool write_all(int fd, const void *p, size_t n);

/* Milliseconds of a monotonic clock, for the --time phases. */
double now_ms(void);

/* Optimal string alignment distance (adjacent swaps count one edit); words
 * over 64 bytes are 2^20 apart. */
int edit_distance(const char *s, size_t n, const char *t, size_t m);
/* "Did you mean": the library's one policy for suggesting a name. Offer
 * the candidates one at a time; best is the closest one within a third of
 * its length in edits (never a candidate under 3 letters), or NULL. */
typedef struct tj_suggest {
  const char *word;
  size_t n;
  const char *best;
  size_t dist;
} tj_suggest;
tj_suggest suggest_start(const char *word, size_t n);
void suggest_offer(tj_suggest *s, const char *cand);
/* The same over an array of candidates. */
const char *suggest_word(const char *word, size_t n, const char *const *cands,
                         size_t ncands);

#endif
