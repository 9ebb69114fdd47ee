/* The jaxpr as a cgraph graph (see graph.h): one node per equation, traced
 * input, output and literal use, one box for the static arguments, an edge
 * per variable use labelled with its aval, and nested clusters for
 * sub-jaxprs (wired from the equation's operands, their outputs into the
 * equation's node) and, with --fused, for the C backend's fused loops.
 *
 * A sub-jaxpr used by several equations (a jit traced once per signature)
 * is drawn once per use: its variables are bound to the nodes of the copy
 * being drawn, so the drawing follows the data flow of each call.
 *
 * In a large graph an edge from a value defined many ranks above its use
 * (a parameter every step of an unrolled loop reads) goes to a small proxy
 * node beside the use instead: dot routes a long edge through a virtual
 * node per rank it spans, and hundreds of them took Graphviz minutes. */
#include "graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_key.h"
#include "pass.h"
#include "prims.h"
#include "print.h"
#include "spec.h"

enum {
  LABEL_PARAM_MAX = 80,    /* bytes of one param or static value shown */
  LABEL_STATIC_MAX = 32,   /* static arguments listed in the box */
  PROXY_MIN_VARS = 256,    /* graphs of this many variables use proxies */
  PROXY_SPAN = 3,          /* for edges spanning more ranks than this */
};

/* The attributes set per object, declared once on the root. */
enum attr { A_LABEL, A_SHAPE, A_STYLE, A_FILL, A_COLOR, A_FONTSIZE, A_COUNT };

typedef struct drawer {
  Agraph_t *root;
  const ir_module *m;
  const pass_facts *fused; /* --fused: the passes' facts (the fusion plans); NULL: none */
  Agnode_t **producer;     /* per module variable: the node that defines it */
  uint32_t *depth;         /* per module variable: its producer's depth (longest path from an input) */
  const char **source;     /* per module variable: its producer in a word (parameter, primitive) */
  bool proxies;            /* a large graph: long edges end at proxy nodes */
  uint32_t nnodes, nclusters;
  Agsym_t *node_attr[A_COUNT], *graph_attr[A_COUNT], *edge_label;
  tj_buf text;             /* scratch for labels */
  const diag_at *at;       /* where the failure is reported */
  bool failed;
} drawer;

/* How a kind of node looks: shape, style, fill colour, font size. */
typedef struct look {
  const char *shape, *style, *fill, *fontsize;
} look;

static const look LOOK_EQN = {"box", "rounded,filled", "#eef2fb", "11"};
static const look LOOK_CONTROL = {"box", "rounded,filled,bold", "#e3dcf5", "11"};
static const look LOOK_INPUT = {"invhouse", "filled", "#d4ecd4", "11"};
static const look LOOK_INNER_INPUT = {"ellipse", "filled", "#eaf5ea", "10"};
static const look LOOK_CONST = {"cylinder", "filled", "#fbe7c6", "10"};
static const look LOOK_OUTPUT = {"house", "filled", "#f8d7d3", "11"};
static const look LOOK_LITERAL = {"box", "filled,dashed", "#f3f3f3", "9"};
static const look LOOK_STATIC = {"note", "filled", "#fff8c4", "10"};
static const look LOOK_PROXY = {"box", "dashed,rounded,filled", "#ffffff", "9"};

/* The text's font, named as a family list that fontconfig and an SVG
   viewer both read. Graphviz sizes every box from the font it finds, so a
   generic name ("Helvetica", "sans") made the layout depend on the fonts a
   machine happens to have (DejaVu Sans on one, Liberation Mono on another).
   Liberation Sans (Debian's fonts-liberation2, installed by
   scripts/install-deps.sh) is named first; it has Arial's and Helvetica's
   metrics, so a viewer that has only those draws text that fits its box. */
#define FONT_FAMILIES "Liberation Sans,Arial,Helvetica,sans-serif"

static const char *const attr_names[A_COUNT] = {"label", "shape", "style", "fillcolor", "color", "fontsize"};

