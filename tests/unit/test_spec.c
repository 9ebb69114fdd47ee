/* Unit tests for the spec loader: the JSON scanner (kinds, positions,
 * strings, errors), the top-level keys, calls, and argument avals. cJSON
 * serves as an oracle: whatever the scanner accepts, cJSON must read the
 * same way. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "json_scan.h"
#include "spec.h"
#include "util.h"

static tj_arena arena;
static diag_list diags;
static tj_spec spec;
static char result[4096];

static void reset(void) {
  arena_free(&arena);
  memset(&diags, 0, sizeof diags);
  diags.arena = &arena;
}

/* "LINE:COL: message" of the first error, or "" when there is none. */
static const char *first_error(void) {
  result[0] = 0;
  for (const tj_diag *g = diags.head; g; g = g->next) {
    if (g->level != DIAG_ERROR) continue;
    uint32_t line = 0, col = 0;
    if (g->src) source_position(g->src, g->span.start, &line, &col);
    snprintf(result, sizeof result, "%u:%u: %s", line, col, g->msg);
    break;
  }
  return result;
}

static bool load_as(const char *path, const char *text) {
  reset();
  return spec_load(&arena, &diags, path, text, (uint32_t)strlen(text), false, &spec);
}

static bool load(const char *text) { return load_as("spec.json", text); }

/* The error of loading text ("ok" when it loads). */
static const char *load_err(const char *text) {
  return load(text) ? "ok" : first_error();
}

/* The aval of a value given as the only positional argument: "f32[3] weak",
 * or the error. */
static const char *aval_in(const char *path, const char *value) {
  char text[2048];
  snprintf(text, sizeof text, "{\"source\": \"x\",\n \"args\": [%s]}", value);
  if (!load_as(path, text)) return first_error();
  tj_aval av;
  if (!spec_value_aval(&diags, &spec, spec.args.values[0], &av))
    return first_error();
  aval_format(&av, result, 200);
  if (av.weak) strcat(result, " weak");
  return result;
}

static const char *aval_of(const char *value) {
  return aval_in("spec.json", value);
}

/* ---- the scanner ------------------------------------------------------- */

static void test_number_kinds(void) {
  CHECK(load("{\"source\": \"x\", \"args\": [5, 5.0, 5e0, -0.0, 1E3, -0, "
             "9223372036854775807, -9223372036854775808, 2.5e-3]}"));
  sjson **v = spec.args.values;
  CHECK(v[0]->kind == SJ_INT && v[0]->i == 5 && v[0]->f == 5.0);
  CHECK(v[1]->kind == SJ_FLOAT && v[1]->f == 5.0);
  CHECK(v[2]->kind == SJ_FLOAT && v[2]->f == 5.0);
  CHECK(v[3]->kind == SJ_FLOAT && v[3]->f == 0.0 && signbit(v[3]->f));
  CHECK(v[4]->kind == SJ_FLOAT && v[4]->f == 1000.0);
  CHECK(v[5]->kind == SJ_INT && v[5]->i == 0);
  CHECK(v[6]->kind == SJ_INT && v[6]->i == INT64_MAX);
  CHECK(v[7]->kind == SJ_INT && v[7]->i == INT64_MIN);
  CHECK(v[8]->kind == SJ_FLOAT && v[8]->f == 2.5e-3);
  CHECK_STR(aval_of("5"), "i32[] weak");
  CHECK_STR(aval_of("5.0"), "f32[] weak");
  CHECK_STR(aval_of("5e0"), "f32[] weak");
  CHECK_STR(aval_of("-0.0"), "f32[] weak");
  CHECK_STR(aval_of("1E3"), "f32[] weak");
  CHECK_STR(aval_of("true"), "bool[]");
  /* Longer than cJSON 1.7.15's 63-character number buffer: still valid. */
  CHECK(load("{\"source\": \"x\", \"args\": [0.1000000000000000000000000000"
             "000000000000000000000000000000000000000001]}"));
  CHECK(spec.args.values[0]->f == 0.1);
}

static void test_positions(void) {
  const char *text = "{\"source\": \"x\",\n"
                     "  \"args\": {\"é€\": \"ü\\\"\", \"x\":   7.5,\n"
                     "\t\"y\": [1, \"a\\\"b\", 2]}}";
  CHECK(load(text));
  uint32_t line, col;
  const sjson *x = spec.args.values[1], *y = spec.args.values[2];
  source_position(x->src, x->span.start, &line, &col);
  CHECK(line == 2 && col == 32); /* é, €, ü count one column each */
  CHECK(x->span.end - x->span.start == 3);
  source_position(y->src, y->items[2]->span.start, &line, &col);
  CHECK(line == 3 && col == 19); /* after an escaped quote */
  CHECK_STR(x->path, "args.x");
  CHECK_STR(y->items[1]->path, "args.y[1]");
  CHECK_STR(spec.args.values[0]->path, "args[\"é€\"]");
  CHECK_STR(spec.args.names[0], "é€");
  CHECK(spec.args.name_spans[1].start == (uint32_t)(strstr(text, "\"x\":") - text));
  CHECK_STR(spec.args.values[0]->s, "ü\"");
  /* Errors after multi-byte text point at the right column. */
  CHECK_STR(load_err("{\"sourcé\": \"é\", \"x\": ]}"),
            "1:22: invalid JSON: expected a value, found ']'");
  CHECK_STR(load_err("{\"source\": \"x\",\n \"calls\": [{}, [], \"s\"]}"),
            "2:20: calls[2]: a call is an array (positional) or an object "
            "(by name), not a string");
}

