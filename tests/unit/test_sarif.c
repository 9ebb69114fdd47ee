/* SARIF logs through the public API (tj_sarif, lib/base/sarif.c): the
 * rules, results of several specs gathered into one log, explain reports
 * beside diagnostics, a JAX error name without a row, URIs and escapes.
 * Each log is read back with cJSON; tests/cli/96-schemas.bats validates
 * the logs against OASIS's schema. */
#include "harness.h"
#include "sarif.h"
#include "tjit.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

/* The log as cJSON (the caller deletes it), or NULL when it is no JSON. */
static cJSON *log_json(const tj_sarif *s) {
  char *text = tj_sarif_text(s);
  cJSON *root = cJSON_Parse(text);
  free(text);
  return root;
}

static cJSON *run0(cJSON *root) { return cJSON_GetArrayItem(cJSON_GetObjectItem(root, "runs"), 0); }
static cJSON *results(cJSON *root) { return cJSON_GetObjectItem(run0(root), "results"); }
static cJSON *rules(cJSON *root) {
  return cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(run0(root), "tool"), "driver"), "rules");
}
static const char *str_at(cJSON *o, const char *a, const char *b) {
  cJSON *x = cJSON_GetObjectItem(o, a);
  if (b) x = cJSON_GetObjectItem(x, b);
  return cJSON_IsString(x) ? x->valuestring : NULL;
}
/* Result i's location: its uri, start line and column (0 when absent). */
static const char *uri_of(cJSON *result, int *line, int *col) {
  cJSON *loc = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(result, "locations"), 0), "physicalLocation");
  cJSON *region = cJSON_GetObjectItem(loc, "region");
  *line = cJSON_GetObjectItem(region, "startLine") ? cJSON_GetObjectItem(region, "startLine")->valueint : 0;
  *col = cJSON_GetObjectItem(region, "startColumn") ? cJSON_GetObjectItem(region, "startColumn")->valueint : 0;
  return str_at(cJSON_GetObjectItem(loc, "artifactLocation"), "uri", NULL);
}

/* Every result's ruleIndex names the rule whose id is its ruleId. */
static int rules_agree(cJSON *root) {
  cJSON *r;
  cJSON_ArrayForEach(r, results(root)) {
    cJSON *rule = cJSON_GetArrayItem(rules(root), cJSON_GetObjectItem(r, "ruleIndex")->valueint);
    if (!rule || strcmp(str_at(rule, "id", NULL), str_at(r, "ruleId", NULL)) != 0) return 0;
  }
  return 1;
}

static void test_empty_log(void) {
  tj_sarif *s = tj_sarif_new();
  cJSON *root = log_json(s);
  CHECK(root != NULL);
  CHECK_STR(str_at(root, "version", NULL), "2.1.0");
  cJSON *driver = cJSON_GetObjectItem(cJSON_GetObjectItem(run0(root), "tool"), "driver");
  CHECK_STR(str_at(driver, "name", NULL), "tjit");
  CHECK_STR(str_at(driver, "version", NULL), tj_version());
  CHECK(cJSON_GetArraySize(results(root)) == 0);
  CHECK(tj_sarif_result_count(s) == 0);
  CHECK(cJSON_GetArraySize(rules(root)) == SARIF_NRULES);
  /* ids unique, each with a name and a short description */
  int n = cJSON_GetArraySize(rules(root)), unique = 1, described = 1;
  for (int i = 0; i < n; i++) {
    cJSON *a = cJSON_GetArrayItem(rules(root), i);
    described &= str_at(a, "name", NULL) && str_at(a, "shortDescription", "text") && !cJSON_GetObjectItem(a, "helpUri");
    for (int j = 0; j < i; j++)
      unique &= strcmp(str_at(a, "id", NULL), str_at(cJSON_GetArrayItem(rules(root), j), "id", NULL)) != 0;
  }
  CHECK(unique);
  CHECK(described);
  CHECK_STR(str_at(cJSON_GetArrayItem(rules(root), SR_STATIC_CONSTANT), "id", NULL), "recompile/static-constant");
  cJSON_Delete(root);
  tj_sarif_free(s);
}