static void declare_attrs(drawer *d, const tj_graph_opts *opts) {
  static const char *const node_defaults[A_COUNT] = {"\\N", "box", "", "", "", "11"};
  for (int a = 0; a < A_COUNT; a++) {
    d->node_attr[a] = agattr(d->root, AGNODE, (char *)attr_names[a], (char *)node_defaults[a]);
    d->graph_attr[a] = agattr(d->root, AGRAPH, (char *)attr_names[a], "");
  }
  d->edge_label = agattr(d->root, AGEDGE, "label", "");
  agattr(d->root, AGEDGE, "fontsize", "9");
  agattr(d->root, AGEDGE, "color", "#555555");
  agattr(d->root, AGNODE, "fontname", (char *)FONT_FAMILIES);
  agattr(d->root, AGEDGE, "fontname", (char *)FONT_FAMILIES);
  agattr(d->root, AGRAPH, "fontname", (char *)FONT_FAMILIES);
  agattr(d->root, AGRAPH, "rankdir", opts->left_to_right ? "LR" : "TB");
  agattr(d->root, AGRAPH, "nodesep", "0.25");
  agattr(d->root, AGRAPH, "ranksep", "0.35");
}

static bool fail(drawer *d, const char *msg) {
  if (!d->failed) diag_error_at(d->at, "%s", msg);
  d->failed = true;
  return false;
}

/* Sets a label: HTML-like when the text is markup we made, else plain. */
static void set_label(Agsym_t *sym, void *obj, const char *text, bool html) {
  Agraph_t *root = agroot(agraphof(obj));
  char *s = html ? agstrdup_html(root, (char *)text) : agstrdup(root, (char *)text);
  agxset(obj, sym, s);
  agstrfree(root, s);
}

/* A new node in graph g with a generated name, look and label. */
static Agnode_t *new_node(drawer *d, Agraph_t *g, const look *lk, const char *label, bool html) {
  char name[32];
  if (d->failed) return NULL;
  if (d->nnodes >= GRAPH_MAX_NODES) {
    if (!d->failed) diag_error_at(d->at, "the graph is too large to draw (limit is %d nodes)", GRAPH_MAX_NODES);
    d->failed = true;
    return NULL;
  }
  snprintf(name, sizeof name, "n%u", d->nnodes++);
  Agnode_t *n = agnode(g, name, 1);
  if (!n) { fail(d, "cannot create a graph node"); return NULL; }
  agxset(n, d->node_attr[A_SHAPE], (char *)lk->shape);
  agxset(n, d->node_attr[A_STYLE], (char *)lk->style);
  agxset(n, d->node_attr[A_FILL], (char *)lk->fill);
  agxset(n, d->node_attr[A_FONTSIZE], (char *)lk->fontsize);
  set_label(d->node_attr[A_LABEL], n, label, html);
  return n;
}

/* A new cluster in g; its label is markup built by the caller. */
static Agraph_t *new_cluster(drawer *d, Agraph_t *g, const char *label, const char *style,
                             const char *color) {
  char name[32];
  snprintf(name, sizeof name, "cluster%u", d->nclusters++);
  Agraph_t *c = agsubg(g, name, 1);
  if (!c) { fail(d, "cannot create a graph cluster"); return NULL; }
  set_label(d->graph_attr[A_LABEL], c, label, true);
  agxset(c, d->graph_attr[A_STYLE], (char *)style);
  agxset(c, d->graph_attr[A_COLOR], (char *)color);
  agxset(c, d->graph_attr[A_FONTSIZE], "10");
  return c;
}

static void aval_text(const tj_aval *a, char *out, int size) {
  if (a->dtype >= DT_COUNT || a->rank > TJ_MAX_RANK) snprintf(out, (size_t)size, "?");
  else aval_format(a, out, size);
}

static void add_edge(drawer *d, Agnode_t *from, Agnode_t *to, const tj_aval *a) {
  char text[256];
  if (!from || !to || d->failed) return;
  Agedge_t *e = agedge(d->root, from, to, NULL, 1);
  if (!e) { fail(d, "cannot create a graph edge"); return; }
  aval_text(a, text, sizeof text);
  set_label(d->edge_label, e, text, false);
}

