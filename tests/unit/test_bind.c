/* Unit tests for bind.c: a call's values matched to the entry's
 * parameters (by position, by keyword), static parameters marked by
 * declaration, static_argnums and static_argnames, traced values made avals
 * and static ones Python values, named dimensions sized, and the exact
 * errors of a call that cannot be made. The messages in quotes are
 * Python's and jax.jit's (CPython's call errors, jax/_src/api_util.py's
 * static_argnums/static_argnames checks), as the golden cases show them. */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "api.h"
#include "bind.h"
#include "tjit.h"

/* One spec, its binder and its first call bound (or the diagnostics). */
typedef struct bound {
  tj_ctx *ctx;
  tj_arena arena;
  binder b;
  bound_call bc;
  char diags[2048];        /* every diagnostic, "level: message" a line */
} bound;

static void render(bound *t) {
  static const char *levels[] = {"error", "warning", "note", "hint"};
  size_t n = 0;
  t->diags[0] = 0;
  for (const tj_diag *g = t->ctx->diags.head; g && n < sizeof t->diags; g = g->next)
    n += (size_t)snprintf(t->diags + n, sizeof t->diags - n, "%s: %s\n", levels[g->level], g->msg);
}

/* Binds the spec's first call; false with t->diags. */
static bool bind_first(bound *t, const char *spec_text) {
  tj_spec *spec = NULL;
  t->ctx = tj_ctx_new();
  bool ok = tj_spec_load(t->ctx, "t.json", spec_text, strlen(spec_text), &spec) == TJ_OK &&
            binder_init(&t->b, &t->ctx->diags, spec) && bind_call(&t->b, &t->arena, &spec->calls[0], &t->bc);
  render(t);
  return ok;
}

static void unbind(bound *t) {
  arena_free(&t->arena);
  tj_ctx_free(t->ctx);
}

static void test_by_keyword(void) {
  bound t = {0};
  CHECK(bind_first(&t, "{\"source\": \"float f(float x, static int n) { return x; }\", "
                       "\"calls\": [{\"n\": 3, \"x\": [1.0, 2.0]}]}"));
  CHECK(t.bc.nargs == 2 && t.bc.entry == t.b.entry);
  bound_arg *x = &t.bc.args[0], *n = &t.bc.args[1];
  CHECK(strcmp(x->name, "x") == 0 && !x->is_static && x->by_keyword && x->json->kind == SJ_ARRAY);
  CHECK(x->aval.dtype == DT_F32 && x->aval.rank == 1 && x->aval.dims[0] == 2 && !x->aval.weak);
  CHECK(strcmp(n->name, "n") == 0 && n->is_static && n->by_keyword);
  CHECK(n->value.kind == V_INT && n->value.i == 3 && n->value.prov == 2); /* parameter 1's bit */
  unbind(&t);
}

static void test_static_by_name_and_number(void) {
  bound t = {0};
  CHECK(bind_first(&t, "{\"source\": \"float f(x, mode, k) { return x; }\", \"static_argnames\": [\"mode\"], "
                       "\"static_argnums\": [-1], \"calls\": [[1.0, \"fast\", [1, 2.5]]]}"));
  CHECK(!t.b.is_static[0] && t.b.is_static[1] && t.b.is_static[2]);
  CHECK(t.bc.args[0].aval.weak && t.bc.args[0].aval.dtype == DT_F32 && !t.bc.args[0].by_keyword);
  CHECK(t.bc.args[1].value.kind == V_STR && t.bc.args[1].value.slen == 4);
  const value *k = &t.bc.args[2].value;
  CHECK(k->kind == V_TUPLE && k->n == 2 && k->items[0].kind == V_INT && k->items[1].kind == V_FLOAT);
  CHECK(k->items[1].prov == 4); /* a tuple's items come from the parameter too */
  unbind(&t);
}

static void test_missing_argument(void) {
  bound t = {0};
  CHECK(!bind_first(&t, "{\"source\": \"float f(float x, float y) { return x; }\", \"calls\": [{\"x\": 1.0}]}"));
  CHECK_STR(t.diags, "error: calls[0]: TypeError: f() missing 1 required positional argument: 'y'\n");
  unbind(&t);
}

static void test_unexpected_and_too_many(void) {
  bound t = {0};
  CHECK(!bind_first(&t, "{\"source\": \"float f(float x, float scale) { return x; }\", "
                        "\"calls\": [{\"x\": 1.0, \"scael\": 2.0}]}"));
  CHECK_STR(t.diags, "error: calls[0].scael: TypeError: f() got an unexpected keyword argument 'scael'\n"
                     "hint: did you mean 'scale'?\n"
                     "note: f takes (x, scale)\n");
  unbind(&t);
  bound u = {0};
  CHECK(!bind_first(&u, "{\"source\": \"float f(float x) { return x; }\", \"calls\": [[1.0, 2.0]]}"));
  CHECK_STR(u.diags, "error: calls[0]: TypeError: f() takes 1 positional argument but 2 were given\n");
  unbind(&u);
}

