/* SARIF 2.1.0 logs (tjit.h's tj_sarif): results accumulated from any
 * number of specs' diagnostics and explain-recompile reports into one
 * run of tool "tjit", written as one JSON document. The rules are
 * sarif_rules.def's, each result's ruleId one of them. This header is
 * what the writers of results share (lib/api.c's diagnostics,
 * lib/cache/explain_sarif.c's reports). */
#ifndef TJ_SARIF_H
#define TJ_SARIF_H
#include "diag.h"
#include "tjit.h"
#include "util.h"

typedef enum {
#define SARIF_RULE(e, id, name, level, text) e,
#include "sarif_rules.def"
#undef SARIF_RULE
  SARIF_NRULES
} sarif_rule;

typedef enum { SARIF_LEVEL_ERROR, SARIF_LEVEL_WARNING, SARIF_LEVEL_NOTE } sarif_level;

/* Where a result points: a file and a 1-based line and column (columns
 * count Unicode code points, the run's columnKind); line 0: the file
 * alone; file NULL: nowhere. end_line 0: no end. */
typedef struct sarif_place {
  const char *file;
  uint32_t line, column, end_line, end_column;
} sarif_place;

/* The place of a span of a source (the span's end too when it is not
 * empty); src NULL: nowhere. */
sarif_place sarif_place_of(const tj_source *src, tj_span span);

/* Adds a result of rule r (a rule index, sarif_rule or a JAX error's,
 * sarif_rule_for_kind) at place, its message text (may hold newlines). */
void sarif_result(tj_sarif *s, int rule, sarif_level level, const char *message, sarif_place place);
/* The same with related locations (notes that point at places of their
 * own): n of them, each a place and a message. */
void sarif_result_related(tj_sarif *s, int rule, sarif_level level, const char *message, sarif_place place,
                          const sarif_place *related, const char *const *related_messages, int n);
/* The rule of a diagnostic kind, as tjit's JSON errors name it ("spec",
 * "TypeError"); a JAX error name not in the table gets a rule of its own
 * in s, made on first use. */
int sarif_rule_for_kind(tj_sarif *s, const char *kind);
/* Adds every error and warning of d as a result, with its notes and hints
 * as lines of its message (and the notes that have a place as related
 * locations); one without a place points at file (NULL: nowhere). */
void sarif_add_diags(tj_sarif *s, const diag_list *d, const char *file);

#endif
