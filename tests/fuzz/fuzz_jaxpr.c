/* fuzz_jaxpr: listing text → jaxpr_read (lib/front/jaxpr_read.c). A
 * listing refused must say why with a diagnostic of its own (an internal
 * error, ir_check's, means the reader let an invalid jaxpr through); one
 * read must print (print_jaxpr) as a listing that reads back and prints
 * the same: the printer's text is a fixed point of reading. */
#include "fuzz.h"
#include "jaxpr_read.h"
#include "print.h"

/* The listing text read as a source named name: the printed listing, or
 * NULL when refused (a finding unless a diagnostic that is no internal
 * error says why). */
static char *read_and_print(const char *name, const char *text, size_t len) {
  tj_arena arena = {0};
  diag_list diags = {.arena = &arena};
  tj_source src;
  source_init(&arena, &src, name, text, (uint32_t)len);
  jaxpr_listing l;
  char *out = NULL;
  if (jaxpr_read(&diags, &src, &l)) {
    out = print_jaxpr(l.m);
    ir_free(l.m);
  } else if (!diags.head) {
    fuzz_finding(NULL, "jaxpr_read refused a listing without a diagnostic");
  } else if (diags.head->kind == DIAG_KIND_INTERNAL || strncmp(diags.head->msg, "internal error", 14) == 0) {
    fprintf(stderr, "%s\n", diags.head->msg);
    fuzz_finding(NULL, "jaxpr_read let an invalid jaxpr through to ir_check");
  }
  arena_free(&arena);
  return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = fuzz_text(data, size);
  char *printed = read_and_print("fuzz.jaxpr", text, size);
  if (printed) {
    char *again = read_and_print("printed.jaxpr", printed, strlen(printed));
    if (!again) fprintf(stderr, "%s\n", printed), fuzz_finding(NULL, "a printed listing does not read back");
    if (strcmp(again, printed) != 0)
      fprintf(stderr, "%s\n---\n%s\n", printed, again), fuzz_finding(NULL, "a printed listing reads back differently");
    free(again);
    free(printed);
  }
  free(text);
  return 0;
}