static void test_bad_static_argnames(void) {
  bound t = {0};
  CHECK(!bind_first(&t, "{\"source\": \"float f(float x, mode) { return x; }\", \"static_argnames\": [\"mdoe\"], "
                        "\"calls\": [[1.0, 2]]}"));
  CHECK_STR(t.diags, "error: static_argnames[0]: ValueError: Jitted function has invalid argnames {'mdoe'} in "
                     "static_argnames. Function does not take these args.\n"
                     "hint: did you mean 'mode'?\n"
                     "note: f takes (x, mode)\n");
  unbind(&t);
}

/* A named dimension is sized by the first value that has it, read by the
 * later ones, and read from a static int parameter of that name. */
static void test_named_dimensions(void) {
  bound t = {0};
  CHECK(bind_first(&t, "{\"source\": \"float f(f32[n] x, f32[2, n] y) { return 0.0; }\", \"calls\": [["
                       "{\"dtype\": \"f32\", \"shape\": [3]}, {\"dtype\": \"f32\", \"shape\": [2, 3]}]]}"));
  CHECK(t.bc.args[0].dims_named == 1 && t.bc.args[1].dims_named == 0 && t.bc.shape_prov == 0);
  unbind(&t);
  bound s = {0};
  CHECK(bind_first(&s, "{\"source\": \"float f(static int n, f32[n] x) { return 0.0; }\", \"calls\": [["
                       "3, {\"dtype\": \"f32\", \"shape\": [3]}]]}"));
  CHECK(s.bc.args[1].dims_named == 0 && s.bc.shape_prov == 1);
  unbind(&s);
  bound bad = {0};
  CHECK(!bind_first(&bad, "{\"source\": \"float f(f32[n] x, f32[n] y) { return 0.0; }\", \"calls\": [["
                          "{\"dtype\": \"f32\", \"shape\": [3]}, {\"dtype\": \"f32\", \"shape\": [4]}]]}"));
  CHECK_STR(bad.diags, "error: calls[0][1]: argument 'y': dimension 0 is 4 but the declaration needs 3\n");
  unbind(&bad);
}

/* Parameters are bound in order, each value then its type: the first bad
 * parameter is the one reported, whatever is wrong with a later one. */
static void test_first_bad_parameter(void) {
  bound t = {0};
  CHECK(!bind_first(&t, "{\"source\": \"float f(f32[2] x, float y) { return y; }\", \"calls\": [[1.0, \"a\"]]}"));
  CHECK_STR(t.diags, "error: calls[0][0]: argument 'x' is declared with rank 1 but the value is f32[]\n");
  unbind(&t);
  bound u = {0};
  CHECK(!bind_first(&u, "{\"source\": \"float f(float x, float y) { return y; }\", \"calls\": [[1.0, \"a\"]]}"));
  CHECK_STR(u.diags, "error: calls[0][1]: TypeError: Error interpreting argument to f as an abstract array. The "
                     "problematic value is of type <class 'str'> and was passed to the function at path y.\n"
                     "hint: a non-array argument must be marked static (static_argnames: [\"y\"])\n");
  unbind(&u);
}

/* A pytree argument: its leaves in jax.tree_util order (a dict's values by
 * sorted key, a list's in order, None none), each named by its keystr
 * path, and the tree value the body sees (leaf k is V_TRACED var k). */
static void test_pytree_argument(void) {
  bound t = {0};
  CHECK(bind_first(&t, "{\"source\": \"auto f(p, q) { return p; }\", \"calls\": [[{\"w\": [1.0, 2.0], "
                       "\"b\": [{\"dtype\": \"i32\", \"shape\": []}, null, 3]}, null]]}"));
  bound_arg *p = &t.bc.args[0], *q = &t.bc.args[1];
  CHECK(p->is_tree && p->nleaves == 3 && q->is_tree && q->nleaves == 0 && q->tree.kind == V_NONE);
  CHECK_STR(p->leaf_names[0], "p['b'][0]");
  CHECK_STR(p->leaf_names[1], "p['b'][2]");
  CHECK_STR(p->leaf_names[2], "p['w']");
  CHECK(p->leaf_avals[0].dtype == DT_I32 && !p->leaf_avals[0].weak && p->leaf_avals[1].weak);
  CHECK(p->leaf_avals[2].dtype == DT_F32 && p->leaf_avals[2].rank == 1 && p->leaf_avals[2].dims[0] == 2);
  /* the dict keeps its keys as written: w first, its leaf the last */
  CHECK(p->tree.kind == V_MAP && p->tree.n == 4 && p->tree.items[1].kind == V_TRACED && p->tree.items[1].var == 2);
  const value *b = &p->tree.items[3];
  CHECK(b->kind == V_TUPLE && b->list && b->n == 3 && b->items[1].kind == V_NONE && b->items[2].var == 1);
  unbind(&t);
}

int main(void) {
  test_pytree_argument();
  test_by_keyword();
  test_static_by_name_and_number();
  test_missing_argument();
  test_unexpected_and_too_many();
  test_bad_static_argnames();
  test_named_dimensions();
  test_first_bad_parameter();
  return HARNESS_REPORT();
}