/* The node an operand comes from: a variable's producer, or a fresh node
 * for this use of a literal (in g, the jaxpr's own cluster). */
static Agnode_t *operand_node(drawer *d, Agraph_t *g, ir_atom a) {
  uint32_t i = ATOM_INDEX(a);
  if (!ATOM_IS_LIT(a)) return i < d->m->nvars ? d->producer[i] : NULL;
  if (i >= d->m->nlits) return NULL;
  tj_buf *t = &d->text;
  t->len = 0;
  const ir_lit *l = &d->m->lits[i];  /* as the listing shows it, f32 values already rounded */
  if (l->dtype >= DT_COUNT) buf_putc(t, '?');
  else if (dtype_kindof(l->dtype) == DK_BOOL) buf_puts(t, l->i ? "True" : "False");
  else if (dtype_kindof(l->dtype) == DK_FLOAT) buf_put_pyfloat(t, l->f);
  else buf_printf(t, "%lld", (long long)l->i);
  return new_node(d, g, &LOOK_LITERAL, t->data, false);
}

/* The defining node of variable v as seen from a use at depth `at` in g:
 * the producer itself, or in a large graph a proxy beside a far use. */
static Agnode_t *source_node(drawer *d, Agraph_t *g, uint32_t v, uint32_t at) {
  if (!d->proxies || at <= d->depth[v] + PROXY_SPAN || !d->producer[v]) return d->producer[v];
  tj_buf label = {0};
  const char *word = d->source[v] ? d->source[v] : "value";
  buf_puts(&label, "<I>from ");
  graph_put_html(&label, word, strlen(word), LABEL_PARAM_MAX);
  buf_puts(&label, "</I>");
  Agnode_t *n = new_node(d, g, &LOOK_PROXY, label.data, true);
  buf_free(&label);
  return n;
}

/* An edge for the use of atom a by node `to` (in g, at depth `at`). */
static void use(drawer *d, Agraph_t *g, ir_atom a, Agnode_t *to, uint32_t at) {
  tj_aval av = ir_atom_aval(d->m, a);
  uint32_t v = ATOM_INDEX(a);
  Agnode_t *from = !ATOM_IS_LIT(a) && v < d->m->nvars ? source_node(d, g, v, at) : operand_node(d, g, a);
  add_edge(d, from, to, &av);
}

/* The depth of an equation: one below its deepest operand. */
static uint32_t eqn_depth(const drawer *d, const ir_eqn *e) {
  uint32_t at = 0;
  for (uint32_t k = 0; k < e->nin; k++)
    if (!ATOM_IS_LIT(e->in[k]) && ATOM_INDEX(e->in[k]) < d->m->nvars && d->depth[ATOM_INDEX(e->in[k])] > at)
      at = d->depth[ATOM_INDEX(e->in[k])];
  return at + 1;
}

/* ---- equation labels ---- */

/* Whether param a prints before b: the listing's order (sorted by key,
 * name= first where the primitive says so). */
static bool param_before(const ir_eqn *e, const ir_param *a, const ir_param *b) {
  bool name_first = e->prim < P_COUNT && (prims[e->prim].flags & PF_NAME_FIRST);
  if (name_first && strcmp(a->key, "name") == 0) return true;
  if (name_first && strcmp(b->key, "name") == 0) return false;
  return strcmp(a->key, b->key) < 0;
}

/* `<B>prim</B>` and a line per param, sub-jaxprs and None values left out
 * (sub-jaxprs are the clusters; None params are JAX's sharding defaults). */
