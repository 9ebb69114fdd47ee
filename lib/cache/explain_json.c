/* The explain-recompile report as JSON (a stable schema, version 1) and as
 * GitHub workflow commands; both documented in tjit-explain-recompile(1). */
#include "explain.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- JSON ---- */

static void json_str(tj_buf *b, const char *s) { buf_put_json_string(b, s, strlen(s)); }

/* A string made by a put function, quoted. */
static void json_text(tj_buf *b, const tj_buf *t) { buf_put_json_string(b, t->data ? t->data : "", t->len); }

static const char *mismatch_kind(cache_mismatch_kind k) {
  static const char *names[] = {[MM_FUNCTION] = "function",         [MM_CONTEXT] = "context",
                                [MM_PASSING] = "passing",           [MM_STATIC_VALUE] = "static_value",
                                [MM_STATIC_TYPE] = "static_type",   [MM_AVAL] = "aval",
                                [MM_TREE] = "pytree",               [MM_OMITTED] = "omitted"};
  return names[k];
}

static void json_mismatches(const tj_explain_report *r, const explain_call *c, tj_buf *b) {
  int shown = c->nmismatch < EXPLAIN_MAX_SHOWN ? c->nmismatch : EXPLAIN_MAX_SHOWN;
  buf_puts(b, "[");
  for (int k = 0; k < shown; k++) {
    const cache_mismatch *m = &c->mm[k];
    tj_buf t = {0};
    cache_mismatch_text(&r->sigs[c->sig].key, &r->sigs[c->closest].key, m, &t);
    buf_printf(b, "%s{\"kind\": \"%s\", \"argument\": ", k ? ", " : "", mismatch_kind(m->kind));
    if (m->arg >= 0) json_str(b, r->sigs[c->sig].key.args[m->arg].name);
    else buf_puts(b, "null");
    buf_puts(b, ", \"text\": ");
    json_text(b, &t);
    buf_putc(b, '}');
    buf_free(&t);
  }
  buf_puts(b, "]");
}

/* The fields every call (and the what-if) has. */
static void json_call(const tj_explain_report *r, const explain_call *c, int index, tj_buf *b) {
  uint32_t line, col;
  char hex[33];
  explain_call_pos(c, &line, &col);
  cache_digest_hex(r->sigs[c->sig].key.digest, hex);
  buf_printf(b, "{\"call\": %d, \"line\": %u, \"column\": %u, \"result\": \"%s\", \"key\": \"%s\", ", index, line,
             col, c->compiled ? "compile" : "hit", hex);
  tj_buf t = {0};
  explain_put_outcome(r, c, &t);
  buf_puts(b, "\"text\": ");
  json_text(b, &t);
  buf_free(&t);
  if (!c->compiled) {
    buf_printf(b, ", \"compiled_by\": %d}", r->sigs[c->sig].first_call);
    return;
  }
  buf_printf(b, ", \"reason\": \"%s\", \"closest_call\": ", c->closest < 0 ? "first call" : "never seen signature");
  if (c->closest < 0) buf_puts(b, "null");
  else buf_printf(b, "%d", r->sigs[c->closest].first_call);
  buf_printf(b, ", \"mismatch_count\": %d, \"mismatches\": ", c->nmismatch);
  if (c->closest < 0) buf_puts(b, "[]");
  else json_mismatches(r, c, b);
  buf_printf(b, ", \"over_budget\": %s}", c->over_budget ? "true" : "false");
}

static void json_summary(const tj_explain_report *r, tj_buf *b) {
  buf_printf(b, "\"summary\": {\"calls\": %d, \"compilations\": %d, \"hits\": %d, \"max_compiles\": ", r->ncalls,
             r->ncompiles, r->ncalls - r->ncompiles);
  if (r->max_compiles < 0) buf_puts(b, "null");
  else buf_printf(b, "%ld", r->max_compiles);
  buf_printf(b, ", \"over_budget\": %s, \"over_budget_calls\": [", tj_explain_status(r) == TJ_OK ? "false" : "true");
  for (int c = 0, k = 0; c < r->ncalls; c++)
    if (r->calls[c].over_budget) buf_printf(b, "%s%d", k++ ? ", " : "", c);
  buf_puts(b, "]}");
}