static void test_strings(void) {
  CHECK(load("{\"source\": \"a\\u0000b\\n\\t\\\\\\/\\ud83d\\ude00\\u00e9\"}"));
  CHECK(spec.code.len == 13);
  CHECK(memcmp(spec.code.text, "a\0b\n\t\\/\xF0\x9F\x98\x80\xC3\xA9", 13) == 0);
  /* Stray bytes are kept as they are. */
  CHECK(load("{\"source\": \"\xff\xfe\"}") && spec.code.len == 2);
  CHECK_STR(load_err("{\"source\": \"x\\q\"}"),
            "1:14: invalid JSON: invalid escape '\\q' in a string");
  CHECK_STR(load_err("{\"source\": \"\\ud800\"}"),
            "1:13: invalid JSON: lone surrogate '\\ud800' in a string");
  CHECK_STR(load_err("{\"source\": \"\\u12\"}"),
            "1:13: invalid JSON: '\\u' needs four hex digits");
  CHECK_STR(load_err("{\"source\": \"abc\n\"}"),
            "1:12: invalid JSON: unterminated string");
  CHECK_STR(load_err("{\"source\": \"a\tb\"}"),
            "1:14: invalid JSON: control character 0x09 in a string (write "
            "it as \\u0009)");
}

static void test_syntax_errors(void) {
  CHECK_STR(load_err(""), "1:1: invalid JSON: expected a value, found end of input");
  CHECK_STR(load_err("{\"source\": \"x\",}"),
            "1:16: invalid JSON: expected a string key after ',', found '}'");
  CHECK_STR(load_err("{\"source\": \"x\", \"args\": [1,]}"),
            "1:28: invalid JSON: expected a value after ',', found ']'");
  CHECK_STR(load_err("{\"source\": \"x\" \"args\": 1}"),
            "1:16: invalid JSON: expected ',' or '}' after an object member, "
            "found '\"'");
  CHECK_STR(load_err("{\"args\": [1 2]}"),
            "1:13: invalid JSON: expected ',' or ']' after an array element, "
            "found '2'");
  CHECK_STR(load_err("{\"args\" 1}"),
            "1:9: invalid JSON: expected ':' after the key, found '1'");
  CHECK_STR(load_err("{source: 1}"),
            "1:2: invalid JSON: expected a string key, found 'source'");
  CHECK_STR(load_err("{\"args\": [True]}"),
            "1:11: invalid JSON: expected a value, found 'True'");
  CHECK_STR(load_err("{\"args\": [01]}"),
            "1:11: invalid JSON: numbers cannot have leading zeros");
  CHECK_STR(load_err("{\"args\": [1.]}"),
            "1:13: invalid JSON: expected a digit after '.', found ']'");
  CHECK_STR(load_err("{\"args\": [1e+]}"),
            "1:14: invalid JSON: expected a digit in the exponent, found ']'");
  CHECK_STR(load_err("{\"args\": [-]}"),
            "1:12: invalid JSON: expected a digit after '-', found ']'");
  CHECK_STR(load_err("{\"source\": \"x\"} x"),
            "1:17: invalid JSON: expected end of input after the value, "
            "found 'x'");
  CHECK_STR(load_err("{\"source\": \"x\"}\0"), "ok"); /* strlen stops at NUL */
  reset();
  CHECK(!spec_load(&arena, &diags, "spec.json", "{\"source\": \"x\"}\0", 16, false, &spec));
  CHECK_STR(first_error(), "1:16: invalid JSON: expected end of input after "
                           "the value, found byte 0x00");
  CHECK_STR(load_err("\xEF\xBB\xBF{\"source\": \"x\"}"), "ok"); /* BOM */
}

static void test_limits(void) {
  char *deep = malloc(1000);
  memset(deep, '[', 400);
  memset(deep + 400, ']', 400);
  deep[800] = 0;
  CHECK_STR(load_err(deep), "1:201: too many nested arrays and objects (limit "
                            "is 200)");
  free(deep);
  CHECK_STR(load_err("{\"args\": [99999999999999999999]}"),
            "1:11: args[0]: integer 99999999999999999999 is out of range for "
            "int64");
  CHECK_STR(load_err("{\"args\": [-9223372036854775809]}"),
            "1:11: args[0]: integer -9223372036854775809 is out of range for "
            "int64");
  CHECK_STR(load_err("{\"source\": \"x\", \"args\": {\"x\": 1, \"x\": 2}}"),
            "1:34: args: duplicate key 'x'");
  CHECK(diags.head->next && diags.head->next->level == DIAG_NOTE);
  reset();
  CHECK(!spec_load(&arena, &diags, "spec.json", "{}", TJ_MAX_SPEC_BYTES + 1u, false, &spec));
  CHECK_STR(first_error(), "1:1: spec too large (limit is 67108864 bytes)");
}

/* ---- top-level keys ---------------------------------------------------- */