static void eqn_label(drawer *d, const ir_eqn *e, tj_buf *out) {
  const char *name = e->prim < P_COUNT ? prims[e->prim].name : "?";
  bool *done = calloc(e->nparams + 1u, sizeof *done);
  if (!done) TJ_OOM();
  buf_puts(out, "<B>");
  graph_put_html(out, name, strlen(name), LABEL_PARAM_MAX);
  buf_puts(out, "</B>");
  for (int n = 0; n < e->nparams; n++) {
    int next = -1;
    for (int k = 0; k < e->nparams; k++)
      if (!done[k] && (next < 0 || param_before(e, &e->params[k], &e->params[next]))) next = k;
    done[next] = true;
    const ir_param *p = &e->params[next];
    if (!p->val || ir_pval_is(p->val, PK_NONE) || ir_pval_njaxprs(p->val) > 0) continue;
    tj_buf v = {0};
    print_param_value(d->m, p->val, &v);
    buf_puts(out, "<BR/>");
    graph_put_html(out, p->key, strlen(p->key), LABEL_PARAM_MAX);
    buf_putc(out, '=');
    graph_put_html(out, v.data ? v.data : "", v.len, LABEL_PARAM_MAX);
    buf_free(&v);
  }
  free(done);
}

/* ---- jaxprs ---- */

static void draw_jaxpr_body(drawer *d, Agraph_t *g, const ir_jaxpr *j);

/* Which operand of e feeds input k (constvars first) of its sub-jaxpr held
 * in param key; -1: none (a constvar holds its own value). cond's operand
 * 0 is the branch index; while's operands are cond consts, body consts,
 * then the carry. */
static int64_t sub_operand(const ir_eqn *e, const char *key, const ir_jaxpr *sub, uint32_t k) {
  uint32_t nsub = sub->nin;
  if (k < sub->nconst) return -1;
  k -= sub->nconst;
  if (e->prim == P_while) {
    int64_t c = ir_param_int(e, "cond_nconsts", 0), b = ir_param_int(e, "body_nconsts", 0);
    bool body = strcmp(key, "body_jaxpr") == 0;
    int64_t nconst = body ? b : c, at = k < nconst ? (body ? c : 0) + k : c + b + (k - nconst);
    return at >= 0 && at < e->nin ? at : -1;
  }
  if (nsub == e->nin) return k;
  if (nsub + 1 == e->nin) return k + 1;
  return -1;
}

/* The leading inputs of a sub-jaxpr that are captured constants. */
static int64_t sub_nconsts(const ir_eqn *e, const char *key) {
  const char *param = e->prim == P_scan ? "num_consts"
                      : e->prim == P_while ? (strcmp(key, "body_jaxpr") == 0 ? "body_nconsts" : "cond_nconsts")
                                           : NULL;
  return param ? ir_param_int(e, param, 0) : 0;
}

/* One sub-jaxpr of e as a cluster of g: inputs wired from e's operands,
 * outputs into e's node. title is markup ("cond: branch 0"). */
static void draw_sub(drawer *d, Agraph_t *g, const ir_eqn *e, Agnode_t *eqn_node, const char *key,
                     const ir_jaxpr *sub, const char *title, bool *fed, uint32_t depth) {
  Agraph_t *c = new_cluster(d, g, title, "rounded", "#7a6aa8");
  if (!c) return;
  int64_t nconsts = sub_nconsts(e, key);
  for (uint32_t k = 0; k < sub->nconst + sub->nin && !d->failed; k++) {
    uint32_t v = k < sub->nconst ? sub->constvars[k] : sub->invars[k - sub->nconst];
    bool is_const = k < sub->nconst || (int64_t)k < nconsts + sub->nconst;
    char text[300], av[256];
    aval_text(v < d->m->nvars ? &d->m->vars[v] : &(tj_aval){.dtype = DT_COUNT}, av, sizeof av);
    snprintf(text, sizeof text, "<I>%s</I><BR/>%s", is_const ? "const" : "in", av);
    Agnode_t *in = new_node(d, c, is_const ? &LOOK_CONST : &LOOK_INNER_INPUT, text, true);
    int64_t from = sub_operand(e, key, sub, k);
    if (from >= 0) {
      use(d, g, e->in[from], in, depth);
      fed[from] = true;
    }
    if (v < d->m->nvars) d->producer[v] = in, d->depth[v] = depth, d->source[v] = is_const ? "const" : "in";
  }
  draw_jaxpr_body(d, c, sub);
  for (uint32_t k = 0; k < sub->nout && !d->failed; k++) use(d, c, sub->outs[k], eqn_node, 0);
}