/* Loads and traces spec text under a name; the context keeps its error. */
static tj_ctx *failed_trace(const char *name, const char *text) {
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec = NULL;
  tj_jaxpr *j = NULL;
  if (tj_spec_load(ctx, name, text, strlen(text), &spec) == TJ_OK) tj_trace(ctx, spec, NULL, &j);
  tj_jaxpr_free(j);
  return ctx;
}

static const char bool_spec[] = "{\"source\": \"float f(float x) { if (x > 0) return x; return -x; }\", \"args\": [1.0]}";
static const char syntax_spec[] = "{\"source\": \"float f(float x) { return x +; }\", \"args\": [1.0]}";

static void test_two_specs_one_log(void) {
  tj_ctx *a = failed_trace("a.json", bool_spec), *b = failed_trace("sub/b.json", syntax_spec);
  tj_sarif *s = tj_sarif_new();
  tj_sarif_add_diagnostics(s, a, "a.json");
  tj_sarif_add_diagnostics(s, b, NULL);
  tj_ctx_free(a); /* the log keeps no pointer to what was added */
  tj_ctx_free(b);
  CHECK(tj_sarif_result_count(s) == 2);
  cJSON *root = log_json(s);
  CHECK(root && rules_agree(root));
  cJSON *r0 = cJSON_GetArrayItem(results(root), 0), *r1 = cJSON_GetArrayItem(results(root), 1);
  int line, col;
  CHECK_STR(str_at(r0, "ruleId", NULL), "diagnostic/TracerBoolConversionError");
  CHECK_STR(str_at(r0, "level", NULL), "error");
  CHECK_STR(uri_of(r0, &line, &col), "a.json");
  CHECK(line == 1 && col == 36);
  CHECK_STR(str_at(r1, "ruleId", NULL), "diagnostic/syntax");
  CHECK_STR(uri_of(r1, &line, &col), "sub/b.json");
  CHECK(line == 1 && col == 42);
  CHECK(strstr(str_at(r0, "message", "text"), "\nhint: ") != NULL);
  cJSON_Delete(root);
  tj_sarif_free(s);
}

static void test_explain_and_diagnostics(void) {
  static const char spec_text[] =
      "{\"source\": \"float f(float x, static float k, static int unused) { return x * k; }\","
      " \"calls\": [{\"x\": 1.0, \"k\": 2.0, \"unused\": 0}, {\"x\": 1.0, \"k\": 3.0, \"unused\": 0},"
      " {\"x\": 1.0, \"k\": 3.0, \"unused\": 1}]}";
  tj_ctx *ctx = tj_ctx_new(), *other = failed_trace("c.json", bool_spec);
  tj_spec *spec = NULL;
  tj_explain_report *r = NULL;
  tj_explain_opts o = tj_explain_defaults();
  o.max_compiles = 2;
  CHECK(tj_spec_load(ctx, "e.json", spec_text, strlen(spec_text), &spec) == TJ_OK);
  CHECK(tj_explain(ctx, spec, &o, &r) == TJ_OK);
  tj_sarif *s = tj_sarif_new();
  tj_sarif_add_explain(s, r);
  tj_sarif_add_diagnostics(s, other, "c.json");
  cJSON *root = log_json(s);
  CHECK(root && rules_agree(root));
  /* 3 compilations, k constant, unused unused, the budget's error, then c.json's */
  const char *want[] = {"recompile/compilation", "recompile/compilation", "recompile/compilation",
                        "recompile/static-constant", "recompile/static-unused", "diagnostic/budget",
                        "diagnostic/TracerBoolConversionError"};
  int n = cJSON_GetArraySize(results(root));
  CHECK(n == 7);
  CHECK(tj_sarif_result_count(s) == n);
  for (int i = 0; i < n && i < 7; i++) CHECK_STR(str_at(cJSON_GetArrayItem(results(root), i), "ruleId", NULL), want[i]);
  int line, col;
  cJSON *k = cJSON_GetArrayItem(results(root), 3);
  CHECK_STR(str_at(k, "level", NULL), "warning");
  CHECK_STR(uri_of(k, &line, &col), "e.json");
  CHECK(line == 1 && col == 43); /* the parameter k in the inline source, as the text report says */
  CHECK_STR(uri_of(cJSON_GetArrayItem(results(root), 1), &line, &col), "e.json");
  CHECK(line == 1 && col > 100); /* calls[1] */
  cJSON_Delete(root);
  tj_sarif_free(s);
  tj_explain_free(r);
  tj_ctx_free(ctx);
  tj_ctx_free(other);
}

