/* The explain-recompile report as text, and what the text, JSON and
 * GitHub forms share (the JSON and GitHub forms are in explain_json.c;
 * tjit-explain-recompile(1) documents all three). */
#include "explain.h"
#include "trace.h"

#include <stdlib.h>
#include <string.h>

#include "color.h"
#include "util.h"

static const char *plural(int n) { return n == 1 ? "" : "s"; }

/* ---- shared pieces ---- */

void explain_param_pos(const tj_explain_report *r, const explain_arg *a, uint32_t *line, uint32_t *col) {
  source_position(&r->spec->code, r->binder.entry->params[a->param].name_span.start, line, col);
}

static const cache_key *key_of(const tj_explain_report *r, int sig) { return &r->sigs[sig].key; }

/* The mismatch lines of a compilation, each "  * TEXT" (text) or joined
 * with "; " (sep). */
void explain_put_mismatches(const tj_explain_report *r, const explain_call *c, const char *prefix, const char *sep,
                           bool hints, tj_buf *b) {
  int shown = c->nmismatch < EXPLAIN_MAX_SHOWN ? c->nmismatch : EXPLAIN_MAX_SHOWN;
  for (int k = 0; k < shown; k++) {
    const cache_key *now = key_of(r, c->sig), *before = key_of(r, c->closest);
    buf_puts(b, k ? sep : prefix);
    cache_mismatch_text(now, before, &c->mm[k], b);
    bool weak = c->mm[k].kind == MM_AVAL && now->args[c->mm[k].arg].aval.weak != before->args[c->mm[k].arg].aval.weak;
    if (weak && hints)
      buf_puts(b, "\n    hint: weak_type=True is a Python scalar (a plain JSON number), weak_type=False an array;"
                  " see https://docs.jax.dev/en/latest/type_promotion.html#weak-types");
  }
  if (c->nmismatch > shown) buf_printf(b, "%sand %d more", sep, c->nmismatch - shown);
}

/* "compile: first call" / "hit (compiled for call 0)" / "compile: never
 * seen signature; closest seen signature (call 0) has 1 mismatch:". */
void explain_put_outcome(const tj_explain_report *r, const explain_call *c, tj_buf *b) {
  if (!c->compiled) {
    buf_printf(b, "hit (compiled for call %d)", r->sigs[c->sig].first_call);
    return;
  }
  if (c->closest < 0) {
    buf_puts(b, "compile: first call");
    return;
  }
  buf_printf(b, "compile: never seen signature; closest seen signature (call %d) has %d mismatch%s",
             r->sigs[c->closest].first_call, c->nmismatch, c->nmismatch == 1 ? "" : "es");
}

const char *explain_class_name(const explain_arg *a) {
  static const char *names[] = {[ARG_TRACED] = "traced", [ARG_STRUCTURAL] = "structural",
                                [ARG_CONSTANT] = "constant", [ARG_UNUSED] = "unused",
                                [ARG_ONE_VALUE] = "one value", [ARG_NEEDS_TRACE] = "not classified"};
  return names[a->cls];
}

/* One value of an argument: repr of a static value, aval of a traced one. */
void explain_put_value(const tj_explain_report *r, const explain_arg *a, int k, tj_buf *b) {
  const cache_key_arg *v = &key_of(r, a->shown[k])->args[a->param];
  if (v->omitted) buf_puts(b, "(left out: its default)");
  else if (a->is_static) cache_static_repr(v->json, b);
  else if (v->is_tree) cache_tree_text(r->spec, v, b);
  else cache_aval_text(&v->aval, a->weak_varies, b);
}

static void put_values(const tj_explain_report *r, const explain_arg *a, const char *sep, tj_buf *b) {
  for (int k = 0; k < a->nshown; k++) {
    if (k) buf_puts(b, sep);
    explain_put_value(r, a, k, b);
  }
  if (a->nvalues > a->nshown) buf_printf(b, "%s...", sep);
}

