/* Diagnostics in machine form (diag_format.c): the JSON error object with
 * its kind, and GitHub workflow commands with GitHub's escapes; and the
 * JSON strings they are made of (RFC 8259: UTF-8 kept, bad bytes U+FFFD). */
#include <stdlib.h>
#include <string.h>

#include "color.h"
#include "diag.h"
#include "harness.h"
#include "util.h"

/* buf_put_json_string of n bytes, malloc'd. */
static char *json_string(const char *s, size_t n) {
  tj_buf b = {0};
  buf_put_json_string(&b, s, n);
  return buf_detach(&b);
}

#define CHECK_JSON_STRING(bytes, want)                     \
  do {                                                     \
    char *got_ = json_string(bytes, sizeof(bytes) - 1);    \
    CHECK_STR(got_, want);                                 \
    free(got_);                                            \
  } while (0)

static void test_json_strings(void) {
  CHECK_JSON_STRING("plain", "\"plain\"");
  CHECK_JSON_STRING("q\"b\\", "\"q\\\"b\\\\\"");
  CHECK_JSON_STRING("a\nb\tc\r\x01\x1f\x7f", "\"a\\nb\\tc\\u000d\\u0001\\u001f\x7f\"");
  CHECK_JSON_STRING("nul\0x", "\"nul\\u0000x\"");
  /* valid UTF-8 of 2, 3 and 4 bytes is kept */
  CHECK_JSON_STRING("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  /* a stray continuation byte, a bad lead byte, an overlong form, a
   * surrogate, a code point past U+10FFFF and a sequence cut short: one
   * U+FFFD per byte that starts no valid sequence */
  CHECK_JSON_STRING("\x80", "\"\\ufffd\"");
  CHECK_JSON_STRING("\xff!", "\"\\ufffd!\"");
  CHECK_JSON_STRING("\xc0\xaf", "\"\\ufffd\\ufffd\"");
  CHECK_JSON_STRING("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
  CHECK_JSON_STRING("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
  CHECK_JSON_STRING("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
  CHECK_JSON_STRING("\xe2\x82", "\"\\ufffd\\ufffd\"");
}

/* A list over one source, "spec.json", whose second line is "  bad". */
typedef struct fixture {
  tj_arena arena;
  tj_source src;
  diag_list d;
} fixture;

static void fixture_init(fixture *f) {
  static const char text[] = "{\n  bad\n}";
  memset(f, 0, sizeof *f);
  source_init(&f->arena, &f->src, "spec.json", text, (uint32_t)strlen(text));
  f->d.arena = &f->arena;
}

static char *render(const diag_list *d, void (*fn)(const diag_list *, tj_buf *)) {
  tj_buf b = {0};
  fn(d, &b);
  buf_puts(&b, "");
  return buf_detach(&b);
}

#define CHECK_RENDER(d, fn, want)    \
  do {                               \
    char *got_ = render(d, fn);      \
    CHECK_STR(got_, want);           \
    free(got_);                      \
  } while (0)

static void test_json_error(void) {
  fixture f;
  fixture_init(&f);
  CHECK_RENDER(&f.d, diag_render_json, "null");
  /* the kind the list had when the error was added */
  diag_set_kind(&f.d, DIAG_KIND_SPEC);
  diag_error(&f.d, &f.src, span_make(4, 7), "unknown key 'bad'");
  diag_note_at(&f.d, &f.src, span_make(0, 1), "in this object");
  diag_hint(&f.d, "did you mean 'bar'?");
  diag_note(&f.d, "a second note");
  CHECK_RENDER(&f.d, diag_render_json,
               "{\"kind\": \"spec\", \"message\": \"unknown key 'bad'\", \"file\": \"spec.json\", \"line\": 2, "
               "\"column\": 3, \"notes\": [{\"message\": \"in this object\", \"file\": \"spec.json\", \"line\": 1, "
               "\"column\": 1}, {\"message\": \"a second note\", \"file\": null, \"line\": null, \"column\": null}], "
               "\"hints\": [\"did you mean 'bar'?\"]}");
  arena_free(&f.arena);

  /* a JAX error name is the kind, and is cut from the message */
  fixture_init(&f);
  diag_set_kind(&f.d, DIAG_KIND_TRACE);
  diag_error(&f.d, NULL, span_make(0, 0), "TypeError: bad operand");
  CHECK_RENDER(&f.d, diag_render_json,
               "{\"kind\": \"TypeError\", \"message\": \"bad operand\", \"file\": null, \"line\": null, "
               "\"column\": null, \"notes\": [], \"hints\": []}");
  arena_free(&f.arena);

  /* so is "internal error: "; a name without "Error" or without ": " is not a kind */
  fixture_init(&f);
  diag_error(&f.d, NULL, span_make(0, 0), "internal error: oops");
  CHECK_RENDER(&f.d, diag_render_json,
               "{\"kind\": \"internal\", \"message\": \"oops\", \"file\": null, \"line\": null, "
               "\"column\": null, \"notes\": [], \"hints\": []}");
  arena_free(&f.arena);
  fixture_init(&f);
  diag_set_kind(&f.d, DIAG_KIND_RUN);
  diag_error(&f.d, NULL, span_make(0, 0), "Error: x");
  diag_error(&f.d, NULL, span_make(0, 0), "ignored: only the first error is the object");
  CHECK_RENDER(&f.d, diag_render_json,
               "{\"kind\": \"run\", \"message\": \"Error: x\", \"file\": null, \"line\": null, "
               "\"column\": null, \"notes\": [], \"hints\": []}");
  arena_free(&f.arena);

  /* diag_retag gives a kind to the errors after a point */
  fixture_init(&f);
  diag_set_kind(&f.d, DIAG_KIND_TRACE);
  diag_error(&f.d, NULL, span_make(0, 0), "first");
  diag_retag(&f.d, NULL, DIAG_KIND_SPEC);
  CHECK(f.d.head->kind == DIAG_KIND_SPEC);
  arena_free(&f.arena);
}

static void test_github(void) {
  fixture f;
  fixture_init(&f);
  CHECK_RENDER(&f.d, diag_render_github, "");
  diag_error(&f.d, &f.src, span_make(4, 7), "100%% bad\r\nline two: a, b");
  diag_note_at(&f.d, &f.src, span_make(0, 1), "here");
  diag_hint(&f.d, "fix it");
  diag_error(&f.d, NULL, span_make(0, 0), "no location");
  CHECK_RENDER(&f.d, diag_render_github,
               "::error file=spec.json,line=2,col=3::100%25 bad%0D%0Aline two: a, b%0Aspec.json:1:1: note: here"
               "%0Ahint: fix it\n"
               "::error::no location\n");
  arena_free(&f.arena);

  /* properties escape : and , too; no line without one */
  tj_buf b = {0};
  diag_github_command(&b, "notice", "a,b:c%d.json", 0, 0, "x", 1);
  diag_github_command(&b, "warning", "f", 3, 4, "m", 1);
  CHECK_STR(b.data, "::notice file=a%2Cb%3Ac%25d.json::x\n::warning file=f,line=3,col=4::m\n");
  buf_free(&b);
}

/* color_put_message with quote "01": the text with its names marked. */
static char *quoted(const char *msg) {
  tj_buf b = {0};
  color_put_message(&b, "01", msg);
  return buf_detach(&b);
}

#define CHECK_QUOTED(msg, want)   \
  do {                            \
    char *got_ = quoted(msg);     \
    CHECK_STR(got_, want);        \
    free(got_);                   \
  } while (0)
#define B(name) "\33[01m\33[K" name "\33[m\33[K"

/* Which single quotes enclose a name (color.h): the quotes stay plain,
 * an apostrophe inside a word opens nothing, a quote without its closing
 * one on the line is text. */
static void test_quoted_names(void) {
  CHECK_QUOTED("mark 'x' static", "mark '" B("x") "' static");
  CHECK_QUOTED("'int' and 'str'", "'" B("int") "' and '" B("str") "'");
  CHECK_QUOTED("can't trace 'f'", "can't trace '" B("f") "'");
  CHECK_QUOTED("{'a': 1}", "{'" B("a") "': 1}");
  CHECK_QUOTED("'x's value", "'x's value");
  CHECK_QUOTED("'' empty, 'open\nline' x", "'' empty, 'open\nline' x");
  CHECK_QUOTED("no quote", "no quote");
  tj_buf b = {0};
  color_put_message(&b, NULL, "mark 'x'"); /* no colour: the text as it is */
  CHECK_STR(b.data, "mark 'x'");
  buf_free(&b);
}

int main(void) {
  test_quoted_names();
  test_json_strings();
  test_json_error();
  test_github();
  return HARNESS_REPORT();
}