/* One string field made by a put function, or null when it writes nothing. */
static void json_put_field(tj_buf *b, const char *name, const tj_buf *t) {
  buf_printf(b, ", \"%s\": ", name);
  if (t->len) json_text(b, t);
  else buf_puts(b, "null");
}

static void json_arg(const tj_explain_report *r, const explain_arg *a, tj_buf *b) {
  uint32_t line, col;
  explain_param_pos(r, a, &line, &col);
  buf_puts(b, "{\"name\": ");
  json_str(b, a->name);
  buf_printf(b, ", \"static\": %s, \"class\": \"%s\", \"line\": %u, \"column\": %u, \"distinct_values\": %d, "
             "\"values\": [", a->is_static ? "true" : "false", a->is_static ? explain_class_name(a) : "traced",
             line, col, a->nvalues);
  for (int k = 0; k < a->nshown; k++) {
    tj_buf v = {0};
    explain_put_value(r, a, k, &v);
    if (k) buf_puts(b, ", ");
    json_text(b, &v);
    buf_free(&v);
  }
  buf_printf(b, "], \"compilations_caused\": %d, \"avoidable_compilations\": ", a->caused);
  if (a->avoidable < 0) buf_puts(b, "null");
  else buf_printf(b, "%d", a->avoidable);
  buf_printf(b, ", \"shape_varies\": %s, \"dtype_varies\": %s, \"weak_type_varies\": %s",
             a->shape_varies ? "true" : "false", a->dtype_varies ? "true" : "false", a->weak_varies ? "true" : "false");
  tj_buf why = {0}, hint = {0}, err = {0};
  if (a->cls == ARG_NEEDS_TRACE) explain_put_needed_trace(r, a, &why);
  else explain_put_why(r, a, &why);
  explain_put_hint(r, a, &hint);
  if (a->cls == ARG_NEEDS_TRACE && a->error_sig >= 0) buf_puts(&err, r->sigs[a->error_sig].trace_error);
  json_put_field(b, "why", &why);
  json_put_field(b, "hint", &hint);
  json_put_field(b, "trace_error", &err);
  buf_free(&why), buf_free(&hint), buf_free(&err);
  buf_putc(b, '}');
}

char *tj_explain_json(const tj_explain_report *r) {
  tj_buf b = {0};
  buf_printf(&b, "{\"version\": %d, \"spec\": ", TJ_JSON_VERSION);
  json_str(&b, r->spec->file.name);
  buf_puts(&b, ", \"function\": ");
  json_str(&b, r->function);
  buf_puts(&b, ",\n \"calls\": [");
  for (int c = 0; c < r->ncalls; c++) {
    buf_puts(&b, c ? ",\n  " : "\n  ");
    json_call(r, &r->calls[c], c, &b);
  }
  buf_puts(&b, "],\n ");
  json_summary(r, &b);
  buf_puts(&b, ",\n \"what_if\": ");
  if (!r->has_what_if) buf_puts(&b, "null");
  else {
    buf_puts(&b, "{\"changes\": ");
    json_str(&b, r->what_if_text);
    buf_puts(&b, ", \"result\": ");
    json_call(r, &r->what_if, r->what_if_base, &b);
    buf_putc(&b, '}');
  }
  buf_puts(&b, ",\n \"arguments\": [");
  for (int p = 0; p < r->nargs; p++) {
    buf_puts(&b, p ? ",\n  " : "\n  ");
    json_arg(r, &r->args[p], &b);
  }
  buf_puts(&b, "],\n \"error\": "); /* the budget's, or null */
  if (tj_explain_status(r) != TJ_OK) diag_render_json(&r->ctx->diags, &b);
  else buf_puts(&b, "null");
  buf_puts(&b, "}");
  return buf_detach(&b);
}

/* ---- GitHub workflow commands ---- */

/* GitHub shows at most 10 annotations of each level per step: calls and
 * arguments that need no action are lines of the one summary notice;
 * warnings (arguments that cost compilations) and the budget error are
 * annotations of their own. */

static void gh_command(tj_buf *b, const char *level, const char *file, uint32_t line, uint32_t col, const tj_buf *m) {
  diag_github_command(b, level, file, line, col, m->data ? m->data : "", m->len);
}