/* What a structural argument decided in the first trace that decided
 * something with it. */
static void put_decided(const tj_explain_report *r, const explain_arg *a, tj_buf *b) {
  static const struct { uint8_t use; const char *text; } kinds[] = {
      {USE_CONTROL, "control flow (an if, a loop, ?:, && or ||)"},
      {USE_SHAPE, "a shape, an axis, an index, a dtype or a parameter of an equation"},
      {USE_CALL, "a call of a jit function (as one of its static arguments)"},
  };
  uint8_t use = r->sigs[a->decided_sig].use[a->param];
  int n = 0;
  for (size_t k = 0; k < TJ_COUNT(kinds); k++)
    if (use & kinds[k].use) buf_printf(b, "%s%s", n++ ? " and " : "", kinds[k].text);
}

static int compiled_sigs(const tj_explain_report *r) {
  int n = 0;
  for (int s = 0; s < r->nsigs; s++) n += r->sigs[s].first_call >= 0;
  return n;
}

/* Why a static argument has its class, one sentence. */
void explain_put_why(const tj_explain_report *r, const explain_arg *a, tj_buf *b) {
  int nsigs = compiled_sigs(r);
  switch (a->cls) {
  case ARG_STRUCTURAL:
    buf_printf(b, "it shapes the program: tracing call %d used it (or a value computed from it) to decide ",
               r->sigs[a->decided_sig].first_call);
    put_decided(r, a, b);
    buf_puts(b, ", so these recompilations are genuine");
    return;
  case ARG_CONSTANT:
    buf_printf(b, "it is only folded into arithmetic: the traces of the %d compiled signatures use it only as"
                  " literal values in equations", nsigs);
    return;
  case ARG_UNUSED:
    if (!a->read) buf_printf(b, "%s never reads it", r->function);
    else buf_printf(b, "the traces of the %d compiled signatures never read it", nsigs);
    buf_puts(b, a->caused ? ": every compilation it caused was wasted" : ", so each new value would recompile for nothing");
    return;
  case ARG_ONE_VALUE:
    buf_puts(b, "one value seen, so it caused no recompilation (classifying it needs calls with two values)");
    return;
  case ARG_NEEDS_TRACE:
  case ARG_TRACED: return;
  }
}

/* What to do about a traced argument whose aval varies. */
static bool put_traced_hint(const explain_arg *a, tj_buf *b) {
  size_t start = b->len;
  if (a->shape_varies) buf_printf(b, "the shape of '%s' varies: pad or bucket it to a few sizes to compile less", a->name);
  if (a->dtype_varies)
    buf_printf(b, "%sthe dtype of '%s' varies: convert it to one dtype before the call", b->len > start ? "; " : "",
               a->name);
  if (a->weak_varies)
    buf_printf(b, "%sthe weak_type of '%s' varies: pass the same kind of value each time (a plain JSON number is a"
                  " weakly typed Python scalar, a typed array is not)", b->len > start ? "; " : "", a->name);
  return b->len > start;
}

/* The hint that follows the class, if any. Making a constant traced keeps
 * the program tracing (every trace used it as literals only) when each of
 * its values is an array; otherwise there is nothing to suggest. */
bool explain_put_hint(const tj_explain_report *r, const explain_arg *a, tj_buf *b) {
  if (a->cls == ARG_CONSTANT && a->avoidable >= 0)
    buf_printf(b, "make '%s' traced (not static): that would have avoided %d of the %d compilations", a->name,
               a->avoidable, r->ncompiles);
  else if (a->cls == ARG_UNUSED && a->avoidable > 0)
    buf_printf(b, "drop '%s' or keep its value fixed: that would have avoided %d of the %d compilations", a->name,
               a->avoidable, r->ncompiles);
  else if (a->cls == ARG_TRACED) return put_traced_hint(a, b);
  else return false;
  return true;
}

