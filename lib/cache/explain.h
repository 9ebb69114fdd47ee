/* tjit explain-recompile (tj_explain_report in tjit.h): the report's insides,
 * shared by explain.c (the cache replay and what-if), explain_analysis.c
 * (how the traces use each argument) and explain_format.c (text, JSON,
 * GitHub annotations). */
#ifndef TJ_EXPLAIN_H
#define TJ_EXPLAIN_H
#include "api.h"
#include "bind.h"
#include "cache_key.h"
#include "hashmap.h"
#include "limits.h"
#include "util.h"

/* Signatures compared when looking for the closest one: the most recently
 * compiled, so a replay of many distinct calls stays linear. */
#define EXPLAIN_MAX_CLOSEST 256
/* Values of one argument shown. */
#define EXPLAIN_MAX_VALUES 16
/* Traces one analysis may make (each compiled signature at most once),
 * and the work they may do in all, in equations recorded plus statements
 * run: a function that runs into the trace limits for every signature
 * made explain-recompile take the time of one such trace per signature
 * (5 signatures of a static loop that never ends: 80 s). A trace is not
 * begun past it, so the analysis does at most about twice the work of
 * the longest trace (TJ_MAX_STEPS + TJ_MAX_EQNS, limits.h). */
#define EXPLAIN_MAX_TRACES 256
#define EXPLAIN_MAX_TRACE_WORK ((uint64_t)TJ_MAX_STEPS)
/* Mismatches kept (and shown) per compilation. */
#define EXPLAIN_MAX_SHOWN 16

/* A signature: one distinct key (a compilation), or the what-if call's
 * (first_call -1). */
typedef struct explain_sig {
  cache_key key;
  int first_call;          /* the call that compiled it; -1: a variant */
  int last_use;            /* the last call that used it (breaks ties of "closest") */
  int traced;              /* 0 not yet, 1 traced, -1 the trace failed */
  uint8_t *use;            /* traced: how it used each static parameter (trace.h's
                              USE_* bits), as far as it got when it failed */
  char *trace_error;       /* the failed trace's diagnostics, rendered */
  const tj_diag *error;    /* its first one, for annotations (in the ctx) */
} explain_sig;

/* What happened to one call (or the what-if). */
typedef struct explain_call {
  int sig;
  bool compiled;
  int closest;             /* compiled: the closest earlier signature; -1: none */
  int nmismatch;
  cache_mismatch mm[EXPLAIN_MAX_SHOWN];
  const sjson *json;       /* where the call is written */
  uint32_t line, col;      /* its position in the spec */
  bool over_budget;
} explain_call;

typedef enum {
  ARG_TRACED,              /* a traced argument (no class) */
  ARG_STRUCTURAL,          /* decided control flow, a shape, an axis, an index, a dtype or a call */
  ARG_CONSTANT,            /* only became literal values in equations */
  ARG_UNUSED,              /* never read by any trace */
  ARG_ONE_VALUE,           /* read, but only one value seen: nothing to compare */
  ARG_NEEDS_TRACE,         /* the comparison needs a trace that failed */
} explain_class;

typedef struct explain_arg {
  int param;
  const char *name;
  bool is_static;
  bool read;               /* its name appears in the function's body */
  explain_class cls;
  int nvalues;             /* distinct values (static) or avals (traced) */
  int shown[EXPLAIN_MAX_VALUES]; /* a signature holding each of the first values */
  int nshown;
  int caused;              /* compilations whose closest mismatch names it */
  int avoidable;           /* compilations fewer if it were traced (constant) or
                              dropped (unused); -1: not computed */
  bool shape_varies, dtype_varies, weak_varies;
  uint8_t use;             /* the USE_* bits of every trace together */
  int error_sig;           /* NEEDS_TRACE: the signature whose trace failed */
  int decided_sig;         /* STRUCTURAL: the first signature whose trace it decided */
} explain_arg;

struct tj_explain_report {
  tj_arena arena;
  tj_ctx *ctx;
  tj_spec *spec;
  binder binder;            /* the entry, its static parameters: every call is bound by it */
  const char *function;
  tj_span function_span;   /* the entry's name in the source */
  cache_keyer keyer;
  explain_sig *sigs;
  int nsigs, capsigs;
  hashmap sig_index;       /* digest -> index into sigs (malloc'd) */
  explain_call *calls;
  int ncalls, ncompiles;
  long max_compiles;       /* -1: no budget */
  explain_arg *args;
  int nargs;
  int ntraces;
  uint64_t trace_work;     /* of the traces so far (EXPLAIN_MAX_TRACE_WORK) */
  bool has_what_if;
  explain_call what_if;
  int what_if_base;        /* the call it is derived from */
  const char *what_if_text;  /* "threshold=1.0, x=..." */
};

/* explain.c */
/* The signature with this digest, or -1. */
int explain_find(const tj_explain_report *r, cache_digest d);
/* Adds a signature not seen before (explain_find gave -1; key args copied
 * into the report's arena). */
int explain_add_sig(tj_explain_report *r, const cache_key *key, int first_call);
/* Where a call is written: its line and column in the spec. */
void explain_call_pos(const explain_call *c, uint32_t *line, uint32_t *col);

/* explain_analysis.c: classifies every argument (fills r->args). */
void explain_analyse(tj_explain_report *r);

/* explain_format.c: pieces of the report shared by every format. */
/* "hit (compiled for call 0)", "compile: first call", "compile: never seen
 * signature; closest seen signature (call 0) has 1 mismatch". */
void explain_put_outcome(const tj_explain_report *r, const explain_call *c, tj_buf *b);
/* The mismatches of a compilation: prefix before the first, sep between;
 * hints adds the weak-type hint line. */
void explain_put_mismatches(const tj_explain_report *r, const explain_call *c, const char *prefix, const char *sep,
                            bool hints, tj_buf *b);
const char *explain_class_name(const explain_arg *a);
/* Value k of an argument: a static value's repr or a traced aval. */
void explain_put_value(const tj_explain_report *r, const explain_arg *a, int k, tj_buf *b);
/* Why a static argument has its class; the hint that follows it (false:
 * none); which trace a "not classified" one needed. */
void explain_put_why(const tj_explain_report *r, const explain_arg *a, tj_buf *b);
bool explain_put_hint(const tj_explain_report *r, const explain_arg *a, tj_buf *b);
void explain_put_needed_trace(const tj_explain_report *r, const explain_arg *a, tj_buf *b);
/* Where a parameter is declared in the function source. */
void explain_param_pos(const tj_explain_report *r, const explain_arg *a, uint32_t *line, uint32_t *col);

/* explain_json.c: what the GitHub and SARIF forms share. */
/* "static argument 'n' is structural and caused 1 compilation: why; hint",
 * "traced argument 'x' caused 3 compilations: hint". */
void explain_put_arg_text(const tj_explain_report *r, const explain_arg *a, tj_buf *m);
/* Whether an argument is worth a warning (it cost compilations that could
 * be avoided, or could not be classified), or nothing at all (one value,
 * or traced without compilations); the others are worth a notice. */
bool explain_arg_warns(const explain_arg *a);
bool explain_arg_silent(const explain_arg *a);

#endif
