/* The public types' insides, shared by the files that implement tjit.h
 * (api.c, run.c). */
#ifndef TJ_API_H
#define TJ_API_H
#include "arena.h"
#include "diag.h"
#include "ir.h"
#include "tjit.h"

struct tj_ctx {
  tj_arena arena;           /* specs, sources, ASTs, diagnostics */
  diag_list diags;
};

struct tj_jaxpr {
  ir_module *m;
  const struct sjson **invar_json; /* each top-level input's value in the spec */
};

#endif
