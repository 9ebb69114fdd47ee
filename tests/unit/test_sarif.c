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

int main(void) {
  test_empty_log();
  test_two_specs_one_log();
  test_explain_and_diagnostics();
  test_unlisted_error_name_and_escapes();
  test_uris();
  return HARNESS_REPORT();
}