/* "FILE:LINE:COL: call 1: compile: ...; ..." for the summary. */
static void gh_call(const tj_explain_report *r, const explain_call *c, const char *label, tj_buf *m) {
  uint32_t line, col;
  explain_call_pos(c, &line, &col);
  buf_printf(m, "\n%s:%u:%u: %s: ", c->json->src->name, line, col, label);
  explain_put_outcome(r, c, m);
  if (c->closest >= 0) explain_put_mismatches(r, c, ": ", "; ", false, m);
}

void explain_put_arg_text(const tj_explain_report *r, const explain_arg *a, tj_buf *m) {
  buf_printf(m, "%s argument '%s'", a->is_static ? "static" : "traced", a->name);
  if (a->is_static) buf_printf(m, " is %s and", explain_class_name(a));
  buf_printf(m, " caused %d compilation%s: ", a->caused, a->caused == 1 ? "" : "s");
  if (a->cls == ARG_NEEDS_TRACE) explain_put_needed_trace(r, a, m);
  else explain_put_why(r, a, m);
  tj_buf hint = {0};
  if (explain_put_hint(r, a, &hint)) buf_printf(m, "%s%s", a->cls == ARG_TRACED ? "" : "; ", hint.data);
  buf_free(&hint);
}

bool explain_arg_warns(const explain_arg *a) {
  return a->cls == ARG_CONSTANT || a->cls == ARG_NEEDS_TRACE || (a->cls == ARG_UNUSED && a->caused > 0) ||
         (a->cls == ARG_TRACED && a->caused > 0);
}
bool explain_arg_silent(const explain_arg *a) {
  return a->cls == ARG_ONE_VALUE || (a->cls == ARG_TRACED && a->caused == 0);
}

/* A warning at the parameter, or at the failed trace's own location. */
static void gh_warning(const tj_explain_report *r, const explain_arg *a, tj_buf *b) {
  uint32_t line, col;
  const char *file = r->spec->code.name;
  tj_buf m = {0};
  explain_param_pos(r, a, &line, &col);
  explain_put_arg_text(r, a, &m);
  const tj_diag *err = a->cls == ARG_NEEDS_TRACE && a->error_sig >= 0 ? r->sigs[a->error_sig].error : NULL;
  if (err && err->src) {
    buf_printf(&m, ": %s", err->msg);
    file = err->src->name;
    source_position(err->src, err->span.start, &line, &col);
  }
  gh_command(b, "warning", file, line, col, &m);
  buf_free(&m);
}

/* The one notice: the spec and its counts, then a line per compilation,
 * the what-if and each argument that needs no action. */
static void gh_summary(const tj_explain_report *r, tj_buf *b) {
  tj_buf m = {0};
  int hits = r->ncalls - r->ncompiles;
  buf_printf(&m, "%s: %d call%s, %d compilation%s, %d hit%s", r->spec->file.name, r->ncalls,
             r->ncalls == 1 ? "" : "s", r->ncompiles, r->ncompiles == 1 ? "" : "s", hits, hits == 1 ? "" : "s");
  for (int c = 0; c < r->ncalls; c++) {
    char label[32];
    snprintf(label, sizeof label, "call %d", c);
    if (r->calls[c].compiled) gh_call(r, &r->calls[c], label, &m);
  }
  if (r->has_what_if) {
    tj_buf label = {0};
    buf_printf(&label, "what-if: call %d with %s", r->what_if_base, r->what_if_text);
    gh_call(r, &r->what_if, label.data, &m);
    buf_free(&label);
  }
  for (int p = 0; p < r->nargs; p++) {
    const explain_arg *a = &r->args[p];
    uint32_t line, col;
    if (explain_arg_warns(a) || explain_arg_silent(a)) continue;
    explain_param_pos(r, a, &line, &col);
    buf_printf(&m, "\n%s:%u:%u: ", r->spec->code.name, line, col);
    explain_put_arg_text(r, a, &m);
  }
  gh_command(b, "notice", r->spec->file.name, 0, 0, &m);
  buf_free(&m);
}

char *tj_explain_github(const tj_explain_report *r) {
  tj_buf b = {0};
  for (int p = 0; p < r->nargs; p++)
    if (explain_arg_warns(&r->args[p])) gh_warning(r, &r->args[p], &b);
  if (tj_explain_status(r) != TJ_OK) diag_render_github(&r->ctx->diags, &b);
  gh_summary(r, &b);
  if (b.len && b.data[b.len - 1] == '\n') b.data[--b.len] = '\0';
  return buf_detach(&b);
}