static void test_unlisted_error_name_and_escapes(void) {
  tj_ctx *ctx = tj_ctx_new();
  tj_add_error(ctx, TJ_ERR_PROGRAM, "FooBarError: a \"quoted\" word,\ta tab\nand \x01 and \xff bytes");
  tj_add_error(ctx, TJ_ERR_PROGRAM, "FooBarError: again");
  tj_add_error(ctx, TJ_ERR_USAGE, "a usage error");
  tj_sarif *s = tj_sarif_new();
  tj_sarif_add_diagnostics(s, ctx, NULL);
  tj_sarif_add_diagnostics(s, ctx, "given.json"); /* no location of their own: the file given */
  cJSON *root = log_json(s);
  CHECK(root && rules_agree(root));
  CHECK(tj_sarif_result_count(s) == 6);
  int line = -1, col = -1;
  CHECK_STR(uri_of(cJSON_GetArrayItem(results(root), 5), &line, &col), "given.json");
  CHECK(line == 0 && col == 0);
  CHECK(cJSON_GetArraySize(rules(root)) == SARIF_NRULES + 1); /* one new rule, used 4 times */
  cJSON *r0 = cJSON_GetArrayItem(results(root), 0);
  CHECK_STR(str_at(r0, "ruleId", NULL), "diagnostic/FooBarError");
  CHECK(cJSON_GetObjectItem(r0, "ruleIndex")->valueint == SARIF_NRULES);
  CHECK(cJSON_GetObjectItem(cJSON_GetArrayItem(results(root), 1), "ruleIndex")->valueint == SARIF_NRULES);
  CHECK_STR(str_at(cJSON_GetArrayItem(results(root), 2), "ruleId", NULL), "diagnostic/usage");
  CHECK_STR(str_at(r0, "message", "text"),
            "FooBarError: a \"quoted\" word,\ta tab\nand \x01 and \xef\xbf\xbd bytes");
  CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(r0, "locations")) == 0);
  cJSON_Delete(root);
  tj_sarif_free(s);
  tj_ctx_free(ctx);
}

/* The uri of a failed trace of a spec named name. */
static char *uri_for(const char *name) {
  tj_ctx *ctx = failed_trace(name, bool_spec);
  tj_sarif *s = tj_sarif_new();
  tj_sarif_add_diagnostics(s, ctx, "unused.json");
  cJSON *root = log_json(s);
  int line, col;
  const char *uri = uri_of(cJSON_GetArrayItem(results(root), 0), &line, &col);
  char *copy = uri ? strdup(uri) : NULL;
  cJSON_Delete(root);
  tj_sarif_free(s);
  tj_ctx_free(ctx);
  return copy;
}