static void test_top_level(void) {
  CHECK(load("{\"tjit\": 1, \"source\": [\"int f(int x) {\", \"  return x;\", "
             "\"}\"], \"function\": \"f\", \"static_argnums\": 0, "
             "\"static_argnames\": \"x\", \"args\": [1], \"calls\": [[1], "
             "{\"x\": 2}], \"options\": {\"autograph\": true}, "
             "\"description\": [1, {}], \"comment\": null}"));
  CHECK_STR(spec.code.text, "int f(int x) {\n  return x;\n}");
  CHECK_STR(spec.code.name, "spec.json");
  CHECK(spec.code.nlines == 3);
  CHECK_STR(spec.file.name, "spec.json");
  CHECK_STR(spec.dir, ".");
  CHECK_STR(spec.function, "f");
  CHECK(spec.static_argnums->kind == SJ_ARRAY && spec.static_argnums->n == 1 &&
        spec.static_argnums->items[0]->i == 0);
  CHECK(spec.static_argnames->n == 1 &&
        strcmp(spec.static_argnames->items[0]->s, "x") == 0);
  CHECK(spec.has_args && !spec.args.by_keyword && spec.args.n == 1);
  CHECK(spec.ncalls == 2 && spec.calls[1].by_keyword &&
        strcmp(spec.calls[1].names[0], "x") == 0);
  CHECK_STR(spec.calls[1].values[0]->path, "calls[1].x");
  CHECK(spec.autograph);
  CHECK(load("{\"source\": \"x\", \"static_argnums\": [0, -1], "
             "\"static_argnames\": []}"));
  CHECK(spec.static_argnums->n == 2 && spec.static_argnames->n == 0);
  CHECK(!spec.has_args && spec.ncalls == 0 && !spec.autograph);
  CHECK(load_as("-", "{\"source\": \"x\"}") && strcmp(spec.dir, ".") == 0);
  CHECK(load_as("a/b/s.json", "{\"source\": \"x\"}") && strcmp(spec.dir, "a/b") == 0);
  CHECK(load_as("/s.json", "{\"source\": \"x\"}") && strcmp(spec.dir, "/") == 0);
}

static void test_top_level_errors(void) {
  CHECK_STR(load_err("[]"), "1:1: a spec is a JSON object, not an array");
  CHECK_STR(load_err("{}"), "1:1: missing key 'source' (or 'source_file')");
  CHECK_STR(load_err("{\"source\": \"x\", \"sourc\": 1}"),
            "1:17: unknown key 'sourc' (did you mean 'source'?)");
  CHECK_STR(load_err("{\"source\": \"x\", \"xyzzy\": 1}"),
            "1:17: unknown key 'xyzzy'");
  CHECK_STR(load_err("{\"tjit\": 2}"),
            "1:10: tjit: unsupported spec version 2 (this tjit reads 1)");
  CHECK_STR(load_err("{\"tjit\": \"1\"}"),
            "1:10: tjit: expected the integer 1, found a string");
  CHECK_STR(load_err("{\"source\": 1}"),
            "1:12: source: expected a string or an array of lines, found an "
            "integer");
  CHECK_STR(load_err("{\"source\": [\"a\", null]}"),
            "1:18: source[1]: expected a string (one line), found null");
  CHECK_STR(load_err("{\"source\": \"x\", \"source_file\": \"f.c\"}"),
            "1:32: source_file: give 'source' or 'source_file', not both");
  CHECK_STR(load_err("{\"source\": \"x\", \"function\": 3}"),
            "1:29: function: expected a string (the function's name), found "
            "an integer");
  CHECK_STR(load_err("{\"source\": \"x\", \"function\": \"f\\u0000g\"}"),
            "1:29: function: name 'f\\x00g' contains a NUL byte");
  CHECK_STR(load_err("{\"source\": \"x\", \"static_argnums\": \"a\"}"),
            "1:35: static_argnums: expected an integer or an array of "
            "integers, found a string");
  CHECK_STR(load_err("{\"source\": \"x\", \"static_argnums\": [1.0]}"),
            "1:36: static_argnums[0]: expected an integer, found a float");
  CHECK_STR(load_err("{\"source\": \"x\", \"static_argnames\": [\"a\", true]}"),
            "1:42: static_argnames[1]: expected a string, found true");
  CHECK_STR(load_err("{\"source\": \"x\", \"args\": \"x\"}"),
            "1:25: args: a call is an array (positional) or an object (by "
            "name), not a string");
  CHECK_STR(load_err("{\"source\": \"x\", \"calls\": {}}"),
            "1:26: calls: expected an array of calls, found an object");
  CHECK_STR(load_err("{\"source\": \"x\", \"calls\": [[], 5]}"),
            "1:31: calls[1]: a call is an array (positional) or an object (by "
            "name), not an integer");
  CHECK_STR(load_err("{\"source\": \"x\", \"args\": {\"\": 1}}"),
            "1:26: args: '' is not a parameter name");
  CHECK_STR(load_err("{\"source\": \"x\", \"options\": []}"),
            "1:28: options: expected an object, found an array");
  CHECK_STR(load_err("{\"source\": \"x\", \"options\": {\"autograf\": true}}"),
            "1:29: options: unknown option 'autograf' (did you mean "
            "'autograph'?)");
  CHECK_STR(load_err("{\"source\": \"x\", \"options\": {\"autograph\": 1}}"),
            "1:42: options.autograph: expected true or false, found an "
            "integer");
}

/* ---- files ------------------------------------------------------------- */

static char tmpdir[64];

static void write_file(const char *name, const void *data, size_t n) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "wb");
  fwrite(data, 1, n, f);
  fclose(f);
}

static void remove_file(const char *name) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  unlink(path);
}

static void test_source_file(void) {
  char path[128], want[160];
  snprintf(path, sizeof path, "%s/spec.json", tmpdir);
  write_file("f.c", "int f(int x) {\n  return x;\n}\n", 29);
  CHECK(load_as(path, "{\"source_file\": \"f.c\"}"));
  snprintf(want, sizeof want, "%s/f.c", tmpdir);
  CHECK_STR(spec.code.name, want);
  CHECK(spec.code.len == 29 && memcmp(spec.code.text, "int f", 5) == 0);
  CHECK_STR(spec.dir, tmpdir);
  CHECK(!load_as(path, "{\"source_file\": \"missing.c\"}"));
  snprintf(want, sizeof want,
           "1:17: source_file: cannot read '%s/missing.c': No such file or "
           "directory", tmpdir);
  CHECK_STR(first_error(), want);
  CHECK_STR(load_err("{\"source_file\": \"/\"}"),
            "1:17: source_file: cannot read '/': Is a directory");
  CHECK_STR(load_err("{\"source_file\": \"/dev/null\"}"),
            "1:17: source_file: cannot read '/dev/null': not a regular file");
  CHECK_STR(load_err("{\"source_file\": \"nope.c\"}"),
            "1:17: source_file: cannot read 'nope.c': No such file or "
            "directory");
  CHECK_STR(load_err("{\"source_file\": 1}"),
            "1:17: source_file: expected a file name, found an integer");
  remove_file("f.c");
}