/* The sub-jaxprs of a control-flow equation, in param order. */
static void draw_subs(drawer *d, Agraph_t *g, const ir_eqn *e, Agnode_t *eqn_node, uint32_t depth) {
  const char *prim = prims[e->prim].name;
  bool *fed = calloc(e->nin + 1u, sizeof *fed);
  if (!fed) TJ_OOM();
  for (int p = 0; p < e->nparams && !d->failed; p++) {
    const pval *v = e->params[p].val;
    const char *key = e->params[p].key;
    int n = ir_pval_njaxprs(v);
    const char *name = e->prim == P_jit || e->prim == P_custom_jvp_call || e->prim == P_custom_vjp_call ? ir_param_name(e, "name") : NULL;
    for (int i = 0; i < n && !d->failed; i++) {
      tj_buf title = {0};
      buf_printf(&title, "<B>%s</B>: ", prim);
      if (ir_pval_is(v, PK_JAXPRS)) buf_printf(&title, "branch %d", i);
      else if (name) graph_put_html(&title, name, strlen(name), LABEL_PARAM_MAX);
      else graph_put_html(&title, key, strlen(key), LABEL_PARAM_MAX);
      const ir_jaxpr *sub = ir_pval_jaxpr(v, i);
      if (sub) draw_sub(d, g, e, eqn_node, key, sub, title.data, fed, depth);
      buf_free(&title);
    }
  }
  for (uint32_t k = 0; k < e->nin && !d->failed; k++) /* cond's index, unused operands */
    if (!fed[k]) use(d, g, e->in[k], eqn_node, depth);
  free(fed);
}

static bool has_subs(const ir_eqn *e) {
  for (int p = 0; p < e->nparams; p++)
    if (ir_pval_njaxprs(e->params[p].val) > 0) return true;
  return false;
}

static void draw_eqn(drawer *d, Agraph_t *g, const ir_eqn *e) {
  tj_buf label = {0};
  eqn_label(d, e, &label);
  bool control = has_subs(e);
  Agnode_t *eqn_node = new_node(d, g, control ? &LOOK_CONTROL : &LOOK_EQN, label.data, true);
  buf_free(&label);
  if (!eqn_node) return;
  uint32_t depth = eqn_depth(d, e);
  if (control) draw_subs(d, g, e, eqn_node, depth);
  else
    for (uint32_t k = 0; k < e->nin && !d->failed; k++) use(d, g, e->in[k], eqn_node, depth);
  for (uint32_t k = 0; k < e->nout; k++)
    if (e->out[k] < d->m->nvars)
      d->producer[e->out[k]] = eqn_node, d->depth[e->out[k]] = depth, d->source[e->out[k]] = prims[e->prim].name;
}

/* The equations of j into g; fused groups of two or more equations (the
 * C backend's loops, as the fuse pass planned them) as clusters of their
 * own. */
static void draw_jaxpr_body(drawer *d, Agraph_t *g, const ir_jaxpr *j) {
  const uint32_t *group = NULL;
  uint32_t *members = NULL;
  Agraph_t **clusters = NULL;
  const pass_fusion *plan = d->fused && j->neqns ? pass_fusion_of(d->fused, j) : NULL;
  if (plan) {
    group = plan->lead;
    members = calloc(j->neqns, sizeof *members);
    clusters = calloc(j->neqns, sizeof *clusters);
    if (!members || !clusters) TJ_OOM();
    for (uint32_t k = 0; k < j->neqns; k++)
      if (group[k] < j->neqns) members[group[k]]++;
  }
  for (uint32_t k = 0; k < j->neqns && !d->failed; k++) {
    Agraph_t *home = g;
    uint32_t lead = group ? group[k] : PASS_UNFUSED;
    if (lead < j->neqns && members[lead] >= 2) {
      if (!clusters[lead]) clusters[lead] = new_cluster(d, g, "<I>fused loop</I>", "dashed,rounded", "#d08a1c");
      home = clusters[lead] ? clusters[lead] : g;
    }
    draw_eqn(d, home, &j->eqns[k]);
  }
  free(members), free(clusters);
}

