/* tj_graph: trace, build the graph (graph.c), then write DOT with cgraph or
 * lay out and render with libgvc, all in process. Also the ID discipline
 * that keeps the output independent of malloc (see graph.h) and the
 * escaping of label text. */
#include "graph.h"

#include <gvc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "hashmap.h"

/* ---- IDs in creation order ----
 * A named object's ID is 2 * (1 + its index in names[]); anonymous objects
 * (edges) take odd IDs from a counter. All of it belongs to one root graph
 * (open/close), so nothing is global; the discipline tables below are
 * constant in use (cgraph's API takes them unqualified). */

typedef struct id_state {
  Agraph_t *root;
  char **names;            /* by index; interned in root's string dict */
  size_t n, cap;
  hashmap index;           /* name -> its index in names (malloc'd) */
  IDTYPE next_anon;
} id_state;

static void *id_open(Agraph_t *g, Agdisc_t *disc) {
  (void)disc;
  id_state *st = calloc(1, sizeof *st);
  if (!st) TJ_OOM();
  st->root = g;
  st->next_anon = 1;
  return st;
}

static bool name_eq(const void *ctx, uint32_t i, const void *key) {
  return strcmp(((const id_state *)ctx)->names[i], key) == 0;
}

/* Appends a copy of name to names. */
static void add_name(id_state *st, char *name) {
  if (st->n == st->cap) {
    st->cap = st->cap ? st->cap * 2 : 256;
    st->names = realloc(st->names, st->cap * sizeof *st->names);
    if (!st->names) TJ_OOM();
  }
  /* cgraph reads a flag stored before an interned string (aghtmlstr), so
   * names it prints must be agstrdup's; agclose frees them. */
  if (!(st->names[st->n] = agstrdup(st->root, name))) TJ_OOM();
  st->n++;
}

static long id_map(void *state, int objtype, char *str, IDTYPE *id, int createflag) {
  id_state *st = state;
  (void)objtype;
  if (!str) {
    *id = st->next_anon;
    st->next_anon += 2;
    return 1;
  }
  uint64_t hash = hash_str(str);
  uint32_t i = hashmap_find(&st->index, hash, name_eq, st, str);
  if (i == HASHMAP_NONE) {
    if (!createflag) return 0;
    i = (uint32_t)st->n;
    add_name(st, str);
    hashmap_add(&st->index, hash, name_eq, st, str, i);
  }
  *id = 2 * ((IDTYPE)i + 1);
  return 1;
}

static long id_alloc(void *state, int objtype, IDTYPE request) {
  (void)state, (void)objtype, (void)request;
  return 0;  /* no IDs chosen by the caller */
}

static void id_free(void *state, int objtype, IDTYPE id) { (void)state, (void)objtype, (void)id; }

static char *id_print(void *state, int objtype, IDTYPE id) {
  id_state *st = state;
  (void)objtype;
  return id % 2 == 0 && id / 2 >= 1 && id / 2 <= st->n ? st->names[id / 2 - 1] : NULL;
}

static void id_close(void *state) {
  id_state *st = state;
  free(st->names);
  hashmap_free(&st->index);
  free(st);
}

static void id_register(void *state, int objtype, void *obj) { (void)state, (void)objtype, (void)obj; }

static Agiddisc_t ordered_ids = {id_open, id_map, id_alloc, id_free, id_print, id_close, id_register};

/* ---- DOT text into a buffer ---- */

static int put_str(void *chan, const char *s) {
  buf_puts(chan, s);
  return 0;
}

static int no_flush(void *chan) {
  (void)chan;
  return 0;
}

static Agiodisc_t buffer_io = {NULL, put_str, no_flush};
static Agdisc_t graph_disc = {&AgMemDisc, &ordered_ids, &buffer_io};

Agraph_t *graph_open(const char *name) { return agopen((char *)name, Agdirected, &graph_disc); }

bool graph_write_dot(Agraph_t *g, tj_buf *out) {
  buf_puts(out, "");  /* an empty graph still yields a string */
  return agwrite(g, out) == 0;
}

/* ---- label text ---- */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  size_t len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
  if (s[0] >= 0xf5 || len == 0 || len > n) return 0;
  for (size_t i = 1; i < len; i++)
    if ((s[i] & 0xc0) != 0x80) return 0;
  if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) || (s[0] == 0xf0 && s[1] < 0x90) ||
      (s[0] == 0xf4 && s[1] >= 0x90))
    return 0;  /* overlong, surrogate, past U+10FFFF */
  return len;
}