/* Which trace the classification needed. */
void explain_put_needed_trace(const tj_explain_report *r, const explain_arg *a, tj_buf *b) {
  const explain_sig *s = a->error_sig >= 0 ? &r->sigs[a->error_sig] : NULL;
  if (s && s->trace_error)
    buf_printf(b, "classifying it needs a trace, and tracing call %d failed", s->first_call);
  else if (r->trace_work >= EXPLAIN_MAX_TRACE_WORK)
    buf_printf(b, "classifying it needs more tracing than the analysis does (limit is %llu equations and "
               "statements in all)", (unsigned long long)EXPLAIN_MAX_TRACE_WORK);
  else
    buf_printf(b, "classifying it needs more traces than the analysis makes (limit is %d)", EXPLAIN_MAX_TRACES);
}

/* ---- text ---- */

/* "file:line:col: " with the locus in colour. */
static void put_locus(tj_buf *b, const tj_colors *colors, const char *file, uint32_t line, uint32_t col) {
  const char *sgr = COLOR_OF(colors, locus);
  color_start(b, sgr);
  buf_printf(b, "%s:%u:%u:", file, line, col);
  color_stop(b, sgr);
  buf_putc(b, ' ');
}

/* text (a line or more of the report) with its quoted names in colour, and
 * its first word too when that is one the colours name: "compile" (the
 * warning colour), "hit" (hit's). */
static void put_colored(tj_buf *b, const tj_colors *colors, const char *text) {
  static const char *const words[] = {"compile", "hit"};
  const char *sgr[] = {COLOR_OF(colors, warning), COLOR_OF(colors, hit)};
  for (size_t k = 0; k < TJ_COUNT(words); k++) {
    size_t n = strlen(words[k]);
    if (strncmp(text, words[k], n) == 0 && (text[n] == ':' || text[n] == ' ')) {
      color_putn(b, sgr[k], text, n);
      text += n;
      break;
    }
  }
  color_put_message(b, COLOR_OF(colors, quote), text);
}

/* "hint: TEXT" after indent, "hint:" in the note colour as the
 * diagnostics' own hints. */
static void put_hint_line(tj_buf *b, const tj_colors *colors, const char *indent, const char *text) {
  buf_puts(b, indent);
  color_puts(b, COLOR_OF(colors, note), "hint:");
  buf_putc(b, ' ');
  color_put_message(b, COLOR_OF(colors, quote), text);
  buf_putc(b, '\n');
}

static void text_call(const tj_explain_report *r, const explain_call *c, const char *label, const tj_colors *colors,
                      tj_buf *b) {
  uint32_t line, col;
  explain_call_pos(c, &line, &col);
  put_locus(b, colors, c->json->src->name, line, col);
  buf_printf(b, "%s: ", label);
  tj_buf outcome = {0};
  explain_put_outcome(r, c, &outcome);
  if (c->compiled && c->closest >= 0) explain_put_mismatches(r, c, ":\n  * ", "\n  * ", true, &outcome);
  if (!colors) buf_putn(b, outcome.data, outcome.len); /* the plain text, byte for byte */
  else for (const char *p = outcome.data; *p;) { /* line by line: a hint's line gets its colour */
    const char *nl = strchr(p, '\n');
    char *one = strndup(p, nl ? (size_t)(nl - p) : strlen(p));
    if (!one) TJ_OOM();
    if (strncmp(one, "    hint: ", 10) == 0) put_hint_line(b, colors, "    ", one + 10);
    else {
      bool item = strncmp(one, "  * ", 4) == 0; /* a mismatch: "  * static argument 'n': ..." */
      if (item) buf_puts(b, "  * ");
      put_colored(b, colors, item ? one + 4 : one);
      if (nl) buf_putc(b, '\n');
    }
    free(one);
    p = nl ? nl + 1 : p + strlen(p);
  }
  buf_free(&outcome);
  if (!b->len || b->data[b->len - 1] != '\n') buf_putc(b, '\n');
}