/* ---- the top level ---- */

/* One box listing the static arguments, which the trace baked in. */
static void draw_statics(drawer *d, const tj_jaxpr *tj) {
  tj_buf label = {0};
  int shown = 0;
  for (int i = 0; i < tj->nparams; i++) {
    if (!tj->param_static[i]) continue;
    if (shown == 0) buf_puts(&label, "<B>static</B>");
    if (shown++ == LABEL_STATIC_MAX) { buf_puts(&label, "<BR/>..."); break; }
    tj_buf repr = {0};
    if (tj->param_json[i]) cache_static_repr(tj->param_json[i], &repr);
    else if (tj->param_default[i]) buf_printf(&repr, "%s (default)", tj->param_default[i]);
    buf_puts(&label, "<BR/>");
    graph_put_html(&label, tj->param_names[i], strlen(tj->param_names[i]), LABEL_PARAM_MAX);
    buf_puts(&label, " = ");
    graph_put_html(&label, repr.data ? repr.data : "", repr.len, LABEL_PARAM_MAX);
    buf_free(&repr);
  }
  if (shown) new_node(d, d->root, &LOOK_STATIC, label.data, true);
  buf_free(&label);
}

/* A top-level input: its parameter name (bold) and aval. */
static void draw_input(drawer *d, const char *name, uint32_t v, const look *lk) {
  tj_buf label = {0};
  char av[256];
  aval_text(&d->m->vars[v], av, sizeof av);
  buf_puts(&label, "<B>");
  graph_put_html(&label, name, strlen(name), LABEL_PARAM_MAX);
  buf_printf(&label, "</B><BR/>%s", av);
  d->producer[v] = new_node(d, d->root, lk, label.data, true);
  d->source[v] = name;
  buf_free(&label);
}

static void draw_top(drawer *d, const tj_jaxpr *tj) {
  const ir_jaxpr *j = d->m->top;
  draw_statics(d, tj);
  for (uint32_t k = 0; k < j->nconst && !d->failed; k++)
    if (j->constvars[k] < d->m->nvars) draw_input(d, "const", j->constvars[k], &LOOK_CONST);
  for (uint32_t k = 0; k < j->nin && !d->failed; k++) {
    const char *name = tj->invar_names ? tj->invar_names[k] : NULL; /* a pytree leaf: params['w'] */
    if (j->invars[k] < d->m->nvars) draw_input(d, name ? name : "in", j->invars[k], &LOOK_INPUT);
  }
  draw_jaxpr_body(d, d->root, j);
  for (uint32_t k = 0; k < j->nout && !d->failed; k++) {
    char label[300], av[256];
    tj_aval a = ir_atom_aval(d->m, j->outs[k]);
    aval_text(&a, av, sizeof av);
    snprintf(label, sizeof label, "<B>out %u</B><BR/>%s", k, av);
    Agnode_t *out = new_node(d, d->root, &LOOK_OUTPUT, label, true);
    use(d, d->root, j->outs[k], out, 0);
  }
}

/* ---- the size, known before drawing ---- */

/* The nodes drawing j makes at least (equations, sub-jaxpr inputs and
 * literal uses; proxies come on top), and the cost of making them: a node
 * in a cluster nested d deep is a member of d + 1 cgraph graphs, and
 * cgraph's time goes to those memberships (65,000 nodes in clusters 14
 * deep took 3.3 s to write as DOT, 98,000 nodes in none 0.7 s). Both
 * saturate just past their limits. A shared sub-jaxpr is drawn once per
 * use but counted once: memo holds each jaxpr's size by id, so a jit
 * shared at every level of a deep nesting is refused at once instead of
 * after minutes of building nodes. */
typedef struct draw_size {
  uint64_t nodes, members;
  bool known;
} draw_size;

