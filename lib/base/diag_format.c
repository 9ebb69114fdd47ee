/* Diagnostics for machines: the first error as a JSON object and every
 * error as a GitHub workflow command (tjit(1), DIAGNOSTICS). Locations come
 * from source_position, as in the text form. */
#include "diag.h"
#include "tjit.h"
#include "util.h"

#include <string.h>

static const char *const kind_names[] = {
#define DIAG_KIND_NAME(id, name) [id] = name,
    DIAG_KINDS(DIAG_KIND_NAME)
#undef DIAG_KIND_NAME
};

#define INTERNAL_PREFIX "internal error: "

const char *diag_split_kind(const tj_diag *g, const char **kind) {
  if (g->jax_kind) {
    *kind = g->jax_kind;
    return g->msg + strlen(g->jax_kind) + 2;
  }
  if (strncmp(g->msg, INTERNAL_PREFIX, strlen(INTERNAL_PREFIX)) == 0) {
    *kind = kind_names[DIAG_KIND_INTERNAL];
    return g->msg + strlen(INTERNAL_PREFIX);
  }
  *kind = kind_names[g->kind];
  return g->msg;
}

static void json_str(tj_buf *b, const char *s) { buf_put_json_string(b, s, strlen(s)); }

/* "file": ..., "line": ..., "column": ... (null each without a location). */
static void json_location(const tj_diag *g, tj_buf *b) {
  uint32_t line, col;
  if (!g->src) {
    buf_puts(b, "\"file\": null, \"line\": null, \"column\": null");
    return;
  }
  source_position(g->src, g->span.start, &line, &col);
  buf_puts(b, "\"file\": ");
  json_str(b, g->src->name);
  buf_printf(b, ", \"line\": %u, \"column\": %u", line, col);
}

/* The notes (objects with a location) and hints (strings) that follow an
 * error, up to the next error or warning. */
static void json_followers(const tj_diag *first, tj_buf *b) {
  int n = 0;
  buf_puts(b, ", \"notes\": [");
  for (const tj_diag *g = first; g && g->level >= DIAG_NOTE; g = g->next) {
    if (g->level != DIAG_NOTE) continue;
    buf_puts(b, n++ ? ", {\"message\": " : "{\"message\": ");
    json_str(b, g->msg);
    buf_puts(b, ", ");
    json_location(g, b);
    buf_putc(b, '}');
  }
  buf_puts(b, "], \"hints\": [");
  n = 0;
  for (const tj_diag *g = first; g && g->level >= DIAG_NOTE; g = g->next) {
    if (g->level != DIAG_HINT) continue;
    if (n++) buf_puts(b, ", ");
    json_str(b, g->msg);
  }
  buf_putc(b, ']');
}

void diag_render_json(const diag_list *d, tj_buf *b) {
  const tj_diag *g = d->head;
  while (g && g->level != DIAG_ERROR) g = g->next;
  if (!g) {
    buf_puts(b, "null");
    return;
  }
  const char *kind;
  const char *msg = diag_split_kind(g, &kind);
  buf_puts(b, "{\"kind\": ");
  json_str(b, kind);
  buf_puts(b, ", \"message\": ");
  json_str(b, msg);
  buf_puts(b, ", ");
  json_location(g, b);
  json_followers(g->next, b);
  buf_putc(b, '}');
}

int diag_count(const diag_list *d) {
  int n = 0;
  for (const tj_diag *g = d->head; g; g = g->next) n++;
  return n;
}

static const tj_severity severities[] = {
    [DIAG_ERROR] = TJ_SEVERITY_ERROR, [DIAG_WARNING] = TJ_SEVERITY_WARNING,
    [DIAG_NOTE] = TJ_SEVERITY_NOTE, [DIAG_HINT] = TJ_SEVERITY_HINT};

bool diag_get(const diag_list *d, int i, tj_diagnostic *out) {
  if (i < 0) return false;
  const tj_diag *g = d->head, *lead = NULL; /* lead: the error or warning g follows */
  for (; g && i > 0; g = g->next, i--)
    if (g->level <= DIAG_WARNING) lead = g;
  if (!g) return false;
  if (g->level <= DIAG_WARNING || !lead) lead = g;
  const char *kind, *msg = g->msg;
  if (lead == g) msg = diag_split_kind(g, &kind);
  else diag_split_kind(lead, &kind); /* a note or hint: its error's kind, its message whole (as JSON's notes) */
  uint32_t line = 0, col = 0;
  if (g->src) source_position(g->src, g->span.start, &line, &col);
  *out = (tj_diagnostic){.severity = severities[g->level], .kind = kind, .message = msg,
                         .file = g->src ? g->src->name : NULL, .line = (int)line, .column = (int)col};
  return true;
}

/* GitHub's escapes: % CR LF in the message; also : and , in a property. */
static void gh_escape(tj_buf *b, const char *s, size_t n, bool property) {
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '%') buf_puts(b, "%25");
    else if (c == '\r') buf_puts(b, "%0D");
    else if (c == '\n') buf_puts(b, "%0A");
    else if (property && c == ':') buf_puts(b, "%3A");
    else if (property && c == ',') buf_puts(b, "%2C");
    else buf_putc(b, c);
  }
}

void diag_github_command(tj_buf *b, const char *level, const char *file, uint32_t line, uint32_t col,
                         const char *msg, size_t len) {
  buf_printf(b, "::%s", level);
  if (file) {
    buf_puts(b, " file=");
    gh_escape(b, file, strlen(file), true);
    if (line) buf_printf(b, ",line=%u,col=%u", line, col);
  }
  buf_puts(b, "::");
  gh_escape(b, msg, len, false);
  buf_putc(b, '\n');
}

/* The message of one annotation: the error as the text form words it,
 * then its notes and hints, a line each. */
static void gh_message(const tj_diag *g, tj_buf *m) {
  buf_puts(m, g->msg);
  for (const tj_diag *f = g->next; f && f->level >= DIAG_NOTE; f = f->next) {
    buf_putc(m, '\n');
    if (f->src) {
      uint32_t line, col;
      source_position(f->src, f->span.start, &line, &col);
      buf_printf(m, "%s:%u:%u: ", f->src->name, line, col);
    }
    buf_printf(m, "%s: %s", f->level == DIAG_NOTE ? "note" : "hint", f->msg);
  }
}

void diag_render_github(const diag_list *d, tj_buf *b) {
  for (const tj_diag *g = d->head; g; g = g->next) {
    if (g->level != DIAG_ERROR && g->level != DIAG_WARNING) continue;
    uint32_t line = 0, col = 0;
    tj_buf m = {0};
    if (g->src) source_position(g->src, g->span.start, &line, &col);
    gh_message(g, &m);
    diag_github_command(b, g->level == DIAG_ERROR ? "error" : "warning", g->src ? g->src->name : NULL, line, col,
                        m.data, m.len);
    buf_free(&m);
  }
}