/* ---- positions of the function source --------------------------------- */

/* "LINE:COL" of byte offset of src. */
static const char *pos_at(const tj_source *src, uint32_t offset) {
  uint32_t line, col;
  source_position(src, offset, &line, &col);
  snprintf(result, sizeof result, "%u:%u", line, col);
  return result;
}

/* Offset in the loaded source of the n-th (0-based) occurrence of s. */
static uint32_t code_at(const char *s, int n) {
  const char *at = strstr(spec.code.text, s);
  while (at && n--) at = strstr(at + 1, s);
  return at ? (uint32_t)(at - spec.code.text) : UINT32_MAX;
}

/* The byte offset in text of (line, col) counted as the old walk did: lines
 * at '\n', columns at every byte that is not a UTF-8 continuation byte. */
static uint32_t offset_of(const char *text, uint32_t len, uint32_t line, uint32_t col) {
  uint32_t i = 0, l = 1, c = 1;
  for (; i < len && (l < line || c < col); i++) {
    if (text[i] == '\n') l++, c = 1;
    else if (((unsigned char)text[i] & 0xC0) != 0x80) c++;
  }
  while (i < len && ((unsigned char)text[i] & 0xC0) == 0x80) i++;
  return i;
}

/* Every character of the loaded source is at the place in the spec where
 * it is written: the same bytes there, or an escape's backslash. */
static bool every_character_in_place(void) {
  for (uint32_t k = 0; k < spec.code.len; k++) {
    if (((unsigned char)spec.code.text[k] & 0xC0) == 0x80) continue;
    uint32_t line, col, n = 1;
    source_position(&spec.code, k, &line, &col);
    uint32_t at = offset_of(spec.file.text, spec.file.len, line, col);
    while (k + n < spec.code.len && ((unsigned char)spec.code.text[k + n] & 0xC0) == 0x80) n++;
    if (spec.file.text[at] == '\\') continue;
    if (spec.code.text[k] == '\n' && spec.file.text[at] == '"') continue; /* a line's end */
    if (at + n > spec.file.len || memcmp(spec.file.text + at, spec.code.text + k, n)) return false;
  }
  return true;
}

/* The old position rule of every character: the walk from the line's
 * start. (Bytes inside a character are now at its column, not the next.) */
static bool positions_match_walk(const tj_source *src) {
  for (uint32_t k = 0; k <= src->len; k++) {
    if (k < src->len && ((unsigned char)src->text[k] & 0xC0) == 0x80) continue;
    uint32_t line, col, l = 1, c = 1;
    for (uint32_t i = 0; i < k; i++) {
      if (src->text[i] == '\n') l++, c = 1;
      else c += ((unsigned char)src->text[i] & 0xC0) != 0x80;
    }
    source_position(src, k, &line, &col);
    if (line != l || col != c) return false;
  }
  return true;
}

static void test_source_positions(void) {
  /* One string: escapes count from their backslash, \uXXXX and a
   * surrogate pair as one character at it, é as one column. */
  CHECK(load("{\"tjit\": 1,\n"
             " \"source\": \"int f(int x) {\\n  // say \\\"hi\\\" \\u00e9 \\ud83d\\ude00 é\\n  return x;\\n}\"}"));
  CHECK_STR(spec.code.text, "int f(int x) {\n  // say \"hi\" é 😀 é\n  return x;\n}");
  CHECK_STR(pos_at(&spec.code, 0), "2:13");
  CHECK_STR(pos_at(&spec.code, code_at("\n", 0)), "2:27");
  CHECK_STR(pos_at(&spec.code, code_at("\"", 0)), "2:38");
  CHECK_STR(pos_at(&spec.code, code_at("hi", 0)), "2:40");
  CHECK_STR(pos_at(&spec.code, code_at("é", 0)), "2:45");
  CHECK_STR(pos_at(&spec.code, code_at("é", 0) + 1), "2:45");
  CHECK_STR(pos_at(&spec.code, code_at("😀", 0) + 3), "2:52");
  CHECK_STR(pos_at(&spec.code, code_at("é", 1)), "2:65");
  CHECK_STR(pos_at(&spec.code, code_at("x;", 0)), "2:77");
  CHECK_STR(pos_at(&spec.code, spec.code.len), "2:82"); /* the closing quote */
  CHECK(every_character_in_place());
  /* An array of lines: each line where it is written; its end (the "\n"
   * joining it to the next) at its closing quote. */
  CHECK(load("{\"source\": [\n"
             "  \"int f(int x) {\",\n"
             "  \"  // é€ü\",\n"
             "    \"  return x;\", \"}\"]}"));
  CHECK_STR(pos_at(&spec.code, 0), "2:4");
  CHECK_STR(pos_at(&spec.code, code_at("\n", 0)), "2:18");
  CHECK_STR(pos_at(&spec.code, code_at("ü", 0) + 1), "3:11");
  CHECK_STR(pos_at(&spec.code, code_at("\n", 1)), "3:12");
  CHECK_STR(pos_at(&spec.code, code_at("return", 0)), "4:8");
  CHECK_STR(pos_at(&spec.code, code_at("}", 0)), "4:21");
  CHECK_STR(pos_at(&spec.code, spec.code.len), "4:22");
  CHECK(every_character_in_place());
  /* The spec's own positions count characters, whatever the bytes. */
  CHECK(positions_match_walk(&spec.file));
  /* No lines: the (empty) text is at the closing bracket. */
  CHECK(load("{\"source\": [ ]}"));
  CHECK_STR(pos_at(&spec.code, 0), "1:14");
}