void graph_put_html(tj_buf *b, const char *text, size_t n, size_t max) {
  const unsigned char *s = (const unsigned char *)text;
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    size_t len = c >= 0x80 ? utf8_len(s + i, n - i) : 1;
    if (i + (len ? len : 1) > max) { buf_puts(b, "..."); return; }
    if (len == 3 && c == 0xef && s[i + 1] == 0xbf && s[i + 2] >= 0xbe) /* U+FFFE, U+FFFF: not XML 1.0 */
      buf_printf(b, "&#92;&#92;u%04x", 0xfffe + (s[i + 2] - 0xbe));
    else if (len > 1) buf_putn(b, text + i, len);
    else if (c == '&') buf_puts(b, "&amp;");
    else if (c == '<') buf_puts(b, "&lt;");
    else if (c == '>') buf_puts(b, "&gt;");
    else if (c == '"') buf_puts(b, "&quot;");
    else if (c == '\'') buf_puts(b, "&#39;");
    else if (c == '\\') buf_puts(b, "&#92;&#92;");  /* Graphviz shows a pair as one */
    else if (c < 0x20 || c >= 0x7f) buf_printf(b, "&#92;&#92;x%02x", c);
    else buf_putc(b, (char)c);
    i += len ? len : 1;
  }
}

long long graph_layout_cost(Agraph_t *g) {
  long long nodes = agnnodes(g), edges = agnedges(g);
  return nodes * (nodes + edges);
}

/* ---- the API ---- */

tj_graph_opts tj_graph_defaults(void) {
  tj_graph_opts o = {.trace = tj_trace_defaults(), .format = TJ_GRAPH_DOT};
  return o;
}

static const char *const format_names[] = {"dot", "svg", "png", "pdf"};

const char *tj_graph_format_name(tj_graph_format f) {
  return (unsigned)f < sizeof format_names / sizeof format_names[0] ? format_names[f] : NULL;
}

/* dot's crossing minimization and ranking grow fast with size; past this
 * many nodes, fewer iterations keep a drawing of 2,000 equations in
 * seconds. (nslimit=1 would halve that again, but dot 2.43 crashes with
 * it on a value read by a thousand far-apart equations.) */
enum { LARGE_GRAPH_NODES = 400 };

/* Graphviz keeps global state (cgraph's error state, the dot layout's
 * and the renderers' statics): one drawing at a time in the process, from
 * agopen to agclose, so that threads may call tj_graph at once, each with
 * its own tj_ctx (tjit.h, "Threads"). With jit.c's lock, the library's
 * only global state, and the context below. */
static pthread_mutex_t graphviz_lock = PTHREAD_MUTEX_INITIALIZER;

/* The process's one Graphviz context, made at its first drawing and never
 * freed (graphviz_lock held). Graphviz 2.43's pango plugin keeps a pointer
 * to the last font name it laid out, which lives in the context's font
 * dictionary: a context freed after each drawing left it dangling, and the
 * next drawing of the process read freed memory (ASan: a second tj_graph
 * to SVG). NULL when Graphviz cannot start. */
static GVC_t *the_context;

static GVC_t *graphviz_context(void) {
  if (!the_context) the_context = gvContext();
  return the_context;
}

/* The context if a drawing made it, else NULL (graphviz_lock held). */
static GVC_t *graphviz_context_made(void) { return the_context; }

