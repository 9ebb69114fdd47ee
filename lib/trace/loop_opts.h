/* The static options of lax.scan (length=, reverse=, unroll=) and of
 * lax.fori_loop (unroll=), read and checked as JAX 0.10.2's
 * jax/_src/lax/control_flow/loops.py reads them: trace_loop_opts.c. */
#ifndef TJIT_LOOP_OPTS_H
#define TJIT_LOOP_OPTS_H

#include "trace.h"

typedef struct scan_opts {
  int64_t length;          /* -1: not given (inferred from xs) */
  bool reverse;
  const value *unroll;     /* as given (NULL: the default 1), resolved by scan_unroll */
  tj_span unroll_span;
} scan_opts;

/* The scan's length from the avals of its n xs (*length: the given one,
 * or -1), with _infer_scan_length's errors. */
bool scan_infer_length(tracer *t, const tj_aval *xa, int n, tj_span span, int64_t *length);

/* The error for xs leaves without a leading axis (always false). */
bool scan_no_leading_axis(tracer *t, const value *xs, int n, tj_span span);

/* xs at position i or as keyword xs=; None when absent. */
bool scan_read_xs(tracer *t, const builtin_def *b, const call_args *a, int i, value *xs);

/* scan(f, init, xs, length, reverse, unroll): the options from position
 * first on or their keywords. */
bool scan_read_opts(tracer *t, const builtin_def *b, const call_args *a, int first, scan_opts *o);

/* The unroll param scan records once the length is known: an int as
 * given, a bool as `max(length, 1) if unroll else 1`. */
bool scan_unroll(tracer *t, const scan_opts *o, int64_t length, int64_t *out);

/* fori_loop's unroll= (NULL: absent or None) with traced bounds: only
 * one Python finds equal to 1 or False (False, True, 1) is allowed. */
bool fori_check_traced_unroll(tracer *t, const value *unroll, tj_span span);

#endif