/* A minified spec is one line: positions come from runs whose number does
 * not grow with the line's length (one per escape or multi-byte character),
 * and a position is a binary search among them, not a walk along the line. */
static void test_long_line_positions(void) {
  enum { TERMS = 20000 };
  tj_buf b = {0};
  buf_puts(&b, "{\"source\": \"int f(int x) { return x");
  for (int i = 0; i < TERMS; i++) buf_puts(&b, " + x");
  buf_puts(&b, "; }\", \"args\": [1]}");
  CHECK(load(b.data));
  CHECK(spec.file.nruns == 1);
  CHECK(spec.code.nruns == 2); /* the text, then its end at the closing quote */
  CHECK_STR(pos_at(&spec.code, code_at("; }", 0)), "1:80036");
  CHECK_STR(pos_at(&spec.file, (uint32_t)b.len - 1), "1:80053");
  buf_free(&b);
  /* With "\n" between lines: two runs per line, still one line of the spec. */
  CHECK(load("{\"source\": \"a\\nb\\nc\"}"));
  CHECK(spec.code.nruns == 6);
  CHECK_STR(pos_at(&spec.code, 4), "1:19");
  /* Plain text: a run per line and per multi-byte character; stray
   * continuation bytes and CRs placed as the walk from the line start did. */
  static const char text[] = "ab\r\ncé€\x80\x80z\n\xe2\x82\n\n\xf0\x9f\x98\x80x\x80";
  tj_source src;
  reset();
  source_init(&arena, &src, "t", text, (uint32_t)strlen(text));
  CHECK(positions_match_walk(&src));
  CHECK_STR(pos_at(&src, 6), "2:2");  /* inside é: at é */
  CHECK_STR(pos_at(&src, 10), "2:4"); /* stray bytes: at the next character */
  CHECK_STR(pos_at(&src, 11), "2:4");
  CHECK_STR(pos_at(&src, 25), "5:3");
  CHECK(src.nruns == 12);
}

/* ---- calls from the command line --------------------------------------- */

static void test_parse_call(void) {
  spec_call c;
  reset();
  CHECK(spec_parse_call(&arena, &diags, "--args", "{\"x\": 5.0, \"t\": 0}", 18, &c));
  CHECK(c.by_keyword && c.n == 2 && strcmp(c.names[1], "t") == 0);
  CHECK(c.values[0]->kind == SJ_FLOAT && c.values[1]->kind == SJ_INT);
  CHECK_STR(c.values[0]->path, "--args.x");
  CHECK(c.name_spans[1].start == 11);
  CHECK(spec_parse_call(&arena, &diags, "--args", "[5.0, 0.0]", 10, &c));
  CHECK(!c.by_keyword && c.n == 2 && !c.names);
  CHECK_STR(c.values[1]->path, "--args[1]");
  CHECK(!spec_parse_call(&arena, &diags, "--args", "[5.0,", 5, &c));
  CHECK_STR(first_error(), "1:6: invalid JSON: expected a value, found end of "
                           "input");
  CHECK_STR(diags.head->src->name, "--args");
  reset();
  CHECK(!spec_parse_call(&arena, &diags, "--args", "\"x\"", 3, &c));
  CHECK_STR(first_error(), "1:1: --args: a call is an array (positional) or an "
                           "object (by name), not a string");
}

/* ---- argument values --------------------------------------------------- */

static void test_nested_arrays(void) {
  CHECK_STR(aval_of("[[1, 2, 3], [4, 5, 6]]"), "i32[2,3]");
  CHECK_STR(aval_of("[1, 2.5]"), "f32[2]");
  CHECK_STR(aval_of("[true, false]"), "bool[2]");
  CHECK_STR(aval_of("[true, 2]"), "i32[2]");
  CHECK_STR(aval_of("[true, 2.0]"), "f32[2]");
  CHECK_STR(aval_of("[]"), "f32[0]");
  CHECK_STR(aval_of("[[], []]"), "f32[2,0]");
  CHECK_STR(aval_of("[[[1]]]"), "i32[1,1,1]");
  CHECK_STR(aval_of("[3000000000, 0.5]"), "f32[2]");
  CHECK_STR(aval_of("[[1, 2, 3], [4, 5]]"),
            "2:23: args[0][1]: ragged nested array: expected 3 elements, "
            "found 2");
  CHECK_STR(aval_of("[[1, 2], 3]"),
            "2:20: args[0][1]: ragged nested array: expected an array of 2 "
            "elements, found an integer");
  CHECK_STR(aval_of("[1, [2]]"),
            "2:15: args[0][1]: ragged nested array: expected a number, found "
            "an array");
  CHECK_STR(aval_of("[1, \"a\"]"), "2:15: args[0][1]: a string cannot be an "
                                   "array element");
  CHECK_STR(aval_of("[null]"), "2:12: args[0][0]: null cannot be an array "
                               "element");
  CHECK_STR(aval_of("[{}]"), "2:12: args[0][0]: an object cannot be an array "
                             "element");
  CHECK_STR(aval_of("[[[[[[[[[1]]]]]]]]]"),
            "2:19: args[0][0][0][0][0][0][0][0][0]: too many dimensions "
            "(limit is 8)");
  CHECK_STR(aval_of("[1, 3000000000]"),
            "2:15: args[0][1]: Python int 3000000000 too large to convert to "
            "int32");
}

