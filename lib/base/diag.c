#include "diag.h"
#include "color.h"
#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static bool utf8_continuation(char c) { return ((unsigned char)c & 0xC0) == 0x80; }

/* ---- positions ---------------------------------------------------------- */

/* Appends a run unless it continues the last one (same line, step 1, columns
 * and offsets advancing together); a run at the last one's offset replaces
 * it (that one held no byte). */
static void pos_add(pos_map *m, uint32_t off, uint32_t step) {
  tj_pos_run r = {off, m->line, m->col, step};
  if (m->n) {
    tj_pos_run *last = &m->runs[m->n - 1];
    if (last->line == r.line && step == last->step &&
        (step ? off - last->off == r.col - last->col : r.col == last->col))
      return; /* step 1: the same run goes on; step 0: stray bytes at one place */
    if (last->off == off) {
      *last = r;
      return;
    }
  }
  if (m->n == m->cap) {
    m->cap = m->cap ? 2 * m->cap : 16;
    m->runs = realloc(m->runs, m->cap * sizeof *m->runs);
    if (!m->runs) TJ_OOM();
  }
  m->runs[m->n++] = r;
}

/* Continuation bytes that follow lead byte c in UTF-8. */
static uint32_t utf8_tail(unsigned char c) {
  return c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
}

void pos_map_byte(pos_map *m, uint32_t off, unsigned char c) {
  bool cont = utf8_continuation((char)c);
  if (cont && m->pending) {
    m->pending--; /* inside the character of the current run */
    return;
  }
  /* A stray continuation byte is at the column of the next character, as
   * when columns count the bytes that are not continuation bytes. */
  pos_add(m, off, c < 0x80);
  m->pending = cont ? 0 : utf8_tail(c);
  m->col += !cont;
}

void pos_map_atom(pos_map *m, uint32_t off, uint32_t width) {
  pos_add(m, off, 0);
  m->pending = 0;
  m->col += width;
}

void pos_map_free(pos_map *m) {
  free(m->runs);
  *m = (pos_map){0};
}

static void build_lines(tj_arena *a, tj_source *src, const char *name, const char *text, uint32_t len) {
  src->name = name;
  src->text = text;
  src->len = len;
  uint32_t n = 1;
  for (uint32_t i = 0; i < len; i++) n += text[i] == '\n';
  src->line_starts = ARENA_ARRAY(a, uint32_t, n);
  src->nlines = 0;
  src->line_starts[src->nlines++] = 0;
  for (uint32_t i = 0; i < len; i++)
    if (text[i] == '\n') src->line_starts[src->nlines++] = i + 1;
}

void source_init_mapped(tj_arena *a, tj_source *src, const char *name,
                        const char *text, uint32_t len, pos_map *map) {
  build_lines(a, src, name, text, len);
  if (!map->n) map->line = map->col = 1, pos_add(map, 0, 1);
  tj_pos_run *runs = ARENA_ARRAY(a, tj_pos_run, map->n);
  memcpy(runs, map->runs, map->n * sizeof *runs);
  src->runs = runs;
  src->nruns = map->n;
  pos_map_free(map);
}

void source_init(tj_arena *a, tj_source *src, const char *name,
                 const char *text, uint32_t len) {
  pos_map m = {.line = 1, .col = 1};
  pos_add(&m, 0, 1);
  bool ascii = true; /* the last byte was ASCII: later ones go on in its run */
  for (uint32_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)text[i];
    if (ascii && c < 0x80 && c != '\n') {
      m.col++;
      continue;
    }
    pos_map_byte(&m, i, c);
    ascii = c < 0x80;
    if (c == '\n') m.line++, m.col = 1, pos_add(&m, i + 1, 1);
  }
  source_init_mapped(a, src, name, text, len, &m);
}

static uint32_t line_index(const tj_source *src, uint32_t offset) {
  uint32_t lo = 0, hi = src->nlines; /* last line start <= offset */
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (src->line_starts[mid] <= offset) lo = mid;
    else hi = mid;
  }
  return lo;
}

void source_position(const tj_source *src, uint32_t offset, uint32_t *line,
                     uint32_t *col) {
  if (offset > src->len) offset = src->len;
  uint32_t lo = 0, hi = src->nruns; /* the last run with off <= offset */
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (src->runs[mid].off <= offset) lo = mid;
    else hi = mid;
  }
  const tj_pos_run *r = &src->runs[lo];
  *line = r->line;
  *col = r->col + r->step * (offset - r->off);
}