/* Tells o's progress callback, if any, that a phase starts. */
static void phase(const tj_graph_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void phase(const tj_graph_opts *o, const char *fmt, ...) {
  char text[96];
  va_list ap;
  if (!o->progress) return;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  o->progress(o->progress_arg, text);
}

/* The process's context when a drawing made it; else a bare one
 * (gvNEWcontext: no plugin configuration read, which is most of
 * gvContext's 5 ms) made and freed for the question. gvcVersion is the
 * library's own static text (gvcontext.c's LibInfo), valid after it. */
const char *graph_graphviz_version(void) {
  pthread_mutex_lock(&graphviz_lock);
  GVC_t *gvc = graphviz_context_made(), *bare = gvc ? NULL : gvNEWcontext(NULL, 1);
  const char *v = gvc ? gvcVersion(gvc) : bare ? gvcVersion(bare) : NULL;
  if (bare) gvFreeContext(bare);
  pthread_mutex_unlock(&graphviz_lock);
  return v;
}

/* Lays g out and renders it; a failure is a diagnostic in ctx. */
static tj_status render(tj_ctx *ctx, Agraph_t *g, const tj_graph_opts *o, tj_graph_times *t, char **out,
                        size_t *len) {
  GVC_t *gvc = graphviz_context();
  char *data = NULL;
  unsigned int n = 0;
  if (!gvc) {
    diag_error(&ctx->diags, NULL, span_make(0, 0), "internal error: cannot start Graphviz");
    return TJ_ERR_INTERNAL;
  }
  if (agnnodes(g) > LARGE_GRAPH_NODES) {
    agattr(g, AGRAPH, "mclimit", "0.1");
    agattr(g, AGRAPH, "nslimit1", "1");
  }
  double t0 = now_ms();
  phase(o, "laying out %d nodes", agnnodes(g));
  int failed = gvLayout(gvc, g, "dot");
  double t1 = now_ms();
  if (!failed) phase(o, "rendering %s", format_names[o->format]);
  if (!failed) failed = gvRenderData(gvc, g, format_names[o->format], &data, &n);
  t->layout_ms = t1 - t0;
  t->render_ms = now_ms() - t1;
  if (!failed && data) {
    *out = malloc(n + 1u);
    if (!*out) TJ_OOM();
    memcpy(*out, data, n);
    (*out)[n] = 0;
    *len = n;
  }
  if (data) gvFreeRenderData(data);
  if (!failed) gvFreeLayout(gvc, g);
  if (failed || !*out) {
    diag_error(&ctx->diags, NULL, span_make(0, 0), "internal error: Graphviz could not render %s (is its %s plugin installed?)",
               format_names[o->format], o->format == TJ_GRAPH_SVG ? "core" : "cairo");
    return TJ_ERR_INTERNAL;
  }
  return TJ_OK;
}

/* Builds the graph of a traced jaxpr and writes or renders it. */
static tj_status draw(tj_ctx *ctx, const tj_jaxpr *j, const tj_graph_opts *o, tj_graph_times *t, char **out,
                      size_t *len) {
  double t0 = now_ms();
  phase(o, "building the graph");
  Agraph_t *g = graph_open("jaxpr");
  if (!g) {
    diag_error(&ctx->diags, NULL, span_make(0, 0), "internal error: cannot create a graph");
    return TJ_ERR_INTERNAL;
  }
  diag_at nowhere = {&ctx->diags, NULL, span_make(0, 0), NULL};
  tj_status st = graph_build(&nowhere, g, j, o);
  t->build_ms = now_ms() - t0;
  if (st == TJ_OK && o->format == TJ_GRAPH_DOT) {
    tj_buf b = {0};
    if (!graph_write_dot(g, &b)) {
      diag_error(&ctx->diags, NULL, span_make(0, 0), "internal error: cannot write the DOT text");
      st = TJ_ERR_INTERNAL;
    }
    *len = b.len;
    *out = buf_detach(&b);
  } else if (st == TJ_OK && agnnodes(g) > GRAPH_MAX_LAYOUT_NODES) {
    diag_error(&ctx->diags, NULL, span_make(0, 0),
               "the graph is too large to lay out (%d nodes; limit is %d): write DOT (--dot) and lay it out "
               "with another tool",
               agnnodes(g), GRAPH_MAX_LAYOUT_NODES);
    st = TJ_ERR_USAGE;
  } else if (st == TJ_OK && graph_layout_cost(g) > GRAPH_MAX_LAYOUT_COST) {
    diag_error(&ctx->diags, NULL, span_make(0, 0),
               "the graph would take too long to lay out (%d nodes, %d edges: layout cost %lld; limit is %lld): "
               "write DOT (--dot) and lay it out with another tool",
               agnnodes(g), agnedges(g), graph_layout_cost(g), GRAPH_MAX_LAYOUT_COST);
    st = TJ_ERR_USAGE;
  } else if (st == TJ_OK) {
    st = render(ctx, g, o, t, out, len);
  }
  agclose(g);
  return st;
}

tj_status tj_graph(tj_ctx *ctx, tj_spec *spec, const tj_graph_opts *opts, char **out, size_t *len) {
  tj_graph_opts o = opts ? *opts : tj_graph_defaults();
  tj_graph_times t = {0};
  tj_jaxpr *j = NULL;
  *out = NULL;
  *len = 0;
  if ((unsigned)o.format > TJ_GRAPH_PDF) return TJ_ERR_USAGE;
  double t0 = now_ms();
  phase(&o, "tracing");
  tj_status st = tj_trace(ctx, spec, &o.trace, &j);
  t.trace_ms = now_ms() - t0;
  diag_set_kind(&ctx->diags, DIAG_KIND_GRAPH);
  if (st == TJ_OK) {
    pthread_mutex_lock(&graphviz_lock);
    st = draw(ctx, j, &o, &t, out, len);
    pthread_mutex_unlock(&graphviz_lock);
  }
  tj_jaxpr_free(j);
  if (st != TJ_OK) {
    free(*out);
    *out = NULL;
    *len = 0;
  }
  if (o.times) *o.times = t;
  return st;
}