static void test_uris(void) {
  static const struct { const char *name, *uri; } cases[] = {
      {"a.json", "a.json"},
      {"./a.json", "a.json"},
      {"././d/a.json", "d/a.json"},
      {"../up/a.json", "../up/a.json"},
      {"dir with space/a:b%#?.json", "dir%20with%20space/a%3Ab%25%23%3F.json"},
      {"/abs/p q.json", "file:///abs/p%20q.json"},
      {"\xc3\xa9.json", "%C3%A9.json"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *uri = uri_for(cases[i].name);
    CHECK_STR(uri, cases[i].uri);
    free(uri);
  }
}

/* ---- tj_sarif_add_log: other processes' logs joined ---- */

/* A log of ctx's diagnostics, as a worker prints it. */
static char *log_text_of(const tj_ctx *ctx, const char *file) {
  tj_sarif *s = tj_sarif_new();
  tj_sarif_add_diagnostics(s, ctx, file);
  char *text = tj_sarif_text(s);
  tj_sarif_free(s);
  return text;
}

/* The index of the rule whose id is id in root's log, or -1. */
static int rule_index(cJSON *root, const char *id) {
  for (int i = 0; i < cJSON_GetArraySize(rules(root)); i++)
    if (strcmp(str_at(cJSON_GetArrayItem(rules(root), i), "id", NULL), id) == 0) return i;
  return -1;
}

static void test_add_log_renumbers(void) {
  tj_ctx *a = failed_trace("a.json", bool_spec), *b = tj_ctx_new(), *c = tj_ctx_new();
  tj_add_error(b, TJ_ERR_PROGRAM, "FooBarError: in b");
  tj_add_error(c, TJ_ERR_PROGRAM, "BazError: the joining log's own");
  char *text_a = log_text_of(a, "a.json"), *text_b = log_text_of(b, "b.json");
  /* b's FooBarError is rule SARIF_NRULES in b's log */
  cJSON *root_b = cJSON_Parse(text_b);
  CHECK(cJSON_GetObjectItem(cJSON_GetArrayItem(results(root_b), 0), "ruleIndex")->valueint == SARIF_NRULES);
  cJSON_Delete(root_b);
  tj_sarif *s = tj_sarif_new();
  tj_sarif_add_diagnostics(s, c, "c.json"); /* BazError takes rule SARIF_NRULES here */
  CHECK(tj_sarif_add_log(s, text_a) == TJ_OK);
  CHECK(tj_sarif_add_log(s, text_b) == TJ_OK);
  CHECK(tj_sarif_add_log(s, text_b) == TJ_OK); /* the same kind again: no second rule */
  CHECK(tj_sarif_result_count(s) == 4);
  cJSON *root = log_json(s);
  CHECK(root && rules_agree(root));
  CHECK(cJSON_GetArraySize(rules(root)) == SARIF_NRULES + 2);
  CHECK(rule_index(root, "diagnostic/BazError") == SARIF_NRULES);
  CHECK(rule_index(root, "diagnostic/FooBarError") == SARIF_NRULES + 1);
  const char *want_ids[] = {"diagnostic/BazError", "diagnostic/TracerBoolConversionError", "diagnostic/FooBarError",
                            "diagnostic/FooBarError"};
  const char *want_uris[] = {"c.json", "a.json", "b.json", "b.json"};
  for (int i = 0; i < 4; i++) {
    cJSON *r = cJSON_GetArrayItem(results(root), i);
    int line, col;
    CHECK_STR(str_at(r, "ruleId", NULL), want_ids[i]);
    CHECK_STR(uri_of(r, &line, &col), want_uris[i]);
  }
  cJSON *r1 = cJSON_GetArrayItem(results(root), 1);
  CHECK(cJSON_GetObjectItem(r1, "ruleIndex")->valueint == SR_BOOL_CONVERSION);
  int line, col;
  uri_of(r1, &line, &col);
  CHECK(line == 1 && col == 36); /* the location kept as the worker wrote it */
  CHECK(strstr(str_at(r1, "message", "text"), "\nhint: ") != NULL);
  CHECK(cJSON_GetObjectItem(cJSON_GetArrayItem(results(root), 2), "ruleIndex")->valueint == SARIF_NRULES + 1);
  cJSON_Delete(root);
  tj_sarif_free(s);
  free(text_a), free(text_b);
  tj_ctx_free(a), tj_ctx_free(b), tj_ctx_free(c);
}

/* Logs one after another in one text (a worker's report, then its
 * baseline's), an empty log among them, blanks around them. */
static void test_add_logs_concatenated(void) {
  tj_ctx *a = failed_trace("a.json", bool_spec), *b = failed_trace("b.json", syntax_spec), *none = tj_ctx_new();
  char *text_a = log_text_of(a, "a.json"), *text_b = log_text_of(b, "b.json"), *empty = log_text_of(none, NULL);
  size_t n = strlen(text_a) + strlen(text_b) + strlen(empty) + 16;
  char *both = malloc(n);
  snprintf(both, n, "\n %s\n%s\n\t%s\n\n", text_a, empty, text_b);
  tj_sarif *s = tj_sarif_new();
  CHECK(tj_sarif_add_log(s, both) == TJ_OK);
  CHECK(tj_sarif_add_log(s, "") == TJ_OK); /* no log: nothing */
  CHECK(tj_sarif_add_log(s, " \n") == TJ_OK);
  CHECK(tj_sarif_result_count(s) == 2);
  cJSON *root = log_json(s);
  CHECK(root && rules_agree(root));
  CHECK(cJSON_GetArraySize(rules(root)) == SARIF_NRULES);
  CHECK_STR(str_at(cJSON_GetArrayItem(results(root), 0), "ruleId", NULL), "diagnostic/TracerBoolConversionError");
  CHECK_STR(str_at(cJSON_GetArrayItem(results(root), 1), "ruleId", NULL), "diagnostic/syntax");
  cJSON_Delete(root);
  tj_sarif_free(s);
  free(both), free(text_a), free(text_b), free(empty);
  tj_ctx_free(a), tj_ctx_free(b), tj_ctx_free(none);
}

/* A log of one result, whose members are result (JSON text). */
static char *log_with_result(const char *result) {
  static const char head[] = "{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": {\"name\": \"tjit\"}}, \"results\": [";
  size_t n = strlen(head) + strlen(result) + 8;
  char *text = malloc(n);
  snprintf(text, n, "%s%s]}]}", head, result);
  return text;
}

/* text is refused, and adds nothing to a log that holds one result. */
static void check_refused(const char *what, const char *text) {
  tj_ctx *a = failed_trace("a.json", bool_spec);
  tj_sarif *s = tj_sarif_new();
  tj_sarif_add_diagnostics(s, a, "a.json");
  tj_status st = tj_sarif_add_log(s, text);
  cJSON *root = log_json(s);
  int ok = st == TJ_ERR_USAGE && tj_sarif_result_count(s) == 1 && root && rules_agree(root) &&
           cJSON_GetArraySize(results(root)) == 1 && cJSON_GetArraySize(rules(root)) == SARIF_NRULES;
  if (!ok) fprintf(stderr, "refused log: %s (status %d, %d results)\n", what, (int)st, tj_sarif_result_count(s));
  CHECK(ok);
  cJSON_Delete(root);
  tj_sarif_free(s);
  tj_ctx_free(a);
}

static void test_add_log_refuses(void) {
  static const char good[] = "{\"ruleId\": \"diagnostic/syntax\", \"ruleIndex\": 4, \"level\": \"error\", "
                             "\"message\": {\"text\": \"m\"}, \"locations\": []}";
  static const struct { const char *what, *result; } bad_results[] = {
      {"no ruleId", "{\"ruleIndex\": 4, \"message\": {\"text\": \"m\"}}"},
      {"ruleId not a string", "{\"ruleId\": 4, \"ruleIndex\": 4}"},
      {"unknown ruleId", "{\"ruleId\": \"eslint/no-undef\", \"ruleIndex\": 0}"},
      {"a bare diagnostic/", "{\"ruleId\": \"diagnostic/\", \"ruleIndex\": 0}"},
      {"no ruleIndex", "{\"ruleId\": \"diagnostic/syntax\"}"},
      {"ruleIndex a string", "{\"ruleId\": \"diagnostic/syntax\", \"ruleIndex\": \"4\"}"},
      {"ruleIndex null", "{\"ruleId\": \"diagnostic/syntax\", \"ruleIndex\": null}"},
      {"a result that is an array", "[\"diagnostic/syntax\", 4]"},
      {"a result that is a string", "\"diagnostic/syntax\""},
  };
  for (size_t i = 0; i < sizeof bad_results / sizeof bad_results[0]; i++) {
    char *text = log_with_result(bad_results[i].result);
    check_refused(bad_results[i].what, text);
    free(text);
    /* after a good result of the same log, and a new kind before it: the log adds nothing */
    size_t n = strlen(good) + strlen(bad_results[i].result) + 128;
    char *pair = malloc(n);
    snprintf(pair, n, "%s, {\"ruleId\": \"diagnostic/NewKindError\", \"ruleIndex\": 0}, %s", good,
             bad_results[i].result);
    text = log_with_result(pair);
    check_refused(bad_results[i].what, text);
    free(text), free(pair);
  }
  check_refused("empty object", "{}");
  check_refused("not JSON", "not json at all");
  check_refused("a JSON number", "42");
  check_refused("a JSON array", "[{\"runs\": []}]");
  check_refused("runs not an array", "{\"runs\": {\"results\": []}}");
  check_refused("runs an object keyed 0", "{\"runs\": {\"0\": {\"results\": []}}}");
  check_refused("no runs", "{\"runs\": []}");
  check_refused("two runs", "{\"runs\": [{\"results\": []}, {\"results\": []}]}");
  check_refused("a run that is an array", "{\"runs\": [[[]]]}");
  check_refused("results not an array", "{\"runs\": [{\"results\": {}}]}");
  check_refused("no results", "{\"runs\": [{\"tool\": {}}]}");
  check_refused("trailing comma", "{\"runs\": [{\"results\": [],}]}");
  /* a real log cut short, at every length, and a real log followed by junk */
  tj_ctx *b = failed_trace("b.json", syntax_spec);
  char *text = log_text_of(b, "b.json");
  size_t len = strlen(text);
  for (size_t cut = 0; cut < len; cut += cut < 64 || len - cut < 64 ? 1 : 37) {
    char *part = strndup(text, cut);
    int blank = 1;
    for (size_t k = 0; k < cut; k++) blank &= part[k] == ' ' || part[k] == '\n';
    if (!blank) check_refused("truncated log", part);
    free(part);
  }
  tj_sarif *s = tj_sarif_new();
  size_t n = len + 16;
  char *junk = malloc(n);
  snprintf(junk, n, "%s\n}garbage", text);
  CHECK(tj_sarif_add_log(s, junk) == TJ_ERR_USAGE);
  CHECK(tj_sarif_result_count(s) == 1); /* the log before the junk stays added */
  tj_sarif_free(s);
  free(junk), free(text);
  tj_ctx_free(b);
}

/* Nesting past cJSON's limit, and a deep but legal result kept whole. */
static void test_add_log_deep(void) {
  enum { DEPTH = 100000 };
  char *deep = malloc(2 * DEPTH + 1);
  memset(deep, '[', DEPTH);
  memset(deep + DEPTH, ']', DEPTH);
  deep[2 * DEPTH] = '\0';
  check_refused("deep arrays", deep);
  char *text = log_with_result(deep);
  check_refused("deep arrays as a result", text);
  free(text), free(deep);
  enum { LEGAL = 200 };
  tj_buf r = {0};
  buf_puts(&r, "{\"ruleId\": \"diagnostic/syntax\", \"ruleIndex\": 99, \"properties\": ");
  for (int i = 0; i < LEGAL; i++) buf_puts(&r, "{\"a\": ");
  buf_puts(&r, "1");
  for (int i = 0; i < LEGAL; i++) buf_putc(&r, '}');
  buf_putc(&r, '}');
  text = log_with_result(r.data);
  tj_sarif *s = tj_sarif_new();
  CHECK(tj_sarif_add_log(s, text) == TJ_OK);
  cJSON *root = log_json(s);
  CHECK(root && rules_agree(root));
  CHECK(cJSON_GetObjectItem(cJSON_GetArrayItem(results(root), 0), "ruleIndex")->valueint == SR_SYNTAX);
  cJSON_Delete(root);
  tj_sarif_free(s);
  free(text);
  buf_free(&r);
}

int main(void) {
  test_empty_log();
  test_two_specs_one_log();
  test_explain_and_diagnostics();
  test_unlisted_error_name_and_escapes();
  test_uris();
  test_add_log_renumbers();
  test_add_logs_concatenated();
  test_add_log_refuses();
  test_add_log_deep();
  return HARNESS_REPORT();
}
