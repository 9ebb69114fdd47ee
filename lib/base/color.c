/* Colour in the text forms (see color.h). */
#include "color.h"

#include <string.h>

#define SGR_START "\33["
#define SGR_END "m\33[K"
#define SGR_RESET "\33[m\33[K"

const char *color_sgr(const char *params) { return params && *params ? params : NULL; }

void color_start(tj_buf *b, const char *sgr) {
  if (sgr) buf_printf(b, SGR_START "%s" SGR_END, sgr);
}

void color_stop(tj_buf *b, const char *sgr) {
  if (sgr) buf_puts(b, SGR_RESET);
}

void color_putn(tj_buf *b, const char *sgr, const char *s, size_t n) {
  color_start(b, sgr);
  buf_putn(b, s, n);
  color_stop(b, sgr);
}

void color_puts(tj_buf *b, const char *sgr, const char *s) { color_putn(b, sgr, s, strlen(s)); }

static bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The length of the quoted name starting after the quote at msg[at], or 0
 * when that quote does not open one (see color_put_message). */
static size_t quoted_len(const char *msg, size_t at) {
  if (at > 0 && is_word_char(msg[at - 1])) return 0;
  size_t end = at + 1;
  while (msg[end] && msg[end] != '\'' && msg[end] != '\n') end++;
  if (msg[end] != '\'' || end == at + 1 || is_word_char(msg[end + 1])) return 0;
  return end - at - 1;
}

void color_put_message(tj_buf *b, const char *quote, const char *msg) {
  if (!quote) {
    buf_puts(b, msg);
    return;
  }
  size_t plain = 0, i = 0;
  while (msg[i]) {
    size_t n = msg[i] == '\'' ? quoted_len(msg, i) : 0;
    if (!n) {
      i++;
      continue;
    }
    buf_putn(b, msg + plain, i + 1 - plain); /* up to and with the opening quote */
    color_putn(b, quote, msg + i + 1, n);
    buf_putc(b, '\'');
    i += n + 2;
    plain = i;
  }
  buf_puts(b, msg + plain);
}

tj_colors tj_colors_default(void) {
  /* gcc's defaults (gcc/diagnostic-color.cc, gcc_color_defaults); hit is
   * its fixit-insert green. */
  return (tj_colors){.error = "01;31", .warning = "01;35", .note = "01;36", .locus = "01", .quote = "01",
                     .hit = "32"};
}
