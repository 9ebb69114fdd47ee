/* The explain-recompile report as SARIF results (tj_sarif_add_explain;
 * the rules are lib/base/sarif_rules.def's "recompile/..." rows): what the
 * GitHub form annotates, each finding a result of its own at the place it
 * is about, so code scanning can track it. */
#include "explain.h"
#include "sarif.h"

/* A call or the what-if: "call 1: compile: never seen signature; closest
 * seen signature (call 0) has 1 mismatch: static argument 'scale': now 3.0
 * and before 2.0", at the call in the spec. */
static void add_call(tj_sarif *s, const tj_explain_report *r, const explain_call *c, const char *label, int rule) {
  tj_buf m = {0};
  uint32_t line, col;
  explain_call_pos(c, &line, &col);
  buf_printf(&m, "%s: ", label);
  explain_put_outcome(r, c, &m);
  if (c->compiled && c->closest >= 0) explain_put_mismatches(r, c, ": ", "; ", false, &m);
  sarif_place at = {.file = c->json->src->name, .line = line, .column = col};
  sarif_result(s, rule, SARIF_LEVEL_NOTE, m.data, at);
  buf_free(&m);
}

/* The rule of an argument's class (a traced argument's: the compilations
 * its avals caused). */
static int arg_rule(const explain_arg *a) {
  static const int by_class[] = {[ARG_TRACED] = SR_TRACED_CAUSED, [ARG_STRUCTURAL] = SR_STATIC_STRUCTURAL,
                                 [ARG_CONSTANT] = SR_STATIC_CONSTANT, [ARG_UNUSED] = SR_STATIC_UNUSED,
                                 [ARG_ONE_VALUE] = SR_STATIC_STRUCTURAL, /* silent: never asked */ [ARG_NEEDS_TRACE] = SR_STATIC_UNCLASSIFIED};
  return by_class[a->cls];
}

/* An argument worth a result: a warning or a note at its parameter in the
 * source, or (not classified) at the failed trace's error, as the GitHub
 * form places it. */
static void add_arg(tj_sarif *s, const tj_explain_report *r, const explain_arg *a) {
  tj_buf m = {0};
  explain_put_arg_text(r, a, &m);
  sarif_place at = sarif_place_of(&r->spec->code, r->binder.entry->params[a->param].name_span);
  const tj_diag *err = a->cls == ARG_NEEDS_TRACE && a->error_sig >= 0 ? r->sigs[a->error_sig].error : NULL;
  if (err) buf_printf(&m, ": %s", err->msg);
  if (err && err->src) at = sarif_place_of(err->src, err->span);
  sarif_result(s, arg_rule(a), explain_arg_warns(a) ? SARIF_LEVEL_WARNING : SARIF_LEVEL_NOTE, m.data, at);
  buf_free(&m);
}

void tj_sarif_add_explain(tj_sarif *s, const tj_explain_report *r) {
  for (int c = 0; c < r->ncalls; c++) {
    char label[32];
    snprintf(label, sizeof label, "call %d", c);
    if (r->calls[c].compiled) add_call(s, r, &r->calls[c], label, SR_COMPILATION);
  }
  if (r->has_what_if) {
    tj_buf label = {0};
    buf_printf(&label, "what-if: call %d with %s", r->what_if_base, r->what_if_text);
    add_call(s, r, &r->what_if, label.data, SR_WHAT_IF);
    buf_free(&label);
  }
  for (int p = 0; p < r->nargs; p++)
    if (!explain_arg_silent(&r->args[p])) add_arg(s, r, &r->args[p]);
  if (tj_explain_status(r) != TJ_OK) sarif_add_diags(s, &r->ctx->diags, r->spec->file.name);
}