/* "TracerBoolConversionError: ..." names its kind as JAX does: a word of
 * letters and digits ending in "Error" (not "Error" alone), then ": ".
 * Returns its length. */
static size_t jax_error_name(const char *msg) {
  size_t n = 0;
  if (msg[0] < 'A' || msg[0] > 'Z') return 0;
  while ((msg[n] >= 'A' && msg[n] <= 'Z') || (msg[n] >= 'a' && msg[n] <= 'z') || (msg[n] >= '0' && msg[n] <= '9'))
    n++;
  return n > 5 && strncmp(msg + n - 5, "Error", 5) == 0 && strncmp(msg + n, ": ", 2) == 0 ? n : 0;
}

static tj_diag *diag_add(diag_list *d, diag_level level, const tj_source *src,
                         tj_span span, const char *fmt, va_list ap) {
  tj_diag *g = ARENA_NEW(d->arena, tj_diag);
  tj_buf b = {0};
  buf_vprintf(&b, fmt, ap);
  g->msg = arena_strndup(d->arena, b.data, b.len);
  buf_free(&b);
  size_t jax_name = jax_error_name(g->msg);
  if (jax_name) g->jax_kind = arena_strndup(d->arena, g->msg, jax_name); /* its own string, for tj_diagnostic */
  g->level = level;
  g->src = src;
  g->span = span;
  g->kind = d->kind;
  if (d->tail) d->tail->next = g;
  else d->head = g;
  d->tail = g;
  if (level == DIAG_ERROR) d->nerrors++;
  return g;
}

diag_kind diag_set_kind(diag_list *d, diag_kind kind) {
  diag_kind before = d->kind;
  d->kind = kind;
  return before;
}

void diag_retag(diag_list *d, const tj_diag *after, diag_kind kind) {
  for (tj_diag *g = after ? after->next : d->head; g; g = g->next)
    if (g->level == DIAG_ERROR) g->kind = kind;
}

bool diag_error(diag_list *d, const tj_source *src, tj_span span,
                const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_add(d, DIAG_ERROR, src, span, fmt, ap);
  va_end(ap);
  return false;
}

bool diag_verror_at(const diag_at *at, diag_kind kind, const char *fmt, va_list ap) {
  tj_buf b = {0};
  if (at->prefix) buf_printf(&b, "%s: ", at->prefix);
  buf_vprintf(&b, fmt, ap);
  diag_kind before = diag_set_kind(at->d, kind);
  diag_error(at->d, at->src, at->span, "%s", b.data);
  diag_set_kind(at->d, before);
  buf_free(&b);
  return false;
}

bool diag_error_at(const diag_at *at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_verror_at(at, at->d->kind, fmt, ap);
  va_end(ap);
  return false;
}

bool diag_out_of_memory(diag_list *d, const char *fmt, ...) {
  diag_kind before = diag_set_kind(d, DIAG_KIND_BUDGET);
  va_list ap;
  va_start(ap, fmt);
  diag_add(d, DIAG_ERROR, NULL, span_make(0, 0), fmt, ap);
  va_end(ap);
  diag_set_kind(d, before);
  return false;
}

bool diag_last_is_budget(const diag_list *d) { return d->tail && d->tail->kind == DIAG_KIND_BUDGET; }

void diag_note(diag_list *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_add(d, DIAG_NOTE, NULL, span_make(0, 0), fmt, ap);
  va_end(ap);
}

void diag_hint(diag_list *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_add(d, DIAG_HINT, NULL, span_make(0, 0), fmt, ap);
  va_end(ap);
}

void diag_note_at(diag_list *d, const tj_source *src, tj_span span,
                  const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_add(d, DIAG_NOTE, src, span, fmt, ap);
  va_end(ap);
}

static const char *level_name[] = {
    [DIAG_ERROR] = "error", [DIAG_WARNING] = "warning",
    [DIAG_NOTE] = "note", [DIAG_HINT] = "hint"};

enum {
  EXCERPT_WIDTH = 100,     /* columns of a long source line shown (minified JSON is one line) */
  EXCERPT_LEAD = 40,       /* of them, before the start of the span */
};

/* [*from, *to): the part of line [begin, end) shown, whole or a window of
 * EXCERPT_WIDTH columns around `at`, cut at character boundaries. */