static void test_scalar_errors(void) {
  CHECK_STR(aval_of("3000000000"),
            "2:11: args[0]: Python int 3000000000 too large to convert to "
            "int32");
  CHECK_STR(aval_of("-2147483648"), "i32[] weak");
  CHECK_STR(aval_of("\"s\""), "2:11: args[0]: a string is not an array value");
  CHECK_STR(aval_of("null"), "2:11: args[0]: null is not an array value");
  CHECK(load("{\"source\": \"x\", \"calls\": [{\"x\": 3000000000}]}"));
  tj_aval av;
  CHECK(!spec_value_aval(&diags, &spec, spec.calls[0].values[0], &av));
  CHECK_STR(first_error(), "1:33: calls[0].x: Python int 3000000000 too large "
                           "to convert to int32");
}

static void test_abstract_values(void) {
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": [3, 4]}"), "f32[3,4]");
  CHECK_STR(aval_of("{\"dtype\": \"float64\", \"shape\": []}"), "f64[]");
  CHECK_STR(aval_of("{\"dtype\": \"int\", \"shape\": [0]}"), "i32[0]");
  CHECK_STR(aval_of("{\"dtype\": \"u8\", \"data\": [[1, 2, 3], [4, 5, 255]]}"),
            "u8[2,3]");
  CHECK_STR(aval_of("{\"dtype\": \"i8\", \"shape\": [2, 2], \"data\": [1, 2, "
                    "3, -128]}"), "i8[2,2]");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": [2, 1], \"data\": [[1], "
                    "[2.5]]}"), "f32[2,1]");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"data\": 2}"), "f32[]");
  CHECK_STR(aval_of("{\"dtype\": \"bool\", \"shape\": [], \"data\": [true]}"),
            "bool[]");
  CHECK_STR(aval_of("{\"dtype\": \"i64\", \"shape\": [2], \"fill\": "
                    "-9223372036854775808}"), "i64[2]");
  CHECK_STR(aval_of("{\"dtype\": \"u32\", \"shape\": [5], \"iota\": true}"),
            "u32[5]");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": [2], \"random\": "
                    "{\"seed\": 0, \"dist\": \"normal\"}}"), "f32[2]");
  CHECK_STR(aval_of("{\"dtype\": \"i32\", \"shape\": [2], \"random\": {}}"),
            "i32[2]");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": [0, 4294967296]}"),
            "2:37: args[0].shape: too many elements (limit is 2147483648)");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": [65536, 32768]}"),
            "f32[65536,32768]");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": [65536, 32769]}"),
            "2:37: args[0].shape: too many elements (limit is 2147483648)");
}

static void test_abstract_errors(void) {
  CHECK_STR(aval_of("{\"dtype\": \"flaot32\", \"shape\": [3]}"),
            "2:21: args[0].dtype: unknown dtype 'flaot32' (did you mean "
            "'float32'?)");
  CHECK_STR(aval_of("{\"dtype\": \"complex\", \"shape\": [3]}"),
            "2:21: args[0].dtype: unknown dtype 'complex'");
  CHECK_STR(aval_of("{\"dtype\": 32, \"shape\": [3]}"),
            "2:21: args[0].dtype: expected a dtype name such as \"f32\", found "
            "an integer");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shap\": [3]}"),
            "2:28: args[0]: unknown key 'shap' (did you mean 'shape'?)");
  CHECK_STR(aval_of("{\"dtype\": \"f32\"}"),
            "2:11: args[0]: missing key 'shape' ([] for a scalar)");
  CHECK_STR(aval_of("{\"shape\": [1]}"),
            "2:11: args[0]: missing key 'dtype' (such as \"f32\")");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": 3}"),
            "2:37: args[0].shape: expected an array of dimensions, found an "
            "integer");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": [2, -1]}"),
            "2:41: args[0].shape[1]: a dimension cannot be negative (-1)");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": [2.0]}"),
            "2:38: args[0].shape[0]: a dimension is a non-negative integer, "
            "not a float");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": [1,1,1,1,1,1,1,1,1]}"),
            "2:37: args[0].shape: too many dimensions (limit is 8)");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": [2, 3], \"data\": [1, 2]}"),
            "2:53: args[0].data: expected 6 elements for shape [2, 3], found 2");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": [2, 3], \"data\": [[1, 2], "
                    "[3, 4], [5, 6]]}"),
            "2:53: args[0].data: nested data of shape [3, 2] does not match "
            "shape [2, 3]");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"data\": [[1, 2], [3]]}"),
            "2:45: args[0].data[1]: ragged nested array: expected 2 elements, "
            "found 1");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": [3], \"data\": 1}"),
            "2:50: args[0].data: a single value needs \"shape\": [] (\"fill\" "
            "repeats one value)");
  CHECK_STR(aval_of("{\"dtype\": \"u8\", \"data\": [1, 256]}"),
            "2:39: args[0].data[1]: 256 is out of range for uint8");
  CHECK_STR(aval_of("{\"dtype\": \"u32\", \"data\": [-1]}"),
            "2:37: args[0].data[0]: -1 is out of range for uint32");
  CHECK_STR(aval_of("{\"dtype\": \"i32\", \"data\": [1.5]}"),
            "2:37: args[0].data[0]: expected an integer for dtype int32, found "
            "a float");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"data\": [true]}"),
            "2:37: args[0].data[0]: expected a number for dtype float32, found "
            "true");
  CHECK_STR(aval_of("{\"dtype\": \"bool\", \"shape\": [], \"fill\": 1}"),
            "2:50: args[0].fill: expected true or false for dtype bool, found "
            "an integer");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": [2], \"fill\": 0, "
                    "\"iota\": true}"),
            "2:53: args[0]: 'fill' and 'iota' both give the values: keep one");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": [2], \"iota\": 1}"),
            "2:50: args[0].iota: expected true, found an integer");
  CHECK_STR(aval_of("{\"dtype\": \"bool\", \"shape\": [2], \"iota\": true}"),
            "2:51: args[0].iota: iota needs a numeric dtype, not bool");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": [2], \"random\": 0}"),
            "2:52: args[0].random: expected an object like {\"seed\": 0, "
            "\"dist\": \"uniform\"}, found an integer");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": [2], \"random\": {\"seed\": "
                    "-3}}"),
            "2:61: args[0].random.seed: a seed cannot be negative (-3)");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": [2], \"random\": {\"dist\": "
                    "\"gauss\"}}"),
            "2:61: args[0].random.dist: unknown distribution 'gauss' (expected "
            "'uniform' or 'normal')");
  CHECK_STR(aval_of("{\"dtype\": \"i32\", \"shape\": [2], \"random\": {\"dist\": "
                    "\"normal\"}}"),
            "2:61: args[0].random.dist: \"normal\" needs a float dtype, not "
            "int32");
  CHECK_STR(aval_of("{\"dtype\": \"f32\", \"shape\": [2], \"random\": {\"sed\": "
                    "1}}"),
            "2:53: args[0].random: unknown key 'sed' (did you mean 'seed'?)");
}

