/* SARIF 2.1.0 logs (sarif.h, tjit.h's tj_sarif): the rules of
 * sarif_rules.def, results accumulated as JSON text, and the document
 * around them. The shape follows the OASIS schema (sarif-schema-2.1.0.json,
 * a copy in tests/schemas, which tests/cli/96-schemas.bats validates
 * against): one run, tool.driver "tjit" with its rules, results with a
 * ruleId and ruleIndex, a level, a message and at most one location. */
#include "sarif.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static const struct {
  const char *id, *name, *level, *text;
} rules[] = {
#define SARIF_RULE(e, id, name, level, text) [e] = {id, name, level, text},
#include "sarif_rules.def"
#undef SARIF_RULE
};

/* The prefix of a diagnostic rule's id before its kind. */
#define DIAG_RULE_PREFIX "diagnostic/"

struct tj_sarif {
  tj_buf results;          /* the results' JSON objects, ",\n" between them */
  int nresults;
  char **extra;            /* JAX error names without a row, rule SARIF_NRULES + i */
  int nextra, capextra;
};

tj_sarif *tj_sarif_new(void) {
  tj_sarif *s = calloc(1, sizeof *s);
  if (!s) TJ_OOM();
  return s;
}

void tj_sarif_free(tj_sarif *s) {
  if (!s) return;
  buf_free(&s->results);
  for (int i = 0; i < s->nextra; i++) free(s->extra[i]);
  free(s->extra);
  free(s);
}

int tj_sarif_result_count(const tj_sarif *s) { return s->nresults; }

static void json_str(tj_buf *b, const char *s) { buf_put_json_string(b, s, strlen(s)); }

int sarif_rule_for_kind(tj_sarif *s, const char *kind) {
  size_t n = strlen(DIAG_RULE_PREFIX);
  for (int r = 0; r < SARIF_NRULES; r++)
    if (strncmp(rules[r].id, DIAG_RULE_PREFIX, n) == 0 && strcmp(rules[r].id + n, kind) == 0) return r;
  for (int i = 0; i < s->nextra; i++)
    if (strcmp(s->extra[i], kind) == 0) return SARIF_NRULES + i;
  if (s->nextra == s->capextra) {
    s->capextra = s->capextra ? 2 * s->capextra : 4;
    s->extra = realloc(s->extra, (size_t)s->capextra * sizeof *s->extra);
    if (!s->extra) TJ_OOM();
  }
  if (!(s->extra[s->nextra] = strdup(kind))) TJ_OOM();
  return SARIF_NRULES + s->nextra++;
}

/* A path as a URI reference (RFC 3986): relative paths stay relative (to
 * the directory tjit ran in, where code scanning resolves them against
 * the checkout), without a leading "./"; absolute ones become file:///
 * URIs. Every byte but the unreserved ones, '/' and a few sub-delims is
 * percent-encoded: ':' too, lest a relative path's first segment read as
 * a scheme. */
static void put_uri(tj_buf *b, const char *path) {
  tj_buf u = {0};
  static const char keep[] = "-._~/!$&'()*+,;=@";
  while (path[0] == '.' && path[1] == '/') path += 2;
  if (path[0] == '/') buf_puts(&u, "file://");
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr(keep, *p))
      buf_putc(&u, (char)*p);
    else
      buf_printf(&u, "%%%02X", *p);
  }
  json_str(b, u.data ? u.data : "");
  buf_free(&u);
}

/* {"physicalLocation": {"artifactLocation": {"uri": ...}, "region": ...}} */
static void put_location(tj_buf *b, const sarif_place *p) {
  buf_puts(b, "{\"physicalLocation\": {\"artifactLocation\": {\"uri\": ");
  put_uri(b, p->file);
  buf_putc(b, '}');
  if (p->line) {
    buf_printf(b, ", \"region\": {\"startLine\": %u, \"startColumn\": %u", p->line, p->column ? p->column : 1);
    if (p->end_line) buf_printf(b, ", \"endLine\": %u, \"endColumn\": %u", p->end_line, p->end_column);
    buf_putc(b, '}');
  }
  buf_puts(b, "}}");
}

sarif_place sarif_place_of(const tj_source *src, tj_span span) {
  sarif_place p = {0};
  if (!src) return p;
  p.file = src->name;
  source_position(src, span.start, &p.line, &p.column);
  if (span.end > span.start && span.end <= src->len) {
    source_position(src, span.end, &p.end_line, &p.end_column);
    if (p.end_line < p.line || (p.end_line == p.line && p.end_column <= p.column)) p.end_line = 0;
  }
  return p;
}