static void excerpt_window(const char *text, uint32_t begin, uint32_t end, uint32_t at, uint32_t *from,
                           uint32_t *to) {
  uint32_t cols = 0, n = 0, f, t;
  for (uint32_t i = begin; i < end && cols <= EXCERPT_WIDTH; i++) cols += !utf8_continuation(text[i]);
  *from = begin, *to = end;
  if (cols <= EXCERPT_WIDTH) return;
  for (f = at < end ? at : end; f > begin && n < EXCERPT_LEAD;) n += !utf8_continuation(text[--f]);
  for (t = f, n = 0; t < end && (n < EXCERPT_WIDTH || utf8_continuation(text[t])); t++)
    n += !utf8_continuation(text[t]);
  *from = f, *to = t;
}

/* The source line (or a window of a long one, "..." marking what is cut),
 * tabs expanded to one space each so the caret lines up, and an
 * underline: ^ at the start of the span, ~ to its end on that line. In
 * colour (sgr: the level's), the span in the line and the underline, as
 * gcc colours them. */
static void render_excerpt(const tj_source *src, tj_span span, const char *sgr, tj_buf *out) {
  uint32_t li = line_index(src, span.start > src->len ? src->len : span.start);
  uint32_t begin = src->line_starts[li], from, to, line, col;
  uint32_t end = li + 1 < src->nlines ? src->line_starts[li + 1] - 1 : src->len;
  if (end > begin && src->text[end - 1] == '\r') end--;
  excerpt_window(src->text, begin, end, span.start, &from, &to);
  source_position(src, span.start, &line, &col); /* the file's line, as in the heading */
  size_t before = out->len;
  buf_printf(out, "%5u", line);
  int width = (int)(out->len - before);
  uint32_t stop = span.end < to ? span.end : to;
  uint32_t colored_end = stop > span.start ? stop : span.start + 1; /* an empty span colours one character */
  buf_puts(out, from > begin ? " | ..." : " | ");
  for (uint32_t i = from; i < to; i++) {
    char c = src->text[i];
    if (i == span.start) color_start(out, sgr);
    buf_putc(out, c == '\t' ? ' ' : ((unsigned char)c < 0x20 ? '?' : c));
    if (i + 1 == colored_end) color_stop(out, sgr);
  }
  buf_puts(out, to < end ? "...\n" : "\n");
  buf_printf(out, "%*s | %s", width, "", from > begin ? "   " : "");
  uint32_t i = from;
  for (; i < span.start && i < to; i++)
    if (!utf8_continuation(src->text[i])) buf_putc(out, ' ');
  color_start(out, sgr);
  buf_putc(out, '^');
  for (i++; i < stop; i++)
    if (!utf8_continuation(src->text[i])) buf_putc(out, '~');
  color_stop(out, sgr);
  buf_putc(out, '\n');
}

/* A level's colour: error's, warning's, or note's for notes and hints. */
static const char *level_color(diag_level level, const tj_colors *colors) {
  return level == DIAG_ERROR ? COLOR_OF(colors, error) : level == DIAG_WARNING ? COLOR_OF(colors, warning)
                                                                               : COLOR_OF(colors, note);
}

/* "error: " as gcc colours it: the level's word, its colon and the space. */
static void put_level(diag_level level, const tj_colors *colors, tj_buf *out) {
  const char *sgr = level_color(level, colors);
  color_start(out, sgr);
  buf_printf(out, "%s: ", level_name[level]);
  color_stop(out, sgr);
}

/* One diagnostic: its heading (location, level, message) and excerpt. */
static void render_one(const tj_diag *g, const tj_colors *colors, tj_buf *out) {
  const char *locus = COLOR_OF(colors, locus);
  if (g->src) {
    uint32_t line, col;
    source_position(g->src, g->span.start, &line, &col);
    color_start(out, locus);
    buf_printf(out, "%s:%u:%u:", g->src->name, line, col);
    color_stop(out, locus);
    buf_putc(out, ' ');
  } else if (g->level == DIAG_ERROR) {
    color_puts(out, locus, "tjit:");
    buf_putc(out, ' ');
  }
  put_level(g->level, colors, out);
  color_put_message(out, COLOR_OF(colors, quote), g->msg);
  buf_putc(out, '\n');
  if (g->src && g->src->len) render_excerpt(g->src, g->span, level_color(g->level, colors), out);
}

void diag_render(const diag_list *d, FILE *out, const tj_colors *colors) {
  tj_buf b = {0};
  for (const tj_diag *g = d->head; g; g = g->next) {
    render_one(g, colors, &b);
    fwrite(b.data, 1, b.len, out);
    b.len = 0;
  }
  buf_free(&b);
}