/* Writes an .npy file: version, header dict, then data_len zero bytes. */
static void write_npy(const char *name, int version, const char *dict,
                      size_t data_len) {
  unsigned char buf[512] = "\x93NUMPY";
  size_t hlen = strlen(dict), at = version == 1 ? 10 : 12;
  buf[6] = (unsigned char)version;
  buf[8] = (unsigned char)(hlen + 1);
  memcpy(buf + at, dict, hlen);
  buf[at + hlen] = '\n';
  write_file(name, buf, at + hlen + 1 + data_len);
}

static void test_npy(void) {
  char path[128];
  snprintf(path, sizeof path, "%s/spec.json", tmpdir);
  write_npy("a.npy", 1,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 48);
  write_npy("b.npy", 2, "{'descr': '|b1', 'fortran_order': False, 'shape': (), }", 1);
  write_npy("c.npy", 1, "{'shape': (5,), 'fortran_order': False, 'descr': '|u1'}", 5);
  write_npy("short.npy", 1,
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }", 40);
  write_npy("be.npy", 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }", 12);
  write_npy("fortran.npy", 1,
            "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16);
  write_npy("v3.npy", 3, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 4);
  write_npy("bad.npy", 1, "{'descr': '<f4', 'shape': (2, x), }", 8);
  write_npy("huge.npy", 1,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999,), }", 0);
  write_file("text.npy", "hello", 5);
  CHECK_STR(aval_in(path, "{\"npy\": \"a.npy\"}"), "f32[3,4]");
  CHECK_STR(aval_in(path, "{\"npy\": \"b.npy\"}"), "bool[]");
  CHECK_STR(aval_in(path, "{\"npy\": \"c.npy\"}"), "u8[5]");
  CHECK_STR(aval_in(path, "{\"npy\": \"a.npy\", \"dtype\": \"float32\", \"shape\": "
                          "[3, 4]}"), "f32[3,4]");
  CHECK_STR(aval_in(path, "{\"npy\": \"a.npy\", \"dtype\": \"f64\"}"),
            "2:37: args[0].dtype: dtype float64 does not match the .npy file "
            "(float32[3,4])");
  CHECK_STR(aval_in(path, "{\"npy\": \"a.npy\", \"shape\": [4, 3]}"),
            "2:37: args[0].shape: shape [4, 3] does not match the .npy file "
            "(float32[3,4])");
  char want[512];
  const struct { const char *file, *why; } bad[] = {
      {"short.npy", "': truncated: float64[3,4] needs 96 bytes of data, the file has 40"},
      {"be.npy", "': big-endian data is not supported"},
      {"fortran.npy", "': Fortran-ordered arrays are not supported"},
      {"v3.npy", "': unsupported .npy version (tjit reads 1.0 and 2.0)"},
      {"bad.npy", "': 'shape' is not a tuple of non-negative integers"},
      {"huge.npy", "': too many elements (limit is 2147483648)"},
      {"text.npy", "': not an .npy file"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char value[64];
    snprintf(value, sizeof value, "{\"npy\": \"%s\"}", bad[i].file);
    snprintf(want, sizeof want, "2:19: args[0].npy: '%s/%s%s", tmpdir,
             bad[i].file, bad[i].why);
    CHECK_STR(aval_in(path, value), want);
    remove_file(bad[i].file);
  }
  snprintf(want, sizeof want, "2:19: args[0].npy: cannot read '%s/none.npy': "
           "No such file or directory", tmpdir);
  CHECK_STR(aval_in(path, "{\"npy\": \"none.npy\"}"), want);
  CHECK_STR(aval_of("{\"npy\": \"a.npy\", \"data\": [1]}"),
            "2:28: args[0]: 'npy' and 'data' both give the values: keep one");
  remove_file("a.npy"), remove_file("b.npy"), remove_file("c.npy");
}

/* ---- cJSON as an oracle ------------------------------------------------ */

static bool same_tree(const sjson *v, const cJSON *c) {
  switch (v->kind) {
  case SJ_NULL: return cJSON_IsNull(c);
  case SJ_BOOL: return v->b ? cJSON_IsTrue(c) : cJSON_IsFalse(c);
  case SJ_INT:
  case SJ_FLOAT: return cJSON_IsNumber(c) && c->valuedouble == v->f;
  case SJ_STRING: /* cJSON stops at a NUL byte */
    return cJSON_IsString(c) && strncmp(c->valuestring, v->s, v->slen + 1) == 0;
  case SJ_ARRAY: if (!cJSON_IsArray(c)) return false; break;
  case SJ_OBJECT: if (!cJSON_IsObject(c)) return false; break;
  }
  if ((uint32_t)cJSON_GetArraySize(c) != v->n) return false;
  const cJSON *e = c->child;
  for (uint32_t i = 0; i < v->n; i++, e = e->next) {
    if (v->kind == SJ_OBJECT && strcmp(e->string, v->keys[i]) != 0) return false;
    if (!same_tree(v->items[i], e)) return false;
  }
  return true;
}

static uint64_t rng = 88172645463325252u;
static unsigned next_random(unsigned n) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (unsigned)(rng % n);
}

