/* PRNG builtins (issue 16, `builtins_random`), as jax 0.10.2 records them:
 *  - threefry2x32(key1, key2, x1, x2): threefry2x32_p.bind (jax.extend.random
 *    .threefry2x32_p, jax/_src/random/threefry2x32.py), the Threefry-2x32
 *    hash of the counter pairs (x1, x2) under the key (key1, key2); four
 *    uint32 arrays, broadcast; the pair (y1, y2). A Python int is bound as
 *    JAX binds it, a weak int32, which the abstract eval refuses. */
#include "prims.h"
#include "trace.h"

static bool builtin_threefry2x32(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  tj_span span = a->call->span;
  ir_atom in[4];
  uint32_t outs[2];
  for (int k = 0; k < 4; k++)
    if (!own_atom(t, &a->pos[k], a->pos_spans[k], &in[k])) return false;
  if (!emit_n(t, b->prim, in, 4, 2, NULL, 0, span, outs)) return false;
  value *vs = ARENA_ARRAY(&t->scratch, value, 2);
  vs[0] = value_traced(outs[0]), vs[1] = value_traced(outs[1]);
  *out = (value){.kind = V_TUPLE, .n = 2, .items = vs};
  return true;
}

const builtin_def builtins_random[] = {
    {"threefry2x32", builtin_threefry2x32, 4, 4, NULL, P_threefry2x32},
    {NULL, NULL, 0, 0, NULL, 0},
};
