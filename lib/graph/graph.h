/* tjit graph: the jaxpr as a Graphviz graph (graph.c builds it with
 * libcgraph, graph_render.c lays it out and renders it with libgvc).
 *
 * Determinism: cgraph's default ID discipline makes a named object's ID
 * the address of its interned name, and subgraphs are kept (and written,
 * and laid out) in ID order, so their order would follow malloc. graph_open
 * installs a discipline whose IDs follow creation order, and every name is
 * generated here (n12, cluster3): none holds text the user wrote. */
#ifndef TJ_GRAPH_H
#define TJ_GRAPH_H
#include <stdbool.h>
#include <stddef.h>

#include <cgraph.h>

#include "api.h"
#include "util.h"

/* Nodes one drawing may have as DOT text, and laid out by tjit: dot's
 * time grows faster than the square of the size (4,000 equations take it
 * about 30 s here), so larger jaxprs are written as DOT only. */
#define GRAPH_MAX_NODES 100000
/* Node memberships one drawing may have before proxies: a node in
 * clusters nested d deep counts d + 1. cgraph's time grows with them: at
 * the limit, 10 nested jits around 27,000 steps (with their proxies,
 * 600,000 memberships) take 0.9 s to write as DOT. */
#define GRAPH_MAX_MEMBERS 300000
#define GRAPH_MAX_LAYOUT_NODES 6000
/* The most layout work tjit asks of dot, in graph_layout_cost's units:
 * under 2 s of dot on the idle 2-core development machine for the
 * costliest shape measured (a machine shared by six builds made dot 3 to
 * 10 times slower); see tjit-graph(1), LIMITS. */
#define GRAPH_MAX_LAYOUT_COST 2500000LL

/* dot's time goes mostly to the network simplex that places the nodes
 * across (Graphviz 2.43): up to about 2 iterations per node, each costing
 * time in proportion to the graph's size. The iterations follow no simple
 * count (neither cycles nor crossings: a chain with no cycle and small
 * proxy nodes beside it took 0.5 per node), so the cost assumes the
 * most: nodes * (nodes + edges). Measured on dot's own clock, idle: a
 * chain of 300 y = sin(y) * cos(y) + y steps (1,202 nodes, 1,801 edges;
 * cost 3.6M) 2.6 s, the costliest per unit; a value read by every step
 * of a chain, 300 steps (cost 3.2M) 1.2 s; 300 steps of y = y * x + x
 * (cost 2.9M) 0.7 s; cycle-free chains of 3,000 and 6,000 nodes (18M and
 * 72M, refused) 0.7 s and 3.5 s. */
long long graph_layout_cost(Agraph_t *g);

/* A new directed root graph with creation-ordered IDs; agclose frees it. */
Agraph_t *graph_open(const char *name);
/* Graphviz's version (gvcVersion of the process's context), or NULL when
 * Graphviz cannot start. */
const char *graph_graphviz_version(void);
/* Writes g as DOT text into out. */
bool graph_write_dot(Agraph_t *g, tj_buf *out);

/* Draws j's jaxpr into the root graph g. opts->fused draws it as the pass
 * pipeline leaves it (dead code gone, as in the C; j stays as traced) and
 * adds the fusion clusters. Reports into at: TJ_ERR_USAGE when the drawing
 * would pass GRAPH_MAX_NODES or GRAPH_MAX_MEMBERS, or cgraph cannot make
 * it; TJ_ERR_INTERNAL when a pass broke the IR. */
tj_status graph_build(const diag_at *at, Agraph_t *g, const tj_jaxpr *j, const tj_graph_opts *opts);

/* Appends text as the body of an HTML-like label: markup characters and
 * backslashes as entities, bytes that are not printable ASCII or valid
 * UTF-8 (surrogates included) as \xNN, U+FFFE and U+FFFF as \ufffe and
 * \uffff, so that no code point XML 1.0 forbids reaches Graphviz's XML
 * parser or the SVG; longer than max bytes, cut at a character and "...". */
void graph_put_html(tj_buf *b, const char *text, size_t n, size_t max);

#endif