static const char *const level_words[] = {
    [SARIF_LEVEL_ERROR] = "error", [SARIF_LEVEL_WARNING] = "warning", [SARIF_LEVEL_NOTE] = "note"};

void sarif_result_related(tj_sarif *s, int rule, sarif_level level, const char *message, sarif_place place,
                          const sarif_place *related, const char *const *related_messages, int n) {
  tj_buf *b = &s->results;
  const char *id = rule < SARIF_NRULES ? rules[rule].id : NULL;
  if (s->nresults++) buf_puts(b, ",\n        ");
  buf_puts(b, "{\"ruleId\": ");
  if (id) json_str(b, id);
  else {
    tj_buf extra = {0};
    buf_printf(&extra, DIAG_RULE_PREFIX "%s", s->extra[rule - SARIF_NRULES]);
    json_str(b, extra.data);
    buf_free(&extra);
  }
  buf_printf(b, ", \"ruleIndex\": %d, \"level\": \"%s\", \"message\": {\"text\": ", rule, level_words[level]);
  json_str(b, message);
  buf_puts(b, "}, \"locations\": [");
  if (place.file) put_location(b, &place);
  buf_putc(b, ']');
  int shown = 0;
  for (int i = 0; i < n; i++) {
    if (!related[i].file) continue;
    buf_puts(b, shown ? ", " : ", \"relatedLocations\": [");
    /* put_location's object with an id and a message before its end */
    buf_printf(b, "{\"id\": %d, \"message\": {\"text\": ", shown++);
    json_str(b, related_messages[i]);
    buf_puts(b, "}, ");
    tj_buf loc = {0};
    put_location(&loc, &related[i]);
    buf_putn(b, loc.data + 1, loc.len - 1); /* without its '{' */
    buf_free(&loc);
  }
  if (shown) buf_putc(b, ']');
  buf_putc(b, '}');
}

void sarif_result(tj_sarif *s, int rule, sarif_level level, const char *message, sarif_place place) {
  sarif_result_related(s, rule, level, message, place, NULL, NULL, 0);
}

/* Related locations kept per result; notes past them are message lines only. */
#define SARIF_MAX_RELATED 16

/* One error or warning g: its message as the text form words it, then a
 * line per note and hint (as GitHub annotations do); the notes with a
 * place are related locations too. */
static void add_diag(tj_sarif *s, const tj_diag *g, const char *file) {
  const char *kind;
  tj_buf m = {0};
  sarif_place related[SARIF_MAX_RELATED];
  const char *related_messages[SARIF_MAX_RELATED];
  int n = 0;
  diag_split_kind(g, &kind);
  buf_puts(&m, g->msg);
  for (const tj_diag *f = g->next; f && f->level >= DIAG_NOTE; f = f->next) {
    buf_printf(&m, "\n%s: %s", f->level == DIAG_NOTE ? "note" : "hint", f->msg);
    if (f->level == DIAG_NOTE && f->src && n < SARIF_MAX_RELATED) {
      related[n] = sarif_place_of(f->src, f->span);
      related_messages[n++] = f->msg;
    }
  }
  sarif_place at = g->src ? sarif_place_of(g->src, g->span) : (sarif_place){.file = file};
  sarif_result_related(s, sarif_rule_for_kind(s, kind), g->level == DIAG_ERROR ? SARIF_LEVEL_ERROR : SARIF_LEVEL_WARNING,
                       m.data, at, related, related_messages, n);
  buf_free(&m);
}

void sarif_add_diags(tj_sarif *s, const diag_list *d, const char *file) {
  for (const tj_diag *g = d->head; g; g = g->next)
    if (g->level == DIAG_ERROR || g->level == DIAG_WARNING) add_diag(s, g, file);
}

/* ---- logs of other processes (tj_sarif_add_log) ---- */

/* The rule of this log whose id is id; -1: none of tjit's. */
static int rule_of_id(tj_sarif *s, const char *id) {
  size_t n = strlen(DIAG_RULE_PREFIX);
  for (int r = 0; r < SARIF_NRULES; r++)
    if (strcmp(rules[r].id, id) == 0) return r;
  return strncmp(id, DIAG_RULE_PREFIX, n) == 0 && id[n] ? sarif_rule_for_kind(s, id + n) : -1;
}

/* Whether id names a rule of tjit's: a row of the table, or a diagnostic
 * of a kind without one (rule_of_id adds it). */