static uint64_t saturate(uint64_t n, uint64_t limit) { return n > limit ? limit + 1 : n; }

static draw_size size_at_least(const ir_module *m, const ir_jaxpr *j, draw_size *memo) {
  if (j->id < m->njaxprs && memo[j->id].known) return memo[j->id];
  draw_size z = {0, 0, true};
  for (uint32_t k = 0; k < j->neqns && z.nodes <= GRAPH_MAX_NODES; k++) { /* members saturate below */
    const ir_eqn *e = &j->eqns[k];
    uint64_t own = 1;
    for (uint32_t i = 0; i < e->nin; i++) own += ATOM_IS_LIT(e->in[i]);
    z.nodes += own, z.members += own;
    for (int p = 0; p < e->nparams; p++) {
      const pval *v = e->params[p].val;
      for (int i = 0; i < ir_pval_njaxprs(v); i++) {
        const ir_jaxpr *sub = ir_pval_jaxpr(v, i);
        if (!sub) continue;
        draw_size s = size_at_least(m, sub, memo);
        uint64_t inner = sub->nconst + sub->nin + s.nodes;
        /* one cluster deeper: every inner node is a member of it too */
        z.nodes += inner, z.members += s.members + sub->nconst + sub->nin + inner;
      }
    }
  }
  z.nodes = saturate(z.nodes, GRAPH_MAX_NODES), z.members = saturate(z.members, GRAPH_MAX_MEMBERS);
  if (j->id < m->njaxprs) memo[j->id] = z;
  return z;
}

static bool too_large(const diag_at *at, const ir_module *m) {
  draw_size *memo = calloc(m->njaxprs + 1u, sizeof *memo);
  if (!memo) TJ_OOM();
  draw_size z = size_at_least(m, m->top, memo);
  free(memo);
  if (z.nodes > GRAPH_MAX_NODES)
    diag_error_at(at, "the graph is too large to draw (limit is %d nodes)", GRAPH_MAX_NODES);
  else if (z.members > GRAPH_MAX_MEMBERS)
    diag_error_at(at, "the graph is too large to draw (limit is %d nodes, counting a node once more for each "
                      "cluster around it)", GRAPH_MAX_MEMBERS);
  else
    return false;
  return true;
}

static bool draw(const diag_at *at, Agraph_t *g, const tj_jaxpr *tj, const pass_facts *fused,
                 const tj_graph_opts *opts) {
  drawer d = {.root = g, .m = tj->m, .fused = fused, .at = at};
  d.producer = calloc(d.m->nvars + 1u, sizeof *d.producer);
  d.depth = calloc(d.m->nvars + 1u, sizeof *d.depth);
  d.source = calloc(d.m->nvars + 1u, sizeof *d.source);
  if (!d.producer || !d.depth || !d.source) TJ_OOM();
  d.proxies = d.m->nvars >= PROXY_MIN_VARS;
  declare_attrs(&d, opts);
  draw_top(&d, tj);
  free(d.producer), free(d.depth), free(d.source);
  buf_free(&d.text);
  return !d.failed;
}

/* The drawing of tj->m; with --fused, of tj->m as the pass pipeline
 * leaves it for the C backend (dead code gone, loops planned). */
tj_status graph_build(const diag_at *at, Agraph_t *g, const tj_jaxpr *tj, const tj_graph_opts *opts) {
  if (!opts->fused) return !too_large(at, tj->m) && draw(at, g, tj, NULL, opts) ? TJ_OK : TJ_ERR_USAGE;
  pass_facts facts = {0};
  tj_jaxpr lowered = *tj; /* the parameters' names and values stay the traced module's */
  if (!(lowered.m = pass_pipeline(tj->m, &opts->trace, &facts, at->d))) return TJ_ERR_INTERNAL;
  bool ok = !too_large(at, lowered.m) && draw(at, g, &lowered, &facts, opts);
  pass_facts_free(&facts);
  ir_free(lowered.m);
  return ok ? TJ_OK : TJ_ERR_USAGE;
}