static void put_indented(const char *text, const char *indent, tj_buf *b) {
  for (const char *p = text; *p;) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    buf_puts(b, indent);
    buf_putn(b, p, n);
    buf_putc(b, '\n');
    p += n + (nl != NULL);
  }
}

/* The colour of a static argument's class: hit's for structural (its
 * compilations are genuine), the warning colour for constant and unused
 * (theirs could be avoided), none for the rest. */
static const char *class_color(const explain_arg *a, const tj_colors *colors) {
  if (a->cls == ARG_STRUCTURAL) return COLOR_OF(colors, hit);
  if (a->cls == ARG_CONSTANT || a->cls == ARG_UNUSED) return COLOR_OF(colors, warning);
  return NULL;
}

static void text_arg(const tj_explain_report *r, const explain_arg *a, const tj_colors *colors, tj_buf *b) {
  uint32_t line, col;
  explain_param_pos(r, a, &line, &col);
  put_locus(b, colors, r->spec->code.name, line, col);
  buf_printf(b, "%s argument '", a->is_static ? "static" : "traced");
  color_puts(b, COLOR_OF(colors, quote), a->name);
  buf_puts(b, "': ");
  if (a->is_static) {
    color_puts(b, class_color(a, colors), explain_class_name(a));
    buf_printf(b, ": %d value%s (", a->nvalues, plural(a->nvalues));
  } else if (a->nvalues > 1) buf_printf(b, "%d avals (", a->nvalues);
  put_values(r, a, ", ", b);
  if (a->is_static || a->nvalues > 1) buf_putc(b, ')');
  else buf_puts(b, " in every call");
  if (a->caused) buf_printf(b, ", caused %d compilation%s\n", a->caused, plural(a->caused));
  else buf_puts(b, ", caused no compilation\n");
  tj_buf why = {0};
  if (a->cls == ARG_NEEDS_TRACE) explain_put_needed_trace(r, a, &why);
  else explain_put_why(r, a, &why);
  if (why.len) {
    buf_puts(b, "  ");
    color_put_message(b, COLOR_OF(colors, quote), why.data);
    buf_puts(b, a->cls == ARG_NEEDS_TRACE && a->error_sig >= 0 ? ":\n" : "\n");
  }
  buf_free(&why);
  if (a->cls == ARG_NEEDS_TRACE && a->error_sig >= 0) put_indented(r->sigs[a->error_sig].trace_error, "    ", b);
  tj_buf hint = {0};
  if (explain_put_hint(r, a, &hint)) put_hint_line(b, colors, "  ", hint.data);
  buf_free(&hint);
}

char *tj_explain_text_color(const tj_explain_report *r, const tj_colors *colors) {
  tj_buf b = {0};
  for (int c = 0; c < r->ncalls; c++) {
    char label[32];
    snprintf(label, sizeof label, "call %d", c);
    text_call(r, &r->calls[c], label, colors, &b);
  }
  if (r->has_what_if) {
    tj_buf label = {0};
    buf_printf(&label, "what-if: call %d with %s", r->what_if_base, r->what_if_text);
    text_call(r, &r->what_if, label.data, colors, &b);
    buf_free(&label);
  }
  buf_printf(&b, "%d call%s, %d compilation%s, %d hit%s\n", r->ncalls, plural(r->ncalls), r->ncompiles,
             plural(r->ncompiles), r->ncalls - r->ncompiles, plural(r->ncalls - r->ncompiles));
  if (r->nargs) buf_putc(&b, '\n');
  for (int p = 0; p < r->nargs; p++) text_arg(r, &r->args[p], colors, &b);
  if (b.len && b.data[b.len - 1] == '\n') b.data[--b.len] = '\0';
  return buf_detach(&b);
}

char *tj_explain_text(const tj_explain_report *r) { return tj_explain_text_color(r, NULL); }