static bool is_tjit_rule_id(const char *id) {
  size_t n = strlen(DIAG_RULE_PREFIX);
  for (int r = 0; r < SARIF_NRULES; r++)
    if (strcmp(rules[r].id, id) == 0) return true;
  return strncmp(id, DIAG_RULE_PREFIX, n) == 0 && id[n];
}

/* Every result of the array is an object with a ruleId of tjit's and a
 * numeric ruleIndex. Checked before any is added, so that a log refused
 * adds nothing (no result, no rule). */
static bool results_are_tjits(const cJSON *results) {
  const cJSON *result;
  cJSON_ArrayForEach(result, results) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(result, "ruleId");
    const cJSON *index = cJSON_GetObjectItemCaseSensitive(result, "ruleIndex");
    if (!cJSON_IsObject(result) || !cJSON_IsString(id) || !is_tjit_rule_id(id->valuestring) || !cJSON_IsNumber(index))
      return false;
  }
  return true;
}

/* Appends each result of the array (results_are_tjits), its ruleIndex
 * this log's. */
static void add_results(tj_sarif *s, cJSON *results) {
  cJSON *result;
  cJSON_ArrayForEach(result, results) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(result, "ruleId");
    cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(result, "ruleIndex"), rule_of_id(s, id->valuestring));
    char *json = cJSON_PrintUnformatted(result);
    if (!json) TJ_OOM();
    if (s->nresults++) buf_puts(&s->results, ",\n        ");
    buf_puts(&s->results, json);
    cJSON_free(json);
  }
}

tj_status tj_sarif_add_log(tj_sarif *s, const char *text) {
  const char *p = text, *end = text + strlen(text);
  for (;;) {
    while (p < end && isspace((unsigned char)*p)) p++;
    if (p == end) return TJ_OK;
    const char *next = NULL;
    cJSON *log = cJSON_ParseWithLengthOpts(p, (size_t)(end - p), &next, 0);
    cJSON *runs = cJSON_GetObjectItemCaseSensitive(log, "runs");
    cJSON *results = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(runs, 0), "results");
    bool ok = cJSON_IsArray(runs) && cJSON_GetArraySize(runs) == 1 && cJSON_IsArray(results) &&
              results_are_tjits(results);
    if (ok) add_results(s, results);
    cJSON_Delete(log);
    if (!ok) return TJ_ERR_USAGE;
    p = next;
  }
}

/* One reportingDescriptor: id, name, shortDescription, defaultConfiguration. */
static void put_rule(tj_buf *b, const char *id, const char *name, const char *text, const char *level) {
  buf_puts(b, "{\"id\": ");
  json_str(b, id);
  buf_puts(b, ", \"name\": ");
  json_str(b, name);
  buf_puts(b, ", \"shortDescription\": {\"text\": ");
  json_str(b, text);
  buf_printf(b, "}, \"defaultConfiguration\": {\"level\": \"%s\"}}", level);
}

static void put_rules(const tj_sarif *s, tj_buf *b) {
  for (int r = 0; r < SARIF_NRULES; r++) {
    buf_puts(b, r ? ",\n            " : "\n            ");
    put_rule(b, rules[r].id, rules[r].name, rules[r].text, rules[r].level);
  }
  for (int i = 0; i < s->nextra; i++) {
    tj_buf id = {0}, text = {0};
    buf_printf(&id, DIAG_RULE_PREFIX "%s", s->extra[i]);
    buf_printf(&text, "JAX's %s", s->extra[i]);
    buf_puts(b, ",\n            ");
    put_rule(b, id.data, s->extra[i], text.data, "error");
    buf_free(&id), buf_free(&text);
  }
}

char *tj_sarif_text(const tj_sarif *s) {
  tj_buf b = {0};
  buf_puts(&b, "{\"$schema\": \"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
               "sarif-schema-2.1.0.json\",\n \"version\": \"2.1.0\",\n \"runs\": [\n  {\"tool\": {\"driver\": "
               "{\"name\": \"tjit\", \"version\": ");
  json_str(&b, TJ_VERSION);
  buf_puts(&b, ", \"semanticVersion\": ");
  json_str(&b, TJ_VERSION);
  buf_puts(&b, ",\n          \"rules\": [");
  put_rules(s, &b);
  buf_puts(&b, "]}},\n   \"columnKind\": \"unicodeCodePoints\",\n   \"results\": [");
  if (s->nresults) {
    buf_puts(&b, "\n        ");
    buf_putn(&b, s->results.data, s->results.len);
  }
  buf_puts(&b, "]}]}");
  return buf_detach(&b);
}