/* Random edits of a valid spec: the scanner never crashes, and whatever it
 * accepts cJSON reads as the same tree. */
static void test_against_cjson(void) {
  static const char seed[] =
      "{\"tjit\": 1, \"source\": [\"float f(float x) {\", \"  return x;\"],\n"
      " \"args\": {\"x\": [1, -2.5e3, true, null, \"\\u00e9\\n\"]},\n"
      " \"calls\": [[0.5], {\"x\": {\"dtype\": \"f32\", \"shape\": [3]}}]}";
  static const char alphabet[] = "{}[],:\"\\ \n0123456789-+.eEtrufalsn\x01\xc3\xa9u";
  char text[sizeof seed + 64];
  int accepted = 0, agreed = 0;
  for (int round = 0; round < 20000; round++) {
    size_t n = sizeof seed - 1;
    memcpy(text, seed, n);
    for (int edits = 1 + (int)next_random(3); edits > 0; edits--) {
      size_t at = next_random((unsigned)n);
      char c = alphabet[next_random(sizeof alphabet - 1)];
      unsigned op = next_random(3);
      if (op == 0 && n + 1 < sizeof text) {
        memmove(text + at + 1, text + at, n - at), text[at] = c, n++;
      } else if (op == 1 && n > 1) {
        memmove(text + at, text + at + 1, n - at - 1), n--;
      } else {
        text[at] = c;
      }
    }
    text[n] = 0;
    reset();
    tj_source src;
    source_init(&arena, &src, "fuzz", text, (uint32_t)n);
    const sjson *mine = json_parse(&arena, &diags, &src, "");
    if (!mine) continue;
    cJSON *oracle = cJSON_ParseWithLengthOpts(text, n + 1, NULL, 1);
    accepted++;
    agreed += oracle && same_tree(mine, oracle);
    cJSON_Delete(oracle);
  }
  CHECK(accepted > 100);
  CHECK(agreed == accepted);
  if (agreed != accepted) fprintf(stderr, "cJSON disagrees on %d of %d\n",
                                  accepted - agreed, accepted);
}

/* Confinement where the kernel has no openat2: names beneath the
 * directory open; an absolute path, any "..", and any symbolic link (even
 * one that stays inside) are refused with EXDEV. */
static void test_open_beneath_walk(void) {
  char path[256];
  write_file("in.c", "x", 1);
  snprintf(path, sizeof path, "%s/sub", tmpdir);
  CHECK(mkdir(path, 0700) == 0);
  write_file("sub/deep.c", "y", 1);
  snprintf(path, sizeof path, "%s/link.c", tmpdir);
  CHECK(symlink("in.c", path) == 0);
  snprintf(path, sizeof path, "%s/sublink", tmpdir);
  CHECK(symlink("sub", path) == 0);
  int dirfd = open(tmpdir, O_RDONLY | O_DIRECTORY);
  CHECK(dirfd >= 0);
  const char *good[] = {"in.c", "./in.c", "sub/deep.c", "sub//deep.c"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    int fd = open_beneath_walk(dirfd, good[i]);
    char c = 0;
    CHECK(fd >= 0 && read(fd, &c, 1) == 1 && (c == 'x' || c == 'y'));
    if (fd >= 0) close(fd);
  }
  const char *bad[] = {"/etc/passwd", "../in.c", "sub/../in.c", "link.c", "sublink/deep.c"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    errno = 0;
    CHECK(open_beneath_walk(dirfd, bad[i]) == -1 && errno == EXDEV);
  }
  errno = 0;
  CHECK(open_beneath_walk(dirfd, "none.c") == -1 && errno == ENOENT);
  close(dirfd);
  remove_file("link.c"), remove_file("sublink"), remove_file("sub/deep.c"), remove_file("in.c");
  snprintf(path, sizeof path, "%s/sub", tmpdir);
  rmdir(path);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/tjit-test-spec-XXXXXX");
  if (!mkdtemp(tmpdir)) return perror("mkdtemp"), 1;
  test_number_kinds();
  test_positions();
  test_strings();
  test_syntax_errors();
  test_limits();
  test_top_level();
  test_top_level_errors();
  test_source_file();
  test_source_positions();
  test_long_line_positions();
  test_parse_call();
  test_nested_arrays();
  test_scalar_errors();
  test_abstract_values();
  test_abstract_errors();
  test_npy();
  test_open_beneath_walk();
  test_against_cjson();
  rmdir(tmpdir);
  arena_free(&arena);
  return HARNESS_REPORT();
}
