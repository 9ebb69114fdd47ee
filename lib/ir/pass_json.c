/* The fuse pass's plan as JSON: the "fusion" member of `tjit emit-c
 * --format json` (tj_emit_c_json; tjit-emit-c(1), JSON OUTPUT). What
 * tjit graph --fused draws as boxes, as data. */
#include "pass.h"

#include <stdlib.h>

#include "prims.h"
#include "util.h"

/* The equations of group lead (a loop: every h with p->lead[h] == lead,
 * members then its sinks; else lead alone), as the JSON arrays of their
 * indices, primitives and, for a loop, the sinks among them. */
static void put_members(tj_buf *out, const ir_jaxpr *j, const pass_fusion *p, uint32_t lead) {
  uint32_t end = p && p->lead[lead] == lead ? p->end[lead] : lead + 1;
  static const char *const keys[] = {"equations", "primitives", "reductions"};
  for (int key = 0; key < 3; key++) {
    int n = 0;
    buf_printf(out, ", \"%s\": [", keys[key]);
    for (uint32_t h = lead; h < end && h < j->neqns; h++) {
      bool in_group = h == lead || (p && p->lead[h] == lead);
      if (!in_group || (key == 2 && !(p && p->sink[h]))) continue;
      if (n++) buf_puts(out, ", ");
      if (key == 1) buf_printf(out, "\"%s\"", prims[j->eqns[h].prim].name);
      else buf_printf(out, "%u", (unsigned)h);
    }
    buf_putc(out, ']');
  }
}

void pass_fusion_json(ir_module *m, const pass_facts *f, tj_buf *out) {
  uint32_t n, group = 0;
  ir_jaxpr **js = pass_reachable(m, &n);
  buf_puts(out, "\"jaxprs\": [");
  for (uint32_t i = 0; i < n; i++)
    buf_printf(out, "%s{\"jaxpr\": %u, \"equations\": %u}", i ? ", " : "", (unsigned)i, (unsigned)js[i]->neqns);
  buf_puts(out, "], \"fusion\": [");
  for (uint32_t i = 0; i < n; i++) {
    const ir_jaxpr *j = js[i];
    const pass_fusion *p = pass_fusion_of(f, j);
    for (uint32_t k = 0; k < j->neqns; k++) {
      uint32_t lead = p ? p->lead[k] : PASS_UNFUSED;
      if (lead != PASS_UNFUSED && lead != k) continue; /* a later equation of a loop: listed with it */
      buf_printf(out, "%s{\"group\": %u, \"jaxpr\": %u, \"kind\": \"%s\"", group ? ", " : "", (unsigned)group,
                 (unsigned)i, lead == k ? "loop" : "single");
      put_members(out, j, p, k);
      buf_putc(out, '}');
      group++;
    }
  }
  buf_putc(out, ']');
  free(js);
}
